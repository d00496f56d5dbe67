"""The generated TikTok client under faults, on a real loopback server (faults of response
content, where a socket adds nothing, are in test_fake_api.py): every failure is a
typed error naming the workflow and step, carries what completed, and leaks no secret."""

from __future__ import annotations

import asyncio
import logging
import socket
import traceback
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tiktok_standin import TikTokStandIn, default_user

from generated.tiktok import (
    OauthLoginAndProfileInputs,
    ResponseFormatError,
    StepFailedError,
    StepRequestError,
    WorkflowError,
    oauth_login_and_profile,
)

CODE = "fault-code-5678"


@pytest.fixture
def server() -> Iterator[TikTokStandIn]:
    with TikTokStandIn() as standin:
        standin.add_code(CODE)
        yield standin


def inputs_for(server: TikTokStandIn, code: str = CODE) -> OauthLoginAndProfileInputs:
    return OauthLoginAndProfileInputs(
        client_key=server.client_key,
        client_secret=server.client_secret,
        code=code,
        redirect_uri=server.redirect_uri,
    )


def run(server: TikTokStandIn, **kwargs: Any) -> Any:
    return asyncio.run(
        oauth_login_and_profile(inputs_for(server), base_url=server.base_url, **kwargs)
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused(server: TikTokStandIn) -> None:
    with pytest.raises(StepRequestError) as caught:
        asyncio.run(
            oauth_login_and_profile(inputs_for(server), base_url=f"http://127.0.0.1:{free_port()}")
        )
    assert (caught.value.workflow_id, caught.value.step_id) == (
        "oauth-login-and-profile",
        "exchangeCode",
    )
    assert "got no response (ConnectError" in str(caught.value)


def test_timeout_set_by_the_caller(server: TikTokStandIn) -> None:
    server.delay_seconds = 1.0

    with pytest.raises(StepRequestError, match="timed out") as caught:
        run(server, timeout=0.2)

    assert caught.value.step_id == "exchangeCode"


def test_on_response_sees_each_step(server: TikTokStandIn) -> None:
    seen: list[tuple[str, str, int]] = []

    def trace(step_id: str, response: httpx.Response) -> None:
        seen.append((step_id, response.request.url.path, response.status_code))

    run(server, on_response=trace)

    assert seen == [
        ("exchangeCode", "/v2/oauth/token/", 200),
        ("getProfile", "/v2/user/info/", 200),
    ]


def test_concurrent_runs_sharing_one_client_keep_their_data_apart(server: TikTokStandIn) -> None:
    runs = 200
    for index in range(runs):
        user = {**default_user(), "display_name": f"user-{index}", "open_id": f"open-{index}"}
        server.add_code(f"code-{index}", user)

    async def go() -> list[Any]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(limits=limits) as client:
            return await asyncio.gather(
                *(
                    oauth_login_and_profile(
                        inputs_for(server, f"code-{index}"), client=client, base_url=server.base_url
                    )
                    for index in range(runs)
                )
            )

    results = asyncio.run(go())

    assert [r.display_name for r in results] == [f"user-{i}" for i in range(runs)]
    assert [r.open_id for r in results] == [f"open-{i}" for i in range(runs)]
    assert len({r.access_token for r in results}) == runs


def test_cancellation_leaves_no_request_in_flight(server: TikTokStandIn) -> None:
    server.delay_seconds = 1.0
    transport = httpx.AsyncHTTPTransport()

    async def go() -> list[Any]:
        async with httpx.AsyncClient(transport=transport) as client:
            task = asyncio.create_task(
                oauth_login_and_profile(inputs_for(server), client=client, base_url=server.base_url)
            )
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return list(transport._pool.connections)

    connections = asyncio.run(go())
    assert all(not c.is_available() or c.is_idle() for c in connections)
    assert not [c for c in connections if not (c.is_idle() or c.is_closed())]


def test_no_secret_leaks_on_any_failure_path(
    server: TikTokStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    outputs = run(server)
    secrets = [server.client_secret, CODE, outputs.access_token, outputs.refresh_token]

    # Each failure echoes this run's own authorization code back, as a careless API might.
    refused = f"http://127.0.0.1:{free_port()}"
    failures: list[tuple[type[WorkflowError], Any]] = [
        (
            StepFailedError,
            lambda code: server.fail_next(
                400, {"error": "invalid_request", "error_description": code}
            ),
        ),
        (StepFailedError, lambda code: server.fail_next(401, {"message": f"bad {code}"})),
        (ResponseFormatError, lambda code: server.fail_next(200, b"not json " + code.encode())),
        (ResponseFormatError, lambda code: server.fail_next(200, {"open_id": code})),
        (StepRequestError, lambda code: setattr(server, "delay_seconds", 1.0)),
        (StepRequestError, lambda code: None),  # connection refused
    ]
    slow = 4  # only the delayed answer is meant to time out: a loaded machine may be slow
    for index, (expected, arrange) in enumerate(failures):
        server.delay_seconds = 0.0
        code = f"{CODE}-{index}"
        server.add_code(code)
        secrets.append(code)
        arrange(code)
        base_url = refused if index == len(failures) - 1 else server.base_url
        timeout = 0.2 if index == slow else 10.0
        with pytest.raises(expected) as caught:
            asyncio.run(
                oauth_login_and_profile(
                    inputs_for(server, code), base_url=base_url, timeout=timeout
                )
            )
        error = caught.value
        texts += [str(error), repr(error), repr(vars(error)), repr(error.completed_outputs)]
        texts.append("".join(traceback.format_exception(error)))
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(inputs_for(server)), repr(outputs)]

    leaks = [(secret, text) for text in texts for secret in secrets if secret in text]
    assert leaks == []
    assert len(texts) >= 6 * 5 and caplog.records
