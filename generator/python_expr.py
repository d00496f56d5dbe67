"""Python expressions built from parts: one precedence table and one way to combine, parenthesize
and negate, shared by the lowering of simple conditions and the translation of JSONPath.

Negation is written the way a person would: `not (a == b)` is `a != b` (ruff's SIM201), `not not
x` is `x`; constants fold (`x and True` is `x`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "ADD",
    "AND",
    "ATOM",
    "COMPARE",
    "FALSE",
    "IF",
    "NEGATED_COMPARISONS",
    "NOT",
    "OR",
    "TRUE",
    "PyExpr",
    "and_",
    "call",
    "compare",
    "not_",
    "or_",
    "parenthesized",
]

# Python operator precedence, lowest first.
IF, OR, AND, NOT, COMPARE, ADD, ATOM = range(7)

NEGATED_COMPARISONS: Final = {
    "==": "!=",
    "!=": "==",
    "in": "not in",
    "not in": "in",
    "is": "is not",
    "is not": "is",
}
"""Comparisons whose `not` is another comparison for every pair of values (the orderings are
not: `not a < b` is not `a >= b` for values that do not compare)."""


def parenthesized(text: str, precedence: int, minimum: int) -> str:
    """`text` (of `precedence`) as an operand where at least `minimum` binds without parentheses."""
    return f"({text})" if precedence < minimum else text


@dataclass(frozen=True)
class PyExpr:
    """A Python expression and its precedence.

    `negation` is the expression a `not` of this one cancels to; `comparison` holds the parts of
    a comparison, whose `not` flips the operator.
    """

    text: str
    precedence: int
    negation: PyExpr | None = None
    comparison: tuple[str, str, str] | None = None

    def operand(self, minimum: int) -> str:
        return parenthesized(self.text, self.precedence, minimum)


TRUE: Final = PyExpr("True", ATOM)
FALSE: Final = PyExpr("False", ATOM)


def and_(*operands: PyExpr) -> PyExpr:
    parts: list[PyExpr] = []
    for operand in operands:
        if operand == FALSE:
            return FALSE
        if operand != TRUE:
            parts.append(operand)
    if not parts:
        return TRUE
    if len(parts) == 1:
        return parts[0]
    return PyExpr(" and ".join(part.operand(AND) for part in parts), AND)


def or_(*operands: PyExpr) -> PyExpr:
    parts: list[PyExpr] = []
    for operand in operands:
        if operand == TRUE:
            return TRUE
        if operand != FALSE:
            parts.append(operand)
    if not parts:
        return FALSE
    if len(parts) == 1:
        return parts[0]
    # `and` binds tighter than `or`; the parentheses are for the reader.
    return PyExpr(" or ".join(part.operand(NOT) for part in parts), OR)


def not_(operand: PyExpr) -> PyExpr:
    if operand == TRUE:
        return FALSE
    if operand == FALSE:
        return TRUE
    if operand.negation is not None:
        return operand.negation
    if operand.comparison is not None and operand.comparison[1] in NEGATED_COMPARISONS:
        left, op, right = operand.comparison
        return compare(left, NEGATED_COMPARISONS[op], right)
    return PyExpr("not " + operand.operand(NOT), NOT, negation=operand)


def compare(left: str, op: str, right: str) -> PyExpr:
    return PyExpr(f"{left} {op} {right}", COMPARE, comparison=(left, op, right))


def call(function: str, *args: str) -> PyExpr:
    return PyExpr(f"{function}({', '.join(args)})", ATOM)
