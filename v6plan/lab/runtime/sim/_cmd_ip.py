"""``ip``: its options and the object words, dispatched to the object's module."""

from __future__ import annotations

from ._cmd_iface import _ip_addr, _ip_link
from ._cmd_neigh import _ip_neigh
from ._cmd_route import _ip_route
from ._cmdbase import Ctx, Fail, _matches

__all__ = ["cmd_ip"]


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
