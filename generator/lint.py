"""Lint warnings for `arazzo-codegen check`: things that compile but are probably mistakes."""

from __future__ import annotations

from collections.abc import Iterator

from generator import ir
from generator.diagnostics import Diagnostics
from generator.expressions import ast
from generator.expressions.walk import condition_expressions


def lint(module: ir.Module, diagnostics: Diagnostics) -> None:
    for workflow in module.workflows:
        used = {e.name for e in workflow_expressions(workflow) if isinstance(e, ast.InputRef)}
        for field in workflow.inputs.fields:
            if field.wire_name not in used and field.location is not None:
                diagnostics.warning(
                    field.location,
                    f"input '{field.wire_name}' of workflow '{workflow.workflow_id}' is never used",
                )
        for output in workflow.outputs.fields:
            if output.type.optional and output.location is not None:
                diagnostics.warning(
                    output.location,
                    f"output '{output.wire_name}' of workflow '{workflow.workflow_id}' can be "
                    "absent (None): the response schema does not guarantee a value there",
                )


def workflow_expressions(workflow: ir.Workflow) -> Iterator[ast.Expression]:
    """Every runtime expression a workflow evaluates."""
    for call in workflow.dependencies:
        yield from _call_expressions(call)
    for step in workflow.steps:
        if isinstance(step.call, ir.WorkflowCall):
            yield from _call_expressions(step.call)
        else:
            for parameter in (*step.call.path_parameters, *step.call.parameters):
                yield from value_expressions(parameter.value)
            if step.call.body is not None:
                yield from value_expressions(step.call.body.payload)
                for replacement in step.call.body.replacements:
                    yield from value_expressions(replacement.value)
        for criterion in step.criteria:
            yield from _criterion_expressions(criterion)
        yield from (o.value.expression for o in step.outputs if o.value is not None)
        for action in (*step.on_success, *step.on_failure):
            for criterion in action.criteria:
                yield from _criterion_expressions(criterion)
            if action.workflow is not None:
                yield from _call_expressions(action.workflow)
    for output in workflow.output_values:
        yield from value_expressions(output.value)


def value_expressions(value: ir.Value) -> Iterator[ast.Expression]:
    match value:
        case ir.ExpressionValue(expression=expression):
            yield expression
        case ir.TemplateValue(parts=parts):
            yield from (p.expression for p in parts if isinstance(p, ir.ExpressionValue))
        case ir.ObjectValue(items=items):
            for _, item in items:
                yield from value_expressions(item)
        case ir.ArrayValue(items=array):
            for item in array:
                yield from value_expressions(item)
        case ir.SelectorValue(context=context):
            yield context.expression


def _call_expressions(call: ir.WorkflowCall) -> Iterator[ast.Expression]:
    for _, value in call.arguments:
        yield from value_expressions(value)


def _criterion_expressions(criterion: ir.Criterion) -> Iterator[ast.Expression]:
    if criterion.context is not None:
        yield criterion.context.expression
    if criterion.whole_context is not None:
        yield from value_expressions(criterion.whole_context)
    for _, external in criterion.externals:
        yield external.expression
    if criterion.condition is not None:
        yield from condition_expressions(criterion.condition)
