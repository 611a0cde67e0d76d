"""RPSL ``inet6num`` objects for the RIR database (RIPE NCC, AFRINIC and the like).

Status per level, as the RIPE database documents it (ripe-738 and the RIPE DB manual):

* the allocation itself: ``ALLOCATED-BY-RIR`` — the RIR made this object; it is listed for
  reference and commented out, so a pasted file never tries to recreate it;
* containers near the top (``lir-depth``, default 1): ``ALLOCATED-BY-LIR`` — sub-allocations;
* a pool of equal customer assignments: ``AGGREGATED-BY-LIR`` with ``assignment-size:``
  (the customers themselves need no objects);
* sites, single customers and infrastructure blocks: ``ASSIGNED``.

Everything below an ``ASSIGNED`` or ``AGGREGATED-BY-LIR`` object is the holder's business
and is not registered. Handles the user must supply are placeholders in angle brackets
(``<ADMIN-C>``), which the database refuses until they are replaced.
"""

from __future__ import annotations

import re
from typing import TextIO

from .._errors import InputError
from .._plan import Plan
from .._prefix import format_prefix
from . import ExportOptions
from ._common import Lines, Ticker, selected
from ._text import COMMENT_MAX, one_line, rpsl_word

__all__ = ["write_rpsl"]

_NETNAME = re.compile(r"[^A-Z0-9_-]+")
#: The maintainer an RIR puts on the allocations it makes.
_RIR_MNT = {"RIPE": "RIPE-NCC-HM-MNT", "AFRINIC": "AFRINIC-HM-MNT", "APNIC": "APNIC-HM"}
_ASSIGNED_ROLES = ("site", "customer", "infrastructure", "lan", "p2p", "loopback")


def _netname(text: str) -> str:
    name = _NETNAME.sub("-", text.upper()).strip("-_")
    if not name or not name[0].isalpha():
        name = "NET-" + name
    return name[:80].rstrip("-_")


def _attr(key: str, value: str) -> str:
    return f"{key + ':':<15} {value}\n"


def write_rpsl(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """Objects in plan order (parents first), separated by blank lines."""
    placeholders = _handles(options)
    mnt_lower = (
        rpsl_word("mnt-lower", options.get("mnt-lower"))
        if options.get("mnt-lower")
        else placeholders["mnt-by"]
    )
    lir_depth = options.number("lir-depth", 1, 0, 64)
    root_name = _netname(options.get("netname") or plan.title)
    missing = [k for k, v in placeholders.items() if v.startswith("<")]
    lines = Lines(out)
    title = one_line(plan.title, COMMENT_MAX)
    lines.add(f"# RPSL inet6num objects for {title} ({plan.prefix}), written by v6plan.\n")
    if missing:
        lines.add(
            "# PLACEHOLDERS: replace every <…> before submitting: "
            + ", ".join(f"{placeholders[k]} (--set {k}=…)" for k in missing)
            + ".\n"
        )
    lines.add("# Submit each object (without the # lines) through your RIR's update service.\n\n")

    def obj(i: int, status: str, netname: str, descr: str, extra: list[tuple[str, str]]) -> None:
        text = [
            _attr("inet6num", format_prefix(plan.net[i], plan.plen[i])),
            _attr("netname", netname),
            _attr("descr", descr),
            _attr("country", placeholders["country"]),
        ]
        if status.startswith("ALLOCATED"):
            text.append(_attr("org", placeholders["org"]))
        text += [
            _attr("admin-c", placeholders["admin-c"]),
            _attr("tech-c", placeholders["tech-c"]),
            _attr("status", status),
        ]
        text += [_attr(k, v) for k, v in extra]
        text += [_attr("mnt-by", placeholders["mnt-by"])]
        if status.startswith("ALLOCATED"):
            text.append(_attr("mnt-lower", mnt_lower))
        text.append(_attr("source", placeholders["source"]))
        lines.add("".join(text) + "\n")

    top = selected(plan, options)
    kinds, kind, end, depth = plan.kinds, plan.kind, plan.end, plan.depth
    ticker = Ticker(options, end[top] - top)
    if top == 0:
        lines.add("# reference: the RIR created this object; do not submit it\n")
        lines.add(
            "".join(
                "# " + line + "\n"
                for line in (
                    _attr("inet6num", str(plan.prefix)).rstrip("\n"),
                    _attr("netname", root_name).rstrip("\n"),
                    _attr("org", placeholders["org"]).rstrip("\n"),
                    _attr("status", "ALLOCATED-BY-RIR").rstrip("\n"),
                    _attr("mnt-by", _RIR_MNT.get(placeholders["source"], "(the RIR's)")).rstrip(
                        "\n"
                    ),
                    _attr("mnt-lower", placeholders["mnt-by"]).rstrip("\n"),
                    _attr("source", placeholders["source"]).rstrip("\n"),
                )
            )
            + "\n"
        )
        i = 1
    else:
        i = top
    stop = end[top]
    offset = 1 if top > 0 else 0  # the exported node itself is a first-level block
    last = i
    while i < stop:
        if i - last >= 4096:
            ticker.add(i - last)
            last = i
        kd = kinds[kind[i]]
        role = kd.role
        path = plan.path(i)
        descr = one_line(path + (f": {kd.description}" if kd.description else ""), COMMENT_MAX)
        netname = _netname(f"{root_name}-{path.replace('/', '-')}")
        leaf = end[i] == i + 1
        if role in ("reserve", "host"):
            i = end[i]
            continue
        pool = _customer_pool(plan, i)
        if pool:
            obj(i, "AGGREGATED-BY-LIR", netname, descr, [("assignment-size", str(pool))])
            i = end[i]
        elif role in _ASSIGNED_ROLES or leaf:
            obj(i, "ASSIGNED", netname, descr, [])
            i = end[i]
        else:
            if depth[i] - depth[top] + offset <= lir_depth:
                obj(i, "ALLOCATED-BY-LIR", netname, descr, [])
            i += 1
    ticker.add(stop - last)
    lines.flush()


def _handles(options: ExportOptions) -> dict[str, str]:
    """The handles of every object: each given one checked, the rest placeholders."""
    given = {key: options.get(key) for key in ("admin-c", "tech-c", "mnt-by", "org", "source")}
    for key, value in given.items():
        if value:
            rpsl_word(key, value)
    country = options.get("country")
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise InputError(f"--set country={country}: give the two-letter ISO 3166 code, e.g. KE")
    return {
        "admin-c": given["admin-c"] or "<ADMIN-C>",
        "tech-c": given["tech-c"] or "<TECH-C>",
        "mnt-by": given["mnt-by"] or "<MNT-BY>",
        "org": given["org"] or "<ORG>",
        "country": (country or "<CC>").upper(),
        "source": (given["source"] or "RIPE").upper(),
    }


def _customer_pool(plan: Plan, i: int) -> int:
    """The customers' length if node ``i`` holds only customers of one size, else 0."""
    if plan.end[i] == i + 1:
        return 0
    kinds, kind, plen = plan.kinds, plan.kind, plan.plen
    length = 0
    for c in plan.children(i):
        if kinds[kind[c]].role != "customer":
            return 0
        if length and plen[c] != length:
            return 0
        length = plen[c]
    return length
