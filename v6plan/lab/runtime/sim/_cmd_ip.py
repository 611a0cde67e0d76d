"""``ip``: its options and the object words, dispatched to the object's module."""

from __future__ import annotations

from ._cmd_iface import ip_addr, ip_link
from ._cmd_maddr import ip_maddr
from ._cmd_neigh import ip_neigh
from ._cmd_route import ip_route
from ._cmdbase import Ctx, Fail, IpOpts, _matches

__all__ = ["cmd_ip"]

_IGNORED = ("-c", "-color", "-n", "-numeric", "-d", "-details", "-p", "-pretty")


def cmd_ip(ctx: Ctx, args: list[str]) -> int:
    opts = _options(args)
    if not args:
        raise Fail(
            "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n"
            "where  OBJECT := { address | link | maddress | neighbour | route }  (simulated)",
            255,
        )
    obj, rest = args[0], args[1:]
    if _matches(obj, "address"):
        return ip_addr(ctx, rest, opts)
    if _matches(obj, "route"):
        return ip_route(ctx, rest, opts)
    if obj in ("n", "ne", "nei", "neig", "neigh", "neighbor", "neighbour"):
        return ip_neigh(ctx, rest, opts)
    if _matches(obj, "link"):
        return ip_link(ctx, rest, opts)
    if len(obj) >= 3 and _matches(obj, "maddress"):  # "ma" is macsec for iproute2
        return ip_maddr(ctx, rest, opts)
    raise Fail(f'Object "{obj}" is unknown, try "ip help".', 1)


def _options(args: list[str]) -> IpOpts:
    """Consume the leading options (``-6 -j -s -br`` and their long forms)."""
    opts = IpOpts()
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt in ("-6", "-family=inet6"):
            opts.family = "inet6"
        elif opt in ("-4", "-family=inet"):
            opts.family = "inet"
        elif opt in ("-br", "-brief"):
            opts.brief = True
        elif opt in ("-j", "-json"):
            opts.json = True
        elif opt in ("-s", "-stats", "-statistics"):
            opts.stats = True
        elif opt in _IGNORED:
            continue
        elif opt in ("-f", "-family"):
            fam = args.pop(0) if args else ""
            if fam in ("inet6", "6"):
                opts.family = "inet6"
            elif fam in ("inet", "4"):
                opts.family = "inet"
            else:
                raise Fail(f'Error: argument "{fam}" is wrong: invalid protocol family', 255)
        else:
            raise Fail(f'Option "{opt}" is unknown, try "ip -help".', 255)
    return opts
