"""Lowering: conditions and values become plain Python where types allow, helpers otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support import load_runtime

from generator import ir
from generator.compile.scope import Scope
from generator.compile.values import ValueReader
from generator.diagnostics import Diagnostics
from generator.expressions.parser import parse_condition
from generator.expressions.walk import condition_expressions
from generator.load.source import load_text
from generator.lowering import Code, ValueLowering, negate, wrap_text
from generator.types import INT, STR, PyType

INPUTS = ir.DataclassSpec(
    "Inputs",
    "doc",
    (
        ir.Field("limit", "limit", INT, required=True),
        ir.Field("name", "name", STR, required=True),
        ir.Field("nickname", "nickname", STR.as_optional(), required=False, has_default=True),
    ),
)
SCOPE = Scope(INPUTS, has_response=True)
LOWERING = ValueLowering()


def reader() -> tuple[ValueReader, Diagnostics]:
    diagnostics = Diagnostics()
    document = load_text("{}", Path("doc.yaml"), "doc.yaml", diagnostics)
    assert document is not None
    return ValueReader(document, diagnostics), diagnostics


def lowered(text: str) -> Code:
    """The condition with its expressions resolved as compile resolves them, lowered."""
    values, diagnostics = reader()
    condition = parse_condition(text)
    operands = [values.resolve(e, "", SCOPE) for e in condition_expressions(condition)]
    assert not diagnostics.error_count
    return LOWERING.condition(condition, tuple(o for o in operands if o is not None))


@pytest.mark.parametrize(
    ("condition", "python"),
    [
        ("$statusCode == 200", "response.status_code == 200"),
        (
            "$statusCode >= 200 && $statusCode < 300",
            "response.status_code >= 200 and response.status_code < 300",
        ),
        (
            "$inputs.limit > 3 || !($statusCode == 201)",
            "inputs.limit > 3 or response.status_code != 201",  # not `not a == b` (SIM201)
        ),
        ("!($statusCode != 201)", "response.status_code == 201"),
        ("!($statusCode < 201)", "not response.status_code < 201"),
        ("!!($statusCode == 1)", "response.status_code == 1"),
        ("!($inputs.name != 'x')", '_runtime.equals(inputs.name, "x")'),
        ("$inputs.name == 'Bob'", '_runtime.equals(inputs.name, "Bob")'),
        ("$response.body#/count > 0", '_runtime.compare(response.value("/count"), ">", 0)'),
        ("$response.body#/ok", '_runtime.truthy(response.value("/ok"))'),
        (
            "$response.body#/items[0].id != null",
            "not _runtime.equals("
            '_runtime.index(_runtime.index(response.value("/items"), 0), "id"), None)',
        ),
        ("true", "True"),
    ],
)
def test_condition_lowering(condition: str, python: str) -> None:
    assert lowered(condition).source == python


def test_negation_reads_naturally() -> None:
    code = lowered("$statusCode == 200")
    assert negate(code) == "response.status_code != 200"
    code = lowered("$inputs.name != 'x'")
    assert negate(code) == '_runtime.equals(inputs.name, "x")'
    code = lowered("$statusCode == 200 || $statusCode == 201")
    assert negate(code) == "not (response.status_code == 200 or response.status_code == 201)"


class FakeResponse:
    def __init__(self, status_code: int, body: Any) -> None:
        self.status_code = status_code
        self._body = body

    def value(self, pointer: str) -> Any:
        return load_runtime().lookup(self._body, pointer)


class FakeInputs:
    limit = 5
    name = "bob"
    nickname = None


@pytest.mark.parametrize(
    ("condition", "status", "body", "expected"),
    [
        ("$statusCode == 200", 200, {}, True),
        ("$inputs.name == 'BOB'", 200, {}, True),
        (
            "$response.body#/state == 'done' && $response.body#/count >= $inputs.limit",
            200,
            {"state": "DONE", "count": 5},
            True,
        ),
        (
            "$response.body#/state == 'done' && $response.body#/count >= $inputs.limit",
            200,
            {"state": "DONE", "count": "4"},
            False,
        ),
        ("$response.body#/items[1] == 'b'", 200, {"items": ["a", "B"]}, True),
        ("$response.body#/missing == null", 200, {}, True),
        ("!$response.body#/flag", 200, {"flag": "yes"}, True),
        ("$response.body#/flag", 200, {"flag": True}, True),
    ],
)
def test_lowered_conditions_evaluate_as_specified(
    condition: str, status: int, body: Any, expected: bool
) -> None:
    source = lowered(condition).source
    namespace = {
        "response": FakeResponse(status, body),
        "inputs": FakeInputs,
        "_runtime": load_runtime(),
    }
    assert eval(source, namespace) is expected


def test_template_lowering_converts_only_what_is_not_text() -> None:
    values, _ = reader()
    text = "{$inputs.name} has {$inputs.limit} and {$inputs.nickname}"
    template = values.value(text, "", SCOPE)
    assert isinstance(template, ir.TemplateValue)
    code = LOWERING.value(template)
    assert code.source == (
        'inputs.name + " has " + _runtime.text(inputs.limit)'
        ' + " and " + _runtime.text(inputs.nickname)'
    )
    assert code.type == PyType("str", "str")


def test_wrap_text_keeps_line_breaks_and_indentation() -> None:
    text = "short\n" + "word " * 30 + "\n    - item " + "x " * 40
    wrapped = wrap_text(text, 40)
    assert all(len(line) <= 40 for line in wrapped.splitlines())
    assert wrapped.splitlines()[0] == "short"
    assert " ".join(wrapped.split()) == " ".join(text.split())


def test_exports_are_ordered_as_ruff_expects() -> None:
    from generator.render import dunder_all_key, isort_key

    names = [
        "get_w10",
        "GetFactsWorkflowInputs",
        "get_w2",
        "WorkflowError",
        "GetFactWorkflowInputs",
        "MAX",
    ]
    # I001: kinds, then case-insensitive natural order; RUF022: case-sensitive.
    assert sorted(names, key=isort_key) == [
        "MAX",
        "GetFactsWorkflowInputs",
        "GetFactWorkflowInputs",
        "WorkflowError",
        "get_w2",
        "get_w10",
    ]
    assert sorted(names, key=dunder_all_key) == [
        "MAX",
        "GetFactWorkflowInputs",
        "GetFactsWorkflowInputs",
        "WorkflowError",
        "get_w2",
        "get_w10",
    ]
