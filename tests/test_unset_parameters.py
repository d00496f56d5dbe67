"""A parameter whose value is unset (None: an optional output the response lacked) is left out
of the request when it is a header, and stops the step with its StepRequestError when it is a
path parameter: a path cannot leave it out, and an empty segment would call another resource
(both found by `make corpus-run`: Prism rejected `GET /documents/` and an empty Authorization)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from support import compile_documents

OPENAPI = """
openapi: 3.1.0
info: {title: Docs, version: "1"}
servers: [{url: "https://docs.example"}]
paths:
  /login:
    post:
      operationId: login
      responses:
        "200": {description: ok}
  /documents/{docId}:
    get:
      operationId: getDocument
      parameters:
        - {name: docId, in: path, required: true, schema: {}}
        - {name: Authorization, in: header, schema: {}}
        - {name: X-Tags, in: header, schema: {}}
      responses:
        "200": {description: ok}
"""

ARAZZO = """
arazzo: 1.0.1
info: {title: Docs flow, version: "1"}
sourceDescriptions:
  - {name: docs, url: ./docs.openapi.yaml, type: openapi}
workflows:
  - workflowId: read
    steps:
      - stepId: login
        operationId: login
        outputs:
          token: $response.body#/token
          docId: $response.body#/docId
          tags: $response.body#/tags
      - stepId: fetch
        operationId: getDocument
        parameters:
          - {name: docId, in: path, value: $steps.login.outputs.docId}
          - {name: Authorization, in: header, value: $steps.login.outputs.token}
          - {name: X-Tags, in: header, value: $steps.login.outputs.tags}
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Any:
    documents = {"workflow.arazzo.yaml": ARAZZO, "docs.openapi.yaml": OPENAPI}
    module, _ = compile_documents(tmp_path_factory.mktemp("docs"), documents)
    return module


def run(package: Any, login_body: dict[str, Any]) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=login_body if request.url.path == "/login" else {})

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            await package.read(package.ReadInputs(), client=client)

    asyncio.run(go())
    return seen


def test_unset_headers_are_left_out(package: Any) -> None:
    _, fetch = run(package, {"docId": "d 1"})

    assert fetch.url.raw_path == b"/documents/d%201"
    assert "Authorization" not in fetch.headers
    assert "X-Tags" not in fetch.headers


def test_set_headers_are_sent(package: Any) -> None:
    _, fetch = run(package, {"docId": 7, "token": "Bearer t", "tags": ["a", "b"]})

    assert (fetch.headers["Authorization"], fetch.headers["X-Tags"]) == ("Bearer t", "a,b")


@pytest.mark.parametrize("doc_id", [None, "absent"])
def test_an_unset_path_parameter_stops_the_step(package: Any, doc_id: str | None) -> None:
    body = {"token": "tok-123"} if doc_id == "absent" else {"token": "tok-123", "docId": None}
    with pytest.raises(package.StepRequestError, match="path parameter") as caught:
        run(package, body)

    assert caught.value.step_id == "fetch"
