"""The RPSL export against the RIPE database's own rules, written here independently of the
exporter (from the RIPE Database documentation: the inet6num and route6 templates, the
IPv6 status values and their hierarchy; ripe-738 §5.5 on registration).

Each object: the attributes its class allows, every mandatory one, single-valued ones once,
no continuation line and no control character (so no free text starts a new attribute or
object), a status from the RIPE set, ``assignment-size`` exactly on ``AGGREGATED-BY-LIR``,
and a parent whose status may hold it.
"""

from __future__ import annotations

import io
import ipaddress
import re

import pytest
from _support import plan_of
from _support.exports import example, export

from v6plan import InputError, Plan
from v6plan.export import ExportOptions, write

#: class → (mandatory, optional, single-valued) attributes, as the RIPE templates list them.
TEMPLATES: dict[str, tuple[set[str], set[str], set[str]]] = {
    "inet6num": (
        {"inet6num", "netname", "country", "admin-c", "tech-c", "status", "mnt-by", "source"},
        {"descr", "org", "geoloc", "language", "remarks", "notify", "mnt-lower", "mnt-routes",
         "mnt-domains", "mnt-irt", "assignment-size", "created", "last-modified"},
        {"inet6num", "netname", "org", "status", "assignment-size", "geoloc", "source",
         "created", "last-modified"},
    ),
    "route6": (
        {"route6", "origin", "mnt-by", "source"},
        {"descr", "holes", "org", "member-of", "inject", "aggr-mtd", "aggr-bndry", "export-comps",
         "components", "remarks", "notify", "mnt-lower", "mnt-routes", "pingable", "ping-hdl",
         "created", "last-modified"},
        {"route6", "origin", "org", "aggr-mtd", "aggr-bndry", "export-comps", "components",
         "source", "created", "last-modified"},
    ),
}  # fmt: skip

STATUSES = {
    "ALLOCATED-BY-RIR", "ALLOCATED-BY-LIR", "AGGREGATED-BY-LIR", "ASSIGNED", "ASSIGNED ANYCAST",
    "ASSIGNED PI",
}  # fmt: skip

#: status → the statuses its nearest registered parent may have (RIPE DB hierarchy rules).
PARENTS = {
    "ALLOCATED-BY-LIR": {"ALLOCATED-BY-RIR", "ALLOCATED-BY-LIR"},
    "AGGREGATED-BY-LIR": {"ALLOCATED-BY-RIR", "ALLOCATED-BY-LIR", "AGGREGATED-BY-LIR"},
    "ASSIGNED": {"ALLOCATED-BY-RIR", "ALLOCATED-BY-LIR", "AGGREGATED-BY-LIR"},
}

_KEY = re.compile(r"[a-z][a-z0-9-]*\Z")
_NETNAME = re.compile(r"[A-Za-z](?:[A-Za-z0-9_-]{0,78}[A-Za-z0-9])?\Z")
_HANDLE = re.compile(r"(?:[A-Z0-9][A-Z0-9_-]*|<[A-Z-]+>)\Z")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def parse(text: str) -> list[list[tuple[str, str]]]:
    """Every object in the file (the commented reference object included, unmarked)."""
    objects = []
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line]
        if lines and lines[0].startswith("# reference:"):  # the RIR's object, commented out
            lines = [line.removeprefix("# ") for line in lines[1:]]
        lines = [line for line in lines if not line.startswith("#")]
        if not lines:
            continue
        attrs = []
        for line in lines:
            assert line[0] not in " \t+", f"continuation line {line!r}"
            key, colon, value = line.partition(":")
            assert colon and _KEY.match(key), f"not an attribute: {line!r}"
            assert not _CONTROL.search(value), f"control character in {line!r}"
            assert value.strip(), f"empty value: {line!r}"
            attrs.append((key, value.strip()))
        objects.append(attrs)
    return objects


def validate(attrs: list[tuple[str, str]]) -> dict[str, str]:
    """One object by its class's template; its attributes as a dict."""
    cls = attrs[0][0]
    assert cls in TEMPLATES, f"not an object class we write: {cls}"
    mandatory, optional, single = TEMPLATES[cls]
    keys = [k for k, _ in attrs]
    assert mandatory <= set(keys), f"{cls} without {mandatory - set(keys)}"
    assert set(keys) <= mandatory | optional, f"{cls} with {set(keys) - mandatory - optional}"
    for key in single:
        assert keys.count(key) <= 1, f"{cls}: {key} twice"
    obj = dict(attrs)
    network = ipaddress.IPv6Network(obj[cls])  # strict: no host bits
    assert obj[cls] == str(network)  # and written in canonical form
    for key in ("admin-c", "tech-c", "mnt-by", "mnt-lower", "org"):
        if key in obj:
            assert _HANDLE.match(obj[key]), obj[key]
    if cls == "inet6num":
        assert obj["status"] in STATUSES
        assert _NETNAME.match(obj["netname"]), obj["netname"]
        assert re.fullmatch(r"[A-Z]{2}|<CC>", obj["country"])
        if obj["status"] == "AGGREGATED-BY-LIR":
            size = int(obj["assignment-size"])
            assert network.prefixlen < size <= 128
        else:
            assert "assignment-size" not in obj
        if obj["status"].startswith("ALLOCATED"):
            assert "org" in obj
    else:
        match = re.fullmatch(r"AS([1-9][0-9]*)", obj["origin"])
        assert match and int(match.group(1)) < 2**32, obj["origin"]
    return obj


def check_file(text: str) -> list[dict[str, str]]:
    """Every object valid, each inet6num under a parent allowed to hold it."""
    objects = [validate(o) for o in parse(text)]
    registered: list[tuple[ipaddress.IPv6Network, str]] = []
    for obj in objects:
        if "inet6num" not in obj:
            continue
        network = ipaddress.IPv6Network(obj["inet6num"])
        above = [(n, s) for n, s in registered if network.subnet_of(n) and n != network]
        if above:
            parent = max(above, key=lambda ns: ns[0].prefixlen)[1]
            assert parent in PARENTS.get(obj["status"], set()), (obj["inet6num"], parent)
            aggregated = [s for _, s in above if s == "AGGREGATED-BY-LIR"]
            assert len(aggregated) + (obj["status"] == "AGGREGATED-BY-LIR") <= 2
        registered.append((network, obj["status"]))
    return objects


def by_status(objects: list[dict[str, str]], status: str) -> list[str]:
    return [o["inet6num"] for o in objects if o.get("status") == status]


HANDLES = {"admin-c": "AA1-RIPE", "tech-c": "TT1-RIPE", "mnt-by": "EX-MNT", "org": "ORG-EX1-RIPE"}


@pytest.mark.parametrize("name", ["operator-29", "isp-core", "campus", "government"])
@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"origin": "AS64500", "announce": "2", "infrastructure": "yes", "lir-depth": "1"},
        {**HANDLES, "country": "ke", "source": "afrinic", "origin": "as4200000000"},
    ],
)
def test_every_object_follows_the_ripe_templates(name: str, settings: dict[str, str]) -> None:
    objects = check_file(export(example(name), "rpsl", **settings))
    assert objects
    assert any("route6" in o for o in objects) == ("origin" in settings)


def test_internal_regions_are_no_sub_allocations() -> None:
    """ALLOCATED-BY-LIR is a sub-allocation to another LIR: only when asked (lir-depth)."""
    plan = example("operator-29")
    objects = check_file(export(plan, "rpsl"))
    assert by_status(objects, "ALLOCATED-BY-LIR") == []
    assert len(by_status(objects, "AGGREGATED-BY-LIR")) == 12  # the customer pools
    assert len(by_status(objects, "ASSIGNED")) == 60  # the PoPs (end sites)
    asked = check_file(export(plan, "rpsl", **{"lir-depth": "1"}))
    assert by_status(asked, "ALLOCATED-BY-LIR") == ["3fff:8::/32", "3fff:9::/32", "3fff:a::/32"]


def test_infrastructure_is_registered_only_when_asked() -> None:
    plan = example("isp-core")
    objects = check_file(export(plan, "rpsl"))
    # core (role infrastructure) is the ISP's own network; north and south are end sites
    assert by_status(objects, "ASSIGNED") == ["2001:db8:1::/48", "2001:db8:2::/48"]
    pools = {o["inet6num"]: o["assignment-size"] for o in objects if "assignment-size" in o}
    assert pools == {"2001:db8:100::/40": "56", "2001:db8:200::/40": "48"}
    asked = check_file(export(plan, "rpsl", infrastructure="yes"))
    assert by_status(asked, "ASSIGNED") == ["2001:db8::/48", "2001:db8:1::/48", "2001:db8:2::/48"]


def test_route6_for_the_announced_aggregates() -> None:
    plan = example("isp-core")
    objects = check_file(export(plan, "rpsl", origin="as64500"))
    routes = [(o["route6"], o["origin"]) for o in objects if "route6" in o]
    assert routes == [("2001:db8::/32", "AS64500")]  # the allocation, as one aggregate
    deeper = check_file(export(plan, "rpsl", origin="AS64500", announce="1"))
    assert [o["route6"] for o in deeper if "route6" in o] == [
        "2001:db8::/32",
        "2001:db8::/48",
        "2001:db8:1::/48",
        "2001:db8:2::/48",
        "2001:db8:100::/40",
        "2001:db8:200::/40",
    ]  # fmt: skip  (the reserve kept free for a third PoP is not announced)
    node = check_file(export_node(plan, "north", origin="AS4294967295"))
    assert [(o["route6"], o["origin"]) for o in node if "route6" in o] == [
        ("2001:db8:1::/48", "AS4294967295")
    ]


def export_node(plan: Plan, node: str, **settings: str) -> str:
    out = io.StringIO()
    write(plan, "rpsl", out, ExportOptions(node=node, settings=settings))
    return out.getvalue()


@pytest.mark.parametrize(
    "origin", ["64500", "AS", "AS0", "AS4294967296", "AS-64500", "ASx1", "AS 64500", "AS064500"]
)
def test_origin_must_be_a_32_bit_as_number(origin: str) -> None:
    with pytest.raises(InputError, match="origin"):
        export(example("isp-core"), "rpsl", origin=origin)


def test_announce_needs_an_origin() -> None:
    with pytest.raises(InputError, match="origin"):
        export(example("isp-core"), "rpsl", announce="1")


def test_free_text_never_starts_an_attribute_or_an_object() -> None:
    plan = plan_of(
        """
        plan: "Evil\\n\\nroute6: 2001:db8::/32\\norigin: AS1"
        prefix: 2001:db8::/32
        children:
          - name: pool
            description: "x\\nstatus: ASSIGNED PI\\n mnt-by: EVIL\\u2028+ more"
            children:
              - {name: c, role: customer, count: 4, size: /56}
        """
    ).plan
    text = export(plan, "rpsl", origin="AS64500")
    objects = check_file(text)
    assert [o.get("route6") for o in objects if "route6" in o] == ["2001:db8::/32"]
    (pool,) = [o for o in objects if o.get("status") == "AGGREGATED-BY-LIR"]
    assert pool["assignment-size"] == "56" and "ASSIGNED PI" in pool["descr"]
