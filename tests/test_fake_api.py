"""The seed package's `testing.FakeApi`: the TikTok workflow run offline, to success and to each
of its error paths, with the fake checking every request against the OpenAPI."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from generated.tiktok import (
    OauthLoginAndProfileInputs,
    OauthLoginAndProfileOutputs,
    ResponseFormatError,
    StepFailedError,
    _fake,
    oauth_login_and_profile,
)
from generated.tiktok.testing import FakeApi, FakeRequestError

ROOT = Path(__file__).resolve().parent.parent
INPUTS = OauthLoginAndProfileInputs(
    client_key="awexampleclientkey",
    client_secret="example-client-secret",
    code="example-authorization-code",
    redirect_uri="https://app.example/callback",
)


def run(fake: FakeApi, inputs: OauthLoginAndProfileInputs = INPUTS) -> OauthLoginAndProfileOutputs:
    async def go() -> OauthLoginAndProfileOutputs:
        async with httpx.AsyncClient(transport=fake.transport) as client:
            return await oauth_login_and_profile(inputs, client=client)

    return asyncio.run(go())


def test_success_with_the_responses_of_the_openapi_examples() -> None:
    fake = FakeApi()

    outputs = run(fake)

    # The values of the examples in specs/openapi/tiktok-*.yml.
    assert outputs.access_token == "act.example0access0token"
    assert outputs.refresh_token == "rft.example0refresh0token"
    assert outputs.open_id == "-000exampleOpenId0123456789"
    assert outputs.display_name == "Example Creator"


def test_requests_are_recorded_with_their_step_and_operation() -> None:
    fake = FakeApi()

    run(fake)

    token, profile = fake.requests
    assert (token.operation, token.workflow_id, token.step_id) == (
        "exchangeToken",
        "oauth-login-and-profile",
        "exchangeCode",
    )
    assert token.form() == {
        "client_key": "awexampleclientkey",
        "client_secret": "example-client-secret",
        "code": "example-authorization-code",
        "grant_type": "authorization_code",
        "redirect_uri": "https://app.example/callback",
    }
    assert (profile.operation, profile.step_id) == ("getUserInfo", "getProfile")
    assert profile.request.headers["Authorization"] == "Bearer act.example0access0token"
    assert profile.request.url.params["fields"] == INPUTS.user_fields


@pytest.mark.parametrize(
    ("key", "status", "step", "error_code"),
    [
        ("exchangeCode", 400, "exchangeCode", "invalid_grant"),
        ("exchangeToken", 401, "exchangeCode", "invalid_client"),
        ("getProfile", 401, "getProfile", "access_token_invalid"),
        ("getUserInfo", 429, "getProfile", "rate_limit_exceeded"),
    ],
)
def test_each_declared_error_response_stops_its_step(
    key: str, status: int, step: str, error_code: str
) -> None:
    fake = FakeApi()
    fake.respond(key, status=status)  # the OpenAPI's example for that status

    with pytest.raises(StepFailedError) as caught:
        run(fake)

    error = caught.value
    assert (error.step_id, error.status_code, error.error_code) == (step, status, error_code)
    assert len(fake.requests) == (1 if step == "exchangeCode" else 2)


def test_a_failing_second_step_keeps_the_outputs_of_the_first() -> None:
    fake = FakeApi()
    fake.respond(
        "getProfile",
        status=500,
        json={"data": {}, "error": {"code": "internal_error", "message": "m", "log_id": "l"}},
    )

    with pytest.raises(StepFailedError) as caught:
        run(fake)

    error = caught.value
    assert (error.step_id, error.status_code, error.error_code) == (
        "getProfile",
        500,
        "internal_error",
    )
    token = error.completed_outputs["exchangeCode"]["accessToken"]
    assert token == "act.example0access0token"
    assert token not in repr(error.completed_outputs)


def test_response_that_is_not_json() -> None:
    fake = FakeApi()
    fake.respond("exchangeCode", status=200, text="<html>maintenance</html>")

    with pytest.raises(ResponseFormatError, match="not JSON") as caught:
        run(fake)

    assert (caught.value.step_id, caught.value.status_code) == ("exchangeCode", 200)


def test_missing_field_a_required_output_needs() -> None:
    fake = FakeApi()
    fake.respond("exchangeCode", json={"open_id": "o", "scope": "s", "expires_in": 1})

    with pytest.raises(ResponseFormatError, match="output accessToken needs a value"):
        run(fake)


def test_error_body_with_status_200_is_not_mistaken_for_tokens() -> None:
    fake = FakeApi()
    fake.respond("exchangeCode", json={"error": "invalid_grant", "error_description": "gone"})

    with pytest.raises(ResponseFormatError) as caught:
        run(fake)

    assert caught.value.step_id == "exchangeCode"


def test_optional_output_missing_from_the_response_is_none() -> None:
    fake = FakeApi()
    fake.respond("getProfile", json={"data": {"user": {"open_id": "o"}}})

    assert run(fake).display_name is None


def test_queued_responses_are_given_in_order_then_the_generated_one() -> None:
    fake = FakeApi()
    fake.respond("exchangeCode", status=401)
    fake.respond("exchangeCode", status=400)

    statuses = []
    for _ in range(3):
        try:
            run(fake)
            statuses.append(200)
        except StepFailedError as error:
            statuses.append(error.status_code or 0)

    assert statuses == [401, 400, 200]


def test_a_response_for_a_step_comes_before_one_for_its_operation() -> None:
    fake = FakeApi()
    fake.respond("exchangeToken", status=401)
    fake.respond("exchangeCode", status=400)

    with pytest.raises(StepFailedError) as caught:
        run(fake)

    assert caught.value.status_code == 400


def test_respond_to_an_unknown_name_is_an_error() -> None:
    with pytest.raises(KeyError, match="getProfil"):
        FakeApi().respond("getProfil", status=500)


def send(fake: FakeApi, method: str, url: str, **kwargs: Any) -> httpx.Response:
    with httpx.Client(transport=fake.transport) as client:
        return client.request(method, url, **kwargs)


def test_a_request_outside_the_openapi_fails_loudly() -> None:
    fake = FakeApi()
    with pytest.raises(FakeRequestError, match="no operation of this package answers"):
        send(fake, "DELETE", "https://open.tiktokapis.com/v2/user/info/")


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"client_secret": "s", "grant_type": "authorization_code"}, "'client_key'"),
        ({"client_key": "k", "client_secret": "s", "grant_type": "password"}, "not one of"),
        (
            {"client_key": "k", "client_secret": "s", "grant_type": "refresh_token", "x": "1"},
            "undeclared property 'x'",
        ),
    ],
)
def test_a_body_that_breaks_the_schema_fails_loudly(form: dict[str, str], problem: str) -> None:
    fake = FakeApi()
    with pytest.raises(FakeRequestError, match=problem):
        send(fake, "POST", "https://open.tiktokapis.com/v2/oauth/token/", data=form)


def test_a_missing_required_parameter_or_body_fails_loudly() -> None:
    fake = FakeApi()
    with pytest.raises(FakeRequestError, match="required query parameter 'fields' is missing"):
        send(fake, "GET", "https://open.tiktokapis.com/v2/user/info/")
    with pytest.raises(FakeRequestError, match="required request body is missing"):
        send(fake, "POST", "https://open.tiktokapis.com/v2/oauth/token/")
    with pytest.raises(FakeRequestError, match="media type 'application/json'"):
        send(fake, "POST", "https://open.tiktokapis.com/v2/oauth/token/", json={})


def test_a_workflow_request_the_fake_rejects_fails_the_workflow_call() -> None:
    """The fake's check reaches the caller as FakeRequestError, not as a StepRequestError."""
    fields = _fake.Parameter("fields", "query", True, {"type": "string", "minLength": 1})
    stricter = tuple(
        dataclasses.replace(operation, parameters=(fields,))
        if operation.key == "getUserInfo"
        else operation
        for operation in FakeApi.operations
    )

    class StricterFakeApi(FakeApi):
        operations = stricter

    fake = StricterFakeApi()
    with pytest.raises(FakeRequestError, match="'fields': the value has 0 chars, fewer than 1"):
        run(fake, dataclasses.replace(INPUTS, user_fields=""))
    assert [recorded.step_id for recorded in fake.requests] == ["exchangeCode", "getProfile"]


def test_a_server_prefix_in_the_base_url_still_reaches_the_operation() -> None:
    fake = FakeApi()

    async def go() -> OauthLoginAndProfileOutputs:
        async with httpx.AsyncClient(transport=fake.transport) as client:
            return await oauth_login_and_profile(
                INPUTS, client=client, base_urls={"displayApi": "https://proxy.example/tiktok"}
            )

    assert asyncio.run(go()).display_name == "Example Creator"
    assert fake.requests[-1].request.url.path == "/tiktok/v2/user/info/"


@pytest.mark.parametrize(
    ("readme", "heading", "path", "passed"),
    [
        ("generated/tiktok/README.md", "## Testing your code without a server", "generated", 2),
        ("README.md", "## Testing code that calls a workflow", ".", 1),
    ],
)
def test_the_readme_examples_pass_under_pytest(
    tmp_path: Path, readme: str, heading: str, path: str, passed: int
) -> None:
    text = (ROOT / readme).read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "test_readme_example.py").write_text(code, encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT / path)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{passed} passed" in result.stdout
