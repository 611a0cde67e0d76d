"""Fixtures for the lab engine's tests: a private state directory and backends.

``backend_name`` runs a test on the fake backend always, on the simulator when its
package exists, and on netns when it exists — through ``conftest.need`` for root, so CI
(root) runs it and fails if namespaces are unavailable.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _support.differential import on_both  # noqa: F401  (the differential suites' fixture)
from _support.lab import require_backend


@pytest.fixture(autouse=True)
def lab_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own v6lab state directory and the fake backend registered;
    the simulator's session processes its commands started end with the test."""
    from v6plan.lab.runtime import _backends
    from v6plan.lab.runtime.sim._client import stop_server

    state = tmp_path / "state"
    monkeypatch.setenv("V6LAB_STATE_DIR", str(state))
    monkeypatch.setenv("V6LAB_LANG", "en")
    monkeypatch.setitem(_backends.BACKENDS, "fake", "_support.fakebackend:FakeBackend")
    yield state
    for directory in state.iterdir() if state.is_dir() else ():
        stop_server(directory)


@pytest.fixture(params=["fake", "sim", "netns"])
def backend_name(request: pytest.FixtureRequest) -> Iterator[str]:
    name = str(request.param)
    require_backend(name)
    yield name
    if name == "netns":
        from v6plan.lab.runtime._session import Session

        for session in Session.all():  # whatever the test left, by its own tag
            session.teardown()
            session.remove()
