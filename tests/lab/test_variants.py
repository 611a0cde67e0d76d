"""Per-trainee variants: the roster, the prefixes, determinism, and the class directory.

The properties that matter in a classroom: the same seed and roster always give the same
variants (whatever the row order), no two trainees share a prefix, every prefix is
documentation space, each variant file starts the lab on that prefix with every value
moved consistently, and bad input is one clear message with its place — nothing written.
"""

from __future__ import annotations

import csv
import filecmp
import io
import json
from pathlib import Path

import pytest
from _support.lab import v6lab
from hypothesis import given, settings
from hypothesis import strategies as st

from v6plan._errors import SpecError
from v6plan._prefix import format_prefix, host_mask, parse_prefix
from v6plan.lab._errors import LabError
from v6plan.lab.instructor._variants import (
    assign_prefixes,
    check_pool,
    read_roster,
    slug,
    trainee_seed,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "instructor"
LABS = DATA / "labs"
ROSTER = DATA / "roster-30.csv"
LAB = "i1-first-ping"
DOC = (parse_prefix("2001:db8::/32"), parse_prefix("3fff::/20"))


@pytest.fixture(autouse=True)
def labs_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("V6LAB_LABS", str(LABS))


def inside(net: int, length: int, block: tuple[int, int]) -> bool:
    return length >= block[1] and net & ~host_mask(block[1]) == block[0]


# -- the roster -------------------------------------------------------------------------------------
def test_roster_of_thirty() -> None:
    trainees = read_roster(ROSTER)
    assert len(trainees) == 30
    amina = trainees[0]
    assert (amina.id, amina.name, amina.lang, amina.group) == (
        "amina-haddad",
        "Amina Haddad",
        "ar",
        "A",
    )
    assert dict(amina.extra) == {"organisation": "Ministry of Communications"}
    assert amina.line == 2
    assert len({t.id for t in trainees}) == 30


def test_roster_excel_style_semicolons_bom_and_derived_ids(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(
        "\ufeffNom;Langue;Groupe\nAïcha Traoré;fr-FR;1\nAïcha Traoré;fr;2\n\nسارة;ar_EG;3\n".encode()
    )
    trainees = read_roster(path)
    assert [t.id for t in trainees] == ["aicha-traore", "aicha-traore-2", "trainee-03"]
    assert [t.lang for t in trainees] == ["fr", "fr", "ar"]
    assert [t.group for t in trainees] == ["1", "2", "3"]
    assert [t.line for t in trainees] == [2, 3, 5]


@pytest.mark.parametrize(
    ("text", "place", "words"),
    [
        ("id,lang\na,en\n", "r.csv:1:1", "no 'name' column"),
        ("name,lang\nAmina,en\n,fr\n", "r.csv:3:1", "no name"),
        ("name,id\nAmina,amina\nAmine,amina\n", "r.csv:3:7", "used twice (first on line 2)"),
        ("name,id\nAmina,Amina Haddad\n", "r.csv:2:7", "not usable as a file name"),
        ("name,lang\nAmina,arabic\n", "r.csv:2:7", "not a language code"),
        ("name\n", "r.csv:2:1", "lists nobody"),
        ("", "r.csv:1:1", "empty"),
    ],
)
def test_roster_problems_name_the_place(tmp_path: Path, text: str, place: str, words: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        read_roster(path)
    message = str(caught.value)
    assert place in message.replace(str(tmp_path) + "/", ""), message
    assert words in message


def test_roster_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"name\nAm\xefna\n")
    with pytest.raises(SpecError, match="not UTF-8"):
        read_roster(path)


def test_slug() -> None:
    assert slug("Jean-Baptiste Kaboré") == "jean-baptiste-kabore"
    assert slug("  Éric  N'Dayisaba ") == "eric-n-dayisaba"
    assert slug("نور") == ""


# -- prefixes -------------------------------------------------------------------------------------------
ids_strategy = st.lists(
    st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True), min_size=1, max_size=40, unique=True
)


@settings(max_examples=120)
@given(
    ids=ids_strategy,
    seed=st.text(min_size=1, max_size=12),
    pool=st.sampled_from(["2001:db8::/32", "3fff::/20", "2001:db8:f000::/36", "3fff:400::/24"]),
    length=st.sampled_from([48, 56, 64]),
)
def test_prefixes_are_distinct_aligned_documentation_and_stable(
    ids: list[str], seed: str, pool: str, length: int
) -> None:
    block = check_pool(pool)
    avoid = [parse_prefix("2001:db8:42::/48"), parse_prefix("3fff:400:1::/48")]
    got = assign_prefixes(ids, seed, block, length, avoid)
    assert set(got) == set(ids)
    nets = [net for net, _ in got.values()]
    assert len(set(nets)) == len(ids)  # no two trainees share a prefix
    for net, plen in got.values():
        assert plen == length
        assert net & host_mask(length) == 0  # a real prefix, on its boundary
        assert inside(net, plen, block) and any(inside(net, plen, d) for d in DOC)
        assert net != block[0]  # never the pool's first (it looks like a default)
        assert all(not inside(a[0], a[1], (net, plen)) for a in avoid)
    # the same seed and roster, in any order, give the same prefixes
    assert assign_prefixes(list(reversed(ids)), seed, block, length, avoid) == got
    # a trainee more moves at most one other (only when their draws collide)
    more = assign_prefixes([*ids, "zz-late-comer"], seed, block, length, avoid)
    moved = [tid for tid in ids if more[tid] != got[tid]]
    assert len(moved) <= 1


def test_prefixes_differ_with_the_seed() -> None:
    ids = [t.id for t in read_roster(ROSTER)]
    pool = check_pool("2001:db8::/32")
    one = assign_prefixes(ids, "a", pool, 48)
    two = assign_prefixes(ids, "b", pool, 48)
    assert sum(one[i] != two[i] for i in ids) >= 28


def test_a_nearly_full_pool_still_works_and_a_full_one_says_so() -> None:
    pool = check_pool("2001:db8:ff00::/44")  # 16 /48s, one of them never used
    ids = [f"t{i}" for i in range(15)]
    got = assign_prefixes(ids, "s", pool, 48)
    assert len({net for net, _ in got.values()}) == 15
    with pytest.raises(LabError, match="15 usable /48s for 16 trainees"):
        assign_prefixes([*ids, "t15"], "s", pool, 48)


@pytest.mark.parametrize("pool", ["2001:db9::/32", "fd00::/8", "2001:db8::/31", "3fff::/19"])
def test_pools_outside_documentation_space_are_refused(pool: str) -> None:
    with pytest.raises(LabError, match="documentation space"):
        check_pool(pool)


def test_trainee_seed_is_stable_and_personal() -> None:
    assert trainee_seed("s", "amina") == trainee_seed("s", "amina")
    assert trainee_seed("s", "amina") != trainee_seed("s", "omar")
    assert trainee_seed("s", "amina") != trainee_seed("t", "amina")
    assert 0 <= trainee_seed("s", "amina") < 2**31


# -- the class directory ----------------------------------------------------------------------------------
def make(
    tmp_path: Path, *extra: object, name: str = "class", labs: tuple[str, ...] = (LAB,)
) -> Path:
    out = tmp_path / name
    code, _, err = v6lab("variants", *labs, "--roster", ROSTER, "--out", out, *extra)
    assert code == 0, err
    return out


def test_class_directory_layout_and_variant_files(tmp_path: Path) -> None:
    from v6plan.lab.model._labfile import load_lab, load_variant

    out = make(tmp_path, "--seed", "s1", labs=(LAB, "i2-static-addressing"))
    manifest = json.loads((out / "instructor" / "class.json").read_text())
    assert [lab["name"] for lab in manifest["labs"]] == [LAB, "i2-static-addressing"]
    assert (out / "instructor" / "secret.key").stat().st_mode & 0o777 == 0o600
    assert (out / "instructor").stat().st_mode & 0o077 == 0  # the instructor's only
    sheet = list(csv.DictReader(io.StringIO((out / "instructor" / "class.csv").read_text())))
    assert len(sheet) == 60 and sheet[0]["organisation"] == "Ministry of Communications"
    prefixes: set[str] = set()
    lab = load_lab(LAB)
    for trainee in manifest["trainees"]:
        folder = out / "trainees" / trainee["id"]
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            f"{name}.{kind}"
            for name in (LAB, "i2-static-addressing")
            for kind in ("variant.yaml", "handout.md", "handout.html")
        )
        variant = load_variant(folder / f"{LAB}.variant.yaml")  # what `v6lab start` reads
        assert variant.prefix is not None
        text = format_prefix(*variant.prefix)
        assert text == trainee["variants"][LAB]["prefix"]
        assert any(inside(*variant.prefix, d) for d in DOC)
        prefixes.add(text)
        run = lab.instantiate(variant)  # every value moves with the prefix
        assert str(run.addressing.plan.prefix) == text
        for a in run.addressing.assignments:
            assert inside(a.address, 128, variant.prefix)
        assert run.variables["h1.eth0.cidr"].startswith(text.split("::")[0] + ":")
    assert len(prefixes) == 30  # no two trainees share a prefix
    # nor two labs: a beginner lab's task prints addresses that would answer the next one
    every = [v["prefix"] for t in manifest["trainees"] for v in t["variants"].values()]
    assert len(set(every)) == 60


def test_same_seed_and_roster_give_the_same_class(tmp_path: Path) -> None:
    secret = tmp_path / "me.key"
    one = make(tmp_path, "--seed", "2026", "--secret", secret, name="one")
    shuffled = tmp_path / "shuffled.csv"
    lines = ROSTER.read_text().splitlines()
    shuffled.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    out = tmp_path / "two"
    code, _, err = v6lab(
        "variants", LAB, "--roster", ROSTER, "--seed", "2026", "--secret", secret, "--out", out
    )
    assert code == 0, err
    compare = filecmp.dircmp(one, out)
    assert not compare.diff_files and not compare.left_only and not compare.right_only
    for sub in ("trainees/amina-haddad", "instructor", "instructor/answers/" + LAB):
        c = filecmp.dircmp(one / sub, out / sub)
        assert not c.diff_files, (sub, c.diff_files)
    # the row order does not matter for prefixes, seeds or keys
    three = tmp_path / "three"
    assert (
        v6lab(
            "variants",
            LAB,
            "--roster",
            shuffled,
            "--seed",
            "2026",
            "--secret",
            secret,
            "--out",
            three,
        )[0]
        == 0
    )
    for tid in ("amina-haddad", "nour-hassan"):
        a = (one / "trainees" / tid / f"{LAB}.variant.yaml").read_text()
        b = (three / "trainees" / tid / f"{LAB}.variant.yaml").read_text()
        assert a == b


def test_force_keeps_the_secret_and_refuses_without_it(tmp_path: Path) -> None:
    out = make(tmp_path, "--seed", "x")
    before = (out / "instructor" / "secret.key").read_text()
    key = (out / "trainees" / "amina-haddad" / f"{LAB}.variant.yaml").read_text()
    code, _, err = v6lab("variants", LAB, "--roster", ROSTER, "--seed", "x", "--out", out)
    assert code == 2 and "--force" in err
    assert (
        v6lab("variants", LAB, "--roster", ROSTER, "--seed", "x", "--out", out, "--force")[0] == 0
    )
    assert (out / "instructor" / "secret.key").read_text() == before
    assert (out / "trainees" / "amina-haddad" / f"{LAB}.variant.yaml").read_text() == key
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,lang\nAmina,english1\n")
    out = tmp_path / "class"
    code, _, err = v6lab("variants", LAB, "--roster", bad, "--seed", "1", "--out", out)
    assert code == 2
    assert f"{bad}:2:7" in err and "language code" in err and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]
    code, _, err = v6lab("variants", "no-such-lab", "--roster", ROSTER, "--seed", "1", "--out", out)
    assert code == 2 and "no lab named" in err and not out.exists()
    code, _, err = v6lab(
        "variants", LAB, "--roster", ROSTER, "--pool", "2001:db9::/32", "--out", out
    )
    assert code == 2 and "documentation space" in err and not out.exists()


def test_seed_is_made_and_printed_when_missing(tmp_path: Path) -> None:
    out = tmp_path / "c"
    code, _, err = v6lab("variants", LAB, "--roster", ROSTER, "--out", out)
    assert code == 0
    seed = json.loads((out / "instructor" / "class.json").read_text())["seed"]
    assert f"--seed {seed}" in err


def test_json_summary_and_language_fallback_notes(tmp_path: Path) -> None:
    code, out, err = v6lab(
        "variants", LAB, "i2-static-addressing", "--roster", ROSTER, "--seed", "j",
        "--out", tmp_path / "c", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert len(data["trainees"]) == 30
    assert set(data["trainees"][0]["prefixes"]) == {LAB, "i2-static-addressing"}
    # the fixture's second lab has English only: French and Arabic rows fall back, said so
    assert (
        "no 'ar' texts yet in i2-static-addressing: 12 handout(s) in English instead"
        in data["notes"]
    )
    manifest = json.loads((tmp_path / "c" / "instructor" / "class.json").read_text())
    amina = manifest["trainees"][0]["variants"]
    assert (amina[LAB]["lang"], amina["i2-static-addressing"]["lang"]) == ("ar", "en")


@pytest.mark.parametrize("command", ["variants", "grade", "export"])
def test_help_has_examples_and_imports_no_scapy(command: str) -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom v6plan.lab.cli import main\n"
        f"try:\n    main([{command!r}, '--help'])\nexcept SystemExit as e:\n    assert e.code == 0\n"
        "print('SCAPY' if any(m.startswith('scapy') for m in sys.modules) else 'CLEAN')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "examples:" in done.stdout and f"v6lab {command} " in done.stdout
    assert done.stdout.rstrip().endswith("CLEAN")
