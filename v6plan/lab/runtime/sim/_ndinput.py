"""Neighbour Discovery received: NS, NA, RS, RA and prefix information (SLAAC)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import _wire as w
from ._model import (
    FAILED,
    INCOMPLETE,
    INFINITY,
    PERMANENT,
    REACHABLE,
    STALE,
    TWO_HOURS,
    Iface,
    RouteEntry,
)

if TYPE_CHECKING:
    from ._ndisc import NdMessage
from ._ip6 import Ip

__all__ = ["NdInput"]


class NdInput(Ip):
    """Neighbour Discovery received — one concern of :class:`._stack.Node`."""

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
            if target in iface.anycast:
                self._anycast_ns(iface, msg)
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

    def _anycast_ns(self, iface: Iface, msg: NdMessage) -> None:
        """An NS for one of our anycast addresses: a multicast one is answered after a
        random delay of up to proxy_delay (RFC 4861 §7.2.7), a unicast one at once."""
        delay = 0.0
        if w.is_multicast(msg.dst):
            delay = self.world.uniform(0.0, self.neigh_param(iface.name, "proxy_delay") / 100.0)
        self.world.at(delay, self._anycast_na, iface, msg)

    def _anycast_na(self, iface: Iface, msg: NdMessage) -> None:
        """The answer for an anycast target: no override flag, from a source chosen for
        the asker (the target is no address of ours)."""
        from . import _ndisc

        target = msg.target
        if target is None or target not in iface.anycast or not iface.running:
            return
        dad = msg.src == 0
        if msg.lladdr is not None and not dad:
            self.neigh_update(iface, msg.src, msg.lladdr, STALE)
        dst = w.ALL_NODES if dad else msg.src
        src = self.source_for(dst, iface)
        if src is None:
            return
        mac = iface.mac if w.is_multicast(msg.dst) else None
        packet = _ndisc.na(src, dst, target, self.is_router(iface), not dad, False, mac)
        self.link_output(iface, dst, packet)

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
                self._neigh_stale(n)
            return
        changed = msg.lladdr is not None and msg.lladdr != n.lladdr
        if msg.lladdr is not None:
            n.lladdr = msg.lladdr
        if msg.solicited:
            self._neigh_confirm(n, True)
        elif changed:
            self._neigh_stale(n)
        if n.router and not msg.router:
            self.routes = [
                r
                for r in self.routes
                if not (r.proto == "ra" and r.via == n.addr and r.dev == n.dev)
            ]
        n.router = msg.router

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
        iface.ra_received = True
        if iface.rs_timer is not None:
            iface.rs_timer.cancel()
            iface.rs_timer = None
        iface.managed, iface.other = msg.managed, msg.other
        # a hop limit below accept_ra_min_hop_limit is not taken (nor put on the route)
        hop_limit = msg.hop_limit if conf["accept_ra_min_hop_limit"] <= msg.hop_limit else 0
        if hop_limit:
            conf["hop_limit"] = hop_limit
        route = self._ra_default_route(iface, msg, hop_limit)
        n = self.neigh.get((iface.name, msg.src))
        if n is not None:
            n.router = True
        # the RA's times become the interface's neighbour parameters (sysctl shows them);
        # the kernel keeps a retransmit timer of at least 10 ms
        if msg.reachable:
            self.neigh_conf[iface.name]["base_reachable_time_ms"] = msg.reachable
            self._reachable_ms = self._random_reachable(msg.reachable)
        if msg.retrans:
            self.neigh_conf[iface.name]["retrans_time_ms"] = max(10, msg.retrans)
        # the kernel's order: a valid MTU that changes the IPv6 MTU also becomes the RTAX_MTU
        # metric of this router's default route (ip -6 route shows ``mtu``)
        valid_mtu = bool(msg.mtu) and 1280 <= msg.mtu <= iface.mtu
        if valid_mtu and conf["accept_ra_mtu"] and conf["mtu"] != msg.mtu:
            conf["mtu"] = msg.mtu
            if route is not None:
                route.mtu = msg.mtu
        if conf["accept_ra_pinfo"]:
            for p in msg.prefixes:
                self._prefix_input(iface, p)

    def _ra_default_route(self, iface: Iface, msg: NdMessage, hop_limit: int) -> RouteEntry | None:
        """The default route through the advertising router, added, refreshed or (router
        lifetime 0: not a default router) removed as the kernel does; its preference is the
        RA's unless accept_ra_rtr_pref is 0, its hop limit metric the last one taken."""
        pref = msg.preference if self.conf[iface.name]["accept_ra_rtr_pref"] else "medium"
        existing = next(
            (
                r
                for r in self.routes
                if r.length == 0 and r.proto == "ra" and r.via == msg.src and r.dev == iface.name
            ),
            None,
        )
        if not self.conf[iface.name]["accept_ra_defrtr"]:
            return existing
        now = self.world.now
        if msg.router_lifetime == 0:
            if existing is not None:
                self.routes.remove(existing)
            return None
        if existing is None:
            route = RouteEntry(
                0,
                0,
                msg.src,
                iface.name,
                "ra",
                1024,
                now + msg.router_lifetime,
                hop_limit or None,
                pref,
            )
            self.add_route(route)
            return route
        existing.expires = now + msg.router_lifetime
        if hop_limit:
            existing.hoplimit = hop_limit
        existing.pref = pref
        self.world.at(msg.router_lifetime, self._route_expiry, existing)
        return existing

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
            flags = {"mngtmpaddr", *self._iid_flags(iface)}
            public = self.add_address(iface, addr, 64, flags, valid, preferred)
            self.manage_tempaddrs(iface, public, valid, preferred, True)
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
        if "mngtmpaddr" in entry.flags:
            self.manage_tempaddrs(iface, entry, new_valid, preferred, False)
