"""The lab engine: virtual IPv6 topologies on a Scapy simulator or Linux namespaces.

The public names are listed in ``__all__`` (and in docs/lab-backends.md). Importing this
package costs only the planner core and the error classes: every other name is imported
on first use (``import scapy.all`` alone costs ~0.9 s, and ``v6lab --help`` needs none
of it). Nothing here is part of the headless planner core.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._errors import AdvertError, BackendError, LabError, MissingProgramsError, NoSessionError

if TYPE_CHECKING:
    from .model._calcs import CalcError
    from .model._checkspec import CheckSpec
    from .model._labfile import Lab, LabRun, Variant, list_labs, load_lab, load_variant
    from .runtime._backend import (
        Address,
        AddressFlag,
        AddressScope,
        Backend,
        CommandResult,
        Interface,
        LinkSpec,
        Neighbour,
        NeighbourState,
        NodeKind,
        NodeSpec,
        Route,
        RouteProto,
        RouterAdvert,
        TopologySpec,
    )
    from .runtime._backends import BACKENDS, DEFAULT_BACKEND, backend_class
    from .runtime._session import Session

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "Address",
    "AddressFlag",
    "AddressScope",
    "AdvertError",
    "Backend",
    "BackendError",
    "CalcError",
    "CheckSpec",
    "CommandResult",
    "Interface",
    "Lab",
    "LabError",
    "LabRun",
    "LinkSpec",
    "MissingProgramsError",
    "Neighbour",
    "NeighbourState",
    "NoSessionError",
    "NodeKind",
    "NodeSpec",
    "Route",
    "RouteProto",
    "RouterAdvert",
    "Session",
    "TopologySpec",
    "Variant",
    "backend_class",
    "list_labs",
    "load_lab",
    "load_variant",
]

#: public name → the module that defines it (imported on first use)
_LAZY: dict[str, str] = {
    **dict.fromkeys(("Lab", "LabRun", "Variant", "list_labs", "load_lab", "load_variant"),
                    "model._labfile"),
    "CalcError": "model._calcs",
    "CheckSpec": "model._checkspec",
    **dict.fromkeys(
        (
            "Address",
            "AddressFlag",
            "AddressScope",
            "Backend",
            "CommandResult",
            "Interface",
            "LinkSpec",
            "Neighbour",
            "NeighbourState",
            "NodeKind",
            "NodeSpec",
            "Route",
            "RouteProto",
            "RouterAdvert",
            "TopologySpec",
        ),
        "runtime._backend",
    ),
    **dict.fromkeys(("BACKENDS", "DEFAULT_BACKEND", "backend_class"), "runtime._backends"),
    "Session": "runtime._session",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first used (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
