"""Headless Chromium driven over the DevTools protocol, and the processes a server started.

:func:`chromium` starts a browser in its own process group (so a test can kill it with -9
the way a crash or a closed laptop does); :func:`open_app` loads a served page in it,
records every URL the page asked for (HTTP and websocket) and waits for the app's first
frame. :func:`children` and :func:`alive` find processes by their parent's PID and their
start time — never by name, and never a PID some other process took since.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .env import need_program

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--window-size=1200,800",
]


@dataclass
class Browser:
    process: subprocess.Popen[str]
    devtools: int

    def kill(self) -> None:
        """SIGKILL the whole browser (its own process group): no goodbye to any server."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@contextmanager
def chromium(*flags: str) -> Iterator[Browser]:
    need_program("chromium")
    profile = tempfile.mkdtemp(prefix="v6plan-chromium-")
    process = subprocess.Popen(
        ["chromium", *FLAGS, *flags, f"--user-data-dir={profile}", "about:blank"],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    browser = Browser(process, 0)
    try:
        assert process.stderr is not None
        for line in process.stderr:
            found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if found:
                browser.devtools = int(found.group(1))
                break
        assert browser.devtools, "chromium did not start its DevTools endpoint"
        yield browser
    finally:
        browser.kill()
        shutil.rmtree(profile, ignore_errors=True)


@dataclass
class Page:
    urls: list[str] = field(default_factory=list)
    drawn: bool = False
    fonts: list[str] = field(default_factory=list)  # font faces loaded by the page


Call = Callable[..., Awaitable[dict[str, Any]]]


@asynccontextmanager
async def devtools(
    browser: Browser, url: str, urls: list[str] | None = None
) -> AsyncIterator[Call]:
    """A new tab on ``url`` (``about:blank`` to navigate later) and ``call(method, **params)``
    on it over the DevTools protocol; every URL the tab asks for (HTTP and websocket) is
    appended to ``urls`` once ``Network.enable`` was called. Closing it closes only the
    DevTools connection: the tab, and a served app behind it, keep running."""
    import aiohttp

    base = f"http://127.0.0.1:{browser.devtools}"
    async with aiohttp.ClientSession() as session:
        async with session.put(f"{base}/json/new?{url}") as response:
            target = await response.json()
        async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            counter = 0

            async def call(method: str, **params: object) -> dict[str, Any]:
                nonlocal counter
                counter += 1
                await ws.send_json({"id": counter, "method": method, "params": params})
                while True:
                    message = await ws.receive_json(timeout=60)
                    event = message.get("params", {})
                    if urls is not None and message.get("method") == "Network.requestWillBeSent":
                        urls.append(event["request"]["url"])
                    elif urls is not None and message.get("method") == "Network.webSocketCreated":
                        urls.append(event["url"])
                    if message.get("id") == counter:
                        return message  # type: ignore[no-any-return]

            yield call


async def evaluate(call: Call, expression: str) -> object:
    """The value of a JavaScript expression in the tab."""
    answer = await call("Runtime.evaluate", expression=expression, returnByValue=True)
    return answer["result"]["result"].get("value")


async def open_app(browser: Browser, url: str, timeout: float = 30) -> Page:
    """Load ``url`` in a new tab; return once the app drew (or ``timeout`` passed).

    The tab stays open (only the DevTools connection closes): its app keeps running."""
    page = Page()
    async with devtools(browser, "about:blank", page.urls) as call:
        await call("Network.enable")  # before navigating: the first request is recorded
        await call("Page.navigate", url=url)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if "-first-byte" in str(await evaluate(call, "document.body?.className ?? ''")):
                page.drawn = True
                break
            await asyncio.sleep(0.25)
        faces = await evaluate(
            call,
            "[...document.fonts].filter(f => f.status === 'loaded')"
            ".map(f => f.family + ' ' + f.style)",
        )
        page.fonts = [str(face) for face in faces] if isinstance(faces, list) else []
        await asyncio.sleep(0.5)  # the last events of the load
        await call("Runtime.evaluate", expression="1")
    return page


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the state on


def children(parent: int) -> list[tuple[int, str]]:
    """(PID, start time) of every live process whose parent is ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or (fields := _stat(int(entry.name))) is None:
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append((int(entry.name), fields[19]))
    return found


def alive(process: tuple[int, str]) -> bool:
    """Still running: the same PID with the same start time, and not a zombie."""
    fields = _stat(process[0])
    return fields is not None and fields[19] == process[1] and fields[0] != "Z"


def end(processes: list[tuple[int, str]]) -> None:
    """Clean-up after a failed test: SIGKILL those still alive (by PID and start time)."""
    for process in processes:
        if alive(process):
            os.kill(process[0], signal.SIGKILL)
