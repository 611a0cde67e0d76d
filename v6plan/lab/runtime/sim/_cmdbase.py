"""The command layer's plumbing: errors with exit codes, output, the context, argument readers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ...._errors import AddressError
from ...._prefix import parse_address, parse_address_with_length
from ._stack import Iface, Node

__all__ = ["Ctx", "Fail", "IpOpts", "Out"]


class Fail(Exception):
    """A command error: message for stderr and the real tool's exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class IpOpts:
    """``ip``'s global options that change what a listing shows."""

    #: None: what iproute2 does without -4/-6 (IPv4 for listings, the address's for others)
    family: Literal["inet", "inet6"] | None = None
    brief: bool = False
    json: bool = False
    stats: bool = False

    @property
    def inet6(self) -> bool:
        return self.family == "inet6"


@dataclass
class Out:
    lines: list[str] = field(default_factory=list)

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)


@dataclass
class Ctx:
    node: Node
    out: Out
    netns_of: Callable[[str], str]
    timeout: float
    err: Out = field(default_factory=Out)

    def iface(self, name: str, missing: str = 'Cannot find device "{}"') -> Iface:
        iface = self.node.ifaces.get(name)
        if iface is None:
            raise Fail(missing.format(name), 1)
        return iface


# -- helpers ----------------------------------------------------------------------------------------
def _matches(word: str, full: str) -> bool:
    """iproute2's abbreviation rule: ``a``, ``ad``, ``addr`` all match ``address``."""
    return bool(word) and full.startswith(word)


def _prefix_arg(text: str, what: str = "inet6 prefix") -> tuple[int, int, bool]:
    """(address, length, had_length) for ``addr[/len]`` (a bare address is a /128), or
    iproute2's refusal."""
    try:
        addr, length = parse_address_with_length(text)
    except AddressError:
        raise Fail(f'Error: {what} is expected rather than "{text}".', 1) from None
    return addr, 128 if length is None else length, length is not None


def _number(text: str, what: str, cast: Callable[[str], float] = float) -> float:
    try:
        return cast(text)
    except ValueError:
        raise Fail(f"ping: invalid argument: '{text}'", 1) from None


def _destination(ctx: Ctx, text: str, tool: str) -> tuple[int, str | None]:
    addr_text, _, zone = text.partition("%")
    try:
        return parse_address(addr_text), zone or None
    except ValueError:
        if tool == "traceroute":
            raise Fail(
                f'{text}: Temporary failure in name resolution\nCannot handle "host" cmdline arg `{text}\' on position 1 (argc 2)',
                2,
            ) from None
        raise Fail(f"{tool}: {text}: Temporary failure in name resolution", 2) from None
