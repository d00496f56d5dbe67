"""Values written in a document (parameter values, payloads, outputs): classified into literals,
runtime expressions, string templates and structures, with every reference resolved."""

from __future__ import annotations

import re
from typing import Any

from generator import ir
from generator.compile.readings import (
    dependencies_reading,
    step_reference_as_written,
    unknown_roots,
)
from generator.compile.references import ReferenceResolver, suggest
from generator.compile.scope import Scope
from generator.criteria import check_jsonpath
from generator.diagnostics import Diagnostics
from generator.expressions import ast
from generator.expressions.dialects import (
    repair_template,
    repair_text,
    split_dotted_name,
    with_pointer,
)
from generator.expressions.parser import (
    ExpressionSyntaxError,
    is_whole_expression,
    parse_expression,
    parse_template,
)
from generator.expressions.text import expression_text
from generator.load.source import LoadedDocument, pointer_join

_SOURCE_WORKFLOW_FIELD = re.compile(r"^([A-Za-z0-9_\-]+)\.(inputs|outputs)\.([A-Za-z0-9._\-]+)$")
# A whole value like `$step.x.y`: meant as an expression, but its root is misspelt.
_UNKNOWN_ROOT = re.compile(r"^(\$[A-Za-z][A-Za-z0-9]*)\.[^\s]+$")
EXPRESSION_ROOTS = (
    "$url",
    "$method",
    "$statusCode",
    "$self",
    "$request.",
    "$response.",
    "$inputs.",
    "$outputs.",
    "$steps.",
    "$workflows.",
    "$sourceDescriptions.",
    "$components.",
)


class ValueReader:
    """Classifies document values and resolves the references of their expressions."""

    def __init__(
        self,
        document: LoadedDocument,
        diagnostics: Diagnostics,
        source_urls: dict[str, str] | None = None,
        component_parameters: dict[str, Any] | None = None,
        self_uri: str | None = None,
    ) -> None:
        self.document = document
        self.diagnostics = diagnostics
        self.source_urls = source_urls or {}
        self.component_parameters = component_parameters or {}
        self.self_uri = self_uri
        self.resolver = ReferenceResolver(self.error, self.dialect)

    def resolve(
        self, expression: ast.Expression, pointer: str, scope: Scope
    ) -> ir.ExpressionValue | None:
        """The expression resolved in `scope` (None, reported, when it cannot be)."""
        return self.resolver.resolve(expression, pointer, scope)

    def error(self, pointer: str, message: str) -> None:
        self.diagnostics.error(self.document.location(pointer), message)

    def warning(self, pointer: str, message: str) -> None:
        self.diagnostics.warning(self.document.location(pointer), message)

    def dialect(self, pointer: str, message: str) -> None:
        self.diagnostics.dialect(self.document.location(pointer), message)

    def parse(self, text: str, pointer: str) -> ast.Expression | None:
        """A whole runtime expression, accepting known dialects with a warning."""
        try:
            return parse_expression(text)
        except ExpressionSyntaxError as exc:
            repaired = repair_text(text)
            if repaired is not None and is_whole_expression(repaired):
                self.dialect(
                    pointer, f"non-standard runtime expression '{text}'; read as '{repaired}'"
                )
                return parse_expression(repaired)
            self.error(pointer, f"invalid runtime expression '{text}': {exc.message}")
            return None

    def standard(
        self, expression: ast.Expression, text: str, pointer: str, scope: Scope
    ) -> ast.Expression:
        """Dotted access into an input or step output (`$inputs.customer.name`) read as a JSON
        pointer into it, with a warning, when only the part before the dot exists."""
        known: set[str] = set()
        name = ""
        match expression:
            case ast.InputRef(name=name):
                known = {f.wire_name for f in scope.inputs.fields}
            case ast.StepRef(step_id=step_id, name=name) if step_id in scope.steps:
                known = {o.name for o in scope.steps[step_id].outputs}
        split = split_dotted_name(name, known) if known else None
        if split is None:
            return expression
        repaired = with_pointer(expression, *split)
        self.dialect(
            pointer,
            f"'{text}' drills into a value with '.'; read as "
            f"'{expression_text(repaired)}' (the standard form uses a JSON pointer after '#')",
        )
        return repaired

    def value(self, raw: Any, pointer: str, scope: Scope) -> ir.Value | None:
        if isinstance(raw, str):
            return self.string(raw, pointer, scope)
        if isinstance(raw, dict) and set(raw) == {"context", "selector", "type"}:
            return self.selector(raw, pointer, scope)
        if isinstance(raw, dict):
            items: list[tuple[str, ir.Value]] = []
            ok = True
            for key, item in raw.items():
                value = self.value(item, pointer_join(pointer, key), scope)
                ok = ok and value is not None
                if value is not None:
                    items.append((key, value))
            return ir.ObjectValue(tuple(items)) if ok else None
        if isinstance(raw, list):
            values = [
                self.value(item, pointer_join(pointer, i), scope) for i, item in enumerate(raw)
            ]
            if any(v is None for v in values):
                return None
            return ir.ArrayValue(tuple(v for v in values if v is not None))
        return ir.LiteralValue(raw)

    def string(self, text: str, pointer: str, scope: Scope) -> ir.Value | None:
        if "$" not in text:
            return ir.LiteralValue(text)
        if "$dependencies." in text:
            rewritten = dependencies_reading(text, scope.workflows, scope.steps)
            if rewritten is not None:
                self.dialect(
                    pointer,
                    f"'{text}' reads a dependency with '$dependencies.', which is not a runtime "
                    f"expression; read as '{rewritten}'",
                )
                return self.string(rewritten, pointer, scope)
        as_written = self.step_reference_as_written(text, pointer, scope)
        if as_written is not None:
            return self.resolve(as_written, pointer, scope)
        unknown_root = _UNKNOWN_ROOT.match(text)
        if unknown_root and not text.startswith(EXPRESSION_ROOTS):
            root = unknown_root.group(1)
            roots = [r.rstrip(".") for r in EXPRESSION_ROOTS]
            self.error(
                pointer,
                f"'{text}' is not a runtime expression: unknown root '{root}'"
                f"{suggest(root, roots)}",
            )
            return None
        if text.startswith(EXPRESSION_ROOTS) and not any(c.isspace() for c in text):
            parsed = self.parse(text, pointer)
            if parsed is None:
                return None
            expression = self.standard(parsed, text, pointer, scope)
            if isinstance(expression, ast.SourceRef) and expression.reference == "url":
                return self.source_url(expression.source, pointer)
            if isinstance(expression, ast.SourceRef):
                expression = self.workflow_reference(expression, text, pointer)
            if isinstance(expression, ast.ComponentRef) and expression.kind == "parameters":
                return self.component_parameter(expression.name, pointer, scope)
            if isinstance(expression, ast.Self):
                if self.self_uri is None:
                    self.error(pointer, "'$self' is used, but the document has no '$self' field")
                    return None
                return ir.LiteralValue(self.self_uri)
            return self.resolve(expression, pointer, scope)
        for token in unknown_roots(text):
            self.warning(
                pointer,
                f"'{token}' in '{text}' looks like a runtime expression, but "
                f"'{token.split('.')[0]}' is not a runtime expression root: it is sent as "
                "literal text",
            )
        try:
            template = parse_template(text)
        except ExpressionSyntaxError as exc:
            repaired = repair_template(text)
            if repaired is None:
                self.error(pointer, f"invalid expression in '{text}': {exc.message}")
                return None
            self.dialect(pointer, f"non-standard expression in '{text}'; read as '{repaired}'")
            template = parse_template(repaired)
        embedded = [part for part in template.parts if isinstance(part, ast.Embedded)]
        if not embedded:
            return ir.LiteralValue(text)
        ok = True
        parts: list[str | ir.ExpressionValue] = []
        for part in template.parts:
            if isinstance(part, str):
                parts.append(part)
                continue
            if not part.braced:
                self.dialect(
                    pointer,
                    f"runtime expression embedded without braces in '{text}'; "
                    "read as an expression — the standard form wraps it in {$...}",
                )
            expression = self.standard(part.expression, text, pointer, scope)
            resolved = self.resolve(expression, pointer, scope)
            if resolved is None:
                ok = False
            else:
                parts.append(resolved)
        return ir.TemplateValue(tuple(parts)) if ok else None

    def selector(self, raw: dict[str, Any], pointer: str, scope: Scope) -> ir.Value | None:
        """An Arazzo 1.1 Selector Object `{context, selector, type}`."""
        kind = raw["type"]
        if isinstance(kind, dict):
            kind = kind.get("type")
        context, selector = raw["context"], raw["selector"]
        if kind not in ("jsonpointer", "jsonpath") or not isinstance(selector, str):
            what = kind if isinstance(kind, str) else "this"
            self.error(
                pointer + "/type",
                f"selector type '{what}' is not supported (jsonpointer and jsonpath are)",
            )
            return None
        if not isinstance(context, str):
            self.error(pointer + "/context", "a selector's context must be a runtime expression")
            return None
        expression = self.expression(context, pointer + "/context", scope)
        problem = (
            check_jsonpath(selector)
            if kind == "jsonpath"
            else None
            if selector == "" or selector.startswith("/")
            else "a JSON pointer must be empty or start with '/'"
        )
        if problem is not None:
            self.error(pointer + "/selector", f"invalid {kind} selector '{selector}': {problem}")
            return None
        if expression is None:
            return None
        return ir.SelectorValue(
            expression, selector, "jsonpath" if kind == "jsonpath" else "jsonpointer"
        )

    def workflow_reference(
        self, expression: ast.SourceRef, text: str, pointer: str
    ) -> ast.Expression:
        """`$sourceDescriptions.<src>.<workflowId>.outputs.<name>`: the outputs of a workflow of
        another Arazzo document, read as `$workflows.<workflowId>.outputs.<name>`."""
        match = _SOURCE_WORKFLOW_FIELD.match(expression.reference)
        if match is None:
            return expression
        workflow_id, field, name = match.groups()
        repaired = ast.WorkflowRef(workflow_id, "outputs" if field == "outputs" else "inputs", name)
        self.dialect(
            pointer,
            f"'{text}' reads a workflow's {field} through its source description; read as "
            f"'{expression_text(repaired)}'",
        )
        return repaired

    def component_parameter(self, name: str, pointer: str, scope: Scope) -> ir.Value | None:
        """`$components.parameters.<name>` as a value: that parameter's value."""
        parameter = self.component_parameters.get(name)
        if parameter is None:
            known = ", ".join(self.component_parameters) or "none"
            self.error(pointer, f"unknown component parameter '{name}' (components: {known})")
            return None
        return self.value(parameter.value, parameter.pointer + "/value", scope)

    def source_url(self, name: str, pointer: str) -> ir.Value | None:
        """`$sourceDescriptions.<name>.url`: the source description's URL, as written."""
        url = self.source_urls.get(name)
        if url is None:
            self.error(pointer, f"unknown source description '{name}'")
            return None
        return ir.LiteralValue(url)

    def step_reference_as_written(
        self, text: str, pointer: str, scope: Scope
    ) -> ast.StepRef | None:
        """`$steps.<id>.outputs.<name>` naming a step whose id is outside the standard pattern
        (Jentic's generated documents put spaces in them), read with a warning."""
        step_ids = {*scope.steps, *scope.later_steps, *scope.failed_steps}
        if scope.current_step is not None:
            step_ids.add(scope.current_step)
        reference = step_reference_as_written(text, step_ids)
        if reference is not None:
            self.dialect(
                pointer,
                f"step id '{reference.step_id}' in '{text}' is outside the pattern "
                "[A-Za-z0-9_-]+; read as that step's output as written (the standard form "
                "renames the step)",
            )
        return reference

    def expression(self, text: str, pointer: str, scope: Scope) -> ir.ExpressionValue | None:
        """A field that must hold exactly one runtime expression, resolved."""
        as_written = self.step_reference_as_written(text, pointer, scope)
        if as_written is not None:
            return self.resolve(as_written, pointer, scope)
        parsed = self.parse(text, pointer)
        if parsed is None:
            return None
        return self.resolve(self.standard(parsed, text, pointer, scope), pointer, scope)
