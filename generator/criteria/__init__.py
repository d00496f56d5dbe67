"""Criteria of type `regex`, `jsonpath` and `xpath`: compile-time checks, and JSONPath to Python.

A criterion of these types applies its `condition` to the value of its `context` (a runtime
expression such as `$response.body`). The semantics this compiler adopts are the ones Arazzo
1.1 made explicit:

- `regex`: passes iff the pattern matches somewhere in the context value as a string (like
  `re.search`; numbers and booleans are written as JSON, objects and arrays as compact JSON).
  Arazzo names no regex dialect: conditions are Python `re` patterns.
- `jsonpath` (RFC 9535): passes iff the query selects at least one node, the query being applied
  to the context value itself (`$[?@.status == 'ok']` on an object root tests that object's
  member values; a JSON body is not wrapped in an array).
- `xpath` (XPath 3.1 unless a version is given): passes iff the expression's effective boolean
  value is true (true, a non-zero number, a non-empty string, a non-empty node-set), the context
  being an XML document.
- A null or missing context, a syntax error, a value of the wrong kind or an evaluation error
  makes the criterion fail: it never raises.

## Checks (at compile time)

`check_regex`, `check_jsonpath` and `check_xpath` return a message for the user, or None when
the condition is valid. `check_jsonpath` applies this module's own RFC 9535 parser (exact
grammar and function well-typedness, with offsets) and then the run-time library
(python-jsonpath, strict mode), so that a query that passes here compiles at run time too.

## JSONPath compiled to plain Python

`jsonpath_to_python(query, value)` translates a query into a Python boolean expression over the
Python expression `value` (source text). It returns None for queries outside the subset below;
those are evaluated at run time by the package's `_jsonpath` module instead. The expression may
read `value` more than once (`context_reads` counts the reads): the lowering then binds the
context to a local first (`CONTEXT_LOCALS`), so that each context is evaluated once. The
generated code calls a few builtins (`isinstance`, `len`, `any`, `sum`) and small helpers of the
package's `_runtime` module (`member`, `children`, `has_children`, `length`, `json_compare`),
and is accepted by `mypy --strict` and ruff. Every name and literal taken from the query reaches
the Python source through `generator.emit.literal` (that is, `repr()` of a plain str, int or
float).

The subset:

- child segments: `.name`, `['name']`, `["name"]`, `[0]`, `[-1]`, `.*`, `[*]`, `[?filter]`, and
  several of these in one bracket (`['a', 'b']`); not descendant segments (`..`) or slices.
- in filters: `||`, `&&`, `!` and parentheses; existence tests of relative (`@...`) or absolute
  (`$...`) queries that are themselves in the subset (`@.a`, `@.items[?@.x]`); comparisons of a
  literal with a singular query (`@.a.b`, `@[0]`, `$.limit`), with `count(query)`, with
  `length(singular query)` or with `value(singular query)`; comparisons of two literals (folded).
  Not: `match()`, `search()`, comparisons of two queries, `value()` of a non-singular query.

How RFC 9535 semantics are kept (section 2.3.5.2.2):

- A query that selects nothing gives Nothing (`_runtime.NOTHING`, which `_runtime.member`
  returns for a missing member, an index out of range or a value of another type): `==` with a
  literal is false, `!=` true, the orderings false.
- Values of different types are never equal nor ordered: `'1'` is not `1`, `true` is not `1`
  (Python's bool is an int, so comparisons with numbers go through `_runtime.json_compare`),
  `null` equals only `null` (`x is None`).
- Numbers compare by value (`1 == 1.0`); strings compare by code point and case-SENSITIVELY (unlike
  `simple` conditions). `<`, `<=`, `>`, `>=` hold only between two numbers or two strings; with
  `true`, `false` or `null` on one side, `<=` and `>=` reduce to `==` and `<`, `>` are false.
- A filter on an object tests its member values, on an array its elements, on anything else
  selects nothing. `$` on its own holds for any JSON value (not for None).
"""

from generator.criteria.checks import (
    DEFAULT_JSONPATH_VERSION,
    DEFAULT_XPATH_VERSION,
    JSONPATH_VERSIONS,
    XPATH_VERSIONS,
    check_jsonpath,
    check_regex,
    check_xpath,
)
from generator.criteria.jsonpath_python import CONTEXT_LOCALS, context_reads, jsonpath_to_python
from generator.criteria.jsonpath_syntax import JSONPathSyntaxError, parse_jsonpath
from generator.criteria.readings import JsonPathReading, read_jsonpath_comparison

__all__ = [
    "CONTEXT_LOCALS",
    "DEFAULT_JSONPATH_VERSION",
    "DEFAULT_XPATH_VERSION",
    "JSONPATH_VERSIONS",
    "XPATH_VERSIONS",
    "JSONPathSyntaxError",
    "JsonPathReading",
    "check_jsonpath",
    "check_regex",
    "check_xpath",
    "context_reads",
    "jsonpath_to_python",
    "parse_jsonpath",
    "read_jsonpath_comparison",
]
