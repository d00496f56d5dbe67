"""A sample of `make corpus-run`: corpus workflows run against Stoplight Prism mocks of their
OpenAPI descriptions. No run may crash, and every request Prism rejects must be a document bug
explained in tools/corpus_run_explained.txt (the full run: `make corpus-run`)."""

from __future__ import annotations

import re
import subprocess
import sys

import node_tools
import pytest
from corpus import CORPUS

ROOT = node_tools.ROOT
SAMPLE = 6
_SUMMARY = re.compile(
    r"corpus-run: (\d+) completed, (\d+) stopped by typed errors, (\d+) rejected by Prism, "
    r"(\d+) crashed"
)


def test_a_sample_of_corpus_workflows_runs_against_prism() -> None:
    node_tools.tool("prism")
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus is not at {CORPUS} (set ARAZZO_CORPUS)")

    result = subprocess.run(
        [sys.executable, ROOT / "tools" / "corpus_run.py", "--sample", str(SAMPLE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    summary = _SUMMARY.fullmatch(result.stdout.strip().splitlines()[-1])
    assert summary is not None, output[-3000:]
    completed, typed, rejected, crashed = map(int, summary.groups())
    assert crashed == 0
    assert "UNEXPLAINED" not in output
    assert completed > 0
    assert completed + typed + rejected >= 2 * SAMPLE
