"""``ip -6 neigh``: the neighbour cache shown, filled and flushed."""

from __future__ import annotations

from ...._prefix import format_address
from .. import _wire as w
from ._cmdbase import Ctx, Fail, _matches, _prefix_arg
from ._stack import (
    PERMANENT,
    Neigh,
)

__all__ = ["_neigh_line"]


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
