"""radvd.conf, written once: the plan's radvd export, the netns lab backend and the lab's
containerlab/Kathará export all render their router advertisements here.

What to advertise is decided by each caller (the plan: its LANs; a lab: ``advertise:``);
this module only knows radvd's syntax and its words. An option left ``None`` is not
written, so radvd's own default applies. ``radvd --configtest`` accepts every file the
tests write (tests/test_export_tools.py, tests/lab/test_netns.py,
tests/lab/test_topology_export.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from ._prefix import format_address, format_prefix

__all__ = [
    "INFINITY",
    "Preference",
    "RadvdInterface",
    "RadvdPrefix",
    "radvd_conf",
    "radvd_header",
    "radvd_stanza",
]

#: a lifetime of all ones (RFC 4861 §4.6.2): radvd writes it ``infinity``
INFINITY: Final = 0xFFFFFFFF

#: the Default Router Preference of RFC 4191
Preference = Literal["low", "medium", "high"]


@dataclass(frozen=True)
class RadvdPrefix:
    """A Prefix Information option: the L and A flags and the two lifetimes."""

    net: int
    length: int
    onlink: bool = True
    autonomous: bool = True
    valid: int | None = None
    preferred: int | None = None


@dataclass(frozen=True)
class RadvdInterface:
    """One ``interface NAME { … };`` stanza, in radvd's option order."""

    name: str
    managed: bool = False
    other: bool = False
    prefixes: tuple[RadvdPrefix, ...] = ()
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


def radvd_stanza(iface: RadvdInterface) -> str:
    """One interface's stanza (its comment first, after a blank line)."""
    out = f"\n# {iface.comment}\n" if iface.comment else ""
    out += f"interface {iface.name}\n{{\n\tAdvSendAdvert on;\n"
    for word, value in (
        ("MaxRtrAdvInterval", iface.max_interval),
        ("MinRtrAdvInterval", iface.min_interval),
        ("AdvDefaultLifetime", iface.default_lifetime),
    ):
        if value is not None:
            out += f"\t{word} {value:g};\n" if isinstance(value, float) else f"\t{word} {value};\n"
    out += f"\tAdvManagedFlag {_onoff(iface.managed)};\n"
    out += f"\tAdvOtherConfigFlag {_onoff(iface.other)};\n"
    for word, setting in (
        ("AdvCurHopLimit", iface.hop_limit),
        ("AdvReachableTime", iface.reachable),
        ("AdvRetransTimer", iface.retrans),
        ("AdvLinkMTU", iface.mtu),
        ("AdvDefaultPreference", iface.preference),
    ):
        if setting is not None:
            out += f"\t{word} {setting};\n"
    if iface.note:
        out += f"\t# {iface.note}\n"
    for p in iface.prefixes:
        out += f"\tprefix {format_prefix(p.net, p.length)}\n\t{{\n"
        out += f"\t\tAdvOnLink {_onoff(p.onlink)};\n\t\tAdvAutonomous {_onoff(p.autonomous)};\n"
        if p.valid is not None:
            out += f"\t\tAdvValidLifetime {_lifetime(p.valid)};\n"
        if p.preferred is not None:
            out += f"\t\tAdvPreferredLifetime {_lifetime(p.preferred)};\n"
        out += "\t};\n"
    if iface.rdnss:
        out += f"\tRDNSS {' '.join(format_address(a) for a in iface.rdnss)}\n\t{{\n\t}};\n"
    if iface.dnssl:
        out += f"\tDNSSL {' '.join(iface.dnssl)}\n\t{{\n\t}};\n"
    return out + "};\n"


def radvd_conf(header: Iterable[str], interfaces: Iterable[RadvdInterface]) -> str:
    """A whole radvd.conf: the header's comment lines, then one stanza per interface."""
    return radvd_header(header) + "".join(radvd_stanza(i) for i in interfaces)
