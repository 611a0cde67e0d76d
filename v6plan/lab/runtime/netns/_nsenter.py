"""Entering a named network namespace from Python, on the calling thread only.

Python 3.11 has no ``os.setns`` (3.12+), so this calls libc's ``setns(fd,
CLONE_NEWNET)`` through ctypes. Sockets opened while inside keep working after the
thread returns, so one process can hold a socket per node. ``/sys/class/net`` keeps
showing the old namespace; state is read through netlink and ``/proc/sys`` instead.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

__all__ = ["NETNS_RUN_DIR", "in_netns", "namespace_path"]

CLONE_NEWNET = 0x40000000
NETNS_RUN_DIR = Path("/run/netns")


@cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    setns = getattr(os, "setns", None)
    if setns is not None:  # Python 3.12+
        setns(fd, CLONE_NEWNET)
        return
    if _libc().setns(fd, CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"setns: {os.strerror(code)}")


def namespace_path(name: str) -> Path:
    return NETNS_RUN_DIR / name


@contextlib.contextmanager
def in_netns(name: str) -> Iterator[None]:
    """Run the ``with`` body in namespace ``name`` (this thread only), then come back."""
    try:
        target = os.open(namespace_path(name), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise OSError(errno.ENOENT, f"network namespace {name!r} does not exist") from None
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        _setns(target)
        try:
            yield
        finally:
            _setns(home)
    finally:
        os.close(target)
        os.close(home)
