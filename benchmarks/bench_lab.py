#!/usr/bin/env python3
"""Lab backends: our figures beside the same work done the way peers do it, as ratios.

    sudo .venv/bin/python benchmarks/bench_lab.py [--nodes 20] [--repeat 3]

netns (root): a star of N nodes (one router, N-1 hosts, a /64 per link, DAD off) built
until every address is usable — with ``ip -batch`` (what the backend uses) and with
pyroute2 netlink (if installed) — beside Mininet (Debian package ``mininet``) building
the same nodes and reaching its first successful IPv6 ping; teardown; a full-mesh echo
check with one raw socket per node beside one ``ping`` process per pair.
sim (no root): simulated pings per second, start-up and the full mesh on virtual time.
Timings are never asserted; the targets are printed next to them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from v6plan._prefix import format_address, parse_address  # noqa: E402
from v6plan.lab.runtime._backend import LinkSpec, NodeSpec, TopologySpec  # noqa: E402

NO_DAD = {"net.ipv6.conf.all.accept_dad": "0", "net.ipv6.conf.default.accept_dad": "0"}


def star(n: int) -> TopologySpec:
    nodes = [NodeSpec("r1", "router", {**NO_DAD, "net.ipv6.conf.all.forwarding": "1"})]
    links = []
    setup: dict[str, tuple[tuple[str, ...], ...]] = {"r1": ()}
    for i in range(1, n):
        nodes.append(NodeSpec(f"h{i}", sysctls=dict(NO_DAD)))
        links.append(LinkSpec(("r1", f"eth{i - 1}"), (f"h{i}", "eth0")))
        setup["r1"] += (("ip", "-6", "addr", "add", f"2001:db8:{i:x}::1/64", "dev", f"eth{i - 1}"),)
        setup[f"h{i}"] = (
            ("ip", "-6", "addr", "add", f"2001:db8:{i:x}::10/64", "dev", "eth0"),
            ("ip", "-6", "route", "add", "default", "via", f"2001:db8:{i:x}::1"),
        )
    return TopologySpec("bench-star", tuple(nodes), tuple(links), setup)


def host(i: int) -> int:
    return parse_address(f"2001:db8:{i:x}::10")


def best(values: list[float]) -> str:
    return f"{min(values) * 1000:8.1f} ms (median {statistics.median(values) * 1000:.1f})"


def row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<46} {value:<28} {note}")


# -- netns ----------------------------------------------------------------------------------------------
def bench_netns(n: int, repeat: int) -> dict[str, float]:
    from v6plan.lab.runtime.netns import NetnsBackend, cleanup

    topo = star(n)
    build, teardown, mesh = [], [], []
    for k in range(repeat):
        backend = NetnsBackend(f"bn{k}", Path(tempfile.mkdtemp()))
        try:
            t = time.perf_counter()
            backend.start(topo)
            build.append(time.perf_counter() - t)
            mesh.append(full_mesh(backend, n))
        finally:
            t = time.perf_counter()
            backend.stop()
            teardown.append(time.perf_counter() - t)
            cleanup(backend.session)
    print(f"netns: {n}-node star (1 router, {n - 1} hosts), DAD off, every address usable")
    row("build with ip -batch (the backend)", best(build), "target ≤ 300 ms")
    row("teardown", best(teardown), "target ≤ 100 ms")
    row(f"full mesh, {(n - 1) * (n - 2)} echo pairs, send_l3", best(mesh), "target ≤ 500 ms")
    return {"build": min(build), "teardown": min(teardown), "mesh": min(mesh)}


def full_mesh(backend, n: int) -> float:  # type: ignore[no-untyped-def]
    from v6plan.lab.checks._probes import echo_requests, read_echo_answers

    t = time.perf_counter()
    ok = 0
    for i in range(1, n):
        packets = [
            p for j in range(1, n) if j != i for p in echo_requests(host(i), host(j), i, [64], j)
        ]
        ok += len(
            {
                a.seq
                for a in read_echo_answers(backend.send_l3(f"h{i}", packets, timeout=2.0), i)
                if a.kind == "reply"
            }
        )
    elapsed = time.perf_counter() - t
    if ok != (n - 1) * (n - 2):
        print(f"  !! full mesh: only {ok} of {(n - 1) * (n - 2)} pairs answered")
    return elapsed


def bench_ping_per_pair(n: int) -> float:
    """The way peers check reachability (Mininet's pingAll): one ping process per pair."""
    from v6plan.lab.runtime.netns import NetnsBackend, cleanup

    backend = NetnsBackend("bnp", Path(tempfile.mkdtemp()))
    try:
        backend.start(star(n))
        t = time.perf_counter()
        for i in range(1, n):
            for j in range(1, n):
                if i != j:
                    subprocess.run(
                        [
                            "ip",
                            "netns",
                            "exec",
                            backend.namespace(f"h{i}"),
                            "ping",
                            "-6",
                            "-c",
                            "1",
                            "-W",
                            "1",
                            "-q",
                            format_address(host(j)),
                        ],
                        stdout=subprocess.DEVNULL,
                        check=False,
                    )
        return time.perf_counter() - t
    finally:
        backend.stop()
        cleanup("bnp")


def bench_pyroute2(n: int, repeat: int) -> tuple[list[float], list[float]] | None:
    """The same build through pyroute2's netlink instead of ip -batch."""
    try:
        from pyroute2 import IPRoute, NetNS, netns
    except ImportError:
        return None
    from v6plan.lab.runtime.netns import NetnsBackend, cleanup
    from v6plan.lab.runtime.netns._backend import namespace_name

    topo = star(n)
    build, teardown = [], []
    for k in range(repeat):
        backend = NetnsBackend(f"bp{k}", Path(tempfile.mkdtemp()))
        backend.topology = topo
        names = {spec.name: namespace_name(backend.session, spec.name) for spec in topo.nodes}
        try:
            t = time.perf_counter()
            for name in names.values():
                netns.create(name)
            for spec in topo.nodes:
                backend._write_sysctls(spec)
            from v6plan.lab.runtime._backend import interface_macs

            macs = interface_macs(topo)
            with IPRoute() as ipr:
                for link in topo.links:
                    ipr.link(
                        "add",
                        ifname=link.a[1],
                        kind="veth",
                        net_ns_fd=names[link.a[0]],
                        address=macs[link.a],
                        peer={
                            "ifname": link.b[1],
                            "net_ns_fd": names[link.b[0]],
                            "address": macs[link.b],
                        },
                    )
            for spec in topo.nodes:
                with NetNS(names[spec.name]) as ns:
                    index = {link.get_attr("IFLA_IFNAME"): link["index"] for link in ns.get_links()}
                    for ifindex in index.values():
                        ns.link("set", index=ifindex, state="up")
                    for argv in topo.setup.get(spec.name, ()):
                        words = list(argv[2:])
                        if words[:2] == ["addr", "add"]:
                            addr, plen = words[2].split("/")
                            ns.addr("add", index=index[words[4]], address=addr, prefixlen=int(plen))
                        elif words[:2] == ["route", "add"]:
                            ns.route("add", dst="::/0", gateway=words[4], family=10)
            backend.wait_ready()
            build.append(time.perf_counter() - t)
        finally:
            t = time.perf_counter()
            for name in names.values():
                with contextlib.suppress(OSError):
                    netns.remove(name)
            teardown.append(time.perf_counter() - t)
            backend.stop()
            cleanup(backend.session)
    return build, teardown


MININET = textwrap.dedent(
    """
    import json, time
    t0 = time.perf_counter()
    from mininet.net import Mininet
    from mininet.log import setLogLevel
    setLogLevel("error")
    n = {n}
    net = Mininet(controller=None, build=False)
    r1 = net.addHost("r1")
    hosts = [net.addHost(f"h{{i}}") for i in range(1, n)]
    for i, h in enumerate(hosts):
        net.addLink(h, r1, intfName1=f"h{{i + 1}}-eth0", intfName2=f"r1-eth{{i}}")
    net.build()
    built = time.perf_counter()
    r1.cmd("sysctl -qw net.ipv6.conf.all.forwarding=1")
    for i, h in enumerate(hosts, start=1):
        r1.cmd(f"ip -6 addr add 2001:db8:{{i:x}}::1/64 dev r1-eth{{i - 1}}")
        h.cmd(f"ip -6 addr add 2001:db8:{{i:x}}::10/64 dev h{{i}}-eth0")
        h.cmd(f"ip -6 route add default via 2001:db8:{{i:x}}::1")
    while " 0% packet loss" not in hosts[0].cmd("ping -6 -c1 -W1 2001:db8:2::10"):
        pass
    pinged = time.perf_counter()
    net.stop()
    stopped = time.perf_counter()
    print(json.dumps({{"build": built - t0, "first_ping": pinged - t0, "teardown": stopped - pinged}}))
    """
)


def bench_mininet(n: int) -> dict[str, float] | None:
    python = "/usr/bin/python3"
    probe = subprocess.run([python, "-c", "import mininet"], capture_output=True)
    if probe.returncode != 0:
        return None
    result = subprocess.run(
        [python, "-c", MININET.format(n=n)], capture_output=True, text=True, timeout=300
    )
    subprocess.run(["mn", "-c"], capture_output=True, check=False)
    if result.returncode != 0:
        print("  Mininet failed:", result.stderr.strip()[-300:])
        return None
    out: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


# -- sim -------------------------------------------------------------------------------------------------
def bench_sim(n: int, repeat: int) -> dict[str, float]:
    from v6plan.lab.runtime.sim import SimBackend

    three = TopologySpec(
        "bench-three",
        (
            NodeSpec("h1", sysctls=dict(NO_DAD)),
            NodeSpec("r1", "router", {**NO_DAD, "net.ipv6.conf.all.forwarding": "1"}),
            NodeSpec("h2", sysctls=dict(NO_DAD)),
        ),
        (LinkSpec(("h1", "eth0"), ("r1", "eth0")), LinkSpec(("r1", "eth1"), ("h2", "eth0"))),
        {
            "h1": (
                ("ip", "-6", "addr", "add", "2001:db8:1::10/64", "dev", "eth0"),
                ("ip", "-6", "route", "add", "default", "via", "2001:db8:1::1"),
            ),
            "r1": (
                ("ip", "-6", "addr", "add", "2001:db8:1::1/64", "dev", "eth0"),
                ("ip", "-6", "addr", "add", "2001:db8:2::1/64", "dev", "eth1"),
            ),
            "h2": (
                ("ip", "-6", "addr", "add", "2001:db8:2::10/64", "dev", "eth0"),
                ("ip", "-6", "route", "add", "default", "via", "2001:db8:2::1"),
            ),
        },
    )
    rates, starts, meshes = [], [], []
    count = 2000
    for _ in range(repeat):
        backend = SimBackend("bs", Path(tempfile.gettempdir()))
        backend.start(three)
        t = time.perf_counter()
        result = backend.exec(
            "h1", ["ping", "-6", "-c", str(count), "-i", "0.01", "2001:db8:2::10"]
        )
        rates.append(count / (time.perf_counter() - t))
        assert f"{count} received" in result.stdout
        t = time.perf_counter()
        backend.start(star(n))
        starts.append(time.perf_counter() - t)
        meshes.append(full_mesh(backend, n))
    print("sim: virtual time, real bytes through simulated links")
    row("pings across a router (ping -c 2000)", f"{max(rates):8.0f} /s", "target ≥ 500 /s")
    row(f"start a {n}-node star (setup applied)", best(starts))
    row(f"full mesh, {(n - 1) * (n - 2)} echo pairs, send_l3", best(meshes))
    return {"pings": max(rates), "start": min(starts), "mesh": min(meshes)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=20, help="nodes in the star (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument(
        "--skip-peers", action="store_true", help="leave out Mininet and the ping-per-pair run"
    )
    args = parser.parse_args(argv)
    sim = bench_sim(args.nodes, args.repeat)
    print()
    if not (sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("ip")):
        print("netns: skipped (needs root on Linux with iproute2)")
        return 0
    ours = bench_netns(args.nodes, args.repeat)
    pr2 = bench_pyroute2(args.nodes, args.repeat)
    if pr2 is None:
        row("build with pyroute2 netlink", "not installed (pip install pyroute2)")
    else:
        row(
            "build with pyroute2 netlink",
            best(pr2[0]),
            f"ip -batch is {min(pr2[0]) / ours['build']:.2f}× as fast",
        )
        row("teardown with pyroute2", best(pr2[1]), f"{min(pr2[1]) / ours['teardown']:.2f}× ours")
    if not args.skip_peers:
        mn = bench_mininet(args.nodes)
        if mn is None:
            row("Mininet", "not installed (apt-get install mininet)")
        else:
            row(
                "Mininet: build",
                f"{mn['build'] * 1000:8.1f} ms",
                f"{mn['build'] / ours['build']:.1f}× ours",
            )
            row(
                "Mininet: build + first IPv6 ping",
                f"{mn['first_ping'] * 1000:8.1f} ms",
                f"{mn['first_ping'] / ours['build']:.1f}× our ready",
            )
            row(
                "Mininet: teardown",
                f"{mn['teardown'] * 1000:8.1f} ms",
                f"{mn['teardown'] / ours['teardown']:.1f}× ours",
            )
        per_pair = bench_ping_per_pair(args.nodes)
        row(
            "full mesh, one ping process per pair",
            f"{per_pair * 1000:8.1f} ms",
            f"{per_pair / ours['mesh']:.1f}× ours",
        )
        row(
            "sim full mesh vs netns full mesh",
            f"{sim['mesh'] * 1000:8.1f} ms",
            f"{sim['mesh'] / ours['mesh']:.2f}× netns",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
