"""Broken documents and the exact diagnostics the compiler prints for them.

Each folder in tests/documents/broken/ is one case (see tests/documents/README.md). After a change
to the compiler's messages, regenerate the expected files and review the diff:

    .venv/bin/python tests/test_broken_documents.py --regenerate [CASE...]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import EXIT_DOCUMENT_ERRORS, EXIT_INTERNAL_ERROR, EXIT_OK, main

BROKEN = Path(__file__).resolve().parent / "documents" / "broken"
DOCUMENT = "workflow.arazzo.yaml"
EXPECTED = "expected.txt"
COMPILES = "compiles"
CASE_PLACEHOLDER = "<case>"
MINIMUM_CASES = 25


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str


def case_folders() -> list[Path]:
    return sorted(p for p in BROKEN.iterdir() if p.is_dir())


def compiles(folder: Path) -> bool:
    return (folder / COMPILES).is_file()


def normalise(text: str, folder: Path) -> str:
    """Replace the case folder's absolute path, which some messages print."""
    return text.replace(str(folder.resolve()), CASE_PLACEHOLDER)


def compile_case(folder: Path, out_dir: Path) -> Result:
    """Run the command line in-process; the working directory must be `folder`."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["generate", DOCUMENT, "-o", str(out_dir)], out, err)
    return Result(code, out.getvalue(), normalise(err.getvalue(), folder))


def test_there_are_enough_cases() -> None:
    folders = case_folders()
    assert len(folders) >= MINIMUM_CASES
    for folder in folders:
        assert (folder / DOCUMENT).is_file(), f"{folder.name} has no {DOCUMENT}"
        assert (folder / EXPECTED).is_file(), f"{folder.name} has no {EXPECTED}"


@pytest.mark.parametrize("folder", case_folders(), ids=lambda p: p.name)
def test_broken_document(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARAZZO_CODEGEN_DEBUG", raising=False)
    monkeypatch.chdir(folder)
    out_dir = tmp_path / "out"

    result = compile_case(folder, out_dir)

    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr
    assert result.stderr == (folder / EXPECTED).read_text(encoding="utf-8")
    lines = result.stderr.splitlines()
    if compiles(folder):
        assert result.code == EXIT_OK
        assert not any(": error: " in line for line in lines)
        assert (out_dir / "workflow" / "workflows.py").is_file()
    else:
        assert result.code == EXIT_DOCUMENT_ERRORS
        assert any(": error: " in line for line in lines)
        assert result.stdout == ""
        assert not out_dir.exists() or not any(out_dir.iterdir())


# ---- regenerating the expected files ---------------------------------------------------------


def regenerate(names: list[str]) -> int:
    """Rewrite expected.txt of the named cases (all when none are named); 1 on a problem."""
    folders = [BROKEN / name for name in names] if names else case_folders()
    status = 0
    for folder in folders:
        if not (folder / DOCUMENT).is_file():
            print(f"{folder.name}: no {DOCUMENT}, skipped", file=sys.stderr)
            status = 1
            continue
        with tempfile.TemporaryDirectory() as out_dir, contextlib.chdir(folder):
            result = compile_case(folder, Path(out_dir))
        if result.code == EXIT_INTERNAL_ERROR or "Traceback" in result.stderr:
            print(f"{folder.name}: the compiler crashed, not written:", file=sys.stderr)
            print(result.stderr, file=sys.stderr, end="")
            status = 1
            continue
        wanted = EXIT_OK if compiles(folder) else EXIT_DOCUMENT_ERRORS
        if result.code != wanted:
            print(f"{folder.name}: exit code {result.code}, expected {wanted}", file=sys.stderr)
            status = 1
        expected = folder / EXPECTED
        old = expected.read_text(encoding="utf-8") if expected.is_file() else None
        if old != result.stderr:
            expected.write_text(result.stderr, encoding="utf-8", newline="\n")
            print(f"{folder.name}: {'updated' if old is not None else 'created'} {EXPECTED}")
    return status


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description="Regenerate the expected diagnostics of the broken documents."
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="rewrite expected.txt from the compiler's output"
    )
    parser.add_argument("cases", nargs="*", metavar="CASE", help="case folder names (default: all)")
    arguments = parser.parse_args()
    if not arguments.regenerate:
        parser.error("nothing to do: pass --regenerate (the tests themselves run under pytest)")
    sys.exit(regenerate(arguments.cases))
