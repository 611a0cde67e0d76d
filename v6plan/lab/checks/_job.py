"""The checks as a job (:meth:`Backend.run_job`): run where the topology lives.

On the simulator the job runs in the session process, on a copy of its network, so
``v6lab check`` never imports Scapy or rebuilds anything; elsewhere it runs in the
``v6lab`` process. Either way the results cross as JSON, so both paths read the same.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model._labfile import LabRun, Variant, load_lab
from ._context import CheckResult, Context
from ._registry import run_checks

if TYPE_CHECKING:
    from ..runtime._backend import Backend

__all__ = ["CHECK_JOB", "check_job", "result_from_json", "warm"]

CHECK_JOB = "v6plan.lab.checks._job:check_job"


def _edited(lab: str) -> tuple[tuple[str, int], ...]:
    """When each file of the lab last changed: an edited lab is loaded again."""
    out = []
    for folder, _, files in os.walk(lab):
        for name in files:
            path = Path(folder) / name
            try:
                out.append((str(path), path.stat().st_mtime_ns))
            except OSError:
                continue
    return tuple(sorted(out))


@functools.lru_cache(maxsize=4)
def _loaded(lab: str, variant: str, prefix: str, edited: object) -> LabRun:
    from ..._prefix import parse_prefix

    return load_lab(lab).instantiate(
        Variant(name=variant, prefix=parse_prefix(prefix) if prefix else None)
    )


def _lab_run(lab: str, variant: str, prefix: str) -> LabRun:
    """The lab's values, loaded once per process while its files stay as they are."""
    return _loaded(lab, variant, prefix, _edited(lab))


def warm(lab: str, variant: str, prefix: str, **_: object) -> None:
    """Load the lab before the session process copies its network (each copy then starts
    with it: a check costs the checks, not the lab's loading)."""
    _lab_run(lab, variant, prefix)


def check_job(
    backend: Backend,
    lab: str,
    variant: str,
    prefix: str,
    lang: str,
    timeout: float,
    only: str | None = None,
) -> list[dict[str, Any]]:
    """Run the lab's checks (or the one named ``only``) on ``backend``; JSON results."""
    run = _lab_run(lab, variant, prefix)
    specs = [s for s in run.checks() if only is None or s.id == only]
    ctx = Context(backend, run.addressing, timeout=timeout)
    results = run_checks(ctx, specs, run.lab.messages(lang), variables=run.variables)
    return [
        {
            "id": r.id,
            "type": r.type,
            "points": r.points,
            "passed": r.passed,
            "code": r.code,
            "message": r.message,
            "hint": r.hint,
            "params": r.as_json()["found"],
            "seconds": r.seconds,
        }
        for r in results
    ]


def result_from_json(data: dict[str, Any]) -> CheckResult:
    return CheckResult(**data)
