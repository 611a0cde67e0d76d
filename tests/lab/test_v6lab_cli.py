"""The trainee's command, in-process on the fake backend (state survives between calls
only through the session journal, as on the simulator), plus start-up and misuse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from v6plan.lab.cli._main import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def v6lab(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_does_not_import_scapy() -> None:
    code = (
        "import sys\n"
        "from v6plan.lab.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in sys.modules if m.startswith(('scapy', 'textual'))]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "v6lab start 04-lan-addressing" in result.stdout


def test_every_command_has_help_with_examples() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "==SUPPRESS==" and hasattr(a, "choices"))
    names = set(sub.choices)  # type: ignore[arg-type]
    assert {
        "list",
        "start",
        "status",
        "task",
        "exec",
        "shell",
        "check",
        "hint",
        "capture",
        "solve",
        "stop",
        "cleanup",
    } <= names
    for name, command in sub.choices.items():  # type: ignore[union-attr]
        assert "examples:" in command.format_help(), name


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["task"],
        ["exec", "h1", "--", "ip", "-6", "addr"],
        ["check"],
        ["hint"],
        ["capture", "h1", "eth0", "-o", "x.pcap"],
        ["solve"],
        ["stop"],
        ["shell", "h1"],
    ],
)
def test_no_lab_started(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, _, err = v6lab(capsys, *command)
    assert code == 2
    assert (
        err.strip()
        == "v6lab: no lab is running — start one with `v6lab start LAB` (see `v6lab list`)"
    )


def test_unknown_lab_and_backend(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = v6lab(capsys, "start", "04-lan-adressing")
    assert (
        code == 2 and "no lab named '04-lan-adressing' — did you mean '04-lan-addressing'?" in err
    )
    code, _, err = v6lab(capsys, "start", "04-lan-addressing", "--backend", "docker")
    assert code == 2 and "unknown backend 'docker'; use sim or netns" in err


def test_netns_without_root_says_what_to_do(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    code, _, err = v6lab(capsys, "start", "04-lan-addressing", "--backend", "netns")
    assert code == 2
    assert "sudo v6lab start LAB --backend netns" in err and "use the simulator" in err
    assert "Traceback" not in err


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = v6lab(capsys, "list", "--json")
    labs = {lab["name"]: lab for lab in json.loads(out)["labs"]}
    assert code == 0 and {"04-lan-addressing", "06-p2p-loopbacks", "08-slaac"} <= set(labs)
    assert labs["06-p2p-loopbacks"]["nodes"] == 4 and not labs["06-p2p-loopbacks"]["running"]
    code, out, _ = v6lab(capsys, "list")
    assert "04-lan-addressing" in out and "Static addressing of a LAN" in out


def test_a_whole_session(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lab_state: Path
) -> None:
    code, out, err = v6lab(capsys, "start", "04-lan-addressing", "--backend", "fake")
    assert code == 0 and "ready" in out and "configured r1" in err  # progress on stderr
    code, _, err = v6lab(capsys, "start", "06-p2p-loopbacks", "--backend", "fake")
    assert code == 2 and "04-lan-addressing is already running" in err

    code, out, _ = v6lab(capsys, "task")
    assert (
        code == 0
        and "2001:db8:42:1::10/64" in out
        and out.startswith("Static addressing of a LAN\n===")
    )

    code, out, _ = v6lab(capsys, "status", "--json")
    status = json.loads(out)
    assert status["lab"] == "04-lan-addressing" and status["backend"] == "fake"
    r1 = next(n for n in status["nodes"] if n["name"] == "r1")
    assert any(a["address"] == "2001:db8:42:2::1" for i in r1["interfaces"] for a in i["addresses"])

    code, out, _ = v6lab(capsys, "check", "--json")
    result = json.loads(out)
    assert code == 1 and result["score"] < result["total"]
    assert {c["id"]: c["code"] for c in result["checks"]}["h1-address"] == "missing"

    # each command is a new process in real life: the journal carries the state over
    assert (
        v6lab(
            capsys, "exec", "r1", "ip", "-6", "addr", "add", "2001:db8:42:1::1/64", "dev", "eth0"
        )[0]
        == 0
    )
    assert (
        v6lab(
            capsys,
            "exec",
            "h1",
            "--",
            "ip",
            "-6",
            "addr",
            "add",
            "2001:db8:42:1::10/64",
            "dev",
            "eth0",
        )[0]
        == 0
    )
    code, out, _ = v6lab(capsys, "check", "--plain")
    assert code == 1
    assert "[PASS]  h1-address" in out and "✓" not in out and "✗" not in out
    assert "[FAIL]  h1-reaches-h2     h1 has no route to 2001:db8:42:2::10 (h2)" in out

    code, out, _ = v6lab(capsys, "hint")
    assert (
        code == 0
        and "h1-default-route" in out
        and "ip -6 route add default via 2001:db8:42:1::1" in out
    )
    code, out, _ = v6lab(capsys, "hint", "h1-reaches-h2")
    assert "hint: h2 (2001:db8:42:2::10) is on another LAN" in out
    code, _, err = v6lab(capsys, "hint", "h1-reach-h2")
    assert code == 2 and "did you mean 'h1-reaches-h2'?" in err

    code, _, err = v6lab(capsys, "exec", "h3", "--", "ip", "-6", "addr")
    assert code == 2 and "no node 'h3' in this lab — did you mean 'h2'? (nodes: h1, r1, h2)" in err

    report = tmp_path / "result.json"
    assert (
        v6lab(
            capsys, "exec", "h1", "ip", "-6", "route", "add", "default", "via", "2001:db8:42:1::1"
        )[0]
        == 0
    )
    code, out, _ = v6lab(capsys, "check", "--report", str(report))
    assert (code == 0 and "✓ PASS" in out) or "[PASS]" in out
    saved = json.loads(report.read_text())
    assert saved["score"] == saved["total"] == 10
    csv_report = tmp_path / "result.csv"
    v6lab(capsys, "check", "--report", str(csv_report))
    assert csv_report.read_text().splitlines()[0].startswith("lab,session,variant,check,passed")

    pcap = tmp_path / "r1.pcap"
    code, out, _ = v6lab(capsys, "capture", "r1", "eth0", "-o", str(pcap))
    assert code == 0 and pcap.read_bytes()[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4")
    code, _, err = v6lab(capsys, "capture", "r1", "eth5", "-o", str(pcap))
    assert code == 2 and "r1 has no interface 'eth5'" in err

    session_dirs = [p for p in lab_state.iterdir() if p.is_dir()]
    journal = (session_dirs[0] / "journal.jsonl").read_text().splitlines()
    assert json.loads(journal[-1])["argv"][:3] == ["ip", "-6", "route"]

    code, out, _ = v6lab(capsys, "stop")
    assert code == 0 and "stopped 04-lan-addressing" in out
    assert not [p for p in lab_state.iterdir() if p.is_dir()]
    assert v6lab(capsys, "status")[0] == 2


def test_solve_reference_and_known_bad(capsys: pytest.CaptureFixture[str]) -> None:
    assert v6lab(capsys, "start", "06-p2p-loopbacks", "--backend", "fake")[0] == 0
    code, out, _ = v6lab(capsys, "solve", "--list")
    assert "1  link-as-64: the link is numbered with /64s instead of the /127" in out
    assert "0  reference solution" in out
    code, out, _ = v6lab(capsys, "solve", "--list", "--lang", "fr")
    assert "0  solution de référence" in out  # the list's own words are translated too
    code, _, err = v6lab(capsys, "solve", "--broken", "9")
    assert code == 2 and "use --broken 1 to 4" in err
    assert v6lab(capsys, "solve", "--broken", "1")[0] == 0
    code, out, _ = v6lab(capsys, "check", "--json")
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    assert (
        checks["r1-link-address"]["message"]
        == "r1 has 2001:db8:42:3::2/64 on eth1 — the link is a /127"
    )
    assert checks["r1-link-address"]["hint"]
    assert v6lab(capsys, "start", "06-p2p-loopbacks", "--backend", "fake", "--replace")[0] == 0
    assert v6lab(capsys, "solve")[0] == 0
    code, out, _ = v6lab(capsys, "check")
    assert code == 0 and "All checks passed" in out
    v6lab(capsys, "stop")


def test_variant(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    variant = tmp_path / "alice.yaml"
    variant.write_text("variant: alice\nprefix: 2001:db8:a11c::/48\n")
    code, out, _ = v6lab(
        capsys, "start", "04-lan-addressing", "--backend", "fake", "--variant", str(variant)
    )
    assert code == 0 and "variant alice: 2001:db8:a11c::/48" in out
    assert "2001:db8:a11c:1::10/64" in v6lab(capsys, "task")[1]
    v6lab(capsys, "solve")
    assert v6lab(capsys, "check")[0] == 0
    v6lab(capsys, "stop")


def test_sim_shell_runs_lines_on_the_node(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    v6lab(capsys, "start", "04-lan-addressing", "--backend", "fake")
    monkeypatch.setattr(
        sys, "stdin", io.StringIO("echo hello from h1\n# a comment\nexit\necho never\n")
    )
    code, out, _ = v6lab(capsys, "shell", "h1")
    assert code == 0 and out == "hello from h1\n"
    v6lab(capsys, "stop")


def test_cleanup_after_a_crash(
    capsys: pytest.CaptureFixture[str], lab_state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from v6plan.lab.runtime import _session

    calls: list[object] = []
    # never sweep every v6lab namespace of this machine from a test: other runs use them
    monkeypatch.setattr(_session, "cleanup_leftovers", lambda *a, **k: calls.append(a) or [])
    v6lab(capsys, "start", "04-lan-addressing", "--backend", "fake")
    (lab_state / "active").unlink()  # as if v6lab was killed half-way
    code, out, _ = v6lab(capsys, "cleanup")
    assert code == 0 and "removed session" in out
    assert not [p for p in lab_state.iterdir() if p.is_dir()]


def test_a_failed_start_leaves_no_session(
    capsys: pytest.CaptureFixture[str], lab_state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from _support.fakebackend import FakeBackend

    def broken(self: FakeBackend, node: str, argv: list[str], timeout: float = 10.0) -> object:
        from v6plan.lab.runtime._backend import CommandResult

        return CommandResult(2, "", "RTNETLINK answers: Permission denied\n")

    monkeypatch.setattr(FakeBackend, "exec", broken)
    code, _, err = v6lab(capsys, "start", "04-lan-addressing", "--backend", "fake")
    assert code == 1 and "setting up r1 failed" in err and "Permission denied" in err
    assert not (lab_state / "active").exists()
    assert not [p for p in lab_state.iterdir() if p.is_dir()]


def test_verify_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = v6lab(capsys, "verify", "04-lan-addressing", "--backend", "fake", "--json")
    data = json.loads(out)
    assert code == 0 and [r["solution"] for r in data["results"]] == [
        "reference",
        "wrong-length",
        "no-default-route",
        "wrong-gateway",
        "router-unaddressed",
        "outside-plan",
    ]
    assert all(r["ok"] for r in data["results"])


def netns_names() -> list[str]:
    try:
        return os.listdir("/run/netns")
    except FileNotFoundError:
        return []


def test_a_killed_netns_start_leaves_nothing_after_stop(lab_state: Path) -> None:
    """kill -9 during `v6lab start --backend netns`, then `v6lab stop`: no namespace of
    that session is left (names carry the session tag; nothing else is touched)."""
    import signal
    import time

    from _support.lab import need_lab_programs, require_backend

    from v6plan.lab.model._labfile import load_lab

    require_backend("netns")
    need_lab_programs(load_lab("06-p2p-loopbacks"), "netns")
    env = dict(os.environ, V6LAB_STATE_DIR=str(lab_state))
    proc = subprocess.Popen(
        [PYTHON, "-m", "v6plan.lab.cli", "start", "06-p2p-loopbacks", "--backend", "netns"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()  # "starting … (session vXXXX)": the namespaces come next
    tag = line.rsplit("session ", 1)[1].strip(" )\n")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(
        n.startswith(f"v6lab-{tag}-") for n in netns_names()
    ):
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    result = subprocess.run(
        [PYTHON, "-m", "v6plan.lab.cli", "stop"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    left = [n for n in netns_names() if n.startswith(f"v6lab-{tag}-")]
    assert not left
    assert not [p for p in lab_state.iterdir() if p.is_dir()]
