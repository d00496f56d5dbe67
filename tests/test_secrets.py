"""The secret policy: which names and schemas the compiler treats as secret."""

from __future__ import annotations

import pytest

from generator.secrets import is_secret, is_secret_name


@pytest.mark.parametrize(
    "name",
    [
        "clientSecret",
        "client_secret",
        "password",
        "accessToken",
        "refresh-token",
        "apiKey",
        "api_key",
        "X-API-Key",
        "privateKey",
        "code",
        "authCode",
        "authorization_code",
        "Authorization",
        "sessionCookie",
        "codeVerifier",
        "BEARER",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "clientKey",
        "client_key",
        "openId",
        "displayName",
        "countryCode",
        "statusCode",
        "keyword",
        "tokenizer",
        "scope",
        "expiresIn",
        "redirectUri",
        "key",
    ],
)
def test_public_names(name: str) -> None:
    assert not is_secret_name(name)


def test_schema_decides_before_the_name() -> None:
    assert is_secret("pin", {"type": "string", "format": "password"})
    assert is_secret("value", {"writeOnly": True})
    assert is_secret("value", {"x-secret": True})
    assert not is_secret("accessToken", {"x-secret": False})
    assert is_secret("accessToken", {"type": "string"})
