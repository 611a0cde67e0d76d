"""Router configuration: radvd.conf per router (its LANs) and FRR per router.

Which router serves what comes from the spec: loopback ``names``, p2p ``ends`` and
``router:`` (inherited down the tree). Interface names come from ``_topology`` so that the
FRR, radvd and Kea files of one router agree. Both formats write one file per router
(``--dir``) or just the router given with ``--router``.
"""

from __future__ import annotations

import difflib
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, TextIO, get_args

from .._errors import InputError
from .._limits import whole_number
from .._plan import Plan
from .._prefix import format_address, format_prefix, parse_address
from .._radvd import RadvdOptions, RadvdPrefix, radvd_header, radvd_stanza
from . import ExportOptions, Sink
from ._common import Lines, Ticker, selected
from ._text import (
    COMMENT_MAX,
    addresses,
    bad_interface,
    dns_names,
    interface_ok,
    one_line,
    router_name,
)
from ._topology import Router, Topology, pool_blocks

__all__ = ["write_frr", "write_radvd"]


def _chosen(topology: Topology, options: ExportOptions) -> list[Router]:
    """The routers to write: ``router=NAME``, else every router."""
    name = options.get("router")
    routers = topology.routers
    if name:
        router = routers.get(name)
        if router is None:
            close = difflib.get_close_matches(name, list(routers), n=1)
            known = ", ".join(list(routers)[:12]) or "none"
            hint = f"did you mean {close[0]!r}?" if close else f"routers: {known}"
            raise InputError(f"no router {name!r} in the plan — {hint}")
        return [router]
    return list(routers.values())


def _text(text: str) -> str:
    """One line of comment or description text (ASCII dashes, single spaces, clipped)."""
    return one_line(" ".join(one_line(text).replace("–", "-").split()), COMMENT_MAX)


def _lan_note(plan: Plan, i: int) -> str:
    kind = plan.kinds[plan.kind[i]]
    vlan = "" if kind.vlan is None else f" (VLAN {kind.vlan + plan.index[i]})"
    note = f": {kind.description}" if kind.description else ""
    return _text(f"{plan.path(i)}{vlan}{note}")


# -- radvd -------------------------------------------------------------------------------------
def _radvd(
    plan: Plan,
    out: TextIO,
    topology: Topology,
    router: Router | None,
    options: ExportOptions,
    ticker: Ticker,
) -> None:
    # a bad server address or search domain is the user's error, said clearly
    managed = options.flag("managed")
    settings = RadvdOptions(
        managed=managed,
        other=options.flag("other") or managed,
        rdnss=tuple(parse_address(a) for a in addresses(options.get("rdnss"), "rdnss")),
        dnssl=tuple(dns_names(options.get("dnssl"), "--set dnssl")),
    )
    lines = Lines(out)
    who = f"router {router.name}" if router is not None else "LANs no router serves"
    count = len(router.lans) if router is not None else len(topology.unrouted)
    header = [
        f"radvd.conf for {who}: {count:,} LAN{'s' if count != 1 else ''} of "
        f"{_text(plan.title)} ({plan.prefix}), written by v6plan",
        "check with: radvd --configtest --config=THIS-FILE",
    ]
    if router is None and topology.routers:
        header.append("give these LANs `router:` in the spec to write them per router")
    lines.add(radvd_header(header))
    net, plen = plan.net, plan.plen
    for n, (i, ifname) in enumerate(topology.lan_interfaces(router), 1):
        if not n % 4096:
            ticker.add(4096)
        if not interface_ok(ifname):
            raise bad_interface(ifname, plan.path(i))
        slaac = plen[i] == 64  # SLAAC forms 64-bit interface IDs only
        stanza = radvd_stanza(
            ifname,
            settings,
            (RadvdPrefix(net[i], plen[i], autonomous=slaac),),
            comment=_lan_note(plan, i),
            note="" if slaac else "not a /64: SLAAC cannot form addresses here",
        )
        lines.add(stanza)
    lines.flush()


def write_radvd(plan: Plan, sink: Sink, options: ExportOptions) -> None:
    """One radvd.conf per router that serves LANs (and one for LANs without a router)."""
    top = selected(plan, options)
    topology = Topology(plan, top, options)
    ticker = Ticker(options, plan.end[top] - top)
    routers = [r for r in _chosen(topology, options) if r.lans or options.get("router")]
    if options.get("router") and not routers[0].lans:
        raise InputError(
            f"router {routers[0].name!r} serves no LANs; give LANs `router: {routers[0].name}`"
        )
    targets: list[Router | None] = list(routers)
    if topology.unrouted and not options.get("router"):
        targets.append(None)
    if not targets:
        where = plan.path(top) or "the plan"
        raise InputError(f"no LANs under {where}: radvd advertises LAN prefixes (role: lan)")
    for router in targets:
        if router is None:
            name = "radvd-unassigned.conf" if routers else "radvd.conf"
        else:
            name = f"radvd-{router.name}.conf"
        with sink.open(name) as out:
            _radvd(plan, out, topology, router, options, ticker)


# -- FRR ---------------------------------------------------------------------------------------
def _router_ids(plan: Plan, topology: Topology) -> dict[str, str]:
    """An OSPF router-id per router: the loopback's low 32 bits, else a free number."""
    ids: dict[str, int] = {}
    used: set[int] = set()
    for router in topology.routers.values():
        if router.loopbacks:
            low = plan.net[router.loopbacks[0]] & 0xFFFFFFFF
            if low and low not in used:
                ids[router.name] = low
                used.add(low)
    n = 1
    for router in topology.routers.values():
        if router.name not in ids:
            while n in used:
                n += 1
            ids[router.name] = n
            used.add(n)
    return {name: ".".join(str((v >> s) & 255) for s in (24, 16, 8, 0)) for name, v in ids.items()}


#: The prefix-list and route-map that let OSPFv3 originate the aggregates, and only them.
AGGREGATES = "V6PLAN-AGGREGATES"
Routing = Literal["ospf6", "static", "both", "none"]
_ROUTINGS: tuple[Routing, ...] = get_args(Routing)


@dataclass(frozen=True, slots=True)
class _Routing:
    """The ``--set`` choices of the FRR export, read and checked once for all routers."""

    mode: Routing
    area: str
    ra: bool
    summaries: bool
    asn: int | None
    border: frozenset[str]
    #: OSPFv3 areas per router: its LANs in an area of its own, summarised by ``area … range``.
    ranges: bool = False

    @property
    def ospf(self) -> bool:
        return self.mode in ("ospf6", "both")

    @property
    def static(self) -> bool:
        return self.mode in ("static", "both")


def _routing(topology: Topology, options: ExportOptions) -> _Routing:
    given = options.get("routing", "ospf6") or "ospf6"
    mode = next((m for m in _ROUTINGS if m == given), None)
    if mode is None:
        raise InputError(f"--set routing={given}: use ospf6, static, both or none")
    area = options.get("area", "0.0.0.0") or "0.0.0.0"
    parts = [whole_number(p) if "_" not in p else None for p in area.split(".")]
    if not (
        (len(parts) == 4 and all(p is not None and p < 256 for p in parts))
        or (len(parts) == 1 and parts[0] is not None and parts[0] < 2**32)
    ):
        raise InputError(f"--set area={area}: an OSPF area is a number or a dotted quad")
    raw = options.get("asn")
    asn = whole_number(raw) if raw and "_" not in raw else None
    if raw and (asn is None or not 0 < asn < 2**32):
        raise InputError(f"--set asn={raw}: an AS number is 1 to 4294967295, e.g. asn=64496")
    border = frozenset(n.strip() for n in options.get("border").split(",") if n.strip())
    if asn is not None and not border:
        raise InputError(
            f"--set asn={asn}: name the routers that announce the plan, e.g. --set border=cr1,cr2"
        )
    if border and asn is None:
        raise InputError("--set border=…: give the AS number too, e.g. --set asn=64496")
    for name in sorted(border):
        if name not in topology.routers:
            close = difflib.get_close_matches(name, list(topology.routers), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "name a router of the plan"
            raise InputError(f"--set border={name}: no router {name!r} in the plan — {hint}")
    ranges = options.flag("ranges")
    if ranges and area not in ("0", "0.0.0.0"):
        raise InputError(
            f"--set ranges=yes with --set area={area}: the links must be in the backbone "
            "for area ranges to reach the other routers; leave area at 0.0.0.0"
        )
    summaries = options.flag("summaries", True)
    return _Routing(mode, area, options.flag("ra"), summaries, asn, border, ranges)


def _frr(
    plan: Plan,
    out: TextIO,
    topology: Topology,
    router: Router,
    router_id: str,
    routing: _Routing,
    ticker: Ticker,
) -> None:
    ospf, area = routing.ospf, routing.area
    lan_area = router_id if _ranged(plan, router, routing) else area
    router_name(router.name, "frr")
    lines = Lines(out)
    lines.add(
        f"! FRR configuration for {router.name}, from {_text(plan.title)} ({plan.prefix}), "
        "written by v6plan\n"
        "! check with: vtysh -C -f THIS-FILE\n"
        "frr defaults traditional\n"
        f"hostname {router.name}\n"
        "service integrated-vtysh-config\n!\n"
    )
    net, plen = plan.net, plan.plen
    if router.loopbacks:
        lines.add("interface lo\n")
        for i in router.loopbacks:
            lines.add(f" ipv6 address {format_address(net[i])}/128\n")
        if ospf:
            lines.add(f" ipv6 ospf6 area {area}\n")
        lines.add("exit\n!\n")
    topology.name_links(router)
    for end in router.links:
        i = end.node
        if not interface_ok(end.interface):
            raise bad_interface(end.interface, f"{plan.path(i)} ({router.name} - {end.peer})")
        lines.add(
            f"interface {end.interface}\n"
            f" description {_text(f'{plan.path(i)}: {router.name} - {end.peer}')}\n"
            f" ipv6 address {format_address(end.address(plan))}/127\n"
        )
        if ospf:
            lines.add(f" ipv6 ospf6 area {area}\n ipv6 ospf6 network point-to-point\n")
        lines.add("exit\n!\n")
    for n, (i, ifname) in enumerate(topology.lan_interfaces(router), 1):
        if not n % 4096:
            ticker.add(4096)
        if not interface_ok(ifname):
            raise bad_interface(ifname, plan.path(i))
        text = (
            f"interface {ifname}\n"
            f" description {_lan_note(plan, i)}\n"
            f" ipv6 address {format_address(net[i] + 1)}/{plen[i]}\n"
        )
        if ospf:
            text += f" ipv6 ospf6 area {lan_area}\n ipv6 ospf6 passive\n"
        if routing.ra:
            text += f" no ipv6 nd suppress-ra\n ipv6 nd prefix {format_prefix(net[i], plen[i])}\n"
        lines.add(text + "exit\n!\n")
    if routing.mode != "none":
        _routes(plan, lines, topology, router, router_id, routing)
    lines.add("end\n")
    lines.flush()


def _routes(
    plan: Plan,
    lines: Lines,
    topology: Topology,
    router: Router,
    router_id: str,
    routing: _Routing,
) -> None:
    """Discard routes for what the router originates, then OSPFv3, static and BGP."""
    announced = _discards(plan, lines, topology, router, routing)
    ranged = _ranged(plan, router, routing)
    if ranged:  # summarised by area ranges, not originated as external routes
        announced = [p for p in announced if p not in ranged]
    if routing.ospf:
        if announced:
            lines.add(
                "! OSPFv3 originates the aggregates above (as external routes), and only them\n"
            )
            for n, prefix in enumerate(announced, 1):
                lines.add(f"ipv6 prefix-list {AGGREGATES} seq {5 * n} permit {prefix}\n")
            lines.add(
                f"route-map {AGGREGATES} permit 10\n"
                f" match ipv6 address prefix-list {AGGREGATES}\nexit\n!\n"
            )
        lines.add(
            "! OSPFv3 skeleton: the router-id is only an identifier in dotted form; "
            "keep it unique\n"
            f"router ospf6\n ospf6 router-id {router_id}\n"
        )
        for prefix in ranged:
            lines.add(f" area {router_id} range {prefix}\n")
        if announced:
            lines.add(f" redistribute static route-map {AGGREGATES}\n")
        lines.add("exit\n!\n")
    if routing.static:
        what = "summaries" if routing.summaries else "LANs"
        lines.add(f"! static skeleton: each neighbour's loopback and {what} via the link to it\n")
        for end in router.links:
            peer = topology.routers.get(end.peer)
            if peer is None:
                continue
            via = format_address(plan.net[end.node] + 2 + (1 - end.side))
            for target in _reachable(plan, peer, routing.summaries):
                lines.add(f"ipv6 route {target} {via}\n")
        lines.add("!\n")
    if routing.asn is not None and router.name in routing.border:
        roots = [format_prefix(plan.net[t], plan.plen[t]) for t in _roots(plan, topology.top)]
        lines.add(
            f"! BGP announces the plan ({', '.join(roots)}), anchored by its discard route\n"
            f"router bgp {routing.asn}\n bgp router-id {router_id}\n"
            " no bgp default ipv4-unicast\n address-family ipv6 unicast\n"
        )
        for prefix in roots:
            lines.add(f"  network {prefix}\n")
        lines.add(" exit-address-family\nexit\n!\n")


def _ranged(plan: Plan, router: Router, routing: _Routing) -> list[str]:
    """With ``--set ranges=yes``: the router's summaries that hold some of its LANs (an
    OSPFv3 area range advertises only what holds intra-area routes)."""
    if not (routing.ranges and routing.ospf and routing.summaries and router.lans):
        return []
    lans, end = router.lans, plan.end
    held = []
    for i in router.aggregates:
        k = bisect_right(lans, i)
        if k < len(lans) and lans[k] < end[i]:
            held.append(format_prefix(plan.net[i], plan.plen[i]))
    return held


def _roots(plan: Plan, top: int) -> list[int]:
    """The blocks BGP announces: the exported block, or each top-level block of the plan."""
    return plan.top_blocks() if top == 0 else [top]


def _discards(
    plan: Plan, lines: Lines, topology: Topology, router: Router, routing: _Routing
) -> list[str]:
    """``ipv6 route … blackhole`` for the blocks the router summarises, its customer pools and
    (on a border router) the plan's root; return the summaries OSPFv3 should originate."""
    net, plen = plan.net, plan.plen
    seen: set[tuple[int, int]] = set()
    summaries: list[str] = []
    if routing.summaries and router.aggregates:
        lines.add(
            "! the blocks this router summarises: a discard route for each, so unused space\n"
            "! inside them is dropped here, not looped; longer routes still win\n"
        )
        for i in router.aggregates:
            seen.add((net[i], plen[i]))
            summaries.append(format_prefix(net[i], plen[i]))
            lines.add(f"ipv6 route {summaries[-1]} blackhole\n")
    for p in router.pools if routing.summaries else ():
        blocks = [(b, length) for b, length, _ in pool_blocks(plan, p) if (b, length) not in seen]
        if blocks:
            lines.add(f"! customer pool of {_text(plan.path(p) or plan.title)}, by DHCPv6-PD\n")
        for b, length in blocks:
            seen.add((b, length))
            lines.add(f"ipv6 route {format_prefix(b, length)} blackhole\n")
    if routing.asn is not None and router.name in routing.border:
        roots = [t for t in _roots(plan, topology.top) if (net[t], plen[t]) not in seen]
        if roots:
            lines.add("! what BGP announces: a discard route anchors each `network`\n")
        for t in roots:
            seen.add((net[t], plen[t]))
            lines.add(f"ipv6 route {format_prefix(net[t], plen[t])} blackhole\n")
    if seen:
        lines.add("!\n")
    return summaries


def _reachable(plan: Plan, router: Router, summaries: bool) -> Iterator[str]:
    net, plen = plan.net, plan.plen
    for i in router.loopbacks:
        yield f"{format_address(net[i])}/128"
    if summaries:
        for i in router.aggregates:
            yield format_prefix(net[i], plen[i])
    for i in router.lone if summaries else router.lans:
        yield format_prefix(net[i], plen[i])


def write_frr(plan: Plan, sink: Sink, options: ExportOptions) -> None:
    """One FRR configuration per router (``frr-NAME.conf``)."""
    top = selected(plan, options)
    topology = Topology(plan, top, options)
    if not topology.routers:
        where = plan.path(top) or "the plan"
        raise InputError(
            f"no routers under {where}: name them with loopback `names:`, p2p `ends:` "
            "or `router:` on the LANs they serve"
        )
    routing = _routing(topology, options)
    ids = _router_ids(plan, topology)
    ticker = Ticker(options, plan.end[top] - top)
    for router in _chosen(topology, options):
        with sink.open(f"frr-{router.name}.conf") as out:
            _frr(plan, out, topology, router, ids[router.name], routing, ticker)
