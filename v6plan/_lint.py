"""Lint: a plan checked against IPv6 planning best practice.

Each rule has a stable id, a severity and a one-line summary (``v6plan check
--rules``). Findings name the node by path and prefix and say what to do.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import TYPE_CHECKING

from ._plan import Kind, Plan
from ._prefix import format_prefix, host_mask
from ._request import SITE_LENGTH, project, top_templates
from ._routers import is_template, lookup, own_router
from ._sizing import END_SITE_LONGEST, FILL, block_length_for, fill_ratio
from ._special import (
    DOCUMENTATION,
    SPECIAL_PURPOSE,
    ULA,
    ULA_L,
    holds_reserved_iid,
    inside,
    overlaps,
    reserved_anycast,
)

if TYPE_CHECKING:
    from ._spec import SpecNode

__all__ = ["RULES", "SEVERITIES", "Finding", "Rule", "lint"]

SEVERITIES = ("error", "warning", "info")
#: Overlaps listed one by one in a sibling group; the rest are counted in one finding.
MAX_OVERLAPS = 100
#: Findings listed per rule; the rest are counted in one finding on the root (a hostile
#: file of two million rows must not make millions of findings, each with its path).
MAX_PER_RULE = 10_000


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: str
    summary: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("host-bits", "error", "a prefix has bits set after its length"),
        Rule("outside-parent", "error", "a block is not inside its parent"),
        Rule("overlap", "error", "two sibling blocks overlap"),
        Rule("children-exceed-parent", "error", "children together are bigger than their parent"),
        Rule("reserve-used", "error", "a reserve has blocks allocated inside it"),
        Rule("lan-not-64", "error", "a LAN is not a /64 (SLAAC needs a 64-bit interface id)"),
        Rule("p2p-not-127-in-64", "error", "a p2p link is not a /127 inside its own reserved /64"),
        Rule(
            "p2p-anycast",
            "error",
            "a /127 uses the subnet-router anycast or the RFC 2526 anycast range",
        ),
        Rule("loopback-not-128-in-64", "error", "loopbacks are not /128s from a dedicated /64"),
        Rule("special-purpose", "error", "planning inside IANA special-purpose space"),
        Rule(
            "p2p-end-unknown",
            "warning",
            "a p2p link end names a router with no loopback, or one nothing else names",
        ),
        Rule("non-nibble", "warning", "a planning level is not on a 4-bit boundary"),
        Rule(
            "headroom",
            "warning",
            "children with their requested growth fill a block beyond the sizing's 75 % rule",
        ),
        Rule(
            "site-too-small",
            "warning",
            "an end site (a site, a customer, a block of one site's LANs) is longer than /56",
        ),
        Rule(
            "site-not-48",
            "warning",
            "end sites are pinned smaller than the /48 RIPE-690 gives; what to ask the RIR for",
        ),
        Rule("ula-not-random", "warning", "a ULA Global ID looks hand-made instead of random"),
        Rule(
            "router-vlan-twice",
            "warning",
            "a router serves two LANs with the same VLAN id on the same interface name",
        ),
        Rule(
            "documentation-space", "info", "the plan is in documentation space (fine for training)"
        ),
        Rule("ula-space", "info", "the plan is in unique-local space (not routed on the Internet)"),
    )
}


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: str
    index: int
    path: str
    prefix: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "prefix": self.prefix,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = self.path or "(root)"
        return f"{self.severity:<7} {self.rule:<22} {where} {self.prefix}: {self.message}"


def _vlan_key(kind: Kind) -> str | None:
    """What besides the VLAN id names a LAN's interface: "" (only the id), "parent", or
    None when the name is unique anyway (``{name}``, ``{index}``, ``{n}``)."""
    template = kind.interface or "vlan{vlan}"
    if any(f"{{{k}}}" in template for k in ("name", "index", "n")):
        return None
    return "parent" if "{parent}" in template else ""


def lint(plan: Plan, ignore: Iterable[str] = (), node: int | None = None) -> list[Finding]:
    """All findings for ``plan``, in plan order within each rule group.

    With ``node``, only the findings about that node — checking just its parent's and its
    own children instead of the whole plan (what `v6plan show` needs).
    """
    findings = _Linter(plan, frozenset(ignore), node).run()
    return findings if node is None else [f for f in findings if f.index == node]


class _Linter:
    def __init__(self, plan: Plan, ignore: frozenset[str], node: int | None = None) -> None:
        self.plan = plan
        self.ignore = ignore
        self.node = node
        self.findings: list[Finding] = []
        self.counts: dict[str, int] = {}  # findings per rule, listed or not

    def add(self, rule: str, i: int, message: str) -> None:
        if rule in self.ignore:
            return
        count = self.counts[rule] = self.counts.get(rule, 0) + 1
        if count > MAX_PER_RULE:
            return  # counted in one finding at the end: a file can hold millions of rows
        plan = self.plan
        self.findings.append(
            Finding(rule, RULES[rule].severity, i, plan.path(i), plan.prefix_text(i), message)
        )

    def run(self) -> list[Finding]:
        self.space_rules()
        self.structure()
        self.link_ends()
        self.lan_sites()
        self.sites_not_48()
        self.router_vlans()
        for rule, count in self.counts.items():
            if count > MAX_PER_RULE:
                self.findings.append(
                    Finding(
                        rule,
                        RULES[rule].severity,
                        0,
                        "",
                        self.plan.prefix_text(0),
                        f"{count - MAX_PER_RULE:,} more {rule} findings are not listed "
                        f"(the first {MAX_PER_RULE:,} are; fix those and check again)",
                    )
                )
        return self.findings

    # -- one VLAN id once per router --------------------------------------------------------
    def router_vlans(self) -> None:
        """Two LANs of one router with the same VLAN id, where the interface template does not
        tell them apart (the default ``vlan{vlan}``): the exports would make ``vlan100`` and
        ``vlan100-2``, two interfaces for one tag. ``{parent}.{vlan}`` (a trunk per site),
        ``{name}``, ``{index}`` or ``{n}`` in ``interface:`` keep them apart.

        Sibling LANs of one kind are a run of VLAN ids on one router: runs are compared as
        ranges, and only the LANs of runs that overlap are looked at one by one."""
        plan = self.plan
        kinds = plan.kinds
        if "router-vlan-twice" in self.ignore or not any(k.router for k in kinds):
            return
        keyed = [_vlan_key(k) if k.role == "lan" and k.vlan is not None else None for k in kinds]
        if all(k is None for k in keyed) or (
            self.node is not None and keyed[plan.kind[self.node]] is None
        ):
            return
        kind, parent, name = plan.kind, plan.parent, plan.name
        lans = [i for i, k in enumerate(kind) if keyed[k] is not None]
        router_of = lookup(plan)
        own = [bool(k.router) for k in kinds]  # a LAN kind's own router: (a run of one)
        groups: dict[tuple[str, str], list[tuple[int, int]]] = {}  # (router, trunk) → runs
        a, n = 0, len(lans)
        while a < n:
            i = lans[a]
            k, p = kind[i], parent[i]
            b = a + 1
            if not own[k]:
                while (
                    b < n and lans[b] == i + b - a and kind[lans[b]] == k and parent[lans[b]] == p
                ):
                    b += 1  # sibling leaves of one kind, in a row
            router = router_of(i) if own[k] else router_of(p)
            if router:
                trunk = name[p] if keyed[k] == "parent" else ""
                groups.setdefault((router, trunk), []).append((a, b))
            a = b
        found: list[tuple[int, str]] = []
        for (router, _), runs in groups.items():
            if len(runs) > 1 and self.vlan_runs_overlap(lans, runs):
                found += self.vlans_twice(router, [i for a, b in runs for i in lans[a:b]])
        for i, message in sorted(found):
            self.add("router-vlan-twice", i, message)

    def vlan_id(self, i: int) -> int:
        return (self.plan.kinds[self.plan.kind[i]].vlan or 0) + self.plan.index[i]

    def vlan_runs_overlap(self, lans: list[int], runs: list[tuple[int, int]]) -> bool:
        spans = sorted((self.vlan_id(lans[a]), self.vlan_id(lans[b - 1])) for a, b in runs)
        return any(lo <= hi for (_, hi), (lo, _) in pairwise(spans))

    def vlans_twice(self, router: str, nodes: list[int]) -> list[tuple[int, str]]:
        plan = self.plan
        first: dict[int, int] = {}
        out = []
        for i in nodes:
            vlan = self.vlan_id(i)
            seen = first.setdefault(vlan, i)
            if seen != i:
                out.append(
                    (
                        i,
                        f"router {router} already has VLAN {vlan} on {plan.path(seen)}: its "
                        "interfaces would be named alike (the second gets a -2) — give these "
                        "LANs other `vlan:` numbers or another router, or tell them apart in "
                        "`interface:` (e.g. `{parent}.{vlan}`, one trunk per site)",
                    )
                )
        return out

    # -- who is at the end of a link ------------------------------------------------------
    def link_ends(self) -> None:
        """Each router named in a p2p ``ends`` pair should be one the plan knows: one with a
        loopback when the plan names loopbacks, else one named somewhere else (another link,
        a LAN's ``router:``) — a lone name is usually a typo (``cor2`` for ``core2``)."""
        if "p2p-end-unknown" in self.ignore:
            return
        kinds = self.plan.kinds
        linked = [k for k, kind in enumerate(kinds) if kind.role == "p2p" and kind.ends]
        if not linked:
            return
        loopbacks: set[str] = set()
        mentions: dict[str, int] = {}
        for kind in kinds:
            template = kind.template
            if kind.role == "host" and template is not None:
                loopbacks.update(template.names[: template.count])
            names = [kind.router] if kind.router and not is_template(kind.router) else []
            names += [name for pair in kind.ends for name in pair] if kind.role == "p2p" else []
            for name in names:
                mentions[name] = mentions.get(name, 0) + 1
        self.templated_mentions(mentions)
        known = sorted(loopbacks)
        named = f" (loopbacks are named {', '.join(known[:8])}{' …' if len(known) > 8 else ''})"
        for k in linked:
            doubtful: dict[int, str] = {}
            for j, pair in enumerate(kinds[k].ends):
                odd = [
                    repr(name)
                    for name in pair
                    if name not in loopbacks and (loopbacks or mentions.get(name, 0) <= 1)
                ]
                if odd:
                    who = f"router {odd[0]}" if len(odd) == 1 else f"routers {' and '.join(odd)}"
                    doubtful[j] = (
                        f"{who} at its ends {'has' if len(odd) == 1 else 'have'} no loopback{named}"
                        if loopbacks
                        else f"{who} at its ends {'is' if len(odd) == 1 else 'are'} named nowhere "
                        "else in the plan"
                    )
            if doubtful:
                self.flag_link_ends(k, doubtful)

    def templated_mentions(self, mentions: dict[str, int]) -> None:
        """The names a ``router:`` template makes, one per instance, count as mentions."""
        plan = self.plan
        templated = {k for k, kind in enumerate(plan.kinds) if is_template(kind.router)}
        if not templated:
            return
        kind = plan.kind
        for i in range(len(plan)):
            if kind[i] in templated:
                name = own_router(plan, i)
                mentions[name] = mentions.get(name, 0) + 1

    def flag_link_ends(self, k: int, doubtful: dict[int, str]) -> None:
        plan = self.plan
        nodes = range(len(plan)) if self.node is None else (self.node,)
        kind, index, plen = plan.kind, plan.index, plan.plen
        for i in nodes:
            if kind[i] == k and plen[i] == 64 and index[i] in doubtful:
                self.add("p2p-end-unknown", i, f"{doubtful[index[i]]} — check the names in `ends`")

    # -- where the plan lives -------------------------------------------------------
    def space_rules(self) -> None:
        """Where each top-level block lives: the root, or each block of a file with several."""
        for top in self.plan.top_blocks():
            self.block_space_rules(top)
        self.one_space_note()

    def block_space_rules(self, top: int) -> None:
        plan = self.plan
        root = (plan.net[top], plan.plen[top])
        for row in SPECIAL_PURPOSE:  # the one table, v6plan._special
            if overlaps(root, row.block):
                self.walk_overlapping(row.block, row.why, top)
        if any(inside(root, d) for d in DOCUMENTATION):
            self.add(
                "documentation-space",
                top,
                "documentation space (RFC 3849 / RFC 9637): right for training and examples; use your RIR allocation in production",
            )
        if inside(root, ULA):
            if not inside(root, ULA_L):
                self.add(
                    "special-purpose",
                    top,
                    "fc00::/8 is not assigned: unique-local prefixes are fd00::/8 plus a random 40-bit Global ID (`v6plan ula`)",
                )
            else:
                self.add(
                    "ula-space",
                    top,
                    "unique-local space (RFC 4193): reachable only inside your network",
                )
                self.ula_ids(top)

    def ula_ids(self, top: int) -> None:
        """``ula-not-random`` on the top block and on each block below it that fixes a /48
        of its own (the shallowest node of /48 or longer): every Global ID is checked once."""
        plan = self.plan
        plen, end = plan.plen, plan.end
        self.ula_id(top)
        i, stop = top + 1, end[top]
        while i < stop:
            if plen[i] < 48:
                i += 1
                continue
            if plen[plan.parent[i]] < 48:
                self.ula_id(i)
            i = end[i]  # everything below shares this node's /48

    def ula_id(self, i: int) -> None:
        global_id = (self.plan.net[i] >> 80) & ((1 << 40) - 1)
        if global_id < 0x10000 or bin(global_id).count("1") < 8:
            self.add(
                "ula-not-random",
                i,
                f"Global ID {global_id:010x} is not random; generate one with `v6plan ula` (RFC 4193 §3.2)",
            )

    def one_space_note(self) -> None:
        """The documentation/ULA note once, on the first of several blocks it is about."""
        blocks = len(self.plan.top_blocks())
        if blocks < 2:
            return
        for rule in ("documentation-space", "ula-space"):
            about = [n for n, f in enumerate(self.findings) if f.rule == rule]
            if not about:
                continue
            first = self.findings[about[0]]
            some = "all" if len(about) == blocks else f"{len(about):,} of the"
            self.findings[about[0]] = replace(
                first, message=f"{first.message} ({some} {blocks:,} top-level blocks)"
            )
            for n in reversed(about[1:]):
                del self.findings[n]
            self.counts[rule] = 1  # one note stands for them all

    def walk_overlapping(self, block: tuple[int, int], why: str, top: int = 0) -> None:
        """Report the shallowest nodes of block ``top`` inside or across a special-purpose block."""
        plan = self.plan
        i, n = top, plan.end[top]
        while i < n:
            me = (plan.net[i], plan.plen[i])
            if not overlaps(me, block):
                i = plan.end[i]
                continue
            if inside(me, block) or plan.end[i] == i + 1:
                self.add(
                    "special-purpose", i, f"inside {format_prefix(*block)} ({why}): never plan here"
                )
                i = plan.end[i]
            else:
                if i == top or not any(
                    overlaps((plan.net[c], plan.plen[c]), block) for c in plan.children(i)
                ):
                    self.add("special-purpose", i, f"overlaps {format_prefix(*block)} ({why})")
                i += 1

    # -- the tree, one parent at a time -----------------------------------------------
    def structure(self) -> None:
        plan = self.plan
        net, plen, end, kind, kinds = plan.net, plan.plen, plan.end, plan.kind, plan.kinds
        masks = [host_mask(length) for length in range(129)]
        roles = [k.role for k in kinds]
        nibble_ok = [k.nibble for k in kinds]
        # Root first: its own host bits; its level is the RIR's choice (no nibble rule).
        group = plan.group_kinds()
        if not group[kind[0]] and net[0] & masks[plen[0]]:
            self.add("host-bits", 0, self.host_bits_text(0))
        check: dict[str, Callable[[int, int], None]] = {
            "lan": self.lan,
            "p2p": self.p2p,
            "loopback": self.loopback,
            "host": self.host,
            "site": self.site,
            "customer": self.site,
        }
        n = len(plan)
        if self.node is None:
            parents: Iterable[int] = range(n)
        else:  # the node's findings come from its parent's pass and its own
            parents = sorted({p for p in (plan.parent[self.node], self.node) if p >= 0})
        for p in parents:
            if end[p] == p + 1:
                continue  # a leaf: nothing below it to check
            if group[kind[p]]:
                self.top_level(p, check)
                continue
            p_len = plen[p]
            p_net = net[p] & ~masks[p_len]
            p_end = p_net + (1 << (128 - p_len))
            p_role = roles[kind[p]]
            if p_role == "reserve":
                self.add(
                    "reserve-used",
                    p,
                    f"a reserve must stay empty; move the {plan.child_count(p)} blocks inside it out",
                )
            intervals = []
            c = p + 1
            stop = end[p]
            total = 0
            while c < stop:
                c_net, c_len = net[c], plen[c]
                if c_net & masks[c_len]:
                    self.add("host-bits", c, self.host_bits_text(c))
                    c_net &= ~masks[c_len]
                c_end = c_net + (1 << (128 - c_len))
                if c_len < p_len or c_net < p_net or c_end > p_end:
                    self.add(
                        "outside-parent",
                        c,
                        f"not inside its parent {plan.prefix_text(p)}; move it or fix the parent",
                    )
                else:
                    total += c_end - c_net
                intervals.append((c_net, c_end, c))
                role = roles[kind[c]]
                if c_len % 4 and nibble_ok[kind[c]] and c_len < 127 and role not in ("host", "p2p"):
                    self.add(
                        "non-nibble",
                        c,
                        f"/{c_len} is not on a nibble boundary (use /{c_len - c_len % 4} or /{c_len - c_len % 4 + 4}); set `nibble: false` on the node if this is deliberate",
                    )
                rule = check.get(role)
                if rule is not None:
                    rule(c, p)
                elif c_len == 127 and end[c] == c + 1:
                    self.anycast127(c)
                c = end[c]
            if total > p_end - p_net:
                self.add(
                    "children-exceed-parent",
                    p,
                    f"children take {total:,} addresses, more than the {p_end - p_net:,} of this block",
                )
            intervals.sort()
            self.overlaps(intervals, p)
            want = kinds[kind[p]].want  # with growth, reserves aside (v6plan._build)
            if want and fill_ratio(want, p_len) > FILL:
                self.headroom(p, want)

    def headroom(self, p: int, want: int) -> None:
        """Children (reserves aside) with their growth fill the block beyond the sizing's
        75 % rule: the sizing would have made it a nibble bigger. Only growth asked for
        counts — a block planned full with growth 1 is the planner's choice."""
        plan = self.plan
        kinds, kind = plan.kinds, plan.kind
        asked: dict[tuple[int, int], int] = {}
        for c in plan.children(p):
            if kinds[kind[c]].role != "reserve":  # a reserve is growth room, not growth
                key = (kind[c], plan.plen[c])
                asked[key] = asked.get(key, 0) + 1
        growth = sorted({kinds[k].growth for k, _ in asked if kinds[k].growth > 1})
        if not growth:
            return
        wanted = [
            (max(n, math.ceil(n * kinds[k].growth)), length) for (k, length), n in asked.items()
        ]
        length = plan.plen[p]
        better = block_length_for(wanted)
        fix = f"make it /{better} or shorter" if 0 <= better < length else "make it shorter"
        self.add(
            "headroom",
            p,
            f"children with their requested growth ({', '.join(f'×{g:g}' for g in growth)}) "
            f"would fill {fill_ratio(want, length) * 100:.1f} % of this block, more than the "
            f"{FILL * 100:.0f} % the sizing plans for; {fix}, or lower the growth",
        )

    def top_level(self, p: int, check: dict[str, Callable[[int, int], None]]) -> None:
        """The blocks of a grouping node: each a root of its own (host bits, role rules),
        overlapping only with a block of the same group (a VRF is a table of its own)."""
        plan = self.plan
        net, plen = plan.net, plan.plen
        intervals = []
        for c in plan.children(p):
            if plan.is_group(c):
                continue
            c_net, c_len = net[c], plen[c]
            if c_net & host_mask(c_len):
                self.add("host-bits", c, self.host_bits_text(c))
                c_net &= ~host_mask(c_len)
            intervals.append((c_net, c_net + (1 << (128 - c_len)), c))
            rule = check.get(plan.role(c))
            if rule is not None:
                rule(c, p)
            elif c_len == 127 and plan.end[c] == c + 1:
                self.anycast127(c)
        self.overlaps(sorted(intervals), p)

    def overlaps(self, intervals: list[tuple[int, int, int]], parent: int) -> None:
        """``overlap`` for each block that starts before an earlier sibling ends.

        A file that lists one prefix a million times gets the first :data:`MAX_OVERLAPS`
        and one line for the rest, on the parent: the check stays as small as the file.
        """
        plan = self.plan
        reach, holder = -1, -1
        found = 0
        for s, e, c in intervals:
            if s < reach:
                found += 1
                if found <= MAX_OVERLAPS:
                    self.add(
                        "overlap",
                        c,
                        f"overlaps its sibling {plan.path(holder)} ({plan.prefix_text(holder)})",
                    )
            if e > reach:
                reach, holder = e, c
        if found > MAX_OVERLAPS:
            self.add(
                "overlap",
                parent,
                f"{found - MAX_OVERLAPS:,} more blocks in here overlap a sibling "
                f"(the first {MAX_OVERLAPS} are listed)",
            )

    def host_bits_text(self, i: int) -> str:
        plan = self.plan
        meant = format_prefix(plan.net[i] & ~host_mask(plan.plen[i]), plan.plen[i])
        return f"host bits set — did you mean {meant}?"

    # -- role rules ------------------------------------------------------------------
    def lan(self, c: int, p: int) -> None:
        if self.plan.plen[c] != 64:
            self.add(
                "lan-not-64",
                c,
                f"a LAN must be a /64 (SLAAC and RFC 7421), not a /{self.plan.plen[c]}",
            )

    def p2p(self, c: int, p: int) -> None:
        plan = self.plan
        length = plan.plen[c]
        if length == 64:
            return  # our model: the /64 is reserved, the /127 at ::2 is configured
        if length == 127 and plan.plen[p] == 64:
            self.anycast127(c)
            return
        self.add(
            "p2p-not-127-in-64",
            c,
            f"reserve a /64 per link and configure a /127 in it (RFC 6164), not a /{length}",
        )

    def anycast127(self, c: int) -> None:
        held = holds_reserved_iid(self.plan.net[c], 127)
        if held == "subnet-router":
            self.add(
                "p2p-anycast",
                c,
                "this /127 holds the subnet-router anycast address (IID 0); use ::2/127",
            )
        elif held == "rfc2526":
            block = format_prefix(*reserved_anycast(self.plan.net[c]))
            self.add(
                "p2p-anycast",
                c,
                f"this /127 is in {block}, the subnet anycast IDs RFC 2526 reserves "
                "(fdff:ffff:ffff:ff80 to fdff:ffff:ffff:ffff); take another /127",
            )

    def site(self, c: int, p: int) -> None:
        self.small_site(c)

    def small_site(self, i: int) -> None:
        plan = self.plan
        length = plan.plen[i]
        if length <= END_SITE_LONGEST:
            return
        self.add(
            "site-too-small",
            i,
            f"end site {plan.path(i) or '(root)'} is a /{length}, smaller than the "
            f"/{END_SITE_LONGEST} RIPE-690 sets as the least an end site gets (a /48 is the "
            f"norm); pin `size: /48` (or /{END_SITE_LONGEST}) on it{self.minimum_hint(i)}, "
            "and give its parent a bigger allocation if it no longer fits",
        )

    def minimum_hint(self, i: int) -> str:
        """A block the planner sized bottom-up can be raised for all its kind at once."""
        kind = self.plan.kinds[self.plan.kind[i]]
        template = kind.template
        if template is None or template.size is not None or template.prefix is not None:
            return ""
        role = kind.role or "container"
        return (
            f" (or, for every such block, `defaults: {{minimum: {{{role}: /{END_SITE_LONGEST}}}}}`)"
        )

    def lan_sites(self) -> None:
        """A block that holds LANs itself, with no site above it, stands for one end site
        (a school or building sized bottom-up): the shallowest such block, or the first
        block of /48 or longer, is the site. Role sites and customers are checked in the
        structure pass; infrastructure and reserves are no sites."""
        if "site-too-small" in self.ignore:
            return
        plan = self.plan
        plen, end, kind = plan.plen, plan.end, plan.kind
        roles = [k.role for k in plan.kinds]
        i, n = 0, len(plan)
        while i < n:
            role = roles[kind[i]]
            if plan.is_group(i):
                i += 1
            elif role in ("site", "customer", "infrastructure", "reserve"):
                i = end[i]
            elif plen[i] >= 48 or any(roles[kind[c]] == "lan" for c in plan.children(i)):
                if role in ("", "container", "root"):  # not a top-level LAN or link
                    self.small_site(i)
                i = end[i]
            else:
                i += 1

    def sites_not_48(self) -> None:
        """Sites pinned smaller than a /48 (most often to fit the space held today): one
        finding per level, on its first site, with the block a /48 each would take."""
        plan = self.plan
        if "site-not-48" in self.ignore or plan.is_group(0):
            return
        for k, kind in enumerate(plan.kinds):
            template = kind.template
            if kind.role != "site" or template is None or template.length <= SITE_LENGTH:
                continue
            if template.length > END_SITE_LONGEST:
                continue  # site-too-small says it, more strongly
            try:
                first = plan.kind.index(k)
            except ValueError:  # a level with no node in the plan
                continue
            if self.node not in (None, first):
                continue
            count = plan.kind.count(k)
            self.add("site-not-48", first, self.site_advice(template, count))

    def site_advice(self, template: SpecNode, count: int) -> str:
        plan = self.plan
        text = (
            f"the {count:,} sites of {template.name!r} are /{template.length}s, smaller than "
            f"the /{SITE_LENGTH} RIPE-690 gives an end site"
        )
        tops = top_templates(plan)
        if tops is None:
            return text + "; ask the RIR for space that gives each a /48"
        need = project(tops, plan.horizon, plan.horizon)
        if need.length >= plan.plen[0]:
            return text + f"; the /{plan.plen[0]} holds them at /{SITE_LENGTH}: drop the pin"
        return text + (
            f"; a /{SITE_LENGTH} each, with the growth asked for, takes a /{need.length} "
            f"({need.used:,} of {need.total:,} /{need.unit}s used in {plan.horizon} years, "
            f"HD-ratio {need.ratio:.2f}): ask the RIR for a /{need.length} (the report's RIR "
            "request section shows the steps), or keep the pin and say why in its description"
        )

    def loopback(self, c: int, p: int) -> None:
        plan = self.plan
        if plan.plen[c] != 64:
            self.add(
                "loopback-not-128-in-64",
                c,
                f"take loopbacks from a dedicated /64, not a /{plan.plen[c]}",
            )

    def host(self, c: int, p: int) -> None:
        plan = self.plan
        if plan.role(p) == "loopback" and plan.plen[c] != 128:
            self.add(
                "loopback-not-128-in-64", c, f"a loopback address is a /128, not a /{plan.plen[c]}"
            )
