"""How many examples a property test tries: its own figure in `make test`, multiplied by
PROPERTY_SCALE for a soak run before a release (`PROPERTY_RANDOM=1 PROPERTY_SCALE=20 make
unit`; tests/conftest.py)."""

from __future__ import annotations

import os

SCALE = float(os.environ.get("PROPERTY_SCALE", "1"))


def examples(count: int) -> int:
    return max(1, round(count * SCALE))
