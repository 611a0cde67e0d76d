"""``v6plan sync``: connect, read what the IPAM holds under the plan's root, diff, show,
and apply only when asked."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .._plan import Plan
from ._client import BATCH, Client, IpamError
from ._dialect import Dialect
from ._diff import ACTIONS, ORDER, Action, Change, diff, writes
from ._objects import plan_objects

__all__ = ["Product", "SyncResult", "connect", "render", "sync", "to_json"]

Product = Literal["netbox", "nautobot"]
_SHOWN = 40
_DONE = {
    "create": "created",
    "update": "updated",
    "prune": "removed (--prune)",
}  # lines listed per action in the table (--json lists every change)


@dataclass
class SyncResult:
    product: str
    version: str
    url: str
    owner: str
    changes: list[Change]
    applied: bool = False
    asked: bool = False  # --apply was given (applied stays False when nothing was to send)
    writes: int = 0  # objects sent (0 on a dry run, and on a run that found nothing to do)
    requests: int = 0
    setup: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def count(self) -> Counter[tuple[str, Action]]:
        return Counter((c.kind, c.action) for c in self.changes)


def connect(
    product: Product, url: str, token: str, ca_file: str | None = None, batch: int = BATCH
) -> Dialect:
    """A dialect for the server at ``url``, after reading its version from the API."""
    scheme = "Bearer" if product == "netbox" and token.startswith("nbt_") else "Token"
    client = Client(url, token, scheme=scheme, ca_file=ca_file, batch=batch)
    status = client.request("GET", "/api/status/")
    key = f"{product}-version"
    version = str(status.get(key, "")) if isinstance(status, dict) else ""
    if not version:
        other = "nautobot" if product == "netbox" else "netbox"
        hint = (
            f" (it answers as {other.title()}: use --{other})"
            if isinstance(status, dict) and status.get(f"{other}-version")
            else ""
        )
        raise IpamError(f"{client.base} does not say it is {product.title()}{hint}")
    if product == "nautobot":
        from ._nautobot import Nautobot

        major_minor = ".".join(version.split(".")[:2])
        client.accept = f"application/json; version={major_minor}"
        return Nautobot(client, version)
    from ._netbox import NetBox

    return NetBox(client, version)


def sync(
    plan: Plan,
    dialect: Dialect,
    settings: dict[str, str],
    *,
    apply: bool = False,
    prune: bool = False,
    progress: Callable[[int], Any] | None = None,
    on_plan: Callable[[int], Any] | None = None,
    depth: int | None = None,
) -> SyncResult:
    """Diff the plan against the server and, with ``apply``, send the changes."""
    started = time.monotonic()
    objects = plan_objects(plan, settings, depth)
    desired = dialect.desired(objects)
    held = dialect.read(objects, desired)
    changes = diff(desired, held, objects.owner, prune=prune)
    client = dialect.client
    result = SyncResult(dialect.product, dialect.version, client.base, objects.owner, changes)
    result.asked = apply
    total = writes(changes)
    if apply and total:
        if on_plan is not None:
            on_plan(total)
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done)

        try:
            dialect.apply(changes, tick)
        except IpamError as exc:
            raise IpamError(
                f"{exc}\nstopped after {client.writes:,} of {total:,} writes; what was sent is "
                f"in {dialect.product}, marked as v6plan's: run the same command again to finish"
            ) from None
        result.applied = True
    result.writes = client.writes
    result.requests = client.requests
    result.setup = dialect.setup
    result.seconds = time.monotonic() - started
    return result


# -- showing it ---------------------------------------------------------------------------------
def _value(v: Any) -> str:
    if isinstance(v, tuple):
        return ",".join(v) or "-"
    return "-" if v in (None, "") else str(v)


def _line(c: Change) -> str:
    sign = {"create": "+", "update": "~", "prune": "-", "extra": "?", "foreign": "!", "other": "·"}
    head = f"  {sign.get(c.action, ' ')} {c.kind:<10} {c.key}"
    if c.action == "update":
        parts = [f"{k}: {_value(c.old.get(k))} → {_value(v)}" for k, v in c.fields.items()]
        if c.marker is not None and not parts:
            parts.append("marker path")
        return f"{head}  ({'; '.join(parts)})"
    if c.action == "create":
        text = c.fields.get("description")
        return f"{head}  {text}" if text else head
    if c.action == "foreign":
        return f"{head}  (marker: {c.marker})" if c.marker else f"{head}  (made by hand)"
    return head


def render(result: SyncResult) -> str:
    """The diff as a person reads it: a count per kind, then the changes themselves."""
    counts = result.count()
    mode = "applied" if result.applied else "--apply" if result.asked else "dry run"
    lines = [
        f"{result.product} {result.version} at {result.url}, plan {result.owner} ({mode})",
        "",
    ]
    columns: list[Action] = ["create", "update", "unchanged", "foreign", "prune", "extra", "other"]
    used = [a for a in columns if any(counts[(k, a)] for k in ORDER)] or ["unchanged"]
    lines.append(f"  {'kind':<10} " + " ".join(f"{a:>10}" for a in used))
    for kind in ORDER:
        if any(counts[(kind, a)] for a in used):
            lines.append(f"  {kind:<10} " + " ".join(f"{counts[(kind, a)]:>10,}" for a in used))
    for action in ("create", "update", "prune", "extra", "foreign", "other"):
        listed = [c for c in result.changes if c.action == action]
        if not listed:
            continue
        title = _DONE.get(action, ACTIONS[action]) if result.applied else ACTIONS[action]
        lines += ["", f"{title} ({len(listed):,}):"]
        lines += [_line(c) for c in listed[:_SHOWN]]
        if len(listed) > _SHOWN:
            lines.append(f"  … and {len(listed) - _SHOWN:,} more (--json lists every one)")
    todo = writes(result.changes)
    lines.append("")
    if result.applied:
        setup = f" (first sync: made {', '.join(result.setup)})" if result.setup else ""
        lines.append(f"sent {result.writes:,} writes in {result.seconds:.1f} s{setup}")
    elif todo:
        lines.append(f"dry run: nothing sent; --apply sends these {todo:,} writes")
    else:
        lines.append(f"{result.product} already holds the plan: nothing to send")
    return "\n".join(lines)


def to_json(result: SyncResult) -> dict[str, Any]:
    def value(v: Any) -> Any:
        return list(v) if isinstance(v, tuple) else v

    return {
        "server": {"product": result.product, "version": result.version, "url": result.url},
        "plan": result.owner,
        "applied": result.applied,
        "writes": result.writes,
        "requests": result.requests,
        "setup": result.setup,
        "counts": {
            kind: {a: n for (k, a), n in result.count().items() if k == kind}
            for kind in ORDER
            if any(k == kind for k, _ in result.count())
        },
        "changes": [
            {
                "action": c.action,
                "kind": c.kind,
                "key": c.key,
                **({"fields": {k: value(v) for k, v in c.fields.items()}} if c.fields else {}),
                **(
                    {"old": {k: value(v) for k, v in c.old.items()}} if c.action == "update" else {}
                ),
                **({"marker": c.marker} if c.marker else {}),
            }
            for c in result.changes
            if c.action != "unchanged"
        ],
    }
