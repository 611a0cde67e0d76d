"""Quiz feedback a trainee can trust (issue 10): an answer that cannot be read is refused and
never replaces a right one; a right address written another way is told which RFC 5952
rule it breaks (checked against Python's ipaddress); the classic mistakes the calculator
models (the universal/local bit, upper case, :: for one zero group, reverse names) are
named; an address copied from `ip addr` (address/length) is accepted; every message reads
in en, fr and ar."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from v6plan._prefix import expand_address, format_address, format_prefix
from v6plan.lab.checks._context import Context, Outcome
from v6plan.lab.checks._quiz import (
    QUIZ_CODES,
    RFC5952_RULES,
    WHYS,
    grade,
    load_answers,
)
from v6plan.lab.checks._registry import render, run_checks
from v6plan.lab.cli import main
from v6plan.lab.model._calcs import compute
from v6plan.lab.model._checkspec import CheckSpec
from v6plan.lab.model._i18n import Messages, placeholders
from v6plan.lab.model._labfile import load_lab

MACS = st.integers(min_value=0, max_value=(1 << 48) - 1).map(
    lambda v: "-".join(f"{b:02x}" for b in v.to_bytes(6, "big"))
)
LANS = st.integers(min_value=0x2000 << 48, max_value=(0x3FFF << 48) | ((1 << 48) - 1)).map(
    lambda v: format_prefix(v << 64, 64)
)


def v6lab(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def verdict(kind: str, answer: str, expected: str, lang: str = "en") -> tuple[str, str]:
    """(code, message) of a quiz check graded on one stored answer, as `v6lab check` says it."""
    spec = CheckSpec("q", "quiz", {"question": "q", "kind": kind, "answer": expected})
    result = run_checks(Context.for_answers(None, {"q": answer}), [spec], Messages(lang))[0]
    return result.code, result.message


# -- an answer that cannot be read is never recorded ------------------------------------------------
def test_a_typo_after_a_right_answer_keeps_the_right_answer(
    capsys: pytest.CaptureFixture[str], lab_state: Path
) -> None:
    assert v6lab(capsys, "start", "01-notation", "--backend", "fake")[0] == 0
    session = next(p for p in lab_state.iterdir() if p.is_dir())
    assert v6lab(capsys, "answer", "count-64", "65536")[0] == 0
    code, out, err = v6lab(capsys, "answer", "count-64", "abc")
    assert code == 2 and "recorded" not in out and "Traceback" not in err
    assert "abc cannot be read as a whole number, so it is not recorded" in err
    assert "written in digits (65536 or 65 536) or as a power of 2 (2^16)" in err  # how
    assert "your earlier answer to count-64 stays: 65536" in err
    assert load_answers(session)["count-64"] == "65536"
    checks = {c["id"]: c for c in json.loads(v6lab(capsys, "check", "--json")[1])["checks"]}
    assert checks["count-64"]["passed"]
    # an answer that can be read replaces the earlier one, right or wrong
    assert v6lab(capsys, "answer", "count-64", "16")[0] == 1
    assert load_answers(session)["count-64"] == "16"
    v6lab(capsys, "stop")


@pytest.mark.parametrize(
    ("question", "value", "why"),
    [
        ("expand-r1", "2001:db8::1::2", ":: may appear only once in an address"),
        ("compress-loopback", "fe80::1%eth0", "without its %interface"),
        ("compress-zeros", "2001:db8:42:2:0:10:0", "8 groups of 1 to 4 hex digits"),
        ("last-address", "2001:db8:42:1:fffff::", "a group has at most 4 hex digits"),
        ("last-address", "2001:db8:42:1::g", "only hex digits (0–9, a–f)"),
        ("h2-network", "2001:db8:42:2::", "a prefix is written address/length"),
        ("h2-network", "2001:db8:42:2::/6x", "a whole number from 0 to 128"),
        ("count-64", "lots", "as a power of 2 (2^16)"),
    ],
)
def test_an_unreadable_answer_is_refused_with_why_and_how(
    capsys: pytest.CaptureFixture[str], lab_state: Path, question: str, value: str, why: str
) -> None:
    assert v6lab(capsys, "start", "01-notation", "--backend", "fake")[0] == 0
    session = next(p for p in lab_state.iterdir() if p.is_dir())
    code, _, err = v6lab(capsys, "answer", question, value)
    assert code == 2 and f"{value} cannot be read as" in err and why in err, err
    assert f"{question} still has no answer" in err
    assert question not in load_answers(session)
    v6lab(capsys, "stop")


def test_the_refusal_speaks_the_trainee_language(
    capsys: pytest.CaptureFixture[str], lab_state: Path
) -> None:
    assert v6lab(capsys, "start", "01-notation", "--backend", "fake")[0] == 0
    code, _, err = v6lab(capsys, "--lang", "fr", "answer", "count-64", "beaucoup")
    assert code == 2 and "beaucoup ne se lit pas comme un nombre entier" in err, err
    assert "une puissance de 2" in err and "count-64 n'a toujours pas de réponse" in err
    v6lab(capsys, "stop")


@pytest.mark.parametrize(
    ("kind", "answer", "expected", "why"),
    [
        ("name", "h1 lab example", "h1.lab.example.", "letters, digits and hyphens"),
        ("name", "2.4..0.ip6.arpa", "2.4.0.ip6.arpa.", "letters, digits and hyphens"),
        ("mac", "02:00:00:00:02", "02:00:00:00:02:00", "six pairs of hex digits"),
        ("address", "2001:db8::1::2", "2001:db8::1", ":: may appear only once"),
        ("canonical", "2001:db8:: 1", "2001:db8::1", "with no spaces"),
        ("prefix", "2001:db8::/abc", "2001:db8::/48", "a whole number from 0 to 128"),
        ("number", "sixteen", "16", "written in digits"),
    ],
)
def test_a_stored_unreadable_answer_cannot_be_read(
    kind: str, answer: str, expected: str, why: str
) -> None:
    """A stored answer (a session from before, a known-bad solution) that cannot be read
    says so, and how to write it — not that it is wrong."""
    code, message = verdict(kind, answer, expected)
    assert code == "invalid", (code, message)
    assert message.startswith(f"{answer} cannot be read as ") and why in message, message
    assert "not right" not in message


# -- which RFC 5952 rule the text breaks ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        ("2001:DB8::1", ["upper-case"]),
        ("2001:0db8::1", ["leading-zeros"]),
        ("2001:db8:0:0:0:0:0:1", ["zeros-not-compressed"]),
        ("2001:db8:0::1", ["not-longest-run"]),  # :: takes only part of the run
        ("2001::1:0:0:0:1", ["not-longest-run"]),  # a shorter run than 2001:0:0:1::1
        ("2001:db8::2:0:10:0:10", ["single-zero-group"]),
        ("2001:db8:0:0:1::1", ["not-first-run"]),
        ("2001:db8::1:0:0:1:1", ["not-longest-run", "single-zero-group"]),
        (
            "2001:0DB8:0000:0000:0000:0000:0000:0001",
            ["leading-zeros", "zeros-not-compressed", "upper-case"],
        ),
    ],
)
def test_the_rule_broken_is_named(text: str, reasons: list[str]) -> None:
    canonical = ipaddress.IPv6Address(text).compressed
    code, params = grade("canonical", text, canonical)
    assert (code, params["reasons"]) == (reasons[0], reasons)
    messages = Messages("en")
    _, message = verdict("canonical", text, canonical)
    assert message.startswith(f"{text} is the right address, but not in its RFC 5952 form: ")
    for reason in reasons:  # every rule broken, each in its own words
        assert messages.text(f"check.quiz.also.{reason}") in message, (reason, message)
    assert canonical not in message.replace(text, "")  # never the answer itself


@st.composite
def spellings(draw: st.DrawFn) -> tuple[int, str, tuple[int, int] | None]:
    """An address with zero groups, written any valid way: each group with or without
    leading zeros, in either case, and :: for any run of zero groups (or none).
    Returns (value, text, (first group, count) that :: stands for)."""
    groups = [draw(st.integers(0x2000, 0x3FFF))]
    nonzero = st.sampled_from([1, 0xAB, 0xDB8])
    ties = st.sampled_from(["00x00xx", "x00x00x", "00xx00x", "000x000", "x00xx00", "00xxx00"])
    shape = draw(st.none() | ties)  # two runs of zero groups as long as each other
    if shape is None:
        groups += draw(
            st.lists(st.sampled_from([0, 0, 0, 0, 1, 0xAB, 0xDB8]), min_size=7, max_size=7)
        )
    else:
        groups += [draw(nonzero) if c == "x" else 0 for c in shape]
    value = int.from_bytes(b"".join(g.to_bytes(2, "big") for g in groups), "big")
    pad, upper = draw(st.booleans()), draw(st.integers(0, 3)) == 0  # most texts: neither
    words = []
    for g in groups:
        digits = f"{g:x}"
        if pad and len(digits) < 4 and draw(st.booleans()):
            digits = "0" * draw(st.integers(1, 4 - len(digits))) + digits
        words.append(digits.upper() if upper and draw(st.booleans()) else digits)
    spans = [(i, j) for i in range(8) for j in range(i + 1, 9) if not any(groups[i:j])]
    whole = [(i, j) for i, j in spans if (i == 0 or groups[i - 1]) and (j == 8 or groups[j])]
    span = draw(st.none() | st.sampled_from(whole) | st.sampled_from(spans)) if spans else None
    if span is None:
        return value, ":".join(words), None
    i, j = span
    return value, ":".join(words[:i]) + "::" + ":".join(words[j:]), (i, j - i)


def _broken_rules(text: str, span: tuple[int, int] | None, compressed: str) -> set[str]:
    """What a text breaks, from how it was written and Python's own compressed form."""
    broken = set()
    kept = [w for part in text.split("::") for w in part.split(":") if w]
    if any(c in "ABCDEF" for c in text):
        broken.add("upper-case")
    if any(len(w) > 1 and w.startswith("0") for w in kept):
        broken.add("leading-zeros")
    best = None
    if "::" in compressed:  # where Python puts ::, and for how many groups
        head, tail = compressed.split("::")
        written = len([w for w in head.split(":") if w]) + len([w for w in tail.split(":") if w])
        best = (len([w for w in head.split(":") if w]), 8 - written)
    if span is None:
        if best is not None:
            broken.add("zeros-not-compressed")
        return broken
    if span[1] == 1:
        broken.add("single-zero-group")
    if best is not None and span[1] < best[1]:
        broken.add("not-longest-run")
    if best is not None and span[1] == best[1] and span[0] != best[0]:
        broken.add("not-first-run")
    return broken


@settings(max_examples=400, deadline=None)
@given(spellings())
def test_every_spelling_names_the_rules_it_really_breaks(
    case: tuple[int, str, tuple[int, int] | None],
) -> None:
    value, text, span = case
    compressed = ipaddress.IPv6Address(text).compressed
    assert int(ipaddress.IPv6Address(text)) == value and format_address(value) == compressed
    code, params = grade("canonical", text, compressed)
    expected = _broken_rules(text, span, compressed)
    if text == compressed:
        assert (code, expected) == ("ok", set())
        return
    assert expected, text  # the oracle agrees that something is broken
    assert params["reasons"] == [r for r in RFC5952_RULES if r in expected], text
    assert code == params["reasons"][0]


# -- the classic mistakes the calculator models ----------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(LANS, MACS, st.integers(min_value=0, max_value=127))
def test_eui64_without_the_ul_flip_is_named(lan: str, mac: str, bit: int) -> None:
    for right, mistake in (
        (
            compute(f"eui64:lan:{mac}", {"lan": lan}),
            compute(f"eui64-noflip:lan:{mac}", {"lan": lan}),
        ),
        (compute(f"linklocal:{mac}", {}), compute(f"linklocal-noflip:{mac}", {})),
    ):
        assert grade("address", mistake, right)[0] == "ul-bit"
        assert grade("canonical", mistake, right)[0] == "ul-bit"
        other = format_address(int(ipaddress.IPv6Address(right)) ^ (1 << bit))
        if other != mistake:
            assert grade("address", other, right)[0] == "wrong"
    # the MAC read off an interface identifier without inverting the bit back
    octets = bytes.fromhex(mac.replace("-", ""))
    unflipped = ":".join(f"{b:02x}" for b in bytes([octets[0] ^ 0x02]) + octets[1:])
    assert grade("mac", unflipped, mac)[0] == "ul-bit"


def test_the_ul_message_says_which_bit() -> None:
    lan = {"lan": "2001:db8:42:1::/64"}
    right = compute("eui64:lan:3c-22-fb-11-02-9a", lan)
    wrong = compute("eui64-noflip:lan:3c-22-fb-11-02-9a", lan)
    code, message = verdict("address", wrong, right)
    assert code == "ul-bit"
    assert "universal/local (U/L) bit, 0x02 of the first octet" in message
    assert right not in message
    # a flipped bit in an address that is not a modified EUI-64 is just wrong
    assert grade("address", "2001:db8::200:0:0:1", "2001:db8::1")[0] == "wrong"


@pytest.mark.parametrize(
    ("calc", "kind", "code"),
    [
        ("upper:a", "canonical", "upper-case"),
        ("single-colon:a", "canonical", "single-zero-group"),
        ("expand:a", "canonical", "leading-zeros"),
        ("ptr-forward:a", "name", "nibbles-not-reversed"),
        ("zone-nozeros:p", "name", "zeros-dropped"),
    ],
)
def test_the_calculators_mistakes_are_named(calc: str, kind: str, code: str) -> None:
    values = {"a": "2001:db8:0:2:0:10:0:10", "p": "2001:db8:42::/48"}
    right = {
        "name": compute("ptr:a" if calc.startswith("ptr") else "zone:p", values),
        "canonical": values["a"],
    }[kind]
    assert grade(kind, compute(calc, values), right)[0] == code
    assert grade(kind, right, right)[0] == "ok"


def test_a_reverse_name_without_ip6_arpa_is_named() -> None:
    zone = compute("zone:p", {"p": "2001:db8:42::/48"})
    assert grade("name", zone.removesuffix("ip6.arpa."), zone)[0] == "no-arpa"
    assert verdict("name", "2.4.0.0.8.b.d.0.1.0.0.2", zone)[1].endswith("ends in ip6.arpa.")


def _quiz_codes(lab_name: str, broken: str) -> tuple[dict[str, str], dict[str, str]]:
    """(what the quiz checks give, what the lab declares) for a known-bad solution."""
    lab = load_lab(lab_name)
    run = lab.instantiate()
    solution = next(b for b in lab.broken if b.id == broken)
    specs = [s for s in run.checks() if s.type == "quiz"]
    ctx = Context.for_answers(run.addressing, run.answers(solution))
    found = {r.id: r.code for r in run_checks(ctx, specs, lab.messages())}
    return {k: found[k] for k in solution.expect if k in found}, {
        k: v for k, v in solution.expect.items() if k in found
    }


@pytest.mark.parametrize(
    ("lab", "broken", "codes"),
    [
        ("01-notation", "upper-case", {"compress-loopback": "upper-case"}),
        ("01-notation", "colons-for-one-zero", {"compress-zeros": "single-zero-group"}),
        ("01-notation", "half-done", {"compress-loopback": "leading-zeros"}),
        ("03-link-local", "no-flip", {"predict-r1-eth1": "ul-bit", "predict-laptop": "ul-bit"}),
        ("08-slaac", "no-flip", {"predict-address": "ul-bit"}),
        ("11-reverse-dns", "zeros-dropped", {"zone-name": "zeros-dropped"}),
        ("11-reverse-dns", "nibbles-not-reversed", {"h1-ptr-name": "nibbles-not-reversed"}),
    ],
)
def test_known_bad_answers_fail_for_the_precise_reason(
    lab: str, broken: str, codes: dict[str, str]
) -> None:
    found, declared = _quiz_codes(lab, broken)
    assert found == declared
    assert {k: found[k] for k in codes} == codes


# -- an address as `ip addr` prints it -----------------------------------------------------------------
def test_an_address_with_its_length_as_ip_addr_prints_it() -> None:
    run = load_lab("03-link-local").instantiate()
    specs = {s.id: s for s in run.checks() if s.type == "quiz"}
    ll, laptop = (specs[q].args["answer"] for q in ("h1-link-local", "predict-laptop"))

    def code(question: str, answer: str) -> str:
        ctx = Context.for_answers(run.addressing, {question: answer})
        return run_checks(ctx, [specs[question]], Messages("en"))[0].code

    assert code("h1-link-local", f"{ll}/64") == "ok"  # inet6 fe80::…/64 scope link
    assert code("predict-laptop", f"{laptop}/64") == "ok"  # its LAN is a /64
    assert code("h1-link-local", f"{ll}/128") == "address-length"
    assert code("predict-laptop", f"{laptop}/48") == "address-length"
    assert code("h1-link-local", f"{format_address(int(ipaddress.IPv6Address(ll)) ^ 1)}/64") == (
        "wrong"
    )
    run = load_lab("01-notation").instantiate()
    specs = {s.id: s for s in run.checks() if s.type == "quiz"}
    loopback = specs["compress-loopback"].args["answer"]
    full = specs["expand-r1"].args["answer"]
    assert code("compress-loopback", f"{loopback}/128") == "ok"  # a loopback is a /128
    assert code("compress-loopback", f"{loopback}/64") == "address-length"
    assert (
        code("compress-loopback", f"{expand_address(int(ipaddress.IPv6Address(loopback)))}/128")
        == "leading-zeros"
    )
    assert code("expand-r1", f"{full}/64") == "ok"
    network = specs["h2-network"].args["answer"]
    assert code("h2-network", network.partition("/")[0]) == "no-length"  # a prefix needs it


def test_the_length_rule_without_a_lab() -> None:
    assert grade("address", "2001:db8::1/64", "2001:db8::1/64")[0] == "ok"
    assert grade("address", "2001:db8::1/48", "2001:db8::1/64") == (
        "address-length",
        {"given": "2001:db8::1/48", "expected": "2001:db8::1/64", "length": "64"},
    )
    assert grade("address", "fe80::1/64", "fe80::1")[0] == "ok"
    assert grade("address", "fe80::1/10", "fe80::1")[0] == "address-length"
    assert grade("address", "ff02::1:ff00:10/104", "ff02::1:ff00:10")[0] == "ok"  # no length known
    _, message = verdict("address", "fe80::1/10", "fe80::1")
    assert message == (
        "fe80::1/10 is the right address, but on this network it has a /64: "
        "write it without a length, or with /64"
    )


# -- every message, in every language ------------------------------------------------------------------
SAMPLE = {"given": "2001:DB8::1", "question": "q", "length": "64", "what": "kind.address"}


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_every_quiz_message_reads_in_every_language(lang: str) -> None:
    messages, english = Messages(lang), Messages("en")
    keys = [f"check.quiz.{code}" for code in QUIZ_CODES]
    keys += [f"check.quiz.also.{rule}" for rule in RFC5952_RULES]
    keys += [f"check.quiz.why.{why}" for why in WHYS]
    keys += ["ui.answer-unreadable", "ui.answer-kept", "ui.answer-none", "words.also"]
    for key in keys:
        own = messages.texts.get(key) if lang != "en" else messages.english.get(key)
        assert own, f"{lang} lacks {key}"
        assert placeholders(own) == placeholders(english.english[key]), key
        if lang != "en":
            assert own != english.english[key], f"{lang} {key} is not translated"
    for code in QUIZ_CODES:  # rendered as a trainee sees it: no code, no placeholder left
        spec = CheckSpec("q", "quiz", {"question": "q", "kind": "address", "answer": "x"})
        text = render(spec, Outcome(code == "ok", code, dict(SAMPLE)), messages).message
        assert "{" not in text and "check.quiz" not in text, (code, text)
        assert "-" not in code or code not in text, (code, text)  # words, not reason codes


def test_several_reasons_in_french_and_arabic() -> None:
    _, fr = verdict("canonical", "2001:0DB8::1", "2001:db8::1", "fr")
    assert fr.startswith("2001:0DB8::1 est la bonne adresse, mais pas sous sa forme RFC 5952")
    assert " ; les chiffres hexadécimaux s'écrivent en minuscules" in fr
    _, ar = verdict("canonical", "2001:0DB8::1", "2001:db8::1", "ar")
    assert "؛ تُكتب الأرقام الست عشرية بأحرف صغيرة" in ar
