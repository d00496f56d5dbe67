"""Tests of the emitters that turn untrusted document text into Python source."""

from __future__ import annotations

import ast
import enum
import inspect
import io
import keyword
import tokenize
import unicodedata
from typing import Any

import black
import pytest
from budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.emit import (
    MAX_IDENTIFIER_LENGTH,
    MAX_LITERAL_DEPTH,
    MAX_MODULE_NAME_LENGTH,
    SHORTENED_NOTE,
    Style,
    comment,
    comment_lines,
    docstring,
    docstring_value,
    excerpt,
    identifier,
    literal,
    module_name,
)

HOSTILE_PIECES = [
    '"""',
    "'''",
    '"',
    "'",
    "\\",
    "\\\n",
    "\n",
    "\r",
    "\r\n",
    "\x00",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1f",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\ud800",
    "\udfff",
    "\t",
    " ",
    "\xa0",
    "\u3000",
    "{",
    "}",
    "{0}",
    "%s",
    "\\N{BULLET}",
    "\\x00",
    "\\u2028",
    "class",
    "match",
    "type",
    "_",
    "__import__('os')",
    "# coding: unicode_escape",
    "coding=latin-1",
    "type: ignore",
    "fmt: off",
    "é",
    "日本",
    "ﬁ",
    "ǅ",
    "\u0301",
    "HTTPResponse",
    "userID",
    "1",
]
ALL_CHARACTERS = st.characters(exclude_categories=())
HOSTILE_TEXT = st.lists(
    st.one_of(st.text(ALL_CHARACTERS, max_size=8), st.sampled_from(HOSTILE_PIECES)), max_size=12
).map("".join)
STYLES: list[Style] = ["snake", "pascal", "upper_snake"]
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
PROPERTY = settings(max_examples=examples(200), deadline=None)
BLACK = black.Mode(line_length=100)


def run(source: str) -> dict[str, Any]:
    """Compile `source` as a UTF-8 file would be, execute it and return its namespace."""
    namespace: dict[str, Any] = {}
    exec(compile(source.encode("utf-8"), "<generated>", "exec"), namespace)
    del namespace["__builtins__"]
    return namespace


def same(left: object, right: object) -> bool:
    """Equality that also requires equal types, treats nan as nan and keeps the sign of 0."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float) and isinstance(right, float):
        return repr(left) == repr(right)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(map(same, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return list(left) == list(right) and all(same(left[k], right[k]) for k in left)
    return left == right


# --- literal --------------------------------------------------------------------------------


class Color(enum.IntEnum):
    RED = 1


class EvilStr(str):
    def __str__(self) -> str:
        return "__import__('os')"

    def __repr__(self) -> str:
        return "__import__('os')"


class EvilInt(int):
    def __repr__(self) -> str:
        return "__import__('os')"


class EvilFloat(float):
    def __repr__(self) -> str:
        return "__import__('os')"


class EvilList(list[object]):
    def __repr__(self) -> str:
        return "__import__('os')"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "None"),
        (True, "True"),
        (False, "False"),
        (0, "0"),
        (-17, "-17"),
        (Color.RED, "1"),
        (EvilInt(5), "5"),
        (1.5, "1.5"),
        (-0.0, "-0.0"),
        (1e300, "1e+300"),
        (EvilFloat(2.5), "2.5"),
        (float("nan"), 'float("nan")'),
        (float("inf"), 'float("inf")'),
        (float("-inf"), '-float("inf")'),
        ("", '""'),
        ("it's", '"it\'s"'),
        ('say "hi"', "'say \"hi\"'"),
        ("a\nb\r\\\x00", '"a\\nb\\r\\\\\\x00"'),
        ("\u2028\u202e\ud800", '"\\u2028\\u202e\\ud800"'),
        ("{0} %s", '"{0} %s"'),
        (EvilStr("plain"), '"plain"'),
        ([], "[]"),
        ([1, "a", None], '[1, "a", None]'),
        (EvilList([1]), "[1]"),
        ((), "()"),
        ((1,), "(1,)"),
        ((1, 2), "(1, 2)"),
        ({}, "{}"),
        ({"b": 1, "a": [True]}, '{"b": 1, "a": [True]}'),
        ({EvilStr("k"): EvilStr("v")}, '{"k": "v"}'),
    ],
)
def test_literal(value: object, expected: str) -> None:
    assert literal(value) == expected


@pytest.mark.parametrize("value", [b"x", {1, 2}, object(), 1j, {1: "a"}, [{"a": b"x"}]])
def test_literal_rejects_other_types(value: object) -> None:
    with pytest.raises(TypeError):
        literal(value)


def test_literal_rejects_deep_nesting_and_cycles() -> None:
    deep: list[object] = []
    for _ in range(MAX_LITERAL_DEPTH + 1):
        deep = [deep]
    with pytest.raises(ValueError, match="nested"):
        literal(deep)
    cyclic: list[object] = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="nested"):
        literal(cyclic)


def test_literal_at_maximum_depth_compiles() -> None:
    deep: list[object] = []
    for _ in range(MAX_LITERAL_DEPTH - 1):
        deep = [deep]
    assert same(run(f"x = {literal(deep)}\n")["x"], deep)


def test_literal_of_huge_int_uses_hex() -> None:
    huge = -(10**5000) - 7
    source = literal(huge)
    assert source.startswith("-0x")
    assert run(f"x = {source}\n")["x"] == huge


def json_values(*, finite: bool) -> st.SearchStrategy[object]:
    floats = st.floats(allow_nan=not finite, allow_infinity=not finite)
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), floats, HOSTILE_TEXT)
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.lists(inner, max_size=4).map(tuple),
            st.dictionaries(HOSTILE_TEXT, inner, max_size=4),
        ),
        max_leaves=12,
    )


@PROPERTY
@given(json_values(finite=False))
def test_literal_round_trips(value: object) -> None:
    source = literal(value)
    assert "\n" not in source and "\r" not in source
    assert len(source.splitlines()) == 1
    assert same(run(f"x = {source}\n")["x"], value)
    assert literal(value) == source


@PROPERTY
@given(json_values(finite=True))
def test_literal_is_a_python_literal(value: object) -> None:
    assert same(ast.literal_eval(literal(value)), value)


# --- docstring ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "indent", "expected"),
    [
        ("Hello.", "    ", '"""Hello."""'),
        ("  Hello.  \n\n", "    ", '"""Hello."""'),
        ('Say "hi"', "", '"""Say "hi\\x22"""'),
        ('"Quoted" first', "", '"""\\"Quoted" first"""'),
        ("a\\b\\", "", '"""a\\\\b\\\\"""'),
        ('a """ b """"', "", '"""a \\"\\"\\" b \\"\\"\\"\\x22"""'),
        (
            "Line one\r\nline two\rline three",
            "    ",
            '"""Line one\n    line two\n    line three\n    """',
        ),
        ("Summary.\n\n  Indented\n    more\n", "  ", '"""Summary.\n\n  Indented\n    more\n  """'),
        ("tab\there", "", '"""tab     here"""'),
        ("nul\x00 esc\x1b del\x7f bidi\u202e.", "", '"""nul esc del bidi."""'),
        ("lone \ud800 surrogate", "", '"""lone \ufffd surrogate"""'),
        ('end quote"\nnext', "", '"""end quote"\nnext\n"""'),
    ],
)
def test_docstring(text: str, indent: str, expected: str) -> None:
    assert docstring(text, indent) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Hello.", "Hello."),
        ("\n\n  Hello.\n    world  \n  again\n\n", "Hello.\n  world\nagain"),
        ("a\u2028b\u2029c\x85d\x0be\x0cf\x1cg", "a\nb\nc\nd\ne\nf\ng"),
        ("\x00\x01\x1f\u2066\u2069", ""),
        ("   \n\t\n", ""),
        ("", ""),
    ],
)
def test_docstring_value(text: str, value: str) -> None:
    assert docstring_value(text) == value


@pytest.mark.parametrize("text", ["", "   ", "\n\r\n", "\x00\x1b"])
def test_docstring_rejects_empty_text(text: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        docstring(text)


@pytest.mark.parametrize("indent", ["\t", "  x", "\n"])
def test_docstring_rejects_non_space_indent(indent: str) -> None:
    with pytest.raises(ValueError, match="indent"):
        docstring("text", indent)


def expected_raw_doc(value: str, indent: str) -> str:
    """The documented contract for the compiled `__doc__`."""
    first, *rest = value.split("\n")
    raw = first + "".join("\n" + (indent + line if line else "") for line in rest)
    return raw + "\n" + indent if rest else raw


def function_source(doc: str, indent: str) -> str:
    """Source placing `doc` in a module, a function or a method, by indent width."""
    if indent == "":
        return f"{doc}\n"
    if indent == "    ":
        return f"def f():\n    {doc}\n    pass\n"
    return f"class C:\n    def f(self):\n        {doc}\n        pass\n"


def compiled_doc(source: str, indent: str) -> str:
    namespace = run(source)
    if indent == "":
        assert list(namespace) == ["__doc__"]
        doc = namespace["__doc__"]
    elif indent == "    ":
        assert list(namespace) == ["f"]
        doc = namespace["f"].__doc__
    else:
        assert list(namespace) == ["C"]
        doc = namespace["C"].f.__doc__
    assert isinstance(doc, str)
    return doc


def only_docstring_node(source: str, indent: str) -> bool:
    tree = ast.parse(source)
    body = tree.body
    if indent:
        node = tree.body[-1]
        while isinstance(node, ast.ClassDef):
            node = node.body[0]
        assert isinstance(node, ast.FunctionDef)
        body = node.body
    first = body[0]
    is_string = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    return is_string and len(body) == (1 if not indent else 2)


INDENTS = st.sampled_from(["", "    ", "        "])


@PROPERTY
@given(HOSTILE_TEXT, INDENTS)
def test_docstring_contract(text: str, indent: str) -> None:
    value = docstring_value(text)
    if not value:
        with pytest.raises(ValueError):
            docstring(text, indent)
        return
    source = function_source(docstring(text, indent), indent)
    assert only_docstring_node(source, indent)
    raw = compiled_doc(source, indent)
    assert raw == expected_raw_doc(value, indent)
    assert inspect.cleandoc(raw) == value


@PROPERTY
@given(HOSTILE_TEXT)
def test_docstring_value_is_clean_and_idempotent(text: str) -> None:
    value = docstring_value(text)
    assert docstring_value(value) == value
    assert value == value.strip()
    for line in value.split("\n"):
        assert line == line.rstrip()
        assert line.splitlines() in ([line], [])
        assert all(unicodedata.category(char) not in ("Cc", "Cs") for char in line)
        assert not BIDI_CONTROLS & set(line)


@settings(max_examples=examples(100), deadline=None)
@given(HOSTILE_TEXT, INDENTS)
def test_docstring_is_stable_under_black(text: str, indent: str) -> None:
    if not docstring_value(text):
        return
    source = function_source(docstring(text, indent), indent)
    assert black.format_str(source, mode=BLACK) == source


# --- comments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", "# hello"),
        ("  indented  ", "#   indented"),
        ("one\r\ntwo\rthree\u2028four\x85five", "# one\n# two\n# three\n# four\n# five"),
        ("\n\nfirst\n\n\nlast\n\n", "# first\n#\n#\n# last"),
        ("nul\x00 esc\x1b bidi\u202e\u2066.", "# nul esc bidi."),
        ("tab\tstop", "# tab     stop"),
        ("-*- coding: unicode_escape -*-", "# -*- coding : unicode_escape -*-"),
        ("vim: set fileencoding=latin-1", "# vim: set fileencoding =latin-1"),
        ("type: ignore", "# > type: ignore"),
        ("  fmt: off", "# >   fmt: off"),
        ("noqa", "# > noqa"),
        ("ruff: noqa\nmypy: ignore-errors", "# > ruff: noqa\n# > mypy: ignore-errors"),
        ("Type of the thing", "# Type of the thing"),
        ("Type: string\nPragma: no-cache", "# Type: string\n# Pragma: no-cache"),
        ("NOQA", "# > NOQA"),
        ("Coding: Python", "# Coding: Python"),
        ("", ""),
        ("  \n\x00\n", ""),
    ],
)
def test_comment(text: str, expected: str) -> None:
    assert comment(text) == expected


def test_comment_lines_wraps_on_whitespace() -> None:
    text = "alpha beta gamma delta epsilon\n\nhttps://example.com/a/very/long/url/that/stays/whole"
    assert comment_lines(text, width=20) == [
        "# alpha beta gamma",
        "# delta epsilon",
        "#",
        "# https://example.com/a/very/long/url/that/stays/whole",
    ]


def test_comment_lines_neutralises_directives_after_wrapping() -> None:
    assert comment_lines("see the field type: ignore it", width=16) == [
        "# see the field",
        "# > type: ignore",
        "# it",
    ]


def test_comment_lines_of_blank_text_is_empty() -> None:
    assert comment_lines(" \n ") == []


def test_comment_lines_rejects_tiny_width() -> None:
    with pytest.raises(ValueError, match="width"):
        comment_lines("text", width=2)


def assert_inert(lines: list[str]) -> None:
    """The lines, even as the first lines of a file, are comments and nothing else."""
    source = "\n".join([*lines, "x = 1", *lines, ""])
    encoded = source.encode("utf-8")
    assert tokenize.detect_encoding(io.BytesIO(encoded).readline)[0] == "utf-8"
    tree = ast.parse(source, type_comments=True)
    assert [type(node) for node in tree.body] == [ast.Assign]
    assert run(source) == {"x": 1}
    for line in lines:
        assert line == "#" or line.startswith("# ")
        assert line.splitlines() == [line]


@PROPERTY
@given(HOSTILE_TEXT)
def test_comment_is_inert(text: str) -> None:
    result = comment(text)
    lines = result.split("\n") if result else []
    assert_inert(lines)
    assert len(lines) == len(comment_lines(text, width=10**6))


@PROPERTY
@given(HOSTILE_TEXT, st.integers(min_value=3, max_value=100))
def test_comment_lines_are_inert(text: str, width: int) -> None:
    assert_inert(comment_lines(text, width))


@PROPERTY
@given(st.text(), st.integers(min_value=10, max_value=100))
def test_comment_lines_respect_width(text: str, width: int) -> None:
    for line in comment_lines(text, width):
        body = (
            line[2:]
            .removeprefix("> ")
            .replace("coding :", "coding:")
            .replace("coding =", "coding=")
        )
        # textwrap breaks only at ASCII whitespace, so a word may hold e.g. a no-break space
        assert len(line) <= width + 2 or len(body.split(" ")) == 1


# --- identifier -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "snake", "pascal", "upper"),
    [
        ("clientKey", "client_key", "ClientKey", "CLIENT_KEY"),
        ("oauth-login-and-profile", "oauth_login_and_profile", "OauthLoginAndProfile", None),
        ("HTTPResponse", "http_response", "HttpResponse", "HTTP_RESPONSE"),
        ("userID", "user_id", "UserId", "USER_ID"),
        ("user_id", "user_id", "UserId", "USER_ID"),
        ("oauth2Token", "oauth2_token", "Oauth2Token", "OAUTH2_TOKEN"),
        ("get /pets/{petId}", "get_pets_pet_id", "GetPetsPetId", "GET_PETS_PET_ID"),
        ("café", "cafe", "Cafe", "CAFE"),
        ("ﬁle", "file", "File", "FILE"),
        ("日本", "u65e5_u672c", "U65e5U672c", "U65E5_U672C"),
        ("a\U0001f600b", "a_b", "AB", "A_B"),
        ("", "value", "Value", "VALUE"),
        ("_", "value", "Value", "VALUE"),
        ("%$#", "value", "Value", "VALUE"),
        ("123abc", "n_123abc", "N123abc", "N_123ABC"),
        ("2fa", "n_2fa", "N2fa", "N_2FA"),
        ("class", "class_", "Class", "CLASS"),
        ("match", "match_", "Match", "MATCH"),
        ("case", "case_", "Case", "CASE"),
        ("type", "type_", "Type", "TYPE"),
        ("true", "true", "True_", "TRUE"),
        ("none", "none", "None_", "NONE"),
        ("__import__('os')", "import_os", "ImportOs", "IMPORT_OS"),
        ("list", "list", "List", "LIST"),
    ],
)
def test_identifier(name: str, snake: str, pascal: str, upper: str | None) -> None:
    assert identifier(name) == snake
    assert identifier(name, style="pascal") == pascal
    if upper is not None:
        assert identifier(name, style="upper_snake") == upper


@PROPERTY
@given(HOSTILE_TEXT, st.sampled_from(STYLES))
def test_identifier_is_a_safe_name(name: str, style: Style) -> None:
    result = identifier(name, style=style)
    assert result.isidentifier()
    assert result.isascii()
    assert not keyword.iskeyword(result)
    assert result not in {"_", "case", "match", "type"}
    assert unicodedata.normalize("NFKC", result) == result
    if style == "snake":  # other styles lose word boundaries: "A:A" -> "AA" -> "Aa"
        assert identifier(result) == result
    assert identifier(unicodedata.normalize("NFKC", name), style=style) == result


@pytest.mark.parametrize("style", STYLES)
def test_identifier_shortens_long_names_distinctly(style: Style) -> None:
    inputs = identifier("w" * 100_000 + " Inputs", style=style)
    outputs = identifier("w" * 100_000 + " Outputs", style=style)
    other = identifier("w" * 99_999 + "v Inputs", style=style)
    assert max(len(inputs), len(outputs), len(other)) <= MAX_IDENTIFIER_LENGTH
    assert len({inputs, outputs, other}) == 3
    assert inputs.lower().replace("_", "").endswith("inputs")
    assert identifier("a" * MAX_IDENTIFIER_LENGTH, style="snake") == "a" * MAX_IDENTIFIER_LENGTH


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("My Workflows", "my_workflows"),
        ("../../etc/passwd", "etc_passwd"),
        ("C:\\Windows\\system32", "c_windows_system32"),
        ("pets.arazzo", "pets_arazzo"),
        ("con", "con_"),
        ("NUL", "nul_"),
        ("com7", "com7_"),
        ("lpt1", "lpt1_"),
        ("console", "console"),
        ("__init__", "init"),
        ("", "value"),
    ],
)
def test_module_name(name: str, expected: str) -> None:
    assert module_name(name) == expected


def test_module_name_shortens_long_names_distinctly() -> None:
    first = module_name("workflow " * 20 + "one")
    second = module_name("workflow " * 20 + "two")
    assert first != second
    assert len(first) == len(second) == MAX_MODULE_NAME_LENGTH
    assert first.startswith("workflow_workflow_")


@PROPERTY
@given(HOSTILE_TEXT)
def test_module_name_is_a_safe_file_name(name: str) -> None:
    result = module_name(name)
    assert result.isidentifier() and result.isascii()
    assert not keyword.iskeyword(result)
    assert not any(char in result for char in "/\\.")
    assert not result.startswith("_")
    assert 0 < len(result) <= MAX_MODULE_NAME_LENGTH
    assert result not in {"con", "prn", "aux", "nul"}
    assert not (result[:3] in ("com", "lpt") and result[3:].isdigit() and len(result) == 4)


def test_excerpt_keeps_short_text_and_cuts_long_text_at_a_word() -> None:
    assert excerpt("short text") == "short text"
    long_text = "word " * 1000
    shortened = excerpt(long_text, 100)
    assert shortened.endswith(SHORTENED_NOTE)
    kept = shortened.removesuffix(SHORTENED_NOTE)
    assert long_text.startswith(kept) and kept.endswith("word") and len(kept) <= 100
    assert excerpt("x" * 300, 100) == "x" * 100 + SHORTENED_NOTE  # no space to cut at
