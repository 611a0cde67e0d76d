"""``traceroute`` (UDP probes, traceroute 2.1's output)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ...._prefix import format_address
from .. import _wire as w
from ._cmdbase import Ctx, Fail, _destination
from ._stack import Iface

__all__ = ["cmd_traceroute"]


# -- traceroute -------------------------------------------------------------------------------------------
_TRACE_ANNOT = {0: "!N", 1: "!X", 2: "!S", 3: "!H", 5: "!S", 6: "!X"}


_VALUE_OPTS = ("-m", "-f", "-q", "-w", "-p", "-i")


@dataclass
class _TraceArgs:
    target: str = ""
    max_hops: int = 30
    first: int = 1
    queries: int = 3
    wait: float = 5.0
    port: int = 33434
    iface_opt: str | None = None


def cmd_traceroute(ctx: Ctx, args: list[str]) -> int:
    node = ctx.node
    a = _trace_args(args)
    dst, zone = _destination(ctx, a.target, "traceroute")
    oif_name = zone or a.iface_opt
    shown = format_address(dst)
    ctx.out.add(f"traceroute to {shown} ({shown}), {a.max_hops} hops max, 80 byte packets")
    local = node.local_address(dst) is not None and not w.is_link_local(dst)
    route = None if local else node.lookup(dst, oif_name)
    if not local and (route is None or route.kind != "unicast"):
        raise Fail("connect: Network is unreachable", 1)
    out_iface = node.ifaces["lo"] if local else node.ifaces[route.dev or "lo"]  # type: ignore[union-attr]
    src = dst if local else node.source_for(dst, out_iface)
    if src is None:
        raise Fail("connect: Cannot assign requested address", 1)
    trace = _Trace(ctx, a, src, dst, oif_name, sport=32768 + node.world.rng.getrandbits(14))
    node.listeners.append(trace.listener)
    try:
        for ttl in range(a.first, a.max_hops + 1):
            line, final = trace.hop(ttl)
            ctx.out.add(line)
            if final:
                break
    finally:
        node.listeners.remove(trace.listener)
    return 0


def _trace_args(args: list[str]) -> _TraceArgs:
    a = _TraceArgs()
    target: str | None = None
    it = iter(args)
    for arg in it:
        if arg in ("-6", "-n", "-U"):
            continue
        if arg == "-4":
            raise Fail("traceroute: the simulator has IPv6 only; use traceroute -6", 2)
        if arg in _VALUE_OPTS or (arg[:2] in _VALUE_OPTS and len(arg) > 2):
            value = arg[2:] or next(it, "")
            try:
                _trace_option(a, arg[:2], value)
            except ValueError:
                raise Fail(f"Cannot handle `{arg}' option with arg `{value}'", 2) from None
            continue
        if arg.startswith("-"):
            raise Fail(
                f"Bad option `{arg}' (argc 1)\nthe simulator's traceroute knows -6 -n -m -f -q -w -p -i",
                2,
            )
        target = arg
    if target is None:
        raise Fail('Specify "host" missing argument.', 2)
    a.target = target
    return a


def _trace_option(a: _TraceArgs, opt: str, value: str) -> None:
    if opt == "-m":
        a.max_hops = int(value)
    elif opt == "-f":
        a.first = int(value)
    elif opt == "-q":
        a.queries = int(value)
    elif opt == "-w":
        a.wait = float(value.split(",")[0])
    elif opt == "-p":
        a.port = int(value)
    else:
        a.iface_opt = value


class _Trace:
    """The probes of one traceroute and the ICMPv6 errors that answer them."""

    def __init__(
        self, ctx: Ctx, a: _TraceArgs, src: int, dst: int, oif: str | None, sport: int
    ) -> None:
        self.ctx, self.a, self.src, self.dst, self.oif, self.sport = ctx, a, src, dst, oif, sport
        self.world = ctx.node.world
        self.port = a.port
        self.answers: dict[int, tuple[int, int, int, float]] = {}

    def listener(self, packet: bytes, _iface: Iface) -> None:
        if packet[6] != w.NH_ICMPV6 or len(packet) < 48 + 48:
            return
        kind, code = packet[40], packet[41]
        if kind not in (w.TIME_EXCEEDED, w.DEST_UNREACH):
            return
        quoted = packet[48:]
        if quoted[6] != w.NH_UDP or w.from16(quoted[24:40]) != self.dst:
            return
        qsport, qdport = struct.unpack("!HH", quoted[40:44])
        if qsport != self.sport:
            return
        self.answers.setdefault(qdport, (w.from16(packet[8:24]), kind, code, self.world.now))

    def hop(self, ttl: int) -> tuple[str, bool]:
        """One line: ``queries`` probes with this hop limit; True once the target answered."""
        line = f"{ttl:2d} "
        last_who: int | None = None
        final = False
        for _ in range(self.a.queries):
            sent_at = self.world.now
            data = bytes(range(0x40, 0x40 + 32))
            packet = w.udp(w.a16(self.src), w.a16(self.dst), ttl, self.sport, self.port, data)
            this_port = self.port
            self.port += 1
            if self.ctx.node.output(packet, self.oif) is not None:
                line += " *"
                continue
            self.world.run_until(sent_at + self.a.wait, lambda p=this_port: p in self.answers)  # type: ignore[misc]
            answer = self.answers.get(this_port)
            if answer is None:
                line += " *"
                continue
            who, kind, code, at = answer
            if who != last_who:
                line += f" {format_address(who)} ({format_address(who)})"
                last_who = who
            line += f"  {(at - sent_at) * 1000:.3f} ms"
            if kind == w.DEST_UNREACH:
                final = True
                if code != 4:
                    line += " " + _TRACE_ANNOT.get(code, f"!<{code}>")
        return line, final
