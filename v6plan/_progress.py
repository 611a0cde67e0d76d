"""Progress for long work, drawn on stderr only when a person is watching."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``with Progress("exporting", total) as p: p.update(done)`` — silent off a terminal."""

    def __init__(
        self, label: str, total: int, stream: TextIO | None = None, *, enabled: bool | None = None
    ) -> None:
        self.label = label
        self.total = max(total, 1)
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.started = time.monotonic()
        self.last = 0.0

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and done < self.total:
            return
        self.last = now
        width = 30
        filled = width * done // self.total
        bar = "█" * filled + "·" * (width - filled)
        self.stream.write(
            f"\r{self.label} {bar} {100 * done // self.total:3d} % ({done:,} of {self.total:,})"
        )
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.update(self.total)
            self.stream.write(f" {time.monotonic() - self.started:.1f} s\n")
            self.stream.flush()
