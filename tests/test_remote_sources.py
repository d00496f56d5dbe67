"""Remote source descriptions are fetched only with --allow-remote, bounded in time and size."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest
from support import loopback_server, write_documents

from generator.diagnostics import Diagnostics
from generator.load import remote
from generator.pipeline import generate_package

OPENAPI = """
openapi: 3.1.0
info: {title: Remote, version: "1"}
servers: [{url: "https://remote.example"}]
paths:
  /ping:
    get:
      operationId: ping
      responses:
        "200":
          description: pong
          content:
            application/json:
              schema: {$ref: "schemas.yaml#/Pong"}
"""
SCHEMAS = "Pong:\n  type: object\n  required: [ok]\n  properties: {ok: {type: boolean}}\n"


class Files(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    delay = 0.0

    def do_GET(self) -> None:
        time.sleep(self.delay)
        body = self.files.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Files.files = {"/api.yaml": OPENAPI.encode(), "/schemas.yaml": SCHEMAS.encode()}
    Files.delay = 0.0
    with loopback_server(Files) as url:
        yield url


def arazzo(url: str) -> str:
    return f"""
arazzo: 1.0.1
info: {{title: Remote, version: "1"}}
sourceDescriptions:
  - {{name: remote, url: "{url}"}}
workflows:
  - workflowId: ping
    steps:
      - stepId: ping
        operationId: ping
        outputs: {{ok: $response.body#/ok}}
    outputs:
      ok: $steps.ping.outputs.ok
"""


def compile_with(tmp_path: Path, url: str, allow_remote: bool) -> tuple[object, Diagnostics]:
    write_documents(tmp_path, {"workflow.arazzo.yaml": arazzo(url)})
    diagnostics = Diagnostics()
    package = generate_package(
        tmp_path / "workflow.arazzo.yaml", diagnostics, allow_remote=allow_remote
    )
    return package, diagnostics


def test_remote_source_is_not_fetched_without_the_flag(tmp_path: Path, server: str) -> None:
    package, diagnostics = compile_with(tmp_path, f"{server}/api.yaml", allow_remote=False)

    assert package is None
    assert "allow fetching with --allow-remote" in diagnostics.errors[0].message


def test_remote_source_and_its_relative_refs_are_fetched_with_the_flag(
    tmp_path: Path, server: str
) -> None:
    package, diagnostics = compile_with(tmp_path, f"{server}/api.yaml", allow_remote=True)

    assert package is not None, [str(d) for d in diagnostics.items]
    assert "ok: bool" in package.files["workflows.py"]  # typed through the fetched $ref


def test_fetch_is_bounded_in_size(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "MAX_BYTES", 1000)
    Files.files["/api.yaml"] = OPENAPI.encode() + b"#" * 5000

    package, diagnostics = compile_with(tmp_path, f"{server}/api.yaml", allow_remote=True)

    assert package is None
    assert "is larger than" in diagnostics.errors[0].message


def test_fetch_is_bounded_in_time(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "TIMEOUT_SECONDS", 0.2)
    Files.delay = 1.0

    started = time.monotonic()
    package, diagnostics = compile_with(tmp_path, f"{server}/api.yaml", allow_remote=True)

    assert package is None
    assert "timed out" in diagnostics.errors[0].message
    assert time.monotonic() - started < 1.0


def test_missing_remote_document(tmp_path: Path, server: str) -> None:
    package, diagnostics = compile_with(tmp_path, f"{server}/nothing.yaml", allow_remote=True)

    assert package is None
    assert "gave HTTP 404" in diagnostics.errors[0].message
