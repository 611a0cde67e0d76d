"""The simulated stack's state: defaults, addresses, routes, neighbours, interfaces.

Frames are bytes: every frame is recorded on the interfaces it crosses (the capture
and the differential suite read that history).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .. import _wire as w
from .._backend import RouterAdvert
from ._world import Timer, World

#: ff01::1 (interface-local all-nodes): every interface joins it with ff02::1
ALL_NODES_IFACE = 0xFF01 << 112 | 1
#: the all-routers groups a forwarding interface joins (dev_forward_change), in order
ROUTER_GROUPS = (0xFF02 << 112 | 2, 0xFF01 << 112 | 2, 0xFF05 << 112 | 2)

__all__ = ["Addr", "Iface", "IfaceOwner", "Neigh", "Radvd", "RouteEntry"]

#: one-way delay of a simulated link (so RTTs look like a veth's, ~0.05 ms)
LINK_DELAY = 0.000025
#: delay of the loopback path (a ping to oneself shows ~0.02 ms, as on Linux)
LOOP_DELAY = 0.00001
INFINITY = 0xFFFFFFFF
#: RFC 4862 §5.5.3 (e): the two-hour rule for valid lifetimes of existing addresses
TWO_HOURS = 7200

CONF_DEFAULTS: dict[str, int] = {
    "forwarding": 0,
    "hop_limit": 64,
    "mtu": 1500,
    "accept_ra": 1,
    "accept_ra_defrtr": 1,
    "accept_ra_pinfo": 1,
    "accept_ra_mtu": 1,
    "accept_dad": 1,
    "dad_transmits": 1,
    "autoconf": 1,
    "router_solicitations": -1,
    "router_solicitation_interval": 4,
    "router_solicitation_max_interval": 3600,
    "router_solicitation_delay": 1,
    "disable_ipv6": 0,
    "addr_gen_mode": 0,
    "use_tempaddr": 0,
    "accept_redirects": 1,
    "keep_addr_on_down": 0,
    "proxy_ndp": 0,
    "ignore_routes_with_linkdown": 0,
    # stored so labs may set them; the simulator does not model what they change
    "accept_source_route": 0,
    "accept_ra_from_local": 0,
    "accept_ra_min_hop_limit": 1,
    "accept_ra_rt_info_max_plen": 0,
    "accept_ra_rtr_pref": 1,
    "drop_unsolicited_na": 0,
    "enhanced_dad": 1,
    "force_mld_version": 0,
    "max_addresses": 16,
    "ndisc_notify": 0,
    "optimistic_dad": 0,
    "router_probe_interval": 60,
    "seg6_enabled": 0,
    "suppress_frag_ndisc": 1,
    "temp_prefered_lft": 86400,
    "temp_valid_lft": 604800,
    "max_desync_factor": 600,
    "regen_max_retry": 3,
    "regen_min_advance": 2,
    "use_oif_addrs_only": 0,
    "use_optimistic": 0,
}
#: the sysctls of RFC 8981 temporary addresses (modelled: ``_addrconf.TempAddrs``)
TEMPADDR_KEYS = (
    "use_tempaddr",
    "temp_prefered_lft",
    "temp_valid_lft",
    "max_desync_factor",
    "regen_max_retry",
    "regen_min_advance",
)
#: values that differ for the ``all`` entry of a fresh namespace
ALL_OVERRIDES: dict[str, int] = {"accept_dad": 0, "mtu": 1280}
NEIGH_DEFAULTS: dict[str, int] = {
    "retrans_time_ms": 1000,
    "base_reachable_time_ms": 30000,
    "delay_first_probe_time": 5,
    "mcast_solicit": 3,
    "ucast_solicit": 3,
    "app_solicit": 0,
    "gc_stale_time": 60,
    "unres_qlen": 101,
    "proxy_delay": 80,  # centiseconds: the random delay before answering an anycast NS
}

#: net.ipv6.icmp.*: echo_ignore_* are modelled; ratelimit is stored, not enforced
ICMP_DEFAULTS: dict[str, int] = {
    "echo_ignore_all": 0,
    "echo_ignore_multicast": 0,
    "echo_ignore_anycast": 0,
    "ratelimit": 1000,
}

INCOMPLETE, REACHABLE, STALE, DELAY, PROBE, FAILED, PERMANENT = (
    "INCOMPLETE",
    "REACHABLE",
    "STALE",
    "DELAY",
    "PROBE",
    "FAILED",
    "PERMANENT",
)


@dataclass(eq=False)
class Addr:
    """One IPv6 address on an interface, with the kernel's flags and lifetimes."""

    addr: int
    plen: int
    flags: set[str]
    created: float
    valid: int = INFINITY  # seconds from ``created``; INFINITY = forever
    preferred: int = INFINITY
    nonce: bytes = b""
    probes: int = 0
    timer: Timer | None = None
    #: whether this address holds a reference on its prefix's subnet-router anycast
    anycast: bool = False
    #: a temporary address (RFC 8981): the SLAAC address it stands in for (ifpub), when
    #: it was made (cstamp: ``created`` moves with every RA that refreshes it) and whether
    #: its successor has been made (regen_count)
    public: Addr | None = None
    born: float = 0.0
    regenerated: bool = False

    def usable(self) -> bool:
        return not self.flags & {"tentative", "dadfailed"}


@dataclass(eq=False)
class RouteEntry:
    dst: int
    length: int
    via: int | None
    dev: str | None
    proto: str = "boot"  # kernel | boot | ra | static
    metric: int = 1024
    expires: float | None = None
    hoplimit: int | None = None
    pref: str = "medium"
    kind: str = "unicast"  # unicast | unreachable | blackhole | prohibit
    #: the RTAX_MTU metric (the kernel sets it on a default route when an RA lowers the MTU)
    mtu: int | None = None
    order: int = 0


@dataclass(eq=False)
class Neigh:
    addr: int
    dev: str
    lladdr: bytes | None = None
    state: str = INCOMPLETE
    router: bool = False
    probes: int = 0
    timer: Timer | None = None
    queue: list[tuple[bytes, int | None]] = field(default_factory=list)


@dataclass(eq=False)
class Radvd:
    """A radvd on one interface: periodic RAs, answers to RSs."""

    iface: str
    advert: RouterAdvert
    initial_left: int = 3
    timer: Timer | None = None


class IfaceOwner(Protocol):
    """What an interface (and whoever holds one) asks of the node it belongs to."""

    name: str
    world: World
    conf: dict[str, dict[str, int]]

    def frame_input(self, iface: Iface, frame: bytes) -> None: ...

    def accept_ra(self, iface: Iface) -> bool: ...

    def _iid(self, iface: Iface, prefix: int) -> int: ...

    def _carrier_on(self, iface: Iface) -> None: ...

    def _carrier_off(self, iface: Iface) -> None: ...


class Iface:
    """A network interface: a veth end (or ``lo``) with addresses and multicast groups."""

    def __init__(self, node: IfaceOwner, name: str, index: int, mac: str) -> None:
        self.node = node
        self.name = name
        self.index = index
        self.mac = mac
        self.macb = w.mac_bytes(mac)
        self.up = name == "lo"
        #: the link's MTU (``ip link``); the IPv6 MTU is the ``mtu`` sysctl (an RA lowers it)
        self.mtu = 65536 if name == "lo" else 1500
        self.peer: Iface | None = None
        self.addrs: list[Addr] = []
        #: multicast groups with their users, oldest first (``ip maddr`` lists newest first)
        self.groups: dict[int, int] = {}
        #: subnet-router anycast addresses (RFC 4291 §2.6.1) with their users
        self.anycast: dict[int, int] = {}
        #: the ff00::/8 route of the local table, added when the link is first ready
        self.mroute = False
        self.rx_packets = self.rx_bytes = self.tx_packets = self.tx_bytes = 0
        self.history: list[tuple[float, bytes]] = []
        self.taps: list[Callable[[bytes], None]] = []
        self.ra_received = False
        self.managed = False
        self.other = False
        self.rs_probes = 0
        self.rs_interval = 0.0
        self.rs_timer: Timer | None = None
        self.router_group = False
        #: RFC 8981 DESYNC_FACTOR (idev->desync_factor), drawn when the first temporary
        #: address is made
        self.desync: int | None = None

    @property
    def loopback(self) -> bool:
        return self.name == "lo"

    @property
    def carrier(self) -> bool:
        return self.loopback or (self.peer is not None and self.peer.up)

    @property
    def running(self) -> bool:
        return self.up and self.carrier

    def link_local(self) -> Addr | None:
        for a in self.addrs:
            if w.is_link_local(a.addr) and a.usable():
                return a
        return None

    def find(self, addr: int) -> Addr | None:
        for a in self.addrs:
            if a.addr == addr:
                return a
        return None

    def join(self, group: int) -> None:
        self.groups[group] = self.groups.get(group, 0) + 1

    def leave(self, group: int) -> None:
        left = self.groups.get(group, 0) - 1
        if left > 0:
            self.groups[group] = left
        else:
            self.groups.pop(group, None)

    # -- frames ------------------------------------------------------------------------------
    def transmit(self, frame: bytes) -> None:
        """Put a frame on the wire (dropped without carrier, like a veth)."""
        if not self.running or self.loopback:
            return
        world = self.node.world
        self.history.append((world.now, frame))
        self.tx_packets += 1
        self.tx_bytes += len(frame)
        peer = self.peer
        assert peer is not None
        world.at(LINK_DELAY, peer.receive, frame)

    def receive(self, frame: bytes) -> None:
        if not self.up:
            return
        self.history.append((self.node.world.now, frame))
        self.rx_packets += 1
        self.rx_bytes += len(frame)
        for tap in list(self.taps):
            tap(frame)
        self.node.frame_input(self, frame)
