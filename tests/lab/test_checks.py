"""The check library on the fake backend: every check type, passing and failing with
the code that names the reason, and the words the catalogue makes of it."""

from __future__ import annotations

from pathlib import Path

from _support.fakebackend import FakeBackend

from v6plan.lab.checks._context import Context
from v6plan.lab.checks._registry import TYPES, render, run_checks
from v6plan.lab.model._checkspec import CheckSpec
from v6plan.lab.model._i18n import Messages
from v6plan.lab.model._topology import Addressing, load_plan_for, load_topology, resolve

ROOT = Path(__file__).resolve().parents[2]


def network(name: str, configure: set[str] | None = None) -> tuple[FakeBackend, Addressing]:
    topology = load_topology(ROOT / "topologies" / f"{name}.yaml")
    addressing = resolve(topology, load_plan_for(topology.plan_file))
    spec = addressing.spec(configure)
    backend = FakeBackend("vtest", ROOT)
    backend.start(spec)
    for node, commands in spec.setup.items():
        for argv in commands:
            assert backend.exec(node, list(argv)).returncode == 0, argv
    return backend, addressing


def run(
    backend: FakeBackend, addressing: Addressing, ctype: str, **args: str
) -> tuple[bool, str, str]:
    spec = CheckSpec("c", ctype, {k.rstrip("_"): v for k, v in args.items()})
    ctx = Context(backend, addressing)
    outcome = TYPES[ctype].run(ctx, spec.args)
    result = render(spec, outcome, Messages("en"))
    return result.passed, result.code, result.message


def sh(backend: FakeBackend, node: str, line: str) -> None:
    assert backend.exec(node, line.split()).returncode == 0, line


def test_address_codes() -> None:
    backend, a = network("lan-router-lan", {"r1", "h2"})
    check = lambda **kw: run(backend, a, "address", node="h1", iface="eth0", **kw)  # noqa: E731
    assert check(address="2001:db8:42:1::10/64")[:2] == (False, "missing")
    sh(backend, "h1", "ip -6 addr add 2001:db8:42:1::10/65 dev eth0")
    passed, code, message = check(address="2001:db8:42:1::10/64")
    assert (passed, code) == (False, "wrong-length")
    assert message == "h1 has 2001:db8:42:1::10/65 on eth0 — the LAN is a /64"
    assert check(address="2001:db8:42:1::11/64")[1] == "other-address"
    assert check(address="2001:db8:42:1::10/65")[:2] == (True, "ok")
    assert (
        run(backend, a, "address", node="h1", iface="eth1", address="2001:db8:42:1::10/64")[1]
        == "no-iface"
    )
    assert (
        run(backend, a, "address", node="r1", iface="eth1", address="2001:db8:42:1::1/64")[1]
        == "wrong-iface"
    )
    # in the plan's prefix: an address outside the link's block fails even when asked for
    sh(backend, "h1", "ip -6 addr add 2001:db8:42:9::10/64 dev eth0")
    passed, code, message = check(address="2001:db8:42:9::10/64")
    assert code == "outside-plan" and "2001:db8:42:1::/64 (lan-1)" in message


def test_address_flags_come_from_the_backend() -> None:
    from v6plan.lab.runtime._backend import Address

    backend, a = network("lan-router-lan", {"r1", "h2"})
    backend.nodes["h1"]["addrs"].append(  # type: ignore[attr-defined]
        Address(
            "eth0",
            0x20010DB8004200010000000000000010,
            64,
            "global",
            frozenset({"tentative", "dadfailed"}),
        )
    )
    passed, code, message = run(
        backend, a, "address", node="h1", iface="eth0", address="2001:db8:42:1::10/64"
    )
    assert code == "dadfailed" and "another node" in message
    passed, code, message = run(backend, a, "no-dadfailed")
    assert (passed, code) == (
        False,
        "dadfailed",
    ) and "h1 has 2001:db8:42:1::10/64 on eth0" in message


def test_reachability_and_must_not_reach() -> None:
    backend, a = network("lan-router-lan", {"r1", "h2"})
    reach = lambda to: run(backend, a, "reachable", from_="h1", to=to)  # noqa: E731
    assert reach("2001:db8:42:2::10")[:2] == (False, "no-route")
    assert run(backend, a, "unreachable", from_="h1", to="2001:db8:42:2::10")[:2] == (
        True,
        "ok-no-route",
    )
    sh(backend, "h1", "ip -6 addr add 2001:db8:42:1::10/64 dev eth0")
    assert reach("2001:db8:42:1::1")[:2] == (True, "ok")
    sh(backend, "h1", "ip -6 route add default via 2001:db8:42:1::1")
    passed, code, message = reach("2001:db8:42:2::10")
    assert (passed, code) == (True, "ok")
    assert message == "h1 reaches h2 (2001:db8:42:2::10) from 2001:db8:42:1::10"
    assert run(backend, a, "unreachable", from_="h1", to="2001:db8:42:2::10")[:2] == (
        False,
        "reached",
    )
    # a router without a route answers Destination Unreachable: the reason names it
    passed, code, message = reach("2001:db8:42:7::1")
    assert code == "unreachable" and "r1 answered" in message and "no route" in message


def test_reachability_of_a_node_holding_someone_elses_address() -> None:
    backend, a = network("lan-router-lan", {"r1", "h2"})
    sh(backend, "h1", "ip -6 addr add 2001:db8:42:2::10/64 dev eth0")
    _, code, message = run(backend, a, "reachable", from_="h1", to="2001:db8:42:2::10")
    assert code == "self" and "h2's address" in message


def test_timeout_when_the_way_back_is_missing() -> None:
    backend, a = network("two-lans", {"h1", "r1", "h2"})
    for line in (
        "ip -6 addr add 2001:db8:42:3::3/127 dev eth1",
        "ip -6 addr add 2001:db8:42:2::1/64 dev eth0",
    ):
        sh(backend, "r2", line)
    _, code, message = run(backend, a, "reachable", from_="h1", to="2001:db8:42:2::10")
    assert code == "timeout" and "no answer came within 1 s" in message
    _, code, message = run(backend, a, "hops", from_="h1", to="2001:db8:42:2::10", hops="3")
    assert code == "timeout" and "r1" in message


def test_hops() -> None:
    backend, a = network("two-lans")
    passed, code, message = run(backend, a, "hops", from_="h1", to="2001:db8:42:2::10", hops="3")
    assert (passed, code) == (True, "ok")
    assert "r1 → r2 → h2" in message
    passed, code, message = run(backend, a, "hops", from_="h1", to="2001:db8:42:2::10", hops="2")
    assert (passed, code) == (False, "count") and "expected 2" in message


def test_ndp() -> None:
    backend, a = network("lan-router-lan", {"r1", "h2"})
    passed, code, message = run(
        backend, a, "ndp", node="h1", iface="eth0", target="2001:db8:42:1::1"
    )
    assert (passed, code) == (True, "ok") and "r1 answered with 02:00:00:00:02:00" in message
    assert (
        run(backend, a, "ndp", node="h1", iface="eth0", target="2001:db8:42:1::99")[1]
        == "no-answer"
    )
    assert (
        run(backend, a, "ndp", node="h1", iface="eth7", target="2001:db8:42:1::1")[1] == "no-iface"
    )


def test_ra_and_slaac() -> None:
    backend, a = network("slaac-lan", {"r1", "h2"})
    ok = run(
        backend, a, "ra", node="h1", iface="eth0", prefix="2001:db8:42:1::/64", managed="false"
    )
    assert ok[:2] == (True, "ok")
    assert (
        run(backend, a, "ra", node="h1", iface="eth0", prefix="2001:db8:42:1::/64", managed="true")[
            1
        ]
        == "flags"
    )
    passed, code, message = run(
        backend, a, "ra", node="h1", iface="eth0", prefix="2001:db8:42:5::/64"
    )
    assert code == "no-prefix" and "2001:db8:42:1::/64" in message
    assert run(backend, a, "ra", node="h2", iface="eth0", prefix="2001:db8:42:2::/64")[1] == "no-ra"
    slaac = lambda: run(backend, a, "slaac", node="h1", iface="eth0", prefix="2001:db8:42:1::/64")  # noqa: E731
    assert slaac()[1] == "accept-ra-off"
    sh(backend, "h1", "sysctl -w net.ipv6.conf.eth0.forwarding=1")
    sh(backend, "h1", "sysctl -w net.ipv6.conf.eth0.accept_ra=1")
    assert slaac()[1] == "forwarding"
    sh(backend, "h1", "sysctl -w net.ipv6.conf.eth0.forwarding=0")
    assert slaac()[1] == "missing"  # accepts RAs now, but has not received one
    sh(backend, "h1", "rdisc6 eth0")
    passed, code, message = slaac()
    assert (passed, code) == (True, "ok") and "2001:db8:42:1:0:ff:fe00:100/64" in message


def test_slaac_rejects_a_hand_made_address() -> None:
    backend, a = network("slaac-lan", {"r1", "h2"})
    sh(backend, "h1", "ip -6 addr add 2001:db8:42:1::10/64 dev eth0")
    assert (
        run(backend, a, "slaac", node="h1", iface="eth0", prefix="2001:db8:42:1::/64")[1]
        == "static"
    )


def test_routes() -> None:
    backend, a = network("two-lans")
    assert run(backend, a, "route", node="r1", to="2001:db8:42:2::/64", via="2001:db8:42:3::3")[
        :2
    ] == (True, "ok")
    _, code, message = run(
        backend, a, "route", node="r1", to="2001:db8:42:2::/64", via="2001:db8:42:3::9"
    )
    assert code == "other-via" and "via 2001:db8:42:3::3 (its route 2001:db8:42:2::/64)" in message
    assert run(backend, a, "route", node="r1", to="2001:db8:42:8::/64")[1] == "missing"
    backend2, a2 = network("two-lans", {"r1"})
    assert run(backend2, a2, "route", node="h1", to="default")[2] == "h1 has no default route"


def test_routes_by_longest_match() -> None:
    """A default route or a covering prefix that forwards right is a route to the LAN; a
    more specific route or one that refuses the traffic decides instead (the fake backend
    holds routes as given; test_verdicts.py runs the same on the simulator and the kernel)."""
    from v6plan.lab.runtime._backend import Route

    backend, a = network("two-lans", {"h1", "r1", "h2"})
    sh(backend, "r2", "ip -6 addr add 2001:db8:42:3::3/64 dev eth1")
    route = lambda **kw: run(backend, a, "route", node="r2", to="2001:db8:42:1::/64", **kw)  # noqa: E731
    assert route(via="2001:db8:42:3::2")[1] == "missing"
    sh(backend, "r2", "ip -6 route add default via 2001:db8:42:3::2")
    passed, code, message = route(via="2001:db8:42:3::2")
    assert (passed, code) == (True, "ok") and "(its route ::/0)" in message
    assert route(via="2001:db8:42:3::2", exact="true")[1] == "missing"
    assert route(via="2001:db8:42:3::9")[1] == "other-via"
    routes = backend.nodes["r2"]["routes"]  # type: ignore[attr-defined]
    routes.append(
        Route(0x20010DB8004200010000000000000000, 64, None, "lo", "boot", 1024, "blackhole")
    )
    _, code, message = route(via="2001:db8:42:3::2")
    assert code == "refused" and "blackhole" in message
    routes[-1] = Route(
        0x20010DB8004200010000000000000000, 96, None, "lo", "boot", 1024, "unreachable"
    )
    assert route(via="2001:db8:42:3::2")[1] == "more-specific"


def test_plan_conformance() -> None:
    backend, a = network("two-lans")
    assert run(backend, a, "plan")[:2] == (True, "ok")
    sh(backend, "r2", "ip -6 addr add 2001:db8:42:1::99/64 dev eth0")
    _, code, message = run(backend, a, "plan")
    assert code == "outside"
    assert "r2 has 2001:db8:42:1::99/64 on eth0, outside 2001:db8:42:2::/64 (lan-2)" in message
    assert run(backend, a, "plan", nodes="h1 r1")[:2] == (True, "ok")


def test_command_and_regex() -> None:
    backend, a = network("two-lans")
    assert run(backend, a, "command", node="h1", run="echo hello world", match=r"hel+o")[:2] == (
        True,
        "ok",
    )
    _, code, message = run(backend, a, "command", node="h1", run="echo nope", match=r"^yes")
    assert code == "no-match" and "printed “nope”" in message and "^yes" not in message
    assert run(backend, a, "command", node="h1", run="echo nope", match="yes", expect="no-match")[0]
    # what it must not print is quoted from the line that printed it, not the first line
    two_lines = "echo 'default via fe80::1 dev eth0\ndefault via fe80::66 dev eth0'"
    _, code, message = run(
        backend, a, "command", node="h1", run=two_lines, match="via fe80::66", expect="no-match"
    )
    assert code == "matched" and "printed “default via fe80::66 dev eth0”" in message, message


def test_a_crashing_check_fails_alone() -> None:
    backend, a = network("two-lans")
    specs = [
        CheckSpec("boom", "route", {"node": "nosuch", "to": "default"}),
        CheckSpec("fine", "route", {"node": "h1", "to": "default"}),
    ]
    results = run_checks(Context(backend, a), specs, Messages("en"))
    assert [r.code for r in results] == ["error", "ok"]
    assert results[0].message.startswith("the check could not run: KeyError")


def test_every_outcome_code_has_english_words() -> None:
    """Each code a check type declares has a message (no raw keys reach the trainee);
    test_verdicts.py renders them all, in every language, and finds the codes the
    checks' source gives among the declared ones."""
    messages = Messages("en")
    for ctype, kind in TYPES.items():
        assert kind.codes or ctype == "quiz", ctype
        for code in kind.codes:
            assert messages.has(f"check.{ctype}.{code}"), (ctype, code)
