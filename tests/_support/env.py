"""Shared test helpers: paths, the acceptance data, `need` for system requirements and
`need_program` for the external programs a test runs.

Import from here (``from _support import need``): two conftest.py files share the module
name ``conftest``, so importing from it depends on which was loaded last.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
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


def need_program(name: str, sbin: bool = True) -> str:
    """The path of an external program a test runs: the one guard every such test goes
    through. Missing, it skips locally naming the Debian package to install (from the table
    ``v6lab`` uses, v6plan.lab.runtime._programs) and fails in CI. ``sbin=False`` for a program
    run by name, as the netns backend runs them (PATH only; sbin is on root's PATH)."""
    from v6plan.lab.runtime._programs import find_program

    need_programs(name, sbin=sbin)
    path = find_program(name, sbin)
    assert path is not None
    return path


def need_programs(*names: str, sbin: bool = True) -> None:
    """:func:`need_program` for several: one skip naming every missing one's package."""
    from v6plan.lab.runtime._programs import missing_message, missing_programs, package_of

    for name in names:
        package_of(name)  # KeyError: add the program to PROGRAMS and to .ci/apt-packages
    missing = missing_programs(names, sbin)
    need(not missing, missing_message(missing, "the test runs"))
