"""Printing diagnostics: plain text, coloured text on a terminal, or JSON for tools."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import TextIO

from generator.diagnostics import Diagnostic, Severity

_COLOURS = {Severity.ERROR: "\033[1;31m", Severity.WARNING: "\033[1;33m"}
_BOLD = "\033[1m"
_RESET = "\033[0m"


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ


def format_text(diagnostic: Diagnostic, colour: bool) -> str:
    if not colour:
        return str(diagnostic)
    severity = f"{_COLOURS[diagnostic.severity]}{diagnostic.severity.value}{_RESET}"
    return f"{_BOLD}{diagnostic.location}{_RESET}: {severity}: {diagnostic.message}"


def write_text(diagnostics: Iterable[Diagnostic], stream: TextIO) -> None:
    colour = use_colour(stream)
    for diagnostic in diagnostics:
        stream.write(format_text(diagnostic, colour) + "\n")


def as_json(diagnostic: Diagnostic) -> dict[str, object]:
    location = diagnostic.location
    return {
        "file": location.file,
        "line": location.line or None,
        "column": location.col or None,
        "pointer": location.pointer or None,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
    }


def write_json(document: dict[str, object], stream: TextIO) -> None:
    stream.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
