"""The client side of the simulator's session process: a Backend that talks to it.

``v6lab exec`` through this module costs a Unix-socket round trip instead of Python,
Scapy and a journal replay: the process (:mod:`._server`) holds the network in memory.
This module imports only the standard library and the contract, never Scapy.

The protocol is one JSON object per line. A connection carries either one journaled
request (``exec``, ``advance``), answered by the process itself after it appended the
journal entry, or, after ``snapshot``, any number of state questions and jobs answered by a
forked copy of the network caught up to the client's clock — what a replay in the client
would have seen, without touching the network that later commands continue from.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from ..._errors import BackendError, LabError, NoSessionError
from .._backend import (
    SETTLE_POLL,
    Address,
    Backend,
    CommandResult,
    Interface,
    Neighbour,
    Route,
    TopologySpec,
)

__all__ = [
    "SOCKET",
    "SessionClient",
    "decode_result",
    "encode_result",
    "server_pid",
    "stop_server",
]

SOCKET = "sim.sock"
PID_FILE = "server.pid"
LOCK_FILE = "server.lock"
LOG_FILE = "server.log"
#: seconds a new session process may take to listen
START_LIMIT = 15.0
#: seconds to wait for an answer: a process that just started replays the whole journal
ANSWER_LIMIT = 300.0
#: AF_UNIX paths are limited (108 bytes on Linux); a longer session directory runs in-process
MAX_PATH = 100
#: errors the session process sends back by name, raised here as the same class
ERRORS: dict[str, type[Exception]] = {
    "LabError": LabError,
    "NoSessionError": NoSessionError,
    "BackendError": BackendError,
}
#: the contract's state questions a snapshot answers (and ``advance`` there, for settle)
SNAPSHOT_METHODS = (
    "interfaces",
    "addresses",
    "routes",
    "neighbours",
    "sysctl",
    "send_l3",
    "send_l2",
    "capture",
    "advance",
)


def enabled(workdir: Path) -> bool:
    """Whether this session can have a process: POSIX sockets and fork, a short enough
    socket path, a saved topology, and not turned off with V6LAB_SERVER=0."""
    if os.environ.get("V6LAB_SERVER", "1") == "0":
        return False
    if not hasattr(socket, "AF_UNIX") or not hasattr(os, "fork"):
        return False
    path = workdir / SOCKET
    return len(os.fsencode(str(path))) <= MAX_PATH and (workdir / "topology.json").is_file()


class SessionClient(Backend):
    """The simulator, answered by the session's own process (see the module docstring)."""

    name: ClassVar[str] = "sim"
    #: the session process holds the state: nothing is replayed in this process
    persistent: ClassVar[bool] = True
    keeps_journal: ClassVar[bool] = True

    def __init__(self, session: str, workdir: Path) -> None:
        super().__init__(session, workdir)
        self.socket_path = workdir / SOCKET
        self._snapshot: tuple[socket.socket, Any] | None = None
        self._spawned = False

    @classmethod
    def for_session(cls, session: str, workdir: Path) -> SessionClient | None:
        """A client, the process started (not waited for) when none answers; None when
        this session cannot have one (:func:`enabled`)."""
        if not enabled(workdir):
            return None
        client = cls(session, workdir)
        try:
            probe = client._connect()
        except OSError:
            try:
                client._spawn()
            except OSError:
                return None  # cannot start one here: the command runs in this process
        else:
            probe.close()
        return client

    # -- connections ------------------------------------------------------------------------
    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(self.socket_path))
        except OSError:
            sock.close()
            raise
        sock.settimeout(ANSWER_LIMIT)
        return sock

    def _spawn(self) -> None:
        """Start the session process (it detaches itself: we only wait for its launcher)."""
        import subprocess

        self._spawned = True
        with open(self.workdir / LOG_FILE, "ab") as log:
            launcher = subprocess.Popen(
                [sys.executable, "-m", "v6plan.lab.runtime.sim._server", str(self.workdir)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
                close_fds=True,
            )
        launcher.wait()

    def _open(self) -> socket.socket:
        """A connection to the session process, started (and waited for) if none answers."""
        deadline = time.monotonic() + START_LIMIT
        while True:
            try:
                return self._connect()
            except (FileNotFoundError, ConnectionRefusedError):
                if not self._spawned:
                    self._spawn()
                    deadline = time.monotonic() + START_LIMIT
                elif time.monotonic() > deadline:
                    raise BackendError(
                        "the simulator's session process did not start; see "
                        f"{self.workdir / LOG_FILE}, or run with V6LAB_SERVER=0"
                    ) from None
                time.sleep(0.005)

    def _ask(self, stream: Any, sock: socket.socket, request: dict[str, Any]) -> Any:
        sock.sendall(json.dumps(request).encode() + b"\n")
        line = stream.readline()
        if not line:
            raise ConnectionResetError("the session process closed the connection")
        reply = json.loads(line)
        error = reply.get("error")
        if error is not None:
            raise ERRORS.get(str(error.get("type")), BackendError)(str(error.get("message")))
        return reply.get("result")

    def _request(self, request: dict[str, Any]) -> Any:
        """One journaled request on a connection of its own; retried (same id, so it is
        never journaled twice) when the process dies before it answers."""
        self._drop_snapshot()  # the network changes: later questions need a fresh copy
        for _ in range(3):
            sock = self._open()
            try:
                with sock.makefile("rb") as stream:
                    return self._ask(stream, sock, request)
            except (ConnectionError, json.JSONDecodeError):
                self._spawned = False  # it died: start another one
                continue
            except TimeoutError:
                raise BackendError("the simulator's session process does not answer") from None
            finally:
                sock.close()
        raise BackendError(
            f"the simulator's session process keeps failing; see {self.workdir / LOG_FILE}"
        )

    def _snap(self, request: dict[str, Any]) -> Any:
        """A question for the copy of the network this client works on (made on first use;
        a job's module may ``warm`` the process first, see :func:`._server.warm`)."""
        for _ in range(3):
            if self._snapshot is None:
                sock = self._open()
                stream = sock.makefile("rb")
                opening = {"op": "snapshot", "t": time.time()}
                if request.get("op") == "job":
                    opening.update(warm=request["target"], kwargs=request["kwargs"])
                try:
                    self._ask(stream, sock, opening)
                except (ConnectionError, json.JSONDecodeError):
                    stream.close()
                    sock.close()
                    self._spawned = False
                    continue
                self._snapshot = (sock, stream)
            sock, stream = self._snapshot
            try:
                return self._ask(stream, sock, request)
            except (ConnectionError, json.JSONDecodeError):
                self._drop_snapshot()
                self._spawned = False
            except TimeoutError:
                raise BackendError("the simulator's session process does not answer") from None
        raise BackendError(
            f"the simulator's session process keeps failing; see {self.workdir / LOG_FILE}"
        )

    def _call(self, method: str, *args: Any) -> Any:
        return decode_result(method, self._snap({"op": "call", "method": method, "args": args}))

    def _drop_snapshot(self) -> None:
        if self._snapshot is not None:
            sock, stream = self._snapshot
            self._snapshot = None
            with contextlib.suppress(OSError):
                stream.close()
                sock.close()

    def close(self) -> None:
        self._drop_snapshot()

    # -- the contract ---------------------------------------------------------------------------
    def start(self, topology: TopologySpec, progress: Callable[[str], None] | None = None) -> None:
        raise BackendError("a session process is started by `v6lab start`, not through it")

    def attach(self, topology: TopologySpec) -> None:
        """Nothing to do: the session process holds the topology."""

    def stop(self) -> None:
        self._drop_snapshot()
        stop_server(self.workdir)

    def exec(self, node: str, argv: list[str], timeout: float = 10.0) -> CommandResult:
        result = self._request(
            {
                "op": "exec",
                "node": node,
                "argv": list(argv),
                "timeout": timeout,
                "t": time.time(),
                "id": os.urandom(8).hex(),
            }
        )
        return CommandResult(int(result[0]), str(result[1]), str(result[2]))

    def advance(self, seconds: float) -> None:
        self._request({"op": "advance", "seconds": seconds, "t": time.time()})

    def settle(self, condition: Callable[[], bool], within: float) -> bool:
        """As the simulator settles: time passes on this client's copy of the network
        (never journaled), in :data:`SETTLE_POLL` steps, until ``condition`` holds."""
        waited = 0.0
        while not condition():
            if waited >= within:
                return False
            step = min(SETTLE_POLL, within - waited)
            self._call("advance", step)
            waited += step
        return True

    def interfaces(self, node: str) -> list[Interface]:
        result: list[Interface] = self._call("interfaces", node)
        return result

    def addresses(self, node: str) -> list[Address]:
        result: list[Address] = self._call("addresses", node)
        return result

    def routes(self, node: str) -> list[Route]:
        result: list[Route] = self._call("routes", node)
        return result

    def neighbours(self, node: str) -> list[Neighbour]:
        result: list[Neighbour] = self._call("neighbours", node)
        return result

    def sysctl(self, node: str, key: str) -> str:
        return str(self._call("sysctl", node, key))

    def send_l3(
        self, node: str, packets: list[bytes], timeout: float = 1.0, ifname: str | None = None
    ) -> list[bytes]:
        result: list[bytes] = self._call("send_l3", node, _b64(packets), timeout, ifname)
        return result

    def send_l2(
        self, node: str, ifname: str, frames: list[bytes], timeout: float = 1.0
    ) -> list[bytes]:
        result: list[bytes] = self._call("send_l2", node, ifname, _b64(frames), timeout)
        return result

    def capture(self, node: str, ifname: str, path: Path, seconds: float = 0.0) -> int:
        return int(self._call("capture", node, ifname, str(Path(path).resolve()), seconds))

    def run_job(self, target: str, kwargs: Mapping[str, object]) -> object:
        return self._snap({"op": "job", "target": target, "kwargs": dict(kwargs)})


# -- what crosses the socket ---------------------------------------------------------------------
def _b64(items: list[bytes]) -> list[str]:
    return [base64.b64encode(bytes(b)).decode("ascii") for b in items]


def _unb64(items: list[str]) -> list[bytes]:
    return [base64.b64decode(s) for s in items]


def encode_result(method: str, value: Any) -> Any:
    """A snapshot method's answer as JSON (the session process's side)."""
    if method in ("interfaces", "routes", "neighbours"):
        return [list(vars(item).values()) for item in value]
    if method == "addresses":
        return [[a.ifname, a.address, a.length, a.scope, sorted(a.flags)] for a in value]
    if method in ("send_l3", "send_l2"):
        return _b64(value)
    return value


def decode_result(method: str, value: Any) -> Any:
    """The answer :func:`encode_result` sent, as the contract's types again."""
    if method == "interfaces":
        return [Interface(*row) for row in value]
    if method == "routes":
        return [Route(*row) for row in value]
    if method == "neighbours":
        return [Neighbour(*row) for row in value]
    if method == "addresses":
        return [Address(r[0], r[1], r[2], r[3], frozenset(r[4])) for r in value]
    if method in ("send_l3", "send_l2"):
        return _unb64(value)
    return value


def decode_args(method: str, args: list[Any]) -> list[Any]:
    """The arguments of a snapshot method, bytes and paths back (the process's side)."""
    if method == "send_l3":
        return [args[0], _unb64(args[1]), *args[2:]]
    if method == "send_l2":
        return [args[0], args[1], _unb64(args[2]), *args[3:]]
    if method == "capture":
        return [args[0], args[1], Path(args[2]), *args[3:]]
    return list(args)


# -- the process's lifetime ------------------------------------------------------------------------
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):  # a zombie nobody reaped yet has ended
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rpartition(")")[2].split()[0] != "Z"
    return True


def server_pid(workdir: Path) -> int | None:
    """The pid of the session process serving ``workdir``, or None when none runs (its
    lock is free: a pid file left by a killed one names nobody)."""
    try:
        stream = open(workdir / LOCK_FILE, "rb")  # noqa: SIM115 - closed below
    except OSError:
        return None
    with stream:
        try:
            fcntl.flock(stream, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pass
        else:
            fcntl.flock(stream, fcntl.LOCK_UN)
            return None
    try:
        pid = int((workdir / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid > 0 and _alive(pid) else None


def stop_server(workdir: Path, wait: float = 5.0) -> None:
    """End the session process of ``workdir`` and the copies it forked (its process
    group), if one runs; wait until it has gone."""
    import signal

    pid = server_pid(workdir)
    if pid is None:
        return
    try:
        group = os.getpgid(pid)
    except ProcessLookupError:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            if group == pid:  # the process leads its own group (setsid): its copies too
                os.killpg(group, sig)
            else:
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        if not _alive(pid):
            break
    with contextlib.suppress(OSError):
        (workdir / SOCKET).unlink()
