"""The `testing` module of a compiled document: responses chosen from the OpenAPI, queued
overrides driving a polling loop, JSON `content` parameters, operations without an
operationId, and a package import that leaves the testing module alone."""

from __future__ import annotations

import asyncio
import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import compile_documents

OPENAPI = """
openapi: 3.0.3
info: {title: Jobs, version: "1"}
servers: [{url: "https://jobs.example/api"}]
paths:
  /jobs:
    post:
      operationId: createJob
      parameters:
        - name: filter
          in: query
          required: true
          content:
            application/json:
              schema:
                type: object
                required: [kind]
                properties: {kind: {type: string, enum: [batch, stream]}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties: {name: {type: string, minLength: 1}}
      responses:
        "201":
          description: created
          headers:
            Location: {schema: {type: string}, example: /jobs/42}
          content:
            application/json:
              schema:
                type: object
                properties: {id: {type: integer, example: 42}}
        "400": {description: bad}
  /jobs/{jobId}:
    get:
      parameters:
        - {name: jobId, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: the job
          content:
            application/json:
              schema:
                type: object
                properties: {status: {type: string, enum: [done, pending]}}
"""

ARAZZO = """
arazzo: 1.0.1
info: {title: Jobs flow, version: "1"}
sourceDescriptions:
  - {name: jobs, url: ./jobs.openapi.yaml, type: openapi}
workflows:
  - workflowId: run-job
    inputs:
      type: object
      properties:
        name: {type: string}
        kind: {type: string}
    steps:
      - stepId: create
        operationId: createJob
        parameters:
          - {name: filter, in: query, value: {kind: $inputs.kind}}
        requestBody:
          payload: {name: $inputs.name}
        successCriteria:
          - condition: $statusCode == 201
        outputs:
          id: $response.body#/id
          location: $response.header.Location
      - stepId: poll
        operationPath: '{$sourceDescriptions.jobs.url}#/paths/~1jobs~1{jobId}/get'
        parameters:
          - {name: jobId, in: path, value: $steps.create.outputs.id}
        successCriteria:
          - condition: $statusCode == 200
          - condition: $response.body#/status == 'done'
        onFailure:
          - {name: again, type: retry, retryAfter: 0, retryLimit: 5}
        outputs:
          status: $response.body#/status
    outputs:
      id: $steps.create.outputs.id
      location: $steps.create.outputs.location
      status: $steps.poll.outputs.status
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Any:
    documents = {"workflow.arazzo.yaml": ARAZZO, "jobs.openapi.yaml": OPENAPI}
    module, _ = compile_documents(tmp_path_factory.mktemp("jobs"), documents)
    return module


def run(package: Any, fake: Any, name: str = "nightly", kind: str = "batch") -> Any:
    async def go() -> Any:
        async with httpx.AsyncClient(transport=fake.transport) as client:
            return await package.run_job(package.RunJobInputs(name=name, kind=kind), client=client)

    return asyncio.run(go())


def fake_module(package: Any) -> Any:
    return importlib.import_module(package.__name__ + ".testing")


def test_importing_the_package_leaves_the_testing_module_out(package: Any) -> None:
    name = package.__name__
    check = f"import sys, {name}; print(sorted(m for m in sys.modules if m.startswith('{name}.')))"
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=Path(package.__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = result.stdout.strip()
    assert f"{name}.workflows" in loaded
    assert "testing" not in loaded and "_fake" not in loaded


def test_the_status_a_criterion_wants_and_the_declared_headers_are_answered(package: Any) -> None:
    fake = fake_module(package).FakeApi()

    outputs = run(package, fake)

    assert (outputs.id, outputs.location, outputs.status) == (42, "/jobs/42", "done")
    create, poll = fake.requests
    assert create.request.url.params["filter"] == '{"kind":"batch"}'
    assert create.json() == {"name": "nightly"}
    assert (poll.operation, poll.request.url.path) == ("GET /jobs/{jobId}", "/api/jobs/42")


def test_queued_responses_drive_a_polling_loop(package: Any) -> None:
    fake = fake_module(package).FakeApi()
    fake.respond("poll", json={"status": "pending"})
    fake.respond("GET /jobs/{jobId}", json={"status": "pending"})

    outputs = run(package, fake)

    assert outputs.status == "done"
    assert [r.step_id for r in fake.requests] == ["create", "poll", "poll", "poll"]


def test_retries_run_out_on_a_job_that_stays_pending(package: Any) -> None:
    fake = fake_module(package).FakeApi()
    for _ in range(6):
        fake.respond("poll", json={"status": "pending"})

    with pytest.raises(package.StepFailedError) as caught:
        run(package, fake)

    assert caught.value.step_id == "poll"
    assert len(fake.requests) == 7


@pytest.mark.parametrize(
    ("name", "kind", "problem"),
    [
        ("", "batch", "request body: /name has 0 chars, fewer than 1"),
        ("x", "cron", "query parameter 'filter': /kind is not one of"),
    ],
)
def test_requests_breaking_the_openapi_fail_loudly(
    package: Any, name: str, kind: str, problem: str
) -> None:
    testing = fake_module(package)
    with pytest.raises(testing.FakeRequestError, match=problem):
        run(package, testing.FakeApi(), name=name, kind=kind)


def test_a_json_content_parameter_that_is_not_json_fails_loudly(package: Any) -> None:
    testing = fake_module(package)
    with (
        httpx.Client(transport=testing.FakeApi().transport) as client,
        pytest.raises(testing.FakeRequestError, match="'filter' is not JSON text"),
    ):
        client.post("https://jobs.example/api/jobs?filter=kind", json={"name": "n"})
    body = json.dumps({"name": "n"})
    with httpx.Client(transport=testing.FakeApi().transport) as client:
        response = client.post(
            "https://jobs.example/api/jobs",
            params={"filter": '{"kind":"stream"}'},
            content=body,
            headers={"Content-Type": "application/json"},
        )
    assert (response.status_code, response.json()) == (201, {"id": 42})
