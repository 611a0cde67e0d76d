"""The ``sim`` backend: a deterministic IPv6 network in memory, on virtual time."""

from __future__ import annotations

import contextlib
import os
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from ..._errors import AdvertError, BackendError, LabError
from .._backend import (
    READY_DEADLINE,
    SETTLE_POLL,
    SLAAC_DEADLINE,
    Address,
    Backend,
    CommandResult,
    Interface,
    Neighbour,
    Route,
    RouteKind,
    TopologySpec,
    interface_macs,
    namespace_name,
    neighbour_state,
    node_sysctls,
    reported_address,
    route_proto,
    router_advert,
    sysctl_interface,
)

if TYPE_CHECKING:  # imported when a topology is built: `v6lab exec` through the session
    from ._stack import Iface, Node  # process loads only the client (see connect)
    from ._world import World

__all__ = ["SimBackend", "write_pcap"]


class SimBackend(Backend):
    """A Scapy-packet IPv6 simulator: no root, any OS, fully deterministic.

    The same topology and the same calls give the same bytes, so the engine keeps a
    journal of ``exec``/``advance`` calls and replays it after :meth:`attach`. A session
    process (:mod:`._server`, reached through :meth:`connect`) keeps one such network in
    memory between commands, so they answer without the rebuild.
    """

    name: ClassVar[str] = "sim"
    persistent: ClassVar[bool] = False
    #: start() runs the setup commands and settles, like netns, so both hand over a
    #: ready topology; a replay (attach) repeats exactly that.
    applies_setup: ClassVar[bool] = True

    @classmethod
    def prompt_commands(cls) -> list[str]:
        from ._commands import COMMANDS

        return sorted(COMMANDS)

    def __init__(self, session: str, workdir: Path) -> None:
        super().__init__(session, workdir)
        self.world: World | None = None
        self.nodes: dict[str, Node] = {}
        self.topology: TopologySpec | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self, topology: TopologySpec, progress: Callable[[str], None] | None = None) -> None:
        """Build nodes, links and daemons, then let the network settle (DAD, first RAs)."""
        from .. import _wire as w  # not for the client: see connect
        from ._stack import Node
        from ._world import World

        self.topology = topology
        self.world = world = World(w.seed_of(f"v6lab-sim/{topology.name}"))
        self.nodes = {}
        for spec in topology.nodes:
            if spec.name in self.nodes:
                raise BackendError(f"node {spec.name!r} appears twice in topology {topology.name}")
            node = Node(world, spec.name, spec.kind, self.session)
            for key, value in node_sysctls(spec).items():
                if sysctl_interface(key) is None:  # the rest once the interfaces exist
                    self._apply_sysctl(node, key, value)
            self.nodes[spec.name] = node
        macs = interface_macs(topology)
        for link in topology.links:
            ends = []
            for node_name, ifname in (link.a, link.b):
                end = self.nodes.get(node_name)
                if end is None:
                    raise BackendError(f"link {link.a}—{link.b} names unknown node {node_name!r}")
                if ifname in end.ifaces:
                    raise BackendError(f"interface {node_name}:{ifname} is used by two links")
                ends.append(end.add_iface(ifname, macs[(node_name, ifname)]))
            ends[0].peer, ends[1].peer = ends[1], ends[0]
        self._build_segments(topology, macs)
        for spec in topology.nodes:
            for key, value in node_sysctls(spec).items():
                if sysctl_interface(key) is not None:
                    self._apply_sysctl(self.nodes[spec.name], key, value)
        for spec in topology.nodes:
            node = self.nodes[spec.name]
            for ifname, options in spec.advertise.items():
                if ifname not in node.ifaces:
                    raise BackendError(
                        f"{spec.name} advertises on {ifname}, which it does not have"
                    )
                try:
                    node.start_radvd(ifname, router_advert(options))
                except AdvertError as exc:
                    raise BackendError(f"{spec.name}:{ifname}: {exc}") from None
        for node in self.nodes.values():
            for iface in list(node.ifaces.values()):
                if not iface.loopback:
                    node.set_up(iface, True)
        if progress is not None:
            links, shared = len(topology.links), len(topology.segments)
            if shared:
                progress(
                    f"simulated {len(self.nodes)} nodes, {links} link{'s' * (links != 1)} and "
                    f"{shared} shared segment{'s' * (shared != 1)}"
                )
            else:
                progress(f"simulated {len(self.nodes)} nodes and {links} links")
        for node_name, commands in topology.setup.items():
            for argv in commands:
                result = self.exec(node_name, list(argv))
                if result.returncode != 0:
                    raise BackendError(
                        f"setting up {node_name} failed: `{' '.join(argv)}` → "
                        f"{(result.stderr or result.stdout).strip()}"
                    )
        world.run_until(world.now + READY_DEADLINE, self._ready)
        expected = self._expected_slaac()
        world.run_until(world.now + SLAAC_DEADLINE, lambda: self._has_all(expected))
        world.advance(0.01)  # frames still in flight land, as they do while netns returns
        if progress is not None:
            progress("every link up and every address usable")

    def _build_segments(self, topology: TopologySpec, macs: dict[tuple[str, str], str]) -> None:
        """One switch holds every segment's bridge; each member a veth to a port of it."""
        if not topology.segments:
            return
        from ._switch import Switch

        switch = Switch(self._world(), len(topology.segments))
        for seg in topology.segments:
            for node_name, ifname in seg.members:
                end = self.nodes.get(node_name)
                if end is None:
                    raise BackendError(f"segment {seg.name} names unknown node {node_name!r}")
                if ifname in end.ifaces:
                    raise BackendError(f"interface {node_name}:{ifname} is used by two links")
                switch.add_port(seg.name, end.add_iface(ifname, macs[(node_name, ifname)]))

    def _ready(self) -> bool:
        """Every linked interface up with a usable link-local, nothing tentative (an
        address whose DAD failed no longer counts) — what netns polls for."""
        from .. import _wire as w  # not for the client: see connect

        for node in self.nodes.values():
            for iface in node.ifaces.values():
                if iface.loopback:
                    continue
                if not iface.running:
                    return False
                if (
                    not any(w.is_link_local(a.addr) for a in iface.addrs)
                    and not node.conf[iface.name]["disable_ipv6"]
                ):
                    return False
                for a in iface.addrs:
                    if "tentative" in a.flags and "dadfailed" not in a.flags:
                        return False
        return True

    def _expected_slaac(self) -> dict[str, set[int]]:
        """SLAAC addresses the hosts will form from the routers' advertisements."""
        from ._switch import far_ends

        want: dict[str, set[int]] = {}
        for node in self.nodes.values():
            for radvd in node.radvd.values():
                if not radvd.advert.autonomous:
                    continue
                for peer in far_ends(node.ifaces[radvd.iface]):
                    host = peer.node
                    conf = host.conf[peer.name]
                    if (
                        not host.accept_ra(peer)
                        or not conf["autoconf"]
                        or conf["addr_gen_mode"] not in (0, 2)
                    ):
                        continue
                    for net, length in radvd.advert.prefixes:
                        if length == 64 and radvd.advert.valid > 0:
                            want.setdefault(host.name, set()).add(net | host._iid(peer, net))
        return want

    def _has_all(self, want: dict[str, set[int]]) -> bool:
        for name, addrs in want.items():
            have = {a.addr for _, a in self.nodes[name].all_addresses() if a.usable()}
            if not addrs <= have:
                return False
        return True

    def attach(self, topology: TopologySpec) -> None:
        """The sim keeps nothing between processes: build afresh (the engine replays)."""
        self.start(topology)

    def stop(self) -> None:
        """Forget the network, and end the session's process if one runs (``v6lab stop``)."""
        from ._client import stop_server

        self.world = None
        self.nodes = {}
        stop_server(self.workdir)

    def connect(self) -> Backend | None:
        """A stand-in talking to this session's process (:mod:`._server`), started if none
        answers; None where there can be none (no Unix sockets or fork, V6LAB_SERVER=0)."""
        from ._client import SessionClient

        return SessionClient.for_session(self.session, self.workdir)

    # -- commands and time -----------------------------------------------------------------------
    def exec(self, node: str, argv: list[str], timeout: float = 10.0) -> CommandResult:
        from ._commands import run_command

        return run_command(self._node(node), list(argv), self._netns_name, timeout)

    def advance(self, seconds: float) -> None:
        self._world().advance(seconds)

    def settle(self, condition: Callable[[], bool], within: float) -> bool:
        """Virtual time: run the network's events in :data:`SETTLE_POLL` steps until
        ``condition`` holds or ``within`` virtual seconds have passed — the same states the
        kernel goes through, without the wall-clock wait. Probes that ``condition`` sends
        advance the clock too, and count against the window, as they do on netns."""
        world = self._world()
        end = world.now + within
        while not condition():
            if world.now >= end:
                return False
            world.advance(min(SETTLE_POLL, end - world.now))
        return True

    def _netns_name(self, node: str) -> str:
        """The netns backend's name for ``node``, so ``ip link`` shows the same ``link-netns``."""
        return namespace_name(self.session, node)

    # -- state ----------------------------------------------------------------------------------------
    def interfaces(self, node: str) -> list[Interface]:
        n = self._node(node)
        return [Interface(i.name, i.mac, i.running, i.mtu) for i in n.ifaces.values()]

    def addresses(self, node: str) -> list[Address]:

        n = self._node(node)
        out = []
        for iface in n.ifaces.values():
            for a in iface.addrs:
                out.append(reported_address(iface.name, a.addr, a.plen, a.flags))
        return out

    def routes(self, node: str) -> list[Route]:
        n = self._node(node)
        return [
            Route(
                r.dst,
                r.length,
                r.via,
                r.dev,
                route_proto(r.proto),
                r.metric,
                cast("RouteKind", r.kind),
            )
            for r in n.routes  # expired ones too, until the fib gc (the kernel's dump)
        ]

    def neighbours(self, node: str) -> list[Neighbour]:
        from .. import _wire as w  # not for the client: see connect

        return [
            Neighbour(
                n.addr,
                n.dev,
                w.mac_text(n.lladdr) if n.lladdr else None,
                neighbour_state(n.state),
            )
            for n in self._node(node).neigh.values()
        ]

    def sysctl(self, node: str, key: str) -> str:
        from ._commands import Fail, _sysctl_read

        try:
            return _sysctl_read(self._node(node), key.replace("/", "."))
        except Fail as exc:
            raise LabError(exc.message) from None

    # -- probes -----------------------------------------------------------------------------------------
    def send_l3(
        self, node: str, packets: list[bytes], timeout: float = 1.0, ifname: str | None = None
    ) -> list[bytes]:
        from .. import _wire as w  # not for the client: see connect

        n = self._node(node)
        world = self._world()
        received: list[bytes] = []
        pending: set[tuple[int, int]] = set()

        def listener(packet: bytes, _iface: Iface) -> None:
            if w.is_ndp_or_mld(packet):
                return
            received.append(packet)
            key = w.answered_echo(packet)
            if key is not None:
                pending.discard(key)

        n.listeners.append(listener)
        try:
            for packet in packets:
                key = w.echo_key(packet)
                if key is not None:
                    pending.add(key)
                oif = ifname
                if oif is None and w.is_link_local(w.from16(packet[24:40])):
                    route = n.lookup(w.from16(packet[24:40]))
                    oif = route.dev if route is not None else None
                n.output(bytes(packet), oif)
            expect_all = all(w.echo_key(p) is not None for p in packets)
            world.run_until(world.now + timeout, (lambda: not pending) if expect_all else None)
        finally:
            n.listeners.remove(listener)
        return received

    def send_l2(
        self, node: str, ifname: str, frames: list[bytes], timeout: float = 1.0
    ) -> list[bytes]:
        from .. import _wire as w  # not for the client: see connect

        n = self._node(node)
        iface = n.ifaces.get(ifname)
        if iface is None:
            raise LabError(f"{node} has no interface {ifname!r}")
        world = self._world()
        received: list[bytes] = []
        waiter = w.L2Waiter(frames)

        def tap(frame: bytes) -> None:
            received.append(frame)
            waiter.saw(frame)

        iface.taps.append(tap)
        try:
            for frame in frames:
                iface.transmit(bytes(frame))
            world.run_until(
                world.now + timeout, (lambda: not waiter.waiting) if waiter.waiting else None
            )
        finally:
            iface.taps.remove(tap)
        return received

    def capture(self, node: str, ifname: str, path: Path, seconds: float = 0.0) -> int:
        n = self._node(node)
        iface = n.ifaces.get(ifname)
        if iface is None:
            raise LabError(f"{node} has no interface {ifname!r}")
        if seconds > 0:
            self.advance(seconds)
        return write_pcap(path, iface.history)

    # -- helpers -----------------------------------------------------------------------------------------
    def _world(self) -> World:
        if self.world is None:
            raise BackendError("the simulated topology is not running; start it first")
        return self.world

    def _node(self, name: str) -> Node:
        self._world()
        node = self.nodes.get(name)
        if node is None:
            known = ", ".join(self.nodes) or "none"
            raise LabError(f"no node {name!r} in this lab (nodes: {known})")
        return node

    def _apply_sysctl(self, node: Node, key: str, value: str) -> None:
        from ._commands import Fail, sysctl_write

        try:
            sysctl_write(node, key.replace("/", "."), str(value))
        except Fail as exc:
            raise BackendError(f"{node.name}: {exc.message}") from None


def write_pcap(path: Path, frames: list[tuple[float, bytes]]) -> int:
    """A classic pcap (Ethernet, microseconds), written atomically; returns the count.
    Timestamps are virtual seconds since the topology started."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for when, frame in frames:
                seconds = int(when)
                micros = round((when - seconds) * 1e6)
                if micros >= 1_000_000:
                    seconds, micros = seconds + 1, micros - 1_000_000
                stream.write(struct.pack("<IIII", seconds, micros, len(frame), len(frame)))
                stream.write(frame)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return len(frames)
