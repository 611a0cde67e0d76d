"""Shared helpers for the lab tests.

Backends (have_backend, require_backend), the programs a lab runs, and ``v6lab`` run
in-process.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from .env import IN_CI, need, need_program, need_programs

__all__ = ["IN_CI", "need", "need_program", "need_programs"]


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
            have_backend("v6plan.lab.runtime.sim", "SimBackend"),
            "the sim backend (v6plan.lab.runtime.sim) is not there yet",
        )
        return
    need(
        have_backend("v6plan.lab.runtime.netns", "NetnsBackend"),
        "the netns backend (v6plan.lab.runtime.netns) is not there yet",
    )
    need(sys.platform.startswith("linux") and os.geteuid() == 0, "netns labs need root on Linux")
    need_programs("ip", sbin=False)  # the backend's own: it builds every namespace with it


def need_lab_programs(lab: Any, backend: str) -> None:
    """Skip (locally) or fail (CI) when a program the lab runs on ``backend`` — what its
    ``programs:`` declares and what the backend runs itself — is not installed; the skip
    names the Debian package. Asked through the contract (``missing_programs``)."""
    from v6plan.lab.runtime._backends import backend_class
    from v6plan.lab.runtime._programs import missing_message

    missing = backend_class(backend).missing_programs(lab.instantiate().topology_spec())
    need(not missing, missing_message(missing, f"{lab.name} on {backend} runs"))


def path_without(directory: Path, *hidden: str) -> str:
    """A PATH on which every program of the current PATH is found except ``hidden``: a
    directory of symlinks (how tests see a machine without a tool; nothing is uninstalled)."""
    directory.mkdir(parents=True, exist_ok=True)
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        folder = Path(entry)
        if not folder.is_dir():
            continue
        for program in folder.iterdir():
            link = directory / program.name
            if program.name not in hidden and not link.exists() and not link.is_symlink():
                link.symlink_to(program)
    return str(directory)


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
