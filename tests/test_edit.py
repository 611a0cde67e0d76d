"""Spec editing (v6plan._edit): text edits checked by the planner, saved atomically, stable."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from v6plan import Lock, SpecError, build, lock_path_for, parse_spec
from v6plan._edit import AddChild, Delete, Rename, SpecEditor, moved_groups, reserve
from v6plan._errors import InputError, NotFoundError, PlanError
from v6plan._plan import Plan
from v6plan.cli._plan import load_plan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def campus(tmp_path: Path) -> Path:
    for name in ("campus.yaml", "campus.lock.json"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path / "campus.yaml"


SMALL = """\
# A small plan for edit tests.  (comment kept)
plan: Small
prefix: 2001:db8::/48
children:
  - name: core            # the core
    role: infrastructure
    children:
      - {name: lo, role: loopback, count: 4}
      - name: link
        role: p2p
        count: 3
  - name: site
    count: 4
    names: [north, south]
    children:
      - {name: lan, role: lan, count: 3}
      - name: voice       # voice VLANs
        role: lan
  - {name: spare, role: reserve, size: /52}
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    spec = tmp_path / "small.yaml"
    spec.write_text(SMALL)
    return spec


def blocks(plan: Plan) -> dict[str, tuple[int, int]]:
    """Every node's block by path (small plans only)."""
    return {path: (plan.net[i], plan.plen[i]) for i, path in enumerate(plan.paths(1), 1)}


def assert_nothing_moved(before: Plan, after: Plan, renamed: dict[str, str] | None = None) -> None:
    old = blocks(before)
    new = blocks(after)
    kept = 0
    for path, block in old.items():
        for a, b in (renamed or {}).items():
            if path == a or path.startswith(a + "/"):
                path = b + path[len(a) :]
        if path in new:
            assert new[path] == block, f"{path} moved"
            kept += 1
    assert kept >= len(old) // 2  # the comparison really matched paths


def reopened(editor: SpecEditor) -> Plan:
    return load_plan(str(editor.path))


def same_plan(a: Plan, b: Plan) -> bool:
    return (a.net, bytes(a.plen), a.name, list(a.parent)) == (
        b.net,
        bytes(b.plen),
        b.name,
        list(b.parent),
    )


# -- each edit ---------------------------------------------------------------------------------
def test_add_child_appends_a_flow_item_and_keeps_comments(small: Path) -> None:
    editor = SpecEditor(small)
    before = editor.plan
    proposal = editor.propose(AddChild("core", "mgmt", role="lan"))
    assert proposal.instances == 1
    assert proposal.select == "core/mgmt"
    editor.apply(proposal)
    assert "      - {name: mgmt, role: lan}\n" in editor.text
    assert "# A small plan for edit tests.  (comment kept)" in editor.text
    assert "# the core" in editor.text and "# voice VLANs" in editor.text
    i = editor.plan.find_path("core/mgmt")
    assert editor.plan.plen[i] == 64 and editor.plan.role(i) == "lan"
    assert_nothing_moved(before, editor.plan)
    editor.save()
    assert same_plan(reopened(editor), editor.plan)


def test_add_child_under_a_counted_node_says_it_applies_to_every_instance(small: Path) -> None:
    editor = SpecEditor(small)
    proposal = editor.propose(AddChild("south", "cams", role="lan", count=2))
    assert proposal.instances == 4
    assert proposal.shared
    assert "all 4 of its instances" in proposal.summary
    assert proposal.examples[:2] == ["north", "south"]
    editor.apply(proposal)
    plan = editor.plan
    for site in ("north", "south", "site-3", "site-4"):
        assert plan.find_path(f"{site}/cams-2") > 0


def test_add_child_to_a_leaf_spec_node_creates_children_key(small: Path) -> None:
    editor = SpecEditor(small)
    # `voice` is a block mapping without children: a lan cannot have any (planner says so)
    with pytest.raises(SpecError, match="a lan node cannot have children"):
        editor.propose(AddChild("north/voice", "x", size=80))
    # `core` keeps working; a plain container without children gets a `children:` key
    editor.edit(AddChild("", "lab", size=56))
    editor.edit(AddChild("lab", "bench", size=64))
    assert "- {name: lab, size: /56, children: [{name: bench, size: /64}]}" in editor.text
    assert editor.plan.plen[editor.plan.find_path("lab/bench")] == 64


def test_reserve_pins_a_free_block_and_rejects_an_overlap(small: Path) -> None:
    editor = SpecEditor(small)
    plan = editor.plan
    from v6plan._query import free_of_length

    free = next(free_of_length(plan, 0, 56))
    from v6plan._prefix import format_prefix

    block = format_prefix(*free)
    editor.edit(reserve("", "hold", block=block))
    i = editor.plan.find_path("hold")
    assert (editor.plan.net[i], editor.plan.plen[i]) == free
    assert editor.plan.status(i) == "reserved"
    assert f'prefix: "{block}"' in editor.text
    with pytest.raises(SpecError, match="overlaps another pinned block"):
        editor.propose(reserve("", "again", block=block))


def test_errors_are_the_cli_errors_and_change_nothing(small: Path) -> None:
    editor = SpecEditor(small)
    text = editor.text
    with pytest.raises(SpecError) as caught:
        editor.propose(AddChild("core", "huge", size=40))
    message = str(caught.value)
    assert message.startswith(f"{small}:")
    assert "do not fit" in message or "does not fit" in message
    assert editor.text == text and not editor.dirty
    with pytest.raises(NotFoundError, match="no node 'nowhere'"):
        editor.propose(Delete("nowhere"))
    with pytest.raises(InputError):
        editor.propose(Rename("", "x"))


def test_cli_prints_the_same_message_for_the_edited_text(small: Path, tmp_path: Path) -> None:
    editor = SpecEditor(small)
    with pytest.raises(SpecError) as caught:
        editor.propose(AddChild("south", "big", size=44))
    # apply the same text edit by hand and ask the CLI
    edited = small.read_text().replace(
        "      - name: voice       # voice VLANs",
        "      - {name: big, size: /44}\n      - name: voice       # voice VLANs",
    )
    other = tmp_path / "small.yaml"
    other.write_text(edited)
    result = subprocess.run(
        [sys.executable, "-m", "v6plan", "plan", str(other)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    problem = caught.value.problems[0]
    assert problem.message in result.stderr
    assert problem.hint in result.stderr


def test_rename_writes_the_names_entry_and_moves_nothing(small: Path) -> None:
    editor = SpecEditor(small)
    editor.save()  # write the first lock
    before = editor.plan
    editor.edit(Rename("south", "east"))
    assert "names: [north, east]" in editor.text
    assert_nothing_moved(before, editor.plan, {"south": "east"})
    assert ("east", "lan") in editor.lock.groups and ("south", "lan") not in editor.lock.groups
    # an auto-named instance gets names up to it; count stays as written
    editor.edit(Rename("site-4", "west"))
    assert "names: [north, east, site-3, west]" in editor.text
    assert_nothing_moved(before, editor.plan, {"south": "east", "site-4": "west"})
    editor.save()
    assert same_plan(reopened(editor), editor.plan)
    assert Lock.read(lock_path_for(small)) is not None


def test_rename_a_node_made_once_changes_its_name(small: Path) -> None:
    editor = SpecEditor(small)
    before = editor.plan
    proposal = editor.propose(Rename("core", "backbone"))
    editor.apply(proposal)
    assert "  - name: backbone            # the core" in editor.text
    assert_nothing_moved(before, editor.plan, {"core": "backbone"})


def test_rename_an_instance_under_a_counted_parent_renames_all(small: Path) -> None:
    editor = SpecEditor(small)
    proposal = editor.propose(Rename("north/lan-2", "office"))
    assert proposal.instances == 4
    assert "all 4 instances" in proposal.summary
    editor.apply(proposal)
    for site in ("north", "south", "site-3", "site-4"):
        assert editor.plan.find_path(f"{site}/office") > 0


def test_rename_to_a_taken_name_is_the_planner_error(small: Path) -> None:
    editor = SpecEditor(small)
    with pytest.raises(SpecError, match="'north' appears twice in 'names'"):
        editor.propose(Rename("south", "north"))


def test_delete_an_instance_retires_it_and_keeps_the_others(small: Path) -> None:
    editor = SpecEditor(small)
    editor.save()
    before = editor.plan
    proposal = editor.propose(Delete("south"))
    assert "retires 'south'" in proposal.summary
    editor.apply(proposal)
    assert "retire: [south]" in editor.text
    plan = editor.plan
    with pytest.raises(NotFoundError):
        plan.find_path("south")
    assert_nothing_moved(before, plan)
    site3 = plan.find_path("site-3")
    assert plan.index[site3] == 2  # index (and VLAN) unchanged
    editor.save()
    lock = Lock.read(lock_path_for(small))
    assert lock is not None
    assert lock.slots("", "site") == (60, [1, None, 3, 4])  # south's slot is free again
    assert same_plan(reopened(editor), plan)


def test_delete_a_loopback_host_retires_it(small: Path) -> None:
    editor = SpecEditor(small)
    editor.edit(Delete("core/lo/lo-2"))
    plan = editor.plan
    lo = plan.find_path("core/lo")
    hosts = [plan.name[c] for c in plan.children(lo)]
    assert hosts == ["lo-1", "lo-3", "lo-4"]
    assert plan.net[plan.find_path("core/lo/lo-3")] == plan.net[lo] + 3


def test_delete_a_node_made_once_removes_it_and_pins_the_parent_size(small: Path) -> None:
    editor = SpecEditor(small)
    before = editor.plan
    core = before.plen[before.find_path("core")]
    proposal = editor.propose(Delete("core/link-1"))
    assert "retires" in proposal.summary  # link has count 3
    editor.apply(proposal)
    editor.edit(Delete("core/link-2"))
    proposal = editor.propose(Delete("core/link-3"))  # the last one: the spec node goes
    assert "removes spec node 'link'" in proposal.summary
    assert f"writes `size: /{core}`" in proposal.summary
    editor.apply(proposal)
    assert "name: link" not in editor.text
    assert f"    size: /{core}\n" in editor.text
    assert_nothing_moved(before, editor.plan)


def test_delete_the_only_child_removes_the_children_key(tmp_path: Path) -> None:
    spec = tmp_path / "one.yaml"
    spec.write_text(
        "plan: One\nprefix: 2001:db8::/48\nchildren:\n  - name: a\n    size: /52\n"
        "    children:\n      - {name: b, role: lan}\n  - {name: c, size: /56}\n"
    )
    editor = SpecEditor(spec)
    editor.edit(Delete("a/b"))
    assert editor.text == (
        "plan: One\nprefix: 2001:db8::/48\nchildren:\n  - name: a\n    size: /52\n"
        "  - {name: c, size: /56}\n"
    )
    editor.edit(Delete("c"))
    assert "name: c" not in editor.text


def test_undo_goes_back_one_edit_at_a_time(small: Path) -> None:
    editor = SpecEditor(small)
    original = editor.text
    editor.edit(AddChild("", "lab", size=56))
    editor.edit(Rename("lab", "bench"))
    assert editor.undo().startswith("renames")
    assert "name: lab" in editor.text
    assert editor.undo().startswith("adds")
    assert editor.text == original
    assert editor.undo() == ""
    assert not editor.can_undo


def test_dirty_and_save_round_trip(small: Path) -> None:
    editor = SpecEditor(small)
    assert not editor.dirty
    editor.edit(AddChild("", "lab", size=56))
    assert editor.dirty
    editor.save()
    assert not editor.dirty
    assert small.read_text() == editor.text
    assert lock_path_for(small).read_text() == editor.lock.dumps()
    # `v6plan plan` on the saved files changes nothing: the lock is what it would write
    result = subprocess.run(
        [sys.executable, "-m", "v6plan", "plan", str(small), "--frozen", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert '"lock_changed": false' in result.stdout


def test_save_refuses_when_the_file_changed_on_disk(small: Path) -> None:
    editor = SpecEditor(small)
    editor.edit(AddChild("", "lab", size=56))
    small.write_text(small.read_text() + "\n# someone else\n")
    with pytest.raises(InputError, match="changed on disk"):
        editor.save()
    assert small.read_text().endswith("# someone else\n")


def test_save_is_all_or_nothing(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    editor = SpecEditor(small)
    editor.save()
    spec_before = small.read_text()
    lock_before = lock_path_for(small).read_text()
    editor.edit(AddChild("", "lab", size=56))
    import v6plan._lock as lock_module

    def broken(self: Lock) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(lock_module.Lock, "dumps", broken)
    with pytest.raises(OSError):
        editor.save()
    assert small.read_text() == spec_before
    assert lock_path_for(small).read_text() == lock_before
    assert not [p for p in small.parent.iterdir() if p.name.endswith(".tmp")]


def test_crlf_and_bom_survive(tmp_path: Path) -> None:
    spec = tmp_path / "win.yaml"
    spec.write_bytes(("\ufeff" + SMALL).replace("\n", "\r\n").encode("utf-8"))
    editor = SpecEditor(spec)
    editor.edit(AddChild("core", "mgmt", role="lan"))
    editor.save()
    raw = spec.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n      - {name: mgmt, role: lan}\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_government_edits_at_scale(tmp_path: Path) -> None:
    for name in ("government.yaml", "government.lock.json"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    editor = SpecEditor(tmp_path / "government.yaml")
    proposal = editor.propose(Rename("health/site-3", "hq"))
    assert proposal.instances == 24  # site is repeated under every ministry
    editor.apply(proposal)
    proposal = editor.propose(Delete("education/site-2"))
    assert proposal.instances == 24
    editor.apply(proposal)
    editor.save()
    plan = reopened(editor)
    assert plan.prefix_text(plan.find_path("health/hq")) == "3fff:100:102::/48"
    assert same_plan(plan, editor.plan)


def test_moved_groups_detects_a_moved_slot() -> None:
    spec = parse_spec(SMALL)
    lock = build(spec).lock
    moved = Lock(prefix=lock.prefix, groups=dict(lock.groups), spec=lock.spec)
    length, _ = lock.groups[("", "site")]
    moved.groups[("", "site")] = (length, [[5, 4]])
    assert moved_groups(lock, moved) == ["site"]
    assert moved_groups(lock, lock) == []


def test_retire_key_errors_name_the_place() -> None:
    bad = SMALL.replace(
        "    names: [north, south]\n", "    names: [north, south]\n    retire: [east]\n"
    )
    with pytest.raises(SpecError) as caught:
        parse_spec(bad, "x.yaml")
    problem = caught.value.problems[0]
    assert (problem.line, problem.message) == (
        15,
        "'retire' names 'east', which 'site' does not make",
    )
    assert problem.hint == "its nodes run north … site-4"
    every = SMALL.replace(
        "    names: [north, south]\n",
        "    names: [north, south]\n    retire: [north, south, site-3, site-4]\n",
    )
    with pytest.raises(SpecError, match="takes every node 'site' makes"):
        parse_spec(every, "x.yaml")
    twice = SMALL.replace(
        "    names: [north, south]\n", "    names: [north, south]\n    retire: [north, north]\n"
    )
    with pytest.raises(SpecError, match="'north' appears twice in 'retire'"):
        parse_spec(twice, "x.yaml")


def test_retired_instances_keep_the_others_in_place_differentially() -> None:
    """A plan with `retire` equals the full plan minus the retired nodes (same blocks)."""
    spec = parse_spec(SMALL)
    full = build(spec)
    retired = parse_spec(
        SMALL.replace(
            "    names: [north, south]\n", "    names: [north, south]\n    retire: [south]\n"
        )
    )
    part = build(retired, full.lock).plan
    want = {p: b for p, b in blocks(full.plan).items() if not p.startswith("south")}
    assert blocks(part) == want


# -- property: any sequence of edits keeps placed blocks and re-opens to the same plan ----------
EDIT_NAMES = st.sampled_from(["lab", "bench", "extra", "x1", "hold"])


@st.composite
def edit_steps(draw: st.DrawFn) -> list[tuple[str, str, str]]:
    steps = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["add", "rename", "delete", "reserve"]))
        steps.append((kind, draw(st.integers(0, 10_000)).__str__(), draw(EDIT_NAMES)))
    return steps


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=edit_steps())
def test_random_edits_never_move_placed_blocks(
    tmp_path: Path, steps: list[tuple[str, str, str]]
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    spec = folder / "small.yaml"
    spec.write_text(SMALL)
    editor = SpecEditor(spec)
    editor.save()
    for kind, pick, name in steps:
        plan = editor.plan
        target = int(pick) % len(plan)
        path = plan.path(target)
        if kind == "add":
            edit = AddChild(path, name, size=min(plan.plen[target] + 8, 64))
        elif kind == "reserve":
            edit = reserve(path, name, size=min(plan.plen[target] + 8, 64))
        elif kind == "rename":
            edit = Rename(path, name)
        else:
            edit = Delete(path)
        before = editor.plan
        try:
            proposal = editor.propose(edit)
        except (SpecError, InputError, PlanError):
            assert editor.plan is before  # a rejected edit changes nothing
            continue
        editor.apply(proposal)
        renamed = {path: proposal.select} if kind == "rename" else {}
        if kind == "rename" and proposal.instances == 1:
            assert_nothing_moved(before, editor.plan, renamed)
        elif kind != "rename":
            assert_nothing_moved(before, editor.plan)
        editor.save()
        assert same_plan(reopened(editor), editor.plan)


def test_loopback_host_names_must_be_unique() -> None:
    twice = SMALL.replace(
        "{name: lo, role: loopback, count: 4}",
        "{name: lo, role: loopback, count: 4, names: [a, lo-3]}",
    )
    with pytest.raises(SpecError, match="loopback 'lo-3' is named twice"):
        parse_spec(twice, "x.yaml")
