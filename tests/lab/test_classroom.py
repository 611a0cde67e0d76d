"""The live classroom: ``v6lab classroom serve`` (aiohttp + SQLite), ``check --submit``
with its offline queue, ``classroom export``, and a hostile-request suite.

The server runs in its own process (``python -m v6plan.lab.cli classroom serve``), as on an
instructor's laptop, on loopback; trainees are the real command line, in-process."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from _support.classroom import (
    LAB,
    LABS,
    auth_of,
    classroom_server,
    get,
    instructor_secret,
    make_class,
    post,
    sim_ready,
    variant_of,
)
from _support.lab import v6lab

TID, OTHER = "kwame-mensah", "amina-haddad"


@pytest.fixture(autouse=True)
def labs_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("V6LAB_LABS", str(LABS))
    monkeypatch.delenv("V6LAB_INSTRUCTOR_SECRET", raising=False)
    monkeypatch.delenv("V6LAB_CLASSROOM_URL", raising=False)
    sim_ready()


def stored(cls: Path) -> list[tuple[str, str, int]]:
    """(trainee, lab, score) of every stored row, read from the database itself."""
    db = cls / "instructor" / "classroom.sqlite"
    if not db.exists():
        return []
    with sqlite3.connect(db) as con:
        return [
            tuple(r) for r in con.execute("SELECT trainee, lab, score FROM results ORDER BY id")
        ]  # type: ignore[misc]


def signed_result(cls: Path, tmp_path: Path, trainee: str = TID, solve: bool = True) -> Path:
    """A genuine signed result of ``trainee`` (solved, or as the lab starts)."""
    path = tmp_path / f"{trainee}-{LAB}-{'solved' if solve else 'fresh'}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    assert v6lab("start", LAB, "--variant", variant_of(cls, trainee))[0] == 0
    if solve:
        with instructor_secret(cls / "instructor" / "secret.key"):
            assert v6lab("solve")[0] == 0
    v6lab("check", "--report", path)
    assert v6lab("stop")[0] == 0
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _outbox(state: Path) -> list[Path]:
    return sorted((state / "outbox").glob("*.json")) if (state / "outbox").is_dir() else []


# -- a class, live ---------------------------------------------------------------------------------
def test_submit_is_verified_stored_and_answered(tmp_path: Path, lab_state: Path) -> None:
    cls = make_class(tmp_path)
    with classroom_server(cls) as server:
        assert server.url.startswith("http://127.0.0.1:")  # localhost unless --host
        assert v6lab("start", LAB, "--variant", variant_of(cls, TID))[0] == 0
        code, _, err = v6lab("check", "--submit", server.url)
        assert code == 1 and f"the classroom recorded {LAB} for {TID}: 2/8" in err, err
        with instructor_secret(cls / "instructor" / "secret.key"):
            v6lab("solve")
        os.environ["V6LAB_CLASSROOM_URL"] = server.url
        try:
            code, _, err = v6lab("check")
        finally:
            del os.environ["V6LAB_CLASSROOM_URL"]
        assert code == 0 and "8/8" in err
        v6lab("stop")
        status, mine = get(server.url + "/api/me", {"Authorization": auth_of(variant_of(cls, TID))})
        assert status == 200 and [r["score"] for r in mine["results"]] == [2, 8]
        assert mine["results"][1]["checks"]["h1-reaches-h2"] is True
        status, other = get(
            server.url + "/api/me", {"Authorization": auth_of(variant_of(cls, OTHER))}
        )
        assert status == 200 and other["results"] == []  # a trainee reads only their own
        status, grid = get(f"{server.url}/api/grid?key={server.key}")
        assert status == 200 and grid["cells"][TID][LAB]["score"] == 8
        assert grid["cells"][TID][LAB]["submissions"] == 2
        assert not _outbox(lab_state)
    # the export, with the server gone
    code, _, err = v6lab("classroom", "export", cls, "--format", "csv", "-o", tmp_path / "t.csv")
    assert code == 0, err
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text()))}
    assert rows[TID][f"{LAB} points"] == "8" and rows[TID]["email"] == "kmensah@example.org"
    assert rows[OTHER][f"{LAB} status"] == "missing"
    code, _, _ = v6lab("classroom", "export", cls, "--format", "moodle", "-o", tmp_path / "m.csv")
    moodle = {
        r["ID number"]: r for r in csv.DictReader(io.StringIO((tmp_path / "m.csv").read_text()))
    }
    assert moodle[TID][f"{LAB} (Real)"] == "8.00"
    v6lab(
        "classroom",
        "export",
        cls,
        "--format",
        "moodle",
        "-o",
        tmp_path / "b.csv",
        "--policy",
        "best",
    )


def test_an_acknowledged_result_survives_kill_9(tmp_path: Path) -> None:
    cls = make_class(tmp_path)
    results = [signed_result(cls, tmp_path / str(i), TID, solve=i % 2 == 0) for i in range(4)]
    with classroom_server(cls) as server:
        auth = {"Authorization": auth_of(variant_of(cls, TID)), "Content-Type": "application/json"}
        for path in results:
            status, answer = post(server.url + "/api/results", path.read_bytes(), auth)
            assert status == 200 and not answer["duplicate"], answer
        server.kill()  # right after the last acknowledgement: no shutdown, no checkpoint
    assert [s for _, _, s in stored(cls)] == [8, 2, 8, 2]
    with classroom_server(cls) as server:  # and it starts again on the same store
        status, mine = get(server.url + "/api/me", {"Authorization": auth_of(variant_of(cls, TID))})
        assert [r["score"] for r in mine["results"]] == [8, 2, 8, 2]


def test_results_queue_while_the_server_is_away_and_are_sent_exactly_once(
    tmp_path: Path, lab_state: Path
) -> None:
    cls = make_class(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    assert v6lab("start", LAB, "--variant", variant_of(cls, TID))[0] == 0
    _, _, err = v6lab("check", "--submit", url)
    assert "unreachable" in err and "1 result(s) queued" in err
    with instructor_secret(cls / "instructor" / "secret.key"):
        v6lab("solve")
    _, _, err = v6lab("check", "--submit", url)
    assert "2 result(s) queued" in err
    v6lab("stop")  # the queue outlives the lab session
    queued = _outbox(lab_state)
    assert len(queued) == 2
    kept = tmp_path / "copy-of-first.json"
    shutil.copy(queued[0], kept)
    with classroom_server(cls, "--port", str(port)) as server:
        assert server.url == url
        code, _, err = v6lab("classroom", "send")
        assert code == 0 and err.count("the classroom recorded") == 2, err
        assert not _outbox(lab_state)
        code, out, _ = v6lab("classroom", "send")
        assert code == 0 and "nothing queued" in out
        # a crash after the server answered but before the file went: sent again, not stored twice
        shutil.copy(kept, lab_state / "outbox" / kept.name)
        code, _, err = v6lab("classroom", "send")
        assert code == 0 and not _outbox(lab_state)
    assert [s for _, _, s in stored(cls)] == [2, 8]  # in order, each once


def test_an_unsigned_result_is_not_submitted(tmp_path: Path, lab_state: Path) -> None:
    assert v6lab("start", LAB)[0] == 0
    code, _, err = v6lab("check", "--submit", "http://127.0.0.1:9")
    assert code == 2 and "only a signed result" in err and "Traceback" not in err
    v6lab("stop")
    assert not _outbox(lab_state)


# -- hostile requests ----------------------------------------------------------------------------
def _raw(url: str, data: bytes) -> bytes:
    """Bytes on a bare TCP connection (no HTTP client to tidy them up)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_hostile_requests_store_nothing_and_crash_nothing(tmp_path: Path) -> None:
    cls = make_class(tmp_path)
    mine = json.loads(signed_result(cls, tmp_path, TID).read_text())
    theirs = json.loads(signed_result(cls, tmp_path, OTHER, solve=False).read_text())
    me = auth_of(variant_of(cls, TID))
    them = auth_of(variant_of(cls, OTHER))
    other_class = make_class(tmp_path, "other")
    stranger = auth_of(variant_of(other_class, TID))
    forged = json.loads(json.dumps(theirs))
    forged["checks"][0]["passed"] = True  # edited after signing
    forged["score"] = 8
    unsigned = {k: v for k, v in mine.items() if k not in ("signature",)}
    bomb = b'{"checks": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    js = "application/json"
    cases: list[tuple[str, bytes, dict[str, str], int]] = [
        ("no token", json.dumps(mine).encode(), {"Content-Type": js}, 401),
        (
            "not our scheme",
            json.dumps(mine).encode(),
            {"Authorization": "Bearer x", "Content-Type": js},
            401,
        ),
        (
            "a wrong token",
            json.dumps(mine).encode(),
            {"Authorization": me[:-4] + "beef", "Content-Type": js},
            401,
        ),
        (
            "another class's token",
            json.dumps(mine).encode(),
            {"Authorization": stranger, "Content-Type": js},
            401,
        ),
        (
            "a made-up trainee",
            json.dumps(mine).encode(),
            {"Authorization": me.replace(TID, "mallory"), "Content-Type": js},
            401,
        ),
        (
            "another trainee's token",
            json.dumps(mine).encode(),
            {"Authorization": them, "Content-Type": js},
            403,
        ),
        (
            "someone else's result",
            json.dumps(theirs).encode(),
            {"Authorization": me, "Content-Type": js},
            403,
        ),
        ("bad JSON", b'{"checks": [', {"Authorization": me, "Content-Type": js}, 400),
        ("not UTF-8", b'{"checks": ["\xff"]}', {"Authorization": me, "Content-Type": js}, 400),
        ("a list", b"[1, 2]", {"Authorization": me, "Content-Type": js}, 400),
        ("nested 100,000 deep", bomb, {"Authorization": me, "Content-Type": js}, 400),
        (
            "huge body",
            b'{"checks": [], "x": "' + b"a" * (3 << 20) + b'"}',
            {"Authorization": me, "Content-Type": js},
            413,
        ),
        (
            "not JSON at all",
            b"checks=1",
            {"Authorization": me, "Content-Type": "application/x-www-form-urlencoded"},
            415,
        ),
        (
            "a forged result",
            json.dumps(forged).encode(),
            {"Authorization": them, "Content-Type": js},
            422,
        ),
        (
            "an unsigned result",
            json.dumps(unsigned).encode(),
            {"Authorization": me, "Content-Type": js},
            422,
        ),
    ]
    problems: list[str] = []
    with classroom_server(cls) as server:
        api = server.url + "/api/results"
        for name, body, headers, want in cases:
            status, answer = post(api, body, headers)
            if status != want or "error" not in answer:
                problems.append(f"{name}: HTTP {status} {answer} (wanted {want})")
        assert stored(cls) == [], problems
        # the genuine one, then replayed: recorded once
        ok = {"Authorization": me, "Content-Type": js}
        assert post(api, json.dumps(mine).encode(), ok)[0] == 200
        status, answer = post(api, json.dumps(mine).encode(), ok)
        assert status == 200 and answer["duplicate"] is True
        # the dashboard and its data need the key; paths and methods that are not there
        for path, want in (
            ("/", 403),
            ("/?key=" + "0" * 32, 403),
            ("/api/grid", 403),
            ("/nowhere", 404),
        ):
            status, answer = get(server.url + path)
            if status != want:
                problems.append(f"GET {path}: HTTP {status} (wanted {want})")
        status, _ = get(server.url + "/api/me")
        assert status == 401
        # bytes that are not HTTP, and a request line of 100 KiB
        # (aiohttp answers 400 or closes the connection: either way, no request reaches us)
        for junk in (
            b"\x16\x03\x01\x02\x00garbage\r\n\r\n",
            b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n",
        ):
            reply = _raw(server.url, junk)
            assert reply == b"" or re.match(rb"HTTP/1\.[01] 4\d\d ", reply), reply[:100]
        # a burst from one trainee: the rate limit answers 429 with Retry-After
        statuses = [post(api, b"{", ok)[0] for _ in range(15)]
        assert 429 in statuses and set(statuses) <= {400, 429}
        assert get(server.url + "/healthz") == (200, {"ok": True})
        assert server.process.poll() is None  # nothing crashed it
    assert problems == []
    assert stored(cls) == [(TID, LAB, 8)]


# -- the dashboard, in headless Chromium -----------------------------------------------------------
def test_the_dashboard_updates_live_and_loads_nothing_from_outside(tmp_path: Path) -> None:
    import asyncio

    from _support.browser import chromium, devtools, evaluate

    cls = make_class(tmp_path)
    result = signed_result(cls, tmp_path, TID)
    shots = Path(os.environ.get("V6LAB_SCREENSHOTS", tmp_path))

    async def watch(url: str, submit: Any) -> dict[str, Any]:
        urls: list[str] = []
        with chromium() as browser:
            async with devtools(browser, "about:blank", urls) as call:
                await call("Network.enable")
                await call("Page.navigate", url=url)

                async def text_of(expression: str) -> str:
                    return str(await evaluate(call, expression) or "")

                async def until(expression: str, want: str) -> str:
                    for _ in range(120):
                        found = await text_of(expression)
                        if want in found:
                            return found
                        await asyncio.sleep(0.25)
                    return found

                row = f"document.querySelector('tr[data-trainee=\"{TID}\"]')?.innerText ?? ''"
                before = await until(row, TID)
                await until("document.getElementById('status').textContent", "live")
                await asyncio.get_running_loop().run_in_executor(None, submit)
                after = await until(row, "8/8")
                picture = await call("Page.captureScreenshot", format="png")
                import base64

                (shots / "classroom-dashboard.png").write_bytes(
                    base64.b64decode(picture["result"]["data"])
                )
                status = await text_of("document.getElementById('status').textContent")
        return {"before": before, "after": after, "urls": urls, "status": status}

    with classroom_server(cls) as server:

        def submit() -> None:
            headers = {
                "Authorization": auth_of(variant_of(cls, TID)),
                "Content-Type": "application/json",
            }
            assert post(server.url + "/api/results", result.read_bytes(), headers)[0] == 200

        seen = asyncio.run(watch(f"{server.url}/?key={server.key}", submit))
    assert "—" in seen["before"] and "8/8" not in seen["before"]
    assert "8/8" in seen["after"] and "✓" in seen["after"], seen
    assert "live" in seen["status"]
    outside = [u for u in seen["urls"] if not u.startswith(server.url) and u != "about:blank"]
    assert outside == [], outside


# -- the terminal dashboard (Textual, Pilot) --------------------------------------------------------
def test_watch_shows_the_grid_and_follows_the_store(tmp_path: Path) -> None:
    import asyncio

    from textual.widgets import DataTable, Static

    from v6plan.lab.instructor._grading import load_keys
    from v6plan.lab.instructor.classroom._store import Store
    from v6plan.lab.instructor.classroom._watch import ClassroomWatch

    cls = make_class(tmp_path)
    manifest = load_keys(cls / "instructor")
    db = cls / "instructor" / "classroom.sqlite"
    store = Store(db)
    checks = {c["id"]: True for c in manifest.labs[LAB]["checks"]}

    def add(mac: str, score: int, failing: tuple[str, ...] = ()) -> None:
        mine = {cid: cid not in failing for cid in checks}
        store.add(mac, TID, LAB, 0.0, score, 8, mine, (2, 0, 600.0), {"checks": []})

    add("a" * 64, 6, ("h1-address",))

    async def run() -> tuple[str, str, str, str]:
        app = ClassroomWatch(manifest, db, interval=0.2)
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause(0.3)
            table = app.query_one(DataTable)
            first = str(table.get_cell(TID, LAB))
            empty = str(table.get_cell(OTHER, LAB))
            add("b" * 64, 8)  # the server stores another result: the grid follows
            for _ in range(50):
                await pilot.pause(0.1)
                if "8/8" in str(table.get_cell(TID, LAB)):
                    break
            summary = str(app.query_one("#summary", Static).render())
            return first, empty, str(table.get_cell(TID, LAB)), summary

    first, empty, after, summary = asyncio.run(run())
    store.close()
    assert first.startswith("✗ 6/8") and "2 hints" in first and "10 min" in first
    assert "fails h1-address" in first
    assert empty == "— no result"
    assert after.startswith("✓ 8/8") and "×2" in after
    assert "2 results stored" in summary and "1 lab(s) complete" in summary


# -- time windows -----------------------------------------------------------------------------------
def test_a_result_after_the_window_is_stored_and_flagged_late(tmp_path: Path) -> None:
    cls = make_class(tmp_path)
    result = signed_result(cls, tmp_path, TID)
    code, _, err = v6lab("classroom", "serve", cls, "--window", "nolab=..2020-01-01T00:00")
    assert code == 2 and "no lab 'nolab'" in err
    code, _, err = v6lab("classroom", "serve", cls, "--window", f"{LAB}=..yesterday")
    assert code == 2 and "is not a time" in err and "ISO 8601" in err
    with classroom_server(cls, "--window", f"{LAB}=2020-01-01T09:00..2020-01-01T12:00") as server:
        headers = {
            "Authorization": auth_of(variant_of(cls, TID)),
            "Content-Type": "application/json",
        }
        status, answer = post(server.url + "/api/results", result.read_bytes(), headers)
        assert status == 200 and answer["recorded"]["window"] == "late"
        _, grid = get(f"{server.url}/api/grid?key={server.key}")
        assert grid["cells"][TID][LAB]["window"] == "late"
    v6lab("classroom", "export", cls, "--format", "results", "-o", tmp_path / "r.csv")
    (row,) = [r for r in csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text())) if r["file"]]
    assert (row["status"], row["window"], row["score"]) == ("ok", "late", "8")
    assert "outside the lab's time window" in row["detail"]
    v6lab("classroom", "export", cls, "-o", tmp_path / "t.csv")
    totals = {r["id"]: r for r in csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text()))}
    assert totals[TID][f"{LAB} status"] == "late" and totals[TID][f"{LAB} points"] == "8"


def test_serve_and_export_mistakes_are_one_clear_message(tmp_path: Path) -> None:
    cls = make_class(tmp_path)
    for argv, words in (
        (("classroom", "serve", tmp_path / "nowhere"), "is not a class folder"),
        (("classroom", "export", tmp_path, "-o", tmp_path / "x.csv"), "is not a class folder"),
        (("classroom", "export", cls, "-o", tmp_path / "x.csv"), "no classroom server has stored"),
        (("classroom", "serve", cls, "--port", "70000"), "give a port from 1 to 65535"),
        (("classroom", "serve", cls, "--rate", "0"), "between 0 and 1000"),
        (
            ("classroom", "serve", cls, "--host", "192.0.2.77", "--port", "0"),
            "an address of this machine",
        ),
    ):
        code, _, err = v6lab(*argv)
        assert code == 2 and words in err and "Traceback" not in err, (argv, err)
    with classroom_server(cls) as server:
        port = server.url.rsplit(":", 1)[1]
        code, _, err = v6lab("classroom", "serve", cls, "--port", port)
        assert code == 2 and "another server" in err and "Traceback" not in err, err


def test_the_handout_tells_the_trainee_how_to_submit(tmp_path: Path) -> None:
    cls = make_class(tmp_path)
    for tid in ("kwame-mensah", "youssef-benali", "amina-haddad"):  # en, fr, ar
        for kind in ("md", "html"):
            text = (cls / "trainees" / tid / f"{LAB}.handout.{kind}").read_text()
            assert "v6lab check --submit URL" in text, (tid, kind)


# -- any body, with a genuine token: refused with a reason, never a 500, nothing stored ------------
def test_random_bodies_with_a_genuine_token_are_refused_not_a_crash(tmp_path: Path) -> None:
    from aiohttp.test_utils import TestClient, TestServer
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from v6plan.lab.instructor._grading import load_keys
    from v6plan.lab.instructor.classroom._server import Limits, make_app
    from v6plan.lab.instructor.classroom._store import Store

    cls = make_class(tmp_path)
    genuine = json.loads(signed_result(cls, tmp_path, TID).read_text())
    manifest = load_keys(cls / "instructor")
    store = Store(tmp_path / "fuzz.sqlite")
    headers = {"Authorization": auth_of(variant_of(cls, TID)), "Content-Type": "application/json"}
    leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.floats())
    value = st.recursive(
        leaf,
        lambda v: st.lists(v, max_size=3) | st.dictionaries(st.text(max_size=5), v, max_size=3),
        max_leaves=10,
    )
    bodies = st.one_of(
        st.binary(max_size=200),
        value.map(lambda v: json.dumps(v).encode()),
        # the genuine result with some fields replaced: the signature no longer matches
        st.dictionaries(st.sampled_from(sorted(genuine)), value, min_size=1, max_size=3).map(
            lambda changes: json.dumps({**genuine, **changes}).encode()
        ),
    )

    async def post_all(samples: list[bytes]) -> list[tuple[int, dict[str, Any]]]:
        app = make_app(manifest, store, Limits(per_trainee=(1e6, 1e6), per_address=(1e6, 1e6)))
        async with TestClient(TestServer(app)) as client:
            out = []
            for body in samples:
                answer = await client.post("/api/results", data=body, headers=headers)
                out.append((answer.status, await answer.json()))
            return out

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(bodies, min_size=1, max_size=5))
    def check(samples: list[bytes]) -> None:
        for (status, answer), body in zip(asyncio.run(post_all(samples)), samples, strict=True):
            if _same(body, genuine):  # a change that changed nothing: the genuine result
                continue
            assert 400 <= status < 500 and answer.get("error"), (status, answer, body[:80])

    import asyncio

    check()
    stored_macs = {report["signature"]["mac"] for _, report in store.reports()}
    assert stored_macs <= {genuine["signature"]["mac"]}  # nothing but the genuine result
    store.close()


def _same(body: bytes, report: dict[str, Any]) -> bool:
    try:
        return bool(json.loads(body) == report)
    except ValueError:
        return False
