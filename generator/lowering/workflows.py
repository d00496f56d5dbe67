"""Lowering steps, workflows and modules into the fragments the templates arrange."""

from __future__ import annotations

from dataclasses import dataclass, replace

from generator import emit, ir
from generator.layout import INDENT, fit
from generator.lowering.requests import given_credential, operation_request
from generator.lowering.security import SecurityNames
from generator.lowering.values import ValueLowering, _wrap, negate, wrap_text
from generator.python_expr import AND as _AND
from generator.types import PyType


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
    statement: str
    """`local = <the value read from the response>`"""


@dataclass(frozen=True)
class ActionCode:
    """One action: `condition` (None when unconditional), then `statements`; `retry` actions
    also need `run.may_retry(...)` to hold, which is part of their condition."""

    condition: str | None
    """The whole `if ...:` line(s), after the statements binding its criteria's contexts."""
    statements: tuple[str, ...]


@dataclass(frozen=True)
class StepCode:
    step_id: str
    comments: tuple[str, ...]
    is_workflow_call: bool
    request: str | None
    """Builds the request of an operation step (None for a workflow call)."""
    call: str
    """Sends the request; for a workflow call the whole statement (with its assignment)."""
    workflow_local: str | None
    """The local a workflow call's result is kept in if something reads it (else None)."""
    failure_check: str | None
    """The `if ...:` line(s) under which the step failed."""
    failure_error: str | None
    outputs: tuple[OutputCode, ...]
    record: str | None
    on_success: tuple[ActionCode, ...]
    on_failure: tuple[ActionCode, ...]
    next_statements: tuple[str, ...]
    requires: str | None = None
    """In the step loop: `run.require(...)`, the earlier steps whose results it reads."""
    reads: tuple[str, ...] = ()
    """The steps whose results this step reads."""


@dataclass(frozen=True)
class SourceCode:
    constant: str
    constant_value: str
    local: str
    resolve: str
    """`local = server URL` at the top of a workflow function."""


@dataclass(frozen=True)
class WorkflowCode:
    function_name: str
    sync_name: str
    sync_docstring: str
    docstring: str
    inputs: ClassCode
    outputs: ClassCode
    inputs_parameter: str
    has_control_flow: bool
    sources: tuple[SourceCode, ...]
    run: str
    """The statements below are whole and laid out (generator.layout) at their place."""
    auth: tuple[str, ...]
    """Creates the run's `auth` and checks its credentials (empty without security)."""
    dependencies: tuple[str, ...]
    steps: tuple[StepCode, ...]
    result: str
    """`return Outputs(...)`"""
    result_requires: str | None = None
    """In a workflow with a step loop: `run.require(...)`, the steps the result reads."""
    helpers: tuple[str, ...] = ()
    """The helper modules the workflow's code calls (`_jsonpath`, `_serialize`, `_xpath`)."""


@dataclass(frozen=True)
class ModuleCode:
    docstring: str
    typing_names: tuple[str, ...]
    model_names: tuple[str, ...]
    """The classes of models.py that workflows.py names."""
    sources: tuple[SourceCode, ...]
    workflows: tuple[WorkflowCode, ...]
    exports: tuple[str, ...]
    helpers: tuple[str, ...] = ()
    """The helper modules the package needs beside `_runtime` (recorded while lowering)."""
    credentials: bool = False
    """Whether the package has `Credentials` (then every function takes them)."""


# ---- classes -----------------------------------------------------------------------------


def lower_class(spec: ir.DataclassSpec, helpers: set[str]) -> ClassCode:
    """The dataclass of a workflow's inputs or outputs; `helpers` collects the helper modules
    its defaults call."""
    fields = []
    for field in spec.fields:
        declaration = f"{field.name}: {field.type.annotation}"
        if field.has_default:
            declaration += " = " + _default(field, helpers)
        docstring = None
        if field.description and emit.docstring_value(field.description):
            docstring = emit.docstring(wrap_text(emit.excerpt(field.description), 92), "    ")
        fields.append(FieldCode(fit(declaration, BODY_COLUMN, INDENT), docstring))
    secret = [f.name for f in spec.fields if f.secret]
    secret_fields = emit.literal(tuple(secret)) if secret else None
    return ClassCode(
        spec.class_name, emit.docstring(spec.docstring, "    "), tuple(fields), secret_fields
    )


def _calls_convert(py_type: PyType) -> bool:
    """Whether the type's converter is one of `_convert`'s (a model's is its own `from_json`)."""
    return (py_type.convert or "").startswith("_convert.")


def _default(field: ir.Field, helpers: set[str]) -> str:
    if field.default is ir.UNSET:
        return "_runtime.UNSET"
    if isinstance(field.default, (list, dict)) and field.type.models:
        if _calls_convert(field.type):
            helpers.add("_convert")
        value = f"{field.type.convert}({emit.literal(field.default)}, '')"
        return f"dataclasses.field(default_factory=lambda: {value})"
    if isinstance(field.default, (list, dict)):
        return f"dataclasses.field(default_factory=lambda: {emit.literal(field.default)})"
    return emit.literal(field.default)


# ---- workflow calls ----------------------------------------------------------------------


def workflow_call(call: ir.WorkflowCall, values: ValueLowering, credentials: bool = False) -> str:
    arguments = ", ".join(
        f"{f.name}={values.value(v, typed=bool(f.type.models)).source}" for f, v in call.arguments
    )
    passed = "credentials=credentials, " if credentials else ""
    return (
        f"await {call.function_name}({call.inputs.class_name}({arguments}), {passed}"
        "client=http, base_url=base_url, base_urls=base_urls, timeout=timeout, "
        "on_response=on_response)"
    )


# ---- steps -------------------------------------------------------------------------------


# Where the template puts statements: a function body; a `try:` around the step loop; a step
# in `async with`, or 16 columns deeper as a case of the step loop.
BODY_COLUMN = 4
STEP_COLUMN = 8
LOOP_COLUMN = 20
COMMENT_WIDTH = 88
"""Step comments in a straight-line function; in the step loop they are that much narrower."""


def lower_step(
    step: ir.Step,
    following: str | None,
    resumes: bool,
    in_loop: bool,
    uses: set[str],
    helpers: set[str] | None = None,
    security: SecurityNames | None = None,
) -> StepCode:
    """`following` is the next step in the document; `in_loop`: the step is a case of the step
    loop (the workflow has actions); `uses` collects the locals holding workflow results that
    the step reads."""
    called = step.call if isinstance(step.call, ir.WorkflowCall) else None
    column = LOOP_COLUMN if in_loop else STEP_COLUMN
    reads: dict[str, str] = {}
    helpers = set() if helpers is None else helpers
    values = ValueLowering(uses=uses, reads=reads, helpers=helpers)
    failure_error: str | None
    built: str | None = None
    workflow_local: str | None = None
    if isinstance(step.call, ir.WorkflowCall):
        call = workflow_call(step.call, values, bool(security))
        workflow_local = step.call.local
        target = f"runs workflow {step.call.workflow_id}"
        failure_check = None
        failure_error = "raise"
    else:
        built = fit(f"request = {operation_request(step.call, values)}", column + 4, INDENT)
        send = f"run.send(http, {emit.literal(step.step_id)}, request)"
        secured = bool(security) and _needs_auth(step.call.security)
        if secured or step.call.given:
            constant = "None"
            if security and step.call.security is not None:
                constant = f"_credentials.{security.steps[step.call.security]}"
                helpers.add("_credentials")
            given = "".join(f"{given_credential(g, values)}, " for g in step.call.given)
            extra = f", given=({given.rstrip(' ')})" if given else ""
            send = f"auth.send(http, {emit.literal(step.step_id)}, request, {constant}{extra})"
        call = fit(f"response = await {send}", column)
        target = f"{step.call.method} {step.call.path}"
        if step.call.operation_id:
            target += f" ({step.call.operation_id})"
        failure_check = _failure_check(step, values, column)
        failure_error = "raise response.failed()"
    width = COMMENT_WIDTH - (column - STEP_COLUMN)
    comments = emit.comment_lines(f"{step.step_id}: {target}", width=width)
    if step.description:
        comments += emit.comment_lines(emit.excerpt(step.description), width=width)
    outputs = tuple(
        OutputCode(o.local, fit(f"{o.local} = {_output_value(o, values)}", column))
        for o in step.outputs
    )
    record = None
    if step.outputs:
        recorded = ", ".join(f"{emit.literal(o.name)}: {o.local}" for o in step.outputs)
        record = fit(f"run.record({emit.literal(step.step_id)}, {{{recorded}}})", column)
    response = "response" if called is None else "None"
    next_statements: tuple[str, ...] = ("break",)
    if following is not None:
        next_statements = _goto(following, resumes)
    elif resumes:
        next_statements = ("step = run.next_step(None)", "continue")
    on_success = _until_unconditional(
        [
            _action(a, step, values, response, resumes, column, bool(security))
            for a in step.on_success
        ]
    )
    on_failure = _until_unconditional(
        [
            _action(a, step, values, response, resumes, column + 4, bool(security))
            for a in step.on_failure
        ]
    )
    if on_success and on_success[-1].condition is None:
        next_statements = ()
    if on_failure and on_failure[-1].condition is None:
        failure_error = None
    return StepCode(
        step_id=emit.literal(step.step_id),
        comments=tuple(comments),
        is_workflow_call=called is not None,
        request=built,
        call=call,
        workflow_local=workflow_local,
        failure_check=failure_check,
        failure_error=failure_error,
        outputs=outputs,
        record=record,
        on_success=on_success,
        on_failure=on_failure,
        next_statements=next_statements,
        requires=_requires({k: v for k, v in reads.items() if k != step.step_id}, column)
        if in_loop
        else None,
        reads=tuple(reads),
    )


def _requires(reads: dict[str, str], column: int) -> str | None:
    """`run.require(...)`: the steps whose results are read must have completed (in a step
    loop, a goto or an end can skip them)."""
    if not reads:
        return None
    needed = ", ".join(f"{emit.literal(k)}: {emit.literal(v)}" for k, v in reads.items())
    return fit(f"run.require({{{needed}}})", column)


def _until_unconditional(actions: list[ActionCode]) -> tuple[ActionCode, ...]:
    """Actions up to the first that always applies (later ones could never run)."""
    for index, action in enumerate(actions):
        if action.condition is None:
            return tuple(actions[: index + 1])
    return tuple(actions)


def _goto(step_id: str, resumes: bool) -> tuple[str, ...]:
    target = emit.literal(step_id)
    if resumes:
        return (f"step = run.next_step({target})", "continue")
    return (f"step = {target}", "continue")


def _action(
    action: ir.Action,
    step: ir.Step,
    values: ValueLowering,
    response: str,
    resumes: bool,
    column: int,
    credentials: bool = False,
) -> ActionCode:
    """The action's code, laid out for `column`, where its `if` starts."""
    bindings, conditions = values.criteria(action.criteria)
    condition = " and ".join(_wrap(c, _AND) for c in conditions) or None
    statements: list[str] = []
    if action.workflow is not None:
        statements.append(workflow_call(action.workflow, values, credentials))
    if action.kind == "end":
        statements.append("break")
    elif action.kind == "goto":
        statements.extend(_goto(action.step_id, resumes) if action.step_id else ("break",))
    else:
        allowed = (
            f"run.may_retry({emit.literal(step.step_id)}, {emit.literal(action.name)}, "
            f"{action.retry_limit})"
        )
        condition = f"{condition} and {allowed}" if condition else allowed
        wait = f"await run.wait({response}, {emit.literal(action.retry_after)})"
        if action.step_id is not None:
            statements[:0] = [wait, f"run.resume_at({emit.literal(step.step_id)})"]
            statements.extend(_goto(action.step_id, resumes=False))
        else:
            statements[:0] = [wait]
            statements.append("continue")
    if condition is None:
        return ActionCode(None, tuple(fit(s, column) for s in statements))
    inner = column + 4
    lines = [fit(b, column) for b in bindings] + [fit(f"if {condition}:", column)]
    return ActionCode("\n".join(lines), tuple(fit(s, inner, "    ") for s in statements))


def _failure_check(step: ir.Step, values: ValueLowering, column: int) -> str:
    """The `if` (and the statements before it) whose condition is that the step failed."""
    if not step.criteria:
        return fit("if not response.is_success:", column)
    bindings, codes = values.criteria(step.criteria)
    if len(codes) == 1:
        failed = negate(codes[0])
    else:
        failed = "not ({})".format(" and ".join(_wrap(code, _AND) for code in codes))
    return "\n".join([fit(b, column) for b in bindings] + [fit(f"if {failed}:", column)])


def _output_value(output: ir.StepOutput, values: ValueLowering) -> str:
    read = output.value
    if read is None:
        assert output.constant is not None
        return values.value(output.constant).source
    if read.origin == ir.ResponseValue("body"):
        pointer = emit.literal(read.pointer or "")
        name = emit.literal(output.name)
        if output.type.structured:
            if _calls_convert(output.type):
                values.helpers.add("_convert")
            method = "typed_optional" if output.type.optional else "typed"
            value = f"response.{method}({name}, {pointer}, {output.type.convert})"
            return f"run.secret({value})" if output.secret else value
        if output.type.check is not None:
            method = "optional" if output.type.optional else "required"
            secret = ", secret=True" if output.secret else ""
            name = emit.literal(output.name)
            return f"response.{method}({name}, {pointer}, {output.type.check}{secret})"
        value = f"response.value({pointer})"
    else:
        value = values.expression(read, typed=True).source
    return f"run.secret({value})" if output.secret else value


# ---- workflows and modules ---------------------------------------------------------------


def _needs_auth(security: ir.StepSecurity | None) -> bool:
    """Whether a step goes through the credentials path (`auth.send`)."""
    return security is not None and not security.settled


def lower_workflow(workflow: ir.Workflow, security: SecurityNames | None = None) -> WorkflowCode:
    resumes = any(
        a.kind == "retry" and a.step_id is not None for s in workflow.steps for a in s.on_failure
    )
    uses: set[str] = set()
    helpers: set[str] = set()  # the helper modules the lowered code calls
    dependency_values = ValueLowering(uses=uses, helpers=helpers)
    dependency_calls = [
        (call.local, workflow_call(call, dependency_values, bool(security)))
        for call in workflow.dependencies
    ]
    step_codes = []
    for index, step in enumerate(workflow.steps):
        following = workflow.steps[index + 1].step_id if index + 1 < len(workflow.steps) else None
        step_codes.append(
            lower_step(step, following, resumes, workflow.has_control_flow, uses, helpers, security)
        )
    result_reads: dict[str, str] = {}
    final = ValueLowering(uses=uses, reads=result_reads, helpers=helpers)
    arguments = ", ".join(
        f"{output.field.name}={_output_result(output, final)}" for output in workflow.output_values
    )
    # The sources of called workflows are theirs to resolve (they are listed in the docstring).
    own_sources = {
        step.call.source.name for step in workflow.steps if isinstance(step.call, ir.OperationCall)
    }
    # A workflow's result is kept in a local only when something reads it.
    dependencies = tuple(
        fit(f"{local} = {call}" if local in uses else call, STEP_COLUMN, " " * STEP_COLUMN)
        for local, call in dependency_calls
    )
    step_codes = [
        _workflow_call_statement(code, code.workflow_local in uses, workflow.has_control_flow)
        if code.is_workflow_call
        else code
        for code in step_codes
    ]
    secrets = [f"inputs.{f.name}" for f in workflow.inputs.fields if f.secret]
    run = f"_runtime.Run({emit.literal(workflow.workflow_id)}, _LOG"
    run += ", timeout=timeout, on_response=on_response"
    if workflow.has_control_flow:
        run += ", max_steps=max_steps, poll_interval=poll_interval"
    if len(secrets) == 1:
        run += f", secrets=({secrets[0]},)"
    elif secrets:
        run += f", secrets=({', '.join(secrets)})"
    run += ")"
    auth: tuple[str, ...] = ()
    given = any(isinstance(s.call, ir.OperationCall) and s.call.given for s in workflow.steps)
    if security and any(_needs_auth(s) for s in workflow.security):
        auth = (
            "auth = _auth.Auth(run, credentials, base_url, base_urls)",
            f"auth.require(_credentials.{security.workflows[workflow.function_name]})",
        )
        helpers.add("_credentials")
    elif given:
        passed = "credentials" if security else "None"
        auth = (f"auth = _auth.Auth(run, {passed}, base_url, base_urls)",)
    if auth:
        helpers.add("_auth")
    result_column = STEP_COLUMN if workflow.has_control_flow else BODY_COLUMN
    if workflow.has_control_flow:  # a step another reads records its completion
        read = set(result_reads).union(*(code.reads for code in step_codes))
        step_codes = [
            replace(code, record=fit(f"run.record({code.step_id}, {{}})", LOOP_COLUMN))
            if code.record is None and step.step_id in read
            else code
            for step, code in zip(workflow.steps, step_codes, strict=True)
        ]
    needs_inputs = any(not f.has_default for f in workflow.inputs.fields)
    parameter = (
        f"inputs: {workflow.inputs.class_name}"
        if needs_inputs
        else f"inputs: {workflow.inputs.class_name} | None = None"
    )
    return WorkflowCode(
        function_name=workflow.function_name,
        sync_name=workflow.sync_name,
        sync_docstring=emit.docstring(
            f"Run {workflow.function_name}() from code that is not async.\n\n"
            "It takes the same arguments, with `client` an httpx.Client (left open; without one,\n"
            "a client is opened and closed for this call). It cannot be called while an event\n"
            "loop runs in this thread (use the async function there).",
            "    ",
        ),
        docstring=emit.docstring(wrap_text(_function_doc(workflow, bool(security)), 92), "    "),
        inputs=lower_class(workflow.inputs, helpers),
        outputs=lower_class(workflow.outputs, helpers),
        inputs_parameter=parameter,
        has_control_flow=workflow.has_control_flow,
        sources=tuple(
            _source_code(source) for source in workflow.sources if source.name in own_sources
        ),
        run=fit(f"run = {run}", BODY_COLUMN, INDENT),
        auth=auth,
        dependencies=dependencies,
        steps=tuple(step_codes),
        result=fit(
            f"return {workflow.outputs.class_name}({arguments})", result_column, " " * result_column
        ),
        result_requires=_requires(result_reads, STEP_COLUMN) if workflow.has_control_flow else None,
        helpers=tuple(sorted(helpers)),
    )


def _output_result(output: ir.WorkflowOutput, final: ValueLowering) -> str:
    """A workflow output's value; None when it comes from a step the run skipped."""
    match output.value:
        case ir.ExpressionValue(origin=ir.StepOutputLocal(name=name), pointer=pointer) if (
            output.skippable_step is not None
        ):
            value = f"run.output({emit.literal(output.skippable_step)}, {emit.literal(name)})"
            return (
                value if pointer is None else f"_runtime.lookup({value}, {emit.literal(pointer)})"
            )
    return final.value(output.value, typed=True).source


def _workflow_call_statement(code: StepCode, kept: bool, in_loop: bool) -> StepCode:
    """A step that runs a workflow: its call, assigned to its local only when `kept`."""
    statement = f"{code.workflow_local} = {code.call}" if kept else code.call
    in_try = in_loop and bool(code.on_failure)  # the template wraps the call in `try:`
    column = (LOOP_COLUMN if in_loop else STEP_COLUMN) + (len(INDENT) if in_try else 0)
    return replace(code, call=fit(statement, column, INDENT if in_try else ""))


def _source_code(source: ir.Source) -> SourceCode:
    return SourceCode(
        constant=source.constant,
        constant_value=emit.literal(source.server_url),
        local=source.local,
        resolve=fit(
            f"{source.local} = _runtime.server_url({emit.literal(source.name)}, "
            f"{source.constant}, base_url, base_urls)",
            BODY_COLUMN,
            INDENT,
        ),
    )


def _function_doc(workflow: ir.Workflow, credentials: bool = False) -> str:
    paragraphs = [emit.excerpt(workflow.summary or f"Run the '{workflow.workflow_id}' workflow.")]
    if workflow.description and workflow.description != workflow.summary:
        paragraphs.append(emit.excerpt(workflow.description))
    names = ", ".join(source.name for source in workflow.sources)
    arguments = [
        "Args:",
        "    inputs: the workflow's inputs.",
        *(
            [
                "    credentials: the credentials of the APIs it calls (Credentials.from_env()",
                "        reads them from the environment); each request gets only those of its",
                "        own source description, as its operation's security requires.",
            ]
            if credentials
            else []
        ),
        "    client: the httpx.AsyncClient to send requests with (timeouts, proxies,",
        "        transports); without one, a client is opened and closed for this call.",
        "    base_url: replaces the server URL of every source description.",
        f"    base_urls: replaces the server URL of the named source descriptions ({names}).",
        "    timeout: seconds each HTTP request may take (connect, read, write, pool); the",
        "        client's own timeout when None.",
        "    on_response: called with the step id and each httpx.Response (its request is",
        "        response.request), for tracing; may be a coroutine function.",
    ]
    if workflow.has_control_flow:
        arguments.append(
            "    max_steps: how many steps one call may run in all (goto loops and retries"
            " count); past it, StepLimitError is raised."
        )
        arguments.append(
            "    poll_interval: seconds to wait before a step entered again through a goto"
            " (polling) sends again, when the last response has no Retry-After (which wins);"
            " 2 s by default, 30 requests a minute per loop, within common API rate limits."
        )
    paragraphs.append("\n".join(arguments))
    raises = [
        "Raises:",
        "    StepFailedError: a step's response did not meet its success criteria.",
        "    StepRequestError: a step's request could not be built or got no response.",
        "    ResponseFormatError: a response lacks a value an output needs.",
    ]
    if workflow.has_control_flow:
        raises.append("    StepLimitError: the workflow ran more than max_steps steps.")
    if any(_needs_auth(s) for s in workflow.security):
        raises.append(
            "    MissingCredentialsError: a step needs credentials that were not passed"
            " (raised before the first request)."
        )
    paragraphs.append("\n".join(raises))
    return "\n\n".join(paragraphs)


def _module_doc(module: ir.Module) -> str:
    paragraphs = [emit.excerpt(module.title)]
    if module.summary:
        paragraphs.append(emit.excerpt(module.summary))
    if module.description:
        paragraphs.append(emit.excerpt(module.description))
    listing = "\n".join(f"- {w.function_name}(): {w.workflow_id}" for w in module.workflows)
    paragraphs.append("Workflows:\n" + listing)
    paragraphs.append(
        f"Generated by arazzo-codegen from {module.document_name}. Do not edit: regenerate instead."
    )
    return "\n\n".join(paragraphs)


def lower_module(module: ir.Module) -> ModuleCode:
    security = SecurityNames(module)
    public = tuple(lower_workflow(w, security) for w in module.workflows)
    workflows = public + tuple(lower_workflow(w, security) for w in module.internal_workflows)
    sources: dict[str, SourceCode] = {}
    for workflow in workflows:
        for source in workflow.sources:
            sources.setdefault(source.constant, source)
    typing_names = sorted(
        {
            name
            for w in (*module.workflows, *module.internal_workflows)
            for spec in (w.inputs, w.outputs)
            for f in spec.fields
            for name in f.type.typing_names
        }
    )
    exports = tuple(
        name for w in public for name in (w.function_name, w.inputs.name, w.outputs.name)
    )
    return ModuleCode(
        docstring=emit.docstring(wrap_text(_module_doc(module), 96)),
        typing_names=tuple(typing_names),
        model_names=tuple(sorted(module.model_names)),
        sources=tuple(sorted(sources.values(), key=lambda s: s.constant)),
        workflows=workflows,
        exports=exports,
        helpers=tuple(sorted({name for w in workflows for name in w.helpers})),
        credentials=bool(security),
    )
