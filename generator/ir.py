"""The intermediate representation: what a generated module will do, with every name allocated,
every expression parsed and every reference resolved. Compile resolves each runtime expression
once, where it checks it, into an `ExpressionValue` that says what the value comes from (an
input field, a step output's local, the outputs of a workflow call, a value sent, the response),
its Python type and whether it is secret. It holds no Python source text; the lowering stage
turns it into code fragments through the emitters, arranging what compile resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from generator.diagnostics import Location
from generator.expressions.ast import Condition, Expression
from generator.types import ANY, ARRAY, BOOL, FLOAT, INT, OBJECT, STR, PyType

if TYPE_CHECKING:
    from generator.datamodels import ModelClass


@dataclass(frozen=True)
class LiteralValue:
    value: Any

    @property
    def type(self) -> PyType:
        return literal_type(self.value)

    @property
    def secret(self) -> bool:
        return False


# ---- what a runtime expression reads -------------------------------------------------------


@dataclass(frozen=True)
class InputField:
    """`$inputs.<name>`: a field of the workflow's inputs dataclass."""

    field: Field


@dataclass(frozen=True)
class StepOutputLocal:
    """`$steps.<id>.outputs.<name>`: the local an earlier step's output is kept in."""

    step_id: str
    name: str
    local: str


@dataclass(frozen=True)
class CallOutput:
    """`$outputs.<name>` (of the workflow the current step runs) or
    `$workflows.<id>.outputs.<name>`: a field of the outputs a workflow call returned, kept in
    `local`."""

    local: str
    field: Field
    step_id: str | None = None
    """The earlier step that made the call, which must have completed (None: a workflow run
    for `dependsOn`, or the current step's own call)."""


@dataclass(frozen=True)
class SentValue:
    """`$request.<source>...` (what the current step's request sends) or
    `$workflows.<id>.inputs.<name>` (what a workflow call passed): that value, computed again
    where it is read."""

    value: Value


ResponsePart = Literal["status_code", "url", "method", "header", "body"]


@dataclass(frozen=True)
class ResponseValue:
    """`$statusCode`, `$url`, `$method` (of the request the response answers),
    `$response.header.<name>` or `$response.body`: read from the current step's response."""

    part: ResponsePart
    name: str = ""
    """The header's name."""


Origin = InputField | StepOutputLocal | CallOutput | SentValue | ResponseValue


@dataclass(frozen=True)
class ExpressionValue:
    """A runtime expression, resolved where compile checked it."""

    expression: Expression
    """As written (for messages and lint); lowering reads `origin` and `pointer`."""
    origin: Origin
    pointer: str | None
    """The JSON pointer after `#` (for the response body, the one its value is read at)."""
    type: PyType
    secret: bool = False
    """Whether it reads a secret: an input or output, or a value sent that is secret."""


@dataclass(frozen=True)
class TemplateValue:
    """A string template: literal text and the embedded expressions, in order."""

    parts: tuple[str | ExpressionValue, ...]

    @property
    def type(self) -> PyType:
        return STR

    @property
    def secret(self) -> bool:
        return any(isinstance(part, ExpressionValue) and part.secret for part in self.parts)


@dataclass(frozen=True)
class ObjectValue:
    items: tuple[tuple[str, Value], ...]

    @property
    def type(self) -> PyType:
        return OBJECT

    @property
    def secret(self) -> bool:
        return any(item.secret for _, item in self.items)


@dataclass(frozen=True)
class ArrayValue:
    items: tuple[Value, ...]

    @property
    def type(self) -> PyType:
        return ARRAY

    @property
    def secret(self) -> bool:
        return any(item.secret for item in self.items)


@dataclass(frozen=True)
class SelectorValue:
    """An Arazzo 1.1 Selector Object: a JSON pointer or JSONPath applied to a context value."""

    context: ExpressionValue
    selector: str
    kind: Literal["jsonpointer", "jsonpath"]

    @property
    def type(self) -> PyType:
        return ARRAY if self.kind == "jsonpath" else ANY

    @property
    def secret(self) -> bool:
        return self.context.secret


Value = LiteralValue | ExpressionValue | TemplateValue | ObjectValue | ArrayValue | SelectorValue
"""Every value has a `type`, the Python type of what it computes, and says whether it is
`secret`: whether any expression in it reads a secret."""


def literal_type(value: object) -> PyType:
    if value is None:
        return PyType("None", None, True)
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STR
    if isinstance(value, list):
        return ARRAY
    return OBJECT


BodyEncoding = Literal["json", "form", "multipart", "text"]


@dataclass(frozen=True)
class Replacement:
    """A payload replacement: set the value at a JSON pointer, or at an XPath in XML text."""

    target: str
    kind: Literal["pointer", "xpath"]
    value: Value


class _Unset:
    """The default of an optional input whose schema allows null (`_runtime.UNSET`)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class Field:
    """A dataclass field: Python name, name in the document, type, default, docs, secrecy."""

    name: str
    wire_name: str
    type: PyType
    required: bool
    has_default: bool = False
    default: Any = None
    description: str | None = None
    secret: bool = False
    location: Location | None = None


@dataclass(frozen=True)
class DataclassSpec:
    class_name: str
    docstring: str
    fields: tuple[Field, ...]

    def field_named(self, wire_name: str) -> Field | None:
        return next((f for f in self.fields if f.wire_name == wire_name), None)


@dataclass(frozen=True)
class Source:
    """A source description a workflow calls: its default server URL and the names it gets."""

    name: str
    constant: str
    local: str
    server_url: str | None


SchemeKind = Literal["apiKey", "basic", "bearer", "oauth2", "openIdConnect"]


@dataclass(frozen=True)
class SecurityScheme:
    """A security scheme of a source description that credentials can satisfy."""

    source: str
    name: str
    kind: SchemeKind
    location: Literal["header", "query", "cookie"] = "header"
    parameter: str = "Authorization"
    token_url: str | None = None
    client_credentials: bool = False
    """An `oauth2` scheme with a client-credentials flow (then `token_url` is its tokenUrl)."""
    description: str | None = None


SecurityRequirement = tuple[tuple[SecurityScheme, tuple[str, ...]], ...]
"""One alternative of an OpenAPI security requirement: each scheme with its scopes."""


@dataclass(frozen=True)
class StepSecurity:
    """The security requirement of a step's operation (the first alternative the credentials
    satisfy applies; an empty one needs none) and the (location, name) slots the step's own
    parameters fill (header names lower-cased)."""

    workflow_id: str
    step_id: str
    source: str
    alternatives: tuple[SecurityRequirement, ...]
    explicit: frozenset[tuple[str, str]] = frozenset()
    settled: bool = False
    """The first alternative (the one applied whenever it is usable) is filled by the step's own
    parameters, with values that are never None: the step never sends credentials nor needs
    any (TikTok's `Authorization: Bearer {token}`), so it is sent without the credentials path."""
    self_sufficient: bool = False
    """Some alternative is filled by the step's own parameters, with values that are never None:
    the step never needs credentials from the caller (a settled step is self-sufficient)."""


@dataclass(frozen=True)
class GivenCredential:
    """A credential the document itself gives a step (Redocly's `x-security`): the scheme and
    the values of its fields (`apiKey`; `username`, `password`; `token`; `accessToken`)."""

    scheme: SecurityScheme
    values: tuple[tuple[str, Value], ...]


@dataclass(frozen=True)
class RequestParameter:
    """A parameter a step sends, with the OpenAPI serialization of its location."""

    name: str
    location: str
    value: Value
    style: str = "form"
    explode: bool = True
    json_content: bool = False
    """Sent as JSON text (an OpenAPI parameter described by `content: application/json`)."""


@dataclass(frozen=True)
class RequestBody:
    content_type: str
    encoding: BodyEncoding
    payload: Value
    replacements: tuple[Replacement, ...] = ()


@dataclass(frozen=True)
class Criterion:
    """A success criterion. `simple` ones hold a parsed `condition` and its runtime expressions
    resolved (`operands`); `regex`, `jsonpath` and `xpath` ones apply `text` (the pattern, query
    or XPath) to the value of `context`."""

    text: str
    condition: Condition | None = None
    kind: Literal["simple", "regex", "jsonpath", "xpath"] = "simple"
    context: ExpressionValue | None = None
    version: str | None = None
    externals: tuple[tuple[str, ExpressionValue], ...] = ()
    """A `jsonpath` comparison read from the dialect: each runtime expression in `text` and
    what it refers to."""
    whole_context: Value | None = None
    """The context read from the dialect `$inputs` or `$steps.<id>.outputs` used whole: the
    object of those values (`context` is then None)."""
    operands: tuple[ExpressionValue, ...] = ()
    """Each runtime expression of `condition` (`ExpressionValue.expression`), resolved."""


@dataclass(frozen=True)
class StepOutput:
    name: str
    local: str
    value: ExpressionValue | None
    """What the output reads; None for a constant output (`constant`)."""
    secret: bool
    constant: LiteralValue | None = None
    """A literal written where the output's runtime expression belongs (a dialect)."""

    @property
    def type(self) -> PyType:
        """The type of what it reads (of its constant)."""
        if self.value is not None:
            return self.value.type
        assert self.constant is not None, self.name
        return self.constant.type


@dataclass(frozen=True)
class FakeParameter:
    """A parameter an operation declares, as a test fake checks it (schema as JSON data)."""

    name: str
    location: str
    required: bool
    schema: dict[str, Any] = field(default_factory=dict, compare=False)
    json_content: bool = False


@dataclass(frozen=True)
class FakeResponse:
    """A response a test fake answers with: from the OpenAPI's examples, else its schema."""

    status: int
    content_type: str | None
    body: Any = field(default=None, compare=False)
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OperationContract:
    """What the OpenAPI says about an operation, for the generated test fake: the parameters
    and body a request must match, and the responses (successes first) it may answer with."""

    key: str
    description: str
    """The path of the OpenAPI description the operation belongs to (its root document)."""
    parameters: tuple[FakeParameter, ...]
    body_required: bool
    body_schemas: dict[str, Any] | None = field(default=None, compare=False)
    responses: tuple[FakeResponse, ...] = ()


@dataclass(frozen=True)
class OperationCall:
    """A step that calls an API operation."""

    source: Source
    operation_id: str | None
    method: str
    path: str
    path_parameters: tuple[RequestParameter, ...]
    parameters: tuple[RequestParameter, ...]
    body: RequestBody | None
    timeout: float | None = None
    """Seconds the request may take (the step's Arazzo 1.1 `timeout`)."""
    security: StepSecurity | None = None
    """What the operation's OpenAPI security requires (None: nothing)."""
    given: tuple[GivenCredential, ...] = ()
    """Credentials the document gives the step (`x-security`), applied in order, last wins."""
    contract: OperationContract | None = field(default=None, compare=False)
    """The operation as the OpenAPI describes it, for the generated test fake."""


@dataclass(frozen=True)
class WorkflowCall:
    """A step (or action) that runs another workflow of the same document."""

    workflow_id: str
    function_name: str
    inputs: DataclassSpec
    outputs: DataclassSpec
    arguments: tuple[tuple[Field, Value], ...]
    local: str
    sources: tuple[Source, ...] = ()
    """The source descriptions the called workflow (and those it calls) use."""
    security: tuple[StepSecurity, ...] = ()
    """The security of every step the called workflow (and those it calls) may send."""

    def input_value(self, name: str) -> Value | None:
        """What the call passes as the input `name` (its default when it passes nothing)."""
        for passed, value in self.arguments:
            if passed.wire_name == name:
                return value
        declared = self.inputs.field_named(name)
        return LiteralValue(declared.default) if declared is not None else None


ActionKind = Literal["end", "goto", "retry"]


@dataclass(frozen=True)
class Action:
    """A success or failure action; the first whose criteria all hold is taken."""

    name: str
    kind: ActionKind
    criteria: tuple[Criterion, ...]
    step_id: str | None = None
    workflow: WorkflowCall | None = None
    retry_after: float | None = None
    retry_limit: int = 1


@dataclass(frozen=True)
class Step:
    step_id: str
    description: str | None
    call: OperationCall | WorkflowCall
    criteria: tuple[Criterion, ...]
    outputs: tuple[StepOutput, ...]
    on_success: tuple[Action, ...] = ()
    on_failure: tuple[Action, ...] = ()

    def output_named(self, name: str) -> StepOutput | None:
        return next((o for o in self.outputs if o.name == name), None)


@dataclass(frozen=True)
class WorkflowOutput:
    field: Field
    value: Value
    skippable_step: str | None = None
    """The step the value comes from when a successful run may skip it (then it is None)."""


@dataclass(frozen=True)
class Workflow:
    workflow_id: str
    function_name: str
    summary: str | None
    description: str | None
    inputs: DataclassSpec
    outputs: DataclassSpec
    output_values: tuple[WorkflowOutput, ...]
    sources: tuple[Source, ...]
    steps: tuple[Step, ...]
    dependencies: tuple[WorkflowCall, ...] = ()
    location: Location | None = None
    sync_name: str = ""
    """The name of the synchronous twin, when one is generated."""
    security: tuple[StepSecurity, ...] = ()
    """The security of every step this workflow (and those it calls) may send."""

    @property
    def has_control_flow(self) -> bool:
        """Whether any step has actions (then the function is a small step loop)."""
        return any(step.on_success or step.on_failure for step in self.steps)

    @property
    def model_names(self) -> frozenset[str]:
        """The model classes its inputs, outputs and structured step outputs name directly."""
        types = (
            *(f.type for spec in (self.inputs, self.outputs) for f in spec.fields),
            *(o.type for s in self.steps for o in s.outputs if o.type.structured),
        )
        return frozenset(name for py_type in types for name in py_type.models)


@dataclass(frozen=True)
class Module:
    """One generated package: every workflow of one Arazzo document."""

    package: str
    document_name: str
    title: str
    summary: str | None
    description: str | None
    workflows: tuple[Workflow, ...]
    internal_workflows: tuple[Workflow, ...] = ()
    """Workflows of other Arazzo documents that the public ones call (not exported)."""
    models: tuple[ModelClass, ...] = ()
    """The classes derived from the schemas of inputs and outputs (the package's models.py)."""

    @property
    def model_names(self) -> frozenset[str]:
        """The model classes its workflows (the internal ones too) name directly."""
        workflows = (*self.workflows, *self.internal_workflows)
        return frozenset[str]().union(*(w.model_names for w in workflows))
