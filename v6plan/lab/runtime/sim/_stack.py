"""The simulated IPv6 stack: nodes, interfaces, addresses, routes and neighbours.

It follows the Linux kernel where a trainee can see the difference (flags, route
protocols and metrics, neighbour states and timers, which source an NS or an ICMPv6
error gets, the order of checks when forwarding), because the differential suite holds
it to the kernel. Frames are bytes: every frame is recorded on the interfaces it
crosses; receivers read headers from the bytes and Neighbour Discovery via Scapy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...._calc import modified_eui64
from .. import _wire as w
from .._backend import RouterAdvert
from ._world import Timer, World

if TYPE_CHECKING:
    from ._ndisc import NdMessage

__all__ = ["Addr", "Iface", "Neigh", "Node", "RouteEntry"]

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
    "use_oif_addrs_only": 0,
    "use_optimistic": 0,
}
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


class Iface:
    """A network interface: a veth end (or ``lo``) with addresses and multicast groups."""

    def __init__(self, node: Node, name: str, index: int, mac: str) -> None:
        self.node = node
        self.name = name
        self.index = index
        self.mac = mac
        self.macb = w.mac_bytes(mac)
        self.up = name == "lo"
        self.peer: Iface | None = None
        self.addrs: list[Addr] = []
        self.groups: dict[int, int] = {}
        self.history: list[tuple[float, bytes]] = []
        self.taps: list[Callable[[bytes], None]] = []
        self.ra_received = False
        self.managed = False
        self.other = False
        self.rs_probes = 0
        self.rs_interval = 0.0
        self.rs_timer: Timer | None = None
        self.router_group = False

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
        peer = self.peer
        assert peer is not None
        world.at(LINK_DELAY, peer.receive, frame)

    def receive(self, frame: bytes) -> None:
        if not self.up:
            return
        self.history.append((self.node.world.now, frame))
        for tap in list(self.taps):
            tap(frame)
        self.node.frame_input(self, frame)


class Node:
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
        self._route_order = 0
        self._reachable_ms = self._random_reachable(NEIGH_DEFAULTS["base_reachable_time_ms"])
        lo = self.add_iface("lo", "00:00:00:00:00:00")
        self.conf["lo"]["mtu"] = 65536
        self.add_address(lo, w.LOOPBACK, 128, {"permanent"})

    # -- configuration -----------------------------------------------------------------------
    def add_iface(self, name: str, mac: str) -> Iface:
        iface = Iface(self, name, len(self.ifaces) + 1, mac)
        self.ifaces[name] = iface
        self.conf[name] = dict(self.conf["default"])
        if name in self.secrets or "default" in self.secrets:
            self.secrets[name] = self.secrets.get("default", 0)
        self.neigh_conf[name] = dict(self.neigh_conf["default"])
        return iface

    def cfg(self, iface: Iface | str, key: str) -> int:
        name = iface if isinstance(iface, str) else iface.name
        return self.conf[name][key]

    def accept_dad(self, iface: Iface) -> int:
        return max(self.conf["all"]["accept_dad"], self.conf[iface.name]["accept_dad"])

    def accept_ra(self, iface: Iface) -> bool:
        conf = self.conf[iface.name]
        return conf["accept_ra"] > 1 if conf["forwarding"] else conf["accept_ra"] > 0

    @property
    def forwarding(self) -> bool:
        return self.conf["all"]["forwarding"] > 0

    def set_conf(self, scope: str, key: str, value: int) -> None:
        """Write a sysctl with the kernel's side effects (``all`` reaches every interface
        for forwarding and disable_ipv6)."""
        self.conf[scope][key] = value
        if scope == "all" and key in ("forwarding", "disable_ipv6"):
            self.conf["default"][key] = value
            for name, iface in self.ifaces.items():
                self.conf[name][key] = value
                if key == "forwarding":
                    self._forwarding_changed(iface)
        elif key == "forwarding" and scope in self.ifaces:
            self._forwarding_changed(self.ifaces[scope])
        if key == "disable_ipv6" and value and scope in self.ifaces:
            self._flush(self.ifaces[scope])

    def _forwarding_changed(self, iface: Iface) -> None:
        """A forwarding interface is in the all-routers group (radvd joins it too)."""
        want = bool(self.conf[iface.name]["forwarding"]) and iface.running and not iface.loopback
        if want and not iface.router_group:
            iface.join(w.ALL_ROUTERS)
        elif not want and iface.router_group:
            iface.leave(w.ALL_ROUTERS)
        iface.router_group = want

    def neigh_param(self, dev: str, key: str) -> int:
        return self.neigh_conf.get(dev, self.neigh_conf["default"])[key]

    def _random_reachable(self, base_ms: int) -> float:
        return self.world.uniform(0.5, 1.5) * base_ms / 1000.0

    # -- interfaces up and down ------------------------------------------------------------------
    def set_up(self, iface: Iface, up: bool) -> None:
        if iface.up == up:
            return
        iface.up = up
        if up:
            self._link_ready(iface)
            if iface.peer is not None and iface.peer.up:
                iface.peer.node._carrier_on(iface.peer)
        else:
            self._flush(iface)
            if iface.peer is not None:
                iface.peer.node._carrier_off(iface.peer)

    def _carrier_on(self, iface: Iface) -> None:
        if iface.up:
            self._link_ready(iface)

    def _carrier_off(self, iface: Iface) -> None:
        """Carrier lost: addresses stay, routes are flagged linkdown, neighbours go."""
        for key in [k for k in self.neigh if k[0] == iface.name]:
            self._neigh_drop(self.neigh.pop(key))

    def _link_ready(self, iface: Iface) -> None:
        """The link is up with carrier: join all-nodes, make the link-local, start DAD for
        addresses that waited, and (once the link-local is ready) solicit routers."""
        if not iface.running or iface.loopback or self.conf[iface.name]["disable_ipv6"]:
            return
        if w.ALL_NODES not in iface.groups:
            iface.join(w.ALL_NODES)
        self._forwarding_changed(iface)
        if not any(w.is_link_local(a.addr) for a in iface.addrs):
            mode = self.conf[iface.name]["addr_gen_mode"]
            if mode != 1:
                iid = self._iid(iface, w.LINK_LOCAL_NET)
                self.add_address(iface, w.LINK_LOCAL_NET | iid, 64, {"permanent"})
        for a in iface.addrs:
            if "tentative" in a.flags and "dadfailed" not in a.flags and a.timer is None:
                self._dad_start(iface, a)
        for radvd in self.radvd.values():
            if radvd.iface == iface.name:
                self._radvd_kick(radvd)

    def _iid(self, iface: Iface, prefix: int) -> int:
        mode = self.conf[iface.name]["addr_gen_mode"]
        secret = self.secrets.get(iface.name)
        if mode in (2, 3) and secret is not None:
            return w.stable_iid(secret, prefix)
        if mode == 3:
            return self.world.rng.getrandbits(64) & ~(0x02 << 56)
        return modified_eui64(iface.mac)

    def _flush(self, iface: Iface) -> None:
        """Admin down: the kernel (keep_addr_on_down=0) drops every address, every route
        through the interface and its neighbours."""
        for a in list(iface.addrs):
            self.del_address(iface, a)
        self.routes = [r for r in self.routes if r.dev != iface.name]
        for key in [k for k in self.neigh if k[0] == iface.name]:
            self._neigh_drop(self.neigh.pop(key))
        iface.groups.clear()
        iface.router_group = False
        for radvd in self.radvd.values():
            if radvd.iface == iface.name:
                iface.join(w.ALL_ROUTERS)
                if radvd.timer is not None:
                    radvd.timer.cancel()
                    radvd.timer = None
        iface.ra_received = False
        iface.managed = iface.other = False
        if iface.rs_timer is not None:
            iface.rs_timer.cancel()
            iface.rs_timer = None
        self.conf[iface.name]["hop_limit"] = self.conf["default"]["hop_limit"]

    # -- addresses ---------------------------------------------------------------------------------
    def add_address(
        self,
        iface: Iface,
        addr: int,
        plen: int,
        flags: set[str],
        valid: int = INFINITY,
        preferred: int = INFINITY,
    ) -> Addr:
        entry = Addr(addr, plen, set(flags), self.world.now, valid, preferred)
        scope = w.scope_of(addr)
        # the kernel inserts before the first address of the same or a smaller scope,
        # so the newest global comes first and link-locals last
        pos = next(
            (i for i, other in enumerate(iface.addrs) if scope >= w.scope_of(other.addr)),
            len(iface.addrs),
        )
        iface.addrs.insert(pos, entry)
        if iface.loopback:
            return entry
        if "noprefixroute" not in entry.flags and "permanent" in entry.flags:
            self._prefix_route(iface, addr, plen)
        iface.join(w.solicited_node(addr))
        entry.flags.add("tentative")
        if iface.running:
            self._dad_start(iface, entry)
        if valid != INFINITY or preferred != INFINITY:
            self._schedule_lifetimes(iface, entry)
        return entry

    def _prefix_route(self, iface: Iface, addr: int, plen: int) -> None:
        net = w.network(addr, plen)
        for r in self.routes:
            if (r.dst, r.length, r.dev, r.proto, r.metric) == (
                net,
                plen,
                iface.name,
                "kernel",
                256,
            ):
                return
        self.add_route(RouteEntry(net, plen, None, iface.name, "kernel", 256))

    def del_address(self, iface: Iface, entry: Addr) -> None:
        if entry not in iface.addrs:
            return
        iface.addrs.remove(entry)
        if entry.timer is not None:
            entry.timer.cancel()
        if not iface.loopback:
            iface.leave(w.solicited_node(entry.addr))
            net = w.network(entry.addr, entry.plen)
            still = any(
                w.network(a.addr, a.plen) == net and a.plen == entry.plen and "permanent" in a.flags
                for a in iface.addrs
            )
            if not still and "permanent" in entry.flags:
                self.routes = [
                    r
                    for r in self.routes
                    if not (
                        r.dst == net
                        and r.length == entry.plen
                        and r.dev == iface.name
                        and r.proto == "kernel"
                        and r.expires is None
                    )
                ]

    def _schedule_lifetimes(self, iface: Iface, entry: Addr) -> None:
        now = self.world.now
        times = []
        if entry.preferred != INFINITY:
            times.append(entry.created + entry.preferred)
        if entry.valid != INFINITY:
            times.append(entry.created + entry.valid)
        for when in times:
            if when >= now:
                self.world.at(when - now, self._lifetime_check, iface, entry)

    def _lifetime_check(self, iface: Iface, entry: Addr) -> None:
        if entry not in iface.addrs:
            return
        age = self.world.now - entry.created
        if entry.valid != INFINITY and age >= entry.valid:
            self.del_address(iface, entry)
        elif entry.preferred != INFINITY and age >= entry.preferred:
            entry.flags.add("deprecated")

    def local_address(self, addr: int, iface: Iface | None = None) -> Addr | None:
        """A usable address of this node equal to ``addr`` (a link-local only on ``iface``)."""
        if w.is_link_local(addr):
            if iface is None:
                return None
            a = iface.find(addr)
            return a if a is not None and a.usable() else None
        for candidate in self.ifaces.values():
            a = candidate.find(addr)
            if a is not None and a.usable():
                if addr == w.LOOPBACK and iface is not None and not iface.loopback:
                    return None
                return a
        return None

    def is_local(self, dst: int, oif: str | None = None) -> bool:
        """Whether a packet to ``dst`` sent from this node stays here (the local table):
        any usable address of the node; a link-local on ``oif`` or, without it, anywhere."""
        if not w.is_link_local(dst):
            return self.local_address(dst) is not None
        ifaces = [self.ifaces[oif]] if oif in self.ifaces else list(self.ifaces.values())
        return any((a := i.find(dst)) is not None and a.usable() for i in ifaces)

    def all_addresses(self) -> list[tuple[Iface, Addr]]:
        return [(i, a) for i in self.ifaces.values() for a in i.addrs]

    # -- DAD ---------------------------------------------------------------------------------
    def _dad_start(self, iface: Iface, entry: Addr) -> None:
        if (
            self.accept_dad(iface) <= 0
            or "nodad" in entry.flags
            or self.conf[iface.name]["dad_transmits"] <= 0
        ):
            self._dad_complete(iface, entry)
            return
        entry.nonce = bytes(self.world.rng.getrandbits(8) for _ in range(6))
        entry.probes = self.conf[iface.name]["dad_transmits"]
        delay = self.world.uniform(
            0.0, float(self.conf[iface.name]["router_solicitation_delay"] or 1)
        )
        entry.timer = self.world.at(delay, self._dad_timer, iface, entry)

    def _dad_timer(self, iface: Iface, entry: Addr) -> None:
        entry.timer = None
        if entry not in iface.addrs or "dadfailed" in entry.flags or not iface.running:
            return
        if entry.probes == 0:
            self._dad_complete(iface, entry)
            return
        entry.probes -= 1
        from . import _ndisc

        frame = _ndisc.dad_ns(iface.macb, entry.addr, entry.nonce)
        iface.transmit(frame)
        retrans = self.neigh_param(iface.name, "retrans_time_ms") / 1000.0
        entry.timer = self.world.at(retrans, self._dad_timer, iface, entry)

    def _dad_complete(self, iface: Iface, entry: Addr) -> None:
        if entry.timer is not None:
            entry.timer.cancel()
            entry.timer = None
        entry.flags.discard("tentative")
        if w.is_link_local(entry.addr):
            self._start_rs(iface)
            for radvd in self.radvd.values():
                if radvd.iface == iface.name:
                    self._radvd_kick(radvd)

    def _dad_failed(self, iface: Iface, entry: Addr) -> None:
        if entry.timer is not None:
            entry.timer.cancel()
            entry.timer = None
        entry.flags.add("dadfailed")

    # -- router solicitation (hosts) -----------------------------------------------------------
    def _start_rs(self, iface: Iface) -> None:
        if (
            iface.loopback
            or not self.accept_ra(iface)
            or self.conf[iface.name]["router_solicitations"] == 0
            or iface.ra_received
        ):
            return
        self._send_rs(iface)
        iface.rs_probes = 1
        irt = self.conf[iface.name]["router_solicitation_interval"]
        iface.rs_interval = irt * self.world.uniform(0.9, 1.1)
        iface.rs_timer = self.world.at(iface.rs_interval, self._rs_timer, iface)

    def _send_rs(self, iface: Iface) -> None:
        ll = iface.link_local()
        if ll is None:
            return
        from . import _ndisc

        packet = _ndisc.rs(ll.addr, iface.mac)
        self.link_output(iface, w.ALL_ROUTERS, packet)

    def _rs_timer(self, iface: Iface) -> None:
        iface.rs_timer = None
        if iface.ra_received or not iface.running:
            return
        limit = self.conf[iface.name]["router_solicitations"]
        if limit < 0 or iface.rs_probes < limit:
            iface.rs_probes += 1
            self._send_rs(iface)
            mrt = self.conf[iface.name]["router_solicitation_max_interval"]
            nxt = iface.rs_interval * self.world.uniform(1.9, 2.1)
            if nxt > mrt:
                nxt = mrt * self.world.uniform(0.9, 1.1)
            iface.rs_interval = nxt
            delay = (
                self.conf[iface.name]["router_solicitation_delay"]
                if iface.rs_probes == limit
                else nxt
            )
            iface.rs_timer = self.world.at(delay, self._rs_timer, iface)

    # -- routes ----------------------------------------------------------------------------------
    def add_route(self, route: RouteEntry) -> None:
        self._route_order += 1
        route.order = self._route_order
        self.routes.append(route)
        if route.expires is not None:
            self.world.at(route.expires - self.world.now, self._route_expiry, route)

    def _route_expiry(self, route: RouteEntry) -> None:
        if route in self.routes and route.expires is not None and route.expires <= self.world.now:
            self.routes.remove(route)

    def lookup(self, dst: int, oif: str | None = None) -> RouteEntry | None:
        """Longest prefix, then lowest metric, then the older route (main table)."""
        best: RouteEntry | None = None
        for r in self.routes:
            if not w.in_prefix(dst, r.dst, r.length):
                continue
            if oif is not None and r.dev is not None and r.dev != oif:
                continue
            if r.dev is not None and not self.ifaces[r.dev].up:
                continue
            if best is None or (r.length, -r.metric, -r.order) > (
                best.length,
                -best.metric,
                -best.order,
            ):
                best = r
        return best

    def source_for(self, dst: int, oif: Iface | None) -> int | None:
        """RFC 6724 source address selection as Linux scores it: rules 1 (same address),
        2 (scope), 3 (not deprecated), 5 (outgoing interface), 6 (label), 8 (prefix)."""
        dst_scope = w.scope_of(dst)
        dst_label = _label(dst)
        only_oif = oif is not None and (w.is_multicast(dst) or dst_scope <= 2)
        best: tuple[int, ...] | None = None
        best_addr: int | None = None
        for iface in self.ifaces.values():
            if only_oif and iface is not oif:
                continue
            for a in iface.addrs:
                if not a.usable():
                    continue
                scope = w.scope_of(a.addr)
                key = (
                    int(a.addr == dst),
                    -scope if scope >= dst_scope else scope - 128,
                    int("deprecated" not in a.flags),
                    int(iface is oif),
                    int(_label(a.addr) == dst_label),
                    min(w.common_prefix(a.addr, dst), a.plen),
                )
                if best is None or key > best:
                    best, best_addr = key, a.addr
        return best_addr

    # -- neighbours ----------------------------------------------------------------------------
    def _neigh_drop(self, n: Neigh) -> None:
        if n.timer is not None:
            n.timer.cancel()
            n.timer = None
        n.queue.clear()

    def _neigh_timer(self, n: Neigh, delay: float) -> None:
        if n.timer is not None:
            n.timer.cancel()
        n.timer = self.world.at(delay, self._neigh_tick, n)

    def _neigh_tick(self, n: Neigh) -> None:
        n.timer = None
        if self.neigh.get((n.dev, n.addr)) is not n:
            return
        retrans = self.neigh_param(n.dev, "retrans_time_ms") / 1000.0
        if n.state == REACHABLE:
            n.state = STALE
        elif n.state == DELAY:
            n.state = PROBE
            n.probes = 0
            self._neigh_tick(n)
        elif n.state == PROBE:
            if n.probes >= self.neigh_param(n.dev, "ucast_solicit"):
                self._neigh_failed(n)
                return
            n.probes += 1
            self._solicit(n, unicast=True)
            self._neigh_timer(n, retrans)
        elif n.state == INCOMPLETE:
            if n.probes >= self.neigh_param(n.dev, "mcast_solicit"):
                self._neigh_failed(n)
                return
            n.probes += 1
            self._solicit(n, unicast=False)
            self._neigh_timer(n, retrans)

    def _neigh_failed(self, n: Neigh) -> None:
        n.state = FAILED
        queued, n.queue = n.queue, []
        for packet, _ in queued:
            self.send_error(w.DEST_UNREACH, 3, packet, self.ifaces[n.dev])

    def _solicit(self, n: Neigh, unicast: bool) -> None:
        iface = self.ifaces[n.dev]
        src = None
        if n.queue:
            saddr = w.from16(n.queue[-1][0][8:24])
            a = iface.find(saddr)
            if a is not None and a.usable():
                src = saddr
        if src is None:
            ll = iface.link_local()
            if ll is None:
                return
            src = ll.addr
        from . import _ndisc

        if unicast and n.lladdr is not None:
            packet = _ndisc.ns(src, n.addr, n.addr, iface.mac)
            iface.transmit(w.ether(n.lladdr, iface.macb, packet))
        else:
            group = w.solicited_node(n.addr)
            packet = _ndisc.ns(src, group, n.addr, iface.mac)
            iface.transmit(w.ether(w.multicast_mac(group), iface.macb, packet))

    def neigh_update(
        self, iface: Iface, addr: int, lladdr: bytes | None, state: str, router: bool | None = None
    ) -> Neigh | None:
        """A weak update (NS/RS/RA seen): create STALE, or go STALE when the MAC changed."""
        if lladdr is None or iface.loopback:
            return None
        key = (iface.name, addr)
        n = self.neigh.get(key)
        if n is None:
            n = Neigh(addr, iface.name, lladdr, state)
            self.neigh[key] = n
        elif n.state in (INCOMPLETE, FAILED):
            n.lladdr, n.state = lladdr, state
        elif n.lladdr != lladdr and n.state != PERMANENT:
            n.lladdr, n.state = lladdr, state
            if n.timer is not None:
                n.timer.cancel()
                n.timer = None
        if router is not None:
            n.router = router
        self._neigh_flush_queue(iface, n)
        return n

    def _neigh_flush_queue(self, iface: Iface, n: Neigh) -> None:
        if n.lladdr is None or not n.queue:
            return
        queued, n.queue = n.queue, []
        for packet, _ in queued:
            self._neigh_send(iface, n, packet)

    def _neigh_send(self, iface: Iface, n: Neigh, packet: bytes) -> None:
        assert n.lladdr is not None
        if n.state == STALE:
            n.state = DELAY
            self._neigh_timer(n, float(self.neigh_param(n.dev, "delay_first_probe_time")))
        iface.transmit(w.ether(n.lladdr, iface.macb, packet))

    def link_output(self, iface: Iface, nexthop: int, packet: bytes, loop: bool = False) -> None:
        """Send an IPv6 packet to an on-link next hop, resolving it first if needed.
        ``loop``: an application socket's multicast also reaches this node (IPV6_MULTICAST_LOOP;
        the kernel's own NDP socket does not loop)."""
        if iface.loopback:
            self.world.at(LOOP_DELAY, self._loop, packet)
            return
        if not iface.up:
            return
        if w.is_multicast(nexthop):
            group = w.from16(packet[24:40])
            iface.transmit(w.ether(w.multicast_mac(group), iface.macb, packet))
            if loop and (group in iface.groups or group == w.ALL_NODES) and iface.running:
                self.world.at(0.0, self.local_deliver, iface, packet)
            return
        key = (iface.name, nexthop)
        n = self.neigh.get(key)
        if n is None or n.state == FAILED:
            if n is not None:
                self._neigh_drop(n)
            n = Neigh(nexthop, iface.name)
            self.neigh[key] = n
        if n.state == INCOMPLETE:
            if len(n.queue) < self.neigh_param(iface.name, "unres_qlen"):
                n.queue.append((packet, None))
            if n.timer is None:
                n.probes = 0
                self._neigh_tick(n)
            return
        self._neigh_send(iface, n, packet)

    def _loop(self, packet: bytes) -> None:
        lo = self.ifaces["lo"]
        frame = w.ether(b"\0" * 6, b"\0" * 6, packet)
        lo.history.append((self.world.now, frame))
        for tap in list(lo.taps):
            tap(frame)
        self.local_deliver(lo, packet)

    # -- sending ---------------------------------------------------------------------------------
    def output(self, packet: bytes, oif: str | None = None) -> str | None:
        """Send a locally generated IPv6 packet; an errno-style word when it cannot go."""
        dst = w.from16(packet[24:40])
        if self.conf["all"]["disable_ipv6"]:
            return "Network is unreachable"
        if self.is_local(dst, oif):
            self.world.at(LOOP_DELAY, self._loop, packet)
            return None
        if w.is_multicast(dst):
            iface = self.ifaces.get(oif or "") or self._first_up()
            if iface is None:
                return "Network is unreachable"
            self.link_output(iface, dst, packet, loop=True)
            return None
        route = self.lookup(dst, oif)
        if route is None:
            return "Network is unreachable"
        if route.kind != "unicast":
            return {"blackhole": "Invalid argument", "prohibit": "Permission denied"}.get(
                route.kind, "Network is unreachable"
            )
        assert route.dev is not None
        iface = self.ifaces[route.dev]
        self.link_output(iface, route.via if route.via is not None else dst, packet)
        return None

    def _first_up(self) -> Iface | None:
        for iface in self.ifaces.values():
            if not iface.loopback and iface.up:
                return iface
        return None

    def send_error(
        self, kind: int, code: int, invoking: bytes, in_iface: Iface, param: int = 0
    ) -> None:
        """An ICMPv6 error about ``invoking`` back to its source (never about an error,
        a multicast destination (except Packet Too Big) or an unspecified source)."""
        src = w.from16(invoking[8:24])
        dst = w.from16(invoking[24:40])
        if src == 0 or w.is_multicast(src):
            return
        if w.is_multicast(dst) and kind != w.PACKET_TOO_BIG:
            return
        if invoking[6] == w.NH_ICMPV6 and len(invoking) > 40 and invoking[40] < 128:
            return
        route = self.lookup(src) if not w.is_link_local(src) else None
        oif = self.ifaces[route.dev] if route is not None and route.dev else in_iface
        local = self.local_address(dst, in_iface)
        saddr = dst if local is not None and not w.is_multicast(dst) else self.source_for(src, oif)
        if saddr is None:
            return
        packet = w.icmp6_error(w.a16(saddr), invoking[8:24], kind, code, invoking, param)
        if w.is_link_local(src):
            self.link_output(in_iface, src, packet)
        else:
            self.output(packet)

    # -- receiving -------------------------------------------------------------------------------
    def frame_input(self, iface: Iface, frame: bytes) -> None:
        if len(frame) < 54 or frame[12:14] != b"\x86\xdd":
            return
        if frame[0:6] != iface.macb and not frame[0] & 1:
            return  # PACKET_OTHERHOST
        if self.conf[iface.name]["disable_ipv6"]:
            return
        packet = frame[14:]
        if packet[0] >> 4 != 6:
            return
        plen = int.from_bytes(packet[4:6], "big")
        if 40 + plen > len(packet):
            return
        packet = packet[: 40 + plen]
        src = w.from16(packet[8:24])
        dst = w.from16(packet[24:40])
        if w.is_multicast(src):
            return
        if w.is_multicast(dst):
            if dst in iface.groups or dst == w.ALL_NODES:
                self.local_deliver(iface, packet, frame)
            return
        if self.local_address(dst, iface) is not None:
            self.local_deliver(iface, packet, frame)
            return
        if w.is_link_local(dst):
            return
        if self.forwarding:
            self.forward(iface, packet)

    def forward(self, iface: Iface, packet: bytes) -> None:
        """ip6_forward: route lookup first (no route → unreachable even with hop limit 1),
        then hop limit, then scope, then next-hop resolution."""
        dst = w.from16(packet[24:40])
        src = w.from16(packet[8:24])
        route = self.lookup(dst)
        if route is None or route.kind in ("unreachable",):
            self.send_error(w.DEST_UNREACH, 0, packet, iface)
            return
        if route.kind == "blackhole":
            return
        if route.kind == "prohibit":
            self.send_error(w.DEST_UNREACH, 1, packet, iface)
            return
        hlim = packet[7]
        if hlim <= 1:
            self.send_error(w.TIME_EXCEEDED, 0, packet, iface)
            return
        assert route.dev is not None
        out = self.ifaces[route.dev]
        if w.is_link_local(src) and out is not iface:
            self.send_error(w.DEST_UNREACH, 2, packet, iface)
            return
        mtu = self.conf[out.name]["mtu"]
        if len(packet) > mtu:
            self.send_error(w.PACKET_TOO_BIG, 0, packet, iface, param=mtu)
            return
        forwarded = packet[:7] + bytes((hlim - 1,)) + packet[8:]
        self.link_output(out, route.via if route.via is not None else dst, forwarded)

    def local_deliver(self, iface: Iface, packet: bytes, frame: bytes | None = None) -> None:
        if not w.checksum_ok(packet):
            return
        nh = packet[6]
        if nh == w.NH_HOP:
            return  # MLD and other hop-by-hop traffic: not modelled
        for listener in list(self.listeners):
            listener(packet, iface)
        if nh == w.NH_ICMPV6:
            self._icmp_input(iface, packet, frame)
        elif nh == w.NH_UDP:
            dst = w.from16(packet[24:40])
            if not w.is_multicast(dst):
                self.send_error(w.DEST_UNREACH, 4, packet, iface)
        elif nh != w.NH_NONE:
            self.send_error(w.PARAM_PROBLEM, 1, packet, iface, param=6)

    def _icmp_input(self, iface: Iface, packet: bytes, frame: bytes | None) -> None:
        kind = packet[40]
        if kind == w.ECHO_REQUEST:
            self._echo_reply(iface, packet)
        elif kind in w.NDP_TYPES:
            if packet[7] != 255 or packet[41] != 0:
                return  # RFC 4861: NDP must come with hop limit 255
            from . import _ndisc

            msg = _ndisc.parse(packet)
            if msg is None:
                return
            if kind == w.NS:
                self._ns_input(iface, msg)
            elif kind == w.NA:
                self._na_input(iface, msg)
            elif kind == w.RS:
                self._rs_input(iface, msg)
            elif kind == w.RA:
                self._ra_input(iface, msg)

    def _echo_reply(self, iface: Iface, packet: bytes) -> None:
        dst = w.from16(packet[24:40])
        src = w.from16(packet[8:24])
        if src == 0 or self.icmp["echo_ignore_all"]:
            return
        if w.is_multicast(dst) and self.icmp["echo_ignore_multicast"]:
            return
        if w.is_multicast(dst):
            saddr = self.source_for(src, iface)
            if saddr is None:
                return
        else:
            saddr = dst
        body = packet[44 : 40 + int.from_bytes(packet[4:6], "big")]
        hlim = self.conf[iface.name if not iface.loopback else "default"]["hop_limit"]
        reply = w.icmp6(w.a16(saddr), packet[8:24], hlim, w.ECHO_REPLY, 0, body)
        if self.is_local(src, None if iface.loopback else iface.name):
            self.world.at(LOOP_DELAY, self._loop, reply)
        elif w.is_link_local(src) and not iface.loopback:
            self.link_output(iface, src, reply)
        else:
            self.output(reply, iface.name if w.is_link_local(src) else None)

    # -- Neighbour Discovery in ---------------------------------------------------------------------
    def is_router(self, iface: Iface) -> bool:
        return self.conf[iface.name]["forwarding"] > 0

    def _ns_input(self, iface: Iface, msg: NdMessage) -> None:
        from . import _ndisc

        target = msg.target
        if target is None or w.is_multicast(target):
            return
        dad = msg.src == 0
        if dad and (msg.lladdr is not None or not w.is_multicast(msg.dst)):
            return
        entry = iface.find(target)
        if entry is None:
            return
        if dad:
            if "tentative" in entry.flags:
                if "dadfailed" in entry.flags or msg.nonce == entry.nonce:
                    return
                self._dad_failed(iface, entry)
                return
            if "dadfailed" in entry.flags:
                return
            packet = _ndisc.na(
                target, w.ALL_NODES, target, self.is_router(iface), False, True, iface.mac
            )
            self.link_output(iface, w.ALL_NODES, packet)
            return
        if not entry.usable():
            return
        multicast = w.is_multicast(msg.dst)
        if msg.lladdr is not None:
            self.neigh_update(iface, msg.src, msg.lladdr, STALE)
        packet = _ndisc.na(
            target,
            msg.src,
            target,
            self.is_router(iface),
            True,
            multicast,
            iface.mac if multicast else None,
        )
        self.link_output(iface, msg.src, packet)

    def _na_input(self, iface: Iface, msg: NdMessage) -> None:
        target = msg.target
        if target is None or w.is_multicast(target):
            return
        if w.is_multicast(msg.dst) and msg.solicited:
            return
        entry = iface.find(target)
        if entry is not None:
            if "tentative" in entry.flags and "dadfailed" not in entry.flags:
                self._dad_failed(iface, entry)
            return
        n = self.neigh.get((iface.name, target))
        if n is None or n.state == PERMANENT:
            return
        if n.state in (INCOMPLETE, FAILED):
            if msg.lladdr is None:
                return
            n.lladdr = msg.lladdr
            n.router = msg.router
            self._neigh_confirm(n, msg.solicited)
            self._neigh_flush_queue(iface, n)
            return
        override = msg.override or msg.lladdr is None or msg.lladdr == n.lladdr
        if not override:
            if n.state == REACHABLE:
                n.state = STALE
                if n.timer is not None:
                    n.timer.cancel()
                    n.timer = None
            return
        changed = msg.lladdr is not None and msg.lladdr != n.lladdr
        if msg.lladdr is not None:
            n.lladdr = msg.lladdr
        if msg.solicited:
            self._neigh_confirm(n, True)
        elif changed:
            n.state = STALE
            if n.timer is not None:
                n.timer.cancel()
                n.timer = None
        if n.router and not msg.router:
            self.routes = [
                r
                for r in self.routes
                if not (r.proto == "ra" and r.via == n.addr and r.dev == n.dev)
            ]
        n.router = msg.router

    def _neigh_confirm(self, n: Neigh, solicited: bool) -> None:
        if solicited:
            n.state = REACHABLE
            n.probes = 0
            self._neigh_timer(n, self._reachable_ms)
        else:
            n.state = STALE
            if n.timer is not None:
                n.timer.cancel()
                n.timer = None

    def _rs_input(self, iface: Iface, msg: NdMessage) -> None:
        if self.is_router(iface) and msg.src != 0 and msg.lladdr is not None:
            self.neigh_update(iface, msg.src, msg.lladdr, STALE)
        radvd = self.radvd.get(iface.name)
        if radvd is not None and w.ALL_ROUTERS in iface.groups:
            if msg.src != 0:
                self._radvd_send(radvd, msg.src)
            else:
                self._radvd_send(radvd, w.ALL_NODES)

    def _ra_input(self, iface: Iface, msg: NdMessage) -> None:
        if not w.is_link_local(msg.src):
            return
        if msg.lladdr is not None:  # the kernel learns the router even when it ignores the RA
            self.neigh_update(iface, msg.src, msg.lladdr, STALE, router=True)
        if not self.accept_ra(iface):
            return
        conf = self.conf[iface.name]
        now = self.world.now
        iface.ra_received = True
        if iface.rs_timer is not None:
            iface.rs_timer.cancel()
            iface.rs_timer = None
        iface.managed, iface.other = msg.managed, msg.other
        if msg.hop_limit:
            conf["hop_limit"] = msg.hop_limit
        if conf["accept_ra_defrtr"]:
            existing = next(
                (
                    r
                    for r in self.routes
                    if r.length == 0
                    and r.proto == "ra"
                    and r.via == msg.src
                    and r.dev == iface.name
                ),
                None,
            )
            if msg.router_lifetime == 0:
                if existing is not None:
                    self.routes.remove(existing)
            elif existing is None:
                self.add_route(
                    RouteEntry(
                        0,
                        0,
                        msg.src,
                        iface.name,
                        "ra",
                        1024,
                        now + msg.router_lifetime,
                        msg.hop_limit or None,
                        msg.preference,
                    )
                )
            else:
                existing.expires = now + msg.router_lifetime
                existing.hoplimit = msg.hop_limit or None
                self.world.at(msg.router_lifetime, self._route_expiry, existing)
        n = self.neigh.get((iface.name, msg.src))
        if n is not None:
            n.router = True
        if msg.reachable:
            self._reachable_ms = self._random_reachable(msg.reachable)
        if msg.retrans:
            self.neigh_conf[iface.name]["retrans_time_ms"] = msg.retrans
        if msg.mtu and conf["accept_ra_mtu"] and 1280 <= msg.mtu <= 1500:
            conf["mtu"] = msg.mtu
        if conf["accept_ra_pinfo"]:
            for p in msg.prefixes:
                self._prefix_input(iface, p)

    def _prefix_input(self, iface: Iface, p: Any) -> None:
        net, plen, onlink, auto, valid, preferred = p
        if w.is_link_local(net) or w.is_multicast(net) or preferred > valid:
            return
        now = self.world.now
        if onlink:
            route = next(
                (
                    r
                    for r in self.routes
                    if (r.dst, r.length, r.dev, r.proto) == (net, plen, iface.name, "kernel")
                ),
                None,
            )
            if valid == 0:
                if route is not None and route.expires is not None:
                    self.routes.remove(route)
            elif route is None:
                self.add_route(
                    RouteEntry(
                        net,
                        plen,
                        None,
                        iface.name,
                        "kernel",
                        256,
                        None if valid == INFINITY else now + valid,
                    )
                )
            elif route.expires is not None:
                route.expires = None if valid == INFINITY else now + valid
                if route.expires is not None:
                    self.world.at(valid, self._route_expiry, route)
        if not auto or plen != 64 or not self.conf[iface.name]["autoconf"]:
            return
        addr = net | self._iid(iface, net)
        entry = iface.find(addr)
        if entry is None:
            if valid == 0:
                return
            self.add_address(iface, addr, 64, {"mngtmpaddr"}, valid, preferred)
            return
        if "permanent" in entry.flags:
            return
        age = int(now - entry.created)
        stored = entry.valid - age if entry.valid != INFINITY else INFINITY
        if valid > TWO_HOURS or valid > stored:
            new_valid = valid
        elif stored <= TWO_HOURS:
            new_valid = stored
        else:
            new_valid = TWO_HOURS
        entry.created = now
        entry.valid = new_valid
        entry.preferred = preferred
        if preferred > 0:
            entry.flags.discard("deprecated")
        else:
            entry.flags.add("deprecated")
        self._schedule_lifetimes(iface, entry)

    # -- radvd ------------------------------------------------------------------------------------
    def start_radvd(self, ifname: str, advert: RouterAdvert) -> None:
        radvd = Radvd(ifname, advert)
        self.radvd[ifname] = radvd
        iface = self.ifaces[ifname]
        iface.join(w.ALL_ROUTERS)
        self._radvd_kick(radvd)

    def _radvd_kick(self, radvd: Radvd) -> None:
        """Send the first RA as soon as the interface has a usable link-local."""
        iface = self.ifaces[radvd.iface]
        if radvd.timer is not None or not iface.running or iface.link_local() is None:
            return
        radvd.initial_left = 3
        self._radvd_periodic(radvd)

    def _radvd_periodic(self, radvd: Radvd) -> None:
        radvd.timer = None
        iface = self.ifaces[radvd.iface]
        if self.radvd.get(radvd.iface) is not radvd or not iface.running:
            return
        self._radvd_send(radvd, w.ALL_NODES)
        advert = radvd.advert
        nxt = self.world.uniform(advert.min_interval, float(advert.interval))
        if radvd.initial_left > 0:
            radvd.initial_left -= 1
            nxt = min(nxt, 16.0)
        radvd.timer = self.world.at(nxt, self._radvd_periodic, radvd)

    def _radvd_send(self, radvd: Radvd, dst: int) -> None:
        iface = self.ifaces[radvd.iface]
        ll = iface.link_local()
        if ll is None or not iface.running:
            return
        from . import _ndisc

        packet = _ndisc.ra(ll.addr, dst, radvd.advert, iface.mac)
        self.link_output(iface, dst, packet, loop=True)


_LABELS = (
    (1, 128, 0),
    (0xFFFF << 32, 96, 4),
    (0x2002 << 112, 16, 2),
    (0x2001 << 112, 32, 5),
    (0xFC << 120, 7, 13),
    (0, 96, 3),
    (0xFEC0 << 112, 10, 11),
    (0x3FFE << 112, 16, 12),
)


def _label(addr: int) -> int:
    """The RFC 6724 default policy table's label for ``addr``."""
    best_len, label = -1, 1
    for net, length, value in _LABELS:
        if length > best_len and w.in_prefix(addr, net, length):
            best_len, label = length, value
    return label
