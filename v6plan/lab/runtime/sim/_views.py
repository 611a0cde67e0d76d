"""What the ``ip`` commands show of the stack, once for both outputs: iproute2's text
and its ``-json`` objects print the same fields in the same order, so each view is a
list of fields (JSON key, text words, JSON value) rendered either way."""

from __future__ import annotations

import json
import math
from typing import Any

from ...._prefix import format_address, format_prefix
from ._stack import INFINITY, Addr, Iface, Node, RouteEntry

__all__ = ["Field", "as_json", "as_text", "local_table", "route_fields"]

#: (JSON key or None for text only, text words or None for JSON only, JSON value)
Field = tuple[str | None, str | None, Any]

ADDR_FLAG_ORDER = (
    "temporary",
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


def as_text(fields: list[Field]) -> str:
    return " ".join(text for _, text, _ in fields if text)


def as_json(fields: list[Field]) -> dict[str, Any]:
    return {key: value for key, _, value in fields if key is not None}


def dump(items: list[dict[str, Any]]) -> str:
    """iproute2's ``-json``: one compact line."""
    return json.dumps(items, separators=(",", ":"))


# -- interfaces -----------------------------------------------------------------------------------
def link_flags(iface: Iface) -> list[str]:
    if iface.loopback:
        return ["LOOPBACK", "UP", "LOWER_UP"] if iface.up else ["LOOPBACK"]
    if not iface.up:
        return ["BROADCAST", "MULTICAST"]
    if not iface.carrier:
        return ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"]
    return ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]


def flags_text(iface: Iface) -> str:
    return "<" + ",".join(link_flags(iface)) + ">"


def state(iface: Iface) -> str:
    if iface.loopback:
        return "UNKNOWN"
    return "UP" if iface.running else "DOWN"


def mtu(node: Node, iface: Iface) -> int:
    return iface.mtu


def netnsid(node: Node, iface: Iface) -> int:
    """The id this namespace gives the peer's (the kernel numbers them as it meets them;
    the order there races, so the differential suite does not compare it)."""
    seen: list[str] = []
    for other in sorted(node.ifaces.values(), key=lambda i: i.index):
        if other.peer is not None and other.peer.node.name not in seen:
            seen.append(other.peer.node.name)
    return seen.index(iface.peer.node.name) if iface.peer is not None else -1


def addr_flags(a: Addr) -> list[str]:
    flags = set(a.flags)
    if "permanent" not in flags:
        flags.add("dynamic")
    return [f for f in ADDR_FLAG_ORDER if f in flags]


def lifetimes(node: Node, a: Addr) -> tuple[int, int]:
    """Remaining valid and preferred seconds (INFINITY for forever)."""
    age = int(node.world.now - a.created)
    valid = INFINITY if a.valid == INFINITY else max(0, a.valid - age)
    pref = INFINITY if a.preferred == INFINITY else max(0, a.preferred - age)
    return valid, pref


# -- routes ----------------------------------------------------------------------------------------
def dst_text(route: RouteEntry) -> str:
    if route.length == 0:
        return "default"
    if route.length == 128:
        return format_address(route.dst)
    return format_prefix(route.dst, route.length)


def trie_key(route: RouteEntry) -> tuple[str, int, int]:
    """The kernel's fib6 walk order: more specific before less, 0-bit before 1-bit,
    then metric, then age."""
    bits = format(route.dst >> (128 - route.length), f"0{route.length}b") if route.length else ""
    return (bits + "2", route.metric, route.order)


def route_fields(
    node: Node, r: RouteEntry, show_dev: bool = True, table: str | None = None
) -> list[Field]:
    """One route as ``ip -6 route`` prints it (``table``: named, as in ``table all``)."""
    out: list[Field] = []
    if r.kind != "unicast":
        out.append(("type", r.kind, r.kind))
    out.append(("dst", dst_text(r), dst_text(r)))
    if r.via is not None:
        out.append(("gateway", f"via {format_address(r.via)}", format_address(r.via)))
    if show_dev or r.kind in ("unreachable", "blackhole", "prohibit"):
        out.append(("dev", f"dev {r.dev or 'lo'}", r.dev or "lo"))
    if table is not None:
        out.append(("table", f"table {table}", table))
    if r.proto != "boot":
        out.append(("protocol", f"proto {r.proto}", r.proto))
    out.append(("metric", f"metric {r.metric}", r.metric))
    # a host entry of the local table is never flagged (its address stays ours)
    host = r.kind in ("local", "anycast")
    linkdown = r.dev is not None and not host and not node.ifaces[r.dev].carrier
    out.append(("flags", "linkdown" if linkdown else None, ["linkdown"] if linkdown else []))
    if r.expires is not None:
        # the kernel's jiffies have moved on since the RA: floor of a hair less than remaining
        # (an expired route stays listed until the fib garbage collector runs: C's division
        # truncates its negative seconds towards zero)
        left = seconds_left(r.expires - node.world.now)
        out.append(("expires", f"expires {left}sec", left))
    metrics: dict[str, int] = {}
    if r.mtu:
        metrics["mtu"] = r.mtu
    if r.hoplimit:
        metrics["hoplimit"] = r.hoplimit
    if metrics:
        words = " ".join(f"{k} {v}" for k, v in metrics.items())
        out.append(("metrics", words, [metrics]))
    out.append(("pref", f"pref {r.pref}", r.pref))
    return out


def seconds_left(remaining: float) -> int:
    """What ``expires`` shows: the kernel's jiffies have moved on since the timer was set,
    so the floor of a hair less than what remains (C's division truncates a negative
    number of seconds towards zero: an expired route shows ``expires -3sec``)."""
    return math.ceil(remaining) - 1 if remaining > 0 else -math.floor(-remaining)


def local_table(node: Node) -> list[RouteEntry]:
    """The kernel's ``local`` table: each usable address, each anycast address, and
    ff00::/8 on every configured link — in the fib6 walk order."""
    entries: list[RouteEntry] = []
    for iface in sorted(node.ifaces.values(), key=lambda i: i.index):
        base = iface.index * 4096
        for i, a in enumerate(iface.addrs):
            if a.usable():
                entries.append(_local(a.addr, 128, iface.name, "local", 0, base + i))
        for i, addr in enumerate(iface.anycast):
            entries.append(_local(addr, 128, iface.name, "anycast", 0, base + 1024 + i))
        if iface.mroute and not iface.loopback:
            entries.append(_local(0xFF << 120, 8, iface.name, "multicast", 256, base + 2048))
    return sorted(entries, key=trie_key)


def _local(dst: int, length: int, dev: str, kind: str, metric: int, order: int) -> RouteEntry:
    route = RouteEntry(dst, length, None, dev, "kernel", metric, kind=kind)
    route.order = order
    return route
