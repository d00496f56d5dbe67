"""Steps that run other workflows, dependsOn, and goto to a workflow."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import CompileFailed, compile_documents

API = """
openapi: 3.1.0
info: {title: Shop, version: "1"}
servers: [{url: "https://shop.example"}]
paths:
  /login:
    post:
      operationId: login
      requestBody:
        content:
          application/json:
            schema: {type: object}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [token]
                properties: {token: {type: string}}
  /orders:
    post:
      operationId: placeOrder
      parameters: [{name: Authorization, in: header, schema: {type: string}}]
      responses:
        "201":
          description: placed
          content:
            application/json:
              schema:
                type: object
                required: [orderId]
                properties: {orderId: {type: integer}}
"""

ARAZZO = """
arazzo: 1.0.1
info: {title: Shop, version: "1"}
sourceDescriptions:
  - {name: shop, url: ./shop.openapi.yaml}
workflows:
  - workflowId: sign-in
    inputs:
      type: object
      required: [user, password]
      properties:
        user: {type: string}
        password: {type: string}
    steps:
      - stepId: login
        operationId: login
        requestBody:
          payload: {user: $inputs.user, password: $inputs.password}
        successCriteria: [{condition: $statusCode == 200}]
        outputs: {token: $response.body#/token}
    outputs:
      token: $steps.login.outputs.token
  - workflowId: buy
    inputs:
      type: object
      required: [user, password]
      properties:
        user: {type: string}
        password: {type: string}
    steps:
      - stepId: authenticate
        workflowId: sign-in
        parameters:
          - {name: user, value: $inputs.user}
          - {name: password, value: $inputs.password}
        outputs:
          token: $outputs.token
      - stepId: order
        operationId: placeOrder
        parameters:
          - {name: Authorization, in: header, value: "Bearer {$steps.authenticate.outputs.token}"}
        successCriteria: [{condition: $statusCode == 201}]
        outputs: {orderId: $response.body#/orderId}
    outputs:
      orderId: $steps.order.outputs.orderId
  - workflowId: buy-after-sign-in
    dependsOn: [sign-in]
    inputs:
      type: object
      required: [user, password]
      properties:
        user: {type: string}
        password: {type: string}
    steps:
      - stepId: order
        operationId: placeOrder
        parameters:
          - {name: Authorization, in: header, value: "Bearer {$workflows.sign-in.outputs.token}"}
        outputs: {orderId: $response.body#/orderId}
    outputs:
      orderId: $steps.order.outputs.orderId
"""


class Shop:
    def __init__(self, login_status: int = 200) -> None:
        self.login_status = login_status
        self.calls: list[tuple[str, str | None]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.url.path, request.headers.get("Authorization")))
        if request.url.path == "/login":
            return httpx.Response(self.login_status, json={"token": "tok-9", "error": "denied"})
        return httpx.Response(201, json={"orderId": 5})


def call(function: Any, inputs: Any, handler: Shop) -> Any:
    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await function(inputs, client=client)

    return asyncio.run(go())


def test_step_runs_a_workflow_and_reads_its_outputs(tmp_path: Path) -> None:
    module, _ = compile_documents(
        tmp_path, {"workflow.arazzo.yaml": ARAZZO, "shop.openapi.yaml": API}
    )
    shop = Shop()

    outputs = call(module.buy, module.BuyInputs(user="ann", password="pw"), shop)

    assert outputs.order_id == 5
    assert shop.calls == [("/login", None), ("/orders", "Bearer tok-9")]


def test_workflows_may_call_workflows_defined_later(tmp_path: Path) -> None:
    first, rest = ARAZZO.split("  - workflowId: buy\n", 1)
    head, sign_in = first.split("workflows:\n", 1)
    buy, after = rest.split("  - workflowId: buy-after-sign-in\n", 1)
    reordered = (
        f"{head}workflows:\n  - workflowId: buy\n{buy}"
        f"  - workflowId: buy-after-sign-in\n{after}{sign_in}"
    )
    module, _ = compile_documents(
        tmp_path, {"workflow.arazzo.yaml": reordered, "shop.openapi.yaml": API}
    )
    outputs = call(module.buy, module.BuyInputs(user="ann", password="pw"), Shop())
    assert outputs.order_id == 5


def test_depends_on_runs_the_dependency_first(tmp_path: Path) -> None:
    module, _ = compile_documents(
        tmp_path, {"workflow.arazzo.yaml": ARAZZO, "shop.openapi.yaml": API}
    )
    shop = Shop()

    inputs = module.BuyAfterSignInInputs(user="ann", password="pw")
    outputs = call(module.buy_after_sign_in, inputs, shop)

    assert outputs.order_id == 5
    assert shop.calls == [("/login", None), ("/orders", "Bearer tok-9")]


def test_nested_workflow_failure_names_the_inner_step(tmp_path: Path) -> None:
    module, _ = compile_documents(
        tmp_path, {"workflow.arazzo.yaml": ARAZZO, "shop.openapi.yaml": API}
    )
    shop = Shop(login_status=403)

    with pytest.raises(module.StepFailedError) as caught:
        call(module.buy, module.BuyInputs(user="ann", password="pw"), shop)

    assert (caught.value.workflow_id, caught.value.step_id) == ("sign-in", "login")
    assert caught.value.status_code == 403
    assert shop.calls == [("/login", None)]


def test_missing_workflow_input_is_a_compile_error(tmp_path: Path) -> None:
    broken = ARAZZO.replace("          - {name: password, value: $inputs.password}\n", "")
    with pytest.raises(CompileFailed, match="workflow 'sign-in' needs its input 'password'"):
        compile_documents(tmp_path, {"workflow.arazzo.yaml": broken, "shop.openapi.yaml": API})


def test_unknown_workflow_output_is_a_compile_error(tmp_path: Path) -> None:
    broken = ARAZZO.replace("token: $outputs.token", "token: $outputs.tokn")
    with pytest.raises(CompileFailed, match="workflow 'sign-in' has no output 'tokn'"):
        compile_documents(tmp_path, {"workflow.arazzo.yaml": broken, "shop.openapi.yaml": API})


GOTO_WORKFLOW = """
arazzo: 1.0.1
info: {title: Shop, version: "1"}
sourceDescriptions:
  - {name: shop, url: ./shop.openapi.yaml}
workflows:
  - workflowId: sign-in
    inputs:
      type: object
      properties: {user: {type: string}, password: {type: string}}
    steps:
      - stepId: login
        operationId: login
        requestBody:
          payload: {user: $inputs.user, password: $inputs.password}
        outputs: {token: $response.body#/token}
  - workflowId: order-or-sign-in
    inputs:
      type: object
      properties: {user: {type: string}, password: {type: string}}
    steps:
      - stepId: order
        operationId: placeOrder
        onFailure:
          - name: sign-in-first
            type: goto
            workflowId: sign-in
"""


def test_goto_a_workflow_runs_it_then_ends(tmp_path: Path) -> None:
    module, _ = compile_documents(
        tmp_path, {"workflow.arazzo.yaml": GOTO_WORKFLOW, "shop.openapi.yaml": API}
    )
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.url.path} {request.content.decode()}")
        if request.url.path == "/orders":
            return httpx.Response(401)
        return httpx.Response(200, json={"token": "t"})

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            inputs = module.OrderOrSignInInputs(user="ann", password="pw")
            return await module.order_or_sign_in(inputs, client=client)

    asyncio.run(go())
    assert calls == ["/orders ", '/login {"user":"ann","password":"pw"}']


LOGIN_DOCUMENT = """
arazzo: 1.0.1
info: {title: Login flows, version: "1"}
sourceDescriptions:
  - {name: shop, url: ./shop.openapi.yaml}
workflows:
  - workflowId: sign-in
    inputs:
      type: object
      required: [user, password]
      properties: {user: {type: string}, password: {type: string}}
    steps:
      - stepId: login
        operationId: login
        requestBody:
          payload: {user: $inputs.user, password: $inputs.password}
        outputs: {token: $response.body#/token}
    outputs:
      token: $steps.login.outputs.token
"""

ORDERING_DOCUMENT = """
arazzo: 1.0.1
info: {title: Orders, version: "1"}
sourceDescriptions:
  - {name: logins, url: ./login.arazzo.yaml, type: arazzo}
  - {name: shop, url: ./shop.openapi.yaml}
workflows:
  - workflowId: buy
    inputs:
      type: object
      required: [user, password]
      properties: {user: {type: string}, password: {type: string}}
    steps:
      - stepId: authenticate
        workflowId: $sourceDescriptions.logins.sign-in
        parameters:
          - {name: user, value: $inputs.user}
          - {name: password, value: $inputs.password}
        outputs:
          token: $outputs.token
      - stepId: order
        operationId: $sourceDescriptions.shop.placeOrder
        parameters:
          - {name: Authorization, in: header, value: "Bearer {$steps.authenticate.outputs.token}"}
        outputs: {orderId: $response.body#/orderId}
    outputs:
      orderId: $steps.order.outputs.orderId
"""


def test_step_runs_a_workflow_of_another_arazzo_document(tmp_path: Path) -> None:
    module, _ = compile_documents(
        tmp_path,
        {
            "workflow.arazzo.yaml": ORDERING_DOCUMENT,
            "login.arazzo.yaml": LOGIN_DOCUMENT,
            "shop.openapi.yaml": API,
        },
    )
    shop = Shop()

    outputs = call(module.buy, module.BuyInputs(user="ann", password="pw"), shop)

    assert outputs.order_id == 5
    assert shop.calls == [("/login", None), ("/orders", "Bearer tok-9")]
    assert "sign_in" not in module.__all__  # the other document's workflow is not exported


def test_unknown_workflow_of_another_document_is_an_error(tmp_path: Path) -> None:
    broken = ORDERING_DOCUMENT.replace("logins.sign-in", "logins.log-in")
    with pytest.raises(
        CompileFailed, match="the Arazzo document 'logins' has no workflow 'log-in'"
    ):
        compile_documents(
            tmp_path,
            {
                "workflow.arazzo.yaml": broken,
                "login.arazzo.yaml": LOGIN_DOCUMENT,
                "shop.openapi.yaml": API,
            },
        )


REFERENCES = """
arazzo: 1.0.1
$self: https://docs.example/flows/orders.arazzo.yaml
info: {title: Shop, version: "1"}
sourceDescriptions:
  - {name: shop, url: ./shop.openapi.yaml}
workflows:
  - workflowId: sign-in
    inputs:
      type: object
      required: [user, password]
      properties: {user: {type: string}, password: {type: string}}
    steps:
      - stepId: login
        operationId: login
        requestBody:
          payload: {user: $inputs.user, password: $inputs.password}
        outputs: {token: $response.body#/token}
    outputs:
      token: $steps.login.outputs.token
  - workflowId: order-as
    dependsOn: [sign-in]
    inputs:
      type: object
      required: [user, password]
      properties: {user: {type: string}, password: {type: string}}
    steps:
      - stepId: order
        operationId: placeOrder
        parameters:
          - {name: Authorization, in: header, value: $components.parameters.auth}
        requestBody:
          payload:
            placedBy: $workflows.sign-in.inputs.user
            document: $self
    outputs:
      user: $workflows.sign-in.inputs.user
components:
  parameters:
    auth: {name: Authorization, in: header, value: "Bearer {$workflows.sign-in.outputs.token}"}
"""


def test_workflow_inputs_components_and_self_as_values(tmp_path: Path) -> None:
    document = REFERENCES.replace(
        "$components.parameters.auth.value", "$components.parameters.auth"
    )
    module, _ = compile_documents(
        tmp_path, {"workflow.arazzo.yaml": document, "shop.openapi.yaml": API}
    )
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        shop.calls.append((request.url.path, request.headers.get("Authorization")))
        if request.url.path == "/login":
            return httpx.Response(200, json={"token": "tok-1"})
        return httpx.Response(201, json={"orderId": 1})

    shop = Shop()

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            inputs = module.OrderAsInputs(user="ann", password="pw")
            return await module.order_as(inputs, client=client)

    outputs = asyncio.run(go())
    assert outputs.user == "ann"
    assert shop.calls[1] == ("/orders", "Bearer tok-1")
    assert bodies[1] == (
        b'{"placedBy":"ann","document":"https://docs.example/flows/orders.arazzo.yaml"}'
    )


UNREAD_RESULTS = """
arazzo: 1.0.1
info: {title: Shop, version: "1"}
sourceDescriptions:
  - {name: shop, url: ./shop.openapi.yaml}
workflows:
  - workflowId: sign-in
    steps:
      - stepId: login
        operationId: login
        requestBody: {contentType: application/json, payload: {user: u}}
        outputs: {token: $response.body#/token}
    outputs: {token: $steps.login.outputs.token}
  - workflowId: warm-up
    dependsOn: [sign-in]
    steps:
      - {stepId: again, workflowId: sign-in}
      - stepId: order
        operationId: placeOrder
        successCriteria: [{condition: $statusCode == 201}]
"""


def test_workflow_results_nothing_reads_are_not_kept(tmp_path: Path) -> None:
    """Results no expression reads are not stored in locals (ruff F841): the dependency's
    and the step's call of sign-in are plain awaits."""
    module, _ = compile_documents(
        tmp_path, {"workflow.arazzo.yaml": UNREAD_RESULTS, "shop.openapi.yaml": API}
    )
    source = Path(module.__file__).with_name("workflows.py")
    tree = ast.parse(source.read_text(encoding="utf-8"))
    warm_up = next(
        node
        for node in tree.body
        if isinstance(node, ast.AsyncFunctionDef) and node.name == "warm_up"
    )
    stored = {
        target.id
        for node in ast.walk(warm_up)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert not any(name.startswith("sign_in") for name in stored), stored
    calls: list[str] = []

    def shop(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/login":
            return httpx.Response(200, json={"token": "t"})
        return httpx.Response(201, json={"orderId": 1})

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(shop)) as client:
            return await module.warm_up(client=client)

    asyncio.run(go())
    assert calls == ["/login", "/login", "/orders"]


def test_a_secret_input_read_back_from_a_called_workflow_stays_secret(tmp_path: Path) -> None:
    read = "      user: $workflows.sign-in.inputs.user\n"
    document = REFERENCES.replace(read, read + "      given: $workflows.sign-in.inputs.password\n")
    module, _ = compile_documents(
        tmp_path, {"workflow.arazzo.yaml": document, "shop.openapi.yaml": API}
    )

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/login":
            return httpx.Response(200, json={"token": "tok-1"})
        return httpx.Response(201, json={"orderId": 1})

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            inputs = module.OrderAsInputs(user="ann", password="pw-1")
            return await module.order_as(inputs, client=client)

    outputs = asyncio.run(go())
    assert (outputs.user, outputs.given) == ("ann", "pw-1")
    assert repr(outputs) == "OrderAsOutputs(user='ann', given=***)"
