"""Workflow-level and reusable parameters, inputs from components, and retry through a step."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from support import compile_documents

OPENAPI = """
openapi: 3.1.0
info: {title: Notes, version: "1"}
servers: [{url: "https://notes.example/{version}", variables: {version: {default: v2}}}]
paths:
  /notes:
    get:
      operationId: listNotes
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: X-Api-Key, in: header, schema: {type: string}}
      responses:
        "200":
          description: notes
          content:
            application/json:
              schema: {type: object, properties: {count: {type: integer}}}
  /token:
    post:
      operationId: refresh
      responses:
        "200": {description: refreshed}
"""

ARAZZO = """
arazzo: 1.0.1
info: {title: Notes, version: "1"}
sourceDescriptions:
  - {name: notes, url: ./notes.openapi.yaml}
workflows:
  - workflowId: list-notes
    inputs:
      $ref: "#/components/inputs/credentials"
    parameters:
      - {name: X-Api-Key, in: header, value: $inputs.apiKey}
    steps:
      - stepId: first-page
        operationId: listNotes
        parameters:
          - reference: $components.parameters.page
        outputs: {count: $response.body#/count}
      - stepId: second-page
        operationId: listNotes
        parameters:
          - reference: $components.parameters.page
            value: 2
        successCriteria: [{condition: $statusCode == 200}]
        onFailure:
          - {name: refresh-then-retry, type: retry, stepId: refresh, retryLimit: 1,
             criteria: [{condition: $statusCode == 401}]}
        outputs: {count: $response.body#/count}
      - stepId: refresh
        operationId: refresh
    outputs:
      first: $steps.first-page.outputs.count
      second: $steps.second-page.outputs.count
components:
  inputs:
    credentials:
      type: object
      required: [apiKey]
      properties:
        apiKey: {type: string}
  parameters:
    page: {name: page, in: query, value: 1}
"""


def test_parameters_inputs_and_retry_through_a_step(tmp_path: Path) -> None:
    module, _ = compile_documents(
        tmp_path, {"workflow.arazzo.yaml": ARAZZO, "notes.openapi.yaml": OPENAPI}
    )
    seen: list[str] = []
    second_page_status = [401, 200]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url} key={request.headers.get('X-Api-Key')}")
        if request.url.path.endswith("/token"):
            return httpx.Response(200)
        page = request.url.params["page"]
        status = second_page_status.pop(0) if page == "2" else 200
        return httpx.Response(status, json={"count": int(page) * 10})

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await module.list_notes(module.ListNotesInputs(api_key="k-1"), client=client)

    outputs = asyncio.run(go())

    assert (outputs.first, outputs.second) == (10, 20)
    assert seen == [
        "GET https://notes.example/v2/notes?page=1 key=k-1",
        "GET https://notes.example/v2/notes?page=2 key=k-1",
        "POST https://notes.example/v2/token key=k-1",
        "GET https://notes.example/v2/notes?page=2 key=k-1",
        # then, in document order, the step after second-page: refresh runs again
        "POST https://notes.example/v2/token key=k-1",
    ]
    assert "api_key=***" in repr(module.ListNotesInputs(api_key="k-1"))
