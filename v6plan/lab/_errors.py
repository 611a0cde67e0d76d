"""Errors of the lab engine, inside v6plan's one error tree.

``LabError`` is bad input from the trainee (exit 2 with a message that says what to do);
``BackendError`` is a backend that cannot do what was asked (exit 1); a
``MissingProgramsError`` is one whose host lacks programs the lab runs (it names their
Debian packages). The tree::

    LabError (an InputError)     exit 2
    ├── NoSessionError           no lab is running
    ├── AdvertError              a router's ``advertise:`` options are wrong
    └── CalcError                a computed value ``{fn:arg}`` cannot be computed (model)
    BackendError (a V6PlanError) exit 1
    └── MissingProgramsError     programs the lab runs are not installed here
"""

from __future__ import annotations

from .._errors import InputError, V6PlanError

__all__ = ["AdvertError", "BackendError", "LabError", "MissingProgramsError", "NoSessionError"]


class LabError(InputError):
    """The trainee asked for something the lab cannot do: unknown lab, node, check…"""


class NoSessionError(LabError):
    """No lab is running (``v6lab start LAB`` first)."""


class AdvertError(LabError, ValueError):
    """A router's ``advertise:`` options are wrong; the message names the key and the fix.
    (Also a ValueError, as :class:`~v6plan._errors.AddressError` is: a value that is wrong.)"""


class BackendError(V6PlanError):
    """A backend failed to build, reach or tear down a topology."""


class MissingProgramsError(BackendError):
    """Programs the lab runs on this backend are not installed; ``programs`` lists them."""

    def __init__(self, message: str, programs: list[str]) -> None:
        super().__init__(message)
        self.programs = programs
