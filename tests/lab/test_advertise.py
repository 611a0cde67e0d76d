"""A topology's ``advertise:`` options: each bad value refused at its file:line:column, the
good ones carried to the backends, and radvd.conf for each accepted by radvd itself."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from _support import need_program

from v6plan import SpecError
from v6plan.lab.model._topology import load_plan_for, load_topology, resolve
from v6plan.lab.runtime._backend import radvd_text, router_advert

PLAN = """\
plan: test
prefix: 2001:db8:42::/48
children:
  - {name: lan-1, role: lan}
"""
HEAD = "plan: t.plan.yaml\nnodes: {r1: router, h1: host}\nlinks:\n  - endpoints: [r1:eth0, h1:eth0]\n    plan: lan-1\n    advertise:\n"


def load(tmp_path: Path, advertise: str) -> dict[str, object]:
    """The topology with these ``advertise:`` lines (indented under it); r1's options."""
    (tmp_path / "t.plan.yaml").write_text(PLAN)
    path = tmp_path / "t.yaml"
    path.write_text(HEAD + "".join(f"      {line}\n" for line in advertise.splitlines()))
    topology = load_topology(path)
    spec = resolve(topology, load_plan_for(topology.plan_file)).spec()
    return next(n for n in spec.nodes if n.name == "r1").advertise["eth0"]


@pytest.mark.parametrize(
    ("advertise", "place", "message"),
    [
        ("preference: highest", "7:19", "'preference' is 'highest'; use low, medium or high"),
        ("valid: 600\npreferred: 1200", "8:18", "'preferred' lifetime (1200 s) is longer than"),
        ("valid: 60", "7:14", "'preferred' lifetime (14400 s) is longer than 'valid' (60 s)"),
        ("rdnss: [2001:db8:53::53, ff02::1]", "7:32", "ff02::1 is not a unicast address"),
        ("rdnss: [2001:db8::zz]", "7:15", "'rdnss'"),
        ("dnssl: [lab.example, bad..name]", "7:28", "an empty label"),
        ("dnssl: [-lab.example]", "7:15", "'-lab' is not a DNS label"),
        ("interval: 10\ndns_lifetime: 5", "8:21", "'dns_lifetime' must be zero or at least"),
        ("mtu: 70000", "7:12", "'mtu' is 70,000; it must be from 0 to 65,535"),
        ("mtu: 1000", "7:12", "'mtu' must be 0 (no MTU option) or from 1280 to the link's"),
        ("mtu: 1501", "7:12", "'mtu' must be 0 (no MTU option) or from 1280 to the link's"),
        ("valid: forever", "7:14", "'valid'"),
        ("lifetime: 9001", "7:17", "'lifetime' is 9,001"),
        ("interval: 100\nlifetime: 50", "8:17", "'lifetime' must be zero or between the interval"),
        ("managed: perhaps", "7:16", "'managed' must be true or false"),
        ("reachable: 3600001", "7:18", "'reachable' is 3,600,001; it must be from 0 to"),
        ("rdns: [2001:db8:53::53]", "7:7", "did you mean 'rdnss'?"),
    ],
)
def test_bad_advertise_values_name_their_place(
    tmp_path: Path, advertise: str, place: str, message: str
) -> None:
    with pytest.raises(SpecError) as info:
        load(tmp_path, advertise)
    found = [str(p) for p in info.value.problems]
    assert any(p.startswith(f"{tmp_path / 't.yaml'}:{place}: ") and message in p for p in found), (
        found
    )


def test_good_values_reach_the_backends(tmp_path: Path) -> None:
    options = load(
        tmp_path,
        "managed: yes\nother: yes\nlifetime: 0\npreference: high\nvalid: infinity\n"
        "preferred: infinity\nmtu: 1400\nrdnss: 2001:db8:53::53\n"
        "dnssl: [lab.example, example.org.]\ndns_lifetime: infinity\nonlink: no\n"
        "reachable: 20000\nretrans: 2000\nhop_limit: 32\n",
    )
    advert = router_advert(options)
    assert (advert.managed, advert.other, advert.lifetime, advert.preference) == (
        True,
        True,
        0,
        "high",
    )
    assert advert.valid == advert.preferred == advert.dns_lifetime == 0xFFFFFFFF
    assert advert.rdnss == (0x20010DB8005300000000000000000053,)
    assert advert.dnssl == ("lab.example", "example.org")
    assert (advert.mtu, advert.onlink, advert.autonomous) == (1400, False, True)
    assert advert.prefixes == ((0x20010DB8004200000000000000000000, 64),)
    assert (advert.reachable, advert.retrans, advert.hop_limit) == (20000, 2000, 32)


@pytest.mark.parametrize(
    "options",
    [
        {"managed": True, "other": True},
        {"onlink": False, "autonomous": False},
        {"lifetime": 0, "preference": "low"},
        {"preference": "high"},
        {"valid": 0xFFFFFFFF, "preferred": 0xFFFFFFFF},
        {"valid": 600, "preferred": 0},
        {"mtu": 1280, "hop_limit": 32, "reachable": 30000, "retrans": 1000},
        {"rdnss": ["2001:db8:53::53", "2001:db8:53::54"], "dnssl": ["lab.example"]},
        {"rdnss": ["2001:db8:53::53"], "dns_lifetime": 0},
        {"dnssl": ["lab.example"], "dns_lifetime": 0xFFFFFFFF},
    ],
    ids=lambda o: ",".join(o),
)
def test_radvd_accepts_the_file_written_for_each_option(
    tmp_path: Path, options: dict[str, object]
) -> None:
    radvd = need_program("radvd")
    advert = router_advert({"prefixes": ["2001:db8:1::/64"], "interval": 10, **options})
    conf = tmp_path / "radvd.conf"
    conf.write_text(radvd_text({"eth0": advert}, "a test"))
    done = subprocess.run(
        [radvd, "--configtest", f"--config={conf}"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr + conf.read_text()
    assert (
        "syntax OK" in done.stdout + done.stderr
        or "syntax ok" in (done.stdout + done.stderr).lower()
    )
