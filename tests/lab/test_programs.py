"""The external programs a lab runs: one table of Debian packages (v6plan.lab.runtime._programs),
each lab's ``programs:`` checked against what it really runs, netns refusing to start
(naming the packages) when one is missing, a clear message for ``v6lab exec`` of a missing
program — and the set-up script that installs the tests' packages (.ci/install-packages).

A machine without a tool is made by a PATH that hides it (a directory of symlinks to
everything else): nothing is uninstalled."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _support.lab import need, need_programs, path_without, require_backend, v6lab

from v6plan import SpecError
from v6plan.lab._errors import MissingProgramsError
from v6plan.lab.model._labfile import _used_programs, list_labs, load_lab
from v6plan.lab.runtime._programs import PROGRAMS, missing_message

ROOT = Path(__file__).resolve().parents[2]
APT_PACKAGES = ROOT / ".ci" / "apt-packages"
INSTALL = ROOT / ".ci" / "install-packages"


def apt_packages() -> list[str]:
    lines = APT_PACKAGES.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


# -- the table -------------------------------------------------------------------------------------
def test_ci_installs_the_package_of_every_program_in_the_table() -> None:
    missing = sorted(set(PROGRAMS.values()) - set(apt_packages()))
    assert not missing, f"add to .ci/apt-packages: {missing}"


def test_the_message_names_each_package_and_the_command() -> None:
    text = missing_message(["rdisc6", "radvd", "rdisc6"], "08-slaac runs")
    assert text == (
        "08-slaac runs rdisc6 (Debian package ndisc6), radvd (Debian package radvd), which are"
        " not installed here — install them: sudo apt-get install ndisc6 radvd"
    )


# -- what each lab declares ---------------------------------------------------------------------
@pytest.mark.parametrize("directory", list_labs(), ids=lambda d: d.name)
def test_every_lab_declares_exactly_the_programs_it_runs(directory: Path) -> None:
    """Setup, solutions, known-bad solutions, command checks, radvd for an advertising
    topology and the task's `v6lab exec` lines: declared, and nothing declared in vain
    (a needless program would make netns refuse for nothing)."""
    lab = load_lab(directory)
    used = {program for program, _, _ in _used_programs(lab)}
    assert set(lab.programs) == used
    assert lab.instantiate().topology_spec().programs == lab.programs


def make_lab(tmp_path: Path, body: str, task: str = "do it") -> Path:
    lab = tmp_path / "labs" / "99-test"
    (lab / "messages").mkdir(parents=True)
    (lab / "lab.yaml").write_text(body)
    (lab / "messages" / "en.yaml").write_text(f"title: t\ntask: {task}\n")
    return lab


LAB = """\
lab: 99-test
topology: {topology}
checks:
  - {{id: a, type: address, node: h2, iface: eth0, address: "{{h2.eth0.cidr}}"}}
solution:
  commands: {{h2: ["ip -6 addr add {{h2.eth0.cidr}} dev eth0", "rdisc6 -1 eth0"]}}
programs: [{programs}]
"""


@pytest.mark.parametrize(
    ("topology", "programs", "task", "expected"),
    [
        (
            "lan-router-lan",
            "ip",
            "do it",
            "lab.yaml:6:61: the command `rdisc6 -1 eth0` runs 'rdisc6', which 'programs' does "
            "not declare — declare all it runs: `programs: [ip, rdisc6]`",
        ),
        (
            "lan-router-lan",
            "ip, rdisc6, pign",
            "do it",
            "lab.yaml:7:24: unknown program 'pign' in 'programs' — did you mean 'ping'?",
        ),
        (
            "slaac-lan",
            "ip, rdisc6",
            "do it",
            "lab.yaml:7:11: topology 'slaac-lan' (it advertises) runs 'radvd', which 'programs' "
            "does not declare — declare all it runs: `programs: [ip, rdisc6, radvd]`",
        ),
        (
            "lan-router-lan",
            "ip, rdisc6",
            "then v6lab exec h1 -- traceroute -6 {h2.eth0}",
            "messages/en.yaml: the task (`v6lab exec … -- traceroute`) runs 'traceroute', which "
            "'programs' does not declare",
        ),
    ],
)
def test_a_program_the_lab_runs_must_be_declared(
    tmp_path: Path, topology: str, programs: str, task: str, expected: str
) -> None:
    body = LAB.format(topology=topology, programs=programs)
    with pytest.raises(SpecError) as info:
        load_lab(make_lab(tmp_path, body, task))
    assert expected in str(info.value), str(info.value)


# -- netns: refuse before building, name the package ----------------------------------------------
def test_netns_asks_for_what_the_lab_and_the_backend_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the contract: the lab's programs plus netns's own (ip, radvd where a router
    advertises), looked up on PATH as `ip netns exec` will; the simulator needs none."""
    from v6plan.lab.runtime.netns import NetnsBackend
    from v6plan.lab.runtime.sim import SimBackend

    need_programs("ip", "sysctl", sbin=False)  # the others of the lab, which stay visible
    spec = load_lab("08-slaac").instantiate().topology_spec()
    monkeypatch.setenv("PATH", path_without(tmp_path / "bin", "rdisc6", "radvd", "ping"))
    assert NetnsBackend.missing_programs(spec) == ["radvd", "ping", "rdisc6"]
    assert SimBackend.missing_programs(spec) == []


def test_the_engine_refuses_before_the_backend_builds_anything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from _support.fakebackend import FakeBackend

    def no_build(self: object, *args: object, **kwargs: object) -> None:
        raise AssertionError("start() must not run when programs are missing")

    monkeypatch.setattr(FakeBackend, "missing_programs", classmethod(lambda cls, spec: ["rdisc6"]))
    monkeypatch.setattr(FakeBackend, "start", no_build)
    code, _, err = v6lab("start", "08-slaac", "--backend", "fake")
    assert code == 1, err
    assert err == (
        "v6lab: 08-slaac runs rdisc6 (Debian package ndisc6), which is not installed here — "
        "install it: sudo apt-get install ndisc6\n"
    )
    assert v6lab("status")[0] == 2  # no session was left behind
    from v6plan.lab.runtime._session import Session

    lab = load_lab("08-slaac")
    session = Session.create(lab.directory, "fake", activate=False)
    with pytest.raises(MissingProgramsError) as info:
        session.start(lab.instantiate().topology_spec())
    assert info.value.programs == ["rdisc6"]
    session.remove()


def netns_ready() -> None:
    require_backend("netns")


def test_netns_start_without_rdisc6_refuses_and_names_ndisc6(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lab_state: Path
) -> None:
    netns_ready()
    monkeypatch.setenv("PATH", path_without(tmp_path / "bin", "rdisc6"))
    code, _, err = v6lab("start", "08-slaac", "--backend", "netns")
    assert code == 1
    assert "rdisc6 (Debian package ndisc6)" in err and "sudo apt-get install ndisc6" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not lab_state.exists() or not any(p.is_dir() for p in lab_state.iterdir())


def test_netns_verify_names_every_missing_package_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netns_ready()
    monkeypatch.setenv("PATH", path_without(tmp_path / "bin", "rdisc6", "tcpdump"))
    code, out, err = v6lab("verify", "--backend", "netns")
    assert code == 1 and out == ""
    assert "tcpdump (Debian package tcpdump), rdisc6 (Debian package ndisc6)" in err
    assert "sudo apt-get install tcpdump ndisc6" in err


def test_netns_exec_of_a_missing_program_names_its_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netns_ready()
    code, _, err = v6lab("start", "04-lan-addressing", "--backend", "netns")
    assert code == 0, err
    try:
        monkeypatch.setenv("PATH", path_without(tmp_path / "bin", "rdisc6", "ping"))
        code, out, err = v6lab("exec", "h1", "--", "rdisc6", "-1", "eth0")
        assert code == 127 and out == ""
        assert err == (
            "rdisc6: command not found — it is in the Debian package ndisc6: "
            "sudo apt-get install ndisc6\n"
        )
        code, _, err = v6lab("exec", "h1", "--", "no-such-program")
        assert code == 127 and "No such file or directory" not in err
    finally:
        assert v6lab("stop")[0] == 0


# -- .ci/install-packages ---------------------------------------------------------------------------
def fake_system(tmp_path: Path, uid: int, installed: set[str], apt_ok: bool = True) -> Path:
    """Stubs for `id`, `dpkg-query` and `apt-get` in front of the real PATH; apt-get writes
    what it was asked to tmp_path/apt.log instead of installing anything."""
    stubs = tmp_path / "stubs"
    stubs.mkdir(parents=True)
    (stubs / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (stubs / "dpkg-query").write_text(  # its last argument is the package
        f'#!/bin/sh\nfor last; do :; done\ncase " {" ".join(sorted(installed))} " in\n'
        f'  *" $last "*) printf "install ok installed"; exit 0 ;;\nesac\nexit 1\n'
    )
    (stubs / "apt-get").write_text(
        f'#!/bin/sh\necho "$@" >> {tmp_path / "apt.log"}\nexit {0 if apt_ok else 100}\n'
    )
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    return stubs


def install_packages(stubs: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "V6PLAN_NO_APT")}
    environment.update(env, PATH=f"{stubs}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(
        [str(INSTALL)], capture_output=True, text=True, env=environment, timeout=60
    )


def test_setup_as_a_normal_user_says_what_is_missing_and_installs_nothing(tmp_path: Path) -> None:
    """The path CI (root) never takes: not root, so the missing packages are named with the
    command to install them, nothing is installed, and `make test` goes on (tests skip)."""
    need(sys.platform.startswith("linux"), "the set-up script is for Debian")
    installed = set(apt_packages()) - {"ndisc6", "tcpdump"}
    done = install_packages(fake_system(tmp_path, 1000, installed))
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "missing Debian packages the tests need (not root, so not installing them): ndisc6 "
        "tcpdump\n  the tests that use them will skip; to run them: sudo apt-get install "
        "ndisc6 tcpdump\n"
    )
    assert not (tmp_path / "apt.log").exists()
    in_ci = install_packages(fake_system(tmp_path / "ci", 1000, installed), CI="true")
    assert in_ci.returncode == 1  # in CI a package that cannot be installed is a failure


def test_setup_as_root_installs_what_is_missing_and_says_so(tmp_path: Path) -> None:
    need(sys.platform.startswith("linux"), "the set-up script is for Debian")
    installed = set(apt_packages()) - {"ndisc6", "iputils-ping"}
    done = install_packages(fake_system(tmp_path, 0, installed))
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "installing the Debian packages the tests need (.ci/apt-packages): ndisc6 iputils-ping\n"
        "installed: ndisc6 iputils-ping\n"
    )
    calls = (tmp_path / "apt.log").read_text().splitlines()
    assert calls == ["update -qq", "install -y -qq --no-install-recommends ndisc6 iputils-ping"]


def test_setup_with_nothing_missing_is_silent(tmp_path: Path) -> None:
    need(sys.platform.startswith("linux"), "the set-up script is for Debian")
    done = install_packages(fake_system(tmp_path, 0, set(apt_packages())))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert not (tmp_path / "apt.log").exists()


def test_setup_when_apt_fails_skips_locally_and_fails_in_ci(tmp_path: Path) -> None:
    need(sys.platform.startswith("linux"), "the set-up script is for Debian")
    installed = set(apt_packages()) - {"tmux"}
    local = install_packages(fake_system(tmp_path / "a", 0, installed, apt_ok=False))
    assert local.returncode == 0 and "apt-get install failed" in local.stderr
    assert "the tests that need these will skip: tmux" in local.stderr
    ci = install_packages(fake_system(tmp_path / "b", 0, installed, apt_ok=False), CI="true")
    assert ci.returncode == 1


def test_setup_off_debian_says_it_cannot_check(tmp_path: Path) -> None:
    stubs = fake_system(tmp_path, 0, set())
    (stubs / "dpkg-query").unlink()
    bare = path_without(tmp_path / "bin", "dpkg-query")
    environment = {k: v for k, v in os.environ.items() if k != "CI"}
    environment["PATH"] = f"{stubs}{os.pathsep}{bare}"
    done = subprocess.run([str(INSTALL)], capture_output=True, text=True, env=environment)
    assert done.returncode == 0 and "not a Debian system (no dpkg-query)" in done.stdout
    assert not (tmp_path / "apt.log").exists()
