"""Inputs (issue 9): every file read bounded, every number that sizes work checked first,
a lock for another prefix refused, roots that can never be allocations refused, links to
nowhere reported — exit 2 with the file named, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _support import plan_of, spec_text
from _support.capped import run_capped
from hypothesis import given, settings
from hypothesis import strategies as st

from v6plan import SpecError, build, parse_spec
from v6plan._errors import InputError, LockError, V6PlanError
from v6plan._limits import (
    INPUT_LIMITS,
    KEYMAP_BYTES,
    LAB_FILE_BYTES,
    PLAN_NODES,
    ROSTER_BYTES,
    ROSTER_TRAINEES,
    SECRET_BYTES,
    TOPOLOGY_NODES,
)
from v6plan._lint import RULES, lint
from v6plan._lock import Lock

ROOT = Path(__file__).resolve().parents[1]
CAMPUS = ROOT / "examples" / "campus.yaml"
SMALL = "plan: Small\nprefix: 2001:db8:cafe::/48\nchildren:\n  - {name: lan, role: lan, count: 2}\n"


def small_spec(tmp_path: Path, text: str = SMALL, name: str = "small.yaml") -> Path:
    spec = tmp_path / name
    spec.write_text(text)
    return spec


def assert_refused(run: Any, named: str) -> None:
    assert run.code == 2, run.text
    assert "Traceback" not in run.text, run.text
    assert named in run.err, run.err


# -- the seen cases: devices, FIFOs ---------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ("v6plan", "plan", "/dev/zero"),
        ("v6plan", "plan", "/dev/urandom"),
        ("v6plan", "plan", "{spec}", "--lock", "/dev/zero"),
        ("v6plan", "calc", "iid", "2001:db8::/64", "--secret-file", "/dev/zero"),
        ("v6plan", "calc", "iid", "2001:db8::/64", "--secret-file", "/dev/urandom"),
        ("v6lab", "variants", "01-notation", "--roster", "/dev/zero", "--out", "class"),
        ("v6lab", "start", "01-notation", "--variant", "/dev/zero"),
    ],
    ids=lambda a: " ".join(a[1:4]),
)
def test_devices_are_refused_with_the_file_named(tmp_path: Path, args: tuple[str, ...]) -> None:
    spec = small_spec(tmp_path)
    argv = [a.replace("{spec}", str(spec)) for a in args]
    env = {"V6LAB_STATE_DIR": str(tmp_path / "state")}
    run = run_capped(argv[0], *argv[1:], cwd=tmp_path, env=env)
    assert_refused(run, "/dev/")
    assert "device" in run.err


@pytest.mark.parametrize(
    "args",
    [
        ("v6plan", "plan", "{fifo}"),
        ("v6plan", "plan", "{spec}", "--lock", "{fifo}"),
        ("v6plan", "calc", "iid", "2001:db8::/64", "--secret-file", "{fifo}"),
        ("v6lab", "variants", "01-notation", "--roster", "{fifo}", "--out", "class"),
    ],
    ids=lambda a: " ".join(a[1:4]),
)
@pytest.mark.parametrize("writer", ["no writer", "yes"])
def test_fifos_are_refused_never_read(tmp_path: Path, args: tuple[str, ...], writer: str) -> None:
    """A FIFO with no writer used to hang forever; one fed by `yes` ran out of memory."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    spec = small_spec(tmp_path)
    argv = [a.replace("{fifo}", str(fifo)).replace("{spec}", str(spec)) for a in args]
    feeder = (
        subprocess.Popen(["sh", "-c", f"yes > '{fifo}'"], stderr=subprocess.DEVNULL)
        if writer == "yes"
        else None
    )
    try:
        run = run_capped(argv[0], *argv[1:], cwd=tmp_path)
    finally:
        if feeder is not None:
            feeder.kill()
            feeder.wait()
    assert_refused(run, str(fifo))
    assert "FIFO" in run.err


# -- each reader: bounded, refused with the file named ---------------------------------------------
def _readers() -> list[tuple[str, int, Callable[[Path], object]]]:
    from v6plan._spec import load_spec
    from v6plan.lab.checks._quiz import read_file_answer
    from v6plan.lab.instructor._grading import load_keys
    from v6plan.lab.instructor._secrets import read_secret
    from v6plan.lab.instructor._variants import read_roster
    from v6plan.lab.model._i18n import load_catalogue
    from v6plan.lab.model._labfile import load_variant
    from v6plan.lab.model._topology import load_topology

    def keys(path: Path) -> object:
        return load_keys(path.rename(path.with_suffix(".json")))

    return [
        ("spec", 4 << 20, load_spec),
        ("lock", 16 << 20, Lock.read),
        ("topology", LAB_FILE_BYTES, load_topology),
        ("variant", LAB_FILE_BYTES, load_variant),
        ("catalogue", LAB_FILE_BYTES, load_catalogue),
        ("roster", ROSTER_BYTES, read_roster),
        ("secret", SECRET_BYTES, read_secret),
        ("manifest", 16 << 20, keys),
        ("answer", 1 << 20, lambda p: read_file_answer(str(p))),
    ]


READERS = _readers()


@pytest.mark.parametrize(("kind", "limit", "read"), READERS, ids=[r[0] for r in READERS])
def test_every_reader_refuses_a_file_over_its_limit(
    tmp_path: Path, kind: str, limit: int, read: Callable[[Path], object]
) -> None:
    big = tmp_path / f"big-{kind}"
    with open(big, "wb") as out:  # sparse: no disk used
        out.truncate(limit + 1)
    with pytest.raises(V6PlanError) as info:
        read(big)
    assert isinstance(info.value, InputError)
    assert "big-" in str(info.value) and "limit" in str(info.value)


@pytest.mark.parametrize(("kind", "limit", "read"), READERS, ids=[r[0] for r in READERS])
def test_every_reader_refuses_a_fifo_without_waiting(
    tmp_path: Path, kind: str, limit: int, read: Callable[[Path], object]
) -> None:
    fifo = tmp_path / f"fifo-{kind}"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        read(fifo)


def test_the_keymap_is_bounded(tmp_path: Path) -> None:
    pytest.importorskip("textual")
    from v6plan.tui.app import load_keymap

    big = tmp_path / "keys.toml"
    big.write_text("# " + "x" * KEYMAP_BYTES + "\n")
    with pytest.raises(InputError, match=r"keys\.toml: the keymap is over the 64 KiB limit"):
        load_keymap(big)
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(InputError, match=r"deep\.toml: not valid TOML"):
        load_keymap(deep)


def test_the_limits_table_names_every_kind() -> None:
    kinds = {row.what.split(" (")[0] for row in INPUT_LIMITS}
    for kind in ("plan spec", "lock file", "topology", "roster", "TUI keymap", "calc iid"):
        assert any(k.startswith(kind) for k in kinds), kind
    assert all(row.limit > 0 for row in INPUT_LIMITS)


def test_plan_reads_the_lock_once_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`plan` compared the new lock with `lock_file.read_text()`: a second, unbounded read."""
    from v6plan.cli import main

    spec = small_spec(tmp_path)

    def no_read_text(self: Path, *args: object, **kwargs: object) -> str:
        raise AssertionError(f"{self} read outside read_input")

    monkeypatch.setattr(Path, "read_text", no_read_text)
    assert main(["plan", str(spec)]) == 0
    assert main(["plan", str(spec), "--frozen"]) == 0  # the lock exists now: read once


# -- numbers that size work -----------------------------------------------------------------------
def _lock_text(runs: list[object], prefix: str = "2001:db8:cafe::/48") -> str:
    return json.dumps(
        {
            "v6plan-lock": 1,
            "spec": "small.yaml",
            "prefix": prefix,
            "parents": {"/": {"lan": [64, runs]}},
        }
    )


@pytest.mark.parametrize(
    "runs",
    [
        [[0, 10**15]],
        [[0, PLAN_NODES], [0, 1]],
        [2**128],
        [[2**128 - 1, 2]],
        [[0, True]],
    ],
    ids=["10**15", "over-the-budget", "slot-past-128-bits", "run-past-128-bits", "bool"],
)
def test_lock_runs_are_checked_before_any_allocation(runs: list[object]) -> None:
    with pytest.raises(LockError, match="delete it"):
        Lock.parse(_lock_text(runs), "x.lock.json")


def test_a_huge_lock_run_is_refused_by_the_command(tmp_path: Path) -> None:
    spec = small_spec(tmp_path)
    lock = tmp_path / "huge.lock.json"
    lock.write_text(_lock_text([[0, 10**15]]))
    for command in ("plan", "show", "check"):
        run = run_capped("v6plan", command, str(spec), "--lock", str(lock), cwd=tmp_path)
        assert_refused(run, "huge.lock.json")


def test_a_lock_group_expands_only_the_slots_the_spec_makes(tmp_path: Path) -> None:
    """A run as long as the node budget allows, for a spec node of 2: nothing else is built."""
    spec = small_spec(tmp_path)
    lock = tmp_path / "long.lock.json"
    lock.write_text(_lock_text([[0, PLAN_NODES - 1]]))
    run = run_capped("v6plan", "plan", str(spec), "--lock", str(lock), "--json", cwd=tmp_path)
    assert run.code == 0, run.text
    assert json.loads(run.out)["kept"] == 2
    assert run.peak_rss_kib < 64 << 10, run.peak_rss_kib  # 4 million slots: over 150 MiB


# -- a lock written for another prefix ----------------------------------------------------------
def test_a_lock_for_a_moved_root_is_refused_until_renumber(tmp_path: Path) -> None:
    spec = small_spec(tmp_path)
    assert run_capped("v6plan", "plan", str(spec), cwd=tmp_path).code == 0
    lock = tmp_path / "small.lock.json"
    before = lock.read_bytes()
    spec.write_text(SMALL.replace("2001:db8:cafe::/48", "2001:db8:beef::/48"))
    for args in (("plan",), ("show",), ("check",), ("export", "-f", "csv")):
        run = run_capped("v6plan", args[0], str(spec), *args[1:], cwd=tmp_path)
        assert_refused(run, "small.lock.json")
        assert "2001:db8:cafe::/48" in run.err and "2001:db8:beef::/48" in run.err
        assert "--renumber" in run.err and "delete the lock" in run.err
        assert "small.yaml:2:9" in run.err
    assert lock.read_bytes() == before  # nothing written
    run = run_capped("v6plan", "plan", str(spec), "--renumber", "--json", cwd=tmp_path)
    assert run.code == 0, run.text
    assert json.loads(lock.read_text())["prefix"] == "2001:db8:beef::/48"
    assert json.loads(lock.read_text())["parents"] == json.loads(before)["parents"]  # same shape
    assert run_capped("v6plan", "plan", str(spec), "--frozen", cwd=tmp_path).code == 0


def test_a_lock_of_another_spec_is_refused(tmp_path: Path) -> None:
    small_spec(tmp_path, name="a.yaml")
    other = small_spec(tmp_path, SMALL.replace("cafe", "f00d"), name="b.yaml")
    assert run_capped("v6plan", "plan", "a.yaml", cwd=tmp_path).code == 0
    run = run_capped("v6plan", "plan", str(other), "--lock", "a.lock.json", cwd=tmp_path)
    assert_refused(run, "a.lock.json")
    assert "written for a.yaml" in run.err


def test_build_refuses_a_moved_root_and_renumber_accepts_it() -> None:
    first = plan_of(SMALL)
    moved = parse_spec(SMALL.replace("cafe", "beef"), "small.yaml")
    with pytest.raises(LockError, match="--renumber"):
        build(moved, first.lock)
    again = build(moved, first.lock, renumber=True)
    assert again.plan.prefix_text(again.plan.find_path("lan-2")) == "2001:db8:beef:1::/64"


# -- roots that can never be an allocation ------------------------------------------------------
REFUSED_ROOTS = [
    "::/0",
    "::/128",
    "::1/128",
    "::ffff:0:0/96",
    "::ffff:192.0.2.0/120",
    "::/96",
    "64:ff9b::/96",
    "100::/64",
    "2001::/32",
    "2002::/16",
    "2000::/3",
    "fe80::/10",
    "fe80::/64",
    "fec0::/10",
    "ff00::/8",
    "ff02::/16",
]


@pytest.mark.parametrize("root", REFUSED_ROOTS)
def test_a_special_purpose_root_is_a_spec_error(root: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(f"plan: T\nprefix: {root}\n", "s.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (2, 9)
    assert "can never be an address allocation" in problem.message
    assert "2001:db8::/32" in problem.hint


@pytest.mark.parametrize("root", ["::/0", "fe80::/64", "ff00::/8", "::1/128", "::ffff:0:0/96"])
def test_a_special_purpose_root_writes_nothing(tmp_path: Path, root: str) -> None:
    spec = small_spec(tmp_path, SMALL.replace("2001:db8:cafe::/48", root))
    run = run_capped("v6plan", "plan", str(spec), cwd=tmp_path)
    assert_refused(run, "small.yaml:2:9")
    run = run_capped("v6plan", "export", str(spec), "-f", "csv", "-o", "out.csv", cwd=tmp_path)
    assert_refused(run, "small.yaml:2:9")
    assert not (tmp_path / "small.lock.json").exists() and not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    ("root", "note"),
    [
        ("2001:db8::/32", "documentation-space"),
        ("3fff:8::/29", "documentation-space"),
        ("fd12:3456:789a::/48", "ula-space"),
    ],
)
def test_documentation_and_ula_roots_stay_allowed_with_a_note(root: str, note: str) -> None:
    spec = f"prefix: {root}\nchildren:\n  - {{name: lan, role: lan, count: 2, nibble: false}}\n"
    findings = lint(build(parse_spec(spec, "s.yaml")).plan)
    assert note in [f.rule for f in findings]
    assert not [f for f in findings if f.severity == "error"]


def test_a_variant_cannot_reroot_a_lab_at_a_special_prefix(tmp_path: Path) -> None:
    from v6plan.lab.model._labfile import load_variant

    variant = tmp_path / "v.yaml"
    variant.write_text("variant: x\nprefix: fe80::/48\n")
    with pytest.raises(SpecError, match=r"v.yaml:2:9: fe80::/48 is inside fe80::/10"):
        load_variant(variant)


def test_the_special_purpose_table_is_the_one_lint_uses() -> None:
    from v6plan import _lint, _special

    assert _lint.SPECIAL_PURPOSE is _special.SPECIAL_PURPOSE


# -- p2p link ends --------------------------------------------------------------------------------
def test_a_link_to_itself_is_a_spec_error_with_its_place() -> None:
    text = spec_text(
        """
        prefix: 2001:db8::/48
        children:
          - name: link
            role: p2p
            ends: [[r1, r2], [r1, r1]]
        """
    )
    with pytest.raises(SpecError) as info:
        build(parse_spec(text, "s.yaml"))
    (problem,) = info.value.problems
    assert str(problem).startswith("s.yaml:5:22: a link cannot join router 'r1' to itself")


def test_an_unknown_router_at_a_link_end_is_a_lint_warning() -> None:
    assert RULES["p2p-end-unknown"].severity == "warning"
    typo = plan_of(
        """
        prefix: 2001:db8::/48
        children:
          - name: core
            children:
              - {name: loopbacks, role: loopback, names: [core1, core2, b1]}
              - {name: link, role: p2p, ends: [[core1, core2], [core1, cor2], [core2, b1]]}
        """
    ).plan
    found = [f for f in lint(typo) if f.rule == "p2p-end-unknown"]
    assert [(f.path, f.severity) for f in found] == [("core/link-2", "warning")]
    assert "'cor2'" in found[0].message and "no loopback" in found[0].message
    lone = plan_of(
        """
        prefix: 2001:db8::/48
        children:
          - {name: link, role: p2p, ends: [[r1, r2], [r2, r3]]}
          - {name: lan, role: lan, router: r3}
        """
    ).plan
    found = [f for f in lint(lone) if f.rule == "p2p-end-unknown"]
    assert [f.path for f in found] == ["link-1"]
    assert "'r1'" in found[0].message and "nowhere else" in found[0].message
    assert not [f for f in lint(lone, ignore=["p2p-end-unknown"]) if f.rule == "p2p-end-unknown"]


def test_the_examples_name_every_link_end() -> None:
    from v6plan import load_spec

    for name in ("campus", "isp-core"):
        plan = build(load_spec(ROOT / "examples" / f"{name}.yaml")).plan
        assert "p2p-end-unknown" not in [f.rule for f in lint(plan)], name


# -- lab files: counts, aliases, CSV fields -------------------------------------------------------
def test_a_topology_with_too_many_nodes_is_refused(tmp_path: Path) -> None:
    from v6plan.lab.model._topology import load_topology

    topo = tmp_path / "big.yaml"
    nodes = "".join(f"  n{i}: host\n" for i in range(TOPOLOGY_NODES + 1))
    topo.write_text("topology: big\nnodes:\n" + nodes)
    with pytest.raises(SpecError, match=f"big.yaml:3:3: the topology has {TOPOLOGY_NODES + 1}"):
        load_topology(topo)


def test_a_catalogue_alias_bomb_is_refused(tmp_path: Path) -> None:
    from v6plan.lab.model._i18n import load_catalogue

    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for n, name in enumerate("bcdefgh"):
        prev = "abcdefg"[n]
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]")
    bomb = tmp_path / "en.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError, match=r"en\.yaml: the file expands to more than 200,000"):
        load_catalogue(bomb)
    deep = tmp_path / "deep.yaml"
    deep.write_text("".join("  " * i + "-\n" for i in range(200)))
    with pytest.raises(SpecError, match="nested more than 64 levels"):
        load_catalogue(deep)


def test_a_roster_field_over_the_csv_limit_is_a_spec_error(tmp_path: Path) -> None:
    from v6plan.lab.instructor._variants import read_roster

    roster = tmp_path / "roster.csv"
    roster.write_text("name,lang\n" + '"' + "x" * (200 << 10) + '",en\n')
    with pytest.raises(SpecError, match=r"roster.csv:\d+:0: the roster is not readable CSV"):
        read_roster(roster)
    many = tmp_path / "many.csv"
    many.write_text("name\n" + "".join(f"t{i}\n" for i in range(ROSTER_TRAINEES + 1)))
    with pytest.raises(SpecError, match=f"more than {ROSTER_TRAINEES:,} trainees"):
        read_roster(many)
    blank = tmp_path / "blank.csv"
    blank.write_text('"\n"\n')
    with pytest.raises(SpecError, match="the roster is empty"):
        read_roster(blank)


# -- found by the fuzzers -------------------------------------------------------------------------
def test_a_file_name_too_long_for_the_file_system_is_no_file(tmp_path: Path) -> None:
    from v6plan.lab.model._topology import load_topology

    topo = tmp_path / "long.yaml"
    topo.write_text("topology: t\nplan: " + "x" * 5000 + "\nnodes: {h1: host}\n")
    with pytest.raises(SpecError, match="is not a file next to the topology"):
        load_topology(topo)
    run = run_capped("v6lab", "start", "a" * 5000, cwd=tmp_path, env={"V6LAB_STATE_DIR": "s"})
    assert run.code == 2 and "no lab named" in run.err and "Traceback" not in run.err


def test_a_signature_in_non_ascii_text_does_not_verify() -> None:
    from v6plan.lab.instructor._secrets import verify

    report = {"identity": {"variant": "a"}, "signature": {"mac": "\u0080" * 64}}
    assert verify(report, b"\x00" * 32) is False


_BASES = ["a", "b", "a-1", "a-2", "b-3"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_BASES),
            st.integers(min_value=1, max_value=4),
            st.lists(st.sampled_from([*_BASES, "a-3", "b-1", "x"]), max_size=3),
        ),
        max_size=4,
        unique_by=lambda t: t[0],
    )
)
def test_sibling_names_are_compared_as_the_builder_makes_them(
    nodes: list[tuple[str, int, list[str]]],
) -> None:
    """The check that no longer makes every name agrees with making every name."""
    lines = []
    made: list[str] = []
    for name, count, listed in nodes:
        count = max(count, len(listed))
        lines.append(
            f"  - {{name: {name}, count: {count}, size: /48, names: [{', '.join(listed)}]}}"
        )
        made += [listed[i] if i < len(listed) else f"{name}-{i + 1}" for i in range(count)]
        if count == 1 and not listed:
            made[-1] = name
    text = "prefix: 2001:db8::/32\nchildren:\n" + "\n".join(lines) + "\n"
    if not nodes:
        text = "prefix: 2001:db8::/32\n"
    twice = len(set(made)) != len(made)
    try:
        parse_spec(text, "s.yaml")
        refused = False
    except SpecError as exc:
        refused = any("also makes" in p.message or "twice" in p.message for p in exc.problems)
    assert refused is twice, (text, made)


# -- numbers typed on the command line or in answers ---------------------------------------------
HUGE = "9" * 5000


@given(st.text(max_size=60))
def test_whole_number_is_the_int_of_ascii_digits_or_none(text: str) -> None:
    from v6plan._limits import NUMBER_DIGITS, whole_number

    value = whole_number(text)
    digits = text.strip().replace("_", "")
    if value is None:
        assert not (digits.isascii() and digits.isdigit() and 0 < len(digits) <= NUMBER_DIGITS)
    else:
        assert value == int(digits) and digits.isascii()


@pytest.mark.parametrize(
    "args",
    [
        ("export", "{spec}", "-f", "markdown", "--set", f"depth={HUGE}"),
        ("export", "{spec}", "-f", "html", "--set", "maps=²"),
        ("export", "{spec}", "-f", "frr", "--set", "area=²"),
        ("show", "{spec}", "--depth", "²"),
        ("free", "{spec}", "--length", HUGE),
        ("serve", "{spec}", "--port", "²"),
    ],
)
def test_a_number_that_is_not_one_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    """'²' passes str.isdigit and 5,000 digits pass it too; int() raised ValueError on both."""
    from v6plan.cli import main

    spec = small_spec(tmp_path)
    argv = [a.format(spec=spec) for a in args]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_prefix_answer_with_a_strange_length_is_invalid_not_a_crash() -> None:
    from v6plan.lab.checks._quiz import grade

    for text in ("2001:db8::/²", f"2001:db8::/{HUGE}"):
        verdict, _ = grade("prefix", text, "2001:db8::/48")
        assert verdict == "invalid"
