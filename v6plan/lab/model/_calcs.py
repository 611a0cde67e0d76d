"""Computed values: the ``{fn:arg:arg}`` placeholders of a lab's texts, checks and solutions.

A lab may write ``{expand:r1.eth1}``, ``{subnet:plan:52:2}`` or ``{eui64:lan-1:h1.eth0.mac}``;
the last argument may itself be computed (``{expand:host:lan-2:10}``, right to left). They
are computed with :mod:`v6plan._calc` from the lab's *current* values, so a trainee's
variant (another root prefix) changes every question and its answer together — no answer
is ever written by hand. A few functions compute the *classic mistakes* (``upper``,
``single-colon``, ``eui64-noflip`` …) so a known-bad solution can give an answer that is
wrong in every variant. :data:`CALCS` lists them all (``v6lab answer --calcs`` prints them).
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from ..._errors import AddressError, InputError
from ..._prefix import expand_address, format_address, format_prefix, host_mask, parse_prefix
from .._errors import LabError

if TYPE_CHECKING:
    from ..._plan import Plan

__all__ = ["CALCS", "Calc", "CalcError", "compute", "is_calc"]


class CalcError(LabError):
    """A computed value cannot be computed: unknown function, bad argument."""


# -- computed values ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Calc:
    name: str
    run: Callable[..., str]
    args: tuple[str, ...]  # argument names, for messages and the docs
    summary: str
    mistake: bool = False  # computes a classic wrong answer (for known-bad solutions)
    needs_plan: bool = False


def _address(text: str) -> int:
    """An address, written with or without its prefix length."""
    from ..._prefix import parse_address_with_length

    return parse_address_with_length(text)[0]


def _prefix(text: str) -> tuple[int, int]:
    if "/" not in text:
        raise CalcError(f"{text!r} is not a prefix (it needs a /length)")
    return parse_prefix(text, strict=False)


def _int(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise CalcError(f"{text!r} is not a whole number") from None


def _length(text: str) -> int:
    value = _int(text)
    if not 0 <= value <= 128:
        raise CalcError(f"{value} is not a prefix length (0–128)")
    return value


def _mac(text: str) -> str:
    return text.replace("-", ":")


def calc_expand(value: str) -> str:
    if "/" in value:
        net, length = _prefix(value)
        return f"{expand_address(net)}/{length}"
    return expand_address(_address(value))


def calc_compress(value: str) -> str:
    if "/" in value:
        return format_prefix(*_prefix(value))
    return format_address(_address(value))


def calc_upper(value: str) -> str:
    return value.upper()


def calc_first(prefix: str) -> str:
    return format_address(_prefix(prefix)[0])


def calc_last(prefix: str) -> str:
    net, length = _prefix(prefix)
    return format_address(net | host_mask(length))


def calc_length(prefix: str) -> str:
    return str(_prefix(prefix)[1])


def calc_count(prefix: str, length: str) -> str:
    from ..._calc import subnet_count

    try:
        return str(subnet_count(_prefix(prefix)[1], _length(length)))
    except AddressError as exc:
        raise CalcError(str(exc)) from None


def calc_subnet(prefix: str, length: str, index: str) -> str:
    net, plen = _prefix(prefix)
    sub = _length(length)
    n = _int(index)
    if sub < plen or not 0 <= n < 1 << (sub - plen):
        raise CalcError(f"{prefix} has no /{sub} number {n} (they count from 0)")
    return format_prefix(net + (n << (128 - sub)), sub)


def calc_supernet(value: str, length: str) -> str:
    address = _prefix(value)[0] if "/" in value else _address(value)
    sub = _length(length)
    return format_prefix(address & ~host_mask(sub), sub)


def calc_host(prefix: str, iid: str) -> str:
    net, length = _prefix(prefix)
    offset = _int(iid if iid.startswith("0x") else "0x" + iid)
    if offset & ~host_mask(length):
        raise CalcError(f"interface identifier {iid} does not fit in {prefix}")
    return format_address(net | offset)


def calc_eui64(prefix: str, mac: str) -> str:
    from ..._calc import eui64

    return format_address(eui64(_prefix(prefix)[0], _mac(mac)))


def calc_eui64_noflip(prefix: str, mac: str) -> str:
    """The classic mistake: ff:fe in the middle but the universal/local bit not inverted."""
    from ..._calc import UNIVERSAL_LOCAL, modified_eui64

    return format_address(_prefix(prefix)[0] | (modified_eui64(_mac(mac)) ^ UNIVERSAL_LOCAL))


def calc_linklocal_noflip(mac: str) -> str:
    """The link-local with the universal/local bit left as in the MAC (the mistake)."""
    from ..._calc import UNIVERSAL_LOCAL, link_local

    return format_address(link_local(_mac(mac)) ^ UNIVERSAL_LOCAL)


def calc_linklocal(mac: str) -> str:
    from ..._calc import link_local

    return format_address(link_local(_mac(mac)))


def calc_solnode(address: str) -> str:
    from ..._calc import solicited_node

    return format_address(solicited_node(_address(address)))


def calc_ptr(address: str) -> str:
    from ..._calc import ptr_name

    return ptr_name(_address(address))


def calc_ptr_forward(address: str) -> str:
    """The classic mistake: the nibbles in reading order instead of reversed."""
    digits = f"{_address(address):032x}"
    return ".".join(digits) + ".ip6.arpa."


def calc_zone(prefix: str) -> str:
    from ..._calc import reverse_zones

    return reverse_zones(*_prefix(prefix))[0]


def calc_zone_nozeros(prefix: str) -> str:
    """The classic mistake: the nibbles of the *compressed* text, leading zeros dropped."""
    net, length = _prefix(prefix)
    groups = expand_address(net).split(":")[: -(-length // 16)]
    digits = "".join(g.lstrip("0") for g in groups)
    return ".".join(reversed(digits)) + ".ip6.arpa."


def calc_nibble(length: str, count: str) -> str:
    bits = math.ceil(math.log2(max(_int(count), 1)))
    return str(_length(length) + -(-bits // 4) * 4)


def calc_echo_data(mtu: str) -> str:
    from ..._calc import echo_data_size

    return str(echo_data_size(_int(mtu)))


def calc_echo_data_v4(mtu: str) -> str:
    """The mistake beside :func:`calc_echo_data`: IPv4's 20-byte header counted."""
    from ..._calc import echo_data_size

    return str(echo_data_size(_int(mtu), header=20))


def calc_bits(length: str, count: str) -> str:
    """The mistake beside :func:`calc_nibble`: just enough bits, off the nibble boundary."""
    return str(_length(length) + math.ceil(math.log2(max(_int(count), 1))))


def calc_single_colon(address: str) -> str:
    """The RFC 5952 §4.2.2 mistake: ``::`` standing for one lone zero group."""
    text = format_address(_address(address))
    if "::" in text:
        return text
    groups = text.split(":")
    for i, group in enumerate(groups):
        if group == "0":
            return ":".join(groups[:i]) + "::" + ":".join(groups[i + 1 :])
    return text


def calc_ula(mac: str, ntp: str) -> str:
    from ..._calc import modified_eui64, ula

    net, length = ula(_int(ntp), modified_eui64(_mac(mac)))
    return format_prefix(net, length)


def calc_bind_zone(plan: Plan, path: str, domain: str) -> str:
    """The reverse zone ``v6plan export -f bind`` writes for a plan node (SOA serial 1,
    PTRs for routers, p2p ends and LAN gateways)."""
    from ...export import ExportOptions, get_format

    node = "" if path in ("plan", "") else path
    options = ExportOptions(
        node=node, settings={"domain": domain, "serial": "1", "gateways": "yes"}
    )
    sink = _MemorySink()
    get_format("bind").files_writer()(plan, sink, options)
    zones = [text for name, text in sink.files.items() if name.startswith("db.")]
    if not zones:
        raise CalcError(f"the bind export wrote no zone for {path!r}")
    return zones[0]


class _MemorySink:
    """An export Sink that keeps each file's text in memory."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[TextIO]:
        buffer = io.StringIO()
        yield buffer
        self.files[name] = buffer.getvalue()


CALCS: dict[str, Calc] = {
    c.name: c
    for c in (
        Calc("expand", calc_expand, ("address",), "the full form: 32 hex digits in 8 groups"),
        Calc("compress", calc_compress, ("address",), "the RFC 5952 form"),
        Calc("first", calc_first, ("prefix",), "the first address of a prefix"),
        Calc("last", calc_last, ("prefix",), "the last address of a prefix"),
        Calc("length", calc_length, ("prefix",), "the prefix length"),
        Calc("count", calc_count, ("prefix", "length"), "how many /length the prefix holds"),
        Calc(
            "subnet",
            calc_subnet,
            ("prefix", "length", "index"),
            "the index-th /length of the prefix, counting from 0",
        ),
        Calc("supernet", calc_supernet, ("address", "length"), "the /length that holds it"),
        Calc("host", calc_host, ("prefix", "iid"), "the prefix with this interface id (hex)"),
        Calc("eui64", calc_eui64, ("prefix", "mac"), "the SLAAC address (modified EUI-64)"),
        Calc("linklocal", calc_linklocal, ("mac",), "the EUI-64 link-local address of a MAC"),
        Calc("solnode", calc_solnode, ("address",), "the solicited-node multicast group"),
        Calc("ptr", calc_ptr, ("address",), "the ip6.arpa PTR owner name"),
        Calc("zone", calc_zone, ("prefix",), "the (first) ip6.arpa reverse zone of a prefix"),
        Calc("nibble", calc_nibble, ("length", "count"), "length of `count` blocks, on a nibble"),
        Calc("ula", calc_ula, ("mac", "ntp"), "RFC 4193 ULA /48 from a MAC and an NTP time"),
        Calc(
            "echo-data",
            calc_echo_data,
            ("mtu",),
            "the most `ping -s` data one packet of the MTU holds",
        ),
        Calc(
            "bind-zone",
            calc_bind_zone,
            ("path", "domain"),
            "the zone file `v6plan export -f bind` writes for a plan node",
            needs_plan=True,
        ),
        # classic mistakes, for known-bad solutions
        Calc("upper", calc_upper, ("text",), "upper case (not RFC 5952)", mistake=True),
        Calc(
            "single-colon",
            calc_single_colon,
            ("address",),
            ":: for one lone zero group (RFC 5952 §4.2.2 says no)",
            mistake=True,
        ),
        Calc(
            "eui64-noflip",
            calc_eui64_noflip,
            ("prefix", "mac"),
            "EUI-64 without inverting the universal/local bit",
            mistake=True,
        ),
        Calc(
            "linklocal-noflip",
            calc_linklocal_noflip,
            ("mac",),
            "link-local EUI-64 without inverting the universal/local bit",
            mistake=True,
        ),
        Calc(
            "ptr-forward",
            calc_ptr_forward,
            ("address",),
            "PTR name with the nibbles not reversed",
            mistake=True,
        ),
        Calc(
            "zone-nozeros",
            calc_zone_nozeros,
            ("prefix",),
            "reverse zone with the leading zeros dropped",
            mistake=True,
        ),
        Calc(
            "echo-data-v4",
            calc_echo_data_v4,
            ("mtu",),
            "echo data with IPv4's 20-byte header counted instead of IPv6's 40",
            mistake=True,
        ),
        Calc(
            "bits",
            calc_bits,
            ("length", "count"),
            "length of `count` blocks, off the nibble",
            mistake=True,
        ),
    )
}


def is_calc(name: str) -> bool:
    """A placeholder name that is a computed value (``fn:arg…``), not a lab value."""
    return ":" in name


def compute(name: str, variables: Mapping[str, str], plan: Plan | None = None) -> str:
    """The value of ``{fn:arg:arg}``; arguments name lab values or are literals."""
    fn, *raw = name.split(":")
    calc = CALCS.get(fn)
    if calc is None:
        from ._yaml import closest

        hint = closest(fn, list(CALCS))
        raise CalcError(
            f"unknown computed value {fn!r}"
            + (f" — {hint}" if hint else f" (known: {', '.join(CALCS)})")
        )
    arity = len(calc.args)
    nested = len(raw) > arity and raw[arity - 1] in CALCS
    if len(raw) != arity and not nested:
        raise CalcError(
            f"{{{fn}:…}} takes {arity} argument(s) ({':'.join(calc.args)}), not {len(raw)}"
        )
    args = [variables.get(a, a) for a in raw[:arity]]
    if nested:  # the last argument is itself computed: {expand:host:lan-1:10}
        args[-1] = compute(":".join(raw[arity - 1 :]), variables, plan)
    try:
        if calc.needs_plan:
            if plan is None:
                raise CalcError(f"{{{fn}:…}} needs the lab's plan")
            return calc.run(plan, *args)
        return calc.run(*args)
    except (AddressError, InputError) as exc:
        raise CalcError(f"{{{name}}}: {exc}") from None
