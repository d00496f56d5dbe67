"""A local stand-in for the two TikTok endpoints used by the seed workflow.

It is a real HTTP server (stdlib ``ThreadingHTTPServer`` on 127.0.0.1, ephemeral port,
background thread) that follows TikTok's public documentation for:

* ``POST /v2/oauth/token/`` (Login Kit; ``authorization_code`` and ``refresh_token`` grants),
* ``GET /v2/user/info/`` (Display API).

Every other method/path answers 404 with a JSON body. Nothing is ever sent to TikTok.

Behaviour choices where the documentation is silent:

* OAuth errors use 400 (request/grant problems) and 401 (client authentication); set
  ``oauth_errors_as_200 = True`` to reproduce the reported quirk of TikTok answering 200
  with an OAuth error body.
* Missing ``client_key`` / ``client_secret`` is a 401 ``invalid_client``.
* ``redirect_uri`` is always required for the ``authorization_code`` grant (a web app);
  ``code_verifier`` is accepted but not checked.
* A refresh rotates the refresh token (the old one stops working); access tokens issued
  earlier stay valid until expired explicitly with :meth:`TikTokStandIn.expire_access_token`.
* ``fields`` is parsed strictly: comma-separated, no whitespace, no empty entries.

Usage::

    with TikTokStandIn() as server:
        server.add_code("abc")
        httpx.post(f"{server.base_url}/v2/oauth/token/", data={...})
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "DEFAULT_SCOPE",
    "USER_FIELDS",
    "USER_FIELD_SCOPES",
    "RecordedRequest",
    "TikTokStandIn",
    "default_user",
]

TOKEN_PATH = "/v2/oauth/token/"
USER_INFO_PATH = "/v2/user/info/"

DEFAULT_SCOPE = "user.info.basic,user.info.profile,user.info.stats"

#: Each documented user field and the scope it needs, in documentation order.
USER_FIELD_SCOPES: dict[str, str] = {
    "open_id": "user.info.basic",
    "union_id": "user.info.basic",
    "avatar_url": "user.info.basic",
    "avatar_url_100": "user.info.basic",
    "avatar_large_url": "user.info.basic",
    "display_name": "user.info.basic",
    "bio_description": "user.info.profile",
    "profile_deep_link": "user.info.profile",
    "is_verified": "user.info.profile",
    "username": "user.info.profile",
    "follower_count": "user.info.stats",
    "following_count": "user.info.stats",
    "likes_count": "user.info.stats",
    "video_count": "user.info.stats",
}
USER_FIELDS: tuple[str, ...] = tuple(USER_FIELD_SCOPES)

# URLs use the reserved ``.example`` TLD so nothing can ever be fetched from them.
_DEFAULT_USER: dict[str, Any] = {
    "open_id": "-000standinOpenIdAbCdEf0123456789",
    "union_id": "c9c60f44-a68e-4f5d-84dd-ce22faeb0ba1",
    "avatar_url": "https://p16-sign.tiktokcdn.example/avatar~c5_168x168.jpeg",
    "avatar_url_100": "https://p16-sign.tiktokcdn.example/avatar~c5_100x100.jpeg",
    "avatar_large_url": "https://p16-sign.tiktokcdn.example/avatar~c5_1080x1080.jpeg",
    "display_name": "Stand-in Creator",
    "bio_description": "Baking bread and filming it.",
    "profile_deep_link": "https://vm.tiktok.example/ZMstandin/",
    "is_verified": False,
    "username": "standin_creator",
    "follower_count": 1532,
    "following_count": 87,
    "likes_count": 20419,
    "video_count": 48,
}


def default_user() -> dict[str, Any]:
    """A fresh copy of the default user (all 14 documented fields)."""
    return dict(_DEFAULT_USER)


@dataclass(frozen=True)
class RecordedRequest:
    """One request received by the stand-in."""

    method: str
    path: str
    #: Parsed query string; for a repeated name the last value wins.
    query: dict[str, str]
    #: Request headers with lower-cased names (repeated headers joined with ", ").
    headers: dict[str, str]
    body: bytes
    #: Parsed form body when the content type is form-urlencoded, else empty.
    form: dict[str, str]


@dataclass
class _Grant:
    user: dict[str, Any]
    scope: str
    expired: bool = False


@dataclass
class _Forced:
    status: int
    body: Mapping[str, Any] | bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Response:
    status: int
    body: bytes
    headers: dict[str, str]


def _json_response(status: int, payload: Mapping[str, Any] | bytes) -> _Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return _Response(status, body, {"Content-Type": "application/json; charset=utf-8"})


def _new_log_id() -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10).upper()


class TikTokStandIn:
    """A TikTok stand-in HTTP server; use as a context manager."""

    def __init__(
        self,
        *,
        client_key: str = "test-client-key",
        client_secret: str = "test-client-secret",
        redirect_uri: str = "https://app.example/callback",
        scope: str = DEFAULT_SCOPE,
    ) -> None:
        self.client_key = client_key
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        #: Scope granted to codes added without an explicit scope.
        self.scope = scope
        self.access_token_expires_in = 86400
        self.refresh_token_expires_in = 31536000
        #: Seconds to sleep before answering each request.
        self.delay_seconds: float = 0.0
        #: Answer OAuth errors with HTTP 200 (TikTok has been seen doing so).
        self.oauth_errors_as_200 = False

        self._lock = threading.Lock()
        self._codes: dict[str, _Grant] = {}
        self._access_tokens: dict[str, _Grant] = {}
        self._refresh_tokens: dict[str, _Grant] = {}
        self._requests: list[RecordedRequest] = []
        self._forced: deque[_Forced] = deque()
        self._errors: list[BaseException] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> TikTokStandIn:
        if self._server is not None:
            raise RuntimeError("stand-in already started")
        server = _Server(("127.0.0.1", 0), _make_handler(self))
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="tiktok-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> TikTokStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ configuration

    def add_code(
        self, code: str, user: dict[str, Any] | None = None, *, scope: str | None = None
    ) -> None:
        """Register a valid single-use authorization code issued to ``user``.

        ``user`` defaults to :func:`default_user`; ``scope`` to :attr:`scope`.
        """
        grant = _Grant(
            user=dict(user) if user is not None else default_user(),
            scope=self.scope if scope is None else scope,
        )
        with self._lock:
            self._codes[code] = grant

    def expire_code(self, code: str) -> None:
        """Make ``code`` answer ``invalid_grant`` from now on."""
        with self._lock:
            grant = self._codes.get(code)
            if grant is not None:
                grant.expired = True

    def expire_access_token(self, token: str) -> None:
        """Make ``token`` answer ``access_token_invalid`` from now on."""
        with self._lock:
            self._access_tokens.pop(token, None)

    def expire_refresh_token(self, token: str) -> None:
        """Make ``token`` answer ``invalid_grant`` from now on."""
        with self._lock:
            self._refresh_tokens.pop(token, None)

    def fail_next(
        self,
        status: int,
        body: Mapping[str, Any] | bytes,
        headers: dict[str, str] | None = None,
        count: int = 1,
    ) -> None:
        """Force the next ``count`` responses of the two endpoints.

        ``body`` is sent as JSON (or verbatim when bytes); ``headers`` are added to or
        override the default ``Content-Type: application/json`` header. Forced requests
        are still recorded but otherwise not processed (codes are not consumed).
        """
        with self._lock:
            for _ in range(count):
                self._forced.append(_Forced(status, body, dict(headers or {})))

    # ------------------------------------------------------------------ inspection

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    @property
    def handler_errors(self) -> list[BaseException]:
        """Unexpected exceptions raised while handling requests (answered with 500)."""
        with self._lock:
            return list(self._errors)

    def _record_error(self, error: BaseException) -> None:
        with self._lock:
            self._errors.append(error)

    def user_for_access_token(self, token: str) -> dict[str, Any] | None:
        """The user a still-valid access token was issued to, if any."""
        with self._lock:
            grant = self._access_tokens.get(token)
            return None if grant is None else dict(grant.user)

    # ------------------------------------------------------------------ dispatch

    def _handle(self, request: RecordedRequest) -> _Response:
        with self._lock:
            self._requests.append(request)
        if self.delay_seconds > 0:
            time.sleep(self.delay_seconds)

        endpoint = (request.method, request.path)
        if endpoint not in {("POST", TOKEN_PATH), ("GET", USER_INFO_PATH)}:
            return _json_response(
                404,
                {
                    "error": {
                        "code": "not_found",
                        "message": f"No route for {request.method} {request.path}",
                        "log_id": _new_log_id(),
                    }
                },
            )
        with self._lock:
            forced = self._forced.popleft() if self._forced else None
        if forced is not None:
            response = _json_response(forced.status, forced.body)
            overridden = {name.lower() for name in forced.headers}
            response.headers = {
                name: value
                for name, value in response.headers.items()
                if name.lower() not in overridden
            }
            response.headers.update(forced.headers)
            return response
        if endpoint == ("POST", TOKEN_PATH):
            return self._token(request)
        return self._user_info(request)

    # ------------------------------------------------------------------ /v2/oauth/token/

    def _oauth_error(self, status: int, error: str, description: str) -> _Response:
        return _json_response(
            200 if self.oauth_errors_as_200 else status,
            {"error": error, "error_description": description, "log_id": _new_log_id()},
        )

    def _token(self, request: RecordedRequest) -> _Response:
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            return self._oauth_error(
                400,
                "invalid_request",
                "Content-Type must be application/x-www-form-urlencoded.",
            )
        form = request.form
        client_key = form.get("client_key", "")
        if not client_key:
            return self._oauth_error(401, "invalid_client", "Client key is missed in request.")
        if client_key != self.client_key:
            return self._oauth_error(401, "invalid_client", "Client key is invalid.")
        client_secret = form.get("client_secret", "")
        if not client_secret:
            return self._oauth_error(401, "invalid_client", "Client secret is missed in request.")
        if client_secret != self.client_secret:
            return self._oauth_error(401, "invalid_client", "Client secret is invalid.")
        grant_type = form.get("grant_type", "")
        if not grant_type:
            return self._oauth_error(400, "invalid_request", "grant_type is missed in request.")
        if grant_type == "authorization_code":
            return self._authorization_code_grant(form)
        if grant_type == "refresh_token":
            return self._refresh_token_grant(form)
        return self._oauth_error(
            400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported."
        )

    def _authorization_code_grant(self, form: dict[str, str]) -> _Response:
        missing = [name for name in ("code", "redirect_uri") if not form.get(name)]
        if missing:
            return self._oauth_error(
                400, "invalid_request", f"{', '.join(missing)} is missed in request."
            )
        if form["redirect_uri"] != self.redirect_uri:
            return self._oauth_error(
                400,
                "invalid_request",
                "redirect_uri does not match the one used to obtain the code.",
            )
        with self._lock:
            grant = self._codes.pop(form["code"], None)
            payload = None if grant is None or grant.expired else self._issue_tokens(grant)
        if payload is None:
            return self._oauth_error(
                400, "invalid_grant", "Authorization code is invalid, expired or already used."
            )
        return _json_response(200, payload)

    def _refresh_token_grant(self, form: dict[str, str]) -> _Response:
        refresh_token = form.get("refresh_token", "")
        if not refresh_token:
            return self._oauth_error(400, "invalid_request", "refresh_token is missed in request.")
        with self._lock:
            grant = self._refresh_tokens.pop(refresh_token, None)
            payload = None if grant is None else self._issue_tokens(grant)
        if payload is None:
            return self._oauth_error(
                400, "invalid_grant", "Refresh token is invalid, expired or already used."
            )
        return _json_response(200, payload)

    def _issue_tokens(self, grant: _Grant) -> dict[str, Any]:
        """Mint a new token pair for ``grant``; the caller holds the lock."""
        access_token = "act." + secrets.token_urlsafe(32)
        refresh_token = "rft." + secrets.token_urlsafe(32)
        self._access_tokens[access_token] = grant
        self._refresh_tokens[refresh_token] = grant
        return {
            "open_id": str(grant.user.get("open_id", "")),
            "scope": grant.scope,
            "access_token": access_token,
            "expires_in": self.access_token_expires_in,
            "refresh_token": refresh_token,
            "refresh_expires_in": self.refresh_token_expires_in,
            "token_type": "Bearer",
        }

    # ------------------------------------------------------------------ /v2/user/info/

    @staticmethod
    def _api_error(status: int, code: str, message: str) -> _Response:
        return _json_response(
            status,
            {"data": {}, "error": {"code": code, "message": message, "log_id": _new_log_id()}},
        )

    def _user_info(self, request: RecordedRequest) -> _Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            grant = self._access_tokens.get(token) if scheme.lower() == "bearer" else None
        if grant is None:
            return self._api_error(
                401,
                "access_token_invalid",
                "The access token is invalid or not found in the request.",
            )
        raw_fields = request.query.get("fields")
        if not raw_fields:
            return self._api_error(400, "invalid_params", "fields is required.")
        fields = raw_fields.split(",")
        unknown = [name for name in fields if name not in USER_FIELD_SCOPES]
        if unknown:
            return self._api_error(400, "invalid_params", f"Invalid fields: {','.join(unknown)}")
        granted = set(grant.scope.split(","))
        lacking = [name for name in fields if USER_FIELD_SCOPES[name] not in granted]
        if lacking:
            needed = sorted({USER_FIELD_SCOPES[name] for name in lacking})
            return self._api_error(
                400,
                "scope_permission_missed",
                f"Fields {','.join(lacking)} need scopes {','.join(needed)}.",
            )
        wanted = set(fields)
        user = {name: value for name, value in grant.user.items() if name in wanted}
        ok = {"code": "ok", "message": "", "log_id": _new_log_id()}
        return _json_response(200, {"data": {"user": user}, "error": ok})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The stdlib default backlog of 5 makes bursts of concurrent connections stall for
    # a SYN retransmit (about 1 s); tests may well open more at once.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Transport errors such as a client hanging up mid-response: stay silent.
        # (Errors in the stand-in's own logic are caught in the handler, see _serve.)
        pass


def _make_handler(standin: TikTokStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "TikTokStandIn/1.0"
        sys_version = ""
        timeout = 10
        # Headers and body are written separately; without TCP_NODELAY the second write
        # can wait for a delayed ACK (about 40 ms per request on Linux).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _read_body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                chunks: list[bytes] = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length > 0 else b""

        def _serve(self) -> None:
            split = urlsplit(self.path)
            body = self._read_body()
            headers: dict[str, str] = {}
            for name, value in self.headers.items():
                key = name.lower()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            form = (
                dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
                if content_type == "application/x-www-form-urlencoded"
                else {}
            )
            request = RecordedRequest(
                method=self.command,
                path=split.path,
                query=dict(parse_qsl(split.query, keep_blank_values=True)),
                headers=headers,
                body=body,
                form=form,
            )
            try:
                response = standin._handle(request)
            except Exception as error:  # a bug in the stand-in: report it, don't print it
                standin._record_error(error)
                response = _json_response(
                    500,
                    {"error": {"code": "internal_error", "message": repr(error), "log_id": ""}},
                )
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    return Handler
