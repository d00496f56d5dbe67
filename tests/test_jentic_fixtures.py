"""Jentic's fixture suite as execution tests of the code we generate: every test case of
arazzo-engine/runner/tests/fixtures/*/test_config.yaml runs the generated workflow function
against the case's mock responses (served on loopback) and is judged by the rules of Jentic's own
harness (tests/jentic_harness.py). A case whose document is broken beyond reading is listed in
BROKEN and must be rejected with that error instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jentic_harness import FIXTURES, Compiled, Fixture, compile_fixture_document, fixtures, run_case

pytestmark = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"Jentic's fixtures are not at {FIXTURES} (the corpus is missing)"
)

BROKEN = {
    # Its steps read `$steps.initiateBnplTransaction.outputs.loanTransactionId`, an output no
    # step has, and a step reads its own outputs in its parameters.
    ("bnpl", "ApplyForLoanAtCheckout"): "step 'initiateBnplTransaction' has no output "
    "'loanTransactionId'",
}


# Cases that pass for arazzo-runner only through its harness's leniency, and fail for the code we
# generate for the reason given (each is asserted to fail for exactly that reason, no other):
MOCK_ARTIFACTS = {
    # The fixture's own mocks are filed under 'pet-coupons', but the harness looks them up by
    # the OpenAPI file's name ('pet-coupons.openapi'): GET /pet/findByTags gets the generic
    # mock, {"status": "workflow_complete"} (the harness does not follow the schema's $ref), so
    # no pet id comes back. arazzo-runner then sends GET /pet/{petId}/coupons with the template
    # unfilled (which the generic mock matches literally) and an order of nulls, and the
    # harness skips the outputs it cannot find; our code stops: the path cannot be built.
    ("pet_coupons", "apply-coupon"): [
        "step find-coupons of workflow apply-coupon could not build its request (ValueError: "
        "a path parameter has no value (None))",
        "expected 3 API calls, got 1",
    ],
    # Likewise the fixture's mocks are filed under 'discordApi', not 'discord.openapi': the
    # generic mock answers {"result": "success"} where the OpenAPI description promises a list
    # of guilds. arazzo-runner returns that object as 'guilds'; our code says the response does
    # not fit its description.
    ("discord", "listUserGuilds"): ["output guilds at '' must be a list, not dict"],
}


def _cases() -> list[Any]:
    if not FIXTURES.is_dir():
        return []
    return [
        pytest.param(fixture, index, case, id=f"{fixture.name}-{index}-{case['id']}")
        for fixture in fixtures()
        for index, case in enumerate(fixture.cases())
    ]


_compiled: dict[Path, Compiled] = {}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Any:
    def compile_once(path: Path) -> Compiled:
        if path not in _compiled:
            package = f"jentic_{len(_compiled)}"
            _compiled[path] = compile_fixture_document(
                path, tmp_path_factory.mktemp(package), package
            )
        return _compiled[path]

    return compile_once


def test_the_suite_has_the_cases_arazzo_runner_runs() -> None:
    assert len(fixtures()) == 9
    assert len(_cases()) == 18


@pytest.mark.parametrize(("fixture", "index", "case"), _cases())
def test_case(fixture: Fixture, index: int, case: dict[str, Any], compiled: Any) -> None:
    result = compiled(fixture.document(case))
    broken = BROKEN.get((fixture.name, case["id"]))
    if broken is not None:
        assert result.workflow(case["id"]) is None
        assert any(broken in d.message for d in result.diagnostics.errors)
        return
    assert result.workflow(case["id"]) is not None, "\n".join(
        str(d) for d in result.diagnostics.errors
    )
    outcome = run_case(result, fixture, case)
    artifact = MOCK_ARTIFACTS.get((fixture.name, case["id"]))
    if artifact is not None:
        assert len(outcome.problems) == len(artifact)
        assert all(a in p for a, p in zip(artifact, outcome.problems, strict=True))
        return
    assert outcome.problems == []
    assert outcome.passed
