"""Fetching remote documents, only when the user allows it (--allow-remote): bounded in time
and size, and reported as diagnostics, never as exceptions."""

from __future__ import annotations

import httpx

from generator.diagnostics import Diagnostics, Location

TIMEOUT_SECONDS = 10.0
MAX_BYTES = 10 * 1024 * 1024


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
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                diagnostics.error(where, f"fetching {url} gave HTTP {response.status_code}")
                return None
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    diagnostics.error(
                        where, f"{url} is larger than {max_bytes // (1024 * 1024)} MB"
                    )
                    return None
                chunks.append(chunk)
    except httpx.TimeoutException:
        diagnostics.error(where, f"fetching {url} timed out after {timeout:g} s")
        return None
    except httpx.HTTPError as exc:
        diagnostics.error(where, f"cannot fetch {url}: {exc}")
        return None
    try:
        return b"".join(chunks).decode("utf-8-sig")
    except UnicodeDecodeError:
        diagnostics.error(where, f"{url} is not UTF-8 text")
        return None
