"""The generated TikTok client, run against the TikTok stand-in on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tiktok_standin import TikTokStandIn, default_user

from generated.tiktok import (
    OauthLoginAndProfileInputs,
    OauthLoginAndProfileOutputs,
    StepFailedError,
    WorkflowError,
    oauth_login_and_profile,
)

ROOT = Path(__file__).resolve().parent.parent
CODE = "auth-code-1234"
DEFAULT_FIELDS = "open_id,union_id,avatar_url,display_name,is_verified,follower_count,video_count"


@pytest.fixture
def server() -> Iterator[TikTokStandIn]:
    with TikTokStandIn() as standin:
        standin.add_code(CODE)
        yield standin


def inputs_for(server: TikTokStandIn, **overrides: str) -> OauthLoginAndProfileInputs:
    values = {
        "client_key": server.client_key,
        "client_secret": server.client_secret,
        "code": CODE,
        "redirect_uri": server.redirect_uri,
        **overrides,
    }
    return OauthLoginAndProfileInputs(**values)


def run(server: TikTokStandIn, inputs: OauthLoginAndProfileInputs) -> OauthLoginAndProfileOutputs:
    return asyncio.run(oauth_login_and_profile(inputs, base_url=server.base_url))


def test_success_path_returns_every_output(server: TikTokStandIn) -> None:
    outputs = run(server, inputs_for(server))

    user = default_user()
    assert outputs.access_token.startswith("act.")
    assert outputs.refresh_token.startswith("rft.")
    assert outputs.open_id == user["open_id"]
    assert outputs.display_name == user["display_name"]
    assert server.user_for_access_token(outputs.access_token) == user


def test_requests_are_what_tiktok_documents(server: TikTokStandIn) -> None:
    outputs = run(server, inputs_for(server))

    token_request, profile_request = server.requests
    assert (token_request.method, token_request.path) == ("POST", "/v2/oauth/token/")
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert token_request.form == {
        "client_key": server.client_key,
        "client_secret": server.client_secret,
        "code": CODE,
        "grant_type": "authorization_code",
        "redirect_uri": server.redirect_uri,
    }
    assert (profile_request.method, profile_request.path) == ("GET", "/v2/user/info/")
    assert profile_request.headers["authorization"] == f"Bearer {outputs.access_token}"


def test_default_user_fields_reach_the_request(server: TikTokStandIn) -> None:
    run(server, inputs_for(server))

    assert server.requests[1].query == {"fields": DEFAULT_FIELDS}


def test_caller_chosen_user_fields_are_sent(server: TikTokStandIn) -> None:
    outputs = run(server, inputs_for(server, user_fields="open_id,display_name"))

    assert server.requests[1].query == {"fields": "open_id,display_name"}
    assert outputs.display_name == default_user()["display_name"]


def test_profile_without_display_name_gives_none(server: TikTokStandIn) -> None:
    outputs = run(server, inputs_for(server, user_fields="open_id"))

    assert outputs.display_name is None
    assert outputs.open_id == default_user()["open_id"]


def test_expired_code_raises_step_failed_with_tiktok_error(server: TikTokStandIn) -> None:
    server.expire_code(CODE)

    with pytest.raises(StepFailedError) as caught:
        run(server, inputs_for(server))

    error = caught.value
    assert error.step_id == "exchangeCode"
    assert error.status_code == 400
    assert error.error_code == "invalid_grant"
    assert "invalid_grant" in str(error)
    assert error.workflow_id == "oauth-login-and-profile"
    assert len(server.requests) == 1


def test_wrong_secret_raises_step_failed_401(server: TikTokStandIn) -> None:
    with pytest.raises(StepFailedError) as caught:
        run(server, inputs_for(server, client_secret="not-the-secret"))

    assert caught.value.step_id == "exchangeCode"
    assert caught.value.status_code == 401
    assert caught.value.error_code == "invalid_client"


def test_profile_failure_names_the_second_step_and_keeps_the_tokens(
    server: TikTokStandIn,
) -> None:
    server.add_code("basic-only", scope="user.info.basic")

    with pytest.raises(StepFailedError) as caught:
        run(server, inputs_for(server, code="basic-only", user_fields="open_id,follower_count"))

    error = caught.value
    assert error.step_id == "getProfile"
    assert error.status_code == 400
    assert error.error_code == "scope_permission_missed"
    completed = error.completed_outputs["exchangeCode"]
    assert server.user_for_access_token(completed["accessToken"]) is not None


def test_caller_client_is_used_and_left_open(server: TikTokStandIn) -> None:
    seen: list[str] = []

    async def go() -> bool:
        async def log_request(request: httpx.Request) -> None:
            seen.append(request.url.path)

        async with httpx.AsyncClient(event_hooks={"request": [log_request]}) as client:
            await oauth_login_and_profile(
                inputs_for(server), client=client, base_url=server.base_url
            )
            return client.is_closed

    assert asyncio.run(go()) is False
    assert seen == ["/v2/oauth/token/", "/v2/user/info/"]


def test_each_source_description_can_have_its_own_host() -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(f"{request.url.host}{request.url.path}")
        if request.url.path == "/v2/oauth/token/":
            return httpx.Response(
                200,
                json={
                    "access_token": "act.1",
                    "refresh_token": "rft.1",
                    "open_id": "o1",
                    "scope": "user.info.basic",
                    "expires_in": 86400,
                    "refresh_expires_in": 1,
                    "token_type": "Bearer",
                },
            )
        return httpx.Response(200, json={"data": {"user": {"display_name": "D"}}, "error": {}})

    async def go() -> OauthLoginAndProfileOutputs:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await oauth_login_and_profile(
                OauthLoginAndProfileInputs(
                    client_key="k", client_secret="s", code="c", redirect_uri="https://r.example"
                ),
                client=client,
                base_urls={
                    "loginKitApi": "https://login.test",
                    "displayApi": "https://display.test",
                },
            )

    outputs = asyncio.run(go())
    assert outputs.display_name == "D"
    assert hosts == ["login.test/v2/oauth/token/", "display.test/v2/user/info/"]


def test_default_server_is_tiktok() -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(str(request.url))
        return httpx.Response(400, json={"error": "invalid_grant", "error_description": "x"})

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            await oauth_login_and_profile(
                OauthLoginAndProfileInputs(
                    client_key="k", client_secret="s", code="c", redirect_uri="https://r.example"
                ),
                client=client,
            )

    with pytest.raises(StepFailedError):
        asyncio.run(go())
    assert hosts == ["https://open.tiktokapis.com/v2/oauth/token/"]


def test_secrets_never_leak(server: TikTokStandIn, caplog: pytest.LogCaptureFixture) -> None:
    secret_inputs = inputs_for(server)
    caplog.set_level(logging.DEBUG)
    outputs = run(server, secret_inputs)
    server.add_code("expired-code")
    server.expire_code("expired-code")
    with pytest.raises(WorkflowError) as caught:
        run(server, inputs_for(server, code="expired-code"))

    secrets = [
        server.client_secret,
        CODE,
        "expired-code",
        outputs.access_token,
        outputs.refresh_token,
    ]
    error = caught.value
    texts = [
        repr(secret_inputs),
        str(secret_inputs),
        repr(outputs),
        str(outputs),
        str(error),
        repr(error),
        repr(vars(error)),
        *(record.getMessage() for record in caplog.records),
    ]
    assert caplog.records, "the workflow logs each step at DEBUG"
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert "client_key='test-client-key'" in repr(secret_inputs)
    assert "client_secret=***" in repr(secret_inputs)


def test_generated_package_needs_neither_yaml_nor_the_generator(server: TikTokStandIn) -> None:
    script = textwrap.dedent(
        f"""
        import asyncio, sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("yaml", "generator", "jinja2", "black"):
                    raise ImportError(f"{{name}} is blocked")
                return None

        sys.meta_path.insert(0, Block())
        from generated.tiktok import OauthLoginAndProfileInputs, oauth_login_and_profile

        inputs = OauthLoginAndProfileInputs(
            client_key={server.client_key!r}, client_secret={server.client_secret!r},
            code={CODE!r}, redirect_uri={server.redirect_uri!r},
        )
        outputs = asyncio.run(oauth_login_and_profile(inputs, base_url={server.base_url!r}))
        blocked = [m for m in sys.modules if m.split(".")[0] in ("yaml", "generator")]
        print(outputs.open_id, blocked)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [default_user()["open_id"], "[]"]
