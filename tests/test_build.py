"""Building plans: sizing, placing, pins, strategies, and stability through the lock."""

from __future__ import annotations

import pytest
from _support import plan_of, prefixes, spec_text

from v6plan import SpecError, build, parse_spec
from v6plan._lock import Lock


def test_sequential_children_in_declared_order() -> None:
    plan = plan_of(
        """
        prefix: 2001:db8::/32
        children:
          - {name: a, size: /36}
          - {name: b, size: /36, count: 2}
        """
    ).plan
    assert prefixes(plan) == {
        "a": "2001:db8::/36",
        "b-1": "2001:db8:1000::/36",
        "b-2": "2001:db8:2000::/36",
    }


def test_sparse_and_centermost_and_step_orders_in_a_spec() -> None:
    plan = plan_of(
        """
        prefix: 2001:db8::/32
        children:
          - {name: s, size: /36, count: 4, strategy: sparse}
        """
    ).plan
    assert [plan.prefix_text(c) for c in plan.children(0)] == [
        "2001:db8::/36", "2001:db8:8000::/36", "2001:db8:4000::/36", "2001:db8:c000::/36",
    ]  # fmt: skip
    plan = plan_of(
        """
        prefix: 2001:db8:1::/48
        children:
          - {name: c, size: /53, count: 5, strategy: centermost}
        """
    ).plan
    assert [plan.prefix_text(c) for c in plan.children(0)] == [
        "2001:db8:1::/53", "2001:db8:1:2000::/53", "2001:db8:1:4000::/53", "2001:db8:1:6000::/53", "2001:db8:1:1000::/53",
    ]  # fmt: skip
    plan = plan_of(
        """
        prefix: 3fff::/20
        children:
          - {name: lir, size: /32, count: 3, step: 8}   # each /32 keeps room to grow to a /29
        """
    ).plan
    assert [plan.prefix_text(c) for c in plan.children(0)] == [
        "3fff::/32",
        "3fff:8::/32",
        "3fff:10::/32",
    ]


def test_best_fit_takes_the_smallest_hole() -> None:
    plan = plan_of(
        """
        prefix: 2001:db8::/48
        children:
          - {name: pinned-a, prefix: "2001:db8:0:8000::/49"}
          - {name: pinned-b, prefix: "2001:db8::/52"}
          - {name: small, size: /56, strategy: best-fit}
        """
    ).plan
    # Free: ::1000/52, ::2000/51, ::4000/50 — the smallest that holds a /56 is the /52.
    assert plan.prefix_text(plan.find_path("small")) == "2001:db8:0:1000::/56"


def test_bottom_up_sizing_with_growth_and_mixed_children() -> None:
    plan = plan_of(
        """
        prefix: 3fff:100::/32
        defaults: {growth: 2}
        children:
          - name: ministry
            children:
              - {name: site, role: site, count: 40}     # 80 slots of /48 at 75 % → /40
              - {name: hq, role: customer}              # plus one /56
        """
    ).plan
    assert plan.plen[plan.find_path("ministry")] == 40
    assert plan.prefix_text(plan.find_path("ministry/hq")) == "3fff:100:28::/56"


def test_single_child_takes_exactly_its_own_block() -> None:
    plan = plan_of(
        """
        prefix: 3fff:100::/32
        children:
          - name: wrapper
            children: [{name: only, role: site}]
        """
    ).plan
    assert plan.plen[plan.find_path("wrapper")] == 48


def test_roles_loopback_p2p_lan() -> None:
    plan = plan_of(
        """
        prefix: 2001:db8:1::/48
        children:
          - {name: lo, role: loopback, count: 3, names: [r1, r2]}
          - {name: link, role: p2p, ends: [[r1, r2], [r2, r3]]}
          - {name: users, role: lan, vlan: 100, count: 2}
        """
    ).plan
    got = prefixes(plan)
    assert got["lo"] == "2001:db8:1::/64"
    assert [got["lo/r1"], got["lo/r2"], got["lo/lo-3"]] == [
        "2001:db8:1::1/128",
        "2001:db8:1::2/128",
        "2001:db8:1::3/128",
    ]
    link2 = plan.node(plan.find_path("link-2"))
    assert str(link2.prefix) == "2001:db8:1:2::/64"
    assert str(link2.p2p) == "2001:db8:1:2::2/127"
    assert link2.ends == ("r2", "r3")
    assert [plan.node(plan.find_path(p)).vlan for p in ("users-1", "users-2")] == [100, 101]
    assert plan.status(plan.find_path("lo")) == "container"
    assert plan.status(plan.find_path("users-1")) == "active"


def test_reserve_is_placed_and_reserved() -> None:
    plan = plan_of(
        """
        prefix: 3fff:8::/29
        children:
          - {name: used, size: /32}
          - {name: hold, role: reserve, size: /32, count: 2}
        """
    ).plan
    assert plan.status(plan.find_path("hold-2")) == "reserved"
    assert plan.prefix_text(plan.find_path("hold-2")) == "3fff:a::/32"


def test_pins_are_exact_and_others_flow_around_them() -> None:
    plan = plan_of(
        """
        prefix: 2001:db8::/32
        children:
          - {name: a, size: /36, count: 2}
          - {name: pinned, prefix: "2001:db8:1000::/36"}
        """
    ).plan
    assert prefixes(plan) == {
        "a-1": "2001:db8::/36",
        "a-2": "2001:db8:2000::/36",
        "pinned": "2001:db8:1000::/36",
    }


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        (
            "- {name: x, prefix: '3fff:100::1/48'}",
            (3, 23),
            "host bits set in 3fff:100::1/48 — did you mean 3fff:100::/48?",
        ),
        (
            "- {name: x, prefix: '3fff:200::/48'}",
            (3, 23),
            "pinned 3fff:200::/48 is outside its parent 3fff:100::/32",
        ),
        (
            "- {name: x, prefix: '3fff:100::/48'}\n  - {name: y, prefix: '3fff:100::/52'}",
            (4, 23),
            "overlaps another pinned block",
        ),
        (
            "- {name: m, count: 24, size: /36, growth: 2}",
            (3, 32),
            "24 children × growth 2 do not fit in /36 under /32",
        ),
        ("- {name: big, size: /30}", (3, 23), "'big' is a /30"),
        ("- {name: x}", (3, 5), "cannot tell how big 'x' is"),
    ],
)
def test_placement_problems_name_the_place(body: str, where: tuple[int, int], message: str) -> None:
    text = "prefix: 3fff:100::/32\nchildren:\n  " + body + "\n"
    with pytest.raises(SpecError) as info:
        build(parse_spec(text, "gov.yaml"))
    problem = info.value.problems[0]
    assert message in str(problem)
    assert (problem.line, problem.column) == where, str(problem)
    assert str(problem).startswith(f"gov.yaml:{where[0]}:{where[1]}: ")


def test_growth_error_suggests_the_fix() -> None:
    with pytest.raises(SpecError) as info:
        plan_of(
            "prefix: 3fff:100::/32\nchildren:\n  - {name: m, count: 24, size: /36, growth: 2}\n"
        )
    assert "need /40 or a shorter parent" in str(info.value)


def test_several_problems_are_reported_together() -> None:
    with pytest.raises(SpecError) as info:
        plan_of(
            """
            prefix: 3fff:100::/32
            children:
              - {name: a}
              - {name: b}
            """
        )
    assert len(info.value.problems) == 2


# -- stability ---------------------------------------------------------------------------------
GROWING = """
plan: Stability
prefix: 3fff:100::/32
children:
  - name: ministry
    count: {ministries}
    names: [health, education]
    children:
      - {{name: site, role: site, count: {sites}}}
{extra}
"""


def _grow(ministries: int, sites: int, extra: str = "") -> str:
    return GROWING.format(ministries=ministries, sites=sites, extra=extra)


def test_same_input_gives_identical_output_and_lock() -> None:
    from io import StringIO

    from v6plan.export import write

    def run() -> tuple[str, str]:
        result = plan_of(_grow(5, 12))
        out = StringIO()
        write(result.plan, "csv", out)
        return out.getvalue(), result.lock.dumps()

    assert run() == run()


def test_adding_never_moves_what_is_placed() -> None:
    first = plan_of(_grow(3, 10))
    lock = Lock.parse(first.lock.dumps())
    # More ministries, more sites (same sizes), and a new node declared FIRST.
    extra = "  - {name: backbone, size: /40}\n"
    spec = _grow(5, 12, "").replace(
        "children:\n  - name: ministry", "children:\n" + extra + "  - name: ministry", 1
    )
    second = plan_of(spec, lock)
    before, after = prefixes(first.plan), prefixes(second.plan)
    assert all(after[path] == prefix for path, prefix in before.items())
    assert after["backbone"] not in before.values()
    assert second.kept_blocks == len(before)
    assert second.new_blocks == len(after) - len(before)


def test_reordering_children_keeps_blocks() -> None:
    text = "prefix: 2001:db8::/32\nchildren:\n  - {name: a, size: /36}\n  - {name: b, size: /40}\n"
    first = plan_of(text)
    swapped = (
        "prefix: 2001:db8::/32\nchildren:\n  - {name: b, size: /40}\n  - {name: a, size: /36}\n"
    )
    assert prefixes(plan_of(swapped, Lock.parse(first.lock.dumps())).plan) == prefixes(first.plan)
    assert prefixes(plan_of(swapped).plan) != prefixes(
        first.plan
    )  # without the lock they would move


def test_a_resized_group_is_an_error_until_released() -> None:
    first = plan_of(_grow(2, 13))  # 13 sites: a /40 per ministry
    lock = Lock.parse(first.lock.dumps())
    with pytest.raises(SpecError) as info:
        plan_of(_grow(2, 300), lock)  # 300 sites need a /36 per ministry, locked at /40
    text = str(info.value)
    assert "locked at /40" in text and "--release ministry" in text
    moved = plan_of(_grow(2, 300), lock, release=("ministry",))
    assert moved.plan.plen[moved.plan.find_path("health")] == 36


def test_release_of_one_node_lets_only_it_move() -> None:
    first = plan_of("prefix: 2001:db8::/32\nchildren:\n  - {name: a, size: /36, count: 3}\n")
    lock = Lock.parse(first.lock.dumps())
    # a-1 is released and the spec now pins something where a-1 was: a-1 moves, a-2/a-3 stay.
    second = plan_of(
        "prefix: 2001:db8::/32\nchildren:\n  - {name: a, size: /36, count: 3}\n  - {name: p, prefix: '2001:db8::/36'}\n",
        lock,
        release=("a-1",),
    )
    got = prefixes(second.plan)
    assert got["p"] == "2001:db8::/36"
    assert got["a-2"] == "2001:db8:1000::/36" and got["a-3"] == "2001:db8:2000::/36"
    assert got["a-1"] == "2001:db8:3000::/36"


def test_unknown_release_path_is_an_error() -> None:
    with pytest.raises(SpecError, match="no node has this path"):
        plan_of("prefix: 2001:db8::/32\nchildren:\n  - {name: a, size: /36}\n", release=("nope",))


def test_pin_over_a_locked_block_is_an_error_with_a_way_out() -> None:
    first = plan_of("prefix: 2001:db8::/32\nchildren:\n  - {name: a, size: /36}\n")
    with pytest.raises(SpecError, match="pinned block now overlaps"):
        plan_of(
            "prefix: 2001:db8::/32\nchildren:\n  - {name: a, size: /36}\n  - {name: p, prefix: '2001:db8::/40'}\n",
            Lock.parse(first.lock.dumps()),
        )


def test_removed_nodes_are_released_from_the_lock() -> None:
    first = plan_of(_grow(3, 4))
    second = plan_of(_grow(2, 4), Lock.parse(first.lock.dumps()))
    assert "ministry-3/site" in second.released
    assert ("ministry-3", "site") not in second.lock.groups


def test_lock_round_trip_and_relative_slots() -> None:
    first = plan_of(_grow(2, 3))
    lock = Lock.parse(first.lock.dumps())
    assert lock.dumps() == first.lock.dumps()
    # The same lock under a renumbered allocation keeps the shape — when asked to
    # (`plan --renumber`); silently, it is refused (the lock test in test_inputs.py).
    moved_spec = parse_spec(spec_text(_grow(2, 3).replace("3fff:100::/32", "3fff:200::/32")))
    moved = build(moved_spec, lock, renumber=True)
    assert [p.replace("3fff:200:", "3fff:100:") for p in prefixes(moved.plan).values()] == list(
        prefixes(first.plan).values()
    )


@pytest.mark.parametrize(
    "text",
    [
        "{",
        '{"v6plan-lock": 9}',
        '{"v6plan-lock": 1, "prefix": "x", "parents": {}}',
        '{"v6plan-lock": 1, "prefix": "::/0", "parents": {"/": {"a": [64, ["x"]]}}}',
    ],
)
def test_broken_lock_files_say_how_to_recover(text: str) -> None:
    from v6plan import LockError

    with pytest.raises(LockError, match=r"delete it to re-plan|restore it"):
        Lock.parse(text, "x.lock.json")


def test_spec_text_helper_dedents() -> None:
    assert spec_text("\n  a: 1\n") == "a: 1\n"
