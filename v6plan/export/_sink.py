"""Where multi-file exports go: a directory (all files or none) or one stream."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TextIO

from .._errors import InputError

__all__ = ["DirectorySink", "StreamSink", "safe_file_name"]

_UNSAFE = re.compile(r"[^\w.+-]")


def safe_file_name(name: str) -> str:
    """A file name from a router or zone name: no separators, nothing hidden."""
    cleaned = _UNSAFE.sub("_", name).lstrip(".")
    return cleaned or "_"


class DirectorySink:
    """Files written to temporary names, renamed into place only when all succeed."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.written: list[str] = []
        self._pending: list[tuple[str, str]] = []  # (temporary path, final name)

    def __enter__(self) -> DirectorySink:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"cannot create the directory {self.directory}: {exc.strerror}"
            ) from None
        if not self.directory.is_dir():
            raise InputError(f"{self.directory} is not a directory")
        return self

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[TextIO]:
        final = safe_file_name(name)
        if any(final == done for _, done in self._pending):
            raise InputError(f"two exported files would both be named {final!r}")
        fd, tmp = tempfile.mkstemp(prefix=f".{final}.", suffix=".tmp", dir=self.directory)
        self._pending.append((tmp, final))
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            umask = os.umask(0)
            os.umask(umask)
            for tmp, final in self._pending:
                os.chmod(tmp, 0o666 & ~umask)
                os.replace(tmp, self.directory / final)
                self.written.append(final)
        else:
            for tmp, _ in self._pending:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        self._pending.clear()


class StreamSink:
    """Every file to one stream, each after a comment line naming it."""

    def __init__(self, out: TextIO, comment: str) -> None:
        self.out = out
        self.comment = comment
        self.count = 0

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[TextIO]:
        if self.count:
            self.out.write("\n")
        self.out.write(f"{self.comment} ---- file: {safe_file_name(name)} ----\n")
        self.count += 1
        yield self.out
