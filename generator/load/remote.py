"""Fetching remote documents, only when the user allows it (--allow-remote): bounded in size and
in total time (connecting and every read together), and reported as diagnostics, never as
exceptions."""

from __future__ import annotations

import threading
import time

import httpx

from generator.diagnostics import Diagnostics, Location

TIMEOUT_SECONDS = 10.0
MAX_BYTES = 10 * 1024 * 1024


class _Failed(Exception):
    """A fetch that went wrong; the message is the diagnostic."""


def fetch(
    url: str,
    diagnostics: Diagnostics,
    where: Location,
    *,
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> str | None:
    """The text at `url`, or None with an error recorded at `where`."""
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    deadline = time.monotonic() + timeout
    outcome: list[str | Exception] = []

    def download() -> None:
        try:
            outcome.append(_download(url, timeout, deadline, max_bytes))
        except Exception as exc:  # reported or raised again in the calling thread
            outcome.append(exc)

    # httpx's timeouts bound each network operation, not the whole download: the download runs
    # in a thread that is waited for until the deadline, and that stops by itself soon after.
    worker = threading.Thread(target=download, name="fetch", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if not outcome:
        diagnostics.error(where, f"fetching {url} timed out after {timeout:g} s")
        return None
    result = outcome[0]
    if isinstance(result, _Failed):
        diagnostics.error(where, str(result))
        return None
    if isinstance(result, Exception):
        raise result
    return result


def _download(url: str, timeout: float, deadline: float, max_bytes: int) -> str:
    chunks: list[bytes] = []
    size = 0
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise _Failed(f"fetching {url} gave HTTP {response.status_code}")
            for chunk in response.iter_bytes():
                if time.monotonic() > deadline:
                    raise _Failed(f"fetching {url} timed out after {timeout:g} s")
                size += len(chunk)
                if size > max_bytes:
                    raise _Failed(f"{url} is larger than {max_bytes // (1024 * 1024)} MB")
                chunks.append(chunk)
    except httpx.TimeoutException:
        raise _Failed(f"fetching {url} timed out after {timeout:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise _Failed(f"cannot fetch {url}: {exc}") from None
    try:
        return b"".join(chunks).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Failed(f"{url} is not UTF-8 text") from None
