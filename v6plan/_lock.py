"""The lock file: what keeps a plan stable when its spec changes.

For each group of siblings (one spec node under one parent) the lock records the
slot each sibling holds inside its parent. Slots are relative to the parent, so a
renumbered allocation keeps the plan's shape. Runs of consecutive slots are stored
as ``[first, count]``, which keeps a million-prefix plan's lock a few kilobytes:
per-prefix records would cost seconds to read (see planning-rules.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ._errors import AddressError, LockError
from ._io import ReadError, note_input, read_input
from ._limits import LOCK_BYTES, PLAN_NODES
from ._prefix import format_prefix, parse_prefix

__all__ = ["LOCK_VERSION", "Lock", "lock_path_for"]

LOCK_VERSION = 1
MAX_LOCK_BYTES = LOCK_BYTES
Slots = list[int | None]


def lock_path_for(spec_path: str | Path) -> Path:
    """``plans/gov.yaml`` → ``plans/gov.lock.json`` (committed beside the spec)."""
    path = Path(spec_path)
    return path.with_name(path.stem + ".lock.json")


def compress(slots: Slots) -> list[object]:
    """``[0, 1, 2, 7, None]`` → ``[[0, 3], 7, None]``."""
    n = len(slots)
    if n and slots[0] is not None and slots == list(range(slots[0], slots[0] + n)):  # type: ignore[operator]
        return [[slots[0], n]] if n > 1 else [slots[0]]
    out: list[object] = []
    i = 0
    while i < n:
        s = slots[i]
        j = i + 1
        if s is not None:
            while j < n and slots[j] == s + (j - i):
                j += 1
        out.append([s, j - i] if j - i > 1 else s)
        i = j
    return out


def expand(runs: list[object], where: str) -> Slots:
    slots: Slots = []
    for run in runs:
        if run is None or (isinstance(run, int) and not isinstance(run, bool) and run >= 0):
            slots.append(run)
        elif (
            isinstance(run, list)
            and len(run) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in run)
        ):
            slots.extend(range(run[0], run[0] + run[1]))
        else:
            raise LockError(
                f"{where}: slot entry {run!r} is not a slot number, [first, count] or null — "
                "restore the lock from version control, or delete it to re-plan from scratch"
            )
    return slots


@dataclass
class Lock:
    """Slots per sibling group, keyed by (parent path, spec node name).

    On disk, groups are listed per parent — ``"health/site-3": {"users": [52, [2]]}`` —
    one line per parent, sorted, so a review diff shows what moved in where.
    """

    prefix: tuple[int, int] | None = None
    groups: dict[tuple[str, str], tuple[int, list[object]]] = field(default_factory=dict)
    spec: str = ""

    def slots(self, parent: str, name: str) -> tuple[int, Slots] | None:
        entry = self.groups.get((parent, name))
        if entry is None:
            return None
        return entry[0], expand(entry[1], f"lock group {parent or '/'}: {name}")

    @classmethod
    def read(cls, path: str | Path) -> Lock | None:
        """The lock at ``path``, or None when there is none yet."""
        note_input(path, "lock file")
        try:
            data = read_input(path, what="lock", limit=MAX_LOCK_BYTES)
        except ReadError as exc:
            if exc.missing:
                return None
            raise LockError(str(exc)) from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise LockError(
                f"{path}: the lock file is not UTF-8 text — restore it from version control, "
                "or delete it to re-plan from scratch (blocks may move)"
            ) from None
        return cls.parse(text, str(path))

    @classmethod
    def parse(cls, text: str, where: str = "<lock>") -> Lock:
        hint = "restore it from version control, or delete it to re-plan from scratch (blocks may move)"
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise LockError(f"{where}: the lock file is not valid JSON ({exc}) — {hint}") from None
        if not isinstance(data, dict) or data.get("v6plan-lock") != LOCK_VERSION:
            raise LockError(f"{where}: not a v6plan lock file (version {LOCK_VERSION}) — {hint}")
        lock = cls(spec=str(data.get("spec", "")))
        try:
            lock.prefix = parse_prefix(str(data["prefix"]))
        except (KeyError, AddressError) as exc:
            raise LockError(f"{where}: bad 'prefix' in the lock file ({exc}) — {hint}") from None
        parents = data.get("parents")
        if not isinstance(parents, dict):
            raise LockError(f"{where}: 'parents' is missing — {hint}")
        for parent, groups in parents.items():
            if not isinstance(groups, dict):
                raise LockError(
                    f"{where}: parent {parent!r} must map names to [length, slots] — {hint}"
                )
            for name, entry in groups.items():
                if (
                    not isinstance(entry, list)
                    or len(entry) != 2
                    or not isinstance(entry[0], int)
                    or not 0 <= entry[0] <= 128
                    or not isinstance(entry[1], list)
                ):
                    raise LockError(f"{where}: {parent}: {name!r} must be [length, slots] — {hint}")
                expand(entry[1], f"{where}: {parent}: {name!r}")  # validate early
                lock.groups[("" if parent == "/" else parent, name)] = (entry[0], entry[1])
        return lock

    def dumps(self) -> str:
        """Stable text: parents sorted, one per line, so diffs in review stay small."""
        assert self.prefix is not None
        by_parent: dict[str, dict[str, list[object]]] = {}
        for (parent, name), (length, runs) in self.groups.items():
            by_parent.setdefault(parent or "/", {})[name] = [length, runs]
        lines = [
            "{",
            f'  "v6plan-lock": {LOCK_VERSION},',
            f'  "spec": {json.dumps(self.spec)},',
            f'  "prefix": "{format_prefix(*self.prefix)}",',
            '  "parents": {',
        ]
        items = sorted(by_parent.items())
        for n, (parent, groups) in enumerate(items):
            comma = "," if n < len(items) - 1 else ""
            body = json.dumps(dict(sorted(groups.items())), separators=(", ", ": "))
            lines.append(f"    {json.dumps(parent)}: {body}{comma}")
        lines += ["  }", "}", ""]
        return "\n".join(lines)
