"""Non-standard forms real documents use: accepted with a warning naming the standard form,
rejected under --strict."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import CompileFailed, compile_documents, write_documents

from generator.diagnostics import Diagnostics
from generator.pipeline import generate_package

OPENAPI = """
openapi: 3.0.3
info: {title: Users, version: "1"}
servers: [{url: "https://users.example"}]
paths:
  /users/{id}:
    get:
      operationId: GetUser
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: a user
          content:
            application/json:
              schema:
                type: object
                properties:
                  profile: {type: object, properties: {name: {type: string}}}
"""


def document(step_extra: str, outputs: str, operation: str = "operationId: GetUser") -> str:
    return f"""
arazzo: 1.0.1
info: {{title: Users, version: "1"}}
sourceDescriptions:
  - {{name: users, url: ./users.openapi.yaml}}
workflows:
  - workflowId: user
    inputs:
      type: object
      required: [person]
      properties:
        person: {{type: object}}
    steps:
      - stepId: fetch
        {operation}
        parameters:
          - {{name: id, in: path, value: $inputs.person.id}}
{step_extra}
    outputs:
{outputs}
"""


CASES = {
    "dotted body access": (
        "        outputs:\n          name: $response.body.profile.name\n",
        "      name: $steps.fetch.outputs.name",
        "operationId: GetUser",
        "non-standard runtime expression '$response.body.profile.name'; "
        "read as '$response.body#/profile/name'",
    ),
    "steps without outputs": (
        "        outputs:\n          name: $response.body#/profile/name\n",
        "      name: $steps.fetch.name",
        "operationId: GetUser",
        "read as '$steps.fetch.outputs.name'",
    ),
    "operationId case": (
        "        outputs:\n          name: $response.body#/profile/name\n",
        "      name: $steps.fetch.outputs.name",
        "operationId: getUser",
        "operationId 'getUser' matches 'GetUser' only when case is ignored",
    ),
    "operationId prefixed with its source name": (
        "        outputs:\n          name: $response.body#/profile/name\n",
        "      name: $steps.fetch.outputs.name",
        "operationId: users.GetUser",
        "read as '$sourceDescriptions.users.GetUser'",
    ),
    "dotted body access in a condition": (
        "        successCriteria:\n"
        "          - condition: $response.body.profile.name != null\n"
        "        outputs:\n          name: $response.body#/profile/name\n",
        "      name: $steps.fetch.outputs.name",
        "operationId: GetUser",
        "read as '$response.body#/profile/name != null'",
    ),
    "operationPath without braces": (
        "        outputs:\n          name: $response.body#/profile/name\n",
        "      name: $steps.fetch.outputs.name",
        "operationPath: users#/paths/~1users~1{id}/get",
        "read as '{$sourceDescriptions.users.url}#/paths/~1users~1{id}/get'",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_dialect_compiles_with_a_warning_and_runs(tmp_path: Path, case: str) -> None:
    extra, outputs, operation, warning = CASES[case]
    documents = {
        "workflow.arazzo.yaml": document(extra, outputs, operation),
        "users.openapi.yaml": OPENAPI,
    }
    module, diagnostics = compile_documents(tmp_path, documents)

    messages = [d.message for d in diagnostics.warnings]
    assert any(warning in m for m in messages), messages
    assert any("drills into a value with '.'" in m for m in messages)  # $inputs.person.id
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"profile": {"name": "Ann"}})

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await module.user(module.UserInputs(person={"id": "u1"}), client=client)

    assert asyncio.run(go()).name == "Ann"
    assert seen == ["/users/u1"]


@pytest.mark.parametrize("case", CASES)
def test_strict_rejects_the_dialect(tmp_path: Path, case: str) -> None:
    extra, outputs, operation, warning = CASES[case]
    write_documents(
        tmp_path,
        {
            "workflow.arazzo.yaml": document(extra, outputs, operation),
            "users.openapi.yaml": OPENAPI,
        },
    )
    diagnostics = Diagnostics(strict=True)

    assert generate_package(tmp_path / "workflow.arazzo.yaml", diagnostics) is None
    assert any(
        warning in d.message and d.message.endswith("(rejected by --strict)")
        for d in diagnostics.errors
    )


def test_truly_invalid_expression_is_still_an_error(tmp_path: Path) -> None:
    documents = {
        "workflow.arazzo.yaml": document(
            "        outputs:\n          name: $response.body#/profile/name\n",
            "      name: $step.fetch.outputs.name",
        ),
        "users.openapi.yaml": OPENAPI,
    }
    with pytest.raises(CompileFailed, match=r"unknown root '\$step'; did you mean '\$steps'"):
        compile_documents(tmp_path, documents)


@pytest.mark.parametrize(
    ("written", "standard"),
    [
        ("$response.headers.Location", "$response.header.Location"),
        ("$response.body#access_token", "$response.body#/access_token"),
        ("$steps.a-b.outputs.list[0].id", "$steps.a-b.outputs.list#/0/id"),
        ("$outputs.data[0].id", "$outputs.data#/0/id"),
        # the dots stay in the name; the compiler splits it at the output that exists
        ("$steps.s.outputs.users.data[0].id", "$steps.s.outputs.users.data#/0/id"),
        ("$response.body.a[1].b", "$response.body#/a/1/b"),
        ("$steps.login.token", "$steps.login.outputs.token"),
    ],
)
def test_expression_repairs(written: str, standard: str) -> None:
    from generator.expressions.dialects import repair_text

    assert repair_text(written) == standard


def test_template_repairs() -> None:
    from generator.expressions.dialects import repair_template

    assert repair_template("Bearer $steps.login.token") == "Bearer $steps.login.outputs.token"
    assert repair_template("Bearer $steps.login.outputs.token") is None
    assert repair_template("costs $5") is None
