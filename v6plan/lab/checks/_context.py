"""What the checks of one run share (:class:`Context`: the backend, the plan's addressing,
state read once, the trainee's answers) and what a check gives back (:class:`Outcome`,
rendered into a :class:`CheckResult`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..._prefix import format_address, host_mask
from ..._special import LINK_LOCAL
from ..model._topology import Endpoint
from ..runtime._backend import Address, Backend, Interface, Route

if TYPE_CHECKING:
    from ..._plan import Plan
    from ..model._topology import Addressing

__all__ = ["LINK_LOCAL", "CheckResult", "Context", "Outcome"]


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
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _in(address: int, net: int, length: int) -> bool:
    return (address & ~host_mask(length)) == net


def _cidr(a: Address) -> str:
    return f"{format_address(a.address)}/{a.length}"


def _usable(a: Address) -> bool:
    return not ({"tentative", "dadfailed"} & a.flags)


def _sysctl(ctx: Context, node: str, key: str) -> str:
    try:
        return ctx.backend.sysctl(node, key).strip()
    except Exception:  # a backend without this key: not worth failing the check over
        return "?"


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
        """The topology makes a router on the link or segment of ``node:iface`` advertise."""
        if self.addressing is None:
            return False
        peers = self.addressing.topology.peers(Endpoint(node, iface))
        return any(p.iface in self.addressing.advertise.get(p.node, {}) for p in peers)

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
    def route_for(self, node: str, dst: int, length: int = 128) -> Route | None:
        """The route the node's stack chooses for ``dst`` (for the whole of ``dst/length``):
        the longest, then lowest-metric, route that contains it."""
        best: Route | None = None
        for route in self.routes(node):
            if route.length > length or not _in(
                dst, route.dst & ~host_mask(route.length), route.length
            ):
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
