"""Segments in topology files: shape errors, addressing of a shared LAN, the spec."""

from __future__ import annotations

from pathlib import Path

import pytest
from _support.topologies import topology_problems, write_topology

from v6plan.lab.model._topology import Endpoint, load_plan_for, load_topology, resolve
from v6plan.lab.runtime._backend import SegmentSpec, interface_macs, linked_interfaces
from v6plan.lab.runtime._session import topology_from_json, topology_json

PLAN = """\
plan: test
prefix: 2001:db8:42::/48
children:
  - {name: lan-1, role: lan}
  - {name: lan-2, role: lan}
  - {name: link, role: p2p, ends: [[r1, r2]]}
"""

SHARED = """\
plan: t.plan.yaml
nodes: {h1: host, h2: host, h3: host, r1: router, r2: router, h9: host}
links:
  - kind: segment
    name: lan
    endpoints: ["h1:eth0", "h2:eth0", "r1:eth0", "h3:eth0"]
    plan: lan-1
    advertise: {interval: 10}
  - {endpoints: ["r1:eth1", "r2:eth1"], plan: link}
  - {endpoints: ["r2:eth0", "h9:eth0"], plan: lan-2}
"""


def test_a_segment_gives_every_member_an_address_of_its_lan(tmp_path: Path) -> None:
    topology = load_topology(write(tmp_path, SHARED))
    addressing = resolve(topology, load_plan_for(topology.plan_file))
    got = {(a.node, a.iface): a.cidr for a in addressing.assignments}
    assert got[("r1", "eth0")] == "2001:db8:42::1/64"  # routers ::1, hosts ::10, ::11 …
    assert [got[(h, "eth0")] for h in ("h1", "h2", "h3")] == [
        "2001:db8:42::10/64",
        "2001:db8:42::11/64",
        "2001:db8:42::12/64",
    ]
    assert addressing.advertise["r1"]["eth0"]["prefixes"] == ["2001:db8:42::/64"]
    r1_lan = 0x20010DB8004200000000000000000001
    for host in ("h1", "h2", "h3"):  # every host on the segment: default via its router
        assert addressing.routes[host] == [(0, 0, r1_lan)]
    r2_routes = {(net, length): via for net, length, via in addressing.routes["r2"]}
    assert r2_routes[(0x20010DB8004200000000000000000000, 64)] == got_address(got, "r1", "eth1")
    variables = addressing.variables()
    assert variables["lan-1"] == "2001:db8:42::/64" and variables["h3.eth0"] == "2001:db8:42::12"


def test_two_routers_on_a_segment_advertise_each_with_its_own_options(tmp_path: Path) -> None:
    """``advertise:`` keys naming a router end: the link's options, the router's on top."""
    text = SHARED.replace('"r1:eth0", "h3:eth0"]', '"r1:eth0", "h3:eth0", "r2:eth2"]').replace(
        "advertise: {interval: 10}",
        "advertise: {interval: 10, lifetime: 1800, r1: {preference: low},"
        " r2: {preference: high, lifetime: 0}}",
    )
    topology = load_topology(write(tmp_path, text))
    assert topology.plan_file is not None
    adverts = resolve(topology, load_plan_for(topology.plan_file)).advertise
    r1, r2 = adverts["r1"]["eth0"], adverts["r2"]["eth2"]
    assert (r1["interval"], r1["lifetime"], r1["preference"]) == (10, 1800, "low")
    assert (r2["interval"], r2["lifetime"], r2["preference"]) == (10, 0, "high")
    assert r1["prefixes"] == r2["prefixes"] == ["2001:db8:42::/64"]


def test_a_router_may_advertise_another_plan_block(tmp_path: Path) -> None:
    """``plan:`` in a router's own options: the block it advertises instead of the link's
    (a rogue router's prefix, lab 17); a name the plan lacks is refused at its place."""
    text = SHARED.replace('"r1:eth0", "h3:eth0"]', '"r1:eth0", "h3:eth0", "r2:eth2"]').replace(
        "advertise: {interval: 10}", "advertise: {interval: 10, r2: {plan: lan-2}}"
    )
    topology = load_topology(write(tmp_path, text))
    assert topology.plan_file is not None
    adverts = resolve(topology, load_plan_for(topology.plan_file)).advertise
    assert adverts["r1"]["eth0"]["prefixes"] == ["2001:db8:42::/64"]
    assert adverts["r2"]["eth2"]["prefixes"] == ["2001:db8:42:1::/64"]
    found = topology_problems(write(tmp_path, text.replace("plan: lan-2}", "plan: lan-9}")))
    assert any("t.yaml:" in p and "'lan-9'" in p for p in found), found


def got_address(got: dict[tuple[str, str], str], node: str, iface: str) -> int:
    import ipaddress

    return int(ipaddress.IPv6Address(got[(node, iface)].split("/")[0]))


def test_the_spec_carries_the_segment_and_survives_the_session_file(tmp_path: Path) -> None:
    topology = load_topology(write(tmp_path, SHARED))
    spec = resolve(topology, load_plan_for(topology.plan_file)).spec()
    members = (("h1", "eth0"), ("h2", "eth0"), ("r1", "eth0"), ("h3", "eth0"))
    assert spec.segments == (SegmentSpec("lan", members),)
    assert [(link.a, link.b) for link in spec.links] == [
        (("r1", "eth1"), ("r2", "eth1")),
        (("r2", "eth0"), ("h9", "eth0")),
    ]
    assert set(linked_interfaces(spec)) >= set(members)
    macs = interface_macs(spec)
    assert len(set(macs.values())) == len(macs) == 8  # every wired interface its own MAC
    assert topology_from_json(topology_json(spec)) == spec


def test_peers_on_a_segment_are_every_other_member(tmp_path: Path) -> None:
    topology = load_topology(write(tmp_path, SHARED))
    assert topology.peers(Endpoint("h2", "eth0")) == [
        Endpoint("h1", "eth0"),
        Endpoint("r1", "eth0"),
        Endpoint("h3", "eth0"),
    ]
    assert topology.neighbours(Endpoint("h2", "eth0")) is None  # no single other end
    assert topology.neighbours(Endpoint("r1", "eth1")) == Endpoint("r2", "eth1")
    assert str(topology.links[0]) == "segment lan (h1:eth0, h2:eth0, r1:eth0, h3:eth0)"


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        (
            '  - {endpoints: ["h1:eth0", "h2:eth0", "r1:eth0"], plan: lan-1}\n',
            "not 3 … write `kind: segment`",
        ),
        (
            '  - {kind: segment, endpoints: ["h1:eth0", "h2:eth0", "r1:eth0"]}\n',
            "a segment needs a name",
        ),
        (
            '  - {kind: switch, name: lan, endpoints: ["h1:eth0", "r1:eth0"]}\n',
            "unknown link kind 'switch'",
        ),
        (
            '  - {kind: segment, name: lan, endpoints: ["h1:eth0", "h1:eth1", "r1:eth0"]}\n',
            "cannot join node 'h1' to itself",
        ),
        (
            '  - {kind: segment, name: lan, endpoints: ["h1:eth0", "r1:eth0"]}\n'
            '  - {kind: segment, name: lan, endpoints: ["h2:eth0", "r1:eth1"]}\n',
            "two segments are named 'lan'",
        ),
        (
            '  - {kind: segment, name: lan, endpoints: ["h1:eth0", "h2:eth0", "r1:eth0"]}\n'
            '  - {endpoints: ["h2:eth0", "r1:eth1"]}\n',
            "interface h2:eth0 is used by two links",
        ),
        (
            '  - {endpoints: ["h1:eth0", "r1:eth0"], name: lan}\n  - {endpoints: ["h2:eth0", "r1:eth1"]}\n',
            "only a segment has a name",
        ),
        (
            '  - {kind: segment, name: lan, endpoints: ["h1:eth0", "h2:eth0"], advertise: yes}\n'
            '  - {endpoints: ["h2:eth1", "r1:eth1"]}\n',
            "but no end is a router",
        ),
        (  # per-router options (two routers on one LAN) only for a router end …
            '  - {kind: segment, name: lan, endpoints: ["h1:eth0", "h2:eth0", "r1:eth0"],\n'
            "     advertise: {h1: {preference: high}}}\n",
            "advertise: h1 is not a router",
        ),
        (  # … and each checked with the link's options under it, at the router's own value
            '  - {kind: segment, name: lan, endpoints: ["h1:eth0", "h2:eth0", "r1:eth0"],\n'
            "     advertise: {interval: 10, r1: {preference: highest}}}\n",
            "t.yaml:5:",
        ),
    ],
)
def test_bad_segments_say_what_to_write(tmp_path: Path, links: str, expected: str) -> None:
    text = "plan: t.plan.yaml\nnodes: {h1: host, h2: host, r1: router}\nlinks:\n" + links
    found = topology_problems(write(tmp_path, text))
    head, _, tail = expected.partition(" … ")
    assert any(head in p and tail in p for p in found), found


def test_exports_write_a_segment_as_a_bridge_or_a_collision_domain(tmp_path: Path) -> None:
    """containerlab: a host bridge node (made with snooping off, as v6lab's) and a link per
    member; Kathará: one collision domain holding every member."""
    import yaml

    from v6plan.lab.instructor import _topology_export as tx

    topology = load_topology(write(tmp_path, SHARED))
    spec = resolve(topology, load_plan_for(topology.plan_file)).spec()
    source = tx.Source("shared", str(tmp_path / "t.yaml"), spec, "planned", "2001:db8:42::/48")
    text = tx.containerlab_files(source)["shared.clab.yml"]
    assert (
        "sudo ip link add br-lan type bridge stp_state 0 forward_delay 0 mcast_snooping 0" in text
    )
    doc = yaml.safe_load(text)["topology"]
    assert doc["nodes"]["br-lan"] == {"kind": "bridge"}
    on_bridge = [e for link in doc["links"] for e in link["endpoints"] if not e.startswith("br-")
                 and any(o.startswith("br-lan:") for o in link["endpoints"])]  # fmt: skip
    assert on_bridge == ["h1:eth1", "h2:eth1", "r1:eth1", "h3:eth1"]  # eth0 is management
    conf = tx.kathara_files(source)["lab.conf"]
    members = sorted(line.split("[")[0] for line in conf.splitlines() if "segment_lan" in line)
    assert members == ["h1", "h2", "h3", "r1"]


def write(tmp_path: Path, text: str) -> Path:
    return write_topology(tmp_path, text, PLAN)
