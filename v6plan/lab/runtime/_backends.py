"""Backend registry: a name → the class that runs topologies, imported on first use.

The simulator (``sim``) needs nothing but Scapy; ``netns`` needs Linux and root (or an
unprivileged user namespace). Importing a backend may cost Scapy's import, so nothing
here is imported until a command needs a running lab.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING

from .._errors import BackendError, LabError

if TYPE_CHECKING:
    from ._backend import Backend

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "backend_class", "netns_problem"]

#: name → "module:Class"
BACKENDS: dict[str, str] = {
    "sim": "v6plan.lab.runtime.sim:SimBackend",
    "netns": "v6plan.lab.runtime.netns:NetnsBackend",
}
DEFAULT_BACKEND = "sim"


def backend_class(name: str) -> type[Backend]:
    """The backend class for ``name``; a clear error when it is unknown or missing."""
    target = BACKENDS.get(name)
    if target is None:
        raise LabError(f"unknown backend {name!r}; use one of: {', '.join(BACKENDS)}")
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendError(
            f"the {name} backend cannot be loaded ({exc}); try the other backend with --backend"
        ) from None
    cls: type[Backend] = getattr(module, class_name)
    return cls


def netns_problem() -> str:
    """Why the netns backend cannot run here ('' when it can)."""
    if not sys.platform.startswith("linux"):
        return (
            f"the netns backend needs Linux network namespaces; this is {sys.platform}. "
            "Use the simulator: v6lab start LAB (it is the default, --backend sim)"
        )
    if os.geteuid() != 0:
        return (
            "the netns backend needs root to create network namespaces: run "
            "`sudo v6lab start LAB --backend netns` (and sudo for every v6lab command of that "
            "lab), or use the simulator, which needs no root: `v6lab start LAB`"
        )
    try:  # the backend's own reasons (a missing `ip` command …)
        return str(importlib.import_module("v6plan.lab.runtime.netns").available())
    except (ImportError, AttributeError):
        return ""
