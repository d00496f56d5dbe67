"""Arazzo 1.1 additions: in: querystring, Selector Objects, step timeout, step dependsOn,
action parameters, and AsyncAPI steps rejected with a clear error."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import CompileFailed, compile_documents

OPENAPI = """
openapi: 3.2.0
info: {title: Search, version: "1"}
servers: [{url: "https://search.example"}]
paths:
  /search:
    get:
      operationId: search
      responses:
        "200":
          description: results
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {type: array, items: {type: object}}
"""


def document(steps: str, outputs: str = "") -> dict[str, str]:
    return {
        "workflow.arazzo.yaml": f"""
arazzo: 1.1.0
info: {{title: Search, version: "1"}}
sourceDescriptions:
  - {{name: search, url: ./search.openapi.yaml}}
workflows:
  - workflowId: find
    inputs:
      type: object
      properties:
        term: {{type: string, default: cats}}
    steps:
{steps}
{outputs}
""",
        "search.openapi.yaml": OPENAPI,
    }


def run(module: Any, handler: Any) -> Any:
    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await module.find(client=client)

    return asyncio.run(go())


QUERYSTRING_AND_SELECTORS = """
      - stepId: first
        operationId: search
        parameters:
          - {name: q, in: querystring, value: "q={$inputs.term}&page=1"}
        outputs:
          body: $response.body
      - stepId: second
        operationId: search
        dependsOn: [first]
        timeout: 2000
        parameters:
          - name: X-First-Id
            in: header
            value: {context: $steps.first.outputs.body, selector: /items/0/id, type: jsonpointer}
          - name: ids
            in: query
            value:
              context: $steps.first.outputs.body
              selector: $.items[*].id
              type: {type: jsonpath, version: rfc9535}
"""


def test_querystring_selectors_and_timeout(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, document(QUERYSTRING_AND_SELECTORS))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": [{"id": "a1"}, {"id": "b2"}]})

    run(module, handler)

    assert str(seen[0].url) == "https://search.example/search?q=cats&page=1"
    assert seen[1].headers["X-First-Id"] == "a1"
    assert seen[1].url.params.get_list("ids") == ["a1", "b2"]
    assert seen[1].extensions["timeout"]["read"] == 2.0


def test_step_timeout_fails_the_step(tmp_path: Path) -> None:
    steps = """
      - stepId: slow
        operationId: search
        timeout: 100
"""
    module, _ = compile_documents(tmp_path, document(steps))

    async def handler(request: httpx.Request) -> httpx.Response:
        timeout = request.extensions["timeout"]["read"]
        await asyncio.sleep(timeout)
        raise httpx.ReadTimeout("timed out", request=request)

    started = time.monotonic()
    with pytest.raises(module.StepRequestError, match="timed out"):
        run(module, handler)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (
            "      - {stepId: a, operationId: search, dependsOn: [b]}\n"
            "      - {stepId: b, operationId: search}\n",
            "step 'a' depends on 'b', which comes after it",
        ),
        (
            "      - {stepId: a, operationId: search, parameters: [{name: q, in: querystring, "
            "value: x}, {name: p, in: query, value: 1}]}\n",
            "cannot be combined with 'in: query' parameters",
        ),
        (
            "      - {stepId: a, channelPath: '{$sourceDescriptions.search.url}#/channels/x', "
            "action: receive}\n",
            r"step 'a' is an AsyncAPI step \('channelPath'\); AsyncAPI steps are not supported",
        ),
        (
            "      - stepId: a\n        operationId: search\n        parameters:\n"
            "          - {name: X, in: header, value: {context: $inputs.term, selector: x, "
            "type: jsonpointer}}\n",
            "invalid jsonpointer selector 'x'",
        ),
    ],
)
def test_1_1_errors(tmp_path: Path, steps: str, message: str) -> None:
    with pytest.raises(CompileFailed, match=message):
        compile_documents(tmp_path, document(steps))
