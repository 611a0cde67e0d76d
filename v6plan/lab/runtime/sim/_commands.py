"""The trainee's command surface in the simulator: ``ip``, ``ping``, ``traceroute``,
``sysctl``, ``rdisc6``, ``hostname`` — with the output shape of the real tools on Debian 12
(iproute2 6.1, iputils 20221126, traceroute 2.1, ndisc6 1.0, procps 4).

Every command runs on virtual time: ``ping -c 3`` lets three seconds pass in the
simulated network, so timers (DAD, neighbour states, RAs) move as on a real host.
Each tool has its module (``_cmd_*``); this one dispatches.
"""

from __future__ import annotations

from collections.abc import Callable

from .._backend import CommandResult
from ._cmd_ip import cmd_ip
from ._cmd_ping import cmd_ping
from ._cmd_rdisc6 import cmd_rdisc6
from ._cmd_sysctl import _sysctl_read, cmd_sysctl, sysctl_write
from ._cmd_trace import cmd_traceroute
from ._cmdbase import Ctx, Fail, Out
from ._stack import Node

__all__ = ["COMMANDS", "Fail", "_sysctl_read", "run_command", "sysctl_write"]


def run_command(
    node: Node, argv: list[str], netns_of: Callable[[str], str], timeout: float
) -> CommandResult:
    """Run one command line on ``node``; unknown commands get a clear error (exit 127)."""
    if not argv:
        return CommandResult(2, "", "v6lab sim: no command given\n")
    name = argv[0].rsplit("/", 1)[-1]
    handler = COMMANDS.get(name)
    if handler is None:
        known = ", ".join(sorted(COMMANDS))
        return CommandResult(
            127,
            "",
            f"{name}: command not available in the simulator (it runs: {known}); "
            "for a real shell start the lab with --backend netns\n",
        )
    out = Out()
    ctx = Ctx(node, out, netns_of, timeout)
    try:
        code = handler(ctx, argv[1:])
    except Fail as exc:
        return CommandResult(exc.code, out.text(), ctx.err.text() + exc.message + "\n")
    return CommandResult(code, out.text(), ctx.err.text())


def cmd_hostname(ctx: Ctx, args: list[str]) -> int:
    ctx.out.add(ctx.node.name)
    return 0


COMMANDS: dict[str, Callable[[Ctx, list[str]], int]] = {
    "ip": cmd_ip,
    "ping": cmd_ping,
    "ping6": cmd_ping,
    "traceroute": cmd_traceroute,
    "traceroute6": cmd_traceroute,
    "sysctl": cmd_sysctl,
    "rdisc6": cmd_rdisc6,
    "hostname": cmd_hostname,
}
