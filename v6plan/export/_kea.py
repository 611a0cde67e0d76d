"""Kea DHCPv6 server configuration (JSON): a subnet per LAN, PD pools for customers.

Two ways to run Kea (``--set mode=``):

- ``relay`` (the default): one central server the LAN routers relay to. Kea picks a
  relayed request's subnet by the relay's link-address, so every LAN subnet names its
  router's LAN address (the plan's gateway ``::1``) and every customer block the address its
  router relays from (the router's loopback, when the plan has one: BNGs relay from it on
  unnumbered subscriber interfaces). Blocks one router relays for share that address, so
  they become one Kea shared network.
- ``local``: Kea runs on the router itself. Each subnet names its interface (the same
  names as the FRR and radvd files); customer blocks take ``--set pd-interface=`` (default:
  the block's name), and subnets on one interface share it as a shared network (an access
  LAN and the customer pool behind it: IA_NA from the one, IA_PD from the other).

Customer blocks become prefix-delegation pools: every parent that holds customers gets one
subnet whose ``pd-pools`` cover exactly its customers in the fewest aligned blocks, with the
customers' length as ``delegated-len``. Lifetimes are a day's lease by default (preferred
12 h < valid 24 h), T1/T2 at 0.5 and 0.8 of the preferred lifetime (RFC 8415 §14.2), each
settable. Nothing RFC 9915 deprecates is written: no IA_TA, no Unicast option.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, TextIO

from .._errors import InputError
from .._plan import Plan
from .._prefix import format_address, format_prefix
from .._space import blocks_cover, cidr_cover, free_gaps
from . import ExportOptions
from ._common import Ticker, selected
from ._text import addresses, bad_interface, dns_names, interface_name, interface_ok, kea_string
from ._topology import Topology

__all__ = ["write_kea"]

_IID_BITS = 64
Mode = Literal["relay", "local"]
#: Where Kea finds a subnet's clients: ("relay", address) or ("interface", name).
Link = tuple[Literal["relay", "interface"], str]
_PD_KEYS = ("name", "router")


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


def _pd_pool(options: ExportOptions) -> Literal["block", "customers"]:
    """``--set pd-pool=block`` (the default: growth room delegable) or ``customers``."""
    raw = options.get("pd-pool").strip().lower() or "block"
    if raw not in ("block", "customers"):
        raise InputError(
            f"--set pd-pool={options.get('pd-pool')}: use block (the customers' whole block, "
            "growth room included) or customers (exactly the planned customers)"
        )
    return "block" if raw == "block" else "customers"


def _mode(options: ExportOptions) -> Mode:
    """``--set mode=relay|local``; the older ``--set local=yes`` means ``mode=local``."""
    raw = options.get("mode").strip().lower()
    if raw not in ("", "relay", "local"):
        raise InputError(
            f"--set mode={options.get('mode')}: use relay (a central server the routers relay "
            "to) or local (Kea on the router, subnets on its interfaces)"
        )
    local = options.flag("local") if options.get("local") else None
    if raw and local is not None and local != (raw == "local"):
        raise InputError(f"--set local= and --set mode={raw} disagree: give only --set mode=")
    if raw:
        return "local" if raw == "local" else "relay"
    return "local" if local else "relay"


@dataclass(frozen=True, slots=True)
class Lifetimes:
    """Kea's four timers, in seconds: T1 < T2 ≤ preferred < valid."""

    renew: int
    rebind: int
    preferred: int
    valid: int


def lifetimes(options: ExportOptions) -> Lifetimes:
    """``--set preferred= valid= renew= rebind=`` with their defaults, checked together."""
    top = 2**32 - 2  # 0xffffffff is "infinity" on the wire: not a lease time to write
    preferred = options.number("preferred", 43200, 60, top - 1)
    valid = options.number("valid", min(2 * preferred, top), 61, top)
    renew = options.number("renew", preferred // 2, 1, top)
    rebind = options.number("rebind", preferred * 4 // 5, 1, top)
    if preferred >= valid:
        raise InputError(
            f"--set preferred={preferred} is not shorter than valid={valid}: a lease's "
            "preferred lifetime must end before its valid lifetime (e.g. preferred=43200 "
            "valid=86400)"
        )
    if not renew < rebind <= preferred:
        raise InputError(
            f"--set renew={renew} rebind={rebind}: clients renew (T1) before they rebind (T2), "
            f"and rebind no later than the preferred lifetime ({preferred}); the usual values "
            f"are 0.5 and 0.8 of it: renew={preferred // 2} rebind={preferred * 4 // 5}"
        )
    return Lifetimes(renew, rebind, preferred, valid)


@dataclass(slots=True)
class _Pd:
    """One customer block's subnet: its pools and where Kea meets its clients."""

    node: int
    blocks: list[tuple[int, int]]
    length: int
    link: Link | None = None
    router: str = ""
    whole: bool = False  # the block's growth room is in the pools too


@dataclass(slots=True)
class _Shared:
    """Subnets met at one link: written as one Kea shared network."""

    name: str
    link: Link
    records: list[str] = field(default_factory=list)


def write_kea(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """A whole ``{"Dhcp6": …}`` document, one subnet per line (streamed)."""
    top = selected(plan, options)
    mode = _mode(options)
    local = mode == "local"
    pool = _pool_range(options)
    times = lifetimes(options)
    router_name = options.get("router")
    first_id = options.number("first-id", 1, 1, 2**32 - 2)
    dns = addresses(options.get("dns"), "dns")
    search = dns_names(options.get("domain-search"), "--set domain-search")
    listen = _listen(options)
    ticker = Ticker(options, 2 * (plan.end[top] - top))

    pds = list(_customer_pools(plan, top, router_name, _pd_pool(options) == "block"))
    topology = Topology(plan, top, options) if local or router_name or pds else None
    lans = _lans(plan, top, local, router_name, topology)
    _pd_links(plan, pds, mode, topology, options)
    shared = _shared_links(pds, local)

    w = out.write
    note = f"Kea DHCPv6 for {plan.title} ({plan.prefix}), written by v6plan"
    if not local and not any("/" in name for name in listen):
        note += "; relays reach it at a unicast address: --set listen=IFACE/ADDRESS"
    if not local and any(pd.link is None for pd in pds):
        note += (
            "; customer blocks whose router has no loopback in the plan name no relay: "
            'add "relay": {"ip-addresses": [ADDRESS IT RELAYS FROM]}'
        )
    w('{\n"Dhcp6": {\n')
    w(f'  "comment": {kea_string(note + "; check: kea-dhcp6 -t FILE")},\n')
    for key, value in _head(times, dns, search, listen, local).items():
        w(f"  {json.dumps(key)}: {json.dumps(value)},\n")
    w('  "subnet6": [')
    pd_interfaces = {pd.link[1] for pd in pds if pd.link and pd.link[0] == "interface"}
    writer = _Subnets(plan, out, first_id, pool, mode, shared, pd_interfaces)
    interfaces: dict[str, None] = {}
    for n, (i, ifname) in enumerate(lans):
        if not n % 4096:
            ticker.add(4096)
        writer.lan(i, ifname)
        if ifname:
            interfaces[ifname] = None
    for pd in pds:
        writer.pd(pd)
        if pd.link is not None and pd.link[0] == "interface":
            interfaces[pd.link[1]] = None
    writer.close()
    if shared:
        w(',\n  "shared-networks": [')
        w(",".join(_shared_network(group) for group in shared.values()))
        w("\n  ]")
    if local:
        w(f',\n  "interfaces-config": {json.dumps({"interfaces": list(interfaces) or listen})}')
    w(
        ',\n  "loggers": [{"name": "kea-dhcp6", "output_options": [{"output": "stdout"}], '
        '"severity": "INFO"}]\n}\n}\n'
    )


def _head(
    times: Lifetimes, dns: list[str], search: list[str], listen: list[str], local: bool
) -> dict[str, object]:
    """The global parameters, before the subnets."""
    head: dict[str, object] = {}
    if not local:  # local: filled in after the subnets, from their interfaces
        head["interfaces-config"] = {"interfaces": listen}
    head |= {
        "lease-database": {"type": "memfile", "lfc-interval": 3600},
        "renew-timer": times.renew,
        "rebind-timer": times.rebind,
        "preferred-lifetime": times.preferred,
        "valid-lifetime": times.valid,
    }
    options_data = []
    if dns:
        options_data.append({"name": "dns-servers", "data": ", ".join(dns)})
    if search:
        options_data.append({"name": "domain-search", "data": ", ".join(search)})
    if options_data:
        head["option-data"] = options_data
    return head


def _lans(
    plan: Plan, top: int, local: bool, router_name: str, topology: Topology | None
) -> Iterator[tuple[int, str]]:
    """``(LAN, interface)``: the interface only in local mode (the LANs of one router)."""
    if not (local or router_name) or topology is None:
        return ((i, "") for i in _lans_outside_customers(plan, top))
    if router_name:
        router = topology.routers.get(router_name)
        if router is None:
            raise InputError(
                f"no router {router_name!r} in the plan; routers: "
                f"{', '.join(list(topology.routers)[:12]) or 'none'}"
            )
        found = topology.lan_interfaces(router)
    elif topology.routers and any(r.lans for r in topology.routers.values()):
        raise InputError(
            "--set mode=local writes the Kea of one router: add --router NAME "
            f"(routers: {', '.join(list(topology.routers)[:12])})"
        )
    else:
        found = topology.lan_interfaces(None)
    return found if local else ((i, "") for i, _ in found)


def _pd_links(
    plan: Plan, pds: list[_Pd], mode: Mode, topology: Topology | None, options: ExportOptions
) -> None:
    """Where each customer block meets its clients: its router's loopback (relay) or its
    access interface (local)."""
    template = options.get("pd-interface") or "{name}"
    for key in _placeholders(template):
        if key not in _PD_KEYS:
            raise InputError(
                f"--set pd-interface={template}: {{{key}}} is not a placeholder; "
                f"use {{name}} (the block's name) or {{router}}"
            )
    if mode == "relay" and (topology is None or not topology.routers):
        return  # no router in the plan: no relay address to name
    for pd in pds:
        pd.router = plan.node(pd.node).router if pd.node > 0 else ""
        if mode == "local":
            name = template.format_map({"name": plan.name[pd.node] or "pd", "router": pd.router})
            if not interface_ok(name):
                raise bad_interface(
                    name, plan.where(pd.node), hint=", or name the customers' access "
                    "interface with --set pd-interface=NAME"
                )  # fmt: skip
            pd.link = ("interface", name)
            continue
        router = topology.routers.get(pd.router) if topology and pd.router else None
        if router is not None and router.loopbacks:
            pd.link = ("relay", format_address(plan.net[router.loopbacks[0]]))


def _placeholders(template: str) -> list[str]:
    import string

    try:
        return [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError:
        raise InputError(
            f"--set pd-interface={template}: unbalanced braces; use {{name}} or {{router}}"
        ) from None


def _shared_links(pds: list[_Pd], local: bool) -> dict[Link, _Shared]:
    """Links two customer blocks are met at (one router's, or one interface): each becomes a
    shared network, filled as the subnets are written (a LAN on such an interface joins)."""
    count: dict[Link, int] = {}
    for pd in pds:
        if pd.link is not None:
            count[pd.link] = count.get(pd.link, 0) + 1
    names = {pd.link: pd.router or pd.link[1] for pd in pds if pd.link is not None}
    return {
        link: _Shared(link[1] if local else names[link], link) for link, n in count.items() if n > 1
    }


class _Subnets:
    """Writes subnet records into ``subnet6``, or holds them for their shared network."""

    def __init__(
        self,
        plan: Plan,
        out: TextIO,
        first_id: int,
        pool: tuple[int, int] | None,
        mode: Mode,
        shared: dict[Link, _Shared],
        pd_interfaces: set[str],
    ) -> None:
        self.plan, self.out, self.pool, self.mode, self.shared = plan, out, pool, mode, shared
        self.id = first_id
        self.sep = "\n    "
        self.batch: list[str] = []
        self.pd_interfaces = pd_interfaces  # a LAN there shares its link with customers

    def lan(self, i: int, ifname: str) -> None:
        plan = self.plan
        plen = plan.plen[i]
        pool = self.pool if plen <= 128 - _IID_BITS else None
        subnet, pool_text, gateway = lan_texts(plan.net[i], plen, pool)
        record = f'{{"id": {self.id}, "subnet": "{subnet}"'
        if pool_text:
            record += f', "pools": [{{"pool": "{pool_text}"}}]'
        if ifname:
            if not interface_ok(ifname):
                raise bad_interface(ifname, plan.path(i))
            if ifname in self.pd_interfaces:  # met with a customer block: shared network
                self.hold(("interface", ifname), record + self.context(i))
                return
            record += f', "interface": {json.dumps(ifname)}'
        elif self.mode == "relay":
            record += f', "relay": {{"ip-addresses": ["{gateway}"]}}'
        self.add(record + self.context(i))

    def context(self, i: int) -> str:
        plan = self.plan
        vlan = plan.kinds[plan.kind[i]].vlan
        context: dict[str, object] = {"v6plan": plan.path(i)}
        if vlan is not None:
            context["vlan"] = vlan + plan.index[i]
        return f', "user-context": {json.dumps(context, ensure_ascii=False)}}}'

    def pd(self, pd: _Pd) -> None:
        plan = self.plan
        pools = ", ".join(
            f'{{"prefix": "{format_address(b_net)}", "prefix-len": {b_len}, '
            f'"delegated-len": {pd.length}}}'
            for b_net, b_len in pd.blocks
        )
        context: dict[str, object] = {
            "v6plan": plan.path(pd.node) or plan.title,
            "customers": f"/{pd.length}",
        }
        if pd.whole:
            context["pd-pool"] = "block"  # growth room included (--set pd-pool=customers)
        record = f'{{"id": {self.id}, "subnet": "{plan.prefix_text(pd.node)}", "pd-pools": [{pools}]'  # fmt: skip
        if pd.link is not None and pd.link in self.shared:
            self.hold(pd.link, f"{record}, {_context(context)}}}")
            return
        if pd.link is not None:
            record += f", {_link(pd.link)}"
        self.add(f"{record}, {_context(context)}}}")

    def hold(self, link: Link, record: str) -> None:
        group = self.shared.get(link)
        if group is None:
            group = self.shared[link] = _Shared(link[1], link)
        group.records.append(record)
        self.next_id()

    def add(self, record: str) -> None:
        self.batch.append(self.sep + record)
        self.sep = ",\n    "
        self.next_id()
        if len(self.batch) >= 4096:
            self.out.write("".join(self.batch))
            self.batch.clear()

    def next_id(self) -> None:
        self.id += 1
        if self.id > 2**32 - 1:
            raise InputError("more subnets than Kea's 32-bit subnet ids")

    def close(self) -> None:
        self.out.write("".join(self.batch))
        self.out.write("\n  ]" if self.sep != "\n    " else "]")


def lan_texts(net: int, plen: int, pool: tuple[int, int] | None) -> tuple[str, str, str]:
    """A LAN's subnet, pool (``first-last``, or empty) and gateway ``::1`` as RFC 5952 text.

    With the pool's ends below 0x10000 (the default 1000-ffff) the three addresses differ
    only in their last group, whose zero runs are the same: one address is formatted and the
    others are written from its stem (a million LANs: 3 formats each → 1).
    """
    if pool is not None and pool[1] < 0x10000:
        low, high = pool
        first = format_address(net + low)
        stem = first[: first.rindex(":") + 1]
        # the subnet's text: its last four groups are zero, so ends in "::" like the stem
        # whenever the stem does (a longer zero run before them would tie, first wins)
        subnet = f"{stem}/64" if plen == 64 and stem.endswith("::") else format_prefix(net, plen)
        return subnet, f"{first}-{stem}{high:x}", f"{stem}1"
    pool_text = ""
    if pool is not None:
        pool_text = f"{format_address(net + pool[0])}-{format_address(net + pool[1])}"
    return format_prefix(net, plen), pool_text, format_address(net + 1)


def _context(context: dict[str, object]) -> str:
    return f'"user-context": {json.dumps(context, ensure_ascii=False)}'


def _link(link: Link) -> str:
    kind, value = link
    if kind == "interface":
        return f'"interface": {json.dumps(value)}'
    return f'"relay": {{"ip-addresses": ["{value}"]}}'


def _shared_network(group: _Shared) -> str:
    subnets = ",\n        ".join(group.records)
    return (
        f'\n    {{"name": {json.dumps(group.name)}, {_link(group.link)}, '
        f'"subnet6": [\n        {subnets}\n    ]}}'
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


def _customer_pools(plan: Plan, top: int, router: str, whole: bool = True) -> Iterator[_Pd]:
    """A :class:`_Pd` for every parent holding customers (one per customer length).

    ``whole``: a parent whose customers are of one length delegates its whole block at that
    length, growth room included, minus every other child (a reserve, a LAN) rounded out to
    that length; otherwise, and for mixed lengths, exactly the planned customers.
    """
    kinds, kind, end, net, plen = plan.kinds, plan.kind, plan.end, plan.net, plan.plen
    customer = [k.role == "customer" for k in kinds]
    if not any(customer[k] for k in set(kind[top : end[top]])):
        return
    if customer[kind[top]]:  # one customer exported on its own
        yield _Pd(top, [(net[top], plen[top])], plen[top])
        return
    i, stop = top, end[top]
    while i < stop:
        if customer[kind[i]]:
            i = end[i]
            continue
        if end[i] > i + 1 and (not router or plan.node(i).router == router):
            by_length: dict[int, list[int]] = {}
            others: list[int] = []  # children that are not customers: kept out of the pools
            c, last = i + 1, end[i]
            while c < last:  # the children, by their subtrees' ends (no generator per child)
                if customer[kind[c]]:
                    length = plen[c]
                    nets = by_length.get(length)
                    if nets is None:
                        nets = by_length[length] = []
                    nets.append(net[c])
                else:
                    others.append(c)
                c = end[c]
            if whole and len(by_length) == 1:
                ((length, _),) = by_length.items()
                yield _Pd(i, _block_pools(plan, i, others, length), length, whole=True)
            else:
                for length, nets in sorted(by_length.items()):
                    yield _Pd(i, list(blocks_cover(sorted(nets), length)), length)
        i += 1


def _block_pools(plan: Plan, parent: int, others: list[int], length: int) -> list[tuple[int, int]]:
    """The parent's block at ``length``, minus the other children rounded out to it."""
    unit = 1 << (128 - length)
    start = plan.net[parent]
    stop = start + (1 << (128 - plan.plen[parent]))
    used = []
    for c in others:
        low = plan.net[c] // unit * unit
        high = plan.net[c] + (1 << (128 - plan.plen[c]))
        used.append((low, -(-high // unit) * unit))
    used.sort()
    return [block for gap in free_gaps(start, stop, used) for block in cidr_cover(*gap)]
