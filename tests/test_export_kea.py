"""The Kea DHCPv6 export, read by Kea itself (``kea-dhcp6 -t``) and served by it to a real
client: every bundled example and test plan in both modes passes the check; relays, shared
networks, PD pools and lifetimes are compared with the plan by ``ipaddress`` here (not the
exporter's code); and in two namespaces ``kea-dhcp6`` hands ISC ``dhclient -6`` an address
of the plan's access LAN and a prefix of its customer pool; through ISC ``dhcrelay -6``
relaying from the router's loopback, a central Kea delegates one of the planned customers.
"""

from __future__ import annotations

import functools
import io
import ipaddress
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _support import ROOT, need, plan_of
from _support.dhcp import dhclient, dhcrelay, kea, namespaces, run, veth_link
from _support.exports import EXAMPLES, example, export
from _support.tools import kea_ok, tool
from hypothesis import given
from hypothesis import strategies as st

from v6plan import InputError, Lock, Plan, build, load_spec, lock_path_for
from v6plan.cli import main
from v6plan.export import ExportOptions, write
from v6plan.export._kea import lan_texts

PLANS = [
    *sorted(EXAMPLES.glob("*.yaml")),
    *sorted((ROOT / "tests/data/acceptance/plans").glob("*[!t].yaml")),  # not *.expect.yaml
    *sorted((ROOT / "topologies").glob("*.plan.yaml")),
]


@functools.cache
def load(path: Path) -> Plan:
    spec = load_spec(path)
    lock = lock_path_for(spec.file)
    return build(spec, Lock.read(lock) if lock.exists() else None).plan


def dhcp6(text: str) -> dict[str, Any]:
    config = json.loads(text)["Dhcp6"]
    assert isinstance(config, dict)
    return config


def all_subnets(config: dict[str, Any]) -> list[dict[str, Any]]:
    """Top-level subnets and those of every shared network."""
    out = list(config["subnet6"])
    for network in config.get("shared-networks", []):
        out += network["subnet6"]
    return out


def routers(plan: Plan) -> list[str]:
    """The routers that serve a LAN or a customer block, from the plan's nodes."""
    found = {plan.node(i).router for i in range(1, len(plan)) if plan.role(i) in ("lan", "customer")}  # fmt: skip
    return sorted(found - {""})


def loopback(plan: Plan, router: str) -> str:
    (i,) = [i for i in range(len(plan)) if plan.role(i) == "host" and plan.name[i] == router]
    return str(ipaddress.IPv6Address(plan.net[i]))


@pytest.fixture
def netns() -> Iterator[str]:
    need(os.geteuid() == 0, "a network namespace needs root")
    ip = tool("ip")
    name = f"v6pkea-{uuid.uuid4().hex[:8]}"
    subprocess.run([ip, "netns", "add", name], check=True)
    try:
        yield name
    finally:
        subprocess.run([ip, "netns", "del", name], check=False)


def export_part(plan: Plan, **settings: str) -> str:
    """The Kea file of the plan, or of its first site when the plan has more LANs than Kea
    checks in a test's time (government: 960,000 LANs; Kea takes minutes)."""
    lans = sum(plan.role(i) == "lan" for i in range(len(plan)))
    node = "" if lans < 5000 else plan.path(next(i for i in range(len(plan)) if plan.role(i) == "site"))  # fmt: skip
    out = io.StringIO()
    write(plan, "kea-dhcp6", out, ExportOptions(node=node, settings=settings))
    return out.getvalue()


def kea_ok_local(path: Path, netns: str) -> None:
    """``kea-dhcp6 -t`` where the interfaces the file names exist (Kea checks them)."""
    config = dhcp6(path.read_text())
    for n, name in enumerate(config["interfaces-config"]["interfaces"]):
        subprocess.run(
            [
                tool("ip"),
                "-n",
                netns,
                "link",
                "add",
                name,
                "type",
                "veth",
                "peer",
                "name",
                f"peer{n}",
            ],
            check=True,
        )  # fmt: skip (no dummy driver in every kernel: a veth pair stands in)
    kea_ok(path, netns)


# -- Kea accepts every plan's file --------------------------------------------------------------
@pytest.mark.parametrize("spec", PLANS, ids=lambda p: p.name)
def test_kea_accepts_every_plan_as_a_central_server(tmp_path: Path, spec: Path) -> None:
    plan = load(spec)
    path = tmp_path / "kea.json"
    path.write_text(export_part(plan, dns="2001:db8::53"))
    kea_ok(path)
    config = dhcp6(path.read_text())
    subnets = all_subnets(config)
    assert len({s["id"] for s in subnets}) == len(subnets)
    for subnet in subnets:
        if "pools" in subnet:  # a LAN: its router relays from the gateway ::1
            net = ipaddress.IPv6Network(subnet["subnet"])
            assert subnet["relay"] == {"ip-addresses": [str(net[1])]}
            assert subnet["pools"] == [{"pool": f"{net[0x1000]}-{net[0xFFFF]}"}]
    deprecated = json.dumps(config).lower()  # RFC 9915: no IA_TA, no Unicast option
    assert "ia-ta" not in deprecated and "temporary" not in deprecated
    assert not [o for o in config.get("option-data", []) if o["name"] == "unicast"]


@pytest.mark.parametrize(
    ("spec", "router"),
    [(spec, router) for spec in PLANS for router in routers(load(spec))],
    ids=lambda v: v.name if isinstance(v, Path) else v,
)
def test_kea_accepts_every_router_of_every_plan_locally(
    tmp_path: Path, netns: str, spec: Path, router: str
) -> None:
    path = tmp_path / f"{router}.json"
    path.write_text(export_part(load(spec), router=router, mode="local"))
    kea_ok_local(path, netns)
    config = dhcp6(path.read_text())
    assert "relay" not in json.dumps(config)  # on its own interfaces: nothing relayed


# -- what the file says ---------------------------------------------------------------------
def delegable(pd: dict[str, Any]) -> set[ipaddress.IPv6Network]:
    """Every prefix a subnet's PD pools can delegate (each pool at its delegated-len)."""
    out: set[ipaddress.IPv6Network] = set()
    for pool in pd["pd-pools"]:
        block = ipaddress.IPv6Network(f"{pool['prefix']}/{pool['prefix-len']}")
        out |= set(block.subnets(new_prefix=pool["delegated-len"]))
    return out


def block_room(plan: Plan, parent: int, length: int) -> set[ipaddress.IPv6Network]:
    """The parent's /length prefixes that no child other than a customer touches."""
    block = ipaddress.IPv6Network(plan.prefix_text(parent))
    others = [ipaddress.IPv6Network(plan.prefix_text(c)) for c in plan.children(parent) if plan.role(c) != "customer"]  # fmt: skip
    return {p for p in block.subnets(new_prefix=length) if not any(p.overlaps(o) for o in others)}


def test_central_server_relays_and_pd_pools(tmp_path: Path) -> None:
    plan = example("isp-core")
    path = tmp_path / "kea.json"
    path.write_text(
        export(plan, "kea-dhcp6", dns="2001:db8::53", **{"domain-search": "isp.example"})
    )
    kea_ok(path)
    config = dhcp6(path.read_text())
    lans = [s for s in config["subnet6"] if "pools" in s]
    assert len(lans) == sum(plan.role(i) == "lan" for i in range(len(plan)))
    # both customer blocks are relayed by bng1: one shared network, met at its loopback
    (network,) = config["shared-networks"]
    assert network["name"] == "bng1"
    assert network["relay"] == {"ip-addresses": [loopback(plan, "bng1")]} == {"ip-addresses": ["2001:db8::5"]}  # fmt: skip
    pds = {s["user-context"]["v6plan"]: s for s in network["subnet6"]}
    assert set(pds) == {"residential", "business"}
    for kind_path, length in (("residential", 56), ("business", 48)):
        i = plan.find_path(kind_path)
        customers = {ipaddress.IPv6Network(plan.prefix_text(c)) for c in plan.children(i)}
        # the whole /40 at the customers' length: the 200 planned /56s and the growth room
        assert delegable(pds[kind_path]) == block_room(plan, i, length) > customers
        (pool,) = pds[kind_path]["pd-pools"]
        assert (pool["prefix-len"], pool["delegated-len"]) == (40, length)


def test_only_the_planned_customers_when_asked(tmp_path: Path) -> None:
    plan = example("isp-core")
    path = tmp_path / "kea.json"
    path.write_text(export(plan, "kea-dhcp6", **{"pd-pool": "customers"}))
    kea_ok(path)
    pds = {s["user-context"]["v6plan"]: s for s in all_subnets(dhcp6(path.read_text())) if "pd-pools" in s}  # fmt: skip
    for kind_path, pools in (("residential", 3), ("business", 2)):  # 200 = 128 + 64 + 8 …
        i = plan.find_path(kind_path)
        customers = {ipaddress.IPv6Network(plan.prefix_text(c)) for c in plan.children(i)}
        assert delegable(pds[kind_path]) == customers  # differential: exactly the customers
        assert len(pds[kind_path]["pd-pools"]) == pools


BESIDE_PLAN = """
prefix: 2001:db8::/40
children:
  - {name: loopbacks, role: loopback, size: /48, names: [bng]}
  - name: homes
    router: bng
    size: /44
    children:
      - {name: home, role: customer, count: 5, size: /56}
      - {name: spare, role: reserve, size: /52}
      - {name: uplink, role: lan}
"""


@pytest.mark.parametrize("mode", ["block", "customers"])
def test_customers_beside_a_reserve_and_a_lan_get_aligned_pools_without_them(
    tmp_path: Path, mode: str
) -> None:
    """block: the /44 minus the reserve /52 and the /56 that holds the LAN; customers: the
    5 customers in aligned blocks (a /54 and a /56), never a shorter prefix."""
    plan = plan_of(BESIDE_PLAN).plan
    path = tmp_path / "kea.json"
    path.write_text(export(plan, "kea-dhcp6", **{"pd-pool": mode}))
    kea_ok(path)
    (pd,) = [s for s in all_subnets(dhcp6(path.read_text())) if "pd-pools" in s]
    homes = plan.find_path("homes")
    customers = {ipaddress.IPv6Network(plan.prefix_text(c)) for c in plan.children(homes) if plan.role(c) == "customer"}  # fmt: skip
    if mode == "block":
        assert delegable(pd) == block_room(plan, homes, 56)
        assert len(block_room(plan, homes, 56)) == 4096 - 16 - 1 and customers < delegable(pd)
    else:
        blocks = [p["prefix-len"] for p in pd["pd-pools"]]
        assert sorted(blocks) == [54, 56] and delegable(pd) == customers
    assert pd["relay"] == {"ip-addresses": [loopback(plan, "bng")]}  # alone: on the subnet


def test_kea_for_one_router(tmp_path: Path) -> None:
    path = tmp_path / "bng1.json"
    path.write_text(export(example("isp-core"), "kea-dhcp6", router="bng1", pool="none"))
    kea_ok(path)
    config = dhcp6(path.read_text())
    assert config["subnet6"] == []
    assert [s["user-context"]["v6plan"] for s in all_subnets(config)] == ["residential", "business"]  # fmt: skip


def test_kea_on_the_router_itself_names_its_interfaces(tmp_path: Path, netns: str) -> None:
    path = tmp_path / "pe1.json"
    path.write_text(export(example("isp-core"), "kea-dhcp6", router="pe1", local="yes"))
    config = dhcp6(path.read_text())
    names = [s["interface"] for s in config["subnet6"]]
    assert names == ["bond0.100", "bond0.101", "bond0.102", "bond0.103", "vlan200"]
    assert config["interfaces-config"]["interfaces"] == names
    assert "relay" not in path.read_text()
    kea_ok_local(path, netns)


def test_local_customer_blocks_on_their_access_interface(tmp_path: Path, netns: str) -> None:
    """bng1 on its own: both blocks on one access interface share it as a shared network."""
    path = tmp_path / "bng1.json"
    plan = example("isp-core")
    path.write_text(export(plan, "kea-dhcp6", router="bng1", mode="local", **{"pd-interface": "ppp+"}))  # fmt: skip
    kea_ok_local(path, netns)
    config = dhcp6(path.read_text())
    (network,) = config["shared-networks"]
    assert network["interface"] == "ppp+" and config["interfaces-config"]["interfaces"] == ["ppp+"]
    path.write_text(export(plan, "kea-dhcp6", router="bng1", mode="local"))  # default: names
    config = dhcp6(path.read_text())
    assert [s["interface"] for s in config["subnet6"]] == ["residential", "business"]


# -- lifetimes ---------------------------------------------------------------------------------
def timers(**settings: str) -> tuple[int, int, int, int]:
    config = dhcp6(export(example("isp-core"), "kea-dhcp6", **settings))
    keys = ("renew-timer", "rebind-timer", "preferred-lifetime", "valid-lifetime")
    t1, t2, preferred, valid = (config[k] for k in keys)
    return t1, t2, preferred, valid


def test_lifetimes_are_a_days_lease_with_t1_t2_at_half_and_four_fifths() -> None:
    assert timers() == (21600, 34560, 43200, 86400)
    assert timers(preferred="3600") == (1800, 2880, 3600, 7200)
    assert timers(preferred="3600", valid="86400", renew="1000", rebind="3000") == (1000, 3000, 3600, 86400)  # fmt: skip


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"preferred": "86400", "valid": "86400"}, "preferred lifetime must end before"),
        ({"preferred": "7200", "valid": "3600"}, "not shorter than valid"),
        ({"renew": "3000", "rebind": "2000"}, "renew .T1. before they rebind"),
        ({"rebind": "50000"}, "no later than the preferred lifetime"),
        ({"preferred": "ten"}, "whole number"),
        ({"mode": "central"}, "use relay"),
        ({"mode": "relay", "local": "yes"}, "disagree"),
        ({"mode": "local", "router": "bng1", "pd-interface": "{vlan}"}, "not a placeholder"),
        ({"mode": "local", "router": "bng1", "pd-interface": "a b"}, "pd-interface=NAME"),
    ],
)
def test_bad_settings_are_refused_with_the_fix(settings: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        export(example("isp-core"), "kea-dhcp6", **settings)


def test_a_bad_lifetime_from_the_command_line_is_one_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = str(EXAMPLES / "isp-core.yaml")
    assert main(["export", spec, "-f", "kea-dhcp6", "--set", "valid=3600"]) == 2
    err = capsys.readouterr().err
    assert "preferred=43200 is not shorter than valid=3600" in err and "Traceback" not in err


# -- the text shortcut matches RFC 5952 --------------------------------------------------------
_GROUP = st.one_of(st.just(0), st.integers(0, 0xFFFF))


@given(
    st.sampled_from([(0x2001, 0xDB8), (0x3FFF, None)]), _GROUP, _GROUP, _GROUP,
    st.sampled_from([(0x1000, 0xFFFF), (1, 2), (0x10, 0xFFFE), (1, 0x10000), (0x1000, 2**40)]),
)  # fmt: skip
def test_lan_texts_are_rfc5952(
    head: tuple[int, int | None], a: int, b: int, c: int, pool: tuple[int, int]
) -> None:
    first, second = head
    groups = [first, second if second is not None else a & 0x0FFF, b, c]
    net = int("".join(f"{g:04x}" for g in groups), 16) << 64
    subnet, pool_text, gateway = lan_texts(net, 64, pool)
    assert subnet == str(ipaddress.IPv6Network((net, 64)))
    assert gateway == str(ipaddress.IPv6Address(net + 1))
    assert pool_text == f"{ipaddress.IPv6Address(net + pool[0])}-{ipaddress.IPv6Address(net + pool[1])}"  # fmt: skip


# -- a real client gets the plan's prefix ---------------------------------------------------------
ACCESS_PLAN = """
prefix: 2001:db8::/40
children:
  - name: core
    role: infrastructure
    size: /48
    children:
      - {name: loopbacks, role: loopback, names: [bng]}
      - {name: access, role: lan, router: bng, interface: acc0}
  - name: homes
    router: bng
    size: /44
    children:
      - {name: home, role: customer, count: 12, size: /56}
"""


def test_kea_delegates_a_prefix_of_the_plan_to_dhclient(tmp_path: Path) -> None:
    """The access LAN and the customer pool behind it share acc0: dhclient -6 -N -P gets an
    address of the LAN's pool and one /56 of the customers' block, each once."""
    plan = plan_of(ACCESS_PLAN).plan
    config = dhcp6(export(plan, "kea-dhcp6", router="bng", mode="local", **{"pd-interface": "acc0"}))  # fmt: skip
    (network,) = config["shared-networks"]
    assert network["interface"] == "acc0" and len(network["subnet6"]) == 2
    access = ipaddress.IPv6Network(plan.prefix_text(plan.find_path("core/access")))
    (pd,) = [s for s in network["subnet6"] if "pd-pools" in s]
    pool = delegable(pd)  # the homes /44 at /56: the 12 customers and the room to grow
    assert pool == block_room(plan, plan.find_path("homes"), 56) and len(pool) == 4096
    with (
        veth_link("acc0", "wan0", tag="pd") as link,
        kea(link.server, {"Dhcp6": config}, tmp_path / "kea"),
        dhclient(link.client, link.client_if, tmp_path / "client") as (_, lease),
    ):
        (address,) = lease.addresses
        (prefix,) = lease.prefixes
        assert ipaddress.IPv6Address(address) in access
        assert int(ipaddress.IPv6Address(address)) - int(access.network_address) >= 0x1000
        assert ipaddress.IPv6Network(prefix) in pool
        assert address in link.run(link.client, tool("ip"), "-6", "addr", "show", "dev", "wan0")
    leases = (tmp_path / "kea" / "kea-leases6.csv").read_text()
    assert address in leases and prefix.split("/")[0] in leases  # Kea recorded both


RELAY_PLAN = """
prefix: 2001:db8::/40
children:
  - name: core
    role: infrastructure
    size: /48
    children:
      - {name: loopbacks, role: loopback, names: [bng]}
      - {name: servers, role: lan, router: bng}
  - name: homes
    router: bng
    size: /44
    children:
      - {name: home, role: customer, count: 12, size: /56}
"""


def test_a_central_kea_delegates_through_a_relay_at_the_routers_loopback(
    tmp_path: Path,
) -> None:
    """client ─ bng (ISC dhcrelay -6, link-address its loopback, unnumbered towards the
    client) ─ Kea on the servers LAN: the relay-mode export, unchanged but for where Kea
    listens, picks the customer block by the relay's address and delegates one of its /56s."""
    plan = plan_of(RELAY_PLAN).plan
    servers = ipaddress.IPv6Network(plan.prefix_text(plan.find_path("core/servers")))
    server, gateway, bng = servers[0x547], servers[1], loopback(plan, "bng")
    config = dhcp6(export(plan, "kea-dhcp6", listen=f"eth0/{server}", **{"pd-pool": "customers"}))
    (pd,) = [s for s in config["subnet6"] if "pd-pools" in s]
    assert pd["relay"] == {"ip-addresses": [bng]}
    homes = plan.find_path("homes")
    customers = {ipaddress.IPv6Network(plan.prefix_text(c)) for c in plan.children(homes)}
    veths = [("c", "wan0", "r", "acc0"), ("r", "up0", "s", "eth0")]
    with namespaces("rl", ("c", "r", "s"), veths) as ns:
        ip = tool("ip")
        run(ns["s"], ip, "-6", "addr", "add", f"{server}/64", "dev", "eth0", "nodad")
        run(ns["r"], ip, "-6", "addr", "add", f"{gateway}/64", "dev", "up0", "nodad")
        run(ns["r"], ip, "-6", "addr", "add", f"{bng}/128", "dev", "acc0", "nodad")
        with (
            kea(ns["s"], {"Dhcp6": config}, tmp_path / "kea"),
            dhcrelay(ns["r"], f"{bng}%acc0", f"{server}%up0", tmp_path / "relay"),
            dhclient(ns["c"], "wan0", tmp_path / "client", na=False) as (_, lease),
        ):
            (prefix,) = lease.prefixes
            assert ipaddress.IPv6Network(prefix) in customers
    assert prefix.split("/")[0] in (tmp_path / "kea" / "kea-leases6.csv").read_text()
