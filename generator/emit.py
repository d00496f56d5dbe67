"""Emitters: the only road from untrusted document text to generated Python source.

Every value that comes from an Arazzo or OpenAPI document and ends up in generated code
passes through one of these functions; templates only arrange their results and never
interpolate raw document text.

- `literal(value)`: a Python expression for a JSON-like value, built on `repr()` of plain
  builtins. Never contains a line break. Do not place it inside an f-string.
- `docstring(text, indent)`: a complete `\"\"\"...\"\"\"` literal.
- `comment(text)` / `comment_lines(text, width)`: `# ...` lines.
- `identifier(name, style=...)` / `module_name(name)`: ASCII Python names.

Text policy shared by docstrings and comments (`clean_lines`):

- Line breaks are whatever `str.splitlines()` splits on (CR, CRLF, LF, VT, FF, FS, GS, RS,
  NEL, U+2028, U+2029); they all become line boundaries, so no text can leave a comment line.
- Other C0/C1 control characters (category Cc, e.g. NUL, ESC, DEL) are dropped, except tab,
  which is expanded to spaces (tab stops of 8, as `inspect.cleandoc` does).
- The Unicode bidirectional embedding/override/isolate controls (U+202A-U+202E,
  U+2066-U+2069; "Trojan Source", CVE-2021-42574) are dropped so that generated code
  displays in the order Python reads it.
- Lone surrogates (which cannot be written as UTF-8) become U+FFFD.
- Trailing whitespace is stripped from every line.
"""

from __future__ import annotations

import hashlib
import keyword
import math
import re
import textwrap
import unicodedata
from typing import Final, Literal

Style = Literal["snake", "pascal", "upper_snake"]

# Python 3.11 lists `_`, `case` and `match`; `type` became a soft keyword in 3.12.
SOFT_KEYWORDS: Final = frozenset({*keyword.softkwlist, "_", "case", "match", "type"})
KEYWORDS: Final = frozenset(keyword.kwlist) | SOFT_KEYWORDS

# Deeper nesting is rejected: CPython's parser gives up at 200 nested brackets.
MAX_LITERAL_DEPTH: Final = 100

# Longer module names are shortened with a hash suffix (file names are limited to 255 bytes).
MAX_MODULE_NAME_LENGTH: Final = 64
# Longer identifiers are shortened with a hash (a 100 KB workflowId is not a function name).
MAX_IDENTIFIER_LENGTH: Final = 80
_KEPT_SUFFIX_LENGTH: Final = 16

_DROPPED_CHARS: Final = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATES: Final = re.compile("[\ud800-\udfff]")
_HUMP: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_CODING_COOKIE: Final = re.compile(r"(coding)([:=])")
_TOOL_DIRECTIVE: Final = re.compile(
    r"\s*(?:(?:type|fmt|yapf|isort|mypy|ruff|flake8|pylint|pyright|pyre|pytype|pragma)\s*:"
    r"|(?i:noqa|nosec)\b)"
)
_WINDOWS_RESERVED: Final = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{digit}" for digit in range(1, 10)}
    | {f"lpt{digit}" for digit in range(1, 10)}
)


# --- literals -------------------------------------------------------------------------------


def literal(value: object, *, ascii_only: bool = False) -> str:
    """Return a one-line Python expression that evaluates to a value equal to `value`.

    Accepts None, bool, int, float (nan and infinities become `float("nan")`,
    `float("inf")` and `-float("inf")`, which need the builtin `float`), str, and lists,
    tuples and dicts with str keys of these. Subclasses of these types are emitted as the
    plain builtin (overridden `__str__`/`__repr__`/`__iter__` are not consulted). Raises
    TypeError for any other type and ValueError for nesting deeper than MAX_LITERAL_DEPTH.
    With `ascii_only`, strings escape every non-ASCII character (`\\u2019`), so data text
    carries no character a linter flags as ambiguous.
    """
    return _literal(value, 0, ascii_only)


def _literal(value: object, depth: int, ascii_only: bool = False) -> str:
    if value is None or isinstance(value, bool):  # bool cannot be subclassed
        return repr(value)
    if isinstance(value, int):
        return _int_literal(int.__int__(value))
    if isinstance(value, float):
        return _float_literal(float.__float__(value))
    if isinstance(value, str):
        return _string_literal(str.__str__(value), ascii_only)
    if depth >= MAX_LITERAL_DEPTH:
        raise ValueError(f"value is nested more than {MAX_LITERAL_DEPTH} levels deep")
    if isinstance(value, list):
        items = list.__iter__(value)
        return "[" + ", ".join(_literal(item, depth + 1, ascii_only) for item in items) + "]"
    if isinstance(value, tuple):
        items = tuple.__iter__(value)
        return _tuple_literal([_literal(item, depth + 1, ascii_only) for item in items])
    if isinstance(value, dict):
        return _dict_literal(value, depth, ascii_only)
    raise TypeError(f"cannot emit a literal for a value of type {type(value).__name__}")


def _string_literal(text: str, ascii_only: bool = False) -> str:
    """repr() (or ascii()), in double quotes where that needs no more escapes (black's
    preference)."""
    quoted = ascii(text) if ascii_only else repr(text)
    if quoted.startswith("'") and '"' not in text:
        return '"' + quoted[1:-1] + '"'
    return quoted


def _int_literal(number: int) -> str:
    try:
        return repr(number)
    except ValueError:  # more digits than sys.get_int_max_str_digits(); hex is unlimited
        return format(number, "#x")


def _float_literal(number: float) -> str:
    if math.isnan(number):
        return 'float("nan")'
    if math.isinf(number):
        return 'float("inf")' if number > 0 else '-float("inf")'
    return repr(number)


def _tuple_literal(items: list[str]) -> str:
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def _dict_literal(mapping: dict[object, object], depth: int, ascii_only: bool) -> str:
    entries = []
    for key, item in dict.items(mapping):
        if not isinstance(key, str):
            raise TypeError(f"dict keys must be str, not {type(key).__name__}")
        key_code = _literal(key, depth + 1, ascii_only)
        entries.append(f"{key_code}: {_literal(item, depth + 1, ascii_only)}")
    return "{" + ", ".join(entries) + "}"


# --- shared text cleaning -------------------------------------------------------------------


def clean_lines(text: str) -> list[str]:
    """Split `text` into lines and apply the module's text policy to each line."""
    return [_clean_line(line) for line in text.splitlines()]


def _clean_line(line: str) -> str:
    line = _DROPPED_CHARS.sub("", line)
    line = _SURROGATES.sub("\ufffd", line)
    return line.expandtabs().rstrip()


def _strip_blank_ends(lines: list[str]) -> list[str]:
    start = 0
    while start < len(lines) and not lines[start]:
        start += 1
    end = len(lines)
    while end > start and not lines[end - 1]:
        end -= 1
    return lines[start:end]


# --- docstrings -----------------------------------------------------------------------------


def docstring_value(text: str) -> str:
    """Return the text a docstring for `text` carries, in `inspect.cleandoc` normal form.

    The text policy is applied, leading and trailing blank lines are removed, the first
    line loses its leading whitespace and the common indentation of the other lines is
    removed (PEP 257). Returns "" when nothing is left.
    """
    lines = _strip_blank_ends(clean_lines(text))
    if not lines:
        return ""
    rest = lines[1:]
    margin = min((len(line) - len(line.lstrip()) for line in rest if line), default=0)
    return "\n".join([lines[0].lstrip(), *(line[margin:] for line in rest)])


def docstring(text: str, indent: str = "") -> str:
    """Return a `\"\"\"...\"\"\"` docstring literal for `text`, to be placed after `indent`.

    Layout: a one-line value stays on one line. For several lines, every non-empty
    continuation line is prefixed with `indent` (empty lines stay empty) and the closing
    quotes go on their own line after `indent`. So, with `value = docstring_value(text)`,
    the compiled `__doc__` is exactly

        value.replace("\\n", "\\n" + indent) with empty lines left empty,
        followed by "\\n" + indent if value has several lines,

    and `inspect.cleandoc(__doc__) == value`. The output is stable under black when
    `indent` is black's indentation at that depth. Backslashes and runs of three quotes
    are escaped, a leading quote is written `\\"` and a trailing quote of a one-line
    docstring `\\x22`, so the text can never end the literal. Raises ValueError when
    `docstring_value(text)` is empty or `indent` is not made of spaces.
    """
    if indent.strip(" "):
        raise ValueError("docstring indent must consist of spaces")
    value = docstring_value(text)
    if not value:
        raise ValueError("docstring text is empty")
    first, *rest = value.split("\n")
    if not rest:
        return '"""' + _escape_single_line(value) + '"""'
    body = "\n".join([first, *(indent + line if line else "" for line in rest)])
    return '"""' + _escape_docstring(body) + "\n" + indent + '"""'


def _escape_single_line(value: str) -> str:
    if value.endswith('"'):
        return _escape_docstring(value[:-1]) + "\\x22"
    return _escape_docstring(value)


def _escape_docstring(body: str) -> str:
    body = body.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if body.startswith('"'):
        body = '\\"' + body[1:]
    return body


# --- comments -------------------------------------------------------------------------------


def comment(text: str) -> str:
    """Return `# ...` lines (joined with "\\n") for `text`, one per line of text.

    Applies the text policy, drops leading and trailing blank lines, and renders empty
    lines inside as a bare `#`. Returns "" for blank text. See `comment_lines` for the
    neutralisation of encoding cookies and tool directives.
    """
    return "\n".join(_comment_line(line) for line in _strip_blank_ends(clean_lines(text)))


def comment_lines(text: str, width: int = 88) -> list[str]:
    """Return `text` as comment lines wrapped to `width` characters, "# " included.

    Each line of text is wrapped on whitespace; words longer than the width (such as URLs)
    are not broken. Blank text gives []. Each line is neutralised so that it is never read
    as a directive by Python or tools: `coding:`/`coding=` gets a space before the `:`/`=`
    (a PEP 263 encoding cookie on line 1 or 2 could make Python decode the rest of the
    file with e.g. `unicode_escape`), and a line starting with a lower-case tool directive
    (`type:`, `fmt:`, `mypy:`, `ruff:`, ...) or with `noqa` is prefixed with "> " (a stray
    `# type:` comment is a syntax error for type-comment-aware parsers such as mypy). Both
    may push a line past `width`.
    """
    if width <= 2:
        raise ValueError("comment width must leave room for text after '# '")
    wrapped: list[str] = []
    for line in _strip_blank_ends(clean_lines(text)):
        wrapped.extend(_wrap(line, width - 2) if line else [""])
    return [_comment_line(line) for line in wrapped]


def _wrap(line: str, width: int) -> list[str]:
    return textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)


def _comment_line(line: str) -> str:
    if not line:
        return "#"
    line = _CODING_COOKIE.sub(r"\1 \2", line)
    if _TOOL_DIRECTIVE.match(line):
        line = "> " + line
    return "# " + line


# --- document prose -------------------------------------------------------------------------

MAX_PROSE_LENGTH: Final = 2000
"""Characters of one summary or description that docstrings, comments and READMEs carry."""
SHORTENED_NOTE: Final = " [...] (shortened: the full text is in the Arazzo document)"


def excerpt(text: str, limit: int = MAX_PROSE_LENGTH) -> str:
    """`text`, or its first `limit` characters cut at a word boundary with a note saying so."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + SHORTENED_NOTE


# --- names ----------------------------------------------------------------------------------


def identifier(name: str, *, style: Style = "snake") -> str:
    """Return an ASCII Python identifier derived from arbitrary text.

    The text is NFKC-normalised and split into words at non-alphanumerics and camelCase
    humps (`HTTPResponse` -> http, response). Non-ASCII letters and digits become their
    ASCII NFKD base if they have one (é -> e), else a `u<hex>` word; combining marks
    are dropped. An empty result becomes "value"; a leading digit gets an "n" word;
    keywords and soft keywords get a trailing underscore. Builtins are not avoided here
    (see `generator.names`). Names longer than MAX_IDENTIFIER_LENGTH keep a prefix and a
    short last word (such as `inputs`) around a hash of the full text. In snake style the
    function is idempotent.
    """
    words = _words(name)
    if not words:
        words = ["value"]
    elif words[0][0].isdigit():
        words.insert(0, "n")
    result = _join_words(words, style)
    if len(result) > MAX_IDENTIFIER_LENGTH:
        result = _join_words(_shortened(words), style)
    return result + "_" if result in KEYWORDS else result


def module_name(name: str) -> str:
    """Return a safe module or package directory name (a snake identifier) for `name`.

    Never empty, never contains `/`, `\\` or `.`, never starts with `_`, never a Windows
    reserved device name (those get a trailing `_`), and at most MAX_MODULE_NAME_LENGTH
    characters (longer names keep a prefix and gain a hash of the full name).
    """
    result = identifier(name)
    if result in _WINDOWS_RESERVED:
        return result + "_"
    if len(result) > MAX_MODULE_NAME_LENGTH:
        digest = hashlib.sha256(result.encode()).hexdigest()[:8]
        keep = MAX_MODULE_NAME_LENGTH - len(digest) - 1
        return result[:keep].rstrip("_") + "_" + digest
    return result


def _shortened(words: list[str]) -> list[str]:
    digest = "h" + hashlib.sha256(" ".join(words).encode()).hexdigest()[:8]
    last = words[-1]
    tail = [last] if len(words) > 1 and len(last) <= _KEPT_SUFFIX_LENGTH else []
    room = MAX_IDENTIFIER_LENGTH - len(digest) - sum(len(word) + 1 for word in tail) - 1
    head: list[str] = []
    for word in words[: len(words) - len(tail)]:
        if room <= 0:
            break
        head.append(word[:room])
        room -= len(head[-1]) + 1
    return [*head, digest, *tail]


def _words(name: str) -> list[str]:
    ascii_text = "".join(_ascii_form(char) for char in unicodedata.normalize("NFKC", name))
    return _HUMP.sub(" ", ascii_text).split()


def _ascii_form(char: str) -> str:
    if char.isascii():
        return char if char.isalnum() else " "
    if unicodedata.category(char).startswith("M"):
        return ""
    if not char.isalnum():
        return " "
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if c.isascii() and c.isalnum())
    return base or f" u{ord(char):04x} "


def _join_words(words: list[str], style: Style) -> str:
    if style == "snake":
        return "_".join(word.lower() for word in words)
    if style == "upper_snake":
        return "_".join(word.upper() for word in words)
    return "".join(word.capitalize() for word in words)
