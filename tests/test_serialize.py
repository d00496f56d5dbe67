"""The `_serialize` template module (OpenAPI parameter and body serialization, Arazzo payload
replacements) and the compile-time `generator.serialization` helpers."""

from __future__ import annotations

import copy
import email.parser
import email.policy
import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest

from generator.serialization import (
    OPENAPI_DEFAULT_STYLE,
    is_simple_value_type,
    needs_serializer,
    validate_style,
)
from tests.support import ROOT


def load_serialize() -> ModuleType:
    """The `_serialize` module generated packages carry, loaded from the template as a module
    of a package beside `_runtime` (it imports `from . import _runtime`)."""
    package = "arazzo_templates_under_test"
    if package not in sys.modules:
        spec = importlib.util.spec_from_loader(package, loader=None, is_package=True)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        module.__path__ = [str(ROOT / "templates")]
        sys.modules[package] = module
    return importlib.import_module(f"{package}._serialize")


s = load_serialize()

# OpenAPI 3.1.1 / 3.2.0 Parameter Object, 'Style Examples' (the `?` prefix of the form rows
# dropped, as 3.2 writes them). n/a: undefined behaviour, tested separately below.
STYLE_EXAMPLES = (
    "matrix | false | ;color | ;color=blue | ;color=blue,black,brown | ;color=R,100,G,200,B,150\n"
    "matrix | true | ;color | ;color=blue | ;color=blue;color=black;color=brown | "
    ";R=100;G=200;B=150\n"
    "label | false | . | .blue | .blue,black,brown | .R,100,G,200,B,150\n"
    "label | true | . | .blue | .blue.black.brown | .R=100.G=200.B=150\n"
    "simple | false | _empty_ | blue | blue,black,brown | R,100,G,200,B,150\n"
    "simple | true | _empty_ | blue | blue,black,brown | R=100,G=200,B=150\n"
    "form | false | color= | color=blue | color=blue,black,brown | color=R,100,G,200,B,150\n"
    "form | true | color= | color=blue | color=blue&color=black&color=brown | R=100&G=200&B=150\n"
    "spaceDelimited | false | _n/a_ | _n/a_ | color=blue%20black%20brown | "
    "color=R%20100%20G%20200%20B%20150\n"
    "spaceDelimited | true | _n/a_ | _n/a_ | _n/a_ | _n/a_\n"
    "pipeDelimited | false | _n/a_ | _n/a_ | color=blue%7Cblack%7Cbrown | "
    "color=R%7C100%7CG%7C200%7CB%7C150\n"
    "pipeDelimited | true | _n/a_ | _n/a_ | _n/a_ | _n/a_\n"
    "deepObject | false | _n/a_ | _n/a_ | _n/a_ | _n/a_\n"
    "deepObject | true | _n/a_ | _n/a_ | _n/a_ | "
    "color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150\n"
)

COLOR_ARRAY = ["blue", "black", "brown"]
COLOR_OBJECT = {"R": 100, "G": 200, "B": 150}
# The `empty`/`undefined` column: the empty string, and what RFC 6570 calls undefined.
EMPTY_VALUES: list[object] = ["", None, [], {}, [None], {"R": None}]


def _cells() -> list[tuple[str, bool, str, object, str]]:
    """(style, explode, column, value, expected) for every defined cell of the table."""
    cells: list[tuple[str, bool, str, object, str]] = []
    for line in STYLE_EXAMPLES.strip().splitlines():
        style, explode, empty, string, array, obj = (cell.strip() for cell in line.split("|"))
        columns: list[tuple[str, object, str]] = [("string", "blue", string)]
        columns += [("array", COLOR_ARRAY, array), ("object", COLOR_OBJECT, obj)]
        columns += [(f"empty {v!r}", v, "" if empty == "_empty_" else empty) for v in EMPTY_VALUES]
        for column, value, expected in columns:
            if expected != "_n/a_":
                cells.append((style, explode == "true", column, value, expected))
    return cells


CELLS = _cells()
PATH_CELLS = [c for c in CELLS if c[0] in ("matrix", "label", "simple")]
QUERY_CELLS = [c for c in CELLS if c[0] not in ("matrix", "label", "simple")]


def test_the_table_is_complete() -> None:
    # 14 rows x 4 columns = 56 cells, 19 of them n/a; the empty column is tried 6 ways.
    assert len({(c[0], c[1], c[2][:5]) for c in CELLS}) == 56 - 19
    assert len(PATH_CELLS) == 6 * (3 + len(EMPTY_VALUES))


@pytest.mark.parametrize(("style", "explode", "column", "value", "expected"), PATH_CELLS)
def test_path_value_matches_style_examples(
    style: str, explode: bool, column: str, value: object, expected: str
) -> None:
    if value is None:  # unset: a path cannot leave the parameter out (RFC 6570 would)
        with pytest.raises(ValueError, match="path parameter 'color' has no value"):
            s.path_value("color", value, style, explode)
        return
    assert s.path_value("color", value, style, explode) == expected


@pytest.mark.parametrize(
    ("style", "explode", "column", "value", "expected"), [c for c in CELLS if c[0] == "simple"]
)
def test_header_value_matches_simple_rows(
    style: str, explode: bool, column: str, value: object, expected: str
) -> None:
    # Unset (None): no value, so the request leaves the header out.
    assert s.header_value(value, explode) == (None if value is None else expected)


@pytest.mark.parametrize(("style", "explode", "column", "value", "expected"), QUERY_CELLS)
def test_query_string_matches_style_examples(
    style: str, explode: bool, column: str, value: object, expected: str
) -> None:
    assert s.query_string("color", value, style, explode) == expected


@pytest.mark.parametrize(("style", "explode", "column", "value", "expected"), QUERY_CELLS)
def test_query_pairs_decode_like_style_examples(
    style: str, explode: bool, column: str, value: object, expected: str
) -> None:
    pairs = s.query_pairs("color", value, style, explode)
    assert pairs == parse_qsl(expected, keep_blank_values=True)
    # What httpx sends for the pairs decodes to the same (its `,` is `%2C`, its space `+`).
    request = httpx.Request("GET", "https://api.example/colors", params=pairs)
    assert parse_qsl(request.url.query.decode(), keep_blank_values=True) == pairs


@pytest.mark.parametrize(
    ("style", "explode", "column", "value", "expected"), [c for c in CELLS if c[0] == "form"]
)
def test_cookie_form_matches_style_examples_with_cookie_delimiters(
    style: str, explode: bool, column: str, value: object, expected: str
) -> None:
    # OpenAPI Appendix D: cookies are separated by "; ", never "&".
    header = s.cookie_header(s.cookie_pairs("color", value, explode))
    assert header == expected.replace("&", "; ")


@pytest.mark.parametrize(
    ("style", "explode", "value", "expected"),
    [
        # n/a in the table: a primitive is name=value in every query style.
        ("spaceDelimited", False, "blue", "color=blue"),
        ("pipeDelimited", False, 7, "color=7"),
        ("deepObject", True, "blue", "color=blue"),
        # n/a: exploded space/pipe-delimited behave as exploded form.
        ("spaceDelimited", True, COLOR_ARRAY, "color=blue&color=black&color=brown"),
        ("pipeDelimited", True, COLOR_OBJECT, "R=100&G=200&B=150"),
        # deepObject is always exploded; an array repeats the name.
        ("deepObject", False, COLOR_OBJECT, "color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150"),
        ("deepObject", False, COLOR_ARRAY, "color=blue&color=black&color=brown"),
    ],
)
def test_query_choices_where_the_table_says_na(
    style: str, explode: bool, value: object, expected: str
) -> None:
    assert s.query_string("color", value, style, explode) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, [("v", "true")]),
        (False, [("v", "false")]),
        (0, [("v", "0")]),
        (2.5, [("v", "2.5")]),
        (-1e21, [("v", "-1e+21")]),
        (None, [("v", "")]),
        ([1, True, None, "x"], [("v", "1"), ("v", "true"), ("v", "x")]),
        ({"a": None, "b": False}, [("b", "false")]),
        ([[1, 2], {"k": "é"}], [("v", "[1,2]"), ("v", '{"k":"é"}')]),
        ({"nested": {"k": [1]}}, [("nested", '{"k":[1]}')]),
        (("a", "b"), [("v", "a"), ("v", "b")]),
    ],
)
def test_query_pairs_of_primitives_and_nested_values(
    value: object, expected: list[tuple[str, str]]
) -> None:
    assert s.query_pairs("v", value) == expected


def test_query_defaults_are_form_exploded() -> None:
    assert s.query_pairs("color", COLOR_ARRAY) == [("color", c) for c in COLOR_ARRAY]
    assert s.query_pairs("color", COLOR_ARRAY, "form", False) == [("color", "blue,black,brown")]
    assert s.query_pairs("c", ["a b", "c|d"], "pipeDelimited", False) == [("c", "a b|c|d")]


def test_query_string_encodes_data_but_not_delimiters() -> None:
    assert s.query_string("q", ["a,b", "c&d", "e=f", "ü"], "form", False) == (
        "q=a%2Cb,c%26d,e%3Df,%C3%BC"
    )
    assert s.query_string("q", {"k[1]": "x y"}, "deepObject") == "q%5Bk%5B1%5D%5D=x%20y"
    assert s.query_string("a b", "~-._") == "a%20b=~-._"


@pytest.mark.parametrize(
    ("value", "style", "explode", "expected"),
    [
        ("a/b?c#d", "simple", False, "a%2Fb%3Fc%23d"),
        ("a b%c", "simple", False, "a%20b%25c"),
        ("x;y=z,w", "matrix", False, ";id=x%3By%3Dz%2Cw"),
        ("v.1", "label", False, ".v.1"),  # '.' is unreserved: RFC 6570 leaves it
        (["a,b", "c/d"], "simple", False, "a%2Cb,c%2Fd"),
        (["a,b", "c/d"], "label", True, ".a%2Cb.c%2Fd"),
        ({"k/1": "v;2"}, "matrix", True, ";k%2F1=v%3B2"),
        ({"k": ""}, "matrix", True, ";k"),
        (["", "x"], "matrix", True, ";id;id=x"),
        ("日本", "simple", False, "%E6%97%A5%E6%9C%AC"),
        ("~-._", "simple", False, "~-._"),
        (True, "simple", False, "true"),
        (3.25, "label", False, ".3.25"),
        (12, "matrix", False, ";id=12"),
    ],
)
def test_path_value_percent_encodes_reserved_characters(
    value: object, style: str, explode: bool, expected: str
) -> None:
    assert s.path_value("id", value, style, explode) == expected


def test_path_value_encodes_the_name_in_matrix_style() -> None:
    assert s.path_value("a;b", "x", "matrix") == ";a%3Bb=x"


def test_path_value_is_sent_as_is_by_httpx() -> None:
    segment = s.path_value("id", ["a/b", "c"], "matrix", True)
    request = httpx.Request("GET", f"https://api.example/items/{segment}/tags")
    assert request.url.raw_path == b"/items/;id=a%2Fb;id=c/tags"


@pytest.mark.parametrize(
    ("function", "style"),
    [
        (lambda style: s.path_value("p", "v", style), "form"),
        (lambda style: s.path_value("p", "v", style), "deepObject"),
        (lambda style: s.query_pairs("p", "v", style), "simple"),
        (lambda style: s.query_string("p", "v", style), "matrix"),
        (lambda style: s.cookie_pairs("p", "v", style=style), "simple"),
    ],
)
def test_styles_outside_their_location_raise(function: Any, style: str) -> None:
    with pytest.raises(ValueError, match=f"style '{style}' is not a"):
        function(style)


def test_header_value_is_not_percent_encoded_and_refuses_line_breaks() -> None:
    assert s.header_value(["a b", "c/d"]) == "a b,c/d"
    assert s.header_value(42) == "42"
    assert s.header_value({"k": True}, explode=True) == "k=true"
    for bad in ("a\r\nX-Injected: 1", ["ok", "a\nb"], "nul\0"):
        with pytest.raises(ValueError, match="line break or NUL"):
            s.header_value(bad)


@pytest.mark.parametrize(
    ("value", "explode", "expected"),
    [
        ("abc+/=", True, "sid=abc+/="),  # base64 passes unchanged
        ('a b;c,d"e\\f%', True, "sid=a%20b%3Bc%2Cd%22e%5Cf%25"),
        ("é", True, "sid=%C3%A9"),
        (["a,b", "c"], False, "sid=a%2Cb,c"),
        (["a", "b"], True, "sid=a; sid=b"),
        ({"x y": 1, "k": None}, True, "x%20y=1"),
        ({"a": 1, "b": "c d"}, False, "sid=a,1,b,c%20d"),
        (None, True, "sid="),
    ],
)
def test_cookie_pairs_encode_only_what_a_cookie_cannot_hold(
    value: object, explode: bool, expected: str
) -> None:
    assert s.cookie_header(s.cookie_pairs("sid", value, explode)) == expected


def test_cookie_style_sends_values_unencoded_and_refuses_what_needs_escaping() -> None:
    assert s.cookie_pairs("sid", ["a%20b", "c"], False, style="cookie") == [("sid", "a%20b,c")]
    assert s.cookie_pairs("sid", {"R": 1, "G": 2}, style="cookie") == [("R", "1"), ("G", "2")]
    for bad in ("a b", "a;b", "a,b", "é", ["ok", 'q"']):
        with pytest.raises(ValueError, match="must already be escaped"):
            s.cookie_pairs("sid", bad, style="cookie")


def test_cookie_header_is_sent_by_httpx() -> None:
    pairs = s.cookie_pairs("theme", "dark") + s.cookie_pairs("ids", [1, 2], explode=False)
    request = httpx.Request(
        "GET", "https://api.example/", headers={"Cookie": s.cookie_header(pairs)}
    )
    assert request.headers["cookie"] == "theme=dark; ids=1,2"


# --- request bodies ---------------------------------------------------------------------------


def test_form_fields_match_openapi_url_encoded_form_with_json_values() -> None:
    # OpenAPI 3.1.1 'Example: URL Encoded Form with JSON Values' (no Encoding Object).
    payload = {
        "id": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
        "address": {
            "streetAddress": "123 Example Dr.",
            "city": "Somewhere",
            "state": "CA",
            "zip": "99999+1234",
        },
    }
    expected_body = (
        "id=f81d4fae-7dec-11d0-a765-00a0c91e6bf6&address=%7B%22streetAddress%22:%22123+Example"
        "+Dr.%22,%22city%22:%22Somewhere%22,%22state%22:%22CA%22,%22zip%22:%2299999%2B1234%22%7D"
    )
    fields = s.form_fields(payload)
    assert fields == parse_qsl(expected_body)
    assert parse_qsl(urlencode(fields)) == fields


@pytest.mark.parametrize(
    ("payload", "styles", "expected"),
    [
        (
            {"a": "x y", "n": 1.5, "b": False, "z": None},
            None,
            [("a", "x y"), ("n", "1.5"), ("b", "false")],
        ),
        ({"tag": ["a", None, 2, {"k": 1}]}, None, [("tag", "a"), ("tag", "2"), ("tag", '{"k":1}')]),
        ({"tag": []}, None, []),
        ({"o": {"R": 1, "G": 2}}, {"o": ("form", True)}, [("R", "1"), ("G", "2")]),
        ({"o": {"R": 1}}, {"o": ("deepObject", True)}, [("o[R]", "1")]),
        ({"t": ["a", "b"]}, {"t": ("form", False)}, [("t", "a,b")]),
        ({"t": ["a", "b"]}, {"t": ("spaceDelimited", False)}, [("t", "a b")]),
        (
            {"x": 1, "t": ["a", "b"]},
            {"other": ("form", False)},
            [("x", "1"), ("t", "a"), ("t", "b")],
        ),
    ],
)
def test_form_fields(
    payload: dict[str, object],
    styles: dict[str, tuple[str, bool]] | None,
    expected: list[tuple[str, str]],
) -> None:
    assert s.form_fields(payload, styles) == expected


def test_form_fields_round_trip_through_httpx() -> None:
    fields = s.form_fields({"scope": ["read", "write"], "code": "a&b=c", "n": 3})
    request = httpx.Request(
        "POST",
        "https://api.example/token",
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert request.read() == b"scope=read&scope=write&code=a%26b%3Dc&n=3"
    assert parse_qsl(request.read().decode()) == fields


def test_multipart_parts_follow_encoding_object_defaults() -> None:
    payload = {
        "id": "f81d4fae",
        "count": 3,
        "public": True,
        "missing": None,
        "profileImage": b"\x89PNG\r\n\x00",
        "address": {"city": "Zürich"},
        "tags": ["a", "b"],
        "files": [b"one", bytearray(b"two")],
        "addresses": [{"n": 1}, {"n": 2}],
    }
    assert s.multipart_parts(payload) == [
        ("id", (None, b"f81d4fae", None)),
        ("count", (None, b"3", None)),
        ("public", (None, b"true", None)),
        ("profileImage", ("profileImage", b"\x89PNG\r\n\x00", "application/octet-stream")),
        ("address", (None, '{"city":"Zürich"}'.encode(), "application/json")),
        ("tags", (None, b"a", None)),
        ("tags", (None, b"b", None)),
        ("files", ("files", b"one", "application/octet-stream")),
        ("files", ("files", b"two", "application/octet-stream")),
        ("addresses", (None, b'{"n":1}', "application/json")),
        ("addresses", (None, b'{"n":2}', "application/json")),
    ]
    assert s.multipart_parts({}) == []


def test_multipart_round_trip_through_httpx_request() -> None:
    payload = {
        "note": "héllo\r\nworld",
        "image": b"\x00\xff binary",
        "meta": {"tags": ["x"]},
        "ids": [1, 2],
    }
    request = httpx.Request("POST", "https://api.example/upload", files=s.multipart_parts(payload))
    body = request.read()
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    assert message.is_multipart()
    parts = [
        (
            part.get_param("name", header="content-disposition"),
            part.get_filename(),
            part.get("content-type"),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    ]
    assert parts == [
        ("note", None, None, "héllo\r\nworld".encode()),
        ("image", "image", "application/octet-stream", b"\x00\xff binary"),
        ("meta", None, "application/json", b'{"tags":["x"]}'),
        ("ids", None, None, b"1"),
        ("ids", None, None, b"2"),
    ]


# --- payload replacements: JSON Pointer -------------------------------------------------------

DOCUMENT: dict[str, Any] = {
    "user": {"name": "ann", "roles": ["a", "b"], "a/b": 1, "m~n": 2},
    "items": [{"id": 1}, {"id": 2}],
    "flag": None,
}


@pytest.mark.parametrize(
    ("pointer", "value", "changed"),
    [
        ("/user/name", "bob", lambda d: d["user"].update(name="bob")),
        ("/user/roles/1", "z", lambda d: d["user"]["roles"].__setitem__(1, "z")),
        ("/user/roles/-", "c", lambda d: d["user"]["roles"].append("c")),
        ("/user/a~1b", 9, lambda d: d["user"].update({"a/b": 9})),
        ("/user/m~0n", 9, lambda d: d["user"].update({"m~n": 9})),
        ("/items/0/id", {"x": [1]}, lambda d: d["items"][0].update(id={"x": [1]})),
        ("/flag", True, lambda d: d.update(flag=True)),
        ("/new", 1, lambda d: d.update(new=1)),
        ("/user/address/city", "Oslo", lambda d: d["user"].update(address={"city": "Oslo"})),
        ("/a/b/c", 0, lambda d: d.update(a={"b": {"c": 0}})),
        ("/items/-/id", 3, lambda d: d["items"].append({"id": 3})),
        ("/", "empty key", lambda d: d.update({"": "empty key"})),
    ],
)
def test_replace_pointer(pointer: str, value: object, changed: Any) -> None:
    original = copy.deepcopy(DOCUMENT)
    expected = copy.deepcopy(DOCUMENT)
    changed(expected)
    assert s.replace_pointer(DOCUMENT, pointer, value) == expected
    assert original == DOCUMENT  # the input is not mutated


def test_replace_pointer_returns_an_independent_copy() -> None:
    value = {"deep": [1]}
    result = s.replace_pointer(DOCUMENT, "/user/extra", value)
    assert isinstance(result, dict)
    result["user"]["roles"].append("mutated")
    result["user"]["extra"]["deep"].append(2)
    assert DOCUMENT["user"]["roles"] == ["a", "b"]
    assert value == {"deep": [1]}


def test_replace_pointer_empty_pointer_replaces_the_whole_document() -> None:
    assert s.replace_pointer(DOCUMENT, "", [1]) == [1]
    assert s.replace_pointer([1, 2], "/0", 5) == [5, 2]
    assert s.replace_pointer([], "/-", "x") == ["x"]


@pytest.mark.parametrize(
    ("document", "pointer", "message"),
    [
        (DOCUMENT, "/items/2", r"'/items' is an array of 2 items, '2' is not one of its indexes"),
        (DOCUMENT, "/items/5/id", r"'/items' is an array of 2 items, '5'"),
        (DOCUMENT, "/items/01", r"'01' is not one of its indexes"),
        (DOCUMENT, "/items/x", r"'x' is not one of its indexes"),
        (DOCUMENT, "/user/name/first", r"'/user/name' is a string, not an object or array"),
        (DOCUMENT, "/flag/x", r"'/flag' is null, not an object or array"),
        (DOCUMENT, "/items/0/id/x", r"'/items/0/id' is a int value"),
        ([True], "/0/x", r"'/0' is a boolean"),
        ("text", "/x", r"the document is a string"),
        (DOCUMENT, "user", r"must be empty or start with '/'"),
        (DOCUMENT, "/user/a~2b", r"'~' must be followed by 0 or 1"),
        (DOCUMENT, "/user~", r"'~' must be followed by 0 or 1"),
    ],
)
def test_replace_pointer_errors(document: object, pointer: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        s.replace_pointer(document, pointer, 1)


# --- payload replacements: XPath --------------------------------------------------------------

XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<order xmlns:p="urn:pay" id="o1">'
    "<!-- keep me -->"
    '<item sku="A" qty="1"><name>Apple</name></item>'
    '<item sku="B" qty="2"><name>Pear</name></item>'
    "<p:payment><p:amount>0</p:amount></p:payment>"
    "<note>old<b>bold</b></note>"
    "</order>"
)


def _xml(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<order xmlns:p="urn:pay" id="o1"><!-- keep me -->{body}</order>'
    )


ITEMS = '<item sku="A" qty="1"><name>{a}</name></item><item sku="B" qty="2"><name>{b}</name></item>'
REST = "<p:payment><p:amount>{amount}</p:amount></p:payment><note>{note}</note>"


def _order(
    a: str = "Apple", b: str = "Pear", amount: str = "0", note: str = "old<b>bold</b>"
) -> str:
    return _xml(ITEMS.format(a=a, b=b) + REST.format(amount=amount, note=note))


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("/order/item/name", "X", _order(a="X", b="X")),
        ("//name", "X", _order(a="X", b="X")),
        ("/order/item[@sku='B']/name", "Kiwi", _order(b="Kiwi")),
        ('/order/item[@sku="A"]/name', "Kiwi", _order(a="Kiwi")),
        ("/order/item[@sku!='A']/name", "Kiwi", _order(b="Kiwi")),
        ("/order/item[2]/name", "Kiwi", _order(b="Kiwi")),
        ("/order/item[last()]/name", "Kiwi", _order(b="Kiwi")),
        ("/order/item[last()-1]/name", "Kiwi", _order(a="Kiwi")),
        ("/order/item[name='Pear']/name", "Kiwi", _order(b="Kiwi")),
        ("//name[.='Apple']", "Kiwi", _order(a="Kiwi")),
        ("/order/*[@qty]/name", "Q", _order(a="Q", b="Q")),
        ("order/item[1]/name", "rel", _order(a="rel")),
        ("/order/p:payment/p:amount", 12.5, _order(amount="12.5")),
        ("//p:amount", True, _order(amount="true")),
        ("/order/note", "a < b & c", _order(note="a &lt; b &amp; c")),
        (
            "/order/note",
            None,
            _xml(ITEMS.format(a="Apple", b="Pear")).replace(
                "</order>", "<p:payment><p:amount>0</p:amount></p:payment><note/></order>"
            ),
        ),
        ("//b/..", "flat", _order(note="flat")),
        ("/order/item[@sku='A']/name/.", "dot", _order(a="dot")),
    ],
)
def test_replace_xpath_sets_element_text(path: str, value: object, expected: str) -> None:
    assert _order() == XML
    assert s.replace_xpath(XML, path, value) == expected


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "/order/item/@qty",
            5,
            _order().replace('qty="1"', 'qty="5"').replace('qty="2"', 'qty="5"'),
        ),
        ("/order/item[@sku='B']/@qty", "9", _order().replace('qty="2"', 'qty="9"')),
        ("/order/@id", 'o"2', _order().replace('id="o1"', 'id="o&quot;2"')),
        ("//@sku", "Z", _order().replace('sku="A"', 'sku="Z"').replace('sku="B"', 'sku="Z"')),
    ],
)
def test_replace_xpath_sets_attributes(path: str, value: object, expected: str) -> None:
    assert s.replace_xpath(XML, path, value) == expected


def test_replace_xpath_without_declaration_and_with_root_match() -> None:
    # XPath string-value: the outer <a> holds "1" as well, so both match (the inner one is
    # replaced together with the rest of the outer one's content).
    assert s.replace_xpath("<a><a>1</a></a>", "//a[.='1']", "2") == "<a>2</a>"
    assert s.replace_xpath("<a><a>1</a>x</a>", "//a[.='1']", "2") == "<a><a>2</a>x</a>"
    assert s.replace_xpath("<a>x</a>", "//a", "y") == "<a>y</a>"
    assert s.replace_xpath("<r><i/><i/></r>", "//i[1]", "1") == "<r><i>1</i><i/></r>"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/order/missing", "selects no element"),
        ("/order/item[@sku='C']", "selects no element"),
        ("/order/item[3]", "selects no element"),
        ("/order/@missing", "selects no element"),
        ("/order/item/name/text()", "outside the supported subset"),
        ("/order/item | /order/note", "outside the supported subset"),
        ("/order/child::item", "outside the supported subset"),
        ("/order/item[position()=1]", "outside the supported subset"),
        ("/order/item[@qty>1]", "outside the supported subset"),
        ("/order/", "outside the supported subset"),
        ("", "outside the supported subset"),
        ("/order/@id/x", "an attribute can only be the last step"),
        ("/order/@id[1]", "an attribute can only be the last step"),
    ],
)
def test_replace_xpath_errors(path: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        s.replace_xpath(XML, path, "v")


@pytest.mark.parametrize(
    "xml_text",
    [
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        "<r>&b;</r>",
        '<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>',
        "<!DOCTYPE r><r/>",
    ],
)
def test_replace_xpath_refuses_a_doctype(xml_text: str) -> None:
    with pytest.raises(ValueError, match="DOCTYPE"):
        s.replace_xpath(xml_text, "/r", "v")


def test_replace_xpath_refuses_malformed_xml() -> None:
    with pytest.raises(ValueError, match="not well-formed"):
        s.replace_xpath("<r><a></r>", "/r", "v")


def test_replace_xpath_keeps_a_non_utf8_declaration() -> None:
    text = "<?xml version='1.0' encoding='ISO-8859-1'?>\n<r a=\"é\">x</r>"
    assert (
        s.replace_xpath(text, "/r", "ü")
        == "<?xml version='1.0' encoding='ISO-8859-1'?>\n<r a=\"é\">ü</r>"
    )


# --- generator.serialization ------------------------------------------------------------------


def test_default_styles_by_location() -> None:
    assert OPENAPI_DEFAULT_STYLE == {
        "path": "simple",
        "query": "form",
        "header": "simple",
        "cookie": "form",
    }


@pytest.mark.parametrize(
    ("location", "style", "explode", "expected"),
    [
        ("query", None, None, ("form", True)),
        ("path", None, None, ("simple", False)),
        ("header", None, None, ("simple", False)),
        ("cookie", None, None, ("form", True)),
        ("query", "form", False, ("form", False)),
        ("query", "spaceDelimited", None, ("spaceDelimited", False)),
        ("query", "pipeDelimited", True, ("pipeDelimited", True)),
        ("query", "deepObject", None, ("deepObject", True)),
        ("query", "deepObject", False, ("deepObject", True)),
        ("path", "matrix", True, ("matrix", True)),
        ("path", "label", None, ("label", False)),
        ("header", "simple", True, ("simple", True)),
        ("cookie", "cookie", None, ("cookie", True)),
        ("path", "form", None, "style 'form' is not allowed for a path parameter"),
        ("query", "simple", None, "style 'simple' is not allowed for a query parameter"),
        ("header", "label", None, "allowed: simple"),
        ("cookie", "deepObject", None, "allowed: form, cookie"),
        ("querystring", None, None, "parameters in 'querystring' have no style"),
        ("body", "form", None, "parameters in 'body' have no style"),
    ],
)
def test_validate_style(
    location: str, style: str | None, explode: bool | None, expected: tuple[str, bool] | str
) -> None:
    result = validate_style(location, style, explode)
    if isinstance(expected, str):
        assert isinstance(result, str) and expected in result
    else:
        assert result == expected


def test_validated_styles_are_accepted_by_the_runtime_helpers() -> None:
    helpers: dict[str, Callable[[str, bool], object]] = {
        "path": lambda style, explode: s.path_value("p", [1], style, explode),
        "query": lambda style, explode: s.query_pairs("p", [1], style, explode),
        "cookie": lambda style, explode: s.cookie_pairs("p", [1], explode, style=style),
        "header": lambda style, explode: s.header_value([1], explode),
    }
    for location, helper in helpers.items():
        for style in (
            "simple",
            "label",
            "matrix",
            "form",
            "spaceDelimited",
            "pipeDelimited",
            "deepObject",
            "cookie",
        ):
            result = validate_style(location, style, None)
            if isinstance(result, tuple):
                helper(*result)


@pytest.mark.parametrize(
    ("annotation", "simple"),
    [
        ("str", True),
        ("int", True),
        ("float", True),
        ("bool", True),
        ("str | None", True),
        ("None", True),
        ("int|None", True),
        ("Any", False),
        ("list[str]", False),
        ("list[str] | None", False),
        ("dict[str, Any]", False),
        ("str | int", True),
        ("", False),
    ],
)
def test_is_simple_value_type(annotation: str, simple: bool) -> None:
    assert is_simple_value_type(annotation) is simple


@pytest.mark.parametrize(
    ("style", "annotation", "needed"),
    [
        ("form", "str", False),
        ("simple", "int | None", False),
        ("deepObject", "bool", False),
        ("label", "str", True),
        ("matrix", "int", True),
        ("form", "list[int]", True),
        ("simple", "Any", True),
    ],
)
def test_needs_serializer(style: str, annotation: str, needed: bool) -> None:
    assert needs_serializer(style, annotation) is needed
