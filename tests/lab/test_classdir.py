"""Writing the class directory: a folder that cannot be written is one clear message
(exit 2, nothing left behind), and ``--force`` never deletes what the command reads —
the roster or the instructor secret kept inside the class directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support.lab import v6lab

DATA = Path(__file__).resolve().parents[1] / "data" / "instructor"
ROSTER = DATA / "roster-30.csv"
LAB = "i1-first-ping"


@pytest.fixture(autouse=True)
def labs_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("V6LAB_LABS", str(DATA / "labs"))


def variants(*args: object) -> tuple[int, str, str]:
    return v6lab("variants", LAB, "--seed", "s1", *args)


def test_an_out_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a file, not a folder\n")
    code, _, err = variants("--roster", ROSTER, "--out", tmp_path / "notes.txt" / "class")
    assert code == 2
    last = err.strip().splitlines()[-1]  # after the progress lines
    assert last.startswith("v6lab: cannot write the class") and "notes.txt is a file" in last
    assert "Traceback" not in err and "Error" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_secret_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a file, not a folder\n")
    secret = tmp_path / "notes.txt" / "secret.key"
    code, _, err = variants("--roster", ROSTER, "--out", tmp_path / "c", "--secret", secret)
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("v6lab: cannot write the instructor secret")
    assert "notes.txt is a file" in last
    assert "Error" not in err


def test_force_keeps_a_secret_given_inside_the_class(tmp_path: Path) -> None:
    """``--secret DIR/instructor/secret.key --force``: the class's own secret, written
    again — the keys stay the same and the class can still be graded."""
    out = tmp_path / "class"
    secret = out / "instructor" / "secret.key"
    assert variants("--roster", ROSTER, "--out", out)[0] == 0
    before = secret.read_text()
    key = (out / "trainees" / "amina-haddad" / f"{LAB}.variant.yaml").read_text()
    code, _, err = variants("--roster", ROSTER, "--out", out, "--secret", secret, "--force")
    assert code == 0, err
    assert secret.read_text() == before
    assert (out / "trainees" / "amina-haddad" / f"{LAB}.variant.yaml").read_text() == key
    manifest = json.loads((out / "instructor" / "class.json").read_text())
    assert (out / "instructor" / manifest["secret"]).resolve() == secret.resolve()


def test_force_refuses_to_delete_the_roster_it_reads(tmp_path: Path) -> None:
    out = tmp_path / "class"
    assert variants("--roster", ROSTER, "--out", out)[0] == 0
    roster = out / "roster.csv"
    roster.write_bytes(ROSTER.read_bytes())
    code, _, err = variants("--roster", roster, "--out", out, "--force")
    assert code == 2
    assert "roster" in err and str(out) in err and "Error" not in err
    assert roster.read_bytes() == ROSTER.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_a_new_secret_inside_a_new_class_is_the_class_secret(tmp_path: Path) -> None:
    """``--secret DIR/instructor/secret.key`` for a new DIR: the secret is made there and
    the class is written around it (no --force needed, the secret survives)."""
    out = tmp_path / "class"
    secret = out / "instructor" / "secret.key"
    code, _, err = variants("--roster", ROSTER, "--out", out, "--secret", secret)
    assert code == 0, err
    made = secret.read_text()
    assert "secret:" in made and secret.stat().st_mode & 0o777 == 0o600
    code, out_text, err = v6lab("grade", out / "trainees", "--key", out / "instructor", "--json")
    assert json.loads(out_text)["class"], err  # the class reads its secret back
