"""Topologies shared by the backend tests (sim, netns, differential); no tests here.

h1 — r1 — h2 with two LANs (2001:db8:1::/64, 2001:db8:2::/64): the lab notes' "first
ping across a router" shape. MACs come from ``interface_macs``: h1 eth0 02:00:00:00:01:00,
r1 eth0 …:02:00, r1 eth1 …:02:01, h2 eth0 …:03:00.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from v6plan._prefix import parse_address
from v6plan.lab.runtime._backend import LinkSpec, NodeSpec, SegmentSpec, TopologySpec

LAN1 = "2001:db8:1::/64"
LAN2 = "2001:db8:2::/64"
R1_LAN1 = parse_address("2001:db8:1::1")
R1_LAN2 = parse_address("2001:db8:2::1")
H1 = parse_address("2001:db8:1::10")
H2 = parse_address("2001:db8:2::10")
H1_LL = parse_address("fe80::ff:fe00:100")
R1_LL0 = parse_address("fe80::ff:fe00:200")
R1_LL1 = parse_address("fe80::ff:fe00:201")
H2_LL = parse_address("fe80::ff:fe00:300")
H1_SLAAC = parse_address("2001:db8:1::ff:fe00:100")


def no_dad(forwarding: bool = False, **extra: str) -> dict[str, str]:
    out = {
        "net.ipv6.conf.all.accept_dad": "0",
        "net.ipv6.conf.default.accept_dad": "0",
        "net.ipv6.conf.all.forwarding": "1" if forwarding else "0",
        "net.ipv6.conf.default.forwarding": "1" if forwarding else "0",
        # the kernel rate-limits ICMPv6 errors (a burst of ~6 per peer); the sim does not
        "net.ipv6.icmp.ratelimit": "0",
    }
    out.update(extra)
    return out


def with_dad(forwarding: bool = False) -> dict[str, str]:
    out = no_dad(forwarding)
    out["net.ipv6.conf.default.accept_dad"] = "1"
    return out


def ip(*words: str) -> tuple[str, ...]:
    return ("ip", "-6", *words)


def three_nodes(
    name: str = "t3",
    *,
    dad: bool = False,
    advertise: dict[str, object] | None = None,
    h1_sysctls: dict[str, str] | None = None,
    setup: dict[str, tuple[tuple[str, ...], ...]] | None = None,
    static: bool = True,
) -> TopologySpec:
    """h1 — r1 — h2; with ``static`` the router and h2 get addresses and routes, and
    h1 gets 2001:db8:1::10/64 with a default route via r1 (unless ``advertise``)."""
    sysctls = with_dad if dad else no_dad
    r1_adv = {"eth0": dict(advertise)} if advertise is not None else {}
    nodes = (
        NodeSpec("h1", sysctls={**sysctls(), **(h1_sysctls or {})}),
        NodeSpec("r1", kind="router", sysctls=sysctls(True), advertise=r1_adv),  # type: ignore[arg-type]
        NodeSpec("h2", sysctls=sysctls()),
    )
    links = (LinkSpec(("h1", "eth0"), ("r1", "eth0")), LinkSpec(("r1", "eth1"), ("h2", "eth0")))
    plan: dict[str, tuple[tuple[str, ...], ...]] = {}
    if static:
        plan["r1"] = (
            ip("addr", "add", "2001:db8:1::1/64", "dev", "eth0"),
            ip("addr", "add", "2001:db8:2::1/64", "dev", "eth1"),
        )
        plan["h2"] = (
            ip("addr", "add", "2001:db8:2::10/64", "dev", "eth0"),
            ip("route", "add", "default", "via", "2001:db8:2::1"),
        )
        if advertise is None:
            plan["h1"] = (
                ip("addr", "add", "2001:db8:1::10/64", "dev", "eth0"),
                ip("route", "add", "default", "via", "2001:db8:1::1"),
            )
    for node, commands in (setup or {}).items():
        plan[node] = plan.get(node, ()) + commands
    return TopologySpec(name, nodes, links, plan)


def star(n: int, name: str = "star") -> TopologySpec:
    """One router and ``n - 1`` hosts, each host on its own /64: 2001:db8:<i>::/64."""
    nodes = [NodeSpec("r1", kind="router", sysctls=no_dad(True))]
    links = []
    setup: dict[str, tuple[tuple[str, ...], ...]] = {"r1": ()}
    for i in range(1, n):
        host = f"h{i}"
        nodes.append(NodeSpec(host, sysctls=no_dad()))
        links.append(LinkSpec(("r1", f"eth{i - 1}"), (host, "eth0")))
        setup["r1"] += (ip("addr", "add", f"2001:db8:{i:x}::1/64", "dev", f"eth{i - 1}"),)
        setup[host] = (
            ip("addr", "add", f"2001:db8:{i:x}::10/64", "dev", "eth0"),
            ip("route", "add", "default", "via", f"2001:db8:{i:x}::1"),
        )
    return TopologySpec(name, tuple(nodes), tuple(links), setup)


def star_address(i: int) -> int:
    return parse_address(f"2001:db8:{i:x}::10")


def segment_lan(
    hosts: int = 3,
    name: str = "seg",
    *,
    dad: bool = False,
    advertise: dict[str, object] | None = None,
    static: bool = True,
    setup: dict[str, tuple[tuple[str, ...], ...]] | None = None,
    sysctls: dict[str, str] | None = None,
) -> TopologySpec:
    """``hosts`` hosts and r1 on one shared segment ``lan`` (a switch; 2001:db8:1::/64):
    r1 ::1, host h<i> ::<i + 0xf> with ``static``; with ``advertise`` r1 sends RAs and
    the hosts form their addresses by SLAAC instead. MACs: h<i> eth0 02:00:00:00:<i>:00,
    r1 eth0 02:00:00:00:<hosts + 1 in hex>:00 (r1 is the last node)."""
    base = with_dad if dad else no_dad
    more = sysctls or {}
    names = [f"h{i}" for i in range(1, hosts + 1)]
    adv = {"eth0": dict(advertise)} if advertise is not None else {}
    router = NodeSpec("r1", kind="router", sysctls={**base(True), **more}, advertise=adv)  # type: ignore[arg-type]
    nodes = (*(NodeSpec(h, sysctls={**base(), **more}) for h in names), router)
    members = tuple((n, "eth0") for n in [*names, "r1"])
    plan: dict[str, tuple[tuple[str, ...], ...]] = {}
    if static:
        plan["r1"] = (ip("addr", "add", "2001:db8:1::1/64", "dev", "eth0"),)
        if advertise is None:
            for i, h in enumerate(names, 1):
                plan[h] = (ip("addr", "add", f"2001:db8:1::{i + 15:x}/64", "dev", "eth0"),)
    for node, commands in (setup or {}).items():
        plan[node] = plan.get(node, ()) + commands
    return TopologySpec(name, nodes, (), plan, segments=(SegmentSpec("lan", members),))


# -- topology files (the model's readers) -------------------------------------------------------
def write_topology(tmp_path: Path, text: str, plan: str) -> Path:
    """A topology file ``t.yaml`` beside the plan spec it names (``t.plan.yaml``)."""
    (tmp_path / "t.plan.yaml").write_text(plan)
    path = tmp_path / "t.yaml"
    path.write_text(text)
    return path


def topology_problems(path: Path) -> list[str]:
    """The problems reading and addressing the topology at ``path`` reports (it must fail)."""
    from v6plan._errors import SpecError
    from v6plan.lab.model._topology import load_plan_for, load_topology, resolve

    with pytest.raises(SpecError) as info:
        topology = load_topology(path)
        resolve(topology, load_plan_for(topology.plan_file), str(topology.plan_file))
    return [str(p) for p in info.value.problems]
