"""Tests of the TikTok stand-in server itself, using a plain synchronous httpx client."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tiktok_standin import USER_FIELDS, TikTokStandIn, default_user

# The stand-in speaks plain HTTP; one shared TLS context just avoids re-loading the CA
# bundle for every client (about 20 ms each).
TLS = ssl.create_default_context()

TOKEN = "/v2/oauth/token/"
USER_INFO = "/v2/user/info/"


@pytest.fixture
def server() -> Iterator[TikTokStandIn]:
    with TikTokStandIn() as standin:
        yield standin


@pytest.fixture
def client(server: TikTokStandIn) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=5, verify=TLS) as http:
        yield http


def code_form(server: TikTokStandIn, code: str, **overrides: str) -> dict[str, str]:
    form = {
        "client_key": server.client_key,
        "client_secret": server.client_secret,
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": server.redirect_uri,
    }
    form.update(overrides)
    return form


def exchange(client: httpx.Client, server: TikTokStandIn, code: str) -> dict[str, Any]:
    response = client.post(TOKEN, data=code_form(server, code))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["error_description"], str) and body["error_description"]
    assert isinstance(body["log_id"], str) and body["log_id"]


def assert_api_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["data"] == {}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["error"]["log_id"]


# ---------------------------------------------------------------- happy path


def test_exchange_then_user_info_returns_only_requested_fields(
    server: TikTokStandIn, client: httpx.Client
) -> None:
    server.add_code("code-1")
    tokens = exchange(client, server, "code-1")
    assert set(tokens) == {
        "open_id",
        "scope",
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_expires_in",
        "token_type",
    }
    assert tokens["access_token"].startswith("act.")
    assert tokens["refresh_token"].startswith("rft.")
    assert tokens["expires_in"] == 86400
    assert tokens["refresh_expires_in"] == 31536000
    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "user.info.basic,user.info.profile,user.info.stats"
    assert tokens["open_id"] == default_user()["open_id"]

    response = client.get(
        USER_INFO,
        params={"fields": "open_id,display_name,is_verified,follower_count"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    user = default_user()
    assert body["data"] == {
        "user": {
            "open_id": user["open_id"],
            "display_name": user["display_name"],
            "is_verified": user["is_verified"],
            "follower_count": user["follower_count"],
        }
    }
    assert body["error"]["code"] == "ok"
    assert body["error"]["message"] == ""
    assert body["error"]["log_id"]

    token_request, info_request = server.requests
    assert (token_request.method, token_request.path) == ("POST", TOKEN)
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert token_request.form == code_form(server, "code-1")
    assert token_request.body.startswith(b"client_key=")
    assert (info_request.method, info_request.path) == ("GET", USER_INFO)
    assert info_request.query == {"fields": "open_id,display_name,is_verified,follower_count"}
    assert info_request.headers["authorization"] == f"Bearer {tokens['access_token']}"
    assert info_request.form == {}


def test_default_user_has_all_documented_fields(
    server: TikTokStandIn, client: httpx.Client
) -> None:
    assert len(USER_FIELDS) == 14
    server.add_code("code-1")
    token = exchange(client, server, "code-1")["access_token"]
    response = client.get(
        USER_INFO,
        params={"fields": ",".join(USER_FIELDS)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json()["data"]["user"] == default_user()


def test_custom_user_is_returned(server: TikTokStandIn, client: httpx.Client) -> None:
    server.add_code("code-1", {"open_id": "open-42", "display_name": "Someone"})
    tokens = exchange(client, server, "code-1")
    assert tokens["open_id"] == "open-42"
    assert server.user_for_access_token(tokens["access_token"]) == {
        "open_id": "open-42",
        "display_name": "Someone",
    }
    response = client.get(
        USER_INFO,
        params={"fields": "display_name,video_count"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert response.json()["data"]["user"] == {"display_name": "Someone"}


def test_refresh_rotates_tokens(server: TikTokStandIn, client: httpx.Client) -> None:
    server.add_code("code-1")
    first = exchange(client, server, "code-1")
    refresh_form = {
        "client_key": server.client_key,
        "client_secret": server.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
    }
    response = client.post(TOKEN, data=refresh_form)
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["access_token"].startswith("act.")
    assert second["refresh_token"].startswith("rft.")
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["open_id"] == first["open_id"]

    assert_oauth_error(client.post(TOKEN, data=refresh_form), 400, "invalid_grant")
    info = client.get(
        USER_INFO,
        params={"fields": "open_id"},
        headers={"Authorization": f"Bearer {second['access_token']}"},
    )
    assert info.status_code == 200


# ---------------------------------------------------------------- token endpoint errors


def test_unknown_code_is_invalid_grant(server: TikTokStandIn, client: httpx.Client) -> None:
    assert_oauth_error(client.post(TOKEN, data=code_form(server, "nope")), 400, "invalid_grant")


def test_expired_code_is_invalid_grant(server: TikTokStandIn, client: httpx.Client) -> None:
    server.add_code("code-1")
    server.expire_code("code-1")
    assert_oauth_error(client.post(TOKEN, data=code_form(server, "code-1")), 400, "invalid_grant")


def test_code_is_single_use(server: TikTokStandIn, client: httpx.Client) -> None:
    server.add_code("code-1")
    exchange(client, server, "code-1")
    assert_oauth_error(client.post(TOKEN, data=code_form(server, "code-1")), 400, "invalid_grant")


def test_wrong_client_secret_is_invalid_client(server: TikTokStandIn, client: httpx.Client) -> None:
    server.add_code("code-1")
    form = code_form(server, "code-1", client_secret="wrong")
    assert_oauth_error(client.post(TOKEN, data=form), 401, "invalid_client")
    # The failed attempt did not consume the code.
    exchange(client, server, "code-1")


def test_unknown_client_key_is_invalid_client(server: TikTokStandIn, client: httpx.Client) -> None:
    server.add_code("code-1")
    form = code_form(server, "code-1", client_key="someone-else")
    assert_oauth_error(client.post(TOKEN, data=form), 401, "invalid_client")


def test_wrong_content_type_is_invalid_request(server: TikTokStandIn, client: httpx.Client) -> None:
    server.add_code("code-1")
    response = client.post(TOKEN, json=code_form(server, "code-1"))
    assert_oauth_error(response, 400, "invalid_request")
    assert server.requests[0].form == {}
    assert server.requests[0].headers["content-type"] == "application/json"


def test_missing_fields_and_redirect_mismatch_are_invalid_request(
    server: TikTokStandIn, client: httpx.Client
) -> None:
    server.add_code("code-1")
    form = code_form(server, "code-1")
    del form["redirect_uri"]
    assert_oauth_error(client.post(TOKEN, data=form), 400, "invalid_request")
    form = code_form(server, "code-1")
    del form["code"]
    assert_oauth_error(client.post(TOKEN, data=form), 400, "invalid_request")
    form = code_form(server, "code-1", redirect_uri="https://evil.example/cb")
    assert_oauth_error(client.post(TOKEN, data=form), 400, "invalid_request")


def test_unsupported_grant_type(server: TikTokStandIn, client: httpx.Client) -> None:
    form = code_form(server, "code-1", grant_type="client_credentials")
    assert_oauth_error(client.post(TOKEN, data=form), 400, "unsupported_grant_type")


def test_oauth_errors_as_200_quirk(server: TikTokStandIn, client: httpx.Client) -> None:
    server.oauth_errors_as_200 = True
    form = code_form(server, "code-1", client_secret="wrong")
    assert_oauth_error(client.post(TOKEN, data=form), 200, "invalid_client")


# ---------------------------------------------------------------- user info errors


def test_missing_or_unknown_bearer_is_access_token_invalid(
    server: TikTokStandIn, client: httpx.Client
) -> None:
    assert_api_error(
        client.get(USER_INFO, params={"fields": "open_id"}), 401, "access_token_invalid"
    )
    server.add_code("code-1")
    token = exchange(client, server, "code-1")["access_token"]
    for authorization in ("Bearer act.unknown", token, f"Basic {token}"):
        response = client.get(
            USER_INFO, params={"fields": "open_id"}, headers={"Authorization": authorization}
        )
        assert_api_error(response, 401, "access_token_invalid")
    server.expire_access_token(token)
    response = client.get(
        USER_INFO, params={"fields": "open_id"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert_api_error(response, 401, "access_token_invalid")


@pytest.fixture
def bearer(server: TikTokStandIn, client: httpx.Client) -> dict[str, str]:
    server.add_code("code-bearer")
    return {"Authorization": f"Bearer {exchange(client, server, 'code-bearer')['access_token']}"}


def test_missing_fields_param_is_invalid_params(
    client: httpx.Client, bearer: dict[str, str]
) -> None:
    assert_api_error(client.get(USER_INFO, headers=bearer), 400, "invalid_params")
    assert_api_error(
        client.get(USER_INFO, params={"fields": ""}, headers=bearer), 400, "invalid_params"
    )


def test_unknown_field_is_invalid_params(client: httpx.Client, bearer: dict[str, str]) -> None:
    response = client.get(USER_INFO, params={"fields": "open_id,nickname"}, headers=bearer)
    assert_api_error(response, 400, "invalid_params")
    assert "nickname" in response.json()["error"]["message"]
    response = client.get(USER_INFO, params={"fields": "open_id, display_name"}, headers=bearer)
    assert_api_error(response, 400, "invalid_params")


def test_field_outside_granted_scope(server: TikTokStandIn, client: httpx.Client) -> None:
    server.add_code("code-1", scope="user.info.basic")
    tokens = exchange(client, server, "code-1")
    assert tokens["scope"] == "user.info.basic"
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    response = client.get(USER_INFO, params={"fields": "open_id,follower_count"}, headers=headers)
    assert_api_error(response, 400, "scope_permission_missed")
    response = client.get(USER_INFO, params={"fields": "open_id,avatar_url"}, headers=headers)
    assert response.status_code == 200


# ---------------------------------------------------------------- knobs and plumbing


def test_fail_next_forces_responses_then_recovers(
    server: TikTokStandIn, client: httpx.Client
) -> None:
    server.add_code("code-1")
    limited = {"data": {}, "error": {"code": "rate_limit_exceeded", "message": "slow down"}}
    server.fail_next(429, limited, headers={"Retry-After": "1"}, count=2)
    first = client.post(TOKEN, data=code_form(server, "code-1"))
    assert first.status_code == 429
    assert first.json() == limited
    assert first.headers["retry-after"] == "1"
    # Unknown paths are not affected and do not consume forced responses.
    assert client.get("/v2/video/list/").status_code == 404
    assert client.get(USER_INFO).status_code == 429
    # The forced response did not consume the code.
    tokens = exchange(client, server, "code-1")
    assert tokens["access_token"].startswith("act.")
    assert len(server.requests) == 4


def test_fail_next_raw_body_and_header_override(
    server: TikTokStandIn, client: httpx.Client
) -> None:
    server.fail_next(502, b"<html>bad gateway</html>", headers={"content-type": "text/html"})
    response = client.get(USER_INFO)
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert response.text == "<html>bad gateway</html>"


def test_unknown_route_is_json_404(client: httpx.Client) -> None:
    for response in (client.get("/nowhere"), client.get(TOKEN), client.post(USER_INFO)):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_delay_seconds(server: TikTokStandIn, client: httpx.Client) -> None:
    server.delay_seconds = 0.1
    start = time.monotonic()
    client.get("/nowhere")
    assert time.monotonic() - start >= 0.1


def test_client_hanging_up_is_silent(
    server: TikTokStandIn, capfd: pytest.CaptureFixture[str]
) -> None:
    server.delay_seconds = 0.1
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{server.base_url}{USER_INFO}", timeout=0.02, verify=TLS)
    time.sleep(0.15)  # let the handler try to answer the closed connection
    assert capfd.readouterr().err == ""
    assert server.handler_errors == []


def test_concurrent_requests_are_all_recorded(server: TikTokStandIn, client: httpx.Client) -> None:
    # httpx.Client is thread-safe; its pool opens one connection per concurrent request.
    def hit(index: int) -> None:
        client.get(USER_INFO, params={"fields": f"n{index}"})

    threads = [threading.Thread(target=hit, args=(index,)) for index in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorded = server.requests
    assert len(recorded) == 16
    assert {request.query["fields"] for request in recorded} == {f"n{i}" for i in range(16)}
    server.clear_requests()
    assert server.requests == []


def test_server_stops_on_exit() -> None:
    with TikTokStandIn() as standin:
        base_url = standin.base_url
        assert httpx.get(f"{base_url}/nowhere", verify=TLS).status_code == 404
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/nowhere", timeout=1, verify=TLS)
