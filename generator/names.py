"""Scoped allocation of Python names for generated code.

A `NameScope` hands out identifiers (via `generator.emit.identifier`) that are unique
within the scope. Scopes nest like Python scopes: a name is unavailable in a scope when
it is taken in the scope itself, in any enclosing scope (so a local never shadows a
module name) or in any nested scope (so a module name allocated later is never shadowed
by an earlier local). Sibling scopes are independent. Allocation is deterministic: it
depends only on the order of calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import count
from typing import Final

from generator.emit import KEYWORDS, Style, identifier

# Union of dir(builtins) over Python 3.11-3.14, frozen so that generated names do not
# depend on the interpreter running the generator.
BUILTINS: Final = frozenset(
    {
        "ArithmeticError", "AssertionError", "AttributeError", "BaseException",
        "BaseExceptionGroup", "BlockingIOError", "BrokenPipeError", "BufferError",
        "BytesWarning", "ChildProcessError", "ConnectionAbortedError", "ConnectionError",
        "ConnectionRefusedError", "ConnectionResetError", "DeprecationWarning", "EOFError",
        "Ellipsis", "EncodingWarning", "EnvironmentError", "Exception", "ExceptionGroup",
        "False", "FileExistsError", "FileNotFoundError", "FloatingPointError",
        "FutureWarning", "GeneratorExit", "IOError", "ImportError", "ImportWarning",
        "IndentationError", "IndexError", "InterruptedError", "IsADirectoryError",
        "KeyError", "KeyboardInterrupt", "LookupError", "MemoryError",
        "ModuleNotFoundError", "NameError", "None", "NotADirectoryError", "NotImplemented",
        "NotImplementedError", "OSError", "OverflowError", "PendingDeprecationWarning",
        "PermissionError", "ProcessLookupError", "PythonFinalizationError",
        "RecursionError", "ReferenceError", "ResourceWarning", "RuntimeError",
        "RuntimeWarning", "StopAsyncIteration", "StopIteration", "SyntaxError",
        "SyntaxWarning", "SystemError", "SystemExit", "TabError", "TimeoutError", "True",
        "TypeError", "UnboundLocalError", "UnicodeDecodeError", "UnicodeEncodeError",
        "UnicodeError", "UnicodeTranslateError", "UnicodeWarning", "UserWarning",
        "ValueError", "Warning", "ZeroDivisionError", "_", "_IncompleteInputError",
        "__build_class__", "__debug__", "__doc__", "__import__", "__loader__", "__name__",
        "__package__", "__spec__", "abs", "aiter", "all", "anext", "any", "ascii", "bin",
        "bool", "breakpoint", "bytearray", "bytes", "callable", "chr", "classmethod",
        "compile", "complex", "copyright", "credits", "delattr", "dict", "dir", "divmod",
        "enumerate", "eval", "exec", "exit", "filter", "float", "format", "frozenset",
        "getattr", "globals", "hasattr", "hash", "help", "hex", "id", "input", "int",
        "isinstance", "issubclass", "iter", "len", "license", "list", "locals", "map",
        "max", "memoryview", "min", "next", "object", "oct", "open", "ord", "pow", "print",
        "property", "quit", "range", "repr", "reversed", "round", "set", "setattr",
        "slice", "sorted", "staticmethod", "str", "sum", "super", "tuple", "type", "vars",
        "zip",
    }
)  # fmt: skip


class NameScope:
    """A set of taken names that allocates fresh identifiers; keywords are always taken."""

    def __init__(self, reserved: Iterable[str] = (), parent: NameScope | None = None) -> None:
        self._parent = parent
        self._taken: set[str] = set()
        self._taken_below: set[str] = set()
        for name in reserved:
            _check_identifier(name)
            self._take(name)

    @classmethod
    def module(cls, reserved: Iterable[str] = ()) -> NameScope:
        """Return a root scope that also reserves every builtin name (see BUILTINS)."""
        return cls([*BUILTINS, *reserved])

    def child(self, reserved: Iterable[str] = ()) -> NameScope:
        """Return a nested scope (e.g. a function body) with `reserved` taken in it."""
        return NameScope(reserved, parent=self)

    def __contains__(self, name: object) -> bool:
        """Whether `name` is unavailable here: a keyword, or taken here, above or below."""
        if not isinstance(name, str):
            return False
        if name in KEYWORDS or name in self._taken or name in self._taken_below:
            return True
        return any(name in scope._taken for scope in self._ancestors())

    def reserve(self, name: str) -> str:
        """Take `name` exactly as given (a name the templates use); return it.

        Raises ValueError if `name` is not an identifier or is unavailable here.
        """
        _check_identifier(name)
        if name in self:
            raise ValueError(f"name {name!r} is already taken")
        self._take(name)
        return name

    def allocate(
        self,
        preferred: str,
        *,
        style: Style = "snake",
        fallback_prefix: str | None = None,
        private: bool = False,
    ) -> str:
        """Take and return a fresh identifier for the text `preferred`.

        Tries `identifier(preferred)`, then `identifier(f"{fallback_prefix}_{base}")` when
        a prefix is given, then `base_2`, `base_3`, ... (`Base2`, ... in pascal style).
        A private name is each of these with a leading underscore.
        """
        base = identifier(preferred, style=style)
        for name in self._candidates(base, style, fallback_prefix):
            candidate = f"_{name}" if private else name
            if candidate not in self:
                self._take(candidate)
                return candidate
        raise AssertionError("unreachable: numeric suffixes are unbounded")

    def allocate_all(
        self, names: Sequence[str], *, style: Style = "snake", fallback_prefix: str | None = None
    ) -> dict[str, str]:
        """Allocate an identifier for each distinct name, in input order.

        A name that occurs several times is allocated once. Names that collide after
        normalisation get distinct identifiers: ["userId", "user_id"] maps to
        {"userId": "user_id", "user_id": "user_id_2"}.
        """
        return {
            name: self.allocate(name, style=style, fallback_prefix=fallback_prefix)
            for name in dict.fromkeys(names)
        }

    def _candidates(self, base: str, style: Style, fallback_prefix: str | None) -> Iterator[str]:
        yield base
        if style == "snake" and base in BUILTINS:
            yield f"{base}_"  # PEP 8's way to avoid shadowing a builtin
        if fallback_prefix is not None:
            yield identifier(f"{fallback_prefix}_{base}", style=style)
        for number in count(2):
            yield identifier(f"{base}_{number}", style=style)

    def _ancestors(self) -> Iterator[NameScope]:
        scope = self._parent
        while scope is not None:
            yield scope
            scope = scope._parent

    def _take(self, name: str) -> None:
        self._taken.add(name)
        for scope in self._ancestors():
            scope._taken_below.add(name)


def _check_identifier(name: str) -> None:
    if not name.isidentifier():
        raise ValueError(f"{name!r} is not a Python identifier")
