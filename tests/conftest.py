"""Every compilation in the tests, in-process or in a child process, caches its formatting in
a folder of its own instead of the user's ~/.cache (see generator/format_cache.py).

Property tests draw the same examples on every run (derandomized: a failure repeats, and CI
judges the examples that passed here). PROPERTY_RANDOM=1 draws new ones; with PROPERTY_SCALE
(tests/budget.py) that is the soak run to do before a release:
`PROPERTY_RANDOM=1 PROPERTY_SCALE=20 make unit`."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from hypothesis import settings

_CACHE_VARIABLE = "ARAZZO_CODEGEN_CACHE_DIR"

settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("random")
settings.load_profile("random" if os.environ.get("PROPERTY_RANDOM") else "repeatable")


def pytest_configure(config: pytest.Config) -> None:
    os.environ[_CACHE_VARIABLE] = tempfile.mkdtemp(prefix="arazzo-codegen-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = os.environ.pop(_CACHE_VARIABLE, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
