"""Exports checked against the rules of the tools that read them (NetBox, phpIPAM, RPSL),
the reports, the command line, and streaming (bounded memory, progress).

NetBox cannot be installed here, so its files are validated against the per-version column
sets and value rules written down independently below (from planning-rules.md and NetBox's
import forms), the import order, and that every object a row names is itself imported
first. The Debian tools (named-checkzone, radvd, kea-dhcp6, FRR, Chromium) are run in
test_export_tools.py.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
import yaml
from _support import plan_of
from _support.exports import (  # noqa: F401
    BOOL,
    DNS_NAME,
    EXAMPLES,
    IMPORT_ORDER,
    IP_ROLES,
    IP_STATUS,
    NETBOX_ACCEPTS,
    NETBOX_PREFIX_COLUMNS,
    PREFIX_STATUS,
    ROOT,
    SITE_STATUS,
    SLUG,
    V40,
    V42,
    example,
    export,
    export_dir,
    read_table,
    validate_netbox,
)

from v6plan import InputError, Plan
from v6plan.export import FORMATS, NETBOX_VERSIONS, ExportOptions, write

RICH_SPEC = """
plan: Test "Net", with commas
prefix: 2001:db8::/32
children:
  - name: core
    role: infrastructure
    tags: [core, Backbone Links]
    size: /48
    children:
      - {name: loopbacks, role: loopback, names: [r1, r2]}
      - {name: link, role: p2p, ends: [[r1, r2]]}
      - {name: noc, role: lan, vlan: 10, router: r1, description: 'ops, "NOC"'}
  - name: region
    count: 2
    children:
      - name: site
        count: 3
        role: site
        tags: [site]
        children:
          - {name: users, role: lan, vlan: 100, count: 2}
          - {name: voice, role: lan, vlan: 200}
  - name: customers
    children:
      - {name: c, role: customer, count: 20, size: /56}
  - {name: spare, role: reserve, size: /36}
"""


@pytest.fixture(scope="module")
def rich() -> Plan:
    return plan_of(RICH_SPEC).plan


@pytest.mark.parametrize("version", NETBOX_VERSIONS)
@pytest.mark.parametrize("fmt", ["netbox-csv", "netbox-yaml"])
def test_netbox_files_import_cleanly(rich: Plan, tmp_path: Path, fmt: str, version: str) -> None:
    settings = {"netbox-version": version, "tenant-depth": "1", "vrf": "Gov VRF"}
    settings["domain"] = "example.net"
    export_dir(rich, fmt, tmp_path, **settings)
    tables = validate_netbox(tmp_path, version)
    assert {r["name"] for r in tables["tenants"]} == {
        "core",
        "region-1",
        "region-2",
        "customers",
        "spare",
    }
    assert len(tables["sites"]) == 6 and "region-2/site-3" in {r["name"] for r in tables["sites"]}
    assert {r["slug"] for r in tables["tags"]} == {"core", "backbone-links", "site"}
    assert tables["rirs"][0]["name"] == "RFC 3849"
    # differential: one prefix row per non-host node, plus the configured /127 of each link
    hosts = sum(rich.role(i) == "host" for i in range(len(rich)))
    links = sum(rich.role(i) == "p2p" for i in range(len(rich)))
    assert len(tables["prefixes"]) == len(rich) - hosts + links
    by_prefix = {r["prefix"]: r for r in tables["prefixes"]}
    link = by_prefix["2001:db8:0:1::2/127"]
    assert link["is_pool"] == "true" and link["role"] == "p2p" and "r1 – r2" in link["description"]
    assert by_prefix["2001:db8:0:1::/64"]["mark_utilized"] == "true"
    site_lan = next(r for r in tables["prefixes"] if r["description"] == "region-1/site-2/voice")
    assert site_lan["vlan"] == "200" and site_lan["tenant"] == "region-1"
    if version in ("4.0", "4.1"):
        assert site_lan["site"] == "region-1/site-2"
    elif version == "4.5.5":
        assert site_lan["scope_name"] == "region-1/site-2"
    else:
        assert site_lan["comments"] == "site: region-1/site-2"
    addresses = {r["address"]: r for r in tables["ip-addresses"]}
    assert addresses["2001:db8::1/128"]["dns_name"] == "r1.example.net"
    assert addresses["2001:db8:0:1::3/127"]["dns_name"] == "to-r1.r2.example.net"


def test_netbox_csv_and_yaml_carry_the_same_rows(rich: Plan, tmp_path: Path) -> None:
    export_dir(rich, "netbox-csv", tmp_path / "c", tenant='Ministry, of "Tests"')
    export_dir(rich, "netbox-yaml", tmp_path / "y", tenant='Ministry, of "Tests"')
    for path in sorted((tmp_path / "c").glob("*.csv")):
        _, csv_rows = read_table(path)
        _, yaml_rows = read_table(tmp_path / "y" / path.with_suffix(".yaml").name)
        assert [{k: v for k, v in r.items() if v} for r in csv_rows] == yaml_rows, path.name
    _, tenants = read_table(next((tmp_path / "c").glob("*-tenants.csv")))
    assert tenants[0]["name"] == 'Ministry, of "Tests"'


def test_netbox_stream_is_the_prefix_file(rich: Plan, tmp_path: Path) -> None:
    export_dir(rich, "netbox-csv", tmp_path)
    assert export(rich, "netbox-csv") == next(tmp_path.glob("*-prefixes.csv")).read_text()
    assert export(rich, "netbox-csv", vlans="no").count("vlan") == 3  # the header only


def test_netbox_refuses_a_vlan_twice_in_one_group() -> None:
    plan = plan_of(
        """
        prefix: 2001:db8::/48
        children:
          - {name: a, role: lan, vlan: 7}
          - {name: b, role: lan, vlan: 7}
        """
    ).plan
    with pytest.raises(InputError, match=r"VLAN 7 .* --set vlans=no"):
        export(plan, "netbox-csv")
    assert "2001:db8::/64" in export(plan, "netbox-csv", vlans="no")


def test_netbox_node_export_keeps_its_site_and_tenant(rich: Plan, tmp_path: Path) -> None:
    export_dir(rich, "netbox-csv", tmp_path, node="region-2/site-1", **{"tenant-depth": "1"})
    tables = validate_netbox(tmp_path, "4.5.5")
    assert {r["prefix"] for r in tables["prefixes"]} == {
        rich.prefix_text(i) for i in range(rich.find_path("region-2/site-1"), len(rich))
        if rich.path(i).startswith("region-2/site-1")
    }  # fmt: skip
    assert {r.get("tenant") for r in tables["prefixes"]} == {"region-2"}
    assert {r.get("scope_name") for r in tables["prefixes"]} == {"region-2/site-1"}


# -- phpIPAM -----------------------------------------------------------------------------------
def test_phpipam_rows(rich: Plan) -> None:
    text = export(rich, "phpipam-csv", section="Gov", vrf="Default", customers="yes")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == "section,subnet,mask,description,vlan,domain,vrf,customer"
    hosts = sum(rich.role(i) == "host" for i in range(len(rich)))
    assert len(rows) == len(rich) - hosts
    seen = set()
    for row in rows:
        network = ipaddress.IPv6Network(f"{row['subnet']}/{row['mask']}")
        assert str(network.network_address) == row["subnet"]
        assert any(network.subnet_of(p) for p in seen) or not seen  # master first
        seen.add(network)
        assert row["section"] == "Gov" and row["vrf"] == "Default"
        assert bool(row["vlan"]) == bool(row["domain"])
    noc = next(r for r in rows if r["description"].startswith("core/noc"))
    assert noc["description"] == 'core/noc — ops, "NOC"' and noc["vlan"] == "10"
    assert {r["customer"] for r in rows if r["customer"]} == {f"c-{n}" for n in range(1, 21)}


# -- RPSL --------------------------------------------------------------------------------------
RPSL_KEYS = [
    "inet6num",
    "netname",
    "descr",
    "country",
    "admin-c",
    "tech-c",
    "status",
    "mnt-by",
    "source",
]


def rpsl_objects(text: str) -> list[dict[str, str]]:
    objects = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#")]
        if lines:
            obj = {}
            for line in lines:
                key, _, value = line.partition(":")
                assert re.match(r"^[a-z][a-z0-9-]*$", key), line
                obj[key] = value.strip()
            objects.append(obj)
    return objects


def test_rpsl_status_per_level() -> None:
    plan = example("operator-29")
    text = export(plan, "rpsl")
    assert "# inet6num:       3fff:8::/29" in text and "ALLOCATED-BY-RIR" in text
    objects = rpsl_objects(text)
    statuses = {o["status"] for o in objects}
    # issue 14: the internal regions are no sub-allocations to another LIR (no ALLOCATED-BY-LIR)
    assert statuses == {"AGGREGATED-BY-LIR", "ASSIGNED"}
    for obj in objects:
        assert [k for k in RPSL_KEYS if k in obj] == RPSL_KEYS, obj
        assert re.match(r"^[A-Z][A-Z0-9_-]*$", obj["netname"]) and len(obj["netname"]) <= 80
        network = ipaddress.IPv6Network(obj["inet6num"])
        i = plan.find_path(obj["descr"].split(":")[0])
        assert plan.prefix_text(i) == str(network)
        if obj["status"] == "AGGREGATED-BY-LIR":
            kids = list(plan.children(i))
            assert {plan.role(c) for c in kids} == {"customer"}
            assert obj["assignment-size"] == str(plan.plen[kids[0]])
    aggregated = [o for o in objects if o["status"] == "AGGREGATED-BY-LIR"]
    assert len(aggregated) == 12  # 6 business + 6 residential regions; no object per customer
    assert sum(o["status"] == "ASSIGNED" for o in objects) == 60  # the PoPs
    # every placeholder is marked and listed
    assert "<ADMIN-C>" in text and "PLACEHOLDERS" in text


def test_rpsl_with_every_handle_has_no_placeholder() -> None:
    text = export(
        example("operator-29"),
        "rpsl",
        **{"admin-c": "AA1-RIPE", "tech-c": "TT1-RIPE", "mnt-by": "EX-MNT", "org": "ORG-EX1-RIPE"},
        country="ke",
        source="afrinic",
    )
    assert "<" not in text and "PLACEHOLDERS" not in text
    assert "# mnt-by:         AFRINIC-HM-MNT" in text  # the reference object, as the RIR made it
    assert "country:        KE" in text and "source:         AFRINIC" in text


# -- reports -----------------------------------------------------------------------------------
def test_markdown_report_sections(rich: Plan) -> None:
    text = export(rich, "markdown")
    for heading in (
        "## Summary", "## Capacity and headroom per level", "## Levels", "## Nibble maps",
        "## Lint findings", "## Plan",
    ):  # fmt: skip
        assert heading in text
    # the customer run of 20 folds to 3 + summary + last
    assert "… 16 more: c-4 … c-19" in text and "| `2001:db8:1:1300::/56` |" in text
    full = export(rich, "markdown", fold="0")
    assert all(f";c-{n} |" in full for n in range(1, 21))
    shallow = export(rich, "markdown", depth="1")
    assert "c-1" not in shallow and "customers" in shallow


def test_nibble_map_matches_the_children(rich: Plan) -> None:
    from v6plan.export._summary import nibble_map

    m = nibble_map(rich, 0)  # /32 in /40 cells
    assert m.cell_length == 40 and len(m.cells) == 256
    states = {n: c.state for n, c in enumerate(m.cells)}
    assert states[0] == "partial"  # core /48 is part of cell 0
    spare = rich.find_path("spare")
    first = (rich.net[spare] - rich.net[0]) >> (128 - 40)
    assert all(states[first + k] == "reserved" for k in range(16))  # a /36 is 16 /40 cells
    taken = sum(1 for s in states.values() if s != "free")
    assert taken == 1 + 16  # core, the /44 regions and the customers share cell 0; spare


def test_html_report_is_self_contained(rich: Plan) -> None:
    text = export(rich, "html")
    assert text.startswith("<!doctype html>") and text.rstrip().endswith("</html>")
    assert "Content-Security-Policy" in text and "<script" not in text
    assert not re.search(r"(src|href)=\"?(https?:)?//", text)
    assert "Test &quot;Net&quot;, with commas" in text
    assert text.count('class="grid"') >= 2 and "c-reserved" in text


# -- streaming ---------------------------------------------------------------------------------
STREAM_SPEC = """
prefix: 2001:db8::/32
children:
  - name: core
    size: /48
    children:
      - {name: loopbacks, role: loopback, names: [r1, r2]}
      - {name: link, role: p2p, ends: [[r1, r2]]}
  - name: region
    count: 4
    size: /36
    router: r1
    children:
      - name: site
        role: site
        count: 64
        size: /44
        children:
          - {name: lan, role: lan, count: LANS, vlan: 100, interface: "eth{n}"}
  - name: access
    size: /36
    children:
      - name: pop
        count: 128
        size: /44
        children:
          - {name: c, role: customer, count: CUSTOMERS, size: /56}
"""


def stream_plan(scale: int) -> Plan:
    """Sites, groups and routers stay; only the leaves per parent grow with ``scale``."""
    text = STREAM_SPEC.replace("LANS", str(32 * scale)).replace("CUSTOMERS", str(64 * scale))
    return plan_of(text).plan


@pytest.fixture(scope="module")
def big() -> Plan:
    return stream_plan(4)


@pytest.fixture(scope="module")
def small() -> Plan:
    return stream_plan(1)


class _Sink(io.TextIOBase):
    """Counts what is written and keeps nothing (so only the writer's memory is measured)."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, text: str) -> int:
        self.size += len(text)
        return len(text)


def _peak(plan: Plan, fmt: str, settings: dict[str, str]) -> tuple[int, int]:
    sink = _Sink()
    tracemalloc.start()
    try:
        write(plan, fmt, sink, ExportOptions(settings=settings))  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, sink.size


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f not in ("csv", "json", "yaml")])
def test_writers_stream_in_bounded_memory(small: Plan, big: Plan, fmt: str) -> None:
    """Four times the plan, four times the output — but not four times the memory."""
    settings = {"fold": "0"} if fmt in ("markdown", "html") else {}
    if fmt == "bind":
        settings["gateways"] = "yes"
    small_peak, small_size = _peak(small, fmt, settings)
    big_peak, big_size = _peak(big, fmt, settings)
    assert len(big) > 3.5 * len(small) and len(big) > 60_000
    # (RPSL registers the customer pools, not the customers: its output does not grow)
    assert big_size > 3.5 * small_size or (fmt == "rpsl" and big_size >= small_size)
    # fixed-size batches: the peak may grow by their fill, not with the plan
    assert big_peak < 1.5 * small_peak + 2_000_000, (
        f"{fmt}: {small_peak:,} bytes held for {small_size:,} written, "
        f"{big_peak:,} for {big_size:,}"
    )


def test_progress_reaches_the_end(big: Plan) -> None:
    from v6plan._progress import Progress

    for fmt in ("netbox-csv", "kea-dhcp6", "bind", "html", "rpsl", "frr"):
        stream = io.StringIO()
        progress = Progress(fmt, len(big) - 1, stream, enabled=True)
        with progress:
            write(big, fmt, _Sink(), ExportOptions(progress=progress))  # type: ignore[arg-type]
        text = stream.getvalue()
        assert "100 %" in text, fmt
        assert text.count("\r") >= 2, fmt  # drawn more than once on the way


# -- the command line --------------------------------------------------------------------------
def v6plan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "v6plan", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_export_help_lists_every_format_with_an_example_and_its_settings() -> None:
    done = v6plan("export", "--help")
    assert done.returncode == 0
    for name, fmt in FORMATS.items():
        assert f"\n  {name} " in done.stdout
        for setting in fmt.settings:
            assert f"      {setting.key} " in done.stdout
    for name in (
        "netbox-csv",
        "netbox-yaml",
        "phpipam-csv",
        "rpsl",
        "bind",
        "radvd",
        "kea-dhcp6",
        "frr",
        "html",
    ):
        assert re.search(rf"v6plan export \S+ -f {name} ", done.stdout), name
    assert "--netbox-version" in done.stdout and "--dir DIR" in done.stdout


def test_export_cli_errors_are_clear_and_write_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out"
    done = v6plan("export", "examples/campus.yaml", "-f", "csv", "--dir", str(target))
    assert done.returncode == 2 and "writes one file" in done.stderr and not target.exists()
    done = v6plan("export", "examples/campus.yaml", "-f", "bind", "--set", "domian=x")
    assert done.returncode == 2 and "did you mean 'domain'" in done.stderr
    done = v6plan(
        "export", "examples/isp-core.yaml", "-f", "frr", "--router", "pe9", "--dir", str(target)
    )
    assert done.returncode == 2 and "no router 'pe9'" in done.stderr
    assert not target.exists() or not any(target.iterdir())
    assert "Traceback" not in done.stderr


def test_export_cli_dir_and_progress(tmp_path: Path) -> None:
    done = v6plan(
        "export", "examples/isp-core.yaml", "-f", "netbox-csv", "--netbox-version", "4.2",
        "--dir", str(tmp_path), "--progress",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "exporting netbox-csv" in done.stderr and "100 %" in done.stderr
    assert "wrote" in done.stdout
    validate_netbox(tmp_path, "4.2")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_government_exports_stream(tmp_path: Path) -> None:
    """The 965k-node example through the CLI: the report and a full phpIPAM file."""
    out = tmp_path / "gov.html"
    done = v6plan("export", "examples/government.yaml", "-f", "html", "-o", str(out))
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert "965,882" in page and "health/site-1" in page  # node count; tightest parent
    done = v6plan(
        "export", "examples/government.yaml", "-f", "phpipam-csv", "-o", str(tmp_path / "p.csv")
    )
    assert done.returncode == 0, done.stderr
    with (tmp_path / "p.csv").open() as f:
        rows = sum(1 for _ in f) - 1  # the header
    assert rows == 1 + 965_882 - 64  # the root and every node but the 64 loopback /128s


def test_written_formats_roundtrip_enough_for_import(rich: Plan) -> None:
    """The plain exports still read back (guards the shared helpers the new formats use)."""
    data = yaml.load(export(rich, "yaml"), Loader=yaml.CSafeLoader)
    assert len(data["nodes"]) == len(rich) - 1


# -- the `interface:` spec key -------------------------------------------------------------------
def test_interface_key_is_for_lans_and_links() -> None:
    from v6plan import SpecError

    with pytest.raises(SpecError, match=r"test.yaml:3:29: 'interface' names the router interface"):
        plan_of(
            """
            prefix: 2001:db8::/48
            children:
              - {name: site, interface: eth0, children: [{name: lan, role: lan}]}
            """
        )
    plan = plan_of(
        """
        prefix: 2001:db8::/48
        children:
          - {name: lan, role: lan, router: r1, interface: "eth{slot}"}
        """
    ).plan
    with pytest.raises(InputError, match=r"test.yaml:3:\d+: interface template 'eth\{slot\}'"):
        export(plan, "radvd")
    plan = plan_of(
        """
        prefix: 2001:db8::/48
        children:
          - {name: lan, role: lan, router: r1, count: 2, vlan: 7, interface: "br{index}.{vlan}"}
        """
    ).plan
    assert re.findall(r"^interface (\S+)", export(plan, "radvd"), re.M) == ["br1.7", "br2.8"]
