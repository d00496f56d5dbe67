"""The Arazzo document model: typed, position-carrying views of what an Arazzo file says.

`read_arazzo` checks shape only (required fields, field types, unique ids, exclusive
fields). Whether references resolve is the compiler's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from generator.diagnostics import Diagnostics
from generator.load.source import LoadedDocument
from generator.model.reader import Node, Reader, describe_type

SUPPORTED_VERSION = re.compile(r"^1\.[01]\.\d+(-.+)?$")
# Arazzo 1.1 step fields that belong to AsyncAPI steps.
ASYNC_STEP_FIELDS = ("channelPath", "action", "correlationId")
PARAMETER_LOCATIONS = ("path", "query", "header", "cookie", "querystring")
CRITERION_TYPES = ("simple", "regex", "jsonpath", "xpath")


@dataclass(frozen=True)
class Info:
    title: str
    version: str
    summary: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class SourceDescription:
    name: str
    url: str
    type: str | None
    pointer: str


@dataclass(frozen=True)
class Reusable:
    """`{reference: $components..., value?}`"""

    reference: str
    value: Any
    has_value: bool
    pointer: str


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str | None
    value: Any
    pointer: str


@dataclass(frozen=True)
class ExpressionType:
    type: str
    version: str | None


@dataclass(frozen=True)
class Criterion:
    condition: str
    context: str | None
    type: str | ExpressionType
    pointer: str


@dataclass(frozen=True)
class Action:
    name: str
    type: str
    kind: Literal["success", "failure"]
    pointer: str
    workflow_id: str | None = None
    step_id: str | None = None
    retry_after: float | int | None = None
    retry_limit: int | None = None
    criteria: tuple[Criterion, ...] = ()
    parameters: tuple[Parameter | Reusable, ...] = ()


@dataclass(frozen=True)
class PayloadReplacement:
    target: str
    value: Any
    pointer: str


@dataclass(frozen=True)
class RequestBody:
    content_type: str | None
    payload: Any
    has_payload: bool
    replacements: tuple[PayloadReplacement, ...]
    pointer: str


@dataclass(frozen=True)
class OutputMapping:
    name: str
    value: Any
    pointer: str


@dataclass(frozen=True)
class XOperation:
    """Redocly's `x-operation` step target: a method and an absolute URL, no OpenAPI."""

    method: str
    url: str
    pointer: str


@dataclass(frozen=True)
class Step:
    step_id: str
    pointer: str
    description: str | None = None
    operation_id: str | None = None
    operation_path: str | None = None
    workflow_id: str | None = None
    parameters: tuple[Parameter | Reusable, ...] = ()
    request_body: RequestBody | None = None
    success_criteria: tuple[Criterion, ...] = ()
    on_success: tuple[Action | Reusable, ...] = ()
    on_failure: tuple[Action | Reusable, ...] = ()
    outputs: tuple[OutputMapping, ...] = ()
    depends_on: tuple[str, ...] = ()
    timeout: float | int | None = None
    """Arazzo 1.1: milliseconds the step may take."""
    x_operation: XOperation | None = None


@dataclass(frozen=True)
class Workflow:
    workflow_id: str
    pointer: str
    summary: str | None = None
    description: str | None = None
    inputs: Node | None = None
    depends_on: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    success_actions: tuple[Action | Reusable, ...] = ()
    failure_actions: tuple[Action | Reusable, ...] = ()
    outputs: tuple[OutputMapping, ...] = ()
    parameters: tuple[Parameter | Reusable, ...] = ()


@dataclass(frozen=True)
class Components:
    inputs: dict[str, Node] = field(default_factory=dict)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    success_actions: dict[str, Action] = field(default_factory=dict)
    failure_actions: dict[str, Action] = field(default_factory=dict)


@dataclass(frozen=True)
class ArazzoDocument:
    document: LoadedDocument
    arazzo: str
    info: Info
    source_descriptions: tuple[SourceDescription, ...]
    workflows: tuple[Workflow, ...]
    components: Components
    self_uri: str | None = None


def looks_like_arazzo(data: object) -> bool:
    return isinstance(data, dict) and "arazzo" in data


def read_arazzo(document: LoadedDocument, diagnostics: Diagnostics) -> ArazzoDocument | None:
    """Read a loaded document as Arazzo; None (with errors recorded) when it cannot be read."""
    return _ArazzoReader(Reader(document, diagnostics)).document()


class _ArazzoReader:
    def __init__(self, reader: Reader) -> None:
        self.r = reader

    def document(self) -> ArazzoDocument | None:
        r = self.r
        root = r.root()
        if r.mapping(root, "an Arazzo document") is None:
            return None
        r.check_fields(
            root,
            "the Arazzo document",
            ["arazzo", "$self", "info", "sourceDescriptions", "workflows", "components"],
        )
        version = r.string(root, "arazzo", "the Arazzo document", required=True)
        if version is not None and not SUPPORTED_VERSION.match(version):
            r.error(
                "/arazzo",
                f"unsupported Arazzo version '{version}' (this compiler reads 1.0.x and 1.1.x)",
            )
        info = self.info(r.child(root, "info") if "info" in root.value else None)
        sources = self.sources(root)
        components = self.components(root)
        workflows = self.workflows(root)
        self_uri = r.string(root, "$self", "the Arazzo document")
        if version is None or info is None:
            return None
        return ArazzoDocument(
            document=r.document,
            arazzo=version,
            info=info,
            source_descriptions=sources,
            workflows=workflows,
            components=components,
            self_uri=self_uri,
        )

    def info(self, node: Node | None) -> Info | None:
        r = self.r
        if node is None:
            r.error("", "the Arazzo document is missing the required field 'info'")
            return None
        if r.mapping(node, "'info'") is None:
            return None
        r.check_fields(node, "'info'", ["title", "summary", "description", "version"])
        title = r.string(node, "title", "'info'", required=True)
        version = r.string(node, "version", "'info'", required=True)
        return Info(
            title=title or "",
            version=version or "",
            summary=r.string(node, "summary", "'info'"),
            description=r.string(node, "description", "'info'"),
        )

    def sources(self, root: Node) -> tuple[SourceDescription, ...]:
        r = self.r
        nodes = r.items(root, "sourceDescriptions", "the Arazzo document", required=True)
        if (
            "sourceDescriptions" in root.value
            and not nodes
            and isinstance(root.value["sourceDescriptions"], list)
        ):
            r.error("/sourceDescriptions", "'sourceDescriptions' must list at least one source")
        result: list[SourceDescription] = []
        seen: dict[str, str] = {}
        for node in nodes:
            what = "a source description"
            if r.mapping(node, what) is None:
                continue
            r.check_fields(node, what, ["name", "url", "type"])
            name = r.string(node, "name", what, required=True)
            url = r.string(node, "url", what, required=True)
            kind = r.string(node, "type", what)
            if name is None or url is None:
                continue
            if name in seen:
                r.error(node.pointer + "/name", f"duplicate source description name '{name}'")
                continue
            seen[name] = node.pointer
            result.append(SourceDescription(name, url, kind, node.pointer))
        return tuple(result)

    def workflows(self, root: Node) -> tuple[Workflow, ...]:
        r = self.r
        nodes = r.items(root, "workflows", "the Arazzo document", required=True)
        if "workflows" in root.value and not nodes and isinstance(root.value["workflows"], list):
            r.error("/workflows", "'workflows' must list at least one workflow")
        result: list[Workflow] = []
        seen: set[str] = set()
        for node in nodes:
            workflow = self.workflow(node)
            if workflow is None:
                continue
            if workflow.workflow_id in seen:
                r.error(
                    node.pointer + "/workflowId",
                    f"duplicate workflowId '{workflow.workflow_id}'",
                )
                continue
            seen.add(workflow.workflow_id)
            result.append(workflow)
        return tuple(result)

    def workflow(self, node: Node) -> Workflow | None:
        r = self.r
        what = "a workflow"
        if r.mapping(node, what) is None:
            return None
        r.check_fields(
            node,
            what,
            [
                "workflowId",
                "summary",
                "description",
                "inputs",
                "dependsOn",
                "steps",
                "successActions",
                "failureActions",
                "outputs",
                "parameters",
            ],
        )
        workflow_id = r.string(node, "workflowId", what, required=True)
        what = f"workflow '{workflow_id}'" if workflow_id else what
        inputs = r.child(node, "inputs") if "inputs" in node.value else None
        if inputs is not None and not isinstance(inputs.value, dict):
            r.error(inputs.pointer, f"'inputs' of {what} must be a JSON Schema object")
            inputs = None
        steps = self.steps(node, what)
        if workflow_id is None:
            return None
        return Workflow(
            workflow_id=workflow_id,
            pointer=node.pointer,
            summary=r.string(node, "summary", what),
            description=r.string(node, "description", what),
            inputs=inputs,
            depends_on=self.strings(node, "dependsOn", what),
            steps=steps,
            success_actions=self.actions(node, "successActions", what, "success"),
            failure_actions=self.actions(node, "failureActions", what, "failure"),
            outputs=self.outputs(node, what),
            parameters=self.parameters(node, what),
        )

    def steps(self, workflow: Node, what: str) -> tuple[Step, ...]:
        r = self.r
        nodes = r.items(workflow, "steps", what, required=True)
        if "steps" in workflow.value and not nodes and isinstance(workflow.value["steps"], list):
            r.error(workflow.pointer + "/steps", f"'steps' of {what} must list at least one step")
        result: list[Step] = []
        seen: set[str] = set()
        for node in nodes:
            step = self.step(node, what)
            if step is None:
                continue
            if step.step_id in seen:
                r.error(node.pointer + "/stepId", f"duplicate stepId '{step.step_id}' in {what}")
                continue
            seen.add(step.step_id)
            result.append(step)
        return tuple(result)

    def step(self, node: Node, workflow_what: str) -> Step | None:
        r = self.r
        what = f"a step of {workflow_what}"
        if r.mapping(node, what) is None:
            return None
        r.check_fields(
            node,
            what,
            [
                "stepId",
                "description",
                "operationId",
                "operationPath",
                "workflowId",
                "parameters",
                "requestBody",
                "successCriteria",
                "onSuccess",
                "onFailure",
                "outputs",
                "dependsOn",
                "timeout",
                *ASYNC_STEP_FIELDS,
            ],
        )
        step_id = r.string(node, "stepId", what, required=True)
        what = f"step '{step_id}'" if step_id else what
        targets = [
            name for name in ("operationId", "operationPath", "workflowId") if name in node.value
        ]
        asynchronous = [name for name in ASYNC_STEP_FIELDS if name in node.value]
        x_operation = None
        if not targets and not asynchronous and "x-operation" in node.value:
            x_operation = self.x_operation(r.child(node, "x-operation"), what)
        if asynchronous:
            r.error(
                node.pointer + "/" + asynchronous[0],
                f"{what} is an AsyncAPI step ('{asynchronous[0]}'); AsyncAPI steps are not "
                "supported yet",
            )
        elif not targets and x_operation is None:
            r.error(
                node.pointer, f"{what} needs one of 'operationId', 'operationPath' or 'workflowId'"
            )
        elif len(targets) > 1:
            r.error(
                node.pointer + "/" + targets[1],
                f"{what} has both '{targets[0]}' and '{targets[1]}'; give exactly one",
            )
        body = (
            self.request_body(r.child(node, "requestBody"), what)
            if "requestBody" in node.value
            else None
        )
        step = Step(
            step_id=step_id or "",
            pointer=node.pointer,
            description=r.string(node, "description", what),
            operation_id=r.string(node, "operationId", what),
            operation_path=r.string(node, "operationPath", what),
            workflow_id=r.string(node, "workflowId", what),
            parameters=self.parameters(node, what),
            request_body=body,
            success_criteria=self.criteria(node, "successCriteria", what),
            on_success=self.actions(node, "onSuccess", what, "success"),
            on_failure=self.actions(node, "onFailure", what, "failure"),
            outputs=self.outputs(node, what),
            depends_on=self.strings(node, "dependsOn", what),
            timeout=r.number(node, "timeout", what),
            x_operation=x_operation,
        )
        return step if step_id is not None else None

    def x_operation(self, node: Node, what: str) -> XOperation | None:
        """Redocly's `x-operation: {method, url}`; None (with an error) when malformed."""
        what = f"'x-operation' of {what}"
        method = self.r.string(node, "method", what, required=True)
        url = self.r.string(node, "url", what, required=True)
        if method is None or url is None:
            return None
        if method.lower() not in ("get", "put", "post", "delete", "options", "head", "patch"):
            self.r.error(node.pointer + "/method", f"{what} has an unknown method '{method}'")
            return None
        if not url.startswith(("http://", "https://")):
            self.r.error(node.pointer + "/url", f"{what} must give an absolute http(s) URL")
            return None
        return XOperation(method.upper(), url, node.pointer)

    def strings(self, node: Node, name: str, what: str) -> tuple[str, ...]:
        result: list[str] = []
        for item in self.r.items(node, name, what):
            if isinstance(item.value, str):
                if item.value in result:
                    self.r.error(item.pointer, f"'{item.value}' is listed twice in '{name}'")
                result.append(item.value)
            else:
                self.r.error(
                    item.pointer,
                    f"entries of '{name}' must be strings, not {describe_type(item.value)}",
                )
        return tuple(result)

    def parameters(self, node: Node, what: str) -> tuple[Parameter | Reusable, ...]:
        result: list[Parameter | Reusable] = []
        seen: set[tuple[str, str | None]] = set()
        for item in self.r.items(node, "parameters", what):
            parameter = self.parameter(item, what)
            if parameter is None:
                continue
            if isinstance(parameter, Parameter):
                identity = (parameter.name, parameter.location)
                if identity in seen:
                    where = f" in {parameter.location}" if parameter.location else ""
                    self.r.error(
                        item.pointer, f"duplicate parameter '{parameter.name}'{where} in {what}"
                    )
                    continue
                seen.add(identity)
            result.append(parameter)
        return tuple(result)

    def parameter(self, node: Node, what: str) -> Parameter | Reusable | None:
        r = self.r
        if r.mapping(node, f"a parameter of {what}") is None:
            return None
        if "reference" in node.value:
            return self.reusable(node)
        r.check_fields(node, "a parameter", ["name", "in", "value"])
        name = r.string(node, "name", f"a parameter of {what}", required=True)
        location = r.string(node, "in", f"parameter '{name}'")
        if location is not None and location not in PARAMETER_LOCATIONS:
            r.error(
                node.pointer + "/in",
                f"parameter '{name}' has unknown location '{location}' "
                f"(expected one of {', '.join(PARAMETER_LOCATIONS)})",
            )
            return None
        if "value" not in node.value:
            r.error(node.pointer, f"parameter '{name}' is missing the required field 'value'")
            return None
        if name is None:
            return None
        return Parameter(name, location, node.value["value"], node.pointer)

    def reusable(self, node: Node) -> Reusable | None:
        reference = self.r.string(node, "reference", "a reusable object", required=True)
        if reference is None:
            return None
        has_value = "value" in node.value
        return Reusable(reference, node.value.get("value"), has_value, node.pointer)

    def request_body(self, node: Node, what: str) -> RequestBody | None:
        r = self.r
        if r.mapping(node, f"'requestBody' of {what}") is None:
            return None
        r.check_fields(node, "a request body", ["contentType", "payload", "replacements"])
        replacements: list[PayloadReplacement] = []
        for item in r.items(node, "replacements", "the request body"):
            if r.mapping(item, "a payload replacement") is None:
                continue
            target = r.string(item, "target", "a payload replacement", required=True)
            if "value" not in item.value:
                r.error(item.pointer, "a payload replacement is missing the required field 'value'")
                continue
            if target is not None:
                replacements.append(PayloadReplacement(target, item.value["value"], item.pointer))
        return RequestBody(
            content_type=r.string(node, "contentType", "the request body"),
            payload=node.value.get("payload"),
            has_payload="payload" in node.value,
            replacements=tuple(replacements),
            pointer=node.pointer,
        )

    def criteria(self, node: Node, name: str, what: str) -> tuple[Criterion, ...]:
        r = self.r
        result: list[Criterion] = []
        for item in r.items(node, name, what):
            if r.mapping(item, "a criterion") is None:
                continue
            r.check_fields(item, "a criterion", ["context", "condition", "type"])
            condition = r.string(item, "condition", "a criterion", required=True)
            context = r.string(item, "context", "a criterion")
            kind = self.criterion_type(item)
            if condition is None or kind is None:
                continue
            if kind != "simple" and context is None:
                r.error(
                    item.pointer, "a criterion with a 'type' other than simple needs a 'context'"
                )
                continue
            result.append(Criterion(condition, context, kind, item.pointer))
        return tuple(result)

    def criterion_type(self, node: Node) -> str | ExpressionType | None:
        r = self.r
        value = node.value.get("type", "simple")
        pointer = node.pointer + "/type"
        if isinstance(value, str):
            if value not in CRITERION_TYPES:
                r.error(
                    pointer,
                    f"unknown criterion type '{value}' "
                    f"(expected one of {', '.join(CRITERION_TYPES)})",
                )
                return None
            return value
        if isinstance(value, dict):
            kind = value.get("type")
            version = value.get("version")
            if kind not in ("jsonpath", "xpath", "jsonpointer") or not isinstance(version, str):
                r.error(
                    pointer,
                    "a criterion expression type needs 'type' (jsonpath or xpath) and 'version'",
                )
                return None
            return ExpressionType(kind, version)
        r.error(
            pointer, f"criterion 'type' must be a string or an object, not {describe_type(value)}"
        )
        return None

    def actions(
        self, node: Node, name: str, what: str, kind: Literal["success", "failure"]
    ) -> tuple[Action | Reusable, ...]:
        result: list[Action | Reusable] = []
        for item in self.r.items(node, name, what):
            action = self.action(item, kind)
            if action is not None:
                result.append(action)
        return tuple(result)

    def action(self, node: Node, kind: Literal["success", "failure"]) -> Action | Reusable | None:
        r = self.r
        what = f"a {kind} action"
        if r.mapping(node, what) is None:
            return None
        if "reference" in node.value:
            return self.reusable(node)
        allowed = ["name", "type", "workflowId", "stepId", "criteria", "parameters"]
        types = ("end", "goto") if kind == "success" else ("end", "retry", "goto")
        if kind == "failure":
            allowed += ["retryAfter", "retryLimit"]
        r.check_fields(node, what, allowed)
        name = r.string(node, "name", what)
        if name is None and "name" not in node.value:
            name = f"{kind}-action-{node.pointer.rsplit('/', 1)[-1]}"
            r.diagnostics.dialect(
                r.location(node.pointer),
                f"{what} has no 'name' (required); named '{name}' here",
            )
        what = f"{kind} action '{name}'" if name else what
        action_type = r.string(node, "type", what, required=True)
        if action_type is not None and action_type not in types:
            r.error(
                node.pointer + "/type",
                f"{what} has unknown type '{action_type}' (expected one of {', '.join(types)})",
            )
            return None
        workflow_id = r.string(node, "workflowId", what)
        step_id = r.string(node, "stepId", what)
        if workflow_id is not None and step_id is not None:
            r.error(node.pointer, f"{what} has both 'workflowId' and 'stepId'; give at most one")
        if action_type == "goto" and workflow_id is None and step_id is None:
            r.error(node.pointer, f"{what} of type goto needs a 'stepId' or a 'workflowId'")
        retry_after = r.number(node, "retryAfter", what)
        if retry_after is not None and retry_after < 0:
            r.error(node.pointer + "/retryAfter", f"'retryAfter' of {what} must not be negative")
        retry_limit_value = node.value.get("retryLimit")
        retry_limit: int | None = None
        if retry_limit_value is not None:
            if isinstance(retry_limit_value, int) and not isinstance(retry_limit_value, bool):
                retry_limit = retry_limit_value
                if retry_limit < 0:
                    r.error(
                        node.pointer + "/retryLimit", f"'retryLimit' of {what} must not be negative"
                    )
            else:
                r.error(node.pointer + "/retryLimit", f"'retryLimit' of {what} must be an integer")
        if name is None or action_type is None:
            return None
        return Action(
            name=name,
            type=action_type,
            kind=kind,
            pointer=node.pointer,
            workflow_id=workflow_id,
            step_id=step_id,
            retry_after=retry_after,
            retry_limit=retry_limit,
            criteria=self.criteria(node, "criteria", what),
            parameters=self.parameters(node, what),
        )

    def outputs(self, node: Node, what: str) -> tuple[OutputMapping, ...]:
        result: list[OutputMapping] = []
        for name, item in self.r.entries(node, "outputs", what):
            if not re.fullmatch(r"[A-Za-z0-9.\-_]+", name):
                self.r.diagnostics.dialect(
                    self.r.location(item.pointer, key=True),
                    f"output name '{name}' of {what} may use only letters, digits, "
                    "'.', '-' and '_' (accepted as written; the standard form renames it)",
                )
            result.append(OutputMapping(name, item.value, item.pointer))
        return tuple(result)

    def components(self, root: Node) -> Components:
        r = self.r
        if "components" not in root.value:
            return Components()
        node = r.child(root, "components")
        if r.mapping(node, "'components'") is None:
            return Components()
        r.check_fields(
            node, "'components'", ["inputs", "parameters", "successActions", "failureActions"]
        )
        inputs = dict(r.entries(node, "inputs", "'components'"))
        parameters: dict[str, Parameter] = {}
        for name, item in r.entries(node, "parameters", "'components'"):
            parameter = self.parameter(item, "'components'")
            if isinstance(parameter, Parameter):
                parameters[name] = parameter
            elif isinstance(parameter, Reusable):
                r.error(item.pointer, "a reusable parameter must not itself be a reference")
        success: dict[str, Action] = {}
        for name, item in r.entries(node, "successActions", "'components'"):
            action = self.action(item, "success")
            if isinstance(action, Action):
                success[name] = action
        failure: dict[str, Action] = {}
        for name, item in r.entries(node, "failureActions", "'components'"):
            action = self.action(item, "failure")
            if isinstance(action, Action):
                failure[name] = action
        return Components(inputs, parameters, success, failure)
