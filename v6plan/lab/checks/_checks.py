"""The check library: one fact per check, graded on a running topology.

Each check reads state through the backend (addresses, routes, sysctls) or sends Scapy
probes into the topology (echo, NS, RS) and returns an :class:`Outcome`: passed or not,
a *code* that says why (``wrong-length``, ``no-route``, ``timeout`` …) and the values
found. Messages are not built here: ``check.<type>.<code>`` in the message catalogue
turns an outcome into words in the trainee's language, and a known-bad solution states
the codes it must produce, so "fails for the right reason" is testable in any language.

Two families of checks:

* **network checks** read a node's state or send probes (``address``, ``reachable``,
  ``ndp``, ``ra``, ``slaac``, ``route``, ``hops`` …);
* **answer checks** grade what the trainee handed in with ``v6lab answer QUESTION
  VALUE`` (kept in the session directory, :mod:`._quiz`): ``quiz`` (one value, compared
  by its answer *kind*), ``plan-spec`` (a plan spec file, loaded, built and linted by
  v6plan itself) and ``zone`` (a reverse zone file). Their argument ``question`` names
  the answer they grade (a quiz's default is its own id; ``plan-spec`` reads
  ``plan`` and ``zone`` reads ``zone`` unless told otherwise).

Answer keys: every check type has a method ``CheckType.expected(args, run)``, and
:func:`expected` gives, for one check of one :class:`~._labfile.LabRun` (the lab with
one trainee's values), the value a grader accepts — or None when the check is a
condition with no single value (``no-dadfailed``, ``plan``, a spec that must lint
clean). Per type: address → ``addr/len``; reachable / unreachable → the destination;
ndp → the MAC that must answer; ra → the prefix (and flags); slaac → the EUI-64 address
formed; route → ``default via X`` / ``P via X dev D``; hops → the count; command → the
regex; quiz → the answer; plan-spec → the requirement; zone → the zone or the PTR::

    run = load_lab("01-notation").instantiate(variant)
    for spec in run.checks():
        expected(spec, run)   # '2001:0db8:0042:0002:0000:0000:0000:0001', '2001:db8:42:1::10/64',
                              # 'default via 2001:db8:42:1::1', '3', '02:00:00:00:02:00' …

``answer_key(run)`` returns the whole key as ``{check id: value}``. The values are
English-free data (addresses, prefixes, numbers, names, MACs) except for the
``plan-spec`` requirements, which are short English phrases.

Things the kernel does over time — DAD, router advertisements, SLAAC, routes from RAs,
neighbour resolution — are not instant. A network check whose verdict may still change
(an address still ``tentative``, an RA the topology says is coming) returns an outcome
that is not ``settled``; :func:`run_checks` then runs it again while the backend lets the
network's timers run (:meth:`Backend.settle`: real time on netns, virtual time on the
simulator), up to the check type's window (``CheckType.settle``) or the check's own
``wait:`` in lab.yaml, and reports the last verdict — like netlab's ``validate`` retries.
So ``v6lab check`` right after a correct configuration passes on the kernel too.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..._errors import AddressError
from ..._limits import whole_number, yes_no
from ..._prefix import format_address, format_prefix, host_mask, parse_address, parse_prefix
from ..._special import LINK_LOCAL
from .._errors import LabError
from ..model._checkspec import (
    SIGNATURES,
    CheckSignature,
    CheckSpec,
)
from ..model._topology import Endpoint
from ..runtime._backend import Address, Backend, Interface, Route

if TYPE_CHECKING:
    from ..._plan import Plan
    from ..model._i18n import Messages
    from ..model._labfile import LabRun
    from ..model._topology import Addressing

__all__ = [
    "TYPES",
    "CheckResult",
    "CheckSpec",
    "CheckType",
    "Context",
    "Outcome",
    "answer_key",
    "expected",
    "render",
    "run_checks",
]


@dataclass
class Outcome:
    passed: bool
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    #: False while the verdict may still change by itself (DAD running, an RA on its way):
    #: the engine runs the check again until it settles or its window ends
    settled: bool = True


@dataclass
class CheckResult:
    id: str
    type: str
    points: int
    passed: bool
    code: str
    message: str
    hint: str
    params: dict[str, Any]
    seconds: float = 0.0

    @property
    def score(self) -> int:
        return self.points if self.passed else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "passed": self.passed,
            "points": self.points,
            "score": self.score,
            "code": self.code,
            "message": self.message,
            "hint": self.hint if not self.passed else "",
            "found": {k: _jsonable(v) for k, v in self.params.items()},
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def _in(address: int, net: int, length: int) -> bool:
    return (address & ~host_mask(length)) == net


def _cidr(a: Address) -> str:
    return f"{format_address(a.address)}/{a.length}"


def _usable(a: Address) -> bool:
    return not ({"tentative", "dadfailed"} & a.flags)


class Context:
    """What the checks of one run share: the backend, the plan addressing and caches."""

    def __init__(
        self,
        backend: Backend,
        addressing: Addressing | None,
        timeout: float = 1.0,
        answers: dict[str, str] | None = None,
    ) -> None:
        self.backend = backend
        self.addressing = addressing
        self.timeout = timeout
        self._answers = answers
        self._specs: dict[str, tuple[Plan | None, str]] = {}
        self._addresses: dict[str, list[Address]] = {}
        self._routes: dict[str, list[Route]] = {}
        self._interfaces: dict[str, list[Interface]] = {}
        self._ident = 0x6C00 | (int(time.time()) & 0xFF)

    @property
    def nodes(self) -> list[str]:
        return list(self.addressing.topology.nodes) if self.addressing else []

    def addresses(self, node: str) -> list[Address]:
        if node not in self._addresses:
            self._addresses[node] = self.backend.addresses(node)
        return self._addresses[node]

    def routes(self, node: str) -> list[Route]:
        if node not in self._routes:
            self._routes[node] = self.backend.routes(node)
        return self._routes[node]

    def interfaces(self, node: str) -> list[Interface]:
        if node not in self._interfaces:
            self._interfaces[node] = self.backend.interfaces(node)
        return self._interfaces[node]

    def refresh(self) -> None:
        """Forget the state read so far: time passed while a check waited."""
        self._addresses.clear()
        self._routes.clear()
        self._interfaces.clear()

    # -- what may still change by itself ---------------------------------------------------
    def tentative(self, node: str, address: int | None = None) -> bool:
        """DAD still runs on an address of ``node`` (``address``, or any): it may become
        usable — or ``dadfailed``."""
        return any(
            "tentative" in a.flags and "dadfailed" not in a.flags and address in (None, a.address)
            for a in self.addresses(node)
        )

    def held_tentative(self, address: int) -> bool:
        """Some node of the lab holds ``address`` and runs DAD on it (it answers nothing yet)."""
        return any(self.tentative(node, address) for node in self.nodes)

    def awaits_ra(self, node: str, iface: str | None = None) -> bool:
        """A router advertisement may still change ``node``'s addresses and routes: one of
        its interfaces (or ``iface``) faces a router the topology makes advertise, and
        accepts RAs (``accept_ra`` 1 without forwarding, or 2)."""
        if self.addressing is None:
            return False
        for ifname in [iface] if iface else self.addressing.topology.interfaces(node):
            if self.faces_advertiser(node, ifname):
                accept_ra = _sysctl(self, node, f"net.ipv6.conf.{ifname}.accept_ra")
                forwarding = _sysctl(self, node, f"net.ipv6.conf.{ifname}.forwarding")
                if accept_ra == "2" or (accept_ra == "1" and forwarding == "0"):
                    return True
        return False

    def faces_advertiser(self, node: str, iface: str) -> bool:
        """The topology makes the router at the other end of ``node:iface`` advertise."""
        if self.addressing is None:
            return False
        peer = self.addressing.topology.neighbours(Endpoint(node, iface))
        return peer is not None and peer.iface in self.addressing.advertise.get(peer.node, {})

    @classmethod
    def for_answers(cls, addressing: Addressing | None, answers: dict[str, str]) -> Context:
        """A context that grades answer checks only, without a running network
        (``v6lab answer`` says at once whether an answer is right)."""
        return cls(cast("Backend", None), addressing, answers=answers)

    def answers(self) -> dict[str, str]:
        """The trainee's answers (``v6lab answer``), from the session directory."""
        if self._answers is None:
            from ._quiz import load_answers

            workdir = self.backend.workdir if self.backend is not None else None
            self._answers = load_answers(Path(workdir)) if workdir is not None else {}
        return self._answers

    def spec_plan(self, question: str) -> tuple[Plan | None, str]:
        """The plan a handed-in spec builds (None and the first problem if it does not;
        None and "" if nothing was handed in), built once for all the checks using it."""
        if question not in self._specs:
            self._specs[question] = _build_spec(self.answers().get(question), question)
        return self._specs[question]

    def interface(self, node: str, name: str) -> Interface | None:
        return next((i for i in self.interfaces(node) if i.name == name), None)

    def next_ident(self) -> int:
        self._ident = (self._ident + 1) & 0xFFFF
        return self._ident

    # -- naming what was found ------------------------------------------------------------
    def owner(self, address: int) -> str:
        """``r1`` for an address r1 holds (plan first, then live state), else the address."""
        if self.addressing is not None:
            for a in self.addressing.assignments:
                if a.address == address:
                    return a.node
        for node in self.nodes:
            if any(a.address == address for a in self.addresses(node)):
                return node
        return format_address(address)

    def block_word(self, node: str, iface: str) -> tuple[str, tuple[int, int, str] | None]:
        block = self.addressing.blocks.get(Endpoint(node, iface)) if self.addressing else None
        if block is None:
            return "network", None
        if iface == "lo":
            return "loopback", block
        role = (
            self.addressing.plan.role(self.addressing.plan.find_path(block[2]))
            if self.addressing
            else ""
        )
        return ("link" if role == "p2p" else "LAN"), block

    # -- forwarding decisions, as the node's stack would take them ------------------------
    def route_for(self, node: str, dst: int) -> Route | None:
        best: Route | None = None
        for route in self.routes(node):
            if route.length and not _in(dst, route.dst & ~host_mask(route.length), route.length):
                continue
            if best is None or (route.length, -route.metric) > (best.length, -best.metric):
                best = route
        return best

    def source_for(self, node: str, dst: int, ifname: str | None) -> int | None:
        """RFC 6724 basics: a usable address of matching scope, on the outgoing interface
        first, then the longest common prefix with the destination."""
        link_local = _in(dst, LINK_LOCAL[0], LINK_LOCAL[1])
        best: tuple[tuple[int, int, int], int] | None = None
        for a in self.addresses(node):
            if not _usable(a) or (a.ifname == "lo" and a.address == 1):
                continue
            is_ll = _in(a.address, LINK_LOCAL[0], LINK_LOCAL[1])
            if is_ll != link_local or a.scope == "host":
                continue
            if link_local and a.ifname != ifname:
                continue
            common = 128 - (a.address ^ dst).bit_length()
            key = (int(a.ifname == ifname), int("deprecated" not in a.flags), common)
            if best is None or key > best[0]:
                best = (key, a.address)
        return None if best is None else best[1]

    def echo(
        self, node: str, src: int, dst: int, hlims: list[int], ifname: str | None = None
    ) -> list[Any]:
        from ._probes import echo_requests, read_echo_answers

        ident = self.next_ident()
        packets = echo_requests(src, dst, ident, hlims)
        if ifname is not None and _in(dst, *LINK_LOCAL):
            replies = self.backend.send_l3(node, packets, timeout=self.timeout, ifname=ifname)
        else:
            replies = self.backend.send_l3(node, packets, timeout=self.timeout)
        return read_echo_answers(replies, ident)


# -- the checks ----------------------------------------------------------------------------------
Run = Callable[[Context, dict[str, str]], Outcome]


Expect = Callable[[dict[str, str], "LabRun"], "str | None"]


@dataclass(frozen=True)
class CheckType(CheckSignature):
    """A kind of check as declared (:class:`CheckSignature`), with the function that
    grades it and the function that says what a grader accepts (:func:`expected`)."""

    run: Run = field(kw_only=True)
    #: the expected value for one run (the answer key); None: no single value
    expect: Expect | None = field(default=None, kw_only=True)

    def expected(self, args: dict[str, str], run: LabRun) -> str | None:
        """What a grader accepts for a check of this type with these (filled) arguments."""
        return self.expect(args, run) if self.expect is not None else None


def _address_arg(text: str) -> tuple[int, int]:
    """``addr/len`` or a bare address (length 128 stands for "any")."""
    text = text.strip()
    if "/" in text:
        addr_text, _, length_text = text.partition("/")
        length = whole_number(length_text)
        if length is None or length > 128:
            raise AddressError(f"{text!r} has a bad prefix length")
        return parse_address(addr_text), length
    return parse_address(text), 0


def check_address(ctx: Context, args: dict[str, str]) -> Outcome:
    node, iface = args["node"], args["iface"]
    want, want_len = _address_arg(args["address"])
    base = {"node": node, "iface": iface, "address": format_address(want)}
    if want_len:
        base["address"] = f"{format_address(want)}/{want_len}"
    if ctx.interface(node, iface) is None and iface != "lo":
        names = ", ".join(i.name for i in ctx.interfaces(node))
        return Outcome(False, "no-iface", {**base, "found": names})
    found = [a for a in ctx.addresses(node) if a.address == want]
    on_iface = [a for a in found if a.ifname == iface]
    if on_iface:
        a = on_iface[0]
        base["found"] = _cidr(a)
        if "dadfailed" in a.flags:
            return Outcome(False, "dadfailed", base)
        if "tentative" in a.flags:
            return Outcome(False, "tentative", base, settled=False)
        word, block = ctx.block_word(node, iface)
        if want_len and a.length != want_len:
            return Outcome(False, "wrong-length", {**base, "what": word, "length": want_len})
        if (
            args.get("in_plan", "true") == "true"
            and block
            and not _in(a.address, block[0], block[1])
        ):
            return Outcome(
                False,
                "outside-plan",
                {**base, "block": format_prefix(block[0], block[1]), "path": block[2]},
            )
        return Outcome(True, "ok", base)
    if found:
        return Outcome(False, "wrong-iface", {**base, "found_iface": found[0].ifname})
    others = [
        _cidr(a)
        for a in ctx.addresses(node)
        if a.ifname == iface and a.scope == "global" and not _in(a.address, *LINK_LOCAL)
    ]
    settled = not ctx.awaits_ra(node, iface)  # an RA may still bring it (SLAAC)
    if others:
        return Outcome(False, "other-address", {**base, "found": ", ".join(others)}, settled)
    return Outcome(False, "missing", base, settled)


def _path_settled(ctx: Context, node: str, dst: int, code: str) -> bool:
    """Whether a failure to reach ``dst`` from ``node`` stays as it is: no route or no
    source may change when an RA is on its way or DAD runs on the node; no answer may
    change while the destination's holder still runs DAD on it."""
    if code == "no-route":
        return not ctx.awaits_ra(node)
    if code == "no-source":
        return not (ctx.tentative(node) or ctx.awaits_ra(node))
    if code in ("timeout", "unreachable"):
        return not ctx.held_tentative(dst)
    return True


def _reach(ctx: Context, args: dict[str, str]) -> tuple[Outcome | None, list[Any], dict[str, Any]]:
    node = args["from"]
    dst = parse_address(args["to"])
    base: dict[str, Any] = {"node": node, "to": format_address(dst), "target": ctx.owner(dst)}
    early = _not_self(ctx, node, dst, base)
    if early is not None:
        return early, [], base
    iface = args.get("iface")
    if _in(dst, *LINK_LOCAL):  # a link-local destination: the trainee names the interface
        if iface is None or ctx.interface(node, iface) is None:
            return Outcome(False, "no-iface", {**base, "iface": iface or "?"}), [], base
        out_iface: str | None = iface
    else:
        route = ctx.route_for(node, dst)
        if route is None:
            return (
                Outcome(False, "no-route", base, _path_settled(ctx, node, dst, "no-route")),
                [],
                base,
            )
        out_iface = route.ifname
    src = ctx.source_for(node, dst, out_iface)
    if src is None:
        settled = _path_settled(ctx, node, dst, "no-source")
        return Outcome(False, "no-source", {**base, "iface": out_iface or "?"}, settled), [], base
    base["source"] = format_address(src)
    hlim = int(args.get("hop_limit", "64"))
    return None, ctx.echo(node, src, dst, [hlim], out_iface), base


def _not_self(ctx: Context, node: str, dst: int, base: dict[str, Any]) -> Outcome | None:
    """A node that holds another node's planned address answers its own echo: that is
    not reaching the other node (the kernel replies locally)."""
    planned = base["target"]
    if (
        planned != node
        and planned in ctx.nodes
        and any(a.address == dst for a in ctx.addresses(node))
    ):
        return Outcome(False, "self", base)
    return None


def check_reachable(ctx: Context, args: dict[str, str]) -> Outcome:
    early, answers, base = _reach(ctx, args)
    if early is not None:
        return early
    for answer in answers:
        if answer.kind == "reply":
            return Outcome(True, "ok", base)
    for answer in answers:
        from ._probes import UNREACH_CODES

        who = ctx.owner(answer.source)
        if answer.kind == "unreachable":
            why = UNREACH_CODES.get(answer.code, str(answer.code))
            settled = _path_settled(ctx, args["from"], parse_address(args["to"]), "unreachable")
            return Outcome(False, "unreachable", {**base, "router": who, "why": why}, settled)
        return Outcome(False, "time-exceeded", {**base, "router": who})
    settled = _path_settled(ctx, args["from"], parse_address(args["to"]), "timeout")
    return Outcome(False, "timeout", {**base, "seconds": f"{ctx.timeout:g}"}, settled)


def check_unreachable(ctx: Context, args: dict[str, str]) -> Outcome:
    early, answers, base = _reach(ctx, args)
    if early is not None:
        if early.code in ("no-route", "no-source", "self"):  # as (un)settled as the failure
            return Outcome(True, "ok-" + early.code, early.params, early.settled)
        return early
    if any(a.kind == "reply" for a in answers):
        return Outcome(False, "reached", base)
    settled = _path_settled(ctx, args["from"], parse_address(args["to"]), "timeout")
    return Outcome(True, "ok", base, settled)


def _link_local(ctx: Context, node: str, iface: str) -> int | None:
    for a in ctx.addresses(node):
        if a.ifname == iface and _in(a.address, *LINK_LOCAL) and _usable(a):
            return a.address
    return None


def check_ndp(ctx: Context, args: dict[str, str]) -> Outcome:
    from ._probes import neighbour_solicitation, read_neighbour_adverts

    node, iface = args["node"], args["iface"]
    target = parse_address(args["target"])
    base = {
        "node": node,
        "iface": iface,
        "target": format_address(target),
        "owner": ctx.owner(target),
    }
    nic = ctx.interface(node, iface)
    if nic is None:
        return Outcome(False, "no-iface", base)
    src = _link_local(ctx, node, iface)
    if src is None:  # still tentative: DAD on the link-local may yet finish
        return Outcome(False, "no-link-local", base, not ctx.tentative(node))
    frames = ctx.backend.send_l2(
        node, iface, [neighbour_solicitation(nic.mac, src, target)], timeout=ctx.timeout
    )
    macs = read_neighbour_adverts(frames, target)
    if macs:
        return Outcome(True, "ok", {**base, "mac": macs[0]})
    return Outcome(False, "no-answer", base, not ctx.held_tentative(target))


def _flag(args: dict[str, str], key: str) -> bool | None:
    value = args.get(key)
    return None if value is None else yes_no(value) is True


def check_ra(ctx: Context, args: dict[str, str]) -> Outcome:
    from ._probes import read_advertisements, router_solicitation

    node, iface = args["node"], args["iface"]
    net, length = parse_prefix(args["prefix"])
    base = {"node": node, "iface": iface, "prefix": format_prefix(net, length)}
    nic = ctx.interface(node, iface)
    if nic is None:
        return Outcome(False, "no-iface", base)
    src = _link_local(ctx, node, iface) or 0
    frames = ctx.backend.send_l2(
        node, iface, [router_solicitation(nic.mac, src)], timeout=ctx.timeout
    )
    adverts = read_advertisements(frames)
    if not adverts:  # radvd may be starting, or waiting out its 3 s between multicast RAs
        return Outcome(False, "no-ra", base, not ctx.faces_advertiser(node, iface))
    for advert in adverts:
        for p in advert.prefixes:
            if (p[0], p[1]) != (net, length):
                continue
            params = {**base, "router": ctx.owner(advert.source)}
            for key, have in (("managed", advert.managed), ("other", advert.other)):
                want = _flag(args, key)
                if want is not None and want != have:
                    return Outcome(
                        False, "flags", {**params, "flag": key, "found": str(have).lower()}
                    )
            if _flag(args, "autonomous") is not False and not p[3]:
                return Outcome(False, "not-autonomous", params)
            return Outcome(True, "ok", params)
    seen = sorted({format_prefix(p[0], p[1]) for a in adverts for p in a.prefixes})
    return Outcome(False, "no-prefix", {**base, "found": ", ".join(seen) or "-"})


def check_slaac(ctx: Context, args: dict[str, str]) -> Outcome:
    node, iface = args["node"], args["iface"]
    net, length = parse_prefix(args["prefix"])
    base = {"node": node, "iface": iface, "prefix": format_prefix(net, length)}
    inside = [a for a in ctx.addresses(node) if a.ifname == iface and _in(a.address, net, length)]
    formed = [a for a in inside if "permanent" not in a.flags]
    for a in formed:
        if _usable(a):
            return Outcome(True, "ok", {**base, "address": _cidr(a)})
    if formed:
        return Outcome(False, "tentative", {**base, "address": _cidr(formed[0])}, settled=False)
    waiting = ctx.awaits_ra(node, iface)  # the RA that forms it may be on its way
    if inside:
        return Outcome(False, "static", {**base, "address": _cidr(inside[0])}, not waiting)
    accept_ra = _sysctl(ctx, node, f"net.ipv6.conf.{iface}.accept_ra")
    forwarding = _sysctl(ctx, node, f"net.ipv6.conf.{iface}.forwarding")
    base.update(accept_ra=accept_ra, forwarding=forwarding)
    if accept_ra == "0":
        return Outcome(False, "accept-ra-off", base)
    if forwarding == "1" and accept_ra == "1":
        return Outcome(False, "forwarding", base)
    return Outcome(False, "missing", base, not waiting)


def _sysctl(ctx: Context, node: str, key: str) -> str:
    try:
        return ctx.backend.sysctl(node, key).strip()
    except Exception:  # a backend without this key: not worth failing the check over
        return "?"


def check_route(ctx: Context, args: dict[str, str]) -> Outcome:
    node = args["node"]
    to = args["to"].strip()
    net, length = (0, 0) if to == "default" else parse_prefix(to)
    base = {"node": node, "to": "default" if length == 0 else format_prefix(net, length)}
    matching = [r for r in ctx.routes(node) if (r.dst, r.length) == (net, length)]
    settled = not ctx.awaits_ra(node)  # an RA brings a default route and prefix routes
    if not matching:
        return Outcome(False, "missing" if length else "missing-default", base, settled)
    via_text = args.get("via")
    if via_text:
        via = parse_address(via_text)
        base["via"] = format_address(via)
        if not any(r.via == via for r in matching):
            found = ", ".join(
                format_address(r.via) if r.via is not None else f"dev {r.ifname}" for r in matching
            )
            return Outcome(False, "other-via", {**base, "found": found}, settled)
    dev = args.get("dev")
    if dev and not any(r.ifname == dev for r in matching):
        found_dev = matching[0].ifname or "?"
        return Outcome(False, "other-dev", {**base, "dev": dev, "found": found_dev}, settled)
    r = matching[0]
    base.setdefault("via", format_address(r.via) if r.via is not None else f"dev {r.ifname}")
    return Outcome(True, "ok", base)


def _nodes_arg(ctx: Context, args: dict[str, str], key: str = "nodes") -> list[str]:
    raw = args.get(key, "").replace(",", " ").split()
    return raw or ctx.nodes


def check_no_dadfailed(ctx: Context, args: dict[str, str]) -> Outcome:
    nodes = _nodes_arg(ctx, args, "node") if "node" in args else _nodes_arg(ctx, args)
    failed = [
        f"{node} {_cidr(a)} on {a.ifname}"
        for node in nodes
        for a in ctx.addresses(node)
        if "dadfailed" in a.flags
    ]
    if failed:
        return Outcome(False, "dadfailed", {"found": "; ".join(failed), "count": len(failed)})
    # DAD still running on an address may yet fail it
    settled = not any(ctx.tentative(node) for node in nodes)
    return Outcome(True, "ok", {"nodes": ", ".join(nodes)}, settled)


def check_hops(ctx: Context, args: dict[str, str]) -> Outcome:
    node = args["from"]
    dst = parse_address(args["to"])
    want = int(args["hops"])
    limit = int(args.get("max", str(max(want + 2, 8))))
    base: dict[str, Any] = {
        "node": node,
        "to": format_address(dst),
        "target": ctx.owner(dst),
        "want": want,
    }
    early = _not_self(ctx, node, dst, base)
    if early is not None:
        return early
    route = ctx.route_for(node, dst)
    if route is None:
        return Outcome(False, "no-route", base, _path_settled(ctx, node, dst, "no-route"))
    src = ctx.source_for(node, dst, route.ifname)
    if src is None:
        settled = _path_settled(ctx, node, dst, "no-source")
        return Outcome(False, "no-source", {**base, "iface": route.ifname or "?"}, settled)
    answers = ctx.echo(node, src, dst, list(range(1, limit + 1)))
    by_hop: dict[int, Any] = {}
    for answer in answers:
        by_hop.setdefault(answer.seq + 1, answer)
    path: list[str] = []
    for hop in range(1, limit + 1):
        answer = by_hop.get(hop)
        if answer is None:
            path.append("*")
            continue
        path.append(ctx.owner(answer.source))
        if answer.kind == "reply":
            base["path"] = " → ".join(path)
            base["found"] = hop
            if hop != want:
                return Outcome(False, "count", base)
            return Outcome(True, "ok", base)
        if answer.kind == "unreachable":
            base["path"] = " → ".join(path)
            settled = _path_settled(ctx, node, dst, "unreachable")
            return Outcome(False, "unreachable", {**base, "router": path[-1]}, settled)
    while path and path[-1] == "*":
        path.pop()
    base["path"] = " → ".join(path) or "-"
    return Outcome(False, "timeout", base, _path_settled(ctx, node, dst, "timeout"))


def check_plan(ctx: Context, args: dict[str, str]) -> Outcome:
    """Every global address configured on a planned interface lies in that link's block."""
    if ctx.addressing is None:
        return Outcome(False, "no-plan", {})
    plan_prefix = ctx.addressing.plan.prefix
    wrong: list[str] = []
    checked = 0
    for node in _nodes_arg(ctx, args):
        for a in ctx.addresses(node):
            if a.scope != "global" or _in(a.address, *LINK_LOCAL):
                continue
            checked += 1
            block = ctx.addressing.blocks.get(Endpoint(node, a.ifname))
            if block is not None and not _in(a.address, block[0], block[1]):
                wrong.append(
                    f"{node} {_cidr(a)} on {a.ifname} ∉ {format_prefix(block[0], block[1])} ({block[2]})"
                )
            elif block is None and a.address not in plan_prefix:
                wrong.append(f"{node} {_cidr(a)} on {a.ifname} ∉ {plan_prefix}")
    if wrong:
        return Outcome(False, "outside", {"found": "; ".join(wrong), "count": len(wrong)})
    return Outcome(True, "ok", {"count": checked, "plan": str(plan_prefix)})


def check_command(ctx: Context, args: dict[str, str]) -> Outcome:
    node = args["node"]
    argv = shlex.split(args["run"])
    result = ctx.backend.exec(node, argv, timeout=float(args.get("timeout", "10")))
    output = result.stdout + result.stderr
    matched = re.search(args["match"], output, re.MULTILINE) is not None
    want_match = args.get("expect", "match") != "no-match"
    first = (output.strip().splitlines() or ["(no output)"])[0][:120]
    base = {"node": node, "command": args["run"], "pattern": args["match"], "found": first}
    if matched == want_match:
        return Outcome(True, "ok" if want_match else "ok-absent", base)
    return Outcome(False, "no-match" if want_match else "matched", base)


# -- checks on answers ---------------------------------------------------------------------
def check_quiz(ctx: Context, args: dict[str, str]) -> Outcome:
    """One value answered with ``v6lab answer``; never says the right answer."""
    from ._quiz import grade

    question = args["question"]
    base: dict[str, Any] = {"question": question}
    given = ctx.answers().get(question)
    if given is None or not given.strip():
        return Outcome(False, "unanswered", base)
    code, params = grade(args.get("kind", "address"), given, args["answer"])
    base["given"] = params["given"]
    if "length" in params:
        base["length"] = params["length"]
    return Outcome(code == "ok", code, base)


def _build_spec(text: str | None, question: str) -> tuple[Plan | None, str]:
    if text is None or not text.strip():
        return None, ""
    from ..._build import build
    from ..._errors import V6PlanError
    from ..._limits import ANSWER_PLAN_NODES
    from ..._spec import parse_spec

    try:
        return build(parse_spec(text, file=question), max_nodes=ANSWER_PLAN_NODES).plan, ""
    except V6PlanError as exc:
        return None, str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _matching(plan: Plan, args: dict[str, str]) -> list[int]:
    """Plan nodes with the role and/or the name the check asks about (``name: site``
    matches ``site`` and its numbered instances ``site-1``, ``site-2`` …)."""
    role, name = args.get("role"), args.get("name")
    pattern = re.compile(rf"{re.escape(name)}(-\d+)?") if name else None
    return [
        i
        for i in range(1, len(plan))
        if (role is None or plan.role(i) == role)
        and (pattern is None or pattern.fullmatch(plan.name[i]) is not None)
    ]


def _what(args: dict[str, str]) -> str:
    return " ".join(x for x in (args.get("name"), args.get("role")) if x) or "node"


def check_plan_spec(ctx: Context, args: dict[str, str]) -> Outcome:
    """A plan spec handed in as a file: it loads and builds, its root is the trainee's
    allocation, it lints clean, and it meets the requirements (counts, room to grow,
    sizes, nibble boundaries) — measured with v6plan's own loader, builder and lint."""
    from ..._lint import SEVERITIES, lint
    from ..._query import _child_intervals
    from ..._space import aligned_blocks, free_gaps

    question = args["question"]
    base: dict[str, Any] = {"question": question}
    plan, problem = ctx.spec_plan(question)
    if plan is None:
        if not problem:
            return Outcome(False, "unanswered", base)
        return Outcome(False, "invalid", {**base, "error": problem})
    require = args["require"]
    base["prefix"] = str(plan.prefix)
    if require == "valid":
        return Outcome(True, "ok", {**base, "count": len(plan) - 1})
    if require == "prefix":
        allocation = parse_prefix(args["prefix"])
        if (plan.net[0], plan.plen[0]) != allocation:
            return Outcome(False, "wrong-prefix", {**base, "want": format_prefix(*allocation)})
        return Outcome(True, "ok-prefix", base)
    if require in ("lint", "nibble"):
        rules = {"non-nibble"} if require == "nibble" else None
        worst = SEVERITIES.index(args.get("severity", "error"))
        findings = [
            f
            for f in lint(plan)
            if (rules is None and SEVERITIES.index(f.severity) <= worst)
            or (rules is not None and f.rule in rules)
        ]
        if findings:
            f = findings[0]
            code = "non-nibble" if require == "nibble" else "lint"
            return Outcome(
                False,
                code,
                {
                    **base,
                    "rule": f.rule,
                    "path": f.path or "(root)",
                    "block": f.prefix,
                    "found": f.message,
                    "count": len(findings),
                },
            )
        return Outcome(True, "ok-nibble" if require == "nibble" else "ok-lint", base)
    nodes = _matching(plan, args)
    want = int(args.get("count", "1"))
    base.update(part=_what(args), want=want, found=len(nodes))
    if require == "count":
        if len(nodes) < want:
            return Outcome(False, "too-few", base)
        length = args.get("length")
        for i in nodes:
            if length is not None and plan.plen[i] != int(length):
                return Outcome(
                    False,
                    "wrong-length",
                    {**base, "path": plan.path(i), "block": plan.prefix_text(i), "length": length},
                )
        return Outcome(True, "ok-count", base)
    if not nodes:
        return Outcome(False, "too-few", {**base, "want": 1})
    if require == "room":
        room = len(nodes)
        for parent in sorted({plan.parent[i] for i in nodes}):
            sizes = {plan.plen[i] for i in nodes if plan.parent[i] == parent}
            end = plan.net[parent] + (1 << (128 - plan.plen[parent]))
            for start, stop in free_gaps(plan.net[parent], end, _child_intervals(plan, parent)):
                room += len(aligned_blocks(start, stop, max(sizes)))
        if room < want:
            return Outcome(False, "no-room", {**base, "room": room})
        return Outcome(True, "ok-room", {**base, "room": room})
    if require == "size":
        units = int(args.get("units", "64"))
        for i in nodes:
            holds = 1 << (units - plan.plen[i]) if plan.plen[i] <= units else 0
            if holds < want:
                return Outcome(
                    False,
                    "too-small",
                    {
                        **base,
                        "path": plan.path(i),
                        "block": plan.prefix_text(i),
                        "holds": holds,
                        "units": units,
                    },
                )
        return Outcome(True, "ok-size", {**base, "units": units})
    raise LabError(f"unknown requirement {require!r}")  # the lab loader refuses it


def check_zone(ctx: Context, args: dict[str, str]) -> Outcome:
    """A reverse zone file handed in: it loads (and ``named-checkzone`` accepts it when
    installed), it is the zone it should be, and it holds the PTR records asked for."""
    from ._zonefile import ZoneError, checkzone, parse_zone

    question = args["question"]
    zone = args["zone"].lower()
    zone = zone if zone.endswith(".") else zone + "."
    base: dict[str, Any] = {"question": question, "zone": zone}
    text = ctx.answers().get(question)
    if text is None or not text.strip():
        return Outcome(False, "unanswered", base)
    try:
        records = parse_zone(text, zone)
    except ZoneError as exc:
        return Outcome(False, "invalid", {**base, "error": str(exc)})
    require = args.get("require", "valid")
    soa = [r for r in records if r.rtype == "SOA"]
    if require == "valid":
        problem = checkzone(zone, text)
        if problem:
            return Outcome(False, "invalid", {**base, "error": problem})
        return Outcome(True, "ok", {**base, "count": len(records)})
    if require == "origin":
        if not soa:
            return Outcome(False, "no-soa", base)
        if soa[0].owner != zone:
            return Outcome(False, "wrong-zone", {**base, "found": soa[0].owner})
        return Outcome(True, "ok-origin", base)
    from ..._calc import ptr_name

    address = parse_address(args["address"])
    owner = ptr_name(address)
    name = args["name"].lower()
    name = name if name.endswith(".") else name + "."
    base.update(address=format_address(address), owner=owner, name=name)
    targets = [r.data[0] for r in records if r.rtype == "PTR" and r.owner == owner]
    if not targets:
        return Outcome(False, "missing-ptr", base)
    if name in targets:
        return Outcome(True, "ok-ptr", base)
    origin_less = [t for t in targets if t.startswith(name) and t != name]
    if origin_less:
        return Outcome(False, "relative-target", {**base, "found": origin_less[0]})
    return Outcome(False, "wrong-target", {**base, "found": ", ".join(targets)})


# -- what a grader accepts (answer keys) --------------------------------------------------------
def _mac_of(run: LabRun, address: int) -> str | None:
    for a in run.addressing.assignments:
        if a.address == address:
            return run.variables.get(f"{a.node}.{a.iface}.mac")
    for key, value in run.variables.items():
        if key.endswith(".ll") and value == format_address(address):
            return run.variables.get(key[:-3] + ".mac")
    return None


def _expect_address(args: dict[str, str], run: LabRun) -> str | None:
    return args["address"]


def _expect_destination(args: dict[str, str], run: LabRun) -> str | None:
    return args["to"]


def _expect_ndp(args: dict[str, str], run: LabRun) -> str | None:
    return _mac_of(run, parse_address(args["target"]))


def _expect_ra(args: dict[str, str], run: LabRun) -> str | None:
    flags = [f"{k}={args[k]}" for k in ("managed", "other", "autonomous") if k in args]
    return " ".join([format_prefix(*parse_prefix(args["prefix"])), *flags])


def _expect_slaac(args: dict[str, str], run: LabRun) -> str | None:
    from ..._calc import eui64

    mac = run.variables.get(f"{args['node']}.{args['iface']}.mac")
    net, length = parse_prefix(args["prefix"])
    if mac is None or length != 64:
        return format_prefix(net, length)
    return f"{format_address(eui64(net, mac))}/64"


def _expect_route(args: dict[str, str], run: LabRun) -> str | None:
    to = args["to"].strip()
    text = "default" if to == "default" else format_prefix(*parse_prefix(to))
    if args.get("via"):
        text += f" via {format_address(parse_address(args['via']))}"
    if args.get("dev"):
        text += f" dev {args['dev']}"
    return text


def _expect_hops(args: dict[str, str], run: LabRun) -> str | None:
    return args["hops"]


def _expect_command(args: dict[str, str], run: LabRun) -> str | None:
    return args["match"] if args.get("expect", "match") != "no-match" else None


def _expect_quiz(args: dict[str, str], run: LabRun) -> str | None:
    return args["answer"]


def _expect_plan_spec(args: dict[str, str], run: LabRun) -> str | None:
    require = args["require"]
    if require == "prefix":
        return format_prefix(*parse_prefix(args["prefix"]))
    what = _what(args)
    count = args.get("count", "1")
    if require == "count":
        length = f" of /{args['length']}" if "length" in args else ""
        return f"at least {count} {what}{length}"
    if require == "room":
        return f"room for {count} {what}"
    if require == "size":
        return f"each {what} holds {count} /{args.get('units', '64')}"
    return None


def _expect_zone(args: dict[str, str], run: LabRun) -> str | None:
    from ..._calc import ptr_name

    require = args.get("require", "valid")
    if require == "origin":
        zone = args["zone"].lower()
        return zone if zone.endswith(".") else zone + "."
    if require == "ptr":
        name = args["name"] if args["name"].endswith(".") else args["name"] + "."
        return f"{ptr_name(parse_address(args['address']))} PTR {name}"
    return None


def expected(spec: CheckSpec, run: LabRun) -> str | None:
    """What a grader accepts for one check of one run: the address, the route, the quiz
    answer, the MAC that answers a neighbour solicitation … None when the check is a
    condition with no single value. ``spec`` comes from ``run.checks()``."""
    return TYPES[spec.type].expected(spec.args, run)


def answer_key(run: LabRun) -> dict[str, str | None]:
    """Check id → what a grader accepts for it in this run (the answer key): the
    address, the route, the quiz answer … (:func:`expected` per check)."""
    return {spec.id: expected(spec, run) for spec in run.checks()}


#: each check type's grading function and answer-key function, by name (model._checkspec
#: declares the types and their arguments)
_IMPLEMENTATIONS: dict[str, tuple[Run, Expect | None]] = {
    "address": (check_address, _expect_address),
    "reachable": (check_reachable, _expect_destination),
    "unreachable": (check_unreachable, _expect_destination),
    "ndp": (check_ndp, _expect_ndp),
    "ra": (check_ra, _expect_ra),
    "slaac": (check_slaac, _expect_slaac),
    "route": (check_route, _expect_route),
    "no-dadfailed": (check_no_dadfailed, None),
    "hops": (check_hops, _expect_hops),
    "plan": (check_plan, None),
    "command": (check_command, _expect_command),
    "quiz": (check_quiz, _expect_quiz),
    "plan-spec": (check_plan_spec, _expect_plan_spec),
    "zone": (check_zone, _expect_zone),
}
TYPES: dict[str, CheckType] = {
    name: CheckType(
        **{f.name: getattr(signature, f.name) for f in fields(CheckSignature)},
        run=_IMPLEMENTATIONS[name][0],
        expect=_IMPLEMENTATIONS[name][1],
    )
    for name, signature in SIGNATURES.items()
}


def run_checks(
    ctx: Context,
    specs: list[CheckSpec],
    messages: Messages,
    progress: Callable[[str], None] | None = None,
    variables: dict[str, str] | None = None,
) -> list[CheckResult]:
    """Run every check; a check that crashes fails with code ``error``, the rest go on."""
    results: list[CheckResult] = []
    for spec in specs:
        started = time.perf_counter()
        if progress is not None:
            progress(spec.id)
        outcome = _graded(ctx, spec)
        results.append(render(spec, outcome, messages, time.perf_counter() - started, variables))
    return results


def _graded(ctx: Context, spec: CheckSpec) -> Outcome:
    """One check's verdict. While it may still change by itself (DAD running, an RA on
    its way: ``Outcome.settled`` is False), the backend lets the network's timers run and
    the check runs again, up to its window; then the last verdict is the answer."""
    kind = TYPES[spec.type]
    window = kind.settle if spec.wait is None else spec.wait
    last: list[Outcome] = []

    def attempt() -> bool:
        if last:
            ctx.refresh()
        try:
            outcome = kind.run(ctx, spec.args)
        except Exception as exc:  # one broken probe must not hide the other verdicts
            outcome = Outcome(False, "error", {"error": f"{type(exc).__name__}: {exc}"})
        last[:] = [outcome]
        return outcome.settled

    if kind.network and window > 0:
        ctx.backend.settle(attempt, window)
    else:
        attempt()
    return last[0]


def render(
    spec: CheckSpec,
    outcome: Outcome,
    messages: Messages,
    seconds: float = 0.0,
    variables: dict[str, str] | None = None,
) -> CheckResult:
    """Words for an outcome: the lab's own pass message if it has one, else the engine's.
    ``variables`` (the lab's values, ``{h1.eth0}`` …) may appear in the lab's texts."""
    params: dict[str, Any] = {**(variables or {}), **spec.args, **outcome.params, "id": spec.id}
    if "what" in params:
        params["what"] = messages.text(f"words.{params['what']}")
    if "why" in params:
        params["why"] = messages.text(f"words.unreach.{params['why']}")
    key = f"check.{spec.type}.{outcome.code}"
    if outcome.passed and messages.has(f"checks.{spec.id}.pass"):
        key = f"checks.{spec.id}.pass"
    elif not messages.has(key):
        key = "check.error" if outcome.code == "error" else f"check.{outcome.code}"
    message = messages.text(key, params)
    hint = ""
    if not outcome.passed:
        for hint_key in (
            f"checks.{spec.id}.hint.{outcome.code}",
            f"checks.{spec.id}.hint",
            f"hint.{spec.type}.{outcome.code}",
        ):
            if messages.has(hint_key):
                hint = messages.text(hint_key, params)
                break
    return CheckResult(
        id=spec.id,
        type=spec.type,
        points=spec.points,
        passed=outcome.passed,
        code=outcome.code,
        message=message,
        hint=hint,
        params=outcome.params,
        seconds=seconds,
    )
