"""``traceroute`` (UDP probes, traceroute 2.1's output)."""

from __future__ import annotations

import struct

from ...._prefix import format_address
from .. import _wire as w
from ._cmdbase import Ctx, Fail, _destination
from ._stack import (
    Iface,
)

__all__ = ["cmd_traceroute"]


# -- traceroute -------------------------------------------------------------------------------------------
_TRACE_ANNOT = {0: "!N", 1: "!X", 2: "!S", 3: "!H", 5: "!S", 6: "!X"}


def cmd_traceroute(ctx: Ctx, args: list[str]) -> int:
    node = ctx.node
    max_hops = 30
    first = 1
    queries = 3
    wait = 5.0
    port = 33434
    iface_opt: str | None = None
    target: str | None = None
    it = iter(args)
    for arg in it:
        if arg in ("-6", "-n", "-U"):
            continue
        if arg == "-4":
            raise Fail("traceroute: the simulator has IPv6 only; use traceroute -6", 2)
        if arg in ("-m", "-f", "-q", "-w", "-p", "-i") or (
            arg[:2] in ("-m", "-f", "-q", "-w", "-p", "-i") and len(arg) > 2
        ):
            value = arg[2:] or next(it, "")
            try:
                if arg[:2] == "-m":
                    max_hops = int(value)
                elif arg[:2] == "-f":
                    first = int(value)
                elif arg[:2] == "-q":
                    queries = int(value)
                elif arg[:2] == "-w":
                    wait = float(value.split(",")[0])
                elif arg[:2] == "-p":
                    port = int(value)
                else:
                    iface_opt = value
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
    dst, zone = _destination(ctx, target, "traceroute")
    oif_name = zone or iface_opt
    shown = format_address(dst)
    ctx.out.add(f"traceroute to {shown} ({shown}), {max_hops} hops max, 80 byte packets")
    local = node.local_address(dst) is not None and not w.is_link_local(dst)
    route = None if local else node.lookup(dst, oif_name)
    if not local and (route is None or route.kind != "unicast"):
        raise Fail("connect: Network is unreachable", 1)
    out_iface = node.ifaces["lo"] if local else node.ifaces[route.dev or "lo"]  # type: ignore[union-attr]
    src = dst if local else node.source_for(dst, out_iface)
    if src is None:
        raise Fail("connect: Cannot assign requested address", 1)
    world = node.world
    sport = 32768 + world.rng.getrandbits(14)
    answers: dict[int, tuple[int, int, int, float]] = {}

    def listener(packet: bytes, _iface: Iface) -> None:
        if packet[6] != w.NH_ICMPV6 or len(packet) < 48 + 48:
            return
        kind, code = packet[40], packet[41]
        if kind not in (w.TIME_EXCEEDED, w.DEST_UNREACH):
            return
        quoted = packet[48:]
        if quoted[6] != w.NH_UDP or w.from16(quoted[24:40]) != dst:
            return
        qsport, qdport = struct.unpack("!HH", quoted[40:44])
        if qsport != sport:
            return
        answers.setdefault(qdport, (w.from16(packet[8:24]), kind, code, world.now))

    node.listeners.append(listener)
    probe_port = port
    try:
        for ttl in range(first, max_hops + 1):
            line = f"{ttl:2d} "
            last_who: int | None = None
            final = False
            for _ in range(queries):
                sent_at = world.now
                data = bytes(range(0x40, 0x40 + 32))
                packet = w.udp(w.a16(src), w.a16(dst), ttl, sport, probe_port, data)
                this_port = probe_port
                probe_port += 1
                problem = node.output(packet, oif_name)
                if problem is not None:
                    line += " *"
                    continue
                world.run_until(sent_at + wait, lambda p=this_port: p in answers)  # type: ignore[misc]
                answer = answers.get(this_port)
                if answer is None:
                    line += " *"
                    continue
                who, kind, code, at = answer
                if who != last_who:
                    line += f" {format_address(who)} ({format_address(who)})"
                    last_who = who
                line += f"  {(at - sent_at) * 1000:.3f} ms"
                if kind == w.DEST_UNREACH:
                    if code == 4:
                        final = True
                    else:
                        line += " " + _TRACE_ANNOT.get(code, f"!<{code}>")
                        final = True
            ctx.out.add(line)
            if final:
                break
    finally:
        node.listeners.remove(listener)
    return 0
