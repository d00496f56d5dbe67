"""The Python type of a value in a workflow: one function, used when outputs are typed and when
values are lowered to code."""

from __future__ import annotations

from collections.abc import Callable

from generator import ir
from generator.compile.scope import Scope
from generator.expressions import ast
from generator.types import ANY, ARRAY, BOOL, FLOAT, INT, OBJECT, STR, PyType

BodyType = Callable[[str], PyType]


def expression_type(
    expression: ast.Expression, scope: Scope, body_type: BodyType | None = None
) -> PyType:
    """`body_type(pointer)` types `$response.body#pointer` where a response schema is known."""
    match expression:
        case ast.InputRef(name=name, pointer=None):
            input_field = scope.inputs.field_named(name)
            return input_field.type if input_field is not None else ANY
        case ast.StepRef(step_id=step_id, name=name, pointer=None):
            step = scope.steps.get(step_id)
            output = step.output_named(name) if step is not None else None
            return output.type if output is not None else ANY
        case ast.OutputRef(name=name, pointer=None) if scope.called is not None:
            return _field_type(scope.called.outputs, name)
        case ast.WorkflowRef(workflow_id=workflow_id, field="inputs", name=name, pointer=None):
            call = scope.workflows.get(workflow_id)
            return _field_type(call.inputs, name) if call is not None else ANY
        case ast.WorkflowRef(workflow_id=workflow_id, field="outputs", name=name, pointer=None):
            call = scope.workflows.get(workflow_id)
            return _field_type(call.outputs, name) if call is not None else ANY
        case ast.StatusCode():
            return INT
        case ast.Url() | ast.Method():
            return STR
        case ast.MessageRef(message="response", source="header"):
            return STR.as_optional()
        case ast.MessageRef(message="request", source=source, name=name, pointer=None):
            sent = scope.request_value(source, name)
            return value_type(sent, scope) if sent is not None else ANY
        case ast.MessageRef(message="response", source="body", pointer=pointer):
            return body_type(pointer or "") if body_type is not None else ANY
        case _:
            return ANY


def _field_type(spec: ir.DataclassSpec, name: str) -> PyType:
    found = spec.field_named(name)
    return found.type if found is not None else ANY


def literal_type(value: object) -> PyType:
    if value is None:
        return PyType("None", None, True)
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STR
    if isinstance(value, list):
        return ARRAY
    return OBJECT


def value_type(value: ir.Value, scope: Scope, body_type: BodyType | None = None) -> PyType:
    match value:
        case ir.LiteralValue(value=literal):
            return literal_type(literal)
        case ir.ExpressionValue(expression=expression):
            return expression_type(expression, scope, body_type)
        case ir.TemplateValue():
            return STR
        case ir.ArrayValue():
            return ARRAY
        case ir.ObjectValue():
            return OBJECT
        case ir.SelectorValue(kind="jsonpath"):
            return ARRAY
        case ir.SelectorValue():
            return ANY
