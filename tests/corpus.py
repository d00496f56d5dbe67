"""The corpus of real Arazzo documents others wrote (../shared/corpus), and how each set
resolves its sources; used by tests/test_corpus.py and `make corpus`."""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from generator import ir
from generator.diagnostics import Diagnostics
from generator.pipeline import GeneratedPackage, generate_package

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("ARAZZO_CORPUS", ROOT.parent / "shared" / "corpus")).resolve()
EXPECTATIONS = ROOT / "tests" / "corpus_expectations.txt"
_SUFFIXES = (".yaml", ".yml", ".json")


def documents() -> list[Path]:
    """Every Arazzo document in the corpus (a YAML/JSON file with a top-level `arazzo` key)."""
    found = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix not in _SUFFIXES or not path.is_file():
            continue
        head = path.read_text(encoding="utf-8", errors="replace")[:4096]
        if "\narazzo:" in "\n" + head or '"arazzo"' in head:
            found.append(path)
    return found


def source_map(path: Path) -> dict[str, Path]:
    """Where each set's source URLs live locally, as the corpus README describes."""
    examples = CORPUS / "OAI/Arazzo-Specification/examples/1.0.0"
    mapping = {
        "https://raw.githubusercontent.com/JaredCE/Arazzo-Runner/refs/heads/main/": CORPUS
        / "JaredCE/Arazzo-Runner",
        "https://cafe.redocly.com/_bundle/openapi/cafe.yaml": CORPUS
        / "Redocly/redocly-cli/resources/cafe.yaml",
        "https://raw.githubusercontent.com/OAI/Arazzo-Specification/main/examples/1.0.0/": examples,
        "/itarazzo/specs/": path.parent,
    }
    relative = path.relative_to(CORPUS).as_posix()
    if relative.startswith("jentic/jentic-public-apis/"):
        mapping["./apis/"] = CORPUS / "jentic/jentic-public-apis/apis"
    if "/tests/schema/pass/" in relative:
        mapping["./pet-coupons.openapi.yaml"] = examples / "pet-coupons.openapi.yaml"
        mapping["./oauth.openapi.yaml"] = examples / "oauth.openapi.yaml"
    return mapping


@dataclass
class Outcome:
    """What compiling one document gave: its diagnostics (as printed), or a traceback."""

    path: Path
    package: GeneratedPackage | None = None
    lines: list[str] = field(default_factory=list)
    traceback: str | None = None
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.path.relative_to(CORPUS).as_posix()

    @property
    def kind(self) -> str:
        if self.traceback is not None:
            return "traceback"
        if self.package is None:
            return "rejected"
        return "warnings" if self.lines else "compiled"

    def expectation(self) -> str:
        """The entry this outcome gives in the expectations file."""
        body = [f"  {line}" for line in self.lines]
        return "\n".join([f"{self.name}: {self.kind}", *body])


def compile_one(path: Path, package: str) -> Outcome:
    diagnostics = Diagnostics()
    started = time.perf_counter()
    outcome = Outcome(path)
    try:
        outcome.package = generate_package(
            path, diagnostics, package=package, source_map=source_map(path)
        )
    except Exception:  # counted and reported: the figure that must stay 0
        outcome.traceback = traceback.format_exc()
    outcome.seconds = time.perf_counter() - started
    prefix = str(CORPUS) + os.sep
    outcome.lines = [str(d).replace(prefix, "") for d in diagnostics.sorted()]
    return outcome


LOOSE = ("Any", "dict[str, Any]", "list[Any]")


def loose_fields(module: ir.Module) -> tuple[int, int]:
    """How many input, output and model fields are Any, dict[str, Any] or list[Any]: where
    the schema is free-form or absent, and where it describes a shape (should be 0)."""
    free, described = 0, 0
    types = [
        f.type
        for w in (*module.workflows, *module.internal_workflows)
        for spec in (w.inputs, w.outputs)
        for f in spec.fields
    ]
    types += [f.type for model in module.models for f in model.fields]
    for py_type in types:
        if py_type.base in LOOSE:
            if py_type.vague:
                described += 1
            else:
                free += 1
    return free, described


def compile_all() -> Iterator[Outcome]:
    for index, path in enumerate(documents()):
        yield compile_one(path, f"corpus_{index:03d}")


HEADER = (
    "# What compiling each corpus document gives: compiled, warnings (compiled, with the\n"
    "# diagnostics below), or rejected (with the errors below). Regenerate with\n"
    "# `make corpus ARGS=--regenerate` and review the diff.\n"
)


def read_expectations() -> dict[str, str]:
    """Expected entries by document name (blocks separated by blank lines)."""
    text = EXPECTATIONS.read_text(encoding="utf-8")
    blocks = [b.strip("\n") for b in text.split("\n\n") if b.strip() and not b.startswith("#")]
    return {block.split(": ", 1)[0]: block for block in blocks}


def write_expectations(outcomes: list[Outcome]) -> None:
    entries = "\n\n".join(o.expectation() for o in outcomes)
    EXPECTATIONS.write_text(HEADER + "\n" + entries + "\n", encoding="utf-8")
