"""Two routers on one LAN: default router selection and failover, sim against kernel.

h1, r1 and r2 share segment ``lan`` (2001:db8:1::/64); both routers advertise it (radvd)
and reach h2 on segment ``up`` (2001:db8:2::/64; h2's own default route goes via r1).
What was found on the kernel (6.18) and what the simulator now does the same way:

- one ``proto ra`` default route per router, listed in the order the RAs came, each with
  its ``pref``; the lookup (rt6_select) takes the highest preference among the routes of
  the lowest metric, whatever their order — so h1's echoes go to the preferred router's MAC;
- router lifetime 0 (radvd sends one when it stops: SIGTERM) removes that router's route
  at once: the other one is used from the next packet;
- a router that stops advertising is used until its lifetime runs out; then the expired
  route stays listed (``expires -Nsec``) but unused;
- a preferred router that goes silent (its link down) is used until its neighbour entry
  is FAILED: DELAY 5 s after the first unanswered packet, three unicast probes 1 s apart,
  FAILED at 8 s — from then on the host picks the other router (RT6_LOOKUP_F_REACHABLE,
  hosts only).

Frames are compared one by one (kind, source, destination, hop limit, which MAC). The
netns side needs root: ``need`` skips it locally and fails in CI.
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path
from typing import Any

from _support.differential import make_backend
from _support.frames import Ports, essentials, namer
from _support.topologies import ip, no_dad

from v6plan.lab.runtime._backend import Backend, NodeSpec, SegmentSpec, TopologySpec

H2 = "2001:db8:2::10"
R1_LL, R2_LL = "fe80::ff:fe00:200", "fe80::ff:fe00:300"
#: interface_macs: h1 is node 1, r1 2, r2 3, h2 4
MAC = {"h1": "02:00:00:00:01:00", "r1": "02:00:00:00:02:00", "r2": "02:00:00:00:03:00"}


def two_routers(name: str, r1: dict[str, object], r2: dict[str, object]) -> TopologySpec:
    """h1 with r1 and r2 on ``lan``; r1, r2 and h2 on ``up``. ``r1``/``r2``: advertise options."""

    def advert(options: dict[str, object]) -> dict[str, dict[str, object]]:
        return {"eth0": {"prefixes": ["2001:db8:1::/64"], "interval": 10, **options}}

    nodes = (
        NodeSpec("h1", sysctls=no_dad()),
        NodeSpec("r1", kind="router", sysctls=no_dad(True), advertise=advert(r1)),
        NodeSpec("r2", kind="router", sysctls=no_dad(True), advertise=advert(r2)),
        NodeSpec("h2", sysctls=no_dad()),
    )
    setup: dict[str, tuple[tuple[str, ...], ...]] = {
        "r1": (
            ip("addr", "add", "2001:db8:1::1/64", "dev", "eth0"),
            ip("addr", "add", "2001:db8:2::1/64", "dev", "eth1"),
        ),
        "r2": (
            ip("addr", "add", "2001:db8:1::2/64", "dev", "eth0"),
            ip("addr", "add", "2001:db8:2::2/64", "dev", "eth1"),
        ),
        "h2": (
            ip("addr", "add", f"{H2}/64", "dev", "eth0"),
            ip("route", "add", "default", "via", "2001:db8:2::1"),
        ),
    }
    segments = (
        SegmentSpec("lan", (("h1", "eth0"), ("r1", "eth0"), ("r2", "eth0"))),
        SegmentSpec("up", (("r1", "eth1"), ("r2", "eth1"), ("h2", "eth0"))),
    )
    return TopologySpec(name, nodes, (), setup, segments=segments)


def both_defaults(b: Backend) -> bool:
    return b.exec("h1", ["ip", "-6", "route", "show", "default"]).stdout.count("default") == 2


def normalise(text: str) -> str:
    return re.sub(r"expires -?\d+sec", "expires Nsec", text)


def look(b: Backend) -> dict[str, str]:
    """What the trainee looks at on h1: the routes, the one picked, the neighbours."""
    lines = ("ip -6 route show default", f"ip -6 route get {H2}", "ip -6 neigh show")
    out = {line: normalise(b.exec("h1", line.split()).stdout) for line in lines}
    out["neighbours"] = "\n".join(sorted(out.pop("ip -6 neigh show").splitlines()))
    return out


def hop(b: Backend) -> str:
    """The router h1's packets to h2 go through now."""
    result = b.exec("h1", ["ip", "-6", "route", "get", H2])
    text = result.stdout
    return text.split(" via ")[1].split()[0] if " via " in text else result.stderr.strip()


def echo_trace(b: Backend, topo: TopologySpec) -> list[Any]:
    """One echo from h1 to h2 as h1's port sees it: (kind, src, dst, to which MAC)."""
    ports = Ports(b, [("h1", "eth0")])
    result = b.exec("h1", ["ping", "-6", "-c", "1", "-W", "1", H2])
    frames = essentials(ports.frames("h1", "eth0"), namer(topo), {"NS", "NA", "echo", "reply"})
    ports.close()
    return [result.returncode, *(t[:3] + t[4:5] for t in frames)]


def test_the_preferred_router_carries_the_traffic(on_both) -> None:  # type: ignore[no-untyped-def]
    """r1 advertises first with preference low, r2 with high: both routes listed, r2's
    used, h1's echo goes to r2's MAC (h2 answers through r1, its own default)."""
    topo = two_routers("rtr-pref", {"preference": "low"}, {"preference": "high"})

    def scenario(b: Backend) -> dict[str, Any]:
        assert b.settle(lambda: both_defaults(b), 20)
        return {**look(b), "echo": echo_trace(b, topo)}

    results = on_both(topo, scenario)
    sim = results["sim"]
    routes = sim["ip -6 route show default"]
    assert (
        f"default via {R2_LL} dev eth0 proto ra metric 1024 expires Nsec hoplimit 64 pref high"
        in routes
    )
    assert (
        f"default via {R1_LL} dev eth0 proto ra metric 1024 expires Nsec hoplimit 64 pref low"
        in routes
    )
    assert f"via {R2_LL} dev eth0 proto ra" in sim[f"ip -6 route get {H2}"]
    echo = sim["echo"]
    assert echo[0] == 0
    assert ("echo", "2001:db8:1::ff:fe00:100", H2, MAC["r2"]) in echo
    assert ("reply", H2, "2001:db8:1::ff:fe00:100", MAC["h1"]) in echo
    # the listing order is the RAs' arrival order, which a real boot does not fix: compare sets
    for result in results.values():
        result["ip -6 route show default"] = sorted(result["ip -6 route show default"].splitlines())
    assert results["netns"] == sim


def test_router_lifetime_zero_and_expiry_fail_over_at_once(on_both) -> None:  # type: ignore[no-untyped-def]
    """r2 (high) says it is no longer a default router — as radvd does when it stops —
    then r1 lets its lifetime run out: the route goes at once, then the expired one is
    skipped (listed until the fib garbage collector)."""
    topo = two_routers("rtr-life", {"preference": "low"}, {"preference": "high"})

    def scenario(b: Backend) -> dict[str, Any]:
        assert b.settle(lambda: both_defaults(b), 20)
        out: dict[str, Any] = {"before": hop(b)}
        b.send_l2("r2", "eth0", [ra("r2", lifetime=0, prf=1)], timeout=0.2)
        b.settle(lambda: False, 0.3)
        out["lifetime 0"] = (hop(b), look(b)["ip -6 route show default"])
        b.send_l2("r1", "eth0", [ra("r1", lifetime=4, prf=3)], timeout=0.2)
        b.exec("h1", ["sysctl", "-w", "net.ipv6.conf.eth0.accept_ra=0"])  # no refresh
        b.settle(lambda: False, 0.3)
        out["r1 lifetime 4"] = hop(b)
        b.advance(5.0)
        out["expired"] = (hop(b), look(b)["ip -6 route show default"])
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    assert sim["before"] == R2_LL
    assert sim["lifetime 0"] == (
        R1_LL,
        f"default via {R1_LL} dev eth0 proto ra metric 1024 expires Nsec hoplimit 64 pref low\n",
    )
    assert sim["r1 lifetime 4"] == R1_LL
    assert sim["expired"][0] == "RTNETLINK answers: Network is unreachable"
    assert (
        sim["expired"][1]
        == f"default via {R1_LL} dev eth0 proto ra metric 1024 expires Nsec hoplimit 64 pref low\n"
    )
    assert results["netns"] == sim


def test_a_silent_router_fails_over_when_its_neighbour_entry_fails(on_both) -> None:  # type: ignore[no-untyped-def]
    """r2 (high) loses its LAN link: h1 keeps sending to it (its entry goes DELAY, then
    PROBE: three unicast NSs a second apart), and picks r1 once the entry is FAILED, 8 s
    after the first lost packet; the frames on h1's port agree one by one. When r2 comes
    back, its first RA makes the entry STALE (usable) again and h1 goes back to it."""
    topo = two_routers("rtr-fail", {"preference": "low"}, {"preference": "high"})

    def scenario(b: Backend) -> dict[str, Any]:
        assert b.settle(lambda: both_defaults(b), 20)
        fresh_neighbours(b)
        b.exec("r2", ["ip", "link", "set", "eth0", "down"])
        ports = Ports(b, [("h1", "eth0")])
        out: dict[str, Any] = {
            "lost": b.exec("h1", ["ping", "-6", "-c", "1", "-W", "1", H2]).returncode
        }
        out["at 1 s"] = hop(b)
        b.advance(6.0)
        out["at 7 s"] = hop(b)
        b.settle(lambda: hop(b) == R1_LL, 3.0)
        out["failed over"] = look(b)
        result = b.exec("h1", ["ping", "-6", "-c", "1", "-W", "1", H2])
        out["then"] = result.returncode
        frames = essentials(ports.frames("h1", "eth0"), namer(topo), {"NS", "NA", "echo", "reply"})
        out["frames"] = [t[:3] + t[4:5] for t in frames]
        ports.close()
        b.exec("r2", ["ip", "link", "set", "eth0", "up"])  # back: its next RA makes it STALE
        out["back"] = b.settle(lambda: hop(b) == R2_LL, 25.0)
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    assert (sim["lost"], sim["at 1 s"], sim["at 7 s"], sim["then"]) == (1, R2_LL, R2_LL, 0)
    assert sim["back"]
    assert f"{R2_LL} dev eth0 router FAILED" in sim["failed over"]["neighbours"]
    assert f"via {R1_LL} dev eth0 proto ra" in sim["failed over"][f"ip -6 route get {H2}"]
    frames = sim["frames"]
    assert frames[0] == ("echo", "2001:db8:1::ff:fe00:100", H2, MAC["r2"])
    assert frames[1:4] == [("NS", "ll(h1)", "ll(r2)", MAC["r2"])] * 3  # PROBE, unicast
    assert frames[4] == ("echo", "2001:db8:1::ff:fe00:100", H2, MAC["r1"])
    assert results["netns"] == sim


def fresh_neighbours(b: Backend) -> None:
    """Start from the routers' next periodic RAs: every neighbour entry on the LAN gone,
    then h1 STALE for both routers (each RA's source link-layer address). How the start
    went differs (on netns radvd starts after h1's first solicitation, so no router
    answered h1 unicast and probes it later; the simulator's routers are there at once);
    from here on the two backends see the same network."""
    for node in ("h1", "r1", "r2"):
        b.exec(node, ["ip", "-6", "neigh", "flush", "dev", "eth0"])

    def both_stale() -> bool:
        text = b.exec("h1", ["ip", "-6", "neigh", "show"]).stdout
        return text.count("router STALE") == 2

    assert b.settle(both_stale, 12.0)


def ra(router: str, lifetime: int, prf: int) -> bytes:
    """An RA from ``router``'s link-local to ff02::1 (Scapy-built, not the simulator's)."""
    from scapy.layers.inet6 import ICMPv6ND_RA, ICMPv6NDOptPrefixInfo, ICMPv6NDOptSrcLLAddr, IPv6
    from scapy.layers.l2 import Ether

    mac, ll = MAC[router], {"r1": R1_LL, "r2": R2_LL}[router]
    return bytes(
        Ether(src=mac, dst="33:33:00:00:00:01")
        / IPv6(src=ll, dst="ff02::1", hlim=255)
        / ICMPv6ND_RA(chlim=64, prf=prf, routerlifetime=lifetime)
        / ICMPv6NDOptPrefixInfo(prefixlen=64, prefix="2001:db8:1::")
        / ICMPv6NDOptSrcLLAddr(lladdr=mac)
    )


def test_a_rogue_router_found_and_stopped(on_both) -> None:  # type: ignore[no-untyped-def]
    """r2 plays the rogue: it advertises a prefix nobody planned (2001:db8:66::/64) with
    preference high. h1 takes both; rdisc6 names both advertisers; once the rogue is off
    the LAN and h1 cleaned (route, address, prefix route), h1 sends through r1 again —
    the same outputs on both backends."""
    topo = two_routers("rtr-rogue", {}, {"preference": "high", "prefixes": ["2001:db8:66::/64"]})
    bogus = "2001:db8:66::ff:fe00:100"
    lines = ("ip -6 addr show dev eth0", "ip -6 route show", f"ip -6 route get {H2}")

    def scenario(b: Backend) -> dict[str, Any]:
        assert b.settle(lambda: both_defaults(b), 20)
        out: dict[str, Any] = {"rdisc6": sorted(advertisers(b))}
        out["misled"] = {line: normalise_lft(b.exec("h1", line.split()).stdout) for line in lines}
        b.exec("r2", ["ip", "link", "set", "eth0", "down"])
        for line in (
            f"ip -6 route del default via {R2_LL} dev eth0",
            f"ip -6 addr del {bogus}/64 dev eth0",
            "ip -6 route del 2001:db8:66::/64 dev eth0",
        ):
            out[line] = b.exec("h1", line.split()).returncode
        out["rdisc6 after"] = sorted(advertisers(b))
        out["clean"] = {line: normalise_lft(b.exec("h1", line.split()).stdout) for line in lines}
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    assert sim["rdisc6"] == [R1_LL, R2_LL] and sim["rdisc6 after"] == [R1_LL]
    assert (
        f"inet6 {bogus}/64 scope global dynamic mngtmpaddr"
        in sim["misled"]["ip -6 addr show dev eth0"]
    )
    assert f"via {R2_LL} dev eth0 proto ra" in sim["misled"][f"ip -6 route get {H2}"]
    assert bogus not in sim["clean"]["ip -6 addr show dev eth0"]
    assert "2001:db8:66::" not in sim["clean"]["ip -6 route show"]
    assert f"via {R1_LL} dev eth0 proto ra" in sim["clean"][f"ip -6 route get {H2}"]
    for result in results.values():  # the RAs' arrival order is the boot's, not the model's
        for step in ("misled", "clean"):
            result[step]["ip -6 route show"] = sorted(result[step]["ip -6 route show"].splitlines())
            text = result[step]["ip -6 addr show dev eth0"]
            result[step]["ip -6 addr show dev eth0"] = sorted(text.split("    inet6 "))
    assert results["netns"] == sim


def advertisers(b: Backend) -> list[str]:
    """The link-locals rdisc6 on h1 hears an RA from (it waits for every answer)."""
    text = b.exec("h1", ["rdisc6", "-r", "2", "-w", "1500", "eth0"]).stdout
    return sorted(set(re.findall(r" from (fe80::\S+)", text)))


def normalise_lft(text: str) -> str:
    """Lifetimes left and the switch namespace's name (the session's) differ between runs."""
    text = re.sub(r"link-netns v6lab-\w+--sw", "link-netns v6lab-S--sw", normalise(text))
    return re.sub(r"_lft \d+sec", "_lft Nsec", text)


def test_radvd_says_goodbye_on_the_kernel(tmp_path: Path) -> None:
    """What lab 16's and 17's text rely on: radvd stopped (SIGTERM) sends a last RA with
    router lifetime 0, so hosts drop its default route at once — not after the lifetime.
    Kernel only: the simulator has no process to stop (its side is the lifetime-0 RA in
    test_router_lifetime_zero_and_expiry_fail_over_at_once)."""
    b = make_backend("netns", tmp_path)
    topo = two_routers("rtr-bye", {"preference": "low"}, {"preference": "high"})
    try:
        b.start(topo)
        assert b.settle(lambda: both_defaults(b), 20)
        pid = int((tmp_path / "netns" / "radvd-r2.pid").read_text())
        os.kill(pid, signal.SIGTERM)
        assert b.settle(lambda: R2_LL not in hop(b) and not both_defaults(b), 1.0)
        routes = b.exec("h1", ["ip", "-6", "route", "show", "default"]).stdout
        assert routes.startswith(f"default via {R1_LL} dev eth0 proto ra") and R2_LL not in routes
    finally:
        b.stop()
        type(b).sweep(b.session)
