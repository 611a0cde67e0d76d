"""The FRR export as a network runs it: the aggregates each router originates (discard routes,
OSPFv3 redistribution of only those, BGP ``network`` for the root on the border routers),
customer-pool routes on the routers that hand them out, static routes by summary, and the
per-instance ``router:`` template with its lint (one VLAN id once per router).

Every file goes through FRR's own ``vtysh --dryrun``; the netns test boots zebra, staticd,
ospf6d and bgpd on two routers joined by a veth pair and reads what they route
(``show ipv6 route json``, ``show bgp ipv6 unicast json``).
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _support import need, plan_of
from _support.exports import EXAMPLES, example, export, export_dir
from _support.tools import frr_ok, tool
from hypothesis import given, settings
from hypothesis import strategies as st

from v6plan import Plan
from v6plan._errors import InputError, SpecError
from v6plan._lint import RULES, lint
from v6plan._routers import NAME, expand, template_problem
from v6plan.cli import main

#: Two regions of two PoPs; each PoP's BNG is named from its region by the template.
REGIONS = """
    plan: Regions
    prefix: 2001:db8::/32
    children:
      - name: core
        role: infrastructure
        size: /48
        children:
          - {name: loopbacks, role: loopback, names: [cr1, bng-north, bng-south]}
          - {name: link, role: p2p, ends: [[cr1, bng-north], [cr1, bng-south]]}
      - name: region
        names: [north, south]
        size: /40
        children:
          - name: pop
            count: 2
            router: "bng-{parent}"
            children:
              - {name: lan, role: lan, count: 2, vlan: 100, interface: "{parent}.{vlan}"}
              - {name: customer, role: customer, count: 10, size: /56}
      - {name: growth, role: reserve, size: /40}
"""

#: One BNG behind one core router: what the netns test boots.
LAB = """
    plan: FRR lab
    prefix: 2001:db8::/32
    children:
      - name: core
        role: infrastructure
        size: /48
        children:
          - {name: loopbacks, role: loopback, names: [cr1, bng-south]}
          - {name: link, role: p2p, ends: [[cr1, bng-south]]}
      - name: region
        names: [south]
        size: /40
        router: "bng-{name}"
        children:
          - {name: lan, role: lan, count: 2, vlan: 100}
          - {name: customer, role: customer, count: 20, size: /56}
"""


def configs(plan: Plan, where: Path, **settings: str) -> dict[str, str]:
    """Router name → its FRR file, each accepted by vtysh --dryrun."""
    export_dir(plan, "frr", where, **settings)
    out = {}
    for path in sorted(where.glob("frr-*.conf")):
        frr_ok(path)
        out[path.name[4:-5]] = path.read_text()
    return out


def routes(text: str) -> dict[str, str]:
    """``ipv6 route PREFIX TARGET`` lines: prefix → target (blackhole or next hop)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ipv6 route "):
            _, _, prefix, target = line.split()
            found.setdefault(prefix, target)
    return found


def prefix_of(plan: Plan, path: str) -> str:
    return plan.prefix_text(plan.find_path(path))


# -- every file of the bundled examples and of the small plans, through vtysh ---------------------
SETTINGS = [
    {},
    {"routing": "static"},
    {"routing": "both", "ra": "yes", "area": "0.0.0.1"},
    {"routing": "none"},
    {"summaries": "no", "routing": "both"},
    {"asn": "64496", "border": "FIRST"},
    {"ranges": "yes", "routing": "both"},
]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: ",".join(map("=".join, s.items())))
@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_every_frr_file_of_the_examples_passes_vtysh(
    tmp_path: Path, name: str, settings: dict[str, str]
) -> None:
    plan = example(name)
    try:
        export_dir(plan, "frr", tmp_path / "probe")
    except InputError as exc:  # a plan that names no router: said, and nothing written
        assert "no routers" in str(exc) and not (tmp_path / "probe").exists()
        return
    first = sorted(p.name[4:-5] for p in (tmp_path / "probe").glob("frr-*.conf"))[0]
    settings = {k: first if v == "FIRST" else v for k, v in settings.items()}
    written = configs(plan, tmp_path / "frr", **settings)
    assert written
    if "asn" in settings:
        assert f"  network {plan.prefix}\n" in written[first]
        assert sum("router bgp" in text for text in written.values()) == 1


@pytest.mark.parametrize(
    "settings",
    [s for s in SETTINGS if "asn" not in s],
    ids=lambda s: ",".join(map("=".join, s.items())),
)
def test_every_frr_file_of_the_small_plans_passes_vtysh(
    tmp_path: Path, settings: dict[str, str]
) -> None:
    for n, text in enumerate((REGIONS, LAB)):
        written = configs(plan_of(text).plan, tmp_path / str(n), **settings)
        assert len(written) == 3 - n


# -- what each router originates --------------------------------------------------------------------
def test_isp_core_routers_originate_their_sites_and_pools(tmp_path: Path) -> None:
    plan = example("isp-core")
    written = configs(plan, tmp_path)
    pe1, bng1 = routes(written["pe1"]), routes(written["bng1"])
    # pe1 summarises the site it serves; its LANs stay connected routes, not discards
    assert pe1 == {prefix_of(plan, "north"): "blackhole"}
    assert f"permit {prefix_of(plan, 'north')}\n" in written["pe1"]
    assert " redistribute static route-map V6PLAN-AGGREGATES\n" in written["pe1"]
    # bng1: both customer blocks, and the aligned pools of the customers it hands out
    residential = ipaddress.IPv6Network(prefix_of(plan, "residential"))
    pools = [ipaddress.IPv6Network(p) for p in bng1 if p not in (str(residential),)]
    assert prefix_of(plan, "business") in bng1 and str(residential) in bng1
    inside = [p for p in pools if p.subnet_of(residential)]
    customers = {
        ipaddress.IPv6Network(plan.prefix_text(c))
        for c in plan.children(plan.find_path("residential"))
    }
    assert sum(p.num_addresses for p in inside) == sum(c.num_addresses for c in customers)
    assert all(any(c.subnet_of(p) for p in inside) for c in customers)
    # the pools are discards but not originated into OSPF: the /40 covers them
    assert written["bng1"].count("ipv6 prefix-list ") == 2
    # cr1 serves one LAN of its own: nothing to summarise, so no route and no route-map
    assert routes(written["cr1"]) == {} and "route-map" not in written["cr1"]


def test_static_routes_go_by_summary_not_by_lan(tmp_path: Path) -> None:
    plan = example("isp-core")
    cr2 = routes(configs(plan, tmp_path, routing="static")["cr2"])
    assert cr2[prefix_of(plan, "north")] == "2001:db8:0:3::3"  # pe1's end of link-3
    assert cr2[prefix_of(plan, "core/noc")] == "2001:db8:0:1::2"  # cr1's own LAN, a /64
    assert not [p for p in cr2 if p.endswith("/64") and p != prefix_of(plan, "core/noc")]
    every = routes(configs(plan, tmp_path / "all", routing="static", summaries="no")["cr2"])
    assert prefix_of(plan, "north/servers-1") in every and prefix_of(plan, "north") not in every
    assert all(target != "blackhole" for target in every.values())


def test_a_level_that_maps_to_one_router_is_its_summary(tmp_path: Path) -> None:
    """Each PoP's router comes from its region: the region is the summary, not each PoP."""
    plan = plan_of(REGIONS).plan
    written = configs(plan, tmp_path, routing="both")
    assert sorted(written) == ["bng-north", "bng-south", "cr1"]
    north = routes(written["bng-north"])
    assert north[prefix_of(plan, "north")] == "blackhole"
    assert prefix_of(plan, "north/pop-1") not in north
    assert f"permit {prefix_of(plan, 'north')}\n" in written["bng-north"]
    # the pools of both PoPs, one comment each
    assert written["bng-north"].count("! customer pool of north/pop-") == 2
    cr1 = routes(written["cr1"])
    assert cr1[prefix_of(plan, "north")] == "2001:db8:0:1::3"
    assert cr1[prefix_of(plan, "south")] == "2001:db8:0:2::3"
    assert not [p for p in cr1 if p.endswith("/64")]  # one summary per region, no LAN
    assert prefix_of(plan, "growth") not in cr1  # a reserve is nobody's


def test_area_ranges_summarise_the_lans_of_a_router_into_the_backbone(tmp_path: Path) -> None:
    plan = example("isp-core")
    written = configs(plan, tmp_path, ranges="yes")
    pe1 = written["pe1"]
    assert f" area 0.0.0.3 range {prefix_of(plan, 'north')}\n" in pe1  # pe1's router-id
    assert pe1.count(" ipv6 ospf6 area 0.0.0.3\n") == 5  # its five LANs
    assert " ipv6 ospf6 area 0.0.0.0\n ipv6 ospf6 network point-to-point" in pe1  # links
    assert "route-map" not in pe1  # the range originates the site, not a redistribution
    # bng1's blocks hold customers, no LAN: no range would be sent, so they stay external
    assert " range " not in written["bng1"] and "redistribute static" in written["bng1"]


def test_bgp_announces_the_root_on_the_border_routers_only(tmp_path: Path) -> None:
    plan = example("isp-core")
    written = configs(plan, tmp_path, asn="64496", border="cr1,cr2")
    for name, text in written.items():
        border = name in ("cr1", "cr2")
        assert ("router bgp 64496\n" in text) is border
        assert (routes(text).get("2001:db8::/32") == "blackhole") is border
        assert (" network 2001:db8::/32\n" in text) is border


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"asn": "64496"}, "border=cr1,cr2"),
        ({"border": "cr1"}, "asn=64496"),
        ({"asn": "0", "border": "cr1"}, "1 to 4294967295"),
        ({"asn": "4294967296", "border": "cr1"}, "1 to 4294967295"),
        ({"asn": "6_4", "border": "cr1"}, "1 to 4294967295"),
        ({"asn": "64496", "border": "cr1,pe3"}, "did you mean 'pe"),
        ({"summaries": "maybe"}, "summaries"),
        ({"ranges": "yes", "area": "0.0.0.1"}, "leave area at 0.0.0.0"),
    ],
)
def test_bad_routing_settings_are_said(
    tmp_path: Path, settings: dict[str, str], words: str
) -> None:
    with pytest.raises(InputError, match=words.replace("(", r"\(")):
        export_dir(example("isp-core"), "frr", tmp_path / "frr", **settings)
    assert not (tmp_path / "frr").exists()


# -- the router template ----------------------------------------------------------------------------
def test_a_router_template_makes_one_router_per_instance() -> None:
    plan = plan_of(REGIONS).plan
    assert plan.node(plan.find_path("north/pop-2/lan-1")).router == "bng-north"
    assert plan.node(plan.find_path("south/pop-1")).router == "bng-south"
    assert plan.node(plan.find_path("core/link-1")).router == ""
    each = plan_of(
        """
        plan: t
        prefix: 2001:db8::/32
        children:
          - name: region
            children:
              - {name: site, count: 3, router: "r{index}-{name}.{parent}", children: [{name: l, role: lan}]}
        """
    ).plan
    assert [each.node(each.find_path(f"region/site-{k}/l")).router for k in (1, 2, 3)] == [
        "r1-site-1.region",
        "r2-site-2.region",
        "r3-site-3.region",
    ]
    assert expand("bng-{parent}", "pop-1", 0, "north") == "bng-north"
    assert expand("plain", "x", 3, "y") == "plain"


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("bng-{site}", "{site} is not a placeholder it may use"),
        ("bng-{}", "{} is not a placeholder"),
        ("bng-{parent!r}", "without a format or conversion"),
        ("bng-{index:03}", "without a format or conversion"),
        ("bng-{parent", "without its pair"),
        ("bng-parent}", "without its pair"),
        ("-{name}", "no usable router name"),
        ("bng {name}", "no usable router name"),
        ("{{name}}", "no usable router name"),
        ("{name.upper}", "is not a placeholder"),
    ],
)
def test_bad_router_templates_name_their_place_and_the_fix(template: str, words: str) -> None:
    assert words in template_problem(template)
    text = (
        "plan: t\nprefix: 2001:db8::/32\nchildren:\n"
        f"  - name: pop\n    count: 2\n    router: '{template}'\n"
        "    children: [{name: l, role: lan}]\n"
    )
    from v6plan._spec import parse_spec

    with pytest.raises(SpecError) as info:
        parse_spec(text, "t.yaml")
    message = str(info.value)
    assert message.startswith("t.yaml:6:13: router template") and words in message
    assert 'e.g. `router: "bng-{parent}"`' in message


NAMES = st.from_regex(r"[a-z0-9][a-z0-9.+-]{0,20}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="ab-._{}+ !:", max_size=24)
    | st.builds(
        "".join,
        st.lists(
            st.sampled_from(["bng-", "{name}", "{parent}", "{index}", "-", "{", "}", "{x}"]),
            max_size=5,
        ),
    ),
    NAMES,
    st.integers(0, 10**6),
    NAMES,
)
def test_a_template_the_reader_takes_always_makes_a_name(
    template: str, name: str, index: int, parent: str
) -> None:
    """Any text: a problem said, or a template whose names are router names (when short)."""
    problem = template_problem(template)  # never raises
    if problem:
        return
    made = expand(template, name, index, parent)
    assert len(made) > 63 or NAME.match(made), (template, made)


def test_a_top_level_node_has_no_parent_to_name_a_router_after() -> None:
    from v6plan._spec import parse_spec

    text = "plan: t\nprefix: 2001:db8::/32\nchildren:\n  - {name: a, router: 'r-{parent}'}\n"
    with pytest.raises(
        SpecError, match=r"t.yaml:4:23: router template 'r-\{parent\}': a top.* — use \{name\} or"
    ):
        parse_spec(text, "t.yaml")
    parse_spec(text.replace("{parent}", "{name}"), "t.yaml")  # {name} is fine up there


def test_good_router_templates_have_no_problem() -> None:
    for template in ("bng-{parent}", "{name}", "pe{index}.{parent}", "a_{name}+{index}"):
        assert template_problem(template) == ""


def test_the_cli_says_a_bad_template_with_its_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "bad.yaml"
    node = "  - {name: pop, count: 2, router: 'bng-%s', children: [{name: l, role: lan}]}\n"
    spec.write_text("plan: t\nprefix: 2001:db8::/32\nchildren:\n" + node % "{region}")
    assert main(["check", str(spec)]) == 2
    err = capsys.readouterr().err
    assert f"{spec}:4:35: router template 'bng-{{region}}'" in err and "Traceback" not in err
    # a usable template whose name comes out too long: said at export, at the same place
    long = node.replace("pop", "p" * 60) % "{name}"  # bng-ppp… is 64 characters
    spec.write_text("plan: t\nprefix: 2001:db8::/32\nchildren:\n" + long)
    assert main(["check", str(spec)]) == 0
    capsys.readouterr()
    out = tmp_path / "frr"
    assert main(["export", str(spec), "-f", "frr", "--dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{spec}:4:92: router template 'bng-{{name}}' makes 'bng-ppp" in err
    assert "shorten the template or the names" in err
    assert "Traceback" not in err and not out.exists()


# -- lint: one VLAN id once per router --------------------------------------------------------------
def test_lint_says_when_a_router_gets_a_vlan_twice() -> None:
    assert RULES["router-vlan-twice"].severity == "warning"
    twice = plan_of(REGIONS.replace(', interface: "{parent}.{vlan}"', "")).plan
    found = [f for f in lint(twice) if f.rule == "router-vlan-twice"]
    # per region: pop-2's two LANs repeat pop-1's VLANs 100 and 101 on the same BNG
    assert [f.path for f in found] == [
        "north/pop-2/lan-1",
        "north/pop-2/lan-2",
        "south/pop-2/lan-1",
        "south/pop-2/lan-2",
    ]
    assert "router bng-north already has VLAN 100 on north/pop-1/lan-1" in found[0].message
    assert "{parent}.{vlan}" in found[0].message
    assert not [
        f for f in lint(twice, ignore=["router-vlan-twice"]) if f.rule == "router-vlan-twice"
    ]
    one = twice.find_path("north/pop-2/lan-2")
    assert [f.message for f in lint(twice, node=one) if f.rule == "router-vlan-twice"] == [
        found[1].message
    ]


def test_lint_finds_a_range_that_runs_into_another() -> None:
    """Two kinds on one router: office's VLAN 102 is inside servers' 100-103."""
    plan = plan_of(
        """
        plan: t
        prefix: 2001:db8::/32
        children:
          - name: north
            router: pe1
            children:
              - {name: servers, role: lan, count: 4, vlan: 100}
              - {name: office, role: lan, vlan: 102}
              - {name: guests, role: lan, vlan: 104}
          - name: south
            router: pe2
            children: [{name: office, role: lan, vlan: 102}]
        """
    ).plan
    found = [(f.path, f.message[:50]) for f in lint(plan) if f.rule == "router-vlan-twice"]
    assert found == [("north/office", "router pe1 already has VLAN 102 on north/servers-3")]


def test_lint_is_quiet_when_the_names_differ_or_the_routers_do() -> None:
    apart = plan_of(REGIONS).plan  # {parent}.{vlan}: a trunk per PoP
    assert not [f for f in lint(apart) if f.rule == "router-vlan-twice"]
    own = plan_of(REGIONS.replace('"bng-{parent}"', '"bng-{parent}-{name}"')).plan
    assert not [f for f in lint(own) if f.rule == "router-vlan-twice"]
    for name in sorted(p.stem for p in EXAMPLES.glob("*.yaml")):
        assert "router-vlan-twice" not in {f.rule for f in lint(example(name))}, name


def test_template_names_are_known_to_the_link_lint() -> None:
    """``ends`` naming a router only a template makes is no typo (no loopbacks here)."""
    text = """
        plan: t
        prefix: 2001:db8::/32
        children:
          - {name: link, role: p2p, ends: [[cr1, bng-north], [cr1, bng-south], [cr1, bgn-west]]}
          - name: region
            names: [north, south]
            router: "bng-{name}"
            children: [{name: l, role: lan}]
    """
    found = [f for f in lint(plan_of(text).plan) if f.rule == "p2p-end-unknown"]
    assert [f.path for f in found] == ["link-3"]  # the typo, and only it
    assert "'bgn-west'" in found[0].message


# -- FRR booted in network namespaces ---------------------------------------------------------------
DAEMONS = ("zebra", "staticd", "ospf6d", "bgpd")


class Router:
    """One FRR instance in a namespace of its own, pathspace named after the namespace."""

    def __init__(self, name: str, netns: str) -> None:
        self.name, self.netns = name, netns
        self.run_dir = Path("/var/run/frr") / netns

    def ip(self, *args: str) -> None:
        subprocess.run([tool("ip"), "-n", self.netns, *args], check=True, timeout=30)

    def start(self, config: Path) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        shutil_chown(self.run_dir)
        for daemon in DAEMONS:
            subprocess.run(
                [tool("ip"), "netns", "exec", self.netns, f"/usr/lib/frr/{daemon}", "-d",
                 "-N", self.netns, "-f", "/dev/null", "--log", f"file:{self.run_dir}/{daemon}.log"],
                check=True, timeout=30,
            )  # fmt: skip
        self.vtysh("-f", str(config))

    def vtysh(self, *args: str) -> str:
        done = subprocess.run(
            [tool("ip"), "netns", "exec", self.netns, tool("vtysh"), "-N", self.netns, *args],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def routes(self) -> dict[str, list[dict[str, Any]]]:
        data: dict[str, list[dict[str, Any]]] = json.loads(self.vtysh("-c", "show ipv6 route json"))
        return data

    def stop(self, logs: Path) -> None:
        """Stop the daemons by their pid files and keep their logs beside the test's files."""
        for daemon in DAEMONS:
            pid_file = self.run_dir / f"{daemon}.pid"
            try:
                os.kill(int(pid_file.read_text().split()[0]), 15)
            except (OSError, ValueError):
                continue
        for _ in range(50):
            if not list(self.run_dir.glob("*.pid")) or not any(
                _alive(p) for p in self.run_dir.glob("*.pid")
            ):
                break
            time.sleep(0.1)
        for pid_file in self.run_dir.glob("*.pid"):
            if _alive(pid_file):
                os.kill(int(pid_file.read_text().split()[0]), 9)
        for log in self.run_dir.glob("*.log"):
            (logs / f"{self.name}-{log.name}").write_bytes(log.read_bytes())
        subprocess.run(["rm", "-rf", str(self.run_dir)], check=False)


def _alive(pid_file: Path) -> bool:
    try:
        os.kill(int(pid_file.read_text().split()[0]), 0)
    except (OSError, ValueError):
        return False
    return True


def shutil_chown(path: Path) -> None:
    import shutil

    shutil.chown(path, "frr", "frr")  # the daemons drop to user frr


@pytest.fixture
def two_routers(tmp_path: Path) -> Iterator[tuple[Router, Router]]:
    need(os.geteuid() == 0, "network namespaces and FRR daemons need root")
    tool("vtysh")  # the frr package
    for daemon in DAEMONS:
        need(Path(f"/usr/lib/frr/{daemon}").is_file(), f"FRR's {daemon} (Debian package frr)")
    tag = secrets.token_hex(3)
    # ospf6d keeps these outside its pathspace, on stopping: ours go if they were not there
    state = [Path("/var/run/frr") / f for f in ("ospf6d-at-seq-no.dat", "ospf6d-gr.json")]
    ours = [path for path in state if not path.exists()]
    routers = (Router("cr1", f"v6pfrr-{tag}-cr"), Router("bng-south", f"v6pfrr-{tag}-bng"))
    made: list[Router] = []
    try:
        for router in routers:
            subprocess.run([tool("ip"), "netns", "add", router.netns], check=True, timeout=30)
            made.append(router)
            router.ip("link", "set", "lo", "up")
        yield routers
    finally:
        for router in made:
            router.stop(tmp_path)
            subprocess.run([tool("ip"), "netns", "del", router.netns], check=False, timeout=30)
        for path in ours:
            path.unlink(missing_ok=True)


def _wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(1)


@pytest.mark.parametrize("ranges", ["no", "yes"])
def test_frr_routes_the_summaries_and_pools_it_was_given(
    tmp_path: Path, two_routers: tuple[Router, Router], ranges: str
) -> None:
    """ranges=no: the region is an external route from its discard, the LANs intra-area;
    ranges=yes: the BNG's LANs are an area of their own, summarised by the area range."""
    cr, bng = two_routers
    plan = plan_of(LAB).plan
    written = configs(plan, tmp_path, asn="64496", border="cr1", ranges=ranges)
    assert (f" area 0.0.0.2 range {prefix_of(plan, 'south')}\n" in written["bng-south"]) == (
        ranges == "yes"
    )
    # the link, as a veth pair named as the configs name it, and the BNG's LAN interfaces
    subprocess.run(
        [tool("ip"), "link", "add", "to-bng-south", "netns", cr.netns, "type", "veth",
         "peer", "name", "to-cr1", "netns", bng.netns],
        check=True, timeout=30,
    )  # fmt: skip
    for vlan in ("vlan100", "vlan101"):  # a veth pair each: no dummy module in every kernel
        bng.ip("link", "add", vlan, "type", "veth", "peer", "name", f"{vlan}-host")
        for end in (vlan, f"{vlan}-host"):
            bng.ip("link", "set", end, "up")
    cr.ip("link", "set", "to-bng-south", "up")
    bng.ip("link", "set", "to-cr1", "up")
    cr.start(tmp_path / "frr-cr1.conf")
    bng.start(tmp_path / "frr-bng-south.conf")

    region = prefix_of(plan, "south")
    customers = [
        ipaddress.IPv6Network(plan.prefix_text(c))
        for c in plan.children(plan.find_path("south"))
        if plan.role(c) == "customer"
    ]
    pools = [p for p in routes(written["bng-south"]) if p != region]
    assert pools and all(
        any(c.subnet_of(ipaddress.IPv6Network(p)) for p in pools) for c in customers
    )

    def selected(table: dict[str, list[dict[str, Any]]], prefix: str) -> dict[str, Any]:
        return next((r for r in table.get(prefix, []) if r.get("selected")), {})

    # the BNG: a discard for its region and for each pool, installed
    table = bng.routes()
    for prefix in [region, *pools]:
        route = selected(table, prefix)
        assert route.get("protocol") == "static" and route.get("installed"), (prefix, route)
        assert all(hop.get("blackhole") for hop in route["nexthops"])
    # the core learns the region by OSPFv3 from the BNG, and only the region: not the pools
    learned = _wait_for(lambda: selected(cr.routes(), region).get("protocol") == "ospf6", 90)
    table = cr.routes()
    assert learned, json.dumps(table)[:3000]
    hops = selected(table, region)["nexthops"]
    assert [h.get("interfaceName") for h in hops] == ["to-bng-south"]
    assert not [p for p in pools if p in table]
    lan = selected(table, prefix_of(plan, "south/lan-1"))
    assert lan.get("protocol") == ("ospf6" if ranges == "no" else None)  # summarised away
    # the border router holds the plan's root for BGP, anchored by its discard
    assert selected(table, "2001:db8::/32").get("protocol") == "static"
    bgp = json.loads(cr.vtysh("-c", "show bgp ipv6 unicast json"))
    assert "2001:db8::/32" in bgp["routes"], bgp


def test_the_docs_show_what_the_export_writes() -> None:
    """The bng1 sample in docs/exports.md is the export's own output, in order."""
    docs = (EXAMPLES.parent / "docs" / "exports.md").read_text()
    sample = docs.split("-f frr --router bng1`:\n\n```\n", 1)[1].split("```", 1)[0]
    written = export(example("isp-core"), "frr", router="bng1").splitlines()
    lines = iter(written)
    assert all(line in lines for line in sample.splitlines()), sample  # a subsequence
