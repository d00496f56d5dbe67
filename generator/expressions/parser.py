"""Parsers for runtime expressions, string templates and simple conditions.

Runtime expressions use the Arazzo 1.1 structure (which 1.0.1 documents follow in practice):
step, workflow and source ids are `[A-Za-z0-9_-]+`; input, output and component names are
`[A-Za-z0-9._-]+` (so `$inputs.a.b` names an input called `a.b`); header, query and path
parameter names are RFC 7230 tokens; values are drilled into with `#` JSON pointers only.

Templates embed expressions as `{$...}`, or bare (`Bearer $steps.a.outputs.t`) as real documents
do. Conditions are the Arazzo "simple" criteria language: literals, runtime expressions, `[i]` and
`.name` postfixes, comparisons, `!`, `&&`, `||` and parentheses.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from generator.expressions.ast import (
    And,
    Compare,
    CompareOp,
    ComponentKind,
    ComponentRef,
    Condition,
    Embedded,
    Expression,
    ExpressionOperand,
    Index,
    InputRef,
    LiteralValue,
    MessageKind,
    MessageRef,
    MessageSource,
    Method,
    Not,
    Or,
    OutputRef,
    Property,
    Self,
    SourceRef,
    StatusCode,
    StepRef,
    Template,
    Url,
    WorkflowField,
    WorkflowRef,
)

__all__ = [
    "ExpressionSyntaxError",
    "is_whole_expression",
    "parse_condition",
    "parse_expression",
    "parse_template",
]


class ExpressionSyntaxError(Exception):
    """A syntax error; `offset` is the 0-based character index of the problem in the parsed text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


# ---- runtime expressions -----------------------------------------------------------------

_WORD: Final = frozenset(string.ascii_letters + string.digits + "_")
_STRICT_ID: Final = _WORD | {"-"}
_NAME: Final = _STRICT_ID | {"."}
_TCHAR: Final = _WORD | frozenset("!#$%&'*+-.^`|~")
_BRACES: Final = frozenset("{}")
# Where an unbraced expression in a template ends (besides whitespace and characters its grammar
# does not allow): punctuation that follows a value in prose, URLs, JSON and markup.
_BARE_STOP: Final = frozenset(",;&\"'()[]{}?=<>|!`\\")
_BARE_TCHAR: Final = _TCHAR - _BARE_STOP - {"#", "$"}

_KNOWN_ROOTS: Final = (
    "$url, $method, $statusCode, $self, $request., $response., $inputs., $outputs., $steps., "
    "$workflows., $sourceDescriptions. or $components."
)


class _Scanner:
    """Reads one runtime expression from the `$` at `start`, never past `limit`.

    In bare mode (an unbraced expression inside a template) every run of characters also stops
    at whitespace and at `_BARE_STOP`, and trailing dots are left out (`Hello $inputs.name.`).
    Error offsets are indexes into the whole `text`.
    """

    def __init__(self, text: str, start: int, limit: int, *, bare: bool) -> None:
        self.text = text
        self.start = start
        self.limit = limit
        self.bare = bare
        self.pos = start

    def error(self, message: str, offset: int | None = None) -> ExpressionSyntaxError:
        return ExpressionSyntaxError(message, self.pos if offset is None else offset)

    def consumed(self) -> str:
        return self.text[self.start : self.pos]

    def snippet(self) -> str:
        """The expression text as the user wrote it, for error messages."""
        if not self.bare:
            return self.text[self.start : self.limit]
        end = self.start + 1
        while end < self.limit and not self.stops_at(self.text[end]):
            end += 1
        return self.text[self.start : end]

    def char(self) -> str:
        return self.text[self.pos] if self.pos < self.limit else ""

    def accept(self, literal: str) -> bool:
        if self.text.startswith(literal, self.pos, self.limit):
            self.pos += len(literal)
            return True
        return False

    def stops_at(self, char: str) -> bool:
        return self.bare and (char.isspace() or char in _BARE_STOP)

    def token_chars(self) -> frozenset[str]:
        return _BARE_TCHAR if self.bare else _TCHAR

    def take_run(self, allowed: frozenset[str] | None) -> str:
        """Consume the longest run of `allowed` characters (None: anything but braces)."""
        begin = self.pos
        while self.pos < self.limit and self._allows(self.text[self.pos], allowed):
            self.pos += 1
        self._drop_trailing_dots(begin)
        return self.text[begin : self.pos]

    def take_name(self, allowed: frozenset[str] | None, what: str) -> str:
        name = self.take_run(allowed)
        if not name:
            raise self.error(f"expected {what} after '{self.consumed()}'")
        return name

    def take_pointer(self) -> str | None:
        """Consume an optional `#` JSON pointer; return it in its escaped form."""
        if not self.accept("#"):
            return None
        begin = self.pos
        if self.char() not in ("", "/") and self._allows(self.char(), None):
            raise self.error("a JSON pointer must be empty or start with '/'")
        while self.pos < self.limit and self._allows(self.char(), None):
            if self.char() == "~" and not self.text.startswith(("~0", "~1"), self.pos, self.limit):
                raise self.error(
                    "'~' in a JSON pointer must be followed by '0' (for '~') or '1' (for '/')"
                )
            self.pos += 1
        self._drop_trailing_dots(begin)
        return self.text[begin : self.pos]

    def _allows(self, char: str, allowed: frozenset[str] | None) -> bool:
        if self.stops_at(char):
            return False
        return char not in _BRACES if allowed is None else char in allowed

    def _drop_trailing_dots(self, begin: int) -> None:
        if self.bare:
            while self.pos > begin and self.text[self.pos - 1] == ".":
                self.pos -= 1


def _message_ref(sc: _Scanner, kind: MessageKind) -> Expression:
    sources: tuple[tuple[MessageSource, str], ...] = (
        ("header", "a header name"),
        ("query", "a query parameter name"),
        ("path", "a path parameter name"),
    )
    for source, what in sources:
        if sc.accept(source + "."):
            return MessageRef(kind, source, sc.take_name(sc.token_chars(), what))
    begin = sc.pos
    if sc.accept("body") and sc.char() not in _WORD:
        _reject_dotted_access(sc)
        return MessageRef(kind, "body", "", sc.take_pointer())
    raise sc.error(f"expected 'header.', 'query.', 'path.' or 'body' after '${kind}.'", begin)


def _reject_dotted_access(sc: _Scanner) -> None:
    """`$response.body.a.b` is a common mistake for `$response.body#/a/b`."""
    if sc.char() != "." or sc.pos + 1 >= sc.limit or sc.text[sc.pos + 1] not in _WORD:
        return
    end = sc.pos + 1
    while end < sc.limit and sc.text[end] in _NAME:
        end += 1
    path = sc.text[sc.pos : end].rstrip(".")
    hint = sc.consumed() + "#" + path.replace(".", "/")
    raise sc.error(
        f"unexpected '{path}' after '{sc.consumed()}'; use a JSON pointer such as '{hint}'"
    )


def _input_ref(sc: _Scanner) -> Expression:
    name = sc.take_name(_NAME, "an input name")
    return InputRef(name, sc.take_pointer())


def _output_ref(sc: _Scanner) -> Expression:
    name = sc.take_name(_NAME, "an output name")
    return OutputRef(name, sc.take_pointer())


def _step_ref(sc: _Scanner) -> Expression:
    step_id = sc.take_name(_STRICT_ID, "a step id")
    if not sc.accept(".outputs."):
        message = f"expected '.outputs.' after the step id in '{sc.snippet()}'"
        if ".outputs." in sc.text[sc.pos : sc.limit]:
            message += "; step ids cannot contain '.'"
        raise sc.error(message)
    name = sc.take_name(_NAME, "an output name")
    return StepRef(step_id, name, sc.take_pointer())


def _workflow_ref(sc: _Scanner) -> Expression:
    workflow_id = sc.take_name(_STRICT_ID, "a workflow id")
    fields: tuple[tuple[WorkflowField, str], ...] = (
        ("inputs", "an input name"),
        ("outputs", "an output name"),
    )
    for field, what in fields:
        if sc.accept(f".{field}."):
            name = sc.take_name(_NAME, what)
            return WorkflowRef(workflow_id, field, name, sc.take_pointer())
    raise sc.error(f"expected '.inputs.' or '.outputs.' after the workflow id in '{sc.snippet()}'")


def _source_ref(sc: _Scanner) -> Expression:
    source = sc.take_name(_STRICT_ID, "a source description name")
    what = "an operationId, workflowId or field name"
    if not sc.accept("."):
        raise sc.error(f"expected '.' and {what} after the source name in '{sc.snippet()}'")
    return SourceRef(source, sc.take_name(None, what))


def _component_ref(sc: _Scanner) -> Expression:
    kinds: tuple[ComponentKind, ...] = ("parameters", "inputs", "successActions", "failureActions")
    begin = sc.pos
    word = sc.take_run(_WORD)
    kind = next((k for k in kinds if k == word), None)
    if kind is None:
        raise sc.error(
            "expected 'parameters.', 'inputs.', 'successActions.' or 'failureActions.' "
            "after '$components.'",
            begin,
        )
    if not sc.accept("."):
        raise sc.error(f"expected '.' and a component name after '$components.{kind}'")
    return ComponentRef(kind, sc.take_name(_NAME, "a component name"))


_SIMPLE_ROOTS: Final[dict[str, Expression]] = {
    "url": Url(),
    "method": Method(),
    "statusCode": StatusCode(),
    "self": Self(),
}
_ROOT_PARSERS: Final[dict[str, Callable[[_Scanner], Expression]]] = {
    "request": lambda sc: _message_ref(sc, "request"),
    "response": lambda sc: _message_ref(sc, "response"),
    "inputs": _input_ref,
    "outputs": _output_ref,
    "steps": _step_ref,
    "workflows": _workflow_ref,
    "sourceDescriptions": _source_ref,
    "components": _component_ref,
}


def _unknown_root_message(word: str) -> str:
    if word == "message":
        return "'$message' expressions (AsyncAPI, Arazzo 1.1) are not supported"
    if not word:
        return f"expected a runtime expression after '$': {_KNOWN_ROOTS}"
    return f"unknown runtime expression '${word}'; expected {_KNOWN_ROOTS}"


def _parse_root(sc: _Scanner) -> Expression:
    if not sc.accept("$"):
        raise sc.error("a runtime expression must start with '$'")
    word = sc.take_run(_WORD)
    simple = _SIMPLE_ROOTS.get(word)
    if simple is not None:
        return simple
    parse_rest = _ROOT_PARSERS.get(word)
    if parse_rest is None:
        raise sc.error(_unknown_root_message(word), sc.start)
    if not sc.accept("."):
        raise sc.error(f"expected '.' after '${word}'")
    return parse_rest(sc)


def _parse_strict(text: str, start: int, limit: int) -> Expression:
    """Parse `text[start:limit]` as exactly one runtime expression."""
    sc = _Scanner(text, start, limit, bare=False)
    expression = _parse_root(sc)
    if sc.pos < limit:
        rest = text[sc.pos : limit]
        if rest[0] in _BRACES:
            raise sc.error(f"'{rest[0]}' is not allowed in a runtime expression")
        raise sc.error(f"unexpected text '{rest}' after '{sc.consumed()}'")
    return expression


def parse_expression(text: str) -> Expression:
    """Parse a whole runtime expression such as `$steps.login.outputs.token#/value`."""
    return _parse_strict(text, 0, len(text))


def is_whole_expression(text: str) -> bool:
    """True when `text` is exactly one runtime expression (so its value keeps its type)."""
    if not text.startswith("$"):
        return False
    try:
        parse_expression(text)
    except ExpressionSyntaxError:
        return False
    return True


# ---- templates ---------------------------------------------------------------------------

_CANDIDATE: Final = re.compile(r"\{\$|\$")


def _starts_bare_expression(text: str, index: int) -> bool:
    """Whether the `$` at `index` begins an unbraced expression rather than literal text."""
    if index > 0 and text[index - 1] in _WORD:
        return False
    end = index + 1
    while end < len(text) and text[end] in _WORD:
        end += 1
    word = text[index + 1 : end]
    return word in _SIMPLE_ROOTS or (word in _ROOT_PARSERS and text.startswith(".", end))


def _embedded_at(text: str, index: int) -> tuple[Embedded, int] | None:
    """The expression embedded at `index` and the index just past it, or None for literal text."""
    if text.startswith("{$", index):
        close = text.find("}", index + 2)
        if close < 0:
            raise ExpressionSyntaxError(
                "'{$' is never closed: expected '}' after the expression", index
            )
        expression = _parse_strict(text, index + 1, close)
        return Embedded(expression, braced=True, offset=index), close + 1
    if _starts_bare_expression(text, index):
        sc = _Scanner(text, index, len(text), bare=True)
        return Embedded(_parse_root(sc), braced=False, offset=index), sc.pos
    return None


def parse_template(text: str) -> Template:
    """Split a string into literal text and embedded runtime expressions."""
    parts: list[str | Embedded] = []
    literal_start = search_from = 0
    while match := _CANDIDATE.search(text, search_from):
        found = _embedded_at(text, match.start())
        if found is None:
            search_from = match.start() + 1
            continue
        embedded, end = found
        if match.start() > literal_start:
            parts.append(text[literal_start : match.start()])
        parts.append(embedded)
        literal_start = search_from = end
    if literal_start < len(text):
        parts.append(text[literal_start:])
    return Template(tuple(parts))


# ---- simple conditions -------------------------------------------------------------------

_TokenKind = Literal["operand", "word", "property", "operator", "end"]

_OPERATORS: Final = ("==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "[", "]")
_COMPARE_OPS: Final[dict[str, CompareOp]] = {
    "==": "==",
    "!=": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}
_LONE_OPERATORS: Final = {"=": "==", "&": "&&", "|": "||"}
_KEYWORDS: Final[dict[str, bool | None]] = {"null": None, "true": True, "false": False}
_EXPRESSION_STOP: Final = frozenset("=!<>&|()[]")
_WORD_STOP: Final = _EXPRESSION_STOP | frozenset("'\"")
_NUMBER: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_PROPERTY: Final = re.compile(r"\.([A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class _Token:
    kind: _TokenKind
    text: str
    offset: int
    node: LiteralValue | ExpressionOperand | None = None


def _run_until(text: str, start: int, stops: frozenset[str]) -> int:
    end = start
    while end < len(text) and not text[end].isspace() and text[end] not in stops:
        end += 1
    return end


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _expression_token(text: str, start: int) -> _Token:
    end = _run_until(text, start, _EXPRESSION_STOP)
    operand = ExpressionOperand(_parse_strict(text, start, end))
    return _Token("operand", text[start:end], start, operand)


def _single_quoted_token(text: str, start: int) -> _Token:
    chunks: list[str] = []
    index = start + 1
    while (close := text.find("'", index)) >= 0:
        chunks.append(text[index:close])
        if not text.startswith("''", close):
            value = LiteralValue("".join(chunks))
            return _Token("operand", text[start : close + 1], start, value)
        chunks.append("'")
        index = close + 2
    raise ExpressionSyntaxError('unterminated string: expected a closing "\'"', start)


def _double_quoted_token(text: str, start: int) -> _Token:
    chars: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == '"':
            value = LiteralValue("".join(chars))
            return _Token("operand", text[start : index + 1], start, value)
        if char == "\\" and text[index + 1 : index + 2] in ('"', "\\"):
            index += 1
            char = text[index]
        chars.append(char)
        index += 1
    raise ExpressionSyntaxError("unterminated string: expected a closing '\"'", start)


def _number_token(text: str, start: int) -> _Token:
    match = _NUMBER.match(text, start)
    end = _run_until(text, start, _WORD_STOP)
    if match is None or match.end() != end:
        raise ExpressionSyntaxError(f"invalid number '{text[start:end]}'", start)
    number: int | float = float(match[0]) if match[1] or match[2] else int(match[0])
    return _Token("operand", match[0], start, LiteralValue(number))


def _word_token(text: str, start: int) -> _Token:
    word = text[start : _run_until(text, start, _WORD_STOP)]
    if word in _KEYWORDS:
        return _Token("operand", word, start, LiteralValue(_KEYWORDS[word]))
    return _Token("word", word, start)


def _symbol_token(text: str, start: int) -> _Token:
    for operator in _OPERATORS:
        if text.startswith(operator, start):
            return _Token("operator", operator, start)
    char = text[start]
    if char in _LONE_OPERATORS:
        raise ExpressionSyntaxError(
            f"'{char}' is not an operator; did you mean '{_LONE_OPERATORS[char]}'?", start
        )
    if match := _PROPERTY.match(text, start):
        return _Token("property", match[0], start)
    if char == ".":
        raise ExpressionSyntaxError("expected a property name after '.'", start)
    end = max(_run_until(text, start, _WORD_STOP), start + 1)
    raise ExpressionSyntaxError(f"unexpected text '{text[start:end]}'", start)


def _read_token(text: str, start: int) -> _Token:
    if start >= len(text):
        return _Token("end", "", len(text))
    char = text[start]
    if char == "$":
        return _expression_token(text, start)
    if char == "'":
        return _single_quoted_token(text, start)
    if char == '"':
        return _double_quoted_token(text, start)
    if char == "-" or char in string.digits:
        return _number_token(text, start)
    if char.isalpha() or char == "_":
        return _word_token(text, start)
    return _symbol_token(text, start)


class _ConditionParser:
    """Recursive descent over lazily read tokens, so errors come out in text order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.previous: _Token | None = None
        self.token = _read_token(text, _skip_space(text, 0))

    def advance(self) -> _Token:
        self.previous = self.token
        next_start = _skip_space(self.text, self.token.offset + len(self.token.text))
        self.token = _read_token(self.text, next_start)
        return self.previous

    def at(self, operator: str) -> bool:
        return self.token.kind == "operator" and self.token.text == operator

    def error(self, message: str, offset: int | None = None) -> ExpressionSyntaxError:
        return ExpressionSyntaxError(message, self.token.offset if offset is None else offset)

    def parse(self) -> Condition:
        condition = self.disjunction()
        if self.token.kind != "end":
            raise self.unexpected()
        return condition

    def unexpected(self) -> ExpressionSyntaxError:
        if self.at(")"):
            return self.error("unbalanced parenthesis: ')' has no matching '('")
        return self.error(f"unexpected text '{self.token.text}'")

    def disjunction(self) -> Condition:
        left = self.conjunction()
        while self.at("||"):
            self.advance()
            left = Or(left, self.conjunction())
        return left

    def conjunction(self) -> Condition:
        left = self.negation()
        while self.at("&&"):
            self.advance()
            left = And(left, self.negation())
        return left

    def negation(self) -> Condition:
        if self.at("!"):
            self.advance()
            return Not(self.negation())
        return self.comparison()

    def comparison(self) -> Condition:
        left = self.primary()
        op = _COMPARE_OPS.get(self.token.text) if self.token.kind == "operator" else None
        if op is None:
            return left
        self.advance()
        right = self.primary()
        if self.token.kind == "operator" and self.token.text in _COMPARE_OPS:
            raise self.error("comparisons cannot be chained; combine them with '&&'")
        return Compare(op, left, right)

    def primary(self) -> Condition:
        token = self.token
        if isinstance(token.node, LiteralValue):
            self.advance()
            return token.node
        if isinstance(token.node, ExpressionOperand):
            self.advance()
            return self.postfix(token.node)
        if token.kind == "word":
            raise self.error(f"unknown word '{token.text}'; strings must be quoted")
        if self.at("("):
            return self.postfix(self.parenthesised())
        if self.previous is None:
            raise self.error("expected a condition")
        raise self.error(f"expected an operand after '{self.previous.text}'")

    def parenthesised(self) -> Condition:
        opening = self.advance()
        inner = self.disjunction()
        if self.token.kind == "end":
            raise self.error("unbalanced parenthesis: '(' is never closed", opening.offset)
        if not self.at(")"):
            raise self.unexpected()
        self.advance()
        return inner

    def postfix(self, target: Condition) -> Condition:
        while True:
            if self.at("["):
                target = Index(target, self.index())
            elif self.token.kind == "property":
                target = Property(target, self.advance().text[1:])
            else:
                return target

    def index(self) -> int | str:
        self.advance()
        node = self.token.node
        value = node.value if isinstance(node, LiteralValue) else None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.error("expected a non-negative integer or a quoted string inside '[ ]'")
        if isinstance(value, int) and value < 0:
            raise self.error("expected a non-negative integer or a quoted string inside '[ ]'")
        self.advance()
        if not self.at("]"):
            raise self.error("expected ']' after the index")
        self.advance()
        return value


def parse_condition(text: str) -> Condition:
    """Parse an Arazzo simple condition such as `$statusCode == 200 && $response.body#/ok`."""
    return _ConditionParser(text).parse()
