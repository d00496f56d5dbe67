"""What the parts of one document's workflow compilation share: the document, the documents
it references, the value reader, schema types and the diagnostics they report to."""

from __future__ import annotations

from dataclasses import dataclass

from generator.compile.values import ValueReader
from generator.diagnostics import Diagnostics
from generator.load.refs import DocumentSet
from generator.load.source import LoadedDocument
from generator.model import arazzo as model
from generator.types import SchemaTypes

_JSON_MEDIA = ("application/json",)


@dataclass(frozen=True)
class CompileContext:
    arazzo: model.ArazzoDocument
    documents: DocumentSet
    diagnostics: Diagnostics
    values: ValueReader
    types: SchemaTypes

    @property
    def document(self) -> LoadedDocument:
        return self.arazzo.document

    def error(self, pointer: str, message: str) -> None:
        self.diagnostics.error(self.document.location(pointer), message)

    def warning(self, pointer: str, message: str) -> None:
        self.diagnostics.warning(self.document.location(pointer), message)


def is_json_like(media_type: str) -> bool:
    """Whether a body of this media type is read and written as JSON."""
    base = media_type.split(";")[0].strip().lower()
    return base in _JSON_MEDIA or base.endswith("+json") or base.endswith("/json")
