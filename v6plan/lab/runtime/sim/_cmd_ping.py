"""``ping``: iputils' echo client on virtual time."""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from ...._prefix import format_address, parse_address
from .. import _wire as w
from ._cmdbase import Ctx, Fail, _destination, _number
from ._stack import Iface

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


@dataclass
class _PingArgs:
    target: str = ""
    count: int | None = None
    interval: float = 1.0
    wait: float = 10.0
    deadline: float | None = None
    hlim: int | None = None
    iface_opt: str | None = None
    size: int = 56
    quiet: bool = False
    #: -M: path MTU discovery (do, probe: never fragment; want, dont: fragment)
    pmtudisc: str = "want"


@dataclass
class _Path:
    """Where the echo requests go: destination, interface, source (and a bound one)."""

    dst: int
    oif_name: str | None
    src: int
    src_bind: int | None


def cmd_ping(ctx: Ctx, args: list[str]) -> int:
    a = _ping_args(args)
    path = _ping_path(ctx, a)
    if a.count is None and a.deadline is None:
        a.deadline = max(a.interval, ctx.timeout)
    shown = a.target if "%" in a.target else format_address(path.dst)
    run = _PingRun(ctx, a, path, ident=ctx.node.world.rng.getrandbits(16))
    ctx.out.add(_header(ctx, a, path, shown))
    ctx.node.listeners.append(run.listener)
    try:
        run.send_all()
    finally:
        ctx.node.listeners.remove(run.listener)
    return run.statistics(shown)


_VALUE_OPTS = ("-c", "-i", "-W", "-w", "-t", "-I", "-s", "-M")
_PMTUDISC = ("do", "dont", "want", "probe")


def _ping_args(args: list[str]) -> _PingArgs:
    a = _PingArgs()
    target: str | None = None
    it = iter(args)
    for arg in it:
        if arg in ("-6", "-n", "-v", "-U", "-A", "-D", "-O"):
            continue
        if arg == "-4":
            raise Fail("ping: the simulator has IPv6 only; use ping -6", 2)
        if arg == "-q":
            a.quiet = True
            continue
        opt, value = arg[:2], arg[2:]
        if opt in _VALUE_OPTS and arg.startswith("-"):
            _ping_option(a, opt, value or next(it, ""))
            continue
        if arg.startswith("-"):
            raise Fail(f"ping: invalid option -- '{arg[1:2]}'", 2)
        target = arg
    if target is None:
        raise Fail("ping: usage error: Destination address required", 1)
    a.target = target
    return a


def _ping_option(a: _PingArgs, opt: str, value: str) -> None:
    if opt == "-c":
        a.count = int(_number(value, "count", int))
        if a.count <= 0:
            raise Fail(
                f"ping: invalid argument: '{value}': out of range: 1 <= value <= 9223372036854775807",
                1,
            )
    elif opt == "-i":
        a.interval = _number(value, "interval")
    elif opt == "-W":
        a.wait = _number(value, "timeout")
    elif opt == "-w":
        a.deadline = _number(value, "deadline")
    elif opt == "-t":
        a.hlim = int(_number(value, "ttl", int))
        if not 0 <= a.hlim <= 255:
            raise Fail(f"ping: invalid argument: '{value}': out of range: 0 <= value <= 255", 1)
    elif opt == "-I":
        a.iface_opt = value
    elif opt == "-M":
        if value not in _PMTUDISC:
            raise Fail(
                f"ping: invalid -M argument: {value}: do, dont, want and probe are valid ones", 2
            )
        a.pmtudisc = value
    else:
        a.size = int(_number(value, "size", int))


def _ping_path(ctx: Ctx, a: _PingArgs) -> _Path:
    """The socket's view before sending: -I (an interface or a source), the zone, the
    route, and the source the kernel picks (errors as iputils prints them)."""
    node = ctx.node
    dst, zone = _destination(ctx, a.target, "ping")
    src_bind: int | None = None
    oif_name = zone
    if a.iface_opt is not None:
        try:
            src_bind = parse_address(a.iface_opt)
        except ValueError:
            if a.iface_opt not in node.ifaces:
                raise Fail(f"ping: SO_BINDTODEVICE {a.iface_opt}: No such device", 2) from None
            oif_name = oif_name or a.iface_opt
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
        return _Path(dst, oif_name, src_bind, src_bind)
    out_iface = oif or (node.ifaces[route.dev] if route is not None and route.dev else None)
    if local:
        out_iface = node.ifaces["lo"] if not w.is_link_local(dst) else oif
    picked = dst if local else node.source_for(dst, out_iface)
    if picked is None:
        raise Fail("ping: connect: Cannot assign requested address", 2)
    return _Path(dst, oif_name, picked, None)


def _header(ctx: Ctx, a: _PingArgs, path: _Path, shown: str) -> str:
    if a.iface_opt is not None and path.src_bind is None:
        # iputils learns the source by a probe connect, which a scoped destination skips
        dst = path.dst
        scoped = w.is_link_local(dst) or (w.is_multicast(dst) and w.scope_of(dst) <= 2)
        shown_src = "::" if scoped else format_address(path.src)
        if scoped:
            ctx.err.add(
                f"ping: Warning: source address might be selected on device other than: {a.iface_opt}"
            )
        return f"PING {shown}({shown}) from {shown_src} {a.iface_opt}: {a.size} data bytes"
    if path.src_bind is not None:
        return f"PING {shown}({shown}) from {format_address(path.src_bind)} : {a.size} data bytes"
    return f"PING {shown}({shown}) {a.size} data bytes"


class _PingRun:
    """One ping's exchange on virtual time: requests out, replies and errors in."""

    def __init__(self, ctx: Ctx, a: _PingArgs, path: _Path, ident: int) -> None:
        self.ctx, self.a, self.path, self.ident = ctx, a, path, ident
        self.world = ctx.node.world
        self.sent: dict[int, float] = {}
        self.rtts: list[float] = []
        self.received: set[int] = set()
        self.errors = self.dups = self.seq = 0
        self.lines: list[str] = []
        self.start = self.last_send = self.world.now

    def listener(self, packet: bytes, _iface: Iface) -> None:
        if packet[6] != w.NH_ICMPV6 or len(packet) < 48:
            return
        kind = packet[40]
        who = w.from16(packet[8:24])
        who_text = format_address(who)
        if w.is_link_local(who) and self.path.oif_name:
            who_text += f"%{self.path.oif_name}"
        if kind == w.ECHO_REPLY:
            self._reply(packet, who_text)
        elif kind in (w.DEST_UNREACH, w.TIME_EXCEEDED, w.PACKET_TOO_BIG, w.PARAM_PROBLEM):
            key = w.echo_key(packet[48:])
            if key is None or key[0] != self.ident or key[1] not in self.sent:
                return
            self.errors += 1
            self.lines.append(f"From {who_text} icmp_seq={key[1]} {_error_text(packet)}")

    def _reply(self, packet: bytes, who_text: str) -> None:
        rid, seq = struct.unpack("!HH", packet[44:48])
        if rid != self.ident or seq not in self.sent:
            return
        rtt = (self.world.now - self.sent[seq]) * 1000.0
        dup = seq in self.received
        self.received.add(seq)
        if dup:
            self.dups += 1
        else:
            self.rtts.append(rtt)
        if not self.a.quiet:
            n = int.from_bytes(packet[4:6], "big")
            self.lines.append(
                f"{n} bytes from {who_text}: icmp_seq={seq} ttl={packet[7]} "
                f"time={_rtt_text(rtt)} ms" + (" (DUP!)" if dup else "")
            )

    def send_all(self) -> None:
        """Send every request on its interval, then linger for the answers."""
        a, world = self.a, self.world
        end_at = self.start + a.deadline if a.deadline is not None else None
        while a.count is None or self.seq < a.count:
            when = self.start + self.seq * a.interval
            if end_at is not None and when >= end_at:
                break
            world.run_until(when)
            self._flush()
            self.seq += 1
            self._send_one()
        self.last_send = self.start + (self.seq - 1) * a.interval if self.seq else self.start
        linger_end = self.last_send + a.wait
        if end_at is not None:
            linger_end = max(end_at, world.now) if a.count is None else min(linger_end, end_at)

        def all_in() -> bool:
            return len(self.received) + self.errors >= self.seq and not w.is_multicast(
                self.path.dst
            )

        world.run_until(linger_end, all_in)
        self._flush()

    def _send_one(self) -> None:
        a, node, now = self.a, self.ctx.node, self.world.now
        stamp = struct.pack("!QQ", int(now), int((now % 1) * 1e6))
        payload = (
            (stamp + bytes(range(0x10, 0x10 + 40)))[: a.size] if a.size >= 16 else bytes(a.size)
        )
        if a.size > 56:
            payload += bytes((i & 0xFF) for i in range(a.size - 56))
        oif = self.path.oif_name
        hl = a.hlim if a.hlim is not None else node.conf[oif or "default"]["hop_limit"]
        body = struct.pack("!HH", self.ident, self.seq) + payload
        packet = w.icmp6(w.a16(self.path.src), w.a16(self.path.dst), hl, w.ECHO_REQUEST, 0, body)
        self.sent[self.seq] = now
        problem = node.output(packet, oif, dontfrag=a.pmtudisc in ("do", "probe"))
        if problem == "Message too long":  # EMSGSIZE, then the error queue's IPV6_PATHMTU
            self.errors += 1
            route = node.lookup(self.path.dst, oif)
            mtu = node.path_mtu(self.path.dst, route) if route is not None else 0
            self.ctx.err.add(f"ping: local error: message too long, mtu: {mtu}")
        elif problem is not None:
            self.lines.append(f"ping: sendmsg: {problem}")

    def _flush(self) -> None:
        for line in self.lines:
            self.ctx.out.add(line)
        self.lines.clear()

    def statistics(self, shown: str) -> int:
        out, seq, received = self.ctx.out, self.seq, self.received
        elapsed = round((self.last_send - self.start) * 1000)
        out.add("")
        out.add(f"--- {shown} ping statistics ---")
        loss = (seq - len(received)) * 100.0 / seq if seq else 0.0
        parts = [f"{seq} packets transmitted", f"{len(received)} received"]
        if self.dups:
            parts.append(f"+{self.dups} duplicates")
        if self.errors:
            parts.append(f"+{self.errors} errors")
        parts += [f"{loss:g}% packet loss", f"time {elapsed}ms"]
        out.add(", ".join(parts))
        rtts = self.rtts
        if rtts:
            avg = sum(rtts) / len(rtts)
            mdev = math.sqrt(max(0.0, sum(r * r for r in rtts) / len(rtts) - avg * avg))
            out.add(
                f"rtt min/avg/max/mdev = {min(rtts):.3f}/{avg:.3f}/{max(rtts):.3f}/{mdev:.3f} ms"
            )
        else:
            out.add("")
        return 0 if received else 1


def _error_text(packet: bytes) -> str:
    kind, code = packet[40], packet[41]
    if kind == w.DEST_UNREACH:
        return "Destination unreachable: " + _UNREACH_TEXT.get(code, f"Unknown code {code}")
    if kind == w.TIME_EXCEEDED:
        return "Time exceeded: " + ("Hop limit" if code == 0 else "Defragmentation failure")
    if kind == w.PACKET_TOO_BIG:
        return f"Packet too big: mtu={int.from_bytes(packet[44:48], 'big')}"
    return f"Parameter problem: code {code}"
