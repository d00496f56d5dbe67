"""Compiling a step's outputs: their types, read from the response schema, and whether they
hold secrets."""

from __future__ import annotations

from dataclasses import replace

from generator import ir
from generator.compile.context import CompileContext, is_json_like
from generator.compile.readings import constant_output
from generator.compile.scope import Scope
from generator.expressions import ast
from generator.load.refs import Resolved
from generator.load.source import pointer_join
from generator.model import arazzo as model
from generator.model.openapi import Operation
from generator.names import NameScope
from generator.secrets import is_secret
from generator.types import ANY, PyType


class StepOutputCompiler:
    def __init__(self, context: CompileContext) -> None:
        self.context = context

    def step_outputs(
        self,
        step: model.Step,
        operation: Operation | None,
        criteria: tuple[ir.Criterion, ...] | None,
        scope: Scope,
        local_names: NameScope,
    ) -> tuple[ir.StepOutput, ...] | None:
        status = success_status(criteria or ())
        schema = self.response_schema(operation, status) if operation is not None else None

        def body_type(pointer: str) -> PyType:
            if schema is None:
                return ANY
            found, guaranteed = self.context.types.at_pointer(schema, pointer)
            if found is None:
                return ANY
            return self.context.types.type_of(found).as_optional(not guaranteed)

        def body_secret(pointer: str, name: str) -> bool:
            found, _ = self.context.types.at_pointer(schema, pointer) if schema else (None, False)
            return is_secret(name, found.value if found is not None else None)

        result: list[ir.StepOutput] = []
        ok = True
        for output in step.outputs:
            constant = constant_output(output, self.context.diagnostics, self.context.document)
            if constant is not None:
                local = local_names.allocate(output.name, fallback_prefix=step.step_id)
                result.append(ir.StepOutput(output.name, local, None, False, constant))
                continue
            if not isinstance(output.value, str):
                self.context.error(
                    output.pointer, f"output '{output.name}' must be a runtime expression"
                )
                ok = False
                continue
            value = self.context.values.expression(output.value, output.pointer, scope)
            if value is None:
                ok = False
                continue
            secret = is_secret(output.name) or value.secret
            if value.origin == ir.ResponseValue("body"):
                path = value.pointer or ""
                problem = self.context.types.array_index_problem(schema, path) if schema else None
                if problem is not None:
                    self.context.error(output.pointer, f"output '{output.name}': {problem}")
                    ok = False
                    continue
                value = replace(value, type=body_type(path))
                secret = secret or body_secret(path, output.name)
            local = local_names.allocate(output.name, fallback_prefix=step.step_id)
            result.append(ir.StepOutput(output.name, local, value, secret))
        return tuple(result) if ok else None

    def response_schema(self, operation: Operation, status: int | None) -> Resolved | None:
        codes = sorted(operation.responses)
        preferred = [str(status)] if status is not None else []
        preferred += [c for c in codes if c.startswith("2") and c.isdigit()]
        preferred += [c for c in codes if c.upper() == "2XX"] + ["default"]
        for code in preferred:
            response = operation.responses.get(code)
            if response is None or not isinstance(response.value, dict):
                continue
            content = response.value.get("content")
            if not isinstance(content, dict):
                continue
            for media, entry in content.items():
                if (
                    is_json_like(str(media))
                    and isinstance(entry, dict)
                    and isinstance(entry.get("schema"), dict)
                ):
                    pointer = pointer_join(
                        pointer_join(pointer_join(response.pointer, "content"), str(media)),
                        "schema",
                    )
                    return Resolved(response.document, pointer, entry["schema"])
            return None
        return None


def success_status(criteria: tuple[ir.Criterion, ...]) -> int | None:
    """The status code the criteria require (`$statusCode == 200`), when they name exactly one."""
    for criterion in criteria:
        condition = criterion.condition
        if isinstance(condition, ast.Compare) and condition.op == "==":
            sides = (condition.left, condition.right)
            if any(
                isinstance(s, ast.ExpressionOperand) and isinstance(s.expression, ast.StatusCode)
                for s in sides
            ):
                for side in sides:
                    if isinstance(side, ast.LiteralValue) and isinstance(side.value, int):
                        return side.value
    return None
