"""The compiler against broken documents: a deterministic mutation fuzzer over real Arazzo
documents, and bounded-resource cases (alias bombs, deep nesting, huge files, `$ref` cycles).

The fuzzer copies the corpus (../shared/corpus, read-only, see its README) and specs/ into a
temporary folder, applies seeded mutations to each Arazzo document (tests/hostile_mutations.py)
and runs the command line in-process on the result. Outcomes are counted: ok (exit 0, and the
generated modules parse), diagnostics (exit 1 with `file:line:col: error:` lines), tracebacks
(exit 3, or an exception escaping `main`), timeouts. Crashes caused by bugs already reported
(KNOWN_BUGS, each with its own xfail reproducer below) are counted apart, so that a new crash
fails `test_fuzzing_finds_no_new_crash` while `test_fuzzing_finds_no_crash_at_all` (xfail) flips
when every known bug is fixed. Figures are printed with `pytest -s`.

FUZZ_ROUNDS (default 6) mutated variants are made of each document; FUZZ_SEED changes the seed.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml
from hostile_mutations import _LOADER, Document, mutate
from support import loopback_server

from generator.cli import find_specs, main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("ARAZZO_CORPUS", ROOT.parent / "shared" / "corpus")).resolve()
ROUNDS = int(os.environ.get("FUZZ_ROUNDS", "6"))
SEED = os.environ.get("FUZZ_SEED", "arazzo-fuzz-1")
# CPU seconds (this process and its formatting workers): other work on the machine stretches
# wall time, not these.
PER_RUN_SECONDS = 5.0
TOTAL_SECONDS = 90.0

LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (error|warning): ")
FILE_LEVEL = re.compile(r"^(?P<file>.+?): (error|warning): (?P<message>.*)$")
# Problems with a file as a whole, which have no line to point at.
FILE_LEVEL_MESSAGES = re.compile(
    r"file not found|cannot read file|file too large|is a directory|not valid UTF-8"
    r"|not enough memory|an Arazzo document must be an object, not null"
)

# Crashes and unlocated messages caused by bugs already reported; each has an xfail test below.
KNOWN_BUGS: dict[str, re.Pattern[str]] = {}  # none open


class RunTimedOut(BaseException):
    """Raised by the alarm; a BaseException so that `main`'s `except Exception` lets it pass."""


@dataclass
class RunResult:
    code: int | None
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float
    escaped: str | None = None  # an exception that escaped main
    timed_out: bool = False


def cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for (formatting workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_cli(argv: list[str], limit: float = PER_RUN_SECONDS * 4) -> RunResult:
    """The command line in-process, stopped by SIGALRM after `limit` seconds."""
    out, err = io.StringIO(), io.StringIO()

    def alarm(signum: int, frame: Any) -> None:
        raise RunTimedOut

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    started, started_cpu = time.perf_counter(), cpu_seconds()
    code: int | None = None
    escaped = None
    timed_out = False
    try:
        code = main(argv, out, err)
    except RunTimedOut:
        timed_out = True
    except BaseException as exc:
        escaped = f"{type(exc).__name__}: {exc}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return RunResult(
        code,
        out.getvalue(),
        err.getvalue(),
        time.perf_counter() - started,
        cpu_seconds() - started_cpu,
        escaped,
        timed_out,
    )


@dataclass
class Problem:
    kind: str  # traceback, unlocated, bad output, timeout
    detail: str
    document: str
    mutation: str
    known: str | None = None


def known_bug(text: str) -> str | None:
    for name, pattern in KNOWN_BUGS.items():
        if pattern.search(text):
            return name
    return None


def check_stderr(stderr: str) -> list[str]:
    """Lines of stderr that are neither located diagnostics nor file-level problems."""
    problems = []
    previous_was_diagnostic = False
    for line in stderr.splitlines():
        if LOCATED.match(line):
            previous_was_diagnostic = True
            continue
        file_level = FILE_LEVEL.match(line)
        if file_level and FILE_LEVEL_MESSAGES.search(file_level.group("message")):
            previous_was_diagnostic = True
            continue
        if line.startswith("arazzo-codegen: "):
            previous_was_diagnostic = False
            continue
        if previous_was_diagnostic and not FILE_LEVEL.match(line):
            problems.append(f"continuation of a diagnostic: {line[:120]!r}")
        else:
            problems.append(line[:200])
    return problems


def generated_modules_parse(out_dir: Path, since: float) -> str | None:
    for path in out_dir.rglob("*.py"):
        if path.stat().st_mtime < since - 1:
            continue
        try:
            ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError as exc:
            return f"{path.name}: SyntaxError: {exc.msg}"
        except RecursionError:
            return f"{path.name}: too deeply nested to parse"
    return None


# --- the corpus ---------------------------------------------------------------------------


@dataclass
class Corpus:
    root: Path
    documents: list[Path]
    source_maps: list[str]
    excluded: list[str] = field(default_factory=list)
    rounds: int = ROUNDS


def copy_corpus(target: Path) -> Corpus:
    if CORPUS.is_dir():
        shutil.copytree(CORPUS, target / "corpus", symlinks=False)
    shutil.copytree(ROOT / "specs", target / "specs")
    # The suite's own seed documents: the fuzz test proves itself without the corpus too.
    shutil.copytree(ROOT / "tests" / "documents" / "fuzz", target / "seeds")
    corpus = target / "corpus"
    maps = [
        "https://raw.githubusercontent.com/JaredCE/Arazzo-Runner/refs/heads/main/="
        + str(corpus / "JaredCE" / "Arazzo-Runner"),
        "https://cafe.redocly.com/_bundle/openapi/="
        + str(corpus / "Redocly/redocly-cli/resources"),
        "./apis/openapi/=" + str(corpus / "jentic/jentic-public-apis/apis/openapi"),
        "https://raw.githubusercontent.com/OAI/Arazzo-Specification/main/examples/1.0.0/="
        + str(corpus / "OAI/Arazzo-Specification/examples/1.0.0"),
    ]
    documents = find_specs([corpus]) if corpus.is_dir() else []
    documents += find_specs([target / "specs" / "arazzo", target / "seeds"])
    # Without the corpus, the few documents of the repository get more rounds each.
    rounds = ROUNDS if CORPUS.is_dir() else ROUNDS * 6
    return Corpus(target, sorted(documents), maps, rounds=rounds)


def load_document(path: Path) -> Document:
    text = path.read_text(encoding="utf-8", errors="replace")
    is_json = path.suffix == ".json"
    try:
        data = json.loads(text) if is_json else yaml.load(text, Loader=_LOADER)
    except (ValueError, yaml.YAMLError):
        data = None
    return Document(path, text, data, is_json)


def mutants(corpus: Corpus) -> Iterator[tuple[Path, str, Path]]:
    """(original, mutation description, mutated file) for every round of every document."""
    for path in corpus.documents:
        relative = path.relative_to(corpus.root).as_posix()
        document = load_document(path)
        for round_ in range(corpus.rounds):
            digest = hashlib.sha256(f"{SEED}:{relative}:{round_}".encode()).digest()
            rng = random.Random(digest)
            mutated = mutate(rng, document, rng.choice((1, 1, 2, 3)))
            for extra, text in mutated.extra_files.items():
                Path(extra).write_text(text, encoding="utf-8")
            target = path.with_name(f"{path.stem}.mutant{round_}{path.suffix}")
            if isinstance(mutated.text, bytes):
                target.write_bytes(mutated.text)
            else:
                target.write_text(mutated.text, encoding="utf-8", errors="surrogatepass")
            yield path, mutated.name, target


@dataclass
class FuzzReport:
    outcomes: Counter[str] = field(default_factory=Counter)
    mutations: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    seconds: list[tuple[float, str, str]] = field(default_factory=list)
    """CPU seconds of each run, with its document and mutation."""
    total: float = 0.0
    """CPU seconds of all runs."""
    wall: float = 0.0
    documents: int = 0

    @property
    def new_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.known is None]

    def summary(self) -> str:
        slowest = sorted(self.seconds, reverse=True)[:3]
        known = Counter(p.known for p in self.problems if p.known)
        return "\n".join(
            [
                f"fuzz: {self.documents} documents, "
                f"{sum(self.outcomes.values())} mutated documents in {self.total:.1f} CPU s "
                f"({self.wall:.1f} s)",
                f"outcomes: {dict(self.outcomes)}",
                f"problems: {len(self.problems)} ({len(self.new_problems)} new), "
                f"known: {dict(known)}",
                "slowest: " + "; ".join(f"{s:.2f} CPU s {m} ({d})" for s, d, m in slowest),
                "mutations: " + ", ".join(f"{k} {v}" for k, v in self.mutations.most_common()),
            ]
        )


@pytest.fixture(scope="module")
def fuzz_report(tmp_path_factory: pytest.TempPathFactory) -> FuzzReport:
    base = tmp_path_factory.mktemp("fuzz")
    corpus = copy_corpus(base)
    report = FuzzReport(documents=len(corpus.documents))
    maps = [arg for mapping in corpus.source_maps for arg in ("--source-map", mapping)]
    out_dir = base / "out"
    cwd = os.getcwd()
    os.chdir(base)  # no configuration file of the project's checkout applies
    previous_debug = os.environ.pop("ARAZZO_CODEGEN_DEBUG", None)
    started, started_cpu = time.perf_counter(), cpu_seconds()
    try:
        for original, mutation, target in mutants(corpus):
            shown = original.relative_to(base).as_posix()
            report.mutations.update(mutation.split(" + "))
            before = time.time()
            result = run_cli(["generate", str(target), "-o", str(out_dir), *maps])
            report.seconds.append((result.cpu_seconds, shown, mutation))
            report.outcomes[classify(result, out_dir, before, report, shown, mutation)] += 1
    finally:
        os.chdir(cwd)
        if previous_debug is not None:
            os.environ["ARAZZO_CODEGEN_DEBUG"] = previous_debug
    report.total = cpu_seconds() - started_cpu
    report.wall = time.perf_counter() - started
    print("\n" + report.summary())
    for problem in report.problems:
        print(f"  [{problem.known or 'NEW'}] {problem.kind}: {problem.detail[:160]}")
        print(f"      {problem.document} <- {problem.mutation}")
    return report


def classify(
    result: RunResult, out_dir: Path, before: float, report: FuzzReport, shown: str, mutation: str
) -> str:
    def problem(kind: str, detail: str) -> None:
        report.problems.append(Problem(kind, detail, shown, mutation, known_bug(detail)))

    if result.timed_out:
        problem("timeout", f"no answer within {PER_RUN_SECONDS * 4:.0f} s")
        return "timeout"
    if result.escaped is not None or result.code == 3:
        detail = result.escaped or result.stderr.strip().splitlines()[-2]
        problem("traceback", detail)
        return "traceback"
    for line in check_stderr(result.stderr):
        problem("unlocated", line)
    if result.cpu_seconds > PER_RUN_SECONDS:
        problem("slow", f"slow: {result.cpu_seconds:.1f} CPU s for {mutation}")
    if result.code == 0:
        bad = generated_modules_parse(out_dir, before)
        if bad is not None:
            problem("bad output", bad)
            return "bad output"
        return "ok"
    if result.code == 1 and ": error: " in result.stderr:
        return "diagnostics"
    problem("other exit", f"exit {result.code}: {result.stderr[:200]}")
    return f"exit {result.code}"


def test_fuzzing_finds_no_new_crash(fuzz_report: FuzzReport) -> None:
    assert fuzz_report.documents >= 1
    assert fuzz_report.new_problems == [], "\n".join(
        f"{p.kind}: {p.detail}\n    {p.document} <- {p.mutation}" for p in fuzz_report.new_problems
    )


def test_fuzzing_is_bounded_in_time(fuzz_report: FuzzReport) -> None:
    # Runs slower than PER_RUN_SECONDS are problems (test_fuzzing_finds_no_new_crash) unless
    # they are the known slowness of huge names and texts; none may hang.
    assert fuzz_report.outcomes["timeout"] == 0
    assert fuzz_report.total < TOTAL_SECONDS, fuzz_report.total


def test_fuzzing_exercises_both_outcomes(fuzz_report: FuzzReport) -> None:
    # Mutations must not all be fatal: some mutated documents still compile.
    assert fuzz_report.outcomes["ok"] > 0
    assert fuzz_report.outcomes["diagnostics"] > fuzz_report.outcomes["ok"] / 4


def test_fuzzing_finds_no_crash_at_all(fuzz_report: FuzzReport) -> None:
    assert fuzz_report.problems == []
    assert fuzz_report.outcomes["traceback"] == 0


# --- bounded resources -------------------------------------------------------------------------

OPENAPI = """\
openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example"}]
paths:
  /a:
    get:
      operationId: op
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
components:
  schemas:
    Thing: {type: object, properties: {a: {type: object, properties: {b: {type: string}}}}}
"""
HEAD = """\
arazzo: 1.0.1
info: {title: t, version: "1"}
sourceDescriptions:
  - {name: api, url: ./api.openapi.yaml, type: openapi}
"""
WORKFLOW = """\
workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: op
        outputs: {b: $response.body#/a/b}
    outputs: {b: $steps.s.outputs.b}
"""
# Runs in a child process under an address-space limit, so a runaway case cannot hurt the
# machine; it prints what happened as JSON. Budgets are checked on CPU seconds (the child's and
# its formatting workers'), which other load on the machine does not inflate as it does wall time.
CHILD = textwrap.dedent(
    """
    import io, json, resource, sys, time
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from generator.cli import main
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    try:
        code = main(sys.argv[2:], out, err)
        escaped = None
    except BaseException as exc:
        code, escaped = None, f"{type(exc).__name__}: {exc}"
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "code": code, "escaped": escaped, "stderr": err.getvalue()[:4000],
        "seconds": time.perf_counter() - started,
        "cpu_seconds": own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    """
)
MEMORY_LIMIT = 1536 * 1024 * 1024  # what the child may map at all
MEMORY_BUDGET_MB = 500  # what a bounded case may use (resident, including the interpreter)
TIME_BUDGET = 5.0


@dataclass
class Bounded:
    code: int | None
    escaped: str | None
    stderr: str
    seconds: float
    max_rss_mb: float
    cpu_seconds: float = 0.0


def run_bounded(folder: Path, document: str, timeout: float = 20.0) -> Bounded:
    started = time.perf_counter()
    try:
        completed = subprocess.run(
            [sys.executable, "-c", CHILD, str(MEMORY_LIMIT), "generate", document, "-o", "out"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Bounded(None, "timeout", "", time.perf_counter() - started, 0.0)
    lines = completed.stdout.strip().splitlines()
    if not lines:
        return Bounded(None, f"child died: {completed.stderr[-500:]}", "", 0.0, 0.0)
    data = json.loads(lines[-1])
    return Bounded(
        data["code"],
        data["escaped"],
        data["stderr"],
        data["seconds"],
        data["max_rss_mb"],
        data["cpu_seconds"],
    )


def write_case(folder: Path, name: str, text: str | bytes) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "api.openapi.yaml").write_text(OPENAPI)
    if isinstance(text, bytes):
        (folder / name).write_bytes(text)
    else:
        (folder / name).write_text(text, encoding="utf-8")
    return name


def assert_fails_cleanly(result: Bounded, message: str, *, located: bool = True) -> None:
    assert result.escaped is None, result.escaped
    assert result.code == 1, result
    assert "internal error" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors, result.stderr
    assert any(message in line for line in errors), result.stderr
    if located:
        assert all(LOCATED.match(line) for line in errors), result.stderr
    assert result.cpu_seconds < TIME_BUDGET, result.cpu_seconds
    assert result.max_rss_mb < MEMORY_BUDGET_MB, result.max_rss_mb


def laughs(levels: int, width: int = 10) -> str:
    lines = [f"x-l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"x-l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * width)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_billion_laughs_in_yaml(tmp_path: Path) -> None:
    name = write_case(tmp_path, "w.arazzo.yaml", HEAD + laughs(9) + WORKFLOW)
    assert_fails_cleanly(run_bounded(tmp_path, name), "document too large")


def test_billion_laughs_inside_a_json_file(tmp_path: Path) -> None:
    # The loader reads JSON with a YAML parser, so anchors and aliases work in .json files too.
    flow = ", ".join(
        line.replace("x-l", '"x-l').replace(": &", '": &').replace("lol", '"lol"')
        for line in laughs(12).strip().splitlines()
    )
    text = '{"arazzo": "1.0.1", ' + flow + ', "info": {"title": "t", "version": "1"}}'
    name = write_case(tmp_path, "w.arazzo.json", text)
    assert_fails_cleanly(run_bounded(tmp_path, name), "document too large")


def test_recursive_alias(tmp_path: Path) -> None:
    name = write_case(tmp_path, "w.arazzo.yaml", HEAD + "x-loop: &loop [a, *loop]\n" + WORKFLOW)
    assert_fails_cleanly(run_bounded(tmp_path, name), "recursive alias")


@pytest.mark.parametrize(
    "nested",
    [
        pytest.param("x: " + "[" * 10_000 + "]" * 10_000 + "\n", id="yaml flow lists"),
        pytest.param("x: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", id="yaml flow maps"),
        pytest.param(
            "x:\n" + "".join(" " * (n + 1) + "a:\n" for n in range(3_000)), id="yaml block"
        ),
    ],
)
def test_ten_thousand_levels_of_nesting(tmp_path: Path, nested: str) -> None:
    name = write_case(tmp_path, "w.arazzo.yaml", HEAD + WORKFLOW + nested)
    assert_fails_cleanly(run_bounded(tmp_path, name), "nest")


def test_nesting_under_the_depth_limit_in_an_extension_is_ignored(tmp_path: Path) -> None:
    # The extension's list is at level 1: 63 levels of lists keep the document within 64.
    nested = "x-deep: " + "[" * 63 + "]" * 63 + "\n"
    name = write_case(tmp_path, "w.arazzo.yaml", HEAD + WORKFLOW + nested)
    result = run_bounded(tmp_path, name)
    assert result.escaped is None and result.code == 0, result
    assert result.cpu_seconds < TIME_BUDGET and result.max_rss_mb < MEMORY_BUDGET_MB


def test_nesting_over_the_depth_limit_in_an_extension_is_located(tmp_path: Path) -> None:
    nested = "x-deep: " + "[" * 64 + "]" * 64 + "\n"
    name = write_case(tmp_path, "w.arazzo.yaml", HEAD + WORKFLOW + nested)
    result = run_bounded(tmp_path, name)
    assert_fails_cleanly(result, "document nested too deeply: more than 64 levels")
    assert result.stderr.startswith(f"{name}:12:72: error: "), result.stderr


def test_ten_thousand_levels_of_json_nesting_is_located(tmp_path: Path) -> None:
    text = '{"arazzo": "1.0.1", "x": ' + '{"a": ' * 10_000 + "1" + "}" * 10_000 + "}"
    name = write_case(tmp_path, "w.arazzo.json", text)
    assert_fails_cleanly(run_bounded(tmp_path, name), "nest")


def test_ten_thousand_levels_of_json_nesting_fails_without_traceback(tmp_path: Path) -> None:
    text = '{"arazzo": "1.0.1", "x": ' + '{"a": ' * 10_000 + "1" + "}" * 10_000 + "}"
    name = write_case(tmp_path, "w.arazzo.json", text)
    assert_fails_cleanly(run_bounded(tmp_path, name), "nest", located=False)


def test_document_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    name = write_case(tmp_path, "w.arazzo.yaml", HEAD + WORKFLOW + "x: " + "a" * 60_000_000 + "\n")
    assert_fails_cleanly(run_bounded(tmp_path, name), "file too large", located=False)


def test_twenty_megabyte_string_in_an_extension(tmp_path: Path) -> None:
    name = write_case(tmp_path, "w.arazzo.yaml", HEAD + WORKFLOW + "x-big: " + "a" * 20_000_000)
    result = run_bounded(tmp_path, name)
    assert result.escaped is None and result.code == 0, result
    assert result.cpu_seconds < TIME_BUDGET and result.max_rss_mb < MEMORY_BUDGET_MB, result


def test_twenty_megabyte_flat_document_fails_fast(tmp_path: Path) -> None:
    text = HEAD + WORKFLOW + "x-big: [" + ",".join(["1"] * 10_000_000) + "]\n"
    name = write_case(tmp_path, "w.arazzo.yaml", text)
    assert_fails_cleanly(run_bounded(tmp_path, name, timeout=TIME_BUDGET + 1), "document too large")


def test_a_twenty_megabyte_description_compiles_quickly(tmp_path: Path) -> None:
    # Docstrings and comments carry an excerpt of long prose (generator.emit.excerpt).
    text = HEAD + WORKFLOW.replace(
        "  - workflowId: w\n",
        "  - workflowId: w\n    description: |\n" + "      a line of description text\n" * 650_000,
        1,
    )
    name = write_case(tmp_path, "w.arazzo.yaml", text)
    result = run_bounded(tmp_path, name, timeout=TIME_BUDGET + 1)
    assert result.escaped is None and result.code == 0, result
    assert result.cpu_seconds < TIME_BUDGET, result.cpu_seconds
    docstrings = (tmp_path / "out" / "w" / "workflows.py").read_text(encoding="utf-8")
    assert docstrings.count("a line of description text") < 100


def test_compile_time_grows_linearly_with_the_number_of_workflows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Formatting the whole module at once grew faster than its size (black: 1000 one-step
    # workflows 24 s, 3000 180 s); definitions are now formatted one at a time.
    monkeypatch.setenv("ARAZZO_CODEGEN_CACHE_DIR", "off")
    seconds = {}
    for count in (100, 400):
        folder = tmp_path / str(count)
        folder.mkdir()
        steps = "    steps:\n      - {stepId: s, operationId: op}\n"
        text = HEAD + "workflows:\n"
        text += "".join(f"  - workflowId: w{n}\n{steps}" for n in range(count))
        result = run_bounded(folder, write_case(folder, "w.arazzo.yaml", text), timeout=60)
        assert result.escaped is None and result.code == 0, result
        seconds[count] = result.cpu_seconds
    assert seconds[400] < 6 * seconds[100], seconds  # 4 x the workflows: about 4 x the time


# --- $ref cycles and chains ---------------------------------------------------------------------


def openapi_with(schema_ref: str, schemas: str) -> str:
    return (
        OPENAPI.replace('{$ref: "#/components/schemas/Thing"}', f"{{$ref: '{schema_ref}'}}")
        + schemas
    )


REF_CASES = {
    "self": ("#/components/schemas/S", "    S: {$ref: '#/components/schemas/S'}\n"),
    "two-cycle": (
        "#/components/schemas/A",
        "    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n",
    ),
    "10k chain": (
        "#/components/schemas/C0",
        "".join(f"    C{n}: {{$ref: '#/components/schemas/C{n + 1}'}}\n" for n in range(10_000))
        + "    C10000: {type: object}\n",
    ),
    "10k chain into a cycle": (
        "#/components/schemas/C0",
        "".join(f"    C{n}: {{$ref: '#/components/schemas/C{n + 1}'}}\n" for n in range(10_000))
        + "    C10000: {$ref: '#/components/schemas/C0'}\n",
    ),
}


@pytest.mark.parametrize("case", REF_CASES, ids=str)
def test_ref_cycles_and_chains_fail_cleanly(tmp_path: Path, case: str) -> None:
    target, schemas = REF_CASES[case]
    write_case(tmp_path, "w.arazzo.yaml", HEAD + WORKFLOW)
    (tmp_path / "api.openapi.yaml").write_text(openapi_with(target, schemas))
    assert_fails_cleanly(run_bounded(tmp_path, "w.arazzo.yaml"), "reference")


def test_cross_file_ref_cycle_fails_cleanly(tmp_path: Path) -> None:
    write_case(tmp_path, "w.arazzo.yaml", HEAD + WORKFLOW)
    (tmp_path / "api.openapi.yaml").write_text(
        openapi_with("./b.yaml#/X", "    Y: {$ref: './b.yaml#/X'}\n")
    )
    (tmp_path / "b.yaml").write_text("X: {$ref: './api.openapi.yaml#/components/schemas/Y'}\n")
    assert_fails_cleanly(run_bounded(tmp_path, "w.arazzo.yaml"), "reference cycle")


def test_ref_chain_across_three_hundred_files_fails_cleanly(tmp_path: Path) -> None:
    write_case(tmp_path, "w.arazzo.yaml", HEAD + WORKFLOW)
    (tmp_path / "api.openapi.yaml").write_text(openapi_with("./f0.yaml#/X", ""))
    for n in range(300):
        (tmp_path / f"f{n}.yaml").write_text(f"X: {{$ref: './f{n + 1}.yaml#/X'}}\n")
    (tmp_path / "f300.yaml").write_text("X: {type: object}\n")
    assert_fails_cleanly(run_bounded(tmp_path, "w.arazzo.yaml"), "reference")


# --- minimal reproducers of the bugs the fuzzer and the hostile tests found ----------------------


def compile_in_process(folder: Path, arazzo: str, openapi: str = OPENAPI) -> RunResult:
    write_case(folder, "w.arazzo.yaml", arazzo)
    (folder / "api.openapi.yaml").write_text(openapi, encoding="utf-8")
    return run_cli(["generate", str(folder / "w.arazzo.yaml"), "-o", str(folder / "out")], 20)


def assert_no_internal_error(result: RunResult) -> None:
    assert not result.timed_out
    assert result.escaped is None, result.escaped
    assert result.code in (0, 1), result.stderr
    assert "internal error" not in result.stderr
    assert check_stderr(result.stderr) == []


def test_deeply_nested_input_default(tmp_path: Path) -> None:
    default = "1"
    for _ in range(101):
        default = "{a: " + default + "}"
    arazzo = HEAD + WORKFLOW.replace(
        "  - workflowId: w\n",
        f"  - workflowId: w\n    inputs:\n      type: object\n      properties:\n"
        f"        p: {{type: object, default: {default}}}\n",
    )
    result = compile_in_process(tmp_path, arazzo)
    assert_no_internal_error(result)
    assert result.code == 1 and "nested" in result.stderr


def test_deeply_nested_payload(tmp_path: Path) -> None:
    payload = "x"
    for _ in range(250):
        payload = "{k: " + payload + "}"
    arazzo = HEAD + WORKFLOW.replace(
        "        operationId: op\n",
        "        operationId: op\n        requestBody:\n          contentType: application/json\n"
        f"          payload: {payload}\n",
    )
    result = compile_in_process(tmp_path, arazzo)
    assert_no_internal_error(result)
    assert result.code == 1 and "nested too deeply" in result.stderr, result.stderr


def test_parameter_value_nested_four_hundred_levels(tmp_path: Path) -> None:
    value = "[" * 400 + "1" + "]" * 400
    arazzo = HEAD + WORKFLOW.replace(
        "        operationId: op\n",
        f"        operationId: op\n        parameters: [{{name: q, in: query, value: {value}}}]\n",
    )
    openapi = OPENAPI.replace(
        "      operationId: op\n",
        "      operationId: op\n      parameters: [{name: q, in: query, schema: {type: array}}]\n",
    )
    result = compile_in_process(tmp_path, arazzo, openapi)
    assert_no_internal_error(result)
    assert result.code == 1 and "nested too deeply" in result.stderr, result.stderr


@pytest.mark.parametrize("where", ["source url", "$ref"])
def test_over_long_file_names(tmp_path: Path, where: str) -> None:
    long_name = "./" + "a" * 300 + ".yaml"
    if where == "source url":
        result = compile_in_process(
            tmp_path, HEAD.replace("./api.openapi.yaml", long_name) + WORKFLOW
        )
    else:
        result = compile_in_process(tmp_path, HEAD + WORKFLOW, openapi_with(long_name + "#/X", ""))
    assert_no_internal_error(result)
    assert result.code == 1


@pytest.mark.parametrize("keyword", ["allOf", "anyOf", "oneOf"])
def test_composition_ref_cycle(tmp_path: Path, keyword: str) -> None:
    # Three members each referring back: followed naively, 3**depth paths.
    member = "{$ref: '#/components/schemas/P'}"
    schemas = f"    P: {{{keyword}: [{member}, {member}, {member}]}}\n"
    result = compile_in_process(
        tmp_path, HEAD + WORKFLOW, openapi_with("#/components/schemas/P", schemas)
    )
    assert_no_internal_error(result)
    assert result.cpu_seconds < 5, result.cpu_seconds


def test_diagnostics_do_not_echo_control_characters(tmp_path: Path) -> None:
    arazzo = HEAD + WORKFLOW.replace(
        "operationId: op\n", 'operationId: "nope\\e]0;owned\\a\\nforged.yaml:1:1: error: fake"\n'
    )
    result = compile_in_process(tmp_path, arazzo)
    assert result.code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert all(LOCATED.match(line) for line in result.stderr.splitlines()), result.stderr
    assert "forged.yaml" not in "".join(
        line for line in result.stderr.splitlines() if line.startswith("forged")
    )


def test_json_strings_keep_next_line_characters(tmp_path: Path) -> None:
    from generator.diagnostics import Diagnostics
    from generator.load.source import load_document as load

    path = tmp_path / "x.json"
    path.write_text(json.dumps({"k": "a\x85b"}, ensure_ascii=False), encoding="utf-8")
    loaded = load(path, Diagnostics())
    assert loaded is not None and loaded.data == {"k": "a\x85b"}


def test_real_document_quoting_multi_line_payloads_gets_one_line_diagnostics(
    tmp_path: Path,
) -> None:
    """OAI's bnpl example makes the compiler quote multi-line payload strings in warnings; each
    diagnostic must stay on one line."""
    folder = CORPUS / "OAI/Arazzo-Specification/examples/1.0.0"
    if not (folder / "bnpl-arazzo.yaml").is_file():
        pytest.skip("corpus not available")
    prefix = "https://raw.githubusercontent.com/OAI/Arazzo-Specification/main/examples/1.0.0/"
    argv = ["generate", str(folder / "bnpl-arazzo.yaml"), "-o", str(tmp_path)]
    result = run_cli([*argv, "--check", "--source-map", f"{prefix}={folder}"], 20)
    assert result.stderr.count(": warning: ") >= 1, result.stderr
    assert check_stderr(result.stderr) == []


@pytest.mark.parametrize("item", ["[a]", "{a: 1}"])
def test_non_string_in_inputs_required(tmp_path: Path, item: str) -> None:
    arazzo = HEAD + WORKFLOW.replace(
        "  - workflowId: w\n",
        "  - workflowId: w\n    inputs:\n      type: object\n"
        f"      required: [{item}]\n      properties: {{a: {{type: string}}}}\n",
    )
    result = compile_in_process(tmp_path, arazzo)
    assert_no_internal_error(result)
    assert result.code == 1


def test_huge_workflow_id_is_refused_or_shortened(tmp_path: Path) -> None:
    arazzo = HEAD + WORKFLOW.replace("workflowId: w", "workflowId: " + "w" * 100_000)
    result = compile_in_process(tmp_path, arazzo)
    assert_no_internal_error(result)
    assert result.cpu_seconds < TIME_BUDGET, result.cpu_seconds
    for path in (tmp_path / "out").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        longest = max(
            (len(n.name) for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef)), default=0
        )
        assert longest <= 255, longest


# --- remote sources (--allow-remote) under hostile servers ----------------------------------------


class _Hostile(BaseHTTPRequestHandler):
    """Serves an OpenAPI description slowly, byte by byte, or redirects forever."""

    mode = "drip"

    def do_GET(self) -> None:
        if self.mode == "redirect":
            self.send_response(302)
            self.send_header("Location", self.path + "x")
            self.end_headers()
            return
        body = OPENAPI.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for byte in body[:40]:  # each byte well within the read timeout, the whole beyond
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.1)
            self.wfile.write(body[40:])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hostile_server() -> Iterator[str]:
    with loopback_server(_Hostile) as url:
        yield url


def compile_remote(tmp_path: Path, url: str) -> tuple[RunResult, float]:
    write_case(tmp_path, "w.arazzo.yaml", HEAD.replace("./api.openapi.yaml", url) + WORKFLOW)
    argv = ["generate", str(tmp_path / "w.arazzo.yaml"), "-o", str(tmp_path / "out")]
    started = time.perf_counter()
    result = run_cli([*argv, "--allow-remote"], 30)
    return result, time.perf_counter() - started


def test_remote_fetch_is_bounded_in_total_time(
    tmp_path: Path, hostile_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.load import remote

    monkeypatch.setattr(remote, "TIMEOUT_SECONDS", 0.5)
    _Hostile.mode = "drip"
    result, seconds = compile_remote(tmp_path, f"{hostile_server}/api.yaml")
    assert_no_internal_error(result)
    assert seconds < 2.0, seconds


def test_remote_redirect_loop_fails_cleanly(tmp_path: Path, hostile_server: str) -> None:
    _Hostile.mode = "redirect"
    result, seconds = compile_remote(tmp_path, f"{hostile_server}/api.yaml")
    assert_no_internal_error(result)
    assert result.code == 1 and "redirect" in result.stderr.lower(), result.stderr
    assert seconds < TIME_BUDGET
