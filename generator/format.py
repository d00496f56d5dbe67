"""Formatting generated files with black, in-process, with fixed settings (a user's own black
configuration never changes the output).

A module is formatted one top-level definition at a time: black takes time roughly in
proportion to the lines it formats, and separate definitions let large modules be formatted
by several processes and let unchanged definitions come from a cache
(`generator.format_cache`). Black always separates top-level definitions by two blank lines,
so joining the formatted pieces that way gives exactly what formatting the whole module gives
(tests/test_format.py checks it on every kind of module the compiler writes).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import black
from black.mode import TargetVersion

from generator.format_cache import FormatCache

MODE = black.Mode(target_versions={TargetVersion.PY311}, line_length=100)
SETTINGS = f"black {metadata.version('black')} py311 line-length 100"
"""What the formatted text depends on besides the source (the cache key includes it)."""

PARALLEL_MIN_LINES = 6000
"""Below this many lines to format, starting worker processes costs more than it saves."""
MAX_PROCESSES = 8


class FormatError(Exception):
    """Generated text that black could not parse: a bug in the compiler, never in the input."""


def format_source(source: str, file_name: str, cache: FormatCache | None = None) -> str:
    pieces = split_definitions(source)
    keys = [FormatCache.key(SETTINGS, piece) for piece in pieces]
    formatted = [cache.get(key) if cache else None for key in keys]
    missing = [index for index, text in enumerate(formatted) if text is None]
    try:
        results = _format_all([pieces[index] for index in missing], file_name)
    except FormatError:
        if len(pieces) == 1:
            raise
        # A cut inside a multi-line string or bracket leaves a piece black cannot parse.
        return _format_piece(source, file_name)
    for index, text in zip(missing, results, strict=True):
        formatted[index] = text
        if cache:
            cache.put(keys[index], text)
    return "\n\n".join(text for text in formatted if text)


_DEFINITION = re.compile(r"(?:@|def |async def |class )")


def split_definitions(source: str) -> list[str]:
    """`source` cut before each line that starts a top-level function or class (with its
    decorators and the comments right above it); the first piece holds what comes before.

    Lines are not parsed: in a module whose docstring holds such a line, a cut falls inside
    the docstring and leaves a piece that is not valid Python, which format_source notices.
    """
    lines = source.splitlines(keepends=True)
    cuts = [0]
    for index, line in enumerate(lines):
        if not _DEFINITION.match(line) or lines[index - 1].startswith("@"):
            continue
        start = index
        while start > cuts[-1] and lines[start - 1].startswith("#"):
            start -= 1
        if start > cuts[-1]:
            cuts.append(start)
    cuts.append(len(lines))
    # Without the blank lines that separate it from the next one, black formats a definition
    # in half the time (and gives the same text).
    pieces = ("".join(lines[start:end]).rstrip() for start, end in itertools.pairwise(cuts))
    return [piece + "\n" for piece in pieces if piece]


def _format_all(pieces: Sequence[str], file_name: str) -> list[str]:
    lines = sum(piece.count("\n") for piece in pieces)
    workers = min(os.cpu_count() or 1, MAX_PROCESSES)
    if lines < PARALLEL_MIN_LINES or workers < 2 or len(pieces) < 2:
        return [_format_piece(piece, file_name) for piece in pieces]
    batches = _batches(pieces, workers)
    # Worker processes run this module (not multiprocessing, which would re-import the
    # caller's __main__); this process formats the first batch meanwhile.
    processes = [_start_worker(batch, file_name) for batch in batches[1:]]
    try:
        results = [_format_piece(piece, file_name) for piece in batches[0]]
        for process, batch in zip(processes, batches[1:], strict=True):
            results += _worker_results(process, batch, file_name)
    finally:
        for process in processes:
            process.kill()
            process.wait()
    return results


def _batches(pieces: Sequence[str], count: int) -> list[list[str]]:
    """Consecutive runs of `pieces` with about the same number of characters each."""
    total = sum(len(piece) for piece in pieces)
    batches: list[list[str]] = [[]]
    size = 0
    for piece in pieces:
        if size >= total * len(batches) / count and len(batches) < count:
            batches.append([])
        batches[-1].append(piece)
        size += len(piece)
    return batches


def _start_worker(batch: list[str], file_name: str) -> subprocess.Popen[bytes]:
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-m", "generator.format"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert process.stdin is not None
    try:
        process.stdin.write(json.dumps({"file": file_name, "pieces": batch}).encode())
        process.stdin.close()
    except BrokenPipeError:  # the worker is gone already: its batch is formatted here
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
    return process


def _worker_results(
    process: subprocess.Popen[bytes], batch: list[str], file_name: str
) -> list[str]:
    """The worker's formatted batch; formatted here instead if the worker failed."""
    assert process.stdout is not None
    try:
        reply = json.loads(process.stdout.read())
    except ValueError:
        reply = None
    if isinstance(reply, dict) and isinstance(reply.get("error"), str):
        raise FormatError(reply["error"])
    formatted = reply.get("formatted") if isinstance(reply, dict) else None
    if isinstance(formatted, list) and len(formatted) == len(batch):
        return [str(text) for text in formatted]
    return [_format_piece(piece, file_name) for piece in batch]


def _format_piece(source: str, file_name: str) -> str:
    try:
        return black.format_str(source, mode=MODE)
    except black.parsing.InvalidInput as exc:
        raise FormatError(f"generated {file_name} is not valid Python: {exc}") from exc


def _worker() -> None:
    """Format the pieces of {"file": ..., "pieces": [...]} on stdin; reply
    {"formatted": [...]} or {"error": message}."""
    request = json.load(sys.stdin)
    try:
        formatted = [_format_piece(piece, request["file"]) for piece in request["pieces"]]
        reply: dict[str, object] = {"formatted": formatted}
    except FormatError as exc:
        reply = {"error": str(exc)}
    json.dump(reply, sys.stdout)


if __name__ == "__main__":
    _worker()
