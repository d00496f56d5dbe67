"""Compiling one Arazzo document (and everything it references) into a module IR."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from generator import emit, ir
from generator.compile.servers import check_server
from generator.compile.sources import resolve_sources
from generator.compile.targets import OperationFinder
from generator.compile.workflow import FUNCTION_LOCALS, WorkflowCompiler
from generator.datamodels import ModelRegistry, reachable
from generator.diagnostics import Diagnostics, Location
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
    "_auth",
    "_credentials",
    "Credentials",
    "MissingCredentialsError",
    "_LOG",
    "WorkflowError",
    "StepFailedError",
    "StepRequestError",
    "StepLimitError",
    "ResponseFormatError",
    "asyncio",
    "Literal",
    "_convert",
    "models",
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


class DocumentCompiler:
    """Compiles the workflows of one Arazzo document; workflows of the Arazzo documents it names
    as source descriptions are compiled on demand by compilers of their own, into the same
    module (their source names are prefixed with the source description's name)."""

    def __init__(
        self,
        arazzo: model.ArazzoDocument,
        documents: DocumentSet,
        module_scope: NameScope,
        diagnostics: Diagnostics,
        *,
        prefix: str = "",
        registry: dict[Path, DocumentCompiler] | None = None,
        models: ModelRegistry | None = None,
    ) -> None:
        self.arazzo = arazzo
        self.documents = documents
        self.module_scope = module_scope
        self.diagnostics = diagnostics
        self.registry = registry if registry is not None else {}
        self.registry[arazzo.document.path] = self
        self.models = models
        descriptions, self.arazzo_sources = resolve_sources(arazzo, documents, diagnostics)
        for name, description in descriptions.items():
            check_server(prefix + name, description, diagnostics)
        self.prefix = prefix
        sources = {
            name: ir.Source(
                name=prefix + name,
                constant=module_scope.allocate(f"{prefix}{name} server url", style="upper_snake"),
                local=module_scope.allocate(f"{prefix}{name} url"),
                server_url=description.server_url,
            )
            for name, description in descriptions.items()
        }
        unavailable = frozenset(s.name for s in arazzo.source_descriptions) - set(descriptions)
        unavailable -= set(self.arazzo_sources)
        finder = OperationFinder(descriptions, diagnostics, unavailable)
        self.workflows = WorkflowCompiler(
            arazzo,
            documents,
            finder,
            sources,
            module_scope,
            diagnostics,
            self.external_workflow,
            models=models,
        )

    def compile_all(self) -> list[ir.Workflow | None]:
        compiled = {
            workflow.workflow_id: self.workflows.compile(workflow)
            for workflow in dependency_order(self.arazzo.workflows)
        }
        return [compiled[workflow.workflow_id] for workflow in self.arazzo.workflows]

    def workflow(self, workflow_id: str) -> ir.Workflow | None:
        """One workflow of this document (and the ones it calls), compiled once."""
        if workflow_id in self.workflows.compiled:
            return self.workflows.compiled[workflow_id]
        by_id = {w.workflow_id: w for w in self.arazzo.workflows}
        if workflow_id not in by_id:
            return None
        needed = _called_transitively(by_id, workflow_id)
        for workflow in dependency_order(self.arazzo.workflows):
            if workflow.workflow_id in self.workflows.compiled:
                continue
            if workflow.workflow_id in self.workflows.failed_workflows:
                continue
            if workflow.workflow_id == workflow_id or workflow.workflow_id in needed:
                self.workflows.compile(workflow)
        return self.workflows.compiled.get(workflow_id)

    def external_workflow(
        self, source_name: str, workflow_id: str, where: Location
    ) -> ir.Workflow | None:
        """The workflow `workflow_id` of the Arazzo source description `source_name`."""
        loaded = self.arazzo_sources.get(source_name)
        if loaded is None:
            if source_name not in {s.name for s in self.arazzo.source_descriptions}:
                self.diagnostics.error(where, f"unknown source description '{source_name}'")
            return None
        compiler = self.registry.get(loaded.path)
        if compiler is None:
            nested = read_arazzo(loaded, self.diagnostics)
            if nested is None:
                return None
            compiler = DocumentCompiler(
                nested,
                self.documents,
                self.module_scope,
                self.diagnostics,
                prefix=f"{self.prefix}{source_name}.",
                registry=self.registry,
                models=self.models,
            )
        if workflow_id not in {w.workflow_id for w in compiler.arazzo.workflows}:
            known = ", ".join(w.workflow_id for w in compiler.arazzo.workflows)
            self.diagnostics.error(
                where,
                f"the Arazzo document '{source_name}' has no workflow '{workflow_id}' "
                f"(its workflows: {known})",
            )
            return None
        return compiler.workflow(workflow_id)

    def external_workflows(self) -> list[ir.Workflow]:
        """The workflows compiled from other Arazzo documents, in the order they compiled."""
        return [
            workflow
            for compiler in self.registry.values()
            if compiler is not self
            for workflow in compiler.workflows.compiled.values()
        ]


def _called_transitively(by_id: dict[str, model.Workflow], target: str) -> set[str]:
    """The workflows `target` calls, directly or through others."""
    seen: set[str] = set()
    stack = [target]
    while stack:
        current = by_id.get(stack.pop())
        if current is None:
            continue
        for called in called_workflows(current):
            if called not in seen:
                seen.add(called)
                stack.append(called)
    return seen


def compile_document(
    path: Path,
    diagnostics: Diagnostics,
    *,
    package: str | None = None,
    source_map: Mapping[str, Path] | None = None,
    allow_remote: bool = False,
    keep_going: bool = False,
) -> ir.Module | None:
    """The module IR for the Arazzo document at `path`, or None when it has errors (recorded).
    Remote sources are fetched only with `allow_remote`. With `keep_going`, a document whose
    errors lie within some of its workflows gives a module of the others (the errors stay
    recorded, so the caller still fails)."""
    documents = DocumentSet(diagnostics, source_map, allow_remote=allow_remote)
    loaded = documents.load(path)
    if loaded is None:
        return None
    arazzo = read_arazzo(loaded, diagnostics)
    if arazzo is None or diagnostics.has_errors:
        return None
    module_scope = NameScope.module()
    for name in MODULE_NAMES:
        module_scope.reserve(name)
    models = ModelRegistry(
        module_scope,
        lambda where, message: diagnostics.warning(where.document.location(where.pointer), message),
    )
    compiler = DocumentCompiler(arazzo, documents, module_scope, diagnostics, models=models)
    workflows = compiler.compile_all()
    if diagnostics.has_errors:
        if not keep_going or all(w is None for w in workflows):
            return None
        for workflow, compiled in zip(arazzo.workflows, workflows, strict=True):
            if compiled is None:
                diagnostics.warning(
                    arazzo.document.location(workflow.pointer + "/workflowId"),
                    f"workflow '{workflow.workflow_id}' is left out of the package: it has "
                    "errors (--keep-going)",
                )
    module = ir.Module(
        package=package or default_package_name(path),
        document_name=path.name,
        title=arazzo.info.title,
        summary=arazzo.info.summary,
        description=arazzo.info.description,
        workflows=tuple(w for w in workflows if w is not None),
        internal_workflows=tuple(compiler.external_workflows()),
    )
    return replace(module, models=reachable(models.models, module.model_names))
