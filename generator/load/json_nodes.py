"""Composing JSON text into YAML nodes, so that .json documents are read with JSON's own rules
(YAML would fold a raw U+0085 or U+2028 inside a string into a space) while every node keeps
its line and column and goes through the same checks as YAML.

Lines are counted at line feeds only, as JSON does. Error messages are the json module's.
"""

from __future__ import annotations

import json
import re

import yaml

from generator.load.limits import NodeBudget

_TAG = "tag:yaml.org,2002:"
_SEQ, _MAP, _STR, _INT, _FLOAT = (_TAG + name for name in ("seq", "map", "str", "int", "float"))
_LITERAL_TAGS = {"true": _TAG + "bool", "false": _TAG + "bool", "null": _TAG + "null"}
_SPACE = re.compile(r"[ \t\n\r]*")
_VALUE = re.compile(
    _SPACE.pattern
    + r"""(?:
        (?P<open>[\[{]) | (?P<string>") | (?P<literal>true|false|null)
        | (?P<number>-?(?:0|[1-9][0-9]*)(?P<real>(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?))
    )""",
    re.VERBOSE,
)
_NEXT = re.compile(_SPACE.pattern + r"([,\]}])")
_KEY = re.compile(_SPACE.pattern + '"')
_COLON = re.compile(_SPACE.pattern + ":")
_END = re.compile(_SPACE.pattern + r"\Z")
_DECODER = json.JSONDecoder()


def compose_json(text: str, display: str, budget: NodeBudget) -> yaml.Node:
    """The node graph of a JSON text; json.JSONDecodeError if it is not JSON."""
    return _Composer(text, display, budget).compose()


class _Composer:
    def __init__(self, text: str, display: str, budget: NodeBudget) -> None:
        self.text = text
        self.display = display
        self.budget = budget
        self.index = 0
        self.line = 0
        self.line_start = 0
        self.counted = 0  # the line feeds before this index are counted in self.line

    def compose(self) -> yaml.Node:
        root = self._value(None)
        open_nodes = [root] if isinstance(root, yaml.CollectionNode) else []
        while open_nodes:
            node = open_nodes[-1]
            is_list = isinstance(node, yaml.SequenceNode)
            separator = _NEXT.match(self.text, self.index)
            char = separator.group(1) if separator else ""
            if char == ("]" if is_list else "}"):
                self.index = separator.end() if separator else self.index
                node.end_mark = self._mark(self.index)
                open_nodes.pop()
                self.budget.leave()
                continue
            if node.value:
                if char != ",":
                    raise self._error("Expecting ',' delimiter")
                self.index = separator.end() if separator else self.index
            if is_list:
                value = self._value(node)
                node.value.append(value)
            else:
                key, value = self._entry(node)
                node.value.append((key, value))
            if isinstance(value, yaml.CollectionNode):
                open_nodes.append(value)
        if not _END.match(self.text, self.index):
            raise self._error("Extra data")
        return root

    def _entry(self, mapping: yaml.Node) -> tuple[yaml.Node, yaml.Node]:
        if not _KEY.match(self.text, self.index):
            raise self._error("Expecting property name enclosed in double quotes")
        key = self._value(mapping, is_key=True)
        colon = _COLON.match(self.text, self.index)
        if colon is None:
            raise self._error("Expecting ':' delimiter")
        self.index = colon.end()
        return key, self._value(mapping)

    def _value(self, parent: yaml.Node | None, *, is_key: bool = False) -> yaml.Node:
        """A scalar, or a collection left open (the budget counts it open until it closes)."""
        found = _VALUE.match(self.text, self.index)
        if found is None:
            raise self._error("Expecting value")
        kind = found.lastgroup or ""
        start = found.start(kind)
        mark = self._mark(start)
        self.index = found.end()
        if kind == "open":
            self.budget.enter(parent)
            if found.group(kind) == "[":
                return yaml.SequenceNode(_SEQ, [], mark, mark, flow_style=True)
            return yaml.MappingNode(_MAP, [], mark, mark, flow_style=True)
        self.budget.leaf(parent, is_key=is_key)
        if kind == "string":
            text, self.index = _DECODER.raw_decode(self.text, start)
            return yaml.ScalarNode(_STR, text, mark, mark, style='"')
        text = found.group(kind)
        if kind == "literal":
            return yaml.ScalarNode(_LITERAL_TAGS[text], text, mark, mark)
        return yaml.ScalarNode(_FLOAT if found.group("real") else _INT, text, mark, mark)

    def _mark(self, index: int) -> yaml.Mark:
        """The mark of `index`; marks are asked for in increasing order."""
        breaks = self.text.count("\n", self.counted, index)
        if breaks:
            self.line += breaks
            self.line_start = self.text.rfind("\n", self.counted, index) + 1
        self.counted = index
        return yaml.Mark(self.display, index, self.line, index - self.line_start, None, 0)

    def _error(self, message: str) -> json.JSONDecodeError:
        """An error at the first character from the current index that is not white space."""
        space = _SPACE.match(self.text, self.index)
        return json.JSONDecodeError(message, self.text, space.end() if space else self.index)
