"""Reading and writing files so that nothing is lost, nothing hangs and nothing is half-written.

Reading: :func:`read_input` reads a bounded number of bytes from a regular file (a device
or a FIFO streams without end, and a FIFO with no writer blocks forever), and remembers
the file as an input of the running command. Writing: :func:`atomic_writer` replaces a
file only when the whole content is written, and refuses to write onto any input the
command read — ``export spec.yaml -o spec.yaml`` must not destroy the only copy of a plan.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ._errors import InputError
from ._limits import NESTING

__all__ = [
    "ReadError",
    "atomic_writer",
    "check_not_input",
    "command_inputs",
    "note_input",
    "parse_json",
    "read_input",
    "write_atomic",
]

_CHUNK = 1 << 16


class ReadError(InputError):
    """An input file cannot be read: missing, not a regular file, too big, not text.

    ``file``, ``reason`` and ``hint`` are kept apart so that readers reporting
    :class:`~v6plan._errors.Problem` lists can place them; ``str()`` is the whole sentence.
    """

    def __init__(self, file: str, reason: str, hint: str = "", *, missing: bool = False) -> None:
        self.file = file
        self.reason = reason
        self.hint = hint
        self.missing = missing
        super().__init__(f"{file}: {reason}" + (f" — {hint}" if hint else ""))


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_input(path: str | Path, *, what: str, limit: int, record: bool = True) -> bytes:
    """The bytes of the regular file at ``path``, refused with a :class:`ReadError` beyond ``limit``.

    The file is opened non-blocking (a FIFO with no writer cannot hang the command) and
    checked on the open descriptor, so a swap between check and read changes nothing; at
    most ``limit + 1`` bytes are ever read, whatever the file claims. ``record`` makes it
    an input of the running command, which :func:`atomic_writer` will not overwrite.
    """
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ReadError(name, f"cannot read the {what}: no such file", missing=True) from None
    except IsADirectoryError:
        raise ReadError(name, f"cannot read the {what}: it is a directory", "give a file") from None
    except OSError as exc:
        raise ReadError(name, f"cannot read the {what}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ReadError(name, f"cannot read the {what}: it is a directory", "give a file")
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(
                name,
                f"cannot read the {what}: it is {_kind_of(info.st_mode)}",
                "give a regular file (save the stream to a file first)",
            )
        too_big = ReadError(
            name,
            f"the {what} is over the {_size(limit)} limit for this kind of file",
            "is it the right file?",
        )
        if info.st_size > limit:
            raise too_big
        os.set_blocking(fd, True)
        parts: list[bytes] = []
        got = 0
        while got <= limit:
            try:
                chunk = os.read(fd, min(_CHUNK, limit + 1 - got))
            except OSError as exc:
                raise ReadError(name, f"cannot read the {what}: {exc.strerror or exc}") from None
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        if got > limit:  # the file grew while we read it
            raise too_big
        if record:
            _remember(info, name, what)
        return b"".join(parts)
    finally:
        os.close(fd)


def parse_json(data: bytes, file: str, what: str, depth: int = NESTING) -> Any:
    """The JSON value in ``data`` (bytes from :func:`read_input`), or a :class:`ReadError`:
    not UTF-8, not JSON, or nested deeper than ``depth`` (a JSON nesting bomb is refused
    here, not by a RecursionError somewhere later)."""
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ReadError(file, f"the {what} is not UTF-8 text") from None
    except RecursionError:
        raise ReadError(file, f"the {what} is nested more than {depth} levels deep") from None
    except ValueError as exc:
        raise ReadError(file, f"the {what} is not valid JSON ({exc})") from None
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        inner = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        if inner and level > depth:
            raise ReadError(file, f"the {what} is nested more than {depth} levels deep")
        stack.extend((x, level + 1) for x in inner)
    return value


def _size(limit: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if limit >= 1 << shift and limit % (1 << shift) == 0:
            return f"{limit >> shift} {unit}"
    return f"{limit:,}-byte"


# -- the inputs of the running command ----------------------------------------------------------
@dataclass
class _Inputs:
    by_inode: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    by_path: dict[str, tuple[str, str]] = field(default_factory=dict)


_INPUTS: contextvars.ContextVar[_Inputs | None] = contextvars.ContextVar(
    "v6plan_inputs", default=None
)


@contextlib.contextmanager
def command_inputs() -> Iterator[None]:
    """The scope of one command: files read inside it are never written inside it."""
    token = _INPUTS.set(_Inputs())
    try:
        yield
    finally:
        _INPUTS.reset(token)


def _remember(info: os.stat_result, name: str, what: str) -> None:
    inputs = _INPUTS.get()
    if inputs is None:
        return
    inputs.by_inode[(info.st_dev, info.st_ino)] = (name, what)
    inputs.by_path[os.path.realpath(name)] = (name, what)


def note_input(path: str | Path, what: str) -> None:
    """Count ``path`` as an input even when it does not exist yet (a spec's lock file)."""
    inputs = _INPUTS.get()
    if inputs is None:
        return
    name = str(path)
    inputs.by_path[os.path.realpath(name)] = (name, what)
    with contextlib.suppress(OSError):
        info = os.stat(name)
        inputs.by_inode[(info.st_dev, info.st_ino)] = (name, what)


def check_not_input(path: str | Path) -> None:
    """Refuse ``path`` as an output when it is, or resolves to, an input of this command.

    Same inode catches hard links and symlinks; the resolved path catches ``..`` and an
    input that does not exist yet.
    """
    inputs = _INPUTS.get()
    if inputs is None:
        return
    hit = inputs.by_path.get(os.path.realpath(path))
    if hit is None:
        with contextlib.suppress(OSError):
            info = os.stat(path)
            hit = inputs.by_inode.get((info.st_dev, info.st_ino))
    if hit is not None:
        name, what = hit
        alias = "" if str(path) == name else f" ({name})"
        raise InputError(
            f"refusing to write {path}: it is the {what}{alias} this command reads — "
            "nothing was written; write to another file or folder"
        )


# -- writing ----------------------------------------------------------------------------------
@contextlib.contextmanager
def atomic_writer(
    path: str | Path, *, newline: str | None = None, replaces_input: bool = False
) -> Iterator[TextIO]:
    """A text stream that replaces ``path`` only when the ``with`` block succeeds.

    Only regular files are replaced: a device or pipe (``-o /dev/null``, ``-o /dev/stdout``)
    is written to directly — replacing it would turn the device into a file — and a
    symlink is followed so the file it points to is replaced, not the link. An input of
    the running command is refused unless the caller means to rewrite it
    (``replaces_input``: the lock `plan` updates, the spec the explorer saves).
    """
    if not replaces_input:
        check_not_input(path)
    target = Path(path)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError(f"cannot write {path}: it is a directory; give a file name")
    if mode is not None and not stat.S_ISREG(mode):
        with open(target, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
        return
    target = target.resolve() if target.is_symlink() else target
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
        if mode is not None:
            os.chmod(tmp, stat.S_IMODE(mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(path: str | Path, text: str, *, replaces_input: bool = False) -> None:
    with atomic_writer(path, replaces_input=replaces_input) as stream:
        stream.write(text)
