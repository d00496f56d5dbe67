"""Compile-time warnings about the server a source description's requests go to by default.

Real documents often name a server that cannot be right for production: plain `http` to a
host on the network (credentials and data would travel unencrypted), a loopback or placeholder
host (`localhost`, `example.com`, `*.invalid`, ...), or a URL whose variables have no default.
Each is a warning on the server URL, telling the user to pass `base_url`/`base_urls`.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from generator.diagnostics import Diagnostics
from generator.model.openapi import OpenApiDescription

_PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net")
_PLACEHOLDER_SUFFIXES = (".invalid", ".test", ".example", ".localhost", ".local")
_VARIABLE = re.compile(r"\{[^{}]+\}")


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_placeholder(host: str) -> bool:
    return (
        host in ("invalid", "test", "example")
        or any(host == d or host.endswith("." + d) for d in _PLACEHOLDER_DOMAINS)
        or host.endswith(_PLACEHOLDER_SUFFIXES)
    )


def server_problem(url: str) -> str | None:
    """Why requests to this default server are unlikely to reach the real API safely."""
    variables = _VARIABLE.findall(url)
    if variables:
        return f"has variables without a default ({', '.join(sorted(set(variables)))})"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return None
    if is_loopback(host):
        return "is a loopback host"
    if is_placeholder(host):
        return "is a placeholder host"
    if parts.scheme == "http":
        return "is plain http to a host on the network (credentials and data unencrypted)"
    return None


def check_server(name: str, description: OpenApiDescription, diagnostics: Diagnostics) -> None:
    """Warn when the default server of source description `name` looks wrong for real use."""
    url = description.server_url
    if url is None or "://" not in url:
        return
    problem = server_problem(url)
    if problem is None:
        return
    swagger = description.version.startswith("2.")
    pointer = "/host" if swagger else "/servers/0/url"
    diagnostics.warning(
        description.document.location(pointer),
        f"the default server of source description '{name}' ({url}) {problem}; pass base_url "
        f"or base_urls={{'{name}': ...}} to call the real API",
    )
