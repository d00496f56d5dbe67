"""Bounds of the loader: node count and nesting checked while composing (YAML with either
loader, and JSON), file names the file system refuses, and remote fetches bounded in total time.
The nesting limit is also checked against the later stages: values nested up to it compile."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from support import compile_documents, loopback_server

from generator.diagnostics import Diagnostics, Location
from generator.load import limits, remote, source
from generator.load.refs import DocumentSet, file_problem
from generator.load.source import LoadedDocument, load_document

LOADERS = ["libyaml", "python", "json"]


def load(
    tmp_path: Path, text: str, name: str = "doc.yaml", **bounds: int
) -> tuple[LoadedDocument | None, Diagnostics]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    diagnostics = Diagnostics()
    return load_document(path, diagnostics, **bounds), diagnostics


def errors(diagnostics: Diagnostics) -> list[str]:
    return [str(d) for d in diagnostics.errors]


@pytest.fixture(params=LOADERS)
def name(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A file name read by one of the three composers."""
    if request.param == "python":
        monkeypatch.setattr(source, "_LOADER", source._PythonLoader)
    return "doc.json" if request.param == "json" else "doc.yaml"


# --- node count and nesting, while composing ---------------------------------------------------


def test_node_limit_stops_composing_early(tmp_path: Path, name: str) -> None:
    text = '{"a": [' + ", ".join(["1"] * 1_000_000) + "]}"
    started = time.perf_counter()
    document, diagnostics = load(tmp_path, text, name, max_nodes=1000)
    assert time.perf_counter() - started < 1.5
    assert document is None
    assert errors(diagnostics) == [
        f"{tmp_path / name}:1:7: error: document too large: more than 1000 nodes "
        "after expanding aliases"
    ]


def test_mapping_keys_are_not_counted(tmp_path: Path, name: str) -> None:
    text = '{"a": 1, "b": 2, "c": 3}'
    assert load(tmp_path, text, name, max_nodes=4)[0] is not None
    document, diagnostics = load(tmp_path, text, name, max_nodes=3)
    assert document is None and "more than 3 nodes" in errors(diagnostics)[0]


def test_depth_limit_stops_composing_early(tmp_path: Path, name: str) -> None:
    # libyaml itself refuses flow collections nested over 1000 levels (also a located error).
    depth = 900 if name == "doc.yaml" else 100_000
    started = time.perf_counter()
    document, diagnostics = load(tmp_path, "[" * depth + "]" * depth, name)
    assert time.perf_counter() - started < 1.5
    assert document is None
    assert errors(diagnostics) == [
        f"{tmp_path / name}:1:65: error: document nested too deeply: more than 64 levels"
    ]


def test_depth_counts_mappings_and_lists(tmp_path: Path, name: str) -> None:
    def nested(levels: int) -> str:
        text = "1"
        for level in range(levels):
            text = f"[{text}]" if level % 2 else f'{{"k": {text}}}'
        return text

    assert load(tmp_path, nested(64), name)[0] is not None
    document, diagnostics = load(tmp_path, nested(65), name)
    assert document is None
    assert errors(diagnostics)[0].endswith("error: document nested too deeply: more than 64 levels")


def test_collector_state_is_restored(tmp_path: Path) -> None:
    assert gc.isenabled()
    load(tmp_path, "a: [1]\n")
    assert gc.isenabled()
    load(tmp_path, "[" * 100 + "]" * 100)
    assert gc.isenabled()
    gc.disable()
    try:
        load(tmp_path, "a: [1]\n")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_budget_locates_the_collection_that_overflows() -> None:
    budget = limits.NodeBudget("f.yaml", limits.Limits(max_nodes=10, max_depth=1))
    budget.enter(None)
    budget.enter(None)
    with pytest.raises(limits.LoadError) as raised:
        budget.leaf(None)
    assert raised.value.location == Location("f.yaml")
    assert "more than 1 levels" in raised.value.message


# --- file names the file system refuses --------------------------------------------------------


def test_over_long_file_name_cannot_be_read(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    assert load_document(tmp_path / ("a" * 300 + ".yaml"), diagnostics) is None
    assert errors(diagnostics)[0].endswith(".yaml: error: cannot read file: File name too long")


def test_file_problem(tmp_path: Path) -> None:
    (tmp_path / "f.yaml").write_text("a: 1\n")
    assert file_problem(tmp_path / "f.yaml") is None
    assert file_problem(tmp_path / "g.yaml") == "does not exist"
    assert file_problem(tmp_path) == "does not exist"
    assert file_problem(tmp_path / ("a" * 300)) == "cannot be opened (file name too long)"


def test_reference_to_an_over_long_file_name_is_located(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    documents = DocumentSet(diagnostics)
    document = documents.load(write(tmp_path / "api.yaml", "x: {$ref: './b.yaml#/X'}\n"))
    assert document is not None
    where = document.location("/x/$ref")
    ref = "./" + "a" * 300 + ".yaml#/X"
    assert documents.resolve_ref(document, ref, where) is None
    assert errors(diagnostics) == [
        f"{where}: error: reference '{ref}' names a file that cannot be opened (file name too long)"
    ]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- remote documents --------------------------------------------------------------------------


class _Drip(BaseHTTPRequestHandler):
    """Sends a document one byte per `pause` seconds: each read is quicker than the timeout, the
    whole (5 s) is not."""

    pause = 0.2

    def do_GET(self) -> None:
        body = b"a: 1\n" + b"#" * 20
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for byte in body:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(self.pause)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def drip() -> Iterator[str]:
    with loopback_server(_Drip) as url:
        yield f"{url}/api.yaml"


def test_fetch_timeout_bounds_the_whole_download(drip: str) -> None:
    diagnostics = Diagnostics()
    where = Location("w.arazzo.yaml", 4, 20)
    started = time.perf_counter()
    assert remote.fetch(drip, diagnostics, where, timeout=0.3) is None
    assert time.perf_counter() - started < 2.0
    assert errors(diagnostics) == [f"{where}: error: fetching {drip} timed out after 0.3 s"]


def test_fetch_within_the_deadline(drip: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_Drip, "pause", 0.01)
    diagnostics = Diagnostics()
    text = remote.fetch(drip, diagnostics, Location("w.arazzo.yaml"), timeout=20)
    assert text == "a: 1\n" + "#" * 20 and not diagnostics.items


def test_fetch_of_an_invalid_url_is_a_diagnostic() -> None:
    diagnostics = Diagnostics()
    assert remote.fetch("http://[oops/x.yaml", diagnostics, Location("w.arazzo.yaml")) is None
    assert "cannot fetch http://[oops/x.yaml" in errors(diagnostics)[0]


# --- values nested up to the limit go through every later stage --------------------------------

OPENAPI = """\
openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example"}]
paths:
  /a:
    post:
      operationId: op
      parameters: [{name: q, in: query, schema: {type: array}}]
      responses: {"200": {description: ok}}
"""
# The nested value starts at level 6 (payload, default) or 7 (parameter value) of the document.
ARAZZO = """\
arazzo: 1.0.1
info: {title: t, version: "1"}
sourceDescriptions: [{name: api, url: ./api.openapi.yaml, type: openapi}]
workflows:
  - workflowId: w
    inputs:
      properties:
        p: {type: object, default: DEFAULT}
    steps:
      - stepId: s
        operationId: op
        parameters: [{name: q, in: query, value: VALUE}]
        requestBody: {contentType: application/json, payload: PAYLOAD}
"""


def nested(levels: int) -> str:
    text = '"x"'
    for level in range(levels):
        text = f"[{text}]" if level % 2 else f"{{k: {text}}}"
    return text


def test_values_nested_to_the_depth_limit_compile(tmp_path: Path) -> None:
    arazzo = (
        ARAZZO.replace("DEFAULT", nested(58))
        .replace("VALUE", nested(57))
        .replace("PAYLOAD", nested(58))
    )
    documents = {"workflow.arazzo.yaml": arazzo, "api.openapi.yaml": OPENAPI}
    module, diagnostics = compile_documents(tmp_path, documents)
    assert not diagnostics.errors
    assert callable(module.w)


@pytest.mark.parametrize("where", ["DEFAULT", "VALUE", "PAYLOAD"])
def test_a_value_nested_one_level_deeper_is_refused(tmp_path: Path, where: str) -> None:
    arazzo = ARAZZO.replace(where, nested(59 if where != "VALUE" else 58))
    for other in {"DEFAULT", "VALUE", "PAYLOAD"} - {where}:
        arazzo = arazzo.replace(other, "1")
    (tmp_path / "api.openapi.yaml").write_text(OPENAPI)
    document, diagnostics = load(tmp_path, arazzo, "workflow.arazzo.yaml")
    assert document is None
    assert "document nested too deeply: more than 64 levels" in errors(diagnostics)[0]
