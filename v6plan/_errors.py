"""The one error hierarchy of v6plan.

Everything v6plan raises on purpose derives from :class:`V6PlanError`::

    V6PlanError                 root: catch this to catch everything v6plan raises
    ├── InputError              the user's input is wrong; the CLI exits with code 2
    │   ├── AddressError        (also ValueError) an address, prefix or MAC does not parse
    │   ├── SpecError           a plan spec has problems; ``.problems`` lists each one
    │   ├── LockError           the lock file is unreadable or disagrees with the spec
    │   ├── NotFoundError       (also LookupError) no node matches a path, name or address
    │   └── LabError            (v6plan.lab) a lab, node or check the trainee named is wrong
    │       ├── NoSessionError  (v6plan.lab) no lab is running
    │       └── AdvertError     (v6plan.lab; also ValueError) a router's advertise: options
    ├── PlanError               a plan cannot answer a request (e.g. no free block left)
    └── BackendError            (v6plan.lab) a lab backend cannot build, reach or tear down

Messages name the offending value and, where we can guess it, the fix. The lab classes
live in ``v6plan.lab._errors`` so that the planner core stays free of the lab engine.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AddressError",
    "InputError",
    "LockError",
    "NotFoundError",
    "PlanError",
    "Problem",
    "SpecError",
    "V6PlanError",
]


class V6PlanError(Exception):
    """Root of every error v6plan raises on purpose."""


class InputError(V6PlanError):
    """The user's input is wrong (bad text, bad file, bad argument)."""


class AddressError(InputError, ValueError):
    """An IPv6 address, prefix or MAC address could not be parsed or is not allowed."""


class NotFoundError(InputError, LookupError):
    """No plan node matches the given path, name or address."""

    def __str__(self) -> str:  # LookupError would repr() the message
        return str(self.args[0]) if self.args else ""


class LockError(InputError):
    """The lock file that keeps a plan stable is unreadable or disagrees with the spec."""


class PlanError(V6PlanError):
    """A plan cannot answer a request, e.g. there is no free block of the asked size."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in an input file, with its place (1-based line and column)."""

    file: str
    line: int
    column: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        text = f"{where}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class SpecError(InputError):
    """A plan spec has one or more problems; each is a :class:`Problem` with its place."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
