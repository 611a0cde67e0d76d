"""``ip -6 maddress``: the multicast groups each interface is in, newest first as the
kernel keeps them (all-nodes, solicited-node groups, all-routers on a router …)."""

from __future__ import annotations

from typing import Any

from ...._prefix import format_address
from . import _views as v
from ._cmdbase import Ctx, Fail, IpOpts

__all__ = ["ip_maddr"]


def ip_maddr(ctx: Ctx, args: list[str], opts: IpOpts) -> int:
    if opts.family != "inet6":
        raise Fail(
            "v6lab sim: the simulator lists IPv6 groups only: ip -6 maddress "
            "(link-layer and IPv4 groups are not simulated)",
            1,
        )
    verb = args[0] if args else "show"
    rest = args[1:]
    if verb in ("dev",):
        rest = args
    elif verb not in ("show", "list", "lst", "ls", "sh", "s", "l"):
        raise Fail(f'Command "{verb}" is unknown, try "ip maddr help".', 255)
    dev = None
    it = iter(rest)
    for word in it:
        dev = next(it, None) if word == "dev" else word
    ifaces = sorted(ctx.node.ifaces.values(), key=lambda i: i.index)
    if dev is not None:
        ifaces = [ctx.iface(dev, 'Device "{}" does not exist.')]
    items: list[dict[str, Any]] = []
    for iface in ifaces:
        groups = list(reversed(iface.groups.items()))
        if not groups:
            continue
        if opts.json:
            maddr = []
            for group, users in groups:
                entry: dict[str, Any] = {"family": "inet6", "address": format_address(group)}
                if users != 1:
                    entry["users"] = users
                maddr.append(entry)
            items.append({"ifindex": iface.index, "ifname": iface.name, "maddr": maddr})
            continue
        ctx.out.add(f"{iface.index}:\t{iface.name}")
        for group, users in groups:
            tail = f" users {users}" if users != 1 else ""
            ctx.out.add(f"\tinet6 {format_address(group)}{tail}")
    if opts.json:
        ctx.out.add(v.dump(items))
    return 0
