"""``rdisc6``: solicit routers and print their advertisements as ndisc6 does."""

from __future__ import annotations

from ...._prefix import format_address, format_prefix
from .. import _wire as w
from ._cmdbase import Ctx, Fail
from ._ndisc import NdMessage
from ._stack import INFINITY, Iface

__all__ = ["cmd_rdisc6"]


# -- rdisc6 ---------------------------------------------------------------------------------------------
def _rd_seconds(label: str, value: int, unit: str = "seconds") -> str:
    if value == INFINITY:
        return f"{label}:     infinite (0xffffffff)"
    return f"{label}: {value:12d} (0x{value:08x}) {unit}"


def _rd_yes(label: str, flag: bool) -> str:
    return f"{label}: {'Yes' if flag else 'No':>12}"


def cmd_rdisc6(ctx: Ctx, args: list[str]) -> int:
    single, retries, wait, ifname = _rdisc6_args(args)
    iface = ctx.node.ifaces.get(ifname)
    if iface is None or iface.loopback:
        raise Fail(f"{ifname}: No such device", 1)
    ctx.out.add(f"Soliciting ff02::2 (ff02::2) on {ifname}...")
    adverts = _solicit(ctx, iface, single, retries, wait)
    if not adverts:
        ctx.out.add("No response.")
        return 2
    for msg in adverts[:1] if single else adverts:
        for line in _advert_lines(msg):
            ctx.out.add(line)
    return 0


def _rdisc6_args(args: list[str]) -> tuple[bool, int, float, str]:
    single = False
    retries = 3
    wait = 1.0
    ifname = None
    it = iter(args)
    for arg in it:
        if arg in ("-1", "--single"):
            single = True
        elif arg in ("-n", "--numeric", "-q", "--quiet", "-v", "--verbose", "-m", "--multiple"):
            continue
        elif arg in ("-r", "--retry"):
            retries = int(next(it, "3"))
        elif arg in ("-w", "--wait"):
            wait = float(next(it, "1000")) / 1000.0
        elif arg.startswith("-"):
            raise Fail(f"rdisc6: invalid option -- '{arg.lstrip('-')}'", 2)
        elif ifname is None:
            ifname = arg
    if ifname is None:
        raise Fail("rdisc6: missing interface argument", 2)
    return single, retries, wait, ifname


def _solicit(ctx: Ctx, iface: Iface, single: bool, retries: int, wait: float) -> list[NdMessage]:
    """Send RSs (from :: without a link-local) until advertisements come or retries end."""
    from . import _ndisc

    node, world = ctx.node, ctx.node.world
    adverts: list[NdMessage] = []

    def tap(frame: bytes) -> None:
        packet = frame[14:]
        if len(packet) > 40 and packet[6] == w.NH_ICMPV6 and packet[40] == w.RA:
            msg = _ndisc.parse(packet[: 40 + int.from_bytes(packet[4:6], "big")])
            if msg is not None:
                adverts.append(msg)

    iface.taps.append(tap)
    try:
        for _ in range(retries):
            if not iface.running:
                raise Fail("Sending ICMPv6 packet: Network is down", 1)
            ll = iface.link_local()
            src = ll.addr if ll is not None else 0
            packet = _ndisc.rs(src, None)
            if src == 0:
                iface.transmit(w.ether(w.multicast_mac(w.ALL_ROUTERS), iface.macb, packet))
            else:
                node.link_output(iface, w.ALL_ROUTERS, packet)
            started = world.now
            world.run_until(started + wait, lambda: bool(adverts) and single)
            if adverts:
                if not single:
                    world.run_until(started + wait)
                break
            ctx.out.add("Timed out.")
    finally:
        iface.taps.remove(tap)
    return adverts


def _advert_lines(msg: NdMessage) -> list[str]:
    """One advertisement as ndisc6 1.0 prints it."""
    out = [""]
    out.append(
        f"Hop limit                 :    {msg.hop_limit:9d} (      0x{msg.hop_limit:02x})"
        if msg.hop_limit
        else "Hop limit                 :    undefined (      0x00)"
    )
    out.append(_rd_yes("Stateful address conf.    ", msg.managed))
    out.append(_rd_yes("Stateful other conf.      ", msg.other))
    out.append(_rd_yes("Mobile home agent         ", False))
    out.append(f"Router preference         : {msg.preference:>12}")
    out.append(_rd_yes("Neighbor discovery proxy  ", False))
    out.append(_rd_seconds("Router lifetime           ", msg.router_lifetime))
    for label, value in (
        ("Reachable time            ", msg.reachable),
        ("Retransmit time           ", msg.retrans),
    ):
        if value:
            out.append(_rd_seconds(label, value, "milliseconds"))
        else:
            out.append(f"{label}:  unspecified (0x00000000)")
    for net, length, onlink, auto, valid, preferred in msg.prefixes:
        out.append(f" Prefix                   : {format_prefix(net, length)}")
        out.append(_rd_yes("  On-link                 ", onlink))
        out.append(_rd_yes("  Autonomous address conf.", auto))
        out.append(_rd_seconds("  Valid time              ", valid))
        out.append(_rd_seconds("  Pref. time              ", preferred))
    for lifetime, servers in msg.rdnss:
        out += [f" Recursive DNS server     : {format_address(a)}" for a in servers]
        # ndisc6 (ngettext): "server" for one address, "servers" for more
        label = "  DNS server lifetime     " if len(servers) == 1 else "  DNS servers lifetime    "
        out.append(_rd_seconds(label, lifetime))
    for lifetime, names in msg.dnssl:
        # ndisc6 prints each name followed by a space
        out.append(f" DNS search list          : {''.join(n + ' ' for n in names)}")
        out.append(_rd_seconds("  DNS search list lifetime", lifetime))
    if msg.mtu:
        out.append(f" MTU                      : {msg.mtu:12d} bytes (valid)")
    if msg.lladdr is not None:
        out.append(f" Source link-layer address: {w.mac_text(msg.lladdr)}")
    out.append(f" from {format_address(msg.src)}")
    return out
