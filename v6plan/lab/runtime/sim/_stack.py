"""The simulated IPv6 stack: one node, the kernel's IPv6 plus its daemons.

It follows the Linux kernel where a trainee can see the difference (flags, route
protocols and metrics, neighbour states and timers, which source an NS or an ICMPv6
error gets, the order of checks when forwarding), because the differential suite holds
it to the kernel. Frames are bytes: every frame is recorded on the interfaces it
crosses; receivers read headers from the bytes and Neighbour Discovery via Scapy.

Each concern lives in its own module, stacked in this order (each may call the ones
below it; the few calls upward are abstract in :mod:`._base`): routes, neighbours,
addresses and DAD, links, IPv6 in/out, ND input, radvd.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import _wire as w
from ._model import (
    ALL_OVERRIDES,
    CONF_DEFAULTS,
    ICMP_DEFAULTS,
    INFINITY,
    NEIGH_DEFAULTS,
    PERMANENT,
    Addr,
    Iface,
    Neigh,
    Radvd,
    RouteEntry,
)
from ._radvd import RadvdMixin
from ._world import World

__all__ = [
    "CONF_DEFAULTS",
    "INFINITY",
    "NEIGH_DEFAULTS",
    "PERMANENT",
    "Addr",
    "Iface",
    "Neigh",
    "Node",
    "RouteEntry",
]


class Node(RadvdMixin):
    """One simulated host or router: the kernel's IPv6 stack plus its daemons."""

    def __init__(self, world: World, name: str, kind: str, session: str = "") -> None:
        self.world = world
        self.name = name
        self.kind = kind
        self.session = session
        self.conf: dict[str, dict[str, int]] = {
            "all": {**CONF_DEFAULTS, **ALL_OVERRIDES},
            "default": dict(CONF_DEFAULTS),
        }
        self.secrets: dict[str, int] = {}
        self.neigh_conf: dict[str, dict[str, int]] = {"default": dict(NEIGH_DEFAULTS)}
        self.icmp: dict[str, int] = dict(ICMP_DEFAULTS)
        self.ifaces: dict[str, Iface] = {}
        self.routes: list[RouteEntry] = []
        self.neigh: dict[tuple[str, int], Neigh] = {}
        self.listeners: list[Callable[[bytes, Iface], None]] = []
        self.radvd: dict[str, Radvd] = {}
        self.pmtu = {}
        self._reassembly = {}
        self._route_order = 0
        self._reachable_ms = self._random_reachable(NEIGH_DEFAULTS["base_reachable_time_ms"])
        lo = self.add_iface("lo", "00:00:00:00:00:00")
        self.conf["lo"]["mtu"] = 65536
        self.conf["lo"]["use_tempaddr"] = -1  # ipv6_add_dev: no temporary addresses on lo
        self.add_address(lo, w.LOOPBACK, 128, {"permanent"})
