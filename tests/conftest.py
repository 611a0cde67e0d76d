"""pytest configuration for every test; the helpers themselves live in support.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import (  # noqa: F401  (re-exported for `from conftest import …`)
    ACCEPTANCE,
    DATA,
    IN_CI,
    ROOT,
    SHARED_ACCEPTANCE,
    acceptance,
    need,
)
