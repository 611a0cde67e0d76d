"""``ip -6 route``: the main and local tables (text or ``-json``), adding, deleting,
``get``. Without ``-6`` a listing is IPv4's, as iproute2's (the simulator has none but
lo's 127.0.0.1)."""

from __future__ import annotations

from dataclasses import dataclass

from ...._limits import whole_number
from ...._prefix import format_address, parse_address
from .. import _wire as w
from . import _views as v
from ._cmdbase import Ctx, Fail, IpOpts, _matches, _prefix_arg
from ._stack import RouteEntry

__all__ = ["ip_route"]

_SHOW = ("show", "list", "lst", "ls", "sh", "s", "l")
#: ``ip route show table local`` of a namespace whose lo has 127.0.0.1/8
_IPV4_LOCAL = (
    "local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 ",
    "local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 ",
    "broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 ",
)


def ip_route(ctx: Ctx, args: list[str], opts: IpOpts) -> int:
    verb = args[0] if args else "show"
    rest = args[1:]
    if verb in _SHOW:
        return _route_show(ctx, rest, opts)
    if verb in ("dev", "proto", "table"):
        return _route_show(ctx, args, opts)
    if verb in ("add", "a", "append"):
        return _route_add(ctx, rest, replace=False)
    if verb in ("replace", "change", "chg"):
        return _route_add(ctx, rest, replace=True)
    if _matches(verb, "delete"):
        return _route_del(ctx, rest)
    if _matches(verb, "get"):
        return _route_get(ctx, rest, opts)
    if _matches(verb, "flush"):
        dev = (
            rest[rest.index("dev") + 1]
            if "dev" in rest and rest.index("dev") + 1 < len(rest)
            else None
        )
        ctx.node.routes = [r for r in ctx.node.routes if dev is not None and r.dev != dev]
        return 0
    raise Fail(f'Command "{verb}" is unknown, try "ip route help".', 255)


@dataclass
class _ShowArgs:
    dev: str | None = None
    proto: str | None = None
    table: str = "main"
    exact: tuple[int, int] | None = None


def _show_args(ctx: Ctx, args: list[str]) -> _ShowArgs:
    parsed = _ShowArgs()
    it = iter(args)
    for word in it:
        if word == "dev":
            parsed.dev = next(it, None)
        elif word == "proto":
            parsed.proto = next(it, None)
        elif word == "table":
            parsed.table = next(it, "main")
        elif word in ("type", "scope"):
            next(it, None)
        elif word == "default":
            parsed.exact = (0, 0)
        elif word not in ("all", "main", "exact", "to"):
            addr, length, _ = _prefix_arg(word)
            parsed.exact = (w.network(addr, length), length)
    if parsed.dev is not None and parsed.dev not in ctx.node.ifaces:
        raise Fail(f'Cannot find device "{parsed.dev}"', 1)
    if parsed.table not in ("main", "local", "all", "254", "255", "0"):
        raise Fail(f'Error: argument "{parsed.table}" is wrong: "table" value is invalid', 255)
    return parsed


def _route_show(ctx: Ctx, args: list[str], opts: IpOpts) -> int:
    if "cache" in args:
        return _cache_show(ctx, opts)
    a = _show_args(ctx, args)
    every = a.table in ("all", "0")
    local = a.table in ("local", "255")
    texts: list[str] = []
    items: list[dict[str, object]] = []
    if opts.family != "inet6":  # IPv4's tables: only lo's local entries
        texts, items = _ipv4_local(a, local or every, every)
        if not (every and opts.family is None):  # table all without -4 lists both
            _emit(ctx, opts, texts, items)
            return 0
    for fields in _ipv6_routes(ctx, a, local, every):
        texts.append(v.as_text(fields))
        items.append(v.as_json(fields))
    _emit(ctx, opts, texts, items)
    return 0


def _cache_show(ctx: Ctx, opts: IpOpts) -> int:
    """``ip -6 route show cache``: the route exceptions, one /128 per path MTU learned."""
    node = ctx.node
    texts: list[str] = []
    items: list[dict[str, object]] = []
    for dst in sorted(node.pmtu):
        learned = node.pmtu_exception(dst)
        route = node.lookup(dst)
        if learned is None or route is None:
            continue
        entry = RouteEntry(dst, 128, route.via, route.dev, route.proto, route.metric)
        entry.expires, entry.mtu, entry.pref = learned[1], learned[0], route.pref
        fields = v.route_fields(node, entry)
        texts.append(v.as_text(fields))
        items.append(v.as_json(fields))
    _emit(ctx, opts, texts, items)
    return 0


def _emit(ctx: Ctx, opts: IpOpts, texts: list[str], items: list[dict[str, object]]) -> None:
    if opts.json:
        ctx.out.add(v.dump(items))
        return
    for line in texts:
        ctx.out.add(line)


def _ipv6_routes(ctx: Ctx, a: _ShowArgs, local: bool, every: bool) -> list[list[v.Field]]:
    node = ctx.node
    routes: list[tuple[RouteEntry, str | None]] = []
    if not local:
        routes += [(r, None) for r in sorted(node.routes, key=v.trie_key)]
    if local or every:
        routes += [(r, "local" if every else None) for r in v.local_table(node)]
    shown = []
    for r, table in routes:  # an expired route is listed until the fib gc takes it
        if a.dev is not None and r.dev != a.dev:
            continue
        if a.proto is not None and r.proto != a.proto:
            continue
        if a.exact is not None and (r.dst, r.length) != a.exact:
            continue
        shown.append(v.route_fields(node, r, show_dev=a.dev is None, table=table))
    return shown


def _ipv4_local(
    a: _ShowArgs, local: bool, named: bool
) -> tuple[list[str], list[dict[str, object]]]:
    """lo's 127.0.0.1 entries of IPv4's local table (text lines and JSON objects)."""
    if not local or a.dev not in (None, "lo") or a.exact is not None:
        return [], []
    texts = [
        line.replace(" dev lo ", " dev lo table local ") if named else line for line in _IPV4_LOCAL
    ]
    table: dict[str, object] = {"table": "local"} if named else {}
    items: list[dict[str, object]] = []
    for kind, dst, scope in (
        ("local", "127.0.0.0/8", "host"),
        ("local", "127.0.0.1", "host"),
        ("broadcast", "127.255.255.255", "link"),
    ):
        items.append(
            {
                "type": kind,
                "dst": dst,
                "dev": "lo",
                **table,
                "protocol": "kernel",
                "scope": scope,
                "prefsrc": "127.0.0.1",
                "flags": [],
            }
        )
    return texts, items


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
    for r in sorted(node.routes, key=v.trie_key):
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


@dataclass
class _GetArgs:
    dst: int = 0
    src: int | None = None
    oif: str | None = None
    iif: str | None = None


def _get_args(args: list[str]) -> _GetArgs:
    parsed = _GetArgs()
    dst_text = None
    it = iter(args)
    for word in it:
        if word in ("oif", "dev"):
            parsed.oif = next(it, None)
        elif word == "iif":
            parsed.iif = next(it, None)
        elif word == "from":
            parsed.src = _prefix_arg(next(it, ""), "inet6 address")[0]
        elif word == "mark":
            next(it, None)
        elif word != "to":
            dst_text = word
    if dst_text is None:
        raise Fail("need at least a destination address", 1)
    parsed.dst = _prefix_arg(dst_text, "inet6 address")[0]
    return parsed


def _route_get(ctx: Ctx, args: list[str], opts: IpOpts) -> int:
    """``ip route get``: the route a packet would take, with the given source or ``::``;
    to one of our addresses the local table's ``local`` or ``anycast`` entry."""
    node = ctx.node
    a = _get_args(args)
    if a.iif is not None and a.iif not in node.ifaces:
        raise Fail(f'Cannot find device "{a.iif}"', 1)
    shown_src = format_address(a.src if a.src is not None else 0)
    fields: list[v.Field] = []
    pref = "medium"
    kind = _local_kind(ctx, a)
    if kind is not None:
        fields += [("type", kind, kind), ("dst", format_address(a.dst), format_address(a.dst))]
        fields += [("from", f"from {shown_src}", shown_src), ("dev", "dev lo", "lo")]
        fields += [("table", "table local", "local"), ("protocol", "proto kernel", "kernel")]
        src = a.dst if kind == "local" else node.source_for(a.dst, None)
        if a.iif is None and src is not None:
            fields.append(("prefsrc", f"src {format_address(src)}", format_address(src)))
        fields += [("metric", "metric 0", 0), ("flags", None, [])]
    else:
        fields = _unicast_get(ctx, a, shown_src)
        route = node.lookup(a.dst, a.oif)
        pref = route.pref if route is not None else pref  # an RA's router preference
    if a.iif is not None:
        fields.append(("iif", f"iif {a.iif}", a.iif))
    fields.append(("pref", f"pref {pref}", pref))
    if opts.json:
        ctx.out.add(v.dump([v.as_json(fields)]))
    else:
        ctx.out.add(v.as_text(fields))
    return 0


def _local_kind(ctx: Ctx, a: _GetArgs) -> str | None:
    """``local`` or ``anycast`` when the destination is ours (a link-local anycast on
    the interface asked about, or on any without one)."""
    node = ctx.node
    if w.is_link_local(a.dst):
        name = a.iif or a.oif
        ifaces = [node.ifaces[name]] if name in node.ifaces else list(node.ifaces.values())
        return "anycast" if any(a.dst in i.anycast for i in ifaces) else None
    if node.local_address(a.dst) is not None:
        return "local"
    return "anycast" if node.is_anycast(a.dst) else None


def _unicast_get(ctx: Ctx, a: _GetArgs, shown_src: str) -> list[v.Field]:
    node = ctx.node
    route = node.lookup(a.dst, a.oif)
    if route is None or route.kind != "unicast":
        raise Fail("RTNETLINK answers: Network is unreachable", 2)
    assert route.dev is not None
    fields: list[v.Field] = [("dst", format_address(a.dst), format_address(a.dst))]
    fields.append(("from", f"from {shown_src}", shown_src))
    if route.via is not None:
        fields.append(("gateway", f"via {format_address(route.via)}", format_address(route.via)))
    fields.append(("dev", f"dev {route.dev}", route.dev))
    if route.proto != "boot":
        fields.append(("protocol", f"proto {route.proto}", route.proto))
    src = node.source_for(a.dst, node.ifaces[route.dev])
    if src is not None and a.iif is None:
        fields.append(("prefsrc", f"src {format_address(src)}", format_address(src)))
    fields += [("metric", f"metric {route.metric}", route.metric), ("flags", None, [])]
    mtu = route.mtu
    learned = node.pmtu_exception(a.dst)  # a route exception: the PMTU learned, its expiry
    if learned is not None:
        left = v.seconds_left(learned[1] - node.world.now)
        fields.append(("expires", f"expires {left}sec", left))
        mtu = learned[0]
    metrics = {k: value for k, value in (("mtu", mtu), ("hoplimit", route.hoplimit)) if value}
    if metrics:
        words = " ".join(f"{k} {value}" for k, value in metrics.items())
        fields.append(("metrics", words, [metrics]))
    return fields
