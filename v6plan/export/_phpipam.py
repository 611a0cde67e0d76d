"""phpIPAM subnet import CSV: ``section, subnet, mask, description, vlan, domain, vrf, customer``.

phpIPAM finds each subnet's master by containment, so parents come first (plan order).
Loopback /128s are addresses, not subnets, and are left out. Text is kept as it is (no
formula guard): phpIPAM reads this file, and an apostrophe would become part of the name.
"""

from __future__ import annotations

from typing import TextIO

from .._plan import Plan
from .._prefix import format_address
from . import ExportOptions
from ._common import BATCH, Lines, Ticker, selected, walk
from ._text import csv_cell as _field

__all__ = ["COLUMNS", "write_phpipam"]

COLUMNS = ("section", "subnet", "mask", "description", "vlan", "domain", "vrf", "customer")


def write_phpipam(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """One row per subnet, parents first; the description carries the plan path."""
    section = _field(options.get("section", "IPv6") or "IPv6")
    l2domain = _field(options.get("l2domain", "default") or "default")
    vrf = _field(options.get("vrf"))
    customers = options.flag("customers")
    top = selected(plan, options)
    ticker = Ticker(options, plan.end[top] - top)
    kinds, kind, net, plen, index, name = (
        plan.kinds,
        plan.kind,
        plan.net,
        plan.plen,
        plan.index,
        plan.name,
    )
    roles = [k.role for k in kinds]
    notes = [f" — {k.description}" if k.description else "" for k in kinds]
    lines = Lines(out)
    lines.add(",".join(COLUMNS) + "\n")
    vrfs = bool(plan.vrf_nodes()) and not vrf  # a plan read with VRFs: each subnet's own
    for i, path in walk(plan, top):
        if not i % BATCH:
            ticker.add(BATCH)
        k = kind[i]
        role = roles[k]
        if role == "host":
            continue
        vlan_base = kinds[k].vlan
        vlan = "" if vlan_base is None else str(vlan_base + index[i])
        customer = _field(name[i]) if customers and role == "customer" else ""
        text = _field((path or plan.title) + notes[k])
        lines.add(
            f"{section},{format_address(net[i])},{plen[i]},{text},{vlan},"
            f"{l2domain if vlan else ''},{_field(plan.vrf(i)) if vrfs else vrf},{customer}\n"
        )
    lines.flush()
