"""The exports read by the real programs: named-checkzone and named-checkconf (bind9-utils),
radvd --configtest (radvd), vtysh --dryrun (frr; Kea: test_export_kea.py), and the
HTML report rendered headless by Chromium (chromium). Locally a missing tool skips the
test; in CI (CI=true) it fails (conftest.need).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
from _support import plan_of
from _support.exports import EXAMPLES, example, export, export_dir
from _support.tools import frr_ok, radvd_ok, render, run, tool


# -- BIND ----------------------------------------------------------------------------------------
def zone_records(path: Path) -> list[tuple[str, str, str]]:
    """(absolute owner, type, data) of every record after the SOA, from our simple layout."""
    origin = ""
    out = []
    for line in path.read_text().splitlines():
        if line.startswith("$ORIGIN"):
            origin = line.split()[1]
        elif line and not line.startswith((";", "$", "\t\t")) and "\tIN\t" in line:
            owner, _, rtype, data = line.split("\t")[:4]
            name = origin if owner in ("", "@") else f"{owner}.{origin}"
            out.append((name, rtype, data))
    return out


def check_zones(directory: Path) -> list[Path]:
    checkzone = tool("named-checkzone")
    zones = sorted(directory.glob("db.*"))
    assert zones
    for path in zones:
        done = run(checkzone, "-k", "fail", "-n", "fail", path.name[3:], str(path))
        assert done.returncode == 0, done.stdout + done.stderr
    checkconf = tool("named-checkconf")
    (directory / "named.conf").write_text(
        f'options {{ directory "{directory}"; }};\ninclude "{directory}/named.conf.zones";\n'
    )
    done = run(checkconf, "-z", str(directory / "named.conf"))
    assert done.returncode == 0, done.stdout + done.stderr
    return zones


def test_bind_zone_of_the_campus(tmp_path: Path) -> None:
    plan = example("campus")
    export_dir(plan, "bind", tmp_path, domain="campus.example", serial="2026010101")
    (zone,) = check_zones(tmp_path)
    # the zone of a /48: the last 12 nibbles of the address's reverse name
    labels = ipaddress.IPv6Address("2001:db8:cafe::").reverse_pointer.split(".")
    assert zone.name == "db." + ".".join(labels[32 - 12 :])
    ptr = {owner: data for owner, rtype, data in zone_records(zone) if rtype == "PTR"}
    expected = {}
    for i in range(len(plan)):
        if plan.role(i) == "host":
            expected[ipaddress.IPv6Address(plan.net[i]).reverse_pointer + "."] = (
                f"{plan.name[i]}.campus.example."
            )
        if plan.role(i) == "p2p":
            for side in (2, 3):
                expected[ipaddress.IPv6Address(plan.net[i] + side).reverse_pointer + "."] = ""
    assert set(ptr) == set(expected)  # differential against ipaddress.reverse_pointer
    for owner, target in expected.items():
        if target:
            assert ptr[owner] == target
    link = ipaddress.IPv6Address("2001:db8:cafe:1::2").reverse_pointer + "."
    assert ptr[link] == "to-core2.core1.campus.example."


def test_bind_non_nibble_allocation_gets_every_zone(tmp_path: Path) -> None:
    export_dir(example("operator-29"), "bind", tmp_path, ns="a.ns.example,b.ns.example")
    zones = check_zones(tmp_path)
    # a /29 is 8 zones at /32: 3fff:8::/32 … 3fff:f::/32
    want = {
        "db." + ".".join(reversed(f"{n:08x}")) + ".ip6.arpa" for n in range(0x3FFF0008, 0x3FFF0010)
    }
    assert {z.name for z in zones} == want
    for zone in zones:
        ns = [d for _, t, d in zone_records(zone) if t == "NS"]
        assert ns == ["a.ns.example.", "b.ns.example."]


def test_bind_non_nibble_node_and_delegations(tmp_path: Path) -> None:
    plan = plan_of(
        """
        prefix: 2001:db8::/48
        children:
          - name: odd
            size: /50
            nibble: false
            children:
              - {name: loopbacks, role: loopback, names: [a, b]}
              - {name: lan, role: lan, count: 3}
        """
    ).plan
    export_dir(plan, "bind", tmp_path / "odd", node="odd", gateways="yes")
    zones = check_zones(tmp_path / "odd")
    assert len(zones) == 4  # a /50 is 4 zones at /52
    export_dir(
        example("isp-core"),
        "bind",
        tmp_path / "isp",
        delegate="1",
        **{"delegate-ns": "ns1.{name}.example.net,ns2.{name}.example.net"},
    )
    zones = check_zones(tmp_path / "isp")
    top = tmp_path / "isp" / "db.8.b.d.0.1.0.0.2.ip6.arpa"
    records = zone_records(top)
    delegated = {o for o, t, d in records if t == "NS" and o != "8.b.d.0.1.0.0.2.ip6.arpa."}
    # core, north, south (/48 → one zone each), residential and business (/40 → one each)
    assert len(delegated) == 5 and len(zones) == 6
    assert not [r for r in records if r[1] == "PTR"]  # every PTR moved to a child zone
    core = tmp_path / "isp" / "db.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
    core_records = zone_records(core)
    assert ("0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "NS", "ns1.core.example.net.") in core_records
    assert sum(t == "PTR" for _, t, _ in core_records) == 5 + 2 * 7  # loopbacks, link ends


def test_radvd_per_router(tmp_path: Path) -> None:
    plan = example("isp-core")
    export_dir(
        plan,
        "radvd",
        tmp_path,
        rdnss="2001:db8::53,2001:db8::54",
        dnssl="isp.example",
        managed="yes",
    )
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["radvd-cr1.conf", "radvd-pe1.conf", "radvd-pe2.conf"]
    for path in files:
        radvd_ok(path)
    pe1 = (tmp_path / "radvd-pe1.conf").read_text()
    prefixes = re.findall(r"prefix (\S+)", pe1)
    north = plan.find_path("north")
    assert prefixes == [plan.prefix_text(c) for c in plan.children(north)]
    assert re.findall(r"^interface (\S+)", pe1, re.M) == [
        "bond0.100", "bond0.101", "bond0.102", "bond0.103", "vlan200",
    ]  # fmt: skip
    assert "RDNSS 2001:db8::53 2001:db8::54" in pe1 and "AdvManagedFlag on;" in pe1


def test_radvd_lans_without_a_router(tmp_path: Path) -> None:
    plan = example("campus")
    export_dir(plan, "radvd", tmp_path, node="library")
    (path,) = tmp_path.iterdir()
    radvd_ok(path)
    text = path.read_text()
    names = re.findall(r"^interface (\S+)", text, re.M)
    assert len(names) == len(set(names)) == 18  # 6 floors × 3 LANs; repeated VLANs renamed
    assert names[:4] == ["vlan100", "vlan200", "vlan300", "vlan100-2"]


def interface_addresses(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line.startswith("interface "):
            current = line.split()[1]
        elif line.startswith(" ipv6 address "):
            out.setdefault(current, []).append(line.split()[2])
    return out


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("campus", {}),
        ("isp-core", {"routing": "both", "ra": "yes", "area": "0.0.0.1"}),
        ("isp-core", {"routing": "static"}),
    ],
)
def test_frr_configs_pass_the_dry_run(tmp_path: Path, name: str, settings: dict[str, str]) -> None:
    plan = example(name)
    export_dir(plan, "frr", tmp_path, **settings)
    configs = {p.name[4:-5]: p.read_text() for p in sorted(tmp_path.glob("frr-*.conf"))}
    for path in tmp_path.glob("frr-*.conf"):
        frr_ok(path)
    addresses = {r: interface_addresses(t) for r, t in configs.items()}
    # both ends of every link: ::2 and ::3 of the same /127, on the two routers named in `ends`
    for i in range(len(plan)):
        node = plan.node(i)
        if node.role == "p2p" and node.ends:
            a, b = node.ends
            ends = {
                ipaddress.IPv6Interface(x)
                for x in addresses[a][f"to-{b}"] + addresses[b][f"to-{a}"]
            }
            assert {str(e.network) for e in ends} == {str(node.p2p)}
            assert len(ends) == 2
    for router in configs:
        loopback = addresses[router].get("lo", [])
        assert all(x.endswith("/128") for x in loopback)
    if settings.get("routing") == "static":
        # pe1's site as one summary via pe1, not each of its /64s
        assert "ipv6 route 2001:db8:1::/48 2001:db8:0:2::3" in configs["cr1"]
        assert "ipv6 route 2001:db8:1::/64 " not in configs["cr1"]


# -- the HTML report in Chromium --------------------------------------------------------------------
#: Headless, no sandbox (root), and nothing that reaches for the network on its own.


@pytest.mark.parametrize("name", ["campus", "government"])
def test_html_report_renders_without_console_errors(tmp_path: Path, name: str) -> None:
    html = tmp_path / f"{name}.html"
    html.write_text(export(example(name), "html"))
    png = tmp_path / f"{name}.png"
    log = render(html, png)
    console = [line for line in log.splitlines() if ":CONSOLE" in line]
    assert not console, console  # no script errors, no blocked (outside) loads
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 2400)
    assert len(data) > 60_000  # a drawn page (tables, bars, maps), not a blank one


def test_examples_have_locks() -> None:
    """The router demo example is committed with its lock, like the others."""
    assert (EXAMPLES / "isp-core.lock.json").exists()
