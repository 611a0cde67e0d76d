"""Shared helpers for the lab tests.

``need`` comes from tests/support.py (not from ``conftest``: this directory's conftest.py
shadows that module name).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

from support import IN_CI, need  # noqa: E402,F401


def have_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


def have_backend(module: str, cls: str) -> bool:
    if not have_module(module):
        return False
    return hasattr(importlib.import_module(module), cls)


def require_backend(name: str) -> None:
    """Skip (locally) or fail (CI) when a real backend cannot run here."""
    if name == "fake":
        return
    if name == "sim":
        need(
            have_backend("v6plan.lab.sim", "SimBackend"),
            "the sim backend (v6plan.lab.sim) is not there yet",
        )
        return
    need(
        have_backend("v6plan.lab.netns", "NetnsBackend"),
        "the netns backend (v6plan.lab.netns) is not there yet",
    )
    need(sys.platform.startswith("linux") and os.geteuid() == 0, "netns labs need root on Linux")


def v6lab(*args: object) -> tuple[int, str, str]:
    """``v6lab ARGS`` in this process: (exit code, stdout, stderr)."""
    import contextlib
    import io

    from v6plan.lab.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()
