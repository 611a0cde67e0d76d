"""``v6lab``: the trainee's command — start a lab, read the task, configure nodes, check.

Start-up matters: this module imports only the standard library at import time; the
lab engine (and Scapy, through a backend) is imported inside the command that needs it,
so ``v6lab --help`` stays fast and never imports Scapy.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..checks._context import CheckResult
    from ..model._i18n import Messages
    from ..model._labfile import LabRun
    from ..runtime._backend import Backend
    from ..runtime._session import Session

from ...cli import HelpFormatter, add_command, print_json
from ._output import Out, err, progress_lines

__all__ = ["main"]

EPILOG = """\
a first session (the simulator needs no root):
  v6lab list                                   the labs you can start
  v6lab start 04-lan-addressing                bring up its topology
  v6lab task                                   what to do, with your addresses
  v6lab exec h1 -- ip -6 addr show dev eth0    run a command on a node
  v6lab exec h1 -- ping -6 -c 2 2001:db8:42:2::10
  v6lab answer count-64 65536                  answer a question (quiz labs)
  v6lab check                                  grade it: ✓ or ✗ with a reason per check
  v6lab hint                                   a hint for the first failing check
  v6lab capture r1 eth0 -o r1.pcap             the packets, for Wireshark
  v6lab stop                                   tear it down

on the real Linux kernel (root):
  sudo v6lab start 06-p2p-loopbacks --backend netns
  sudo v6lab shell r1                          a shell inside r1 (ip, ping, tcpdump)

exit codes: 0 ok · 1 a check failed or a backend error · 2 bad input or usage
"""


# -- shared plumbing -------------------------------------------------------------------------------
def _messages(args: argparse.Namespace, run: LabRun | None = None) -> Messages:
    from ..model._i18n import Messages, language

    lang = language(getattr(args, "lang", None))
    if run is not None:
        return run.lab.messages(lang)
    return Messages(lang)


def _lab_run(session: Session) -> LabRun:
    from ..model._labfile import Variant, load_lab

    lab = load_lab(session.info.lab)
    variant = Variant(name=session.info.variant_name, prefix=session.info.prefix_tuple)
    return lab.instantiate(variant)


def _require_ready(session: Session) -> None:
    if not session.info.ready:
        from .._errors import LabError

        raise LabError(
            f"the lab {Path(session.info.lab).name} did not finish starting; "
            "run `v6lab stop` (or `v6lab cleanup`) and start it again"
        )


@contextmanager
def _live(args: argparse.Namespace) -> Iterator[tuple[Session, LabRun, Backend]]:
    """The running lab: session, its values, and the live backend (the session process's
    stand-in, or attached here under the session lock)."""
    from ..runtime._session import Session

    session = Session.current()
    run = _lab_run(session)
    _require_ready(session)
    with session.opened(run.topology_spec) as backend:
        yield session, run, backend


def _check_node(run: LabRun, node: str, iface: str | None = None) -> None:
    from .._errors import LabError
    from ..model._yaml import closest

    nodes = list(run.addressing.topology.nodes)
    if node not in nodes:
        hint = closest(node, nodes)
        raise LabError(
            f"no node {node!r} in this lab{' — ' + hint if hint else ''} (nodes: {', '.join(nodes)})"
        )
    if iface is not None:
        names = [*run.addressing.topology.interfaces(node), "lo"]
        if iface not in names:
            hint = closest(iface, names)
            raise LabError(
                f"{node} has no interface {iface!r}{' — ' + hint if hint else ''} "
                f"(interfaces: {', '.join(names)})"
            )


# -- list -------------------------------------------------------------------------------------
def run_list(args: argparse.Namespace) -> int:
    from ..._errors import SpecError
    from ..model._labfile import list_labs, load_lab
    from ..runtime._session import Session

    try:
        active = Session.current().info.lab
    except Exception:
        active = ""
    rows: list[dict[str, Any]] = []
    for directory in list_labs():
        row: dict[str, Any] = {"name": directory.name, "path": str(directory)}
        try:
            lab = load_lab(directory)
            messages = lab.messages(_messages(args).lang)
            row.update(
                title=lab.title(messages),
                summary=messages.get("summary") or "",
                level=lab.level,
                minutes=lab.minutes,
                topology=lab.topology.name,
                nodes=len(lab.topology.nodes),
                checks=len(lab.checks),
                known_bad=len(lab.broken),
                questions=len(lab.questions()),
                network=lab.uses_network,
                running=str(directory) == active,
            )
        except SpecError as exc:
            row["error"] = str(exc)
        rows.append(row)
    if args.json:
        print_json({"labs": rows})
        return 0
    out = Out(args.plain)
    if not rows:
        out.print("No labs found (set V6LAB_LABS to a directory of labs).")
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        if "error" in r:
            out.print(f"{r['name']:<{width}}  (broken: {r['error'].splitlines()[0]})")
            continue
        running = (
            "  ← running"
            if r["running"] and out.unicode
            else ("  (running)" if r["running"] else "")
        )
        meta = ", ".join(
            x
            for x in (
                r["level"],
                f"{r['minutes']} min" if r["minutes"] else "",
                f"{r['nodes']} nodes",
            )
            if x
        )
        out.print(f"{r['name']:<{width}}  {r['title']} ({meta}){running}")
        if r["summary"]:
            out.print(f"{'':<{width}}  {r['summary']}")
    out.print()
    out.print(_messages(args).text("ui.start-one"))
    return 0


# -- start ------------------------------------------------------------------------------------
def run_start(args: argparse.Namespace) -> int:
    from .._errors import LabError
    from ..model._labfile import Variant, load_lab, load_variant
    from ..runtime._backends import BACKENDS, backend_class, backend_problem
    from ..runtime._programs import refuse_missing
    from ..runtime._session import Session

    if args.backend not in BACKENDS:
        raise LabError(f"unknown backend {args.backend!r}; use sim or netns")
    problem = backend_problem(args.backend)
    if problem:
        raise LabError(problem)
    try:
        current = Session.current()
    except LabError:
        current = None
    if current is not None:
        if not args.replace:
            raise LabError(
                f"the lab {Path(current.info.lab).name} is already running (session "
                f"{current.info.tag}); stop it first with `v6lab stop`, or use --replace"
            )
        with current.locked():
            current.teardown()
        current.remove()
    lab = load_lab(args.lab)
    variant = load_variant(args.variant) if args.variant else Variant()
    run = lab.instantiate(variant)
    spec = run.topology_spec()
    refuse_missing(backend_class(args.backend).missing_programs(spec), f"{lab.name} runs")
    messages = _messages(args, run)
    session = Session.create(
        lab.directory,
        args.backend,
        prefix=variant.prefix,
        variant=str(Path(args.variant).resolve()) if args.variant else "",
        variant_name=variant.name,
    )
    started = time.monotonic()
    err(
        f"starting {lab.name} on {args.backend}: {len(spec.nodes)} nodes, {len(spec.links)} links "
        f"(session {session.info.tag})"
    )
    try:
        with session.locked():
            session.start(spec, progress=progress_lines())
    except BaseException:
        session.remove()
        raise
    session.serve()  # the simulator's session process: the first command finds it running
    out = Out(args.plain)
    out.print(
        messages.text(
            "ui.ready",
            title=lab.title(messages),
            seconds=f"{time.monotonic() - started:.1f}",
            backend=args.backend,
            nodes=", ".join(n.name for n in spec.nodes),
        )
    )
    if variant.name:
        out.print(messages.text("ui.variant", name=variant.name, prefix=run.addressing.plan.prefix))
    out.print(messages.text("ui.next-task"))
    return 0


# -- status -----------------------------------------------------------------------------------
def run_status(args: argparse.Namespace) -> int:
    from ..._prefix import format_address

    with _live(args) as (session, run, backend):
        nodes: list[dict[str, Any]] = []
        for name, tnode in run.addressing.topology.nodes.items():
            addresses = backend.addresses(name)
            nodes.append(
                {
                    "name": name,
                    "kind": tnode.kind,
                    "interfaces": [
                        {
                            "name": i.name,
                            "mac": i.mac,
                            "up": i.up,
                            "addresses": [
                                {
                                    "address": format_address(a.address),
                                    "length": a.length,
                                    "scope": a.scope,
                                    "flags": sorted(a.flags),
                                }
                                for a in addresses
                                if a.ifname == i.name
                            ],
                        }
                        for i in backend.interfaces(name)
                    ],
                }
            )
        info = session.info
        data: dict[str, Any] = {
            "lab": Path(info.lab).name,
            "backend": info.backend,
            "session": info.tag,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(info.started)),
            "uptime_s": round(time.time() - info.started, 1),
            "variant": info.variant_name,
            "plan": str(run.addressing.plan.prefix),
            "commands": len(session.journal()),
            "nodes": nodes,
        }
    if args.json:
        print_json(data)
        return 0
    out = Out(args.plain)
    out.print(
        f"lab {data['lab']} on {data['backend']} (session {data['session']}), up "
        f"{_duration(float(data['uptime_s']))}, {data['commands']} commands run; plan {data['plan']}"
    )
    for node in nodes:
        out.print(f"{node['name']} ({node['kind']})")
        for iface in node["interfaces"]:
            state = "up" if iface["up"] else "DOWN"
            addrs = ", ".join(
                f"{a['address']}/{a['length']}"
                + (
                    f" [{' '.join(a['flags'])}]"
                    if set(a["flags"]) & {"tentative", "dadfailed", "deprecated"}
                    else ""
                )
                for a in iface["addresses"]
            )
            out.print(f"  {iface['name']:<6} {state:<4} {iface['mac']}  {addrs or '(no address)'}")
    return 0


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# -- task ---------------------------------------------------------------------------------------
def run_task(args: argparse.Namespace) -> int:
    from ..runtime._session import Session

    session = Session.current()
    run = _lab_run(session)
    messages = _messages(args, run)
    out = Out(args.plain)
    title = run.lab.title(messages)
    out.print(title)
    out.print("=" * len(title))
    out.print()
    out.print(run.task(messages).rstrip())
    if args.values:
        out.print()
        out.print(messages.text("ui.your-values") + ":")
        for a in run.addressing.assignments:
            out.print(f"  {a.node:<6} {a.iface:<6} {a.cidr:<28} {a.path}")
    return 0


# -- exec / shell -------------------------------------------------------------------------------
def run_exec(args: argparse.Namespace) -> int:
    from .._errors import LabError

    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise LabError("give the command to run after the node: v6lab exec h1 -- ip -6 addr show")
    from ..runtime._session import Session

    session = Session.current()
    _require_ready(session)
    saved = session.saved_topology()  # the nodes, without loading the lab (fast path)
    if saved is None or args.node not in {n.name for n in saved.nodes}:
        _check_node(_lab_run(session), args.node)
    with session.opened(lambda: _lab_run(session).topology_spec()):
        result = session.exec(args.node, command, timeout=args.timeout)
    if result.stdout:
        sys.stdout.write(result.stdout if result.stdout.endswith("\n") else result.stdout + "\n")
    if result.stderr:
        sys.stderr.write(result.stderr if result.stderr.endswith("\n") else result.stderr + "\n")
    return result.returncode


def run_shell(args: argparse.Namespace) -> int:
    from ..runtime._session import Session

    session = Session.current()
    run = _lab_run(session)
    _check_node(run, args.node)
    argv = session.make_backend().shell_argv(args.node)  # the node's real shell, if any
    if argv is not None:
        env = dict(os.environ, PS1=f"[{args.node}] \\w# ", V6LAB_NODE=args.node)
        sys.stdout.flush()
        os.execvpe(argv[0], argv, env)
    return _sim_shell(args, session, run)


def _sim_shell(args: argparse.Namespace, session: Session, run: LabRun) -> int:
    """The simulator's prompt (:mod:`._shell`): each line runs on the node (journaled)."""
    from ._shell import ShellContext, run_shell_loop

    topology = run.topology_spec()
    seen = -1  # journal length after our last command; another terminal may add to it

    def execute(argv: list[str]) -> tuple[int, str, str]:
        nonlocal seen
        with session.locked():
            if session.backend is None or len(session.journal()) != seen:
                session.open(topology)
            result = session.exec(args.node, argv)
            seen = len(session.journal())
        return result.returncode, result.stdout, result.stderr

    ifaces = ["lo"] + [
        end[1] for link in topology.links for end in (link.a, link.b) if end[0] == args.node
    ]
    from ..runtime._backends import backend_class

    commands = backend_class(session.info.backend).prompt_commands()
    messages = _messages(args, run)
    listed = {"node": args.node, "commands": ", ".join(commands) or "…"}
    ctx = ShellContext(
        args.node,
        execute,
        commands=commands,
        nodes=[n.name for n in topology.nodes],
        interfaces=ifaces,
        welcome=messages.text("ui.shell-welcome", listed),
        help_text=messages.text("ui.shell-help", listed),
        history_file=session.dir / f"history-{args.node}",
    )
    return run_shell_loop(ctx)


# -- check / hint -----------------------------------------------------------------------------
def _run_checks(
    args: argparse.Namespace, only: str | None = None
) -> tuple[LabRun, Messages, list[CheckResult], Session]:
    from .._errors import LabError
    from ..checks._job import CHECK_JOB, result_from_json
    from ..model._yaml import closest

    with _live(args) as (session, run, backend):
        messages = _messages(args, run)
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

        _write_report(Path(args.report), report_to_hand_in(report, session, run, Path(args.report)))
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
    run = _lab_run(session)
    messages = _messages(args, run)
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


# -- capture ------------------------------------------------------------------------------------
def run_capture(args: argparse.Namespace) -> int:
    import tempfile

    target = Path(args.output)
    with _live(args) as (_, run, backend):
        _check_node(run, args.node, args.iface)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or "."
        )
        os.close(fd)
        try:
            if args.seconds:
                err(f"capturing on {args.node}:{args.iface} for {args.seconds:g} s …")
            count = backend.capture(
                args.node, args.iface, Path(tmp).resolve(), seconds=args.seconds
            )
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    Out(args.plain).print(
        _messages(args).text(
            "ui.captured", count=count, node=args.node, iface=args.iface, file=target
        )
    )
    return 0


# -- solve ----------------------------------------------------------------------------------------
def run_solve(args: argparse.Namespace) -> int:
    from .._errors import LabError
    from ..runtime._session import Session

    if args.list:
        session = Session.current()
        run = _lab_run(session)
        messages = _messages(args, run)
        out = Out(args.plain)
        out.print("0  reference solution")
        for i, bad in enumerate(run.lab.broken, 1):
            out.print(f"{i}  {bad.id}: {messages.get(f'broken.{bad.id}') or ''}")
        return 0
    with _live(args) as (session, run, _):
        if args.broken:
            if not 1 <= args.broken <= len(run.lab.broken):
                raise LabError(
                    f"this lab has {len(run.lab.broken)} known-bad solutions; use --broken 1 to {len(run.lab.broken)} (see --list)"
                )
            solution = run.lab.broken[args.broken - 1]
            what = f"known-bad solution {args.broken} ({solution.id})"
        else:
            solution = run.lab.solution
            what = "the reference solution"
        commands = run.commands(solution)
        answers = run.answers(solution)
        if answers:
            from ..checks._quiz import record_answer

            for qid, value in answers.items():
                record_answer(session.dir, qid, value)
            err(f"answered {len(answers)} questions: {', '.join(answers)}")
        err(f"applying {what}: {len(commands)} commands")
        failures = 0
        for node, argv in commands:
            result = session.exec(node, argv)
            line = f"  {node}: {' '.join(argv)}"
            if result.returncode != 0:
                failures += 1
                line += f"  → exit {result.returncode}: {(result.stderr or result.stdout).strip()}"
            err(line)
    Out(args.plain).print(
        f"applied {what}"
        + (f" ({failures} commands failed)" if failures else "")
        + "; now run `v6lab check`"
    )
    return 0


# -- verify ---------------------------------------------------------------------------------------
def run_verify(args: argparse.Namespace) -> int:
    from .._errors import LabError
    from ..checks._verify import verify_lab
    from ..model._labfile import list_labs, load_lab
    from ..runtime._backends import backend_class, backend_problem
    from ..runtime._programs import refuse_missing

    problem = backend_problem(args.backend)
    if problem:
        raise LabError(problem)
    names = args.labs or [d.name for d in list_labs()]
    out = Out(args.plain)
    messages = _messages(args)
    report: list[dict[str, Any]] = []
    bad = 0
    labs = [load_lab(name) for name in names]
    cls = backend_class(args.backend)  # every lab's programs, before the first one starts
    missing = [p for lab in labs for p in cls.missing_programs(lab.instantiate().topology_spec())]
    refuse_missing(missing, f"verifying {labs[0].name if len(labs) == 1 else 'these labs'} runs")
    for lab in labs:
        for verdict in verify_lab(
            lab, args.backend, progress=progress_lines() if not args.json else None
        ):
            bad += not verdict.ok
            report.append(
                {
                    "lab": lab.name,
                    "solution": verdict.solution,
                    "ok": verdict.ok,
                    "mismatches": [
                        {"check": c, "expected": e, "found": f} for c, e, f in verdict.mismatches
                    ],
                    "failed_commands": verdict.failed_commands,
                }
            )
            if not args.json:
                out.print(f"{out.mark(verdict.ok, messages)}  {lab.name}  {verdict.solution}")
                for check, expected, found in verdict.mismatches:
                    out.print(f"      {check}: expected {expected}, got {found}")
    if args.json:
        print_json({"backend": args.backend, "results": report})
    return 0 if not bad else 1


# -- stop / cleanup -------------------------------------------------------------------------------
def run_stop(args: argparse.Namespace) -> int:
    from ..runtime._session import Session

    session = Session.current()
    with session.locked():
        problems = session.teardown()
    session.remove()
    for problem in problems:
        err(f"v6lab: warning: {problem}")
    Out(args.plain).print(
        _messages(args).text(
            "ui.stopped", lab=Path(session.info.lab).name, session=session.info.tag
        )
    )
    return 0


def run_cleanup(args: argparse.Namespace) -> int:
    from ..runtime._session import Session, cleanup_leftovers, state_dir

    out = Out(args.plain)
    removed = 0
    for session in Session.all():
        problems = session.teardown()
        session.remove()
        removed += 1
        for problem in problems:
            err(f"v6lab: warning: {problem}")
        out.print(
            f"removed session {session.info.tag} ({Path(session.info.lab).name}, {session.info.backend})"
        )
    active = state_dir() / "active"
    active.unlink(missing_ok=True)
    removed_names: list[str] = []
    skipped: list[str] = []
    for problem in cleanup_leftovers(None, removed_names, skipped=skipped):
        err(f"v6lab: warning: {problem}")
    if removed_names:
        count = len(removed_names)
        out.print(
            f"removed {count} leftover{'s' if count != 1 else ''} of killed labs: "
            + ", ".join(removed_names)
        )
    else:
        out.print("no leftovers of killed labs")
    if skipped:
        out.print(
            f"(the {' and '.join(skipped)} backend cannot run here, so nothing of it was swept;"
            " labs started with sudo need `sudo v6lab cleanup`)"
        )
    if not removed:
        out.print("no lab sessions were left")
    return 0


# -- the parser ---------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--plain",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no colour and no symbols: words only (screen readers, logs)",
    )
    common.add_argument(
        "--lang",
        metavar="CODE",
        default=argparse.SUPPRESS,
        help="language of the texts (en; default from LANG)",
    )
    parser = argparse.ArgumentParser(
        prog="v6lab",
        description="Hands-on IPv6 labs: a virtual topology (simulated, or real Linux namespaces), "
        "a task with your own prefixes, and checks that say what is right and what is not.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version="v6lab (v6plan 0.1.0)")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = add_command(
        sub, "list", "the labs you can start", "  v6lab list\n  v6lab list --json", run_list, common
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = add_command(
        sub,
        "start",
        "start a lab: bring up its topology (one lab runs at a time)",
        "  v6lab start 04-lan-addressing\n  v6lab start 06-p2p-loopbacks --variant alice.yaml\n"
        "  sudo v6lab start 08-slaac --backend netns      the real kernel (Linux, root)",
        run_start,
        common,
    )
    p.add_argument("lab", help="lab name (see `v6lab list`) or a lab directory")
    p.add_argument(
        "--backend",
        default="sim",
        help="sim (default: simulator, no root) or netns (Linux namespaces, root)",
    )
    p.add_argument(
        "--variant",
        metavar="FILE",
        help="a variant file with your own prefix (from the instructor)",
    )
    p.add_argument("--replace", action="store_true", help="stop the running lab first")

    p = add_command(
        sub,
        "status",
        "the running lab: nodes, interfaces, addresses",
        "  v6lab status\n  v6lab status --json | jq '.nodes[0]'",
        run_status,
        common,
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = add_command(
        sub,
        "task",
        "what the lab asks you to do, with your values",
        "  v6lab task\n  v6lab task --values      every planned address (the answer key!)",
        run_task,
        common,
    )
    p.add_argument(
        "--values", action="store_true", help="also list every address the plan gives (instructors)"
    )

    p = add_command(
        sub,
        "exec",
        "run a command on a node (sim: ip, ping, traceroute, sysctl, rdisc6; netns: anything)",
        "  v6lab exec h1 -- ip -6 addr add 2001:db8:42:1::10/64 dev eth0\n"
        "  v6lab exec h1 -- ip -6 route add default via 2001:db8:42:1::1\n"
        "  v6lab exec h1 -- ping -6 -c 3 2001:db8:42:2::10\n"
        "  v6lab exec r1 -- ip -6 neigh show",
        run_exec,
        common,
    )
    p.add_argument("node", help="node name (see `v6lab status`)")
    p.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds before the command is stopped (default 10)",
    )

    p = add_command(
        sub,
        "shell",
        "an interactive shell on a node (netns: the real shell; sim: a command prompt)",
        "  v6lab shell h1\n  sudo v6lab shell r1            on netns: ip, ping, tcpdump …",
        run_shell,
        common,
    )
    p.add_argument("node", help="node name")

    p = add_command(
        sub,
        "check",
        "grade the lab: each check ✓ or ✗ with what was found (exit 1 if any fails)",
        "  v6lab check\n  v6lab check --hints\n  v6lab check --json\n  v6lab check --report result.json      (or .csv) to hand in",
        run_check,
        common,
    )
    p.add_argument("--json", action="store_true", help="machine-readable result")
    p.add_argument("--report", metavar="FILE", help="also write the result to FILE (.json or .csv)")
    p.add_argument("--hints", action="store_true", help="show the hint under every failing check")
    p.add_argument(
        "--timeout", type=float, default=1.0, help="seconds to wait for probe answers (default 1)"
    )

    p = add_command(
        sub,
        "hint",
        "a hint for the first failing check, or for one check",
        "  v6lab hint\n  v6lab hint h1-reaches-h2",
        run_hint,
        common,
    )
    p.add_argument("check", nargs="?", help="check id (see `v6lab check`)")
    p.add_argument("--timeout", type=float, default=1.0, help=argparse.SUPPRESS)

    p = add_command(
        sub,
        "answer",
        "answer a question of the lab (quiz values, or a file such as a plan spec or a zone)",
        "  v6lab answer                                   the questions and your answers\n"
        "  v6lab answer expand-r1                         one question\n"
        "  v6lab answer expand-r1 2001:0db8:0042:0002:0000:0000:0000:0001\n"
        "  v6lab answer plan ministry.yaml                hand in a file (its content is kept)",
        run_answer,
        common,
    )
    p.add_argument("question", nargs="?", help="question id (see `v6lab answer`)")
    p.add_argument("value", nargs="?", help="your answer; for a file question, the file's path")
    p.add_argument("--json", action="store_true", help="machine-readable list of the questions")

    p = add_command(
        sub,
        "capture",
        "write the frames seen on an interface to a pcap file (sim: the whole history)",
        "  v6lab capture r1 eth0 -o r1-eth0.pcap\n  v6lab capture h1 eth0 -o h1.pcap --seconds 5\n  wireshark r1-eth0.pcap",
        run_capture,
        common,
    )
    p.add_argument("node", help="node name")
    p.add_argument("iface", help="interface name, e.g. eth0")
    p.add_argument(
        "-o", "--output", required=True, metavar="FILE.pcap", help="the pcap file to write"
    )
    p.add_argument("--seconds", type=float, default=0.0, help="also capture this many seconds more")

    p = add_command(
        sub,
        "solve",
        "instructor/demo: apply the reference solution (or a known-bad one) to the running lab",
        "  v6lab solve\n  v6lab solve --list\n  v6lab solve --broken 1      then `v6lab check` shows why it fails",
        run_solve,
        common,
    )
    p.add_argument(
        "--broken",
        type=int,
        default=0,
        metavar="N",
        help="apply the N-th known-bad solution instead",
    )
    p.add_argument("--list", action="store_true", help="list the solutions")

    p = add_command(
        sub,
        "verify",
        "lab authors: run each lab's reference solution (must pass) and known-bad ones (must fail as declared)",
        "  v6lab verify\n  v6lab verify 06-p2p-loopbacks\n  sudo v6lab verify --backend netns",
        run_verify,
        common,
    )
    p.add_argument("labs", nargs="*", help="lab names (default: every lab)")
    p.add_argument("--backend", default="sim", help="sim (default) or netns")
    p.add_argument("--json", action="store_true", help="machine-readable result")

    add_command(
        sub,
        "stop",
        "stop the running lab and remove everything it made",
        "  v6lab stop\n  sudo v6lab stop         a netns lab",
        run_stop,
        common,
    )
    add_command(
        sub,
        "cleanup",
        "remove every lab session and leftover namespace (after a crash)",
        "  v6lab cleanup\n  sudo v6lab cleanup      also namespaces and radvd left by netns labs",
        run_cleanup,
        common,
    )
    from ._instructor import register  # variants, grade, export (instructors)

    register(sub, common, add_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.plain = getattr(args, "plain", False)
    args.lang = getattr(args, "lang", None)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    from ...cli import run_guarded

    try:
        return run_guarded("v6lab", run, args)
    except PermissionError as exc:
        err(f"v6lab: {exc} — a lab started with sudo needs sudo for every command")
        return 2
