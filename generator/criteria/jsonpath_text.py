"""RFC 9535 syntax trees written back as query text (the standard form a dialect is read as)."""

from __future__ import annotations

import re

from generator.criteria.jsonpath_syntax import (
    AndExpr,
    Argument,
    Comparison,
    External,
    FilterSelector,
    FunctionCall,
    IndexSelector,
    JsonLiteral,
    JsonScalar,
    LogicalExpr,
    NameSelector,
    NotExpr,
    OrExpr,
    Query,
    Segment,
    Selector,
    SliceSelector,
    Test,
    WildcardSelector,
)

__all__ = ["render_logical", "render_query", "render_scalar"]

_SHORTHAND_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_ESCAPES = {"\\": "\\\\", "'": "\\'", "\b": "\\b", "\f": "\\f", "\n": "\\n"}
_STRING_ESCAPES |= {"\r": "\\r", "\t": "\\t"}


def render_query(query: Query) -> str:
    return ("@" if query.relative else "$") + "".join(_segment(s) for s in query.segments)


def render_scalar(value: JsonScalar) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    escaped = "".join(
        _STRING_ESCAPES.get(char, f"\\u{ord(char):04x}" if char < " " else char) for char in value
    )
    return f"'{escaped}'"


def render_logical(expression: LogicalExpr) -> str:
    match expression:
        case OrExpr(operands=operands):
            return " || ".join(render_logical(operand) for operand in operands)
        case AndExpr(operands=operands):
            return " && ".join(
                f"({render_logical(o)})" if isinstance(o, OrExpr) else render_logical(o)
                for o in operands
            )
        case NotExpr(operand=Test() as test):
            return "!" + render_logical(test)
        case NotExpr(operand=operand):
            return f"!({render_logical(operand)})"
        case Comparison(left=left, op=op, right=right):
            return f"{_argument(left)} {op} {_argument(right)}"
        case Test(operand=operand):
            return _argument(operand)
    raise TypeError(expression)  # pragma: no cover - the match is exhaustive


def _argument(argument: Argument | External) -> str:
    match argument:
        case JsonLiteral(value=value):
            return render_scalar(value)
        case Query():
            return render_query(argument)
        case FunctionCall(name=name, args=args):
            return f"{name}({', '.join(_argument(a) for a in args)})"
        case External(text=text):
            return text
    return render_logical(argument)


def _segment(segment: Segment) -> str:
    prefix = ".." if segment.descendant else ""
    if len(segment.selectors) == 1:
        selector = segment.selectors[0]
        if isinstance(selector, NameSelector) and _SHORTHAND_NAME.fullmatch(selector.name):
            return f"{prefix or '.'}{selector.name}"
        if isinstance(selector, WildcardSelector):
            return f"{prefix or '.'}*"
    return f"{prefix}[{', '.join(_selector(s) for s in segment.selectors)}]"


def _selector(selector: Selector) -> str:
    match selector:
        case NameSelector(name=name):
            return render_scalar(name)
        case IndexSelector(index=index):
            return str(index)
        case WildcardSelector():
            return "*"
        case SliceSelector(start=start, end=end, step=step):
            parts = ["" if start is None else str(start), "" if end is None else str(end)]
            return ":".join(parts + ([] if step is None else [str(step)]))
        case FilterSelector(expression=expression):
            return f"?{render_logical(expression)}"
    raise TypeError(selector)  # pragma: no cover - the match is exhaustive
