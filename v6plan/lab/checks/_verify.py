"""Verify a lab: its reference solution must pass every check, and each known-bad
solution must produce exactly the outcomes it declares (``expect: {check: code}``).

Each solution runs in a fresh session of its own (never the trainee's active one), so
this is what lab authors run before a class and what the test suite runs per backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..model._labfile import Lab, Solution
from ..runtime._session import Session
from ._context import CheckResult, Context
from ._registry import run_checks

__all__ = ["SolutionVerdict", "run_solution", "verify_lab"]


@dataclass
class SolutionVerdict:
    """What one solution produced, and how that differs from what the lab expects."""

    solution: str  # "reference" or the known-bad id
    results: dict[str, CheckResult]
    #: (check id, expected, found) for every outcome that differs from the expectation
    mismatches: list[tuple[str, str, str]] = field(default_factory=list)
    failed_commands: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def run_solution(
    lab: Lab,
    backend: str,
    solution: Solution | None,
    root: Path | None = None,
    timeout: float = 1.0,
) -> tuple[dict[str, CheckResult], list[str]]:
    """Start the lab in a private session, apply ``solution`` (None: nothing), check, stop."""
    run = lab.instantiate()
    session = Session.create(lab.directory, backend, root=root, activate=False)
    failed: list[str] = []
    try:
        with session.locked():
            live = session.start(run.topology_spec())
            for node, argv in run.commands(solution) if solution is not None else []:
                result = session.exec(node, argv)
                if result.returncode != 0:
                    failed.append(
                        f"{node}: {' '.join(argv)} → {result.returncode} {result.stderr.strip()}"
                    )
            if solution is not None:  # answers to the lab's questions (v6lab answer)
                from ._quiz import record_answer

                for qid, value in run.answers(solution).items():
                    record_answer(session.dir, qid, value)
            messages = lab.messages()
            results = run_checks(
                Context(live, run.addressing, timeout=timeout),
                run.checks(),
                messages,
                variables=run.variables,
            )
    finally:
        session.teardown()
        session.remove()
    return {r.id: r for r in results}, failed


def _matches(expected: str, result: CheckResult) -> bool:
    if expected == "pass":
        return result.passed
    if expected == "fail":
        return not result.passed
    return result.code == expected


def verify_lab(
    lab: Lab,
    backend: str,
    root: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[SolutionVerdict]:
    """The reference solution and every known-bad one, each against its expectations."""
    verdicts: list[SolutionVerdict] = []
    plan: list[tuple[str, Solution, dict[str, str]]] = [("reference", lab.solution, {})]
    plan += [(bad.id, bad, bad.expect) for bad in lab.broken]
    for name, solution, expect in plan:
        if progress is not None:
            progress(f"{lab.name}: {name}")
        results, failed = run_solution(lab, backend, solution, root)
        verdict = SolutionVerdict(name, results, failed_commands=failed)
        if name == "reference":
            for r in results.values():
                if not r.passed:
                    verdict.mismatches.append((r.id, "pass", f"{r.code}: {r.message}"))
        else:
            for cid, code in expect.items():
                r = results[cid]
                if not _matches(code, r):
                    verdict.mismatches.append((cid, code, f"{r.code}: {r.message}"))
        verdicts.append(verdict)
    return verdicts
