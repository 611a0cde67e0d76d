"""What the explorer shows, computed from the plan's columns (no Textual here).

Every view is built on demand for the part of the plan on screen: the rows under one
expanded tree node (at most 16, through nibble grouping levels), one page of a
children table, one 16×16 nibble map. Nothing is built per prefix for the whole plan;
children lists are sorted once per node and kept in a small cache.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from itertools import islice, pairwise
from typing import Any

from .._plan import Plan
from .._prefix import expand_address, format_address, format_prefix
from .._query import Usage, free_blocks, usage
from .._space import cidr_cover

__all__ = [
    "DIRECT_MAX",
    "DIRECT_ROWS",
    "MAX_ROWS",
    "Cell",
    "Kids",
    "PlanDiff",
    "PlanView",
    "Row",
    "Segment",
    "bar",
    "block_count",
    "block_text",
    "name_range",
    "plan_diff",
]

#: The most rows a grouped tree level shows: the children are split by the next nibble.
MAX_ROWS = 16
#: Up to this many named children are listed directly (with their free runs), ungrouped:
#: a level of 25 ministries reads better as 25 rows than as two nibble groups.
DIRECT_MAX = 32
#: The most rows a directly listed level may have (children and free runs between them).
DIRECT_ROWS = 48


@dataclass(frozen=True, slots=True)
class Row:
    """One tree row: a plan node, a nibble group of its siblings, or a free run."""

    kind: str  # "node" | "group" | "free"
    parent: int  # the plan node this row belongs under (-1 for the root row)
    index: int  # the plan node of a "node" row, else -1
    start: int  # address range [start, end)
    end: int
    nodes: int = 0  # plan children inside a "group"

    @property
    def length(self) -> int:
        """Prefix length of the range (exact for nodes and groups; free runs: the span)."""
        return 128 - ((self.end - self.start).bit_length() - 1)


@dataclass(frozen=True, slots=True)
class Kids:
    """Children of one node in address order (parallel lists)."""

    starts: list[int]
    ends: list[int]
    index: list[int]
    unit: int  # the longest child length (usage unit); 0 without children


@dataclass(frozen=True, slots=True)
class Cell:
    """One square of the nibble map: a /length block under the selected node."""

    start: int
    length: int
    state: str  # "outside" | "free" | "used" | "partial" | "reserved"
    fraction: float  # part of the cell covered by children (0..1)
    holder: int  # the child covering or starting in the cell (-1: none)
    #: How full the covering child is (its own utilisation; 1.0 for a leaf).
    use: float = 0.0
    #: Children starting in or covering the cell, and the last of them.
    count: int = 0
    last: int = -1
    #: The cell lies inside one child that holds children of its own (a pool that can fill
    #: up): only then is its fullness a warning. Cells of leaves (LANs, hosts) are neutral.
    pool: bool = False


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of bits of an address owned by one level of the plan."""

    first: int  # first bit (0 = most significant)
    stop: int  # one past the last bit
    depth: int  # plan depth owning these bits (0 = the allocation); -1 = interface id
    label: str


def block_text(start: int, end: int) -> str:
    """A range as its one prefix, or as ``first – last (N blocks)``."""
    blocks = list(islice(cidr_cover(start, end), 3))
    if len(blocks) == 1:
        return format_prefix(*blocks[0])
    more = sum(1 for _ in cidr_cover(start, end))
    return f"{format_prefix(*blocks[0])} +{more - 1}"


def block_count(start: int, end: int) -> int:
    """How many CIDR blocks the range ``[start, end)`` takes (a free run may need several)."""
    return sum(1 for _ in cidr_cover(start, end))


def name_range(first: str, last: str, *, compact: bool = False) -> str:
    """``site-1 … site-16``; compact: ``servers-1…16`` when the names share a stem."""
    if first == last:
        return first
    if compact:
        stem = first.rstrip("0123456789")
        if stem and stem != first and last.startswith(stem) and last[len(stem) :].isdigit():
            return f"{first}…{last[len(stem) :]}"
        return f"{first}…{last}"
    return f"{first} … {last}"


def count_text(n: int) -> str:
    bits = n.bit_length() - 1
    return f"2^{bits}" if n > 1 << 32 and n == 1 << bits else f"{n:,}"


_EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(fraction: float, width: int) -> str:
    """A utilisation bar of ``width`` cells with eighth-cell resolution."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    if fraction > 0 and eighths == 0:
        eighths = 1  # something used never looks empty
    full, part = divmod(eighths, 8)
    text = "█" * full + (_EIGHTHS[part] if part else "")
    return text.ljust(width, "·")[:width]


class PlanView:
    """Cached, on-demand views of one plan for the explorer."""

    def __init__(self, plan: Plan, cache: int = 512) -> None:
        self.plan = plan
        self._kids: OrderedDict[int, Kids] = OrderedDict()
        self._usage: OrderedDict[int, Usage] = OrderedDict()
        self._items: OrderedDict[int, list[tuple[int, int, int]]] = OrderedDict()
        self._cache = cache
        self.reserve_kinds = frozenset(
            k for k, kind in enumerate(plan.kinds) if kind.role == "reserve"
        )

    # -- children ----------------------------------------------------------------------
    def kids(self, i: int) -> Kids:
        found = self._kids.get(i)
        if found is not None:
            self._kids.move_to_end(i)
            return found
        plan = self.plan
        net, plen = plan.net, plan.plen
        idx = list(plan.children(i))
        if any(net[a] > net[b] for a, b in pairwise(idx)):
            idx.sort(key=net.__getitem__)
        starts = [net[c] for c in idx]
        ends = [net[c] + (1 << (128 - plen[c])) for c in idx]
        unit = max((plen[c] for c in idx), default=0)
        found = Kids(starts, ends, idx, unit)
        self._remember(self._kids, i, found)
        return found

    def _remember(self, cache: OrderedDict[int, Any], key: int, value: Any) -> None:
        cache[key] = value
        if len(cache) > self._cache:
            cache.popitem(last=False)

    def has_children(self, i: int) -> bool:
        return self.plan.end[i] > i + 1

    def usage(self, i: int) -> Usage:
        found = self._usage.get(i)
        if found is None:
            found = usage(self.plan, i)
            self._remember(self._usage, i, found)
        return found

    def span(self, i: int) -> tuple[int, int]:
        net = self.plan.net[i]
        return net, net + (1 << (128 - self.plan.plen[i]))

    # -- tree rows ---------------------------------------------------------------------
    def root_row(self) -> Row:
        start, end = self.span(0)
        return Row("node", -1, 0, start, end)

    def rows(self, row: Row) -> list[Row]:
        """The rows shown when ``row`` is expanded.

        Up to :data:`DIRECT_MAX` children are listed as they are; more are grouped by the
        next hex digit into at most :data:`MAX_ROWS` rows. A level that would hold a single
        group (the rest free) is skipped: the group's own rows are shown in its place.
        """
        if row.kind != "free" and self.plan.is_group(
            row.parent if row.kind == "group" else row.index
        ):
            return self._group_rows(row)
        if row.kind == "node":
            parent, (lo, hi) = row.index, self.span(row.index)
        elif row.kind == "group":
            parent, lo, hi = row.parent, row.start, row.end
        else:
            return []
        kids = self.kids(parent)
        a = bisect_left(kids.starts, lo)
        b = bisect_left(kids.starts, hi)
        if b - a <= DIRECT_MAX:
            direct = self._direct(parent, kids, a, b, lo, hi)
            if len(direct) <= DIRECT_ROWS:
                return direct
        return self._flatten(self._grouped(parent, kids, a, b, lo, hi))

    def _flatten(self, rows: list[Row]) -> list[Row]:
        """Replace a lone group by its own rows while the level stays within MAX_ROWS."""
        while True:
            groups = [n for n, r in enumerate(rows) if r.kind == "group"]
            if len(groups) != 1:
                return rows
            n = groups[0]
            inner = self.rows(rows[n])
            if len(rows) - 1 + len(inner) > MAX_ROWS + 2:  # two free runs merge below
                return rows
            merged: list[Row] = []
            for r in rows[:n] + inner + rows[n + 1 :]:
                if merged and r.kind == "free" and merged[-1].kind == "free":
                    last = merged.pop()
                    r = Row("free", r.parent, -1, last.start, r.end)
                merged.append(r)
            if len(merged) > MAX_ROWS:
                return rows
            rows = merged

    def group_names(self, row: Row) -> tuple[str, str]:
        """The names of the first and last child inside a group row."""
        kids = self.kids(row.parent)
        a = bisect_left(kids.starts, row.start)
        b = bisect_left(kids.starts, row.end)
        if b <= a:
            return "", ""
        name = self.plan.name
        return name[kids.index[a]], name[kids.index[b - 1]]

    def packed(self, i: int) -> bool:
        """Node ``i`` is sized by its children: full by design, never a warning."""
        template = self.plan.kinds[self.plan.kind[i]].template
        if template is None or i == 0:
            return False
        from .._spec import DEFAULT_SIZES

        return (
            template.prefix is None
            and template.size is None
            and (template.role not in DEFAULT_SIZES)
        )

    def _group_rows(self, row: Row) -> list[Row]:
        """Under a grouping node (a file's several blocks, a VRF): its VRFs, then its blocks —
        no free runs: the space between two blocks is nobody's."""
        plan = self.plan
        parent = row.index if row.kind == "node" else row.parent
        kids = self.kids(parent)
        out: list[Row] = []
        blocks = Kids([], [], [], kids.unit)
        for start, end, c in zip(kids.starts, kids.ends, kids.index):
            if plan.is_group(c):
                if row.kind == "node":
                    out.append(Row("node", parent, c, 0, 1 << 128))
            else:
                blocks.starts.append(start)
                blocks.ends.append(end)
                blocks.index.append(c)
        lo, hi = (0, 1 << 128) if row.kind == "node" else (row.start, row.end)
        a = bisect_left(blocks.starts, lo)
        b = bisect_left(blocks.starts, hi)
        found = self._direct(parent, blocks, a, b, lo, hi)
        if len(found) > MAX_ROWS:
            found = self._grouped(parent, blocks, a, b, lo, hi)
        return out + [r for r in found if r.kind != "free"]

    def _direct(self, parent: int, kids: Kids, a: int, b: int, lo: int, hi: int) -> list[Row]:
        out: list[Row] = []
        cursor = lo
        for k in range(a, b):
            start, end = kids.starts[k], kids.ends[k]
            if start > cursor:
                out.append(Row("free", parent, -1, cursor, start))
            out.append(Row("node", parent, kids.index[k], start, end))
            cursor = max(cursor, end)
        if cursor < hi:
            out.append(Row("free", parent, -1, cursor, hi))
        return out

    def _grouped(self, parent: int, kids: Kids, a: int, b: int, lo: int, hi: int) -> list[Row]:
        """Split ``[lo, hi)`` at the next nibble boundary into ≤ 16 parts."""
        length = 128 - ((hi - lo).bit_length() - 1)
        bits = 4 - length % 4 if length % 4 else 4
        bits = min(bits, 128 - length)
        part = (hi - lo) >> bits
        out: list[Row] = []
        k = a
        for n in range(1 << bits):
            ps = lo + n * part
            pe = ps + part
            if out and out[-1].kind == "node" and out[-1].end >= pe:
                continue  # inside a child bigger than one part
            if k < b and kids.starts[k] <= ps and kids.ends[k] >= pe:
                out.append(Row("node", parent, kids.index[k], kids.starts[k], kids.ends[k]))
                k += 1
                continue
            stop = bisect_left(kids.starts, pe, k, b)
            inside = stop - k
            if inside == 0:
                if out and out[-1].kind == "free" and out[-1].end == ps:
                    last = out.pop()
                    out.append(Row("free", parent, -1, last.start, pe))
                else:
                    out.append(Row("free", parent, -1, ps, pe))
            else:
                out.append(Row("group", parent, -1, ps, pe, inside))
            k = stop
        return out

    def path_rows(self, target: int) -> list[int]:
        """Plan nodes from the root down to ``target`` (both included)."""
        chain = []
        i = target
        while i >= 0:
            chain.append(i)
            i = self.plan.parent[i]
        return chain[::-1]

    # -- the children table ------------------------------------------------------------
    def items(self, i: int) -> list[tuple[int, int, int]]:
        """Children and free runs of node ``i`` as ``(index or -1, start, end)``."""
        found = self._items.get(i)
        if found is not None:
            return found
        kids = self.kids(i)
        if self.plan.is_group(i):  # no free runs between the blocks of a grouping node
            return list(zip(kids.index, kids.starts, kids.ends))
        lo, hi = self.span(i)
        out: list[tuple[int, int, int]] = []
        cursor = lo
        append = out.append
        for k, start in enumerate(kids.starts):
            if start > cursor:
                append((-1, cursor, start))
            end = kids.ends[k]
            append((kids.index[k], start, end))
            if end > cursor:
                cursor = end
        if cursor < hi and kids.starts:
            append((-1, cursor, hi))
        self._remember(self._items, i, out)
        return out

    # -- the nibble map ----------------------------------------------------------------
    def nibble_digits(self, i: int) -> tuple[int, int]:
        """The map of node ``i``: (its row hex digit, 0-based; the cell length).

        Cells end on a hex digit (the column) and together cover the whole node: 256 cells
        under a /48 (/56 each), 128 under a /29 (/36 each: 8 rows of 16), 16 × /64 under
        a /60 (never smaller than a /64 above one).
        """
        length = self.plan.plen[i]
        cell = min(128, (length + 8) // 4 * 4)
        if length < 64:  # a /64 is one subnet: cells never split one (a /60: 16 × /64)
            cell = min(cell, 64)
        return cell // 4 - 2, cell

    def nibble_map(self, i: int) -> list[Cell]:
        """The cells under node ``i`` (16 a row, up to 256 of them), in address order."""
        plan = self.plan
        _, cell_len = self.nibble_digits(i)
        lo, hi = self.span(i)
        size = 1 << (128 - cell_len)
        kids = self.kids(i)
        starts, ends, index = kids.starts, kids.ends, kids.index
        kind, reserve, plen = plan.kind, self.reserve_kinds, plan.plen
        cells: list[Cell] = []
        for start in range(lo, hi, size):
            end = start + size
            k = bisect_right(starts, start) - 1
            if k < 0 or ends[k] <= start:
                k += 1
            stop = bisect_left(starts, end, k)
            if stop <= k:
                cells.append(Cell(start, cell_len, "free", 0.0, -1))
                continue
            covered = 0
            reserved = False
            for j in range(k, stop):
                covered += min(ends[j], end) - max(starts[j], start)
                reserved = reserved or kind[index[j]] in reserve
            holder, count = index[k], stop - k
            fraction = covered / size
            use, pool = fraction, False
            if reserved:
                state = "reserved"
            elif covered == size:
                state = "used"
                if count == 1 and plen[holder] <= cell_len and self.has_children(holder):
                    use = self.usage(holder).percent / 100
                    pool = not self.packed(holder)
            else:
                state = "partial"
            cells.append(
                Cell(start, cell_len, state, fraction, holder, use, count, index[stop - 1], pool)
            )
        return cells

    def row_names(self, cells: list[Cell]) -> str:
        """The children a row of the map holds: ``halls``, ``servers-1…16``, ``a, b``."""
        seen: list[int] = []
        for cell in cells:
            for i in (cell.holder, cell.last):
                if i >= 0 and (not seen or seen[-1] != i):
                    seen.append(i)
        if not seen:
            return ""
        name = self.plan.name
        if len(seen) <= 2:
            return ", ".join(name[i] for i in seen)
        return name_range(name[seen[0]], name[seen[-1]], compact=True)

    def cell_text(self, cell: Cell) -> str:
        """What a cell holds, in words: ``16 LANs servers-1…16``, ``halls 38% used``, ``free``."""
        plan = self.plan
        if cell.holder < 0:
            return "free"
        if cell.count > 1:
            roles = {plan.role(cell.holder), plan.role(cell.last)}
            role = roles.pop() if len(roles) == 1 else ""
            what = {"lan": "LANs", "p2p": "p2p links", "loopback": "loopbacks"}.get(
                role, f"{role}s" if role else "nodes"
            )
            names = name_range(plan.name[cell.holder], plan.name[cell.last], compact=True)
            taken = "" if cell.state != "partial" else f", {cell.fraction:.0%} taken"
            return f"{cell.count} {what} {names}{taken}"
        name = plan.name[cell.holder]
        if cell.state == "reserved":
            return f"{name} reserved"
        if cell.state == "partial":
            return f"{name} {cell.fraction:.0%} of the cell"
        if plan.plen[cell.holder] > cell.length:
            return name
        if not self.has_children(cell.holder):
            return f"{name} ({plan.role(cell.holder) or 'leaf'})"
        packed = " (sized by its children)" if self.packed(cell.holder) else ""
        return f"{name} {cell.use:.0%} used{packed}"

    # -- the anatomy ruler -------------------------------------------------------------
    def anatomy(self, i: int) -> list[Segment]:
        """Bit runs of node ``i``'s prefix, each owned by one level of the plan."""
        plan = self.plan
        chain = [n for n in self.path_rows(i) if not plan.is_group(n)]  # groups hold no bits
        out: list[Segment] = []
        previous = 0
        for depth, node in enumerate(chain):
            length = plan.plen[node]
            if length <= previous:
                continue
            if depth == 0:
                label = f"allocation {plan.prefix_text(node)}"
            else:
                label = f"{plan.name[node]} ({plan.role(node) or 'node'})"
            out.append(Segment(previous, length, depth, label))
            previous = length
        if previous < 128:
            rest = "interface id" if previous >= 64 else "free for levels below"
            if previous < 64:
                out.append(Segment(previous, 64, -2, "subnet bits below this node"))
                out.append(Segment(64, 128, -1, "interface id"))
            else:
                out.append(Segment(previous, 128, -1, rest))
        return out

    def digit_owners(self, i: int) -> list[list[int]]:
        """For each of the 32 hex digits, the depths whose bits it holds (one or more)."""
        owners: list[list[int]] = [[] for _ in range(32)]
        for seg in self.anatomy(i):
            for digit in range(seg.first // 4, (seg.stop + 3) // 4):
                if seg.depth not in owners[digit]:
                    owners[digit].append(seg.depth)
        return owners

    # -- details -----------------------------------------------------------------------
    def free_preview(self, i: int, limit: int = 4) -> tuple[list[str], bool]:
        if self.plan.plen[i] >= 128:
            return [], False
        blocks = list(islice(free_blocks(self.plan, i), limit + 1))
        return [format_prefix(*b) for b in blocks[:limit]], len(blocks) > limit

    @staticmethod
    def expanded(net: int) -> str:
        return expand_address(net)

    @staticmethod
    def address(net: int) -> str:
        return format_address(net)


# -- what an edit changes ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PlanDiff:
    """Blocks an edit adds, removes, renames or moves (a few examples of each, and counts)."""

    added: list[str]
    removed: list[str]
    renamed: list[str]
    moved: list[str]
    counts: dict[str, int]

    EXAMPLES = 5

    def text(self) -> str:
        """The answer in lines, as ``v6plan plan --frozen`` would judge the new plan."""
        n = self.counts
        lines = []
        for mark, key, examples in (
            ("+", "added", self.added),
            ("−", "removed", self.removed),
            ("~", "renamed", self.renamed),
        ):
            more = " …" if n[key] > len(examples) else ""
            lines.append(f"{mark} {n[key]:,} {key}" + (": " if examples else ""))
            lines.extend(f"    {e}" for e in examples)
            if more:
                lines.append("    …")
        if n["moved"]:
            lines.append(f"! {n['moved']:,} moved: " + ", ".join(self.moved))
        else:
            lines.append(f"= {n['kept']:,} blocks stay where they are; none moves")
        return "\n".join(lines)


def plan_diff(old: Plan, new: Plan) -> PlanDiff:
    """Compare two plans block by block (prefix and depth), then path by path.

    Runs in the edit's worker thread: a dictionary per plan, linear in its size.
    """

    def blocks(plan: Plan) -> dict[tuple[int, int, int], str]:
        out: dict[tuple[int, int, int], str] = {}
        net, plen = plan.net, plan.plen
        for i, path in enumerate(plan.paths(1), 1):
            if not plan.is_group(i):
                out[(net[i], plen[i], path.count("/"))] = path
        return out

    before, after = blocks(old), blocks(new)
    path_before = {path: key for key, path in before.items()}
    added = [k for k in after if k not in before]
    removed = [k for k in before if k not in after]
    renamed = [k for k in after if k in before and before[k] != after[k]]
    moved = [
        after[k] for k in added if after[k] in path_before and path_before[after[k]][:2] != k[:2]
    ]
    shown = PlanDiff.EXAMPLES

    def block(k: tuple[int, int, int]) -> str:
        return format_prefix(k[0], k[1])

    return PlanDiff(
        [f"{after[k]}  {block(k)}" for k in added[:shown]],
        [f"{before[k]}  {block(k)}" for k in removed[:shown]],
        [f"{before[k]} → {after[k]}  {block(k)}" for k in renamed[:shown]],
        moved[:shown],
        {
            "added": len(added),
            "removed": len(removed),
            "renamed": len(renamed),
            "moved": len(moved),
            "kept": len(before) - len(removed),
        },
    )
