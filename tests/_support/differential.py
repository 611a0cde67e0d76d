"""What the differential suites share (test_differential, test_differential_ra,
test_segments): the same scenario on a fresh topology on the simulator and on the kernel,
torn down whatever happens.

A test module takes the fixture by importing it: ``from _support.differential import
on_both``.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from v6plan.lab.runtime._backend import Backend, TopologySpec

from .env import need, need_programs

BACKENDS = ("sim", "netns")
#: what the netns side of the suites runs (all in .ci/apt-packages)
PROGRAMS = ("ip", "ping", "traceroute", "rdisc6", "radvd", "sysctl")


def netns_usable() -> bool:
    return sys.platform.startswith("linux") and os.geteuid() == 0


def make_backend(name: str, tmp_path: Path) -> Backend:
    """A fresh backend with a session name of its own (two runs never share one)."""
    if name == "sim":
        from v6plan.lab.runtime.sim import SimBackend

        return SimBackend("d" + secrets.token_hex(2), tmp_path / "sim")
    need(netns_usable(), "the netns side of the differential suite needs root on Linux")
    need_programs(*PROGRAMS, sbin=False)
    from v6plan.lab.runtime.netns import NetnsBackend

    return NetnsBackend("d" + secrets.token_hex(2), tmp_path / "netns")


Run = Callable[[TopologySpec, Callable[[Backend], Any]], dict[str, Any]]


@pytest.fixture
def on_both(tmp_path: Path) -> Iterator[Run]:
    """Run ``scenario(backend)`` on a fresh topology on each backend; always tear down,
    then sweep what a failed stop may have left (the contract's ``sweep``)."""
    started: list[Backend] = []

    def run(topology: TopologySpec, scenario: Callable[[Backend], Any]) -> dict[str, Any]:
        results = {}
        for name in BACKENDS:
            backend = make_backend(name, tmp_path)
            started.append(backend)
            backend.start(topology)
            results[name] = scenario(backend)
        return results

    try:
        yield run
    finally:
        for backend in started:
            backend.stop()
            type(backend).sweep(backend.session)


def flags_of(backend: Backend, node: str, address: int) -> frozenset[str]:
    """The DAD-related flags of ``address`` on ``node`` (``absent`` when it has none)."""
    for a in backend.addresses(node):
        if a.address == address:
            return a.flags & {"tentative", "dadfailed", "deprecated", "permanent", "dynamic"}
    return frozenset({"absent"})
