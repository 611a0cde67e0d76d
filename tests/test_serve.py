"""`v6plan serve` in a classroom: URLs a trainee's browser can use, every asset from the
server (the room is often offline), and no app process left once its tab or the server goes.

The browser tests run headless Chromium with the internet replaced by a black hole (a proxy
that accepts connections and never answers: a room whose network has no uplink).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from _support import ROOT
from _support.browser import Browser, alive, children, chromium, end, open_app

EXAMPLES = ROOT / "examples"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def until(test: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test():
            return True
        time.sleep(0.1)
    return test()


def get(url: str, host: str | None = None) -> str:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.read().decode())


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    seen: list[tuple[int, str]] = field(default_factory=list)  # every app found: cleaned up

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}/"

    def apps(self) -> list[tuple[int, str]]:
        """The app processes this server started (its children), by PID and start time."""
        found = children(self.process.pid)
        self.seen.extend(p for p in found if p not in self.seen)
        return found


@pytest.fixture
def campus(tmp_path: Path) -> Path:
    for suffix in (".yaml", ".lock.json"):
        (tmp_path / f"campus{suffix}").write_bytes((EXAMPLES / f"campus{suffix}").read_bytes())
    return tmp_path / "campus.yaml"


@pytest.fixture
def serve(campus: Path, tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start `v6plan serve` (read-only, localhost); every server and app it started ends."""
    started: list[Served] = []

    def start(*extra: str) -> Served:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "v6plan", "serve", str(campus), "--port", str(port),
                 "--read-only", *extra],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                start_new_session=True,
            )  # fmt: skip
        served = Served(process, port, log)
        started.append(served)

        def up() -> bool:
            try:
                return "textual.js" in get(served.url)
            except OSError:
                return False

        assert until(up, 30), log.read_text()
        return served

    try:
        yield start
    finally:
        for served in started:
            served.apps()  # the last look, while they are still its children
            if served.process.poll() is None:
                os.killpg(served.process.pid, signal.SIGKILL)
            served.process.wait(timeout=30)
            end(served.seen)


@pytest.fixture
def black_hole() -> Iterator[tuple[int, list[str]]]:
    """A proxy that accepts every connection and never answers: the internet, offline."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    asked: list[str] = []
    stop = threading.Event()

    def hold() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(1)
            try:
                asked.append(connection.recv(200).decode(errors="replace").split("\r\n")[0])
            except OSError:
                asked.append("(nothing said)")
            held.append(connection)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1]), asked
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        listener.close()


def offline_browser(proxy: int) -> AbstractContextManager[Browser]:
    """Chromium whose only way out is the black hole; localhost is reached directly."""
    return chromium(f"--proxy-server=http://127.0.0.1:{proxy}")


# -- URLs ---------------------------------------------------------------------------------------
def test_the_page_points_where_the_browser_asked(serve: Callable[..., Served]) -> None:
    """A page fetched as http://lab-pc:PORT/ opens ws://lab-pc:PORT/ws, not the bind address."""
    served = serve()
    page = get(served.url, host=f"lab-pc:{served.port}")
    assert f'data-session-websocket-url="ws://lab-pc:{served.port}/ws"' in page
    assert f'src="http://lab-pc:{served.port}/static/js/textual.js"' in page
    assert "127.0.0.1" not in page and "0.0.0.0" not in page
    assert f"http://localhost:{served.port}/" in served.log.read_text()  # told on start


def test_public_url_wins_over_the_host_header(serve: Callable[..., Served]) -> None:
    served = serve("--public-url", "https://ipv6.example.net/plan/")
    page = get(served.url, host="elsewhere:1")
    assert 'data-session-websocket-url="wss://ipv6.example.net/plan/ws"' in page
    assert "elsewhere" not in page
    assert "https://ipv6.example.net/plan/" in served.log.read_text()  # told on start


@pytest.mark.parametrize("url", ["lab-pc:8000", "ftp://lab-pc/", "http://lab-pc:8000/?x=1"])
def test_a_bad_public_url_is_refused_before_listening(campus: Path, url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "v6plan", "serve", str(campus), "--port", str(free_port()),
         "--public-url", url],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "--public-url" in result.stderr and "http://lab-pc:8000" in result.stderr


def test_any_address_lists_urls_a_trainee_can_open() -> None:
    from v6plan.tui._serve import listening_urls

    urls = listening_urls("0.0.0.0", 8000, None)
    assert urls[0] == f"http://{socket.gethostname()}:8000/"
    for url in urls:
        host = urlsplit(url).hostname or ""
        assert host not in ("0.0.0.0", "::") and not host.startswith(("127.", "fe80:"))
    assert listening_urls("2001:db8::5", 8080, None) == ["http://[2001:db8::5]:8080/"]
    assert listening_urls("::", 80, "http://lab-pc") == ["http://lab-pc/"]


def test_only_the_apps_own_pages_open_its_websocket(serve: Callable[..., Served]) -> None:
    """Any page a trainee visits could otherwise open ws://localhost:8000/ws and edit the plan."""
    import aiohttp

    served = serve()

    async def status(origin: str) -> int:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(f"{served.url}ws", origin=origin) as ws:
                    await ws.close()
                    return 101
            except aiohttp.WSServerHandshakeError as refused:
                return refused.status

    assert asyncio.run(status("http://evil.example")) == 403
    assert asyncio.run(status(f"http://localhost:{served.port}")) == 101


# -- offline ------------------------------------------------------------------------------------
def test_the_page_draws_offline_and_asks_nothing_of_the_internet(
    serve: Callable[..., Served], black_hole: tuple[int, list[str]]
) -> None:
    proxy, asked = black_hole
    served = serve()
    with offline_browser(proxy) as browser:
        page = asyncio.run(open_app(browser, served.url))
    assert page.drawn, f"the app never drew offline; the page asked for {page.urls}"
    hosts = {urlsplit(url).hostname for url in page.urls}
    assert hosts == {"localhost"}, page.urls
    assert f"ws://localhost:{served.port}/ws?" in " ".join(page.urls)
    assert "Roboto Mono normal" in page.fonts  # the terminal's font, from the server
    assert f"http://localhost:{served.port}/static/fonts/RobotoMono-VariableFont_wght.ttf" in (
        page.urls
    )
    # (the black hole still sees Chromium's own chatter — time, accounts, autofill — which
    # no page asked for: the page's requests are the ones DevTools recorded above)
    assert not any("font" in line for line in asked), asked


# -- processes ----------------------------------------------------------------------------------
def test_a_killed_browser_takes_its_app_with_it(serve: Callable[..., Served]) -> None:
    served = serve()
    with chromium() as browser:
        page = asyncio.run(open_app(browser, served.url))
        assert page.drawn
        (app,) = served.apps()
        browser.kill()
        assert until(lambda: not alive(app), 8), "the app outlived its browser"
    assert served.process.poll() is None and "textual.js" in get(served.url)  # still serving


def test_a_tab_that_goes_silent_loses_its_app(serve: Callable[..., Served]) -> None:
    """No FIN, no close (the Wi-Fi went): the heartbeat finds the tab gone, the app ends."""
    import aiohttp

    from v6plan.tui._serve import HEARTBEAT, QUIT_GRACE

    served = serve()

    async def go_silent() -> float:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{served.url}ws", autoping=False, heartbeat=None),
        ):
            assert until(lambda: len(served.apps()) == 1, 10)
            (app,) = served.apps()
            started = time.monotonic()
            deadline = started + 1.5 * HEARTBEAT + QUIT_GRACE + 5
            while alive(app) and time.monotonic() < deadline:
                await asyncio.sleep(0.2)  # reads nothing: the server's pings go unanswered
            assert not alive(app), "the app outlived a tab that stopped answering"
            return time.monotonic() - started

    assert asyncio.run(go_silent()) >= HEARTBEAT / 2  # ended by the heartbeat, not at once


def test_stopping_the_server_ends_every_app(serve: Callable[..., Served]) -> None:
    served = serve()
    with chromium() as browser:
        for _ in range(2):
            assert asyncio.run(open_app(browser, served.url)).drawn
        apps = served.apps()
        assert len(apps) == 2
        served.process.send_signal(signal.SIGTERM)
        served.process.wait(timeout=15)  # not aiohttp's 60 s wait for open websockets
        assert not any(alive(app) for app in apps)


def test_a_killed_server_takes_its_apps_with_it(serve: Callable[..., Served]) -> None:
    """SIGKILL leaves no time to ask anything: the app sees its input end and exits."""
    served = serve()
    with chromium() as browser:
        assert asyncio.run(open_app(browser, served.url)).drawn
        (app,) = served.apps()
        os.killpg(served.process.pid, signal.SIGKILL)
        served.process.wait(timeout=10)
        assert until(lambda: not alive(app), 8), "the app outlived its server"


def _served_app(campus: Path, driver: str) -> subprocess.Popen[bytes]:
    """The app as textual-serve runs it (pipes, the web driver), outside any server."""
    env = {**os.environ, "TEXTUAL_DRIVER": driver, "COLUMNS": "100", "ROWS": "30"}
    return subprocess.Popen(
        [sys.executable, "-m", "v6plan.tui", str(campus), "--read-only"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )


DRIVER = "v6plan.tui._webdriver:ServedDriver"


def test_a_served_app_blocked_on_its_output_still_ends_on_sigterm(campus: Path) -> None:
    """Its output unread (the pipe full), Textual's own handler never runs: the 60 % CPU
    process that ignored SIGTERM."""
    app = _served_app(campus, DRIVER)
    try:
        assert app.stdout is not None
        assert app.stdout.readline() == b"__GANGLION__\n"  # started; now nobody reads
        assert app.stdin is not None
        for n in range(40):  # frames the pipe cannot hold: the app blocks writing one
            resize = b'{"type": "resize", "width": %d, "height": 60}' % (200 - n % 2)
            app.stdin.write(b"M" + len(resize).to_bytes(4, "big") + resize)
            app.stdin.flush()
            time.sleep(0.05)
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=10)
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait(timeout=30)


def test_a_served_app_ends_when_its_input_does(campus: Path) -> None:
    """Its input closed, nothing will ever reach this app again: it exits, even while its
    output is still read (Textual's WebDriver only stops reading and stays)."""
    app = _served_app(campus, DRIVER)
    try:
        assert app.stdout is not None and app.stdin is not None
        assert app.stdout.readline() == b"__GANGLION__\n"
        output = app.stdout
        drain = threading.Thread(
            target=lambda: [None for _ in iter(lambda: output.read(4096), b"")]
        )
        drain.start()
        time.sleep(0.5)
        app.stdin.close()
        app.wait(timeout=10)
        drain.join(timeout=10)
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait(timeout=30)


STUBBORN = """\
import signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
sys.stdout.write("__GANGLION__\\n")
sys.stdout.flush()
while True:  # answers nothing, reads nothing, ignores quit and SIGTERM
    time.sleep(1)
"""


def test_an_app_that_ignores_quit_and_sigterm_is_killed_when_its_tab_goes(
    tmp_path: Path,
) -> None:
    """The server's side of the promise, whatever the app does: quit, SIGTERM, SIGKILL."""
    import aiohttp

    from v6plan.tui._serve import QUIT_GRACE, TERM_GRACE

    stubborn = tmp_path / "stubborn.py"
    stubborn.write_text(STUBBORN)
    port = free_port()
    server_code = (
        "from v6plan.tui._serve import ClassroomServer\n"
        f"ClassroomServer([{sys.executable!r}, {str(stubborn)!r}], host='127.0.0.1', "
        f"port={port}, title='stubborn', public_url=None).serve()\n"
    )
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", server_code], stdout=out, stderr=subprocess.STDOUT,
            cwd=ROOT, start_new_session=True,
        )  # fmt: skip
    served = Served(server, port, log)
    apps = served.seen
    try:
        assert until(lambda: "Ctrl+C" in log.read_text(), 30), log.read_text()

        async def visit() -> None:
            url = f"http://127.0.0.1:{port}/ws"
            async with aiohttp.ClientSession() as session, session.ws_connect(url):
                assert until(lambda: len(served.apps()) == 1, 10)
            # the tab is gone: the server asks, waits, signals

        asyncio.run(visit())
        started = time.monotonic()
        assert until(lambda: not alive(apps[0]), 2 * QUIT_GRACE + TERM_GRACE + 5), log.read_text()
        assert time.monotonic() - started >= 2 * QUIT_GRACE  # it was asked first
        assert "ignored SIGTERM: SIGKILL" in log.read_text()
    finally:
        end(apps)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
