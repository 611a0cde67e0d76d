"""IPv6 prefix arithmetic on plain integers.

A prefix is a network integer plus a length; nothing here materialises a range.
Text goes through ``socket.inet_pton``/``inet_ntop`` (fast, strict) with the one guard
RFC 5952 needs: glibc writes ``::2:3`` as the deprecated ``::0.2.0.3``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Final

from ._errors import AddressError

__all__ = [
    "ALL_ONES",
    "Prefix",
    "expand_address",
    "format_address",
    "format_prefix",
    "host_mask",
    "parse_address",
    "parse_address_with_length",
    "parse_length",
    "parse_prefix",
]

ALL_ONES: Final = (1 << 128) - 1
_AF6: Final = socket.AF_INET6
_ntop = socket.inet_ntop
_pton = socket.inet_pton


def host_mask(length: int) -> int:
    """The host bits of a /length, as an integer (0 for /128)."""
    return (1 << (128 - length)) - 1


def format_address(value: int) -> str:
    """RFC 5952 text of an address given as an integer."""
    if 0x10000 <= value <= 0xFFFFFFFF:  # inet_ntop would write ::0.2.0.3
        return f"::{value >> 16:x}:{value & 0xFFFF:x}"
    return _ntop(_AF6, value.to_bytes(16, "big"))


def format_prefix(net: int, length: int) -> str:
    """RFC 5952 text of a prefix: ``2001:db8::/32``."""
    return f"{format_address(net)}/{length}"


def expand_address(value: int) -> str:
    """The full 8-group, zero-padded form: ``2001:0db8:0000:…``."""
    text = f"{value:032x}"
    return ":".join(text[i : i + 4] for i in range(0, 32, 4))


def parse_address(text: str) -> int:
    """Parse IPv6 address text (any valid RFC 4291 form) to an integer."""
    if not isinstance(text, str):
        raise AddressError(f"expected an IPv6 address as text, got {text!r}")
    candidate = text.strip()
    if "%" in candidate:
        raise AddressError(f"{text!r} has a zone index; give the address without %zone")
    try:
        return int.from_bytes(_pton(_AF6, candidate), "big")
    except (OSError, ValueError):
        hint = ""
        if candidate.count("::") > 1:
            hint = " — '::' may appear only once"
        elif "/" in candidate:
            hint = " — this is a prefix, an address was expected"
        elif candidate.count(".") == 3 and ":" not in candidate:
            hint = " — this is an IPv4 address; write ::ffff:" + candidate + " for IPv4-mapped"
        raise AddressError(f"{text!r} is not a valid IPv6 address{hint}") from None


def parse_length(text: str) -> int:
    """A prefix length: 0 to 128 written in ASCII digits, as :mod:`ipaddress` reads one
    (no sign, spaces or ``_``)."""
    digits = text.lstrip("0")
    if not (text.isascii() and text.isdigit()) or len(digits) > 3 or int(text) > 128:
        raise AddressError(f"prefix length {text!r} is not a number from 0 to 128")
    return int(text)


def _split_length(text: str, what: str) -> tuple[str, int | None]:
    """``addr/len`` to ``(addr text, len)``; no ``/``: length None."""
    if not isinstance(text, str):
        raise AddressError(f"expected an IPv6 {what} as text, got {text!r}")
    addr_text, slash, len_text = text.strip().partition("/")
    if not slash:
        return addr_text, None
    try:
        return addr_text, parse_length(len_text)
    except AddressError:
        raise AddressError(
            f"{text!r} has prefix length {len_text!r}; use a number from 0 to 128"
        ) from None


def parse_address_with_length(text: str) -> tuple[int, int | None]:
    """Parse an interface's address, ``addr`` or ``addr/len``, to ``(address, length)``
    (length None when none is written). Unlike a prefix its host bits are the point, so
    they stay."""
    addr_text, length = _split_length(text, "address")
    return parse_address(addr_text), length


def parse_prefix(text: str, *, strict: bool = True) -> tuple[int, int]:
    """Parse ``addr/len`` to ``(net, length)``.

    A bare address is a /128. With ``strict`` set, host bits are an error that names
    the prefix the user probably meant; without it they are cleared.
    """
    addr_text, written = _split_length(text, "prefix")
    length = 128 if written is None else written
    value = parse_address(addr_text)
    host = value & host_mask(length)
    if host:
        if strict:
            meant = format_prefix(value ^ host, length)
            raise AddressError(f"host bits set in {text.strip()} — did you mean {meant}?")
        value ^= host
    return value, length


class Prefix:
    """An immutable IPv6 prefix: ``Prefix.parse("2001:db8::/32")``.

    Small on purpose (see :mod:`ipaddress`): the planner's hot paths use the bare
    ``(net, length)`` integers; this class is the friendly face at the edges.
    """

    __slots__ = ("length", "net")

    net: int
    length: int

    def __init__(self, net: int, length: int) -> None:
        if not 0 <= length <= 128:
            raise AddressError(f"prefix length {length} is outside 0..128")
        if not 0 <= net <= ALL_ONES:
            raise AddressError(f"{net:#x} is not a 128-bit address")
        if net & host_mask(length):
            raise AddressError(
                f"host bits set in {format_prefix(net, length)} — did you mean "
                f"{format_prefix(net & ~host_mask(length), length)}?"
            )
        object.__setattr__(self, "net", net)
        object.__setattr__(self, "length", length)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Prefix is immutable")

    @classmethod
    def parse(cls, text: str, *, strict: bool = True) -> Prefix:
        net, length = parse_prefix(text, strict=strict)
        return cls(net, length)

    @property
    def size(self) -> int:
        """Number of addresses (never use len() on IPv6 space)."""
        return 1 << (128 - self.length)

    @property
    def first(self) -> int:
        return self.net

    @property
    def last(self) -> int:
        return self.net | host_mask(self.length)

    def __contains__(self, other: object) -> bool:
        if isinstance(other, Prefix):
            return other.length >= self.length and (
                other.net >> (128 - self.length) == self.net >> (128 - self.length)
            )
        if isinstance(other, int):
            return self.net <= other <= self.last
        return False

    def overlaps(self, other: Prefix) -> bool:
        return self.net <= other.last and other.net <= self.last

    def subnets(self, length: int) -> Iterator[Prefix]:
        """All /length subnets in address order, lazily."""
        if not self.length <= length <= 128:
            raise AddressError(
                f"cannot split {self} into /{length}: use a length from {self.length} to 128"
            )
        step = 1 << (128 - length)
        for net in range(self.net, self.last + 1, step):
            yield Prefix(net, length)

    def supernet(self, length: int) -> Prefix:
        if not 0 <= length <= self.length:
            raise AddressError(f"/{length} is not a supernet length of {self}")
        return Prefix(self.net & ~host_mask(length) & ALL_ONES, length)

    def __str__(self) -> str:
        return format_prefix(self.net, self.length)

    def __repr__(self) -> str:
        return f"Prefix('{self}')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Prefix) and self.net == other.net and self.length == other.length

    def __lt__(self, other: Prefix) -> bool:
        return (self.net, self.length) < (other.net, other.length)

    def __hash__(self) -> int:
        return hash((self.net, self.length))
