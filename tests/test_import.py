"""Reading existing plans: NetBox, phpIPAM, our CSV and JSON; IPv4 rows, VRFs, several roots."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from v6plan import build, load_spec
from v6plan._errors import InputError, PlanError, SpecError
from v6plan._import import read_plan_file
from v6plan._lint import lint
from v6plan._lock import Lock, lock_path_for
from v6plan._plan import Plan
from v6plan._query import free_blocks, free_of_length, next_free, usage
from v6plan.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

#: A NetBox "export all" of prefixes: IPv4 rows, two VRFs, the global table, a /64 in both VRFs.
NETBOX = """\
Prefix,Status,VRF,Tenant,Role,Description
10.0.0.0/8,Container,,,,corporate IPv4
192.0.2.0/24,Active,blue,,,blue IPv4
198.51.100.0/24,Active,red,,,red IPv4
2001:db8::/48,Container,,,,HQ
2001:db8::/64,Active,,,LAN,Users LAN
2001:db8:0:1::/64,Active,,,LAN,Voice
2001:db8:1::/48,Container,blue,,,Blue site
2001:db8:1::/64,Active,blue,,LAN,blue users
2001:db8:1::/64,Active,red,,LAN,red users
3fff::/20,Container,red,,,Red aggregate
3fff:0:1::/48,Active,red,,,
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def blocks(plan: Plan) -> list[tuple[str, str, str]]:
    """``(vrf, prefix, name)`` of every node that holds a block, the root included."""
    out = []
    for i in range(len(plan)):
        if not plan.is_group(i):
            out.append((plan.vrf(i), plan.prefix_text(i), plan.label(i)))
    return out


def errors(plan: Plan) -> list[str]:
    return [str(f) for f in lint(plan) if f.severity == "error"]


# -- the defects of issue 9 ---------------------------------------------------------------------
def test_ipv4_rows_are_skipped_with_one_note_on_stderr(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "netbox.csv", NETBOX)
    plan = read_plan_file(path)
    assert plan.notes == ["skipped 3 IPv4 rows (v6plan plans IPv6 only)"]
    assert not any("." in prefix for _, prefix, _ in blocks(plan))
    code, out, err = run(capsys, "check", str(path))
    assert code == 0 and "0 errors" in out
    assert err.count("skipped 3 IPv4 rows") == 1 and "IPv4" not in out
    code, out, err = run(capsys, "check", str(path), "--json")
    assert json.loads(out)["notes"] == plan.notes  # stdout stays JSON


def test_only_ipv4_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "v4.csv", "prefix\n10.0.0.0/8\n192.0.2.0/24\n")
    with pytest.raises(SpecError, match=r"no IPv6 prefixes \(it skipped 2 IPv4 rows\)"):
        read_plan_file(path)


def test_several_top_level_prefixes_are_the_roots_no_made_up_cover(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(
        tmp_path,
        "mixed.csv",
        "prefix,name\n2001:db8::/48,hq\n2001:db8::/64,lan\n3fff:100::/32,isp\n"
        "3fff:100:1::/48,site\nfd12:3456:789a::/48,lab\n",
    )
    plan = read_plan_file(path)
    assert plan.grouped and plan.prefix_text(0) == ""
    assert [plan.prefix_text(b) for b in plan.top_blocks()] == [
        "2001:db8::/48",
        "3fff:100::/32",
        "fd12:3456:789a::/48",
    ]
    findings = lint(plan)
    assert not [f for f in findings if f.severity == "error"]  # 13 false errors before
    assert {f.rule for f in findings} == {"documentation-space", "ula-space"}
    code, out, _ = run(capsys, "show", str(path))
    assert code == 0 and "::/0" not in out and "3 top-level blocks" in out
    with pytest.raises(PlanError, match="3 top-level blocks"):
        _ = plan.prefix


def test_one_top_level_prefix_is_the_root(tmp_path: Path) -> None:
    path = write(tmp_path, "one.csv", "prefix,name\n2001:db8::/32,Example ISP\n2001:db8::/48,a\n")
    plan = read_plan_file(path)
    assert not plan.grouped and str(plan.prefix) == "2001:db8::/32"
    assert plan.title == "Example ISP" and plan.name[1] == "a"


def test_the_top_prefix_twice_is_two_roots_that_overlap(tmp_path: Path) -> None:
    path = write(tmp_path, "twice.csv", "prefix\n2001:db8::/48\n2001:db8::/48\n2001:db8::/64\n")
    plan = read_plan_file(path)
    assert plan.grouped and len(plan.top_blocks()) == 2
    assert [f.rule for f in lint(plan) if f.severity == "error"] == ["overlap"]


def test_a_vrf_column_makes_one_tree_per_vrf(tmp_path: Path) -> None:
    plan = read_plan_file(write(tmp_path, "netbox.csv", NETBOX))
    assert [plan.name[v] for v in plan.vrf_nodes()] == ["blue", "red"]
    assert blocks(plan) == [
        ("", "2001:db8::/48", "HQ"),
        ("", "2001:db8::/64", "Users LAN"),
        ("", "2001:db8:0:1::/64", "Voice"),
        ("blue", "2001:db8:1::/48", "Blue site"),
        ("blue", "2001:db8:1::/64", "blue users"),
        ("red", "2001:db8:1::/64", "red users"),
        ("red", "3fff::/20", "Red aggregate"),
        ("red", "3fff:0:1::/48", "3fff:0:1::∕48"),  # unnamed: the prefix, one path part
    ]
    users = plan.find_path("blue/Blue site/blue users")
    assert plan.role(users) == "lan" and plan.vrf(users) == "blue"
    assert errors(plan) == []  # the same /64 in blue and red is no overlap


def test_the_same_prefix_twice_in_one_vrf_still_overlaps(tmp_path: Path) -> None:
    plan = read_plan_file(
        write(
            tmp_path,
            "dup.csv",
            "prefix,vrf,description\n2001:db8::/48,blue,site\n"
            "2001:db8::/64,blue,a\n2001:db8::/64,blue,b\n2001:db8::/64,red,c\n",
        )
    )
    assert [(f.rule, f.path) for f in lint(plan) if f.severity == "error"] == [
        ("overlap", "blue/site/b")
    ]


def test_netbox_global_vrf_cell_is_the_global_table(tmp_path: Path) -> None:
    plan = read_plan_file(
        write(tmp_path, "g.csv", "prefix,vrf\n2001:db8::/48,Global\n2001:db8:1::/48,\n")
    )
    assert plan.vrf_nodes() == [] and len(plan.top_blocks()) == 2


def test_names_come_from_name_path_or_description(tmp_path: Path) -> None:
    ours = read_plan_file(
        write(
            tmp_path,
            "ours.csv",
            "prefix,path,name,description\n2001:db8::/48,hq,hq,\n"
            "2001:db8::/64,hq/users,users,Staff LAN\n2001:db8:0:1::/64,hq/voice,,\n",
        )
    )
    assert [(ours.name[i], ours.kinds[ours.kind[i]].description) for i in (1, 2)] == [
        ("users", "Staff LAN"),
        ("voice", ""),
    ]
    described = read_plan_file(
        write(
            tmp_path,
            "netbox.csv",
            "prefix,description\n2001:db8::/48,Head office\n"
            "2001:db8::/64,head/users — Staff LAN\n2001:db8:0:1::/64,Voice / floor 2\n",
        )
    )
    assert described.title == "Head office"
    assert [described.name[i] for i in (1, 2)] == ["users", "Voice / floor 2"]
    assert described.kinds[described.kind[1]].description == "Staff LAN"


def test_names_keep_to_one_line(tmp_path: Path) -> None:
    plan = read_plan_file(
        write(tmp_path, "n.csv", 'prefix,name\n2001:db8::/48,"a\nb"\n2001:db8::/64,c\x1bd\n')
    )
    assert plan.title == "a b" and plan.name[1] == "c d"


def test_phpipam_subnet_and_mask_columns(tmp_path: Path) -> None:
    plan = read_plan_file(
        write(
            tmp_path,
            "phpipam.csv",
            "section,subnet,mask,description,vlan,domain,vrf,customer\n"
            "IPv6,2001:db8::,48,Site,,,,\nIPv6,2001:db8::,64,site/lan,10,default,,\n"
            "IPv4,10.0.0.0,8,old,,,,\nIPv6,2001:db8:0:1::/64,,with length,,,,\n",
        )
    )
    assert [plan.prefix_text(i) for i in range(len(plan))] == [
        "2001:db8::/48",
        "2001:db8::/64",
        "2001:db8:0:1::/64",
    ]
    assert plan.name[1] == "lan" and plan.notes == ["skipped 1 IPv4 row (v6plan plans IPv6 only)"]


def test_host_bits_are_kept_for_lint(tmp_path: Path) -> None:
    plan = read_plan_file(write(tmp_path, "h.csv", "prefix\n2001:db8::/48\n2001:db8:0:1::1/64\n"))
    assert [f.rule for f in lint(plan) if f.severity == "error"] == ["host-bits"]


# -- round trips: our exports read back -----------------------------------------------------------
SMALL_EXAMPLES = ("campus", "isp-core", "operator-29")  # government (965,883 nodes): the benchmark
FORMATS = ("csv", "json", "netbox-csv", "phpipam-csv")


def expected_blocks(plan: Plan, fmt: str) -> Counter[tuple[str, str]]:
    """``(prefix, name)`` of the rows format ``fmt`` writes for ``plan``."""
    out: Counter[tuple[str, str]] = Counter()
    for i in range(len(plan)):
        role = plan.role(i)
        if i == 0 and fmt == "csv":
            continue  # the CSV has no row for the root (the JSON has it as its "prefix")
        if role == "host" and fmt in ("netbox-csv", "phpipam-csv"):
            continue  # loopback /128s are addresses there, not prefixes
        out[(plan.prefix_text(i), plan.label(i))] += 1
    return out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("example", SMALL_EXAMPLES)
def test_an_export_reads_back_with_the_same_prefixes_and_names(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    example: str,
    fmt: str,
) -> None:
    spec = EXAMPLES / f"{example}.yaml"
    plan = build(load_spec(spec), Lock.read(lock_path_for(spec))).plan
    path = tmp_path / f"{example}.{'json' if fmt == 'json' else 'csv'}"
    assert run(capsys, "export", str(spec), "-f", fmt, "-o", str(path))[0] == 0
    back = read_plan_file(path)
    got = Counter((prefix, name) for _, prefix, name in blocks(back))
    want = expected_blocks(plan, fmt)
    assert not want - got, f"lost: {sorted(want - got)[:5]}"
    extra = got - want  # netbox-csv also lists each p2p link's /127; csv's roots are blocks
    assert all(prefix.endswith("/127") for prefix, _ in extra) or fmt == "csv", sorted(extra)[:5]
    rows = _file_prefixes(path, fmt)
    assert sorted(prefix for _, prefix, _ in blocks(back)) == sorted(rows)
    # check and show read it too, and find the same holder as in the spec's plan
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0 and " 0 errors" in out, out
    assert run(capsys, "show", str(path))[0] == 0
    leaf = max(range(1, len(plan)), key=lambda i: plan.plen[i] if plan.role(i) != "host" else 0)
    code, out, _ = run(capsys, "find", str(path), plan.prefix_text(leaf), "--json")
    assert code == 0 and json.loads(out)["holder"]["prefix"] == plan.prefix_text(leaf)


def _file_prefixes(path: Path, fmt: str) -> list[str]:
    if fmt == "json":
        return [n["prefix"] for n in json.loads(path.read_text())["nodes"]] + [
            json.loads(path.read_text())["prefix"]
        ]
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    if fmt == "phpipam-csv":
        return [f"{r['subnet']}/{r['mask']}" for r in rows]
    return [r["prefix"] for r in rows]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_plan_with_vrfs_reads_back_from_each_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    source = write(tmp_path, "netbox.csv", NETBOX)
    first = read_plan_file(source)
    path = tmp_path / f"again.{'json' if fmt == 'json' else 'csv'}"
    assert run(capsys, "export", str(source), "-f", fmt, "-o", str(path))[0] == 0
    back = read_plan_file(path)
    assert [plan.name[v] for plan in (back,) for v in plan.vrf_nodes()] == ["blue", "red"]
    assert Counter((v, p) for v, p, _ in blocks(back)) == Counter(
        (v, p) for v, p, _ in blocks(first)
    )
    if fmt in ("csv", "json"):  # netbox and phpipam carry the path in the description
        assert blocks(back) == blocks(first)
    assert errors(back) == []


# -- questions asked of a plan with several blocks or VRFs ----------------------------------------
def test_an_address_in_two_vrfs_is_said_to_be_in_both(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "netbox.csv", NETBOX)
    plan = read_plan_file(path)
    net = plan.net[plan.find_path("red/red users")] + 5
    assert [plan.path(i) for i in plan.holders(net)] == [
        "blue/Blue site/blue users",
        "red/red users",
    ]
    with pytest.raises(InputError, match=r"in 2 VRFs: blue \(blue/Blue site/blue users .*red"):
        plan.resolve("2001:db8:1::5")
    code, out, _ = run(capsys, "find", str(path), "2001:db8:1::5")
    assert code == 0 and "is in 2 VRFs" in out and "blue users" in out and "red users" in out
    data = json.loads(run(capsys, "find", str(path), "2001:db8:1::5", "--json")[1])
    assert [h["vrf"] for h in data["in_vrfs"]] == ["blue", "red"]
    assert plan.resolve("red/red users") == plan.find_path("red/red users")
    code, _, err = run(capsys, "show", str(path), "2001:db8:1::5")
    assert code == 2 and "in 2 VRFs" in err and "Traceback" not in err
    with pytest.raises(InputError, match="none of this plan's top-level blocks"):
        plan.holder(plan.net[1] + (1 << 100))


def test_usage_and_free_space_of_a_grouping_node_are_its_blocks(tmp_path: Path) -> None:
    plan = read_plan_file(
        write(
            tmp_path,
            "two.csv",
            "prefix\n2001:db8::/48\n2001:db8::/64\n2001:db8:ffff::/48\n2001:db8:ffff::/49\n",
        )
    )
    use = usage(plan, 0)
    assert (use.unit, use.capacity, use.used) == (64, 2 * 65536, 1 + 32768)
    free = [(plan.net[0] + net, length) for net, length in free_blocks(plan, 0)]
    assert all(
        any(plan._holds(b, net, length) for b in plan.top_blocks()) for net, length in free
    )  # nothing between the two blocks counts as free
    assert len(list(free_of_length(plan, 0, 49))) == 1 + 1
    with pytest.raises(InputError, match="where should a new /64 go"):
        next_free(plan, 0, 64)


def test_show_and_free_of_a_grouping_node(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "netbox.csv", NETBOX)
    code, out, _ = run(capsys, "show", str(path), "--json")
    data = json.loads(out)
    assert code == 0 and data["prefix"] is None and data["vrfs"] == ["blue", "red"]
    assert [(b["vrf"], b["prefix"]) for b in data["blocks"]] == [
        (None, "2001:db8::/48"),
        ("blue", "2001:db8:1::/48"),
        ("red", "2001:db8:1::/64"),
        ("red", "3fff::/20"),
    ]
    code, out, _ = run(capsys, "show", str(path), "blue")
    assert code == 0 and "VRF of 1 top-level block" in out and "Blue site" in out
    code, out, _ = run(capsys, "show", str(path), "HQ")
    assert code == 0 and "RIR use" in out  # a top-level block is an allocation
    code, out, _ = run(capsys, "free", str(path), "--length", "64", "--limit", "2", "--json")
    assert code == 0 and json.loads(out)["free"] == ["2001:db8:0:2::/64", "2001:db8:0:3::/64"]
    code, _, err = run(capsys, "free", str(path), "--length", "64", "--next")
    assert code == 2 and "name one of them" in err


# -- exports of a plan with several blocks ----------------------------------------------------
@pytest.mark.parametrize("fmt", ["html", "radvd", "kea-dhcp6", "frr"])
def test_formats_of_one_allocation_ask_for_a_block(tmp_path: Path, capsys, fmt: str) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "netbox.csv", NETBOX)
    code, out, err = run(capsys, "export", str(path), "-f", fmt)
    assert code == 2 and "4 top-level blocks" in err and "--node" in err and not out
    code, out, err = run(capsys, "export", str(path), "-f", fmt, "--node", "HQ")
    assert code in (0, 2) and "Traceback" not in err
    if fmt == "html":
        assert code == 0 and "2001:db8::/48" in out and "3fff::/20" not in out


def test_each_block_in_rpsl_and_markdown(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "netbox.csv", NETBOX)
    code, out, _ = run(capsys, "export", str(path), "-f", "rpsl")
    assert code == 0 and out.count("ALLOCATED-BY-RIR") == 4
    code, out, _ = run(capsys, "export", str(path), "-f", "markdown")
    assert code == 0 and out.count("| Allocation |") == 4
    code, out, _ = run(capsys, "export", str(path), "-f", "rpsl", "--node", "blue/Blue site")
    # a LAN is internal infrastructure: not registered (RIPE policy) unless asked
    assert code == 0 and out.count("inet6num:") == 1 and "2001:db8:1::/64" not in out
    code, out, _ = run(
        capsys, "export", str(path), "-f", "rpsl", "--node", "blue/Blue site",
        "--set", "infrastructure=yes",
    )  # fmt: skip
    assert code == 0 and out.count("inet6num:") == 2 and "2001:db8:1::/64" in out


def test_bind_zones_of_every_block_and_a_clash_between_vrfs(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    two = write(tmp_path, "two.csv", "prefix\n2001:db8::/48\n3fff:100::/32\n")
    code = run(capsys, "export", str(two), "-f", "bind", "--dir", str(tmp_path / "z"))[0]
    assert code == 0
    conf = (tmp_path / "z" / "named.conf.zones").read_text()
    assert conf.count("zone ") == 2
    clash = write(tmp_path, "vrfs.csv", "prefix,vrf\n2001:db8::/48,blue\n2001:db8::/48,red\n")
    code, _, err = run(capsys, "export", str(clash), "-f", "bind", "--dir", str(tmp_path / "c"))
    assert code == 2 and "two blocks make the reverse zone" in err
    assert not (tmp_path / "c").exists() or not list((tmp_path / "c").iterdir())


def test_netbox_files_have_an_aggregate_per_block_and_the_vrfs(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "netbox.csv", NETBOX)
    assert (
        run(capsys, "export", str(path), "-f", "netbox-csv", "--dir", str(tmp_path / "nb"))[0] == 0
    )
    aggregates = next((tmp_path / "nb").glob("*-aggregates.csv")).read_text().splitlines()[1:]
    assert [line.split(",")[0] for line in aggregates] == [
        "2001:db8::/48",
        "2001:db8:1::/48",
        "2001:db8:1::/64",
        "3fff::/20",
    ]
    vrfs = next((tmp_path / "nb").glob("*-vrfs.csv")).read_text().splitlines()[1:]
    assert [line.split(",")[0] for line in vrfs] == ["blue", "red"]


def test_a_subplan_is_a_plan_of_its_own(tmp_path: Path) -> None:
    plan = read_plan_file(write(tmp_path, "netbox.csv", NETBOX))
    site = plan.find_path("blue/Blue site")
    sub = plan.subplan(site)
    assert not sub.grouped and str(sub.prefix) == "2001:db8:1::/48" and sub.title == "Blue site"
    assert [sub.path(i) for i in range(len(sub))] == ["", "blue users"]
    assert sub.parent.tolist() == [-1, 0] and list(sub.depth) == [0, 1]
    with pytest.raises(PlanError):
        plan.subplan(plan.vrf_nodes()[0])
