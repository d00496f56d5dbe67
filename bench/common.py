"""Paths, statistics, the stand-in server process and the arazzo-runner worker process."""

from __future__ import annotations

import atexit
import json
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
SEED = REPO / "specs" / "arazzo" / "tiktok-for-developers-oauth-login-and-profile-workflow.yml"
CORPUS = REPO.parent / "shared" / "corpus"
RESULTS = BENCH / "results"

CLIENT_KEY = "test-client-key"
CLIENT_SECRET = "test-client-secret"
REDIRECT_URI = "https://app.example/callback"
USER_FIELDS = "open_id,union_id,avatar_url,display_name,is_verified,follower_count,video_count"
DISPLAY_NAME = "Stand-in Creator"


_PYCACHE = Path(tempfile.mkdtemp(prefix="bench-pycache-"))
atexit.register(shutil.rmtree, _PYCACHE, ignore_errors=True)


def child_env(bytecode_cache: bool = True) -> dict[str, str]:
    """The environment of a cold child process.

    With `bytecode_cache`, compiled bytecode is written to and read from a private folder
    (PYTHONPYCACHEPREFIX): what an installed package has. Without it, no bytecode is written
    (PYTHONDONTWRITEBYTECODE, as this machine sets): modules without a __pycache__ next to them
    -- the project's own, in a fresh clone -- are compiled from source in every process.
    """
    env = dict(os.environ)
    # Compile-time figures are cold unless a measurement sets its own formatting cache.
    env["ARAZZO_CODEGEN_CACHE_DIR"] = "off"
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(_PYCACHE)
    else:
        env.pop("PYTHONPYCACHEPREFIX", None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def load() -> list[float]:
    """The 1, 5 and 15 minute load averages: other work on the machine skews every figure."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return []


def cpu_busy(seconds: float = 1.0) -> float | None:
    """Fraction of all cores busy over `seconds` (/proc/stat): others' work, when we are idle."""

    def sample() -> tuple[int, int]:
        fields = [int(value) for value in Path("/proc/stat").read_text().split()[1:9]]
        idle = fields[3] + fields[4]
        return sum(fields) - idle, sum(fields)

    try:
        busy_before, total_before = sample()
        time.sleep(seconds)
        busy_after, total_after = sample()
    except (OSError, ValueError, IndexError):
        return None
    return round((busy_after - busy_before) / max(1, total_after - total_before), 3)


def wait_quiet(max_seconds: float, threshold: float = 0.15) -> float | None:
    """Wait (up to `max_seconds`) until other work leaves the CPU mostly idle; the last
    busy fraction seen (recorded with the results)."""
    deadline = time.monotonic() + max_seconds
    busy = cpu_busy(1.0)
    if busy is not None and busy > threshold and max_seconds > 0:
        log(f"  {busy:.0%} of the CPU is busy with other work: waiting up to {max_seconds:.0f} s")
        while busy is not None and busy > threshold and time.monotonic() < deadline:
            busy = cpu_busy(2.0)
        if busy is not None and busy > threshold:
            log(f"  still {busy:.0%} busy: measuring anyway (figures will be noisier)")
    return busy


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def summary_us(times_ns: Sequence[int]) -> dict[str, float]:
    """Median, mean and tail of per-run times, in microseconds."""
    ordered = sorted(times_ns)
    count = len(ordered)

    def at(fraction: float) -> float:
        return ordered[min(count - 1, int(fraction * count))] / 1000

    return {
        "runs": count,
        "median_us": statistics.median(ordered) / 1000,
        "mean_us": statistics.fmean(ordered) / 1000,
        "p10_us": at(0.10),
        "p90_us": at(0.90),
        "p99_us": at(0.99),
    }


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median and interquartile range of a few values (per-round ratios, say)."""
    if len(values) < 2:
        value = values[0] if values else float("nan")
        return {"median": value, "q1": value, "q3": value, "n": len(values)}
    q1, _q2, q3 = statistics.quantiles(values, n=4)
    return {"median": statistics.median(values), "q1": q1, "q3": q3, "n": len(values)}


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "commit": f"{commit}{'+dirty' if dirty else ''}" if commit else None,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "load_at_start": load(),
        "cpu_busy_before_start": cpu_busy(),
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE"),
    }


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def read_line(stream: IO[str], timeout: float, what: str) -> str:
    """One line from a child's stdout, or TimeoutError after `timeout` seconds."""
    ready, _, _ = select.select([stream], [], [], timeout)
    if not ready:
        raise TimeoutError(f"{what}: no answer within {timeout:.0f} s")
    line = stream.readline()
    if not line:
        raise RuntimeError(f"{what}: the process exited")
    return line


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[str]
    #: The stdlib stand-in only accepts codes registered in advance; ours takes any fresh code.
    registers_codes: bool

    def add_codes(self, prefix: str, count: int) -> None:
        """Make the codes prefix0 .. prefix{count-1} valid (once each)."""
        if not self.registers_codes:
            return
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{prefix} {count}\n")
        self.process.stdin.flush()
        if read_line(self.process.stdout, 60, "stand-in server").strip() != "OK":
            raise RuntimeError("stand-in server did not register the codes")

    def stats(self) -> dict[str, Any]:
        import httpx

        answer: dict[str, Any] = httpx.get(self.base_url + "/_bench/stats", timeout=5).json()
        return answer


@contextmanager
def stand_in_server(module: str = "bench.server") -> Iterator[Server]:
    """A stand-in server in its own process (the client's event loop keeps its core)."""
    process = subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = read_line(process.stdout, 30, f"stand-in server {module}")
        if not line.startswith("READY "):
            raise RuntimeError(f"stand-in server {module} said {line!r}")
        yield Server(line.split()[1], process, registers_codes=module != "bench.server")
    finally:
        if process.stdin is not None:
            process.stdin.close()  # the server stops when its stdin closes
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RunnerWorker:
    """bench/runner_worker.py in arazzo-runner's own venv, driven over a pipe."""

    def __init__(self, python: Path) -> None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.stderr = (RESULTS / "runner-worker.log").open("w")
        self.process = subprocess.Popen(
            [str(python), str(BENCH / "runner_worker.py")],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )

    def call(self, command: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(
            read_line(self.process.stdout, timeout, "arazzo-runner worker")
        )
        if not answer.get("ok"):
            raise RuntimeError(answer.get("error", "arazzo-runner worker failed"))
        return answer

    def close(self) -> None:
        try:
            if self.process.poll() is None and self.process.stdin is not None:
                self.process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        self.stderr.close()
