#!/usr/bin/env python3
"""Redraw the plan explorer screenshots in docs/img (SVG, plus PNG when Chromium is here).

Run from the repository root: ``python docs/img/make_tui_screenshots.py``.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from v6plan._edit import SpecEditor  # noqa: E402
from v6plan.tui.app import PlanExplorer  # noqa: E402

OUT = Path(__file__).resolve().parent

VIEWS = [
    # name, example, size, theme, steps
    ("tui-tree-details", "government", (120, 34), "textual-dark", ["go:health/site-3/users"]),
    ("tui-nibble-map", "campus", (100, 30), "textual-light", ["3"]),
    ("tui-children", "government", (120, 34), "textual-dark", ["go:health/site-3/users", "2"]),
    ("tui-search", "government", (120, 34), "textual-dark", ["find:3fff:100:102:2064::17"]),
    ("tui-edit-error", "campus", (100, 30), "textual-dark",
     ["go:datacentre", "a", "type:backup", "submit"]),
    ("tui-80x24", "campus", (80, 24), "textual-dark", ["go:library/floor-2"]),
    ("tui-60x20", "government", (60, 20), "textual-dark", ["go:health/site-3/users/vlan-5"]),
    ("tui-no-color", "campus", (80, 24), "textual-dark", ["no-color", "go:future"]),
    ("tui-edit-preview", "campus", (100, 30), "textual-dark",
     ["go:datacentre", "a", "type:backup", "set:#edit-size=/64", "set:#edit-count=2", "preview"]),
    ("tui-map-29", "operator-29", (120, 34), "textual-dark", ["3"]),
]  # fmt: skip


async def draw(example: str, size: tuple[int, int], theme: str, steps: list[str]) -> str:
    os.chdir(ROOT)  # relative paths in the pictures (messages name the spec file)
    if "no-color" in steps:
        os.environ["NO_COLOR"] = "1"  # Textual reads it (and drops it) when the app is made
    app = PlanExplorer(editor=SpecEditor(f"examples/{example}.yaml"))
    os.environ.pop("NO_COLOR", None)
    async with app.run_test(size=size) as pilot:
        app.animation_level = "none"
        app.theme = theme
        while app.findings is None:
            await asyncio.sleep(0.05)
        app.refresh_panes()
        for step in steps:
            if step.startswith("go:"):
                app.go_to(app.plan.find_path(step[3:]))
            elif step.startswith("find:"):
                app.find(step[5:])
            elif step.startswith("type:"):
                await pilot.press(*step[5:])
            elif step == "no-color":
                continue
            elif step.startswith("set:"):
                selector, _, value = step[4:].partition("=")
                app.screen.query_one(selector).value = value  # type: ignore[attr-defined]
            elif step in ("submit", "preview"):
                app.screen.submit(preview=step == "preview")  # type: ignore[attr-defined]
                for _ in range(200):
                    await asyncio.sleep(0.02)
                    await pilot.pause()
                    if not app.busy:
                        break
            else:
                await pilot.press(step)
            await pilot.pause()
        if not any(s.startswith("find:") for s in steps):
            app.clear_notifications()
        await pilot.pause(0.3)
        return app.export_screenshot(title="v6plan tui")


def to_png(svg: Path, png: Path) -> bool:
    chromium = shutil.which("chromium")
    if chromium is None:
        return False
    head = svg.read_text()[:2000]
    box = re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', head)
    if box is None:
        return False
    width, height = (int(float(v)) + 2 for v in box.groups())
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars",
             f"--window-size={width},{height}", f"--screenshot={png}", svg.as_uri()],
            capture_output=True,
            timeout=120,
        )  # fmt: skip
    return png.exists()


def main() -> int:
    for name, example, size, theme, steps in VIEWS:
        svg = OUT / f"{name}.svg"
        svg.write_text(asyncio.run(draw(example, size, theme, steps)), encoding="utf-8")
        made = to_png(svg, OUT / f"{name}.png")
        print(f"{svg.relative_to(ROOT)}{' + .png' if made else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
