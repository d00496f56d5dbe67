"""Import time of the generated TikTok package beyond httpx, each measurement in a new process."""

from __future__ import annotations

import statistics
import subprocess
import sys
from typing import Any

from bench.common import REPO, child_env

# httpx first (not counted), then the package: perf_counter around its import alone.
_MEASURE = """
import time, httpx{also}
started, cpu = time.perf_counter(), time.process_time()
import {module}
print(time.perf_counter() - started, time.process_time() - cpu)
"""
_HTTPX = """
import time
started, cpu = time.perf_counter(), time.process_time()
import httpx
print(time.perf_counter() - started, time.process_time() - cpu)
"""


def _one(code: str, cache: bool = True) -> tuple[float, float]:
    """Wall and CPU time (s) of the import, measured inside a new process."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=child_env(cache),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def _importtime(module: str) -> list[dict[str, Any]]:
    """-X importtime of the modules the package brings in that httpx had not: self time, µs."""
    code = f"import httpx\nimport {module}"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows: list[dict[str, Any]] = []
    seen_httpx = False
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line.split(":", 1)[1].split("|")
        if name.strip() == "httpx":
            seen_httpx = True
            continue
        if seen_httpx:
            rows.append(
                {
                    "module": name.strip(),
                    "self_us": int(self_us),
                    "cumulative_us": int(cumulative_us),
                }
            )
    return sorted(rows, key=lambda row: row["self_us"], reverse=True)


def measure(repeats: int, module: str = "generated.tiktok") -> dict[str, Any]:
    measure = _MEASURE.format(module=module, also="")
    # An async caller has asyncio imported already; the package's own share is what remains.
    beyond_asyncio = _MEASURE.format(module=module, also=", asyncio")
    _one(measure)  # writes the bytecode caches once
    package = [_one(measure) for _ in range(repeats)]
    own = [_one(beyond_asyncio) for _ in range(repeats)]
    httpx_alone = [_one(_HTTPX) for _ in range(repeats)]
    uncached = [_one(measure, False) for _ in range(max(3, repeats // 4))]
    return {
        "module": module,
        "repeats": repeats,
        "median_ms": statistics.median(wall for wall, _ in package) * 1000,
        "min_ms": min(wall for wall, _ in package) * 1000,
        "max_ms": max(wall for wall, _ in package) * 1000,
        "cpu_median_ms": statistics.median(cpu for _, cpu in package) * 1000,
        "beyond_httpx_and_asyncio_median_ms": statistics.median(wall for wall, _ in own) * 1000,
        "no_bytecode_cache_median_ms": statistics.median(wall for wall, _ in uncached) * 1000,
        "httpx_itself_median_ms": statistics.median(wall for wall, _ in httpx_alone) * 1000,
        "modules_beyond_httpx": _importtime(module)[:12],
    }
