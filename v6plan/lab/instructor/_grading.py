"""Signed result files and class grading.

A trainee's ``v6lab check --report result.json`` is signed with HMAC-SHA256 under a key
that belongs to their variant alone. The key is derived (HKDF-SHA256, RFC 5869) from the
instructor's secret and the variant's identity — class, lab, trainee, prefix, seed — by
``v6lab variants``, and written into the trainee's variant file. The instructor's secret
never leaves the instructor: the grader derives each key again from it, so one trainee's
key says nothing about another's, and nobody without the secret can make a key at all.

What this stops and what it does not (docs/instructor-guide.md says it to instructors):

* editing a result (a ✗ into a ✓, a score, a time) breaks the signature — ``tampered``;
* handing in a classmate's result, or running the lab with a classmate's variant file,
  is seen: the signature names whose variant made it — ``wrong-trainee``;
* a result of another lab, or of a variant from another seed — ``wrong-lab`` /
  ``wrong-variant``; no signature at all (the lab ran without a variant) — ``unsigned``;
* but a trainee holds their own key: one who reads this code can edit their *own*
  result and sign it again. ``v6lab grade --replay`` closes most of that gap for the
  simulator: a result carries the session's journal (every command typed, signed with
  the rest), and the grader replays it on a fresh simulated network and runs the checks
  itself, so a verdict the commands do not produce is flagged ``replay-mismatch``.
  Forging a journal that passes means solving the lab. Copying a classmate's commands,
  adapted to one's own prefix, is not detectable by any file check.

Everything here is the standard library (hmac, hashlib); the lab engine is imported
lazily, and only ``--replay`` needs Scapy.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from ..._errors import InputError
from ..._io import ReadError, parse_json, read_input
from ..._limits import (
    MANIFEST_BYTES,
    RESULT_BYTES,
    ROSTER_TRAINEES,
)
from .._errors import LabError

if TYPE_CHECKING:
    from ..model._labfile import LabRun
    from ..runtime._session import Session

from ._html import csv_text
from ._seal import identity_of, normal_prefix, signing_key, variant_fields
from ._secrets import MANIFEST_FORMAT, read_secret, secret_id, sign, verify

__all__ = [
    "FLAGGED",
    "POLICIES",
    "RESULT_FORMAT",
    "ClassManifest",
    "Flag",
    "Gradebook",
    "Graded",
    "Policy",
    "Status",
    "grade",
    "judge",
    "judge_result",
    "load_keys",
    "report_to_hand_in",
]

RESULT_FORMAT = "v6lab-result/1"
#: a status that means "look at this file": the grade exits 1 when any row has one
Flag = Literal[
    "tampered",
    "unsigned",
    "wrong-trainee",
    "wrong-lab",
    "wrong-variant",
    "replay-mismatch",
    "unreadable",
]
#: a gradebook row's status: graded (``ok``), flagged, or a row that does not grade
Status = Literal[Flag, "ok", "superseded", "missing"]
FLAGGED: tuple[Flag, ...] = get_args(Flag)
#: the most journal entries a replay accepts (a long lab session has a few hundred)
MAX_REPLAY = 5000
#: the most points one check may be worth in a class manifest
MAX_POINTS = 1000


# -- the trainee's side: a signed result ------------------------------------------------------------
_variant_fields = variant_fields
_normal_prefix = normal_prefix


def report_to_hand_in(
    report: dict[str, Any],
    session: Session,
    run: LabRun,
    path: Path,
    warn: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The result file a trainee hands in: the check report, the session's journal (for
    ``grade --replay``), and — when the lab runs with a variant file from ``v6lab
    variants`` — the variant's identity and an HMAC-SHA256 signature over all of it."""

    def say(text: str) -> None:
        (warn or (lambda t: print(t, file=sys.stderr)))(f"v6lab: {text}")

    out = dict(report)
    out["format"] = RESULT_FORMAT
    out["started"] = session.info.started
    out["journal"] = session.journal()
    out["activity"] = session.activity()  # what the trainee asked v6lab: hints, solve …
    try:  # quiz labs: the answers given with `v6lab answer` (replayed with the journal)
        from ..checks._quiz import load_answers

        out["answers"] = load_answers(session.dir)
    except ImportError:  # pragma: no cover - an engine without quiz labs
        pass
    if path.suffix.lower() == ".csv":
        say("a .csv report is not signed; hand in a .json report (v6lab check --report FILE.json)")
        return out
    variant_file = session.info.variant
    if not variant_file:
        say(
            "the report is not signed: this lab runs without a variant file. If your "
            "instructor gave you one, start again: v6lab start LAB --variant FILE"
        )
        return out
    fields = _variant_fields(variant_file)
    key_text = signing_key(fields)
    if fields is None or not key_text:
        say(
            f"the report is not signed: the variant file {variant_file} is missing or has no "
            "signing key (variant files from `v6lab variants` have one)"
        )
        return out
    identity = identity_of(fields)
    if identity["lab"] and identity["lab"] != run.lab.name:
        say(
            f"your variant file is for the lab {identity['lab']}, but the running lab is "
            f"{run.lab.name}: your instructor will see this result as the wrong lab"
        )
    out["identity"] = identity
    out["signature"] = {
        "alg": "HMAC-SHA256",
        "kdf": "HKDF-SHA256",
        "mac": sign(out, bytes.fromhex(key_text)),
    }
    return out


# -- the instructor's side: the class manifest and keys ------------------------------------------
@dataclass
class ClassManifest:
    """``instructor/class.json`` as ``v6lab variants`` writes it, plus the secret."""

    file: Path
    data: dict[str, Any]
    secret: bytes

    @property
    def class_id(self) -> str:
        return str(self.data.get("class", ""))

    @property
    def labs(self) -> dict[str, dict[str, Any]]:
        return {str(lab["name"]): lab for lab in self.data.get("labs", [])}

    @property
    def trainees(self) -> dict[str, dict[str, Any]]:
        return {str(t["id"]): t for t in self.data.get("trainees", [])}

    def variant(self, trainee: str, lab: str) -> dict[str, Any] | None:
        entry = self.trainees.get(trainee)
        if entry is None:
            return None
        found = entry.get("variants", {}).get(lab)
        return found if isinstance(found, dict) else None


def load_keys(path: Path, secret_file: Path | None = None) -> ClassManifest:
    """The class manifest and the instructor secret, from ``--key``: the instructor
    directory of ``v6lab variants``, its ``class.json``, or its secret file."""
    if path.is_dir():
        manifest_file = path / "class.json"
        if not manifest_file.is_file() and (path / "instructor" / "class.json").is_file():
            manifest_file = path / "instructor" / "class.json"
    elif path.suffix == ".json":
        manifest_file = path
    else:
        manifest_file = path.parent / "class.json"
        secret_file = secret_file or path
    if not manifest_file.exists():  # something that is not a file: read_input says what
        raise LabError(
            f"{path} holds no class.json: give --key the instructor directory that "
            "`v6lab variants` made (DIR/instructor)"
        )
    raw = read_input(manifest_file, what="class manifest", limit=MANIFEST_BYTES)
    try:
        data = parse_json(raw, str(manifest_file), "class manifest")
    except ReadError as exc:
        raise LabError(f"cannot read the class manifest {manifest_file}: {exc.reason}") from None
    problem = _manifest_problem(data)
    if problem:
        raise LabError(
            f"{manifest_file} is not a class manifest written by `v6lab variants` ({problem})"
        )
    if secret_file is None:
        recorded = Path(str(data.get("secret", "secret.key")))
        secret_file = recorded if recorded.is_absolute() else manifest_file.parent / recorded
    secret = read_secret(secret_file)
    if data.get("secret_id") and data["secret_id"] != secret_id(secret):
        raise LabError(
            f"the secret {secret_file} is not the one class {data.get('class')} was made with "
            "(its fingerprint differs); give the right one with --secret"
        )
    return ClassManifest(manifest_file, data, secret)


def _manifest_problem(data: Any) -> str:
    """What is wrong with a class manifest's shape ("" when it is right): grading trusts
    the ids, lab names and points in it, so each is checked once, here."""
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return f"no 'format: {MANIFEST_FORMAT}'"
    trainees, labs = data.get("trainees", []), data.get("labs", [])
    if not isinstance(trainees, list) or not isinstance(labs, list):
        return "'trainees' and 'labs' must be lists"
    if len(trainees) > ROSTER_TRAINEES:
        return f"more than {ROSTER_TRAINEES:,} trainees"
    for t in trainees:
        if not isinstance(t, dict) or not isinstance(t.get("id"), str):
            return "a trainee without an 'id'"
        if not isinstance(t.get("variants", {}), dict):
            return f"trainee {t['id'][:40]!r}: 'variants' must map labs to variants"
    for lab in labs:
        if not isinstance(lab, dict) or not isinstance(lab.get("name"), str):
            return "a lab without a 'name'"
        checks = lab.get("checks", [])
        if not isinstance(checks, list):
            return f"lab {lab['name'][:40]!r}: 'checks' must be a list"
        for check in checks:
            points = check.get("points", 1) if isinstance(check, dict) else None
            if (
                not isinstance(check, dict)
                or not isinstance(check.get("id"), str)
                or not isinstance(points, int)
                or isinstance(points, bool)
                or not 0 <= points <= MAX_POINTS
            ):
                return f"lab {lab['name'][:40]!r}: each check needs an 'id' and 0 to {MAX_POINTS} points"
    return ""


# -- grading ----------------------------------------------------------------------------------------
@dataclass
class Graded:
    """One row of the gradebook: a result file (or a missing one) and its verdict."""

    file: str
    trainee: str = ""
    name: str = ""
    lab: str = ""
    status: Status = "ok"
    detail: str = ""
    score: int = 0
    total: int = 0
    checks: dict[str, bool] = field(default_factory=dict)
    backend: str = ""
    time: str = ""
    counts: bool = True  # the row that grades (trainee, lab)
    replayed: bool = False
    claimed: int | None = None  # a flagged file's own score (the grade is 0 until looked at)
    points: dict[str, int] = field(default_factory=dict)  # points earned per check
    hints: int | None = None  # hints asked (`v6lab hint`, `check --hints`), from the activity
    solves: int | None = None  # `v6lab solve` attempts (refused or, with the secret, run)
    seconds: float | None = None  # from the lab's start to the last thing done in it
    window: str = ""  # classroom: 'late' / 'early' when received outside the lab's window

    @property
    def flagged(self) -> bool:
        return self.status in FLAGGED

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.total if self.total else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "trainee": self.trainee,
            "name": self.name,
            "lab": self.lab,
            "status": self.status,
            "flagged": self.flagged,
            "detail": self.detail,
            "score": self.score,
            "claimed_score": self.claimed,
            "total": self.total,
            "percent": round(self.percent, 1),
            "counts": self.counts,
            "replayed": self.replayed,
            "backend": self.backend,
            "time": self.time,
            "checks": self.checks,
            "points": self.points,
            "hints": self.hints,
            "solve_attempts": self.solves,
            "seconds": None if self.seconds is None else round(self.seconds),
            "window": self.window,
        }

    def usage(self) -> str:
        """What the trainee used, in words ('' when the file does not say)."""
        if self.hints is None and self.seconds is None:
            return ""
        parts = [f"{self.hints or 0} hint{'s' * (self.hints != 1)}"]
        if self.solves:
            parts.append(f"solve tried {self.solves}×")
        if self.seconds is not None:
            parts.append(f"{self.seconds / 60:.0f} min")
        return ", ".join(parts)


@dataclass
class Gradebook:
    """Every row of a grading run, with the class it was graded against."""

    manifest: ClassManifest
    rows: list[Graded]

    @property
    def flagged(self) -> list[Graded]:
        return [r for r in self.rows if r.flagged]

    def failures(self) -> list[tuple[str, str, int, int]]:
        """(lab, check, failed, graded) for every check, most failed first, from the rows
        that count and hold a result (missing results are not failures of a check)."""
        out: list[tuple[str, str, int, int]] = []
        for lab_name, lab in self.manifest.labs.items():
            rows = [r for r in self.rows if r.counts and r.lab == lab_name and r.status == "ok"]
            for check in lab.get("checks", []):
                cid = str(check["id"])
                failed = sum(1 for r in rows if not r.checks.get(cid, False))
                out.append((lab_name, cid, failed, len(rows)))
        out.sort(key=lambda t: (-(t[2] / t[3]) if t[3] else 0.0, -t[2], t[0], t[1]))
        return out


def _attribute(path: Path, root: Path, ids: Iterable[str]) -> str:
    """The trainee a file was handed in as: the longest id that names one of its folders,
    or starts its file name (``amina-haddad-04-lan-addressing.json``)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = (path.name,)
    best = ""
    names = [p.lower() for p in parts[:-1]]
    stem = path.stem.lower()
    for tid in ids:
        low = tid.lower()
        hit = low in names or stem == low or re.match(re.escape(low) + r"[-_.]", stem)
        if hit and len(tid) > len(best):
            best = tid
    return best


def _result_files(paths: Iterable[Path]) -> list[tuple[Path, Path]]:
    """(file, the folder it was found under) for every result named or under a named
    folder: the folder's sub-folders tell whose file it is."""
    out: list[tuple[Path, Path]] = []
    for path in paths:
        if path.is_dir():
            out.extend((f, path) for f in sorted(path.rglob("*.json")) if f.is_file())
        elif path.is_file():
            out.append((path, path.parent))
        else:
            raise LabError(f"{path} is neither a result file nor a directory of them")
    return out


def _grade_checks(row: Graded, report: Mapping[str, Any], lab: Mapping[str, Any]) -> None:
    """Score with the instructor's points (from the manifest), not the file's; what the
    file claims is kept (a replay or a flag changes the score, never the claim)."""
    _score(row, lab, _claimed(report))
    row.claimed = row.score


def _usage(row: Graded, report: Mapping[str, Any]) -> None:
    """Hints, solve attempts and time taken, from the signed activity and journal."""
    activity = report.get("activity")
    started = report.get("started")
    if not isinstance(activity, list):
        return
    entries = [e for e in activity if isinstance(e, dict)]
    row.hints = sum(
        1
        for e in entries
        if e.get("command") == "hint"
        or (
            e.get("command") == "check"
            and isinstance(e.get("argv"), list)
            and "--hints" in e["argv"]
        )
    )
    row.solves = sum(1 for e in entries if e.get("command") == "solve")
    if isinstance(started, (int, float)) and not isinstance(started, bool):
        last = max([_when(report), *(float(e["t"]) for e in entries if _is_time(e.get("t")))])
        row.seconds = max(0.0, last - float(started))


def _is_time(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _claimed(report: Mapping[str, Any]) -> dict[str, bool]:
    """Which checks the result file says passed (a check it does not name did not)."""
    checks = report.get("checks")
    return {
        str(check["id"]): check.get("passed") is True
        for check in (checks if isinstance(checks, list) else [])
        if isinstance(check, dict) and "id" in check
    }


def _score(row: Graded, lab: Mapping[str, Any], passed: Mapping[str, bool]) -> None:
    """The row's checks, score and total for ``lab``'s checks, given which of them passed:
    one place, so a file's claims and a replay's verdicts are scored alike."""
    row.checks = {}
    row.points = {}
    row.score = row.total = 0
    for check in lab.get("checks", []):
        cid, points = str(check["id"]), int(check.get("points", 1))
        ok = passed.get(cid, False)
        row.checks[cid] = ok
        row.points[cid] = points if ok else 0
        row.total += points
        row.score += points if ok else 0


#: a verdict on a file: its status and why (None: nothing wrong found)
Verdict = tuple[Flag, str]


def _one(file: Path, root: Path, manifest: ClassManifest) -> tuple[Graded, dict[str, Any] | None]:
    """One result file's row: read it, score what it claims, then judge whether the
    signature, the trainee, the lab and the variant are the ones the class expects."""
    handed_as = _attribute(file, root, manifest.trainees)
    report = _read_result(file)
    if isinstance(report, str):
        row = Graded(str(file), status="unreadable", detail=report, trainee=handed_as)
        row.lab = _lab_of_name(file, handed_as, manifest)  # counts for it: not also missing
        return row, None
    return judge_result(report, handed_as, manifest, str(file)), report


def judge_result(
    report: Mapping[str, Any], handed_as: str, manifest: ClassManifest, source: str = ""
) -> Graded:
    """A result's row: score what it claims, then judge whether the signature, the trainee
    (``handed_as``: who handed it in, '' if unknown), the lab and the variant are the ones
    the class expects. ``source`` names where it came from (a file, a submission)."""
    row = Graded(source)
    row.lab = str(report.get("lab", ""))
    row.backend = str(report.get("backend", ""))
    row.time = str(report.get("time", ""))
    identity = report.get("identity") if isinstance(report.get("identity"), dict) else None
    claimed = str(identity.get("variant", "")) if identity else ""
    row.trainee = handed_as or claimed
    if row.lab in manifest.labs:
        _grade_checks(row, report, manifest.labs[row.lab])
    _usage(row, report)
    if "signature" not in report or identity is None:
        verdict: Verdict | None = ("unsigned", _unsigned_detail(row, report, manifest))
    elif not verify(report, manifest.secret):
        verdict = ("tampered", _tampered_detail(identity, manifest))
    else:  # a genuine result of this instructor: whose, which lab, which variant?
        verdict = _wrong_trainee(claimed, handed_as, identity, manifest)
        if verdict is None:
            row.trainee = claimed
            verdict = _wrong_lab(row, report, identity, manifest) or _wrong_variant(
                row, report, identity, manifest
            )
    if verdict is not None:
        row.status, row.detail = verdict
    return row


def _lab_of_name(file: Path, trainee: str, manifest: ClassManifest) -> str:
    """The lab an unreadable file was handed in for: named in its file name
    (``<id>-<lab>.json``, the handout's name), else the class's only lab ('' if unknown)."""
    if not trainee:
        return ""
    labs = list(manifest.labs)
    stem = file.stem.lower()
    named = [lab for lab in labs if lab.lower() in stem]
    if named:
        return max(named, key=len)
    return labs[0] if len(labs) == 1 else ""


def _read_result(file: Path) -> dict[str, Any] | str:
    """The result file's JSON, or why it is unreadable: a regular file of at most 16 MiB,
    plain JSON not nested deeper than 64, with a list of checks."""
    try:
        report = parse_json(
            read_input(file, what="result file", limit=RESULT_BYTES), str(file), "result file"
        )
    except ReadError as exc:
        return exc.reason + (f" — {exc.hint}" if exc.hint else "")
    if not isinstance(report, dict) or not isinstance(report.get("checks"), list):
        return "not a v6lab result (no checks)"
    return report


def _unsigned_detail(row: Graded, report: Mapping[str, Any], manifest: ClassManifest) -> str:
    """Why a result has no signature, in the words that help the instructor most: a plan
    other than the trainee's variant says the variant file was never used."""
    plan = str(report.get("plan", ""))
    expected = manifest.variant(row.trainee, row.lab) if row.trainee else None
    if expected and plan and _normal_prefix(plan) != expected.get("prefix"):
        return (
            f"no signature, and it ran the plan {plan}, not this trainee's variant "
            f"{expected.get('prefix')} — the lab was started without the variant file"
        )
    return "no signature: the lab was started without the variant file, or the file was rewritten"


def _tampered_detail(identity: Mapping[str, Any], manifest: ClassManifest) -> str:
    """A signature that does not match: edited, or (when it names another class) made by
    another instructor's secret."""
    other = identity.get("class")
    return "the signature does not match the content: the file was edited after `v6lab check`" + (
        f" (or it was made for another class, {other})" if other != manifest.class_id else ""
    )


def _wrong_trainee(
    claimed: str, handed_as: str, identity: Mapping[str, Any], manifest: ClassManifest
) -> Verdict | None:
    """A signed result of someone not on the roster, or handed in as someone else."""
    if claimed not in manifest.trainees:
        return (
            "wrong-trainee",
            f"signed with the variant of {claimed!r}, who is not on this class's roster",
        )
    if handed_as and handed_as != claimed:
        return (
            "wrong-trainee",
            f"handed in as {handed_as}, but it is {claimed}'s result "
            f"(signed with {claimed}'s variant for {identity.get('lab')})",
        )
    return None


def _wrong_lab(
    row: Graded, report: Mapping[str, Any], identity: Mapping[str, Any], manifest: ClassManifest
) -> Verdict | None:
    """A result of another lab than its variant's, or of a lab this class does not have.
    The first row stands for (and is scored as) the lab the variant was made for."""
    labs = manifest.labs
    if identity.get("lab") != row.lab:
        detail = f"the variant file is for {identity.get('lab')}, but the result is of {row.lab}"
        meant = str(identity.get("lab"))
        if meant in labs:
            row.lab = meant
            _grade_checks(row, report, labs[meant])
        return "wrong-lab", detail
    if row.lab not in labs:
        return "wrong-lab", f"this class has variants for {', '.join(labs)}, not {row.lab}"
    return None


def _wrong_variant(
    row: Graded, report: Mapping[str, Any], identity: Mapping[str, Any], manifest: ClassManifest
) -> Verdict | None:
    """A variant the class sheet no longer gives this trainee (an old variant file), or a
    lab that ran on another plan than its variant's."""
    expected = manifest.variant(row.trainee, row.lab) or {}
    want = (expected.get("prefix"), expected.get("seed"), manifest.class_id)
    got = (identity.get("prefix"), identity.get("seed"), identity.get("class"))
    if want != got:
        return (
            "wrong-variant",
            f"signed for the variant {got[0]} (seed {got[1]}, class {got[2]}), but the class "
            f"sheet gives {row.trainee} {want[0]} (seed {want[1]}, class {want[2]}) — an old variant file?",
        )
    plan = _normal_prefix(report.get("plan", ""))
    if plan != identity.get("prefix"):
        return (
            "wrong-variant",
            f"the lab ran the plan {plan}, not the variant's {identity.get('prefix')}",
        )
    return None


#: which of a trainee's genuine results of one lab counts
Policy = Literal["latest", "best"]
POLICIES: tuple[Policy, ...] = get_args(Policy)


def grade(
    paths: Iterable[Path],
    manifest: ClassManifest,
    replay: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    policy: Policy = "latest",
) -> Gradebook:
    """Grade every result file under ``paths`` against the class; one row per file, then
    a ``missing`` row for every (trainee, lab) without a result."""
    files = _result_files(paths)
    rows: list[Graded] = []
    reports: dict[int, dict[str, Any]] = {}
    for i, (file, root) in enumerate(files):
        if file.resolve() == manifest.file.resolve():
            continue
        row, report = _one(file, root, manifest)
        if replay and row.status == "ok" and report is not None:
            _replay_row(row, report, manifest)
        if progress is not None:
            progress(i + 1, len(files), file.name)
        name = manifest.trainees.get(row.trainee, {}).get("name", "")
        row.name = str(name)
        reports[id(row)] = report or {}
        rows.append(row)
    return judge(manifest, rows, {k: _when(v) for k, v in reports.items()}, policy)


def judge(
    manifest: ClassManifest, rows: list[Graded], when: Mapping[int, float], policy: Policy
) -> Gradebook:
    """The gradebook of graded rows (``when``: each row's time, by ``id(row)``): one row
    counts per (trainee, lab) — the latest genuine one, or the best with ``policy="best"``
    —, the others are superseded, and every (trainee, lab) without a row is missing.
    Shared by the file grader and the classroom server's export."""
    # one result per (trainee, lab) counts
    by_key: dict[tuple[str, str], list[Graded]] = {}
    for row in rows:
        if row.trainee and row.lab:
            by_key.setdefault((row.trainee, row.lab), []).append(row)
    for row in rows:
        row.counts = False
    for group in by_key.values():
        good = [r for r in group if r.status == "ok"]
        pool = good or group
        if policy == "best":
            chosen = max(pool, key=lambda r: (r.score, when.get(id(r), 0.0), r.file))
        else:
            chosen = max(pool, key=lambda r: (when.get(id(r), 0.0), r.file))
        chosen.counts = True
        word = "better" if policy == "best" else "later"
        for other in good:
            if other is not chosen:
                other.status = "superseded"
                other.detail = (
                    f"a {word} result of the same trainee and lab counts "
                    f"({chosen.score}/{chosen.total}): {chosen.file}"
                )
    for tid, trainee in manifest.trainees.items():
        for lab_name, lab in manifest.labs.items():
            if (tid, lab_name) not in by_key:
                missing = Graded("", tid, str(trainee.get("name", "")), lab_name, "missing")
                missing.detail = "no result file handed in"
                missing.total = sum(int(c.get("points", 1)) for c in lab.get("checks", []))
                missing.checks = {str(c["id"]): False for c in lab.get("checks", [])}
                missing.points = {cid: 0 for cid in missing.checks}
                rows.append(missing)
    for row in rows:
        if row.flagged:  # no credit for a file that needs a look; keep what it claimed
            row.score = 0
            row.points = {cid: 0 for cid in row.points}
        else:
            row.claimed = None
    order = {tid: i for i, tid in enumerate(manifest.trainees)}
    rows.sort(
        key=lambda r: (order.get(r.trainee, len(order)), r.trainee, r.lab, not r.counts, r.file)
    )
    return Gradebook(manifest, rows)


def _when(report: Mapping[str, Any]) -> float:
    """When a result was made (its last journal entry, else its start): of several
    genuine results of one trainee and lab, the latest counts."""
    journal = report.get("journal")
    last = 0.0
    if isinstance(journal, list) and journal:
        entry = journal[-1]
        if isinstance(entry, dict) and isinstance(entry.get("t"), (int, float)):
            last = float(entry["t"])
    started = report.get("started")
    return max(last, float(started) if isinstance(started, (int, float)) else 0.0)


# -- replay (simulator) ---------------------------------------------------------------------------
def _replay_row(row: Graded, report: Mapping[str, Any], manifest: ClassManifest) -> None:
    """Rebuild the trainee's network from the signed journal and run the checks again."""
    from ..runtime._backends import replays

    if not replays(report.get("backend")):
        row.detail = "not replayed: only simulator results can be replayed"
        return
    journal = report.get("journal")
    started = report.get("started")
    if not isinstance(journal, list) or not isinstance(started, (int, float)):
        row.detail = "not replayed: the result carries no journal"
        return
    if len(journal) > MAX_REPLAY:
        row.status = "replay-mismatch"
        row.detail = f"the journal has {len(journal)} entries, more than {MAX_REPLAY} to replay"
        return
    variant = manifest.variant(row.trainee, row.lab) or {}
    try:
        answers = report.get("answers") if isinstance(report.get("answers"), dict) else {}
        verdicts = replay_verdicts(
            row.lab, str(variant.get("prefix", "")), journal, float(started), answers
        )
    except Exception as exc:  # a journal that breaks the simulator is itself suspicious
        row.status = "replay-mismatch"
        row.detail = f"the journal could not be replayed: {type(exc).__name__}: {exc}"
        return
    row.replayed = True
    claimed = _claimed(report)
    differ = sorted(cid for cid, ok in verdicts.items() if claimed.get(cid) != ok)
    if differ:
        row.status = "replay-mismatch"
        row.detail = "replaying the commands gives other verdicts for " + ", ".join(
            f"{cid} ({'✓' if verdicts[cid] else '✗'} replayed, {'✓' if claimed.get(cid) else '✗'} claimed)"
            for cid in differ
        )
        if row.lab in manifest.labs:  # grade what the commands really did
            _score(row, manifest.labs[row.lab], verdicts)
            row.detail += (
                f"; the commands earn {row.score}/{row.total}, the file claims {row.claimed}"
            )
    else:
        row.detail = "replayed: the commands give the same verdicts"


def replay_verdicts(
    lab_name: str,
    prefix: str,
    journal: list[Any],
    started: float,
    answers: Mapping[str, Any] | None = None,
) -> dict[str, bool]:
    """Check verdicts of a journal replayed on a fresh simulated network."""
    import tempfile

    from ..._prefix import parse_prefix
    from ..checks._context import Context
    from ..checks._registry import run_checks
    from ..model._labfile import Variant, load_lab
    from ..runtime._backends import REPLAY_BACKEND
    from ..runtime._session import Session, SessionInfo

    lab = load_lab(lab_name)
    run = lab.instantiate(Variant(name="replay", prefix=parse_prefix(prefix) if prefix else None))
    with tempfile.TemporaryDirectory(prefix="v6lab-replay-") as tmp:
        info = SessionInfo(
            tag="vrply",
            lab=str(lab.directory),
            backend=REPLAY_BACKEND,
            started=started,
            prefix=prefix,
            ready=True,
        )
        session = Session(info, Path(tmp))
        session.dir.mkdir(parents=True)
        lines = []
        for entry in journal:
            if not isinstance(entry, dict) or entry.get("op") not in ("exec", "advance"):
                raise InputError("a journal entry is not a command")
            lines.append(json.dumps(entry))
        session.journal_file.write_text("\n".join(lines) + ("\n" if lines else ""))
        backend = session.open(run.topology_spec())
        try:
            given = {str(k): str(v) for k, v in (answers or {}).items()}
            try:
                ctx = Context(backend, run.addressing, timeout=1.0, answers=given)  # type: ignore[call-arg]
            except TypeError:  # pragma: no cover - an engine without quiz answers
                ctx = Context(backend, run.addressing, timeout=1.0)
            results = run_checks(ctx, run.checks(), lab.messages("en"), variables=run.variables)
        finally:
            backend.stop()
    return {r.id: r.passed for r in results}


# -- writing the gradebook --------------------------------------------------------------------------
def gradebook_csv(book: Gradebook) -> str:
    """The gradebook as a spreadsheet: one row per file (and per missing result), one
    column per check (``lab:check`` when the class has several labs) with the points it
    earned, and what the trainee used (hints, solve attempts, minutes)."""
    labs = book.manifest.labs
    several = len(labs) > 1
    check_columns = [
        (lab_name, str(c["id"])) for lab_name, lab in labs.items() for c in lab.get("checks", [])
    ]
    header = [
        "trainee",
        "name",
        "lab",
        "status",
        "counts",
        "score",
        "claimed_score",
        "total",
        "percent",
        "failed_checks",
        "detail",
        "file",
        "backend",
        "time",
        "hints",
        "solve_attempts",
        "minutes",
        "window",
        *[f"{lab}:{cid}" if several else cid for lab, cid in check_columns],
    ]
    rows = (
        [
            row.trainee,
            row.name,
            row.lab,
            row.status,
            "yes" if row.counts else "no",
            row.score,
            "" if row.claimed is None else row.claimed,
            row.total,
            f"{row.percent:.0f}",
            " ".join(cid for cid, ok in row.checks.items() if not ok),
            row.detail,
            row.file,
            row.backend,
            row.time,
            "" if row.hints is None else row.hints,
            "" if row.solves is None else row.solves,
            "" if row.seconds is None else f"{row.seconds / 60:.0f}",
            row.window,
            *[row.points.get(cid, 0) if row.lab == lab else "" for lab, cid in check_columns],
        ]
        for row in book.rows
    )
    return csv_text(header, rows)


def status_counts(book: Gradebook) -> dict[Status, int]:
    """How many rows have each status (the summary's and ``--json``'s counts)."""
    counts: dict[Status, int] = {}
    for row in book.rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


# -- the summary: terminal and HTML ----------------------------------------------------------------
_WORDS: dict[Status, str] = {
    "ok": "OK",
    "tampered": "TAMPERED",
    "unsigned": "UNSIGNED",
    "wrong-trainee": "WRONG TRAINEE",
    "wrong-lab": "WRONG LAB",
    "wrong-variant": "WRONG VARIANT",
    "replay-mismatch": "REPLAY MISMATCH",
    "unreadable": "UNREADABLE",
    "superseded": "SUPERSEDED",
    "missing": "MISSING",
}


def _symbol(status: Status) -> str:
    """The status's symbol beside its word (never the symbol alone)."""
    if status == "ok":
        return "✓"
    if status in FLAGGED:
        return "⚠"
    return "·"


def print_summary(book: Gradebook, plain: bool = False, stream: Any = None) -> None:
    """The gradebook in the terminal: one line per counted row, flagged files, the checks
    the class failed most. Words always; symbols unless ``plain`` (screen readers)."""
    import os

    stream = stream or sys.stdout
    encoding = (getattr(stream, "encoding", None) or "ascii").lower()
    fancy = not plain and "utf" in encoding
    colour = fancy and stream.isatty() and not os.environ.get("NO_COLOR")

    def mark(status: Status) -> str:
        word = _WORDS[status]
        if not fancy:
            return f"[{word}]"
        code = "32" if status == "ok" else ("33;1" if status in FLAGGED else "2")
        text = f"{_symbol(status)} {word}"
        return f"\033[{code}m{text}\033[0m" if colour else text

    def say(text: str = "") -> None:
        print(text, file=stream)

    rows = [r for r in book.rows if r.counts or r.flagged or r.status == "superseded"]
    width = max((len(r.trainee) for r in rows), default=7)
    lab_width = max((len(r.lab) for r in rows), default=3)
    for r in rows:
        score = f"{r.score}/{r.total}" if r.total else "-"
        used = f"  ({r.usage()})" if r.usage() else ""
        line = f"{mark(r.status):<20} {r.trainee or '?':<{width}}  {r.lab:<{lab_width}}  {score:>7}"
        say(line + used)
        if (r.flagged or r.status == "superseded") and r.detail:
            say(f"{'':<20} {r.detail}")
            if r.file:
                say(f"{'':<20} file: {r.file}")
    counts = status_counts(book)
    missing = sorted({r.trainee for r in book.rows if r.status == "missing"})
    say()
    if missing:
        shown = ", ".join(missing[:20]) + (
            f" … and {len(missing) - 20} more" if len(missing) > 20 else ""
        )
        say(f"missing: {counts.get('missing', 0)} result(s), from {shown}")
    say("results: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    flagged = book.flagged
    if flagged:
        say(f"{len(flagged)} file(s) flagged — look at them before you publish the grades")
    failures = [f for f in book.failures() if f[2]]
    if failures:
        say("checks the class failed most:")
        for lab, cid, failed, graded in failures[:10]:
            bar = ("#" if not fancy else "█") * round(20 * failed / graded) if graded else ""
            label = f"{lab} {cid}" if len(book.manifest.labs) > 1 else cid
            say(f"  {label:<32} {failed:>3} of {graded:<3} {bar}")


def _bar_chart(data: list[tuple[str, str, int, int]], name: str = "") -> str:
    """An inline SVG bar chart of one lab's failures per check, with the numbers written
    beside each bar (the length is never the only signal) and the same data as a table
    below it; ``name`` keeps the ids of several charts on one page apart."""
    from ._html import esc

    if not data:
        return "<p>No results to chart.</p>\n"
    label_w, bar_w, row_h = 300, 360, 26
    height = row_h * len(data) + 30
    parts = [
        f'<svg role="img" aria-labelledby="chart-title{name} chart-desc{name}" width="{label_w + bar_w + 170}" '
        f'height="{height}" viewBox="0 0 {label_w + bar_w + 170} {height}" '
        'xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, sans-serif" font-size="13">',
        f'<title id="chart-title{name}">Checks the class failed most</title>',
        f'<desc id="chart-desc{name}">One bar per check: its length is the share of graded results that '
        "failed the check; the numbers are written beside each bar.</desc>",
        f'<defs><pattern id="hatch{name}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#c62828"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern></defs>',
    ]
    for i, (_lab, cid, failed, graded) in enumerate(data):
        y = 10 + i * row_h
        share = failed / graded if graded else 0.0
        label = cid
        width = max(1.0, bar_w * share) if failed else 0.0
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{esc(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 8}" fill="#f1f1f1" '
            'stroke="#999"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="{row_h - 8}" '
            f'fill="url(#hatch{name})" stroke="#7f0000"/>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 16}">{failed} of {graded} failed '
            f"({100 * share:.0f} %)</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def summary_html(book: Gradebook) -> str:
    """The class summary: counts, flagged files, the failure chart and the gradebook."""
    from ._html import esc, html_table, page

    m = book.manifest
    counts = status_counts(book)
    counted = [r for r in book.rows if r.counts]
    graded = [r for r in counted if r.status == "ok"]
    average = sum(r.percent for r in graded) / len(graded) if graded else 0.0
    body = [
        "<h1>Class results</h1>\n",
        f'<p class="meta">class <code>{esc(m.class_id)}</code> · seed <code>{esc(m.data.get("seed", ""))}</code>'
        f" · labs: {', '.join(f'<code>{esc(n)}</code>' for n in m.labs)} · "
        f"{len(m.trainees)} trainees · {len(graded)} results graded · "
        f"average {average:.0f} %</p>\n",
        "<h2>Files</h2>\n<ul>\n",
        *[
            f"<li>{_symbol(s)} <strong>{esc(_WORDS[s])}</strong>: {n}</li>\n"
            for s, n in sorted(counts.items())
        ],
        "</ul>\n",
    ]
    flagged = book.flagged
    if flagged:
        body.append(
            f'<h2 class="flag">⚠ Flagged files ({len(flagged)}) — look at these first</h2>\n'
        )
        body.append(
            html_table(
                ["status", "handed in as", "lab", "what is wrong", "file"],
                [(f"⚠ {_WORDS[r.status]}", r.trainee, r.lab, r.detail, r.file) for r in flagged],
            )
        )
    body.append("<h2>Which checks the class failed most</h2>\n")
    failures = book.failures()
    if len(m.labs) > 1:  # a chart per lab: which of its checks the class finds hardest
        for i, lab_name in enumerate(m.labs):
            body.append(f"<h3>{esc(lab_name)}</h3>\n")
            body.append(_bar_chart([f for f in failures if f[0] == lab_name], f"-{i}"))
    else:
        body.append(_bar_chart(failures))
    body.append(
        "<details><summary>The same as a table</summary>\n"
        + html_table(
            ["lab", "check", "failed", "graded"],
            [(lab, cid, failed, n) for lab, cid, failed, n in book.failures()],
            numeric=(2, 3),
        )
        + "</details>\n"
    )
    body.append("<h2>Gradebook</h2>\n")
    body.append(
        html_table(
            ["trainee", "name", "lab", "status", "score", "%", "failed checks", "used"],
            [
                (
                    r.trainee,
                    r.name,
                    r.lab,
                    f"{_symbol(r.status)} {_WORDS[r.status]}",
                    f"{r.score} / {r.total}",
                    f"{r.percent:.0f}",
                    " ".join(c for c, ok in r.checks.items() if not ok),
                    r.usage(),
                )
                for r in counted
            ],
            numeric=(4, 5),
        )
    )
    return page("Class results", "".join(body), extra_css="body { max-width: 72rem; }\n")
