"""SVG snapshots of the explorer's main views (our own fixture on App.export_screenshot).

The SVGs live in tests/data/tui/. After a deliberate change to what the explorer draws,
regenerate them with ``V6PLAN_UPDATE_SNAPSHOTS=1 pytest tests/test_tui_snapshots.py``
and look at them (they open in any browser) before committing. Cursor blink and
animations are off and the lint worker is awaited, so the pictures are stable.
"""

from __future__ import annotations

import asyncio
import difflib
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

pytest.importorskip("textual")

from textual.widgets import Input

from v6plan._edit import SpecEditor
from v6plan.tui.app import PlanExplorer

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "tests" / "data" / "tui"
UPDATE = os.environ.get("V6PLAN_UPDATE_SNAPSHOTS", "") not in ("", "0")


def take(
    example: str,
    size: tuple[int, int],
    steps: Sequence[str],
    theme: str = "textual-dark",
    *,
    no_color: bool = False,
) -> str:
    """Open an example, run the steps (keys, or ``go:PATH``), return the screen as SVG.

    ``no_color``: as with ``NO_COLOR=1`` in the environment (Textual reads it, and drops
    it, when the app is made): every state must still be told by a glyph or a word.
    """
    editor = SpecEditor(ROOT / "examples" / f"{example}.yaml")
    # the help names the keymap file: the same text whatever $HOME is
    os.environ["V6PLAN_KEYMAP"] = "~/.config/v6plan/keymap.toml"
    if no_color:
        os.environ["NO_COLOR"] = "1"
    try:
        app = PlanExplorer(editor=editor)
    finally:
        os.environ.pop("NO_COLOR", None)
    assert app.no_color == no_color
    app.source = f"examples/{example}.yaml"  # the same text wherever the checkout lives
    svg = ""

    async def run() -> None:
        nonlocal svg
        async with app.run_test(size=size) as pilot:
            app.animation_level = "none"
            app.theme = theme
            # the lint worker: its result is part of the picture (a loaded 2-core CI
            # machine can take seconds for the government plan's million nodes)
            for _ in range(3000):
                if app.findings is not None:
                    break
                await asyncio.sleep(0.02)
                await pilot.pause()
            app.refresh_panes()
            for step in steps:
                if step.startswith("go:"):
                    app.go_to(app.plan.find_path(step[3:]))
                elif step.startswith("type:"):
                    await pilot.press(*step[5:])
                else:
                    await pilot.press(step)
                await pilot.pause()
                for widget in app.screen.query(Input):
                    widget.cursor_blink = False
            await app.workers.wait_for_complete()  # a page of the table, a map: all drawn
            app.clear_notifications()
            await pilot.pause()
            await pilot.pause()
            svg = app.export_screenshot(title="v6plan")

    try:
        asyncio.run(run())
    finally:
        os.environ.pop("V6PLAN_KEYMAP", None)
    return svg


def check(name: str, svg: str) -> None:
    path = SNAPSHOTS / f"{name}.svg"
    if UPDATE:
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        path.write_text(svg, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path}; create it with V6PLAN_UPDATE_SNAPSHOTS=1")
    want = path.read_text(encoding="utf-8")
    if svg != want:
        got = path.with_suffix(".actual.svg")
        got.write_text(svg, encoding="utf-8")
        text = lambda s: re.findall(r">([^<>]+)</text>", s)  # noqa: E731
        diff = "\n".join(list(difflib.unified_diff(text(want), text(svg), lineterm="", n=1))[:40])
        pytest.fail(f"{name}: the screen differs from {path} (see {got}):\n{diff}")


def test_snapshot_main_view_dark() -> None:
    check("campus-main-dark", take("campus", (100, 30), ["go:library/floor-2"]))


def test_snapshot_80x24_light_with_nibble_map() -> None:
    check(
        "campus-map-light-80x24",
        take("campus", (80, 24), ["3"], theme="textual-light"),
    )


def test_snapshot_children_table_paged() -> None:
    check(
        "government-children",
        take("government", (110, 32), ["go:health/site-3/users", "2"]),
    )


def test_snapshot_help_screen() -> None:
    check("campus-help", take("campus", (100, 34), ["question_mark"]))


def test_snapshot_add_child_dialog() -> None:
    check(
        "campus-add-child",
        take("campus", (90, 28), ["go:library/floor-2", "a", "type:cams"]),
    )


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_tree_and_details_at_each_size(size: tuple[int, int]) -> None:
    check(
        f"government-tree-{size[0]}x{size[1]}",
        take("government", size, ["go:health/site-3/users/vlan-5"]),
    )


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_no_color_at_each_size(size: tuple[int, int]) -> None:
    """NO_COLOR=1: reserves (▚), free runs (·), focus (heavy border) still show."""
    check(
        f"campus-no-color-{size[0]}x{size[1]}",
        take("campus", size, ["go:future"], no_color=True),
    )


def test_snapshot_no_color_map_and_legend() -> None:
    check("campus-map-no-color-120x40", take("campus", (120, 40), ["3"], no_color=True))


def test_snapshot_no_color_export_checkbox_ticked() -> None:
    check(
        "campus-export-no-color",
        take("campus", (100, 30), ["go:datacentre", "x", "tab", "tab", "space"], no_color=True),
    )


def test_snapshot_map_of_a_29_covers_it_all() -> None:
    check("operator-29-map-120x40", take("operator-29", (120, 40), ["3"]))


def test_snapshot_map_names_a_block_of_lans() -> None:
    check(
        "government-map-users-80x24",
        take("government", (80, 24), ["go:health/site-3/users", "3"]),
    )


def test_snapshots_are_stable_between_runs() -> None:
    """The fixture is deterministic: two runs draw the same SVG (otherwise it is useless)."""
    first = take("campus", (80, 24), ["down", "down"])
    second = take("campus", (80, 24), ["down", "down"])
    assert first == second
    assert "2001:db8:cafe::/56" in first.replace("&#160;", " ")
