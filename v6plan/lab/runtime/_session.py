"""Lab sessions: one running lab per user, kept in a state directory between commands.

Each ``v6lab`` invocation is a new process. A session directory remembers which lab
runs, on which backend, with which variant, under which *tag* (≤ 6 characters, the
prefix of every namespace the netns backend makes, so two labs never collide).

The simulator keeps its network in memory, so for a non-persistent backend the session
keeps a *journal*: every command run on a node, with its wall-clock time. A later
invocation rebuilds the topology and replays the journal on virtual time — the idle gap
before each entry becomes ``advance(gap)`` — so the trainee sees one network that lives
on between commands. The kernel (netns) keeps its own state; there the journal is only
a record. A file lock serialises invocations of one session.

A backend may hold the topology in a process of the session's own instead
(:meth:`Backend.connect`: the simulator does, so a command answers at once). That process
replays this same journal when it starts, appends each command before it answers, and runs
the rest (checks, state) on a copy of its network, so it answers exactly as a replay in
this process would; the topology it builds is the one saved at start (``topology.json``).

Teardown is crash-safe: ``stop`` asks the backend, then its class's ``sweep(session)``,
which deletes by name whatever a killed process left behind (netns: namespaces, radvd).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from ..._io import ReadError, read_input, write_atomic
from ..._limits import JOURNAL_BYTES, SESSION_BYTES
from .._errors import BackendError, LabError, NoSessionError
from ._backend import (
    Backend,
    CommandResult,
    LinkSpec,
    NodeSpec,
    SegmentSpec,
    TopologySpec,
    node_kind,
)

__all__ = [
    "MAX_GAP",
    "Session",
    "SessionInfo",
    "cleanup_leftovers",
    "state_dir",
    "topology_from_json",
    "topology_json",
]

#: Replaying a long idle time costs simulation work (periodic RAs); a gap longer than
#: this is replayed as this long. Lifetimes in the labs are far longer.
MAX_GAP = 600.0
ACTIVE = "active"
_TAG_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"
#: the OS's randomness, as ``secrets`` uses, without its import (hmac, OpenSSL)
_RANDOM = random.SystemRandom()


def _state_text(path: Path, limit: int) -> str | None:
    """A session file's text, or None when it is missing, unreadable, over ``limit`` or not
    UTF-8: the state is ours (record=False: not an input of the command), still bounded."""
    try:
        return read_input(path, what="session state", limit=limit, record=False).decode("utf-8")
    except (ReadError, UnicodeDecodeError):
        return None


def state_dir() -> Path:
    """$V6LAB_STATE_DIR, else $XDG_STATE_HOME/v6plan/labs, else ~/.local/state/v6plan/labs."""
    explicit = os.environ.get("V6LAB_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "v6plan" / "labs"


@dataclass
class SessionInfo:
    tag: str
    lab: str  # the lab's directory
    backend: str
    started: float
    variant: str = ""  # the variant file, for the record
    variant_name: str = ""
    prefix: str = ""  # the variant's prefix ('' = the lab's own plan)
    pid: int = 0
    ready: bool = False

    @property
    def prefix_tuple(self) -> tuple[int, int] | None:
        from ..._prefix import parse_prefix  # not for `v6lab exec`: it starts light

        return parse_prefix(self.prefix) if self.prefix else None


#: The type of each field of a session.json (a file edited by hand reads as no session).
_INFO_TYPES: dict[str, type | tuple[type, ...]] = {
    "tag": str,
    "lab": str,
    "backend": str,
    "started": (int, float),
    "variant": str,
    "variant_name": str,
    "prefix": str,
    "pid": int,
    "ready": bool,
}


class Session:
    """A lab session on disk; :meth:`open` gives the live backend (replayed if needed)."""

    def __init__(self, info: SessionInfo, root: Path | None = None) -> None:
        self.info = info
        self.root = root or state_dir()
        self.dir = self.root / info.tag
        self.backend: Backend | None = None
        self._lock: IO[str] | None = None
        self._last = info.started
        #: (request id, result) of the last command the journal replay ran
        self.replayed: tuple[str, CommandResult] | None = None

    # -- finding sessions -------------------------------------------------------------------
    @classmethod
    def current(cls, root: Path | None = None) -> Session:
        root = root or state_dir()
        tag = (_state_text(root / ACTIVE, 4096) or "").strip()
        info = cls._read_info(root / tag) if tag else None
        if info is None:
            message = "no lab is running — start one with `v6lab start LAB` (see `v6lab list`)"
            if _root_lab_running():
                message += "; a lab started with sudo needs sudo for every command: sudo v6lab …"
            raise NoSessionError(message)
        return cls(info, root)

    @staticmethod
    def _read_info(directory: Path) -> SessionInfo | None:
        text = _state_text(directory / "session.json", SESSION_BYTES)
        try:
            data = json.loads(text) if text is not None else None
            info = SessionInfo(**data) if isinstance(data, dict) else None
        except (ValueError, TypeError, RecursionError):
            return None
        if info is None or not all(
            isinstance(getattr(info, name), kind) for name, kind in _INFO_TYPES.items()
        ):
            return None  # not a session file of ours: no session
        return info

    @classmethod
    def all(cls, root: Path | None = None) -> list[Session]:
        root = root or state_dir()
        out = []
        if root.is_dir():
            for child in sorted(root.iterdir()):
                info = cls._read_info(child) if child.is_dir() else None
                if info is not None:
                    out.append(cls(info, root))
        return out

    @classmethod
    def create(
        cls,
        lab: Path,
        backend: str,
        prefix: tuple[int, int] | None = None,
        variant: str = "",
        variant_name: str = "",
        root: Path | None = None,
        activate: bool = True,
    ) -> Session:
        """A new session directory with a fresh tag, made the active one."""
        root = root or state_dir()
        root.mkdir(parents=True, exist_ok=True)
        for _ in range(100):
            # 36^5 tags: sessions of other state directories (another user, a parallel
            # `v6lab verify`) share the machine's namespace names, so collisions must be rare
            tag = "v" + "".join(_RANDOM.choice(_TAG_CHARS) for _ in range(5))
            try:
                (root / tag).mkdir()
                break
            except FileExistsError:
                continue
        else:  # pragma: no cover - 60 million tags
            raise LabError(f"cannot find a free session tag in {root}; run `v6lab cleanup`")
        from ..._prefix import format_prefix

        info = SessionInfo(
            tag=tag,
            lab=str(lab),
            backend=backend,
            started=time.time(),
            variant=variant,
            variant_name=variant_name,
            prefix=format_prefix(*prefix) if prefix else "",
            pid=os.getpid(),
        )
        session = cls(info, root)
        session.save()
        if activate:
            write_atomic(root / ACTIVE, tag + "\n")
        return session

    def save(self) -> None:
        write_atomic(self.dir / "session.json", json.dumps(asdict(self.info), indent=2) + "\n")

    # -- locking ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[Session]:
        """Hold the session's lock for the whole command (invocations queue up)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        stream = open(self.dir / "lock", "a+", encoding="utf-8")  # noqa: SIM115 - held open
        try:
            fcntl.flock(stream, fcntl.LOCK_EX)
            self._lock = stream
            yield self
        finally:
            self._lock = None
            stream.close()

    # -- the journal ----------------------------------------------------------------------------
    @property
    def journal_file(self) -> Path:
        return self.dir / "journal.jsonl"

    def journal(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        text = _state_text(self.journal_file, JOURNAL_BYTES)
        for line in (text or "").splitlines():
            with contextlib.suppress(ValueError, RecursionError):
                entries.append(json.loads(line))
        return entries

    # -- the activity: what the trainee asked v6lab (signed with the result) ---------------
    @property
    def activity_file(self) -> Path:
        return self.dir / "activity.jsonl"

    def note(self, command: str, argv: list[str]) -> None:
        """Record one ``v6lab`` command run on this session (``hint``, ``solve``, ``task
        --values`` …): a separate file from the journal, which holds what the network
        replays and which the session process watches."""
        entry = {"t": time.time(), "op": "v6lab", "command": command}
        entry["argv"] = [str(a)[:200] for a in argv[:40]]  # bounded: argv is the user's
        with open(self.activity_file, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry) + "\n")  # one write: lines never interleave

    def activity(self) -> list[dict[str, Any]]:
        """The ``v6lab`` commands :meth:`note` recorded, oldest first."""
        entries: list[dict[str, Any]] = []
        text = _state_text(self.activity_file, JOURNAL_BYTES)
        for line in (text or "").splitlines():
            with contextlib.suppress(ValueError, RecursionError):
                entry = json.loads(line)
                if isinstance(entry, dict):
                    entries.append(entry)
        return entries

    def _record(self, entry: dict[str, Any]) -> None:
        with open(self.journal_file, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry) + "\n")
            stream.flush()
            os.fsync(stream.fileno())

    # -- the live backend ---------------------------------------------------------------------
    def make_backend(self) -> Backend:
        from ._backends import backend_class

        cls = backend_class(self.info.backend)
        return cls(self.info.tag, self.dir)

    def start(
        self,
        spec: TopologySpec,
        progress: Callable[[str], None] | None = None,
        backend: Backend | None = None,
    ) -> Backend:
        """Build the topology, then run its setup commands (journaled like any command).
        Refuses first, naming their Debian packages, when programs the lab runs on this
        backend are not installed (:class:`MissingProgramsError`): nothing is built."""
        from ._programs import refuse_missing

        backend = backend or self.make_backend()
        refuse_missing(backend.missing_programs(spec))
        self.backend = backend
        write_atomic(self.topology_file, json.dumps(topology_json(spec)) + "\n")
        try:
            backend.start(spec, progress=progress)
            # virtual time starts when the topology is up: a replay starts from here too
            self.info.started = self._last = time.time()
            self.save()
            self._setup(spec, progress)
        except BaseException:
            self.teardown()
            raise
        self.info.ready = True
        self.save()
        return backend

    def _setup(self, spec: TopologySpec, progress: Callable[[str], None] | None) -> None:
        if self.backend is not None and self.backend.applies_setup:
            return  # the backend ran spec.setup itself (batched)
        total = sum(len(c) for c in spec.setup.values())
        done = 0
        for node, commands in spec.setup.items():
            for argv in commands:
                result = self.exec(node, list(argv), record=True)
                done += 1
                if result.returncode != 0:
                    raise BackendError(
                        f"setting up {node} failed: `{' '.join(argv)}` → "
                        f"{(result.stderr or result.stdout).strip() or result.returncode}"
                    )
            if progress is not None:
                progress(f"configured {node} ({done} of {total} commands)")

    def open(
        self, spec: TopologySpec, backend: Backend | None = None, catch_up: bool = True
    ) -> Backend:
        """Attach to the running topology; for a simulator, replay the journal up to now
        (``catch_up=False``: up to its last entry — a session process keeps that world and
        lets time pass per request)."""
        backend = backend or self.make_backend()
        self.backend = backend
        backend.attach(spec)
        if not backend.persistent:
            self._last = self.info.started
            self.replayed = None
            for entry in self.journal():
                self._catch_up(float(entry.get("t", self._last)))
                if entry.get("op") == "exec":
                    result = backend.exec(
                        str(entry["node"]), list(entry["argv"]), float(entry.get("timeout", 10.0))
                    )
                    self.replayed = (str(entry.get("id", "")), result)
                elif entry.get("op") == "advance":
                    backend.advance(float(entry["seconds"]))
                    self.replayed = None
            if catch_up:
                self._catch_up(time.time())
        return backend

    @contextlib.contextmanager
    def opened(self, spec_of: Callable[[], TopologySpec]) -> Iterator[Backend]:
        """The live backend for one command. When the backend has a session process
        (:meth:`Backend.connect`), its stand-in: that process serialises and journals the
        requests, so nothing is replayed or locked here. Otherwise the topology saved at
        start (else ``spec_of()``) is attached here and the journal replayed, under the
        session lock for the whole command."""
        backend = self.make_backend()
        served = backend.connect()
        if served is not None:
            self.backend = served
            try:
                yield served
            finally:
                served.close()
            return
        with self.locked():
            yield self.open(self.saved_topology() or spec_of(), backend)

    def serve(self) -> None:
        """Start the backend's session process now, if it has one, so that the first
        command finds it running (``v6lab start``)."""
        served = self.make_backend().connect()
        if served is not None:
            served.close()

    @property
    def topology_file(self) -> Path:
        return self.dir / "topology.json"

    def saved_topology(self) -> TopologySpec | None:
        """The topology the session started with (None: none saved, or unreadable)."""
        text = _state_text(self.topology_file, SESSION_BYTES)
        try:
            return topology_from_json(json.loads(text)) if text is not None else None
        except (ValueError, TypeError, KeyError, RecursionError):
            return None

    def _catch_up(self, when: float) -> None:
        gap = when - self._last
        if gap > 0 and self.backend is not None and not self.backend.persistent:
            self.backend.advance(min(gap, MAX_GAP))
        self._last = max(self._last, when)

    def exec(
        self,
        node: str,
        argv: list[str],
        timeout: float = 10.0,
        record: bool = True,
        now: float | None = None,
        request: str = "",
    ) -> CommandResult:
        """Run a command on a node and journal it (replayed later on a simulator).
        ``now`` is when it was asked (default: now); ``request`` an id the journal keeps,
        so a session process that died before answering can answer the retry."""
        assert self.backend is not None, "open() or start() first"
        now = time.time() if now is None else now
        self._catch_up(now)
        result = self.backend.exec(node, argv, timeout)
        if record and not self.backend.keeps_journal:
            entry: dict[str, Any] = {
                "t": now,
                "op": "exec",
                "node": node,
                "argv": argv,
                "timeout": timeout,
            }
            if request:
                entry["id"] = request
            self._record(entry)
        return result

    def advance(self, seconds: float, now: float | None = None) -> None:
        assert self.backend is not None
        self._catch_up(time.time() if now is None else now)
        self.backend.advance(seconds)
        if not self.backend.keeps_journal:
            self._record({"t": self._last, "op": "advance", "seconds": seconds})

    # -- teardown -----------------------------------------------------------------------------
    def teardown(self) -> list[str]:
        """Stop the backend (and, for netns, its crash-safe cleanup); return problems seen."""
        problems: list[str] = []
        backend = self.backend
        if backend is None:
            try:
                backend = self.make_backend()
            except Exception as exc:  # the backend cannot even load: nothing of it runs
                problems.append(str(exc))
        if backend is not None:
            try:
                backend.stop()
            except Exception as exc:
                problems.append(f"{type(exc).__name__}: {exc}")
            problems += _sweep(type(backend), self.info.tag, None, self.dir)
        return problems

    def remove(self) -> None:
        """Forget the session (after teardown)."""
        active = self.root / ACTIVE
        with contextlib.suppress(OSError):
            if (_state_text(active, 4096) or "").strip() == self.info.tag:
                active.unlink()
        shutil.rmtree(self.dir, ignore_errors=True)


def _root_lab_running() -> bool:
    """A netns lab of root's is running while we are not root (the usual missing sudo)."""
    if not hasattr(os, "geteuid") or os.geteuid() == 0:
        return False
    try:
        return any(name.startswith("v6lab-") for name in os.listdir("/run/netns"))
    except OSError:
        return False


def cleanup_leftovers(
    tag: str | None,
    removed: list[str] | None = None,
    workdir: Path | None = None,
    skipped: list[str] | None = None,
) -> list[str]:
    """Every backend's crash-safe cleanup (:meth:`Backend.sweep`) for one session, or with
    ``tag=None`` for every abandoned session of this machine (``v6lab cleanup``). A
    backend that cannot run here (:meth:`Backend.unavailable`: netns without root) is
    passed over and its name appended to ``skipped``. Returns the problems seen; appends
    what was removed to ``removed``."""
    from ._backends import BACKENDS, backend_class

    problems: list[str] = []
    for name in BACKENDS:
        try:
            cls = backend_class(name)
        except Exception:  # a backend that cannot load made nothing to sweep
            continue
        if cls.unavailable():
            if skipped is not None:
                skipped.append(name)
            continue
        problems += _sweep(cls, tag, removed, workdir)
    return problems


def _sweep(
    cls: type[Backend], tag: str | None, removed: list[str] | None, workdir: Path | None
) -> list[str]:
    if cls.unavailable():
        return []
    try:
        names = cls.sweep(tag, workdir)
    except Exception as exc:
        return [f"{cls.name} cleanup: {type(exc).__name__}: {exc}"]
    if removed is not None:
        removed.extend(names)
    return []


def topology_json(spec: TopologySpec) -> dict[str, Any]:
    """A topology as JSON (``topology.json``): what a session process rebuilds."""
    return asdict(spec)


def topology_from_json(data: dict[str, Any]) -> TopologySpec:
    """The topology :func:`topology_json` wrote, with its tuples back (same order: the
    same network)."""
    return TopologySpec(
        name=str(data["name"]),
        nodes=tuple(
            NodeSpec(
                name=str(n["name"]),
                kind=node_kind(str(n["kind"])) or "host",
                sysctls={str(k): str(v) for k, v in n["sysctls"].items()},
                advertise={str(k): dict(v) for k, v in n["advertise"].items()},
            )
            for n in data["nodes"]
        ),
        links=tuple(LinkSpec(tuple(link["a"]), tuple(link["b"])) for link in data["links"]),  # type: ignore[arg-type]
        setup={
            str(node): tuple(tuple(str(a) for a in argv) for argv in commands)
            for node, commands in data["setup"].items()
        },
        programs=tuple(str(p) for p in data["programs"]),
        segments=tuple(
            SegmentSpec(str(seg["name"]), tuple((str(n), str(i)) for n, i in seg["members"]))
            for seg in data.get("segments", ())
        ),
    )
