"""The difference between the plan and what an IPAM holds: pure functions over plain records.

Nothing here knows HTTP or a server's field names: a dialect (``_nautobot``, ``_netbox``)
reads the server into :class:`Held` records and the plan into :class:`Record` s with the
same field names, references to other objects by name. Then:

- an object v6plan manages carries a *marker* (a custom field, ``OWNER PATH``: the plan's
  root prefix and the node's path); only objects whose marker names this plan's owner are
  ever updated or removed. Anything else — made by hand, or by the sync of another plan —
  is left exactly as it is, even when its key is one the plan wants (``foreign``);
- roles, tags and RIRs are a shared vocabulary: created when missing, never changed or removed;
- ``apply`` is what a server does with the changes, for the property tests: a diff after an
  apply is empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

__all__ = [
    "ACTIONS",
    "ORDER",
    "SHARED",
    "Action",
    "Change",
    "Held",
    "Kind",
    "Record",
    "Value",
    "apply",
    "diff",
    "owner_of",
    "writes",
]

Kind = Literal[
    "tag",
    "role",
    "rir",
    "tenant",
    "aggregate",
    "site",
    "vlan-group",
    "vlan",
    "prefix",
    "ip-address",
]
#: Dependency order: each kind refers only to kinds before it. Removal runs backwards.
ORDER: tuple[Kind, ...] = get_args(Kind)
#: The vocabulary other objects use: created when missing, never updated nor pruned.
SHARED: frozenset[Kind] = frozenset({"tag", "role", "rir"})

Value = str | int | bool | None | tuple[str, ...]

Action = Literal["create", "update", "unchanged", "foreign", "prune", "extra", "other"]
#: What each action means, in the order the table shows them.
ACTIONS: dict[Action, str] = {
    "create": "to create",
    "update": "to update",
    "unchanged": "unchanged",
    "foreign": "in the plan, held by hand or by another plan: left as it is",
    "prune": "managed, left the plan: removed (--prune)",
    "extra": "managed, left the plan: kept (--prune removes it)",
    "other": "in the IPAM, not in the plan, not managed: left as it is",
}


@dataclass(frozen=True)
class Record:
    """One object the plan wants: its kind, its key (unique per kind), its fields."""

    kind: Kind
    key: str
    fields: Mapping[str, Value]
    marker: str = ""  # "OWNER PATH" for managed kinds, "" for the shared vocabulary


@dataclass(frozen=True)
class Held:
    """One object the IPAM holds, read back into the plan's field names."""

    kind: Kind
    key: str
    fields: Mapping[str, Value]
    id: str
    marker: str | None = None  # None: no marker (not made by v6plan)


@dataclass(frozen=True)
class Change:
    """What to do with one object (``fields``: all of them to create, the changed ones to
    update; ``old``: their values in the IPAM)."""

    action: Action
    kind: Kind
    key: str
    fields: Mapping[str, Value] = field(default_factory=dict)
    old: Mapping[str, Value] = field(default_factory=dict)
    marker: str | None = None
    id: str | None = None


def owner_of(marker: str | None) -> str | None:
    """The plan a marker names (its first word), or None for an object without one."""
    if not marker:
        return None
    return marker.split(" ", 1)[0]


def _same(a: Value, b: Value) -> bool:
    """Servers write "" where the plan has nothing, and keep tags as a set."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return sorted(a) == sorted(b)
    return (a if a not in (None, "") else None) == (b if b not in (None, "") else None)


def _prune_key(change: Change) -> tuple[int, int, str]:
    """Removal order: kinds backwards; longest prefixes first (a parent outlives its
    children, and Nautobot refuses to leave an IP address without a parent prefix)."""
    length = int(change.key.rsplit("/", 1)[1]) if "/" in change.key else 0
    return (-ORDER.index(change.kind), -length, change.key)


def diff(
    desired: Iterable[Record], held: Iterable[Held], owner: str, *, prune: bool = False
) -> list[Change]:
    """Every change, creations and updates in dependency order (the plan's order within a
    kind: parents first), then removals children first. Pure: reads nothing, sends nothing."""
    ours: dict[tuple[Kind, str], Held] = {}
    theirs: dict[tuple[Kind, str], Held] = {}
    twins: list[Held] = []  # a second managed object with one key: left the plan as well
    for h in held:
        where = ours if owner_of(h.marker) == owner or h.kind in SHARED else theirs
        if (h.kind, h.key) in where and where is ours and h.kind not in SHARED:
            twins.append(h)
        where.setdefault((h.kind, h.key), h)
    wanted: dict[tuple[Kind, str], Record] = {}
    for r in desired:
        wanted.setdefault((r.kind, r.key), r)
    out: list[Change] = []
    for kind in ORDER:
        for (k, key), r in wanted.items():
            if k == kind:
                out.append(_compare(r, ours.get((k, key)), theirs.get((k, key))))
    gone: list[Change] = []
    for (kind, key), h in ours.items():
        if kind in SHARED or (kind, key) in wanted:
            continue
        gone.append(Change("prune" if prune else "extra", kind, key, old=h.fields, id=h.id))
    for h in twins:
        gone.append(Change("prune" if prune else "extra", h.kind, h.key, old=h.fields, id=h.id))
    gone.sort(key=_prune_key)
    others = [
        Change("other", kind, key, old=h.fields, marker=h.marker, id=h.id)
        for (kind, key), h in theirs.items()
        if kind not in SHARED and (kind, key) not in wanted
    ]
    return out + gone + others


def _compare(r: Record, mine: Held | None, other: Held | None) -> Change:
    if mine is None:
        if other is not None:
            return Change("foreign", r.kind, r.key, old=other.fields, marker=other.marker)
        return Change("create", r.kind, r.key, fields=r.fields, marker=r.marker or None)
    if r.kind in SHARED:
        return Change("unchanged", r.kind, r.key, id=mine.id)
    new = {f: v for f, v in r.fields.items() if not _same(v, mine.fields.get(f))}
    old = {f: mine.fields.get(f) for f in new}
    if r.marker != (mine.marker or ""):
        return Change("update", r.kind, r.key, new, old, marker=r.marker, id=mine.id)
    if new:
        return Change("update", r.kind, r.key, new, old, id=mine.id)
    return Change("unchanged", r.kind, r.key, id=mine.id)


def writes(changes: Iterable[Change]) -> int:
    """How many objects the changes write (creations, updates, removals)."""
    return sum(c.action in ("create", "update", "prune") for c in changes)


def apply(held: Iterable[Held], changes: Iterable[Change]) -> list[Held]:
    """What a server holds after the changes: the model the property tests check against."""
    state = {h.id: h for h in held}
    n = len(state)
    for c in changes:
        if c.action == "create":
            n += 1
            new_id = f"new-{n}"
            state[new_id] = Held(c.kind, c.key, dict(c.fields), new_id, c.marker)
        elif c.action == "update" and c.id is not None:
            h = state[c.id]
            marker = c.marker if c.marker is not None else h.marker
            state[c.id] = Held(h.kind, h.key, {**h.fields, **c.fields}, h.id, marker)
        elif c.action == "prune" and c.id is not None:
            del state[c.id]
    return list(state.values())
