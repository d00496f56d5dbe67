"""The npm tools some tests check our specs and generated client with (see package.json).

Stoplight Prism and Redocly CLI are pinned in package.json / package-lock.json and installed
into node_modules/ by `make npm-tools` (`npm ci`). A test that needs one calls :func:`tool`:
without Node.js or without node_modules the test is skipped with a message naming what is
missing, except when ``ARAZZO_CODEGEN_REQUIRE_NODE_TOOLS`` is set (CI sets it in .ci/run), where
it fails instead, so CI cannot pass by skipping.

Every process is started in its own session (process group) and the whole group is killed on
timeout or teardown, so no Node process outlives a test.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
REQUIRE_ENV = "ARAZZO_CODEGEN_REQUIRE_NODE_TOOLS"

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def tool(name: str) -> Path:
    """node_modules/.bin/<name>; skips the test (fails it under CI) when it cannot run."""
    executable = NODE_BIN / name
    if shutil.which("node") is None:
        reason = (
            f"Node.js is not installed (no `node` on PATH), so {name} cannot run: install "
            "Node.js and npm (Debian: apt-get install nodejs npm), then run `make npm-tools`"
        )
    elif not executable.exists():
        reason = f"{executable.relative_to(ROOT)} is missing: run `make npm-tools` (npm ci)"
    else:
        return executable
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason} ({REQUIRE_ENV} is set, so this is an error, not a skip)")
    pytest.skip(reason)


def environment() -> dict[str, str]:
    """The environment for the tools: no colours, no telemetry, no update checks."""
    env = dict(os.environ)
    env.update(
        NO_COLOR="1",
        FORCE_COLOR="0",
        REDOCLY_TELEMETRY="off",
        REDOCLY_SUPPRESS_UPDATE_NOTICE="true",
    )
    return env


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def start(args: list[str | Path], output: IO[bytes], cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    """Start a background process in a new session, stdout and stderr to `output`."""
    return subprocess.Popen(
        [str(arg) for arg in args],
        cwd=cwd,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Terminate the process and everything in its process group; SIGKILL after `grace`."""
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=grace)
    # The leader is gone; a child it started may still be in the group.
    _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def run(
    args: list[str | Path], *, timeout: float, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """Run a tool to completion (output captured, ANSI codes removed); bounded by `timeout`."""
    process = subprocess.Popen(
        [str(arg) for arg in args],
        cwd=cwd,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process)
        stdout, stderr = process.communicate()
        pytest.fail(
            f"{' '.join(str(arg) for arg in args)} did not finish within {timeout} s\n"
            f"stdout:\n{strip_ansi(stdout.decode(errors='replace'))}\n"
            f"stderr:\n{strip_ansi(stderr.decode(errors='replace'))}"
        )
    finally:
        if process.poll() is None:
            stop(process)
    return subprocess.CompletedProcess(
        process.args,
        process.returncode,
        strip_ansi(stdout.decode(errors="replace")),
        strip_ansi(stderr.decode(errors="replace")),
    )
