"""RPSL ``inet6num`` and ``route6`` objects for the RIR database (RIPE NCC, AFRINIC …).

Status per block, as the RIPE NCC's IPv6 policy (ripe-738 §5.5) and the RIPE database
manual define them:

* the allocation itself: ``ALLOCATED-BY-RIR`` — the RIR made this object; it is listed for
  reference and commented out, so a pasted file never tries to recreate it;
* ``ALLOCATED-BY-LIR`` means a sub-allocation *to another LIR* (a downstream ISP): only the
  containers down to ``--set lir-depth=N`` get it, none by default — an internal region is
  no sub-allocation and gets no object;
* a pool of equal customer assignments: ``AGGREGATED-BY-LIR`` with ``assignment-size:``
  (the customers themselves need no objects);
* end sites and single customers (and role-less leaf blocks): ``ASSIGNED``;
* internal infrastructure (``infrastructure``, LAN, p2p and loopback blocks): nothing, unless
  ``--set infrastructure=yes`` registers each such block as ``ASSIGNED``.

Everything below an ``ASSIGNED`` or ``AGGREGATED-BY-LIR`` object is the holder's business
and is not registered. With ``--set origin=ASN`` a ``route6`` object is written for the
aggregate announced (the exported block, and the blocks ``--set announce=N`` levels below
it). Handles the user must supply are placeholders in angle brackets (``<ADMIN-C>``), which
the database refuses until they are replaced.
"""

from __future__ import annotations

import re
from typing import Literal, TextIO

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
#: End-site assignments: registered as ``ASSIGNED``.
_END_SITE_ROLES = ("site", "customer")
#: The holder's own network: registered only with ``--set infrastructure=yes``.
_INTERNAL_ROLES = ("infrastructure", "lan", "p2p", "loopback")
_ASN = re.compile(r"AS([1-9][0-9]{0,9})\Z")
Status = Literal["ALLOCATED-BY-LIR", "AGGREGATED-BY-LIR", "ASSIGNED"]


def origin_asn(text: str) -> str:
    """``--set origin``: ``AS`` and a 32-bit AS number (RFC 6793), not AS0 (RFC 7607)."""
    raw = text.strip()
    match = _ASN.match(raw.upper())
    if match is None or int(match.group(1)) > 2**32 - 1:
        raise InputError(
            f"--set origin={raw[:40]}: give the AS number announcing the routes as AS "
            "followed by its number, from AS1 to AS4294967295 (e.g. AS64500)"
        )
    return f"AS{int(match.group(1))}"


def _netname(text: str) -> str:
    name = _NETNAME.sub("-", text.upper()).strip("-_")
    if not name or not name[0].isalpha():
        name = "NET-" + name
    return name[:80].rstrip("-_")


def _attr(key: str, value: str) -> str:
    return f"{key + ':':<15} {value}\n"


def write_rpsl(plan: Plan, out: TextIO, options: ExportOptions) -> None:
    """Objects in plan order (parents first), separated by blank lines."""
    writer = _Writer(plan, out, options)
    writer.header()
    writer.route6_objects()
    writer.inet6num_objects()
    writer.lines.flush()


class _Writer:
    """The settings read once, and the objects written from them."""

    def __init__(self, plan: Plan, out: TextIO, options: ExportOptions) -> None:
        self.plan = plan
        self.options = options
        self.handles = _handles(options)
        self.mnt_lower = (
            rpsl_word("mnt-lower", options.get("mnt-lower"))
            if options.get("mnt-lower")
            else self.handles["mnt-by"]
        )
        self.lir_depth = options.number("lir-depth", 0, 0, 64)
        self.infrastructure = options.flag("infrastructure")
        self.origin = origin_asn(options.get("origin")) if options.get("origin") else ""
        self.announce = options.number("announce", 0, 0, 64)
        if self.announce and not self.origin:
            raise InputError("--set announce needs --set origin=ASN (the AS announcing them)")
        self.root_name = _netname(options.get("netname") or plan.title)
        self.top = selected(plan, options)
        self.lines = Lines(out)

    def header(self) -> None:
        plan, handles, lines = self.plan, self.handles, self.lines
        missing = [k for k, v in handles.items() if v.startswith("<")]
        title = one_line(plan.title, COMMENT_MAX)
        kinds = "inet6num and route6" if self.origin else "inet6num"
        lines.add(f"# RPSL {kinds} objects for {title} ({plan.prefix}), written by v6plan.\n")
        if missing:
            lines.add(
                "# PLACEHOLDERS: replace every <…> before submitting: "
                + ", ".join(f"{handles[k]} (--set {k}=…)" for k in missing)
                + ".\n"
            )
        lines.add(
            "# Submit each object (without the # lines) through your RIR's update service.\n\n"
        )
        if self.top == 0:
            lines.add("# reference: the RIR created this object; do not submit it\n")
            reference = (
                ("inet6num", str(plan.prefix)),
                ("netname", self.root_name),
                ("country", handles["country"]),
                ("org", handles["org"]),
                ("admin-c", handles["admin-c"]),
                ("tech-c", handles["tech-c"]),
                ("status", "ALLOCATED-BY-RIR"),
                ("mnt-by", _RIR_MNT.get(handles["source"], "(the RIR's)")),
                ("mnt-lower", handles["mnt-by"]),
                ("source", handles["source"]),
            )
            lines.add("".join("# " + _attr(k, v) for k, v in reference) + "\n")

    def route6_objects(self) -> None:
        """One ``route6`` per announced aggregate: the block, and ``announce`` levels down."""
        if not self.origin:
            return
        plan, top = self.plan, self.top
        depth, end, kinds, kind = plan.depth, plan.end, plan.kinds, plan.kind
        i, stop = top, end[top]
        while i < stop:
            if kinds[kind[i]].role in ("reserve", "host", "root") and i != top:
                i = end[i]
                continue
            if i > 0 or not plan.grouped:
                text = [
                    _attr("route6", format_prefix(plan.net[i], plan.plen[i])),
                    _attr("descr", self.descr(i)),
                    _attr("origin", self.origin),
                    _attr("mnt-by", self.handles["mnt-by"]),
                    _attr("source", self.handles["source"]),
                ]
                self.lines.add("".join(text) + "\n")
            i = i + 1 if depth[i] - depth[top] < self.announce else end[i]

    def descr(self, i: int) -> str:
        plan = self.plan
        kd = plan.kinds[plan.kind[i]]
        path = plan.path(i) or plan.title
        return one_line(path + (f": {kd.description}" if kd.description else ""), COMMENT_MAX)

    def inet6num(self, i: int, status: Status, extra: tuple[tuple[str, str], ...] = ()) -> None:
        plan, handles = self.plan, self.handles
        netname = _netname(f"{self.root_name}-{plan.path(i).replace('/', '-')}")
        allocated = status == "ALLOCATED-BY-LIR"
        text = [
            _attr("inet6num", format_prefix(plan.net[i], plan.plen[i])),
            _attr("netname", netname),
            _attr("descr", self.descr(i)),
            _attr("country", handles["country"]),
        ]
        if allocated:
            text.append(_attr("org", handles["org"]))
        text += [
            _attr("admin-c", handles["admin-c"]),
            _attr("tech-c", handles["tech-c"]),
            _attr("status", status),
        ]
        text += [_attr(k, v) for k, v in extra]
        text.append(_attr("mnt-by", handles["mnt-by"]))
        if allocated:
            text.append(_attr("mnt-lower", self.mnt_lower))
        text.append(_attr("source", handles["source"]))
        self.lines.add("".join(text) + "\n")

    def inet6num_objects(self) -> None:
        plan, top = self.plan, self.top
        kinds, kind, end, depth = plan.kinds, plan.kind, plan.end, plan.depth
        ticker = Ticker(self.options, end[top] - top)
        i = 1 if top == 0 else top
        stop = end[top]
        offset = 1 if top > 0 else 0  # the exported node itself is a first-level block
        last = i
        while i < stop:
            if i - last >= 4096:
                ticker.add(i - last)
                last = i
            role = kinds[kind[i]].role
            pool = _customer_pool(plan, i) if role not in ("reserve", "host") else 0
            if role in ("reserve", "host"):
                i = end[i]
            elif pool:
                self.inet6num(i, "AGGREGATED-BY-LIR", (("assignment-size", str(pool)),))
                i = end[i]
            elif role in _INTERNAL_ROLES:
                if self.infrastructure:
                    self.inet6num(i, "ASSIGNED")
                i = end[i]
            elif role in _END_SITE_ROLES or end[i] == i + 1:
                self.inet6num(i, "ASSIGNED")
                i = end[i]
            else:  # a container: a sub-allocation only down to lir-depth
                if depth[i] - depth[top] + offset <= self.lir_depth:
                    self.inet6num(i, "ALLOCATED-BY-LIR")
                i += 1
        ticker.add(stop - last)


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
