"""``v6lab classroom serve``: the instructor's server (aiohttp), on localhost unless told
otherwise.

A trainee's ``v6lab check --submit URL`` POSTs its signed result to ``/api/results`` with
``Authorization: V6lab TRAINEE LAB TOKEN`` (:mod:`._auth`). The server derives that
trainee's token again from the instructor's secret, refuses anything that is not a genuine
result of that trainee's own variant of that lab (the grader's own judgement,
:func:`judge_result`), commits it to SQLite, and only then answers with what it recorded.
Nothing it refuses is stored. A trainee reads only their own results (``/api/me``); the
dashboard (``/``, ``/api/grid``) needs the instructor's dashboard key.

Limits: a body of at most ``max_body`` bytes (413), a token bucket per client address and
per trainee (429 with Retry-After), and every error is a JSON answer, never a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from ...._io import ReadError, parse_json
from ...._limits import CLASSROOM_BODY_BYTES
from .._grading import ClassManifest, _when, judge_result
from .._secrets import derive_key
from ._auth import dashboard_key, parse_authorization, token
from ._dashboard import DASHBOARD_CSS, DASHBOARD_JS, dashboard_html
from ._store import Store

__all__ = ["Limits", "make_app", "serve"]

#: the largest result a trainee may submit (the limits live in v6plan/_limits.py)
MAX_BODY = CLASSROOM_BODY_BYTES
#: how long the dashboard's request for news waits before answering "nothing new"
LONG_POLL = 20.0
#: how long the dashboard's answer waits after news for more of it
COALESCE = 0.2

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Bucket:
    """A token bucket: ``capacity`` requests at once, ``rate`` more per second."""

    capacity: float
    rate: float
    level: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, key: str) -> float:
        """0 when the request may go on, else the seconds to wait."""
        now = time.monotonic()
        tokens, then = self.level.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - then) * self.rate)
        if len(self.level) > 10_000:  # bounded: forget the idle ones
            self.level = {k: v for k, v in self.level.items() if now - v[1] < 60}
        if tokens < 1.0:
            self.level[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self.level[key] = (tokens - 1.0, now)
        return 0.0


@dataclass
class Limits:
    """The server's limits (tests and the benchmark tighten or loosen them)."""

    max_body: int = MAX_BODY
    per_address: tuple[float, float] = (200.0, 100.0)  # burst, then per second (a NAT: many)
    per_trainee: tuple[float, float] = (10.0, 1.0)
    #: per lab, when results are due (start, end; None: open): outside, they are flagged
    windows: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)

    def window(self, lab: str, when: float) -> str:
        """'' when ``when`` lies in ``lab``'s window (or it has none), else 'early'/'late'."""
        start, end = self.windows.get(lab, (None, None))
        if start is not None and when < start:
            return "early"
        if end is not None and when > end:
            return "late"
        return ""


def _error(code: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=code)


class Classroom:
    """The server's state: the class, its store, the limits, who waits for news."""

    def __init__(self, manifest: ClassManifest, store: Store, limits: Limits) -> None:
        self.manifest = manifest
        self.store = store
        self.limits = limits
        self.by_address = Bucket(*limits.per_address)
        self.by_trainee = Bucket(*limits.per_trainee)
        self.news = asyncio.Event()
        self.dashboard_key = dashboard_key(manifest.secret)

    # -- trainees ---------------------------------------------------------------------------
    def _who(self, request: web.Request) -> tuple[str, str] | web.Response:
        """The (trainee, lab) whose token the request carries, or the refusal."""
        parsed = parse_authorization(request.headers.get("Authorization", ""))
        if parsed is None:
            return _error(401, "no classroom token: submit with `v6lab check --submit URL`")
        trainee, lab, given = parsed
        variant = self.manifest.variant(trainee, lab)
        expected = ""
        if variant is not None:
            identity = {
                "class": self.manifest.class_id,
                "lab": lab,
                "variant": trainee,
                "prefix": variant.get("prefix", ""),
                "seed": variant.get("seed", ""),
            }
            expected = token(derive_key(self.manifest.secret, identity))
        if not expected or not hmac.compare_digest(expected, given):
            return _error(401, "this token is not one of this class's: use your own variant file")
        return trainee, lab

    async def submit(self, request: web.Request) -> web.Response:
        who = self._who(request)
        if isinstance(who, web.Response):
            return who
        trainee, lab = who
        wait = self.by_trainee.take(trainee)
        if wait:
            return _too_many(wait)
        if request.content_type != "application/json":
            return _error(415, "send the result as application/json")
        raw = await request.read()  # over max_body: aiohttp answers 413
        try:
            report = parse_json(raw, "request", "result")
        except ReadError as exc:
            return _error(400, f"not a v6lab result: {exc.reason}")
        if not isinstance(report, dict) or not isinstance(report.get("checks"), list):
            return _error(400, "not a v6lab result (no checks)")
        identity = report.get("identity")
        if not isinstance(identity, dict) or (identity.get("variant"), identity.get("lab")) != (
            trainee,
            lab,
        ):
            return _error(403, f"this token is {trainee}'s for {lab}: submit only your own result")
        row = judge_result(report, trainee, self.manifest, f"submitted by {trainee}")
        if row.status != "ok":
            return _error(422, row.detail or row.status, status=row.status)
        mac = str(report["signature"]["mac"])
        usage = (row.hints, row.solves, row.seconds)
        window = self.limits.window(lab, time.time())
        stored, duplicate = self.store.add(
            mac,
            trainee,
            lab,
            _when(report),
            row.score,
            row.total,
            row.checks,
            usage,
            report,
            window,
        )
        if not duplicate:
            self.news.set()
            self.news = asyncio.Event()
        return web.json_response({"recorded": stored.as_json(), "duplicate": duplicate})

    async def me(self, request: web.Request) -> web.Response:
        who = self._who(request)
        if isinstance(who, web.Response):
            return who
        trainee, _ = who
        return web.json_response(
            {"trainee": trainee, "results": [s.as_json() for s in self.store.of(trainee)]}
        )

    # -- the instructor ---------------------------------------------------------------------
    def _instructor(self, request: web.Request) -> bool:
        given = request.query.get("key") or request.cookies.get("v6lab_dashboard", "")
        return hmac.compare_digest(given.encode(), self.dashboard_key.encode())

    async def dashboard(self, request: web.Request) -> web.Response:
        if not self._instructor(request):
            return _error(
                403, "the dashboard needs its key: the URL `v6lab classroom serve` printed"
            )
        response = web.Response(text=dashboard_html(self.manifest), content_type="text/html")
        response.set_cookie("v6lab_dashboard", self.dashboard_key, httponly=True, samesite="Strict")
        return response

    async def grid(self, request: web.Request) -> web.Response:
        if not self._instructor(request):
            return _error(403, "the dashboard needs its key")
        try:
            since = int(request.query.get("since", "-1"))
        except ValueError:
            return _error(400, "since must be a number")
        if self.store.version() <= since:
            news = self.news
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(news.wait(), LONG_POLL)
                await asyncio.sleep(COALESCE)  # a burst of results: one answer, not one each
        return web.json_response(grid(self.manifest, self.store))

    async def asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name == "dashboard.js":
            return web.Response(text=DASHBOARD_JS, content_type="application/javascript")
        return web.Response(text=DASHBOARD_CSS, content_type="text/css")


def _too_many(wait: float) -> web.Response:
    response = _error(429, "too many requests: wait and send again")
    response.headers["Retry-After"] = str(max(1, round(wait)))
    return response


def grid(manifest: ClassManifest, store: Store) -> dict[str, Any]:
    """The dashboard's data: trainees × labs × checks, the latest result of each."""
    counts = store.counts()
    cells: dict[str, dict[str, Any]] = {}
    for s in store.latest():
        cell = s.as_json()
        cell["submissions"] = counts.get((s.trainee, s.lab), 1)
        cells.setdefault(s.trainee, {})[s.lab] = cell
    return {
        "class": manifest.class_id,
        "version": store.version(),
        "now": time.time(),
        "labs": [
            {
                "name": name,
                "checks": [
                    {"id": c["id"], "points": c.get("points", 1)} for c in lab.get("checks", [])
                ],
            }
            for name, lab in manifest.labs.items()
        ],
        "trainees": [
            {"id": tid, "name": t.get("name", "")} for tid, t in manifest.trainees.items()
        ],
        "cells": cells,
    }


def make_app(
    manifest: ClassManifest, store: Store, limits: Limits | None = None
) -> web.Application:
    """The aiohttp application of one class."""
    limits = limits or Limits()
    room = Classroom(manifest, store, limits)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        wait = room.by_address.take(request.remote or "?")
        if wait:
            return _too_many(wait)
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # 404, 405, 413 …: a JSON answer too
            return _error(exc.status, exc.reason)
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    app = web.Application(client_max_size=limits.max_body, middlewares=[guard])
    app.router.add_post("/api/results", room.submit)
    app.router.add_get("/api/me", room.me)
    app.router.add_get("/api/grid", room.grid)
    app.router.add_get("/", room.dashboard)
    app.router.add_get("/assets/{name:dashboard\\.(js|css)}", room.asset)
    app.router.add_get("/healthz", _healthz)
    return app


async def _healthz(_: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve(
    manifest: ClassManifest,
    db: Path,
    host: str,
    port: int,
    announce: Callable[[str], None],
    limits: Limits | None = None,
) -> None:
    """Run the server until SIGINT/SIGTERM; ``announce`` gets the URL once it listens."""
    import signal

    async def main() -> None:
        store = Store(db)
        app = make_app(manifest, store, limits)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, host, port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            store.close()
            from ...._errors import InputError

            raise InputError(
                f"cannot listen on {url_of(host, port)}: {(exc.strerror or str(exc)).lower()} — "
                + (
                    "another server (a classroom already running?) has that port: stop it, or give --port"
                    if exc.errno == errno.EADDRINUSE
                    else "give --host an address of this machine (or 0.0.0.0 for all of them)"
                )
            ) from None
        bound = port
        server = site._server  # the real port when 0 was asked for
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            bound = int(sockets[0].getsockname()[1])
        announce(url_of(host, bound))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
            store.close()

    asyncio.run(main())
