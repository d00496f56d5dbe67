"""regex, jsonpath and xpath criteria compiled and run, with their failure cases."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import CompileFailed, compile_documents

OPENAPI = """
openapi: 3.1.0
info: {title: Orders, version: "1"}
servers: [{url: "https://orders.example"}]
paths:
  /orders:
    get:
      operationId: listOrders
      responses:
        "200": {description: orders}
"""


def document(criteria: str) -> dict[str, str]:
    return {
        "workflow.arazzo.yaml": f"""
arazzo: 1.0.1
info: {{title: Orders, version: "1"}}
sourceDescriptions:
  - {{name: orders, url: ./orders.openapi.yaml}}
workflows:
  - workflowId: check
    steps:
      - stepId: list
        operationId: listOrders
        successCriteria:
{criteria}
""",
        "orders.openapi.yaml": OPENAPI,
    }


def passes(module: Any, response: httpx.Response) -> bool:
    async def go() -> None:
        transport = httpx.MockTransport(lambda request: response)
        async with httpx.AsyncClient(transport=transport) as client:
            await module.check(client=client)

    try:
        asyncio.run(go())
    except module.StepFailedError:
        return False
    return True


def test_regex_matches_anywhere_in_the_context(tmp_path: Path) -> None:
    module, _ = compile_documents(
        tmp_path,
        document(
            "          - {context: $response.header.X-Status, type: regex, condition: '^ok-\\d+$'}"
        ),
    )
    assert passes(module, httpx.Response(200, headers={"X-Status": "ok-12"}))
    assert not passes(module, httpx.Response(200, headers={"X-Status": "fail-12"}))
    assert not passes(module, httpx.Response(200))  # no header: the criterion fails


def test_jsonpath_on_an_object_root_sees_its_members(tmp_path: Path) -> None:
    criteria = (
        "          - {context: $response.body, type: jsonpath,"
        " condition: \"$[?@.status == 'open']\"}"
    )
    module, _ = compile_documents(tmp_path, document(criteria))
    source = (Path(module.__file__).parent / "workflows.py").read_text()
    assert "_jsonpath" not in source  # simple enough to compile to plain Python
    assert passes(module, httpx.Response(200, json={"id": {"status": "open"}}))
    assert not passes(module, httpx.Response(200, json={"id": {"status": "OPEN"}}))
    assert not passes(module, httpx.Response(200, text="not json"))


def test_jsonpath_needing_the_library(tmp_path: Path) -> None:
    criteria = (
        "          - context: $response.body\n"
        "            type: {type: jsonpath, version: rfc9535}\n"
        "            condition: $..items[?match(@.sku, 'A-[0-9]+')]"
    )
    module, _ = compile_documents(tmp_path, document(criteria))
    assert (Path(module.__file__).parent / "_jsonpath.py").exists()
    assert passes(module, httpx.Response(200, json={"page": {"items": [{"sku": "A-7"}]}}))
    assert not passes(module, httpx.Response(200, json={"page": {"items": [{"sku": "B-7"}]}}))


def test_xpath_with_its_version(tmp_path: Path) -> None:
    criteria = (
        "          - context: $response.body\n"
        "            type: {type: xpath, version: xpath-10}\n"
        "            condition: count(/orders/order[@state='open']) > 1"
    )
    module, _ = compile_documents(tmp_path, document(criteria))
    open_two = "<orders><order state='open'/><order state='open'/></orders>"
    open_one = "<orders><order state='open'/><order state='done'/></orders>"
    assert passes(module, httpx.Response(200, text=open_two))
    assert not passes(module, httpx.Response(200, text=open_one))
    assert not passes(module, httpx.Response(200, text="<orders>"))  # not XML: fails


def test_comparison_written_as_jsonpath_is_read_as_a_filter(tmp_path: Path) -> None:
    criteria = (
        "          - {context: $response.body, type: jsonpath,"
        " condition: '$.data.status == \"DONE\"'}"
    )
    module, diagnostics = compile_documents(tmp_path, document(criteria))
    assert any("read as '$[?$.data.status == 'DONE']'" in d.message for d in diagnostics.warnings)
    assert passes(module, httpx.Response(200, json={"data": {"status": "DONE"}}))
    assert not passes(module, httpx.Response(200, json={"data": {"status": "FAILED"}}))


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        (
            "          - {context: $response.body, type: regex, condition: '(unclosed'}",
            "invalid regex",
        ),
        (
            "          - {context: $response.body, type: jsonpath, condition: '$[?'}",
            "invalid jsonpath",
        ),
        ("          - {context: $response.body, type: xpath, condition: '//a['}", "invalid xpath"),
        ("          - {context: $inputs.nothing, type: regex, condition: 'x'}", "unknown input"),
    ],
)
def test_invalid_criteria_are_compile_errors(tmp_path: Path, criteria: str, message: str) -> None:
    with pytest.raises(CompileFailed, match=message):
        compile_documents(tmp_path, document(criteria))


def test_helper_modules_follow_the_code_not_the_text(tmp_path: Path) -> None:
    documents = document("          - condition: $statusCode == 200")
    documents["workflow.arazzo.yaml"] = documents["workflow.arazzo.yaml"].replace(
        "  - workflowId: check\n",
        "  - workflowId: check\n"
        "    description: Calls no _jsonpath.matches, _xpath.matches nor _serialize.form_fields.\n",
    )
    module, _ = compile_documents(tmp_path, documents)
    folder = Path(module.__file__).parent
    # _fake.py is every package's test-fake engine (imported only by testing.py)
    helpers = sorted(p.name for p in folder.glob("_*.py"))
    assert helpers == ["__init__.py", "_fake.py", "_runtime.py"]
    assert passes(module, httpx.Response(200))


def test_each_context_is_evaluated_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Criteria that read their context several times (comparisons read as filters on `$`)
    evaluate it once: the body is read once, `$inputs` built once, for the whole check (also
    by the first criterion, which on its own reads the body once)."""
    documents = document(
        "          - {context: $response.body, type: jsonpath, condition: \"$[?@ == 'held']\"}\n"
        "          - {context: $response.body, type: jsonpath,"
        ' condition: \'$.state == "open" || $.state == "held"\'}\n'
        "          - {context: $response.body, type: jsonpath,"
        " condition: '$[?length($.lines) >= 1 && $.total > 10]'}\n"
        "          - {context: $inputs, type: jsonpath, condition: \"$[?$.kind == 'quick']\"}"
    )
    documents["workflow.arazzo.yaml"] = documents["workflow.arazzo.yaml"].replace(
        "  - workflowId: check\n",
        "  - workflowId: check\n    inputs: {type: object, properties: {kind: {type: string}}}\n",
    )
    module, _ = compile_documents(tmp_path, documents)
    runtime = sys.modules[f"{module.__name__}._runtime"]
    reads: list[str] = []
    built: list[object] = []
    read_value, present = runtime.StepResponse.value, runtime.present

    def counted_read(response: Any, pointer: str) -> Any:
        reads.append(pointer)
        return read_value(response, pointer)

    def counted_present(values: Any) -> Any:
        built.append(values)
        return present(values)

    monkeypatch.setattr(runtime.StepResponse, "value", counted_read)
    monkeypatch.setattr(runtime, "present", counted_present)

    def run(body: object, kind: str) -> bool:
        reads.clear()
        built.clear()

        async def go() -> None:
            transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
            async with httpx.AsyncClient(transport=transport) as client:
                await module.check(module.CheckInputs(kind=kind), client=client)

        try:
            asyncio.run(go())
        except module.StepFailedError:
            return False
        finally:
            assert reads == [""], reads  # the body, once for all three criteria
            assert len(built) == 1, built  # `$inputs`, once
        return True

    good = {"state": "held", "lines": [1], "total": 11}
    assert run(good, "quick")
    assert not run(good, "slow")
    assert not run({**good, "state": "closed"}, "quick")
    assert not run({**good, "lines": []}, "quick")
    assert not run({**good, "total": True}, "quick")  # true is not a number
