"""``v6plan tui`` and ``v6plan serve``: registered here, Textual imported only when run."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from . import HelpFormatter, add_command

PLAN_HELP = "a plan spec (.yaml: editable), or a plan file (.json export or .csv: read-only)"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(
        sub,
        "tui",
        "explore a plan in the terminal: tree, details, nibble map; search, edit, export",
        """\
  v6plan tui examples/government.yaml
  v6plan tui examples/campus.yaml --read-only          # a trainee explores, nothing changes
  v6plan tui plan.json                                 # an exported plan (read-only)
  v6plan tui examples/campus.yaml --keymap keys.toml   # [keymap] "app.save" = "ctrl+w"
  python -m v6plan.tui examples/government.yaml        # the same app""",
        run_tui,
    )
    _tui_args(p)

    p = add_command(
        sub,
        "serve",
        "serve the plan explorer in a web browser (textual-serve; localhost unless told)",
        """\
  v6plan serve examples/campus.yaml                    # open http://localhost:8000
  v6plan serve examples/campus.yaml --port 8080 --read-only
  v6plan serve examples/campus.yaml --host 0.0.0.0 --public-url http://lab-pc:8000
                                                       # a classroom: no login, trusted LAN only""",
        run_serve,
    )
    p.add_argument("plan", help=PLAN_HELP)
    p.add_argument(
        "--host",
        default="localhost",
        help="address to listen on (default localhost; anyone who reaches it can use the app)",
    )
    p.add_argument("--port", type=_port, default=8000, help="TCP port (default 8000)")
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL browsers use, behind a proxy (default: the address each browser asked for)",
    )
    p.add_argument("--lock", metavar="FILE", help="the lock file (default: beside the spec)")
    p.add_argument("--read-only", action="store_true", help="browse only: no edits, no saving")
    p.add_argument("--keymap", metavar="FILE", help="a TOML keymap for the served app")


def _tui_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("plan", help=PLAN_HELP)
    p.add_argument("--lock", metavar="FILE", help="the lock file (default: beside the spec)")
    p.add_argument("--read-only", action="store_true", help="browse only: no edits, no saving")
    p.add_argument(
        "--keymap",
        metavar="FILE",
        help="TOML file mapping binding ids to keys (default: $V6PLAN_KEYMAP or "
        "~/.config/v6plan/keymap.toml when present)",
    )
    p.add_argument("--theme", default="", help="a Textual theme, e.g. textual-light")


def _port(text: str) -> int:
    from .._limits import whole_number

    value = whole_number(text)
    if value is None or not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a TCP port (1 to 65535)")
    return value


def run_tui(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    from pathlib import Path

    from ..tui.app import PlanExplorer, all_binding_ids, default_keymap_path, load_keymap

    keymap_file = args.keymap or ""
    if not keymap_file and default_keymap_path().is_file():
        keymap_file = str(default_keymap_path())
    keymap = load_keymap(keymap_file, all_binding_ids()) if keymap_file else {}
    if not Path(args.plan).exists():
        from .._errors import InputError

        raise InputError(f"{args.plan}: no such file")
    app = PlanExplorer(
        args.plan,
        lock=args.lock,
        read_only=args.read_only,
        keymap=keymap,
        keymap_file=keymap_file,
        started=started,
    )
    if args.theme:
        app.theme = args.theme
    app.run()
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from .._errors import InputError
    from ._plan import load_plan

    load_plan(args.plan, args.lock)  # a bad plan fails here, with its file:line:column
    if not args.host:
        raise InputError("--host needs an address, e.g. localhost or 0.0.0.0")
    command = [sys.executable, "-m", "v6plan.tui", args.plan]
    if args.lock:
        command += ["--lock", args.lock]
    if args.read_only:
        command.append("--read-only")
    if args.keymap:
        command += ["--keymap", args.keymap]
    from ..tui._serve import ClassroomServer

    server = ClassroomServer(
        command,
        host=args.host,
        port=args.port,
        title=f"v6plan — {args.plan}",
        public_url=args.public_url,
    )  # a bad --public-url fails here, before listening
    if args.host not in ("localhost", "127.0.0.1", "::1"):
        print(
            f"v6plan serve: listening on {args.host}: anyone who can reach port {args.port} "
            "can use (and, without --read-only, edit) this plan — there is no login",
            file=sys.stderr,
        )
    server.serve()
    return 0


def main_tui(argv: Sequence[str] | None = None) -> int:
    """``python -m v6plan.tui`` / ``tui.py``: the ``tui`` command on its own."""
    from .._errors import InputError, V6PlanError

    parser = argparse.ArgumentParser(
        prog="python -m v6plan.tui",
        description="The v6plan plan explorer (the same as `v6plan tui`).",
        formatter_class=HelpFormatter,
    )
    _tui_args(parser)
    args = parser.parse_args(argv)
    try:
        return run_tui(args)
    except InputError as exc:
        print(f"v6plan: {exc}", file=sys.stderr)
        return 2
    except V6PlanError as exc:
        print(f"v6plan: {exc}", file=sys.stderr)
        return 1
