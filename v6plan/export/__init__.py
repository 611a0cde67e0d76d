"""Exports: every format a plan can be written in, found by name.

Writers stream (a million-prefix plan never becomes one giant string) and take a
``Progress``. Modules are imported only when their format is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from .._errors import InputError
from .._plan import Plan
from .._progress import Progress

__all__ = ["FORMATS", "ExportOptions", "Format", "get_format", "write"]


@dataclass
class ExportOptions:
    """What a writer may need besides the plan; formats document which they use."""

    node: str = ""  # path, name or prefix of the part of the plan to export
    progress: Progress | None = None
    settings: dict[str, str] = field(default_factory=dict)


Writer = Callable[[Plan, TextIO, ExportOptions], None]


@dataclass(frozen=True)
class Format:
    name: str
    summary: str
    extension: str
    target: str  # "module:function", imported on first use

    def writer(self) -> Writer:
        module, _, function = self.target.partition(":")
        writer: Writer = getattr(importlib.import_module(module, __name__), function)
        return writer


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "csv",
            "one row per node: prefix, path, name, role, status, …",
            "csv",
            "._basic:write_csv",
        ),
        Format(
            "json",
            '{"plan", "prefix", "nodes": [...]} — every node with path and parent',
            "json",
            "._basic:write_json",
        ),
        Format("yaml", "the same data as json, as YAML", "yaml", "._basic:write_yaml"),
        Format(
            "markdown",
            "a report: summary, levels, utilisation, lint findings and the tree",
            "md",
            "._report:write_markdown",
        ),
    )
}


def get_format(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise InputError(
            f"unknown export format {name!r}; formats: {', '.join(sorted(FORMATS))}"
        ) from None


def write(plan: Plan, name: str, out: TextIO, options: ExportOptions | None = None) -> None:
    """Write ``plan`` in format ``name`` to ``out``."""
    get_format(name).writer()(plan, out, options or ExportOptions())
