"""What to ask the RIR for: the space a plan needs over its horizon, with every end site a /48.

An RIR justifies an allocation by what the network will need, measured with the HD-ratio
(RFC 3194; 0.94 at the RIPE NCC and AFRINIC). The spec's growth factors say how far each
level must be able to grow within the plan's horizon (``defaults: horizon``, years); between
now and then growth is read as compound, so a level of N with growth g holds
⌈N · g^(t/H)⌉ after t years. The sizing is the planner's own (the 75 % nibble rule, bottom
up) with one change, RIPE-690's: an end site gets at least a /48, whatever a pin made it to
fit the space held today — the answer is the block that would give every site its /48.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ._plan import Plan
from ._sizing import HD_RATIO, allocation_length_for, block_length_for, hd_ratio, hd_threshold
from ._spec import DEFAULT_SIZES, SpecNode

__all__ = ["REQUEST_YEARS", "SITE_LENGTH", "Projection", "project", "top_templates"]

#: The points in time the report's RIR request section shows.
REQUEST_YEARS = (2, 5, 10)
#: RIPE-690: an end site gets a /48.
SITE_LENGTH = 48


@dataclass(frozen=True, slots=True)
class Projection:
    """The block a plan needs ``years`` from now, and how an RIR would measure its use."""

    years: int
    length: int
    #: /unit blocks holding an assignment (the HD-ratio's count), and the unit.
    used: int
    unit: int

    @property
    def total(self) -> int:
        return 1 << (self.unit - self.length) if self.unit >= self.length else 1

    @property
    def ratio(self) -> float:
        return hd_ratio(self.used, self.length, self.unit)

    @property
    def threshold(self) -> int:
        """Units to use before the RIR counts the block as used (HD-ratio 0.94)."""
        return hd_threshold(self.length, self.unit, HD_RATIO)

    @property
    def utilisation(self) -> float:
        return self.used / self.total


def top_templates(plan: Plan) -> list[SpecNode] | None:
    """The spec templates of the plan's top level, or None for a plan read from data
    (a JSON or CSV plan has no growth factors to project)."""
    if plan.is_group(0):
        return None
    out: list[SpecNode] = []
    seen: set[int] = set()
    for c in plan.children(0):
        template = plan.kinds[plan.kind[c]].template
        if template is None:
            return None
        if id(template) not in seen:
            seen.add(id(template))
            out.append(template)
    return out


class _Projector:
    """Sizes one spec tree ``years`` ahead (see the module's docstring)."""

    def __init__(self, years: float, horizon: int) -> None:
        self.share = years / horizon
        self.lengths: dict[int, int] = {}

    def count(self, node: SpecNode) -> int:
        n = node.sibling_count
        if node.role == "reserve":
            return 0  # kept free: no RIR counts it as need
        if node.growth <= 1:
            return n
        grown: float = n * node.growth**self.share
        # rounded on the way (a single router does not become two in 2 years); the
        # horizon's count is the planner's own, rounded up
        return max(n, math.ceil(grown) if self.share >= 1 else math.floor(grown + 0.5))

    def length(self, node: SpecNode) -> int:
        """Block per instance: pins kept where they make a block bigger, sites ≥ /48."""
        key = id(node)
        if key in self.lengths:
            return self.lengths[key]
        pinned = node.prefix[1] if node.prefix is not None else node.size
        if node.children:
            grown = [(self.count(c), self.length(c)) for c in node.children]
            length = block_length_for(grown) if any(n for n, _ in grown) else 128
            length = min(length, pinned if pinned is not None else 128)
        else:
            length = pinned or node.length or DEFAULT_SIZES.get(node.role, 64)
        if node.role in ("site", "customer") and pinned is None:
            length = min(length, DEFAULT_SIZES[node.role])
        if node.role == "site":
            length = min(length, SITE_LENGTH)
        self.lengths[key] = length
        return length

    def used(self, node: SpecNode, unit: int) -> int:
        """/unit blocks one instance of ``node`` assigns, when it is longer than a unit:
        children smaller than a unit pack into as few units as they fill."""
        length = self.length(node)
        if not node.children:
            return 1 << (unit - length) if length <= unit else 1
        return self.used_by(node.children, unit)

    def used_by(self, children: Sequence[SpecNode], unit: int) -> int:
        whole = 0
        small = 0  # addresses of children longer than a unit
        for c in children:
            n = self.count(c)
            if self.length(c) < unit:
                whole += n * self.used(c, unit)
            else:
                small += n << (128 - self.length(c))
        return whole + -(-small // (1 << (128 - unit)))


def project(children: Sequence[SpecNode], years: int, horizon: int) -> Projection:
    """The block ``children`` (a spec's top level) need ``years`` from now."""
    projector = _Projector(years, horizon)
    need = sum(projector.count(c) << (128 - projector.length(c)) for c in children)
    length = min(allocation_length_for(need), SITE_LENGTH)  # no RIR assigns less than a /48
    unit = SITE_LENGTH if length < SITE_LENGTH else 64 if length < 64 else 128
    used = projector.used_by(children, unit) if unit > length else 1
    return Projection(years, length, used, unit)
