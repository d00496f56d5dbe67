"""Parameters serialized per OpenAPI style/explode, form/multipart/XML bodies, replacements."""

from __future__ import annotations

import asyncio
import json
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
from support import compile_documents

OPENAPI = """
openapi: 3.1.0
info: {title: Items, version: "1"}
servers: [{url: "https://items.example"}]
paths:
  /items/{ids}:
    post:
      operationId: saveItems
      parameters:
        - name: ids
          in: path
          required: true
          style: label
          schema: {type: array, items: {type: integer}}
        - {name: tags, in: query, schema: {type: array, items: {type: string}}}
        - {name: filter, in: query, style: deepObject, schema: {type: object}}
        - {name: pipes, in: query, style: pipeDelimited, explode: false, schema: {type: array}}
        - {name: X-Colors, in: header, schema: {type: array}}
        - {name: session, in: cookie, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: {type: object}
      responses:
        "200": {description: ok}
  /forms:
    post:
      operationId: postForm
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object}
      responses:
        "200": {description: ok}
  /uploads:
    post:
      operationId: upload
      requestBody:
        content:
          multipart/form-data:
            schema: {type: object}
      responses:
        "200": {description: ok}
  /xml:
    post:
      operationId: postXml
      requestBody:
        content:
          application/xml:
            schema: {type: string}
      responses:
        "200": {description: ok}
"""

ARAZZO = """
arazzo: 1.0.1
info: {title: Items, version: "1"}
sourceDescriptions:
  - {name: items, url: ./items.openapi.yaml}
workflows:
  - workflowId: save
    inputs:
      type: object
      properties:
        ids: {type: array, items: {type: integer}, default: [3, 4]}
        tags: {type: array, items: {type: string}, default: [a, b]}
        name: {type: string, default: Rex}
    steps:
      - stepId: save
        operationId: saveItems
        parameters:
          - {name: ids, in: path, value: $inputs.ids}
          - {name: tags, in: query, value: $inputs.tags}
          - {name: filter, in: query, value: {color: red, size: 2}}
          - {name: pipes, in: query, value: [x, y]}
          - {name: X-Colors, in: header, value: [blue, black]}
          - {name: session, in: cookie, value: abc}
        requestBody:
          payload: {pet: {name: placeholder, tags: []}}
          replacements:
            - {target: /pet/name, value: $inputs.name}
            - {target: /pet/tags/-, value: new}
      - stepId: form
        operationId: postForm
        requestBody:
          contentType: application/x-www-form-urlencoded
          payload: {tags: $inputs.tags, name: $inputs.name, meta: {a: 1}}
      - stepId: upload
        operationId: upload
        requestBody:
          contentType: multipart/form-data
          payload: {name: $inputs.name, meta: {a: 1}}
      - stepId: xml
        operationId: postXml
        requestBody:
          contentType: application/xml
          payload: "<pet><name>x</name><tag id='1'>t</tag></pet>"
          replacements:
            - {target: /pet/name, value: $inputs.name}
            - {target: "/pet/tag/@id", value: "9"}
"""


def run_save(tmp_path: Path) -> list[httpx.Request]:
    module, _ = compile_documents(
        tmp_path, {"workflow.arazzo.yaml": ARAZZO, "items.openapi.yaml": OPENAPI}
    )
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(200, json={})

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await module.save(client=client)

    asyncio.run(go())
    return seen


def test_parameters_follow_openapi_styles(tmp_path: Path) -> None:
    request = run_save(tmp_path)[0]

    assert request.url.raw_path.split(b"?")[0] == b"/items/.3,4"
    assert parse_qsl(request.url.query.decode()) == [
        ("tags", "a"),
        ("tags", "b"),
        ("filter[color]", "red"),
        ("filter[size]", "2"),
        ("pipes", "x|y"),
    ]
    assert request.headers["X-Colors"] == "blue,black"
    assert request.headers["Cookie"] == "session=abc"


def test_json_pointer_replacements(tmp_path: Path) -> None:
    request = run_save(tmp_path)[0]

    assert json.loads(request.content) == {"pet": {"name": "Rex", "tags": ["new"]}}


def test_form_body_repeats_arrays_and_sends_objects_as_json(tmp_path: Path) -> None:
    request = run_save(tmp_path)[1]

    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.content.decode()) == [
        ("tags", "a"),
        ("tags", "b"),
        ("name", "Rex"),
        ("meta", '{"a":1}'),
    ]


def test_multipart_body(tmp_path: Path) -> None:
    request = run_save(tmp_path)[2]

    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.content
    )
    parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
    assert parts["name"].get_content() == "Rex"
    assert parts["meta"].get_content_type() == "application/json"
    assert json.loads(parts["meta"].get_payload(decode=True)) == {"a": 1}


def test_xpath_replacements_in_xml(tmp_path: Path) -> None:
    request = run_save(tmp_path)[3]

    assert request.headers["Content-Type"] == "application/xml"
    assert request.content.decode() == '<pet><name>Rex</name><tag id="9">t</tag></pet>'
