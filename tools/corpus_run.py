"""`make corpus-run`: run every workflow of every compiled corpus document against Stoplight
Prism mocks of the OpenAPI descriptions it uses, and classify each run.

    python tools/corpus_run.py [--sample N] [--timeout SECONDS] [--verbose] [DOCUMENT...]

One `prism mock --errors` per OpenAPI description, on 127.0.0.1. Each workflow runs twice:
with Prism's static examples, and with responses Prism generates from the schemas (the
`Prefer: dynamic=true` request header, what `prism mock -d` does for every request; seeded).
Its inputs come from its inputs schema: examples and defaults first, else data of the type.
A run ends as one of:

- completed: the workflow returned its outputs;
- stopped by a typed WorkflowError (which one, and why, is listed);
- rejected by Prism: a request did not match the OpenAPI (Prism's `sl-violations`);
- crashed: any other exception (a bug of ours).

`--sample N` runs N compiled documents spread over the corpus (what `make test` does).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from corpus import CORPUS, documents, source_map  # noqa: E402
from node_tools import NODE_BIN, start, stop, strip_ansi  # noqa: E402
from support import credentials_argument  # noqa: E402

from generator import ir  # noqa: E402
from generator.compile.document import compile_document  # noqa: E402
from generator.diagnostics import Diagnostics  # noqa: E402
from generator.expressions import ast  # noqa: E402
from generator.fakes.examples import example_of, given_example  # noqa: E402
from generator.fakes.schema import SchemaInliner  # noqa: E402
from generator.load.refs import DocumentSet  # noqa: E402
from generator.model.arazzo import read_arazzo  # noqa: E402
from generator.render import render_module  # noqa: E402
from generator.write import write  # noqa: E402

SEED = "arazzo-codegen"
READY_TIMEOUT = 60.0
RUN_TIMEOUT = 20.0
REQUEST_TIMEOUT = 10.0
MODES = ("static", "dynamic")
CLASSES = ("completed", "typed", "rejected", "crashed", "not run")
EXPLAINED = ROOT / "tools" / "corpus_run_explained.txt"
_LISTENING = re.compile(r"Prism is listening on (http://127\.0\.0\.1:\d+)")


@dataclass
class Run:
    document: str
    workflow_id: str
    mode: str
    kind: str
    detail: str = ""
    no_credentials: bool = False
    """Rejected only for missing credentials, and none were sent."""


@dataclass
class Prism:
    process: subprocess.Popen[bytes] | None
    base_url: str | None
    problem: str = ""


@dataclass
class Figures:
    runs: list[Run] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for run in self.runs if run.kind == kind)


def start_prism(spec: Path, logs: Path) -> Prism:
    """`prism mock` for one description, once it listens (or why it does not)."""
    log_path = logs / f"prism-{len(list(logs.iterdir()))}.log"
    with log_path.open("wb") as log:
        process = start(
            [
                NODE_BIN / "prism",
                "mock",
                spec,
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--errors",
                "--seed",
                SEED,
            ],
            log,
        )
    deadline = time.monotonic() + READY_TIMEOUT
    try:
        while time.monotonic() < deadline:
            text = strip_ansi(log_path.read_text(errors="replace"))
            found = _LISTENING.search(text)
            if found:
                return Prism(process, found.group(1))
            if process.poll() is not None:
                last = [line for line in text.splitlines() if line.strip()][-3:]
                return Prism(None, None, "Prism cannot mock it: " + " | ".join(last)[:300])
            time.sleep(0.1)
    except BaseException:  # interrupted: leave no Prism behind
        stop(process)
        raise
    stop(process)
    return Prism(None, None, f"Prism not ready after {READY_TIMEOUT:.0f} s")


class _FastAsyncio:
    """asyncio for the runtime of a corpus package: retry waits cut to 50 ms (a mock needs no
    waiting, and a run is bounded)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay: float) -> None:
        await asyncio.sleep(min(delay, 0.05))


def _no_polling_wait(function: Any) -> dict[str, float]:
    """`poll_interval=0` for a workflow with a step loop: a mock needs no waiting between polls,
    and a goto loop then reaches its step limit within the run's time."""
    return (
        {"poll_interval": 0.0} if "poll_interval" in inspect.signature(function).parameters else {}
    )


def operation_sources(module: ir.Module) -> dict[str, str]:
    """The OpenAPI description (path) of each source name the module's steps call."""
    found: dict[str, str] = {}
    for workflow in (*module.internal_workflows, *module.workflows):
        for step in workflow.steps:
            call = step.call
            if isinstance(call, ir.OperationCall) and call.contract is not None:
                found.setdefault(call.source.name, call.contract.description)
    return found


def input_schemas(path: Path) -> dict[str, dict[str, Any]]:
    """Each workflow's inputs schema, inlined."""
    diagnostics = Diagnostics()
    documents_set = DocumentSet(diagnostics, source_map(path))
    loaded = documents_set.load(path)
    arazzo = read_arazzo(loaded, diagnostics) if loaded is not None else None
    if arazzo is None:
        return {}
    inliner = SchemaInliner(documents_set)
    return {
        workflow.workflow_id: inliner.inline(arazzo.document, workflow.inputs.value)
        for workflow in arazzo.workflows
        if workflow.inputs is not None
    }


def _typed_example(kind: ir.PyType) -> Any:
    base = kind.base
    if base == "int":
        return 1
    if base == "float":
        return 1.0
    if base == "bool":
        return True
    if base.startswith("list"):
        return []
    if base.startswith(("dict", "Mapping")):
        return {}
    return "string"


BEARER = "Bearer example-token"


def parameter_hints(workflow: ir.Workflow) -> dict[str, Any]:
    """Example values of the OpenAPI parameters that inputs are passed to as they are
    (`value: $inputs.size`), by input name; an input sent as the Authorization header is a
    bearer token."""
    hints: dict[str, Any] = {}
    for step in workflow.steps:
        call = step.call
        if not isinstance(call, ir.OperationCall) or call.contract is None:
            continue
        declared = {(p.name.lower(), p.location): p for p in call.contract.parameters}
        for parameter in (*call.path_parameters, *call.parameters):
            value = parameter.value
            if not isinstance(value, ir.ExpressionValue):
                continue
            expression = value.expression
            if not isinstance(expression, ast.InputRef) or expression.pointer:
                continue
            spec = declared.get((parameter.name.lower(), parameter.location))
            if parameter.location == "header" and parameter.name.lower() == "authorization":
                hints.setdefault(expression.name, BEARER)
            elif spec is not None and spec.schema:
                hints.setdefault(expression.name, example_of(spec.schema))
    return hints


def _as_text(value: Any) -> str:
    """A parameter's example as the text a string input passes (an array: its items, comma
    separated, as the form and simple styles send them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_as_text(item) for item in value)
    return value if isinstance(value, str) else json.dumps(value)


def synthesized_inputs(workflow: ir.Workflow, schema: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of the workflow's inputs class. For each input: its schema's example
    or default; else an example of the OpenAPI parameter it is passed to (as text when the
    input is a string); else data that fits its schema, or its type."""
    properties = schema.get("properties")
    declared = properties if isinstance(properties, dict) else {}
    hints = parameter_hints(workflow)
    arguments: dict[str, Any] = {}
    for spec in workflow.inputs.fields:
        prop = declared.get(spec.wire_name)
        given, value = given_example(prop) if isinstance(prop, dict) else (False, None)
        if not given and spec.wire_name in hints:
            value = hints[spec.wire_name]
            if spec.type.base == "str":
                value = _as_text(value)
        elif not given and isinstance(prop, dict):
            value = example_of(prop)
        elif not given:
            if not spec.required or spec.has_default:
                continue
            value = _typed_example(spec.type)
        if value is not None or spec.required:
            arguments[spec.name] = value
    return arguments


PRISM_ERRORS = "https://stoplight.io/prism/errors#"
_CREDENTIAL = re.compile(
    r"authorization|cookie|key|.*api[-_]?key.*|.*token.*|.*secret.*", re.IGNORECASE
)
_SECURITY_PROBLEM = re.compile(
    r"security: .*|request: Invalid security scheme used|"
    r"request\.header: Request header must have required property 'authorization'"
)
NO_CREDENTIALS = (
    "the OpenAPI requires credentials (its security requirement) and the workflow sends none: "
    "Arazzo leaves them to the runner, and the document names no input that carries them"
)


def _request_violations(violations: object, *, of_request: bool = False) -> list[str]:
    """The errors among Prism's violations that concern the request: located under `request`,
    or any (`of_request`: Prism's answer to an invalid request locates them from `body`...)."""
    if not isinstance(violations, list):
        return []
    found = []
    for v in violations:
        if not isinstance(v, dict) or str(v.get("severity", "")).lower() != "error":
            continue
        location = [str(part) for part in v.get("location") or []]
        if of_request and location[:1] != ["request"]:
            location = ["request", *location]
        if location[:1] == ["request"]:
            found.append(f"{'.'.join(location)}: {v.get('message')}")
    return found


def prism_rejection(response: httpx.Response) -> list[str]:
    """What Prism found wrong with the request: the errors of its `sl-violations` header, or
    of the problem it answered with (a request that breaks the security requirements, or one
    it rejects without a declared error response). Problems of the response Prism generated
    are the description's, not the request's: Prism answers 500 and the step fails."""
    problems: list[str] = []
    raw = response.headers.get("sl-violations")
    if raw:
        try:
            problems += _request_violations(json.loads(raw))
        except ValueError:
            problems.append(raw)
    if "problem+json" not in response.headers.get("content-type", ""):
        return problems
    try:
        body = response.json()
    except ValueError:
        return problems
    if not isinstance(body, dict) or not str(body.get("type", "")).startswith(PRISM_ERRORS):
        return problems
    kind = str(body["type"]).removeprefix(PRISM_ERRORS)
    if kind == "UNAUTHORIZED":
        problems.append(f"security: {body.get('title')}")
    invalid_request = kind in ("UNPROCESSABLE_ENTITY", "UNAUTHORIZED")
    for problem in _request_violations(body.get("validation"), of_request=invalid_request):
        if problem not in problems:
            problems.append(problem)
    return problems


async def run_workflow(
    package: ModuleType,
    workflow: ir.Workflow,
    arguments: dict[str, Any],
    base_urls: dict[str, str],
    mode: str,
) -> tuple[str, str, bool]:
    """(class, detail, whether a rejection is only for credentials never sent) of one run."""
    rejected: list[tuple[str, bool]] = []

    def record(step_id: str, response: httpx.Response) -> None:
        problems = prism_rejection(response)
        if problems:
            request = response.request
            credentials = sorted(n for n in request.headers if _CREDENTIAL.fullmatch(n))
            credentials += sorted(n for n in request.url.params if _CREDENTIAL.fullmatch(n))
            text = (
                f"{step_id}: {request.method} {request.url.path} -> {response.status_code}: "
                + "; ".join(problems)
                + f" (credentials sent: {', '.join(credentials) or 'none'})"
            )
            security = all(_SECURITY_PROBLEM.fullmatch(problem) for problem in problems)
            rejected.append((text, security and not credentials))

    function = getattr(package, workflow.function_name)
    inputs_class = getattr(package, workflow.inputs.class_name)
    headers = {"Prefer": "dynamic=true"} if mode == "dynamic" else {}
    try:
        inputs = inputs_class(**arguments)
        async with httpx.AsyncClient(headers=headers, timeout=REQUEST_TIMEOUT) as client:
            await asyncio.wait_for(
                function(
                    inputs,
                    client=client,
                    base_urls=base_urls,
                    on_response=record,
                    **credentials_argument(package),
                    **_no_polling_wait(function),
                ),
                RUN_TIMEOUT,
            )
    except package.WorkflowError as error:
        if rejected:
            return "rejected", *rejected[0]
        return "typed", f"{type(error).__name__}: {error}", False
    except Exception:
        return "crashed", traceback.format_exc(limit=6), False
    if rejected:
        return "rejected", *rejected[0]
    return "completed", "", False


def run_document(index: int, path: Path, work: Path, figures: Figures, verbose: bool) -> bool:
    """Run the workflows of one document; False when it does not compile."""
    name = path.relative_to(CORPUS).as_posix()
    package_name = f"corpus_run_{index:03d}"
    module = compile_document(
        path, Diagnostics(), package=package_name, source_map=source_map(path)
    )
    if module is None:
        return False
    write(work / "packages", package_name, render_module(module))
    package = importlib.import_module(package_name)
    package._runtime.asyncio = _FastAsyncio()
    schemas = input_schemas(path)
    logs = work / "logs" / package_name
    logs.mkdir(parents=True)
    servers: dict[str, Prism] = {}
    try:
        for description in sorted(set(operation_sources(module).values())):
            if description not in servers:
                servers[description] = start_prism(Path(description), logs)
        sources = operation_sources(module)
        base_urls = {s: servers[d].base_url or "" for s, d in sources.items()}
        failed = [servers[d].problem for d in sources.values() if servers[d].base_url is None]
        for workflow in module.workflows:
            arguments = synthesized_inputs(workflow, schemas.get(workflow.workflow_id, {}))
            for mode in MODES:
                if failed:
                    kind, detail, no_credentials = "not run", failed[0], False
                else:
                    kind, detail, no_credentials = asyncio.run(
                        run_workflow(package, workflow, arguments, base_urls, mode)
                    )
                figures.runs.append(
                    Run(name, workflow.workflow_id, mode, kind, detail, no_credentials)
                )
                if verbose:
                    print(f"  {kind:9} {mode:7} {name} {workflow.workflow_id}", flush=True)
    finally:
        for server in servers.values():
            if server.process is not None:
                stop(server.process)
    return True


def spread(paths: list[Path], size: int) -> list[Path]:
    """Every path, ordered so that any first `size` of them are spread evenly over the list."""
    stride = max(1, len(paths) // size)
    return sorted(paths, key=lambda p: (paths.index(p) % stride, paths.index(p)))


def selected(args: argparse.Namespace) -> Iterator[tuple[int, Path]]:
    every = documents()
    chosen = [Path(p).resolve() for p in args.documents] or every
    if args.sample:
        chosen = spread(chosen, args.sample)
    for path in chosen:
        yield every.index(path) if path in every else len(every), path


def explanations() -> dict[tuple[str, str], str]:
    """Why Prism rejects the requests of a workflow, by (document, workflow id): the
    document's own bugs, read and explained (tools/corpus_run_explained.txt)."""
    found: dict[tuple[str, str], str] = {}
    for line in EXPLAINED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            document, workflow_id, why = (part.strip() for part in line.split(" | ", 2))
            found[(document, workflow_id)] = why
    return found


def explanation(run: Run, known: dict[tuple[str, str], str]) -> str | None:
    """Why Prism rejected the run: listed in the file, or only for missing credentials."""
    listed = known.get((run.document, run.workflow_id))
    if listed is not None:
        return listed
    return NO_CREDENTIALS if run.no_credentials else None


def unexplained(figures: Figures) -> list[Run]:
    known = explanations()
    return [run for run in figures.runs if run.kind == "rejected" and not explanation(run, known)]


def report(figures: Figures) -> str:
    known = explanations()
    lines = []
    for kind, title in (
        ("typed", "stopped by a typed WorkflowError"),
        ("rejected", "rejected by Prism"),
        ("crashed", "crashed"),
        ("not run", "not run"),
    ):
        runs = [run for run in figures.runs if run.kind == kind]
        if runs:
            lines.append(f"\n{title} ({len(runs)}):")
            for run in runs:
                detail = run.detail.strip().replace("\n", "\n      ")
                lines.append(f"  {run.document} {run.workflow_id} [{run.mode}]\n      {detail}")
                if kind == "rejected":
                    why = explanation(run, known) or "UNEXPLAINED: a bug?"
                    lines.append(f"      why: {why}")
    errors = Counter(run.detail.split(":", 1)[0] for run in figures.runs if run.kind == "typed")
    documents_run = len({run.document for run in figures.runs})
    lines += [
        "",
        f"documents run: {documents_run}, workflow runs: {len(figures.runs)} "
        f"({len(figures.runs) // len(MODES)} workflows x {len(MODES)} modes)",
        "typed errors: " + ", ".join(f"{n} {name}" for name, n in sorted(errors.items())),
    ]
    if figures.count("not run"):
        lines.append(f"not run (Prism could not mock a description): {figures.count('not run')}")
    lines.append(
        f"corpus-run: {figures.count('completed')} completed, {figures.count('typed')} stopped "
        f"by typed errors, {figures.count('rejected')} rejected by Prism, "
        f"{figures.count('crashed')} crashed"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("documents", nargs="*", help="corpus documents (default: all)")
    parser.add_argument(
        "--sample", type=int, default=0, help="run N compiled documents spread over the corpus"
    )
    parser.add_argument("--verbose", action="store_true", help="print each run as it ends")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS} (set ARAZZO_CORPUS)")
        return 2
    if not (NODE_BIN / "prism").exists():
        print(f"{NODE_BIN / 'prism'} is missing: run `make npm-tools`")
        return 2
    figures = Figures()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="corpus-run-") as temporary:
        work = Path(temporary)
        (work / "packages").mkdir()
        sys.path.insert(0, str(work / "packages"))
        compiled = 0
        for index, path in selected(args):
            compiled += run_document(index, path, work, figures, args.verbose)
            if args.sample and compiled >= args.sample:
                break
    print(report(figures))
    print(f"({time.monotonic() - started:.0f} s)", file=sys.stderr)
    missing = unexplained(figures)
    if missing:
        print(f"{len(missing)} rejected run(s) not explained in {EXPLAINED.name}", file=sys.stderr)
    return 1 if figures.count("crashed") or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
