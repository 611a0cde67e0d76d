"""Handouts, answer keys and the class sheet: no answers in trainee files, self-contained
HTML that loads in headless Chromium without a console error, right-to-left for Arabic.

"An answer" is anything the instructor's answer key holds — every address and prefix in
it, every reference-solution command — that the lab's own task text does not already give
the trainee (a beginner lab may print the address to type; that is the lab's choice, not a
leak). The test runs on the instructor fixture labs and on every lab of the catalogue.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from _support.lab import v6lab

DATA = Path(__file__).resolve().parents[1] / "data" / "instructor"
LABS = DATA / "labs"
ROSTER = DATA / "roster-30.csv"
ADDRESS = re.compile(
    r"(?<![0-9A-Za-z:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?:/\d{1,3})?(?![0-9A-Za-z:])"
)


@pytest.fixture(autouse=True)
def labs_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("V6LAB_LABS", str(LABS))


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One class of the two fixture labs (English, French and Arabic handouts)."""
    old = os.environ.get("V6LAB_LABS")
    os.environ["V6LAB_LABS"] = str(LABS)
    try:
        out = tmp_path_factory.mktemp("handouts") / "class"
        code, _, err = v6lab(
            "variants", "i1-first-ping", "i2-static-addressing", "--roster", ROSTER,
            "--seed", "handouts", "--out", out,
        )  # fmt: skip
        assert code == 0, err
        return out
    finally:
        if old is None:
            os.environ.pop("V6LAB_LABS", None)
        else:
            os.environ["V6LAB_LABS"] = old


# -- answers stay with the instructor -----------------------------------------------------------------
def plain_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        return html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


def answers_of(key_md: str, allowed: str) -> set[str]:
    """What the answer key knows beyond ``allowed`` (the task as the trainee reads it)."""
    tokens = set(ADDRESS.findall(key_md))
    tokens |= {
        line.split("$ ", 1)[1]
        for line in key_md.splitlines()
        if re.match(r"^[a-z][a-z0-9-]*\$ ", line)
    }
    return {t for t in tokens if t not in allowed and len(t) > 6}


def leaks(trainee_dir: Path, instructor: Path, manifest: dict[str, Any]) -> list[str]:
    """Answers found in a trainee's files (empty when none)."""
    from v6plan.lab.instructor._handout import handout_messages
    from v6plan.lab.model._labfile import Variant, load_lab

    found: list[str] = []
    tid = trainee_dir.name
    entry = next(t for t in manifest["trainees"] if t["id"] == tid)
    for lab_name, variant in entry["variants"].items():
        lab = load_lab(lab_name)
        from v6plan._prefix import parse_prefix

        run = lab.instantiate(Variant(name=tid, prefix=parse_prefix(variant["prefix"])))
        allowed = run.task(handout_messages("en", lab.directory)) + run.task(
            handout_messages(variant["lang"], lab.directory)
        )
        allowed += variant["prefix"]
        key = (instructor / "answers" / lab_name / f"{tid}.md").read_text()
        secret = answers_of(key, allowed)
        for path in trainee_dir.iterdir():
            text = path.read_text(encoding="utf-8")
            both = text + "\n" + plain_text(path)
            found += [f"{path.name}: {s}" for s in secret if s in both]
    return found


def test_trainee_files_hold_no_answers(klass: Path) -> None:
    manifest = json.loads((klass / "instructor" / "class.json").read_text())
    secret = (klass / "instructor" / "secret.key").read_text().split("secret:")[1].strip()
    keys = {
        t["id"]: re.search(
            r'key: "([0-9a-f]+)"',
            (klass / "trainees" / t["id"] / "i1-first-ping.variant.yaml").read_text(),
        ).group(1)  # type: ignore[union-attr]
        for t in manifest["trainees"]
    }
    checked = 0
    for trainee_dir in sorted((klass / "trainees").iterdir()):
        assert not leaks(trainee_dir, klass / "instructor", manifest)
        for path in trainee_dir.iterdir():
            text = path.read_text()
            assert secret not in text  # the instructor secret never leaves the instructor
            others = [k for tid, k in keys.items() if tid != trainee_dir.name and k in text]
            assert not others  # nor does anyone else's key
            assert "Reference solution" not in text and "answer key" not in text.lower()
            checked += 1
    assert checked == 30 * 6


def test_the_leak_detector_can_fail(klass: Path) -> None:
    """The lab with a plan to work out (i2): its key holds addresses the task does not give;
    copied into a handout, the detector finds them."""
    manifest = json.loads((klass / "instructor" / "class.json").read_text())
    tid = "kwame-mensah"
    key = (klass / "instructor" / "answers" / "i2-static-addressing" / f"{tid}.md").read_text()
    prefix = manifest["trainees"][3]["variants"]["i2-static-addressing"]["prefix"]
    host = prefix.replace("::/48", ":1::10/64")
    assert host in key  # h1's address: an answer …
    handout = klass / "trainees" / tid / "i2-static-addressing.handout.html"
    assert host not in handout.read_text()  # … not in the handout
    scratch = Path(tempfile.mkdtemp())
    try:
        copy = scratch / tid
        shutil.copytree(klass / "trainees" / tid, copy)
        leaky = copy / "i2-static-addressing.handout.html"
        leaky.write_text(leaky.read_text().replace("</main>", f"<p>{host}</p></main>"))
        assert any(host in line for line in leaks(copy, klass / "instructor", manifest))
    finally:
        shutil.rmtree(scratch)


def test_catalogue_labs_keep_their_answers_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every lab of the catalogue that loads: a small class, and no answers in its handouts."""
    from v6plan._errors import V6PlanError
    from v6plan.lab.model._labfile import list_labs, load_lab

    monkeypatch.delenv("V6LAB_LABS")
    names = []
    for directory in list_labs():
        try:
            load_lab(directory)
        except V6PlanError:
            continue  # a lab being written; `v6lab verify` is its test
        names.append(directory.name)
    if not names:
        pytest.skip("the catalogue has no loadable lab right now")
    roster = tmp_path / "r.csv"
    roster.write_text("name,lang\nAmina Haddad,ar\nYoussef Benali,fr\nKwame Mensah,en\n")
    out = tmp_path / "c"
    code, _, err = v6lab("variants", *names, "--roster", roster, "--seed", "cat", "--out", out)
    assert code == 0, err
    manifest = json.loads((out / "instructor" / "class.json").read_text())
    for trainee_dir in (out / "trainees").iterdir():
        assert not leaks(trainee_dir, out / "instructor", manifest), trainee_dir.name


def test_answer_key_holds_the_solution_and_expectations(klass: Path) -> None:
    manifest = json.loads((klass / "instructor" / "class.json").read_text())
    amina = manifest["trainees"][0]
    prefix = amina["variants"]["i1-first-ping"]["prefix"]
    base = prefix.removesuffix("::/48")
    key = (klass / "instructor" / "answers" / "i1-first-ping" / "amina-haddad.md").read_text()
    assert f"h1$ ip -6 addr add {base}:1::10/64 dev eth0" in key
    assert f"h1$ ip -6 route add default via {base}:1::1" in key
    assert f"| h1-address | address | 2 | {base}:1::10/64 on h1 eth0 |" in key
    assert "wrong-length" in key and "h1-address → wrong-length" in key
    printable = (klass / "instructor" / "answers" / "i1-first-ping.html").read_text()
    assert printable.count('<section class="page"') == 29  # one page per trainee after the first


def test_handouts_speak_the_trainees_language(klass: Path) -> None:
    ar = (klass / "trainees" / "amina-haddad" / "i1-first-ping.handout.html").read_text()
    assert '<html lang="ar" dir="rtl">' in ar and "مهمّتك" in ar and "أول ping" in ar
    fr = (klass / "trainees" / "youssef-benali" / "i1-first-ping.handout.md").read_text()
    assert "## Votre tâche" in fr and "Premier ping" in fr
    en = (klass / "trainees" / "kwame-mensah" / "i1-first-ping.handout.html").read_text()
    assert '<html lang="en" dir="ltr">' in en and "Your task" in en
    # a lab without Arabic texts: an English handout, not a half-translated one
    ar2 = (klass / "trainees" / "amina-haddad" / "i2-static-addressing.handout.html").read_text()
    assert '<html lang="en" dir="ltr">' in ar2


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "br", "img", "link", "input", "hr", "wbr", "rect", "line", "path"):
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def all_html(klass: Path) -> list[Path]:
    return sorted(klass.rglob("*.html"))


def test_html_is_well_formed_and_self_contained(klass: Path) -> None:
    pages = all_html(klass)
    assert len(pages) == 30 * 2 + 2 + 1
    for page in pages:
        parser = Tags()
        parser.feed(page.read_text())
        assert not parser.errors, (page, parser.errors[:3])
        assert not parser.stack, (page, parser.stack)
        names = [t for t, _ in parser.tags]
        assert "script" not in names and "link" not in names and "iframe" not in names
        for _, attrs in parser.tags:
            for name in ("src", "href"):
                value = attrs.get(name) or ""
                assert not value or value.startswith(("#", "data:")), (page, value)
        assert any(
            t == "meta" and a.get("http-equiv") == "Content-Security-Policy" for t, a in parser.tags
        )


# -- in a real browser ----------------------------------------------------------------------------------
class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3/4): the
    standard library is enough. Collects console messages, exceptions and log errors."""

    def __init__(self, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def child_fds() -> None:
            os.dup2(to_chrome_r, 100)
            os.dup2(from_chrome_w, 101)
            os.dup2(100, 3)
            os.dup2(101, 4)

        self.proc = subprocess.Popen(
            [
                "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--remote-debugging-pipe", f"--user-data-dir={profile}",
                "--window-size=1000,1400",
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=child_fds, close_fds=False,
        )  # fmt: skip
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            assert left > 0, "chromium did not answer"
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 16)
                assert chunk, "chromium closed the pipe"
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)  # type: ignore[no-any-return]

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self._id:
                assert "error" not in answer, answer
                return answer.get("result", {})  # type: ignore[no-any-return]
            self.events.append(answer)

    def load(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + 60
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read(deadline))

    def evaluate(self, expression: str) -> Any:
        answer = self.call(
            "Runtime.evaluate", session=True, expression=expression, returnByValue=True
        )
        return answer["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, and logged errors (blocked
        loads, CSP violations)."""
        out = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            bad_console = params.get("type") in ("error", "warning", "assert")
            bad_log = params.get("entry", {}).get("level") in ("error", "warning")
            if (
                method == "Runtime.exceptionThrown"
                or (method == "Runtime.consoleAPICalled" and bad_console)
                or (method == "Log.entryAdded" and bad_log)
            ):
                out.append(str(params))
        return out

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from _support.lab import need_program

    need_program("chromium")
    chrome = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield chrome
    finally:
        chrome.close()


def test_every_page_loads_without_a_console_error(klass: Path, browser: Chromium) -> None:
    pages = [
        klass / "trainees" / "amina-haddad" / "i1-first-ping.handout.html",
        klass / "trainees" / "youssef-benali" / "i1-first-ping.handout.html",
        klass / "trainees" / "kwame-mensah" / "i2-static-addressing.handout.html",
        klass / "instructor" / "class.html",
        klass / "instructor" / "answers" / "i1-first-ping.html",
    ]
    for page in pages:
        browser.load(page.as_uri())
        assert browser.problems() == [], page
        assert browser.evaluate("document.title")
        assert browser.evaluate("document.querySelectorAll('h1').length") >= 1


def test_arabic_handout_is_right_to_left(klass: Path, browser: Chromium, tmp_path: Path) -> None:
    page = klass / "trainees" / "amina-haddad" / "i1-first-ping.handout.html"
    browser.load(page.as_uri())
    assert browser.problems() == []
    assert browser.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # the title's text hugs the right edge, as Arabic reads
    h1 = browser.evaluate(
        "(() => { const g = document.createRange();"
        " g.selectNodeContents(document.querySelector('h1')); const r = g.getBoundingClientRect();"
        " const b = document.querySelector('main').getBoundingClientRect();"
        " return [b.right - r.right, r.left - b.left]; })()"
    )
    assert h1[0] < 2 and h1[1] > 100
    # every line of the task is right to left but the drawing of the network (left to right,
    # monospace: it lines up); addresses and commands inside the lines are not
    lines = browser.evaluate(
        "[...document.querySelectorAll('div.task > div:not(.mono)')]"
        ".map(d => getComputedStyle(d).direction)"
    )
    assert lines and set(lines) == {"rtl"}
    drawing = browser.evaluate(
        "[...document.querySelectorAll('div.task > div.mono')].map(d => getComputedStyle(d).direction)"
    )
    assert drawing == ["ltr"]
    isolated = browser.evaluate(
        "[...document.querySelectorAll('div.task bdi')].map(b => [b.textContent, getComputedStyle(b).direction])"
    )
    assert isolated and all(d == "ltr" for _, d in isolated)
    assert any(t.startswith("v6lab exec h1 -- ip -6 addr add") for t, _ in isolated)
    assert any(re.fullmatch(r"2001:db8:[0-9a-f]+:2::1", t) for t, _ in isolated)  # after "و"
    browser.screenshot(tmp_path / "arabic-handout.png")
    assert (tmp_path / "arabic-handout.png").stat().st_size > 20_000


def test_english_handout_is_left_to_right(klass: Path, browser: Chromium) -> None:
    browser.load((klass / "trainees" / "kwame-mensah" / "i1-first-ping.handout.html").as_uri())
    assert browser.evaluate("getComputedStyle(document.body).direction") == "ltr"
    assert browser.evaluate("document.querySelector('pre.task') !== null")


def test_grade_summary_loads_with_its_chart(klass: Path, browser: Chromium, tmp_path: Path) -> None:
    from v6plan.lab.instructor._grading import grade, load_keys, summary_html

    book = grade([tmp_path], load_keys(klass / "instructor"))  # nothing handed in yet
    page = tmp_path / "summary.html"
    page.write_text(summary_html(book))
    browser.load(page.as_uri())
    assert browser.problems() == []
    bars = browser.evaluate("document.querySelectorAll('svg rect').length")
    assert bars >= 2 * len(book.failures())
    assert browser.evaluate("document.querySelector('svg title').textContent") == (
        "Checks the class failed most"
    )
