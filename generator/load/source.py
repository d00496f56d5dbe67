"""Load one YAML or JSON file into JSON-model Python values, remembering where every node is.

Scalars follow the YAML 1.2 core schema: only `true`/`false` (in three casings) are booleans,
`yes`/`no`/`on`/`off` and dates stay strings, and `null`, `~` and empty values are None.

Only JSON-compatible values are accepted; other tags (`!!binary`, `!!set`, `!custom`, ...),
duplicate keys and non-string keys are reported as errors while loading goes on, so one run
shows them all. Integer keys such as OpenAPI's unquoted `200:` are the exception: they are
taken as their source text without a diagnostic. Merge keys (`<<: *base` or `<<: [*a, *b]`)
are supported as in YAML 1.1: keys written in the mapping itself win over merged ones, and
earlier merge sources win over later ones.

Aliases are allowed, but their expanded size is checked before any value is built, so alias
bombs fail fast. File size, node count and nesting depth are bounded (generator/load/limits.py),
and checked while the file is parsed; hitting a bound, an I/O problem or a syntax error makes
`load_document` return None with an error diagnostic.

A .json file is read as JSON (generator/load/json_nodes.py) and, only if it is not valid JSON,
as YAML.
"""

from __future__ import annotations

import codecs
import gc
import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeAlias

import yaml

from generator.diagnostics import Diagnostics, Location
from generator.load.json_nodes import compose_json
from generator.load.limits import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_NODES,
    Limits,
    LoadError,
    NodeBudget,
    node_location,
)

_YAML_TAG_PREFIX = "tag:yaml.org,2002:"
_STR_TAG = _YAML_TAG_PREFIX + "str"
_INT_TAG = _YAML_TAG_PREFIX + "int"
_FLOAT_TAG = _YAML_TAG_PREFIX + "float"
_BOOL_TAG = _YAML_TAG_PREFIX + "bool"
_NULL_TAG = _YAML_TAG_PREFIX + "null"
_MERGE_TAG = _YAML_TAG_PREFIX + "merge"
_SEQ_TAG = _YAML_TAG_PREFIX + "seq"
_MAP_TAG = _YAML_TAG_PREFIX + "map"

# Regular expressions of the YAML 1.2 core schema (YAML 1.2.2, section 10.3.2).
_NULL_RE = re.compile(r"(?:~|null|Null|NULL|)\Z")
_BOOL_RE = re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")
_INT_RE = re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")
_FLOAT_RE = re.compile(
    r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)
_MERGE_RE = re.compile(r"<<\Z")

_ResolverTable: TypeAlias = dict[str | None, list[tuple[str, re.Pattern[str]]]]


def _core_schema_resolvers() -> _ResolverTable:
    """A fresh implicit-resolver table; PyYAML's own (YAML 1.1) table is left untouched."""
    table: _ResolverTable = {}
    # Order matters within one first character: int is tried before float.
    rules = [
        (_NULL_TAG, _NULL_RE, ["~", "n", "N", ""]),
        (_BOOL_TAG, _BOOL_RE, list("tTfF")),
        (_INT_TAG, _INT_RE, list("-+0123456789")),
        (_FLOAT_TAG, _FLOAT_RE, list("-+.0123456789")),
        (_MERGE_TAG, _MERGE_RE, ["<"]),
    ]
    for tag, pattern, first_chars in rules:
        for first in first_chars:
            table.setdefault(first, []).append((tag, pattern))
    return table


class _Counting:
    """Passes every node to a NodeBudget as it is composed: the composers of both loaders call
    these resolver hooks around each node they create (not around aliases)."""

    budget: NodeBudget

    def descend_resolver(self, current_node: yaml.Node | None, current_index: object) -> None:
        is_key = isinstance(current_node, yaml.MappingNode) and current_index is None
        self.budget.enter(current_node, is_key=is_key)

    def ascend_resolver(self) -> None:
        self.budget.leave()


class _PythonLoader(_Counting, yaml.SafeLoader):
    yaml_implicit_resolvers = _core_schema_resolvers()


_LOADER: type[_PythonLoader] | type[_LibyamlLoader] = _PythonLoader

if getattr(yaml, "__with_libyaml__", False):

    class _LibyamlLoader(_Counting, yaml.CSafeLoader):
        yaml_implicit_resolvers = _core_schema_resolvers()

    _LOADER = _LibyamlLoader


@dataclass(frozen=True)
class LoadedDocument:
    """A parsed document: JSON-model data plus the position of every node by JSON pointer."""

    path: Path
    display_path: str
    data: object
    positions: Mapping[str, tuple[int, int]]
    key_positions: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    url: str | None = None
    """Where a fetched document came from (relative references resolve against it)."""

    def location(self, pointer: str, *, key: bool = False) -> Location:
        """Where `pointer` is: its key if `key` and it has one, else its value.

        A pointer that does not exist (e.g. a missing field) gets the position of its nearest
        existing ancestor; the Location still carries the pointer that was asked for.
        """
        if key and pointer in self.key_positions:
            line, col = self.key_positions[pointer]
        else:
            line, col = self.positions.get(_nearest_known(pointer, self.positions), (0, 0))
        return Location(self.display_path, line, col, pointer)


def pointer_join(base: str, token: str | int) -> str:
    """Append one reference token to a JSON pointer, escaping it per RFC 6901."""
    escaped = str(token).replace("~", "~0").replace("/", "~1")
    return f"{base}/{escaped}"


def load_document(
    path: Path,
    diagnostics: Diagnostics,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> LoadedDocument | None:
    """Load a YAML or JSON file; on a fatal problem add an error diagnostic and return None.

    Non-fatal problems (duplicate keys, unsupported tags, non-string keys) are added as errors
    too, but the document is still returned so that later stages can report more.
    """
    absolute = _absolute(path)
    display = _display_path(absolute)
    try:
        text = _read_text(absolute, display, max_bytes)
    except LoadError as exc:
        diagnostics.error(exc.location, exc.message)
        return None
    return load_text(text, absolute, display, diagnostics, max_nodes=max_nodes, max_depth=max_depth)


def load_text(
    text: str,
    path: Path,
    display: str,
    diagnostics: Diagnostics,
    *,
    url: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> LoadedDocument | None:
    """Parse document text read from `path` (or fetched from `url`), shown as `display`."""
    limits = Limits(max_nodes=max_nodes, max_depth=max_depth)
    try:
        is_json = path.suffix.lower() == ".json"
        data, builder = _parse(text, is_json, display, diagnostics, limits)
    except LoadError as exc:
        diagnostics.error(exc.location, exc.message)
        return None
    except RecursionError:
        diagnostics.error(Location(display), "document is nested too deeply to parse")
        return None
    except MemoryError:
        diagnostics.error(Location(display), "not enough memory to load the document")
        return None
    return LoadedDocument(path, display, data, builder.positions, builder.key_positions, url)


def _nearest_known(pointer: str, positions: Mapping[str, tuple[int, int]]) -> str:
    while pointer and pointer not in positions:
        pointer = pointer.rpartition("/")[0]
    return pointer


def _absolute(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: symlink loop
        return path.absolute()


def _display_path(path: Path) -> str:
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        return str(path)
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)


# --- reading -------------------------------------------------------------------------------


def _read_text(path: Path, display: str, max_bytes: int) -> str:
    where = Location(display)
    try:
        with path.open("rb") as stream:
            raw = stream.read(max_bytes + 1)
    except FileNotFoundError:
        raise LoadError(where, "file not found") from None
    except IsADirectoryError:
        raise LoadError(where, "is a directory, not a file") from None
    except PermissionError:
        raise LoadError(where, "cannot read file: permission denied") from None
    except OSError as exc:
        raise LoadError(where, f"cannot read file: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise LoadError(where, f"file too large: more than {max_bytes} bytes")
    return _decode(raw, display)


def _decode(raw: bytes, display: str) -> str:
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"file is not valid UTF-8 text (byte 0x{raw[exc.start]:02x})"
        raise LoadError(Location(display, line, col), message) from None


# --- parsing -------------------------------------------------------------------------------


def _parse(
    text: str, is_json: bool, display: str, diagnostics: Diagnostics, limits: Limits
) -> tuple[object, _Builder]:
    builder = _Builder(display, diagnostics, limits)
    with _collector_paused():
        root = _compose(text, is_json, display, limits)
        return (None if root is None else builder.build(root)), builder


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Node graphs have no reference cycles; collecting while millions of nodes are created
    would only double the time it takes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _compose(text: str, is_json: bool, display: str, limits: Limits) -> yaml.Node | None:
    """The node graph of a document. A .json file is read as JSON, or as YAML (of which JSON
    is nearly a subset) if it is not valid JSON; its JSON error is shown if both fail."""
    json_error: json.JSONDecodeError | None = None
    if is_json:
        try:
            return compose_json(text, display, NodeBudget(display, limits))
        except json.JSONDecodeError as exc:
            json_error = exc
    loader = _LOADER(text)
    loader.budget = NodeBudget(display, limits)
    try:
        node: yaml.Node | None = loader.get_single_node()
    except yaml.YAMLError as exc:
        if json_error is not None:
            where = Location(display, json_error.lineno, json_error.colno)
            raise LoadError(where, json_error.msg) from None
        where = _yaml_error_location(exc, text, display)
        raise LoadError(where, _yaml_error_message(exc)) from None
    finally:
        loader.dispose()
    return node


def _yaml_error_message(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        return f"{exc.reason} (U+{exc.character:04X})"
    if not isinstance(exc, yaml.MarkedYAMLError):
        return str(exc)
    message = exc.problem or exc.context or "invalid YAML"
    if exc.problem and exc.context:
        context_mark, problem_mark = exc.context_mark, exc.problem_mark
        if context_mark and problem_mark and context_mark.line != problem_mark.line:
            message += f" ({exc.context} at line {context_mark.line + 1})"
        else:
            message += f" ({exc.context})"
    return message


def _yaml_error_location(exc: yaml.YAMLError, text: str, display: str) -> Location:
    if isinstance(exc, yaml.reader.ReaderError):
        # The C reader reports a byte offset, the Python one a character offset: find the
        # offending character instead.
        offset = text.find(chr(exc.character))
        if offset >= 0:
            line = text.count("\n", 0, offset) + 1
            return Location(display, line, offset - (text.rfind("\n", 0, offset) + 1) + 1)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            return Location(display, mark.line + 1, mark.column + 1)
    return Location(display)


# --- building values -----------------------------------------------------------------------

_Pair: TypeAlias = tuple[str, yaml.Node, yaml.Node]
_Task: TypeAlias = tuple[yaml.Node, str, int, Callable[[object], None]]


def _position(node: yaml.Node) -> tuple[int, int]:
    mark = node.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [value for _, value in node.value]
    return node.value if isinstance(node, yaml.SequenceNode) else []


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML_TAG_PREFIX) if tag.startswith(_YAML_TAG_PREFIX) else tag


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unsupported_tag_message(tag: str) -> str:
    return (
        f"unsupported tag '{_short_tag(tag)}': only JSON-compatible values are allowed "
        "(strings, numbers, booleans, null, lists and mappings)"
    )


def _is_merge_key(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _MERGE_TAG


def _node_kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "a mapping" if isinstance(node, yaml.MappingNode) else "a scalar"


def _scalar_value(tag: str, text: str) -> object:
    """The value of a scalar with a core-schema tag; ValueError if the text does not fit it."""
    if tag == _NULL_TAG and _NULL_RE.match(text):
        return None
    if tag == _BOOL_TAG and _BOOL_RE.match(text):
        return text.lower() == "true"
    if tag == _INT_TAG and _INT_RE.match(text):
        return _int_value(text)
    if tag == _FLOAT_TAG and _FLOAT_RE.match(text):
        return _float_value(text)
    raise ValueError(f"invalid {_short_tag(tag)} value '{_shorten(text)}'")


def _int_value(text: str) -> int:
    base = {"0o": 8, "0x": 16}.get(text[:2], 10)
    try:
        return int(text[2:] if base != 10 else text, base)
    except ValueError:  # more digits than Python's int-from-string limit
        raise ValueError(f"integer '{_shorten(text)}' is too long") from None


def _float_value(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    return float(text)


class _Builder:
    """Turns a composed node graph into plain values, recording positions and problems."""

    def __init__(self, display: str, diagnostics: Diagnostics, limits: Limits) -> None:
        self.display = display
        self.diagnostics = diagnostics
        self.limits = limits
        self.positions: dict[str, tuple[int, int]] = {}
        self.key_positions: dict[str, tuple[int, int]] = {}
        self._reported: set[tuple[tuple[int, int], str]] = set()

    def build(self, root: yaml.Node) -> object:
        self._check_expanded_size(root)
        result: list[object] = []
        stack: list[_Task] = [(root, "", 0, result.append)]
        # Depth-first with an explicit stack, children pushed in reverse: values are stored in
        # document order and deep nesting cannot overflow the Python stack.
        while stack:
            node, pointer, level, store = stack.pop()
            self.positions[pointer] = _position(node)
            store(self._value(node, pointer, level, stack))
        return result[0]

    def _check_expanded_size(self, root: yaml.Node) -> None:
        """Reject recursive aliases and alias expansion beyond max_nodes, without expanding.

        Sizes are memoized per collection node object, so this is linear in the file size.
        """
        sizes: dict[int, int] = {}  # scalars are absent: their size is 1
        open_nodes: set[int] = set()
        stack: list[tuple[yaml.Node, bool]] = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                open_nodes.discard(id(node))
                size = 1 + sum(sizes.get(id(child), 1) for child in _children(node))
                if size > self.limits.max_nodes:
                    raise LoadError(self._location(node), self.limits.too_large())
                sizes[id(node)] = size
            elif id(node) in open_nodes:
                raise LoadError(self._location(node), "recursive alias: a node contains itself")
            elif id(node) not in sizes:
                open_nodes.add(id(node))
                stack.append((node, True))
                stack.extend(
                    (child, False)
                    for child in _children(node)
                    if not isinstance(child, yaml.ScalarNode)
                )

    def _value(self, node: yaml.Node, pointer: str, level: int, stack: list[_Task]) -> object:
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, pointer)
        if level >= self.limits.max_depth:
            raise LoadError(self._location(node, pointer), self.limits.too_deep())
        is_mapping = isinstance(node, yaml.MappingNode)
        if node.tag != (_MAP_TAG if is_mapping else _SEQ_TAG):
            self._error(node, pointer, _unsupported_tag_message(node.tag))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, pointer, level, stack)
        return self._sequence(node, pointer, level, stack)

    def _sequence(
        self, node: yaml.Node, pointer: str, level: int, stack: list[_Task]
    ) -> list[object]:
        items: list[object] = []
        for index in reversed(range(len(node.value))):
            child = pointer_join(pointer, index)
            stack.append((node.value[index], child, level + 1, items.append))
        return items

    def _mapping(
        self, node: yaml.MappingNode, pointer: str, level: int, stack: list[_Task]
    ) -> dict[str, object]:
        mapping: dict[str, object] = {}
        for key, key_node, value_node in reversed(self._pairs(node, pointer)):
            child = pointer_join(pointer, key)
            self.key_positions[child] = _position(key_node)
            stack.append((value_node, child, level + 1, partial(mapping.__setitem__, key)))
        return mapping

    def _pairs(self, node: yaml.MappingNode, pointer: str) -> list[_Pair]:
        """The entries of a mapping after applying merge keys; duplicates are reported."""
        explicit: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        sources: list[yaml.MappingNode] = []
        for key_node, value_node in node.value:
            if _is_merge_key(key_node):
                sources.extend(self._merge_sources(value_node, pointer))
                continue
            key = self._key(key_node, pointer)
            if key is None:
                continue
            if key in explicit:
                first_line = _position(explicit[key][0])[0]
                message = f"duplicate key '{key}' (first defined at line {first_line})"
                self._error(key_node, pointer_join(pointer, key), message)
                continue
            explicit[key] = (key_node, value_node)
        pairs = [(key, key_node, value_node) for key, (key_node, value_node) in explicit.items()]
        return pairs + self._merged_pairs(sources, set(explicit), pointer)

    def _merged_pairs(
        self, sources: list[yaml.MappingNode], taken: set[str], pointer: str
    ) -> list[_Pair]:
        """Entries merged in from `sources`, in priority order, skipping keys already taken.

        A source's own keys win over what it merges in itself, so this is a pre-order walk.
        """
        pairs: list[_Pair] = []
        stack = list(reversed(sources))
        while stack:
            source = stack.pop()
            nested: list[yaml.MappingNode] = []
            for key_node, value_node in source.value:
                if _is_merge_key(key_node):
                    nested.extend(self._merge_sources(value_node, pointer))
                    continue
                key = self._key(key_node, pointer)
                if key is not None and key not in taken:
                    taken.add(key)
                    pairs.append((key, key_node, value_node))
            stack.extend(reversed(nested))
        return pairs

    def _merge_sources(self, node: yaml.Node, pointer: str) -> list[yaml.MappingNode]:
        if isinstance(node, yaml.MappingNode):
            return [node]
        if isinstance(node, yaml.SequenceNode) and all(
            isinstance(item, yaml.MappingNode) for item in node.value
        ):
            return list(node.value)
        self._error(node, pointer, "the merge key '<<' needs a mapping or a list of mappings")
        return []

    def _key(self, node: yaml.Node, pointer: str) -> str | None:
        """The string form of a mapping key, or None (after an error) if it has none."""
        if not isinstance(node, yaml.ScalarNode):
            self._error(node, pointer, f"mapping keys must be strings, not {_node_kind(node)}")
            return None
        text: str = node.value
        if node.tag in (_STR_TAG, _INT_TAG):
            return text
        if node.tag in (_NULL_TAG, _BOOL_TAG, _FLOAT_TAG):
            kind = _short_tag(node.tag).removeprefix("!!")
            message = f"mapping key '{_shorten(text)}' is a {kind}, not a string; quote it"
            self._error(node, pointer_join(pointer, text), message)
        else:
            self._error(node, pointer_join(pointer, text), _unsupported_tag_message(node.tag))
        return text

    def _scalar(self, node: yaml.ScalarNode, pointer: str) -> object:
        text: str = node.value
        if node.tag == _STR_TAG:
            return text
        if node.tag not in (_NULL_TAG, _BOOL_TAG, _INT_TAG, _FLOAT_TAG):
            self._error(node, pointer, _unsupported_tag_message(node.tag))
            return text
        try:
            return _scalar_value(node.tag, text)
        except ValueError as exc:
            self._error(node, pointer, str(exc))
            return text

    def _location(self, node: yaml.Node, pointer: str = "") -> Location:
        return node_location(self.display, node, pointer)

    def _error(self, node: yaml.Node, pointer: str, message: str) -> None:
        # A node reached through several aliases is reported once.
        key = (_position(node), message)
        if key not in self._reported:
            self._reported.add(key)
            self.diagnostics.error(self._location(node, pointer), message)
