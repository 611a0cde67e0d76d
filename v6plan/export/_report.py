"""The Markdown report: the document an engineer hands to management.

The same sections as the HTML report: summary, capacity and headroom per level, nibble
maps, lint findings and the tree with utilisation bars (long runs of like siblings folded;
``--set fold=0`` lists every node, ``--set depth=N`` stops the tree at N levels).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import TextIO

from .._lint import Finding, lint
from .._plan import Plan
from .._query import hd_usage, levels, usage
from . import ExportOptions
from ._common import BATCH, Ticker, selected
from ._summary import (
    FREE,
    PARTIAL,
    RESERVED,
    USED,
    Fold,
    capacity_levels,
    map_nodes,
    nibble_map,
    report_settings,
    request_fit,
    request_when,
    rir_request,
    rir_request_text,
    tree_rows,
)
from ._text import md_paragraph, md_text

__all__ = ["bar", "write_markdown"]

MAX_FINDINGS = 200
_MAP_CHARS = {FREE: "·", PARTIAL: "▒", USED: "█", RESERVED: "R"}


def _cell(text: str) -> str:
    return md_text(text)


#: Names repeat (site-1 … under every parent): each is escaped once.
_name_cell = lru_cache(maxsize=1 << 16)(md_text)


def bar(percent: float, width: int = 10) -> str:
    """``▓▓▓░░░░░░░`` — a text utilisation bar."""
    filled = min(width, round(percent * width / 100))
    if percent > 0 and filled == 0:
        filled = 1
    return "▓" * filled + "░" * (width - filled)


def _units(n: int) -> str:
    """Counts past 2^32 as powers of two: nobody reads twenty-digit numbers."""
    if n <= 1 << 32:
        return f"{n:,}"
    bits = math.log2(n)
    if n == 1 << round(bits):
        return f"2^{round(bits)}"
    return f"≈ 2^{round(bits) if abs(bits - round(bits)) < 0.05 else f'{bits:.1f}'}"


def _findings(plan: Plan) -> tuple[list[Finding], int, int]:
    findings = lint(plan)
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    return findings, errors, warnings


def _rir_request(plan: Plan, top: int, w: Callable[[str], object]) -> None:
    rows = rir_request(plan, top)
    if not rows:
        return
    w(f"## RIR request\n\n{md_paragraph(rir_request_text(plan))}\n\n")
    w("| When | Block needed | Used | Use | HD-ratio | Against the allocation |\n")
    w("|---|---|---:|---|---:|---|\n")
    for row in rows:
        w(
            f"| {request_when(row)} | /{row.length} | {row.used:,} of {_units(row.total)} /{row.unit} | "
            f"{bar(100 * row.utilisation)} {100 * row.utilisation:.1f} % | {row.ratio:.3f} | "
            f"{request_fit(plan, row)} |\n"
        )
    w("\n")


def write_markdown(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """Summary, capacity per level, nibble maps, lint findings, then the tree."""
    max_depth, fold, maps = report_settings(options)
    top = selected(plan, options)
    ticker = Ticker(options, 2 * (plan.end[top] - top))
    w = out.write
    w(f"# {_cell(plan.title)}\n\n")
    if plan.description:
        w(f"{md_paragraph(plan.description)}\n\n")
    if top:
        w(f"Part of the plan: **{_cell(plan.path(top))}** `{plan.prefix_text(top)}`.\n\n")
    findings, errors, warnings = _findings(plan)
    hd = hd_usage(plan)
    leaves = sum(1 for i in range(top + 1, plan.end[top]) if plan.end[i] == i + 1)
    ticker.add(plan.end[top] - top)
    w("## Summary\n\n| | |\n|---|---|\n")
    w(f"| Allocation | `{plan.prefix}` |\n")
    if top:
        w(f"| This part | `{plan.prefix_text(top)}` ({_cell(plan.path(top))}) |\n")
    w(f"| Nodes | {plan.end[top] - top - 1:,} ({leaves:,} assignments) |\n")
    top_use = usage(plan, top)
    w(f"| Top level | {bar(top_use.percent)} {top_use} |\n")
    w(
        f"| RIR utilisation | {hd.used:,} of {_units(hd.total)} /{hd.unit} used; HD-ratio "
        f"{hd.ratio:.3f} (threshold 0.94 = {hd.threshold:,} /{hd.unit}, "
        f"{hd.threshold_percent:.2f} %) |\n"
    )
    w(
        f"| Lint | {errors} errors, {warnings} warnings, "
        f"{len(findings) - errors - warnings} notes |\n\n"
    )

    _rir_request(plan, top, w)
    w("## Capacity and headroom per level\n\n")
    w(
        "Each level counted in its own unit: how many blocks the parents can hold, how many "
        "are planned, and the parent with the least room left.\n\n"
    )
    w(
        "| Level | Unit | Parents | Blocks | Capacity | Used | Free | Use | Least headroom |\n"
        "|---:|---|---:|---:|---:|---:|---:|---|---|\n"
    )
    for lv in capacity_levels(plan, top):
        tight = plan.path(lv.tightest) or "(root)"
        w(
            f"| {lv.depth} | /{lv.unit} | {lv.parents:,} | {lv.children:,} | "
            f"{_units(lv.capacity)} | {lv.used:,} | {_units(lv.free)} | "
            f"{bar(lv.percent)} {lv.percent:.1f} % | {_cell(tight)}: "
            f"{_units(lv.tightest_free)} free ({lv.tightest_percent:.1f} % used) |\n"
        )
    w("\n")

    w("## Levels\n\n| Depth | Nodes | Sizes | Roles |\n|---:|---:|---|---|\n")
    for level in levels(plan):
        sizes = ", ".join(f"/{length} × {n:,}" for length, n in level.lengths.items())
        roles = ", ".join(f"{role} × {n:,}" for role, n in level.roles.items())
        w(f"| {level.depth} | {level.nodes:,} | {sizes} | {roles} |\n")
    w("\n")

    nodes = map_nodes(plan, top, maps) if maps else []
    if nodes:
        w("## Nibble maps\n\n")
        w(
            "Each block split into 256 sub-blocks (8 bits, two hex digits): "
            "█ used, ▒ partly used, R reserved, · free. Row = first digit, column = second.\n\n"
        )
        for i in nodes:
            m = nibble_map(plan, i)
            label = plan.path(i) or f"{plan.title} (root)"
            w(f"### {_cell(label)} `{plan.prefix_text(i)}` in /{m.cell_length}\n\n```text\n")
            w("    " + " ".join(f"{d:x}" for d in range(16)) + "\n")
            for row in range(0, len(m.cells), 16):
                chars = " ".join(_MAP_CHARS[c.state] for c in m.cells[row : row + 16])
                w(f"{row // 16:x}_  {chars}\n")
            w("```\n\n")

    w("## Lint findings\n\n")
    if not findings:
        w("None.\n\n")
    else:
        w("| Severity | Rule | Node | Prefix | Finding |\n|---|---|---|---|---|\n")
        for f in findings[:MAX_FINDINGS]:
            w(
                f"| {f.severity} | `{f.rule}` | {_cell(f.path or '(root)')} | `{f.prefix}` "
                f"| {md_text(f.message, code=True)} |\n"
            )
        if len(findings) > MAX_FINDINGS:
            w(f"\n… and {len(findings) - MAX_FINDINGS:,} more (`v6plan check` lists them all).\n")
        w("\n")

    w("## Plan\n\n")
    if fold:
        w(
            f"Runs of more than {fold} like siblings show the first three, a summary row and "
            "the last (`--set fold=0` lists every node).\n\n"
        )
    w("| Prefix | Node | Role | Status | Children use | Description |\n|---|---|---|---|---|---|\n")
    descriptions = [_cell(k.description) for k in plan.kinds]
    role_names = [k.role for k in plan.kinds]
    kind, depth, name, end = plan.kind, plan.depth, plan.name, plan.end
    base = depth[top]
    batch: list[str] = []
    done = 0
    for item in tree_rows(plan, top, max_depth, fold):
        if isinstance(item, Fold):
            indent = "&nbsp;&nbsp;" * (item.depth - base)
            batch.append(
                f"| `{plan.prefix_text(item.first)}` … `{plan.prefix_text(item.last)}` | "
                f"{indent}… {item.count:,} more: {_name_cell(name[item.first])} … "
                f"{_name_cell(name[item.last])} | {role_names[kind[item.first]]} | | | |\n"
            )
            continue
        i = item
        done += 1
        if not done % BATCH:
            ticker.add(BATCH)
        indent = "&nbsp;&nbsp;" * (depth[i] - base)
        label = _name_cell(name[i]) if i else f"**{_cell(plan.title)}**"
        if end[i] > i + 1:
            use = usage(plan, i)
            use_text = f"{bar(use.percent)} {use}"
        else:
            use_text = ""
        batch.append(
            f"| `{plan.prefix_text(i)}` | {indent}{label} | {role_names[kind[i]] if i else ''} | "
            f"{plan.status(i)} | {use_text} | {descriptions[kind[i]] if i else ''} |\n"
        )
        if len(batch) >= BATCH:
            w("".join(batch))
            batch.clear()
    w("".join(batch))
