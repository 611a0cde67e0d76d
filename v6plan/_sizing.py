"""Level sizing (the 75 % nibble rule) and RIR utilisation measures (HD-ratio)."""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = [
    "DEFAULT_HORIZON",
    "END_SITE_LONGEST",
    "FILL",
    "HD_RATIO",
    "allocation_length_for",
    "block_length_for",
    "fill_ratio",
    "hd_ratio",
    "hd_threshold",
    "nibble_length_for",
]

#: ARIN NRPM 6.5.8.2: move to the next nibble once a level would be more than 75 % full.
FILL = 0.75
#: RIPE-690 (and RFC 6177): an end site gets a /48, and never anything longer than a /56.
END_SITE_LONGEST = 56
#: Years a plan's growth factors cover unless the spec says (``defaults: horizon``).
DEFAULT_HORIZON = 10
#: RFC 3194 HD-ratio used by AFRINIC and the RIPE NCC.
HD_RATIO = 0.94


def nibble_length_for(slots: int, child_length: int) -> int:
    """Smallest nibble-aligned block that holds ``slots`` /child_length at ≤ 75 %.

    A single slot takes exactly its own block. The answer may be negative when no
    IPv6 block is large enough; callers report that.
    """
    if slots <= 1:
        return child_length
    bits = 0
    while (1 << bits) * FILL < slots:
        bits += 1
    length = child_length - bits
    return length - length % 4  # round the parent up to the nibble boundary


def block_length_for(children: Iterable[tuple[int, int]]) -> int:
    """Smallest nibble-aligned block holding ``(count, length)`` children at ≤ 75 %.

    With children of one length this is :func:`nibble_length_for`; with several,
    the block must hold all of them (in addresses) with the same 25 % headroom.
    """
    groups = [(count, length) for count, length in children if count > 0]
    if not groups:
        raise ValueError("no children to size a block for")
    shortest = min(length for _, length in groups)
    if len({length for _, length in groups}) == 1:
        return nibble_length_for(sum(c for c, _ in groups), shortest)
    need = sum(count << (128 - length) for count, length in groups)
    length = shortest - shortest % 4
    while (1 << (128 - length)) * FILL < need:
        length -= 4
    return length


def allocation_length_for(need: int) -> int:
    """Longest prefix holding ``need`` addresses at ≤ 75 %: an RIR allocation, whose length
    is the RIR's choice (a /29 is usual), so not rounded to a nibble."""
    length = 128
    while length > 0 and (1 << (128 - length)) * FILL < need:
        length -= 1
    return length


def fill_ratio(need: int, length: int) -> float:
    """How full ``need`` addresses make a /length; above :data:`FILL` the sizing would have
    moved to the next nibble, so the lint's headroom check warns from the same line."""
    return need / (1 << (128 - length))


def hd_threshold(block_length: int, unit_length: int, ratio: float = HD_RATIO) -> int:
    """Units that must be used for a /block to reach the HD-ratio (RFC 3194)."""
    threshold: int = round(float(1 << (unit_length - block_length)) ** ratio)
    return threshold


def hd_ratio(used: int, block_length: int, unit_length: int) -> float:
    """HD = log(used) / log(total), both counted in /unit blocks (0 when ≤ 1 used)."""
    total = 1 << (unit_length - block_length)
    if used <= 1 or total <= 1:
        return 0.0
    return math.log(used) / math.log(total)
