"""Dialect readings of `jsonpath` conditions: a comparison written where a query belongs.

Real documents write `$.status == "queued" || $.status == "in_progress"` as a JSONPath
condition: a filter expression whose `$` is the context value, not a query. Its one sensible
reading is the RFC 9535 filter `$[?$.status == 'queued' || $.status == 'in_progress']` (the
filter holds for the context value's members exactly when the comparison holds, the context
being an object or array with members). The condition is parsed by the RFC 9535 grammar of a
filter expression, so `||`, `&&`, `!`, parentheses and both kinds of string quotes mean what
they mean in RFC 9535; on top of it:

- a trailing `.length` (JavaScript) is RFC 9535's `length()`: `$.items.length > 0` is
  `length($.items) > 0`;
- a runtime expression (`$inputs.mode`, `$steps.s.outputs.x`) compared with a query is the
  value of that expression at run time (`$.result.value == $inputs.mode`); standard Arazzo
  has no form for it.

Anything else that is not RFC 9535 (`@` outside a filter, a runtime expression tested on its
own or passed to a function) is an error, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.criteria.checks import check_jsonpath
from generator.criteria.jsonpath_python import jsonpath_to_python
from generator.criteria.jsonpath_syntax import (
    AndExpr,
    Comparable,
    Comparison,
    External,
    FilterSelector,
    FunctionCall,
    JsonLiteral,
    JSONPathSyntaxError,
    LogicalExpr,
    NameSelector,
    NotExpr,
    OrExpr,
    Parser,
    Query,
    Segment,
    Selector,
    Test,
)
from generator.criteria.jsonpath_text import render_logical

__all__ = ["ComparisonReading", "JsonPathReading", "read_comparison", "read_jsonpath_comparison"]


@dataclass(frozen=True)
class ComparisonReading:
    """What a comparison written as a JSONPath condition is read as."""

    filter: LogicalExpr
    query: str
    """The RFC 9535 query `$[?...]` (runtime expressions in it written as they were)."""
    externals: tuple[str, ...]
    """The runtime expressions compared, in order of appearance, each once."""
    lengths: bool
    """Whether a JavaScript `.length` was read as `length()`."""


def read_comparison(condition: str) -> ComparisonReading:
    """The reading of `condition` as a filter expression; raises JSONPathSyntaxError (offsets
    in `condition`) when it has no single sensible reading."""
    parser = _ComparisonParser(condition)
    expression = parser.parse_condition()
    externals = tuple(dict.fromkeys(_externals(expression)))
    query = f"$[?{render_logical(expression)}]"
    return ComparisonReading(expression, query, externals, parser.lengths)


class _ComparisonParser(Parser):
    def __init__(self, text: str) -> None:
        super().__init__(text, externals=True)
        self.filter_depth = 0
        self.lengths = False

    def parse_condition(self) -> LogicalExpr:
        self.skip_blanks()
        expression = self.logical_or()
        self.check_logical(expression)
        self.skip_blanks()
        if self.pos < len(self.text):
            self.fail(f"unexpected '{self.peek()}'")
        return expression

    def bracketed(self) -> tuple[Selector, ...]:
        self.filter_depth += 1
        try:
            return super().bracketed()
        finally:
            self.filter_depth -= 1

    def primary(self) -> JsonLiteral | Query | FunctionCall | External:
        if self.at("@") and self.filter_depth == 0:
            self.fail("'@' (the current node) exists only inside a filter '[?...]'")
        start = self.pos
        operand = super().primary()
        if (
            isinstance(operand, Query)
            and operand.segments
            and self.text[start : self.pos].endswith(".length")
            and operand.segments[-1] == Segment((NameSelector("length"),))
        ):
            self.lengths = True
            inner = Query(operand.segments[:-1], operand.relative, operand.offset)
            if not inner.singular:
                self.fail("'.length' applies to a singular query (names and indexes)", start)
            return FunctionCall("length", (inner,), operand.offset)
        return operand


def _externals(expression: LogicalExpr | Comparable) -> list[str]:
    match expression:
        case OrExpr(operands=operands) | AndExpr(operands=operands):
            return [text for operand in operands for text in _externals(operand)]
        case NotExpr(operand=operand):
            return _externals(operand)
        case Comparison(left=left, right=right):
            return _externals(left) + _externals(right)
        case Test(operand=operand):
            return _externals(operand)
        case External(text=text):
            return [text]
        case Query(segments=segments):
            return [
                text
                for segment in segments
                for selector in segment.selectors
                if isinstance(selector, FilterSelector)
                for text in _externals(selector.expression)
            ]
    return []


@dataclass(frozen=True)
class JsonPathReading:
    """A `jsonpath` condition read from the comparison dialect, and the warning that says so."""

    query: str
    externals: tuple[str, ...]
    message: str


_COMPARISON_MARKS = ("==", "!=", "<", ">", "&&", "||")


def read_jsonpath_comparison(
    condition: str, version: str | None, problem: str
) -> JsonPathReading | str:
    """The dialect reading of a `jsonpath` condition that is not a valid query (`problem` says
    why), or the message of the error when it has no single sensible reading."""
    try:
        reading = read_comparison(condition)
    except JSONPathSyntaxError as error:
        if not any(mark in condition for mark in _COMPARISON_MARKS):
            return problem
        where = f"at offset {error.offset}"
        return f"{problem}; read as a comparison, it is invalid {where}: {error.message}"
    except RecursionError:
        return problem
    if reading.externals:
        placeholders = {text: f"external_{n}" for n, text in enumerate(reading.externals)}
        if jsonpath_to_python(reading.query, "value", placeholders) is None:
            return (
                f"{problem}; read as the comparison '{reading.query}', it compares a runtime "
                "expression in a way this compiler cannot translate"
            )
    else:
        library_problem = check_jsonpath(reading.query, version)
        if library_problem is not None:
            return problem
    message = (
        f"'{condition}' is a comparison, not a JSONPath query; read as '{reading.query}' "
        "(passes when the filter selects the value)"
    )
    if reading.lengths:
        message += "; JavaScript's '.length' is RFC 9535's length()"
    if reading.externals:
        named = ", ".join(f"'{text}'" for text in reading.externals)
        message += (
            f"; {named} compared as its value at run time (no standard form: JSONPath has no "
            "runtime expressions)"
        )
    return JsonPathReading(reading.query, reading.externals, message)
