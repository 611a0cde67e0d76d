"""What every ``v6lab`` command module shares: the running lab, its texts, node names, and
:class:`Commands`, through which each module declares its sub-commands.

Like the whole command line, this imports only the standard library at import time; the
engine is imported inside the function that needs it, so ``v6lab --help`` stays instant.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model._i18n import Messages
    from ..model._labfile import LabRun
    from ..runtime._backend import Backend
    from ..runtime._session import Session

__all__ = [
    "NOTED",
    "Command",
    "Commands",
    "check_node",
    "lab_messages",
    "lab_run",
    "live",
    "note_command",
    "require_ready",
]

Run = Callable[[argparse.Namespace], int]
Options = Callable[[argparse.ArgumentParser], object]


# -- declaring sub-commands -------------------------------------------------------------------
@dataclass(frozen=True)
class Command:
    """One sub-command: its summary and examples (for --help), what runs it, its options."""

    name: str
    summary: str
    examples: str
    run: Run
    options: Options | None = None


class Commands:
    """The sub-commands the modules declare (each module's ``register(commands)``).

    They are declared, not added at once, because ``v6lab --help`` lists them in an order
    that mixes the modules (``stop`` comes after ``verify``): :mod:`._main` adds them to
    the parser in its own order.
    """

    def __init__(self) -> None:
        self.declared: dict[str, Command] = {}

    def add(
        self, name: str, summary: str, examples: str, run: Run, options: Options | None = None
    ) -> None:
        self.declared[name] = Command(name, summary, examples, run, options)

    def in_order(self, order: Iterable[str]) -> list[Command]:
        """The commands in ``order``; any not named there follow, as they were declared."""
        rank = {name: i for i, name in enumerate(order)}
        return sorted(self.declared.values(), key=lambda c: rank.get(c.name, len(rank)))


# -- what the trainee asks v6lab: recorded in the session, signed with the result ---------
#: the commands that ask v6lab about the running lab (the grade counts hints and solve
#: attempts); what runs on the nodes (exec, shell) is in the journal already, command by
#: command, and `v6lab exec` stays as fast as it was
NOTED = frozenset(("status", "task", "capture", "check", "hint", "answer", "solve"))


def note_command(command: str, argv: list[str]) -> None:
    """Record ``v6lab ARGV`` in the running lab's activity (nothing when no lab runs)."""
    import contextlib

    from .._errors import LabError
    from ..runtime._session import Session

    with contextlib.suppress(LabError, OSError):  # no lab: the command itself says so
        Session.current().note(command, argv)


# -- the running lab --------------------------------------------------------------------------
def lab_messages(args: argparse.Namespace, run: LabRun | None = None) -> Messages:
    """The texts in the trainee's language: the lab's own catalogue when a lab is given."""
    from ..model._i18n import Messages, language

    lang = language(getattr(args, "lang", None))
    if run is not None:
        return run.lab.messages(lang)
    return Messages(lang)


def lab_run(session: Session) -> LabRun:
    """The running lab with the session's variant: its plan, task, checks and solutions."""
    from ..model._labfile import Variant, load_lab

    lab = load_lab(session.info.lab)
    variant = Variant(name=session.info.variant_name, prefix=session.info.prefix_tuple)
    return lab.instantiate(variant)


def require_ready(session: Session) -> None:
    """Refuse a lab whose start was interrupted: its nodes may be half made."""
    if not session.info.ready:
        from .._errors import LabError

        raise LabError(
            f"the lab {Path(session.info.lab).name} did not finish starting; "
            "run `v6lab stop` (or `v6lab cleanup`) and start it again"
        )


@contextmanager
def live(args: argparse.Namespace) -> Iterator[tuple[Session, LabRun, Backend]]:
    """The running lab: session, its values, and the live backend (the session process's
    stand-in, or attached here under the session lock)."""
    from ..runtime._session import Session

    session = Session.current()
    run = lab_run(session)
    require_ready(session)
    with session.opened(run.topology_spec) as backend:
        yield session, run, backend


def check_node(run: LabRun, node: str, iface: str | None = None) -> None:
    """Refuse a node (or interface) the lab does not have, naming the closest one."""
    from .._errors import LabError
    from ..model._yaml import closest

    nodes = list(run.addressing.topology.nodes)
    if node not in nodes:
        hint = closest(node, nodes)
        raise LabError(
            f"no node {node!r} in this lab{' — ' + hint if hint else ''} (nodes: {', '.join(nodes)})"
        )
    if iface is not None:
        names = [*run.addressing.topology.interfaces(node), "lo"]
        if iface not in names:
            hint = closest(iface, names)
            raise LabError(
                f"{node} has no interface {iface!r}{' — ' + hint if hint else ''} "
                f"(interfaces: {', '.join(names)})"
            )
