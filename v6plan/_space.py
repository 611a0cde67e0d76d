"""Free space inside one block: half-open integer intervals, never materialised ranges.

:class:`Space` is the allocator's view of one parent block; the module functions
answer free-space questions (aggregated free blocks, next free /N) for any sorted set
of used intervals.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator

from ._errors import PlanError
from ._orders import first_slots, slot_order

__all__ = ["Space", "aligned_blocks", "blocks_cover", "cidr_cover", "free_gaps"]


def cidr_cover(start: int, end: int) -> Iterator[tuple[int, int]]:
    """The fewest aligned blocks ``(net, length)`` exactly covering ``[start, end)``."""
    while start < end:
        # Largest block aligned at start that still fits before end.
        size = start & -start if start else 1 << 128
        while size > end - start:
            size >>= 1
        yield start, 128 - (size.bit_length() - 1)
        start += size


def blocks_cover(nets: Iterable[int], length: int) -> Iterator[tuple[int, int]]:
    """Sorted /length blocks (their first addresses) as the fewest aligned prefixes:
    each run of adjacent blocks, :func:`cidr_cover`-ed (a pool of customers, say)."""
    size = 1 << (128 - length)
    start: int | None = None
    stop = 0
    for n in nets:
        if start is None:
            start = n
        elif n != stop:
            yield from cidr_cover(start, stop)
            start = n
        stop = n + size
    if start is not None:
        yield from cidr_cover(start, stop)


def free_gaps(start: int, end: int, used: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Gaps of ``[start, end)`` not covered by ``used`` (sorted by start; may overlap)."""
    cursor = start
    for u_start, u_end in used:
        if u_start > cursor:
            yield cursor, min(u_start, end)
        if u_end > cursor:
            cursor = u_end
        if cursor >= end:
            return
    if cursor < end:
        yield cursor, end


def aligned_blocks(start: int, end: int, length: int) -> range:
    """Nets of every aligned /length block lying wholly inside ``[start, end)``."""
    size = 1 << (128 - length)
    first = (start + size - 1) & -size
    last = end & -size  # exclusive
    return range(first, last, size) if last > first else range(0)


class Space:
    """Occupancy of one parent block, for handing out child blocks in an order."""

    __slots__ = ("_ends", "_full_below", "_starts", "length", "net")

    def __init__(self, net: int, length: int) -> None:
        self.net = net
        self.length = length
        self._starts: list[int] = []
        self._ends: list[int] = []
        #: Per length: no aligned free block of that length starts below this address.
        #: Space only fills up, so the mark stays true and first-fit need not rescan.
        self._full_below: dict[int, int] = {}

    @property
    def end(self) -> int:
        return self.net + (1 << (128 - self.length))

    def used(self) -> Iterator[tuple[int, int]]:
        return zip(self._starts, self._ends)

    def conflict(self, start: int, end: int) -> tuple[int, int] | None:
        """The used interval overlapping ``[start, end)``, if any."""
        i = bisect_right(self._starts, start)
        if i and self._ends[i - 1] > start:
            return self._starts[i - 1], self._ends[i - 1]
        if i < len(self._starts) and self._starts[i] < end:
            return self._starts[i], self._ends[i]
        return None

    def claim(self, net: int, length: int, count: int = 1) -> tuple[int, int] | None:
        """Mark ``count`` consecutive /length blocks from ``net`` used (one interval);
        return the interval they collide with instead, if any."""
        end = net + (count << (128 - length))
        if length < self.length or net < self.net or end > self.end:
            raise PlanError(f"{net:#x}/{length} is not inside the block being allocated from")
        clash = self.conflict(net, end)
        if clash is None:
            i = bisect_right(self._starts, net)
            self._starts.insert(i, net)
            self._ends.insert(i, end)
        return clash

    def _add_many(self, nets: list[int], size: int) -> None:
        starts, ends = self._starts, self._ends
        if len(nets) <= 16:  # a few blocks: insert in place, merging with neighbours
            for net in nets:
                i = bisect_right(starts, net)
                end = net + size
                joins_left = i > 0 and ends[i - 1] == net
                joins_right = i < len(starts) and starts[i] == end
                if joins_left and joins_right:
                    ends[i - 1] = ends[i]
                    del starts[i], ends[i]
                elif joins_left:
                    ends[i - 1] = end
                elif joins_right:
                    starts[i] = net
                else:
                    starts.insert(i, net)
                    ends.insert(i, end)
            return
        pairs = sorted(zip(self._starts + nets, self._ends + [n + size for n in nets]))
        self._starts = [p[0] for p in pairs]
        self._ends = [p[1] for p in pairs]

    def _first_fit(self, length: int, count: int) -> list[int]:
        """The first ``count`` free aligned /length blocks in address order."""
        starts, ends = self._starts, self._ends
        cursor = max(self.net, self._full_below.get(length, self.net))
        i = max(bisect_right(starts, cursor) - 1, 0)
        stop = self.end
        nets: list[int] = []
        while len(nets) < count and cursor < stop:
            if i < len(starts) and starts[i] <= cursor:
                cursor = max(cursor, ends[i])
                i += 1
                continue
            gap_end = starts[i] if i < len(starts) else stop
            nets.extend(aligned_blocks(cursor, gap_end, length)[: count - len(nets)])
            cursor = gap_end
        return nets

    def free_count(self, length: int) -> int:
        """How many /length blocks could still be handed out."""
        return sum(
            len(aligned_blocks(s, e, length)) for s, e in free_gaps(self.net, self.end, self.used())
        )

    def take(
        self, length: int, count: int, strategy: str = "sequential", step: int = 1
    ) -> list[int]:
        """Hand out ``count`` blocks of /length in ``strategy`` order; their nets in order.

        Raises :class:`PlanError` when the free space cannot hold them.
        """
        if count <= 0:
            return []
        if not self.length <= length <= 128:
            raise PlanError(f"a /{length} cannot be taken from a /{self.length}")
        size = 1 << (128 - length)
        width = length - self.length
        if strategy == "best-fit":
            return [self._best_fit(length) for _ in range(count)]
        if not self._starts and strategy == "sequential" and step == 1:
            if count > 1 << width:  # empty parent, natural order: one run
                raise PlanError(self._no_room(length, count, 1 << width))
            self._starts.append(self.net)
            self._ends.append(self.net + count * size)
            return list(range(self.net, self.net + count * size, size))
        if not self._starts:  # empty parent: the order itself is the answer
            slots = first_slots(strategy, width, count, step)
            if len(slots) < count:
                raise PlanError(self._no_room(length, count, len(slots)))
            nets = [self.net + s * size for s in slots]
        elif strategy == "sequential" and step == 1:
            nets = self._first_fit(length, count)
            if len(nets) < count:
                raise PlanError(self._no_room(length, count, len(nets)))
            self._full_below[length] = nets[-1] + size
        else:
            free = self.free_count(length)
            if free < count:  # else the order below would visit all 2**width slots to say so
                raise PlanError(self._no_room(length, count, free))
            nets = []
            for slot in slot_order(strategy, width, step):
                net = self.net + slot * size
                if self.conflict(net, net + size) is None:
                    nets.append(net)
                    if len(nets) == count:
                        break
            if len(nets) < count:
                raise PlanError(self._no_room(length, count, len(nets)))
        self._add_many(nets, size)
        return nets

    def _best_fit(self, length: int) -> int:
        """The start of the smallest free aggregate block that holds a /length."""
        best: tuple[int, int] | None = None  # (block length, net): longer = smaller
        for g_start, g_end in free_gaps(self.net, self.end, self.used()):
            for net, blen in cidr_cover(g_start, g_end):
                if blen <= length and (best is None or blen > best[0]):
                    best = (blen, net)
        if best is None:
            raise PlanError(self._no_room(length, 1, 0))
        self.claim(best[1], length)
        return best[1]

    def _no_room(self, length: int, wanted: int, found: int) -> str:
        return f"only {found} free /{length} left where {wanted} are needed"
