"""Documents for people: the trainee's handout, the instructor's answer keys and class sheet.

A handout holds only what a trainee may see: their values (prefix, variant file), how to
start, the task as the lab's catalogue words it, the list of graded checks with their
points, and how to hand in. It never holds the reference solution, the planned addresses,
the check arguments or the hints — those go into the answer key, which ``v6lab variants``
writes into the instructor's directory only.

Every HTML page is self-contained (inline CSS, no script, no font or image from the
network), prints on A4, and is right-to-left for Arabic (and other RTL languages), with
commands and addresses kept left-to-right inside it. Handout words come from the message
catalogues in ``handout_messages/<lang>.yaml`` (English complete; French and Arabic).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model._checkspec import CheckSpec
    from ..model._i18n import Messages
    from ..model._labfile import LabRun
    from ._variants import ClassPlan, TraineeVariant

__all__ = [
    "HANDOUT_MESSAGES",
    "answer_key_md",
    "answer_keys_html",
    "class_sheet_csv",
    "class_sheet_html",
    "expected_text",
    "handout",
    "page",
]

from ._html import csv_text, direction, esc, html_table, ltr_spans, md_table, page

HANDOUT_MESSAGES = Path(__file__).resolve().parent / "handout_messages"


def handout_messages(lang: str, lab_dir: Path | None = None) -> Messages:
    """The handout's words over the engine's and the lab's catalogues."""
    from ..model._i18n import Messages

    dirs: tuple[Path, ...] = (HANDOUT_MESSAGES,)
    if lab_dir is not None:
        dirs = (*dirs, lab_dir / "messages")
    return Messages(lang, dirs)


# -- the trainee's handout ---------------------------------------------------------------------
def _links(run: LabRun) -> list[str]:
    """The topology's links, one line each (``node iface — node iface``; a segment
    ``name: node iface, node iface, …``)."""
    topo = run.addressing.topology
    return [
        f"{link.name}: " + ", ".join(f"{e.node} {e.iface}" for e in link.ends)
        if link.kind == "segment"
        else " — ".join(f"{e.node} {e.iface}" for e in link.ends)
        for link in topo.links
    ]


@dataclass(frozen=True)
class _Sheet:
    """What one trainee's handout says, worked out once and then written twice (Markdown
    and HTML), so the two never disagree."""

    lang: str
    rtl: bool
    title: str
    meta: str
    trainee_id: str
    prefix: str
    variant_file: str
    start: str
    task: str
    asked: list[tuple[str, str]]
    nodes: str
    links: list[str]
    checks: list[tuple[str, int]]
    total: str
    hand_in: str


def handout(v: TraineeVariant) -> tuple[str, str]:
    """The trainee's handout for one lab: (Markdown, HTML). No answers in it."""
    m = handout_messages(v.lang, v.run.lab.directory)
    sheet = _sheet(v, m)
    html_page = page(f"{sheet.title} — {v.trainee.name}", _handout_html(sheet, m), v.lang)
    return _handout_md(sheet, m), html_page


def _sheet(v: TraineeVariant, m: Messages) -> _Sheet:
    """The handout's facts in the trainee's language: only what a trainee may see."""
    run = v.run
    lab = run.lab
    t = v.trainee
    level = ""
    if lab.level or lab.minutes:
        level = m.text(
            "handout.level",
            level=m.text(f"handout.levels.{lab.level}") if lab.level else "",
            minutes=lab.minutes,
        )
    specs = run.checks()
    checks = [(c.id, c.points) for c in specs]
    nodes = [
        f"{name} ({m.text('handout.kind.' + node.kind)})"
        for name, node in run.addressing.topology.nodes.items()
    ]
    meta = " · ".join(
        x
        for x in (  # the lab id as code: it stays left-to-right inside Arabic text
            m.text("handout.for", name=t.name),
            m.text("handout.lab", lab=f"`{lab.name}`"),
            level,
        )
        if x
    )
    variant_file = f"{lab.name}.variant.yaml"
    return _Sheet(
        lang=v.lang,
        rtl=direction(v.lang) == "rtl",
        title=lab.title(m),
        meta=meta,
        trainee_id=t.id,
        prefix=v.prefix_text,
        variant_file=variant_file,
        start=f"v6lab start {lab.name} --variant {variant_file}",
        task=run.task(m).rstrip(),
        asked=questions(run, m),
        nodes=m.text("handout.comma").join(nodes),
        links=_links(run),
        checks=checks,
        total=m.text("handout.total", total=sum(c.points for c in specs), count=len(checks)),
        hand_in=f"v6lab check --report {t.id}-{lab.name}.json",
    )


def _handout_md(s: _Sheet, m: Messages) -> str:
    """The handout in Markdown (right to left inside a ``<div dir="rtl">`` for Arabic)."""
    md: list[str] = []
    if s.rtl:
        md.append(f'<div dir="rtl" lang="{s.lang}">\n')
    md.append(f"# {s.title}\n")
    md.append(f"{s.meta}\n")
    md.append(f"## {m.text('handout.your-values')}\n")
    md.append(f"- {m.text('handout.your-prefix')}: `{s.prefix}`")
    md.append(f"- {m.text('handout.variant-file')}: `{s.variant_file}`")
    md.append(f"- {m.text('handout.your-id')}: `{s.trainee_id}`\n")
    md.append(f"## {m.text('handout.start')}\n")
    md.append(f"{m.text('handout.start-text')}\n")
    md.append(f"```\n{s.start}\nv6lab task\n```\n")
    md.append(f"## {m.text('handout.task')}\n")
    md.append(f"```text\n{s.task}\n```\n")
    if s.asked:
        md.append(f"## {m.text('handout.questions')}\n")
        md.append(m.text("handout.questions-text") + "\n")
        md.extend(f"- `{qid}` — {text}" for qid, text in s.asked)
        md.append("")
    md.append(f"## {m.text('handout.topology')}\n")
    md.append(m.text("handout.nodes") + ": " + s.nodes + "\n")
    md.extend(f"- `{line}`" for line in s.links)
    md.append("")
    md.append(f"## {m.text('handout.graded')}\n")
    md.append(md_table([m.text("handout.check"), m.text("handout.points")], s.checks))
    md.append(s.total + "\n")
    md.append(m.text("handout.check-often") + "\n")
    md.append(f"## {m.text('handout.hand-in')}\n")
    md.append(f"{m.text('handout.hand-in-text')}\n")
    md.append(f"```\n{s.hand_in}\n```\n")
    md.append(m.text("handout.hand-in-note") + "\n")
    md.append(m.text("handout.hand-in-live") + "\n")
    if s.rtl:
        md.append("</div>\n")
    return "\n".join(md)


def _handout_html(s: _Sheet, m: Messages) -> str:
    """The handout page's body: commands, ids and addresses kept left to right."""
    body: list[str] = [
        f'<header>\n<h1>{esc(s.title)}</h1>\n<p class="meta">{ltr_spans(s.meta)}</p>\n</header>\n',
        "<main>\n",
        f'<h2>{esc(m.text("handout.your-values"))}</h2>\n<div class="box">\n<dl>\n',
        f'<dt>{esc(m.text("handout.your-prefix"))}</dt><dd><code dir="ltr">{esc(s.prefix)}</code></dd>\n',
        f'<dt>{esc(m.text("handout.variant-file"))}</dt><dd><code dir="ltr">{esc(s.variant_file)}</code></dd>\n',
        f'<dt>{esc(m.text("handout.your-id"))}</dt><dd><code dir="ltr">{esc(s.trainee_id)}</code></dd>\n',
        "</dl>\n</div>\n",
        f"<h2>{esc(m.text('handout.start'))}</h2>\n<p>{ltr_spans(m.text('handout.start-text'))}</p>\n",
        f'<pre dir="ltr">{esc(s.start)}\nv6lab task</pre>\n',
        f"<h2>{esc(m.text('handout.task'))}</h2>\n",
        _task_html(s.task, s.rtl),
    ]
    if s.asked:
        body += [
            f"<h2>{esc(m.text('handout.questions'))}</h2>\n",
            f"<p>{ltr_spans(m.text('handout.questions-text'))}</p>\n<dl>\n",
            *[
                f'<dt><code dir="ltr">{esc(qid)}</code></dt><dd>{ltr_spans(text)}</dd>\n'
                for qid, text in s.asked
            ],
            "</dl>\n",
        ]
    body += [
        f"<h2>{esc(m.text('handout.topology'))}</h2>\n",
        f"<p>{esc(m.text('handout.nodes'))}: {ltr_spans(s.nodes)}</p>\n<ul>\n",
        *[f'<li><bdi class="ltr" dir="ltr">{esc(line)}</bdi></li>\n' for line in s.links],
        "</ul>\n",
        f"<h2>{esc(m.text('handout.graded'))}</h2>\n",
        html_table([m.text("handout.check"), m.text("handout.points")], s.checks, numeric=(1,)),
        f"<p>{esc(s.total)}</p>\n",
        f"<p>{ltr_spans(m.text('handout.check-often'))}</p>\n",
        f"<h2>{esc(m.text('handout.hand-in'))}</h2>\n<p>{ltr_spans(m.text('handout.hand-in-text'))}</p>\n",
        f'<pre dir="ltr">{esc(s.hand_in)}</pre>\n',
        f'<p class="note">{ltr_spans(m.text("handout.hand-in-note"))}</p>\n',
        f"<p>{ltr_spans(m.text('handout.hand-in-live'))}</p>\n",
        "</main>\n",
    ]
    return "".join(body)


#: box drawing: a paragraph of the task holding one is a network drawing
_DRAWING = frozenset("─━═│║╲╱┌┐└┘├┤┬┴┼")


def _task_html(task: str, rtl: bool) -> str:
    """The task as the catalogue words it. Left to right: a <pre> (its drawings line up).
    Right to left: one right-to-left line per line, in the text font (Arabic script in a
    monospace font falls apart), commands and addresses isolated left to right; but a
    drawing of the network stays left to right in the monospace font, or its lines no
    longer line up and its labels (LAN 1 under h1) swap sides."""
    if not rtl:
        return f'<pre class="task" dir="ltr">{ltr_spans(task)}</pre>\n'
    out: list[str] = []
    paragraph: list[str] = []
    for line in [*task.split("\n"), ""]:
        if line.strip():
            paragraph.append(line)
            continue
        if any(_DRAWING & set(row) for row in paragraph):
            out.append(f'<div class="mono" dir="ltr">{esc(chr(10).join(paragraph))}</div>')
        else:
            out.extend(f'<div dir="rtl">{ltr_spans(row)}</div>' for row in paragraph)
        out.append(f'<div dir="rtl">{esc(line)}</div>')
        paragraph = []
    lines = "".join(out[:-1])  # the last blank line is the loop's own
    return f'<div class="task" dir="rtl">{lines}</div>\n'


# -- expected values (the answer key) ----------------------------------------------------------------
def _catalogue_expected(run: LabRun, spec: CheckSpec) -> str | None:
    """The check type's own answer (``_keys.expected``), when the engine has it."""
    try:
        from ..checks._keys import expected
    except ImportError:  # an engine without answer keys: derive them below
        return None
    value = expected(spec, run)  # type: ignore[arg-type]
    return None if value is None else str(value)


def expected_text(run: LabRun, spec: CheckSpec) -> str:
    """What a passing check finds, with this run's values: the network checks say where
    (node, interface) around the engine's expected value; the others give that value."""
    found = _catalogue_expected(run, spec)
    described = _describe(spec)
    if found and described is not None and found not in described:
        return f"{described} ({found})"
    if described is not None:
        return described
    return found or ", ".join(f"{k}={v}" for k, v in sorted(spec.args.items()))


def _describe(spec: CheckSpec) -> str | None:
    """Where a network check looks and what it wants, in words (None: a type not
    described here; the engine's expected value or the check's arguments stand in)."""
    a = spec.args
    t = spec.type
    if t == "address":
        return f"{a.get('address')} on {a.get('node')} {a.get('iface')}"
    if t == "reachable":
        via = f" (iface {a['iface']})" if a.get("iface") else ""
        hop = f", hop limit {a['hop_limit']}" if a.get("hop_limit") else ""
        return f"{a.get('from')} gets an echo reply from {a.get('to')}{via}{hop}"
    if t == "unreachable":
        return f"{a.get('from')} gets no echo reply from {a.get('to')}"
    if t == "ndp":
        return f"{a.get('node')} {a.get('iface')}: Neighbor Advertisement for {a.get('target')}"
    if t == "ra":
        flags = ", ".join(f"{k}={a[k]}" for k in ("managed", "other", "autonomous") if k in a)
        return f"RA on {a.get('node')} {a.get('iface')} with {a.get('prefix')}" + (
            f" ({flags})" if flags else ""
        )
    if t == "slaac":
        return f"{a.get('node')} {a.get('iface')}: an address in {a.get('prefix')} formed by SLAAC"
    if t == "route":
        parts = [f"{a.get('node')}: route to {a.get('to')}"]
        if a.get("via"):
            parts.append(f"via {a['via']}")
        if a.get("dev"):
            parts.append(f"dev {a['dev']}")
        return " ".join(parts)
    if t == "no-dadfailed":
        return "no address dadfailed on " + (a.get("node") or a.get("nodes") or "any node")
    if t == "hops":
        return f"{a.get('from')} → {a.get('to')}: {a.get('hops')} hops"
    if t == "plan":
        return (
            "every global address of " + (a.get("nodes") or "every node") + " inside its plan block"
        )
    if t == "command":
        how = "does not match" if a.get("expect") == "no-match" else "matches"
        return f"`{a.get('run')}` on {a.get('node')} {how} /{a.get('match')}/"
    return None


def solution_answers(run: LabRun, solution: Any) -> list[tuple[str, str]]:
    """A solution's answers to the lab's questions (quiz labs), with this run's values;
    a file answer (a plan spec, a zone) shows its first line."""
    answers = getattr(run, "answers", None)
    if not callable(answers):
        return []
    return [
        (
            qid,
            value.strip().splitlines()[0] + (" …" if "\n" in value.strip() else "")
            if value.strip()
            else "",
        )
        for qid, value in answers(solution).items()
    ]


def questions(run: LabRun, messages: Messages) -> list[tuple[str, str]]:
    """(question id, its text in the trainee's language) for labs with questions."""
    lab_questions = getattr(run.lab, "questions", None)
    ask = getattr(run, "question", None)
    if not callable(lab_questions) or not callable(ask):
        return []
    return [(qid, str(ask(qid, messages) or "")) for qid in lab_questions()]


def solution_lines(run: LabRun, solution: Any) -> list[tuple[str, str]]:
    """A solution's commands with this run's values, as (node, shell line)."""
    import shlex

    return [(node, shlex.join(argv)) for node, argv in run.commands(solution)]


# -- the instructor's answer keys ---------------------------------------------------------------------
#: the answer key's tables, alike in Markdown and HTML: (headers, rows of one run)
_EXPECTED_HEADERS = ["check", "type", "points", "a pass finds"]
_ADDRESS_HEADERS = ["node", "interface", "address", "plan block"]


def _expected_rows(run: LabRun) -> list[tuple[str, str, int, str]]:
    """What each check finds when it passes, with this run's values."""
    return [(c.id, c.type, c.points, expected_text(run, c)) for c in run.checks()]


def _address_rows(run: LabRun) -> list[tuple[str, str, str, str]]:
    """Every planned address of this run, with the plan block it comes from."""
    return [(a.node, a.iface, a.cidr, a.path) for a in run.addressing.assignments]


def answer_key_md(v: TraineeVariant) -> str:
    """One trainee's answer key in Markdown: the reference solution and answers with
    their values, what each check finds, the planned addresses, the classic mistakes."""
    run = v.run
    lab = run.lab
    m = lab.messages("en")
    t = v.trainee
    out = [
        f"# Answer key: {lab.title(m)} — {t.name} (`{t.id}`)\n",
        "**Instructor only — do not hand out.**\n",
        f"lab `{lab.name}` · prefix `{v.prefix_text}` · seed {v.seed} · handout in {v.lang}\n",
        "## Reference solution\n",
    ]
    lines = solution_lines(run, lab.solution)
    if lines:
        out.append(
            "With this trainee's values, in order (`v6lab solve` applies it to a running lab):\n"
        )
        out += ["```", *[f"{node}$ {line}" for node, line in lines], "```\n"]
    else:
        out.append("No commands: the lab is answered with `v6lab answer` (below).\n")
    if lab.setup.configure:
        out.append(f"The lab configures {', '.join(lab.setup.configure)} itself at start.\n")
    answers = solution_answers(run, lab.solution)
    if answers:
        out.append("## Answers to the questions (`v6lab answer`)\n")
        out.append(md_table(["question", "answer"], answers))
    out.append("## Expected check results\n")
    out.append(md_table(_EXPECTED_HEADERS, _expected_rows(run)))
    out.append("## Planned addresses (`v6lab task --values`)\n")
    out.append(md_table(_ADDRESS_HEADERS, _address_rows(run)))
    if lab.broken:
        out.append("## Known-bad solutions (the classic mistakes)\n")
        for bad in lab.broken:
            what = m.get(f"broken.{bad.id}") or ""
            out.append(f"### {bad.id}{' — ' + what if what else ''}\n")
            out.append("```")
            out.extend(f"{node}$ {line}" for node, line in solution_lines(run, bad))
            out.append("```\n")
            out.append(
                "fails with: "
                + ", ".join(f"{cid} → {code}" for cid, code in bad.expect.items())
                + "\n"
            )
    return "\n".join(out)


def answer_keys_html(variants: Sequence[TraineeVariant]) -> str:
    """Every trainee's answer key for one lab, one printed page each."""
    sections: list[str] = []
    lab_title = ""
    for i, v in enumerate(variants):
        run = v.run
        lab = run.lab
        m = lab.messages("en")
        lab_title = lab.title(m)
        t = v.trainee
        answers = solution_answers(run, lab.solution)
        body = [
            f'<section class="{"page" if i else ""}" id="{esc(t.id)}">\n',
            f"<h1>{esc(lab_title)} — {esc(t.name)}</h1>\n",
            f'<p class="meta"><strong>Instructor only.</strong> <code>{esc(t.id)}</code> · '
            f'prefix <code dir="ltr">{esc(v.prefix_text)}</code> · seed {v.seed}</p>\n',
            "<h2>Reference solution</h2>\n",
            '<pre dir="ltr">'
            + esc("\n".join(f"{n}$ {line}" for n, line in solution_lines(run, lab.solution)))
            + "</pre>\n",
            *(
                ["<h2>Answers to the questions</h2>\n", html_table(["question", "answer"], answers)]
                if answers
                else []
            ),
            "<h2>Expected check results</h2>\n",
            html_table(_EXPECTED_HEADERS, _expected_rows(run), numeric=(2,)),
            "<h2>Planned addresses</h2>\n",
            html_table(_ADDRESS_HEADERS, _address_rows(run)),
            "</section>\n",
        ]
        sections.append("".join(body))
    index = "".join(
        f'<li><a href="#{esc(v.trainee.id)}">{esc(v.trainee.name)}</a> '
        f'<code dir="ltr">{esc(v.prefix_text)}</code></li>\n'
        for v in variants
    )
    lab_name = variants[0].lab if variants else ""
    head = (
        f"<h1>Answer keys: {esc(lab_title)}</h1>\n"
        f'<p class="meta"><strong>Instructor only — do not hand out.</strong> '
        f"lab <code>{esc(lab_name)}</code>, {len(variants)} trainees.</p>\n<ol>\n{index}</ol>\n"
    )
    return page(
        f"Answer keys — {lab_name}", head + '<div class="page"></div>\n' + "".join(sections)
    )


# -- the class sheet ------------------------------------------------------------------------------
def class_sheet_csv(plan: ClassPlan) -> str:
    """The class sheet as a spreadsheet: one row per trainee and lab, with where their
    files are, and the roster's own extra columns last."""
    extra_names: list[str] = []
    for t in plan.trainees:
        for name, _ in t.extra:
            if name not in extra_names:
                extra_names.append(name)
    header = [
        "id",
        "name",
        "lang",
        "email",
        "group",
        "lab",
        "prefix",
        "seed",
        "handout_lang",
        "variant_file",
        "handout",
        "answer_key",
        *extra_names,
    ]
    rows: list[list[object]] = []
    for t in plan.trainees:
        extra = dict(t.extra)
        for lab in plan.labs:
            v = plan.variants[(t.id, lab.name)]
            rows.append(
                [
                    t.id,
                    t.name,
                    t.lang,
                    t.email,
                    t.group,
                    lab.name,
                    v.prefix_text,
                    v.seed,
                    v.lang,
                    f"trainees/{t.id}/{lab.name}.variant.yaml",
                    f"trainees/{t.id}/{lab.name}.handout.html",
                    f"instructor/answers/{lab.name}/{t.id}.md",
                    *[extra.get(n, "") for n in extra_names],
                ]
            )
    return csv_text(header, rows)


def class_sheet_html(plan: ClassPlan) -> str:
    """The class sheet to print: each trainee's prefix per lab (no answers)."""
    from ..._prefix import format_prefix

    labs = plan.labs
    headers = ["#", "id", "name", "group", "lang", *[f"{lab.name}" for lab in labs]]
    rows = []
    for i, t in enumerate(plan.trainees, 1):
        rows.append(
            [
                i,
                t.id,
                t.name,
                t.group,
                t.lang or "en",
                *[plan.variants[(t.id, lab.name)].prefix_text for lab in labs],
            ]
        )
    body = (
        "<h1>Class sheet</h1>\n"
        f'<p class="meta">{len(plan.trainees)} trainees · labs: '
        + ", ".join(f"<code>{esc(lab.name)}</code>" for lab in labs)
        + f' · seed <code>{esc(plan.seed)}</code> · pool <code dir="ltr">'
        f"{esc(format_prefix(*plan.pool))}</code> · class <code>{esc(plan.class_id)}</code></p>\n"
        '<p class="note">Each trainee\'s prefix per lab. Prefixes are not answers: the class '
        "may see this sheet. The answer keys are in <code>instructor/answers/</code>.</p>\n"
        + html_table(headers, rows, numeric=(0,))
    )
    if plan.notes:
        body += (
            "<h2>Notes</h2>\n<ul>\n"
            + "".join(f"<li>{esc(n)}</li>\n" for n in plan.notes)
            + "</ul>\n"
        )
    return page("Class sheet", body)
