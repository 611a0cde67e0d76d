"""The HTML report: one self-contained page (inline CSS, no script, no network).

A Content-Security-Policy forbids every outside load, so the page shows the same offline,
from a USB stick or an e-mail attachment, as on the network. Sections match the Markdown
report: summary, capacity and headroom per level, nibble maps, lint findings, the tree.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape
from typing import TextIO

from .._plan import Plan
from .._prefix import format_prefix
from .._query import hd_usage, levels, usage
from . import ExportOptions
from ._common import BATCH, Ticker, selected
from ._report import MAX_FINDINGS, _findings
from ._summary import (
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

__all__ = ["write_html"]

_CSS = """
:root{--ink:#1d2733;--muted:#5b6b7c;--line:#d9e0e7;--bg:#f6f8fa;--accent:#1f6feb;
--used:#2f6db5;--partial:#8fb6e3;--reserved:#b08b2e;--free:#ffffff;--ok:#2e7d32;
--warn:#b26a00;--err:#c62828;--info:#5b6b7c}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:var(--ink);background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
header{background:#12263f;color:#fff;padding:22px 28px}
header .inner{max-width:1180px;margin:0 auto}
header h1{margin:0 0 4px;font-size:26px}
header p{margin:0;color:#c9d6e5}
h2{font-size:19px;margin:34px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:15px;margin:18px 0 8px}
code,.mono{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:12px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:20px;font-weight:600;margin-top:2px}
.card .s{color:var(--muted);font-size:12.5px;margin-top:4px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef2f6;font-weight:600;font-size:12.5px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.fold td{color:var(--muted);font-style:italic;background:#fafbfc}
.bar{display:inline-block;width:110px;height:10px;border-radius:5px;background:#e6ebf0;
vertical-align:middle;margin-right:6px;position:relative;overflow:hidden}
.bar i{position:absolute;left:0;top:0;bottom:0;background:var(--used)}
.bar.hi i{background:var(--warn)}.bar.full i{background:var(--err)}
.bar b{position:absolute;top:-2px;bottom:-2px;width:2px;background:var(--err)}
.pct{color:var(--muted);font-size:12px}
.role{display:inline-block;padding:0 6px;border-radius:9px;font-size:11.5px;
background:#e8eef6;color:#25476e}
.sev{display:inline-block;padding:0 7px;border-radius:9px;font-size:11.5px;color:#fff}
.sev.error{background:var(--err)}.sev.warning{background:var(--warn)}.sev.info{background:var(--info)}
.maps{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:16px}
.map{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px}
.map h3{margin:0 0 6px;font-size:13.5px}
.grid{display:grid;grid-template-columns:22px repeat(16,1fr);gap:2px;font-size:10px}
.grid span{height:16px;border:1px solid #c5d0db;border-radius:2px}
.grid em{font-style:normal;color:var(--muted);text-align:center;line-height:16px}
.c-used{background:var(--used)}.c-partial{background:var(--partial)}
.c-reserved{background:repeating-linear-gradient(45deg,var(--reserved) 0 3px,#f3e6c4 3px 6px)}
.c-free{background:var(--free)}
.legend span{display:inline-block;width:12px;height:12px;border:1px solid #c5d0db;
vertical-align:middle;margin:0 4px 0 12px}
.tree td:first-child{white-space:nowrap}
.muted{color:var(--muted)}
footer{margin-top:40px;color:var(--muted);font-size:12px}
@media print{body{background:#fff}header{background:#fff;color:#000}header p{color:#333}
.card,.map,table{break-inside:avoid}}
"""


def _bar(percent: float, mark: float | None = None) -> str:
    cls = "bar full" if percent >= 100 else "bar hi" if percent >= 75 else "bar"
    width = min(100.0, percent)
    if 0 < width < 1.5:
        width = 1.5  # something used stays visible
    marker = f'<b style="left:{mark:.2f}%"></b>' if mark is not None else ""
    return f'<span class="{cls}"><i style="width:{width:.2f}%"></i>{marker}</span>'


def _units(n: int) -> str:
    if n > 1 << 32:
        bits = math.log2(n)
        if n == 1 << round(bits):
            return f"2<sup>{round(bits)}</sup>"
        close = abs(bits - round(bits)) < 0.05
        return f"≈ 2<sup>{round(bits) if close else f'{bits:.1f}'}</sup>"
    return f"{n:,}"


def _rir_request(plan: Plan, top: int, w: Callable[[str], object]) -> None:
    rows = rir_request(plan, top)
    if not rows:
        return
    w(f'<h2>RIR request</h2>\n<p class="muted">{escape(rir_request_text(plan))}</p>\n')
    w(
        '<table><tr><th>When</th><th>Block needed</th><th class="n">Used</th><th>Use</th>'
        '<th class="n">HD-ratio</th><th>Against the allocation</th></tr>\n'
    )
    for row in rows:
        percent = 100 * row.utilisation
        w(
            f"<tr><td>{request_when(row)}</td><td><code>/{row.length}</code></td>"
            f'<td class="n">{row.used:,} of {_units(row.total)} /{row.unit}</td>'
            f'<td>{_bar(percent)}<span class="pct">{percent:.1f} %</span></td>'
            f'<td class="n">{row.ratio:.3f}</td><td>{request_fit(plan, row)}</td></tr>\n'
        )
    w("</table>\n")


def write_html(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """The whole page, streamed section by section (the tree in batches of rows)."""
    max_depth, fold, maps = report_settings(options)
    top = selected(plan, options)
    ticker = Ticker(options, 2 * (plan.end[top] - top))
    w = out.write
    title = escape(plan.title)
    w(
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">\n"
        '<meta name="generator" content="v6plan">\n'
        f"<title>{title} — IPv6 address plan</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
    )
    where = f" — {escape(plan.path(top))}" if top else ""
    w(
        f'<header><div class="inner"><h1>{title}{where}</h1>'
        f"<p>IPv6 address plan · <code>{escape(plan.prefix_text(top))}</code>"
        + (f" · {escape(plan.description)}" if plan.description else "")
        + "</p></div></header>\n<main>\n"
    )
    findings, errors, warnings = _findings(plan)
    hd = hd_usage(plan)
    leaves = sum(1 for i in range(top + 1, plan.end[top]) if plan.end[i] == i + 1)
    ticker.add(plan.end[top] - top)
    top_use = usage(plan, top)
    lint_state = "err" if errors else "warn" if warnings else "ok"
    w('<h2>Summary</h2>\n<div class="cards">\n')
    cards = [
        ("Allocation", f"<code>{escape(str(plan.prefix))}</code>", escape(plan.source or "")),
        (
            "Nodes",
            f"{plan.end[top] - top - 1:,}",
            f"{leaves:,} assignments",
        ),
        (
            "Top level",
            f"{top_use.percent:.1f} %",
            f"{_bar(top_use.percent)} {escape(str(top_use))}",
        ),
        (
            "HD-ratio (RFC 3194)",
            f"{hd.ratio:.3f}",
            f"{_bar(100 * hd.used / hd.total if hd.total else 0, hd.threshold_percent)}"
            f"{hd.used:,} of {_units(hd.total)} /{hd.unit}; 0.94 at {hd.threshold:,} "
            f"({hd.threshold_percent:.2f} %)",
        ),
        (
            "Lint",
            f'<span style="color:var(--{lint_state})">{errors} errors</span>',
            f"{warnings} warnings, {len(findings) - errors - warnings} notes",
        ),
    ]
    for key, value, sub in cards:
        w(
            f'<div class="card"><div class="k">{key}</div><div class="v">{value}</div>'
            f'<div class="s">{sub}</div></div>\n'
        )
    w("</div>\n")

    _rir_request(plan, top, w)
    w("<h2>Capacity and headroom per level</h2>\n")
    w(
        '<p class="muted">Each level is counted in its own unit: how many blocks its parents '
        "can hold, how many the plan uses, and the parent with the least room left.</p>\n"
        '<table><tr><th class="n">Level</th><th>Unit</th><th class="n">Parents</th>'
        '<th class="n">Blocks</th><th class="n">Capacity</th><th class="n">Used</th>'
        '<th class="n">Free</th><th>Use</th><th>Least headroom</th></tr>\n'
    )
    for lv in capacity_levels(plan, top):
        tight = escape(plan.path(lv.tightest) or "(root)")
        w(
            f'<tr><td class="n">{lv.depth}</td><td>/{lv.unit}</td><td class="n">{lv.parents:,}</td>'
            f'<td class="n">{lv.children:,}</td><td class="n">{_units(lv.capacity)}</td>'
            f'<td class="n">{lv.used:,}</td><td class="n">{_units(lv.free)}</td>'
            f'<td>{_bar(lv.percent)}<span class="pct">{lv.percent:.1f} %</span></td>'
            f"<td>{tight}: {_units(lv.tightest_free)} free "
            f'<span class="pct">({lv.tightest_percent:.1f} % used)</span></td></tr>\n'
        )
    w("</table>\n")

    w(
        '<h3>Levels</h3>\n<table><tr><th class="n">Depth</th><th class="n">Nodes</th>'
        "<th>Sizes</th><th>Roles</th></tr>\n"
    )
    for level in levels(plan):
        sizes = ", ".join(f"/{length} × {n:,}" for length, n in level.lengths.items())
        roles = ", ".join(f"{escape(role)} × {n:,}" for role, n in level.roles.items())
        w(
            f'<tr><td class="n">{level.depth}</td><td class="n">{level.nodes:,}</td>'
            f"<td>{sizes}</td><td>{roles}</td></tr>\n"
        )
    w("</table>\n")

    nodes = map_nodes(plan, top, maps) if maps else []
    if nodes:
        w(
            "<h2>Nibble maps</h2>\n"
            '<p class="legend muted">Each block split into 256 sub-blocks (two hex digits: '
            "row = first, column = second). "
            '<span class="c-used"></span>used<span class="c-partial"></span>partly used'
            '<span class="c-reserved"></span>reserved<span class="c-free"></span>free</p>\n'
            '<div class="maps">\n'
        )
        for i in nodes:
            m = nibble_map(plan, i)
            label = escape(plan.path(i) or f"{plan.title} (root)")
            used = sum(c.state != "free" for c in m.cells)
            w(
                f'<div class="map"><h3>{label} <code>{escape(plan.prefix_text(i))}</code> '
                f'<span class="muted">in /{m.cell_length} · {used} of {len(m.cells)} '
                f'taken</span></h3>\n<div class="grid"><em></em>'
            )
            w("".join(f"<em>{d:x}</em>" for d in range(16)))
            step = 1 << (128 - m.cell_length)
            base = plan.net[i]
            for row in range(0, len(m.cells), 16):
                w(f"<em>{row // 16:x}</em>")
                for col, cell in enumerate(m.cells[row : row + 16]):
                    prefix = format_prefix(base + (row + col) * step, m.cell_length)
                    tip = f"{prefix} {cell.state}" + (f" · {cell.label}" if cell.label else "")
                    w(f'<span class="c-{cell.state}" title="{escape(tip)}"></span>')
            w("</div></div>\n")
        w("</div>\n")

    w("<h2>Lint findings</h2>\n")
    if not findings:
        w('<p class="muted">None: the plan follows every rule.</p>\n')
    else:
        w(
            "<table><tr><th>Severity</th><th>Rule</th><th>Node</th><th>Prefix</th>"
            "<th>Finding</th></tr>\n"
        )
        for f in findings[:MAX_FINDINGS]:
            w(
                f'<tr><td><span class="sev {f.severity}">{f.severity}</span></td>'
                f"<td><code>{escape(f.rule)}</code></td><td>{escape(f.path or '(root)')}</td>"
                f"<td><code>{escape(f.prefix)}</code></td><td>{escape(f.message)}</td></tr>\n"
            )
        w("</table>\n")
        if len(findings) > MAX_FINDINGS:
            w(
                f'<p class="muted">… and {len(findings) - MAX_FINDINGS:,} more '
                "(<code>v6plan check</code> lists them all).</p>\n"
            )

    w("<h2>Plan</h2>\n")
    if fold:
        w(
            f'<p class="muted">Runs of more than {fold} like siblings show the first three, '
            "a summary row and the last (<code>--set fold=0</code> lists every node).</p>\n"
        )
    w(
        '<table class="tree"><tr><th>Prefix</th><th>Node</th><th>Role</th><th>Status</th>'
        "<th>Children use</th><th>Description</th></tr>\n"
    )
    kinds, kind, depth, name, end = plan.kinds, plan.kind, plan.depth, plan.name, plan.end
    role_names = [escape(k.role) for k in kinds]
    notes = [escape(k.description) for k in kinds]
    base = depth[top]
    batch: list[str] = []
    done = 0
    for item in tree_rows(plan, top, max_depth, fold):
        if isinstance(item, Fold):
            pad = 14 * (item.depth - base)
            batch.append(
                f'<tr class="fold"><td class="mono">{escape(plan.prefix_text(item.first))} … '
                f"{escape(plan.prefix_text(item.last))}</td>"
                f'<td style="padding-left:{pad + 8}px">… {item.count:,} more: '
                f"{escape(name[item.first])} … {escape(name[item.last])}</td>"
                f'<td><span class="role">{role_names[kind[item.first]]}</span></td>'
                "<td></td><td></td><td></td></tr>\n"
            )
            continue
        i = item
        done += 1
        if not done % BATCH:
            ticker.add(BATCH)
        pad = 14 * (depth[i] - base)
        label = escape(name[i]) if i else f"<strong>{title}</strong>"
        role = (
            f'<span class="role">{role_names[kind[i]]}</span>' if i and role_names[kind[i]] else ""
        )
        if end[i] > i + 1:
            use = usage(plan, i)
            use_html = f'{_bar(use.percent)}<span class="pct">{escape(str(use))}</span>'
        else:
            use_html = ""
        batch.append(
            f'<tr><td class="mono">{escape(plan.prefix_text(i))}</td>'
            f'<td style="padding-left:{pad + 8}px">{label}</td><td>{role}</td>'
            f"<td>{plan.status(i)}</td><td>{use_html}</td>"
            f"<td>{notes[kind[i]] if i else ''}</td></tr>\n"
        )
        if len(batch) >= BATCH:
            w("".join(batch))
            batch.clear()
    w("".join(batch))
    w(
        "</table>\n<footer>Written by v6plan from "
        f"<code>{escape(plan.source or plan.title)}</code>. Utilisation is counted in child "
        "units, never in addresses; HD-ratio per RFC 3194 with the RIRs' 0.94 threshold."
        "</footer>\n</main>\n</body>\n</html>\n"
    )
