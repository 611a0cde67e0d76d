"""The real explorer in real terminals: tmux types into it, and a browser loads `v6plan serve`."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _support import need_program
from _support.browser import chromium, devtools, evaluate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def campus(tmp_path: Path) -> Path:
    for suffix in (".yaml", ".lock.json"):
        shutil.copy(EXAMPLES / f"campus{suffix}", tmp_path / f"campus{suffix}")
    return tmp_path / "campus.yaml"


def wait_for(what: Callable[[], str], test: Callable[[str], bool], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        last = what()
        if test(last):
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out; last screen:\n{last}")


# -- tmux ----------------------------------------------------------------------------------------
@pytest.fixture
def tmux() -> Iterator[Callable[..., str]]:
    """A private tmux server (its own socket); killed at the end, whatever happens."""
    need_program("tmux")
    name = f"v6plan-tui-test-{os.getpid()}"

    def run(*args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", name, *args], capture_output=True, text=True, timeout=30
        )
        return result.stdout

    folder = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
    try:
        yield run
    finally:
        subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True, timeout=30)
        for leftover in (folder / name, folder / f"{name}.lock"):
            leftover.unlink(missing_ok=True)


def test_the_real_app_in_tmux(tmux: Callable[..., str], campus: Path) -> None:
    command = f"TERM=xterm-256color {sys.executable} {ROOT / 'tui.py'} {campus}"
    tmux("new-session", "-d", "-s", "tui", "-x", "100", "-y", "30", command)
    screen = lambda: tmux("capture-pane", "-p", "-t", "tui")  # noqa: E731
    wait_for(screen, lambda s: "Example University Campus" in s and "cafe:1000::/52" in s)
    # search for an address: the tree opens down to its LAN and the details show it
    tmux("send-keys", "-t", "tui", "/")
    wait_for(screen, lambda s: "name, path, prefix or address" in s)
    tmux("send-keys", "-t", "tui", "-l", "2001:db8:cafe:8011::42")
    tmux("send-keys", "-t", "tui", "Enter")
    text = wait_for(screen, lambda s: "library/floor-2/students" in s)
    assert "2001:db8:cafe:8011::/64" in text
    # the map tab: a /64 LAN has none (hosts, not blocks); its floor's map names the LANs
    tmux("send-keys", "-t", "tui", "3")
    wait_for(screen, lambda s: "is one subnet" in s)
    tmux("send-keys", "-t", "tui", "Escape")  # the map had the focus: back to the tree
    wait_for(screen, lambda s: "┏━ plan" in s)  # its heavy border (and the escape parsed)
    tmux("send-keys", "-t", "tui", "Left")  # the floor
    wait_for(screen, lambda s: "16 × /64" in s and "· staff (lan)" in s)
    # add a LAN under the datacentre and save
    tmux("send-keys", "-t", "tui", "1")
    wait_for(screen, lambda s: "first   2001:db8:cafe:8010::" in s)  # the details again
    tmux("send-keys", "-t", "tui", "/")
    wait_for(screen, lambda s: "name, path, prefix or address" in s)
    tmux("send-keys", "-t", "tui", "-l", "datacentre")
    tmux("send-keys", "-t", "tui", "Enter")
    wait_for(screen, lambda s: "4,096 /64" in s)  # the details of datacentre (a /52)
    tmux("send-keys", "-t", "tui", "a")
    wait_for(screen, lambda s: "Add a child under datacentre" in s)
    tmux("send-keys", "-t", "tui", "-l", "backup")
    tmux("send-keys", "-t", "tui", "Enter")
    # no size: the planner's own message appears in the dialog, nothing changes
    wait_for(screen, lambda s: "cannot tell how big 'backup' is" in s)
    tmux("send-keys", "-t", "tui", "Tab", "Tab")  # past the role, to the size
    tmux("send-keys", "-t", "tui", "-l", "/64")
    tmux("send-keys", "-t", "tui", "Enter")
    wait_for(screen, lambda s: "modified" in s)
    tmux("send-keys", "-t", "tui", "C-s")
    # the edit's own toast says "not saved yet", so wait for the file and the title, not a word
    wait_for(campus.read_text, lambda s: "{name: backup, size: /64}" in s)
    wait_for(screen, lambda s: "modified" not in s)
    # quit: the process ends and tmux closes the session
    tmux("send-keys", "-t", "tui", "q")
    wait_for(lambda: tmux("list-sessions"), lambda s: "tui:" not in s)


# -- the browser ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def browse(url: str, shot: Path) -> dict[str, object]:
    """Load ``url`` in headless Chromium (DevTools protocol): wait for the app, press q."""
    with chromium() as browser:
        async with devtools(browser, url) as call:

            async def body_class() -> str:
                return str(await evaluate(call, "document.body.className") or "")

            state: dict[str, object] = {}
            for _ in range(120):
                if "-first-byte" in await body_class():
                    break
                await asyncio.sleep(0.25)
            state["drawn"] = "-first-byte" in await body_class()
            await asyncio.sleep(1.0)  # let the first frames land
            picture = await call("Page.captureScreenshot", format="png")
            shot.write_bytes(base64.b64decode(picture["result"]["data"]))
            # a key pressed in the page reaches the app: q quits it, the page says so
            await call(
                "Runtime.evaluate",
                expression="document.querySelector('.xterm-helper-textarea').focus()",
            )
            for kind in ("keyDown", "keyUp"):
                await call(
                    "Input.dispatchKeyEvent",
                    type=kind,
                    key="q",
                    code="KeyQ",
                    text="q" if kind == "keyDown" else "",
                    windowsVirtualKeyCode=81,
                )
            for _ in range(80):
                if "-closed" in await body_class():
                    break
                await asyncio.sleep(0.25)
            state["closed"] = "-closed" in await body_class()
            return state


def test_serve_in_headless_chromium(campus: Path, tmp_path: Path) -> None:
    need_program("chromium")
    pytest.importorskip("aiohttp")
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "v6plan", "serve", str(campus), "--port", str(port),
             "--read-only"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )  # fmt: skip
    try:
        url = f"http://localhost:{port}/"

        def page() -> str:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    return str(response.read().decode())
            except OSError:
                return ""

        html = wait_for(page, lambda s: "textual.js" in s)
        assert f"localhost:{port}" in html  # served on localhost, as the default says
        shot = tmp_path / "browser.png"
        state = asyncio.run(browse(url, shot))
        assert state["drawn"], "the page never received the app's first frame"
        assert shot.stat().st_size > 10_000  # a real picture of the app, not a blank page
        assert state["closed"], "pressing q in the browser did not reach the app"
        assert "/ws?" in log.read_text()  # the page opened its websocket to the app
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def test_serve_binds_localhost_by_default() -> None:
    from v6plan.cli import build_parser

    args = build_parser().parse_args(["serve", "x.yaml"])
    assert args.host == "localhost" and args.port == 8000


def test_serve_rejects_a_bad_plan_before_listening(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("plan: x\n")
    result = subprocess.run(
        [sys.executable, "-m", "v6plan", "serve", str(spec), "--port", str(free_port())],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{spec}:1:1: the spec has no 'prefix'" in result.stderr
