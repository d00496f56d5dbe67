"""Jentic's fixture suite (arazzo-engine/runner/tests/fixtures) run against the code we generate,
judged by the rules of Jentic's own harness (runner/tests/test_fixture_discovery.py and
runner/tests/mocks/http_client.py), reproduced here:

- mocks: a workflow's own `custom_mocks` first (method defaults to POST), then for each OpenAPI
  file of the fixture a generic 200 mock of every operation (a body made from its 200/201 JSON
  schema, `$ref`s not followed) and then the fixture's `custom_mocks` for that file's name
  (method defaults to GET); the first that matches answers, else 404 `{"error": "Not found"}`.
  A mock matches on the method and the URL only: its full URL, or its path with `/api/vN`,
  `/vN` or `/api` prefixes dropped on both sides (`{param}` is a wildcard in relative paths
  and full URLs); its `query_params`, `request_body` and `headers` keys are ignored, as there.
- judging: the run must succeed (or fail, with `expect_success: false`); each expected output
  is looked up by name, or by the last dotted part of a name; one that is not there is skipped,
  as there (the harness also flattens step outputs, which a generated function does not
  return: expected step outputs are therefore skipped here, and counted); values compare with
  its tolerances (strings ignoring case and surrounding space, numbers within 1 %, lists as sets
  of their texts, strings holding JSON parsed); `expected_api_calls` must equal the number of
  requests sent.

Requests reach a loopback server: each source description's server URL is replaced by
`http://127.0.0.1:PORT/__source<N>`, and the server puts the server URL as written back before
matching, joined to the operation's path as arazzo-runner joins them (plain concatenation:
`http://xkcd.com/` + `/info.0.json`), so matchers see the URL arazzo-runner would have sent
(without its query string, which it passes apart).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from corpus import CORPUS
from support import credentials_argument, import_package, loopback_server

from generator import ir
from generator.compile.document import compile_document
from generator.diagnostics import Diagnostics
from generator.pipeline import generate_package
from generator.write import write

FIXTURES = CORPUS / "jentic/arazzo-engine/runner/tests/fixtures"

# ---- the mock HTTP client's matching rules -----------------------------------------------

_API_PREFIXES = (r"^/api/v\d+", r"^/v\d+", r"^/api")


def _normalize_api_path(path: str) -> str:
    for prefix in _API_PREFIXES:
        match = re.match(f"{prefix}(/.*)", path)
        if match:
            return match.group(1)
    return path


def _normalize_full_url(url: str) -> str:
    match = re.match(r"^(https?://[^/]+)(/.*)", url)
    if match and _normalize_api_path(match.group(2)) != match.group(2):
        return match.group(1) + _normalize_api_path(match.group(2))
    return url


def _pattern(text: str) -> re.Pattern[str]:
    escaped = re.sub(r"(?<!\\)\.", r"\\.", text).replace("*", ".*")
    return re.compile(f"^{escaped}$")


@dataclass
class Mock:
    method: str
    url_pattern: str
    status: int
    body: Any

    def __post_init__(self) -> None:
        self.method = self.method.lower()
        with_params = re.sub(r"\{([^}]+)\}", r"[^/]+", self.url_pattern)
        self.full: re.Pattern[str] | None = None
        if self.url_pattern.startswith(("http://", "https://")):
            path = urllib.parse.urlparse(self.url_pattern).path
            self.path = _pattern(_normalize_api_path(path))
            self.full = _pattern(_normalize_full_url(with_params))
        else:
            self.path = _pattern(_normalize_api_path(with_params))

    def matches(self, method: str, url: str) -> bool:
        if method.lower() != self.method:
            return False
        if url.startswith(("http://", "https://")):
            path = urllib.parse.urlparse(url).path
            return bool(
                (self.full is not None and self.full.search(url))
                or self.path.search(_normalize_api_path(path))
                or self.path.search(path)
            )
        normalized = _normalize_api_path(url)
        return bool((normalized != url and self.path.search(normalized)) or self.path.search(url))


def _sample(schema: dict[str, Any]) -> Any:
    """The harness's mock body for an operation's 200/201 JSON schema (refs not followed)."""
    kind = schema.get("type")
    if kind == "object":
        result: dict[str, Any] = {}
        for name, prop in (schema.get("properties") or {}).items():
            result.update(_sample_property(name, prop))
        return result
    if kind == "array":
        items = schema.get("items") or {}
        item_kind = items.get("type")
        if item_kind == "object":
            samples = {"integer": 123, "number": 123.45, "boolean": True}
            item: dict[str, Any] = {}
            for name, prop in (items.get("properties") or {}).items():
                if prop.get("type") == "string":
                    item[name] = f"test-{name}"
                elif prop.get("type") in samples:
                    item[name] = samples[prop["type"]]
            return [item]
        arrays = {
            "string": ["test-item-1", "test-item-2"],
            "integer": [123, 456],
            "number": [123.45, 678.9],
            "boolean": [True, False],
        }
        return arrays.get(item_kind, [])
    return {"result": "success"}


def _sample_property(name: str, prop: dict[str, Any]) -> dict[str, Any]:
    kind = prop.get("type")
    if kind == "string":
        formats = {
            "date-time": "2023-01-01T12:00:00Z",
            "uuid": "00000000-0000-0000-0000-000000000000",
            "email": "test@example.com",
        }
        if prop.get("format") in formats:
            return {name: formats[prop["format"]]}
        return {name: prop["enum"][0] if "enum" in prop else f"test-{name}"}
    scalars = {"integer": 123, "number": 123.45, "boolean": True}
    if kind in scalars:
        return {name: scalars[kind]}
    if kind == "array":
        item_kind = (prop.get("items") or {}).get("type")
        arrays: dict[Any, Any] = {
            "string": ["test-item"],
            "integer": [123],
            "number": [123.45],
            "boolean": [True],
            "object": [{"id": 1, "name": "test-object"}],
        }
        return {name: arrays.get(item_kind, [])}
    if kind == "object":
        nested = prop.get("properties") or {}
        return {name: {"id": 123} if "id" in nested else {"name": f"test-{name}"}}
    return {}


def _generic_mocks(spec: dict[str, Any], base_url: str | None) -> Iterator[Mock]:
    servers = spec.get("servers") or []
    if not base_url and servers:
        base_url = servers[0].get("url")
    if not base_url:
        return
    for path, methods in (spec.get("paths") or {}).items():
        for method, operation in methods.items():
            if method.lower() not in ("get", "post", "put", "delete", "patch"):
                continue
            body: Any = {}
            responses = operation.get("responses") or {}
            success = responses.get("200", {}) or responses.get("201", {})
            schema = (success.get("content") or {}).get("application/json", {}).get("schema")
            if schema:
                body = _sample(schema)
            yield Mock(method, f"{base_url}{path}", 200, body or {"status": "workflow_complete"})


def _custom_mocks(entries: list[dict[str, Any]], default_method: str) -> Iterator[Mock]:
    for entry in entries:
        if entry.get("path"):
            method = entry.get("method", default_method)
            yield Mock(
                method, entry["path"], entry.get("status_code", 200), entry.get("response", {})
            )


# ---- the fixtures ------------------------------------------------------------------------


_SUFFIXES = (".yaml", ".yml", ".json")


def _read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError):
        return None


@dataclass
class Fixture:
    name: str
    folder: Path
    arazzo: list[Path]
    openapi: list[Path]
    config: dict[str, Any]

    def cases(self) -> list[dict[str, Any]]:
        configured = self.config.get("workflows") or []
        if configured:
            return list(configured)
        cases = []
        for path in self.arazzo:
            for workflow in (_read(path) or {}).get("workflows", []):
                cases.append({"id": workflow["workflowId"], "arazzo_spec": str(path)})
        return cases

    def document(self, case: dict[str, Any]) -> Path:
        given = case.get("arazzo_spec")
        return self.folder / given if given else self.arazzo[0]

    def mocks(self, case: dict[str, Any], *, intended: bool = False) -> list[Mock]:
        """The mocks in the harness's order. `intended`: the fixture's own mocks apply whatever
        name they are filed under (the harness looks them up by the OpenAPI file's name, which
        misses most of them) and before the generic ones, as their authors evidently meant."""
        mocks = list(_custom_mocks(case.get("custom_mocks") or [], "post"))
        base_urls = self.config.get("base_urls") or {}
        fixture_mocks = self.config.get("custom_mocks") or {}
        if intended:
            for entries in fixture_mocks.values():
                mocks.extend(_custom_mocks(entries or [], "get"))
            fixture_mocks = {}
        for path in self.openapi:
            name = path.name.rsplit(".", 1)[0]
            mocks.extend(_generic_mocks(_read(path), base_urls.get(name)))
            mocks.extend(_custom_mocks(fixture_mocks.get(name) or [], "get"))
        return mocks


def _having(documents: dict[Path, Any], key: str, suffixes: tuple[str, ...]) -> list[Path]:
    """The documents with a top-level `key`, by suffix in this order (as the harness globs)."""
    return [
        path
        for suffix in suffixes
        for path, data in documents.items()
        if path.suffix == suffix and isinstance(data, dict) and key in data
    ]


def fixtures() -> list[Fixture]:
    """The fixtures the harness finds: folders with an Arazzo and an OpenAPI document."""
    found = []
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        documents = {p: _read(p) for p in sorted(folder.iterdir()) if p.suffix in _SUFFIXES}

        arazzo = _having(documents, "arazzo", (".yaml", ".yml"))
        openapi = _having(documents, "openapi", _SUFFIXES)
        if arazzo and openapi:
            config_path = folder / "test_config.yaml"
            config = (_read(config_path) or {}) if config_path.exists() else {}
            found.append(Fixture(folder.name, folder, arazzo, openapi, config))
    return found


# ---- compiling and running ---------------------------------------------------------------


@dataclass
class Compiled:
    module: ir.Module | None
    package: ModuleType | None
    diagnostics: Diagnostics

    def workflow(self, workflow_id: str) -> ir.Workflow | None:
        if self.module is None:
            return None
        return next((w for w in self.module.workflows if w.workflow_id == workflow_id), None)


def compile_fixture_document(path: Path, out: Path, package: str) -> Compiled:
    """The document compiled with --keep-going: its valid workflows, and every error."""
    diagnostics = Diagnostics()
    module = compile_document(path, diagnostics, package=package, keep_going=True)
    if module is None:
        return Compiled(None, None, diagnostics)
    generated = generate_package(path, Diagnostics(), package=package, keep_going=True)
    assert generated is not None
    write(out, generated.package, generated.files)
    return Compiled(module, import_package(out, package), diagnostics)


@dataclass
class CaseResult:
    passed: bool
    problems: list[str] = field(default_factory=list)
    checked: int = 0
    skipped: list[str] = field(default_factory=list)
    calls: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)


class _Recorder:
    def __init__(self, mocks: list[Mock], origins: dict[str, str]) -> None:
        self.mocks = mocks
        self.origins = origins
        self.requests: list[tuple[str, str]] = []
        """(method, URL as arazzo-runner would have sent it) of each request received."""

    def answer(self, method: str, path: str) -> tuple[int, Any]:
        route = urllib.parse.urlparse(path).path
        match = re.match(r"^/__source(\d+)(/.*|)$", route)
        url = route
        if match:
            url = self.origins[match.group(1)] + (match.group(2) or "")
        self.requests.append((method, url))
        for mock in self.mocks:
            if mock.matches(method, url):
                return mock.status, mock.body
        return 404, {"error": "Not found"}


def _handler(recorder: _Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            status, body = recorder.answer(self.command, self.path)
            self.send_response(status)
            payload = b""
            if body is not None and status not in (204, 304):
                payload = json.dumps(body).encode()
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return Handler


def _sources(module: ir.Module) -> dict[str, ir.Source]:
    found: dict[str, ir.Source] = {}
    for workflow in (*module.workflows, *module.internal_workflows):
        for source in workflow.sources:
            found.setdefault(source.name, source)
    return found


def _inputs(workflow: ir.Workflow, given: dict[str, Any], package: ModuleType) -> Any:
    fields = {f.wire_name: f.name for f in workflow.inputs.fields}
    arguments = {fields[k]: v for k, v in given.items() if k in fields}
    return getattr(package, workflow.inputs.class_name)(**arguments)


def _as_json(value: Any) -> Any:
    """An output as the JSON value it was read from (a model by its document's member names),
    as arazzo-runner returns it."""
    if hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    return value


def run_case(
    compiled: Compiled, fixture: Fixture, case: dict[str, Any], *, intended: bool = False
) -> CaseResult:
    workflow = compiled.workflow(case["id"])
    assert workflow is not None and compiled.module is not None and compiled.package is not None
    sources = _sources(compiled.module)
    origins: dict[str, str] = {}
    recorder = _Recorder(fixture.mocks(case, intended=intended), origins)
    with loopback_server(_handler(recorder)) as base:
        base_urls = {}
        for index, (name, source) in enumerate(sorted(sources.items())):
            origins[str(index)] = source.server_url or ""
            base_urls[name] = f"{base}/__source{index}"
        given = case.get("inputs", case.get("params", {})) or {}
        function = getattr(compiled.package, workflow.function_name)
        error_class = compiled.package.WorkflowError
        outputs: dict[str, Any] = {}
        failure: str | None = None
        try:
            result = asyncio.run(
                function(
                    _inputs(workflow, given, compiled.package),
                    base_urls=base_urls,
                    **credentials_argument(compiled.package),
                )
            )
            fields = {f.name: f.wire_name for f in workflow.outputs.fields}
            outputs = {
                fields[f.name]: _as_json(getattr(result, f.name))
                for f in dataclasses.fields(result)
            }
        except error_class as exc:
            failure = f"{type(exc).__name__}: {exc}"
    result = judge(case, outputs, failure, len(recorder.requests))
    result.requests = recorder.requests
    return result


def judge(
    case: dict[str, Any], outputs: dict[str, Any], failure: str | None, calls: int
) -> CaseResult:
    result = CaseResult(passed=True, calls=calls)
    expect_success = case.get("expect_success", True)
    if expect_success and failure is not None:
        result.problems.append(f"expected success, got {failure}")
    if not expect_success and failure is None:
        result.problems.append("expected the workflow to fail, but it succeeded")
    for key, expected in (case.get("expected_outputs") or {}).items():
        actual = outputs.get(key)
        if actual is None:
            actual = next((v for k, v in outputs.items() if k.split(".")[-1] == key), None)
        if actual is None:
            result.skipped.append(key)
            continue
        result.checked += 1
        if expected is not None and not values_match(key, actual, expected):
            result.problems.append(f"output {key!r}: expected {expected!r}, got {actual!r}")
    expected_calls = case.get("expected_api_calls")
    if expected_calls is not None and calls != expected_calls:
        result.problems.append(f"expected {expected_calls} API calls, got {calls}")
    result.passed = not result.problems
    return result


def values_match(key: str, actual: Any, expected: Any) -> bool:
    """The harness's comparison of one output value with the expected one."""
    lowered = key.lower()
    if isinstance(actual, str) and isinstance(expected, str):
        a, e = actual.lower(), expected.lower()
        if actual.strip().lower() == expected.strip().lower():
            return True
        if "token" in lowered and actual.startswith("test-token") and e.startswith("test-token"):
            return True
        user_key = key == "userId" or key.endswith(".userId") or "user_id" in lowered
        if user_key and ("user-" in a or "test-user" in a) and ("user-" in e or "test-user" in e):
            return True
        if key in ("result", "message") or "message" in lowered:
            if ("hello" in e or "test" in e) and ("hello" in a or "test" in a):
                return True
            a_name = actual.split(",")[-1].strip() if "," in actual else actual
            e_name = expected.split(",")[-1].strip() if "," in expected else expected
            if len(a_name) > 3 and len(e_name) > 3 and (a_name in expected or e_name in actual):
                return True
        if (key == "name" or key.endswith(".name")) and any(
            x in a and y in e for x in ("test", "user") for y in ("test", "user")
        ):
            return True
    elif isinstance(actual, int | float) and isinstance(expected, int | float):
        if abs(actual - expected) < max(abs(actual), abs(expected)) * 0.01:
            return True
    elif (
        isinstance(actual, list)
        and isinstance(expected, list)
        and {str(x) for x in actual} == {str(x) for x in expected}
    ):
        return True
    if isinstance(actual, str):
        with contextlib.suppress(json.JSONDecodeError):
            actual = json.loads(actual)
    return bool(actual == expected)
