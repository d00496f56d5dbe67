"""`arazzo-codegen describe`: each workflow's function, inputs, steps and outputs, as text."""

from __future__ import annotations

from generator import ir
from generator.diagram import criterion_text
from generator.expressions.text import expression_text
from generator.lint import value_expressions
from generator.lowering.security import SecurityNames


def describe_module(module: ir.Module) -> str:
    lines = [f"{module.title} ({module.document_name}) -> package {module.package}"]
    lines += _sources(module)
    for workflow in module.workflows:
        lines += ["", *describe_workflow(workflow)]
    return "\n".join(lines) + "\n"


def describe_workflow(workflow: ir.Workflow) -> list[str]:
    lines = [f"workflow {workflow.workflow_id}: {workflow.function_name}()"]
    if workflow.summary:
        lines.append(f"  {' '.join(workflow.summary.split())}")
    lines.append("  inputs:")
    lines += [f"    {_field(f)}" for f in workflow.inputs.fields] or ["    (none)"]
    if workflow.dependencies:
        names = ", ".join(call.workflow_id for call in workflow.dependencies)
        lines.append(f"  runs first: {names}")
    lines.append("  steps:")
    for step in workflow.steps:
        lines += [f"    {line}" for line in _step(step)]
    lines.append("  outputs:")
    by_name = {output.field.wire_name: output for output in workflow.output_values}
    for field in workflow.outputs.fields:
        sources = [expression_text(e) for e in value_expressions(by_name[field.wire_name].value)]
        origin = f" <- {', '.join(sources)}" if sources else ""
        lines.append(f"    {_field(field)}{origin}")
    if not workflow.outputs.fields:
        lines.append("    (none)")
    return lines


def _field(field: ir.Field) -> str:
    text = f"{field.wire_name} ({field.name}): {field.type.annotation}"
    if field.has_default and field.default is not None:
        text += f" = {field.default!r}"
    return text + (" [secret]" if field.secret else "")


def _step(step: ir.Step) -> list[str]:
    if isinstance(step.call, ir.WorkflowCall):
        target = f"runs workflow {step.call.workflow_id}"
    else:
        target = f"{step.call.method} {step.call.path}"
        if step.call.operation_id:
            target += f" ({step.call.source.name}.{step.call.operation_id})"
    lines = [f"{step.step_id}: {target}"]
    if isinstance(step.call, ir.OperationCall) and step.call.security is not None:
        lines.append(f"  needs credentials: {requirement_text(step.call.security)}")
    for criterion in step.criteria:
        lines.append(f"  succeeds when {criterion_text(criterion)}")
    for kind, actions in (("on success", step.on_success), ("on failure", step.on_failure)):
        for action in actions:
            target = action.step_id or (action.workflow.workflow_id if action.workflow else "")
            when = " and ".join(criterion_text(c) for c in action.criteria) or "always"
            lines.append(f"  {kind}: {action.kind} {target} when {when}".replace("  when", " when"))
    for output in step.outputs:
        lines.append(f"  output {output.name}: {output.type.annotation}")
    return lines


def requirement_text(security: ir.StepSecurity) -> str:
    """`a or (b and c)`; `none` for an alternative that needs nothing."""
    texts = []
    for alternative in security.alternatives:
        names = [scheme.name for scheme, _ in alternative]
        if not names:
            texts.append("none")
        elif len(names) == 1:
            texts.append(names[0])
        else:
            texts.append("(" + " and ".join(names) + ")")
    return " or ".join(texts)


def _sources(module: ir.Module) -> list[str]:
    """Each source description's server and the security schemes its steps need, with the
    `Credentials` field and environment variable that supply each."""
    names = SecurityNames(module)
    workflows = (*module.workflows, *module.internal_workflows)
    sources = {s.name: s for w in workflows for s in w.sources}
    if not sources:
        return []
    lines = ["", "sources:"]
    for name in sorted(sources):
        lines.append(f"  {name}: {sources[name].server_url or '(no server: pass base_url)'}")
        described = [s for s in names.sources if s.source == name]
        for source in described:
            for entry in source.schemes:
                lines.append(
                    f"    security {entry.summary()} -> credentials.{source.field}.{entry.field}"
                    f" ({entry.annotation}; env {entry.env_names[0]})"
                )
    return lines
