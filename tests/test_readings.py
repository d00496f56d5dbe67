"""Readings of forms real documents use that need the workflow around them (generator/compile/
readings.py): each compiles with a warning naming the standard form, behaves as the document
means when run, and is rejected under --strict. And --keep-going: a document whose workflows
partly have errors gives the others, while the run still fails."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from support import compile_documents, write_documents

from generator.cli import main
from generator.compile.readings import (
    STANDARD_ID,
    path_parameter_as_written,
    step_reference_as_written,
)
from generator.diagnostics import Diagnostics
from generator.expressions import ast
from generator.pipeline import generate_package

OPENAPI = """
openapi: 3.0.3
info: {title: Pets, version: "1"}
servers: [{url: "https://pets.example"}]
paths:
  /pets/{petId}:
    get:
      operationId: getPet
      parameters: [{name: petId, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: a pet
          content:
            application/json:
              schema: {type: object, properties: {name: {type: string}}}
"""


def document(steps: str, outputs: str, extra_workflows: str = "") -> str:
    return f"""
arazzo: 1.0.1
info: {{title: Pets, version: "1"}}
sourceDescriptions:
  - {{name: pets, url: ./pets.openapi.yaml}}
workflows:
  - workflowId: pet
    inputs:
      type: object
      properties:
        id: {{type: string}}
    steps:
{steps}
    outputs:
{outputs}
{extra_workflows}
"""


GET_PET = """\
      - stepId: {step_id}
        operationId: getPet
        parameters:
          - {{name: {name}, in: path, value: $inputs.id}}
        successCriteria:
          - condition: $statusCode == 200
        outputs:
          name: $response.body#/name
          kind: {kind}
"""

CASES = {
    "constant step output": (
        GET_PET.format(step_id="fetch", name="petId", kind="'dog'"),
        "      name: $steps.fetch.outputs.name\n      kind: $steps.fetch.outputs.kind",
        "output 'kind' is the constant \"dog\", not a runtime expression",
    ),
    "step id outside the pattern": (
        GET_PET.format(step_id="'fetch the pet'", name="petId", kind="$response.body#/name"),
        "      name: $steps.fetch the pet.outputs.name\n"
        "      kind: $steps.fetch the pet.outputs.kind",
        "step id 'fetch the pet' in '$steps.fetch the pet.outputs.name' is outside the pattern",
    ),
    "path parameter named in snake_case": (
        GET_PET.format(step_id="fetch", name="pet_id", kind="$response.body#/name"),
        "      name: $steps.fetch.outputs.name\n      kind: $steps.fetch.outputs.kind",
        "path parameter 'pet_id' does not appear in the path '/pets/{petId}'; read as 'petId'",
    ),
}


def _documents(case: str) -> dict[str, str]:
    steps, outputs, _ = CASES[case]
    return {"workflow.arazzo.yaml": document(steps, outputs), "pets.openapi.yaml": OPENAPI}


def run(workflow: Any, inputs: Any, handler: Any, **kwargs: Any) -> Any:
    """Run a generated workflow function with its requests answered by `handler`."""

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await workflow(inputs, client=client, **kwargs)

    return asyncio.run(go())


def rejected_under_strict(folder: Path, documents: dict[str, str]) -> list[str]:
    """The errors compiling the documents under --strict gives (no package is made)."""
    write_documents(folder, documents)
    strict = Diagnostics(strict=True)
    assert generate_package(folder / "workflow.arazzo.yaml", strict) is None
    errors = [d.message for d in strict.errors]
    assert any(m.endswith("(rejected by --strict)") for m in errors), errors
    return errors


@pytest.mark.parametrize("case", CASES)
def test_reading_compiles_with_a_warning_and_runs(tmp_path: Path, case: str) -> None:
    module, diagnostics = compile_documents(tmp_path, _documents(case))
    messages = [d.message for d in diagnostics.warnings]
    assert any(CASES[case][2] in m for m in messages), messages
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"name": "Rex"})

    outputs = run(module.pet, module.PetInputs(id="p1"), handler)
    assert seen == ["/pets/p1"]
    assert outputs.name == "Rex"
    assert outputs.kind == ("dog" if case == "constant step output" else "Rex")


@pytest.mark.parametrize("case", CASES)
def test_strict_rejects_the_reading(tmp_path: Path, case: str) -> None:
    write_documents(tmp_path, _documents(case))
    diagnostics = Diagnostics(strict=True)
    assert generate_package(tmp_path / "workflow.arazzo.yaml", diagnostics) is None
    assert any(
        CASES[case][2] in d.message and d.message.endswith("(rejected by --strict)")
        for d in diagnostics.errors
    )


def test_a_constant_that_mentions_an_expression_is_not_read_as_a_constant(
    tmp_path: Path,
) -> None:
    steps = GET_PET.format(step_id="fetch", name="petId", kind="'$step.fetch'")
    write_documents(
        tmp_path,
        {
            "workflow.arazzo.yaml": document(steps, "      name: $steps.fetch.outputs.name"),
            "pets.openapi.yaml": OPENAPI,
        },
    )
    diagnostics = Diagnostics()
    assert generate_package(tmp_path / "workflow.arazzo.yaml", diagnostics) is None
    assert any("'$step.fetch'" in d.message for d in diagnostics.errors)


def test_step_references_as_written_need_a_step_of_that_id() -> None:
    ids = {"Plan a Trip_0", "Plan a Trip", "plain"}
    found = step_reference_as_written("$steps.Plan a Trip_0.outputs.result#/a", ids)
    assert found == ast.StepRef("Plan a Trip_0", "result", "/a")
    assert step_reference_as_written("$steps.Plan a Trip.outputs.x y", ids) == ast.StepRef(
        "Plan a Trip", "x y", None
    )
    assert step_reference_as_written("$steps.Other step.outputs.x", ids) is None
    assert step_reference_as_written("$steps.plain.outputs.x", ids) is None  # standard: parsed
    assert step_reference_as_written("$steps.Plan a Trip.outputs.", ids) is None


@pytest.mark.parametrize(
    ("name", "path", "read"),
    [
        ("pet_id", "/pet/{petId}/coupons", "petId"),
        ("PETID", "/pet/{petId}", "petId"),
        ("pet-id", "/pet/{pet_id}", "pet_id"),
        ("petId", "/pet/{id}", None),
        ("pet_id", "/pet/{petId}/{pet-id}", None),  # two candidates: no single reading
    ],
)
def test_path_parameter_as_written(name: str, path: str, read: str | None) -> None:
    assert path_parameter_as_written(name, path) == read


# ---- --keep-going ----------------------------------------------------------------------

BROKEN_WORKFLOW = """\
  - workflowId: broken
    steps:
      - stepId: fetch
        operationId: getPet
        parameters:
          - {name: petId, in: path, value: $inputs.missing}
"""


def _partly_broken(tmp_path: Path) -> Path:
    steps = GET_PET.format(step_id="fetch", name="petId", kind="$response.body#/name")
    write_documents(
        tmp_path / "specs",
        {
            "partly.arazzo.yaml": document(
                steps, "      name: $steps.fetch.outputs.name", BROKEN_WORKFLOW
            ),
            "pets.openapi.yaml": OPENAPI,
        },
    )
    return tmp_path / "specs" / "partly.arazzo.yaml"


def test_by_default_a_document_with_a_broken_workflow_gives_nothing(tmp_path: Path) -> None:
    spec = _partly_broken(tmp_path)
    err = io.StringIO()
    status = main(["generate", str(spec), "-o", str(tmp_path / "out")], io.StringIO(), err)
    assert status == 1
    assert "unknown input 'missing'" in err.getvalue()
    assert not (tmp_path / "out" / "partly").exists()


def test_keep_going_generates_the_valid_workflows_and_still_fails(tmp_path: Path) -> None:
    spec = _partly_broken(tmp_path)
    err = io.StringIO()
    arguments = ["generate", str(spec), "-o", str(tmp_path / "out"), "--keep-going"]
    status = main(arguments, io.StringIO(), err)
    assert status == 1  # CI still fails on any error
    assert "unknown input 'missing'" in err.getvalue()
    assert "workflow 'broken' is left out of the package" in err.getvalue()
    generated = (tmp_path / "out" / "partly" / "workflows.py").read_text()
    assert "async def pet(" in generated
    assert "async def broken(" not in generated


def test_keep_going_from_pyproject_and_in_check(tmp_path: Path, monkeypatch: Any) -> None:
    spec = _partly_broken(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.arazzo-codegen]\nkeep-going = true\n")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    status = main(["generate", str(spec), "-o", "out"], out, io.StringIO())
    assert status == 1
    assert (tmp_path / "out" / "partly" / "workflows.py").exists()
    err = io.StringIO()
    assert main(["check", str(spec)], io.StringIO(), err) == 1
    assert "unknown input 'missing'" in err.getvalue()


def test_keep_going_with_every_workflow_broken_gives_nothing(tmp_path: Path) -> None:
    write_documents(
        tmp_path,
        {
            "all.arazzo.yaml": document(
                BROKEN_WORKFLOW.replace("  - workflowId: broken\n    steps:\n", ""),
                "      name: $inputs.id",
            ),
            "pets.openapi.yaml": OPENAPI,
        },
    )
    diagnostics = Diagnostics()
    assert generate_package(tmp_path / "all.arazzo.yaml", diagnostics, keep_going=True) is None
    assert diagnostics.has_errors


def test_keep_going_leaves_out_a_workflow_whose_source_cannot_be_read(tmp_path: Path) -> None:
    # The missing file is an error of the document, reported before any workflow compiles: the
    # workflow whose step calls it is incomplete and left out (it was generated without its
    # steps, as code that does not parse), the other one is generated.
    steps = GET_PET.format(step_id="fetch", name="petId", kind="$response.body#/name")
    text = document(steps, "      name: $steps.fetch.outputs.name")
    text = text.replace(
        "  - {name: pets, url: ./pets.openapi.yaml}",
        "  - {name: pets, url: ./pets.openapi.yaml}\n  - {name: animals, url: ./animals.yaml}",
    )
    text += """
  - workflowId: animal
    steps:
      - stepId: list
        operationId: $sourceDescriptions.animals.listAnimals
"""
    write_documents(tmp_path, {"two.arazzo.yaml": text, "pets.openapi.yaml": OPENAPI})
    err = io.StringIO()
    out = tmp_path / "out"
    status = main(
        ["generate", str(tmp_path / "two.arazzo.yaml"), "-o", str(out), "-k"], io.StringIO(), err
    )
    assert status == 1
    assert "animals.yaml" in err.getvalue()
    assert "workflow 'animal' is left out of the package" in err.getvalue()
    generated = (out / "two" / "workflows.py").read_text()
    assert "async def pet(" in generated and "async def animal(" not in generated


# ---- $dependencies and other unknown roots ------------------------------------------------

TOKEN_OPENAPI = """
openapi: 3.0.3
info: {title: Music, version: "1"}
servers: [{url: "https://music.example"}]
paths:
  /token:
    post:
      operationId: getToken
      responses:
        "200":
          description: a token
          content:
            application/json:
              schema: {type: object, properties: {access_token: {type: string}}}
  /search:
    get:
      operationId: search
      parameters: [{name: Authorization, in: header, schema: {type: string}}]
      responses:
        "200":
          description: results
          content:
            application/json:
              schema: {type: object, properties: {total: {type: integer}}}
"""

TOKEN_DOCUMENT = """
arazzo: 1.0.1
info: {title: Music, version: "1"}
sourceDescriptions:
  - {name: music, url: ./music.openapi.yaml}
workflows:
  - workflowId: token
    steps:
      - stepId: fetch
        operationId: getToken
        successCriteria: [{condition: $statusCode == 200}]
        outputs: {access_token: $response.body#/access_token}
    outputs: {access_token: $steps.fetch.outputs.access_token}
  - workflowId: search
    dependsOn: [token]
    steps:
      - stepId: find
        operationId: search
        parameters:
          - {name: Authorization, in: header, value: "Bearer $dependencies.token.access_token"}
          - {name: X-Trace, in: header, value: "run $trace.id"}
        successCriteria: [{condition: $statusCode == 200}]
        outputs: {total: $response.body#/total}
    outputs: {total: $steps.find.outputs.total}
"""


def test_dependencies_read_as_the_outputs_of_the_workflow_depended_on(tmp_path: Path) -> None:
    documents = {"workflow.arazzo.yaml": TOKEN_DOCUMENT, "music.openapi.yaml": TOKEN_OPENAPI}
    module, diagnostics = compile_documents(tmp_path, documents)
    messages = [d.message for d in diagnostics.warnings]
    assert any("read as 'Bearer {$workflows.token.outputs.access_token}'" in m for m in messages), (
        messages
    )
    assert any(
        "'$trace.id' in 'run $trace.id' looks like a runtime expression" in m for m in messages
    )
    sent: list[tuple[str | None, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "T-1"})
        sent.append((request.headers.get("Authorization"), request.headers.get("X-Trace")))
        return httpx.Response(200, json={"total": 3})

    assert run(module.search, module.SearchInputs(), handler).total == 3
    assert sent == [("Bearer T-1", "run $trace.id")]

    assert any("$dependencies." in m for m in rejected_under_strict(tmp_path / "s", documents))


def test_dependencies_without_a_single_reading_are_left_alone() -> None:
    from generator.compile.readings import dependencies_reading

    assert dependencies_reading("$dependencies.a.f", ["a"], ["a"]) is None  # both
    assert dependencies_reading("$dependencies.a.f", [], []) is None  # neither
    assert dependencies_reading("$dependencies.a.f", [], ["a"]) == "$steps.a.outputs.f"


# ---- the implicit Content-Type of a step that sends a body -----------------------------------

POST_OPENAPI = """
openapi: 3.0.3
info: {title: Notes, version: "1"}
servers: [{url: "https://notes.example"}]
paths:
  /notes:
    post:
      operationId: addNote
      requestBody:
        content:
          application/json:
            schema: {type: object}
      responses:
        "201": {description: added}
"""

POST_DOCUMENT = """
arazzo: 1.0.1
info: {title: Notes, version: "1"}
sourceDescriptions:
  - {name: notes, url: ./notes.openapi.yaml}
workflows:
  - workflowId: add
    steps:
      - stepId: post
        operationId: addNote
        requestBody: {contentType: application/json, payload: {text: hi}}
        successCriteria:
          - condition: $statusCode == 201 && $request.header.content-type == 'application/json'
        outputs: {sent: $request.header.Content-Type}
    outputs: {sent: $steps.post.outputs.sent}
"""


def test_the_content_type_of_the_body_a_step_sends_can_be_read_back(tmp_path: Path) -> None:
    documents = {"workflow.arazzo.yaml": POST_DOCUMENT, "notes.openapi.yaml": POST_OPENAPI}
    module, diagnostics = compile_documents(tmp_path, documents)
    assert any(
        "the step gives no Content-Type header parameter; read as the media type of the body "
        "it sends, 'application/json'" in d.message
        for d in diagnostics.warnings
    )
    received: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(request.headers.get("Content-Type"))
        return httpx.Response(201)

    assert run(module.add, module.AddInputs(), handler).sent == "application/json"
    assert received == ["application/json"]  # what was read back is what was sent

    assert rejected_under_strict(tmp_path / "strict", documents)


# ---- dangling $ref in a schema used only for typing ------------------------------------------

DANGLING_OPENAPI = (
    OPENAPI.replace(
        "schema: {type: object, properties: {name: {type: string}}}",
        'schema: {type: object, properties: {owner: {$ref: "#/components/schemas/Owner"}}}',
    )
    + """\
  /owners:
    get:
      operationId: getOwners
      parameters: [{$ref: "#/components/parameters/Page"}]
      responses: {"200": {description: owners}}
"""
)


def _dangling(tmp_path: Path, steps: str, outputs: str, *, owners: bool) -> dict[str, str]:
    openapi = DANGLING_OPENAPI if owners else DANGLING_OPENAPI.split("  /owners:")[0]
    return {"workflow.arazzo.yaml": document(steps, outputs), "pets.openapi.yaml": openapi}


def test_a_dangling_ref_that_only_types_a_value_types_it_any(tmp_path: Path) -> None:
    steps = GET_PET.format(step_id="fetch", name="petId", kind="$response.body#/owner")
    outputs = "      name: $steps.fetch.outputs.name\n      kind: $steps.fetch.outputs.kind"
    documents = _dangling(tmp_path, steps, outputs, owners=False)
    module, diagnostics = compile_documents(tmp_path, documents)
    assert any(
        "reference '#/components/schemas/Owner' does not resolve; the schema only types a "
        "value, which is typed Any" in d.message
        for d in diagnostics.warnings
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"name": "Rex", "owner": {"id": 7}})

    assert run(module.pet, module.PetInputs(id="p1"), handler).kind == {"id": 7}
    assert rejected_under_strict(tmp_path / "strict", documents)


def test_a_dangling_ref_needed_to_build_a_request_stays_an_error(tmp_path: Path) -> None:
    steps = """\
      - stepId: owners
        operationId: getOwners
"""
    write_documents(tmp_path, _dangling(tmp_path, steps, "      name: $inputs.id", owners=True))
    diagnostics = Diagnostics()
    assert generate_package(tmp_path / "workflow.arazzo.yaml", diagnostics) is None
    assert any(
        "'#/components/parameters/Page' does not resolve" in d.message
        and "typed Any" not in d.message
        for d in diagnostics.errors
    )


# ---- Redocly's x-operation steps -------------------------------------------------------------

X_OPERATION_DOCUMENT = """
arazzo: 1.0.1
info: {title: Members, version: "1"}
sourceDescriptions:
  - {name: pets, url: ./pets.openapi.yaml}
workflows:
  - workflowId: members
    steps:
      - stepId: create
        x-operation: {method: post, url: "https://members.example/orgs/a/members"}
        requestBody: {payload: {name: Ann}}
        successCriteria: [{condition: $statusCode == 201}]
        outputs: {id: $response.body#/id}
      - stepId: read
        x-operation: {url: "https://members.example/orgs/a/members/{id}", method: get}
        parameters:
          - {in: path, name: id, value: $steps.create.outputs.id}
          - {in: query, name: full, value: "yes"}
        successCriteria: [{condition: $statusCode == 200}]
        outputs: {name: $response.body#/name}
    outputs: {name: $steps.read.outputs.name}
"""


def test_x_operation_steps_send_their_method_and_url(tmp_path: Path) -> None:
    documents = {"workflow.arazzo.yaml": X_OPERATION_DOCUMENT, "pets.openapi.yaml": OPENAPI}
    module, diagnostics = compile_documents(tmp_path, documents)
    assert any(
        "step 'create' calls POST https://members.example/orgs/a/members through Redocly's "
        "'x-operation'" in d.message
        for d in diagnostics.warnings
    )
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url}")
        if request.method == "POST":
            assert json.loads(request.content) == {"name": "Ann"}
            return httpx.Response(201, json={"id": "m 1"})
        return httpx.Response(200, json={"name": "Ann"})

    assert run(module.members, module.MembersInputs(), handler).name == "Ann"
    assert seen == [
        "POST https://members.example/orgs/a/members",
        "GET https://members.example/orgs/a/members/m%201?full=yes",
    ]
    seen.clear()
    run(
        module.members,
        module.MembersInputs(),
        handler,
        base_urls={"https://members.example": "http://127.0.0.1:9"},
    )
    assert seen[0] == "POST http://127.0.0.1:9/orgs/a/members"

    assert rejected_under_strict(tmp_path / "strict", documents)


# ---- properties of the readings -------------------------------------------------------------

_WORDS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6), min_size=1, max_size=4
)


@settings(max_examples=examples(300), deadline=None)
@given(words=_WORDS, spelling=st.sampled_from(["camel", "snake", "kebab", "upper", "pascal"]))
def test_a_path_parameter_spelt_another_way_reads_as_the_template_name(
    words: list[str], spelling: str
) -> None:
    camel = words[0] + "".join(w.capitalize() for w in words[1:])
    written = {
        "camel": camel,
        "snake": "_".join(words),
        "kebab": "-".join(words),
        "upper": camel.upper(),
        "pascal": "".join(w.capitalize() for w in words),
    }[spelling]
    assert path_parameter_as_written(written, f"/things/{{{camel}}}/parts") == camel
    # two template parameters that both fit leave no single reading
    assert path_parameter_as_written(written, f"/a/{{{camel}}}/b/{{{camel.upper()}}}") is None
    assert path_parameter_as_written(written + "x", f"/things/{{{camel}}}") is None


_ID_CHARS = "abcXYZ019_- ."
_NAME_CHARS = "abcXYZ019_-. "


@settings(max_examples=examples(300), deadline=None)
@given(
    step_id=st.text(alphabet=_ID_CHARS, min_size=1, max_size=12).filter(
        lambda s: not STANDARD_ID.fullmatch(s)
    ),
    name=st.text(alphabet=_NAME_CHARS, min_size=1, max_size=12),
    pointer=st.one_of(st.none(), st.sampled_from(["", "/a", "/a/0"])),
    others=st.lists(st.text(alphabet=_ID_CHARS, min_size=1, max_size=12), max_size=3),
)
def test_a_step_reference_as_written_reads_back_its_step_name_and_pointer(
    step_id: str, name: str, pointer: str | None, others: list[str]
) -> None:
    text = f"$steps.{step_id}.outputs.{name}" + ("" if pointer is None else "#" + pointer)
    found = step_reference_as_written(text, {step_id, *others})
    # the longest id that fits wins: another id can only be read when it is longer and fits
    assert found is not None
    if found.step_id == step_id:
        assert (found.name, found.pointer) == (name, pointer)
    else:
        assert len(found.step_id) > len(step_id) and text.startswith(
            f"$steps.{found.step_id}.outputs."
        )
    fitting = [
        o
        for o in others
        if o != step_id and not STANDARD_ID.fullmatch(o) and text.startswith(f"$steps.{o}.outputs.")
    ]
    if not fitting:  # without a step of that id, nothing is read
        assert step_reference_as_written(text, set(others) - {step_id}) is None
