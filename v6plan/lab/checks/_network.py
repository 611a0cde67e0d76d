"""The checks that read one node's state: its addresses (``address``, ``slaac``, ``plan``,
``no-dadfailed``), what it answers on a link (``ndp``, ``ra``) and a command's output
(``command``). Each returns an :class:`~._context.Outcome` with a code that says why."""

from __future__ import annotations

import re
import shlex
from typing import Any

from ..._limits import yes_no
from ..._prefix import (
    format_address,
    format_prefix,
    parse_address,
    parse_address_with_length,
    parse_prefix,
)
from ..model._topology import Endpoint
from ._context import LINK_LOCAL, Context, Outcome, _cidr, _in, _sysctl, _usable

__all__ = [
    "check_address",
    "check_command",
    "check_ndp",
    "check_no_dadfailed",
    "check_plan",
    "check_ra",
    "check_slaac",
]


def _address_arg(text: str) -> tuple[int, int]:
    """``addr/len`` or a bare address (length 0: any length will do)."""
    address, length = parse_address_with_length(text)
    return address, 0 if length is None else length


def check_address(ctx: Context, args: dict[str, str]) -> Outcome:
    node, iface = args["node"], args["iface"]
    want, want_len = _address_arg(args["address"])
    base = {"node": node, "iface": iface, "address": format_address(want)}
    if want_len:
        base["address"] = f"{format_address(want)}/{want_len}"
    if ctx.interface(node, iface) is None and iface != "lo":
        names = ", ".join(i.name for i in ctx.interfaces(node))
        return Outcome(False, "no-iface", {**base, "found": names})
    found = [a for a in ctx.addresses(node) if a.address == want]
    on_iface = [a for a in found if a.ifname == iface]
    if on_iface:
        a = on_iface[0]
        base["found"] = _cidr(a)
        if "dadfailed" in a.flags:
            return Outcome(False, "dadfailed", base)
        if "tentative" in a.flags:
            return Outcome(False, "tentative", base, settled=False)
        word, block = ctx.block_word(node, iface)
        if want_len and a.length != want_len:
            return Outcome(False, "wrong-length", {**base, "what": word, "length": want_len})
        if (
            args.get("in_plan", "true") == "true"
            and block
            and not _in(a.address, block[0], block[1])
        ):
            return Outcome(
                False,
                "outside-plan",
                {**base, "block": format_prefix(block[0], block[1]), "path": block[2]},
            )
        return Outcome(True, "ok", base)
    if found:
        return Outcome(False, "wrong-iface", {**base, "found_iface": found[0].ifname})
    others = [
        _cidr(a)
        for a in ctx.addresses(node)
        if a.ifname == iface and a.scope == "global" and not _in(a.address, *LINK_LOCAL)
    ]
    settled = not ctx.awaits_ra(node, iface)  # an RA may still bring it (SLAAC)
    if others:
        return Outcome(False, "other-address", {**base, "found": ", ".join(others)}, settled)
    return Outcome(False, "missing", base, settled)


def _link_local(ctx: Context, node: str, iface: str) -> int | None:
    for a in ctx.addresses(node):
        if a.ifname == iface and _in(a.address, *LINK_LOCAL) and _usable(a):
            return a.address
    return None


def check_ndp(ctx: Context, args: dict[str, str]) -> Outcome:
    from ._probes import neighbour_solicitation, read_neighbour_adverts

    node, iface = args["node"], args["iface"]
    target = parse_address(args["target"])
    base = {
        "node": node,
        "iface": iface,
        "target": format_address(target),
        "owner": ctx.owner(target),
    }
    nic = ctx.interface(node, iface)
    if nic is None:
        return Outcome(False, "no-iface", base)
    src = _link_local(ctx, node, iface)
    if src is None:  # still tentative: DAD on the link-local may yet finish
        return Outcome(False, "no-link-local", base, not ctx.tentative(node))
    frames = ctx.backend.send_l2(
        node, iface, [neighbour_solicitation(nic.mac, src, target)], timeout=ctx.timeout
    )
    macs = read_neighbour_adverts(frames, target)
    if macs:
        return Outcome(True, "ok", {**base, "mac": macs[0]})
    return Outcome(False, "no-answer", base, not ctx.held_tentative(target))


def _flag(args: dict[str, str], key: str) -> bool | None:
    value = args.get(key)
    return None if value is None else yes_no(value) is True


def check_ra(ctx: Context, args: dict[str, str]) -> Outcome:
    from ._probes import read_advertisements, router_solicitation

    node, iface = args["node"], args["iface"]
    net, length = parse_prefix(args["prefix"])
    base = {"node": node, "iface": iface, "prefix": format_prefix(net, length)}
    nic = ctx.interface(node, iface)
    if nic is None:
        return Outcome(False, "no-iface", base)
    src = _link_local(ctx, node, iface) or 0
    frames = ctx.backend.send_l2(
        node, iface, [router_solicitation(nic.mac, src)], timeout=ctx.timeout
    )
    adverts = read_advertisements(frames)
    if not adverts:  # radvd may be starting, or waiting out its 3 s between multicast RAs
        return Outcome(False, "no-ra", base, not ctx.faces_advertiser(node, iface))
    for advert in adverts:
        for p in advert.prefixes:
            if (p[0], p[1]) != (net, length):
                continue
            params = {**base, "router": ctx.owner(advert.source)}
            for key, have in (("managed", advert.managed), ("other", advert.other)):
                want = _flag(args, key)
                if want is not None and want != have:
                    state = "set" if have else "clear"
                    return Outcome(False, "flags", {**params, "flag": key, "state": state})
            if _flag(args, "autonomous") is not False and not p[3]:
                return Outcome(False, "not-autonomous", params)
            return Outcome(True, "ok", params)
    seen = sorted({format_prefix(p[0], p[1]) for a in adverts for p in a.prefixes})
    if not seen:
        return Outcome(False, "no-prefixes", base)
    return Outcome(False, "no-prefix", {**base, "found": ", ".join(seen)})


def check_slaac(ctx: Context, args: dict[str, str]) -> Outcome:
    node, iface = args["node"], args["iface"]
    net, length = parse_prefix(args["prefix"])
    base = {"node": node, "iface": iface, "prefix": format_prefix(net, length)}
    inside = [a for a in ctx.addresses(node) if a.ifname == iface and _in(a.address, net, length)]
    formed = [a for a in inside if "permanent" not in a.flags]
    for a in formed:
        if _usable(a):
            return Outcome(True, "ok", {**base, "address": _cidr(a)})
    if formed:
        return Outcome(False, "tentative", {**base, "address": _cidr(formed[0])}, settled=False)
    waiting = ctx.awaits_ra(node, iface)  # the RA that forms it may be on its way
    if inside:
        return Outcome(False, "static", {**base, "address": _cidr(inside[0])}, not waiting)
    accept_ra = _sysctl(ctx, node, f"net.ipv6.conf.{iface}.accept_ra")
    forwarding = _sysctl(ctx, node, f"net.ipv6.conf.{iface}.forwarding")
    base.update(accept_ra=accept_ra, forwarding=forwarding)
    if accept_ra == "0":
        return Outcome(False, "accept-ra-off", base)
    if forwarding == "1" and accept_ra == "1":
        return Outcome(False, "forwarding", base)
    return Outcome(False, "missing", base, not waiting)


def _nodes_arg(ctx: Context, args: dict[str, str], key: str = "nodes") -> list[str]:
    raw = args.get(key, "").replace(",", " ").split()
    return raw or ctx.nodes


def _link_of(ctx: Context, node: str, iface: str) -> frozenset[tuple[str, str]]:
    """The link or segment an interface is on, as its ends (a link-local is unique per link)."""
    peers = ctx.addressing.topology.peers(Endpoint(node, iface)) if ctx.addressing else []
    return frozenset({(node, iface)} | {(p.node, p.iface) for p in peers})


def _duplicates(ctx: Context, nodes: list[str]) -> list[dict[str, Any]]:
    """Addresses two nodes hold at once, whatever DAD said or was told (``nodad``): a
    global address anywhere in the lab, a link-local on the same link; at least one
    holder among ``nodes``."""
    holders: dict[tuple[int, frozenset[tuple[str, str]] | None], dict[str, str]] = {}
    for node in ctx.nodes:
        for a in ctx.addresses(node):
            if a.scope == "host" or a.address == 1:  # ::1, every node's own
                continue
            link = _link_of(ctx, node, a.ifname) if _in(a.address, *LINK_LOCAL) else None
            holders.setdefault((a.address, link), {}).setdefault(node, a.ifname)
    return [
        {
            "address": format_address(address),
            "holders": ", ".join(f"{n} ({i})" for n, i in sorted(held.items())),
        }
        for (address, _), held in sorted(holders.items(), key=lambda kv: kv[0][0])
        if len(held) > 1 and set(held) & set(nodes)
    ]


def check_no_dadfailed(ctx: Context, args: dict[str, str]) -> Outcome:
    """No address is duplicated: none is marked ``dadfailed``, and no address is held by
    two nodes (DAD silenced with ``nodad`` or turned off hides a duplicate, it does not
    remove it)."""
    nodes = _nodes_arg(ctx, args, "node") if "node" in args else _nodes_arg(ctx, args)
    failed = [
        {"node": node, "address": _cidr(a), "iface": a.ifname}
        for node in nodes
        for a in ctx.addresses(node)
        if "dadfailed" in a.flags
    ]
    if failed:
        return Outcome(False, "dadfailed", {"found": failed, "count": len(failed)})
    # DAD still running on an address may yet fail it
    settled = not any(ctx.tentative(node) for node in nodes)
    twice = _duplicates(ctx, nodes)
    if twice:
        return Outcome(False, "duplicate", {"found": twice, "count": len(twice)}, settled)
    return Outcome(True, "ok", {"nodes": ", ".join(nodes)}, settled)


def check_plan(ctx: Context, args: dict[str, str]) -> Outcome:
    """Every global address configured on a planned interface lies in that link's block."""
    if ctx.addressing is None:
        return Outcome(False, "no-plan", {})
    plan_prefix = ctx.addressing.plan.prefix
    wrong: list[dict[str, Any]] = []
    checked = 0
    for node in _nodes_arg(ctx, args):
        for a in ctx.addresses(node):
            if a.scope != "global" or _in(a.address, *LINK_LOCAL):
                continue
            checked += 1
            block = ctx.addressing.blocks.get(Endpoint(node, a.ifname))
            found = {"node": node, "address": _cidr(a), "iface": a.ifname}
            if block is not None and not _in(a.address, block[0], block[1]):
                wrong.append({**found, "block": f"{format_prefix(*block[:2])} ({block[2]})"})
            elif block is None and a.address not in plan_prefix:
                wrong.append({**found, "block": str(plan_prefix)})
    if wrong:
        return Outcome(False, "outside", {"found": wrong, "count": len(wrong)})
    return Outcome(True, "ok", {"count": checked, "plan": str(plan_prefix)})


def check_command(ctx: Context, args: dict[str, str]) -> Outcome:
    node = args["node"]
    argv = shlex.split(args["run"])
    result = ctx.backend.exec(node, argv, timeout=float(args.get("timeout", "10")))
    output = result.stdout + result.stderr
    found = re.search(args["match"], output, re.MULTILINE)
    matched = found is not None
    want_match = args.get("expect", "match") != "no-match"
    # what to quote: the line that matched (what it must not print), else the first line
    at = output.rfind("\n", 0, found.start()) + 1 if found is not None else 0
    line = (output[at:].strip().splitlines() or [""])[0][:120]
    base = {"node": node, "command": args["run"], "pattern": args["match"], "found": line}
    if matched == want_match:
        return Outcome(True, "ok" if want_match else "ok-absent", base)
    return Outcome(False, "no-match" if want_match else "matched", base)
