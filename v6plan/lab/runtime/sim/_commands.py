"""The trainee's command surface in the simulator: ``ip``, ``ping``, ``traceroute``,
``sysctl``, ``rdisc6`` — with the output shape of the real tools on Debian 12
(iproute2 6.1, iputils 20221126, traceroute 2.1, ndisc6 1.0, procps 4).

Every command runs on virtual time: ``ping -c 3`` lets three seconds pass in the
simulated network, so timers (DAD, neighbour states, RAs) move as on a real host.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from ...._limits import whole_number
from ...._prefix import format_address, format_prefix, parse_address
from .. import _wire as w
from .._backend import CommandResult
from ._stack import (
    CONF_DEFAULTS,
    INFINITY,
    NEIGH_DEFAULTS,
    PERMANENT,
    Iface,
    Neigh,
    Node,
    RouteEntry,
)

__all__ = ["COMMANDS", "run_command"]

_ADDR_FLAG_ORDER = (
    "nodad",
    "optimistic",
    "dadfailed",
    "deprecated",
    "tentative",
    "dynamic",
    "mngtmpaddr",
    "noprefixroute",
    "stable-privacy",
)


class Fail(Exception):
    """A command error: message for stderr and the real tool's exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Out:
    lines: list[str] = field(default_factory=list)

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)


def run_command(
    node: Node, argv: list[str], netns_of: Callable[[str], str], timeout: float
) -> CommandResult:
    """Run one command line on ``node``; unknown commands get a clear error (exit 127)."""
    if not argv:
        return CommandResult(2, "", "v6lab sim: no command given\n")
    name = argv[0].rsplit("/", 1)[-1]
    handler = COMMANDS.get(name)
    if handler is None:
        known = ", ".join(sorted(COMMANDS))
        return CommandResult(
            127,
            "",
            f"{name}: command not available in the simulator (it runs: {known}); "
            "for a real shell start the lab with --backend netns\n",
        )
    out = Out()
    ctx = Ctx(node, out, netns_of, timeout)
    try:
        code = handler(ctx, argv[1:])
    except Fail as exc:
        return CommandResult(exc.code, out.text(), ctx.err.text() + exc.message + "\n")
    return CommandResult(code, out.text(), ctx.err.text())


@dataclass
class Ctx:
    node: Node
    out: Out
    netns_of: Callable[[str], str]
    timeout: float
    err: Out = field(default_factory=Out)

    def iface(self, name: str, missing: str = 'Cannot find device "{}"') -> Iface:
        iface = self.node.ifaces.get(name)
        if iface is None:
            raise Fail(missing.format(name), 1)
        return iface


# -- helpers ----------------------------------------------------------------------------------------
def _matches(word: str, full: str) -> bool:
    """iproute2's abbreviation rule: ``a``, ``ad``, ``addr`` all match ``address``."""
    return bool(word) and full.startswith(word)


def _prefix_arg(text: str, what: str = "inet6 prefix") -> tuple[int, int, bool]:
    """(address, length, had_length) for ``addr[/len]``."""
    addr_text, slash, length_text = text.partition("/")
    try:
        addr = parse_address(addr_text)
        length = int(length_text) if slash else 128
        if not 0 <= length <= 128:
            raise ValueError
    except ValueError:
        raise Fail(f'Error: {what} is expected rather than "{text}".', 1) from None
    return addr, length, bool(slash)


def _dst_text(route: RouteEntry) -> str:
    if route.length == 0:
        return "default"
    if route.length == 128:
        return format_address(route.dst)
    return format_prefix(route.dst, route.length)


def _flags_text(iface: Iface) -> str:
    if iface.loopback:
        return "<LOOPBACK,UP,LOWER_UP>" if iface.up else "<LOOPBACK>"
    if not iface.up:
        return "<BROADCAST,MULTICAST>"
    if not iface.carrier:
        return "<NO-CARRIER,BROADCAST,MULTICAST,UP>"
    return "<BROADCAST,MULTICAST,UP,LOWER_UP>"


def _state(iface: Iface) -> str:
    if iface.loopback:
        return "UNKNOWN"
    return "UP" if iface.running else "DOWN"


def _ifname_at(iface: Iface) -> str:
    return f"{iface.name}@if{iface.peer.index}" if iface.peer is not None else iface.name


def _ifname_local(ctx: Ctx, iface: Iface) -> str:
    """iproute2's name when it lacks the peer's namespace (``-6`` address listings): the
    peer's ifindex is looked up locally — ``eth1@eth0`` when that index exists here."""
    if iface.peer is None or iface.peer.index == iface.index:
        return iface.name
    local = next((i for i in ctx.node.ifaces.values() if i.index == iface.peer.index), None)
    return (
        f"{iface.name}@{local.name}" if local is not None else f"{iface.name}@if{iface.peer.index}"
    )


def _mtu(node: Node, iface: Iface) -> int:
    return node.conf[iface.name]["mtu"] if not iface.loopback else 65536


def _link_line(ctx: Ctx, iface: Iface, mode: bool) -> str:
    mode_text = " mode DEFAULT" if mode else ""
    return (
        f"{iface.index}: {_ifname_at(iface)}: {_flags_text(iface)} mtu {_mtu(ctx.node, iface)} "
        f"qdisc noqueue state {_state(iface)}{mode_text} group default qlen 1000"
    )


def _ether_line(ctx: Ctx, iface: Iface) -> str:
    if iface.loopback:
        return "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"
    tail = f" link-netns {ctx.netns_of(iface.peer.node.name)}" if iface.peer is not None else ""
    return f"    link/ether {iface.mac} brd ff:ff:ff:ff:ff:ff{tail}"


def _addr_lines(ctx: Ctx, iface: Iface) -> list[str]:
    now = ctx.node.world.now
    lines = []
    for a in iface.addrs:
        flags = set(a.flags)
        if "permanent" not in flags:
            flags.add("dynamic")
        words = "".join(f"{f} " for f in _ADDR_FLAG_ORDER if f in flags)
        lines.append(
            f"    inet6 {format_address(a.addr)}/{a.plen} scope {w.scope_name(a.addr)} {words}"
        )
        age = int(now - a.created)
        valid = "forever" if a.valid == INFINITY else f"{max(0, a.valid - age)}sec"
        pref = "forever" if a.preferred == INFINITY else f"{max(0, a.preferred - age)}sec"
        lines.append(f"       valid_lft {valid} preferred_lft {pref}")
    return lines


# -- ip ------------------------------------------------------------------------------------------------
def cmd_ip(ctx: Ctx, args: list[str]) -> int:
    family6 = False
    brief = False
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt in ("-6", "-family=inet6"):
            family6 = True
        elif opt == "-4":
            raise Fail("v6lab sim: the simulator has IPv6 only; drop -4", 1)
        elif opt in ("-br", "-brief"):
            brief = True
        elif opt in ("-c", "-color", "-n", "-numeric", "-d", "-details", "-s", "-stats"):
            continue
        elif opt in ("-f", "-family"):
            fam = args.pop(0) if args else ""
            if fam not in ("inet6", "6"):
                raise Fail("v6lab sim: the simulator has IPv6 only", 1)
            family6 = True
        elif opt in ("-j", "-json"):
            raise Fail("v6lab sim: ip -json is not simulated; the checks read state directly", 1)
        else:
            raise Fail(f'Option "{opt}" is unknown, try "ip -help".', 255)
    if not args:
        raise Fail(
            "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n"
            "where  OBJECT := { address | link | neighbour | route }  (simulated)",
            255,
        )
    obj, rest = args[0], args[1:]
    if _matches(obj, "address"):
        return _ip_addr(ctx, rest, family6, brief)
    if _matches(obj, "route"):
        return _ip_route(ctx, rest)
    if obj in ("n", "ne", "nei", "neig", "neigh", "neighbor", "neighbour"):
        return _ip_neigh(ctx, rest)
    if _matches(obj, "link"):
        return _ip_link(ctx, rest, brief)
    raise Fail(f'Object "{obj}" is unknown, try "ip help".', 1)


def _ip_addr(ctx: Ctx, args: list[str], family6: bool, brief: bool) -> int:
    verb = args[0] if args else "show"
    rest = args[1:]
    if verb in ("show", "list", "lst", "ls", "sh", "s", "l") or (args and args[0] == "dev"):
        if args and args[0] == "dev":
            rest = args
        return _addr_show(ctx, rest, family6, brief)
    if verb in ("add", "a", "replace", "change"):
        return _addr_add(ctx, rest, replace=verb != "add" and verb != "a")
    if _matches(verb, "delete"):
        return _addr_del(ctx, rest)
    if _matches(verb, "flush"):
        return _addr_flush(ctx, rest)
    raise Fail(f'Command "{verb}" is unknown, try "ip address help".', 1)


def _dev_and_scope(args: list[str], flags: tuple[str, ...] = ()) -> tuple[str | None, str | None]:
    """``[dev] NAME [scope S]`` as `ip address show|flush` read them (``flags`` are skipped)."""
    dev = scope = None
    it = iter(args)
    for word in it:
        if word == "dev":
            dev = next(it, None)
        elif word == "scope":
            scope = next(it, None)
        elif word not in flags:
            dev = word
    return dev, scope


def _addr_show(ctx: Ctx, args: list[str], family6: bool, brief: bool) -> int:
    dev, scope = _dev_and_scope(args, ("up", "permanent", "dynamic", "tentative", "dadfailed"))
    ifaces = list(ctx.node.ifaces.values())
    if dev is not None:
        iface = ctx.node.ifaces.get(dev)
        if iface is None:
            raise Fail(f'Device "{dev}" does not exist.', 1)
        ifaces = [iface]
    for iface in ifaces:
        addrs = [a for a in iface.addrs if scope is None or w.scope_name(a.addr) == scope]
        if brief:
            name = _ifname_local(ctx, iface) if family6 else _ifname_at(iface)
            words = [] if family6 or not iface.loopback else ["127.0.0.1/8"]
            words += [f"{format_address(a.addr)}/{a.plen}" for a in addrs]
            ctx.out.add(f"{name:<16} {_state(iface):<14} " + "".join(f"{x} " for x in words))
            continue
        if family6:
            if not addrs:
                continue
            if dev is not None:
                tail = f" link-netns {ctx.netns_of(iface.peer.node.name)}" if iface.peer else ""
                ctx.out.add(_link_line(ctx, iface, mode=False) + tail)
            else:
                ctx.out.add(
                    f"{iface.index}: {_ifname_local(ctx, iface)}: {_flags_text(iface)} "
                    f"mtu {_mtu(ctx.node, iface)} state {_state(iface)} qlen 1000"
                )
        else:
            ctx.out.add(_link_line(ctx, iface, mode=False))
            ctx.out.add(_ether_line(ctx, iface))
            if iface.loopback:
                ctx.out.add("    inet 127.0.0.1/8 scope host lo")
                ctx.out.add("       valid_lft forever preferred_lft forever")
        save = iface.addrs
        iface.addrs = addrs
        try:
            for line in _addr_lines(ctx, iface):
                ctx.out.add(line)
        finally:
            iface.addrs = save
    return 0


def _addr_args(ctx: Ctx, args: list[str]) -> tuple[int, int, bool, Iface | None, set[str]]:
    addr = None
    dev = None
    flags: set[str] = set()
    it = iter(args)
    for word in it:
        if word == "dev":
            dev = next(it, None)
            if dev is None:
                raise Fail('Command line is not complete. Try option "help"', 255)
        elif word in ("nodad", "noprefixroute"):
            flags.add(word)
        elif word in ("scope", "valid_lft", "preferred_lft", "label", "metric"):
            next(it, None)
        elif word == "local":
            addr = _prefix_arg(next(it, ""))
        elif addr is None:
            addr = _prefix_arg(word)
        else:
            raise Fail(f'Error: either "local" is duplicate, or "{word}" is a garbage.', 1)
    if addr is None:
        raise Fail('Not enough information: "dev" argument is required.', 1)
    if dev is None:
        raise Fail('Not enough information: "dev" argument is required.', 1)
    iface = ctx.iface(dev)
    return addr[0], addr[1], addr[2], iface, flags


def _addr_add(ctx: Ctx, args: list[str], replace: bool) -> int:
    addr, plen, _, iface, flags = _addr_args(ctx, args)
    assert iface is not None
    node = ctx.node
    if w.is_multicast(addr) or addr == 0:
        raise Fail("Error: ipv6: Invalid address.", 2)
    existing = iface.find(addr)
    if existing is not None:
        if replace:
            return 0
        raise Fail("Error: ipv6: address already assigned.", 2)
    if node.conf[iface.name]["disable_ipv6"]:
        raise Fail("Error: ipv6: IPv6 is disabled on this device.", 2)
    node.add_address(iface, addr, plen, {"permanent", *flags})
    return 0


def _addr_del(ctx: Ctx, args: list[str]) -> int:
    addr, plen, had_length, iface, _ = _addr_args(ctx, args)
    assert iface is not None
    for a in iface.addrs:
        if a.addr == addr and (a.plen == plen or not had_length):
            ctx.node.del_address(iface, a)
            return 0
    raise Fail("Error: ipv6: address not found.", 2)


def _addr_flush(ctx: Ctx, args: list[str]) -> int:
    dev, scope = _dev_and_scope(args)
    if dev is None:
        raise Fail("Flush requires arguments.", 1)
    iface = ctx.iface(dev, 'Device "{}" does not exist.')
    for a in list(iface.addrs):
        if scope is None or w.scope_name(a.addr) == scope:
            ctx.node.del_address(iface, a)
    return 0


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


# -- ip neigh ------------------------------------------------------------------------------------------
def _neigh_line(n: Neigh, show_dev: bool) -> str:
    parts = [format_address(n.addr)]
    if show_dev:
        parts.append(f"dev {n.dev}")
    if n.lladdr is not None and n.state not in ("INCOMPLETE", "FAILED"):
        parts.append(f"lladdr {w.mac_text(n.lladdr)}")
    if n.router:
        parts.append("router")
    return " ".join(parts) + f" {n.state} "


def _ip_neigh(ctx: Ctx, args: list[str]) -> int:
    node = ctx.node
    verb = args[0] if args else "show"
    rest = args[1:]
    if verb in ("show", "list", "lst", "ls", "sh", "s", "l") or verb == "dev":
        if verb == "dev":
            rest = args
        dev = None
        it = iter(rest)
        for word in it:
            if word == "dev":
                dev = next(it, None)
        if dev is not None and dev not in node.ifaces:
            raise Fail(f'Cannot find device "{dev}"', 1)
        for n in node.neigh.values():
            if dev is None or n.dev == dev:
                ctx.out.add(_neigh_line(n, dev is None))
        return 0
    if verb in ("add", "replace", "change"):
        addr = None
        lladdr = None
        dev = None
        it = iter(rest)
        for word in it:
            if word == "lladdr":
                lladdr = next(it, "")
            elif word == "dev":
                dev = next(it, None)
            elif word in ("nud", "router", "permanent"):
                if word == "nud":
                    next(it, None)
            elif addr is None:
                addr = _prefix_arg(word, "inet6 address")[0]
        if addr is None or dev is None:
            raise Fail("Device and destination are required arguments.", 255)
        iface = ctx.iface(dev)
        if lladdr is None:
            raise Fail("Error: lladdr is required for a permanent entry.", 2)
        try:
            mac = w.mac_bytes(lladdr)
            if len(mac) != 6:
                raise ValueError
        except ValueError:
            raise Fail(f'"{lladdr}" is invalid lladdr.', 1) from None
        key = (iface.name, addr)
        if key in node.neigh and verb == "add" and node.neigh[key].state == PERMANENT:
            raise Fail("RTNETLINK answers: File exists", 2)
        old = node.neigh.get(key)
        n = Neigh(addr, iface.name, mac, PERMANENT)
        if old is not None:
            n.queue = old.queue
            if old.timer is not None:
                old.timer.cancel()
        node.neigh[key] = n
        node._neigh_flush_queue(iface, n)
        return 0
    if _matches(verb, "delete") or _matches(verb, "flush"):
        dev = None
        addr = None
        it = iter(rest)
        for word in it:
            if word == "dev":
                dev = next(it, None)
            elif word not in ("all",):
                addr = _prefix_arg(word, "inet6 address")[0]
        removed = False
        for key in list(node.neigh):
            n = node.neigh[key]
            if (dev is None or n.dev == dev) and (addr is None or n.addr == addr):
                if verb.startswith("f") and n.state == PERMANENT:
                    continue
                node._neigh_drop(node.neigh.pop(key))
                removed = True
        if not removed and _matches(verb, "delete"):
            raise Fail("RTNETLINK answers: No such file or directory", 2)
        return 0
    raise Fail(f'Command "{verb}" is unknown, try "ip neigh help".', 255)


# -- ip link ---------------------------------------------------------------------------------------------
def _ip_link(ctx: Ctx, args: list[str], brief: bool) -> int:
    node = ctx.node
    verb = args[0] if args else "show"
    rest = args[1:]
    if verb in ("show", "list", "lst", "ls", "sh", "s", "l"):
        dev = None
        it = iter(rest)
        for word in it:
            dev = next(it, None) if word == "dev" else word
        ifaces = list(node.ifaces.values())
        if dev is not None:
            ifaces = [ctx.iface(dev, 'Device "{}" does not exist.')]
        for iface in ifaces:
            if brief:
                ctx.out.add(
                    f"{_ifname_at(iface):<16} {_state(iface):<14} {iface.mac} {_flags_text(iface)} "
                )
                continue
            ctx.out.add(_link_line(ctx, iface, mode=True))
            ctx.out.add(_ether_line(ctx, iface))
        return 0
    if verb == "set":
        dev = None
        actions: list[tuple[str, str | None]] = []
        it = iter(rest)
        for word in it:
            if word == "dev":
                dev = next(it, None)
            elif word in ("up", "down"):
                actions.append((word, None))
            elif word == "mtu":
                actions.append(("mtu", next(it, "")))
            elif dev is None:
                dev = word
            else:
                raise Fail(f'Error: either "dev" is duplicate, or "{word}" is a garbage.', 1)
        if dev is None:
            raise Fail('Not enough of information: "dev" argument is required.', 1)
        iface = ctx.iface(dev)
        for action, value in actions:
            if action == "mtu":
                number = None if value is None else whole_number(value)
                if number is None:
                    raise Fail(f'Error: argument "{value}" is wrong: Invalid "mtu" value', 1)
                mtu = number
                if not 68 <= mtu <= 65535 or (not iface.loopback and mtu > 65535):
                    raise Fail("Error: mtu greater than device maximum.", 2)
                node.conf[iface.name]["mtu"] = mtu
            else:
                node.set_up(iface, action == "up")
        return 0
    raise Fail(f'Command "{verb}" is unknown, try "ip link help".', 255)


# -- sysctl ------------------------------------------------------------------------------------------
_HINT_KEYS = ("stable_secret",)


def _sysctl_keys(node: Node) -> list[str]:
    keys = []
    for scope in ("all", "default", *node.ifaces):
        for key in sorted((*CONF_DEFAULTS, *_HINT_KEYS)):
            keys.append(f"net.ipv6.conf.{scope}.{key}")
    for scope in ("default", *node.ifaces):
        for key in sorted(NEIGH_DEFAULTS):
            keys.append(f"net.ipv6.neigh.{scope}.{key}")
    keys += [f"net.ipv6.icmp.{key}" for key in sorted(node.icmp)]
    return keys


def _sysctl_read(node: Node, key: str) -> str:
    parts = key.split(".")
    if len(parts) == 4 and parts[:3] == ["net", "ipv6", "icmp"] and parts[3] in node.icmp:
        return str(node.icmp[parts[3]])
    if len(parts) == 5 and parts[:3] == ["net", "ipv6", "conf"]:
        scope, name = parts[3], parts[4]
        if scope in node.conf:
            if name == "stable_secret":
                secret = node.secrets.get(scope)
                if secret is None:
                    raise Fail(f'sysctl: reading key "{key}"', 1)
                return format_address(secret)
            if name in node.conf[scope]:
                return str(node.conf[scope][name])
    if len(parts) == 5 and parts[:3] == ["net", "ipv6", "neigh"]:
        scope, name = parts[3], parts[4]
        if scope in node.neigh_conf and name in node.neigh_conf[scope]:
            return str(node.neigh_conf[scope][name])
    raise Fail(
        f"sysctl: cannot stat /proc/sys/{key.replace('.', '/')}: No such file or directory", 1
    )


def sysctl_write(node: Node, key: str, value: str) -> str:
    """Write one sysctl with the kernel's side effects; returns the value as stored."""
    _sysctl_read_or_secret(node, key)
    parts = key.split(".")
    scope, name = (parts[3], parts[4]) if len(parts) == 5 else ("", parts[3])
    value = value.strip()
    if parts[2] == "conf" and name == "stable_secret":
        try:
            secret = parse_address(value)
        except ValueError:
            raise Fail(f'sysctl: setting key "{key}": Invalid argument', 1) from None
        node.secrets[scope] = secret
        if scope == "default":
            for name_ in node.ifaces:
                node.secrets.setdefault(name_, secret)
        return format_address(secret)
    try:
        number = int(value)
    except ValueError:
        raise Fail(f'sysctl: setting key "{key}": Invalid argument', 1) from None
    if parts[2] == "icmp":
        node.icmp[parts[3]] = number
    elif parts[2] == "conf":
        node.set_conf(scope, name, number)
    else:
        node.neigh_conf[scope][name] = number
    return str(number)


def _sysctl_read_or_secret(node: Node, key: str) -> None:
    try:
        _sysctl_read(node, key)
    except Fail as exc:
        if not key.endswith(".stable_secret") or "cannot stat" in exc.message:
            raise


def cmd_sysctl(ctx: Ctx, args: list[str]) -> int:
    write = False
    values_only = False
    quiet = False
    list_all = False
    items: list[str] = []
    for arg in args:
        if arg.startswith("-") and len(arg) > 1 and "=" not in arg:
            for ch in arg[1:]:
                if ch == "w":
                    write = True
                elif ch == "n":
                    values_only = True
                elif ch == "q":
                    quiet = True
                elif ch in ("a", "A", "X"):
                    list_all = True
                elif ch == "e":
                    continue
                else:
                    raise Fail(f"sysctl: invalid option -- '{ch}'", 2)
        else:
            items.append(arg)
    node = ctx.node
    if list_all and not items:
        items = ["net.ipv6"]
    code = 0
    errors: list[str] = []
    for item in items:
        item = item.replace("/", ".")
        if write or "=" in item:
            key, eq, value = item.partition("=")
            if not eq:
                errors.append(f'sysctl: "{item}" must be of the form name=value')
                code = 1
                continue
            key = key.strip()
            try:
                stored = sysctl_write(node, key, value)
            except Fail as exc:
                errors.append(exc.message)
                code = 1
                continue
            if not quiet:
                ctx.out.add(stored if values_only else f"{key} = {stored}")
            continue
        keys = [k for k in _sysctl_keys(node) if k == item or k.startswith(item + ".")]
        if not keys:
            errors.append(
                f"sysctl: cannot stat /proc/sys/{item.replace('.', '/')}: No such file or directory"
            )
            code = 1
            continue
        for key in keys:
            try:
                value = _sysctl_read(node, key)
            except Fail as exc:
                if len(keys) == 1:
                    errors.append(exc.message)
                    code = 1
                continue
            ctx.out.add(value if values_only else f"{key} = {value}")
    if errors:
        raise_with_output(errors, code)
    return code


def raise_with_output(errors: list[str], code: int) -> None:
    raise Fail("\n".join(errors), code)


# -- ping ---------------------------------------------------------------------------------------------
_UNREACH_TEXT = {
    0: "No route",
    1: "Administratively prohibited",
    2: "Beyond scope of source address",
    3: "Address unreachable",
    4: "Port unreachable",
    5: "Source address failed ingress/egress policy",
    6: "Reject route to destination",
}


def _rtt_text(ms: float) -> str:
    if ms >= 100:
        return f"{int(ms)}"
    if ms >= 10:
        return f"{ms:.1f}"
    if ms >= 1:
        return f"{ms:.2f}"
    return f"{ms:.3f}"


def _number(text: str, what: str, cast: Callable[[str], float] = float) -> float:
    try:
        return cast(text)
    except ValueError:
        raise Fail(f"ping: invalid argument: '{text}'", 1) from None


def _destination(ctx: Ctx, text: str, tool: str) -> tuple[int, str | None]:
    addr_text, _, zone = text.partition("%")
    try:
        return parse_address(addr_text), zone or None
    except ValueError:
        if tool == "traceroute":
            raise Fail(
                f'{text}: Temporary failure in name resolution\nCannot handle "host" cmdline arg `{text}\' on position 1 (argc 2)',
                2,
            ) from None
        raise Fail(f"{tool}: {text}: Temporary failure in name resolution", 2) from None


def cmd_ping(ctx: Ctx, args: list[str]) -> int:
    node = ctx.node
    count: int | None = None
    interval = 1.0
    wait = 10.0
    deadline: float | None = None
    hlim: int | None = None
    iface_opt: str | None = None
    size = 56
    quiet = False
    target: str | None = None
    it = iter(args)
    for arg in it:
        if arg in ("-6", "-n", "-v", "-U", "-A", "-D", "-O"):
            continue
        if arg == "-4":
            raise Fail("ping: the simulator has IPv6 only; use ping -6", 2)
        if arg == "-q":
            quiet = True
            continue
        opt, value = arg[:2], arg[2:]
        if opt in ("-c", "-i", "-W", "-w", "-t", "-I", "-s") and arg.startswith("-"):
            value = value or next(it, "")
            if opt == "-c":
                count = int(_number(value, "count", int))
                if count <= 0:
                    raise Fail(
                        f"ping: invalid argument: '{value}': out of range: 1 <= value <= 9223372036854775807",
                        1,
                    )
            elif opt == "-i":
                interval = _number(value, "interval")
            elif opt == "-W":
                wait = _number(value, "timeout")
            elif opt == "-w":
                deadline = _number(value, "deadline")
            elif opt == "-t":
                hlim = int(_number(value, "ttl", int))
                if not 0 <= hlim <= 255:
                    raise Fail(
                        f"ping: invalid argument: '{value}': out of range: 0 <= value <= 255", 1
                    )
            elif opt == "-I":
                iface_opt = value
            elif opt == "-s":
                size = int(_number(value, "size", int))
            continue
        if arg.startswith("-"):
            raise Fail(f"ping: invalid option -- '{arg[1:2]}'", 2)
        target = arg
    if target is None:
        raise Fail("ping: usage error: Destination address required", 1)
    dst, zone = _destination(ctx, target, "ping")
    src_bind: int | None = None
    oif_name = zone
    if iface_opt is not None:
        try:
            src_bind = parse_address(iface_opt)
        except ValueError:
            if iface_opt not in node.ifaces:
                raise Fail(f"ping: SO_BINDTODEVICE {iface_opt}: No such device", 2) from None
            oif_name = oif_name or iface_opt
    if w.is_link_local(dst) and oif_name is None:
        route = node.lookup(dst)
        oif_name = route.dev if route is not None else None
    oif = node.ifaces.get(oif_name) if oif_name else None
    local = node.is_local(dst, oif_name)
    route = None if local else node.lookup(dst, oif_name)
    if not local and not w.is_multicast(dst) and (route is None or route.kind != "unicast"):
        raise Fail("ping: connect: Network is unreachable", 2)
    if src_bind is not None:
        if node.local_address(src_bind) is None:
            raise Fail("ping: bind icmp socket: Cannot assign requested address", 2)
        src = src_bind
    else:
        out_iface = oif or (node.ifaces[route.dev] if route is not None and route.dev else None)
        if local:
            out_iface = node.ifaces["lo"] if not w.is_link_local(dst) else oif
        picked = dst if local else node.source_for(dst, out_iface)
        if picked is None:
            raise Fail("ping: connect: Cannot assign requested address", 2)
        src = picked
    if count is None and deadline is None:
        deadline = max(interval, ctx.timeout)
    shown = target if "%" in target else format_address(dst)
    world = node.world
    ident = world.rng.getrandbits(16)
    header = f"PING {shown}({shown}) {size} data bytes"
    if iface_opt is not None and src_bind is None:
        # iputils learns the source by a probe connect, which a scoped destination skips
        scoped = w.is_link_local(dst) or (w.is_multicast(dst) and w.scope_of(dst) <= 2)
        shown_src = "::" if scoped else format_address(src)
        header = f"PING {shown}({shown}) from {shown_src} {iface_opt}: {size} data bytes"
        if scoped:
            ctx.err.add(
                f"ping: Warning: source address might be selected on device other than: {iface_opt}"
            )
    elif src_bind is not None:
        header = f"PING {shown}({shown}) from {format_address(src_bind)} : {size} data bytes"
    ctx.out.add(header)
    sent: dict[int, float] = {}
    rtts: list[float] = []
    received: set[int] = set()
    errors = 0
    dups = 0
    lines: list[str] = []

    def listener(packet: bytes, _iface: Iface) -> None:
        nonlocal errors, dups
        if packet[6] != w.NH_ICMPV6 or len(packet) < 48:
            return
        kind = packet[40]
        who = w.from16(packet[8:24])
        who_text = format_address(who)
        if w.is_link_local(who) and oif_name:
            who_text += f"%{oif_name}"
        if kind == w.ECHO_REPLY:
            rid, seq = struct.unpack("!HH", packet[44:48])
            if rid != ident or seq not in sent:
                return
            if not w.is_multicast(dst) and w.from16(packet[8:24]) != dst:
                return
            rtt = (world.now - sent[seq]) * 1000.0
            dup = seq in received
            received.add(seq)
            if dup:
                dups += 1
            else:
                rtts.append(rtt)
            if not quiet:
                n = int.from_bytes(packet[4:6], "big")
                lines.append(
                    f"{n} bytes from {who_text}: icmp_seq={seq} ttl={packet[7]} "
                    f"time={_rtt_text(rtt)} ms" + (" (DUP!)" if dup else "")
                )
        elif kind in (w.DEST_UNREACH, w.TIME_EXCEEDED, w.PACKET_TOO_BIG, w.PARAM_PROBLEM):
            key = w.echo_key(packet[48:])
            if key is None or key[0] != ident or key[1] not in sent:
                return
            errors += 1
            code = packet[41]
            if kind == w.DEST_UNREACH:
                text = "Destination unreachable: " + _UNREACH_TEXT.get(code, f"Unknown code {code}")
            elif kind == w.TIME_EXCEEDED:
                text = "Time exceeded: " + ("Hop limit" if code == 0 else "Defragmentation failure")
            elif kind == w.PACKET_TOO_BIG:
                text = f"Packet too big: mtu={int.from_bytes(packet[44:48], 'big')}"
            else:
                text = f"Parameter problem: code {code}"
            lines.append(f"From {who_text} icmp_seq={key[1]} {text}")

    node.listeners.append(listener)
    start = world.now
    end_at = start + deadline if deadline is not None else None
    seq = 0
    send_errors: list[str] = []
    try:
        while True:
            if count is not None and seq >= count:
                break
            when = start + seq * interval
            if end_at is not None and when >= end_at:
                break
            _run(world, when, lines, ctx)
            seq += 1
            stamp = struct.pack("!QQ", int(world.now), int((world.now % 1) * 1e6))
            payload = (stamp + bytes(range(0x10, 0x10 + 40)))[:size] if size >= 16 else bytes(size)
            if size > 56:
                payload += bytes((i & 0xFF) for i in range(size - 56))
            hl = hlim if hlim is not None else node.conf[oif_name or "default"]["hop_limit"]
            packet = w.icmp6(
                w.a16(src),
                w.a16(dst),
                hl,
                w.ECHO_REQUEST,
                0,
                struct.pack("!HH", ident, seq) + payload,
            )
            sent[seq] = world.now
            problem = node.output(packet, oif_name)
            if problem is not None:
                send_errors.append(f"ping: sendmsg: {problem}")
                lines.append(f"ping: sendmsg: {problem}")
        last_send = start + (seq - 1) * interval if seq else start
        linger_end = last_send + wait
        if end_at is not None:
            linger_end = max(end_at, world.now) if count is None else min(linger_end, end_at)

        def all_in() -> bool:
            return len(received) + errors >= seq and not w.is_multicast(dst)

        world.run_until(linger_end, all_in)
        _flush(lines, ctx)
    finally:
        node.listeners.remove(listener)
    elapsed = round((last_send - start) * 1000)
    ctx.out.add("")
    ctx.out.add(f"--- {shown} ping statistics ---")
    loss = (seq - len(received)) * 100.0 / seq if seq else 0.0
    parts = [f"{seq} packets transmitted", f"{len(received)} received"]
    if dups:
        parts.append(f"+{dups} duplicates")
    if errors:
        parts.append(f"+{errors} errors")
    parts.append(f"{loss:g}% packet loss")
    parts.append(f"time {elapsed}ms")
    ctx.out.add(", ".join(parts))
    if rtts:
        avg = sum(rtts) / len(rtts)
        mdev = math.sqrt(max(0.0, sum(r * r for r in rtts) / len(rtts) - avg * avg))
        ctx.out.add(
            f"rtt min/avg/max/mdev = {min(rtts):.3f}/{avg:.3f}/{max(rtts):.3f}/{mdev:.3f} ms"
        )
    else:
        ctx.out.add("")
    return 0 if received else 1


def _run(world: object, when: float, lines: list[str], ctx: Ctx) -> None:
    world.run_until(when)  # type: ignore[attr-defined]
    _flush(lines, ctx)


def _flush(lines: list[str], ctx: Ctx) -> None:
    for line in lines:
        ctx.out.add(line)
    lines.clear()


# -- traceroute -------------------------------------------------------------------------------------------
_TRACE_ANNOT = {0: "!N", 1: "!X", 2: "!S", 3: "!H", 5: "!S", 6: "!X"}


def cmd_traceroute(ctx: Ctx, args: list[str]) -> int:
    node = ctx.node
    max_hops = 30
    first = 1
    queries = 3
    wait = 5.0
    port = 33434
    iface_opt: str | None = None
    target: str | None = None
    it = iter(args)
    for arg in it:
        if arg in ("-6", "-n", "-U"):
            continue
        if arg == "-4":
            raise Fail("traceroute: the simulator has IPv6 only; use traceroute -6", 2)
        if arg in ("-m", "-f", "-q", "-w", "-p", "-i") or (
            arg[:2] in ("-m", "-f", "-q", "-w", "-p", "-i") and len(arg) > 2
        ):
            value = arg[2:] or next(it, "")
            try:
                if arg[:2] == "-m":
                    max_hops = int(value)
                elif arg[:2] == "-f":
                    first = int(value)
                elif arg[:2] == "-q":
                    queries = int(value)
                elif arg[:2] == "-w":
                    wait = float(value.split(",")[0])
                elif arg[:2] == "-p":
                    port = int(value)
                else:
                    iface_opt = value
            except ValueError:
                raise Fail(f"Cannot handle `{arg}' option with arg `{value}'", 2) from None
            continue
        if arg.startswith("-"):
            raise Fail(
                f"Bad option `{arg}' (argc 1)\nthe simulator's traceroute knows -6 -n -m -f -q -w -p -i",
                2,
            )
        target = arg
    if target is None:
        raise Fail('Specify "host" missing argument.', 2)
    dst, zone = _destination(ctx, target, "traceroute")
    oif_name = zone or iface_opt
    shown = format_address(dst)
    ctx.out.add(f"traceroute to {shown} ({shown}), {max_hops} hops max, 80 byte packets")
    local = node.local_address(dst) is not None and not w.is_link_local(dst)
    route = None if local else node.lookup(dst, oif_name)
    if not local and (route is None or route.kind != "unicast"):
        raise Fail("connect: Network is unreachable", 1)
    out_iface = node.ifaces["lo"] if local else node.ifaces[route.dev or "lo"]  # type: ignore[union-attr]
    src = dst if local else node.source_for(dst, out_iface)
    if src is None:
        raise Fail("connect: Cannot assign requested address", 1)
    world = node.world
    sport = 32768 + world.rng.getrandbits(14)
    answers: dict[int, tuple[int, int, int, float]] = {}

    def listener(packet: bytes, _iface: Iface) -> None:
        if packet[6] != w.NH_ICMPV6 or len(packet) < 48 + 48:
            return
        kind, code = packet[40], packet[41]
        if kind not in (w.TIME_EXCEEDED, w.DEST_UNREACH):
            return
        quoted = packet[48:]
        if quoted[6] != w.NH_UDP or w.from16(quoted[24:40]) != dst:
            return
        qsport, qdport = struct.unpack("!HH", quoted[40:44])
        if qsport != sport:
            return
        answers.setdefault(qdport, (w.from16(packet[8:24]), kind, code, world.now))

    node.listeners.append(listener)
    probe_port = port
    try:
        for ttl in range(first, max_hops + 1):
            line = f"{ttl:2d} "
            last_who: int | None = None
            final = False
            for _ in range(queries):
                sent_at = world.now
                data = bytes(range(0x40, 0x40 + 32))
                packet = w.udp(w.a16(src), w.a16(dst), ttl, sport, probe_port, data)
                this_port = probe_port
                probe_port += 1
                problem = node.output(packet, oif_name)
                if problem is not None:
                    line += " *"
                    continue
                world.run_until(sent_at + wait, lambda p=this_port: p in answers)  # type: ignore[misc]
                answer = answers.get(this_port)
                if answer is None:
                    line += " *"
                    continue
                who, kind, code, at = answer
                if who != last_who:
                    line += f" {format_address(who)} ({format_address(who)})"
                    last_who = who
                line += f"  {(at - sent_at) * 1000:.3f} ms"
                if kind == w.DEST_UNREACH:
                    if code == 4:
                        final = True
                    else:
                        line += " " + _TRACE_ANNOT.get(code, f"!<{code}>")
                        final = True
            ctx.out.add(line)
            if final:
                break
    finally:
        node.listeners.remove(listener)
    return 0


# -- rdisc6 ---------------------------------------------------------------------------------------------
def _rd_seconds(label: str, value: int, unit: str = "seconds") -> str:
    if value == INFINITY:
        return f"{label}:     infinite (0xffffffff)"
    return f"{label}: {value:12d} (0x{value:08x}) {unit}"


def _rd_yes(label: str, flag: bool) -> str:
    return f"{label}: {'Yes' if flag else 'No':>12}"


def cmd_rdisc6(ctx: Ctx, args: list[str]) -> int:
    from . import _ndisc

    node = ctx.node
    single = False
    retries = 3
    wait = 1.0
    ifname = None
    it = iter(args)
    for arg in it:
        if arg in ("-1", "--single"):
            single = True
        elif arg in ("-n", "--numeric", "-q", "--quiet", "-v", "--verbose", "-m", "--multiple"):
            continue
        elif arg in ("-r", "--retry"):
            retries = int(next(it, "3"))
        elif arg in ("-w", "--wait"):
            wait = float(next(it, "1000")) / 1000.0
        elif arg.startswith("-"):
            raise Fail(f"rdisc6: invalid option -- '{arg.lstrip('-')}'", 2)
        elif ifname is None:
            ifname = arg
    if ifname is None:
        raise Fail("rdisc6: missing interface argument", 2)
    iface = node.ifaces.get(ifname)
    if iface is None or iface.loopback:
        raise Fail(f"{ifname}: No such device", 1)
    ctx.out.add(f"Soliciting ff02::2 (ff02::2) on {ifname}...")
    world = node.world
    adverts: list[_ndisc.NdMessage] = []

    def tap(frame: bytes) -> None:
        packet = frame[14:]
        if len(packet) > 40 and packet[6] == w.NH_ICMPV6 and packet[40] == w.RA:
            msg = _ndisc.parse(packet[: 40 + int.from_bytes(packet[4:6], "big")])
            if msg is not None:
                adverts.append(msg)

    iface.taps.append(tap)
    try:
        for _ in range(retries):
            if not iface.running:
                raise Fail("Sending ICMPv6 packet: Network is down", 1)
            ll = iface.link_local()
            src = ll.addr if ll is not None else 0
            packet = _ndisc.rs(src, None)
            if src == 0:
                iface.transmit(w.ether(w.multicast_mac(w.ALL_ROUTERS), iface.macb, packet))
            else:
                node.link_output(iface, w.ALL_ROUTERS, packet)
            started = world.now
            world.run_until(started + wait, lambda: bool(adverts) and single)
            if adverts:
                if not single:
                    world.run_until(started + wait)
                break
            ctx.out.add("Timed out.")
    finally:
        iface.taps.remove(tap)
    if not adverts:
        ctx.out.add("No response.")
        return 2
    for msg in adverts[:1] if single else adverts:
        ctx.out.add("")
        ctx.out.add(
            f"Hop limit                 :    {msg.hop_limit:9d} (      0x{msg.hop_limit:02x})"
            if msg.hop_limit
            else "Hop limit                 :    undefined (      0x00)"
        )
        ctx.out.add(_rd_yes("Stateful address conf.    ", msg.managed))
        ctx.out.add(_rd_yes("Stateful other conf.      ", msg.other))
        ctx.out.add(_rd_yes("Mobile home agent         ", False))
        ctx.out.add(f"Router preference         : {msg.preference:>12}")
        ctx.out.add(_rd_yes("Neighbor discovery proxy  ", False))
        ctx.out.add(_rd_seconds("Router lifetime           ", msg.router_lifetime))
        for label, value in (
            ("Reachable time            ", msg.reachable),
            ("Retransmit time           ", msg.retrans),
        ):
            if value:
                ctx.out.add(_rd_seconds(label, value, "milliseconds"))
            else:
                ctx.out.add(f"{label}:  unspecified (0x00000000)")
        for net, length, onlink, auto, valid, preferred in msg.prefixes:
            ctx.out.add(f" Prefix                   : {format_prefix(net, length)}")
            ctx.out.add(_rd_yes("  On-link                 ", onlink))
            ctx.out.add(_rd_yes("  Autonomous address conf.", auto))
            ctx.out.add(_rd_seconds("  Valid time              ", valid))
            ctx.out.add(_rd_seconds("  Pref. time              ", preferred))
        if msg.mtu:
            ctx.out.add(f" MTU                      : {msg.mtu:12d} bytes (valid)")
        if msg.lladdr is not None:
            ctx.out.add(f" Source link-layer address: {w.mac_text(msg.lladdr)}")
        ctx.out.add(f" from {format_address(msg.src)}")
    return 0


def cmd_hostname(ctx: Ctx, args: list[str]) -> int:
    ctx.out.add(ctx.node.name)
    return 0


COMMANDS: dict[str, Callable[[Ctx, list[str]], int]] = {
    "ip": cmd_ip,
    "ping": cmd_ping,
    "ping6": cmd_ping,
    "traceroute": cmd_traceroute,
    "traceroute6": cmd_traceroute,
    "sysctl": cmd_sysctl,
    "rdisc6": cmd_rdisc6,
    "hostname": cmd_hostname,
}
