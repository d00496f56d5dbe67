"""A local TikTok for developing the login example: `python -m examples.tiktok_login.standin`.

Starts, on 127.0.0.1:

* the TikTok API stand-in the tests use (`tests/tiktok_standin.py`: the token and user-info
  endpoints), and
* a stand-in for TikTok's authorization page (`AuthorizePage`): it checks `client_key` and
  `redirect_uri` like TikTok does, registers a fresh authorization code on the API stand-in, and
  offers "Authorize" (back to the redirect URI with `code` and `state`) and "Cancel" (with
  `error=access_denied`).

Then it prints the command that runs the app against them. Nothing is sent to TikTok. Run it
from the repository root (it imports `tests.tiktok_standin`).
"""

from __future__ import annotations

import contextlib
import html
import os
import secrets
import shlex
import sys
import threading
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from tests.tiktok_standin import TikTokStandIn

__all__ = ["AUTHORIZE_PATH", "DEFAULT_REDIRECT_URI", "AuthorizePage", "main"]

AUTHORIZE_PATH = "/v2/auth/authorize/"
DEFAULT_REDIRECT_URI = "http://localhost:8000/callback"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


class AuthorizePage:
    """A stand-in for TikTok's authorization page, issuing codes valid on `standin`."""

    def __init__(self, standin: TikTokStandIn, *, port: int = 0) -> None:
        self.standin = standin
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> AuthorizePage:
        server = ThreadingHTTPServer(("127.0.0.1", self._port), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}{AUTHORIZE_PATH}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="tiktok-authorize-page",
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

    def __enter__(self) -> AuthorizePage:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def render(self, path: str, query: Mapping[str, str]) -> tuple[HTTPStatus, str]:
        """The status and HTML for a request to the authorization page."""
        if path != AUTHORIZE_PATH:
            return HTTPStatus.NOT_FOUND, "<h1>Not found</h1>"
        problem = None
        if query.get("client_key") != self.standin.client_key:
            problem = "client_key is unknown."
        elif query.get("redirect_uri") != self.standin.redirect_uri:
            problem = "redirect_uri is not registered for this app."
        elif query.get("response_type") != "code":
            problem = "response_type must be code."
        elif not query.get("scope"):
            problem = "scope is missing."
        if problem is not None:
            return HTTPStatus.BAD_REQUEST, f"<h1>Something went wrong</h1><p>{_e(problem)}</p>"
        scope = query["scope"]
        code = "standin-code-" + secrets.token_urlsafe(16)
        self.standin.add_code(code, scope=scope)
        back = self.standin.redirect_uri + "?"
        state = {"state": query["state"]} if "state" in query else {}
        allow = back + urlencode({"code": code, "scopes": scope, **state})
        deny = back + urlencode(
            {
                "error": "access_denied",
                "error_description": "The user denied the authorization request.",
                **state,
            }
        )
        return HTTPStatus.OK, (
            "<h1>TikTok (stand-in)</h1>"
            f"<p>An app asks to use your TikTok account with the scopes <code>{_e(scope)}</code>."
            "</p>"
            f'<p><a id="authorize" href="{_e(allow)}">Authorize</a> '
            f'<a id="cancel" href="{_e(deny)}">Cancel</a></p>'
        )


def _make_handler(page: AuthorizePage) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            status, body = page.render(parts.path, query)
            document = (
                '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>TikTok stand-in</title></head><body>{body}</body></html>\n"
            ).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def main(environ: Mapping[str, str] | None = None) -> int:
    """Run both stand-ins until interrupted, after printing how to start the app."""
    env = os.environ if environ is None else environ
    redirect_uri = env.get("TIKTOK_REDIRECT_URI", "").strip() or DEFAULT_REDIRECT_URI
    with TikTokStandIn(redirect_uri=redirect_uri) as standin, AuthorizePage(standin) as page:
        settings = {
            "TIKTOK_CLIENT_KEY": standin.client_key,
            "TIKTOK_CLIENT_SECRET": standin.client_secret,  # the stand-in's, not a real one
            "TIKTOK_REDIRECT_URI": redirect_uri,
            "TIKTOK_API_BASE_URL": standin.base_url,
            "TIKTOK_AUTHORIZE_URL": page.url,
        }
        port = urlsplit(redirect_uri).port
        if port is not None:
            settings["PORT"] = str(port)
        command = " ".join(f"{name}={shlex.quote(value)}" for name, value in settings.items())
        site = urlunsplit((*urlsplit(redirect_uri)[:2], "/", "", ""))
        print(
            f"TikTok stand-in API on {standin.base_url}, authorization page on {page.url}\n"
            f"In another terminal, from the repository root, run:\n\n"
            f"    {command} .venv/bin/python -m examples.tiktok_login\n\n"
            f"then open {site} and log in. Ctrl-C stops the stand-in.",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
