"""Walking condition trees."""

from __future__ import annotations

from collections.abc import Iterator

from generator.expressions import ast


def condition_expressions(condition: ast.Condition) -> Iterator[ast.Expression]:
    """Every runtime expression a simple condition reads, left to right."""
    match condition:
        case ast.ExpressionOperand(expression=expression):
            yield expression
        case (
            ast.Compare(left=left, right=right)
            | ast.And(left=left, right=right)
            | ast.Or(left=left, right=right)
        ):
            yield from condition_expressions(left)
            yield from condition_expressions(right)
        case ast.Not(operand=operand) | ast.Index(target=operand) | ast.Property(target=operand):
            yield from condition_expressions(operand)
