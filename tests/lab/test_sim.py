"""The simulator (``sim`` backend): stack behaviour, command surface, determinism."""

from __future__ import annotations

from pathlib import Path

import pytest
from _support.topologies import (
    H1,
    H1_LL,
    H1_SLAAC,
    H2,
    R1_LAN1,
    R1_LL0,
    ip,
    star,
    three_nodes,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from v6plan._prefix import parse_address
from v6plan.lab._errors import BackendError, LabError
from v6plan.lab.runtime import _wire as w
from v6plan.lab.runtime._backend import (
    LinkSpec,
    NodeSpec,
    TopologySpec,
    interface_macs,
    router_advert,
)
from v6plan.lab.runtime.sim import SimBackend


def start(topology: TopologySpec, tmp_path: Path) -> SimBackend:
    backend = SimBackend("t1", tmp_path)
    backend.start(topology)
    return backend


def run(backend: SimBackend, node: str, line: str) -> tuple[int, str, str]:
    result = backend.exec(node, line.split())
    return result.returncode, result.stdout, result.stderr


# -- addresses, links, DAD ------------------------------------------------------------------------
def test_link_locals_are_eui64_of_the_shared_macs(tmp_path: Path) -> None:
    topo = three_nodes()
    b = start(topo, tmp_path)
    macs = interface_macs(topo)
    assert macs[("h1", "eth0")] == "02:00:00:00:01:00"
    assert macs[("r1", "eth1")] == "02:00:00:00:02:01"
    lls = {(a.ifname, a.address) for a in b.addresses("r1") if a.scope == "link"}
    assert lls == {("eth0", R1_LL0), ("eth1", parse_address("fe80::ff:fe00:201"))}
    h1 = {a.address: a for a in b.addresses("h1")}
    assert H1 in h1 and "permanent" in h1[H1].flags and not h1[H1].flags & {"tentative"}
    assert h1[1].scope == "host"


def test_ip_addr_show_has_the_real_shape(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    code, out, _ = run(b, "h1", "ip -6 addr show")
    assert code == 0
    assert out == (
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 state UNKNOWN qlen 1000\n"
        "    inet6 ::1/128 scope host \n"
        "       valid_lft forever preferred_lft forever\n"
        "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP qlen 1000\n"
        "    inet6 2001:db8:1::10/64 scope global \n"
        "       valid_lft forever preferred_lft forever\n"
        "    inet6 fe80::ff:fe00:100/64 scope link \n"
        "       valid_lft forever preferred_lft forever\n"
    )
    code, out, _ = run(b, "h1", "ip -6 addr show dev eth0")
    assert out.splitlines()[0] == (
        "2: eth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP "
        "group default qlen 1000 link-netns v6lab-t1-r1"
    )
    code, _, err = run(b, "h1", "ip -6 addr show dev eth9")
    assert (code, err) == (1, 'Device "eth9" does not exist.\n')


def test_newest_global_address_is_listed_first(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    run(b, "h1", "ip -6 addr add 2001:db8:1::11/64 dev eth0")
    _, out, _ = run(b, "h1", "ip -6 addr show dev eth0")
    listed = [line.split()[1] for line in out.splitlines() if "inet6" in line]
    assert listed == ["2001:db8:1::11/64", "2001:db8:1::10/64", "fe80::ff:fe00:100/64"]


def test_addr_errors_match_iproute2(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    assert run(b, "h1", "ip -6 addr add 2001:db8:1::10/64 dev eth0")[::2] == (
        2,
        "Error: ipv6: address already assigned.\n",
    )
    assert run(b, "h1", "ip -6 addr add 2001:db8:1::77/64 dev eth9")[::2] == (
        1,
        'Cannot find device "eth9"\n',
    )
    assert run(b, "h1", "ip -6 addr add 2001:db8:1::77/64")[::2] == (
        1,
        'Not enough information: "dev" argument is required.\n',
    )
    assert run(b, "h1", "ip -6 addr add 2001:db8:zz::1/64 dev eth0")[::2] == (
        1,
        'Error: inet6 prefix is expected rather than "2001:db8:zz::1/64".\n',
    )
    assert run(b, "h1", "ip -6 addr del 2001:db8:1::77/64 dev eth0")[::2] == (
        2,
        "Error: ipv6: address not found.\n",
    )
    assert run(b, "h1", "ip -6 foo")[::2] == (1, 'Object "foo" is unknown, try "ip help".\n')


def test_dad_keeps_an_address_tentative_for_the_kernel_duration(tmp_path: Path) -> None:
    topo = three_nodes(dad=True, static=False)
    b = start(topo, tmp_path)
    run(b, "h1", "ip -6 addr add 2001:db8:1::10/64 dev eth0")
    flags = {a.address: a.flags for a in b.addresses("h1")}
    assert "tentative" in flags[H1]
    _, out, _ = run(b, "h1", "ip -6 addr show dev eth0")
    assert "inet6 2001:db8:1::10/64 scope global tentative \n" in out
    b.advance(0.9)
    assert "tentative" in {a.address: a.flags for a in b.addresses("h1")}[H1]  # at least 1 s
    b.advance(1.2)
    assert not {a.address: a.flags for a in b.addresses("h1")}[H1] & {"tentative", "dadfailed"}


def test_duplicate_address_is_dadfailed_on_the_newcomer(tmp_path: Path) -> None:
    b = start(three_nodes(dad=True), tmp_path)
    assert run(b, "r1", "ip -6 addr add 2001:db8:1::10/64 dev eth0")[0] == 0
    b.advance(3)
    flags = {a.address: a.flags for a in b.addresses("r1")}[H1]
    assert {"tentative", "dadfailed"} <= flags
    assert not {a.address: a.flags for a in b.addresses("h1")}[H1] & {"tentative", "dadfailed"}
    _, out, _ = run(b, "r1", "ip -6 addr show dev eth0")
    assert "inet6 2001:db8:1::10/64 scope global dadfailed tentative \n" in out
    # the defender answered the probe with an unsolicited NA to all-nodes
    frames = [f for _, f in b.nodes["h1"].ifaces["eth0"].history]
    assert any(f[14 + 40] == w.NA and f[14 + 24 : 14 + 40] == w.a16(w.ALL_NODES) for f in frames)


def test_link_down_drops_addresses_and_the_peer_loses_carrier(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    assert run(b, "h1", "ip link set dev eth0 down")[0] == 0
    assert [a.address for a in b.addresses("h1")] == [1]
    assert all(r.ifname != "eth0" for r in b.routes("h1"))
    _, out, _ = run(b, "r1", "ip link show eth0")
    assert "<NO-CARRIER,BROADCAST,MULTICAST,UP>" in out and "state DOWN" in out
    _, out, _ = run(b, "r1", "ip -6 route show")
    assert "2001:db8:1::/64 dev eth0 proto kernel metric 256 linkdown pref medium" in out
    run(b, "h1", "ip link set eth0 up")
    assert {a.address for a in b.addresses("h1")} == {1, H1_LL}


# -- neighbours, echo, forwarding --------------------------------------------------------------------
def test_first_ping_across_a_router_resolves_neighbours(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    code, out, _ = run(b, "h1", "ping -6 -c 2 2001:db8:2::10")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "PING 2001:db8:2::10(2001:db8:2::10) 56 data bytes"
    assert lines[1].startswith("64 bytes from 2001:db8:2::10: icmp_seq=1 ttl=63 time=")
    assert "2 packets transmitted, 2 received, 0% packet loss, time 1000ms" in out
    states = {(n.address, n.ifname): n.state for n in b.neighbours("h1")}
    assert states[(R1_LAN1, "eth0")] == "REACHABLE"
    _, out, _ = run(b, "h1", "ip -6 neigh show")
    assert "2001:db8:1::1 dev eth0 lladdr 02:00:00:00:02:00 router REACHABLE \n" in out


def test_neighbour_state_machine_follows_the_kernel_timers(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    run(b, "h1", "ping -6 -c 1 2001:db8:1::1")
    state = lambda: {n.address: n.state for n in b.neighbours("h1")}[R1_LAN1]  # noqa: E731
    assert state() == "REACHABLE"
    b.advance(46)  # reachable_time is 15–45 s
    assert state() == "STALE"
    run(b, "h1", "ping -6 -c 1 -W 0.001 2001:db8:1::1")
    assert state() in ("DELAY", "REACHABLE")
    b.advance(5.5)  # delay_first_probe_time, then a unicast probe answered
    assert state() == "REACHABLE"


def test_unanswered_resolution_fails_with_address_unreachable(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    code, out, _ = run(b, "h1", "ping -6 -c 3 -i 0.3 2001:db8:1::77")
    assert code == 1
    assert out.count("From 2001:db8:1::10 icmp_seq=") == 3
    assert "Destination unreachable: Address unreachable" in out
    assert "3 packets transmitted, 0 received, +3 errors, 100% packet loss" in out
    _, out, _ = run(b, "h1", "ip -6 neigh")
    assert "2001:db8:1::77 dev eth0 FAILED \n" in out
    ns = [f for _, f in b.nodes["h1"].ifaces["eth0"].history if f[14 + 40] == w.NS]
    assert len(ns) == 3  # mcast_solicit


def test_hop_limit_and_unrouted_destination_errors(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    code, out, _ = run(b, "h1", "ping -6 -c 1 -t 1 2001:db8:2::10")
    assert code == 1 and "From 2001:db8:1::1 icmp_seq=1 Time exceeded: Hop limit" in out
    code, out, _ = run(b, "h1", "ping -6 -c 1 2001:db8:7::10")
    assert "From 2001:db8:1::1 icmp_seq=1 Destination unreachable: No route" in out
    # the kernel looks the route up before it checks the hop limit
    code, out, _ = run(b, "h1", "ping -6 -c 1 -t 1 2001:db8:7::10")
    assert "Destination unreachable: No route" in out
    run(b, "h1", "ip -6 route del default")
    assert run(b, "h1", "ping -6 -c 1 2001:db8:7::10")[::2] == (
        2,
        "ping: connect: Network is unreachable\n",
    )


def test_traceroute_lists_each_hop(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    code, out, _ = run(b, "h1", "traceroute -6 2001:db8:2::10")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "traceroute to 2001:db8:2::10 (2001:db8:2::10), 30 hops max, 80 byte packets"
    assert lines[1].startswith(" 1  2001:db8:1::1 (2001:db8:1::1)  ") and lines[1].count(" ms") == 3
    assert lines[2].startswith(" 2  2001:db8:2::10 (2001:db8:2::10)  ")
    assert len(lines) == 3
    _, out, _ = run(b, "h1", "traceroute -6 2001:db8:7::1")
    assert out.splitlines()[1].count("!N") == 3


def test_echo_reply_and_errors_are_never_answered(tmp_path: Path) -> None:
    """The Scapy traps: EchoReply subclasses EchoRequest, and an error quotes a request."""
    from scapy.layers.inet6 import ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6TimeExceeded, IPv6

    b = start(three_nodes(), tmp_path)
    reply = bytes(IPv6(src="2001:db8:1::10", dst="2001:db8:2::10") / ICMPv6EchoReply(id=9, seq=1))
    error = bytes(
        IPv6(src="2001:db8:1::10", dst="2001:db8:2::10")
        / ICMPv6TimeExceeded()
        / IPv6(src="2001:db8:2::10", dst="2001:db8:1::10")
        / ICMPv6EchoRequest(id=9, seq=2)
    )
    answers = b.send_l3("h1", [reply, error], timeout=1.0)
    assert answers == []
    sent_by_h2 = [
        f for _, f in b.nodes["h2"].ifaces["eth0"].history if f[6:12] == b"\x02\x00\x00\x00\x03\x00"
    ]
    assert all(f[14 + 40] in (w.NS, w.NA, w.RS) for f in sent_by_h2)


def test_send_l3_returns_replies_and_errors_without_ndp(tmp_path: Path) -> None:
    from v6plan.lab.checks._probes import echo_requests, read_echo_answers

    b = start(three_nodes(), tmp_path)
    packets = echo_requests(H1, H2, 4242, [64, 1, 64])
    answers = read_echo_answers(b.send_l3("h1", packets, timeout=2.0), 4242)
    assert sorted((a.kind, a.seq) for a in answers) == [
        ("reply", 0),
        ("reply", 2),
        ("time-exceeded", 1),
    ]
    assert b.world is not None and b.world.now < 100  # returned early, did not wait out 2 s


def test_send_l2_ns_gets_na(tmp_path: Path) -> None:
    from v6plan.lab.checks._probes import neighbour_solicitation, read_neighbour_adverts

    b = start(three_nodes(), tmp_path)
    frame = neighbour_solicitation("02:00:00:00:01:00", H1_LL, R1_LAN1)
    before = b.world.now if b.world else 0
    frames = b.send_l2("h1", "eth0", [frame], timeout=1.0)
    assert read_neighbour_adverts(frames, R1_LAN1) == ["02:00:00:00:02:00"]
    assert b.world is not None and b.world.now - before < 0.01


# -- SLAAC and router advertisements ---------------------------------------------------------------------
def test_slaac_address_and_default_route_via_link_local(tmp_path: Path) -> None:
    b = start(three_nodes(advertise={"prefixes": ["2001:db8:1::/64"], "interval": 10}), tmp_path)
    addrs = {a.address: a for a in b.addresses("h1")}
    assert H1_SLAAC in addrs and "dynamic" in addrs[H1_SLAAC].flags
    routes = {(r.dst, r.length, r.via, r.proto) for r in b.routes("h1")}
    assert (0, 0, R1_LL0, "ra") in routes
    assert (parse_address("2001:db8:1::"), 64, None, "kernel") in routes
    _, out, _ = run(b, "h1", "ip -6 route")
    assert (
        "default via fe80::ff:fe00:200 dev eth0 proto ra metric 1024 expires 29sec hoplimit 64 pref medium"
        in out
    )
    _, out, _ = run(b, "h1", "ip -6 addr show dev eth0")
    assert "inet6 2001:db8:1::ff:fe00:100/64 scope global dynamic mngtmpaddr \n" in out
    assert "valid_lft 86400sec preferred_lft 14400sec" in out
    assert run(b, "h1", "ping -6 -c 1 2001:db8:2::10")[0] == 0


def test_accept_ra_zero_and_forwarding_need_accept_ra_two(tmp_path: Path) -> None:
    adv = {"prefixes": ["2001:db8:1::/64"], "interval": 10}
    b = start(
        three_nodes(advertise=adv, h1_sysctls={"net.ipv6.conf.default.accept_ra": "0"}), tmp_path
    )
    assert H1_SLAAC not in {a.address for a in b.addresses("h1")}
    run(b, "h1", "sysctl -w net.ipv6.conf.eth0.accept_ra=1")
    b.advance(11)  # the next periodic RA
    assert H1_SLAAC in {a.address for a in b.addresses("h1")}
    fwd = {"net.ipv6.conf.all.forwarding": "1", "net.ipv6.conf.default.forwarding": "1"}
    b = start(three_nodes(advertise=adv, h1_sysctls=fwd), tmp_path)
    assert H1_SLAAC not in {a.address for a in b.addresses("h1")}
    b = start(
        three_nodes(advertise=adv, h1_sysctls={**fwd, "net.ipv6.conf.default.accept_ra": "2"}),
        tmp_path,
    )
    assert H1_SLAAC in {a.address for a in b.addresses("h1")}


def test_lifetimes_deprecate_then_remove_the_address(tmp_path: Path) -> None:
    adv = {
        "prefixes": ["2001:db8:1::/64"],
        "interval": 600,
        "lifetime": 1800,
        "valid": 900,
        "preferred": 300,
    }
    b = start(three_nodes(advertise=adv), tmp_path)
    b.nodes["r1"].radvd.clear()  # the router falls silent
    b.advance(301)
    assert "deprecated" in {a.address: a.flags for a in b.addresses("h1")}[H1_SLAAC]
    b.advance(600)
    assert H1_SLAAC not in {a.address for a in b.addresses("h1")}
    assert all(r.proto != "ra" or r.length == 0 for r in b.routes("h1"))


def test_rdisc6_prints_flags_and_prefix(tmp_path: Path) -> None:
    adv = {
        "prefixes": ["2001:db8:1::/64"],
        "managed": True,
        "other": True,
        "interval": 10,
        "mtu": 1400,
    }
    b = start(three_nodes(advertise=adv), tmp_path)
    code, out, _ = run(b, "h1", "rdisc6 eth0")
    assert code == 0
    assert "Stateful address conf.    :          Yes\n" in out
    assert "Stateful other conf.      :          Yes\n" in out
    assert "Router lifetime           :           30 (0x0000001e) seconds\n" in out
    assert " Prefix                   : 2001:db8:1::/64\n" in out
    assert " MTU                      :         1400 bytes (valid)\n" in out
    assert out.endswith(" from fe80::ff:fe00:200\n")
    b2 = start(three_nodes(), tmp_path)
    code, out, _ = run(b2, "h1", "rdisc6 eth0")
    assert code == 2 and out.endswith("Timed out.\nTimed out.\nTimed out.\nNo response.\n")


def test_router_advert_options_are_validated() -> None:
    advert = router_advert({"prefixes": ["2001:db8:1::/64"], "interval": 10})
    assert advert.lifetime == 30 and advert.min_interval == pytest.approx(3.3)
    with pytest.raises(ValueError, match="unknown option 'bogus'"):
        router_advert({"bogus": 1})
    with pytest.raises(ValueError, match="'interval' must be a whole number 4–1800"):
        router_advert({"interval": 2})
    with pytest.raises(ValueError, match="zero or between"):
        router_advert({"interval": 100, "lifetime": 50})


# -- routes, source selection, sysctls, multicast ---------------------------------------------------------
def test_static_routes_with_link_local_next_hop(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    run(b, "h1", "ip -6 route del default")
    assert run(b, "h1", "ip -6 route add default via fe80::ff:fe00:200")[::2] == (
        2,
        "Error: Egress device not specified.\n",
    )
    assert run(b, "h1", "ip -6 route add default via fe80::ff:fe00:200 dev eth0")[0] == 0
    assert run(b, "h1", "ip -6 route add default via fe80::ff:fe00:200 dev eth0")[::2] == (
        2,
        "RTNETLINK answers: File exists\n",
    )
    _, out, _ = run(b, "h1", "ip -6 route")
    assert out.splitlines()[-1] == "default via fe80::ff:fe00:200 dev eth0 metric 1024 pref medium"
    assert run(b, "h1", "ping -6 -c 1 2001:db8:2::10")[0] == 0
    assert run(b, "h1", "ip -6 route add 2001:db8:9::/48 via 2001:db8:7::1")[::2] == (
        2,
        "RTNETLINK answers: No route to host\n",
    )
    assert run(b, "h1", "ip -6 route add 2001:db8:9::/48 via 2001:db8:1::10")[::2] == (
        2,
        "Error: Gateway can not be a local address.\n",
    )
    assert run(b, "h1", "ip -6 route del 2001:db8:9::/48")[::2] == (
        2,
        "RTNETLINK answers: No such process\n",
    )
    assert {(r.via, r.proto) for r in b.routes("h1") if r.length == 0} == {(R1_LL0, "boot")}


def test_route_listing_follows_the_kernel_tree_walk(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    run(b, "h1", "ip -6 route add 2001:db8:9::/48 via 2001:db8:1::1")
    run(b, "h1", "ip -6 addr add 2001:db8:5::2/128 dev eth0")
    _, out, _ = run(b, "h1", "ip -6 route show")
    assert out.splitlines() == [
        "2001:db8:1::/64 dev eth0 proto kernel metric 256 pref medium",
        "2001:db8:5::2 dev eth0 proto kernel metric 256 pref medium",
        "2001:db8:9::/48 via 2001:db8:1::1 dev eth0 metric 1024 pref medium",
        "fe80::/64 dev eth0 proto kernel metric 256 pref medium",
        "default via 2001:db8:1::1 dev eth0 metric 1024 pref medium",
    ]


def test_source_selection_prefers_scope_then_longest_match(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    node = b.nodes["h1"]
    eth0 = node.ifaces["eth0"]
    run(b, "h1", "ip -6 addr add 2001:db8:2:1::5/64 dev eth0")
    assert node.source_for(parse_address("2001:db8:2::10"), eth0) == parse_address(
        "2001:db8:2:1::5"
    )
    assert node.source_for(parse_address("2001:db8:1::1"), eth0) == H1
    assert node.source_for(R1_LL0, eth0) == H1_LL
    for a in eth0.addrs:
        if a.addr == parse_address("2001:db8:2:1::5"):
            a.flags.add("deprecated")
    assert node.source_for(parse_address("2001:db8:2::10"), eth0) == H1


def test_sysctl_reads_writes_and_all_forwarding_reaches_interfaces(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    assert run(b, "h1", "sysctl net.ipv6.conf.eth0.forwarding") == (
        0,
        "net.ipv6.conf.eth0.forwarding = 0\n",
        "",
    )
    assert run(b, "h1", "sysctl -w net.ipv6.conf.all.forwarding=1") == (
        0,
        "net.ipv6.conf.all.forwarding = 1\n",
        "",
    )
    assert b.sysctl("h1", "net.ipv6.conf.eth0.forwarding") == "1"
    assert run(b, "h1", "sysctl -n net.ipv6.conf.eth0.accept_ra")[1] == "1\n"
    code, _, err = run(b, "h1", "sysctl net.ipv6.conf.eth9.forwarding")
    assert (code, err) == (
        1,
        "sysctl: cannot stat /proc/sys/net/ipv6/conf/eth9/forwarding: No such file or directory\n",
    )
    code, _, err = run(b, "h1", "sysctl -w net.ipv6.conf.eth0.forwarding=yes")
    assert code == 1 and "Invalid argument" in err
    with pytest.raises(LabError):
        b.sysctl("h1", "net.ipv6.conf.eth9.forwarding")


def test_multicast_ping_reaches_every_member(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    code, out, _ = run(b, "h1", "ping -6 -c 1 ff02::1%eth0")
    assert code == 0
    assert "from fe80::ff:fe00:100%eth0" in out and "from fe80::ff:fe00:200%eth0" in out
    eth0 = b.nodes["h1"].ifaces["eth0"]
    assert w.solicited_node(H1) in eth0.groups and w.ALL_NODES in eth0.groups
    assert w.ALL_ROUTERS in b.nodes["r1"].ifaces["eth0"].groups


def test_unknown_commands_and_nodes_fail_clearly(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    code, _, err = run(b, "h1", "tcpdump -i eth0")
    assert code == 127 and "not available in the simulator" in err and "ping" in err
    with pytest.raises(LabError, match="no node 'x9'"):
        b.exec("x9", ["ip", "link"])
    with pytest.raises(BackendError, match="used by two links"):
        start(
            TopologySpec(
                "bad",
                (NodeSpec("a"), NodeSpec("b")),
                (LinkSpec(("a", "eth0"), ("b", "eth0")), LinkSpec(("a", "eth0"), ("b", "eth1"))),
            ),
            tmp_path,
        )
    bad_setup = three_nodes(setup={"h1": (ip("route", "add", "default", "via", "2001:db8:7::1"),)})
    with pytest.raises(BackendError, match="setting up h1 failed"):
        start(bad_setup, tmp_path)


# -- determinism and capture ----------------------------------------------------------------------------------
SCRIPT = [
    ("h1", "ping -6 -c 3 2001:db8:2::10"),
    ("h1", "traceroute -6 2001:db8:2::10"),
    ("r1", "ip -6 neigh"),
    ("h1", "rdisc6 eth0"),
    ("h2", "ping -6 -c 2 -t 1 2001:db8:1::ff:fe00:100"),
]


def _replay(tmp_path: Path, name: str) -> tuple[list[str], bytes]:
    b = SimBackend("t1", tmp_path)
    b.start(three_nodes(dad=True, advertise={"prefixes": ["2001:db8:1::/64"], "interval": 10}))
    outputs = []
    for node, line in SCRIPT:
        outputs.append(b.exec(node, line.split()).stdout)
        b.advance(7.3)
    path = tmp_path / f"{name}.pcap"
    b.capture("r1", "eth0", path)
    return outputs, path.read_bytes()


def test_replaying_the_same_calls_gives_the_same_bytes(tmp_path: Path) -> None:
    first = _replay(tmp_path, "a")
    second = _replay(tmp_path, "b")
    assert first == second
    outputs, pcap = first
    assert "3 packets transmitted, 3 received" in outputs[0]
    assert "Time exceeded" not in outputs[0] and "Time exceeded: Hop limit" in outputs[4]
    assert len(pcap) > 24 + 16 * 10


def test_capture_is_a_pcap_scapy_and_checksums_agree_with(tmp_path: Path) -> None:
    from scapy.layers.l2 import Ether
    from scapy.utils import rdpcap

    b = start(three_nodes(advertise={"prefixes": ["2001:db8:1::/64"]}), tmp_path)
    run(b, "h1", "ping -6 -c 2 2001:db8:2::10")
    run(b, "h1", "traceroute -6 2001:db8:2::10")
    path = tmp_path / "h1.pcap"
    count = b.capture("h1", "eth0", path)
    frames = rdpcap(str(path))
    assert count == len(frames) > 10
    for frame in frames:
        raw = bytes(frame)
        rebuilt = Ether(raw)
        layer = rebuilt.payload.payload
        if hasattr(layer, "chksum"):
            del layer.chksum  # UDP
        else:
            del layer.cksum  # ICMPv6
        assert bytes(rebuilt) == raw  # Scapy computes the same checksum the sim wrote
    assert not (tmp_path / "missing").exists()


def test_speed_is_reported_not_asserted(tmp_path: Path) -> None:
    """A 20-node star: full-mesh echo via send_l3 works (the benchmark times it)."""
    from _support.topologies import star_address

    from v6plan.lab.checks._probes import echo_requests, read_echo_answers

    b = start(star(20), tmp_path)
    for i in range(1, 20):
        others = [star_address(j) for j in range(1, 20) if j != i]
        answers = []
        for k, dst in enumerate(others):
            answers += read_echo_answers(
                b.send_l3(f"h{i}", echo_requests(star_address(i), dst, 7, [64], k)), 7
            )
        assert len([a for a in answers if a.kind == "reply"]) == 18


# -- properties ------------------------------------------------------------------------------------------------
addresses = st.integers(min_value=0, max_value=(1 << 128) - 1)


@given(addresses)
@settings(max_examples=200, deadline=None)
def test_solicited_node_matches_scapy(addr: int) -> None:
    import socket

    from scapy.layers.inet6 import in6_getnsma
    from scapy.pton_ntop import inet_pton

    assert w.solicited_node(addr) == w.from16(in6_getnsma(inet_pton(socket.AF_INET6, w_text(addr))))


@given(st.binary(min_size=6, max_size=6))
@settings(max_examples=200, deadline=None)
def test_eui64_matches_scapy_after_normalising(mac: bytes) -> None:
    from scapy.utils6 import in6_mactoifaceid

    text = w.mac_text(mac)
    scapy_iid = in6_mactoifaceid(text).lower().replace(":", "")  # upper-case, padded groups
    assert w.eui64(text) == int(scapy_iid, 16)


@given(st.binary(min_size=4, max_size=200), addresses, addresses)
@settings(max_examples=100, deadline=None)
def test_icmp_checksum_matches_scapy(body: bytes, src: int, dst: int) -> None:
    from scapy.layers.inet6 import IPv6

    packet = w.icmp6(w.a16(src), w.a16(dst), 64, 128, 0, body)
    parsed = IPv6(packet)
    chk = parsed.payload.cksum
    del parsed.payload.cksum
    assert IPv6(bytes(parsed)).payload.cksum == chk
    assert w.checksum_ok(packet)


def w_text(addr: int) -> str:
    from v6plan._prefix import format_address

    return format_address(addr)


# -- subnet-router anycast and multicast groups ----------------------------------------------------------
def test_anycast_is_counted_per_address_and_leaves_with_the_last(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    eth0 = b.nodes["r1"].ifaces["eth0"]
    net, group = parse_address("2001:db8:1::"), parse_address("ff02::1:ff00:0")
    assert eth0.anycast[net] == 1 and eth0.groups[group] == 2  # with fe80:: anycast
    run(b, "r1", "ip -6 addr add 2001:db8:1::5/64 dev eth0")
    assert eth0.anycast[net] == 2 and eth0.groups[group] == 2
    run(b, "r1", "ip -6 addr del 2001:db8:1::1/64 dev eth0")
    assert eth0.anycast[net] == 1
    run(b, "r1", "ip -6 addr del 2001:db8:1::5/64 dev eth0")
    assert net not in eth0.anycast and eth0.groups[group] == 1
    run(b, "r1", "ip -6 addr add 2001:db8:1::1/127 dev eth0")  # RFC 6164: no anycast
    assert net not in eth0.anycast


def test_anycast_ns_waits_up_to_proxy_delay(tmp_path: Path) -> None:
    """A multicast NS for an anycast target is answered within proxy_delay (0.8 s), at
    once when proxy_delay is 0 — the ping's RTT shows it."""

    def rtt(b: SimBackend) -> float:
        out = run(b, "h1", "ping -6 -c 1 2001:db8:1::")[1]
        return float(out.split("time=")[1].split()[0])

    assert 1.0 < rtt(start(three_nodes(), tmp_path / "a")) < 800.0  # (1 ms: a 1/800 chance)
    b = start(three_nodes(), tmp_path / "b")
    run(b, "r1", "sysctl -w net.ipv6.neigh.eth0.proxy_delay=0")
    assert rtt(b) < 1.0


def test_maddr_lists_the_newest_group_first(tmp_path: Path) -> None:
    b = start(three_nodes(), tmp_path)
    run(b, "h1", "ip -6 addr add 2001:db8:1::77/64 dev eth0")
    assert run(b, "h1", "ip -6 maddr show dev eth0")[1] == (
        "2:\teth0\n"
        "\tinet6 ff02::1:ff00:77\n"
        "\tinet6 ff02::1:ff00:10\n"
        "\tinet6 ff02::1:ff00:100\n"
        "\tinet6 ff02::1\n"
        "\tinet6 ff01::1\n"
    )
    run(b, "h1", "ip link set dev eth0 down")  # the addresses go, all-nodes stays
    assert (
        run(b, "h1", "ip -6 maddr show dev eth0")[1]
        == "2:\teth0\n\tinet6 ff02::1\n\tinet6 ff01::1\n"
    )
