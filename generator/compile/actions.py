"""Compiling a step's success and failure actions, with the workflow's reusable ones."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Protocol

from generator import ir
from generator.compile.context import CompileContext
from generator.compile.criteria import CriteriaCompiler
from generator.compile.scope import Scope
from generator.model import arazzo as model
from generator.names import NameScope


class WorkflowCaller(Protocol):
    """Compiles a call of another workflow (`WorkflowCompiler.workflow_call`)."""

    def __call__(
        self,
        workflow_id: str,
        parameters: Sequence[model.Parameter | model.Reusable],
        pointer: str,
        scope: Scope,
        local_names: NameScope,
        *,
        implicit_inputs: bool,
    ) -> ir.WorkflowCall | None: ...


class ActionCompiler:
    def __init__(
        self,
        context: CompileContext,
        criteria: CriteriaCompiler,
        workflow_call: WorkflowCaller,
    ) -> None:
        self.context = context
        self.criteria = criteria
        self.workflow_call = workflow_call

    def actions(
        self,
        own: tuple[model.Action | model.Reusable, ...],
        inherited: tuple[model.Action | model.Reusable, ...],
        scope: Scope,
        local_names: NameScope,
        all_ids: frozenset[str],
    ) -> tuple[ir.Action, ...] | None:
        """A step's actions, then the workflow's actions it does not override by name."""
        resolved_own = [self.resolve_action(a) for a in own]
        names = {a.name for a in resolved_own if a is not None}
        resolved_inherited = [self.resolve_action(a) for a in inherited]
        merged = [a for a in resolved_own if a is not None] + [
            a for a in resolved_inherited if a is not None and a.name not in names
        ]
        if None in resolved_own or None in resolved_inherited:
            return None
        result: list[ir.Action] = []
        ok = True
        for action in merged:
            compiled = self.action(action, scope, local_names, all_ids)
            if compiled is None:
                ok = False
            else:
                result.append(compiled)
        return tuple(result) if ok else None

    def resolve_action(self, action: model.Action | model.Reusable) -> model.Action | None:
        if isinstance(action, model.Action):
            return action
        for prefix, table in (
            ("$components.successActions.", self.context.arazzo.components.success_actions),
            ("$components.failureActions.", self.context.arazzo.components.failure_actions),
        ):
            if action.reference.startswith(prefix):
                found = table.get(action.reference[len(prefix) :])
                if found is None:
                    self.context.error(
                        action.pointer + "/reference", f"unknown component '{action.reference}'"
                    )
                return found
        self.context.error(
            action.pointer + "/reference",
            f"'{action.reference}' is not a reference to a reusable action "
            "('$components.successActions.<name>' or '$components.failureActions.<name>')",
        )
        return None

    def action(
        self,
        action: model.Action,
        scope: Scope,
        local_names: NameScope,
        all_ids: frozenset[str],
    ) -> ir.Action | None:
        criteria = self.criteria.criteria(action.criteria, scope)
        if criteria is None:
            return None
        if action.step_id is not None and action.step_id not in all_ids:
            close = difflib.get_close_matches(action.step_id, sorted(all_ids), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.context.error(
                action.pointer + "/stepId",
                f"{action.kind} action '{action.name}' names an unknown step "
                f"'{action.step_id}'{hint}",
            )
            return None
        workflow_call = None
        if action.workflow_id is not None:
            workflow_call = self.workflow_call(
                action.workflow_id,
                action.parameters,
                action.pointer + "/workflowId",
                scope,
                local_names,
                implicit_inputs=True,
            )
            if workflow_call is None:
                return None
        kind: ir.ActionKind = "end"
        if action.type == "goto":
            kind = "goto"
        elif action.type == "retry":
            kind = "retry"
        return ir.Action(
            name=action.name,
            kind=kind,
            criteria=criteria,
            step_id=action.step_id,
            workflow=workflow_call,
            retry_after=float(action.retry_after) if action.retry_after is not None else None,
            retry_limit=action.retry_limit if action.retry_limit is not None else 1,
        )
