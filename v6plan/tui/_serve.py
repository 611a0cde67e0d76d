"""``v6plan serve``: textual-serve, fit for a classroom.

textual-serve 1.1 as it comes (a) writes the address it listens on into each page, so
``--host 0.0.0.0`` gives browsers ``ws://0.0.0.0:8000/ws``; (b) loads Roboto Mono from
fonts.googleapis.com through a stylesheet that blocks textual.js, so on a network without
an uplink the page waits for the internet; (c) can leave a tab's app process behind: it
stops reading the app's output once the tab's socket fails, and a stuck app ignores the
``quit`` it is sent. Here each page's URLs come from the Host the browser asked for (or
``--public-url``), every asset is served from the installed packages, and every app
process the server starts ends when its tab goes or the server stops — asked to quit, then
SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from .._errors import InputError

__all__ = ["ClassroomServer", "check_public_url", "listening_urls"]

log = logging.getLogger("textual-serve")

TEMPLATES = Path(__file__).with_name("templates")
#: Seconds an app has to quit when asked, then again after SIGTERM, before SIGKILL.
QUIT_GRACE = 3.0
TERM_GRACE = 3.0
#: Seconds between pings to a tab: one that stops answering (Wi-Fi gone, lid closed, no
#: FIN ever sent) is dropped after at most 1.5 × this, and its app ended.
HEARTBEAT = 15.0
DRIVER = "v6plan.tui._webdriver:ServedDriver"
_ANY = ("0.0.0.0", "::", "")


def check_public_url(url: str) -> str:
    """The URL browsers use (behind a proxy or a name), without a trailing slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"--public-url {url[:80]!r}: give the address browsers open, "
            "e.g. http://lab-pc:8000 or https://ipv6.example.net/plan"
        )
    if parts.query or parts.fragment:
        raise InputError(f"--public-url {url[:80]!r}: no ?query or #fragment, only the address")
    return url.rstrip("/")


def _url(host: str, port: int) -> str:
    name = f"[{host}]" if ":" in host else host
    return f"http://{name}/" if port == 80 else f"http://{name}:{port}/"


def _own_addresses(family: socket.AddressFamily) -> list[str]:
    """This machine's addresses another machine can reach: the name's and the default route's."""
    found: list[str] = []
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, family, socket.SOCK_STREAM):
            found.append(str(info[4][0]))
    except OSError:
        pass
    probe = "192.0.2.1" if family == socket.AF_INET else "2001:db8::1"  # documentation space
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.connect((probe, 9))  # UDP: nothing is sent, the kernel only picks a source
            found.append(str(s.getsockname()[0]))
    except OSError:
        pass
    unique = dict.fromkeys(a for a in found if _reachable(a))
    return list(unique)


def _reachable(address: str) -> bool:
    """Not loopback, not link-local (a browser cannot open fe80::… without a zone)."""
    if ":" in address:
        from .._prefix import parse_address
        from .._special import LINK_LOCAL, inside

        try:
            value = parse_address(address.split("%")[0])
        except InputError:
            return False
        return value != 1 and not inside((value, 128), LINK_LOCAL)
    return not address.startswith(("127.", "0."))


def listening_urls(host: str, port: int, public_url: str | None) -> list[str]:
    """The URLs to tell the instructor: the public one, or one per reachable address."""
    if public_url:
        return [public_url + "/"]
    if host not in _ANY:
        return [_url(host, port)]
    family = socket.AF_INET6 if host == "::" else socket.AF_INET
    urls = [_url(socket.gethostname(), port)]
    urls += [_url(a, port) for a in _own_addresses(family)]
    return urls


class ClassroomServer(Server):
    """One app process per tab, URLs from the request, assets local, no process left behind."""

    def __init__(
        self, argv: list[str], *, host: str, port: int, title: str, public_url: str | None
    ) -> None:
        super().__init__(
            shlex.join(argv), host=host, port=port, title=title, templates_path=TEMPLATES
        )
        self.argv = argv
        self.fixed_url = check_public_url(public_url) if public_url else None
        self.sessions: set[AppSession] = set()

    async def on_startup(self, app: web.Application) -> None:
        urls = listening_urls(self.host, self.port, self.fixed_url)
        print(f"v6plan serve: {self.title}; trainees open:", file=sys.stderr)
        for url in urls:
            print(f"  {url}", file=sys.stderr)
        print("Ctrl+C stops the server and every trainee's app.", file=sys.stderr, flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        """Every app process ends before the server does (aiohttp waits for this)."""
        await asyncio.gather(*(session.end() for session in list(self.sessions)))

    def _base(self, request: web.Request) -> str:
        """The address this browser used: the Host header it sent, unless --public-url."""
        if self.fixed_url:
            return self.fixed_url
        return f"{request.scheme}://{request.host}"

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        base = self._base(request)
        ws_base = ("wss:" if base.startswith("https:") else "ws:") + base.split(":", 1)[1]
        static = request.app.router["static"].url_for(filename="/")
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": ws_base + str(request.app.router["websocket"].url_for()),
            "config": {"static": {"url": base + str(static).rstrip("/") + "/"}},
            "application": {"name": self.title},
        }

    def _same_origin(self, request: web.Request) -> bool:
        """A page from another site may not drive a trainee's app (browsers let any page
        open a websocket anywhere; only the Origin header tells who asked)."""
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not a browser page: curl, a test client
        allowed = {f"{request.scheme}://{request.host}".lower()}
        if self.fixed_url:
            parts = urlsplit(self.fixed_url)
            allowed.add(f"{parts.scheme}://{parts.netloc}".lower())
        return origin.lower() in allowed

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if not self._same_origin(request):
            raise web.HTTPForbidden(text="this app is only served to its own pages")
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        session = AppSession(
            self.argv,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
        )
        self.sessions.add(session)
        try:
            await session.start(width, height)
            log.info("app process %d for %s", session.pid, request.remote)
            await self._process_messages(websocket, session)
        except Exception as error:  # as textual-serve: a broken tab must not stop the server
            log.exception(error)
        finally:
            # shielded: a server stopping cancels this handler, the app must still end
            await asyncio.shield(session.end())
            self.sessions.discard(session)
            await websocket.close()
        return websocket


class AppSession(AppService):
    """One tab's app process: its own session (process group), always reaped."""

    def __init__(self, argv: list[str], **kwargs: Any) -> None:
        super().__init__(shlex.join(argv), **kwargs)
        self.argv = argv
        self._ending: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        return self._process.pid if self._process is not None else 0

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment["TEXTUAL_DRIVER"] = DRIVER
        return environment

    async def _open_app_process(
        self, width: int = 80, height: int = 24
    ) -> asyncio.subprocess.Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width, height),
            start_new_session=True,  # its own group: SIGTERM/SIGKILL reach all it starts
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def on_data(self, payload: bytes) -> None:
        """Keep reading the app's output after its tab went: an app blocked writing a frame
        nobody reads would never see the quit it is sent."""
        with contextlib.suppress(OSError, RuntimeError):
            await self.remote_write_bytes(payload)

    def end(self) -> asyncio.Task[None]:
        """Quit, then SIGTERM, then SIGKILL, and reap: one task however often it is asked."""
        if self._ending is None:
            self._ending = asyncio.ensure_future(self._end())
        return self._ending

    async def _end(self) -> None:
        process = self._process
        if process is None:
            return
        with contextlib.suppress(TimeoutError, OSError, RuntimeError):
            await asyncio.wait_for(self.stop(), QUIT_GRACE)  # "quit", and its output read out
        if not await _exited(process, QUIT_GRACE):
            log.warning("app process %d ignored quit: SIGTERM", process.pid)
            _signal_group(process.pid, signal.SIGTERM)
            if not await _exited(process, TERM_GRACE):
                log.warning("app process %d ignored SIGTERM: SIGKILL", process.pid)
                _signal_group(process.pid, signal.SIGKILL)
                await process.wait()
        with contextlib.suppress(OSError, RuntimeError):
            await self.remote_close()  # the tab (if still there) says "Session ended"


async def _exited(process: asyncio.subprocess.Process, seconds: float) -> bool:
    try:
        await asyncio.wait_for(process.wait(), seconds)
    except TimeoutError:
        return False
    return True


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    """Signal the app's group (its PID: it leads its own session, still unreaped here)."""
    with contextlib.suppress(ProcessLookupError):  # it ended just now
        os.killpg(pgid, sig)
