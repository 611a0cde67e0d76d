"""The check library: one fact per check, graded on a running topology.

Each check reads state through the backend (addresses, routes, sysctls) or sends Scapy
probes into the topology (echo, NS, RS) and returns an :class:`Outcome`: passed or not,
a *code* that says why (``wrong-length``, ``no-route``, ``timeout`` …) and the values
found. Messages are not built here: ``check.<type>.<code>`` in the message catalogue
turns an outcome into words in the trainee's language, and a known-bad solution states
the codes it must produce, so "fails for the right reason" is testable in any language.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._errors import AddressError
from .._prefix import format_address, format_prefix, host_mask, parse_address, parse_prefix
from ._backend import Address, Backend, Interface, Route
from ._topology import Endpoint

if TYPE_CHECKING:
    from ._i18n import Messages
    from ._topology import Addressing

__all__ = [
    "TYPES",
    "CheckResult",
    "CheckSpec",
    "CheckType",
    "Context",
    "Outcome",
    "render",
    "run_checks",
]

LINK_LOCAL = (0xFE80 << 112, 10)


@dataclass(frozen=True)
class CheckSpec:
    """A check as a lab declares it; ``args`` are strings with the lab's values filled in."""

    id: str
    type: str
    args: dict[str, str]
    points: int = 1
    place: tuple[int, int] = (0, 0)


@dataclass
class Outcome:
    passed: bool
    code: str
    params: dict[str, Any] = field(default_factory=dict)


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
        self, backend: Backend, addressing: Addressing | None, timeout: float = 1.0
    ) -> None:
        self.backend = backend
        self.addressing = addressing
        self.timeout = timeout
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


@dataclass(frozen=True)
class CheckType:
    """A kind of check: its arguments and the function that grades it."""

    name: str
    run: Run
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    #: arguments that must be an address / a prefix / a node name (checked at lab load)
    addresses: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    summary: str = ""


def _address_arg(text: str) -> tuple[int, int]:
    """``addr/len`` or a bare address (length 128 stands for "any")."""
    text = text.strip()
    if "/" in text:
        addr_text, _, length_text = text.partition("/")
        if not length_text.isdigit() or int(length_text) > 128:
            raise AddressError(f"{text!r} has a bad prefix length")
        return parse_address(addr_text), int(length_text)
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
            return Outcome(False, "tentative", base)
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
    if others:
        return Outcome(False, "other-address", {**base, "found": ", ".join(others)})
    return Outcome(False, "missing", base)


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
            return Outcome(False, "no-route", base), [], base
        out_iface = route.ifname
    src = ctx.source_for(node, dst, out_iface)
    if src is None:
        return Outcome(False, "no-source", {**base, "iface": out_iface or "?"}), [], base
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
            return Outcome(False, "unreachable", {**base, "router": who, "why": why})
        return Outcome(False, "time-exceeded", {**base, "router": who})
    return Outcome(False, "timeout", {**base, "seconds": f"{ctx.timeout:g}"})


def check_unreachable(ctx: Context, args: dict[str, str]) -> Outcome:
    early, answers, base = _reach(ctx, args)
    if early is not None:
        if early.code in ("no-route", "no-source", "self"):
            return Outcome(True, "ok-" + early.code, early.params)
        return early
    if any(a.kind == "reply" for a in answers):
        return Outcome(False, "reached", base)
    return Outcome(True, "ok", base)


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
    if src is None:
        return Outcome(False, "no-link-local", base)
    frames = ctx.backend.send_l2(
        node, iface, [neighbour_solicitation(nic.mac, src, target)], timeout=ctx.timeout
    )
    macs = read_neighbour_adverts(frames, target)
    if macs:
        return Outcome(True, "ok", {**base, "mac": macs[0]})
    return Outcome(False, "no-answer", base)


def _flag(args: dict[str, str], key: str) -> bool | None:
    value = args.get(key)
    return None if value is None else value.lower() in ("true", "yes", "on", "1")


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
    if not adverts:
        return Outcome(False, "no-ra", base)
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
        return Outcome(False, "tentative", {**base, "address": _cidr(formed[0])})
    if inside:
        return Outcome(False, "static", {**base, "address": _cidr(inside[0])})
    accept_ra = _sysctl(ctx, node, f"net.ipv6.conf.{iface}.accept_ra")
    forwarding = _sysctl(ctx, node, f"net.ipv6.conf.{iface}.forwarding")
    base.update(accept_ra=accept_ra, forwarding=forwarding)
    if accept_ra == "0":
        return Outcome(False, "accept-ra-off", base)
    if forwarding == "1" and accept_ra == "1":
        return Outcome(False, "forwarding", base)
    return Outcome(False, "missing", base)


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
    if not matching:
        return Outcome(False, "missing" if length else "missing-default", base)
    via_text = args.get("via")
    if via_text:
        via = parse_address(via_text)
        base["via"] = format_address(via)
        if not any(r.via == via for r in matching):
            found = ", ".join(
                format_address(r.via) if r.via is not None else f"dev {r.ifname}" for r in matching
            )
            return Outcome(False, "other-via", {**base, "found": found})
    dev = args.get("dev")
    if dev and not any(r.ifname == dev for r in matching):
        return Outcome(False, "other-dev", {**base, "dev": dev, "found": matching[0].ifname or "?"})
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
    return Outcome(True, "ok", {"nodes": ", ".join(nodes)})


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
        return Outcome(False, "no-route", base)
    src = ctx.source_for(node, dst, route.ifname)
    if src is None:
        return Outcome(False, "no-source", {**base, "iface": route.ifname or "?"})
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
            return Outcome(False, "unreachable", {**base, "router": path[-1]})
    while path and path[-1] == "*":
        path.pop()
    base["path"] = " → ".join(path) or "-"
    return Outcome(False, "timeout", base)


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


TYPES: dict[str, CheckType] = {
    t.name: t
    for t in (
        CheckType("address", check_address, ("node", "iface", "address"), ("in_plan",),
                  addresses=("address",), nodes=("node",),
                  summary="an address (with its prefix length) is on a node's interface and in its plan block"),
        CheckType("reachable", check_reachable, ("from", "to"), ("hop_limit", "iface"),
                  addresses=("to",), nodes=("from",), summary="an ICMPv6 echo from a node is answered"),
        CheckType("unreachable", check_unreachable, ("from", "to"), ("iface",),
                  addresses=("to",), nodes=("from",), summary="an ICMPv6 echo from a node is not answered (must not reach)"),
        CheckType("ndp", check_ndp, ("node", "iface", "target"), (),
                  addresses=("target",), nodes=("node",), summary="a Neighbor Solicitation for an address gets a Neighbor Advertisement"),
        CheckType("ra", check_ra, ("node", "iface", "prefix"), ("managed", "other", "autonomous"),
                  prefixes=("prefix",), nodes=("node",), summary="a Router Solicitation gets an RA with the prefix and flags"),
        CheckType("slaac", check_slaac, ("node", "iface", "prefix"), (),
                  prefixes=("prefix",), nodes=("node",), summary="the node formed an address in the prefix by SLAAC"),
        CheckType("route", check_route, ("node", "to"), ("via", "dev"),
                  addresses=("via",), nodes=("node",), summary="a route (or the default route) is present, optionally via a next hop"),
        CheckType("no-dadfailed", check_no_dadfailed, (), ("node", "nodes"),
                  summary="no address is marked dadfailed (a duplicate on the link)"),
        CheckType("hops", check_hops, ("from", "to", "hops"), ("max",),
                  addresses=("to",), nodes=("from",), summary="traceroute: the destination is this many hops away"),
        CheckType("plan", check_plan, (), ("nodes",),
                  summary="plan conformance: every configured address lies in its link's plan block"),
        CheckType("command", check_command, ("node", "run", "match"), ("expect", "timeout"),
                  nodes=("node",), summary="a command's output matches a regular expression"),
    )
}  # fmt: skip


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
        try:
            outcome = TYPES[spec.type].run(ctx, spec.args)
        except Exception as exc:  # one broken probe must not hide the other verdicts
            outcome = Outcome(False, "error", {"error": f"{type(exc).__name__}: {exc}"})
        results.append(render(spec, outcome, messages, time.perf_counter() - started, variables))
    return results


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
