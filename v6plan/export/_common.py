"""Helpers the exporters share: buffered output, progress, the chosen subtree, names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TextIO

from .._plan import Plan
from . import ExportOptions

__all__ = [
    "BATCH",
    "Lines",
    "Ticker",
    "dns_label",
    "selected",
    "slugify",
    "walk",
]

BATCH = 1 << 13
_SLUG = re.compile(r"[^a-z0-9_-]+")
_LABEL = re.compile(r"[^a-z0-9-]+")


class Lines:
    """Small strings joined into one write every ``BATCH`` lines (never one giant string)."""

    __slots__ = ("buffer", "out")

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.buffer: list[str] = []

    def add(self, text: str) -> None:
        self.buffer.append(text)
        if len(self.buffer) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.out.write("".join(self.buffer))
            self.buffer.clear()


class Ticker:
    """Progress over ``total`` units of work, however many passes a writer makes."""

    __slots__ = ("done", "progress")

    def __init__(self, options: ExportOptions, total: int) -> None:
        self.progress = options.progress
        self.done = 0
        if self.progress is not None:
            self.progress.total = max(total, 1)

    def add(self, units: int) -> None:
        self.done += units
        if self.progress is not None:
            self.progress.update(self.done)


def selected(plan: Plan, options: ExportOptions) -> int:
    """The node the export covers: ``--node`` resolved, or the root (0)."""
    return plan.resolve(options.node) if options.node else 0


def slugify(text: str, limit: int = 100) -> str:
    """A NetBox-style slug: lower case letters, digits, '-' and '_'."""
    slug = _SLUG.sub("-", text.lower()).strip("-")
    return (slug or "x")[:limit]


def dns_label(text: str) -> str:
    """A host-name label (RFC 952/1123): letters, digits and '-', at most 63."""
    label = _LABEL.sub("-", text.lower()).strip("-")
    return (label or "x")[:63].rstrip("-") or "x"


def walk(plan: Plan, top: int) -> Iterator[tuple[int, str]]:
    """``(index, path)`` for node ``top`` and everything under it (the root's path is '').

    Grouping nodes (the root of a plan read with several blocks, a VRF) hold no prefix and
    are left out.
    """
    if plan.grouped:
        group, kind = plan.group_kinds(), plan.kind
        for i, path in _walk(plan, top):
            if not group[kind[i]]:
                yield i, path
        return
    yield from _walk(plan, top)


def _walk(plan: Plan, top: int) -> Iterator[tuple[int, str]]:
    stop = plan.end[top]
    if top == 0:
        yield 0, ""
        top = 1
    yield from enumerate(plan.paths(top, stop), top)
