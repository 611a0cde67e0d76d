"""Signed result files and class grading: a 30-trainee round trip with every kind of bad
file (tampered, wrong trainee, wrong lab, wrong variant, unsigned, unreadable, duplicate,
missing), the key derivation against RFC 5869, and replay grading on the simulator.

Trainees are simulated through the real command line (``v6lab start --variant``,
``solve``, ``check --report``, in-process) on the sim backend, with the instructor tests'
own fixture labs (tests/data/instructor/labs) so the catalogue can change freely.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from _support.classroom import LAB, LABS, make_class, resign, sim_ready, trainee_run
from _support.lab import v6lab
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from v6plan.lab.instructor import _grading
from v6plan.lab.instructor._secrets import canonical, derive_key, hkdf_sha256, sign, verify


@pytest.fixture
def labs_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("V6LAB_LABS", str(LABS))


# -- the key derivation -----------------------------------------------------------------------------
RFC5869 = [  # (IKM, salt, info, L, OKM) — RFC 5869 appendix A.1–A.3
    (
        "0b" * 22,
        "000102030405060708090a0b0c",
        "f0f1f2f3f4f5f6f7f8f9",
        42,
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    ),
    (
        bytes(range(0x00, 0x50)).hex(),
        bytes(range(0x60, 0xB0)).hex(),
        bytes(range(0xB0, 0x100)).hex(),
        82,
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
        "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
    ),
    (
        "0b" * 22,
        "",
        "",
        42,
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    ),
]


@pytest.mark.parametrize(("ikm", "salt", "info", "length", "okm"), RFC5869)
def test_hkdf_matches_rfc5869(ikm: str, salt: str, info: str, length: int, okm: str) -> None:
    assert (
        hkdf_sha256(bytes.fromhex(ikm), bytes.fromhex(salt), bytes.fromhex(info), length).hex()
        == okm
    )


def test_each_variant_has_its_own_key() -> None:
    secret = bytes(range(32))
    alice = {"class": "c", "lab": "l", "variant": "alice", "prefix": "2001:db8:1::/48", "seed": 1}
    keys = {
        derive_key(secret, alice),
        derive_key(secret, {**alice, "variant": "bob"}),
        derive_key(secret, {**alice, "prefix": "2001:db8:2::/48"}),
        derive_key(secret, {**alice, "lab": "other"}),
        derive_key(secret, {**alice, "seed": 2}),
        derive_key(bytes(32), alice),
    }
    assert len(keys) == 6
    assert derive_key(secret, alice) == derive_key(secret, dict(reversed(list(alice.items()))))


json_leaf = st.one_of(
    st.booleans(), st.integers(-(2**40), 2**40), st.text(max_size=12), st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)  # fmt: skip
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _paths(v, (*prefix, k))] or [prefix]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _paths(v, (*prefix, i))] or [prefix]
    return [prefix]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.dictionaries(st.text(max_size=8), json_value, min_size=1, max_size=6), data=st.data()
)
def test_any_edit_breaks_the_signature(body: dict[str, Any], data: st.DataObject) -> None:
    """Sign a report-shaped document, change one value anywhere (after a JSON round trip,
    as a file would be): the signature no longer verifies; unchanged, it does."""
    secret = b"s" * 32
    identity = {"class": "c", "lab": "l", "variant": "v", "prefix": "2001:db8::/48", "seed": 7}
    report = {"body": body, "identity": identity}
    report["signature"] = {"mac": sign(report, derive_key(secret, identity))}
    again = json.loads(json.dumps(report))
    assert verify(again, secret)
    path = data.draw(st.sampled_from(_paths(again["body"])))
    if not path:
        return
    target = again["body"]
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    new = data.draw(json_value.filter(lambda v: canonical(v) != canonical(old)))
    target[path[-1]] = new
    assert not verify(again, secret)
    assert not verify(json.loads(json.dumps(report)), b"t" * 32)  # another secret: no


def test_sign_is_hmac_sha256_over_the_canonical_body() -> None:
    key = b"k" * 32
    report = {"b": 1, "a": "é", "signature": {"mac": "x"}}
    expected = hmac.new(key, '{"a":"é","b":1}'.encode(), hashlib.sha256).hexdigest()
    assert sign(report, key) == expected


# -- the class round trip ------------------------------------------------------------------------------
def _rows(csv_text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text)))


def test_thirty_trainees_round_trip_with_every_bad_file(tmp_path: Path, labs_env: None) -> None:
    sim_ready()
    secret = tmp_path / "instructor.key"
    cls = make_class(tmp_path, "workshop-1", secret)
    manifest = json.loads((cls / "instructor" / "class.json").read_text())
    ids = [t["id"] for t in manifest["trainees"]]
    assert len(ids) == 30
    handin = tmp_path / "handed-in"

    def variant(tid: str, base: Path = cls) -> Path:
        return base / "trainees" / tid / f"{LAB}.variant.yaml"

    expected_score: dict[str, int] = {}
    for i, tid in enumerate(
        ids[:24]
    ):  # 24 honest trainees: solved, one classic mistake, or nothing
        how = ("solve", "broken1", "none")[i % 3]
        trainee_run(variant(tid), handin / f"{tid}-{LAB}.json", how)
        expected_score[tid] = {"solve": 8, "broken1": 6, "none": -1}[how]
    # 24: tampered — a ✗ edited into a ✓ (and the score with it)
    t_tamper = ids[1]
    path = handin / f"{t_tamper}-{LAB}.json"
    data = json.loads(path.read_text())
    failing = next(c for c in data["checks"] if not c["passed"])
    failing["passed"], failing["score"] = True, failing["points"]
    data["score"] += failing["points"]
    path.write_text(json.dumps(data, indent=2))
    # 25: wrong trainee — hands in trainee 0's (full marks) result as their own
    t_copier = ids[24]
    shutil.copy(handin / f"{ids[0]}-{LAB}.json", handin / f"{t_copier}-{LAB}.json")
    # 26: wrong variant — runs an older variant file (another seed, same instructor)
    old = make_class(tmp_path, "workshop-0", secret)
    t_old = ids[25]
    trainee_run(variant(t_old, old), handin / f"{t_old}-{LAB}.json")
    # 27: wrong lab — `start` refuses another lab with this lab's variant file, so the
    # trainee runs it without one and signs the result with this lab's key themselves
    t_lab = ids[26]
    trainee_run(None, handin / f"{t_lab}-{LAB}.json", lab="i2-static-addressing")
    resign(handin / f"{t_lab}-{LAB}.json", variant(t_lab))
    # 28: unsigned — started the lab without the variant file
    t_plain = ids[27]
    trainee_run(None, handin / f"{t_plain}-{LAB}.json")
    # 29: hands in twice, in a folder of their own: the later one counts
    t_twice = ids[28]
    trainee_run(variant(t_twice), handin / t_twice / "first.json", "none")
    trainee_run(variant(t_twice), handin / t_twice / "second.json", "solve")
    # 30 (ids[29]) hands in nothing; and a file that is no result at all
    (handin / "notes.json").write_text("{ not json")

    code, out, err = v6lab(
        "grade", handin, "--key", cls / "instructor", "--secret", secret,
        "--out", tmp_path / "grades.csv", "--plain",
    )  # fmt: skip
    assert code == 1, err  # flagged files: exit 1
    rows = _rows((tmp_path / "grades.csv").read_text())
    by_file = {Path(r["file"]).name if r["file"] else f"missing:{r['trainee']}": r for r in rows}

    def row_of(name: str) -> dict[str, str]:
        return by_file[name]

    assert row_of(f"{t_tamper}-{LAB}.json")["status"] == "tampered"
    assert row_of(f"{t_tamper}-{LAB}.json")["score"] == "0"  # no credit until looked at
    assert row_of(f"{t_tamper}-{LAB}.json")["claimed_score"] == "8"
    copied = row_of(f"{t_copier}-{LAB}.json")
    assert copied["status"] == "wrong-trainee"
    assert ids[0] in copied["detail"] and t_copier in copied["detail"]
    assert row_of(f"{t_old}-{LAB}.json")["status"] == "wrong-variant"
    assert row_of(f"{t_lab}-{LAB}.json")["status"] == "wrong-lab"
    assert "i2-static-addressing" in row_of(f"{t_lab}-{LAB}.json")["detail"]
    unsigned = row_of(f"{t_plain}-{LAB}.json")
    assert unsigned["status"] == "unsigned"
    assert "2001:db8:42::/48" in unsigned["detail"]  # ran the lab's own plan
    assert row_of("notes.json")["status"] == "unreadable"
    assert row_of("first.json")["status"] == "superseded"
    assert row_of("first.json")["counts"] == "no"
    assert row_of("second.json")["status"] == "ok"
    assert row_of("second.json")["score"] == "8"
    assert row_of(f"missing:{ids[29]}")["status"] == "missing"
    # every honest, untouched result is ok and scored with the instructor's points
    for tid, score in expected_score.items():
        if tid == t_tamper:
            continue
        row = row_of(f"{tid}-{LAB}.json")
        assert row["status"] == "ok", row
        assert row["trainee"] == tid
        assert row["total"] == "8"
        if score >= 0:
            assert row["score"] == str(score), row
    # one counted row per trainee
    counted = [r for r in rows if r["counts"] == "yes"]
    assert sorted(r["trainee"] for r in counted) == sorted(ids)
    # the terminal summary names every flagged file, in words (--plain: no symbols)
    for status in ("[TAMPERED]", "[WRONG TRAINEE]", "[WRONG VARIANT]", "[WRONG LAB]", "[UNSIGNED]"):
        assert status in out
    assert "✓" not in out and "⚠" not in out
    # the HTML summary: the chart of failures, with the numbers in words
    html = (tmp_path / "grades.html").read_text()
    assert "<svg" in html and "Checks the class failed most" in html
    assert "failed (" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    # the failures: the broken1 trainees fail h1-address, the idle ones fail most checks
    book = _grading.grade([handin], _grading.load_keys(cls / "instructor", secret))
    failures = {(lab, cid): failed for lab, cid, failed, _ in book.failures()}
    assert failures[(LAB, "h1-address")] == 8 + 7  # 8 idle + 7 with the /65 (one is tampered)
    assert failures[(LAB, "h1-reaches-h2")] >= 8


def test_json_output_and_exit_zero_when_nothing_is_flagged(tmp_path: Path, labs_env: None) -> None:
    sim_ready()
    cls = make_class(tmp_path)
    tid = "kwame-mensah"
    trainee_run(cls / "trainees" / tid / f"{LAB}.variant.yaml", tmp_path / "in" / f"{tid}.json")
    code, out, err = v6lab("grade", tmp_path / "in", "--key", cls / "instructor", "--json")
    assert code == 0, err
    data = json.loads(out)
    ok = [r for r in data["rows"] if r["status"] == "ok"]
    assert [r["trainee"] for r in ok] == [tid]
    assert ok[0]["score"] == ok[0]["total"] == 8
    assert data["counts"]["missing"] == 29
    assert data["flagged"] == 0


def test_replay_catches_a_re_signed_forgery(tmp_path: Path, labs_env: None) -> None:
    """A trainee holds their own key: one who edits their result and signs it again passes
    the signature check — replaying the signed journal on the simulator does not."""
    sim_ready()
    cls = make_class(tmp_path)
    handin = tmp_path / "in"
    honest, forger = "grace-achieng", "chidi-okafor"
    trainee_run(cls / "trainees" / honest / f"{LAB}.variant.yaml", handin / f"{honest}.json")
    forged_variant = cls / "trainees" / forger / f"{LAB}.variant.yaml"
    trainee_run(forged_variant, handin / f"{forger}.json", "broken1")
    path = handin / f"{forger}.json"
    data = json.loads(path.read_text())
    for check in data["checks"]:
        check["passed"], check["score"] = True, check["points"]
    import yaml

    key = bytes.fromhex(yaml.safe_load(forged_variant.read_text())["key"])
    data["signature"]["mac"] = sign(data, key)
    path.write_text(json.dumps(data))
    code, out, _ = v6lab("grade", handin, "--key", cls / "instructor", "--json")
    plain = {r["trainee"]: r for r in json.loads(out)["rows"] if r["file"]}
    assert plain[forger]["status"] == "ok"  # the signature alone cannot see it
    code, out, _ = v6lab("grade", handin, "--key", cls / "instructor", "--json", "--replay")
    assert code == 1
    replayed = {r["trainee"]: r for r in json.loads(out)["rows"] if r["file"]}
    assert replayed[honest]["status"] == "ok" and replayed[honest]["replayed"]
    assert replayed[forger]["status"] == "replay-mismatch"
    assert "h1-address" in replayed[forger]["detail"]


def test_unsigned_and_csv_reports_say_so(tmp_path: Path, labs_env: None) -> None:
    sim_ready()
    assert v6lab("start", LAB)[0] == 0
    _, _, err = v6lab("check", "--report", tmp_path / "r.json")
    assert "not signed" in err and "--variant" in err
    assert "signature" not in json.loads((tmp_path / "r.json").read_text())
    _, _, err = v6lab("check", "--report", tmp_path / "r.csv")
    assert "not signed" in err and ".json" in err
    v6lab("stop")


def test_grade_errors_are_clear(tmp_path: Path, labs_env: None) -> None:
    code, _, err = v6lab("grade", tmp_path, "--key", tmp_path / "nowhere")
    assert code == 2 and "class.json" in err and "Traceback" not in err
    cls = make_class(tmp_path)
    wrong = tmp_path / "wrong.key"
    wrong.write_text("secret: " + "ab" * 32 + "\n")
    code, _, err = v6lab("grade", tmp_path, "--key", cls / "instructor", "--secret", wrong)
    assert code == 2 and "not the one" in err
    bad = tmp_path / "bad.key"
    bad.write_text("# comment\nnot a secret\n")
    code, _, err = v6lab("grade", tmp_path, "--key", cls / "instructor", "--secret", bad)
    assert code == 2 and f"{bad}:2:1" in err
    code, _, err = v6lab("grade", tmp_path / "absent", "--key", cls / "instructor")
    assert code == 2 and "neither a result file nor a directory" in err
