"""The checks of forwarding, decided as the node's own stack decides it: echo probes
(``reachable``, ``unreachable``), a traceroute (``hops``) and the route a longest-match
lookup chooses (``route``, like ``ip route get``)."""

from __future__ import annotations

from typing import Any

from ..._prefix import format_address, format_prefix, parse_address, parse_prefix
from ..runtime._backend import Route
from ._context import LINK_LOCAL, Context, Outcome, _in

__all__ = ["check_hops", "check_reachable", "check_route", "check_unreachable"]


def _path_settled(ctx: Context, node: str, dst: int, code: str) -> bool:
    """Whether a failure to reach ``dst`` from ``node`` stays as it is: no route or no
    source may change when an RA is on its way or DAD runs on the node; no answer may
    change while the destination's holder still runs DAD on it."""
    if code == "no-route":
        return not ctx.awaits_ra(node)
    if code == "no-source":
        return not (ctx.tentative(node) or ctx.awaits_ra(node))
    if code in ("timeout", "unreachable"):
        return not ctx.held_tentative(dst)
    return True


def _reach(ctx: Context, args: dict[str, str]) -> tuple[Outcome | None, list[Any], dict[str, Any]]:
    node = args["from"]
    dst = parse_address(args["to"])
    base: dict[str, Any] = {"node": node, "to": format_address(dst), "target": ctx.owner(dst)}
    early = _not_self(ctx, node, dst, base)
    if early is not None:
        return early, [], base
    iface = args.get("iface")
    if _in(dst, *LINK_LOCAL):  # a link-local destination: the trainee names the interface
        if iface is None:  # the lab forgot to say which link: no trainee can fix that
            return Outcome(False, "needs-iface", base), [], base
        if ctx.interface(node, iface) is None:
            return Outcome(False, "no-iface", {**base, "iface": iface}), [], base
        out_iface: str | None = iface
    else:
        route = ctx.route_for(node, dst)
        if route is None or route.kind != "unicast":  # the stack refuses to send it
            return (
                Outcome(False, "no-route", base, _path_settled(ctx, node, dst, "no-route")),
                [],
                base,
            )
        out_iface = route.ifname
    src = ctx.source_for(node, dst, out_iface)
    if src is None:
        settled = _path_settled(ctx, node, dst, "no-source")
        return Outcome(False, "no-source", {**base, "iface": out_iface or "?"}, settled), [], base
    base["source"] = format_address(src)
    hlim = int(args.get("hop_limit", "64"))
    return None, ctx.echo(node, src, dst, [hlim], out_iface), base


def _not_self(ctx: Context, node: str, dst: int, base: dict[str, Any]) -> Outcome | None:
    """A node that holds another node's planned address answers its own echo: that is
    not reaching the other node (the kernel replies locally)."""
    planned = base["target"]
    if (
        planned != node
        and planned in ctx.nodes
        and any(a.address == dst for a in ctx.addresses(node))
    ):
        return Outcome(False, "self", base)
    return None


def check_reachable(ctx: Context, args: dict[str, str]) -> Outcome:
    early, answers, base = _reach(ctx, args)
    if early is not None:
        return early
    for answer in answers:
        if answer.kind == "reply":
            return Outcome(True, "ok", base)
    for answer in answers:
        from ._probes import UNREACH_CODES

        who = ctx.owner(answer.source)
        if answer.kind == "unreachable":
            why = UNREACH_CODES.get(answer.code, str(answer.code))
            settled = _path_settled(ctx, args["from"], parse_address(args["to"]), "unreachable")
            return Outcome(False, "unreachable", {**base, "router": who, "why": why}, settled)
        return Outcome(False, "time-exceeded", {**base, "router": who})
    settled = _path_settled(ctx, args["from"], parse_address(args["to"]), "timeout")
    return Outcome(False, "timeout", {**base, "seconds": f"{ctx.timeout:g}"}, settled)


def check_unreachable(ctx: Context, args: dict[str, str]) -> Outcome:
    early, answers, base = _reach(ctx, args)
    if early is not None:
        if early.code in ("no-route", "no-source", "self"):  # as (un)settled as the failure
            return Outcome(True, "ok-" + early.code, early.params, early.settled)
        return early
    if any(a.kind == "reply" for a in answers):
        return Outcome(False, "reached", base)
    settled = _path_settled(ctx, args["from"], parse_address(args["to"]), "timeout")
    return Outcome(True, "ok", base, settled)


def _next_hop(route: Route) -> str:
    return format_address(route.via) if route.via is not None else ""


def _route_params(route: Route) -> dict[str, Any]:
    """What a found route says, as message parameters: the prefix it covers, its next hop
    (empty: the destination is on the link itself), its device and what it does."""
    return {
        "route": "default" if route.length == 0 else format_prefix(route.dst, route.length),
        "found": _next_hop(route),
        "found_dev": route.ifname or "",
        "refusal": route.kind,
    }


def _route_wrong(route: Route, via: int | None, dev: str | None) -> str | None:
    """Why ``route`` does not forward the way the check asks (a code), or None."""
    if route.kind != "unicast":
        return "refused"
    if via is not None and route.via != via:
        return "on-link" if route.via is None else "other-via"
    if dev and route.ifname != dev:
        return "other-dev"
    return None


def _covering(ctx: Context, node: str, net: int, length: int, exact: bool) -> Route | None:
    """The route the node's stack chooses for the whole of ``net/length`` — or, asked for
    ``exact``, the lowest-metric route for exactly that prefix."""
    if not exact:
        return ctx.route_for(node, net, length)
    routes = [r for r in ctx.routes(node) if (r.dst, r.length) == (net, length)]
    return min(routes, key=lambda r: r.metric, default=None)


def check_route(ctx: Context, args: dict[str, str]) -> Outcome:
    """The node forwards traffic for a prefix the right way, as its stack decides it
    (``ip route get``): the longest route that covers the prefix has the next hop and
    device asked for, and no more specific route inside the prefix sends part of it
    elsewhere or refuses it (unreachable, blackhole, prohibit). ``exact: true`` asks for a
    route to exactly that prefix instead (a lab that teaches the route itself)."""
    node = args["node"]
    to = args["to"].strip()
    net, length = (0, 0) if to == "default" else parse_prefix(to)
    exact = args.get("exact", "false") == "true" or length == 0
    base: dict[str, Any] = {
        "node": node,
        "to": "default" if length == 0 else format_prefix(net, length),
    }
    via = parse_address(args["via"]) if args.get("via") else None
    dev = args.get("dev") or None
    if via is not None:
        base["via"] = format_address(via)
    if dev:
        base["dev"] = dev
    settled = not ctx.awaits_ra(node)  # an RA brings a default route and prefix routes
    chosen = _covering(ctx, node, net, length, exact)
    if chosen is None:
        return Outcome(False, "missing" if length else "missing-default", base, settled)
    wrong = _route_wrong(chosen, via, dev)
    if wrong is not None:
        return Outcome(False, wrong, {**base, **_route_params(chosen)}, settled)
    if not exact:  # part of the prefix may go another way than the covering route
        for route in ctx.routes(node):
            inside = route.length > length and _in(route.dst, net, length)
            same = (route.kind, route.via, route.ifname) == ("unicast", chosen.via, chosen.ifname)
            if inside and not same:
                params = {**base, **_route_params(route)}
                return Outcome(False, "more-specific", params, settled)
    found = {**base, **_route_params(chosen)}
    return Outcome(True, "ok" if chosen.via is not None else "ok-on-link", found)


def check_hops(ctx: Context, args: dict[str, str]) -> Outcome:
    node = args["from"]
    dst = parse_address(args["to"])
    want = int(args["hops"])
    limit = int(args.get("max", str(max(want + 2, 8))))
    base: dict[str, Any] = {
        "node": node,
        "to": format_address(dst),
        "target": ctx.owner(dst),
        "want": want,
    }
    early = _not_self(ctx, node, dst, base)
    if early is not None:
        return early
    route = ctx.route_for(node, dst)
    if route is None or route.kind != "unicast":  # the stack refuses to send it
        return Outcome(False, "no-route", base, _path_settled(ctx, node, dst, "no-route"))
    src = ctx.source_for(node, dst, route.ifname)
    if src is None:
        settled = _path_settled(ctx, node, dst, "no-source")
        return Outcome(False, "no-source", {**base, "iface": route.ifname or "?"}, settled)
    answers = ctx.echo(node, src, dst, list(range(1, limit + 1)))
    by_hop: dict[int, Any] = {}
    for answer in answers:
        by_hop.setdefault(answer.seq + 1, answer)
    path: list[str | None] = []  # who answered at each hop (None: nobody did)
    for hop in range(1, limit + 1):
        answer = by_hop.get(hop)
        path.append(ctx.owner(answer.source) if answer is not None else None)
        if answer is None:
            continue
        if answer.kind == "reply":
            base.update(path=path, found=hop)
            return Outcome(hop == want, "ok" if hop == want else "count", base)
        if answer.kind == "unreachable":
            settled = _path_settled(ctx, node, dst, "unreachable")
            return Outcome(
                False, "unreachable", {**base, "path": path, "router": path[-1]}, settled
            )
    while path and path[-1] is None:
        path.pop()
    settled = _path_settled(ctx, node, dst, "timeout")
    return Outcome(False, "timeout" if path else "no-answer", {**base, "path": path}, settled)
