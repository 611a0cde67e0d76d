"""The contract between the lab engine and its backends (``sim`` and ``netns``).

The engine (topologies, labs, checks, the ``v6lab`` command) talks to a running
topology only through :class:`Backend`. Both backends must give the same answers to
the same questions — the differential suite runs one scenario on both and compares
verdicts and packets. Addresses are integers, as everywhere in v6plan.

Changes to this file are additive only: the engine and the backends are built side by side.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

__all__ = [
    "Address",
    "Backend",
    "CommandResult",
    "Interface",
    "LinkSpec",
    "Neighbour",
    "NodeSpec",
    "Route",
    "TopologySpec",
]


# -- what to build ---------------------------------------------------------------------------
@dataclass(frozen=True)
class NodeSpec:
    name: str
    kind: str = "host"  # "host" | "router"
    #: sysctls applied before any interface exists, e.g. {"net.ipv6.conf.all.forwarding": "1"}
    sysctls: dict[str, str] = field(default_factory=dict)
    #: run radvd-like router advertisements on these interfaces: {ifname: radvd-style options}
    advertise: dict[str, dict[str, object]] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkSpec:
    a: tuple[str, str]  # (node, ifname)
    b: tuple[str, str]


@dataclass(frozen=True)
class TopologySpec:
    name: str
    nodes: tuple[NodeSpec, ...]
    links: tuple[LinkSpec, ...]
    #: commands the engine runs on each node after start (addressing from the plan, etc.)
    setup: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)


# -- what a backend reports ----------------------------------------------------------------------
@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str
    stderr: str = ""


@dataclass(frozen=True)
class Interface:
    name: str
    mac: str  # "02:00:00:00:00:01", lower case
    up: bool
    mtu: int = 1500


@dataclass(frozen=True)
class Address:
    ifname: str
    address: int
    length: int
    scope: str  # "global" | "link" | "host"
    #: subset of {"tentative", "dadfailed", "deprecated", "permanent", "dynamic", "nodad"}
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Route:
    dst: int
    length: int
    via: int | None
    ifname: str | None
    proto: str = "static"  # "kernel" | "static" | "ra" | "boot"
    metric: int = 1024


@dataclass(frozen=True)
class Neighbour:
    address: int
    ifname: str
    lladdr: str | None
    state: str  # "REACHABLE" | "STALE" | "DELAY" | "PROBE" | "INCOMPLETE" | "FAILED" | "PERMANENT"


# -- the backend -----------------------------------------------------------------------------------
class Backend(ABC):
    """A running topology on one backend, for one lab session."""

    name: ClassVar[str]
    #: True when state survives between processes by itself (netns: the kernel holds it).
    #: False for the simulator: the engine keeps a journal of exec/advance calls with wall
    #: times and replays it after :meth:`attach`; the simulator must be deterministic.
    persistent: ClassVar[bool]

    def __init__(self, session: str, workdir: Path) -> None:
        """``session`` is a short tag (≤ 6 chars) that prefixes every name this backend makes."""
        self.session = session
        self.workdir = workdir

    @abstractmethod
    def start(self, topology: TopologySpec, progress: Callable[[str], None] | None = None) -> None:
        """Build the topology and wait (by polling, never fixed sleeps) until it is usable."""

    @abstractmethod
    def attach(self, topology: TopologySpec) -> None:
        """Reconnect to a topology started by an earlier process of the same session."""

    @abstractmethod
    def stop(self) -> None:
        """Tear down everything this session made (namespaces, daemons); idempotent."""

    @abstractmethod
    def exec(self, node: str, argv: list[str], timeout: float = 10.0) -> CommandResult:
        """Run a trainee command on a node (the sim implements an ip/ping/… subset)."""

    @abstractmethod
    def advance(self, seconds: float) -> None:
        """Let time pass (sim: virtual time; netns: real time, by polling if it must wait)."""

    @abstractmethod
    def interfaces(self, node: str) -> list[Interface]: ...

    @abstractmethod
    def addresses(self, node: str) -> list[Address]: ...

    @abstractmethod
    def routes(self, node: str) -> list[Route]: ...

    @abstractmethod
    def neighbours(self, node: str) -> list[Neighbour]: ...

    @abstractmethod
    def sysctl(self, node: str, key: str) -> str: ...

    @abstractmethod
    def send_l3(self, node: str, packets: list[bytes], timeout: float = 1.0) -> list[bytes]:
        """Send IPv6 packets (bytes from the IPv6 header) from the node's own stack, routed
        by its tables; return the IPv6 packets addressed to the node that arrive within
        ``timeout`` (echo replies, ICMPv6 errors)."""

    @abstractmethod
    def send_l2(self, node: str, ifname: str, frames: list[bytes], timeout: float = 1.0) -> list[bytes]:
        """Send Ethernet frames out of ``node:ifname``; return frames received there within
        ``timeout`` (NS → NA, RS → RA probes)."""

    @abstractmethod
    def capture(self, node: str, ifname: str, path: Path, seconds: float = 0.0) -> int:
        """Write a pcap of frames seen on ``node:ifname`` (the sim: its whole history, plus
        ``seconds`` more); return how many frames were written."""
