"""The formatted definitions of the last compilation of each generated file, kept on disk so
that compiling a document again after a small change formats only what changed.

Entries are named by a hash of the formatter settings and the unformatted text, so an entry
never goes stale, and each file keeps only the entries its last compilation used, so the cache
stays as large as the generated code. The cache is an optimisation only: a folder that cannot
be read or written is ignored. It lives in `$ARAZZO_CODEGEN_CACHE_DIR`, else
`$XDG_CACHE_HOME/arazzo-codegen`, else `~/.cache/arazzo-codegen`;
`ARAZZO_CODEGEN_CACHE_DIR=off` (or `generate --no-cache`) turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

OFF = "off"


class FormatCache:
    """Formatted texts by key, read from and saved to one file of the cache folder."""

    def __init__(self, path: Path | None = None, entries: dict[str, str] | None = None) -> None:
        self.path = path
        self._previous = entries or {}
        self._used: dict[str, str] = {}

    @staticmethod
    def key(settings: str, source: str) -> str:
        return _digest(settings, source)

    @classmethod
    def open(cls, folder: Path, *scope: str) -> FormatCache:
        """The cache of the generated file that `scope` names (any strings that identify it)."""
        path = folder / (_digest(*scope) + ".json")
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = None
        entries = (
            {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, str)}
            if isinstance(loaded, dict)
            else {}
        )
        return cls(path, entries)

    def get(self, key: str) -> str | None:
        text = self._previous.get(key)
        if text is not None:
            self._used[key] = text
        return text

    def put(self, key: str, text: str) -> None:
        self._used[key] = text

    def save(self) -> None:
        """Write the entries used since opening (and only those); errors are ignored."""
        if self.path is None or self._used == self._previous:
            return
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(self._used, stream)
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except (OSError, UnicodeError):
            pass


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def cache_folder(environ: Mapping[str, str] | None = None) -> Path | None:
    """The cache folder the environment asks for (see the module docstring); None when off."""
    env = os.environ if environ is None else environ
    configured = env.get("ARAZZO_CODEGEN_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in (OFF, "") else Path(configured)
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "arazzo-codegen"
