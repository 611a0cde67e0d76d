"""Languages and access: every lab of the catalogue, the engine and the handouts speak
English, French and Arabic completely — each translation has exactly the English keys, with
the same placeholders as many times — and the command's --lang and --plain keep working in
each language."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from v6plan.lab.checks._quiz import QUIZ_CODES
from v6plan.lab.cli import main
from v6plan.lab.instructor._handout import HANDOUT_MESSAGES
from v6plan.lab.model._i18n import ENGINE_MESSAGES, Messages, load_catalogue, placeholders
from v6plan.lab.model._labfile import load_lab

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["fr", "ar"]
#: every lab shipped in labs/ (not $V6LAB_LABS): the catalogue this test holds complete
LABS = sorted(d.name for d in (ROOT / "labs").iterdir() if (d / "lab.yaml").is_file())
#: the catalogues outside the labs: (name, directory)
SHARED = [("engine", ENGINE_MESSAGES), ("handout", HANDOUT_MESSAGES)]

#: every reason code each answer check can give (the network checks' codes are found in
#: the source by test_checks.py)

ANSWER_CODES: dict[str, list[str]] = {
    "quiz": list(QUIZ_CODES),
    "plan-spec": [
        "ok",
        "ok-prefix",
        "ok-lint",
        "ok-nibble",
        "ok-count",
        "ok-room",
        "ok-size",
        "unanswered",
        "invalid",
        "wrong-prefix",
        "lint",
        "non-nibble",
        "too-few",
        "wrong-length",
        "no-room",
        "too-small",
    ],
    "zone": [
        "ok",
        "ok-origin",
        "ok-ptr",
        "unanswered",
        "invalid",
        "no-soa",
        "wrong-zone",
        "missing-ptr",
        "wrong-target",
        "relative-target",
    ],
}


def catalogues() -> list[tuple[str, Path]]:
    """(what, messages directory) for the engine, the handouts and every lab."""
    return [*SHARED, *((lab, ROOT / "labs" / lab / "messages") for lab in LABS)]


def test_the_catalogue_is_found() -> None:
    assert len(LABS) >= 13 and "01-notation" in LABS and "13-ula" in LABS


@pytest.mark.parametrize(
    ("what", "directory", "lang"),
    [(w, d, lang) for w, d in catalogues() for lang in LANGUAGES],
    ids=[f"{w}-{lang}" for w, _ in catalogues() for lang in LANGUAGES],
)
def test_a_translation_has_exactly_the_english_keys_and_placeholders(
    what: str, directory: Path, lang: str
) -> None:
    english, translated = directory / "en.yaml", directory / f"{lang}.yaml"
    assert english.is_file() and translated.is_file(), f"{what} has no {translated.name}"
    en = load_catalogue(english)
    other = load_catalogue(translated)
    assert not set(other) - set(en), f"{translated}: keys English does not have"
    assert not set(en) - set(other), f"{translated} lacks {sorted(set(en) - set(other))}"
    for key, text in other.items():
        assert text.strip(), (translated, key)
        mine, theirs = Counter(placeholders(text)), Counter(placeholders(en[key]))
        assert mine == theirs, (translated, key, mine - theirs, theirs - mine)
    # translated, not copied (a word such as "Questions" or "points" may stay as it is)
    same = [k for k in en if other[k] == en[k] and len(en[k].split()) > 2]
    assert len(same) <= len(en) // 10, (translated, same)


def test_a_missing_key_or_placeholder_is_caught(tmp_path: Path) -> None:
    """The comparison above fails on what a hurried translation gets wrong."""
    (tmp_path / "en.yaml").write_text("title: T {plan}\ntask: do {a} and {a}\n")
    (tmp_path / "fr.yaml").write_text("title: T {plan}\ntask: faites {a}\n")
    en, fr = load_catalogue(tmp_path / "en.yaml"), load_catalogue(tmp_path / "fr.yaml")
    assert Counter(placeholders(fr["task"])) != Counter(placeholders(en["task"]))
    (tmp_path / "fr.yaml").write_text("title: T {plan}\n")
    assert set(load_catalogue(tmp_path / "en.yaml")) - set(load_catalogue(tmp_path / "fr.yaml"))


@pytest.mark.parametrize("lang", ["en", *LANGUAGES])
def test_every_answer_check_code_has_words(lang: str) -> None:
    messages = Messages(lang)
    for ctype, codes in ANSWER_CODES.items():
        for code in codes:
            key = f"check.{ctype}.{code}"
            assert messages.has(key), key
            if lang != "en":
                assert messages.texts.get(key), f"{lang} lacks {key}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", LABS)
def test_translated_tasks_fill_every_value(lang: str, name: str) -> None:
    """The task and questions render in the language with the trainee's values: no
    placeholder left over, and every value the English task shows is shown too."""
    lab = load_lab(ROOT / "labs" / name)
    run = lab.instantiate()
    messages = lab.messages(lang)
    text = run.task(messages) + "".join(run.question(q, messages) for q in lab.questions())
    assert messages.texts.get("task") and run.task(messages) != run.task(lab.messages("en"))
    assert not [p for p in placeholders(text) if p in run.variables or ":" in p]
    english = lab.messages("en").get("task") or ""
    for p in placeholders(english):
        assert run.fill("{" + p + "}") in text, (name, lang, p)


def v6lab(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plain_arabic_and_french_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert v6lab(capsys, "start", "01-notation", "--backend", "fake")[0] == 0
    code, out, _ = v6lab(capsys, "answer", "count-64", "65536", "--lang", "ar", "--plain")
    assert code == 0 and "[ناجح]" in out and "✓" not in out and "إجابة صحيحة" in out
    code, out, _ = v6lab(capsys, "check", "--lang", "ar", "--plain")
    assert code == 1 and "[فاشل]" in out and "✗" not in out and "النتيجة: 1 من 7" in out
    assert "─" not in out and "═" not in out
    code, out, _ = v6lab(capsys, "check", "--lang", "fr")
    assert "ÉCHEC" in out and "score : 1 points sur 7" in out
    code, out, _ = v6lab(capsys, "task", "--lang", "fr")
    assert out.startswith("Notation IPv6") and "Votre plan est 2001:db8:42::/48" in out
    code, out, _ = v6lab(capsys, "list", "--json", "--lang", "ar")
    titles = {lab["name"]: lab["title"] for lab in json.loads(out)["labs"]}
    assert titles["01-notation"].startswith("كتابة عناوين IPv6")
    assert titles["05-static-routing"].startswith("التوجيه الثابت")
    v6lab(capsys, "stop")


@pytest.mark.parametrize("lang", ["en", *LANGUAGES])
def test_plain_output_has_no_drawing_or_symbols(lang: str) -> None:
    """--plain (screen readers): every lab's task and hints come out without box drawing,
    arrows or check marks; letters of every script stay."""
    import io

    from v6plan.lab.cli._output import Out

    for name in LABS:
        lab = load_lab(ROOT / "labs" / name)
        run = lab.instantiate()
        messages = lab.messages(lang)
        stream = io.StringIO()
        out = Out(True, stream)
        out.print(run.task(messages))
        for cid in (c.id for c in lab.checks):
            out.print(run.fill(messages.get(f"checks.{cid}.hint") or ""))
        text = stream.getvalue()
        assert not set(text) & set("─━═│║╲╱→←∉✓✗"), (lab.name, set(text) & set("─═│║╲╱→✓✗"))
        if lang == "ar":  # Arabic words, not an English fallback
            assert sum("\u0600" <= c <= "\u06ff" for c in text) > 100, lab.name


def test_rtl_handout_isolates_the_command_not_the_arabic_after_it() -> None:
    """In an Arabic line, a command isolated left-to-right stops before the Arabic words
    that follow it: their opening bracket stays with them (else it shows on the wrong
    side of the command)."""
    from v6plan.lab.instructor._html import ltr_spans

    html = ltr_spans("اختبر: v6lab exec h1 -- traceroute -6 2001:db8::10   (ثلاث قفزات)")
    assert '<bdi class="ltr" dir="ltr">v6lab exec h1 -- traceroute -6 2001:db8::10</bdi>' in html
    assert html.endswith("   (ثلاث قفزات)")
    html = ltr_spans("ثم v6lab check، وv6lab answer lan-5 (fd00::/48)")
    assert '<bdi class="ltr" dir="ltr">v6lab check</bdi>،' in html
    assert '<bdi class="ltr" dir="ltr">v6lab answer lan-5 (fd00::/48)</bdi>' in html
    html = ltr_spans("v6lab answer duplicate <العنوان>")
    assert html.startswith('<bdi class="ltr" dir="ltr">v6lab answer duplicate</bdi> &lt;')


def test_rtl_handout_keeps_the_network_drawing_left_to_right() -> None:
    """A right-to-left task: the drawing stays left to right (its lines line up, LAN 1 stays
    under h1); the words around it are right to left, line by line."""
    from v6plan.lab.instructor._handout import _task_html

    task = "h1 ─── r1 ═══ r2\n LAN 1    وصلة\n\nخطتك هي 2001:db8::/48.\n  سطر ثانٍ"
    html = _task_html(task, rtl=True)
    assert '<div class="mono" dir="ltr">h1 ─── r1 ═══ r2\n LAN 1    وصلة</div>' in html
    assert '<div dir="rtl">خطتك هي <bdi class="ltr" dir="ltr">2001:db8::/48</bdi>.</div>' in html
    assert html.count('<div dir="rtl">') == 3 and html.endswith("سطر ثانٍ</div></div>\n")
