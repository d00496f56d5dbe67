"""Differential test of criteria: conditions generated as syntax trees, written in the forms
documents use (RFC 9535 queries, and comparisons in the dialect: `||`/`&&`/`!`, parentheses,
single- and double-quoted strings, `.length`, runtime expressions), compiled to Python and run,
must give the reference interpreter's answer (tests/criteria_reference.py).

`make test` runs a modest number of examples; for a long run:
    CRITERIA_EXAMPLES=20000 .venv/bin/pytest tests/test_criteria_reference.py -q
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from budget import examples
from criteria_reference import Interpreter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import load_runtime

from generator.criteria.jsonpath_python import jsonpath_to_python
from generator.criteria.jsonpath_syntax import (
    AndExpr,
    Comparison,
    External,
    FilterSelector,
    FunctionCall,
    IndexSelector,
    JsonLiteral,
    LogicalExpr,
    NameSelector,
    NotExpr,
    OrExpr,
    Query,
    Segment,
    WildcardSelector,
    parse_jsonpath,
)
from generator.criteria.jsonpath_syntax import Test as ExistenceTest
from generator.criteria.readings import read_comparison

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = examples(int(os.environ.get("CRITERIA_EXAMPLES", "100")))
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

KEYS = ["a", "b", "n"]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, -1, 2, 0.0, 1.5]),
    st.sampled_from(["", "a", "A", "b", "it's", 'say "hi"', "é"]),
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=3),
    ),
    max_leaves=10,
)
EXTERNAL_NAMES = ["$inputs.x", "$inputs.y"]

# -- syntax trees ---------------------------------------------------------------------------

_singular_selector = st.one_of(
    st.sampled_from(KEYS).map(NameSelector), st.sampled_from([0, 1, -1]).map(IndexSelector)
)


def _singular(relative: bool) -> Any:
    return st.lists(_singular_selector.map(lambda s: Segment((s,))), max_size=2).map(
        lambda segments: Query(tuple(segments), relative)
    )


_literals = SCALARS.map(JsonLiteral)


def _comparables(relative: bool, externals: bool) -> Any:
    options = [
        _singular(relative),
        _literals,
        _singular(relative).map(lambda q: FunctionCall("length", (q,))),
    ]
    if externals:
        options.append(st.sampled_from(EXTERNAL_NAMES).map(External))
    return st.one_of(*options)


_ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


def _comparison(relative: bool, externals: bool) -> Any:
    side = _comparables(relative, externals)
    return st.builds(Comparison, side, _ops, side)


def _inner_filter() -> Any:
    """A filter inside a query segment: comparisons and tests of `@` queries."""
    base = st.one_of(_comparison(True, False), _singular(True).map(ExistenceTest))
    return st.recursive(
        base,
        lambda c: st.one_of(
            st.lists(c, min_size=2, max_size=3).map(lambda o: AndExpr(tuple(o))),
            st.lists(c, min_size=2, max_size=3).map(lambda o: OrExpr(tuple(o))),
            c.map(NotExpr),
        ),
        max_leaves=3,
    )


def _tested_query() -> Any:
    """`$.a[*]`, `$.a[?@.b == 1]`: a query tested for existence, or counted."""
    selector = st.one_of(
        _singular_selector, st.just(WildcardSelector()), _inner_filter().map(FilterSelector)
    )
    return st.lists(selector.map(lambda s: Segment((s,))), min_size=1, max_size=2).map(
        lambda segments: Query(tuple(segments))
    )


def conditions(externals: bool) -> Any:
    base = st.one_of(
        _comparison(False, externals),
        _comparison(False, externals),
        _tested_query().map(ExistenceTest),
        st.builds(
            Comparison,
            _tested_query().map(lambda q: FunctionCall("count", (q,))),
            _ops,
            st.sampled_from([0, 1, 2]).map(JsonLiteral),
        ),
    )
    return st.recursive(
        base,
        lambda c: st.one_of(
            st.lists(c, min_size=2, max_size=3).map(lambda o: AndExpr(tuple(o))),
            st.lists(c, min_size=2, max_size=3).map(lambda o: OrExpr(tuple(o))),
            c.map(NotExpr),
        ),
        max_leaves=6,
    )


# -- writing a tree as a document would -----------------------------------------------------


class Writer:
    """Writes a syntax tree as condition text, the quoting and spelling drawn by hypothesis."""

    def __init__(self, draw: Any, dialect: bool) -> None:
        self.draw = draw
        self.dialect = dialect

    def logical(self, expression: LogicalExpr) -> str:
        if isinstance(expression, OrExpr | AndExpr):
            joiner = " || " if isinstance(expression, OrExpr) else " && "
            return joiner.join(self.operand_of_connective(o) for o in expression.operands)
        if isinstance(expression, NotExpr):
            inner = expression.operand
            if isinstance(inner, ExistenceTest):
                return "!" + self.logical(inner)
            return f"!({self.logical(inner)})"
        if isinstance(expression, Comparison):
            text = f"{self.value(expression.left)} {expression.op} {self.value(expression.right)}"
            return f"({text})" if self.draw(st.booleans()) else text
        return self.value(expression.operand)

    def operand_of_connective(self, operand: LogicalExpr) -> str:
        text = self.logical(operand)
        return f"({text})" if isinstance(operand, OrExpr | AndExpr) else text

    def value(self, operand: object) -> str:
        if isinstance(operand, JsonLiteral):
            return self.literal(operand.value)
        if isinstance(operand, External):
            return operand.text
        if isinstance(operand, FunctionCall):
            [argument] = operand.args
            assert isinstance(argument, Query)
            dotted = self.dialect and operand.name == "length" and not argument.relative
            if dotted and self.draw(st.booleans()):
                return self.query(argument) + ".length"
            return f"{operand.name}({self.query(argument)})"
        assert isinstance(operand, Query)
        return self.query(operand)

    def query(self, query: Query) -> str:
        text = "@" if query.relative else "$"
        for segment in query.segments:
            [selector] = segment.selectors
            if isinstance(selector, NameSelector):
                quoted = self.literal(selector.name)
                text += self.draw(st.sampled_from([f".{selector.name}", f"[{quoted}]"]))
            elif isinstance(selector, IndexSelector):
                text += f"[{selector.index}]"
            elif isinstance(selector, WildcardSelector):
                text += self.draw(st.sampled_from([".*", "[*]"]))
            else:
                assert isinstance(selector, FilterSelector)
                text += f"[?{self.logical(selector.expression)}]"
        return text

    def literal(self, value: object) -> str:
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return repr(value)
        assert isinstance(value, str)
        quote = self.draw(st.sampled_from(["'", '"']))
        escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
        return quote + escaped + quote


# -- running ----------------------------------------------------------------------------------


def jsonpath_library() -> Any:
    """The `_jsonpath` module of generated packages (python-jsonpath), from the template."""
    name = "arazzo_jsonpath_reference_under_test"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "templates" / "_jsonpath.py")
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def compiled_answer(query: str, value: Any, externals: dict[str, Any]) -> bool | None:
    """What the generated Python answers, or None when the query is not translated."""
    names = {text: f"external_{n}" for n, text in enumerate(EXTERNAL_NAMES)}
    code = jsonpath_to_python(query, "value", names if externals else None)
    if code is None:
        return None
    namespace = {"value": value, "_runtime": load_runtime()}
    namespace |= {names[text]: v for text, v in externals.items()}
    result = eval(code, namespace)
    assert isinstance(result, bool), code
    return result


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
@SETTINGS
@given(data=st.data(), value=JSON, x=JSON, y=SCALARS)
def test_dialect_comparisons_agree_with_the_reference(
    data: Any, value: Any, x: Any, y: Any
) -> None:
    expression = data.draw(conditions(externals=True))
    text = Writer(data.draw, dialect=True).logical(expression)
    reading = read_comparison(text)
    assert reading.filter == expression, text  # read as written, nothing guessed
    externals = {"$inputs.x": x, "$inputs.y": y}
    expected = Interpreter(value, externals).matches(parse_jsonpath(reading.query, externals=True))
    answer = compiled_answer(reading.query, value, externals if reading.externals else {})
    if answer is None:  # query against query: the run-time library evaluates it
        assert not reading.externals, text
        answer = jsonpath_library().matches(value, reading.query)
    assert answer is expected, (text, reading.query, value, externals)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
@SETTINGS
@given(data=st.data(), value=JSON)
def test_rfc_queries_agree_with_the_reference(data: Any, value: Any) -> None:
    expression = data.draw(conditions(externals=False))
    query = f"$[?{Writer(data.draw, dialect=False).logical(expression)}]"
    parsed = parse_jsonpath(query)
    assert parsed.segments[0].selectors[0] == FilterSelector(expression), query
    answer = compiled_answer(query, value, {})
    if answer is not None:
        assert answer is Interpreter(value).matches(parsed), (query, value)
