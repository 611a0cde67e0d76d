"""``v6lab classroom``: the live class. ``serve`` (the instructor's server and dashboard),
``export`` (the gradebook from what it stored), ``send`` (a trainee's queued results).
Standard library only at import; ``serve`` imports aiohttp when it runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from ...cli import add_command, print_json
from ._common import Commands
from ._output import err

__all__ = ["register", "submit"]


def _instructor_dir(classdir: Path) -> Path:
    """The class's instructor folder (CLASSDIR/instructor, or CLASSDIR itself)."""
    from .._errors import LabError

    for folder in (classdir / "instructor", classdir):
        if (folder / "class.json").is_file():
            return folder
    raise LabError(
        f"{classdir} is not a class folder: give the folder `v6lab variants --out` wrote "
        "(it holds instructor/class.json)"
    )


def run_serve(args: argparse.Namespace) -> int:
    from ..instructor._grading import load_keys
    from ..instructor.classroom._auth import dashboard_key
    from ..instructor.classroom._export import store_path
    from ..instructor.classroom._server import serve

    instructor = _instructor_dir(Path(args.classdir))
    manifest = load_keys(instructor, Path(args.secret) if args.secret else None)
    db = store_path(instructor)

    def announce(url: str) -> None:
        print(
            f"classroom of class {manifest.class_id} ({len(manifest.trainees)} trainees, "
            f"{len(manifest.labs)} labs): {url}/\n"
            f"trainees send results with:  v6lab check --submit {url}\n"
            f"   (or V6LAB_CLASSROOM_URL={url} v6lab check)\n"
            f"dashboard (yours alone):     {url}/?key={dashboard_key(manifest.secret)}\n"
            f"results are stored in {db}; stop with Ctrl-C",
            flush=True,
        )

    if args.host not in ("127.0.0.1", "::1", "localhost"):
        err(
            f"v6lab: serving on {args.host}: trainees on the network can reach it (each only "
            "with their own token); the dashboard needs its key"
        )
    from .._errors import LabError
    from ..instructor.classroom._server import Limits

    if not 0 <= args.port <= 65535:
        raise LabError(f"--port {args.port}: give a port from 1 to 65535 (or 0: any free one)")
    if not 0 < args.rate <= 1000:
        raise LabError(f"--rate {args.rate}: give results per second between 0 and 1000 (e.g. 1)")
    windows = {lab: _window(text, lab, manifest.labs) for lab, text in _pairs(args.window)}
    limits = Limits(per_trainee=(max(10.0, 10 * args.rate), args.rate), windows=windows)
    serve(manifest, db, args.host, args.port, announce, limits)
    return 0


def _pairs(given: list[str] | None) -> list[tuple[str, str]]:
    """``LAB=FROM..TO`` options as (lab, "FROM..TO")."""
    from .._errors import LabError

    out = []
    for text in given or []:
        lab, sep, span = text.partition("=")
        if not sep or ".." not in span:
            raise LabError(
                f"--window {text!r}: give LAB=FROM..TO, e.g. 04-lan-addressing=2026-12-04T09:00..2026-12-04T12:30 "
                "(either side may be empty)"
            )
        out.append((lab, span))
    return out


def _window(span: str, lab: str, labs: Mapping[str, object]) -> tuple[float | None, float | None]:
    """A lab's window as (start, end) epoch seconds; ISO 8601 times, local unless an offset
    is given."""
    from datetime import datetime

    from .._errors import LabError

    if lab not in labs:
        raise LabError(f"--window {lab}=…: this class has no lab {lab!r} (labs: {', '.join(labs)})")
    ends: list[float | None] = []
    for part in span.split("..", 1):
        if not part.strip():
            ends.append(None)
            continue
        try:
            ends.append(datetime.fromisoformat(part.strip()).timestamp())
        except ValueError:
            raise LabError(
                f"--window {lab}={span}: {part.strip()!r} is not a time — write it as "
                "2026-12-04T12:30 (ISO 8601; local time unless +01:00 or Z follows)"
            ) from None
    start, end = ends
    if start is not None and end is not None and end <= start:
        raise LabError(f"--window {lab}={span}: the window ends before it starts")
    return start, end


def run_export(args: argparse.Namespace) -> int:
    from ..._io import write_atomic
    from ..instructor._grading import load_keys, status_counts
    from ..instructor.classroom._export import export_text, store_path, stored_gradebook

    instructor = _instructor_dir(Path(args.classdir))
    manifest = load_keys(instructor, Path(args.secret) if args.secret else None)
    book = stored_gradebook(manifest, store_path(instructor), args.policy)
    text = export_text(book, args.format)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    write_atomic(Path(args.output), text)
    counts = status_counts(book)
    if args.json:
        print_json({"format": args.format, "output": args.output, "counts": counts})
    else:
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        print(f"{args.format}: {len(manifest.trainees)} trainees ({summary}) → {args.output}")
    return 0


def run_watch(args: argparse.Namespace) -> int:
    from ..instructor._grading import load_keys
    from ..instructor.classroom._export import store_path
    from ..instructor.classroom._watch import ClassroomWatch

    instructor = _instructor_dir(Path(args.classdir))
    manifest = load_keys(instructor, Path(args.secret) if args.secret else None)
    ClassroomWatch(manifest, store_path(instructor)).run()
    return 0


def run_send(args: argparse.Namespace) -> int:
    from ..instructor.classroom._client import flush, outbox

    outcomes = flush()
    report(outcomes)
    if not outcomes:
        print(f"nothing queued in {outbox()}")
    return 1 if any(o.state != "recorded" for o in outcomes) else 0


def submit(url: str, result: dict[str, object], variant_file: str) -> None:
    """Queue a signed result for the classroom and send the queue (``check --submit``)."""
    from ..instructor.classroom._client import enqueue, flush

    enqueue(url, dict(result), variant_file)
    report(flush())


def report(outcomes: Sequence[object]) -> None:
    """One line per result sent, refused or still queued (on stderr: stdout may be --json)."""
    from ..instructor.classroom._client import Outcome

    queued = 0
    for o in outcomes:
        assert isinstance(o, Outcome)
        if o.state == "recorded" and o.answer:
            a = o.answer
            err(
                f"v6lab: the classroom recorded {a.get('lab')} for {a.get('trainee')}: "
                f"{a.get('score')}/{a.get('total')} (result #{a.get('id')})"
            )
        elif o.state == "refused":
            err(f"v6lab: the classroom refused a result: {o.detail}")
        elif o.state == "queued":
            queued += 1
    if queued:
        first = next(o for o in outcomes if isinstance(o, Outcome) and o.state == "queued")
        err(
            f"v6lab: the classroom is unreachable ({first.detail}): {queued} result(s) queued, "
            "sent at your next `v6lab check --submit` or `v6lab classroom send`"
        )


# -- the parser ---------------------------------------------------------------------------------
EXAMPLES = """\
  v6lab classroom serve class/                    http://127.0.0.1:8642 (this machine only)
  v6lab classroom serve class/ --host 0.0.0.0     the classroom LAN (tell trainees the URL)
  v6lab classroom watch class/                    the live grid in this terminal
  v6lab classroom export class/ --format moodle -o moodle.csv
  v6lab classroom export class/ --format csv -o totals.csv --policy best
  v6lab classroom send                             (trainees) send queued results now

trainees: v6lab check --submit http://HOST:8642   (or set V6LAB_CLASSROOM_URL)
"""


def _options(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(title="actions", metavar="ACTION", required=True)
    serve = add_command(
        sub,
        "serve",
        "run the class's server and dashboard (localhost unless --host)",
        "  v6lab classroom serve class/\n  v6lab classroom serve class/ --host 0.0.0.0 --port 8642\n"
        "  v6lab classroom serve class/ --window 04-lan-addressing=2026-12-04T09:00..2026-12-04T12:30",
        run_serve,
    )
    serve.add_argument("classdir", metavar="CLASSDIR", help="the folder `v6lab variants` wrote")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8642, help="port (default 8642; 0: any free)")
    serve.add_argument(
        "--window",
        action="append",
        metavar="LAB=FROM..TO",
        help="when a lab's results are due (ISO 8601 times, either side may be empty): results "
        "received outside are stored and flagged late (or early); repeat per lab",
    )
    serve.add_argument(
        "--rate",
        type=float,
        default=1.0,
        metavar="N",
        help="results a trainee may send per second, after a burst of 10 (default 1)",
    )
    serve.add_argument("--secret", metavar="FILE", help="the instructor secret, if not in CLASSDIR")
    export = add_command(
        sub,
        "export",
        "the gradebook from what the server stored (running or not)",
        "  v6lab classroom export class/ -o totals.csv\n"
        "  v6lab classroom export class/ --format moodle -o moodle.csv\n"
        "  v6lab classroom export class/ --format results -o - | less",
        run_export,
    )
    export.add_argument("classdir", metavar="CLASSDIR", help="the folder `v6lab variants` wrote")
    export.add_argument(
        "--format",
        choices=("csv", "moodle", "results"),
        default="csv",
        help="csv: one row per trainee (default); moodle: Moodle's grade import; results: one row per result",
    )
    export.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="file to write (- for stdout)"
    )
    export.add_argument(
        "--policy", choices=("latest", "best"), default="latest", help="the result that counts"
    )
    export.add_argument(
        "--secret", metavar="FILE", help="the instructor secret, if not in CLASSDIR"
    )
    export.add_argument("--json", action="store_true", help="machine-readable summary")
    watch = add_command(
        sub,
        "watch",
        "the live grid in the terminal (reads the store: the server may run or not)",
        "  v6lab classroom watch class/",
        run_watch,
    )
    watch.add_argument("classdir", metavar="CLASSDIR", help="the folder `v6lab variants` wrote")
    watch.add_argument("--secret", metavar="FILE", help="the instructor secret, if not in CLASSDIR")
    add_command(
        sub,
        "send",
        "(trainees) send the results queued while the server was away",
        "  v6lab classroom send",
        run_send,
    )


def register(commands: Commands) -> None:
    """Declare ``classroom``."""
    commands.add(
        "classroom",
        "instructor: a live class — a server trainees send results to, a dashboard, exports",
        EXAMPLES,
        lambda args: 2,
        _options,
    )
