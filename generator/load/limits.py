"""Bounds on the size and nesting of a document, checked while it is composed so that an
oversized document fails before it is fully built."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from generator.diagnostics import Location

DEFAULT_MAX_NODES = 1_000_000
# Later stages turn nested values into nested Python expressions: generator/emit.py refuses
# literals nested over 100 levels and Python's parser over 200 parentheses. A whole document
# nested at most 64 levels keeps every value well inside both; real descriptions need about 25.
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_nodes: int = DEFAULT_MAX_NODES
    max_depth: int = DEFAULT_MAX_DEPTH

    def too_large(self) -> str:
        return f"document too large: more than {self.max_nodes} nodes after expanding aliases"

    def too_deep(self) -> str:
        return f"document nested too deeply: more than {self.max_depth} levels"


class LoadError(Exception):
    """A problem that stops loading the file."""

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message


def node_location(display: str, node: yaml.Node | None, pointer: str = "") -> Location:
    mark = node.start_mark if node is not None else None
    if mark is None:
        return Location(display, pointer=pointer)
    return Location(display, mark.line + 1, mark.column + 1, pointer)


class NodeBudget:
    """Counts nodes as a composer creates them and raises LoadError past the limits.

    `enter` is called before each node is composed, with the collection it belongs to, and
    `leave` after it (or `leaf` alone for a scalar). Mapping keys are not counted, as in the
    expanded size, so a document over the limit here is over it after expanding aliases too.
    """

    def __init__(self, display: str, limits: Limits) -> None:
        self.display = display
        self.limits = limits
        self.nodes = 0
        self.open = 0

    def enter(self, parent: yaml.Node | None, *, is_key: bool = False) -> None:
        self.leaf(parent, is_key=is_key)
        self.open += 1

    def leave(self) -> None:
        self.open -= 1

    def leaf(self, parent: yaml.Node | None, *, is_key: bool = False) -> None:
        """A node known to have no children: entered and left at once."""
        # `parent` is at level open - 1. A collection at level max_depth is too deep; it is
        # caught here once it has a child, and an empty one later, when values are built.
        if self.open > self.limits.max_depth:
            raise LoadError(node_location(self.display, parent), self.limits.too_deep())
        if not is_key:
            self.nodes += 1
            if self.nodes > self.limits.max_nodes:
                raise LoadError(node_location(self.display, parent), self.limits.too_large())
