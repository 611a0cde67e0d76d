"""The simulator's session process (sim/_server.py, sim/_client.py): one per session,
holding the network between commands, answering exactly as a replay would.

Every test drives the real ``v6lab`` commands in-process (the client side) against a real
session process; the clock is the test's (``time.time`` patched: the client stamps each
request with it), so the replay path (``V6LAB_SERVER=0``) and the process path can be
compared byte for byte. No timing is asserted here (benchmarks/bench_exec.py measures).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _support.lab import require_backend

from v6plan.lab.cli._main import main
from v6plan.lab.runtime._session import Session
from v6plan.lab.runtime.sim._client import SOCKET, server_pid, stop_server

ROOT = Path(__file__).resolve().parents[2]
LAB = "08-slaac"  # RAs, SLAAC and lifetimes that count down: virtual time matters

#: (seconds after the previous command, the command) — a trainee's session
SCENARIO: list[tuple[float, list[str]]] = [
    (2.0, ["exec", "h1", "--", "ip", "-6", "addr"]),
    (1.5, ["exec", "h1", "--", "sysctl", "-w", "net.ipv6.conf.eth0.accept_ra=1"]),
    (0.5, ["exec", "h1", "--", "rdisc6", "-1", "eth0"]),
    (7.0, ["exec", "h1", "--", "ip", "-6", "addr", "show", "dev", "eth0"]),
    (3.0, ["check", "--json"]),
    (0.2, ["exec", "h1", "--", "ip", "-6", "route"]),
    (45.0, ["exec", "h1", "--", "ping", "-6", "-c", "2", "2001:db8:42:2::10"]),
    (0.3, ["status", "--json"]),
    (12.5, ["exec", "h1", "--", "ip", "-6", "neigh"]),
    (0.1, ["capture", "h1", "eth0", "-o", "h1.pcap"]),
    (700.0, ["exec", "h1", "--", "ip", "-6", "addr", "show", "dev", "eth0"]),
    (1.0, ["exec", "nosuch", "--", "ip", "-6", "addr"]),
    (0.4, ["hint"]),
]
#: a routed lab: the reference solution applied through the process, then probes across it
ROUTED: list[tuple[float, list[str]]] = [
    (1.0, ["exec", "h1", "--", "ip", "-6", "addr"]),
    (4.0, ["solve"]),
    (2.5, ["exec", "h1", "--", "traceroute", "-6", "-n", "2001:db8:42:2::10"]),
    (0.5, ["check", "--json"]),
    (30.0, ["exec", "r1", "--", "ip", "-6", "neigh"]),
    (0.1, ["capture", "r1", "eth0", "-o", "r1.pcap"]),
    (3.0, ["exec", "h2", "--", "ping", "-6", "-c", "3", "2001:db8:42:1::10"]),
    (0.2, ["status", "--json"]),
]


@pytest.fixture(autouse=True)
def sim_only(tmp_path: Path) -> Iterator[None]:
    """The simulator only; every session process of the test's state directories ends
    with it (the shared fixture stops those of the main one)."""
    require_backend("sim")
    yield
    for pid_file in tmp_path.glob("*/*/server.pid"):
        stop_server(pid_file.parent)


class Clock:
    """The test's wall clock: ``time.time`` for the whole process while a test runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_700_000_000.0
        monkeypatch.setattr(time, "time", lambda: self.now)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def v6lab(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def session_dir() -> Path:
    return Session.current().dir


def comparable(argv: list[str], answer: tuple[int, str, str], cwd: Path, tag: str) -> object:
    """What must match between the two paths (the session's tag, the report's wall-clock
    stamp and the checks' own durations aside)."""
    code, out, err = (answer[0], *(text.replace(tag, "TAG") for text in answer[1:]))
    if argv[0] == "check":
        report = json.loads(out)
        report.pop("time")
        for check in report["checks"]:
            check.pop("seconds", None)
        return code, report, err
    if argv[0] == "capture":
        return code, (cwd / argv[-1]).read_bytes()
    return code, out, err


def play(
    capsys: pytest.CaptureFixture[str],
    clock: Clock,
    cwd: Path,
    between: Callable[[int], None] = lambda i: None,
    lab: str = LAB,
    scenario: list[tuple[float, list[str]]] = SCENARIO,
) -> list[object]:
    """Start the lab, run the scenario on the test's clock; the answers, comparable."""
    code, _, err = v6lab(capsys, "start", lab)
    assert code == 0, err
    tag = Session.current().info.tag
    answers = []
    for i, (gap, argv) in enumerate(scenario):
        between(i)
        clock.now += gap
        answers.append(comparable(argv, v6lab(capsys, *argv), cwd, tag))
    return answers


def wait_gone(pid: int, within: float = 30.0) -> bool:
    """Poll until ``pid`` has ended (a zombie nobody reaped counts as ended)."""
    from v6plan.lab.runtime.sim._client import _alive

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def in_tmp(tmp_path: Path) -> Iterator[Path]:
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


# -- the same answers ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lab", "scenario", "sign"),
    [(LAB, SCENARIO, "2001:db8:42:1:0:ff:fe00:100/64"), ("05-static-routing", ROUTED, " 0%")],
    ids=["slaac", "routed"],
)
def test_the_session_process_answers_as_the_replay_does(
    capsys: pytest.CaptureFixture[str],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    lab_state: Path,
    in_tmp: Path,
    lab: str,
    scenario: list[tuple[float, list[str]]],
    sign: str,
) -> None:
    """The scenario on the session process, then in a second state directory on the
    replay path: every answer is the same (addresses and lifetimes, routes, neighbours,
    pings, traceroutes, the solution, checks, status, the pcap, the errors)."""
    pids = set()
    record = lambda i: pids.add(server_pid(session_dir()))  # noqa: E731
    served = play(capsys, clock, in_tmp, record, lab, scenario)
    pids.add(server_pid(session_dir()))
    assert None not in pids and len(pids) == 1  # one process answered everything
    assert v6lab(capsys, "stop")[0] == 0

    monkeypatch.setenv("V6LAB_STATE_DIR", str(lab_state.parent / "replayed"))
    monkeypatch.setenv("V6LAB_SERVER", "0")
    clock.now = 1_700_000_000.0
    replayed = play(capsys, clock, in_tmp, lab=lab, scenario=scenario)
    assert server_pid(session_dir()) is None  # the replay path started none
    for argv_gap, a, b in zip(scenario, served, replayed, strict=True):
        assert a == b, argv_gap[1]
    assert any(sign in str(a) for a in served)  # SLAAC happened, the pings arrived: a real run


def test_kill_9_between_commands_loses_nothing(
    capsys: pytest.CaptureFixture[str],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    lab_state: Path,
    in_tmp: Path,
) -> None:
    """SIGKILL the session process before some commands: the next one starts another
    from the journal and answers what the uninterrupted one answered."""
    killed: list[int] = []

    def kill(i: int) -> None:
        if i in (2, 4, 7, 10):
            pid = server_pid(session_dir())
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            assert wait_gone(pid)
            killed.append(pid)

    crashed = play(capsys, clock, in_tmp, kill)
    assert len(set(killed)) == 4  # each kill hit a fresh process
    assert v6lab(capsys, "stop")[0] == 0

    monkeypatch.setenv("V6LAB_STATE_DIR", str(lab_state.parent / "steady"))
    clock.now = 1_700_000_000.0
    steady = play(capsys, clock, in_tmp)
    for argv_gap, a, b in zip(SCENARIO, crashed, steady, strict=True):
        assert a == b, argv_gap[1]


def test_a_retried_request_is_journaled_once(
    capsys: pytest.CaptureFixture[str], clock: Clock
) -> None:
    """The process journals, then dies before it answers: the client's retry (same id)
    gets the same answer from the next process, and the journal keeps one entry."""
    assert v6lab(capsys, "start", LAB)[0] == 0
    directory = session_dir()
    request = {
        "op": "exec",
        "node": "h1",
        "argv": ["ip", "-6", "addr", "add", "2001:db8:42:1::77/64", "dev", "eth0"],
        "timeout": 10.0,
        "t": clock.now + 1,
        "id": "retry-me",
    }

    def ask() -> dict[str, object]:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(directory / SOCKET))
        with sock, sock.makefile("rb") as stream:
            sock.sendall(json.dumps(request).encode() + b"\n")
            answer: dict[str, object] = json.loads(stream.readline())
        return answer

    first = ask()
    pid = server_pid(directory)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert wait_gone(pid)
    Session.current().serve()  # what the client does when it finds none
    deadline = time.monotonic() + 30
    while server_pid(directory) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    second = ask()
    assert first == second == {"result": [0, "", ""]}
    entries = [e for e in Session.current().journal() if e.get("id") == "retry-me"]
    assert len(entries) == 1
    clock.now += 2
    code, out, _ = v6lab(capsys, "exec", "h1", "--", "ip", "-6", "addr", "show", "dev", "eth0")
    assert code == 0 and out.count("2001:db8:42:1::77/64") == 1


def test_another_hand_in_the_journal_is_replayed(
    capsys: pytest.CaptureFixture[str], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command journaled without the process (V6LAB_SERVER=0) is in its next answer."""
    assert v6lab(capsys, "start", LAB)[0] == 0
    clock.now += 1
    assert v6lab(capsys, "exec", "h1", "--", "ip", "-6", "addr")[0] == 0
    pid = server_pid(session_dir())
    monkeypatch.setenv("V6LAB_SERVER", "0")
    clock.now += 1
    add = ["exec", "h1", "--", "ip", "-6", "addr", "add", "2001:db8:42:1::99/64", "dev", "eth0"]
    assert v6lab(capsys, *add)[0] == 0
    monkeypatch.delenv("V6LAB_SERVER")
    clock.now += 1
    code, out, _ = v6lab(capsys, "exec", "h1", "--", "ip", "-6", "addr", "show", "dev", "eth0")
    assert code == 0 and "2001:db8:42:1::99/64" in out
    assert server_pid(session_dir()) == pid  # the same process, in step again


# -- one per session, the user's only, no orphans --------------------------------------------
def test_one_process_per_session_reachable_by_the_user_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, lab_state: Path
) -> None:
    assert v6lab(capsys, "start", LAB)[0] == 0
    first = session_dir()
    assert v6lab(capsys, "exec", "h1", "--", "ip", "-6", "addr")[0] == 0
    monkeypatch.setenv("V6LAB_STATE_DIR", str(lab_state.parent / "other"))
    assert v6lab(capsys, "start", LAB)[0] == 0
    second = session_dir()
    assert v6lab(capsys, "exec", "h1", "--", "ip", "-6", "addr")[0] == 0
    a, b = server_pid(first), server_pid(second)
    assert a is not None and b is not None and a != b
    for directory in (first, second):
        mode = (directory / SOCKET).lstat().st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
    assert v6lab(capsys, "stop")[0] == 0
    assert wait_gone(b) and server_pid(first) == a  # the other session's is untouched


def test_stop_and_cleanup_end_the_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, lab_state: Path
) -> None:
    assert v6lab(capsys, "start", LAB)[0] == 0
    assert v6lab(capsys, "exec", "h1", "--", "ip", "-6", "addr")[0] == 0
    pid = server_pid(session_dir())
    assert pid is not None
    assert v6lab(capsys, "stop")[0] == 0
    assert wait_gone(pid, within=0.5)  # stop waits until it has gone
    assert v6lab(capsys, "start", LAB)[0] == 0
    assert v6lab(capsys, "status")[0] == 0
    pid = server_pid(session_dir())
    assert pid is not None
    assert v6lab(capsys, "cleanup")[0] == 0
    assert wait_gone(pid, within=0.5)


def test_the_process_ends_when_idle_or_when_its_directory_goes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, lab_state: Path
) -> None:
    import shutil

    assert v6lab(capsys, "start", LAB)[0] == 0
    assert v6lab(capsys, "exec", "h1", "--", "ip", "-6", "addr")[0] == 0
    pid = server_pid(session_dir())
    assert pid is not None
    directory = session_dir()
    while directory.exists():  # wiped by hand (rm -rf: the process removes its socket too)
        shutil.rmtree(directory, ignore_errors=True)
    assert wait_gone(pid)

    monkeypatch.setenv("V6LAB_SERVER_IDLE", "0.5")
    monkeypatch.setenv("V6LAB_STATE_DIR", str(lab_state.parent / "idle"))
    assert v6lab(capsys, "start", LAB)[0] == 0
    assert v6lab(capsys, "exec", "h1", "--", "ip", "-6", "addr")[0] == 0
    pid = server_pid(session_dir())
    assert pid is not None
    assert wait_gone(pid)  # nobody asked: it ended by itself
    code, out, _ = v6lab(capsys, "exec", "h1", "--", "ip", "-6", "addr")  # and comes back
    assert code == 0 and "fe80::" in out


# -- the client stays light ----------------------------------------------------------------------
def test_the_client_never_imports_scapy(lab_state: Path) -> None:
    """`v6lab exec`, `check` and `status` in a fresh process answer from the session
    process without importing Scapy (or the planner, for exec)."""
    env = dict(os.environ, V6LAB_STATE_DIR=str(lab_state))
    start = [sys.executable, "-m", "v6plan.lab.cli", "start", LAB]
    assert subprocess.run(start, env=env, cwd=ROOT, capture_output=True).returncode == 0
    code = (
        "import sys\n"
        "from v6plan.lab.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "bad = [m for m in sys.modules if m.startswith('scapy')]\n"
        "assert not bad, bad[:3]\n"
        "if sys.argv[1] == 'exec':\n"
        "    assert 'v6plan._build' not in sys.modules and 'yaml' not in sys.modules\n"
        "sys.exit(rc)\n"
    )
    for argv in (["exec", "h1", "--", "ip", "-6", "addr"], ["check"], ["status"]):
        done = subprocess.run(
            [sys.executable, "-c", code, *argv], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert "AssertionError" not in done.stderr, (argv, done.stderr)
        assert done.returncode in (0, 1), (argv, done.stderr)
        assert done.stdout.strip()
