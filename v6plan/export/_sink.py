"""Where multi-file exports go: a directory (all files or none), one file, or one stream.

No file is ever written onto an input of the command (the spec, its lock, the plan file):
:class:`DirectorySink` refuses a directory holding an input named like a file the format
writes before anything is created, checks every file when it is opened and again before
anything is renamed into place.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TextIO

from .._errors import InputError
from .._io import check_not_input

__all__ = ["DirectorySink", "OneFileSink", "StreamSink", "safe_file_name"]

_UNSAFE = re.compile(r"[^\w.+-]")
_NAME_MAX = 128  # well under every file system's 255 bytes, even in UTF-8


def safe_file_name(name: str) -> str:
    """A file name from a router or zone name: no separators, nothing hidden, not too long."""
    cleaned = _UNSAFE.sub("_", name).lstrip(".")[:_NAME_MAX]
    return cleaned or "_"


class DirectorySink:
    """Files written to temporary names, renamed into place only when all succeed.

    ``names`` are the globs the format's files match: an input of the command in the
    directory (the same file, a symlink or a hard link to it) named like one is refused
    before anything is created.
    """

    def __init__(self, directory: str | Path, names: tuple[str, ...] = ()) -> None:
        self.directory = Path(directory)
        self.names = names
        self.written: list[str] = []
        self._pending: list[tuple[str, str]] = []  # (temporary path, final name)
        self._created: list[Path] = []  # directories made here, removed again on failure

    def __enter__(self) -> DirectorySink:
        check_not_input(self.directory)
        self._check_existing()
        missing = []
        parent = self.directory
        while not parent.exists() and parent != parent.parent:
            missing.append(parent)
            parent = parent.parent
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"cannot create the directory {self.directory}: {exc.strerror}"
            ) from None
        self._created = missing
        if not self.directory.is_dir():
            raise InputError(f"{self.directory} is not a directory")
        return self

    def _check_existing(self) -> None:
        """Refuse up front: a file in the directory named like ours that is an input."""
        if not self.names:
            return
        try:
            entries = os.scandir(self.directory)
        except OSError:
            return  # not there yet (or not a directory: __enter__ says so)
        with entries:
            for entry in entries:
                if any(fnmatch.fnmatchcase(entry.name, pattern) for pattern in self.names):
                    check_not_input(os.path.join(self.directory, entry.name))

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[TextIO]:
        final = safe_file_name(name)
        if any(final == done for _, done in self._pending):
            raise InputError(f"two exported files would both be named {final!r}")
        check_not_input(self.directory / final)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{final}.", suffix=".tmp", dir=self.directory)
        except OSError as exc:
            raise InputError(f"cannot write {self.directory / final}: {exc.strerror}") from None
        self._pending.append((tmp, final))
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        failed = True
        try:
            if kind is None:
                for _, final in self._pending:  # every one, before anything is renamed
                    check_not_input(self.directory / final)
                umask = os.umask(0)
                os.umask(umask)
                for tmp, final in self._pending:
                    os.chmod(tmp, 0o666 & ~umask)
                    os.replace(tmp, self.directory / final)
                    self.written.append(final)
                failed = False
        finally:
            if failed:  # nothing of ours stays behind
                for tmp, _ in self._pending:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
                for made in self._created:
                    with contextlib.suppress(OSError):
                        made.rmdir()
            self._pending.clear()


_ADVICE = (
    "use --dir DIR for all of them (or --router NAME for one router's; standard output "
    "shows them one after another)"
)


class OneFileSink:
    """``-o FILE`` for a multi-file format: its one file, or a refusal that says ``--dir``.

    A second file fails the export before anything is written (the caller's atomic
    writer drops the first); a format that always makes several is refused up front.
    """

    def __init__(self, out: TextIO, format_name: str, advice: str = "") -> None:
        self.out = out
        self.format_name = format_name
        self.advice = advice or _ADVICE
        self.first = ""

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[TextIO]:
        if self.first:
            raise InputError(
                f"{self.format_name} writes several files here ({self.first}, "
                f"{safe_file_name(name)}, …) and one file was asked for: {self.advice} "
                "— nothing was written"
            )
        self.first = safe_file_name(name)
        yield self.out


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
