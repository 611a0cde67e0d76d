"""Lab engine: `v6lab check` on a 20-node lab, end to end, beside the peers' way.

The lab is the bundled ISP core (4 routers, 16 customer hosts, every address and route
configured from the plan) with 37 checks: 16 addresses, 16 customer-to-customer echoes,
4 traceroute hop counts and plan conformance. We time what a trainee waits for:

* ``v6lab check`` as a fresh process (Python start-up, lab loading, every probe, run by
  the session's simulator process; ``bench_exec.py`` also times the rebuild-and-replay
  path) on the sim backend — target ≤ 1 s;
* the same on netns (root and the netns backend only), and the peers' way of grading
  reachability there: one ``ip netns exec … ping -6 -c 1`` process per check, as
  Kathará's lab checker and most workshop scripts do.

Run: ``.venv/bin/python benchmarks/bench_lab_engine.py [--runs 5]``. Figures vary with the
machine's load; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
V6LAB = [sys.executable, "-m", "v6plan.lab.cli"]


def lab_yaml() -> str:
    lines = [
        "lab: bench-isp-core",
        "topology: isp-core",
        "programs: [ip, ping, traceroute]",
        "setup:",
        "  configure: all",
        "checks:",
    ]
    for c in range(1, 17):
        lines.append(
            f'  - {{id: c{c}-address, type: address, node: c{c}, iface: eth0, address: "{{c{c}.eth0.cidr}}"}}'
        )
    for c in range(1, 17):
        other = c % 16 + 1
        lines.append(
            f'  - {{id: c{c}-reaches-c{other}, type: reachable, from: c{c}, to: "{{c{other}.eth0}}"}}'
        )
    # c1 and c2 share r1; r1–r2 and r1–r3 are direct links; r2 to r4 crosses one more router
    for c, other, want in ((1, 2, 2), (1, 5, 3), (1, 9, 3), (5, 13, 4)):
        lines.append(
            f'  - {{id: c{c}-c{other}-hops, type: hops, from: c{c}, to: "{{c{other}.eth0}}", hops: "{want}"}}'
        )
    lines.append("  - {id: in-plan, type: plan}")
    lines += ["solution:", "  configure: all"]
    return "\n".join(lines) + "\n"


def make_lab(base: Path) -> Path:
    lab = base / "labs" / "bench-isp-core"
    (lab / "messages").mkdir(parents=True)
    (lab / "lab.yaml").write_text(lab_yaml())
    (lab / "messages" / "en.yaml").write_text("title: benchmark ISP core\ntask: none\n")
    return lab


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT)
    return time.perf_counter() - started, result


def have_backend(name: str) -> bool:
    import importlib

    module, cls = {
        "sim": ("v6plan.lab.runtime.sim", "SimBackend"),
        "netns": ("v6plan.lab.runtime.netns", "NetnsBackend"),
    }[name]
    try:
        return hasattr(importlib.import_module(module), cls)
    except ImportError:
        return False


def bench_backend(name: str, runs: int, base: Path) -> dict[str, float] | None:
    env = dict(
        os.environ, V6LAB_LABS=str(base / "labs"), V6LAB_STATE_DIR=str(base / f"state-{name}")
    )
    start_s, result = timed([*V6LAB, "start", "bench-isp-core", "--backend", name], env)
    if result.returncode != 0:
        print(f"  {name}: start failed: {result.stderr.strip()}")
        return None
    try:
        times = []
        for _ in range(runs):
            seconds, result = timed([*V6LAB, "check", "--json"], env)
            report = json.loads(result.stdout or "{}")
            if report.get("passed") != report.get("count"):
                failing = [
                    c["id"] + ": " + c["message"]
                    for c in report.get("checks", [])
                    if not c["passed"]
                ]
                print(f"  {name}: {len(failing)} checks fail: {failing[:3]}")
            times.append(seconds)
        help_s, _ = timed([*V6LAB, "--help"], env)
        return {
            "start": start_s,
            "check": statistics.median(times),
            "best": min(times),
            "help": help_s,
        }
    finally:
        timed([*V6LAB, "stop"], env)


def reachability_head_to_head(base: Path, rounds: int) -> tuple[float, float, int, int] | None:
    """The 16 customer-to-next-customer echo checks on netns, graded two ways on the same
    running lab: v6lab's checks in-process (one raw socket per node, Scapy probes) and the
    peers' way, one `ip netns exec … ping -6 -c 1` process per check (Kathará's lab
    checker, most workshop scripts). Returns (ours, peers', our passes, peer passes)."""
    os.environ["V6LAB_LABS"] = str(base / "labs")
    os.environ["V6LAB_STATE_DIR"] = str(base / "state-h2h")
    from v6plan.lab.checks._context import Context
    from v6plan.lab.checks._registry import run_checks
    from v6plan.lab.model._labfile import load_lab
    from v6plan.lab.runtime._session import Session

    lab = load_lab("bench-isp-core")
    run = lab.instantiate()
    session = Session.create(lab.directory, "netns", activate=False)
    try:
        with session.locked():
            backend = session.start(run.topology_spec())
            specs = [c for c in run.checks() if c.type == "reachable"]
            messages = lab.messages()
            ours, peers = [], []
            ok_ours = ok_peers = 0
            for _ in range(rounds):
                started = time.perf_counter()
                results = run_checks(Context(backend, run.addressing), specs, messages)
                ours.append(time.perf_counter() - started)
                ok_ours = sum(r.passed for r in results)
                started = time.perf_counter()
                ok_peers = 0
                for spec in specs:
                    namespace = f"v6lab-{session.info.tag}-{spec.args['from']}"
                    done = subprocess.run(
                        [
                            "ip",
                            "netns",
                            "exec",
                            namespace,
                            "ping",
                            "-6",
                            "-c",
                            "1",
                            "-W",
                            "1",
                            spec.args["to"],
                        ],
                        capture_output=True,
                    )
                    ok_peers += done.returncode == 0
                peers.append(time.perf_counter() - started)
    finally:
        session.teardown()
        session.remove()
    return statistics.median(ours), statistics.median(peers), ok_ours, ok_peers


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="v6lab-bench-"))
    try:
        make_lab(base)
        print("v6lab check on a 20-node lab (ISP core: 4 routers, 16 hosts; 37 checks), end to end")
        print(f"{'backend':<8} {'start':>8} {'check (median)':>15} {'best':>8} {'--help':>8}")
        figures = {}
        for name in ("sim", "netns"):
            if not have_backend(name):
                print(f"{name:<8} (backend not available here)")
                continue
            if name == "netns" and os.geteuid() != 0:
                print(f"{name:<8} (needs root)")
                continue
            got = bench_backend(name, args.runs, base)
            if got is None:
                continue
            figures[name] = got
            print(
                f"{name:<8} {got['start']:>7.2f}s {got['check']:>14.2f}s {got['best']:>7.2f}s {got['help']:>7.2f}s"
            )
        if "sim" in figures:
            verdict = "meets" if figures["sim"]["check"] <= 1.0 else "misses"
            print(f"sim check {figures['sim']['check']:.2f} s {verdict} the 1 s target")
        if "netns" in figures and shutil.which("ping"):
            ours, peers, ok_ours, ok_peers = reachability_head_to_head(base, args.runs)
            print()
            print("grading 16 reachability checks on the running netns lab (median):")
            print(f"  v6lab checks, in-process    {ours * 1000:7.1f} ms  ({ok_ours}/16 pass)")
            print(f"  16 × ip netns exec ping     {peers * 1000:7.1f} ms  ({ok_peers}/16 pass)")
            print(f"  ratio                       {peers / ours:7.1f} × faster")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
