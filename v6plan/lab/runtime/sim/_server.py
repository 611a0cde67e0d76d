"""The simulator's session process: one per session, holding its network between commands.

    python -m v6plan.lab.runtime.sim._server SESSION_DIR

Started by the first command that finds none (:mod:`._client`); it detaches, takes the
session directory's ``server.lock`` (a second one exits at once), listens on
``SESSION_DIR/sim.sock`` (mode 0600: the user's only) and rebuilds the network exactly as a
replay in a ``v6lab`` process would: the topology saved at start, then the journal.

The journal stays the source of truth. A journaled request (``exec``, ``advance``) runs
under the session lock on the network kept here, and its entry is appended before the
answer goes out; a journal that grew by another hand (``V6LAB_SERVER=0``) is replayed
afresh. Everything else — state questions, checks — runs in a forked copy of the network
caught up to the client's clock, so it never changes what later commands see: kill this
process at any moment and the next one answers the same.

It ends on SIGTERM (``v6lab stop``, ``cleanup``), when idle for ``V6LAB_SERVER_IDLE``
seconds (default 15 min), or when its session directory disappears.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import json
import os
import select
import signal
import socket
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..._errors import BackendError, LabError
from .._backend import Backend
from .._session import Session, topology_from_json
from ._backend import SimBackend
from ._client import (
    LOCK_FILE,
    PID_FILE,
    SNAPSHOT_METHODS,
    SOCKET,
    decode_args,
    encode_result,
)

__all__ = ["main", "serve"]

#: seconds without a request before the process ends by itself
IDLE = 900.0
#: seconds between two looks at the session directory (does it still exist?)
TICK = 1.0
#: seconds a forked copy may live (a client that never hangs up)
COPY_LIMIT = 900
#: a request line longer than this is refused (the client is ours, still bounded)
MAX_LINE = 64 << 20


class Server:
    """The network of one session, kept in step with its journal."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.session: Session | None = None
        self.size = -1  # the journal's size when the network last matched it
        self.last: tuple[str, list[Any]] | None = None  # the last exec: (id, answer)

    def _info_session(self) -> Session:
        info = Session._read_info(self.dir)
        if info is None:
            raise BackendError(f"{self.dir} is not a lab session")
        return Session(info, self.dir.parent)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The session lock, as ``Session.locked`` takes it, without making the directory:
        a session removed under us stays removed."""
        with open(self.dir / "lock", "a+b") as stream:
            fcntl.flock(stream, fcntl.LOCK_EX)
            yield

    def _journal_size(self) -> int:
        try:
            return (self.dir / "journal.jsonl").stat().st_size
        except FileNotFoundError:
            return 0

    def sync(self) -> Session:
        """The network as the journal says (rebuilt when it changed under us); call with
        the session lock held."""
        size = self._journal_size()
        if self.session is not None and size == self.size:
            return self.session
        session = self._info_session()
        text = (self.dir / "topology.json").read_text(encoding="utf-8")
        spec = topology_from_json(json.loads(text))
        session.open(spec, SimBackend(session.info.tag, self.dir), catch_up=False)
        self.session, self.size = session, size
        self.last = None
        if session.replayed is not None:
            rid, result = session.replayed
            self.last = (rid, [result.returncode, result.stdout, result.stderr])
        return session

    def journaled(self, request: dict[str, Any]) -> Any:
        """``exec`` or ``advance`` on the kept network; the entry is on disk on return."""
        with self._locked():
            session = self.sync()
            now = float(request["t"])
            if request["op"] == "advance":
                session.advance(float(request["seconds"]), now=now)
                self.last = None
            else:
                rid = str(request.get("id", ""))
                if rid and self.last is not None and self.last[0] == rid:
                    return self.last[1]  # journaled, then we died before answering: same answer
                try:
                    result = session.exec(
                        str(request["node"]),
                        [str(a) for a in request["argv"]],
                        float(request.get("timeout", 10.0)),
                        now=now,
                        request=rid,
                    )
                except BaseException:
                    self.session = None  # time passed here without an entry: rebuild
                    raise
                self.last = (rid, [result.returncode, result.stdout, result.stderr])
            self.size = self._journal_size()
            return self.last[1] if self.last is not None else None

    def snapshot_ready(self) -> Session:
        """In step with the journal, ready to fork a copy."""
        with self._locked():
            return self.sync()


def _answer(sock: socket.socket, result: Any = None, error: BaseException | None = None) -> None:
    if error is None:
        reply: dict[str, Any] = {"result": result}
    else:
        kind = type(error).__name__ if isinstance(error, (LabError, BackendError)) else ""
        message = str(error) if kind else f"{type(error).__name__}: {error}"
        reply = {"error": {"type": kind or "BackendError", "message": message}}
    sock.sendall(json.dumps(reply).encode() + b"\n")


def _copy(
    server: Server, session: Session, sock: socket.socket, stream: IO[bytes], t: float
) -> None:
    """The forked copy: catch up to the client's clock, then answer its questions and
    jobs until it hangs up. Never returns."""
    code = 0
    try:
        signal.alarm(COPY_LIMIT)
        session._catch_up(t)
        backend = session.backend
        assert backend is not None
        _answer(sock, "ready")
        while line := stream.readline(MAX_LINE):
            request = json.loads(line)
            try:
                if request.get("op") == "job":
                    job = _job(str(request["target"]))
                    result = json.loads(json.dumps(job(backend, **request["kwargs"])))
                else:
                    method = str(request["method"])
                    call = _snapshot_calls(backend).get(method)
                    if call is None:
                        raise BackendError(f"no method {method!r} here")
                    args = decode_args(method, list(request["args"]))
                    result = encode_result(method, call(*args))
            except Exception as exc:
                _answer(sock, error=exc)
            else:
                _answer(sock, result)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


def _handle(server: Server, conn: socket.socket, keep: list[int]) -> None:
    """One connection: a journaled request answered here, or a copy forked for it."""
    with conn, conn.makefile("rb") as stream:
        line = stream.readline(MAX_LINE)
        if not line:
            return
        request = json.loads(line)
        op = request.get("op")
        try:
            if op in ("exec", "advance"):
                _answer(conn, server.journaled(request))
            elif op == "snapshot":
                session = server.snapshot_ready()
                if request.get("warm"):
                    warm(str(request["warm"]), dict(request.get("kwargs") or {}))
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    for fd in keep:
                        with contextlib.suppress(OSError):
                            os.close(fd)
                    _copy(server, session, conn, stream, float(request["t"]))
            elif op == "ping":
                _answer(conn, os.getpid())
            else:
                raise BackendError(f"unknown request {op!r}")
        except Exception as exc:
            traceback.print_exc()
            with contextlib.suppress(OSError):
                _answer(conn, error=exc)


def _snapshot_calls(backend: Backend) -> dict[str, Any]:
    """What a client may ask of the network (the client's SNAPSHOT_METHODS), by name: the
    contract's methods of this one backend, listed rather than looked up by name."""
    calls = {
        "interfaces": backend.interfaces,
        "addresses": backend.addresses,
        "routes": backend.routes,
        "neighbours": backend.neighbours,
        "sysctl": backend.sysctl,
        "send_l3": backend.send_l3,
        "send_l2": backend.send_l2,
        "capture": backend.capture,
        "advance": backend.advance,
    }
    assert tuple(calls) == SNAPSHOT_METHODS
    return calls


def _job(target: str) -> Any:
    module, _, function = target.partition(":")
    if not module.startswith("v6plan."):
        raise BackendError(f"no job {target!r} here")
    return getattr(importlib.import_module(module), function)


def warm(target: str, kwargs: dict[str, Any]) -> None:
    """Before copying the network for a job: import its module here, and run the module's
    ``warm(**kwargs)`` if it has one (the checks load the lab), so every copy starts with
    it. A failure is the job's to report, in the copy."""
    try:
        _job(target)
        prepare = getattr(importlib.import_module(target.partition(":")[0]), "warm", None)
        if callable(prepare):
            prepare(**kwargs)
    except Exception:
        traceback.print_exc()


def _gone(directory: Path, inode: int) -> bool:
    try:
        return directory.stat().st_ino != inode or not (directory / "session.json").is_file()
    except OSError:
        return True


def serve(directory: Path, idle: float = IDLE) -> int:
    """Listen and answer until stopped, idle for ``idle`` seconds, or the directory goes."""
    lock = open(directory / LOCK_FILE, "a+b")  # noqa: SIM115 - held for the process's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 0  # another one serves this session
    (directory / PID_FILE).write_text(f"{os.getpid()}\n")
    path = directory / SOCKET
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    listener.listen(64)
    inode = directory.stat().st_ino
    server = Server(directory)
    with contextlib.suppress(Exception):  # warm up now; a failure is reported per request
        server.snapshot_ready()
    last = time.monotonic()
    keep = [listener.fileno(), lock.fileno()]
    try:
        while not _gone(directory, inode):
            with contextlib.suppress(ChildProcessError):
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            ready, _, _ = select.select([listener], [], [], TICK)
            if not ready:
                if time.monotonic() - last > idle:
                    break
                continue
            conn, _ = listener.accept()
            conn.settimeout(60.0)
            _handle(server, conn, keep)
            last = time.monotonic()
    finally:
        with contextlib.suppress(OSError):  # ours: no other one binds while we hold the lock
            path.unlink()
        with contextlib.suppress(OSError):
            (directory / PID_FILE).unlink()
        listener.close()
    return 0


def main(argv: list[str]) -> int:
    """Detach (the launcher returns at once), then :func:`serve`."""
    if len(argv) != 1:
        print("usage: python -m v6plan.lab.runtime.sim._server SESSION_DIR", file=sys.stderr)
        return 2
    directory = Path(argv[0]).resolve()
    if os.fork():
        return 0
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    os.chdir(directory)
    try:
        idle = float(os.environ.get("V6LAB_SERVER_IDLE", IDLE))
    except ValueError:
        idle = IDLE
    return serve(directory, idle)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
