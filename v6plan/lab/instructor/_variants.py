"""Per-trainee variants: a roster and a seed in, a class directory out.

Every trainee gets their own prefix for each lab (the lab's plan is re-rooted there, so
every address, route and check moves with it), a per-trainee seed for labs that draw
values at random, a handout in their language, and a variant file whose signing key is
derived from the instructor's secret (see :mod:`._grading`). The instructor gets an
answer key per trainee and a class sheet, in a directory of their own::

    DIR/trainees/<id>/<lab>.variant.yaml     hand these folders out
    DIR/trainees/<id>/<lab>.handout.md|html
    DIR/instructor/class.json|csv|html       never hand out
    DIR/instructor/secret.key
    DIR/instructor/answers/<lab>/<id>.md, DIR/instructor/answers/<lab>.html

Prefixes come from documentation space (2001:db8::/32 or 3fff::/20), one per trainee and
lab (a beginner lab's task prints addresses that would answer a later lab on the same
prefix). A slot is drawn from HMAC(seed, trainee id, lab), so the same seed and roster
always give the same prefixes, reordering the roster changes nothing, and adding a trainee
moves nobody else (unless two draws collide, which the sorted order settles the same way
every time).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..._errors import Problem, SpecError
from ..._io import read_input
from ..._limits import ROSTER_BYTES, ROSTER_TRAINEES
from ..._prefix import format_prefix, parse_prefix
from .._errors import LabError

if TYPE_CHECKING:
    from ..model._labfile import Lab, LabRun

__all__ = [
    "DOC_SPACES",
    "ClassPlan",
    "Trainee",
    "TraineeVariant",
    "assign_prefixes",
    "check_pool",
    "plan_class",
    "read_roster",
    "trainee_seed",
]

#: documentation space: RFC 3849 and RFC 9637
DOC_SPACES = (parse_prefix("2001:db8::/32"), parse_prefix("3fff::/20"))
DEFAULT_POOL = "2001:db8::/32"
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
_LANG = re.compile(r"^[a-z]{2,3}$")
#: Control characters (NUL, line breaks, escapes…) have no place in a roster cell.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: the roster columns v6lab reads (any other column is kept as it is for the class sheet)
Column = Literal["id", "name", "lang", "email", "group"]
#: the header titles each column goes by (English and French spreadsheets)
_COLUMNS: dict[Column, tuple[str, ...]] = {
    "id": ("id", "login", "username", "user"),
    "name": ("name", "trainee", "full name", "fullname", "nom", "student"),
    "lang": ("lang", "language", "langue"),
    "email": ("email", "e-mail", "mail", "courriel"),
    "group": ("group", "groupe", "team", "table"),
}


# -- the roster ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Trainee:
    """One roster row: the trainee's id (file names, keys), name, language and the rest."""

    id: str
    name: str
    lang: str = ""
    email: str = ""
    group: str = ""
    extra: tuple[tuple[str, str], ...] = ()
    line: int = 0


def slug(text: str) -> str:
    """A file-safe id from a name: ASCII letters and digits joined by '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-")


def read_roster(path: Path, default_lang: str = "") -> list[Trainee]:
    """A roster CSV (comma, semicolon or tab; UTF-8, Excel's BOM welcome) with a header row:
    ``name`` (required), ``id``, ``lang``, ``email``, ``group`` and any other columns."""
    file = str(path)
    rows, header_row = _roster_rows(path)
    header = [c.strip().lower() for c in rows[header_row]]
    columns: dict[Column, int] = {}
    for index, title in enumerate(header):
        for key, names in _COLUMNS.items():
            if title in names and key not in columns:
                columns[key] = index
    if "name" not in columns:
        raise SpecError(
            [
                Problem(
                    file,
                    header_row + 1,
                    1,
                    f"the roster has no 'name' column (its header is: {', '.join(header)})",
                    "the first row names the columns: name,id,lang,email,group",
                )
            ]
        )
    roster = _Roster(file, header, columns, default_lang)
    for number, row in enumerate(rows[header_row + 1 :], header_row + 2):
        if any(c.strip() for c in row) and not row[0].lstrip().startswith("#"):
            roster.add(number, row)
    if roster.problems:
        raise SpecError(roster.problems)
    if not roster.trainees:
        raise SpecError(
            [Problem(file, header_row + 2, 1, "the roster lists nobody", "add one row per trainee")]
        )
    return roster.trainees


def _roster_rows(path: Path) -> tuple[list[list[str]], int]:
    """The roster's CSV rows, bounded (1 MiB, csv's 128 KiB per cell), and its header's index."""
    file = str(path)
    raw = read_input(path, what="roster", limit=ROSTER_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError(
            [Problem(file, line, 0, "the roster is not UTF-8 text", "save it as CSV UTF-8")]
        ) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        raise SpecError([Problem(file, 1, 1, "the roster is empty", "add a header row: name,lang")])
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:  # a field over csv's 128 KiB limit, a stray quote…
        raise SpecError(
            [Problem(file, reader.line_num, 0, f"the roster is not readable CSV ({exc})")]
        ) from None
    header_row = next((i for i, row in enumerate(rows) if any(c.strip() for c in row)), -1)
    if header_row < 0:
        raise SpecError([Problem(file, 1, 1, "the roster is empty", "add a header row: name,lang")])
    return rows, header_row


@dataclass
class _Roster:
    """The trainees read so far and the problems found, one row at a time."""

    file: str
    header: list[str]
    columns: dict[Column, int]
    default_lang: str
    trainees: list[Trainee] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)

    def problem(
        self, number: int, row: list[str], key: Column | None, message: str, hint: str
    ) -> None:
        """A problem at the cell of column ``key`` (None: the row's first column)."""
        index = self.columns.get(key, 0) if key else 0
        column = sum(len(c) + 1 for c in row[:index]) + 1 if key else 1
        self.problems.append(Problem(self.file, number, column, message, hint))

    def add(self, number: int, row: list[str]) -> None:
        """Read one roster row into a trainee, or note the first problem it has."""
        if self._control_problem(number, row):
            return
        name = self._cell(row, "name")
        if not name:
            self.problem(
                number,
                row,
                "name",
                "this row has no name",
                "fill in the trainee's name, or delete the row",
            )
            return
        tid = self._id(number, row, name)
        if tid is None:
            return
        lang = self._lang(number, row)
        if lang is None:
            return
        self.seen[tid] = number
        email, group = self._cell(row, "email"), self._cell(row, "group")
        self.trainees.append(Trainee(tid, name, lang, email, group, self._extra(row), number))
        if len(self.trainees) > ROSTER_TRAINEES:
            raise SpecError(
                [
                    Problem(
                        self.file,
                        number,
                        1,
                        f"the roster lists more than {ROSTER_TRAINEES:,} trainees",
                        "split it into several classes",
                    )
                ]
            )

    def _cell(self, row: list[str], key: Column) -> str:
        """The row's value in column ``key`` ("" when the roster or the row has none)."""
        index = self.columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    def _control_problem(self, number: int, row: list[str]) -> bool:
        """Whether a cell holds a control character (noted at that cell): a NUL or a line
        break in a name would end up in file names and printed sheets."""
        odd = next((i for i, c in enumerate(row) if _CONTROL.search(c)), -1)
        if odd < 0:
            return False
        bad = _CONTROL.search(row[odd])
        column = sum(len(c) + 1 for c in row[:odd]) + 1
        self.problems.append(
            Problem(
                self.file,
                number,
                column,
                f"this cell holds a control character ({bad[0] if bad else ''!r})",
                "names, ids and e-mails are plain text: remove it",
            )
        )
        return True

    def _id(self, number: int, row: list[str], name: str) -> str | None:
        """The trainee's id: the roster's own, or one made from the name (made ids never
        collide; a given id used twice is a problem). None: a problem was noted."""
        tid = self._cell(row, "id").lower()
        if tid and not _ID.match(tid):
            self.problem(
                number,
                row,
                "id",
                f"the id {tid!r} is not usable as a file name",
                "use lower-case letters, digits, '-', '.' or '_' (at most 40)",
            )
            return None
        explicit = bool(tid)
        if not tid:
            tid = slug(name) or f"trainee-{len(self.trainees) + 1:02d}"
            base, n = tid, 2
            while tid in self.seen:
                tid, n = f"{base}-{n}", n + 1
        if tid in self.seen:
            self.problem(
                number,
                row,
                "id" if explicit else None,
                f"the id {tid!r} is used twice (first on line {self.seen[tid]})",
                "give every trainee their own id",
            )
            return None
        return tid

    def _lang(self, number: int, row: list[str]) -> str | None:
        """The row's language code (``fr-CA`` → ``fr``), else the class's; None: a problem
        was noted."""
        given = self._cell(row, "lang")
        lang = given.lower().replace("-", "_").split("_")[0] or self.default_lang
        if lang and not _LANG.match(lang):
            self.problem(
                number,
                row,
                "lang",
                f"{given!r} is not a language code",
                "use a two-letter code: en, fr, ar",
            )
            return None
        return lang

    def _extra(self, row: list[str]) -> tuple[tuple[str, str], ...]:
        """The row's cells in the roster's other columns, with their titles (kept for the
        class sheet)."""
        known = set(self.columns.values())
        header = self.header
        return tuple(
            (header[i], row[i].strip())
            for i in range(min(len(header), len(row)))
            if i not in known and header[i]
        )


# -- prefixes and seeds ----------------------------------------------------------------------------
def check_pool(text: str) -> tuple[int, int]:
    """A pool of trainee prefixes: inside documentation space, or a clear error."""
    try:
        pool = parse_prefix(text)
    except ValueError as exc:
        raise LabError(f"--pool {text}: {exc}") from None
    for net, length in DOC_SPACES:
        if pool[1] >= length and pool[0] >> (128 - length) == net >> (128 - length):
            return pool
    raise LabError(
        f"--pool {text} is not documentation space: variants use 2001:db8::/32 (RFC 3849) "
        "or 3fff::/20 (RFC 9637), or a block inside them"
    )


def _draw(seed: str, label: str, counter: int) -> int:
    """A number drawn from the seed: the same label and counter always give the same one."""
    digest = hmac.new(seed.encode(), f"{label}\x00{counter}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:16], "big")


def trainee_seed(seed: str, trainee: str) -> int:
    """A per-trainee number for labs that draw values at random (stable for the seed)."""
    return _draw(seed, f"seed\x00{trainee}", 0) & 0x7FFFFFFF


def assign_prefixes(
    trainees: Iterable[str],
    seed: str,
    pool: tuple[int, int],
    length: int,
    avoid: Iterable[tuple[int, int]] = (),
) -> dict[str, tuple[int, int]]:
    """One /``length`` per trainee inside ``pool``, all different, none in ``avoid``
    (the labs' own plans, which the walk-throughs print) and never the pool's first."""
    ids = sorted(set(trainees))
    if length < pool[1]:
        raise LabError(
            f"the labs' plans are /{length}s, larger than the pool {format_prefix(*pool)}; "
            f"give --pool a /{length} or shorter"
        )
    bits = length - pool[1]
    slots = 1 << bits
    taken: set[int] = {0}
    for net, plen in avoid:
        if plen <= length and net >> (128 - pool[1]) == pool[0] >> (128 - pool[1]):
            taken.add((net >> (128 - length)) & (slots - 1))
    if len(ids) > slots - len(taken):
        raise LabError(
            f"the pool {format_prefix(*pool)} has {slots - len(taken):,} usable /{length}s "
            f"for {len(ids)} trainees; give --pool a shorter prefix (e.g. 2001:db8::/32)"
        )
    out: dict[str, tuple[int, int]] = {}
    for tid in ids:
        counter = 0
        while True:
            slot = _draw(seed, f"prefix\x00{tid}\x00{length}", counter) % slots
            counter += 1
            if slot not in taken:
                break
            if counter > 64 + 4 * slots:  # a nearly full pool: take the next free slot
                slot = next(s for s in range(slots) if s not in taken)
                break
        taken.add(slot)
        out[tid] = (pool[0] | (slot << (128 - length)), length)
    return out


# -- a planned class --------------------------------------------------------------------------------
@dataclass
class TraineeVariant:
    """One trainee's variant of one lab: values, identity, signing key and the lab run."""

    trainee: Trainee
    lab: str
    prefix: tuple[int, int]
    seed: int
    identity: dict[str, Any]
    key: bytes
    run: LabRun
    lang: str  # the handout's language (the trainee's, when the lab has it)

    @property
    def prefix_text(self) -> str:
        return format_prefix(*self.prefix)


@dataclass
class ClassPlan:
    """A whole class planned in memory: every variant, before anything is written."""

    seed: str
    pool: tuple[int, int]
    class_id: str
    secret: bytes
    labs: list[Lab]
    trainees: list[Trainee]
    variants: dict[tuple[str, str], TraineeVariant] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _languages(lab: Lab) -> set[str]:
    """The languages the lab's catalogue has (a handout in another falls back to English)."""
    return {p.stem for p in (lab.directory / "messages").glob("*.yaml")}


def plan_class(
    labs: list[Lab],
    trainees: list[Trainee],
    seed: str,
    pool: tuple[int, int],
    secret: bytes,
    progress: Callable[[str], None] | None = None,
) -> ClassPlan:
    """Every trainee's variant of every lab, with values and keys (nothing written yet)."""
    from ..._spec import load_spec
    from ..model._labfile import Variant
    from ._secrets import class_id, derive_key

    cid = class_id(secret, seed)
    plan = ClassPlan(seed, pool, cid, secret, labs, trainees)
    lengths: dict[str, int] = {}
    defaults: list[tuple[int, int]] = []
    for lab in labs:
        spec = load_spec(lab.plan_file)
        lengths[lab.name] = spec.prefix[1]
        defaults.append(spec.prefix)
    # one prefix per trainee *and lab*: a beginner lab's task prints addresses that would
    # be the answers of a later lab on the same prefix
    prefixes: dict[str, tuple[int, int]] = {}
    for length in sorted(set(lengths.values())):
        pairs = [
            f"{t.id}/{lab.name}" for t in trainees for lab in labs if lengths[lab.name] == length
        ]
        prefixes.update(assign_prefixes(pairs, seed, pool, length, defaults))
    missing: dict[str, dict[str, int]] = {}  # language → lab → handouts in English instead
    for lab in labs:
        languages = _languages(lab)
        for trainee in trainees:
            prefix = prefixes[f"{trainee.id}/{lab.name}"]
            tseed = trainee_seed(seed, trainee.id)
            identity = {
                "class": cid,
                "lab": lab.name,
                "variant": trainee.id,
                "prefix": format_prefix(*prefix),
                "seed": tseed,
            }
            variant = Variant(name=trainee.id, prefix=prefix)
            if _accepts_seed(variant):
                variant.seed = tseed  # type: ignore[attr-defined]
            run = lab.instantiate(variant)
            lang = trainee.lang or "en"
            if lang not in languages:
                per_lab = missing.setdefault(lang, {})
                per_lab[lab.name] = per_lab.get(lab.name, 0) + 1
                lang = "en"
            plan.variants[(trainee.id, lab.name)] = TraineeVariant(
                trainee, lab.name, prefix, tseed, identity, derive_key(secret, identity), run, lang
            )
        if progress is not None:
            progress(f"{lab.name}: {len(trainees)} variants")
    for lang, per_lab in sorted(missing.items()):
        names = ", ".join(per_lab) if len(per_lab) < len(labs) or len(labs) == 1 else "every lab"
        plan.notes.append(
            f"no '{lang}' texts yet in {names}: {sum(per_lab.values())} handout(s) in English instead"
        )
    return plan


def _accepts_seed(variant: Any) -> bool:
    """The lab engine's Variant may carry a seed (labs that draw values use it)."""
    return "seed" in getattr(type(variant), "__dataclass_fields__", {})
