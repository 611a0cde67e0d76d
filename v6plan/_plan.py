"""The plan model: every node of a plan in flat columns, in depth-first order.

Node ``i``'s subtree is the index range ``[i, end[i])``, so walking a subtree, finding
children and streaming an export are loops over integers. A million-leaf plan is a
handful of arrays, not a million objects; :class:`Node` is a light view for callers.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._errors import NotFoundError
from ._prefix import Prefix, format_prefix, host_mask, parse_address, parse_prefix

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


class Plan:
    """A whole plan: title, root allocation and nodes in depth-first order (root = 0)."""

    def __init__(
        self, title: str, net: int, length: int, *, source: str = "", description: str = ""
    ) -> None:
        self.title = title
        self.source = source
        self.description = description
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

    # -- size and simple columns --------------------------------------------------------
    def __len__(self) -> int:
        """Number of nodes, the root included."""
        return len(self.net)

    @property
    def root(self) -> Node:
        return Node(self, 0)

    @property
    def prefix(self) -> Prefix:
        return Prefix(self.net[0], self.plen[0])

    def node(self, index: int) -> Node:
        if not 0 <= index < len(self.net):
            raise IndexError(f"no node {index} in a plan of {len(self.net)}")
        return Node(self, index)

    def nodes(self, start: int = 1) -> Iterator[Node]:
        """Every node after the root, depth first."""
        for i in range(start, len(self.net)):
            yield Node(self, i)

    def prefix_text(self, i: int) -> str:
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
        if start > 0:  # seed the stack with the ancestors of start
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
        """Index of the deepest node whose block holds ``net/length`` (0 = the root)."""
        if not self._holds(0, net, length):
            raise NotFoundError(
                f"{format_prefix(net, length)} is outside this plan ({self.prefix})"
            )
        i = 0
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
            if "/" in text:
                net, length = parse_prefix(text, strict=False)
            else:
                net, length = parse_address(text), 128
            return self.holder(net, length)
        try:
            return self.find_path(text)
        except NotFoundError:
            hits = self.search(text, limit=2)
            if len(hits) == 1:
                return hits[0]
            raise

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
        return f"<Node {self.path or '/'} {self.prefix}>"

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
        return Prefix(self.plan.net[self.index], self.plan.plen[self.index])

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
        """The router serving this node: its own, else the nearest ancestor's."""
        node: Node | None = self
        while node is not None:
            if node.kind.router:
                return node.kind.router
            node = node.parent
        return ""

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
