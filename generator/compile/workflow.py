"""Compiling one Arazzo workflow into the IR: inputs and outputs dataclasses, steps, sources."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any, Literal

from generator import ir
from generator.compile.reach import skippable_steps
from generator.compile.readings import (
    constant_output,
    operation_parameters_left_out,
    path_parameter_as_written,
    x_operation_target,
)
from generator.compile.scope import Scope
from generator.compile.security import SecurityReader, slot
from generator.compile.targets import OperationFinder
from generator.compile.values import ValueReader
from generator.compile.valuetypes import value_type
from generator.criteria import (
    check_jsonpath,
    check_regex,
    check_xpath,
    read_jsonpath_comparison,
)
from generator.datamodels import ModelRegistry
from generator.diagnostics import Diagnostics, Location
from generator.expressions import ast
from generator.expressions.dialects import repair_condition
from generator.expressions.parser import ExpressionSyntaxError, parse_condition
from generator.expressions.walk import condition_expressions
from generator.fakes.contract import operation_contract
from generator.load.refs import DocumentSet, Resolved
from generator.load.source import pointer_join
from generator.model import arazzo as model
from generator.model.openapi import Operation
from generator.names import NameScope
from generator.secrets import is_secret
from generator.serialization import header_name_problem, header_value_problem, validate_style
from generator.types import ANY, PyType, SchemaTypes

_EXTERNAL_WORKFLOW = re.compile(r"^\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.(.+)$")

# Compiles a workflow of another Arazzo document: (source name, workflow id, where) -> IR.
ExternalWorkflows = Callable[[str, str, Location], "ir.Workflow | None"]

# Every name templates/workflows.py.jinja binds in a workflow function: its parameters, then
# its own locals (the run, the client, the step loop's state, the request and response). The
# module scope reserves them, so that no generated name shadows them.
FUNCTION_LOCALS = (
    "inputs",
    "credentials",
    "auth",
    "client",
    "base_url",
    "base_urls",
    "timeout",
    "on_response",
    "max_steps",
    "poll_interval",
    "run",
    "http",
    "step",
    "request",
    "response",
)
CLASS_BODY_NAMES = (
    "str",
    "int",
    "float",
    "bool",
    "list",
    "dict",
    "Any",
    "ClassVar",
    "dataclasses",
    "frozenset",
    "_runtime",
)
_JSON_MEDIA = ("application/json",)
_FORM_MEDIA = "application/x-www-form-urlencoded"


def _is_json(media_type: str) -> bool:
    base = media_type.split(";")[0].strip().lower()
    return base in _JSON_MEDIA or base.endswith("+json") or base.endswith("/json")


class WorkflowCompiler:
    def __init__(
        self,
        arazzo: model.ArazzoDocument,
        documents: DocumentSet,
        finder: OperationFinder,
        sources: dict[str, ir.Source],
        module_scope: NameScope,
        diagnostics: Diagnostics,
        external: ExternalWorkflows | None = None,
        models: ModelRegistry | None = None,
    ) -> None:
        self.arazzo = arazzo
        self.external = external
        self.document = arazzo.document
        self.documents = documents
        self.finder = finder
        self.sources = sources
        self.module_scope = module_scope
        self.diagnostics = diagnostics
        self.values = ValueReader(
            arazzo.document,
            diagnostics,
            {s.name: s.url for s in arazzo.source_descriptions},
            dict(arazzo.components.parameters),
            arazzo.self_uri,
        )
        self.types = SchemaTypes(documents, models)
        self.security = SecurityReader(documents, diagnostics)
        self.compiled: dict[str, ir.Workflow] = {}
        self.failed_workflows: set[str] = set()
        self.current_workflow: str | None = None

    def error(self, pointer: str, message: str) -> None:
        self.diagnostics.error(self.document.location(pointer), message)

    def warning(self, pointer: str, message: str) -> None:
        self.diagnostics.warning(self.document.location(pointer), message)

    # ---- the workflow -----------------------------------------------------------------------

    def compile(self, workflow: model.Workflow) -> ir.Workflow | None:
        self.current_workflow = workflow.workflow_id
        compiled = self._compile(workflow)
        if compiled is None:
            self.failed_workflows.add(workflow.workflow_id)
        return compiled

    def _compile(self, workflow: model.Workflow) -> ir.Workflow | None:
        errors_before = self.diagnostics.error_count
        function_name = self.module_scope.allocate(workflow.workflow_id)
        sync_name = self.module_scope.allocate(f"{function_name}_sync")
        inputs = self.inputs(
            workflow, self.module_scope.allocate(f"{workflow.workflow_id} Inputs", style="pascal")
        )
        outputs_class = self.module_scope.allocate(
            f"{workflow.workflow_id} Outputs", style="pascal"
        )
        local_names = self.module_scope.child()
        dependencies = self.dependencies(workflow, inputs, local_names)
        workflows = {call.workflow_id: call for call in dependencies}
        steps: dict[str, ir.Step] = {}
        used_sources: dict[str, ir.Source] = {}
        all_ids = frozenset(step.step_id for step in workflow.steps)
        failed: set[str] = set()
        for step in workflow.steps:
            scope = Scope(
                inputs,
                dict(steps),
                all_ids - set(steps) - failed - {step.step_id},
                frozenset(failed),
                step.step_id,
                workflows=dict(workflows),
            )
            compiled = self.step(workflow, step, scope, local_names, used_sources, all_ids)
            if compiled is None:
                failed.add(step.step_id)
                continue
            steps[step.step_id] = compiled
            if isinstance(compiled.call, ir.WorkflowCall):
                workflows[compiled.call.workflow_id] = compiled.call
        final_scope = Scope(inputs, steps, failed_steps=frozenset(failed), workflows=workflows)
        outputs, output_values = self.outputs(workflow, outputs_class, final_scope)
        if self.diagnostics.error_count > errors_before:
            return None
        security = [
            s.call.security
            for s in steps.values()
            if isinstance(s.call, ir.OperationCall) and s.call.security is not None
        ]
        for call in (*dependencies, *self.workflow_calls(steps.values())):
            for source in call.sources:
                used_sources.setdefault(source.name, source)
            security.extend(call.security)
        compiled_workflow = ir.Workflow(
            workflow_id=workflow.workflow_id,
            function_name=function_name,
            summary=workflow.summary,
            description=workflow.description,
            inputs=inputs,
            outputs=outputs,
            output_values=output_values,
            sources=tuple(sorted(used_sources.values(), key=lambda s: s.name)),
            steps=tuple(steps.values()),
            dependencies=dependencies,
            location=self.document.location(workflow.pointer + "/workflowId"),
            sync_name=sync_name,
            security=tuple(dict.fromkeys(security)),
        )
        self.compiled[workflow.workflow_id] = compiled_workflow
        return compiled_workflow

    @staticmethod
    def workflow_calls(steps: Iterable[ir.Step]) -> list[ir.WorkflowCall]:
        calls: list[ir.WorkflowCall] = []
        for step in steps:
            if isinstance(step.call, ir.WorkflowCall):
                calls.append(step.call)
            calls.extend(a.workflow for a in (*step.on_success, *step.on_failure) if a.workflow)
        return calls

    def dependencies(
        self, workflow: model.Workflow, inputs: ir.DataclassSpec, local_names: NameScope
    ) -> tuple[ir.WorkflowCall, ...]:
        """The workflows listed in `dependsOn`, run first with the inputs of the same names."""
        calls: list[ir.WorkflowCall] = []
        for index, workflow_id in enumerate(workflow.depends_on):
            pointer = pointer_join(pointer_join(workflow.pointer, "dependsOn"), index)
            call = self.workflow_call(
                workflow_id, (), pointer, Scope(inputs), local_names, implicit_inputs=True
            )
            if call is not None:
                calls.append(call)
        return tuple(calls)

    def workflow_call(
        self,
        workflow_id: str,
        parameters: Sequence[model.Parameter | model.Reusable],
        pointer: str,
        scope: Scope,
        local_names: NameScope,
        *,
        implicit_inputs: bool,
    ) -> ir.WorkflowCall | None:
        """A call of another workflow of this document. Parameters name its inputs; with
        `implicit_inputs`, inputs of the same name in the calling workflow are passed too."""
        external = _EXTERNAL_WORKFLOW.match(workflow_id)
        if external is not None:
            if self.external is None:
                return None
            source_name, external_id = external.group(1), external.group(2)
            if external_id.startswith("workflows."):
                self.diagnostics.dialect(
                    self.document.location(pointer),
                    f"'{workflow_id}' names the workflow with a 'workflows.' prefix; read as "
                    f"'$sourceDescriptions.{source_name}.{external_id.removeprefix('workflows.')}'",
                )
                external_id = external_id.removeprefix("workflows.")
            target = self.external(source_name, external_id, self.document.location(pointer))
            if target is None:
                return None
        else:
            target = self.compiled.get(workflow_id)
        if target is None:
            known = [w.workflow_id for w in self.arazzo.workflows]
            if workflow_id in self.failed_workflows:
                pass  # its own errors are reported
            elif workflow_id == self.current_workflow:
                self.error(pointer, f"workflow '{workflow_id}' calls itself")
            elif workflow_id in known:
                self.error(
                    pointer,
                    f"workflows '{self.current_workflow}' and '{workflow_id}' call each other "
                    "in a cycle",
                )
            else:
                close = difflib.get_close_matches(workflow_id, known, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.error(pointer, f"unknown workflow '{workflow_id}'{hint}")
            return None
        arguments: dict[str, tuple[ir.Field, ir.Value]] = {}
        ok = True
        for raw in parameters:
            parameter = self.resolve_parameter(raw)
            if parameter is None:
                ok = False
                continue
            target_field = target.inputs.field_named(parameter.name)
            if target_field is None:
                known_inputs = ", ".join(f.wire_name for f in target.inputs.fields) or "none"
                self.error(
                    parameter.pointer + "/name",
                    f"workflow '{workflow_id}' has no input '{parameter.name}' "
                    f"(its inputs: {known_inputs})",
                )
                ok = False
                continue
            value = self.values.value(parameter.value, parameter.pointer + "/value", scope)
            if value is None:
                ok = False
                continue
            arguments[target_field.name] = (target_field, value)
        for target_field in target.inputs.fields:
            if target_field.name in arguments:
                continue
            own = scope.inputs.field_named(target_field.wire_name)
            if implicit_inputs and own is not None:
                value = ir.ExpressionValue(ast.InputRef(target_field.wire_name))
                arguments[target_field.name] = (target_field, value)
            elif not target_field.has_default:
                self.error(
                    pointer,
                    f"workflow '{workflow_id}' needs its input '{target_field.wire_name}'; "
                    "pass it as a parameter",
                )
                ok = False
        if not ok:
            return None
        return ir.WorkflowCall(
            workflow_id=target.workflow_id,
            function_name=target.function_name,
            inputs=target.inputs,
            outputs=target.outputs,
            arguments=tuple(arguments.values()),
            local=local_names.allocate(f"{target.workflow_id} outputs"),
            sources=target.sources,
            security=target.security,
        )

    # ---- inputs ----------------------------------------------------------------------------

    def inputs(self, workflow: model.Workflow, class_name: str) -> ir.DataclassSpec:
        docstring = f"Inputs of the '{workflow.workflow_id}' workflow."
        if workflow.inputs is None:
            return ir.DataclassSpec(class_name, docstring, ())
        schema = self.documents.deref(self.document, workflow.inputs.pointer, workflow.inputs.value)
        if schema is None or not isinstance(schema.value, dict):
            return ir.DataclassSpec(class_name, docstring, ())
        value = schema.value
        if value.get("type", "object") != "object":
            self.error(
                workflow.inputs.pointer, "workflow 'inputs' must be a JSON Schema of type object"
            )
            return ir.DataclassSpec(class_name, docstring, ())
        raw_properties = value.get("properties")
        properties: dict[str, Any] = raw_properties if isinstance(raw_properties, dict) else {}
        raw_required = value.get("required")
        required: list[str] = []
        for index, name in enumerate(raw_required if isinstance(raw_required, list) else []):
            item_pointer = pointer_join(pointer_join(schema.pointer, "required"), str(index))
            if not isinstance(name, str):
                self.error(item_pointer, "each name in 'required' must be a string")
            elif name not in properties:
                self.error(
                    item_pointer, f"required input '{name}' is not among the schema's properties"
                )
            else:
                required.append(name)
        field_names = NameScope(reserved=CLASS_BODY_NAMES)
        fields: list[ir.Field] = []
        for name, raw in properties.items():
            pointer = pointer_join(pointer_join(schema.pointer, "properties"), name)
            prop = self.documents.deref(schema.document, pointer, raw)
            prop_value: Any = prop.value if prop is not None else {}
            py_type = self.types.type_of(prop)
            has_default = isinstance(prop_value, dict) and "default" in prop_value
            is_required = name in required
            default = prop_value.get("default") if has_default else None
            if not is_required and not has_default and py_type.optional:
                # The schema allows null: None is sent as null, UNSET (the default) not at all.
                py_type, default = replace(py_type, unset=True), ir.UNSET
            if not is_required and (not has_default or default is None):
                py_type = py_type.as_optional()
            description = prop_value.get("description") if isinstance(prop_value, dict) else None
            fields.append(
                ir.Field(
                    name=field_names.allocate(name),
                    wire_name=name,
                    type=py_type,
                    required=is_required and not has_default,
                    has_default=has_default or not is_required,
                    default=default,
                    description=description if isinstance(description, str) else None,
                    secret=is_secret(name, prop_value),
                    location=schema.document.location(pointer, key=True),
                )
            )
        ordered = [f for f in fields if not f.has_default] + [f for f in fields if f.has_default]
        return ir.DataclassSpec(class_name, docstring, tuple(ordered))

    # ---- steps -----------------------------------------------------------------------------

    def step(
        self,
        workflow: model.Workflow,
        step: model.Step,
        scope: Scope,
        local_names: NameScope,
        used_sources: dict[str, ir.Source],
        all_ids: frozenset[str],
    ) -> ir.Step | None:
        call: ir.OperationCall | ir.WorkflowCall | None
        operation: Operation | None = None
        if step.workflow_id is not None:
            call = self.workflow_step_call(workflow, step, scope, local_names)
        else:
            target = "/operationId" if step.operation_id is not None else "/operationPath"
            if step.x_operation is not None:
                operation = x_operation_target(
                    step, self.document, self.sources, self.module_scope, self.diagnostics
                )
            else:
                operation = self.finder.find(step, self.document.location(step.pointer + target))
            call = None
            if operation is not None:
                call = self.operation_call(workflow, step, operation, scope, used_sources)
        self.check_step_order(step, scope)
        called = call if isinstance(call, ir.WorkflowCall) else None
        request = call if isinstance(call, ir.OperationCall) else None
        response_scope = replace(scope.after_response(), called=called, request=request)
        # Criteria and outputs are checked even when the call has errors, so that every
        # problem of the step is reported at once.
        criteria = self.criteria(step.success_criteria, response_scope)
        if call is None and step.workflow_id is not None:
            return None  # its outputs read the called workflow's, unknown after its errors
        outputs = self.step_outputs(step, operation, criteria, response_scope, local_names)
        if call is None or outputs is None or criteria is None:
            return None
        compiled = ir.Step(
            step_id=step.step_id,
            description=step.description,
            call=call,
            criteria=criteria,
            outputs=outputs,
        )
        with_self = replace(response_scope, steps={**scope.steps, step.step_id: compiled})
        on_success = self.actions(
            step.on_success, workflow.success_actions, with_self, local_names, all_ids
        )
        on_failure = self.actions(
            step.on_failure, workflow.failure_actions, response_scope, local_names, all_ids
        )
        if on_success is None or on_failure is None:
            return None
        return replace(compiled, on_success=on_success, on_failure=on_failure)

    def check_step_order(self, step: model.Step, scope: Scope) -> None:
        """Arazzo 1.1 step `dependsOn`: steps run in document order, so a step may depend only
        on steps before it (dependencies on other workflows' steps only order, as here)."""
        for index, dependency in enumerate(step.depends_on):
            if dependency.startswith("$"):
                continue
            pointer = pointer_join(pointer_join(step.pointer, "dependsOn"), index)
            if dependency in scope.later_steps:
                self.error(
                    pointer,
                    f"step '{step.step_id}' depends on '{dependency}', which comes after it; "
                    "move it before",
                )
            elif dependency not in scope.steps and dependency not in scope.failed_steps:
                self.error(
                    pointer, f"step '{step.step_id}' depends on an unknown step '{dependency}'"
                )

    def operation_call(
        self,
        workflow: model.Workflow,
        step: model.Step,
        operation: Operation,
        scope: Scope,
        used_sources: dict[str, ir.Source],
    ) -> ir.OperationCall | None:
        source = self.sources[operation.source]
        used_sources.setdefault(source.name, source)
        parameters = self.parameters(workflow, step, operation, scope)
        body = self.request_body(step, operation, scope)
        if parameters is None:
            return None
        description = self.finder.sources.get(operation.source)  # None: an x-operation step
        security = None
        if description is not None:
            security = self.security.step_security(
                workflow.workflow_id, step.step_id, source.name, description, operation, parameters
            )
        given = self.security.x_security(
            self.document,
            (workflow.pointer, step.pointer),
            source.name,
            description,
            lambda raw, pointer: self.values.value(raw, pointer, scope),
        )
        if given is None:
            return None
        if security is not None and given:
            filled = frozenset(slot(g.scheme) for g in given)
            security = replace(security, explicit=security.explicit | filled)
        return ir.OperationCall(
            security=security,
            given=given,
            timeout=step.timeout / 1000 if step.timeout is not None else None,
            source=source,
            operation_id=operation.operation_id,
            method=operation.method,
            path=operation.path,
            path_parameters=tuple(p for p in parameters if p.location == "path"),
            parameters=tuple(p for p in parameters if p.location != "path"),
            body=body,
            contract=(
                operation_contract(operation, self.documents, description.document)
                if description is not None
                else None
            ),
        )

    def workflow_step_call(
        self, workflow: model.Workflow, step: model.Step, scope: Scope, local_names: NameScope
    ) -> ir.WorkflowCall | None:
        assert step.workflow_id is not None
        if step.request_body is not None:
            self.error(
                step.pointer + "/requestBody",
                f"step '{step.step_id}' calls a workflow, which takes parameters, "
                "not a requestBody",
            )
            return None
        parameters = [
            *operation_parameters_left_out(workflow, step, self.values.dialect),
            *step.parameters,
        ]
        return self.workflow_call(
            step.workflow_id,
            parameters,
            step.pointer + "/workflowId",
            scope,
            local_names,
            implicit_inputs=False,
        )

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
            ("$components.successActions.", self.arazzo.components.success_actions),
            ("$components.failureActions.", self.arazzo.components.failure_actions),
        ):
            if action.reference.startswith(prefix):
                found = table.get(action.reference[len(prefix) :])
                if found is None:
                    self.error(
                        action.pointer + "/reference", f"unknown component '{action.reference}'"
                    )
                return found
        self.error(
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
        criteria = self.criteria(action.criteria, scope)
        if criteria is None:
            return None
        if action.step_id is not None and action.step_id not in all_ids:
            close = difflib.get_close_matches(action.step_id, sorted(all_ids), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.error(
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

    def resolve_parameter(
        self, parameter: model.Parameter | model.Reusable
    ) -> model.Parameter | None:
        if isinstance(parameter, model.Parameter):
            return parameter
        prefix = "$components.parameters."
        if not parameter.reference.startswith(prefix):
            self.error(
                parameter.pointer + "/reference",
                f"'{parameter.reference}' is not a reference to a reusable parameter "
                f"('{prefix}<name>')",
            )
            return None
        name = parameter.reference[len(prefix) :]
        found = self.arazzo.components.parameters.get(name)
        if found is None:
            self.error(parameter.pointer + "/reference", f"unknown component parameter '{name}'")
            return None
        if parameter.has_value:
            return model.Parameter(found.name, found.location, parameter.value, parameter.pointer)
        return found

    def parameters(
        self, workflow: model.Workflow, step: model.Step, operation: Operation, scope: Scope
    ) -> list[ir.RequestParameter] | None:
        merged: dict[tuple[str, str | None], model.Parameter] = {}
        for raw in (*workflow.parameters, *step.parameters):
            parameter = self.resolve_parameter(raw)
            if parameter is not None:
                merged[(parameter.name, parameter.location)] = parameter
        result: list[ir.RequestParameter] = []
        ok = True
        reported = {name for (name, _location) in merged}
        for parameter in merged.values():
            if parameter.location == "path" and "{" + parameter.name + "}" not in operation.path:
                parameter = self.path_parameter_as_written(parameter, operation.path, merged)
            if parameter.location is None:
                self.error(
                    parameter.pointer,
                    f"parameter '{parameter.name}' needs 'in' (path, query, header or cookie) "
                    "because the step calls an operation",
                )
                ok = False
                continue
            if parameter.location == "querystring" and any(
                p.location == "query" for p in merged.values()
            ):
                self.error(
                    parameter.pointer + "/in",
                    "an 'in: querystring' parameter is the whole query string; it cannot be "
                    "combined with 'in: query' parameters",
                )
                ok = False
                continue
            if parameter.location == "path" and "{" + parameter.name + "}" not in operation.path:
                self.error(
                    parameter.pointer + "/name",
                    f"path parameter '{parameter.name}' does not appear in the path "
                    f"'{operation.path}'",
                )
                ok = False
                continue
            value = self.values.value(parameter.value, parameter.pointer + "/value", scope)
            declared = operation.parameter(parameter.name, parameter.location)
            if parameter.location == "querystring":
                if value is not None:
                    result.append(ir.RequestParameter(parameter.name, "querystring", value))
                else:
                    ok = False
                continue
            serialization = validate_style(
                parameter.location,
                declared.style if declared else None,
                declared.explode if declared else None,
            )
            if isinstance(serialization, str):
                self.error(parameter.pointer, f"parameter '{parameter.name}': {serialization}")
                ok = False
                continue
            if value is None or (
                parameter.location == "header" and not self.sendable_header(parameter, value)
            ):
                ok = False
                continue
            style, explode = serialization
            json_content = declared is not None and declared.json_content
            result.append(
                ir.RequestParameter(
                    parameter.name, parameter.location, value, style, explode, json_content
                )
            )
        given = {(p.name, p.location) for p in result}
        for declared in operation.parameters:
            if declared.name in reported and (declared.name, declared.location) not in given:
                continue  # the step gives it, with an error reported above
            if declared.location == "path" and (declared.name, "path") not in given:
                self.error(
                    step.pointer,
                    f"step '{step.step_id}' gives no value for the path parameter "
                    f"'{declared.name}' "
                    f"of {operation.method} {operation.path}",
                )
                ok = False
            elif (
                declared.required
                and (declared.name, declared.location) not in given
                # OpenAPI: header parameters with these names SHALL be ignored
                and not (
                    declared.location == "header"
                    and declared.name.lower() in ("accept", "content-type", "authorization")
                )
            ):
                self.warning(
                    step.pointer,
                    f"step '{step.step_id}' gives no value for the required {declared.location} "
                    f"parameter '{declared.name}' of {operation.method} {operation.path}",
                )
        return result if ok else None

    def path_parameter_as_written(
        self, parameter: model.Parameter, path: str, given: dict[Any, model.Parameter]
    ) -> model.Parameter:
        """A path parameter named like a template parameter but for case or `_`/camelCase
        (`pet_id` for `{petId}`): that template parameter, with a warning."""
        template_name = path_parameter_as_written(parameter.name, path)
        if template_name is None or (template_name, "path") in given:
            return parameter
        self.values.dialect(
            parameter.pointer + "/name",
            f"path parameter '{parameter.name}' does not appear in the path '{path}'; read as "
            f"'{template_name}' (the standard form uses the template's name exactly)",
        )
        return replace(parameter, name=template_name)

    def sendable_header(self, parameter: model.Parameter, value: ir.Value) -> bool:
        """Whether HTTP can carry a header's name and the text its value holds literally
        (values read at run time are checked when the request is built)."""
        problem = header_name_problem(parameter.name)
        if problem is not None:
            self.error(parameter.pointer + "/name", problem)
            return False
        for text in _literal_texts(value):
            problem = header_value_problem(parameter.name, text)
            if problem is not None:
                self.error(parameter.pointer + "/value", problem)
                return False
        return True

    def request_body(
        self, step: model.Step, operation: Operation, scope: Scope
    ) -> ir.RequestBody | None:
        body = step.request_body
        if body is None or not body.has_payload:
            return None
        content_type = body.content_type or self._operation_content_type(operation)
        if content_type is None:
            content_type = "application/json" if not isinstance(body.payload, str) else "text/plain"
        payload = self.values.value(body.payload, body.pointer + "/payload", scope)
        if payload is None:
            return None
        base = content_type.split(";")[0].strip().lower()
        encoding: ir.BodyEncoding = "text"
        if _is_json(base):
            encoding = "json"
        elif base in (_FORM_MEDIA, "multipart/form-data"):
            encoding = "form" if base == _FORM_MEDIA else "multipart"
            if isinstance(payload, (ir.ArrayValue, ir.TemplateValue)) or (
                isinstance(payload, ir.LiteralValue) and not isinstance(payload.value, dict)
            ):
                if isinstance(payload, (ir.TemplateValue, ir.LiteralValue)) and base == _FORM_MEDIA:
                    encoding = "text"  # an already encoded form string, sent as written
                else:
                    self.error(
                        body.pointer + "/payload",
                        f"a '{base}' payload must be an object of field names to values",
                    )
                    return None
        elif base.startswith("multipart/"):
            self.error(
                body.pointer + "/contentType", f"'{content_type}' bodies are not supported yet"
            )
            return None
        elif isinstance(payload, (ir.ObjectValue, ir.ArrayValue)):
            self.error(
                body.pointer + "/payload",
                f"a '{content_type}' payload must be a string, not a structure",
            )
            return None
        replacements = self.replacements(body, encoding, base, scope)
        if replacements is None:
            return None
        return ir.RequestBody(content_type, encoding, payload, replacements)

    def replacements(
        self, body: model.RequestBody, encoding: ir.BodyEncoding, media: str, scope: Scope
    ) -> tuple[ir.Replacement, ...] | None:
        """Payload replacements: JSON pointers into structured payloads, XPath into XML."""
        is_xml = media.endswith("/xml") or media.endswith("+xml")
        result: list[ir.Replacement] = []
        ok = True
        for replacement in body.replacements:
            value = self.values.value(replacement.value, replacement.pointer + "/value", scope)
            kind: Literal["pointer", "xpath"] = "xpath" if is_xml else "pointer"
            target = replacement.target
            if kind == "pointer" and target and not target.startswith("/"):
                self.error(
                    replacement.pointer + "/target",
                    f"replacement target '{target}' must be a JSON pointer (starting with '/') "
                    "for a structured payload",
                )
                ok = False
                continue
            if encoding == "text" and not is_xml:
                self.error(
                    replacement.pointer,
                    f"replacements need a JSON, form or XML payload, not '{media}'",
                )
                ok = False
                continue
            if value is None:
                ok = False
                continue
            result.append(ir.Replacement(target, kind, value))
        return tuple(result) if ok else None

    @staticmethod
    def _operation_content_type(operation: Operation) -> str | None:
        body = operation.request_body
        if body is None or not isinstance(body.value, dict):
            return None
        content = body.value.get("content")
        if isinstance(content, dict) and content:
            return str(next(iter(content)))
        return None

    def criteria(
        self, criteria: tuple[model.Criterion, ...], scope: Scope
    ) -> tuple[ir.Criterion, ...] | None:
        result: list[ir.Criterion] = []
        ok = True
        for criterion in criteria:
            pointer = criterion.pointer + "/condition"
            if criterion.type != "simple":
                compiled = self.typed_criterion(criterion, scope)
                if compiled is None:
                    ok = False
                else:
                    result.append(compiled)
                continue
            condition = self.simple_condition(criterion.condition, pointer)
            if condition is None:
                ok = False
                continue
            checks = [
                self.values.check(e, pointer, scope) for e in condition_expressions(condition)
            ]
            if all(checks):  # every expression checked, so that each problem is reported
                result.append(ir.Criterion(criterion.condition, condition))
            else:
                ok = False
        return tuple(result) if ok else None

    def simple_condition(self, text: str, pointer: str) -> ast.Condition | None:
        try:
            return parse_condition(text)
        except ExpressionSyntaxError as exc:
            repaired = repair_condition(text)
            if repaired is not None:
                try:
                    condition = parse_condition(repaired)
                except ExpressionSyntaxError:
                    pass
                else:
                    self.diagnostics.dialect(
                        self.document.location(pointer),
                        f"non-standard condition '{text}'; read as '{repaired}'",
                    )
                    return condition
            self.error(pointer, f"invalid condition '{text}': {exc.message}")
            return None

    def typed_criterion(self, criterion: model.Criterion, scope: Scope) -> ir.Criterion | None:
        """A regex, jsonpath or xpath criterion: its context checked, its condition validated."""
        kind = criterion.type if isinstance(criterion.type, str) else criterion.type.type
        version = None if isinstance(criterion.type, str) else criterion.type.version
        pointer = criterion.pointer + "/condition"
        if criterion.context is None:
            return None
        whole = self.whole_context(criterion.context, criterion.pointer + "/context", scope)
        context = (
            None
            if whole is not None
            else self.values.expression(criterion.context, criterion.pointer + "/context", scope)
        )
        condition = criterion.condition
        externals: tuple[tuple[str, ast.Expression], ...] = ()
        problem: str | None
        if kind == "regex":
            problem = check_regex(condition)
        elif kind == "xpath":
            problem = check_xpath(condition, version)
        elif kind == "jsonpath":
            problem = check_jsonpath(condition, version)
            if problem is not None:
                read = read_jsonpath_comparison(condition, version, problem)
                if isinstance(read, str):
                    problem = read
                else:
                    self.diagnostics.dialect(self.document.location(pointer), read.message)
                    checked = self.criterion_externals(read.externals, pointer, scope)
                    if checked is None:
                        return None
                    condition, problem, externals = read.query, None, checked
        else:
            problem = f"criterion type '{kind}' cannot be evaluated here"
        if problem is not None:
            self.error(pointer, f"invalid {kind} condition '{criterion.condition}': {problem}")
            return None
        if context is None and whole is None:
            return None
        typed: Literal["regex", "jsonpath", "xpath"] = (
            "regex" if kind == "regex" else "xpath" if kind == "xpath" else "jsonpath"
        )
        return ir.Criterion(condition, None, typed, context, version, externals, whole)

    def whole_context(self, text: str, pointer: str, scope: Scope) -> ir.Value | None:
        """`$inputs` or `$steps.<id>.outputs` used whole as a context (a dialect): the object
        of the workflow's inputs or of the step's outputs, each by its document name."""
        step = _WHOLE_STEP_OUTPUTS.fullmatch(text.strip())
        if text.strip() == "$inputs":
            items = tuple(
                (f.wire_name, ir.ExpressionValue(ast.InputRef(f.wire_name)))
                for f in scope.inputs.fields
            )
            what = "the object of the workflow's inputs"
            standard = "$inputs.<name>"
        elif step is not None and step.group(1) in scope.steps:
            step_id = step.group(1)
            items = tuple(
                (o.name, ir.ExpressionValue(ast.StepRef(step_id, o.name)))
                for o in scope.steps[step_id].outputs
            )
            what = f"the object of step '{step_id}''s outputs"
            standard = f"$steps.{step_id}.outputs.<name>"
        else:
            return None
        self.diagnostics.dialect(
            self.document.location(pointer),
            f"'{text}' used whole as a context; read as {what} (absent values left out); the "
            f"standard form names one value: '{standard}'",
        )
        return ir.ObjectValue(items)

    def criterion_externals(
        self, texts: tuple[str, ...], pointer: str, scope: Scope
    ) -> tuple[tuple[str, ast.Expression], ...] | None:
        """The runtime expressions a JSONPath comparison compares with, checked."""
        result = []
        for text in texts:
            expression = self.values.expression(text, pointer, scope)
            if expression is None:
                return None
            result.append((text, expression))
        return tuple(result)

    def step_outputs(
        self,
        step: model.Step,
        operation: Operation | None,
        criteria: tuple[ir.Criterion, ...] | None,
        scope: Scope,
        local_names: NameScope,
    ) -> tuple[ir.StepOutput, ...] | None:
        status = success_status(criteria or ())
        schema = self.response_schema(operation, status) if operation is not None else None

        def body_type(pointer: str) -> PyType:
            if schema is None:
                return ANY
            found, guaranteed = self.types.at_pointer(schema, pointer)
            if found is None:
                return ANY
            return self.types.type_of(found).as_optional(not guaranteed)

        def body_secret(pointer: str, name: str) -> bool:
            found, _ = self.types.at_pointer(schema, pointer) if schema else (None, False)
            return is_secret(name, found.value if found is not None else None)

        result: list[ir.StepOutput] = []
        ok = True
        for output in step.outputs:
            constant = constant_output(output, self.diagnostics, self.document)
            if constant is not None:
                local = local_names.allocate(output.name, fallback_prefix=step.step_id)
                py_type = value_type(constant, scope)
                result.append(ir.StepOutput(output.name, local, None, py_type, False, constant))
                continue
            if not isinstance(output.value, str):
                self.error(output.pointer, f"output '{output.name}' must be a runtime expression")
                ok = False
                continue
            expression = self.values.expression(output.value, output.pointer, scope)
            if expression is None:
                ok = False
                continue
            if isinstance(expression, ast.MessageRef) and expression.source == "body" and schema:
                problem = self.types.array_index_problem(schema, expression.pointer or "")
                if problem is not None:
                    self.error(output.pointer, f"output '{output.name}': {problem}")
                    ok = False
                    continue
            py_type = value_type(ir.ExpressionValue(expression), scope, body_type)
            secret = is_secret(output.name) or self.secret_source(expression, scope)
            if isinstance(expression, ast.MessageRef) and expression.source == "body":
                secret = secret or body_secret(expression.pointer or "", output.name)
            local = local_names.allocate(output.name, fallback_prefix=step.step_id)
            result.append(ir.StepOutput(output.name, local, expression, py_type, secret))
        return tuple(result) if ok else None

    def response_schema(self, operation: Operation, status: int | None) -> Resolved | None:
        codes = sorted(operation.responses)
        preferred = [str(status)] if status is not None else []
        preferred += [c for c in codes if c.startswith("2") and c.isdigit()]
        preferred += [c for c in codes if c.upper() == "2XX"] + ["default"]
        for code in preferred:
            response = operation.responses.get(code)
            if response is None or not isinstance(response.value, dict):
                continue
            content = response.value.get("content")
            if not isinstance(content, dict):
                continue
            for media, entry in content.items():
                if (
                    _is_json(str(media))
                    and isinstance(entry, dict)
                    and isinstance(entry.get("schema"), dict)
                ):
                    pointer = pointer_join(
                        pointer_join(pointer_join(response.pointer, "content"), str(media)),
                        "schema",
                    )
                    return Resolved(response.document, pointer, entry["schema"])
            return None
        return None

    @staticmethod
    def secret_source(expression: ast.Expression, scope: Scope) -> bool:
        match expression:
            case ast.InputRef(name=name):
                input_field = scope.inputs.field_named(name)
                return input_field is not None and input_field.secret
            case ast.StepRef(step_id=step_id, name=name):
                step = scope.steps.get(step_id)
                output = step.output_named(name) if step else None
                return output is not None and output.secret
            case ast.OutputRef(name=name) if scope.called is not None:
                called_field = scope.called.outputs.field_named(name)
                return called_field is not None and called_field.secret
            case ast.WorkflowRef(workflow_id=workflow_id, field="outputs", name=name):
                call = scope.workflows.get(workflow_id)
                found = call.outputs.field_named(name) if call is not None else None
                return found is not None and found.secret
            case _:
                return False

    # ---- workflow outputs ------------------------------------------------------------------

    def outputs(
        self, workflow: model.Workflow, class_name: str, scope: Scope
    ) -> tuple[ir.DataclassSpec, tuple[ir.WorkflowOutput, ...]]:
        field_names = NameScope(reserved=CLASS_BODY_NAMES)
        values: list[ir.WorkflowOutput] = []
        skippable = skippable_steps(tuple(scope.steps.values()))
        for output in workflow.outputs:
            value = self.values.value(output.value, output.pointer, scope)
            if value is None:
                continue
            py_type = value_type(value, scope)
            skipped = None
            match value:
                case ir.ExpressionValue(expression=ast.StepRef(step_id=step_id)) if (
                    step_id in skippable
                ):
                    skipped, py_type = step_id, py_type.as_optional()
            secret = is_secret(output.name) or self.value_secret(value, scope)
            field = ir.Field(
                name=field_names.allocate(output.name),
                wire_name=output.name,
                type=py_type,
                required=not py_type.optional,
                has_default=py_type.optional,
                secret=secret,
                location=self.document.location(output.pointer, key=True),
            )
            values.append(ir.WorkflowOutput(field, value, skipped))
        ordered = [v for v in values if not v.field.has_default] + [
            v for v in values if v.field.has_default
        ]
        spec = ir.DataclassSpec(
            class_name,
            f"Outputs of the '{workflow.workflow_id}' workflow.",
            tuple(v.field for v in ordered),
        )
        return spec, tuple(values)

    def value_secret(self, value: ir.Value, scope: Scope) -> bool:
        match value:
            case ir.ExpressionValue(expression=expression):
                return self.secret_source(expression, scope)
            case ir.TemplateValue(template=template):
                return any(
                    self.secret_source(part.expression, scope)
                    for part in template.parts
                    if isinstance(part, ast.Embedded)
                )
            case ir.ObjectValue(items=items):
                return any(self.value_secret(item, scope) for _, item in items)
            case ir.ArrayValue(items=array):
                return any(self.value_secret(item, scope) for item in array)
            case ir.SelectorValue(context=context):
                return self.secret_source(context, scope)
            case _:
                return False


def _literal_texts(value: ir.Value) -> Iterator[str]:
    """The text a value holds literally: its strings, object keys and template text."""
    match value:
        case ir.LiteralValue(value=data):
            yield from _json_texts(data)
        case ir.TemplateValue(template=template):
            yield from (part for part in template.parts if isinstance(part, str))
        case ir.ObjectValue(items=items):
            for key, item in items:
                yield key
                yield from _literal_texts(item)
        case ir.ArrayValue(items=array):
            for item in array:
                yield from _literal_texts(item)


def _json_texts(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, list):
        for item in data:
            yield from _json_texts(item)
    elif isinstance(data, dict):
        for key, item in data.items():
            yield str(key)
            yield from _json_texts(item)


_WHOLE_STEP_OUTPUTS = re.compile(r"\$steps\.([^.\s]+)\.outputs")


def success_status(criteria: tuple[ir.Criterion, ...]) -> int | None:
    """The status code the criteria require (`$statusCode == 200`), when they name exactly one."""
    for criterion in criteria:
        condition = criterion.condition
        if isinstance(condition, ast.Compare) and condition.op == "==":
            sides = (condition.left, condition.right)
            if any(
                isinstance(s, ast.ExpressionOperand) and isinstance(s.expression, ast.StatusCode)
                for s in sides
            ):
                for side in sides:
                    if isinstance(side, ast.LiteralValue) and isinstance(side.value, int):
                        return side.value
    return None
