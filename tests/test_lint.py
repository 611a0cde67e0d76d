"""Lint: each rule fires on the mistake it names, and stays quiet on a clean plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from _support import plan_of

from v6plan._import import read_plan_file
from v6plan._lint import RULES, lint


def rules_of(plan, ignore=()) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[str]] = {}
    for f in lint(plan, ignore):
        out.setdefault(f.rule, []).append(f.path)
    return out


def csv_plan(tmp_path: Path, rows: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "plan.csv"
    path.write_text("prefix,name,role\n" + rows)
    return read_plan_file(path)


def test_clean_examples_have_no_errors_or_warnings() -> None:
    from v6plan import build, load_spec

    root = Path(__file__).resolve().parents[1] / "examples"
    for name in ("government", "operator-29", "campus"):
        findings = lint(build(load_spec(root / f"{name}.yaml")).plan)
        assert [f.rule for f in findings] == ["documentation-space"], name


@pytest.mark.parametrize(
    ("rows", "rule", "path"),
    [
        ("2001:db8::/48,site,site\n2001:db8:0:1::1/64,lan1,lan\n", "host-bits", "lan1"),
        ("2001:db8::/48,site,site\n2001:db8::/64,a,lan\n2001:db8::/64,b,lan\n", "overlap", "b"),
        (
            "2001:db8::/48,site,site\n2001:db8::/56,a,\n2001:db8::/60,b,\n2001:db8::/64,c,lan\n2001:db8::/64,d,lan\n",
            "overlap",
            "a/b/d",
        ),
        ("2001:db8::/48,site,site\n2001:db8:0:1::/80,x,lan\n", "lan-not-64", "x"),
        ("2001:db8::/48,site,site\n2001:db8::/60,links,p2p\n", "p2p-not-127-in-64", "links"),
        (
            "2001:db8::/48,site,site\n2001:db8:0:1::/64,links,\n2001:db8:0:1::/127,l1,p2p\n",
            "p2p-anycast",
            "links/l1",
        ),
        (
            "2001:db8::/48,site,site\n2001:db8:0:1::/64,links,\n2001:db8:0:1:fdff:ffff:ffff:ff80/127,l1,p2p\n",
            "p2p-anycast",
            "links/l1",
        ),
        ("2001:db8::/48,site,site\n2001:db8::/60,lo,loopback\n", "loopback-not-128-in-64", "lo"),
        (
            "2001:db8::/48,site,site\n2001:db8::/52,r,reserve\n2001:db8::/64,x,lan\n",
            "reserve-used",
            "r",
        ),
        ("2001:db8::/48,site,site\n2001:db8::/50,odd,\n", "non-nibble", "odd"),
        ("fe80::/10,ll,\nfe80::/64,a,lan\n", "special-purpose", ""),
        ("2002::/16,six,\n2002:c000:201::/48,a,site\n", "special-purpose", ""),
        ("fd00::/48,ula,\nfd00::/64,a,lan\n", "ula-not-random", ""),
        ("fc00:1234:5678::/48,fc,\nfc00:1234:5678::/64,a,lan\n", "special-purpose", ""),
        ("fd12:3456:789a::/48,ula,\nfd12:3456:789a::/64,a,lan\n", "ula-space", ""),
        ("2001:db8::/48,site,site\n2001:db8::/64,a,lan\n", "documentation-space", ""),
    ],
)
def test_each_rule_fires(tmp_path: Path, rows: str, rule: str, path: str) -> None:
    found = rules_of(csv_plan(tmp_path, rows))
    assert path in found.get(rule, []), found


def test_host_bits_message_says_what_was_meant(tmp_path: Path) -> None:
    plan = csv_plan(tmp_path, "2001:db8::/48,site,site\n2001:db8:0:1::1/64,x,lan\n")
    (f,) = [f for f in lint(plan) if f.rule == "host-bits"]
    assert f.message == "host bits set — did you mean 2001:db8:0:1::/64?"
    assert f.prefix == "2001:db8:0:1::1/64"


def test_outside_parent_and_children_exceed_parent() -> None:
    from v6plan import Plan

    plan = Plan("t", 0x20010DB8 << 96, 48)
    for net, length, name in (
        (0x20010DB8 << 96, 49, "a"),
        ((0x20010DB8 << 96) + (1 << 79), 49, "b"),
        ((0x20010DB8 << 96) + (1 << 79), 49, "c"),
        ((0x20010DB9 << 96), 64, "far"),
    ):
        plan.net.append(net)
        plan.plen.append(length)
        plan.parent.append(0)
        plan.end.append(len(plan.net))
        plan.depth.append(1)
        plan.kind.append(0)
        plan.index.append(0)
        plan.name.append(name)
    plan.end[0] = len(plan.net)
    found = rules_of(plan)
    assert found["outside-parent"] == ["far"]
    assert found["children-exceed-parent"] == [""]
    assert found["overlap"] == ["c"]


def test_headroom_below_requested_growth() -> None:
    plan = plan_of(
        """
        prefix: 3fff:100::/32
        children:
          - name: region
            size: /40
            children: [{name: site, role: site, count: 200, growth: 2}]
        """
    ).plan
    found = [f for f in lint(plan) if f.rule == "headroom"]
    assert [f.path for f in found] == ["region"]
    assert "×2" in found[0].message


def test_non_nibble_opt_out_per_node_and_by_ignore() -> None:
    text = """
        prefix: 2001:db8::/32
        children:
          - {{name: odd, size: /50{extra}}}
        """
    assert "non-nibble" in rules_of(plan_of(text.format(extra="")).plan)
    assert "non-nibble" not in rules_of(plan_of(text.format(extra=", nibble: false")).plan)
    assert "non-nibble" not in rules_of(plan_of(text.format(extra="")).plan, ignore=["non-nibble"])


def test_root_allocation_and_p2p_and_loopback_are_exempt_from_the_nibble_rule() -> None:
    plan = plan_of(
        """
        prefix: 3fff:8::/29
        children:
          - {name: lo, role: loopback, count: 4}
          - {name: link, role: p2p, count: 2}
        """
    ).plan
    assert not [f for f in lint(plan) if f.severity != "info"]


def test_every_rule_has_a_known_severity_and_an_id_used_by_the_linter() -> None:
    source = (Path(__file__).resolve().parents[1] / "v6plan" / "_lint.py").read_text()
    for rule in RULES.values():
        assert rule.severity in ("error", "warning", "info")
        assert source.count(f'"{rule.id}"') >= 2, f"rule {rule.id} is declared but never raised"


def test_findings_for_one_node_equal_the_whole_plans_filtered(tmp_path: Path) -> None:
    plan = csv_plan(
        tmp_path,
        "2001:db8::/48,site,site\n2001:db8::/64,a,lan\n2001:db8::/64,b,lan\n"
        "2001:db8:0:1::1/64,c,lan\n2001:db8:0:2::/60,d,lan\n2001:db8:0:2::/64,e,\n"
        "2001:db8:0:2:1::/80,f,\n",
    )
    everything = lint(plan)
    for i in range(len(plan)):
        assert lint(plan, node=i) == [f for f in everything if f.index == i], plan.path(i)


def test_reserves_are_not_growth() -> None:
    """Blocks kept free are the growth room, not more children that want to grow."""
    plan = plan_of(
        """
        prefix: 3fff:100::/32
        defaults: {growth: 2}
        children:
          - name: region
            count: 3
            size: /36
            children: [{name: site, role: site, count: 10}]
          - {name: spare, role: reserve, size: /36, count: 6}
        """
    ).plan
    assert [f.message for f in lint(plan) if f.rule == "headroom"] == []


def test_headroom_uses_the_sizing_75_percent_rule() -> None:
    """2,000 schools × growth 2 in a /44 of /56s is 97.7 % full: the sizing would never
    plan that (it moves to the next nibble above 75 %), so the lint warns too."""
    plan = plan_of(
        """
        prefix: 3fff:100::/32
        children:
          - name: schools
            size: /44
            children: [{name: school, role: site, size: /56, count: 2000, growth: 2}]
        """
    ).plan
    found = [f for f in lint(plan) if f.rule == "headroom"]
    assert [f.path for f in found] == ["schools"]
    assert "97.7 %" in found[0].message and "75 %" in found[0].message
    assert "/40" in found[0].message  # what the sizing would have given


def test_headroom_quiet_at_75_percent_and_without_growth() -> None:
    text = """
        prefix: 3fff:100::/32
        children:
          - name: schools
            size: /44
            children: [{{name: school, role: site, size: /56, count: {count}, growth: {growth}}}]
        """
    assert not [
        f for f in lint(plan_of(text.format(count=1536, growth=2)).plan) if f.rule == "headroom"
    ]
    assert not [
        f for f in lint(plan_of(text.format(count=4000, growth=1)).plan) if f.rule == "headroom"
    ]


def test_ula_not_random_on_every_ula_block_not_only_the_root(tmp_path: Path) -> None:
    """A pool of ULA /48s: each /48 has its own Global ID, each is checked."""
    plan = csv_plan(
        tmp_path,
        "fd00::/8,ula,\nfd9a:1b2c:3d4e::/48,good,\nfd9a:1b2c:3d4e::/64,a,lan\n"
        "fd00:0:1::/48,lab,\nfd00:0:1::/64,b,lan\n",
    )
    found = [f for f in lint(plan) if f.rule == "ula-not-random"]
    assert "lab" in [f.path for f in found]
    assert "good" not in [f.path for f in found]
    assert "lab/b" not in [f.path for f in found]  # once per /48, on the block that holds it
    (lab,) = [f for f in found if f.path == "lab"]
    assert "0000000001" in lab.message


def test_ula_not_random_on_a_root_longer_than_48(tmp_path: Path) -> None:
    plan = csv_plan(tmp_path, "fd00:0:0:100::/56,site,\nfd00:0:0:100::/64,a,lan\n")
    assert [f.path for f in lint(plan) if f.rule == "ula-not-random"] == [""]


def test_site_smaller_than_56_warns_naming_the_site_and_the_fix() -> None:
    plan = plan_of(
        """
        prefix: 3fff:100::/40
        children:
          - name: school
            role: site
            count: 2
            size: /60
            children: [{name: vlan, role: lan, count: 4}]
        """
    ).plan
    found = [f for f in lint(plan) if f.rule == "site-too-small"]
    assert [f.path for f in found] == ["school-1", "school-2"]
    assert found[0].severity == "warning"
    message = found[0].message
    assert "school-1" in message and "/60" in message and "/56" in message
    assert "size: /48" in message and "bigger allocation" in message


def test_block_of_lans_sized_bottom_up_is_an_end_site() -> None:
    """Buildings holding their LANs straight under a /40 each stand for a site: sized
    bottom-up they get a /60, which the lint calls out (infrastructure is not a site)."""
    plan = plan_of(
        """
        prefix: 3fff:100::/40
        children:
          - {name: core, role: infrastructure, children: [{name: mgmt, role: lan}]}
          - name: building
            count: 2
            children: [{name: vlan, role: lan, count: 3}]
        """
    ).plan
    found = [f for f in lint(plan) if f.rule == "site-too-small"]
    assert [f.path for f in found] == ["building-1", "building-2"]
    everything = lint(plan)
    for i in range(len(plan)):  # `v6plan show` asks node by node: the same findings
        assert lint(plan, node=i) == [f for f in everything if f.index == i], plan.path(i)


def test_lans_inside_a_48_are_parts_of_that_site_not_sites() -> None:
    plan = plan_of(
        """
        prefix: 3fff:100::/48
        children:
          - name: building
            count: 2
            children: [{name: vlan, role: lan, count: 3}]
        """
    ).plan
    assert "site-too-small" not in rules_of(plan)


def test_customer_at_56_is_fine_at_60_is_not(tmp_path: Path) -> None:
    plan = csv_plan(
        tmp_path,
        "2001:db8::/40,pool,\n2001:db8::/56,home1,customer\n2001:db8:0:100::/60,home2,customer\n",
    )
    assert rules_of(plan).get("site-too-small") == ["home2"]
