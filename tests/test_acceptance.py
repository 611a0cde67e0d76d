"""The shared acceptance cases: whole plans, sizing and free-space answers."""

from __future__ import annotations

import filecmp

import pytest
from _support import ACCEPTANCE, ROOT, SHARED_ACCEPTANCE, acceptance

from v6plan import load_spec
from v6plan._build import build
from v6plan._import import read_plan_file
from v6plan._lint import lint
from v6plan._prefix import format_prefix, parse_prefix
from v6plan._query import free_blocks, next_free
from v6plan._sizing import hd_threshold, nibble_length_for

PLANS = ["government", "operator-29"]


@pytest.mark.skipif(
    not SHARED_ACCEPTANCE.exists(), reason="../shared/acceptance not beside this checkout"
)
def test_copies_match_the_shared_originals() -> None:
    cmp = filecmp.dircmp(SHARED_ACCEPTANCE, ACCEPTANCE)
    assert not cmp.diff_files and not cmp.left_only, "tests/data/acceptance is out of sync"
    assert not cmp.subdirs["plans"].diff_files and not cmp.subdirs["plans"].left_only


@pytest.mark.parametrize("name", PLANS)
@pytest.mark.parametrize("where", ["acceptance", "examples"])
def test_plan_has_the_expected_prefixes(name: str, where: str) -> None:
    path = (
        ACCEPTANCE / "plans" / f"{name}.yaml"
        if where == "acceptance"
        else ROOT / "examples" / f"{name}.yaml"
    )
    expect = acceptance(f"plans/{name}.expect.yaml")
    plan = build(load_spec(path)).plan
    for node_path, prefix in expect["nodes"].items():
        assert plan.prefix_text(plan.find_path(node_path)) == prefix, node_path
    errors = [f for f in lint(plan) if f.severity == "error"]
    assert len(errors) == expect["lint"]["errors"]


def test_government_counts() -> None:
    counts = acceptance("plans/government.expect.yaml")["counts"]
    plan = build(load_spec(ACCEPTANCE / "plans" / "government.yaml")).plan
    top = [plan.name[c] for c in plan.children(0)]
    assert len(top) - 1 == counts["ministries"]  # infrastructure is the other top-level node
    health = plan.find_path("health")
    assert plan.child_count(health) == counts["sites_per_ministry"]
    users = plan.find_path("ministry-24/site-40/users")
    assert plan.child_count(users) == counts["lans_per_function"]
    assert plan.name[plan.find_path("finance")] == "finance"  # third of `names`
    assert plan.prefix_text(plan.find_path("ministry-4")) == "3fff:100:400::/40"  # then <name>-<i>


def test_operator_root_needs_eight_reverse_zones() -> None:
    from v6plan._calc import reverse_zones

    plan = build(load_spec(ACCEPTANCE / "plans" / "operator-29.yaml")).plan
    want = acceptance("plans/operator-29.expect.yaml")["reverse_zones_of_root"]
    assert len(reverse_zones(plan.net[0], plan.plen[0])) == want


@pytest.mark.parametrize(
    "case", acceptance("sizing.yaml")["nibble_rule_75"]["cases"], ids=lambda c: str(c["sites"])
)
def test_sizing_by_the_75_percent_rule(case: dict[str, int]) -> None:
    assert nibble_length_for(case["sites"], 48) == case["block"]


def test_sizing_through_the_builder_matches_the_table() -> None:
    from _support import plan_of

    for case in acceptance("sizing.yaml")["nibble_rule_75"]["cases"][:6]:
        result = plan_of(
            f"""
            prefix: 3fff::/20
            children:
              - name: region
                children: [{{name: site, role: site, count: {case["sites"]}}}]
            """
        )
        assert result.plan.plen[result.plan.find_path("region")] == case["block"], case


def test_hd_ratio_threshold() -> None:
    for case in acceptance("sizing.yaml")["hd_ratio"]:
        assert hd_threshold(case["block"], case["unit"], case["hd"]) == case["threshold_units"]


def _plan_with(parent: str, used: list[str], tmp_path) -> object:  # type: ignore[no-untyped-def]
    csv = tmp_path / "used.csv"
    csv.write_text("prefix\n" + parent + "\n" + "\n".join(used) + "\n")
    return read_plan_file(csv)


@pytest.mark.parametrize("case", ["netbox_9395", "book6_region_a"])
def test_free_space_answers(case: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = acceptance("free.yaml")[case]
    plan = _plan_with(data["parent"], data["used"], tmp_path)
    assert plan.prefix_text(0) == data["parent"]  # type: ignore[attr-defined]
    assert [format_prefix(*b) for b in free_blocks(plan, 0)] == data["free_aggregated"]  # type: ignore[arg-type]
    for length, block in data.get("next_free", {}).items():
        assert format_prefix(*next_free(plan, 0, int(length))) == block  # type: ignore[arg-type]


def test_book6_capacities() -> None:
    caps = acceptance("free.yaml")["book6_region_a"]["capacity"]
    corporate = parse_prefix("2001:db8:a000::/38")
    domestic = parse_prefix("2001:db8:a800::/37")
    assert 1 << (48 - corporate[1]) == caps["corporate_48s"]
    assert 1 << (56 - domestic[1]) == caps["domestic_56s"]
