"""What the values at one place of a workflow may refer to: the inputs, the steps that ran
before, the workflows whose results are available, the request sent and the response. Compile
resolves each runtime expression against it (compile/references.py); the IR keeps the result."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from generator import ir


@dataclass(frozen=True)
class Scope:
    inputs: ir.DataclassSpec
    steps: dict[str, ir.Step] = field(default_factory=dict)
    later_steps: frozenset[str] = frozenset()
    failed_steps: frozenset[str] = frozenset()
    """Steps whose own errors are already reported (references to them stay quiet)."""
    current_step: str | None = None
    has_response: bool = False
    workflows: dict[str, ir.WorkflowCall] = field(default_factory=dict)
    """Workflows whose outputs are available as `$workflows.<id>.outputs.<name>`."""
    called: ir.WorkflowCall | None = None
    """The workflow the current step ran, whose outputs `$outputs.<name>` reads."""
    request: ir.OperationCall | None = None
    """The request the current step sent, which `$request.*` reads."""

    def request_value(self, source: str, name: str) -> ir.Value | None:
        """The value the current step sent as a parameter or body, if it sent one."""
        if self.request is None:
            return None
        if source == "body":
            return self.request.body.payload if self.request.body is not None else None
        parameters = self.request.path_parameters if source == "path" else self.request.parameters
        for parameter in parameters:
            same = (
                parameter.name.lower() == name.lower()
                if source == "header"
                else (parameter.name == name)
            )
            if same and (source == "path" or parameter.location == source):
                return parameter.value
        return self.implicit_content_type(name) if source == "header" else None

    def implicit_content_type(self, name: str = "content-type") -> ir.LiteralValue | None:
        """The media type of the body the current step sends, which is its Content-Type header
        when it gives none as a parameter (multipart adds a boundary, so it is not read so)."""
        body = self.request.body if self.request is not None else None
        if name.lower() != "content-type" or body is None or body.encoding == "multipart":
            return None
        return ir.LiteralValue(body.content_type)

    def after_response(self) -> Scope:
        return replace(self, has_response=True)
