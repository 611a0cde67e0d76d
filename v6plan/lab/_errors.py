"""Errors of the lab engine, inside v6plan's one error tree.

``LabError`` is bad input from the trainee (exit 2 with a message that says what to do);
``BackendError`` is a backend that cannot do what was asked (exit 1); a
``MissingProgramsError`` is one whose host lacks programs the lab runs (it names their
Debian packages).
"""

from __future__ import annotations

from .._errors import InputError, V6PlanError

__all__ = ["BackendError", "LabError", "MissingProgramsError", "NoSessionError"]


class LabError(InputError):
    """The trainee asked for something the lab cannot do: unknown lab, node, check…"""


class NoSessionError(LabError):
    """No lab is running (``v6lab start LAB`` first)."""


class BackendError(V6PlanError):
    """A backend failed to build, reach or tear down a topology."""


class MissingProgramsError(BackendError):
    """Programs the lab runs on this backend are not installed; ``programs`` lists them."""

    def __init__(self, message: str, programs: list[str]) -> None:
        super().__init__(message)
        self.programs = programs
