"""Readings of non-standard forms that need to know the workflow around them (its steps, its
outputs): each has exactly one sensible meaning, is accepted with a warning that shows the
standard form, and is rejected under --strict. Forms readable from the text alone live in
generator/expressions/dialects.py."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterable

from generator import ir
from generator.diagnostics import Diagnostics
from generator.expressions import ast
from generator.load.source import LoadedDocument
from generator.model import arazzo as model
from generator.model.openapi import Operation
from generator.names import NameScope

STANDARD_ID = re.compile(r"[A-Za-z0-9_\-]+")


def constant_output(
    output: model.OutputMapping, diagnostics: Diagnostics, document: LoadedDocument
) -> ir.LiteralValue | None:
    """A step output written as a literal (`guildCount: 2`) where a runtime expression belongs:
    the constant itself, with a warning. Strings that mention `$`, objects and lists are not
    read so (they are mistyped expressions or malformed selector objects)."""
    value = output.value
    if isinstance(value, str) and "$" in value:
        return None
    if isinstance(value, dict | list):
        return None
    shown = json.dumps(value)
    diagnostics.dialect(
        document.location(output.pointer),
        f"output '{output.name}' is the constant {shown}, not a runtime expression; read as "
        "that constant (the standard form computes an output from a runtime expression, "
        "e.g. a workflow output or an input holding the value)",
    )
    return ir.LiteralValue(value)


def step_reference_as_written(text: str, step_ids: Iterable[str]) -> ast.StepRef | None:
    """`$steps.Plan a Trip_0.outputs.result` where `Plan a Trip_0` is a step id outside the
    pattern `[A-Za-z0-9_-]+` (spaces, dots): the output of that step, its id taken as written.
    Only ids of steps that exist are read so; the longest one that fits wins."""
    if not text.startswith("$steps."):
        return None
    body = text[len("$steps.") :]
    unusual = [i for i in step_ids if not STANDARD_ID.fullmatch(i)]
    for step_id in sorted(unusual, key=len, reverse=True):
        prefix = step_id + ".outputs."
        if not body.startswith(prefix):
            continue
        name, hash_sign, pointer = body[len(prefix) :].partition("#")
        if not name or "{" in name or "}" in name:
            return None
        if hash_sign and pointer and not pointer.startswith("/"):
            return None
        return ast.StepRef(step_id, name, pointer if hash_sign else None)
    return None


def _folded(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def path_parameter_as_written(name: str, path: str) -> str | None:
    """The path template's parameter that `name` spells differently only by case or by `_`,
    `-` and camelCase (`pet_id` for `{petId}`), when exactly one does; else None."""
    template_names = re.findall(r"\{([^{}]+)\}", path)
    matches = [t for t in template_names if _folded(t) == _folded(name)]
    return matches[0] if len(matches) == 1 else None


def operation_parameters_left_out(
    workflow: model.Workflow, step: model.Step, dialect: Callable[[str, str], None]
) -> list[model.Parameter | model.Reusable]:
    """The workflow-level parameters a step that calls a workflow passes on as its inputs.
    Those with `in` (header, query, path, cookie) are request parameters for the operations
    of the workflow's steps (Redocly's museum document gives `Authorization` so): they are left
    out, with a warning, rather than read as inputs of the called workflow."""
    passed: list[model.Parameter | model.Reusable] = []
    for parameter in workflow.parameters:
        if not isinstance(parameter, model.Parameter) or parameter.location is None:
            passed.append(parameter)
            continue
        dialect(
            parameter.pointer,
            f"workflow parameter '{parameter.name}' (in: {parameter.location}) is not passed "
            f"to the workflow step '{step.step_id}' calls; read as a parameter of the "
            "operation steps only (the standard form gives it to those steps, or passes "
            "inputs to a called workflow without 'in')",
        )
    return passed


_DEPENDENCY = re.compile(
    r"\$dependencies\.([A-Za-z0-9_\-]+)\.([A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*)"
)


def dependencies_reading(
    text: str, workflow_ids: Iterable[str], step_ids: Iterable[str]
) -> str | None:
    """Jentic's `$dependencies.<id>.<name>` (in `Bearer $dependencies.getToken.access_token`)
    in the standard form: `{$workflows.<id>.outputs.<name>}` when `<id>` is a workflow this one
    depends on, `{$steps.<id>.outputs.<name>}` when it is one of its earlier steps; None when
    some `<id>` is neither or both (no single reading) or there is none."""
    workflows, steps = set(workflow_ids), set(step_ids)
    unreadable = False

    def standard(match: re.Match[str]) -> str:
        nonlocal unreadable
        target, name = match.groups()
        if (target in workflows) == (target in steps):
            unreadable = True
            return match.group(0)
        root = "workflows" if target in workflows else "steps"
        expression = f"${root}.{target}.outputs.{name}"
        return expression if match.group(0) == text else "{" + expression + "}"

    rewritten = _DEPENDENCY.sub(standard, text)
    return None if unreadable or rewritten == text else rewritten


_LOOKS_LIKE_EXPRESSION = re.compile(
    r"(?<![{\w$])\$([A-Za-z][A-Za-z0-9]*)\.[A-Za-z_][^\s{}\"',;&()]*"
)
_ROOTS = frozenset(
    [
        "url",
        "method",
        "statusCode",
        "self",
        "request",
        "response",
        "inputs",
        "outputs",
        "steps",
        "workflows",
        "sourceDescriptions",
        "components",
    ]
)


def unknown_roots(text: str) -> list[str]:
    """The parts of a string that look like runtime expressions (`$word.more`) but whose root
    is not one: they are sent as literal text, which is rarely what the author meant."""
    return [m.group(0) for m in _LOOKS_LIKE_EXPRESSION.finditer(text) if m.group(1) not in _ROOTS]


def x_operation_target(
    step: model.Step,
    document: LoadedDocument,
    sources: dict[str, ir.Source],
    module_scope: NameScope,
    diagnostics: Diagnostics,
) -> Operation | None:
    """Redocly's `x-operation: {method, url}` step: a call of that method and URL, as if an
    OpenAPI description had that one operation (no declared parameters, no response schema).
    The URL's origin is its source: its server URL, which `base_urls` can replace by that name."""
    target = step.x_operation
    assert target is not None
    parts = urllib.parse.urlsplit(target.url)
    where = document.location(target.pointer + "/url")
    if parts.query or parts.fragment or not parts.netloc:
        diagnostics.error(where, f"'x-operation' URL '{target.url}' must have no query or fragment")
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    diagnostics.dialect(
        document.location(target.pointer),
        f"step '{step.step_id}' calls {target.method} {target.url} through Redocly's "
        "'x-operation'; read as that request (the standard form names an operation of an "
        "OpenAPI source description with operationId or operationPath)",
    )
    if origin not in sources:
        sources[origin] = ir.Source(
            name=origin,
            constant=module_scope.allocate(f"{parts.netloc} server url", style="upper_snake"),
            local=module_scope.allocate(f"{parts.netloc} url"),
            server_url=origin,
        )
    return Operation(
        source=origin,
        document=document,
        pointer=target.pointer,
        method=target.method,
        path=parts.path or "/",
        operation_id=None,
        summary=None,
        description=None,
        parameters=(),
        request_body=None,
        responses={},
        server_url=origin,
    )
