"""Exports of a plan read with several top-level blocks or VRFs (a grouping root).

Each format does what is natural for it, decided here once:

* ``native`` formats are lists of prefixes and write every block (with its VRF): csv,
  json, yaml, netbox-csv/yaml (an aggregate per block), phpipam-csv, bind (the zones of
  every block, one ``named.conf.zones``);
* ``each`` formats are documents that can follow one another: rpsl and markdown write one
  part per top-level block, each as if the block were the plan's allocation;
* the others (html, radvd, kea-dhcp6, frr) describe one allocation and are refused
  without ``--node``, which picks the block (or a node inside it) to export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TextIO, TypeVar

from .._errors import InputError
from .._plan import Plan
from . import ExportOptions, Sink

__all__ = ["EACH", "NATIVE", "per_block"]

NATIVE = frozenset(("csv", "json", "yaml", "netbox-csv", "netbox-yaml", "phpipam-csv", "bind"))
EACH = frozenset(("rpsl", "markdown"))


Target = TypeVar("Target", TextIO, Sink)  # a writer's stream, or the sink of a files writer


def per_block(
    name: str, writer: Callable[[Plan, Target, ExportOptions], None]
) -> Callable[[Plan, Target, ExportOptions], None]:
    """``writer`` (of a stream or of files), made to handle a plan with a grouping root the
    way format ``name`` should: as it is (native formats), or once per top-level block."""
    if name in NATIVE:
        return writer

    def write(plan: Plan, out: Target, options: ExportOptions) -> None:
        if not plan.grouped:
            writer(plan, out, options)
            return
        for part, part_options in parts(plan, options, name):
            writer(part, out, part_options)

    return write


def parts(plan: Plan, options: ExportOptions, name: str) -> Iterator[tuple[Plan, ExportOptions]]:
    """The blocks to write as plans of their own, with ``--node`` made relative to each."""
    top = plan.resolve(options.node) if options.node else 0
    if not plan.is_group(top):
        block = top
        while not plan.is_group(plan.parent[block]):
            block = plan.parent[block]
        sub = plan.subplan(block)
        yield sub, replace(options, node=_relative(plan, sub, block, top))
        return
    blocks = plan.top_blocks(top)
    if name not in EACH and len(blocks) != 1:
        raise InputError(
            f"{name} writes one allocation, and {plan.several_blocks_text(top)} "
            "with --node (`v6plan show FILE` lists them)"
        )
    for block in blocks:
        yield plan.subplan(block), replace(options, node="")


def _relative(plan: Plan, sub: Plan, block: int, node: int) -> str:
    """How ``node`` is named in ``sub``, the plan made of ``block``: its path below the block,
    or its prefix when names holding '/' or twins make the path name another node."""
    if node == block:
        return ""
    chain = []
    j = node
    while j != block:
        chain.append(plan.name[j])
        j = plan.parent[j]
    path = "/".join(reversed(chain))
    try:
        if sub.find_path(path) == node - block:
            return path
    except InputError:
        pass
    return plan.prefix_text(node)
