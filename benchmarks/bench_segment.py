#!/usr/bin/env python3
"""A shared segment: 30 hosts and a router on one switch, SLAAC ready, DAD on, as ratios.

    sudo .venv/bin/python benchmarks/bench_segment.py [--hosts 30] [--repeat 3]

The router advertises 2001:db8:1::/64; every host forms its address by SLAAC, and
``start`` returns when every host's link-local and SLAAC address has passed DAD (the
figure then checks it: each host's address is there and not tentative). Two timer
settings: the kernel's defaults (a random delay of up to 1 s, then one 1 s probe, for the
link-local and again for the SLAAC address), and a fast lab's
(``router_solicitation_delay 0``, ``neigh.eth0.retrans_time_ms 100``: one 100 ms probe at
once). netns (root) builds Linux bridges; sim (no root) a learning switch on virtual time.
Timings are never asserted; the targets are printed next to them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from v6plan._prefix import parse_address  # noqa: E402
from v6plan.lab.runtime import _wire as w  # noqa: E402
from v6plan.lab.runtime._backend import (  # noqa: E402
    Backend,
    NodeSpec,
    SegmentSpec,
    TopologySpec,
    interface_macs,
)

LAN = parse_address("2001:db8:1::")
FAST = {
    "net.ipv6.conf.default.router_solicitation_delay": "0",
    "net.ipv6.neigh.eth0.retrans_time_ms": "100",
}


def segment(hosts: int, fast: bool) -> TopologySpec:
    """``hosts`` hosts and r1 on segment ``lan``, DAD on everywhere, r1 advertising."""
    dad = {"net.ipv6.conf.all.accept_dad": "1", "net.ipv6.conf.default.accept_dad": "1"}
    more = FAST if fast else {}
    names = [f"h{i}" for i in range(1, hosts + 1)]
    router = NodeSpec(
        "r1",
        "router",
        {**dad, **more, "net.ipv6.conf.all.forwarding": "1"},
        {"eth0": {"prefixes": ["2001:db8:1::/64"], "interval": 10}},
    )
    nodes = (*(NodeSpec(h, sysctls={**dad, **more}) for h in names), router)
    members = tuple((n, "eth0") for n in [*names, "r1"])
    setup = {"r1": (("ip", "-6", "addr", "add", "2001:db8:1::1/64", "dev", "eth0"),)}
    return TopologySpec("bench-seg", nodes, (), setup, segments=(SegmentSpec("lan", members),))


def unready(backend: Backend, topo: TopologySpec) -> list[str]:
    """Hosts whose SLAAC address is missing or still tentative."""
    macs = interface_macs(topo)
    out = []
    for node in topo.nodes:
        if node.kind != "host":
            continue
        want = LAN | w.eui64(macs[(node.name, "eth0")])
        if not any(
            a.address == want and "tentative" not in a.flags for a in backend.addresses(node.name)
        ):
            out.append(node.name)
    return out


def measure(make: type[Backend], topo: TopologySpec, repeat: int, tag: str) -> list[float]:
    times = []
    for k in range(repeat):
        backend = make(f"{tag}{k}", Path(tempfile.mkdtemp()))
        try:
            t = time.perf_counter()
            backend.start(topo)
            times.append(time.perf_counter() - t)
            missing = unready(backend, topo)
            if missing:
                print(f"  !! not ready after start: {', '.join(missing)}")
        finally:
            backend.stop()
    return times


def best(values: list[float]) -> str:
    return f"{min(values) * 1000:8.1f} ms (median {statistics.median(values) * 1000:.1f})"


def row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<50} {value:<28} {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=30, help="hosts on the segment (30)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (3)")
    args = parser.parse_args(argv)
    from v6plan.lab.runtime.sim import SimBackend

    n = args.hosts
    t = time.perf_counter()
    SimBackend("bsw", Path(tempfile.mkdtemp())).start(segment(2, True))  # imports Scapy
    cold = time.perf_counter() - t
    print(f"{n} hosts + 1 router on one segment, SLAAC ready, DAD on")
    sim = {fast: measure(SimBackend, segment(n, fast), args.repeat, "bss") for fast in (0, 1)}
    row("sim, kernel default timers", best(sim[0]), "target ≤ 500 ms")
    row("sim, fast DAD timers", best(sim[1]), "target ≤ 500 ms")
    row("sim, first start in a process (Scapy import)", f"{cold * 1000:8.1f} ms", "2-node segment")
    if not (sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("ip")):
        print("netns: skipped (needs root on Linux with iproute2 and radvd)")
        return 0
    from v6plan.lab.runtime.netns import NetnsBackend

    kernel = {fast: measure(NetnsBackend, segment(n, fast), args.repeat, "bsn") for fast in (0, 1)}
    row(
        "netns, kernel default timers",
        best(kernel[0]),
        "DAD's own 1 s probes, twice: no target",
    )
    row(
        "netns, fast DAD timers",
        best(kernel[1]),
        f"target ≤ 1000 ms; {min(kernel[0]) / min(kernel[1]):.1f}× faster than defaults",
    )
    row(
        "sim vs netns, fast timers",
        f"{min(sim[1]) * 1000:8.1f} ms",
        f"{min(kernel[1]) / min(sim[1]):.1f}× faster than netns",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
