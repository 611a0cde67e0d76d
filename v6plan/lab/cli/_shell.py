"""``v6lab shell NODE`` on the simulator: a prompt that runs each line on the node.

On a terminal it edits lines as a shell does (the standard library's ``readline``):
arrows move and recall earlier commands (kept per node in the session, as a shell's
history file), Tab completes command names, then node and interface names and the
words ``ip`` takes. Without a terminal (a pipe, a here-doc) it
reads plain lines, so scripts and tests feed it as before.
"""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ._output import err

__all__ = ["ShellContext", "run_shell_loop"]

#: words that follow ``ip`` and its objects (completed after the command name)
_IP_WORDS = (
    "address",
    "link",
    "route",
    "neighbour",
    "maddress",
    "show",
    "add",
    "del",
    "flush",
    "get",
    "set",
    "dev",
    "via",
    "from",
    "table",
    "local",
    "up",
    "down",
    "default",
)
_BUILTINS = ("exit", "quit", "help")


@dataclass
class ShellContext:
    """What the prompt needs: the node, the names to complete, how to run a line."""

    node: str
    run: Callable[[list[str]], tuple[int, str, str]]
    commands: Sequence[str] = ()
    nodes: Sequence[str] = ()
    interfaces: Sequence[str] = ()
    #: the catalogue's sentences: shown on a terminal at start, and for ``help``
    welcome: str = ""
    help_text: str = ""
    #: where the lines typed on a terminal are kept between shells (None: not kept)
    history_file: Path | None = None
    history: list[str] = field(default_factory=list)

    def candidates(self, before: str, text: str) -> list[str]:
        """Completions of ``text``, the word being typed after ``before``."""
        if not before.strip():
            pool: Sequence[str] = (*self.commands, *_BUILTINS)
        else:
            pool = (*self.interfaces, *self.nodes, *_IP_WORDS)
        return sorted({word for word in pool if word.startswith(text)})


def run_shell_loop(ctx: ShellContext, interactive: bool | None = None) -> int:
    """Read lines until ``exit`` or end of input; the last command's exit code."""
    if interactive is None:
        interactive = sys.stdin.isatty()
    if interactive:
        _enable_editing(ctx)
        if ctx.welcome:
            err(ctx.welcome)
    try:
        return _loop(ctx, interactive)
    finally:
        if interactive:
            _save_history(ctx)


def _loop(ctx: ShellContext, interactive: bool) -> int:
    status = 0
    while True:
        try:
            line = input(f"{ctx.node}$ " if interactive else "")
        except EOFError:
            if interactive:
                sys.stderr.write("\n")
            break
        except KeyboardInterrupt:  # ^C drops the line being typed, as a shell does
            sys.stderr.write("^C\n")
            continue
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line in ("exit", "quit", "logout"):
            break
        if line == "help" and ctx.help_text:
            err(ctx.help_text)
            continue
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            err(f"{ctx.node}: {exc}")
            continue
        ctx.history.append(line)
        status, stdout, stderr = ctx.run(argv)
        sys.stdout.write(stdout)
        sys.stderr.write(stderr)
        sys.stdout.flush()
    return status


def _enable_editing(ctx: ShellContext) -> None:
    """Line editing and history through readline (absent on some builds: plain input)."""
    try:
        import readline
    except ImportError:
        return
    readline.set_completer_delims(" \t\n\"'")
    if "libedit" in (readline.__doc__ or ""):
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")
    matches: list[str] = []

    def complete(text: str, state: int) -> str | None:
        if state == 0:
            before = readline.get_line_buffer()[: readline.get_begidx()]
            matches[:] = [m + " " for m in ctx.candidates(before, text)]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    if ctx.history_file is not None:
        with contextlib.suppress(OSError):  # none yet
            readline.read_history_file(ctx.history_file)


def _save_history(ctx: ShellContext) -> None:
    try:
        import readline
    except ImportError:
        return
    if ctx.history_file is not None:
        readline.set_history_length(1000)
        with contextlib.suppress(OSError):  # the lab was stopped meanwhile: nothing to keep
            readline.write_history_file(ctx.history_file)
