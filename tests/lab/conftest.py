"""Fixtures for the lab engine's tests: a private state directory and backends.

``backend_name`` runs a test on the fake backend always, on the simulator when its
package exists, and on netns when it exists — through ``conftest.need`` for root, so CI
(root) runs it and fails if namespaces are unavailable.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from labhelpers import need  # noqa: E402  (tests/conftest.py's, loaded by path)


def have_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


def have_backend(module: str, cls: str) -> bool:
    if not have_module(module):
        return False
    return hasattr(importlib.import_module(module), cls)


@pytest.fixture(autouse=True)
def lab_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own v6lab state directory and the fake backend registered."""
    from v6plan.lab import _backends

    state = tmp_path / "state"
    monkeypatch.setenv("V6LAB_STATE_DIR", str(state))
    monkeypatch.setenv("V6LAB_LANG", "en")
    monkeypatch.setitem(_backends.BACKENDS, "fake", "fakebackend:FakeBackend")
    return state


def require_backend(name: str) -> None:
    """Skip (locally) or fail (CI) when a real backend cannot run here."""
    if name == "fake":
        return
    if name == "sim":
        need(
            have_backend("v6plan.lab.sim", "SimBackend"),
            "the sim backend (v6plan.lab.sim) is not there yet",
        )
        return
    need(
        have_backend("v6plan.lab.netns", "NetnsBackend"),
        "the netns backend (v6plan.lab.netns) is not there yet",
    )
    need(sys.platform.startswith("linux") and os.geteuid() == 0, "netns labs need root on Linux")


@pytest.fixture(params=["fake", "sim", "netns"])
def backend_name(request: pytest.FixtureRequest) -> Iterator[str]:
    name = str(request.param)
    require_backend(name)
    yield name
    if name == "netns":
        from v6plan.lab._session import Session

        for session in Session.all():  # whatever the test left, by its own tag
            session.teardown()
            session.remove()
