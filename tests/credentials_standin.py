"""Stand-in API servers on 127.0.0.1 that enforce OpenAPI security schemes, for the
credentials tests. Each server records every request it gets (path, headers, query, cookies)
and answers 401 unless the request carries exactly what the path's scheme asks for."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support import loopback_server

# Credential values: distinctive, so the secrets sweep can look for each.
API_KEY = "key-Hdr-7f3a9c"
QUERY_KEY = "key-Qry-51be20"
COOKIE_KEY = "key-Ck-c0ffee"
BASIC_USER = "alice-user"
BASIC_PASSWORD = "pw-Basic-9d8e7f"
BEARER = "tok-Bearer-a1b2c3"
OIDC_TOKEN = "tok-Oidc-d4e5f6"
CLIENT_ID = "client-id-Pub"
CLIENT_SECRET = "cs-Secret-77aa11"
BILLING_TOKEN = "tok-Billing-0a0b0c"

SECRETS = (
    API_KEY,
    QUERY_KEY,
    COOKIE_KEY,
    BASIC_PASSWORD,
    BEARER,
    OIDC_TOKEN,
    CLIENT_SECRET,
    BILLING_TOKEN,
    base64.b64encode(f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode(),
    base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode(),
)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, list[str]]
    cookies: dict[str, str]


@dataclass
class StandIn:
    """What the server records and how it answers."""

    base_url: str = ""
    requests: list[Seen] = field(default_factory=list)
    tokens_issued: list[str] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    expires_in: int | None = 3600
    token_status: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]

    def of(self, path: str) -> list[Seen]:
        return [seen for seen in self.requests if seen.path == path]


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


Check = Callable[[StandIn, Seen], bool]

CHECKS: dict[str, Check] = {
    "/apikey-header": lambda s, r: r.headers.get("x-key") == API_KEY,
    "/apikey-query": lambda s, r: r.query.get("key") == [QUERY_KEY],
    "/apikey-cookie": lambda s, r: r.cookies.get("sid") == COOKIE_KEY,
    "/basic": lambda s, r: r.headers.get("authorization") == _basic(BASIC_USER, BASIC_PASSWORD),
    "/bearer": lambda s, r: r.headers.get("authorization") == f"Bearer {BEARER}",
    "/oidc": lambda s, r: r.headers.get("authorization") == f"Bearer {OIDC_TOKEN}",
    "/oauth": lambda s, r: (
        r.headers.get("authorization", "").removeprefix("Bearer ") in s.valid_tokens
    ),
    "/billing": lambda s, r: r.headers.get("authorization") == f"Bearer {BILLING_TOKEN}",
    "/pets": lambda s, r: r.headers.get("x-key") == API_KEY,
    "/public": lambda s, r: True,
    "/either": lambda s, r: (
        r.headers.get("authorization") == _basic(BASIC_USER, BASIC_PASSWORD)
        or (r.query.get("key") == [QUERY_KEY] and r.cookies.get("sid") == COOKIE_KEY)
    ),
    "/explicit": lambda s, r: "x-key" in r.headers,
    "/fail": lambda s, r: False,
}


def _handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, payload: Any) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _seen(self) -> Seen:
            parts = urlsplit(self.path)
            cookie = SimpleCookie(self.headers.get("Cookie", ""))
            seen = Seen(
                self.command,
                parts.path,
                {k.lower(): v for k, v in self.headers.items()},
                parse_qs(parts.query),
                {k: m.value for k, m in cookie.items()},
            )
            with state.lock:
                state.requests.append(seen)
            return seen

        def do_GET(self) -> None:
            seen = self._seen()
            check = CHECKS.get(seen.path)
            if check is None:
                self._answer(404, {"error": "not_found"})
            elif seen.path == "/fail":
                self._answer(500, {"error": "boom", "echo": seen.headers})
            elif check(state, seen):
                self._answer(200, {"ok": True, "name": "Rex", "count": 3})
            else:
                self._answer(401, {"error": "unauthorized"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            seen = self._seen()
            if seen.path != "/token":
                self._answer(404, {"error": "not_found"})
                return
            good = seen.headers.get("authorization") == _basic(CLIENT_ID, CLIENT_SECRET)
            if not good or form.get("grant_type") != ["client_credentials"]:
                self._answer(401, {"error": "invalid_client"})
                return
            if state.token_status != 200:
                self._answer(state.token_status, {"error": "server_error"})
                return
            with state.lock:
                token = f"tok-Fetched-{len(state.tokens_issued)}-x9"
                state.tokens_issued.append(token)
                state.valid_tokens.add(token)
            payload: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
            if state.expires_in is not None:
                payload["expires_in"] = state.expires_in
            self._answer(200, payload)

    return Handler


@contextmanager
def standin() -> Iterator[StandIn]:
    state = StandIn()
    with loopback_server(_handler(state)) as url:
        state.base_url = url
        yield state
