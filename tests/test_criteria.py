"""Criteria of type regex, jsonpath and xpath: compile-time checks (generator/criteria.py), the
JSONPath-to-Python translator, and the run-time modules templates/_jsonpath.py and _xpath.py."""

from __future__ import annotations

import ast
import builtins
import importlib.util
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import load_runtime

from generator.criteria import (
    JSONPathSyntaxError,
    check_jsonpath,
    check_regex,
    check_xpath,
    context_reads,
    jsonpath_to_python,
    parse_jsonpath,
)
from generator.format import format_source

ROOT = Path(__file__).resolve().parent.parent


def load_template(name: str) -> ModuleType:
    """A run-time module of generated packages, loaded from templates/ under a test name."""
    module_name = f"arazzo_template_{name.strip('_')}_under_test"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "templates" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


jsonpath_runtime = load_template("_jsonpath")
xpath_runtime = load_template("_xpath")

# The builtins generated criteria may use; evaluating with only these proves it.
ALLOWED_BUILTINS = {
    name: getattr(builtins, name)
    for name in ("isinstance", "len", "any", "sum", "dict", "list", "str", "int", "float", "bool")
}
# ... and the `_runtime` helpers (templates/_runtime.py).
RUNTIME_HELPERS = {"member", "children", "has_children", "length", "json_compare", "NOTHING"}


def evaluate(code: str, value: object, name: str = "value") -> bool:
    namespace = {"__builtins__": ALLOWED_BUILTINS, "_runtime": load_runtime(), name: value}
    result = eval(code, namespace)
    assert isinstance(result, bool)
    return result


# --- regex ----------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["^ok$", "a+b", r"\d{3}", "(?i)bearer", "", r"[\w.-]+@"])
def test_check_regex_accepts_python_patterns(pattern: str) -> None:
    assert check_regex(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("x**", "invalid regular expression at offset 2: multiple repeat"),
        ("(ab", "invalid regular expression at offset 0: missing ), unterminated subpattern"),
        ("\\", "invalid regular expression at offset 0: bad escape (end of pattern)"),
        ("a{99999999999}", "invalid regular expression: the repetition number is too large"),
    ],
)
def test_check_regex_reports_errors_with_the_dialect(pattern: str, message: str) -> None:
    error = check_regex(pattern)
    assert (
        error == f"{message} (Arazzo names no regex dialect; conditions are Python `re` patterns)"
    )


def test_check_regex_ignores_future_warnings() -> None:
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        assert check_regex("[[a]") is None  # "possible nested set" is only a FutureWarning
    assert records == []


def _regex_matches() -> Any:
    runtime = load_runtime()
    if not hasattr(runtime, "regex_matches"):
        pytest.skip("_runtime.regex_matches is not in the runtime template yet")
    return runtime.regex_matches


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        ("Bearer abc", "abc", True),  # anywhere, like re.search
        ("Bearer abc", "^abc", False),  # anchors are honoured
        ("Bearer abc", "^Bearer [a-z]+$", True),
        ("bearer", "Bearer", False),  # case-sensitive unless the pattern says (?i)
        (200, "^2\\d\\d$", True),  # numbers as text
        (1.5, "^1\\.5$", True),
        (True, "^true$", True),  # JSON text for booleans
        ({"a": [1, 2]}, '^\\{"a":\\[1,2\\]\\}$', True),  # compact JSON
        (None, ".*", False),  # null context fails
        ("abc", "x**", False),  # an invalid pattern fails, never raises
    ],
)
def test_runtime_regex(value: object, pattern: str, expected: bool) -> None:
    assert _regex_matches()(value, pattern) is expected


# --- JSONPath: parsing and checks -----------------------------------------------------------

VALID_QUERIES = [
    "$",
    "$.a",
    "$['a']",
    '$["a"]',
    "$.a.b[0]",
    "$[-1]",
    "$.*",
    "$[*]",
    "$..a",
    "$..[0]",
    "$[1:3]",
    "$[::-1]",
    "$[ 1 : 2 : 1 ]",
    "$['a', 'b', 0]",
    "$ .a",
    "$.☺",
    "$._x1",
    "$[?@.status == 'ok']",
    "$[?@.a]",
    "$[?!@.a]",
    "$[?(@.a || @.b) && !(@.c)]",
    "$[?count(@.pets) > 0]",
    "$[?length(@.name) >= 3]",
    "$[?length('abc') == 3]",
    "$[?match(@.name, '[a-z]+')]",
    "$[?search(@.name, 'x')]",
    "$[?value(@..id) == 1]",
    "$[?@.a == $.b]",
    "$[?@.n == -0]",
    "$[?@.n == 1.5e-3]",
    "$[?@.n == 1E2]",
    "$[?@.a == true && @.b == false || @.c == null]",
    "$['\\u00e9\\ud83d\\ude00\\'\\b\\f\\n\\r\\t\\/\\\\']",
    '$["\'"]',
    "$[?@[?@.x]]",
    "$[?\n@.a\t==\r1 ]",
    "$[9007199254740991]",
]


@pytest.mark.parametrize("query", VALID_QUERIES)
def test_check_jsonpath_accepts_rfc9535(query: str) -> None:
    assert check_jsonpath(query) is None
    assert check_jsonpath(query, "rfc9535") is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "at offset 0: a query starts with '$', not end of query"),
        ("a.b", "at offset 0: a query starts with '$', not 'a'"),
        (" $", "at offset 0: whitespace before '$'"),
        ("$ ", "at offset 1: whitespace after the end of the query"),
        ("$.", "at offset 2: expected a member name or '*' after '.', found end of query"),
        ("$..", "at offset 3: expected a member name, '*' or '[' after '..', found end of query"),
        ("$.1", "at offset 2: expected a member name or '*' after '.', found '1'"),
        ("$.a-b", "at offset 3: unexpected '-'"),
        ("$[", "at offset 2: unclosed '['"),
        ("$[]", "at offset 2: expected a selector (a name, index, slice, '*' or '?'), found ']'"),
        ("$[0 1]", "at offset 4: expected ',' or ']', found '1'"),
        ("$[01]", "at offset 2: an index has no leading zeros and is not -0: 01"),
        ("$[-0]", "at offset 2: an index has no leading zeros and is not -0: -0"),
        ("$[9007199254740992]", "at offset 2: index 9007199254740992 is out of range"),
        ("$['a]", "at offset 2: unterminated string literal"),
        ("$['\\x']", "at offset 3: invalid escape '\\x' in a string literal"),
        ("$['\\\"']", "at offset 3: invalid escape '\\\"' in a string literal"),
        ("$['\\ud800']", "at offset 3: a high surrogate escape must be followed by a low one"),
        ("$['\\u12']", "at offset 3: '\\u' must be followed by four hex digits"),
        ("$['\n']", "at offset 3: character U+000A must be escaped in a string literal"),
        ("$[?@.a = 1]", "at offset 7: expected ',' or ']', found '='"),
        ("$[?'a']", "at offset 3: a literal on its own is not a test: compare it"),
        ("$[?@.* == 1]", "at offset 3: only singular queries"),
        ("$[?count(@.a)]", "at offset 3: the result of count() is a value: compare it"),
        ("$[?match(@.a, 'x') == true]", "at offset 3: the result of match() is a test"),
        ("$[?length(@.*) > 1]", "at offset 10: argument 1 of length() must be a value"),
        ("$[?count(1) > 1]", "at offset 9: argument 1 of count() must be a query"),
        ("$[?count((@.a)) > 1]", "at offset 9: argument 1 of count() must be a query"),
        ("$[?length(('a')) > 1]", "at offset 11: a literal on its own is not a test"),
        ("$[?length(@.a == 1) > 1]", "at offset 10: argument 1 of length() must be a value"),
        ("$[?length(@.a, @.b) > 1]", "at offset 3: length() takes 1 argument, not 2"),
        ("$[?foo(@.a)]", "at offset 3: unknown function 'foo'"),
        ("$[?true]", "at offset 3: a literal on its own is not a test"),
        ("$[?@.a == [1]]", "at offset 10: expected a query, a literal or a function, found '['"),
        ("$[?!@.a == 1]", "at offset 7: '!' cannot apply to a comparison"),
        ("$[?!!@.a]", "at offset 4: expected a query, a literal or a function, found '!'"),
        ("$[?1 < 2 < 3]", "at offset 9: expected ',' or ']', found '<'"),
        ("$[?@.a == 01]", "at offset 10: invalid number starting '01'"),
        ("$[?@.a == 1.]", "at offset 10: invalid number starting '1.'"),
        ("$[?@.a == 1e400]", "at offset 10: number 1e400 is out of range"),
        ("$[?@.a == nul]", "at offset 10: unknown name 'nul' (a function call needs '(')"),
        ("$[?(@.a]", "at offset 7: expected ')', found ']'"),
    ],
)
def test_check_jsonpath_reports_the_offset(query: str, message: str) -> None:
    error = check_jsonpath(query)
    assert error is not None
    assert error.startswith(f"invalid JSONPath {message}"), error


def test_check_jsonpath_versions() -> None:
    assert check_jsonpath("$.a", "draft-goessner-dispatch-jsonpath-00") is None
    assert check_jsonpath("$.a", "jsonpath-99") == (
        "unknown JSONPath version 'jsonpath-99' (expected one of rfc9535, "
        "draft-goessner-dispatch-jsonpath-00)"
    )
    # Goessner's script expressions are not RFC 9535
    assert check_jsonpath("$..book[(@.length-1)]", "draft-goessner-dispatch-jsonpath-00")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("$..true", "at offset 3: expected a shorthand selector"),
        ("$['\\u001f']", "at offset 3: invalid character"),
    ],
)
def test_check_jsonpath_refuses_what_the_library_cannot_compile(query: str, message: str) -> None:
    # Valid RFC 9535 (`true` is a member name; control characters may be escaped) that
    # python-jsonpath rejects: refused at compile time rather than never matching at run time.
    assert parse_jsonpath(query)
    assert check_jsonpath(query) == f"invalid JSONPath {message} (python-jsonpath)"


def test_parse_jsonpath_decodes_string_literals() -> None:
    query = parse_jsonpath("$['\\u00e9\\ud83d\\ude00\\'\"\\\\', \"'\\\"\"]")
    selectors = query.segments[0].selectors
    assert [getattr(s, "name", None) for s in selectors] == ["é\U0001f600'\"\\", "'\""]


def test_syntax_error_carries_offset() -> None:
    with pytest.raises(JSONPathSyntaxError) as caught:
        parse_jsonpath("$.a[?@.b ==]")
    assert caught.value.offset == 11
    assert caught.value.message == "expected a query, a literal or a function, found ']'"


def test_deeply_nested_query_is_an_error_not_a_crash() -> None:
    query = "$[?" + "(" * 5000 + "@.a" + ")" * 5000 + "]"
    assert check_jsonpath(query) == "invalid JSONPath: the query is nested too deeply"


# --- JSONPath: run time ---------------------------------------------------------------------

PETS = {"pets": [{"name": "Rex", "age": 3}, {"name": "Tom", "age": 5}], "status": "ok"}


@pytest.mark.parametrize(
    ("value", "query", "expected"),
    [
        # the query applies to the context value itself
        ({"a": {"status": "ok"}, "b": {"status": "no"}}, "$[?@.status == 'ok']", True),
        ({"a": {"status": "ok"}}, "$[?@.status == 'OK']", False),  # case-sensitive
        ({"status": "ok"}, "$[?@.status == 'ok']", False),  # filters test member values
        ({"status": "ok"}, "$[?@ == 'ok']", True),
        ([{"id": 1}, {"id": 2}], "$[?@.id == 2]", True),
        ([{"id": 1}, {"id": 2}], "$[?@.id == 3]", False),
        (PETS, "$.pets[?@.age > 4].name", True),
        (PETS, "$.pets[?@.age > 5]", False),
        (PETS, "$.pets[1].name", True),
        (PETS, "$.pets[2]", False),
        (PETS, "$.pets[-2]", True),
        (PETS, "$.pets[-3]", False),
        (PETS, "$.missing", False),  # an empty nodelist fails
        (PETS, "$..name", True),
        (PETS, "$.pets[0:1]", True),
        (PETS, "$.pets[5:]", False),
        # the spec's example applies to a body whose members have pets
        (PETS, "$[?count(@.pets) > 0]", False),
        ([PETS], "$[?count(@.pets) > 0]", True),
        (PETS, "$[?count(@[*]) == 2]", True),
        (PETS, "$.pets[?length(@.name) == 3]", True),
        (PETS, "$[?length(@) == 2]", True),  # the pets array
        ({"a": {"x": 5}}, "$[?length(@.x) == 1]", False),  # length of a number is Nothing
        ({"a": {"x": {"p": 1, "q": 2}}}, "$[?length(@.x) == 2]", True),
        (PETS, "$.pets[?match(@.name, 'R.x')]", True),
        (PETS, "$.pets[?match(@.name, 'R')]", False),  # match() is anchored
        (PETS, "$.pets[?search(@.name, 'e')]", True),
        (PETS, "$[?value(@..age) == 3]", False),  # several ages: Nothing
        # a bare @ is the current node, whatever its value
        ([0, False, "", None], "$[?@]", True),
        ([0, False, ""], "$[?!@]", False),
        ([None], "$[?count(@) == 1]", True),
        ([0], "$[?value(@) == 0]", True),
        (["ab"], "$[?length(@) == 2]", True),
        # $ in a nested filter is the document's root
        ([{"a": None}], "$[?@[?$.a]]", False),
        ({"want": 2, "r": {"x": [1, 2]}}, "$[?@.x[?@ == $.want]]", True),
        ({"want": 3, "r": {"x": [1, 2], "want": 2}}, "$[?@.x[?@ == $.want]]", False),
        ({"p": {"x": {"age": 3}}}, "$[?value(@..age) == 3]", True),
        # comparisons (RFC 9535 2.3.5.2.2)
        ([{"a": "1"}], "$[?@.a == 1]", False),
        ([{"a": True}], "$[?@.a == 1]", False),
        ([{"a": 1}], "$[?@.a == true]", False),
        ([{"a": 1.0}], "$[?@.a == 1]", True),
        ([{"a": None}], "$[?@.a == null]", True),
        ([{"b": None}], "$[?@.a == null]", False),
        ([{"b": None}], "$[?@.a != null]", True),
        ([{"b": None}], "$[?@.a == @.c]", True),  # Nothing == Nothing
        ([{"a": "abc"}], "$[?@.a < 'abd']", True),
        ([{"a": "B"}], "$[?@.a < 'a']", True),  # code points
        ([{"a": False}], "$[?@.a < true]", False),
        ([{"a": True}], "$[?@.a <= true]", True),
        ([{"a": 2}], "$[?@.a >= 2 && @.a < 3]", True),
        ([{"a": [1, 2]}], "$[?@.a == @.b]", False),
        ([{"a": [1, {"x": 2}], "b": [1, {"x": 2.0}]}], "$[?@.a == @.b]", True),  # deep equality
        ([{"a": [1], "b": [True]}], "$[?@.a == @.b]", False),
        ([{"a": {"x": 0}, "b": {"x": False}}], "$[?@.a == @.b]", False),
        ([{"a": 1}], "$[?@.a < @.b]", False),
        # kinds of context value
        ("text", "$", True),
        ('{"a": 1}', "$.a", False),  # a string is a JSON string, not JSON text
        ({"a": "abc"}, "$.a[0:2]", False),  # no slicing of strings
        ({"a": "abc"}, "$.a[0]", False),
        (0, "$", True),
        (False, "$", True),
        (None, "$", False),  # null or missing context fails
        (b"{}", "$", False),
        ((1, 2), "$[0]", False),
        # invalid queries fail at run time, never raise
        (PETS, "$[", False),
        (PETS, "$.pets[?@.age = 3]", False),
        (PETS, "", False),
    ],
)
def test_runtime_jsonpath(value: object, query: str, expected: bool) -> None:
    assert jsonpath_runtime.matches(value, query) is expected


def test_runtime_jsonpath_cache_does_not_leak_between_values() -> None:
    query = "$.items[?@ == $.wanted]"
    assert jsonpath_runtime.matches({"items": [1, 2], "wanted": 2}, query)
    assert not jsonpath_runtime.matches({"items": [1, 2], "wanted": 3}, query)
    assert jsonpath_runtime.matches({"items": [3], "wanted": 3}, query)


def test_runtime_jsonpath_survives_deep_values() -> None:
    deep: Any = 1
    for _ in range(500):
        deep = [deep]
    assert jsonpath_runtime.matches(deep, "$..*") is True  # found before any limit
    assert jsonpath_runtime.matches(deep, "$..[?@ == 1]") is False  # recursion limit: fails
    assert jsonpath_runtime.matches(deep, "$[0][0][0]") is True


# --- JSONPath to Python ---------------------------------------------------------------------

CHILDREN = "_runtime.children(body)"


@pytest.mark.parametrize(
    ("query", "python"),
    [
        ("$", "isinstance(body, (dict, list, str, int, float))"),
        ("$.a.b", "_runtime.member(body, 'a', 'b') is not _runtime.NOTHING"),
        ("$['a']['b']", "_runtime.member(body, 'a', 'b') is not _runtime.NOTHING"),
        ("$.items[0]", "_runtime.member(body, 'items', 0) is not _runtime.NOTHING"),
        ("$[-2]", "_runtime.member(body, -2) is not _runtime.NOTHING"),
        ("$.*", "_runtime.has_children(body)"),
        (
            "$['a', 'b']",
            "_runtime.member(body, 'a') is not _runtime.NOTHING "
            "or _runtime.member(body, 'b') is not _runtime.NOTHING",
        ),
        (
            "$[?@.status == 'x']",
            f"any(_runtime.member(node, 'status') == 'x' for node in {CHILDREN})",
        ),
        (
            "$[?@.status != 'x']",
            f"any(_runtime.member(node, 'status') != 'x' for node in {CHILDREN})",
        ),
        ("$[?@ != 'x']", f"any(node != 'x' for node in {CHILDREN})"),
        (
            "$[?@.count > 3]",
            "any(_runtime.json_compare(_runtime.member(node, 'count'), '>', 3) "
            f"for node in {CHILDREN})",
        ),
        (
            "$[?@.n == 1]",
            "any(_runtime.json_compare(_runtime.member(node, 'n'), '==', 1) "
            f"for node in {CHILDREN})",
        ),
        (
            "$[?count(@.pets) > 0]",
            f"any(_runtime.member(node, 'pets') is not _runtime.NOTHING for node in {CHILDREN})",
        ),
        (
            "$[?count(@.pets[*]) >= 2]",
            "any(len(_runtime.children(_runtime.member(node, 'pets'))) >= 2 "
            f"for node in {CHILDREN})",
        ),
        (
            "$[?@.a == null || @.b == true]",
            "any(_runtime.member(node, 'a') is None or _runtime.member(node, 'b') is True "
            f"for node in {CHILDREN})",
        ),
        ("$[?@.a < true]", "False"),
        ("$[?1 == 1]", "_runtime.has_children(body)"),
        # A filter on `$` alone holds for every child or for none: tested once.
        (
            "$[?$.kind == 'quick']",
            "_runtime.has_children(body) and _runtime.member(body, 'kind') == 'quick'",
        ),
        (
            "$[?length(@.name) >= 3]",
            "any(_runtime.json_compare(_runtime.length(_runtime.member(node, 'name')), '>=', 3) "
            f"for node in {CHILDREN})",
        ),
    ],
)
def test_translation_output(query: str, python: str) -> None:
    # Expected code is written with single quotes; string literals come out in double quotes.
    assert jsonpath_to_python(query, "body") == python.replace("'", '"')


def test_translation_of_a_nested_filter_uses_fresh_names() -> None:
    code = jsonpath_to_python("$.orders[?@.lines[?@.qty > 1]]", "node")
    assert code is not None
    assert "node_" in code and "node2" in code  # `node` is the caller's name: avoided
    value = {"orders": [{"lines": [{"qty": 1}]}, {"lines": [{"qty": 2}]}]}
    assert evaluate(code, value, "node") is True


def test_translation_of_a_complex_value_expression() -> None:
    code = jsonpath_to_python("$[?$.a == 1 || @ == 2]", "x if y else z")
    assert code is not None
    assert "(x if y else z)" in code
    assert evaluate(code.replace("x if y else z", "value"), {"a": 2}) is True
    assert context_reads(code, "x") == 2  # the caller binds a context read more than once
    with pytest.raises(SyntaxError):
        jsonpath_to_python("$.a", "x = 1")
    with pytest.raises(ValueError, match="one-line"):
        jsonpath_to_python("$.a", "x\n")
    with pytest.raises(ValueError, match="must not use the names"):
        jsonpath_to_python("$.a", "len")


@pytest.mark.parametrize(
    "query",
    [
        "$..a",  # descendant segments
        "$[0:2]",  # slices
        "$[?match(@.a, 'x')]",  # I-Regexp
        "$[?search(@.a, 'x')]",
        "$[?@.a == @.b]",  # two queries
        "$[?@.a == $.b]",
        "$[?value(@..a) == 1]",  # value() of a non-singular query
        "$[?count(@..a) > 1]",
        "$[?length(value(@.a)) == 1]",
        "$[?@.a == length(1)]",  # Nothing as a constant
        "$[",  # invalid
        "$..true",  # refused by the run-time library
    ],
)
def test_translation_outside_the_subset_is_none(query: str) -> None:
    assert jsonpath_to_python(query, "value") is None


@pytest.mark.parametrize(
    "name",
    [
        "'] or __import__('os').system('x') or ['",
        '"); import os; ("',
        "\\",
        "a\nb",
        "\u2028",
        "{value}",
        "é\U0001f600",
    ],
)
def test_translation_keeps_names_inside_string_literals(name: str) -> None:
    escaped = name.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    query = f"$['{escaped}'][?@['{escaped}'] == '{escaped}']"
    assert check_jsonpath(query) is None
    code = jsonpath_to_python(query, "value")
    assert code is not None
    _assert_only_safe_code(code)
    assert evaluate(code, {name: [{name: name}]}) is True
    assert evaluate(code, {name: [{name: "other"}]}) is False


def _assert_only_safe_code(code: str) -> None:
    """Only builtins from ALLOWED_BUILTINS and RUNTIME_HELPERS are used; names are `value`,
    `node...` and `_runtime`."""
    tree = ast.parse(code, mode="eval")
    for item in ast.walk(tree):
        if isinstance(item, ast.Call):
            assert isinstance(item.func, ast.Name | ast.Attribute)
            if isinstance(item.func, ast.Name):
                assert item.func.id in ALLOWED_BUILTINS
        if isinstance(item, ast.Attribute):
            assert isinstance(item.value, ast.Name) and item.value.id == "_runtime"
            assert item.attr in RUNTIME_HELPERS
        if isinstance(item, ast.Name):
            assert (
                item.id in ALLOWED_BUILTINS
                or item.id in ("value", "_runtime")
                or (item.id.startswith("node"))
            )
        assert not isinstance(item, ast.Lambda | ast.NamedExpr | ast.JoinedStr)


# Hypothesis strategies: JSON values, and queries in the compiled subset.

KEYS = ["a", "b", "n"]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, -1, 2, 3, 0.0, 1.0, 1.5, -2.5]),
    st.sampled_from(["", "a", "b", "A", "1", "ab", "é"]),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=3),
    ),
    max_leaves=12,
)

_names = st.sampled_from(KEYS)
_name_segment = st.one_of(
    _names.map(lambda k: f".{k}"),
    _names.map(lambda k: f"['{k}']"),
    _names.map(lambda k: f'["{k}"]'),
)
_index_segment = st.sampled_from([0, 1, -1, 2]).map(lambda i: f"[{i}]")
_singular_segment = st.one_of(_name_segment, _index_segment)
_other_segment = st.sampled_from([".*", "[*]", "['a', 'b']", "[0, 'n']", "[*, 0]"])
_singular_query = st.tuples(
    st.sampled_from(["@", "@", "@", "$"]), st.lists(_singular_segment, max_size=2)
).map(lambda t: t[0] + "".join(t[1]))
_literal = st.sampled_from(
    ["'a'", '"b"', "'A'", "'1'", "''", "'é'", "0", "1", "-1", "2", "1.5", "1e0", "-0", "true"]
)
_literal = st.one_of(_literal, st.sampled_from(["false", "null"]))
_number = st.sampled_from(["0", "1", "2", "1.0", "-1"])
_op = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


def _comparison(left: Any, right: Any) -> Any:
    pair = st.tuples(left, _op, right)
    swapped = st.tuples(right, _op, left)
    return st.one_of(pair, swapped).map(lambda t: f"{t[0]} {t[1]} {t[2]}")


def _query(root: str, filters: Any, max_size: int = 3) -> Any:
    segment = st.one_of(_singular_segment, _other_segment, filters.map(lambda f: f"[?{f}]"))
    return st.lists(segment, max_size=max_size).map(lambda s: root + "".join(s))


_base_filters = st.one_of(
    _comparison(_singular_query, _literal),
    _comparison(_literal, _literal),
    _comparison(_singular_query.map(lambda q: f"length({q})"), _literal),
    _comparison(_singular_query.map(lambda q: f"value({q})"), _literal),
    _singular_query,
    _singular_query.map(lambda q: f"!{q}"),
)


def _extend(children: Any) -> Any:
    return st.one_of(
        st.tuples(children, st.sampled_from(["&&", "||"]), children).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"
        ),
        children.map(lambda f: f"!({f})"),
        children.map(lambda f: f"({f})"),
        _query("@", children, 2),
        _query("@", children, 2).map(lambda q: f"!{q}"),
        _comparison(
            _query("@", children, 2).map(lambda q: f"count({q})"), st.one_of(_number, _literal)
        ),
    )


FILTERS = st.recursive(_base_filters, _extend, max_leaves=5)
QUERIES = _query("$", FILTERS)


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=QUERIES, value=JSON_VALUES)
def test_translation_agrees_with_the_runtime_library(query: str, value: object) -> None:
    assert check_jsonpath(query) is None, query
    code = jsonpath_to_python(query, "value")
    assert code is not None, query
    assert evaluate(code, value) is jsonpath_runtime.matches(value, query), (query, code)


# Shallow records, so that filters select something about as often as not.
RECORDS = st.one_of(
    st.lists(st.dictionaries(st.sampled_from(KEYS), SCALARS, max_size=3), max_size=4),
    st.dictionaries(
        st.sampled_from(KEYS), st.dictionaries(st.sampled_from(KEYS), SCALARS), max_size=3
    ),
    st.lists(SCALARS, max_size=4),
)


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=FILTERS.map(lambda f: f"$[?{f}]"), value=RECORDS)
def test_translated_filters_agree_with_the_runtime_library(query: str, value: object) -> None:
    code = jsonpath_to_python(query, "value")
    assert code is not None, query
    assert evaluate(code, value) is jsonpath_runtime.matches(value, query), (query, code)


@settings(max_examples=examples(100), deadline=None)
@given(query=QUERIES)
def test_translation_calls_only_builtins(query: str) -> None:
    code = jsonpath_to_python(query, "value")
    assert code is not None
    _assert_only_safe_code(code)


# python-jsonpath refuses escaped control characters ("\\u001f"), so the names here have none
# (see test_check_jsonpath_refuses_what_the_library_cannot_compile).
_MEMBER_NAMES = st.text(st.characters(min_codepoint=0x20, exclude_categories=["Cs"]), max_size=8)


@settings(max_examples=examples(200), deadline=None)
@given(name=_MEMBER_NAMES, value=JSON_VALUES)
def test_translation_of_any_member_name(name: str, value: object) -> None:
    quoted = "'" + "".join(_escape_char(c) for c in name) + "'"
    query = f"$[{quoted}][?@[{quoted}] == {quoted}]"
    assert check_jsonpath(query) is None, query
    code = jsonpath_to_python(query, "value")
    assert code is not None
    _assert_only_safe_code(code)
    document = {name: [value, {name: name}]}
    assert evaluate(code, document) is jsonpath_runtime.matches(document, query) is True


def _escape_char(char: str) -> str:
    if char in "'\\":
        return "\\" + char
    if char < " " or "\ud800" <= char <= "\udfff":
        return f"\\u{ord(char):04x}"
    return char


TRANSLATED_FOR_LINTING = [
    "$",
    "$.a.b",
    "$.items[0].name",
    "$[-1]",
    "$['a', 'b']",
    "$.*",
    "$[*].id",
    "$[?@.status == 'ok']",
    "$[?@.status != 'ok']",
    "$[?@ != 'ok']",
    "$[?@ == 1 || @ == 2]",
    "$[?!@.a]",
    "$[?!(@.a && @.b)]",
    "$[?@.n > 1 && @.n <= 2.5]",
    "$[?@.a == null]",
    "$[?@.a != null]",
    "$[?@.a != true]",
    "$[?@.a >= false]",
    "$[?count(@.pets) > 0]",
    "$[?count(@.pets) == 0]",
    "$[?count(@.pets) == 'x']",
    "$[?count(@.pets) <= true]",
    "$[?length(@.name) != null]",
    "$[?length(@.name) > 'a']",
    "$[?count(@.pets[*]) >= 2]",
    "$[?count(@[?@.x]) == 1]",
    "$[?count(@['a', 'b']) == 2]",
    "$[?length(@.name) >= 3]",
    "$[?length(@) != 1]",
    "$[?value(@.a) == 'x']",
    "$[?@.a == 1 && $.b.c]",
    "$[?$.limit > 1]",
    "$.orders[?@.lines[?@.qty > 1]].id",
]


def test_translations_pass_ruff_and_mypy_strict(tmp_path: Path) -> None:
    functions = []
    for number, query in enumerate(TRANSLATED_FOR_LINTING):
        for kind in ("Any", "object"):
            code = jsonpath_to_python(query, "value")
            assert code is not None, query
            functions.append(
                f"def check_{number}_{kind.lower()}(value: {kind}) -> bool:\n"
                f"    # {query}\n"
                f"    return {code}\n"
            )
    module = "from typing import Any\n\nimport _runtime\n\n\n" + "\n\n".join(functions)
    (tmp_path / "_runtime.py").write_text((ROOT / "templates" / "_runtime.py").read_text())
    path = tmp_path / "criteria_module.py"
    path.write_text(format_source(module, path.name), encoding="utf-8")
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--config", str(ROOT / "pyproject.toml"), path],
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), path],
        capture_output=True,
        text=True,
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


# --- XPath: checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "version"),
    [
        ("/order/status = 'paid'", None),
        ("count(//item) > 2", "xpath-10"),
        ("boolean(/a)", "xpath-20"),
        ("let $x := /a return $x", "xpath-30"),
        ("map { 'a': 1 }?a = 1", "xpath-31"),
        ("/soap:Envelope/soap:Body", None),  # prefixes are bound at run time
        ("/s:Envelope/s:Body", "xpath-10"),
        ("//*:item", "xpath-31"),
    ],
)
def test_check_xpath_accepts(expression: str, version: str | None) -> None:
    assert check_xpath(expression, version) is None


@pytest.mark.parametrize(
    ("expression", "version", "message"),
    [
        ("/a[", None, "invalid XPath 3.1 expression: "),
        ("(1, 2)", "xpath-10", "invalid XPath 1.0 expression: "),
        ("let $x := 1 return $x", "xpath-20", "invalid XPath 2.0 expression: "),
        ("map { 'a': 1 }", "xpath-30", "invalid XPath 3.0 expression: "),
        ("unknown-function(1)", "xpath-31", "invalid XPath 3.1 expression: "),
        ("/a", "xpath-40", "unknown XPath version 'xpath-40' (expected one of xpath-31,"),
    ],
)
def test_check_xpath_reports(expression: str, version: str | None, message: str) -> None:
    error = check_xpath(expression, version)
    assert error is not None
    assert error.startswith(message), error


# --- XPath: run time ------------------------------------------------------------------------

ORDER = b"""<?xml version="1.0" encoding="UTF-8"?>
<order xmlns:p="urn:example:payment" id="7">
  <status>paid</status>
  <item>2</item>
  <item>3</item>
  <empty/>
  <p:card>visa</p:card>
</order>"""


@pytest.mark.parametrize(
    ("expression", "version", "expected"),
    [
        # node-sets: non-empty
        ("/order/item", "xpath-31", True),
        ("/order/missing", "xpath-31", False),
        ("/order/item", "xpath-10", True),
        ("/order/missing", "xpath-10", False),
        # booleans
        ("/order/status = 'paid'", "xpath-31", True),
        ("/order/status = 'PAID'", "xpath-31", False),
        ("true()", "xpath-10", True),
        ("false()", "xpath-31", False),
        ("/order/@id = 7", "xpath-31", True),
        # numbers: non-zero (and not NaN)
        ("count(/order/item)", "xpath-31", True),
        ("count(/order/missing)", "xpath-31", False),
        ("count(/order/missing)", "xpath-10", False),
        ("number('x')", "xpath-10", False),
        ("0 div 0", "xpath-10", False),
        ("1 div 0", "xpath-10", True),
        # strings: non-empty
        ("string(/order/status)", "xpath-31", True),
        ("string(/order/empty)", "xpath-31", False),
        ("''", "xpath-20", False),
        # a node-set compared with a number, XPath 1.0 style
        ("/order/item = 3", "xpath-10", True),
        ("/order/item = 4", "xpath-10", False),
        ("/order/item = 3", "xpath-31", True),
        # 1.0 takes the first node where 2.0+ raises (and so fails)
        ("string(/order/item) = '2'", "xpath-10", True),
        ("string(/order/item) = '2'", "xpath-31", False),
        # no EBV for a sequence of several atomic values in 2.0+
        ("(1, 2)", "xpath-31", False),
        ("(/order/item, 1)", "xpath-31", True),  # starts with a node
        ("data(/order/item)", "xpath-20", False),
        # version features
        ("let $n := count(/order/item) return $n = 2", "xpath-30", True),
        ("let $n := count(/order/item) return $n = 2", "xpath-20", False),
        ("map { 'a': 1 }?a = 1", "xpath-31", True),
        ("map { 'a': 1 }?a = 1", "xpath-30", False),
        ("map { 'a': 1 }", "xpath-31", False),  # a map has no EBV
        # namespaces declared in the document
        ("/order/p:card = 'visa'", "xpath-31", True),
        ("/order/p:card = 'visa'", "xpath-10", True),
        ("/order/q:card", "xpath-31", False),  # undeclared prefix
        ("//*:card", "xpath-31", True),
        # errors fail
        ("/order/item[", "xpath-31", False),
        ("1 div 0", "xpath-31", False),  # integer division by zero is an error in 2.0+
        ("/order/item", "xpath-99", False),
    ],
)
def test_runtime_xpath(expression: str, version: str, expected: bool) -> None:
    assert xpath_runtime.matches(ORDER, expression, version) is expected


def test_runtime_xpath_defaults_to_31_and_accepts_str() -> None:
    text = ORDER.decode("utf-8").split("\n", 1)[1]  # str without the XML declaration
    assert xpath_runtime.DEFAULT_VERSION == "xpath-31"
    assert xpath_runtime.matches(text, "let $s := /order/status return $s = 'paid'")
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?><a>caf\xe9</a>'.encode("latin-1")
    assert xpath_runtime.matches(latin, "/a = 'café'")


@pytest.mark.parametrize(
    "document",
    [None, {"order": {}}, ["<a/>"], 1, "", "not xml", "<a>", b"<a></b>", "<a/><b/>"],
)
def test_runtime_xpath_fails_on_what_is_not_an_xml_document(document: object) -> None:
    assert xpath_runtime.matches(document, "true()", "xpath-31") is False


def test_runtime_xpath_does_not_expand_external_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t", encoding="utf-8")
    documents = [
        f'<!DOCTYPE a [<!ENTITY x SYSTEM "{secret.as_uri()}">]><a>&x;</a>',
        f'<!DOCTYPE a SYSTEM "{secret.as_uri()}"><a/>',
        f'<!DOCTYPE a [<!ENTITY % p SYSTEM "{secret.as_uri()}"> %p;]><a/>',
        '<!DOCTYPE a [<!ENTITY x "inner">]><a>&x;</a>',
    ]
    for document in documents:
        assert xpath_runtime.matches(document, "true()") is False
        assert xpath_runtime.matches(document.encode("utf-16"), "true()") is False


def test_runtime_xpath_refuses_billion_laughs_quickly() -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    document = f"<!DOCTYPE a [{entities}]><a>&l9;</a>"
    started = time.monotonic()
    assert xpath_runtime.matches(document, "string-length(/a) > 0") is False
    assert time.monotonic() - started < 1


def test_runtime_xpath_functions_reach_no_files_nor_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t", encoding="utf-8")
    monkeypatch.setenv("ARAZZO_TEST_SECRET", "s3cr3t")
    uri = secret.as_uri()
    for expression in [
        f"contains(unparsed-text('{uri}'), 's3cr3t')",
        f"unparsed-text-available('{uri}')",
        f"doc-available('{uri}')",
        f"exists(doc('{uri}'))",
        "environment-variable('ARAZZO_TEST_SECRET') = 's3cr3t'",
        "exists(available-environment-variables())",
    ]:
        assert xpath_runtime.matches("<a/>", expression, "xpath-31") is False, expression


def test_runtime_xpath_caches_per_namespace_binding() -> None:
    first = b'<a xmlns:x="urn:one"><x:b/></a>'
    second = b'<a xmlns:x="urn:two"><x:b/></a>'
    expression = "namespace-uri(/a/x:b) = 'urn:two'"
    assert xpath_runtime.matches(first, expression) is False
    assert xpath_runtime.matches(second, expression) is True


def test_templates_name_their_requirements() -> None:
    assert "python-jsonpath>=2.2.2,<3" in (jsonpath_runtime.__doc__ or "")
    assert "elementpath>=5.1,<6" in (xpath_runtime.__doc__ or "")
    for module in (jsonpath_runtime, xpath_runtime):
        assert "Generated by arazzo-codegen" in textwrap.dedent(module.__doc__ or "")
