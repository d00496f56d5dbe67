"""Compile time: the seed in a cold process, the corpus, and synthetic documents of N workflows."""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.common import REPO, SEED, child_env, log, read_line

CODEGEN = Path(sys.executable).parent / "arazzo-codegen"


@dataclass(frozen=True)
class Timed:
    wall: float
    cpu: float
    """User + system CPU time of the child: unlike wall time, not stretched by other load."""
    status: int
    stderr: str


def _timed(
    command: list[str], timeout: float, cache: bool = True, format_cache: Path | None = None
) -> Timed:
    """One cold process: wall and CPU time (s), exit status and stderr. With `format_cache`,
    the compiler reuses formatted definitions from that folder (else it formats everything)."""
    env = child_env(cache)
    if format_cache is not None:
        env["ARAZZO_CODEGEN_CACHE_DIR"] = str(format_cache)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        wall = time.perf_counter() - started
        return Timed(wall, float("nan"), -1, f"timed out after {timeout:.0f} s")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Timed(wall, cpu, done.returncode, done.stderr)


def _problem(status: int, stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if "error" in line] or stderr.splitlines()
    return f"exit {status}: {lines[0] if lines else ''}"


def seed(repeats: int) -> dict[str, Any]:
    """`arazzo-codegen generate` on the seed, each time in a new process (median wall time)."""
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as out:
        command = [str(CODEGEN), "generate", str(SEED), "-o", out, "--package", "tiktok"]
        first = _timed(command, 120)  # also fills the bytecode cache
        if first.status != 0:
            return {"error": _problem(first.status, first.stderr), "first_s": first.wall}
        runs = [_timed(command, 120) for _ in range(repeats)]
        uncached = [_timed(command, 120, cache=False).wall for _ in range(max(2, repeats // 2))]
    imports = [
        _timed([sys.executable, "-c", "import generator.cli"], 60).wall for _ in range(repeats)
    ]
    bare = [_timed([sys.executable, "-c", "pass"], 60).wall for _ in range(repeats)]
    times = [run.wall for run in runs]
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "cpu_median_s": statistics.median(run.cpu for run in runs),
        "repeats": repeats,
        "first_s": first.wall,
        "no_bytecode_cache_median_s": statistics.median(uncached),
        "interpreter_start_s": statistics.median(bare),
        "import_compiler_s": statistics.median(imports),
    }


def corpus(root: Path, timeout: float) -> dict[str, Any]:
    """Every Arazzo document of the corpus, one after another in one process."""
    if not root.is_dir():
        return {"error": f"no corpus at {root} (pass --corpus)"}
    records: list[dict[str, Any]] = []
    source_map: list[str] = []
    timed_out = False
    with (
        tempfile.TemporaryDirectory(prefix="bench-corpus-") as out,
        tempfile.TemporaryFile("w+") as errors,
    ):
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.corpus_worker", str(root), out],
            cwd=REPO,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        assert process.stdout is not None
        deadline = started + timeout
        try:
            while True:
                left = max(0.1, deadline - time.perf_counter())
                try:
                    line = read_line(process.stdout, left, "corpus worker")
                except RuntimeError:
                    break  # the worker is done
                record = json.loads(line)
                if "source_map" in record:
                    source_map = record["source_map"]
                else:
                    records.append(record)
        except TimeoutError:
            timed_out = True
            process.kill()
        process.wait()
        wall = time.perf_counter() - started
        process.stdout.close()
        errors.seek(0)
        stderr = errors.read()
    if not records:
        return {"error": f"the corpus worker compiled nothing: {stderr.strip()[-500:]}"}
    outcome = {0: "compiled", 1: "document errors", 3: "internal error"}
    counts = Counter(outcome.get(record["exit"], f"exit {record['exit']}") for record in records)
    by_set: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        owner = "/".join(record["document"].split("/")[:2])
        by_set[owner]["compiled" if record["exit"] == 0 else "failed"] += 1
    compiled = [record["seconds"] for record in records if record["exit"] == 0]
    slowest = sorted(records, key=lambda record: record["seconds"], reverse=True)[:5]
    internal = Counter(
        (record["first_error"] or "").split("internal error: ", 1)[-1][:100]
        for record in records
        if record["exit"] == 3
    )
    return {
        "documents": len(records),
        "source_map": [mapping.replace(str(root) + "/", "CORPUS/") for mapping in source_map],
        "compiled": counts.get("compiled", 0),
        "failed": len(records) - counts.get("compiled", 0),
        "outcomes": dict(counts),
        "timed_out": timed_out,
        "wall_s": wall,
        "sum_per_document_s": sum(record["seconds"] for record in records),
        "median_compiled_document_s": statistics.median(compiled) if compiled else None,
        "by_set": {name: dict(counter) for name, counter in sorted(by_set.items())},
        "internal_errors": dict(internal.most_common(10)),
        "slowest": [
            {"document": record["document"], "seconds": record["seconds"], "exit": record["exit"]}
            for record in slowest
        ],
    }


def _synthetic_document(count: int) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SEED.read_text())
    template = document["workflows"][0]
    workflows = []
    for index in range(count):
        workflow = json.loads(json.dumps(template))
        workflow["workflowId"] = f"{template['workflowId']}-{index:04d}"
        workflows.append(workflow)
    document["workflows"] = workflows
    return document


def _after_one_edit(
    path: Path, command: list[str], format_cache: Path, timeout: float
) -> dict[str, Any]:
    """Compile once to fill the formatting cache, change one workflow's summary, and time the
    compile after the edit: what compiling on every save costs."""
    filled = _timed(command, timeout, format_cache=format_cache)
    document = yaml.safe_load(path.read_text())
    document["workflows"][-1]["summary"] = "Edited since the last compile."
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    edited = _timed(command, timeout, format_cache=format_cache)
    if filled.status != 0 or edited.status != 0:
        return {"after_edit_error": _problem(edited.status, edited.stderr)}
    return {"after_edit_wall_s": edited.wall, "after_edit_cpu_s": edited.cpu}


def synthetic(sizes: tuple[int, ...], timeout: float) -> dict[str, Any]:
    """Cold `arazzo-codegen generate` of documents holding 1, 10, 100, ... copies of the seed's
    workflow (renamed ids); time per workflow at each size; and the compile after editing one
    workflow, with the formatting cache of the previous compile."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-synthetic-") as temp:
        root = Path(temp)
        shutil.copytree(SEED.parent.parent / "openapi", root / "openapi")
        (root / "arazzo").mkdir()
        for size in sizes:
            path = root / "arazzo" / f"synthetic-{size}.arazzo.yaml"
            path.write_text(yaml.safe_dump(_synthetic_document(size), sort_keys=False))
            command = [
                str(CODEGEN),
                "generate",
                str(path),
                "-o",
                str(root / "out"),
                "--package",
                f"synthetic_{size}",
            ]
            first = _timed(command, timeout)
            if first.status != 0:
                error = _problem(first.status, first.stderr)
                results[str(size)] = {"error": error, "wall_s": first.wall}
                log(f"  {size} workflows: {error}")
                continue
            runs = [first]
            if first.wall < 10:
                runs += [_timed(command, timeout) for _ in range(2)]
            wall = statistics.median(run.wall for run in runs)
            cpu = statistics.median(run.cpu for run in runs)
            lines = sum(
                len(file.read_text().splitlines())
                for file in (root / "out" / f"synthetic_{size}").glob("*.py")
            )
            results[str(size)] = {
                "workflows": size,
                "wall_s": wall,
                "cpu_s": cpu,
                "runs": len(runs),
                "ms_per_workflow": wall / size * 1000,
                "generated_lines": lines,
                **_after_one_edit(path, command, root / f"cache-{size}", timeout),
            }
            log(f"  {size} workflows: {wall:.2f} s ({wall / size * 1000:.1f} ms per workflow)")
    ok = {key: result for key, result in results.items() if "error" not in result}
    if "1" in ok:
        for key, result in ok.items():
            if key != "1":
                extra = (result["wall_s"] - ok["1"]["wall_s"]) / (int(key) - 1)
                result["marginal_ms_per_workflow"] = extra * 1000
    return results
