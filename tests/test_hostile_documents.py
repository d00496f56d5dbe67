"""The compiler against hostile documents: no text in a document changes what the generated code
does, every string round-trips, and names never escape the output folder.

The property test builds Arazzo + OpenAPI documents whose every free-text place holds hostile
strings (tests/hostile_support.py), compiles them, checks the generated module's syntax tree
(only the expected top-level names, imports and calls), and runs the workflows against
httpx.MockTransport to check that every literal arrives byte-exact. Its figures (documents,
hostile strings, outcomes) are printed at the end (`pytest -s`) and kept in `STATS`.
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import io
import json
import os
import re
import sys
import time
import typing
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from budget import examples
from hostile_support import (
    HOSTILE_PIECES,
    Case,
    CodeProblem,
    CyclePicker,
    DrawPicker,
    WorkflowCase,
    attribute_docstrings,
    build_case,
    build_inputs,
    check_module_source,
    check_readme,
    decoded_path,
    docstring_words,
    expected_path,
    fresh_package_name,
    import_fresh,
    no_surrogates,
    normalised,
    run_workflow,
    unload,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import ir
from generator.cli import EXIT_INTERNAL_ERROR, main
from generator.compile.document import compile_document
from generator.compile.workflow import FUNCTION_LOCALS
from generator.diagnostics import Diagnostics
from generator.pipeline import generate_package
from generator.render import render_module
from generator.write import write

STATS: Counter[str] = Counter()
HOSTILE_SEEN: set[str] = set()
LOCATED = re.compile(r"^.+:\d+:\d+: (error|warning): ")
FILE_LEVEL = re.compile(r"^.+: (error|warning): ")


# --- compiling and checking one case --------------------------------------------------------


def write_case(folder: Path, case: Case) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in case.documents().items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder / case.entry


def reproducer(case: Case) -> str:
    return "documents:\n" + "\n".join(
        f"--- {name}\n{text}" for name, text in case.documents().items()
    )


def compile_case(folder: Path, case: Case) -> tuple[Any, dict[str, str]] | None:
    """Compile and import the case; None when the compiler reported errors (checked)."""
    entry = write_case(folder, case)
    package = fresh_package_name()
    diagnostics = Diagnostics()
    try:
        generated = generate_package(entry, diagnostics, package=package)
    except Exception as exc:  # a traceback: always a bug
        STATS["tracebacks"] += 1
        raise AssertionError(f"compiler raised {exc!r}\n{reproducer(case)}") from exc
    if generated is None:
        STATS["diagnostics"] += 1
        for diagnostic in diagnostics.errors:
            text = str(diagnostic)
            assert LOCATED.match(text), f"diagnostic without a position: {text!r}"
            STATS["diagnostic: " + re.sub(r"'[^']*'", "'...'", diagnostic.message)[:70]] += 1
        return None
    STATS["compiled"] += 1
    out = folder / "out"
    write(out, generated.package, generated.files)
    try:
        module = import_fresh(out, package)
    except SyntaxError as exc:
        raise AssertionError(f"generated code does not import: {exc}\n{reproducer(case)}") from exc
    return module, generated.files


def check_case(folder: Path, case: Case) -> None:
    STATS["documents"] += 1
    STATS["hostile strings"] += len(case.strings)
    HOSTILE_SEEN.update(case.strings)
    compiled = compile_case(folder, case)
    if compiled is None:
        return
    package, files = compiled
    try:
        check_compiled(package, files, case)
    except (AssertionError, CodeProblem) as exc:
        raise AssertionError(f"{exc}\n{reproducer(case)}") from exc
    finally:
        unload(package.__name__)


def check_compiled(package: Any, files: dict[str, str], case: Case) -> None:
    source = files["workflows.py"]
    kinds = check_module_source(source, case)
    module = package.workflows
    functions = [getattr(module, name) for name in kinds["functions"]]
    classes = [getattr(module, name) for name in kinds["classes"]]
    exported = set(package.__all__)
    runtime_errors = {"WorkflowError", "StepFailedError", "StepRequestError", "StepLimitError"}
    assert exported == {*kinds["functions"], *kinds["classes"], *runtime_errors} | {
        "ResponseFormatError"
    }, exported

    if "README.md" in files:
        check_readme(files["README.md"], case, kinds["functions"])
        STATS["readmes checked"] += 1

    # Strings that must round-trip: the server URL, titles and descriptions.
    assert getattr(module, kinds["constants"][0]) == case.server_url
    assert normalised(case.title) in docstring_words(module.__doc__)
    assert normalised(case.title) in docstring_words(package.__doc__)

    for index, workflow in enumerate(case.workflows):
        function = functions[index]
        inputs_class, outputs_class = classes[2 * index], classes[2 * index + 1]
        for cls in (inputs_class, outputs_class):
            typing.get_type_hints(cls)  # annotations resolve: no field shadows a type name
        doc = docstring_words(function.__doc__)
        assert normalised(workflow.summary) in doc
        assert normalised(workflow.description) in doc
        check_inputs_class(source, inputs_class, workflow)
        STATS["workflows checked"] += 1

    first = case.workflows[0]
    check_first_workflow(functions[0], classes[0], classes[1], first, case.source_name)
    if len(case.workflows) > 1:
        check_calling_workflow(functions[1], classes[3], case.workflows[1], first)


def written_literals(annotation: str) -> list[list[Any]]:
    """The values of each `Literal[...]` of an annotation, in the order written. (Not from the
    resolved hint: typing's caches may hand back an equal Literal built earlier in the process,
    its values in another order.)"""
    found = []
    for node in ast.walk(ast.parse(annotation, mode="eval")):
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Literal":
            elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            found.append([ast.literal_eval(e) for e in elements])
    return found


def check_inputs_class(source: str, cls: type, workflow: WorkflowCase) -> None:
    fields = dataclasses.fields(cls)
    assert len(fields) == len(workflow.inputs), [f.name for f in fields]
    assert len({f.name for f in fields}) == len(fields)
    ordered = [i for i in workflow.inputs if i.keyword_only_required] + [
        i for i in workflow.inputs if not i.keyword_only_required
    ]
    hints = typing.get_type_hints(cls)
    docs = attribute_docstrings(source, cls.__name__)
    for field, spec in zip(fields, ordered, strict=True):
        if spec.has_default:
            assert field.default == spec.default, (field.name, field.default, spec.default)
            STATS["defaults round-tripped"] += 1
        elif not spec.required:
            assert field.default is None
        else:
            assert field.default is dataclasses.MISSING
        if spec.enum is not None:
            assert typing.get_origin(hints[field.name]) in (typing.Literal, typing.Union)
            annotation = cls.__annotations__[field.name]
            assert written_literals(annotation) == [spec.enum], (annotation, spec.enum)
            STATS["enums round-tripped"] += 1
        expected_doc = normalised(spec.description or "")
        got = docs[fields.index(field)]
        if expected_doc:
            assert got is not None, f"field {field.name} lost its description"
            assert docstring_words(got) == expected_doc, (got, spec.description)
            STATS["field docstrings round-tripped"] += 1
        else:
            assert got is None, (field.name, got)


def respond_ok(workflow: WorkflowCase) -> Any:
    step_a = workflow.steps[0]

    def respond(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            assert step_a.echo_header is not None
            return httpx.Response(
                200, json=step_a.response_body, headers={"X-Echo": step_a.echo_header}
            )
        return httpx.Response(201, json={})

    return respond


def check_requests(workflow: WorkflowCase, requests: list[httpx.Request], bodies: list[bytes]):
    assert [r.method for r in requests] == [s.method for s in workflow.steps]
    for step, request, body in zip(workflow.steps, requests, bodies, strict=True):
        assert decoded_path(request) == expected_path(step), (request.url, step)
        pairs = request.url.params.multi_items()
        assert sorted(pairs) == sorted(step.query.items()), (pairs, step.query)
        STATS["query values round-tripped"] += len(step.query)
        for name, value in step.headers.items():
            assert request.headers.get_list(name) == [value], (name, request.headers)
        STATS["header values round-tripped"] += len(step.headers)
        if step.has_body:
            assert json.loads(body) == step.json_body
            STATS["payloads round-tripped"] += 1


def multiset(values: Any) -> list[str]:
    return sorted(repr(v) for v in values)


def check_first_workflow(
    function: Any, inputs_class: type, outputs_class: type, workflow: WorkflowCase, source: str
) -> None:
    inputs = build_inputs(inputs_class, workflow, workflow.runtime_inputs)
    # base_urls names the source description exactly as the document does.
    outputs, exchange = run_workflow(function, inputs, respond_ok(workflow), source=source)
    STATS["runs"] += 1
    check_requests(workflow, exchange.requests, exchange.bodies)
    assert isinstance(outputs, outputs_class)
    values = dataclasses.astuple(outputs)
    assert multiset(values) == multiset(workflow.outputs.values()), (outputs, workflow.outputs)
    STATS["outputs round-tripped"] += len(values)

    # A failing criterion: the error names the workflow and step exactly.
    step_a = workflow.steps[0]
    failing = dict(step_a.response_body)
    first_key = next(iter(failing))
    failing[first_key] += "\x01different"

    def respond_failing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=failing, headers={"X-Echo": step_a.echo_header or ""})

    package = sys.modules[function.__module__.rpartition(".")[0]]
    with pytest.raises(package.StepFailedError) as caught:
        run_workflow(function, inputs, respond_failing)
    assert caught.value.workflow_id == workflow.workflow_id
    assert caught.value.step_id == step_a.step_id
    assert dict(caught.value.completed_outputs) == {}

    if len(workflow.steps) > 1:
        step_b = workflow.steps[1]

        def respond_b_fails(request: httpx.Request) -> httpx.Response:
            if request.method == "POST":
                return httpx.Response(500, json={"error": "boom"})
            return respond_ok(workflow)(request)

        with pytest.raises(package.StepFailedError) as caught:
            run_workflow(function, inputs, respond_b_fails)
        assert caught.value.workflow_id == workflow.workflow_id
        assert caught.value.step_id == step_b.step_id
        completed = {k: dict(v) for k, v in caught.value.completed_outputs.items()}
        assert completed == {step_a.step_id: step_a.outputs}
    STATS["failure runs"] += 1


def check_calling_workflow(
    function: Any, outputs_class: type, workflow: WorkflowCase, called: WorkflowCase
) -> None:
    outputs, exchange = run_workflow(function, None, respond_ok(called))
    STATS["runs"] += 1
    expected = dataclasses.replace(
        called,
        runtime_inputs=workflow.call_parameters,
        steps=[
            dataclasses.replace(
                s,
                query={
                    name: workflow.call_parameters[s.query_from_inputs[name]]
                    if name in s.query_from_inputs
                    else value
                    for name, value in s.query.items()
                },
            )
            for s in called.steps
        ],
    )
    check_requests(expected, exchange.requests, exchange.bodies)
    assert isinstance(outputs, outputs_class)
    assert multiset(dataclasses.astuple(outputs)) == multiset(workflow.outputs.values())


# --- the property test ----------------------------------------------------------------------


@settings(
    max_examples=examples(int(os.environ.get("HOSTILE_EXAMPLES", "60"))),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def _hostile_property(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    case = build_case(DrawPicker(data.draw))
    check_case(tmp_path_factory.mktemp("hostile"), case)


def test_hostile_documents_compile_to_code_that_does_only_what_they_say(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    started = time.perf_counter()
    _hostile_property(tmp_path_factory)
    elapsed = time.perf_counter() - started
    STATS["seconds"] = round(elapsed)
    print(f"\nhostile documents: {dict(sorted(STATS.items()))}")
    print(f"distinct hostile strings: {len(HOSTILE_SEEN)}")
    assert STATS["tracebacks"] == 0
    assert STATS["documents"] >= 60
    # The builder aims at documents that compile; a few may be rejected with diagnostics.
    assert STATS["compiled"] >= STATS["documents"] * 0.9, dict(STATS)


@pytest.mark.parametrize("offset", range(0, len(HOSTILE_PIECES), 12))
def test_every_hostile_string_in_every_place(tmp_path: Path, offset: int) -> None:
    """Deterministic sweep: the pickers cycle through every hostile string and name."""
    case = build_case(CyclePicker(offset))
    check_case(tmp_path, case)
    assert STATS["tracebacks"] == 0


# --- path safety ----------------------------------------------------------------------------

MINIMAL_OPENAPI = """\
openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example"}]
paths:
  /a:
    get:
      operationId: op
      responses: {"200": {description: ok}}
"""
MINIMAL_ARAZZO = """\
arazzo: 1.0.1
info: {title: t, version: "1"}
sourceDescriptions:
  - {name: api, url: ./api.openapi.yaml, type: openapi}
workflows:
  - workflowId: w
    steps:
      - {stepId: s, operationId: op}
"""


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


DOCUMENT_NAMES = [
    "..",
    "...",
    "..arazzo.yaml",
    "con.arazzo.yaml",
    "nul.yaml",
    "COM1.arazzo.yaml",
    "lpt9.yml",
    "aux.json.yaml",
    "a\\..\\..\\b.arazzo.yaml",
    "..\\..\\escape.arazzo.yaml",
    "__init__.arazzo.yaml",
    "_runtime.arazzo.yaml",
    "class.arazzo.yaml",
    "-rf.arazzo.yaml",
    "~.arazzo.yaml",
    "$HOME.arazzo.yaml",
    ".hidden.arazzo.yaml",
    " .arazzo.yaml",
    "1.arazzo.yaml",
    "\u0441on.arazzo.yaml",  # Cyrillic es
    "\uff43\uff4f\uff4e.arazzo.yaml",  # fullwidth con
    "x" * 240 + ".yaml",
    "\u00e9" * 120 + ".yaml",  # 240 bytes in UTF-8
    "a\nb.arazzo.yaml",
]


@pytest.mark.parametrize("name", DOCUMENT_NAMES, ids=lambda n: repr(n)[:40])
def test_document_names_never_escape_the_output_folder(tmp_path: Path, name: str) -> None:
    specs = tmp_path / "deep" / "specs"
    specs.mkdir(parents=True)
    (specs / "api.openapi.yaml").write_text(MINIMAL_OPENAPI)
    document = specs / name
    if name in ("..", "..."):
        document = specs / f"{name}.arazzo.yaml"
    document.write_text(MINIMAL_ARAZZO)
    out = tmp_path / "deep" / "out"
    before = tree(tmp_path)

    code, _, err = run_cli("generate", str(document), "-o", str(out))

    assert code != EXIT_INTERNAL_ERROR, err
    assert code == 0, err
    created = tree(tmp_path) - before
    assert created, "nothing written"
    for path in created:
        assert path.startswith(os.path.join("deep", "out")), path
    packages = {p.split(os.sep)[2] for p in created if p.count(os.sep) >= 2}
    assert len(packages) == 1, packages
    (package,) = packages
    assert package.isidentifier() and package.isascii(), package
    assert len(package) <= 64
    assert package.lower() not in {"con", "nul", "aux", "prn", "com1", "lpt9"}
    assert not package.startswith("_")


PACKAGE_NAMES = [
    "../x",
    "..",
    "/tmp/x",
    "/",
    "a/b",
    "a\\b",
    "C:\\x",
    "con",
    "nul",
    "x" * 300,
    "",
    "class",
    "\uff43\uff4c\uff41\uff53\uff53",
    "a.b",
    "-x",
    "x\x00y",
]


@pytest.mark.parametrize("package", PACKAGE_NAMES, ids=lambda n: repr(n)[:40])
def test_package_names_never_escape_the_output_folder(tmp_path: Path, package: str) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "api.openapi.yaml").write_text(MINIMAL_OPENAPI)
    (specs / "w.arazzo.yaml").write_text(MINIMAL_ARAZZO)
    out = tmp_path / "out"
    before = tree(tmp_path)

    code, _, err = run_cli(
        "generate", str(specs / "w.arazzo.yaml"), "-o", str(out), "--package", package
    )

    assert code != EXIT_INTERNAL_ERROR, err
    created = tree(tmp_path) - before
    assert all(p == "out" or p.startswith("out" + os.sep) for p in created), created
    if code == 0:
        (name,) = {p.split(os.sep)[1] for p in created if os.sep in p}
        assert name.isidentifier() and len(name) <= 64 and name.lower() not in {"con", "nul"}
    else:
        assert code == 2 and "--package" in err, err
        assert not created


def test_output_folder_with_traversal_in_its_path_stays_where_it_points(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "api.openapi.yaml").write_text(MINIMAL_OPENAPI)
    (tmp_path / "specs" / "w.arazzo.yaml").write_text(MINIMAL_ARAZZO)
    (tmp_path / "a" / "b").mkdir(parents=True)
    out = tmp_path / "a" / "b" / ".." / "out"
    code, _, err = run_cli("generate", str(tmp_path / "specs" / "w.arazzo.yaml"), "-o", str(out))
    assert code == 0, err
    assert (tmp_path / "a" / "out" / "w" / "workflows.py").is_file()


def test_symlinked_package_folder_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "api.openapi.yaml").write_text(MINIMAL_OPENAPI)
    (tmp_path / "specs" / "w.arazzo.yaml").write_text(MINIMAL_ARAZZO)
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "w").symlink_to(tmp_path / "elsewhere")
    code, _, err = run_cli(
        "generate", str(tmp_path / "specs" / "w.arazzo.yaml"), "-o", str(tmp_path / "out")
    )
    assert not list((tmp_path / "elsewhere").iterdir())
    assert code in (1, 2), err
    assert "internal error" not in err


def test_symlinked_file_in_package_folder_is_not_written_through(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "api.openapi.yaml").write_text(MINIMAL_OPENAPI)
    (tmp_path / "specs" / "w.arazzo.yaml").write_text(MINIMAL_ARAZZO)
    (tmp_path / "out" / "w").mkdir(parents=True)
    victim = tmp_path / "victim.py"
    victim.write_text("precious = True\n")
    (tmp_path / "out" / "w" / "workflows.py").symlink_to(victim)
    run_cli("generate", str(tmp_path / "specs" / "w.arazzo.yaml"), "-o", str(tmp_path / "out"))
    assert victim.read_text() == "precious = True\n"


def test_existing_hand_written_modules_are_not_deleted(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "api.openapi.yaml").write_text(MINIMAL_OPENAPI)
    (tmp_path / "specs" / "w.arazzo.yaml").write_text(MINIMAL_ARAZZO)
    own = tmp_path / "out" / "w" / "hand_written.py"
    own.parent.mkdir(parents=True)
    own.write_text("important = True\n")
    code, _, err = run_cli(
        "generate", str(tmp_path / "specs" / "w.arazzo.yaml"), "-o", str(tmp_path / "out")
    )
    assert code == 0, err
    assert own.is_file()


# --- bugs found by the property test, kept as minimal reproducers ----------------------------


def compile_and_run_minimal(tmp_path: Path, arazzo: str, openapi: str = MINIMAL_OPENAPI) -> Any:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "api.openapi.yaml").write_text(openapi, encoding="utf-8")
    (specs / "w.arazzo.yaml").write_text(arazzo, encoding="utf-8")
    package = fresh_package_name()
    diagnostics = Diagnostics()
    generated = generate_package(specs / "w.arazzo.yaml", diagnostics, package=package)
    assert generated is not None, [str(d) for d in diagnostics.items]
    write(tmp_path / "out", generated.package, generated.files)
    return import_fresh(tmp_path / "out", package)


PATH_OPENAPI = """\
openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example/v1"}]
paths:
  /users/{id}/profile:
    get:
      operationId: op
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
"""


@pytest.mark.parametrize("value", ["..", "."])
def test_path_parameter_dot_segments_stay_one_segment(tmp_path: Path, value: str) -> None:
    arazzo = MINIMAL_ARAZZO.replace(
        "      - {stepId: s, operationId: op}",
        "      - {stepId: s, operationId: op, parameters: "
        f"[{{name: id, in: path, value: '{value}'}}]}}",
    )
    module = compile_and_run_minimal(tmp_path, arazzo, PATH_OPENAPI)
    _, exchange = run_workflow(module.w, None, lambda r: httpx.Response(200))
    assert decoded_path(exchange.requests[0]).count("/") == 4, exchange.requests[0].url


def compile_or_diagnose(tmp_path: Path, arazzo: str, openapi: str) -> Any:
    """The imported package, or the list of diagnostics (all located) when compiling fails."""
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "api.openapi.yaml").write_text(openapi, encoding="utf-8")
    (specs / "w.arazzo.yaml").write_text(arazzo, encoding="utf-8")
    package = fresh_package_name()
    diagnostics = Diagnostics()
    generated = generate_package(specs / "w.arazzo.yaml", diagnostics, package=package)
    if generated is None:
        errors = [str(d) for d in diagnostics.errors]
        assert errors and all(LOCATED.match(e) for e in errors), errors
        return errors
    write(tmp_path / "out", generated.package, generated.files)
    return import_fresh(tmp_path / "out", package)


HEADER_OPENAPI = """\
openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example/v1"}]
paths:
  /a:
    get:
      operationId: op
      parameters:
        - {name: X-Note, in: header, schema: {type: string}}
        - {name: q, in: query, schema: {type: string}}
      responses: {"200": {description: ok}}
"""


def with_parameters(parameters: str) -> str:
    return MINIMAL_ARAZZO.replace(
        "      - {stepId: s, operationId: op}",
        f"      - {{stepId: s, operationId: op, parameters: [{parameters}]}}",
    )


def test_header_value_that_cannot_be_sent_is_reported(tmp_path: Path) -> None:
    result = compile_or_diagnose(
        tmp_path, with_parameters("{name: X-Note, in: header, value: caf\u00e9}"), HEADER_OPENAPI
    )
    if isinstance(result, list):
        return  # rejected at compile time with a located diagnostic: fine
    with pytest.raises(result.WorkflowError) as caught:
        run_workflow(result.w, None, lambda r: httpx.Response(200))
    assert caught.value.step_id == "s"


def test_input_value_that_cannot_be_sent_raises_a_workflow_error(tmp_path: Path) -> None:
    arazzo = with_parameters("{name: X-Note, in: header, value: $inputs.note}").replace(
        "  - workflowId: w\n",
        "  - workflowId: w\n    inputs: {type: object, properties: {note: {type: string}}}\n",
    )
    module = compile_or_diagnose(tmp_path, arazzo, HEADER_OPENAPI)
    inputs = module.WInputs(note="caf\u00e9")
    with pytest.raises(module.WorkflowError) as caught:
        run_workflow(module.w, inputs, lambda r: httpx.Response(200))
    assert caught.value.step_id == "s"


SEND_OPENAPI = """\
openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example/v1"}]
paths:
  /a/{id}:
    get:
      operationId: op
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: X-Note, in: header, schema: {}}
        - {name: q, in: query, schema: {type: string}}
      responses: {"200": {description: ok}}
"""


@pytest.mark.parametrize(
    ("parameter", "token"),
    [
        ("{name: X-Note, in: header, value: $inputs.token}", "s\u00e9cret"),
        ("{name: X-Note, in: header, value: $inputs.token}", "secret\r\nX-Injected: 1"),
        ("{name: X-Note, in: header, value: [$inputs.token]}", "secret\nX-Injected: 1"),
        ("{name: X-Note, in: header, value: [$inputs.token]}", "s\u00e9cret"),
        ("{name: q, in: query, value: $inputs.token}", "secret\ud800"),
        ("{name: id, in: path, value: $inputs.token}", "secret\ud800"),
    ],
)
def test_values_that_cannot_be_sent_raise_the_steps_request_error(
    tmp_path: Path, parameter: str, token: str
) -> None:
    path = "" if "in: path" in parameter else "{name: id, in: path, value: x}, "
    arazzo = with_parameters(path + parameter).replace(
        "  - workflowId: w\n",
        "  - workflowId: w\n    inputs: {type: object, properties: {token: {type: string}}}\n",
    )
    module = compile_and_run_minimal(tmp_path, arazzo, SEND_OPENAPI)

    def respond(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"sent {request.url}")

    with pytest.raises(module.StepRequestError) as caught:
        run_workflow(module.w, module.WInputs(token=token), respond)
    assert (caught.value.workflow_id, caught.value.step_id) == ("w", "s")
    assert "step s of workflow w could not build its request" in str(caught.value)
    assert "secret" not in str(caught.value) and "secret" not in repr(caught.value)


def test_path_with_control_character(tmp_path: Path) -> None:
    openapi = MINIMAL_OPENAPI.replace("  /a:\n", '  "/a\\nb":\n')
    result = compile_or_diagnose(tmp_path, MINIMAL_ARAZZO, openapi)
    if isinstance(result, list):
        return
    with pytest.raises(result.WorkflowError):
        run_workflow(result.w, None, lambda r: httpx.Response(200))


@pytest.mark.parametrize("separator", ["?", "#"])
def test_path_template_with_query_or_fragment_character(tmp_path: Path, separator: str) -> None:
    openapi = PATH_OPENAPI.replace("/users/{id}/profile", f"/users{separator}x/{{id}}")
    arazzo = with_parameters("{name: id, in: path, value: 'v42'}")
    result = compile_or_diagnose(tmp_path, arazzo, openapi)
    if isinstance(result, list):
        return
    _, exchange = run_workflow(result.w, None, lambda r: httpx.Response(200))
    assert "v42" in exchange.requests[0].url.path, exchange.requests[0].url


def test_path_template_text_is_percent_encoded_where_a_path_cannot_hold_it(
    tmp_path: Path,
) -> None:
    openapi = PATH_OPENAPI.replace("/users/{id}/profile", "/s p?a#b%20\u00e9;=@/{id}/x")
    module = compile_and_run_minimal(
        tmp_path, with_parameters("{name: id, in: path, value: 'v42'}"), openapi
    )
    _, exchange = run_workflow(module.w, None, lambda r: httpx.Response(200))
    url = exchange.requests[0].url
    assert url.raw_path == b"/base/s%20p%3Fa%23b%20%C3%A9;=@/v42/x"
    assert (url.query, url.fragment) == (b"", "")


LOOP_ARAZZO = """\
arazzo: 1.0.1
info: {title: t, version: "1"}
sourceDescriptions:
  - {name: api, url: ./api.openapi.yaml, type: openapi}
workflows:
  - workflowId: w
    steps:
      - stepId: first
        operationId: op
        outputs: {step: $response.body#/value}
        onSuccess: [{name: next, type: goto, stepId: second}]
      - {stepId: second, operationId: op}
    outputs: {value: $steps.first.outputs.step}
"""


def test_output_named_like_the_loop_state_keeps_its_value(tmp_path: Path) -> None:
    openapi = MINIMAL_OPENAPI.replace(
        'responses: {"200": {description: ok}}',
        'responses: {"200": {description: ok, content: {application/json: {schema: '
        "{type: object, properties: {value: {type: string}}}}}}}",
    )
    module = compile_and_run_minimal(tmp_path, LOOP_ARAZZO, openapi)
    outputs, _ = run_workflow(module.w, None, lambda r: httpx.Response(200, json={"value": "v"}))
    assert outputs.value == "v"


NESTED_ARAZZO = """\
arazzo: 1.0.1
info: {title: t, version: "1"}
sourceDescriptions:
  - {name: api, url: ./api.openapi.yaml, type: openapi}
workflows:
  - workflowId: inner
    steps:
      - {stepId: s, operationId: op}
  - workflowId: outer
    steps:
      - stepId: first
        operationId: op
        outputs: {timeout: $response.body#/t, on_response: $response.body#/h}
      - {stepId: second, workflowId: inner}
"""


def test_outputs_named_like_parameters_do_not_reach_nested_calls(tmp_path: Path) -> None:
    openapi = MINIMAL_OPENAPI.replace(
        'responses: {"200": {description: ok}}',
        'responses: {"200": {description: ok, content: {application/json: {schema: '
        "{type: object, properties: {t: {type: number}, h: {type: string}}}}}}}",
    )
    module = compile_and_run_minimal(tmp_path, NESTED_ARAZZO, openapi)
    seen: list[str] = []

    def hook(step_id: str, response: httpx.Response) -> None:
        seen.append(step_id)

    async def go() -> Any:
        transport = httpx.MockTransport(
            lambda r: httpx.Response(200, json={"t": 0.000001, "h": "not a function"})
        )
        async with httpx.AsyncClient(transport=transport) as client:
            return await module.outer(client=client, on_response=hook, timeout=30.0)

    asyncio.run(go())
    assert seen == ["first", "s"]


# --- the names the generated workflow functions bind ------------------------------------------

EVERY_FEATURE_OPENAPI = """\
openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example/v1"}]
security: [{tok: []}]
components: {securitySchemes: {tok: {type: http, scheme: bearer}}}
paths:
  /items/{id}:
    post:
      operationId: op
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: q, in: query, schema: {type: array, items: {type: string}}}
        - {name: X-Key, in: header, schema: {type: string}}
        - {name: c, in: cookie, schema: {type: string}}
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object, properties: {v: {type: string}}}}}
"""


def every_feature_arazzo(reserved: Sequence[str]) -> str:
    """Workflows using every construct of the function template (dependsOn, goto, retry, end,
    workflow steps and actions, typed criteria, criteria whose contexts are bound to locals,
    every parameter location, a body), with step outputs and workflows named like each
    reserved name."""
    outputs = "{" + ", ".join(f"{name}: $response.body#/v" for name in reserved) + "}"
    return f"""\
arazzo: 1.0.1
info: {{title: t, version: "1"}}
sourceDescriptions:
  - {{name: api, url: ./api.openapi.yaml, type: openapi}}
workflows:
  - workflowId: request
    inputs: {{type: object, properties: {{token: {{type: string}}}}}}
    steps:
      - stepId: s
        operationId: op
        parameters: [{{name: id, in: path, value: $inputs.token}}]
        outputs: {outputs}
    outputs: {{v: $steps.s.outputs.step}}
  - workflowId: timeout
    dependsOn: [request]
    inputs: {{type: object, required: [token], properties: {{token: {{type: string}}}}}}
    steps:
      - stepId: first
        operationId: op
        parameters:
          - {{name: id, in: path, value: $inputs.token}}
          - {{name: q, in: query, value: [a, $inputs.token]}}
          - {{name: X-Key, in: header, value: "Bearer {{$inputs.token}}"}}
          - {{name: c, in: cookie, value: c}}
        requestBody: {{payload: {{a: $inputs.token}}}}
        successCriteria:
          - {{condition: $statusCode == 200}}
          - {{context: $response.body, condition: "$[?@.v == 'x']", type: jsonpath}}
          - {{context: $response.body#/v, condition: "^x", type: regex}}
          - {{context: $response.body, condition: "$[?$.v == 'x']", type: jsonpath}}
          - {{context: $response.body#/w, condition: "$[?$.v == 'x']", type: jsonpath}}
          - {{context: $inputs, condition: "$[?$.token == 'x']", type: jsonpath}}
        outputs: {outputs}
        onSuccess: [{{name: next, type: goto, stepId: call}}]
        onFailure: [{{name: again, type: retry, retryAfter: 0, retryLimit: 2, stepId: last}}]
      - stepId: call
        workflowId: request
        parameters: [{{name: token, value: $steps.first.outputs.step}}]
        onFailure: [{{name: stop, type: end}}]
        outputs: {{error: $outputs.v}}
      - stepId: last
        operationId: op
        parameters: [{{name: id, in: path, value: $steps.call.outputs.error}}]
        onSuccess: [{{name: done, type: goto, workflowId: request}}]
    outputs: {{v: $steps.first.outputs.response, w: $workflows.request.outputs.v}}
"""


def allocated_locals(module: ir.Module) -> set[str]:
    """The local names the compiler allocated for the values of a module's workflows."""
    names: set[str] = set()
    for workflow in (*module.workflows, *module.internal_workflows):
        names |= {source.local for source in workflow.sources}
        names |= {call.local for call in workflow.dependencies}
        for step in workflow.steps:
            names |= {output.local for output in step.outputs}
            if isinstance(step.call, ir.WorkflowCall):
                names.add(step.call.local)
            actions = (*step.on_success, *step.on_failure)
            names |= {action.workflow.local for action in actions if action.workflow}
    return names


def function_bindings(function: ast.AsyncFunctionDef | ast.FunctionDef) -> set[str]:
    """The names a function binds in its own scope (comprehension variables have their own)."""
    arguments = function.args
    names = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
    in_comprehension = {
        id(node)
        for comprehension in ast.walk(function)
        if isinstance(comprehension, ast.comprehension)
        for node in ast.walk(comprehension.target)
    }
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            if id(node) not in in_comprehension:
                names.add(node.id)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
    return names


def test_reserved_function_locals_are_what_the_template_binds(tmp_path: Path) -> None:
    (tmp_path / "api.openapi.yaml").write_text(EVERY_FEATURE_OPENAPI, encoding="utf-8")
    (tmp_path / "w.arazzo.yaml").write_text(every_feature_arazzo(FUNCTION_LOCALS), "utf-8")
    diagnostics = Diagnostics()
    module = compile_document(tmp_path / "w.arazzo.yaml", diagnostics)
    assert module is not None, [str(d) for d in diagnostics.items]
    allocated = allocated_locals(module)
    assert allocated.isdisjoint(FUNCTION_LOCALS), allocated & set(FUNCTION_LOCALS)
    tree = ast.parse(render_module(module, sync=True)["workflows.py"])
    functions = [n for n in tree.body if isinstance(n, ast.AsyncFunctionDef | ast.FunctionDef)]
    assert len(functions) == 4  # two workflows, each with its synchronous twin
    bound_by_template = set().union(*(function_bindings(f) - allocated for f in functions))
    assert bound_by_template == set(FUNCTION_LOCALS)
    top_level = {n.name for n in functions}
    assert top_level.isdisjoint(FUNCTION_LOCALS), top_level


# --- nested schemas: models -----------------------------------------------------------------


@dataclasses.dataclass
class SchemaCase:
    """A hostile object schema, the JSON Schema text, and a JSON value that fits it."""

    schema: dict[str, Any]
    value: dict[str, Any]
    titles: list[str]
    descriptions: list[str]
    enums: list[list[str]]


def hostile_object(rec: Any, depth: int, texts: SchemaCase) -> tuple[dict[str, Any], Any]:
    """An object schema with hostile member names, title, descriptions, enum values and
    defaults, nested objects and arrays of them; and a value that fits it."""
    properties: dict[str, Any] = {}
    value: dict[str, Any] = {}
    required: list[str] = []
    names: set[str] = set()
    for index in range(rec.number(1, 4)):
        name = no_surrogates(rec.free())
        while name in names:
            name += "_"
        names.add(name)
        kind = rec.number(0, 4 if depth < 2 else 2)
        description = no_surrogates(rec.text())
        prop: dict[str, Any]
        member: Any
        if kind == 0:
            prop, member = {"type": "string"}, no_surrogates(rec.text())
            if rec.chance():
                prop["default"] = no_surrogates(rec.text())
        elif kind == 1:
            enum = list(dict.fromkeys(no_surrogates(rec.free()) for _ in range(3)))
            texts.enums.append(enum)
            prop, member = {"type": "string", "enum": enum}, enum[-1]
        elif kind == 2:
            prop, member = {"type": ["string", "null"]}, None
        elif kind == 3:
            prop, member = hostile_object(rec, depth + 1, texts)
        else:
            item, item_value = hostile_object(rec, depth + 1, texts)
            prop, member = {"type": "array", "items": item}, [item_value]
        if description.strip():
            prop["description"] = description
            texts.descriptions.append(description)
        properties[name] = prop
        if index == 0 or rec.chance():
            required.append(name)
            value[name] = member
        elif rec.chance():
            value[name] = member
    title = no_surrogates(rec.free())
    texts.titles.append(title)
    schema = {"type": "object", "title": title, "required": required, "properties": properties}
    return schema, value


def models_case(rec: Any) -> tuple[dict[str, str], SchemaCase]:
    texts = SchemaCase({}, {}, [], [], [])
    texts.schema, texts.value = hostile_object(rec, 0, texts)
    component = no_surrogates(rec.free())
    ref = "#/components/schemas/" + component.replace("~", "~0").replace("/", "~1")
    openapi = {
        "openapi": "3.1.0",
        "info": {"title": "models", "version": "1"},
        "servers": [{"url": BASE_URL}],
        "paths": {
            "/things": {
                "post": {
                    "operationId": "putThing",
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": ref}}}},
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": ref}}},
                        }
                    },
                }
            }
        },
        "components": {"schemas": {component: texts.schema}},
    }
    arazzo = {
        "arazzo": "1.0.1",
        "info": {"title": "models", "version": "1"},
        "sourceDescriptions": [{"name": "api", "url": "./api.openapi.json", "type": "openapi"}],
        "workflows": [
            {
                "workflowId": "put-thing",
                "inputs": {
                    "type": "object",
                    "required": ["thing"],
                    "properties": {"thing": {"$ref": "./api.openapi.json" + ref}},
                },
                "steps": [
                    {
                        "stepId": "put",
                        "operationId": "putThing",
                        "requestBody": {
                            "contentType": "application/json",
                            "payload": "$inputs.thing",
                        },
                        "outputs": {"thing": "$response.body"},
                    }
                ],
                "outputs": {"thing": "$steps.put.outputs.thing"},
            }
        ],
    }
    documents = {
        "workflow.arazzo.json": json.dumps(arazzo, ensure_ascii=True, indent=1),
        "api.openapi.json": json.dumps(openapi, ensure_ascii=True, indent=1),
    }
    return documents, texts


BASE_URL = "https://models.example"
MODEL_MODULE_NODES = (ast.ImportFrom, ast.Import, ast.ClassDef, ast.Assign)


def check_models_source(source: str) -> list[str]:
    """models.py holds only imports, classes and, after them, the converters built once (each
    `_NAME = _convert.<builder>(...)`, under a name of its own); each class only fields, their
    docstrings and the two converters. Returns the class names."""
    tree = ast.parse(source)
    body = tree.body
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    names = []
    constants: list[str] = []
    for node in body[1:]:
        assert isinstance(node, MODEL_MODULE_NODES), ast.dump(node)[:200]
        assert not constants or isinstance(node, ast.Assign), ast.dump(node)[:200]
        if isinstance(node, ast.Assign):
            [target] = node.targets
            call = node.value
            assert isinstance(target, ast.Name) and target.id.startswith("_"), ast.dump(node)
            assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            assert isinstance(call.func.value, ast.Name) and call.func.value.id == "_convert"
            constants.append(target.id)
        if isinstance(node, ast.ImportFrom):
            assert node.module in ("__future__", "typing", None), node.module
        if isinstance(node, ast.ClassDef):
            names.append(node.name)
            methods = [n.name for n in node.body if isinstance(n, ast.FunctionDef)]
            assert methods in (["from_json", "to_json"], ["from_json", "to_json", "__repr__"])
            for statement in node.body:
                ok = isinstance(statement, (ast.AnnAssign, ast.FunctionDef)) or (
                    isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                )
                assert ok, ast.dump(statement)[:200]
    assert len(set(names + constants)) == len(names + constants)
    loaded = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    assert set(constants) <= loaded, "a converter no class reads"
    return names


@settings(
    max_examples=examples(int(os.environ.get("HOSTILE_EXAMPLES", "60"))) // 2,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def _hostile_models(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    check_models_case(tmp_path_factory.mktemp("models"), DrawPicker(data.draw))


def check_models_case(folder: Path, picker: Any) -> None:
    documents, texts = models_case(picker)
    for name, text in documents.items():
        (folder / name).write_text(text, encoding="utf-8")
    package = fresh_package_name()
    diagnostics = Diagnostics()
    generated = generate_package(folder / "workflow.arazzo.json", diagnostics, package=package)
    assert generated is not None, [str(d) for d in diagnostics.sorted()]
    write(folder / "out", package, generated.files)
    module = import_fresh(folder / "out", package)
    try:
        names = check_models_source(generated.files["models.py"])
        models = module.models
        docs = " ".join(docstring_words(getattr(models, n).__doc__) for n in names)
        field_docs = " ".join(
            docstring_words(doc)
            for n in names
            for doc in attribute_docstrings(generated.files["models.py"], n)
            if doc
        )
        for title in texts.titles:
            assert normalised(title) in docs, title
        for description in texts.descriptions:
            assert normalised(description) in field_docs, description
        for n in names:
            typing.get_type_hints(getattr(models, n), vars(models))  # annotations resolve
        literals = [
            values
            for n in names
            for annotation in getattr(models, n).__annotations__.values()
            for values in written_literals(annotation)
        ]
        for enum in texts.enums:
            assert enum in literals, enum
        root = next(
            getattr(models, n)
            for n in names
            if typing.get_type_hints(module.PutThingInputs)["thing"] is getattr(models, n)
        )
        thing = root.from_json(texts.value)
        assert thing.to_json() == texts.value
        sent: list[Any] = []

        def handler(request: httpx.Request) -> httpx.Response:
            sent.append(json.loads(request.content))
            return httpx.Response(200, json=texts.value)

        async def go() -> Any:
            transport = httpx.MockTransport(handler)
            async with httpx.AsyncClient(transport=transport) as client:
                return await module.put_thing(module.PutThingInputs(thing=thing), client=client)

        outputs = asyncio.run(go())
        assert sent == [texts.value]
        assert outputs.thing == thing
        STATS["model documents"] += 1
    finally:
        unload(package)


def test_hostile_nested_schemas_become_models_that_round_trip(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    _hostile_models(tmp_path_factory)
    assert STATS["model documents"] >= 30


@pytest.mark.parametrize("offset", range(0, len(HOSTILE_PIECES), 12))
def test_every_hostile_string_in_every_place_of_a_nested_schema(
    tmp_path: Path, offset: int
) -> None:
    """Deterministic sweep: member names, titles, descriptions and enum values cycle through
    every hostile string."""
    check_models_case(tmp_path, CyclePicker(offset))
