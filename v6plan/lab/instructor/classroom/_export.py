"""The gradebook from what the classroom server stored, whether or not it runs: every
stored result is judged again against the class (its signature checked once more) and the
rows go through the grader's own rules (one counts per trainee and lab, missing ones
listed), so a classroom export and ``v6lab grade`` of the same results agree."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from ..._errors import LabError
from .._gradebook import moodle_csv, totals_csv
from .._grading import ClassManifest, Gradebook, Policy, _when, gradebook_csv, judge, judge_result
from ._store import STORE_NAME, Store

__all__ = ["FORMATS", "ExportFormat", "export_text", "store_path", "stored_gradebook"]

ExportFormat = Literal["csv", "moodle", "results"]
FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)


def store_path(instructor: Path) -> Path:
    return instructor / STORE_NAME


def stored_gradebook(manifest: ClassManifest, db: Path, policy: Policy = "latest") -> Gradebook:
    """The class's gradebook from the store ``db``."""
    if not db.is_file():
        raise LabError(
            f"{db} does not exist: no classroom server has stored anything for this class yet "
            "(start one with `v6lab classroom serve CLASSDIR`)"
        )
    store = Store(db)
    try:
        rows, when = [], {}
        for stored, report in store.reports():
            row = judge_result(report, stored.trainee, manifest, f"classroom #{stored.id}")
            row.window = stored.window
            if stored.window and row.status == "ok":
                row.detail = f"received {stored.window}: outside the lab's time window"
            rows.append(row)
            when[id(row)] = _when(report)
    finally:
        store.close()
    return judge(manifest, rows, when, policy)


def export_text(book: Gradebook, fmt: ExportFormat) -> str:
    """The export's text: plain totals CSV, Moodle's grade import, or one row per result."""
    if fmt == "moodle":
        return moodle_csv(book)
    if fmt == "results":
        return gradebook_csv(book)
    return totals_csv(book)
