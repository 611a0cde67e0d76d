"""The lab catalogue: every lab passes with its reference solution and fails with each
known-bad one for the declared reason — on the simulator always, and on netns (root,
CI) for every lab that uses the network, with the same verdicts as the simulator. A
trainee's variant changes every value, answers included, and still solves the lab."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _support.lab import need_lab_programs, require_backend

from v6plan._prefix import expand_address, format_address, parse_prefix
from v6plan.lab.checks._keys import answer_key, expected
from v6plan.lab.checks._registry import TYPES
from v6plan.lab.checks._verify import verify_lab
from v6plan.lab.model._i18n import placeholders
from v6plan.lab.model._labfile import Lab, LabRun, Solution, Variant, list_labs, load_lab
from v6plan.lab.runtime._session import Session

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = [
    "01-notation",
    "02-subnetting",
    "03-link-local",
    "04-lan-addressing",
    "05-static-routing",
    "06-p2p-loopbacks",
    "07-ndp-dad",
    "08-slaac",
    "09-plan-design",
    "10-isp-core",
    "11-reverse-dns",
    "12-troubleshooting",
    "13-ula",
    "14-privacy-addresses",
    "15-pmtud",
    "16-two-routers",
    "17-rogue-ra",
]
NETWORK_LABS = [name for name in CATALOGUE if load_lab(name).uses_network]
LEVELS = ("beginner", "intermediate", "advanced")


@pytest.fixture
def clean_sessions() -> object:
    """Whatever a test leaves (a failed netns run), removed by its own session tags."""
    yield None
    for session in Session.all():
        session.teardown()
        session.remove()


def test_the_catalogue_follows_the_syllabus() -> None:
    names = [p.name for p in list_labs()]
    assert names[: len(CATALOGUE)] == CATALOGUE
    topics = {
        "01-notation": "notation",
        "02-subnetting": "subnetting",
        "03-link-local": "eui-64",
        "05-static-routing": "static-routes",
        "06-p2p-loopbacks": "rfc6164",
        "07-ndp-dad": "dad",
        "08-slaac": "slaac",
        "09-plan-design": "plan-spec",
        "11-reverse-dns": "reverse-dns",
        "12-troubleshooting": "troubleshooting",
        "13-ula": "ula",
        "14-privacy-addresses": "rfc8981",
        "15-pmtud": "pmtud",
        "16-two-routers": "router-preference",
        "17-rogue-ra": "rogue-ra",
    }
    for name, tag in topics.items():
        assert tag in load_lab(name).tags, name
    # graded on answers only (quiz, plan spec, zone file): no network, one backend is enough
    assert set(CATALOGUE) - set(NETWORK_LABS) == {
        "01-notation",
        "02-subnetting",
        "09-plan-design",
        "11-reverse-dns",
    }


@pytest.mark.parametrize("name", CATALOGUE)
def test_every_lab_is_complete_in_english(name: str) -> None:
    lab = load_lab(name)
    assert lab.level in LEVELS and 10 <= lab.minutes <= 90
    assert lab.broken, f"{name} needs at least one known-bad solution"
    messages = lab.messages("en")
    for key in ("title", "summary", "task"):
        assert messages.get(key), (name, key)
    for cid in (c.id for c in lab.checks):
        assert lab.messages("en").get(f"checks.{cid}.hint"), (name, cid)
    for bad in lab.broken:
        assert messages.get(f"broken.{bad.id}"), (name, bad.id)
        assert bad.expect and any(code != "pass" for code in bad.expect.values()), bad.id
    for qid in lab.questions():
        assert messages.get(f"questions.{qid}"), (name, qid)
    # the reference solution answers every question; the task names every question
    assert set(lab.solution.answers) == set(lab.questions()), name
    task = messages.get("task") or ""
    for qid, question in lab.questions().items():
        if question.kind != "file":
            assert qid in task, (name, qid)


def _verdicts(lab: Lab, backend: str) -> dict[str, dict[str, tuple[bool, str]]]:
    need_lab_programs(lab, backend)
    verdicts = verify_lab(lab, backend)
    problems = {v.solution: v.mismatches for v in verdicts if not v.ok}
    assert not problems, problems
    reference = verdicts[0]
    assert reference.solution == "reference" and not reference.failed_commands, (
        reference.failed_commands
    )
    assert all(r.passed for r in reference.results.values())
    for verdict in verdicts[1:]:  # a known-bad solution that passes would test nothing
        assert any(not r.passed for r in verdict.results.values()), verdict.solution
    return {v.solution: {cid: (r.passed, r.code) for cid, r in v.results.items()} for v in verdicts}


@pytest.mark.parametrize("name", CATALOGUE)
def test_every_lab_on_the_simulator(name: str) -> None:
    require_backend("sim")
    _verdicts(load_lab(name), "sim")


@pytest.mark.parametrize("name", NETWORK_LABS)
def test_every_network_lab_on_the_kernel_as_on_the_simulator(
    name: str, clean_sessions: object
) -> None:
    """netns: the same expectations hold, and every check of every solution gives the
    same verdict and reason code as on the simulator."""
    require_backend("sim")
    require_backend("netns")
    lab = load_lab(name)
    kernel = _verdicts(lab, "netns")
    simulated = _verdicts(lab, "sim")
    differences = {
        (solution, cid): (simulated[solution][cid], got)
        for solution, checks in kernel.items()
        for cid, got in checks.items()
        if simulated[solution][cid] != got and not _same_lost_answer(simulated[solution][cid], got)
    }
    assert not differences, differences


def _same_lost_answer(a: tuple[bool, str], b: tuple[bool, str]) -> bool:
    """A next hop that never answers Neighbor Discovery: the kernel gives up after three
    solicitations, 3 s of real time, and then answers queued packets with "address
    unreachable" — which may land inside a later probe's 1 s window or after it. The
    simulator's clock runs differently during checks; both verdicts are failures (a
    traceroute that heard nobody at all says ``no-answer``)."""
    lost = {"timeout", "no-answer"}
    return not a[0] and not b[0] and len({a[1], b[1]} & lost) == 1 and "unreachable" in {a[1], b[1]}


# -- variants -----------------------------------------------------------------------------------
def _variant_for(lab: Lab) -> Variant:
    """Another documentation prefix of the plan's own length, far from the default."""
    length = lab.instantiate().addressing.plan.plen[0]
    base = (
        "3fff:a7c0::/32"
        if lab.instantiate().variables["plan"].startswith("2001")
        else ("2001:db8:7700::/40")
    )
    net, _ = parse_prefix(base)
    return Variant(name="zoe", prefix=(net | (0x5 << (128 - length)), length))


def _fingerprints(run: LabRun) -> list[str]:
    """Text that gives the default plan away: its leading groups, in short, full and
    reverse-DNS form."""
    plan = run.addressing.plan
    net, length = plan.net[0], plan.plen[0]
    groups = length // 16
    short = format_address(net).split("::")[0].split(":")[:groups]
    full = expand_address(net).split(":")[:groups]
    nibbles = f"{net:032x}"[: length // 4]
    return [":".join(short) + ":", ":".join(full), ".".join(reversed(nibbles)) + ".ip6.arpa"]


def _all_text(run: LabRun) -> str:
    lab = run.lab
    parts: list[str] = []
    for lang in ("en", "fr", "ar"):
        messages = lab.messages(lang)
        parts.append(run.task(messages))
        parts += [run.question(q, messages) for q in lab.questions()]
        parts += [run.fill(messages.get(f"checks.{c.id}.hint") or "") for c in lab.checks]
    parts += [" ".join(spec.args.values()) for spec in run.checks()]
    for solution in (lab.setup, lab.solution, *lab.broken):
        parts += [" ".join(argv) for _, argv in run.commands(solution)]
        parts += list(run.answers(solution).values())
    parts += [str(v) for v in answer_key(run).values() if v is not None]
    return "\n".join(parts)


@pytest.mark.parametrize("name", CATALOGUE)
def test_a_variant_changes_every_value(name: str) -> None:
    lab = load_lab(name)
    default, variant = lab.instantiate(), lab.instantiate(_variant_for(lab))
    text = _all_text(variant)
    for fingerprint in _fingerprints(default):
        assert fingerprint not in text, (name, fingerprint)
    # every value the variant shows is filled: no {name} left unfilled
    for lang in ("en", "fr", "ar"):
        messages = lab.messages(lang)
        filled = variant.task(messages) + "".join(
            variant.question(q, messages) for q in lab.questions()
        )
        assert not [p for p in placeholders(filled) if p in variant.variables or ":" in p]
    # the answer key moves with the prefix: every answer inside the plan differs
    # (link-locals, solicited-node groups and a ULA drawn from a MAC do not depend on it)
    plan = default.addressing.plan.prefix
    before, after = answer_key(default), answer_key(variant)
    for spec in default.checks():
        value = before[spec.id]
        if spec.type == "quiz" and spec.args.get("kind") in ("address", "canonical", "prefix"):
            assert value is not None
            if parse_prefix(value, strict=False)[0] in plan:
                assert value != after[spec.id], (name, spec.id)


def _solve(run: LabRun, backend: str, solution: Solution) -> dict[str, tuple[bool, str]]:
    """run_solution for a variant: a private session re-rooted at the variant's prefix."""
    from v6plan.lab.checks._context import Context
    from v6plan.lab.checks._quiz import record_answer
    from v6plan.lab.checks._registry import run_checks

    lab = run.lab
    session = Session.create(
        lab.directory, backend, prefix=run.variant.prefix, variant_name="zoe", activate=False
    )
    try:
        with session.locked():
            live = session.start(run.topology_spec())
            for node, argv in run.commands(solution):
                session.exec(node, argv)
            for qid, value in run.answers(solution).items():
                record_answer(session.dir, qid, value)
            results = run_checks(
                Context(live, run.addressing), run.checks(), lab.messages(), variables=run.variables
            )
    finally:
        session.teardown()
        session.remove()
    return {r.id: (r.passed, r.code) for r in results}


@pytest.mark.parametrize("name", CATALOGUE)
def test_a_variant_is_solved_by_the_same_reference(name: str) -> None:
    """Another trainee's prefix: the reference still passes everything, and the first
    known-bad solution still fails the way it declares."""
    require_backend("sim")
    lab = load_lab(name)
    run = lab.instantiate(_variant_for(lab))
    reference = _solve(run, "sim", lab.solution)
    assert all(passed for passed, _ in reference.values()), reference
    bad = lab.broken[0]
    found = _solve(run, "sim", bad)
    for cid, code in bad.expect.items():
        passed, got = found[cid]
        assert passed if code == "pass" else (not passed if code == "fail" else got == code), (
            cid,
            code,
            got,
        )


# -- answer keys ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CATALOGUE)
def test_expected_values_are_what_the_reference_produces(name: str) -> None:
    """The answer key (``expected``) agrees with what the checks find on the solved lab:
    the quiz answers are the reference answers, the NDP MAC and the SLAAC address are the
    ones the network shows."""
    require_backend("sim")
    from v6plan.lab.checks._verify import run_solution

    lab = load_lab(name)
    run = lab.instantiate()
    key = answer_key(run)
    assert set(key) == {c.id for c in lab.checks}
    results, _ = run_solution(lab, "sim", lab.solution)
    answers = run.answers(lab.solution)
    for spec in run.checks():
        value = key[spec.id]
        assert value is None or isinstance(value, str)
        if spec.type == "quiz":
            assert value == answers[spec.args["question"]], spec.id
        elif spec.type == "address":
            assert value == spec.args["address"]
        elif spec.type == "ndp":
            assert value == results[spec.id].params["mac"], spec.id
        elif spec.type == "slaac":
            assert value == results[spec.id].params["address"], spec.id
        elif spec.type == "hops":
            assert value == str(results[spec.id].params["found"])
        elif spec.type == "route":
            assert value is not None and value.split()[0] in ("default", spec.args["to"])
        elif spec.type == "zone" and spec.args.get("require") == "ptr":
            assert value is not None and value.endswith(" PTR " + spec.args["name"])
        if TYPES[spec.type].expect is None:
            assert value is None


def test_the_engine_documents_every_check_type() -> None:
    doc = (ROOT / "docs" / "labs.md").read_text(encoding="utf-8")
    for name in TYPES:
        assert re.search(rf"\| `{re.escape(name)}`", doc), name
    catalogue = (ROOT / "docs" / "labs-catalogue.md").read_text(encoding="utf-8")
    for name in CATALOGUE:
        assert f"`{name}`" in catalogue, name


def test_expected_is_none_only_for_conditions() -> None:
    lab = load_lab("06-p2p-loopbacks")
    run = lab.instantiate()
    key = {spec.id: expected(spec, run) for spec in run.checks()}
    assert key["no-duplicates"] is None and key["in-plan"] is None
    assert key["r1-link-address"] == "2001:db8:42:3::2/127"
    assert key["r2-loopback"] == "2001:db8:42::2/128"
    assert key["r1-route-lan-2"] == "2001:db8:42:2::/64 via 2001:db8:42:3::3"
    assert key["h1-reaches-h2"] == "2001:db8:42:2::10"
    assert key["h1-h2-hops"] == "3"
    run = load_lab("05-static-routing").instantiate()
    assert answer_key(run)["r1-route-lan-2"] == "2001:db8:42:2::/64 via fe80::ff:fe00:300 dev eth1"
    run = load_lab("08-slaac").instantiate()
    assert answer_key(run)["h1-slaac"] == "2001:db8:42:1:0:ff:fe00:100/64"
    assert answer_key(run)["r1-advertises"] == "2001:db8:42:1::/64 managed=false other=false"
