"""NetBox bulk import (CSV or YAML): prefixes, and the objects they refer to, in import order.

NetBox matches referenced objects by name (tags by slug) and refuses a row whose RIR, role,
tenant, site, VRF, VLAN group or tag does not exist yet, so ``--dir`` writes every object the
prefixes use, numbered in the order to import them. Column sets follow the NetBox release
(``--netbox-version``): 4.0/4.1 name the ``site``; 4.2 replaced it by ``scope_type`` +
``scope_id`` (a database id we cannot know: the site goes to ``comments``); 4.3 added
``vlan_site``; 4.5 ``owner``; 4.5.5 ``scope_name``, which names the site again.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

from .._errors import InputError
from .._plan import Plan
from .._prefix import format_address, parse_prefix
from . import NETBOX_VERSIONS, ExportOptions, Sink
from ._common import BATCH, Ticker, dns_label, selected, slugify, walk
from ._text import csv_cell, dns_domain
from ._topology import Topology

__all__ = [
    "COMPANION_COLUMNS",
    "PREFIX_COLUMNS",
    "write_files_csv",
    "write_files_yaml",
    "write_prefixes_csv",
    "write_prefixes_yaml",
]

_V40 = (
    "prefix", "vrf", "tenant", "site", "vlan_group", "vlan", "status", "role",
    "is_pool", "mark_utilized", "description", "comments", "tags",
)  # fmt: skip
_V42 = (
    "prefix", "vrf", "tenant", "vlan_group", "vlan", "status", "role", "scope_type",
    "scope_id", "is_pool", "mark_utilized", "description", "comments", "tags",
)  # fmt: skip
_V43 = (
    "prefix", "vrf", "tenant", "vlan_group", "vlan_site", "vlan", "status", "role",
    "scope_type", "scope_id", "is_pool", "mark_utilized", "description", "comments", "tags",
)  # fmt: skip
_V45 = (
    "prefix", "vrf", "tenant", "vlan_group", "vlan_site", "vlan", "status", "role",
    "scope_type", "scope_id", "is_pool", "mark_utilized", "description", "owner",
    "comments", "tags",
)  # fmt: skip
_V455 = (
    "prefix", "vrf", "tenant", "vlan_group", "vlan_site", "vlan", "status", "role",
    "scope_type", "scope_id", "scope_name", "is_pool", "mark_utilized", "description",
    "owner", "comments", "tags",
)  # fmt: skip

#: Prefix import columns per ``--netbox-version``.
PREFIX_COLUMNS: dict[str, tuple[str, ...]] = {
    "4.0": _V40,
    "4.1": _V40,
    "4.2": _V42,
    "4.3": _V43,
    "4.4": _V43,
    "4.5": _V45,
    "4.5.5": _V455,
}
assert tuple(PREFIX_COLUMNS) == NETBOX_VERSIONS

#: Columns of the companion files: a subset every NetBox 4.x import form accepts.
COMPANION_COLUMNS: dict[str, tuple[str, ...]] = {
    "tags": ("name", "slug", "color", "description"),
    "rirs": ("name", "slug", "is_private", "description"),
    "aggregates": ("prefix", "rir", "tenant", "description"),
    "roles": ("name", "slug", "weight", "description"),
    "tenants": ("name", "slug", "description"),
    "sites": ("name", "slug", "status", "tenant", "description"),
    "vrfs": ("name", "enforce_unique", "tenant", "description"),
    "vlan-groups": ("name", "slug", "description"),
    "vlans": ("group", "vid", "name", "status", "tenant", "description"),
    "ip-addresses": ("address", "vrf", "tenant", "status", "role", "dns_name", "description"),
}

#: Import order, with where each file goes in NetBox's menu.
_ORDER = (
    ("tags", "Customization › Tags › Import"),
    ("rirs", "IPAM › RIRs › Import"),
    ("aggregates", "IPAM › Aggregates › Import"),
    ("roles", "IPAM › Prefix & VLAN Roles › Import"),
    ("tenants", "Organization › Tenants › Import"),
    ("sites", "Organization › Sites › Import"),
    ("vrfs", "IPAM › VRFs › Import"),
    ("vlan-groups", "IPAM › VLAN Groups › Import"),
    ("vlans", "IPAM › VLANs › Import"),
    ("prefixes", "IPAM › Prefixes › Import"),
    ("ip-addresses", "IPAM › IP Addresses › Import"),
)

_ROLES = {
    "infrastructure": (100, "routers, links and management of the network itself"),
    "site": (200, "an end site (RIPE-690: /48)"),
    "customer": (300, "a customer assignment (/48 business, /56 residential)"),
    "lan": (400, "a LAN: always a /64 (SLAAC, RFC 7421)"),
    "p2p": (500, "a router-to-router link: a /64 reserved, the /127 at ::2 configured (RFC 6164)"),
    "loopback": (600, "router loopbacks: /128s from one /64"),
    "reserve": (900, "kept free for growth"),
}
_POOL_ROLES = ("p2p", "loopback")
#: Well-known RIR blocks (IANA IPv6 unicast address assignments), for the aggregate's RIR.
_RIRS = (
    ("2001:db8::/32", "RFC 3849", True),
    ("3fff::/20", "RFC 9637", True),
    ("fc00::/7", "RFC 4193", True),
    ("2400::/12", "APNIC", False),
    ("2600::/12", "ARIN", False),
    ("2800::/12", "LACNIC", False),
    ("2a00::/12", "RIPE NCC", False),
    ("2c00::/12", "AFRINIC", False),
)
_DESCRIPTION_MAX = 200
_NAME_MAX = 100

Value = str | int | bool | None
Row = tuple[Value, ...]


def _inside(net: int, length: int, block: str) -> bool:
    b_net, b_len = parse_prefix(block)
    return length >= b_len and net >> (128 - b_len) == b_net >> (128 - b_len)


def _clip(text: str, limit: int = _DESCRIPTION_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class _Table:
    name: str
    columns: tuple[str, ...]
    rows: Callable[[], Iterator[Row]]
    count: int  # rows it will have (known before writing: empty tables are not written)


class _Bundle:
    """Everything the prefix rows refer to, found in one pass before anything is written."""

    def __init__(self, plan: Plan, options: ExportOptions) -> None:
        self.plan = plan
        self.options = options
        version = options.get("netbox-version", NETBOX_VERSIONS[-1])
        if version not in PREFIX_COLUMNS:
            raise InputError(
                f"NetBox version {version!r} is not known; use one of {', '.join(NETBOX_VERSIONS)}"
            )
        self.version = version
        self.columns = PREFIX_COLUMNS[version]
        self.top = selected(plan, options)
        self.stop = plan.end[self.top]
        self.tenant = options.get("tenant")
        self.tenant_depth = options.number("tenant-depth", 0, 0, 128)
        self.vrf = options.get("vrf")
        domain = options.get("domain")
        self.domain = dns_domain(domain, "--set domain") if domain else ""
        self.gateways = options.flag("gateways")
        self.vlans = options.flag("vlans", True)
        self.ticker = Ticker(options, 2 * (self.stop - self.top))
        for what, value in (("tenant", self.tenant), ("vrf", self.vrf)):
            if len(value) > _NAME_MAX:
                raise InputError(f"--set {what}: NetBox names are at most {_NAME_MAX} characters")
        # a plan read with several blocks: an aggregate each (a prefix in two VRFs once)
        self.blocks = list(dict.fromkeys(plan.prefix_text(b) for b in plan.top_blocks()))
        self.vrf_names = [plan.name[v] for v in plan.vrf_nodes()] if not self.vrf else []
        self.rir_name, self.rir_private = self._rir()
        self._scan()

    # -- what the plan uses ----------------------------------------------------------------
    def _rir(self) -> tuple[str, bool]:
        given = self.options.get("rir")
        first = self.plan.top_blocks()[0]
        net, length = self.plan.net[first], self.plan.plen[first]
        for block, name, private in _RIRS:
            if _inside(net, length, block):
                return given or name, private
        return given or "RIR", False

    def _scan(self) -> None:
        plan, top, stop = self.plan, self.top, self.stop
        kinds = plan.kinds
        kind = plan.kind
        used_kinds = set(kind[top:stop])
        self.roles = [r for r in _ROLES if any(kinds[k].role == r for k in used_kinds)]
        tags: dict[str, str] = {}
        for k in sorted(used_kinds):
            for tag in kinds[k].tags:
                tags.setdefault(slugify(tag), tag)
        self.tags = tags  # slug -> name
        self.tag_text = [",".join(slugify(t) for t in k.tags) for k in kinds]
        site_kinds = {k for k in used_kinds if kinds[k].role == "site"}
        vlan_kinds = {k for k in used_kinds if kinds[k].role == "lan" and kinds[k].vlan is not None}
        if not self.vlans:
            vlan_kinds = set()
        self.site_nodes = array("i")
        self.tenant_nodes = array("i")
        self.group_of: dict[int, int] = {}  # LAN parent -> group number
        self.group_nodes = array("i")
        self.vlan_count = 0
        self.ip_count = 0
        host_kinds = {k for k in used_kinds if kinds[k].role == "host"}
        p2p_kinds = {k for k in used_kinds if kinds[k].role == "p2p"}
        lan_kinds = {k for k in used_kinds if kinds[k].role == "lan"}
        depth, parent, plen = plan.depth, plan.parent, plan.plen
        tenant_depth = self.tenant_depth
        special = (
            site_kinds
            | vlan_kinds
            | host_kinds
            | p2p_kinds
            | (lan_kinds if self.gateways else set())
        )
        # ancestors of the exported node that give it a site or a tenant are imported too
        ancestors = []
        j = plan.parent[top] if top > 0 else -1
        while j > 0:
            ancestors.append(j)
            j = plan.parent[j]
        for j in reversed(ancestors):
            if tenant_depth and depth[j] == tenant_depth:
                self.tenant_nodes.append(j)
            if kinds[kind[j]].role == "site":
                self.site_nodes.append(j)
        for i in range(top, stop):
            if tenant_depth and depth[i] == tenant_depth:
                self.tenant_nodes.append(i)
            k = kind[i]
            if k not in special:
                continue
            if k in site_kinds:
                self.site_nodes.append(i)
            if k in vlan_kinds:
                p = parent[i]
                if p not in self.group_of:  # check the whole group once, when first met
                    self.group_of[p] = len(self.group_nodes)
                    self.group_nodes.append(p)
                    self._check_vids(p, vlan_kinds)
                self.vlan_count += 1
            if k in host_kinds:
                self.ip_count += 1
            elif k in p2p_kinds and plen[i] == 64:
                self.ip_count += 2
            elif self.gateways and k in lan_kinds:
                self.ip_count += 1
        self.ticker.add(stop - top)
        # Unique names and slugs: NetBox wants both unique per model.
        self.site_name = self._unique_names(self.site_nodes)
        self.tenant_name = self._unique_names(self.tenant_nodes)
        self.group_name = self._unique_names(self.group_nodes, root=f"{plan.title} VLANs")
        self.ends: dict[tuple[int, int], tuple[str, str]] = {}
        if p2p_kinds and self.domain:
            topology = Topology(plan, top, self.options)
            for router in topology.routers.values():
                topology.name_links(router)
                for end in router.links:
                    self.ends[(end.node, end.side)] = (router.name, end.interface)

    def _check_vids(self, p: int, vlan_kinds: set[int]) -> None:
        """NetBox keeps one VLAN per id in a group (here: the LANs of one parent)."""
        plan = self.plan
        seen: set[int] = set()
        for c in plan.children(p):
            k = plan.kind[c]
            if k in vlan_kinds:
                vid = plan.kinds[k].vlan + plan.index[c]  # type: ignore[operator]
                if vid in seen:
                    raise InputError(
                        f"two LANs under {plan.path(p) or 'the plan root'} use VLAN {vid} "
                        f"(one is {plan.path(c)}); NetBox keeps one VLAN per id in a group — "
                        "give them different `vlan:` in the spec, or --set vlans=no"
                    )
                seen.add(vid)

    def _unique_names(self, nodes: array[int], root: str = "") -> list[tuple[str, str]]:
        """(name, slug) per node: its path (NetBox names are global), made unique."""
        names: set[str] = set()
        slugs: set[str] = set()
        out = []
        for i in nodes:
            name = _clip(self.plan.path(i) or root or self.plan.title, _NAME_MAX)
            base, n = name, 2
            while name in names:
                name = f"{base[: _NAME_MAX - 6]} ({n})"
                n += 1
            slug, n = slugify(name), 2
            while slug in slugs:
                slug = f"{slugify(name, 90)}-{n}"
                n += 1
            names.add(name)
            slugs.add(slug)
            out.append((name, slug))
        return out

    # -- tables -----------------------------------------------------------------------------
    def tables(self) -> list[_Table]:
        tenants = ([self.tenant] if self.tenant else []) + [n for n, _ in self.tenant_name]
        return [
            _Table("tags", COMPANION_COLUMNS["tags"], self._tags, len(self.tags)),
            _Table("rirs", COMPANION_COLUMNS["rirs"], self._rirs, 1),
            _Table(
                "aggregates", COMPANION_COLUMNS["aggregates"], self._aggregates, len(self.blocks)
            ),
            _Table("roles", COMPANION_COLUMNS["roles"], self._roles, len(self.roles)),
            _Table("tenants", COMPANION_COLUMNS["tenants"], self._tenants, len(tenants)),
            _Table("sites", COMPANION_COLUMNS["sites"], self._sites, len(self.site_nodes)),
            _Table(
                "vrfs",
                COMPANION_COLUMNS["vrfs"],
                self._vrfs,
                1 if self.vrf else len(self.vrf_names),
            ),
            _Table(
                "vlan-groups",
                COMPANION_COLUMNS["vlan-groups"],
                self._groups,
                len(self.group_nodes),
            ),
            _Table("vlans", COMPANION_COLUMNS["vlans"], self._vlans, self.vlan_count),
            _Table("prefixes", self.columns, self.prefixes, self.stop - self.top),
            _Table(
                "ip-addresses", COMPANION_COLUMNS["ip-addresses"], self._addresses, self.ip_count
            ),
        ]

    def _tags(self) -> Iterator[Row]:
        for slug, name in self.tags.items():
            yield _clip(name, _NAME_MAX), slug, "9e9e9e", "from the v6plan spec"

    def _rirs(self) -> Iterator[Row]:
        yield (
            self.rir_name,
            slugify(self.rir_name),
            self.rir_private,
            "private or documentation space" if self.rir_private else "Regional Internet Registry",
        )

    def _aggregates(self) -> Iterator[Row]:
        plan = self.plan
        for block in self.blocks:
            yield (
                block,
                self.rir_name,
                self.tenant or None,
                _clip(f"{plan.title}: the allocation"),
            )

    def _roles(self) -> Iterator[Row]:
        for role in self.roles:
            weight, text = _ROLES[role]
            yield role, role, weight, text

    def _tenants(self) -> Iterator[Row]:
        if self.tenant:
            yield self.tenant, slugify(self.tenant), "every prefix of the plan"
        for name, slug in self.tenant_name:
            yield name, slug, f"the {name} part of {self.plan.title}"

    def _tenant_at(self, i: int) -> str | None:
        """Tenant of node ``i``: its tenant-depth ancestor's, else the global one."""
        if self.tenant_depth and self.plan.depth[i] >= self.tenant_depth:
            j = i
            while self.plan.depth[j] > self.tenant_depth:
                j = self.plan.parent[j]
            k = _find(self.tenant_nodes, j)
            if k >= 0:
                return self.tenant_name[k][0]
        return self.tenant or None

    def _sites(self) -> Iterator[Row]:
        plan = self.plan
        for (name, slug), i in zip(self.site_name, self.site_nodes):
            kind = plan.kinds[plan.kind[i]]
            text = f"{plan.prefix_text(i)}" + (f" — {kind.description}" if kind.description else "")
            yield name, slug, "planned", self._tenant_at(i), _clip(text)

    def _vrfs(self) -> Iterator[Row]:
        if self.vrf:
            yield self.vrf, True, self.tenant or None, _clip(f"{self.plan.title}")
        for name in self.vrf_names:  # the VRFs a plan read from a file has
            yield _clip(name, _NAME_MAX), True, self.tenant or None, _clip(self.plan.title)

    def _groups(self) -> Iterator[Row]:
        for (name, slug), p in zip(self.group_name, self.group_nodes):
            yield name, slug, _clip(f"VLANs of the LANs in {self.plan.prefix_text(p)}")

    def _vlans(self) -> Iterator[Row]:
        plan = self.plan
        kinds, kind = plan.kinds, plan.kind
        for p, (group, _) in zip(self.group_nodes, self.group_name):
            tenant = self._tenant_at(p)
            for c in plan.children(p):
                kd = kinds[kind[c]]
                if kd.role == "lan" and kd.vlan is not None:
                    yield (
                        group,
                        kd.vlan + plan.index[c],
                        _clip(plan.name[c], 64),
                        "active",
                        tenant,
                        _clip(plan.path(c)),
                    )

    def prefixes(self) -> Iterator[Row]:
        plan = self.plan
        top = self.top
        kinds, kind, end, plen, net = plan.kinds, plan.kind, plan.end, plan.plen, plan.net
        parent, index = plan.parent, plan.index
        cols = self.columns
        roles = [k.role if k.role in _ROLES else None for k in kinds]
        pools = [k.role in _POOL_ROLES for k in kinds]
        notes = [k.description for k in kinds]
        tags = [t or None for t in self.tag_text]
        vrf = self.vrf or None
        site_of_node = dict(zip(self.site_nodes, (n for n, _ in self.site_name)))
        group_of = {p: self.group_name[g][0] for p, g in self.group_of.items()}
        vlan_ok = self.vlans
        tenant_of_node = dict(zip(self.tenant_nodes, (n for n, _ in self.tenant_name)))
        default_tenant = self.tenant or None
        # scope columns per version
        by_name = "site" in cols
        scope_name = "scope_name" in cols
        site_in_comments = not by_name and not scope_name
        stack: list[tuple[int, str | None, str | None]] = []  # (end, site, tenant)
        if top > 0:  # context from the ancestors of the exported node
            chain = []
            j = parent[top]
            while j >= 0:
                chain.append(j)
                j = parent[j]
            for j in reversed(chain):
                stack.append(
                    (end[j], site_of_node.get(j) or _site_from(plan, j), _tenant_of(self, j))
                )
        ticker = self.ticker
        at = {c: n for n, c in enumerate(cols)}
        ix_prefix, ix_tenant, ix_status, ix_role = (
            at["prefix"],
            at["tenant"],
            at["status"],
            at["role"],
        )
        ix_pool, ix_util, ix_desc, ix_tags, ix_comments = (
            at["is_pool"],
            at["mark_utilized"],
            at["description"],
            at["tags"],
            at["comments"],
        )
        ix_vrf, ix_group, ix_vlan = at["vrf"], at["vlan_group"], at["vlan"]
        ix_site = at.get("site", -1)
        ix_scope_type = at.get("scope_type", -1) if scope_name else -1
        ix_scope_name = at.get("scope_name", -1)
        row: list[Value] = [None] * len(cols)
        row[ix_vrf] = vrf
        vrf_of = plan.vrf if self.vrf_names else None  # a plan read with VRFs
        for i, path in walk(plan, top):
            if not i % BATCH:
                ticker.add(BATCH)
            while stack and stack[-1][0] <= i:
                stack.pop()
            k = kind[i]
            site = site_of_node.get(i) or (stack[-1][1] if stack else None)
            tenant = tenant_of_node.get(i) or (stack[-1][2] if stack else default_tenant)
            if end[i] > i + 1:
                stack.append((end[i], site, tenant))
            kd = kinds[k]
            if kd.role == "host":
                continue  # loopback /128s are IP addresses (ip-addresses file)
            if vrf_of is not None:
                row[ix_vrf] = _clip(vrf_of(i), _NAME_MAX) or None
            leaf = end[i] == i + 1
            status = (
                "reserved" if kd.role == "reserve" else ("active" if leaf and i else "container")
            )
            text = path or plan.title
            if notes[k]:
                text = f"{text} — {notes[k]}"
            row[ix_prefix] = f"{format_address(net[i])}/{plen[i]}"
            row[ix_tenant] = tenant
            row[ix_status] = status
            row[ix_role] = roles[k]
            row[ix_pool] = pools[k]
            row[ix_util] = leaf and kd.role in ("p2p", "customer")
            row[ix_desc] = text if len(text) <= _DESCRIPTION_MAX else _clip(text)
            row[ix_tags] = tags[k]
            row[ix_comments] = f"site: {site}" if site and site_in_comments else None
            if by_name:
                row[ix_site] = site
            elif ix_scope_type >= 0:
                row[ix_scope_type] = "dcim.site" if site else None
                row[ix_scope_name] = site
            if vlan_ok and kd.role == "lan" and kd.vlan is not None:
                row[ix_group] = group_of.get(parent[i])
                row[ix_vlan] = kd.vlan + index[i]
            else:
                row[ix_group] = row[ix_vlan] = None
            yield tuple(row)
            if kd.role == "p2p" and plen[i] == 64:
                pair = kd.ends[index[i]] if index[i] < len(kd.ends) else None
                link = f"{pair[0]} – {pair[1]}" if pair else "configured /127"
                row[ix_prefix] = f"{format_address(net[i] + 2)}/127"
                row[ix_status] = "active"
                row[ix_pool] = True
                row[ix_util] = False
                row[ix_desc] = _clip(f"{path} /127: {link}")
                yield tuple(row)

    def _addresses(self) -> Iterator[Row]:
        plan = self.plan
        kinds, kind, net, plen, index = plan.kinds, plan.kind, plan.net, plan.plen, plan.index
        end = plan.end
        domain = self.domain
        vrf = self.vrf or None
        for i, path in walk(plan, self.top):
            kd = kinds[kind[i]]
            role = kd.role
            if self.vrf_names:
                vrf = _clip(plan.vrf(i), _NAME_MAX) or None
            if role == "host":
                dns = f"{dns_label(plan.name[i])}.{domain}" if domain else None
                yield (
                    f"{format_address(net[i])}/128",
                    vrf,
                    self._tenant_at(i),
                    "active",
                    "loopback",
                    dns,
                    _clip(f"{path} loopback"),
                )
            elif role == "p2p" and plen[i] == 64:
                pair = kd.ends[index[i]] if index[i] < len(kd.ends) else None
                for side in (0, 1):
                    named = self.ends.get((i, side))
                    dns = None
                    if domain:
                        if named is not None:
                            dns = f"{dns_label(named[1])}.{dns_label(named[0])}.{domain}"
                        else:
                            dns = f"{dns_label(plan.name[i])}-{'ab'[side]}.{domain}"
                    who = f"{pair[side]} towards {pair[1 - side]}" if pair else f"end {'ab'[side]}"
                    yield (
                        f"{format_address(net[i] + 2 + side)}/127",
                        vrf,
                        self._tenant_at(i),
                        "active",
                        None,
                        dns,
                        _clip(f"{path}: {who}"),
                    )
            elif role == "lan" and self.gateways and end[i] == i + 1:
                yield (
                    f"{format_address(net[i] + 1)}/{plen[i]}",
                    vrf,
                    self._tenant_at(i),
                    "active",
                    None,
                    None,
                    _clip(f"{path} gateway"),
                )


def _find(nodes: array[int], i: int) -> int:
    """Position of ``i`` in a sorted array of node indexes, or -1."""
    from bisect import bisect_left

    k = bisect_left(nodes, i)
    return k if k < len(nodes) and nodes[k] == i else -1


def _site_from(plan: Plan, i: int) -> str | None:
    """Site context of an ancestor above the exported node (its path, if it is a site)."""
    return plan.path(i) if plan.role(i) == "site" and i else None


def _tenant_of(bundle: _Bundle, j: int) -> str | None:
    k = _find(bundle.tenant_nodes, j)
    if k >= 0:
        return bundle.tenant_name[k][0]
    return bundle.tenant or None


# -- CSV -------------------------------------------------------------------------------------
def _write_csv(out: TextIO, table: _Table) -> None:
    out.write(",".join(table.columns) + "\n")
    batch: list[str] = []
    for row in table.rows():
        batch.append(
            ",".join(
                [
                    ""
                    if v is None
                    else "true"
                    if v is True
                    else "false"
                    if v is False
                    else (csv_cell(v) if ('"' in v or "," in v or "\n" in v or "\r" in v) else v)
                    if isinstance(v, str)
                    else str(v)
                    for v in row
                ]
            )
            + "\n"
        )
        if len(batch) >= BATCH:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch))


# -- YAML ------------------------------------------------------------------------------------
_YAML_CACHE_LIMIT = 4096


def _write_yaml(out: TextIO, table: _Table) -> None:
    """A YAML list of mappings (what NetBox's YAML import reads), one flow mapping per line.

    Empty values are left out. Strings are written as JSON strings, which are YAML
    double-quoted scalars, so nothing a name holds can change the structure.
    """
    batch: list[str] = []
    keys = [f"{c}: " for c in table.columns]
    cache: dict[str, str] = {}  # repeated strings (status, role, tenant) quoted once
    dumps = json.dumps
    count = 0
    for row in table.rows():
        parts = []
        for key, v in zip(keys, row):
            if v is None or v == "":
                continue
            if v is True:
                text = "true"
            elif v is False:
                text = "false"
            elif isinstance(v, int):
                text = str(v)
            else:
                cached = cache.get(v)
                if cached is None:
                    cached = dumps(v, ensure_ascii=False)
                    if len(cache) < _YAML_CACHE_LIMIT:
                        cache[v] = cached
                text = cached
            parts.append(key + text)
        batch.append("- {" + ", ".join(parts) + "}\n")
        count += 1
        if len(batch) >= BATCH:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch) if count else "[]\n")


# -- entry points ------------------------------------------------------------------------------
def _readme(bundle: _Bundle, files: list[tuple[str, str]], extension: str) -> str:
    lines = [
        f"NetBox import files for {bundle.plan.title} ({', '.join(bundle.blocks[:3])}"
        f"{' …' if len(bundle.blocks) > 3 else ''}), "
        f"NetBox {bundle.version}{'+' if bundle.version == '4.5.5' else ''}.",
        "Import them in this order (each refers only to objects of the files before it):",
        "",
    ]
    menu = dict(_ORDER)
    for n, (file, table) in enumerate(files, 1):
        lines.append(f"{n:2}. {file:<24} {menu[table]} ({extension.upper()})")
    if bundle.version in ("4.2", "4.3", "4.4"):
        lines += [
            "",
            "NetBox 4.2-4.4 scope a prefix to a site by database id (scope_id), which a plan",
            "cannot know: each prefix names its site in `comments`; NetBox 4.5.5 and later",
            "take the site by name (--netbox-version 4.5.5, the default).",
        ]
    return "\n".join(lines) + "\n"


def _write_all(plan: Plan, sink: Sink, options: ExportOptions, extension: str) -> None:
    bundle = _Bundle(plan, options)
    writer = _write_csv if extension == "csv" else _write_yaml
    files = []
    tables = [t for t in bundle.tables() if t.count]
    for n, table in enumerate(tables, 1):
        files.append((f"{n:02}-{table.name}.{extension}", table.name))
    with sink.open("00-README.txt") as out:
        out.write(_readme(bundle, files, extension))
    for (file, _), table in zip(files, tables):
        with sink.open(file) as out:
            writer(out, table)


def write_files_csv(plan: Plan, sink: Sink, options: ExportOptions) -> None:
    """Every file NetBox needs, numbered in import order, as CSV."""
    _write_all(plan, sink, options, "csv")


def write_files_yaml(plan: Plan, sink: Sink, options: ExportOptions) -> None:
    """Every file NetBox needs, numbered in import order, as YAML."""
    _write_all(plan, sink, options, "yaml")


def write_prefixes_csv(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """The prefix import alone (use ``--dir`` for the objects it refers to)."""
    bundle = _Bundle(plan, options)
    _write_csv(out, _Table("prefixes", bundle.columns, bundle.prefixes, 0))


def write_prefixes_yaml(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """The prefix import alone, as YAML (use ``--dir`` for the objects it refers to)."""
    bundle = _Bundle(plan, options)
    _write_yaml(out, _Table("prefixes", bundle.columns, bundle.prefixes, 0))
