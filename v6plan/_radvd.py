"""radvd.conf, written once: the plan's radvd export, the netns lab backend and the lab's
containerlab/Kathará export all render their router advertisements here.

What to advertise is decided by each caller (the plan: its LANs; a lab: ``advertise:``);
this module only knows radvd's syntax and its words. An option left ``None`` is not
written, so radvd's own default applies. ``radvd --configtest`` accepts every file the
tests write (tests/test_export_tools.py, tests/lab/test_netns.py,
tests/lab/test_topology_export.py, tests/lab/test_contract.py). The plan's export keeps its
speed on a million LANs: per-router options are rendered once (cached), prefixes are
tuples.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Final, Literal, NamedTuple

from ._prefix import format_address, format_prefix

__all__ = [
    "INFINITY",
    "Preference",
    "RadvdInterface",
    "RadvdOptions",
    "RadvdPrefix",
    "radvd_conf",
    "radvd_header",
    "radvd_stanza",
]

#: a lifetime of all ones (RFC 4861 §4.6.2): radvd writes it ``infinity``
INFINITY: Final = 0xFFFFFFFF

#: the Default Router Preference of RFC 4191
Preference = Literal["low", "medium", "high"]


class RadvdPrefix(NamedTuple):
    """A Prefix Information option: the L and A flags and the two lifetimes (a tuple: the
    plan's export makes one per LAN, a million of them)."""

    net: int
    length: int
    onlink: bool = True
    autonomous: bool = True
    valid: int | None = None
    preferred: int | None = None


@dataclass(frozen=True)
class RadvdOptions:
    """What one interface advertises besides its prefixes, in radvd's option order."""

    managed: bool = False
    other: bool = False
    max_interval: int | None = None
    min_interval: float | None = None
    default_lifetime: int | None = None
    hop_limit: int | None = None
    reachable: int | None = None
    retrans: int | None = None
    mtu: int | None = None
    preference: Preference | None = None
    rdnss: tuple[int, ...] = ()
    dnssl: tuple[str, ...] = ()
    #: AdvRDNSSLifetime / AdvDNSSLLifetime (RFC 8106; radvd's default: 2 × MaxRtrAdvInterval)
    rdnss_lifetime: int | None = None
    dnssl_lifetime: int | None = None


@dataclass(frozen=True)
class RadvdInterface:
    """One ``interface NAME { … };`` stanza."""

    name: str
    options: RadvdOptions = RadvdOptions()
    prefixes: tuple[RadvdPrefix, ...] = ()
    #: a comment line above the stanza (its LAN, say)
    comment: str = ""
    #: a comment line inside it, before the prefixes (why SLAAC is off, say)
    note: str = ""


def _onoff(flag: bool) -> str:
    return "on" if flag else "off"


def _lifetime(value: int) -> str:
    return "infinity" if value == INFINITY else str(value)


def radvd_header(lines: Iterable[str]) -> str:
    """Comment lines for the top of a file."""
    return "".join(f"# {line}\n" for line in lines)


@cache
def _head(o: RadvdOptions) -> str:
    """The options before the prefixes (written once per distinct set of options)."""
    out = "\tAdvSendAdvert on;\n"
    for word, value in (
        ("MaxRtrAdvInterval", o.max_interval),
        ("MinRtrAdvInterval", o.min_interval),
        ("AdvDefaultLifetime", o.default_lifetime),
    ):
        if value is not None:
            out += f"\t{word} {value:g};\n" if isinstance(value, float) else f"\t{word} {value};\n"
    out += f"\tAdvManagedFlag {_onoff(o.managed)};\n\tAdvOtherConfigFlag {_onoff(o.other)};\n"
    for word, setting in (
        ("AdvCurHopLimit", o.hop_limit),
        ("AdvReachableTime", o.reachable),
        ("AdvRetransTimer", o.retrans),
        ("AdvLinkMTU", o.mtu),
        ("AdvDefaultPreference", o.preference),
    ):
        if setting is not None:
            out += f"\t{word} {setting};\n"
    return out


@cache
def _tail(o: RadvdOptions) -> str:
    """RDNSS and DNSSL after the prefixes, and the stanza's end."""
    out = ""
    if o.rdnss:
        out += f"\tRDNSS {' '.join(format_address(a) for a in o.rdnss)}\n\t{{\n"
        out += _dns_lifetime("AdvRDNSSLifetime", o.rdnss_lifetime) + "\t};\n"
    if o.dnssl:
        out += f"\tDNSSL {' '.join(o.dnssl)}\n\t{{\n"
        out += _dns_lifetime("AdvDNSSLLifetime", o.dnssl_lifetime) + "\t};\n"
    return out + "};\n"


def _dns_lifetime(word: str, value: int | None) -> str:
    return "" if value is None else f"\t\t{word} {_lifetime(value)};\n"


@cache
def _prefix_body(onlink: bool, autonomous: bool, valid: int | None, preferred: int | None) -> str:
    out = f"\t{{\n\t\tAdvOnLink {_onoff(onlink)};\n\t\tAdvAutonomous {_onoff(autonomous)};\n"
    if valid is not None:
        out += f"\t\tAdvValidLifetime {_lifetime(valid)};\n"
    if preferred is not None:
        out += f"\t\tAdvPreferredLifetime {_lifetime(preferred)};\n"
    return out + "\t};\n"


def radvd_stanza(
    name: str,
    options: RadvdOptions,
    prefixes: Iterable[RadvdPrefix],
    comment: str = "",
    note: str = "",
) -> str:
    """One interface's stanza (its comment first, after a blank line)."""
    out = f"\n# {comment}\ninterface {name}\n{{\n" if comment else f"interface {name}\n{{\n"
    out += _head(options)
    if note:
        out += f"\t# {note}\n"
    for p in prefixes:
        out += f"\tprefix {format_prefix(p.net, p.length)}\n"
        out += _prefix_body(p.onlink, p.autonomous, p.valid, p.preferred)
    return out + _tail(options)


def radvd_conf(header: Iterable[str], interfaces: Iterable[RadvdInterface]) -> str:
    """A whole radvd.conf: the header's comment lines, then one stanza per interface."""
    return radvd_header(header) + "".join(
        radvd_stanza(i.name, i.options, i.prefixes, i.comment, i.note) for i in interfaces
    )
