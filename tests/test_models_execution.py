"""Typed data end to end: models derived from the schemas, sent as nested JSON and read back
by attribute from a loopback stand-in, checked on the way in."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from support import compile_documents, loopback_server

SHOP_OPENAPI = (Path(__file__).parent / "documents" / "models" / "shop.openapi.yaml").read_text(
    encoding="utf-8"
)

SHOP_ARAZZO = """
arazzo: 1.0.1
info: {title: Shop flow, version: "1"}
sourceDescriptions:
  - {name: shop, url: ./shop.openapi.yaml, type: openapi}
components:
  inputs:
    OrderInputs:
      type: object
      required: [customer, lines]
      properties:
        customer: {$ref: "./shop.openapi.yaml#/components/schemas/Customer"}
        lines:
          type: array
          items: {$ref: "./shop.openapi.yaml#/components/schemas/Line"}
        priority: {type: string, enum: [low, high]}
        note: {type: string}
        trace: {type: string}
        dryRun: {type: boolean}
        coupon: {type: [string, "null"]}
workflows:
  - workflowId: place-order
    inputs: {$ref: "#/components/inputs/OrderInputs"}
    steps:
      - stepId: place
        operationId: placeOrder
        parameters:
          - {name: X-Trace, in: header, value: $inputs.trace}
          - {name: dryRun, in: query, value: $inputs.dryRun}
        requestBody:
          contentType: application/json
          payload:
            customer: $inputs.customer
            lines: $inputs.lines
            priority: $inputs.priority
            note: $inputs.note
            coupon: $inputs.coupon
        successCriteria:
          - condition: $statusCode == 201
        outputs:
          receipt: $response.body
          customer: $response.body#/customer
          city: $response.body#/customer/address/city
          status: $response.body#/status
          payment: $response.body#/payment
          lines: $response.body#/lines
          code: $response.body#/code
          deliveredAt: $response.body#/deliveredAt
          extra: $response.body#/extra
          contact: $response.body#/contact
    outputs:
      receipt: $steps.place.outputs.receipt
      customer: $steps.place.outputs.customer
      city: $steps.place.outputs.city
      status: $steps.place.outputs.status
      payment: $steps.place.outputs.payment
      lines: $steps.place.outputs.lines
      code: $steps.place.outputs.code
      deliveredAt: $steps.place.outputs.deliveredAt
      extra: $steps.place.outputs.extra
      contact: $steps.place.outputs.contact
  - workflowId: order-until-shipped
    inputs: {$ref: "#/components/inputs/OrderInputs"}
    steps:
      - stepId: first
        operationId: placeOrder
        requestBody:
          contentType: application/json
          payload: {customer: $inputs.customer, lines: $inputs.lines}
        outputs:
          id: $response.body#/id
        onSuccess:
          - name: shipped
            type: end
            criteria:
              - condition: $response.body#/status == 'shipped'
      - stepId: second
        operationId: placeOrder
        requestBody:
          contentType: application/json
          payload: {customer: $inputs.customer, lines: $inputs.lines}
        outputs:
          id: $response.body#/id
    outputs:
      first: $steps.first.outputs.id
      second: $steps.second.outputs.id
"""

RECEIPT: dict[str, Any] = {
    "id": "o-1",
    "apiVersion": "2024-01",
    "status": "shipped",
    "customer": {
        "name": "Ada",
        "address": {"street": "1 Loop Rd", "city": "Lyon", "floor": None},
        "unknown": "tolerated",
    },
    "lines": [{"sku": "a", "quantity": 2}, {"sku": "b", "quantity": 1}],
    "payment": {"method": "transfer", "iban": "FR76"},
    "code": 7,
    "deliveredAt": None,
    "extra": {"anything": [1, 2]},
}


class Shop(BaseHTTPRequestHandler):
    """A stand-in that records each request and answers with `reply`."""

    reply: ClassVar[Any] = RECEIPT
    seen: ClassVar[list[dict[str, Any]]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.lock:
            Shop.seen.append(
                {
                    "body": json.loads(body),
                    "query": parse_qs(urlsplit(self.path).query),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                }
            )
        data = json.dumps(Shop.reply).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Any:
    module, _ = compile_documents(
        tmp_path_factory.mktemp("shop"),
        {"workflow.arazzo.yaml": SHOP_ARAZZO, "shop.openapi.yaml": SHOP_OPENAPI},
    )
    return module


@pytest.fixture
def server() -> Iterator[str]:
    Shop.seen = []
    Shop.reply = RECEIPT
    with loopback_server(Shop) as url:
        yield url


def run(shop: Any, url: str, **inputs: Any) -> Any:
    customer = shop.Customer(
        name="Ada", address=shop.Address(street="1 Loop Rd", city="Lyon", floor=None)
    )
    given = {"customer": customer, "lines": [shop.Line(sku="a", quantity=2)], **inputs}
    return asyncio.run(shop.place_order(shop.PlaceOrderInputs(**given), base_url=url))


def test_nested_inputs_are_sent_as_nested_json_and_unset_ones_left_out(
    shop: Any, server: str
) -> None:
    run(shop, server)
    sent = Shop.seen[0]
    assert sent["body"] == {
        "customer": {
            "name": "Ada",
            "address": {"street": "1 Loop Rd", "city": "Lyon", "floor": None},
        },
        "lines": [{"sku": "a", "quantity": 2}],
    }
    assert "dryRun" not in sent["query"]
    assert "x-trace" not in sent["headers"]


def test_a_nested_default_is_the_servers_not_sent_and_not_filled_in(shop: Any, server: str) -> None:
    """JSON Schema's `default` is an annotation: a member left out gets the server's default,
    and a response member that is absent stays None (README: Optional policy)."""
    line = shop.Line(sku="a", quantity=2)
    assert line.gift_wrap is None
    outputs = run(shop, server)
    assert Shop.seen[0]["body"]["lines"] == [{"sku": "a", "quantity": 2}]
    assert outputs.lines[0].gift_wrap is None
    run(shop, server, lines=[shop.Line(sku="a", quantity=2, gift_wrap=False)])
    assert Shop.seen[1]["body"]["lines"] == [{"sku": "a", "quantity": 2, "giftWrap": False}]


def test_given_optional_inputs_and_null_on_purpose_are_sent(shop: Any, server: str) -> None:
    run(shop, server, priority="high", note="ring twice", trace="t-1", dry_run=True, coupon=None)
    sent = Shop.seen[0]
    assert sent["body"]["priority"] == "high"
    assert sent["body"]["note"] == "ring twice"
    assert sent["body"]["coupon"] is None  # the schema allows null: None is sent as null
    assert sent["query"] == {"dryRun": ["true"]}
    assert sent["headers"]["x-trace"] == "t-1"


def test_nested_outputs_are_read_by_attribute(shop: Any, server: str) -> None:
    outputs = run(shop, server)
    assert outputs.customer == shop.Customer(
        name="Ada", address=shop.Address(street="1 Loop Rd", city="Lyon", floor=None)
    )
    assert outputs.city == "Lyon"
    assert outputs.status == "shipped"
    assert outputs.lines == [shop.Line(sku="a", quantity=2), shop.Line(sku="b", quantity=1)]
    assert outputs.payment == shop.Transfer(method="transfer", iban="FR76")
    assert outputs.code == 7
    assert outputs.delivered_at is None
    assert outputs.extra == {"anything": [1, 2]}
    assert outputs.receipt.customer is not None and outputs.receipt.id == "o-1"
    # One class per schema: the input's Customer is the output's Customer.
    assert type(outputs.receipt.customer) is shop.Customer


def test_union_member_chosen_by_the_members_only_it_names(shop: Any, server: str) -> None:
    Shop.reply = {**RECEIPT, "contact": {"phone": "+33"}}
    assert run(shop, server).contact == shop.Contact2(phone="+33")
    Shop.reply = {**RECEIPT, "contact": {"email": "a@b.c", "extra": 1}}
    assert run(shop, server).contact == shop.Contact1(email="a@b.c")
    Shop.reply = {**RECEIPT, "contact": {"email": "a@b.c", "phone": "+33"}}
    with pytest.raises(shop.ResponseFormatError, match="exactly one of the union's shapes"):
        run(shop, server)


def test_union_member_chosen_by_discriminator(shop: Any, server: str) -> None:
    Shop.reply = {**RECEIPT, "payment": {"method": "card", "last4": "4242"}, "code": "X7"}
    outputs = run(shop, server)
    assert outputs.payment == shop.Card(method="card", last4="4242")
    assert outputs.code == "X7"


@pytest.mark.parametrize(
    ("change", "pointer", "expected", "actual"),
    [
        ({"status": "lost"}, "/status", "one of 'placed', 'shipped'", "'lost'"),
        ({"lines": [{"sku": "a", "quantity": "2"}]}, "/lines/0/quantity", "an integer", "a string"),
        (
            {"lines": [{"sku": "a", "quantity": 1}, {"sku": "b", "quantity": "2"}]},
            "/lines/1/quantity",
            "an integer",
            "a string",
        ),
        ({"lines": {"sku": "a", "quantity": 1}}, "/lines", "an array", "an object"),
        ({"payment": {"method": "cash"}}, "/payment/method", "one of 'card', 'transfer'", "'cash'"),
        ({"code": 1.5}, "/code", "a string or an integer", "a number"),
        # a const is checked: it is the one value the schema allows
        ({"apiVersion": "2025-01"}, "/apiVersion", "one of '2024-01'", "'2025-01'"),
    ],
)
def test_a_response_that_does_not_fit_is_a_typed_error(
    shop: Any, server: str, change: dict[str, Any], pointer: str, expected: str, actual: str
) -> None:
    Shop.reply = {**RECEIPT, **change}
    with pytest.raises(shop.ResponseFormatError) as caught:
        run(shop, server)
    message = str(caught.value)
    assert caught.value.step_id == "place"
    assert f"at {pointer!r} must be {expected}, not {actual}" in message
    assert "output " in message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"customer": {"name": "Ada"}},
            "output receipt at '/customer/address' is missing (it must be an object)",
        ),
        ({"lines": [{"sku": "a"}]}, "at '/lines/0/quantity' is missing (it must be an integer)"),
        ({"apiVersion": None}, "at '/apiVersion' is missing (it must be one of '2024-01')"),
    ],
)
def test_a_missing_member_the_schema_requires_is_a_typed_error(
    shop: Any, server: str, change: dict[str, Any], message: str
) -> None:
    Shop.reply = {k: v for k, v in {**RECEIPT, **change}.items() if v is not None}
    with pytest.raises(shop.ResponseFormatError) as caught:
        run(shop, server)
    assert caught.value.step_id == "place"
    assert message in str(caught.value)


def test_an_output_of_a_step_skipped_by_end_is_none(shop: Any, server: str) -> None:
    fields = {f.name: f.type for f in dataclasses.fields(shop.OrderUntilShippedOutputs)}
    assert fields == {"first": "str", "second": "str | None"}
    inputs = shop.OrderUntilShippedInputs(
        customer=shop.Customer(name="Ada", address=shop.Address(street="s", city="c")),
        lines=[],
    )
    outputs = asyncio.run(shop.order_until_shipped(inputs, base_url=server))
    assert (outputs.first, outputs.second) == ("o-1", None)
    assert len(Shop.seen) == 1
    Shop.reply = {**RECEIPT, "status": "placed"}
    outputs = asyncio.run(shop.order_until_shipped(inputs, base_url=server))
    assert (outputs.first, outputs.second) == ("o-1", "o-1")


def test_reading_a_model_builds_no_converter(shop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The converters of enums, lists and unions are built once, when models.py is imported:
    a read only calls them (reading many objects costs no closure per object)."""
    convert = sys.modules[f"{shop.__name__}._convert"]

    def not_now(*_args: object) -> None:
        raise AssertionError("a converter built during a read")

    for builder in ("literal", "list_of", "dict_of", "nullable", "either", "tagged", "by_shape"):
        monkeypatch.setattr(convert, builder, not_now)
    value = {**RECEIPT, "contact": {"phone": "+33"}, "payment": {"method": "card", "last4": "1"}}
    receipt = shop.Receipt.from_json(value)
    assert receipt.status == "shipped" and receipt.lines[1] == shop.Line(sku="b", quantity=1)
    assert receipt.contact == shop.Contact2(phone="+33")
    assert receipt.payment == shop.Card(method="card", last4="1")
    assert shop.Receipt.from_json(receipt.to_json()) == receipt
    shape_error = sys.modules[f"{shop.__name__}._runtime"].ShapeError
    with pytest.raises(shape_error, match="one of 'placed', 'shipped'"):
        shop.Receipt.from_json({**value, "status": "lost"})


def test_secret_members_of_a_model_are_hidden_in_its_repr(shop: Any) -> None:
    line = shop.Line(sku="a", quantity=1, voucher_password="hunter2")
    assert "hunter2" not in repr(line) and "sku='a'" in repr(line)
    assert line.to_json()["voucherPassword"] == "hunter2"


def test_generated_models_pass_mypy_strict(shop: Any) -> None:
    folder = Path(shop.__file__).parent
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(folder)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


POLL_OPENAPI = """
openapi: 3.1.0
info: {title: Polls, version: "1"}
servers: [{url: "https://polls.example"}]
paths:
  /polls/{id}:
    get:
      operationId: getPoll
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: the poll
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties:
                  id: {type: string}
                  answer:
                    anyOf:
                      - {type: object, properties: {value: {type: string}}}
                      - {type: object, properties: {value: {type: integer}}}
"""

POLL_ARAZZO = """
arazzo: 1.0.1
info: {title: Polls, version: "1"}
sourceDescriptions: [{name: polls, url: ./polls.openapi.yaml, type: openapi}]
workflows:
  - workflowId: read-poll
    inputs: {type: object, required: [id], properties: {id: {type: string}}}
    steps:
      - stepId: read
        operationId: getPoll
        parameters: [{name: id, in: path, value: $inputs.id}]
        outputs: {poll: $response.body}
    outputs: {poll: $steps.read.outputs.poll}
"""


def test_only_classes_a_type_of_the_package_names_are_generated(tmp_path: Path) -> None:
    module, diagnostics = compile_documents(
        tmp_path, {"workflow.arazzo.yaml": POLL_ARAZZO, "polls.openapi.yaml": POLL_OPENAPI}
    )
    assert any("cannot be told apart" in str(d) for d in diagnostics.sorted())
    models = (Path(module.__file__).parent / "models.py").read_text(encoding="utf-8")
    # the union's members are not told apart, so it is Any and their classes are not used
    assert [line for line in models.splitlines() if line.startswith("class ")] == [
        "class GetPollResponse:"
    ]
    assert {f.name: f.type for f in dataclasses.fields(module.GetPollResponse)} == {
        "id": "str",
        "answer": "Any",
    }
    assert not hasattr(module, "Answer1")


ORDER_OPENAPI = """
openapi: 3.1.0
info: {title: Orders, version: "1"}
servers: [{url: "https://orders.example"}]
paths:
  /orders/{id}:
    get:
      operationId: getOrder
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: the order
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
components:
  schemas:
    Order:
      type: object
      required: [lineStatus, line]
      properties:
        lineStatus: {type: string, enum: [open, closed]}
        line: {$ref: "#/components/schemas/OrderLine"}
    OrderLine:
      type: object
      required: [status]
      properties:
        status: {type: string, enum: [packed, sent]}
"""


def test_converters_named_alike_are_told_apart(tmp_path: Path) -> None:
    """Order.line_status and OrderLine.status both read as ORDER_LINE_STATUS: each member is
    still checked against its own enum."""
    arazzo = POLL_ARAZZO.replace("polls", "orders").replace("Poll", "Order")
    arazzo = arazzo.replace("read-poll", "read-order").replace("poll", "order")
    module, _ = compile_documents(
        tmp_path, {"workflow.arazzo.yaml": arazzo, "orders.openapi.yaml": ORDER_OPENAPI}
    )
    models = (Path(module.__file__).parent / "models.py").read_text(encoding="utf-8")
    assert '_ORDER_LINE_STATUS = _convert.literal("open", "closed")' in models
    assert '_ORDER_LINE_STATUS_2 = _convert.literal("packed", "sent")' in models
    order = module.Order.from_json({"lineStatus": "open", "line": {"status": "sent"}})
    assert order == module.Order(line_status="open", line=module.OrderLine(status="sent"))
    shape_error = sys.modules[f"{module.__name__}._runtime"].ShapeError
    with pytest.raises(shape_error, match="'/line/status': expected one of 'packed', 'sent'"):
        module.Order.from_json({"lineStatus": "open", "line": {"status": "open"}})
    with pytest.raises(shape_error, match="'/lineStatus': expected one of 'open', 'closed'"):
        module.Order.from_json({"lineStatus": "sent", "line": {"status": "sent"}})
