"""Resolving an Arazzo document's source descriptions to loaded OpenAPI descriptions."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.diagnostics import Diagnostics
from generator.load.refs import DocumentSet, file_problem, is_remote
from generator.load.source import LoadedDocument
from generator.model.arazzo import ArazzoDocument, looks_like_arazzo
from generator.model.openapi import OpenApiDescription, looks_like_openapi, read_openapi


def source_path(arazzo: ArazzoDocument, url: str, documents: DocumentSet) -> Path:
    """The local file a source URL names: through the source map, else relative to the Arazzo
    document (or a file: URL)."""
    mapped = documents.mapped(url)
    if mapped is not None:
        return mapped
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    return arazzo.document.path.parent / unquote(url)


def resolve_sources(
    arazzo: ArazzoDocument, documents: DocumentSet, diagnostics: Diagnostics
) -> tuple[dict[str, OpenApiDescription], dict[str, LoadedDocument]]:
    """Load every source description: OpenAPI descriptions, and Arazzo documents (read later,
    when a workflow of theirs is called); report the ones that cannot be used."""
    result: dict[str, OpenApiDescription] = {}
    arazzo_sources: dict[str, LoadedDocument] = {}
    for source in arazzo.source_descriptions:
        where = arazzo.document.location(source.pointer + "/url")
        if source.type not in (None, "openapi", "arazzo"):
            diagnostics.error(
                arazzo.document.location(source.pointer + "/type"),
                f"source description '{source.name}' has type '{source.type}', "
                "which is not supported yet (openapi and arazzo are)",
            )
            continue
        remote = is_remote(source.url) and documents.mapped(source.url) is None
        if remote and not documents.allow_remote:
            diagnostics.error(
                where,
                f"source description '{source.name}' is a remote URL ({source.url}); "
                "remote sources are not fetched — map it to a local folder with "
                "--source-map URL_PREFIX=DIR, or allow fetching with --allow-remote",
            )
            continue
        path = source_path(arazzo, source.url, documents)
        problem = None if remote else file_problem(path)
        if problem is not None:
            diagnostics.error(
                where,
                f"source description '{source.name}' names a file that {problem}: {source.url}",
            )
            continue
        loaded = documents.load_url(source.url, where) if remote else documents.load(path)
        if loaded is None:
            continue
        if source.type == "arazzo" or (source.type is None and looks_like_arazzo(loaded.data)):
            if not looks_like_arazzo(loaded.data):
                diagnostics.error(
                    where,
                    f"source description '{source.name}' has type 'arazzo', but "
                    f"{path.name} is not an Arazzo document",
                )
                continue
            arazzo_sources[source.name] = loaded
            continue
        if not looks_like_openapi(loaded.data):
            diagnostics.error(
                where,
                f"source description '{source.name}' ({path.name}) is not an OpenAPI description",
            )
            continue
        description = read_openapi(source.name, loaded, documents, diagnostics)
        if description is not None:
            result[source.name] = description
    return result, arazzo_sources
