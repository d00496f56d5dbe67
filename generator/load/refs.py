"""A set of loaded documents and `$ref` resolution across them (local files only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from generator import jsonpointer
from generator.diagnostics import Diagnostics, Location
from generator.load.remote import fetch
from generator.load.source import LoadedDocument, load_document, load_text, pointer_join

MAX_REF_CHAIN = 64


@dataclass(frozen=True)
class Resolved:
    """A value found by following `$ref`s, with the document and pointer it lives at."""

    document: LoadedDocument
    pointer: str
    value: Any


def is_remote(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def file_problem(path: Path) -> str | None:
    """Why `path` cannot be read as a document ("does not exist", ...), or None if it is a
    regular file."""
    try:
        return None if path.is_file() else "does not exist"
    except OSError as exc:  # a name too long for the file system, ...
        return f"cannot be opened ({(exc.strerror or str(exc)).lower()})"


class DocumentSet:
    """Every document one compilation reads, loaded once each, keyed by absolute path.

    `source_map` maps URL prefixes to local folders (`https://example.com/specs/` ->
    `./specs`), so documents that name remote or absolute locations resolve offline.
    """

    def __init__(
        self,
        diagnostics: Diagnostics,
        source_map: Mapping[str, Path] | None = None,
        *,
        allow_remote: bool = False,
    ) -> None:
        self.diagnostics = diagnostics
        self.source_map = dict(source_map or {})
        self.allow_remote = allow_remote
        self._documents: dict[Path, LoadedDocument | None] = {}
        self._fetched: dict[str, LoadedDocument | None] = {}

    def load_url(self, url: str, where: Location) -> LoadedDocument | None:
        """A remote document (only with allow_remote), fetched once."""
        if url not in self._fetched:
            text = fetch(url, self.diagnostics, where)
            path = Path(urlsplit(url).path or "/document")
            self._fetched[url] = (
                None if text is None else load_text(text, path, url, self.diagnostics, url=url)
            )
        return self._fetched[url]

    def mapped(self, url: str) -> Path | None:
        """The local file a URL maps to through the longest matching source-map prefix."""
        for prefix in sorted(self.source_map, key=len, reverse=True):
            if url.startswith(prefix):
                return self.source_map[prefix] / unquote(url[len(prefix) :].lstrip("/"))
        return None

    def load(self, path: Path) -> LoadedDocument | None:
        key = path.resolve()
        if key not in self._documents:
            self._documents[key] = load_document(key, self.diagnostics)
        return self._documents[key]

    def documents(self) -> list[LoadedDocument]:
        return [doc for doc in self._documents.values() if doc is not None]

    def lookup(self, document: LoadedDocument, pointer: str) -> tuple[bool, Any]:
        """The value at `pointer` in `document`: (found, value)."""
        return jsonpointer.resolve(document.data, pointer)

    def resolve_ref(
        self,
        document: LoadedDocument,
        ref: str,
        where: Location,
        dangling: Callable[[Location, str], None] | None = None,
    ) -> Resolved | None:
        """Resolve one `$ref` string written in `document`; record an error and return None if it
        does not resolve. With `dangling`, a reference to a place or file that does not exist is
        reported through it instead (callers that can do without the value)."""
        report = dangling or self.diagnostics.error
        file_part, _, fragment = ref.partition("#")
        target = document
        mapped = self.mapped(file_part) if file_part else None
        remote = urljoin(document.url, file_part) if document.url and file_part else file_part
        if mapped is None and is_remote(remote) and self.allow_remote:
            fetched = self.load_url(remote, where)
            if fetched is None:
                return None
            found, value = self.lookup(fetched, unquote(fragment))
            if not found:
                report(where, f"reference '{ref}' does not resolve")
                return None
            return Resolved(fetched, unquote(fragment), value)
        if mapped is None and is_remote(remote):
            self.diagnostics.error(
                where,
                f"remote reference '{ref}' is not fetched; map its URL to a local folder "
                "with --source-map, or allow fetching with --allow-remote",
            )
            return None
        if file_part:
            path = mapped or document.path.parent / unquote(file_part)
            problem = file_problem(path)
            if problem is not None:
                missing = problem == "does not exist"
                (report if missing else self.diagnostics.error)(
                    where, f"reference '{ref}' names a file that {problem}"
                )
                return None
            loaded = self.load(path)
            if loaded is None:
                return None
            target = loaded
        pointer = unquote(fragment)
        found, value = self.lookup(target, pointer)
        if not found:
            report(where, f"reference '{ref}' does not resolve")
            return None
        return Resolved(target, pointer, value)

    def deref(
        self,
        document: LoadedDocument,
        pointer: str,
        value: Any,
        dangling: Callable[[Location, str], None] | None = None,
    ) -> Resolved | None:
        """Follow `$ref` chains from a value until a value that is not a reference (`dangling`:
        as for resolve_ref)."""
        seen: set[tuple[Path, str]] = set()
        current = Resolved(document, pointer, value)
        while isinstance(current.value, dict) and isinstance(current.value.get("$ref"), str):
            key = (current.document.path, current.pointer)
            where = current.document.location(pointer_join(current.pointer, "$ref"))
            if key in seen or len(seen) > MAX_REF_CHAIN:
                self.diagnostics.error(where, f"reference cycle at '{current.value['$ref']}'")
                return None
            seen.add(key)
            resolved = self.resolve_ref(current.document, current.value["$ref"], where, dangling)
            if resolved is None:
                return None
            current = resolved
        return current
