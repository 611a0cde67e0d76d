"""BIND zones for a node of the plan: reverse (``ip6.arpa``) and, on request, forward.

Reverse DNS delegates on nibble boundaries: a /L with L a multiple of 4 is one zone; any
other /L is 2, 4 or 8 zones at the next nibble (/29 → 8 × /32). Each zone file gets an SOA
and NS records from the settings, PTR records for loopbacks (named after their routers),
both ends of every p2p /127 and, on request, each LAN's gateway ``::1``. With
``--set delegate=N`` the nodes N levels down get zones of their own: NS records in the
parent zone, and a zone file each (their PTRs move there).

With ``--set forward=yes`` (and the ``--set domain=`` the names live under) the zone of the
domain gets an AAAA record for every PTR, from the same ``(address, name)`` pairs, so each
name resolves to the address whose PTR names it and back. A name two addresses would share
is refused; name servers inside the domain need their addresses (``--set ns-address=``),
which named needs to load the zone.

Names in a plan may be in any script (``école-1``, ``مدرسة-1``): a label with non-ASCII
letters is written in its IDNA A-label form (``xn--…``, IDNA 2008 with the UTS 46 mapping
browsers and resolvers use), so the zone holds only valid DNS labels and a user's Unicode
name finds it. A name IDNA cannot encode (a right-to-left label that starts with a digit,
scripts mixed across directions) is refused naming its place in the spec and the fix.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TextIO

from .._calc import reverse_blocks, reverse_name
from .._errors import InputError
from .._plan import Plan
from .._prefix import format_address, format_prefix, parse_address
from . import ExportOptions, Sink
from ._common import Lines, Ticker, dns_label, selected
from ._text import (
    COMMENT_MAX,
    addresses,
    dns_domain,
    dns_name,
    dns_names,
    one_line,
    zone_mailbox,
)
from ._topology import Topology

__all__ = ["write_zones"]

_SOA_TIMES = (("refresh", 7200), ("retry", 3600), ("expire", 1209600), ("negative TTL", 3600))


def _absolute(name: str, what: str) -> str:
    """A validated host name, absolute (with its trailing dot) as a zone file needs it."""
    return dns_name(name, what) + "."


def unicode_label(name: str) -> str:
    """``name`` as one DNS label: ASCII names by the host-name rule, others as an IDNA
    A-label (raises :class:`ValueError` with IDNA's reason when there is none)."""
    if name.isascii():
        return dns_label(name)
    import unicodedata

    import idna

    chars = [
        ch if ch == "-" or ch.isalnum() or unicodedata.category(ch)[0] == "M" else " "
        for ch in name.lower()
    ]  # spaces, dots, '_' … become '-', as in the ASCII rule
    label = "-".join("".join(chars).split()).strip("-") or "x"
    if label.isascii():
        return dns_label(label)
    try:
        encoded = idna.encode(label, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(str(exc)) from None
    if "." in encoded:  # UTS 46 maps a few characters to a dot: that would be two labels
        raise ValueError(f"{label!r} maps to more than one label ({encoded})")
    return encoded


def _idna_error(where: str, name: str, reason: str) -> InputError:
    return InputError(
        f"{where}: the name {name!r} has no DNS form (IDNA: {reason}) — rename it: a label "
        "is letters, digits and '-', and one in a right-to-left script starts with a letter "
        "of that script and mixes in no left-to-right letters (e.g. مدرسة-1, not 1-مدرسة)"
    )


def _domain(raw: str) -> str:
    """``--set domain=``: Unicode labels are written as A-labels (``école.example`` →
    ``xn--cole-9oa.example``), then checked as every domain is."""
    if raw.isascii():
        return dns_domain(raw, "--set domain")
    labels = []
    for part in raw.strip().rstrip(".").split("."):
        try:
            labels.append(unicode_label(part) if part else "")
        except ValueError as exc:
            raise _idna_error(f"--set domain={raw}", part, str(exc)) from None
    return dns_domain(".".join(labels), "--set domain")


def _overlaps(net: int, length: int, znet: int, zlen: int) -> bool:
    shift = 128 - min(length, zlen)
    return net >> shift == znet >> shift


class _Zones:
    def __init__(self, plan: Plan, options: ExportOptions) -> None:
        self.plan = plan
        self.top = selected(plan, options)
        self.domain = _domain(options.get("domain") or "example.net")
        servers = [f"{s}." for s in dns_names(options.get("ns"), "--set ns")]
        self.ns = servers or [f"ns1.{self.domain}.", f"ns2.{self.domain}."]
        self.forward = options.flag("forward")
        self.glue = _glue(self, options) if self.forward else []
        email = options.get("email") or f"hostmaster.{self.domain}"
        self.email = zone_mailbox(email, "--set email") + "."
        today = datetime.date.today()
        self.serial = options.number(
            "serial", today.year * 1000000 + today.month * 10000 + today.day * 100 + 1, 0, 2**32 - 1
        )
        self.ttl = options.number("ttl", 3600, 0, 2**31 - 1)
        self.delegate = options.number("delegate", 0, 0, 64)
        self.child_ns = [s.strip() for s in options.get("delegate-ns").split(",") if s.strip()]
        for template in self.child_ns:  # refused before any zone is written
            rest = template.replace("{name}", "")
            if "{" in rest or "}" in rest:
                raise InputError(f"--set delegate-ns={template}: the only placeholder is {{name}}")
            _absolute(template.replace("{name}", "x"), "--set delegate-ns")
        self.gateways = options.flag("gateways", self.forward)  # forward: every kind named
        plan = self.plan
        self.target_depth = plan.depth[self.top] + self.delegate if self.delegate else -1
        self.router_names = _router_names(plan)
        self.labels: dict[str, str] = {}  # name → DNS label, for the names seen most
        self.end_names: dict[tuple[int, int], str] = {}
        if any(k.ends for k in plan.kinds):
            topology = Topology(plan, self.top, options)
            for router in topology.routers.values():
                topology.name_links(router)
                for end in router.links:
                    self.end_names[(end.node, end.side)] = (
                        f"{dns_label(end.interface)}.{self.label(router.name, -1)}.{self.domain}."
                    )
        passes = 3 if self.forward else 2
        self.ticker = Ticker(options, passes * (plan.end[self.top] - self.top))

    # -- names -----------------------------------------------------------------------------
    def path_name(self, i: int, lead: str = "") -> str:
        """``lead.leaf.parent.….domain.`` from a node's path (a DNS-shaped place)."""
        labels = [lead] if lead else []
        plan, cache = self.plan, self.labels
        j = i
        while j > 0:
            name = plan.name[j]
            label = cache.get(name)
            if label is None:
                label = self.label(name, j)
                if len(cache) < 65536:  # names repeat level by level (lan-1, site-a …)
                    cache[name] = label
            labels.append(label)
            j = plan.parent[j]
        name = ".".join([*labels, self.domain]) + "."
        if len(name) > 253:
            name = ".".join([*labels[:2], self.domain]) + "."
        return name

    def label(self, name: str, node: int) -> str:
        """One label from a name of the plan (node ``node``, or -1: a router's name)."""
        try:
            return unicode_label(name)
        except ValueError as exc:
            raise _idna_error(self.name_place(node, name), name, str(exc)) from None

    def name_place(self, node: int, name: str) -> str:
        """``spec:line:column`` of the name a node was given (or the node, read from a
        plan file; a router's name when ``node`` is -1)."""
        plan = self.plan
        if node < 0:
            return f"the router {name!r}"
        template = plan.kinds[plan.kind[node]].template
        if template is None or not plan.source:
            return plan.where(node)
        line, column = template.place("name")
        return f"{plan.source}:{line}:{column}: {plan.where(node)}"

    def records(self, i: int) -> Iterator[tuple[int, str]]:
        """``(address, PTR target)`` pairs node ``i`` contributes."""
        plan = self.plan
        kd = plan.kinds[plan.kind[i]]
        role = kd.role
        if role == "host":
            name = plan.name[i]
            if name in self.router_names:
                yield plan.net[i], f"{self.label(name, i)}.{self.domain}."
            else:
                yield plan.net[i], self.path_name(i)
        elif role == "p2p" and plan.plen[i] == 64:
            for side in (0, 1):
                target = self.end_names.get((i, side)) or self.path_name(i, "ab"[side])
                yield plan.net[i] + 2 + side, target
        elif role == "lan" and self.gateways and plan.end[i] == i + 1:
            yield plan.net[i] + 1, self.path_name(i, "gw")

    # -- zones -----------------------------------------------------------------------------
    def delegated(self, i: int, zlen: int) -> bool:
        plan = self.plan
        return (
            plan.depth[i] == self.target_depth
            and (plan.plen[i] + 3) // 4 * 4 > zlen  # its zones sit below this one
            and plan.kinds[plan.kind[i]].role != "reserve"  # nothing to delegate yet
        )

    def walk(self, start: int, znet: int, zlen: int, delegating: bool) -> Iterator[int]:
        """Nodes under ``start`` that overlap the zone, minus delegated subtrees."""
        plan = self.plan
        net, plen, end = plan.net, plan.plen, plan.end
        i, stop = start, end[start]
        while i < stop:
            self.ticker.add(1)
            if not _overlaps(net[i], plen[i], znet, zlen):
                i = end[i]
                continue
            if delegating and self.delegated(i, zlen):
                yield -i - 1  # a delegation point (negative: no PTRs from here)
                i = end[i]
                continue
            yield i
            i += 1

    def write_zone(
        self, out: TextIO, znet: int, zlen: int, start: int, ns: list[str], delegating: bool
    ) -> list[tuple[int, int, int]]:
        """One zone file; returns the child zones it delegated ``(node, net, length)``."""
        plan = self.plan
        origin = reverse_name(znet, zlen)
        lines = Lines(out)
        where = one_line(plan.path(start) or plan.title, COMMENT_MAX)
        lines.add(
            f"; reverse zone {origin} for {format_prefix(znet, zlen)}"
            f" ({where} {plan.prefix_text(start)}), written by v6plan\n"
        )
        self.head(lines, origin, ns)
        skip = zlen // 4
        children: list[tuple[int, int, int]] = []
        ptrs = 0
        for i in self.walk(start, znet, zlen, delegating):
            if i < 0:
                node = -i - 1
                child_ns = self.child_servers(node)
                for cnet, clen in reverse_blocks(plan.net[node], plan.plen[node]):
                    if not _overlaps(cnet, clen, znet, zlen):
                        continue
                    owner = ".".join(reversed(f"{cnet:032x}"[skip : clen // 4]))
                    if not children:
                        lines.add("; delegations\n")
                    children.append((node, cnet, clen))
                    for server in child_ns:
                        lines.add(f"{owner}\tIN\tNS\t{server}\n")
                continue
            for address, target in self.records(i):
                if address >> (128 - zlen) != znet >> (128 - zlen):
                    continue
                if not ptrs:
                    lines.add("; PTR records\n")
                ptrs += 1
                owner = ".".join(reversed(f"{address:032x}"[skip:])) or "@"
                lines.add(f"{owner}\tIN\tPTR\t{target}\n")
        lines.flush()
        return children

    def head(self, lines: Lines, origin: str, ns: list[str]) -> None:
        """``$TTL``, ``$ORIGIN``, the SOA and the NS records of a zone."""
        lines.add(f"$TTL {self.ttl}\n$ORIGIN {origin}.\n")
        lines.add(f"@\tIN\tSOA\t{ns[0]} {self.email} (\n")
        lines.add(f"\t\t{self.serial:<10}   ; serial\n")
        for n, (label, value) in enumerate(_SOA_TIMES):
            close = " )" if n == len(_SOA_TIMES) - 1 else "  "
            lines.add(f"\t\t{value:<10}{close} ; {label}\n")
        for server in ns:
            lines.add(f"\tIN\tNS\t{server}\n")

    def write_forward(self, out: TextIO, tops: list[int]) -> None:
        """The domain's zone: the name servers' glue, then an AAAA for every PTR written."""
        plan, domain = self.plan, self.domain
        lines = Lines(out)
        where = one_line(plan.path(self.top) or plan.title, COMMENT_MAX)
        lines.add(
            f"; forward zone {domain} ({where} {plan.prefix_text(self.top)}), written by v6plan\n"
        )
        self.head(lines, domain, self.ns)
        suffix = f".{domain}."
        owners: dict[str, tuple[int, int]] = {}  # name (lower case) → (address, node)
        for name, address in self.glue:
            owners[name.lower()] = (address, -1)
            owner = name[: -len(suffix)] if name.endswith(suffix) else "@"
            lines.add(f"{owner}\tIN\tAAAA\t{format_address(address)}\n")
        lines.add("; AAAA records (each with its PTR in the reverse zones)\n")
        for top in tops:
            for i in range(top, plan.end[top]):
                self.ticker.add(1)
                for address, name in self.records(i):
                    key = name.lower()
                    seen = owners.get(key)
                    if seen is not None:
                        if seen[0] == address:
                            continue  # a name server that is one of the plan's own addresses
                        raise _shared_name(plan, name, seen[1], i)
                    owners[key] = (address, i)
                    try:
                        dns_name(name, "name")  # the _text rules, as for every name we take
                    except InputError as exc:  # (our names are built to pass: a guard)
                        raise InputError(f"{plan.where(i)}: {exc}") from None
                    lines.add(f"{name[: -len(suffix)]}\tIN\tAAAA\t{format_address(address)}\n")
        lines.flush()

    def child_servers(self, node: int) -> list[str]:
        if not self.child_ns:
            return self.ns
        label = self.label(self.plan.name[node], node)
        return [_absolute(s.replace("{name}", label), "--set delegate-ns") for s in self.child_ns]


def _glue(zones: _Zones, options: ExportOptions) -> list[tuple[str, int]]:
    """``(name, address)`` of the name servers inside the forward zone (refused without)."""
    if not options.get("domain"):
        raise InputError(
            "--set forward=yes: give the domain the names live under with --set domain=, "
            "e.g. --set domain=isp.example"
        )
    domain = zones.domain.lower()
    if domain == "arpa" or domain.endswith(".arpa"):
        raise InputError(f"--set domain={zones.domain}: a forward zone is not under .arpa")
    given = [parse_address(a) for a in addresses(options.get("ns-address"), "ns-address")]
    if given and len(given) != len(zones.ns):
        raise InputError(
            f"--set ns-address: give one address per name server ({len(zones.ns)}: "
            f"{', '.join(s[:-1] for s in zones.ns)}), in the same order"
        )
    glue = []
    for n, server in enumerate(zones.ns):
        lower = server.lower()
        if lower != f"{domain}." and not lower.endswith(f".{domain}."):
            continue  # out of the zone: no address record belongs here
        if not given:
            raise InputError(
                f"the name server {server[:-1]} is inside {zones.domain}: named loads the "
                "forward zone only with its address — give the servers' addresses with "
                "--set ns-address=ADDR,ADDR, or servers outside the domain with --set ns="
            )
        glue.append((server, given[n]))
    return glue


def _shared_name(plan: Plan, name: str, first: int, second: int) -> InputError:
    """Two addresses would get one name: their PTRs could not both be answered back."""
    what = "a name server (--set ns)" if first < 0 else plan.where(first)
    return InputError(
        f"{plan.where(second)} and {what} would both be named {name[:-1]} in DNS (a name is "
        "made of DNS labels: letters, digits and '-', lower case): rename one of them"
    )


def _router_names(plan: Plan) -> set[str]:
    names: set[str] = set()
    for kind in plan.kinds:
        if kind.role == "host" and kind.template is not None:
            names.update(kind.template.names)
    return names


def _once(plan: Plan, written: list[tuple[str, str]], origin: str, top: int) -> None:
    """Refuse a zone two blocks would both write (the same prefix in two VRFs)."""
    if any(done == origin for done, _ in written):
        raise InputError(
            f"two blocks make the reverse zone {origin} ({plan.where(top)} is one): "
            "one zone cannot hold two VRFs — export one VRF with --node VRF"
        )


def write_zones(plan: Plan, sink: Sink, options: ExportOptions) -> None:
    """Zone files for the chosen node (and delegated children), then a named.conf snippet."""
    zones = _Zones(plan, options)
    written: list[tuple[str, str]] = []  # (zone, file)
    for top in plan.top_blocks(zones.top):  # one block, or each of a plan read with several
        if zones.delegate:
            zones.target_depth = plan.depth[top] + zones.delegate
        for znet, zlen in reverse_blocks(plan.net[top], plan.plen[top]):
            origin = reverse_name(znet, zlen)
            file = f"db.{origin}"
            _once(plan, written, origin, top)
            with sink.open(file) as out:
                children = zones.write_zone(out, znet, zlen, top, zones.ns, zones.delegate > 0)
            written.append((origin, file))
            for node, cnet, clen in children:
                corigin = reverse_name(cnet, clen)
                cfile = f"db.{corigin}"
                with sink.open(cfile) as out:
                    zones.write_zone(out, cnet, clen, node, zones.child_servers(node), False)
                written.append((corigin, cfile))
    if zones.forward:
        file = f"db.{zones.domain}"
        with sink.open(file) as out:
            zones.write_forward(out, plan.top_blocks(zones.top))
        written.append((zones.domain, file))
    with sink.open("named.conf.zones") as out:
        title = one_line(plan.title, COMMENT_MAX)
        which = "zones" if zones.forward else "reverse zones"
        out.write(f"// {which} of {title}, written by v6plan: include from named.conf\n")
        for origin, file in written:
            out.write(f'zone "{origin}" {{ type primary; file "{file}"; }};\n')
