"""Formatting generated files with black, in-process, with fixed settings (a user's own black
configuration never changes the output)."""

from __future__ import annotations

import black
from black.mode import TargetVersion

MODE = black.Mode(target_versions={TargetVersion.PY311}, line_length=100)


class FormatError(Exception):
    """Generated text that black could not parse: a bug in the compiler, never in the input."""


def format_source(source: str, file_name: str) -> str:
    try:
        return black.format_str(source, mode=MODE)
    except black.parsing.InvalidInput as exc:
        raise FormatError(f"generated {file_name} is not valid Python: {exc}") from exc
