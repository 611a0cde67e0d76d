"""The hostile corpus (tests/data/hostile/, its README says what each file is), run through
the real commands as a user would: a subprocess under a memory cap, for every command that
reads that kind of file. Each must end in our one-line message naming the file (exit 2;
result files handed in are graded as "unreadable" instead, exit 1), with no traceback and
nothing written. The peak RSS of the worst input is reported at the end (-s shows it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _support import DATA
from _support.capped import Run, run_capped

from v6plan._limits import (
    ANSWER_FILE_BYTES,
    KEYMAP_BYTES,
    LAB_FILE_BYTES,
    LOCK_BYTES,
    RESULT_BYTES,
    ROSTER_TRAINEES,
    SECRET_BYTES,
    SPEC_BYTES,
    TOPOLOGY_NODES,
)

HOSTILE = DATA / "hostile"
#: Files of this corpus whose outcome is not "exit 2": extreme but valid inputs that must
#: still be bounded (code, a text the output must hold).
ACCEPTED = {
    "spec-huge-growth.yaml": (2, "nodes"),  # 16,777,216 × growth: refused by the node budget
    "answer-billion-laughs.yaml": (1, "✗"),  # a wrong answer (checks fail), not bad input
    "answer-count-bomb.yaml": (1, "✗"),
}
#: Where the message names another file than the hostile one (the one it points to).
NAMES = {
    "topology-plan-escape.yaml": "passwd",
    "topology-plan-device.yaml": "/dev/zero",
    "lab-topology-escape": "dev/zero",
    "manifest-secret-device.json": "/dev/zero",
}
PEAKS: dict[str, int] = {}


def corpus(prefix: str) -> list[str]:
    names = sorted(p.name for p in HOSTILE.iterdir() if p.name.startswith(prefix))
    assert names, prefix
    return names


def _generated() -> dict[str, bytes]:
    """Files too big to keep in git, made on demand (the README of the corpus lists them)."""
    nodes = "".join(f"  n{i}: host\n" for i in range(TOPOLOGY_NODES + 1))
    siblings = "".join(f"  - {{name: n{i}, count: 10000, size: /64}}\n" for i in range(20000))
    many = [f"n{i}" for i in range(60000)]
    return {
        # 200 million sibling names to compare (22 GB when each was made); 20,000 explicit
        # loopback names and 60,000 retired ones (each looked up in a list: quadratic)
        "spec-sibling-names-bomb.yaml": f"prefix: 2001:db8::/16\nchildren:\n{siblings}".encode(),
        "spec-loopback-named-twice.yaml": (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: lo, role: loopback, count: 1048576, "
            f"names: [{', '.join(many[:20000])}, lo-1048576]}}\n"
        ).encode(),
        "spec-retire-bomb.yaml": (
            f"prefix: 2001:db8::/16\nchildren:\n  - {{name: a, size: /64, names: [{', '.join(many)}], "
            f"retire: [{', '.join(reversed(many[1:]))}, x]}}\n"
        ).encode(),
        "spec-giant-line.yaml": b"plan: " + b"x" * (SPEC_BYTES + 10) + b"\n",
        "lock-giant.lock.json": b'{"v6plan-lock": 1, "spec": "' + b"x" * LOCK_BYTES + b'"}',
        "topology-too-many-nodes.yaml": f"topology: big\nnodes:\n{nodes}".encode(),
        "topology-giant.yaml": b"# " + b"x" * LAB_FILE_BYTES + b"\n",
        "roster-giant-field.csv": b'name,lang\n"' + b"x" * (200 << 10) + b'",en\n',
        "roster-too-many.csv": b"name\n"
        + b"".join(b"t%d\n" % i for i in range(ROSTER_TRAINEES + 1)),
        "result-giant.json": b'{"checks": [], "x": "' + b"x" * RESULT_BYTES + b'"}',
        "secret-giant.key": b"a" * (SECRET_BYTES + 1),
        "answer-giant.yaml": b"# " + b"x" * ANSWER_FILE_BYTES + b"\n",
        "keymap-giant.toml": b"# " + b"x" * KEYMAP_BYTES + b"\n",
    }


GENERATED = _generated()


def place(tmp_path: Path, name: str) -> Path:
    """A copy of a corpus file (or a generated one) in the test's own directory."""
    target = tmp_path / name
    source = HOSTILE / name
    if name in GENERATED:
        target.write_bytes(GENERATED[name])
    elif source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copyfile(source, target)
    return target


def names(prefix: str) -> list[str]:
    return corpus(prefix) + sorted(n for n in GENERATED if n.startswith(prefix))


@dataclass
class Expect:
    code: int = 2
    text: str = ""


def check(run: Run, name: str, what: str, expect: Expect | None = None) -> None:
    """Our message, the right exit code, the file named, no traceback; record the peak."""
    code, text = ACCEPTED.get(name, (2, ""))
    if expect is not None:
        code, text = expect.code, expect.text
    PEAKS[f"{what} {name}"] = run.peak_rss_kib
    assert "Traceback" not in run.text, run.text[-3000:]
    assert run.code == code, f"{what} {name}: exit {run.code}\n{run.text[-2000:]}"
    assert text in run.text, run.text[-2000:]
    if code == 2:
        named = NAMES.get(name, name.split("/")[0])
        assert named in run.err, run.err[-2000:]
        assert len(run.err.splitlines()) <= 40, run.err[-2000:]  # a message, not a dump


@pytest.fixture(scope="module", autouse=True)
def report_peaks() -> Iterator[None]:
    yield
    if PEAKS:
        worst = max(PEAKS, key=PEAKS.__getitem__)
        print(
            f"\nhostile corpus: {len(PEAKS)} runs, worst peak RSS {PEAKS[worst] >> 10} MiB ({worst})"
        )
        kinds: dict[str, tuple[int, str]] = {}
        for key, peak in PEAKS.items():
            kind = key.split(" ")[-1].split("-")[0]
            if peak > kinds.get(kind, (0, ""))[0]:
                kinds[kind] = (peak, key)
        for kind, (peak, key) in sorted(kinds.items()):
            print(f"  {kind:<9} {peak >> 10:4} MiB  {key}")


# -- plan specs and locks -------------------------------------------------------------------------
SPEC_COMMANDS = [("plan",), ("show",), ("check",), ("export", "-f", "csv", "-o", "out.csv")]


@pytest.mark.parametrize("name", names("spec-"))
def test_hostile_specs(tmp_path: Path, name: str) -> None:
    spec = place(tmp_path, name)
    for command in SPEC_COMMANDS:
        run = run_capped("v6plan", command[0], spec.name, *command[1:], cwd=tmp_path)
        check(run, name, command[0])
    assert not (tmp_path / "out.csv").exists()
    if ACCEPTED.get(name, (2,))[0] == 2:
        assert not list(tmp_path.glob("*.lock.json")), "a refused spec wrote its lock"


@pytest.mark.parametrize("name", [n for n in names("lock-") if n.endswith(".json")])
def test_hostile_locks(tmp_path: Path, name: str) -> None:
    spec = place(tmp_path, "lock-target.yaml")
    lock = place(tmp_path, name)
    before = lock.read_bytes()
    for command in SPEC_COMMANDS:
        args = (command[0], spec.name, *command[1:], "--lock", lock.name)
        check(run_capped("v6plan", *args, cwd=tmp_path), name, command[0])
    assert lock.read_bytes() == before and not (tmp_path / "out.csv").exists()


# -- lab files -----------------------------------------------------------------------------------
def lab_env(tmp_path: Path) -> dict[str, str]:
    return {"V6LAB_STATE_DIR": str(tmp_path / "state"), "V6LAB_LANG": "en"}


@pytest.mark.parametrize("name", names("topology-"))
def test_hostile_topologies(tmp_path: Path, name: str) -> None:
    topology = place(tmp_path, name)
    args = ("export", topology.name, "--format", "containerlab", "-o", "out")
    check(run_capped("v6lab", *args, cwd=tmp_path, env=lab_env(tmp_path)), name, "export")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", names("lab-"))
def test_hostile_labs(tmp_path: Path, name: str) -> None:
    lab = place(tmp_path, name)
    env = lab_env(tmp_path)
    check(run_capped("v6lab", "start", str(lab), cwd=tmp_path, env=env), name, "start")
    status = run_capped("v6lab", "status", cwd=tmp_path, env=env)
    assert status.code == 2 and "no lab is running" in status.err  # nothing was started


@pytest.mark.parametrize("name", names("variant-"))
def test_hostile_variants(tmp_path: Path, name: str) -> None:
    variant = place(tmp_path, name)
    env = lab_env(tmp_path)
    for args in (
        ("start", "01-notation", "--variant", variant.name),
        ("export", "two-lans", "--format", "kathara", "--variant", variant.name, "-o", "out"),
    ):
        check(run_capped("v6lab", *args, cwd=tmp_path, env=env), name, args[0])
    assert not (tmp_path / "out").exists()


# -- the instructor's files ----------------------------------------------------------------------
@pytest.mark.parametrize("name", names("roster-"))
def test_hostile_rosters(tmp_path: Path, name: str) -> None:
    roster = place(tmp_path, name)
    args = ("variants", "01-notation", "--roster", roster.name, "--out", "class", "--seed", "1")
    check(run_capped("v6lab", *args, cwd=tmp_path, env=lab_env(tmp_path)), name, "variants")
    assert not (tmp_path / "class").exists()


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real class of one trainee: its instructor directory grades the hostile files."""
    here = tmp_path_factory.mktemp("class")
    (here / "roster.csv").write_text("name,id\nAlice,alice\n")
    args = ("variants", "01-notation", "--roster", "roster.csv", "--out", "class", "--seed", "1")
    run = run_capped("v6lab", *args, cwd=here, env=lab_env(here))
    assert run.code == 0, run.text
    return here / "class" / "instructor"


@pytest.mark.parametrize("name", names("result-"))
def test_hostile_results_are_graded_unreadable(tmp_path: Path, klass: Path, name: str) -> None:
    handed_in = tmp_path / "handed-in"
    handed_in.mkdir()
    place(handed_in, name)
    run = run_capped(
        "v6lab", "grade", "handed-in", "--key", str(klass), "--out", "grades.csv", cwd=tmp_path
    )
    # one bad hand-in never stops the grading of a class: its row is flagged (exit 1)
    check(run, name, "grade", Expect(1, name))
    assert "UNREADABLE" in run.out or "UNSIGNED" in run.out, run.out
    grades = (tmp_path / "grades.csv").read_text()
    assert "alice" in grades


@pytest.mark.parametrize("name", names("manifest-"))
def test_hostile_class_manifests(tmp_path: Path, klass: Path, name: str) -> None:
    manifest = place(tmp_path, name)
    shutil.copyfile(klass / "secret.key", tmp_path / "secret.key")
    (tmp_path / "handed-in").mkdir()
    run = run_capped("v6lab", "grade", "handed-in", "--key", manifest.name, cwd=tmp_path)
    check(run, name, "grade")


@pytest.mark.parametrize("name", names("secret-"))
def test_hostile_secrets(tmp_path: Path, klass: Path, name: str) -> None:
    secret = place(tmp_path, name)
    (tmp_path / "handed-in").mkdir()
    args = ("grade", "handed-in", "--key", str(klass), "--secret", secret.name)
    check(run_capped("v6lab", *args, cwd=tmp_path), name, "grade")
    if name == "secret-giant.key":  # the calculator's RFC 7217 secret file, same bound
        args = ("calc", "iid", "2001:db8::/64", "--secret-file", secret.name)
        check(run_capped("v6plan", *args, cwd=tmp_path), name, "calc iid")


# -- the explorer's keymap and the trainee's answer files ----------------------------------------
@pytest.mark.parametrize("name", names("keymap-"))
def test_hostile_keymaps(tmp_path: Path, name: str) -> None:
    pytest.importorskip("textual")
    keymap = place(tmp_path, name)
    spec = place(tmp_path, "lock-target.yaml")
    run = run_capped("v6plan", "tui", spec.name, "--keymap", keymap.name, cwd=tmp_path)
    check(run, name, "tui --keymap")


@pytest.fixture(scope="module")
def plan_lab(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Lab 09 (a plan spec is its answer) running in the simulator."""
    here = tmp_path_factory.mktemp("lab09")
    env = lab_env(here)
    run = run_capped("v6lab", "start", "09-plan-design", cwd=here, env=env)
    assert run.code == 0, run.text
    return here, env


@pytest.mark.parametrize("name", names("answer-"))
def test_hostile_answer_files(name: str, plan_lab: tuple[Path, dict[str, str]]) -> None:
    here, env = plan_lab
    answer = place(here, name)
    run = run_capped("v6lab", "answer", "plan", answer.name, cwd=here, env=env)
    check(run, name, "answer")
