#!/usr/bin/env python3
"""How fast the plan explorer answers on a million-prefix plan, beside a naive Textual Tree.

Run: ``python benchmarks/bench_tui.py`` (add ``--json`` for the figures as JSON).

The plan: 2001:db8::/32 → 16 /36 → 256 /44 each → 256 /56 each = 1,048,576 leaf
prefixes (1,052,689 nodes), its spec generated here. Each app runs in a child process
with a scripted Pilot session (headless, 120×40):

* **first screen**: wall time from spawning the process (interpreter start, imports,
  building the plan from the spec, mounting) to the first frame drawn;
* **keys**: for each key, the time from sending it to the last frame it caused (a
  hook on the app's display step), the same keys in both apps: move, expand, move
  into the expanded level, go to a name (the search hit), next hit.

The naive app is what most Textual apps do: one ``TreeNode`` per plan node, added
at mount, labels as text. It cannot open the million-node plan in reasonable time,
so it runs on the same plan shape with fewer leaves per /44 (capped by ``--naive-max``)
and its figures are extrapolated linearly to 1,048,576 leaves — clearly marked.
Timings vary with machine load; run it on an idle machine for figures to quote.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _plans import customers_spec

ROOT = Path(__file__).resolve().parents[1]


#: The scripted session: (label, key or action). ``go:NAME`` goes to the first node
#: named NAME (our app: ``/`` NAME enter; the naive app: its own go-to).
SESSION = [
    ("move down", "down"),
    ("expand a /36", "space"),
    ("move into it", "down"),
    ("expand a /44 group", "space"),
    ("move down", "down"),
    ("move down", "down"),
    ("expand a /44", "space"),
    ("move down", "down"),
    ("page down", "pagedown"),
    ("go to a name (search hit)", "go:cust-200"),
    ("next hit", "next"),
    ("move up", "up"),
]

CHILD = r"""
import time
T0_WALL = time.time()
import asyncio, json, sys
sys.path.insert(0, {root!r})

MODE, SPEC = sys.argv[1], sys.argv[2]

def cpu_ms(start):
    return round((time.thread_time() - start) * 1000, 2)

def hook(app, frames):
    original = app._display
    def display(screen, renderable):
        frames.append(time.perf_counter())
        return original(screen, renderable)
    app._display = display

def make_ours():
    from v6plan.tui.app import PlanExplorer
    return PlanExplorer(SPEC)

def make_naive():
    from textual.app import App
    from textual.widgets import Tree
    from v6plan.cli._plan import load_plan
    plan = load_plan(SPEC)

    class Naive(App):
        def compose(self):
            tree = Tree(plan.title)
            self.tree_nodes = [tree.root]
            nodes = self.tree_nodes
            for i in range(1, len(plan)):
                parent = nodes[plan.parent[i]]
                label = f"{{plan.name[i]}}  {{plan.prefix_text(i)}}  {{plan.role(i)}}"
                leaf = plan.end[i] == i + 1
                nodes.append(parent.add_leaf(label, i) if leaf else parent.add(label, i))
            tree.root.expand()
            yield tree

        def on_mount(self):
            self.query_one(Tree).focus()

        def go_to(self, name, after=0):
            hits = [i for i in range(after + 1, len(plan)) if plan.name[i] == name]
            if not hits:
                return
            i = hits[0]
            chain = []
            j = plan.parent[i]
            while j >= 0:
                chain.append(j)
                j = plan.parent[j]
            for j in reversed(chain):
                self.tree_nodes[j].expand()
            tree = self.query_one(Tree)
            self.call_after_refresh(tree.move_cursor, self.tree_nodes[i])
            self.last = i

    return Naive()

async def main():
    app = make_ours() if MODE == "ours" else make_naive()
    frames = []
    hook(app, frames)
    out = {{"mode": MODE}}
    async with app.run_test(size=(120, 40)) as pilot:
        while not frames:
            await asyncio.sleep(0.001)
        out["first_frame_wall"] = time.time() - (time.perf_counter() - frames[0])
        out["nodes"] = len(app.plan) if MODE == "ours" else len(app.tree_nodes)
        if MODE == "ours":  # the background lint finishes first, as a person reads the screen
            t = time.perf_counter()
            while app.findings is None and time.perf_counter() - t < 60:
                await asyncio.sleep(0.05)
            out["lint_s"] = round(time.perf_counter() - t, 2)
        await pilot.pause(0.5)
        keys = []
        for label, key in json.loads(sys.argv[3]):
            if key.startswith("go:") and MODE == "ours":
                await pilot.press("slash", *key[3:])  # typing the query is not the answer
                await pilot.pause()
            mark = len(frames)
            start = time.perf_counter()
            start_cpu = time.thread_time()
            if key.startswith("go:"):
                if MODE == "ours":
                    await pilot.press("enter")
                else:
                    app.go_to(key[3:])
            elif key == "next":
                if MODE == "ours":
                    await pilot.press("n")
                else:
                    app.go_to("cust-200", getattr(app, "last", 0))
            else:
                await pilot.press(key)
            await pilot.pause()
            done = time.perf_counter()
            first = frames[mark] if len(frames) > mark else done
            drawn = frames[-1] if len(frames) > mark else done
            keys.append(
                [
                    label,
                    key,
                    round((first - start) * 1000, 2),
                    round((drawn - start) * 1000, 2),
                    cpu_ms(start_cpu),
                ]
            )
        out["keys"] = keys
        out["selected"] = str(getattr(app, "selected", ""))[:80]
    print(json.dumps(out))

asyncio.run(main())
"""


def run_child(mode: str, spec: Path, session: list[tuple[str, str]], timeout: float) -> dict:
    code = CHILD.format(root=str(ROOT))
    started = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", code, mode, str(spec), json.dumps(session)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(ROOT),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} child failed:\n{proc.stderr[-3000:]}")
    data: dict = json.loads(proc.stdout.strip().splitlines()[-1])
    data["first_screen_s"] = round(data["first_frame_wall"] - started, 3)
    return data


def write_spec(folder: Path, leaves: int) -> Path:
    spec = folder / f"bench-{leaves}.yaml"
    spec.write_text(customers_spec(leaves, name="cust"))
    return spec


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--naive-max",
        type=int,
        default=16,
        help="the naive Tree runs with up to this many leaves per /44 (default 16: 65,536 "
        "leaves; 64 takes minutes)",
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds per child")
    args = parser.parse_args()
    session = SESSION
    with tempfile.TemporaryDirectory(prefix="v6plan-bench-tui-") as tmp:
        folder = Path(tmp)
        ours = run_child("ours", write_spec(folder, 256), session, args.timeout)
        naive_runs = []
        leaves = 1
        while leaves <= args.naive_max:
            naive_runs.append(
                (leaves, run_child("naive", write_spec(folder, leaves), session, args.timeout))
            )
            leaves *= 4
    full = 16 * 256 * 256
    figures = {"ours": ours, "naive": []}
    for per_pop, run in naive_runs:
        run["leaves"] = 16 * 256 * per_pop
        figures["naive"].append(run)
    # Linear extrapolation from the largest naive run (its cost grows with the node count).
    big = figures["naive"][-1]
    scale = full / big["leaves"]
    figures["naive_extrapolated"] = {
        "leaves": full,
        "first_screen_s": round(big["first_screen_s"] * scale, 1),
        "note": f"naive figures × {scale:g} from its run at {big['leaves']:,} leaves",
    }
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"plan: 2001:db8::/32 → 16 /36 → 256 /44 → 256 /56 = {full:,} leaves")
    print(
        f"machine load average (1, 5, 15 min): {figures['load_average']} on {os.cpu_count()} cores"
    )
    print()
    print("first screen (process start → first frame, plan built from its spec):")
    print(f"  ours        {ours['first_screen_s']:6.2f} s   {ours['nodes']:,} plan nodes")
    for run in figures["naive"]:
        print(
            f"  naive Tree  {run['first_screen_s']:6.2f} s   at {run['leaves']:,} leaves "
            f"({run['nodes']:,} TreeNodes)"
        )
    extra = figures["naive_extrapolated"]
    print(
        f"  naive Tree  ≈{extra['first_screen_s']:5.0f} s   at {full:,} leaves — EXTRAPOLATED "
        f"({extra['note']})"
    )
    ratio = extra["first_screen_s"] / ours["first_screen_s"]
    print(f"  ratio: the naive Tree needs ≈{ratio:,.0f}× as long to show the million-prefix plan")
    print()
    print(
        f"keys, ms from sending the key: answer = first frame drawn after it, settled = last "
        f"frame it caused (footer, scrollbars), cpu = UI thread CPU; ours on {full:,} leaves, "
        f"the naive Tree on {big['leaves']:,}:"
    )
    width = max(len(label) for label, _ in session)
    print(f"  {'':<{width}}  {'ours answer/settled (cpu)':>27}  {'naive answer/settled (cpu)':>27}")
    worst = settled = 0.0
    for mine, theirs in zip(ours["keys"], big["keys"]):
        label, _key, first, last, cpu = mine
        worst, settled = max(worst, first), max(settled, last)
        print(
            f"  {label:<{width}}  {first:7.1f} / {last:7.1f} ({cpu:5.1f})"
            f"  {theirs[2]:7.1f} / {theirs[3]:7.1f} ({theirs[4]:5.1f})"
        )
    print()
    print(
        f"targets: first screen ≤ 1.5 s (ours {ours['first_screen_s']:.2f} s); "
        f"every key answered ≤ 50 ms (ours: slowest answer {worst:.1f} ms, "
        f"slowest settle {settled:.1f} ms)"
    )
    if "lint_s" in ours:
        print(
            f"(ours: background lint of the whole plan finished {ours['lint_s']:.1f} s after the first frame)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
