"""The checks on what the trainee handed in with ``v6lab answer`` (never the network): one
value (``quiz``, compared by its kind in :mod:`._quiz`), a plan spec (``plan-spec``:
loaded, built and linted by v6plan itself) and a reverse zone file (``zone``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..._prefix import format_address, format_prefix, parse_address, parse_prefix
from .._errors import LabError
from ._context import Context, Outcome

if TYPE_CHECKING:
    from ..._plan import Plan

__all__ = ["check_plan_spec", "check_quiz", "check_zone"]


def check_quiz(ctx: Context, args: dict[str, str]) -> Outcome:
    """One value answered with ``v6lab answer``; never says the right answer."""
    from ._quiz import grade

    question = args["question"]
    base: dict[str, Any] = {"question": question}
    given = ctx.answers().get(question)
    if given is None or not given.strip():
        return Outcome(False, "unanswered", base)
    code, params = grade(args.get("kind", "address"), given, args["answer"], ctx.addressing)
    base.update((k, v) for k, v in params.items() if k != "expected")  # never the answer
    return Outcome(code == "ok", code, base)


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
        return _spec_lint(plan, args, base)
    nodes = _matching(plan, args)
    base.update(part=_what(args), want=int(args.get("count", "1")), found=len(nodes))
    if require == "count":
        return _spec_count(plan, nodes, args, base)
    if not nodes:
        return Outcome(False, "too-few", {**base, "want": 1})
    if require == "room":
        return _spec_room(plan, nodes, base)
    if require == "size":
        return _spec_size(plan, nodes, args, base)
    raise LabError(f"unknown requirement {require!r}")  # the lab loader refuses it


def _spec_lint(plan: Plan, args: dict[str, str], base: dict[str, Any]) -> Outcome:
    """The spec lints clean at the severity asked (or: every block is on a nibble)."""
    from ..._lint import SEVERITIES, lint

    nibble = args["require"] == "nibble"
    worst = SEVERITIES.index(args.get("severity", "error"))
    findings = [
        f
        for f in lint(plan)
        if (f.rule == "non-nibble" if nibble else SEVERITIES.index(f.severity) <= worst)
    ]
    if not findings:
        return Outcome(True, "ok-nibble" if nibble else "ok-lint", base)
    f = findings[0]
    found = {"rule": f.rule, "path": f.path or "(root)", "block": f.prefix, "found": f.message}
    code = "non-nibble" if nibble else "lint"
    return Outcome(False, code, {**base, **found, "count": len(findings)})


def _spec_count(
    plan: Plan, nodes: list[int], args: dict[str, str], base: dict[str, Any]
) -> Outcome:
    """At least ``count`` matching blocks, each of ``length`` when asked."""
    if len(nodes) < base["want"]:
        return Outcome(False, "too-few", base)
    length = args.get("length")
    for i in nodes:
        if length is not None and plan.plen[i] != int(length):
            found = {"path": plan.path(i), "block": plan.prefix_text(i), "length": length}
            return Outcome(False, "wrong-length", {**base, **found})
    return Outcome(True, "ok-count", base)


def _spec_room(plan: Plan, nodes: list[int], base: dict[str, Any]) -> Outcome:
    """Room for ``count`` blocks of the kind: those there, plus the aligned free blocks
    of their largest size left in their parents."""
    from ..._query import _child_intervals
    from ..._space import aligned_blocks, free_gaps

    room = len(nodes)
    for parent in sorted({plan.parent[i] for i in nodes}):
        sizes = {plan.plen[i] for i in nodes if plan.parent[i] == parent}
        end = plan.net[parent] + (1 << (128 - plan.plen[parent]))
        for start, stop in free_gaps(plan.net[parent], end, _child_intervals(plan, parent)):
            room += len(aligned_blocks(start, stop, max(sizes)))
    if room < base["want"]:
        return Outcome(False, "no-room", {**base, "room": room})
    return Outcome(True, "ok-room", {**base, "room": room})


def _spec_size(plan: Plan, nodes: list[int], args: dict[str, str], base: dict[str, Any]) -> Outcome:
    """Each matching block holds at least ``count`` blocks of ``/units``."""
    units = int(args.get("units", "64"))
    for i in nodes:
        holds = 1 << (units - plan.plen[i]) if plan.plen[i] <= units else 0
        if holds < base["want"]:
            found = {"path": plan.path(i), "block": plan.prefix_text(i), "holds": holds}
            return Outcome(False, "too-small", {**base, **found, "units": units})
    return Outcome(True, "ok-size", {**base, "units": units})


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
