"""The neighbour cache: RFC 4861 states and timers, solicitations, the queue of waiting packets."""

from __future__ import annotations

from ...._calc import solicited_node
from .. import _wire as w
from ._model import (
    DELAY,
    FAILED,
    INCOMPLETE,
    LOOP_DELAY,
    PERMANENT,
    PROBE,
    REACHABLE,
    STALE,
    Iface,
    Neigh,
)
from ._routes import Routing

__all__ = ["Neighbours"]


class Neighbours(Routing):
    """The neighbour cache — one concern of :class:`._stack.Node`."""

    def _neigh_drop(self, n: Neigh) -> None:
        if n.timer is not None:
            n.timer.cancel()
            n.timer = None
        n.queue.clear()

    def _neigh_stale(self, n: Neigh) -> None:
        """STALE (RFC 4861 §7.3.3): no timer runs until a packet is sent to it (then DELAY)."""
        n.state = STALE
        if n.timer is not None:
            n.timer.cancel()
            n.timer = None

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
            group = solicited_node(n.addr)
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

    def _neigh_confirm(self, n: Neigh, solicited: bool) -> None:
        if solicited:
            n.state = REACHABLE
            n.probes = 0
            self._neigh_timer(n, self._reachable_ms)
        else:
            self._neigh_stale(n)

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
        lo.rx_packets += 1
        lo.tx_packets += 1
        lo.rx_bytes += len(packet)  # lo counts the IPv6 packet alone
        lo.tx_bytes += len(packet)
        for tap in list(lo.taps):
            tap(frame)
        self.local_deliver(lo, packet)
