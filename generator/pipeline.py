"""The whole compilation of one Arazzo document: load -> compile -> render -> format."""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator import ir
from generator.compile.document import compile_document
from generator.diagnostics import Diagnostics
from generator.format import format_source
from generator.format_cache import FormatCache
from generator.render import render_module

FORMATTED = ("__init__.py", "_credentials.py", "models.py", "testing.py", "workflows.py")
"""The files rendered from templates (those a package has); black formats them once each."""


@dataclass(frozen=True)
class GeneratedPackage:
    package: str
    files: dict[str, str]
    module: ir.Module | None = None
    """The IR the files were rendered from (for figures about the package)."""


def import_path(output: Path | None, package: str) -> str:
    """How code run from the current folder imports a package written into `output`:
    `generated.tiktok` for `-o generated`; the package name alone when the folder is not below
    the current one or a folder name on the way is not a Python identifier."""
    if output is None:
        return package
    try:
        relative = output.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return package
    parts = relative.parts
    if not all(part.isidentifier() and not keyword.iskeyword(part) for part in parts):
        return package
    return ".".join((*parts, package))


def generate_package(
    path: Path,
    diagnostics: Diagnostics,
    *,
    package: str | None = None,
    source_map: Mapping[str, Path] | None = None,
    sync: bool = False,
    allow_remote: bool = False,
    format_cache: Path | None = None,
    output: Path | None = None,
    keep_going: bool = False,
) -> GeneratedPackage | None:
    """The formatted files of the package for one Arazzo document, or None on errors.
    With `sync`, each workflow function also gets a synchronous twin. With a `format_cache`
    folder, definitions unchanged since the last compilation are not formatted again. The
    `output` folder the package goes into gives the import path its README shows. With
    `keep_going`, the workflows without errors are generated when others have some."""
    module = compile_document(
        path,
        diagnostics,
        package=package,
        source_map=source_map,
        allow_remote=allow_remote,
        keep_going=keep_going,
    )
    if module is None:
        return None
    texts = render_module(module, sync=sync, import_path=import_path(output, module.package))
    # The helper modules are copied as they are committed (already formatted).
    files = dict(texts)
    for name in FORMATTED:
        if name not in texts:
            continue
        cache = None
        if format_cache is not None:
            cache = FormatCache.open(format_cache, str(path.resolve()), module.package, name)
        files[name] = format_source(texts[name], name, cache)
        if cache is not None:
            cache.save()
    return GeneratedPackage(module.package, files, module)
