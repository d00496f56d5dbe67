"""Compiling criteria: simple conditions (with their dialect repairs) and regex, JSONPath and
XPath criteria with their contexts."""

from __future__ import annotations

import re
from typing import Literal

from generator import ir
from generator.compile.context import CompileContext
from generator.compile.scope import Scope
from generator.criteria import (
    check_jsonpath,
    check_regex,
    check_xpath,
    read_jsonpath_comparison,
)
from generator.expressions import ast
from generator.expressions.dialects import repair_condition
from generator.expressions.parser import ExpressionSyntaxError, parse_condition
from generator.expressions.walk import condition_expressions
from generator.model import arazzo as model

_WHOLE_STEP_OUTPUTS = re.compile(r"\$steps\.([^.\s]+)\.outputs")


class CriteriaCompiler:
    def __init__(self, context: CompileContext) -> None:
        self.context = context

    def criteria(
        self, criteria: tuple[model.Criterion, ...], scope: Scope
    ) -> tuple[ir.Criterion, ...] | None:
        result: list[ir.Criterion] = []
        ok = True
        for criterion in criteria:
            pointer = criterion.pointer + "/condition"
            if criterion.type != "simple":
                compiled = self.typed_criterion(criterion, scope)
                if compiled is None:
                    ok = False
                else:
                    result.append(compiled)
                continue
            condition = self.simple_condition(criterion.condition, pointer)
            if condition is None:
                ok = False
                continue
            resolved = [
                self.context.values.resolve(e, pointer, scope)
                for e in condition_expressions(condition)
            ]
            operands = [r for r in resolved if r is not None]
            # Every expression is resolved, so that each problem is reported.
            if len(operands) == len(resolved):
                compiled = ir.Criterion(criterion.condition, condition, operands=tuple(operands))
                result.append(compiled)
            else:
                ok = False
        return tuple(result) if ok else None

    def simple_condition(self, text: str, pointer: str) -> ast.Condition | None:
        try:
            return parse_condition(text)
        except ExpressionSyntaxError as exc:
            repaired = repair_condition(text)
            if repaired is not None:
                try:
                    condition = parse_condition(repaired)
                except ExpressionSyntaxError:
                    pass
                else:
                    self.context.diagnostics.dialect(
                        self.context.document.location(pointer),
                        f"non-standard condition '{text}'; read as '{repaired}'",
                    )
                    return condition
            self.context.error(pointer, f"invalid condition '{text}': {exc.message}")
            return None

    def typed_criterion(self, criterion: model.Criterion, scope: Scope) -> ir.Criterion | None:
        """A regex, jsonpath or xpath criterion: its context checked, its condition validated."""
        kind = criterion.type if isinstance(criterion.type, str) else criterion.type.type
        version = None if isinstance(criterion.type, str) else criterion.type.version
        pointer = criterion.pointer + "/condition"
        if criterion.context is None:
            return None
        whole = self.whole_context(criterion.context, criterion.pointer + "/context", scope)
        context = (
            None
            if whole is not None
            else self.context.values.expression(
                criterion.context, criterion.pointer + "/context", scope
            )
        )
        condition = criterion.condition
        externals: tuple[tuple[str, ir.ExpressionValue], ...] = ()
        problem: str | None
        if kind == "regex":
            problem = check_regex(condition)
        elif kind == "xpath":
            problem = check_xpath(condition, version)
        elif kind == "jsonpath":
            problem = check_jsonpath(condition, version)
            if problem is not None:
                read = read_jsonpath_comparison(condition, version, problem)
                if isinstance(read, str):
                    problem = read
                else:
                    self.context.diagnostics.dialect(
                        self.context.document.location(pointer), read.message
                    )
                    checked = self.criterion_externals(read.externals, pointer, scope)
                    if checked is None:
                        return None
                    condition, problem, externals = read.query, None, checked
        else:
            problem = f"criterion type '{kind}' cannot be evaluated here"
        if problem is not None:
            self.context.error(
                pointer, f"invalid {kind} condition '{criterion.condition}': {problem}"
            )
            return None
        if context is None and whole is None:
            return None
        typed: Literal["regex", "jsonpath", "xpath"] = (
            "regex" if kind == "regex" else "xpath" if kind == "xpath" else "jsonpath"
        )
        return ir.Criterion(condition, None, typed, context, version, externals, whole)

    def whole_context(self, text: str, pointer: str, scope: Scope) -> ir.Value | None:
        """`$inputs` or `$steps.<id>.outputs` used whole as a context (a dialect): the object
        of the workflow's inputs or of the step's outputs, each by its document name."""
        step = _WHOLE_STEP_OUTPUTS.fullmatch(text.strip())
        names: list[tuple[str, ast.Expression]]
        if text.strip() == "$inputs":
            names = [(f.wire_name, ast.InputRef(f.wire_name)) for f in scope.inputs.fields]
            what = "the object of the workflow's inputs"
            standard = "$inputs.<name>"
        elif step is not None and step.group(1) in scope.steps:
            step_id = step.group(1)
            names = [(o.name, ast.StepRef(step_id, o.name)) for o in scope.steps[step_id].outputs]
            what = f"the object of step '{step_id}''s outputs"
            standard = f"$steps.{step_id}.outputs.<name>"
        else:
            return None
        self.context.diagnostics.dialect(
            self.context.document.location(pointer),
            f"'{text}' used whole as a context; read as {what} (absent values left out); the "
            f"standard form names one value: '{standard}'",
        )
        items: list[tuple[str, ir.Value]] = []
        for name, expression in names:
            resolved = self.context.values.resolve(expression, pointer, scope)
            assert resolved is not None, name  # each names a value that exists here
            items.append((name, resolved))
        return ir.ObjectValue(tuple(items))

    def criterion_externals(
        self, texts: tuple[str, ...], pointer: str, scope: Scope
    ) -> tuple[tuple[str, ir.ExpressionValue], ...] | None:
        """The runtime expressions a JSONPath comparison compares with, checked."""
        result = []
        for text in texts:
            expression = self.context.values.expression(text, pointer, scope)
            if expression is None:
                return None
            result.append((text, expression))
        return tuple(result)
