"""Small helpers shared by the core tests."""

from __future__ import annotations

import textwrap

from v6plan import BuildResult, Plan, build, parse_spec
from v6plan._lock import Lock


def spec_text(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def plan_of(text: str, lock: Lock | None = None, release: tuple[str, ...] = ()) -> BuildResult:
    """Build a plan from spec text (dedented)."""
    return build(parse_spec(spec_text(text), "test.yaml"), lock, release)


def prefixes(plan: Plan) -> dict[str, str]:
    """Every node's path → prefix text."""
    return {path: plan.prefix_text(i) for i, path in enumerate(plan.paths(1), 1)}
