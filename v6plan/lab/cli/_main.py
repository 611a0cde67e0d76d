"""``v6lab``: the trainee's command — start a lab, read the task, configure nodes, check.

This module makes the top-level parser and runs a command; each command module declares
its own sub-commands (``register(commands)``): :mod:`._session_cmds` (list, start, status,
task, stop, cleanup), :mod:`._node_cmds` (exec, shell, capture), :mod:`._grade_cmds`
(check, hint, answer), :mod:`._author_cmds` (solve, verify) and :mod:`._instructor`
(variants, grade, export); :mod:`._common` holds what they share.

Start-up matters: every one of them imports only the standard library at import time; the
lab engine (and Scapy, through a backend) is imported inside the command that needs it,
so ``v6lab --help`` stays fast and never imports Scapy.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ...cli import HelpFormatter, add_command
from . import _author_cmds, _classroom, _grade_cmds, _instructor, _node_cmds, _session_cmds
from ._common import NOTED, Commands, note_command
from ._output import err

__all__ = ["build_parser", "main"]

EPILOG = """\
a first session (the simulator needs no root):
  v6lab list                                   the labs you can start
  v6lab start 04-lan-addressing                bring up its topology
  v6lab task                                   what to do, with your addresses
  v6lab exec h1 -- ip -6 addr show dev eth0    run a command on a node
  v6lab exec h1 -- ping -6 -c 2 2001:db8:42:2::10
  v6lab answer count-64 65536                  answer a question (quiz labs)
  v6lab check                                  grade it: ✓ or ✗ with a reason per check
  v6lab hint                                   a hint for the first failing check
  v6lab capture r1 eth0 -o r1.pcap             the packets, for Wireshark
  v6lab stop                                   tear it down

on the real Linux kernel (root):
  sudo v6lab start 06-p2p-loopbacks --backend netns
  sudo v6lab shell r1                          a shell inside r1 (ip, ping, tcpdump)

exit codes: 0 ok · 1 a check failed or a backend error · 2 bad input or usage
"""


# the order `v6lab --help` lists the commands in: a session's life, then the instructor's
ORDER = (
    "list",
    "start",
    "status",
    "task",
    "exec",
    "shell",
    "check",
    "hint",
    "answer",
    "capture",
    "solve",
    "verify",
    "stop",
    "cleanup",
    "variants",
    "grade",
    "classroom",
    "export",
)
MODULES = (_session_cmds, _node_cmds, _grade_cmds, _author_cmds, _instructor, _classroom)


# -- the parser ---------------------------------------------------------------------------------
def _common_options() -> argparse.ArgumentParser:
    """Options every command takes, before or after its name (``v6lab --plain check``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--plain",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no colour and no symbols: words only (screen readers, logs)",
    )
    common.add_argument(
        "--lang",
        metavar="CODE",
        default=argparse.SUPPRESS,
        help="language of the texts: en, fr or ar (default from LANG)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="v6lab",
        description="Hands-on IPv6 labs: a virtual topology (simulated, or real Linux namespaces), "
        "a task with your own prefixes, and checks that say what is right and what is not.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version="v6lab (v6plan 0.1.0)")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    commands = Commands()
    for module in MODULES:
        module.register(commands)
    for command in commands.in_order(ORDER):
        p = add_command(sub, command.name, command.summary, command.examples, command.run, common)
        p.set_defaults(command_name=command.name)
        if command.options is not None:
            command.options(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.plain = getattr(args, "plain", False)
    args.lang = getattr(args, "lang", None)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    from ...cli import run_guarded

    if getattr(args, "command_name", "") in NOTED:
        import sys

        note_command(args.command_name, list(sys.argv[1:] if argv is None else argv))
    try:
        return run_guarded("v6lab", run, args)
    except PermissionError as exc:
        err(f"v6lab: {exc} — a lab started with sudo needs sudo for every command")
        return 2
