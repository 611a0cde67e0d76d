"""The ``privacy`` and ``pmtu`` check types on the simulator, code by code (the labs'
known-bad solutions show the rest on both backends: other-source, eui64, no-temporary)."""

from __future__ import annotations

from pathlib import Path

from _support.topologies import three_nodes

from v6plan.lab.checks._context import Context
from v6plan.lab.checks._pmtu import check_pmtu
from v6plan.lab.checks._privacy import check_privacy
from v6plan.lab.runtime.sim import SimBackend

LAN1, LAN2 = "2001:db8:1::/64", "2001:db8:2::/64"


def started(tmp_path: Path, **h1: str) -> SimBackend:
    sysctls = {f"net.ipv6.conf.default.{k}": v for k, v in h1.items()}
    advertise = {"prefixes": [LAN1], "interval": 10, "valid": 60, "preferred": 20}
    b = SimBackend("pc", tmp_path)
    b.start(three_nodes("privacy-checks", advertise=advertise, h1_sysctls=sysctls))
    return b


def privacy(b: SimBackend, node: str = "h1", **args: str) -> str:
    full = {"node": node, "iface": "eth0", "prefix": LAN1, "kind": "temporary", **args}
    return check_privacy(Context(b, None), full).code


def test_privacy_codes(tmp_path: Path) -> None:
    b = started(tmp_path, use_tempaddr="2")
    assert privacy(b) == "ok"
    assert privacy(b, to="2001:db8:2::10") == "ok-source"
    assert privacy(b, iface="eth9") == "no-iface"
    assert privacy(b, prefix="2001:db8:9::/64") == "missing"
    assert privacy(b, kind="stable") == "eui64"  # the SLAAC address is the MAC's EUI-64
    assert privacy(b, node="h2", prefix=LAN2, kind="stable") == "static"
    # no more RAs: the temporary address deprecates at 20 s with no successor (its
    # preferred lifetime cannot outlast the public address's)
    b.exec("h1", ["sysctl", "-w", "net.ipv6.conf.eth0.accept_ra=0"])
    b.advance(21)
    assert privacy(b) == "deprecated"


def test_a_temporary_address_used_with_use_tempaddr_1_is_not_the_source(tmp_path: Path) -> None:
    b = started(tmp_path, use_tempaddr="1")
    assert privacy(b) == "ok"
    assert privacy(b, to="2001:db8:2::10") == "other-source"


def test_stable_privacy_passes(tmp_path: Path) -> None:
    b = started(tmp_path, stable_secret="2001:db8:feed::1", addr_gen_mode="2")
    assert privacy(b, kind="stable") == "ok"
    assert privacy(b, kind="temporary") == "no-temporary"


def test_pmtu_codes(tmp_path: Path) -> None:
    b = SimBackend("pm", tmp_path)
    b.start(
        three_nodes(
            "pmtu-checks",
            setup={
                "r1": (("ip", "link", "set", "eth1", "mtu", "1280"),),
                "h2": (("ip", "link", "set", "eth0", "mtu", "1280"),),
            },
        )
    )
    args = {"node": "h1", "to": "2001:db8:2::10", "mtu": "1280"}
    assert check_pmtu(Context(b, None), args).code == "not-learned"
    b.exec("h1", ["ping", "-6", "-c", "1", "-s", "1400", "2001:db8:2::10"])
    assert check_pmtu(Context(b, None), args).code == "ok"
    assert check_pmtu(Context(b, None), {**args, "mtu": "1400"}).code == "other-mtu"
    assert (
        check_pmtu(Context(b, None), {**args, "node": "r1", "to": "2001:db8:99::1"}).code
        == "no-route"
    )
