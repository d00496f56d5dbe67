"""Seeded mutations of Arazzo documents (and copies of their OpenAPI files), for
tests/test_fuzz_documents.py.

Every mutation is a function `(rng, text, document) -> Mutated` that never touches the original
files: the fuzz test writes the result next to a copy of the corpus so that relative source URLs
keep resolving. A mutation may also add files (an OpenAPI copy with `$ref` cycles, say).
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hostile_support import HOSTILE_PIECES


@dataclass
class Mutated:
    name: str
    text: str | bytes
    extra_files: dict[str, str] = field(default_factory=dict)  # sibling name -> text


@dataclass(frozen=True)
class Document:
    path: Path  # in the corpus copy
    text: str
    data: Any  # None when it does not parse as plain YAML/JSON
    is_json: bool


Mutation = Callable[[random.Random, Document], Mutated | None]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


# --- walking the data -----------------------------------------------------------------------


def _slots(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) in the data, containers included (the root excluded)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*path, key), value
            yield from _slots(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield (*path, index), value
            yield from _slots(value, (*path, index))


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


def _pick(rng: random.Random, data: Any, want: Callable[[Any], bool]) -> tuple[Any, ...] | None:
    candidates = [path for path, value in _slots(data) if want(value)]
    return rng.choice(candidates) if candidates else None


def _dump(document: Document, data: Any) -> str:
    if document.is_json:
        return json.dumps(data, indent=2, ensure_ascii=False)
    return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)


def _structural(name: str, change: Callable[[random.Random, Any], bool]) -> Mutation:
    def mutate(rng: random.Random, document: Document) -> Mutated | None:
        if document.data is None:
            return None
        data = copy.deepcopy(document.data)
        if not change(rng, data):
            return None
        return Mutated(name, _dump(document, data))

    mutate.__name__ = name
    return mutate


# --- structural mutations -------------------------------------------------------------------


def _delete_key(rng: random.Random, data: Any) -> bool:
    path = _pick(rng, data, lambda v: True)
    if path is None:
        return False
    parent = _parent(data, path)
    del parent[path[-1]]
    return True


_TYPE_SWAPS: tuple[Callable[[Any], Any], ...] = (
    lambda v: 42,
    lambda v: -1.5,
    lambda v: True,
    lambda v: None,
    lambda v: "text",
    lambda v: [],
    lambda v: {},
    lambda v: [v],
    lambda v: {"value": v},
    lambda v: str(v),
    lambda v: 10**30,
)


def _change_type(rng: random.Random, data: Any) -> bool:
    path = _pick(rng, data, lambda v: True)
    if path is None:
        return False
    parent = _parent(data, path)
    parent[path[-1]] = rng.choice(_TYPE_SWAPS)(parent[path[-1]])
    return True


def _duplicate_item(rng: random.Random, data: Any) -> bool:
    path = _pick(rng, data, lambda v: isinstance(v, list) and bool(v))
    if path is None:
        return False
    items = _parent(data, path)[path[-1]]
    index = rng.randrange(len(items))
    items.insert(index, copy.deepcopy(items[index]))
    return True


def _huge_string(rng: random.Random, data: Any) -> bool:
    path = _pick(rng, data, lambda v: isinstance(v, str))
    if path is None:
        return False
    size = rng.choice((300, 5_000, 100_000, 1_000_000))
    parent = _parent(data, path)
    parent[path[-1]] = (parent[path[-1]] or "x") * (size // max(1, len(parent[path[-1]]))) + "y"
    return True


def _hostile_string(rng: random.Random, data: Any) -> bool:
    path = _pick(rng, data, lambda v: isinstance(v, str))
    if path is None:
        return False
    parent = _parent(data, path)
    text = parent[path[-1]]
    at = rng.randrange(len(text) + 1)
    parent[path[-1]] = text[:at] + rng.choice(HOSTILE_PIECES) + text[at:]
    return True


def _rewire_string(rng: random.Random, data: Any) -> bool:
    """Replace a string with another string of the document (ids cross-wired)."""
    strings = [v for _, v in _slots(data) if isinstance(v, str)]
    path = _pick(rng, data, lambda v: isinstance(v, str))
    if path is None or not strings:
        return False
    _parent(data, path)[path[-1]] = rng.choice(strings)
    return True


def _nest_deeply(rng: random.Random, data: Any) -> bool:
    path = _pick(rng, data, lambda v: True)
    if path is None:
        return False
    depth = rng.choice((30, 99, 101, 150, 199, 260, 450, 600))
    value = _parent(data, path)[path[-1]]
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    _parent(data, path)[path[-1]] = value
    return True


def _rename_key(rng: random.Random, data: Any) -> bool:
    path = _pick(rng, data, lambda v: True)
    if path is None or not isinstance(path[-1], str):
        return False
    parent = _parent(data, path)
    key = path[-1]
    renamed = rng.choice((key + "x", key.upper(), key[:-1], "$" + key, rng.choice(HOSTILE_PIECES)))
    if renamed in parent:
        return False
    parent[renamed] = parent.pop(key)
    return True


# --- text mutations -------------------------------------------------------------------------


def truncate(rng: random.Random, document: Document) -> Mutated | None:
    if not document.text:
        return None
    return Mutated("truncate", document.text[: rng.randrange(len(document.text))])


def insert_bytes(rng: random.Random, document: Document) -> Mutated | None:
    raw = document.text.encode("utf-8")
    at = rng.randrange(len(raw) + 1)
    junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12)))
    return Mutated("insert bytes", raw[:at] + junk + raw[at:])


_JUNK = ("\x00", "\t", "\r", "\ufeff", ": ", "- ", "&a ", "*a", "!!python/object", "{", "]", "'",
         '"', "#", "%YAML 1.1\n---\n", "\n---\n", "? ", "<<: *a\n", "\u2028", "\x85")  # fmt: skip


def insert_text(rng: random.Random, document: Document) -> Mutated | None:
    at = rng.randrange(len(document.text) + 1)
    junk = rng.choice(_JUNK)
    return Mutated("insert text", document.text[:at] + junk + document.text[at:])


_EXPRESSION_TYPOS = (
    ("$steps.", "$step."),
    ("$inputs.", "$input."),
    ("$response.body", "$response.bdy"),
    ("$statusCode", "$statuscode"),
    ("$sourceDescriptions.", "$sourceDescription."),
    (".outputs.", ".output."),
    ("{$", "{"),
    ("}", ""),
    ("#/", "#"),
    ("==", "="),
)


def expression_typo(rng: random.Random, document: Document) -> Mutated | None:
    present = [(a, b) for a, b in _EXPRESSION_TYPOS if a in document.text]
    if not present:
        return None
    before, after = rng.choice(present)
    starts = [m.start() for m in re.finditer(re.escape(before), document.text)]
    at = rng.choice(starts)
    text = document.text[:at] + after + document.text[at + len(before) :]
    return Mutated(f"typo {before}->{after}", text)


def break_indentation(rng: random.Random, document: Document) -> Mutated | None:
    lines = document.text.split("\n")
    indented = [i for i, line in enumerate(lines) if line.startswith(" ")]
    if not indented:
        return None
    index = rng.choice(indented)
    change = rng.choice(("add", "remove", "tab"))
    if change == "add":
        lines[index] = " " * rng.randrange(1, 4) + lines[index]
    elif change == "remove":
        lines[index] = lines[index][rng.randrange(1, 3) :]
    else:
        lines[index] = "\t" + lines[index].lstrip(" ")
    return Mutated("break indentation", "\n".join(lines))


def duplicate_line(rng: random.Random, document: Document) -> Mutated | None:
    lines = document.text.split("\n")
    index = rng.randrange(len(lines))
    lines.insert(index, lines[index])
    return Mutated("duplicate line", "\n".join(lines))


def _laughs(levels: int, width: int) -> str:
    lines = [f"x-l0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        refs = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"x-l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def alias_bomb(rng: random.Random, document: Document) -> Mutated | None:
    """A billion-laughs block at the top (YAML syntax, also inside a .json file: the loader
    reads JSON with a YAML parser)."""
    levels, width = rng.choice((6, 9, 12)), rng.choice((8, 10))
    if document.is_json and "{" in document.text:
        at = document.text.index("{") + 1
        entries = _laughs(levels, width).strip().replace("x-l", '"x-l').replace(": &", '": &')
        flow = ", ".join(entries.split("\n")).replace("lol", '"lol"') + ", "
        return Mutated("alias bomb", document.text[:at] + flow + document.text[at:])
    return Mutated("alias bomb", _laughs(levels, width) + document.text)


def recursive_alias(rng: random.Random, document: Document) -> Mutated | None:
    return Mutated("recursive alias", "x-loop: &loop [*loop]\n" + document.text)


def version_garbage(rng: random.Random, document: Document) -> Mutated | None:
    replaced = re.sub(
        r"(arazzo\"?\s*:\s*)\"?[0-9.]+\"?",
        lambda m: m.group(1) + rng.choice(('"2.0.0"', "1", "null", '"1.0.1-\\n"', "[1]")),
        document.text,
        count=1,
    )
    return Mutated("version garbage", replaced) if replaced != document.text else None


# --- OpenAPI copies with $ref cycles ----------------------------------------------------------


def _openapi_sources(document: Document) -> list[tuple[int, Path]]:
    if not isinstance(document.data, dict):
        return []
    found = []
    sources = document.data.get("sourceDescriptions")
    for index, source in enumerate(sources if isinstance(sources, list) else []):
        if not isinstance(source, dict) or not isinstance(source.get("url"), str):
            continue
        target = document.path.parent / source["url"]
        try:
            usable = target.is_file() and target.suffix in (".yaml", ".yml", ".json")
        except (OSError, ValueError):  # a mutated URL: too long, NUL, ...
            usable = False
        if usable:
            found.append((index, target))
    return found


def _cycle_into(rng: random.Random, api: dict[str, Any]) -> str:
    kind = rng.choice(("schema", "self", "parameter", "long chain", "path item", "root"))
    components = api.setdefault("components", {})
    if not isinstance(components, dict):
        api["components"] = components = {}
    schemas = components.setdefault("schemas", {})
    if not isinstance(schemas, dict):
        components["schemas"] = schemas = {}
    schemas["CycleA"] = {"$ref": "#/components/schemas/CycleB"}
    schemas["CycleB"] = {"$ref": "#/components/schemas/CycleA"}
    schemas["Self"] = {"$ref": "#/components/schemas/Self"}
    chain = {f"Chain{i}": {"$ref": f"#/components/schemas/Chain{i + 1}"} for i in range(200)}
    chain["Chain200"] = {"$ref": "#/components/schemas/Chain0"}
    schemas.update(chain)
    target = {
        "schema": "#/components/schemas/CycleA",
        "self": "#/components/schemas/Self",
        "parameter": "#/components/parameters/Loop",
        "long chain": "#/components/schemas/Chain0",
        "path item": "#/paths",
        "root": "#",
    }[kind]
    components.setdefault("parameters", {})
    if isinstance(components["parameters"], dict):
        components["parameters"]["Loop"] = {"$ref": "#/components/parameters/Loop"}
    paths = api.get("paths")
    if not isinstance(paths, dict):
        return kind
    for item in paths.values():
        if not isinstance(item, dict):
            continue
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            if kind == "parameter":
                operation.setdefault("parameters", [])
                if isinstance(operation["parameters"], list):
                    operation["parameters"].append({"$ref": target})
            else:
                for response in (operation.get("responses") or {}).values():
                    if isinstance(response, dict):
                        response["content"] = {"application/json": {"schema": {"$ref": target}}}
                if rng.random() < 0.5:
                    operation["requestBody"] = {"$ref": "#/components/requestBodies/Missing"}
    return kind


def ref_cycles(rng: random.Random, document: Document) -> Mutated | None:
    sources = _openapi_sources(document)
    if not sources:
        return None
    index, path = rng.choice(sources)
    try:
        api = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(api, dict):
        return None
    kind = _cycle_into(rng, api)
    copy_name = f"{path.stem}.cycle-{rng.randrange(10**6)}{path.suffix}"
    if path.suffix == ".json":
        api_text = json.dumps(api, indent=1)
    else:
        api_text = yaml.dump(api, Dumper=_DUMPER, sort_keys=False)
    data = copy.deepcopy(document.data)
    relative = Path(data["sourceDescriptions"][index]["url"]).parent / copy_name
    data["sourceDescriptions"][index]["url"] = relative.as_posix()
    extra = {str((document.path.parent / relative).resolve()): api_text}
    return Mutated(f"$ref cycle ({kind})", _dump(document, data), extra)


def cross_file_ref_cycle(rng: random.Random, document: Document) -> Mutated | None:
    sources = _openapi_sources(document)
    if not sources:
        return None
    index, _ = rng.choice(sources)
    tag = rng.randrange(10**6)
    a_name, b_name = f"ping-{tag}.yaml", f"pong-{tag}.yaml"
    a = (
        'openapi: 3.1.0\ninfo: {title: a, version: "1"}\npaths:\n'
        f"  /a: {{$ref: './{b_name}#/paths/~1b'}}\n"
    )
    b = (
        'openapi: 3.1.0\ninfo: {title: b, version: "1"}\npaths:\n'
        f"  /b: {{$ref: './{a_name}#/paths/~1a'}}\n"
    )
    data = copy.deepcopy(document.data)
    relative = Path(data["sourceDescriptions"][index]["url"]).parent
    data["sourceDescriptions"][index]["url"] = (relative / a_name).as_posix()
    folder = (document.path.parent / relative).resolve()
    extra = {str(folder / a_name): a, str(folder / b_name): b}
    return Mutated("cross-file $ref cycle", _dump(document, data), extra)


MUTATIONS: tuple[Mutation, ...] = (
    _structural("delete key", _delete_key),
    _structural("change type", _change_type),
    _structural("duplicate item", _duplicate_item),
    _structural("huge string", _huge_string),
    _structural("hostile string", _hostile_string),
    _structural("rewire string", _rewire_string),
    _structural("nest deeply", _nest_deeply),
    _structural("rename key", _rename_key),
    truncate,
    insert_bytes,
    insert_text,
    expression_typo,
    break_indentation,
    duplicate_line,
    alias_bomb,
    recursive_alias,
    version_garbage,
    ref_cycles,
    cross_file_ref_cycle,
)


def mutate(rng: random.Random, document: Document, count: int) -> Mutated:
    """Apply `count` mutations one after the other (those that do not apply are skipped)."""
    current = document
    names: list[str] = []
    extra: dict[str, str] = {}
    text: str | bytes = document.text
    for _ in range(count):
        for _attempt in range(10):
            try:
                result = rng.choice(MUTATIONS)(rng, current)
            except Exception:
                result = None
            if result is not None:
                break
        else:
            continue
        names.append(result.name)
        extra.update(result.extra_files)
        text = result.text
        if isinstance(text, bytes):
            break  # later mutations work on text
        data = _parse(text, current.is_json)
        current = Document(current.path, text, data, current.is_json)
    return Mutated(" + ".join(names) or "none", text, extra)


def _parse(text: str, is_json: bool) -> Any:
    """The data of a mutated text, or None when it does not parse or is not a small tree (YAML
    aliases can make a graph whose walk is exponential, or a cycle)."""
    try:
        data = json.loads(text) if is_json else yaml.load(text, Loader=_LOADER)
    except (ValueError, yaml.YAMLError, RecursionError):
        return None
    return data if _is_small_tree(data) else None


def _is_small_tree(data: Any, limit: int = 200_000) -> bool:
    stack = [data]
    visited = 0
    while stack:
        value = stack.pop()
        visited += 1
        if visited > limit:
            return False
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return True
