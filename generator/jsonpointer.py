"""JSON Pointer (RFC 6901): the compiler's one implementation (the generated packages carry
theirs in `_runtime`).

A pointer is kept in its escaped text form (`/a~1b/0`); `tokens` gives its unescaped reference
tokens. An array index is `0` or ASCII digits without a leading zero: `01`, `-` (the end of an
array) and `²` (a Unicode digit) are not indexes.
"""

from __future__ import annotations

import re
from typing import Any, Final

__all__ = ["array_index", "resolve", "tokens"]

_ARRAY_INDEX: Final = re.compile(r"0|[1-9][0-9]*")
_BAD_ESCAPE: Final = re.compile(r"~(?![01])")


def tokens(pointer: str) -> list[str]:
    """The unescaped tokens of a pointer (`/a~1b/c` -> `["a/b", "c"]`); ValueError when
    `pointer` is not a JSON pointer."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer must start with '/': {pointer!r}")
    if _BAD_ESCAPE.search(pointer):
        raise ValueError(f"'~' in a JSON pointer must be followed by '0' or '1': {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def array_index(token: str) -> int | None:
    """The array index a token stands for, or None when it is not one."""
    return int(token) if _ARRAY_INDEX.fullmatch(token) else None


def resolve(document: Any, pointer: str) -> tuple[bool, Any]:
    """The value at `pointer` in `document`: (found, value); (False, None) when there is none
    or `pointer` is not a JSON pointer."""
    try:
        parts = tokens(pointer)
    except ValueError:
        return False, None
    value = document
    for token in parts:
        if isinstance(value, dict) and token in value:
            value = value[token]
            continue
        index = array_index(token) if isinstance(value, list) else None
        if index is None or index >= len(value):
            return False, None
        value = value[index]
    return True, value
