"""The ``v6plan`` command line.

Start-up matters: this package imports only the standard library at import time.
Each command module registers its sub-commands and imports the planner (and, for
``tui``/``serve``, Textual) inside the function that runs the command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

__all__ = ["HelpFormatter", "add_command", "main", "print_json", "run_guarded"]

EPILOG = """\
examples:
  v6plan plan examples/government.yaml          build or update a plan (writes the lock file)
  v6plan show examples/government.yaml health   one node and its children
  v6plan check examples/government.yaml         lint against best practice
  v6plan free examples/government.yaml health --length 48 --limit 4
  v6plan find examples/government.yaml 3fff:100:102:2064::17
  v6plan export examples/government.yaml --format csv -o plan.csv
  v6plan calc info 3fff:8::/29
  v6plan ula

exit codes: 0 ok · 1 the plan has errors (or findings with --strict) · 2 bad input or usage
"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    examples: str,
    run: Callable[[argparse.Namespace], int],
    common: argparse.ArgumentParser | None = None,
) -> argparse.ArgumentParser:
    """A sub-command whose --help ends with examples (every command of `v6plan` and
    `v6lab` has some); ``common`` holds options every command of a program shares."""
    parser = sub.add_parser(
        name,
        help=summary,
        description=summary,
        epilog="examples:\n" + examples.rstrip() + "\n",
        formatter_class=HelpFormatter,
        parents=[common] if common is not None else [],
    )
    parser.set_defaults(run=run)
    return parser


def print_json(data: object) -> None:
    """What every --json option prints: indented, UTF-8 text left as it is."""
    import json

    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def build_parser() -> argparse.ArgumentParser:
    from . import _calc, _plan, _sync, _ui

    parser = argparse.ArgumentParser(
        prog="v6plan",
        description="IPv6 address planning: from an allocation and a few requirements to a "
        "stable, nibble-aligned plan — linted, queried and exported.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"v6plan {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    _plan.register(sub)
    _calc.register(sub)
    _ui.register(sub)
    _sync.register(sub)
    return parser


def run_guarded(
    prog: str, run: Callable[[argparse.Namespace], int], args: argparse.Namespace
) -> int:
    """Run a command so that our errors are one line on stderr, never a traceback.

    Exit codes, for `v6plan` and `v6lab` alike: 0 ok, 1 a finding or a failed operation
    (V6PlanError), 2 bad input (InputError), 130 interrupted.
    """
    from .._errors import InputError, V6PlanError
    from .._io import command_inputs

    try:
        with command_inputs():
            return int(run(args))
    except InputError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    except V6PlanError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `v6plan export … | head`
        sys.stderr.close()
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    return run_guarded("v6plan", run, args)
