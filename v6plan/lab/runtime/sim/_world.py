"""Virtual time: one clock, one event queue, one seeded RNG per simulated network.

Events run in (time, order of scheduling) order, so a run is fully determined by the
topology and the calls made on it — the engine rebuilds a lab by replaying its journal.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from typing import Any

__all__ = ["Timer", "World"]


class Timer:
    """A scheduled call that can be cancelled (a cancelled one is skipped when due)."""

    __slots__ = ("args", "cancelled", "fn", "when")

    def __init__(self, when: float, fn: Callable[..., None], args: tuple[Any, ...]) -> None:
        self.when = when
        self.fn = fn
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class World:
    """The clock, the queue and the RNG shared by every node of one topology."""

    def __init__(self, seed: int) -> None:
        self.now = 0.0
        self.rng = random.Random(seed)
        self._queue: list[tuple[float, int, Timer]] = []
        self._order = 0

    def at(self, delay: float, fn: Callable[..., None], *args: Any) -> Timer:
        """Call ``fn(*args)`` after ``delay`` virtual seconds."""
        timer = Timer(self.now + max(0.0, delay), fn, args)
        self._order += 1
        heapq.heappush(self._queue, (timer.when, self._order, timer))
        return timer

    def run_until(self, deadline: float, done: Callable[[], bool] | None = None) -> bool:
        """Run events due up to ``deadline``; stop early (clock at that event) once
        ``done()`` holds. Returns True when stopped early."""
        queue = self._queue
        if done is not None and done():
            return True
        while queue and queue[0][0] <= deadline:
            when, _, timer = heapq.heappop(queue)
            if timer.cancelled:
                continue
            self.now = when
            timer.fn(*timer.args)
            if done is not None and done():
                return True
        self.now = max(self.now, deadline)
        return False

    def advance(self, seconds: float) -> None:
        self.run_until(self.now + max(0.0, seconds))

    def uniform(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high)
