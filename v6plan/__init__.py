"""v6plan: IPv6 address planning and training labs.

The headless core (this package minus ``v6plan.tui`` and ``v6plan.lab``) never
imports Textual or Scapy. Implementation lives in private modules; this is the API.
"""

from __future__ import annotations

__version__ = "0.1.0"

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from v6plan._build import BuildResult, build
    from v6plan._errors import (
        AddressError,
        InputError,
        LockError,
        NotFoundError,
        PlanError,
        Problem,
        SpecError,
        V6PlanError,
    )
    from v6plan._lock import Lock, lock_path_for
    from v6plan._plan import Kind, Node, Plan
    from v6plan._prefix import Prefix, format_address, format_prefix, parse_address, parse_prefix
    from v6plan._spec import Spec, SpecNode, load_spec, parse_spec

#: where each name of the API lives; imported on first use, so that a command importing one
#: module of the package (``v6lab exec``: the session client) does not pay for the planner
_LAZY = {
    "BuildResult": "v6plan._build",
    "build": "v6plan._build",
    "AddressError": "v6plan._errors",
    "InputError": "v6plan._errors",
    "LockError": "v6plan._errors",
    "NotFoundError": "v6plan._errors",
    "PlanError": "v6plan._errors",
    "Problem": "v6plan._errors",
    "SpecError": "v6plan._errors",
    "V6PlanError": "v6plan._errors",
    "Lock": "v6plan._lock",
    "lock_path_for": "v6plan._lock",
    "Kind": "v6plan._plan",
    "Node": "v6plan._plan",
    "Plan": "v6plan._plan",
    "Prefix": "v6plan._prefix",
    "format_address": "v6plan._prefix",
    "format_prefix": "v6plan._prefix",
    "parse_address": "v6plan._prefix",
    "parse_prefix": "v6plan._prefix",
    "Spec": "v6plan._spec",
    "SpecNode": "v6plan._spec",
    "load_spec": "v6plan._spec",
    "parse_spec": "v6plan._spec",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'v6plan' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "AddressError",
    "BuildResult",
    "InputError",
    "Kind",
    "Lock",
    "LockError",
    "Node",
    "NotFoundError",
    "Plan",
    "PlanError",
    "Prefix",
    "Problem",
    "Spec",
    "SpecError",
    "SpecNode",
    "V6PlanError",
    "build",
    "format_address",
    "format_prefix",
    "load_spec",
    "lock_path_for",
    "parse_address",
    "parse_prefix",
    "parse_spec",
]
