"""`v6lab export`: containerlab and Kathará labs, checked by what reads them.

* every containerlab file validates against containerlab's published JSON Schema
  (tests/data/containerlab/clab.schema.json, vendored with its source and licence);
* every frr.conf passes FRR's own ``vtysh --dryrun``, every radvd.conf ``radvd -c``;
* every lab.conf parses with Kathará's own parser (the ``kathara`` package, when present);
* the addresses and routes in the files are the plan's, interface for interface.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from _support.lab import v6lab

from v6plan.lab.instructor import _topology_export as tx
from v6plan.lab.model._labfile import topology_dirs
from v6plan.lab.runtime._backend import linked_interfaces

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "data" / "containerlab" / "clab.schema.json"
LABS = ROOT / "tests" / "data" / "instructor" / "labs"


def topologies() -> list[str]:
    names = {
        p.stem
        for base in topology_dirs()
        if base.is_dir()
        for p in base.glob("*.yaml")
        if not p.name.endswith(".plan.yaml")
    }
    return sorted(names)


def validator() -> Any:
    import importlib.util

    from _support.lab import need

    need(
        importlib.util.find_spec("jsonschema") is not None,
        "the jsonschema package (a test dependency) is not installed",
    )
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    # the schema is valid Draft 7; its `\\p{L}` patterns are Go/ECMA regex, which Python's
    # `re` cannot compile, so the metaschema's "format: regex" is not asserted (those
    # patterns guard `ports` and `mgmt-*`, which the export never writes)
    jsonschema.Draft7Validator.check_schema(schema, format_checker=None)
    return jsonschema.Draft7Validator(schema)


def assignments_of(target: str) -> set[tuple[str, str, str]]:
    """(node, topology interface, address/len) the plan gives — the reference."""
    source = tx.load_spec_for(target, state="planned")
    out = set()
    for node, commands in source.spec.setup.items():
        for argv in commands:
            if list(argv[:4]) == ["ip", "-6", "addr", "add"]:
                out.add((node, argv[6], argv[4]))
    return out


@pytest.mark.parametrize("routers", ["frr", "linux"])
@pytest.mark.parametrize("name", topologies())
def test_containerlab_validates_against_the_published_schema(name: str, routers: str) -> None:
    check = validator()
    files = tx.containerlab_files(tx.load_spec_for(name), routers)
    main = files[f"{name}.clab.yml"]
    doc = yaml.safe_load(main)
    errors = sorted(check.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert main.startswith(
        "# yaml-language-server: $schema=https://containerlab.dev/clab.schema.json"
    )
    nodes = doc["topology"]["nodes"]
    # interfaces: eth0 is containerlab's management; ours move up by one
    for link in doc["topology"]["links"]:
        for end in link["endpoints"]:
            node, iface = end.split(":")
            assert node in nodes and iface != "eth0"
    # every planned address is configured on the right (renamed) interface
    configured: set[tuple[str, str, str]] = set()
    for node, spec in nodes.items():
        for line in spec.get("exec", []):
            found = re.fullmatch(r"ip -6 addr add (\S+) dev (\S+)", line)
            if found:
                configured.add((node, found.group(2), found.group(1)))
        conf = files.get(f"{node}/frr.conf", "")
        iface = ""
        for line in conf.splitlines():
            if line.startswith("interface "):
                iface = line.split()[1]
            elif line.startswith(" ipv6 address "):
                configured.add((node, iface, line.split()[2]))
    shifted = {
        (node, re.sub(r"^eth(\d+)$", lambda m: f"eth{int(m.group(1)) + 1}", iface), cidr)
        for node, iface, cidr in assignments_of(name)
    }
    assert configured == shifted


def test_a_broken_file_fails_the_schema() -> None:
    """The schema is strict enough to fail: an unknown node key, a one-ended link."""
    check = validator()
    doc = yaml.safe_load(tx.containerlab_files(tx.load_spec_for("two-lans"))["two-lans.clab.yml"])
    doc["topology"]["nodes"]["h1"]["addresses"] = ["2001:db8::1/64"]
    doc["topology"]["links"][0]["endpoints"] = ["h1:eth1"]
    messages = [e.message for e in check.iter_errors(doc)]
    assert any("addresses" in m for m in messages)
    assert any("too short" in m for m in messages)


@pytest.mark.parametrize("name", topologies())
def test_frr_and_radvd_configs_pass_their_own_checkers(name: str, tmp_path: Path) -> None:
    from _support.lab import need_program

    vtysh, radvd = need_program("vtysh"), need_program("radvd")  # radvd is in sbin
    source = tx.load_spec_for(name)
    checked = 0
    for fmt, make in (("clab", tx.containerlab_files), ("kathara", tx.kathara_files)):
        for routers in ("frr", "linux"):
            for relative, text in make(source, routers).items():
                path = tmp_path / fmt / routers / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                if path.name == "frr.conf":
                    done = subprocess.run(
                        [vtysh, "--dryrun", "-f", str(path)],
                        capture_output=True,
                        text=True,
                        timeout=60,
                    )
                    assert done.returncode == 0, (relative, done.stdout, done.stderr)
                    checked += 1
                elif path.name == "radvd.conf":
                    done = subprocess.run(
                        [radvd, "-c", "-C", str(path)], capture_output=True, text=True, timeout=60
                    )
                    assert done.returncode == 0, (relative, done.stderr)
                    checked += 1
    routers = [n for n in source.spec.nodes if n.kind == "router"]
    assert checked >= 2 * len(routers)


def test_frr_gets_addresses_routes_and_router_advertisements() -> None:
    source = tx.load_spec_for("slaac-lan")
    files = tx.containerlab_files(source)
    conf = files["r1/frr.conf"]
    assert "interface eth1\n ipv6 address 2001:db8:42:1::1/64\n no ipv6 nd suppress-ra\n" in conf
    assert " ipv6 nd ra-interval 60\n" in conf and " ipv6 nd ra-lifetime 1800\n" in conf
    assert " ipv6 nd prefix 2001:db8:42:1::/64 86400 14400\n" in conf
    static = tx.containerlab_files(tx.load_spec_for("two-lans"))["r1/frr.conf"]
    assert "ipv6 route 2001:db8:42:2::/64 2001:db8:42:3::3" in static
    assert "zebra=yes" in files["r1/daemons"] and "staticd=yes" in files["r1/daemons"]


def kathara_parser() -> Any:
    with contextlib.suppress(ImportError):
        from Kathara.parser.netkit.LabParser import LabParser

        return LabParser
    from _support.lab import need

    need(
        False,
        "Kathará's parser is not installed (`make setup` installs it: pip install --no-deps kathara)",
    )
    raise AssertionError("unreachable")


@pytest.mark.parametrize("routers", ["frr", "linux"])
@pytest.mark.parametrize("name", topologies())
def test_kathara_lab_parses_with_kathara_itself(name: str, routers: str, tmp_path: Path) -> None:
    source = tx.load_spec_for(name)
    files = tx.kathara_files(source, routers)
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    lab = kathara_parser().parse(str(tmp_path))
    assert sorted(lab.machines) == sorted(n.name.replace("-", "_") for n in source.spec.nodes)
    for node in source.spec.nodes:
        machine = lab.machines[node.name.replace("-", "_")]
        ours = [i for n, i in linked_interfaces(source.spec) if n == node.name]
        assert sorted(machine.interfaces) == list(range(len(ours)))  # eth0… without gaps
        assert machine.meta["ipv6"] == "true"
        image = machine.meta["image"]
        assert image == (
            "kathara/frr" if node.kind == "router" and routers == "frr" else "kathara/base"
        )
    # each link is one collision domain with exactly its two ends, each segment one with
    # every member
    sizes = [2] * len(source.spec.links) + [len(s.members) for s in source.spec.segments]
    assert sorted(len(link.machines) for link in lab.links.values()) == sorted(sizes)
    # the startup files configure the plan's addresses on the renumbered interfaces
    maps = tx.interface_map(source.spec, "kathara")
    configured: set[tuple[str, str, str]] = set()
    for node in source.spec.nodes:
        text = files[f"{node.name.replace('-', '_')}.startup"]
        configured |= {
            (node.name, m.group(2), m.group(1))
            for m in re.finditer(r"^ip -6 addr add (\S+) dev (\S+)$", text, re.M)
        }
        conf = files.get(f"{node.name}/etc/frr/frr.conf", "")
        iface = ""
        for line in conf.splitlines():
            if line.startswith("interface "):
                iface = line.split()[1]
            elif line.startswith(" ipv6 address "):
                configured.add((node.name, iface, line.split()[2]))
    expected = {(n, maps[n].get(i, i), c) for n, i, c in assignments_of(name)}
    assert configured == expected


def test_kathara_renumbers_gappy_interfaces_and_rewrites_commands() -> None:
    source = tx.load_spec_for("isp-core")
    maps = tx.interface_map(source.spec, "kathara")
    assert maps["r1"] == {"eth0": "eth0", "eth1": "eth1", "eth2": "eth2", "eth3": "eth3",
                          "eth10": "eth4", "eth11": "eth5", "eth12": "eth6"}  # fmt: skip
    assert (
        tx.rename("net.ipv6.conf.eth10.forwarding", maps["r1"]) == "net.ipv6.conf.eth4.forwarding"
    )
    assert tx.rename("eth1", {"eth0": "eth1", "eth1": "eth2"}) == "eth2"  # never chained
    assert tx.rename("eth10", {"eth1": "eth2"}) == "eth10"


def test_lab_states_start_and_solved(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("V6LAB_LABS", str(LABS))
    start = tx.load_spec_for("i1-first-ping")
    solved = tx.load_spec_for("i1-first-ping", state="solved")
    assert start.state == "start" and solved.state == "solved"
    assert "h1" not in start.spec.setup  # the trainee's node starts empty
    assert any("default" in argv for argv in solved.spec.setup["h1"])
    files = tx.containerlab_files(solved)
    h1 = yaml.safe_load(files["i1-first-ping.clab.yml"])["topology"]["nodes"]["h1"]["exec"]
    assert "ip -6 route replace default via 2001:db8:42:1::1" in h1
    check = validator()
    assert not list(check.iter_errors(yaml.safe_load(files["i1-first-ping.clab.yml"])))


def test_cli_writes_the_directory_and_refuses_bad_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("V6LAB_LABS", str(LABS))
    out = tmp_path / "clab"
    code, text, err = v6lab("export", "two-lans", "--format", "containerlab", "-o", out)
    assert code == 0, err
    assert (out / "two-lans.clab.yml").is_file() and (out / "r1" / "frr.conf").is_file()
    assert "containerlab deploy" in text
    code, _, err = v6lab("export", "two-lans", "--format", "containerlab", "-o", out)
    assert code == 2 and "--force" in err
    code, text, _ = v6lab(
        "export", "isp-core", "--format", "kathara", "-o", tmp_path / "k", "--json"
    )
    assert code == 0 and json.loads(text)["nodes"] == 20
    code, _, err = v6lab("export", "no-such-thing", "--format", "kathara")
    assert code == 2 and "no topology or lab" in err
    code, _, err = v6lab("export", "two-lans", "--format", "kathara", "--state", "solved")
    assert code == 2 and "needs a lab" in err
    code, _, err = v6lab("export", "two-lans", "--format", "gns3")
    assert code == 2 and "invalid choice" in err


def test_variant_moves_the_export(tmp_path: Path) -> None:
    variant = tmp_path / "v.yaml"
    variant.write_text("variant: alice\nprefix: 3fff:123:4500::/48\n")
    files = tx.containerlab_files(tx.load_spec_for("two-lans", variant=str(variant)))
    text = "".join(files.values())
    assert "3fff:123:4500:1::10/64" in text and "2001:db8:42" not in text
