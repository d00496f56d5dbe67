"""The whole compilation of one Arazzo document: load -> compile -> render -> format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.compile.document import compile_document
from generator.diagnostics import Diagnostics
from generator.format import format_source
from generator.format_cache import FormatCache
from generator.render import render_module

FORMATTED = ("__init__.py", "workflows.py", "testing.py")
"""The files rendered from templates; black formats them once per package."""


@dataclass(frozen=True)
class GeneratedPackage:
    package: str
    files: dict[str, str]


def generate_package(
    path: Path,
    diagnostics: Diagnostics,
    *,
    package: str | None = None,
    source_map: Mapping[str, Path] | None = None,
    sync: bool = False,
    allow_remote: bool = False,
    format_cache: Path | None = None,
) -> GeneratedPackage | None:
    """The formatted files of the package for one Arazzo document, or None on errors.
    With `sync`, each workflow function also gets a synchronous twin. With a `format_cache`
    folder, definitions unchanged since the last compilation are not formatted again."""
    module = compile_document(
        path, diagnostics, package=package, source_map=source_map, allow_remote=allow_remote
    )
    if module is None:
        return None
    texts = render_module(module, sync=sync)
    # The helper modules are copied as they are committed (already formatted).
    files = dict(texts)
    for name in FORMATTED:
        cache = None
        if format_cache is not None:
            cache = FormatCache.open(format_cache, str(path.resolve()), module.package, name)
        files[name] = format_source(texts[name], name, cache)
        if cache is not None:
            cache.save()
    return GeneratedPackage(module.package, files)
