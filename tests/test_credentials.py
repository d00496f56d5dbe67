"""Credentials from OpenAPI security: generated clients against stand-in servers on 127.0.0.1
that enforce each scheme kind (tests/credentials_standin.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import httpx
import pytest
from budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.diagnostics import Diagnostics
from generator.pipeline import generate_package
from generator.write import write
from tests import credentials_standin as S
from tests.support import import_package, loopback_server, write_documents

KINDS_OPENAPI = """
openapi: 3.1.0
info: {title: Kinds, version: "1"}
servers: [{url: "https://kinds.invalid"}]
paths:
  /apikey-header:
    get:
      operationId: apiKeyHeader
      security: [{headerKey: []}]
      responses: {"200": {description: ok}}
  /apikey-query:
    get:
      operationId: apiKeyQuery
      security: [{queryKey: []}]
      responses: {"200": {description: ok}}
  /apikey-cookie:
    get:
      operationId: apiKeyCookie
      security: [{cookieKey: []}]
      responses: {"200": {description: ok}}
  /basic:
    get:
      operationId: basic
      security: [{basicAuth: []}]
      responses: {"200": {description: ok}}
  /bearer:
    get:
      operationId: bearer
      security: [{bearerAuth: []}]
      responses: {"200": {description: ok}}
  /oidc:
    get:
      operationId: oidc
      security: [{oidc: []}]
      responses: {"200": {description: ok}}
  /oauth:
    get:
      operationId: oauth
      security: [{oauth: [things.read]}]
      responses: {"200": {description: ok}}
  /either:
    get:
      operationId: either
      security: [{basicAuth: []}, {queryKey: [], cookieKey: []}]
      responses: {"200": {description: ok}}
  /explicit:
    get:
      operationId: explicit
      security: [{headerKey: []}]
      parameters: [{name: X-Key, in: header, schema: {type: string}}]
      responses: {"200": {description: ok}}
  /fail:
    get:
      operationId: fail
      security: [{headerKey: []}]
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    headerKey: {type: apiKey, in: header, name: X-Key}
    queryKey: {type: apiKey, in: query, name: key}
    cookieKey: {type: apiKey, in: cookie, name: sid}
    basicAuth: {type: http, scheme: basic}
    bearerAuth: {type: http, scheme: bearer}
    oidc:
      type: openIdConnect
      openIdConnectUrl: "https://auth.invalid/.well-known/openid-configuration"
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.invalid/token
          scopes: {things.read: read things}
"""

PETS_OPENAPI = """
openapi: 3.0.3
info: {title: Pets, version: "1"}
servers: [{url: "https://pets.invalid"}]
security: [{petsKey: []}]
paths:
  /public:
    get: {operationId: health, security: [], responses: {"200": {description: ok}}}
  /pets:
    get:
      operationId: listPets
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [name], properties: {name: {type: string}}}
components:
  securitySchemes:
    petsKey: {type: apiKey, in: header, name: X-Key}
"""

BILLING_OPENAPI = """
openapi: 3.0.3
info: {title: Billing, version: "1"}
servers: [{url: "https://billing.invalid"}]
paths:
  /billing:
    get:
      operationId: invoices
      security: [{billingBearer: []}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {count: {type: integer}}}
components:
  securitySchemes:
    billingBearer: {type: http, scheme: bearer}
"""


def _step(step_id: str, operation: str, extra: str = "") -> str:
    return f"""
      - stepId: {step_id}
        operationId: {operation}
        successCriteria: [{{condition: $statusCode == 200}}]{extra}"""


ALL_KINDS_STEPS = "".join(
    _step(step_id, operation)
    for step_id, operation in (
        ("header", "apiKeyHeader"),
        ("query", "apiKeyQuery"),
        ("cookie", "apiKeyCookie"),
        ("basic", "basic"),
        ("bearer", "bearer"),
        ("oidc", "oidc"),
    )
)

KINDS_ARAZZO = f"""
arazzo: 1.0.1
info: {{title: Kinds, version: "1"}}
sourceDescriptions:
  - {{name: kindsApi, url: kinds.openapi.yaml, type: openapi}}
workflows:
  - workflowId: allKinds
    steps:{_step("header", "apiKeyHeader")}{_step("query", "apiKeyQuery")}{
    _step("cookie", "apiKeyCookie")
}{_step("basic", "basic")}{_step("bearer", "bearer")}{_step("oidc", "oidc")}
  - workflowId: oauthOnly
    steps:{_step("oauth", "oauth")}
  - workflowId: either
    steps:{_step("either", "either")}
  - workflowId: explicitKey
    inputs: {{type: object, properties: {{key: {{type: string}}}}}}
    steps:{
    _step(
        "explicit",
        "explicit",
        '''
        parameters: [{name: X-Key, in: header, value: $inputs.key}]''',
    )
}
  - workflowId: failing
    steps:{_step("fail", "fail")}
  - workflowId: nested
    steps:
      - stepId: first
        operationId: apiKeyHeader
      - stepId: inner
        workflowId: oauthOnly
"""

SHOP_STEPS = "".join(
    _step(step_id, f"$sourceDescriptions.{operation}")
    for step_id, operation in (
        ("health", "petsApi.health"),
        ("pets", "petsApi.listPets"),
        ("bills", "billingApi.invoices"),
    )
)

SHOP_ARAZZO = f"""
arazzo: 1.0.1
info: {{title: Shop, version: "1"}}
sourceDescriptions:
  - {{name: petsApi, url: pets.openapi.yaml, type: openapi}}
  - {{name: billingApi, url: billing.openapi.yaml, type: openapi}}
workflows:
  - workflowId: shop
    steps:{SHOP_STEPS}
"""


def compile_with_twins(folder: Path, package: str, documents: dict[str, str]) -> ModuleType:
    """Compile with --sync and import the package."""
    write_documents(folder / "specs", documents)
    diagnostics = Diagnostics()
    generated = generate_package(
        folder / "specs" / "workflow.arazzo.yaml", diagnostics, package=package, sync=True
    )
    assert generated is not None, [str(d) for d in diagnostics.sorted()]
    write(folder / "out", generated.package, generated.files)
    return import_package(folder / "out", package)


@pytest.fixture(scope="module")
def kinds(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return compile_with_twins(
        tmp_path_factory.mktemp("kinds"),
        "credentials_kinds",
        {"workflow.arazzo.yaml": KINDS_ARAZZO, "kinds.openapi.yaml": KINDS_OPENAPI},
    )


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return compile_with_twins(
        tmp_path_factory.mktemp("shop"),
        "credentials_shop",
        {
            "workflow.arazzo.yaml": SHOP_ARAZZO,
            "pets.openapi.yaml": PETS_OPENAPI,
            "billing.openapi.yaml": BILLING_OPENAPI,
        },
    )


def all_credentials(kinds: ModuleType, **overrides: Any) -> Any:
    fields = {
        "header_key": kinds.ApiKey(S.API_KEY),
        "query_key": kinds.ApiKey(S.QUERY_KEY),
        "cookie_key": kinds.ApiKey(S.COOKIE_KEY),
        "basic_auth": kinds.HttpBasic(S.BASIC_USER, S.BASIC_PASSWORD),
        "bearer_auth": kinds.BearerToken(S.BEARER),
        "oidc": kinds.BearerToken(S.OIDC_TOKEN),
        "oauth": kinds.OAuth2ClientCredentials(S.CLIENT_ID, S.CLIENT_SECRET),
    }
    fields.update(overrides)
    return kinds.Credentials(kinds_api=kinds.KindsApiCredentials(**fields))


# ---- the public surface ------------------------------------------------------------------


def test_surface_is_typed_per_source_and_scheme(kinds: ModuleType, shop: ModuleType) -> None:
    assert {f.name for f in dataclasses.fields(shop.Credentials)} == {"pets_api", "billing_api"}
    assert {f.name for f in dataclasses.fields(shop.PetsApiCredentials)} == {"pets_key"}
    assert {f.name for f in dataclasses.fields(kinds.KindsApiCredentials)} == {
        "header_key",
        "query_key",
        "cookie_key",
        "basic_auth",
        "bearer_auth",
        "oidc",
        "oauth",
    }
    hints = {f.name: f.type for f in dataclasses.fields(kinds.KindsApiCredentials)}
    assert hints["header_key"] == "ApiKey | None"
    assert hints["basic_auth"] == "HttpBasic | None"
    assert hints["bearer_auth"] == "BearerToken | None"
    assert hints["oidc"] == "BearerToken | None"
    assert hints["oauth"] == "BearerToken | OAuth2ClientCredentials | None"
    assert shop.Credentials().pets_api is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        shop.Credentials().pets_api = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        shop.Credentials(shop.PetsApiCredentials())  # keyword-only
    assert issubclass(kinds.MissingCredentialsError, kinds.WorkflowError)
    for module in (kinds, shop):
        for name in ("Credentials", "ApiKey", "HttpBasic", "BearerToken"):
            assert name in module.__all__
        assert "OAuth2ClientCredentials" in module.__all__
        assert "MissingCredentialsError" in module.__all__
    for function in (kinds.all_kinds, kinds.either, shop.shop):
        parameter = inspect.signature(function).parameters["credentials"]
        assert parameter.default is None and parameter.kind is parameter.KEYWORD_ONLY


def test_every_scheme_kind_is_sent_as_its_scheme_says(kinds: ModuleType) -> None:
    with S.standin() as server:
        asyncio.run(kinds.all_kinds(credentials=all_credentials(kinds), base_url=server.base_url))
        paths = server.paths()
    assert paths == [
        "/apikey-header",
        "/apikey-query",
        "/apikey-cookie",
        "/basic",
        "/bearer",
        "/oidc",
    ]
    # Each request carried only its own scheme's credential.
    header, query, cookie, basic, bearer, oidc = server.requests
    assert "authorization" not in header.headers and not header.query and not header.cookies
    assert "x-key" not in query.headers and "authorization" not in query.headers
    assert query.query == {"key": [S.QUERY_KEY]} and not query.cookies
    assert cookie.cookies == {"sid": S.COOKIE_KEY} and not cookie.query
    for seen in (basic, bearer, oidc):
        assert "x-key" not in seen.headers and not seen.query and not seen.cookies


@pytest.mark.parametrize(
    "field",
    ["header_key", "query_key", "cookie_key", "basic_auth", "bearer_auth", "oidc"],
)
def test_a_wrong_credential_gets_the_servers_401(kinds: ModuleType, field: str) -> None:
    wrong: dict[str, Any] = {
        "header_key": kinds.ApiKey("nope"),
        "query_key": kinds.ApiKey("nope"),
        "cookie_key": kinds.ApiKey("nope"),
        "basic_auth": kinds.HttpBasic(S.BASIC_USER, "nope"),
        "bearer_auth": kinds.BearerToken("nope"),
        "oidc": kinds.BearerToken("nope"),
    }
    with S.standin() as server, pytest.raises(kinds.StepFailedError) as caught:
        asyncio.run(
            kinds.all_kinds(
                credentials=all_credentials(kinds, **{field: wrong[field]}),
                base_url=server.base_url,
            )
        )
    assert caught.value.status_code == 401


def test_two_sources_on_two_hosts_each_get_only_their_own(shop: ModuleType) -> None:
    credentials = shop.Credentials(
        pets_api=shop.PetsApiCredentials(pets_key=shop.ApiKey(S.API_KEY)),
        billing_api=shop.BillingApiCredentials(billing_bearer=shop.BearerToken(S.BILLING_TOKEN)),
    )
    with S.standin() as pets, S.standin() as billing:
        asyncio.run(
            shop.shop(
                credentials=credentials,
                base_urls={"petsApi": pets.base_url, "billingApi": billing.base_url},
            )
        )
    assert pets.paths() == ["/public", "/pets"] and billing.paths() == ["/billing"]
    public, pet = pets.requests
    assert "x-key" not in public.headers and "authorization" not in public.headers
    assert pet.headers["x-key"] == S.API_KEY and "authorization" not in pet.headers
    (bill,) = billing.requests
    assert bill.headers["authorization"] == f"Bearer {S.BILLING_TOKEN}"
    assert "x-key" not in bill.headers


def test_one_server_for_both_sources_still_separates_credentials(shop: ModuleType) -> None:
    credentials = shop.Credentials(
        pets_api=shop.PetsApiCredentials(pets_key=shop.ApiKey(S.API_KEY)),
        billing_api=shop.BillingApiCredentials(billing_bearer=shop.BearerToken(S.BILLING_TOKEN)),
    )
    with S.standin() as server:
        asyncio.run(shop.shop(credentials=credentials, base_url=server.base_url))
    public, pet, bill = server.requests
    assert [public.path, pet.path, bill.path] == ["/public", "/pets", "/billing"]
    assert not {"x-key", "authorization"} & set(public.headers)
    assert pet.headers["x-key"] == S.API_KEY and "authorization" not in pet.headers
    assert bill.headers["authorization"] == f"Bearer {S.BILLING_TOKEN}"
    assert "x-key" not in bill.headers


def test_missing_credentials_fail_before_any_request(shop: ModuleType) -> None:
    only_pets = shop.Credentials(pets_api=shop.PetsApiCredentials(pets_key=shop.ApiKey(S.API_KEY)))
    with S.standin() as server:
        with pytest.raises(shop.MissingCredentialsError) as caught:
            asyncio.run(shop.shop(credentials=only_pets, base_url=server.base_url))
        with pytest.raises(shop.MissingCredentialsError):
            asyncio.run(shop.shop(base_url=server.base_url))
        with pytest.raises(shop.MissingCredentialsError):
            shop.shop_sync(base_url=server.base_url)
        assert server.requests == []
    error = caught.value
    assert isinstance(error, shop.WorkflowError)
    assert error.step_id == "bills" and error.source == "billingApi"
    assert error.schemes == (("billingBearer",),)
    assert "bills" in str(error) and "billingApi" in str(error) and "billingBearer" in str(error)


def test_missing_credentials_of_a_called_workflow_fail_before_the_callers_first_request(
    kinds: ModuleType,
) -> None:
    only_key = kinds.Credentials(
        kinds_api=kinds.KindsApiCredentials(header_key=kinds.ApiKey(S.API_KEY))
    )
    with S.standin() as server:
        with pytest.raises(kinds.MissingCredentialsError) as caught:
            asyncio.run(kinds.nested(credentials=only_key, base_url=server.base_url))
        assert server.requests == []
    assert caught.value.step_id == "oauth"


def test_alternatives_first_satisfied_one_applies(kinds: ModuleType) -> None:
    def run(**fields: Any) -> list[S.Seen]:
        credentials = kinds.Credentials(kinds_api=kinds.KindsApiCredentials(**fields))
        with S.standin() as server:
            asyncio.run(kinds.either(credentials=credentials, base_url=server.base_url))
            return server.requests

    basic = kinds.HttpBasic(S.BASIC_USER, S.BASIC_PASSWORD)
    query, cookie = kinds.ApiKey(S.QUERY_KEY), kinds.ApiKey(S.COOKIE_KEY)
    # Both alternatives satisfied: the first (basic) applies, and only it.
    (seen,) = run(basic_auth=basic, query_key=query, cookie_key=cookie)
    assert seen.headers["authorization"].startswith("Basic ") and not seen.query
    assert not seen.cookies
    # Only the second: both of its schemes apply.
    (seen,) = run(query_key=query, cookie_key=cookie)
    assert "authorization" not in seen.headers
    assert seen.query == {"key": [S.QUERY_KEY]} and seen.cookies == {"sid": S.COOKIE_KEY}
    # Half of the second is not enough.
    with pytest.raises(kinds.MissingCredentialsError) as caught:
        run(query_key=query)
    assert caught.value.schemes == (("basicAuth",), ("queryKey", "cookieKey"))


def test_explicit_parameter_wins_and_satisfies_the_scheme(kinds: ModuleType) -> None:
    credentials = all_credentials(kinds)
    with S.standin() as server:
        asyncio.run(
            kinds.explicit_key(
                kinds.ExplicitKeyInputs(key="from-the-document"),
                credentials=credentials,
                base_url=server.base_url,
            )
        )
        # No credentials at all: the explicit parameter satisfies the scheme.
        asyncio.run(
            kinds.explicit_key(kinds.ExplicitKeyInputs(key="only"), base_url=server.base_url)
        )
        # The parameter left out (None): the credentials fill the header.
        asyncio.run(kinds.explicit_key(credentials=credentials, base_url=server.base_url))
    assert [s.headers.get("x-key") for s in server.requests] == [
        "from-the-document",
        "only",
        S.API_KEY,
    ]


# ---- OAuth2 client credentials -------------------------------------------------------------


def test_client_credentials_token_is_fetched_cached_and_shared(kinds: ModuleType) -> None:
    oauth = kinds.OAuth2ClientCredentials(S.CLIENT_ID, S.CLIENT_SECRET)
    credentials = kinds.Credentials(kinds_api=kinds.KindsApiCredentials(oauth=oauth))
    with S.standin() as server:
        for _ in range(3):
            asyncio.run(kinds.oauth_only(credentials=credentials, base_url=server.base_url))
        # Another Credentials object holding the same OAuth2ClientCredentials shares its token.
        again = kinds.Credentials(kinds_api=kinds.KindsApiCredentials(oauth=oauth))
        asyncio.run(kinds.oauth_only(credentials=again, base_url=server.base_url))
        token_requests = server.of("/token")
    assert len(server.tokens_issued) == 1 and len(token_requests) == 1
    (token,) = server.tokens_issued
    assert [s.headers["authorization"] for s in server.of("/oauth")] == [f"Bearer {token}"] * 4
    # The token request: client authenticated by HTTP Basic, at the tokenUrl's path on the
    # host base_url moved it to.
    assert token_requests[0].method == "POST"
    assert token_requests[0].headers["authorization"] == S._basic(S.CLIENT_ID, S.CLIENT_SECRET)


def test_client_credentials_requests_the_steps_scopes(kinds: ModuleType) -> None:
    seen_forms: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            seen_forms.append(request.content)
            return httpx.Response(200, json={"access_token": "t-1", "expires_in": 60})
        return httpx.Response(200, json={})

    async def go(oauth: Any) -> None:
        credentials = kinds.Credentials(kinds_api=kinds.KindsApiCredentials(oauth=oauth))
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            await kinds.oauth_only(credentials=credentials, client=client)

    asyncio.run(go(kinds.OAuth2ClientCredentials("id", "secret")))
    asyncio.run(go(kinds.OAuth2ClientCredentials("id", "secret", scopes=["a", "b"])))
    assert seen_forms == [
        b"grant_type=client_credentials&scope=things.read",
        b"grant_type=client_credentials&scope=a+b",
    ]


def test_client_credentials_token_is_fetched_again_when_it_expires(kinds: ModuleType) -> None:
    oauth = kinds.OAuth2ClientCredentials(S.CLIENT_ID, S.CLIENT_SECRET)
    credentials = kinds.Credentials(kinds_api=kinds.KindsApiCredentials(oauth=oauth))
    with S.standin() as server:
        server.expires_in = 1
        asyncio.run(kinds.oauth_only(credentials=credentials, base_url=server.base_url))
        asyncio.run(kinds.oauth_only(credentials=credentials, base_url=server.base_url))
        assert len(server.tokens_issued) == 1
        time.sleep(1.0)
        asyncio.run(kinds.oauth_only(credentials=credentials, base_url=server.base_url))
    assert len(server.tokens_issued) == 2
    assert server.of("/oauth")[-1].headers["authorization"] == f"Bearer {server.tokens_issued[1]}"


def test_client_credentials_refetch_once_on_401(kinds: ModuleType) -> None:
    oauth = kinds.OAuth2ClientCredentials(S.CLIENT_ID, S.CLIENT_SECRET)
    credentials = kinds.Credentials(kinds_api=kinds.KindsApiCredentials(oauth=oauth))
    with S.standin() as server:
        asyncio.run(kinds.oauth_only(credentials=credentials, base_url=server.base_url))
        server.valid_tokens.clear()  # the server revokes the cached token
        asyncio.run(kinds.oauth_only(credentials=credentials, base_url=server.base_url))
        assert len(server.tokens_issued) == 2
        assert [s.path for s in server.requests] == [
            "/token",
            "/oauth",
            "/oauth",
            "/token",
            "/oauth",
        ]
        # A server that refuses every token: one new token, one retry, then the step fails.
        server.requests.clear()
        server.valid_tokens.clear()
        before = len(server.tokens_issued)
        S.CHECKS_SAVED = S.CHECKS["/oauth"]
        S.CHECKS["/oauth"] = lambda s, r: False
        try:
            with pytest.raises(kinds.StepFailedError) as caught:
                asyncio.run(kinds.oauth_only(credentials=credentials, base_url=server.base_url))
        finally:
            S.CHECKS["/oauth"] = S.CHECKS_SAVED
        assert caught.value.status_code == 401
        assert [s.path for s in server.requests] == ["/oauth", "/token", "/oauth"]
        assert len(server.tokens_issued) == before + 1


def test_token_endpoint_failure_is_a_step_request_error(kinds: ModuleType) -> None:
    oauth = kinds.OAuth2ClientCredentials(S.CLIENT_ID, "wrong-" + S.CLIENT_SECRET)
    credentials = kinds.Credentials(kinds_api=kinds.KindsApiCredentials(oauth=oauth))
    with S.standin() as server:
        with pytest.raises(kinds.StepRequestError) as caught:
            asyncio.run(kinds.oauth_only(credentials=credentials, base_url=server.base_url))
        assert server.paths() == ["/token"]
    assert "HTTP 401" in str(caught.value) and caught.value.step_id == "oauth"
    assert S.CLIENT_SECRET not in str(caught.value)


def test_bearer_token_satisfies_an_oauth2_scheme(kinds: ModuleType) -> None:
    with S.standin() as server:
        server.valid_tokens.add("tok-Given-1")
        credentials = kinds.Credentials(
            kinds_api=kinds.KindsApiCredentials(oauth=kinds.BearerToken("tok-Given-1"))
        )
        asyncio.run(kinds.oauth_only(credentials=credentials, base_url=server.base_url))
        assert server.paths() == ["/oauth"]


# ---- environment, sync twin ---------------------------------------------------------------


def test_from_env_reads_the_documented_names(kinds: ModuleType) -> None:
    environ = {
        "KINDS_API_HEADER_KEY": S.API_KEY,
        "KINDS_API_BASIC_AUTH_USERNAME": S.BASIC_USER,
        "KINDS_API_BASIC_AUTH_PASSWORD": S.BASIC_PASSWORD,
        "KINDS_API_BEARER_AUTH": S.BEARER,
        "KINDS_API_OAUTH_CLIENT_ID": S.CLIENT_ID,
        "KINDS_API_OAUTH_CLIENT_SECRET": S.CLIENT_SECRET,
        "KINDS_API_OAUTH_SCOPES": "a b",
    }
    read = kinds.Credentials.from_env(environ).kinds_api
    assert read.header_key == kinds.ApiKey(S.API_KEY)
    assert read.basic_auth == kinds.HttpBasic(S.BASIC_USER, S.BASIC_PASSWORD)
    assert read.bearer_auth == kinds.BearerToken(S.BEARER)
    assert read.oauth == kinds.OAuth2ClientCredentials(
        S.CLIENT_ID, S.CLIENT_SECRET, scopes=("a", "b")
    )
    assert read.query_key is None and read.oidc is None
    documented = inspect.getsource(kinds._credentials)  # the field docstrings name them
    for name in environ:
        assert f" {name}" in documented


def test_from_env_defaults_to_os_environ(
    kinds: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINDS_API_OIDC", S.OIDC_TOKEN)
    assert kinds.Credentials.from_env().kinds_api.oidc == kinds.BearerToken(S.OIDC_TOKEN)


def test_sync_twin_takes_credentials_and_its_own_client(kinds: ModuleType) -> None:
    twin = kinds
    traced: list[str] = []
    with S.standin() as server, httpx.Client(headers={"X-Caller": "mine"}, timeout=7.0) as client:
        twin.all_kinds_sync(
            credentials=all_credentials(twin),
            client=client,
            base_url=server.base_url,
            timeout=5.0,
            on_response=lambda step, response: traced.append(step),
        )
        assert not client.is_closed
    assert traced == ["header", "query", "cookie", "basic", "bearer", "oidc"]
    assert all(seen.headers.get("x-caller") == "mine" for seen in server.requests)


# ---- secrets ----------------------------------------------------------------------------------


def _assert_clean(text: str) -> None:
    for secret in S.SECRETS:
        assert secret not in text, f"secret {secret!r} leaked"
    assert "tok-Fetched-" not in text


def test_credential_values_never_leak(kinds: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    credentials = all_credentials(kinds)
    _assert_clean(repr(credentials) + str(credentials))
    for field in dataclasses.fields(credentials.kinds_api):
        value = getattr(credentials.kinds_api, field.name)
        _assert_clean(repr(value) + str(value))
    traces: list[str] = []

    def trace(step: str, response: httpx.Response) -> None:
        request = response.request
        traces.append(f"{request!r} {request.url} {list(request.headers.items())}")

    caplog.set_level(logging.DEBUG)
    with S.standin() as server:
        asyncio.run(
            kinds.all_kinds(credentials=credentials, base_url=server.base_url, on_response=trace)
        )
        asyncio.run(
            kinds.oauth_only(credentials=credentials, base_url=server.base_url, on_response=trace)
        )
        server.valid_tokens.clear()
        asyncio.run(
            kinds.oauth_only(credentials=credentials, base_url=server.base_url, on_response=trace)
        )
        with pytest.raises(kinds.StepFailedError) as failed:
            asyncio.run(
                kinds.failing(credentials=credentials, base_url=server.base_url, on_response=trace)
            )
        with pytest.raises(kinds.MissingCredentialsError) as missing:
            asyncio.run(
                kinds.either(
                    credentials=kinds.Credentials(
                        kinds_api=kinds.KindsApiCredentials(query_key=kinds.ApiKey(S.QUERY_KEY))
                    ),
                    base_url=server.base_url,
                )
            )
        # The requests on the wire did carry the credentials (the sweep is not vacuous).
        assert any(S.QUERY_KEY in str(s.query) for s in server.requests)
    assert len(traces) == 6 + 1 + 2 + 1
    for text in traces:
        _assert_clean(text)
    for error in (failed.value, missing.value):
        _assert_clean(f"{error!s} {error!r} {vars(error)!r} {error.args!r}")
    # The package's own log records (httpx's logger prints whole URLs, query keys included).
    own = [r.getMessage() for r in caplog.records if r.name.startswith(kinds.__name__)]
    _assert_clean("\n".join(own))
    assert any("/apikey-query?key=***" in message for message in own)


# ---- the selection rule against a reference ---------------------------------------------------

SCHEME_POOL = (
    ("hk", "apiKey", "header", "X-Hk"),
    ("qk", "apiKey", "query", "qk"),
    ("ck", "apiKey", "cookie", "ck"),
    ("ba", "basic", "header", "Authorization"),
    ("be", "bearer", "header", "Authorization"),
)


def _reference_choice(
    alternatives: list[list[str]], supplied: set[str], present: set[str]
) -> list[str] | None:
    """OpenAPI's rule as the issue states it: the first alternative whose schemes all have
    credentials (or are filled by the step's own parameters); an empty alternative means
    none is needed. None: the workflow must refuse to run."""
    for alternative in alternatives:
        if alternative and all(s in supplied or s in present for s in alternative):
            return alternative
    if any(not alternative for alternative in alternatives):
        return []
    return None


@settings(max_examples=examples(150), deadline=None)
@given(
    alternatives=st.lists(
        st.lists(st.sampled_from([s[0] for s in SCHEME_POOL]), max_size=3, unique=True),
        min_size=1,
        max_size=4,
    ),
    supplied=st.sets(st.sampled_from([s[0] for s in SCHEME_POOL])),
    present=st.sets(st.sampled_from(["hk", "qk", "ck"])),
    left_empty=st.sets(st.sampled_from(["hk", "qk", "ck"])),
)
def test_selection_matches_the_reference(
    kinds: ModuleType,
    alternatives: list[list[str]],
    supplied: set[str],
    present: set[str],
    left_empty: set[str],
) -> None:
    """`left_empty`: slots the step names as parameters whose value turned out None at run
    time; they satisfy nothing, so a run that needed them needs credentials instead."""
    auth_module = kinds._auth
    # Basic and bearer share the Authorization header: one alternative never holds both here.
    alternatives = [a for a in alternatives if not {"ba", "be"} <= set(a)] or [[]]
    schemes = {
        name: auth_module.Scheme("src", "src", name, name, kind, location, parameter)
        for name, kind, location, parameter in SCHEME_POOL
    }
    values = {
        "hk": kinds.ApiKey("v-hk"),
        "qk": kinds.ApiKey("v-qk"),
        "ck": kinds.ApiKey("v-ck"),
        "ba": kinds.HttpBasic("u", "v-ba"),
        "be": kinds.BearerToken("v-be"),
    }
    source_class = dataclasses.make_dataclass(
        "SrcCredentials", [(n, object, dataclasses.field(default=None)) for n in schemes]
    )
    group = dataclasses.make_dataclass("Group", [("src", object)])
    credentials = group(src=source_class(**{n: values[n] for n in supplied}))
    security = auth_module.StepSecurity(
        "s",
        "src",
        tuple(tuple((schemes[n], ()) for n in a) for a in alternatives),
        frozenset(auth_module._slot(schemes[n]) for n in present | left_empty),
    )
    expected = _reference_choice(alternatives, supplied, present)
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    async def go() -> None:
        run = kinds._runtime.Run("wf", logging.getLogger("t"))
        auth = auth_module.Auth(run, credentials)
        auth.require([security])
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            request = http.build_request(
                "GET",
                "http://api.test/x",
                params={"qk": "own"} if "qk" in present else None,
                headers={"X-Hk": "own", **({"Cookie": "ck=own"} if "ck" in present else {})}
                if "hk" in present
                else ({"Cookie": "ck=own"} if "ck" in present else None),
            )
            await auth.send(http, "s", request, security)

    if expected is None:
        with pytest.raises(kinds.MissingCredentialsError):
            asyncio.run(go())
        return
    asyncio.run(go())
    (request,) = sent
    carried = {
        "hk": request.headers.get("X-Hk") == "v-hk",
        "qk": request.url.params.get("qk") == "v-qk",
        "ck": "ck=v-ck" in request.headers.get("Cookie", ""),
        "ba": request.headers.get("Authorization", "").startswith("Basic "),
        "be": request.headers.get("Authorization") == "Bearer v-be",
    }
    applied = {name for name, yes in carried.items() if yes}
    assert applied == {n for n in expected if n not in present}
    # The step's own parameters are never replaced.
    for name in present:
        if name == "hk":
            assert request.headers["X-Hk"] == "own"
        if name == "qk":
            assert request.url.params.get_list("qk") == ["own"]


# ---- Redocly x-security ---------------------------------------------------------------------

X_SECURITY_ARAZZO = """
arazzo: 1.0.1
info: {title: X-Security, version: "1"}
sourceDescriptions:
  - {name: kindsApi, url: kinds.openapi.yaml, type: openapi}
workflows:
  - workflowId: given
    inputs: {type: object, properties: {token: {type: string}, key: {type: string}}}
    x-security:
      - scheme: {type: apiKey, in: query, name: key}
        values: {apiKey: workflow-level-key}
    steps:
      - stepId: bearer
        operationId: bearer
        x-security:
          - schemeName: bearerAuth
            values: {token: overridden-by-the-next}
          - schemeName: bearerAuth
            values: {token: $inputs.token}
      - stepId: header
        operationId: apiKeyHeader
        parameters: [{name: X-Key, in: header, value: from-a-parameter}]
        x-security:
          - scheme: {type: apiKey, in: header, name: X-Key}
            values: {apiKey: $inputs.key}
"""


def test_x_security_gives_a_step_its_credentials(tmp_path: Path) -> None:
    module = compile_with_twins(
        tmp_path,
        "credentials_x_security",
        {"workflow.arazzo.yaml": X_SECURITY_ARAZZO, "kinds.openapi.yaml": KINDS_OPENAPI},
    )
    inputs = module.GivenInputs(token=S.BEARER, key=S.API_KEY)
    traces: list[str] = []

    def trace(step: str, response: httpx.Response) -> None:
        traces.append(f"{response.request.url} {list(response.request.headers.items())}")

    with S.standin() as server:
        # The schemes the operations require are satisfied by x-security: no credentials needed.
        asyncio.run(module.given(inputs, base_url=server.base_url, on_response=trace))
    bearer, header = server.requests
    assert bearer.headers["authorization"] == f"Bearer {S.BEARER}"
    assert header.headers["x-key"] == S.API_KEY  # x-security wins over the parameter
    # The workflow-level entry applies to every step, before the step's own.
    assert bearer.query == {"key": ["workflow-level-key"]} == header.query
    for text in traces:
        _assert_clean(text)
        assert "workflow-level-key" not in text


def test_x_security_entry_without_its_value_is_an_error(tmp_path: Path) -> None:
    broken = X_SECURITY_ARAZZO.replace("values: {token: $inputs.token}", "values: {tokn: x}")
    write_documents(
        tmp_path / "specs", {"workflow.arazzo.yaml": broken, "kinds.openapi.yaml": KINDS_OPENAPI}
    )
    diagnostics = Diagnostics()
    assert generate_package(tmp_path / "specs" / "workflow.arazzo.yaml", diagnostics) is None
    (error,) = diagnostics.errors
    assert "needs the value 'token'" in error.message and error.location.line == 18


# ---- what a failed step's error carries ------------------------------------------------------


def test_failed_step_error_carries_status_headers_and_scrubbed_body(kinds: ModuleType) -> None:
    with S.standin() as server, pytest.raises(kinds.StepFailedError) as caught:
        asyncio.run(kinds.failing(credentials=all_credentials(kinds), base_url=server.base_url))
    error = caught.value
    assert error.status_code == 500 and error.error_code == "boom"
    assert error.headers["content-type"] == "application/json"
    # The stand-in echoes the request's headers: the API key it got comes back redacted.
    assert error.body["error"] == "boom" and error.body["echo"]["x-key"] == "***"
    _assert_clean(f"{error} {error.body} {error.headers}")


def test_failed_step_with_a_text_body_shows_an_excerpt(kinds: ModuleType) -> None:
    text = "Internal failure: the database is down. " + "x" * 5000

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            500, text=text, headers={"Set-Cookie": "session=abc123", "X-Request-Id": "r-1"}
        )

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            await kinds.failing(credentials=all_credentials(kinds), client=client)

    with pytest.raises(kinds.StepFailedError) as caught:
        asyncio.run(go())
    error = caught.value
    assert "HTTP 500 (Internal failure: the database is down." in str(error)
    assert len(str(error)) < 400
    assert error.body == text[: kinds._runtime.BODY_EXCERPT]
    assert error.headers["x-request-id"] == "r-1" and error.headers["set-cookie"] == "***"


def test_relative_token_url_resolves_against_the_server(tmp_path: Path) -> None:
    relative = KINDS_OPENAPI.replace("tokenUrl: https://auth.invalid/token", "tokenUrl: /token")
    module = compile_with_twins(
        tmp_path,
        "credentials_relative_token",
        {"workflow.arazzo.yaml": KINDS_ARAZZO, "kinds.openapi.yaml": relative},
    )
    assert "https://kinds.invalid/token" in inspect.getsource(module._credentials)
    oauth = module.OAuth2ClientCredentials(S.CLIENT_ID, S.CLIENT_SECRET)
    credentials = module.Credentials(kinds_api=module.KindsApiCredentials(oauth=oauth))
    with S.standin() as server:
        asyncio.run(module.oauth_only(credentials=credentials, base_url=server.base_url))
        assert server.paths() == ["/token", "/oauth"]


UPLOAD_OPENAPI = """
openapi: 3.1.0
info: {title: Upload, version: "1"}
servers: [{url: "https://upload.invalid"}]
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
paths:
  /files:
    post:
      operationId: upload
      security: [{bearerAuth: []}]
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties: {name: {type: string}, file: {type: string, format: binary}}
      responses: {"201": {description: created}}
"""

UPLOAD_ARAZZO = """
arazzo: 1.0.1
info: {title: Upload, version: "1"}
sourceDescriptions:
  - {name: uploadApi, url: upload.openapi.yaml, type: openapi}
workflows:
  - workflowId: upload
    inputs: {type: object, properties: {name: {type: string}, file: {type: string}}}
    steps:
      - stepId: upload
        operationId: upload
        requestBody:
          contentType: multipart/form-data
          payload: {name: $inputs.name, file: $inputs.file}
        successCriteria: [{condition: $statusCode == 201}]
"""


class _UploadServer(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append((dict(self.headers.items()), body))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_streamed_multipart_upload_with_credentials_is_traced_scrubbed(tmp_path: Path) -> None:
    """A multipart body is a stream: the request on_response sees (its credentials scrubbed)
    carries that stream instead of reading it (it was a raw httpx.RequestNotRead)."""
    module = compile_with_twins(
        tmp_path,
        "credentials_upload",
        {"workflow.arazzo.yaml": UPLOAD_ARAZZO, "upload.openapi.yaml": UPLOAD_OPENAPI},
    )
    traced: list[httpx.Request] = []
    credentials = module.Credentials(
        upload_api=module.UploadApiCredentials(bearer_auth=module.BearerToken(token=S.BEARER))
    )
    _UploadServer.received = []
    with loopback_server(_UploadServer) as url:
        asyncio.run(
            module.upload(
                module.UploadInputs(name="report", file="contents"),
                credentials=credentials,
                base_url=url,
                on_response=lambda step, response: traced.append(response.request),
            )
        )
    [(headers, body)] = _UploadServer.received
    assert headers["Authorization"] == f"Bearer {S.BEARER}"
    assert b'name="file"' in body and b"contents" in body
    [shown] = traced
    assert S.BEARER not in shown.headers["authorization"]


# ---- when the caller needs credentials ------------------------------------------------------

SELF_FILLED_ARAZZO = """
arazzo: 1.0.1
info: {{title: Own header, version: "1"}}
sourceDescriptions:
  - {{name: kindsApi, url: kinds.openapi.yaml, type: openapi}}
workflows:
  - workflowId: ownKey
    inputs: {{type: object, properties: {{key: {{type: string}}}}}}
    steps:
      - stepId: explicit
        operationId: explicit
        parameters: [{{name: X-Key, in: header, value: {value}}}]
        successCriteria: [{{condition: $statusCode == 200}}]
"""


@pytest.mark.parametrize(
    ("value", "self_sufficient"),
    [("'key-{$inputs.key}'", True), ("$inputs.key", False)],
    ids=["template-always-filled", "optional-input-may-be-none"],
)
def test_readme_asks_for_credentials_exactly_when_a_run_may_need_them(
    tmp_path: Path, value: str, self_sufficient: bool
) -> None:
    """A header the document always fills (a template) satisfies the scheme on every run: the
    README shows no credentials. An optional input may be left out, and then the run needs
    credentials: the README shows them, and a run without either fails before any request."""
    package = f"own_key_{'template' if self_sufficient else 'input'}"
    module = compile_with_twins(
        tmp_path,
        package,
        {
            "workflow.arazzo.yaml": SELF_FILLED_ARAZZO.format(value=value),
            "kinds.openapi.yaml": KINDS_OPENAPI,
        },
    )
    readme = (tmp_path / "out" / package / "README.md").read_text(encoding="utf-8")
    assert ("credentials=credentials" in readme) is not self_sufficient
    with S.standin() as server:
        if self_sufficient:
            asyncio.run(module.own_key(base_url=server.base_url))
            assert [s.headers.get("x-key") for s in server.requests] == ["key-"]
        else:
            with pytest.raises(module.MissingCredentialsError):
                asyncio.run(module.own_key(base_url=server.base_url))
            assert server.requests == []
