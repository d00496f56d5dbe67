"""Compile-time checks of `regex`, `jsonpath` and `xpath` conditions: each returns a message for
the user, or None when the condition is valid."""

from __future__ import annotations

import functools
import re
import warnings
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:  # the libraries are imported when a document has such criteria
    from elementpath import XPath1Parser
    from jsonpath import JSONPathEnvironment

from generator.criteria.jsonpath_syntax import JSONPathSyntaxError, parse_jsonpath

JSONPATH_VERSIONS: Final = ("rfc9535", "draft-goessner-dispatch-jsonpath-00")
"""Versions of a Criterion Expression Type `jsonpath`; both are evaluated as RFC 9535 (the
standard that grew out of the draft), so draft-only syntax such as script expressions fails."""
DEFAULT_JSONPATH_VERSION: Final = "rfc9535"

XPATH_VERSIONS: Final = ("xpath-31", "xpath-30", "xpath-20", "xpath-10")
DEFAULT_XPATH_VERSION: Final = "xpath-31"

_REGEX_DIALECT_NOTE: Final = "Arazzo names no regex dialect; conditions are Python `re` patterns"


# --- regex ----------------------------------------------------------------------------------


def check_regex(pattern: str) -> str | None:
    """A message when Python's `re` cannot compile `pattern`, else None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # FutureWarning about possible future syntax
            re.compile(pattern)
    except re.error as error:
        where = f" at offset {error.pos}" if error.pos is not None else ""
        return f"invalid regular expression{where}: {error.msg} ({_REGEX_DIALECT_NOTE})"
    except (OverflowError, RecursionError, ValueError) as error:
        return f"invalid regular expression: {error} ({_REGEX_DIALECT_NOTE})"
    return None


# --- JSONPath checks ------------------------------------------------------------------------


def check_jsonpath(query: str, version: str | None = None) -> str | None:
    """A message when `query` is not a valid RFC 9535 query, else None.

    `version` is that of a Criterion Expression Type object (None: the default, rfc9535).
    """
    if version is not None and version not in JSONPATH_VERSIONS:
        return (
            f"unknown JSONPath version '{version}' (expected one of {', '.join(JSONPATH_VERSIONS)})"
        )
    try:
        parse_jsonpath(query)
    except JSONPathSyntaxError as error:
        return str(error)
    except RecursionError:
        return "invalid JSONPath: the query is nested too deeply"
    return _library_check(query)


@functools.cache
def _library() -> JSONPathEnvironment:
    from jsonpath import JSONPathEnvironment

    return JSONPathEnvironment(strict=True)


def _library_check(query: str) -> str | None:
    """The run-time library must accept what this module accepts (it should, always)."""
    from jsonpath import JSONPathError

    try:
        _library().compile(query)
    except JSONPathError as error:
        message = error.args[0] if error.args else error
        if isinstance(message, tuple) and message:  # some errors carry (message, token)
            message = message[0]
        offset = error.token.index if error.token is not None else 0
        return f"invalid JSONPath at offset {offset}: {message} (python-jsonpath)"
    except RecursionError:
        return "invalid JSONPath: the query is nested too deeply"
    return None


# --- XPath checks ---------------------------------------------------------------------------

_XPATH_PREFIX: Final = re.compile(r"(?<![\w.\-:$])([A-Za-z_][\w.\-]*):(?=[A-Za-z_*])")


def check_xpath(expression: str, version: str | None) -> str | None:
    """A message when `expression` is not valid XPath of `version` (None: xpath-31), else None.

    Namespace prefixes are not checked: at run time they are bound to the namespaces the
    XML document declares.
    """
    version = DEFAULT_XPATH_VERSION if version is None else version
    if version not in XPATH_VERSIONS:
        return f"unknown XPath version '{version}' (expected one of {', '.join(XPATH_VERSIONS)})"
    label = f"XPath {version[6]}.{version[7]}"
    from elementpath import ElementPathError

    try:
        for parser_class, options in _xpath_parsers(version):
            namespaces = {
                prefix: f"urn:arazzo-codegen:prefix:{prefix}"
                for prefix in _XPATH_PREFIX.findall(expression)
                if prefix not in parser_class.DEFAULT_NAMESPACES
            }
            parser_class(namespaces, **options).parse(expression)
    except ElementPathError as error:
        return f"invalid {label} expression: {error}"
    except (RecursionError, ValueError, TypeError, KeyError) as error:
        return f"invalid {label} expression: {error}"
    return None


def _xpath_parsers(version: str) -> list[tuple[type[XPath1Parser], dict[str, Any]]]:
    """How the run time (templates/_xpath.py) parses `version`: XPath 1.0 is checked by the 1.0
    parser and evaluated by the 2.0 parser in XPath 1.0 compatibility mode."""
    from elementpath import XPath1Parser, XPath2Parser
    from elementpath.xpath30 import XPath30Parser
    from elementpath.xpath31 import XPath31Parser

    if version == "xpath-10":
        return [(XPath1Parser, {}), (XPath2Parser, {"compatibility_mode": True})]
    if version == "xpath-20":
        return [(XPath2Parser, {})]
    if version == "xpath-30":
        return [(XPath30Parser, {})]
    return [(XPath31Parser, {})]
