"""The engine of this package's `testing.FakeApi` (the same for every package): an httpx
transport that answers each operation with a response fixed at generation time, checks each
request against the operation's parameters and body schema, and records what was sent."""

from __future__ import annotations

import json as jsonlib
import math
import re
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote

import httpx

STEP_EXTENSION = "arazzo_step"
"""The request extension in which a workflow names its (workflow id, step id)."""

_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class FakeRequestError(AssertionError):
    """A workflow sent a request its OpenAPI description does not allow (or that no operation
    of the package answers). Raised from the transport, so the workflow call fails with it."""


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str | None = None
    body: Any = None
    headers: Sequence[tuple[str, str]] = ()

    def to_httpx(self, request: httpx.Request) -> httpx.Response:
        headers = list(self.headers)
        content = b""
        if self.content_type is not None:
            headers.append(("Content-Type", self.content_type))
            if isinstance(self.body, str) and not _is_json(self.content_type):
                content = self.body.encode()
            else:
                content = jsonlib.dumps(self.body).encode()
        return httpx.Response(self.status, headers=headers, content=content, request=request)


@dataclass(frozen=True)
class Operation:
    key: str
    """The operationId, or `METHOD path` for an operation without one."""
    method: str
    path: str
    parameters: Sequence[Parameter] = ()
    body_required: bool = False
    body_schemas: Mapping[str, Any] | None = None
    """Schema by media type of the request bodies the operation accepts (None: no body)."""
    responses: Sequence[Response] = ()
    """The responses it answers with; the first one unless told otherwise."""

    def match(self, method: str, raw_path: str) -> dict[str, str] | None:
        """The path parameters, when a request with this method and path calls the operation
        (the path may carry any server prefix)."""
        if method != self.method:
            return None
        names: list[str] = []
        pattern = ""
        position = 0
        for placeholder in _PLACEHOLDER.finditer(self.path):
            pattern += re.escape(self.path[position : placeholder.start()]) + "([^/]+)"
            names.append(placeholder.group(1))
            position = placeholder.end()
        pattern += re.escape(self.path[position:])
        found = re.fullmatch("(?:/.*?)?" + pattern, raw_path)
        if found is None:
            return None
        return {name: unquote(value) for name, value in zip(names, found.groups(), strict=True)}


@dataclass(frozen=True)
class RecordedRequest:
    """A request a workflow sent through the fake."""

    operation: str
    workflow_id: str | None
    step_id: str | None
    request: httpx.Request

    def json(self) -> Any:
        return jsonlib.loads(self.request.content)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.request.content.decode(), keep_blank_values=True))


_UNSET: Any = object()


class FakeApi:
    """Answers every operation the package's workflows call; subclassed by `testing.FakeApi`
    with the package's operations. Use `transport` in an `httpx.AsyncClient`."""

    operations: ClassVar[Sequence[Operation]] = ()
    steps: ClassVar[Mapping[tuple[str, str], str]] = {}
    """The operation key each (workflow id, step id) calls."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.transport = httpx.MockTransport(self._handle)
        self._queued: dict[str, deque[Response]] = {}
        self._by_key = {operation.key: operation for operation in self.operations}

    def respond(
        self,
        operation_or_step_id: str,
        *,
        status: int = 200,
        json: Any = _UNSET,
        text: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next request of an operation (operationId, or `METHOD path`) or of a
        step with this response instead of the generated one. Called several times, the
        responses are given in order (for polling loops and retries); then the generated one
        again. Without `json` or `text`, the body is the OpenAPI's example for `status`."""
        key = operation_or_step_id
        known = set(self._by_key) | {step for _, step in self.steps}
        if key not in known:
            raise KeyError(f"{key!r} is neither an operation nor a step of this package")
        header_pairs = tuple((headers or {}).items())
        if json is not _UNSET:
            response = Response(status, "application/json", json, header_pairs)
        elif text is not None:
            response = Response(status, "text/plain", text, header_pairs)
        else:
            declared = self._declared(key, status)
            response = Response(
                status,
                declared.content_type if declared else None,
                declared.body if declared else None,
                (*(declared.headers if declared else ()), *header_pairs),
            )
        self._queued.setdefault(key, deque()).append(response)

    def _declared(self, key: str, status: int) -> Response | None:
        keys = {key} | {op for (_, step), op in self.steps.items() if step == key}
        for operation_key in sorted(keys):
            operation = self._by_key.get(operation_key)
            for response in operation.responses if operation else ():
                if response.status == status:
                    return response
        return None

    def _handle(self, request: httpx.Request) -> httpx.Response:
        workflow_id, step_id = _step_of(request)
        raw_path = request.url.raw_path.split(b"?")[0].decode("ascii")
        operation, path_values = self._route(request.method, raw_path, workflow_id, step_id)
        if operation is None:
            raise FakeRequestError(
                f"no operation of this package answers {request.method} {request.url.path}"
                + (f" (step {step_id})" if step_id else "")
            )
        self.requests.append(RecordedRequest(operation.key, workflow_id, step_id, request))
        problems = _parameter_problems(operation, request, path_values)
        problems += _body_problems(operation, request)
        if problems:
            raise FakeRequestError(
                f"step {step_id or '?'} sent a request that operation {operation.key} does not "
                "accept: " + "; ".join(problems)
            )
        for key in (step_id, operation.key):
            queue = self._queued.get(key) if key else None
            if queue:
                return queue.popleft().to_httpx(request)
        if operation.responses:
            return operation.responses[0].to_httpx(request)
        return httpx.Response(200, request=request)

    def _route(
        self, method: str, raw_path: str, workflow_id: str | None, step_id: str | None
    ) -> tuple[Operation | None, dict[str, str]]:
        named = self.steps.get((workflow_id, step_id)) if workflow_id and step_id else None
        if named is not None:
            operation = self._by_key[named]
            values = operation.match(method, raw_path)
            if values is None:
                raise FakeRequestError(
                    f"step {step_id} calls {operation.key} ({operation.method} "
                    f"{operation.path}) but sent {method} {raw_path}"
                )
            return operation, values
        # The most specific template first: fewer placeholders, then longer.
        candidates = sorted(self.operations, key=lambda o: (o.path.count("{"), -len(o.path), o.key))
        for operation in candidates:
            values = operation.match(method, raw_path)
            if values is not None:
                return operation, values
        return None, {}


def _step_of(request: httpx.Request) -> tuple[str | None, str | None]:
    named = request.extensions.get(STEP_EXTENSION)
    if isinstance(named, tuple) and len(named) == 2:
        return str(named[0]), str(named[1])
    return None, None


def _parameter_problems(
    operation: Operation, request: httpx.Request, path_values: Mapping[str, str]
) -> list[str]:
    problems: list[str] = []
    cookies = _cookies(request.headers.get("cookie", ""))
    for parameter in operation.parameters:
        where = f"{parameter.location} parameter {parameter.name!r}"
        values: list[str]
        if parameter.location == "path":
            values = [path_values[parameter.name]] if parameter.name in path_values else []
        elif parameter.location == "query":
            values = request.url.params.get_list(parameter.name)
            if not values and _schema_type(parameter.schema) == "object":
                prefix = parameter.name + "["
                if any(name.startswith(prefix) for name in request.url.params):
                    continue
        elif parameter.location == "header":
            if parameter.name.lower() in _IGNORED_HEADERS:
                continue
            values = request.headers.get_list(parameter.name)
        else:
            values = [cookies[parameter.name]] if parameter.name in cookies else []
        if not values:
            if parameter.required:
                problems.append(f"required {where} is missing")
            continue
        problems += _text_problems(values, parameter.schema, where)
    return problems


def _cookies(header: str) -> dict[str, str]:
    pairs = (part.strip().partition("=") for part in header.split(";") if part.strip())
    return {name: value for name, _, value in pairs}


def _text_problems(values: list[str], schema: Mapping[str, Any], where: str) -> list[str]:
    """Problems of a parameter's text value(s) against its schema."""
    kind = _schema_type(schema)
    if kind == "object":
        return []
    if kind == "array":
        items = schema.get("items")
        texts = values[0].split(",") if len(values) == 1 else values
        item_schema = items if isinstance(items, Mapping) else {}
        value: Any = [_coerce(text, item_schema) for text in texts]
    elif len(values) > 1:
        return [f"{where} is sent {len(values)} times"]
    else:
        value = _coerce(values[0], schema)
    return [f"{where}: {problem}" for problem in schema_problems(value, schema)]


def _coerce(text: str, schema: Mapping[str, Any]) -> Any:
    """A parameter's or form field's text as the JSON value its schema describes (the text
    itself when it is not one)."""
    kind = _schema_type(schema)
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _body_problems(operation: Operation, request: httpx.Request) -> list[str]:
    sent = request.headers.get("content-type")
    if not request.content and not sent:
        return ["the required request body is missing"] if operation.body_required else []
    if operation.body_schemas is None:
        return ["it sends a request body, which the operation does not take"]
    media = (sent or "").split(";")[0].strip().lower()
    schema = _media_schema(operation.body_schemas, media)
    if schema is None:
        accepted = ", ".join(operation.body_schemas)
        return [f"body media type {media or '(none)'!r} is not one it accepts ({accepted})"]
    if _is_json(media):
        try:
            value = jsonlib.loads(request.content)
        except ValueError:
            return ["the JSON request body does not parse"]
    elif media == "application/x-www-form-urlencoded":
        pairs = parse_qsl(request.content.decode(), keep_blank_values=True)
        properties = schema.get("properties")
        fields = properties if isinstance(properties, Mapping) else {}
        value = {name: _coerce(text, fields.get(name) or {}) for name, text in pairs}
    else:
        return []
    return [f"request body: {problem}" for problem in schema_problems(value, schema)]


def _media_schema(schemas: Mapping[str, Any], media: str) -> Mapping[str, Any] | None:
    for declared, schema in schemas.items():
        base = declared.split(";")[0].strip().lower()
        kind, _, sub = base.partition("/")
        if base in (media, "*/*") or (sub == "*" and media.startswith(kind + "/")):
            return schema if isinstance(schema, Mapping) else {}
    return None


def _is_json(media: str) -> bool:
    base = media.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def _schema_type(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else None


_JSON_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")


def _is_type(name: str, value: Any) -> bool:
    """Whether `value` is of the JSON Schema type `name` (an integral float is an integer)."""
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and math.isfinite(value) and value.is_integer()
        )
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    kinds: dict[str, type | tuple[type, ...]] = {
        "object": dict,
        "array": list,
        "string": str,
        "boolean": bool,
        "null": type(None),
    }
    return name in kinds and isinstance(value, kinds[name])


def schema_problems(value: Any, schema: Mapping[str, Any], where: str = "") -> list[str]:
    """What keeps `value` from matching `schema` (the keywords a request check needs:
    type, nullable, enum, const, required, properties, additionalProperties, items, bounds,
    allOf, anyOf, oneOf, the last two read as "at least one")."""
    at = where or "the value"
    if value is None and schema.get("nullable") is True:
        return []
    problems: list[str] = []
    kinds = schema.get("type")
    names = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
    known = [name for name in names if name in _JSON_TYPES]
    if known and not any(_is_type(name, value) for name in known):
        return [f"{at} is {_json_type(value)}, not {' or '.join(map(str, names))}"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and not any(_json_equal(value, e) for e in enum):
        problems.append(f"{at} is not one of {enum!r}")
    if "const" in schema and not _json_equal(value, schema["const"]):
        problems.append(f"{at} is not {schema['const']!r}")
    for part in schema.get("allOf") or ():
        problems += schema_problems(value, part, where)
    for combinator in ("anyOf", "oneOf"):
        parts = schema.get(combinator)
        if parts and not any(not schema_problems(value, part, where) for part in parts):
            problems.append(f"{at} matches none of the {combinator} schemas")
    if isinstance(value, dict):
        problems += _object_problems(value, schema, where)
    elif isinstance(value, list):
        items = schema.get("items")
        for index, item in enumerate(value):
            if isinstance(items, Mapping):
                problems += schema_problems(item, items, f"{where}/{index}")
        problems += _bound_problems(len(value), schema, "minItems", "maxItems", at, "items")
    elif isinstance(value, str):
        problems += _bound_problems(len(value), schema, "minLength", "maxLength", at, "chars")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        problems += _number_problems(value, schema, at)
    return problems


def _json_equal(left: Any, right: Any) -> bool:
    """Equality of JSON values: true is not 1, 1 is 1.0, containers compare item by item."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_json_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    numbers = isinstance(left, int | float) and isinstance(right, int | float)
    return (numbers or type(left) is type(right)) and bool(left == right)


def _json_type(value: Any) -> str:
    for name in _JSON_TYPES:
        if _is_type(name, value):
            return name
    return type(value).__name__


def _object_problems(value: dict[Any, Any], schema: Mapping[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    properties = schema.get("properties")
    declared = properties if isinstance(properties, Mapping) else {}
    for name in schema.get("required") or ():
        if name not in value:
            problems.append(f"{where or 'the value'} lacks required property {name!r}")
    extra = schema.get("additionalProperties")
    for name, item in value.items():
        if name in declared:
            problems += schema_problems(item, declared[name], f"{where}/{name}")
        elif extra is False:
            problems.append(f"{where or 'the value'} has an undeclared property {name!r}")
        elif isinstance(extra, Mapping):
            problems += schema_problems(item, extra, f"{where}/{name}")
    return problems


def _bound_problems(
    size: int, schema: Mapping[str, Any], low: str, high: str, at: str, unit: str
) -> list[str]:
    least, most = schema.get(low), schema.get(high)
    if isinstance(least, int) and size < least:
        return [f"{at} has {size} {unit}, fewer than {least}"]
    if isinstance(most, int) and size > most:
        return [f"{at} has {size} {unit}, more than {most}"]
    return []


def _number_problems(value: float, schema: Mapping[str, Any], at: str) -> list[str]:
    low, high = schema.get("minimum"), schema.get("maximum")
    low_open, high_open = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(low_open, int | float) and not isinstance(low_open, bool):
        low, low_open = low_open, True
    if isinstance(high_open, int | float) and not isinstance(high_open, bool):
        high, high_open = high_open, True
    if isinstance(low, int | float) and (value < low or (low_open is True and value == low)):
        return [f"{at} is {value}, below the minimum {low}"]
    if isinstance(high, int | float) and (value > high or (high_open is True and value == high)):
        return [f"{at} is {value}, above the maximum {high}"]
    return []
