"""Topology files: shape errors with places, plan references, addressing and routes."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from _support.topologies import topology_problems, write_topology

from v6plan.lab.model._topology import load_plan_for, load_topology, resolve

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGIES = ROOT / "topologies"
BUNDLED = sorted(p for p in TOPOLOGIES.glob("*.yaml") if not p.name.endswith(".plan.yaml"))

PLAN = """\
plan: test
prefix: 2001:db8:42::/48
children:
  - {name: loopbacks, role: loopback, count: 2, names: [r1, r2]}
  - {name: lan-1, role: lan}
  - {name: lan-2, role: lan}
  - {name: link, role: p2p, ends: [[r1, r2]]}
  - {name: spare, role: reserve, size: /56}
"""


def test_bundled_topologies_load_and_resolve() -> None:
    assert {p.stem for p in BUNDLED} >= {"lan-router-lan", "two-lans", "isp-core"}
    for path in BUNDLED:
        topology = load_topology(path)
        addressing = resolve(topology, load_plan_for(topology.plan_file))
        spec = addressing.spec()
        assert len(spec.nodes) == len(topology.nodes)
        # every planned address sits in its plan block, and only documentation space is used
        for a in addressing.assignments:
            net, length = a.block
            assert a.address >> (128 - length) == net >> (128 - length)
            addr = ipaddress.IPv6Address(a.address)
            assert addr in ipaddress.IPv6Network("2001:db8::/32") or addr in ipaddress.IPv6Network(
                "3fff::/20"
            )


def test_isp_core_is_four_routers_and_twenty_nodes() -> None:
    topology = load_topology(TOPOLOGIES / "isp-core.yaml")
    routers = [n for n in topology.nodes.values() if n.kind == "router"]
    assert len(routers) == 4 and len(topology.nodes) == 20
    addressing = resolve(topology, load_plan_for(topology.plan_file))
    assert len([a for a in addressing.assignments if a.iface == "lo"]) == 4
    assert len([a for a in addressing.assignments if a.length == 127]) == 10


def test_p2p_ends_follow_the_plans_ends_and_lan_roles() -> None:
    topology = load_topology(TOPOLOGIES / "two-lans.yaml")
    addressing = resolve(topology, load_plan_for(topology.plan_file))
    got = {(a.node, a.iface): a.cidr for a in addressing.assignments}
    assert got[("r1", "eth1")] == "2001:db8:42:3::2/127"  # plan ends: [r1, r2] → r1 takes ::2
    assert got[("r2", "eth1")] == "2001:db8:42:3::3/127"
    assert got[("r1", "eth0")] == "2001:db8:42:1::1/64"  # routers ::1
    assert got[("h1", "eth0")] == "2001:db8:42:1::10/64"  # hosts ::10
    assert got[("r1", "lo")] == "2001:db8:42::1/128"


def test_reversed_endpoints_still_follow_the_plan(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "plan: t.plan.yaml\nnodes: {r1: router, r2: router}\n"
        'links:\n  - {endpoints: ["r2:eth0", "r1:eth0"], plan: link}\n',
    )
    topology = load_topology(path)
    addressing = resolve(topology, load_plan_for(topology.plan_file))
    got = {a.node: a.cidr for a in addressing.assignments}
    assert got == {"r1": "2001:db8:42:3::2/127", "r2": "2001:db8:42:3::3/127"}


def test_static_routes_reach_every_block_in_the_isp_core() -> None:
    topology = load_topology(TOPOLOGIES / "isp-core.yaml")
    addressing = resolve(topology, load_plan_for(topology.plan_file))
    blocks = {(a.address >> (128 - a.length), a.length) for a in addressing.assignments}
    for name, node in topology.nodes.items():
        mine = {(a.address >> (128 - a.length), a.length) for a in addressing.of(name)}
        routes = addressing.routes.get(name, [])
        if node.kind == "host":
            assert [r[1] for r in routes] == [0]  # one default route
            continue
        covered = mine | {(net >> (128 - length), length) for net, length, _ in routes}
        assert blocks <= covered, name
        # every next hop is a directly attached neighbour address
        for _, _, via in routes:
            assert any(
                via >> (128 - a.length) == a.address >> (128 - a.length)
                for a in addressing.of(name)
            )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'nodes: {r1: router}\nlinks:\n  - endpoints: ["r1:eth0", "h9:eth0"]\n',
            "t.yaml:4:28: endpoint 'h9:eth0' names node 'h9', which is not declared",
        ),
        (
            "nodes: {r1: rooter, h1: host}\n",
            "t.yaml:2:13: unknown kind 'rooter' for node 'r1' — did you mean 'router'?",
        ),
        (
            "nodes: {r1: {kind: rooter}, h1: host}\n",
            "unknown kind 'rooter' for node 'r1' — did you mean 'router'?",
        ),
        (
            'nodes: {r1: router, h1: host}\nlinks:\n  - {endpoints: ["r1:eth0", "h1:eth0"], plan: lan-3}\n',
            "t.yaml:4:47: link r1:eth0 — h1:eth0 refers to plan node 'lan-3': no node 'lan-3' under the plan root — did you mean 'lan-2'?",
        ),
        (
            'nodes: {r1: router, h1: host}\nlinks:\n  - {endpoints: ["r1:eth0", "h1:eth0"], plan: spare}\n',
            "which is not a LAN or p2p block",
        ),
        (
            'nodes: {r1: router, h1: host}\nlinks:\n  - {endpoints: ["r1:eth0", "h1:eth0", "h1:eth1"]}\n',
            "a link joins exactly two endpoints, not 3",
        ),
        (
            'nodes: {r1: router, h1: host}\nlinks:\n  - {endpoints: ["r1:eth0", "h1:eth0"]}\n  - {endpoints: ["r1:eth0", "h1:eth1"]}\n',
            "interface r1:eth0 is used by two links",
        ),
        (
            'nodes: {r1: router, h1: host, h2: host}\nlinks:\n  - {endpoints: ["r1:eth0", "h1:eth0"]}\n',
            "node 'h2' has no link",
        ),
        (
            'nodes: {r1: {kind: router, loopback: lan-1}, h1: host}\nlinks:\n  - {endpoints: ["r1:eth0", "h1:eth0"]}\n',
            "loopback of r1 refers to 2001:db8:42:1::/64, which is not a /128",
        ),
        (
            'nodes: {r1: router, h1: host}\nlinks:\n  - {endpoints: ["r1:eth0", "h1:eth0"], plan: lan-1, advertise: {interval: 2}}\n',
            "'interval' is 2; it must be from 4 to 1,800",
        ),
        (
            'nodes: {r1: router, h1: host}\nlinks:\n  - {endpoints: ["h1:eth0", "h1:eth1"]}\n',
            "a link cannot join node 'h1' to itself",
        ),
        (
            'nodes: {r1: router, h1: host}\nlinks:\n  - {endpoints: ["r1:eth0", "h1:lo"]}\n',
            "interface name 'lo' is not usable",
        ),
        (
            'nodes: {r1: router, h1: host}\nlinks:\n  - {endpoints: ["r1:eth0", "h1:eth0"], plann: lan-1}\n',
            "unknown key 'plann' in link — did you mean 'plan'?",
        ),
        (
            'nodes: {r1: router, h1: host}\nlinks:\n  - {endpoints: ["r1:eth0", "h1:eth0"], advertise: yes}\n',
            None,
        ),
        (
            'nodes: {h0: host, h1: host}\nlinks:\n  - {endpoints: ["h0:eth0", "h1:eth0"], advertise: yes}\n',
            "advertises a prefix, but neither end is a router",
        ),
        ("nodes:\n\tr1: router\n", "YAML indents with spaces, not tabs"),
    ],
)
def test_bad_topologies_name_file_line_column(
    tmp_path: Path, body: str, expected: str | None
) -> None:
    path = write(
        tmp_path, "plan: t.plan.yaml\n" + body if "plan:" not in body.split("\n")[0] else body
    )
    if expected is None:
        load_topology(path)  # valid
        return
    found = topology_problems(path)
    assert any(expected in p for p in found), found
    assert all(p.startswith(str(path)) for p in found)


def test_problem_places_are_exact(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    (tmp_path / "t.plan.yaml").write_text(PLAN)
    path.write_text(
        'plan: t.plan.yaml\nnodes:\n  r1: router\n  h1: host\nlinks:\n  - endpoints: ["r1:eth0", "hx:eth0"]\n'
    )
    found = topology_problems(path)
    assert found[0].startswith(f"{path}:6:28: endpoint 'hx:eth0'")
    assert found[0].endswith("did you mean 'h1'?")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "plan: t.plan.yaml\nnodes: {r1: rooter, H1: host}\n")
    found = topology_problems(path)
    assert len(found) >= 2


def test_spec_carries_sysctls_and_advertisements() -> None:
    topology = load_topology(TOPOLOGIES / "slaac-lan.yaml")
    spec = resolve(topology, load_plan_for(topology.plan_file)).spec()
    nodes = {n.name: n for n in spec.nodes}
    assert nodes["h1"].sysctls["net.ipv6.conf.default.accept_ra"] == "0"
    assert nodes["r1"].sysctls["net.ipv6.conf.all.forwarding"] == "1"
    assert nodes["h2"].sysctls["net.ipv6.conf.all.forwarding"] == "0"
    assert nodes["r1"].advertise == {
        "eth0": {
            "managed": False,
            "other": False,
            "interval": 60,
            "lifetime": 1800,
            "prefixes": ["2001:db8:42:1::/64"],
        }
    }
    from v6plan.lab.runtime._backend import router_advert

    assert router_advert(nodes["r1"].advertise["eth0"]).prefixes == (
        (0x20010DB8004200010000000000000000, 64),
    )
    # h1 forms its address by SLAAC: no static address, no setup commands
    assert "h1" not in spec.setup


def test_variant_prefix_moves_every_address() -> None:
    topology = load_topology(TOPOLOGIES / "two-lans.yaml")
    base = resolve(topology, load_plan_for(topology.plan_file))
    moved = resolve(topology, load_plan_for(topology.plan_file, (0x20010DB8_4A00 << 80, 48)))
    for a, b in zip(base.assignments, moved.assignments):
        assert (a.node, a.iface, a.length) == (b.node, b.iface, b.length)
        assert a.address & ((1 << 80) - 1) == b.address & ((1 << 80) - 1)
        assert b.address >> 80 == 0x20010DB84A00


def write(tmp_path: Path, text: str) -> Path:
    return write_topology(tmp_path, text, PLAN)
