"""Allocation orders (RFC 3531) as lazy sequences of slot numbers.

A parent /P split into /L has ``2**(L-P)`` slots; an order says which slot the
1st, 2nd, … child takes. Slot ``s`` is the block ``parent + s * 2**(128-L)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

__all__ = ["STRATEGIES", "first_slots", "slot_order"]

#: The strategies a spec may name. ``best-fit`` is not an order over slots but a
#: choice among free blocks; the allocator treats it separately.
STRATEGIES = ("sequential", "sparse", "centermost", "best-fit")


def _bit_reverse(value: int, width: int) -> int:
    return int(f"{value:0{width}b}"[::-1], 2) if width else 0


def _sparse(width: int) -> Iterator[int]:
    """RFC 3531 leftmost: the index bit-reversed, so neighbours stay free longest."""
    for i in range(1 << width):
        yield _bit_reverse(i, width)


def _centermost(width: int) -> Iterator[int]:
    """RFC 3531 centermost, in the exact order ``ipv6gen -m`` prints.

    Round r sets one new bit, moving outward from the centre of the field and
    alternating sides; the 2**r values of that round fill the bits set before.
    """
    yield 0
    centre = -(-width // 2)  # 1-based bit position counted from the left
    left = width % 2 == 0
    for rnd in range(width):
        new_bit = 1 << (width - centre)
        for j in range(1 << rnd):
            value = new_bit
            for k in range(j.bit_length()):
                if j >> k & 1:
                    pos = centre + 1 + k if left else centre - 1 - k
                    value |= 1 << (width - pos)
            yield value
        left = not left
        centre = centre - rnd - 1 if left else centre + rnd + 1


def _stepped(width: int, step: int) -> Iterator[int]:
    """Every ``step``-th slot first (room for each block to grow), then the rest."""
    total = 1 << width
    yield from range(0, total, step)
    for offset in range(1, min(step, total)):
        yield from range(offset, total, step)


def slot_order(strategy: str, width: int, step: int = 1) -> Iterator[int]:
    """All slot numbers of a ``width``-bit field in the order ``strategy`` hands them out.

    A ``step`` above 1 is a sequential order with gaps (the spec allows it only there).
    """
    if step > 1:
        return _stepped(width, step)
    if strategy == "sparse":
        return _sparse(width)
    if strategy == "centermost":
        return _centermost(width)
    return iter(range(1 << width))  # sequential (and best-fit's tie-break)


def first_slots(strategy: str, width: int, count: int, step: int = 1) -> list[int]:
    """The first ``count`` slots of an order, fast for the common sequential case."""
    if strategy in ("sequential", "best-fit") and step == 1:
        return list(range(min(count, 1 << width)))
    if strategy == "sparse" and step == 1:
        if not width:  # one slot, 0; int("", 2) would fail, and count may be 0
            return [0][:count]
        fmt = f"0{width}b"
        return [int(format(i, fmt)[::-1], 2) for i in range(min(count, 1 << width))]
    return list(islice(slot_order(strategy, width, step), count))
