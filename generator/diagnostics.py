"""Diagnostics: problems found in documents, collected at every stage and printed once."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """A place in a document: file path, 1-based line and column, and the JSON pointer."""

    file: str
    line: int = 0
    col: int = 0
    pointer: str = ""

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file


MAX_MESSAGE = 400
_LINE_BREAKS = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": " "})


def one_line(message: str) -> str:
    """A message on one line (line breaks shown as \\n, other control characters dropped),
    shortened with an ellipsis past MAX_MESSAGE characters."""
    text = message.translate(_LINE_BREAKS)
    text = "".join(c for c in text if c.isprintable() or c == " ")
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    message: str
    location: Location

    def __str__(self) -> str:
        return f"{self.location}: {self.severity.value}: {self.message}"


@dataclass
class Diagnostics:
    """An ordered collection of diagnostics that stages append to."""

    items: list[Diagnostic] = field(default_factory=list)
    strict: bool = False
    """Under --strict, non-standard forms that are otherwise accepted with a warning are errors."""
    _seen: set[Diagnostic] = field(default_factory=set, repr=False)
    _counted: int = field(default=0, repr=False)
    _errors: int = field(default=0, repr=False)

    def error(self, location: Location, message: str) -> None:
        self._add(Diagnostic(Severity.ERROR, message, location))

    def warning(self, location: Location, message: str) -> None:
        self._add(Diagnostic(Severity.WARNING, message, location))

    def dialect(self, location: Location, message: str) -> None:
        """A document bends the specification in a way with one sensible reading."""
        if self.strict:
            self.error(location, message + " (rejected by --strict)")
        else:
            self.warning(location, message)

    def _add(self, diagnostic: Diagnostic) -> None:
        """Record a diagnostic once, however many paths lead to the same problem. Messages are
        one line of bounded length, whatever document text they quote."""
        diagnostic = Diagnostic(
            diagnostic.severity, one_line(diagnostic.message), diagnostic.location
        )
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self.items.append(diagnostic)

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    @property
    def error_count(self) -> int:
        """How many errors so far; stages compare it before and after a piece of work."""
        if len(self.items) != self._counted:
            self._errors += sum(d.severity is Severity.ERROR for d in self.items[self._counted :])
            self._counted = len(self.items)
        return self._errors

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.location.file, d.location.line, d.location.col))


class CompileError(Exception):
    """Raised to stop the pipeline when a stage found errors; carries every diagnostic so far."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        super().__init__(f"{len(diagnostics.errors)} error(s)")
        self.diagnostics = diagnostics
