"""``v6lab`` commands about the lab session itself: ``list``, ``start``, ``status``, ``task``,
``stop`` and ``cleanup`` (standard library only at import, like all of the command line)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ...cli import print_json
from ._common import Commands, lab_messages, lab_run, live
from ._output import Out, err, progress_lines

__all__ = ["register"]


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
            messages = lab.messages(lab_messages(args).lang)
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
    out.print(lab_messages(args).text("ui.start-one"))
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
    lab = load_lab(args.lab)
    variant = load_variant(args.variant) if args.variant else Variant()
    if args.variant:  # a classmate's or another lab's variant: refused now (before --replace
        # stops the running lab), not at grading
        from ..instructor._seal import check_variant_for

        check_variant_for(args.variant, lab.name, args.trainee or "")
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
    run = lab.instantiate(variant)
    spec = run.topology_spec()
    refuse_missing(backend_class(args.backend).missing_programs(spec), f"{lab.name} runs")
    messages = lab_messages(args, run)
    session = Session.create(
        lab.directory,
        args.backend,
        prefix=variant.prefix,
        variant=str(Path(args.variant).resolve()) if args.variant else "",
        variant_name=variant.name,
    )
    started = time.monotonic()
    err(
        f"starting {lab.name} on {args.backend}: {len(spec.nodes)} nodes, {len(spec.links)} links"
        + (
            f", {len(spec.segments)} shared segment{'s' * (len(spec.segments) != 1)}"
            if spec.segments
            else ""
        )
        + f" (session {session.info.tag})"
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

    with live(args) as (session, run, backend):
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
    if args.values:
        from ..instructor._seal import refuse_if_sealed

        refuse_if_sealed(session.info.variant, "v6lab task --values")
    run = lab_run(session)
    messages = lab_messages(args, run)
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
        lab_messages(args).text(
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


# -- the sub-commands -------------------------------------------------------------------------
def _json_output(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _start_options(p: argparse.ArgumentParser) -> None:
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
    p.add_argument(
        "--trainee",
        metavar="ID",
        help="who you are (your id on the class sheet; or $V6LAB_TRAINEE): a variant file "
        "of someone else is refused",
    )
    p.add_argument("--replace", action="store_true", help="stop the running lab first")


def _task_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--values", action="store_true", help="also list every address the plan gives (instructors)"
    )


def register(commands: Commands) -> None:
    """Declare ``list``, ``start``, ``status``, ``task``, ``stop`` and ``cleanup``."""
    commands.add(
        "list",
        "the labs you can start",
        "  v6lab list\n  v6lab list --json",
        run_list,
        _json_output,
    )
    commands.add(
        "start",
        "start a lab: bring up its topology (one lab runs at a time)",
        "  v6lab start 04-lan-addressing\n  v6lab start 06-p2p-loopbacks --variant alice.yaml\n"
        "  sudo v6lab start 08-slaac --backend netns      the real kernel (Linux, root)",
        run_start,
        _start_options,
    )
    commands.add(
        "status",
        "the running lab: nodes, interfaces, addresses",
        "  v6lab status\n  v6lab status --json | jq '.nodes[0]'",
        run_status,
        _json_output,
    )
    commands.add(
        "task",
        "what the lab asks you to do, with your values",
        "  v6lab task\n  v6lab task --values      every planned address (the answer key!)",
        run_task,
        _task_options,
    )
    commands.add(
        "stop",
        "stop the running lab and remove everything it made",
        "  v6lab stop\n  sudo v6lab stop         a netns lab",
        run_stop,
    )
    commands.add(
        "cleanup",
        "remove every lab session and leftover namespace (after a crash)",
        "  v6lab cleanup\n  sudo v6lab cleanup      also namespaces and radvd left by netns labs",
        run_cleanup,
    )
