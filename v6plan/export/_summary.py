"""What the reports (Markdown and HTML) show, computed once from the plan's columns.

Capacity is counted per level in units of the child length ("25 of 256 /40"), a nibble map
shows a block's 256 sub-blocks at +8 bits, and the tree folds long runs of like siblings
so a million-node plan still makes a document a person can read (``fold=0`` shows all).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from .._plan import Plan
from .._query import Fold, fold_siblings, usage
from .._request import REQUEST_YEARS, Projection, project, top_templates
from . import ExportOptions

__all__ = [
    "FREE",
    "PARTIAL",
    "RESERVED",
    "USED",
    "Fold",
    "LevelCapacity",
    "MapCell",
    "NibbleMap",
    "capacity_levels",
    "map_nodes",
    "nibble_map",
    "report_settings",
    "request_fit",
    "request_when",
    "rir_request",
    "rir_request_text",
    "tree_rows",
]

FREE, PARTIAL, USED, RESERVED = "free", "partial", "used", "reserved"


@dataclass(frozen=True, slots=True)
class LevelCapacity:
    """Children at ``depth`` counted in their parents, for one child unit."""

    depth: int
    unit: int  # the child unit: /unit
    parents: int
    children: int
    capacity: int  # in /unit units, summed over the parents
    used: int
    tightest: int  # the parent with the least free units
    tightest_free: int
    tightest_percent: float

    @property
    def free(self) -> int:
        return self.capacity - self.used

    @property
    def percent(self) -> float:
        return 100.0 * self.used / self.capacity if self.capacity else 0.0


def rir_request(plan: Plan, top: int = 0) -> list[Projection]:
    """The RIR request section: the block the plan needs now and after each of
    :data:`REQUEST_YEARS` (none for a part of a plan, or a plan read from data)."""
    tops = top_templates(plan) if top == 0 else None
    if not tops:
        return []
    return [project(tops, years, plan.horizon) for years in (0, *REQUEST_YEARS)]


def request_when(row: Projection) -> str:
    return "today" if row.years == 0 else f"in {row.years} years"


def request_fit(plan: Plan, row: Projection) -> str:
    """A row against the allocation held: it fits, or how many times bigger it must be."""
    held = plan.plen[0]
    if row.length >= held:
        return f"fits the /{held}"
    return f"{1 << (held - row.length):,} × the /{held}: ask for a /{row.length}"


def rir_request_text(plan: Plan) -> str:
    """How the RIR request rows are reckoned, said once for both reports."""
    return (
        f"The space the plan needs as it grows: each level's growth factor is reached at the "
        f"plan's horizon of {plan.horizon} years (the spec's defaults: horizon) and compounds until "
        "then; every end site gets at least a /48 (RIPE-690) and every level keeps the "
        "sizing's 25 % headroom. An RIR measures use with the HD-ratio (RFC 3194): at 0.94 a "
        f"block counts as used. The plan holds a /{plan.plen[0]} today."
    )


def capacity_levels(plan: Plan, top: int = 0) -> list[LevelCapacity]:
    """Per child depth and unit: capacity, use and the parent with the least headroom."""
    acc: dict[tuple[int, int], list[int]] = {}
    end, depth, plen = plan.end, plan.depth, plan.plen
    for p in range(top, end[top]):
        if end[p] == p + 1:
            continue
        lengths = Counter(plen[c] for c in plan.children(p))
        unit = max(lengths)
        capacity = 1 << (unit - plen[p])
        used = min(capacity, sum(n << (unit - length) for length, n in lengths.items()))
        free = capacity - used
        key = (depth[p] + 1, unit)
        row = acc.get(key)
        if row is None:
            acc[key] = [1, sum(lengths.values()), capacity, used, p, free]
        else:
            row[0] += 1
            row[1] += sum(lengths.values())
            row[2] += capacity
            row[3] += used
            if free < row[5]:
                row[4], row[5] = p, free
    out = []
    for (d, unit), (parents, children, capacity, used, tight, tight_free) in sorted(acc.items()):
        out.append(
            LevelCapacity(
                d,
                unit,
                parents,
                children,
                capacity,
                used,
                tight,
                tight_free,
                usage(plan, tight).percent,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class MapCell:
    state: str
    label: str  # the child that (first) covers the cell, or ''


@dataclass(frozen=True, slots=True)
class NibbleMap:
    node: int
    cell_length: int
    cells: list[MapCell]  # 256 cells, or fewer for blocks longer than /120


def nibble_map(plan: Plan, i: int) -> NibbleMap:
    """Node ``i``'s 256 sub-blocks of /(len+8): free, partly used, used or reserved."""
    base, length = plan.net[i], plan.plen[i]
    cell_length = min(length + 8, 128)
    count = 1 << (cell_length - length)
    shift = 128 - cell_length
    states = [FREE] * count
    labels = [""] * count
    kinds, kind, net, plen = plan.kinds, plan.kind, plan.net, plan.plen
    for c in plan.children(i):
        start = (net[c] - base) >> shift
        size = 1 << (128 - plen[c])
        reserve = kinds[kind[c]].role == "reserve"
        if plen[c] <= cell_length:
            stop = start + (size >> shift)
            full = RESERVED if reserve else USED
            # a container whose own children leave room is still "used" at this scale
            for cell in range(start, min(stop, count)):
                states[cell] = full
                if not labels[cell]:
                    labels[cell] = plan.name[c]
        else:
            if states[start] == FREE:
                states[start] = RESERVED if reserve else PARTIAL
            if not labels[start]:
                labels[start] = plan.name[c]
    cells = [MapCell(s, n) for s, n in zip(states, labels)]
    return NibbleMap(i, cell_length, cells)


def map_nodes(plan: Plan, top: int, limit: int) -> list[int]:
    """The node itself, then its first ``limit`` children that have children."""
    out = [top]
    if plan.plen[top] >= 120:
        return []
    for c in plan.children(top):
        if len(out) > limit:
            break
        if plan.end[c] > c + 1 and plan.plen[c] < 120:
            out.append(c)
    return out


def tree_rows(plan: Plan, top: int, max_depth: int, fold: int) -> Iterator[int | Fold]:
    """Node indexes in tree order, with long runs of same-kind siblings folded."""
    base = plan.depth[top]

    def visit(i: int) -> Iterator[int | Fold]:
        yield i
        if max_depth and plan.depth[i] - base >= max_depth:
            return
        if plan.end[i] == i + 1:
            return
        for item in fold_siblings(plan, list(plan.children(i)), fold):
            if isinstance(item, Fold):
                yield item
            else:
                yield from visit(item)

    yield from visit(top)


def report_settings(options: ExportOptions) -> tuple[int, int, int]:
    """``(depth, fold, maps)`` from the settings (depth 0 = all levels)."""
    depth_text = options.get("depth", "")
    depth = 0 if depth_text in ("", "all") else options.number("depth", 0, 1, 128)
    fold = options.number("fold", 8, 0, 1 << 24)
    if fold and fold < 5:
        fold = 5  # first three, the fold, the last one: shorter runs show whole
    maps = options.number("maps", 8, 0, 256)
    return depth, fold, maps
