"""Exports: every format a plan can be written in, found by name.

Writers stream (a million-prefix plan never becomes one giant string) and take a
``Progress``. Modules are imported only when their format is used.

A format writes one stream (``target``), several files (``files``: a writer that asks a
:class:`Sink` for each file it makes), or both. Formats with only ``files`` write to one
stream too: each file after a comment line that names it (``comment``).
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from .._errors import InputError
from .._plan import Plan
from .._progress import Progress

__all__ = [
    "FORMATS",
    "NETBOX_VERSIONS",
    "ExportOptions",
    "FilesWriter",
    "Format",
    "Setting",
    "Sink",
    "get_format",
    "write",
    "write_files",
]

#: ``--netbox-version`` choices; "4.5.5" stands for 4.5.5 and later (the default).
NETBOX_VERSIONS = ("4.0", "4.1", "4.2", "4.3", "4.4", "4.5", "4.5.5")


@dataclass
class ExportOptions:
    """What a writer may need besides the plan; formats document which they use."""

    node: str = ""  # path, name or prefix of the part of the plan to export
    progress: Progress | None = None
    settings: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from ._text import check_setting

        for key, value in self.settings.items():
            check_setting(key, value)

    def get(self, key: str, default: str = "") -> str:
        return self.settings.get(key, default)

    def flag(self, key: str, default: bool = False) -> bool:
        """A yes/no setting (yes, no, true, false, on, off, 1, 0)."""
        from .._limits import yes_no

        raw = self.settings.get(key)
        if raw is None or raw == "":
            return default
        flag = yes_no(raw)
        if flag is None:
            raise InputError(f"--set {key}={raw}: use yes or no")
        return flag

    def number(self, key: str, default: int, low: int = 0, high: int = 1 << 32) -> int:
        from .._limits import whole_number

        raw = self.settings.get(key, "").strip()
        if not raw:
            return default
        value = whole_number(raw)
        if value is None or not low <= value <= high:
            raise InputError(f"--set {key}={raw[:40]}: use a whole number from {low:,} to {high:,}")
        return value


class Sink(Protocol):
    """Where a multi-file writer puts its files: a directory, or one stream."""

    def open(self, name: str) -> AbstractContextManager[TextIO]: ...


Writer = Callable[[Plan, TextIO, ExportOptions], None]
FilesWriter = Callable[[Plan, Sink, ExportOptions], None]


@dataclass(frozen=True)
class Setting:
    """A ``--set KEY=VALUE`` a format understands (listed in ``v6plan export --help``)."""

    key: str
    help: str


@dataclass(frozen=True)
class Format:
    name: str
    summary: str
    extension: str
    target: str = ""  # "module:function" writing one stream, imported on first use
    files: str = ""  # "module:function" writing several files into a Sink
    comment: str = "#"  # comment leader naming each file when files go to one stream
    settings: tuple[Setting, ...] = ()
    example: str = ""
    #: Names the files of ``files`` match (globs): an input named so in --dir is refused.
    file_names: tuple[str, ...] = ()
    #: ``files`` always makes more than one file (bind: zones and named.conf.zones).
    several: bool = False
    #: JSON and YAML escape any text; every other format gets it on one line (_text).
    escapes_text: bool = False

    def writer(self) -> Writer:
        if not self.target:
            files_writer = self.files_writer()
            comment = self.comment

            def to_stream(plan: Plan, out: TextIO, options: ExportOptions) -> None:
                from ._sink import StreamSink

                files_writer(plan, StreamSink(out, comment), options)

            return to_stream
        from . import _forest

        writer: Writer = _load(self.target)  # type: ignore[assignment]
        writer = _forest.per_block(self.name, writer)  # a plan read with several blocks or VRFs
        if self.escapes_text:
            return writer

        def one_line_writer(plan: Plan, out: TextIO, options: ExportOptions) -> None:
            from ._text import safe_text

            writer(safe_text(plan), out, options)

        return one_line_writer

    def files_writer(self) -> FilesWriter:
        if not self.files:
            raise InputError(
                f"{self.name} writes one file; use -o FILE (--dir is for "
                f"{', '.join(sorted(f.name for f in FORMATS.values() if f.files))})"
            )
        from . import _forest

        files_writer: FilesWriter = _load(self.files)  # type: ignore[assignment]
        files_writer = _forest.per_block(self.name, files_writer)  # several blocks or VRFs

        def one_line_files(plan: Plan, sink: Sink, options: ExportOptions) -> None:
            from ._text import safe_text

            files_writer(safe_text(plan), sink, options)

        return one_line_files

    def write_file(self, plan: Plan, path: str, options: ExportOptions, advice: str = "") -> None:
        """Export to the one file ``path``, atomically (never onto an input of the command).

        A multi-file format writes its only file there, or is refused at its second —
        ``advice`` says where to go instead — with nothing written.
        """
        from .._io import atomic_writer
        from ._sink import OneFileSink

        with atomic_writer(path) as out:
            if self.target:
                self.writer()(plan, out, options)
            else:
                self.files_writer()(plan, OneFileSink(out, self.name, advice), options)

    def write_dir(self, plan: Plan, directory: str, options: ExportOptions) -> list[str]:
        """Export every file into ``directory``, all or none; the names written, in order."""
        from ._sink import DirectorySink

        with DirectorySink(directory, self.file_names) as sink:
            self.files_writer()(plan, sink, options)
        return sink.written

    def check_settings(self, settings: dict[str, str]) -> None:
        """Refuse a ``--set`` key this format does not know (a typo would be ignored)."""
        known = [s.key for s in self.settings]
        for key in settings:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = (
                    f"did you mean {close[0]!r}?"
                    if close
                    else (
                        f"{self.name} settings: {', '.join(known)}"
                        if known
                        else f"{self.name} has no settings"
                    )
                )
                raise InputError(f"--set {key}: not a {self.name} setting — {hint}")


def _load(target: str) -> object:
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module, __name__), function)


_ROUTER = Setting("router", "only this router (default: every router, one file each)")
_LAN_IF = Setting(
    "lan-interface",
    "LAN interface name template: {vlan} {name} {index} {n} {router} {parent} "
    "(default vlan{vlan}, else lan{n}; a spec node's `interface:` wins)",
)
_P2P_IF = Setting("p2p-interface", "p2p interface name template: {peer} {link} {index} (to-{peer})")
_TENANCY = (
    Setting("tenant", "one tenant for every object"),
    Setting("tenant-depth", "each node at this depth is the tenant of its subtree (e.g. 1)"),
    Setting("vrf", "put every prefix in this VRF"),
    Setting("rir", "RIR name for the aggregate (default: from the prefix)"),
    Setting("domain", "DNS domain: fill dns_name of loopbacks and p2p ends"),
    Setting("gateways", "yes: also write each LAN's gateway ::1 as an IP address"),
    Setting("vlans", "no: leave VLAN groups, VLANs and the vlan columns out (default yes)"),
)


def _formats() -> Iterator[Format]:
    yield Format(
        "csv", "one row per node: prefix, path, name, role, status, …", "csv", "._basic:write_csv"
    )
    yield Format(
        "json",
        '{"plan", "prefix", "nodes": [...]} — every node with path and parent',
        "json",
        "._basic:write_json",
        escapes_text=True,
    )
    yield Format(
        "yaml", "the same data as json, as YAML", "yaml", "._basic:write_yaml", escapes_text=True
    )
    report_settings = (
        Setting("depth", "tree levels to show (default: all)"),
        Setting(
            "fold", "show runs of more than N like siblings as first, …, last (default 8; 0 = all)"
        ),
        Setting("maps", "nibble maps to draw: the root and up to N top-level blocks (default 8)"),
    )
    yield Format(
        "markdown",
        "a report: summary, capacity per level, nibble maps, lint findings and the tree",
        "md",
        "._report:write_markdown",
        settings=report_settings,
        example="v6plan export examples/government.yaml -f markdown --set depth=3 -o report.md",
    )
    yield Format(
        "html",
        "the report as one self-contained page (no network needed to view it)",
        "html",
        "._html:write_html",
        settings=report_settings,
        example="v6plan export examples/government.yaml -f html -o report.html",
    )
    yield Format(
        "netbox-csv",
        "NetBox bulk import CSV: prefixes (--dir: with RIR, aggregate, roles, … in import order)",
        "csv",
        "._netbox:write_prefixes_csv",
        files="._netbox:write_files_csv",
        settings=_TENANCY,
        file_names=("00-README.txt", "[0-9][0-9]-*.csv"),
        example="v6plan export examples/government.yaml -f netbox-csv --netbox-version 4.2 --dir nb/",
    )
    yield Format(
        "netbox-yaml",
        "NetBox bulk import YAML (lists of objects), the same files as netbox-csv",
        "yaml",
        "._netbox:write_prefixes_yaml",
        files="._netbox:write_files_yaml",
        settings=_TENANCY,
        file_names=("00-README.txt", "[0-9][0-9]-*.yaml"),
        example="v6plan export examples/campus.yaml -f netbox-yaml --set domain=campus.example --dir nb/",
    )
    yield Format(
        "phpipam-csv",
        "phpIPAM subnet import: section, subnet, mask, description, vlan, domain, vrf, customer",
        "csv",
        "._phpipam:write_phpipam",
        settings=(
            Setting("section", "phpIPAM section (default IPv6)"),
            Setting("l2domain", "L2 domain of the VLANs (default: default)"),
            Setting("vrf", "VRF name for every subnet"),
            Setting("customers", "yes: fill customer with the name of customer nodes"),
        ),
        example="v6plan export examples/operator-29.yaml -f phpipam-csv --set section=Customers",
    )
    yield Format(
        "rpsl",
        "RPSL inet6num objects (RIPE/AFRINIC statuses per block) and route6; handles as placeholders",
        "txt",
        "._rpsl:write_rpsl",
        settings=(
            Setting("admin-c", "admin-c NIC handle (placeholder <ADMIN-C>)"),
            Setting("tech-c", "tech-c NIC handle (placeholder <TECH-C>)"),
            Setting("mnt-by", "maintainer (placeholder <MNT-BY>)"),
            Setting("mnt-lower", "maintainer for sub-allocations (default: mnt-by)"),
            Setting("org", "organisation handle for the allocation (placeholder <ORG>)"),
            Setting("country", "two-letter country code (placeholder <CC>)"),
            Setting("source", "database (default RIPE; AFRINIC, APNIC, …)"),
            Setting("netname", "netname of the allocation (default: from the plan title)"),
            Setting(
                "lir-depth",
                "levels of containers sub-allocated to other LIRs: ALLOCATED-BY-LIR (default 0)",
            ),
            Setting("infrastructure", "yes: register infrastructure, LAN, p2p, loopback blocks"),
            Setting("origin", "AS number announcing the block (AS64500): writes route6 objects"),
            Setting("announce", "route6 objects for the blocks N levels down too (default 0)"),
        ),
        example="v6plan export examples/operator-29.yaml -f rpsl --set mnt-by=EXAMPLE-MNT "
        "--set origin=AS64500",
    )
    yield Format(
        "bind",
        "BIND reverse zones at nibble boundaries: SOA, NS, PTR (delegations, forward AAAA zone "
        "on request)",
        "zone",
        files="._dns:write_zones",
        comment=";",
        file_names=("db.*", "named.conf.zones"),
        several=True,
        settings=(
            Setting("domain", "DNS domain the names live under (default example.net)"),
            Setting(
                "forward",
                "yes: also the domain's zone, an AAAA for every PTR (needs --set domain=)",
            ),
            Setting("ns", "name servers, comma-separated (default ns1.DOMAIN,ns2.DOMAIN)"),
            Setting("ns-address", "the name servers' addresses, in order (forward zone glue)"),
            Setting("email", "SOA contact (default hostmaster.DOMAIN)"),
            Setting("serial", "SOA serial (default today as YYYYMMDD01)"),
            Setting("ttl", "default TTL in seconds (default 3600)"),
            Setting("delegate", "delegate the nodes N levels below the zone to child zones"),
            Setting("delegate-ns", "child zones' servers, may use {name} (default: as ns)"),
            Setting("gateways", "yes: PTR for each LAN's gateway ::1 too (default: as forward)"),
            _P2P_IF,
            _LAN_IF,
        ),
        example="v6plan export examples/campus.yaml -f bind --set domain=campus.example "
        "--set forward=yes --set ns-address=2001:db8:cafe::53,2001:db8:cafe::54 --dir zones/",
    )
    yield Format(
        "radvd",
        "radvd.conf: one interface stanza per LAN of a router (or of --node)",
        "conf",
        files="._router:write_radvd",
        file_names=("radvd*.conf",),
        settings=(
            _ROUTER,
            Setting("rdnss", "recursive DNS servers to advertise, comma-separated"),
            Setting("dnssl", "DNS search domains to advertise, comma-separated"),
            Setting("managed", "yes: set the M flag (addresses from DHCPv6)"),
            Setting("other", "yes: set the O flag (other configuration from DHCPv6)"),
            _LAN_IF,
            _P2P_IF,
        ),
        example="v6plan export examples/isp-core.yaml -f radvd --router pe1 --set rdnss=2001:db8::53",
    )
    yield Format(
        "kea-dhcp6",
        "Kea DHCPv6 JSON: a subnet per LAN, prefix-delegation pools for customers, relay or local",
        "json",
        "._kea:write_kea",
        settings=(
            Setting(
                "pool", "IA_NA pool as IID range in each LAN (default 1000-ffff; none: no pool)"
            ),
            Setting("dns", "dns-servers option, comma-separated"),
            Setting("domain-search", "domain-search option, comma-separated"),
            Setting("listen", "interfaces Kea listens on, comma-separated (default *)"),
            Setting(
                "mode",
                "relay (default: a central server; subnets name the relay addresses) or local "
                "(Kea on the router; subnets name its interfaces)",
            ),
            Setting("local", "yes: the same as mode=local"),
            Setting("pd-interface", "local: customers' access interface, may use {name} {router}"),
            Setting(
                "pd-pool",
                "block (default: the customers' whole block, growth room included) or customers",
            ),
            Setting("preferred", "preferred lifetime in seconds (default 43200, 12 h)"),
            Setting("valid", "valid lifetime in seconds (default 2 × preferred)"),
            Setting("renew", "T1, renew-timer (default 0.5 × preferred)"),
            Setting("rebind", "T2, rebind-timer (default 0.8 × preferred)"),
            Setting("first-id", "first subnet id (default 1)"),
            _ROUTER,
            _LAN_IF,
        ),
        example="v6plan export examples/isp-core.yaml -f kea-dhcp6 --set dns=2001:db8::53 -o kea-dhcp6.conf",
    )
    yield Format(
        "frr",
        "FRR configuration per router: loopback /128, p2p /127 ends, LAN gateways ::1, OSPFv3, "
        "a discard route per summary and customer pool, BGP for the root",
        "conf",
        files="._router:write_frr",
        comment="!",
        file_names=("frr-*.conf",),
        settings=(
            _ROUTER,
            Setting("routing", "ospf6 (default), static, both or none"),
            Setting("area", "OSPFv3 area (default 0.0.0.0)"),
            Setting("ra", "yes: FRR sends router advertisements on LANs (instead of radvd)"),
            Setting(
                "summaries",
                "no: no discard routes for the blocks a router summarises and its customer "
                "pools; static routes to every LAN (default yes)",
            ),
            Setting(
                "ranges",
                "yes: each router's LANs in an OSPFv3 area of its own (its router-id), "
                "summarised into the backbone by area ranges",
            ),
            Setting("asn", "BGP AS number: the border routers announce the plan's root"),
            Setting("border", "the routers that announce the root by BGP, comma-separated"),
            _LAN_IF,
            _P2P_IF,
        ),
        example="v6plan export examples/campus.yaml -f frr --dir frr/",
    )


FORMATS: dict[str, Format] = {f.name: f for f in _formats()}


def get_format(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise InputError(
            f"unknown export format {name!r}; formats: {', '.join(sorted(FORMATS))}"
        ) from None


def write(plan: Plan, name: str, out: TextIO, options: ExportOptions | None = None) -> None:
    """Write ``plan`` in format ``name`` to ``out``."""
    get_format(name).writer()(plan, out, options or ExportOptions())


def write_files(
    plan: Plan, name: str, directory: str, options: ExportOptions | None = None
) -> list[str]:
    """Write ``plan`` in format ``name`` as files in ``directory``; return their names."""
    from ._sink import DirectorySink

    fmt = get_format(name)
    writer = fmt.files_writer()
    with DirectorySink(directory, fmt.file_names) as sink:
        writer(plan, sink, options or ExportOptions())
    return sink.written
