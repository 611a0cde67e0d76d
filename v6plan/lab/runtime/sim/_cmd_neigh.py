"""``ip -6 neigh``: the neighbour cache shown (text or ``-json``), filled and flushed."""

from __future__ import annotations

from typing import Any

from ...._prefix import format_address
from .. import _wire as w
from . import _views as v
from ._cmdbase import Ctx, Fail, IpOpts, _matches, _prefix_arg
from ._stack import PERMANENT, Neigh

__all__ = ["ip_neigh"]


def neigh_fields(n: Neigh, show_dev: bool) -> list[v.Field]:
    out: list[v.Field] = [("dst", format_address(n.addr), format_address(n.addr))]
    if show_dev:
        out.append(("dev", f"dev {n.dev}", n.dev))
    if n.lladdr is not None and n.state not in ("INCOMPLETE", "FAILED"):
        mac = w.mac_text(n.lladdr)
        out.append(("lladdr", f"lladdr {mac}", mac))
    if n.router:
        out.append(("router", "router", None))
    out.append(("state", n.state, [n.state]))
    return out


def ip_neigh(ctx: Ctx, args: list[str], opts: IpOpts) -> int:
    verb = args[0] if args else "show"
    rest = args[1:]
    if verb in ("show", "list", "lst", "ls", "sh", "s", "l") or verb == "dev":
        return _neigh_show(ctx, args if verb == "dev" else rest, opts)
    if verb in ("add", "replace", "change"):
        return _neigh_add(ctx, rest, verb)
    if _matches(verb, "delete") or _matches(verb, "flush"):
        return _neigh_del(ctx, rest, verb)
    raise Fail(f'Command "{verb}" is unknown, try "ip neigh help".', 255)


def _neigh_show(ctx: Ctx, args: list[str], opts: IpOpts) -> int:
    node = ctx.node
    dev = None
    it = iter(args)
    for word in it:
        if word == "dev":
            dev = next(it, None)
    if dev is not None and dev not in node.ifaces:
        raise Fail(f'Cannot find device "{dev}"', 1)
    rows = [] if opts.family == "inet" else list(node.neigh.values())
    shown = [neigh_fields(n, dev is None) for n in rows if dev is None or n.dev == dev]
    if opts.json:
        items: list[dict[str, Any]] = [v.as_json(f) for f in shown]
        ctx.out.add(v.dump(items))
        return 0
    for fields in shown:
        ctx.out.add(v.as_text(fields) + " ")
    return 0


def _neigh_add(ctx: Ctx, args: list[str], verb: str) -> int:
    node = ctx.node
    addr = None
    lladdr = None
    dev = None
    it = iter(args)
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


def _neigh_del(ctx: Ctx, args: list[str], verb: str) -> int:
    node = ctx.node
    dev = None
    addr = None
    it = iter(args)
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
