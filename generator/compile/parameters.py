"""Compiling a step's request: its parameters (merged, resolved, checked against the
operation) and its request body with payload replacements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, Literal

from generator import ir
from generator.compile.context import CompileContext, is_json_like
from generator.compile.readings import path_parameter_as_written
from generator.compile.scope import Scope
from generator.model import arazzo as model
from generator.model.openapi import Operation
from generator.serialization import header_name_problem, header_value_problem, validate_style

_FORM_MEDIA = "application/x-www-form-urlencoded"


class RequestCompiler:
    def __init__(self, context: CompileContext) -> None:
        self.context = context

    def resolve_parameter(
        self, parameter: model.Parameter | model.Reusable
    ) -> model.Parameter | None:
        if isinstance(parameter, model.Parameter):
            return parameter
        prefix = "$components.parameters."
        if not parameter.reference.startswith(prefix):
            self.context.error(
                parameter.pointer + "/reference",
                f"'{parameter.reference}' is not a reference to a reusable parameter "
                f"('{prefix}<name>')",
            )
            return None
        name = parameter.reference[len(prefix) :]
        found = self.context.arazzo.components.parameters.get(name)
        if found is None:
            self.context.error(
                parameter.pointer + "/reference", f"unknown component parameter '{name}'"
            )
            return None
        if parameter.has_value:
            return model.Parameter(found.name, found.location, parameter.value, parameter.pointer)
        return found

    def parameters(
        self, workflow: model.Workflow, step: model.Step, operation: Operation, scope: Scope
    ) -> list[ir.RequestParameter] | None:
        merged: dict[tuple[str, str | None], model.Parameter] = {}
        for raw in (*workflow.parameters, *step.parameters):
            parameter = self.resolve_parameter(raw)
            if parameter is not None:
                merged[(parameter.name, parameter.location)] = parameter
        result: list[ir.RequestParameter] = []
        ok = True
        reported = {name for (name, _location) in merged}
        for parameter in merged.values():
            if parameter.location == "path" and "{" + parameter.name + "}" not in operation.path:
                parameter = self.path_parameter_as_written(parameter, operation.path, merged)
            if parameter.location is None:
                self.context.error(
                    parameter.pointer,
                    f"parameter '{parameter.name}' needs 'in' (path, query, header or cookie) "
                    "because the step calls an operation",
                )
                ok = False
                continue
            if parameter.location == "querystring" and any(
                p.location == "query" for p in merged.values()
            ):
                self.context.error(
                    parameter.pointer + "/in",
                    "an 'in: querystring' parameter is the whole query string; it cannot be "
                    "combined with 'in: query' parameters",
                )
                ok = False
                continue
            if parameter.location == "path" and "{" + parameter.name + "}" not in operation.path:
                self.context.error(
                    parameter.pointer + "/name",
                    f"path parameter '{parameter.name}' does not appear in the path "
                    f"'{operation.path}'",
                )
                ok = False
                continue
            value = self.context.values.value(parameter.value, parameter.pointer + "/value", scope)
            declared = operation.parameter(parameter.name, parameter.location)
            if parameter.location == "querystring":
                if value is not None:
                    result.append(ir.RequestParameter(parameter.name, "querystring", value))
                else:
                    ok = False
                continue
            serialization = validate_style(
                parameter.location,
                declared.style if declared else None,
                declared.explode if declared else None,
            )
            if isinstance(serialization, str):
                self.context.error(
                    parameter.pointer, f"parameter '{parameter.name}': {serialization}"
                )
                ok = False
                continue
            if value is None or (
                parameter.location == "header" and not self.sendable_header(parameter, value)
            ):
                ok = False
                continue
            style, explode = serialization
            json_content = declared is not None and declared.json_content
            result.append(
                ir.RequestParameter(
                    parameter.name, parameter.location, value, style, explode, json_content
                )
            )
        given = {(p.name, p.location) for p in result}
        for declared in operation.parameters:
            if declared.name in reported and (declared.name, declared.location) not in given:
                continue  # the step gives it, with an error reported above
            if declared.location == "path" and (declared.name, "path") not in given:
                self.context.error(
                    step.pointer,
                    f"step '{step.step_id}' gives no value for the path parameter "
                    f"'{declared.name}' "
                    f"of {operation.method} {operation.path}",
                )
                ok = False
            elif (
                declared.required
                and (declared.name, declared.location) not in given
                # OpenAPI: header parameters with these names SHALL be ignored
                and not (
                    declared.location == "header"
                    and declared.name.lower() in ("accept", "content-type", "authorization")
                )
            ):
                self.context.warning(
                    step.pointer,
                    f"step '{step.step_id}' gives no value for the required {declared.location} "
                    f"parameter '{declared.name}' of {operation.method} {operation.path}",
                )
        return result if ok else None

    def path_parameter_as_written(
        self, parameter: model.Parameter, path: str, given: dict[Any, model.Parameter]
    ) -> model.Parameter:
        """A path parameter named like a template parameter but for case or `_`/camelCase
        (`pet_id` for `{petId}`): that template parameter, with a warning."""
        template_name = path_parameter_as_written(parameter.name, path)
        if template_name is None or (template_name, "path") in given:
            return parameter
        self.context.values.dialect(
            parameter.pointer + "/name",
            f"path parameter '{parameter.name}' does not appear in the path '{path}'; read as "
            f"'{template_name}' (the standard form uses the template's name exactly)",
        )
        return replace(parameter, name=template_name)

    def sendable_header(self, parameter: model.Parameter, value: ir.Value) -> bool:
        """Whether HTTP can carry a header's name and the text its value holds literally
        (values read at run time are checked when the request is built)."""
        problem = header_name_problem(parameter.name)
        if problem is not None:
            self.context.error(parameter.pointer + "/name", problem)
            return False
        for text in _literal_texts(value):
            problem = header_value_problem(parameter.name, text)
            if problem is not None:
                self.context.error(parameter.pointer + "/value", problem)
                return False
        return True

    def request_body(
        self, step: model.Step, operation: Operation, scope: Scope
    ) -> ir.RequestBody | None:
        body = step.request_body
        if body is None or not body.has_payload:
            return None
        content_type = body.content_type or _operation_content_type(operation)
        if content_type is None:
            content_type = "application/json" if not isinstance(body.payload, str) else "text/plain"
        payload = self.context.values.value(body.payload, body.pointer + "/payload", scope)
        if payload is None:
            return None
        base = content_type.split(";")[0].strip().lower()
        encoding: ir.BodyEncoding = "text"
        if is_json_like(base):
            encoding = "json"
        elif base in (_FORM_MEDIA, "multipart/form-data"):
            encoding = "form" if base == _FORM_MEDIA else "multipart"
            if isinstance(payload, (ir.ArrayValue, ir.TemplateValue)) or (
                isinstance(payload, ir.LiteralValue) and not isinstance(payload.value, dict)
            ):
                if isinstance(payload, (ir.TemplateValue, ir.LiteralValue)) and base == _FORM_MEDIA:
                    encoding = "text"  # an already encoded form string, sent as written
                else:
                    self.context.error(
                        body.pointer + "/payload",
                        f"a '{base}' payload must be an object of field names to values",
                    )
                    return None
        elif base.startswith("multipart/"):
            self.context.error(
                body.pointer + "/contentType", f"'{content_type}' bodies are not supported yet"
            )
            return None
        elif isinstance(payload, (ir.ObjectValue, ir.ArrayValue)):
            self.context.error(
                body.pointer + "/payload",
                f"a '{content_type}' payload must be a string, not a structure",
            )
            return None
        replacements = self.replacements(body, encoding, base, scope)
        if replacements is None:
            return None
        return ir.RequestBody(content_type, encoding, payload, replacements)

    def replacements(
        self, body: model.RequestBody, encoding: ir.BodyEncoding, media: str, scope: Scope
    ) -> tuple[ir.Replacement, ...] | None:
        """Payload replacements: JSON pointers into structured payloads, XPath into XML."""
        is_xml = media.endswith("/xml") or media.endswith("+xml")
        result: list[ir.Replacement] = []
        ok = True
        for replacement in body.replacements:
            value = self.context.values.value(
                replacement.value, replacement.pointer + "/value", scope
            )
            kind: Literal["pointer", "xpath"] = "xpath" if is_xml else "pointer"
            target = replacement.target
            if kind == "pointer" and target and not target.startswith("/"):
                self.context.error(
                    replacement.pointer + "/target",
                    f"replacement target '{target}' must be a JSON pointer (starting with '/') "
                    "for a structured payload",
                )
                ok = False
                continue
            if encoding == "text" and not is_xml:
                self.context.error(
                    replacement.pointer,
                    f"replacements need a JSON, form or XML payload, not '{media}'",
                )
                ok = False
                continue
            if value is None:
                ok = False
                continue
            result.append(ir.Replacement(target, kind, value))
        return tuple(result) if ok else None


def _literal_texts(value: ir.Value) -> Iterator[str]:
    """The text a value holds literally: its strings, object keys and template text."""
    match value:
        case ir.LiteralValue(value=data):
            yield from _json_texts(data)
        case ir.TemplateValue(parts=parts):
            yield from (part for part in parts if isinstance(part, str))
        case ir.ObjectValue(items=items):
            for key, item in items:
                yield key
                yield from _literal_texts(item)
        case ir.ArrayValue(items=array):
            for item in array:
                yield from _literal_texts(item)


def _json_texts(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, list):
        for item in data:
            yield from _json_texts(item)
    elif isinstance(data, dict):
        for key, item in data.items():
            yield str(key)
            yield from _json_texts(item)


def _operation_content_type(operation: Operation) -> str | None:
    body = operation.request_body
    if body is None or not isinstance(body.value, dict):
        return None
    content = body.value.get("content")
    if isinstance(content, dict) and content:
        return str(next(iter(content)))
    return None
