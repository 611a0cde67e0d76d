"""pytest configuration for every test; the helpers themselves live in support.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# a simulator session process that a test's `v6lab start` leaves behind ends a minute after
# its last command, not 15 (the machine is shared); the lab tests stop theirs at once
os.environ.setdefault("V6LAB_SERVER_IDLE", "60")

from support import (  # noqa: F401  (re-exported for `from conftest import …`)
    ACCEPTANCE,
    DATA,
    IN_CI,
    ROOT,
    SHARED_ACCEPTANCE,
    acceptance,
    need,
)
