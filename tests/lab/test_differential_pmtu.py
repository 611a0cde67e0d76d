"""Path MTU discovery, sim against kernel (issue 11): a 1280-byte link behind a router.

h1 — r1 — h2 (tests/_support topologies) with r1's eth1 and h2's eth0 at MTU 1280. h1
pings h2 with 1400 data bytes: with ``-M do`` the first echo (1448 bytes, it fits h1's
own 1500) meets r1's Packet Too Big, h1 learns the path MTU (``ip -6 route get`` and
``ip -6 route show cache``: ``expires … mtu 1280``) and the next echo fails locally
(EMSGSIZE); without ``-M do`` h1 then sends fragments of at most 1280 bytes, which r1
forwards as they are, and h2's reply comes back in fragments too. What h1's port sees is
compared frame by frame (ICMPv6 type or fragment offset and More flag, source,
destination, length; the fragment identification, checksums and flow labels differ by
design). The netns side needs root: ``need`` skips it locally and fails in CI.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

from _support.differential import make_backend
from _support.env import need_program
from _support.frames import Ports
from _support.topologies import three_nodes

from v6plan._prefix import format_address
from v6plan.lab.runtime import _wire as w
from v6plan.lab.runtime._backend import Backend, TopologySpec

H2 = "2001:db8:2::10"
KINDS = {1: "unreachable", 2: "too-big", 3: "time-exceeded", 128: "echo", 129: "reply"}


def narrow_lan2(name: str) -> TopologySpec:
    return three_nodes(
        name,
        setup={
            "r1": (("ip", "link", "set", "eth1", "mtu", "1280"),),
            "h2": (("ip", "link", "set", "eth0", "mtu", "1280"),),
        },
    )


def normalise(text: str, session: str) -> str:
    text = text.replace(f"v6lab-{session}-", "v6lab-S-")
    text = re.sub(r"expires \d+sec", "expires Nsec", text)
    text = re.sub(r"time [\d.]+ ?ms", "time T", text)
    text = re.sub(r"rtt min/avg/max/mdev = \S+ ms", "rtt R", text)
    return re.sub(r"time=[\d.]+ ms", "time=T", text)


def essentials(frames: list[bytes]) -> list[tuple[Any, ...]]:
    """(what, source, destination, IPv6 length) of each IPv6 frame but NDP and MLD."""
    out: list[tuple[Any, ...]] = []
    for frame in frames:
        if frame[12:14] != b"\x86\xdd":
            continue
        packet = frame[14:]
        src, dst = format_address(w.from16(packet[8:24])), format_address(w.from16(packet[24:40]))
        if packet[6] == 44:
            offset_m = struct.unpack("!H", packet[42:44])[0]
            what: Any = ("fragment", offset_m & ~7, offset_m & 1)
        elif packet[6] == w.NH_ICMPV6 and packet[40] in KINDS:
            what = KINDS[packet[40]]
        else:
            continue
        out.append((what, src, dst, len(packet)))
    return out


LOOKS = (
    f"ip -6 route get {H2}",
    f"ping -6 -c 1 -s 1400 -M do {H2}",
    f"ip -6 route get {H2}",
    "ip -6 route show cache",
    f"ping -6 -c 1 -s 1400 -M do {H2}",
    f"ping -6 -c 1 -s 1400 {H2}",
    f"ip -6 route get {H2.replace('::10', '::11')}",
)


def test_packet_too_big_then_fragments(on_both) -> None:  # type: ignore[no-untyped-def]
    def scenario(b: Backend) -> dict[str, Any]:
        looks = []
        ports = Ports(b, [("h1", "eth0")])
        try:
            for line in LOOKS:
                result = b.exec("h1", line.split())
                looks.append(
                    (
                        result.returncode,
                        normalise(result.stdout, b.session),
                        normalise(result.stderr, b.session),
                    )
                )
            frames = essentials(ports.frames("h1", "eth0"))
        finally:
            ports.close()
        return {"looks": looks, "frames": frames}

    results = on_both(narrow_lan2("pmtu"), scenario)
    sim = results["sim"]
    before, too_big, learned, cache, local, fragmented, other = sim["looks"]
    assert " mtu " not in before[1]
    assert (
        too_big[0] == 1 and "From 2001:db8:1::1 icmp_seq=1 Packet too big: mtu=1280" in too_big[1]
    )
    assert "metric 1024 expires Nsec mtu 1280 pref medium" in learned[1]
    assert (
        cache[1]
        == f"{H2} via 2001:db8:1::1 dev eth0 metric 1024 expires Nsec mtu 1280 pref medium\n"
    )
    assert local[0] == 1 and local[2] == "ping: local error: message too long, mtu: 1280\n"
    assert (
        fragmented[0] == 0 and "1408 bytes from 2001:db8:2::10: icmp_seq=1 ttl=63" in fragmented[1]
    )
    assert " mtu " not in other[1]  # the exception is for one destination
    h1 = "2001:db8:1::10"
    assert sim["frames"] == [
        ("echo", h1, H2, 1448),
        ("too-big", "2001:db8:1::1", h1, 1280),
        (("fragment", 0, 1), h1, H2, 1280),
        (("fragment", 1232, 0), h1, H2, 224),
        (("fragment", 0, 1), H2, h1, 1280),
        (("fragment", 1232, 0), H2, h1, 224),
    ]
    assert results["netns"] == sim


def test_the_local_mtu_is_the_first_limit(on_both) -> None:  # type: ignore[no-untyped-def]
    """Bigger than h1's own link: ``-M do`` fails at once, without a packet; the default
    fragments to 1500 bytes from the first echo."""
    topo = three_nodes("pmtu-local")

    def scenario(b: Backend) -> dict[str, Any]:
        ports = Ports(b, [("h1", "eth0")])
        try:
            do = b.exec("h1", ["ping", "-6", "-c", "1", "-s", "2000", "-M", "do", H2])
            plain = b.exec("h1", ["ping", "-6", "-c", "1", "-s", "2000", H2])
            frames = essentials(ports.frames("h1", "eth0"))
        finally:
            ports.close()
        return {
            "do": (do.returncode, normalise(do.stdout, b.session), do.stderr),
            "plain": (plain.returncode, normalise(plain.stdout, b.session)),
            "frames": frames,
        }

    results = on_both(topo, scenario)
    sim = results["sim"]
    assert sim["do"][2] == "ping: local error: message too long, mtu: 1500\n"
    assert sim["plain"][0] == 0
    assert [f[0] for f in sim["frames"]] == [("fragment", 0, 1), ("fragment", 1448, 0)] * 2
    assert results["netns"] == sim


#: a host firewall that drops every Packet Too Big (RFC 4890 §4.3.1 says never do this)
NO_TOO_BIG = (
    ("nft", "add", "table", "inet", "fw"),
    ("nft", "add", "chain", "inet", "fw", "input", "{ type filter hook input priority 0 ; }"),
    ("nft", "add", "rule", "inet", "fw", "input", "icmpv6", "type", "packet-too-big", "drop"),
)


def test_filtering_packet_too_big_makes_a_black_hole(tmp_path: Path) -> None:
    """On the kernel only: h1 drops incoming Packet Too Big; small echoes still pass, big
    ones vanish without a word and no path MTU is ever learned. The simulator models no
    packet filter, and says so rather than pretend (nft: exit 127)."""
    sim = make_backend("sim", tmp_path)
    sim.start(narrow_lan2("pmtu-nosim"))
    try:
        refused = sim.exec("h1", list(NO_TOO_BIG[0]))
    finally:
        sim.stop()
    assert refused.returncode == 127 and "not available in the simulator" in refused.stderr
    b = make_backend("netns", tmp_path)
    need_program("nft", sbin=False)
    b.start(narrow_lan2("pmtu-filter"))
    try:
        for argv in NO_TOO_BIG:
            assert b.exec("h1", list(argv)).returncode == 0, argv
        small = b.exec("h1", ["ping", "-6", "-c", "1", H2])
        big = b.exec("h1", ["ping", "-6", "-c", "3", "-i", "0.2", "-W", "1", "-s", "1400", H2])
        route = b.exec("h1", ["ip", "-6", "route", "get", H2]).stdout
    finally:
        b.stop()
        type(b).sweep(b.session)
    assert small.returncode == 0
    assert big.returncode == 1 and ", 0 received," in big.stdout
    assert "Packet too big" not in big.stdout and " mtu " not in route
