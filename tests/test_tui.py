"""The plan explorer, driven with Textual's Pilot: every feature, asserting state."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("textual")

import itertools
import re

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from v6plan._edit import SpecEditor
from v6plan._errors import InputError, NotFoundError
from v6plan._plan import NameIndex
from v6plan._prefix import format_prefix
from v6plan.cli._plan import load_plan
from v6plan.tui.app import PlanExplorer, all_binding_ids, load_keymap
from v6plan.tui.model import DIRECT_MAX, DIRECT_ROWS, MAX_ROWS, PlanView, Row, bar, block_count
from v6plan.tui.screens import (
    ConfirmScreen,
    EditScreen,
    ExportScreen,
    HelpScreen,
    SaveAsScreen,
    UnsavedScreen,
)
from v6plan.tui.widgets import ChildrenTable, NibbleMap, PlanTree

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def copy_example(tmp_path: Path, name: str) -> Path:
    for suffix in (".yaml", ".lock.json"):
        shutil.copy(EXAMPLES / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    return tmp_path / f"{name}.yaml"


@pytest.fixture
def campus(tmp_path: Path) -> Path:
    return copy_example(tmp_path, "campus")


@pytest.fixture
def government(tmp_path: Path) -> Path:
    return copy_example(tmp_path, "government")


def drive(
    app: PlanExplorer,
    script: Callable[[Pilot[None], PlanExplorer], Awaitable[None]],
    size: tuple[int, int] = (120, 40),
) -> None:
    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            app.animation_level = "none"
            await pilot.pause()
            await script(pilot, app)

    asyncio.run(run())


def tree(app: PlanExplorer) -> PlanTree:
    return app.query_one(PlanTree)


def rows_under(app: PlanExplorer, node: Any) -> list[Row]:
    return [child.data for child in node.children]


async def settle(pilot: Pilot[None], app: PlanExplorer) -> None:
    """Wait for worker threads (edits, lint, export) and the screen to settle."""
    for _ in range(200):
        await pilot.pause()
        if not app.busy and not [w for w in app.workers if w.group in ("edit", "export")]:
            break
        await asyncio.sleep(0.02)
    await pilot.pause()


# -- the model, without Textual's event loop ---------------------------------------------------
def test_rows_are_modest_in_number_and_cover_the_parent_exactly() -> None:
    plan = load_plan(str(EXAMPLES / "government.yaml"))
    view = PlanView(plan)

    def check(row: Row, depth: int) -> None:
        rows = view.rows(row)
        groups = [r for r in rows if r.kind == "group"]
        assert 0 < len(rows) <= (MAX_ROWS if groups else DIRECT_ROWS)
        assert len([r for r in rows if r.kind == "node"]) <= DIRECT_MAX
        lo, hi = view.span(row.index) if row.kind == "node" else (row.start, row.end)
        assert rows[0].start == lo and rows[-1].end == hi  # no gap, no overlap
        for a, b in itertools.pairwise(rows):
            assert a.end == b.start
            assert not (a.kind == "free" and b.kind == "free")  # free runs are merged
        if depth:
            for r in rows:
                if r.kind == "group" or (r.kind == "node" and view.has_children(r.index)):
                    check(r, depth - 1)
                    break

    check(view.root_row(), 6)
    # the root's 25 ministries are listed directly, not behind two /36 nibble groups
    root = view.rows(view.root_row())
    assert [r.kind for r in root].count("node") == 25 and "group" not in {r.kind for r in root}
    # a /48 site with 5 functions shows them plus one free run, no grouping
    site = plan.find_path("health/site-3")
    rows = view.rows(Row("node", 0, site, *view.span(site)))
    assert [r.kind for r in rows] == ["node"] * 5 + ["free"]
    # the 200 VLANs of a function: no lone /56 group holding them all, its 13 /60s at once
    users = plan.find_path("health/site-3/users")
    rows = view.rows(Row("node", site, users, *view.span(users)))
    assert [(r.kind, r.nodes, r.length) for r in rows] == [("group", 16, 60)] * 12 + [
        ("group", 8, 60),
        ("free", 0, 53),
    ]
    assert view.group_names(rows[0]) == ("vlan-1", "vlan-16")
    assert view.group_names(rows[12]) == ("vlan-193", "vlan-200")


def test_a_level_is_never_one_lone_group() -> None:
    """Sixteen LANs in one /60 of a /56 (the rest free): no '◇ /56 → ◇ /60' step."""
    spec = (
        "plan: G\nprefix: 2001:db8::/48\nchildren:\n"
        "  - {name: pool, size: /52, children: [{name: lan, role: lan, count: 40}]}\n"
    )
    from v6plan._build import build
    from v6plan._lock import Lock
    from v6plan._spec import parse_spec

    plan = build(parse_spec(spec, "g.yaml"), Lock()).plan
    view = PlanView(plan)
    pool = plan.find_path("pool")
    rows = view.rows(Row("node", 0, pool, *view.span(pool)))
    assert [r.kind for r in rows] == ["group", "group", "group", "free"]
    assert [view.group_names(r) for r in rows[:3]] == [
        ("lan-1", "lan-16"),
        ("lan-17", "lan-32"),
        ("lan-33", "lan-40"),
    ]


def test_name_index_finds_hits_in_plan_order() -> None:
    plan = load_plan(str(EXAMPLES / "campus.yaml"))
    names = NameIndex(plan)
    hits = names.search("staff")
    assert hits == [i for i in range(len(plan)) if plan.name[i] == "staff"]
    first = names.next_hit("staff", 0)
    assert first == hits[0]
    assert names.next_hit("staff", hits[-1]) == hits[0]  # wraps around
    assert names.next_hit("staff", hits[1], backwards=True) == hits[0]
    assert names.next_hit("no-such", 0) == -1
    assert names.matches("STU") == ["students"]


def test_nibble_map_counts_cells_like_the_plan() -> None:
    plan = load_plan(str(EXAMPLES / "campus.yaml"))
    view = PlanView(plan)
    cells = view.nibble_map(0)  # a /48: cells are /56
    assert len(cells) == 256
    assert all(c.length == 56 for c in cells)
    future = plan.find_path("future")
    reserved = [c for c in cells if c.state == "reserved"]
    assert reserved and all(c.holder == future for c in reserved)
    assert len(reserved) == 1 << (56 - plan.plen[future])
    free_cells = [c for c in cells if c.state == "free"]
    # a free cell has no child in it (checked against the plan's own holder lookup)
    for cell in free_cells[:20]:
        assert plan.holder(cell.start, 56) == 0


def test_anatomy_assigns_every_bit_once() -> None:
    plan = load_plan(str(EXAMPLES / "government.yaml"))
    view = PlanView(plan)
    i = plan.find_path("health/site-3/users/vlan-5")
    segments = view.anatomy(i)
    assert segments[0].first == 0 and segments[-1].stop == 128
    for a, b in itertools.pairwise(segments):
        assert a.stop == b.first
    assert [s.stop for s in segments[:5]] == [32, 40, 48, 52, 64]
    owners = view.digit_owners(i)
    assert owners[7] == [0] and owners[9] == [1] and owners[12] == [3]


def test_bar_has_eighth_steps() -> None:
    assert bar(0, 4) == "····"
    assert bar(1, 4) == "████"
    assert bar(0.5, 4) == "██··"
    assert bar(0.001, 4).startswith("▏")


# -- the tree ----------------------------------------------------------------------------------
def test_tree_is_lazy_and_shows_free_rows(government: Path) -> None:
    app = PlanExplorer(government)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        t = tree(app)
        root_rows = rows_under(app, t.root)
        assert len(root_rows) <= DIRECT_ROWS
        assert root_rows[-1].kind == "free"
        assert "free" in t.row_text(root_rows[-1], 80).plain
        # only the root level exists: nothing below has been built
        assert all(not child.children for child in t.root.children)
        assert len(t._tree_nodes) <= 1 + DIRECT_ROWS
        # expanding a ministry, then a group of its 40 sites, builds one level each
        app.go_to(app.plan.find_path("health"))
        await pilot.press("space")
        assert t.cursor_node is not None and t.cursor_node.is_expanded
        assert 0 < len(t.cursor_node.children) <= MAX_ROWS
        await pilot.press("down", "space")
        assert t.cursor_node.data.kind == "group" and t.cursor_node.is_expanded
        await pilot.press("down", "right")
        node = t.cursor_node
        assert node is not None and node.is_expanded and node.data.kind == "node"
        await pilot.press("left")
        assert not node.is_expanded
        await pilot.press("left")
        assert t.cursor_node is node.parent

    drive(app, script)


def test_tree_row_shows_prefix_name_role_bar_and_usage(campus: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        t = tree(app)
        core = app.plan.find_path("core")
        row = next(r for r in rows_under(app, t.root) if r.index == core)
        text = t.row_text(row, 100).plain
        assert text.startswith("core")
        assert "2001:db8:cafe::/56" in text
        assert "infrastructure" in text
        assert "%" in text and "of 256 /64" in text
        narrow = t.row_text(row, 40).plain
        assert "2001:db8:cafe::/56" in narrow and len(narrow) <= 40

    drive(app, script)


def test_details_pane_shows_range_sizes_role_usage_and_lint(government: Path) -> None:
    app = PlanExplorer(government)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        app.go_to(app.plan.find_path("health/site-3"))
        await pilot.pause()
        text = app.query_one("#details-view").text.plain
        assert "health/site-3" in text
        assert "3fff:100:102::/48" in text
        assert "3fff:100:102:ffff:ffff:ffff:ffff:ffff" in text
        assert "1 /48 = 65,536 /64" in text
        assert "role    site · container" in text
        assert "5 of 16 /52" in text
        assert "3fff:100:102:5000::/52" in text  # first free block
        for _ in range(100):
            if app.findings is not None:
                break
            await asyncio.sleep(0.05)
            await pilot.pause()
        app.refresh_panes()
        text = app.query_one("#details-view").text.plain
        assert "no findings" in text or "lint" in text
        anatomy = app.query_one("#anatomy").text.plain
        assert "3fff:0100:0102:0000" in anatomy
        assert "/40–/48 8 bits  site-3" in anatomy

    drive(app, script)


def test_details_show_lint_findings_of_the_node(tmp_path: Path) -> None:
    spec = tmp_path / "lint.yaml"
    spec.write_text(
        "plan: L\nprefix: 2001:db8::/48\nchildren:\n"
        "  - {name: odd, size: /50, children: [{name: l, role: lan, size: /60}]}\n"
    )
    app = PlanExplorer(spec)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        for _ in range(100):
            if app.findings is not None:
                break
            await asyncio.sleep(0.05)
            await pilot.pause()
        app.go_to(app.plan.find_path("odd/l"))
        await pilot.pause()
        text = app.query_one("#details-view").text.plain
        assert "error lan-not-64" in text

    drive(app, script)


def test_children_table_pages_through_children_and_free_runs(government: Path) -> None:
    app = PlanExplorer(government)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        app.go_to(app.plan.find_path("health/site-3/users"))
        await pilot.press("2")
        table = app.query_one(ChildrenTable)
        assert app.active_tab == "children"
        assert table.row_count == ChildrenTable.PAGE
        assert table.pages == 3  # 200 VLANs + 1 free run, 100 a page
        first = table.get_row_at(0)
        assert str(first[0]) == "3fff:100:102:2000::/64"
        table.focus()
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert table.page == 2
        assert table.row_count == 1
        last = table.get_row_at(0)
        assert str(last[1]) == "· free"
        caption = str(app.query_one("#children-caption").render())
        assert "200 children · 1 free run" in caption and "page 3 of 3" in caption
        await pilot.press("left_square_bracket")
        assert table.page == 1
        # enter on a row goes there in the tree
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected is not None and app.selected.kind == "node"
        assert app.plan.name[app.selected.index] == "vlan-101"

    drive(app, script)


def test_children_table_has_vlan_router_and_use_columns_and_sorts(campus: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        plan = app.plan
        app.go_to(plan.find_path("core"))
        await pilot.press("2")
        table = app.query_one(ChildrenTable)
        assert [str(c.label) for c in table.columns.values()] == [
            "prefix",
            "name",
            "role",
            "vlan",
            "router",
            "used",
        ]
        mgmt = plan.find_path("core/mgmt")
        row = table.get_row(f"node:{mgmt}")
        assert (str(row[1]), str(row[3]), str(row[4])) == ("mgmt", "10", "core1")
        app.go_to(plan.find_path("datacentre"))
        await pilot.press("2")
        # sort by name (s goes to the next column): names sort as text
        await pilot.press("s")
        assert table.sort_column == "name"
        names = [str(table.get_row_at(r)[1]) for r in range(table.row_count - 1)]
        assert names == sorted(names) and names[:2] == ["servers-1", "servers-10"]
        table.action_sort("vlan")
        await pilot.pause()
        vlans = [int(str(table.get_row_at(r)[3])) for r in range(20)]
        assert vlans == sorted(vlans) and vlans[0] == 500 and vlans[-1] == 603
        table.action_sort("vlan")  # again: the other way round
        await pilot.pause()
        assert table.sort_reverse and str(table.get_row_at(0)[3]) == "603"
        assert "sorted by vlan ↓" in str(app.query_one("#children-caption").render())
        assert str(table.get_row_at(table.row_count - 1)[1]) == "· free"  # free runs last
        # utilisation: the fullest first
        app.go_to(0)
        await pilot.press("2")
        table.action_sort("used")
        await pilot.pause()
        used = [str(table.get_row_at(r)[5]).split() for r in range(table.row_count)]
        numbers = [float(u[-1].rstrip("%")) for u in used if u and u[-1].endswith("%")]
        assert numbers == sorted(numbers, reverse=True) and len(numbers) >= 4

    drive(app, script)


def test_nibble_map_tab_and_going_to_a_cell(campus: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        await pilot.press("3")
        nibble = app.query_one(NibbleMap)
        assert nibble.node == 0 and len(nibble.cells) == 256
        text = nibble.render().plain
        assert "2001:db8:cafe::/48: 256 × /56 (hex digits 13–14)" in text
        assert "reserved" in text and "free" in text
        # the cells under the cursor are described in words
        halls = app.plan.find_path("halls")
        nibble.cursor = next(n for n, c in enumerate(nibble.cells) if c.holder == halls)
        await pilot.pause()
        assert "2001:db8:cafe:2000::/56 · halls 38% used" in nibble.render().plain
        nibble.focus()
        future = app.plan.find_path("future")
        target = next(n for n, c in enumerate(nibble.cells) if c.holder == future)
        assert nibble.cells[target].state == "reserved"
        nibble.cursor = target
        await pilot.press("right", "left")
        assert nibble.cursor == target
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected is not None and app.selected.index == future

    drive(app, script)


# -- search, go to, palette --------------------------------------------------------------------
def test_search_goes_to_address_prefix_path_and_names(government: Path) -> None:
    app = PlanExplorer(government)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        plan = app.plan
        await pilot.press("slash")
        assert app.focused is app.query_one("#search", Input)
        await pilot.press(*"3fff:100:102:2064::17", "enter")
        await pilot.pause()
        assert app.selected is not None
        assert plan.path(app.selected.index) == "health/site-3/users/vlan-101"
        assert app.focused is tree(app)
        assert tree(app).cursor_node.data == app.selected  # the cursor is on it
        assert app.find("education/site-7") == plan.find_path("education/site-7")
        assert app.selected.index == plan.find_path("education/site-7")
        assert app.find("3fff:100:203::/48") == plan.find_path("education/site-4")
        hit = app.find("voice")
        assert plan.name[hit] == "voice"
        second = app.find("voice")
        assert plan.name[second] == "voice" and second > hit
        await pilot.press("N")
        assert app.selected.index == hit
        await pilot.press("n")
        assert app.selected.index == second
        before = app.selected
        assert app.find("no-such-thing") == -1
        assert app.selected == before

    drive(app, script)


def test_search_for_free_space_lands_on_the_free_row(campus: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        from v6plan._query import free_blocks

        net, length = next(free_blocks(app.plan, 0))
        app.find(format_prefix(net, length))
        await pilot.pause()
        assert app.selected is not None and app.selected.kind == "free"
        assert app.selected.start <= net < app.selected.end

    drive(app, script)


def test_command_palette_offers_nodes_and_commands(government: Path) -> None:
    app = PlanExplorer(government)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        from v6plan.tui.commands import PlanCommands

        provider = PlanCommands(app.screen)
        hits = [hit async for hit in provider.search("site-3")]
        texts = [str(h.text) for h in hits]
        assert any(t.startswith("go to health/site-3") for t in texts)
        hits = [hit async for hit in provider.search("3fff:100:102:2064::17")]
        assert [str(h.text) for h in hits] == ["go to health/site-3/users/vlan-101"]
        hits = [hit async for hit in provider.search("export")]
        assert any("Export" in str(h.text) for h in hits)
        # running a node hit goes there
        hits = [hit async for hit in provider.search("education/site-9")]
        hits[0].command()
        await pilot.pause()
        assert app.plan.path(app.selected.index) == "education/site-9"
        # and the palette opens from its key with our provider in it
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "CommandPalette"

    drive(app, script)


# -- help and keymap ---------------------------------------------------------------------------
def test_help_lists_every_binding_with_its_id(campus: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        shown = {str(table.get_row_at(r)[3]) for r in range(table.row_count)}
        ids = {
            i for i in all_binding_ids() if i.split(".")[0] in ("app", "tree", "children", "map")
        }
        assert ids <= shown
        keys = {str(table.get_row_at(r)[0]) for r in range(table.row_count)}
        assert {"/", "a", "ctrl+s", "x", "[", "]", "ctrl+p"} <= keys
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

    drive(app, script)


def test_keymap_file_overrides_a_binding(campus: Path, tmp_path: Path) -> None:
    keymap = tmp_path / "keys.toml"
    keymap.write_text('[keymap]\n"app.search" = "ctrl+f"\n"app.help" = "h"\n')
    keys = load_keymap(keymap, all_binding_ids())
    assert keys == {"app.search": "ctrl+f", "app.help": "h"}
    app = PlanExplorer(campus, keymap=keys, keymap_file=str(keymap))

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        await pilot.press("slash")  # no longer bound
        assert not app.query_one("#search", Input).has_class("visible")
        await pilot.press("ctrl+f")
        assert app.query_one("#search", Input).has_class("visible")
        await pilot.press("escape", "h")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = [table.get_row_at(r) for r in range(table.row_count)]
        assert ["ctrl+f", "Search"] in [[str(r[0]), str(r[1])] for r in rows]

    drive(app, script)


def test_keymap_file_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[keymap]\n"app.serch" = "ctrl+f"\n')
    with pytest.raises(
        InputError, match=r"unknown binding id 'app\.serch' — did you mean 'app\.search'"
    ):
        load_keymap(bad, all_binding_ids())
    bad.write_text("[keymap\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_keymap(bad, all_binding_ids())
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "v6plan",
            "tui",
            str(EXAMPLES / "campus.yaml"),
            "--keymap",
            str(bad),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2 and "not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr


# -- editing -----------------------------------------------------------------------------------
def test_add_child_through_the_dialog(campus: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        app.go_to(app.plan.find_path("datacentre"))
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, EditScreen)
        await pilot.press(*"backup")
        app.screen.query_one("#edit-role", Select).value = "lan"
        app.screen.query_one("#edit-count", Input).value = "2"
        await pilot.press("enter")
        await settle(pilot, app)
        assert not isinstance(app.screen, EditScreen)
        plan = app.plan
        assert plan.path(app.selected.index) == "datacentre/backup-1"
        assert plan.role(plan.find_path("datacentre/backup-2")) == "lan"
        assert app.editor is not None and app.editor.dirty
        assert "modified" in app.sub_title
        assert "{name: backup, role: lan, count: 2}" in app.editor.text

    drive(app, script)


def test_an_edit_error_shows_the_planner_message_and_changes_nothing(campus: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        before = app.plan
        app.go_to(app.plan.find_path("datacentre"))
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"huge")
        app.screen.query_one("#edit-size", Input).value = "/44"
        app.screen.submit()
        await settle(pilot, app)
        assert isinstance(app.screen, EditScreen)
        error = str(app.screen.query_one("#edit-error").render())
        assert f"{campus}:" in error and "does not fit" in error
        assert app.plan is before and app.editor is not None and not app.editor.dirty
        await pilot.press("escape")
        assert not isinstance(app.screen, EditScreen)

    drive(app, script)


def test_shared_edit_asks_first_and_names_the_count(campus: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        app.go_to(app.plan.find_path("library/floor-2"))
        await pilot.press("a")
        await pilot.pause()
        note = str(app.screen.query_one("#edit-note").render())
        assert "one of 24 instances of spec node 'floor'" in note
        await pilot.press(*"cams")
        app.screen.query_one("#edit-role", Select).value = "lan"
        app.screen.submit()
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        assert "all 24 of its instances" in str(app.screen.query_one("#confirm-body").render())
        await pilot.press("n")  # cancel: nothing happens
        await pilot.pause()
        assert app.editor is not None and not app.editor.dirty
        with pytest.raises(NotFoundError):
            app.plan.find_path("science/floor-6/cams")

    drive(app, script)


def test_rename_delete_reserve_undo_and_save(campus: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        assert app.editor is not None
        plan = app.plan
        old = {p: (plan.net[i], plan.plen[i]) for i, p in enumerate(plan.paths(1), 1)}
        # rename
        app.go_to(plan.find_path("science"))
        await pilot.press("e")
        await pilot.pause()
        name = app.screen.query_one("#edit-name", Input)
        name.value = "labs"
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.plan.path(app.selected.index) == "labs"
        # delete (always confirmed)
        app.go_to(app.plan.find_path("halls"))
        await pilot.press("d")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert "halls" not in {app.plan.name[c] for c in app.plan.children(0)}
        # reserve from a free row: the block is pre-filled
        free = next(r for r in rows_under(app, tree(app).root) if r.kind == "free")
        tree(app).reveal_range(0, free.start)
        await pilot.pause()
        assert app.selected is not None and app.selected.kind == "free"
        await pilot.press("r")
        await pilot.pause()
        prefix = app.screen.query_one("#edit-prefix", Input).value
        assert prefix.startswith(format_prefix(free.start, 0).split("/")[0])
        app.screen.submit()
        await settle(pilot, app)
        reserve = app.plan.find_path("reserve-1")
        assert app.plan.status(reserve) == "reserved"
        assert app.editor.edits == 3
        # undo the reserve
        await pilot.press("u")
        await pilot.pause()
        with pytest.raises(NotFoundError):
            app.plan.find_path("reserve-1")
        # save: the spec re-opens to the same plan; nothing placed moved
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.editor.dirty
        again = load_plan(str(campus))
        assert again.net == app.plan.net and again.name == app.plan.name
        for i, path in enumerate(again.paths(1), 1):
            was = old.get(path.replace("labs", "science", 1) if path.startswith("labs") else path)
            if was is not None:
                assert (again.net[i], again.plen[i]) == was

    drive(app, script)


def test_title_counts_unsaved_edits_after_undo_and_save(campus: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        assert app.editor is not None
        from v6plan._edit import AddChild

        app.apply(app.editor.propose(AddChild("", "lab", size=56)))
        app.apply(app.editor.propose(AddChild("", "lab2", size=56)))
        await pilot.pause()
        assert "(2 edits not saved)" in app.sub_title
        await pilot.press("u")
        await pilot.pause()
        assert "(1 edit not saved)" in app.sub_title
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "modified" not in app.sub_title and "not saved" not in app.sub_title
        app.apply(app.editor.propose(AddChild("", "lab3", size=56)))
        await pilot.pause()
        assert "(1 edit not saved)" in app.sub_title
        await pilot.press("u")  # back to what is saved
        await pilot.pause()
        assert "modified" not in app.sub_title
        await pilot.press("u")  # past the save: one edit away from the file
        await pilot.pause()
        assert "(1 edit not saved)" in app.sub_title

    drive(app, script)


def test_keys_typed_right_after_e_reach_the_dialog(campus: Path) -> None:
    """A terminal sends ``e`` and the new name in one burst: the keys reach the tree before
    the dialog is up. They must end in the name field, replacing the old name."""
    from textual import events

    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        app.go_to(app.plan.find_path("core"))
        await pilot.pause()
        for ch in "ebackbone":  # queued at once, before any of them is handled
            app.post_message(events.Key(ch, ch))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, EditScreen)
        assert app.screen.query_one("#edit-name", Input).value == "backbone"
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.plan.path(app.selected.index) == "backbone"

    drive(app, script)


def test_cursor_and_open_rows_survive_an_edit_an_undo_and_a_delete(government: Path) -> None:
    app = PlanExplorer(government)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        assert app.editor is not None
        t = tree(app)
        plan = app.plan
        app.go_to(plan.find_path("health/site-3/users/vlan-5"))
        app.go_to(plan.find_path("education/site-2"))
        await pilot.pause()
        opened = t.opened()
        assert len(opened) > 4
        # an edit elsewhere: everything open stays open, the cursor moves to the new node
        from v6plan._edit import AddChild

        app.go_to(plan.find_path("finance"))
        app.apply(app.editor.propose(AddChild("finance", "audit", size=48)))
        await pilot.pause()
        assert app.plan.path(app.selected.index) == "finance/audit-1" or (
            app.plan.path(app.selected.index).startswith("finance/audit")
        )
        assert opened <= t.opened()
        # undo: the added node is gone, the cursor is on the free run it stood in
        await pilot.press("u")
        await pilot.pause()
        assert app.selected is not None and app.selected.kind == "free"
        assert opened <= t.opened()
        # delete: the cursor stays at the deleted node's place, the rows stay open
        app.go_to(app.plan.find_path("health/site-3/users/vlan-5"))
        await pilot.pause()
        where = app.selected
        await pilot.press("d")
        await settle(pilot, app)
        await pilot.press("y")
        await pilot.pause()
        assert app.selected is not None and app.selected.start == where.start
        assert app.plan.name[app.selected.index] != "vlan-5" or app.selected.kind == "free"
        assert {o for o in opened if o[1] != where.start} <= t.opened()

    drive(app, script)


def test_spec_changed_on_disk_offers_save_as(campus: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        assert app.editor is not None
        from v6plan._edit import AddChild

        app.apply(app.editor.propose(AddChild("", "lab", size=56)))
        campus.write_text(campus.read_text() + "# changed by someone else\n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SaveAsScreen)
        why = str(app.screen.query_one("#save-as-why").render())
        assert "changed on disk" in why and "save as" in why and "export yaml" not in why
        path = app.screen.query_one("#save-as-path", Input)
        assert path.value.endswith("campus-edited.yaml")
        path.value = str(campus)  # never over an existing file
        await pilot.press("enter")
        await pilot.pause()
        assert "exists" in str(app.screen.query_one("#save-as-error").render())
        path.value = str(campus.with_name("mine.yaml"))
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SaveAsScreen) and not app.editor.dirty
        again = load_plan(str(campus.with_name("mine.yaml")))
        assert again.net == app.plan.net and campus.with_name("mine.lock.json").exists()
        assert "changed by someone else" in campus.read_text()  # the other edit is kept

    drive(app, script)


def test_preview_shows_the_planners_diff_before_applying(campus: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        assert app.editor is not None
        app.go_to(app.plan.find_path("datacentre"))
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"backup")
        app.screen.query_one("#edit-role", Select).value = "lan"
        app.screen.query_one("#edit-count", Input).value = "2"
        app.screen.query_one("#preview").press()
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        body = str(app.screen.query_one("#confirm-body").render())
        assert "+ 2 added" in body and "datacentre/backup-1  2001:db8:cafe:" in body
        assert "− 0 removed" in body and "none moves" in body
        kept = len(app.plan) - 1
        assert f"= {kept:,} blocks stay where they are" in body
        assert not app.editor.dirty  # nothing applied yet
        await pilot.press("y")
        await pilot.pause()
        assert app.editor.dirty and app.plan.find_path("datacentre/backup-2")
        # a rename: the same blocks under new paths, nothing added or moved
        from v6plan._edit import Rename
        from v6plan.tui.model import plan_diff

        proposal = app.editor.propose(Rename("science", "labs"))
        diff = plan_diff(app.plan, proposal.result.plan)
        assert diff.counts["added"] == diff.counts["removed"] == diff.counts["moved"] == 0
        assert diff.counts["renamed"] > 1 and diff.renamed[0].startswith("science → labs")

    drive(app, script)


def test_quit_with_unsaved_changes_asks(campus: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        assert app.editor is not None
        from v6plan._edit import AddChild

        app.apply(app.editor.propose(AddChild("", "lab", size=56)))
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, UnsavedScreen)
        await pilot.press("c")  # stay
        await pilot.pause()
        assert not isinstance(app.screen, UnsavedScreen) and app.is_running
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("s")  # save and quit
        await pilot.pause()
        assert not app.editor.dirty
        assert "name: lab" in campus.read_text()

    drive(app, script)
    assert app.return_code == 0 or app.return_code is None


def test_read_only_hides_edits(campus: Path, tmp_path: Path) -> None:
    exported = tmp_path / "plan.json"
    subprocess.run(
        [sys.executable, "-m", "v6plan", "export", str(campus), "-f", "json", "-o", str(exported)],
        check=True,
        cwd=ROOT,
    )
    for app in (PlanExplorer(campus, read_only=True), PlanExplorer(exported)):

        async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
            assert app.read_only
            await pilot.press("a", "e", "d", "ctrl+s")
            await pilot.pause()
            assert app.screen is app.screen_stack[0]
            assert "read-only" in app.sub_title
            assert not app.command_available("save")
            footer_keys = {b.binding.key for b in app.active_bindings.values()}
            assert "a" not in footer_keys and "slash" in footer_keys

        drive(app, script)


def test_export_every_format_from_the_ui(campus: Path, tmp_path: Path) -> None:
    from v6plan.export import FORMATS

    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        for name, fmt in sorted(FORMATS.items()):
            await pilot.press("x")
            await pilot.pause()
            assert isinstance(app.screen, ExportScreen)
            app.screen.query_one("#export-format", Select).value = name
            await pilot.pause()
            path = app.screen.query_one("#export-path", Input)
            several = bool(fmt.files and not fmt.target)  # bind, radvd, frr: into a folder
            assert path.value == ("campus-" + name + "/" if several else f"campus.{fmt.extension}")
            target = tmp_path / (f"{name}/" if several else f"out.{fmt.extension}")
            path.value = str(target) + ("/" if several else "")
            app.screen.query_one("#ok").press()
            await settle(pilot, app)
            assert not isinstance(app.screen, ExportScreen)
            where = ["--dir", str(tmp_path / f"cli-{name}")] if several else []
            expected = subprocess.run(
                [sys.executable, "-m", "v6plan", "export", str(campus), "-f", name, *where],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            ).stdout
            if several:
                files = sorted(p.name for p in target.iterdir())
                assert files == sorted(p.name for p in (tmp_path / f"cli-{name}").iterdir())
                for file in files:
                    cli = (tmp_path / f"cli-{name}" / file).read_text()
                    assert (target / file).read_text() == cli, (name, file)
            else:
                assert target.read_text() == expected, name

    drive(app, script)


def test_export_dialog_never_writes_onto_the_spec_or_its_lock(campus: Path, tmp_path: Path) -> None:
    """The export runs in a worker thread, outside the command's inputs: checked explicitly."""
    lock = campus.with_name("campus.lock.json")
    (tmp_path / "sub").mkdir()
    hard = tmp_path / "hard.yaml"
    hard.hardlink_to(campus)
    before = {p: p.read_bytes() for p in (campus, lock)}
    targets = [campus, lock, hard, tmp_path / "sub" / ".." / "campus.yaml"]
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        for target, fmt in [(t, "csv") for t in targets] + [(tmp_path / "zones.txt", "bind")]:
            await pilot.press("x")
            await pilot.pause()
            app.screen.query_one("#export-format", Select).value = fmt
            await pilot.pause()
            app.screen.query_one("#export-path", Input).value = str(target)
            app.screen.query_one("#ok").press()
            await settle(pilot, app)
            assert isinstance(app.screen, ExportScreen), target  # stays open, says why
            status = str(app.screen.query_one("#export-status").render())
            assert "not written" in status, status
            assert ("give a folder" if fmt == "bind" else "refusing to write") in status
            await pilot.press("escape")
            await pilot.pause()

    drive(app, script)
    assert {p: p.read_bytes() for p in (campus, lock)} == before
    assert not (tmp_path / "zones.txt").exists()


def test_export_only_the_selected_node(campus: Path, tmp_path: Path) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        app.go_to(app.plan.find_path("datacentre"))
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#export-format", Select).value = "csv"
        app.screen.query_one("#export-path", Input).value = str(tmp_path / "dc.csv")
        app.screen.query_one("#export-node").value = True
        app.screen.query_one("#ok").press()
        await settle(pilot, app)
        lines = (tmp_path / "dc.csv").read_text().splitlines()
        assert len(lines) == 1 + 1 + 20  # header, datacentre, its 20 LANs
        assert all("datacentre" in line for line in lines[1:])

    drive(app, script)


def screen_text(app: PlanExplorer) -> str:
    """The screen as plain text, the way a terminal shows it."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


SIZES = [(60, 20), (80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_layout_never_cuts_a_prefix_at_any_size(government: Path, size: tuple[int, int]) -> None:
    app = PlanExplorer(government)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        plan = app.plan
        t = tree(app)
        for path in ("health/site-3/users/vlan-5", "education/site-7/servers"):
            app.go_to(plan.find_path(path))
            await pilot.pause()
            shown = screen_text(app)
            first = int(t.scroll_y)
            lines = t._tree_lines[first : first + t.scrollable_content_region.height]
            assert lines
            for line in lines:
                row = line.node.data
                if row is not None and row.kind == "node" and row.index:
                    assert plan.prefix_text(row.index) in shown, (size, row)
                    assert plan.prefix_text(row.index) + "…" not in shown
            # the details pane shows every address whole (never clipped mid-number)
            node = plan.node(plan.find_path(path))
            for text in (plan.prefix_text(node.index), app.view.address(node.prefix.last)):
                assert text in shown, (size, text)
        # stacked below 100 columns, side by side above
        side = app.query_one("#side")
        assert (side.region.x == t.region.x) == (size[0] < 100)
        # the footer keeps help and quit, inside the screen
        from textual.widgets._footer import FooterKey

        keys = {k.action: k for k in app.screen.query(FooterKey)}
        for action in ("help", "quit"):
            assert action in keys and keys[action].region.right <= size[0], (size, action)

    drive(app, script, size=size)


def test_sibling_rows_share_one_column_grid(government: Path) -> None:
    app = PlanExplorer(government)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        t = tree(app)
        node = t.reveal(app.plan.find_path("health/site-3/users"))
        assert node is not None and node.parent is not None
        siblings = [n.data for n in node.parent.children]
        for width in (48, 70, 100):
            grid = t.level_grid(siblings, width)
            texts = [t.row_text(r, width, grid).plain for r in siblings]
            starts = {
                text.index(t.cells(r).prefix) for text, r in zip(texts, siblings, strict=True)
            }
            assert len(starts) == 1, (width, texts)  # the prefix column lines up
            assert all(len(text) <= width for text in texts)
        wide = t.row_text(siblings[0], 100, t.level_grid(siblings, 100)).plain
        assert re.search(r"[█▏▎▍▌▋▊▉·] +\d+\.\d%", wide), wide  # a gap before the %
        assert "container" in wide and "200 of 4,096 /64" in wide

    drive(app, script)


_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-0123456789", min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            _NAMES,
            st.integers(0, (1 << 64) - 1),
            st.integers(16, 64),
            st.sampled_from(["", "lan", "site", "container", "infrastructure"]),
            st.one_of(st.none(), st.floats(0, 100)),
        ),
        min_size=1,
        max_size=20,
    ),
    width=st.integers(20, 140),
)
def test_grid_never_cuts_a_prefix_and_lines_columns_up(
    rows: list[tuple[str, int, int, str, float | None]], width: int
) -> None:
    """Any sibling rows at any width: each prefix whole, at one column, within the width."""
    from v6plan.tui.widgets import Grid, RowCells

    colours = dict.fromkeys(
        ("primary", "secondary", "success", "warning", "error", "muted", "foreground"), "white"
    )
    cells = [
        RowCells("node", name, format_prefix(net << 64, length), role, pct, "1 of 16 /64")
        for name, net, length, role, pct in rows
    ]
    grid = Grid.fit(cells, width)
    longest = max(len(c.prefix) for c in cells)
    texts = [grid.draw(c, colours).plain for c in cells]
    starts = {text.index(c.prefix) for text, c in zip(texts, cells, strict=True)}
    assert len(starts) == 1  # the prefix column lines up
    for text, c in zip(texts, cells, strict=True):
        assert c.prefix in text  # never cut
        if width >= longest + 2:
            assert len(text.rstrip()) <= width
        name = text[: text.index(c.prefix)].rstrip()
        assert name == c.name or "…" in name  # shortened from the middle, never silently
    for text, c in zip(texts, cells, strict=True):
        if grid.percent and c.percent is not None:
            assert re.search(r"[ ·█▏▎▍▌▋▊▉] +\d+\.\d%", text), text  # a gap before the %


def test_names_shorten_from_the_middle() -> None:
    from v6plan.tui.widgets import middle

    assert middle("ministry-of-education", 12) == "ministry-of-education"[:6] + "…" + "ation"
    assert middle("site-1", 12) == "site-1"
    assert len(middle("National Government Network", 10)) == 10


def test_groups_are_named_by_their_name_range(government: Path) -> None:
    app = PlanExplorer(government)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        t = tree(app)
        health = t.reveal(app.plan.find_path("health"))
        assert health is not None
        t.expand_node(health)
        groups = [n.data for n in health.children if n.data.kind == "group"]
        names = [t.cells(g).name for g in groups]
        assert names == ["site-1 … site-16", "site-17 … site-32", "site-33 … site-40"]
        free = t.root.children[-1].data  # after the 25 ministries: a run of several blocks
        blocks = block_count(free.start, free.end)
        assert free.kind == "free" and blocks > 1
        assert t.cells(free).used.endswith(f"free · {blocks} blocks")  # '+N' said in words
        t.focus_node(t.root.children[-1])
        await pilot.pause()
        details = app.query_one("#details-view").text.plain
        assert f"({blocks} CIDR blocks: the run is not one prefix)" in details

    drive(app, script)


# -- colour is never the only signal ---------------------------------------------------------------
def test_states_have_a_glyph_or_word_not_only_a_colour(campus: Path) -> None:
    from v6plan.tui.screens import TickBox
    from v6plan.tui.widgets import _shade

    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        # the map's legend: 75 % and 90 % are different shapes, as on the cells
        assert _shade(0.8) != _shade(0.95) != _shade(0.5)
        await pilot.press("3")
        legend = app.query_one(NibbleMap).render().plain
        assert "▓▓ ≥75%" in legend and "██ ≥90%" in legend and "▚▚ reserved" in legend
        # a reserve row has its glyph at every width, free rows theirs
        app.go_to(app.plan.find_path("future"))
        await pilot.press("1")
        await pilot.pause()
        assert "▚ future" in screen_text(app)
        assert "· free" in screen_text(app)
        # the export checkbox: ✓ or blank, whatever the colours
        await pilot.press("x")
        await pilot.pause()
        box = app.screen.query_one("#export-node", TickBox)
        assert "✓" not in str(box.render())
        box.value = True
        await pilot.pause()
        assert "✓" in str(box.render())

    drive(app, script)


# -- focus and the context footer -------------------------------------------------------------------
def test_focus_is_visible_and_the_footer_follows_it(campus: Path) -> None:
    from textual.widgets._footer import FooterKey

    app = PlanExplorer(campus)

    def footer() -> set[str]:
        return {k.action for k in app.screen.query(FooterKey)}

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        t, side = tree(app), app.query_one("#side")
        assert t.border_title == "plan" and side.border_title == app.plan.title
        assert t.styles.border_top[0] == "heavy" and side.styles.border_top[0] == "round"
        assert "search" in footer() and "choose" not in footer()
        await pilot.press("3")
        await pilot.pause()
        assert app.focused is app.query_one(NibbleMap)
        assert t.styles.border_top[0] == "round" and side.styles.border_top[0] == "heavy"
        assert {"choose", "app.close_search", "move(0, -1)"} <= footer()
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is t and "choose" not in footer()
        # the map's arrows and the table's pages work from the tree
        nibble = app.query_one(NibbleMap)
        before = nibble.cursor
        await pilot.press("shift+down", "shift+right")
        assert nibble.cursor == before + 17 and app.focused is t
        app.go_to(app.plan.find_path("datacentre"))
        await pilot.press("right_square_bracket")
        table = app.query_one(ChildrenTable)
        assert app.active_tab == "children" and app.focused is t
        assert table.page == min(1, table.pages - 1)

    drive(app, script)


# -- the map ----------------------------------------------------------------------------------------
def test_map_covers_the_whole_node_at_any_length() -> None:
    plan = load_plan(str(EXAMPLES / "operator-29.yaml"))
    view = PlanView(plan)
    lo, hi = view.span(0)
    assert plan.plen[0] == 29
    cells = view.nibble_map(0)
    assert len(cells) == 128 and cells[0].start == lo and cells[-1].start + (1 << 92) == hi
    assert {c.length for c in cells} == {36}
    assert all(a.start + (1 << 92) == b.start for a, b in itertools.pairwise(cells))
    from v6plan._build import build
    from v6plan._lock import Lock
    from v6plan._spec import parse_spec

    for length, cells_, cell_len in (
        (48, 256, 56),
        (49, 128, 56),
        (50, 64, 56),
        (51, 32, 56),
        (60, 16, 64),
    ):
        spec = f"plan: M\nprefix: 2001:db8::/{length}\nchildren:\n  - {{name: a, role: lan}}\n"
        small = build(parse_spec(spec, "m.yaml"), Lock()).plan
        got = PlanView(small).nibble_map(0)
        assert (len(got), got[0].length) == (cells_, cell_len), length
        assert got[0].start == small.net[0]  # from the node's first address to its last
        assert got[-1].start + (1 << (128 - cell_len)) == small.net[0] + (1 << (128 - length))


def test_map_cells_say_what_they_hold_and_leaves_are_neutral(government: Path) -> None:
    app = PlanExplorer(government)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        plan = app.plan
        app.go_to(plan.find_path("health/site-3/users"))
        await pilot.press("3")
        await pilot.pause()
        nibble = app.query_one(NibbleMap)
        assert len(nibble.cells) == 256 and nibble.cells[0].length == 60
        first = nibble.cells[0]
        assert app.view.cell_text(first) == "16 LANs vlan-1…16"
        assert "16 LANs vlan-1…16" in nibble.render().plain
        first_row = nibble.render().plain.splitlines()[2]
        assert first_row.rstrip().endswith("vlan-1…200")  # each row names what it holds
        colours = tree(app).colours()
        glyph, colour = nibble._glyph(first, colours)  # a packed /60 of LANs: neutral
        assert glyph == "▐▌" and colour not in (colours["error"], colours["warning"])
        # a /64 LAN has no map: its addresses are hosts, not blocks
        app.go_to(plan.find_path("health/site-3/users/vlan-5"))
        await pilot.press("3")
        await pilot.pause()
        assert nibble.cells == [] and "one subnet" in nibble.render().plain

    drive(app, script)


def test_minor_dialog_details(government: Path) -> None:
    """The role list opens inside the add dialog; a fixed field clears the planner's old
    error; help says how to close it; a container's role is not said twice."""
    from textual.widgets._select import SelectOverlay

    app = PlanExplorer(government)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        app.go_to(app.plan.find_path("health/site-3/users"))
        await pilot.pause()
        details = app.query_one("#details-view").text.plain
        assert "role    container\n" in details and "(container)" not in details
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, EditScreen)
        await pilot.press(*"huge")
        screen.query_one("#edit-size", Input).value = "/44"
        screen.submit()
        await settle(pilot, app)
        error = screen.query_one("#edit-error")
        assert "does not fit" in str(error.render())
        screen.query_one("#edit-size", Input).value = "/56"  # fixed: the old error goes
        await pilot.pause()
        assert str(error.render()).strip() == ""
        select = screen.query_one("#edit-role", Select)
        select.expanded = True
        await pilot.pause()
        overlay = select.query_one(SelectOverlay)
        box = screen.query_one("#edit-box").region
        assert overlay.region.height > 2
        assert box.contains_region(overlay.region), (overlay.region, box)
        await pilot.press("escape", "escape")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        title = str(app.screen.query_one(".dialog-title").render())
        assert "esc closes" in title

    drive(app, script, size=(80, 24))


# -- terminal sizes and themes ------------------------------------------------------------------
@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_works_at_80x24_on_dark_and_light(campus: Path, theme: str) -> None:
    app = PlanExplorer(campus)

    async def script(pilot: Pilot[None], app: PlanExplorer) -> None:
        app.theme = theme
        await pilot.pause()
        t = tree(app)
        side = app.query_one("#side")
        # below 100 columns the panes are stacked, each the whole width
        assert t.region.width == side.region.width == 80
        assert side.region.y >= t.region.bottom and t.region.height >= 8
        # every tree row fits the tree: no sideways scrolling
        assert t.virtual_size.width <= t.region.width
        await pilot.press("down", "down", "3")
        nibble = app.query_one(NibbleMap)
        assert app.focused is nibble  # the map's keys work at once
        assert side.region.height > t.region.height  # the focused side pane grows
        assert nibble.region.height >= 16
        # colours come from the theme: dark and light give different, readable colours
        colours = t.colours()
        from textual.color import Color

        background = Color.parse(app.theme_variables["background"])
        for key in ("primary", "success", "warning", "error", "muted"):
            contrast = abs(Color.parse(colours[key]).brightness - background.brightness)
            assert contrast > 0.25, (theme, key, colours[key])

    drive(app, script, size=(80, 24))


def test_python_m_and_launcher_reach_the_same_app() -> None:
    for command in (
        [sys.executable, "-m", "v6plan.tui", "--help"],
        [sys.executable, str(ROOT / "tui.py"), "--help"],
        [sys.executable, "-m", "v6plan", "tui", "--help"],
    ):
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0
        assert "--read-only" in result.stdout and "--keymap" in result.stdout


def test_bad_spec_fails_before_the_ui_with_the_cli_message(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "plan: x\nprefix: 2001:db8::/48\nchildren:\n  - {name: a, role: lan, siez: /64}\n"
    )
    for command in (
        [sys.executable, "-m", "v6plan", "tui", str(spec)],
        [sys.executable, str(ROOT / "tui.py"), str(spec)],
    ):
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert result.returncode == 2
        assert f"{spec}:4:26: unknown key 'siez' in node — did you mean 'size'?" in result.stderr
        assert "Traceback" not in result.stderr


def test_cli_help_does_not_import_textual() -> None:
    code = (
        "import sys\nfrom v6plan.cli import main\n"
        "try:\n    main(['tui', '--help'])\nexcept SystemExit:\n    pass\n"
        "try:\n    main(['serve', '--help'])\nexcept SystemExit:\n    pass\n"
        "import v6plan._edit\n"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_editor_and_app_agree_on_the_plan(campus: Path) -> None:
    editor = SpecEditor(campus)
    app = PlanExplorer(editor=editor)
    assert app.plan is editor.plan and not app.read_only
