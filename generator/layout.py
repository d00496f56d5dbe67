"""Long generated statements laid out the way black lays them out, before black runs.

black formats a module twice when its first pass changed anything, so text that is already
in black's layout costs half as much to format. The lowering builds statements on one line;
`fit` splits those that are too long at their last bracket pair, as black's right-hand split
does: the bracket's contents on one indented line when they fit there, else one item per
line with a trailing comma, each item split the same way. black still formats the result,
so a layout that differs from black's costs time, never correctness (tests/test_format.py
checks that the text black makes of it is the same either way).

Fragments come from the emitters: string literals are single-line, and there are no comments.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

LINE_LENGTH = 100
INDENT = "    "
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = frozenset(_OPENERS.values())


@dataclass(frozen=True)
class _Group:
    """`text` as head + opener + items + closer + tail, split at its last bracket pair."""

    head: str
    opener: str
    items: tuple[str, ...]
    closer: str
    tail: str


def fit(code: str, column: int, indent: str = "") -> str:
    """`code` (one line, starting at `column`) laid out within LINE_LENGTH; continuation
    lines start with `indent` (the text the line itself will be indented by, if any)."""
    return "\n".join(_lines(code, column, indent, inside=False))


def _lines(code: str, column: int, indent: str, *, inside: bool) -> list[str]:
    """`inside`: the line is an item inside brackets, where black first splits at operators."""
    if column + len(code) <= LINE_LENGTH:
        return [code]
    inner = indent + INDENT
    inner_column = column + len(INDENT)
    operands = _operands(code) if inside else []
    if len(operands) > 1:
        # One operand per line, each after its operator (black's delimiter split).
        first = _lines(operands[0], column, indent, inside=True)
        return first + [line for op in operands[1:] for line in _placed(op, column, indent)]
    group = _last_group(code)
    if group is None or not group.items:
        # `name: T = <one long atom>`: black puts an annotated value in parentheses (a plain
        # assignment's only when it then fits).
        head, equals, value = code.partition(" = ")
        fits = inner_column + len(value) <= LINE_LENGTH or ": " in head
        if equals and not inside and _last_group(value) is None and fits:
            return [head + equals + "(", inner + value, indent + ")"]
        return [code]
    body = ", ".join(group.items)
    opening = group.head + group.opener
    closing = indent + group.closer + group.tail
    # A collection display (not a call or subscript) of several items: black explodes it.
    head = group.head.rstrip()
    display = len(group.items) > 1 and not (head[-1:].isidentifier() or head.endswith((")", "]")))
    if inner_column + len(body) <= LINE_LENGTH and not display:
        return [opening, inner + body, closing]
    # One item per line, with a trailing comma unless there is a single item.
    items = [group.items[0]] if len(group.items) == 1 else [i + "," for i in group.items]
    return [
        opening,
        *(line for item in items for line in _placed(item, inner_column, inner)),
        closing,
    ]


def _placed(code: str, column: int, indent: str) -> list[str]:
    """The lines of `code`, an item or operand inside brackets, the first indented too."""
    first, *rest = _lines(code, column, indent, inside=True)
    return [indent + first, *rest]


def _operands(code: str) -> list[str]:
    """`code` cut before its outermost operators of the kind black splits at first: `and` and
    `or`, else `+` (unless a comparison, which black would split at first, is there too).
    Every operand but the first starts with its operator."""
    found: dict[str, list[int]] = {"logic": [], "compare": [], "plus": []}
    for index, token, depth in _code_characters(code):
        if depth == 0 and token in _OPERATOR_KINDS:
            found[_OPERATOR_KINDS[token]].append(index)
    cuts = found["logic"] or ([] if found["compare"] else found["plus"])
    bounds = [0, *cuts, len(code)]
    return [code[a:b].strip() for a, b in itertools.pairwise(bounds)]


def _last_group(code: str) -> _Group | None:
    """The last top-level bracket pair of `code`, with its items (split at its own commas)."""
    opened = closed = -1
    commas: list[int] = []
    depth = 0
    for index, char, depth in _code_characters(code):
        if depth < 0:
            return None
        if char in _OPENERS and depth == 1:
            opened, commas = index, []
        elif char in _CLOSERS and depth == 0:
            closed = index
        elif char == "," and depth == 1:
            commas.append(index)
    if depth != 0 or opened < 0 or closed < opened:
        return None
    bounds = [opened, *commas, closed]
    items = tuple(code[a + 1 : b].strip() for a, b in itertools.pairwise(bounds))
    if items and not items[-1]:
        return None  # a trailing comma already: black keeps it exploded, leave it to black
    return _Group(code[:opened], code[opened], items, code[closed], code[closed + 1 :])


# String literals (skipped whole), brackets, commas and the binary operators (between spaces)
# the layout cares about.
_TOKENS = re.compile(
    r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|[()\[\]{},]"""
    r"|(?<= )(?:and|or|\+|==|!=|<=|>=|<|>|in|is)(?= )"
)
_OPERATOR_KINDS = {"and": "logic", "or": "logic", "+": "plus"} | {
    op: "compare" for op in ("==", "!=", "<=", ">=", "<", ">", "in", "is")
}


def _code_characters(code: str) -> Iterator[tuple[int, str, int]]:
    """Each bracket, comma and operator of `code` outside string literals, with the bracket
    depth after it."""
    depth = 0
    for match in _TOKENS.finditer(code):
        char = match.group()
        if char[0] in "'\"":  # a string literal
            continue
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
        yield match.start(), char, depth
