"""Syntax trees for runtime expressions, string templates and simple conditions.

Runtime expressions follow the Arazzo 1.0.1 ABNF, read with the structure Arazzo 1.1 made
explicit: `$steps.<stepId>.outputs.<name>[#pointer]`, `$inputs.<name>[#pointer]`, and so on.
A JSON pointer is kept in its escaped text form (e.g. "/data/user/display_name"); use
`pointer_tokens()` to get the unescaped reference tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator import jsonpointer

MessageKind = Literal["request", "response"]
MessageSource = Literal["header", "query", "path", "body"]
WorkflowField = Literal["inputs", "outputs"]
ComponentKind = Literal["inputs", "parameters", "successActions", "failureActions"]


@dataclass(frozen=True)
class Url:
    """`$url`"""


@dataclass(frozen=True)
class Method:
    """`$method`"""


@dataclass(frozen=True)
class StatusCode:
    """`$statusCode`"""


@dataclass(frozen=True)
class Self:
    """`$self` (Arazzo 1.1)"""


@dataclass(frozen=True)
class MessageRef:
    """`$request.<source>...` or `$response.<source>...`.

    For header/query/path, `name` is the parameter name and `pointer` is None.
    For body, `name` is "" and `pointer` is the JSON pointer after `#` ("" for the whole body
    when `#` is given with nothing after it, None when there is no `#`).
    """

    message: MessageKind
    source: MessageSource
    name: str = ""
    pointer: str | None = None


@dataclass(frozen=True)
class InputRef:
    """`$inputs.<name>[#pointer]`"""

    name: str
    pointer: str | None = None


@dataclass(frozen=True)
class OutputRef:
    """`$outputs.<name>[#pointer]`"""

    name: str
    pointer: str | None = None


@dataclass(frozen=True)
class StepRef:
    """`$steps.<stepId>.outputs.<name>[#pointer]`"""

    step_id: str
    name: str
    pointer: str | None = None


@dataclass(frozen=True)
class WorkflowRef:
    """`$workflows.<workflowId>.(inputs|outputs).<name>[#pointer]`"""

    workflow_id: str
    field: WorkflowField
    name: str
    pointer: str | None = None


@dataclass(frozen=True)
class SourceRef:
    """`$sourceDescriptions.<source>.<reference>`: an operationId, a workflowId, or a field
    such as `url`."""

    source: str
    reference: str


@dataclass(frozen=True)
class ComponentRef:
    """`$components.<kind>.<name>`"""

    kind: ComponentKind
    name: str


Expression = (
    Url
    | Method
    | StatusCode
    | Self
    | MessageRef
    | InputRef
    | OutputRef
    | StepRef
    | WorkflowRef
    | SourceRef
    | ComponentRef
)


@dataclass(frozen=True)
class Embedded:
    """A runtime expression inside a template.

    `braced` is False for the lenient bare form real documents use (`Bearer $steps.a.outputs.t`),
    which the compiler accepts with a warning.
    `offset` is the index of the `$` (or of the `{` when braced) within the template text.
    """

    expression: Expression
    braced: bool
    offset: int


@dataclass(frozen=True)
class Template:
    """A string made of literal text and embedded expressions, in order.

    Adjacent literal parts are merged; a template with no `Embedded` part is a plain string.
    """

    parts: tuple[str | Embedded, ...]


# ---- simple conditions -------------------------------------------------------------------

CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]


@dataclass(frozen=True)
class LiteralValue:
    """`null`, `true`, `false`, a number, or a quoted string."""

    value: bool | int | float | str | None


@dataclass(frozen=True)
class ExpressionOperand:
    """A runtime expression used as an operand."""

    expression: Expression


@dataclass(frozen=True)
class Index:
    """`operand[index]` (0-based array index, or a quoted key)."""

    target: Condition
    index: int | str


@dataclass(frozen=True)
class Property:
    """`operand.name` where the operand is not itself a runtime expression (e.g. after `[0]`)."""

    target: Condition
    name: str


@dataclass(frozen=True)
class Compare:
    op: CompareOp
    left: Condition
    right: Condition


@dataclass(frozen=True)
class And:
    left: Condition
    right: Condition


@dataclass(frozen=True)
class Or:
    left: Condition
    right: Condition


@dataclass(frozen=True)
class Not:
    operand: Condition


Condition = LiteralValue | ExpressionOperand | Index | Property | Compare | And | Or | Not


def pointer_tokens(pointer: str) -> list[str]:
    """Split an escaped JSON pointer ("/a~1b/c") into unescaped tokens (["a/b", "c"])."""
    return jsonpointer.tokens(pointer)
