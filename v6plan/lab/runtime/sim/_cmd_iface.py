"""``ip address`` and ``ip link``: interfaces, their addresses, in iproute2's text."""

from __future__ import annotations

from ...._limits import whole_number
from ...._prefix import format_address
from .. import _wire as w
from ._cmdbase import Ctx, Fail, _matches, _prefix_arg
from ._stack import (
    INFINITY,
    Iface,
    Node,
)

__all__ = ["_ADDR_FLAG_ORDER"]


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
