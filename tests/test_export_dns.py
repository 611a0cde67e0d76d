"""Forward and reverse zones together, read as BIND reads them, then served by BIND.

Every zone the bind export writes is loaded by named-checkzone (``-D``: the zone as named
holds it, every name absolute) and the records are resolved here both ways: each AAAA name
has the PTR that names it back, and each PTR target has the AAAA of the address it came
from — forward-confirmed reverse DNS for every router, link end and LAN gateway. The
reverse owner names are turned back into addresses here, by reading the nibbles, not by the
exporter's code. Then a real ``named`` serves the folder on loopback and ``dig`` asks it for
every AAAA and PTR. Names in other scripts become IDNA A-labels (or are refused with
their place in the spec).
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections import defaultdict
from pathlib import Path

import pytest
from _support import plan_of
from _support.exports import example, export_dir
from _support.named import named as serve_zones
from _support.tools import run, tool
from hypothesis import given
from hypothesis import strategies as st

from v6plan import InputError, Plan
from v6plan.cli import main
from v6plan.export import FORMATS
from v6plan.export._dns import unicode_label

DOMAIN = "isp.example"
GLUE = {"ns1.isp.example.": "2001:db8::53", "ns2.isp.example.": "2001:db8::54"}
FORWARD = {"domain": DOMAIN, "forward": "yes", "ns-address": ",".join(GLUE.values())}
_LDH = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")


class Zones:
    """The records of every zone in a folder, as named-checkzone loaded them."""

    def __init__(self, directory: Path) -> None:
        self.aaaa: dict[str, set[int]] = defaultdict(set)
        self.ptr: dict[int, set[str]] = defaultdict(set)
        self.zones: list[str] = []
        checkzone = tool("named-checkzone")
        for path in sorted(directory.glob("db.*")):
            origin = path.name[3:]
            done = run(checkzone, "-k", "fail", "-n", "fail", "-D", "-o", "-", origin, str(path))
            assert done.returncode == 0, done.stdout + done.stderr
            self.zones.append(origin)
            for line in done.stdout.splitlines():
                name, _ttl, klass, rtype, *data = line.split()
                assert klass == "IN"
                if rtype == "AAAA":
                    self.aaaa[name.lower()].add(int(ipaddress.IPv6Address(data[0])))
                elif rtype == "PTR":
                    self.ptr[nibbles(name)].add(data[0].lower())
        conf = directory / "named.conf"
        conf.write_text(f'options {{ directory "{directory}"; }};\ninclude "{directory}/named.conf.zones";\n')  # fmt: skip
        done = run(tool("named-checkconf"), "-z", str(conf))
        assert done.returncode == 0, done.stdout + done.stderr

    def resolve_both_ways(self, glue: dict[str, str]) -> None:
        for name, found in self.aaaa.items():
            if name in glue:  # a name server's address, given by --set ns-address
                assert found == {int(ipaddress.IPv6Address(glue[name]))}
                continue
            assert len(found) == 1, (name, found)  # one name, one address
            (address,) = found
            assert self.ptr.get(address) == {name}, (name, ipaddress.IPv6Address(address))
            labels = name.rstrip(".").split(".")
            assert all(_LDH.match(label) for label in labels) and len(name) <= 254, name
        for address, names in self.ptr.items():
            assert len(names) == 1, (ipaddress.IPv6Address(address), names)
            (name,) = names
            assert self.aaaa.get(name) == {address}, (ipaddress.IPv6Address(address), name)


def nibbles(owner: str) -> int:
    """The address a full ``…ip6.arpa.`` PTR owner names (32 nibbles, last first)."""
    labels = owner.lower().rstrip(".").split(".")
    assert labels[-2:] == ["ip6", "arpa"] and len(labels) == 34, owner
    return int("".join(reversed(labels[:32])), 16)


def named(plan: Plan) -> dict[str, int]:
    """What the plan says should be in DNS, by role: loopbacks, link ends, LAN gateways."""
    counts = {"loopback": 0, "p2p": 0, "lan": 0}
    for i in range(len(plan)):
        role = plan.role(i)
        if role == "host":
            counts["loopback"] += 1
        elif role == "p2p" and plan.plen[i] == 64:
            counts["p2p"] += 2
        elif role == "lan":
            counts["lan"] += 1
    return counts


def expected_names(plan: Plan) -> dict[str, set[int]]:
    """The names the plan implies, made here from its paths, routers and link ends."""
    out: dict[str, set[int]] = {}
    for i in range(len(plan)):
        node = plan.node(i)
        if node.role == "host":
            out[f"{plan.name[i]}.{DOMAIN}."] = {plan.net[i]}
        elif node.role == "p2p" and node.ends:
            a, b = node.ends
            out[f"to-{b}.{a}.{DOMAIN}."] = {plan.net[i] + 2}
            out[f"to-{a}.{b}.{DOMAIN}."] = {plan.net[i] + 3}
        elif node.role == "lan":
            where = ".".join(reversed(plan.path(i).split("/")))
            out[f"gw.{where}.{DOMAIN}."] = {plan.net[i] + 1}
    return out


def test_every_aaaa_and_ptr_resolve_both_ways(tmp_path: Path) -> None:
    plan = example("isp-core")
    written = export_dir(plan, "bind", tmp_path, serial="2026010101", **FORWARD)
    assert "db.isp.example" in written
    zones = Zones(tmp_path)
    assert DOMAIN in zones.zones
    zones.resolve_both_ways(GLUE)
    assert len(zones.aaaa) - len(GLUE) == len(zones.ptr) == sum(named(plan).values()) == 28
    assert {n: a for n, a in zones.aaaa.items() if n not in GLUE} == expected_names(plan)
    a = {name: str(ipaddress.IPv6Address(min(v))) for name, v in zones.aaaa.items()}
    assert a["cr1.isp.example."] == "2001:db8::1"  # a loopback, named after its router
    assert a["to-cr2.cr1.isp.example."] == "2001:db8:0:1::2"  # cr1's end of its link to cr2
    assert a["to-cr1.cr2.isp.example."] == "2001:db8:0:1::3"
    assert a["gw.office.north.isp.example."] == "2001:db8:1:4::1"  # a LAN gateway, by path
    conf = (tmp_path / "named.conf.zones").read_text()
    assert 'zone "isp.example" { type primary; file "db.isp.example"; };' in conf


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("campus", {"domain": "campus.example", "ns": "ns1.example.net,ns2.example.net"}),
        ("isp-core", {**FORWARD, "delegate": "1", "delegate-ns": "ns.{name}.example.net"}),
        ("operator-29", {**FORWARD, "gateways": "no"}),  # eight /32 reverse zones
    ],
)
def test_forward_zone_with_every_reverse_layout(
    tmp_path: Path, name: str, settings: dict[str, str]
) -> None:
    plan = example(name)
    export_dir(plan, "bind", tmp_path, **{**settings, "forward": "yes"})
    zones = Zones(tmp_path)
    zones.resolve_both_ways(GLUE if "ns-address" in settings else {})
    assert settings["domain"] in zones.zones
    counts = named(plan)
    if settings.get("gateways") == "no":
        counts["lan"] = 0
    assert len(zones.ptr) == sum(counts.values())


def test_gateways_only_when_wanted(tmp_path: Path) -> None:
    export_dir(example("isp-core"), "bind", tmp_path, gateways="no", **FORWARD)
    zones = Zones(tmp_path)
    zones.resolve_both_ways(GLUE)
    assert not [n for n in zones.aaaa if n.startswith("gw.")]
    assert len(zones.ptr) == 5 + 14


def test_forward_needs_a_domain(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--set domain="):
        export_dir(example("isp-core"), "bind", tmp_path, forward="yes")
    assert not tmp_path.joinpath("db.example.net").exists()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"domain": DOMAIN}, "inside isp.example"),  # ns1/ns2.isp.example, no addresses
        ({"domain": DOMAIN, "ns-address": "2001:db8::53"}, "one address per name server"),
        ({"domain": DOMAIN, "ns-address": "2001:db8::53,x::y"}, "ns-address"),
        ({"domain": "ip6.arpa"}, "not under .arpa"),
    ],
)
def test_name_servers_of_the_forward_zone(
    tmp_path: Path, settings: dict[str, str], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        export_dir(example("isp-core"), "bind", tmp_path / "z", forward="yes", **settings)
    assert not (tmp_path / "z").exists()  # nothing written


@pytest.mark.parametrize(("one", "other"), [("a_b", "a-b"), ("Lab", "lab"), ("École", "école")])
def test_a_name_two_addresses_would_share_is_refused(tmp_path: Path, one: str, other: str) -> None:
    plan = plan_of(
        f"""
        prefix: 2001:db8::/48
        children:
          - {{name: "{one}", role: lan}}
          - {{name: "{other}", role: lan}}
        """
    ).plan
    with pytest.raises(InputError, match="rename one of them"):
        export_dir(plan, "bind", tmp_path / "z", domain="example.net", forward="yes", ns="ns.example.org")  # fmt: skip
    assert not (tmp_path / "z").exists()


def test_a_name_server_that_is_one_of_the_routers(tmp_path: Path) -> None:
    """--set ns=cr1.DOMAIN with cr1's loopback address: one AAAA, not a clash."""
    export_dir(
        example("isp-core"),
        "bind",
        tmp_path,
        domain=DOMAIN,
        forward="yes",
        ns="cr1.isp.example",
        **{"ns-address": "2001:db8::1"},
    )
    zones = Zones(tmp_path)
    zones.resolve_both_ways({})
    assert zones.aaaa["cr1.isp.example."] == {int(ipaddress.IPv6Address("2001:db8::1"))}


def test_the_help_example_writes_zones_named_loads(tmp_path: Path) -> None:
    """`v6plan export --help` shows a forward zone example: it runs and resolves both ways."""
    example_line = FORMATS["bind"].example
    assert "forward=yes" in example_line
    args = shlex.split(example_line)[2:]  # after "v6plan export"
    args[0] = str(Path(__file__).resolve().parents[1] / args[0])
    args[-1] = str(tmp_path / "zones")
    assert main(["export", *args]) == 0
    zones = Zones(tmp_path / "zones")
    zones.resolve_both_ways(
        {"ns1.campus.example.": "2001:db8:cafe::53", "ns2.campus.example.": "2001:db8:cafe::54"}
    )
    assert "campus.example" in zones.zones and len(zones.ptr) == sum(
        named(example("campus")).values()
    )


# -- a real named answers dig ---------------------------------------------------------------------
def served_both_ways(directory: Path, expected: dict[str, int]) -> None:
    """Load the folder's zones into named on loopback and ask dig for each name's AAAA and
    each address's PTR: every pair answers, and the two agree."""
    with serve_zones(directory) as server:
        queries = [f"{name} AAAA" for name in expected]
        queries += [f"-x {ipaddress.IPv6Address(a)}" for a in expected.values()]
        answers = server.ask(queries)
    aaaa = {o: int(ipaddress.IPv6Address(d)) for o, t, d in answers if t == "AAAA"}
    ptr = {nibbles(o): d for o, t, d in answers if t == "PTR"}
    assert len(answers) == 2 * len(expected), answers
    for name, address in expected.items():
        assert aaaa[name] == address, name
        assert ptr[address] == name, (ipaddress.IPv6Address(address), ptr.get(address))


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("isp-core", FORWARD),
        ("isp-core", {**FORWARD, "delegate": "1"}),  # the delegated zones served too
        ("operator-29", {**FORWARD, "gateways": "no"}),  # eight /32 reverse zones
    ],
)
def test_named_answers_each_aaaa_and_ptr_both_ways(
    tmp_path: Path, name: str, settings: dict[str, str]
) -> None:
    plan = example(name)
    export_dir(plan, "bind", tmp_path, serial="2026010101", **settings)
    zones = Zones(tmp_path)  # named-checkzone first: a zone named would refuse fails here
    expected = {n: min(a) for n, a in zones.aaaa.items() if n not in GLUE}
    if name == "isp-core":
        assert expected == {n: min(a) for n, a in expected_names(plan).items()}
    served_both_ways(tmp_path, expected)


UNICODE_PLAN = """
plan: Écoles
prefix: 2001:db8::/48
children:
  - {name: loopbacks, role: loopback, size: /64, names: [r1]}
  - {name: "école", role: lan, count: 2, router: r1}
  - {name: "مدرسة", role: lan, count: 2, router: r1}
  - {name: "Collège_Jean", role: lan, router: r1}
"""


def test_unicode_names_are_written_as_idna_a_labels(tmp_path: Path) -> None:
    """école-1 → xn--cole-1-9ua, مدرسة-1 → an A-label too (IDNA 2008: the stdlib's IDNA 2003
    refuses an Arabic label ending in a digit): named loads them and answers both ways, and
    each A-label decodes back to the name in the plan."""
    import idna

    plan = plan_of(UNICODE_PLAN).plan
    export_dir(plan, "bind", tmp_path, domain="écoles.example", forward="yes", ns="ns1.example.org", serial="1")  # fmt: skip
    zones = Zones(tmp_path)
    zones.resolve_both_ways({})
    domain = "xn--coles-9ra.example"
    assert domain in zones.zones and "école".encode("idna") == b"xn--cole-9oa"
    gateways = {n: min(a) for n, a in zones.aaaa.items() if n.startswith("gw.")}
    unicode = {idna.decode(n.split(".")[1]): a for n, a in gateways.items()}
    lans = {plan.name[i].lower().replace("_", "-"): plan.net[i] + 1 for i in range(len(plan)) if plan.role(i) == "lan"}  # fmt: skip
    assert unicode == lans
    assert f"gw.{'école-1'.encode('idna').decode()}.{domain}." in gateways  # the stdlib agrees
    with pytest.raises(UnicodeError):
        "مدرسة-1".encode("idna")
    served_both_ways(tmp_path, {n: min(a) for n, a in zones.aaaa.items()})


@pytest.mark.parametrize("name", ["1-مدرسة", "école-مدرسة"])
def test_a_name_idna_cannot_write_is_refused_at_its_place(tmp_path: Path, name: str) -> None:
    plan = plan_of(
        f"""
        prefix: 2001:db8::/48
        children:
          - {{name: "{name}", role: lan}}
        """
    ).plan
    with pytest.raises(InputError, match=r"test\.yaml:3:12: .*has no DNS form .*rename it"):
        export_dir(plan, "bind", tmp_path / "z", gateways="yes")
    assert not (tmp_path / "z").exists()


@given(st.text(min_size=1, max_size=70))
def test_every_name_is_one_dns_label_or_refused(name: str) -> None:
    """Any text a name could hold gives one LDH label of at most 63 (an A-label when it is
    not ASCII, decoding back to the name's letters), or IDNA's reason to refuse it."""
    import idna

    try:
        label = unicode_label(name)
    except ValueError as exc:
        assert str(exc) and not name.isascii()
        return
    assert _LDH.match(label) and len(label) <= 63, label
    if label.startswith("xn--"):
        assert idna.decode(label)  # a valid A-label: it decodes
