"""``v6plan sync``: the plan into NetBox or Nautobot (v6plan.sync, imported when it runs)."""

from __future__ import annotations

import argparse
import os

from . import add_command, print_json

__all__ = ["register", "run_sync"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(
        sub,
        "sync",
        "show what a live NetBox or Nautobot lacks of the plan, and send it (--apply): "
        "only the changes, only objects v6plan manages",
        """\
  export V6PLAN_IPAM_TOKEN=…                       # or --token-file FILE; never a command-line token
  v6plan sync examples/campus.yaml --nautobot https://nautobot.example           # the diff (dry run)
  v6plan sync examples/campus.yaml --nautobot https://nautobot.example --apply   # send it
  v6plan sync examples/campus.yaml --netbox https://netbox.example --token-file ~/.netbox-token --json
  v6plan sync examples/campus.yaml --netbox https://netbox.example --prune --apply  # also remove what left the plan""",
        run_sync,
    )
    p.allow_abbrev = False  # `--token SECRET` must not pass for --token-file (and be echoed)
    p.add_argument("spec", help="the plan spec (.yaml) or a plan file (.json, .csv)")
    server = p.add_mutually_exclusive_group(required=True)
    server.add_argument("--netbox", metavar="URL", help="a NetBox 4.0 or later")
    server.add_argument("--nautobot", metavar="URL", help="a Nautobot 2.x or 3.x")
    p.add_argument(
        "--token-file",
        metavar="FILE",
        help="the API token, read from FILE (default: the V6PLAN_IPAM_TOKEN variable)",
    )
    p.add_argument("--ca-file", metavar="FILE", help="CA certificates for a private TLS CA")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--apply", action="store_true", help="send the changes (without it: show them only)"
    )
    mode.add_argument(
        "--dry-run", action="store_true", help="show the changes and send nothing (the default)"
    )
    p.add_argument(
        "--prune",
        action="store_true",
        help="also remove objects v6plan made that have left the plan (listed first; never "
        "an object v6plan does not manage)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="as for the netbox export: tenant, tenant-depth, domain, gateways, vlans",
    )
    p.add_argument(
        "--depth",
        type=_count,
        metavar="N",
        help="only the nodes down to depth N (the root is 0) and their addresses and VLANs: "
        "a huge plan's containers and pools without its million leaves (with --prune, "
        "deeper managed objects are removed)",
    )
    p.add_argument(
        "--batch",
        type=_batch,
        default=250,
        metavar="N",
        help="objects per bulk request (default 250; smaller behind a proxy with a body limit)",
    )
    p.add_argument("--json", action="store_true", help="print the diff as JSON")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress while sending (default: when stderr is a terminal)",
    )
    p.add_argument(
        "--lock", metavar="FILE", help="the lock file (default: SPEC with .lock.json beside it)"
    )


def _batch(text: str) -> int:
    from .._limits import whole_number

    value = whole_number(text)
    if value is None or not 1 <= value <= 5000:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number from 1 to 5000")
    return value


def _count(text: str) -> int:
    from .._limits import whole_number

    value = whole_number(text)
    if value is None or value > 128:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a depth from 0 to 128")
    return value


def run_sync(args: argparse.Namespace) -> int:
    from .._errors import InputError
    from .._progress import Progress
    from ..sync._client import check_url, read_token
    from ..sync._objects import check_settings
    from ..sync._run import Product, connect, render, sync, to_json
    from ._plan import load_plan

    settings: dict[str, str] = {}
    for item in args.set:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise InputError(
                f"--set {item!r}: write it as KEY=VALUE, e.g. --set domain=example.net"
            )
        settings[key.strip()] = value.strip()
    check_settings(settings)
    product: Product = "netbox" if args.netbox else "nautobot"
    url = check_url(args.netbox or args.nautobot)
    token = read_token(args.token_file, dict(os.environ))
    plan = load_plan(args.spec, args.lock)
    dialect = connect(product, url, token, args.ca_file, args.batch)
    bar: list[Progress] = []

    def start(total: int) -> None:
        bar.append(Progress("sending", total, enabled=args.progress))

    def tick(done: int) -> None:
        if bar:
            bar[0].update(done)

    try:
        result = sync(
            plan,
            dialect,
            settings,
            apply=args.apply,
            prune=args.prune,
            progress=tick,
            on_plan=start,
            depth=args.depth,
        )
    finally:
        if bar:
            bar[0].__exit__(None, None, None)
    if args.json:
        print_json(to_json(result))
    else:
        print(render(result))
    return 0
