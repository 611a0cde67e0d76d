"""v6plan: IPv6 address planning and training labs.

The headless core (this package minus ``v6plan.tui`` and ``v6plan.lab``) never
imports Textual or Scapy. Implementation lives in private modules; this is the API.
"""

from __future__ import annotations

__version__ = "0.1.0"

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
