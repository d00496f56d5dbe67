"""Runtime expressions back to the text a document would write."""

from __future__ import annotations

from generator.expressions import ast


def _pointer(pointer: str | None) -> str:
    return "" if pointer is None else f"#{pointer}"


def expression_text(expression: ast.Expression) -> str:
    match expression:
        case ast.Url():
            return "$url"
        case ast.Method():
            return "$method"
        case ast.StatusCode():
            return "$statusCode"
        case ast.Self():
            return "$self"
        case ast.MessageRef(message=message, source="body", pointer=pointer):
            return f"${message}.body{_pointer(pointer)}"
        case ast.MessageRef(message=message, source=source, name=name):
            return f"${message}.{source}.{name}"
        case ast.InputRef(name=name, pointer=pointer):
            return f"$inputs.{name}{_pointer(pointer)}"
        case ast.OutputRef(name=name, pointer=pointer):
            return f"$outputs.{name}{_pointer(pointer)}"
        case ast.StepRef(step_id=step_id, name=name, pointer=pointer):
            return f"$steps.{step_id}.outputs.{name}{_pointer(pointer)}"
        case ast.WorkflowRef(workflow_id=workflow_id, field=field, name=name, pointer=pointer):
            return f"$workflows.{workflow_id}.{field}.{name}{_pointer(pointer)}"
        case ast.SourceRef(source=source, reference=reference):
            return f"$sourceDescriptions.{source}.{reference}"
        case ast.ComponentRef(kind=kind, name=name):
            return f"$components.{kind}.{name}"
