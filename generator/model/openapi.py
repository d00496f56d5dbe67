"""The OpenAPI model: the operations of an OpenAPI description, with `$ref`s resolved."""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.diagnostics import Diagnostics
from generator.load.refs import DocumentSet, Resolved
from generator.load.source import LoadedDocument, pointer_join
from generator.model.reader import Node, Reader

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SERVER_VARIABLE = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class OpenApiParameter:
    name: str
    location: str
    required: bool
    schema: Resolved | None
    style: str | None
    explode: bool | None
    json_content: bool = False
    """The parameter is described by `content` with a JSON media type: its value is sent as
    JSON text."""


@dataclass(frozen=True)
class Operation:
    source: str
    document: LoadedDocument
    pointer: str
    method: str
    path: str
    operation_id: str | None
    summary: str | None
    description: str | None
    parameters: tuple[OpenApiParameter, ...]
    request_body: Resolved | None
    responses: dict[str, Resolved]
    server_url: str | None

    def parameter(self, name: str, location: str) -> OpenApiParameter | None:
        """The declared parameter (header names compare case-insensitively)."""
        for parameter in self.parameters:
            if parameter.location != location:
                continue
            if parameter.name == name or (
                location == "header" and parameter.name.lower() == name.lower()
            ):
                return parameter
        return None


@dataclass(frozen=True)
class OpenApiDescription:
    source: str
    document: LoadedDocument
    version: str
    server_url: str | None
    operations: tuple[Operation, ...]

    def by_operation_id(self) -> dict[str, Operation]:
        return {op.operation_id: op for op in self.operations if op.operation_id is not None}


def looks_like_openapi(data: object) -> bool:
    return isinstance(data, dict) and ("openapi" in data or "swagger" in data)


def server_url_of(servers: object) -> str | None:
    """The first server's URL with its variables replaced by their defaults."""
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return None
    server = servers[0]
    url = server.get("url")
    if not isinstance(url, str):
        return None
    variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}

    def default(match: re.Match[str]) -> str:
        variable = variables.get(match.group(1)) if variables else None
        if isinstance(variable, dict) and isinstance(variable.get("default"), str):
            return str(variable["default"])
        return match.group(0)

    return _SERVER_VARIABLE.sub(default, url)


def read_openapi(
    source: str, document: LoadedDocument, documents: DocumentSet, diagnostics: Diagnostics
) -> OpenApiDescription | None:
    reader = Reader(document, diagnostics)
    root = reader.root()
    if reader.mapping(root, "an OpenAPI description") is None:
        return None
    data = root.value
    version = data.get("openapi") or data.get("swagger")
    if not isinstance(version, str):
        reader.error("", "an OpenAPI description needs an 'openapi' version string")
        return None
    if version.startswith("2."):
        base_path = data.get("basePath") if isinstance(data.get("basePath"), str) else ""
        host = data.get("host")
        schemes = data.get("schemes") if isinstance(data.get("schemes"), list) else ["https"]
        server_url = (
            f"{schemes[0]}://{host}{base_path}" if isinstance(host, str) else base_path or None
        )
    else:
        server_url = server_url_of(data.get("servers"))
    operations: list[Operation] = []
    for path, path_node in reader.entries(root, "paths", "the OpenAPI description"):
        resolved_item = documents.deref(document, path_node.pointer, path_node.value)
        if resolved_item is None or not isinstance(resolved_item.value, dict):
            continue
        item = resolved_item.value
        shared = _parameters(documents, resolved_item, item.get("parameters"), "parameters")
        item_server = server_url_of(item.get("servers"))
        for method in HTTP_METHODS:
            if not isinstance(item.get(method), dict):
                continue
            operation_pointer = pointer_join(resolved_item.pointer, method)
            operation_node = item[method]
            own = _parameters(
                documents,
                Resolved(resolved_item.document, operation_pointer, operation_node),
                operation_node.get("parameters"),
                "parameters",
            )
            merged = {(p.name, p.location): p for p in shared}
            merged.update({(p.name, p.location): p for p in own})
            body = None
            if isinstance(operation_node.get("requestBody"), dict):
                body = documents.deref(
                    resolved_item.document,
                    pointer_join(operation_pointer, "requestBody"),
                    operation_node["requestBody"],
                )
            responses: dict[str, Resolved] = {}
            raw_responses = operation_node.get("responses")
            if isinstance(raw_responses, dict):
                for status, response in raw_responses.items():
                    resolved = documents.deref(
                        resolved_item.document,
                        pointer_join(pointer_join(operation_pointer, "responses"), str(status)),
                        response,
                    )
                    if resolved is not None:
                        responses[str(status)] = resolved
            operation_id = operation_node.get("operationId")
            operations.append(
                Operation(
                    source=source,
                    document=resolved_item.document,
                    pointer=operation_pointer,
                    method=method.upper(),
                    path=path,
                    operation_id=operation_id if isinstance(operation_id, str) else None,
                    summary=_text(operation_node.get("summary")),
                    description=_text(operation_node.get("description")),
                    parameters=tuple(merged.values()),
                    request_body=body,
                    responses=responses,
                    server_url=server_url_of(operation_node.get("servers"))
                    or item_server
                    or server_url,
                )
            )
    return OpenApiDescription(source, document, version, server_url, tuple(operations))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _parameters(
    documents: DocumentSet, owner: Resolved, raw: object, name: str
) -> list[OpenApiParameter]:
    if not isinstance(raw, list):
        return []
    result: list[OpenApiParameter] = []
    base = pointer_join(owner.pointer, name)
    for index, entry in enumerate(raw):
        resolved = documents.deref(owner.document, pointer_join(base, index), entry)
        if resolved is None or not isinstance(resolved.value, dict):
            continue
        value = resolved.value
        if not isinstance(value.get("name"), str) or not isinstance(value.get("in"), str):
            continue
        schema = None
        schema_pointer = pointer_join(resolved.pointer, "schema")
        raw_schema = value.get("schema")
        content = value.get("content")
        media = next(iter(content), None) if isinstance(content, dict) and content else None
        json_content = isinstance(media, str) and is_json_media(media)
        if raw_schema is None and isinstance(media, str) and json_content:
            media_object = content[media] if isinstance(content, dict) else None
            if isinstance(media_object, dict):
                schema_pointer = pointer_join(pointer_join(resolved.pointer, "content"), media)
                schema_pointer = pointer_join(schema_pointer, "schema")
                raw_schema = media_object.get("schema")
        if isinstance(raw_schema, dict):
            schema = documents.deref(resolved.document, schema_pointer, raw_schema)
        explode = value.get("explode")
        result.append(
            OpenApiParameter(
                name=value["name"],
                location=value["in"],
                required=value.get("required") is True,
                schema=schema,
                style=value.get("style") if isinstance(value.get("style"), str) else None,
                explode=explode if isinstance(explode, bool) else None,
                json_content=json_content,
            )
        )
    return result


def is_json_media(media_type: str) -> bool:
    base = media_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def node_of(resolved: Resolved) -> Node:
    return Node(resolved.value, resolved.pointer)
