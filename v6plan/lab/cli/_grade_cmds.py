"""``v6lab`` commands that grade the running lab: ``check``, ``hint`` and ``answer`` (and the
report ``check --report`` writes to hand in). Standard library only at import."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..checks._context import CheckResult
    from ..model._i18n import Messages
    from ..model._labfile import LabRun
    from ..runtime._session import Session

from ...cli import print_json
from ._common import Commands, lab_messages, lab_run, live
from ._output import Out

__all__ = ["register"]


# -- check / hint -----------------------------------------------------------------------------
def _run_checks(
    args: argparse.Namespace, only: str | None = None
) -> tuple[LabRun, Messages, list[CheckResult], Session]:
    from .._errors import LabError
    from ..checks._job import CHECK_JOB, result_from_json
    from ..model._yaml import closest

    with live(args) as (session, run, backend):
        messages = lab_messages(args, run)
        if only is not None:
            ids = [s.id for s in run.checks()]
            if only not in ids:
                hint = closest(only, ids)
                raise LabError(
                    f"no check {only!r} in this lab{' — ' + hint if hint else ''} (checks: {', '.join(ids)})"
                )
        info = session.info  # the checks run where the topology lives (sim: its process)
        job: dict[str, object] = {"lab": info.lab, "variant": info.variant_name}
        job.update(prefix=info.prefix, lang=messages.lang, timeout=args.timeout, only=only)
        found = backend.run_job(CHECK_JOB, job)
        results = [result_from_json(r) for r in found] if isinstance(found, list) else []
    return run, messages, results, session


def run_check(args: argparse.Namespace) -> int:
    run, messages, results, session = _run_checks(args)
    total = sum(r.points for r in results)
    score = sum(r.score for r in results)
    passed = sum(1 for r in results if r.passed)
    report = {
        "lab": run.lab.name,
        "backend": session.info.backend,
        "session": session.info.tag,
        "variant": session.info.variant_name,
        "plan": str(run.addressing.plan.prefix),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "score": score,
        "total": total,
        "passed": passed,
        "count": len(results),
        "checks": [r.as_json() for r in results],
    }
    if args.report:
        from ..instructor._grading import report_to_hand_in  # signed, for `v6lab grade`

        wanted = Path(args.report)
        target, better = _report_target(wanted, run.lab.name, score)
        _write_report(target, report_to_hand_in(report, session, run, target))
        from ._output import err

        if better is not None:
            err(
                f"v6lab: {wanted} holds a better result of this lab ({better}/{total}): it is "
                f"kept, and this one ({score}/{total}) was written to {target} — hand in both; "
                "your instructor's grade takes the latest or the best"
            )
        else:
            err(f"v6lab: report written to {target} ({score}/{total} points)")
    url = args.submit or os.environ.get("V6LAB_CLASSROOM_URL", "")
    if url:  # the classroom: queued, then sent (exactly once, even across an outage)
        from ..instructor._grading import report_to_hand_in
        from ._classroom import submit

        signed = report_to_hand_in(
            report, session, run, Path("submitted.json"), warn=lambda t: None
        )
        submit(url, signed, session.info.variant)
    if args.json:
        print_json(report)
    else:
        out = Out(args.plain)
        width = max((len(r.id) for r in results), default=0)
        for r in results:
            out.print(
                f"{out.mark(r.passed, messages)}  {r.id:<{width}}  {r.message}  ({r.score}/{r.points})"
            )
            if not r.passed and r.hint and args.hints:
                out.print(f"{'':>{width + 9}}{messages.text('ui.hint-label')}: {r.hint}")
        out.print()
        out.print(
            messages.text("ui.score", score=score, total=total, passed=passed, count=len(results))
        )
        failing = [r for r in results if not r.passed]
        if not failing:
            out.print(messages.text("ui.all-passed"))
        elif not args.hints:
            out.print(messages.text("ui.next-hint", id=failing[0].id))
    return 0 if passed == len(results) else 1


def _report_target(path: Path, lab: str, score: int) -> tuple[Path, int | None]:
    """Where a report goes: ``path``, unless it holds a better result of the same lab —
    then the first free ``STEM-N.SUFFIX`` beside it (and that better score), so that a
    later, worse check never silently replaces a hand-in."""
    from ..._io import ReadError, parse_json, read_input
    from ..._limits import RESULT_BYTES

    if not path.is_file() or path.suffix.lower() == ".csv":
        return path, None
    try:
        old = parse_json(
            read_input(path, what="report", limit=RESULT_BYTES, record=False), str(path), "report"
        )
    except ReadError:
        return path, None  # not a report of ours: replaced, as before
    kept = old.get("score") if isinstance(old, dict) else None
    if (
        not isinstance(kept, int)
        or isinstance(kept, bool)
        or old.get("lab") != lab
        or kept <= score
    ):
        return path, None
    for n in range(2, 10_000):
        other = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not other.exists():
            return other, kept
    from .._errors import LabError

    raise LabError(f"{path.parent} holds 10,000 reports of {path.stem}: give another --report name")


def _write_report(path: Path, report: dict[str, Any]) -> None:
    import csv
    import io

    from ..._io import write_atomic

    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["lab", "session", "variant", "check", "passed", "points", "score", "code", "message"]
        )
        for c in report["checks"]:
            writer.writerow(
                [
                    report["lab"],
                    report["session"],
                    report["variant"],
                    c["id"],
                    c["passed"],
                    c["points"],
                    c["score"],
                    c["code"],
                    c["message"],
                ]
            )
        write_atomic(path, buffer.getvalue())
    else:
        write_atomic(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def run_hint(args: argparse.Namespace) -> int:
    _, messages, results, _ = _run_checks(args, args.check)
    out = Out(args.plain)
    failing = [r for r in results if not r.passed]
    if not failing:
        only = f" ({args.check})" if args.check else ""
        out.print(f"{out.mark(True, messages)}  {messages.text('ui.all-passed')}{only}")
        return 0
    r = failing[0]
    out.print(f"{out.mark(False, messages)}  {r.id}: {r.message}")
    out.print(f"{messages.text('ui.hint-label')}: {r.hint or messages.text('ui.no-hint', id=r.id)}")
    if len(failing) > 1:
        out.print(
            messages.text(
                "ui.more-failing",
                count=len(failing) - 1,
                ids=", ".join(f.id for f in failing[1:]),
            )
        )
    return 0


# -- answer ------------------------------------------------------------------------------------
def run_answer(args: argparse.Namespace) -> int:
    """List the questions, show one, or record an answer and grade it at once."""
    from .._errors import LabError
    from ..checks._context import Context
    from ..checks._quiz import answer_records, read_file_answer, record_answer, refusal
    from ..checks._registry import run_checks
    from ..model._yaml import closest
    from ..runtime._session import Session

    session = Session.current()
    run = lab_run(session)
    messages = lab_messages(args, run)
    out = Out(args.plain)
    questions = run.lab.questions()
    records = answer_records(session.dir)
    if args.question is None:
        rows = [
            {
                "id": q.id,
                "kind": q.kind,
                "question": run.question(q.id, messages),
                "answered": q.id in records,
                "answer": (records[q.id].get("file") or records[q.id].get("value"))
                if q.id in records
                else None,
            }
            for q in questions.values()
        ]
        if args.json:
            print_json({"lab": run.lab.name, "questions": rows})
        elif not rows:
            out.print(messages.text("ui.no-questions"))
        for row in rows if not args.json else []:
            state = messages.text("ui.answered" if row["answered"] else "ui.unanswered")
            kind = messages.text(f"words.kind.{row['kind']}")
            out.print(f"{row['id']}  ({kind}) — {state}")
            if row["question"]:
                out.print(f"    {row['question']}")
            if row["answered"]:
                out.print(f"    {out.arrow()} {row['answer']}")
        return 0
    if args.question not in questions:
        ids = list(questions)
        hint = closest(args.question, ids)
        raise LabError(
            f"no question {args.question!r} in this lab{' — ' + hint if hint else ''} "
            f"(questions: {', '.join(ids) or 'none'}; see `v6lab answer`)"
        )
    question = questions[args.question]
    if args.value is None:
        out.print(run.question(question.id, messages) or question.id)
        out.print(messages.text("ui.answer-how", id=question.id))
        return 0
    value, file = args.value, ""
    if question.kind == "file":
        value, file = read_file_answer(args.value), str(Path(args.value).resolve())
    else:  # an answer that cannot be read is refused: the earlier one stays
        refused = refusal(question.id, question.kind, value, records.get(question.id), messages)
        if refused is not None:
            raise LabError(refused)
    with session.locked():
        record_answer(session.dir, question.id, value, file)
    answers = {q: str(r.get("value", "")) for q, r in answer_records(session.dir).items()}
    specs = [s for s in run.checks() if s.args.get("question") == question.id]
    results = run_checks(
        Context.for_answers(run.addressing, answers), specs, messages, variables=run.variables
    )
    shown = file or value
    out.print(messages.text("ui.answer-recorded", id=question.id, answer=shown))
    width = max((len(r.id) for r in results), default=0)
    for r in results:
        out.print(f"{out.mark(r.passed, messages)}  {r.id:<{width}}  {r.message}")
    return 0 if all(r.passed for r in results) else 1


# -- the sub-commands -------------------------------------------------------------------------
def _check_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable result")
    p.add_argument("--report", metavar="FILE", help="also write the result to FILE (.json or .csv)")
    p.add_argument(
        "--submit",
        metavar="URL",
        help="also send the signed result to the classroom server (or set V6LAB_CLASSROOM_URL)",
    )
    p.add_argument("--hints", action="store_true", help="show the hint under every failing check")
    p.add_argument(
        "--timeout", type=float, default=1.0, help="seconds to wait for probe answers (default 1)"
    )


def _hint_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("check", nargs="?", help="check id (see `v6lab check`)")
    p.add_argument("--timeout", type=float, default=1.0, help=argparse.SUPPRESS)


def _answer_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("question", nargs="?", help="question id (see `v6lab answer`)")
    p.add_argument("value", nargs="?", help="your answer; for a file question, the file's path")
    p.add_argument("--json", action="store_true", help="machine-readable list of the questions")


def register(commands: Commands) -> None:
    """Declare ``check``, ``hint`` and ``answer``."""
    commands.add(
        "check",
        "grade the lab: each check ✓ or ✗ with what was found (exit 1 if any fails)",
        "  v6lab check\n  v6lab check --hints\n  v6lab check --json\n  v6lab check --report result.json      (or .csv) to hand in\n"
        "  v6lab check --submit http://HOST:8642   send it to the classroom (queued while away)",
        run_check,
        _check_options,
    )
    commands.add(
        "hint",
        "a hint for the first failing check, or for one check",
        "  v6lab hint\n  v6lab hint h1-reaches-h2",
        run_hint,
        _hint_options,
    )
    commands.add(
        "answer",
        "answer a question of the lab (quiz values, or a file such as a plan spec or a zone)",
        "  v6lab answer                                   the questions and your answers\n"
        "  v6lab answer expand-r1                         one question\n"
        "  v6lab answer expand-r1 2001:0db8:0042:0002:0000:0000:0000:0001\n"
        "  v6lab answer plan ministry.yaml                hand in a file (its content is kept)",
        run_answer,
        _answer_options,
    )
