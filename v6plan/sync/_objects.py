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


def plan_objects(plan: Plan, settings: dict[str, str]) -> PlanObjects:
    """Every object of the plan, in the bundle's import order."""
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
    net, plen, kinds, kind = plan.net, plan.plen, plan.kinds, plan.kind
    for i, path in walk(plan, 0):
        text = f"{format_address(net[i])}/{plen[i]}"
        paths[text] = path or plan.title
        if kinds[kind[i]].role == "p2p" and plen[i] == 64:
            paths[f"{format_address(net[i] + 2)}/127"] = f"{path} /127"
            paths.setdefault(f"{format_address(net[i] + 3)}/127", f"{path} /127")
        elif kinds[kind[i]].role == "lan" and plen[i] == 64:
            paths.setdefault(f"{format_address(net[i] + 1)}/64", f"{path} gateway")
    owner = plan.prefix_text(0)
    return PlanObjects(owner, plan.title, tables, paths)
