"""Shared test helpers: paths, the acceptance data, and `need` for system requirements.

Import from here (``from support import need``): two conftest.py files share the module
name ``conftest``, so importing from it depends on which was loaded last.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
ACCEPTANCE = DATA / "acceptance"
#: The shared originals, when this checkout sits beside them (the copies must match).
SHARED_ACCEPTANCE = ROOT.parent / "shared" / "acceptance"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def acceptance(name: str) -> dict:
    """Load one acceptance file (tests/data/acceptance, a copy of ../shared/acceptance)."""
    return yaml.safe_load((ACCEPTANCE / name).read_text())


def need(condition: bool, reason: str) -> None:
    """Skip locally when a system tool or privilege is missing; in CI that is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)
