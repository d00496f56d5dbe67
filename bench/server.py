"""A fast TikTok stand-in for benchmarks: raw asyncio HTTP/1.1, one process, standard library only.

It answers the two endpoints of the seed workflow the way ``tests/tiktok_standin.py`` does
(same checks, same JSON shapes), with far less work per request: no ``http.server`` header
parsing, no thread per connection. Run it in its own process so that it does not share a core
or an event loop with the client being measured::

    python -m bench.server    # prints "READY http://127.0.0.1:PORT"; serves until stdin closes

Semantics kept from the stdlib stand-in: form-urlencoded body required; client key, secret and
redirect URI checked; an authorization code works once (any code not seen before is valid);
the access token minted by the token call is checked on ``/v2/user/info/``; ``fields`` is
validated. ``GET /_bench/stats`` answers request counts (for sanity checks).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import sys
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

CLIENT_KEY = "test-client-key"
CLIENT_SECRET = "test-client-secret"
REDIRECT_URI = "https://app.example/callback"
SCOPE = "user.info.basic,user.info.profile,user.info.stats"
TOKEN_PATH = "/v2/oauth/token/"
USER_INFO_PATH = "/v2/user/info/"

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

USER: dict[str, Any] = {
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

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}


class State:
    """What the server remembers across connections: used codes, live access tokens, counts."""

    def __init__(self) -> None:
        self.used_codes: set[str] = set()
        self.access_tokens: set[str] = set()
        self.requests = 0
        self.errors = 0
        self.connections = 0


def token_response(state: State, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return oauth_error(400, "invalid_request", "Content-Type must be form-urlencoded.")
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if form.get("client_key") != CLIENT_KEY:
        return oauth_error(401, "invalid_client", "Client key is invalid.")
    if form.get("client_secret") != CLIENT_SECRET:
        return oauth_error(401, "invalid_client", "Client secret is invalid.")
    if form.get("grant_type") != "authorization_code":
        return oauth_error(400, "unsupported_grant_type", "grant_type is not supported.")
    if form.get("redirect_uri") != REDIRECT_URI:
        return oauth_error(400, "invalid_request", "redirect_uri does not match.")
    code = form.get("code", "")
    if not code or code in state.used_codes:
        return oauth_error(400, "invalid_grant", "Authorization code is invalid or already used.")
    state.used_codes.add(code)
    access_token = "act." + secrets.token_urlsafe(32)
    state.access_tokens.add(access_token)
    return 200, {
        "open_id": USER["open_id"],
        "scope": SCOPE,
        "access_token": access_token,
        "expires_in": 86400,
        "refresh_token": "rft." + secrets.token_urlsafe(32),
        "refresh_expires_in": 31536000,
        "token_type": "Bearer",
    }


def user_info_response(
    state: State, query: str, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or token not in state.access_tokens:
        return api_error(401, "access_token_invalid", "The access token is invalid.")
    params = dict(parse_qsl(query, keep_blank_values=True))
    raw_fields = params.get("fields")
    if not raw_fields:
        return api_error(400, "invalid_params", "fields is required.")
    fields = raw_fields.split(",")
    unknown = [name for name in fields if name not in USER_FIELD_SCOPES]
    if unknown:
        return api_error(400, "invalid_params", f"Invalid fields: {','.join(unknown)}")
    user = {name: USER[name] for name in fields}
    ok = {"code": "ok", "message": "", "log_id": log_id()}
    return 200, {"data": {"user": user}, "error": ok}


def oauth_error(status: int, error: str, description: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": error, "error_description": description, "log_id": log_id()}


def api_error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"data": {}, "error": {"code": code, "message": message, "log_id": log_id()}}


def log_id() -> str:
    return secrets.token_hex(10).upper()


class HTTPProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and Content-Length bodies (what httpx and requests send)."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.state.connections += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            lines = head.split("\r\n")
            try:
                method, target, _version = lines[0].split(" ", 2)
            except ValueError:
                self.respond(400, {"error": "bad_request"}, close=True)
                return
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            self.state.requests += 1
            close = headers.get("connection", "").lower() == "close"
            self.handle(method, target, headers, body, close)

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes, close: bool
    ) -> None:
        path, _, query = target.partition("?")
        path = unquote_plus(path)
        if method == "POST" and path == TOKEN_PATH:
            status, payload = token_response(self.state, body, headers.get("content-type", ""))
        elif method == "GET" and path == USER_INFO_PATH:
            status, payload = user_info_response(self.state, query, headers)
        elif method == "GET" and path == "/_bench/stats":
            status, payload = (
                200,
                {
                    "requests": self.state.requests,
                    "errors": self.state.errors,
                    "connections": self.state.connections,
                },
            )
        else:
            status, payload = api_error(404, "not_found", f"No route for {method} {path}")
        if status != 200:
            self.state.errors += 1
        self.respond(status, payload, close=close)

    def respond(self, status: int, payload: dict[str, Any], *, close: bool) -> None:
        if self.transport is None:
            return
        body = json.dumps(payload).encode()
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
        )
        self.transport.write(head.encode("latin-1") + body)
        if close:
            self.transport.close()
            self.transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    state = State()
    server = await loop.create_server(lambda: HTTPProtocol(state), host, port, backlog=1024)
    bound = server.sockets[0].getsockname()
    print(f"READY http://{host}:{bound[1]}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # Stop when the parent closes our stdin (or dies): never outlive the benchmark.
    stdin = sys.stdin.fileno()
    loop.add_reader(stdin, lambda: None if os.read(stdin, 4096) else stop.set())
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
