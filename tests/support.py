"""Helpers for tests that compile small documents and run what they generate."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import itertools
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

from generator.diagnostics import Diagnostics
from generator.pipeline import generate_package
from generator.write import write

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def loopback_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1 while the block runs; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


_counter = itertools.count()


class CompileFailed(Exception):
    def __init__(self, diagnostics: Diagnostics) -> None:
        super().__init__("\n".join(str(d) for d in diagnostics.sorted()))
        self.diagnostics = diagnostics


def write_documents(folder: Path, documents: dict[str, str]) -> None:
    for name, text in documents.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def compile_documents(
    tmp_path: Path, documents: dict[str, str], entry: str = "workflow.arazzo.yaml"
) -> tuple[ModuleType, Diagnostics]:
    """Write the documents, compile `entry`, import the generated package under a fresh name."""
    write_documents(tmp_path / "specs", documents)
    package = f"generated_case_{next(_counter)}"
    diagnostics = Diagnostics()
    generated = generate_package(tmp_path / "specs" / entry, diagnostics, package=package)
    if generated is None:
        raise CompileFailed(diagnostics)
    out = tmp_path / "out"
    write(out, generated.package, generated.files)
    return import_package(out, package), diagnostics


def import_package(folder: Path, package: str) -> ModuleType:
    sys.path.insert(0, str(folder))
    try:
        importlib.invalidate_caches()
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(folder))


def load_runtime() -> ModuleType:
    """The runtime module every generated package carries, loaded from the template."""
    name = "arazzo_runtime_under_test"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "templates" / "_runtime.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def stand_in_credentials(package: ModuleType) -> Any:
    """Credentials for every scheme a generated package's sources declare, with test values
    (for mocks that check only that credentials are there: Jentic's, Prism's). None when the
    package has no `Credentials`."""
    credentials = getattr(package, "Credentials", None)
    if credentials is None:
        return None
    kinds = {
        "ApiKey": lambda: package.ApiKey(value="test-key"),
        "BearerToken": lambda: package.BearerToken(token="test-token"),
        "HttpBasic": lambda: package.HttpBasic(username="test-user", password="test-password"),
    }
    sources = {}
    for source in dataclasses.fields(credentials):
        source_class = getattr(package, str(source.type).split(" | ")[0])
        schemes = {}
        for scheme in dataclasses.fields(source_class):
            first = str(scheme.type).split(" | ")[0]
            schemes[scheme.name] = kinds[first]()
        sources[source.name] = source_class(**schemes)
    return credentials(**sources)


def credentials_argument(package: ModuleType) -> dict[str, Any]:
    """`credentials=` with stand-in credentials for a workflow function of `package`, or
    nothing when its APIs declare no security."""
    credentials = stand_in_credentials(package)
    return {} if credentials is None else {"credentials": credentials}
