"""Tabular exports (CSV, JSON, YAML) written row by row from the plan's columns."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from .._plan import Plan
from .._prefix import format_address
from . import ExportOptions
from ._text import names_are_plain, sheet_cell

__all__ = ["rows", "write_csv", "write_json", "write_yaml"]

_BATCH = 1 << 14


def rows(plan: Plan, options: ExportOptions) -> Iterator[tuple[int, str, str, str, str, str]]:
    """``(index, path, prefix, role, status, parent path)`` for every node in order."""
    net, plen, end, kind = plan.net, plan.plen, plan.end, plan.kind
    roles = [k.role for k in plan.kinds]
    reserve = [k.role == "reserve" for k in plan.kinds]
    group = plan.group_kinds()  # grouping nodes (several blocks, VRFs) hold no prefix
    progress = options.progress
    start, stop = 1, len(plan)
    if options.node:
        start = plan.resolve(options.node)
        stop = plan.end[start]
    for i, path in enumerate(plan.paths(start, stop), start):
        if progress is not None and not i % _BATCH:
            progress.update(i - start)
        k = kind[i]
        if group[k]:
            continue
        status = "reserved" if reserve[k] else "container" if end[i] > i + 1 else "active"
        parent = path.rpartition("/")[0]
        yield i, path, f"{format_address(net[i])}/{plen[i]}", roles[k], status, parent


def _extras(plan: Plan, i: int) -> tuple[str, str]:
    """The configured /127 of a p2p link and the VLAN id, where they apply."""
    kind = plan.kinds[plan.kind[i]]
    p2p = (
        f"{format_address(plan.net[i] + 2)}/127"
        if kind.role == "p2p" and plan.plen[i] == 64
        else ""
    )
    vlan = "" if kind.vlan is None else str(kind.vlan + plan.index[i])
    return p2p, vlan


def write_csv(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """CSV with a header; one row per node (the root excluded), parents first.

    This CSV is for people: no cell a spreadsheet would run as a formula (sheet_cell).
    """
    if plan.vrf_nodes():
        _write_csv_vrfs(plan, out, options)
        return
    out.write("prefix,path,name,role,status,depth,parent,p2p,vlan,description\n")
    plain = names_are_plain(plan)
    descriptions = [sheet_cell(k.description) for k in plan.kinds]
    special = [k.role == "p2p" or k.vlan is not None for k in plan.kinds]
    kind, depth, name = plan.kind, plan.depth, plan.name
    lines: list[str] = []
    for i, path, prefix, role, status, parent in rows(plan, options):
        k = kind[i]
        p2p, vlan = _extras(plan, i) if special[k] else ("", "")
        if plain:
            lines.append(
                f"{prefix},{path},{name[i]},{role},{status},{depth[i]},{parent},{p2p},{vlan},{descriptions[k]}\n"
            )
        else:
            lines.append(
                f"{prefix},{sheet_cell(path)},{sheet_cell(name[i])},{role},{status},{depth[i]},{sheet_cell(parent)},{p2p},{vlan},{descriptions[k]}\n"
            )
        if len(lines) >= _BATCH:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))


def _write_csv_vrfs(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """The CSV of a plan read with VRFs: the same columns and a last one, ``vrf``."""
    out.write("prefix,path,name,role,status,depth,parent,p2p,vlan,description,vrf\n")
    lines: list[str] = []
    for i, path, prefix, role, status, parent in rows(plan, options):
        kind = plan.kinds[plan.kind[i]]
        p2p, vlan = _extras(plan, i)
        cells = (path, plan.name[i], role, status, str(plan.depth[i]), parent, p2p, vlan)
        text = ",".join(sheet_cell(c) for c in (*cells, kind.description, plan.vrf(i)))
        lines.append(f"{prefix},{text}\n")
        if len(lines) >= _BATCH:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))


def _json_records(plan: Plan, options: ExportOptions) -> Iterator[str]:
    plain = names_are_plain(plan)
    dumps = json.dumps
    descriptions = [
        f', "description": {dumps(k.description)}' if k.description else "" for k in plan.kinds
    ]
    roles = [dumps(k.role or None) for k in plan.kinds]
    special = [k.role == "p2p" or k.vlan is not None for k in plan.kinds]
    kind, depth, name = plan.kind, plan.depth, plan.name
    vrfs = bool(plan.vrf_nodes())
    for i, path, prefix, _role, status, parent in rows(plan, options):
        k = kind[i]
        extra = descriptions[k]
        if vrfs and plan.vrf(i):
            extra += f', "vrf": {dumps(plan.vrf(i))}'
        if special[k]:
            p2p, vlan = _extras(plan, i)
            extra += (f', "p2p": "{p2p}"' if p2p else "") + (f', "vlan": {vlan}' if vlan else "")
        if plain:
            parent_text = f'"{parent}"' if parent else "null"
            yield f'{{"path": "{path}", "name": "{name[i]}", "prefix": "{prefix}", "role": {roles[k]}, "parent": {parent_text}, "depth": {depth[i]}, "status": "{status}"{extra}}}'
        else:
            yield f'{{"path": {dumps(path)}, "name": {dumps(name[i])}, "prefix": "{prefix}", "role": {roles[k]}, "parent": {dumps(parent or None)}, "depth": {depth[i]}, "status": "{status}"{extra}}}'


def _write_records(out: TextIO, records: Iterator[str], lead: str, sep: str) -> int:
    """Write records with ``lead`` before the first and ``sep`` before the rest."""
    batch: list[str] = []
    count = 0
    for record in records:
        batch.append((sep if count else lead) + record)
        count += 1
        if len(batch) >= _BATCH:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch))
    return count


def write_json(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """``{"plan", "prefix", "nodes": [...]}`` with one node object per line."""
    prefix = "null" if plan.grouped else f'"{plan.prefix}"'  # several blocks: see the nodes
    out.write(f'{{"plan": {json.dumps(plan.title)}, "prefix": {prefix}, "nodes": [')
    count = _write_records(out, _json_records(plan, options), "\n  ", ",\n  ")
    out.write("\n]}\n" if count else "]}\n")


def write_yaml(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """The JSON data as YAML (flow mappings per node: JSON lines are valid YAML)."""
    prefix = "null" if plan.grouped else f'"{plan.prefix}"'
    out.write(f"plan: {json.dumps(plan.title)}\nprefix: {prefix}\nnodes:")
    count = _write_records(out, _json_records(plan, options), "\n- ", "\n- ")
    out.write("\n" if count else " []\n")
