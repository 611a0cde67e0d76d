"""Topologies: nodes and point-to-point links in YAML, addressed from a plan.

A topology file is containerlab-like::

    topology: two-lans
    plan: two-lans.plan.yaml          # the plan spec its addressing comes from
    nodes:
      h1: {kind: host}
      r1: {kind: router, loopback: loopbacks/r1}
    links:
      - endpoints: ["h1:eth0", "r1:eth0"]
        plan: lans/lan-1              # a LAN /64: routers get ::1, ::2…, hosts ::10, ::11…
      - endpoints: ["r1:eth1", "r2:eth1"]
        plan: core/link-1             # a p2p /64: the two ends of its /127 (RFC 6164)
      - kind: segment                 # a shared LAN: a switch joining any number of ends
        name: lan                     # (netns: Linux bridge br-lan; sim: a learning switch)
        endpoints: ["h2:eth0", "h3:eth0", "h4:eth0", "r2:eth0"]
        plan: lans/lan-2              # every end an address of the LAN /64, as for a link

Loading checks the file's shape (file:line:column for every problem); :func:`resolve`
checks the plan references against a built plan and computes every address, the
static routes that make the network work, and the names a lab's texts can use
(``{h1.eth0}``, ``{lan-1}`` …).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from ..._errors import AddressError, NotFoundError, Problem, SpecError
from ..._limits import TOPOLOGY_LINKS, TOPOLOGY_NODES
from ..._prefix import format_address, format_prefix, host_mask, parse_address
from ..._radvd import INFINITY
from ..runtime._backend import (
    LinkSpec,
    NodeKind,
    NodeSpec,
    Preference,
    SegmentSpec,
    TopologySpec,
    node_kind,
)
from ._yaml import Reader, closest, is_file

if TYPE_CHECKING:
    from ..._plan import Node as PlanNode
    from ..._plan import Plan

__all__ = [
    "Addressing",
    "Assignment",
    "Endpoint",
    "Link",
    "Node",
    "Topology",
    "load_plan_for",
    "load_topology",
    "resolve",
]

KINDS: tuple[NodeKind, ...] = get_args(NodeKind)
_NODE_KEYS = ("kind", "description", "forwarding", "accept_ra", "dad", "sysctls", "loopback")
_LINK_KEYS = ("endpoints", "plan", "advertise", "addresses", "description", "kind", "name")
#: what a ``links:`` item is: a point-to-point link (a veth pair) or a shared segment (a switch)
LinkKind = Literal["link", "segment"]
LINK_KINDS: tuple[LinkKind, ...] = get_args(LinkKind)
_TOP_KEYS = ("topology", "description", "plan", "nodes", "links", "routes")
_ADVERTISE_KEYS = (
    "managed", "other", "interval", "lifetime", "autonomous", "onlink", "valid", "preferred",
    "hop_limit", "mtu", "reachable", "retrans", "preference", "rdnss", "dnssl", "dns_lifetime",
)  # fmt: skip
#: integer options of an advertisement and their ranges (radvd's; _backend.RouterAdvert)
_ADVERTISE_INTS = {
    "interval": (4, 1800, "10"),
    "lifetime": (0, 9000, "1800"),
    "valid": (0, 0xFFFFFFFF, "86400"),
    "preferred": (0, 0xFFFFFFFF, "14400"),
    "hop_limit": (0, 255, "64"),
    "mtu": (0, 65535, "1500"),
    "reachable": (0, 3600000, "30000"),
    "retrans": (0, 0xFFFFFFFF, "1000"),
    "dns_lifetime": (0, 0xFFFFFFFF, "1200"),
}
#: lifetimes that may be written ``infinity`` (all ones, RFC 4861 §4.6.2; RFC 8106 §5.1)
_ADVERTISE_INFINITE = ("valid", "preferred", "dns_lifetime")
_NODE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,7}$")
_IFNAME = re.compile(r"^[a-z][a-z0-9]{0,7}$")
#: No static address for this endpoint (it forms one by SLAAC, or the trainee adds it).
NO_ADDRESS = ("none", "slaac")


@dataclass(frozen=True)
class Endpoint:
    node: str
    iface: str

    def __str__(self) -> str:
        return f"{self.node}:{self.iface}"


@dataclass
class Node:
    name: str
    kind: NodeKind = "host"
    description: str = ""
    forwarding: bool | None = None
    accept_ra: int | None = None
    dad: bool = False
    sysctls: dict[str, str] = field(default_factory=dict)
    loopback: str = ""
    place: tuple[int, int] = (0, 0)
    places: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def forwards(self) -> bool:
        return self.kind == "router" if self.forwarding is None else self.forwarding

    def node_sysctls(self) -> dict[str, str]:
        """Sysctls applied before any interface exists (so ``default`` reaches every one)."""
        out: dict[str, str] = {}
        fwd = "1" if self.forwards else "0"
        for scope in ("all", "default"):
            out[f"net.ipv6.conf.{scope}.forwarding"] = fwd
            out[f"net.ipv6.conf.{scope}.accept_dad"] = "1" if self.dad else "0"
        if self.accept_ra is not None:
            out["net.ipv6.conf.all.accept_ra"] = str(self.accept_ra)
            out["net.ipv6.conf.default.accept_ra"] = str(self.accept_ra)
        out.update(self.sysctls)
        return out


@dataclass
class Link:
    """A ``links:`` item: two ends (a veth pair), or for ``kind: segment`` any number of
    ends on one switch (a Linux bridge; the simulator's learning switch)."""

    ends: tuple[Endpoint, ...]
    kind: LinkKind = "link"
    name: str = ""  # a segment's name (its bridge is br-<name>)
    plan: str = ""
    advertise: dict[str, Any] | None = None
    #: per-router advertisements (``advertise: {r2: {preference: high}}``): the link's
    #: options with the router's own on top
    advertise_by: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: per-router ``plan:`` (``advertise: {rogue: {plan: bogus}}``): the plan block that
    #: router advertises instead of the link's own (a rogue router's prefix)
    advertise_plan: dict[str, str] = field(default_factory=dict)
    #: Interface identifiers per node name; ``None`` means no static address.
    iids: dict[str, int | None] = field(default_factory=dict)
    description: str = ""
    place: tuple[int, int] = (0, 0)
    places: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def a(self) -> Endpoint:
        return self.ends[0]

    @property
    def b(self) -> Endpoint:
        return self.ends[1]

    def __str__(self) -> str:
        if self.kind == "segment":
            return f"segment {self.name} ({', '.join(str(e) for e in self.ends)})"
        return f"{self.a} — {self.b}"


@dataclass
class Topology:
    name: str
    file: str
    nodes: dict[str, Node]
    links: list[Link]
    description: str = ""
    plan_file: Path | None = None
    routes: str = "static"  # "static": the engine computes routes for configured nodes; "none"

    def interfaces(self, node: str) -> list[str]:
        names = [e.iface for link in self.links for e in link.ends if e.node == node]
        return sorted(names, key=_natural)

    def neighbours(self, endpoint: Endpoint) -> Endpoint | None:
        """The other end of a point-to-point link (None on a segment: see :meth:`peers`)."""
        peers = self.peers(endpoint)
        return peers[0] if len(peers) == 1 and self.link_of(endpoint).kind == "link" else None

    def peers(self, endpoint: Endpoint) -> list[Endpoint]:
        """Every other end of the link or segment ``endpoint`` is on."""
        link = self.link_of(endpoint)
        return [e for e in link.ends if e != endpoint] if link.ends else []

    def link_of(self, endpoint: Endpoint) -> Link:
        for link in self.links:
            if endpoint in link.ends:
                return link
        return Link(ends=())


def _natural(text: str) -> tuple[str, int]:
    stem = text.rstrip("0123456789")
    digits = text[len(stem) :]
    return stem, int(digits) if digits else -1


# -- loading -----------------------------------------------------------------------------------
def load_topology(path: str | Path) -> Topology:
    """Read and check a topology file; raise :class:`SpecError` listing every problem."""
    reader = Reader(path)
    root = reader.load("topology")
    topology = _read(reader, root)
    reader.done()
    assert topology is not None
    return topology


def _read(r: Reader, root: Any) -> Topology | None:
    keys = r.mapping(root, _TOP_KEYS, "topology")
    if keys is None:
        return None
    get = {k: v for k, (_, v) in keys.items()}
    name = r.string(get["topology"], "topology") if "topology" in get else None
    topology = Topology(name=name or Path(r.file).stem, file=r.file, nodes={}, links=[])
    if "description" in get:
        topology.description = r.string(get["description"], "description") or ""
    if "plan" in get:
        plan = r.string(get["plan"], "plan")
        if plan:
            path = Path(r.file).parent / plan
            if not is_file(path):
                r.problem(get["plan"], f"the plan {plan!r} is not a file next to the topology")
            topology.plan_file = path
    if "routes" in get:
        routes = r.string(get["routes"], "routes")
        if routes not in ("static", "none"):
            r.problem(get["routes"], f"'routes' is {routes!r}; use static or none")
        else:
            topology.routes = routes
    if "nodes" not in get:
        r.problem(root, "the topology has no 'nodes'", "add `nodes:` with a host and a router")
    else:
        pairs = r.pairs(get["nodes"], "'nodes'")
        if len(pairs) > TOPOLOGY_NODES:  # every node is built: a namespace or a sim stack
            r.problem(
                get["nodes"],
                f"the topology has {len(pairs):,} nodes; a lab topology has at most "
                f"{TOPOLOGY_NODES}",
                "split it, or export it to containerlab for a bigger network",
            )
            return topology
        for node_name, key_node, value in pairs:
            node = _read_node(r, node_name, key_node, value)
            if node is not None:
                topology.nodes[node_name] = node
    if "links" in get:
        items = r.items(get["links"], "'links'")
        if len(items) > TOPOLOGY_LINKS:
            r.problem(
                get["links"],
                f"the topology has {len(items):,} links; a lab topology has at most "
                f"{TOPOLOGY_LINKS}",
                "split it into smaller labs",
            )
            return topology
        for item in items:
            link = _read_link(r, item, topology)
            if link is not None:
                topology.links.append(link)
    _check_links(r, topology)
    return topology


def _read_node(r: Reader, name: str, key_node: Any, value: Any) -> Node | None:
    if not _NODE_NAME.match(name):
        r.problem(
            key_node,
            f"node name {name!r} is not usable",
            "use 1 to 8 lower-case letters, digits or '-', starting with a letter (r1, h1, core-a)",
        )
        return None
    import yaml

    if isinstance(value, yaml.ScalarNode):  # shorthand: `r1: router`
        shorthand = node_kind(value.value)
        if shorthand is None:
            hint = closest(value.value, KINDS) or "use host or router"
            r.problem(value, f"unknown kind {value.value!r} for node {name!r}", hint)
            return None
        return Node(name=name, kind=shorthand, place=r.where(key_node))
    keys = r.mapping(value, _NODE_KEYS, f"node {name!r}")
    if keys is None:
        return None
    get = {k: v for k, (_, v) in keys.items()}
    node = Node(name=name, place=r.where(key_node), places={k: r.where(v) for k, v in get.items()})
    if "kind" in get:
        text = r.string(get["kind"], "kind")
        kind = node_kind(text)
        if kind is None:
            hint = closest(text or "", KINDS) or "use host or router"
            r.problem(get["kind"], f"unknown kind {text!r} for node {name!r}", hint)
        else:
            node.kind = kind
    if "description" in get:
        node.description = r.string(get["description"], "description") or ""
    if "forwarding" in get:
        node.forwarding = r.boolean(get["forwarding"], "forwarding")
    if "accept_ra" in get:
        node.accept_ra = r.integer(get["accept_ra"], "accept_ra", 0, 2, "2")
    if "dad" in get:
        flag = r.boolean(get["dad"], "dad")
        node.dad = bool(flag)
    if "loopback" in get:
        node.loopback = r.string(get["loopback"], "loopback") or ""
    if "sysctls" in get:
        for key, key_node2, val in r.pairs(get["sysctls"], "'sysctls'"):
            if not key.startswith("net.ipv6."):
                r.problem(key_node2, f"sysctl {key!r} is not an IPv6 one", "use net.ipv6.…")
                continue
            text = r.string(val, key)
            if text is not None:
                node.sysctls[key] = text
    return node


def _endpoint(r: Reader, item: Any, topology: Topology) -> Endpoint | None:
    text = r.string(item, "endpoints")
    if text is None:
        return None
    node, colon, iface = text.partition(":")
    if not colon or not iface:
        r.problem(item, f"endpoint {text!r} needs a node and an interface", 'write "r1:eth0"')
        return None
    if node not in topology.nodes:
        hint = closest(node, list(topology.nodes)) or "declare it under 'nodes'"
        r.problem(item, f"endpoint {text!r} names node {node!r}, which is not declared", hint)
        return None
    if not _IFNAME.match(iface) or iface == "lo":
        r.problem(
            item,
            f"interface name {iface!r} is not usable",
            "use a short lower-case name such as eth0 (up to 8 characters; not lo)",
        )
        return None
    return Endpoint(node, iface)


def _read_link(r: Reader, item: Any, topology: Topology) -> Link | None:
    keys = r.mapping(item, _LINK_KEYS, "link")
    if keys is None:
        return None
    get = {k: v for k, (_, v) in keys.items()}
    if "endpoints" not in get:
        r.problem(item, "a link has no 'endpoints'", 'add `endpoints: ["r1:eth0", "h1:eth0"]`')
        return None
    kind, name = _link_kind(r, get)
    if kind is None:
        return None
    raw = r.items(get["endpoints"], "'endpoints'")
    if kind == "link" and len(raw) != 2:
        r.problem(
            get["endpoints"],
            f"a link joins exactly two endpoints, not {len(raw)}",
            "links are point-to-point (a veth pair); for a shared LAN write `kind: segment`",
        )
        return None
    if kind == "segment" and not 2 <= len(raw) <= TOPOLOGY_NODES:
        r.problem(
            get["endpoints"],
            f"a segment joins 2 to {TOPOLOGY_NODES} endpoints, not {len(raw)}",
        )
        return None
    read = [_endpoint(r, e, topology) for e in raw]
    ends = [e for e in read if e is not None]
    if len(ends) != len(read):
        return None
    nodes = [e.node for e in ends]
    twice = sorted({n for n in nodes if nodes.count(n) > 1})
    if twice:
        r.problem(get["endpoints"], f"a {kind} cannot join node {twice[0]!r} to itself")
        return None
    link = Link(
        ends=tuple(ends),
        kind=kind,
        name=name,
        place=r.where(item),
        places={k: r.where(v) for k, v in get.items()},
    )
    if "plan" in get:
        link.plan = (r.string(get["plan"], "plan") or "").strip("/")
    if "description" in get:
        link.description = r.string(get["description"], "description") or ""
    if "advertise" in get:
        link.advertise, link.advertise_by, link.advertise_plan = _read_advertise_by(
            r, get["advertise"], nodes
        )
        link.places.update(
            {f"advertise:{n}": r.where(get["advertise"]) for n in link.advertise_plan}
        )
    if "addresses" in get:
        for node_name, key_node, value in r.pairs(get["addresses"], "'addresses'"):
            if node_name not in nodes:
                r.problem(key_node, f"{node_name!r} is not an end of this link")
                continue
            text = (r.string(value, node_name) or "").strip()
            if text in NO_ADDRESS:
                link.iids[node_name] = None
                continue
            try:
                iid = parse_address(text if ":" in text else f"::{text}")
            except AddressError as exc:
                r.problem(value, str(exc), 'give an interface identifier such as "::10"')
                continue
            link.iids[node_name] = iid
    return link


def _link_kind(r: Reader, get: dict[str, Any]) -> tuple[LinkKind | None, str]:
    """A ``links:`` item's ``kind`` (link unless told) and a segment's ``name``."""
    kind: LinkKind = "link"
    if "kind" in get:
        text = r.string(get["kind"], "kind") or ""
        found = next((k for k in LINK_KINDS if k == text), None)
        if found is None:
            hint = closest(text, LINK_KINDS) or "use link or segment"
            r.problem(get["kind"], f"unknown link kind {text!r}", hint)
            return None, ""
        kind = found
    name = r.string(get["name"], "name") or "" if "name" in get else ""
    if kind == "segment" and not _NODE_NAME.match(name):
        r.problem(
            get.get("name", get["kind"]),
            f"a segment needs a name of 1 to 8 lower-case letters, digits or '-', not {name!r}",
            "add `name: lan` (its switch is then br-lan)",
        )
        return None, ""
    if kind == "link" and "name" in get:
        r.problem(get["name"], "only a segment has a name", "add `kind: segment` or drop it")
        return None, ""
    return kind, name


def _read_advertise_by(
    r: Reader, node: Any, ends: list[str]
) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]], dict[str, str]]:
    """``advertise:`` whose keys may also name an end of the link (two routers on one
    LAN, each with its own preference or lifetime): the options for every router, and per
    named router those options with its own on top, each read and checked as a whole, and
    the plan block a router advertises instead of the link's (its ``plan:``)."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return _read_advertise(r, node), {}, {}
    plans: dict[str, str] = {}
    common = [
        (k, v) for k, v in node.value if not (isinstance(k, yaml.ScalarNode) and k.value in ends)
    ]
    own = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value in ends]
    shared = yaml.MappingNode(node.tag, common, node.start_mark, node.end_mark)
    out = _read_advertise(r, shared)
    by: dict[str, dict[str, Any]] = {}
    for key, value in own:
        if not isinstance(value, yaml.MappingNode):
            r.problem(
                value,
                f"advertise: {key.value} must be a mapping of options",
                "e.g. {preference: high}",
            )
            continue
        pairs = []
        for k, v in value.value:
            if isinstance(k, yaml.ScalarNode) and k.value == "plan":
                plans[key.value] = (r.string(v, "plan") or "").strip("/")
            else:
                pairs.append((k, v))
        mine = {k.value for k, _ in pairs if isinstance(k, yaml.ScalarNode)}
        merged = [(k, v) for k, v in common if k.value not in mine] + pairs
        got = _read_advertise(
            r, yaml.MappingNode(value.tag, merged, value.start_mark, value.end_mark)
        )
        if got is not None:
            by[key.value] = got
    return out, by, plans


def _read_advertise(r: Reader, node: Any) -> dict[str, Any] | None:
    """``advertise:`` — each value checked where it is written (line:column), then the rules
    between values (preferred within valid …) at the value that breaks them."""
    import yaml

    if isinstance(node, yaml.ScalarNode):
        flag = r.boolean(node, "advertise")
        return {} if flag else None
    keys = r.mapping(node, _ADVERTISE_KEYS, "'advertise'")
    if keys is None:
        return None
    out: dict[str, Any] = {}
    for key, (_, value) in keys.items():
        got = _advertise_value(r, key, value)
        if got is not None:
            out[key] = got
    from .._errors import AdvertError
    from ..runtime._backend import router_advert

    try:  # the backends' own reading of these options (one meaning for both)
        router_advert(out)
    except AdvertError as exc:
        # the rule's message names the key it is about; point at that key's value
        text = str(exc)
        named = sorted((text.index(f"'{k}'"), k) for k in keys if f"'{k}'" in text)
        r.problem(keys[named[0][1]][1] if named else node, text)
    return out


def _advertise_value(r: Reader, key: str, value: Any) -> object:
    """One ``advertise:`` value, or None after a problem (at its place) is noted."""
    if key in _ADVERTISE_INTS:
        low, high, example = _ADVERTISE_INTS[key]
        if key in _ADVERTISE_INFINITE and (r.string(value, key) or "").strip() == "infinity":
            return INFINITY
        return r.integer(value, key, low, high, example)
    if key == "preference":
        text = r.string(value, key)
        if text not in get_args(Preference):
            r.problem(value, f"'preference' is {text!r}; use low, medium or high")
            return None
        return text
    if key in ("rdnss", "dnssl"):
        items = r.strings(value, key)
        from .._errors import AdvertError
        from ..runtime._backend import router_advert

        for item, item_node in zip(items, _item_nodes(value), strict=False):
            try:  # each server or domain on its own, at its own place
                router_advert({key: [item]})
            except AdvertError as exc:
                r.problem(item_node, str(exc))
                return None
        return items
    return r.boolean(value, key)


def _item_nodes(node: Any) -> list[Any]:
    """A YAML list's item nodes (a single scalar stands for a list of one)."""
    import yaml

    return list(node.value) if isinstance(node, yaml.SequenceNode) else [node]


def _check_links(r: Reader, topology: Topology) -> None:
    used: dict[Endpoint, Link] = {}
    names: set[str] = set()
    for link in topology.links:
        if link.kind == "segment":
            if link.name in names:
                r.problem_at(link.place, f"two segments are named {link.name!r}")
            names.add(link.name)
        for end in link.ends:
            if end in used:
                r.problem_at(
                    link.place,
                    f"interface {end} is used by two links",
                    "give each link its own interface (eth0, eth1, …)",
                )
            used[end] = link
        for name in link.advertise_by:
            if topology.nodes[name].kind != "router":
                r.problem_at(
                    link.places.get("advertise", link.place),
                    f"advertise: {name} is not a router: only routers advertise",
                    "give the options to a router end, or make the node kind: router",
                )
        if link.advertise is not None:
            routers = [e for e in link.ends if topology.nodes[e.node].kind == "router"]
            if not routers:
                r.problem_at(
                    link.places.get("advertise", link.place),
                    f"link {link} advertises a prefix, but "
                    + ("neither end" if link.kind == "link" else "no end")
                    + " is a router",
                )
    for node in topology.nodes.values():
        if not any(e.node == node.name for link in topology.links for e in link.ends):
            r.problem_at(node.place, f"node {node.name!r} has no link", "add it to a link")


# -- addressing from a plan ------------------------------------------------------------------------
@dataclass(frozen=True)
class Assignment:
    """One planned address: ``node:iface`` gets ``address/length`` from plan node ``path``."""

    node: str
    iface: str
    address: int
    length: int
    block: tuple[int, int]  # the plan block the address must sit in
    path: str  # plan path

    @property
    def text(self) -> str:
        return format_address(self.address)

    @property
    def cidr(self) -> str:
        return f"{format_address(self.address)}/{self.length}"


@dataclass
class Addressing:
    """A topology resolved against a plan: addresses, blocks, routes, advertisements."""

    topology: Topology
    plan: Plan
    assignments: list[Assignment]
    #: plan block of every interface with a plan reference (``lo`` for loopbacks)
    blocks: dict[Endpoint, tuple[int, int, str]]
    #: routes that make the network work, per node: (net, length, via)
    routes: dict[str, list[tuple[int, int, int]]]
    advertise: dict[str, dict[str, dict[str, object]]]

    def of(self, node: str, iface: str | None = None) -> list[Assignment]:
        return [a for a in self.assignments if a.node == node and iface in (None, a.iface)]

    def address(self, node: str, iface: str) -> Assignment | None:
        found = self.of(node, iface)
        return found[0] if found else None

    def variables(self) -> dict[str, str]:
        """Names a lab's texts and commands may use, e.g. ``{h1.eth0}``, ``{lan-1}``."""
        out: dict[str, str] = {"plan": str(self.plan.prefix), "plan.title": self.plan.title}
        for a in self.assignments:
            key = f"{a.node}.{a.iface}"
            out[key] = a.text
            out[f"{key}.cidr"] = a.cidr
            out[f"{key}.net"] = format_prefix(*a.block)
            out[f"{key}.len"] = str(a.length)
        for end, (net, length, path) in self.blocks.items():
            key = f"{end.node}.{end.iface}"
            out.setdefault(f"{key}.net", format_prefix(net, length))
            if end.iface == "lo":  # a loopback's plan path names its /128
                out[path] = out.get(f"{key}.cidr", format_prefix(net, length))
                continue
            out[path] = format_prefix(net, length)
            out.setdefault(path.rpartition("/")[2], format_prefix(net, length))
        return out

    def spec(
        self, configure: set[str] | None = None, extra: dict[str, list[list[str]]] | None = None
    ) -> TopologySpec:
        """What the backend builds; ``configure`` = nodes whose planned addresses and routes
        the engine sets up (None: every node), ``extra`` = more commands per node."""
        topo = self.topology
        nodes = tuple(
            NodeSpec(
                name=n.name,
                kind=n.kind,
                sysctls=n.node_sysctls(),
                advertise=self.advertise.get(n.name, {}),
            )
            for n in topo.nodes.values()
        )
        links = tuple(
            LinkSpec((link.a.node, link.a.iface), (link.b.node, link.b.iface))
            for link in topo.links
            if link.kind == "link"
        )
        segments = tuple(
            SegmentSpec(link.name, tuple((e.node, e.iface) for e in link.ends))
            for link in topo.links
            if link.kind == "segment"
        )
        setup: dict[str, tuple[tuple[str, ...], ...]] = {}
        for name in topo.nodes:
            commands: list[tuple[str, ...]] = []
            if configure is None or name in configure:
                commands.extend(self.setup_commands(name))
            commands.extend(tuple(c) for c in (extra or {}).get(name, []))
            if commands:
                setup[name] = tuple(commands)
        return TopologySpec(
            name=topo.name, nodes=nodes, links=links, setup=setup, segments=segments
        )

    def setup_commands(self, node: str) -> list[tuple[str, ...]]:
        """``ip`` commands that give ``node`` its planned addresses and routes."""
        out: list[tuple[str, ...]] = [
            ("ip", "-6", "addr", "add", a.cidr, "dev", a.iface) for a in self.of(node)
        ]
        for net, length, via in self.routes.get(node, []):
            dst = "default" if length == 0 else format_prefix(net, length)
            out.append(("ip", "-6", "route", "add", dst, "via", format_address(via)))
        return out


def load_plan_for(spec_path: Path, prefix: tuple[int, int] | None = None) -> Plan:
    """Build the plan a topology or lab takes its addressing from, optionally re-rooted
    at a variant's ``prefix`` (the shape stays; every block moves with the root)."""
    from ..._build import build
    from ..._lock import Lock, lock_path_for
    from ..._spec import load_spec

    spec = load_spec(spec_path)
    lock = None
    if prefix is not None:
        if prefix[1] > spec.prefix[1]:
            raise SpecError(
                [
                    Problem(
                        str(spec_path),
                        *spec.place("prefix"),
                        f"the variant's prefix {format_prefix(*prefix)} is smaller than the "
                        f"plan's /{spec.prefix[1]}",
                        f"give the variant a /{spec.prefix[1]} or shorter",
                    )
                ]
            )
        spec.prefix = prefix
    else:
        lock_file = lock_path_for(spec_path)
        lock = Lock.read(lock_file) if lock_file.exists() else None
    return build(spec, lock, lock_file=str(lock_path_for(spec_path))).plan


def resolve(topology: Topology, plan: Plan, plan_file: str = "") -> Addressing:
    """Give every linked interface its planned address; raise SpecError for bad references."""
    work = _Resolution(topology, plan, plan_file)
    for link in topology.links:
        if link.plan:
            work.link(link)
    for tnode in topology.nodes.values():
        if tnode.loopback:
            work.loopback(tnode)
    if work.problems:
        raise SpecError(work.problems)
    addressing = Addressing(topology, plan, work.assignments, work.blocks, {}, work.advertise)
    if topology.routes == "static":
        addressing.routes = _static_routes(addressing)
    return addressing


@dataclass
class _Resolution:
    """What :func:`resolve` gathers, link by link and node by node: the problems all at
    once (a lab author fixes every reference in one go), the addresses, each interface's
    plan block and what each router advertises."""

    topology: Topology
    plan: Plan
    plan_file: str
    problems: list[Problem] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    blocks: dict[Endpoint, tuple[int, int, str]] = field(default_factory=dict)
    advertise: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)

    def lookup(self, path: str, place: tuple[int, int], what: str) -> PlanNode | None:
        """The plan node a topology names, or None with a problem that says where to look."""
        try:
            return self.plan.node(self.plan.find_path(path))
        except NotFoundError as exc:
            self.problems.append(
                Problem(
                    self.topology.file,
                    *place,
                    f"{what} refers to plan node {path!r}: {exc}",
                    f"see `v6plan show {self.plan_file or self.plan.source}`",
                )
            )
            return None

    def link(self, link: Link) -> None:
        """A link's ends get addresses in the plan block it names: a p2p /64 a /127 pair,
        a LAN one address an end; a block of another role cannot address a link."""
        node = self.lookup(link.plan, link.places.get("plan", link.place), f"link {link}")
        if node is None:
            return
        for end in link.ends:
            self.blocks[end] = (node.net, node.length, link.plan)
        if node.role == "p2p" and node.length == 64 and link.kind == "link":
            self._p2p(link, node)
            return
        if node.role not in ("lan", "") or node.length > 126:
            self.problems.append(
                Problem(
                    self.topology.file,
                    *link.places.get("plan", link.place),
                    f"link {link} refers to {link.plan!r} ({node.prefix}, role {node.role or 'none'}), "
                    "which is not a LAN or p2p block",
                    "point it at a node with role lan or p2p",
                )
            )
            return
        self._lan(link, node)
        if link.advertise is not None:
            self._advertise(link, node)

    def _p2p(self, link: Link, node: PlanNode) -> None:
        """A point-to-point /64: the end the plan names first gets ::2, the other ::3, each
        as a /127 (the link's own block stays the /64 of the plan)."""
        net, length = node.net, node.length
        low, high = link.a, link.b
        ends = node.ends
        if ends and ends[1] == link.a.node:
            low, high = link.b, link.a
        for end, iid in ((low, 2), (high, 3)):
            if link.iids.get(end.node, iid) is None:
                continue
            self.assignments.append(
                Assignment(end.node, end.iface, net + iid, 127, (net, length), link.plan)
            )

    def _lan(self, link: Link, node: PlanNode) -> None:
        """A LAN: each end gets its interface identifier (``addresses:``, else the next of its
        kind's counter), which must fit in the block's host bits."""
        net, length = node.net, node.length
        counters = {"router": 1, "host": 0x10}
        for end in link.ends:
            kind = self.topology.nodes[end.node].kind
            default = counters[kind]
            counters[kind] += 1
            host_id = link.iids.get(end.node, default)
            if host_id is None:
                continue
            if host_id & ~host_mask(length) or host_id == 0:
                self.problems.append(
                    Problem(
                        self.topology.file,
                        *link.places.get("addresses", link.place),
                        f"interface identifier {format_address(host_id)} of {end.node} does not fit "
                        f"in {node.prefix}",
                    )
                )
                continue
            self.assignments.append(
                Assignment(end.node, end.iface, net | host_id, length, (net, length), link.plan)
            )

    def _advertise(self, link: Link, node: PlanNode) -> None:
        """``advertise:`` on a LAN: its routers send RAs for the link's planned prefix."""
        for end in link.ends:
            if self.topology.nodes[end.node].kind == "router":
                options = dict(link.advertise_by.get(end.node, link.advertise or {}))
                block: PlanNode | None = node
                if end.node in link.advertise_plan:
                    place = link.places.get(f"advertise:{end.node}", link.place)
                    block = self.lookup(link.advertise_plan[end.node], place, f"link {link}")
                if block is None:
                    continue
                options["prefixes"] = [format_prefix(block.net, block.length)]
                self.advertise.setdefault(end.node, {})[end.iface] = options

    def loopback(self, tnode: Node) -> None:
        """A node's loopback: a /128 of the plan on ``lo``; its block (what routes lead to)
        is the plan node above it, the loopbacks' block."""
        place = tnode.places.get("loopback", tnode.place)
        pnode = self.lookup(tnode.loopback, place, f"node {tnode.name}")
        if pnode is None:
            return
        if pnode.length != 128:
            self.problems.append(
                Problem(
                    self.topology.file,
                    *place,
                    f"loopback of {tnode.name} refers to {pnode.prefix}, which is not a /128",
                    "point it at a host under a loopback node, e.g. loopbacks/r1",
                )
            )
            return
        parent = pnode.parent
        block = (parent.net, parent.length) if parent is not None else (pnode.net, 128)
        self.assignments.append(Assignment(tnode.name, "lo", pnode.net, 128, block, tnode.loopback))
        self.blocks[Endpoint(tnode.name, "lo")] = (*block, tnode.loopback)


def _static_routes(addressing: Addressing) -> dict[str, list[tuple[int, int, int]]]:
    """Routes that make every planned block reachable: hosts get a default route via their
    first router; routers get a route per remote block along a shortest path."""
    topo = addressing.topology
    by_end = {(a.node, a.iface): a for a in addressing.assignments}
    routes: dict[str, list[tuple[int, int, int]]] = {}
    # blocks each node has directly attached: (net, length) as configured on the interface
    attached: dict[str, set[tuple[int, int]]] = {n: set() for n in topo.nodes}
    for a in addressing.assignments:
        attached[a.node].add((a.address & ~host_mask(a.length), a.length))
    # adjacency: node → [(neighbour, next hop address of the neighbour)]
    adjacent: dict[str, list[tuple[str, int]]] = {n: [] for n in topo.nodes}
    for link in topo.links:
        for near, far in ((n, f) for n in link.ends for f in link.ends if f != n):
            far_end = by_end.get((far.node, far.iface))
            if far_end is not None and by_end.get((near.node, near.iface)) is not None:
                adjacent[near.node].append((far.node, far_end.address))
    for name, node in topo.nodes.items():
        if node.kind == "host":
            for neighbour, hop in adjacent[name]:
                if topo.nodes[neighbour].kind == "router":
                    routes[name] = [(0, 0, hop)]
                    break
            continue
        first_hop: dict[str, int] = {}
        queue: deque[str] = deque()
        for neighbour, hop in adjacent[name]:
            if topo.nodes[neighbour].kind == "router" and neighbour not in first_hop:
                first_hop[neighbour] = hop
                queue.append(neighbour)
        while queue:
            current = queue.popleft()
            for neighbour, _ in adjacent[current]:
                if (
                    neighbour != name
                    and topo.nodes[neighbour].kind == "router"
                    and neighbour not in first_hop
                ):
                    first_hop[neighbour] = first_hop[current]
                    queue.append(neighbour)
        mine = attached[name]
        wanted: list[tuple[int, int, int]] = []
        seen: set[tuple[int, int]] = set(mine)
        for other in sorted(first_hop, key=_natural):
            for block in sorted(attached[other]):
                if block not in seen:
                    seen.add(block)
                    wanted.append((block[0], block[1], first_hop[other]))
        if wanted:
            routes[name] = wanted
    return routes
