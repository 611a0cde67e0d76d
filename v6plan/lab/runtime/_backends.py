"""Backend registry: a name → the class that runs topologies, imported on first use.

The simulator (``sim``) needs nothing but Scapy; ``netns`` needs Linux and root (or an
unprivileged user namespace). Importing a backend may cost Scapy's import, so nothing
here is imported until a command needs a running lab.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .._errors import BackendError, LabError

if TYPE_CHECKING:
    from ._backend import Backend

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "REPLAY_BACKEND",
    "backend_class",
    "backend_problem",
    "replays",
]

#: name → "module:Class"
BACKENDS: dict[str, str] = {
    "sim": "v6plan.lab.runtime.sim:SimBackend",
    "netns": "v6plan.lab.runtime.netns:NetnsBackend",
}
DEFAULT_BACKEND = "sim"
#: the backend a graded result is replayed on: deterministic, so its journal gives the same
#: network anywhere (no root); only results recorded on it can be replayed
REPLAY_BACKEND = "sim"

# The rest of the engine never compares a backend's name (tests/lab/test_contract.py): what
# differs between backends is a declared part of the contract (``Backend.unavailable``,
# ``sweep``, ``shell_argv``, ``persistent`` …), asked of the class this registry gives.


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


def backend_problem(name: str) -> str:
    """Why the backend ``name`` cannot run here ('' when it can): its own
    :meth:`~._backend.Backend.unavailable`, or why it cannot even be loaded. An unknown
    name is a :class:`LabError`."""
    try:
        cls = backend_class(name)
    except BackendError as exc:
        return str(exc)
    return cls.unavailable()


def replays(name: object) -> bool:
    """True when a result recorded on backend ``name`` can be replayed from its journal."""
    return name == REPLAY_BACKEND
