"""Criteria of type `regex`, `jsonpath` and `xpath`: compile-time checks, and JSONPath to Python.

A criterion of these types applies its `condition` to the value of its `context` (a runtime
expression such as `$response.body`). The semantics this compiler adopts are the ones Arazzo
1.1 made explicit:

- `regex`: passes iff the pattern matches somewhere in the context value as a string (like
  `re.search`; numbers and booleans are written as JSON, objects and arrays as compact JSON).
  Arazzo names no regex dialect: conditions are Python `re` patterns.
- `jsonpath` (RFC 9535): passes iff the query selects at least one node, the query being applied
  to the context value itself (`$[?@.status == 'ok']` on an object root tests that object's
  member values; a JSON body is not wrapped in an array).
- `xpath` (XPath 3.1 unless a version is given): passes iff the expression's effective boolean
  value is true (true, a non-zero number, a non-empty string, a non-empty node-set), the context
  being an XML document.
- A null or missing context, a syntax error, a value of the wrong kind or an evaluation error
  makes the criterion fail: it never raises.

## Checks (at compile time)

`check_regex`, `check_jsonpath` and `check_xpath` return a message for the user, or None when
the condition is valid. `check_jsonpath` applies this module's own RFC 9535 parser (exact
grammar and function well-typedness, with offsets) and then the run-time library
(python-jsonpath, strict mode), so that a query that passes here compiles at run time too.

## JSONPath compiled to plain Python

`jsonpath_to_python(query, value)` translates a query into a Python boolean expression over the
Python expression `value` (source text; it is evaluated several times, so pass a local name whose
static type is `Any` or `object`). It returns None for queries outside the subset below; those
are evaluated at run time by the package's `_jsonpath` module instead. The generated code calls
builtins only (`isinstance`, `len`, `any`, `sum`) and is accepted by `mypy --strict` and ruff.
Every name and literal taken from the query reaches the Python source through
`generator.emit.literal` (that is, `repr()` of a plain str, int or float).

The subset:

- child segments: `.name`, `['name']`, `["name"]`, `[0]`, `[-1]`, `.*`, `[*]`, `[?filter]`, and
  several of these in one bracket (`['a', 'b']`); not descendant segments (`..`) or slices.
- in filters: `||`, `&&`, `!` and parentheses; existence tests of relative (`@...`) or absolute
  (`$...`) queries that are themselves in the subset (`@.a`, `@.items[?@.x]`); comparisons of a
  literal with a singular query (`@.a.b`, `@[0]`, `$.limit`), with `count(query)`, with
  `length(singular query)` or with `value(singular query)`; comparisons of two literals (folded).
  Not: `match()`, `search()`, comparisons of two queries, `value()` of a non-singular query.

How RFC 9535 semantics are kept (section 2.3.5.2.2):

- A query that selects nothing gives Nothing: `==` with a literal is false, `!=` true, the
  orderings false. Every access is guarded (`isinstance(x, dict) and 'a' in x`, `len(x) > 0`),
  so a missing member, an index out of range or a value of another type selects nothing.
- Values of different types are never equal nor ordered: `'1'` is not `1`, `true` is not `1`
  (Python's bool is an int, so number comparisons add `not isinstance(x, bool)`), `null` equals
  only `null` (`x is None`).
- Numbers compare by value (`1 == 1.0`); strings compare by code point and case-SENSITIVELY (unlike
  `simple` conditions). `<`, `<=`, `>`, `>=` hold only between two numbers or two strings; with
  `true`, `false` or `null` on one side, `<=` and `>=` reduce to `==` and `<`, `>` are false.
- A filter on an object tests its member values, on an array its elements, on anything else
  selects nothing. `$` on its own holds for any JSON value (not for None).
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, NoReturn, TypeAlias

if TYPE_CHECKING:  # the libraries are imported when a document has such criteria
    from elementpath import XPath1Parser
    from jsonpath import JSONPathEnvironment

from generator.emit import literal

__all__ = [
    "DEFAULT_JSONPATH_VERSION",
    "DEFAULT_XPATH_VERSION",
    "JSONPATH_VERSIONS",
    "XPATH_VERSIONS",
    "JSONPathSyntaxError",
    "check_jsonpath",
    "check_regex",
    "check_xpath",
    "jsonpath_to_python",
    "parse_jsonpath",
]

JSONPATH_VERSIONS: Final = ("rfc9535", "draft-goessner-dispatch-jsonpath-00")
"""Versions of a Criterion Expression Type `jsonpath`; both are evaluated as RFC 9535 (the
standard that grew out of the draft), so draft-only syntax such as script expressions fails."""
DEFAULT_JSONPATH_VERSION: Final = "rfc9535"

XPATH_VERSIONS: Final = ("xpath-31", "xpath-30", "xpath-20", "xpath-10")
DEFAULT_XPATH_VERSION: Final = "xpath-31"

_REGEX_DIALECT_NOTE: Final = "Arazzo names no regex dialect; conditions are Python `re` patterns"


# --- regex ----------------------------------------------------------------------------------


def check_regex(pattern: str) -> str | None:
    """A message when Python's `re` cannot compile `pattern`, else None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # FutureWarning about possible future syntax
            re.compile(pattern)
    except re.error as error:
        where = f" at offset {error.pos}" if error.pos is not None else ""
        return f"invalid regular expression{where}: {error.msg} ({_REGEX_DIALECT_NOTE})"
    except (OverflowError, RecursionError, ValueError) as error:
        return f"invalid regular expression: {error} ({_REGEX_DIALECT_NOTE})"
    return None


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
Comparable: TypeAlias = "JsonLiteral | Query | FunctionCall"
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
_FUNCTION_NAME: Final = re.compile(r"[a-z][a-z0-9_]*")
_ESCAPES: Final = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "/": "/", "\\": "\\"}


class JSONPathSyntaxError(ValueError):
    """A query that is not valid RFC 9535; `offset` counts characters from its start."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(f"invalid JSONPath at offset {offset}: {message}")
        self.offset = offset
        self.message = message


def parse_jsonpath(query: str) -> Query:
    """The syntax tree of an RFC 9535 query; raises JSONPathSyntaxError."""
    return _Parser(query).parse()


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


class _Parser:
    """Recursive descent over the RFC 9535 ABNF (section 2 and appendix A)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

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
            if isinstance(operand, JsonLiteral):
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

    def primary(self) -> JsonLiteral | Query | FunctionCall:
        start = self.pos
        char = self.peek()
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

    def check_comparable(self, operand: JsonLiteral | Query | FunctionCall) -> None:
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


# --- JSONPath checks ------------------------------------------------------------------------


def check_jsonpath(query: str, version: str | None = None) -> str | None:
    """A message when `query` is not a valid RFC 9535 query, else None.

    `version` is that of a Criterion Expression Type object (None: the default, rfc9535).
    """
    if version is not None and version not in JSONPATH_VERSIONS:
        return (
            f"unknown JSONPath version '{version}' (expected one of {', '.join(JSONPATH_VERSIONS)})"
        )
    try:
        parse_jsonpath(query)
    except JSONPathSyntaxError as error:
        return str(error)
    except RecursionError:
        return "invalid JSONPath: the query is nested too deeply"
    return _library_check(query)


@functools.cache
def _library() -> JSONPathEnvironment:
    from jsonpath import JSONPathEnvironment

    return JSONPathEnvironment(strict=True)


def _library_check(query: str) -> str | None:
    """The run-time library must accept what this module accepts (it should, always)."""
    from jsonpath import JSONPathError

    try:
        _library().compile(query)
    except JSONPathError as error:
        message = error.args[0] if error.args else error
        if isinstance(message, tuple) and message:  # some errors carry (message, token)
            message = message[0]
        offset = error.token.index if error.token is not None else 0
        return f"invalid JSONPath at offset {offset}: {message} (python-jsonpath)"
    except RecursionError:
        return "invalid JSONPath: the query is nested too deeply"
    return None


# --- XPath checks ---------------------------------------------------------------------------

_XPATH_PREFIX: Final = re.compile(r"(?<![\w.\-:$])([A-Za-z_][\w.\-]*):(?=[A-Za-z_*])")


def check_xpath(expression: str, version: str | None) -> str | None:
    """A message when `expression` is not valid XPath of `version` (None: xpath-31), else None.

    Namespace prefixes are not checked: at run time they are bound to the namespaces the
    XML document declares.
    """
    version = DEFAULT_XPATH_VERSION if version is None else version
    if version not in XPATH_VERSIONS:
        return f"unknown XPath version '{version}' (expected one of {', '.join(XPATH_VERSIONS)})"
    label = f"XPath {version[6]}.{version[7]}"
    from elementpath import ElementPathError

    try:
        for parser_class, options in _xpath_parsers(version):
            namespaces = {
                prefix: f"urn:arazzo-codegen:prefix:{prefix}"
                for prefix in _XPATH_PREFIX.findall(expression)
                if prefix not in parser_class.DEFAULT_NAMESPACES
            }
            parser_class(namespaces, **options).parse(expression)
    except ElementPathError as error:
        return f"invalid {label} expression: {error}"
    except (RecursionError, ValueError, TypeError, KeyError) as error:
        return f"invalid {label} expression: {error}"
    return None


def _xpath_parsers(version: str) -> list[tuple[type[XPath1Parser], dict[str, Any]]]:
    """How the run time (templates/_xpath.py) parses `version`: XPath 1.0 is checked by the 1.0
    parser and evaluated by the 2.0 parser in XPath 1.0 compatibility mode."""
    from elementpath import XPath1Parser, XPath2Parser
    from elementpath.xpath30 import XPath30Parser
    from elementpath.xpath31 import XPath31Parser

    if version == "xpath-10":
        return [(XPath1Parser, {}), (XPath2Parser, {"compatibility_mode": True})]
    if version == "xpath-20":
        return [(XPath2Parser, {})]
    if version == "xpath-30":
        return [(XPath30Parser, {})]
    return [(XPath31Parser, {})]


# --- JSONPath to Python ---------------------------------------------------------------------

# Python operator precedence, lowest first.
_IF, _OR, _AND, _NOT, _CMP, _ADD, _ATOM = range(7)
_NEGATED_OPS: Final = {
    "==": "!=",
    "!=": "==",
    "in": "not in",
    "not in": "in",
    "is": "is not",
    "is not": "is",
}
_SWAPPED_OPS: Final = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


@dataclass(frozen=True)
class _Py:
    """A Python expression and its precedence.

    `negation` is the expression a `not` of this one cancels to; `comparison` holds the parts of
    a comparison, whose `not` flips the operator (`!=` rather than `not ... ==`, as ruff asks).
    """

    text: str
    prec: int
    negation: _Py | None = None
    comparison: tuple[str, str, str] | None = None


_TRUE: Final = _Py("True", _ATOM)
_FALSE: Final = _Py("False", _ATOM)


def _wrap(expression: _Py, minimum: int) -> str:
    return f"({expression.text})" if expression.prec < minimum else expression.text


def _and(*operands: _Py) -> _Py:
    parts: list[_Py] = []
    for operand in operands:
        if operand == _FALSE:
            return _FALSE
        if operand != _TRUE:
            parts.append(operand)
    if not parts:
        return _TRUE
    if len(parts) == 1:
        return parts[0]
    return _Py(" and ".join(_wrap(part, _AND) for part in parts), _AND)


def _or(*operands: _Py) -> _Py:
    parts: list[_Py] = []
    for operand in operands:
        if operand == _TRUE:
            return _TRUE
        if operand != _FALSE:
            parts.append(operand)
    if not parts:
        return _FALSE
    if len(parts) == 1:
        return parts[0]
    # `and` binds tighter than `or`; the parentheses are for the reader.
    return _Py(" or ".join(_wrap(part, _NOT) for part in parts), _OR)


def _not(operand: _Py) -> _Py:
    if operand == _TRUE:
        return _FALSE
    if operand == _FALSE:
        return _TRUE
    if operand.negation is not None:
        return operand.negation
    if operand.comparison is not None and operand.comparison[1] in _NEGATED_OPS:
        left, op, right = operand.comparison
        return _compare(left, _NEGATED_OPS[op], right)
    return _Py("not " + _wrap(operand, _NOT), _NOT, negation=operand)


def _compare(left: str, op: str, right: str) -> _Py:
    return _Py(f"{left} {op} {right}", _CMP, comparison=(left, op, right))


def _call(function: str, *args: str) -> _Py:
    return _Py(f"{function}({', '.join(args)})", _ATOM)


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
    guard: _Py = _TRUE
    expr: str = ""
    numeric: bool = False  # statically known to be an int
    count_of: tuple[str, tuple[Segment, ...]] | None = None


class _Unsupported(Exception):
    pass


_BUILTINS_USED: Final = frozenset(
    {"isinstance", "len", "any", "sum", "dict", "list", "str", "int", "float", "bool"}
)


def jsonpath_to_python(query: str, value: str) -> str | None:
    """A Python boolean expression over `value` that holds iff `query` selects a node.

    None when the query is outside the subset described in the module docstring (or invalid).
    `value` is Python source for the context value, evaluated several times (so a local name);
    it must not use the names of the builtins the expression calls (ValueError).
    """
    if "\n" in value or "\r" in value:
        raise ValueError("value must be a one-line Python expression")
    compile(value, "<value>", "eval")  # raises SyntaxError for anything but an expression
    if check_jsonpath(query) is not None:
        return None
    names = set(re.findall(r"[A-Za-z_]\w*", value))
    if names & _BUILTINS_USED:
        raise ValueError(f"value must not use the names {', '.join(sorted(_BUILTINS_USED))}")
    parsed = parse_jsonpath(query)
    root = value if _is_atom(value) else f"({value})"
    translator = _Translator(root, names)
    try:
        if not parsed.segments:
            return _call("isinstance", root, "(dict, list, str, int, float)").text
        return translator.exists(root, parsed.segments, 0).text
    except _Unsupported:
        return None


def _is_atom(source: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][\w.]*(\(\))?", source) is not None


class _Translator:
    def __init__(self, root: str, taken: set[str]) -> None:
        self.root = root
        self.taken = taken

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

    def exists(self, expr: str, segments: tuple[Segment, ...], depth: int) -> _Py:
        if not segments:
            return _TRUE
        segment, rest = segments[0], segments[1:]
        if segment.descendant:
            raise _Unsupported
        return _or(*(self.exists_selector(expr, s, rest, depth) for s in segment.selectors))

    def exists_selector(
        self, expr: str, selector: Selector, rest: tuple[Segment, ...], depth: int
    ) -> _Py:
        if isinstance(selector, NameSelector):
            key = literal(selector.name)
            return _and(
                _call("isinstance", expr, "dict"),
                _compare(key, "in", expr),
                self.exists(f"{expr}[{key}]", rest, depth),
            )
        if isinstance(selector, IndexSelector):
            return _and(
                _call("isinstance", expr, "list"),
                self.length_covers(expr, selector.index),
                self.exists(f"{expr}[{literal(selector.index)}]", rest, depth),
            )
        if isinstance(selector, WildcardSelector):
            var = self.variable(depth + 1)
            return self.any(self.exists(var, rest, depth + 1), var, expr)
        if isinstance(selector, FilterSelector):
            var = self.variable(depth + 1)
            condition = self.logical(selector.expression, var, depth + 1)
            return self.any(_and(condition, self.exists(var, rest, depth + 1)), var, expr)
        raise _Unsupported  # slices

    @staticmethod
    def length_covers(expr: str, index: int) -> _Py:
        if index >= 0:
            return _compare(f"len({expr})", ">", literal(index))
        return _compare(f"len({expr})", ">=", literal(-index))

    def any(self, condition: _Py, var: str, expr: str) -> _Py:
        if condition == _FALSE:
            return _FALSE
        if condition == _TRUE:
            return _and(
                _call("isinstance", expr, "(dict, list)"), _compare(f"len({expr})", ">", "0")
            )
        return _Py(f"any({condition.text} for {var} in {self.children(expr)})", _ATOM)

    # -- number of nodes (count())

    def count(self, expr: str, segments: tuple[Segment, ...], depth: int) -> _Py:
        if not segments:
            return _Py("1", _ATOM)
        segment, rest = segments[0], segments[1:]
        if segment.descendant:
            raise _Unsupported
        terms = [self.count_selector(expr, s, rest, depth) for s in segment.selectors]
        if len(terms) == 1:
            return terms[0]
        return _Py(" + ".join(_wrap(term, _ADD) for term in terms), _ADD)

    def count_selector(
        self, expr: str, selector: Selector, rest: tuple[Segment, ...], depth: int
    ) -> _Py:
        if isinstance(selector, NameSelector | IndexSelector):
            if isinstance(selector, NameSelector):
                key = literal(selector.name)
                here = _and(_call("isinstance", expr, "dict"), _compare(key, "in", expr))
            else:
                key = literal(selector.index)
                here = _and(
                    _call("isinstance", expr, "list"), self.length_covers(expr, selector.index)
                )
            inner = self.count(f"{expr}[{key}]", rest, depth)
            return _Py(f"({_wrap(inner, _OR)} if {_wrap(here, _OR)} else 0)", _ATOM)
        var = self.variable(depth + 1)
        if isinstance(selector, WildcardSelector):
            condition = _TRUE
        elif isinstance(selector, FilterSelector):
            condition = self.logical(selector.expression, var, depth + 1)
        else:
            raise _Unsupported  # slices
        if not rest and condition == _TRUE:
            return _Py(f"(len({expr}) if isinstance({expr}, (dict, list)) else 0)", _ATOM)
        if Query(rest).singular:
            condition = _and(condition, self.exists(var, rest, depth + 1))
            if condition == _FALSE:
                return _Py("0", _ATOM)
            where = "" if condition == _TRUE else f" if {_wrap(condition, _OR)}"
            return _Py(f"sum(1 for {var} in {self.children(expr)}{where})", _ATOM)
        inner = self.count(var, rest, depth + 1)
        where = "" if condition == _TRUE else f" if {_wrap(condition, _OR)}"
        return _Py(f"sum({inner.text} for {var} in {self.children(expr)}{where})", _ATOM)

    # -- filter expressions

    def logical(self, expression: LogicalExpr, node: str, depth: int) -> _Py:
        if isinstance(expression, OrExpr):
            return _or(*(self.logical(e, node, depth) for e in expression.operands))
        if isinstance(expression, AndExpr):
            return _and(*(self.logical(e, node, depth) for e in expression.operands))
        if isinstance(expression, NotExpr):
            return _not(self.logical(expression.operand, node, depth))
        if isinstance(expression, Test):
            operand = expression.operand
            if isinstance(operand, Query):
                return self.exists(self.base(operand, node), operand.segments, depth)
            raise _Unsupported  # match() and search()
        return self.comparison(expression, node, depth)

    def base(self, query: Query, node: str) -> str:
        return node if query.relative else self.root

    def comparison(self, comparison: Comparison, node: str, depth: int) -> _Py:
        left = self.operand(comparison.left, node, depth)
        right = self.operand(comparison.right, node, depth)
        op = comparison.op
        if left.is_constant and right.is_constant:
            return _TRUE if _rfc_compare(left.constant, op, right.constant) else _FALSE
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
    ) -> _Py | None:
        """`count(q) > 0` is "q selects something", `count(q) == 0` its negation."""
        if isinstance(constant, bool) or not isinstance(constant, int | float):
            return None
        some = {(">", 0), (">=", 1), ("!=", 0)}
        none = {("==", 0), ("<", 1), ("<=", 0)}
        if (op, constant) in some:
            return self.exists(*query, depth)
        if (op, constant) in none:
            return _not(self.exists(*query, depth))
        return None

    def operand(self, operand: Comparable, node: str, depth: int) -> _Operand:
        if isinstance(operand, JsonLiteral):
            return _Operand(constant=operand.value, is_constant=True)
        if isinstance(operand, Query):
            return self.singular(operand, node)
        args = operand.args
        if operand.name == "count" and isinstance(args[0], Query):
            base = self.base(args[0], node)
            counted = self.count(base, args[0].segments, depth)
            return _Operand(
                expr=_wrap(counted, _ATOM),
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
                guard = _and(value.guard, _call("isinstance", value.expr, "(str, list, dict)"))
                return _Operand(guard=guard, expr=f"len({value.expr})", numeric=True)
        if operand.name == "value" and isinstance(args[0], Query) and args[0].singular:
            return self.singular(args[0], node)
        raise _Unsupported

    def singular(self, query: Query, node: str) -> _Operand:
        if not query.singular:  # pragma: no cover - the parser only lets singular ones here
            raise _Unsupported
        expr = self.base(query, node)
        guards: list[_Py] = []
        for segment in query.segments:
            selector = segment.selectors[0]
            if isinstance(selector, NameSelector):
                key = literal(selector.name)
                guards += [_call("isinstance", expr, "dict"), _compare(key, "in", expr)]
            else:
                assert isinstance(selector, IndexSelector)
                key = literal(selector.index)
                guards += [
                    _call("isinstance", expr, "list"),
                    self.length_covers(expr, selector.index),
                ]
            expr = f"{expr}[{key}]"
        return _Operand(guard=_and(*guards), expr=expr)

    @staticmethod
    def against_literal(value: _Operand, op: str, constant: JsonScalar) -> _Py:
        x = value.expr
        text = literal(constant)
        is_number = isinstance(constant, int | float) and not isinstance(constant, bool)

        def equal() -> _Py:
            if value.numeric and not is_number:
                return _FALSE  # and no `len(x) == 'a'`, which mypy's strict equality refuses
            if constant is None or isinstance(constant, bool):
                return _compare(x, "is", text)
            if isinstance(constant, str) or value.numeric:
                return _compare(x, "==", text)
            return _and(_not(_call("isinstance", x, "bool")), _compare(x, "==", text))

        def ordered(python_op: str) -> _Py:
            if value.numeric and not is_number:
                return _FALSE
            if isinstance(constant, str):
                return _and(_call("isinstance", x, "str"), _compare(x, python_op, text))
            if is_number:
                if value.numeric:
                    return _compare(x, python_op, text)
                return _and(
                    _call("isinstance", x, "(int, float)"),
                    _not(_call("isinstance", x, "bool")),
                    _compare(x, python_op, text),
                )
            # true, false and null are not ordered: a <= b is then a == b.
            return equal() if python_op in ("<=", ">=") else _FALSE

        if op == "==":
            return _and(value.guard, equal())
        if op == "!=":
            return _not(_and(value.guard, equal()))
        return _and(value.guard, ordered(op))


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
