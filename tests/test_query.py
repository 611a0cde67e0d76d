"""Queries: usage in child units, free space, which node holds what, HD-ratio."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import netaddr
import pytest
from _support import plan_of
from hypothesis import given, settings
from hypothesis import strategies as st

from v6plan import NotFoundError, PlanError, build, load_spec
from v6plan._prefix import format_prefix
from v6plan._query import free_blocks, free_of_length, hd_usage, levels, next_free, usage

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def government():  # type: ignore[no-untyped-def]
    return build(load_spec(EXAMPLES / "government.yaml")).plan


def test_usage_in_child_units(government) -> None:  # type: ignore[no-untyped-def]
    assert str(usage(government, 0)) == "25 of 256 /40, 9.8 %"
    assert str(usage(government, government.find_path("health"))) == "40 of 256 /48, 15.6 %"
    assert (
        str(usage(government, government.find_path("health/site-3/users")))
        == "200 of 4,096 /64, 4.9 %"
    )
    assert (
        str(usage(government, government.find_path("infrastructure/loopbacks")))
        == "64 of 2^64 /128, 0.0 %"
    )
    leaf = government.find_path("health/site-3/users/vlan-101")
    assert str(usage(government, leaf)) == "no children"


def test_the_issue_example_37_of_4096() -> None:
    plan = plan_of("prefix: 2001:db8::/36\nchildren:\n  - {name: s, role: site, count: 37}\n").plan
    assert str(usage(plan, 0)) == "37 of 4,096 /48, 0.9 %"


def test_hd_usage_of_the_root(government) -> None:  # type: ignore[no-untyped-def]
    hd = hd_usage(government)
    assert (hd.total, hd.threshold, hd.unit) == (65536, 33689, 48)
    assert hd.used == 961  # 960 sites + the /48 holding the infrastructure /64s
    assert round(hd.threshold_percent, 2) == 51.41
    assert not hd.reached


def test_which_node_holds_an_address(government) -> None:  # type: ignore[no-untyped-def]
    i = government.resolve("3fff:100:102:2064::17")
    assert government.path(i) == "health/site-3/users/vlan-101"
    assert (
        government.path(government.resolve("3fff:100:102::/56")) == "health/site-3/infrastructure"
    )
    assert government.resolve("3fff:100:1900::1") == 0  # inside the plan, in no node: the root
    with pytest.raises(NotFoundError, match="outside this plan"):
        government.resolve("2001:db8::1")
    with pytest.raises(NotFoundError, match="did you mean 'health'"):
        government.find_path("helth/site-1")


def test_free_space_in_a_node(government) -> None:  # type: ignore[no-untyped-def]
    health = government.find_path("health")
    assert [format_prefix(*b) for b in free_blocks(government, health)] == [
        "3fff:100:128::/45", "3fff:100:130::/44", "3fff:100:140::/42", "3fff:100:180::/41",
    ]  # fmt: skip
    assert [format_prefix(*b) for b in free_of_length(government, health, 48, 2)] == [
        "3fff:100:128::/48",
        "3fff:100:129::/48",
    ]
    assert format_prefix(*next_free(government, health, 48, "sparse")) == "3fff:100:180::/48"
    assert format_prefix(*next_free(government, health, 44, "best-fit")) == "3fff:100:130::/44"
    with pytest.raises(Exception, match="ask for a length from /41"):
        next_free(government, health, 40)


def test_no_free_block_is_a_plan_error() -> None:
    plan = plan_of(
        "prefix: 2001:db8::/62\nchildren:\n  - {name: l, role: lan, count: 4, nibble: false}\n"
    ).plan
    with pytest.raises(PlanError, match="no free /64"):
        next_free(plan, 0, 64)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 255), max_size=40, unique=True), st.integers(49, 60))
def test_free_blocks_agree_with_netaddr(slots: list[int], length: int) -> None:
    """Differential: our free blocks equal netaddr's IPSet difference, and are a cover."""
    lines = [
        f"  - {{name: n{s}, prefix: '{ipaddress.IPv6Network((0x20010DB8 << 96 | s << 72, 56))}'}}"
        for s in slots
    ]
    plan = plan_of(
        "prefix: 2001:db8::/48\nchildren:\n" + "\n".join(lines) + "\n"
        if lines
        else "prefix: 2001:db8::/48\n"
    ).plan
    ours = [format_prefix(*b) for b in free_blocks(plan, 0)]
    used = netaddr.IPSet([f"2001:db8:0:{s:02x}00::/56" for s in slots])
    theirs = [str(c) for c in (netaddr.IPSet(["2001:db8::/48"]) - used).iter_cidrs()]
    assert ours == theirs
    want = [format_prefix(*b) for b in free_of_length(plan, 0, length, 5)]
    free_set = netaddr.IPSet(ours)
    assert all(netaddr.IPNetwork(b) in free_set for b in want)


def test_levels_summary(government) -> None:  # type: ignore[no-untyped-def]
    by_depth = {lv.depth: lv for lv in levels(government)}
    assert by_depth[1].nodes == 25 and by_depth[1].lengths == {40: 25}
    assert by_depth[2].lengths[48] == 960
    assert by_depth[4].roles["lan"] == 960_000


def test_paths_from_the_root_have_no_leading_slash(government) -> None:  # type: ignore[no-untyped-def]
    from itertools import islice

    first = list(islice(government.paths(0), 3))
    assert first == ["", "infrastructure", "infrastructure/loopbacks"]
    assert list(islice(government.paths(1), 2)) == first[1:]
    i = government.find_path("health/site-3")
    assert next(government.paths(i)) == "health/site-3"


def test_hd_usage_inside_an_end_site_counts_subnets() -> None:
    plan = build(load_spec(EXAMPLES / "campus.yaml")).plan
    hd = hd_usage(plan)
    assert (hd.unit, hd.total, hd.threshold) == (64, 65536, 33689)
    assert hd.used == 99  # 72 floor LANs + 20 data-centre LANs + 5 links + mgmt + the loopback /64


def test_rollup_counts_assignments_at_every_level_below(government) -> None:  # type: ignore[no-untyped-def]
    from v6plan._query import rollup

    assert rollup(government, government.find_path("health")) == {64: 40_000}
    assert rollup(government, 0) == {64: 960_032, 128: 64}  # LANs + p2p /64s; loopback /128s
    leaf = government.find_path("health/site-1/users/vlan-1")
    assert rollup(government, leaf) == {}
