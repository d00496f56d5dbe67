"""Reading plain document data into typed objects, reporting shape problems with locations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from generator.diagnostics import Diagnostics, Location
from generator.load.source import LoadedDocument, pointer_join

_TYPE_NAMES: dict[type, str] = {
    str: "a string",
    dict: "an object",
    list: "a list",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
}


def describe_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    for kind, name in _TYPE_NAMES.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


@dataclass(frozen=True)
class Node:
    """A value in a loaded document together with its JSON pointer."""

    value: Any
    pointer: str


class Reader:
    """Pulls typed fields out of a loaded document and records what is wrong, where."""

    def __init__(self, document: LoadedDocument, diagnostics: Diagnostics) -> None:
        self.document = document
        self.diagnostics = diagnostics

    def location(self, pointer: str, *, key: bool = False) -> Location:
        return self.document.location(pointer, key=key)

    def error(self, pointer: str, message: str, *, key: bool = False) -> None:
        self.diagnostics.error(self.location(pointer, key=key), message)

    def warning(self, pointer: str, message: str, *, key: bool = False) -> None:
        self.diagnostics.warning(self.location(pointer, key=key), message)

    def root(self) -> Node:
        return Node(self.document.data, "")

    def mapping(self, node: Node, what: str) -> dict[str, Any] | None:
        if isinstance(node.value, dict):
            return node.value
        self.error(node.pointer, f"{what} must be an object, not {describe_type(node.value)}")
        return None

    def child(self, node: Node, name: str | int) -> Node:
        value: Any = None
        if isinstance(node.value, dict) and isinstance(name, str):
            value = node.value.get(name)
        elif isinstance(node.value, list) and isinstance(name, int) and name < len(node.value):
            value = node.value[name]
        return Node(value, pointer_join(node.pointer, name))

    def check_fields(
        self, node: Node, what: str, allowed: Iterable[str], *, extensions: bool = True
    ) -> None:
        """Warn about fields the specification does not define (typos, misplaced fields)."""
        if not isinstance(node.value, dict):
            return
        known = set(allowed)
        for name in node.value:
            if name in known or (extensions and name.startswith("x-")):
                continue
            self.warning(
                pointer_join(node.pointer, name),
                f"unknown field '{name}' in {what} (ignored)",
                key=True,
            )

    def string(self, node: Node, name: str, what: str, *, required: bool = False) -> str | None:
        obj = node.value if isinstance(node.value, dict) else {}
        if name not in obj:
            if required:
                self.error(node.pointer, f"{what} is missing the required field '{name}'", key=True)
            return None
        value = obj[name]
        if isinstance(value, str):
            return value
        self.error(
            pointer_join(node.pointer, name),
            f"'{name}' of {what} must be a string, not {describe_type(value)}",
        )
        return None

    def number(self, node: Node, name: str, what: str) -> float | int | None:
        obj = node.value if isinstance(node.value, dict) else {}
        if name not in obj:
            return None
        value = obj[name]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        self.error(
            pointer_join(node.pointer, name),
            f"'{name}' of {what} must be a number, not {describe_type(value)}",
        )
        return None

    def items(self, node: Node, name: str, what: str, *, required: bool = False) -> list[Node]:
        """The entries of a list field, each with its pointer; [] when absent or malformed."""
        obj = node.value if isinstance(node.value, dict) else {}
        if name not in obj:
            if required:
                self.error(node.pointer, f"{what} is missing the required field '{name}'", key=True)
            return []
        value = obj[name]
        pointer = pointer_join(node.pointer, name)
        if not isinstance(value, list):
            self.error(pointer, f"'{name}' of {what} must be a list, not {describe_type(value)}")
            return []
        return [Node(item, pointer_join(pointer, index)) for index, item in enumerate(value)]

    def entries(self, node: Node, name: str, what: str) -> list[tuple[str, Node]]:
        """The entries of a map field as (key, node) pairs; [] when absent or malformed."""
        obj = node.value if isinstance(node.value, dict) else {}
        if name not in obj:
            return []
        value = obj[name]
        pointer = pointer_join(node.pointer, name)
        if not isinstance(value, dict):
            self.error(pointer, f"'{name}' of {what} must be an object, not {describe_type(value)}")
            return []
        return [(key, Node(item, pointer_join(pointer, key))) for key, item in value.items()]
