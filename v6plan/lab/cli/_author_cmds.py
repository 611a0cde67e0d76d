"""``v6lab`` commands for instructors' demos and lab authors: ``solve`` (apply a lab's
reference or known-bad solution) and ``verify`` (every solution grades as declared).
Standard library only at import."""

from __future__ import annotations

import argparse
from typing import Any

from ...cli import print_json
from ._common import Commands, lab_messages, lab_run, live
from ._output import Out, err, progress_lines

__all__ = ["register"]


# -- solve ----------------------------------------------------------------------------------------
def run_solve(args: argparse.Namespace) -> int:
    from .._errors import LabError
    from ..instructor._seal import refuse_if_sealed
    from ..runtime._session import Session

    refuse_if_sealed(Session.current().info.variant, "v6lab solve")
    if args.list:
        session = Session.current()
        run = lab_run(session)
        messages = lab_messages(args, run)
        out = Out(args.plain)
        out.print(f"0  {messages.text('ui.reference-solution')}")
        for i, bad in enumerate(run.lab.broken, 1):
            out.print(f"{i}  {bad.id}: {messages.get(f'broken.{bad.id}') or ''}")
        return 0
    with live(args) as (session, run, _):
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
    messages = lab_messages(args)
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


# -- the sub-commands -------------------------------------------------------------------------
def _solve_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--broken",
        type=int,
        default=0,
        metavar="N",
        help="apply the N-th known-bad solution instead",
    )
    p.add_argument("--list", action="store_true", help="list the solutions")


def _verify_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("labs", nargs="*", help="lab names (default: every lab)")
    p.add_argument("--backend", default="sim", help="sim (default) or netns")
    p.add_argument("--json", action="store_true", help="machine-readable result")


def register(commands: Commands) -> None:
    """Declare ``solve`` and ``verify``."""
    commands.add(
        "solve",
        "instructor/demo: apply the reference solution (or a known-bad one) to the running lab",
        "  v6lab solve\n  v6lab solve --list\n  v6lab solve --broken 1      then `v6lab check` shows why it fails",
        run_solve,
        _solve_options,
    )
    commands.add(
        "verify",
        "lab authors: run each lab's reference solution (must pass) and known-bad ones (must fail as declared)",
        "  v6lab verify\n  v6lab verify 06-p2p-loopbacks\n  sudo v6lab verify --backend netns",
        run_verify,
        _verify_options,
    )
