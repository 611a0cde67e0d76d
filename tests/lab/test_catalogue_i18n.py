"""Languages and access: every message catalogue has the keys and placeholders of the
English one for what it covers (French and Arabic complete for the engine and labs
01–04), and the command's --lang and --plain keep working in each language."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from v6plan.lab.checks._quiz import QUIZ_CODES
from v6plan.lab.cli import main
from v6plan.lab.model._i18n import ENGINE_MESSAGES, Messages, load_catalogue, placeholders
from v6plan.lab.model._labfile import list_labs, load_lab

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED_LABS = ["01-notation", "02-subnetting", "03-link-local", "04-lan-addressing"]
LANGUAGES = ["fr", "ar"]

#: every reason code each answer check can give (the network checks' codes are found in
#: the source by test_checks.py)

ANSWER_CODES = {
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


def catalogues() -> list[tuple[str, Path, Path]]:
    """(what, English file, translated file) for every translation that exists."""
    out = []
    for lang in LANGUAGES:
        out.append(("engine", ENGINE_MESSAGES / "en.yaml", ENGINE_MESSAGES / f"{lang}.yaml"))
    for lab in list_labs():
        for path in sorted((lab / "messages").glob("*.yaml")):
            if path.stem != "en":
                out.append((lab.name, lab / "messages" / "en.yaml", path))
    return out


def test_the_promised_translations_exist() -> None:
    have = {(what, path.stem) for what, _, path in catalogues()}
    for lang in LANGUAGES:
        assert ("engine", lang) in have
        for lab in TRANSLATED_LABS:
            assert (lab, lang) in have, (lab, lang)


@pytest.mark.parametrize(
    ("what", "english", "translated"),
    catalogues(),
    ids=[f"{w}-{t.stem}" for w, _, t in catalogues()],
)
def test_a_translation_has_the_english_keys_and_placeholders(
    what: str, english: Path, translated: Path
) -> None:
    en = load_catalogue(english)
    other = load_catalogue(translated)
    assert not set(other) - set(en), f"{translated}: keys English does not have"
    if what == "engine" or what in TRANSLATED_LABS:
        assert not set(en) - set(other), f"{translated} lacks {sorted(set(en) - set(other))}"
    for key, text in other.items():
        assert Counter(placeholders(text)) == Counter(placeholders(en[key])), (translated, key)
        assert text.strip(), (translated, key)
    if what == "engine" or what in TRANSLATED_LABS:  # translated, not copied
        same = [k for k in en if other.get(k) == en[k]]
        assert len(same) <= len(en) // 10, (translated, same)


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
@pytest.mark.parametrize("name", TRANSLATED_LABS)
def test_translated_tasks_fill_every_value(lang: str, name: str) -> None:
    lab = load_lab(name)
    run = lab.instantiate()
    messages = lab.messages(lang)
    text = run.task(messages) + "".join(run.question(q, messages) for q in lab.questions())
    assert messages.texts.get("task") and run.task(messages) != run.task(lab.messages("en"))
    assert not [p for p in placeholders(text) if p in run.variables or ":" in p]
    assert run.variables["plan"] in text


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
    assert titles["05-static-routing"].startswith("Static routing")  # English underneath
    v6lab(capsys, "stop")


@pytest.mark.parametrize("lang", ["en", *LANGUAGES])
def test_plain_output_has_no_drawing_or_symbols(lang: str) -> None:
    """--plain (screen readers): every lab's task and hints come out without box drawing,
    arrows or check marks; letters of every script stay."""
    import io

    from v6plan.lab.cli._output import Out

    for directory in list_labs():
        lab = load_lab(directory)
        run = lab.instantiate()
        messages = lab.messages(lang)
        stream = io.StringIO()
        out = Out(True, stream)
        out.print(run.task(messages))
        for cid in (c.id for c in lab.checks):
            out.print(run.fill(messages.get(f"checks.{cid}.hint") or ""))
        text = stream.getvalue()
        assert not set(text) & set("─━═│║╲╱→←∉✓✗"), (lab.name, set(text) & set("─═│║╲╱→✓✗"))
        if lang == "ar" and lab.name in TRANSLATED_LABS:
            assert "الشبكة" in text or "عنوان" in text
