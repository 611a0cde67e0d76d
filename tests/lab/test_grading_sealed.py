"""Issue 12's seen defects, each a test: sealed variants (solve, task --values, a solved
export refused without the instructor's secret; what the trainee ran signed and shown by
the grade), wrong-lab and wrong-trainee variants refused at start, reports that say where
they went and never replace a better one, grade --policy, superseded and missing on the
terminal, claimed_score after --replay, an unreadable hand-in reported once, and the
gradebook an LMS takes (points per check, totals, roster columns, Moodle CSV)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from _support.classroom import (
    LAB,
    LAB2,
    LABS,
    instructor_secret,
    make_class,
    sim_ready,
    trainee_run,
    variant_of,
)
from _support.lab import v6lab
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TID = "kwame-mensah"


@pytest.fixture(autouse=True)
def labs_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("V6LAB_LABS", str(LABS))
    monkeypatch.delenv("V6LAB_INSTRUCTOR_SECRET", raising=False)
    monkeypatch.delenv("V6LAB_TRAINEE", raising=False)
    sim_ready()


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# -- sealed variants ------------------------------------------------------------------------------
def test_a_sealed_variant_refuses_what_shows_the_answers(tmp_path: Path) -> None:
    cls = make_class(tmp_path)
    assert v6lab("start", LAB, "--variant", variant_of(cls, TID))[0] == 0
    for argv in (("solve",), ("solve", "--list"), ("solve", "--broken", "1"), ("task", "--values")):
        code, out, err = v6lab(*argv)
        assert code == 2, argv
        assert "sealed variant" in err and "V6LAB_INSTRUCTOR_SECRET" in err, err
        assert "Traceback" not in err and "ip -6 addr add" not in out
    assert v6lab("task")[0] == 0  # the task itself is the trainee's
    other = make_class(tmp_path, "other-class")  # another class's secret does not unseal it
    with instructor_secret(other / "instructor" / "secret.key"):
        code, _, err = v6lab("solve")
        assert code == 2 and "did not make this variant" in err
    with instructor_secret(cls / "instructor" / "secret.key"):
        assert v6lab("solve")[0] == 0
        code, out, _ = v6lab("task", "--values")
        assert code == 0 and "2001:db8:" in out
    v6lab("stop")
    code, _, err = v6lab(
        "export", LAB, "--format", "kathara", "--state", "solved",
        "--variant", variant_of(cls, TID), "-o", tmp_path / "k",
    )  # fmt: skip
    assert code == 2 and "sealed variant" in err
    assert not (tmp_path / "k").exists()


def test_a_hand_written_variant_is_not_sealed(tmp_path: Path) -> None:
    variant = tmp_path / "alice.yaml"
    variant.write_text("variant: alice\nprefix: 2001:db8:a11c::/48\n")
    assert v6lab("start", LAB, "--variant", variant)[0] == 0
    assert v6lab("solve")[0] == 0
    assert v6lab("task", "--values")[0] == 0
    v6lab("stop")


def test_what_the_trainee_ran_is_signed_and_the_grade_shows_it(tmp_path: Path) -> None:
    cls = make_class(tmp_path)
    handin = tmp_path / "in"
    handin.mkdir()
    assert v6lab("start", LAB, "--variant", variant_of(cls, TID))[0] == 0
    v6lab("hint")
    v6lab("hint", "h1-address")
    v6lab("check", "--hints")
    assert v6lab("solve")[0] == 2  # refused, and counted
    assert v6lab("task", "--values")[0] == 2
    v6lab("check", "--report", handin / f"{TID}-{LAB}.json")
    v6lab("stop")
    data = json.loads((handin / f"{TID}-{LAB}.json").read_text())
    commands = [e["command"] for e in data["activity"]]
    assert commands == ["hint", "hint", "check", "solve", "task", "check"]
    assert data["activity"][4]["argv"] == ["task", "--values"]
    code, out, err = v6lab("grade", handin, "--key", cls / "instructor", "--json")
    assert code == 0, err
    (row,) = [r for r in json.loads(out)["rows"] if r["file"]]
    assert row["status"] == "ok"
    assert (row["hints"], row["solve_attempts"]) == (3, 1)
    assert isinstance(row["seconds"], int) and row["seconds"] >= 0
    _, out, _ = v6lab(
        "grade", handin, "--key", cls / "instructor", "--plain", "--out", tmp_path / "g.csv"
    )
    assert "3 hints, solve tried 1×" in out
    assert "3 hints, solve tried 1×" in (tmp_path / "g.html").read_text()  # the summary too
    (row_csv,) = [r for r in _rows((tmp_path / "g.csv").read_text()) if r["file"]]
    assert (row_csv["hints"], row_csv["solve_attempts"]) == ("3", "1")
    # the activity is signed: removing a hint from it is tampering
    path = handin / f"{TID}-{LAB}.json"
    data["activity"] = [e for e in data["activity"] if e["command"] != "hint"]
    path.write_text(json.dumps(data))
    _, out, _ = v6lab("grade", handin, "--key", cls / "instructor", "--json")
    (row,) = [r for r in json.loads(out)["rows"] if r["file"]]
    assert row["status"] == "tampered"


def test_start_refuses_a_variant_of_another_lab_or_trainee(tmp_path: Path) -> None:
    cls = make_class(tmp_path)
    mine = variant_of(cls, TID)
    code, _, err = v6lab("start", LAB2, "--variant", mine)
    assert code == 2 and f"is for the lab {LAB}, not {LAB2}" in err
    code, _, err = v6lab("start", LAB, "--variant", mine, "--trainee", "fatou-diop")
    assert code == 2 and f"is {TID}'s" in err and "fatou-diop" in err
    # a classmate's file copied into one's own class folder
    copied = cls / "trainees" / "fatou-diop" / "copied.variant.yaml"
    shutil.copy(mine, copied)
    code, _, err = v6lab("start", LAB, "--variant", copied)
    assert code == 2 and "fatou-diop" in err
    # $V6LAB_TRAINEE says whose machine it is, wherever the file lies
    elsewhere = tmp_path / "downloads" / "v.yaml"
    elsewhere.parent.mkdir()
    shutil.copy(mine, elsewhere)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("V6LAB_TRAINEE", "fatou-diop")
        assert v6lab("start", LAB, "--variant", elsewhere)[0] == 2
    assert v6lab("status")[0] == 2  # nothing was started
    assert v6lab("start", LAB, "--variant", mine, "--trainee", TID)[0] == 0
    # refused before --replace stops the running lab: the trainee keeps their work
    assert v6lab("start", LAB2, "--variant", mine, "--replace")[0] == 2
    code, out, _ = v6lab("status", "--json")
    assert code == 0 and json.loads(out)["lab"] == LAB
    v6lab("stop")


# -- reports and the grade's policy ----------------------------------------------------------------
def test_a_report_says_where_it_went_and_never_replaces_a_better_one(tmp_path: Path) -> None:
    cls = make_class(tmp_path)
    handin = tmp_path / "in"
    report = handin / f"{TID}-{LAB}.json"
    trainee_run(variant_of(cls, TID), report, "solve")
    assert json.loads(report.read_text())["score"] == 8
    assert v6lab("start", LAB, "--variant", variant_of(cls, TID))[0] == 0
    _, _, err = v6lab("check", "--report", report)  # a fresh lab: a worse score
    second = handin / f"{TID}-{LAB}-2.json"
    assert json.loads(report.read_text())["score"] == 8  # kept
    assert second.is_file() and json.loads(second.read_text())["score"] < 8
    assert str(second) in err and "better result" in err
    v6lab("stop")
    assert v6lab("start", LAB, "--variant", variant_of(cls, TID))[0] == 0
    _, _, err = v6lab("check", "--report", tmp_path / "fresh.json")
    assert f"report written to {tmp_path / 'fresh.json'}" in err
    v6lab("stop")
    # latest (default): the later, worse one counts; best: the 8/8
    _, out, _ = v6lab("grade", handin, "--key", cls / "instructor", "--plain")
    assert "[SUPERSEDED]" in out and "a later result" in out  # on the terminal, not only the CSV
    assert "missing: 29 result(s)" in out
    _, out, _ = v6lab("grade", handin, "--key", cls / "instructor", "--json")
    counted = [r for r in json.loads(out)["rows"] if r["counts"] and r["file"]]
    assert [Path(r["file"]).name for r in counted] == [second.name]
    _, out, _ = v6lab("grade", handin, "--key", cls / "instructor", "--json", "--policy", "best")
    data = json.loads(out)
    counted = [r for r in data["rows"] if r["counts"] and r["file"]]
    assert [(Path(r["file"]).name, r["score"]) for r in counted] == [(report.name, 8)]
    assert data["policy"] == "best"


def test_claimed_score_is_the_files_claim_after_replay(tmp_path: Path) -> None:
    """A re-signed forgery replayed: the row scores 0 (flagged), claimed_score is what the
    file claimed (8), not the replayed score."""
    from _support.classroom import resign

    cls = make_class(tmp_path)
    path = tmp_path / "in" / f"{TID}-{LAB}.json"
    trainee_run(variant_of(cls, TID), path, "broken1")
    data = json.loads(path.read_text())
    for check in data["checks"]:
        check["passed"], check["score"] = True, check["points"]
    resign(path, variant_of(cls, TID), checks=data["checks"])
    v6lab(
        "grade",
        tmp_path / "in",
        "--key",
        cls / "instructor",
        "--replay",
        "--out",
        tmp_path / "g.csv",
    )
    (row,) = [r for r in _rows((tmp_path / "g.csv").read_text()) if r["file"]]
    assert row["status"] == "replay-mismatch"
    assert (row["score"], row["claimed_score"]) == ("0", "8")
    assert "the commands earn 6/8" in row["detail"]


def test_an_unreadable_hand_in_is_reported_once(tmp_path: Path) -> None:
    cls = make_class(tmp_path)
    handin = tmp_path / "in"
    handin.mkdir()
    (handin / f"{TID}-{LAB}.json").write_text("{ truncated")
    _, out, _ = v6lab("grade", handin, "--key", cls / "instructor", "--json")
    rows = [r for r in json.loads(out)["rows"] if r["trainee"] == TID]
    assert [(r["status"], r["lab"], r["counts"]) for r in rows] == [("unreadable", LAB, True)]


# -- the gradebook -----------------------------------------------------------------------------
def test_gradebook_points_totals_roster_columns_and_moodle(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,id,email,group\n"
        "Amina Haddad,amina-haddad,amina.haddad@example.org,A\n"
        "Kwame Mensah,kwame-mensah,kmensah@example.org,B\n"
    )
    cls = make_class(tmp_path, labs=(LAB, LAB2), roster=roster)
    handin = tmp_path / "in"
    trainee_run(variant_of(cls, "amina-haddad"), handin / f"amina-haddad-{LAB}.json", "solve")
    trainee_run(
        variant_of(cls, "amina-haddad", LAB2), handin / f"amina-haddad-{LAB2}.json", "solve", LAB2
    )
    trainee_run(variant_of(cls, TID), handin / f"{TID}-{LAB}.json", "broken1")
    code, _, err = v6lab(
        "grade", handin, "--key", cls / "instructor", "--out", tmp_path / "g.csv",
        "--totals", tmp_path / "totals.csv", "--moodle", tmp_path / "moodle.csv",
    )  # fmt: skip
    assert code == 0, err
    book = {(r["trainee"], r["lab"]): r for r in _rows((tmp_path / "g.csv").read_text())}
    # points per check, not 1/0: h1-address is worth 2
    assert book[("amina-haddad", LAB)][f"{LAB}:h1-address"] == "2"
    assert book[(TID, LAB)][f"{LAB}:h1-address"] == "0"
    assert book[(TID, LAB)][f"{LAB}:h1-reaches-h2"] == "2"
    totals = {r["id"]: r for r in _rows((tmp_path / "totals.csv").read_text())}
    amina, kwame = totals["amina-haddad"], totals[TID]
    assert amina["email"] == "amina.haddad@example.org" and amina["group"] == "A"
    lab2_total = int(amina[f"{LAB2} out of"])
    assert (amina[f"{LAB} points"], amina[f"{LAB2} points"]) == ("8", str(lab2_total))
    assert amina["total points"] == str(8 + lab2_total)
    assert amina["total out of"] == kwame["total out of"] == str(8 + lab2_total)
    assert (kwame[f"{LAB} points"], kwame[f"{LAB2} status"]) == ("6", "missing")
    assert kwame["total points"] == "6"
    moodle = _rows((tmp_path / "moodle.csv").read_text())
    assert list(moodle[0]) == [
        "First name", "Last name", "ID number", "Email address", f"{LAB} (Real)", f"{LAB2} (Real)",
    ]  # fmt: skip
    by_mail = {r["Email address"]: r for r in moodle}
    assert by_mail["kmensah@example.org"][f"{LAB} (Real)"] == "6.00"
    assert by_mail["kmensah@example.org"][f"{LAB2} (Real)"] == ""  # missing: no grade changed
    assert by_mail["amina.haddad@example.org"]["Last name"] == "Haddad"
    # the HTML summary: a chart per lab (which of its checks the class finds hardest)
    html = (tmp_path / "g.html").read_text()
    assert html.count("<svg") == 2
    assert f"<h3>{LAB}</h3>" in html and f"<h3>{LAB2}</h3>" in html
    assert 'id="chart-title-0"' in html and 'id="chart-title-1"' in html


# -- a trainee signs anything with their own key: the grader (and the server) never crash --------
json_leaf = st.one_of(
    st.booleans(), st.integers(-(2**40), 2**40), st.text(max_size=8), st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)  # fmt: skip
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
FIELDS = (
    "lab",
    "backend",
    "time",
    "plan",
    "checks",
    "journal",
    "activity",
    "started",
    "answers",
    "score",
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.dictionaries(st.sampled_from(FIELDS), json_value, max_size=5))
def test_a_re_signed_result_of_any_shape_is_judged_not_a_crash(changes: dict[str, object]) -> None:
    from v6plan.lab.instructor import _grading
    from v6plan.lab.instructor._secrets import MANIFEST_FORMAT, derive_key, sign

    secret = bytes(range(32))
    identity = {
        "class": "c0ffee",
        "lab": "lab-a",
        "variant": "t1",
        "prefix": "2001:db8:7::/48",
        "seed": 7,
    }
    manifest = _grading.ClassManifest(
        Path("/nonexistent/class.json"),
        {
            "format": MANIFEST_FORMAT,
            "class": "c0ffee",
            "labs": [{"name": "lab-a", "checks": [{"id": "h1", "points": 2}]}],
            "trainees": [
                {"id": "t1", "variants": {"lab-a": {"prefix": "2001:db8:7::/48", "seed": 7}}}
            ],
        },
        secret,
    )
    report: dict[str, object] = {"lab": "lab-a", "plan": "2001:db8:7::/48", "checks": [], **changes}
    report["identity"] = identity
    report["signature"] = {"mac": sign(report, derive_key(secret, identity))}
    row = _grading.judge_result(report, "t1", manifest, "fuzz")
    assert row.status in _grading.FLAGGED or row.status == "ok"
    _grading.judge(manifest, [row], {id(row): 0.0}, "best")
