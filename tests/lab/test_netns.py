"""The ``netns`` backend on the real kernel: build, readiness, daemons, crash-safe teardown.

Every test needs root (``need`` fails it in CI when namespaces are unavailable) and
removes whatever it made in ``finally`` — by its own session tag.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _support.lab import need, need_program, need_programs
from _support.topologies import H1, H1_LL, H1_SLAAC, H2, R1_LAN1, ip, star, three_nodes

from v6plan.lab._errors import BackendError
from v6plan.lab.runtime._backend import router_advert

ROOT = Path(__file__).resolve().parents[2]


def tag() -> str:
    return "n" + secrets.token_hex(2)


def namespaces(prefix: str) -> list[str]:
    try:
        return sorted(n for n in os.listdir("/run/netns") if n.startswith(prefix))
    except FileNotFoundError:
        return []


@pytest.fixture
def netns() -> Iterator[type]:
    need(sys.platform.startswith("linux") and os.geteuid() == 0, "netns tests need root on Linux")
    need_programs("ip", sbin=False)  # run by name, as the backend runs them
    from v6plan.lab.runtime.netns import NetnsBackend, available

    need(available() == "", f"netns backend unavailable: {available()}")
    yield NetnsBackend


@pytest.fixture
def backends(netns: type, tmp_path: Path) -> Iterator[list]:  # type: ignore[type-arg]
    """Backends a test starts; every one is stopped and cleaned up by tag afterwards."""
    from v6plan.lab.runtime.netns import cleanup

    made: list = []  # type: ignore[type-arg]
    try:
        yield made
    finally:
        for backend in made:
            backend.stop()
            cleanup(backend.session)


def make(netns: type, backends: list, tmp_path: Path):  # type: ignore[no-untyped-def,type-arg]
    backend = netns(tag(), tmp_path / f"w{len(backends)}")
    backends.append(backend)
    return backend


def test_start_builds_namespaces_links_and_setup_then_stop_removes_them(
    netns, backends, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    need_programs("ping", sbin=False)
    b = make(netns, backends, tmp_path)
    said: list[str] = []
    b.start(three_nodes("basic"), said.append)
    prefix = f"v6lab-{b.session}-"
    assert namespaces(prefix) == [prefix + n for n in ("h1", "h2", "r1")]
    assert any("ready" in line or "usable" in line for line in said)
    addrs = {a.address: a for a in b.addresses("h1")}
    assert H1 in addrs and H1_LL in addrs and not addrs[H1].flags & {"tentative"}
    assert {i.name: i.mac for i in b.interfaces("r1")} == {
        "lo": "00:00:00:00:00:00",
        "eth0": "02:00:00:00:02:00",
        "eth1": "02:00:00:00:02:01",
    }
    assert b.sysctl("r1", "net.ipv6.conf.all.forwarding") == "1"
    assert any(r.length == 0 and r.via == R1_LAN1 and r.proto == "boot" for r in b.routes("h1"))
    result = b.exec("h1", ["ping", "-6", "-c", "1", "2001:db8:2::10"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(n.address == R1_LAN1 and n.state == "REACHABLE" for n in b.neighbours("h1"))
    b.stop()
    assert namespaces(prefix) == []
    b.stop()  # idempotent


def test_two_sessions_do_not_collide(netns, backends, tmp_path) -> None:  # type: ignore[no-untyped-def]
    need_programs("ping", sbin=False)
    first, second = make(netns, backends, tmp_path), make(netns, backends, tmp_path)
    first.start(three_nodes("same"))
    second.start(three_nodes("same"))
    first.stop()
    assert namespaces(f"v6lab-{first.session}-") == []
    assert second.exec("h1", ["ping", "-6", "-c", "1", "2001:db8:2::10"]).returncode == 0


def test_readiness_waits_for_dad_and_stops_on_dadfailed(netns, backends, tmp_path) -> None:  # type: ignore[no-untyped-def]
    b = make(netns, backends, tmp_path)
    started = time.monotonic()
    b.start(three_nodes("dad", dad=True))
    assert time.monotonic() - started >= 0.5  # DAD really ran (1–2 s on the kernel)
    assert all(not a.flags & {"tentative"} for n in ("h1", "r1", "h2") for a in b.addresses(n))
    clash = three_nodes(
        "clash", dad=True, setup={"r1": (ip("addr", "add", "2001:db8:1::10/64", "dev", "eth0"),)}
    )
    c = make(netns, backends, tmp_path)
    c.start(clash)  # returns: a dadfailed address ends the wait instead of hanging
    flags = {a.address: a.flags for a in c.addresses("r1")}
    assert {"dadfailed", "tentative"} <= flags[H1] or {"dadfailed", "tentative"} <= {
        a.address: a.flags for a in c.addresses("h1")
    }[H1]


def test_radvd_serves_slaac_and_is_stopped_by_pid(netns, backends, tmp_path) -> None:  # type: ignore[no-untyped-def]
    need_programs("radvd", sbin=False)
    b = make(netns, backends, tmp_path)
    b.start(three_nodes("ra", advertise={"prefixes": ["2001:db8:1::/64"], "interval": 10}))
    assert H1_SLAAC in {a.address for a in b.addresses("h1")}
    pidfile = b.workdir / "radvd-r1.pid"
    pid = int(pidfile.read_text())
    assert b"radvd" in Path(f"/proc/{pid}/cmdline").read_bytes()
    need_programs("rdisc6", sbin=False)
    result = b.exec("h1", ["rdisc6", "-1", "eth0"])
    assert " Prefix                   : 2001:db8:1::/64" in result.stdout
    b.stop()
    time.sleep(0.05)
    assert (
        not Path(f"/proc/{pid}").exists()
        or b"radvd" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    )
    assert not pidfile.exists()


def test_radvd_accepts_the_config_we_write(netns, tmp_path) -> None:  # type: ignore[no-untyped-def]
    radvd = need_program("radvd")
    from v6plan.lab.runtime.netns import radvd_conf

    advert = router_advert(
        {
            "prefixes": ["2001:db8:1::/64", "2001:db8:2::/64"],
            "managed": True,
            "other": True,
            "interval": 30,
            "lifetime": 0,
            "valid": 0xFFFFFFFF,
            "preferred": 3600,
            "mtu": 1400,
            "preference": "high",
        }
    )
    conf = tmp_path / "radvd.conf"
    conf.write_text(radvd_conf({"eth0": advert, "eth1": router_advert({})}))
    conf.chmod(0o644)
    result = subprocess.run([radvd, "-c", "-C", str(conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


CRASHER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path[:0] = [{tests!r}]
    from _support.topologies import three_nodes
    from v6plan.lab.runtime.netns import NetnsBackend
    b = NetnsBackend({tag!r}, Path({workdir!r}))
    b.start(three_nodes("crash", advertise={{"prefixes": ["2001:db8:1::/64"], "interval": 10}}))
    b.exec("h1", ["true"])
    print("up", flush=True)
    time.sleep(60)
    """
)


def test_cleanup_removes_what_a_killed_process_left(netns, tmp_path) -> None:  # type: ignore[no-untyped-def]
    need_programs("radvd", sbin=False)
    from v6plan.lab.runtime.netns import cleanup

    session = tag()
    script = CRASHER.format(tests=str(ROOT / "tests"), tag=session, workdir=str(tmp_path / "w"))
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "up"
        proc.send_signal(signal.SIGKILL)  # no chance to clean up
        proc.wait()
        prefix = f"v6lab-{session}-"
        assert len(namespaces(prefix)) == 3
        radvd = int((tmp_path / "w" / "radvd-r1.pid").read_text())
        removed = cleanup(session)  # what `v6lab cleanup` / `v6lab stop` call, without the workdir
        assert removed == [prefix + n for n in ("h1", "h2", "r1")]
        assert namespaces(prefix) == []
        time.sleep(0.05)
        assert (
            not Path(f"/proc/{radvd}").exists()
            or b"radvd" not in Path(f"/proc/{radvd}/cmdline").read_bytes()
        )
        assert cleanup(session) == []
    finally:
        if proc.poll() is None:
            proc.kill()
        cleanup(session)


def test_cleanup_of_one_session_spares_the_others(netns, backends, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from v6plan.lab.runtime.netns import cleanup

    keep = make(netns, backends, tmp_path)
    keep.start(three_nodes("keep"))
    cleanup("zz" + secrets.token_hex(2))
    assert len(namespaces(f"v6lab-{keep.session}-")) == 3


def test_machine_wide_cleanup_keeps_running_labs_and_removes_abandoned_ones(
    netns, backends, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """`v6lab cleanup` with no session: another user's running lab survives, leftovers go."""
    from v6plan.lab.runtime.netns import cleanup
    from v6plan.lab.runtime.netns._backend import OWNERS_DIR

    running = make(netns, backends, tmp_path)
    running.start(three_nodes("alive"))
    assert (OWNERS_DIR / running.session).read_text() == str(running.workdir.resolve())
    abandoned = make(netns, backends, tmp_path)
    abandoned.start(three_nodes("gone"))
    shutil.rmtree(abandoned.workdir)  # its owner's session is gone (stopped elsewhere, or killed)
    orphan = "zz" + secrets.token_hex(2)  # no owner record at all
    subprocess.run(["ip", "netns", "add", f"v6lab-{orphan}-x"], check=True)
    try:
        removed = cleanup()
        assert f"v6lab-{orphan}-x" in removed
        assert namespaces(f"v6lab-{abandoned.session}-") == []
        assert not (OWNERS_DIR / abandoned.session).exists()
        assert len(namespaces(f"v6lab-{running.session}-")) == 3
    finally:
        cleanup(orphan)
    running.stop()
    assert not (OWNERS_DIR / running.session).exists()


def test_exec_timeout_interrupts_so_ping_prints_statistics(netns, backends, tmp_path) -> None:  # type: ignore[no-untyped-def]
    need_programs("ping", sbin=False)
    b = make(netns, backends, tmp_path)
    b.start(three_nodes("timeout"))
    result = b.exec("h1", ["ping", "-6", "-i", "0.2", "2001:db8:2::10"], timeout=0.7)
    assert "ping statistics" in result.stdout and " 0% packet loss" in result.stdout
    result = b.exec("h1", ["no-such-command"])
    assert result.returncode != 0 and "no-such-command" in result.stderr


def test_probes_and_capture(netns, backends, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from v6plan.lab.checks._probes import (
        echo_requests,
        neighbour_solicitation,
        read_echo_answers,
        read_neighbour_adverts,
    )

    b = make(netns, backends, tmp_path)
    b.start(three_nodes("probes"))
    started = time.monotonic()
    answers = read_echo_answers(
        b.send_l3("h1", echo_requests(H1, H2, 99, [64, 1, 64]), timeout=3.0), 99
    )
    assert sorted((a.kind, a.seq) for a in answers) == [
        ("reply", 0),
        ("reply", 2),
        ("time-exceeded", 1),
    ]
    own = read_echo_answers(b.send_l3("h1", echo_requests(H1, H1, 98, [64]), timeout=3.0), 98)
    assert [a.kind for a in own] == ["reply"]  # the node's own address answers too
    frames = b.send_l2(
        "h1", "eth0", [neighbour_solicitation("02:00:00:00:01:00", H1_LL, R1_LAN1)], timeout=3.0
    )
    assert read_neighbour_adverts(frames, R1_LAN1) == ["02:00:00:00:02:00"]
    assert time.monotonic() - started < 3.0  # early returns, not three full timeouts
    need_programs("tcpdump", "ping", sbin=False)
    import threading

    pinger = threading.Thread(
        target=lambda: (
            time.sleep(0.3),
            b.exec("h1", ["ping", "-6", "-c", "2", "-i", "0.2", "2001:db8:2::10"]),
        )
    )
    pinger.start()
    path = tmp_path / "r1.pcap"
    count = b.capture("r1", "eth0", path, seconds=1.2)
    pinger.join()
    from scapy.utils import rdpcap

    assert count == len(rdpcap(str(path))) >= 4


def test_bad_inputs_fail_clearly(netns, backends, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BackendError, match="session tag"):
        netns("bad-tag!", tmp_path)
    b = make(netns, backends, tmp_path)
    broken = three_nodes(
        "broken", setup={"h1": (ip("route", "add", "default", "via", "2001:db8:7::1"),)}
    )
    with pytest.raises(
        BackendError, match=r"setting up h1 failed: `ip -6 route add default via 2001:db8:7::1`"
    ):
        b.start(broken)
    assert namespaces(f"v6lab-{b.session}-") == []  # a failed start leaves nothing
    with pytest.raises(BackendError, match="namespaces are gone"):
        b.attach(three_nodes("broken"))


def test_twenty_nodes_full_mesh(netns, backends, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The benchmark's topology works (its timings are printed by benchmarks/bench_lab.py)."""
    from _support.topologies import star_address

    from v6plan.lab.checks._probes import echo_requests, read_echo_answers

    b = make(netns, backends, tmp_path)
    b.start(star(20, "mesh"))
    for i in range(1, 20):
        packets = [
            p
            for j in range(1, 20)
            if j != i
            for p in echo_requests(star_address(i), star_address(j), i, [64], j)
        ]
        answers = read_echo_answers(b.send_l3(f"h{i}", packets, timeout=3.0), i)
        assert len({a.seq for a in answers if a.kind == "reply"}) == 18
