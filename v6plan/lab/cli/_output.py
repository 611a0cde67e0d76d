"""What every ``v6lab`` command prints: symbols and colour with words, errors, progress lines."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ..model._i18n import Messages

__all__ = ["Out", "err", "progress_lines"]


class Out:
    """Symbols and colour for the terminal; words always, so colour is never the only signal."""

    def __init__(self, plain: bool, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        encoding = (getattr(self.stream, "encoding", None) or "ascii").lower()
        self.unicode = not plain and "utf" in encoding
        self.colour = (
            not plain
            and self.stream.isatty()
            and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb"
        )

    def paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def mark(self, passed: bool, messages: Messages) -> str:
        word = messages.text("words.pass" if passed else "words.fail")
        if self.unicode:
            symbol = "✓" if passed else "✗"
            return self.paint(f"{symbol} {word}", "32" if passed else "31;1")
        return f"[{word}]"

    def bullet(self) -> str:
        return "·" if self.unicode else "-"

    def arrow(self) -> str:
        return "→" if self.unicode else "->"

    def print(self, text: str = "") -> None:
        if not self.unicode:  # --plain or an ASCII terminal: no box drawing, no symbols
            from ..model._i18n import plain

            text = plain(text)
        print(text, file=self.stream)


def err(text: str) -> None:
    print(text, file=sys.stderr)


def progress_lines(prefix: str = "  ") -> Callable[[str], None]:
    """Progress lines on stderr while a topology comes up."""
    started = time.monotonic()

    def show(message: str) -> None:
        print(
            f"{prefix}{time.monotonic() - started:5.2f} s  {message}", file=sys.stderr, flush=True
        )

    return show
