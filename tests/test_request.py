"""What to ask the RIR for (v6plan._request), the spec's minimum per role and horizon, and
the reports' RIR request section."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from _support.plans import plan_of, spec_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from v6plan import SpecError, parse_spec
from v6plan._lint import lint
from v6plan._request import project, top_templates
from v6plan._sizing import hd_ratio
from v6plan.cli import main

SCHOOLS = """
    plan: Ministry of Education
    prefix: 3fff:200::/40
    defaults: {growth: 2}
    children:
      - name: school
        role: site
        count: 1500
        size: /52
        children:
          - {name: lan, role: lan, count: 20}
"""


def test_schools_squeezed_into_a_40_ask_for_a_36() -> None:
    """1,500 schools at /48 with 25 % headroom: 2,000 → 2,048 /48s, a /37 today; doubled
    by the horizon: 3,000 → 4,096 /48s, a /36 (worked out by hand)."""
    plan = plan_of(SCHOOLS).plan
    tops = top_templates(plan)
    assert tops is not None
    today = project(tops, 0, plan.horizon)
    assert (today.length, today.used, today.total, today.unit) == (37, 1500, 2048, 48)
    later = project(tops, 10, plan.horizon)
    assert (later.length, later.used, later.total) == (36, 3000, 4096)
    assert later.ratio == pytest.approx(math.log(3000) / math.log(4096))
    middle = project(tops, 5, plan.horizon)  # compound: 1,500 × 2^(5/10) = 2,121.3
    assert middle.used == 2121


def test_lint_says_the_sites_are_squeezed_and_what_to_ask_for() -> None:
    found = [f for f in lint(plan_of(SCHOOLS).plan) if f.rule == "site-not-48"]
    assert [f.path for f in found] == ["school-1"]  # once for the level, not 1,500 times
    message = found[0].message
    assert "1,500 sites" in message and "/52s" in message
    assert "ask the RIR for a /36" in message and "HD-ratio 0.96" in message


def test_sites_at_48_and_sites_under_56_are_not_this_rule() -> None:
    at_48 = plan_of(SCHOOLS.replace("size: /52", "size: /48").replace("/40", "/32")).plan
    assert not [f for f in lint(at_48) if f.rule == "site-not-48"]
    at_60 = plan_of(SCHOOLS.replace("size: /52", "size: /60").replace("20}", "4}")).plan
    rules = {f.rule for f in lint(at_60)}
    assert "site-too-small" in rules and "site-not-48" not in rules


def test_the_planner_error_for_sites_that_do_not_fit_offers_the_pin_and_the_rir() -> None:
    with pytest.raises(SpecError) as caught:
        plan_of(SCHOOLS.replace("        size: /52\n", ""))
    text = str(caught.value)
    assert "pin `size: /52`" in text and "RIPE-690" in text and "a /36 parent" in text


def test_reserves_are_no_need_and_a_request_is_never_below_a_48() -> None:
    plan = plan_of(
        """
        prefix: 3fff:100::/48
        children:
          - {name: office, role: lan, count: 10}
          - {name: future, role: reserve, size: /49}
        """
    ).plan
    tops = top_templates(plan)
    assert tops is not None
    row = project(tops, 0, plan.horizon)
    assert (row.length, row.unit, row.used) == (48, 64, 10)


# -- the projection agrees with the planner at the horizon ------------------------------------
leaf = st.fixed_dictionaries(
    {"count": st.integers(1, 40), "growth": st.sampled_from([1, 1.5, 2, 3])}
).map(lambda d: f"{{name: lan, role: lan, count: {d['count']}, growth: {d['growth']}}}")


@st.composite
def trees(draw: st.DrawFn, depth: int = 0) -> str:
    if depth == 2 or draw(st.booleans()):
        return draw(leaf)
    count = draw(st.integers(1, 30))
    growth = draw(st.sampled_from([1, 2]))
    inner = draw(trees(depth + 1))
    return f"{{name: n{depth}, count: {count}, growth: {growth}, children: [{inner}]}}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_at_the_horizon_every_level_is_the_planners_size(tree: str) -> None:
    """With no pins, the projection at the horizon sizes each level as the planner did,
    and its root holds what the plan holds with the same 25 % headroom."""
    plan = plan_of(f"prefix: 3fff::/20\nchildren: [{tree}]\n").plan
    tops = top_templates(plan)
    assert tops is not None
    from v6plan._request import _Projector

    projector = _Projector(plan.horizon, plan.horizon)
    stack = list(tops)
    while stack:
        node = stack.pop()
        assert projector.length(node) == node.length, node.name
        stack.extend(node.children)
    row = project(tops, plan.horizon, plan.horizon)
    need = sum(max(t.count, math.ceil(t.count * t.growth)) << (128 - t.length) for t in tops)
    assert (1 << (128 - row.length)) * 0.75 >= need
    assert row.length == 48 or need > (1 << (127 - row.length)) * 0.75  # never below a /48
    assert row.ratio == hd_ratio(row.used, row.length, row.unit)


# -- the spec: minimum per role, horizon -----------------------------------------------------
def test_minimum_raises_blocks_the_planner_sizes_and_a_pin_still_wins() -> None:
    plan = plan_of(
        """
        prefix: 3fff:100::/40
        defaults: {minimum: {container: /56}}
        children:
          - {name: building, count: 2, children: [{name: vlan, role: lan, count: 3}]}
          - {name: kiosk, size: /60, children: [{name: vlan, role: lan}]}
        """
    ).plan
    lengths = {plan.path(i): plan.plen[i] for i in range(1, len(plan))}
    assert lengths["building-1"] == lengths["building-2"] == 56
    assert lengths["kiosk"] == 60
    assert "site-too-small" in {f.rule for f in lint(plan) if f.path == "kiosk"}
    assert not [f for f in lint(plan) if f.path.startswith("building")]


def test_site_too_small_on_a_bottom_up_block_offers_the_minimum() -> None:
    plan = plan_of(
        """
        prefix: 3fff:100::/40
        children: [{name: building, count: 2, children: [{name: vlan, role: lan, count: 3}]}]
        """
    ).plan
    message = next(f.message for f in lint(plan) if f.rule == "site-too-small")
    assert "`defaults: {minimum: {container: /56}}`" in message


@pytest.mark.parametrize(
    ("defaults", "where", "said"),
    [
        ("{minimum: {site: 48}}", (2, 30), None),
        ("{minimum: {lan: /64}}", (2, 22), "unknown key 'lan'"),
        ("{minimum: {site: /200}}", (2, 28), "'minimum site' must be a prefix length"),
        ("{minimum: /48}", (2, 21), "'minimum' must be a mapping"),
        ("{horizon: 0}", (2, 21), "'horizon' is 0; it must be from 1 to 50"),
        ("{horizon: soon}", (2, 21), "'horizon' must be a whole number"),
    ],
)
def test_bad_defaults_name_the_line_column_and_the_fix(
    defaults: str, where: tuple[int, int], said: str | None
) -> None:
    text = spec_text(
        f"prefix: 3fff:100::/40\ndefaults: {defaults}\nchildren: [{{name: a, role: lan}}]\n"
    )
    if said is None:  # `48` without the slash is a length too
        assert parse_spec(text, "t.yaml").minimum == {"site": 48}
        return
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "t.yaml")
    problem = caught.value.problems[0]
    assert (problem.line, problem.column) == where and said in problem.message


def test_the_horizon_sets_when_the_growth_is_reached() -> None:
    plan = plan_of(SCHOOLS.replace("{growth: 2}", "{growth: 2, horizon: 5}")).plan
    assert plan.horizon == 5
    tops = top_templates(plan)
    assert tops is not None
    assert project(tops, 5, plan.horizon).used == 3000
    assert project(tops, 10, plan.horizon).used == 6000  # past the horizon it goes on


# -- the reports --------------------------------------------------------------------------------
def export(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["export", *argv]) == 0
    return capsys.readouterr().out


def test_reports_have_the_rir_request_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "schools.yaml"
    spec.write_text(spec_text(SCHOOLS))
    markdown = export(capsys, str(spec), "-f", "markdown")
    section = markdown.split("## RIR request", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith(("| today", "| in "))]
    assert len(rows) == 4
    assert rows[0].startswith("| today | /37 | 1,500 of 2,048 /48 |")
    assert rows[-1].startswith("| in 10 years | /36 | 3,000 of 4,096 /48 |")
    assert "ask for a /36" in rows[-1] and "horizon of 10 years" in section
    html = export(capsys, str(spec), "-f", "html")
    assert "<h2>RIR request</h2>" in html and "<code>/36</code>" in html


def test_no_rir_request_for_a_plan_read_from_data_or_a_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "schools.yaml"
    spec.write_text(spec_text(SCHOOLS))
    data = tmp_path / "schools.json"
    export(capsys, str(spec), "-f", "json", "-o", str(data))
    assert "## RIR request" not in export(capsys, str(data), "-f", "markdown")
    part = export(capsys, str(spec), "-f", "markdown", "--node", "school-1")
    assert "## RIR request" not in part
