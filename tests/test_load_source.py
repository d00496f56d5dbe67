"""Tests for loading YAML/JSON documents with positions: generator.load.source."""

from __future__ import annotations

import datetime
import json
import math
import time
from pathlib import Path

import pytest
import yaml

from generator.diagnostics import Diagnostics, Location
from generator.load import source
from generator.load.source import LoadedDocument, load_document, pointer_join


def write(tmp_path: Path, text: str | bytes, name: str = "doc.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def load(
    tmp_path: Path, text: str | bytes, name: str = "doc.yaml", **limits: int
) -> tuple[LoadedDocument | None, Diagnostics]:
    diagnostics = Diagnostics()
    document = load_document(write(tmp_path, text, name), diagnostics, **limits)
    return document, diagnostics


def load_ok(tmp_path: Path, text: str | bytes, name: str = "doc.yaml") -> LoadedDocument:
    document, diagnostics = load(tmp_path, text, name)
    assert document is not None
    assert diagnostics.items == []
    return document


def messages(diagnostics: Diagnostics) -> list[str]:
    return [str(d) for d in diagnostics.items]


def single_error(diagnostics: Diagnostics) -> str:
    assert len(diagnostics.items) == 1, messages(diagnostics)
    assert diagnostics.has_errors
    return str(diagnostics.items[0])


def run_fallback_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "_LOADER", source._PythonLoader)


DOC = """\
arazzo: 1.0.1
info:
  title: Pets
  description: >-
    folded
    text
workflows:
  - workflowId: adopt
    steps:
      - stepId: find
        parameters: {a: 1, b: [x, y]}
      - stepId: buy
"""


# --- positions -----------------------------------------------------------------------------


def test_value_positions(tmp_path: Path) -> None:
    positions = load_ok(tmp_path, DOC).positions
    assert positions[""] == (1, 1)
    assert positions["/arazzo"] == (1, 9)
    assert positions["/info"] == (3, 3)
    assert positions["/info/title"] == (3, 10)
    assert positions["/info/description"] == (4, 16)
    assert positions["/workflows/0"] == (8, 5)
    assert positions["/workflows/0/steps/1/stepId"] == (12, 17)
    assert positions["/workflows/0/steps/0/parameters"] == (11, 21)
    assert positions["/workflows/0/steps/0/parameters/a"] == (11, 25)
    assert positions["/workflows/0/steps/0/parameters/b/1"] == (11, 35)


def test_values(tmp_path: Path) -> None:
    data = load_ok(tmp_path, DOC).data
    assert isinstance(data, dict)
    assert data["info"] == {"title": "Pets", "description": "folded text"}
    steps = data["workflows"][0]["steps"]
    assert steps[0]["parameters"] == {"a": 1, "b": ["x", "y"]}
    assert list(data) == ["arazzo", "info", "workflows"]


def test_key_positions(tmp_path: Path) -> None:
    document = load_ok(tmp_path, DOC)
    assert document.key_positions["/info"] == (2, 1)
    assert document.key_positions["/info/title"] == (3, 3)
    assert document.key_positions["/workflows/0/steps/1/stepId"] == (12, 9)
    assert document.key_positions["/workflows/0/steps/0/parameters/b"] == (11, 28)
    assert "/workflows/0" not in document.key_positions


def test_location_exact_key_and_fallback(tmp_path: Path) -> None:
    document = load_ok(tmp_path, DOC)
    file = document.display_path
    assert document.location("/info/title") == Location(file, 3, 10, "/info/title")
    assert document.location("/info/title", key=True) == Location(file, 3, 3, "/info/title")
    assert document.location("/info/version") == Location(file, 3, 3, "/info/version")
    assert document.location("/workflows/0/steps/7/x") == Location(
        file, 10, 7, "/workflows/0/steps/7/x"
    )
    # Without a key position, key=True falls back to the value (or an ancestor).
    assert document.location("/workflows/0", key=True).line == 8
    assert document.location("/nope/deeper", key=True) == Location(file, 1, 1, "/nope/deeper")


def test_pointer_escaping(tmp_path: Path) -> None:
    assert pointer_join("", "paths") == "/paths"
    assert pointer_join("/paths", "/pets/{id}") == "/paths/~1pets~1{id}"
    assert pointer_join("/a", "m~n") == "/a/m~0n"
    assert pointer_join("/list", 3) == "/list/3"
    document = load_ok(tmp_path, "paths:\n  /pets/{id}:\n    a~b: 1\n")
    assert document.positions["/paths/~1pets~1{id}/a~0b"] == (3, 10)


def test_display_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "a: 1\n", "spec.yaml")
    monkeypatch.chdir(tmp_path)
    document = load_document(Path("spec.yaml"), Diagnostics())
    assert document is not None
    assert document.path == path.resolve()
    assert document.display_path == "spec.yaml"
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path / "other")
    elsewhere = load_document(path, Diagnostics())
    assert elsewhere is not None
    assert elsewhere.display_path == str(path.resolve())


# --- YAML 1.2 core schema ------------------------------------------------------------------


def test_yaml_12_booleans(tmp_path: Path) -> None:
    data = load_ok(tmp_path, "[yes, no, on, off, y, n, Yes, true, True, TRUE, false, FALSE]").data
    assert data == ["yes", "no", "on", "off", "y", "n", "Yes", True, True, True, False, False]


def test_nulls_numbers_and_dates(tmp_path: Path) -> None:
    text = (
        "nulls: [~, null, Null, NULL, 'null']\n"
        "ints: [0, -5, +7, 012, 0x1F, 0o17, 1_000, '3']\n"
        "floats: [1.5, .5, 1e3, -2E-2, .inf, -.Inf, 1.]\n"
        "nan: .nan\n"
        "dates: [2024-01-01, 2024-01-01T10:00:00Z, 190:20:30]\n"
        "empty:\n"
    )
    data = load_ok(tmp_path, text).data
    assert isinstance(data, dict)
    assert data["nulls"] == [None, None, None, None, "null"]
    assert data["ints"] == [0, -5, 7, 12, 31, 15, "1_000", "3"]
    assert data["floats"] == [1.5, 0.5, 1000.0, -0.02, math.inf, -math.inf, 1.0]
    assert isinstance(data["nan"], float) and math.isnan(data["nan"])
    assert data["dates"] == ["2024-01-01", "2024-01-01T10:00:00Z", "190:20:30"]
    assert data["empty"] is None


def test_standard_explicit_tags(tmp_path: Path) -> None:
    data = load_ok(tmp_path, 'a: !!str 12\nb: !!int "0x10"\nc: !!float 1\nd: !!bool "true"\n').data
    assert data == {"a": "12", "b": 16, "c": 1.0, "d": True}


def test_pyyaml_global_resolvers_untouched(tmp_path: Path) -> None:
    load_ok(tmp_path, "a: yes\n")
    assert yaml.safe_load("a: yes\nb: 2024-01-01") == {"a": True, "b": datetime.date(2024, 1, 1)}


# --- reported problems ---------------------------------------------------------------------


def test_duplicate_keys(tmp_path: Path) -> None:
    document, diagnostics = load(tmp_path, "a: 1\nb:\n  x: 1\n  x: 2\na: 3\n")
    assert document is not None
    assert document.data == {"a": 1, "b": {"x": 1}}
    file = document.display_path
    assert sorted(messages(diagnostics)) == [
        f"{file}:4:3: error: duplicate key 'x' (first defined at line 3)",
        f"{file}:5:1: error: duplicate key 'a' (first defined at line 1)",
    ]


def test_non_string_keys(tmp_path: Path) -> None:
    text = "responses:\n  200: ok\n  0x1F: hex\ntrue: b\n~: n\n1.5: f\n? [a, b]\n: seq\n"
    document, diagnostics = load(tmp_path, text)
    assert document is not None
    assert document.data == {
        "responses": {"200": "ok", "0x1F": "hex"},
        "true": "b",
        "~": "n",
        "1.5": "f",
    }
    errors = messages(diagnostics)
    assert len(errors) == 4
    assert errors[0].endswith(":4:1: error: mapping key 'true' is a bool, not a string; quote it")
    assert "mapping key '~' is a null" in errors[1]
    assert "mapping key '1.5' is a float" in errors[2]
    assert errors[3].endswith(":7:3: error: mapping keys must be strings, not a list")


@pytest.mark.parametrize(
    ("text", "tag", "value"),
    [
        ("a: !custom x\n", "!custom", "x"),
        ("a: !!binary aGk=\n", "!!binary", "aGk="),
        ("a: !!timestamp 2024-01-01\n", "!!timestamp", "2024-01-01"),
        ("a: !!set {x, y}\n", "!!set", {"x": None, "y": None}),
        ("a: !!omap [x: 1]\n", "!!omap", [{"x": 1}]),
        ("a: !!python/tuple [1]\n", "!!python/tuple", [1]),
        ("a: !!str [1]\n", "!!str", [1]),
    ],
)
def test_unsupported_tags(tmp_path: Path, text: str, tag: str, value: object) -> None:
    document, diagnostics = load(tmp_path, text)
    assert document is not None
    assert document.data == {"a": value}
    message = single_error(diagnostics)
    assert f":1:4: error: unsupported tag '{tag}'" in message


def test_invalid_value_for_standard_tag(tmp_path: Path) -> None:
    document, diagnostics = load(tmp_path, "a: !!int abc\nb: !!bool yes\n")
    assert document is not None and document.data == {"a": "abc", "b": "yes"}
    assert [d.message for d in diagnostics.items] == [
        "invalid !!int value 'abc'",
        "invalid !!bool value 'yes'",
    ]


def test_errors_in_aliased_nodes_reported_once(tmp_path: Path) -> None:
    document, diagnostics = load(tmp_path, "a: &x !custom v\nb: *x\nc: *x\n")
    assert document is not None and document.data == {"a": "v", "b": "v", "c": "v"}
    assert len(diagnostics.items) == 1


def test_all_problems_collected(tmp_path: Path) -> None:
    text = "a: !x 1\nb: 1\nb: 2\nc: [!!binary aGk=, {true: 1}]\n"
    document, diagnostics = load(tmp_path, text)
    assert document is not None
    assert len(diagnostics.errors) == 4


# --- aliases and merge keys ----------------------------------------------------------------


def test_aliases_expand(tmp_path: Path) -> None:
    document = load_ok(tmp_path, "base: &b {x: [1, 2]}\nuse: *b\n")
    assert document.data == {"base": {"x": [1, 2]}, "use": {"x": [1, 2]}}
    assert document.positions["/use/x/1"] == (1, 18)
    assert document.key_positions["/use"] == (2, 1)


def test_merge_keys(tmp_path: Path) -> None:
    text = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2, <<: *a}\nc:\n  <<: [*b, {w: 3, x: 3}]\n  z: 4\n"
    document = load_ok(tmp_path, text)
    assert isinstance(document.data, dict)
    assert document.data["b"] == {"y": 2, "z": 2, "x": 1}
    assert document.data["c"] == {"z": 4, "y": 2, "x": 1, "w": 3}
    assert document.positions["/c/x"] == (1, 11)
    assert document.key_positions["/c/z"] == (5, 3)


def test_merge_key_needs_mappings(tmp_path: Path) -> None:
    document, diagnostics = load(tmp_path, "a: {<<: 1, b: 2}\nc: {<<: [x]}\n")
    assert document is not None and document.data == {"a": {"b": 2}, "c": {}}
    assert len(diagnostics.items) == 2
    assert "merge key '<<' needs a mapping or a list of mappings" in messages(diagnostics)[0]


def test_quoted_merge_key_is_a_plain_key(tmp_path: Path) -> None:
    assert load_ok(tmp_path, '"<<": 1\n').data == {"<<": 1}


def test_recursive_alias(tmp_path: Path) -> None:
    for text in ("a: &a [*a]\n", "a: &a {b: 1, <<: *a}\n"):
        document, diagnostics = load(tmp_path, text)
        assert document is None
        assert single_error(diagnostics).endswith(
            ":1:4: error: recursive alias: a node contains itself"
        )


# --- hostile input -------------------------------------------------------------------------


def billion_laughs() -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 10):
        aliases = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("fallback", [False, True])
def test_alias_bomb_fails_fast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fallback: bool
) -> None:
    if fallback:
        run_fallback_loader(monkeypatch)
    started = time.perf_counter()
    document, diagnostics = load(tmp_path, billion_laughs())
    assert time.perf_counter() - started < 1.0
    assert document is None
    assert "document too large: more than 1000000 nodes after expanding aliases" in (
        single_error(diagnostics)
    )


def test_max_nodes_parameter(tmp_path: Path) -> None:
    document, diagnostics = load(tmp_path, "a: &a [1, 2, 3]\nb: *a\n", max_nodes=8)
    assert document is None
    assert "more than 8 nodes" in single_error(diagnostics)
    document, diagnostics = load(tmp_path, "a: &a [1, 2, 3]\nb: *a\n", max_nodes=9)
    assert document is not None and not diagnostics.items


@pytest.mark.parametrize("name", ["deep.yaml", "deep.json"])
@pytest.mark.parametrize("fallback", [False, True])
def test_very_deep_nesting_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, fallback: bool
) -> None:
    if fallback:
        run_fallback_loader(monkeypatch)
    depth = 1_000 if fallback else 10_000  # the pure-Python scanner is slow
    document, diagnostics = load(tmp_path, "[" * depth + "]" * depth, name)
    assert document is None
    message = single_error(diagnostics)
    assert f"{name}:" in message and "nest" in message


@pytest.mark.parametrize("name", ["doc.yaml", "doc.json"])
def test_max_depth(tmp_path: Path, name: str) -> None:
    assert load_ok(tmp_path, "[" * 64 + "]" * 64, name).data is not None
    for text in ("[" * 65 + "]" * 65, "[" * 600 + "]" * 600):
        document, diagnostics = load(tmp_path, text, name)
        assert document is None
        assert single_error(diagnostics).endswith(
            ":1:65: error: document nested too deeply: more than 64 levels"
        )
    assert load(tmp_path, "a: [[[1]]]\n", max_depth=4)[0] is not None
    document, diagnostics = load(tmp_path, "a: [[[1]]]\n", max_depth=3)
    assert document is None
    assert "more than 3 levels" in single_error(diagnostics)


def test_depth_through_aliases(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 20)]
    document, diagnostics = load(tmp_path, "\n".join(lines), max_depth=10)
    assert document is None
    assert "nested too deeply" in single_error(diagnostics)


def test_max_bytes(tmp_path: Path) -> None:
    document, diagnostics = load(tmp_path, "a: 1234567890\n", max_bytes=10)
    assert document is None
    assert single_error(diagnostics).endswith("error: file too large: more than 10 bytes")


def test_huge_integer_is_reported(tmp_path: Path) -> None:
    document, diagnostics = load(tmp_path, "a: " + "9" * 5000 + "\n")
    assert document is not None and document.data == {"a": "9" * 5000}
    assert "is too long" in single_error(diagnostics)


# --- files, encodings, syntax --------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    assert load_document(tmp_path / "nope.yaml", diagnostics) is None
    assert single_error(diagnostics).endswith("nope.yaml: error: file not found")


def test_directory(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    assert load_document(tmp_path, diagnostics) is None
    assert single_error(diagnostics).endswith(": error: is a directory, not a file")


def test_not_utf8(tmp_path: Path) -> None:
    document, diagnostics = load(tmp_path, b"a: 1\nb: caf\xe9\n")
    assert document is None
    assert single_error(diagnostics).endswith(
        "doc.yaml:2:7: error: file is not valid UTF-8 text (byte 0xe9)"
    )


def test_bom(tmp_path: Path) -> None:
    document = load_ok(tmp_path, b"\xef\xbb\xbfa: 1\nb: x\n")
    assert document.data == {"a": 1, "b": "x"}
    assert document.positions["/a"] == (1, 4)


def test_syntax_error(tmp_path: Path) -> None:
    document, diagnostics = load(tmp_path, "a: 1\nb: c: d\n")
    assert document is None
    message = single_error(diagnostics)
    assert "doc.yaml:2:5: error: mapping values are not allowed" in message


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("a: [1,\n", ":2:1:", "expected node content"),
        ("a: 1\n---\nb: 2\n", ":2:1:", "but found another document"),
        ("a: *missing\n", ":1:4:", "found undefined alias"),
        ("a: 1\nb: x\x07\n", ":2:5:", "(U+0007)"),
        ("a:\n\t- 1\n", ":2:1:", "character"),
    ],
)
def test_other_yaml_errors(tmp_path: Path, text: str, where: str, fragment: str) -> None:
    document, diagnostics = load(tmp_path, text)
    assert document is None
    message = single_error(diagnostics)
    assert where in message
    assert fragment in message


def test_syntax_error_with_fallback_loader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_fallback_loader(monkeypatch)
    document, diagnostics = load(tmp_path, "a: 1\nb: c: d\n")
    assert document is None
    assert "doc.yaml:2:5: error: mapping values are not allowed here" in single_error(diagnostics)


def test_fallback_loader_core_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_fallback_loader(monkeypatch)
    data = load_ok(tmp_path, "[yes, on, true, 2024-01-01, 0o17, 012, ~]").data
    assert data == ["yes", "on", True, "2024-01-01", 15, 12, None]


def test_empty_file(tmp_path: Path) -> None:
    document = load_ok(tmp_path, "")
    assert document.data is None
    assert document.location("/info") == Location(document.display_path, 0, 0, "/info")


# --- JSON ----------------------------------------------------------------------------------


JSON_DOC = '{\n\t"arazzo": "1.0.1",\n\t"info": {"title": "x", "n": [1, 2.5, true, null]}\n}\n'


def test_json_with_positions(tmp_path: Path) -> None:
    document = load_ok(tmp_path, JSON_DOC, "doc.json")
    assert document.data == {"arazzo": "1.0.1", "info": {"title": "x", "n": [1, 2.5, True, None]}}
    assert document.positions["/arazzo"] == (2, 12)
    assert document.positions["/info/n/3"] == (3, 45)
    assert document.key_positions["/info/title"] == (3, 11)


def test_json_syntax_error(tmp_path: Path) -> None:
    document, diagnostics = load(tmp_path, '{\n  "a": 1\n  "b": 2\n}\n', "doc.json")
    assert document is None
    assert single_error(diagnostics).endswith("doc.json:3:3: error: Expecting ',' delimiter")


def test_json_that_yaml_would_reject(tmp_path: Path) -> None:
    key = "k" * 1100  # YAML limits implicit keys to 1024 characters
    document = load_ok(tmp_path, f'{{"{key}": [1, {{"a": "b\x81"}}]}}', "doc.json")
    assert document.data == {key: [1, {"a": "b\x81"}]}
    assert document.positions[f"/{key}/1/a"] == (1, 1116)


def test_json_duplicate_keys(tmp_path: Path) -> None:
    document, diagnostics = load(tmp_path, '{"a": 1, "a": 2}', "doc.json")
    assert document is not None and document.data == {"a": 1}
    assert "duplicate key 'a' (first defined at line 1)" in single_error(diagnostics)


def test_json_strings_are_read_as_json(tmp_path: Path) -> None:
    # YAML would fold U+0085, U+2028 and U+2029 (line breaks to YAML 1.1) into spaces.
    text = '{"raw": "a\x85b\u2028c\u2029d", "escaped": "\\u00e9\\/\\n\\ud83d\\ude00"}'
    document = load_ok(tmp_path, text, "doc.json")
    assert document.data == {"raw": "a\x85b\u2028c\u2029d", "escaped": "é/\n😀"}


def test_json_lines_are_counted_at_line_feeds(tmp_path: Path) -> None:
    document = load_ok(tmp_path, '{"a": "x\x85y\u2028z",\r\n "b": [1,\n\n  2]}', "doc.json")
    assert document.positions["/a"] == (1, 7)
    assert document.positions["/b"] == (2, 7)
    assert document.positions["/b/1"] == (4, 3)
    assert document.key_positions["/b"] == (2, 2)


def test_json_numbers_and_literals(tmp_path: Path) -> None:
    text = "[0, -0, 12, -3, 1.5, 1e5, -2E-3, 0.0e+1, true, false, null]"
    data = load_ok(tmp_path, text, "doc.json").data
    assert data == json.loads(text)
    assert [type(value) for value in data] == [type(value) for value in json.loads(text)]


def test_json_keys_are_plain_strings(tmp_path: Path) -> None:
    assert load_ok(tmp_path, '{"<<": {"a": 1}, "1": 2}', "doc.json").data == {
        "<<": {"a": 1},
        "1": 2,
    }


def test_json_file_that_is_not_json_is_read_as_yaml(tmp_path: Path) -> None:
    document = load_ok(tmp_path, '{"a": &x [1], "b": *x, c: yes}  # YAML\n', "doc.json")
    assert document.data == {"a": [1], "b": [1], "c": "yes"}


def test_empty_json_file(tmp_path: Path) -> None:
    assert load_ok(tmp_path, "", "doc.json").data is None


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('{"a": "b', ":1:7:", "Unterminated string starting at"),
        ('{"a": 1}\n{"b": 2}', ":2:1:", "Extra data"),
        ('{"a" 1}', ":1:6:", "Expecting ':' delimiter"),
        ("[1, 2", ":1:6:", "Expecting ',' delimiter"),
        ("[,1]", ":1:2:", "Expecting value"),
        ('["\\x"]', ":1:3:", "Invalid \\escape"),
    ],
)
def test_json_syntax_errors_match_the_json_module(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    assert f":{expected.value.lineno}:{expected.value.colno}:" == where
    assert expected.value.msg == message
    document, diagnostics = load(tmp_path, text, "doc.json")
    assert document is None
    assert single_error(diagnostics).endswith(f"doc.json{where} error: {message}")
