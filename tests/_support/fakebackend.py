"""A small state-level backend for the engine's own tests (not a simulator).

It keeps addresses, routes and sysctls per node, answers echo requests by walking the
route tables hop by hop, NS with NA and RS with RA — enough to exercise every check and
the session journal without depending on the real backends. It is deliberately
non-persistent: :meth:`attach` starts from scratch, so the session must replay.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from v6plan._prefix import format_address, host_mask, parse_address, parse_prefix
from v6plan.lab.runtime._backend import (
    Address,
    Backend,
    CommandResult,
    Interface,
    Neighbour,
    Route,
    TopologySpec,
)

LL = 0xFE80 << 112


def _in(a: int, net: int, length: int) -> bool:
    return (a & ~host_mask(length)) == (net & ~host_mask(length))


def eui64_iid(mac: str) -> int:
    b = bytes(int(x, 16) for x in mac.split(":"))
    return int.from_bytes(bytes([b[0] ^ 2, b[1], b[2], 0xFF, 0xFE, b[3], b[4], b[5]]), "big")


class FakeBackend(Backend):
    name = "fake"
    persistent = False
    #: every instance ever made, for tests that look inside
    instances: ClassVar[list[FakeBackend]] = []

    def __init__(self, session: str, workdir: Path) -> None:
        super().__init__(session, workdir)
        self.nodes: dict[str, dict[str, object]] = {}
        self.peer: dict[tuple[str, str], tuple[str, str]] = {}
        self.calls: list[tuple[str, object]] = []
        FakeBackend.instances.append(self)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self, topology: TopologySpec, progress: Callable[[str], None] | None = None) -> None:
        self._build(topology)
        if progress:
            progress(f"{len(topology.nodes)} fake nodes up")

    def attach(self, topology: TopologySpec) -> None:
        self._build(topology)

    def _build(self, topology: TopologySpec) -> None:
        self.topology = topology
        from v6plan.lab.runtime._backend import interface_macs

        macs = interface_macs(topology)
        for spec in topology.nodes:
            self.nodes[spec.name] = {
                "kind": spec.kind,
                "ifaces": {},
                "addrs": [Address("lo", 1, 128, "host", frozenset({"permanent"}))],
                "routes": [],
                "sysctl": {
                    "all.forwarding": "0",
                    "default.accept_ra": "1",
                    **{k.removeprefix("net.ipv6.conf."): v for k, v in spec.sysctls.items()},
                },
                "advertise": spec.advertise,
            }
        for link in topology.links:
            self.peer[link.a] = link.b
            self.peer[link.b] = link.a
            for node, ifname in (link.a, link.b):
                mac = macs[(node, ifname)]
                state = self.nodes[node]
                state["ifaces"][ifname] = mac  # type: ignore[index]
                sysctl = state["sysctl"]  # type: ignore[assignment]
                for key in ("forwarding", "accept_ra"):
                    default = sysctl.get(f"default.{key}", sysctl.get(f"all.{key}", "0"))  # type: ignore[union-attr]
                    sysctl[f"{ifname}.{key}"] = default  # type: ignore[index]
                self._add_addr(node, ifname, LL | eui64_iid(mac), 64, "link")

    def stop(self) -> None:
        self.nodes.clear()

    def advance(self, seconds: float) -> None:
        self.calls.append(("advance", seconds))

    # -- state --------------------------------------------------------------------------------
    def _add_addr(
        self,
        node: str,
        ifname: str,
        address: int,
        length: int,
        scope: str,
        flags: frozenset[str] = frozenset({"permanent"}),
    ) -> None:
        state = self.nodes[node]
        state["addrs"].append(Address(ifname, address, length, scope, flags))  # type: ignore[attr-defined]
        net = address & ~host_mask(length)
        state["routes"].append(Route(net, length, None, ifname, "kernel", 256))  # type: ignore[attr-defined]

    def interfaces(self, node: str) -> list[Interface]:
        self._node(node)
        return [Interface(name, mac, True) for name, mac in self.nodes[node]["ifaces"].items()]  # type: ignore[attr-defined]

    def addresses(self, node: str) -> list[Address]:
        return list(self._node(node)["addrs"])  # type: ignore[call-overload]

    def routes(self, node: str) -> list[Route]:
        return list(self._node(node)["routes"])  # type: ignore[call-overload]

    def neighbours(self, node: str) -> list[Neighbour]:
        return []

    def sysctl(self, node: str, key: str) -> str:
        return str(self._node(node)["sysctl"].get(key.removeprefix("net.ipv6.conf."), "0"))  # type: ignore[attr-defined]

    def _node(self, node: str) -> dict[str, object]:
        if node not in self.nodes:
            raise KeyError(node)
        return self.nodes[node]

    # -- commands ------------------------------------------------------------------------------
    def exec(self, node: str, argv: list[str], timeout: float = 10.0) -> CommandResult:
        self.calls.append(("exec", (node, list(argv))))
        state = self._node(node)
        try:
            if argv[:4] == ["ip", "-6", "addr", "add"]:
                _, length = parse_prefix(argv[4], strict=False)
                address = parse_address(argv[4].partition("/")[0])
                self._add_addr(node, argv[6], address, length, "global")
                return CommandResult(0, "")
            if argv[:4] == ["ip", "-6", "route", "add"]:
                dst = (0, 0) if argv[4] == "default" else parse_prefix(argv[4])
                via = parse_address(argv[6])
                route = self._lookup(node, via)
                if route is None or route.via is not None:
                    return CommandResult(2, "", "Error: Nexthop has invalid gateway.\n")
                state["routes"].append(Route(dst[0], dst[1], via, route.ifname, "boot", 1024))  # type: ignore[attr-defined]
                return CommandResult(0, "")
            if argv[:2] == ["sysctl", "-w"]:
                key, _, value = argv[2].partition("=")
                state["sysctl"][key.removeprefix("net.ipv6.conf.")] = value  # type: ignore[index]
                return CommandResult(0, f"{key} = {value}\n")
            if argv[0] == "rdisc6":
                return self._rdisc(node, argv[-1])
            if argv[0] == "echo":
                return CommandResult(0, " ".join(argv[1:]) + "\n")
        except (ValueError, IndexError) as exc:
            return CommandResult(1, "", f"fake: {exc}\n")
        return CommandResult(127, "", f"fake: {shlex.join(argv)}: not supported\n")

    def _rdisc(self, node: str, ifname: str) -> CommandResult:
        peer = self.peer.get((node, ifname))
        if peer is None:
            return CommandResult(2, "", "no such interface\n")
        options = self.nodes[peer[0]]["advertise"].get(peer[1])  # type: ignore[attr-defined]
        if options is None:
            return CommandResult(2, "", "Timed out.\nNo response.\n")
        state = self.nodes[node]
        sysctl = state["sysctl"]
        accept = sysctl.get(f"{ifname}.accept_ra", "1")  # type: ignore[attr-defined]
        forwarding = sysctl.get(f"{ifname}.forwarding", "0")  # type: ignore[attr-defined]
        if accept == "2" or (accept == "1" and forwarding == "0"):
            mac = state["ifaces"][ifname]  # type: ignore[index]
            net, length = parse_prefix(options["prefixes"][0])
            self._add_addr(
                node, ifname, net | eui64_iid(mac), length, "global", frozenset({"dynamic"})
            )
            router_ll = next(
                a.address
                for a in self.nodes[peer[0]]["addrs"]
                if a.ifname == peer[1] and a.scope == "link"
            )  # type: ignore[attr-defined]
            state["routes"].append(Route(0, 0, router_ll, ifname, "ra", 1024))  # type: ignore[attr-defined]
        return CommandResult(0, f"Prefix : {options['prefixes'][0]}\n")

    def _lookup(self, node: str, dst: int) -> Route | None:
        best = None
        for r in self.nodes[node]["routes"]:  # type: ignore[attr-defined]
            if (r.length == 0 or _in(dst, r.dst, r.length)) and (
                best is None or r.length > best.length
            ):
                best = r
        return best

    def _owns(self, node: str, address: int) -> bool:
        return any(a.address == address for a in self.nodes[node]["addrs"])  # type: ignore[attr-defined]

    def _deliver(self, node: str, packet: bytes, depth: int = 0) -> tuple[str, bytes] | None:
        """Forward ``packet`` from ``node``; return (node it ends at, answer) or None."""
        from scapy.layers.inet6 import ICMPv6DestUnreach, ICMPv6EchoReply, ICMPv6TimeExceeded, IPv6

        src = int.from_bytes(packet[8:24], "big")
        dst = int.from_bytes(packet[24:40], "big")
        here = node
        hlim = packet[7]
        for _ in range(64):
            if self._owns(here, dst):
                if packet[40] == 128:
                    ident, seq = (
                        int.from_bytes(packet[44:46], "big"),
                        int.from_bytes(packet[46:48], "big"),
                    )
                    answer = IPv6(
                        src=format_address(dst), dst=format_address(src)
                    ) / ICMPv6EchoReply(id=ident, seq=seq, data=packet[48:])
                    return here, bytes(answer)
                return None
            if here != node:
                if self.nodes[here]["sysctl"].get("all.forwarding") != "1":  # type: ignore[attr-defined]
                    return None
                if hlim <= 1:
                    return here, bytes(
                        IPv6(src=self._src(here, src), dst=format_address(src))
                        / ICMPv6TimeExceeded()
                        / packet
                    )
                hlim -= 1
            route = self._lookup(here, dst)
            if route is None:
                if here == node:
                    return None
                return here, bytes(
                    IPv6(src=self._src(here, src), dst=format_address(src))
                    / ICMPv6DestUnreach(code=0)
                    / packet
                )
            hop = route.via if route.via is not None else dst
            peer = self.peer.get((here, route.ifname or ""))
            if peer is None or not self._owns(peer[0], hop):
                if here == node:
                    return None
                return here, bytes(
                    IPv6(src=self._src(here, src), dst=format_address(src))
                    / ICMPv6DestUnreach(code=3)
                    / packet
                )
            here = peer[0]
        return None

    def _src(self, node: str, toward: int) -> str:
        route = self._lookup(node, toward)
        for a in self.nodes[node]["addrs"]:  # type: ignore[attr-defined]
            if a.scope == "global" and (route is None or a.ifname == route.ifname):
                return format_address(a.address)
        return "::"

    def send_l3(
        self, node: str, packets: list[bytes], timeout: float = 1.0, ifname: str | None = None
    ) -> list[bytes]:
        self.calls.append(("send_l3", (node, len(packets))))
        out: list[bytes] = []
        for packet in packets:
            result = self._deliver(node, packet)
            if result is None:
                continue
            at, answer = result
            if at == node or self._reaches(at, answer, node):
                out.append(answer)
        return out

    def _reaches(self, start: str, answer: bytes, target: str) -> bool:
        """Does ``answer`` (from ``start``) route back to ``target``? (hop by hop)"""
        dst = int.from_bytes(answer[24:40], "big")
        here = start
        for _ in range(64):
            if here == target and self._owns(here, dst):
                return True
            route = self._lookup(here, dst)
            if route is None:
                return False
            hop = route.via if route.via is not None else dst
            peer = self.peer.get((here, route.ifname or ""))
            if peer is None or not self._owns(peer[0], hop):
                return False
            here = peer[0]
        return False

    def send_l2(
        self, node: str, ifname: str, frames: list[bytes], timeout: float = 1.0
    ) -> list[bytes]:
        from scapy.layers.inet6 import (
            ICMPv6ND_NA,
            ICMPv6ND_NS,
            ICMPv6ND_RA,
            ICMPv6ND_RS,
            ICMPv6NDOptDstLLAddr,
            ICMPv6NDOptPrefixInfo,
            IPv6,
        )
        from scapy.layers.l2 import Ether

        peer = self.peer.get((node, ifname))
        out: list[bytes] = []
        if peer is None:
            return out
        pnode, pif = peer
        pmac = self.nodes[pnode]["ifaces"][pif]  # type: ignore[index]
        ll = next(
            a.address for a in self.nodes[pnode]["addrs"] if a.ifname == pif and a.scope == "link"
        )  # type: ignore[attr-defined]
        for raw in frames:
            frame = Ether(raw)
            if frame.haslayer(ICMPv6ND_NS) and frame[ICMPv6ND_NS].type == 135:
                target = parse_address(frame[ICMPv6ND_NS].tgt)
                if any(a.address == target and a.ifname == pif for a in self.nodes[pnode]["addrs"]):  # type: ignore[attr-defined]
                    na = (
                        Ether(src=pmac, dst=frame.src)
                        / IPv6(src=format_address(target), dst=frame[IPv6].src, hlim=255)
                        / ICMPv6ND_NA(tgt=format_address(target), S=1, O=1)
                        / ICMPv6NDOptDstLLAddr(lladdr=pmac)
                    )
                    out.append(bytes(na))
            elif frame.haslayer(ICMPv6ND_RS) and frame[ICMPv6ND_RS].type == 133:
                options = self.nodes[pnode]["advertise"].get(pif)  # type: ignore[attr-defined]
                if options is not None:
                    net, length = parse_prefix(options["prefixes"][0])
                    ra = (
                        Ether(src=pmac, dst="33:33:00:00:00:01")
                        / IPv6(src=format_address(ll), dst="ff02::1", hlim=255)
                        / ICMPv6ND_RA(
                            M=int(bool(options.get("managed"))), O=int(bool(options.get("other")))
                        )
                        / ICMPv6NDOptPrefixInfo(
                            prefix=format_address(net), prefixlen=length, L=1, A=1
                        )
                    )
                    out.append(bytes(ra))
        return out

    def capture(self, node: str, ifname: str, path: Path, seconds: float = 0.0) -> int:
        from scapy.utils import wrpcap

        wrpcap(str(path), [])
        return 0
