"""JSON Schema -> Python types, and what a JSON pointer into a schema guarantees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.diagnostics import Diagnostics
from generator.load.refs import DocumentSet, Resolved
from generator.types import SchemaTypes


def schema_set(tmp_path: Path, text: str) -> tuple[SchemaTypes, Resolved, Diagnostics]:
    path = tmp_path / "schemas.yaml"
    path.write_text(text, encoding="utf-8")
    diagnostics = Diagnostics()
    documents = DocumentSet(diagnostics)
    document = documents.load(path)
    assert document is not None
    assert isinstance(document.data, dict)
    root = Resolved(document, "/root", document.data["root"])
    return SchemaTypes(documents), root, diagnostics


def annotation_of(tmp_path: Path, schema: str) -> str:
    types, root, _ = schema_set(tmp_path, f"root: {schema}\n")
    return types.type_of(root).annotation


@pytest.mark.parametrize(
    ("schema", "annotation"),
    [
        ("{type: string}", "str"),
        ("{type: integer, format: int64}", "int"),
        ("{type: number}", "float"),
        ("{type: boolean}", "bool"),
        ("{type: [string, 'null']}", "str | None"),
        ("{type: string, nullable: true}", "str | None"),
        ("{type: array, items: {type: integer}}", "list[int]"),
        ("{type: array}", "list[Any]"),
        ("{type: object, properties: {a: {type: string}}}", "dict[str, Any]"),
        ("{enum: [a, b]}", 'Literal["a", "b"]'),
        # null is not a string, so an enum member null cannot occur: not Optional
        ("{type: string, enum: [on, 'it''s', null]}", 'Literal["on", "it\'s"]'),
        ("{type: [string, 'null'], enum: [a, null]}", 'Literal["a"] | None'),
        ("{type: integer, enum: [1, 2]}", "Literal[1, 2]"),
        ("{type: array, items: {enum: [x]}}", 'list[Literal["x"]]'),
        # an enum of strings and integers, and a const (an enum of one), are their values
        ("{enum: [a, 1]}", 'Literal["a", 1]'),
        ("{type: [string, integer], enum: [a, 1, null]}", 'Literal["a", 1]'),
        ("{const: 3}", "Literal[3]"),
        ("{type: string, const: card}", 'Literal["card"]'),
        ("{type: number, enum: [1, 2.5]}", "float"),
        ("{const: true}", "bool"),
        ("{oneOf: [{type: string}, {type: 'null'}]}", "str | None"),
        ("{anyOf: [{type: string}, {type: integer}]}", "Any"),
        ("{allOf: [{type: integer}]}", "int"),
        ("{}", "Any"),
    ],
)
def test_type_of(tmp_path: Path, schema: str, annotation: str) -> None:
    assert annotation_of(tmp_path, schema) == annotation


POINTER_SCHEMAS = """
root:
  type: object
  required: [data]
  properties:
    data:
      type: object
      required: [user]
      properties:
        user: {$ref: "#/User"}
    maybe:
      type: [object, "null"]
      required: [x]
      properties: {x: {type: string}}
    list: {type: array, items: {type: object, properties: {id: {type: integer}}}}
    extra: {type: object, additionalProperties: {type: number}}
User:
  allOf:
    - type: object
      required: [id]
      properties: {id: {type: string}}
    - type: object
      properties: {name: {type: string}}
"""


@pytest.mark.parametrize(
    ("pointer", "annotation", "guaranteed"),
    [
        ("/data", "dict[str, Any]", True),
        ("/data/user/id", "str", True),
        ("/data/user/name", "str", False),
        ("/maybe/x", "str", False),
        ("/list/0/id", "int", False),
        ("/extra/anything", "float", False),
    ],
)
def test_at_pointer(tmp_path: Path, pointer: str, annotation: str, guaranteed: bool) -> None:
    types, root, diagnostics = schema_set(tmp_path, POINTER_SCHEMAS)
    found, is_guaranteed = types.at_pointer(root, pointer)
    assert found is not None
    assert types.type_of(found).annotation == annotation
    assert is_guaranteed is guaranteed
    assert not diagnostics.items


def test_pointer_the_schema_does_not_describe(tmp_path: Path) -> None:
    types, root, _ = schema_set(tmp_path, POINTER_SCHEMAS)
    assert types.at_pointer(root, "/data/nothing") == (None, False)


def test_reference_cycle_is_reported_not_followed_forever(tmp_path: Path) -> None:
    types, root, diagnostics = schema_set(tmp_path, "root: {$ref: '#/a'}\na: {$ref: '#/root'}\n")
    result: Any = types.type_of(root)
    assert result.annotation == "Any"
    assert any("reference cycle" in d.message for d in diagnostics.items)
