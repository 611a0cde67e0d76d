"""Quizzes and handed-in files: computed values checked against ipaddress, netaddr and
Scapy; answer grading by kind; the zone reader against named-checkzone; the lab-file
errors of the new keys; and the trainee's `v6lab answer` command."""

from __future__ import annotations

import ipaddress
import itertools
import json
from pathlib import Path

import pytest
from _support.lab import need_program
from hypothesis import given, settings
from hypothesis import strategies as st

from v6plan import SpecError
from v6plan._prefix import expand_address, format_address, format_prefix
from v6plan.lab.checks._answers import check_plan_spec, check_quiz, check_zone
from v6plan.lab.checks._context import Context
from v6plan.lab.checks._keys import answer_key
from v6plan.lab.checks._quiz import grade, load_answers, record_answer
from v6plan.lab.checks._zonefile import ZoneError, checkzone, parse_zone
from v6plan.lab.cli import main
from v6plan.lab.model._calcs import CALCS, CalcError, compute
from v6plan.lab.model._checkspec import CheckSpec
from v6plan.lab.model._labfile import load_lab

GLOBAL = st.integers(min_value=0x2000 << 112, max_value=(0x3FFF << 112) | ((1 << 112) - 1))
LENGTHS = st.integers(min_value=16, max_value=64)
MACS = st.integers(min_value=0, max_value=(1 << 48) - 1).map(
    lambda v: "-".join(f"{b:02x}" for b in v.to_bytes(6, "big"))
)


def prefix_text(address: int, length: int) -> str:
    mask = ((1 << 128) - 1) ^ ((1 << (128 - length)) - 1)
    return format_prefix(address & mask, length)


# -- computed values, differential -------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(GLOBAL)
def test_notation_matches_ipaddress(value: int) -> None:
    text = format_address(value)
    ip = ipaddress.IPv6Address(value)
    assert compute("expand:a", {"a": text}) == ip.exploded
    assert compute("compress:a", {"a": ip.exploded}) == ip.compressed
    assert compute("ptr:a", {"a": text}) == ip.reverse_pointer + "."
    assert compute("upper:a", {"a": text}) == text.upper()


@settings(max_examples=200, deadline=None)
@given(GLOBAL, LENGTHS, st.integers(min_value=0, max_value=8), st.integers(min_value=0))
def test_prefix_values_match_ipaddress(value: int, length: int, more: int, pick: int) -> None:
    text = prefix_text(value, length)
    net = ipaddress.IPv6Network(text)
    values = {"p": text, "a": format_address(value)}
    assert compute("first:p", values) == str(net.network_address)
    assert compute("last:p", values) == str(net.broadcast_address)
    assert compute("length:p", values) == str(length)
    sub = length + more
    assert compute(f"count:p:{sub}", values) == str(net.num_addresses >> (128 - sub))
    index = pick % (1 << more)
    if index < 300:  # ipaddress walks the subnets one by one
        expected = next(itertools.islice(net.subnets(new_prefix=sub), index, None))
        assert compute(f"subnet:p:{sub}:{index}", values) == str(expected)
    holder = ipaddress.IPv6Network((value, length), strict=False)
    assert compute(f"supernet:a:{length}", values) == str(holder)
    if length % 4 == 0:
        zone = ".".join(net.network_address.reverse_pointer.split(".")[32 - length // 4 :])
        assert compute("zone:p", values) == zone + "."


@settings(max_examples=100, deadline=None)
@given(GLOBAL, MACS)
def test_eui64_and_link_local_match_netaddr(value: int, mac: str) -> None:
    import netaddr

    lan = prefix_text(value, 64)
    values = {"lan": lan}
    eui = netaddr.EUI(mac)
    net = ipaddress.IPv6Network(lan)
    assert compute(f"eui64:lan:{mac}", values) == str(
        ipaddress.IPv6Address(str(eui.ipv6(int(net.network_address))))
    )
    assert compute(f"linklocal:{mac}", values) == str(
        ipaddress.IPv6Address(str(eui.ipv6_link_local()))
    )
    # the classic mistake differs exactly in the universal/local bit
    wrong = ipaddress.IPv6Address(compute(f"eui64-noflip:lan:{mac}", values))
    right = ipaddress.IPv6Address(compute(f"eui64:lan:{mac}", values))
    assert int(wrong) ^ int(right) == 0x02 << 56


@settings(max_examples=100, deadline=None)
@given(GLOBAL)
def test_solicited_node_matches_scapy(value: int) -> None:
    import socket

    from scapy.utils6 import in6_getnsma

    text = format_address(value)
    group = in6_getnsma(socket.inet_pton(socket.AF_INET6, text))
    assert compute("solnode:a", {"a": text}) == socket.inet_ntop(socket.AF_INET6, group)


def test_nibble_lengths_and_their_mistake() -> None:
    assert compute("nibble:48:20", {}) == "56" and compute("bits:48:20", {}) == "53"
    assert compute("nibble:48:16", {}) == "52" and compute("nibble:32:200", {}) == "40"
    assert compute("nibble:plan.len:300", {"plan.len": "48"}) == "60"


def test_classic_mistakes_are_wrong_in_the_right_way() -> None:
    values = {"a": "2001:db8:0:2:0:10:0:10", "p": "2001:db8:42::/48"}
    bad = compute("single-colon:a", values)
    assert bad == "2001:db8::2:0:10:0:10" and grade("canonical", bad, values["a"])[0] == (
        "single-zero-group"
    )
    assert compute("zone-nozeros:p", values) == "2.4.8.b.d.1.0.0.2.ip6.arpa."
    assert compute("zone:p", values) == "2.4.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
    assert compute("ptr-forward:a", values).startswith("2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.2.")


def test_nested_values_and_errors() -> None:
    values = {"lan-2": "2001:db8:42:2::/64"}
    assert compute("expand:host:lan-2:1000000010", values) == (
        "2001:0db8:0042:0002:0000:0010:0000:0010"
    )
    with pytest.raises(CalcError, match="did you mean 'expand'"):
        compute("expnad:lan-2", values)
    with pytest.raises(CalcError, match=r"takes 3 argument\(s\) \(prefix:length:index\)"):
        compute("subnet:lan-2:64", values)
    with pytest.raises(CalcError, match="no /52 number 16"):
        compute("subnet:p:52:16", {"p": "2001:db8::/48"})
    with pytest.raises(CalcError, match="does not fit"):
        compute("host:lan-2:1" + "0" * 16, values)
    assert all(c.summary for c in CALCS.values())


def test_ula_matches_the_v6plan_command() -> None:
    from v6plan._calc import make_ula

    made = make_ula("02:00:00:00:02:01", 0xEB7E4AD1D8000000)
    assert compute("ula:02-00-00-00-02-01:0xeb7e4ad1d8000000", {}) == format_prefix(
        made.net, made.length
    )


# -- grading answers --------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(GLOBAL)
def test_any_notation_of_the_address_is_the_address(value: int) -> None:
    canonical = format_address(value)
    full = expand_address(value)
    for text in (canonical, full, full.upper(), f"  {canonical}  "):
        assert grade("address", text, canonical)[0] == "ok"
    assert grade("canonical", canonical, full)[0] == "ok"
    assert grade("expanded", full, canonical)[0] == "ok"
    assert grade("expanded", full.upper(), canonical)[0] == "ok"  # case is not the point
    if full != canonical:  # the first RFC 5952 rule it breaks: a full form has leading zeros
        assert grade("canonical", full, canonical)[0] == "leading-zeros"
        assert grade("expanded", canonical, canonical)[0] == "not-expanded"
    assert grade("address", format_address(value ^ 1), canonical)[0] == "wrong"


def test_grading_codes() -> None:
    assert grade("canonical", "2001:DB8::1", "2001:db8::1")[0] == "upper-case"
    assert grade("address", "2001:db8::1::2", "2001:db8::1")[0] == "invalid"
    assert grade("prefix", "2001:db8:42:2::10/64", "2001:db8:42:2::/64")[0] == "host-bits"
    assert grade("prefix", "2001:db8:42::/52", "2001:db8:42::/56") == (
        "wrong-length",
        {"given": "2001:db8:42::/52", "expected": "2001:db8:42::/56", "length": "56"},
    )
    assert grade("prefix", "2001:db8:42::", "2001:db8:42::/56")[0] == "no-length"
    assert grade("prefix", "2001:db8:43::/56", "2001:db8:42::/56")[0] == "wrong"
    for text in ("65536", "65,536", "65 536", "2^16", "2**16"):
        assert grade("number", text, "65536")[0] == "ok", text
    assert grade("number", "lots", "65536")[0] == "invalid"
    assert grade("mac", "02-00-00-00-02-00", "02:00:00:00:02:00")[0] == "ok"
    assert grade("mac", "0200.0000.0200", "02:00:00:00:02:00")[0] == "ok"
    assert (
        grade("name", "2.4.0.0.8.b.d.0.1.0.0.2.IP6.ARPA", "2.4.0.0.8.b.d.0.1.0.0.2.ip6.arpa.")[0]
        == "ok"
    )


def _quiz(answer: str | None, kind: str, expected: str) -> tuple[bool, str, dict[str, object]]:
    answers = {} if answer is None else {"q": answer}
    outcome = check_quiz(
        Context.for_answers(None, answers), {"question": "q", "kind": kind, "answer": expected}
    )
    return outcome.passed, outcome.code, outcome.params


def test_a_quiz_outcome_never_tells_the_answer() -> None:
    assert _quiz(None, "address", "2001:db8::1")[:2] == (False, "unanswered")
    passed, code, params = _quiz("2001:0db8::1", "canonical", "2001:db8::1")
    assert (passed, code) == (False, "leading-zeros")
    assert "2001:db8::1" not in json.dumps(params)
    passed, code, params = _quiz("2001:db8::2", "address", "2001:db8::1")
    assert (passed, code) == (False, "wrong") and "2001:db8::1" not in json.dumps(params)


# -- plan specs and zones handed in -------------------------------------------------------------------
SPEC = """\
plan: Campus
prefix: 2001:db8:42::/48
children:
  - name: building
    count: 20
    size: /{size}
    children:
      - {{name: lan, role: lan, count: 16}}
"""


def _spec(text: str, **args: str) -> tuple[bool, str, dict[str, object]]:
    ctx = Context.for_answers(None, {"plan": text})
    outcome = check_plan_spec(ctx, {"question": "plan", **args})
    return outcome.passed, outcome.code, outcome.params


def test_plan_spec_requirements() -> None:
    good, bad = SPEC.format(size=56), SPEC.format(size=53)
    assert _spec(good, require="valid")[:2] == (True, "ok")
    assert _spec(good, require="prefix", prefix="2001:db8:42::/48")[:2] == (True, "ok-prefix")
    assert _spec(good, require="prefix", prefix="2001:db8:43::/48")[1] == "wrong-prefix"
    assert _spec(good, require="nibble")[1] == "ok-nibble"
    passed, code, params = _spec(bad, require="nibble")
    assert (passed, code, params["path"]) == (False, "non-nibble", "building-1")
    assert _spec(good, require="count", name="building", count="20", length="56")[1] == "ok-count"
    assert _spec(bad, require="count", name="building", count="20", length="56")[1] == (
        "wrong-length"
    )
    assert _spec(good, require="count", role="lan", count="400")[1] == "too-few"
    passed, code, params = _spec(good, require="room", name="building", count="300")
    assert (passed, code, params["room"]) == (False, "no-room", 256)
    assert _spec(good, require="size", name="building", units="64", count="256")[1] == "ok-size"
    assert _spec(good, require="size", name="building", units="64", count="257")[1] == ("too-small")
    passed, code, params = _spec("plan: x\nprefix: 2001:db8::/48\nchildren: 7\n", require="lint")
    assert (passed, code) == (False, "invalid") and "plan:3" in str(params["error"])
    assert _spec("", require="valid")[1] == "unanswered"


ZONE = """\
$TTL 3600
$ORIGIN 2.4.0.0.8.b.d.0.1.0.0.2.ip6.arpa.
@   IN  SOA ns1.lab.example. hostmaster.lab.example. (
        1 7200 3600 1209600 3600 ) ; a comment
    IN  NS  ns1.lab.example.
    IN  NS  ns2.lab.example.
1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0  IN  PTR  r1.lab.example.
0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0  3600 IN PTR h1.lab.example
"""
ZONE_NAME = "2.4.0.0.8.b.d.0.1.0.0.2.ip6.arpa."


def test_the_zone_reader() -> None:
    records = parse_zone(ZONE, ZONE_NAME)
    assert [r.rtype for r in records] == ["SOA", "NS", "NS", "PTR", "PTR"]
    assert records[0].owner == ZONE_NAME and records[1].owner == ZONE_NAME
    assert records[4].data[0] == "h1.lab.example." + ZONE_NAME  # no final dot: relative
    assert records[4].line == 8
    for bad, where in (
        ("@ IN SOA a. b. 1 2 3\n", "line 1: SOA needs 7 fields"),
        ("@ IN SOA a. b. ( 1 2 3 4 5\n", "line 1: '(' is never closed"),
        ("$INCLUDE other\n", "line 1: $INCLUDE is not supported"),
        ("  IN NS a.\n", "line 1: the first record has no owner name"),
    ):
        with pytest.raises(ZoneError, match=where.replace("(", r"\(").replace("$", r"\$")):
            parse_zone(bad, ZONE_NAME)


def _zone(text: str, **args: str) -> tuple[bool, str, dict[str, object]]:
    outcome = check_zone(
        Context.for_answers(None, {"zone": text}), {"question": "zone", "zone": ZONE_NAME, **args}
    )
    return outcome.passed, outcome.code, outcome.params


def test_zone_requirements() -> None:
    assert _zone(ZONE, require="origin")[:2] == (True, "ok-origin")
    assert _zone(ZONE.replace("2.4.0.0.8", "2.4.8"), require="origin")[1] == "wrong-zone"
    assert _zone(ZONE, require="ptr", address="2001:db8:42::1", name="r1.lab.example.")[1] == (
        "ok-ptr"
    )
    passed, code, params = _zone(
        ZONE, require="ptr", address="2001:db8:42:1::10", name="h1.lab.example."
    )
    assert (passed, code) == (False, "relative-target") and params["found"] == (
        "h1.lab.example." + ZONE_NAME
    )
    assert _zone(ZONE, require="ptr", address="2001:db8:42:1::11", name="x.")[1] == "missing-ptr"
    assert _zone(ZONE, require="ptr", address="2001:db8:42::1", name="r2.lab.example.")[1] == (
        "wrong-target"
    )
    assert _zone("@ IN FOO( x\n", require="valid")[1] == "invalid"


def test_named_checkzone_agrees_on_generated_and_broken_zones() -> None:
    need_program("named-checkzone")
    lab = load_lab("11-reverse-dns")
    for variant in (None, (0x3FFF_0A70_0005 << 80, 48)):
        from v6plan.lab.model._labfile import Variant

        run = lab.instantiate(Variant(prefix=variant) if variant else None)
        zone = run.variables["zone:plan"]
        text = run.answers(lab.solution)["zone"]
        assert checkzone(zone, text) is None
        assert len(parse_zone(text, zone)) >= 8
    assert checkzone(ZONE_NAME, ZONE) is None  # a relative PTR name is legal DNS
    problem = checkzone(ZONE_NAME, ZONE.replace("2.4.0.0.8", "2.4.8"))
    assert problem is not None and "out-of-zone" in problem


# -- lab files using the new keys ---------------------------------------------------------------------
def make_lab(tmp_path: Path, checks: str, extra: str = "") -> Path:
    lab = tmp_path / "labs" / "99-quiz"
    (lab / "messages").mkdir(parents=True)
    (lab / "lab.yaml").write_text(
        "lab: 99-quiz\ntopology: lan-router-lan\nchecks:\n"
        + checks
        + '\nsolution:\n  answers: {q: "{expand:h1.eth0}"}\n'
        + extra
    )
    (lab / "messages" / "en.yaml").write_text("title: t\ntask: do it\n")
    return lab


GOOD_QUIZ = '  - {id: q, type: quiz, kind: expanded, answer: "{expand:h1.eth0}"}'


def test_a_quiz_lab_loads(tmp_path: Path) -> None:
    lab = load_lab(make_lab(tmp_path, GOOD_QUIZ))
    assert not lab.uses_network and list(lab.questions()) == ["q"]
    run = lab.instantiate()
    assert answer_key(run) == {"q": "2001:0db8:0042:0001:0000:0000:0000:0010"}


@pytest.mark.parametrize(
    ("checks", "extra", "message"),
    [
        (
            GOOD_QUIZ.replace("{expand:", "{expnad:"),
            "",
            "lab.yaml:4:49: {expnad:h1.eth0}: unknown computed value 'expnad' — did you mean 'expand'?",
        ),
        (
            GOOD_QUIZ.replace("expanded", "expandd"),
            "",
            "check 'q': kind 'expandd' is not one of address, canonical",
        ),
        (
            GOOD_QUIZ,
            "broken:\n  - {id: b, answers: {qq: x}, expect: {q: wrong}}\n",
            "an answer to 'qq', which is not a question of this lab — did you mean 'q'?",
        ),
        (
            '  - {id: z, type: zone, zone: "{zone:plan}", require: ptr}\n' + GOOD_QUIZ,
            "",
            "check 'z' (zone, require: ptr) needs 'address'",
        ),
        (
            "  - {id: s, type: plan-spec, require: sizes}\n" + GOOD_QUIZ,
            "",
            "check 's': require 'sizes' is not one of valid, prefix",
        ),
    ],
)
def test_bad_quiz_labs_say_where(tmp_path: Path, checks: str, extra: str, message: str) -> None:
    lab_dir = make_lab(tmp_path, checks, extra)
    with pytest.raises(SpecError) as info:
        load_lab(lab_dir)
    assert message in str(info.value), str(info.value)
    assert str(lab_dir / "lab.yaml") in str(info.value)


# -- the trainee's command ---------------------------------------------------------------------------
def v6lab(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_v6lab_answer(capsys: pytest.CaptureFixture[str], tmp_path: Path, lab_state: Path) -> None:
    assert v6lab(capsys, "start", "02-subnetting", "--backend", "fake")[0] == 0
    code, out, _ = v6lab(capsys, "answer", "--json")
    questions = {q["id"]: q for q in json.loads(out)["questions"]}
    assert code == 0 and questions["plan"]["kind"] == "file"
    assert questions["third-52"]["question"].startswith(
        "Which is the third /52 of 2001:db8:42::/48"
    )
    code, out, _ = v6lab(capsys, "answer", "third-52")
    assert code == 0 and "v6lab answer third-52 VALUE" in out
    code, out, _ = v6lab(capsys, "answer", "third-52", "2001:db8:42:3000::/52")
    assert code == 1 and "✗ FAIL  third-52  2001:db8:42:3000::/52 is not right" in out
    code, out, _ = v6lab(capsys, "answer", "third-52", "2001:db8:42:2000::/52")
    assert code == 0 and "✓ PASS" in out
    code, _, err = v6lab(capsys, "answer", "third-25", "x")
    assert code == 2 and "no question 'third-25' in this lab — did you mean 'third-52'?" in err
    code, _, err = v6lab(capsys, "answer", "plan", str(tmp_path / "missing.yaml"))
    assert code == 2 and "cannot read" in err and "Traceback" not in err
    spec = tmp_path / "campus.yaml"
    spec.write_text(SPEC.format(size=56).replace("count: 16", "count: 200"))
    code, out, _ = v6lab(capsys, "answer", "plan", str(spec))
    assert code == 0 and out.count("✓ PASS") == 5
    spec.write_text("changed later")  # the content handed in is what counts
    session = next(p for p in lab_state.iterdir() if p.is_dir())
    assert "building" in load_answers(session)["plan"]
    code, out, _ = v6lab(capsys, "check", "--json")
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    assert checks["third-52"]["passed"] and checks["plan-nibble"]["passed"]
    assert checks["count-52"]["code"] == "unanswered"
    code, out, _ = v6lab(capsys, "answer")
    assert "third-52  (a prefix, address/length) — answered" in out
    # the reference solution answers everything
    assert v6lab(capsys, "solve")[0] == 0
    assert v6lab(capsys, "check")[0] == 0
    v6lab(capsys, "stop")


def test_answers_are_kept_atomically(tmp_path: Path) -> None:
    record_answer(tmp_path, "q", "1")
    record_answer(tmp_path, "r", "two", file="/x/two.txt")
    record_answer(tmp_path, "q", "3")
    assert load_answers(tmp_path) == {"q": "3", "r": "two"}
    assert not [p for p in tmp_path.iterdir() if p.name != "answers.json"]
    (tmp_path / "answers.json").write_text("{broken")
    assert load_answers(tmp_path) == {}


def test_solve_records_the_answers(capsys: pytest.CaptureFixture[str]) -> None:
    assert v6lab(capsys, "start", "01-notation", "--backend", "fake")[0] == 0
    code, _, err = v6lab(capsys, "solve", "--broken", "3")
    assert code == 0 and "answered 1 questions: compress-zeros" in err
    code, out, _ = v6lab(capsys, "check", "--json")
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    assert checks["compress-zeros"]["code"] == "single-zero-group"
    v6lab(capsys, "stop")


def test_quiz_check_spec_carries_its_question() -> None:
    run = load_lab("09-plan-design").instantiate()
    specs = {s.id: s for s in run.checks()}
    assert specs["spec-valid"].args["question"] == "plan"
    assert isinstance(specs["spec-valid"], CheckSpec)
    run = load_lab("01-notation").instantiate()
    assert {s.args["question"] for s in run.checks()} == set(run.lab.questions())
