"""Which steps a successful run may skip: the step graph of a workflow with actions.

A run ends successfully by falling off the last step, by an `end` action (on success or on
failure) or by a `goto` to another workflow. A step a run may skip is one without which the
end can still be reached; its outputs are then `X | None` in the workflow's outputs. Every
action counts as possibly taken, so a step is called skippable whenever some path avoids it.
"""

from __future__ import annotations

from generator import ir

_END = ""


def _edges(steps: tuple[ir.Step, ...]) -> dict[str, set[str]]:
    ids = [step.step_id for step in steps]
    edges: dict[str, set[str]] = {}
    for index, step in enumerate(steps):
        following = ids[index + 1] if index + 1 < len(ids) else _END
        targets = {following}
        for action in (*step.on_success, *step.on_failure):
            if action.kind == "retry":
                targets.add(action.step_id or step.step_id)
            elif action.kind == "goto" and action.step_id is not None:
                targets.add(action.step_id)
            else:
                targets.add(_END)
        edges[step.step_id] = targets
    return edges


def skippable_steps(workflow_steps: tuple[ir.Step, ...]) -> frozenset[str]:
    """The ids of the steps that a successful run may not run."""
    if not workflow_steps or not any(s.on_success or s.on_failure for s in workflow_steps):
        return frozenset()
    edges = _edges(workflow_steps)
    start = workflow_steps[0].step_id
    skippable = set()
    for step in workflow_steps:
        if step.step_id == start:
            continue
        seen = {start}
        stack = [start]
        while stack:
            for target in edges.get(stack.pop(), ()):
                if target != step.step_id and target not in seen:
                    seen.add(target)
                    stack.append(target)
        if _END in seen:
            skippable.add(step.step_id)
    return frozenset(skippable)
