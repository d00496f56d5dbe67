"""JSONPath conditions written as comparisons (the dialect real documents use), run against a
stand-in server on loopback: each reading behaves as the document means, warns with the
standard form, and is rejected under --strict."""

from __future__ import annotations

import asyncio
import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from support import CompileFailed, compile_documents, loopback_server, write_documents

from generator.diagnostics import Diagnostics
from generator.pipeline import generate_package

JOBS_OPENAPI = """
openapi: 3.1.0
info: {title: Jobs, version: "1"}
servers: [{url: "https://jobs.example"}]
paths:
  /jobs/{id}:
    get:
      operationId: getJob
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: the job}
"""


def polling_document(condition: str, inputs: str = "") -> dict[str, str]:
    """A workflow that polls a job while `condition` (a jsonpath criterion) holds."""
    return {
        "workflow.arazzo.yaml": f"""
arazzo: 1.0.1
info: {{title: Jobs, version: "1"}}
sourceDescriptions:
  - {{name: jobs, url: ./jobs.openapi.yaml}}
workflows:
  - workflowId: wait-for-job
{inputs}
    steps:
      - stepId: poll
        operationId: getJob
        parameters: [{{name: id, in: path, value: "1"}}]
        successCriteria: [{{condition: $statusCode == 200}}]
        onSuccess:
          - name: again
            type: goto
            stepId: poll
            criteria:
              - context: $response.body
                type: jsonpath
                condition: {json.dumps(condition)}
          - {{name: done, type: end}}
        outputs: {{message: $response.body#/message}}
    outputs: {{message: $steps.poll.outputs.message}}
""",
        "jobs.openapi.yaml": JOBS_OPENAPI,
    }


class JobServer(BaseHTTPRequestHandler):
    """Answers GET /jobs/1 with the next scripted body; the last one repeats."""

    bodies: ClassVar[list[Any]] = []
    polls: ClassVar[int] = 0

    def do_GET(self) -> None:
        cls = type(self)
        body = cls.bodies[min(cls.polls, len(cls.bodies) - 1)]
        cls.polls += 1
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def poll(module: Any, bodies: list[Any], max_steps: int = 1000, **inputs: Any) -> tuple[Any, int]:
    """Runs the workflow against the stand-in; the outputs and the number of polls."""
    server = type("Server", (JobServer,), {"bodies": bodies, "polls": 0})
    with loopback_server(server) as url:
        args = (module.WaitForJobInputs(**inputs),) if inputs else ()
        run = module.wait_for_job(*args, base_url=url, max_steps=max_steps, poll_interval=0)
        outputs = asyncio.run(run)
    return outputs, server.polls


def job(status: str, **extra: Any) -> dict[str, Any]:
    return {"status": status, **extra}


STATES = [job("queued"), job("in_progress"), job("cancelling"), job("done", message="finished")]


def test_or_of_double_quoted_comparisons_keeps_polling_until_done(tmp_path: Path) -> None:
    condition = '$.status == "queued" || $.status == "in_progress" || $.status == "cancelling"'
    module, diagnostics = compile_documents(tmp_path, polling_document(condition))
    [warning] = [d for d in diagnostics.warnings if "comparison" in d.message]
    standard = "$[?$.status == 'queued' || $.status == 'in_progress' || $.status == 'cancelling']"
    assert f"read as '{standard}'" in warning.message
    assert warning.location.line > 0

    outputs, polls = poll(module, STATES)

    assert (outputs.message, polls) == ("finished", 4)
    # a status outside the three stops the loop at once
    assert poll(module, [job("failed", message="no")]) == (
        module.WaitForJobOutputs(message="no"),
        1,
    )


def test_and_with_parentheses_and_negation(tmp_path: Path) -> None:
    condition = '$.done != true && !($.status == "failed" || $.attempts > 3)'
    module, _ = compile_documents(tmp_path, polling_document(condition))
    bodies = [
        {"done": False, "status": "x", "attempts": 1},
        {"status": "x", "attempts": 2},  # no `done`: Nothing != true holds
        {"done": False, "status": "failed", "message": "gave up"},
    ]
    assert poll(module, bodies)[1] == 3
    assert poll(module, [{"done": False, "attempts": 4, "message": "m"}])[1] == 1


def test_javascript_length_is_rfc_length(tmp_path: Path) -> None:
    module, diagnostics = compile_documents(tmp_path, polling_document("$.pending.length > 0"))
    assert any(
        "read as '$[?length($.pending) > 0]'" in d.message and "length()" in d.message
        for d in diagnostics.warnings
    )
    bodies = [{"pending": [1, 2]}, {"pending": "ab"}, {"pending": [], "message": "empty"}]
    outputs, polls = poll(module, bodies)
    assert (outputs.message, polls) == ("empty", 3)


INPUTS = """    inputs:
      type: object
      properties: {wanted: {type: string}}
"""


def test_comparison_with_a_runtime_expression(tmp_path: Path) -> None:
    condition = "$.status != $inputs.wanted"
    module, diagnostics = compile_documents(tmp_path, polling_document(condition, INPUTS))
    assert any("'$inputs.wanted' compared as its value" in d.message for d in diagnostics.warnings)
    outputs, polls = poll(module, STATES, wanted="cancelling")
    assert polls == 3  # queued, in_progress, cancelling: stops when the status is the input
    outputs, polls = poll(module, STATES, wanted="done")
    assert (outputs.message, polls) == ("finished", 4)
    # JSONPath comparisons are case-sensitive and typed: "DONE" is not "done"
    assert poll(module, [job("DONE"), job("done", message="m")], wanted="done")[1] == 2


@pytest.mark.parametrize(
    "condition",
    [
        '$.status == "queued" || $.status == "in_progress"',
        "$.items.length > 0",
        "$.status == $inputs.wanted",
    ],
)
def test_strict_rejects_each_reading(tmp_path: Path, condition: str) -> None:
    write_documents(tmp_path, polling_document(condition, INPUTS))
    diagnostics = Diagnostics(strict=True)
    assert generate_package(tmp_path / "workflow.arazzo.yaml", diagnostics) is None
    assert any("rejected by --strict" in d.message for d in diagnostics.errors)


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ('$.status == "queued" || @.status == "x"', "'@' (the current node) exists only"),
        ("$.status == 'a' ||", "read as a comparison, it is invalid at offset"),
        ("$.status == $inputs.wanted || $inputs.wanted", "runtime expression on its own"),
        ("$.items[*].length > 1", "'.length' applies to a singular query"),
        ("$.status == $inputs.unknown", "unknown"),
    ],
)
def test_conditions_without_one_reading_are_located_errors(
    tmp_path: Path, condition: str, message: str
) -> None:
    with pytest.raises(CompileFailed) as failed:
        compile_documents(tmp_path, polling_document(condition, INPUTS))
    errors = failed.value.diagnostics.errors
    assert errors and all(e.location.line > 0 for e in errors)
    assert any(message in e.message for e in errors), [e.message for e in errors]


def whole_context_document(context: str, condition: str) -> dict[str, str]:
    """Polls while the jsonpath `condition` holds on `context` (a whole-object dialect)."""
    documents = polling_document(condition, INPUTS)
    text = documents["workflow.arazzo.yaml"]
    text = text.replace("context: $response.body", f"context: {context}")
    text = text.replace(
        "outputs: {message: $response.body#/message}",
        "outputs: {message: $response.body#/message, status: $response.body#/status}",
    )
    documents["workflow.arazzo.yaml"] = text
    return documents


def test_step_outputs_used_whole_as_context(tmp_path: Path) -> None:
    condition = '$.status == "queued" || $.status == "in_progress" || $.status == "cancelling"'
    module, diagnostics = compile_documents(
        tmp_path, whole_context_document("$steps.poll.outputs", condition)
    )
    assert any(
        "'$steps.poll.outputs' used whole as a context" in d.message
        and "'$steps.poll.outputs.<name>'" in d.message
        for d in diagnostics.warnings
    )
    outputs, polls = poll(module, STATES, wanted="x")
    assert (outputs.message, polls) == ("finished", 4)


def test_inputs_used_whole_as_context(tmp_path: Path) -> None:
    # polls while the status differs from the input `wanted`; an absent input is left out of
    # the object, so `$.wanted` then selects nothing and the loop ends at once
    condition = "$.wanted && $.wanted != 'done'"
    module, diagnostics = compile_documents(tmp_path, whole_context_document("$inputs", condition))
    assert any("'$inputs' used whole as a context" in d.message for d in diagnostics.warnings)
    assert poll(module, STATES, wanted="done")[1] == 1
    assert poll(module, STATES)[1] == 1
    # `wanted` set and not "done": the criterion holds on every poll, so the step limit stops it
    with pytest.raises(module.StepLimitError):
        poll(module, STATES, max_steps=5, wanted="other")


def test_whole_context_is_rejected_under_strict(tmp_path: Path) -> None:
    write_documents(tmp_path, whole_context_document("$inputs", "$.wanted"))
    diagnostics = Diagnostics(strict=True)
    assert generate_package(tmp_path / "workflow.arazzo.yaml", diagnostics) is None
    assert any("used whole as a context" in d.message for d in diagnostics.errors)
