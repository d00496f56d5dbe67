"""RFC 9535 JSONPath: the syntax tree and an exact parser (with offsets and well-typedness)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Final, NoReturn, TypeAlias

# --- JSONPath syntax tree -------------------------------------------------------------------

JsonScalar: TypeAlias = "str | int | float | bool | None"


@dataclass(frozen=True)
class NameSelector:
    name: str


@dataclass(frozen=True)
class IndexSelector:
    index: int


@dataclass(frozen=True)
class WildcardSelector:
    pass


@dataclass(frozen=True)
class SliceSelector:
    start: int | None
    end: int | None
    step: int | None


@dataclass(frozen=True)
class FilterSelector:
    expression: LogicalExpr


Selector: TypeAlias = (
    "NameSelector | IndexSelector | WildcardSelector | SliceSelector | FilterSelector"
)


@dataclass(frozen=True)
class Segment:
    selectors: tuple[Selector, ...]
    descendant: bool = False


@dataclass(frozen=True)
class Query:
    """`$...` (absolute) or `@...` (relative, inside filters)."""

    segments: tuple[Segment, ...]
    relative: bool = False
    offset: int = field(default=0, compare=False)

    @property
    def singular(self) -> bool:
        """Only child segments with one name or index selector each: at most one node."""
        return all(
            not segment.descendant
            and len(segment.selectors) == 1
            and isinstance(segment.selectors[0], NameSelector | IndexSelector)
            for segment in self.segments
        )


@dataclass(frozen=True)
class JsonLiteral:
    value: JsonScalar
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class External:
    """A runtime expression (`$inputs.mode`) written where a comparison wants a value: not RFC
    9535, read only in conditions written as comparisons (see `readings`)."""

    text: str
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class FunctionCall:
    name: str
    args: tuple[Argument, ...]
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Comparison:
    left: Comparable
    op: str
    right: Comparable


@dataclass(frozen=True)
class Test:
    """A query (does it select anything?) or a function returning a logical value."""

    operand: Query | FunctionCall | JsonLiteral


@dataclass(frozen=True)
class NotExpr:
    operand: LogicalExpr


@dataclass(frozen=True)
class AndExpr:
    operands: tuple[LogicalExpr, ...]


@dataclass(frozen=True)
class OrExpr:
    operands: tuple[LogicalExpr, ...]


LogicalExpr: TypeAlias = "OrExpr | AndExpr | NotExpr | Comparison | Test"
Comparable: TypeAlias = "JsonLiteral | Query | FunctionCall | External"
Argument: TypeAlias = "JsonLiteral | Query | FunctionCall | LogicalExpr"

# RFC 9535 section 2.4: parameter types and result type of the standard functions.
_FUNCTIONS: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "length": (("value",), "value"),
    "count": (("nodes",), "value"),
    "match": (("value", "value"), "logical"),
    "search": (("value", "value"), "logical"),
    "value": (("nodes",), "value"),
}

_MAX_INT: Final = 2**53 - 1
_BLANKS: Final = " \t\n\r"
_COMPARISON_OPS: Final = ("==", "!=", "<=", ">=", "<", ">")
_INT: Final = re.compile(r"-?[0-9]+")
_NUMBER: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# `$inputs.mode`, `$steps.s.outputs.x#/a/0`: a runtime expression, never a query (`$` is
# followed by `.`, `[` or nothing in a query).
_RUNTIME_EXPRESSION: Final = re.compile(r"\$[A-Za-z][A-Za-z0-9_.\-]*(?:#(?:/[^/\s()|&=!<>,\]]*)+)?")
_FUNCTION_NAME: Final = re.compile(r"[a-z][a-z0-9_]*")
_ESCAPES: Final = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "/": "/", "\\": "\\"}


class JSONPathSyntaxError(ValueError):
    """A query that is not valid RFC 9535; `offset` counts characters from its start."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(f"invalid JSONPath at offset {offset}: {message}")
        self.offset = offset
        self.message = message


def parse_jsonpath(query: str, *, externals: bool = False) -> Query:
    """The syntax tree of an RFC 9535 query; raises JSONPathSyntaxError. With `externals`,
    runtime expressions are read as values in comparisons (see `readings`)."""
    return Parser(query, externals=externals).parse()


def _name_first(char: str) -> bool:
    return (
        "a" <= char <= "z"
        or "A" <= char <= "Z"
        or char == "_"
        or "\x80" <= char <= "\ud7ff"
        or "\ue000" <= char <= "\U0010ffff"
    )


def _describe(char: str) -> str:
    if not char:
        return "end of query"
    if char.isprintable() and not char.isspace():
        return f"'{char}'"
    return f"character U+{ord(char):04X}"


class Parser:
    """Recursive descent over the RFC 9535 ABNF (section 2 and appendix A)."""

    def __init__(self, text: str, *, externals: bool = False) -> None:
        self.text = text
        self.pos = 0
        self.externals = externals
        """Whether `$name...` (a runtime expression) is read as an `External` value."""

    # -- helpers

    def fail(self, message: str, offset: int | None = None) -> NoReturn:
        raise JSONPathSyntaxError(self.pos if offset is None else offset, message)

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def at(self, token: str) -> bool:
        return self.text.startswith(token, self.pos)

    def skip_blanks(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _BLANKS:
            self.pos += 1

    def expect(self, token: str, what: str) -> None:
        if not self.at(token):
            self.fail(f"expected {what}, found {_describe(self.peek())}")
        self.pos += len(token)

    # -- queries and segments

    def parse(self) -> Query:
        if not self.at("$"):
            if self.peek() and self.peek() in _BLANKS:
                self.fail("whitespace before '$'")
            self.fail(f"a query starts with '$', not {_describe(self.peek())}")
        self.pos += 1
        query = Query(self.segments(), relative=False, offset=0)
        if self.pos < len(self.text):
            if not self.text[self.pos :].strip(_BLANKS):
                self.fail("whitespace after the end of the query")
            self.fail(f"unexpected {_describe(self.peek())}")
        return query

    def segments(self) -> tuple[Segment, ...]:
        result: list[Segment] = []
        while True:
            start = self.pos
            self.skip_blanks()
            if self.at(".."):
                self.pos += 2
                if self.at("["):
                    result.append(Segment(self.bracketed(), descendant=True))
                else:
                    result.append(Segment((self.shorthand(".."),), descendant=True))
            elif self.at("."):
                self.pos += 1
                result.append(Segment((self.shorthand("."),)))
            elif self.at("["):
                result.append(Segment(self.bracketed()))
            else:
                self.pos = start
                return tuple(result)

    def shorthand(self, after: str) -> Selector:
        char = self.peek()
        if char == "*":
            self.pos += 1
            return WildcardSelector()
        if char and _name_first(char):
            start = self.pos
            while self.pos < len(self.text) and (
                _name_first(self.text[self.pos]) or "0" <= self.text[self.pos] <= "9"
            ):
                self.pos += 1
            return NameSelector(self.text[start : self.pos])
        what = "a member name, '*' or '['" if after == ".." else "a member name or '*'"
        self.fail(f"expected {what} after '{after}', found {_describe(char)}")

    def bracketed(self) -> tuple[Selector, ...]:
        self.pos += 1  # "["
        selectors: list[Selector] = []
        while True:
            self.skip_blanks()
            selectors.append(self.selector())
            self.skip_blanks()
            if self.at(","):
                self.pos += 1
            elif self.at("]"):
                self.pos += 1
                return tuple(selectors)
            else:
                self.fail(f"expected ',' or ']', found {_describe(self.peek())}")

    def selector(self) -> Selector:
        char = self.peek()
        if char in ("'", '"'):
            return NameSelector(self.string())
        if char == "*":
            self.pos += 1
            return WildcardSelector()
        if char == "?":
            self.pos += 1
            self.skip_blanks()
            expression = self.logical_or()
            self.check_logical(expression)
            return FilterSelector(expression)
        if char == ":" or char == "-" or "0" <= char <= "9":
            return self.index_or_slice()
        if not char:
            self.fail("unclosed '['")
        self.fail(
            f"expected a selector (a name, index, slice, '*' or '?'), found {_describe(char)}"
        )

    def index_or_slice(self) -> Selector:
        start = self.integer()
        before_blanks = self.pos
        self.skip_blanks()
        if not self.at(":"):
            self.pos = before_blanks
            if start is None:  # pragma: no cover - selector() only calls with '-' or a digit
                self.fail(f"expected an index, found {_describe(self.peek())}")
            return IndexSelector(start)
        self.pos += 1
        self.skip_blanks()
        end = self.integer()
        self.skip_blanks()
        step = None
        if self.at(":"):
            self.pos += 1
            self.skip_blanks()
            step = self.integer()
        return SliceSelector(start, end, step)

    def integer(self) -> int | None:
        match = _INT.match(self.text, self.pos)
        if match is None:
            if self.at("-"):
                self.fail("expected digits after '-'", self.pos + 1)
            return None
        digits = match.group()
        if digits == "-0" or (len(digits.lstrip("-")) > 1 and digits.lstrip("-")[0] == "0"):
            self.fail(f"an index has no leading zeros and is not -0: {digits}")
        value = int(digits)
        if abs(value) > _MAX_INT:
            self.fail(f"index {digits} is out of range (at most 2^53-1 either way)")
        self.pos = match.end()
        return value

    # -- literals

    def string(self) -> str:
        quote = self.text[self.pos]
        start = self.pos
        self.pos += 1
        parts: list[str] = []
        while True:
            if self.pos >= len(self.text):
                self.fail("unterminated string literal", start)
            char = self.text[self.pos]
            if char == quote:
                self.pos += 1
                return "".join(parts)
            if char == "\\":
                parts.append(self.escape(quote))
            elif char < " ":
                self.fail(f"{_describe(char)} must be escaped in a string literal")
            elif "\ud800" <= char <= "\udfff":
                self.fail("unpaired surrogate in a string literal")
            else:
                parts.append(char)
                self.pos += 1

    def escape(self, quote: str) -> str:
        escape_at = self.pos
        self.pos += 1
        char = self.peek()
        if char == quote:
            self.pos += 1
            return quote
        if char in _ESCAPES:
            self.pos += 1
            return _ESCAPES[char]
        if char != "u":
            self.fail(f"invalid escape '\\{char}' in a string literal", escape_at)
        code = self.hex4(escape_at)
        if 0xDC00 <= code <= 0xDFFF:
            self.fail("unpaired low surrogate escape in a string literal", escape_at)
        if 0xD800 <= code <= 0xDBFF:
            if not self.at("\\u"):
                self.fail("a high surrogate escape must be followed by a low one", escape_at)
            self.pos += 1
            low = self.hex4(self.pos - 1)
            if not 0xDC00 <= low <= 0xDFFF:
                self.fail("a high surrogate escape must be followed by a low one", escape_at)
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        return chr(code)

    def hex4(self, escape_at: int) -> int:
        """After the `u` of a `\\uXXXX` escape."""
        self.pos += 1
        digits = self.text[self.pos : self.pos + 4]
        if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
            self.fail("'\\u' must be followed by four hex digits", escape_at)
        self.pos += 4
        return int(digits, 16)

    def number(self) -> int | float:
        start = self.pos
        match = _NUMBER.match(self.text, self.pos)
        if match is None:
            self.fail("invalid number")
        text = match.group()
        following = self.text[match.end() : match.end() + 1]
        if following and (following in ".eE" or "0" <= following <= "9"):
            self.fail(f"invalid number starting '{text}{following}'", start)
        self.pos = match.end()
        if "." in text or "e" in text or "E" in text:
            number = float(text)
            if not math.isfinite(number):
                self.fail(f"number {text} is out of range", start)
            return number
        return int(text)

    # -- filter expressions

    def logical_or(self, argument: bool = False) -> LogicalExpr:
        operands = [self.logical_and(argument)]
        while True:
            start = self.pos
            self.skip_blanks()
            if not self.at("||"):
                self.pos = start
                break
            self.pos += 2
            self.skip_blanks()
            operands.append(self.logical_and(argument))
        return operands[0] if len(operands) == 1 else OrExpr(tuple(operands))

    def logical_and(self, argument: bool) -> LogicalExpr:
        operands = [self.basic(argument)]
        while True:
            start = self.pos
            self.skip_blanks()
            if not self.at("&&"):
                self.pos = start
                break
            self.pos += 2
            self.skip_blanks()
            operands.append(self.basic(argument))
        return operands[0] if len(operands) == 1 else AndExpr(tuple(operands))

    def basic(self, argument: bool) -> LogicalExpr:
        if self.at("!") and not self.at("!="):
            self.pos += 1
            self.skip_blanks()
            if self.at("("):
                return NotExpr(self.parenthesized(argument))
            operand = self.primary()
            if isinstance(operand, JsonLiteral | External):
                self.fail("'!' applies to a query, a function or a parenthesized expression")
            after = self.pos
            self.skip_blanks()
            if self.comparison_op() is not None:
                self.fail("'!' cannot apply to a comparison: write !(a == b) or a != b", after)
            self.pos = after
            return NotExpr(Test(operand))
        if self.at("("):
            return self.parenthesized(argument)
        left = self.primary()
        after = self.pos
        self.skip_blanks()
        op = self.comparison_op()
        if op is None:
            self.pos = after
            if isinstance(left, JsonLiteral) and not argument:
                self.fail("a literal on its own is not a test: compare it", left.offset)
            if isinstance(left, External):
                self.fail("a runtime expression on its own is not a test: compare it", left.offset)
            return Test(left)
        self.skip_blanks()
        right = self.primary()
        self.check_comparable(left)
        self.check_comparable(right)
        return Comparison(left, op, right)

    def parenthesized(self, argument: bool) -> LogicalExpr:
        self.pos += 1  # "("
        self.skip_blanks()
        expression = self.logical_or(argument)
        self.skip_blanks()
        self.expect(")", "')'")
        return expression

    def comparison_op(self) -> str | None:
        for op in _COMPARISON_OPS:
            if self.at(op):
                self.pos += len(op)
                return op
        return None

    def primary(self) -> JsonLiteral | Query | FunctionCall | External:
        start = self.pos
        char = self.peek()
        if self.externals and char == "$":
            match = _RUNTIME_EXPRESSION.match(self.text, self.pos)
            if match is not None:
                self.pos = match.end()
                return External(match.group(), start)
        if char == "@" or char == "$":
            self.pos += 1
            return Query(self.segments(), relative=char == "@", offset=start)
        if char in ("'", '"'):
            return JsonLiteral(self.string(), start)
        if char == "-" or "0" <= char <= "9":
            return JsonLiteral(self.number(), start)
        match = _FUNCTION_NAME.match(self.text, self.pos)
        if match is not None:
            name = match.group()
            self.pos = match.end()
            if self.at("("):
                return self.function(name, start)
            if name in ("true", "false", "null"):
                return JsonLiteral({"true": True, "false": False, "null": None}[name], start)
            self.fail(f"unknown name '{name}' (a function call needs '(')", start)
        if not char:
            self.fail("unexpected end of query: expected a query, a literal or a function")
        self.fail(f"expected a query, a literal or a function, found {_describe(char)}")

    def function(self, name: str, start: int) -> FunctionCall:
        if name not in _FUNCTIONS:
            self.fail(
                f"unknown function '{name}' (RFC 9535 defines {', '.join(_FUNCTIONS)})", start
            )
        self.pos += 1  # "("
        self.skip_blanks()
        args: list[tuple[Argument, int]] = []
        if not self.at(")"):
            while True:
                arg_start = self.pos
                args.append((self.argument(), arg_start))
                self.skip_blanks()
                if not self.at(","):
                    break
                self.pos += 1
                self.skip_blanks()
        self.expect(")", f"',' or ')' in the arguments of {name}()")
        params, _ = _FUNCTIONS[name]
        if len(args) != len(params):
            plural = "" if len(params) == 1 else "s"
            self.fail(f"{name}() takes {len(params)} argument{plural}, not {len(args)}", start)
        for number, ((arg, arg_start), param) in enumerate(zip(args, params, strict=True), 1):
            self.check_argument(name, number, arg, param, arg_start)
        return FunctionCall(name, tuple(arg for arg, _ in args), start)

    def argument(self) -> Argument:
        parenthesized = self.at("(")  # then a logical expression, even around a query
        expression = self.logical_or(argument=True)
        if isinstance(expression, Test) and not parenthesized:
            return expression.operand
        self.check_logical(expression)
        return expression

    # -- well-typedness (RFC 9535 section 2.4.3)

    def check_argument(self, name: str, number: int, arg: Argument, param: str, at: int) -> None:
        where = f"argument {number} of {name}()"
        if param == "value":
            if isinstance(arg, JsonLiteral) or (isinstance(arg, Query) and arg.singular):
                return
            if isinstance(arg, FunctionCall) and _FUNCTIONS[arg.name][1] == "value":
                return
            self.fail(
                f"{where} must be a value: a literal, a singular query (names and indexes "
                "only, like @.a[0]) or a function returning a value",
                at,
            )
        if not isinstance(arg, Query):  # "nodes": no standard function returns nodes
            self.fail(f"{where} must be a query", at)

    def check_comparable(self, operand: Comparable) -> None:
        if isinstance(operand, Query) and not operand.singular:
            self.fail(
                "only singular queries (names and indexes, like @.a[0]) can be compared; "
                "use count() or value() for others",
                operand.offset,
            )
        if isinstance(operand, FunctionCall) and _FUNCTIONS[operand.name][1] != "value":
            self.fail(
                f"the result of {operand.name}() is a test and cannot be compared", operand.offset
            )

    def check_logical(self, expression: LogicalExpr) -> None:
        if isinstance(expression, OrExpr | AndExpr):
            for operand in expression.operands:
                self.check_logical(operand)
        elif isinstance(expression, NotExpr):
            self.check_logical(expression.operand)
        elif isinstance(expression, Test):
            tested = expression.operand
            if isinstance(tested, JsonLiteral):
                self.fail("a literal on its own is not a test: compare it", tested.offset)
            if isinstance(tested, FunctionCall) and _FUNCTIONS[tested.name][1] == "value":
                self.fail(
                    f"the result of {tested.name}() is a value: compare it (for example "
                    f"{tested.name}(...) > 0)",
                    tested.offset,
                )
