"""Reading typed outputs: one JSON payload into typed objects, three ways, timed in one process.

Run by `bench/models.py` as `python -m bench.models_worker SPEC` (SPEC: JSON: `paths`, the two
packages, `payload`, `rounds`, `batch`, `warmup`), in the interpreter of openapi-python-client's
venv when that is installed (its models need attrs), so every variant runs in one process:

- `handwritten`: plain frozen dataclasses filled from the dict by hand, with isinstance checks
  of every field and the enum and discriminator values (no JSON pointers in the errors);
- `generated`: `Receipt.from_json` of the package arazzo-codegen generated (`models.py`);
- `openapi-python-client`: `Receipt.from_dict` of the client it generated for the same schema.

Prints one JSON object: per variant the CPU time per conversion, per round, and a check that
every variant read the same values.
"""

from __future__ import annotations

import dataclasses
import gc
import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any, Literal


class Mismatch(ValueError):
    """The JSON does not fit the hand-written model."""


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise Mismatch(f"{where}: expected a string, got {type(value).__name__}")
    return value


def _integer(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Mismatch(f"{where}: expected an integer, got {type(value).__name__}")
    return value


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Mismatch(f"{where}: expected an object, got {type(value).__name__}")
    return value


@dataclasses.dataclass(frozen=True, kw_only=True)
class Address:
    street: str
    city: str
    floor: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Customer:
    name: str
    address: Address
    nickname: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Line:
    sku: str
    quantity: int
    gift_wrap: bool | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Card:
    last4: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Transfer:
    iban: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Receipt:
    id: str
    api_version: Literal["2024-01"]
    status: Literal["placed", "shipped"]
    customer: Customer
    lines: list[Line]
    payment: Card | Transfer
    delivered_at: str | None
    code: str | int | None = None
    email: str | None = None
    phone: str | None = None


def _address(data: dict[str, Any]) -> Address:
    floor = data.get("floor")
    return Address(
        street=_string(data["street"], "street"),
        city=_string(data["city"], "city"),
        floor=None if floor is None else _integer(floor, "floor"),
    )


def _boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise Mismatch(f"{where}: expected a boolean, got {type(value).__name__}")
    return value


def _line(data: dict[str, Any]) -> Line:
    gift_wrap = data.get("giftWrap")
    return Line(
        sku=_string(data["sku"], "sku"),
        quantity=_integer(data["quantity"], "quantity"),
        gift_wrap=None if gift_wrap is None else _boolean(gift_wrap, "giftWrap"),
    )


def _customer(data: dict[str, Any]) -> Customer:
    nickname = data.get("nickname")
    return Customer(
        name=_string(data["name"], "name"),
        address=_address(_object(data["address"], "address")),
        nickname=None if nickname is None else _string(nickname, "nickname"),
    )


def handwritten_receipt(data: Any) -> Receipt:
    """What a careful hand-written client does: read each field, check its type."""
    data = _object(data, "receipt")
    if data["apiVersion"] != "2024-01":
        raise Mismatch(f"apiVersion: unexpected {data['apiVersion']!r}")
    status = data["status"]
    if status not in ("placed", "shipped"):
        raise Mismatch(f"status: unexpected {status!r}")
    payment = _object(data["payment"], "payment")
    method = payment["method"]
    if method == "card":
        paid: Card | Transfer = Card(last4=_string(payment["last4"], "last4"))
    elif method == "transfer":
        paid = Transfer(iban=_string(payment["iban"], "iban"))
    else:
        raise Mismatch(f"payment.method: unexpected {method!r}")
    lines = data["lines"]
    if not isinstance(lines, list):
        raise Mismatch("lines: expected an array")
    code = data.get("code")
    if code is not None and not isinstance(code, str):
        code = _integer(code, "code")
    delivered_at = data["deliveredAt"]
    contact = _object(data.get("contact", {}), "contact")
    email, phone = contact.get("email"), contact.get("phone")
    return Receipt(
        id=_string(data["id"], "id"),
        api_version="2024-01",
        status=status,
        customer=_customer(_object(data["customer"], "customer")),
        lines=[_line(_object(item, "line")) for item in lines],
        payment=paid,
        delivered_at=None if delivered_at is None else _string(delivered_at, "deliveredAt"),
        code=code,
        email=None if email is None else _string(email, "email"),
        phone=None if phone is None else _string(phone, "phone"),
    )


def _read_back(receipt: Any) -> list[Any]:
    """The values every variant must agree on (nested, list, enum, union)."""
    payment = receipt.payment
    status = receipt.status
    return [
        receipt.id,
        getattr(status, "value", status),
        receipt.customer.name,
        receipt.customer.address.city,
        [(line.sku, line.quantity) for line in receipt.lines],
        getattr(payment, "iban", None) or getattr(payment, "last4", None),
        receipt.code,
    ]


def _timed(convert: Callable[[Any], Any], payload: Any, count: int) -> int:
    """Client CPU time (ns) of `count` conversions."""
    gc.collect()
    started = time.process_time_ns()
    for _ in range(count):
        convert(payload)
    return time.process_time_ns() - started


def _rejects(convert: Callable[[Any], Any], payload: Any) -> bool:
    """Whether the variant refuses a payload whose last line's quantity is a string."""
    try:
        convert(payload)
    except Exception:  # ShapeError, ValueError, TypeError: any refusal counts
        return True
    return False


def main() -> None:
    spec = json.loads(sys.argv[1])
    sys.path[:0] = spec["paths"]
    generated = importlib.import_module(spec["generated_package"]).Receipt
    variants: dict[str, Callable[[Any], Any]] = {
        "handwritten": handwritten_receipt,
        "generated": generated.from_json,
    }
    if spec["oapc_package"]:
        models = importlib.import_module(spec["oapc_package"] + ".models")
        variants["openapi-python-client"] = models.Receipt.from_dict
    payload = spec["payload"]
    expected = _read_back(handwritten_receipt(payload))
    for name, convert in variants.items():
        if _read_back(convert(payload)) != expected:
            raise SystemExit(f"{name} read {_read_back(convert(payload))}, expected {expected}")
    wrong = json.loads(json.dumps(payload))
    wrong["lines"][-1]["quantity"] = "2"
    rejects = {name: _rejects(convert, wrong) for name, convert in variants.items()}
    if not (rejects["handwritten"] and rejects["generated"]):
        raise SystemExit(f"a checking variant accepted a string quantity: {rejects}")
    names = list(variants)
    per_round: dict[str, list[float]] = {name: [] for name in names}
    for name in names:
        _timed(variants[name], payload, spec["warmup"])
    for index in range(spec["rounds"]):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            cpu = _timed(variants[name], payload, spec["batch"])
            per_round[name].append(cpu / spec["batch"] / 1000)
    result = {
        "python": sys.version.split()[0],
        "per_round_us": per_round,
        "rejects_string_quantity": rejects,
        "median_us": {name: statistics.median(values) for name, values in per_round.items()},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
