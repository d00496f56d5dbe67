"""JSONPath compiled to plain Python (the subset and the kept semantics: see the package
docstring)."""

from __future__ import annotations

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

_SWAPPED_OPS: Final = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


class _Nothing:
    """RFC 9535's Nothing: the result of a query or function that selects no value."""

    def __repr__(self) -> str:
        return "Nothing"


_NOTHING: Final = _Nothing()


@dataclass(frozen=True)
class _Operand:
    """A comparison operand: a constant, or a value that exists only when `guard` holds."""

    constant: JsonScalar | _Nothing = None
    is_constant: bool = False
    guard: PyExpr = TRUE
    expr: str = ""
    numeric: bool = False  # statically known to be an int
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

    None when the query is outside the subset described in the module docstring (or invalid).
    `value` is Python source for the context value, evaluated several times (so a local name);
    it must not use the names of the builtins the expression calls (ValueError).
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
    root = value if _is_atom(value) else f"({value})"
    translator = _Translator(root, names, externals or {})
    try:
        if not parsed.segments:
            return call("isinstance", root, "(dict, list, str, int, float)").text
        return translator.exists(root, parsed.segments, 0).text
    except _Unsupported:
        return None


def _is_atom(source: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][\w.]*(\(\))?", source) is not None


class _Translator:
    def __init__(self, root: str, taken: set[str], externals: Mapping[str, str]) -> None:
        self.root = root
        self.taken = taken
        self.externals = externals

    def variable(self, depth: int) -> str:
        name = "node" if depth == 1 else f"node{depth}"
        while name in self.taken:
            name += "_"
        return name

    @staticmethod
    def children(expr: str) -> str:
        """The values a wildcard or filter visits: members of an object, items of an array."""
        return (
            f"({expr}.values() if isinstance({expr}, dict) else {expr} "
            f"if isinstance({expr}, list) else ())"
        )

    # -- existence of nodes

    def exists(self, expr: str, segments: tuple[Segment, ...], depth: int) -> PyExpr:
        if not segments:
            return TRUE
        segment, rest = segments[0], segments[1:]
        if segment.descendant:
            raise _Unsupported
        return or_(*(self.exists_selector(expr, s, rest, depth) for s in segment.selectors))

    def exists_selector(
        self, expr: str, selector: Selector, rest: tuple[Segment, ...], depth: int
    ) -> PyExpr:
        if isinstance(selector, NameSelector):
            key = literal(selector.name)
            return and_(
                call("isinstance", expr, "dict"),
                compare(key, "in", expr),
                self.exists(f"{expr}[{key}]", rest, depth),
            )
        if isinstance(selector, IndexSelector):
            return and_(
                call("isinstance", expr, "list"),
                self.length_covers(expr, selector.index),
                self.exists(f"{expr}[{literal(selector.index)}]", rest, depth),
            )
        if isinstance(selector, WildcardSelector):
            var = self.variable(depth + 1)
            return self.any(self.exists(var, rest, depth + 1), var, expr)
        if isinstance(selector, FilterSelector):
            var = self.variable(depth + 1)
            condition = self.logical(selector.expression, var, depth + 1)
            return self.any(and_(condition, self.exists(var, rest, depth + 1)), var, expr)
        raise _Unsupported  # slices

    @staticmethod
    def length_covers(expr: str, index: int) -> PyExpr:
        if index >= 0:
            return compare(f"len({expr})", ">", literal(index))
        return compare(f"len({expr})", ">=", literal(-index))

    def any(self, condition: PyExpr, var: str, expr: str) -> PyExpr:
        if condition == FALSE:
            return FALSE
        if condition == TRUE:
            return and_(call("isinstance", expr, "(dict, list)"), compare(f"len({expr})", ">", "0"))
        return PyExpr(f"any({condition.text} for {var} in {self.children(expr)})", ATOM)

    # -- number of nodes (count())

    def count(self, expr: str, segments: tuple[Segment, ...], depth: int) -> PyExpr:
        if not segments:
            return PyExpr("1", ATOM)
        segment, rest = segments[0], segments[1:]
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
            if isinstance(selector, NameSelector):
                key = literal(selector.name)
                here = and_(call("isinstance", expr, "dict"), compare(key, "in", expr))
            else:
                key = literal(selector.index)
                here = and_(
                    call("isinstance", expr, "list"), self.length_covers(expr, selector.index)
                )
            inner = self.count(f"{expr}[{key}]", rest, depth)
            return PyExpr(f"({inner.operand(OR)} if {here.operand(OR)} else 0)", ATOM)
        var = self.variable(depth + 1)
        if isinstance(selector, WildcardSelector):
            condition = TRUE
        elif isinstance(selector, FilterSelector):
            condition = self.logical(selector.expression, var, depth + 1)
        else:
            raise _Unsupported  # slices
        if not rest and condition == TRUE:
            return PyExpr(f"(len({expr}) if isinstance({expr}, (dict, list)) else 0)", ATOM)
        if Query(rest).singular:
            condition = and_(condition, self.exists(var, rest, depth + 1))
            if condition == FALSE:
                return PyExpr("0", ATOM)
            where = "" if condition == TRUE else f" if {condition.operand(OR)}"
            return PyExpr(f"sum(1 for {var} in {self.children(expr)}{where})", ATOM)
        inner = self.count(var, rest, depth + 1)
        where = "" if condition == TRUE else f" if {condition.operand(OR)}"
        return PyExpr(f"sum({inner.text} for {var} in {self.children(expr)}{where})", ATOM)

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
            return call(
                "_runtime.json_compare",
                self.value_or_nothing(left),
                literal(op),
                self.value_or_nothing(right),
            )
        if not left.is_constant and not right.is_constant:
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
        return self.against_literal(left, op, constant)

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
        if operand.guard == TRUE:
            return operand.expr
        return f"({operand.expr} if {operand.guard.operand(OR)} else _runtime.NOTHING)"

    def operand(self, operand: Comparable, node: str, depth: int) -> _Operand:
        if isinstance(operand, JsonLiteral):
            return _Operand(constant=operand.value, is_constant=True)
        if isinstance(operand, External):
            source = self.externals.get(operand.text)
            if source is None:
                raise _Unsupported
            return _Operand(expr=source if _is_atom(source) else f"({source})", external=True)
        if isinstance(operand, Query):
            return self.singular(operand, node)
        args = operand.args
        if operand.name == "count" and isinstance(args[0], Query):
            base = self.base(args[0], node)
            counted = self.count(base, args[0].segments, depth)
            return _Operand(
                expr=counted.operand(ATOM),
                numeric=True,
                count_of=(base, args[0].segments),
            )
        if operand.name == "length":
            arg = args[0]
            if isinstance(arg, JsonLiteral):
                length = len(arg.value) if isinstance(arg.value, str) else _NOTHING
                return _Operand(constant=length, is_constant=True)
            if isinstance(arg, Query):
                value = self.singular(arg, node)
                guard = and_(value.guard, call("isinstance", value.expr, "(str, list, dict)"))
                return _Operand(guard=guard, expr=f"len({value.expr})", numeric=True)
        if operand.name == "value" and isinstance(args[0], Query) and args[0].singular:
            return self.singular(args[0], node)
        raise _Unsupported

    def singular(self, query: Query, node: str) -> _Operand:
        if not query.singular:  # pragma: no cover - the parser only lets singular ones here
            raise _Unsupported
        expr = self.base(query, node)
        guards: list[PyExpr] = []
        for segment in query.segments:
            selector = segment.selectors[0]
            if isinstance(selector, NameSelector):
                key = literal(selector.name)
                guards += [call("isinstance", expr, "dict"), compare(key, "in", expr)]
            else:
                assert isinstance(selector, IndexSelector)
                key = literal(selector.index)
                guards += [
                    call("isinstance", expr, "list"),
                    self.length_covers(expr, selector.index),
                ]
            expr = f"{expr}[{key}]"
        return _Operand(guard=and_(*guards), expr=expr)

    @staticmethod
    def against_literal(value: _Operand, op: str, constant: JsonScalar) -> PyExpr:
        x = value.expr
        text = literal(constant)
        is_number = isinstance(constant, int | float) and not isinstance(constant, bool)

        def equal() -> PyExpr:
            if value.numeric and not is_number:
                return FALSE  # and no `len(x) == 'a'`, which mypy's strict equality refuses
            if constant is None or isinstance(constant, bool):
                return compare(x, "is", text)
            if isinstance(constant, str) or value.numeric:
                return compare(x, "==", text)
            return and_(not_(call("isinstance", x, "bool")), compare(x, "==", text))

        def ordered(python_op: str) -> PyExpr:
            if value.numeric and not is_number:
                return FALSE
            if isinstance(constant, str):
                return and_(call("isinstance", x, "str"), compare(x, python_op, text))
            if is_number:
                if value.numeric:
                    return compare(x, python_op, text)
                return and_(
                    call("isinstance", x, "(int, float)"),
                    not_(call("isinstance", x, "bool")),
                    compare(x, python_op, text),
                )
            # true, false and null are not ordered: a <= b is then a == b.
            return equal() if python_op in ("<=", ">=") else FALSE

        if op == "==":
            return and_(value.guard, equal())
        if op == "!=":
            return not_(and_(value.guard, equal()))
        return and_(value.guard, ordered(op))


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
