"""Compile-time warnings about a source description's default server."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.compile.servers import server_problem
from generator.diagnostics import Diagnostics
from generator.pipeline import generate_package
from tests.support import write_documents


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://api.stripe.com/v1", None),
        ("https://127.0.0.1.nip.io", None),
        ("http://api.partner.io", "plain http"),
        ("http://localhost:8080", "loopback"),
        ("http://127.0.0.1:3000/api", "loopback"),
        ("http://[::1]:80", "loopback"),
        ("https://api.example.com/v2", "placeholder"),
        ("https://example.org", "placeholder"),
        ("https://pets.invalid", "placeholder"),
        ("https://svc.test", "placeholder"),
        ("https://{region}.api.io", "variables without a default ({region})"),
    ],
)
def test_server_problems(url: str, problem: str | None) -> None:
    found = server_problem(url)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_the_warning_points_at_the_server_and_names_the_fix(tmp_path: Path) -> None:
    write_documents(
        tmp_path,
        {
            "workflow.arazzo.yaml": """
                arazzo: 1.0.1
                info: {title: T, version: "1"}
                sourceDescriptions: [{name: api, url: api.yaml, type: openapi}]
                workflows:
                  - workflowId: w
                    steps: [{stepId: s, operationId: op}]
            """,
            "api.yaml": """
                openapi: 3.0.3
                info: {title: A, version: "1"}
                servers:
                  - url: "http://{host}/v1"
                    variables: {host: {enum: [a, b]}}
                paths:
                  /x: {get: {operationId: op, responses: {"200": {description: ok}}}}
            """,
        },
    )
    diagnostics = Diagnostics()
    assert generate_package(tmp_path / "workflow.arazzo.yaml", diagnostics) is not None
    (warning,) = [w for w in diagnostics.warnings if "default server" in w.message]
    assert warning.location.file.endswith("api.yaml") and warning.location.line == 5
    assert "{host}" in warning.message and "base_urls={'api': ...}" in warning.message
