"""JSON Pointer (RFC 6901), one implementation per side: the compiler's generator/jsonpointer.py
and the generated packages' `_runtime` (which `_serialize` uses). `01`, `-` and `²` are not
array indexes: a located error where the schema tells, no value (never a ValueError) at run time."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import CompileFailed, compile_documents, load_runtime

from generator import jsonpointer

runtime = load_runtime()
DOCUMENT = {"list": ["a", "b"], "a/b": {"~": 1}, "": 0, "01": "key"}


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        ("", DOCUMENT),
        ("/list/1", "b"),
        ("/list/0", "a"),
        ("/list/01", None),  # a leading zero: not index 1
        ("/list/²", None),  # a Unicode digit: not an index (int() would take it)
        ("/list/-", None),  # the end of the array selects nothing
        ("/list/2", None),
        ("/list/-1", None),
        ("/a~1b/~0", 1),
        ("/", 0),
        ("/01", "key"),  # an object member named "01" is fine
    ],
)
def test_both_sides_agree_on_rfc6901(pointer: str, expected: Any) -> None:
    found, value = jsonpointer.resolve(DOCUMENT, pointer)
    assert (value if found else None) == expected
    assert runtime.lookup(DOCUMENT, pointer) == expected


@pytest.mark.parametrize("token", ["01", "-", "²", "1.0", "+1", " 1", ""])
def test_what_is_not_an_array_index(token: str) -> None:
    assert jsonpointer.array_index(token) is None
    assert runtime.array_index(token) is None


def test_tokens_unescape_and_refuse_bad_escapes() -> None:
    assert jsonpointer.tokens("/a~1b/c~0d") == runtime.pointer_tokens("/a~1b/c~0d")
    assert jsonpointer.tokens("/a~01") == ["a~1"]
    for bad in ("a", "/a~2"):
        with pytest.raises(ValueError):
            jsonpointer.tokens(bad)
        with pytest.raises(ValueError):
            runtime.pointer_tokens(bad)


def document(output: str, schema: bool) -> dict[str, str]:
    content = (
        """
          content:
            application/json:
              schema:
                type: object
                properties: {list: {type: array, items: {type: string}}}"""
        if schema
        else ""
    )
    return {
        "workflow.arazzo.yaml": f"""
arazzo: 1.0.1
info: {{title: Lists, version: "1"}}
sourceDescriptions:
  - {{name: lists, url: ./lists.openapi.yaml}}
workflows:
  - workflowId: read
    steps:
      - stepId: get
        operationId: getList
        outputs: {{item: "{output}"}}
    outputs: {{item: $steps.get.outputs.item}}
""",
        "lists.openapi.yaml": f"""
openapi: 3.1.0
info: {{title: Lists, version: "1"}}
servers: [{{url: "https://lists.example"}}]
paths:
  /list:
    get:
      operationId: getList
      responses:
        "200":
          description: the list{content}
""",
    }


@pytest.mark.parametrize("token", ["01", "²", "-"])
def test_a_token_that_is_no_index_into_a_schema_array_is_a_located_error(
    tmp_path: Path, token: str
) -> None:
    with pytest.raises(CompileFailed) as failed:
        compile_documents(tmp_path, document(f"$response.body#/list/{token}", schema=True))
    [error] = failed.value.diagnostics.errors
    assert f"'{token}' is not an array index" in error.message
    assert (error.location.line, error.location.pointer) == (
        11,
        "/workflows/0/steps/0/outputs/item",
    )


@pytest.mark.parametrize(("token", "expected"), [("1", "b"), ("01", None), ("²", None)])
def test_at_run_time_no_index_selects_nothing(tmp_path: Path, token: str, expected: Any) -> None:
    module, _ = compile_documents(tmp_path, document(f"$response.body#/list/{token}", False))

    async def go() -> Any:
        transport = httpx.MockTransport(lambda _: httpx.Response(200, json={"list": ["a", "b"]}))
        async with httpx.AsyncClient(transport=transport) as client:
            return await module.read(client=client)

    assert asyncio.run(go()).item == expected
