"""How the compiler recognises a secret (one policy, used for inputs and outputs alike).

A value is secret when any of these holds, unless its schema says `x-secret: false`:
- its schema has `x-secret: true`, `format: password` or `writeOnly: true`;
- its name, split into words (camelCase, snake_case, kebab-case), contains one of
  SECRET_WORDS, or is an authorization code (`code`, `authCode`, `authorizationCode`),
  or names a private or API key (`apiKey`, `privateKey`, `secretKey`, ...);
- it is computed from a secret value (a workflow output copying a secret step output).
Secret values never appear in repr(), exception messages or log records of generated code.
"""

from __future__ import annotations

import re
from typing import Any

SECRET_WORDS = frozenset(
    {
        "secret",
        "password",
        "passwd",
        "passphrase",
        "token",
        "apikey",
        "credential",
        "credentials",
        "authorization",
        "cookie",
        "verifier",
        "otp",
        "jwt",
        "bearer",
    }
)
_KEY_QUALIFIERS = frozenset({"api", "private", "secret", "access", "signing", "encryption"})
_CODE_QUALIFIERS = frozenset({"auth", "authorization", "oauth", "grant"})
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def name_words(name: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(name)]


def is_secret_name(name: str) -> bool:
    words = name_words(name)
    if not words:
        return False
    if any(word in SECRET_WORDS for word in words):
        return True
    if words == ["code"] or (
        words[-1] == "code" and len(words) >= 2 and words[-2] in _CODE_QUALIFIERS
    ):
        return True
    return any(
        word == "key" and index > 0 and words[index - 1] in _KEY_QUALIFIERS
        for index, word in enumerate(words)
    )


def schema_secrecy(schema: Any) -> bool | None:
    """True/False when the schema decides, None when it is silent."""
    if not isinstance(schema, dict):
        return None
    explicit = schema.get("x-secret")
    if isinstance(explicit, bool):
        return explicit
    if schema.get("format") == "password" or schema.get("writeOnly") is True:
        return True
    return None


def is_secret(name: str, schema: Any = None) -> bool:
    decided = schema_secrecy(schema)
    return decided if decided is not None else is_secret_name(name)
