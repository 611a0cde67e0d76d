"""The check library's old single module, kept so that code written against it keeps
importing: the library now lives in :mod:`._registry` (types, :func:`run_checks`,
:func:`render`), :mod:`._context`, :mod:`._network`, :mod:`._paths`, :mod:`._answers` and
:mod:`._keys`. Import from those."""

from __future__ import annotations

from ..model._checkspec import CheckSpec
from ._answers import check_plan_spec, check_quiz, check_zone
from ._context import LINK_LOCAL, CheckResult, Context, Outcome, _build_spec
from ._keys import answer_key, expected
from ._registry import TYPES, CheckType, render, run_checks

__all__ = [
    "LINK_LOCAL",
    "TYPES",
    "CheckResult",
    "CheckSpec",
    "CheckType",
    "Context",
    "Outcome",
    "_build_spec",
    "answer_key",
    "check_plan_spec",
    "check_quiz",
    "check_zone",
    "expected",
    "render",
    "run_checks",
]
