"""IPv6 in and out: sending, receiving, forwarding, local delivery, echo and ICMPv6 errors."""

from __future__ import annotations

from .. import _wire as w
from ._model import LOOP_DELAY, Iface
from ._pmtu import NH_FRAGMENT, Pmtu

__all__ = ["Ip"]


class Ip(Pmtu):
    """IPv6 in and out — one concern of :class:`._stack.Node`."""

    def output(self, packet: bytes, oif: str | None = None, dontfrag: bool = False) -> str | None:
        """Send a locally generated IPv6 packet, in fragments when it is longer than the
        path MTU; an errno-style word when it cannot go (``Message too long`` when it
        may not be fragmented: ``dontfrag``, IPV6_PMTUDISC_DO)."""
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
        hop = route.via if route.via is not None else dst
        mtu = self.path_mtu(dst, route)
        if len(packet) <= mtu:
            self.link_output(iface, hop, packet)
        elif dontfrag:
            return "Message too long"
        else:
            for piece in self.fragments(packet, mtu):
                self.link_output(iface, hop, piece)
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
        if self.local_address(dst, iface) is not None or self.is_anycast(dst, iface):
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
        if packet[6] == NH_FRAGMENT:
            whole = self.reassemble(packet)
            if whole is not None:
                self.local_deliver(iface, whole)
            return
        if not w.checksum_ok(packet):
            return
        nh = packet[6]
        if nh == w.NH_ICMPV6 and len(packet) > 48 and packet[40] == w.PACKET_TOO_BIG:
            self.too_big_input(packet)
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

    def _echo_reply(self, iface: Iface, packet: bytes) -> None:
        dst = w.from16(packet[24:40])
        src = w.from16(packet[8:24])
        if src == 0 or self.icmp["echo_ignore_all"]:
            return
        if w.is_multicast(dst) and self.icmp["echo_ignore_multicast"]:
            return
        anycast = (
            not w.is_multicast(dst)
            and self.local_address(dst, None if iface.loopback else iface) is None
            and self.is_anycast(dst, None if iface.loopback else iface)
        )
        if anycast and self.icmp["echo_ignore_anycast"]:
            return
        if w.is_multicast(dst) or anycast:  # the kernel picks a source as for a new packet
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
