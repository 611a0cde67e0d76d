"""The ``privacy`` check: what kind of interface ID a node's addresses in a prefix have —
an RFC 8981 temporary one (random, renewed) or an RFC 7217 stable-privacy one (opaque,
not the MAC's EUI-64) — and, with ``to``, whether the node takes that address as its
source. Properties, never values: a temporary IID is random on both backends."""

from __future__ import annotations

import re

from ..._calc import modified_eui64
from ..._prefix import format_address, format_prefix, parse_address, parse_prefix
from ._context import Context, Outcome, _cidr, _in, _sysctl, _usable

__all__ = ["check_privacy"]

_IID = (1 << 64) - 1


def check_privacy(ctx: Context, args: dict[str, str]) -> Outcome:
    node, iface, kind = args["node"], args["iface"], args["kind"]
    net, length = parse_prefix(args["prefix"])
    base = {"node": node, "iface": iface, "prefix": format_prefix(net, length), "kind": kind}
    link = ctx.interface(node, iface)
    if link is None:
        return Outcome(
            False, "no-iface", {**base, "found": ", ".join(i.name for i in ctx.interfaces(node))}
        )
    inside = [a for a in ctx.addresses(node) if a.ifname == iface and _in(a.address, net, length)]
    base["found"] = ", ".join(_cidr(a) for a in inside) or "-"
    coming = ctx.awaits_ra(node, iface)
    if not inside:
        return Outcome(False, "missing", base, settled=not coming)
    if kind == "temporary":
        temps = [a for a in inside if "temporary" in a.flags]
        if not temps:
            use = _sysctl(ctx, node, f"net.ipv6.conf.{iface}.use_tempaddr")
            settled = not coming or use in ("", "0", "-1")
            return Outcome(False, "no-temporary", {**base, "use_tempaddr": use}, settled)
        wanted = [a for a in temps if _usable(a) and "deprecated" not in a.flags]
        if not wanted:
            if any(not _usable(a) for a in temps):
                return Outcome(False, "tentative", base, settled=False)
            return Outcome(False, "deprecated", {**base, "address": _cidr(temps[0])}, not coming)
    else:
        dynamic = [a for a in inside if "permanent" not in a.flags and "temporary" not in a.flags]
        if not dynamic:
            return Outcome(False, "static", base, settled=not coming)
        eui64 = [a for a in dynamic if a.address & _IID == modified_eui64(link.mac)]
        wanted = [a for a in dynamic if not eui64 and "stable-privacy" in a.flags]
        if eui64 or not wanted:  # an address that still shows the MAC gives it away
            shown = eui64[0] if eui64 else dynamic[0]
            return Outcome(False, "eui64", {**base, "address": _cidr(shown), "mac": link.mac})
        if not _usable(wanted[0]):
            return Outcome(False, "tentative", {**base, "address": _cidr(wanted[0])}, False)
    base["address"] = _cidr(wanted[0])
    if "to" not in args:
        return Outcome(True, "ok", base)
    return _source(ctx, node, args["to"], {a.address for a in wanted}, base)


def _source(ctx: Context, node: str, to: str, wanted: set[int], base: dict[str, str]) -> Outcome:
    """The source the node's own stack picks for ``to`` (``ip -6 route get``: RFC 6724 as
    the kernel scores it, rule 7 included) must be one of ``wanted``."""
    dst = format_address(parse_address(to))
    result = ctx.backend.exec(node, ["ip", "-6", "route", "get", dst])
    found = re.search(r" src (\S+)", result.stdout)
    params = {**base, "to": dst}
    if result.returncode != 0 or found is None:
        return Outcome(False, "no-source", {**params, "source": result.stderr.strip() or "-"})
    source = parse_address(found.group(1))
    params["source"] = format_address(source)
    if source not in wanted:
        return Outcome(False, "other-source", params)
    return Outcome(True, "ok-source", params)
