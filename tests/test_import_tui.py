"""The explorer opens a plan read with several top-level blocks and VRFs (Pilot-driven)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

pytest.importorskip("textual")

from textual.pilot import Pilot

from v6plan._import import read_plan_file
from v6plan.tui.app import PlanExplorer
from v6plan.tui.model import MAX_ROWS, PlanView, Row
from v6plan.tui.widgets import AnatomyRuler, ChildrenTable, DetailsView, NibbleMap, PlanTree

NETBOX = """\
prefix,vrf,role,description
10.0.0.0/8,,,IPv4
2001:db8::/48,,,HQ
2001:db8::/64,,lan,Users LAN
2001:db8:1::/48,blue,,Blue site
2001:db8:1::/64,blue,lan,blue users
2001:db8:1::/64,red,lan,red users
3fff::/20,red,,Red aggregate
"""


def drive(app: PlanExplorer, script: object, size: tuple[int, int] = (120, 40)) -> None:
    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            app.animation_level = "none"
            await pilot.pause()
            await script(pilot, app)  # type: ignore[operator]

    asyncio.run(run())


@pytest.fixture
def netbox(tmp_path: Path) -> Path:
    path = tmp_path / "netbox.csv"
    path.write_text(NETBOX)
    return path


def test_grouping_rows_hold_vrfs_and_blocks_and_no_free_runs(netbox: Path) -> None:
    plan = read_plan_file(netbox)
    view = PlanView(plan)
    top = view.rows(view.root_row())
    assert [(r.kind, plan.label(r.index)) for r in top] == [
        ("node", "blue"),
        ("node", "red"),
        ("node", "HQ"),
    ]
    red = view.rows(top[1])
    assert [plan.label(r.index) for r in red] == ["red users", "Red aggregate"]
    assert all(r.kind == "node" for r in red)  # the space between blocks is nobody's
    assert [i for i, _, _ in view.items(0)] == [r.index for r in top]
    assert view.anatomy(plan.find_path("HQ"))[0].label == "allocation 2001:db8::/48"


def test_many_top_level_blocks_are_grouped_by_nibble(tmp_path: Path) -> None:
    path = tmp_path / "flat.csv"
    path.write_text("prefix\n" + "".join(f"2001:db8:{n:x}::/48\n" for n in range(0, 4096, 7)))
    plan = read_plan_file(path)
    view = PlanView(plan)

    def walk(row: Row, depth: int) -> int:
        rows = view.rows(row)
        assert 0 < len(rows) <= MAX_ROWS and all(r.kind != "free" for r in rows)
        found = sum(r.kind == "node" for r in rows)
        if depth:
            found += sum(walk(r, depth - 1) for r in rows if r.kind == "group")
        return found

    assert walk(view.root_row(), 16) == len(plan.top_blocks())


def test_the_explorer_opens_a_plan_with_vrfs(netbox: Path) -> None:
    app = PlanExplorer(netbox)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        plan = app.plan
        assert plan.grouped
        tree = app.query_one(PlanTree)
        labels = [tree.row_text(c.data, 100).plain for c in tree.root.children]
        assert labels[0].startswith("blue") and "1 block" in labels[0]
        details = app.query_one(DetailsView)
        assert "top-level blocks" in details.text.plain and "vrfs" in details.text.plain
        assert "holds no prefix" in app.query_one(AnatomyRuler).text.plain
        for tab in ("children", "map", "details"):  # every pane, on the grouping root
            app.action_show_tab(tab)
            await pilot.pause()
        assert app.query_one(ChildrenTable).row_count == 3
        assert not app.query_one(NibbleMap).cells
        await pilot.press("down", "right", "down")  # into the blue VRF, onto its block
        await pilot.pause()
        assert app.selected is not None and plan.label(app.selected.index) == "Blue site"
        assert "2001:db8:1::/48" in details.text.plain
        for _ in range(8):  # walk the whole tree, opening what opens
            await pilot.press("down", "right")
        await pilot.pause()
        assert app.find("2001:db8:1::5") == -1  # in two VRFs: said, not guessed
        assert app.find("red/red users") == plan.find_path("red/red users")
        assert app.find("3fff::1") == plan.find_path("red/Red aggregate")
        app.action_show_tab("map")
        await pilot.pause()
        assert len(app.query_one(NibbleMap).cells) == 256

    drive(app, script)
