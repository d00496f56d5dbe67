"""Resolving runtime expressions: the one place that matches what an expression refers to. Each
is checked against what exists where it is used and resolved into an `ir.ExpressionValue`: what
the value comes from, its Python type and whether it is secret."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from generator import ir
from generator.compile.scope import Scope
from generator.expressions import ast
from generator.expressions.text import expression_text
from generator.types import ANY, INT, STR, PyType

Report = Callable[[str, str], None]
"""Reports a message at a JSON pointer of the document."""


class ReferenceResolver:
    """Resolves expressions, reporting (as `error`, or as a `dialect` reading) what is wrong."""

    def __init__(self, error: Report, dialect: Report) -> None:
        self.error = error
        self.dialect = dialect

    def resolve(
        self, expression: ast.Expression, pointer: str, scope: Scope
    ) -> ir.ExpressionValue | None:
        """The expression resolved in `scope`; None (with an error recorded) when it names
        something that does not exist here, or that this compiler cannot evaluate yet.
        """
        path = getattr(expression, "pointer", None)

        def value(origin: ir.Origin, py_type: PyType, secret: bool = False) -> ir.ExpressionValue:
            # A value read at a pointer inside it has no known type.
            typed = py_type if path is None else ANY
            return ir.ExpressionValue(expression, origin, path, typed, secret)

        match expression:
            case ast.InputRef(name=name):
                field = scope.inputs.field_named(name)
                if field is None:
                    names = [f.wire_name for f in scope.inputs.fields]
                    self.error(
                        pointer,
                        f"unknown input '{name}'{suggest(name, names)} "
                        f"(the workflow's inputs: {', '.join(names) or 'none'})",
                    )
                    return None
                return value(ir.InputField(field), field.type, field.secret)
            case ast.StepRef(step_id=step_id, name=name):
                output = self._step_output(step_id, name, pointer, scope)
                if output is None:
                    return None
                local = ir.StepOutputLocal(step_id, name, output.local)
                return value(local, output.type, output.secret)
            case ast.OutputRef(name=name):
                called = scope.called
                if called is None:
                    self.error(
                        pointer,
                        f"'$outputs.{name}' reads the outputs of the workflow a step runs; "
                        "it can only be used in the outputs of a step that calls a workflow",
                    )
                    return None
                found = self._field(called, "outputs", name, pointer)
                if found is None:
                    return None
                return value(ir.CallOutput(called.local, found), found.type, found.secret)
            case ast.WorkflowRef(workflow_id=workflow_id, field=kind, name=name):
                call = scope.workflows.get(workflow_id)
                if call is None:
                    self.error(
                        pointer,
                        f"the {kind} of workflow '{workflow_id}' are not available here "
                        "(run it first: list it in 'dependsOn' or call it from an earlier step)",
                    )
                    return None
                found = self._field(call, kind, name, pointer)
                if found is None:
                    return None
                if kind == "inputs":
                    passed = call.input_value(name)
                    assert passed is not None, name
                    return value(ir.SentValue(passed), found.type, found.secret or passed.secret)
                caller = next((s for s, step in scope.steps.items() if step.call is call), None)
                returned = ir.CallOutput(call.local, found, caller)
                return value(returned, found.type, found.secret)
            case ast.StatusCode() | ast.Url() | ast.Method() | ast.MessageRef(message="response"):
                return self._response(expression, pointer, scope)
            case ast.MessageRef(message="request", source=source, name=name):
                if not self._needs_response(expression, pointer, scope):
                    return None
                sent = self._sent(expression, source, name, pointer, scope)
                if sent is None:
                    return None
                return value(ir.SentValue(sent), sent.type, sent.secret)
        self.error(
            pointer, f"the runtime expression {describe(expression)} is not supported here yet"
        )
        return None

    def _step_output(
        self, step_id: str, name: str, pointer: str, scope: Scope
    ) -> ir.StepOutput | None:
        step = scope.steps.get(step_id)
        if step is None:
            if step_id in scope.failed_steps:
                return None
            if step_id == scope.current_step:
                self.error(
                    pointer,
                    f"step '{step_id}' cannot read its own outputs here; "
                    "read the response with $response... instead",
                )
            elif step_id in scope.later_steps:
                self.error(
                    pointer,
                    f"'$steps.{step_id}' refers to a step that has not run yet at this point",
                )
            else:
                readable = list(scope.steps)
                self.error(
                    pointer,
                    f"unknown step '{step_id}'{suggest(step_id, readable)} "
                    f"(steps that can be read here: {', '.join(readable) or 'none'})",
                )
            return None
        output = step.output_named(name)
        if output is None:
            known = ", ".join(o.name for o in step.outputs) or "none"
            self.error(pointer, f"step '{step_id}' has no output '{name}' (its outputs: {known})")
        return output

    def _response(
        self, expression: ast.Expression, pointer: str, scope: Scope
    ) -> ir.ExpressionValue | None:
        """`$statusCode`, `$url`, `$method` and `$response.header|body...`."""
        if not self._needs_response(expression, pointer, scope):
            return None
        match expression:
            case ast.StatusCode():
                return ir.ExpressionValue(expression, ir.ResponseValue("status_code"), None, INT)
            case ast.Url():
                return ir.ExpressionValue(expression, ir.ResponseValue("url"), None, STR)
            case ast.Method():
                return ir.ExpressionValue(expression, ir.ResponseValue("method"), None, STR)
            case ast.MessageRef(source="header", name=name):
                origin = ir.ResponseValue("header", name)
                return ir.ExpressionValue(expression, origin, None, STR.as_optional())
            case ast.MessageRef(source="body", pointer=path):
                return ir.ExpressionValue(expression, ir.ResponseValue("body"), path, ANY)
            case ast.MessageRef(source=source):
                self.error(
                    pointer,
                    f"{describe(expression)}: a response has no {source} parameters "
                    "(read its headers or its body)",
                )
        return None

    def _sent(
        self, expression: ast.Expression, source: str, name: str, pointer: str, scope: Scope
    ) -> ir.Value | None:
        """The value the current step sends as `$request.<source>...` reads it."""
        sent = scope.request_value(source, name)
        implicit = scope.implicit_content_type(name) if source == "header" else None
        if (
            implicit is not None
            and scope.request is not None
            and not any(
                p.location == "header" and p.name.lower() == name.lower()
                for p in scope.request.parameters
            )
        ):
            self.dialect(
                pointer,
                f"{describe(expression)}: the step gives no Content-Type header "
                f"parameter; read as the media type of the body it sends, "
                f"'{implicit.value}' (the standard form gives the header as a parameter)",
            )
        if sent is None:
            what = "body" if source == "body" else f"{source} parameter '{name}'"
            self.error(
                pointer,
                f"{describe(expression)}: the step sends no {what} "
                "(only values the step itself sends can be read back)",
            )
        return sent

    def _field(self, call: ir.WorkflowCall, kind: str, name: str, pointer: str) -> ir.Field | None:
        """The called workflow's input or output `name` (reported when it has none)."""
        spec = call.inputs if kind == "inputs" else call.outputs
        found = spec.field_named(name)
        if found is None:
            known = ", ".join(f.wire_name for f in spec.fields) or "none"
            self.error(
                pointer,
                f"workflow '{call.workflow_id}' has no {kind.removesuffix('s')} '{name}' "
                f"(its {kind}: {known})",
            )
        return found

    def _needs_response(self, expression: ast.Expression, pointer: str, scope: Scope) -> bool:
        if not scope.has_response:
            self.error(
                pointer,
                f"{describe(expression)} can only be used after a step's response arrives "
                "(in its successCriteria or outputs)",
            )
        return scope.has_response


def suggest(name: str, known: list[str]) -> str:
    """ "; did you mean 'x'?" when a known name is close to `name`."""
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def describe(expression: ast.Expression) -> str:
    return f"'{expression_text(expression)}'"
