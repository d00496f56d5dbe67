"""A JSON Schema from an OpenAPI description as plain data: `$ref`s inlined, only the keywords
a request check or an example needs kept, and bounded in size (a reference cycle, or a schema
too large to carry, becomes `{}`, which every value matches)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

from generator.load.refs import DocumentSet, file_problem, is_remote
from generator.load.source import LoadedDocument

KEPT = frozenset(
    {
        "type",
        "properties",
        "required",
        "items",
        "enum",
        "const",
        "allOf",
        "anyOf",
        "oneOf",
        "nullable",
        "additionalProperties",
        "format",
        "example",
        "examples",
        "default",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
    }
)
MAX_NODES = 400
"""Schema objects inlined per schema; beyond this a schema is carried as `{}`."""
MAX_DEPTH = 12


class _TooLarge(Exception):
    pass


def plain(value: Any) -> Any:
    """A value as JSON data (str keys; anything else YAML may produce as its text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return str(value)


class SchemaInliner:
    """Inlines schemas of the documents of one compilation, without reporting anything: a
    reference that does not resolve is carried as `{}` (compiling reports what matters)."""

    def __init__(self, documents: DocumentSet) -> None:
        self.documents = documents

    def inline(self, document: LoadedDocument, value: Any) -> dict[str, Any]:
        counter = [0]
        try:
            result = self._schema(document, value, (), counter, 0)
        except _TooLarge:
            return {}
        return result

    def resolve(
        self, document: LoadedDocument, value: Any
    ) -> tuple[LoadedDocument, str, Any] | None:
        """Follow `$ref`s from a value: (document, pointer, value), or None."""
        pointer = ""
        for _ in range(32):
            if not (isinstance(value, dict) and isinstance(value.get("$ref"), str)):
                return document, pointer, value
            file_part, _, fragment = value["$ref"].partition("#")
            if file_part:
                if is_remote(file_part) or document.url:
                    return None
                mapped = self.documents.mapped(file_part)
                path: Path = mapped or document.path.parent / unquote(file_part)
                if file_problem(path) is not None:
                    return None
                loaded = self.documents.load(path)
                if loaded is None:
                    return None
                document = loaded
            pointer = unquote(fragment)
            found, value = self.documents.lookup(document, pointer)
            if not found:
                return None
        return None

    def _schema(
        self,
        document: LoadedDocument,
        value: Any,
        stack: tuple[tuple[Path, str], ...],
        counter: list[int],
        depth: int,
    ) -> dict[str, Any]:
        key: tuple[Path, str] | None = None
        if isinstance(value, dict) and "$ref" in value:
            resolved = self.resolve(document, value)
            if resolved is None:
                return {}
            document, pointer, value = resolved
            key = (document.path, pointer)
            if key in stack:
                return {}
        if not isinstance(value, dict) or depth > MAX_DEPTH:
            return {}
        counter[0] += 1
        if counter[0] > MAX_NODES:
            raise _TooLarge
        inner = (*stack, key) if key is not None else stack
        result: dict[str, Any] = {}
        for name, item in value.items():
            if name not in KEPT:
                continue
            if name == "properties" and isinstance(item, dict):
                result[name] = {
                    str(prop): self._schema(document, schema, inner, counter, depth + 1)
                    for prop, schema in item.items()
                }
            elif name in ("items", "additionalProperties") and isinstance(item, dict):
                result[name] = self._schema(document, item, inner, counter, depth + 1)
            elif name in ("allOf", "anyOf", "oneOf") and isinstance(item, list):
                result[name] = [
                    self._schema(document, schema, inner, counter, depth + 1) for schema in item
                ]
            elif name not in ("properties", "items", "allOf", "anyOf", "oneOf"):
                result[name] = plain(item)
        return result
