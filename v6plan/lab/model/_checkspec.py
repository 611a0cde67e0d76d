"""What a lab may declare about its checks: the check types, their arguments, and a check as
declared (:class:`CheckSpec`). The lab file is read against these; the grading functions
live in :mod:`..checks` (its registry gives every type declared here an implementation).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, get_args

__all__ = [
    "AFTER",
    "ANSWER_KINDS",
    "COMMON_CODES",
    "KERNEL_TIMERS",
    "MAX_WAIT",
    "PLAN_REQUIREMENTS",
    "QUIZ_CODES",
    "RFC5952_RULES",
    "SIGNATURES",
    "CheckSignature",
    "CheckSpec",
    "QuizCode",
    "Rule",
]

#: How long a check may wait for the kernel's timers when its verdict may still change:
#: DAD (a random delay up to 1 s, then 1 s per probe), radvd's answer to a solicitation
#: (up to 0.5 s, or 3 s after its last multicast RA) and the processing of that RA — with
#: room for a machine busy with other work. A lab's check may set its own (``wait:``).
KERNEL_TIMERS = 5.0
#: the longest ``wait:`` a lab may give one check, in seconds
MAX_WAIT = 60


@dataclass(frozen=True)
class CheckSpec:
    """A check as a lab declares it. In the lab (``Lab.checks``) ``args`` are the lab file's
    templates (``{h1.eth0}``); in a run (``LabRun.checks()``) its values are filled in."""

    id: str
    type: str
    args: dict[str, str]
    points: int = 1
    place: tuple[int, int] = (0, 0)
    #: seconds the check may wait for the network to settle (lab.yaml ``wait:``);
    #: None: its type's window (``CheckType.settle``)
    wait: float | None = None
    #: where each argument stands in the lab file (line, column), for its error messages
    places: dict[str, tuple[int, int]] = field(default_factory=dict)

    def place_of(self, key: str) -> tuple[int, int]:
        """The place of argument ``key`` in the lab file (the check's own when unknown)."""
        return self.places.get(key, self.place)


#: The RFC 5952 rules an address's text can break, in the order a message names them
#: (§4.1 leading zeros; §4.2.1 shorten as much as possible; §4.2.2 no :: for one group;
#: §4.2.3 the first of two equal runs; §4.3 lower case).
Rule = Literal[
    "leading-zeros",
    "zeros-not-compressed",
    "not-longest-run",
    "single-zero-group",
    "not-first-run",
    "upper-case",
]
RFC5952_RULES: tuple[Rule, ...] = get_args(Rule)

#: Every reason code a quiz check gives (``check.quiz.<code>`` in the catalogues).
QuizCode = Literal[
    "ok",
    "unanswered",
    "invalid",
    "wrong",
    "not-canonical",
    Rule,  # a canonical answer that breaks an RFC 5952 rule fails with that rule's code
    "not-expanded",
    "address-length",
    "no-length",
    "host-bits",
    "wrong-length",
    "ul-bit",
    "nibbles-not-reversed",
    "zeros-dropped",
    "no-arpa",
]
QUIZ_CODES: tuple[QuizCode, ...] = get_args(QuizCode)

#: how a quiz answer is compared with the expected one (:func:`..checks._quiz.grade`)
ANSWER_KINDS = ("address", "canonical", "expanded", "prefix", "number", "mac", "name", "text")
#: what a ``plan-spec`` check may require of a spec handed in
PLAN_REQUIREMENTS = ("valid", "prefix", "lint", "nibble", "count", "room", "size")


@dataclass(frozen=True)
class CheckSignature:
    """A kind of check as a lab may use it: its arguments and how they are read."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    #: arguments that must be an address / a prefix / a node name (checked at lab load)
    addresses: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    summary: str = ""
    #: False: graded on the trainee's answers only, never touches the network
    network: bool = True
    #: graded on an answer (``v6lab answer``); ``question`` is the default question id
    #: ("" = the check's own id)
    answers: bool = False
    question: str = ""
    #: arguments with a fixed set of values (checked at lab load)
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: seconds a check of this type may wait for the network to settle when its verdict
    #: may still change (0: reported at once); a lab's check may set its own (``wait:``)
    settle: float = 0.0
    #: every reason code a check of this type gives (each has words in every catalogue:
    #: ``check.<type>.<code>``); ``()``: not declared here (the quiz, graded by ._quiz)
    codes: tuple[str, ...] = ()


#: codes any check may give: it could not run; its fault is not named yet (``after:``)
COMMON_CODES = ("error", "undiagnosed")
#: an argument every network check may take: ``after: QUESTION-CHECK`` keeps the check's
#: failure to its symptom (code ``undiagnosed``) until the answer check named there passes
#: — in a diagnosis lab the trainee names the fault first, ``v6lab check`` does not
AFTER = "after"

SIGNATURES: dict[str, CheckSignature] = {
    s.name: replace(s, optional=(*s.optional, AFTER)) if s.network else s
    for s in (
        CheckSignature('address', ("node", "iface", "address"), ("in_plan",), addresses=("address",), nodes=("node",), settle=KERNEL_TIMERS, codes=("ok", "no-iface", "dadfailed", "tentative", "wrong-length", "outside-plan", "wrong-iface", "other-address", "missing",), summary="an address (with its prefix length) is on a node's interface and in its plan block"),
        CheckSignature('reachable', ("from", "to"), ("hop_limit", "iface"), addresses=("to",), nodes=("from",), settle=KERNEL_TIMERS, codes=("ok", "no-route", "self", "no-iface", "needs-iface", "no-source", "unreachable", "time-exceeded", "timeout",), summary="an ICMPv6 echo from a node is answered"),
        CheckSignature('unreachable', ("from", "to"), ("iface",), addresses=("to",), nodes=("from",), settle=KERNEL_TIMERS, codes=("ok", "ok-no-route", "ok-no-source", "ok-self", "no-iface", "needs-iface", "reached",), summary="an ICMPv6 echo from a node is not answered (must not reach)"),
        CheckSignature('ndp', ("node", "iface", "target"), (), addresses=("target",), nodes=("node",), settle=KERNEL_TIMERS, codes=("ok", "no-iface", "no-link-local", "no-answer",), summary="a Neighbor Solicitation for an address gets a Neighbor Advertisement"),
        CheckSignature('ra', ("node", "iface", "prefix"), ("managed", "other", "autonomous"), prefixes=("prefix",), nodes=("node",), settle=KERNEL_TIMERS, codes=("ok", "no-iface", "no-ra", "no-prefix", "no-prefixes", "flags", "not-autonomous",), summary="a Router Solicitation gets an RA with the prefix and flags"),
        CheckSignature('slaac', ("node", "iface", "prefix"), (), prefixes=("prefix",), nodes=("node",), settle=KERNEL_TIMERS, codes=("ok", "tentative", "static", "accept-ra-off", "forwarding", "missing",), summary="the node formed an address in the prefix by SLAAC"),
        CheckSignature('route', ("node", "to"), ("via", "dev", "exact"), addresses=("via",), nodes=("node",), choices=(("exact", ("true", "false")),), settle=KERNEL_TIMERS, codes=("ok", "ok-on-link", "missing", "missing-default", "other-via", "on-link", "other-dev", "refused", "more-specific",), summary="the node forwards traffic for a prefix (or off-link: default) the right way, as its longest-match lookup decides: the next hop and device asked for, no more specific route sending part of it elsewhere (exact: true asks for that very route)"),
        CheckSignature('privacy', ("node", "iface", "prefix", "kind"), ("to",), addresses=("to",), prefixes=("prefix",), nodes=("node",), choices=(("kind", ("temporary", "stable")),), settle=KERNEL_TIMERS, codes=("ok", "ok-source", "no-iface", "missing", "no-temporary", "tentative", "deprecated", "eui64", "static", "no-source", "other-source",), summary="the node has an address of that kind in the prefix — temporary (RFC 8981: random, preferred) or stable (RFC 7217: stable-privacy, not the EUI-64) — and, with to, takes it as its source"),
        CheckSignature('pmtu', ("node", "to", "mtu"), (), addresses=("to",), nodes=("node",), codes=("ok", "no-route", "not-learned", "other-mtu",), summary="the node's path MTU to a destination is mtu, as its stack learned it (a Packet Too Big's route exception: ip -6 route get … mtu N)"),
        CheckSignature('no-dadfailed', (), ("node", "nodes"), settle=KERNEL_TIMERS, codes=("ok", "dadfailed", "duplicate",), summary="no address is marked dadfailed (a duplicate on the link)"),
        CheckSignature('hops', ("from", "to", "hops"), ("max",), addresses=("to",), nodes=("from",), settle=KERNEL_TIMERS, codes=("ok", "no-route", "self", "no-source", "count", "unreachable", "timeout", "no-answer",), summary="traceroute: the destination is this many hops away"),
        CheckSignature('plan', (), ("nodes",), codes=("ok", "outside", "no-plan",), summary="plan conformance: every configured address lies in its link's plan block"),
        CheckSignature('command', ("node", "run", "match"), ("expect", "timeout"), nodes=("node",), codes=("ok", "ok-absent", "no-match", "matched",), summary="a command's output matches a regular expression"),
        CheckSignature('quiz', ("answer",), ("kind", "question"), choices=(("kind", ANSWER_KINDS),), network=False, answers=True, codes=QUIZ_CODES, summary="the answer given with `v6lab answer ID VALUE` is right (compared by its kind)"),
        CheckSignature('plan-spec', ("require",), ("question", "prefix", "role", "name", "count", "length", "units", "severity"), prefixes=("prefix",), network=False, answers=True, question="plan", choices=(("require", PLAN_REQUIREMENTS),
                                            ("severity", ("error", "warning", "info"))), codes=("ok", "ok-prefix", "ok-lint", "ok-nibble", "ok-count", "ok-room", "ok-size", "unanswered", "invalid", "wrong-prefix", "lint", "non-nibble", "too-few", "wrong-length", "no-room", "too-small",), summary="a plan spec handed in: valid, its prefix, lint-clean, nibble-aligned, counts, room, sizes"),
        CheckSignature('zone', ("zone",), ("question", "require", "address", "name"), addresses=("address",), network=False, answers=True, question="zone", choices=(("require", ("valid", "origin", "ptr")),), codes=("ok", "ok-origin", "ok-ptr", "unanswered", "invalid", "no-soa", "wrong-zone", "missing-ptr", "wrong-target", "relative-target",), summary="a reverse zone file handed in: valid (named-checkzone), the right zone, its PTR records"),
    )
}  # fmt: skip
