"""An operation's contract for the generated test fake, read from its OpenAPI description:
the parameters and request bodies it accepts and the responses it answers with (each built
from the description's examples first, else from its schema)."""

from __future__ import annotations

from typing import Any

from generator import ir
from generator.fakes.examples import example_of
from generator.fakes.schema import SchemaInliner, plain
from generator.load.refs import DocumentSet
from generator.load.source import LoadedDocument
from generator.model.openapi import Operation, is_json_media

MAX_RESPONSES = 4


def operation_key(operation: Operation) -> str:
    """The name `FakeApi.respond` knows an operation by: its operationId, else `METHOD path`."""
    return operation.operation_id or f"{operation.method} {operation.path}"


def operation_contract(
    operation: Operation, documents: DocumentSet, description: LoadedDocument
) -> ir.OperationContract:
    """The contract of an operation of the OpenAPI `description`."""
    inliner = SchemaInliner(documents)
    parameters = tuple(
        ir.FakeParameter(
            name=parameter.name,
            location=parameter.location,
            required=parameter.required or parameter.location == "path",
            schema=(
                inliner.inline(parameter.schema.document, parameter.schema.value)
                if parameter.schema is not None
                else {}
            ),
            json_content=parameter.json_content,
        )
        for parameter in operation.parameters
        if parameter.location in ("path", "query", "header", "cookie")
    )
    body_required = False
    body_schemas: dict[str, Any] | None = None
    if operation.request_body is not None and isinstance(operation.request_body.value, dict):
        body = operation.request_body.value
        body_required = body.get("required") is True
        content = body.get("content")
        if isinstance(content, dict):
            body_schemas = {
                str(media): _media_schema(inliner, operation.request_body.document, media_object)
                for media, media_object in content.items()
            }
    return ir.OperationContract(
        key=operation_key(operation),
        description=str(description.path),
        parameters=parameters,
        body_required=body_required,
        body_schemas=body_schemas,
        responses=_responses(inliner, operation),
    )


def _media_schema(inliner: SchemaInliner, document: LoadedDocument, media: Any) -> Any:
    if not isinstance(media, dict) or not isinstance(media.get("schema"), dict):
        return {}
    return inliner.inline(document, media["schema"])


def _status_order(status: str) -> tuple[int, str]:
    if status.isdigit() and status.startswith("2"):
        return 0, status
    if status == "default":
        return 1, status
    return 2, status


def _responses(inliner: SchemaInliner, operation: Operation) -> tuple[ir.FakeResponse, ...]:
    """The operation's success responses (2xx, else `default` as 200), then its others, each
    status once, at most MAX_RESPONSES; a 200 with no body when it declares none."""
    answers: list[ir.FakeResponse] = []
    statuses = sorted(operation.responses, key=_status_order)
    if any(_status_order(status)[0] == 0 for status in statuses):
        statuses = [status for status in statuses if status != "default"]
    for status in statuses[:MAX_RESPONSES]:
        code = 200 if status == "default" else int(status) if status.isdigit() else None
        if code is None or not 100 <= code < 600:
            continue
        resolved = inliner.resolve(
            operation.responses[status].document, operation.responses[status].value
        )
        if resolved is None or not isinstance(resolved[2], dict):
            answers.append(ir.FakeResponse(code, None))
            continue
        document, _, response = resolved
        answers.append(_response(inliner, document, code, response))
    if not any(200 <= answer.status < 300 for answer in answers):
        answers.insert(0, ir.FakeResponse(200, None))
    return tuple(answers)


def _response(
    inliner: SchemaInliner, document: LoadedDocument, status: int, response: dict[str, Any]
) -> ir.FakeResponse:
    headers: list[tuple[str, str]] = []
    raw_headers = response.get("headers")
    if isinstance(raw_headers, dict):
        for name, header in raw_headers.items():
            found = inliner.resolve(document, header)
            if (
                found is None
                or not isinstance(found[2], dict)
                or str(name).lower()
                in (
                    "content-type",
                    "content-length",
                )
            ):
                continue
            value = _media_example(inliner, found[0], found[2])
            if value is not None:
                headers.append((str(name), value if isinstance(value, str) else _text(value)))
    content = response.get("content")
    if not isinstance(content, dict) or not content:
        return ir.FakeResponse(status, None, None, tuple(headers))
    media = next((m for m in content if _is_json(str(m))), next(iter(content)))
    body = _media_example(inliner, document, content[media])
    if not _is_json(str(media)) and not isinstance(body, str):
        body = "" if body is None else _text(body)
    return ir.FakeResponse(status, str(media), plain(body), tuple(headers))


def _media_example(inliner: SchemaInliner, document: LoadedDocument, media: Any) -> Any:
    """A Media Type (or Header) Object's `example`, its first `examples` value, else an example
    of its schema."""
    if not isinstance(media, dict):
        return None
    if "example" in media:
        return plain(media["example"])
    examples = media.get("examples")
    if isinstance(examples, dict):
        for example in examples.values():
            found = inliner.resolve(document, example)
            if found is not None and isinstance(found[2], dict) and "value" in found[2]:
                return plain(found[2]["value"])
    if isinstance(media.get("schema"), dict):
        return example_of(inliner.inline(document, media["schema"]))
    return None


def _is_json(media_type: str) -> bool:
    """JSON, or any media type (`*/*`), which a JSON example fits."""
    return is_json_media(media_type) or media_type.split(";")[0].strip() == "*/*"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
