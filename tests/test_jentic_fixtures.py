"""Jentic's fixture suite as execution tests of the code we generate: every test case of
arazzo-engine/runner/tests/fixtures/*/test_config.yaml runs the generated workflow function
against the case's mock responses (served on loopback) and is judged by the rules of Jentic's own
harness (tests/jentic_harness.py). A case whose document is broken beyond reading is listed in
BROKEN and must be rejected with that error instead."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jentic_harness import (
    FIXTURES,
    Compiled,
    Fixture,
    Mock,
    compile_fixture_document,
    fixtures,
    run_case,
)

JENTIC_MOCKS = FIXTURES.parent / "mocks" / "http_client.py"

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
    ("discord", "listUserGuilds"): ["output guilds at '' must be an array, not an object"],
}


# Cases whose mock responses contradict the fixture's own OpenAPI description: arazzo-runner
# hands back whatever came; the typed outputs of the code we generate check the response against
# the schema and stop with a ResponseFormatError at the first member that does not fit (each case
# is asserted to fail for exactly that reason, with the fixture's own mocks too).
SCHEMA_VIOLATIONS = {
    # The description declares `keywords` an object; the mock (like the real API) sends a list.
    ("newyork_times", "Search Articles by Keyword"): "at '/response/docs/0/keywords' must be an "
    "object, not an array",
    # AlbumBase requires album_type; the mocks' albums have none.
    (
        "spotify",
        "searchTracks",
    ): "at '/tracks/items/0/album/album_type' is missing (it must be one of 'album', 'single', "
    "'compilation')",
    ("spotify", "getTrackDetails"): "at '/album/album_type' is missing (it must be one of 'album'",
}
# With the mocks its author meant, listUserGuilds gets a list whose guilds lack the required
# `features` member.
INTENDED_SCHEMA_VIOLATIONS = {
    **SCHEMA_VIOLATIONS,
    ("discord", "listUserGuilds"): "at '/0/features' is missing (it must be an array)",
}


def _assert_schema_violation(problems: list[str], expected: str) -> None:
    assert len(problems) == 1
    assert "ResponseFormatError" in problems[0] and expected in problems[0]


def _cases(*, readable_only: bool = False) -> list[Any]:
    if not FIXTURES.is_dir():
        return []
    return [
        pytest.param(fixture, index, case, id=f"{fixture.name}-{index}-{case['id']}")
        for fixture in fixtures()
        for index, case in enumerate(fixture.cases())
        if not (readable_only and (fixture.name, case["id"]) in BROKEN)
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
    violation = SCHEMA_VIOLATIONS.get((fixture.name, case["id"]))
    if violation is not None:
        _assert_schema_violation(outcome.problems, violation)
        return
    artifact = MOCK_ARTIFACTS.get((fixture.name, case["id"]))
    if artifact is not None:
        assert len(outcome.problems) == len(artifact)
        assert all(a in p for a, p in zip(artifact, outcome.problems, strict=True))
        return
    assert outcome.problems == []
    assert outcome.passed


@pytest.mark.parametrize(("fixture", "index", "case"), _cases(readable_only=True))
def test_case_with_the_mocks_its_author_meant(
    fixture: Fixture, index: int, case: dict[str, Any], compiled: Any
) -> None:
    """The same case with the fixture's own mocks applied whatever name they are filed under
    (Fixture.mocks(intended=True)): the cases of MOCK_ARTIFACTS pass too, and compare what they
    expect."""
    outcome = run_case(compiled(fixture.document(case)), fixture, case, intended=True)
    violation = INTENDED_SCHEMA_VIOLATIONS.get((fixture.name, case["id"]))
    if violation is not None:
        _assert_schema_violation(outcome.problems, violation)
        return
    assert outcome.problems == []
    if (fixture.name, case["id"]) in MOCK_ARTIFACTS:
        assert outcome.checked >= 1


# ---- the harness's matching rules, against Jentic's own code --------------------------------

_SEGMENTS = st.sampled_from(
    ["api", "v1", "v10", "pets", "pet", "{petId}", "123", "coupons", "info.0.json", "@me", "x"]
)
_PATHS = st.lists(_SEGMENTS, min_size=0, max_size=4).map(lambda parts: "/" + "/".join(parts))
_ORIGINS = st.sampled_from(["", "https://api.example.com", "http://xkcd.com", "http://xkcd.com/"])


@pytest.mark.skipif(not JENTIC_MOCKS.is_file(), reason=f"{JENTIC_MOCKS} is missing")
@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pattern=st.tuples(_ORIGINS, _PATHS).map("".join),
    url=st.tuples(_ORIGINS, _PATHS).map("".join),
    methods=st.tuples(st.sampled_from(["get", "POST"]), st.sampled_from(["GET", "post"])),
)
def test_mock_matching_agrees_with_jentics_request_matcher(
    pattern: str, url: str, methods: tuple[str, str]
) -> None:
    """tests/jentic_harness.py's Mock.matches gives the answer of Jentic's own RequestMatcher
    (runner/tests/mocks/http_client.py, loaded from the corpus) on generated patterns and URLs."""
    reference = _jentic_mocks().RequestMatcher(methods[0], pattern)
    request = {"method": methods[1], "url": url, "kwargs": {}}
    assert Mock(methods[0], pattern, 200, {}).matches(methods[1], url) == reference.matches(request)


def _jentic_mocks() -> Any:
    name = "jentic_http_client_under_test"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, JENTIC_MOCKS)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
