"""The simulator held honest: the same scenarios on ``sim`` and on the kernel (``netns``).

Each scenario returns verdicts (reachable or not, address flags, routes present, the
ICMPv6 error received) and the packets' essential fields as normalised tuples (ICMPv6
type, source, destination, hop limit, NS/NA target and flags; link-locals as names,
no MACs, no flow labels). Both backends must give equal results — and each scenario
also checks the expected values, so two equally wrong backends do not pass.

The netns side needs root: ``need`` skips it locally and fails in CI.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from labhelpers import need, need_programs
from test_sim_shared import (
    H1,
    H1_LL,
    H1_SLAAC,
    H2,
    R1_LAN1,
    R1_LL0,
    ip,
    three_nodes,
)

from v6plan._prefix import format_address, parse_address
from v6plan.lab.checks._probes import echo_requests, read_echo_answers, router_solicitation
from v6plan.lab.runtime import _wire as w
from v6plan.lab.runtime._backend import Backend, TopologySpec, interface_macs

BACKENDS = ("sim", "netns")
NDP_NAMES = {
    133: "RS",
    134: "RA",
    135: "NS",
    136: "NA",
    128: "echo",
    129: "reply",
    1: "unreach",
    3: "time-exceeded",
}


def netns_usable() -> bool:
    return sys.platform.startswith("linux") and os.geteuid() == 0


# -- running a scenario on one backend ----------------------------------------------------------------
class Recorder:
    """Frames seen on some interfaces while a scenario runs (both directions)."""

    def __init__(self, backend: Backend, ends: list[tuple[str, str]]) -> None:
        self.backend = backend
        self.ends = ends
        self.marks: dict[tuple[str, str], int] = {}
        self.sockets: dict[tuple[str, str], socket.socket] = {}
        if backend.name == "sim":
            for node, ifname in ends:
                self.marks[(node, ifname)] = len(backend.nodes[node].ifaces[ifname].history)  # type: ignore[attr-defined]
        else:
            from v6plan.lab.runtime.netns._nsenter import in_netns

            for node, ifname in ends:
                with in_netns(backend.namespace(node)):  # type: ignore[attr-defined]
                    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
                    sock.bind((ifname, 0x0003))
                sock.setblocking(False)
                self.sockets[(node, ifname)] = sock

    def frames(self, node: str, ifname: str) -> list[bytes]:
        if self.backend.name == "sim":
            history = self.backend.nodes[node].ifaces[ifname].history  # type: ignore[attr-defined]
            return [f for _, f in history[self.marks[(node, ifname)] :]]
        time.sleep(0.05)  # let the last frames of the exchange land in the socket
        sock = self.sockets[(node, ifname)]
        out = []
        while True:
            try:
                out.append(sock.recv(65535))
            except BlockingIOError:
                return out

    def close(self) -> None:
        for sock in self.sockets.values():
            sock.close()


@dataclass
class Result:
    verdicts: dict[str, Any] = field(default_factory=dict)
    packets: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)


def make_backend(name: str, tmp_path: Path) -> Backend:
    if name == "sim":
        from v6plan.lab.runtime.sim import SimBackend

        return SimBackend("d" + secrets.token_hex(2), tmp_path / "sim")
    need(netns_usable(), "the netns side of the differential suite needs root on Linux")
    need_programs("ip", "ping", "traceroute", "rdisc6", "radvd", "sysctl", sbin=False)
    from v6plan.lab.runtime.netns import NetnsBackend

    return NetnsBackend("d" + secrets.token_hex(2), tmp_path / "netns")


@pytest.fixture
def on_both(
    tmp_path: Path,
) -> Iterator[Callable[[TopologySpec, Callable[[Backend], Result]], dict[str, Result]]]:
    """Run ``scenario(backend)`` on a fresh topology on each backend; always tear down."""
    started: list[Backend] = []

    def run(topology: TopologySpec, scenario: Callable[[Backend], Result]) -> dict[str, Result]:
        results = {}
        for name in BACKENDS:
            backend = make_backend(name, tmp_path)
            started.append(backend)
            backend.start(topology)
            results[name] = scenario(backend)
        return results

    try:
        yield run
    finally:
        for backend in started:
            backend.stop()
            if backend.name == "netns":
                from v6plan.lab.runtime.netns import cleanup

                cleanup(backend.session)


# -- normalising packets ---------------------------------------------------------------------------------
def namer(topology: TopologySpec) -> Callable[[int], str]:
    """Link-locals (and the unspecified address) as names, everything else as text."""
    names = {0: "::"}
    for (node, ifname), mac in interface_macs(topology).items():
        names[w.LINK_LOCAL_NET | w.eui64(mac)] = f"ll({node}:{ifname})"
    return lambda addr: names.get(addr) or format_address(addr)


def essentials(
    frames: list[bytes], name: Callable[[int], str], keep: set[str]
) -> list[tuple[Any, ...]]:
    """(kind, src, dst, hop limit, details) of IPv6/ICMPv6 frames whose kind is in ``keep``."""
    out: list[tuple[Any, ...]] = []
    for frame in frames:
        if frame[12:14] != b"\x86\xdd":
            continue
        packet = frame[14:]
        if packet[6] != w.NH_ICMPV6:
            continue  # MLD (hop-by-hop first), UDP …
        kind = NDP_NAMES.get(packet[40], str(packet[40]))
        if kind not in keep:
            continue
        src, dst, hlim = name(w.from16(packet[8:24])), name(w.from16(packet[24:40])), packet[7]
        detail: tuple[Any, ...] = ()
        if kind in ("NS", "NA"):
            detail = (name(w.from16(packet[48:64])),)
            if kind == "NA":
                flags = packet[44]
                detail += (
                    "".join(f for f, bit in (("R", 0x80), ("S", 0x40), ("O", 0x20)) if flags & bit),
                )
            detail += (_has_lla(packet),)
        elif kind in ("unreach", "time-exceeded"):
            detail = (packet[41],)
        out.append((kind, src, dst, hlim, *detail))
    return out


def _has_lla(packet: bytes) -> bool:
    """Whether an NS/NA carries a link-layer address option (a DAD probe does not)."""
    offset = 64
    end = 40 + int.from_bytes(packet[4:6], "big")
    while offset + 2 <= end:
        if packet[offset] in (1, 2):
            return True
        if packet[offset + 1] == 0:
            break
        offset += packet[offset + 1] * 8
    return False


def flags_of(backend: Backend, node: str, address: int) -> frozenset[str]:
    for a in backend.addresses(node):
        if a.address == address:
            return a.flags & {"tentative", "dadfailed", "deprecated", "permanent", "dynamic"}
    return frozenset({"absent"})


def routes_of(backend: Backend, node: str) -> set[tuple[str, int, str | None, str | None, str]]:
    return {
        (
            format_address(r.dst),
            r.length,
            format_address(r.via) if r.via is not None else None,
            r.ifname,
            r.proto,
        )
        for r in backend.routes(node)
    }


def probe(
    backend: Backend, node: str, src: int, dst: int, hlims: list[int], ident: int
) -> list[tuple[str, str, int]]:
    answers = read_echo_answers(
        backend.send_l3(node, echo_requests(src, dst, ident, hlims), timeout=2.0), ident
    )
    return sorted((a.kind, format_address(a.source), a.code) for a in answers)


def wait_for(backend: Backend, condition: Callable[[], bool], seconds: float) -> None:
    """Let time pass until ``condition`` holds (virtual on sim, polled on netns)."""
    if backend.name == "sim":
        for _ in range(int(seconds / 0.1)):
            if condition():
                return
            backend.advance(0.1)
        return
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        time.sleep(0.01)


KEEP_ND_ECHO = {"NS", "NA", "echo", "reply"}


# -- the scenarios -----------------------------------------------------------------------------------------
def test_first_ping_across_a_router(on_both) -> None:  # type: ignore[no-untyped-def]
    topo = three_nodes("first-ping")
    name = namer(topo)

    def scenario(b: Backend) -> Result:
        rec = Recorder(b, [("h1", "eth0"), ("h2", "eth0")])
        result = b.exec("h1", ["ping", "-6", "-c", "1", format_address(H2)])
        out = Result()
        out.verdicts["ping"] = (result.returncode, "1 received" in result.stdout)
        out.packets["h1"] = essentials(rec.frames("h1", "eth0"), name, KEEP_ND_ECHO)
        out.packets["h2"] = essentials(rec.frames("h2", "eth0"), name, KEEP_ND_ECHO)
        rec.close()
        out.verdicts["neigh"] = {
            (format_address(n.address), n.state)
            for n in b.neighbours("h1")
            if not w.is_link_local(n.address)
        }
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    assert sim.verdicts["ping"] == (0, True)
    assert sim.packets["h1"] == [
        ("NS", "2001:db8:1::10", "ff02::1:ff00:1", 255, "2001:db8:1::1", True),
        ("NA", "2001:db8:1::1", "2001:db8:1::10", 255, "2001:db8:1::1", "RSO", True),
        ("echo", "2001:db8:1::10", "2001:db8:2::10", 64),
        ("reply", "2001:db8:2::10", "2001:db8:1::10", 63),
    ]
    assert sim.packets["h2"] == [
        ("NS", "ll(r1:eth1)", "ff02::1:ff00:10", 255, "2001:db8:2::10", True),
        ("NA", "2001:db8:2::10", "ll(r1:eth1)", 255, "2001:db8:2::10", "SO", True),
        ("echo", "2001:db8:1::10", "2001:db8:2::10", 63),
        ("NS", "2001:db8:2::10", "ff02::1:ff00:1", 255, "2001:db8:2::1", True),
        ("NA", "2001:db8:2::1", "2001:db8:2::10", 255, "2001:db8:2::1", "RSO", True),
        ("reply", "2001:db8:2::10", "2001:db8:1::10", 64),
    ]
    assert results["netns"] == sim


def test_slaac(on_both) -> None:  # type: ignore[no-untyped-def]
    topo = three_nodes(
        "slaac", advertise={"prefixes": ["2001:db8:1::/64"], "interval": 10, "managed": True}
    )

    def scenario(b: Backend) -> Result:
        out = Result()
        out.verdicts["flags"] = flags_of(b, "h1", H1_SLAAC)
        out.verdicts["routes"] = {
            r for r in routes_of(b, "h1") if r[4] in ("ra",) or r[0].startswith("2001")
        }
        out.verdicts["ping"] = probe(b, "h1", H1_SLAAC, H2, [64], 11)
        mac = interface_macs(topo)[("h1", "eth0")]
        frames = b.send_l2("h1", "eth0", [router_solicitation(mac, H1_LL)], timeout=2.0)
        ras = []
        for frame in frames:
            packet = frame[14:]
            if packet[6] == w.NH_ICMPV6 and packet[40] == w.RA:
                ras.append(
                    (
                        packet[7],
                        packet[44],
                        packet[45] & 0xC0,
                        int.from_bytes(packet[46:48], "big"),
                        packet[24:40] == w.a16(H1_LL),
                    )
                )
        out.verdicts["ra"] = ras[:1]
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    assert sim.verdicts["flags"] == {"dynamic"}
    assert ("::", 0, format_address(R1_LL0), "eth0", "ra") in sim.verdicts["routes"]
    assert ("2001:db8:1::", 64, None, "eth0", "kernel") in sim.verdicts["routes"]
    assert sim.verdicts["ping"] == [("reply", "2001:db8:2::10", 0)]
    assert sim.verdicts["ra"] == [
        (255, 64, 0x80, 30, True)
    ]  # M flag, lifetime 3 × 10 s, unicast answer
    assert results["netns"] == sim


def test_dad_conflict(on_both) -> None:  # type: ignore[no-untyped-def]
    topo = three_nodes("dad", dad=True)
    name = namer(topo)

    def scenario(b: Backend) -> Result:
        rec = Recorder(b, [("r1", "eth0")])
        result = b.exec("r1", ["ip", "-6", "addr", "add", "2001:db8:1::10/64", "dev", "eth0"])
        wait_for(b, lambda: "dadfailed" in flags_of(b, "r1", H1), 4.0)
        out = Result()
        out.verdicts["add"] = result.returncode
        out.verdicts["r1"] = flags_of(b, "r1", H1)
        out.verdicts["h1"] = flags_of(b, "h1", H1)
        trace = essentials(rec.frames("r1", "eth0"), name, {"NS", "NA"})
        out.packets["r1"] = [t for t in trace if t[4] == "2001:db8:1::10"]
        rec.close()
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    assert sim.verdicts == {
        "add": 0,
        "r1": {"tentative", "dadfailed", "permanent"},
        "h1": {"permanent"},
    }
    assert sim.packets["r1"] == [
        ("NS", "::", "ff02::1:ff00:10", 255, "2001:db8:1::10", False),
        ("NA", "2001:db8:1::10", "ff02::1", 255, "2001:db8:1::10", "O", True),
    ]
    assert results["netns"] == sim


def test_hop_limit_one(on_both) -> None:  # type: ignore[no-untyped-def]
    topo = three_nodes("hlim")

    def scenario(b: Backend) -> Result:
        result = b.exec("h1", ["ping", "-6", "-c", "1", "-t", "1", format_address(H2)])
        out = Result()
        out.verdicts["ping"] = (
            result.returncode,
            [line for line in result.stdout.splitlines() if line.startswith("From")],
        )
        out.verdicts["probe"] = probe(b, "h1", H1, H2, [1, 2], 12)
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    assert sim.verdicts["ping"] == (1, ["From 2001:db8:1::1 icmp_seq=1 Time exceeded: Hop limit"])
    assert sim.verdicts["probe"] == [
        ("reply", "2001:db8:2::10", 0),
        ("time-exceeded", "2001:db8:1::1", 0),
    ]
    assert results["netns"] == sim


def test_unrouted_destination(on_both) -> None:  # type: ignore[no-untyped-def]
    topo = three_nodes("unrouted")
    lost = parse_address("2001:db8:7::1")

    def scenario(b: Backend) -> Result:
        result = b.exec("h1", ["ping", "-6", "-c", "1", format_address(lost)])
        out = Result()
        out.verdicts["ping"] = (
            result.returncode,
            [line for line in result.stdout.splitlines() if line.startswith("From")],
        )
        out.verdicts["probe"] = probe(b, "h1", H1, lost, [64], 13)
        b.exec("h1", ["ip", "-6", "route", "del", "default"])
        result = b.exec("h1", ["ping", "-6", "-c", "1", format_address(lost)])
        out.verdicts["no-route"] = (result.returncode, result.stderr.strip())
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    assert sim.verdicts["ping"] == (
        1,
        ["From 2001:db8:1::1 icmp_seq=1 Destination unreachable: No route"],
    )
    assert sim.verdicts["probe"] == [("unreachable", "2001:db8:1::1", 0)]
    assert sim.verdicts["no-route"] == (2, "ping: connect: Network is unreachable")
    assert results["netns"] == sim


def test_link_local_next_hop(on_both) -> None:  # type: ignore[no-untyped-def]
    topo = three_nodes(
        "llhop",
        setup={
            "h1": (
                ip("route", "del", "default"),
                ip("route", "add", "default", "via", "fe80::ff:fe00:200", "dev", "eth0"),
            )
        },
    )
    name = namer(topo)

    def scenario(b: Backend) -> Result:
        out = Result()
        bad = b.exec(
            "h1", ["ip", "-6", "route", "add", "2001:db8:9::/48", "via", "fe80::ff:fe00:200"]
        )
        out.verdicts["no-dev"] = (bad.returncode, bad.stderr.strip())
        rec = Recorder(b, [("h1", "eth0")])
        result = b.exec("h1", ["ping", "-6", "-c", "1", format_address(H2)])
        out.verdicts["ping"] = (result.returncode, "1 received" in result.stdout)
        out.packets["h1"] = essentials(rec.frames("h1", "eth0"), name, KEEP_ND_ECHO)
        rec.close()
        out.verdicts["routes"] = {r for r in routes_of(b, "h1") if r[1] == 0}
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    assert sim.verdicts["no-dev"] == (2, "Error: Egress device not specified.")
    assert sim.verdicts["ping"] == (0, True)
    assert sim.verdicts["routes"] == {("::", 0, "fe80::ff:fe00:200", "eth0", "boot")}
    assert sim.packets["h1"][0] == (
        "NS",
        "2001:db8:1::10",
        "ff02::1:ff00:200",
        255,
        "ll(r1:eth0)",
        True,
    )
    assert results["netns"] == sim


def test_wrong_prefix_length(on_both) -> None:  # type: ignore[no-untyped-def]
    upper = parse_address("2001:db8:1:0:8000::1")
    topo = three_nodes(
        "plen",
        setup={
            "h1": (
                ip("route", "del", "default"),
                ip("addr", "del", "2001:db8:1::10/64", "dev", "eth0"),
                ip("addr", "add", "2001:db8:1::10/65", "dev", "eth0"),
            ),
            "r1": (ip("addr", "add", "2001:db8:1:0:8000::1/64", "dev", "eth0"),),
        },
    )

    def scenario(b: Backend) -> Result:
        out = Result()
        out.verdicts["address"] = sorted(
            (a.ifname, format_address(a.address), a.length)
            for a in b.addresses("h1")
            if a.scope == "global"
        )
        out.verdicts["routes"] = {r for r in routes_of(b, "h1") if r[0].startswith("2001")}
        near = b.exec("h1", ["ping", "-6", "-c", "1", format_address(R1_LAN1)])
        far = b.exec("h1", ["ping", "-6", "-c", "1", format_address(upper)])
        out.verdicts["near"] = near.returncode
        out.verdicts["far"] = (far.returncode, far.stderr.strip())
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    assert sim.verdicts["address"] == [("eth0", "2001:db8:1::10", 65)]
    assert sim.verdicts["routes"] == {("2001:db8:1::", 65, None, "eth0", "kernel")}
    assert sim.verdicts["near"] == 0
    assert sim.verdicts["far"] == (2, "ping: connect: Network is unreachable")
    assert results["netns"] == sim


def test_stable_privacy_addresses(on_both) -> None:  # type: ignore[no-untyped-def]
    """RFC 7217 (addr_gen_mode 2): the sim makes the kernel's very identifiers."""
    from v6plan.lab.runtime._backend import LinkSpec, NodeSpec

    stable = {
        "net.ipv6.conf.default.stable_secret": "2001:db8:feed::1",
        "net.ipv6.conf.default.addr_gen_mode": "2",
        "net.ipv6.conf.all.accept_dad": "0",
        "net.ipv6.conf.default.accept_dad": "0",
    }
    router = {**stable, "net.ipv6.conf.all.forwarding": "1"}
    topo = TopologySpec(
        "stable",
        (
            NodeSpec("a", sysctls=stable),
            NodeSpec("b", "router", router, {"eth0": {"prefixes": ["2001:db8:5::/64"]}}),
        ),
        (LinkSpec(("a", "eth0"), ("b", "eth0")),),
    )

    def scenario(b: Backend) -> Result:
        out = Result()
        out.verdicts["a"] = sorted(
            (x.scope, format_address(x.address)) for x in b.addresses("a") if x.ifname == "eth0"
        )
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    secret = parse_address("2001:db8:feed::1")
    assert sim.verdicts["a"] == [
        (
            "global",
            format_address(
                parse_address("2001:db8:5::") | w.stable_iid(secret, parse_address("2001:db8:5::"))
            ),
        ),
        ("link", format_address(w.LINK_LOCAL_NET | w.stable_iid(secret, w.LINK_LOCAL_NET))),
    ]
    assert results["netns"] == sim


COMMANDS = [
    ("h1", "ip -6 addr show"),
    ("h1", "ip -6 addr show dev eth0"),
    ("r1", "ip -6 addr show"),
    ("r1", "ip -6 addr show dev eth1"),
    ("r1", "ip addr show"),
    ("r1", "ip -6 route show"),
    ("r1", "ip -6 route show dev eth1"),
    ("h1", "ip -6 route get 2001:db8:2::10"),
    ("h1", "ip link show"),
    ("r1", "ip -br -6 addr"),
    ("r1", "ip -br link"),
    ("h1", "ip -6 neigh show"),
    ("r1", "sysctl net.ipv6.conf.eth0.forwarding"),
    ("h1", "sysctl -n net.ipv6.conf.all.accept_dad"),
    ("h1", "sysctl net.ipv6.conf.eth9.forwarding"),
    ("h1", "ip -6 addr add 2001:db8:1::10/64 dev eth0"),
    ("h1", "ip -6 addr add 2001:db8:1::99/64 dev eth9"),
    ("h1", "ip -6 route add 2001:db8:9::/48 via fe80::1"),
    ("h1", "ip -6 route add 2001:db8:9::/48 via 2001:db8:7::1"),
    ("h1", "ip -6 route del 2001:db8:8::/48"),
    ("h1", "ping -6 -c 2 -i 0.2 2001:db8:2::10"),
    ("h1", "ping -6 -c 1 -t 1 2001:db8:2::10"),
    ("h1", "ping -6 -c 1 2001:db8:7::1"),
    ("h1", "traceroute -6 2001:db8:2::10"),
    ("h1", "ping -6 -c 1 2001:db8:1::10"),
    ("h1", "ping -6 -c 1 fe80::ff:fe00:200"),
    ("h1", "ping -6 -c 1 -I eth0 fe80::ff:fe00:200"),
    ("h1", "ip -6 route show default"),
    ("h1", "ip -6 neigh show dev eth0"),
    ("r1", "ip link show dev eth1"),
    ("h1", "ip link set dev eth0 down"),
    ("h1", "ip -6 addr show"),
    ("h1", "ip -6 route show"),
    ("r1", "ip link show eth0"),
    ("r1", "ip -6 route show dev eth0"),
]


def normalise(text: str, session: str) -> str:
    """Take out what differs between runs on any backend: times and namespace names."""
    import re

    text = text.replace(f"v6lab-{session}-", "v6lab-S-")
    text = re.sub(r"time=[0-9.]+ ms", "time=T ms", text)
    text = re.sub(r"time \d+ms", "time Tms", text)
    text = re.sub(r"= [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms", "= RTT ms", text)
    text = re.sub(r" [0-9.]+ ms", " T ms", text)
    text = re.sub(r"expires \d+sec", "expires Nsec", text)
    return same_prefix_sorted(text)


def same_prefix_sorted(text: str) -> str:
    """Routes to the same prefix with the same metric are listed in the order they were
    added; on the kernel that order races (links come up in parallel), so sort such runs."""
    lines = text.split("\n")
    out: list[str] = []
    run: list[str] = []
    for line in lines:
        words = line.split()
        key = (words[0], words[words.index("metric") + 1]) if "metric" in words else None
        if run and key is not None and key == _route_key(run[0]):
            run.append(line)
            continue
        out += sorted(run)
        run = [line] if key is not None else []
        if key is None:
            out.append(line)
    out += sorted(run)
    return "\n".join(out)


def _route_key(line: str) -> tuple[str, str]:
    words = line.split()
    return (words[0], words[words.index("metric") + 1])


def test_command_output_shape(on_both) -> None:  # type: ignore[no-untyped-def]
    """The sim's command surface prints what iproute2, procps, iputils and traceroute print."""
    topo = three_nodes("shape")

    def scenario(b: Backend) -> Result:
        out = Result()
        b.exec("h1", ["ping", "-6", "-c", "1", "2001:db8:2::10"])  # neighbours known on both
        for node, line in COMMANDS:
            result = b.exec(node, line.split())
            text = normalise(result.stdout, b.session)
            if " neigh" in line:  # the kernel lists its neighbour hash table in hash order
                text = "".join(sorted(text.splitlines(keepends=True)))
            out.verdicts[f"{node}: {line}"] = (
                result.returncode,
                text,
                normalise(result.stderr, b.session),
            )
        return out

    results = on_both(topo, scenario)
    sim, kernel = results["sim"].verdicts, results["netns"].verdicts
    assert sim["h1: ip -6 addr add 2001:db8:1::10/64 dev eth0"][0] == 2
    for key in sim:
        assert sim[key] == kernel[key], key


def test_command_output_shape_with_router_advertisements(on_both) -> None:  # type: ignore[no-untyped-def]
    import re

    topo = three_nodes(
        "shape-ra", advertise={"prefixes": ["2001:db8:1::/64"], "interval": 10, "other": True}
    )
    lines = [
        ("h1", "ip -6 addr show dev eth0"),
        ("h1", "ip -6 route show"),
        ("h1", "rdisc6 -1 eth0"),
        ("h1", "ip -6 route get 2001:db8:2::10"),
    ]

    def scenario(b: Backend) -> Result:
        out = Result()
        for node, line in lines:
            result = b.exec(node, line.split())
            text = re.sub(r"_lft \d+sec", "_lft Nsec", normalise(result.stdout, b.session))
            out.verdicts[line] = (result.returncode, text, result.stderr)
        return out

    results = on_both(topo, scenario)
    sim = results["sim"].verdicts
    assert (
        "inet6 2001:db8:1::ff:fe00:100/64 scope global dynamic mngtmpaddr "
        in sim["ip -6 addr show dev eth0"][1]
    )
    assert "Stateful other conf.      :          Yes" in sim["rdisc6 -1 eth0"][1]
    for key in sim:
        assert sim[key] == results["netns"].verdicts[key], key
