#!/usr/bin/env python3
"""Redraw the classroom pictures in docs/img: the dashboard (PNG, headless Chromium) and
``v6lab classroom watch`` (SVG, Textual) of a 30-trainee class half-way through
04-lan-addressing.

Run from the repository root: ``.venv/bin/python docs/img/make_classroom_screenshots.py``.
The trainees are the real command line on the simulator; their work is stood in for by
``v6lab solve`` (the reference or a known-bad solution), run with the instructor's secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).resolve().parent
LAB = "04-lan-addressing"
#: what each of the first 20 trainees did (the other 10 have sent nothing yet)
WORK = (
    ["solve"] * 8
    + ["broken1"] * 3
    + ["broken2"] * 3
    + ["broken3"] * 2
    + ["none"] * 2
    + ["broken5"] * 2
)


def v6lab(*argv: object) -> int:
    from v6plan.lab.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main([str(a) for a in argv])


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="v6lab-shots-"))
    os.environ.update(V6LAB_STATE_DIR=str(tmp / "state"), V6LAB_LANG="en")
    cls = tmp / "class"
    roster = ROOT / "tests" / "data" / "instructor" / "roster-30.csv"
    assert v6lab("variants", LAB, "--roster", roster, "--seed", "ipv6-2026", "--out", cls) == 0
    server = subprocess.Popen(
        [sys.executable, "-m", "v6plan.lab.cli", "classroom", "serve", str(cls), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        text = ""
        while "dashboard" not in text:
            text += server.stdout.readline()
        found = re.search(r"(http://\S+?)/\?key=([0-9a-f]+)", text)
        assert found
        url, key = found.groups()
        ids = [line.split(",")[1] for line in roster.read_text().splitlines()[1:]]
        secret = str(cls / "instructor" / "secret.key")
        for tid, how in zip(ids, WORK, strict=False):
            v6lab("start", LAB, "--variant", cls / "trainees" / tid / f"{LAB}.variant.yaml")
            v6lab("check", "--submit", url)  # a first look: nothing done yet
            for _ in range(
                ("none", "broken2", "broken5").index(how) + 1
                if how in ("none", "broken2", "broken5")
                else 0
            ):
                v6lab("hint")
            os.environ["V6LAB_INSTRUCTOR_SECRET"] = secret
            if how == "solve":
                v6lab("solve")
            elif how.startswith("broken"):
                v6lab("solve", "--broken", how.removeprefix("broken"))
            del os.environ["V6LAB_INSTRUCTOR_SECRET"]
            v6lab("check", "--submit", url)
            v6lab("stop")
        dashboard(f"{url}/?key={key}", OUT / "classroom-dashboard.png")
        watch(cls)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


def dashboard(url: str, png: Path) -> None:
    """The page in headless Chromium (DevTools protocol), once its script drew the grid."""
    if shutil.which("chromium") is None:
        print("no chromium: the dashboard PNG is not redrawn")
        return
    sys.path.insert(0, str(ROOT / "tests"))
    import base64

    from _support.browser import chromium, devtools, evaluate

    async def shoot() -> None:
        with chromium("--hide-scrollbars", "--window-size=1500,1000") as browser:
            async with devtools(browser, url) as call:
                for _ in range(120):
                    if "live" in str(
                        await evaluate(call, "document.getElementById('status')?.textContent")
                    ):
                        break
                    await asyncio.sleep(0.25)
                picture = await call("Page.captureScreenshot", format="png")
                png.write_bytes(base64.b64decode(picture["result"]["data"]))

    asyncio.run(shoot())
    print(f"wrote {png}")


def watch(cls: Path) -> None:
    """``v6lab classroom watch`` as an SVG (Textual's own screenshot)."""
    from v6plan.lab.instructor._grading import load_keys
    from v6plan.lab.instructor.classroom._watch import ClassroomWatch

    async def draw() -> str:
        app = ClassroomWatch(load_keys(cls / "instructor"), cls / "instructor" / "classroom.sqlite")
        async with app.run_test(size=(150, 38)) as pilot:
            await pilot.pause(0.5)
            return app.export_screenshot(title="v6lab classroom watch")

    svg = OUT / "classroom-watch.svg"
    svg.write_text(asyncio.run(draw()))
    print(f"wrote {svg}")


if __name__ == "__main__":
    main()
