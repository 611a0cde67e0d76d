"""Questions asked of a plan: how full is a node, what is free in it, what holds X.

Utilisation is counted in units of the child length ("37 of 4,096 /48"), never in
addresses. Free space is computed from a node's children as intervals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from ._errors import AddressError, InputError, PlanError
from ._orders import STRATEGIES
from ._plan import Plan
from ._prefix import format_prefix
from ._sizing import HD_RATIO, hd_ratio, hd_threshold
from ._space import Space, aligned_blocks, cidr_cover, free_gaps

__all__ = [
    "Fold",
    "HDUsage",
    "Level",
    "Usage",
    "fold_siblings",
    "free_blocks",
    "free_of_length",
    "hd_usage",
    "levels",
    "next_free",
    "rollup",
    "usage",
]


@dataclass(frozen=True, slots=True)
class Usage:
    """Direct children of a node counted in units of /unit."""

    used: int
    capacity: int
    unit: int  # the unit's prefix length; 0 when the node has no children

    @property
    def percent(self) -> float:
        return 100.0 * self.used / self.capacity if self.capacity else 0.0

    def __str__(self) -> str:
        if not self.unit:
            return "no children"
        bits = self.capacity.bit_length() - 1
        capacity = f"2^{bits}" if bits > 32 else f"{self.capacity:,}"
        return f"{self.used:,} of {capacity} /{self.unit}, {self.percent:.1f} %"


def _child_intervals(plan: Plan, i: int) -> list[tuple[int, int]]:
    net, plen = plan.net, plan.plen
    return sorted((net[c], net[c] + (1 << (128 - plen[c]))) for c in plan.children(i))


def usage(plan: Plan, i: int) -> Usage:
    """How much of node ``i`` its children take, in units of their (longest) length.

    A grouping node (several top-level blocks, a VRF) holds no block: its usage is that of
    its blocks together, in one unit.
    """
    if plan.is_group(i):
        return _group_usage(plan, plan.top_blocks(i))
    lengths = Counter(plan.plen[c] for c in plan.children(i))
    if not lengths:
        return Usage(0, 0, 0)
    unit = max(max(lengths), plan.plen[i])  # a child bigger than its parent: lint says so
    used = sum(n << (unit - length) for length, n in lengths.items())
    capacity = 1 << (unit - plan.plen[i])
    return Usage(min(used, capacity), capacity, unit)


def _group_usage(plan: Plan, blocks: list[int]) -> Usage:
    parts = [usage(plan, b) for b in blocks]
    unit = max((u.unit for u in parts), default=0)
    if not unit:
        return Usage(0, 0, 0)
    used = sum(u.used << (unit - u.unit) for u in parts if u.unit)
    capacity = sum(1 << (unit - plan.plen[b]) for b in blocks if plan.plen[b] <= unit)
    return Usage(min(used, capacity), capacity, unit)


def rollup(plan: Plan, i: int) -> dict[int, int]:
    """Assignments (non-reserve leaves) anywhere below node ``i``, counted per prefix length."""
    plen, end, kind = plan.plen, plan.end, plan.kind
    reserve = {k for k, kind_ in enumerate(plan.kinds) if kind_.role == "reserve"}
    counts: Counter[int] = Counter()
    for j in range(i + 1, end[i]):
        if end[j] == j + 1 and kind[j] not in reserve:
            counts[plen[j]] += 1
    return dict(sorted(counts.items()))


@dataclass(frozen=True, slots=True)
class HDUsage:
    """RIR view of the whole allocation (RFC 3194 HD-ratio in /unit end-site units)."""

    used: int
    total: int
    unit: int
    ratio: float
    threshold: int

    @property
    def threshold_percent(self) -> float:
        return 100.0 * self.threshold / self.total if self.total else 0.0

    @property
    def reached(self) -> bool:
        return self.used >= self.threshold


def hd_usage(plan: Plan, unit: int | None = None, top: int = 0) -> HDUsage:
    """/unit blocks holding at least one assignment (a non-reserve leaf) under the root.

    The unit is the end site (/48) for an allocation shorter than a /48; inside one end
    site it is the subnet (/64), where the same RFC 3194 measure applies. ``top`` is the
    allocation: the root, or one top-level block of a plan read with several.
    """
    if plan.is_group(top):
        raise PlanError(plan.several_blocks_text(top))
    root_len = plan.plen[top]
    if unit is None:
        unit = 48 if root_len < 48 else 64 if root_len < 64 else 128
    unit = max(unit, root_len)
    shift = 128 - unit
    big = 0
    small: set[int] = set()
    reserve = {k for k, kind in enumerate(plan.kinds) if kind.role == "reserve"}
    net, plen, end, kind = plan.net, plan.plen, plan.end, plan.kind
    i, n = top + 1, end[top]
    while i < n:
        length = plen[i]
        if kind[i] in reserve:
            i = end[i]
            continue
        if length >= unit:  # one unit (or part of one) — count the unit once
            small.add(net[i] >> shift)
            i = end[i]
        elif end[i] == i + 1:  # a leaf larger than a unit: all of it is assigned
            big += 1 << (unit - length)
            i += 1
        else:
            i += 1
    used = big + len(small)
    total = 1 << (unit - root_len)
    return HDUsage(
        used, total, unit, hd_ratio(used, root_len, unit), hd_threshold(root_len, unit, HD_RATIO)
    )


def free_blocks(plan: Plan, i: int) -> Iterator[tuple[int, int]]:
    """Free space of node ``i`` as the fewest aligned blocks, in address order.

    For a grouping node: the free space of each of its blocks, block after block (the
    space between two blocks is nobody's to give).
    """
    if plan.is_group(i):
        for b in plan.top_blocks(i):
            yield from free_blocks(plan, b)
        return
    end = plan.net[i] + (1 << (128 - plan.plen[i]))
    for start, stop in free_gaps(plan.net[i], end, _child_intervals(plan, i)):
        yield from cidr_cover(start, stop)


def _check_length(plan: Plan, i: int, length: int) -> None:
    if not plan.plen[i] < length <= 128:
        raise AddressError(
            f"/{length} does not fit inside {plan.prefix_text(i)}: "
            f"ask for a length from /{plan.plen[i] + 1} to /128"
        )


def free_of_length(
    plan: Plan, i: int, length: int, limit: int | None = None
) -> Iterator[tuple[int, int]]:
    """Every free /length block in node ``i`` (address order, first ``limit``).

    For a grouping node: in each of its blocks that a /length fits in, block after block.
    """
    if plan.is_group(i):
        fits = [b for b in plan.top_blocks(i) if plan.plen[b] < length]
        if not fits:
            raise AddressError(
                f"/{length} fits in none of the top-level blocks of {plan.label(i)}: "
                "ask for a longer prefix"
            )
        return islice((block for b in fits for block in free_of_length(plan, b, length)), limit)
    _check_length(plan, i, length)
    end = plan.net[i] + (1 << (128 - plan.plen[i]))

    def blocks() -> Iterator[tuple[int, int]]:
        for start, stop in free_gaps(plan.net[i], end, _child_intervals(plan, i)):
            for net in aligned_blocks(start, stop, length):
                yield net, length

    return islice(blocks(), limit)


def next_free(plan: Plan, i: int, length: int, strategy: str = "sequential") -> tuple[int, int]:
    """The block a new child of /length would get in node ``i`` (without changing the plan)."""
    if plan.is_group(i):
        raise InputError(f"where should a new /{length} go? {plan.several_blocks_text(i)}")
    _check_length(plan, i, length)
    if strategy not in STRATEGIES:
        raise AddressError(f"unknown order {strategy!r}; use one of {', '.join(STRATEGIES)}")
    space = Space(plan.net[i], plan.plen[i])
    for start, stop in _child_intervals(plan, i):
        space._starts.append(start)
        space._ends.append(stop)
    try:
        return space.take(length, 1, strategy)[0], length
    except PlanError:
        raise PlanError(
            f"no free /{length} left in {format_prefix(plan.net[i], plan.plen[i])}"
        ) from None


@dataclass(frozen=True, slots=True)
class Level:
    """One depth of the plan: how many nodes, of which sizes, how full on average."""

    depth: int
    nodes: int
    lengths: dict[int, int]  # prefix length -> nodes of that length
    roles: dict[str, int]


def levels(plan: Plan) -> list[Level]:
    """Per-depth counts of nodes, lengths and roles (one pass over the columns)."""
    by_depth: dict[int, tuple[Counter[int], Counter[str]]] = {}
    roles = [k.role for k in plan.kinds]
    group = plan.group_kinds()
    pairs = Counter(zip(plan.depth, plan.plen, plan.kind))
    for (depth, length, kind), n in sorted(pairs.items()):
        if depth == 0 or group[kind]:
            continue
        lengths, role_count = by_depth.setdefault(depth, (Counter(), Counter()))
        lengths[length] += n
        role_count[roles[kind] or "—"] += n
    return [
        Level(
            d, sum(lengths.values()), dict(sorted(lengths.items())), dict(role_count.most_common())
        )
        for d, (lengths, role_count) in sorted(by_depth.items())
    ]


@dataclass(frozen=True, slots=True)
class Fold:
    """A run of like siblings left out of a tree: ``count`` nodes from first to last."""

    first: int
    last: int
    count: int
    depth: int


def fold_siblings(
    plan: Plan, kids: list[int], longer_than: int, keep_last: bool = True
) -> list[int | Fold]:
    """Siblings to show, with each run of more than ``longer_than`` of one kind cut to its
    first three, a :class:`Fold`, and (``keep_last``) its last one; 0 folds nothing.

    A million-node plan stays a tree a person can read (the CLI, the reports)."""
    out: list[int | Fold] = []
    kind = plan.kind
    n = 0
    while n < len(kids):
        m = n
        while m + 1 < len(kids) and kind[kids[m + 1]] == kind[kids[n]]:
            m += 1
        run = kids[n : m + 1]
        if longer_than and len(run) > longer_than:
            tail = run[-1:] if keep_last else []
            folded = run[3 : len(run) - len(tail)]
            out += [
                *run[:3],
                Fold(folded[0], folded[-1], len(folded), plan.depth[folded[0]]),
                *tail,
            ]
        else:
            out += run
        n = m + 1
    return out
