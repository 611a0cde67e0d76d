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


#: A slot is a block's number inside its parent: below 2**128 whatever the lengths.
_SLOT_LIMIT = 1 << 128
_LOCK_HINT = (
    "restore it from version control, or delete it to re-plan from scratch (blocks may move)"
)


def _run(run: object, where: str) -> tuple[int | None, int]:
    """One lock entry as ``(first slot, count)``; ``(None, 1)`` for a retired instance."""
    if run is None:
        return None, 1
    if isinstance(run, int) and not isinstance(run, bool) and 0 <= run < _SLOT_LIMIT:
        return run, 1
    if (
        isinstance(run, list)
        and len(run) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in run)
        and run[0] + run[1] <= _SLOT_LIMIT
    ):
        return run[0], run[1]
    flat = not isinstance(run, (list, dict)) or (
        isinstance(run, list)
        and len(run) <= 4
        and all(not isinstance(x, (list, dict)) for x in run)
    )
    shown = repr(run) if flat else f"a {type(run).__name__} of {len(run)}"  # type: ignore[arg-type]
    shown = shown if len(shown) <= 60 else shown[:57] + "…"
    raise LockError(
        f"{where}: slot entry {shown} is not a slot number, [first, count] or null — {_LOCK_HINT}"
    )


def count_slots(runs: list[object], where: str) -> int:
    """How many slots ``runs`` holds, each entry checked, nothing expanded."""
    return sum(_run(run, where)[1] for run in runs)


def expand(runs: list[object], where: str, limit: int | None = None) -> Slots:
    """The slots of ``runs``, at most ``limit`` of them (a group never needs more slots than
    the spec makes siblings: a lock run ``[0, 10**15]`` must not become a list)."""
    slots: Slots = []
    for run in runs:
        room = _SLOT_LIMIT if limit is None else limit - len(slots)
        if room <= 0:
            break
        first, count = _run(run, where)
        if first is None:
            slots.append(None)
        else:
            slots.extend(range(first, first + min(count, room)))
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
    #: The text :meth:`read` parsed ("" for a lock made in memory): `plan` compares it with
    #: the new lock instead of reading the file a second time.
    text: str = field(default="", compare=False, repr=False)

    def slots(self, parent: str, name: str, limit: int | None = None) -> tuple[int, Slots] | None:
        """The group's length and its first ``limit`` slots (all without a limit)."""
        entry = self.groups.get((parent, name))
        if entry is None:
            return None
        return entry[0], expand(entry[1], f"lock group {parent or '/'}: {name}", limit)

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
        lock = cls.parse(text, str(path))
        lock.text = text
        return lock

    @classmethod
    def parse(cls, text: str, where: str = "<lock>") -> Lock:
        """A lock from its text; every entry is checked and the slots it holds counted
        (at most :data:`~v6plan._limits.PLAN_NODES` in all) before anything is expanded."""
        hint = _LOCK_HINT
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise LockError(
                f"{where}: the lock file is not valid JSON ({reason}) — {hint}"
            ) from None
        if not isinstance(data, dict) or data.get("v6plan-lock") != LOCK_VERSION:
            raise LockError(f"{where}: not a v6plan lock file (version {LOCK_VERSION}) — {hint}")
        spec, prefix = data.get("spec", ""), data.get("prefix")
        if not isinstance(spec, str) or not isinstance(prefix, str):
            raise LockError(f"{where}: 'spec' and 'prefix' must be text — {hint}")
        lock = cls(spec=spec)
        try:
            lock.prefix = parse_prefix(prefix)
        except AddressError as exc:
            raise LockError(f"{where}: bad 'prefix' in the lock file ({exc}) — {hint}") from None
        parents = data.get("parents")
        if not isinstance(parents, dict):
            raise LockError(f"{where}: 'parents' is missing — {hint}")
        total = 0
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
                    or isinstance(entry[0], bool)
                    or not 0 <= entry[0] <= 128
                    or not isinstance(entry[1], list)
                ):
                    raise LockError(f"{where}: {parent}: {name!r} must be [length, slots] — {hint}")
                total += count_slots(entry[1], f"{where}: {parent}: {name!r}")
                if total > PLAN_NODES:
                    raise LockError(
                        f"{where}: the lock holds more than {PLAN_NODES:,} slots (at {parent}: "
                        f"{name!r}), more than any plan can have — {hint}"
                    )
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
