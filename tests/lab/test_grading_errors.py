"""Grading's errors stay in v6plan's error tree and its statuses are a closed set: a class
manifest the grader accepts never makes it crash, and every status has its words.

These build a class manifest and a signed result by hand (no simulator): the replay itself
is replaced, so only the grader's own scoring runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import pytest

from v6plan._errors import V6PlanError
from v6plan.lab.instructor import _grading
from v6plan.lab.instructor._secrets import MANIFEST_FORMAT, derive_key, hkdf_sha256, sign

SECRET = bytes(range(32))
PREFIX = "2001:db8:7::/48"


def _class(labs: list[dict[str, Any]]) -> _grading.ClassManifest:
    """A one-trainee class (``t1``) with the given labs, each with a variant for t1."""
    data = {
        "format": MANIFEST_FORMAT,
        "class": "c0ffee",
        "labs": labs,
        "trainees": [
            {"id": "t1", "variants": {lab["name"]: {"prefix": PREFIX, "seed": 7} for lab in labs}}
        ],
    }
    assert _grading._manifest_problem(data) == ""  # the grader accepts this manifest
    return _grading.ClassManifest(Path("/nonexistent/class.json"), data, SECRET)


def _hand_in(folder: Path, lab: str, checks: list[dict[str, Any]]) -> Path:
    """t1's genuine, signed simulator result for ``lab`` in ``folder/t1/``."""
    identity = {"class": "c0ffee", "lab": lab, "variant": "t1", "prefix": PREFIX, "seed": 7}
    report: dict[str, Any] = {
        "format": _grading.RESULT_FORMAT,
        "lab": lab,
        "backend": "sim",
        "plan": PREFIX,
        "checks": checks,
        "journal": [],
        "started": 0.0,
        "identity": identity,
    }
    report["signature"] = {"mac": sign(report, derive_key(SECRET, identity))}
    path = folder / "t1" / f"t1-{lab}.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(report))
    return path


def test_a_replay_mismatch_in_a_lab_without_checks_is_flagged_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manifest lab may leave out ``checks`` (the grader accepts it); a replay whose
    verdicts differ then regrades the row instead of failing with a KeyError."""
    manifest = _class([{"name": "lab-a"}])
    _hand_in(tmp_path, "lab-a", [{"id": "h1", "passed": False}])
    monkeypatch.setattr(_grading, "replay_verdicts", lambda *args, **kw: {"h1": True})
    book = _grading.grade([tmp_path], manifest, replay=True)
    (row,) = [r for r in book.rows if r.file]
    assert row.status == "replay-mismatch"
    assert "h1 (✓ replayed, ✗ claimed)" in row.detail
    assert (row.score, row.total, row.checks) == (0, 0, {})


def test_a_replay_mismatch_grades_what_the_commands_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The replayed verdicts, with the manifest's points, replace what the file claimed."""
    manifest = _class([{"name": "lab-a", "checks": [{"id": "h1", "points": 3}, {"id": "h2"}]}])
    _hand_in(tmp_path, "lab-a", [{"id": "h1", "passed": True}, {"id": "h2", "passed": True}])
    monkeypatch.setattr(_grading, "replay_verdicts", lambda *a, **kw: {"h1": False, "h2": True})
    book = _grading.grade([tmp_path], manifest, replay=True)
    (row,) = [r for r in book.rows if r.file]
    assert row.status == "replay-mismatch"
    assert row.checks == {"h1": False, "h2": True}
    # flagged: no credit until looked at; claimed_score keeps the file's claim (it held the
    # replayed score before), and the detail says what the commands earn
    assert (row.claimed, row.score, row.total) == (4, 0, 4)
    assert "the commands earn 1/4, the file claims 4" in row.detail


def test_every_status_has_words_and_flagged_ones_are_statuses() -> None:
    """The summary names every status in words (screen readers, --plain)."""
    statuses = set(get_args(_grading.Status))
    assert set(_grading._WORDS) == statuses
    assert set(_grading.FLAGGED) < statuses
    assert {"ok", "superseded", "missing"} == statuses - set(_grading.FLAGGED)


def test_hkdf_refuses_a_length_rfc5869_does_not_allow_inside_the_error_tree() -> None:
    with pytest.raises(V6PlanError, match="at most 8160 bytes") as caught:
        hkdf_sha256(b"k", b"", b"", 255 * 32 + 1)
    assert not isinstance(caught.value, ValueError)
    assert len(hkdf_sha256(b"k", b"", b"", 255 * 32)) == 255 * 32
