"""Success and failure actions: end, goto (steps and workflows), retry, and the step bound."""

from __future__ import annotations

import asyncio
import inspect
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import CompileFailed, compile_documents

JOBS_OPENAPI = """
openapi: 3.1.0
info: {title: Jobs, version: "1"}
servers: [{url: "https://jobs.example"}]
paths:
  /jobs:
    post:
      operationId: createJob
      responses:
        "202":
          description: accepted
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties: {id: {type: string}}
  /jobs/{id}:
    get:
      operationId: getJob
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: the job
          content:
            application/json:
              schema:
                type: object
                required: [state]
                properties: {state: {type: string}, result: {type: integer}}
  /alerts:
    post:
      operationId: raiseAlert
      responses:
        "204": {description: raised}
"""


def document(steps: str, extra: str = "", outputs: str = "") -> dict[str, str]:
    return {
        "workflow.arazzo.yaml": f"""
arazzo: 1.0.1
info: {{title: Jobs, version: "1"}}
sourceDescriptions:
  - {{name: jobs, url: ./jobs.openapi.yaml}}
workflows:
  - workflowId: run-job
    steps:
{steps}
{outputs}
{extra}
""",
        "jobs.openapi.yaml": JOBS_OPENAPI,
    }


POLLING = """
      - stepId: create
        operationId: createJob
        successCriteria: [{condition: $statusCode == 202}]
        outputs: {id: $response.body#/id}
      - stepId: poll
        operationId: getJob
        parameters: [{name: id, in: path, value: $steps.create.outputs.id}]
        successCriteria: [{condition: $statusCode == 200}]
        onSuccess:
          - name: again
            type: goto
            stepId: poll
            criteria: [{condition: $response.body#/state == 'running'}]
          - name: done
            type: end
            criteria: [{condition: $response.body#/state == 'done'}]
        onFailure:
          - name: backoff
            type: retry
            retryAfter: 0.01
            retryLimit: 2
            criteria: [{condition: $statusCode == 503}]
          - name: alert
            type: goto
            stepId: alert
        outputs: {result: $response.body#/result}
      - stepId: alert
        operationId: raiseAlert
"""
POLLING_OUTPUTS = "    outputs: {result: $steps.poll.outputs.result}"


class Jobs:
    """A scripted jobs API: each GET /jobs/1 answers with the next scripted response."""

    def __init__(self, polls: list[httpx.Response]) -> None:
        self.polls = polls
        self.calls: list[str] = []
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        self.times.append(time.monotonic())
        if request.url.path == "/jobs":
            return httpx.Response(202, json={"id": "1"})
        if request.url.path == "/alerts":
            return httpx.Response(204)
        return self.polls.pop(0)


def run(module: Any, handler: Any, **kwargs: Any) -> Any:
    if "poll_interval" in inspect.signature(module.run_job).parameters:
        kwargs.setdefault("poll_interval", 0.0)  # tests of polling pass their own

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await module.run_job(client=client, **kwargs)

    return asyncio.run(go())


def running() -> httpx.Response:
    return httpx.Response(200, json={"state": "running"})


def test_goto_loops_until_end(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, document(POLLING, outputs=POLLING_OUTPUTS))
    jobs = Jobs([running(), running(), httpx.Response(200, json={"state": "done", "result": 7})])

    outputs = run(module, jobs)

    assert outputs.result == 7
    assert jobs.calls == ["POST /jobs"] + ["GET /jobs/1"] * 3  # end skipped the alert step


def test_no_action_matches_so_next_step_runs(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, document(POLLING, outputs=POLLING_OUTPUTS))
    jobs = Jobs([httpx.Response(200, json={"state": "cancelled", "result": 0})])

    run(module, jobs)

    assert jobs.calls == ["POST /jobs", "GET /jobs/1", "POST /alerts"]


def test_retry_waits_and_stops_at_the_limit(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, document(POLLING, outputs=POLLING_OUTPUTS))
    unavailable = [httpx.Response(503, json={"message": "busy"}) for _ in range(3)]
    jobs = Jobs(unavailable)

    with pytest.raises(module.WorkflowError) as caught:
        run(module, jobs)

    # 1 call + 2 retries, then the next failure action (goto alert) ran, whose step succeeded;
    # the workflow then failed because its output needs the poll step, which never succeeded.
    assert jobs.calls == ["POST /jobs"] + ["GET /jobs/1"] * 3 + ["POST /alerts"]
    gaps = [b - a for a, b in zip(jobs.times[1:4], jobs.times[2:4], strict=False)]
    assert all(gap >= 0.01 for gap in gaps)
    assert "needs $steps.poll.outputs.result, but that step did not complete" in str(caught.value)


def test_an_unbound_local_error_of_the_callers_hook_propagates_unchanged(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, document(POLLING, outputs=POLLING_OUTPUTS))
    raised = UnboundLocalError("the hook's own bug")

    def hook(step_id: str, response: httpx.Response) -> None:
        if step_id == "poll":
            raise raised

    with pytest.raises(UnboundLocalError) as caught:
        run(module, Jobs([running()]), on_response=hook)
    assert caught.value is raised  # not turned into "that step did not complete"


def test_a_step_reading_a_skipped_step_fails_before_sending(tmp_path: Path) -> None:
    steps = """
      - stepId: create
        operationId: createJob
        successCriteria: [{condition: $statusCode == 202}]
        onSuccess: [{name: skip, type: goto, stepId: poll}]
        outputs: {id: $response.body#/id}
      - stepId: alert
        operationId: raiseAlert
        outputs: {status: $statusCode}
      - stepId: poll
        operationId: getJob
        parameters: [{name: id, in: path, value: $steps.alert.outputs.status}]
"""
    module, _ = compile_documents(tmp_path, document(steps))
    jobs = Jobs([running()])

    with pytest.raises(module.WorkflowError, match=r"needs \$steps.alert.outputs.status, but"):
        run(module, jobs)
    assert jobs.calls == ["POST /jobs"]


def test_retry_honours_retry_after_header(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, document(POLLING, outputs=POLLING_OUTPUTS))
    jobs = Jobs(
        [
            httpx.Response(503, headers={"Retry-After": "0.2"}),
            httpx.Response(200, json={"state": "done", "result": 1}),
        ]
    )

    assert run(module, jobs).result == 1
    assert jobs.times[2] - jobs.times[1] >= 0.2


def test_goto_loop_bound(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, document(POLLING, outputs=POLLING_OUTPUTS))
    jobs = Jobs([running() for _ in range(100)])

    with pytest.raises(module.StepLimitError) as caught:
        run(module, jobs, max_steps=10)

    assert caught.value.step_id == "poll"
    assert len(jobs.calls) == 10
    assert caught.value.completed_outputs["create"] == {"id": "1"}


FAILING_WITHOUT_ACTIONS = """
      - stepId: create
        operationId: createJob
        successCriteria: [{condition: $statusCode == 202}]
        onFailure:
          - {name: give-up, type: end, criteria: [{condition: $statusCode == 409}]}
      - stepId: alert
        operationId: raiseAlert
"""


def test_failure_without_matching_action_raises(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, document(FAILING_WITHOUT_ACTIONS))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"message": "boom"})

    with pytest.raises(module.StepFailedError, match="HTTP 500 boom"):
        run(module, handler)


def test_end_on_failure_returns_normally(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, document(FAILING_WITHOUT_ACTIONS))
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(409)

    run(module, handler)
    assert calls == ["/jobs"]


REUSABLE = """
      - stepId: create
        operationId: createJob
        successCriteria: [{condition: $statusCode == 202}]
        onFailure:
          - reference: $components.failureActions.tryAgain
      - stepId: alert
        operationId: raiseAlert
    failureActions:
      - {name: tryAgain, type: end}
    successActions:
      - {name: stop, type: end, criteria: [{condition: $statusCode == 202}]}
components:
  failureActions:
    tryAgain:
      name: tryAgain
      type: retry
      retryLimit: 1
"""


def test_reusable_actions_and_workflow_level_actions(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, document(REUSABLE))
    statuses = [500, 202]
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(statuses.pop(0), json={"id": "1"})

    run(module, handler)
    # retry from components (overrides the workflow's tryAgain), then the workflow-level
    # success action 'stop' ends the run before the alert step.
    assert calls == ["/jobs", "/jobs"]


def test_unknown_goto_target_is_a_compile_error(tmp_path: Path) -> None:
    steps = POLLING.replace("stepId: alert\n", "stepId: alrt\n", 1)
    with pytest.raises(CompileFailed, match="unknown step 'alrt'; did you mean 'alert'"):
        compile_documents(tmp_path, document(steps))


def test_straight_line_workflows_have_no_loop(tmp_path: Path) -> None:
    module, _ = compile_documents(
        tmp_path, document(FAILING_WITHOUT_ACTIONS.split("        onFailure")[0])
    )
    source = Path(module.__file__).with_name("workflows.py").read_text()
    assert "while True" not in source and "max_steps" not in source


def test_goto_reentry_waits_poll_interval(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, document(POLLING, outputs=POLLING_OUTPUTS))
    source = inspect.signature(module.run_job).parameters["poll_interval"]
    assert source.default == 2.0  # documented default: 30 requests a minute per loop
    jobs = Jobs([running(), running(), httpx.Response(200, json={"state": "done", "result": 7})])
    started = time.perf_counter()
    assert run(module, jobs, poll_interval=0.25).result == 7
    assert 0.5 <= time.perf_counter() - started < 5  # two re-entries, 0.25 s each


def test_goto_reentry_waits_retry_after_when_the_response_has_one(tmp_path: Path) -> None:
    module, _ = compile_documents(tmp_path, document(POLLING, outputs=POLLING_OUTPUTS))
    polling = httpx.Response(200, json={"state": "running"}, headers={"Retry-After": "0.3"})
    jobs = Jobs([polling, httpx.Response(200, json={"state": "done", "result": 7})])
    started = time.perf_counter()
    assert run(module, jobs, poll_interval=30.0).result == 7
    assert 0.3 <= time.perf_counter() - started < 10
