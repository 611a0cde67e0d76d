"""The simulator held honest: the same scenarios on ``sim`` and on the kernel (``netns``).

Each scenario returns verdicts (reachable or not, address flags, routes present, the
ICMPv6 error received) and the packets' essential fields as normalised tuples (ICMPv6
type, source, destination, hop limit, NS/NA target and flags; link-locals as names,
no MACs, no flow labels). Both backends must give equal results — and each scenario
also checks the expected values, so two equally wrong backends do not pass.

The netns side needs root: ``need`` skips it locally and fails in CI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from _support.differential import flags_of
from _support.frames import Ports
from _support.topologies import (
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


# -- running a scenario on one backend ----------------------------------------------------------------
@dataclass
class Result:
    verdicts: dict[str, Any] = field(default_factory=dict)
    packets: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)


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


KEEP_ND_ECHO = {"NS", "NA", "echo", "reply"}


# -- the scenarios -----------------------------------------------------------------------------------------
def test_first_ping_across_a_router(on_both) -> None:  # type: ignore[no-untyped-def]
    topo = three_nodes("first-ping")
    name = namer(topo)

    def scenario(b: Backend) -> Result:
        rec = Ports(b, [("h1", "eth0"), ("h2", "eth0")])
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
        rec = Ports(b, [("r1", "eth0")])
        result = b.exec("r1", ["ip", "-6", "addr", "add", "2001:db8:1::10/64", "dev", "eth0"])
        b.settle(lambda: "dadfailed" in flags_of(b, "r1", H1), 4.0)
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
        rec = Ports(b, [("h1", "eth0")])
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


ROUTE_TYPES = ("local", "anycast", "multicast", "unreachable", "blackhole", "prohibit")


def same_prefix_sorted(text: str) -> str:
    """Routes to the same prefix with the same metric are listed in the order they were
    added; on the kernel that order races (links come up in parallel), so sort such runs."""
    lines = text.split("\n")
    out: list[str] = []
    run: list[str] = []
    for line in lines:
        key = _route_key(line) if "metric" in line.split() else None
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
    """(destination, metric) of a route line; a type word (``anycast`` …) is skipped."""
    words = line.split()
    dst = words[1] if words[0] in ROUTE_TYPES and len(words) > 1 else words[0]
    return (dst, words[words.index("metric") + 1])


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


# -- what trainees look at beyond the basics (issue 10) ------------------------------------------------------
def run_lines(b: Backend, lines: list[tuple[str, str]]) -> dict[str, tuple[int, Any, str]]:
    """Each ``(node, command)`` run in turn: exit code, normalised stdout and stderr."""
    out: dict[str, tuple[int, Any, str]] = {}
    for node, line in lines:
        result = b.exec(node, line.split())
        text = normalise(result.stdout, b.session)
        out[f"{node}: {line}"] = (
            result.returncode,
            json_normalised(text) if " -j " in f" {line} " else text,
            normalise(result.stderr, b.session),
        )
    return out


def test_subnet_router_anycast(on_both) -> None:  # type: ignore[no-untyped-def]
    """RFC 4291 §2.6.1: a forwarding router answers its subnets' ::0 (its NA without the
    override flag, its echo reply from its unicast address)."""
    topo = three_nodes("anycast")
    name = namer(topo)

    def scenario(b: Backend) -> Result:
        out = Result()
        rec = Ports(b, [("h1", "eth0")])
        result = b.exec("h1", ["ping", "-6", "-c", "1", "2001:db8:1::"])
        out.packets["h1"] = essentials(rec.frames("h1", "eth0"), name, KEEP_ND_ECHO)
        rec.close()
        out.verdicts["ping"] = (
            result.returncode,
            [line.split(": ")[0] for line in result.stdout.splitlines() if "bytes from" in line],
        )
        out.verdicts["neigh"] = sorted(
            (format_address(n.address), n.state)
            for n in b.neighbours("h1")
            if n.address == parse_address("2001:db8:1::")
        )
        out.verdicts.update(
            run_lines(
                b, [("r1", "ping -6 -c 1 2001:db8:2::"), ("r1", "ip -6 route get 2001:db8:1::")]
            )
        )
        b.exec("r1", ["sysctl", "-w", "net.ipv6.icmp.echo_ignore_anycast=1"])
        ignored = b.exec("h1", ["ping", "-6", "-c", "1", "-W", "1", "2001:db8:1::"])
        out.verdicts["ignored"] = ignored.returncode
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    assert sim.packets["h1"] == [
        ("NS", "2001:db8:1::10", "ff02::1:ff00:0", 255, "2001:db8:1::", True),
        ("NA", "2001:db8:1::1", "2001:db8:1::10", 255, "2001:db8:1::", "RS", True),
        ("echo", "2001:db8:1::10", "2001:db8:1::", 64),
        ("reply", "2001:db8:1::1", "2001:db8:1::10", 64),
    ]
    assert sim.verdicts["ping"] == (0, ["64 bytes from 2001:db8:1::1"])
    assert sim.verdicts["neigh"] == [("2001:db8:1::", "REACHABLE")]
    assert (
        "64 bytes from 2001:db8:2::1: icmp_seq=1"
        in sim.verdicts["r1: ping -6 -c 1 2001:db8:2::"][1]
    )
    assert sim.verdicts["r1: ip -6 route get 2001:db8:1::"][1] == (
        "anycast 2001:db8:1:: from :: dev lo table local proto kernel src 2001:db8:1::1 "
        "metric 0 pref medium\n"
    )
    assert sim.verdicts["ignored"] == 1
    assert results["netns"] == sim


def test_ip_route_without_family_lists_ipv4(on_both) -> None:  # type: ignore[no-untyped-def]
    """Without -6, ``ip route`` is IPv4's table (empty here, lo's entries in local)."""
    lines = [
        ("h1", "ip route"),
        ("h1", "ip route show"),
        ("r1", "ip -4 route"),
        ("h1", "ip -j route"),
        ("h1", "ip route show table local"),
        ("h1", "ip route get 2001:db8:2::10"),
        ("h1", "ip -4 addr"),
        ("h1", "ip -j -4 addr"),
    ]
    results = on_both(three_nodes("v4"), lambda b: Result(run_lines(b, lines)))
    sim = results["sim"].verdicts
    assert sim["h1: ip route"] == (0, "", "")
    assert sim["h1: ip -j route"] == (0, [], "")
    assert sim["h1: ip route show table local"][1].splitlines()[0] == (
        "local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 "
    )
    assert "via 2001:db8:1::1" in sim["h1: ip route get 2001:db8:2::10"][1]
    assert results["netns"].verdicts == sim


def test_local_table(on_both) -> None:  # type: ignore[no-untyped-def]
    """``ip -6 route show table local``: local, anycast (routers only) and multicast."""
    lines = [
        ("r1", "ip -6 route show table local"),
        ("h1", "ip -6 route show table local"),
        ("r1", "ip -j -6 route show table local"),
        ("h1", "ip -6 route show table local dev eth0"),
        ("h1", "ip -6 route show table all"),
        ("h1", "ip route show table all"),  # both families without -4/-6
        ("r1", "ip -6 route show table 255"),
        ("h1", "ip -j route show table all"),
        ("r1", "sysctl -w net.ipv6.conf.eth1.forwarding=0"),
        ("r1", "ip -6 route list table local"),
        ("h2", "ip link set eth0 down"),  # r1's eth1 loses carrier: only ff00::/8 is linkdown
        ("r1", "ip -6 route show table local dev eth1"),
    ]
    results = on_both(three_nodes("local"), lambda b: Result(run_lines(b, lines)))
    sim = results["sim"].verdicts
    assert sim["r1: ip -6 route show table local"][1] == (
        "local ::1 dev lo proto kernel metric 0 pref medium\n"
        "anycast 2001:db8:1:: dev eth0 proto kernel metric 0 pref medium\n"
        "local 2001:db8:1::1 dev eth0 proto kernel metric 0 pref medium\n"
        "anycast 2001:db8:2:: dev eth1 proto kernel metric 0 pref medium\n"
        "local 2001:db8:2::1 dev eth1 proto kernel metric 0 pref medium\n"
        "anycast fe80:: dev eth0 proto kernel metric 0 pref medium\n"
        "anycast fe80:: dev eth1 proto kernel metric 0 pref medium\n"
        "local fe80::ff:fe00:200 dev eth0 proto kernel metric 0 pref medium\n"
        "local fe80::ff:fe00:201 dev eth1 proto kernel metric 0 pref medium\n"
        "multicast ff00::/8 dev eth0 proto kernel metric 256 pref medium\n"
        "multicast ff00::/8 dev eth1 proto kernel metric 256 pref medium\n"
    )
    after = sim["r1: ip -6 route list table local"]  # eth1 no longer forwards
    assert "anycast 2001:db8:2::" not in after[1]
    assert sim["r1: ip -6 route show table local dev eth1"][1] == (
        "local 2001:db8:2::1 proto kernel metric 0 pref medium\n"
        "local fe80::ff:fe00:201 proto kernel metric 0 pref medium\n"
        "multicast ff00::/8 proto kernel metric 256 linkdown pref medium\n"
    )
    assert results["netns"].verdicts == sim


def test_addresses_on_lo_get_a_prefix_route(on_both) -> None:  # type: ignore[no-untyped-def]
    lines = [
        ("h1", "ip -6 addr add 2001:db8:99::1/64 dev lo"),
        ("h1", "ip -6 addr add 2001:db8:98::1/128 dev lo"),
        ("h1", "ip -6 route"),
        ("h1", "ip -6 route show table local"),
        ("h1", "ip -6 addr show dev lo"),
        ("h1", "ping -6 -c 1 2001:db8:99::1"),
        ("r1", "ip -6 addr add 2001:db8:55::1/64 dev lo"),
        ("r1", "ip -6 route show dev lo"),
        ("r1", "ip -6 route show table local dev lo"),
        ("h1", "ip -6 addr del 2001:db8:99::1/64 dev lo"),
        ("h1", "ip -6 route show dev lo"),
    ]
    results = on_both(three_nodes("lo"), lambda b: Result(run_lines(b, lines)))
    sim = results["sim"].verdicts
    assert sim["h1: ip -6 route"][1] == (
        "2001:db8:1::/64 dev eth0 proto kernel metric 256 pref medium\n"
        "2001:db8:98::1 dev lo proto kernel metric 256 pref medium\n"
        "2001:db8:99::/64 dev lo proto kernel metric 256 pref medium\n"
        "fe80::/64 dev eth0 proto kernel metric 256 pref medium\n"
        "default via 2001:db8:1::1 dev eth0 metric 1024 pref medium\n"
    )
    assert "anycast 2001:db8:55:: proto kernel" in sim["r1: ip -6 route show table local dev lo"][1]
    assert sim["h1: ip -6 route show dev lo"][1] == (
        "2001:db8:98::1 proto kernel metric 256 pref medium\n"
    )
    assert results["netns"].verdicts == sim


def maddr_sorted(text: str) -> str:
    """Groups joined while the links came up race on the kernel: compare each interface's
    groups as a set (the newest-first order is checked where it is determined)."""
    out: list[str] = []
    block: list[str] = []
    for line in text.splitlines():
        if line.startswith("\t"):
            block.append(line)
            continue
        out += [*sorted(block), line]
        block = []
    return "\n".join(out + sorted(block))


def test_multicast_groups(on_both) -> None:  # type: ignore[no-untyped-def]
    """``ip -6 maddr``: all-nodes (ff01::1, ff02::1), solicited-node groups of addresses
    and of anycast addresses, ff02::2 on a router; a new address's group comes first."""
    import json

    def scenario(b: Backend) -> Result:
        out = Result()
        for node in ("h1", "r1"):
            result = b.exec(node, ["ip", "-6", "maddr"])
            out.verdicts[node] = (result.returncode, maddr_sorted(result.stdout))
        for line in ("ip maddr", "ip -4 maddr", "ip maddr show dev lo"):  # link, inet too
            result = b.exec("r1", line.split())
            out.verdicts[line] = (result.returncode, maddr_sorted(result.stdout))
        data = json.loads(b.exec("r1", ["ip", "-j", "-6", "maddr"]).stdout)
        out.verdicts["json"] = [
            (i["ifname"], sorted((m["address"], m.get("users", 1)) for m in i["maddr"]))
            for i in data
        ]
        b.exec("h1", ["ip", "-6", "addr", "add", "2001:db8:1::77/64", "dev", "eth0"])
        newest = b.exec("h1", ["ip", "-6", "maddr", "show", "dev", "eth0"]).stdout
        out.verdicts["newest"] = newest.splitlines()[:2]
        b.exec("h1", ["sysctl", "-w", "net.ipv6.conf.all.forwarding=1"])
        routed = b.exec("h1", ["ip", "-6", "maddr", "show", "dev", "eth0"]).stdout
        out.verdicts["forwarding"] = routed.splitlines()[:5]
        return out

    results = on_both(three_nodes("maddr"), scenario)
    sim = results["sim"].verdicts
    assert sim["h1"] == (
        0,
        "1:\tlo\n\tinet6 ff01::1\n\tinet6 ff02::1\n2:\teth0\n\tinet6 ff01::1\n"
        "\tinet6 ff02::1\n\tinet6 ff02::1:ff00:10\n\tinet6 ff02::1:ff00:100",
    )
    assert sim["json"][2] != ("eth1", [("ff01::1", 1), ("ff02::1", 1), ("ff02::1:ff00:0", 2)])
    assert ("ff02::2", 1) in sim["json"][1][1] and ("ff02::1:ff00:0", 2) in sim["json"][1][1]
    assert "\tlink  33:33:ff:00:00:00\n\tlink  33:33:ff:00:00:01\n" in sim["ip maddr"][1]
    assert sim["ip -4 maddr"] == (
        0,
        "1:\tlo\n\tinet  224.0.0.1\n2:\teth0\n\tinet  224.0.0.1\n3:\teth1\n\tinet  224.0.0.1",
    )
    assert sim["newest"] == ["2:\teth0", "\tinet6 ff02::1:ff00:77"]
    assert sim["forwarding"] == [
        "2:\teth0",
        "\tinet6 ff02::1:ff00:0 users 2",
        "\tinet6 ff05::2",
        "\tinet6 ff01::2",
        "\tinet6 ff02::2",
    ]
    assert results["netns"].verdicts == sim


def test_route_get_from(on_both) -> None:  # type: ignore[no-untyped-def]
    lines = [
        ("h1", "ip -6 route get 2001:db8:2::10 from 2001:db8:1::10"),
        ("h1", "ip -6 route get 2001:db8:2::10 from 2001:db8:7::10"),
        ("h1", "ip -6 route get 2001:db8:1::10 from 2001:db8:1::10"),
        ("r1", "ip -6 route get 2001:db8:2::10 from 2001:db8:1::10 iif eth0"),
        ("h1", "ip -j -6 route get 2001:db8:2::10"),
    ]
    results = on_both(three_nodes("get"), lambda b: Result(run_lines(b, lines)))
    sim = results["sim"].verdicts
    assert sim["h1: ip -6 route get 2001:db8:2::10 from 2001:db8:1::10"][1] == (
        "2001:db8:2::10 from 2001:db8:1::10 via 2001:db8:1::1 dev eth0 src 2001:db8:1::10 "
        "metric 1024 pref medium\n"
    )
    assert results["netns"].verdicts == sim


def json_normalised(text: str) -> Any:
    """``-json`` output with what differs between runs taken out: the peer namespaces'
    ids (numbered as the kernel meets them), the neighbour table's hash order, and the
    order of routes to one prefix with one metric."""
    import json

    data = json.loads(text)
    for item in data:
        item.pop("link_netnsid", None)
    if data and "state" in data[0]:
        data.sort(key=lambda n: (n["dst"], n.get("dev", "")))
    if data and "metric" in data[0]:  # as same_prefix_sorted: same prefix and metric race
        runs: list[list[Any]] = []
        for item in data:
            if runs and (runs[-1][0]["dst"], runs[-1][0]["metric"]) == (
                item["dst"],
                item["metric"],
            ):
                runs[-1].append(item)
            else:
                runs.append([item])
        data = [i for run in runs for i in sorted(run, key=lambda r: json.dumps(r))]
    return data


def test_json_output(on_both) -> None:  # type: ignore[no-untyped-def]
    lines = [
        ("h1", "ip -j addr"),
        ("r1", "ip -j addr"),
        ("r1", "ip -j -6 addr"),
        ("h1", "ip -j -6 addr show dev eth0"),
        ("h1", "ip -j -6 route"),
        ("r1", "ip -j -6 route"),
        ("h1", "ip -j link"),
        ("r1", "ip -j link show dev eth1"),
        ("h1", "ip -j -6 neigh"),  # (r1's also holds h1's link-local once its RS came: racy)
    ]

    def scenario(b: Backend) -> Result:
        b.exec("h1", ["ping", "-6", "-c", "1", "2001:db8:2::10"])
        out = Result()
        for node, line in lines:
            result = b.exec(node, line.split())
            out.verdicts[f"{node}: {line}"] = (result.returncode, json_normalised(result.stdout))
        return out

    results = on_both(three_nodes("json"), scenario)
    sim = results["sim"].verdicts
    assert sim["h1: ip -j -6 neigh"] == (
        0,
        [
            {
                "dst": "2001:db8:1::1",
                "dev": "eth0",
                "lladdr": "02:00:00:00:02:00",
                "router": None,
                "state": ["REACHABLE"],
            }
        ],
    )
    assert sim["h1: ip -j -6 route"][1][-1] == {
        "dst": "default",
        "gateway": "2001:db8:1::1",
        "dev": "eth0",
        "metric": 1024,
        "flags": [],
        "pref": "medium",
    }
    for key in sim:
        assert sim[key] == results["netns"].verdicts[key], key


def counters(text: str) -> dict[str, tuple[int, int]]:
    """(bytes, packets) of the RX and TX lines of ``ip -s link``."""
    lines = text.splitlines()
    out = {}
    for i, line in enumerate(lines):
        label = line.strip().split(":")[0]
        if label in ("RX", "TX"):
            numbers = lines[i + 1].split()
            out[label] = (int(numbers[0]), int(numbers[1]))
    return out


def test_link_counters(on_both) -> None:  # type: ignore[no-untyped-def]
    """``ip -s link``: the layout, and packets and bytes counted per interface — compared
    as the change across pings (the kernel also counts its MLD reports, which the
    simulator does not send; they are over once the links have settled)."""
    import re

    topo = three_nodes("stats", h1_sysctls={"net.ipv6.conf.default.accept_ra": "0"})

    def scenario(b: Backend) -> Result:
        b.advance(3.0)  # start-up MLD reports and router solicitations are over
        show = ["ip", "-s", "link", "show", "dev"]
        before = {d: counters(b.exec("h1", [*show, d]).stdout) for d in ("eth0", "lo")}
        b.exec("h1", ["ping", "-6", "-c", "3", "-i", "0.2", "2001:db8:2::10"])
        b.exec("h1", ["ping", "-6", "-c", "1", "2001:db8:1::10"])
        text = b.exec("h1", [*show, "eth0"]).stdout
        after = {d: counters(b.exec("h1", [*show, d]).stdout) for d in ("eth0", "lo")}
        out = Result()
        out.verdicts["layout"] = re.sub(r" +\d+(?= )", " N", normalise(text, b.session))
        out.verdicts["delta"] = {
            (d, k): tuple(a - b_ for a, b_ in zip(after[d][k], before[d][k]))
            for d in after
            for k in after[d]
        }
        return out

    results = on_both(topo, scenario)
    sim = results["sim"].verdicts
    assert sim["delta"] == {
        ("eth0", "RX"): (86 + 3 * 118, 4),  # NA, three replies
        ("eth0", "TX"): (86 + 3 * 118, 4),  # NS, three requests
        ("lo", "RX"): (2 * 104, 2),  # a ping to oneself: request and reply, no Ethernet header
        ("lo", "TX"): (2 * 104, 2),
    }
    assert (
        "    RX:  bytes packets errors dropped  missed   mcast           \n N N N N N N \n"
        in (sim["layout"])
    )
    assert results["netns"].verdicts == sim


def test_hostname_is_the_node_name(on_both) -> None:  # type: ignore[no-untyped-def]
    lines = [("h1", "hostname"), ("r1", "hostname")]
    results = on_both(three_nodes("names"), lambda b: Result(run_lines(b, lines)))
    assert results["sim"].verdicts == {
        "h1: hostname": (0, "h1\n", ""),
        "r1: hostname": (0, "r1\n", ""),
    }
    assert results["netns"].verdicts == results["sim"].verdicts
