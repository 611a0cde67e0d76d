"""Routers as the plan describes them: loopbacks, p2p link ends, the LANs each serves.

The router formats (FRR, radvd, Kea on local interfaces, BIND's PTR names) all need the
same interface names for the same router, so naming lives here, in one place. LANs are
kept as integer arrays: a router with a million LANs costs 4 bytes each, not an object.
"""

from __future__ import annotations

import string
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

from .._errors import InputError
from .._plan import Kind, Plan
from .._routers import NAME as _NAME
from .._routers import is_template, serving
from .._space import blocks_cover
from . import ExportOptions

__all__ = ["LinkEnd", "Router", "Topology", "pool_blocks"]

_LAN_KEYS = ("vlan", "name", "index", "n", "router", "parent")
_P2P_KEYS = ("peer", "link", "index", "router")
#: Roles whose block is no summary: a link, loopbacks and their hosts.
_NOT_SUMMARISED = frozenset(("p2p", "loopback", "host"))


@dataclass(slots=True)
class LinkEnd:
    node: int  # the p2p /64
    side: int  # 0 → ::2, 1 → ::3 of the /127 at ::2
    peer: str
    interface: str = ""

    def address(self, plan: Plan) -> int:
        return plan.net[self.node] + 2 + self.side


@dataclass(slots=True)
class Router:
    name: str
    loopbacks: list[int] = field(default_factory=list)  # host /128 nodes named after it
    links: list[LinkEnd] = field(default_factory=list)
    lans: array[int] = field(default_factory=lambda: array("i"))
    #: Blocks whose router this router is from that node down (the level that maps to it):
    #: the aggregates it originates. LANs named on their own are in ``lone``.
    aggregates: list[int] = field(default_factory=list)
    lone: array[int] = field(default_factory=lambda: array("i"))
    #: Parents of the customers it serves: its DHCPv6-PD pools.
    pools: list[int] = field(default_factory=list)


class Topology:
    """Every router under node ``top``, from loopback names, p2p ``ends`` and ``router:``."""

    def __init__(self, plan: Plan, top: int, options: ExportOptions) -> None:
        self.plan = plan
        self.top = top
        self.routers: dict[str, Router] = {}
        self.unrouted = array("i")  # LANs no router serves
        self.lan_template = options.get("lan-interface")
        self.p2p_template = options.get("p2p-interface")
        for template, keys, key in (
            (self.lan_template, _LAN_KEYS, "lan-interface"),
            (self.p2p_template, _P2P_KEYS, "p2p-interface"),
        ):
            if template:
                _check_template(template, keys, f"--set {key}")
        self._scan()
        self._summarise_levels()

    def router(self, name: str) -> Router:
        router = self.routers.get(name)
        if router is None:
            router = self.routers[name] = Router(name)
        return router

    def _scan(self) -> None:
        plan, top = self.plan, self.top
        kinds = plan.kinds
        roles = [k.role for k in kinds]
        interesting = {r for r in ("lan", "p2p", "host", "customer") if r in roles}
        if not interesting:
            return
        kind, index, plen, names, parent = plan.kind, plan.index, plan.plen, plan.name, plan.parent
        templated = any(is_template(k.router) for k in kinds)
        routed = serving(plan, top) if any(k.router for k in kinds) else None
        pool_parent = -1
        for i in range(top, plan.end[top]):
            if routed is not None:
                _, r, here = next(routed)
            else:
                r, here = "", False
            role = roles[kind[i]]
            if here:
                if templated and not _NAME.match(r):
                    raise self._bad_router(i, r)
                if role == "lan":
                    self.router(r).lone.append(i)
                elif role not in _NOT_SUMMARISED:
                    self.router(r).aggregates.append(i)
            if role == "lan":
                if r:
                    self.router(r).lans.append(i)
                else:
                    self.unrouted.append(i)
            elif role == "customer":
                p = parent[i]
                if r and not here and p != pool_parent and roles[kind[p]] != "customer":
                    pool_parent = p
                    self.router(r).pools.append(p)
            elif role == "p2p" and plen[i] == 64:
                pairs = kinds[kind[i]].ends
                j = index[i]
                if j < len(pairs):
                    a, b = pairs[j]
                    self.router(a).links.append(LinkEnd(i, 0, b))
                    self.router(b).links.append(LinkEnd(i, 1, a))
            elif role == "host" and i > 0 and roles[kind[parent[i]]] == "loopback":
                template = kinds[kind[i]].template
                if template is not None and index[i] < len(template.names):
                    self.router(names[i]).loopbacks.append(i)

    def _summarise_levels(self) -> None:
        """A level that maps to one router is its summary: when every child of a block is
        summarised by the same router (``router: "bng-{parent}"`` on each PoP of a region),
        that router originates the block itself (the region), not one route per child."""
        plan, top = self.plan, self.top
        parent, kinds, kind = plan.parent, plan.kinds, plan.kind
        owner = {i: r.name for r in self.routers.values() for i in r.aggregates}
        if not owner:
            return
        todo = {parent[i] for i in owner}
        while todo:
            p = todo.pop()
            if p <= 0 or p < top or kinds[kind[p]].group or p in owner:
                continue
            children = list(plan.children(p))
            names = {owner.get(c, "") for c in children}
            if len(names) != 1 or "" in names:
                continue
            for c in children:
                del owner[c]
            owner[p] = names.pop()
            todo.add(parent[p])
        for router in self.routers.values():
            router.aggregates = []
        for i in sorted(owner):
            self.routers[owner[i]].aggregates.append(i)

    def _bad_router(self, i: int, name: str) -> InputError:
        """A ``router:`` template that made no usable name for node ``i`` (too long)."""
        plan = self.plan
        where = plan.source or "the spec"
        template = plan.kinds[plan.kind[i]].template
        if template is not None:
            line, col = template.place("router")
            where = f"{where}:{line}:{col}"
        return InputError(
            f"{where}: router template {plan.kinds[plan.kind[i]].router!r} makes "
            f"{name[:80]!r} for {plan.path(i)}, which is not a usable router name (up to 63 "
            "letters, digits, '.', '_', '+' or '-') — shorten the template or the names"
        )

    # -- interface names ----------------------------------------------------------------
    def name_links(self, router: Router) -> set[str]:
        """Give each link end its interface name; return the names used."""
        plan = self.plan
        used: set[str] = set()
        for end in router.links:
            kind = plan.kinds[plan.kind[end.node]]
            template = kind.interface or self.p2p_template or "to-{peer}"
            name = _expand(
                template,
                {
                    "peer": end.peer,
                    "link": plan.name[end.node],
                    "index": plan.index[end.node] + 1,
                    "router": router.name,
                },
                _P2P_KEYS,
                self._where(kind, "p2p-interface"),
            )
            end.interface = _unique(name, used)
            used.add(end.interface)
        return used

    def lan_interfaces(self, router: Router | None) -> Iterator[tuple[int, str]]:
        """``(LAN node, interface name)`` for a router's LANs (``None``: unrouted LANs)."""
        plan = self.plan
        used = self.name_links(router) if router is not None else set()
        lans = router.lans if router is not None else self.unrouted
        router_name = router.name if router is not None else ""
        kinds, kind, index, name, parent = plan.kinds, plan.kind, plan.index, plan.name, plan.parent
        cache: dict[int, tuple[str, bool, str]] = {}  # kind -> (template, unique by n, where)
        for n, i in enumerate(lans, 1):
            k = kind[i]
            entry = cache.get(k)
            if entry is None:
                kd = kinds[k]
                template = kd.interface or self.lan_template
                if not template:
                    template = "vlan{vlan}" if kd.vlan is not None else "lan{n}"
                where = self._where(kd, "lan-interface")
                _check_template(template, _LAN_KEYS, where)
                entry = cache[k] = (template, "{n}" in template, where)
            template, by_n, where = entry
            vlan_base = kinds[k].vlan
            values = {
                "vlan": "" if vlan_base is None else vlan_base + index[i],
                "name": name[i],
                "index": index[i] + 1,
                "n": n,
                "router": router_name,
                "parent": name[parent[i]] if i else "",
            }
            text = template.format_map(values)
            if not by_n or text in used:
                text = _unique(text, used)
                used.add(text)
            yield i, text

    def _where(self, kind: Kind, setting: str) -> str:
        template = kind.template
        spec = self.plan.source or "the spec"
        if template is not None and kind.interface:
            line, col = template.place("interface")
            return f"{spec}:{line}:{col}"
        return f"--set {setting}"


def pool_blocks(plan: Plan, p: int) -> list[tuple[int, int, int]]:
    """``(net, length, customer length)``: the customers under ``p`` as the fewest aligned
    blocks, per customer length — the pools a router hands out by DHCPv6-PD."""
    kinds, kind, net, plen = plan.kinds, plan.kind, plan.net, plan.plen
    by_length: dict[int, list[int]] = {}
    for c in plan.children(p):
        if kinds[kind[c]].role == "customer":
            by_length.setdefault(plen[c], []).append(net[c])
    blocks: list[tuple[int, int, int]] = []
    for length, nets in sorted(by_length.items()):
        blocks.extend((b, bl, length) for b, bl in blocks_cover(sorted(nets), length))
    return blocks


def _unique(name: str, used: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3`` … when a router already has it."""
    if name not in used:
        return name
    k = 2
    while f"{name}-{k}" in used:
        k += 1
    return f"{name}-{k}"


def _check_template(template: str, keys: tuple[str, ...], where: str) -> None:
    """Placeholders by name only: a format spec (``{vlan:099999999}``) would let a template
    make names of any size, and attribute access (``{name.x}``) reach into objects."""
    try:
        fields = [
            (f, spec, conversion)
            for _, f, spec, conversion in string.Formatter().parse(template)
            if f is not None
        ]
    except ValueError as exc:
        raise InputError(f"{where}: interface template {template!r}: {exc}") from None
    for f, spec, conversion in fields:
        if f not in keys:
            raise InputError(
                f"{where}: interface template {template!r} uses {{{f}}}; "
                f"it may use {', '.join('{' + k + '}' for k in keys)}"
            )
        if spec or conversion:
            raise InputError(
                f"{where}: interface template {template!r}: write the placeholder as {{{f}}}, "
                "without a format or conversion"
            )


def _expand(template: str, values: dict[str, object], keys: tuple[str, ...], where: str) -> str:
    _check_template(template, keys, where)
    return template.format_map(values)
