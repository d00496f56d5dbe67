"""The `testing` module of a generated package: its operations and steps as `_fake` data.
Every value from the documents reaches the module through `emit.literal`."""

from __future__ import annotations

import re
from dataclasses import replace

from generator import emit, ir


def _data(value: object) -> str:
    return emit.literal(value, ascii_only=True)


_STATUS_CRITERION = re.compile(r"^\s*\$statusCode\s*==\s*([1-5][0-9][0-9])\s*$")


def _operation_steps(module: ir.Module) -> list[tuple[ir.Workflow, ir.Step, ir.OperationCall]]:
    return [
        (workflow, step, step.call)
        for workflow in (*module.internal_workflows, *module.workflows)
        for step in workflow.steps
        if isinstance(step.call, ir.OperationCall) and step.call.contract is not None
    ]


def _wanted_status(step: ir.Step) -> int | None:
    for criterion in step.criteria:
        found = _STATUS_CRITERION.match(criterion.text) if criterion.kind == "simple" else None
        if found:
            return int(found.group(1))
    return None


def _first_response(
    contract: ir.OperationContract, wanted: int | None
) -> tuple[ir.FakeResponse, ...]:
    """The contract's responses with the one a step's `$statusCode == N` criterion wants first
    (a success response's example with that status, when the operation declares none)."""
    responses = contract.responses
    if wanted is None:
        return responses
    chosen = next((r for r in responses if r.status == wanted), None)
    if chosen is None:
        success = next((r for r in responses if 200 <= r.status < 300), None)
        chosen = replace(success, status=wanted) if success else ir.FakeResponse(wanted, None)
        return (chosen, *responses)
    return (chosen, *(r for r in responses if r is not chosen))


def testing_context(module: ir.Module) -> dict[str, object]:
    """The `operations` (Python expressions) and `steps` of the testing template."""
    keys: dict[tuple[str, str, str], str] = {}
    contracts: dict[str, tuple[ir.OperationCall, ir.OperationContract]] = {}
    wanted: dict[str, int] = {}
    steps: dict[tuple[str, str], str] = {}
    for workflow, step, call in _operation_steps(module):
        assert call.contract is not None
        identity = (call.source.name, call.method, call.path)
        if identity not in keys:
            key = call.contract.key
            if key in contracts:
                key = f"{call.source.name}.{key}"
            keys[identity] = key
            contracts[key] = (call, call.contract)
        key = keys[identity]
        status = _wanted_status(step)
        if status is not None:
            wanted.setdefault(key, status)
        steps.setdefault((workflow.workflow_id, step.step_id), key)
    operations = [
        _operation(key, call, contract, wanted.get(key))
        for key, (call, contract) in contracts.items()
    ]
    return {
        "operations": operations,
        "steps": [(_data(w), _data(s), _data(k)) for (w, s), k in steps.items()],
    }


def _operation(
    key: str, call: ir.OperationCall, contract: ir.OperationContract, wanted: int | None
) -> str:
    parameters = ", ".join(
        f"_fake.Parameter({_data(p.name)}, {_data(p.location)}, "
        f"{_data(p.required)}, {_data(p.schema)}{', True' if p.json_content else ''})"
        for p in contract.parameters
    )
    responses = ", ".join(
        f"_fake.Response({r.status}, {_data(r.content_type)}, {_data(r.body)}, "
        f"{_data(tuple(r.headers))})"
        for r in _first_response(contract, wanted)
    )
    comma = "," if contract.parameters else ""
    return (
        f"_fake.Operation({_data(key)}, {_data(call.method)}, "
        f"{_data(call.path)}, parameters=({parameters}{comma}), "
        f"body_required={_data(contract.body_required)}, "
        f"body_schemas={_data(contract.body_schemas)}, responses=({responses},))"
    )


def _argument(field: ir.Field) -> str:
    base = field.type.base
    if base == "str":
        return _data("...")
    if base in ("int", "float"):
        return "1"
    if base == "bool":
        return "True"
    if base.startswith("list"):
        return "[]"
    if base.startswith(("dict", "Mapping")):
        return "{}"
    return "..."


def readme_example(module: ir.Module) -> dict[str, object] | None:
    """What the README's pytest example needs: the first workflow's required inputs as
    arguments and the id of its first step that calls an operation (None when it calls none)."""
    workflow = module.workflows[0]
    step = next((s for s in workflow.steps if isinstance(s.call, ir.OperationCall)), None)
    if step is None:
        return None
    step_id = _data(step.step_id)
    if "`" in step_id or "\n" in step_id:
        return None
    arguments = [
        f"{field.name}={_argument(field)}"
        for field in workflow.inputs.fields
        if field.required and not field.has_default
    ]
    return {"arguments": arguments, "step": step_id}
