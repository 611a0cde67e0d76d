"""The check library's registry: every check type with its grading function
(:data:`TYPES`), and :func:`run_checks`, which grades a lab's checks on a running topology
and turns each :class:`~._context.Outcome` into words (:func:`render`).

One fact per check. A check reads state through the backend (addresses, routes, sysctls)
or sends Scapy probes into the topology (echo, NS, RS) and returns an outcome: passed or
not, a *code* that says why (``wrong-length``, ``no-route``, ``timeout`` …) and the values
found. Messages are not built in the checks: ``check.<type>.<code>`` in the message
catalogue turns an outcome into words in the trainee's language, and a known-bad solution
states the codes it must produce, so "fails for the right reason" is testable in any
language. Two families:

* **network checks** read a node's state or send probes (:mod:`._network`: ``address``,
  ``ndp``, ``ra``, ``slaac``, ``no-dadfailed``, ``plan``, ``command``; :mod:`._paths`:
  ``reachable``, ``unreachable``, ``route``, ``hops``);
* **answer checks** grade what the trainee handed in with ``v6lab answer QUESTION
  VALUE`` (:mod:`._answers`: ``quiz``, ``plan-spec``, ``zone``). Their argument
  ``question`` names the answer they grade (a quiz's default is its own id;
  ``plan-spec`` reads ``plan`` and ``zone`` reads ``zone`` unless told otherwise).

What a grader accepts for each check (the answer key) is :mod:`._keys`.

Things the kernel does over time — DAD, router advertisements, SLAAC, routes from RAs,
neighbour resolution — are not instant. A network check whose verdict may still change
(an address still ``tentative``, an RA the topology says is coming) returns an outcome
that is not ``settled``; :func:`run_checks` then runs it again while the backend lets the
network's timers run (:meth:`Backend.settle`: real time on netns, virtual time on the
simulator), up to the check type's window (``CheckType.settle``) or the check's own
``wait:`` in lab.yaml, and reports the last verdict — like netlab's ``validate`` retries.
So ``v6lab check`` right after a correct configuration passes on the kernel too.

A diagnosis lab gives a network check ``after: QUESTION-CHECK``: until that answer check
passes, the check's failure is only ``undiagnosed`` (its symptom), so the trainee, not
``v6lab check``, finds the fault.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from ..model._checkspec import AFTER, SIGNATURES, CheckSignature, CheckSpec
from ._answers import check_plan_spec, check_quiz, check_zone
from ._context import CheckResult, Context, Outcome
from ._keys import EXPECTATIONS, Expect
from ._network import (
    check_address,
    check_command,
    check_ndp,
    check_no_dadfailed,
    check_plan,
    check_ra,
    check_slaac,
)
from ._paths import check_hops, check_reachable, check_route, check_unreachable
from ._pmtu import check_pmtu
from ._privacy import check_privacy

if TYPE_CHECKING:
    from ..model._i18n import Messages
    from ..model._labfile import LabRun

__all__ = ["TYPES", "CheckType", "render", "run_checks"]

#: a check type's grading function
Run = Callable[[Context, dict[str, str]], Outcome]


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


#: each check type's grading function, by name (model._checkspec declares the types and
#: their arguments, _keys their answer-key functions)
_RUN: dict[str, Run] = {
    "address": check_address,
    "reachable": check_reachable,
    "unreachable": check_unreachable,
    "ndp": check_ndp,
    "ra": check_ra,
    "slaac": check_slaac,
    "privacy": check_privacy,
    "pmtu": check_pmtu,
    "route": check_route,
    "no-dadfailed": check_no_dadfailed,
    "hops": check_hops,
    "plan": check_plan,
    "command": check_command,
    "quiz": check_quiz,
    "plan-spec": check_plan_spec,
    "zone": check_zone,
}
TYPES: dict[str, CheckType] = {
    name: CheckType(
        **{f.name: getattr(signature, f.name) for f in fields(CheckSignature)},
        run=_RUN[name],
        expect=EXPECTATIONS.get(name),
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
    """Run every check; a check that crashes fails with code ``error``, the rest go on.
    A failure whose fault the trainee has not named yet (``after:``) tells its symptom only."""
    graded: list[tuple[CheckSpec, Outcome, float]] = []
    for spec in specs:
        started = time.perf_counter()
        if progress is not None:
            progress(spec.id)
        graded.append((spec, _graded(ctx, spec), time.perf_counter() - started))
    passed = {spec.id for spec, outcome, _ in graded if outcome.passed}
    return [
        render(spec, _concealed(spec, outcome, passed), messages, seconds, variables)
        for spec, outcome, seconds in graded
    ]


def _concealed(spec: CheckSpec, outcome: Outcome, passed: set[str]) -> Outcome:
    """``undiagnosed`` for a failure the trainee has not diagnosed yet: the check named by
    its ``after:`` argument (a question naming the fault) has not passed."""
    named = spec.args.get(AFTER)
    if outcome.passed or not named or named in passed:
        return outcome
    return Outcome(False, "undiagnosed", {"question": named})


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
    """Words for an outcome: the lab's own (``checks.ID.pass``, ``checks.ID.fail.CODE``,
    ``checks.ID.fail``) if it has them, else the engine's.
    ``variables`` (the lab's values, ``{h1.eth0}`` …) may appear in the lab's texts."""
    params = _in_words(spec, outcome, messages, variables or {})
    key = f"check.{spec.type}.{outcome.code}"
    own = (
        [f"checks.{spec.id}.pass"]
        if outcome.passed
        else [f"checks.{spec.id}.fail.{outcome.code}", f"checks.{spec.id}.fail"]
    )
    lab_key = next((k for k in own if messages.has(k)), None)
    if lab_key is not None:  # the lab's own words for its check
        key = lab_key
    elif not messages.has(key):
        key = "check.error" if outcome.code == "error" else f"check.{outcome.code}"
    hints = (
        f"checks.{spec.id}.hint.{outcome.code}",
        f"checks.{spec.id}.hint",
        f"hint.{spec.type}.{outcome.code}",
        f"hint.{outcome.code}",
    )
    hint_key = next((k for k in hints if messages.has(k)), None) if not outcome.passed else None
    message = messages.text(key, params)
    for more in outcome.params.get("more", ()):  # further reasons, each a clause of its own
        message += messages.text("words.also") + messages.text(f"check.{spec.type}.{more}", params)
    return CheckResult(
        id=spec.id,
        type=spec.type,
        points=spec.points,
        passed=outcome.passed,
        code=outcome.code,
        message=message,
        hint=messages.text(hint_key, params) if hint_key else "",
        params=outcome.params,
        seconds=seconds,
    )


def _in_words(
    spec: CheckSpec, outcome: Outcome, messages: Messages, variables: dict[str, str]
) -> dict[str, Any]:
    """The message's parameters, with what the checks found as data (a reason code, a
    route kind, a path with silent hops, a list of things found) in the catalogue's words."""
    params: dict[str, Any] = {**variables, **spec.args, **outcome.params, "id": spec.id}
    if "what" in params:
        params["what"] = messages.text(f"words.{params['what']}")
    if "why" in params:
        params["why"] = messages.text(f"words.unreach.{params['why']}")
    if isinstance(params.get("path"), list):  # hops: who answered, hop by hop
        silent = messages.text("words.silent-hop")
        params["path"] = " → ".join(hop or silent for hop in params["path"])
    if spec.type == "command" and not params.get("found"):
        params["found"] = messages.text("words.no-output")
    if spec.type == "ra" and "flag" in params:
        params["flag"] = messages.text(f"words.ra-flag.{params['flag']}")
        params["state"] = messages.text(f"words.flag-state.{params.get('state', 'clear')}")
    if spec.type == "privacy" and "kind" in params:
        params["kind"] = messages.text(f"words.privacy-kind.{params['kind']}")
    if spec.type == "route" and params.get("to") == "default":
        params["to"] = messages.text("words.off-link")
    if params.get("route") == "default":
        params["route"] = "::/0"
    if "refusal" in params:
        params["refusal"] = messages.text(f"words.route-kind.{params['refusal']}")
    for name, value in list(params.items()):  # things found, each in the catalogue's words
        if isinstance(value, list) and value and isinstance(value[0], dict):
            item = f"item.{spec.type}.{outcome.code}"
            params[name] = "; ".join(messages.text(item, one) for one in value)
    return params
