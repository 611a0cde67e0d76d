"""Neighbour Discovery messages, built and read with Scapy (imported on first use).

The layouts follow what the kernel and radvd put on the wire (captured on Debian 12):
a solicited multicast NS answer carries the target link-layer option, a unicast one
does not; DAD probes come from :: with a nonce option (RFC 7527); RAs carry prefix
information, then RDNSS and DNSSL (RFC 8106), then MTU, then the source link-layer option
(radvd 2.19's order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ...._calc import solicited_node
from .. import _wire as w
from .._backend import RouterAdvert

__all__ = ["NdMessage", "dad_ns", "na", "ns", "parse", "ra", "rs"]

_PREFERENCE = {"medium": 0, "high": 1, "low": 3}
_PREFERENCE_NAME = {0: "medium", 1: "high", 3: "low", 2: "medium"}


@cache
def _scapy() -> Any:
    """The few Scapy layers the simulator needs (``scapy.all`` costs ~0.9 s)."""
    from scapy.layers import inet6

    return inet6


def _text(addr: int) -> str:
    from ...._prefix import format_address

    return format_address(addr)


def ns(src: int, dst: int, target: int, mac: str) -> bytes:
    s = _scapy()
    packet = (
        s.IPv6(src=_text(src), dst=_text(dst), hlim=255)
        / s.ICMPv6ND_NS(tgt=_text(target))
        / s.ICMPv6NDOptSrcLLAddr(lladdr=mac)
    )
    return bytes(packet)


def dad_ns(src_mac: bytes, target: int, nonce: bytes) -> bytes:
    """A DAD probe frame: from ::, to the solicited-node group, with a nonce option."""
    s = _scapy()
    group = solicited_node(target)
    packet = (
        s.IPv6(src="::", dst=_text(group), hlim=255)
        / s.ICMPv6ND_NS(tgt=_text(target))
        / s.ICMPv6NDOptUnknown(type=14, len=1, data=nonce)
    )
    return w.ether(w.multicast_mac(group), src_mac, bytes(packet))


def na(
    src: int, dst: int, target: int, router: bool, solicited: bool, override: bool, mac: str | None
) -> bytes:
    s = _scapy()
    packet = s.IPv6(src=_text(src), dst=_text(dst), hlim=255) / s.ICMPv6ND_NA(
        tgt=_text(target), R=int(router), S=int(solicited), O=int(override)
    )
    if mac is not None:
        packet = packet / s.ICMPv6NDOptDstLLAddr(lladdr=mac)
    return bytes(packet)


def rs(src: int, mac: str | None) -> bytes:
    s = _scapy()
    packet = s.IPv6(src=_text(src), dst=_text(w.ALL_ROUTERS), hlim=255) / s.ICMPv6ND_RS()
    if mac is not None and src:
        packet = packet / s.ICMPv6NDOptSrcLLAddr(lladdr=mac)
    return bytes(packet)


def ra(src: int, dst: int, advert: RouterAdvert, mac: str) -> bytes:
    s = _scapy()
    packet = s.IPv6(src=_text(src), dst=_text(dst), hlim=255) / s.ICMPv6ND_RA(
        chlim=advert.hop_limit,
        M=int(advert.managed),
        O=int(advert.other),
        prf=_PREFERENCE[advert.preference],
        routerlifetime=advert.lifetime,
        reachabletime=advert.reachable,
        retranstimer=advert.retrans,
    )
    for net, length in advert.prefixes:
        packet = packet / s.ICMPv6NDOptPrefixInfo(
            prefixlen=length,
            L=int(advert.onlink),
            A=int(advert.autonomous),
            validlifetime=advert.valid,
            preferredlifetime=advert.preferred,
            prefix=_text(net),
        )
    if advert.rdnss:
        servers = [_text(a) for a in advert.rdnss]
        packet = packet / s.ICMPv6NDOptRDNSS(lifetime=advert.dns_lifetime, dns=servers)
    if advert.dnssl:
        packet = packet / s.ICMPv6NDOptDNSSL(
            lifetime=advert.dns_lifetime, searchlist=list(advert.dnssl)
        )
    if advert.mtu:
        packet = packet / s.ICMPv6NDOptMTU(mtu=advert.mtu)
    packet = packet / s.ICMPv6NDOptSrcLLAddr(lladdr=mac)
    return bytes(packet)


@dataclass
class NdMessage:
    """What the stack needs from an NS, NA, RS or RA."""

    kind: int
    src: int
    dst: int
    target: int | None = None
    lladdr: bytes | None = None
    nonce: bytes = b""
    router: bool = False
    solicited: bool = False
    override: bool = False
    managed: bool = False
    other: bool = False
    hop_limit: int = 0
    router_lifetime: int = 0
    reachable: int = 0
    retrans: int = 0
    preference: str = "medium"
    mtu: int = 0
    #: (net, length, on-link, autonomous, valid, preferred)
    prefixes: list[tuple[int, int, bool, bool, int, int]] = field(default_factory=list)
    #: RDNSS options (RFC 8106): (lifetime, servers), in the order received
    rdnss: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    #: DNSSL options: (lifetime, domains without their trailing dot)
    dnssl: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)


def parse(packet: bytes) -> NdMessage | None:
    """Dissect an NDP packet with Scapy; None when it is malformed."""
    s = _scapy()
    try:
        ip = s.IPv6(packet)
    except Exception:
        return None
    kind = packet[40]
    msg = NdMessage(kind, w.from16(packet[8:24]), w.from16(packet[24:40]))
    layer = ip.payload
    if kind == w.NS and isinstance(layer, s.ICMPv6ND_NS):
        msg.target = _int(layer.tgt)
    elif kind == w.NA and isinstance(layer, s.ICMPv6ND_NA):
        msg.target = _int(layer.tgt)
        msg.router, msg.solicited, msg.override = bool(layer.R), bool(layer.S), bool(layer.O)
    elif kind == w.RA and isinstance(layer, s.ICMPv6ND_RA):
        msg.managed, msg.other = bool(layer.M), bool(layer.O)
        msg.hop_limit = int(layer.chlim)
        msg.router_lifetime = int(layer.routerlifetime)
        msg.reachable, msg.retrans = int(layer.reachabletime), int(layer.retranstimer)
        msg.preference = _PREFERENCE_NAME.get(int(layer.prf), "medium")
    elif kind != w.RS:
        return None
    from scapy.packet import NoPayload

    option = layer.payload
    while option is not None and not isinstance(option, NoPayload):
        if (isinstance(option, s.ICMPv6NDOptSrcLLAddr) and kind != w.NA) or (
            isinstance(option, s.ICMPv6NDOptDstLLAddr) and kind == w.NA
        ):
            msg.lladdr = w.mac_bytes(option.lladdr)
        elif isinstance(option, s.ICMPv6NDOptPrefixInfo):
            msg.prefixes.append(
                (
                    w.network(_int(option.prefix), int(option.prefixlen)),
                    int(option.prefixlen),
                    bool(option.L),
                    bool(option.A),
                    int(option.validlifetime),
                    int(option.preferredlifetime),
                )
            )
        elif isinstance(option, s.ICMPv6NDOptMTU):
            msg.mtu = int(option.mtu)
        elif isinstance(option, s.ICMPv6NDOptRDNSS):
            msg.rdnss.append((int(option.lifetime), tuple(_int(a) for a in option.dns)))
        elif isinstance(option, s.ICMPv6NDOptDNSSL):
            names = tuple(_name(n) for n in option.searchlist)
            msg.dnssl.append((int(option.lifetime), names))
        elif getattr(option, "type", None) == 14:
            msg.nonce = bytes(getattr(option, "data", b""))
        option = option.payload
    return msg


def _name(name: bytes | str) -> str:
    text = name.decode("ascii", "replace") if isinstance(name, bytes) else str(name)
    return text.removesuffix(".")


def _int(text: str) -> int:
    from ...._prefix import parse_address

    return parse_address(text)
