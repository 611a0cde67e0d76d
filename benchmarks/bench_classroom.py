"""Classroom load: N trainees each sending a signed result every few seconds to one
``v6lab classroom serve`` on loopback, while a dashboard follows the grid.

Run: ``.venv/bin/python benchmarks/bench_classroom.py [--trainees 30] [--every 5]
[--minutes 10] [--speed 10]``. ``--speed`` compresses time: at 10, a 5 s interval becomes
0.5 s and 10 minutes one minute — the same results, ten times denser (a harder load).

The load generator is bounded (one task per trainee, one request in flight each) and runs
in its own process; the server is the real command in another. Each trainee's results are
genuine: one real lab session per trainee (04-lan-addressing on the simulator, solved), then
each submission is that result made anew and signed with the trainee's own key, as their
``v6lab check`` would. Prints: results sent, acknowledged, stored (read back from SQLite),
lost and duplicated (both must be 0), submit latency p50/p99/max, and how far the
dashboard's grid lagged behind the acknowledgements (p99). For a ratio, the same load on
an endpoint that only answers (no verification, no durable commit) is the floor: how much
verifying and committing each result before answering costs. Nothing asserts: it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
V6LAB = [sys.executable, "-m", "v6plan.lab.cli"]
LAB = "04-lan-addressing"


def run(*argv: object, env: dict[str, str]) -> str:
    done = subprocess.run(
        [*V6LAB, *map(str, argv)], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"v6lab {' '.join(map(str, argv))}: {done.stderr}")
    return done.stdout


def prepare(tmp: Path, trainees: int, env: dict[str, str]) -> tuple[Path, list[dict[str, Any]]]:
    """A class, and one genuine solved result per trainee (in-process: fast)."""
    roster = tmp / "roster.csv"
    roster.write_text(
        "name,id,email\n"
        + "".join(f"Trainee {i:03d},t{i:03d},t{i:03d}@example.org\n" for i in range(trainees))
    )
    cls = tmp / "class"
    run("variants", LAB, "--roster", roster, "--seed", "bench", "--out", cls, env=env)
    from v6plan.lab.cli import main

    os.environ.update(env)
    os.environ["V6LAB_INSTRUCTOR_SECRET"] = str(cls / "instructor" / "secret.key")
    people = []
    import contextlib
    import io

    import yaml

    for i in range(trainees):
        tid = f"t{i:03d}"
        variant = cls / "trainees" / tid / f"{LAB}.variant.yaml"
        out = tmp / f"{tid}.json"
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            main(["start", LAB, "--variant", str(variant)])
            main(["solve"])
            main(["check", "--report", str(out)])
            main(["stop"])
        fields = yaml.safe_load(variant.read_text())
        people.append(
            {"id": tid, "key": bytes.fromhex(fields["key"]), "result": json.loads(out.read_text())}
        )
    return cls, people


async def load(
    url: str,
    dash: str,
    people: list[dict[str, Any]],
    every: float,
    seconds: float,
    sign_results: bool,
) -> dict[str, Any]:
    """The trainees' load and a dashboard follower, for ``seconds``."""
    import aiohttp

    from v6plan.lab.instructor._secrets import sign
    from v6plan.lab.instructor.classroom._auth import authorization

    latencies: list[float] = []
    acked: dict[str, float] = {}  # mac → when acknowledged
    refused: list[str] = []
    seen_at: dict[int, float] = {}
    stop_at = time.monotonic() + seconds

    async def trainee(
        session: aiohttp.ClientSession, person: dict[str, Any], offset: float
    ) -> None:
        auth = authorization(person["id"], LAB, person["key"])
        headers = {"Authorization": auth, "Content-Type": "application/json"}
        await asyncio.sleep(offset)
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            result = dict(person["result"])
            result["time"] = f"{result['time']}#{n}"  # a new check: another result
            if sign_results:
                result["signature"] = dict(result["signature"], mac=sign(result, person["key"]))
            body = json.dumps(result).encode()
            started = time.perf_counter()
            async with session.post(url + "/api/results", data=body, headers=headers) as answer:
                data = await answer.json()
            latencies.append(time.perf_counter() - started)
            if answer.status == 200:
                acked[str(result["signature"]["mac"])] = time.monotonic()
            else:
                refused.append(f"{answer.status} {data.get('error')}")
            await asyncio.sleep(max(0.0, every - (time.perf_counter() - started)))

    async def dashboard(session: aiohttp.ClientSession) -> None:
        version = -1
        while time.monotonic() < stop_at + 1:
            async with session.get(f"{dash}&since={version}") as answer:
                data = await answer.json()
            version = int(data.get("version", version))
            seen_at.setdefault(version, time.monotonic())

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [trainee(session, p, every * i / len(people)) for i, p in enumerate(people)]
        follower = asyncio.create_task(dashboard(session)) if sign_results else None
        await asyncio.gather(*tasks)
        if follower is not None:
            await asyncio.sleep(1.5)
            follower.cancel()
    return {"latencies": latencies, "acked": acked, "refused": refused, "seen_at": seen_at}


def serve(cls: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str, str]:
    process = subprocess.Popen(
        [*V6LAB, "classroom", "serve", str(cls), "--port", "0", "--rate", "50"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=(cls / "serve.log").open("w"),  # a file: a pipe nobody drains could block it
        text=True,
    )
    assert process.stdout is not None
    text = ""
    while "dashboard" not in text:
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"the server did not start: {(cls / 'serve.log').read_text()}")
        text += line
    found = re.search(r"(http://\S+?)/\?key=([0-9a-f]+)", text)
    assert found
    return process, found.group(1), found.group(2)


FLOOR = """
import sys
from aiohttp import web
async def answer(request):
    await request.read()
    return web.json_response({"recorded": {}})
app = web.Application(client_max_size=2 << 20)
app.router.add_post("/api/results", answer)
import asyncio
async def main():
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


def floor_server() -> tuple[subprocess.Popen[str], int]:
    """The floor, in its own process like the real server: aiohttp that reads the body and
    answers at once (no verification, no storage)."""
    process = subprocess.Popen([sys.executable, "-c", FLOOR], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trainees", type=int, default=30)
    parser.add_argument(
        "--every", type=float, default=5.0, help="seconds between a trainee's results"
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--speed", type=float, default=10.0, help="time compression (1: real time)")
    args = parser.parse_args()
    every, seconds = args.every / args.speed, args.minutes * 60 / args.speed
    with tempfile.TemporaryDirectory(prefix="v6lab-bench-classroom-") as tmp_text:
        tmp = Path(tmp_text)
        env = dict(os.environ, V6LAB_STATE_DIR=str(tmp / "state"), V6LAB_LANG="en")
        t0 = time.perf_counter()
        cls, people = prepare(tmp, args.trainees, env)
        print(
            f"{args.trainees} trainees, 1 genuine session each, in {time.perf_counter() - t0:.1f} s"
        )
        process, url, key = serve(cls, env)
        try:
            got = asyncio.run(load(url, f"{url}/api/grid?key={key}", people, every, seconds, True))
        finally:
            process.terminate()
            process.wait(timeout=30)
        with sqlite3.connect(cls / "instructor" / "classroom.sqlite") as db:
            macs = [m for (m,) in db.execute("SELECT mac FROM results")]
            versions = {m: i for i, m in db.execute("SELECT id, mac FROM results")}
        sent, acked = len(got["latencies"]), got["acked"]
        lost = [m for m in acked if m not in set(macs)]
        lags = []
        for mac, when in acked.items():
            version = versions.get(mac)
            shown = [t for v, t in got["seen_at"].items() if version is not None and v >= version]
            if shown:
                lags.append(max(0.0, min(shown) - when))
        lat = got["latencies"]
        print(
            f"load: every {args.every:g} s for {args.minutes:g} min at {args.speed:g}× "
            f"= one result per {every:.2f} s per trainee for {seconds:.0f} s"
        )
        print(
            f"sent {sent}, acknowledged {len(acked)}, stored {len(macs)}, refused {len(got['refused'])}, "
            f"lost {len(lost)}, duplicated {len(macs) - len(set(macs))}"
        )
        print(
            f"submit latency: p50 {1000 * statistics.median(lat):.1f} ms, p99 {1000 * pct(lat, 0.99):.1f} ms, "
            f"max {1000 * max(lat):.1f} ms ({sent / seconds:.0f} results/s)"
        )
        if lags:
            print(
                f"dashboard behind the acknowledgement: p50 {1000 * statistics.median(lags):.0f} ms, p99 {1000 * pct(lags, 0.99):.0f} ms"
            )
        for reason in sorted(set(got["refused"]))[:5]:
            print(f"  refused: {reason}")

        floor, port = floor_server()
        try:
            base = asyncio.run(
                load(f"http://127.0.0.1:{port}", "", people, every, min(seconds, 20.0), False)
            )["latencies"]
        finally:
            floor.terminate()
            floor.wait(timeout=30)
        print(
            f"floor (answer only, same load): p50 {1000 * statistics.median(base):.1f} ms, "
            f"p99 {1000 * pct(base, 0.99):.1f} ms — verifying and committing costs "
            f"{statistics.median(lat) / statistics.median(base):.1f}× at p50, "
            f"{pct(lat, 0.99) / pct(base, 0.99):.1f}× at p99"
        )


if __name__ == "__main__":
    main()
