"""Contract test: the generated TikTok client against Stoplight Prism, a validator not ours.

One `prism mock --errors` per OpenAPI description, each on its own 127.0.0.1 port. Prism
checks every request it receives against the description (path, method, parameters, the
Bearer security scheme, the form body against `TokenRequest`) and, with ``--errors``, answers
a request that breaks it with an error status, listing what is wrong in the `sl-violations`
response header and as `Violation:` lines in its log. It also validates the response it
builds against the description, so an example that contradicts its schema fails here too.

The workflow runs twice: with Prism's static examples (our `examples`, so outputs are known)
and with responses Prism generates from our schemas (``Prefer: dynamic=true``, seeded, so the
run is reproducible), which exercises the client on data we did not write. The negative
controls prove the very check the positive tests rely on does report a bad request.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import node_tools
import pytest
import yaml

from generated.tiktok import (
    OauthLoginAndProfileInputs,
    OauthLoginAndProfileOutputs,
    StepFailedError,
    oauth_login_and_profile,
)

ROOT = node_tools.ROOT
SPECS = {
    "loginKitApi": ROOT / "specs" / "openapi" / "tiktok-login-kit-openapi.yml",
    "displayApi": ROOT / "specs" / "openapi" / "tiktok-display-openapi.yml",
}
TOKEN_PATH = "/v2/oauth/token/"
USER_INFO_PATH = "/v2/user/info/"
READY_TIMEOUT = 60.0
LOG_TIMEOUT = 10.0
SEED = "arazzo-codegen"

INPUTS = OauthLoginAndProfileInputs(
    client_key="awexampleclientkey",
    client_secret="example-client-secret",
    code="example-authorization-code",
    redirect_uri="https://app.example/callback",
)

_LISTENING = re.compile(r"Prism is listening on (http://127\.0\.0\.1:\d+)")
_VIOLATION_LOG = re.compile(r"Violation: .*|Request did not pass the validation rules")


@dataclass
class Prism:
    """One Prism mock server, its process and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    base_url: str = ""

    @classmethod
    def start(cls, executable: Path, name: str, spec: Path, logs: Path) -> Prism:
        log_path = logs / f"prism-{name}.log"
        with log_path.open("wb") as log:
            process = node_tools.start(
                [
                    executable,
                    "mock",
                    spec,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",  # Prism logs the port it got
                    "--errors",
                    "--seed",
                    SEED,
                ],
                log,
            )
        return cls(name, process, log_path)

    def log(self, offset: int = 0) -> str:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return node_tools.strip_ansi(log.read().decode(errors="replace"))

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def wait_ready(self, deadline: float) -> None:
        while True:
            found = _LISTENING.search(self.log())
            if found:
                self.base_url = found.group(1)
                return
            if self.process.poll() is not None:
                pytest.fail(
                    f"Prism ({self.name}) exited with status {self.process.returncode}:\n"
                    + self.log()
                )
            if time.monotonic() > deadline:
                pytest.fail(f"Prism ({self.name}) not ready after {READY_TIMEOUT} s:\n{self.log()}")
            time.sleep(0.05)

    def log_since(self, offset: int) -> str:
        """Prism's log from `offset` on, once every earlier request has been logged.

        Prism logs a request's violations after answering it; a marker request sent now is
        logged after them, so waiting for the marker makes the log complete.
        """
        marker = f"/log-marker-{uuid.uuid4().hex}"
        httpx.get(self.base_url + marker, timeout=LOG_TIMEOUT)
        deadline = time.monotonic() + LOG_TIMEOUT
        while marker not in (text := self.log(offset)):
            if time.monotonic() > deadline:
                pytest.fail(f"Prism ({self.name}) did not log {marker}:\n{text}")
            time.sleep(0.02)
        return text[: text.index(marker)]


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Prism]]:
    executable = node_tools.tool("prism")
    logs = tmp_path_factory.mktemp("prism")
    servers: dict[str, Prism] = {}
    try:
        for name, spec in SPECS.items():
            servers[name] = Prism.start(executable, name, spec, logs)
        deadline = time.monotonic() + READY_TIMEOUT
        for server in servers.values():
            server.wait_ready(deadline)
        yield servers
    finally:
        for server in servers.values():
            node_tools.stop(server.process)


@dataclass(frozen=True)
class Exchange:
    """One request the client sent and what Prism said about it."""

    server: str
    method: str
    path: str
    status: int
    violations: list[dict[str, Any]]


@dataclass
class Observed:
    exchanges: list[Exchange]
    logs: dict[str, str]

    def problems(self) -> list[str]:
        """Every violation Prism reported, in its response headers or in its log."""
        found = [
            f"{e.method} {e.path} -> {e.status}: sl-violations {json.dumps(e.violations)}"
            for e in self.exchanges
            if e.violations
        ]
        for name, log in self.logs.items():
            found += [f"Prism ({name}) log: {m.group(0)}" for m in _VIOLATION_LOG.finditer(log)]
        return found


class _TamperingTransport(httpx.AsyncBaseTransport):
    """Drops a form field from every form request: a client bug made on purpose."""

    def __init__(self, drop: str) -> None:
        self._drop = drop
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("content-type") == "application/x-www-form-urlencoded":
            form = [(k, v) for k, v in parse_qsl((await request.aread()).decode())]
            body = urlencode([(k, v) for k, v in form if k != self._drop]).encode()
            headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"content-length"]
            request = httpx.Request(
                request.method,
                request.url,
                headers=[*headers, (b"content-length", b"%d" % len(body))],
                content=body,
            )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def run_workflow(
    prism: dict[str, Prism],
    *,
    prefer: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[OauthLoginAndProfileOutputs | StepFailedError, Observed]:
    """Run the generated workflow against Prism; return its result and what Prism reported."""
    servers = {server.base_url: name for name, server in prism.items()}
    exchanges: list[Exchange] = []

    async def record(response: httpx.Response) -> None:
        request = response.request
        exchanges.append(
            Exchange(
                server=servers[f"{request.url.scheme}://{request.url.netloc.decode()}"],
                method=request.method,
                path=request.url.path,
                status=response.status_code,
                violations=json.loads(response.headers.get("sl-violations", "[]")),
            )
        )

    async def main() -> OauthLoginAndProfileOutputs | StepFailedError:
        async with httpx.AsyncClient(
            headers={"Prefer": prefer} if prefer else None,
            event_hooks={"response": [record]},
            transport=transport,
            timeout=30,
        ) as client:
            try:
                return await oauth_login_and_profile(
                    INPUTS,
                    client=client,
                    base_urls={name: server.base_url for name, server in prism.items()},
                )
            except StepFailedError as error:
                return error

    offsets = {name: server.log_size() for name, server in prism.items()}
    result = asyncio.run(main())
    logs = {name: server.log_since(offsets[name]) for name, server in prism.items()}
    return result, Observed(exchanges, logs)


def first_example(spec: str, path: str, method: str) -> dict[str, Any]:
    """The first example of the operation's 200 JSON response (what static Prism returns)."""
    document = yaml.safe_load(SPECS[spec].read_text(encoding="utf-8"))
    content = document["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    example: dict[str, Any] = next(iter(content["examples"].values()))["value"]
    return example


def assert_clean_run(observed: Observed) -> None:
    assert [(e.server, e.method, e.path, e.status) for e in observed.exchanges] == [
        ("loginKitApi", "POST", TOKEN_PATH, 200),
        ("displayApi", "GET", USER_INFO_PATH, 200),
    ]
    assert observed.problems() == []
    # Positive evidence that Prism validated each request (not merely that it said nothing).
    for name, log in observed.logs.items():
        assert log.count("The request passed the validation rules") == 1, (name, log)


def test_workflow_requests_pass_prism_validation_with_our_examples(
    prism: dict[str, Prism],
) -> None:
    outputs, observed = run_workflow(prism)

    assert_clean_run(observed)
    assert isinstance(outputs, OauthLoginAndProfileOutputs), outputs
    token = first_example("loginKitApi", TOKEN_PATH, "post")
    user = first_example("displayApi", USER_INFO_PATH, "get")["data"]["user"]
    assert outputs.access_token == token["access_token"]
    assert outputs.refresh_token == token["refresh_token"]
    assert outputs.open_id == token["open_id"]
    assert outputs.display_name == user["display_name"]


def test_workflow_handles_responses_prism_generates_from_our_schemas(
    prism: dict[str, Prism],
) -> None:
    outputs, observed = run_workflow(prism, prefer="dynamic=true")

    assert_clean_run(observed)
    assert isinstance(outputs, OauthLoginAndProfileOutputs), outputs
    assert isinstance(outputs.access_token, str)
    assert isinstance(outputs.refresh_token, str)
    assert isinstance(outputs.open_id, str)
    # `User` requires no property, so a generated profile may lack display_name.
    assert outputs.display_name is None or isinstance(outputs.display_name, str)


def test_negative_control_client_bug_is_reported_by_prism(prism: dict[str, Prism]) -> None:
    """The same run and checks as above, with the client made to drop `client_secret`."""
    result, observed = run_workflow(prism, transport=_TamperingTransport(drop="client_secret"))

    assert isinstance(result, StepFailedError), result
    assert result.step_id == "exchangeCode"
    assert [(e.server, e.path) for e in observed.exchanges] == [("loginKitApi", TOKEN_PATH)]
    problems = observed.problems()
    expected = "Request body must have required property 'client_secret'"
    assert any(expected in problem and "sl-violations" in problem for problem in problems)
    assert any(expected in problem and "log: Violation" in problem for problem in problems)


@pytest.mark.parametrize(
    ("server", "method", "path", "kwargs", "message"),
    [
        pytest.param(
            "loginKitApi",
            "POST",
            TOKEN_PATH,
            {"data": {"client_key": "k", "grant_type": "authorization_code", "code": "c"}},
            "Request body must have required property 'client_secret'",
            id="token-without-client_secret",
        ),
        pytest.param(
            "displayApi",
            "GET",
            USER_INFO_PATH,
            {"params": {"fields": "open_id"}},
            "Invalid security scheme used",
            id="user-info-without-bearer-token",
        ),
        pytest.param(
            "displayApi",
            "GET",
            USER_INFO_PATH,
            {"headers": {"Authorization": "Bearer act.x"}},
            "Request query must have required property 'fields'",
            id="user-info-without-fields",
        ),
    ],
)
def test_negative_control_hand_made_bad_request(
    prism: dict[str, Prism],
    server: str,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    message: str,
) -> None:
    target = prism[server]
    offset = target.log_size()
    response = httpx.request(method, target.base_url + path, timeout=30, **kwargs)
    log = target.log_since(offset)

    assert response.status_code in {400, 401, 422}, response.text
    violations = json.loads(response.headers["sl-violations"])
    assert message in [violation["message"] for violation in violations]
    assert "Violation: request" in log and message in log


# ---- a document whose workflow relies on OpenAPI security (credentials) ----------------------

SECURE_OPENAPI = """
openapi: 3.0.3
info: {title: Secure, version: "1"}
servers: [{url: "https://secure.invalid"}]
paths:
  /status:
    get:
      operationId: status
      security: []
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [up], properties: {up: {type: boolean}}}
              example: {up: true}
  /items:
    get:
      operationId: items
      security: [{apiKey: []}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [count], properties: {count: {type: integer}}}
              example: {count: 2}
  /account:
    get:
      operationId: account
      security: [{basic: []}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [name], properties: {name: {type: string}}}
              example: {name: ann}
components:
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-Api-Key}
    basic: {type: http, scheme: basic}
"""

SECURE_ARAZZO = """
arazzo: 1.0.1
info: {title: Secure, version: "1"}
sourceDescriptions: [{name: secureApi, url: secure.openapi.yaml, type: openapi}]
workflows:
  - workflowId: secure
    steps:
      - {stepId: status, operationId: status}
      - stepId: items
        operationId: items
        outputs: {count: $response.body#/count}
      - stepId: account
        operationId: account
        outputs: {name: $response.body#/name}
    outputs: {count: $steps.items.outputs.count, name: $steps.account.outputs.name}
"""


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Prism]]:
    from support import import_package, write_documents

    from generator.diagnostics import Diagnostics
    from generator.pipeline import generate_package
    from generator.write import write

    executable = node_tools.tool("prism")
    folder = tmp_path_factory.mktemp("secure")
    write_documents(
        folder, {"secure.openapi.yaml": SECURE_OPENAPI, "workflow.arazzo.yaml": SECURE_ARAZZO}
    )
    generated = generate_package(folder / "workflow.arazzo.yaml", Diagnostics(), package="secure")
    assert generated is not None
    write(folder / "out", generated.package, generated.files)
    module = import_package(folder / "out", "secure")
    server = Prism.start(executable, "secureApi", folder / "secure.openapi.yaml", folder)
    try:
        server.wait_ready(time.monotonic() + READY_TIMEOUT)
        yield module, server
    finally:
        node_tools.stop(server.process)


class _DroppingTransport(httpx.AsyncBaseTransport):
    """Drops a header from every request: a client bug made on purpose."""

    def __init__(self, header: str) -> None:
        self._header = header
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers.pop(self._header, None)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def run_secure(
    secure: tuple[Any, Prism], transport: httpx.AsyncBaseTransport | None = None
) -> tuple[Any, list[tuple[str, int, list[dict[str, Any]]]], str]:
    module, server = secure
    credentials = module.Credentials(
        secure_api=module.SecureApiCredentials(
            api_key=module.ApiKey("k-123"), basic=module.HttpBasic("ann", "pw")
        )
    )
    seen: list[tuple[str, int, list[dict[str, Any]]]] = []

    async def record(response: httpx.Response) -> None:
        violations = json.loads(response.headers.get("sl-violations", "[]"))
        seen.append((response.request.url.path, response.status_code, violations))

    async def main() -> Any:
        async with httpx.AsyncClient(
            transport=transport, event_hooks={"response": [record]}, timeout=30
        ) as client:
            try:
                return await module.secure(
                    credentials=credentials, client=client, base_url=server.base_url
                )
            except module.StepFailedError as error:
                return error

    offset = server.log_size()
    result = asyncio.run(main())
    return result, seen, server.log_since(offset)


def test_credentials_pass_prism_security_validation(secure: tuple[Any, Prism]) -> None:
    outputs, seen, log = run_secure(secure)

    assert [(path, status) for path, status, _ in seen] == [
        ("/status", 200),
        ("/items", 200),
        ("/account", 200),
    ]
    assert all(not violations for _, _, violations in seen)
    assert log.count("The request passed the validation rules") == 3, log
    assert _VIOLATION_LOG.search(log) is None, log
    assert (outputs.count, outputs.name) == (2, "ann")


def test_negative_control_prism_rejects_a_request_without_its_credentials(
    secure: tuple[Any, Prism],
) -> None:
    result, seen, log = run_secure(secure, transport=_DroppingTransport("X-Api-Key"))

    module, _ = secure
    assert isinstance(result, module.StepFailedError) and result.step_id == "items"
    assert [(path, status) for path, status, _ in seen] == [("/status", 200), ("/items", 401)]
    # Prism answers a security failure with 401 and problem details, and logs it.
    assert "Request did not pass the validation rules" in log
    assert "Invalid security scheme used" in log
    assert "Invalid security scheme used" in json.dumps(result.body)
