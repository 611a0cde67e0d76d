"""`v6plan sync` against a real Nautobot (`.ci/start-nautobot`: Nautobot from PyPI on
PostgreSQL and Redis, on loopback). Writes are counted by the server (its change log), not by
the client under test."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _support import ROOT
from _support.ipam import LiveIpam, live_nautobot

from v6plan.cli import main
from v6plan.cli._plan import load_plan
from v6plan.sync._objects import plan_objects

CAMPUS = ROOT / "examples" / "campus.yaml"
ISP = ROOT / "examples" / "isp-core.yaml"


@pytest.fixture(scope="module")
def live() -> LiveIpam:
    return live_nautobot()


def _root(spec: Path) -> str:
    return load_plan(str(spec)).prefix_text(0)


@dataclass
class Synced:
    """campus synced once for the module: the dry run, the first and the second sync."""

    live: LiveIpam
    root: str
    before: int  # the server's change count before anything was sent
    dry: dict[str, Any]
    after_dry: int
    first: dict[str, Any]
    after_first: int
    second: dict[str, Any]
    after_second: int
    text: str  # the table of a third run without --json


@pytest.fixture(scope="module")
def campus(live: LiveIpam) -> Synced:
    """The IPAM without anything of the examples' roots, then campus synced into it: once,
    since a sync is slow on a shared 2-core machine. Tests that change it put it back."""
    live.wipe(_root(CAMPUS), _root(ISP))
    argv = ["sync", str(CAMPUS), "--nautobot", live.url, "--token-file", live.token_file]
    runs: list[Any] = [live.changes()]
    for extra in ([], ["--apply"], ["--apply"]):
        out = io.StringIO()
        with redirect_stdout(out):
            assert main([*argv, "--json", *extra]) == 0
        runs += [json.loads(out.getvalue()), live.changes()]
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(argv) == 0
    return Synced(live, _root(CAMPUS), *runs, out.getvalue())


def sync(live: LiveIpam, spec: Path, *args: str, capsys: Any) -> tuple[int, dict[str, Any], str]:
    """Run `v6plan sync … --json` in-process: exit code, the JSON, stderr."""
    capsys.readouterr()
    code = main(
        [
            "sync",
            str(spec),
            "--nautobot",
            live.url,
            "--token-file",
            live.token_file,
            "--json",
            *args,
        ]
    )
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else {}), err


def _managed(objects: list[dict[str, Any]], root: str) -> list[dict[str, Any]]:
    """The objects whose marker names the plan of ``root``."""
    mark = f"{root} "
    return [o for o in objects if (o["custom_fields"].get("v6plan_path") or "").startswith(mark)]


def _expected_counts(spec: Path) -> dict[str, int]:
    tables = plan_objects(load_plan(str(spec)), {}).tables
    return {"prefix": len(tables["prefixes"]), "ip-address": len(tables.get("ip-addresses", []))}


def test_first_sync_of_campus_then_a_second_sync_sends_nothing(campus: Synced) -> None:
    live, root = campus.live, campus.root
    expected = _expected_counts(CAMPUS)
    assert campus.dry["applied"] is False and campus.dry["writes"] == 0
    assert campus.after_dry == campus.before, "a dry run wrote to the IPAM"
    assert campus.dry["counts"]["prefix"] == {"create": expected["prefix"]}
    assert campus.first["applied"] is True
    held = live.prefixes(root)
    assert len(held) == expected["prefix"]
    assert campus.after_first - campus.before >= expected["prefix"] + expected["ip-address"]
    lan = next(p for p in held.values() if (p.get("role") or {}).get("name") == "lan")
    assert lan["type"]["value"] == "network" and lan["status"]["name"] == "Active"
    assert lan["custom_fields"]["v6plan_path"].startswith(f"{root} ")
    assert held[root]["type"]["value"] == "container"
    addresses = live.get_all("/api/ipam/ip-addresses/", prefix=root)
    assert len(addresses) == expected["ip-address"]
    # the second sync: nothing to send, and the server logged no change
    assert campus.second["writes"] == 0 and campus.second["changes"] == []
    assert campus.after_second == campus.after_first, "the second sync wrote to the IPAM"
    assert "already holds the plan: nothing to send" in campus.text


def _grown(tmp_path: Path) -> Path:
    """campus with two more data-centre server LANs (its lock copied: the rest stays put)."""
    spec = tmp_path / "campus.yaml"
    text = CAMPUS.read_text().replace("count: 16, vlan: 500", "count: 18, vlan: 500")
    assert "count: 18" in text
    spec.write_text(text)
    shutil.copy(CAMPUS.with_name("campus.lock.json"), tmp_path / "campus.lock.json")
    return spec


def test_a_grown_spec_sends_only_the_new_objects_and_prune_removes_them_again(
    campus: Synced, tmp_path: Path, capsys: Any
) -> None:
    live, root = campus.live, campus.root
    grown = _grown(tmp_path)
    before = live.changes()
    code, result, _ = sync(live, grown, "--apply", capsys=capsys)
    assert code == 0
    sent = {(c["action"], c["kind"]) for c in result["changes"]}
    assert sent == {("create", "prefix"), ("create", "vlan")}
    assert result["writes"] == 4 and live.changes() - before == 4
    new = [c["key"] for c in result["changes"] if c["kind"] == "prefix"]
    assert all(p in live.prefixes(root) for p in new)

    # back to the original spec: without --prune the two are listed, kept
    code, kept, _ = sync(live, CAMPUS, capsys=capsys)
    assert {c["action"] for c in kept["changes"]} == {"extra"}
    code, dry, _ = sync(live, CAMPUS, "--prune", capsys=capsys)
    assert sorted(c["key"] for c in dry["changes"] if c["kind"] == "prefix") == sorted(new)
    assert {c["action"] for c in dry["changes"]} == {"prune"}
    before = live.changes()
    code, pruned, _ = sync(live, CAMPUS, "--prune", "--apply", capsys=capsys)
    assert code == 0 and pruned["writes"] == 4 and live.changes() - before == 4
    assert not [p for p in new if p in live.prefixes(root)]
    assert sync(live, CAMPUS, "--prune", capsys=capsys)[1]["changes"] == []


def test_a_hand_made_object_is_left_alone(campus: Synced, capsys: Any) -> None:
    live, root = campus.live, campus.root
    c = live.client()
    status = c.request("GET", "/api/extras/statuses/", name="Reserved")["results"][0]["id"]
    held = live.prefixes(root)
    # one prefix the plan does not have, and one the plan has, retyped by hand
    free = next(
        f"2001:db8:cafe:{n:x}::/64"
        for n in range(0xF000, 0xFFFF)
        if f"2001:db8:cafe:{n:x}::/64" not in held
    )
    mine = c.request(
        "POST", "/api/ipam/prefixes/", {"prefix": free, "status": status, "description": "by hand"}
    )
    lan = next(p for p in held.values() if (p.get("role") or {}).get("name") == "lan")
    c.request(
        "PATCH",
        f"/api/ipam/prefixes/{lan['id']}/",
        {"description": "edited by hand", "custom_fields": {"v6plan_path": None}},
    )
    before = live.changes()
    code, result, _ = sync(live, CAMPUS, "--prune", "--apply", capsys=capsys)
    assert code == 0 and result["writes"] == 0 and live.changes() == before
    actions = {c["key"]: c["action"] for c in result["changes"]}
    assert actions == {free: "other", lan["prefix"]: "foreign"}
    now = live.prefixes(root)
    assert now[free]["description"] == "by hand" and now[free]["id"] == mine["id"]
    assert now[lan["prefix"]]["description"] == "edited by hand"
    # put campus back as the module had it
    c.request("DELETE", f"/api/ipam/prefixes/{mine['id']}/")
    c.request(
        "PATCH",
        f"/api/ipam/prefixes/{lan['id']}/",
        {"description": lan["description"], "custom_fields": lan["custom_fields"]},
    )
    assert sync(live, CAMPUS, "--prune", capsys=capsys)[1]["changes"] == []


def test_first_sync_of_isp_core_killed_midway_completes_on_a_rerun_without_duplicates(
    campus: Synced, capsys: Any
) -> None:
    """isp-core's first sync, killed (SIGKILL) after some batches, then run again: it
    completes, nothing is duplicated, and a further run sends nothing."""
    live = campus.live
    root = _root(ISP)
    expected = _expected_counts(ISP)
    before = live.changes()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "v6plan", "sync", str(ISP), "--nautobot", live.url]
    argv += ["--token-file", live.token_file, "--apply", "--batch", "5", "--no-progress"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while live.changes() < before + 40 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(30)
        if proc.stderr:
            proc.stderr.close()
    partial = len(_managed(live.get_all("/api/ipam/prefixes/", within_include=root), root))
    assert partial < expected["prefix"], "the sync finished before it was killed"
    code, result, _ = sync(live, ISP, "--apply", capsys=capsys)
    assert code == 0 and result["applied"]
    held = _managed(live.get_all("/api/ipam/prefixes/", within_include=root), root)
    assert len(held) == len({p["prefix"] for p in held}) == expected["prefix"]
    addresses = _managed(live.get_all("/api/ipam/ip-addresses/", prefix=root), root)
    assert len(addresses) == len({a["address"] for a in addresses}) == expected["ip-address"]
    before = live.changes()
    code, again, _ = sync(live, ISP, "--apply", capsys=capsys)
    assert code == 0 and again["writes"] == 0
    # campus lies inside isp-core's /32: its objects are another plan's, listed and left
    # alone; both plans name a VLAN group `core` (names are global): isp-core uses campus's
    # as it is, as an import matching by name would, and changes nothing of it
    assert {c["action"] for c in again["changes"]} == {"other", "foreign"}
    assert all(c["marker"].startswith(f"{campus.root} ") for c in again["changes"])
    assert {c["key"] for c in again["changes"] if c["action"] == "foreign"} == {"core", "core/10"}
    assert live.changes() == before
    # the campus plan beside it is untouched by isp-core's sync
    assert sync(live, CAMPUS, "--prune", capsys=capsys)[1]["changes"] == []


def test_a_wrong_token_is_one_clear_message(live: LiveIpam, tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "token"
    bad.write_text("0123456789abcdef0123456789abcdef01234567")
    capsys.readouterr()
    code = main(["sync", str(CAMPUS), "--nautobot", live.url, "--token-file", str(bad)])
    out, err = capsys.readouterr()
    assert code == 1 and "refused the token" in err and "Traceback" not in err
    assert "0123456789abcdef" not in out + err


def test_a_server_that_is_down_is_one_clear_message(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = tmp_path / "token"
    token.write_text("t")
    argv = [sys.executable, "-m", "v6plan", "sync", str(CAMPUS)]
    argv += ["--nautobot", f"http://127.0.0.1:{port}", "--token-file", str(token)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"cannot reach http://127.0.0.1:{port}" in done.stderr
    assert "is the server up" in done.stderr


def test_tenants_and_dns_names_are_sent_once(campus: Synced, capsys: Any) -> None:
    """isp-core with a tenant per top-level node and DNS names: the tenants are created, the
    objects under them updated (no new prefix), then a further run sends nothing."""
    live = campus.live
    root = _root(ISP)
    assert sync(live, ISP, "--apply", capsys=capsys)[0] == 0  # synced, as the test before left it
    settings = ["--set", "tenant-depth=1", "--set", "domain=isp.example"]
    code, result, _ = sync(live, ISP, *settings, "--apply", capsys=capsys)
    assert code == 0
    created = {c["kind"] for c in result["changes"] if c["action"] == "create"}
    assert created == {"tenant"}
    loopbacks = _managed(live.get_all("/api/ipam/ip-addresses/", prefix=root, depth=1), root)
    named = {a["dns_name"]: (a["tenant"] or {}).get("name") for a in loopbacks if a["dns_name"]}
    assert named.get("cr1.isp.example") == "core"
    before = live.changes()
    code, again, _ = sync(live, ISP, *settings, "--apply", capsys=capsys)
    assert code == 0 and again["writes"] == 0 and live.changes() == before
