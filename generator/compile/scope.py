"""What the values at one place of a workflow may refer to: shared by the checks that build the
IR, the typing of values, and the lowering of values to code."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from generator import ir


@dataclass(frozen=True)
class Scope:
    inputs: ir.DataclassSpec
    steps: dict[str, ir.Step] = field(default_factory=dict)
    later_steps: frozenset[str] = frozenset()
    has_response: bool = False
    workflows: dict[str, ir.WorkflowCall] = field(default_factory=dict)
    """Workflows whose outputs are available as `$workflows.<id>.outputs.<name>`."""
    called: ir.WorkflowCall | None = None
    """The workflow the current step ran, whose outputs `$outputs.<name>` reads."""

    def after_response(self) -> Scope:
        return replace(self, has_response=True)
