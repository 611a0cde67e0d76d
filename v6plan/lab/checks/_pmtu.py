"""The ``pmtu`` check: the node has learned the path MTU to a destination — the route
exception a Packet Too Big leaves (``ip -6 route get`` shows ``mtu N``), asked of the
node's own stack on either backend."""

from __future__ import annotations

import re

from ..._limits import whole_number
from ..._prefix import format_address, parse_address
from ._context import Context, Outcome

__all__ = ["check_pmtu"]


def check_pmtu(ctx: Context, args: dict[str, str]) -> Outcome:
    node, to = args["node"], format_address(parse_address(args["to"]))
    want = whole_number(args["mtu"])
    base: dict[str, object] = {"node": node, "to": to, "mtu": args["mtu"]}
    if want is None:
        return Outcome(False, "error", {**base, "error": f"mtu {args['mtu']!r} is not a number"})
    result = ctx.backend.exec(node, ["ip", "-6", "route", "get", to])
    if result.returncode != 0:
        return Outcome(False, "no-route", {**base, "found": result.stderr.strip() or "-"})
    route = result.stdout.strip()
    base["route"] = route
    learned = re.search(r" mtu (\d+)", route)  # a route exception (or an RA's MTU option)
    if learned is None:
        return Outcome(False, "not-learned", base)
    found = int(learned.group(1))
    if found != want:
        return Outcome(False, "other-mtu", {**base, "found": found})
    return Outcome(True, "ok", base)
