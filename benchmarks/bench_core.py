"""Planner core benchmark: our figures beside the same work done the way peers do it.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_core.py [--quick]``).
Each measurement runs in a fresh process so peak memory (max RSS) is its own.
Targets (issue 2): 1M-leaf plan built ≤ 2 s, linted ≤ 2 s, CSV ≤ 3 s, ≤ 400 MiB,
``v6plan --help`` ≤ 0.2 s. Nothing here asserts: it prints, as ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _plans import customers_spec

PY = sys.executable


def child(code: str) -> dict[str, float]:
    """Run code in a fresh interpreter; it prints a JSON dict; add max RSS in MiB."""
    wrapper = textwrap.dedent(
        """
        import json, resource, sys, time
        result = {}
        %s
        result["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        """
    ) % textwrap.indent(textwrap.dedent(code), "")
    out = subprocess.run([PY, "-c", wrapper], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ours(spec: Path) -> dict[str, float]:
    return child(
        f"""
import gc, io, os
t = time.perf_counter()
from v6plan import build, load_spec
from v6plan._lint import lint
from v6plan.export import write
result["import"] = time.perf_counter() - t
t = time.perf_counter(); first = build(load_spec({str(spec)!r})); result["build"] = time.perf_counter() - t
from v6plan import Lock
lock_text = first.lock.dumps()
del first  # one plan in memory at a time: the peak is a user's
gc.collect()
t = time.perf_counter(); plan = build(load_spec({str(spec)!r}), Lock.parse(lock_text)).plan
result["replan"] = time.perf_counter() - t
result["lock_kib"] = len(lock_text) / 1024
result["nodes"] = len(plan) - 1
result["leaves"] = sum(1 for i in range(1, len(plan)) if plan.end[i] == i + 1)
t = time.perf_counter(); findings = lint(plan); result["lint"] = time.perf_counter() - t
result["findings"] = len(findings)
with open(os.devnull, "w") as out:
    t = time.perf_counter(); write(plan, "csv", out); result["csv"] = time.perf_counter() - t
"""
    )


def peer_ipaddress(leaves_per_pop: int) -> dict[str, float]:
    """The same plan as ipaddress objects, written as CSV text (how a script would)."""
    return child(
        f"""
import ipaddress, itertools, os
t = time.perf_counter()
root = ipaddress.IPv6Network("3fff:100::/32")
with open(os.devnull, "w") as out:
    for r, region in enumerate(itertools.islice(root.subnets(new_prefix=36), 16), 1):
        out.write(f"{{region}},region-{{r}}\\n")
        for p, pop in enumerate(itertools.islice(region.subnets(new_prefix=44), 256), 1):
            out.write(f"{{pop}},region-{{r}}/pop-{{p}}\\n")
            for c, cust in enumerate(itertools.islice(pop.subnets(new_prefix=56), {leaves_per_pop}), 1):
                out.write(f"{{cust}},region-{{r}}/pop-{{p}}/customer-{{c}}\\n")
result["total"] = time.perf_counter() - t
"""
    )


def peer_netaddr(leaves_per_pop: int) -> dict[str, float]:
    return child(
        f"""
import itertools, os, netaddr
t = time.perf_counter()
root = netaddr.IPNetwork("3fff:100::/32")
with open(os.devnull, "w") as out:
    for r, region in enumerate(itertools.islice(root.subnet(36), 16), 1):
        out.write(f"{{region}},region-{{r}}\\n")
        for p, pop in enumerate(itertools.islice(region.subnet(44), 256), 1):
            out.write(f"{{pop}},region-{{r}}/pop-{{p}}\\n")
            for c, cust in enumerate(itertools.islice(pop.subnet(56), {leaves_per_pop}), 1):
                out.write(f"{{cust}},region-{{r}}/pop-{{p}}/customer-{{c}}\\n")
result["total"] = time.perf_counter() - t
"""
    )


def peer_netbox_first_fit(present: int, samples: int) -> dict[str, float]:
    """NetBox's get_available_prefixes: IPSet(parent) - IPSet(children), then first fit."""
    return child(
        f"""
import netaddr
parent = netaddr.IPNetwork("2001:db8::/40")
# scattered blocks (every other /64), as a plan that grew over years has them
used = netaddr.IPSet(netaddr.IPNetwork("2001:db8::/64").next(2 * i) for i in range({present}))
t = time.perf_counter()
for _ in range({samples}):
    available = netaddr.IPSet([parent]) - used
    block = next(c for c in available.iter_cidrs() if c.prefixlen <= 64)  # first fit
    new = netaddr.IPNetwork(f"{{block.network}}/64")
    used.add(new)
result["per_allocation"] = (time.perf_counter() - t) / {samples}
"""
    )


def ours_allocation(present: int, samples: int) -> dict[str, float]:
    """Our allocator answering the same question (next free /64 beside `present` blocks)."""
    return child(
        f"""
from v6plan._space import Space
from v6plan._prefix import parse_prefix
space = Space(*parse_prefix("2001:db8::/40"))
for i in range({present}):
    space.claim((0x20010db8 << 96) + (2 * i << 64), 64)
t = time.perf_counter()
for _ in range({samples}):
    space.take(64, 1)
result["per_allocation"] = (time.perf_counter() - t) / {samples}
"""
    )


def help_time(runs: int = 9) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([PY, "-m", "v6plan", "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cli_whole_job(spec: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        subprocess.run(
            [PY, "-m", "v6plan", "export", str(spec), "-f", "csv", "-o", f"{tmp}/plan.csv"],
            check=True,
        )
        return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a 65,536-leaf plan instead of 1,048,576"
    )
    args = parser.parse_args()
    per_pop = 16 if args.quick else 256
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "bench.yaml"
        spec.write_text(customers_spec(per_pop, prefix="3fff:100::/32"))
        print(
            f"python {sys.version.split()[0]}, plan: /32 → 16 /36 → 256 /44 → {per_pop} /56 customers"
        )
        us = ours(spec)
        whole = cli_whole_job(spec)
    ip = peer_ipaddress(per_pop)
    na = peer_netaddr(per_pop)
    nb = peer_netbox_first_fit(10_000, 5)
    oa = ours_allocation(10_000, 2_000)
    helps = help_time()

    def row(work: str, mine: str, peer: str, method: str, ratio: float | None) -> None:
        ratio_text = (
            f"{ratio:,.0f}×" if ratio and ratio >= 10 else (f"{ratio:.1f}×" if ratio else "")
        )
        print(f"| {work} | {mine} | {peer} | {method} | {ratio_text} |")

    leaves = int(us["leaves"])
    print()
    print(
        f"| work ({leaves:,} leaves, {int(us['nodes']):,} nodes) | v6plan | peer | peer's method | peer ÷ v6plan |"
    )
    print("|---|---:|---:|---|---:|")
    row("build the plan (spec → model)", f"{us['build']:.2f} s", "", "", None)
    row(f"re-plan with its lock ({us['lock_kib']:.0f} KiB)", f"{us['replan']:.2f} s", "", "", None)
    row("lint it", f"{us['lint']:.2f} s", "", "", None)
    row("export CSV", f"{us['csv']:.2f} s", "", "", None)
    mine_total = us["build"] + us["csv"]
    row(
        "plan → CSV text, in process",
        f"{mine_total:.2f} s",
        f"{ip['total']:.2f} s",
        "ipaddress nested subnets()",
        ip["total"] / mine_total,
    )
    row(
        "plan → CSV text, in process",
        f"{mine_total:.2f} s",
        f"{na['total']:.2f} s",
        "netaddr nested subnet()",
        na["total"] / mine_total,
    )
    row("`v6plan export -f csv` whole command", f"{whole:.2f} s", "", "", None)
    row(
        "peak memory (build + lint + CSV)",
        f"{us['rss_mib']:.0f} MiB",
        f"{ip['rss_mib']:.0f} MiB",
        "ipaddress script",
        None,
    )
    row(
        "one allocation beside 10,000 blocks",
        f"{oa['per_allocation'] * 1e6:.1f} µs",
        f"{nb['per_allocation'] * 1e3:.0f} ms",
        "netaddr IPSet first-fit (NetBox)",
        nb["per_allocation"] / oa["per_allocation"],
    )
    row(
        "1M allocations at that rate (extrapolated)",
        f"{oa['per_allocation'] * 1e6:.1f} s",
        f"{nb['per_allocation'] * 1e6 / 3600:,.0f} h",
        "netaddr IPSet first-fit (NetBox)",
        nb["per_allocation"] / oa["per_allocation"],
    )
    row("`v6plan --help`", f"{helps:.3f} s", "", "", None)
    print()
    print(
        f"targets: build ≤ 2 s, lint ≤ 2 s, CSV ≤ 3 s, ≤ 400 MiB, --help ≤ 0.2 s (import of the core: {us['import']:.3f} s)"
    )


if __name__ == "__main__":
    main()
