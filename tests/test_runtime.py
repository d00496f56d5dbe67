"""The runtime module every generated package carries (templates/_runtime.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

import httpx
import pytest
from support import load_runtime

runtime = load_runtime()


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("OK", "ok", True),
        ("ok", "okay", False),
        (None, None, True),
        (None, 0, False),
        ("", None, False),
        ("200", 200, True),
        (200, "200.0", True),
        ("abc", 1, False),
        (1, 1.0, True),
        (True, True, True),
        ([1], [1], True),
    ],
)
def test_equals(left: Any, right: Any, expected: bool) -> None:
    assert runtime.equals(left, right) is expected
    assert runtime.equals(right, left) is expected


@pytest.mark.parametrize(
    ("left", "op", "right", "expected"),
    [
        (1, "<", 2, True),
        ("10", ">", 9, True),
        ("b", ">", "A", True),
        (None, "<", 1, False),
        ("x", "<", 1, False),
        (2, ">=", 2, True),
        (2, "<=", 1, False),
    ],
)
def test_compare(left: Any, op: str, right: Any, expected: bool) -> None:
    assert runtime.compare(left, op, right) is expected


def test_truthy_only_true() -> None:
    assert runtime.truthy(True)
    assert not any(runtime.truthy(v) for v in (1, "true", [1], {"a": 1}, None))


def test_lookup_follows_json_pointer_escapes() -> None:
    document = {"a/b": {"m~n": [10, 20]}, "": 1}
    assert runtime.lookup(document, "/a~1b/m~0n/1") == 20
    assert runtime.lookup(document, "/") == 1
    assert runtime.lookup(document, "") is document
    assert runtime.lookup(document, "/a~1b/m~0n/2") is None
    assert runtime.lookup(document, "/missing/x") is None


def test_index() -> None:
    assert runtime.index([1, 2], 1) == 2
    assert runtime.index([1, 2], 5) is None
    assert runtime.index({"a": 1}, "a") == 1
    assert runtime.index("text", 0) is None


def test_text_and_form_values() -> None:
    assert runtime.text("a") == "a"
    assert runtime.text(5) == "5"
    assert runtime.text({"a": [1]}) == '{"a":[1]}'
    assert runtime.text(None) == ""
    assert runtime.form_value(True) == "true"
    assert runtime.path_segment("a/b c") == "a%2Fb%20c"


def test_an_absent_path_parameter_is_an_error_not_an_empty_segment() -> None:
    with pytest.raises(ValueError, match="path parameter has no value"):
        runtime.path_segment(None)


def test_server_url_precedence() -> None:
    assert runtime.server_url("s", "https://d.example/", None, None) == "https://d.example"
    assert runtime.server_url("s", "https://d", "http://b/", None) == "http://b"
    assert runtime.server_url("s", "https://d", "http://b", {"s": "http://x/"}) == "http://x"
    with pytest.raises(ValueError, match="no absolute server URL"):
        runtime.server_url("s", "/v1", None, None)


def test_redacted_repr() -> None:
    @dataclasses.dataclass
    class Creds:
        user: str
        password: str

    text = runtime.redacted_repr(Creds("me", "hunter2"), ("password",))
    assert text == "Creds(user='me', password=***)"


def test_scrub_removes_plain_and_url_encoded_secrets() -> None:
    run = runtime.Run("wf", logging.getLogger("t"), secrets=["s3cr et/+"])
    message = "a s3cr et/+ b s3cr%20et%2F%2B c s3cr+et%2F%2B"
    assert run.scrub(message) == "a *** b *** c ***"
    unencodable = runtime.Run("wf", logging.getLogger("t"), secrets=["s\ud800"])
    assert unencodable.scrub("a s\ud800 b") == "a *** b"


def _response(status: int, **kwargs: Any) -> Any:
    run = runtime.Run("wf", logging.getLogger("t"), secrets=["tok-123"])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, **kwargs)

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            request = run.request(client, "GET", "https://api.example/x")
            return await run.send(client, "step1", request)

    return asyncio.run(go())


def test_required_and_optional_values_are_type_checked() -> None:
    response = _response(200, json={"n": 1, "f": 2, "b": True, "s": "x", "l": [1], "z": None})
    assert response.required("n", "/n", int) == 1
    assert response.required("f", "/f", float) == 2.0
    assert response.optional("z", "/z", str) is None
    assert response.optional("q", "/missing", str) is None
    assert response.required("l", "/l", list) == [1]
    with pytest.raises(runtime.ResponseFormatError, match="must be an integer, not bool"):
        response.required("b", "/b", int)
    with pytest.raises(runtime.ResponseFormatError, match="needs a value at '/z'"):
        response.required("z", "/z", str)


def test_failed_reads_both_tiktok_error_shapes() -> None:
    oauth = _response(400, json={"error": "invalid_grant", "error_description": "expired"})
    error = oauth.failed()
    assert (error.error_code, error.error_description) == ("invalid_grant", "expired")
    assert str(error) == "step step1 of workflow wf failed: HTTP 400 invalid_grant: expired"
    api = _response(401, json={"error": {"code": "access_token_invalid", "message": "bad"}})
    assert api.failed().error_code == "access_token_invalid"
    plain = _response(500, text="boom")
    assert str(plain.failed()) == "step step1 of workflow wf failed: HTTP 500 (boom)"
    assert plain.failed().body == "boom"


def test_failure_messages_scrub_secrets_echoed_by_the_api() -> None:
    response = _response(400, json={"error": "invalid_request", "error_description": "tok-123?"})
    error = response.failed()
    assert "tok-123" not in str(error)
    assert error.error_description == "***?"


def test_completed_outputs_repr_hides_values() -> None:
    outputs = runtime.CompletedOutputs({"login": {"token": "tok-123"}})
    assert outputs["login"]["token"] == "tok-123"
    assert "tok-123" not in repr(outputs)
    assert repr(outputs) == "CompletedOutputs({'login': {'token': ***}})"


async def _build_and_send(run: Any, step_id: str, **request: Any) -> Any:
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(200))
    ) as http:
        with run.building(step_id):
            built = run.request(http, "GET", request.pop("url", "https://api.example/x"), **request)
        return await run.send(http, step_id, built)


@pytest.mark.parametrize(
    ("request_arguments", "problem"),
    [
        ({"headers": {"X-Note": "caf\u00e9 tok-123"}}, "the value of header 'X-Note'"),
        ({"headers": {"X-Note": "a\r\nX-Injected: tok-123"}}, "the value of header 'X-Note'"),
        ({"headers": {"X-Note": "tok-123\x00"}}, "the value of header 'X-Note'"),
        ({"headers": {"X Note": "v"}}, "header name 'X Note'"),
        ({"headers": {"X-N\u00f6te": "v"}}, "header name 'X-N\u00f6te'"),
        ({"cookies": {"c": "tok-123\u00e9"}}, "the value of header 'Cookie'"),
        ({"url": "https://api.example/a\nb"}, "InvalidURL"),
        ({"url": "https://api.example:99999/"}, "port 99999"),
        ({"params": {"q": "tok-123\ud800"}}, "UnicodeEncodeError"),
        ({"content": "tok-123\ud800", "content_type": "text/plain"}, "UnicodeEncodeError"),
        ({"json_body": {"a": {1, 2}}}, "TypeError"),
    ],
)
def test_a_request_that_cannot_be_built_is_the_steps_request_error(
    request_arguments: dict[str, Any], problem: str
) -> None:
    run = runtime.Run("wf", logging.getLogger("t"), secrets=["tok-123"])
    with pytest.raises(runtime.StepRequestError) as caught:
        asyncio.run(_build_and_send(run, "s1", **request_arguments))
    error = caught.value
    assert (error.workflow_id, error.step_id) == ("wf", "s1")
    assert str(error).startswith("step s1 of workflow wf could not build its request (")
    assert problem in str(error)
    assert "tok-123" not in str(error)
    assert error.__suppress_context__


def test_building_turns_failures_of_values_into_the_steps_request_error() -> None:
    run = runtime.Run("wf", logging.getLogger("t"), secrets=["tok-123"])
    expected = r"^step s1 of workflow wf could not build its request \(UnicodeEncodeError"
    with pytest.raises(runtime.StepRequestError, match=expected), run.building("s1"):
        runtime.path_segment("tok-123\ud800")
    expected = r"\(ValueError: bad \*\*\*\)$"
    with pytest.raises(runtime.StepRequestError, match=expected), run.building("s1"):
        raise ValueError("bad tok-123")


def test_errors_of_the_response_hook_are_not_request_errors() -> None:
    def hook(step_id: str, response: httpx.Response) -> None:
        raise ValueError("the caller's own error")

    run = runtime.Run("wf", logging.getLogger("t"), on_response=hook)
    with pytest.raises(ValueError, match="the caller's own error"):
        asyncio.run(_build_and_send(run, "s1"))


def test_printable_headers_are_sent_as_given() -> None:
    seen: list[httpx.Request] = []

    async def go() -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200)

        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            built = run.request(http, "GET", "https://x/", headers={"X-'q'": "a\tb ~!\"'"})
            await run.send(http, "s1", built)

    run = runtime.Run("wf", logging.getLogger("t"))
    asyncio.run(go())
    assert seen[0].headers["X-'q'"] == "a\tb ~!\"'"


def test_a_run_closes_the_client_it_opened_and_leaves_the_callers_open() -> None:
    run = runtime.Run("w", logging.getLogger("test"))

    async def go() -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
        async with httpx.AsyncClient() as given:
            async with run.client(given) as used:
                assert used is given
            assert not given.is_closed
            async with run.client(None) as own:
                assert own is not given and not own.is_closed
            return given, own

    given, own = asyncio.run(go())
    assert own.is_closed and given.is_closed  # the caller closed its own
