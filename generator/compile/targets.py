"""Finding the OpenAPI operation a step calls (operationId or operationPath)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from urllib.parse import unquote

from generator.diagnostics import Diagnostics, Location
from generator.load.source import pointer_join
from generator.model.arazzo import Step
from generator.model.openapi import OpenApiDescription, Operation
from generator.serialization import path_problem

_QUALIFIED_ID = re.compile(r"^\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.(.+)$")
_OPERATION_PATH = re.compile(r"^\{\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.url\}#(.*)$")
# Forms seen in real documents: `$sourceDescriptions.x.url#/paths/...` (no braces),
# `$sourceDescriptions.x#/paths/...` and `x#/paths/...`.
_LENIENT_OPERATION_PATH = re.compile(
    r"^(?:\$sourceDescriptions\.)?([A-Za-z0-9_\-]+)(?:\.url)?#(/paths/.*)$"
)


class OperationFinder:
    def __init__(
        self,
        sources: dict[str, OpenApiDescription],
        diagnostics: Diagnostics,
        unavailable: frozenset[str] = frozenset(),
    ) -> None:
        """`unavailable` names the sources that failed to load (their errors are reported, so
        operations that may live there are not reported again)."""
        self.sources = sources
        self.diagnostics = diagnostics
        self.unavailable = unavailable
        self._ids = {name: source.by_operation_id() for name, source in sources.items()}

    def find(self, step: Step, where: Location) -> Operation | None:
        operation = None
        if step.operation_id is not None:
            operation = self.by_id(step.operation_id, where)
        elif step.operation_path is not None:
            operation = self.by_path(step.operation_path, where)
        return self._sendable(operation)

    def _sendable(self, operation: Operation | None) -> Operation | None:
        """The operation, unless its path cannot be sent (reported at the path, in the OpenAPI
        description)."""
        if operation is None:
            return None
        problem = path_problem(operation.path)
        if problem is None:
            return operation
        document = self.sources[operation.source].document
        where = document.location(pointer_join("/paths", operation.path), key=True)
        self.diagnostics.error(where, problem)
        return None

    def by_id(self, text: str, where: Location) -> Operation | None:
        qualified = _QUALIFIED_ID.match(text)
        if qualified:
            source_name, operation_id = qualified.groups()
            if source_name in self.unavailable:
                return None
            if source_name not in self.sources:
                self.diagnostics.error(where, f"unknown source description '{source_name}'")
                return None
            operation = self._ids[source_name].get(operation_id)
            if operation is None:
                folded = [
                    o
                    for i, o in self._ids[source_name].items()
                    if i.casefold() == operation_id.casefold()
                ]
                if len(folded) == 1:
                    self.diagnostics.dialect(
                        where,
                        f"operationId '{operation_id}' matches '{folded[0].operation_id}' only "
                        "when case is ignored; operationIds are case-sensitive",
                    )
                    return self._unique(folded[0], where)
                self._unknown(operation_id, self._ids[source_name].keys(), where, source_name)
            return self._unique(operation, where)
        matches = [ids[text] for ids in self._ids.values() if text in ids]
        source_name, dot, rest = text.partition(".")
        if not matches and dot and rest in self._ids.get(source_name, {}):
            self.diagnostics.dialect(
                where,
                f"operationId '{text}' names its source without '$sourceDescriptions.'; read as "
                f"'$sourceDescriptions.{source_name}.{rest}'",
            )
            return self._unique(self._ids[source_name][rest], where)
        if not matches and self.unavailable:
            return None
        if len(matches) == 1:
            if len(self.sources) > 1:
                self.diagnostics.dialect(
                    where,
                    f"operationId '{text}' is not qualified although the document has several "
                    f"sources; write '$sourceDescriptions.{matches[0].source}.{text}'",
                )
            return self._unique(matches[0], where)
        if len(matches) > 1:
            names = ", ".join(f"'{m.source}'" for m in matches)
            self.diagnostics.error(
                where,
                f"operationId '{text}' is defined by several sources ({names}); "
                f"qualify it as '$sourceDescriptions.<name>.{text}'",
            )
            return None
        folded = [
            ids[operation_id]
            for ids in self._ids.values()
            for operation_id in ids
            if operation_id.casefold() == text.casefold()
        ]
        if len(folded) == 1 and folded[0].operation_id is not None:
            self.diagnostics.dialect(
                where,
                f"operationId '{text}' matches '{folded[0].operation_id}' only when case is "
                "ignored; operationIds are case-sensitive",
            )
            return self._unique(folded[0], where)
        every = [operation_id for ids in self._ids.values() for operation_id in ids]
        self._unknown(text, every, where, None)
        return None

    def _unique(self, operation: Operation | None, where: Location) -> Operation | None:
        """The operation, unless its operationId names several operations of its source."""
        if operation is None or operation.operation_id is None:
            return operation
        same = [
            o
            for o in self.sources[operation.source].operations
            if o.operation_id == operation.operation_id
        ]
        if len(same) > 1:
            places = ", ".join(f"{o.method} {o.path}" for o in same)
            self.diagnostics.error(
                where,
                f"operationId '{operation.operation_id}' is defined more than once in "
                f"source description '{operation.source}' ({places})",
            )
            return None
        return operation

    def _unknown(
        self, operation_id: str, known: Iterable[str], where: Location, source: str | None
    ) -> None:
        candidates = sorted(known)
        close = difflib.get_close_matches(operation_id, candidates, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        place = f"source description '{source}'" if source else "any source description"
        self.diagnostics.error(
            where, f"operationId '{operation_id}' is not defined in {place}{hint}"
        )

    def by_path(self, text: str, where: Location) -> Operation | None:
        match = _OPERATION_PATH.match(text)
        lenient = _LENIENT_OPERATION_PATH.match(text) if not match else None
        if lenient and (lenient.group(1) in self.sources or lenient.group(1) in self.unavailable):
            source_name, pointer = lenient.groups()
            self.diagnostics.dialect(
                where,
                f"non-standard operationPath '{text}'; read as "
                f"'{{$sourceDescriptions.{source_name}.url}}#{pointer}'",
            )
            match = _OPERATION_PATH.match(f"{{$sourceDescriptions.{source_name}.url}}#{pointer}")
        if not match:
            self.diagnostics.error(
                where,
                f"operationPath '{text}' must have the form "
                "'{$sourceDescriptions.<name>.url}#/paths/<escaped path>/<method>'",
            )
            return None
        source_name, pointer = match.groups()
        if source_name in self.unavailable:
            return None
        source = self.sources.get(source_name)
        if source is None:
            self.diagnostics.error(where, f"unknown source description '{source_name}'")
            return None
        pointer = unquote(pointer)
        for operation in source.operations:
            if operation.pointer == pointer:
                return operation
        self.diagnostics.error(
            where,
            f"operationPath pointer '{pointer}' does not name an operation of '{source_name}'",
        )
        return None
