"""The contract between the lab engine and its backends (``sim`` and ``netns``).

The engine (topologies, labs, checks, the ``v6lab`` command) talks to a running
topology only through :class:`Backend`. Both backends must give the same answers to
the same questions — the differential suite runs one scenario on both and compares
verdicts and packets. Addresses are integers, as everywhere in v6plan.

Changes to this file are additive only: the engine and the backends are built side by side.

Additions since the first version (all optional for the engine):

- :func:`interface_macs` — the MAC of every interface, the same on both backends, so
  link-local addresses (EUI-64) and packet traces compare directly.
- :class:`RouterAdvert` / :func:`router_advert` — what ``NodeSpec.advertise`` options mean
  (the keys the topology loader writes), validated once for both backends.
- :func:`node_sysctls` — a node's sysctls as both backends apply them (an advertising
  node forwards, as radvd requires).
- :attr:`Backend.applies_setup` — True when :meth:`Backend.start` runs ``TopologySpec.setup``
  itself (netns: batched, one ``ip -batch`` per namespace); the engine then skips it.
- ``send_l3(..., ifname=None)`` — the outgoing interface for a link-local destination.
- Route protocols are the kernel's: ``ip route add`` makes ``"boot"`` routes on both backends.
- ``TopologySpec.programs`` and :meth:`Backend.missing_programs` — the programs a lab runs on
  its nodes (lab.yaml ``programs:``); a backend that runs real ones says which are not
  installed, and the engine refuses to start before anything is built.
- :meth:`Backend.settle` — let the network's own timers run (DAD, RAs, SLAAC, neighbour
  resolution) until a condition holds or a window passes: netns polls in real time, the
  simulator advances its virtual clock. Checks of things the kernel does over time use it.
- :meth:`Backend.connect`, :attr:`Backend.keeps_journal`, :meth:`Backend.close` and
  :meth:`Backend.run_job` — a backend may keep its topology in a process of the session's
  own (the simulator does, so a command answers without a rebuild): ``connect`` gives a
  stand-in that talks to it, which journals its own commands; ``run_job`` runs a function
  (the checks) on a copy of the network there. The defaults run everything in this process.
- The seal: the engine never asks a backend its name or probes its attributes. What differs
  is declared here with a default: :meth:`Backend.unavailable` (why it cannot run here),
  :meth:`Backend.sweep` (what a killed process left behind), :meth:`Backend.shell_argv`
  (a node's real shell), beside ``persistent``, ``applies_setup`` and ``missing_programs``.
- Closed sets of words are typed: :data:`NodeKind`, :data:`AddressScope`,
  :data:`RouteProto`, :data:`NeighbourState`, :data:`Preference`; a backend reads its own
  words into them with :func:`route_proto` and :func:`neighbour_state`.
- Shared constants once: :data:`NAMESPACE_PREFIX` / :func:`namespace_name`,
  :data:`READY_DEADLINE`, :data:`SLAAC_DEADLINE`; radvd.conf from :func:`radvd_text`
  (the core's one writer, :mod:`v6plan._radvd`).
- :class:`SegmentSpec` / ``TopologySpec.segments`` — multi-access segments (a switch joining
  any number of interfaces); :func:`linked_interfaces` lists link ends and segment members;
  :func:`switch_namespace` names where the session's switches live (netns: one namespace of
  Linux bridges, ``mcast_snooping 0``; the sim's learning switch shows the same name).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Final, Literal, get_args

from ..._radvd import Preference, RadvdInterface, RadvdOptions, RadvdPrefix, radvd_conf
from .._errors import AdvertError, BackendError
from ._wire import MIN_MTU, scope_name
from ._wire import AddressScope as AddressScope  # the scope ip -6 addr prints (RFC 4007)

__all__ = [
    "BRIDGE_AGEING",
    "NAMESPACE_PREFIX",
    "READY_DEADLINE",
    "SETTLE_POLL",
    "SLAAC_DEADLINE",
    "Address",
    "AddressFlag",
    "AddressScope",
    "Backend",
    "CommandResult",
    "Interface",
    "LinkSpec",
    "Neighbour",
    "NeighbourState",
    "NodeKind",
    "NodeSpec",
    "Preference",
    "Route",
    "RouteKind",
    "RouteProto",
    "RouterAdvert",
    "SegmentSpec",
    "TopologySpec",
    "interface_macs",
    "linked_interfaces",
    "namespace_name",
    "neighbour_state",
    "node_kind",
    "node_sysctls",
    "radvd_text",
    "reported_address",
    "route_proto",
    "router_advert",
    "switch_namespace",
    "sysctl_interface",
]

# -- closed sets of words ----------------------------------------------------------------------
#: what a node is: a router forwards (and may advertise), a host does not
NodeKind = Literal["host", "router"]
#: the flags of an address both backends report (``ip -6 addr`` shows more: mngtmpaddr …)
AddressFlag = Literal[
    "tentative",
    "dadfailed",
    "deprecated",
    "permanent",
    "dynamic",
    "nodad",
    # who made the IID: RFC 8981 (temporary), the SLAAC address that manages them, RFC 7217
    "temporary",
    "mngtmpaddr",
    "stable-privacy",
]
#: who made a route, in the kernel's words (``ip -6 route`` ``proto``): ``kernel`` for the
#: prefix route of an address, ``ra`` from router advertisements, ``boot`` for ``ip route
#: add``; routing daemons have their own; ``unknown`` for a number the kernel has no name for
RouteProto = Literal[
    "kernel", "boot", "static", "ra", "redirect", "dhcp", "zebra", "bgp", "ospf", "unknown"
]
#: a neighbour cache entry's state (RFC 4861 §7.3.2, plus the kernel's PERMANENT and FAILED)
NeighbourState = Literal[
    "INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "PERMANENT", "NONE"
]

_KINDS: Final[dict[str, NodeKind]] = {k: k for k in get_args(NodeKind)}
_ADDRESS_FLAGS: Final[dict[str, AddressFlag]] = {f: f for f in get_args(AddressFlag)}
_ROUTE_PROTOS: Final[dict[str, RouteProto]] = {p: p for p in get_args(RouteProto)}
_NEIGHBOUR_STATES: Final[dict[str, NeighbourState]] = {s: s for s in get_args(NeighbourState)}


def node_kind(value: str | None) -> NodeKind | None:
    """``value`` as a :data:`NodeKind`, or None when it is none (a lab file's typo)."""
    return _KINDS.get(value or "")


def route_proto(value: str) -> RouteProto:
    """A backend's own word for who made a route as a :data:`RouteProto`: ``unknown`` for
    any other (``ip route add … proto 42`` is the kernel's too, and it names few numbers)."""
    return _ROUTE_PROTOS.get(value, "unknown")


def neighbour_state(value: str) -> NeighbourState:
    """A backend's own word for a neighbour's state, checked against :data:`NeighbourState`."""
    state = _NEIGHBOUR_STATES.get(value)
    if state is None:
        raise BackendError(f"a backend reported neighbour state {value!r}, not a NeighbourState")
    return state


#: every name a backend makes for a session starts so (netns: its namespaces; the sim shows
#: the same ``link-netns`` names), so one session never collides with another
NAMESPACE_PREFIX: Final = "v6lab-"


def namespace_name(session: str, node: str) -> str:
    """The namespace of ``node`` in ``session``: ``v6lab-<session>-<node>``."""
    return f"{NAMESPACE_PREFIX}{session}-{node}"


#: the pseudo node name of a session's switches: no node name starts with "-", so
#: ``v6lab-<session>--sw`` never collides with a node, and a teardown by the session's
#: prefix takes it with the nodes
SWITCH_NODE: Final = "-sw"


#: seconds a segment's switch keeps a learned MAC (the Linux bridge's default ageing time)
BRIDGE_AGEING: Final = 300.0


def switch_namespace(session: str) -> str:
    """Where the segments' bridges of ``session`` live: ``v6lab-<session>--sw``."""
    return namespace_name(session, SWITCH_NODE)


# -- what to build ---------------------------------------------------------------------------
@dataclass(frozen=True)
class NodeSpec:
    name: str
    kind: NodeKind = "host"
    #: sysctls applied before any interface exists, e.g. {"net.ipv6.conf.all.forwarding": "1"}
    sysctls: dict[str, str] = field(default_factory=dict)
    #: run radvd-like router advertisements on these interfaces: {ifname: radvd-style options}
    #: (keys and defaults: :class:`RouterAdvert`; parsed by :func:`router_advert`)
    advertise: dict[str, dict[str, object]] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkSpec:
    a: tuple[str, str]  # (node, ifname)
    b: tuple[str, str]


@dataclass(frozen=True)
class SegmentSpec:
    """A multi-access segment: a switch joining ``members`` (node, ifname), any number.

    Both backends behave as a Linux bridge with STP off and multicast snooping off: a frame
    to a learned MAC goes out of that port only; unknown unicast, broadcast and every
    multicast (NDP, RS/RA, MLD) flood to every other port; learned entries age after 300 s."""

    name: str  # 1–8 lower-case letters/digits/'-', starting with a letter (the bridge br-<name>)
    members: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TopologySpec:
    name: str
    nodes: tuple[NodeSpec, ...]
    links: tuple[LinkSpec, ...]
    #: commands the engine runs on each node after start (addressing from the plan, etc.)
    setup: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    #: programs the lab runs on its nodes: setup, solutions, checks and the trainee's task
    #: (lab.yaml ``programs:``); a backend that runs real programs needs them installed
    programs: tuple[str, ...] = ()
    #: multi-access segments (switches), beside the point-to-point links
    segments: tuple[SegmentSpec, ...] = ()


# -- what a backend reports ----------------------------------------------------------------------
@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str
    stderr: str = ""


@dataclass(frozen=True)
class Interface:
    name: str
    mac: str  # "02:00:00:00:00:01", lower case
    up: bool
    mtu: int = 1500


@dataclass(frozen=True)
class Address:
    ifname: str
    address: int
    length: int
    scope: AddressScope
    flags: frozenset[AddressFlag] = frozenset()


def reported_address(ifname: str, address: int, length: int, flags: Iterable[str]) -> Address:
    """An address as both backends report it: its scope read from the address, only the
    contract's flags, and ``dynamic`` unless it is ``permanent`` (as ``ip -6 addr`` says)."""
    kept = {_ADDRESS_FLAGS[f] for f in flags if f in _ADDRESS_FLAGS}
    if "permanent" not in kept:
        kept.add("dynamic")
    return Address(ifname, address, length, scope_name(address), frozenset(kept))


#: what a route does with the traffic it matches (the kernel's rtm_type)
RouteKind = Literal["unicast", "unreachable", "blackhole", "prohibit"]


@dataclass(frozen=True)
class Route:
    """A route of the main table. ``proto`` is the kernel's: ``kernel`` for the prefix
    route of an address, ``ra`` for routes learnt from RAs, ``boot`` for ``ip route add``."""

    dst: int
    length: int
    via: int | None
    ifname: str | None
    proto: RouteProto = "static"
    metric: int = 1024
    #: what the route does with traffic: forwards it (``unicast``) or refuses it —
    #: ``unreachable`` (ICMPv6 no route), ``blackhole`` (silently), ``prohibit``
    kind: RouteKind = "unicast"


@dataclass(frozen=True)
class Neighbour:
    address: int
    ifname: str
    lladdr: str | None
    state: NeighbourState


# -- shared by both backends -------------------------------------------------------------------
def linked_interfaces(topology: TopologySpec) -> list[tuple[str, str]]:
    """Every (node, ifname) the topology wires: link ends, then segment members, in order."""
    ends = [end for link in topology.links for end in (link.a, link.b)]
    return ends + [m for seg in topology.segments for m in seg.members]


def interface_macs(topology: TopologySpec) -> dict[tuple[str, str], str]:
    """The MAC of every linked interface: ``02:00:00:NN:NN:II`` with NN:NN the node's
    position in ``topology.nodes`` (from 1) and II the interface's position among that
    node's link ends (from 0). Both backends use it, so link-locals (EUI-64) are the same:
    the first interface of the first node is ``02:00:00:00:01:00`` → ``fe80::ff:fe00:100``."""
    index = {node.name: i + 1 for i, node in enumerate(topology.nodes)}
    macs: dict[tuple[str, str], str] = {}
    count: dict[str, int] = {}
    for end in linked_interfaces(topology):
        if end in macs:
            continue
        n = index.get(end[0], 0)
        i = count.get(end[0], 0)
        count[end[0]] = i + 1
        macs[end] = f"02:00:00:{n >> 8 & 0xFF:02x}:{n & 0xFF:02x}:{i & 0xFF:02x}"
    return macs


@dataclass(frozen=True)
class RouterAdvert:
    """Router advertisements on one interface (radvd semantics and defaults).

    Option keys in ``NodeSpec.advertise[ifname]``: ``prefixes`` (list of "net/len"),
    ``managed`` / ``other`` (M/O flags), ``interval`` (MaxRtrAdvInterval, 4–1800 s; the
    minimum is a third of it, at least 3 s), ``lifetime`` (router lifetime, 0–9000 s; 0
    means "not a default router"; default 3 × interval), ``onlink`` / ``autonomous``
    (prefix L/A flags), ``valid`` / ``preferred`` (prefix lifetimes), ``hop_limit``,
    ``mtu`` (0 = no MTU option), ``reachable`` / ``retrans`` (ms), ``preference``
    (low | medium | high), ``rdnss`` (DNS server addresses) and ``dnssl`` (search domains)
    with ``dns_lifetime`` (RFC 8106; 0 or at least the interval; default 2 × interval).
    """

    prefixes: tuple[tuple[int, int], ...] = ()
    managed: bool = False
    other: bool = False
    interval: int = 600
    lifetime: int = 1800
    onlink: bool = True
    autonomous: bool = True
    valid: int = 86400
    preferred: int = 14400
    hop_limit: int = 64
    mtu: int = 0
    reachable: int = 0
    retrans: int = 0
    preference: Preference = "medium"
    rdnss: tuple[int, ...] = ()
    dnssl: tuple[str, ...] = ()
    dns_lifetime: int = 1200

    @property
    def min_interval(self) -> float:
        """radvd's MinRtrAdvInterval default: 0.33 × MaxRtrAdvInterval, at least 3 s."""
        return max(3.0, 0.33 * self.interval)

    def radvd(self, ifname: str) -> RadvdInterface:
        """These advertisements as radvd configures them on ``ifname`` (every option
        written, so radvd's defaults never differ from the simulator's)."""
        prefixes = tuple(
            RadvdPrefix(net, length, self.onlink, self.autonomous, self.valid, self.preferred)
            for net, length in self.prefixes
        )
        options = RadvdOptions(
            managed=self.managed,
            other=self.other,
            max_interval=self.interval,
            min_interval=self.min_interval,
            default_lifetime=self.lifetime,
            hop_limit=self.hop_limit,
            reachable=self.reachable,
            retrans=self.retrans,
            mtu=self.mtu,
            preference=self.preference,
            rdnss=self.rdnss,
            dnssl=self.dnssl,
            rdnss_lifetime=self.dns_lifetime,
            dnssl_lifetime=self.dns_lifetime,
        )
        return RadvdInterface(ifname, options, prefixes)


def radvd_text(per_iface: Mapping[str, RouterAdvert], written_by: str) -> str:
    """radvd.conf for one router's advertisements (netns runs it; the topology export
    writes it), rendered by the core's one radvd writer."""
    return radvd_conf([f"written by {written_by}"], (a.radvd(i) for i, a in per_iface.items()))


_ADVERT_INTS = {
    "interval": (4, 1800),
    "lifetime": (0, 9000),
    "valid": (0, 0xFFFFFFFF),
    "preferred": (0, 0xFFFFFFFF),
    "hop_limit": (0, 255),
    "mtu": (0, 65535),
    "reachable": (0, 3600000),
    "retrans": (0, 0xFFFFFFFF),
    "dns_lifetime": (0, 0xFFFFFFFF),
}
_ADVERT_BOOLS = ("managed", "other", "onlink", "autonomous")
#: the MTU of every lab link (a veth's); an RA's MTU option is at most that
LINK_MTU: Final = 1500


def sysctl_interface(key: str) -> str | None:
    """The interface a sysctl names (``net.ipv6.conf.eth0.…``, ``net.ipv6.neigh.eth0.…``):
    both backends write such a key once the interface exists and before it is up (a new
    namespace has no ``neigh.default``, so a lab tunes e.g. DAD's retransmit timer so);
    None for ``all``, ``default``, ``lo`` and node-wide keys, written before any link."""
    parts = key.replace("/", ".").split(".")
    if len(parts) == 5 and parts[:2] == ["net", "ipv6"] and parts[2] in ("conf", "neigh"):
        return None if parts[3] in ("all", "default", "lo") else parts[3]
    return None


def node_sysctls(node: NodeSpec) -> dict[str, str]:
    """The sysctls a backend applies to ``node``: its own, plus forwarding on ``all`` when
    it advertises (radvd needs a forwarding router; both backends enforce it the same way)."""
    out = dict(node.sysctls)
    if node.advertise and out.get("net.ipv6.conf.all.forwarding", "0") == "0":
        out["net.ipv6.conf.all.forwarding"] = "1"
    return out


def router_advert(options: Mapping[str, object]) -> RouterAdvert:
    """Validate ``NodeSpec.advertise`` options; an :class:`AdvertError` names the bad key
    and the fix."""
    values: dict[str, object] = {}
    for key, value in options.items():
        values[key] = _advert_value(key, value)
    interval = int(values.get("interval", 600))  # type: ignore[call-overload]
    values.setdefault("lifetime", min(9000, 3 * interval))
    values.setdefault("dns_lifetime", 2 * interval)
    advert = RouterAdvert(**values)  # type: ignore[arg-type]
    if advert.lifetime and not advert.interval <= advert.lifetime <= 9000:
        raise AdvertError(
            f"advertise: 'lifetime' must be zero or between the interval ({advert.interval}) "
            "and 9000 (radvd's rule)"
        )
    if advert.preferred > advert.valid:
        raise AdvertError(
            f"advertise: 'preferred' lifetime ({advert.preferred} s) is longer than 'valid' "
            f"({advert.valid} s); an address cannot stay preferred after it stops being valid"
        )
    if advert.mtu and not MIN_MTU <= advert.mtu <= LINK_MTU:
        raise AdvertError(
            f"advertise: 'mtu' must be 0 (no MTU option) or from {MIN_MTU} to the link's "
            f"MTU ({LINK_MTU}), not {advert.mtu}: radvd refuses to advertise outside that"
        )
    if advert.dns_lifetime and advert.dns_lifetime < advert.interval:
        raise AdvertError(
            f"advertise: 'dns_lifetime' must be zero or at least the interval "
            f"({advert.interval}), radvd's rule"
        )
    return advert


def _advert_value(key: str, value: object) -> object:
    """One ``advertise:`` option read into its type (the whole-advert rules come after)."""
    from ..._errors import AddressError, InputError
    from ..._prefix import parse_address, parse_prefix

    if key in ("prefixes", "rdnss", "dnssl"):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            example = {"prefixes": "'2001:db8:1::/64'", "rdnss": "'2001:db8:53::53'"}
            raise AdvertError(
                f"advertise: {key!r} must be a list such as [{example.get(key, 'lab.example')}]"
            )
        try:
            if key == "prefixes":
                return tuple(parse_prefix(str(p), strict=False) for p in items)
            if key == "rdnss":
                return tuple(_dns_server(parse_address(str(a))) for a in items)
            from ...export._text import dns_name

            return tuple(dns_name(str(d), "advertise: 'dnssl'") for d in items)
        except AddressError as exc:
            raise AdvertError(f"advertise: {key!r}: {exc}") from None
        except InputError as exc:
            raise AdvertError(str(exc)) from None
    if key in _ADVERT_BOOLS:
        if not isinstance(value, bool):
            raise AdvertError(f"advertise: {key!r} must be true or false, not {value!r}")
        return value
    if key in _ADVERT_INTS:
        low, high = _ADVERT_INTS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise AdvertError(
                f"advertise: {key!r} must be a whole number {low}–{high}, not {value!r}"
            )
        return value
    if key == "preference":
        if value not in get_args(Preference):
            raise AdvertError(f"advertise: 'preference' must be low, medium or high, not {value!r}")
        return value
    known = ", ".join(("prefixes", "preference", "rdnss", "dnssl", *_ADVERT_BOOLS, *_ADVERT_INTS))
    raise AdvertError(f"advertise: unknown option {key!r}; known: {known}")


def _dns_server(addr: int) -> int:
    """A DNS server's address: unicast (RFC 8106 §5.1), not :: or a multicast group."""
    from ..._prefix import format_address
    from ._wire import is_multicast

    if addr == 0 or is_multicast(addr):
        raise AdvertError(
            f"advertise: 'rdnss': {format_address(addr)} is not a unicast address; "
            "give a DNS server's address such as 2001:db8:53::53"
        )
    return addr


# -- the backend -----------------------------------------------------------------------------------
#: seconds between two looks at the network while :meth:`Backend.settle` waits
SETTLE_POLL = 0.05
#: seconds (of the backend's time) :meth:`Backend.start` may wait for links, link-locals
#: and DAD (DAD alone takes 1–2 s); both backends hand over a ready topology within it
READY_DEADLINE = 8.0
#: seconds :meth:`Backend.start` waits for the SLAAC addresses it can predict (best effort)
SLAAC_DEADLINE = 3.0


class Backend(ABC):
    """A running topology on one backend, for one lab session."""

    name: ClassVar[str]
    #: True when state survives between processes by itself (netns: the kernel holds it).
    #: False for the simulator: the engine keeps a journal of exec/advance calls with wall
    #: times and replays it after :meth:`attach`; the simulator must be deterministic.
    persistent: ClassVar[bool]
    #: True when :meth:`start` runs ``TopologySpec.setup`` itself (netns, batched); the
    #: engine then does not run it. False: the engine runs (and journals) every command.
    applies_setup: ClassVar[bool] = False
    #: True when :meth:`exec` and :meth:`advance` journal themselves: a stand-in from
    #: :meth:`connect`, whose session process appends the entry before it answers. The
    #: engine then records nothing a second time.
    keeps_journal: ClassVar[bool] = False

    def __init__(self, session: str, workdir: Path) -> None:
        """``session`` is a short tag (≤ 6 chars) that prefixes every name this backend makes."""
        self.session = session
        self.workdir = workdir

    @classmethod
    def unavailable(cls) -> str:
        """Why this backend cannot run on this machine ('' when it can), said as what to
        do instead. The engine asks before it starts a lab; the default: it always can."""
        return ""

    @classmethod
    def sweep(cls, session: str | None = None, workdir: Path | None = None) -> list[str]:
        """Remove what an earlier process of ``session`` left behind if it was killed
        (``None``: of every abandoned session on this machine); ``workdir`` is that
        session's directory. Returns the names of what it removed. Called after
        :meth:`stop`, and by ``v6lab cleanup``. The default, for a backend whose network
        lives only inside its process (the sim): nothing to remove."""
        return []

    def shell_argv(self, node: str) -> list[str] | None:
        """The program that opens an interactive shell on ``node`` (``v6lab shell``), or
        None when the node has no real shell and the engine offers its own prompt, each
        line run through :meth:`exec` (the sim). Needs no :meth:`attach`."""
        return None

    @classmethod
    def prompt_commands(cls) -> list[str]:
        """The programs the engine's own prompt runs on a node (what it completes first and
        names in its help) when :meth:`shell_argv` is None; empty: any program."""
        return []

    @classmethod
    def missing_programs(cls, topology: TopologySpec) -> list[str]:
        """The programs running ``topology`` here needs that are not installed: the lab's
        (``topology.programs``) and the backend's own (``ip``, ``radvd`` …). The engine
        calls it before :meth:`start` and refuses, naming their Debian packages. The
        default, for a backend that simulates every program (the sim): none."""
        return []

    def settle(self, condition: Callable[[], bool], within: float) -> bool:
        """Let the network's own timers run — DAD, router advertisements, SLAAC, neighbour
        resolution — until ``condition()`` holds or ``within`` seconds of this backend's
        time have passed; True when it holds. ``condition`` is called at once, then every
        :data:`SETTLE_POLL` seconds (it may read state or send probes).

        netns polls in real time against a deadline (never a fixed sleep); the simulator
        advances its virtual clock, so both see the same sequence of states. This default
        counts the time it lets pass with :meth:`advance`."""
        waited = 0.0
        while not condition():
            if waited >= within:
                return False
            step = min(SETTLE_POLL, within - waited)
            self.advance(step)
            waited += step
        return True

    @abstractmethod
    def start(self, topology: TopologySpec, progress: Callable[[str], None] | None = None) -> None:
        """Build the topology and wait (by polling, never fixed sleeps) until it is usable."""

    @abstractmethod
    def attach(self, topology: TopologySpec) -> None:
        """Reconnect to a topology started by an earlier process of the same session.

        A non-persistent backend (the sim) builds the topology afresh, exactly as
        :meth:`start` did; the engine then replays its journal (setup commands included)."""

    @abstractmethod
    def stop(self) -> None:
        """Tear down everything this session made (namespaces, daemons); idempotent."""

    @abstractmethod
    def exec(self, node: str, argv: list[str], timeout: float = 10.0) -> CommandResult:
        """Run a trainee command on a node (the sim implements an ip/ping/… subset)."""

    @abstractmethod
    def advance(self, seconds: float) -> None:
        """Let time pass (sim: virtual time; netns: real time, by polling if it must wait)."""

    @abstractmethod
    def interfaces(self, node: str) -> list[Interface]: ...

    @abstractmethod
    def addresses(self, node: str) -> list[Address]: ...

    @abstractmethod
    def routes(self, node: str) -> list[Route]: ...

    @abstractmethod
    def neighbours(self, node: str) -> list[Neighbour]: ...

    @abstractmethod
    def sysctl(self, node: str, key: str) -> str: ...

    @abstractmethod
    def send_l3(
        self, node: str, packets: list[bytes], timeout: float = 1.0, ifname: str | None = None
    ) -> list[bytes]:
        """Send IPv6 packets (bytes from the IPv6 header) from the node's own stack, routed
        by its tables; return the IPv6 packets addressed to the node that arrive within
        ``timeout`` (echo replies, ICMPv6 errors).

        Both backends leave Neighbour Discovery and MLD messages out of the answer (use
        :meth:`send_l2` for those) and return early once every Echo Request sent has its
        reply or error. ``ifname`` picks the interface for a link-local destination."""

    @abstractmethod
    def send_l2(
        self, node: str, ifname: str, frames: list[bytes], timeout: float = 1.0
    ) -> list[bytes]:
        """Send Ethernet frames out of ``node:ifname``; return frames received there within
        ``timeout`` (NS → NA, RS → RA probes). Returns early once every NS has an NA for
        its target, every RS an RA and every Echo Request its answer."""

    @abstractmethod
    def capture(self, node: str, ifname: str, path: Path, seconds: float = 0.0) -> int:
        """Write a pcap of frames seen on ``node:ifname`` (the sim: its whole history, plus
        ``seconds`` more); return how many frames were written. netns captures live with
        tcpdump for ``seconds`` (3 s when 0: the kernel keeps no history)."""

    # -- optional: a session process that holds the topology between commands ----------------
    def connect(self) -> Backend | None:
        """A stand-in for this backend that talks to a process of this session's own, which
        holds the running topology between commands (started from the session directory
        and its journal when none answers: a crashed one comes back with nothing lost).
        None — the default — when every command runs in this process (netns: the kernel
        holds the state)."""
        return None

    def close(self) -> None:
        """Let go of what this process holds for one command (a connection to the session
        process); the topology keeps running. The default holds nothing."""
        return None

    def run_job(self, target: str, kwargs: Mapping[str, object]) -> object:
        """Run ``module:function(backend, **kwargs)`` on this topology and return its result,
        JSON-able and the same on every path: the engine's checks run this way. Like a
        check, the job's probes and waits are not journaled. The default runs it here; a
        stand-in from :meth:`connect` runs it in the session process on a copy of the
        network, so this process never imports what the job needs (Scapy)."""
        import importlib
        import json

        module, _, function = target.partition(":")
        job = getattr(importlib.import_module(module), function)
        return json.loads(json.dumps(job(self, **kwargs)))
