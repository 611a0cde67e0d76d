"""The gradebook an LMS takes: one row per trainee, the roster's columns kept (id, name,
email, group), the points of each lab and the total across labs.

Two shapes from one table: a plain CSV (``totals_csv``) and Moodle's grade import
(``moodle_csv``: the columns Moodle's own grade export writes — "First name", "Last name",
"ID number", "Email address", then one "<item> (Real)" column per lab —, so "Map from:
Email address" or "ID number" works at import, and each lab column maps to a grade item).
A result that does not count yet (flagged, or missing) is left empty for Moodle, which then
changes no grade, and written as 0 in the plain CSV with its status beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._grading import Gradebook, Graded, Status
from ._html import csv_text

__all__ = ["TraineeTotal", "moodle_csv", "totals", "totals_csv"]


@dataclass
class TraineeTotal:
    """One trainee's line: their roster entry and the counted row of each lab."""

    trainee: dict[str, Any]
    labs: dict[str, Graded] = field(default_factory=dict)

    @property
    def score(self) -> int:
        return sum(r.score for r in self.labs.values())

    @property
    def total(self) -> int:
        return sum(r.total for r in self.labs.values())

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.total if self.total else 0.0


def totals(book: Gradebook) -> list[TraineeTotal]:
    """Every trainee of the roster, in its order, with the row that counts per lab."""
    out = {tid: TraineeTotal(t) for tid, t in book.manifest.trainees.items()}
    for row in book.rows:
        if row.counts and row.trainee in out and row.lab in book.manifest.labs:
            out[row.trainee].labs[row.lab] = row
    return list(out.values())


def _status_word(status: Status) -> str:
    return status if status != "ok" else ""


def totals_csv(book: Gradebook) -> str:
    """One row per trainee: the roster's columns, points and status per lab, totals."""
    labs = list(book.manifest.labs)
    header = ["id", "name", "email", "group"]
    for lab in labs:
        header += [f"{lab} points", f"{lab} out of", f"{lab} status"]
    header += ["total points", "total out of", "percent"]
    rows = []
    for line in totals(book):
        t = line.trainee
        row: list[object] = [
            t.get("id", ""),
            t.get("name", ""),
            t.get("email", ""),
            t.get("group", ""),
        ]
        for lab in labs:
            graded = line.labs.get(lab)
            if graded is None:
                row += [0, _lab_total(book, lab), "missing"]
            else:
                word = _status_word(graded.status) or graded.window  # 'late': yours to judge
                row += [graded.score, graded.total, word]
        row += [line.score, line.total, f"{line.percent:.1f}"]
        rows.append(row)
    return csv_text(header, rows)


def _lab_total(book: Gradebook, lab: str) -> int:
    checks = book.manifest.labs.get(lab, {}).get("checks", [])
    return sum(int(c.get("points", 1)) for c in checks)


def _split_name(name: str) -> tuple[str, str]:
    """First name and last name as Moodle's columns want them (the roster has one name:
    the first word, then the rest)."""
    first, _, last = name.strip().partition(" ")
    return first, last.strip()


def moodle_csv(book: Gradebook) -> str:
    """Moodle's grade import: identify by email or ID number, one grade item per lab."""
    labs = list(book.manifest.labs)
    header = ["First name", "Last name", "ID number", "Email address"]
    header += [f"{lab} (Real)" for lab in labs]
    rows = []
    for line in totals(book):
        t = line.trainee
        first, last = _split_name(str(t.get("name", "")))
        row: list[object] = [first, last, t.get("id", ""), t.get("email", "")]
        for lab in labs:
            graded = line.labs.get(lab)
            counted = graded is not None and graded.status == "ok"
            row.append(f"{graded.score:.2f}" if counted and graded is not None else "")
        rows.append(row)
    return csv_text(header, rows)
