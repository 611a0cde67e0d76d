"""Frames seen on nodes' ports while a differential scenario runs, on either backend
(the simulator's interface history; an AF_PACKET socket per port on netns), and their
essentials as comparable tuples (link-locals as names, no MACs)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from v6plan._calc import modified_eui64
from v6plan._prefix import format_address
from v6plan.lab.runtime import _wire as w
from v6plan.lab.runtime._backend import Backend, TopologySpec, interface_macs

KINDS = {133: "RS", 134: "RA", 135: "NS", 136: "NA", 128: "echo", 129: "reply"}


class Ports:
    """Frames seen on members' ports while a scenario runs (both directions)."""

    def __init__(self, backend: Backend, ends: list[tuple[str, str]]) -> None:
        self.backend = backend
        self.marks: dict[tuple[str, str], int] = {}
        self.sockets: dict[tuple[str, str], socket.socket] = {}
        for node, ifname in ends:
            if backend.name == "sim":
                history = backend.nodes[node].ifaces[ifname].history  # type: ignore[attr-defined]
                self.marks[(node, ifname)] = len(history)
                continue
            from v6plan.lab.runtime.netns._nsenter import in_netns

            with in_netns(backend.namespace(node)):  # type: ignore[attr-defined]
                sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
                sock.bind((ifname, 0x0003))
            sock.setblocking(False)
            self.sockets[(node, ifname)] = sock

    def frames(self, node: str, ifname: str) -> list[bytes]:
        if self.backend.name == "sim":
            history = self.backend.nodes[node].ifaces[ifname].history  # type: ignore[attr-defined]
            return [f for _, f in history[self.marks[(node, ifname)] :]]
        time.sleep(0.05)  # let the last frames land in the socket
        out = []
        while True:
            try:
                out.append(self.sockets[(node, ifname)].recv(65535))
            except BlockingIOError:
                return out

    def close(self) -> None:
        for sock in self.sockets.values():
            sock.close()


def namer(topology: TopologySpec) -> Callable[[int], str]:
    names = {0: "::"}
    for (node, _ifname), hw in interface_macs(topology).items():
        names[w.LINK_LOCAL_NET | modified_eui64(hw)] = f"ll({node})"
    return lambda addr: names.get(addr) or format_address(addr)


def essentials(frames: list[bytes], name: Callable[[int], str], keep: set[str]) -> list[Any]:
    """(kind, src, dst, hop limit, NS/NA target, NA flags) of the ICMPv6 frames kept,
    with the destination MAC's kind (unicast to whom, or multicast)."""
    out: list[Any] = []
    for frame in frames:
        if frame[12:14] != b"\x86\xdd" or frame[14 + 6] != w.NH_ICMPV6:
            continue  # MLD (hop-by-hop first) and the rest
        packet = frame[14:]
        kind = KINDS.get(packet[40], str(packet[40]))
        if kind not in keep:
            continue
        row: tuple[Any, ...] = (
            kind,
            name(w.from16(packet[8:24])),
            name(w.from16(packet[24:40])),
            packet[7],
            "multicast" if frame[0] & 1 else frame[0:6].hex(":"),
        )
        if kind in ("NS", "NA"):
            row += (name(w.from16(packet[48:64])),)
        if kind == "NA":
            row += (
                "".join(
                    f for f, bit in (("R", 0x80), ("S", 0x40), ("O", 0x20)) if packet[44] & bit
                ),
            )
        out.append(row)
    return out
