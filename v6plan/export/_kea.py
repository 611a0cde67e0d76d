"""Kea DHCPv6 server configuration (JSON): a subnet per LAN, PD pools for customers.

By default the server is central and reached through relays (the LAN routers), so a
subnet is chosen by the relay's link address and names no interface. ``local=yes`` is for a
Kea running on the router itself: each subnet names its LAN interface (the same names as
the FRR and radvd files). Customer blocks become prefix-delegation pools: every parent that
holds customers gets one subnet whose ``pd-pools`` cover its customers in aligned blocks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from .._errors import InputError
from .._plan import Plan
from .._prefix import format_address, format_prefix
from .._space import cidr_cover
from . import ExportOptions
from ._common import Ticker, selected
from ._text import addresses, bad_interface, dns_names, interface_name, interface_ok, kea_string
from ._topology import Topology

__all__ = ["write_kea"]

_IID_BITS = 64


def _pool_range(options: ExportOptions) -> tuple[int, int] | None:
    raw = options.get("pool", "1000-ffff") or "1000-ffff"
    if raw.lower() == "none":
        return None
    low_text, dash, high_text = raw.partition("-")
    try:
        low, high = int(low_text, 16), int(high_text, 16)
    except ValueError:
        low, high = -1, -1
    if not dash or not 0 < low <= high < 1 << _IID_BITS:
        raise InputError(
            f"--set pool={raw}: give the pool as a range of interface ids in hex, "
            "e.g. 1000-ffff (or none)"
        )
    return low, high


def write_kea(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """A whole ``{"Dhcp6": …}`` document, one subnet per line (streamed)."""
    top = selected(plan, options)
    pool = _pool_range(options)
    local = options.flag("local")
    router_name = options.get("router")
    first_id = options.number("first-id", 1, 1, 2**32 - 2)
    dns = addresses(options.get("dns"), "dns")
    search = dns_names(options.get("domain-search"), "--set domain-search")
    listen = _listen(options)
    ticker = Ticker(options, 2 * (plan.end[top] - top))

    lans: Iterator[tuple[int, str]]
    if local or router_name:
        topology = Topology(plan, top, options)
        if router_name:
            router = topology.routers.get(router_name)
            if router is None:
                raise InputError(
                    f"no router {router_name!r} in the plan; routers: "
                    f"{', '.join(list(topology.routers)[:12]) or 'none'}"
                )
            lans = topology.lan_interfaces(router)
        elif topology.routers and any(r.lans for r in topology.routers.values()):
            raise InputError(
                "--set local=yes writes the Kea of one router: add --router NAME "
                f"(routers: {', '.join(list(topology.routers)[:12])})"
            )
        else:
            lans = topology.lan_interfaces(None)
    else:
        lans = ((i, "") for i in _lans_outside_customers(plan, top))

    w = out.write
    options_data = []
    if dns:
        options_data.append({"name": "dns-servers", "data": ", ".join(dns)})
    if search:
        options_data.append({"name": "domain-search", "data": ", ".join(search)})
    head: dict[str, object] = {
        "interfaces-config": {"interfaces": listen},
        "lease-database": {"type": "memfile", "lfc-interval": 3600},
        "renew-timer": 1000,
        "rebind-timer": 2000,
        "preferred-lifetime": 3000,
        "valid-lifetime": 4000,
    }
    if options_data:
        head["option-data"] = options_data
    note = (
        f"Kea DHCPv6 for {plan.title} ({plan.prefix}), written by v6plan; check: kea-dhcp6 -t FILE"
    )
    w('{\n"Dhcp6": {\n')
    w(f'  "comment": {kea_string(note)},\n')
    for key, value in head.items():
        if key == "interfaces-config" and local:
            continue  # filled in after the subnets, from their interfaces
        w(f"  {json.dumps(key)}: {json.dumps(value)},\n")
    w('  "subnet6": [')
    subnet_id = first_id
    sep = "\n    "
    batch: list[str] = []
    interfaces: list[str] = []
    net, plen, kinds, kind, index = plan.net, plan.plen, plan.kinds, plan.kind, plan.index
    seen_interfaces: set[str] = set()
    for n, (i, ifname) in enumerate(lans):
        if not n % 4096:
            ticker.add(4096)
        record = f'{{"id": {subnet_id}, "subnet": "{format_prefix(net[i], plen[i])}"'
        if pool is not None and plen[i] <= 128 - _IID_BITS:
            low, high = pool
            record += (
                f', "pools": [{{"pool": "{format_address(net[i] + low)}'
                f'-{format_address(net[i] + high)}"}}]'
            )
        if ifname:
            if not interface_ok(ifname):
                raise bad_interface(ifname, plan.path(i))
            record += f", {json.dumps('interface')}: {json.dumps(ifname)}"
            if ifname not in seen_interfaces:
                seen_interfaces.add(ifname)
                interfaces.append(ifname)
        vlan = kinds[kind[i]].vlan
        context: dict[str, object] = {"v6plan": plan.path(i)}
        if vlan is not None:
            context["vlan"] = vlan + index[i]
        record += f', "user-context": {json.dumps(context, ensure_ascii=False)}}}'
        batch.append(sep + record)
        sep = ",\n    "
        subnet_id += 1
        if len(batch) >= 4096:
            w("".join(batch))
            batch.clear()
    for p, blocks, length in _customer_pools(plan, top, router_name):
        pools = ", ".join(
            f'{{"prefix": "{format_address(b_net)}", "prefix-len": {b_len}, '
            f'"delegated-len": {length}}}'
            for b_net, b_len in blocks
        )
        context = {"v6plan": plan.path(p) or plan.title, "customers": f"/{length}"}
        batch.append(
            f'{sep}{{"id": {subnet_id}, "subnet": "{plan.prefix_text(p)}", "pd-pools": [{pools}], '
            f'"user-context": {json.dumps(context, ensure_ascii=False)}}}'
        )
        sep = ",\n    "
        subnet_id += 1
        if subnet_id > 2**32 - 1:
            raise InputError("more subnets than Kea's 32-bit subnet ids")
        if len(batch) >= 4096:
            w("".join(batch))
            batch.clear()
    w("".join(batch))
    w("\n  ]" if sep != "\n    " else "]")
    if local:
        w(f',\n  "interfaces-config": {json.dumps({"interfaces": interfaces or listen})}')
    w(
        ',\n  "loggers": [{"name": "kea-dhcp6", "output_options": [{"output": "stdout"}], '
        '"severity": "INFO"}]\n}\n}\n'
    )


def _listen(options: ExportOptions) -> list[str]:
    """``--set listen``: ``*``, interface names, or ``NAME/ADDRESS`` (Kea's unicast form)."""
    out = []
    for item in options.get("listen", "*").split(","):
        item = item.strip()
        if not item or item == "*":
            if item:
                out.append(item)
            continue
        name, slash, address = item.partition("/")
        interface_name(name, f"--set listen={item}", hint="")
        if slash:
            (unicast,) = addresses(address, "listen") or [""]
            if not unicast or "," in address:
                raise InputError(f"--set listen={item}: give NAME/ADDRESS, e.g. eth0/2001:db8::1")
            name = f"{name}/{unicast}"
        out.append(name)
    return out or ["*"]


def _lans_outside_customers(plan: Plan, top: int) -> Iterator[int]:
    """LANs under ``top`` except those inside a customer's block (the customer's own)."""
    kinds, kind, end = plan.kinds, plan.kind, plan.end
    roles = [k.role for k in kinds]
    i, stop = top, end[top]
    while i < stop:
        role = roles[kind[i]]
        if role == "customer":
            i = end[i]
            continue
        if role == "lan":
            yield i
        i += 1


def _customer_pools(
    plan: Plan, top: int, router: str
) -> Iterator[tuple[int, list[tuple[int, int]], int]]:
    """``(parent, aligned blocks, customer length)`` for every parent holding customers."""
    kinds, kind, end, net, plen = plan.kinds, plan.kind, plan.end, plan.net, plan.plen
    customer = [k.role == "customer" for k in kinds]
    if not any(customer[k] for k in set(kind[top : end[top]])):
        return
    if customer[kind[top]]:  # one customer exported on its own
        yield top, [(net[top], plen[top])], plen[top]
        return
    i, stop = top, end[top]
    while i < stop:
        if customer[kind[i]]:
            i = end[i]
            continue
        if end[i] > i + 1 and (not router or plan.node(i).router == router):
            by_length: dict[int, list[int]] = {}
            for c in plan.children(i):
                if customer[kind[c]]:
                    by_length.setdefault(plen[c], []).append(net[c])
            for length, nets in sorted(by_length.items()):
                yield i, _cover(sorted(nets), length), length
        i += 1


def _cover(nets: list[int], length: int) -> list[tuple[int, int]]:
    """Runs of adjacent /length blocks as the fewest aligned prefixes."""
    size = 1 << (128 - length)
    blocks: list[tuple[int, int]] = []
    start = prev = nets[0]
    for n in nets[1:]:
        if n != prev + size:
            blocks.extend(cidr_cover(start, prev + size))
            start = n
        prev = n
    blocks.extend(cidr_cover(start, prev + size))
    return blocks
