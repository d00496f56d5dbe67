"""Small documents compiled and run: each test shows one behaviour of the generated code."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import CompileFailed, compile_documents

PETS_OPENAPI = """
openapi: 3.1.0
info: {title: Pets, version: "1"}
servers:
  - url: https://{region}.pets.example/v1
    variables:
      region: {default: eu}
paths:
  /pets/{petId}:
    get:
      operationId: getPet
      parameters:
        - {name: petId, in: path, required: true, schema: {type: integer}}
        - {name: verbose, in: query, schema: {type: boolean}}
        - {name: X-Trace, in: header, schema: {type: string}}
      responses:
        "200":
          description: a pet
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
  /pets:
    post:
      operationId: createPet
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Pet"}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
components:
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer}
        name: {type: string}
        weight: {type: number}
        tags: {type: array, items: {type: string}}
        status: {type: [string, "null"]}
"""


def pets_workflow(steps: str, inputs: str = "", outputs: str = "") -> dict[str, str]:
    arazzo = f"""
arazzo: 1.0.1
info: {{title: Pets flow, version: "1"}}
sourceDescriptions:
  - {{name: pets, url: ./pets.openapi.yaml, type: openapi}}
workflows:
  - workflowId: pet-flow
    inputs:
{inputs or "      type: object"}
    steps:
{steps}
{outputs}
"""
    return {"workflow.arazzo.yaml": arazzo, "pets.openapi.yaml": PETS_OPENAPI}


def run_with(module: Any, handler: Any, inputs: Any, **kwargs: Any) -> Any:
    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await module.pet_flow(inputs, client=client, **kwargs)

    return asyncio.run(go())


GET_PET = """
      - stepId: fetch
        operationId: getPet
        parameters:
          - {name: petId, in: path, value: $inputs.petId}
          - {name: verbose, in: query, value: $inputs.verbose}
          - {name: X-Trace, in: header, value: "trace-{$inputs.petId}"}
        successCriteria:
          - condition: $statusCode == 200
          - condition: $response.body#/name != 'ghost'
        outputs:
          name: $response.body#/name
          weight: $response.body#/weight
          tags: $response.body#/tags
          status: $response.body#/status
"""
PET_INPUTS = """
      type: object
      required: [petId]
      properties:
        petId: {type: integer}
        verbose: {type: boolean}
"""
PET_OUTPUTS = """
    outputs:
      petName: $steps.fetch.outputs.name
      weight: $steps.fetch.outputs.weight
      tags: $steps.fetch.outputs.tags
      status: $steps.fetch.outputs.status
"""


def test_parameters_are_placed_and_outputs_typed(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, pets_workflow(GET_PET, PET_INPUTS, PET_OUTPUTS))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": 7, "name": "Rex", "weight": 12, "tags": ["a"]})

    outputs = run_with(module, handler, module.PetFlowInputs(pet_id=7, verbose=True))

    assert str(seen[0].url) == "https://eu.pets.example/v1/pets/7?verbose=true"
    assert seen[0].headers["X-Trace"] == "trace-7"
    assert outputs.pet_name == "Rex"
    assert outputs.weight == 12.0 and isinstance(outputs.weight, float)
    assert outputs.tags == ["a"]
    assert outputs.status is None
    fields = {f.name: f.type for f in module.PetFlowOutputs.__dataclass_fields__.values()}
    assert fields == {
        "pet_name": "str",
        "weight": "float | None",
        "tags": "list[str] | None",
        "status": "str | None",
    }


def test_optional_query_parameter_left_out_when_none(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, pets_workflow(GET_PET, PET_INPUTS, PET_OUTPUTS))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": 1, "name": "Rex"})

    run_with(module, handler, module.PetFlowInputs(pet_id=1), base_url="http://127.0.0.1:9")
    assert str(seen[0].url) == "http://127.0.0.1:9/pets/1"


def test_body_criterion_compares_case_insensitively(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, pets_workflow(GET_PET, PET_INPUTS, PET_OUTPUTS))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": 1, "name": "GHOST"})

    with pytest.raises(module.StepFailedError) as caught:
        run_with(module, handler, module.PetFlowInputs(pet_id=1))
    assert caught.value.step_id == "fetch"
    assert caught.value.status_code == 200


def test_missing_required_value_raises_response_format_error(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, pets_workflow(GET_PET, PET_INPUTS, PET_OUTPUTS))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": 1})

    with pytest.raises(module.ResponseFormatError, match="output name needs a value at '/name'"):
        run_with(module, handler, module.PetFlowInputs(pet_id=1))


def test_wrong_type_in_response_raises(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, pets_workflow(GET_PET, PET_INPUTS, PET_OUTPUTS))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": 1, "name": 5})

    with pytest.raises(module.ResponseFormatError, match="must be a string, not int"):
        run_with(module, handler, module.PetFlowInputs(pet_id=1))


def test_non_json_response_raises_response_format_error(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, pets_workflow(GET_PET, PET_INPUTS, PET_OUTPUTS))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>oops</html>")

    with pytest.raises(module.ResponseFormatError, match="not JSON"):
        run_with(module, handler, module.PetFlowInputs(pet_id=1))


CREATE_PET = """
      - stepId: create
        operationId: createPet
        requestBody:
          contentType: application/json
          payload:
            name: $inputs.name
            tags: ["new", "{$inputs.name}"]
            weight: 3.5
        outputs:
          id: $response.body#/id
"""
CREATE_INPUTS = """
      type: object
      properties:
        name: {type: string, default: Rex}
"""


def test_json_body_and_default_input(tmp_path: Path) -> None:
    documents = pets_workflow(
        CREATE_PET, CREATE_INPUTS, "    outputs: {id: $steps.create.outputs.id}"
    )
    module, _ = compile_documents(tmp_path, documents)
    bodies: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["content-type"] == "application/json"
        bodies.append(json.loads(request.content))
        return httpx.Response(201, json={"id": 42, "name": "Rex"})

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await module.pet_flow(client=client)

    outputs = asyncio.run(go())
    assert bodies == [{"name": "Rex", "tags": ["new", "Rex"], "weight": 3.5}]
    assert outputs.id == 42


def test_step_without_criteria_fails_on_non_2xx(tmp_path: Path) -> None:
    documents = pets_workflow(
        CREATE_PET, CREATE_INPUTS, "    outputs: {id: $steps.create.outputs.id}"
    )
    module, _ = compile_documents(tmp_path, documents)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"message": "down for maintenance"})

    with pytest.raises(module.StepFailedError, match="HTTP 503 down for maintenance") as caught:
        run_with(module, handler, module.PetFlowInputs())
    assert caught.value.error_description == "down for maintenance"


def test_connection_refused_is_a_step_request_error(tmp_path: Path) -> None:
    documents = pets_workflow(
        CREATE_PET, CREATE_INPUTS, "    outputs: {id: $steps.create.outputs.id}"
    )
    module, _ = compile_documents(tmp_path, documents)

    async def go() -> Any:
        return await module.pet_flow(base_url="http://127.0.0.1:1")

    with pytest.raises(module.StepRequestError) as caught:
        asyncio.run(go())
    assert caught.value.step_id == "create"


HOSTILE = """
arazzo: 1.0.1
info: {title: "Hostile \\"\\"\\" names", version: "1"}
sourceDescriptions:
  - {name: class, url: ./pets.openapi.yaml, type: openapi}
workflows:
  - workflowId: import
    summary: "ends with a quote\\"\\"\\""
    inputs:
      type: object
      required: [petId]
      properties:
        petId: {type: integer}
        pet_id: {type: string, default: "x\\"\\"\\"y"}
        str: {type: string, description: "'''\\\\ and \\"\\"\\""}
        class: {type: string}
    steps:
      - stepId: def
        description: "multi\\nline # with hash\\r\\nand CR"
        operationId: getPet
        parameters:
          - {name: petId, in: path, value: $inputs.petId}
          - {name: X-Trace, in: header, value: $inputs.str}
        outputs:
          response: $response.body#/name
          run: $response.body#/id
    outputs:
      from: $steps.def.outputs.response
      http: $steps.def.outputs.run
"""


def test_hostile_names_compile_to_working_code(tmp_path: Path) -> None:
    module, _ = compile_documents(
        tmp_path, {"workflow.arazzo.yaml": HOSTILE, "pets.openapi.yaml": PETS_OPENAPI}
    )
    inputs = module.ImportInputs(pet_id=3, pet_id_2="a", str_="s", class_="c")
    assert inputs.pet_id_2 == "a"

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["X-Trace"] == "s"
        return httpx.Response(200, json={"id": 3, "name": "Rex"})

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await module.import_(inputs, client=client)

    outputs = asyncio.run(go())
    assert (outputs.from_, outputs.http) == ("Rex", 3)
    assert module.ImportInputs(pet_id=1).pet_id_2 == 'x"""y'
    assert module.import_.__doc__.startswith('ends with a quote"""')


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (GET_PET.replace("$inputs.petId}", "$inputs.missing}"), "unknown input 'missing'"),
        (GET_PET.replace("getPet", "getPets"), "did you mean 'getPet'?"),
        (GET_PET.replace("$statusCode == 200", "$statusCode = 200"), "did you mean '=='?"),
    ],
)
def test_compile_errors_name_the_problem(tmp_path: Path, steps: str, message: str) -> None:
    with pytest.raises(CompileFailed, match=message):
        compile_documents(tmp_path, pets_workflow(steps, PET_INPUTS, PET_OUTPUTS))


REQUEST_ECHO = """
      - stepId: fetch
        operationId: getPet
        parameters:
          - {name: petId, in: path, value: $inputs.petId}
          - {name: X-Trace, in: header, value: "trace-{$inputs.petId}"}
        successCriteria:
          - condition: $request.path.petId == $response.body#/id
        outputs:
          sentId: $request.path.petId
          trace: $request.header.x-trace
          url: $url
          method: $method
"""


def test_request_expressions_read_what_the_step_sent(tmp_path: Path) -> None:
    outputs = """
    outputs:
      sentId: $steps.fetch.outputs.sentId
      trace: $steps.fetch.outputs.trace
      url: $steps.fetch.outputs.url
      method: $steps.fetch.outputs.method
"""
    module, _ = compile_documents(tmp_path, pets_workflow(REQUEST_ECHO, PET_INPUTS, outputs))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": 4, "name": "Rex"})

    result = run_with(module, handler, module.PetFlowInputs(pet_id=4))
    assert (result.sent_id, result.trace) == (4, "trace-4")
    assert (result.url, result.method) == ("https://eu.pets.example/v1/pets/4", "GET")

    def other(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": 5, "name": "Rex"})

    with pytest.raises(module.StepFailedError):
        run_with(module, other, module.PetFlowInputs(pet_id=4))


def test_a_request_body_output_reads_the_body_sent_not_the_response(tmp_path: Path) -> None:
    steps = """
      - stepId: create
        operationId: createPet
        requestBody:
          contentType: application/json
          payload: {id: $inputs.petId, name: "Rex-{$inputs.petId}"}
        successCriteria: [{condition: $statusCode == 201}]
        outputs:
          sentName: $request.body#/name
          name: $response.body#/name
"""
    outputs = """
    outputs:
      sentName: $steps.create.outputs.sentName
      name: $steps.create.outputs.name
"""
    module, _ = compile_documents(tmp_path, pets_workflow(steps, PET_INPUTS, outputs))

    def handler(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content) == {"id": 4, "name": "Rex-4"}
        return httpx.Response(201, json={"id": 9, "name": "Renamed"})

    result = run_with(module, handler, module.PetFlowInputs(pet_id=4))
    assert (result.sent_name, result.name) == ("Rex-4", "Renamed")


def test_reading_back_a_secret_the_step_sent_keeps_it_secret(tmp_path: Path) -> None:
    inputs = """
      type: object
      required: [petId, apiToken]
      properties:
        petId: {type: integer}
        apiToken: {type: string}
"""
    steps = """
      - stepId: fetch
        operationId: getPet
        parameters:
          - {name: petId, in: path, value: $inputs.petId}
          - {name: X-Trace, in: header, value: "trace-{$inputs.apiToken}"}
        outputs:
          sentTrace: $request.header.X-Trace
"""
    outputs = """
    outputs:
      sentTrace: $steps.fetch.outputs.sentTrace
"""
    module, _ = compile_documents(tmp_path, pets_workflow(steps, inputs, outputs))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": 4, "name": "Rex"})

    result = run_with(module, handler, module.PetFlowInputs(pet_id=4, api_token="tok-123"))
    assert result.sent_trace == "trace-tok-123"
    assert repr(result) == "PetFlowOutputs(sent_trace=***)"


def test_a_response_has_no_query_or_path_parameters_to_read(tmp_path: Path) -> None:
    steps = REQUEST_ECHO.replace("$request.header.x-trace", "$response.query.verbose")
    message = "'\\$response.query.verbose': a response has no query parameters"
    with pytest.raises(CompileFailed, match=message):
        compile_documents(tmp_path, pets_workflow(steps, PET_INPUTS, ""))


def test_request_expression_for_a_value_not_sent_is_an_error(tmp_path: Path) -> None:
    steps = REQUEST_ECHO.replace("$request.header.x-trace", "$request.query.verbose")
    with pytest.raises(CompileFailed, match="the step sends no query parameter 'verbose'"):
        compile_documents(tmp_path, pets_workflow(steps, PET_INPUTS, ""))
