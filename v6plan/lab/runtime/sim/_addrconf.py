"""Addresses: adding and removing them, their prefix routes and lifetimes, DAD."""

from __future__ import annotations

from ...._calc import modified_eui64, solicited_node
from .. import _wire as w
from ._model import INFINITY, Addr, Iface, RouteEntry
from ._neighbours import Neighbours

__all__ = ["AddrConf"]


class AddrConf(Neighbours):
    """Addresses — one concern of :class:`._stack.Node`."""

    def _iid(self, iface: Iface, prefix: int) -> int:
        """The IID addrconf gives ``prefix`` on ``iface``: EUI-64 (addr_gen_mode 0, 1), or
        RFC 7217 (2 with a stable_secret; 3 with a random secret drawn once per
        interface, readable as its stable_secret, as ipv6_gen_mode_random_init does)."""
        mode = self.conf[iface.name]["addr_gen_mode"]
        secret = self.secrets.get(iface.name)
        if mode == 3 and secret is None:
            secret = self.secrets[iface.name] = self.world.rng.getrandbits(128)
        if mode in (2, 3) and secret is not None:
            return w.stable_iid(secret, prefix)
        return modified_eui64(iface.mac)

    def _iid_flags(self, iface: Iface) -> set[str]:
        """``stable-privacy`` on an address whose IID :meth:`_iid` made by RFC 7217."""
        mode = self.conf[iface.name]["addr_gen_mode"]
        stable = mode == 3 or (mode == 2 and iface.name in self.secrets)
        return {"stable-privacy"} if stable else set()

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
        if "noprefixroute" not in entry.flags and "permanent" in entry.flags and addr != w.LOOPBACK:
            self._prefix_route(iface, addr, plen)
        if iface.loopback:  # IFF_LOOPBACK: no DAD, no solicited-node group
            self._address_ready(iface, entry)
            return entry
        iface.join(solicited_node(addr))
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
        self._anycast_leave(iface, entry)
        if not iface.loopback:
            iface.leave(solicited_node(entry.addr))
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

    def _address_ready(self, iface: Iface, entry: Addr) -> None:
        """DAD done (RTM_NEWADDR): on a forwarding interface the address's prefix gets its
        subnet-router anycast."""
        if self.conf[iface.name]["forwarding"]:
            self._anycast_join(iface, entry)

    def _anycast_join(self, iface: Iface, entry: Addr) -> None:
        """RFC 4291 §2.6.1 subnet-router anycast, counted per address as the kernel does
        (none for a /127 or /128, RFC 6164, nor for ::/n); its solicited-node group too."""
        if entry.anycast or entry.plen >= 127:
            return
        net = w.network(entry.addr, entry.plen)
        if net == 0:
            return
        entry.anycast = True
        users = iface.anycast.get(net, 0)
        if users == 0 and not iface.loopback:
            iface.join(solicited_node(net))
        iface.anycast[net] = users + 1

    def _anycast_leave(self, iface: Iface, entry: Addr) -> None:
        if not entry.anycast:
            return
        entry.anycast = False
        net = w.network(entry.addr, entry.plen)
        users = iface.anycast.get(net, 0) - 1
        if users > 0:
            iface.anycast[net] = users
            return
        iface.anycast.pop(net, None)
        if not iface.loopback:
            iface.leave(solicited_node(net))

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
        # addrconf_dad_kick: a random delay below rtr_solicit_delay, in jiffies (`?: 1`
        # is one jiffy, not a second): 0 starts DAD at once
        delay = self.world.uniform(0.0, float(self.conf[iface.name]["router_solicitation_delay"]))
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
        self._address_ready(iface, entry)
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
