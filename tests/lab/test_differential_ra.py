"""Router advertisement options, sim against kernel + radvd (issue 11, point-to-point links).

Each case advertises one set of ``advertise:`` options from r1 to h1 (tests/_support
topologies' h1 — r1 — h2) and runs the same look at h1 on both backends: ``rdisc6``, ``ip -6
addr``, ``ip -6 route``, ``ip -6 route get``, the ``mtu`` sysctl and ``ip link``, plus the RA
itself as h1 receives it in answer to a solicitation — byte for byte (both backends use
the same MACs, so even the checksum must agree). Only what must differ between two runs
is normalised: namespace names and the seconds left of a lifetime. Each case also checks
the expected values on the sim, so two equally wrong backends do not pass.

The netns side needs root: ``need`` skips it locally and fails in CI.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import pytest
from _support.topologies import H1_LL, three_nodes

from v6plan.lab.checks._probes import router_solicitation
from v6plan.lab.runtime import _wire as w
from v6plan.lab.runtime._backend import Backend, TopologySpec, interface_macs

LAN1 = "2001:db8:1::/64"
#: what a trainee looks at on h1 after the RA
LOOKS = (
    "rdisc6 -1 eth0",
    "ip -6 addr show dev eth0",
    "ip -6 route show",
    "ip -6 route get 2001:db8:2::10",
    "ip -j -6 route get 2001:db8:2::10",
    "ip -j -6 route show",
    "ip -j -6 addr show dev eth0",
    "sysctl net.ipv6.conf.eth0.mtu net.ipv6.conf.eth0.hop_limit",
    "sysctl net.ipv6.neigh.eth0.base_reachable_time_ms net.ipv6.neigh.eth0.retrans_time_ms",
    "ip link show eth0",
)


def normalise(text: str, session: str) -> str:
    """Namespace names and the seconds left of lifetimes differ between any two runs."""
    text = text.replace(f"v6lab-{session}-", "v6lab-S-")
    text = re.sub(r"_lft \d+sec", "_lft Nsec", text)
    text = re.sub(r"expires \d+sec", "expires Nsec", text)
    text = re.sub(r'"expires": ?\d+', '"expires": N', text)
    return re.sub(r'"(valid|preferred)_life_time": ?\d+', r'"\1_life_time": N', text)


def solicited_ra(b: Backend, topo: TopologySpec) -> str:
    """The ICMPv6 part of the first RA h1 receives in answer to an RS, as hex."""
    mac = interface_macs(topo)[("h1", "eth0")]
    for frame in b.send_l2("h1", "eth0", [router_solicitation(mac, H1_LL)], timeout=2.0):
        packet = frame[14:]
        if packet[6] == w.NH_ICMPV6 and packet[40] == w.RA:
            return packet[40 : 40 + int.from_bytes(packet[4:6], "big")].hex()
    return "no RA"


def look(b: Backend, topo: TopologySpec, lines: tuple[str, ...] = LOOKS) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for line in lines:
        result = b.exec("h1", line.split())
        out[line] = (result.returncode, normalise(result.stdout, b.session), result.stderr)
    out["RA"] = solicited_ra(b, topo)
    return out


def advertised(
    name: str, h1_sysctls: dict[str, str] | None = None, **options: object
) -> TopologySpec:
    advertise = {"prefixes": [LAN1], "interval": 10, **options}
    return three_nodes(name, advertise=advertise, h1_sysctls=h1_sysctls)


# -- one case per option: (options, lines the sim must print, lines it must not) -----------
SLAAC = "inet6 2001:db8:1::ff:fe00:100/64 scope global dynamic mngtmpaddr"
DEFAULT = "default via fe80::ff:fe00:200 dev eth0 proto ra metric 1024 expires Nsec"
CASES: dict[str, tuple[dict[str, object], tuple[str, ...], tuple[str, ...]]] = {
    "managed-other": (
        {"managed": True, "other": True},
        ("Stateful address conf.    :          Yes", "Stateful other conf.      :          Yes"),
        (),
    ),
    "not-on-link": (
        {"onlink": False},
        ("  On-link                 :           No", SLAAC),
        ("2001:db8:1::/64 dev eth0 proto kernel",),
    ),
    "not-autonomous": (
        {"autonomous": False},
        ("  Autonomous address conf.:           No", "2001:db8:1::/64 dev eth0 proto kernel"),
        (SLAAC,),
    ),
    "not-a-default-router": (
        {"lifetime": 0},
        ("Router lifetime           :            0 (0x00000000) seconds", SLAAC),
        ("default via",),
    ),
    "preference-high": (
        {"preference": "high"},
        ("Router preference         :         high", f"{DEFAULT} hoplimit 64 pref high"),
        (),
    ),
    "preference-low": (
        {"preference": "low"},
        (
            "Router preference         :          low",
            "src 2001:db8:1::ff:fe00:100 metric 1024 hoplimit 64 pref low",
            '"pref":"low"',
        ),
        (),
    ),
    "lifetimes": (
        {"valid": 3600, "preferred": 1800},
        ("  Valid time              :         3600 (0x00000e10) seconds", SLAAC),
        ("deprecated",),
    ),
    "deprecated-at-once": (
        {"valid": 3600, "preferred": 0},
        ("scope global deprecated dynamic mngtmpaddr", "preferred_lft Nsec"),
        (),
    ),
    "infinite-lifetimes": (
        {"valid": 0xFFFFFFFF, "preferred": 0xFFFFFFFF},
        ("  Valid time              :     infinite (0xffffffff)", "valid_lft forever"),
        (),
    ),
    "mtu": (
        {"mtu": 1400},
        (
            " MTU                      :         1400 bytes (valid)",
            "net.ipv6.conf.eth0.mtu = 1400",
            f"{DEFAULT} mtu 1400 hoplimit 64 pref medium",
            "metric 1024 mtu 1400 hoplimit 64 pref medium",
            "eth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ",
        ),
        (),
    ),
    "rdnss-dnssl": (
        {
            "rdnss": ["2001:db8:53::53", "2001:db8:53::54"],
            "dnssl": ["lab.example", "example.org"],
        },
        (
            " Recursive DNS server     : 2001:db8:53::53\n"
            " Recursive DNS server     : 2001:db8:53::54\n"
            "  DNS servers lifetime    :           20 (0x00000014) seconds\n"
            " DNS search list          : lab.example example.org \n"
            "  DNS search list lifetime:           20 (0x00000014) seconds\n",
        ),
        (),
    ),
    "neighbour-times": (
        {"hop_limit": 32, "reachable": 20000, "retrans": 2000},
        (
            "Reachable time            :        20000 (0x00004e20) milliseconds",
            "net.ipv6.conf.eth0.hop_limit = 32",
            "net.ipv6.neigh.eth0.base_reachable_time_ms = 20000",
            "net.ipv6.neigh.eth0.retrans_time_ms = 2000",
            f"{DEFAULT} hoplimit 32 pref medium",
        ),
        (),
    ),
    "host-ignores-preference": (
        {"preference": "high"},
        ("Router preference         :         high", f"{DEFAULT} hoplimit 64 pref medium"),
        ("pref high",),
    ),
    "host-ignores-mtu": (
        {"mtu": 1400},
        (" MTU                      :         1400 bytes (valid)", "eth0.mtu = 1500"),
        ("mtu 1400 hoplimit",),
    ),
    "host-ignores-hop-limit": (
        {"hop_limit": 32},
        ("Hop limit                 :           32 (      0x20)", f"{DEFAULT} pref medium"),
        ("hoplimit 32",),
    ),
    "host-takes-no-default-router": (
        {"preference": "high"},
        (SLAAC, "Router preference         :         high"),
        ("default via",),
    ),
    "host-takes-no-prefix": (
        {},
        ("Autonomous address conf.:          Yes",),
        (SLAAC, "2001:db8:1::/64 dev eth0"),
    ),
    "dns-lifetime-infinite": (
        {"rdnss": ["2001:db8:53::53"], "dnssl": ["lab.example"], "dns_lifetime": 0xFFFFFFFF},
        ("  DNS server lifetime     :     infinite (0xffffffff)",),
        (),
    ),
}


#: the host's own say (accept_ra_* sysctls on h1) in some cases
HOST_SYSCTLS = {
    "host-ignores-preference": {"net.ipv6.conf.default.accept_ra_rtr_pref": "0"},
    "host-ignores-mtu": {"net.ipv6.conf.default.accept_ra_mtu": "0"},
    "host-ignores-hop-limit": {"net.ipv6.conf.default.accept_ra_min_hop_limit": "33"},
    "host-takes-no-default-router": {"net.ipv6.conf.default.accept_ra_defrtr": "0"},
    "host-takes-no-prefix": {"net.ipv6.conf.default.accept_ra_pinfo": "0"},
}


@pytest.mark.parametrize("case", CASES)
def test_router_advertisement_option(on_both, case: str) -> None:  # type: ignore[no-untyped-def]
    options, present, absent = CASES[case]
    topo = advertised(f"ra-{case}", h1_sysctls=HOST_SYSCTLS.get(case), **options)
    results = on_both(topo, lambda b: look(b, topo))
    sim, kernel = results["sim"], results["netns"]
    everything = "\n".join(v[1] for k, v in sim.items() if k != "RA")
    for text in present:
        assert text in everything, text
    for text in absent:
        assert text not in everything, text
    assert sim["RA"] != "no RA"
    for key in sim:
        assert sim[key] == kernel[key], key


def test_an_address_deprecates_then_goes(on_both) -> None:  # type: ignore[no-untyped-def]
    """Preferred 3 s, valid 8 s; h1 then stops listening to RAs (accept_ra 0), so nothing
    refreshes them: the address and its prefix route count down, the address deprecates and
    goes. The expired prefix route stays listed (``expires -1sec``) until the kernel's fib
    garbage collector runs, but lookups skip it: the LAN is then reached via the router.
    The looks come 1.5 s after each lifetime ends (the kernel's address timer may be up to
    a second late: ADDRCONF_TIMER_FUZZ_MAX)."""
    topo = advertised("ra-expiry", valid=8, preferred=3)
    lines = ("ip -6 addr show dev eth0", "ip -6 route show", "ip -6 route get 2001:db8:1::20")

    def scenario(b: Backend) -> dict[str, Any]:
        b.exec("h1", ["sysctl", "-w", "net.ipv6.conf.eth0.accept_ra=0"])
        out: dict[str, Any] = {}
        lfts = []
        for step in ("fresh", "deprecated", "gone"):
            text = b.exec("h1", ["ip", "-6", "addr", "show", "dev", "eth0"]).stdout
            lfts.append(re.findall(r"valid_lft (\d+)sec preferred_lft (\d+)sec", text)[:1])
            routes = b.exec("h1", ["ip", "-6", "route", "show", LAN1]).stdout
            lfts.append(re.findall(r"expires (-?\d+)sec", routes))
            out[step] = {
                line: normalise(b.exec("h1", line.split()).stdout, b.session) for line in lines
            }
            b.advance(4.5 if step == "fresh" else 5.5)
        out["lft"] = lfts
        return out

    results = on_both(topo, scenario)
    sim, kernel = results["sim"], results["netns"]
    for result in (sim, kernel):  # counting down on both, from at most what was advertised
        (fresh,), route_fresh, (deprecated,), route_deprecated, gone, route_gone = result.pop("lft")
        assert 7 <= int(fresh[0]) <= 8 and 2 <= int(fresh[1]) <= 3, fresh
        assert 1 <= int(deprecated[0]) < int(fresh[0]) and deprecated[1] == "0", deprecated
        assert gone == []
        for route, address in ((route_fresh, fresh), (route_deprecated, deprecated)):
            assert len(route) == 1 and 0 <= int(address[0]) - int(route[0]) <= 1, (route, address)
        assert len(route_gone) == 1 and int(route_gone[0]) <= 0, route_gone
    assert f"{SLAAC} \n" in sim["fresh"]["ip -6 addr show dev eth0"]
    assert "scope global deprecated dynamic" in sim["deprecated"]["ip -6 addr show dev eth0"]
    assert "2001:db8:1::" not in sim["gone"]["ip -6 addr show dev eth0"]
    assert "2001:db8:1::20 from :: dev eth0 proto kernel" in sim["fresh"][lines[2]]
    assert "2001:db8:1::20 from :: via fe80::ff:fe00:200 dev eth0 proto ra" in sim["gone"][lines[2]]
    for step in ("fresh", "deprecated", "gone"):
        for line in lines:
            assert sim[step][line] == kernel[step][line], (step, line)


def pcap_frames(path: Path) -> list[bytes]:
    """The frames of a pcap file (either byte order; Ethernet)."""
    data = path.read_bytes()
    order: Literal["little", "big"] = "little" if data[:4] == b"\xd4\xc3\xb2\xa1" else "big"
    frames, offset = [], 24
    while offset + 16 <= len(data):
        length = int.from_bytes(data[offset + 8 : offset + 12], order)
        frames.append(data[offset + 16 : offset + 16 + length])
        offset += 16 + length
    return frames


def without_flow_label(frame: bytes) -> bytes:
    """The kernel hashes a flow label from a secret of its own (auto_flowlabels); the
    simulator sends 0. The one field that must differ, zeroed."""
    return frame[:15] + bytes([frame[15] & 0xF0, 0, 0]) + frame[18:]


def test_periodic_advertisement_frames(on_both, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The unsolicited RA to ff02::1 with every option at once, as h1 captures it: the same
    bytes (the Ethernet frame included, the flow label aside) from radvd and from the
    simulator's radvd."""
    topo = advertised(
        "ra-periodic",
        managed=True,
        other=True,
        preference="high",
        valid=7200,
        preferred=3600,
        mtu=1400,
        hop_limit=32,
        rdnss=["2001:db8:53::53"],
        dnssl=["lab.example"],
    )

    def scenario(b: Backend) -> dict[str, Any]:
        pcap = tmp_path / f"{b.name}.pcap"
        b.capture("h1", "eth0", pcap, seconds=11.0)  # radvd's interval is at most 10 s
        ras = [
            without_flow_label(f).hex()
            for f in pcap_frames(pcap)
            if f[12:14] == b"\x86\xdd" and f[14 + 6] == w.NH_ICMPV6 and f[14 + 40] == w.RA
        ]
        return {"last RA to ff02::1": [r for r in ras if r.startswith("333300000001")][-1:]}

    results = on_both(topo, scenario)
    (frame,) = results["sim"]["last RA to ff02::1"]
    packet = bytes.fromhex(frame)[14:]
    assert packet[24:40] == bytes.fromhex("ff020000000000000000000000000001")
    assert packet[40 + 4 : 40 + 6] == bytes([32, 0x80 | 0x40 | 0x08])  # hop limit; M, O, high
    assert results["sim"] == results["netns"]


# -- RAs a host receives one after another (sent raw from r1's link-local: no radvd) ------
R1_MAC = "02:00:00:00:02:00"
R1_LL_TEXT = "fe80::ff:fe00:200"


def ra_frame(lifetime: int, prf: int, mtu: int, valid: int, preferred: int) -> bytes:
    """An RA from r1's link-local to ff02::1, built with Scapy (not the simulator's builder)."""
    from scapy.layers.inet6 import (
        ICMPv6ND_RA,
        ICMPv6NDOptMTU,
        ICMPv6NDOptPrefixInfo,
        ICMPv6NDOptSrcLLAddr,
        IPv6,
    )
    from scapy.layers.l2 import Ether

    packet = (
        Ether(src=R1_MAC, dst="33:33:00:00:00:01")
        / IPv6(src=R1_LL_TEXT, dst="ff02::1", hlim=255)
        / ICMPv6ND_RA(chlim=64, prf=prf, routerlifetime=lifetime)
        / ICMPv6NDOptPrefixInfo(
            prefixlen=64, prefix="2001:db8:1::", validlifetime=valid, preferredlifetime=preferred
        )
    )
    if mtu:
        packet = packet / ICMPv6NDOptMTU(mtu=mtu)
    return bytes(packet / ICMPv6NDOptSrcLLAddr(lladdr=R1_MAC))


def test_a_host_follows_changing_advertisements(on_both) -> None:  # type: ignore[no-untyped-def]
    """The same router changes its mind: preference high → low, MTU 1400 → 1280, a reserved
    preference (read as medium), router lifetime 0 (the default route goes at once), then
    the prefix's valid lifetime 0 (its route goes; the address keeps two hours, RFC 4862
    §5.5.3 e)."""
    topo = three_nodes("ra-changes", static=False)
    steps = (
        ("first", ra_frame(1800, 1, 1400, 86400, 14400)),
        ("low, mtu 1280", ra_frame(1800, 3, 1280, 86400, 14400)),
        ("reserved preference", ra_frame(1800, 2, 0, 86400, 14400)),
        ("not a default router", ra_frame(0, 0, 0, 86400, 14400)),
        ("prefix withdrawn", ra_frame(0, 0, 0, 0, 0)),
    )

    def scenario(b: Backend) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, frame in steps:
            b.send_l2("r1", "eth0", [frame], timeout=0.2)
            b.settle(lambda: False, 0.3)
            addr = b.exec("h1", ["ip", "-6", "addr", "show", "dev", "eth0"]).stdout
            out[name] = (
                normalise(b.exec("h1", ["ip", "-6", "route", "show"]).stdout, b.session),
                b.exec("h1", ["sysctl", "net.ipv6.conf.eth0.mtu"]).stdout,
                re.findall(r"inet6 (2001\S+)", addr),
            )
            lft = re.findall(r"valid_lft (\d+)sec preferred_lft (\d+)sec", addr)
            # in hundreds of seconds: a second passing between the RA and the look is no matter
            out[f"{name} lft"] = [(round(int(v) / 100), round(int(p) / 100)) for v, p in lft[:1]]
        return out

    results = on_both(topo, scenario)
    sim = results["sim"]
    default = "default via fe80::ff:fe00:200 dev eth0 proto ra metric 1024 expires Nsec"
    assert f"{default} mtu 1400 hoplimit 64 pref high" in sim["first"][0]
    assert f"{default} mtu 1280 hoplimit 64 pref low" in sim["low, mtu 1280"][0]
    assert sim["low, mtu 1280"][1] == "net.ipv6.conf.eth0.mtu = 1280\n"
    assert f"{default} mtu 1280 hoplimit 64 pref medium" in sim["reserved preference"][0]
    assert "default" not in sim["not a default router"][0]
    assert "2001:db8:1::/64" not in sim["prefix withdrawn"][0]
    assert sim["prefix withdrawn"][2] == ["2001:db8:1::ff:fe00:100/64"]
    assert sim["first lft"] == [(864, 144)]
    assert sim["prefix withdrawn lft"] == [(72, 0)]  # two hours left, deprecated
    assert sim == results["netns"]
