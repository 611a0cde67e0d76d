"""Probe packets for the checks: built with Scapy, read back by ICMPv6 type.

Every probe goes into the topology through :meth:`Backend.send_l3` or
:meth:`Backend.send_l2`, so the same bytes test the simulator and the kernel. Replies
are dispatched on the ICMPv6 *type* (an Echo Reply is a subclass of Echo Request in
Scapy, and an error quotes the request it answers — lab-notes.md lists the traps).
Scapy is imported here only, and only when a check runs (``from scapy.layers.inet6``
costs ~0.2 s, ``scapy.all`` ~0.9 s).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..._calc import format_mac, multicast_mac
from ..._calc import solicited_node as solicited_node  # used here by this name too
from ..._prefix import format_address
from ..runtime._wire import ALL_ROUTERS

__all__ = [
    "Advert",
    "EchoAnswer",
    "echo_requests",
    "mac_of",
    "neighbour_solicitation",
    "read_advertisements",
    "read_echo_answers",
    "read_neighbour_adverts",
    "router_solicitation",
    "solicited_node",
]

ECHO_REPLY = 129
DEST_UNREACH = 1
TIME_EXCEEDED = 3
PAYLOAD = b"v6lab-probe"
#: Destination Unreachable codes (RFC 4443) as words for messages.
UNREACH_CODES = {
    0: "no-route",
    1: "prohibited",
    2: "beyond-scope",
    3: "address-unreachable",
    4: "port-unreachable",
    5: "source-policy",
    6: "reject-route",
}


@dataclass(frozen=True)
class EchoAnswer:
    """What came back for one echo request: a reply, or an ICMPv6 error from ``source``."""

    kind: str  # "reply" | "unreachable" | "time-exceeded"
    source: int
    ident: int
    seq: int
    code: int = 0


def mac_of(text: str) -> str:
    return text.strip().lower()


def echo_requests(
    src: int, dst: int, ident: int, hlims: list[int], first_seq: int = 0
) -> list[bytes]:
    """One Echo Request per hop limit, sequence numbers counting up from ``first_seq``."""
    from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6

    s, d = format_address(src), format_address(dst)
    return [
        bytes(
            IPv6(src=s, dst=d, hlim=h)
            / ICMPv6EchoRequest(id=ident, seq=first_seq + i, data=PAYLOAD)
        )
        for i, h in enumerate(hlims)
    ]


def read_echo_answers(packets: list[bytes], ident: int) -> list[EchoAnswer]:
    """Echo replies and ICMPv6 errors that answer our requests (matched by identifier)."""
    out: list[EchoAnswer] = []
    for raw in packets:
        if len(raw) < 48 or raw[0] >> 4 != 6 or raw[6] != 58:
            continue  # not IPv6 + ICMPv6 without extension headers
        source = int.from_bytes(raw[8:24], "big")
        icmp_type, code = raw[40], raw[41]
        if icmp_type == ECHO_REPLY:
            rid, seq = int.from_bytes(raw[44:46], "big"), int.from_bytes(raw[46:48], "big")
            if rid == ident:
                out.append(EchoAnswer("reply", source, rid, seq))
        elif icmp_type in (DEST_UNREACH, TIME_EXCEEDED):
            quoted = raw[48:]
            if len(quoted) < 48 or quoted[6] != 58 or quoted[40] != 128:
                continue
            rid, seq = int.from_bytes(quoted[44:46], "big"), int.from_bytes(quoted[46:48], "big")
            if rid == ident:
                kind = "unreachable" if icmp_type == DEST_UNREACH else "time-exceeded"
                out.append(EchoAnswer(kind, source, rid, seq, code))
    return out


def neighbour_solicitation(src_mac: str, src: int, target: int) -> bytes:
    """A multicast NS for ``target`` from ``src`` (a link-local), hop limit 255."""
    from scapy.layers.inet6 import ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IPv6
    from scapy.layers.l2 import Ether

    group = solicited_node(target)
    frame = (
        Ether(src=src_mac, dst=format_mac(multicast_mac(group)))
        / IPv6(src=format_address(src), dst=format_address(group), hlim=255)
        / ICMPv6ND_NS(tgt=format_address(target))
        / ICMPv6NDOptSrcLLAddr(lladdr=src_mac)
    )
    return bytes(frame)


def read_neighbour_adverts(frames: list[bytes], target: int) -> list[str]:
    """Link-layer addresses announced for ``target`` by Neighbor Advertisements."""
    from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6NDOptDstLLAddr
    from scapy.layers.l2 import Ether

    found: list[str] = []
    for raw in frames:
        frame = Ether(raw)
        na = frame.getlayer(ICMPv6ND_NA)
        if na is None or na.type != 136:
            continue
        from ..._prefix import parse_address

        if parse_address(na.tgt) != target:
            continue
        option = frame.getlayer(ICMPv6NDOptDstLLAddr)
        found.append(mac_of(option.lladdr) if option is not None else mac_of(frame.src))
    return found


def router_solicitation(src_mac: str, src: int) -> bytes:
    """An RS to all-routers from ``src`` (a link-local, or :: with no option)."""
    from scapy.layers.inet6 import ICMPv6ND_RS, ICMPv6NDOptSrcLLAddr, IPv6
    from scapy.layers.l2 import Ether

    packet = (
        IPv6(src=format_address(src), dst=format_address(ALL_ROUTERS), hlim=255) / ICMPv6ND_RS()
    )
    if src:
        packet = packet / ICMPv6NDOptSrcLLAddr(lladdr=src_mac)
    return bytes(Ether(src=src_mac, dst=format_mac(multicast_mac(ALL_ROUTERS))) / packet)


@dataclass
class Advert:
    """The parts of a Router Advertisement the checks grade."""

    source: int
    managed: bool
    other: bool
    lifetime: int
    #: (net, length, on-link, autonomous, valid lifetime, preferred lifetime)
    prefixes: list[tuple[int, int, bool, bool, int, int]] = field(default_factory=list)


def read_advertisements(frames: list[bytes]) -> list[Advert]:
    from scapy.layers.inet6 import ICMPv6ND_RA, ICMPv6NDOptPrefixInfo, IPv6
    from scapy.layers.l2 import Ether

    from ..._prefix import parse_address

    out: list[Advert] = []
    for raw in frames:
        frame = Ether(raw)
        ra = frame.getlayer(ICMPv6ND_RA)
        if ra is None or ra.type != 134:
            continue
        advert = Advert(
            source=parse_address(frame[IPv6].src),
            managed=bool(ra.M),
            other=bool(ra.O),
            lifetime=int(ra.routerlifetime),
        )
        option = ra.getlayer(ICMPv6NDOptPrefixInfo)
        while option is not None:
            if isinstance(option, ICMPv6NDOptPrefixInfo):
                advert.prefixes.append(
                    (
                        parse_address(option.prefix),
                        int(option.prefixlen),
                        bool(option.L),
                        bool(option.A),
                        int(option.validlifetime),
                        int(option.preferredlifetime),
                    )
                )
            option = option.payload.getlayer(ICMPv6NDOptPrefixInfo)
        out.append(advert)
    return out
