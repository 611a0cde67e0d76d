"""Shared segments (a switch joining any number of interfaces) on both backends.

netns builds a segment as a Linux bridge (STP off, multicast snooping off); the simulator
as a learning switch. The same scenario runs on both, on three hosts and a router on
one segment, and the frames seen on a member's port are compared one by one (ICMPv6
type, source, destination, hop limit, NS/NA target and flags; link-locals as names):
a flooded frame (multicast, unknown unicast) shows on every port, a frame to a learned
MAC only on its own. Each scenario also checks the expected values, so two equally
wrong backends do not pass. The netns side needs root: ``need`` skips it locally and
fails in CI.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _support.differential import flags_of, make_backend
from _support.frames import Ports, essentials, namer
from _support.topologies import ip, segment_lan

from v6plan._prefix import format_address, parse_address
from v6plan.lab.checks._probes import router_solicitation
from v6plan.lab.runtime import _wire as w
from v6plan.lab.runtime._backend import Backend, TopologySpec, interface_macs

PORTS = [("h1", "eth0"), ("h2", "eth0"), ("h3", "eth0"), ("r1", "eth0")]
ADVERTISE: dict[str, object] = {"prefixes": ["2001:db8:1::/64"], "interval": 10}


Scenario = Callable[[Backend], dict[str, Any]]


def mac(node: str) -> str:
    """The member's MAC in :func:`segment_lan` with three hosts (r1 is the fourth node)."""
    return f"02:00:00:00:0{dict(h1=1, h2=2, h3=3, r1=4)[node]}:00"


# -- the scenarios --------------------------------------------------------------------------------
def test_ndp_and_echo_between_two_hosts(on_both) -> None:  # type: ignore[no-untyped-def]
    """h1 pings h2: the NS floods to every port, the NA and the echo go to h1 and h2 only."""
    topo = segment_lan(3, "seg-ndp")
    name = namer(topo)

    def scenario(b: Backend) -> dict[str, Any]:
        ports = Ports(b, PORTS)
        result = b.exec("h1", ["ping", "-6", "-c", "1", "2001:db8:1::11"])
        out: dict[str, Any] = {"ping": (result.returncode, "1 received" in result.stdout)}
        for node, ifname in PORTS:
            out[node] = essentials(ports.frames(node, ifname), name, {"NS", "NA", "echo", "reply"})
        ports.close()
        out["h3 neighbours"] = sorted(format_address(n.address) for n in b.neighbours("h3"))
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    ns = ("NS", "2001:db8:1::10", "ff02::1:ff00:11", 255, "multicast", "2001:db8:1::11")
    exchange = [
        ns,
        ("NA", "2001:db8:1::11", "2001:db8:1::10", 255, mac("h1"), "2001:db8:1::11", "SO"),
        ("echo", "2001:db8:1::10", "2001:db8:1::11", 64, mac("h2")),
        ("reply", "2001:db8:1::11", "2001:db8:1::10", 64, mac("h1")),
    ]
    assert sim == {
        "ping": (0, True),
        "h1": exchange,
        "h2": exchange,
        "h3": [ns],  # flooded; the unicast answers went to h1's port only (learned)
        "r1": [ns],
        "h3 neighbours": [],
    }
    assert results["netns"] == sim


def test_dad_conflict_between_two_hosts(on_both) -> None:  # type: ignore[no-untyped-def]
    """h2 is given h1's address: h1 defends it, h2's copy is dadfailed; h3 sees both."""
    topo = segment_lan(3, "seg-dad", dad=True)
    name = namer(topo)
    taken = parse_address("2001:db8:1::10")

    def scenario(b: Backend) -> dict[str, Any]:
        ports = Ports(b, PORTS)
        added = b.exec("h2", list(ip("addr", "add", "2001:db8:1::10/64", "dev", "eth0")))
        b.settle(lambda: "dadfailed" in flags_of(b, "h2", taken), 4.0)
        out: dict[str, Any] = {
            "add": added.returncode,
            "h1": flags_of(b, "h1", taken),
            "h2": flags_of(b, "h2", taken),
        }
        for node, ifname in PORTS:
            trace = essentials(ports.frames(node, ifname), name, {"NS", "NA"})
            out[f"{node} frames"] = [t for t in trace if t[5] == "2001:db8:1::10"]
        ports.close()
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    seen = [
        ("NS", "::", "ff02::1:ff00:10", 255, "multicast", "2001:db8:1::10"),
        ("NA", "2001:db8:1::10", "ff02::1", 255, "multicast", "2001:db8:1::10", "O"),
    ]
    assert sim == {
        "add": 0,
        "h1": {"permanent"},
        "h2": {"tentative", "dadfailed", "permanent"},
        **{f"{node} frames": seen for node, _ in PORTS},
    }
    assert results["netns"] == sim


def test_router_solicitation_and_slaac_on_every_host(on_both) -> None:  # type: ignore[no-untyped-def]
    """r1 advertises the LAN: every host forms its address; h1's RS floods, the solicited
    RA comes back to h1's port only."""
    topo = segment_lan(3, "seg-ra", advertise=ADVERTISE)
    name = namer(topo)
    macs = interface_macs(topo)
    slaac = {
        h: parse_address("2001:db8:1::") | w.eui64(macs[(h, "eth0")]) for h in ("h1", "h2", "h3")
    }
    h1_ll = w.LINK_LOCAL_NET | w.eui64(macs[("h1", "eth0")])
    r1_ll = format_address(w.LINK_LOCAL_NET | w.eui64(macs[("r1", "eth0")]))

    def scenario(b: Backend) -> dict[str, Any]:
        out: dict[str, Any] = {h: flags_of(b, h, a) for h, a in slaac.items()}
        out["defaults"] = {
            h: sorted((format_address(r.via or 0), r.proto) for r in b.routes(h) if r.length == 0)
            for h in slaac
        }
        ports = Ports(b, PORTS)
        b.send_l2("h1", "eth0", [router_solicitation(macs[("h1", "eth0")], h1_ll)], timeout=2.0)
        for node, ifname in PORTS:
            trace = essentials(ports.frames(node, ifname), name, {"RS", "RA"})
            out[f"{node} frames"] = [t for t in trace if t[2] != "ff02::1"]  # periodic RAs
        ports.close()
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    rs = ("RS", "ll(h1)", "ff02::2", 255, "multicast")
    assert sim == {
        **{h: {"dynamic"} for h in slaac},
        "defaults": {h: [(r1_ll, "ra")] for h in slaac},
        "h1 frames": [rs, ("RA", "ll(r1)", "ll(h1)", 255, mac("h1"))],
        "h2 frames": [rs],
        "h3 frames": [rs],
        "r1 frames": [rs, ("RA", "ll(r1)", "ll(h1)", 255, mac("h1"))],
    }
    assert results["netns"] == sim


def test_ip_link_names_the_switch_namespace(on_both) -> None:  # type: ignore[no-untyped-def]
    """A member's veth peer is a port in the session's switch namespace, numbered as the
    kernel numbers it there (lo, the bridge, then the ports)."""
    topo = segment_lan(3, "seg-link")

    def scenario(b: Backend) -> dict[str, Any]:
        out = {}
        for node in ("h1", "r1"):
            text = b.exec(node, ["ip", "link"]).stdout
            words = text.replace(b.session, "S").split()
            words = words[words.index("2:") :]
            out[node] = (words[1], words[words.index("link-netns") + 1])
        return out

    results = on_both(topo, scenario)
    assert results["sim"] == {
        "h1": ("eth0@if3:", "v6lab-S--sw"),
        "r1": ("eth0@if6:", "v6lab-S--sw"),
    }
    assert results["netns"] == results["sim"]


#: DAD at once and 100 ms per probe: what a fast lab sets (a namespace has no
#: ``neigh.default``, so the timer is set on the interface, before it is up)
FAST_DAD = {
    "net.ipv6.conf.default.router_solicitation_delay": "0",
    "net.ipv6.neigh.eth0.retrans_time_ms": "100",
}


def test_fast_dad_timers_on_the_interface(on_both) -> None:  # type: ignore[no-untyped-def]
    """A sysctl naming an interface is applied before the link is up, and with no
    solicitation delay DAD probes at once (the kernel's delay is below one jiffy, not 1 s):
    an added address is usable after one 100 ms probe on both backends."""
    topo = segment_lan(3, "seg-fast", dad=True, sysctls=FAST_DAD)
    added = parse_address("2001:db8:1::99")

    def scenario(b: Backend) -> dict[str, Any]:
        out: dict[str, Any] = {
            "retrans": b.exec("h2", ["sysctl", "-n", "net.ipv6.neigh.eth0.retrans_time_ms"]).stdout,
        }
        b.exec("h2", list(ip("addr", "add", "2001:db8:1::99/64", "dev", "eth0")))
        out["at once"] = flags_of(b, "h2", added)
        if b.name == "sim":
            b.advance(0.3)
        else:
            time.sleep(0.3)
        out["after 0.3 s"] = flags_of(b, "h2", added)
        return out

    results = on_both(topo, scenario)
    assert results["sim"] == {
        "retrans": "100\n",
        "at once": {"tentative", "permanent"},
        "after 0.3 s": {"permanent"},
    }
    assert results["netns"] == results["sim"]


def test_the_switch_namespace_goes_with_the_session(tmp_path: Path) -> None:
    """netns: the bridges live in ``v6lab-<session>--sw``; stopping removes it, and so
    does the sweep after a crash (nothing stopped the lab)."""
    from v6plan.lab.runtime._backend import switch_namespace

    netns_dir = Path("/run/netns")
    for stop in ("stop", "sweep"):
        backend = make_backend("netns", tmp_path / stop)
        backend.start(segment_lan(2, "seg-clean"))
        name = switch_namespace(backend.session)
        assert (netns_dir / name).exists()
        bridge = backend.exec("h1", ["ip", "link"]).stdout  # the member's peer is there
        assert f"link-netns {name}" in bridge
        if stop == "stop":
            backend.stop()
        else:
            assert name in type(backend).sweep(backend.session, tmp_path / stop)
        assert not (netns_dir / name).exists()


def test_the_sim_switch_forgets_a_mac_after_the_bridge_ageing_time(tmp_path: Path) -> None:
    """The switch floods again to a MAC it has not heard from for 300 s (the bridge's
    default ageing; simulator only: the kernel's would take five real minutes)."""
    backend = make_backend("sim", tmp_path)
    quiet = {"net.ipv6.conf.default.router_solicitations": "0"}  # no RS every so often
    backend.start(segment_lan(3, "seg-age", sysctls=quiet))
    try:
        assert backend.exec("h1", ["ping", "-6", "-c", "1", "2001:db8:1::11"]).returncode == 0
        h1 = backend.nodes["h1"].ifaces["eth0"]  # type: ignore[attr-defined]
        h3 = backend.nodes["h3"].ifaces["eth0"]  # type: ignore[attr-defined]
        h1_mac = bytes.fromhex(mac("h1").replace(":", ""))
        # to h1 from h2, an experimental EtherType that no stack reads
        to_h1 = h1_mac + bytes.fromhex("020000000200") + b"\x88\xb5" + bytes(50)

        def flooded_to_h3() -> bool:
            seen = len(h3.history)
            backend.send_l2("h2", "eth0", [to_h1], timeout=0.01)
            return any(f == to_h1 for _, f in h3.history[seen:])

        def since_h1_spoke() -> float:
            last = max(t for t, f in h1.history if f[6:12] == h1_mac)
            return float(backend.world.now) - last  # type: ignore[attr-defined]

        assert not flooded_to_h3()  # learned from the ping
        backend.advance(60)  # h1's neighbour probes are long over
        backend.advance(299 - since_h1_spoke())
        assert not flooded_to_h3()  # 299 s after h1's last frame: still known
        backend.advance(2)
        assert 300 < since_h1_spoke() < 302
        assert flooded_to_h3()  # forgotten: flooded like an unknown MAC
    finally:
        backend.stop()


def two_segments() -> TopologySpec:
    """r1 on two segments: a (h1, h2, r1 eth0: 2001:db8:1::/64) and b (h3, h4, r1 eth1:
    2001:db8:2::/64); the hosts at ::10/::11 with a default route via r1's ::1."""
    from _support.topologies import no_dad

    from v6plan.lab.runtime._backend import NodeSpec, SegmentSpec

    hosts = {"h1": (1, 0x10), "h2": (1, 0x11), "h3": (2, 0x10), "h4": (2, 0x11)}
    nodes = (
        NodeSpec("r1", kind="router", sysctls=no_dad(True)),
        *(NodeSpec(h, sysctls=no_dad()) for h in hosts),
    )
    setup: dict[str, tuple[tuple[str, ...], ...]] = {
        "r1": (
            ip("addr", "add", "2001:db8:1::1/64", "dev", "eth0"),
            ip("addr", "add", "2001:db8:2::1/64", "dev", "eth1"),
        )
    }
    for h, (lan, iid) in hosts.items():
        setup[h] = (
            ip("addr", "add", f"2001:db8:{lan}::{iid:x}/64", "dev", "eth0"),
            ip("route", "add", "default", "via", f"2001:db8:{lan}::1"),
        )
    segments = (
        SegmentSpec("a", (("h1", "eth0"), ("h2", "eth0"), ("r1", "eth0"))),
        SegmentSpec("b", (("h3", "eth0"), ("r1", "eth1"), ("h4", "eth0"))),
    )
    return TopologySpec("seg-two", nodes, (), setup, segments=segments)


def test_a_router_between_two_segments(on_both) -> None:  # type: ignore[no-untyped-def]
    """h1 pings h3 through r1: on each segment the solicitation floods to the host that
    is not involved, the echo and its reply do not; the ports are numbered alike."""
    topo = two_segments()
    name = namer(topo)
    ends = [("h1", "eth0"), ("h2", "eth0"), ("h3", "eth0"), ("h4", "eth0")]

    def scenario(b: Backend) -> dict[str, Any]:
        ports = Ports(b, ends)
        result = b.exec("h1", ["ping", "-6", "-c", "1", "2001:db8:2::10"])
        out: dict[str, Any] = {"ping": (result.returncode, "1 received" in result.stdout)}
        for node, ifname in ends:
            trace = essentials(ports.frames(node, ifname), name, {"NS", "NA", "echo", "reply"})
            out[node] = [t[:3] + t[4:5] for t in trace]  # kind, src, dst, to which MAC
        ports.close()
        for node in ("h2", "h4", "r1"):
            text = b.exec(node, ["ip", "link"]).stdout.replace(b.session, "S")
            out[f"{node} peers"] = [w for w in text.split() if "@if" in w or "--sw" in w]
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    assert sim["ping"] == (0, True)
    assert sim["h2"] == [("NS", "2001:db8:1::10", "ff02::1:ff00:1", "multicast")]
    assert sim["h4"] == [  # r1 asks for h3, then h3 for r1 (to answer): both flood to h4
        ("NS", "ll(r1)", "ff02::1:ff00:10", "multicast"),
        ("NS", "2001:db8:2::10", "ff02::1:ff00:1", "multicast"),
    ]
    assert [t[0] for t in sim["h3"]] == ["NS", "NA", "echo", "NS", "NA", "reply"]
    # the switch namespace: lo 1, br-a 2, br-b 3, then the ports a.0–a.2 (4–6), b.0–b.2 (7–9)
    assert sim["r1 peers"] == ["eth0@if6:", "v6lab-S--sw", "eth1@if8:", "v6lab-S--sw"]
    assert sim["h4 peers"] == ["eth0@if9:", "v6lab-S--sw"]
    assert results["netns"] == sim
