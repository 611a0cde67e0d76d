"""``ping``: iputils' echo client on virtual time."""

from __future__ import annotations

import math
import struct

from ...._prefix import format_address, parse_address
from .. import _wire as w
from ._cmdbase import Ctx, Fail, _destination, _number
from ._stack import (
    Iface,
)

__all__ = ["cmd_ping"]


# -- ping ---------------------------------------------------------------------------------------------
_UNREACH_TEXT = {
    0: "No route",
    1: "Administratively prohibited",
    2: "Beyond scope of source address",
    3: "Address unreachable",
    4: "Port unreachable",
    5: "Source address failed ingress/egress policy",
    6: "Reject route to destination",
}


def _rtt_text(ms: float) -> str:
    if ms >= 100:
        return f"{int(ms)}"
    if ms >= 10:
        return f"{ms:.1f}"
    if ms >= 1:
        return f"{ms:.2f}"
    return f"{ms:.3f}"


def cmd_ping(ctx: Ctx, args: list[str]) -> int:
    node = ctx.node
    count: int | None = None
    interval = 1.0
    wait = 10.0
    deadline: float | None = None
    hlim: int | None = None
    iface_opt: str | None = None
    size = 56
    quiet = False
    target: str | None = None
    it = iter(args)
    for arg in it:
        if arg in ("-6", "-n", "-v", "-U", "-A", "-D", "-O"):
            continue
        if arg == "-4":
            raise Fail("ping: the simulator has IPv6 only; use ping -6", 2)
        if arg == "-q":
            quiet = True
            continue
        opt, value = arg[:2], arg[2:]
        if opt in ("-c", "-i", "-W", "-w", "-t", "-I", "-s") and arg.startswith("-"):
            value = value or next(it, "")
            if opt == "-c":
                count = int(_number(value, "count", int))
                if count <= 0:
                    raise Fail(
                        f"ping: invalid argument: '{value}': out of range: 1 <= value <= 9223372036854775807",
                        1,
                    )
            elif opt == "-i":
                interval = _number(value, "interval")
            elif opt == "-W":
                wait = _number(value, "timeout")
            elif opt == "-w":
                deadline = _number(value, "deadline")
            elif opt == "-t":
                hlim = int(_number(value, "ttl", int))
                if not 0 <= hlim <= 255:
                    raise Fail(
                        f"ping: invalid argument: '{value}': out of range: 0 <= value <= 255", 1
                    )
            elif opt == "-I":
                iface_opt = value
            elif opt == "-s":
                size = int(_number(value, "size", int))
            continue
        if arg.startswith("-"):
            raise Fail(f"ping: invalid option -- '{arg[1:2]}'", 2)
        target = arg
    if target is None:
        raise Fail("ping: usage error: Destination address required", 1)
    dst, zone = _destination(ctx, target, "ping")
    src_bind: int | None = None
    oif_name = zone
    if iface_opt is not None:
        try:
            src_bind = parse_address(iface_opt)
        except ValueError:
            if iface_opt not in node.ifaces:
                raise Fail(f"ping: SO_BINDTODEVICE {iface_opt}: No such device", 2) from None
            oif_name = oif_name or iface_opt
    if w.is_link_local(dst) and oif_name is None:
        route = node.lookup(dst)
        oif_name = route.dev if route is not None else None
    oif = node.ifaces.get(oif_name) if oif_name else None
    local = node.is_local(dst, oif_name)
    route = None if local else node.lookup(dst, oif_name)
    if not local and not w.is_multicast(dst) and (route is None or route.kind != "unicast"):
        raise Fail("ping: connect: Network is unreachable", 2)
    if src_bind is not None:
        if node.local_address(src_bind) is None:
            raise Fail("ping: bind icmp socket: Cannot assign requested address", 2)
        src = src_bind
    else:
        out_iface = oif or (node.ifaces[route.dev] if route is not None and route.dev else None)
        if local:
            out_iface = node.ifaces["lo"] if not w.is_link_local(dst) else oif
        picked = dst if local else node.source_for(dst, out_iface)
        if picked is None:
            raise Fail("ping: connect: Cannot assign requested address", 2)
        src = picked
    if count is None and deadline is None:
        deadline = max(interval, ctx.timeout)
    shown = target if "%" in target else format_address(dst)
    world = node.world
    ident = world.rng.getrandbits(16)
    header = f"PING {shown}({shown}) {size} data bytes"
    if iface_opt is not None and src_bind is None:
        # iputils learns the source by a probe connect, which a scoped destination skips
        scoped = w.is_link_local(dst) or (w.is_multicast(dst) and w.scope_of(dst) <= 2)
        shown_src = "::" if scoped else format_address(src)
        header = f"PING {shown}({shown}) from {shown_src} {iface_opt}: {size} data bytes"
        if scoped:
            ctx.err.add(
                f"ping: Warning: source address might be selected on device other than: {iface_opt}"
            )
    elif src_bind is not None:
        header = f"PING {shown}({shown}) from {format_address(src_bind)} : {size} data bytes"
    ctx.out.add(header)
    sent: dict[int, float] = {}
    rtts: list[float] = []
    received: set[int] = set()
    errors = 0
    dups = 0
    lines: list[str] = []

    def listener(packet: bytes, _iface: Iface) -> None:
        nonlocal errors, dups
        if packet[6] != w.NH_ICMPV6 or len(packet) < 48:
            return
        kind = packet[40]
        who = w.from16(packet[8:24])
        who_text = format_address(who)
        if w.is_link_local(who) and oif_name:
            who_text += f"%{oif_name}"
        if kind == w.ECHO_REPLY:
            rid, seq = struct.unpack("!HH", packet[44:48])
            if rid != ident or seq not in sent:
                return
            rtt = (world.now - sent[seq]) * 1000.0
            dup = seq in received
            received.add(seq)
            if dup:
                dups += 1
            else:
                rtts.append(rtt)
            if not quiet:
                n = int.from_bytes(packet[4:6], "big")
                lines.append(
                    f"{n} bytes from {who_text}: icmp_seq={seq} ttl={packet[7]} "
                    f"time={_rtt_text(rtt)} ms" + (" (DUP!)" if dup else "")
                )
        elif kind in (w.DEST_UNREACH, w.TIME_EXCEEDED, w.PACKET_TOO_BIG, w.PARAM_PROBLEM):
            key = w.echo_key(packet[48:])
            if key is None or key[0] != ident or key[1] not in sent:
                return
            errors += 1
            code = packet[41]
            if kind == w.DEST_UNREACH:
                text = "Destination unreachable: " + _UNREACH_TEXT.get(code, f"Unknown code {code}")
            elif kind == w.TIME_EXCEEDED:
                text = "Time exceeded: " + ("Hop limit" if code == 0 else "Defragmentation failure")
            elif kind == w.PACKET_TOO_BIG:
                text = f"Packet too big: mtu={int.from_bytes(packet[44:48], 'big')}"
            else:
                text = f"Parameter problem: code {code}"
            lines.append(f"From {who_text} icmp_seq={key[1]} {text}")

    node.listeners.append(listener)
    start = world.now
    end_at = start + deadline if deadline is not None else None
    seq = 0
    send_errors: list[str] = []
    try:
        while True:
            if count is not None and seq >= count:
                break
            when = start + seq * interval
            if end_at is not None and when >= end_at:
                break
            _run(world, when, lines, ctx)
            seq += 1
            stamp = struct.pack("!QQ", int(world.now), int((world.now % 1) * 1e6))
            payload = (stamp + bytes(range(0x10, 0x10 + 40)))[:size] if size >= 16 else bytes(size)
            if size > 56:
                payload += bytes((i & 0xFF) for i in range(size - 56))
            hl = hlim if hlim is not None else node.conf[oif_name or "default"]["hop_limit"]
            packet = w.icmp6(
                w.a16(src),
                w.a16(dst),
                hl,
                w.ECHO_REQUEST,
                0,
                struct.pack("!HH", ident, seq) + payload,
            )
            sent[seq] = world.now
            problem = node.output(packet, oif_name)
            if problem is not None:
                send_errors.append(f"ping: sendmsg: {problem}")
                lines.append(f"ping: sendmsg: {problem}")
        last_send = start + (seq - 1) * interval if seq else start
        linger_end = last_send + wait
        if end_at is not None:
            linger_end = max(end_at, world.now) if count is None else min(linger_end, end_at)

        def all_in() -> bool:
            return len(received) + errors >= seq and not w.is_multicast(dst)

        world.run_until(linger_end, all_in)
        _flush(lines, ctx)
    finally:
        node.listeners.remove(listener)
    elapsed = round((last_send - start) * 1000)
    ctx.out.add("")
    ctx.out.add(f"--- {shown} ping statistics ---")
    loss = (seq - len(received)) * 100.0 / seq if seq else 0.0
    parts = [f"{seq} packets transmitted", f"{len(received)} received"]
    if dups:
        parts.append(f"+{dups} duplicates")
    if errors:
        parts.append(f"+{errors} errors")
    parts.append(f"{loss:g}% packet loss")
    parts.append(f"time {elapsed}ms")
    ctx.out.add(", ".join(parts))
    if rtts:
        avg = sum(rtts) / len(rtts)
        mdev = math.sqrt(max(0.0, sum(r * r for r in rtts) / len(rtts) - avg * avg))
        ctx.out.add(
            f"rtt min/avg/max/mdev = {min(rtts):.3f}/{avg:.3f}/{max(rtts):.3f}/{mdev:.3f} ms"
        )
    else:
        ctx.out.add("")
    return 0 if received else 1


def _run(world: object, when: float, lines: list[str], ctx: Ctx) -> None:
    world.run_until(when)  # type: ignore[attr-defined]
    _flush(lines, ctx)


def _flush(lines: list[str], ctx: Ctx) -> None:
    for line in lines:
        ctx.out.add(line)
    lines.clear()
