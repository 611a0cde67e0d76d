"""The plan model: every node of a plan in flat columns, in depth-first order.

Node ``i``'s subtree is the index range ``[i, end[i])``, so walking a subtree, finding
children and streaming an export are loops over integers. A million-leaf plan is a
handful of arrays, not a million objects; :class:`Node` is a light view for callers.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._errors import InputError, NotFoundError, PlanError
from ._prefix import Prefix, format_prefix, host_mask, parse_prefix
from ._routers import inherited
from ._sizing import DEFAULT_HORIZON

if TYPE_CHECKING:
    from ._spec import SpecNode

__all__ = ["STATUSES", "Kind", "Node", "Plan"]

STATUSES = ("container", "active", "reserved")


@dataclass(slots=True)
class Kind:
    """What a group of nodes share: their role and the spec template that made them."""

    role: str = ""
    description: str = ""
    growth: float = 1.0
    nibble: bool = True
    tags: tuple[str, ...] = ()
    vlan: int | None = None
    router: str = ""
    ends: tuple[tuple[str, str], ...] = ()
    template: SpecNode | None = None
    #: Addresses the children ask for with their growth (headroom lint); 0 = unknown.
    want: int = 0
    #: Interface name template of a LAN or p2p link (spec key ``interface``).
    interface: str = ""
    #: A grouping node holds no block of its own: the root of a plan read with several
    #: top-level blocks, or a VRF (role "vrf"). Its net/length columns are 0 and mean nothing.
    group: bool = False


class Plan:
    """A whole plan: title, root allocation and nodes in depth-first order (root = 0).

    A plan read from a file may have several top-level blocks, or VRFs: then node 0 is a
    grouping node (:meth:`forest`), the blocks are its children or sit under VRF grouping
    nodes, and :attr:`prefix` has no single answer (see :meth:`top_blocks`).
    """

    def __init__(
        self, title: str, net: int, length: int, *, source: str = "", description: str = ""
    ) -> None:
        self.title = title
        self.source = source
        self.description = description
        #: Years the spec's growth factors cover (the report's RIR request projects over it).
        self.horizon = DEFAULT_HORIZON
        #: What reading the plan left out or changed (e.g. skipped IPv4 rows), one line each.
        self.notes: list[str] = []
        self.kinds: list[Kind] = [Kind(role="root")]
        self.net: list[int] = [net]
        self.plen = bytearray([length])
        self.parent = array("i", [-1])
        self.end = array("i", [1])
        self.depth = bytearray([0])
        self.kind = array("H", [0])
        self.index = array("I", [0])
        self.name: list[str] = [""]
        self._names: NameIndex | None = None
        self._vrfs: list[int] | None = None

    # -- size and simple columns --------------------------------------------------------
    def __len__(self) -> int:
        """Number of nodes, the root included."""
        return len(self.net)

    @classmethod
    def forest(cls, title: str, *, source: str = "", description: str = "") -> Plan:
        """A plan whose root groups several top-level blocks (or VRFs) instead of holding one."""
        plan = cls(title, 0, 0, source=source, description=description)
        plan.kinds[0] = Kind(role="root", group=True)
        return plan

    @property
    def root(self) -> Node:
        return Node(self, 0)

    @property
    def prefix(self) -> Prefix:
        """The root allocation (a :class:`PlanError` when the root groups several blocks)."""
        return Node(self, 0).prefix

    # -- grouping nodes (plans read with several top-level blocks or VRFs) ------------
    @property
    def grouped(self) -> bool:
        """True when node 0 groups several top-level blocks (or VRFs) instead of holding one."""
        return self.kinds[self.kind[0]].group

    def is_group(self, i: int) -> bool:
        return self.kinds[self.kind[i]].group

    def group_kinds(self) -> list[bool]:
        """Per kind: is it a grouping node (for loops over the columns)."""
        return [k.group for k in self.kinds]

    def top_blocks(self, i: int = 0) -> list[int]:
        """The blocks nearest ``i`` that hold a prefix: ``[i]`` itself unless it groups."""
        if not self.is_group(i):
            return [i]
        out: list[int] = []
        for c in self.children(i):
            out += self.top_blocks(c)
        return out

    def vrf_nodes(self) -> list[int]:
        """The VRF grouping nodes, in plan order (none for a plan without VRFs)."""
        if self._vrfs is None:  # a plan does not change once built
            groups = self.group_kinds()
            self._vrfs = (
                [c for c in self.children(0) if groups[self.kind[c]]]
                if groups[self.kind[0]]
                else []
            )
        return self._vrfs

    def vrf(self, i: int) -> str:
        """The VRF node ``i`` is in ('' for the global table or a plan without VRFs)."""
        vrfs = self.vrf_nodes()
        if not vrfs:
            return ""
        k = bisect_right(vrfs, i) - 1  # a VRF's subtree is one run of indexes
        return self.name[vrfs[k]] if k >= 0 and i < self.end[vrfs[k]] else ""

    def label(self, i: int) -> str:
        """What to call node ``i`` on screen: its name, the plan title for the root."""
        return self.name[i] if i else self.title

    def several_blocks_text(self, i: int = 0) -> str:
        """Why a question needs one block here, naming the blocks to choose from."""
        blocks = self.top_blocks(i)
        shown = ", ".join(self.where(b) for b in blocks[:4]) + (" …" if len(blocks) > 4 else "")
        place = "this plan" if i == 0 else f"{self.path(i)!r}"
        return (
            f"{place} has {len(blocks):,} top-level blocks, not one allocation ({shown}); "
            "name one of them (a path or a prefix)"
        )

    def where(self, i: int) -> str:
        """``blue/site-a 2001:db8::/48``: the path and prefix a message names a node by."""
        return f"{self.path(i)} {self.prefix_text(i)}".strip() if i else self.prefix_text(i)

    def node(self, index: int) -> Node:
        if not 0 <= index < len(self.net):
            raise IndexError(f"no node {index} in a plan of {len(self.net)}")
        return Node(self, index)

    def nodes(self, start: int = 1) -> Iterator[Node]:
        """Every node after the root, depth first."""
        for i in range(start, len(self.net)):
            yield Node(self, i)

    def prefix_text(self, i: int) -> str:
        """The node's prefix; '' for a grouping node, which holds none."""
        if self.kinds[self.kind[i]].group:
            return ""
        return format_prefix(self.net[i], self.plen[i])

    def role(self, i: int) -> str:
        return self.kinds[self.kind[i]].role

    def status(self, i: int) -> str:
        if self.kinds[self.kind[i]].role == "reserve":
            return "reserved"
        return "container" if self.end[i] > i + 1 or i == 0 else "active"

    def children(self, i: int) -> Iterator[int]:
        """Indexes of the direct children of node ``i``, in plan order."""
        child, stop, end = i + 1, self.end[i], self.end
        while child < stop:
            yield child
            child = end[child]

    def child_count(self, i: int) -> int:
        return sum(1 for _ in self.children(i))

    def path(self, i: int) -> str:
        """``ministry-2/site-5/users``: names from the top level down ('' for the root)."""
        parts = []
        parent, name = self.parent, self.name
        while i > 0:
            parts.append(name[i])
            i = parent[i]
        return "/".join(reversed(parts))

    def paths(self, start: int = 0, stop: int | None = None) -> Iterator[str]:
        """Paths of nodes ``start..stop`` in order, built with a stack (for exports)."""
        stop = len(self.net) if stop is None else stop
        stack: list[tuple[int, str]] = []  # (end index, path) of open ancestors
        i = start
        if 0 < start < stop:  # seed the stack with the ancestors of start
            chain = []
            j = self.parent[start]
            while j > 0:
                chain.append(j)
                j = self.parent[j]
            for j in reversed(chain):
                stack.append((self.end[j], self.path(j)))
        end, name = self.end, self.name
        while i < stop:
            while stack and stack[-1][0] <= i:
                stack.pop()
            path = f"{stack[-1][1]}/{name[i]}" if stack and stack[-1][1] else name[i]
            yield path
            if end[i] > i + 1:
                stack.append((end[i], path))
            i += 1

    # -- lookups ---------------------------------------------------------------------
    def find_path(self, path: str) -> int:
        """Index of the node at ``path`` (``''`` or ``/`` is the root)."""
        i = 0
        for part in (p for p in path.strip("/").split("/") if p):
            for child in self.children(i):
                if self.name[child] == part:
                    i = child
                    break
            else:
                where = self.path(i) or "the plan root"
                names = [self.name[c] for c in self.children(i)]
                import difflib

                close = difflib.get_close_matches(part, names, n=1)
                hint = f" — did you mean {close[0]!r}?" if close else ""
                raise NotFoundError(f"no node {part!r} under {where}{hint}")
        return i

    def holder(self, net: int, length: int = 128) -> int:
        """Index of the deepest node whose block holds ``net/length`` (0 = the root).

        In a plan with VRFs the same block can be in several: that is an :class:`InputError`
        naming them (:meth:`holders` gives them all).
        """
        found = self.holders(net, length)
        if len(found) > 1:
            where = " and ".join(
                f"{self.vrf(i) or 'the global table'} ({self.where(i)})" for i in found
            )
            raise InputError(
                f"{format_prefix(net, length)} is in {len(found)} VRFs: {where}; "
                f"name the node by its path instead, e.g. {self.path(found[0])!r}"
            )
        return found[0]

    def holders(self, net: int, length: int = 128) -> list[int]:
        """The deepest holder of ``net/length`` in each VRF that has one (one for most plans)."""
        if not self.grouped:
            if not self._holds(0, net, length):
                raise NotFoundError(
                    f"{format_prefix(net, length)} is outside this plan ({self.prefix})"
                )
            return [self._descend(0, net, length)]
        found: list[int] = []
        for table in (0, *self.vrf_nodes()):
            for top in self.children(table):
                if not self.is_group(top) and self._holds(top, net, length):
                    found.append(self._descend(top, net, length))
                    break
        if not found:
            blocks = self.top_blocks()
            shown = ", ".join(self.prefix_text(b) for b in blocks[:4])
            more = f" and {len(blocks) - 4:,} more" if len(blocks) > 4 else ""
            raise NotFoundError(
                f"{format_prefix(net, length)} is in none of this plan's top-level blocks "
                f"({shown}{more})"
            )
        return found

    def _descend(self, i: int, net: int, length: int) -> int:
        while True:
            for child in self.children(i):
                if self._holds(child, net, length):
                    i = child
                    break
            else:
                return i

    def _holds(self, i: int, net: int, length: int) -> bool:
        own = self.plen[i]
        return length >= own and (net & ~host_mask(own)) == self.net[i]

    def resolve(self, text: str) -> int:
        """A node from a path, a name, an address or a prefix (what users type)."""
        text = text.strip()
        if ":" in text:
            net, length = parse_prefix(text, strict=False)  # a bare address is its /128
            return self.holder(net, length)
        try:
            return self.find_path(text)
        except NotFoundError:
            hits = self.search(text, limit=2)
            if len(hits) == 1:
                return hits[0]
            raise

    def subplan(self, i: int) -> Plan:
        """Node ``i`` and everything under it as a plan of its own (node ``i`` becomes the root).

        How a format that writes one allocation exports one top-level block of a plan that
        has several. The title is the block's name (the plan's for an unnamed block).
        """
        if self.is_group(i):
            raise PlanError(self.several_blocks_text(i))
        stop, depth0 = self.end[i], self.depth[i]
        title = self.title if i == 0 else self.name[i]
        sub = Plan(title, self.net[i], self.plen[i], source=self.source)
        sub.description = self.description if i == 0 else self.kinds[self.kind[i]].description
        sub.kinds = self.kinds  # shared, read-only
        sub.horizon = self.horizon
        sub.net = self.net[i:stop]
        sub.plen = self.plen[i:stop]
        sub.parent = array("i", [-1, *(p - i for p in self.parent[i + 1 : stop])])
        sub.end = array("i", (e - i for e in self.end[i:stop]))
        sub.depth = bytearray(d - depth0 for d in self.depth[i:stop])
        sub.kind = self.kind[i:stop]
        sub.index = self.index[i:stop]
        sub.name = self.name[i:stop]
        sub.name[0] = ""
        return sub

    @property
    def names(self) -> NameIndex:
        """The name index (built on first use; a plan does not change once built)."""
        if self._names is None:
            self._names = NameIndex(self)
        return self._names

    def search(self, text: str, limit: int = 50) -> list[int]:
        """Nodes whose name equals, then starts with, then contains ``text``."""
        return self.names.search(text, limit)


class NameIndex:
    """Name search over a plan whose names are shared strings (a few hundred distinct).

    Matching runs over the distinct names; the nodes that carry a name are found with
    ``list.index`` at C speed, one at a time, so the first hit is instant.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.names = sorted(set(plan.name[1:]))
        self.lowered = [n.lower() for n in self.names]

    def matches(self, text: str, limit: int = 50) -> list[str]:
        """Distinct names equal to, then starting with, then containing ``text``."""
        needle = text.strip().lower()
        if not needle:
            return []
        exact: list[str] = []
        starts: list[str] = []
        contains: list[str] = []
        for name, low in zip(self.names, self.lowered):
            if needle not in low:
                continue
            (exact if low == needle else starts if low.startswith(needle) else contains).append(
                name
            )
        return (exact + starts + contains)[:limit]

    def nodes(self, name: str, start: int = 1) -> Iterator[int]:
        """Indexes of nodes named ``name`` from ``start`` on, in plan order."""
        names = self.plan.name
        i = start - 1
        while True:
            try:
                i = names.index(name, i + 1)
            except ValueError:
                return
            yield i

    def search(self, text: str, limit: int = 50) -> list[int]:
        """Nodes whose name matches ``text`` (best names first), at most ``limit``."""
        out: list[int] = []
        for name in self.matches(text, limit):
            for i in self.nodes(name):
                out.append(i)
                if len(out) >= limit:
                    return out
        return out

    def next_hit(self, text: str, after: int, backwards: bool = False) -> int:
        """The next node (in plan order, wrapping) whose name matches ``text``; -1: none."""
        wanted = set(self.matches(text, limit=10_000))
        if not wanted:
            return -1
        names = self.plan.name
        n = len(names)
        if not backwards:
            best = -1
            for name in wanted:
                for i in self.nodes(name, after + 1):
                    if best < 0 or i < best:
                        best = i
                    break
            if best >= 0:
                return best
            return min(next(self.nodes(name), n) for name in wanted)
        for i in range(after - 1, 0, -1):
            if names[i] in wanted:
                return i
        for i in range(n - 1, after, -1):
            if names[i] in wanted:
                return i
        return -1


class Node:
    """A read-only view of one plan node."""

    __slots__ = ("index", "plan")

    def __init__(self, plan: Plan, index: int) -> None:
        self.plan = plan
        self.index = index

    def __repr__(self) -> str:
        return f"<Node {self.path or '/'} {self.plan.prefix_text(self.index) or '(group)'}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and other.plan is self.plan and other.index == self.index

    def __hash__(self) -> int:
        return hash((id(self.plan), self.index))

    @property
    def kind(self) -> Kind:
        return self.plan.kinds[self.plan.kind[self.index]]

    @property
    def name(self) -> str:
        return self.plan.name[self.index]

    @property
    def path(self) -> str:
        return self.plan.path(self.index)

    @property
    def prefix(self) -> Prefix:
        """The node's block (a :class:`PlanError` for a grouping node, which holds none).

        Host bits a plan file set are masked here; lint reports them (host-bits).
        """
        if self.plan.is_group(self.index):
            raise PlanError(self.plan.several_blocks_text(self.index))
        length = self.plan.plen[self.index]
        return Prefix(self.plan.net[self.index] & ~host_mask(length), length)

    @property
    def is_group(self) -> bool:
        return self.plan.is_group(self.index)

    @property
    def net(self) -> int:
        return self.plan.net[self.index]

    @property
    def length(self) -> int:
        return self.plan.plen[self.index]

    @property
    def role(self) -> str:
        return self.kind.role

    @property
    def description(self) -> str:
        return self.kind.description

    @property
    def status(self) -> str:
        return self.plan.status(self.index)

    @property
    def depth(self) -> int:
        return self.plan.depth[self.index]

    @property
    def parent(self) -> Node | None:
        p = self.plan.parent[self.index]
        return Node(self.plan, p) if p >= 0 else None

    @property
    def children(self) -> list[Node]:
        return [Node(self.plan, c) for c in self.plan.children(self.index)]

    @property
    def subtree_size(self) -> int:
        return self.plan.end[self.index] - self.index

    @property
    def vlan(self) -> int | None:
        base = self.kind.vlan
        return None if base is None else base + self.plan.index[self.index]

    @property
    def router(self) -> str:
        """The router serving this node: its own, else the nearest ancestor's (a
        ``router:`` template made for this instance, :mod:`v6plan._routers`)."""
        return inherited(self.plan, self.index)

    @property
    def ends(self) -> tuple[str, str] | None:
        """The two routers of a p2p link, when the spec names them."""
        ends = self.kind.ends
        i = self.plan.index[self.index]
        return ends[i] if i < len(ends) else None

    @property
    def p2p(self) -> Prefix | None:
        """The /127 configured in a p2p /64 (RFC 6164: skip the /127 of IID 0)."""
        if self.role != "p2p" or self.length != 64:
            return None
        return Prefix(self.net + 2, 127)
