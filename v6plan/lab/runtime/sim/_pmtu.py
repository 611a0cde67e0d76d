"""Path MTU discovery as Linux does it: a Packet Too Big for one of our packets makes a
route exception (``ip -6 route get`` shows ``expires … mtu N``, ``ip -6 route show
cache`` lists it) that lowers the path MTU for ``net.ipv6.route.mtu_expires`` seconds;
a packet longer than the path MTU is fragmented at its source (RFC 8200 §4.5, never by a
router) unless its socket forbids it (``ping -M do``: EMSGSIZE); fragments are put back
together where they arrive.

Packet filtering (ip6tables, nft) is not simulated: a lab about ICMPv6 filtering runs on
the kernel only."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .. import _wire as w
from ._links import Links
from ._model import RouteEntry

__all__ = ["MTU_EXPIRES", "NH_FRAGMENT", "Pmtu"]

#: net.ipv6.route.mtu_expires: how long a learned path MTU holds (seconds)
MTU_EXPIRES = 600
#: the Fragment extension header (RFC 8200 §4.5)
NH_FRAGMENT = 44
#: net.ipv6.ip6frag_time: seconds a partly reassembled packet waits for its other pieces
REASSEMBLY_TIME = 60


@dataclass
class _Pieces:
    started: float
    parts: dict[int, bytes] = field(default_factory=dict)
    last: int | None = None  # the offset of the fragment with M = 0
    first: bytes = b""  # the unfragmentable part (the IPv6 header) of the first fragment
    nh: int = 0


class Pmtu(Links):
    """Path MTU and fragments — one concern of :class:`._stack.Node`."""

    #: dst → (path MTU, expiry time): the kernel's route exceptions (rt6_exception)
    pmtu: dict[int, tuple[int, float]]
    _reassembly: dict[tuple[int, int, int], _Pieces]

    def path_mtu(self, dst: int, route: RouteEntry) -> int:
        """ip6_dst_mtu: the device's IPv6 MTU, the route's mtu metric, a learned PMTU."""
        assert route.dev is not None
        mtu = self.conf[route.dev]["mtu"]
        if route.mtu:
            mtu = min(mtu, route.mtu)
        learned = self.pmtu_exception(dst)
        return min(mtu, learned[0]) if learned is not None else mtu

    def pmtu_exception(self, dst: int) -> tuple[int, float] | None:
        found = self.pmtu.get(dst)
        if found is None or found[1] <= self.world.now:
            self.pmtu.pop(dst, None)
            return None
        return found

    def too_big_input(self, packet: bytes) -> None:
        """rt6_do_update_pmtu: a Packet Too Big about a packet we sent lowers the path MTU
        to its destination (never below 1280, IPV6_MIN_MTU)."""
        quoted = packet[48:]
        if len(quoted) < 40 or self.local_address(w.from16(quoted[8:24])) is None:
            return
        dst = w.from16(quoted[24:40])
        mtu = max(w.MIN_MTU, int.from_bytes(packet[44:48], "big"))
        route = self.lookup(dst)
        if route is None or route.dev is None or mtu >= self.path_mtu(dst, route):
            return
        self.pmtu[dst] = (mtu, self.world.now + MTU_EXPIRES)

    def fragments(self, packet: bytes, mtu: int) -> list[bytes]:
        """ip6_fragment: pieces of at most ``mtu`` bytes, each the IPv6 header, a Fragment
        header (offset in 8-byte units, More flag, one random identification) and a
        multiple of 8 bytes of the payload (the last takes the rest)."""
        header, payload = packet[:40], packet[40:]
        step = (mtu - 40 - 8) & ~7
        ident = self.world.rng.getrandbits(32)
        out = []
        for offset in range(0, len(payload), step):
            piece = payload[offset : offset + step]
            more = int(offset + step < len(payload))
            frag = struct.pack("!BBHI", packet[6], 0, offset | more, ident)
            body = frag + piece
            out.append(
                header[:4]
                + len(body).to_bytes(2, "big")
                + bytes((NH_FRAGMENT,))
                + header[7:]
                + body
            )
        return out

    def reassemble(self, packet: bytes) -> bytes | None:
        """ip6_frag_queue: the whole packet once every piece is in, else None (pieces wait
        ip6frag_time seconds)."""
        if len(packet) < 48:
            return None
        nh, _, offset_m, ident = struct.unpack("!BBHI", packet[40:48])
        offset, more = offset_m & ~7, offset_m & 1
        key = (w.from16(packet[8:24]), w.from16(packet[24:40]), ident)
        now = self.world.now
        pieces = self._reassembly.get(key)
        if pieces is None or now - pieces.started > REASSEMBLY_TIME:
            pieces = self._reassembly[key] = _Pieces(now)
        pieces.parts[offset] = packet[48 : 40 + int.from_bytes(packet[4:6], "big")]
        if offset == 0:
            pieces.first, pieces.nh = packet[:40], nh
        if not more:
            pieces.last = offset
        if pieces.last is None or not pieces.first:
            return None
        payload, at = b"", 0
        while at in pieces.parts:
            payload += pieces.parts[at]
            if at == pieces.last:
                del self._reassembly[key]
                head = pieces.first
                return (
                    head[:4]
                    + len(payload).to_bytes(2, "big")
                    + bytes((pieces.nh,))
                    + head[7:]
                    + payload
                )
            at += len(pieces.parts[at])
        return None
