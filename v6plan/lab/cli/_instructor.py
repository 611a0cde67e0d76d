"""The instructor's ``v6lab`` commands: ``variants``, ``grade`` and ``export``.

:func:`register` declares them, like every ``v6lab`` command module. Like the rest
of the command line, this module imports only the standard library; each command imports
the engine when it runs, so ``v6lab --help`` never imports Scapy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ...cli import print_json
from ._common import Commands
from ._output import (  # the same progress lines and errors as every v6lab command
    err,
    progress_lines,
)

__all__ = ["register"]


# -- variants ---------------------------------------------------------------------------------
def run_variants(args: argparse.Namespace) -> int:
    import secrets as random_source

    from .._errors import LabError
    from ..instructor._classdir import make_class
    from ..instructor._secrets import read_secret, write_secret
    from ..instructor._variants import DEFAULT_POOL, check_pool, plan_class, read_roster
    from ..model._labfile import load_lab

    out_dir = Path(args.out)
    pool = check_pool(args.pool or DEFAULT_POOL)
    seed = args.seed
    if seed is None:
        seed = f"{random_source.randbelow(10**6):06d}"
        err(f"no --seed given: using {seed} (give --seed {seed} to make the same variants again)")
    default_lang = (args.lang or "").lower()  # --lang: handouts for rows without a lang
    trainees = read_roster(Path(args.roster), default_lang)
    labs = [load_lab(name) for name in args.labs]
    names = [lab.name for lab in labs]
    if len(set(names)) != len(names):
        raise LabError("a lab is named twice; give each lab once")
    secret_path: Path | None = Path(args.secret) if args.secret else None
    if secret_path is not None:
        if secret_path.exists():
            secret = read_secret(secret_path)
        else:
            secret = write_secret(secret_path)
            err(
                f"created a new instructor secret in {secret_path} (mode 0600): keep it, never hand it out"
            )
    elif (out_dir / "instructor" / "secret.key").is_file():
        secret = read_secret(out_dir / "instructor" / "secret.key")
    else:
        secret = random_source.token_bytes(32)
    progress = None if args.json else progress_lines()
    if progress:
        err(f"making {len(trainees)} variants of {', '.join(names)} (seed {seed})")
    plan = plan_class(labs, trainees, seed, pool, secret, progress=progress)
    data = make_class(plan, out_dir, secret_path, force=args.force, progress=progress)
    for note in plan.notes:
        err(f"v6lab: note: {note}")
    if args.json:
        print_json(
            {
                "out": str(out_dir),
                "class": data["class"],
                "seed": seed,
                "pool": data["pool"],
                "labs": names,
                "trainees": [
                    {
                        "id": t["id"],
                        "name": t["name"],
                        "lang": t["lang"],
                        "prefixes": {lab: v["prefix"] for lab, v in t["variants"].items()},
                    }
                    for t in data["trainees"]
                ],
                "notes": plan.notes,
            }
        )
        return 0
    width = max(len(t.id) for t in trainees)
    print(f"{len(trainees)} trainees × {len(labs)} labs → {out_dir}/ (class {data['class']})")
    shown = trainees if len(trainees) <= 12 or args.plain else trainees[:10]
    for t in shown:
        first = plan.variants[(t.id, labs[0].name)]
        print(f"  {t.id:<{width}}  {first.prefix_text:<22} {first.lang}  {t.name}")
    if len(shown) < len(trainees):
        print(f"  … {len(trainees) - len(shown)} more in {out_dir}/instructor/class.csv")
    print()
    print(f"hand out:   {out_dir}/trainees/<id>/   (variant file + handout, per trainee)")
    print(f"keep:       {out_dir}/instructor/      (secret, answer keys, class sheet)")
    print(f"grade with: v6lab grade HANDED-IN-DIR --key {out_dir}/instructor --out grades.csv")
    return 0


# -- grade --------------------------------------------------------------------------------------
def run_grade(args: argparse.Namespace) -> int:
    from ..instructor._grading import (
        grade,
        gradebook_csv,
        load_keys,
        print_summary,
        status_counts,
        summary_html,
    )

    manifest = load_keys(Path(args.key), Path(args.secret) if args.secret else None)
    show_progress = not args.json and sys.stderr.isatty()

    def progress(done: int, total: int, name: str) -> None:
        if show_progress:
            print(f"\r  graded {done} of {total} files  ", end="", file=sys.stderr, flush=True)

    if args.replay and not args.json:
        err("replaying every simulator result's journal on a fresh simulated network …")
    book = grade(
        [Path(p) for p in args.paths],
        manifest,
        replay=args.replay,
        progress=progress,
        policy=args.policy,
    )
    if show_progress:
        print(file=sys.stderr)
    from ..._io import write_atomic
    from ..instructor._gradebook import moodle_csv, totals_csv

    out = Path(args.out) if args.out else None
    html_out = Path(args.html) if args.html else (out.with_suffix(".html") if out else None)
    if out is not None:
        write_atomic(out, gradebook_csv(book))
    if html_out is not None:
        write_atomic(html_out, summary_html(book))
    extra = [(Path(args.totals), totals_csv)] if args.totals else []
    extra += [(Path(args.moodle), moodle_csv)] if args.moodle else []
    for path, writer in extra:
        write_atomic(path, writer(book))
    counts = status_counts(book)
    flagged = book.flagged
    if args.json:
        print_json(
            {
                "class": manifest.class_id,
                "csv": str(out) if out else None,
                "html": str(html_out) if html_out else None,
                "policy": args.policy,
                "counts": counts,
                "flagged": len(flagged),
                "rows": [r.as_json() for r in book.rows],
                "failures": [
                    {"lab": lab, "check": cid, "failed": failed, "graded": graded}
                    for lab, cid, failed, graded in book.failures()
                ],
            }
        )
        return 1 if flagged else 0
    print_summary(book, plain=args.plain)
    written = [str(p) for p in (out, html_out) if p is not None] + [str(p) for p, _ in extra]
    if written:
        print(f"written: {', '.join(written)}")
    return 1 if flagged else 0


# -- export -------------------------------------------------------------------------------------
def run_export(args: argparse.Namespace) -> int:
    from ..instructor._topology_export import export

    if args.variant and args.state == "solved":
        from ..instructor._seal import refuse_if_sealed

        refuse_if_sealed(args.variant, "v6lab export --state solved")
    result = export(
        args.topology,
        args.format,
        Path(args.output) if args.output else None,
        variant=args.variant,
        state=args.state,
        routers=args.routers,
        router_image=args.router_image,
        host_image=args.host_image,
        force=args.force,
    )
    if args.json:
        print_json(result)
        return 0
    print(
        f"{result['format']}: {result['nodes']} nodes, {result['links']} links → {result['path']}"
    )
    for note in result.get("notes", []):
        print(f"  note: {note}")
    print(f"run it with: {result['run']}")
    return 0


# -- the parser ---------------------------------------------------------------------------------
VARIANTS_EXAMPLES = """\
  v6lab variants 04-lan-addressing --roster roster.csv --seed 2026-ipv6 --out class
  v6lab variants 04-lan-addressing 05-static-routing 08-slaac --roster roster.csv \\
        --seed 2026-ipv6 --out class            several labs: one folder per trainee
  v6lab variants 05-static-routing --roster roster.csv --seed 7 --pool 3fff:100::/24 --out c2
  v6lab variants 04-lan-addressing --roster roster.csv --seed 2026-ipv6 --out class --force
                                                 write it again (same secret, same keys)

the roster is a CSV with a header row: name (required), id, lang (en, fr, ar…), email,
group; any other column is carried into the class sheet. Same seed + same roster = same
prefixes, whatever the row order. Trainee folders: class/trainees/<id>/; the instructor's
secret, answer keys and class sheet: class/instructor/ (never hand it out).
"""

GRADE_EXAMPLES = """\
  v6lab grade handed-in/ --key class/instructor --out grades.csv
  v6lab grade handed-in/ --key class/instructor --out grades.csv --replay
  v6lab grade handed-in/ --key class/instructor --totals totals.csv --moodle moodle.csv
  v6lab grade handed-in/ --key class/instructor --out grades.csv --policy best
  v6lab grade alice-04-lan-addressing.json --key class/instructor        one file
  v6lab grade handed-in/ --key class/instructor --json | jq '.rows[] | select(.flagged)'

name each handed-in file after its trainee (the handout says: v6lab check --report
<id>-<lab>.json) or put it in a folder named after them. Statuses: ok, tampered,
unsigned, wrong-trainee, wrong-lab, wrong-variant, replay-mismatch, unreadable (all
flagged: exit 1), superseded (an older result of the same trainee), missing.
"""

EXPORT_EXAMPLES = """\
  v6lab export two-lans --format containerlab -o clab/     → clab/two-lans.clab.yml
  v6lab export isp-core --format kathara -o kathara-isp/    → lab.conf + *.startup
  v6lab export 04-lan-addressing --format kathara -o lab1/      a lab, as a trainee starts it
  v6lab export 04-lan-addressing --state solved --format containerlab -o demo/
  v6lab export two-lans --format containerlab --variant alice.variant.yaml -o alice/
  v6lab export two-lans --format containerlab --routers linux --host-image alpine:3.20

containerlab keeps eth0 for management: topology interface ethN becomes ethN+1 there
(the file says so). Kathará numbers interfaces from eth0 without gaps: they are renumbered
per node when needed (the startup files say so).
"""


def _variants_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("labs", nargs="+", metavar="LAB", help="lab names (see `v6lab list`)")
    p.add_argument("--roster", required=True, metavar="CSV", help="the class roster (CSV)")
    p.add_argument(
        "--seed", metavar="TEXT", help="any text; the same seed and roster give the same variants"
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="the class directory to write (must be new or --force)",
    )
    p.add_argument(
        "--pool",
        metavar="PREFIX",
        help="where trainee prefixes come from (default 2001:db8::/32; or 3fff::/20, or inside them)",
    )
    p.add_argument(
        "--secret",
        metavar="FILE",
        help="the instructor secret to use (made there if missing; default: DIR/instructor/secret.key)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing class directory")
    p.add_argument("--json", action="store_true", help="machine-readable summary")


def _grade_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="DIR", help="a directory of result files (or files)")
    p.add_argument(
        "--key",
        required=True,
        metavar="KEYS",
        help="the instructor directory of `v6lab variants` (its class.json and secret)",
    )
    p.add_argument("--secret", metavar="FILE", help="the instructor secret, if not in KEYS")
    p.add_argument("--out", metavar="CSV", help="the gradebook to write (e.g. grades.csv)")
    p.add_argument(
        "--html", metavar="FILE", help="the HTML summary (default: the CSV's name with .html)"
    )
    p.add_argument(
        "--totals",
        metavar="CSV",
        help="also one row per trainee: the roster, points per lab, total",
    )
    p.add_argument(
        "--moodle", metavar="CSV", help="also Moodle's grade import (by email or ID number)"
    )
    p.add_argument(
        "--policy",
        choices=("latest", "best"),
        default="latest",
        help="of a trainee's genuine results of a lab, the one that counts (default latest)",
    )
    p.add_argument(
        "--replay",
        action="store_true",
        help="re-run each simulator result's commands and checks (catches a re-signed result)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable result")


def _export_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("topology", metavar="TOPOLOGY", help="a topology name or file, or a lab name")
    p.add_argument(
        "--format", required=True, choices=("containerlab", "kathara"), help="what to write"
    )
    p.add_argument(
        "-o", "--output", metavar="DIR", help="directory to write (default: NAME-FORMAT)"
    )
    p.add_argument("--variant", metavar="FILE", help="re-root the plan at a variant's prefix")
    p.add_argument(
        "--state",
        choices=("planned", "start", "solved"),
        default=None,
        help="planned: every node addressed (a topology's default); start: as a lab starts "
        "(a lab's default); solved: with the lab's reference solution",
    )
    p.add_argument(
        "--routers",
        choices=("frr", "linux"),
        default="frr",
        help="routers as FRR containers (default) or plain linux ones",
    )
    p.add_argument("--router-image", metavar="IMAGE", help="container image for routers")
    p.add_argument("--host-image", metavar="IMAGE", help="container image for hosts")
    p.add_argument("--force", action="store_true", help="write into a non-empty directory")
    p.add_argument("--json", action="store_true", help="machine-readable summary")


def register(commands: Commands) -> None:
    """Declare ``variants``, ``grade`` and ``export``."""
    commands.add(
        "variants",
        "instructor: per-trainee variants, handouts, answer keys and a class sheet from a roster",
        VARIANTS_EXAMPLES,
        run_variants,
        _variants_options,
    )
    commands.add(
        "grade",
        "instructor: check every handed-in result file; write a gradebook CSV and an HTML summary",
        GRADE_EXAMPLES,
        run_grade,
        _grade_options,
    )
    commands.add(
        "export",
        "a topology (or a lab) with its addressing as a containerlab or Kathará lab",
        EXPORT_EXAMPLES,
        run_export,
        _export_options,
    )
