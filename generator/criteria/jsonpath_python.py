"""JSONPath compiled to plain Python (the subset and the kept semantics: see the package
docstring)."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from generator.criteria.checks import check_jsonpath
from generator.criteria.jsonpath_syntax import (
    AndExpr,
    Comparable,
    Comparison,
    External,
    FilterSelector,
    IndexSelector,
    JsonLiteral,
    JSONPathSyntaxError,
    JsonScalar,
    LogicalExpr,
    NameSelector,
    NotExpr,
    OrExpr,
    Query,
    Segment,
    Selector,
    Test,
    WildcardSelector,
    parse_jsonpath,
)
from generator.emit import literal
from generator.python_expr import (
    ADD,
    ATOM,
    FALSE,
    OR,
    TRUE,
    PyExpr,
    and_,
    call,
    compare,
    not_,
    or_,
)

# --- JSONPath to Python ---------------------------------------------------------------------

CONTEXT_LOCALS: Final = ("context", "context_2", "context_3")
"""The locals a workflow function binds the contexts of a condition's JSONPath criteria to,
when a translation reads its context more than once (so that each is evaluated once)."""

_SWAPPED_OPS: Final = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


class _Nothing:
    """RFC 9535's Nothing: the result of a query or function that selects no value."""

    def __repr__(self) -> str:
        return "Nothing"


_NOTHING: Final = _Nothing()


@dataclass(frozen=True)
class _Operand:
    """A comparison operand: a constant, or Python source for a value that is
    `_runtime.NOTHING` when the operand selects no node (unless `numeric`)."""

    constant: JsonScalar | _Nothing = None
    is_constant: bool = False
    expr: str = ""
    numeric: bool = False  # a count: always an int
    count_of: tuple[str, tuple[Segment, ...]] | None = None
    external: bool = False  # a runtime expression's value (the comparison dialect)


class _Unsupported(Exception):
    pass


_BUILTINS_USED: Final = frozenset(
    {"isinstance", "len", "any", "sum", "dict", "list", "str", "int", "float", "bool"}
)


def jsonpath_to_python(
    query: str, value: str, externals: Mapping[str, str] | None = None
) -> str | None:
    """A Python boolean expression over `value` that holds iff `query` selects a node.

    None when the query is outside the subset described in the package docstring (or invalid).
    `value` is Python source for the context value; the expression may evaluate it more than
    once (`context_reads` counts how often), so pass a local name unless it is cheap and pure.
    It must not use the names of the builtins the expression calls (ValueError).
    `externals` maps the runtime expressions of a query read from the comparison dialect
    (`readings`) to Python source for their values; their comparisons call
    `_runtime.json_compare`.
    """
    if "\n" in value or "\r" in value:
        raise ValueError("value must be a one-line Python expression")
    compile(value, "<value>", "eval")  # raises SyntaxError for anything but an expression
    names = set(re.findall(r"[A-Za-z_]\w*", value))
    if names & _BUILTINS_USED:
        raise ValueError(f"value must not use the names {', '.join(sorted(_BUILTINS_USED))}")
    if externals is None:
        if check_jsonpath(query) is not None:
            return None
        parsed = parse_jsonpath(query)
    else:
        try:
            parsed = parse_jsonpath(query, externals=True)
        except (JSONPathSyntaxError, RecursionError):
            return None
        for source in externals.values():
            compile(source, "<external>", "eval")
            names |= set(re.findall(r"[A-Za-z_]\w*", source))
    translator = _Translator(value, names, externals or {})
    try:
        if not parsed.segments:
            return call("isinstance", translator.root, "(dict, list, str, int, float)").text
        return translator.exists(translator.root, parsed.segments, 0).text
    except _Unsupported:
        return None


def context_reads(code: str, name: str) -> int:
    """How many times the Python expression `code` reads the variable `name`."""
    return _names(code).count(name)


def _names(code: str) -> list[str]:
    """The variables an expression reads, once per occurrence."""
    tree = ast.parse(code, mode="eval")
    return [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)]


def _is_primary(source: str) -> bool:
    """Whether `source` is a name, attribute, call or subscription (needs no parentheses as
    an operand)."""
    body = ast.parse(source, mode="eval").body
    return isinstance(body, ast.Name | ast.Attribute | ast.Call | ast.Subscript | ast.Constant)


def _path(segments: tuple[Segment, ...]) -> tuple[tuple[str | int, ...], tuple[Segment, ...]]:
    """The leading child segments of one name or index each, as a path, and the rest."""
    path: list[str | int] = []
    for number, segment in enumerate(segments):
        selector = segment.selectors[0]
        if segment.descendant or len(segment.selectors) != 1:
            return tuple(path), segments[number:]
        if isinstance(selector, NameSelector):
            path.append(selector.name)
        elif isinstance(selector, IndexSelector):
            path.append(selector.index)
        else:
            return tuple(path), segments[number:]
    return tuple(path), ()


def _member(expr: str, path: tuple[str | int, ...]) -> str:
    """`_runtime.member(expr, ...)`: the node at `path` below `expr`, or NOTHING."""
    if not path:
        return expr
    return call("_runtime.member", expr, *(literal(step) for step in path)).text


def _selected(member: str) -> PyExpr:
    return compare(member, "is not", "_runtime.NOTHING")


class _Translator:
    def __init__(self, root: str, taken: set[str], externals: Mapping[str, str]) -> None:
        self.root = root if _is_primary(root) else f"({root})"
        self.taken = taken
        self.externals = externals

    def variable(self, depth: int) -> str:
        name = "node" if depth == 1 else f"node{depth}"
        while name in self.taken:
            name += "_"
        return name

    # -- existence of nodes

    def exists(self, expr: str, segments: tuple[Segment, ...], depth: int) -> PyExpr:
        path, rest = _path(segments)
        if path:
            member = _member(expr, path)
            return _selected(member) if not rest else self.exists(member, rest, depth)
        if not rest:
            return TRUE
        segment, rest = rest[0], rest[1:]
        if segment.descendant:
            raise _Unsupported
        return or_(*(self.exists_selector(expr, s, rest, depth) for s in segment.selectors))

    def exists_selector(
        self, expr: str, selector: Selector, rest: tuple[Segment, ...], depth: int
    ) -> PyExpr:
        if isinstance(selector, NameSelector | IndexSelector):
            return self.exists(expr, (Segment((selector,)), *rest), depth)
        var = self.variable(depth + 1)
        if isinstance(selector, WildcardSelector):
            return self.any(self.exists(var, rest, depth + 1), var, expr)
        if isinstance(selector, FilterSelector):
            condition = self.logical(selector.expression, var, depth + 1)
            return self.any(and_(condition, self.exists(var, rest, depth + 1)), var, expr)
        raise _Unsupported  # slices

    def any(self, condition: PyExpr, var: str, expr: str) -> PyExpr:
        if condition == FALSE:
            return FALSE
        if var not in _names(condition.text):
            # Holds for every child or none (a filter on `$` only): tested once.
            return and_(call("_runtime.has_children", expr), condition)
        children = call("_runtime.children", expr).text
        return PyExpr(f"any({condition.text} for {var} in {children})", ATOM)

    # -- number of nodes (count())

    def count(self, expr: str, segments: tuple[Segment, ...], depth: int) -> PyExpr:
        path, rest = _path(segments)
        if path:
            member = _member(expr, path)
            if not rest:
                return PyExpr(f"(1 if {_selected(member).text} else 0)", ATOM)
            return self.count(member, rest, depth)
        if not rest:
            return PyExpr("1", ATOM)
        segment, rest = rest[0], rest[1:]
        if segment.descendant:
            raise _Unsupported
        terms = [self.count_selector(expr, s, rest, depth) for s in segment.selectors]
        if len(terms) == 1:
            return terms[0]
        return PyExpr(" + ".join(term.operand(ADD) for term in terms), ADD)

    def count_selector(
        self, expr: str, selector: Selector, rest: tuple[Segment, ...], depth: int
    ) -> PyExpr:
        if isinstance(selector, NameSelector | IndexSelector):
            return self.count(expr, (Segment((selector,)), *rest), depth)
        var = self.variable(depth + 1)
        if isinstance(selector, WildcardSelector):
            condition = TRUE
        elif isinstance(selector, FilterSelector):
            condition = self.logical(selector.expression, var, depth + 1)
        else:
            raise _Unsupported  # slices
        children = call("_runtime.children", expr).text
        if not rest and condition == TRUE:
            return call("len", children)
        if Query(rest).singular:
            condition = and_(condition, self.exists(var, rest, depth + 1))
            if condition == FALSE:
                return PyExpr("0", ATOM)
            where = "" if condition == TRUE else f" if {condition.operand(OR)}"
            return PyExpr(f"sum(1 for {var} in {children}{where})", ATOM)
        inner = self.count(var, rest, depth + 1)
        where = "" if condition == TRUE else f" if {condition.operand(OR)}"
        return PyExpr(f"sum({inner.text} for {var} in {children}{where})", ATOM)

    # -- filter expressions

    def logical(self, expression: LogicalExpr, node: str, depth: int) -> PyExpr:
        if isinstance(expression, OrExpr):
            return or_(*(self.logical(e, node, depth) for e in expression.operands))
        if isinstance(expression, AndExpr):
            return and_(*(self.logical(e, node, depth) for e in expression.operands))
        if isinstance(expression, NotExpr):
            return not_(self.logical(expression.operand, node, depth))
        if isinstance(expression, Test):
            operand = expression.operand
            if isinstance(operand, Query):
                return self.exists(self.base(operand, node), operand.segments, depth)
            raise _Unsupported  # match() and search()
        return self.comparison(expression, node, depth)

    def base(self, query: Query, node: str) -> str:
        return node if query.relative else self.root

    def comparison(self, comparison: Comparison, node: str, depth: int) -> PyExpr:
        left = self.operand(comparison.left, node, depth)
        right = self.operand(comparison.right, node, depth)
        op = comparison.op
        if left.is_constant and right.is_constant:
            return TRUE if _rfc_compare(left.constant, op, right.constant) else FALSE
        # With runtime expressions (the dialect) there is no library to fall back on, so two
        # queries compare through the run-time helper too.
        both_vary = not left.is_constant and not right.is_constant
        if left.external or right.external or (self.externals and both_vary):
            return json_compare(self.value_or_nothing(left), op, self.value_or_nothing(right))
        if both_vary:
            raise _Unsupported
        if left.is_constant:
            left, right, op = right, left, _SWAPPED_OPS[op]
        constant = right.constant
        if isinstance(constant, _Nothing):
            raise _Unsupported
        if left.count_of is not None:
            simpler = self.count_shortcut(left.count_of, op, constant, depth)
            if simpler is not None:
                return simpler
        return against_literal(left, op, constant)

    def count_shortcut(
        self, query: tuple[str, tuple[Segment, ...]], op: str, constant: JsonScalar, depth: int
    ) -> PyExpr | None:
        """`count(q) > 0` is "q selects something", `count(q) == 0` its negation."""
        if isinstance(constant, bool) or not isinstance(constant, int | float):
            return None
        some = {(">", 0), (">=", 1), ("!=", 0)}
        none = {("==", 0), ("<", 1), ("<=", 0)}
        if (op, constant) in some:
            return self.exists(*query, depth)
        if (op, constant) in none:
            return not_(self.exists(*query, depth))
        return None

    @staticmethod
    def value_or_nothing(operand: _Operand) -> str:
        """Python source for the operand's value, `_runtime.NOTHING` when it selects none."""
        if operand.is_constant:
            constant = operand.constant
            return "_runtime.NOTHING" if isinstance(constant, _Nothing) else literal(constant)
        return operand.expr

    def operand(self, operand: Comparable, node: str, depth: int) -> _Operand:
        if isinstance(operand, JsonLiteral):
            return _Operand(constant=operand.value, is_constant=True)
        if isinstance(operand, External):
            source = self.externals.get(operand.text)
            if source is None:
                raise _Unsupported
            return _Operand(expr=source if _is_primary(source) else f"({source})", external=True)
        if isinstance(operand, Query):
            return self.singular(operand, node)
        args = operand.args
        if operand.name == "count" and isinstance(args[0], Query):
            base = self.base(args[0], node)
            counted = self.count(base, args[0].segments, depth)
            return _Operand(
                expr=counted.operand(ATOM), numeric=True, count_of=(base, args[0].segments)
            )
        if operand.name == "length":
            arg = args[0]
            if isinstance(arg, JsonLiteral):
                length = len(arg.value) if isinstance(arg.value, str) else _NOTHING
                return _Operand(constant=length, is_constant=True)
            if isinstance(arg, Query):
                return _Operand(expr=call("_runtime.length", self.singular(arg, node).expr).text)
        if operand.name == "value" and isinstance(args[0], Query) and args[0].singular:
            return self.singular(args[0], node)
        raise _Unsupported

    def singular(self, query: Query, node: str) -> _Operand:
        """The node a singular query selects, or `_runtime.NOTHING`."""
        path, rest = _path(query.segments)
        if rest:  # pragma: no cover - the parser only lets singular ones here
            raise _Unsupported
        return _Operand(expr=_member(self.base(query, node), path))


def json_compare(left: str, op: str, right: str) -> PyExpr:
    return call("_runtime.json_compare", left, literal(op), right)


def against_literal(value: _Operand, op: str, constant: JsonScalar) -> PyExpr:
    """`value op constant` by RFC 9535: `value` may be `_runtime.NOTHING` unless it is a count."""
    x = value.expr
    text = literal(constant)
    is_number = isinstance(constant, int | float) and not isinstance(constant, bool)
    if value.numeric and not is_number:
        # A count is never equal to nor ordered with a string, true, false or null (and no
        # `len(x) == 'a'`, which mypy's strict equality refuses).
        return TRUE if op == "!=" else FALSE
    if op in ("==", "!="):
        if constant is None or isinstance(constant, bool):
            return compare(x, "is" if op == "==" else "is not", text)
        if isinstance(constant, str) or value.numeric:
            return compare(x, op, text)
        return json_compare(x, op, text)  # true is not 1: bool is an int in Python
    if value.numeric:
        return compare(x, op, text)
    if isinstance(constant, str) or is_number:
        return json_compare(x, op, text)
    # true, false and null are not ordered: a <= b is then a == b.
    return compare(x, "is", text) if op in ("<=", ">=") else FALSE


def _rfc_compare(left: object, op: str, right: object) -> bool:
    """RFC 9535 section 2.3.5.2.2 on two values (either may be Nothing)."""
    if op == "==":
        return _rfc_equal(left, right)
    if op == "!=":
        return not _rfc_equal(left, right)
    if op == "<":
        return _rfc_less(left, right)
    if op == ">":
        return _rfc_less(right, left)
    if op == "<=":
        return _rfc_less(left, right) or _rfc_equal(left, right)
    return _rfc_less(right, left) or _rfc_equal(left, right)


def _rfc_equal(left: object, right: object) -> bool:
    if isinstance(left, _Nothing) or isinstance(right, _Nothing):
        return left is right
    if isinstance(left, bool) or isinstance(right, bool) or left is None or right is None:
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    return False  # literals are scalars: arrays and objects never reach here


def _rfc_less(left: object, right: object) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return False
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left < right
    if isinstance(left, str) and isinstance(right, str):
        return left < right
    return False
