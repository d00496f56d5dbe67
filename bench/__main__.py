"""`make bench`: run time, concurrency, typed outputs, compile and import time, table and JSON.

python -m bench [--quick] [--only runtime,models,compile,import] [--runner-python PATH]
                [--oapc-python PATH] [--output FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import report
from bench.common import (
    BENCH,
    CORPUS,
    RESULTS,
    RunnerWorker,
    load,
    log,
    machine,
    stand_in_server,
    wait_quiet,
)

SECTIONS = ("runtime", "models", "compile", "import")


@dataclass(frozen=True)
class Plan:
    loop_rounds: int = 30
    loop_batch: int = 100
    loop_warmup: int = 200
    stdlib_rounds: int = 10
    stdlib_batch: int = 40
    mock_rounds: int = 40
    mock_batch: int = 400
    mock_warmup: int = 400
    levels: tuple[int, ...] = (1, 10, 100)
    conc_rounds: int = 10
    conc_runs: int = 300
    models_rounds: int = 30
    models_batch: int = 2000
    models_warmup: int = 1000
    seed_repeats: int = 7
    corpus_timeout: float = 300
    sizes: tuple[int, ...] = (1, 10, 100, 1000)
    synthetic_timeout: float = 240
    import_repeats: int = 20


QUICK = Plan(
    loop_rounds=4,
    loop_batch=20,
    loop_warmup=20,
    stdlib_rounds=2,
    stdlib_batch=10,
    mock_rounds=4,
    mock_batch=50,
    mock_warmup=50,
    levels=(1, 10),
    conc_rounds=2,
    conc_runs=100,
    models_rounds=3,
    models_batch=200,
    models_warmup=100,
    seed_repeats=2,
    corpus_timeout=120,
    sizes=(1, 10, 100),
    synthetic_timeout=120,
    import_repeats=3,
)


def guarded(results: dict[str, Any], key: str, action: Callable[[], Any]) -> None:
    """Run one measurement; on failure record the error and go on with the others."""
    started = time.perf_counter()
    try:
        results[key] = action()
        if isinstance(results[key], dict):
            results[key]["load_after"] = load()
    except Exception as error:
        log(f"  {key} failed: {type(error).__name__}: {error}")
        results[key] = {
            "error": f"{type(error).__name__}: {error}",
            "traceback": traceback.format_exc(limit=5),
        }
    log(f"  {key}: {time.perf_counter() - started:.1f} s")


def start_runner(python: Path | None) -> tuple[RunnerWorker | None, dict[str, Any]]:
    if python is None or not python.exists():
        where = python or BENCH / ".venv-runner/bin/python"
        return None, {
            "available": False,
            "reason": f"{where} not found: arazzo-runner is not installed "
            "(make bench installs it; see bench/results/runner-install.log)",
        }
    worker = RunnerWorker(python)
    return worker, {"available": True}


def run_runtime(plan: Plan, runner_python: Path | None, results: dict[str, Any]) -> None:
    from bench import runtime  # imports generated.tiktok: only when this section runs

    worker, runner_info = start_runner(runner_python)
    results["arazzo_runner"] = runner_info
    try:
        with stand_in_server() as server:
            if worker is not None:
                try:
                    results["arazzo_runner"] |= runtime.runner_setup(worker, server.base_url)
                except Exception as error:
                    log(f"  arazzo-runner unavailable: {error}")
                    results["arazzo_runner"] = {"available": False, "reason": str(error)}
                    worker.close()
                    worker = None
            guarded(
                results,
                "loopback",
                lambda: asyncio.run(
                    runtime.loopback(
                        server,
                        rounds=plan.loop_rounds,
                        batch=plan.loop_batch,
                        warmup=plan.loop_warmup,
                        worker=worker,
                    )
                ),
            )
            guarded(
                results,
                "concurrency",
                lambda: asyncio.run(
                    runtime.concurrency(
                        server,
                        levels=plan.levels,
                        rounds=plan.conc_rounds,
                        runs_per_level=plan.conc_runs,
                    )
                ),
            )
        guarded(
            results,
            "mock_transport",
            lambda: asyncio.run(
                runtime.mock_transport(
                    rounds=plan.mock_rounds, batch=plan.mock_batch, warmup=plan.mock_warmup
                )
            ),
        )

        def stdlib_cross_check() -> dict[str, Any]:
            with stand_in_server("bench.stdlib_server") as server:
                if worker is not None:
                    runtime.runner_setup(worker, server.base_url)
                return asyncio.run(
                    runtime.loopback(
                        server,
                        rounds=plan.stdlib_rounds,
                        batch=plan.stdlib_batch,
                        warmup=plan.stdlib_batch,
                        worker=worker,
                    )
                )

        guarded(results, "loopback_stdlib_standin", stdlib_cross_check)
    finally:
        if worker is not None:
            worker.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few runs: a smoke test, not figures")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}"
    )
    parser.add_argument(
        "--runner-python",
        type=Path,
        default=BENCH / ".venv-runner" / "bin" / "python",
        help="interpreter of the venv holding arazzo-runner",
    )
    parser.add_argument(
        "--oapc-python",
        type=Path,
        default=BENCH / ".venv-oapc" / "bin" / "python",
        help="interpreter of the venv holding openapi-python-client",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=30,
        metavar="SECONDS",
        help="before each section, wait up to this long for other work to leave the CPU idle",
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of Arazzo documents")
    args = parser.parse_args()
    sections = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    plan = QUICK if args.quick else Plan()

    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine(), "quick": args.quick, "plan": vars(plan)}
    busy = results["machine"]["cpu_busy_before_start"]
    if busy is not None and busy > 0.2:
        log(
            f"warning: {busy:.0%} of the CPU was busy with other work just before the start; "
            "every figure below will be noisier and slower (see bench/README.md)"
        )
    results["cpu_busy_at_section_start"] = {}

    def quiet(section: str) -> None:
        results["cpu_busy_at_section_start"][section] = wait_quiet(args.wait_quiet)

    if "runtime" in sections:
        log("run time ...")
        quiet("runtime")
        run_runtime(plan, args.runner_python, results)
    if "models" in sections:
        from bench import models

        log("typed outputs ...")
        quiet("models")
        guarded(
            results,
            "models",
            lambda: models.measure(
                args.oapc_python,
                rounds=plan.models_rounds,
                batch=plan.models_batch,
                warmup=plan.models_warmup,
            ),
        )
    if "compile" in sections:
        from bench import compiletime

        log("compile time ...")
        quiet("compile")
        guarded(results, "compile_seed", lambda: compiletime.seed(plan.seed_repeats))
        guarded(
            results, "compile_corpus", lambda: compiletime.corpus(args.corpus, plan.corpus_timeout)
        )
        guarded(
            results,
            "compile_synthetic",
            lambda: compiletime.synthetic(plan.sizes, plan.synthetic_timeout),
        )
    if "import" in sections:
        from bench import imports

        log("import time ...")
        quiet("import")
        guarded(results, "import", lambda: imports.measure(plan.import_repeats))
    results["targets"] = report.targets(results)
    results["bench_wall_s"] = time.perf_counter() - started

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(report.table(results))
    print(f"\nwritten to {args.output} ({results['bench_wall_s']:.0f} s)")


if __name__ == "__main__":
    main()
