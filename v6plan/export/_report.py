"""The Markdown report: the document an engineer hands to management."""

from __future__ import annotations

from typing import TextIO

from .._lint import lint
from .._plan import Plan
from .._query import hd_usage, levels, usage
from . import ExportOptions
from ._basic import rows

__all__ = ["write_markdown"]

_MAX_FINDINGS = 200


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_markdown(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """Summary, levels, lint findings, then every node as an indented table row.

    ``settings["depth"]`` limits the tree to that many levels (default: all).
    """
    w = out.write
    w(f"# {_cell(plan.title)}\n\n")
    if plan.description:
        w(f"{plan.description}\n\n")
    findings = lint(plan)
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    hd = hd_usage(plan)
    leaves = sum(1 for i in range(1, len(plan)) if plan.end[i] == i + 1)
    w("## Summary\n\n| | |\n|---|---|\n")
    w(f"| Allocation | `{plan.prefix}` |\n")
    w(f"| Nodes | {len(plan) - 1:,} ({leaves:,} assignments) |\n")
    w(f"| Top level | {usage(plan, 0)} |\n")
    w(
        f"| RIR utilisation | {hd.used:,} of {hd.total:,} /{hd.unit} used; HD-ratio {hd.ratio:.3f} "
        f"(threshold 0.94 = {hd.threshold:,} /{hd.unit}, {hd.threshold_percent:.2f} %) |\n"
    )
    w(
        f"| Lint | {errors} errors, {warnings} warnings, {len(findings) - errors - warnings} notes |\n\n"
    )

    w("## Levels\n\n| Depth | Nodes | Sizes | Roles |\n|---:|---:|---|---|\n")
    for level in levels(plan):
        sizes = ", ".join(f"/{length} × {n:,}" for length, n in level.lengths.items())
        roles = ", ".join(f"{role} × {n:,}" for role, n in level.roles.items())
        w(f"| {level.depth} | {level.nodes:,} | {sizes} | {roles} |\n")
    w("\n")

    w("## Lint findings\n\n")
    if not findings:
        w("None.\n\n")
    else:
        w("| Severity | Rule | Node | Prefix | Finding |\n|---|---|---|---|---|\n")
        for f in findings[:_MAX_FINDINGS]:
            w(
                f"| {f.severity} | `{f.rule}` | {_cell(f.path or '(root)')} | `{f.prefix}` | {_cell(f.message)} |\n"
            )
        if len(findings) > _MAX_FINDINGS:
            w(f"\n… and {len(findings) - _MAX_FINDINGS:,} more (`v6plan check` lists them all).\n")
        w("\n")

    max_depth = int(options.settings.get("depth", "0") or 0)
    w(
        "## Plan\n\n| Prefix | Node | Role | Status | Children use | Description |\n|---|---|---|---|---|---|\n"
    )
    descriptions = [_cell(k.description) for k in plan.kinds]
    kind, depth, name, end = plan.kind, plan.depth, plan.name, plan.end
    batch: list[str] = []
    for i, _path, prefix, role, status, _parent in rows(plan, options):
        if max_depth and depth[i] > max_depth:
            continue
        indent = "&nbsp;&nbsp;" * (depth[i] - 1)
        use = str(usage(plan, i)) if end[i] > i + 1 else ""
        batch.append(
            f"| `{prefix}` | {indent}{_cell(name[i])} | {role} | {status} | {use} | {descriptions[kind[i]]} |\n"
        )
        if len(batch) >= 8192:
            w("".join(batch))
            batch.clear()
    w("".join(batch))
