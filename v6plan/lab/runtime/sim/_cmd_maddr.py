"""``ip maddress``: the multicast groups each interface is in — IPv6 groups newest first
as the kernel keeps them (all-nodes, solicited-node groups of addresses and anycast
addresses, all-routers on a router), the link-layer filter they load (oldest first), and
IPv4's all-hosts (lo's 127.0.0.1 is the simulator's only IPv4)."""

from __future__ import annotations

from typing import Any

from ...._prefix import format_address
from .. import _wire as w
from . import _views as v
from ._cmdbase import Ctx, Fail, IpOpts
from ._stack import Iface

__all__ = ["ip_maddr"]

_IPV4_ALL_HOSTS = "224.0.0.1"
_IPV4_ALL_HOSTS_MAC = "01:00:5e:00:00:01"
#: groups an interface joins when it is created (before IPv4 joins at link up)
_AT_CREATION = (w.ALL_NODES, w.ALL_ROUTERS)


def ip_maddr(ctx: Ctx, args: list[str], opts: IpOpts) -> int:
    verb = args[0] if args else "show"
    rest = args[1:]
    if verb == "dev":
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
        entries = _entries(iface, opts)
        if not entries:
            continue
        if opts.json:
            items.append({"ifindex": iface.index, "ifname": iface.name, "maddr": entries})
            continue
        ctx.out.add(f"{iface.index}:\t{iface.name}")
        for e in entries:
            word = {"link": "link ", "inet": "inet ", "inet6": "inet6"}[e.get("family", "link")]
            tail = f" users {e['users']}" if "users" in e else ""
            ctx.out.add(f"\t{word} {e.get('address', e.get('link'))}{tail}")
    if opts.json:
        ctx.out.add(v.dump(items))
    return 0


def _entries(iface: Iface, opts: IpOpts) -> list[dict[str, Any]]:
    """What ``ip maddr`` lists for one interface, in its order: link, inet, inet6."""
    out: list[dict[str, Any]] = []
    if opts.family is None:
        for mac, users in _link_layer(iface):
            out.append({"link": mac, **({"users": users} if users != 1 else {})})
    if opts.family != "inet6" and (iface.up or iface.loopback):
        out.append({"family": "inet", "address": _IPV4_ALL_HOSTS})
    if opts.family != "inet":
        for group, users in reversed(iface.groups.items()):
            entry: dict[str, Any] = {"family": "inet6", "address": format_address(group)}
            if users != 1:
                entry["users"] = users
            out.append(entry)
    return out


def _link_layer(iface: Iface) -> list[tuple[str, int]]:
    """The device's multicast MAC filter: one 33:33 entry per MAC of a group of link
    scope or wider (ff01:: groups load none), counted by group; IPv4's after the groups
    of the interface's creation. Empty while the interface is down."""
    if iface.loopback or not iface.up:
        return []
    users: dict[str, int] = {}
    v4_at = 0
    for group in iface.groups:
        if w.scope_of(group) < 2:
            continue
        mac = w.mac_text(w.multicast_mac(group))
        users[mac] = users.get(mac, 0) + 1
        if group in _AT_CREATION and v4_at == len(users) - 1:
            v4_at = len(users)
    entries = list(users.items())
    entries.insert(v4_at, (_IPV4_ALL_HOSTS_MAC, 1))
    return entries
