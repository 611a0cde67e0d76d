"""Special addresses, written once: IANA special-purpose blocks and reserved interface IDs.

The spec loader refuses a root that can never be an allocation (:func:`root_problem`), lint
reports plans that touch a special-purpose block (:data:`SPECIAL_PURPOSE`), and the /127
link calculator and lint skip the same reserved interface identifiers
(:func:`reserved_anycast`, :func:`holds_reserved_iid`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ._prefix import format_prefix, parse_prefix

__all__ = [
    "ANYCAST_IID_FIRST",
    "ANYCAST_IID_LAST",
    "DOCUMENTATION",
    "LINK_LOCAL",
    "SPECIAL_PURPOSE",
    "ULA",
    "ULA_L",
    "SpecialBlock",
    "holds_reserved_iid",
    "inside",
    "is_reserved_iid",
    "overlaps",
    "reserved_anycast",
    "root_problem",
]

Block = tuple[int, int]


@dataclass(frozen=True, slots=True)
class SpecialBlock:
    """One row of the IANA IPv6 Special-Purpose Address Registry (as far as planning goes)."""

    block: Block
    why: str
    #: False: no address plan can live here (a spec with such a root is refused). True:
    #: a local-use block an operator may carve up; lint still reports it.
    plannable: bool = False


def _row(text: str, why: str, plannable: bool = False) -> SpecialBlock:
    return SpecialBlock(parse_prefix(text), why, plannable)


#: IANA IPv6 Special-Purpose Address Registry blocks one must not plan in.
SPECIAL_PURPOSE: Final = (
    _row("::/128", "the unspecified address"),
    _row("::1/128", "the loopback address"),
    _row("::ffff:0:0/96", "IPv4-mapped space"),
    _row("::/96", "deprecated IPv4-compatible space"),
    _row("64:ff9b::/96", "the NAT64 well-known prefix"),
    _row("64:ff9b:1::/48", "local-use NAT64 space", plannable=True),
    _row("100::/64", "the discard-only prefix"),
    _row("2001::/23", "IETF protocol assignments (Teredo, benchmarking, ORCHID …)"),
    _row("2002::/16", "6to4"),
    _row("5f00::/16", "SRv6 SIDs", plannable=True),
    _row("fe80::/10", "link-local space"),
    _row("fec0::/10", "deprecated site-local space"),
    _row("ff00::/8", "multicast"),
)
#: RFC 3849 and RFC 9637: examples, training and tests.
DOCUMENTATION: Final = (parse_prefix("2001:db8::/32"), parse_prefix("3fff::/20"))
ULA: Final = parse_prefix("fc00::/7")
#: RFC 4291 §2.5.6: link-local unicast; interfaces take their addresses from fe80::/64.
LINK_LOCAL: Final = parse_prefix("fe80::/10")
#: The half of fc00::/7 with the L bit set: the only unique-local space in use (RFC 4193).
ULA_L: Final = parse_prefix("fd00::/8")


def overlaps(a: Block, b: Block) -> bool:
    a_end = a[0] + (1 << (128 - a[1]))
    b_end = b[0] + (1 << (128 - b[1]))
    return a[0] < b_end and b[0] < a_end


def inside(inner: Block, outer: Block) -> bool:
    return inner[1] >= outer[1] and inner[0] >> (128 - outer[1]) == outer[0] >> (128 - outer[1])


def root_problem(root: Block) -> tuple[str, str] | None:
    """Why ``root`` can never be an address allocation, with the fix; None when it can be.

    A root inside, or holding, a block of :data:`SPECIAL_PURPOSE` that no plan can live in
    (``::/0`` holds them all). Documentation and ULA space stay allowed (lint notes them).
    """
    for row in SPECIAL_PURPOSE:
        if row.plannable or not overlaps(root, row.block):
            continue
        block = format_prefix(*row.block)
        if root[1] == 0:
            what = f"::/0 is all of IPv6 (it holds {block}, {row.why}, and more)"
        elif inside(root, row.block):
            what = f"{format_prefix(*root)} is inside {block} ({row.why})"
        else:
            what = f"{format_prefix(*root)} holds {block} ({row.why})"
        return (
            f"{what}: it can never be an address allocation",
            "use your RIR allocation, a unique-local /48 from `v6plan ula`, or documentation "
            "space (2001:db8::/32, 3fff::/20) for examples and training",
        )
    return None


# -- reserved interface identifiers of a /64 -----------------------------------------------------
#: RFC 2526 §2: for a 64-bit interface ID (EUI-64 format), the reserved subnet anycast IDs are
#: fdff:ffff:ffff:ff80 to fdff:ffff:ffff:ffff — anycast IDs 0 to 127 with the universal/local
#: bit 0. Not the top 128 IIDs ffff:ffff:ffff:ff80-ffff, a common misreading.
ANYCAST_IID_FIRST: Final = 0xFDFF_FFFF_FFFF_FF80
ANYCAST_IID_LAST: Final = 0xFDFF_FFFF_FFFF_FFFF
#: The reserved IDs are one aligned /121 inside the /64.
ANYCAST_LENGTH: Final = 121
_IID: Final = (1 << 64) - 1


def reserved_anycast(net64: int) -> Block:
    """The RFC 2526 reserved subnet anycast block of the /64 at ``net64``: a /121."""
    return ((net64 & ~_IID) | ANYCAST_IID_FIRST, ANYCAST_LENGTH)


def is_reserved_iid(iid: int) -> bool:
    """True for the IIDs RFC 5453 and the IANA registry reserve (SLAAC must skip them)."""
    iid &= _IID
    return (
        iid == 0  # subnet-router anycast (RFC 4291)
        or 0x0200_5EFF_FE00_0000 <= iid <= 0x0200_5EFF_FEFF_FFFF  # IANA Ethernet block
        or ANYCAST_IID_FIRST <= iid <= ANYCAST_IID_LAST  # RFC 2526 subnet anycast
    )


def holds_reserved_iid(net: int, length: int) -> str:
    """What reserved interface ID of its /64 the block ``net/length`` (a /64 or longer)
    holds: ``"subnet-router"`` (IID 0, RFC 4291 §2.6.1), ``"rfc2526"``, or ``""``."""
    first = net & _IID
    last = first + (1 << (128 - length)) - 1 if length >= 64 else _IID
    if first == 0:
        return "subnet-router"
    if first <= ANYCAST_IID_LAST and last >= ANYCAST_IID_FIRST:
        return "rfc2526"
    return ""
