"""Lowering a step's request: the `run.request(...)` call with its URL, parameters (serialized
as OpenAPI describes them), body and payload replacements, and the credentials a step is given."""

from __future__ import annotations

import json
import re

from generator import emit, ir
from generator.lowering.values import Code, ValueLowering
from generator.serialization import is_simple_value_type, needs_serializer, path_text
from generator.types import ANY, STR

_PATH_PARAMETER = re.compile(r"\{([^{}]+)\}")


def operation_request(call: ir.OperationCall, request: ValueLowering) -> str:
    """The `run.request(...)` that builds the step's request."""
    arguments = ["http", emit.literal(call.method), _url(call, request)]
    for location, keyword in (("query", "params"), ("header", "headers"), ("cookie", "cookies")):
        argument = _parameters(
            [p for p in call.parameters if p.location == location], location, request
        )
        if argument:
            arguments.append(f"{keyword}={argument}")
    if call.body is not None:
        arguments.extend(_body_arguments(call.body, request))
    if call.timeout is not None:
        arguments.append(f"timeout={emit.literal(call.timeout)}")
    return f"run.request({', '.join(arguments)})"


def _parameter_code(parameter: ir.RequestParameter, request: ValueLowering) -> Code:
    """The parameter's value; as JSON text when OpenAPI describes it by JSON `content`."""
    code = request.value(parameter.value)
    if parameter.json_content:
        request.helpers.add("_serialize")
        return Code(f"_serialize.json_text({code.source})", STR)
    return code


def _serialized(parameter: ir.RequestParameter, request: ValueLowering) -> str | None:
    """The `_serialize` call for a parameter whose value is not a plain scalar (or whose style
    adds a prefix), else None."""
    code = _parameter_code(parameter, request)
    if not needs_serializer(parameter.style, code.type.annotation):
        return None
    name = emit.literal(parameter.name)
    style = emit.literal(parameter.style)
    request.helpers.add("_serialize")
    match parameter.location:
        case "query":
            return f"*_serialize.query_pairs({name}, {code.source}, {style}, {parameter.explode})"
        case "cookie":
            return f"*_serialize.cookie_pairs({name}, {code.source}, {parameter.explode})"
        case "header":
            return f"_serialize.header_value({code.source}, {parameter.explode})"
        case _:
            return f"_serialize.path_value({name}, {code.source}, {style}, {parameter.explode})"


def _parameters(
    parameters: list[ir.RequestParameter], location: str, request: ValueLowering
) -> str | None:
    """A dict of parameter values, or a list of (name, text) pairs when some need OpenAPI
    serialization (arrays and objects expand to several pairs)."""
    if not parameters:
        return None
    serialized = {p.name: _serialized(p, request) for p in parameters}
    if location == "header" or not any(serialized.values()):
        entries = [
            f"{emit.literal(p.name)}: {serialized[p.name] or _parameter_code(p, request).source}"
            for p in parameters
        ]
        return "{" + ", ".join(entries) + "}"
    pairs = [
        serialized[p.name] or f"({emit.literal(p.name)}, {_parameter_code(p, request).source})"
        for p in parameters
    ]
    return "[" + ", ".join(str(pair) for pair in pairs) + "]"


def given_credential(given: ir.GivenCredential, request: ValueLowering) -> str:
    """`(scheme, credential)` for a credential the document gives a step (`x-security`)."""
    scheme = given.scheme
    arguments = [
        emit.literal(scheme.source),
        '""',
        emit.literal(scheme.name),
        '""',
        emit.literal(scheme.kind),
    ]
    if scheme.kind == "apiKey":
        arguments += [emit.literal(scheme.location), emit.literal(scheme.parameter)]
    texts = []
    for _, value in given.values:
        code = request.value(value)
        plain = code.type.check == "str" and not code.type.optional
        texts.append(code.source if plain else f"_runtime.text({code.source})")
    kind = {"apiKey": "ApiKey", "basic": "HttpBasic"}.get(scheme.kind, "BearerToken")
    return f"(_auth.Scheme({', '.join(arguments)}), _auth.{kind}({', '.join(texts)}))"


def _url(call: ir.OperationCall, request: ValueLowering) -> str:
    values = {p.name: p for p in call.path_parameters}
    pieces = [call.source.local]
    position = 0
    for match in _PATH_PARAMETER.finditer(call.path):
        if match.start() > position:
            pieces.append(emit.literal(path_text(call.path[position : match.start()])))
        parameter = values.get(match.group(1))
        if parameter is None:
            pieces.append(emit.literal(path_text(match.group(0))))
        else:
            serialized = _serialized(parameter, request)
            value = _parameter_code(parameter, request).source
            pieces.append(serialized or f"_runtime.path_segment({value})")
        position = match.end()
    if position < len(call.path):
        pieces.append(emit.literal(path_text(call.path[position:])))
    for parameter in call.parameters:
        if parameter.location == "querystring":
            code = _parameter_code(parameter, request)
            text = code.source if code.type.check == "str" else f"_runtime.text({code.source})"
            pieces += [emit.literal("?"), text]
    return " + ".join(pieces)


def _payload(body: ir.RequestBody, request: ValueLowering) -> Code:
    """The payload, with its replacements applied in order."""
    code = request.value(body.payload)
    source = code.source
    is_text = code.type.check == "str" and not code.type.optional
    for replacement in body.replacements:
        value = request.value(replacement.value).source
        target = emit.literal(replacement.target)
        if replacement.kind == "xpath":
            text = source if is_text else f"_runtime.text({source})"
            source = f"_serialize.replace_xpath({text}, {target}, {value})"
            request.helpers.add("_serialize")
            is_text = True
        else:
            source = f"_serialize.replace_pointer({source}, {target}, {value})"
            request.helpers.add("_serialize")
    if body.replacements:
        kind = STR if body.replacements[0].kind == "xpath" else ANY
        return Code(source, kind)
    return code


def _json_text(body: ir.RequestBody) -> bool:
    """Whether a JSON payload is written as its JSON text, as the Arazzo specification's
    examples write it: a string that is a JSON document once each embedded expression is
    replaced by a number. It is then sent as that text; any other string is a JSON string."""
    payload = body.payload
    if body.replacements:
        return False
    if isinstance(payload, ir.TemplateValue):
        text = "".join(part if isinstance(part, str) else "0" for part in payload.parts)
    elif isinstance(payload, ir.LiteralValue) and isinstance(payload.value, str):
        text = payload.value
    else:
        return False
    try:
        return isinstance(json.loads(text), dict | list)
    except ValueError:
        return False


def _body_arguments(body: ir.RequestBody, request: ValueLowering) -> list[str]:
    code = _payload(body, request)
    media = body.content_type.strip().lower()
    is_mapping = code.type.check == "dict" and not code.type.optional
    if body.encoding == "form" and code.type.check == "str":
        text = code.source if not code.type.optional else f"_runtime.text({code.source})"
        return [f"content={text}", f"content_type={emit.literal(body.content_type)}"]
    if body.encoding in ("form", "multipart") and not is_mapping:
        code = Code(f"_runtime.as_mapping({code.source})", code.type)
    if body.encoding == "form":
        fields = code.source
        if isinstance(body.payload, ir.ObjectValue) and not body.replacements:
            simple = all(
                is_simple_value_type(request.value(v).type.annotation)
                for _, v in body.payload.items
            )
            if not simple:
                fields = f"_serialize.form_fields({code.source})"
        else:
            fields = f"_serialize.form_fields({code.source})"
        if fields != code.source:
            request.helpers.add("_serialize")
        arguments = [f"data={fields}"]
        if media != "application/x-www-form-urlencoded":
            arguments.append(f"content_type={emit.literal(body.content_type)}")
        return arguments
    if body.encoding == "multipart":
        request.helpers.add("_serialize")
        return [f"files=_serialize.multipart_parts({code.source})"]
    if body.encoding == "json" and _json_text(body):
        return [f"content={code.source}", f"content_type={emit.literal(body.content_type)}"]
    if body.encoding == "json":
        arguments = [f"json_body={code.source}"]
        if media != "application/json":
            arguments.append(f"content_type={emit.literal(body.content_type)}")
        return arguments
    is_text = code.type.check == "str" and not code.type.optional
    text = code.source if is_text else f"_runtime.text({code.source})"
    return [f"content={text}", f"content_type={emit.literal(body.content_type)}"]
