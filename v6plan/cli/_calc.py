"""``v6plan calc …`` and ``v6plan ula``: the trainee calculator on the command line.

Only argparse is imported here; each command imports the calculator when it runs, so
``v6plan --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from . import add_command, print_json

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["register"]

_DEFAULT_LIMIT = 16


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``calc`` (with its sub-commands) and ``ula`` to the top-level parser."""
    calc = add_command(
        sub,
        "calc",
        "IPv6 calculator: address/prefix facts, subnets, EUI-64, reverse DNS, /127 links",
        """\
  v6plan calc info 3fff:8::/29
  v6plan calc info 2001:db8:1:2:211:22ff:fe33:4455
  v6plan calc subnets 2001:db8::/32 --length 36 --order sparse
  v6plan calc eui64 2001:db8:1:2::/64 00:11:22:33:44:55
  v6plan calc reverse 2001:db8:1234::/50
  v6plan calc p2p 2001:db8:0:ffff::/64 --limit 4
  v6plan calc iid 2001:db8:1:2::/64 --secret 8d9e3f0a61c24b7d --interface eth0""",
        lambda args: _print_help(calc),
    )
    calc_sub = calc.add_subparsers(title="calculations", metavar="CALC")

    p = add_command(
        calc_sub,
        "info",
        "everything about an address or prefix: forms, type, size, reverse DNS",
        """\
  v6plan calc info 2001:db8::/48               sizes in /48s and /64s, the reverse zone
  v6plan calc info 3fff:8::/29                 not nibble-aligned: 8 reverse zones at /32
  v6plan calc info 2001:db8::a/127             RFC 6164: both addresses are usable
  v6plan calc info 2001:db8:1:2:211:22ff:fe33:4455 --json""",
        _run_info,
    )
    p.add_argument("value", metavar="ADDRESS|PREFIX", help="an address, or a prefix addr/len")
    _add_json(p)

    p = add_command(
        calc_sub,
        "subnets",
        "the /N subnets of a prefix in an RFC 3531 order, with their total",
        """\
  v6plan calc subnets 2001:db8:1::/48 --length 64 --limit 4
  v6plan calc subnets 2001:db8::/32 --length 36 --order sparse       room to grow in place
  v6plan calc subnets 2001:db8:1::/48 --length 52 --order centermost
  v6plan calc subnets 3fff::/20 --length 32 --step 8                every 8th: room to a /29
  v6plan calc subnets 2001:db8:1::/56 --length 64 --limit 0 --json  all of them, for a script""",
        _run_subnets,
    )
    p.add_argument("prefix", metavar="PREFIX", help="the parent prefix, e.g. 2001:db8::/32")
    p.add_argument("--length", type=int, required=True, metavar="N", help="the subnet length")
    p.add_argument(
        "--order",
        choices=("sequential", "sparse", "centermost"),
        default="sequential",
        help="RFC 3531 order (default: sequential)",
    )
    p.add_argument(
        "--step", type=int, default=1, metavar="S", help="every S-th subnet first (default 1)"
    )
    _add_limit(p, "subnets")
    _add_json(p)

    p = add_command(
        calc_sub,
        "eui64",
        "the SLAAC address a MAC gets in a /64 (modified EUI-64, RFC 4291 App. A)",
        """\
  v6plan calc eui64 2001:db8:1:2::/64 00:11:22:33:44:55
  v6plan calc eui64 2001:db8:1:2:: 0011.2233.4455 --json""",
        _run_eui64,
    )
    p.add_argument("prefix", metavar="PREFIX", help="a /64 (a bare address means its /64)")
    p.add_argument("mac", metavar="MAC", help="00:11:22:33:44:55, 00-11-…, 0011.2233.4455")
    _add_json(p)

    p = add_command(
        calc_sub,
        "reverse",
        "reverse DNS: every zone of a prefix (several if not nibble-aligned), or a PTR name",
        """\
  v6plan calc reverse 2001:db8:1234::/48       one zone
  v6plan calc reverse 3fff:8::/29              eight /32 zones
  v6plan calc reverse 2001:db8::1              the PTR owner name of one address""",
        _run_reverse,
    )
    p.add_argument("prefix", metavar="PREFIX|ADDRESS")
    _add_json(p)

    p = add_command(
        calc_sub,
        "p2p",
        "the /127 router links of a /64 (RFC 6164) and the blocks it keeps free",
        """\
  v6plan calc p2p 2001:db8:0:ffff::/64
  v6plan calc p2p 2001:db8:0:ffff::/64 --limit 2 --json""",
        _run_p2p,
    )
    p.add_argument("prefix", metavar="PREFIX64", help="the /64 reserved for links")
    _add_limit(p, "links")
    _add_json(p)

    p = add_command(
        calc_sub,
        "iid",
        "a stable, opaque interface ID (RFC 7217; F() = SHA-256, low 64 bits)",
        """\
  v6plan calc iid 2001:db8:1:2::/64 --secret 8d9e3f0a61c24b7d1f0e2a3b4c5d6e7f
  v6plan calc iid 2001:db8:1:2::/64 --secret-file /etc/v6plan/secret --interface eth1
  v6plan calc iid 2001:db8:1:2::/64 --secret s3cret --dad-counter 1 --json""",
        _run_iid,
    )
    p.add_argument("prefix", metavar="PREFIX", help="a /64 (a bare address means its /64)")
    key = p.add_mutually_exclusive_group(required=True)
    key.add_argument("--secret", help="the secret key (at least 128 random bits advised)")
    key.add_argument("--secret-file", metavar="PATH", help="read the secret key from a file")
    p.add_argument("--interface", default="eth0", help="Net_Iface (default: eth0)")
    p.add_argument("--network-id", default="", help="Network_ID, e.g. an SSID (default: none)")
    p.add_argument(
        "--dad-counter", type=int, default=0, metavar="N", help="DAD_Counter (default 0)"
    )
    _add_json(p)

    p = add_command(
        sub,
        "ula",
        "a unique local /48 (RFC 4193 §3.2.2: SHA-1 of NTP time and EUI-64)",
        """\
  v6plan ula                                                  now, random identifier
  v6plan ula --mac 00:11:22:33:44:55                          now, from this MAC
  v6plan ula --mac 00:11:22:33:44:55 --time 2024-03-31T08:48:00Z
  v6plan ula --mac 00:11:22:33:44:55 --time 0xe9b3a1c000000000 --json""",
        _run_ula,
    )
    p.add_argument("--mac", help="a MAC (or EUI-64) of this system; default: random bytes")
    p.add_argument("--time", help="ISO-8601 time, or a 64-bit NTP timestamp as 0x…; default: now")
    _add_json(p)


# -- argument and output helpers -------------------------------------------------------


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON, for scripts")


def _add_limit(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--limit",
        type=int,
        default=_DEFAULT_LIMIT,
        metavar="K",
        help=f"show the first K {what} (default {_DEFAULT_LIMIT}; 0 = all, streamed)",
    )


def _stream_json(head: dict[str, Any], key: str, items: Iterable[Any]) -> None:
    """Print ``head`` plus ``key: [items…]`` as JSON, one item at a time (never a list)."""
    out = sys.stdout
    text = json.dumps(head, indent=2)
    out.write(text[: text.rfind("\n}")] + f',\n  "{key}": [')
    separator = "\n    "
    for item in items:
        out.write(separator + json.dumps(item))
        separator = ",\n    "
    out.write("\n  ]\n}\n")


def _print_rows(rows: Sequence[tuple[str, str | list[str]]]) -> None:
    """``label  value`` lines, labels aligned; a list value continues on indented lines."""
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        lines = value if isinstance(value, list) else [value]
        for i, line in enumerate(lines or [""]):
            print(f"{label if i == 0 else '':<{width}}  {line}".rstrip())


def _count(n: int) -> str:
    """Exact counts, written so a trainee can read them: 65,536 or 2^80."""
    if n >= 1 << 40 and n & (n - 1) == 0:
        return f"2^{n.bit_length() - 1}"
    return f"{n:,}"


def _plural(n: int, unit: str) -> str:
    return f"{_count(n)} {unit}" + ("" if n == 1 else "s")


def _size_text(length: int) -> str:
    """``256 /64s · 2^72 addresses`` or ``1/256 of a /48 · …`` — whole units only."""
    parts = []
    if length <= 48:
        parts.append(_plural(1 << (48 - length), "/48"))
    elif length <= 64:
        parts.append(f"1/{_count(1 << (length - 48))} of a /48")
    if length <= 64:
        parts.append(_plural(1 << (64 - length), "/64"))
    else:
        parts.append(f"1/{_count(1 << (length - 64))} of a /64")
    parts.append(_plural(1 << (128 - length), "address").replace("addresss", "addresses"))
    return " · ".join(parts)


def _parse_net64(text: str) -> int:
    """A /64 from ``addr/64`` or a bare address that is its /64 (host bits: did you mean)."""
    from .._errors import AddressError
    from .._prefix import format_prefix, parse_prefix

    net, length = parse_prefix(text if "/" in text else f"{text.strip()}/64")
    if length != 64:
        raise AddressError(
            f"{text.strip()} is a /{length}; this needs a /64, "
            f"e.g. {format_prefix(net >> 64 << 64, 64)}"
        )
    return net


# -- the commands ----------------------------------------------------------------------


def _run_info(args: argparse.Namespace) -> int:
    from .._calc import info

    data = info(args.value)
    if args.json:
        print_json(data)
        return 0
    rows: list[tuple[str, str | list[str]]] = []
    kind = data["type"] + (f" ({data['reference']})" if data["reference"] else "")
    if "multicast_scope" in data:
        kind += f", scope {data['multicast_scope']}"
    if data["kind"] == "address":
        rows += [("address", data["address"]), ("expanded", data["expanded"]), ("type", kind)]
        if "subnet" in data:
            iid = data["iid"]
            if "eui64_mac" in data:
                iid += f"  (modified EUI-64 of MAC {data['eui64_mac']})"
            rows += [("subnet", data["subnet"]), ("interface id", iid)]
        if "ipv4" in data:
            rows.append(("ipv4", data["ipv4"]))
        if "solicited_node" in data:
            rows.append(("solicited-node", data["solicited_node"]))
        rows.append(("ptr", data["ptr"]))
    else:
        length = data["length"]
        if data["type"] == "mixed":
            kind = "mixed: holds several address types"
        rows += [("prefix", data["prefix"]), ("expanded", data["expanded"]), ("type", kind)]
        if "contains" in data:
            rows.append(("contains", data["contains"]))
        rows += [
            ("first", data["first"]),
            ("last", data["last"]),
            ("size", _size_text(length)),
        ]
        if "usable" in data:
            ends = " and ".join(data["usable"])
            note = "both ends usable, RFC 6164" if length == 127 else "one address"
            rows.append(("usable", f"{ends}  ({note})"))
        zones = data["reverse_zones"]
        if data["nibble_aligned"]:
            rows.append(("nibble", "yes"))
        else:
            zone_length = -(-length // 4) * 4
            rows.append(("nibble", f"no — reverse DNS needs {len(zones)} zones at /{zone_length}"))
        rows.append(("reverse zone" if len(zones) == 1 else "reverse zones", zones))
    _print_rows(rows)
    return 0


def _run_subnets(args: argparse.Namespace) -> int:
    from .._calc import subnet_count, subnets
    from .._errors import InputError
    from .._prefix import format_prefix, parse_prefix

    if args.limit < 0:
        raise InputError(f"--limit {args.limit} must be 0 (all) or more")
    net, length = parse_prefix(args.prefix)
    limit = args.limit or None
    items = subnets(net, length, args.length, args.order, args.step, limit)
    total = subnet_count(length, args.length)
    shown = total if limit is None else min(limit, total)
    parent = format_prefix(net, length)
    if args.json:
        head = {
            "prefix": parent,
            "length": args.length,
            "order": args.order,
            "step": args.step,
            "total": total,
            "shown": shown,
        }
        _stream_json(head, "subnets", (format_prefix(n, ln) for n, ln in items))
        return 0
    how = args.order + (f", every {args.step}th first" if args.step > 1 else "")
    print(f"{parent} → /{args.length}: {_plural(total, 'subnet')} ({how} order)")
    for sub_net, sub_length in items:
        print(format_prefix(sub_net, sub_length))
    if shown < total:
        print(f"… first {shown:,} of {total:,}; --limit K for more, --limit 0 for all")
    return 0


def _run_eui64(args: argparse.Namespace) -> int:
    from .._calc import eui64, format_mac, parse_mac, solicited_node
    from .._prefix import expand_address, format_address, format_prefix

    prefix = _parse_net64(args.prefix)
    address = eui64(prefix, args.mac)
    mac_value, bits = parse_mac(args.mac)
    data: dict[str, Any] = {
        "prefix": format_prefix(prefix, 64),
        "mac": format_mac(mac_value, bits),
        "iid": expand_address(address)[20:],
        "address": format_address(address),
        "solicited_node": format_address(solicited_node(address)),
    }
    if args.json:
        print_json(data)
        return 0
    how = "ff:fe inserted, " if bits == 48 else ""
    _print_rows(
        [
            ("address", data["address"]),
            ("interface id", f"{data['iid']}  ({how}U/L bit 0x02 inverted)"),
            ("mac", data["mac"]),
            ("solicited-node", data["solicited_node"]),
        ]
    )
    return 0


def _run_reverse(args: argparse.Namespace) -> int:
    from .._calc import ptr_name, reverse_zones
    from .._prefix import format_address, format_prefix, parse_address, parse_prefix

    if "/" not in args.prefix:
        address = parse_address(args.prefix)
        if args.json:
            print_json({"address": format_address(address), "ptr": ptr_name(address)})
        else:
            print(ptr_name(address))
        return 0
    net, length = parse_prefix(args.prefix)
    zones = reverse_zones(net, length)
    zone_length = -(-length // 4) * 4
    if args.json:
        print_json(
            {
                "prefix": format_prefix(net, length),
                "nibble_aligned": length % 4 == 0,
                "zone_length": zone_length,
                "zones": zones,
            }
        )
        return 0
    if len(zones) > 1:
        print(
            f"{format_prefix(net, length)} is not on a nibble boundary: "
            f"{len(zones)} zones at /{zone_length}"
        )
    print("\n".join(zones))
    return 0


def _run_p2p(args: argparse.Namespace) -> int:
    from .._calc import P2P_LINK_COUNT, p2p_links, p2p_reserved
    from .._errors import InputError
    from .._prefix import format_address, format_prefix

    if args.limit < 0:
        raise InputError(f"--limit {args.limit} must be 0 (all) or more")
    net = _parse_net64(args.prefix)
    links = p2p_links(net)
    if args.limit:
        links = (link for link, _ in zip(links, range(args.limit), strict=False))
    shown = min(args.limit, P2P_LINK_COUNT) if args.limit else P2P_LINK_COUNT
    (zero_net, zero_len), (top_net, top_len) = p2p_reserved(net)
    reserved = [
        {"prefix": format_prefix(zero_net, zero_len), "why": "subnet-router anycast (IID 0)"},
        {"prefix": format_prefix(top_net, top_len), "why": "reserved anycast IIDs (RFC 2526)"},
    ]
    if args.json:
        head = {
            "prefix": format_prefix(net, 64),
            "total": P2P_LINK_COUNT,
            "shown": shown,
            "reserved": reserved,
        }
        items = (
            {"prefix": format_prefix(n, 127), "a": format_address(n), "b": format_address(n | 1)}
            for n, _ in links
        )
        _stream_json(head, "links", items)
        return 0
    print(f"/127 links in {format_prefix(net, 64)} (RFC 6164): {P2P_LINK_COUNT:,} usable")
    rows: list[tuple[str, str | list[str]]] = [
        ("reserved", f"{r['prefix']:<42} {r['why']}") for r in reserved
    ]
    for i, (link, _) in enumerate(links, 1):
        ends = f"{format_address(link)} ↔ {format_address(link | 1)}"
        rows.append((f"link {i}", f"{format_prefix(link, 127):<42} {ends}"))
    _print_rows(rows)
    if shown < P2P_LINK_COUNT:
        print(f"… first {shown:,}; --limit K for more")
    return 0


def _run_iid(args: argparse.Namespace) -> int:
    from .._calc import stable_iid
    from .._prefix import expand_address, format_address, format_prefix

    prefix = _parse_net64(args.prefix)
    if args.secret_file is not None:
        from .._io import read_input
        from .._limits import SECRET_BYTES

        # A key is 16 to 64 bytes: a regular file of at most 4 KiB (never /dev/zero or a FIFO).
        secret: str | bytes = read_input(
            args.secret_file, what="--secret-file", limit=SECRET_BYTES
        ).strip()
    else:
        secret = args.secret
    iid = stable_iid(prefix, args.interface, args.network_id, args.dad_counter, secret)
    data: dict[str, Any] = {
        "prefix": format_prefix(prefix, 64),
        "address": format_address(prefix | iid),
        "iid": expand_address(iid)[20:],
        "interface": args.interface,
        "network_id": args.network_id,
        "dad_counter": args.dad_counter,
        "function": "RFC 7217, F() = SHA-256, low 64 bits",
    }
    if args.json:
        print_json(data)
        return 0
    inputs = (
        f"interface {args.interface}, network id {args.network_id!r}, "
        f"DAD counter {args.dad_counter}"
    )
    _print_rows(
        [
            ("address", data["address"]),
            ("interface id", data["iid"]),
            ("method", f"RFC 7217 with SHA-256 (low 64 bits); {inputs}"),
        ]
    )
    return 0


def _parse_time(text: str) -> datetime | int:
    """``--time``: an ISO-8601 time (naive = UTC) or a 64-bit NTP timestamp in hex."""
    from datetime import datetime

    from .._errors import InputError

    candidate = text.strip()
    try:
        if candidate.lower().startswith("0x"):
            value = int(candidate, 16)
            if value >= 1 << 64:
                raise ValueError
            return value
        return datetime.fromisoformat(candidate)
    except ValueError:
        raise InputError(
            f"--time {text!r} is neither an ISO-8601 time (2024-03-31T08:48:00Z) "
            "nor a 64-bit NTP timestamp in hex (0xe9b3a1c000000000)"
        ) from None


def _ntp_text(stamp: int) -> str:
    from datetime import UTC, datetime, timedelta

    when = datetime(1900, 1, 1, tzinfo=UTC) + timedelta(
        seconds=(stamp >> 32) + (stamp & 0xFFFFFFFF) / 2**32
    )
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def _run_ula(args: argparse.Namespace) -> int:
    from .._calc import make_ula
    from .._prefix import format_prefix

    when = _parse_time(args.time) if args.time is not None else None
    made = make_ula(args.mac, when)
    global_id = f"{(made.net >> 80) & 0xFFFFFFFFFF:010x}"
    eui = ":".join(f"{b:02x}" for b in made.eui64)
    data: dict[str, Any] = {
        "prefix": format_prefix(made.net, made.length),
        "global_id": f"{global_id[:2]}:{global_id[2:6]}:{global_id[6:]}",
        "ntp_time": f"{made.ntp_time:#018x}",
        "time": _ntp_text(made.ntp_time),
        "eui64": eui,
        "source": made.source,
        "mac": made.mac,
        "first_64": format_prefix(made.net, 64),
    }
    if args.json:
        print_json(data)
        return 0
    origin = f"modified EUI-64 of MAC {made.mac}" if made.mac else "random bytes"
    _print_rows(
        [
            ("ula", data["prefix"]),
            ("global id", data["global_id"]),
            ("ntp time", f"{data['ntp_time']}  ({data['time']})"),
            ("eui-64", f"{eui}  ({origin})"),
            ("first /64", data["first_64"]),
        ]
    )
    return 0
