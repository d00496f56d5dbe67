"""Compile-time decisions about how requests are written: OpenAPI parameter serialization
(`style`/`explode`), the header and path text HTTP can carry, and path text percent-encoding.

The run-time side is `templates/_serialize.py`, copied into generated packages that need it;
the style names here are the ones its functions accept.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# OpenAPI Parameter Object `style`: "Default values (based on value of `in`): for `query` -
# `form`; for `path` - `simple`; for `header` - `simple`; for `cookie` - `form`."
OPENAPI_DEFAULT_STYLE: dict[str, str] = {
    "path": "simple",
    "query": "form",
    "header": "simple",
    "cookie": "form",
}

# OpenAPI 'Style Values': the styles each location allows (`cookie` style: OpenAPI 3.2).
ALLOWED_STYLES: dict[str, tuple[str, ...]] = {
    "path": ("matrix", "label", "simple"),
    "query": ("form", "spaceDelimited", "pipeDelimited", "deepObject"),
    "header": ("simple",),
    "cookie": ("form", "cookie"),
}

_SIMPLE_TYPES = frozenset({"str", "int", "float", "bool", "None"})

# What HTTP can carry (as templates/_runtime.py checks at run time): header names are visible
# ASCII, header values printable ASCII and tabs.
_HEADER_NAME = re.compile(r"[!-~]+")
_HEADER_VALUE = re.compile(r"[\t -~]*")
# RFC 3986 `pchar` and "/" (besides letters, digits and `_.-~`): path text sent as written.
_PATH_SAFE = "/!$&'()*+,;=:@"
_PERCENT_ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")


def validate_style(
    location: str, style: str | None, explode: bool | None
) -> tuple[str, bool] | str:
    """The effective (style, explode) of a parameter, or an error message.

    An absent style is the location's default; an absent explode is true for `form` and
    `cookie`, false otherwise (OpenAPI `explode`). `deepObject` is always exploded: OpenAPI
    defines only explode=true for it, although false is its default and calls that combination
    undefined, and documents routinely omit `explode` with it. Combinations the 'Style Examples'
    table marks n/a for some value types (exploded `spaceDelimited`/`pipeDelimited`) are accepted:
    the run-time helpers document what they send.
    """
    allowed = ALLOWED_STYLES.get(location)
    if allowed is None:
        return f"parameters in {location!r} have no style (locations: path, query, header, cookie)"
    effective = OPENAPI_DEFAULT_STYLE[location] if style is None else style
    if effective not in allowed:
        return (
            f"style {effective!r} is not allowed for a {location} parameter "
            f"(allowed: {', '.join(allowed)})"
        )
    if effective == "deepObject":
        return effective, True
    if explode is None:
        return effective, effective in ("form", "cookie")
    return effective, explode


def is_simple_value_type(annotation: str) -> bool:
    """Whether values of this Python annotation (as `generator.types` writes it) are primitives:
    `str`, `int`, `float`, `bool`, optionally `| None` (a None parameter is left out)."""
    members = {member.strip() for member in annotation.split("|")}
    return bool(members) and members <= _SIMPLE_TYPES


def needs_serializer(style: str, annotation: str) -> bool:
    """Whether a parameter needs the `_serialize` helpers rather than the runtime's plain text.

    Arrays, objects and `Any` always do; a primitive does only in `label` or `matrix` style,
    whose prefix (`.blue`, `;color=blue`) it needs too. In every other style a primitive is sent
    as its text (booleans `true`/`false`, numbers as JSON), as the runtime already does.
    """
    return not is_simple_value_type(annotation) or style in ("label", "matrix")


def header_name_problem(name: str) -> str | None:
    """Why a header name cannot be sent, or None."""
    if _HEADER_NAME.fullmatch(name):
        return None
    return f"header name '{name}' holds a character HTTP cannot carry (only visible ASCII)"


def header_value_problem(name: str, text: str) -> str | None:
    """Why literal text of a header's value cannot be sent, or None."""
    if _HEADER_VALUE.fullmatch(text):
        return None
    return (
        f"the value of header '{name}' holds a character HTTP cannot carry "
        "(only printable ASCII and tabs; percent-encode or escape others as the API expects)"
    )


def path_problem(path: str) -> str | None:
    """Why an OpenAPI path cannot be sent, or None: a URL has no place for a control character
    or a lone surrogate, even percent-encoded (every other character is encoded by `path_text`)."""
    for char in path:
        if unicodedata.category(char) in ("Cc", "Cs"):
            return f"path '{path}' holds the character U+{ord(char):04X}, which a URL cannot carry"
    return None


def path_text(text: str) -> str:
    """Literal text of an OpenAPI path template as it goes into the URL: characters a path
    cannot hold as they are (`?`, `#`, blanks, non-ASCII, ...) percent-encoded, so the request
    goes to the path the OpenAPI description states; `%XX` escapes already there are kept."""
    parts = _PERCENT_ESCAPE.split(text)
    return "".join(
        part if index % 2 else quote(part, safe=_PATH_SAFE) for index, part in enumerate(parts)
    )
