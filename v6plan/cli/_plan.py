"""``v6plan plan | show | check | free | find | export``: the planner's commands."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from . import add_command, print_json

if TYPE_CHECKING:
    from .._build import BuildResult
    from .._plan import Plan

PLAN_ARG_HELP = (
    "a plan spec (.yaml), or an existing plan to read (.json export, or .csv with a prefix column)"
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(
        sub,
        "plan",
        "build or update a plan from its spec; the lock file beside it keeps every block in place",
        """\
  v6plan plan examples/government.yaml
  v6plan plan examples/government.yaml --depth 3 --all
  v6plan plan examples/government.yaml --frozen          # CI: fail if the lock would change
  v6plan plan examples/government.yaml --release health  # renumber one node (its blocks move)
  v6plan plan examples/government.yaml --renumber        # the prefix moved: move the plan too""",
        run_plan,
    )
    p.add_argument("spec", help="the plan spec (.yaml)")
    _lock_args(p)
    p.add_argument(
        "--release",
        action="append",
        default=[],
        metavar="PATH",
        help="let the node at PATH (and everything under it) be placed afresh; repeatable",
    )
    p.add_argument(
        "--frozen",
        action="store_true",
        help="do not write the lock; exit 1 if the plan would change it",
    )
    p.add_argument(
        "--renumber",
        action="store_true",
        help="the spec's prefix moved on purpose: keep the plan's shape and renumber every "
        "block into the new prefix (without it, a lock for another prefix is refused)",
    )
    _tree_args(p, depth=2)
    p.add_argument("--json", action="store_true", help="print a machine-readable summary")

    p = add_command(
        sub,
        "show",
        "show a node: its block, role, usage, free space and children",
        """\
  v6plan show examples/government.yaml                    # the top of the plan
  v6plan show examples/government.yaml health/site-3
  v6plan show examples/government.yaml 3fff:100:102::/48 --depth 2
  v6plan show examples/government.yaml health --json""",
        run_show,
    )
    p.add_argument("spec", help=PLAN_ARG_HELP)
    p.add_argument(
        "node",
        nargs="?",
        default="",
        help="a path, name, prefix or address (default: the whole plan)",
    )
    _lock_args(p)
    _tree_args(p, depth=1)
    p.add_argument("--json", action="store_true", help="print the node as JSON")

    p = add_command(
        sub,
        "check",
        "lint a plan against IPv6 planning best practice",
        """\
  v6plan check examples/government.yaml
  v6plan check netbox-prefixes.csv --ignore non-nibble
  v6plan check examples/campus.yaml --strict --json
  v6plan check --rules                                  # list every rule""",
        run_check,
    )
    p.add_argument("spec", nargs="?", help=PLAN_ARG_HELP)
    _lock_args(p)
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="RULE",
        help="skip a rule (repeatable, or comma-separated)",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument("--rules", action="store_true", help="list the rules and exit")
    p.add_argument("--json", action="store_true", help="print findings as JSON")

    p = add_command(
        sub,
        "free",
        "free space in a node: aggregated blocks, every free /N, or the next one",
        """\
  v6plan free examples/government.yaml health                 # aggregated free blocks
  v6plan free examples/government.yaml health --length 48 --limit 5
  v6plan free examples/government.yaml health --length 48 --next --order sparse
  v6plan free examples/government.yaml --json""",
        run_free,
    )
    p.add_argument("spec", help=PLAN_ARG_HELP)
    p.add_argument(
        "node", nargs="?", default="", help="a path, name, prefix or address (default: the root)"
    )
    p.add_argument(
        "--length", type=_length, metavar="N", help="list free blocks of this length (/N or N)"
    )
    p.add_argument(
        "--limit",
        type=_positive,
        default=None,
        metavar="K",
        help="at most K blocks (default 16 with --length, 64 otherwise)",
    )
    p.add_argument("--next", action="store_true", help="only the block a new child of /N would get")
    p.add_argument(
        "--order",
        default="sequential",
        choices=("sequential", "sparse", "centermost", "best-fit"),
        help="order for --next (default sequential, i.e. first fit)",
    )
    _lock_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add_command(
        sub,
        "find",
        "which node holds an address or prefix, or which nodes match a name",
        """\
  v6plan find examples/government.yaml 3fff:100:102:2064::17
  v6plan find examples/government.yaml 3fff:100:102::/48
  v6plan find examples/government.yaml users --limit 5
  v6plan find examples/government.yaml 3fff:100:102:2064::17 --json""",
        run_find,
    )
    p.add_argument("spec", help=PLAN_ARG_HELP)
    p.add_argument("query", help="an address, a prefix, a path or (part of) a name")
    p.add_argument(
        "--limit",
        type=_positive,
        default=20,
        metavar="K",
        help="at most K name matches (default 20)",
    )
    _lock_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")

    _register_export(sub)


def _export_epilog() -> str:
    """Examples, then every format with its settings: what a user needs to find a --set."""
    from ..export import FORMATS

    lines = [
        "  v6plan export examples/government.yaml --format csv -o government.csv",
        "  v6plan export examples/government.yaml --format json | jq '.nodes | length'",
        "  v6plan export examples/operator-29.yaml --format yaml --node business",
    ]
    lines += [f"  {f.example}" for f in FORMATS.values() if f.example]
    lines.append("")
    lines.append("formats and their settings (--set KEY=VALUE, repeatable):")
    for f in FORMATS.values():
        multi = " [--dir: several files]" if f.files else ""
        lines.append(f"  {f.name:<12} {f.summary}{multi}")
        for s in f.settings:
            lines.append(f"      {s.key:<14} {s.help}")
    return "\n".join(lines)


def _register_export(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from ..export import FORMATS, NETBOX_VERSIONS

    p = add_command(
        sub,
        "export",
        "write the plan in a format other tools read (NetBox, phpIPAM, RPSL, BIND, radvd, "
        "Kea, FRR, reports)",
        _export_epilog(),
        run_export,
    )
    p.add_argument("spec", help=PLAN_ARG_HELP)
    p.add_argument(
        "--format",
        "-f",
        required=True,
        choices=list(FORMATS),
        metavar="FORMAT",
        help="one of: " + ", ".join(FORMATS) + " (settings for each are listed below)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write here (atomically) instead of standard output; never onto the spec, its "
        "lock or the plan file; bind (and radvd or frr for several routers) need --dir",
    )
    where.add_argument(
        "--dir",
        metavar="DIR",
        help="write every file of a multi-file format into DIR (created if missing; all files "
        "or none; refused if one would replace an input): NetBox companion files in import "
        "order, one zone file per reverse zone, one config per router",
    )
    p.add_argument("--node", default="", help="export only this node and what is under it")
    p.add_argument(
        "--router",
        metavar="NAME",
        help="radvd, frr, kea-dhcp6: only this router (same as --set router=NAME)",
    )
    p.add_argument(
        "--netbox-version",
        choices=NETBOX_VERSIONS,
        default=NETBOX_VERSIONS[-1],
        metavar="V",
        help="NetBox release the netbox-* files are for: 4.0 or 4.1 (site column), "
        "4.2 (scope_type/scope_id), 4.3 or 4.4 (+ vlan_site), 4.5 (+ owner), "
        "4.5.5 = 4.5.5 and later (+ scope_name; the default)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a format setting, e.g. depth=2 (repeatable; see the list below)",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress (default: when stderr is a terminal)",
    )
    _lock_args(p)


# -- argument helpers -------------------------------------------------------------------------
def _lock_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lock", metavar="FILE", help="the lock file (default: SPEC with .lock.json beside it)"
    )


def _tree_args(p: argparse.ArgumentParser, depth: int) -> None:
    p.add_argument(
        "--depth",
        type=_positive,
        default=depth,
        metavar="N",
        help=f"levels of the tree to print (default {depth})",
    )
    p.add_argument(
        "--all", action="store_true", help="print every sibling instead of folding long runs"
    )


def _positive(text: str) -> int:
    from .._limits import whole_number

    value = whole_number(text)
    if value is None or value < 1:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number of at least 1")
    return value


def _length(text: str) -> int:
    from .._limits import whole_number

    value = whole_number(text.lstrip("/"))
    if value is None or not 0 < value <= 128:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a prefix length from /1 to /128")
    return value


# -- loading ----------------------------------------------------------------------------------
def _build(
    spec_path: str, lock_path: str | None, release: tuple[str, ...] = (), renumber: bool = False
) -> BuildResult:
    from .._build import build
    from .._lock import Lock, lock_path_for
    from .._spec import load_spec

    spec = load_spec(spec_path)
    lock_file = str(lock_path or lock_path_for(spec_path))
    return build(spec, Lock.read(lock_file), release, renumber=renumber, lock_file=lock_file)


def load_plan(spec_path: str, lock_path: str | None = None) -> Plan:
    """A plan from a spec (with its lock, never written here) or from a plan file."""
    if spec_path.endswith((".json", ".csv")):
        from .._import import read_plan_file

        plan = read_plan_file(spec_path)
        for note in plan.notes:  # on stderr: standard output stays the command's answer
            print(f"{spec_path}: {note}", file=sys.stderr)
        return plan
    return _build(spec_path, lock_path).plan


# -- plan -------------------------------------------------------------------------------------
def run_plan(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .._io import write_atomic
    from .._lint import lint
    from .._lock import lock_path_for

    result = _build(args.spec, args.lock, tuple(args.release), args.renumber)
    plan = result.plan
    lock_file = Path(args.lock) if args.lock else lock_path_for(args.spec)
    new_text = result.lock.dumps()
    old = result.old_lock  # read once, bounded, by Lock.read (a CRLF checkout is equal)
    old_text = old.text if old is not None else None
    changed = old_text is None or new_text != old_text.replace("\r\n", "\n")
    if changed and not args.frozen:
        write_atomic(lock_file, new_text, replaces_input=True)
    findings = lint(plan)
    errors = [f for f in findings if f.severity == "error"]
    if args.json:
        print_json(
            {
                "plan": plan.title,
                "prefix": str(plan.prefix),
                "nodes": len(plan) - 1,
                "kept": result.kept_blocks,
                "new": result.new_blocks,
                "released": result.released,
                "lock": str(lock_file),
                "lock_changed": changed,
                "written": changed and not args.frozen,
                "lint": _lint_counts(findings),
            }
        )
    else:
        print(_tree_text(plan, 0, args.depth, args.all))
        print()
        state = (
            "unchanged"
            if not changed
            else ("would change (not written: --frozen)" if args.frozen else "written")
        )
        print(
            f"{len(plan) - 1:,} nodes · {result.kept_blocks:,} blocks kept · {result.new_blocks:,} new · lock {lock_file} {state}"
        )
        for key in result.released:
            print(f"released: {key} (no longer in the spec)")
        counts = _lint_counts(findings)
        print(
            f"lint: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes"
            + (" — run `v6plan check` for details" if errors or counts["warning"] else "")
        )
    if args.frozen and changed:
        return 1
    return 1 if errors else 0


def _lint_counts(findings: list[Any]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        counts[f.severity] += 1
    return counts


# -- tree text --------------------------------------------------------------------------------
def _tree_text(plan: Plan, top: int, depth: int, show_all: bool) -> str:
    from .._query import fold_siblings, usage

    rows: list[tuple[str, str, str, str]] = []  # label, prefix, role, usage

    def label_of(i: int) -> str:
        return plan.name[i] if i else plan.title

    def add(i: int, lead: str, tail: str, level: int) -> None:
        rows.append(
            (
                lead + label_of(i),
                plan.prefix_text(i),
                plan.role(i) if i else "",
                _group_text(plan, i)
                if plan.is_group(i)
                else str(usage(plan, i))
                if plan.end[i] > i + 1
                else "",
            )
        )
        if level >= depth:
            return
        kids = list(plan.children(i))
        shown = kids if show_all else fold_siblings(plan, kids, 5, keep_last=False)
        for n, item in enumerate(shown):
            last = n == len(shown) - 1
            branch, cont = ("└─ ", "   ") if last else ("├─ ", "│  ")
            if isinstance(item, int):
                add(item, tail + branch, tail + cont, level + 1)
            else:
                first, final, count = item.first, item.last, item.count
                rows.append(
                    (
                        f"{tail}{branch}… {count:,} more: {plan.name[first]} … {plan.name[final]}",
                        f"{plan.prefix_text(first)} … {plan.prefix_text(final)}",
                        plan.role(first),
                        "",
                    )
                )

    add(top, "", "", 0)
    widths = [max(len(r[c]) for r in rows) for c in range(3)]
    return "\n".join(
        f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip()
        for r in rows
    )


def _group_text(plan: Plan, i: int) -> str:
    """``3 blocks · 12 of 131,072 /64, 0.0 %``: what a grouping node (file root, VRF) holds."""
    from .._query import usage

    blocks = len(plan.top_blocks(i))
    use = usage(plan, i)
    return f"{blocks:,} block{'s' * (blocks != 1)}" + (f" · {use}" if use.unit else "")


# -- show -------------------------------------------------------------------------------------
def _top_level(plan: Plan, i: int) -> bool:
    """Is node ``i`` an allocation: the root, or a block right under a grouping node?"""
    if plan.is_group(i):
        return False
    return i == 0 or plan.is_group(plan.parent[i])


def _group_dict(plan: Plan, i: int) -> dict[str, Any]:
    """A grouping node (the root of a plan read with several blocks, or a VRF) as JSON."""
    data: dict[str, Any] = {
        "path": plan.path(i),
        "name": plan.label(i),
        "prefix": None,
        "role": plan.role(i) if i else None,
        "depth": plan.depth[i],
        "blocks": [
            {"path": plan.path(b), "prefix": plan.prefix_text(b), "vrf": plan.vrf(b) or None}
            for b in plan.top_blocks(i)
        ],
    }
    if i == 0 and plan.vrf_nodes():
        data["vrfs"] = [plan.name[v] for v in plan.vrf_nodes()]
    return _add_use(plan, i, data)


def _add_use(plan: Plan, i: int, data: dict[str, Any]) -> dict[str, Any]:
    """What is assigned below node ``i`` and its usage in child units (blocks and groups)."""
    from .._query import rollup, usage

    below = rollup(plan, i)
    if below:
        data["assigned_below"] = {f"/{length}": n for length, n in below.items()}
    use = usage(plan, i)
    if use.unit:
        data["usage"] = {
            "used": use.used,
            "capacity": use.capacity,
            "unit": use.unit,
            "percent": round(use.percent, 2),
            "text": str(use),
        }
    return data


def _node_dict(plan: Plan, i: int) -> dict[str, Any]:
    from .._prefix import format_address
    from .._query import hd_usage

    if plan.is_group(i):
        return _group_dict(plan, i)
    node = plan.node(i)
    first, last = node.prefix.first, node.prefix.last
    data: dict[str, Any] = {
        "path": node.path,
        "name": node.name if i else plan.title,
        "prefix": plan.prefix_text(i),
        "first": format_address(first),
        "last": format_address(last),
        "role": node.role or None,
        "status": node.status,
        "depth": node.depth,
        "parent": node.parent.path if node.parent is not None and node.parent.index else None,
        "size_64": (1 << (64 - node.length)) if node.length <= 64 else None,
        "size_48": (1 << (48 - node.length)) if node.length <= 48 else None,
    }
    if node.description:
        data["description"] = node.description
    if node.p2p is not None:
        data["p2p"] = str(node.p2p)
    if node.vlan is not None:
        data["vlan"] = node.vlan
    if node.router:
        data["router"] = node.router
    if plan.grouped and plan.vrf(i):
        data["vrf"] = plan.vrf(i)
    if _top_level(plan, i):
        hd = hd_usage(plan, top=i)
        data["hd_ratio"] = {
            "used": hd.used,
            "total": hd.total,
            "unit": hd.unit,
            "ratio": round(hd.ratio, 4),
            "threshold": hd.threshold,
            "threshold_percent": round(hd.threshold_percent, 2),
            "reached": hd.reached,
        }
    return _add_use(plan, i, data)


def run_show(args: argparse.Namespace) -> int:
    from itertools import islice

    from .._lint import lint
    from .._prefix import format_prefix
    from .._query import free_blocks

    plan = load_plan(args.spec, args.lock)
    i = plan.resolve(args.node) if args.node else 0
    data = _node_dict(plan, i)
    free = (
        [format_prefix(*b) for b in islice(free_blocks(plan, i), 8)] if plan.plen[i] < 128 else []
    )
    findings = lint(plan, node=i)
    if args.json:
        data["free"] = free
        data["findings"] = [f.as_dict() for f in findings]
        data["children"] = [_node_dict(plan, c) for c in plan.children(i)]
        print_json(data)
        return 0
    label = data["path"] or f"{plan.title} (root)"
    if plan.is_group(i):
        _print_group(data)
    else:
        print(f"{label}  {data['prefix']}")
        print(f"  range     {data['first']} – {data['last']}")
    sizes = []
    if data.get("size_48"):
        sizes.append(f"{data['size_48']:,} /48")
    if data.get("size_64"):
        sizes.append(f"{data['size_64']:,} /64")
    if sizes:
        print(f"  size      {' = '.join(sizes)}")
    if "status" in data:
        print(f"  role      {data['role'] or '—'} ({data['status']})")
    for key in ("description", "p2p", "vlan", "router", "vrf"):
        if key in data:
            print(f"  {key:<9} {data[key]}")
    if "usage" in data:
        print(f"  children  {data['usage']['text']}")
    if "assigned_below" in data:
        below = ", ".join(f"{n:,} × {length}" for length, n in data["assigned_below"].items())
        print(f"  assigned  {below} (every level below)")
    if "hd_ratio" in data:
        hd = data["hd_ratio"]
        print(
            f"  RIR use   {hd['used']:,} of {hd['total']:,} /{hd['unit']} · HD-ratio {hd['ratio']:.3f} "
            f"(0.94 is reached at {hd['threshold']:,}, {hd['threshold_percent']:.2f} %)"
        )
    if free:
        print(f"  free      {', '.join(free[:4])}{' …' if len(free) > 4 else ''}")
    for f in findings:
        print(f"  {f.severity:<9} {f.rule}: {f.message}")
    if plan.end[i] > i + 1:
        print()
        print(_tree_text(plan, i, args.depth, args.all))
    return 0


def _print_group(data: dict[str, Any]) -> None:
    """The head of `show` for a grouping node: what it groups instead of a range."""
    blocks = data["blocks"]
    what = "VRF" if data["role"] == "vrf" else "plan"
    print(
        f"{data['path'] or data['name'] + ' (root)'}  ({what} of {len(blocks):,} top-level blocks)"
    )
    if "vrfs" in data:
        shared = any(not b["vrf"] for b in blocks)
        print(f"  vrfs      {', '.join(data['vrfs'])}{' (and the global table)' if shared else ''}")
    shown = [
        f"{b['prefix']}" + (f" ({b['vrf']})" if b["vrf"] and what == "plan" else "") for b in blocks
    ]
    print(f"  blocks    {', '.join(shown[:6])}{' …' if len(shown) > 6 else ''}")


# -- check ------------------------------------------------------------------------------------
def run_check(args: argparse.Namespace) -> int:
    from .._errors import InputError
    from .._lint import RULES, lint

    if args.rules:
        if args.json:
            print_json(
                [
                    {"rule": r.id, "severity": r.severity, "summary": r.summary}
                    for r in RULES.values()
                ]
            )
        else:
            for r in RULES.values():
                print(f"{r.id:<24} {r.severity:<8} {r.summary}")
        return 0
    if not args.spec:
        raise InputError(
            "check needs a plan spec or plan file (or --rules); see `v6plan check --help`"
        )
    ignore = {part.strip() for item in args.ignore for part in item.split(",") if part.strip()}
    unknown = ignore - set(RULES)
    if unknown:
        raise InputError(
            f"unknown rule {sorted(unknown)[0]!r} in --ignore; `v6plan check --rules` lists them"
        )
    plan = load_plan(args.spec, args.lock)
    findings = lint(plan, ignore)
    counts = _lint_counts(findings)
    if args.json:
        print_json(
            {
                "plan": plan.title,
                "prefix": None if plan.grouped else str(plan.prefix),
                **(
                    {"blocks": [plan.prefix_text(b) for b in plan.top_blocks()]}
                    if plan.grouped
                    else {}
                ),
                **({"notes": plan.notes} if plan.notes else {}),
                "counts": counts,
                "findings": [f.as_dict() for f in findings],
            }
        )
    else:
        for f in findings:
            print(f)
        print(
            f"{args.spec}: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes in {len(plan) - 1:,} nodes"
        )
    if counts["error"] or (args.strict and counts["warning"]):
        return 1
    return 0


# -- free -------------------------------------------------------------------------------------
def run_free(args: argparse.Namespace) -> int:
    from itertools import islice

    from .._errors import InputError
    from .._prefix import format_prefix
    from .._query import free_blocks, free_of_length, next_free

    plan = load_plan(args.spec, args.lock)
    i = plan.resolve(args.node) if args.node else 0
    where = plan.path(i) or ("(root)" if not plan.is_group(i) else f"{plan.title}, block by block")
    if args.next:
        if args.length is None:
            raise InputError("--next needs --length N (the size of the block to place)")
        block = format_prefix(*next_free(plan, i, args.length, args.order))
        if args.json:
            print_json(
                {
                    "node": plan.path(i),
                    "prefix": plan.prefix_text(i) or None,
                    "length": args.length,
                    "order": args.order,
                    "next": block,
                }
            )
        else:
            print(block)
        return 0
    if args.length is not None:
        limit = args.limit or 16
        blocks = [format_prefix(*b) for b in free_of_length(plan, i, args.length, limit)]
        if args.json:
            print_json(
                {
                    "node": plan.path(i),
                    "prefix": plan.prefix_text(i) or None,
                    "length": args.length,
                    "free": blocks,
                }
            )
        else:
            for b in blocks:
                print(b)
            if not blocks:
                print(f"no free /{args.length} in {where} {plan.prefix_text(i)}")
        return 0
    limit = args.limit or 64
    all_blocks = list(islice(free_blocks(plan, i), limit + 1))
    blocks = [format_prefix(*b) for b in all_blocks[:limit]]
    if args.json:
        print_json(
            {
                "node": plan.path(i),
                "prefix": plan.prefix_text(i) or None,
                "free": blocks,
                "truncated": len(all_blocks) > limit,
            }
        )
    else:
        print(f"free in {where} {plan.prefix_text(i)}:")
        for b in blocks:
            print(f"  {b}")
        if len(all_blocks) > limit:
            print("  … more (raise --limit)")
        if not blocks:
            print("  nothing: every part is allocated")
    return 0


# -- find -------------------------------------------------------------------------------------
def run_find(args: argparse.Namespace) -> int:
    from .._errors import NotFoundError
    from .._prefix import parse_prefix

    plan = load_plan(args.spec, args.lock)
    query = args.query.strip()
    if ":" in query:
        net, length = parse_prefix(query, strict=False)  # a bare address is its /128
        holders = plan.holders(net, length)  # one per VRF that holds it (one for most plans)
        i = holders[0]
        chain = _chain(plan, i)
        if args.json:
            data: dict[str, Any] = {
                "query": query,
                "holder": _node_dict(plan, i),
                "chain": [
                    {
                        "path": plan.path(c),
                        "prefix": plan.prefix_text(c) or None,
                        "role": plan.role(c) or None,
                    }
                    for c in chain
                ],
            }
            if len(holders) > 1:
                data["in_vrfs"] = [
                    {
                        "vrf": plan.vrf(h) or None,
                        "path": plan.path(h),
                        "prefix": plan.prefix_text(h),
                    }
                    for h in holders
                ]
            print_json(data)
        else:
            if len(holders) > 1:
                print(f"{query} is in {len(holders)} VRFs (each its own table):")
            for h in holders:
                print(
                    f"{query} is in {plan.path(h) or plan.title + ' (root)'} {plan.prefix_text(h)}"
                )
                for depth, c in enumerate(_chain(plan, h)):
                    print(
                        f"{'  ' * depth}{plan.name[c]}  {plan.prefix_text(c)}  {plan.role(c)}".rstrip()
                    )
        return 0
    try:
        hits = [plan.find_path(query)] if "/" in query else []
    except NotFoundError:
        hits = []
    hits = hits or plan.search(query, args.limit)
    if not hits:
        raise NotFoundError(f"no node named like {query!r} in {args.spec}")
    if args.json:
        print_json(
            {
                "query": query,
                "matches": [
                    {
                        "path": plan.path(c),
                        "prefix": plan.prefix_text(c),
                        "role": plan.role(c) or None,
                    }
                    for c in hits
                ],
            }
        )
    else:
        width = max(len(plan.path(c)) for c in hits)
        for c in hits:
            print(f"{plan.path(c):<{width}}  {plan.prefix_text(c)}  {plan.role(c)}")
    return 0


def _chain(plan: Plan, i: int) -> list[int]:
    """The nodes from the top of the plan down to ``i`` (the root left out)."""
    chain = []
    while i > 0:
        chain.append(i)
        i = plan.parent[i]
    return chain[::-1]


# -- export -----------------------------------------------------------------------------------
def run_export(args: argparse.Namespace) -> int:
    """Write the plan; every refusal (bad --set, -o or --dir onto an input) before writing."""
    from contextlib import nullcontext

    from .._errors import InputError
    from .._io import note_input
    from .._progress import Progress
    from ..export import ExportOptions, get_format

    settings = {}
    for item in args.set:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise InputError(f"--set {item!r}: write it as KEY=VALUE, e.g. --set depth=2")
        settings[key.strip()] = value.strip()
    fmt = get_format(args.format)
    if args.router:
        settings["router"] = args.router
    fmt.check_settings(settings)
    if fmt.name.startswith("netbox-"):
        settings["netbox-version"] = args.netbox_version
    if args.dir:
        fmt.files_writer()  # a one-file format refuses --dir before any work
    if args.output and fmt.several:
        raise InputError(
            f"{fmt.name} writes several files (the zones and named.conf.zones) and -o FILE "
            "takes one: use --dir DIR (standard output shows them one after another)"
        )
    options = ExportOptions(node=args.node, settings=settings)  # a --set value on one line
    note_input(args.spec, "plan file")  # the spec and lock are noted as they are read
    plan = load_plan(args.spec, args.lock)
    if args.node:
        plan.resolve(args.node)  # fail before any output is opened
    total = len(plan) - 1
    progress = Progress(f"exporting {fmt.name}", total, enabled=args.progress)
    options.progress = progress
    written: list[str] = []
    with progress:
        if args.dir:
            written = fmt.write_dir(plan, args.dir, options)
        elif args.output:  # radvd, frr: the one file, or a refusal that says --dir
            fmt.write_file(plan, args.output, options)
        else:
            with nullcontext(sys.stdout) as stream:
                fmt.writer()(plan, stream, options)
    if args.dir:
        print(f"wrote {len(written)} files to {args.dir}: {', '.join(written)}")
    elif fmt.files and fmt.target:  # netbox-*: the prefix import alone
        print(
            f"v6plan: {fmt.name} without --dir is the prefix import alone; the roles, sites, "
            "tenants, VRFs, VLAN groups and tags its rows name must be in NetBox already "
            "(--dir DIR writes them too, in import order)",
            file=sys.stderr,
        )
    return 0
