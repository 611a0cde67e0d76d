"""The engine's labs end to end: the reference solution passes every check and each
known-bad solution fails exactly as it declares — on the fake backend always, on the
simulator and on netns (root, CI) when they are there. Plus lab-file validation.

The whole catalogue (every lab, sim and netns) is verified in test_catalogue.py; here the
three labs the fake backend models well (static addressing, p2p + loopbacks, SLAAC)
exercise the engine on all three backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from _support.lab import need_lab_programs

from v6plan import SpecError
from v6plan.lab.checks._verify import verify_lab
from v6plan.lab.model._i18n import Messages, fill, language
from v6plan.lab.model._labfile import list_labs, load_lab, load_variant

ROOT = Path(__file__).resolve().parents[2]
STARTERS = ["04-lan-addressing", "06-p2p-loopbacks", "08-slaac"]


def test_starter_labs_are_listed_and_complete() -> None:
    names = [p.name for p in list_labs()]
    assert set(STARTERS) <= set(names)
    for name in STARTERS:
        lab = load_lab(name)
        assert lab.checks and lab.solution.commands
        assert lab.broken, f"{name} needs at least one known-bad solution"
        messages = lab.messages("en")
        assert messages.get("title") and messages.get("task")
        for cid in (c.id for c in lab.checks):
            assert messages.get(f"checks.{cid}.hint"), (name, cid)
        for bad in lab.broken:
            assert messages.get(f"broken.{bad.id}"), (name, bad.id)


@pytest.mark.parametrize("lab_name", STARTERS)
def test_lab_solutions_on_each_backend(lab_name: str, backend_name: str) -> None:
    lab = load_lab(lab_name)
    need_lab_programs(lab, backend_name)
    verdicts = verify_lab(lab, backend_name)
    report = {v.solution: v.mismatches for v in verdicts if not v.ok}
    assert not report, report
    reference = verdicts[0]
    assert reference.solution == "reference" and not reference.failed_commands
    assert all(r.passed for r in reference.results.values())
    # each known-bad one fails at least one check: a "known-bad" solution that passes is no test
    for verdict in verdicts[1:]:
        assert any(not r.passed for r in verdict.results.values()), verdict.solution


def test_the_untouched_lab_fails_its_main_checks(backend_name: str) -> None:
    from v6plan.lab.checks._verify import run_solution

    lab = load_lab("08-slaac")
    need_lab_programs(lab, backend_name)
    results, _ = run_solution(lab, backend_name, None)
    assert results["h1-slaac"].code == "accept-ra-off"
    assert results["h1-reaches-h2"].code == "no-route"
    assert results["predict-address"].code == "unanswered"
    assert results["r1-advertises"].passed  # r1 is configured and advertises


def test_variant_changes_every_value(tmp_path: Path) -> None:
    variant = tmp_path / "alice.yaml"
    variant.write_text("variant: alice\nprefix: 2001:db8:a11c::/48\n")
    lab = load_lab("06-p2p-loopbacks")
    run = lab.instantiate(load_variant(variant))
    task = run.task(lab.messages())
    assert "2001:db8:a11c:1::/64" in task and "2001:db8:42:" not in task
    assert all("2001:db8:42:" not in " ".join(c.args.values()) for c in run.checks())


def test_variant_problems_have_places(tmp_path: Path) -> None:
    variant = tmp_path / "bad.yaml"
    variant.write_text("variant: bob\nprefix: 2001:db8:b0b::1/48\n")
    with pytest.raises(SpecError) as info:
        load_variant(variant)
    assert f"{variant}:2:9: host bits set" in str(info.value)


def make_lab(tmp_path: Path, body: str, messages: str = "title: t\ntask: do it\n") -> Path:
    lab = tmp_path / "labs" / "99-test"
    (lab / "messages").mkdir(parents=True)
    (lab / "lab.yaml").write_text(body)
    (lab / "messages" / "en.yaml").write_text(messages)
    return lab


GOOD = """\
lab: 99-test
topology: lan-router-lan
checks:
  - {id: a, type: address, node: h1, iface: eth0, address: "{h1.eth0.cidr}"}
solution:
  commands: {h1: ["ip -6 addr add {h1.eth0.cidr} dev eth0"]}
broken:
  - {id: none, commands: {h1: []}, expect: {a: missing}}
programs: [ip]
"""


def test_a_minimal_lab_loads(tmp_path: Path) -> None:
    lab = load_lab(make_lab(tmp_path, GOOD))
    assert lab.name == "99-test" and lab.topology.name == "lan-router-lan"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('{h1.eth0.cidr}"}', '{h1.eth9.cidr}"}'),
            "lab.yaml:4:60: check 'a' uses {h1.eth9.cidr}, which the plan addressing does not give — did you mean 'h1.eth0.cidr'?",
        ),
        (
            ("type: address", "type: adress"),
            "check 'a' has unknown type 'adress' — did you mean 'address'?",
        ),
        (("node: h1,", "node: h7,"), "check 'a': no node 'h7' in the topology"),
        (
            ("iface: eth0,", "ifase: eth0,"),
            "check 'a' (address) has no argument 'ifase' — did you mean 'iface'?",
        ),
        (
            ("topology: lan-router-lan", "topology: lan-router"),
            "no topology named 'lan-router' — did you mean 'lan-router-lan'?",
        ),
        (
            ("expect: {a: missing}", "expect: {b: missing}"),
            "known-bad solution 'none' expects check 'b', which the lab does not have",
        ),
        (
            ("lab: 99-test", "lab: 98-test"),
            "the lab is called '98-test' but its directory is '99-test'",
        ),
        (
            ('commands: {h1: ["ip', 'commands: {h5: ["ip'),
            "lab.yaml:6:14: commands for 'h5', which is not a node of the topology",
        ),
    ],
)
def test_bad_labs_name_file_line_column(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    body = GOOD.replace(*change, 1)
    assert body != GOOD
    lab_dir = make_lab(tmp_path, body)
    with pytest.raises(SpecError) as info:
        load_lab(lab_dir)
    text = str(info.value)
    assert expected in text, text
    assert str(lab_dir / "lab.yaml") in text


AFTER = GOOD.replace(
    'address: "{h1.eth0.cidr}"}',
    'address: "{h1.eth0.cidr}", after: fault}\n  - {id: fault-h1, type: quiz, answer: dad}',
    1,
).replace("expect: {a: missing}", "expect: {a: undiagnosed}", 1)


def test_after_names_an_answer_check_of_the_lab(tmp_path: Path) -> None:
    """``after:`` hides a failure until the answer check it names passes: naming a check that
    is not an answer check (a typo, a network check) would hide it for ever, so the lab is
    refused where it says so, with the closest answer check's id."""
    with pytest.raises(SpecError) as info:
        load_lab(make_lab(tmp_path / "typo", AFTER))
    assert (
        "lab.yaml:4:85: check 'a': after 'fault' is not an answer check of this lab"
        " — did you mean 'fault-h1'?"
    ) in str(info.value)
    with pytest.raises(SpecError) as info:
        load_lab(make_lab(tmp_path / "network", AFTER.replace("after: fault}", "after: a}", 1)))
    assert "check 'a': after 'a' is not an answer check of this lab" in str(info.value)
    lab = load_lab(make_lab(tmp_path / "good", AFTER.replace("after: fault}", "after: fault-h1}")))
    assert lab.checks[0].args["after"] == "fault-h1"


def test_language_falls_back_to_english(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lab_dir = make_lab(tmp_path, GOOD, "title: Test\ntask: Go to {h1.eth0}\n")
    (lab_dir / "messages" / "fr.yaml").write_text("title: Essai\n")
    lab = load_lab(lab_dir)
    fr = lab.messages("fr")
    assert fr.get("title") == "Essai"
    assert lab.instantiate().task(fr) == "Go to 2001:db8:42:1::10"  # English task, filled
    # the engine speaks French; a language it does not know falls back to English
    assert fr.text("check.address.missing", node="h1", iface="eth0", address="x").startswith(
        "h1 n'a aucune adresse globale"
    )
    (lab_dir / "messages" / "de.yaml").write_text("title: Versuch\n")
    de = lab.messages("de")
    assert de.get("title") == "Versuch"
    assert de.text("check.address.missing", node="h1", iface="eth0", address="x").startswith(
        "h1 has no"
    )
    monkeypatch.setenv("V6LAB_LANG", "")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert language() == "fr"
    assert language("ar") == "ar"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert language() == "en"


def test_fill_leaves_unknown_names_visible() -> None:
    assert fill("{a} and {b.c} and {x}", {"a": 1, "b.c": "two"}) == "1 and two and {x}"


def test_engine_catalogue_is_complete_for_english() -> None:
    messages = Messages("en")
    assert (
        messages.get("check.address.wrong-length")
        == "{node} has {found} on {iface} — the {what} is a /{length}"
    )
    assert messages.get("ui.score")


def test_isp_core_fully_configured_on_each_backend(tmp_path: Path, backend_name: str) -> None:
    """The 20-node topology with every address and computed route: customers reach each
    other across the core, with the hop counts the ring and the diagonal give."""
    checks = [
        f'  - {{id: c{c}-c{o}, type: reachable, from: c{c}, to: "{{c{o}.eth0}}"}}'
        for c, o in ((1, 2), (1, 6), (4, 16), (7, 12), (16, 9))
    ]
    checks += [
        f'  - {{id: c{c}-c{o}-hops, type: hops, from: c{c}, to: "{{c{o}.eth0}}", hops: "{h}"}}'
        for c, o, h in ((1, 2, 2), (1, 9, 3), (5, 13, 4))
    ]
    checks.append("  - {id: in-plan, type: plan}")
    body = (
        "lab: 98-isp\ntopology: isp-core\nprograms: [ip]\nsetup:\n  configure: all\nchecks:\n"
        + "\n".join(checks)
    )
    body += "\nsolution:\n  commands: {}\n"
    lab = load_lab(make_lab(tmp_path, body.replace("98-isp", "99-test")))
    need_lab_programs(lab, backend_name)
    verdicts = verify_lab(lab, backend_name)
    assert verdicts[0].ok, verdicts[0].mismatches


@pytest.mark.parametrize("lab_name", STARTERS)
def test_sim_and_netns_give_the_same_verdicts(lab_name: str) -> None:
    """Every check of every solution: same pass/fail and the same reason code on both."""
    from _support.lab import require_backend

    require_backend("sim")
    require_backend("netns")
    lab = load_lab(lab_name)
    need_lab_programs(lab, "netns")
    try:
        verdicts = {
            backend: {
                v.solution: {cid: (r.passed, r.code) for cid, r in v.results.items()}
                for v in verify_lab(lab, backend)
            }
            for backend in ("sim", "netns")
        }
    finally:
        from v6plan.lab.runtime._session import Session

        for session in Session.all():
            session.teardown()
            session.remove()
    differences = {
        (solution, cid): (verdicts["sim"][solution][cid], got)
        for solution, checks in verdicts["netns"].items()
        for cid, got in checks.items()
        if verdicts["sim"][solution][cid] != got
    }
    assert not differences, differences
