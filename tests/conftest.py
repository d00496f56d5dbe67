"""Every compilation in the tests, in-process or in a child process, caches its formatting in
a folder of its own instead of the user's ~/.cache (see generator/format_cache.py)."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_CACHE_VARIABLE = "ARAZZO_CODEGEN_CACHE_DIR"


def pytest_configure(config: pytest.Config) -> None:
    os.environ[_CACHE_VARIABLE] = tempfile.mkdtemp(prefix="arazzo-codegen-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = os.environ.pop(_CACHE_VARIABLE, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
