"""What a grader accepts (the answer key): for one check of one
:class:`~..model._labfile.LabRun` (the lab with one trainee's values), the value a check
passes on — or None when the check is a condition with no single value (``no-dadfailed``,
``plan``, a spec that must lint clean). Per type: address → ``addr/len``; reachable /
unreachable → the destination; ndp → the MAC that must answer; ra → the prefix (and
flags); slaac → the EUI-64 address formed; route → ``default via X`` / ``P via X dev D``;
hops → the count; command → the regex; quiz → the answer; plan-spec → the requirement;
zone → the zone or the PTR::

    run = load_lab("01-notation").instantiate(variant)
    for spec in run.checks():
        expected(spec, run)   # '2001:0db8:0042:0002:0000:0000:0000:0001', '2001:db8:42:1::10/64',
                              # 'default via 2001:db8:42:1::1', '3', '02:00:00:00:02:00' …

``answer_key(run)`` returns the whole key as ``{check id: value}``. The values are
English-free data (addresses, prefixes, numbers, names, MACs) except for the
``plan-spec`` requirements, which are short English phrases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..._prefix import format_address, format_prefix, parse_address, parse_prefix
from ..model._checkspec import CheckSpec
from ._answers import _what

if TYPE_CHECKING:
    from ..model._labfile import LabRun

__all__ = ["EXPECTATIONS", "Expect", "answer_key", "expected"]

#: a check type's answer-key function: its (filled) arguments and the run → the value
Expect = Callable[[dict[str, str], "LabRun"], "str | None"]


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


#: each check type's answer-key function (the types without one are conditions)
def _expect_privacy(args: dict[str, str], run: LabRun) -> str | None:
    """A property, not a value: a temporary IID is random."""
    what = "a temporary address" if args["kind"] == "temporary" else "a stable-privacy address"
    return f"{what} in {args['prefix']}" + (
        f", the source for {args['to']}" if "to" in args else ""
    )


def _expect_pmtu(args: dict[str, str], run: LabRun) -> str | None:
    return f"{args['to']} mtu {args['mtu']}"


EXPECTATIONS: dict[str, Expect] = {
    "address": _expect_address,
    "reachable": _expect_destination,
    "unreachable": _expect_destination,
    "ndp": _expect_ndp,
    "ra": _expect_ra,
    "slaac": _expect_slaac,
    "privacy": _expect_privacy,
    "pmtu": _expect_pmtu,
    "route": _expect_route,
    "hops": _expect_hops,
    "command": _expect_command,
    "quiz": _expect_quiz,
    "plan-spec": _expect_plan_spec,
    "zone": _expect_zone,
}


def expected(spec: CheckSpec, run: LabRun) -> str | None:
    """What a grader accepts for one check of one run: the address, the route, the quiz
    answer, the MAC that answers a neighbour solicitation … None when the check is a
    condition with no single value. ``spec`` comes from ``run.checks()``."""
    expect = EXPECTATIONS.get(spec.type)
    return expect(spec.args, run) if expect is not None else None


def answer_key(run: LabRun) -> dict[str, str | None]:
    """Check id → what a grader accepts for it in this run (the answer key): the
    address, the route, the quiz answer … (:func:`expected` per check)."""
    return {spec.id: expected(spec, run) for spec in run.checks()}
