"""Compiling one Arazzo workflow into the IR: inputs and outputs dataclasses, steps, sources,
calls of other workflows. Requests, criteria, actions and step outputs have their own modules."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from generator import ir
from generator.compile.actions import ActionCompiler
from generator.compile.context import CompileContext
from generator.compile.criteria import CriteriaCompiler
from generator.compile.outputs import StepOutputCompiler
from generator.compile.parameters import RequestCompiler
from generator.compile.reach import skippable_steps
from generator.compile.readings import (
    operation_parameters_left_out,
    x_operation_target,
)
from generator.compile.scope import Scope
from generator.compile.security import SecurityReader, slot
from generator.compile.targets import OperationFinder
from generator.compile.values import ValueReader
from generator.criteria import CONTEXT_LOCALS
from generator.datamodels import ModelRegistry
from generator.diagnostics import Diagnostics, Location
from generator.expressions import ast
from generator.fakes.contract import operation_contract
from generator.load.refs import DocumentSet
from generator.load.source import pointer_join
from generator.model import arazzo as model
from generator.model.openapi import Operation
from generator.names import NameScope
from generator.secrets import is_secret
from generator.types import SchemaTypes

_EXTERNAL_WORKFLOW = re.compile(r"^\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.(.+)$")

# Compiles a workflow of another Arazzo document: (source name, workflow id, where) -> IR.
ExternalWorkflows = Callable[[str, str, Location], "ir.Workflow | None"]

# Every name templates/workflows.py.jinja binds in a workflow function: its parameters, then
# its own locals (the run, the client, the step loop's state, the request and response, the
# contexts of criteria: generator/lowering/values.py). The module scope reserves them, so that
# no generated name shadows them.
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
    *CONTEXT_LOCALS,
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
        self.context = CompileContext(arazzo, documents, diagnostics, self.values, self.types)
        self.request_compiler = RequestCompiler(self.context)
        self.criteria_compiler = CriteriaCompiler(self.context)
        self.action_compiler = ActionCompiler(
            self.context, self.criteria_compiler, self.workflow_call
        )
        self.output_compiler = StepOutputCompiler(self.context)
        self.compiled: dict[str, ir.Workflow] = {}
        self.failed_workflows: set[str] = set()
        self.current_workflow: str | None = None

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
        # A step can fail on an error reported before this workflow (a source description that
        # could not be read): the workflow is incomplete then too.
        if self.diagnostics.error_count > errors_before or failed:
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
                self.context.error(pointer, f"workflow '{workflow_id}' calls itself")
            elif workflow_id in known:
                self.context.error(
                    pointer,
                    f"workflows '{self.current_workflow}' and '{workflow_id}' call each other "
                    "in a cycle",
                )
            else:
                close = difflib.get_close_matches(workflow_id, known, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.context.error(pointer, f"unknown workflow '{workflow_id}'{hint}")
            return None
        arguments: dict[str, tuple[ir.Field, ir.Value]] = {}
        ok = True
        for raw in parameters:
            parameter = self.request_compiler.resolve_parameter(raw)
            if parameter is None:
                ok = False
                continue
            target_field = target.inputs.field_named(parameter.name)
            if target_field is None:
                known_inputs = ", ".join(f.wire_name for f in target.inputs.fields) or "none"
                self.context.error(
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
                passed = self.values.resolve(ast.InputRef(own.wire_name), pointer, scope)
                assert passed is not None, own.wire_name
                arguments[target_field.name] = (target_field, passed)
            elif not target_field.has_default:
                self.context.error(
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
            self.context.error(
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
                self.context.error(item_pointer, "each name in 'required' must be a string")
            elif name not in properties:
                self.context.error(
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
        criteria = self.criteria_compiler.criteria(step.success_criteria, response_scope)
        if call is None and step.workflow_id is not None:
            return None  # its outputs read the called workflow's, unknown after its errors
        outputs = self.output_compiler.step_outputs(
            step, operation, criteria, response_scope, local_names
        )
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
        on_success = self.action_compiler.actions(
            step.on_success, workflow.success_actions, with_self, local_names, all_ids
        )
        on_failure = self.action_compiler.actions(
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
                self.context.error(
                    pointer,
                    f"step '{step.step_id}' depends on '{dependency}', which comes after it; "
                    "move it before",
                )
            elif dependency not in scope.steps and dependency not in scope.failed_steps:
                self.context.error(
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
        parameters = self.request_compiler.parameters(workflow, step, operation, scope)
        body = self.request_compiler.request_body(step, operation, scope)
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
            self.context.error(
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
            py_type = value.type
            skipped = None
            match value:
                case ir.ExpressionValue(origin=ir.StepOutputLocal(step_id=step_id)) if (
                    step_id in skippable
                ):
                    skipped, py_type = step_id, py_type.as_optional()
            secret = is_secret(output.name) or value.secret
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
