"""``v6lab classroom watch``: the dashboard in the terminal (Textual).

It reads the class's store directly (SQLite in WAL mode: reading never blocks the server),
so it works on the instructor's machine whether the server runs there or has stopped, and
needs no key. One row per trainee, one column per lab: points, the checks that fail,
hints, minutes, results sent; the table is read again every second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header, Static

from .._grading import ClassManifest
from ._store import Store

__all__ = ["ClassroomWatch", "cell_text"]


def cell_text(cell: dict[str, Any] | None) -> str:
    """One trainee's lab, in words and symbols (never colour alone)."""
    if cell is None:
        return "— no result"
    failing = [cid for cid, ok in cell["checks"].items() if not ok]
    mark = "✓" if not failing else "✗"
    minutes = "?" if cell.get("seconds") is None else f"{cell['seconds'] / 60:.0f} min"
    hints = cell.get("hints")
    text = f"{mark} {cell['score']}/{cell['total']} · {hints if hints is not None else '?'} hints · {minutes} · ×{cell['submissions']}"
    if cell.get("window"):
        text += f" · {cell['window']}"
    if failing:
        text += " · fails " + ", ".join(failing[:3]) + (" …" if len(failing) > 3 else "")
    return text


class ClassroomWatch(App[None]):
    """The live grid of one class, from its store."""

    TITLE = "v6lab classroom"
    BINDINGS: ClassVar[list[Any]] = [("q", "quit", "Quit"), ("r", "refresh", "Refresh now")]
    CSS = "DataTable { height: 1fr; } #summary { height: auto; padding: 0 1; }"

    def __init__(self, manifest: ClassManifest, db: Path, interval: float = 1.0) -> None:
        super().__init__()
        self.manifest = manifest
        self.db = db
        self.interval = interval
        self.version = -1

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="summary")
        yield DataTable(zebra_stripes=True, cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"class {self.manifest.class_id}"
        table = self.query_one(DataTable)
        table.add_column("trainee", key="trainee")
        for lab in self.manifest.labs:
            table.add_column(lab, key=lab)
        for tid, t in self.manifest.trainees.items():
            name = str(t.get("name", ""))
            table.add_row(
                f"{tid} — {name}" if name else tid,
                *(cell_text(None) for _ in self.manifest.labs),
                key=tid,
            )
        self.action_refresh()
        self.set_interval(self.interval, self.action_refresh)

    def action_refresh(self) -> None:
        """Read the store; redraw the cells that changed."""
        from ._server import grid

        if not self.db.exists():
            self.query_one("#summary", Static).update(
                "no result stored yet (is the server running?)"
            )
            return
        store = Store(self.db)
        try:
            data = grid(self.manifest, store)
        finally:
            store.close()
        if data["version"] == self.version:
            return
        self.version = int(data["version"])
        table = self.query_one(DataTable)
        for tid in self.manifest.trainees:
            mine = data["cells"].get(tid, {})
            for lab in self.manifest.labs:
                table.update_cell(tid, lab, cell_text(mine.get(lab)))
        done = sum(
            1
            for cells in data["cells"].values()
            for c in cells.values()
            if c["score"] == c["total"]
        )
        self.query_one("#summary", Static).update(
            f"{self.version} results stored · {len(data['cells'])} of {len(self.manifest.trainees)} "
            f"trainees sent one · {done} lab(s) complete"
        )
