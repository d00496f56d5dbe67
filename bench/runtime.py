"""Run time of one workflow run: loopback server, MockTransport, and N concurrent runs."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import itertools
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bench import handwritten
from bench.common import (
    CLIENT_KEY,
    CLIENT_SECRET,
    DISPLAY_NAME,
    REDIRECT_URI,
    SEED,
    USER_FIELDS,
    RunnerWorker,
    Server,
    log,
    spread,
    summary_us,
)
from generated.tiktok import OauthLoginAndProfileInputs, oauth_login_and_profile

#: One run of the workflow: (client, base URL, authorization code) -> the profile's display name.
RunOnce = Callable[[httpx.AsyncClient, str, str], Awaitable[str | None]]

BASELINE = "handwritten"
AS_INSTALLED = "handwritten, httpcore as installed"
IN_PROCESS = ("handwritten", "generated")
IN_WORKER = ("arazzo-runner", "requests (hand-written, sync)")
WORKER_VARIANT = {"arazzo-runner": "runner", "requests (hand-written, sync)": "requests"}


async def run_generated(client: httpx.AsyncClient, base_url: str, code: str) -> str | None:
    inputs = OauthLoginAndProfileInputs(
        client_key=CLIENT_KEY,
        client_secret=CLIENT_SECRET,
        code=code,
        redirect_uri=REDIRECT_URI,
        user_fields=USER_FIELDS,
    )
    outputs = await oauth_login_and_profile(inputs, client=client, base_url=base_url)
    return outputs.display_name


async def run_handwritten(client: httpx.AsyncClient, base_url: str, code: str) -> str | None:
    outputs = await handwritten.oauth_login_and_profile(
        client,
        base_url,
        client_key=CLIENT_KEY,
        client_secret=CLIENT_SECRET,
        code=code,
        redirect_uri=REDIRECT_URI,
        user_fields=USER_FIELDS,
    )
    return outputs.display_name


RUNS: dict[str, RunOnce] = {
    "handwritten": run_handwritten,
    "generated": run_generated,
    AS_INSTALLED: run_handwritten,
}

# httpcore 1.0.9 runs `import sniffio` on every lock it sets up (several per request) and
# falls back to asyncio when that fails; anyio >= 4.11 no longer installs sniffio, and Python
# does not cache a failed import, so each request pays a few sys.path scans (about 0.5 ms here,
# more than the whole client-side cost of a request). See encode/httpcore#1103. Without sniffio
# we make the import fail at once (`sys.modules["sniffio"] = None`, which is what httpcore's fix
# amounts to) for every variant but AS_INSTALLED, which shows what the penalty is.
SNIFFIO_INSTALLED = importlib.util.find_spec("sniffio") is not None


def httpcore_fix(enabled: bool) -> None:
    if SNIFFIO_INSTALLED:
        return
    if enabled:
        sys.modules["sniffio"] = None  # type: ignore[assignment]
    else:
        sys.modules.pop("sniffio", None)


_batches = itertools.count()


def _prefix() -> str:
    """A fresh prefix for a batch's authorization codes (each code works once)."""
    return f"b{next(_batches)}-"


def _check(name: str, display_name: str | None) -> None:
    if display_name != DISPLAY_NAME:
        raise RuntimeError(f"{name}: unexpected display name {display_name!r}")


async def _timed_runs(
    name: str, client: httpx.AsyncClient, base_url: str, prefix: str, count: int
) -> tuple[list[int], int]:
    """Per-run wall times (ns) and the client CPU time of the whole batch (ns)."""
    run = RUNS[name]
    times: list[int] = []
    httpcore_fix(name != AS_INSTALLED)
    gc.collect()
    cpu = time.process_time_ns()
    for index in range(count):
        started = time.perf_counter_ns()
        display_name = await run(client, base_url, f"{prefix}{index}")
        times.append(time.perf_counter_ns() - started)
        _check(name, display_name)
    return times, time.process_time_ns() - cpu


def _rotated(names: list[str], by: int) -> list[str]:
    by %= len(names)
    return names[by:] + names[:by]


def _ratios(
    results: dict[str, dict[str, Any]], round_means: dict[str, list[float]]
) -> dict[str, Any]:
    base = results[BASELINE]
    ratios: dict[str, Any] = {}
    for name, result in results.items():
        if name == BASELINE:
            continue
        paired = [
            mine / theirs
            for mine, theirs in zip(round_means[name], round_means[BASELINE], strict=True)
        ]
        ratios[name] = {
            "of_medians": result["median_us"] / base["median_us"],
            "of_means": result["mean_us"] / base["mean_us"],
            "per_round": spread(paired),
        }
    return ratios


async def loopback(
    server: Server, *, rounds: int, batch: int, warmup: int, worker: RunnerWorker | None
) -> dict[str, Any]:
    """Sequential runs against a stand-in on 127.0.0.1, variants interleaved round by round."""
    names = list(IN_PROCESS) + ([] if SNIFFIO_INSTALLED else [AS_INSTALLED])
    names += list(IN_WORKER) if worker is not None else []
    times: dict[str, list[int]] = {name: [] for name in names}
    cpu: dict[str, int] = dict.fromkeys(names, 0)
    round_means: dict[str, list[float]] = {name: [] for name in names}
    async with httpx.AsyncClient() as client:

        async def one_batch(name: str, prefix: str, count: int) -> tuple[list[int], int]:
            server.add_codes(prefix, count)
            if name in RUNS:
                return await _timed_runs(name, client, server.base_url, prefix, count)
            assert worker is not None
            answer = worker.call(
                {
                    "cmd": "run",
                    "variant": WORKER_VARIANT[name],
                    "count": count,
                    "code_prefix": prefix,
                }
            )
            if answer["failures"]:
                raise RuntimeError(
                    f"{name}: {answer['failures']} failed runs: {answer['first_error']}"
                )
            return answer["times_ns"], answer["cpu_ns"]

        for name in names:
            await one_batch(name, _prefix(), warmup)
        for index in range(rounds):
            for name in _rotated(names, index):
                batch_times, batch_cpu = await one_batch(name, _prefix(), batch)
                times[name].extend(batch_times)
                cpu[name] += batch_cpu
                round_means[name].append(statistics.fmean(batch_times))
    results = {
        name: summary_us(times[name]) | {"cpu_us_per_run": cpu[name] / len(times[name]) / 1000}
        for name in names
    }
    stats = server.stats() if not server.registers_codes else {}
    httpcore_fix(True)
    return {
        "server": "bench/server.py" if not server.registers_codes else "tests/tiktok_standin.py",
        "sniffio_installed": SNIFFIO_INSTALLED,
        "rounds": rounds,
        "batch": batch,
        "warmup_runs": warmup,
        "variants": results,
        "ratios_to_handwritten": _ratios(results, round_means),
        "server_stats": stats,
    }


# ---------------------------------------------------------------------------- MockTransport

_TOKEN_BODY = json.dumps(
    {
        "open_id": "-000standinOpenIdAbCdEf0123456789",
        "scope": "user.info.basic,user.info.profile,user.info.stats",
        "access_token": "act.mockAccessToken0123456789abcdefghijklmnopqr",
        "expires_in": 86400,
        "refresh_token": "rft.mockRefreshToken0123456789abcdefghijklmnop",
        "refresh_expires_in": 31536000,
        "token_type": "Bearer",
    }
).encode()
_USER_BODY = json.dumps(
    {
        "data": {
            "user": {
                "open_id": "-000standinOpenIdAbCdEf0123456789",
                "union_id": "c9c60f44-a68e-4f5d-84dd-ce22faeb0ba1",
                "avatar_url": "https://p16-sign.tiktokcdn.example/avatar~c5_168x168.jpeg",
                "display_name": DISPLAY_NAME,
                "is_verified": False,
                "follower_count": 1532,
                "video_count": 48,
            }
        },
        "error": {"code": "ok", "message": "", "log_id": "20260101000000ABCDEF"},
    }
).encode()
_JSON = {"Content-Type": "application/json; charset=utf-8"}


def _mock_handler(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/v2/oauth/token/":
        return httpx.Response(200, content=_TOKEN_BODY, headers=_JSON)
    return httpx.Response(200, content=_USER_BODY, headers=_JSON)


async def mock_transport(*, rounds: int, batch: int, warmup: int) -> dict[str, Any]:
    """Client-side cost alone: both variants on one client whose transport is in memory."""
    base_url = "https://open.tiktokapis.com"
    names = list(IN_PROCESS)
    walls: dict[str, list[float]] = {name: [] for name in names}
    cpus: dict[str, list[float]] = {name: [] for name in names}
    async with httpx.AsyncClient(transport=httpx.MockTransport(_mock_handler)) as client:
        for name in names:
            await _timed_runs(name, client, base_url, _prefix(), warmup)
        for index in range(rounds):
            for name in _rotated(names, index):
                run = RUNS[name]
                gc.collect()
                cpu = time.process_time_ns()
                started = time.perf_counter_ns()
                for _ in range(batch):
                    display_name = await run(client, base_url, "code")
                walls[name].append((time.perf_counter_ns() - started) / batch)
                cpus[name].append((time.process_time_ns() - cpu) / batch)
                _check(name, display_name)
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        results[name] = {
            "runs": rounds * batch,
            # CPU time of this process: what the client costs, and unlike wall time not
            # stretched when another process takes the core for a while.
            "median_us": statistics.median(cpus[name]) / 1000,
            "min_us": min(cpus[name]) / 1000,
            "wall_median_us": statistics.median(walls[name]) / 1000,
            "wall_min_us": min(walls[name]) / 1000,
        }
    wall_results = {
        name: {
            "median_us": result["wall_median_us"],
            "mean_us": statistics.fmean(walls[name]) / 1000,
        }
        for name, result in results.items()
    }
    return {
        "rounds": rounds,
        "batch": batch,
        "note": "per run = CPU (or wall) time of a batch / batch size; median over rounds",
        "variants": results,
        "ratios_to_handwritten": _ratios(
            {
                name: result | {"mean_us": statistics.fmean(cpus[name]) / 1000}
                for name, result in results.items()
            },
            cpus,
        ),
        "wall_ratios_to_handwritten": _ratios(wall_results, walls),
    }


# ---------------------------------------------------------------------------- concurrency


async def _throughput(
    name: str, client: httpx.AsyncClient, base_url: str, prefix: str, concurrency: int, total: int
) -> tuple[int, int]:
    """`total` runs with `concurrency` in flight at all times: (wall ns, client CPU ns)."""
    run = RUNS[name]
    issued = 0
    httpcore_fix(True)

    async def loop() -> None:
        nonlocal issued
        while issued < total:
            code = f"{prefix}{issued}"
            issued += 1
            _check(name, await run(client, base_url, code))

    gc.collect()
    cpu = time.process_time_ns()
    started = time.perf_counter_ns()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return time.perf_counter_ns() - started, time.process_time_ns() - cpu


async def concurrency(
    server: Server, *, levels: tuple[int, ...], rounds: int, runs_per_level: int
) -> dict[str, Any]:
    """Throughput of N runs in flight on one shared client, generated vs hand-written."""
    by_level: dict[str, Any] = {}
    for level in levels:
        total = max(runs_per_level, level * 3)
        limits = httpx.Limits(max_connections=level, max_keepalive_connections=level)
        walls: dict[str, list[float]] = {name: [] for name in IN_PROCESS}
        cpus: dict[str, list[float]] = {name: [] for name in IN_PROCESS}
        async with httpx.AsyncClient(limits=limits) as client:
            for name in IN_PROCESS:  # warm-up: opens the N connections
                prefix = _prefix()
                server.add_codes(prefix, level * 2)
                await _throughput(name, client, server.base_url, prefix, level, level * 2)
            for index in range(rounds):
                for name in _rotated(list(IN_PROCESS), index):
                    prefix = _prefix()
                    server.add_codes(prefix, total)
                    wall, cpu = await _throughput(
                        name, client, server.base_url, prefix, level, total
                    )
                    walls[name].append(total / (wall / 1e9))
                    cpus[name].append(cpu / total / 1000)
        level_result: dict[str, Any] = {"runs_per_round": total, "variants": {}}
        for name in IN_PROCESS:
            level_result["variants"][name] = {
                "runs_per_s": statistics.median(walls[name]),
                "client_cpu_us_per_run": statistics.median(cpus[name]),
            }
        paired = [
            mine / theirs for mine, theirs in zip(walls["generated"], walls[BASELINE], strict=True)
        ]
        level_result["throughput_ratio_generated_to_handwritten"] = spread(paired)
        by_level[str(level)] = level_result
        log(
            f"  concurrency {level}: "
            + ", ".join(
                f"{name} {level_result['variants'][name]['runs_per_s']:.0f} runs/s"
                for name in IN_PROCESS
            )
        )
    return {
        "rounds": rounds,
        "client": "one httpx.AsyncClient per level, max_connections = keep-alive = N",
        "levels": by_level,
    }


def runner_setup(worker: RunnerWorker, base_url: str) -> dict[str, Any]:
    return worker.call(
        {
            "cmd": "setup",
            "spec": str(SEED),
            "base_url": base_url,
            "inputs": {
                "clientKey": CLIENT_KEY,
                "clientSecret": CLIENT_SECRET,
                "redirectUri": REDIRECT_URI,
                "userFields": USER_FIELDS,
            },
        }
    )
