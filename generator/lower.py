"""Lowering: the IR turned into Python source fragments, every document string passing through
the emitters. Templates only arrange what this module produces."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from generator import emit, ir
from generator.compile.valuetypes import value_type
from generator.expressions import ast
from generator.types import PyType

_PATH_PARAMETER = re.compile(r"\{([^{}]+)\}")
_PLAIN_EQUALITY = {"int", "float", "bool"}
_NUMERIC = {"int", "float"}
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_OR, _AND, _NOT, _COMPARE, _ATOM = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Code:
    """A Python expression, its precedence class and its type."""

    source: str
    type: PyType
    precedence: int = _ATOM


@dataclass(frozen=True)
class FieldCode:
    declaration: str
    docstring: str | None


@dataclass(frozen=True)
class ClassCode:
    name: str
    docstring: str
    fields: tuple[FieldCode, ...]
    secret_fields: str | None


@dataclass(frozen=True)
class OutputCode:
    local: str
    value: str


@dataclass(frozen=True)
class StepCode:
    comments: tuple[str, ...]
    call: str
    assigns_response: bool
    failure_check: str | None
    outputs: tuple[OutputCode, ...]
    record: str | None


@dataclass(frozen=True)
class SourceCode:
    constant: str
    constant_value: str
    local: str
    resolve: str


@dataclass(frozen=True)
class WorkflowCode:
    function_name: str
    docstring: str
    inputs: ClassCode
    outputs: ClassCode
    inputs_parameter: str
    sources: tuple[SourceCode, ...]
    run: str
    steps: tuple[StepCode, ...]
    result: str


@dataclass(frozen=True)
class ModuleCode:
    docstring: str
    uses_any: bool
    sources: tuple[SourceCode, ...]
    workflows: tuple[WorkflowCode, ...]
    exports: tuple[str, ...]


class ValueLowering:
    """Lowers values and conditions in one place of a workflow function."""

    def __init__(
        self, inputs: ir.DataclassSpec, steps: Mapping[str, ir.Step], *, has_response: bool
    ) -> None:
        self.inputs = inputs
        self.steps = steps
        self.has_response = has_response

    def value(self, value: ir.Value) -> Code:
        kind = value_type(value, self.inputs, self.steps)
        match value:
            case ir.LiteralValue(value=literal):
                return Code(emit.literal(literal), kind)
            case ir.ExpressionValue(expression=expression):
                return self.expression(expression)
            case ir.TemplateValue(template=template):
                return self.template(template)
            case ir.ObjectValue(items=items):
                entries = ", ".join(f"{emit.literal(k)}: {self.value(v).source}" for k, v in items)
                return Code("{" + entries + "}", kind)
            case ir.ArrayValue(items=array):
                return Code("[" + ", ".join(self.value(v).source for v in array) + "]", kind)

    def expression(self, expression: ast.Expression) -> Code:
        kind = value_type(ir.ExpressionValue(expression), self.inputs, self.steps)
        match expression:
            case ast.InputRef(name=name, pointer=pointer):
                input_field = self.inputs.field_named(name)
                assert input_field is not None, name
                return self._pointer(f"inputs.{input_field.name}", pointer, kind)
            case ast.StepRef(step_id=step_id, name=name, pointer=pointer):
                output = self.steps[step_id].output_named(name)
                assert output is not None, name
                return self._pointer(output.local, pointer, kind)
            case ast.StatusCode():
                return Code("response.status_code", kind)
            case ast.Url():
                return Code("response.url", kind)
            case ast.Method():
                return Code("response.method", kind)
            case ast.MessageRef(message="response", source="header", name=name):
                return Code(f"response.header({emit.literal(name)})", kind)
            case ast.MessageRef(message="response", source="body", pointer=pointer):
                return Code(f"response.value({emit.literal(pointer or '')})", kind)
        raise ValueError(f"cannot lower {expression!r}")

    @staticmethod
    def _pointer(source: str, pointer: str | None, kind: PyType) -> Code:
        if pointer is None:
            return Code(source, kind)
        return Code(f"_runtime.lookup({source}, {emit.literal(pointer)})", kind)

    def template(self, template: ast.Template) -> Code:
        pieces: list[str] = []
        for part in template.parts:
            if isinstance(part, str):
                pieces.append(emit.literal(part))
                continue
            code = self.expression(part.expression)
            is_text = code.type.check == "str" and not code.type.optional
            pieces.append(code.source if is_text else f"_runtime.text({code.source})")
        source = " + ".join(pieces) if pieces else emit.literal("")
        return Code(source, PyType("str", "str"))

    # ---- conditions ------------------------------------------------------------------------

    def condition(self, condition: ast.Condition) -> Code:
        """A condition as a Python bool expression."""
        code = self.operand_or_test(condition)
        if code.type.check == "bool" and not code.type.optional:
            return code
        return Code(f"_runtime.truthy({code.source})", PyType("bool", "bool"))

    def operand_or_test(self, condition: ast.Condition) -> Code:
        boolean = PyType("bool", "bool")
        match condition:
            case ast.LiteralValue(value=literal):
                return Code(
                    emit.literal(literal),
                    PyType("Any", None) if literal is None else _literal_kind(literal),
                )
            case ast.ExpressionOperand(expression=expression):
                return self.expression(expression)
            case ast.Index(target=target, index=key):
                inner = self.operand_or_test(target)
                return Code(
                    f"_runtime.index({inner.source}, {emit.literal(key)})", PyType("Any", None)
                )
            case ast.Property(target=target, name=name):
                inner = self.operand_or_test(target)
                return Code(
                    f"_runtime.index({inner.source}, {emit.literal(name)})", PyType("Any", None)
                )
            case ast.Compare(op=op, left=left, right=right):
                return self.compare(op, self.operand_or_test(left), self.operand_or_test(right))
            case ast.And(left=left, right=right):
                return Code(
                    f"{_wrap(self.condition(left), _AND)} and {_wrap(self.condition(right), _AND)}",
                    boolean,
                    _AND,
                )
            case ast.Or(left=left, right=right):
                return Code(
                    f"{_wrap(self.condition(left), _OR)} or {_wrap(self.condition(right), _OR)}",
                    boolean,
                    _OR,
                )
            case ast.Not(operand=operand):
                return Code(f"not {_wrap(self.condition(operand), _NOT)}", boolean, _NOT)
        raise ValueError(f"cannot lower {condition!r}")

    @staticmethod
    def compare(op: str, left: Code, right: Code) -> Code:
        boolean = PyType("bool", "bool")
        plain = {left.type.check, right.type.check}
        if op in ("==", "!="):
            if (
                plain <= _PLAIN_EQUALITY
                and not (left.type.optional or right.type.optional)
                and (plain <= _NUMERIC or len(plain) == 1)
            ):
                return Code(f"{_wrap(left, _ATOM)} {op} {_wrap(right, _ATOM)}", boolean, _COMPARE)
            call = f"_runtime.equals({left.source}, {right.source})"
            return Code(
                call if op == "==" else f"not {call}", boolean, _ATOM if op == "==" else _NOT
            )
        if plain <= _NUMERIC and not (left.type.optional or right.type.optional):
            return Code(f"{_wrap(left, _ATOM)} {op} {_wrap(right, _ATOM)}", boolean, _COMPARE)
        return Code(f"_runtime.compare({left.source}, {emit.literal(op)}, {right.source})", boolean)


def wrap_text(text: str, width: int) -> str:
    """Long lines wrapped at spaces, keeping each line's indentation; line breaks kept."""
    lines: list[str] = []
    for line in text.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        extra = "    " if line.lstrip().startswith("- ") else ""
        wrapped = textwrap.wrap(
            line,
            width,
            initial_indent="",
            subsequent_indent=indent + extra,
            break_long_words=False,
            break_on_hyphens=False,
        )
        lines.extend(wrapped or [""])
    return "\n".join(lines)


def _literal_kind(value: object) -> PyType:
    if isinstance(value, bool):
        return PyType("bool", "bool")
    if isinstance(value, int):
        return PyType("int", "int")
    if isinstance(value, float):
        return PyType("float", "float")
    return PyType("str", "str")


def _wrap(code: Code, minimum: int) -> str:
    return code.source if code.precedence >= minimum else f"({code.source})"


def negate(code: Code) -> str:
    """`not code`, written the way a person would (`a != b` rather than `not a == b`)."""
    match = re.fullmatch(r"(\S+) (==|!=|<=|>=|<|>) (\S+)", code.source)
    if code.precedence == _COMPARE and match:
        left, op, right = match.groups()
        return f"{left} {_NEGATED[op]} {right}"
    if code.precedence == _NOT and code.source.startswith("not "):
        return code.source[4:]
    return f"not {_wrap(code, _NOT)}"


# ---- classes -----------------------------------------------------------------------------


def lower_class(spec: ir.DataclassSpec) -> ClassCode:
    fields = []
    for field in spec.fields:
        declaration = f"{field.name}: {field.type.annotation}"
        if field.has_default:
            declaration += " = " + _default(field)
        docstring = None
        if field.description and emit.docstring_value(field.description):
            docstring = emit.docstring(wrap_text(field.description, 92), "    ")
        fields.append(FieldCode(declaration, docstring))
    secret = [f.name for f in spec.fields if f.secret]
    secret_fields = emit.literal(tuple(secret)) if secret else None
    return ClassCode(
        spec.class_name, emit.docstring(spec.docstring, "    "), tuple(fields), secret_fields
    )


def _default(field: ir.Field) -> str:
    if isinstance(field.default, (list, dict)):
        return f"dataclasses.field(default_factory=lambda: {emit.literal(field.default)})"
    return emit.literal(field.default)


# ---- steps -------------------------------------------------------------------------------


def lower_step(step: ir.Step, inputs: ir.DataclassSpec, earlier: Mapping[str, ir.Step]) -> StepCode:
    request = ValueLowering(inputs, earlier, has_response=False)
    arguments = [
        "http",
        emit.literal(step.step_id),
        emit.literal(step.method),
        _url(step, request),
    ]
    for location, keyword in (("query", "params"), ("header", "headers"), ("cookie", "cookies")):
        entries: list[str] = [
            f"{emit.literal(p.name)}: {request.value(p.value).source}"
            for p in step.parameters
            if p.location == location
        ]
        if entries:
            arguments.append(keyword + "={" + ", ".join(entries) + "}")
    if step.body is not None:
        arguments.extend(_body_arguments(step.body, request))
    call = f"await run.send({', '.join(arguments)})"
    after = ValueLowering(inputs, earlier, has_response=True)
    check = _failure_check(step, after)
    outputs = tuple(OutputCode(o.local, _output_value(o, after)) for o in step.outputs)
    target = f"{step.method} {step.path}" + (f" ({step.operation_id})" if step.operation_id else "")
    comments = emit.comment_lines(f"{step.step_id}: {target}", width=88)
    if step.description:
        comments += emit.comment_lines(step.description, width=88)
    record = None
    if step.outputs:
        recorded = ", ".join(f"{emit.literal(o.name)}: {o.local}" for o in step.outputs)
        record = f"run.record({emit.literal(step.step_id)}, {{{recorded}}})"
    return StepCode(
        tuple(comments), call, check is not None or bool(outputs), check, outputs, record
    )


def _url(step: ir.Step, request: ValueLowering) -> str:
    values = {p.name: p.value for p in step.path_parameters}
    pieces = [step.source.local]
    position = 0
    for match in _PATH_PARAMETER.finditer(step.path):
        if match.start() > position:
            pieces.append(emit.literal(step.path[position : match.start()]))
        value = values.get(match.group(1))
        if value is None:
            pieces.append(emit.literal(match.group(0)))
        else:
            pieces.append(f"_runtime.path_segment({request.value(value).source})")
        position = match.end()
    if position < len(step.path):
        pieces.append(emit.literal(step.path[position:]))
    return " + ".join(pieces)


def _body_arguments(body: ir.RequestBody, request: ValueLowering) -> list[str]:
    payload = request.value(body.payload).source
    if body.encoding == "form":
        arguments = [f"data={payload}"]
        if body.content_type.strip().lower() != "application/x-www-form-urlencoded":
            arguments.append(f"content_type={emit.literal(body.content_type)}")
        return arguments
    if body.encoding == "json":
        arguments = [f"json_body={payload}"]
        if body.content_type.strip().lower() != "application/json":
            arguments.append(f"content_type={emit.literal(body.content_type)}")
        return arguments
    code = request.value(body.payload)
    text = (
        code.source
        if code.type.check == "str" and not code.type.optional
        else f"_runtime.text({code.source})"
    )
    return [f"content={text}", f"content_type={emit.literal(body.content_type)}"]


def _failure_check(step: ir.Step, after: ValueLowering) -> str | None:
    """The condition under which the step failed, or None when it cannot fail."""
    if not step.criteria:
        return "not response.is_success"
    codes = [after.condition(c.condition) for c in step.criteria]
    if len(codes) == 1:
        return negate(codes[0])
    joined = " and ".join(_wrap(code, _AND) for code in codes)
    return f"not ({joined})"


def _output_value(output: ir.StepOutput, after: ValueLowering) -> str:
    expression = output.expression
    if isinstance(expression, ast.MessageRef) and expression.source == "body":
        pointer = emit.literal(expression.pointer or "")
        name = emit.literal(output.name)
        secret = ", secret=True" if output.secret else ""
        if output.type.check is None:
            value = f"response.value({pointer})"
        else:
            method = "optional" if output.type.optional else "required"
            value = f"response.{method}({name}, {pointer}, {output.type.check}{secret})"
            return value
    else:
        value = after.expression(expression).source
    return f"run.secret({value})" if output.secret else value


# ---- workflows and modules ---------------------------------------------------------------


def lower_workflow(workflow: ir.Workflow) -> WorkflowCode:
    steps: dict[str, ir.Step] = {}
    step_codes = []
    for step in workflow.steps:
        step_codes.append(lower_step(step, workflow.inputs, steps))
        steps[step.step_id] = step
    final = ValueLowering(workflow.inputs, steps, has_response=False)
    arguments = ", ".join(
        f"{output.field.name}={final.value(output.value).source}"
        for output in workflow.output_values
    )
    secrets = [f"inputs.{f.name}" for f in workflow.inputs.fields if f.secret]
    run = f"_runtime.Run({emit.literal(workflow.workflow_id)}, _LOG"
    if secrets:
        run += (
            f", secrets=({secrets[0]},))"
            if len(secrets) == 1
            else f", secrets=({', '.join(secrets)}))"
        )
    else:
        run += ")"
    sources = tuple(_source_code(source) for source in workflow.sources)
    needs_inputs = any(not f.has_default for f in workflow.inputs.fields)
    parameter = (
        f"inputs: {workflow.inputs.class_name}"
        if needs_inputs
        else f"inputs: {workflow.inputs.class_name} | None = None"
    )
    return WorkflowCode(
        function_name=workflow.function_name,
        docstring=emit.docstring(wrap_text(_function_doc(workflow), 92), "    "),
        inputs=lower_class(workflow.inputs),
        outputs=lower_class(workflow.outputs),
        inputs_parameter=parameter,
        sources=sources,
        run=run,
        steps=tuple(step_codes),
        result=f"{workflow.outputs.class_name}({arguments})",
    )


def _source_code(source: ir.Source) -> SourceCode:
    return SourceCode(
        constant=source.constant,
        constant_value=emit.literal(source.server_url),
        local=source.local,
        resolve=(
            f"_runtime.server_url({emit.literal(source.name)}, {source.constant}, "
            "base_url, base_urls)"
        ),
    )


def _function_doc(workflow: ir.Workflow) -> str:
    paragraphs = [workflow.summary or f"Run the '{workflow.workflow_id}' workflow."]
    if workflow.description and workflow.description != workflow.summary:
        paragraphs.append(workflow.description)
    names = ", ".join(source.name for source in workflow.sources)
    paragraphs.append(
        "Args:\n"
        f"    inputs: the workflow's inputs.\n"
        "    client: the httpx.AsyncClient to send requests with (timeouts, proxies,\n"
        "        transports); without one, a client is opened and closed for this call.\n"
        "    base_url: replaces the server URL of every source description.\n"
        f"    base_urls: replaces the server URL of the named source descriptions ({names})."
    )
    paragraphs.append(
        "Raises:\n"
        "    StepFailedError: a step's response did not meet its success criteria.\n"
        "    StepRequestError: a step's request got no response.\n"
        "    ResponseFormatError: a response lacks a value an output needs."
    )
    return "\n\n".join(paragraphs)


def _module_doc(module: ir.Module) -> str:
    paragraphs = [module.title]
    if module.summary:
        paragraphs.append(module.summary)
    if module.description:
        paragraphs.append(module.description)
    listing = "\n".join(f"- {w.function_name}(): {w.workflow_id}" for w in module.workflows)
    paragraphs.append("Workflows:\n" + listing)
    paragraphs.append(
        f"Generated by arazzo-codegen from {module.document_name}. Do not edit: regenerate instead."
    )
    return "\n\n".join(paragraphs)


def lower_module(module: ir.Module) -> ModuleCode:
    workflows = tuple(lower_workflow(w) for w in module.workflows)
    sources: dict[str, SourceCode] = {}
    for workflow in workflows:
        for source in workflow.sources:
            sources.setdefault(source.constant, source)
    uses_any = any(
        f.type.uses_any
        for w in module.workflows
        for spec in (w.inputs, w.outputs)
        for f in spec.fields
    )
    exports = tuple(
        name for w in workflows for name in (w.function_name, w.inputs.name, w.outputs.name)
    )
    return ModuleCode(
        docstring=emit.docstring(wrap_text(_module_doc(module), 96)),
        uses_any=uses_any,
        sources=tuple(sources.values()),
        workflows=workflows,
        exports=exports,
    )
