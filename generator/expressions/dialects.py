"""Non-standard forms of runtime expressions that real documents use, and their standard form.

Each repair returns the expression the author evidently meant; the compiler accepts it with a
warning that shows the standard form (an error under --strict).
"""

from __future__ import annotations

import re

from generator.expressions import ast

_DOTTED_BODY = re.compile(r"^\$(request|response)\.body\.([A-Za-z0-9_.\-\[\]]+)$")
_STEP_WITHOUT_OUTPUTS = re.compile(r"^\$steps\.([A-Za-z0-9_\-]+)\.(?!outputs\.)([A-Za-z0-9_.\-]+)$")
_INDEX = re.compile(r"\[(\d+)\]")
_PLURAL_HEADERS = re.compile(r"^\$(request|response)\.headers\.(.+)$")
_POINTER_WITHOUT_SLASH = re.compile(r"^(\$[^#]+)#([^/].*)$")
# `$steps.s.outputs.list[0].id`, `$outputs.data[0].id`, `$inputs.x[1]`: an index and
# properties after a name, where the standard form uses a JSON pointer.
# Dots may come before the index (`$steps.s.outputs.users.data[0].id`): they stay in the name,
# which the compiler then splits at the output or input that exists.
_INDEXED_NAME = re.compile(
    r"^(\$(?:steps\.[A-Za-z0-9_\-]+\.outputs|outputs|inputs)\.[A-Za-z0-9_.\-]+)"
    r"((?:\[\d+\])(?:\.[A-Za-z0-9_\-]+|\[\d+\])*)$"
)


def _pointer(dotted: str) -> str:
    """`a.b[0].c` -> `/a/b/0/c`"""
    path = _INDEX.sub(r".\1", dotted).lstrip(".")
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in path.split("."))


def repair_text(text: str) -> str | None:
    """The standard text of a whole expression written in a known dialect, or None."""
    body = _DOTTED_BODY.match(text)
    if body:
        return f"${body.group(1)}.body#{_pointer(body.group(2))}"
    step = _STEP_WITHOUT_OUTPUTS.match(text)
    if step:
        return f"$steps.{step.group(1)}.outputs.{step.group(2)}"
    headers = _PLURAL_HEADERS.match(text)
    if headers:
        return f"${headers.group(1)}.header.{headers.group(2)}"
    pointer = _POINTER_WITHOUT_SLASH.match(text)
    if pointer:
        return f"{pointer.group(1)}#/{pointer.group(2)}"
    indexed = _INDEXED_NAME.match(text)
    if indexed:
        return f"{indexed.group(1)}#{_pointer(indexed.group(2).lstrip('.'))}"
    return None


def split_dotted_name(name: str, known: set[str]) -> tuple[str, str] | None:
    """`customer.firstName` -> (`customer`, `/firstName`) when `customer` is known and the
    dotted name is not: the author drilled into a value with dots instead of `#/pointer`."""
    if name in known or "." not in name:
        return None
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in known:
            return head, _pointer(".".join(parts[cut:]))
    return None


def with_pointer(expression: ast.Expression, name: str, pointer: str) -> ast.Expression:
    """The same reference with its name shortened and a pointer into its value."""
    match expression:
        case ast.InputRef(pointer=existing):
            return ast.InputRef(name, pointer + (existing or ""))
        case ast.StepRef(step_id=step_id, pointer=existing):
            return ast.StepRef(step_id, name, pointer + (existing or ""))
        case _:
            return expression


_DOTTED_BODY_IN_TEXT = re.compile(
    r"\$(request|response)\.body\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*)"
)


def repair_condition(condition: str) -> str | None:
    """A simple condition with dotted body access (`$response.body.status == 'ok'`) in the
    standard form (`$response.body#/status == 'ok'`), or None when there is none."""
    repaired = _DOTTED_BODY_IN_TEXT.sub(
        lambda m: f"${m.group(1)}.body#{_pointer(m.group(2))}", condition
    )
    return repaired if repaired != condition else None


_BARE_TOKEN = re.compile(r"\$[A-Za-z][^\s{}\"',;&)]*")


def repair_template(text: str) -> str | None:
    """A string with embedded expressions whose dialect parts (`Bearer $steps.s.token`) are
    rewritten in the standard form, or None when nothing could be repaired."""
    from generator.expressions.parser import ExpressionSyntaxError, parse_template

    def fix(match: re.Match[str]) -> str:
        repaired = repair_text(match.group(0).rstrip("."))
        return repaired if repaired is not None else match.group(0)

    repaired = _BARE_TOKEN.sub(fix, text)
    if repaired == text:
        return None
    try:
        parse_template(repaired)
    except ExpressionSyntaxError:
        return None
    return repaired
