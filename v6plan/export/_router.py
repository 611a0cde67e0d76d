"""Router configuration: radvd.conf per router (its LANs) and FRR per router.

Which router serves what comes from the spec: loopback ``names``, p2p ``ends`` and
``router:`` (inherited down the tree). Interface names come from ``_topology`` so that the
FRR, radvd and Kea files of one router agree. Both formats write one file per router
(``--dir``) or just the router given with ``--router``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import TextIO

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
from ._topology import Router, Topology

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


def _frr(
    plan: Plan,
    out: TextIO,
    topology: Topology,
    router: Router,
    router_id: str,
    options: ExportOptions,
    ticker: Ticker,
) -> None:
    routing = options.get("routing", "ospf6") or "ospf6"
    if routing not in ("ospf6", "static", "both", "none"):
        raise InputError(f"--set routing={routing}: use ospf6, static, both or none")
    ospf = routing in ("ospf6", "both")
    area = options.get("area", "0.0.0.0") or "0.0.0.0"
    parts = [whole_number(p) if "_" not in p else None for p in area.split(".")]
    if not (
        (len(parts) == 4 and all(p is not None and p < 256 for p in parts))
        or (len(parts) == 1 and parts[0] is not None and parts[0] < 2**32)
    ):
        raise InputError(f"--set area={area}: an OSPF area is a number or a dotted quad")
    ra = options.flag("ra")
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
            text += f" ipv6 ospf6 area {area}\n ipv6 ospf6 passive\n"
        if ra:
            text += f" no ipv6 nd suppress-ra\n ipv6 nd prefix {format_prefix(net[i], plen[i])}\n"
        lines.add(text + "exit\n!\n")
    if ospf:
        lines.add(
            "! OSPFv3 skeleton: the router-id is only an identifier in dotted form; "
            "keep it unique\n"
            f"router ospf6\n ospf6 router-id {router_id}\nexit\n!\n"
        )
    if routing in ("static", "both"):
        lines.add("! static skeleton: each neighbour's loopback and LANs via the link to it\n")
        for end in router.links:
            peer = topology.routers.get(end.peer)
            if peer is None:
                continue
            via = format_address(plan.net[end.node] + 2 + (1 - end.side))
            for target in _reachable(plan, peer):
                lines.add(f"ipv6 route {target} {via}\n")
        lines.add("!\n")
    lines.add("end\n")
    lines.flush()


def _reachable(plan: Plan, router: Router) -> Iterator[str]:
    net, plen = plan.net, plan.plen
    for i in router.loopbacks:
        yield f"{format_address(net[i])}/128"
    for i in router.lans:
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
    ids = _router_ids(plan, topology)
    ticker = Ticker(options, plan.end[top] - top)
    for router in _chosen(topology, options):
        with sink.open(f"frr-{router.name}.conf") as out:
            _frr(plan, out, topology, router, ids[router.name], options, ticker)
