"""Compile every Arazzo document of a folder, one at a time, in this one (warm) process.

Run by the benchmark with the project's interpreter: ``python -m bench.corpus_worker CORPUS OUT``.
Prints one JSON line per document: its path, the CLI's exit status (0 compiled, 1 errors in the
document, 3 internal error), the wall time of that document, and its first error line.

When the CLI has ``--source-map``, every document is compiled with the mappings that the
corpus README gives for sources named by remote or container-absolute URLs.
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

from generator.cli import build_parser
from generator.cli import main as cli_main

SUFFIXES = (".yaml", ".yml", ".json")

#: URL prefix -> folder inside the corpus (corpus README, "Resolving sourceDescriptions").
SOURCE_MAP = {
    "https://raw.githubusercontent.com/JaredCE/Arazzo-Runner/refs/heads/main/": (
        "JaredCE/Arazzo-Runner"
    ),
    "https://cafe.redocly.com/_bundle/openapi/": "Redocly/redocly-cli/resources",
    "/itarazzo/specs/": (
        "BinkyLabs/openapi-arazzo-dotnet/tests/lib/Samples/DescribingApiWorkflowsWithArazzo/specs"
    ),
    "https://raw.githubusercontent.com/OAI/Arazzo-Specification/main/examples/1.0.0/": (
        "OAI/Arazzo-Specification/examples/1.0.0"
    ),
    "./apis/": "jentic/jentic-public-apis/apis",
}


def source_map_arguments(root: Path) -> list[str]:
    if not _has_option("--source-map"):
        return []
    return [f"--source-map={prefix}={root / folder}" for prefix, folder in SOURCE_MAP.items()]


def _has_option(option: str) -> bool:
    """Whether `arazzo-codegen generate` takes `option` (older versions have no --source-map)."""
    for action in build_parser()._actions:
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict) and "generate" in choices:
            return option in choices["generate"]._option_string_actions
    return False


def is_arazzo(path: Path) -> bool:
    """The CLI's own test for a folder's files: an `arazzo` key near the top."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return False
    return '"arazzo"' in head or "\narazzo:" in "\n" + head


def documents(root: Path) -> list[Path]:
    return [
        path
        for path in sorted(root.rglob("*"))
        if path.suffix in SUFFIXES and path.is_file() and is_arazzo(path)
    ]


def main() -> None:
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    mapping = source_map_arguments(root)
    print(json.dumps({"source_map": mapping}), flush=True)
    for index, document in enumerate(documents(root)):
        stdout, stderr = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        status = cli_main(
            ["generate", str(document), "-o", str(out / f"d{index:03d}"), *mapping],
            out=stdout,
            err=stderr,
        )
        seconds = time.perf_counter() - started
        errors = [line for line in stderr.getvalue().splitlines() if "error" in line]
        record = {
            "document": str(document.relative_to(root)),
            "exit": status,
            "seconds": seconds,
            "first_error": errors[0] if errors else None,
        }
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
