"""A segment's switch: a learning bridge on virtual time, as the netns backend's Linux bridge.

The netns backend builds each segment as a Linux bridge with STP off, no forward delay
and multicast snooping off (``mcast_snooping 0``). This switch does what that bridge
does with a frame: learn the source MAC on the port it came in on; send a frame to a
learned unicast MAC out of that port only (nothing if it came in there); flood unknown
unicast, broadcast and every multicast (NDP, RS/RA, MLD) to every other port. A learned
entry is forgotten after :data:`BRIDGE_AGEING` seconds without a frame from it, or when
its port loses carrier. Frames cross the switch in no time: a member's veth delay is the
path's only one, as on the kernel (veth → bridge → veth runs in one softirq).
"""

from __future__ import annotations

from .._backend import BRIDGE_AGEING, SWITCH_NODE
from ._model import Iface
from ._world import World

__all__ = ["Switch", "SwitchPort", "far_ends"]


class SwitchPort(Iface):
    """A bridge port: the switch's end of a member's veth (``<segment>.<i>``)."""

    def __init__(self, switch: Switch, segment: str, name: str, index: int) -> None:
        super().__init__(switch, name, index, "00:00:00:00:00:00")
        self.switch = switch
        self.segment = segment
        self.up = True

    def receive(self, frame: bytes) -> None:
        self.switch.forward(self, frame)


class Switch:
    """Every segment's bridge of one session (netns: the namespace ``v6lab-<tag>--sw``).

    Ports are numbered as the kernel numbers them there: ``lo`` 1, one bridge per segment
    from 2, then the ports in the order of the segments and their members."""

    def __init__(self, world: World, segments: int) -> None:
        self.name = SWITCH_NODE
        self.world = world
        self.conf: dict[str, dict[str, int]] = {}
        self.next_index = 2 + segments
        #: per segment: its ports; per port: the MACs learned on it and when last seen
        self.ports: dict[str, list[SwitchPort]] = {}
        self.fdb: dict[str, dict[bytes, tuple[SwitchPort, float]]] = {}

    def add_port(self, segment: str, member: Iface) -> SwitchPort:
        """A port on ``segment``'s bridge, wired to ``member`` (a veth pair)."""
        ports = self.ports.setdefault(segment, [])
        self.fdb.setdefault(segment, {})
        port = SwitchPort(self, segment, f"{segment}.{len(ports)}", self.next_index)
        self.next_index += 1
        ports.append(port)
        port.peer, member.peer = member, port
        return port

    def forward(self, ingress: SwitchPort, frame: bytes) -> None:
        """Learn, then forward or flood (br_handle_frame_finish with snooping off)."""
        fdb = self.fdb[ingress.segment]
        now = self.world.now
        dst, src = frame[0:6], frame[6:12]
        if not src[0] & 1:
            fdb[src] = (ingress, now)
        learned = fdb.get(dst) if not dst[0] & 1 else None
        if learned is not None and now - learned[1] > BRIDGE_AGEING:
            del fdb[dst]
            learned = None
        if learned is not None:
            targets = [learned[0]] if learned[0] is not ingress else []
        else:
            targets = [p for p in self.ports[ingress.segment] if p is not ingress]
        for port in targets:
            member = port.peer
            if member is not None and member.up:
                member.receive(frame)

    def frame_input(self, iface: Iface, frame: bytes) -> None:
        return None  # a port hands its frames to :meth:`forward`; nothing is addressed here

    def accept_ra(self, iface: Iface) -> bool:
        return False  # IPv6 is off in the switch's namespace

    def _iid(self, iface: Iface, prefix: int) -> int:
        return 0

    def _carrier_on(self, iface: Iface) -> None:
        return None

    def _carrier_off(self, iface: Iface) -> None:
        """A port without carrier is disabled: its learned MACs go (br_fdb_delete_by_port)."""
        for fdb in self.fdb.values():
            for mac in [m for m, (p, _) in fdb.items() if p is iface]:
                del fdb[mac]


def far_ends(iface: Iface) -> list[Iface]:
    """The interfaces a frame from ``iface`` can reach: its veth peer, or on a segment
    every other member."""
    peer = iface.peer
    if isinstance(peer, SwitchPort):
        ports = peer.switch.ports[peer.segment]
        return [p.peer for p in ports if p is not peer and p.peer is not None]
    return [peer] if peer is not None else []
