"""Routes (the main table) and the local-address questions: lookup and RFC 6724 source selection."""

from __future__ import annotations

from .. import _wire as w
from ._base import NodeBase
from ._model import FAILED, Addr, Iface, RouteEntry
from ._world import Timer

__all__ = ["FIB_GC_INTERVAL", "Routing"]

#: rt6_score_route: IPV6_DECODE_PREF of a route's preference
_PREF = {"low": 1, "medium": 2, "high": 3}

#: net.ipv6.route.gc_interval: seconds between two runs of the kernel's fib6 garbage collector
FIB_GC_INTERVAL = 30.0


class Routing(NodeBase):
    """Routes (the main table) and the local-address questions — one concern of :class:`._stack.Node`."""

    #: the kernel's fib6 garbage collector (ip6_fib_timer), pending or not
    _fib_gc: Timer | None = None

    def add_route(self, route: RouteEntry) -> None:
        self._route_order += 1
        route.order = self._route_order
        self.routes.append(route)
        if route.expires is not None:
            self._route_expiry(route)

    def _route_expiry(self, route: RouteEntry) -> None:
        """A route with a lifetime: as in the kernel (fib6_start_gc), an expired route is no
        longer used but stays listed (``expires -3sec``) until the fib garbage collector,
        started gc_interval after the first such route, takes it away."""
        if self._fib_gc is None and route.expires is not None:
            self._fib_gc = self.world.at(FIB_GC_INTERVAL, self._fib_gc_run)

    def _fib_gc_run(self) -> None:
        """fib6_run_gc: drop expired routes; run again while routes with lifetimes remain."""
        self._fib_gc = None
        now = self.world.now
        self.routes[:] = [r for r in self.routes if r.expires is None or r.expires >= now]
        if any(r.expires is not None for r in self.routes):
            self._fib_gc = self.world.at(FIB_GC_INTERVAL, self._fib_gc_run)

    def route_expired(self, route: RouteEntry) -> bool:
        """fib6_check_expired: past its lifetime (the kernel's lookups skip it)."""
        return route.expires is not None and self.world.now > route.expires

    def lookup(self, dst: int, oif: str | None = None) -> RouteEntry | None:
        """The route the kernel picks (fib6_table_lookup, rt6_select): the longest prefix,
        then among its lowest metric the best score — router preference (high > medium >
        low) — and on a host (all.forwarding 0, RT6_LOOKUP_F_REACHABLE) never a gateway
        whose neighbour entry is FAILED while another route will do; a tie goes to the
        older route. With no route left the host looks again without the neighbour test."""
        host = not self.forwarding
        best: RouteEntry | None = None  # the best route of all
        best_key: tuple[int, ...] = ()
        ok: RouteEntry | None = None  # the best whose gateway has not FAILED
        ok_key: tuple[int, ...] = ()
        for r in self.routes:
            if not self._route_usable(r, dst, oif):
                continue
            key = (r.length, -r.metric, _PREF[r.pref], -r.order)
            if best is None or key > best_key:
                best, best_key = r, key
            if host and (ok is None or key > ok_key) and not self._gateway_failed(r):
                ok, ok_key = r, key
        return ok if ok is not None else best

    def _route_usable(self, r: RouteEntry, dst: int, oif: str | None) -> bool:
        """Whether ``r`` covers ``dst`` out of ``oif`` (when given) on an interface that is
        up, and has not expired."""
        if not w.in_prefix(dst, r.dst, r.length):
            return False
        if oif is not None and r.dev is not None and r.dev != oif:
            return False
        if r.dev is not None and not self.ifaces[r.dev].up:
            return False
        return not self.route_expired(r)

    def _gateway_failed(self, r: RouteEntry) -> bool:
        """rt6_check_neigh: a gateway whose neighbour entry is FAILED (no entry, or one in
        any other state, counts as reachable — CONFIG_IPV6_ROUTER_PREF)."""
        if r.via is None or r.dev is None:
            return False
        n = self.neigh.get((r.dev, r.via))
        return n is not None and n.state == FAILED

    def source_for(self, dst: int, oif: Iface | None) -> int | None:
        """RFC 6724 source address selection as Linux scores it: rules 1 (same address),
        2 (scope), 3 (not deprecated), 5 (outgoing interface), 6 (label), 7 (temporary
        addresses first when the interface's use_tempaddr is 2, else last), 8 (prefix)."""
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
                    int(("temporary" in a.flags) == (self.conf[iface.name]["use_tempaddr"] >= 2)),
                    min(w.common_prefix(a.addr, dst), a.plen),
                )
                if best is None or key > best:
                    best, best_addr = key, a.addr
        return best_addr

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

    def is_anycast(self, addr: int, iface: Iface | None = None) -> bool:
        """Whether ``addr`` is one of this node's anycast addresses (a link-local one only
        on ``iface``): the local table's ``anycast`` entries."""
        if w.is_link_local(addr):
            return iface is not None and addr in iface.anycast
        return any(addr in i.anycast for i in self.ifaces.values())

    def is_local(self, dst: int, oif: str | None = None) -> bool:
        """Whether a packet to ``dst`` sent from this node stays here (the local table):
        any usable or anycast address of the node; a link-local on ``oif`` or, without
        it, anywhere."""
        if not w.is_link_local(dst):
            return self.local_address(dst) is not None or self.is_anycast(dst)
        ifaces = [self.ifaces[oif]] if oif in self.ifaces else list(self.ifaces.values())
        return any(
            ((a := i.find(dst)) is not None and a.usable()) or dst in i.anycast for i in ifaces
        )


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
