"""The generation side of the test fakes: the schema checks the generated `_fake` module makes,
proved against the `jsonschema` library; example data that fits the schema it came from; and
schemas inlined from OpenAPI `$ref`s, cycles included."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import jsonschema
from budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from generated.tiktok._fake import schema_problems
from generator import emit
from generator.diagnostics import Diagnostics
from generator.fakes.examples import example_of
from generator.fakes.schema import SchemaInliner
from generator.load.refs import DocumentSet

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(-5, 5, allow_nan=False).map(lambda f: round(f, 1)),
    st.sampled_from(["", "a", "ab", "abc", "\u2019"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
    ),
    max_leaves=8,
)
TYPES = ["null", "boolean", "integer", "number", "string", "array", "object"]


def _schemas() -> st.SearchStrategy[dict[str, Any]]:
    leaf = st.fixed_dictionaries(
        {},
        optional={
            "type": st.one_of(
                st.sampled_from(TYPES),
                st.lists(st.sampled_from(TYPES), min_size=1, max_size=2, unique=True),
            ),
            "enum": st.lists(scalars, min_size=1, max_size=3),
            "const": scalars,
            "minimum": st.integers(-3, 3),
            "maximum": st.integers(-3, 3),
            "minLength": st.integers(0, 3),
            "maxLength": st.integers(0, 3),
            "minItems": st.integers(0, 2),
            "maxItems": st.integers(0, 2),
            "required": st.lists(st.sampled_from(["a", "b", "c"]), max_size=2, unique=True),
            "additionalProperties": st.booleans(),
        },
    )

    def extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        return st.fixed_dictionaries(
            {},
            optional={
                "type": st.sampled_from(TYPES),
                "properties": st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=2),
                "items": inner,
                "additionalProperties": inner,
                "allOf": st.lists(inner, min_size=1, max_size=2),
                "anyOf": st.lists(inner, min_size=1, max_size=2),
                "required": st.lists(st.sampled_from(["a", "b"]), max_size=2, unique=True),
            },
        )

    return st.recursive(leaf, extend, max_leaves=6)


@settings(max_examples=examples(600), deadline=None)
@given(_schemas(), json_values)
def test_schema_checks_agree_with_the_jsonschema_library(
    schema: dict[str, Any], value: Any
) -> None:
    expected = jsonschema.Draft202012Validator(schema).is_valid(value)
    assert (not schema_problems(value, schema)) == expected, schema_problems(value, schema)


@settings(max_examples=examples(300), deadline=None)
@given(_schemas())
def test_example_data_fits_its_schema_when_one_is_found(schema: dict[str, Any]) -> None:
    """example_of() gives a fitting value for every schema without contradictory bounds or
    combinators; for those it may not, and the fake then answers with it anyway."""
    value = example_of(schema)
    satisfiable_leaf = (
        "allOf" not in schema
        and "anyOf" not in schema
        and "enum" not in schema
        and "const" not in schema
        and schema.get("minimum", -math.inf) <= schema.get("maximum", math.inf)
        and schema.get("minLength", 0) <= schema.get("maxLength", math.inf)
        and schema.get("minItems", 0) <= schema.get("maxItems", math.inf)
        and not schema.get("required")
        and "properties" not in schema
        and "items" not in schema
        and schema.get("additionalProperties", True) is not False
        and not isinstance(schema.get("type"), list)
    )
    if satisfiable_leaf and schema.get("type") != "array":
        assert jsonschema.Draft202012Validator(schema).is_valid(value), value


@given(json_values)
def test_ascii_literals_evaluate_to_the_value(value: Any) -> None:
    code = emit.literal(value, ascii_only=True)
    assert code.isascii()
    assert eval(code) == value


def test_inlining_follows_refs_across_files_and_cuts_cycles(tmp_path: Path) -> None:
    (tmp_path / "common.yaml").write_text(
        "Name: {type: string, minLength: 1, description: dropped}\n", encoding="utf-8"
    )
    (tmp_path / "api.yaml").write_text(
        "components:\n"
        "  schemas:\n"
        "    Node:\n"
        "      type: object\n"
        "      required: [name]\n"
        "      properties:\n"
        "        name: {$ref: 'common.yaml#/Name'}\n"
        "        child: {$ref: '#/components/schemas/Node'}\n"
        "        missing: {$ref: '#/components/schemas/Nowhere'}\n",
        encoding="utf-8",
    )
    diagnostics = Diagnostics()
    documents = DocumentSet(diagnostics)
    api = documents.load(tmp_path / "api.yaml")
    assert api is not None

    inlined = SchemaInliner(documents).inline(api, {"$ref": "#/components/schemas/Node"})

    assert inlined == {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "child": {},
            "missing": {},
        },
    }
    assert list(diagnostics.sorted()) == []
    assert example_of(inlined) == {"name": "string", "child": "string", "missing": "string"}
