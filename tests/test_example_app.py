"""The login example (examples/tiktok_login), run in-process against the TikTok stand-in.

The app and the stand-in listen on 127.0.0.1 (ephemeral ports); the tests play the browser with
httpx, following the OAuth redirects by hand. Nothing is sent to TikTok.
"""

from __future__ import annotations

import html
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from examples.tiktok_login import (
    AUTHORIZE_URL,
    SCOPE,
    Config,
    ConfigError,
    LoginApp,
    LoginServer,
    make_server,
)
from examples.tiktok_login.app import STATE_COOKIE
from examples.tiktok_login.standin import AuthorizePage
from tests.tiktok_standin import TikTokStandIn, default_user

ROOT = Path(__file__).resolve().parent.parent
# The redirect URI both sides agree on. The tests call the app's callback at its real address;
# an http URI keeps the state cookie free of `Secure`, so httpx sends it over plain http.
REDIRECT_URI = "http://localhost:8000/callback"
EVIL_NAME = '<script>alert("pwned")</script> & Co'
ACCESS_DENIED = "The user denied the authorization request."


@dataclass
class Running:
    standin: TikTokStandIn
    server: LoginServer
    browser: httpx.Client


def environment(standin: TikTokStandIn, **overrides: str) -> dict[str, str]:
    return {
        "TIKTOK_CLIENT_KEY": standin.client_key,
        "TIKTOK_CLIENT_SECRET": standin.client_secret,
        "TIKTOK_REDIRECT_URI": standin.redirect_uri,
        "TIKTOK_API_BASE_URL": standin.base_url,
        "PORT": "0",
        **overrides,
    }


@pytest.fixture
def running() -> Iterator[Running]:
    with TikTokStandIn(redirect_uri=REDIRECT_URI) as standin:
        server = make_server(Config.from_env(environment(standin)))
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        thread.start()
        try:
            with httpx.Client(base_url=server.url, timeout=5) as browser:
                yield Running(standin, server, browser)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def start_login(browser: httpx.Client) -> dict[str, str]:
    """GET /login like a browser; the query of the authorization URL it redirects to."""
    response = browser.get("/login")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == AUTHORIZE_URL
    query = parse_qs(location.query)
    assert all(len(values) == 1 for values in query.values())
    return {name: values[0] for name, values in query.items()}


def log_in(running: Running, code: str, **extra: str) -> httpx.Response:
    """The whole flow: /login, then TikTok's redirect back to /callback with `code`."""
    state = start_login(running.browser)["state"]
    return running.browser.get("/callback", params={"code": code, "state": state, **extra})


def test_home_page_links_to_login(running: Running) -> None:
    response = running.browser.get("/")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<a class="button" href="/login">Log in with TikTok</a>' in response.text


def test_login_redirects_to_tiktok_with_a_fresh_state_in_a_signed_cookie(
    running: Running,
) -> None:
    query = start_login(running.browser)

    assert query.keys() == {"client_key", "scope", "response_type", "redirect_uri", "state"}
    assert query["client_key"] == running.standin.client_key
    assert query["scope"] == SCOPE == "user.info.basic,user.info.profile,user.info.stats"
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == REDIRECT_URI
    assert len(query["state"]) >= 32
    cookie = running.browser.cookies[STATE_COOKIE]
    assert cookie.startswith(query["state"] + ".") and cookie != query["state"]
    assert start_login(running.browser)["state"] != query["state"]


def test_callback_shows_the_profile_html_escaped(running: Running) -> None:
    user = default_user()
    user["display_name"] = EVIL_NAME
    running.standin.add_code("code-evil", user)

    response = log_in(running, "code-evil", scopes=SCOPE)

    assert response.status_code == 200, response.text
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; Co" in response.text
    assert "<script" not in response.text
    assert user["open_id"] in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # The tokens stay on the server, and the state cookie is spent.
    token_request = running.standin.requests[0]
    assert token_request.form["code"] == "code-evil"
    assert "act." not in response.text and "rft." not in response.text
    assert STATE_COOKIE not in running.browser.cookies


def test_a_wrong_or_missing_state_is_rejected_before_calling_tiktok(running: Running) -> None:
    running.standin.add_code("code-1")
    start_login(running.browser)

    wrong = running.browser.get("/callback", params={"code": "code-1", "state": "forged"})
    assert wrong.status_code == 400
    assert "not valid" in wrong.text

    # Without the cookie (a login started elsewhere, or by an attacker), the state is worthless.
    state = start_login(running.browser)["state"]
    running.browser.cookies.clear()
    no_cookie = running.browser.get("/callback", params={"code": "code-1", "state": state})
    assert no_cookie.status_code == 400

    # A cookie the server did not sign does not help either.
    unsigned = running.browser.get(
        "/callback",
        params={"code": "code-1", "state": state},
        headers={"Cookie": f"{STATE_COOKIE}={state}.9999999999.forged-signature"},
    )
    assert unsigned.status_code == 400

    assert running.standin.requests == []


def test_an_expired_code_shows_a_friendly_error_without_secrets(running: Running) -> None:
    code = "code-expired-5f1d"
    running.standin.add_code(code)
    running.standin.expire_code(code)

    response = log_in(running, code)

    assert response.status_code == 502
    assert "TikTok refused the login" in response.text
    assert "<dt>Step</dt><dd>exchangeCode</dd>" in response.text
    assert "<dt>TikTok error code</dt><dd>invalid_grant</dd>" in response.text
    assert "log in again" in response.text
    assert running.standin.client_secret not in response.text
    assert code not in response.text


def test_a_failing_profile_step_is_named(running: Running) -> None:
    # The token exchange answers with tokens; the profile read then fails.
    tokens = {
        "access_token": "act.forced-access-token",
        "refresh_token": "rft.forced-refresh-token",
        "open_id": "open-id-1",
        "scope": SCOPE,
        "expires_in": 86400,
        "token_type": "Bearer",
    }
    running.standin.fail_next(200, tokens)
    running.standin.fail_next(
        401,
        {"data": {}, "error": {"code": "access_token_invalid", "message": "Token expired."}},
    )

    response = log_in(running, "code-2")

    assert response.status_code == 502
    assert "<dt>Step</dt><dd>getProfile</dd>" in response.text
    assert "<dt>HTTP status</dt><dd>401</dd>" in response.text
    assert "<dt>TikTok error code</dt><dd>access_token_invalid</dd>" in response.text
    assert "Token expired." in response.text
    assert "forced-access-token" not in response.text


def test_an_unexpected_answer_gives_a_friendly_page(running: Running) -> None:
    running.standin.fail_next(200, b"not json")  # a 200 without tokens

    response = log_in(running, "code-3")

    assert response.status_code == 502
    assert "<dt>Step</dt><dd>exchangeCode</dd>" in response.text
    assert "TikTok answered in a way this app did not expect." in response.text
    assert "code-3" not in response.text


def test_access_denied_renders_the_denial_page(running: Running) -> None:
    state = start_login(running.browser)["state"]

    response = running.browser.get(
        "/callback",
        params={"error": "access_denied", "error_description": ACCESS_DENIED, "state": state},
    )

    assert response.status_code == 200
    assert "Login cancelled" in response.text
    assert "You did not allow this app" in response.text
    assert running.standin.requests == []


def test_other_authorization_errors_are_shown_escaped(running: Running) -> None:
    state = start_login(running.browser)["state"]

    response = running.browser.get(
        "/callback", params={"error": "invalid_scope<b>", "state": state}
    )

    assert response.status_code == 400
    assert "invalid_scope&lt;b&gt;" in response.text


def test_unreachable_tiktok_gives_a_friendly_page(running: Running) -> None:
    running.standin.add_code("code-4")
    running.standin.stop()  # nothing listens on its port any more

    response = log_in(running, "code-4")

    assert response.status_code == 502
    assert "could not be reached" in response.text
    assert "<dd>exchangeCode</dd>" in response.text


def test_logs_hold_no_secret_code_state_or_token(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    codes = ["code-logged-7c2a", "code-expired-7c2a"]
    for code in codes:
        running.standin.add_code(code)
    running.standin.expire_code(codes[1])
    states = []

    with caplog.at_level(logging.DEBUG):
        for code, status in zip(codes, [200, 502], strict=True):
            states.append(start_login(running.browser)["state"])
            params = {"code": code, "state": states[-1]}
            assert running.browser.get("/callback", params=params).status_code == status

    # What the app's threads logged (the browser, this thread, logs its own requests).
    text = "\n".join(
        record.getMessage() for record in caplog.records if record.thread != threading.get_ident()
    )
    assert "GET /callback HTTP/1.1" in text  # the access log is there, without its query
    assert "exchangeCode" in text
    bearer = running.standin.requests[1].headers["authorization"].removeprefix("Bearer ")
    assert bearer.startswith("act.")
    for secret in [running.standin.client_secret, *codes, *states, bearer]:
        assert secret not in text


def test_state_cookie_is_secure_for_an_https_redirect_uri(running: Running) -> None:
    https = Config.from_env(
        environment(running.standin, TIKTOK_REDIRECT_URI="https://app.example/auth/callback/")
    )

    response = LoginApp(https).handle("GET", "/login")

    cookie = dict(response.headers)["Set-Cookie"]
    assert cookie.endswith("; HttpOnly; SameSite=Lax; Secure")
    assert https.callback_path == "/auth/callback/"
    assert LoginApp(https).handle("GET", "/callback").status == 404


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"TIKTOK_CLIENT_KEY": ""}, "missing environment variable TIKTOK_CLIENT_KEY."),
        (
            {"TIKTOK_CLIENT_KEY": " ", "TIKTOK_CLIENT_SECRET": ""},
            "missing environment variables TIKTOK_CLIENT_KEY, TIKTOK_CLIENT_SECRET.",
        ),
        ({"TIKTOK_REDIRECT_URI": "/callback"}, "TIKTOK_REDIRECT_URI must be an absolute"),
        ({"TIKTOK_REDIRECT_URI": "https://a.example/"}, "must not be / or /login"),
        ({"PORT": "http"}, "PORT must be a number"),
        ({"TIKTOK_API_BASE_URL": "localhost:9"}, "TIKTOK_API_BASE_URL must be an absolute"),
    ],
)
def test_configuration_errors_name_the_variable(overrides: dict[str, str], message: str) -> None:
    standin = TikTokStandIn()  # not started: only its settings are used
    with pytest.raises(ConfigError) as caught:
        Config.from_env(environment(standin, **overrides))
    assert message in str(caught.value)
    assert standin.client_secret not in str(caught.value)


def test_the_app_refuses_to_start_without_key_and_secret() -> None:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("TIKTOK_") and name != "PORT"
    }
    result = subprocess.run(
        [sys.executable, "-m", "examples.tiktok_login"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert "cannot start: missing environment variables TIKTOK_CLIENT_KEY, " in result.stderr
    assert "TIKTOK_CLIENT_SECRET" in result.stderr


def test_the_local_authorize_page_completes_the_flow(running: Running) -> None:
    """examples/tiktok_login/standin.py: its authorization page issues codes the app accepts."""

    def link(page: str, name: str) -> tuple[str, str]:
        href = html.unescape(page.split(f'id="{name}" href="')[1].split('"')[0])
        parts = urlsplit(href)
        return f"{parts.scheme}://{parts.netloc}{parts.path}", parts.query

    with AuthorizePage(running.standin) as page, httpx.Client(timeout=5) as tiktok:
        query = start_login(running.browser)
        authorize = tiktok.get(page.url, params=query)
        assert authorize.status_code == 200
        target, allow = link(authorize.text, "authorize")
        assert target == REDIRECT_URI
        assert parse_qs(allow)["state"] == [query["state"]]

        response = running.browser.get("/callback?" + allow)
        assert response.status_code == 200, response.text
        assert "Stand-in Creator" in response.text

        query = start_login(running.browser)
        target, deny = link(tiktok.get(page.url, params=query).text, "cancel")
        assert target == REDIRECT_URI
        assert "Login cancelled" in running.browser.get("/callback?" + deny).text

        wrong = tiktok.get(page.url, params={**query, "redirect_uri": "https://evil.example/cb"})
        assert wrong.status_code == 400
