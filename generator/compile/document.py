"""Compiling one Arazzo document (and everything it references) into a module IR."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from generator import emit, ir
from generator.compile.sources import resolve_sources
from generator.compile.targets import OperationFinder
from generator.compile.workflow import FUNCTION_LOCALS, WorkflowCompiler
from generator.diagnostics import Diagnostics
from generator.load.refs import DocumentSet
from generator.model import arazzo as model
from generator.model.arazzo import read_arazzo
from generator.names import NameScope

MODULE_NAMES = (
    "annotations",
    "dataclasses",
    "logging",
    "httpx",
    "Any",
    "ClassVar",
    "Mapping",
    "_runtime",
    "_LOG",
    "WorkflowError",
    "StepFailedError",
    "StepRequestError",
    "StepLimitError",
    "ResponseFormatError",
    *FUNCTION_LOCALS,
)


def default_package_name(path: Path) -> str:
    stem = path.name
    for suffix in (".yaml", ".yml", ".json"):
        stem = stem.removesuffix(suffix)
    for suffix in (".arazzo", "-arazzo", "_arazzo"):
        stem = stem.removesuffix(suffix)
    return emit.module_name(stem)


def called_workflows(workflow: model.Workflow) -> set[str]:
    """The workflows a workflow runs: its dependsOn, and those its steps and actions call."""
    called = set(workflow.depends_on)
    actions = [*workflow.success_actions, *workflow.failure_actions]
    for step in workflow.steps:
        if step.workflow_id is not None:
            called.add(step.workflow_id)
        actions.extend((*step.on_success, *step.on_failure))
    called.update(a.workflow_id for a in actions if isinstance(a, model.Action) and a.workflow_id)
    return called


def dependency_order(workflows: tuple[model.Workflow, ...]) -> list[model.Workflow]:
    """Workflows ordered so each comes after those it calls (document order otherwise; the
    members of a cycle stay in document order, and compiling them reports the cycle)."""
    by_id = {w.workflow_id: w for w in workflows}
    ordered: list[model.Workflow] = []
    state: dict[str, str] = {}

    def visit(workflow: model.Workflow) -> None:
        if state.get(workflow.workflow_id):
            return
        state[workflow.workflow_id] = "visiting"
        for called in sorted(called_workflows(workflow)):
            if called in by_id and called != workflow.workflow_id:
                visit(by_id[called])
        state[workflow.workflow_id] = "done"
        ordered.append(workflow)

    for workflow in workflows:
        visit(workflow)
    return ordered


def compile_document(
    path: Path,
    diagnostics: Diagnostics,
    *,
    package: str | None = None,
    source_map: Mapping[str, Path] | None = None,
) -> ir.Module | None:
    """The module IR for the Arazzo document at `path`, or None when it has errors (recorded)."""
    documents = DocumentSet(diagnostics, source_map)
    loaded = documents.load(path)
    if loaded is None:
        return None
    arazzo = read_arazzo(loaded, diagnostics)
    if arazzo is None or diagnostics.has_errors:
        return None
    descriptions = resolve_sources(arazzo, documents, diagnostics)
    module_scope = NameScope.module()
    for name in MODULE_NAMES:
        module_scope.reserve(name)
    sources = {
        name: ir.Source(
            name=name,
            constant=module_scope.allocate(f"{name} server url", style="upper_snake"),
            local=module_scope.allocate(f"{name} url"),
            server_url=description.server_url,
        )
        for name, description in descriptions.items()
    }
    unavailable = frozenset(s.name for s in arazzo.source_descriptions) - set(descriptions)
    finder = OperationFinder(descriptions, diagnostics, unavailable)
    compiler = WorkflowCompiler(arazzo, documents, finder, sources, module_scope, diagnostics)
    compiled = {
        workflow.workflow_id: compiler.compile(workflow)
        for workflow in dependency_order(arazzo.workflows)
    }
    if diagnostics.has_errors:
        return None
    workflows = [compiled[workflow.workflow_id] for workflow in arazzo.workflows]
    return ir.Module(
        package=package or default_package_name(path),
        document_name=path.name,
        title=arazzo.info.title,
        summary=arazzo.info.summary,
        description=arazzo.info.description,
        workflows=tuple(w for w in workflows if w is not None),
    )
