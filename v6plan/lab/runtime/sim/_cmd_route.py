"""``ip -6 route``: the main and local tables, adding, deleting, ``get``."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...._limits import whole_number
from ...._prefix import format_address, format_prefix, parse_address
from .. import _wire as w
from ._cmdbase import Ctx, Fail, _matches, _prefix_arg
from ._stack import (
    RouteEntry,
)

__all__ = ["_dst_text"]


def _dst_text(route: RouteEntry) -> str:
    if route.length == 0:
        return "default"
    if route.length == 128:
        return format_address(route.dst)
    return format_prefix(route.dst, route.length)


# -- ip route --------------------------------------------------------------------------------------
def _trie_key(route: RouteEntry) -> tuple[str, int, int]:
    """The kernel's fib6 walk order: more specific before less, 0-bit before 1-bit,
    then metric, then age."""
    bits = format(route.dst >> (128 - route.length), f"0{route.length}b") if route.length else ""
    return (bits + "2", route.metric, route.order)


def _route_line(ctx: Ctx, r: RouteEntry, show_dev: bool = True) -> str:
    parts = []
    if r.kind != "unicast":
        parts.append(r.kind)
    parts.append(_dst_text(r))
    if r.via is not None:
        parts.append(f"via {format_address(r.via)}")
    if show_dev or r.kind != "unicast":
        parts.append(f"dev {r.dev or 'lo'}")
    if r.proto not in ("boot",):
        parts.append(f"proto {r.proto}")
    parts.append(f"metric {r.metric}")
    if r.dev is not None and not ctx.node.ifaces[r.dev].carrier:
        parts.append("linkdown")
    if r.expires is not None:
        # the kernel's jiffies have moved on since the RA: floor of a hair less than remaining
        parts.append(f"expires {max(0, math.ceil(r.expires - ctx.node.world.now) - 1)}sec")
    if r.proto == "ra" and r.length == 0 and ctx.node.conf[r.dev or "lo"]["mtu"] != 1500:
        parts.append(f"mtu {ctx.node.conf[r.dev or 'lo']['mtu']}")
    if r.hoplimit:
        parts.append(f"hoplimit {r.hoplimit}")
    parts.append(f"pref {r.pref}")
    return " ".join(parts)


def _ip_route(ctx: Ctx, args: list[str]) -> int:
    verb = args[0] if args else "show"
    rest = args[1:]
    if verb in ("show", "list", "lst", "ls", "sh", "s", "l"):
        return _route_show(ctx, rest)
    if verb in ("add", "a", "append"):
        return _route_add(ctx, rest, replace=False)
    if verb in ("replace", "change", "chg"):
        return _route_add(ctx, rest, replace=True)
    if _matches(verb, "delete"):
        return _route_del(ctx, rest)
    if _matches(verb, "get"):
        return _route_get(ctx, rest)
    if _matches(verb, "flush"):
        dev = (
            rest[rest.index("dev") + 1]
            if "dev" in rest and rest.index("dev") + 1 < len(rest)
            else None
        )
        ctx.node.routes = [r for r in ctx.node.routes if dev is not None and r.dev != dev]
        return 0
    if verb in ("dev", "proto", "table"):
        return _route_show(ctx, args)
    raise Fail(f'Command "{verb}" is unknown, try "ip route help".', 255)


def _route_show(ctx: Ctx, args: list[str]) -> int:
    dev = None
    proto = None
    exact: tuple[int, int] | None = None
    it = iter(args)
    for word in it:
        if word == "dev":
            dev = next(it, None)
        elif word == "proto":
            proto = next(it, None)
        elif word in ("table", "type", "scope"):
            next(it, None)
        elif word == "default":
            exact = (0, 0)
        elif word not in ("all", "main", "exact", "to"):
            addr, length, _ = _prefix_arg(word)
            exact = (w.network(addr, length), length)
    if dev is not None and dev not in ctx.node.ifaces:
        raise Fail(f'Cannot find device "{dev}"', 1)
    now = ctx.node.world.now
    for r in sorted(ctx.node.routes, key=_trie_key):
        if r.expires is not None and r.expires <= now:
            continue
        if dev is not None and r.dev != dev:
            continue
        if proto is not None and r.proto != proto:
            continue
        if exact is not None and (r.dst, r.length) != exact:
            continue
        ctx.out.add(_route_line(ctx, r, show_dev=dev is None))
    return 0


@dataclass
class _RouteArgs:
    kind: str = "unicast"
    dst: tuple[int, int] | None = None
    via: int | None = None
    dev: str | None = None
    metric: int | None = None
    proto: str = "boot"


def _route_args(args: list[str]) -> _RouteArgs:
    parsed = _RouteArgs()
    it = iter(args)
    for word in it:
        if word in ("unreachable", "blackhole", "prohibit") and parsed.dst is None:
            parsed.kind = word
        elif word == "unicast":
            continue
        elif word == "via":
            text = next(it, "")
            if text == "inet6":
                text = next(it, "")
            try:
                parsed.via = parse_address(text)
            except ValueError:
                raise Fail(f'Error: inet6 address is expected rather than "{text}".', 1) from None
        elif word in ("dev", "oif"):
            parsed.dev = next(it, None)
        elif word in ("metric", "preference", "priority"):
            text = next(it, "")
            metric = whole_number(text)
            if metric is None or metric >= 1 << 32:
                raise Fail(f'Error: argument "{text}" is wrong: "metric" value is invalid', 1)
            parsed.metric = metric
        elif word in ("proto", "protocol"):
            parsed.proto = next(it, "boot")
        elif word in ("onlink", "pref", "table", "src", "mtu", "hoplimit", "scope"):
            if word != "onlink":
                next(it, None)
        elif word == "to":
            continue
        elif parsed.dst is None:
            if word == "default":
                parsed.dst = (0, 0)
            else:
                addr, length, _ = _prefix_arg(word)
                parsed.dst = (w.network(addr, length), length)
        else:
            raise Fail(f'Error: either "to" is duplicate, or "{word}" is a garbage.', 1)
    if parsed.dst is None:
        raise Fail('Error: either "to" is duplicate, or "" is a garbage.', 1)
    return parsed


def _route_add(ctx: Ctx, args: list[str], replace: bool) -> int:
    node = ctx.node
    a = _route_args(args)
    assert a.dst is not None
    metric = 1024 if a.metric is None else a.metric
    if a.dev is not None and a.dev not in node.ifaces:
        raise Fail(f'Cannot find device "{a.dev}"', 1)
    dev = a.dev
    if a.kind == "unicast":
        if a.via is not None:
            if node.local_address(a.via) is not None or any(
                i.find(a.via) is not None for i in node.ifaces.values()
            ):
                raise Fail("Error: Gateway can not be a local address.", 2)
            if w.is_link_local(a.via):
                if dev is None:
                    raise Fail("Error: Egress device not specified.", 2)
            else:
                gw_route = node.lookup(a.via, dev)
                if gw_route is None or gw_route.via is not None or gw_route.kind != "unicast":
                    raise Fail("RTNETLINK answers: No route to host", 2)
                dev = gw_route.dev
        elif dev is None:
            raise Fail("RTNETLINK answers: No such device", 2)
        assert dev is not None
        if not node.ifaces[dev].up:
            raise Fail("Error: Nexthop device is not up.", 2)
    same = [r for r in node.routes if (r.dst, r.length, r.metric) == (a.dst[0], a.dst[1], metric)]
    if same and not replace:
        raise Fail("RTNETLINK answers: File exists", 2)
    for r in same:
        node.routes.remove(r)
    node.add_route(
        RouteEntry(
            a.dst[0],
            a.dst[1],
            a.via,
            dev if a.kind == "unicast" else None,
            a.proto,
            metric,
            kind=a.kind,
        )
    )
    return 0


def _route_del(ctx: Ctx, args: list[str]) -> int:
    node = ctx.node
    a = _route_args(args)
    assert a.dst is not None
    if a.dev is not None and a.dev not in node.ifaces:
        raise Fail(f'Cannot find device "{a.dev}"', 1)
    for r in sorted(node.routes, key=_trie_key):
        if (r.dst, r.length) != a.dst:
            continue
        if a.via is not None and r.via != a.via:
            continue
        if a.dev is not None and r.dev != a.dev:
            continue
        if a.metric is not None and r.metric != a.metric:
            continue
        node.routes.remove(r)
        return 0
    raise Fail("RTNETLINK answers: No such process", 2)


def _route_get(ctx: Ctx, args: list[str]) -> int:
    node = ctx.node
    dst_text = None
    oif = None
    it = iter(args)
    for word in it:
        if word in ("oif", "dev"):
            oif = next(it, None)
        elif word in ("from", "iif", "mark"):
            next(it, None)
        elif word != "to":
            dst_text = word
    if dst_text is None:
        raise Fail("need at least a destination address", 1)
    dst, _, _ = _prefix_arg(dst_text, "inet6 address")
    local = node.local_address(dst)
    if local is not None and not w.is_link_local(dst):
        ctx.out.add(
            f"local {format_address(dst)} from :: dev lo table local proto kernel "
            f"src {format_address(dst)} metric 0 pref medium"
        )
        return 0
    route = node.lookup(dst, oif)
    if route is None or route.kind != "unicast":
        raise Fail("RTNETLINK answers: Network is unreachable", 2)
    assert route.dev is not None
    src = node.source_for(dst, node.ifaces[route.dev])
    parts = [format_address(dst), "from ::"]
    if route.via is not None:
        parts.append(f"via {format_address(route.via)}")
    parts.append(f"dev {route.dev}")
    if route.proto != "boot":
        parts.append(f"proto {route.proto}")
    if src is not None:
        parts.append(f"src {format_address(src)}")
    parts.append(f"metric {route.metric}")
    if route.hoplimit:
        parts.append(f"hoplimit {route.hoplimit}")
    parts.append(f"pref {route.pref}")
    ctx.out.add(" ".join(parts))
    return 0
