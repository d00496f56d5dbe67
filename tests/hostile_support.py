"""Hostile documents for tests/test_hostile_documents.py: hostile strings, a builder of Arazzo +
OpenAPI documents that records every string that must round-trip, and checks of generated code.

The builder draws every free-text value through a `Picker`, so the same builder serves the
hypothesis property test (`DrawPicker`) and deterministic sweeps over every hostile string
(`CyclePicker`).
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import dataclasses
import functools
import importlib
import inspect
import io
import itertools
import json
import re
import sys
import tokenize
import typing
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote

import httpx
import yaml

# --- hostile strings ------------------------------------------------------------------------

# Pieces of free text: anything may be joined with anything.
HOSTILE_PIECES: tuple[str, ...] = (
    '"',
    "'",
    '"""',
    "'''",
    "\\",
    '\\"',
    "\\'",
    "\\n",
    "\\x00",
    "\\N{BULLET}",
    "\\u0041",
    "\n",
    "\r",
    "\r\n",
    "\u2028",
    "\u2029",
    "\x85",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1f",
    "\x00",
    "\x07",
    "\x1b[2J",
    "\x7f",
    "\t",
    "{",
    "}",
    "{0}",
    "{}",
    "{{",
    "}}",
    "{x!r}",
    "%s",
    "%(x)s",
    "%%",
    "%d",
    "$",
    "$notexpr",
    "$5",
    "cost $5",
    "$$",
    "${x}",
    "#",
    "# type: ignore",
    "# -*- coding: rot13 -*-",
    "coding: utf-7",
    "# noqa",
    '" + __import__("os").system("id") + "',
    "'); import os; os.system('id'); ('",
    '"""; import os; """',
    "\nimport os\nos.system('id')\n",
    "\r__import__('os').system('id')",
    "\u2028__import__('os')",
    '{__import__("os")}',
    'f"{x}"',
    "class",
    "match",
    "case",
    "type",
    "_",
    "print",
    "__import__",
    "_runtime",
    "httpx",
    "inputs",
    "response",
    "run",
    "None",
    "True",
    "lambda",
    "await",
    "\uff43\uff4c\uff41\uff53\uff53",
    "\ufb01le",
    "\ufb01",
    "\u210c",
    "\u2168",
    "\U0001d41c\U0001d425\U0001d41a\U0001d42c\U0001d42c",
    "\uff49\uff4d\uff50\uff4f\uff52\uff54",
    "é",
    "e\u0301",
    "ß",
    "İ",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\u200b",
    "\u00a0",
    "userId",
    "user_id",
    "user-id",
    "UserID",
    "1st",
    "</script>",
    "; rm -rf /",
    "..",
    "../../etc/passwd",
    "a" * 120,
)

# Names within `[A-Za-z0-9_-]+` (what runtime expressions allow for step, source and workflow
# ids) that are keywords, builtins, names the generated code uses, or that collide.
IDENT_NAMES: tuple[str, ...] = (
    "class",
    "match",
    "case",
    "type",
    "_",
    "__",
    "print",
    "__import__",
    "_runtime",
    "httpx",
    "inputs",
    "response",
    "run",
    "http",
    "step",
    "client",
    "base_url",
    "base_urls",
    "timeout",
    "on_response",
    "max_steps",
    "poll_interval",
    "credentials",
    "auth",
    "Credentials",
    "error",
    "None",
    "True",
    "False",
    "self",
    "async",
    "await",
    "lambda",
    "userId",
    "user_id",
    "user-id",
    "UserId",
    "USER_ID",
    "user--id",
    "1st",
    "0",
    "_0",
    "__class__",
    "__init__",
    "__dict__",
    "__name__",
    "str",
    "int",
    "float",
    "bool",
    "dict",
    "list",
    "frozenset",
    "Any",
    "Literal",
    "ClassVar",
    "dataclasses",
    "logging",
    "Mapping",
    "annotations",
    "_LOG",
    "WorkflowError",
    "StepFailedError",
    "Inputs",
    "Outputs",
    "w-Inputs",
    "-",
    "a-",
    "sys",
    "os",
    "eval",
    "exec",
    "open",
    "getattr",
    "x" * 90,
)

# Output names: `[A-Za-z0-9.\-_]+`.
OUTPUT_NAMES: tuple[str, ...] = (
    *IDENT_NAMES,
    "user.id",
    ".",
    "..",
    "a.b.c",
    "__import__.system",
    "os.system",
)

# Printable ASCII without leading or trailing blanks: what an HTTP header value can carry.
HEADER_VALUES: tuple[str, ...] = (
    "'",
    '"',
    '"""',
    "'''",
    "\\",
    '\\"',
    "{0}",
    "%s",
    "$5",
    "$notexpr",
    "# x",
    "a;b",
    "</script>",
    '" + __import__("os").system("id") + "',
)

# Names HTTP can carry (visible ASCII): most are RFC 7230 tokens; X-" and X-'q' are not.
HEADER_NAMES: tuple[str, ...] = (
    "X-'q'",
    'X-"',
    "X-%s",
    "X-$",
    "X-#",
    "X|Y",
    "X~",
    "x-class",
    "X-Import",
    "X-Run",
    "X-User-Id",
    "x-user_id",
    "X-*",
    "X-^`",
)

# Literal path text of an OpenAPI path (no `/ { } %`, no controls, no dot-only segments).
SEGMENT_CHARS = "abcXYZ019'\"\\$;,=@!*()+~:_-.?# \u00fc\u4e2d\uff43"

_ROOTS = (
    "url|method|statusCode|request|response|inputs|outputs|steps|workflows|"
    "sourceDescriptions|components|self|message"
)
_EXPRESSION_LIKE = re.compile(r"\$(?=(?:" + _ROOTS + r")\b)|\{\$")


def plain_literal(text: str) -> str:
    """`text` with what the compiler would read as a runtime expression defused
    (`{$` -> `{ $`, `$inputs` -> `$ inputs`), so that it is a literal string value."""
    return _EXPRESSION_LIKE.sub(
        lambda m: m.group(0)[:-1] + " $" if m.group(0) == "{$" else "$ ", text
    )


def no_surrogates(text: str) -> str:
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


# --- pickers --------------------------------------------------------------------------------


class Picker(typing.Protocol):
    def free(self) -> str:
        """Hostile text, never empty or blank."""

    def text(self) -> str:
        """Hostile text, possibly empty (descriptions, defaults)."""

    def ident(self) -> str: ...

    def output_name(self) -> str: ...

    def header_name(self) -> str: ...

    def header_value(self) -> str: ...

    def segment(self) -> str: ...

    def chance(self) -> bool: ...

    def number(self, low: int, high: int) -> int: ...


class DrawPicker:
    """A picker drawing from hypothesis (`data.draw`)."""

    def __init__(self, draw: Callable[[Any], Any]) -> None:
        from hypothesis import strategies as st

        self._draw = draw
        self._st = st
        pieces = st.sampled_from(HOSTILE_PIECES)
        arbitrary = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
        joined = st.lists(st.one_of(pieces, arbitrary), min_size=1, max_size=4).map("".join)
        self._free = st.one_of(pieces, joined, arbitrary).filter(lambda s: bool(s.strip()))
        self._text = st.one_of(st.just(""), pieces, joined, arbitrary)
        ident_random = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
        self._ident = st.one_of(st.sampled_from(IDENT_NAMES), ident_random)
        output_random = st.from_regex(r"[A-Za-z0-9._-]{1,12}", fullmatch=True)
        self._output = st.one_of(st.sampled_from(OUTPUT_NAMES), output_random)
        header_random = st.from_regex(r"[!-~]([ -~]{0,10}[!-~])?", fullmatch=True)
        self._header_value = st.one_of(st.sampled_from(HEADER_VALUES), header_random)
        self._header_name = st.sampled_from(HEADER_NAMES)
        self._segment = st.text(st.sampled_from(SEGMENT_CHARS), min_size=1, max_size=10).filter(
            lambda s: s.strip(".") != "" and s.strip() == s
        )

    def free(self) -> str:
        return str(self._draw(self._free))

    def text(self) -> str:
        return str(self._draw(self._text))

    def ident(self) -> str:
        return str(self._draw(self._ident))

    def output_name(self) -> str:
        return str(self._draw(self._output))

    def header_name(self) -> str:
        return str(self._draw(self._header_name))

    def header_value(self) -> str:
        return str(self._draw(self._header_value))

    def segment(self) -> str:
        return str(self._draw(self._segment))

    def chance(self) -> bool:
        return bool(self._draw(self._st.booleans()))

    def number(self, low: int, high: int) -> int:
        return int(self._draw(self._st.integers(low, high)))


class CyclePicker:
    """A deterministic picker that walks through every hostile string in turn."""

    def __init__(self, offset: int = 0) -> None:
        self._free = itertools.cycle(HOSTILE_PIECES[offset:] + HOSTILE_PIECES[:offset])
        self._ident = itertools.cycle(IDENT_NAMES[offset % len(IDENT_NAMES) :] + IDENT_NAMES)
        self._output = itertools.cycle(OUTPUT_NAMES[offset % len(OUTPUT_NAMES) :] + OUTPUT_NAMES)
        self._header_name = itertools.cycle(HEADER_NAMES)
        self._header_value = itertools.cycle(HEADER_VALUES[offset % len(HEADER_VALUES) :])
        self._segments = itertools.cycle(
            ("a'b\"c", "\\$;,", "\u00fc\u4e2d\uff43", "x=@!*()", "t e s t", "q?x#f")
        )
        self._bits = itertools.cycle((True, False, True))
        self._counter = itertools.count(offset)

    def free(self) -> str:
        while True:
            text = next(self._free)
            if text.strip():
                return text

    def text(self) -> str:
        return next(self._free)

    def ident(self) -> str:
        return next(self._ident)

    def output_name(self) -> str:
        return next(self._output)

    def header_name(self) -> str:
        return next(self._header_name)

    def header_value(self) -> str:
        return next(self._header_value)

    def segment(self) -> str:
        return next(self._segments)

    def chance(self) -> bool:
        return next(self._bits)

    def number(self, low: int, high: int) -> int:
        return low + next(self._counter) % (high - low + 1)


class RecordingPicker:
    """Wraps a picker and records every string it handed out."""

    def __init__(self, inner: Picker) -> None:
        self.inner = inner
        self.strings: list[str] = []

    def _keep(self, text: str) -> str:
        self.strings.append(text)
        return text

    def free(self) -> str:
        return self._keep(self.inner.free())

    def text(self) -> str:
        return self._keep(self.inner.text())

    def ident(self) -> str:
        return self._keep(self.inner.ident())

    def output_name(self) -> str:
        return self._keep(self.inner.output_name())

    def header_name(self) -> str:
        return self._keep(self.inner.header_name())

    def header_value(self) -> str:
        return self._keep(self.inner.header_value())

    def segment(self) -> str:
        return self._keep(self.inner.segment())

    def chance(self) -> bool:
        return self.inner.chance()

    def number(self, low: int, high: int) -> int:
        return self.inner.number(low, high)


# --- the case: documents plus what must come out of them -------------------------------------


@dataclass
class InputCase:
    name: str
    required: bool
    has_default: bool
    default: Any
    description: str | None
    enum: list[str] | None

    @property
    def keyword_only_required(self) -> bool:
        """Whether the dataclass field has no default (required and no schema default)."""
        return self.required and not self.has_default


@dataclass
class StepCase:
    step_id: str
    method: str
    path_prefix: str  # literal OpenAPI path text before the path parameter
    path_value: str | None  # the literal path parameter value
    query: dict[str, str]  # name -> expected value
    query_from_inputs: dict[str, str]  # query name -> input name
    headers: dict[str, str]
    json_body: Any = None
    has_body: bool = False
    status: int = 200
    response_body: dict[str, str] = field(default_factory=dict)
    echo_header: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)  # wire name -> expected value


@dataclass
class WorkflowCase:
    workflow_id: str
    summary: str
    description: str
    inputs: list[InputCase]
    steps: list[StepCase]
    outputs: dict[str, Any]  # wire name -> expected value
    runtime_inputs: dict[str, str] = field(default_factory=dict)  # input name -> value
    calls: str | None = None  # workflow id of a workflow this one's single step runs
    call_parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class Case:
    arazzo: dict[str, Any]
    openapi: dict[str, Any]
    title: str
    server_url: str
    source_name: str
    workflows: list[WorkflowCase]
    strings: list[str]
    yaml_output: bool

    def documents(self) -> dict[str, str]:
        if self.yaml_output:
            return {
                "workflow.arazzo.yaml": dump_yaml(self.arazzo),
                "api.openapi.yaml": dump_yaml(self.openapi),
            }
        return {
            "workflow.arazzo.json": json.dumps(self.arazzo, ensure_ascii=True, indent=1),
            "api.openapi.json": json.dumps(self.openapi, ensure_ascii=True, indent=1),
        }

    @property
    def entry(self) -> str:
        return "workflow.arazzo.yaml" if self.yaml_output else "workflow.arazzo.json"


class _Yaml12Dumper(yaml.SafeDumper):
    """A YAML dumper that also quotes strings a YAML 1.2 core-schema reader takes for numbers."""


_Yaml12Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Yaml12Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"),
)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Yaml12Dumper, allow_unicode=False, sort_keys=False, width=60)


def _unique(make: Callable[[], str], taken: set[str], fold: Callable[[str], str] = str) -> str:
    """A fresh value from `make`, distinct from `taken` after `fold`; tweaked when it repeats."""
    value = make()
    suffix = 0
    while fold(value) in taken:
        suffix += 1
        value = f"{value}{suffix}"
    taken.add(fold(value))
    return value


_FULLWIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}


def collide(rec: Picker, name: str, *, ascii_only: bool) -> str:
    """A name that differs from `name` but may fold to the same Python identifier."""
    variants = [
        name.upper(),
        name.swapcase(),
        name.replace("_", "-"),
        name.replace("-", "_") + "_",
        "_" + name,
        name + "-",
        re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower(),
    ]
    if not ascii_only:
        variants += [name.translate(_FULLWIDTH), name + "\u200b", name + " ", name + "\ufb01"]
    return variants[rec.number(0, len(variants) - 1)]


def _pointer_token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def build_case(picker: Picker) -> Case:
    rec = RecordingPicker(picker)
    # Source names are referenced by `$sourceDescriptions.<name>` only when they are ids.
    source = rec.ident() if rec.chance() else no_surrogates(rec.free())
    title = rec.free()
    server_path = no_surrogates(rec.text()).replace("{", "(").replace("}", ")")
    server_url = "https://api.example/" + server_path
    op_get = _unique(lambda: no_surrogates(rec.free()).lstrip("$") or "op", set())
    op_post = _unique(lambda: no_surrogates(rec.free()).lstrip("$") or "op", {op_get})
    path_param = rec.ident()
    segment = rec.segment()
    segment2 = rec.segment()
    get_path = f"/{segment}/{{{path_param}}}"
    post_path = f"/post/{segment2}"

    # Inputs of the first workflow: free-text names, and referenceable ones for query values.
    inputs: list[InputCase] = []
    taken: set[str] = set()
    previous = ""
    for index in range(rec.number(1, 5)):
        referenceable = index % 2 == 0
        make = rec.ident if referenceable else (lambda: no_surrogates(rec.free()))
        can_collide = bool(previous) and (
            not referenceable or re.fullmatch(r"[A-Za-z0-9_-]+", previous) is not None
        )
        if can_collide and rec.chance():  # a name that may fold like the previous one
            make = functools.partial(collide, rec, previous, ascii_only=referenceable)
        name = previous = _unique(make, taken)
        has_default = rec.chance()
        enum = None
        if index == 3:
            enum_taken: set[str] = set()
            enum = [_unique(lambda: no_surrogates(rec.free()), enum_taken) for _ in range(3)]
        default = no_surrogates(rec.text()) if has_default else None
        if enum is not None and has_default:
            default = enum[1]
        description = rec.text() if rec.chance() else None
        required = rec.chance()
        inputs.append(InputCase(name, required, has_default, default, description, enum))
    referenceable_inputs = [i for n, i in enumerate(inputs) if n % 2 == 0]

    # Step A: GET with path, query and header parameters, outputs read from the response.
    runtime_inputs = {
        i.name: no_surrogates(rec.text()) if i.enum is None else i.enum[2] for i in inputs
    }
    step_a_id = rec.ident()
    query: dict[str, str] = {}
    query_from_inputs: dict[str, str] = {}
    query_names: set[str] = set()
    for _ in range(rec.number(1, 3)):
        name = _unique(lambda: no_surrogates(rec.free()), query_names)
        query[name] = plain_literal(no_surrogates(rec.text()))
    if referenceable_inputs:
        name = _unique(lambda: no_surrogates(rec.free()), query_names)
        source_input = referenceable_inputs[0]
        query_from_inputs[name] = source_input.name
        query[name] = runtime_inputs[source_input.name]
    headers: dict[str, str] = {}
    header_names: set[str] = set()
    for _ in range(rec.number(1, 2)):
        name = _unique(rec.header_name, header_names, str.lower)
        headers[name] = plain_literal(rec.header_value())
    path_value = plain_literal(no_surrogates(rec.free()))
    if path_value in (".", ".."):
        path_value = "x" + path_value
    keys_taken: set[str] = set()
    # The first key is also read by a success criterion, whose operands end at blanks.
    body_keys = [_unique(rec.ident, keys_taken)] + [
        _unique(lambda: no_surrogates(rec.free()).replace("{", "(").replace("}", ")"), keys_taken)
        for _ in range(rec.number(0, 2))
    ]
    response_body = {key: f"v{n}:" + no_surrogates(rec.text()) for n, key in enumerate(body_keys)}
    echo = rec.header_value()
    step_outputs: dict[str, Any] = {}
    output_sources: dict[str, str] = {}
    out_taken: set[str] = set()
    for key in body_keys:
        name = _unique(rec.ident, out_taken)
        step_outputs[name] = response_body[key]
        output_sources[name] = f"$response.body#/{_pointer_token(key)}"
    name = _unique(rec.ident, out_taken)
    step_outputs[name] = 200
    output_sources[name] = "$statusCode"
    name = _unique(rec.ident, out_taken)
    step_outputs[name] = echo
    output_sources[name] = "$response.header.X-Echo"
    step_a = StepCase(
        step_id=step_a_id,
        method="GET",
        path_prefix=f"/{segment}/",
        path_value=path_value,
        query=query,
        query_from_inputs=query_from_inputs,
        headers=headers,
        response_body=response_body,
        echo_header=echo,
        outputs=step_outputs,
    )
    literal_first = body_keys[0]
    criterion_literal = response_body[literal_first]

    # Step B (sometimes): POST with a JSON payload full of hostile keys and values.
    steps = [step_a]
    step_b: StepCase | None = None
    if rec.chance():
        payload: dict[str, Any] = {}
        payload_keys: set[str] = set()
        for _ in range(rec.number(1, 4)):
            key = _unique(lambda: plain_literal(no_surrogates(rec.free())), payload_keys)
            payload[key] = plain_literal(no_surrogates(rec.text()))
        payload["nested"] = [plain_literal(no_surrogates(rec.text())), {"n": [1, -2.5, None, True]}]
        step_b = StepCase(
            step_id=_unique(lambda: no_surrogates(rec.free()), {step_a_id}),
            method="POST",
            path_prefix=post_path,
            path_value=None,
            query={},
            query_from_inputs={},
            headers={},
            json_body=payload,
            has_body=True,
            status=201,
        )
        steps.append(step_b)

    workflow_outputs: dict[str, Any] = {}
    workflow_output_sources: dict[str, str] = {}
    wout_taken: set[str] = set()
    for step_output in list(step_outputs)[: rec.number(1, len(step_outputs))]:
        name = _unique(rec.output_name, wout_taken)
        workflow_outputs[name] = step_outputs[step_output]
        workflow_output_sources[name] = f"$steps.{step_a_id}.outputs.{step_output}"

    first = WorkflowCase(
        workflow_id=no_surrogates(rec.free()).lstrip("$") or "w",
        summary=rec.text(),
        description=rec.text(),
        inputs=inputs,
        steps=steps,
        outputs=workflow_outputs,
        runtime_inputs=runtime_inputs,
    )
    workflows = [first]

    # The Arazzo document.
    properties: dict[str, Any] = {}
    for i in inputs:
        prop: dict[str, Any] = {"type": "string"}
        if i.enum is not None:
            prop["enum"] = i.enum
        if i.has_default:
            prop["default"] = i.default
        if i.description is not None:
            prop["description"] = i.description
        properties[i.name] = prop
    step_a_doc: dict[str, Any] = {
        "stepId": step_a_id,
        "description": rec.text(),
        "operationId": (
            f"$sourceDescriptions.{source}.{op_get}"
            if re.fullmatch(r"[A-Za-z0-9_-]+", op_get) and re.fullmatch(r"[A-Za-z0-9_-]+", source)
            else op_get
        ),
        "parameters": [
            {"name": path_param, "in": "path", "value": path_value},
            *(
                {
                    "name": name,
                    "in": "query",
                    "value": f"$inputs.{query_from_inputs[name]}"
                    if name in query_from_inputs
                    else value,
                }
                for name, value in query.items()
            ),
            *({"name": name, "in": "header", "value": value} for name, value in headers.items()),
        ],
        "successCriteria": [
            {"condition": "$statusCode == 200"},
            {
                "condition": f"$response.body#/{_pointer_token(literal_first)} == '"
                + criterion_literal.replace("'", "''")
                + "'"
            },
            {
                "context": f"$response.body#/{_pointer_token(literal_first)}",
                "condition": "^" + re.escape(criterion_literal) + "$",
                "type": "regex",
            },
        ],
        "outputs": output_sources,
    }
    if step_b is not None and rec.chance():
        step_a_doc["onSuccess"] = [{"name": rec.free(), "type": "goto", "stepId": step_b.step_id}]
    step_docs = [step_a_doc]
    if step_b is not None:
        step_docs.append(
            {
                "stepId": step_b.step_id,
                "summary": rec.text(),
                "operationId": op_post,
                "requestBody": {"contentType": "application/json", "payload": step_b.json_body},
            }
        )
    required = [i.name for i in inputs if i.required]
    inputs_schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        inputs_schema["required"] = required
    workflow_doc: dict[str, Any] = {
        "workflowId": first.workflow_id,
        "summary": first.summary,
        "description": first.description,
        "inputs": inputs_schema,
        "steps": step_docs,
        "outputs": workflow_output_sources,
    }
    arazzo: dict[str, Any] = {
        "arazzo": "1.0.1",
        "info": {
            "title": title,
            "summary": rec.text(),
            "description": rec.text(),
            "version": rec.free(),
        },
        "sourceDescriptions": [{"name": source, "url": "", "type": "openapi"}],
        "workflows": [workflow_doc],
    }

    # A second workflow (sometimes) runs the first one with literal values for its inputs.
    if rec.chance():
        call_parameters = {
            i.name: (i.enum[0] if i.enum else plain_literal(no_surrogates(rec.text())))
            for i in inputs
        }
        second_outputs: dict[str, Any] = {}
        second_sources: dict[str, str] = {}
        call_outputs: dict[str, str] = {}
        second_taken: set[str] = set()
        call_taken: set[str] = set()
        call_step = _unique(rec.ident, set())
        for wire, value in workflow_outputs.items():
            step_output = _unique(rec.ident, call_taken)
            call_outputs[step_output] = f"$outputs.{wire}"
            name = _unique(rec.output_name, second_taken)
            second_outputs[name] = value
            second_sources[name] = f"$steps.{call_step}.outputs.{step_output}"
        second = WorkflowCase(
            workflow_id=_unique(
                lambda: collide(rec, first.workflow_id, ascii_only=False).lstrip("$") or "w2",
                {first.workflow_id},
            ),
            summary=rec.text(),
            description=rec.text(),
            inputs=[],
            steps=[],
            outputs=second_outputs,
            calls=first.workflow_id,
            call_parameters=call_parameters,
        )
        workflows.append(second)
        arazzo["workflows"].append(
            {
                "workflowId": second.workflow_id,
                "summary": second.summary,
                "description": second.description,
                "steps": [
                    {
                        "stepId": call_step,
                        "workflowId": first.workflow_id,
                        "parameters": [
                            {"name": name, "value": value}
                            for name, value in call_parameters.items()
                        ],
                        "outputs": call_outputs,
                    }
                ],
                "outputs": second_sources,
            }
        )

    # The OpenAPI document.
    response_schema = {
        "type": "object",
        "required": body_keys,
        "properties": {key: {"type": "string"} for key in body_keys},
    }
    openapi: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": rec.free(), "version": "1", "description": rec.text()},
        "servers": [{"url": server_url, "description": rec.text()}],
        "paths": {
            get_path: {
                "get": {
                    "operationId": op_get,
                    "summary": rec.text(),
                    "parameters": [
                        {
                            "name": path_param,
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        *(
                            {"name": name, "in": "query", "schema": {"type": "string"}}
                            for name in query
                        ),
                        *(
                            {"name": name, "in": "header", "schema": {"type": "string"}}
                            for name in headers
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": rec.text(),
                            "headers": {"X-Echo": {"schema": {"type": "string"}}},
                            "content": {"application/json": {"schema": response_schema}},
                        }
                    },
                }
            },
            post_path: {
                "post": {
                    "operationId": op_post,
                    "requestBody": {
                        "content": {"application/json": {"schema": {"type": "object"}}}
                    },
                    "responses": {"201": {"description": rec.text()}},
                }
            },
        },
    }
    yaml_output = picker.chance()
    arazzo["sourceDescriptions"][0]["url"] = (
        "./api.openapi.yaml" if yaml_output else "./api.openapi.json"
    )
    return Case(
        arazzo=arazzo,
        openapi=openapi,
        title=title,
        server_url=server_url,
        source_name=source,
        workflows=workflows,
        strings=rec.strings,
        yaml_output=yaml_output,
    )


# --- text policy (independent of generator.emit) ---------------------------------------------

_DROPPED = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")


def normalised(text: str) -> str:
    """Text as the README's policy says docstrings and comments keep it, with every run of
    whitespace (line breaks included) collapsed to one space."""
    text = "\n".join(text.splitlines())
    text = _DROPPED.sub("", text)
    return " ".join(no_surrogates(text).split())


# --- checks of generated code ---------------------------------------------------------------

ALLOWED_IMPORTS = {"dataclasses", "logging", "httpx"}
ALLOWED_FROM_IMPORTS = {
    "__future__": {"annotations"},
    "collections.abc": {"Mapping"},
    "typing": {"Any", "ClassVar", "Literal"},
}
RELATIVE_IMPORTS = {"_runtime", "_serialize", "_jsonpath", "_xpath"}
# Objects whose methods the generated code may call, and plain functions it may call.
CALL_ROOTS = {"_runtime", "run", "response", "dataclasses", "logging", "_serialize", "_jsonpath",
              "_xpath", "http", "httpx"}  # fmt: skip
CALLABLE_BUILTINS = {"float"}
LOADABLE_BUILTINS = {"float", "str", "int", "bool", "list", "dict", "None", "True", "False",
                     "__name__", "UnboundLocalError", "frozenset", "tuple"}  # fmt: skip
_CODING_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


class CodeProblem(AssertionError):
    pass


def _bound_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
    return names


def _call_root(func: ast.expr) -> str | None:
    while isinstance(func, ast.Attribute):
        func = func.value
    return func.id if isinstance(func, ast.Name) else None


def check_module_source(source: str, case: Case) -> dict[str, list[str]]:
    """Check workflows.py; return the top-level names by kind."""
    tree = ast.parse(source)
    compile(source, "workflows.py", "exec")
    for line in source.splitlines()[:2]:
        if _CODING_COOKIE.match(line):
            raise CodeProblem(f"encoding cookie in the first lines: {line!r}")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and re.match(r"#\s*type\s*:", token.string):
            raise CodeProblem(f"type comment in generated code: {token.string!r}")
    kinds: dict[str, list[str]] = {"functions": [], "classes": [], "constants": [], "other": []}
    top_imports: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            if statement is not tree.body[0]:
                raise CodeProblem("a bare expression statement that is not the docstring")
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.name not in ALLOWED_IMPORTS or alias.asname:
                    raise CodeProblem(f"unexpected import {alias.name}")
                top_imports.add(alias.name)
        elif isinstance(statement, ast.ImportFrom):
            names = {a.name for a in statement.names}
            if statement.level == 1 and statement.module is None:
                if not names <= RELATIVE_IMPORTS:
                    raise CodeProblem(f"unexpected relative import {names}")
            elif statement.level or not names <= ALLOWED_FROM_IMPORTS.get(
                statement.module or "", set()
            ):
                raise CodeProblem(f"unexpected import from {statement.module}: {names}")
            top_imports |= names
        elif isinstance(statement, ast.AsyncFunctionDef):
            kinds["functions"].append(statement.name)
        elif isinstance(statement, ast.ClassDef):
            kinds["classes"].append(statement.name)
        elif isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                if not isinstance(target, ast.Name):
                    raise CodeProblem("top-level assignment to something that is not a name")
                if target.id == "_LOG":
                    kinds["other"].append("_LOG")
                    continue
                value = statement.value
                if not (isinstance(value, ast.Constant) and isinstance(value.value, str | None)):
                    raise CodeProblem(f"constant {target.id} is not a string literal")
                if not re.fullmatch(r"[A-Z][A-Z0-9_]*", target.id):
                    raise CodeProblem(f"constant {target.id} is not UPPER_SNAKE")
                kinds["constants"].append(target.id)
        else:
            raise CodeProblem(f"unexpected top-level statement {ast.dump(statement)[:200]}")
    expected_workflows = len(case.workflows)
    if len(kinds["functions"]) != expected_workflows:
        raise CodeProblem(f"{len(kinds['functions'])} functions for {expected_workflows} workflows")
    if len(kinds["classes"]) != 2 * expected_workflows:
        raise CodeProblem(f"{len(kinds['classes'])} classes for {expected_workflows} workflows")
    if len(kinds["constants"]) != 1:
        raise CodeProblem(f"constants {kinds['constants']} for one source description")
    if kinds["other"] != ["_LOG"]:
        raise CodeProblem(f"other top-level names: {kinds['other']}")

    defined = set(kinds["functions"]) | set(kinds["classes"])
    bound = _bound_names(tree)
    builtin_names = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and node not in tree.body:
            raise CodeProblem("an import inside a function or class")
        if isinstance(node, ast.Global | ast.Nonlocal):
            raise CodeProblem("global/nonlocal statement")
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                if func.id not in defined and func.id not in CALLABLE_BUILTINS:
                    raise CodeProblem(f"call to {func.id}()")
            elif _call_root(func) not in CALL_ROOTS:
                raise CodeProblem(f"call to {ast.unparse(func)}()")
        if (
            isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Load)
            and node.id not in bound | LOADABLE_BUILTINS
        ):
            raise CodeProblem(f"name {node.id!r} is read but never bound")
        for name in _names_of(node):
            if not name.isascii() or not name.isidentifier():
                raise CodeProblem(f"identifier {name!r} is not an ASCII identifier")
    for function in (n for n in tree.body if isinstance(n, ast.AsyncFunctionDef)):
        check_function_locals(function)
    class_bodies = {id(s) for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for s in c.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for name in _bound_names(node) - {node.name}:
                if name in builtin_names:
                    raise CodeProblem(f"local {name!r} of {node.name} shadows a builtin")
    for statement in tree.body:
        for name in _bound_names(statement) if id(statement) not in class_bodies else ():
            if name in builtin_names and not isinstance(statement, ast.ClassDef):
                raise CodeProblem(f"module name {name!r} shadows a builtin")
    del top_imports
    return kinds


# Names the workflow template binds itself in every function (besides the parameters).
TEMPLATE_LOCALS = frozenset({"run", "http", "request", "response", "step"})


def _reads_response(value: ast.expr | None) -> bool:
    """Whether an assigned value comes from a response (an output read)."""
    return value is not None and any(
        isinstance(node, ast.Name) and node.id == "response" for node in ast.walk(value)
    )


def check_function_locals(function: ast.AsyncFunctionDef) -> None:
    """A value read from a response is never stored in a parameter or a template local: that
    would let the document (and the server) change the run's own state."""
    arguments = function.args
    parameters = {a.arg for a in (*arguments.args, *arguments.kwonlyargs)}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and _reads_response(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in parameters | TEMPLATE_LOCALS:
                    line = ast.unparse(node)[:120]
                    raise CodeProblem(
                        f"{function.name}: an output overwrites {target.id!r}: {line}"
                    )


def _names_of(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.keyword) and node.arg:
        return [node.arg]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    return []


def attribute_docstrings(source: str, class_name: str) -> list[str | None]:
    """The attribute docstrings of a class's fields, in field order (None when absent)."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            docs: list[str | None] = []
            body = node.body
            for index, statement in enumerate(body):
                if isinstance(statement, ast.AnnAssign):
                    after = body[index + 1] if index + 1 < len(body) else None
                    is_doc = (
                        isinstance(after, ast.Expr)
                        and isinstance(after.value, ast.Constant)
                        and isinstance(after.value.value, str)
                    )
                    docs.append(after.value.value if is_doc else None)  # type: ignore[union-attr]
            return docs
    raise CodeProblem(f"no class {class_name}")


# --- running --------------------------------------------------------------------------------

_package_counter = itertools.count()


def import_fresh(folder: Path, package: str) -> ModuleType:
    sys.path.insert(0, str(folder))
    try:
        importlib.invalidate_caches()
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(folder))


def unload(package: str) -> None:
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]


def fresh_package_name() -> str:
    return f"hostile_case_{next(_package_counter)}"


@dataclass
class Exchange:
    requests: list[httpx.Request]
    bodies: list[bytes]


BASE = "https://t.example/base"


def run_workflow(
    function: Callable[..., Any],
    inputs: Any,
    respond: Callable[[httpx.Request], httpx.Response],
    *,
    source: str | None = None,
) -> tuple[Any, Exchange]:
    """Run a workflow against `respond`, with every server moved to BASE (or only the named
    source description's, with `base_urls`)."""
    exchange = Exchange([], [])

    def handler(request: httpx.Request) -> httpx.Response:
        exchange.requests.append(request)
        exchange.bodies.append(request.read())
        return respond(request)

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            where = {"base_url": BASE} if source is None else {"base_urls": {source: BASE}}
            if inputs is None:
                return await function(client=client, **where)
            return await function(inputs, client=client, **where)

    return asyncio.run(go()), exchange


def build_inputs(cls: type, case: WorkflowCase, values: dict[str, Any]) -> Any:
    """An instance of the inputs dataclass with `values` (by document name) for every field."""
    fields = dataclasses.fields(cls)
    ordered = [i for i in case.inputs if i.keyword_only_required] + [
        i for i in case.inputs if not i.keyword_only_required
    ]
    if len(fields) != len(ordered):
        raise CodeProblem(f"{len(fields)} fields for {len(ordered)} inputs")
    return cls(**{f.name: values[i.name] for f, i in zip(fields, ordered, strict=True)})


def field_for(cls: type, case: WorkflowCase) -> dict[str, str]:
    fields = dataclasses.fields(cls)
    ordered = [i for i in case.inputs if i.keyword_only_required] + [
        i for i in case.inputs if not i.keyword_only_required
    ]
    return {i.name: f.name for f, i in zip(fields, ordered, strict=True)}


def expected_path(step: StepCase) -> str:
    if step.path_value is None:
        return "/base" + step.path_prefix
    return "/base" + step.path_prefix + step.path_value


def decoded_path(request: httpx.Request) -> str:
    """The request path with each segment percent-decoded (so `%2F` inside one stays a `/`)."""
    raw = request.url.raw_path.decode("ascii").partition("?")[0]
    return "/".join(unquote(part) for part in raw.split("/"))


def docstring_words(doc: str | None) -> str:
    return " ".join(inspect.cleandoc(doc or "").split())


# --- the package README ---------------------------------------------------------------------

_MERMAID_LINE = re.compile(
    r'flowchart TD|    [a-z]+\d*(?:\(\[|\[\[|\[)"[^"\n]*"(?:\]\)|\]\]|\])'
    r'|    [a-z]+\d* (?:-->|-\.->)(?:\|"[^"\n]*"\|)? [a-z]+\d*'
)
_UNESCAPE = re.compile(r"\\(.)")


def plain_one_line(text: str) -> str:
    """Text on one line as a README shows it: control, format and separator characters become
    spaces, runs of spaces one space (independent of generator.diagram)."""
    chars = [" " if unicodedata.category(c)[0] in "CZ" or c.isspace() else c for c in text]
    return " ".join("".join(chars).split())


TESTING_HEADING = "## Testing your code without a server"


def check_readme(text: str, case: Case, functions: list[str]) -> None:
    """The README's Markdown structure is the generated one whatever the document says."""
    workflows = len(case.workflows)
    lines = text.splitlines()
    testing = int(TESTING_HEADING in lines)  # the FakeApi section, with its pytest example
    fences = [n for n, line in enumerate(lines) if line.startswith("```")]
    if len(fences) != 2 * (1 + testing + workflows):
        raise CodeProblem(f"README has {len(fences)} fence lines for {workflows} workflows")
    inside: set[int] = set()
    mermaid_lines: list[str] = []
    for start, end in zip(fences[::2], fences[1::2], strict=True):
        inside.update(range(start, end + 1))
        if lines[start] == "```mermaid":
            mermaid_lines += lines[start + 1 : end]
    for line in mermaid_lines:
        if not _MERMAID_LINE.fullmatch(line):
            raise CodeProblem(f"unexpected Mermaid line {line!r}")
    outside = [line for n, line in enumerate(lines) if n not in inside]
    headings = [line for line in outside if line.startswith("#") and line != TESTING_HEADING]
    if len(headings) != 1 + workflows:
        raise CodeProblem(f"README headings {headings!r}")
    expected_title = plain_one_line(case.title)
    if expected_title and _UNESCAPE.sub(r"\1", headings[0][2:]) != expected_title:
        raise CodeProblem(f"README title {headings[0]!r} for {case.title!r}")
    for heading, workflow in zip(headings[1:], case.workflows, strict=True):
        if _UNESCAPE.sub(r"\1", heading[3:]) != plain_one_line(workflow.workflow_id):
            raise CodeProblem(f"README heading {heading!r} for {workflow.workflow_id!r}")
    tables: list[list[str]] = []
    for n, line in enumerate(outside):
        if line.startswith("|"):
            if n == 0 or not outside[n - 1].startswith("|"):
                tables.append([])
            tables[-1].append(line)
    rows = tables[0] if tables else []
    if len(rows) != 2 + workflows:
        raise CodeProblem(f"README table rows {rows!r}")
    for table in tables[1:]:  # servers and credentials: one cell per header cell
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in table}
        if len(widths) != 1:
            raise CodeProblem(f"README table {table!r}")
    for row, function in zip(rows[2:], functions, strict=True):
        cells = re.split(r"(?<!\\)\|", row)
        if len(cells) != 6 or cells[2].strip() != f"`{function}()`":
            raise CodeProblem(f"README table row {row!r}")
    for line in outside:
        if re.search(r"(?<!\\)<[A-Za-z/!?]", line.replace("`", "")):
            raise CodeProblem(f"raw HTML in README: {line!r}")
