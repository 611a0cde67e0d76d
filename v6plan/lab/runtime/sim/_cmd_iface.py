"""``ip address`` and ``ip link``: interfaces and their addresses, as iproute2's text or
``-json``, with ``-s`` counters (packets and bytes the simulator counted)."""

from __future__ import annotations

from typing import Any

from ...._limits import whole_number
from ...._prefix import format_address
from .. import _wire as w
from . import _views as v
from ._cmdbase import Ctx, Fail, IpOpts, _matches, _prefix_arg
from ._stack import Addr, Iface

__all__ = ["ip_addr", "ip_link"]

_SHOW = ("show", "list", "lst", "ls", "sh", "s", "l")
_LO_INET = {
    "family": "inet",
    "local": "127.0.0.1",
    "prefixlen": 8,
    "scope": "host",
    "label": "lo",
    "valid_life_time": 0xFFFFFFFF,
    "preferred_life_time": 0xFFFFFFFF,
}


def ifname_at(iface: Iface) -> str:
    return f"{iface.name}@if{iface.peer.index}" if iface.peer is not None else iface.name


def ifname_local(ctx: Ctx, iface: Iface) -> str:
    """iproute2's name when it lacks the peer's namespace (``-6`` address listings): the
    peer's ifindex is looked up locally — ``eth1@eth0`` when that index exists here."""
    link = _local_link(ctx, iface)
    return f"{iface.name}@{link}" if link is not None else iface.name


def _local_link(ctx: Ctx, iface: Iface) -> str | None:
    if iface.peer is None or iface.peer.index == iface.index:
        return None
    local = next((i for i in ctx.node.ifaces.values() if i.index == iface.peer.index), None)
    return local.name if local is not None else f"if{iface.peer.index}"


def link_line(ctx: Ctx, iface: Iface, mode: bool) -> str:
    mode_text = " mode DEFAULT" if mode else ""
    return (
        f"{iface.index}: {ifname_at(iface)}: {v.flags_text(iface)} mtu {v.mtu(ctx.node, iface)} "
        f"qdisc noqueue state {v.state(iface)}{mode_text} group default qlen 1000"
    )


def ether_line(ctx: Ctx, iface: Iface) -> str:
    if iface.loopback:
        return "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"
    tail = f" link-netns {ctx.netns_of(iface.peer.node.name)}" if iface.peer is not None else ""
    return f"    link/ether {iface.mac} brd ff:ff:ff:ff:ff:ff{tail}"


def addr_lines(ctx: Ctx, addrs: list[Addr]) -> list[str]:
    lines = []
    for a in addrs:
        words = "".join(f"{f} " for f in v.addr_flags(a))
        lines.append(
            f"    inet6 {format_address(a.addr)}/{a.plen} scope {w.scope_name(a.addr)} {words}"
        )
        valid, pref = v.lifetimes(ctx.node, a)
        lines.append(f"       valid_lft {_lft(valid)} preferred_lft {_lft(pref)}")
    return lines


def _lft(seconds: int) -> str:
    return "forever" if seconds == 0xFFFFFFFF else f"{seconds}sec"


def stats_lines(iface: Iface) -> list[str]:
    """``-s``: iproute2 6.1's RX/TX block, columns as wide as their largest number."""
    rx = (iface.rx_bytes, iface.rx_packets, 0, 0, 0, 0)
    tx = (iface.tx_bytes, iface.tx_packets, 0, 0, 0, 0)
    cols = [10, 7, 6, 7, 7, 7]
    for values in (rx, tx):
        cols = [max(c, len(str(x))) for c, x in zip(cols, values)]
    out = []
    for label, names, values in (
        ("RX", ("bytes", "packets", "errors", "dropped", "missed", "mcast"), rx),
        ("TX", ("bytes", "packets", "errors", "dropped", "carrier", "collsns"), tx),
    ):
        widths = [cols[0] - 4, *cols[1:]]
        head = " ".join(f"{n:>{c}}" for n, c in zip(names, widths))
        out.append(f"    {label}: {head} {'':>10}")
        out.append("    " + "".join(f"{x:>{c}} " for x, c in zip(values, cols)))
    return out


# -- JSON ---------------------------------------------------------------------------------------------
def link_json(ctx: Ctx, iface: Iface, *, linkmode: bool, stats: bool) -> dict[str, Any]:
    """One interface as ``ip -json link`` (and ``ip -json address``) print it."""
    out: dict[str, Any] = {"ifindex": iface.index}
    if iface.peer is not None:
        out["link_index"] = iface.peer.index
    out.update(
        ifname=iface.name,
        flags=v.link_flags(iface),
        mtu=v.mtu(ctx.node, iface),
        qdisc="noqueue",
        operstate=v.state(iface),
    )
    if linkmode:
        out["linkmode"] = "DEFAULT"
    out.update(group="default", txqlen=1000)
    if iface.loopback:
        out.update(link_type="loopback", address=iface.mac, broadcast="00:00:00:00:00:00")
    else:
        out.update(link_type="ether", address=iface.mac, broadcast="ff:ff:ff:ff:ff:ff")
    if iface.peer is not None:
        out["link_netnsid"] = v.netnsid(ctx.node, iface)
    if stats:
        out["stats64"] = {
            "rx": {
                "bytes": iface.rx_bytes,
                "packets": iface.rx_packets,
                "errors": 0,
                "dropped": 0,
                "over_errors": 0,
                "multicast": 0,
            },
            "tx": {
                "bytes": iface.tx_bytes,
                "packets": iface.tx_packets,
                "errors": 0,
                "dropped": 0,
                "carrier_errors": 0,
                "collisions": 0,
            },
        }
    return out


def addr_json(ctx: Ctx, a: Addr) -> dict[str, Any]:
    out: dict[str, Any] = {
        "family": "inet6",
        "local": format_address(a.addr),
        "prefixlen": a.plen,
        "scope": w.scope_name(a.addr),
    }
    for flag in v.addr_flags(a):
        out[flag] = True
    out["valid_life_time"], out["preferred_life_time"] = v.lifetimes(ctx.node, a)
    return out


def _addr_show_json(
    ctx: Ctx, ifaces: list[Iface], addrs: dict[str, list[Addr]], opts: IpOpts, dev: str | None
) -> None:
    items = []
    for iface in ifaces:
        if opts.family == "inet":
            if not iface.loopback:
                continue
            item = link_json(ctx, iface, linkmode=False, stats=False)
            for key in ("link_type", "address", "broadcast"):
                item.pop(key)
            item["addr_info"] = [dict(_LO_INET)]
        elif opts.inet6 and dev is None:
            if not addrs[iface.name]:
                continue
            item = {"ifindex": iface.index, "ifname": iface.name}
            link = _local_link(ctx, iface)
            if link is not None:
                item["link"] = link
            item.update(
                flags=v.link_flags(iface),
                mtu=v.mtu(ctx.node, iface),
                operstate=v.state(iface),
                txqlen=1000,
            )
            item["addr_info"] = [addr_json(ctx, a) for a in addrs[iface.name]]
        else:
            item = link_json(ctx, iface, linkmode=False, stats=False)
            if opts.inet6:
                for key in ("link_type", "address", "broadcast"):
                    item.pop(key)
            info = [dict(_LO_INET)] if iface.loopback and not opts.inet6 else []
            item["addr_info"] = info + [addr_json(ctx, a) for a in addrs[iface.name]]
        items.append(item)
    ctx.out.add(v.dump(items))


# -- ip address ---------------------------------------------------------------------------------------
def ip_addr(ctx: Ctx, args: list[str], opts: IpOpts) -> int:
    verb = args[0] if args else "show"
    rest = args[1:]
    if verb in _SHOW or (args and args[0] == "dev"):
        if args and args[0] == "dev":
            rest = args
        return _addr_show(ctx, rest, opts)
    if verb in ("add", "a", "replace", "change"):
        return _addr_add(ctx, rest, replace=verb != "add" and verb != "a")
    if _matches(verb, "delete"):
        return _addr_del(ctx, rest)
    if _matches(verb, "flush"):
        return _addr_flush(ctx, rest)
    raise Fail(f'Command "{verb}" is unknown, try "ip address help".', 1)


def _addr_show(ctx: Ctx, args: list[str], opts: IpOpts) -> int:
    dev, scope = _dev_and_scope(args, ("up", "permanent", "dynamic", "tentative", "dadfailed"))
    ifaces = list(ctx.node.ifaces.values())
    if dev is not None:
        iface = ctx.node.ifaces.get(dev)
        if iface is None:
            raise Fail(f'Device "{dev}" does not exist.', 1)
        ifaces = [iface]
    addrs = {
        i.name: [a for a in i.addrs if scope is None or w.scope_name(a.addr) == scope]
        if opts.family != "inet"
        else []
        for i in ifaces
    }
    if opts.json:
        _addr_show_json(ctx, ifaces, addrs, opts, dev)
        return 0
    for iface in ifaces:
        if opts.brief:
            _addr_brief(ctx, iface, addrs[iface.name], opts)
        elif _addr_header(ctx, iface, addrs[iface.name], opts, dev):
            for line in addr_lines(ctx, addrs[iface.name]):
                ctx.out.add(line)
            if opts.stats:
                for line in stats_lines(iface):
                    ctx.out.add(line)
    return 0


def _addr_brief(ctx: Ctx, iface: Iface, addrs: list[Addr], opts: IpOpts) -> None:
    if opts.family == "inet" and not iface.loopback:
        return
    name = ifname_local(ctx, iface) if opts.inet6 else ifname_at(iface)
    words = [] if opts.inet6 or not iface.loopback else ["127.0.0.1/8"]
    words += [f"{format_address(a.addr)}/{a.plen}" for a in addrs]
    ctx.out.add(f"{name:<16} {v.state(iface):<14} " + "".join(f"{x} " for x in words))


def _addr_header(ctx: Ctx, iface: Iface, addrs: list[Addr], opts: IpOpts, dev: str | None) -> bool:
    """The interface's lines before its addresses; False when it is not listed."""
    if opts.family == "inet":
        if not iface.loopback:
            return False
        ctx.out.add(link_line(ctx, iface, mode=False))
        ctx.out.add("    inet 127.0.0.1/8 scope host lo")
        ctx.out.add("       valid_lft forever preferred_lft forever")
        return True
    if opts.inet6:
        if not addrs:
            return False
        if dev is not None:
            tail = f" link-netns {ctx.netns_of(iface.peer.node.name)}" if iface.peer else ""
            ctx.out.add(link_line(ctx, iface, mode=False) + tail)
        else:
            ctx.out.add(
                f"{iface.index}: {ifname_local(ctx, iface)}: {v.flags_text(iface)} "
                f"mtu {v.mtu(ctx.node, iface)} state {v.state(iface)} qlen 1000"
            )
        return True
    ctx.out.add(link_line(ctx, iface, mode=False))
    ctx.out.add(ether_line(ctx, iface))
    if iface.loopback:
        ctx.out.add("    inet 127.0.0.1/8 scope host lo")
        ctx.out.add("       valid_lft forever preferred_lft forever")
    return True


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


# -- ip link --------------------------------------------------------------------------------------------
def ip_link(ctx: Ctx, args: list[str], opts: IpOpts) -> int:
    verb = args[0] if args else "show"
    rest = args[1:]
    if verb in _SHOW:
        return _link_show(ctx, rest, opts)
    if verb == "set":
        return _link_set(ctx, rest)
    raise Fail(f'Command "{verb}" is unknown, try "ip link help".', 255)


def _link_show(ctx: Ctx, args: list[str], opts: IpOpts) -> int:
    dev = None
    it = iter(args)
    for word in it:
        dev = next(it, None) if word == "dev" else word
    ifaces = list(ctx.node.ifaces.values())
    if dev is not None:
        ifaces = [ctx.iface(dev, 'Device "{}" does not exist.')]
    if opts.json:
        ctx.out.add(v.dump([link_json(ctx, i, linkmode=True, stats=opts.stats) for i in ifaces]))
        return 0
    for iface in ifaces:
        if opts.brief:
            ctx.out.add(
                f"{ifname_at(iface):<16} {v.state(iface):<14} {iface.mac} {v.flags_text(iface)} "
            )
            continue
        ctx.out.add(link_line(ctx, iface, mode=True))
        ctx.out.add(ether_line(ctx, iface))
        if opts.stats:
            for line in stats_lines(iface):
                ctx.out.add(line)
    return 0


def _link_set(ctx: Ctx, args: list[str]) -> int:
    dev = None
    actions: list[tuple[str, str | None]] = []
    it = iter(args)
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
            if not 68 <= number <= 65535:
                raise Fail("Error: mtu greater than device maximum.", 2)
            iface.mtu = number  # the kernel sets the IPv6 MTU with the link's
            ctx.node.conf[iface.name]["mtu"] = number
        else:
            ctx.node.set_up(iface, action == "up")
    return 0
