"""Checks of things the kernel does over time — DAD, router advertisements, SLAAC, routes
from RAs — wait, up to a bounded window, for the network to settle before they report:
``v6lab check`` right after a correct configuration passes, on the kernel as on the
simulator, with the same verdicts. The waiting is the backends' ``settle`` (real time on
netns, virtual time on the sim); a lab's check may declare its own window (``wait:``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.lab import need_lab_programs, require_backend, v6lab

from v6plan.lab.model._labfile import load_lab
from v6plan.lab.runtime._backend import TopologySpec
from v6plan.lab.runtime._session import Session

REAL = ["sim", "netns"]


@pytest.fixture
def sessions() -> object:
    """Whatever a test leaves running (a failed netns run), removed by its own session tag."""
    yield None
    for session in Session.all():
        session.teardown()
        session.remove()


def configure_then_check(lab_name: str, backend: str, commands: dict[str, list[str]]) -> dict:
    """`v6lab start`, the trainee's answers and commands, then `v6lab check` at once."""
    lab = load_lab(lab_name)
    require_backend(backend)
    need_lab_programs(lab, backend)
    code, _, err = v6lab("start", lab_name, "--backend", backend)
    assert code == 0, err
    try:
        run = lab.instantiate()
        for qid, value in run.answers(lab.solution).items():
            assert v6lab("answer", qid, value)[0] in (0, 1)
        for node, lines in commands.items():
            for line in lines:
                code, out, err = v6lab("exec", node, "--", *run.fill(line).split())
                assert code == 0, (line, out, err)
        code, out, err = v6lab("check", "--json")
        assert "Traceback" not in err
        return {c["id"]: (c["passed"], c["code"]) for c in json.loads(out)["checks"]}
    finally:
        assert v6lab("stop")[0] == 0


@pytest.mark.parametrize("backend", REAL)
def test_lab_07_checked_right_after_the_repair_passes(backend: str, sessions: object) -> None:
    """The new address is still tentative (DAD runs on h1) when the check starts: the
    address, the no-duplicate and the reachability checks wait for DAD, then pass."""
    verdicts = configure_then_check(
        "07-ndp-dad",
        backend,
        {"h1": ["ip -6 addr del {h3.eth0}/64 dev eth0", "ip -6 addr add {h1.eth0.cidr} dev eth0"]},
    )
    assert all(passed for passed, _ in verdicts.values()), verdicts


@pytest.mark.parametrize("backend", REAL)
def test_lab_08_checked_right_after_the_solicitation_passes(backend: str, sessions: object) -> None:
    """Accept RAs, solicit one, check at once: SLAAC, the default route and the path to h2
    wait for the RA to be processed (they never depend on the periodic RA)."""
    verdicts = configure_then_check(
        "08-slaac",
        backend,
        {"h1": ["sysctl -w net.ipv6.conf.eth0.accept_ra=1", "rdisc6 -1 eth0"]},
    )
    assert all(passed for passed, _ in verdicts.values()), verdicts


WAITS = """\
lab: 99-wait
topology: ndp-lan
setup:
  configure: [r1, h2]
checks:
  - {id: at-once, type: address, node: h1, iface: eth0, address: "{h1.eth0.cidr}", wait: 0}
  - {id: settled, type: address, node: h1, iface: eth0, address: "{h1.eth0.cidr}"}
solution:
  commands:
    h1: ["sysctl -w net.ipv6.conf.eth0.dad_transmits=2", "ip -6 addr add {h1.eth0.cidr} dev eth0"]
programs: [ip, sysctl]
"""


@pytest.mark.parametrize("backend", REAL)
def test_the_window_is_declared_per_check(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sessions: object
) -> None:
    """`wait: 0` reports the tentative address at once; the type's own window waits for
    DAD — on both backends alike."""
    from v6plan.lab.checks._verify import run_solution

    directory = tmp_path / "labs" / "99-wait"
    (directory / "messages").mkdir(parents=True)
    (directory / "lab.yaml").write_text(WAITS)
    (directory / "messages" / "en.yaml").write_text("title: t\ntask: wait\n")
    lab = load_lab(directory)
    assert [spec.wait for spec in lab.instantiate().checks()] == [0.0, None]
    require_backend(backend)
    need_lab_programs(lab, backend)
    results, failed = run_solution(lab, backend, lab.solution)
    assert not failed
    assert (results["at-once"].passed, results["at-once"].code) == (False, "tentative")
    assert (results["settled"].passed, results["settled"].code) == (True, "ok")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("wait: 0", "wait: 600"), "lab.yaml:6:90: 'wait' is 600; it must be from 0 to 60"),
        (
            (
                '"{h1.eth0.cidr}", wait: 0}',
                '"{h1.eth0.cidr}"}\n  - {id: q, type: quiz, answer: x, wait: 3}',
            ),
            "lab.yaml:7:36: check 'q' (quiz) is graded on answers and never waits — remove 'wait'",
        ),
    ],
)
def test_a_wait_that_cannot_be_is_refused(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    from v6plan import SpecError

    directory = tmp_path / "labs" / "99-wait"
    (directory / "messages").mkdir(parents=True)
    (directory / "lab.yaml").write_text(WAITS.replace(*change))
    (directory / "messages" / "en.yaml").write_text("title: t\ntask: wait\n")
    with pytest.raises(SpecError) as info:
        load_lab(directory)
    assert expected in str(info.value)


# -- the contract: Backend.settle ---------------------------------------------------------------
def counting(until: int) -> tuple[Callable[[], bool], list[int]]:
    calls: list[int] = []

    def condition() -> bool:
        calls.append(1)
        return len(calls) >= until

    return condition, calls


def test_the_simulator_settles_on_virtual_time(tmp_path: Path) -> None:
    require_backend("sim")
    from _support.topologies import three_nodes

    from v6plan.lab.runtime.sim import SimBackend

    sim = SimBackend("vset", tmp_path)
    sim.start(three_nodes("settle"))
    assert sim.world is not None
    world = sim.world
    begun = world.now
    assert not sim.settle(lambda: False, 2.5)
    assert world.now == pytest.approx(begun + 2.5)  # exactly the window, virtually
    begun = world.now
    condition, calls = counting(4)
    assert sim.settle(condition, 10.0)
    assert len(calls) == 4 and world.now == pytest.approx(begun + 3 * 0.05)


def test_the_kernel_settles_by_polling_until_a_deadline(tmp_path: Path) -> None:
    from v6plan.lab.runtime.netns import NetnsBackend

    netns = NetnsBackend("vset", tmp_path)  # settle needs no running topology
    condition, calls = counting(3)
    assert netns.settle(condition, 30.0) and len(calls) == 3
    condition, calls = counting(10**9)
    assert not netns.settle(condition, 0.2) and len(calls) > 1  # polled, not one long sleep


def test_answer_checks_never_wait(tmp_path: Path) -> None:
    """A check graded on answers has no backend to wait on (v6lab answer grades at once)."""
    from v6plan.lab.checks._registry import TYPES

    assert all(kind.settle == 0 for kind in TYPES.values() if not kind.network)
    assert TopologySpec("t", (), ()).programs == ()
