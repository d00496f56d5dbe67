"""Log in with TikTok: the web app, on the standard library's http.server.

Routes:

* ``GET /``: a page with a "Log in with TikTok" link.
* ``GET /login``: a 302 to TikTok's authorization page, with a fresh random ``state`` that is
  also kept in a signed, short-lived, HttpOnly cookie (CSRF protection).
* ``GET <path of TIKTOK_REDIRECT_URI>`` (``/callback``): TikTok sends the user back here with
  ``code`` and ``state`` (or ``error``). The state must match the cookie (else 400); then
  ``oauth_login_and_profile()`` exchanges the code and reads the profile, which is shown.

Each request runs in a thread of its own (``ThreadingHTTPServer``); the callback runs the
async workflow with ``asyncio.run``. Secrets (client secret, authorization code, tokens) are
never written to a page or a log line: access log lines are written without query strings.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import html
import logging
import os
import re
import secrets
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

from generated.tiktok import (
    OauthLoginAndProfileInputs,
    OauthLoginAndProfileOutputs,
    StepFailedError,
    StepRequestError,
    WorkflowError,
    oauth_login_and_profile,
)

__all__ = [
    "AUTHORIZE_URL",
    "SCOPE",
    "Config",
    "ConfigError",
    "LoginApp",
    "LoginServer",
    "Response",
    "main",
    "make_server",
]

AUTHORIZE_URL = "https://www.tiktok.com/v2/auth/authorize/"
SCOPE = "user.info.basic,user.info.profile,user.info.stats"
STATE_COOKIE = "tiktok_login_state"
#: How long a user has to finish logging in on TikTok's page.
STATE_LIFETIME_SECONDS = 600
#: Seconds each request to TikTok may take.
TIKTOK_TIMEOUT_SECONDS = 10.0

_LOG = logging.getLogger("examples.tiktok_login")
_QUERY = re.compile(r"\?[^\s\"']*")


class ConfigError(Exception):
    """The environment does not configure the app; the message says what to set."""


def _http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an absolute http(s) URL, not {value!r}")
    if parts.fragment:
        raise ConfigError(f"{name} must not have a #fragment: {value!r}")
    return value


@dataclass(frozen=True, kw_only=True)
class Config:
    """The app's settings; `from_env` reads them from environment variables."""

    client_key: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    authorize_url: str = AUTHORIZE_URL
    #: Where the workflow sends its API requests; None for TikTok's own servers.
    api_base_url: str | None = None
    scope: str = SCOPE
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def callback_path(self) -> str:
        """The path TikTok redirects to: the path of `redirect_uri`."""
        return urlsplit(self.redirect_uri).path or "/"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read TIKTOK_CLIENT_KEY, TIKTOK_CLIENT_SECRET, TIKTOK_REDIRECT_URI (required),
        TIKTOK_API_BASE_URL, TIKTOK_AUTHORIZE_URL, HOST and PORT (optional).

        Raises ConfigError naming every missing or malformed variable.
        """

        def get(name: str) -> str:
            return environ.get(name, "").strip()

        required = ("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET", "TIKTOK_REDIRECT_URI")
        missing = [name for name in required if not get(name)]
        if missing:
            raise ConfigError(
                f"missing environment variable{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)}. Set TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET to your "
                "app's client key and secret (https://developers.tiktok.com, Manage apps), and "
                "TIKTOK_REDIRECT_URI to the redirect URI registered for Login Kit, such as "
                "https://your.app/callback. See examples/tiktok_login/README.md."
            )
        redirect_uri = _http_url("TIKTOK_REDIRECT_URI", get("TIKTOK_REDIRECT_URI"))
        if urlsplit(redirect_uri).query:
            raise ConfigError(f"TIKTOK_REDIRECT_URI must not have a query: {redirect_uri!r}")
        callback_path = urlsplit(redirect_uri).path or "/"
        if callback_path in ("/", "/login"):
            raise ConfigError(
                f"TIKTOK_REDIRECT_URI's path must not be / or /login (it serves the callback), "
                f"such as https://your.app/callback, not {redirect_uri!r}"
            )
        port_text = get("PORT") or "8000"
        try:
            port = int(port_text)
        except ValueError:
            port = -1
        if not 0 <= port <= 65535:
            raise ConfigError(f"PORT must be a number from 0 to 65535, not {port_text!r}")
        api_base_url = get("TIKTOK_API_BASE_URL")
        return cls(
            client_key=get("TIKTOK_CLIENT_KEY"),
            client_secret=get("TIKTOK_CLIENT_SECRET"),
            redirect_uri=redirect_uri,
            authorize_url=_http_url(
                "TIKTOK_AUTHORIZE_URL", get("TIKTOK_AUTHORIZE_URL") or AUTHORIZE_URL
            ),
            api_base_url=(
                _http_url("TIKTOK_API_BASE_URL", api_base_url).rstrip("/") if api_base_url else None
            ),
            host=get("HOST") or "127.0.0.1",
            port=port,
        )


@dataclass
class Response:
    """What the app answers: status, headers (repeatable) and body."""

    status: HTTPStatus
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------- pages

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
    "line-height:1.5;color:#161823}a.button{display:inline-block;padding:.6rem 1.2rem;"
    "border-radius:.4rem;background:#fe2c55;color:#fff;text-decoration:none;font-weight:600}"
    "dt{font-weight:600}dd{margin:0 0 .6rem 0;font-family:ui-monospace,monospace}"
    ".muted{color:#6b6b6b}"
)

#: Every HTML page: no caching (the callback URL holds a code), no referrer (same reason), no
#: scripts or outside resources at all.
_PAGE_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'none'; base-uri 'none'",
    ),
]


def _e(value: object) -> str:
    """HTML-escape a value (quotes included) for text and attribute positions alike."""
    return html.escape(str(value), quote=True)


def _page(
    status: HTTPStatus, title: str, body: str, headers: Sequence[tuple[str, str]] = ()
) -> Response:
    """A complete page; `body` is HTML whose every dynamic value went through `_e`."""
    document = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{_e(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )
    return Response(status, document.encode("utf-8"), [*_PAGE_HEADERS, *headers])


_TRY_AGAIN = '<p><a class="button" href="/login">Try again</a> <a href="/">Home</a></p>'


def _scrub(text: str, hidden: Sequence[str]) -> str:
    """`text` without any of the `hidden` values (nor their URL-encoded forms)."""
    for value in hidden:
        if value:
            for form in {value, quote(value, safe=""), quote(value, safe="").replace("%20", "+")}:
                text = text.replace(form, "[hidden]")
    return text


# --------------------------------------------------------------------------- the app


class LoginApp:
    """The routes, independent of the HTTP server: `handle` maps a request to a Response."""

    def __init__(self, config: Config, *, signing_key: bytes | None = None) -> None:
        self.config = config
        # Signs the state cookie. A fresh key per process: a restart only cancels the logins
        # in progress (their users click "Log in" again).
        self._signing_key = signing_key or secrets.token_bytes(32)

    def handle(self, method: str, target: str, cookie_header: str | None = None) -> Response:
        """Answer one request: `target` is the request target (path and query)."""
        parts = urlsplit(target)
        if method not in ("GET", "HEAD"):
            return _page(
                HTTPStatus.METHOD_NOT_ALLOWED,
                "Method not allowed",
                "<p>This app only answers GET requests.</p>",
                [("Allow", "GET, HEAD")],
            )
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        if parts.path == "/":
            return self.home()
        if parts.path == "/login":
            return self.login()
        if parts.path == self.config.callback_path:
            return self.callback(query, cookie_header)
        return _page(HTTPStatus.NOT_FOUND, "Not found", '<p>No such page. <a href="/">Home</a></p>')

    # ------------------------------------------------------------------ GET /

    def home(self) -> Response:
        return _page(
            HTTPStatus.OK,
            "TikTok login example",
            "<p>Log in with your TikTok account to see your profile here.</p>\n"
            '<p><a class="button" href="/login">Log in with TikTok</a></p>\n'
            '<p class="muted">Built on <code>generated.tiktok.oauth_login_and_profile()</code>, '
            "compiled by arazzo-codegen from an Arazzo workflow.</p>",
        )

    # ------------------------------------------------------------------ GET /login

    def login(self) -> Response:
        state = secrets.token_urlsafe(32)
        params = {
            "client_key": self.config.client_key,
            "scope": self.config.scope,
            "response_type": "code",
            "redirect_uri": self.config.redirect_uri,
            "state": state,
        }
        parts = urlsplit(self.config.authorize_url)
        query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
        location = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        return Response(
            HTTPStatus.FOUND,
            b"",
            [
                ("Location", location),
                ("Cache-Control", "no-store"),
                ("Set-Cookie", self._state_cookie(self._sign_state(state), STATE_LIFETIME_SECONDS)),
            ],
        )

    # ------------------------------------------------------------------ GET /callback

    def callback(self, query: Mapping[str, str], cookie_header: str | None) -> Response:
        # The state cookie is for this one callback, whatever its outcome.
        clear = [("Set-Cookie", self._state_cookie("", 0))]
        expected = self._verified_state(cookie_header)
        given = query.get("state", "")
        if expected is None or not hmac.compare_digest(expected.encode(), given.encode()):
            _LOG.warning("callback rejected: state missing, expired or not matching")
            return _page(
                HTTPStatus.BAD_REQUEST,
                "This login link is not valid",
                "<p>The login could not be verified: it was started in another browser or tab, "
                "took longer than ten minutes, or did not come from this site. "
                "Nothing was done with it.</p>\n" + _TRY_AGAIN,
                clear,
            )
        error = query.get("error")
        if error is not None:
            return self._denied(error, query.get("error_description"), clear)
        code = query.get("code", "")
        if not code:
            return _page(
                HTTPStatus.BAD_REQUEST,
                "Login failed",
                "<p>TikTok sent you back without an authorization code.</p>\n" + _TRY_AGAIN,
                clear,
            )
        inputs = OauthLoginAndProfileInputs(
            client_key=self.config.client_key,
            client_secret=self.config.client_secret,
            code=code,
            redirect_uri=self.config.redirect_uri,
        )
        try:
            outputs = asyncio.run(
                oauth_login_and_profile(
                    inputs, base_url=self.config.api_base_url, timeout=TIKTOK_TIMEOUT_SECONDS
                )
            )
        except WorkflowError as failure:
            return self._failed(failure, code, clear)
        _LOG.info("logged in TikTok user %s", outputs.open_id)
        return self._profile(outputs, clear)

    def _profile(
        self, outputs: OauthLoginAndProfileOutputs, headers: Sequence[tuple[str, str]]
    ) -> Response:
        # A real app would now start its own session for outputs.open_id and keep
        # outputs.access_token / outputs.refresh_token server-side; never show or log them.
        name = outputs.display_name
        shown = _e(name) if name else '<span class="muted">(no display name)</span>'
        return _page(
            HTTPStatus.OK,
            "You are logged in",
            f"<p>Welcome, <strong>{shown}</strong>!</p>\n<dl>\n"
            f"<dt>Display name</dt><dd>{shown}</dd>\n"
            f"<dt>Open ID</dt><dd>{_e(outputs.open_id)}</dd>\n</dl>\n"
            '<p><a href="/">Home</a></p>',
            headers,
        )

    def _denied(
        self, error: str, description: str | None, headers: Sequence[tuple[str, str]]
    ) -> Response:
        if error == "access_denied":
            _LOG.info("user declined the authorization")
            return _page(
                HTTPStatus.OK,
                "Login cancelled",
                "<p>You did not allow this app to use your TikTok account, so you are not "
                "logged in. No data was shared.</p>\n" + _TRY_AGAIN,
                headers,
            )
        _LOG.warning("TikTok redirected with error %r", error)
        detail = f" ({_e(description)})" if description else ""
        return _page(
            HTTPStatus.BAD_REQUEST,
            "Login failed",
            f"<p>TikTok did not authorize the login: <code>{_e(error)}</code>{detail}.</p>\n"
            + _TRY_AGAIN,
            headers,
        )

    def _failed(
        self, failure: WorkflowError, code: str, headers: Sequence[tuple[str, str]]
    ) -> Response:
        """The page for a workflow that stopped at a step: which step and why, no secrets."""
        hidden = (self.config.client_secret, code)
        step = _e(failure.step_id or "?")
        if isinstance(failure, StepFailedError):
            error_code = _scrub(failure.error_code or "unknown", hidden)
            description = _scrub(failure.error_description or "", hidden)
            _LOG.warning(
                "login failed at step %s: HTTP %s %s",
                failure.step_id,
                failure.status_code,
                error_code,
            )
            hint = (
                "The authorization code expired or was already used. Please log in again."
                if error_code == "invalid_grant"
                else "Please try again in a moment."
            )
            detail = f"<dt>Message</dt><dd>{_e(description)}</dd>\n" if description else ""
            return _page(
                HTTPStatus.BAD_GATEWAY,
                "TikTok refused the login",
                f"<p>{_e(hint)}</p>\n<dl>\n"
                f"<dt>Step</dt><dd>{step}</dd>\n"
                f"<dt>HTTP status</dt><dd>{_e(failure.status_code)}</dd>\n"
                f"<dt>TikTok error code</dt><dd>{_e(error_code)}</dd>\n{detail}</dl>\n"
                + _TRY_AGAIN,
                headers,
            )
        if isinstance(failure, StepRequestError):
            _LOG.warning("login failed at step %s: TikTok did not answer", failure.step_id)
            reason = "TikTok did not answer in time, or could not be reached."
        else:
            _LOG.warning("login failed at step %s: %s", failure.step_id, type(failure).__name__)
            reason = "TikTok answered in a way this app did not expect."
        return _page(
            HTTPStatus.BAD_GATEWAY,
            "Login failed",
            f"<p>{_e(reason)} Please try again in a moment.</p>\n"
            f"<dl>\n<dt>Step</dt><dd>{step}</dd>\n</dl>\n" + _TRY_AGAIN,
            headers,
        )

    # ------------------------------------------------------------------ the state cookie

    def _signature(self, payload: str) -> str:
        digest = hmac.new(self._signing_key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def _sign_state(self, state: str) -> str:
        payload = f"{state}.{int(time.time()) + STATE_LIFETIME_SECONDS}"
        return f"{payload}.{self._signature(payload)}"

    def _verified_state(self, cookie_header: str | None) -> str | None:
        """The state in the request's cookie when its signature holds and it has not expired."""
        if not cookie_header:
            return None
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(cookie_header)
        except CookieError:
            return None
        morsel = cookies.get(STATE_COOKIE)
        if morsel is None:
            return None
        state, _, rest = morsel.value.partition(".")
        expires, _, signature = rest.partition(".")
        if not (state and expires.isdigit() and signature):
            return None
        if not hmac.compare_digest(signature, self._signature(f"{state}.{expires}")):
            return None
        return state if int(expires) >= time.time() else None

    def _state_cookie(self, value: str, max_age: int) -> str:
        # SameSite=Lax: sent on the top-level redirect back from TikTok, not on requests
        # other sites make in the background.
        cookie = f"{STATE_COOKIE}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax"
        if urlsplit(self.config.redirect_uri).scheme == "https":
            cookie += "; Secure"
        return cookie


# --------------------------------------------------------------------------- the server


class LoginServer(ThreadingHTTPServer):
    """A threading HTTP server that answers every request with `app`."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: LoginApp) -> None:
        self.app = app
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        """The server's base URL, such as http://127.0.0.1:8000."""
        host, port = self.server_address[:2]
        shown = host if isinstance(host, str) else host.decode()
        return f"http://{f'[{shown}]' if ':' in shown else shown}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server_version = "TikTokLoginExample/1.0"
    sys_version = ""

    def _answer(self) -> None:
        server = self.server
        assert isinstance(server, LoginServer)
        try:
            response = server.app.handle(self.command, self.path, self.headers.get("Cookie"))
        except Exception:
            _LOG.exception("error answering %s %s", self.command, _QUERY.sub("", self.path))
            response = _page(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "<p>Sorry, this page failed. Please try again.</p>\n" + _TRY_AGAIN,
            )
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines carry the authorization code and state in their query: drop queries.
        _LOG.info("%s %s", self.address_string(), _QUERY.sub("", format % args))


def make_server(config: Config, *, host: str | None = None, port: int | None = None) -> LoginServer:
    """A server for `config`, bound (port 0: any free port) but not yet serving."""
    address = (config.host if host is None else host, config.port if port is None else port)
    return LoginServer(address, LoginApp(config))


def main(environ: Mapping[str, str] | None = None) -> int:
    """Serve until interrupted; 2 when the environment does not configure the app."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        config = Config.from_env(os.environ if environ is None else environ)
    except ConfigError as error:
        print(f"examples.tiktok_login: cannot start: {error}", file=sys.stderr)
        return 2
    try:
        server = make_server(config)
    except OSError as error:
        print(
            f"examples.tiktok_login: cannot listen on {config.host}:{config.port}: {error}",
            file=sys.stderr,
        )
        return 1
    with server:
        # Open the app on the redirect URI's host: the state cookie set by /login is only sent
        # back to the callback when both are on the same host (localhost is not 127.0.0.1).
        site = urlunsplit((*urlsplit(config.redirect_uri)[:2], "/", "", ""))
        print(
            f"Listening on {server.url}; open {site} in a browser. "
            f"TikTok API: {config.api_base_url or 'TikTok'}. Ctrl-C stops.",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0
