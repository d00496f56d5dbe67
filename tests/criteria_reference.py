"""A reference interpreter for JSONPath criteria: RFC 9535 evaluated directly on JSON values,
from the parsed syntax tree, with no code generation. Written from the RFC (sections 2.3-2.4),
independently of the translator and of the run-time helpers, so that the generated Python can
be checked against it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    SliceSelector,
    Test,
    WildcardSelector,
)


class _Nothing:
    def __repr__(self) -> str:
        return "Nothing"


NOTHING: Any = _Nothing()


class Interpreter:
    """Evaluates queries on `root`; `externals` are the values of runtime expressions."""

    def __init__(self, root: Any, externals: Mapping[str, Any] | None = None) -> None:
        self.root = root
        self.externals = externals or {}

    def matches(self, query: Query) -> bool:
        """A criterion: the query selects at least one node."""
        return bool(self.select(query, self.root))

    def select(self, query: Query, current: Any) -> list[Any]:
        nodes = [current if query.relative else self.root]
        for segment in query.segments:
            nodes = [found for node in nodes for found in self.segment(segment, node)]
        return nodes

    def segment(self, segment: Segment, node: Any) -> list[Any]:
        visited = _descendants(node) if segment.descendant else [node]
        return [
            found
            for each in visited
            for selector in segment.selectors
            for found in self.selector(selector, each)
        ]

    def selector(self, selector: object, node: Any) -> list[Any]:
        if isinstance(selector, NameSelector):
            return [node[selector.name]] if isinstance(node, dict) and selector.name in node else []
        if isinstance(selector, IndexSelector):
            if not isinstance(node, list):
                return []
            index = selector.index + len(node) if selector.index < 0 else selector.index
            return [node[index]] if 0 <= index < len(node) else []
        if isinstance(selector, WildcardSelector):
            return _children(node)
        if isinstance(selector, SliceSelector):
            if not isinstance(node, list) or selector.step == 0:
                return []
            return node[slice(selector.start, selector.end, selector.step)]
        assert isinstance(selector, FilterSelector)
        return [child for child in _children(node) if self.holds(selector.expression, child)]

    def holds(self, expression: LogicalExpr, current: Any) -> bool:
        if isinstance(expression, OrExpr):
            return any(self.holds(e, current) for e in expression.operands)
        if isinstance(expression, AndExpr):
            return all(self.holds(e, current) for e in expression.operands)
        if isinstance(expression, NotExpr):
            return not self.holds(expression.operand, current)
        if isinstance(expression, Comparison):
            left = self.value(expression.left, current)
            right = self.value(expression.right, current)
            return compare(left, expression.op, right)
        assert isinstance(expression, Test)
        operand = expression.operand
        if isinstance(operand, Query):
            return bool(self.select(operand, current))
        raise NotImplementedError(f"the reference does not evaluate {operand!r}")

    def value(self, operand: object, current: Any) -> Any:
        if isinstance(operand, JsonLiteral):
            return operand.value
        if isinstance(operand, External):
            return self.externals[operand.text]
        if isinstance(operand, Query):
            nodes = self.select(operand, current)
            return nodes[0] if len(nodes) == 1 else NOTHING
        assert isinstance(operand, FunctionCall), operand
        argument = operand.args[0]
        if operand.name == "count":
            assert isinstance(argument, Query)
            return len(self.select(argument, current))
        if operand.name == "value":
            return self.value(argument, current)
        if operand.name == "length":
            measured = self.value(argument, current)
            if isinstance(measured, str | list | dict):
                return len(measured)
            return NOTHING
        raise NotImplementedError(f"the reference does not evaluate {operand.name}()")


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node.values())
    if isinstance(node, list):
        return list(node)
    return []


def _descendants(node: Any) -> list[Any]:
    result = [node]
    for child in _children(node):
        result.extend(_descendants(child))
    return result


def _kind(value: Any) -> str:
    if value is NOTHING:
        return "nothing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def equal(left: Any, right: Any) -> bool:
    """RFC 9535 section 2.3.5.2.2: `==`."""
    kind = _kind(left)
    if kind != _kind(right):
        return False
    if kind == "array":
        return len(left) == len(right) and all(
            equal(a, b) for a, b in zip(left, right, strict=True)
        )
    if kind == "object":
        return set(left) == set(right) and all(equal(left[k], right[k]) for k in left)
    if kind in ("nothing", "null"):
        return True
    return bool(left == right)


def less(left: Any, right: Any) -> bool:
    """RFC 9535 section 2.3.5.2.2: `<` holds only between two numbers or two strings."""
    kind = _kind(left)
    return kind == _kind(right) and kind in ("number", "string") and bool(left < right)


def compare(left: Any, op: str, right: Any) -> bool:
    return {
        "==": lambda: equal(left, right),
        "!=": lambda: not equal(left, right),
        "<": lambda: less(left, right),
        "<=": lambda: less(left, right) or equal(left, right),
        ">": lambda: less(right, left),
        ">=": lambda: less(right, left) or equal(left, right),
    }[op]()
