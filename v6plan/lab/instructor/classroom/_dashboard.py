"""The dashboard page: a trainee × lab × check grid that updates as results arrive.

Everything is served by the classroom server itself — no asset from the internet (a
classroom may be offline) — under a Content-Security-Policy that allows only its own
script and style. The script asks ``/api/grid?since=N`` and the server answers when there
is news (or after 20 s): the grid is current within a round trip. Each cell says its state
in words and symbols (✓ 2/2, ✗ 0/1), never by colour alone.
"""

from __future__ import annotations

from .._grading import ClassManifest
from .._html import esc

__all__ = ["DASHBOARD_CSS", "DASHBOARD_JS", "dashboard_html"]


def dashboard_html(manifest: ClassManifest) -> str:
    """The page's frame; the grid itself is drawn by the script from ``/api/grid``."""
    labs = ", ".join(esc(name) for name in manifest.labs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>v6lab classroom — class {esc(manifest.class_id)}</title>
<link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/dashboard.js" defer></script>
</head><body>
<header><h1>Classroom <code>{esc(manifest.class_id)}</code></h1>
<p class="meta">{len(manifest.trainees)} trainees · labs: {labs} ·
<span id="status" role="status">connecting…</span></p></header>
<main><table id="grid" aria-describedby="legend"><thead></thead><tbody></tbody></table>
<p id="legend">✓ passed · ✗ failed · — no result yet. Per lab: points, hints taken, minutes
spent, results sent. The latest result of each trainee and lab is shown.</p></main>
</body></html>
"""


DASHBOARD_CSS = """
body { font-family: "DejaVu Sans", sans-serif; margin: 1rem; color: #111; }
h1 { font-size: 1.3rem; margin: 0; }
.meta { color: #444; margin: .2rem 0 1rem; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid #bbb; padding: .15rem .35rem; text-align: center; }
th.trainee, td.trainee { text-align: left; white-space: nowrap; }
thead th { background: #eee; position: sticky; top: 0; }
th.check { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: normal; }
td.pass { background: #e3f4e3; }
td.fail { background: #fbe3e3; font-weight: bold; }
td.none { color: #888; }
td.sum { background: #f6f6f6; white-space: nowrap; }
tr.stuck td.trainee::after { content: " ⏳ stuck"; color: #8a4b00; }
#status.stale { color: #b00; font-weight: bold; }
"""

DASHBOARD_JS = r"""
"use strict";
let version = -1;
const grid = document.getElementById("grid");
const status = document.getElementById("status");

function cell(text, cls, title) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  if (title) td.title = title;
  return td;
}

function header(data) {
  const head = grid.tHead;
  head.textContent = "";
  const top = head.insertRow();
  const first = document.createElement("th");
  first.rowSpan = 2; first.textContent = "trainee"; first.className = "trainee";
  top.appendChild(first);
  const checks = head.insertRow();
  for (const lab of data.labs) {
    const th = document.createElement("th");
    th.colSpan = lab.checks.length + 1; th.textContent = lab.name;
    top.appendChild(th);
    for (const c of lab.checks) {
      const ch = document.createElement("th");
      ch.className = "check"; ch.textContent = c.id + " (" + c.points + ")";
      checks.appendChild(ch);
    }
    const sum = document.createElement("th");
    sum.textContent = "points · hints · min · sent";
    checks.appendChild(sum);
  }
}

function draw(data) {
  header(data);
  const body = grid.tBodies[0];
  body.textContent = "";
  for (const t of data.trainees) {
    const row = body.insertRow();
    row.dataset.trainee = t.id;
    row.appendChild(cell(t.id + (t.name ? " — " + t.name : ""), "trainee"));
    const mine = data.cells[t.id] || {};
    let stuck = false;
    for (const lab of data.labs) {
      const got = mine[lab.name];
      for (const c of lab.checks) {
        if (!got) { row.appendChild(cell("—", "none", "no result yet")); continue; }
        const ok = got.checks[c.id] === true;
        row.appendChild(cell(ok ? "✓" : "✗", ok ? "pass" : "fail",
          lab.name + " " + c.id + (ok ? ": passed" : ": failed")));
      }
      if (!got) { row.appendChild(cell("—", "sum none")); continue; }
      const minutes = got.seconds === null ? "?" : Math.round(got.seconds / 60);
      const td = cell(got.score + "/" + got.total + " · " + (got.hints ?? "?") + " · " +
        minutes + " · " + got.submissions + (got.window ? " · " + got.window : ""), "sum");
      td.dataset.lab = lab.name;
      row.appendChild(td);
      if (got.score < got.total && got.submissions >= 3 && (got.hints ?? 0) >= 2) stuck = true;
    }
    if (stuck) row.className = "stuck";
  }
}

async function poll() {
  for (;;) {
    try {
      const answer = await fetch("/api/grid?since=" + version, {credentials: "same-origin"});
      if (!answer.ok) throw new Error("HTTP " + answer.status);
      const data = await answer.json();
      if (data.version !== version) { draw(data); version = data.version; }
      status.textContent = "live · " + data.version + " results · updated " +
        new Date().toLocaleTimeString();
      status.className = "";
      document.body.dataset.version = String(version);
    } catch (e) {
      status.textContent = "server unreachable (" + e.message + "), retrying…";
      status.className = "stale";
      await new Promise(r => setTimeout(r, 2000));
    }
  }
}
poll();
"""
