"""`v6plan sync` benchmark: operator-29 (6,687 prefixes) into the live Nautobot of
`.ci/start-nautobot`, beside NetBox's own bulk import of the same plan.

Run: ``eval "$(.ci/start-nautobot)"; .venv/bin/python benchmarks/bench_sync.py [--keep]``.

Figures: the first sync (objects per second, beside the 953 s — about 7 prefixes a second —
that NetBox 4.4.10's bulk import took for operator-29's prefixes on this machine, issue 13);
an unchanged re-sync (seconds and writes: it must send none), beside the way a script
commonly checks the same thing with a client library — one GET per prefix (timed on the first
300 and scaled to all, said so); and a one-node change (one write). Every request goes to the
loopback URL the script printed. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "operator-29.yaml"
NETBOX_IMPORT_S = 953.0  # NetBox 4.4.10 bulk import of operator-29's 6,687 prefixes (issue 13)
PEER_SAMPLE = 300


def _client() -> Any:
    from v6plan.sync._client import Client

    with open(os.environ["NAUTOBOT_TOKEN_FILE"], encoding="utf-8") as f:
        return Client(os.environ["NAUTOBOT_URL"], f.read().strip())


def _wipe(root: str) -> None:
    c = _client()
    for path, params in (
        ("/api/ipam/ip-addresses/", {"prefix": root}),
        ("/api/ipam/prefixes/", {"within_include": root}),
        ("/api/dcim/locations/", {"cf_v6plan_path__isw": f"{root} "}),
    ):
        objs = list(c.get_all(path, **params))
        if path.endswith("prefixes/"):
            objs.sort(key=lambda o: -int(o["prefix"].rsplit("/", 1)[1]))
        if objs:
            c.bulk("DELETE", path, [{"id": o["id"]} for o in objs])


def _sync(spec: Path, apply: bool) -> tuple[float, Any]:
    from v6plan.cli._plan import load_plan
    from v6plan.sync._run import connect, sync

    with open(os.environ["NAUTOBOT_TOKEN_FILE"], encoding="utf-8") as f:
        token = f.read().strip()
    started = time.perf_counter()
    plan = load_plan(str(spec))
    dialect = connect("nautobot", os.environ["NAUTOBOT_URL"], token)
    result = sync(plan, dialect, {}, apply=apply)
    return time.perf_counter() - started, result


def _peer_check(root: str) -> float:
    """A script's way: one GET per planned prefix (`prefixes.get(prefix=…)`), scaled."""
    from v6plan.cli._plan import load_plan

    plan = load_plan(str(SPEC))
    prefixes = [plan.prefix_text(i) for i in range(len(plan))]
    c = _client()
    started = time.perf_counter()
    for p in prefixes[:PEER_SAMPLE]:
        c.request("GET", "/api/ipam/prefixes/", prefix=p, depth=0)
    per = (time.perf_counter() - started) / PEER_SAMPLE
    return per * len(prefixes)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", action="store_true", help="leave operator-29 in Nautobot")
    ap.add_argument(
        "--synced", action="store_true", help="operator-29 is in Nautobot already: no first sync"
    )
    args = ap.parse_args()
    if not os.environ.get("NAUTOBOT_URL") or not os.environ.get("NAUTOBOT_TOKEN_FILE"):
        print('bench_sync.py skipped: no live Nautobot (eval "$(.ci/start-nautobot)" first)')
        return 0
    sys.path.insert(0, str(ROOT))
    from v6plan.cli._plan import load_plan

    root = load_plan(str(SPEC)).prefix_text(0)
    if not args.synced:
        _wipe(root)
        first_s, first = _sync(SPEC, True)
        prefixes = sum(1 for c in first.changes if c.kind == "prefix" and c.action == "create")
        print(f"Nautobot {first.version} at {first.url}, operator-29 ({prefixes:,} prefixes)")
        print(
            f"first sync:       {first_s:7.1f} s, {first.writes:,} writes, "
            f"{first.writes / first_s:5.1f} objects/s  (NetBox 4.4 bulk import: "
            f"{NETBOX_IMPORT_S:.0f} s, {prefixes / NETBOX_IMPORT_S:.1f} prefixes/s)"
        )
    again_s, again = _sync(SPEC, True)
    peer = _peer_check(root)
    print(
        f"unchanged re-sync: {again_s:6.1f} s, {again.writes} writes, {again.requests} "
        f"requests  (one GET per prefix: {peer:.0f} s, scaled from {PEER_SAMPLE}; "
        f"ratio {peer / again_s:.0f}×; re-import: {NETBOX_IMPORT_S:.0f} s)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / SPEC.name
        pop = "          - {name: pop, count: 10, role: site, size: /48}\n"
        text = SPEC.read_text().replace(pop, pop + "      - {name: noc, size: /48}\n", 1)
        assert text != SPEC.read_text(), "operator-29's pop line changed: update the bench"
        spec.write_text(text)
        shutil.copy(SPEC.with_suffix(".lock.json"), Path(tmp) / "operator-29.lock.json")
        one_s, one = _sync(spec, True)
        print(f"one-node change:  {one_s:7.1f} s, {one.writes} write(s)")
        if not args.keep:
            _wipe(root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
