"""``v6lab`` commands that act on one node of the running lab: ``exec``, ``shell`` and
``capture`` (standard library only at import, like all of the command line)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model._labfile import LabRun
    from ..runtime._session import Session

from ._common import Commands, check_node, lab_messages, lab_run, live, require_ready
from ._output import Out, err

__all__ = ["register"]


# -- exec / shell -------------------------------------------------------------------------------
def run_exec(args: argparse.Namespace) -> int:
    from .._errors import LabError

    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise LabError("give the command to run after the node: v6lab exec h1 -- ip -6 addr show")
    from ..runtime._session import Session

    session = Session.current()
    require_ready(session)
    saved = session.saved_topology()  # the nodes, without loading the lab (fast path)
    if saved is None or args.node not in {n.name for n in saved.nodes}:
        check_node(lab_run(session), args.node)
    with session.opened(lambda: lab_run(session).topology_spec()):
        result = session.exec(args.node, command, timeout=args.timeout)
    if result.stdout:
        sys.stdout.write(result.stdout if result.stdout.endswith("\n") else result.stdout + "\n")
    if result.stderr:
        sys.stderr.write(result.stderr if result.stderr.endswith("\n") else result.stderr + "\n")
    return result.returncode


def run_shell(args: argparse.Namespace) -> int:
    from ..runtime._session import Session

    session = Session.current()
    run = lab_run(session)
    check_node(run, args.node)
    argv = session.make_backend().shell_argv(args.node)  # the node's real shell, if any
    if argv is not None:
        env = dict(os.environ, PS1=f"[{args.node}] \\w# ", V6LAB_NODE=args.node)
        sys.stdout.flush()
        os.execvpe(argv[0], argv, env)
    return _sim_shell(args, session, run)


def _sim_shell(args: argparse.Namespace, session: Session, run: LabRun) -> int:
    """The simulator's prompt (:mod:`._shell`): each line runs on the node (journaled)."""
    from ._shell import ShellContext, run_shell_loop

    topology = run.topology_spec()
    seen = -1  # journal length after our last command; another terminal may add to it

    def execute(argv: list[str]) -> tuple[int, str, str]:
        nonlocal seen
        with session.locked():
            if session.backend is None or len(session.journal()) != seen:
                session.open(topology)
            result = session.exec(args.node, argv)
            seen = len(session.journal())
        return result.returncode, result.stdout, result.stderr

    from ..runtime._backend import linked_interfaces
    from ..runtime._backends import backend_class

    ifaces = ["lo"] + [end[1] for end in linked_interfaces(topology) if end[0] == args.node]

    commands = backend_class(session.info.backend).prompt_commands()
    messages = lab_messages(args, run)
    listed = {"node": args.node, "commands": ", ".join(commands) or "…"}
    ctx = ShellContext(
        args.node,
        execute,
        commands=commands,
        nodes=[n.name for n in topology.nodes],
        interfaces=ifaces,
        welcome=messages.text("ui.shell-welcome", listed),
        help_text=messages.text("ui.shell-help", listed),
        history_file=session.dir / f"history-{args.node}",
    )
    return run_shell_loop(ctx)


# -- capture ------------------------------------------------------------------------------------
def run_capture(args: argparse.Namespace) -> int:
    import tempfile

    target = Path(args.output)
    with live(args) as (_, run, backend):
        check_node(run, args.node, args.iface)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or "."
        )
        os.close(fd)
        try:
            if args.seconds:
                err(f"capturing on {args.node}:{args.iface} for {args.seconds:g} s …")
            count = backend.capture(
                args.node, args.iface, Path(tmp).resolve(), seconds=args.seconds
            )
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    Out(args.plain).print(
        lab_messages(args).text(
            "ui.captured", count=count, node=args.node, iface=args.iface, file=target
        )
    )
    return 0


# -- the sub-commands -------------------------------------------------------------------------
def _exec_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("node", help="node name (see `v6lab status`)")
    p.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds before the command is stopped (default 10)",
    )


def _shell_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("node", help="node name")


def _capture_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("node", help="node name")
    p.add_argument("iface", help="interface name, e.g. eth0")
    p.add_argument(
        "-o", "--output", required=True, metavar="FILE.pcap", help="the pcap file to write"
    )
    p.add_argument("--seconds", type=float, default=0.0, help="also capture this many seconds more")


def register(commands: Commands) -> None:
    """Declare ``exec``, ``shell`` and ``capture``."""
    commands.add(
        "exec",
        "run a command on a node (sim: ip, ping, traceroute, sysctl, rdisc6; netns: anything)",
        "  v6lab exec h1 -- ip -6 addr add 2001:db8:42:1::10/64 dev eth0\n"
        "  v6lab exec h1 -- ip -6 route add default via 2001:db8:42:1::1\n"
        "  v6lab exec h1 -- ping -6 -c 3 2001:db8:42:2::10\n"
        "  v6lab exec r1 -- ip -6 neigh show",
        run_exec,
        _exec_options,
    )
    commands.add(
        "shell",
        "an interactive shell on a node (netns: the real shell; sim: a command prompt)",
        "  v6lab shell h1\n  sudo v6lab shell r1            on netns: ip, ping, tcpdump …",
        run_shell,
        _shell_options,
    )
    commands.add(
        "capture",
        "write the frames seen on an interface to a pcap file (sim: the whole history)",
        "  v6lab capture r1 eth0 -o r1-eth0.pcap\n  v6lab capture h1 eth0 -o h1.pcap --seconds 5\n  wireshark r1-eth0.pcap",
        run_capture,
        _capture_options,
    )
