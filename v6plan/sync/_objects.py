"""The plan as the objects an IPAM holds: the NetBox export's mapping, reused as it is.

``export/_netbox.py`` already decides what a plan becomes in an IPAM (roles, sites, VLAN
groups named by plan path, VLANs per parent, prefixes parents first with status, pool and
utilised flags, the configured /127 of each link, loopbacks and link ends as IP
addresses). Here its tables become plain rows (column → value), with the plan path of each
row for the marker. One mapping, so the files and the sync cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._errors import InputError
from .._plan import Plan
from .._prefix import format_address
from ..export import ExportOptions
from ..export._common import walk
from ..export._netbox import _Bundle

__all__ = ["PlanObjects", "check_settings", "plan_objects"]

Row = dict[str, str | int | bool | None]
#: The settings of the NetBox export that mean the same for a sync.
SETTINGS = ("tenant", "tenant-depth", "domain", "gateways", "vlans")


@dataclass
class PlanObjects:
    """Rows per table of the NetBox bundle, and the plan path of each prefix/address."""

    owner: str  # the plan's root prefix: the first word of every marker
    title: str
    tables: dict[str, list[Row]]
    paths: dict[str, str]  # prefix or address (with length) -> plan path

    def marker(self, key: str) -> str:
        return f"{self.owner} {self.paths.get(key, key)}"


def check_settings(settings: dict[str, str]) -> None:
    """Refuse a --set key sync does not take (before any request is sent)."""
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise InputError(
            f"--set {unknown[0]}: sync takes {', '.join(SETTINGS)} (as the netbox export)"
        )


def plan_objects(plan: Plan, settings: dict[str, str], depth: int | None = None) -> PlanObjects:
    """Every object of the plan, in the bundle's import order; with ``depth``, only the
    nodes down to that depth (the root is 0) and what hangs on them (their /127, loopback and
    link addresses, VLANs; VLAN groups and sites that still have one)."""
    check_settings(settings)
    if plan.grouped:
        raise InputError(
            "this plan has several top-level blocks or VRFs; sync takes one block: "
            "sync a spec, or a plan file with one block"
        )
    bundle = _Bundle(plan, ExportOptions(settings={**settings, "netbox-version": "4.5.5"}))
    tables: dict[str, list[Row]] = {}
    for table in bundle.tables():
        if table.count:
            tables[table.name] = [dict(zip(table.columns, row)) for row in table.rows()]
    paths: dict[str, str] = {}
    depths: dict[str, int] = {}  # prefix or address -> depth of the node it belongs to
    net, plen, kinds, kind, level = plan.net, plan.plen, plan.kinds, plan.kind, plan.depth
    for i, path in walk(plan, 0):
        text = f"{format_address(net[i])}/{plen[i]}"
        role = kinds[kind[i]].role
        paths[text] = path or plan.title
        depths[text] = level[i] - 1 if role == "host" else level[i]  # a /128: its /64's
        if role == "p2p" and plen[i] == 64:
            for end in (2, 3):
                paths.setdefault(f"{format_address(net[i] + end)}/127", f"{path} /127")
                depths.setdefault(f"{format_address(net[i] + end)}/127", level[i])
        elif role == "lan" and plen[i] == 64:
            paths.setdefault(f"{format_address(net[i] + 1)}/64", f"{path} gateway")
            depths.setdefault(f"{format_address(net[i] + 1)}/64", level[i])
    if depth is not None:
        _down_to(tables, depths, depth)
    owner = plan.prefix_text(0)
    return PlanObjects(owner, plan.title, tables, paths)


def _down_to(tables: dict[str, list[Row]], depths: dict[str, int], depth: int) -> None:
    """Drop the rows of nodes deeper than ``depth`` (and of what hangs on them only)."""

    def path_depth(path: object) -> int:
        return str(path).count("/") + 1

    for name, column in (("prefixes", "prefix"), ("ip-addresses", "address")):
        if name in tables:
            tables[name] = [r for r in tables[name] if depths.get(str(r[column]), 0) <= depth]
    if "vlans" in tables:
        tables["vlans"] = [r for r in tables["vlans"] if path_depth(r["description"]) <= depth]
        used = {r["group"] for r in tables["vlans"]}
        tables["vlan-groups"] = [r for r in tables.get("vlan-groups", []) if r["name"] in used]
    if "sites" in tables:
        tables["sites"] = [r for r in tables["sites"] if path_depth(r["name"]) <= depth]
