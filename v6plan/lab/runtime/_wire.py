"""Bytes on the wire: addresses, MACs, checksums, and the headers built by hand.

The simulator builds echo, UDP and ICMPv6 error packets here (the kernel, too, builds
an echo reply from the request's bytes), and Neighbour Discovery messages with Scapy
(:mod:`._ndisc`). Every frame that crosses a simulated link is dissected by Scapy on
arrival. Nothing here imports Scapy, so the netns backend can share it.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Final, Literal

# the core's facts, offered here too (``w.solicited_node``, ``w.eui64``: the interface ID
# of a MAC) so they are never derived twice
from ..._calc import IPV6_MIN_MTU
from ..._calc import modified_eui64 as eui64  # noqa: F401
from ..._calc import multicast_mac as _multicast_mac
from ..._calc import solicited_node as solicited_node
from ..._special import LINK_LOCAL

#: the scope ``ip -6 addr`` prints for an address (RFC 4007); the contract's word set
AddressScope = Literal["global", "link", "host"]

ETH_P_IPV6: Final = 0x86DD
NH_HOP: Final = 0
NH_UDP: Final = 17
NH_ICMPV6: Final = 58
NH_NONE: Final = 59

# ICMPv6 types (RFC 4443, 4861, 3810)
DEST_UNREACH: Final = 1
PACKET_TOO_BIG: Final = 2
TIME_EXCEEDED: Final = 3
PARAM_PROBLEM: Final = 4
ECHO_REQUEST: Final = 128
ECHO_REPLY: Final = 129
MLD_TYPES: Final = frozenset((130, 131, 132, 143))
RS: Final = 133
RA: Final = 134
NS: Final = 135
NA: Final = 136
REDIRECT: Final = 137
NDP_TYPES: Final = frozenset((RS, RA, NS, NA, REDIRECT))
ERROR_TYPES: Final = frozenset((DEST_UNREACH, PACKET_TOO_BIG, TIME_EXCEEDED, PARAM_PROBLEM))

ALL_NODES: Final = 0xFF02 << 112 | 1
ALL_ROUTERS: Final = 0xFF02 << 112 | 2
LINK_LOCAL_NET: Final = LINK_LOCAL[0]
LOOPBACK: Final = 1
BROADCAST_MAC: Final = b"\xff" * 6
#: RFC 8200 §5 (the core's)
MIN_MTU: Final = IPV6_MIN_MTU

_IPV6: Final = struct.Struct("!IHBB16s16s")
_ETHER: Final = struct.Struct("!6s6sH")


# -- addresses ----------------------------------------------------------------------------------
_LL_SHIFT: Final = 128 - LINK_LOCAL[1]
_LL_TOP: Final = LINK_LOCAL[0] >> _LL_SHIFT


def is_link_local(addr: int) -> bool:
    """In fe80::/10 (the core's :data:`~v6plan._special.LINK_LOCAL`)."""
    return addr >> _LL_SHIFT == _LL_TOP


def is_multicast(addr: int) -> bool:
    return addr >> 120 == 0xFF


def scope_of(addr: int) -> int:
    """RFC 4007 scope value: 1 interface-local (::1), 2 link, 14 global; multicast: its field."""
    if is_multicast(addr):
        return (addr >> 112) & 0xF
    if addr == LOOPBACK:
        return 1
    if is_link_local(addr):
        return 2
    return 14


def scope_name(addr: int) -> AddressScope:
    """The word ``ip addr`` prints: host, link or global."""
    scope = scope_of(addr)
    return "host" if scope == 1 else "link" if scope == 2 else "global"


def common_prefix(a: int, b: int) -> int:
    return 128 - (a ^ b).bit_length()


def in_prefix(addr: int, net: int, length: int) -> bool:
    return length == 0 or (addr ^ net) >> (128 - length) == 0


def network(addr: int, length: int) -> int:
    return addr >> (128 - length) << (128 - length) if length else 0


def a16(addr: int) -> bytes:
    return addr.to_bytes(16, "big")


def from16(data: bytes) -> int:
    return int.from_bytes(data, "big")


# -- MACs and interface identifiers ---------------------------------------------------------
def mac_bytes(mac: str) -> bytes:
    return bytes(int(part, 16) for part in mac.split(":"))


def mac_text(data: bytes) -> str:
    return ":".join(f"{b:02x}" for b in data)


def multicast_mac(group: int) -> bytes:
    """The Ethernet address a multicast group is sent to, as a frame carries it (the core's
    :func:`v6plan._calc.multicast_mac`)."""
    return _multicast_mac(group).to_bytes(6, "big")


def stable_iid(secret: int, prefix: int, dad_count: int = 0) -> int:
    """RFC 7217 interface identifier exactly as Linux makes it (addr_gen_mode 2).

    The kernel runs one SHA-1 compression over a 64-byte block of secret, the prefix's
    upper 64 bits, the device's permanent address (zero for veth) and the DAD counter,
    and takes the first two digest words in memory order (little-endian on x86)."""
    block = bytearray(64)
    block[0:16] = a16(secret)
    block[16:24] = a16(prefix)[:8]
    block[24 + 32] = dad_count & 0xFF  # hwaddr[MAX_ADDR_LEN = 32] stays zero
    words = _sha1_compress(bytes(block))
    return from16(b"\0" * 8 + struct.pack("<II", words[0], words[1])) & (1 << 64) - 1


def _sha1_compress(block: bytes) -> tuple[int, ...]:
    """One SHA-1 compression from the standard initial state (no padding, no length)."""
    h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
    w = list(struct.unpack("!16I", block))
    for i in range(16, 80):
        x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
        w.append((x << 1 | x >> 31) & 0xFFFFFFFF)
    a, b, c, d, e = h
    for i in range(80):
        if i < 20:
            f, k = (b & c) | (~b & d), 0x5A827999
        elif i < 40:
            f, k = b ^ c ^ d, 0x6ED9EBA1
        elif i < 60:
            f, k = (b & c) | (b & d) | (c & d), 0x8F1BBCDC
        else:
            f, k = b ^ c ^ d, 0xCA62C1D6
        temp = ((a << 5 | a >> 27) + f + e + k + w[i]) & 0xFFFFFFFF
        a, b, c, d, e = temp, a, (b << 30 | b >> 2) & 0xFFFFFFFF, c, d
    return tuple((x + y) & 0xFFFFFFFF for x, y in zip(h, (a, b, c, d, e)))


def seed_of(text: str) -> int:
    """A stable 64-bit seed (Python's hash() changes between processes)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


# -- checksums and headers -------------------------------------------------------------------
def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of ``data``."""
    if len(data) & 1:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def upper_checksum(src: bytes, dst: bytes, nh: int, body: bytes) -> int:
    """ICMPv6/UDP checksum over the IPv6 pseudo-header (RFC 8200 §8.1)."""
    pseudo = src + dst + struct.pack("!IxxxB", len(body), nh)
    value = checksum(pseudo + body)
    return 0xFFFF if value == 0 and nh == NH_UDP else value


def ipv6(src: bytes, dst: bytes, nh: int, hlim: int, payload: bytes, flow: int = 0) -> bytes:
    return _IPV6.pack(0x60000000 | flow, len(payload), nh, hlim, src, dst) + payload


def icmp6(src: bytes, dst: bytes, hlim: int, kind: int, code: int, rest: bytes) -> bytes:
    """An IPv6 packet carrying an ICMPv6 message (``rest`` is everything after the checksum)."""
    body = bytes((kind, code, 0, 0)) + rest
    value = upper_checksum(src, dst, NH_ICMPV6, body)
    return ipv6(src, dst, NH_ICMPV6, hlim, body[:2] + value.to_bytes(2, "big") + body[4:])


def udp(src: bytes, dst: bytes, hlim: int, sport: int, dport: int, data: bytes) -> bytes:
    body = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    value = upper_checksum(src, dst, NH_UDP, body)
    return ipv6(src, dst, NH_UDP, hlim, body[:6] + value.to_bytes(2, "big") + body[8:])


def icmp6_error(
    src: bytes, dst: bytes, kind: int, code: int, invoking: bytes, param: int = 0
) -> bytes:
    """An ICMPv6 error quoting as much of the invoking packet as fits in 1280 bytes."""
    quoted = invoking[: MIN_MTU - 48]
    return icmp6(src, dst, 64, kind, code, param.to_bytes(4, "big") + quoted)


def ether(dst: bytes, src: bytes, payload: bytes) -> bytes:
    return _ETHER.pack(dst, src, ETH_P_IPV6) + payload


def checksum_ok(packet: bytes) -> bool:
    """True when the ICMPv6/UDP checksum of an IPv6 packet (no extension headers) holds."""
    nh = packet[6]
    if nh not in (NH_ICMPV6, NH_UDP):
        return True
    body = packet[40 : 40 + int.from_bytes(packet[4:6], "big")]
    if nh == NH_UDP and body[6:8] == b"\0\0":
        return False  # a zero UDP checksum is invalid in IPv6
    pseudo = packet[8:24] + packet[24:40] + struct.pack("!IxxxB", len(body), nh)
    return checksum(pseudo + body) == 0


# -- reading answers (shared with the netns backend) -----------------------------------------
def echo_key(packet: bytes) -> tuple[int, int] | None:
    """(identifier, sequence) of an Echo Request packet, else None."""
    if len(packet) >= 48 and packet[6] == NH_ICMPV6 and packet[40] == ECHO_REQUEST:
        return int.from_bytes(packet[44:46], "big"), int.from_bytes(packet[46:48], "big")
    return None


def answered_echo(packet: bytes) -> tuple[int, int] | None:
    """The (identifier, sequence) an Echo Reply or an ICMPv6 error quoting a request answers."""
    if len(packet) < 48 or packet[6] != NH_ICMPV6:
        return None
    kind = packet[40]
    if kind == ECHO_REPLY:
        return int.from_bytes(packet[44:46], "big"), int.from_bytes(packet[46:48], "big")
    if kind in ERROR_TYPES:
        return echo_key(packet[48:])
    return None


def is_ndp_or_mld(packet: bytes) -> bool:
    """Neighbour Discovery or MLD (hop-by-hop header first, as MLD reports have)."""
    nh, offset = packet[6], 40
    if nh == NH_HOP and len(packet) > 42:
        nh, offset = packet[40], 40 + (packet[41] + 1) * 8
    return (
        nh == NH_ICMPV6
        and len(packet) > offset
        and (packet[offset] in NDP_TYPES or packet[offset] in MLD_TYPES)
    )


class L2Waiter:
    """Decides when :meth:`Backend.send_l2` has every answer it can expect: an NA for
    each NS target, an RA for each RS, a reply or error for each Echo Request."""

    def __init__(self, frames: list[bytes]) -> None:
        self.targets: set[int] = set()
        self.solicits = 0
        self.echoes: set[tuple[int, int]] = set()
        for frame in frames:
            packet = frame[14:]
            if len(frame) < 14 + 41 or frame[12:14] != b"\x86\xdd" or packet[6] != NH_ICMPV6:
                continue
            kind = packet[40]
            if kind == NS and len(packet) >= 64:
                self.targets.add(from16(packet[48:64]))
            elif kind == RS:
                self.solicits += 1
            elif (key := echo_key(packet)) is not None:
                self.echoes.add(key)

    @property
    def waiting(self) -> bool:
        return bool(self.targets or self.solicits > 0 or self.echoes)

    def saw(self, frame: bytes) -> None:
        packet = frame[14:]
        if len(frame) < 14 + 41 or frame[12:14] != b"\x86\xdd" or packet[6] != NH_ICMPV6:
            return
        kind = packet[40]
        if kind == NA and len(packet) >= 64:
            self.targets.discard(from16(packet[48:64]))
        elif kind == RA:
            self.solicits -= 1
        elif (key := answered_echo(packet)) is not None:
            self.echoes.discard(key)
