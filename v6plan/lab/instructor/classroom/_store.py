"""The classroom's results in SQLite (``instructor/classroom.sqlite``), in WAL mode with
``synchronous=FULL``: a result is committed — on disk — before the server acknowledges it,
so a server killed with -9 loses nothing it answered for, and an export reads the store
while the server runs. A result is stored once: its signature (``mac``) is unique, so a
trainee's resend (their acknowledgement was lost) is answered with the row already there.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["STORE_NAME", "Store", "Stored"]

STORE_NAME = "classroom.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY,
    mac TEXT NOT NULL UNIQUE,
    trainee TEXT NOT NULL,
    lab TEXT NOT NULL,
    received REAL NOT NULL,
    made REAL NOT NULL,
    score INTEGER NOT NULL,
    total INTEGER NOT NULL,
    checks TEXT NOT NULL,
    hints INTEGER,
    solves INTEGER,
    seconds REAL,
    window TEXT NOT NULL DEFAULT '',
    report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_by_trainee ON results (trainee, lab, id);
"""


@dataclass(frozen=True)
class Stored:
    """One stored result, without its report (what the dashboard and the answer show)."""

    id: int
    trainee: str
    lab: str
    received: float
    made: float
    score: int
    total: int
    checks: dict[str, bool]
    hints: int | None
    solves: int | None
    seconds: float | None
    window: str = ""  # '' in the lab's time window (or none set), 'late' or 'early'

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "trainee": self.trainee,
            "lab": self.lab,
            "received": self.received,
            "score": self.score,
            "total": self.total,
            "checks": self.checks,
            "hints": self.hints,
            "solve_attempts": self.solves,
            "seconds": None if self.seconds is None else round(self.seconds),
            "window": self.window,
        }


_COLUMNS = "id, trainee, lab, received, made, score, total, checks, hints, solves, seconds, window"


def _stored(row: tuple[Any, ...]) -> Stored:
    checks = json.loads(row[7])
    return Stored(
        id=int(row[0]),
        trainee=str(row[1]),
        lab=str(row[2]),
        received=float(row[3]),
        made=float(row[4]),
        score=int(row[5]),
        total=int(row[6]),
        checks={str(k): bool(v) for k, v in checks.items()},
        hints=row[8],
        solves=row[9],
        seconds=row[10],
        window=str(row[11] or ""),
    )


class Store:
    """The results of one class; one writer (the server), any number of readers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def add(
        self,
        mac: str,
        trainee: str,
        lab: str,
        made: float,
        score: int,
        total: int,
        checks: dict[str, bool],
        usage: tuple[int | None, int | None, float | None],
        report: dict[str, Any],
        window: str = "",
    ) -> tuple[Stored, bool]:
        """Store a result (committed when this returns); (its row, True) when it was
        stored before — the same signature is never stored twice."""
        found = self.by_mac(mac)
        if found is not None:
            return found, True
        text = json.dumps(report, separators=(",", ":"), ensure_ascii=False)
        with contextlib.suppress(sqlite3.IntegrityError):  # a twin request won: same answer
            self.db.execute(
                "INSERT INTO results (mac, trainee, lab, received, made, score, total, checks,"
                " hints, solves, seconds, window, report) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    mac,
                    trainee,
                    lab,
                    time.time(),
                    made,
                    score,
                    total,
                    json.dumps(checks),
                    *usage,
                    window,
                    text,
                ),
            )
        stored = self.by_mac(mac)
        assert stored is not None
        return stored, False

    def by_mac(self, mac: str) -> Stored | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM results WHERE mac = ?", (mac,)).fetchone()
        return _stored(row) if row else None

    def of(self, trainee: str) -> list[Stored]:
        """One trainee's results, oldest first (what that trainee may read)."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM results WHERE trainee = ? ORDER BY id", (trainee,)
        )
        return [_stored(r) for r in rows]

    def latest(self) -> list[Stored]:
        """The latest result of each (trainee, lab): the dashboard's grid."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM results WHERE id IN "
            "(SELECT MAX(id) FROM results GROUP BY trainee, lab) ORDER BY id"
        )
        return [_stored(r) for r in rows]

    def counts(self) -> dict[tuple[str, str], int]:
        """How many results each (trainee, lab) has."""
        rows = self.db.execute("SELECT trainee, lab, COUNT(*) FROM results GROUP BY trainee, lab")
        return {(t, lab): int(n) for t, lab, n in rows}

    def version(self) -> int:
        """The newest row's id (0 when empty): the dashboard asks for changes since it."""
        return int(self.db.execute("SELECT COALESCE(MAX(id), 0) FROM results").fetchone()[0])

    def reports(self) -> Iterator[tuple[Stored, dict[str, Any]]]:
        """Every result with its signed report, oldest first (the export regrades them)."""
        for row in self.db.execute(f"SELECT {_COLUMNS}, report FROM results ORDER BY id"):
            yield _stored(row[:-1]), json.loads(row[-1])
