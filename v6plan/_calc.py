"""The trainee calculator: what one address or prefix is, on plain 128-bit integers.

Pure functions, no ranges materialised. The answers are the ones the standards give,
including where the calculators trainees meet get them wrong: ULA is not "Unassigned"
(sipcalc), 3fff::/20 is documentation space (RFC 9637; sipcalc and ipv6calc miss it), a
non-nibble prefix has several reverse zones (ipv6calc prints one, sipcalc a PTR name), and
both ends of a /127 are usable (RFC 6164; subnetcalc says one).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any, Final

from ._errors import AddressError, InputError
from ._orders import slot_order
from ._prefix import (
    ALL_ONES,
    expand_address,
    format_address,
    format_prefix,
    host_mask,
    parse_address,
    parse_prefix,
)
from ._special import (
    ANYCAST_IID_FIRST,
    ANYCAST_IID_LAST,
    LINK_LOCAL,
    is_reserved_iid,
    reserved_anycast,
)

__all__ = [
    "ORDERS",
    "P2P_LINK_COUNT",
    "UNIVERSAL_LOCAL",
    "GeneratedUla",
    "address_type",
    "echo_data_size",
    "eui64",
    "format_mac",
    "info",
    "is_reserved_iid",
    "link_local",
    "mac_from_iid",
    "make_ula",
    "modified_eui64",
    "multicast_mac",
    "multicast_scope",
    "ntp_timestamp",
    "p2p_link_iids",
    "p2p_links",
    "p2p_reserved",
    "parse_mac",
    "prefix_type",
    "ptr_name",
    "reverse_blocks",
    "reverse_name",
    "reverse_zones",
    "solicited_node",
    "stable_iid",
    "subnet_count",
    "subnets",
    "temporary_iid",
    "temporary_lifetimes",
    "type_reference",
    "ula",
]

_IID_MASK: Final = (1 << 64) - 1

# -- address types ---------------------------------------------------------------------

#: IANA special-purpose and well-known blocks: (prefix text, type, where it is defined).
#: The most specific block that matches wins (documentation beats global-unicast).
_TYPE_TABLE: Final = (
    ("::/128", "unspecified", "RFC 4291"),
    ("::1/128", "loopback", "RFC 4291"),
    ("::ffff:0:0/96", "ipv4-mapped", "RFC 4291"),
    ("64:ff9b::/96", "nat64", "RFC 6052"),
    ("64:ff9b:1::/48", "nat64", "RFC 8215, local use"),
    ("100::/64", "discard", "RFC 6666"),
    ("2001::/32", "teredo", "RFC 4380"),
    ("2001:2::/48", "benchmarking", "RFC 5180"),
    ("2001:20::/28", "orchid", "RFC 7343"),
    ("2001:db8::/32", "documentation", "RFC 3849"),
    ("2002::/16", "6to4", "RFC 3056"),
    ("3fff::/20", "documentation", "RFC 9637"),
    ("5f00::/16", "srv6-sid", "RFC 9602"),
    ("fc00::/7", "unique-local", "RFC 4193"),
    ("fe80::/10", "link-local", "RFC 4291"),
    ("ff00::/8", "multicast", "RFC 4291"),
    ("2000::/3", "global-unicast", "RFC 4291"),
)


def _build_types() -> tuple[tuple[int, int, str, str], ...]:
    rows = [(*parse_prefix(text), name, ref) for text, name, ref in _TYPE_TABLE]
    return tuple(sorted(rows, key=lambda row: -row[1]))  # longest (most specific) first


_TYPES: Final = _build_types()

#: RFC 4291 §2.7 / RFC 7346 multicast scopes (the low nibble of the second byte).
_MCAST_SCOPES: Final = {
    0x1: "interface-local",
    0x2: "link-local",
    0x3: "realm-local",
    0x4: "admin-local",
    0x5: "site-local",
    0x8: "organization-local",
    0xE: "global",
}


def _classify(value: int) -> tuple[str, str]:
    for net, length, name, ref in _TYPES:
        if value >> (128 - length) == net >> (128 - length):
            return name, ref
    return "reserved", "IANA IPv6 address space"


def address_type(value: int) -> str:
    """The IANA type of an address: ``documentation``, ``unique-local``, … or ``reserved``."""
    return _classify(value)[0]


def type_reference(value: int) -> str:
    """Where the type :func:`address_type` gives is defined (an RFC, for the trainee)."""
    return _classify(value)[1]


def _classify_prefix(net: int, length: int) -> tuple[str, str]:
    for b_net, b_len, name, ref in _TYPES:
        if b_len <= length and net >> (128 - b_len) == b_net >> (128 - b_len):
            return name, ref
    if _special_inside(net, length):
        return "mixed", ""
    return "reserved", "IANA IPv6 address space"


def prefix_type(net: int, length: int) -> str:
    """The type of a whole prefix: the most specific block containing it.

    A prefix that holds several types without lying inside one (``::/8``) is ``mixed``.
    """
    return _classify_prefix(net, length)[0]


def _special_inside(net: int, length: int) -> list[tuple[int, int, str, str]]:
    """Special blocks strictly inside the prefix (``2001::/16`` holds teredo and more)."""
    shift = 128 - length
    inside = [row for row in _TYPES if row[1] > length and row[0] >> shift == net >> shift]
    return sorted(inside, key=lambda row: (row[0], row[1]))


def multicast_scope(value: int) -> str:
    """The scope name of a multicast address (RFC 4291 §2.7, RFC 7346)."""
    if value >> 120 != 0xFF:
        raise AddressError(f"{format_address(value)} is not multicast (ff00::/8)")
    scope = (value >> 112) & 0xF
    if scope in (0x0, 0xF):
        return "reserved"
    return _MCAST_SCOPES.get(scope, "unassigned")


# -- checks shared by the calculations -------------------------------------------------


def _check_prefix(net: int, length: int) -> None:
    if not 0 <= length <= 128:
        raise AddressError(f"prefix length {length} is outside 0..128")
    if not 0 <= net <= ALL_ONES:
        raise AddressError(f"{net:#x} is not a 128-bit address")
    if net & host_mask(length):
        meant = format_prefix(net & ~host_mask(length), length)
        raise AddressError(f"host bits set in {format_prefix(net, length)} — did you mean {meant}?")


def _check_net64(net: int, what: str) -> None:
    if not 0 <= net <= ALL_ONES or net & _IID_MASK:
        shown = format_address(net & ALL_ONES)
        raise AddressError(
            f"{what} needs a /64 prefix; {shown} has interface-ID bits set — "
            f"did you mean {format_prefix(net & ~_IID_MASK & ALL_ONES, 64)}?"
        )


def _units(length: int, unit: int) -> int | str:
    """How many /unit a /length is: an integer, or ``"1/256"`` when it is smaller."""
    if length <= unit:
        return 1 << (unit - length)
    return f"1/{1 << (length - unit)}"


# -- subnets ---------------------------------------------------------------------------

#: The orders ``subnets`` accepts (best-fit is an allocator choice, not an order).
ORDERS: Final = ("sequential", "sparse", "centermost")


def subnet_count(length: int, sub_length: int) -> int:
    """How many /sub_length a /length holds (exact; ``2**64`` is a fine answer)."""
    if not 0 <= length <= sub_length <= 128:
        raise AddressError(f"cannot split a /{length} into /{sub_length}")
    return 1 << (sub_length - length)


def subnets(
    net: int,
    length: int,
    sub_length: int,
    order: str = "sequential",
    step: int = 1,
    limit: int | None = None,
) -> Iterator[tuple[int, int]]:
    """The /sub_length subnets of net/length as ``(net, sub_length)``, lazily, in ``order``.

    ``step`` > 1 hands out every step-th subnet first (RIPE-style room to grow), then
    the rest. Arguments are checked now, not on the first ``next()``.
    """
    _check_prefix(net, length)
    if not length <= sub_length <= 128:
        raise AddressError(
            f"cannot split {format_prefix(net, length)} into /{sub_length}: "
            f"use a length from {length} to 128"
        )
    if order not in ORDERS:
        raise InputError(f"unknown order {order!r}; use one of {', '.join(ORDERS)}")
    if step < 1:
        raise InputError(f"step {step} must be 1 or more")
    if step > 1 and order != "sequential":
        raise InputError(f"a step of {step} works with the sequential order, not {order!r}")
    if limit is not None and limit < 0:
        raise InputError(f"limit {limit} must be 0 or more")
    width = sub_length - length
    shift = 128 - sub_length
    slots = slot_order(order, width, min(step, 1 << width))
    if limit is not None:
        slots = islice(slots, limit)
    return ((net + (slot << shift), sub_length) for slot in slots)


# -- MAC addresses and modified EUI-64 -------------------------------------------------

_HEX_GROUPS: Final = re.compile(
    r"[0-9a-f]{1,2}(?P<sep>[:-])[0-9a-f]{1,2}(?:(?P=sep)[0-9a-f]{1,2}){4}"
    r"(?:(?:(?P=sep)[0-9a-f]{1,2}){2})?"
)
_DOTTED: Final = re.compile(r"[0-9a-f]{4}(?:\.[0-9a-f]{4}){2,3}")
_BARE: Final = re.compile(r"[0-9a-f]{12}(?:[0-9a-f]{4})?")


def parse_mac(text: str) -> tuple[int, int]:
    """Parse a MAC (48-bit) or EUI-64 (64-bit) identifier to ``(value, bits)``.

    Accepts ``00:11:22:33:44:55``, ``00-11-22-33-44-55``, ``0011.2233.4455`` and
    ``001122334455`` (and the 8-byte forms); anything else is an :class:`AddressError`.
    """
    if not isinstance(text, str):
        raise AddressError(f"expected a MAC address as text, got {text!r}")
    candidate = text.strip().lower()
    if _HEX_GROUPS.fullmatch(candidate):
        octets = [int(part, 16) for part in re.split(r"[:-]", candidate)]
        value = int.from_bytes(bytes(octets), "big")
        return value, 8 * len(octets)
    if _DOTTED.fullmatch(candidate) or _BARE.fullmatch(candidate):
        digits = candidate.replace(".", "")
        return int(digits, 16), 4 * len(digits)
    raise AddressError(
        f"{text!r} is not a MAC address — write it as 00:11:22:33:44:55 "
        "(00-11-22-33-44-55 and 0011.2233.4455 work too)"
    )


def format_mac(value: int, bits: int = 48) -> str:
    """``00:11:22:33:44:55`` (lower case, colon-separated)."""
    return ":".join(f"{b:02x}" for b in value.to_bytes(bits // 8, "big"))


#: the universal/local bit of a 64-bit interface identifier (RFC 4291 Appendix A: 0x02 of
#: the first octet; modified EUI-64 inverts the MAC's, so 1 means "universal")
UNIVERSAL_LOCAL: Final = 0x02 << 56


def modified_eui64(mac: str) -> int:
    """The 64-bit modified EUI-64 interface ID of a MAC (RFC 4291 Appendix A).

    A 48-bit MAC gets ``ff:fe`` in the middle; for both sizes the universal/local bit
    (0x02 of the first octet) is inverted.
    """
    value, bits = parse_mac(mac)
    if bits == 48:
        value = (value >> 24) << 40 | 0xFFFE << 24 | (value & 0xFFFFFF)
    return value ^ UNIVERSAL_LOCAL


def eui64(prefix: int, mac: str) -> int:
    """The SLAAC address a MAC gets in a /64: ``prefix | modified_eui64(mac)``."""
    _check_net64(prefix, "EUI-64")
    return prefix | modified_eui64(mac)


def link_local(mac: str) -> int:
    """The link-local address an interface forms from its MAC: ``fe80::/64`` + modified
    EUI-64 (RFC 4291 §2.5.6; what Linux does with ``addr_gen_mode`` 0)."""
    return LINK_LOCAL[0] | modified_eui64(mac)


def mac_from_iid(iid: int) -> str | None:
    """The MAC inside a modified EUI-64 interface ID (``ff:fe`` in the middle), else None."""
    iid &= _IID_MASK
    if (iid >> 24) & 0xFFFF != 0xFFFE:
        return None
    mac = ((iid >> 40) << 24 | (iid & 0xFFFFFF)) ^ (UNIVERSAL_LOCAL >> 16)
    return format_mac(mac)


# -- neighbour discovery and reverse DNS -----------------------------------------------

_SOLICITED_NODE: Final = 0xFF02_0000_0000_0000_0000_0001_FF00_0000


def solicited_node(addr: int) -> int:
    """The solicited-node multicast group of an address: ff02::1:ff00:0/104 + low 24 bits."""
    return _SOLICITED_NODE | (addr & 0xFFFFFF)


def multicast_mac(group: int) -> int:
    """The Ethernet address a multicast group is sent to: 33:33 + its low 32 bits
    (RFC 2464 §7), as a 48-bit integer (:func:`format_mac` writes it)."""
    return 0x3333 << 32 | (group & 0xFFFFFFFF)


def reverse_name(net: int, length: int) -> str:
    """The ip6.arpa name of a nibble-aligned ``net/length``, without the trailing dot:
    ``8.b.d.0.1.0.0.2.ip6.arpa`` for 2001:db8::/32 (``ip6.arpa`` for ::/0)."""
    digits = f"{net:032x}"[: length // 4]
    return "".join(f"{d}." for d in reversed(digits)) + "ip6.arpa"


def ptr_name(addr: int) -> str:
    """The full 32-nibble PTR owner name of an address, with the trailing dot."""
    return reverse_name(addr, 128) + "."


def reverse_blocks(net: int, length: int) -> list[tuple[int, int]]:
    """The blocks whose ip6.arpa zones cover a prefix: itself when nibble-aligned, else
    ``2**(4 - length % 4)`` blocks at the next nibble (a /29 needs eight /32 zones)."""
    if length % 4 == 0:
        return [(net, length)]
    zone = length + 4 - length % 4
    step = 1 << (128 - zone)
    return [(net + k * step, zone) for k in range(1 << (zone - length))]


def reverse_zones(net: int, length: int) -> list[str]:
    """The ip6.arpa zones a prefix needs, with the trailing dot (:func:`reverse_blocks`).

    A /29 needs eight /32 zones; a /48 one zone of 12 nibbles (not a PTR name).
    """
    _check_prefix(net, length)
    return [reverse_name(n, z) + "." for n, z in reverse_blocks(net, length)]


# -- unique local addresses ------------------------------------------------------------

_NTP_EPOCH: Final = datetime(1900, 1, 1, tzinfo=UTC)


def ntp_timestamp(when: datetime) -> int:
    """64-bit NTP timestamp (RFC 5905): seconds since 1900 << 32 | binary fraction.

    A naive datetime is taken as UTC. After 2036 the seconds wrap (NTP era 1).
    """
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = when - _NTP_EPOCH
    seconds = delta.days * 86400 + delta.seconds
    if seconds < 0:
        raise InputError(f"{when.isoformat()} is before 1900, which NTP time cannot express")
    fraction = (delta.microseconds << 32) // 1_000_000
    return (seconds & 0xFFFFFFFF) << 32 | fraction


def ula(ntp_time: int, eui64: bytes | int) -> tuple[int, int]:
    """The fd00::/8 /48 of RFC 4193 §3.2.2: SHA-1(NTP time || EUI-64), low 40 bits."""
    if not 0 <= ntp_time < 1 << 64:
        raise InputError(f"NTP time {ntp_time:#x} does not fit 64 bits")
    if isinstance(eui64, int):
        if not 0 <= eui64 < 1 << 64:
            raise InputError(f"EUI-64 {eui64:#x} does not fit 64 bits")
        identifier = eui64.to_bytes(8, "big")
    else:
        identifier = bytes(eui64)
        if len(identifier) != 8:
            raise InputError(f"an EUI-64 has 8 bytes, got {len(identifier)}: {identifier.hex()}")
    digest = hashlib.sha1(ntp_time.to_bytes(8, "big") + identifier, usedforsecurity=False).digest()
    global_id = int.from_bytes(digest[-5:], "big")
    return 0xFD << 120 | global_id << 80, 48


@dataclass(frozen=True, slots=True)
class GeneratedUla:
    """A ULA /48 and the inputs that made it, so the draw can be repeated or audited."""

    net: int
    length: int
    ntp_time: int
    eui64: bytes
    #: "mac" when the EUI-64 came from a MAC, "random" when from random bytes.
    source: str
    mac: str | None = None


def make_ula(mac: str | None = None, when: datetime | int | None = None) -> GeneratedUla:
    """A ULA /48 from a MAC and a time; random bytes stand in for a missing MAC.

    The MAC becomes its modified EUI-64 (00:11:22:33:44:55 → 02:11:22:ff:fe:33:44:55);
    ``when`` is a datetime or a 64-bit NTP timestamp and defaults to now.
    """
    if mac is not None:
        identifier = modified_eui64(mac).to_bytes(8, "big")
        source = "mac"
        mac = format_mac(*parse_mac(mac))
    else:
        identifier = secrets.token_bytes(8)
        source = "random"
    if when is None:
        stamp = ntp_timestamp(datetime.now(UTC))
    elif isinstance(when, datetime):
        stamp = ntp_timestamp(when)
    else:
        stamp = when
    net, length = ula(stamp, identifier)
    return GeneratedUla(net, length, stamp, identifier, source, mac)


# -- stable opaque interface identifiers (RFC 7217) -------------------------------------


def _rid(prefix: int, interface: bytes, network_id: bytes, dad_counter: int, secret: bytes) -> int:
    """F() of RFC 7217 §5 as v6plan defines it: SHA-256, low 64 bits.

    The fields are concatenated in the RFC's order; the two strings carry a 4-byte
    length so that ("eth0", "1x") and ("eth01", "x") cannot collide.
    """
    data = b"".join(
        (
            (prefix >> 64).to_bytes(8, "big"),
            len(interface).to_bytes(4, "big"),
            interface,
            len(network_id).to_bytes(4, "big"),
            network_id,
            dad_counter.to_bytes(4, "big"),
            secret,
        )
    )
    return int.from_bytes(hashlib.sha256(data).digest()[-8:], "big")


def stable_iid(
    prefix: int,
    interface: str,
    network_id: str | bytes,
    dad_counter: int,
    secret: str | bytes,
) -> int:
    """RFC 7217 stable, opaque 64-bit interface ID for ``prefix`` (a /64 network).

    F() is SHA-256 over Prefix || Net_Iface || Network_ID || DAD_Counter || secret_key,
    keeping the low 64 bits (RFC 7217 leaves F() open; SHA-256 is what it suggests to
    replace SHA-1 with). A reserved IID makes the DAD counter go up by one and try
    again, as §5 says.
    """
    _check_net64(prefix, "a stable interface ID (RFC 7217)")
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    if not key:
        raise InputError(
            "RFC 7217 needs a secret key — use at least 128 random bits, "
            "e.g. --secret $(openssl rand -hex 16)"
        )
    if not 0 <= dad_counter < 1 << 32:
        raise InputError(f"DAD counter {dad_counter} must be from 0 to 2**32 - 1")
    iface = interface.encode()
    net_id = network_id.encode() if isinstance(network_id, str) else bytes(network_id)
    iid = _rid(prefix, iface, net_id, dad_counter, key)
    while is_reserved_iid(iid):
        dad_counter += 1
        iid = _rid(prefix, iface, net_id, dad_counter, key)
    return iid


# -- path MTU (RFC 8201) -------------------------------------------------------------------

#: RFC 8200 §5: every IPv6 link carries packets of at least 1280 bytes
IPV6_MIN_MTU: Final = 1280
#: the fixed IPv6 header, and the ICMPv6 echo header (type, code, checksum, id, sequence)
IPV6_HEADER: Final = 40
ECHO_HEADER: Final = 8


def echo_data_size(mtu: int, header: int = IPV6_HEADER) -> int:
    """The most data an ICMPv6 echo carries in one packet of ``mtu`` bytes (``ping -s``
    with ``-M do``): the MTU less the IPv6 and echo headers; ``header=20`` gives the
    classic mistake of counting IPv4's."""
    if mtu < header + ECHO_HEADER:
        raise InputError(f"an MTU of {mtu} bytes holds no echo data")
    return mtu - header - ECHO_HEADER


# -- temporary addresses (RFC 8981) -----------------------------------------------------


def temporary_iid(random64: Callable[[], int]) -> int:
    """A temporary address's interface ID (RFC 8981 §3.3.1): 64 random bits, drawn again
    while they fall on a reserved IID (RFC 5453). ``random64`` gives the bits (the
    simulator passes its seeded RNG, so a run repeats)."""
    while True:
        iid = random64() & _IID_MASK
        if not is_reserved_iid(iid):
            return iid


def temporary_lifetimes(
    public_valid: int, public_preferred: int, temp_valid: int, temp_preferred: int, desync: int
) -> tuple[int, int]:
    """Valid and preferred lifetimes of a new temporary address (RFC 8981 §3.4 step 4):
    never longer than the public address's, nor than TEMP_VALID_LIFETIME and
    TEMP_PREFERRED_LIFETIME − DESYNC_FACTOR (so hosts do not all renew at once)."""
    valid = min(public_valid, temp_valid)
    return valid, min(public_preferred, temp_preferred - desync, valid)


# -- point-to-point links (RFC 6164) ---------------------------------------------------

#: Usable /127s in one /64: all but the one holding IID 0 and the 64 in the RFC 2526 /121.
P2P_LINK_COUNT: Final = (1 << 63) - 1 - 64


def p2p_links(net: int) -> Iterator[tuple[int, int]]:
    """The usable /127 links of a /64 as ``(net, 127)``, lazily, lowest first.

    Skips the /127 holding IID 0 (subnet-router anycast) and the /121 of RFC 2526 reserved
    subnet anycast IDs (fdff:ffff:ffff:ff80 to fdff:ffff:ffff:ffff); see :func:`p2p_reserved`.
    """
    _check_net64(net, "a /127 link block")
    return ((net | iid, 127) for iid in itertools.chain(*p2p_link_iids()))


def p2p_link_iids() -> tuple[range, range]:
    """The interface IDs the usable /127s of a /64 start at: below and above the RFC 2526 /121."""
    return range(2, ANYCAST_IID_FIRST, 2), range(ANYCAST_IID_LAST + 1, _IID_MASK + 1, 2)


def p2p_reserved(net: int) -> list[tuple[int, int]]:
    """The blocks of a /127 link /64 never handed to a link: IID 0's /127 and the RFC 2526
    reserved anycast /121 (:func:`v6plan._special.reserved_anycast`)."""
    _check_net64(net, "a /127 link block")
    return [(net, 127), reserved_anycast(net)]


# -- info: everything about one address or prefix --------------------------------------


def _embedded_ipv4(value: int, kind: str) -> str | None:
    if kind == "ipv4-mapped" or (kind == "nat64" and value >> 32 == 0x64FF9B << 64):
        v4 = value & 0xFFFFFFFF
    elif kind == "6to4":
        v4 = (value >> 80) & 0xFFFFFFFF
    else:
        return None
    return ".".join(str(b) for b in v4.to_bytes(4, "big"))


def _address_info(value: int) -> dict[str, Any]:
    kind, ref = _classify(value)
    data: dict[str, Any] = {
        "kind": "address",
        "address": format_address(value),
        "expanded": expand_address(value),
        "type": kind,
        "reference": ref,
    }
    if kind == "multicast":
        data["multicast_scope"] = multicast_scope(value)
    else:
        iid = value & _IID_MASK
        data["subnet"] = format_prefix(value & ~_IID_MASK, 64)
        data["iid"] = expand_address(iid)[20:]
        mac = mac_from_iid(iid)
        if mac is not None:
            data["eui64_mac"] = mac
        if kind != "unspecified":
            data["solicited_node"] = format_address(solicited_node(value))
    ipv4 = _embedded_ipv4(value, kind)
    if ipv4 is not None:
        data["ipv4"] = ipv4
    data["ptr"] = ptr_name(value)
    return data


def _prefix_info(net: int, length: int) -> dict[str, Any]:
    last = net | host_mask(length)
    kind, ref = _classify_prefix(net, length)
    data: dict[str, Any] = {
        "kind": "prefix",
        "prefix": format_prefix(net, length),
        "length": length,
        "expanded": f"{expand_address(net)}/{length}",
        "first": format_address(net),
        "last": format_address(last),
        "addresses": 1 << (128 - length),
        "size_48s": _units(length, 48),
        "size_64s": _units(length, 64),
        "type": kind,
        "reference": ref,
    }
    inside = _special_inside(net, length)
    if inside:
        data["contains"] = [f"{format_prefix(n, ln)} {name}" for n, ln, name, _ in inside]
    if kind == "multicast" and length >= 16:
        data["multicast_scope"] = multicast_scope(net)
    data["nibble_aligned"] = length % 4 == 0
    data["reverse_zones"] = reverse_zones(net, length)
    if length >= 127:  # RFC 6164: a /127 has two usable addresses, no broadcast
        data["usable"] = [format_address(net), format_address(last)][: 1 << (128 - length)]
    return data


def info(text: str) -> dict[str, Any]:
    """Everything the calculator knows about an address or a prefix, JSON-ready.

    Text with a ``/`` is a prefix (host bits are an error naming the prefix you meant);
    text without one is an address.
    """
    if not isinstance(text, str):
        raise AddressError(f"expected an address or prefix as text, got {text!r}")
    if "/" in text:
        return _prefix_info(*parse_prefix(text))
    return _address_info(parse_address(text))
