"""Every Arazzo document of the corpus (../shared/corpus) compiles as expected: compiles,
compiles with exactly these warnings, or is rejected with exactly these errors; never a
traceback. Every generated package imports, passes mypy --strict and ruff (in one batch each)
and is what black itself makes of it (the compiler formats one definition at a time)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import CORPUS, Outcome, compile_all, read_expectations

from generator.write import write

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the corpus is not at {CORPUS} (set ARAZZO_CORPUS)"
)


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return list(compile_all())


def test_no_document_gives_a_traceback(outcomes: list[Outcome]) -> None:
    crashed = [(o.name, o.traceback) for o in outcomes if o.traceback]
    assert crashed == []


def test_outcomes_match_the_expectations(outcomes: list[Outcome]) -> None:
    expected = read_expectations()
    actual = {o.name: o.expectation() for o in outcomes}
    assert sorted(actual) == sorted(expected), "documents added to or removed from the corpus"
    differing = {
        name: (expected[name], text) for name, text in actual.items() if text != expected[name]
    }
    assert differing == {}


def test_every_error_has_a_location(outcomes: list[Outcome]) -> None:
    unlocated = [
        line
        for o in outcomes
        for line in o.lines
        if ": error: " in line and not line.split(": error: ")[0].count(":") >= 2
    ]
    assert unlocated == []


def test_generated_packages_import_and_pass_mypy_ruff_and_black(
    outcomes: list[Outcome], tmp_path: Path
) -> None:
    compiled = [o for o in outcomes if o.package is not None]
    assert len(compiled) > 50
    for outcome in compiled:
        assert outcome.package is not None
        write(tmp_path, outcome.package.package, outcome.package.files)
    sys.path.insert(0, str(tmp_path))
    try:
        for outcome in compiled:
            assert outcome.package is not None
            importlib.import_module(outcome.package.package)
    finally:
        sys.path.remove(str(tmp_path))
    packages = sorted(p.name for p in tmp_path.iterdir())
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *packages],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-5000:]
    # The project's own rules; E501 aside: black cannot split a long string literal (a
    # document's multi-line payload template) or a long name nested deep in a step loop.
    rules = ["--select", "E,F,W,I,B,UP,SIM,RUF", "--ignore", "E501"]
    ruff = [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", *rules]
    result = subprocess.run(
        [*ruff, "--line-length", "100", "--target-version", "py311", *packages],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-5000:]
    black = [sys.executable, "-m", "black", "--check", "--quiet", "--line-length", "100"]
    result = subprocess.run(
        [*black, "--target-version", "py311", *packages],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-5000:]
