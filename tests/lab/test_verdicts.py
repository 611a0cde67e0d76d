"""Verdicts a trainee can trust (issue 10): each defect a trainee met, on the simulator and
on the kernel (netns, root).

* a route check means "this node forwards traffic for X the right way", as the node's own
  longest-match lookup decides (``ip route get``): a default route or a covering prefix
  that forwards right passes; a more specific wrong route, or one that refuses the
  traffic (unreachable, blackhole), fails; ``exact: true`` still asks for the route itself;
* a duplicate address is found from every node's addresses, whatever DAD was told (nodad);
* lab 12's first ``v6lab check`` does not do the diagnosis: a fault is told only once the
  trainee has named it;
* every message reads as a sentence about the network: no regex, no ``-`` for "nothing",
  no unfilled placeholder — in every language.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _support.lab import need_lab_programs, require_backend

from v6plan.lab.checks._context import Outcome
from v6plan.lab.checks._registry import render
from v6plan.lab.checks._verify import run_solution
from v6plan.lab.model._checkspec import COMMON_CODES, SIGNATURES, CheckSpec
from v6plan.lab.model._i18n import Messages
from v6plan.lab.model._labfile import Lab, Solution, Text, list_labs, load_lab

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "fr", "ar")


@pytest.fixture(params=["sim", "netns"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    name = str(request.param)
    require_backend(name)
    yield name
    from v6plan.lab.runtime._session import Session

    for session in Session.all():  # whatever a failed run left, by its own tag
        session.teardown()
        session.remove()


def solve(
    lab: Lab,
    backend: str,
    replace: dict[str, list[str]] | None = None,
    add: dict[str, list[str]] | None = None,
    answers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The lab's reference solution with some nodes' commands replaced or added to (and
    its answers, or ``answers``), run on ``backend``: check id → result."""
    need_lab_programs(lab, backend)
    replace, add = replace or {}, add or {}
    commands = [(node, text) for node, text in lab.solution.commands if node not in replace]
    for node, lines in [*replace.items(), *add.items()]:
        commands += [(node, Text(line)) for line in lines]
    given = (
        {k: Text(v) for k, v in answers.items()} if answers is not None else lab.solution.answers
    )
    results, failed = run_solution(lab, backend, Solution(commands=commands, answers=given))
    assert not failed, failed
    return results


# -- 1. a route check follows the node's own lookup ---------------------------------------------
@pytest.mark.parametrize(
    ("r2", "code"),
    [
        (["ip -6 route add default via {r1.eth1}"], "ok"),  # the trainee's fix that failed
        (["ip -6 route add {plan} via {r1.eth1}"], "ok"),  # a covering /48
        (["ip -6 route add {lan-1} via {r1.eth1}"], "ok"),
        (["ip -6 route add {lan-1} via {h2.eth0}"], "other-via"),
        (
            ["ip -6 route add default via {r1.eth1}", "ip -6 route add unreachable {lan-1}"],
            "refused",
        ),
        (
            [
                "ip -6 route add {lan-1} via {r1.eth1}",
                "ip -6 route add {h1.eth0}/128 via {h2.eth0}",
            ],
            "more-specific",
        ),
    ],
)
def test_a_route_check_follows_the_longest_match(backend: str, r2: list[str], code: str) -> None:
    lab = load_lab("12-troubleshooting")
    results = solve(lab, backend, replace={"r2": r2})
    route = results["repair-r2"]
    assert (route.passed, route.code) == (code == "ok", code), route.message
    # the verdict is the network's: traffic from h2 comes back to h1 exactly when it passes
    assert results["h2-reaches-h1"].passed == (code == "ok"), results["h2-reaches-h1"].message
    if code == "more-specific":
        assert "2001:db8:42:1::10/128" in route.message and "part of" in route.message


def test_an_exact_route_check_still_asks_for_the_route_itself(backend: str) -> None:
    lab = load_lab("12-troubleshooting")
    exact = CheckSpec(
        "r2-exact", "route", {"node": "r2", "to": "{lan-1}", "via": "{r1.eth1}", "exact": "true"}
    )
    lab = dataclasses.replace(lab, checks=[*lab.checks, exact])
    results = solve(lab, backend, replace={"r2": ["ip -6 route add default via {r1.eth1}"]})
    assert (results["repair-r2"].passed, results["r2-exact"].code) == (True, "missing")


# -- 2. a duplicate is two nodes holding one address, whatever DAD was told ---------------------
@pytest.mark.parametrize(
    ("add", "code", "named"),
    [
        # h1's global address on h2 too, DAD silenced: a duplicate anywhere in the lab
        ({"h2": ["ip -6 addr add {h1.eth0.cidr} dev eth0 nodad"]}, "duplicate", "h2 (eth0)"),
        # r1's link-local on h1, on the link they share
        ({"h1": ["ip -6 addr add {r1.eth0.ll}/64 dev eth0 nodad"]}, "duplicate", "r1 (eth0)"),
        # h1's link-local on h2: another link, so no duplicate
        ({"h2": ["ip -6 addr add {h1.eth0.ll}/64 dev eth0 nodad"]}, "ok", ""),
    ],
)
def test_a_duplicate_address_is_found_whatever_dad_says(
    backend: str, add: dict[str, list[str]], code: str, named: str
) -> None:
    lab = load_lab("07-ndp-dad")
    result = solve(lab, backend, add=add)["no-duplicates"]
    assert result.code == code, result.message
    assert (named in result.message and "h1 (eth0)" in result.message) or code == "ok"


# -- 3. lab 12: the trainee diagnoses; v6lab check does not -------------------------------------
#: what would tell a fault: h1's /48, r1's forwarding, r2's route, h2's wrong gateway
FAULT_WORDS = r"/48|forward|\broutes?\b|gateway|2001:db8:42:2::2\b|length"


def test_the_first_check_of_lab_12_names_no_fault(backend: str) -> None:
    lab = load_lab("12-troubleshooting")
    need_lab_programs(lab, backend)
    untouched, _ = run_solution(lab, backend, Solution())
    failing = {cid: r.message for cid, r in untouched.items() if not r.passed}
    assert {"repair-h1", "repair-r1", "repair-r2", "repair-h2"} <= set(failing)
    told = {cid: m for cid, m in failing.items() if re.search(FAULT_WORDS, m)}
    assert not told, told
    assert all(not_artefact(m) for m in failing.values()), failing
    # once the faults are named, each repair check says what it finds
    named = {"fault-h1": "address", "fault-r1": "forwarding", "fault-r2": "route"}
    diagnosed, _ = run_solution(
        lab, backend, Solution(answers={k: Text(v) for k, v in named.items()})
    )
    assert "/48" in diagnosed["repair-h1"].message
    assert "forward" in diagnosed["repair-r1"].message
    assert diagnosed["repair-r2"].code == "missing"
    assert diagnosed["repair-h2"].code == "undiagnosed"  # h2's fault is not named yet
    assert all(not_artefact(r.message) for r in diagnosed.values())


# -- 4. every message reads as a sentence about the network ------------------------------------
ARTEFACTS = {
    "an unfilled placeholder": r"\{[a-z_.-]+\}",
    "a regular expression": r"/\^|\$/|\.\*|\\[dswb]|/\S*[\[\]^$+]\S*/",
    "a dash for nothing": r"(^|[\s:(])-($|[\s,;)])",
    "a ? or * for nothing": r"(^|[\s:(])\*($|[\s,;)])|\(\s*\?\s*\)|(via|dev|:)\s+\?(\s|\)|$)",
    "empty brackets or quotes": r"\(\s*\)|“\s*”|«\s*»|\"\s*\"|`\s*`",
    "a raw value": r"\bNone\b|\bTrue\b|\bFalse\b|\[\]|\{\}|\[\{|'\w+': ",
    "a raw message key": r"\b(check|words|hint|item)\.[a-z-]+",
    "a maths sign": r"[∉∈]",
    "nothing after a colon": r"[:：]\s*$",
}


def artefacts(message: str) -> list[str]:
    return [what for what, pattern in ARTEFACTS.items() if re.search(pattern, message)]


def not_artefact(message: str) -> bool:
    return not artefacts(message)


def test_the_artefact_finder_finds_what_trainees_saw() -> None:
    seen = [
        "`sysctl -n net.ipv6.conf.all.forwarding` on r1 does not print what was expected (/^1$/)",
        "no answer from 2001:db8:42:2::10 along the path: -",
        "h1 has no usable global address to send from (route via ?)",
        "the router advertisement on eth0 does not carry 2001:db8::/64 (it carries: -)",
        "r2 has {found}",
        "x ∉ 2001:db8:42:1::/64",
    ]
    assert all(artefacts(m) for m in seen)
    assert not artefacts("h1 reaches h2 (2001:db8:42:2::10) from fe80::ff:fe00:100 — a link-local")


ITEMS = [
    {"node": "h1", "address": "2001:db8:42:1::10/64", "iface": "eth0",
     "block": "2001:db8:42:2::/64 (lan-2)", "holders": "h1 (eth0), h2 (eth0)"},
    {"node": "r1", "address": "2001:db8:42:9::1/64", "iface": "eth1",
     "block": "2001:db8:42:3::/64 (link)", "holders": "r1 (eth0), h1 (eth0)"},
]  # fmt: skip
#: what checks find, as they give it (the values, not the words)
REALISTIC: dict[str, Any] = {
    "node": "h1", "iface": "eth0", "address": "2001:db8:42:1::10/64",
    "found": "2001:db8:42:1::10/65", "what": "LAN", "length": 64,
    "block": "2001:db8:42:1::/64", "path": ["r1", None, "r2"], "found_iface": "eth1",
    "to": "2001:db8:42:2::10", "target": "h2", "source": "2001:db8:42:1::10",
    "router": "r1", "why": "no-route", "seconds": "1", "mac": "02:00:00:00:02:00",
    "owner": "r1", "prefix": "2001:db8:42:1::/64", "flag": "managed", "state": "set",
    "accept_ra": "1", "forwarding": "0", "via": "2001:db8:42:3::2", "dev": "eth1",
    "route": "2001:db8:42::/48", "found_dev": "eth0", "refusal": "blackhole",
    "nodes": "h1, r1", "count": 2, "want": 3, "plan": "2001:db8:42::/48",
    "command": "sysctl -n net.ipv6.conf.all.forwarding", "pattern": "^1$",
    "question": "fault-h1", "given": "2001:db8::1", "error": "line 3: no SOA record",
    "zone": "2.4.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "name": "h1.example.net.",
    "rule": "non-nibble", "part": "site", "room": 2, "holds": 16, "units": 64,
    "kind": "temporary", "use_tempaddr": "0", "mtu": 1280,
}  # fmt: skip


def realistic(ctype: str, code: str) -> dict[str, Any]:
    params = dict(REALISTIC)
    if ctype in ("no-dadfailed", "plan") and code != "ok":
        params["found"] = ITEMS
    if ctype == "hops":
        params["found"] = 4
    if ctype == "command":
        params["found"] = "0"
    return params


def every_code() -> list[tuple[str, str]]:
    return [(t, c) for t, s in SIGNATURES.items() for c in (*s.codes, *COMMON_CODES)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_check_code_reads_as_a_sentence(lang: str) -> None:
    """Every code of every check type (the quiz's are its own), rendered with what a check
    finds, in each language: words from that language's catalogue, no internals."""
    messages = Messages(lang)
    own = messages.english if lang == "en" else messages.texts
    bad = {}
    for ctype, code in every_code():
        key = f"check.{ctype}.{code}" if code not in COMMON_CODES else f"check.{code}"
        assert key in own, (lang, key)  # not an English fallback
        outcome = Outcome(code.startswith("ok"), code, realistic(ctype, code))
        message = render(CheckSpec("c", ctype, {}), outcome, messages).message
        if artefacts(message):
            bad[(ctype, code)] = (message, artefacts(message))
    assert not bad, bad


def test_every_code_the_checks_give_is_declared() -> None:
    """A code returned in the checks' source has its words (the declared codes are the
    ones test_every_check_code_reads_as_a_sentence renders)."""
    declared = {c for s in SIGNATURES.values() for c in s.codes} | set(COMMON_CODES)
    source = "".join(
        p.read_text()
        for p in (ROOT / "v6plan" / "lab" / "checks").glob("*.py")
        if p.name != "_quiz.py"
    )
    given = set(re.findall(r'Outcome\(\s*(?:True|False|[a-z_ =!]+),\s*"([a-z-]+)"', source))
    given |= set(
        re.findall(
            r'"(ok|count|timeout|no-answer|missing|missing-default|ok-on-link)"\s+if', source
        )
    )
    given = {code for code in given if not code.endswith("-")}  # "ok-" + a failure's code
    assert given and given <= declared, given - declared


def test_the_labs_own_check_words_read_as_sentences() -> None:
    """A lab's own pass and fail texts (``checks.ID.pass``, ``checks.ID.fail.CODE``),
    filled with the lab's values, in every language the lab speaks."""
    bad = {}
    for directory in list_labs():
        lab = load_lab(directory)
        run = lab.instantiate()
        for lang in [p.stem for p in sorted((directory / "messages").glob("*.yaml"))]:
            texts = lab.messages(lang)
            own = texts.english if lang == "en" else texts.texts
            for key in [k for k in own if re.match(r"checks\.[^.]+\.(pass|fail)", k)]:
                message = texts.text(key, {**REALISTIC, **run.variables})
                if artefacts(message):
                    bad[(lab.name, lang, key)] = message
    assert not bad, bad


def test_after_names_an_answer_check_of_the_lab() -> None:
    """``after:`` hides a failure until the named answer check passes: a name that is not
    one would hide it for ever."""
    uses = 0
    for directory in list_labs():
        lab = load_lab(directory)
        answers = {c.id for c in lab.checks if not SIGNATURES[c.type].network}
        for check in lab.checks:
            if "after" in check.args:
                uses += 1
                assert check.args["after"] in answers, (lab.name, check.id)
    assert uses >= 4  # lab 12's repairs
