"""A JSON request body written as its JSON text (a YAML block string with embedded
expressions, as the Arazzo specification's own examples write it) is sent as that text, not
as a JSON string holding it (found by `make corpus-run`: Prism rejected such bodies)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import compile_documents

OPENAPI = """
openapi: 3.1.0
info: {title: Orders, version: "1"}
servers: [{url: "https://orders.example"}]
paths:
  /orders:
    post:
      operationId: placeOrder
      requestBody:
        content:
          application/json:
            schema: {}
      responses:
        "200": {description: ok}
"""


def document(payload: str) -> dict[str, str]:
    arazzo = f"""
arazzo: 1.0.1
info: {{title: Orders flow, version: "1"}}
sourceDescriptions:
  - {{name: orders, url: ./orders.openapi.yaml, type: openapi}}
workflows:
  - workflowId: order
    inputs:
      type: object
      properties:
        petId: {{type: string}}
        quantity: {{type: integer}}
    steps:
      - stepId: place
        operationId: placeOrder
        requestBody:
          contentType: application/json
          payload: {payload}
"""
    return {"workflow.arazzo.yaml": arazzo, "orders.openapi.yaml": OPENAPI}


def sent_body(tmp_path: Path, payload: str) -> Any:
    module, _ = compile_documents(tmp_path, document(payload))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            await module.order(module.OrderInputs(pet_id="p-1", quantity=3), client=client)

    asyncio.run(go())
    assert seen[0].headers["Content-Type"] == "application/json"
    return json.loads(seen[0].content)


BLOCK = """|
            {
              "order": {"petId": "{$inputs.petId}", "quantity": {$inputs.quantity}},
              "notes": ["first"]
            }"""


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (BLOCK, {"order": {"petId": "p-1", "quantity": 3}, "notes": ["first"]}),
        ("'[1, 2]'", [1, 2]),
        ("'{\"a\": true}'", {"a": True}),
        # Not JSON text: a string, sent as a JSON string.
        ("'just words'", "just words"),
        ("'pet {$inputs.petId}'", "pet p-1"),
        ("'\"quoted\"'", '"quoted"'),
    ],
)
def test_string_payloads_of_a_json_body(tmp_path: Path, payload: str, expected: Any) -> None:
    assert sent_body(tmp_path, payload) == expected
