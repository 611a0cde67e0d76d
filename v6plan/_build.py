"""From a spec (and its lock) to a plan: size every level, then place every block.

Sizing runs bottom-up over the spec's templates once; placing runs top-down over
instances: locked slots first, then pinned prefixes, then new blocks in each node's
order. Problems are collected, not raised one at a time, so the user sees them all.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

from ._errors import LockError, PlanError, Problem, SpecError
from ._limits import PLAN_NODES
from ._lock import Lock, compress
from ._plan import Kind, Plan
from ._prefix import format_prefix
from ._sizing import END_SITE_LONGEST, block_length_for
from ._space import Space
from ._spec import DEFAULT_SIZES, Spec, SpecNode

__all__ = ["BuildResult", "build"]

MAX_NODES = PLAN_NODES


@dataclass
class BuildResult:
    """A built plan, the lock that reproduces it, and what changed against the old lock."""

    plan: Plan
    lock: Lock
    new_blocks: int = 0
    kept_blocks: int = 0
    released: list[str] = field(default_factory=list)
    #: The lock the plan was built with (None: there was none); its ``text`` is the file as
    #: read, which `plan` compares with the new lock instead of reading the file again.
    old_lock: Lock | None = None


def build(
    spec: Spec,
    lock: Lock | None = None,
    release: tuple[str, ...] = (),
    *,
    renumber: bool = False,
    lock_file: str = "",
    max_nodes: int = MAX_NODES,
) -> BuildResult:
    """Build the plan for ``spec``; raise :class:`SpecError` listing every problem.

    A lock written for another root prefix is refused (:class:`LockError`): its slots are
    relative to the root, so applying them would silently move every block to the new
    prefix. ``renumber`` is the user saying that is what they want (`plan --renumber`).
    ``max_nodes`` lowers the node budget (a quiz answer need not be a plan of millions).
    """
    if lock is not None and lock.prefix is not None and lock.prefix != spec.prefix and not renumber:
        raise _moved_root(spec, lock, lock_file or "the lock file")
    builder = _Builder(spec, lock, release)
    builder.max_nodes = min(max_nodes, MAX_NODES)
    result = builder.run()
    result.old_lock = lock
    return result


def _moved_root(spec: Spec, lock: Lock, lock_file: str) -> LockError:
    assert lock.prefix is not None
    line, col = spec.place("prefix")
    where = f"{spec.file}:{line}:{col}" if line else spec.file
    other = (
        f" (it was written for {lock.spec})"
        if lock.spec and lock.spec != spec.file.rpartition("/")[2]
        else ""
    )
    return LockError(
        f"{lock_file}: the lock keeps the blocks of {format_prefix(*lock.prefix)}{other}, but "
        f"the spec's prefix is now {format_prefix(*spec.prefix)} ({where}); nothing was changed — "
        f"to move the whole plan to the new prefix (same shape, every block renumbered), run "
        f"`v6plan plan {spec.file} --renumber`; to keep the plan where it is, set the prefix "
        f"back; to plan from scratch, delete the lock"
    )


def _wanted(node: SpecNode) -> int:
    return max(node.sibling_count, math.ceil(node.sibling_count * node.growth))


class _Builder:
    def __init__(self, spec: Spec, lock: Lock | None, release: tuple[str, ...]) -> None:
        self.spec = spec
        self.lock = lock
        self.release = {r.strip("/") for r in release}
        self.released_used: set[str] = set()
        self.problems: list[Problem] = []
        self.plan = Plan(spec.title, *spec.prefix, source=spec.file, description=spec.description)
        self.plan.horizon = spec.horizon
        self.kind_of: dict[int, int] = {}
        self.host_kind_of: dict[int, int] = {}
        self.name_cache: dict[tuple[int, int], list[str]] = {}
        self.groups: dict[tuple[str, str], tuple[int, int, list[int | None]]] = {}
        self.kept = 0
        self.new = 0
        self.max_nodes = MAX_NODES

    # -- reporting ---------------------------------------------------------------------
    def problem(self, node: SpecNode | Spec, key: str, message: str, hint: str = "") -> None:
        line, col = node.place(key)
        self.problems.append(Problem(self.spec.file, line, col, message, hint))

    # -- run ---------------------------------------------------------------------------
    def run(self) -> BuildResult:
        spec = self.spec
        for child in spec.children:
            self.size(child)
        if self.problems:
            raise SpecError(self.problems)
        root_len = spec.prefix[1]
        self.check_fit(spec.children, root_len, "the plan's prefix")
        self.check_node_budget()
        if self.problems:
            raise SpecError(self.problems)
        root_kind = self.plan.kinds[0]
        root_kind.want = self.want(spec.children)
        root_kind.nibble = spec.nibble
        self.place_children(0, "", spec.children, spec.prefix[0], root_len, 1)
        self.plan.end[0] = len(self.plan.net)
        unknown = self.release - self.released_used
        for path in sorted(unknown):
            self.problems.append(
                Problem(
                    spec.file,
                    0,
                    0,
                    f"--release {path}: no node has this path",
                    "give a path as `v6plan show` prints it",
                )
            )
        if self.problems:
            raise SpecError(self.problems)
        return BuildResult(self.plan, self.make_lock(), self.new, self.kept, self.released_groups())

    # -- sizing ------------------------------------------------------------------------
    def size(self, node: SpecNode) -> None:
        for child in node.children:
            self.size(child)
        if node.prefix is not None:
            length = node.prefix[1]
        elif node.size is not None:
            length = node.size
        elif node.role in DEFAULT_SIZES:
            length = DEFAULT_SIZES[node.role]
        elif node.children:
            if any(c.length <= 0 for c in node.children):
                node.length = 0
                return
            length = block_length_for((_wanted(c), c.length) for c in node.children)
            if length < 0:
                self.problem(
                    node,
                    "",
                    f"{node.name!r} would need more than all of IPv6 for its children",
                    "lower the counts or growth below it",
                )
                node.length = 0
                return
        else:
            self.problem(
                node,
                "",
                f"cannot tell how big {node.name!r} is",
                "give it `size: /N`, a role with a default size (lan, p2p, loopback, site, customer), or children",
            )
            node.length = 0
            return
        if node.prefix is None and node.size is None:
            floor = self.spec.minimum.get(node.role or ("container" if node.children else ""))
            length = length if floor is None else min(length, floor)
        node.length = length
        if node.role == "loopback" and length > 128 - max(1, node.count).bit_length():
            self.problem(node, "count", f"{node.count:,} loopbacks do not fit in a /{length}")
        self.check_fit(node.children, length, repr(node.name))

    def want(self, children: list[SpecNode]) -> int:
        """Addresses the children ask for with their growth; a reserve is growth room
        kept free, not a child that grows (lint's headroom)."""
        return sum(
            _wanted(c) << (128 - c.length) for c in children if c.length > 0 and c.role != "reserve"
        )

    def check_fit(self, children: list[SpecNode], length: int, owner_text: str) -> None:
        """Children must fit their parent's block (growth aside: that is lint's headroom)."""
        room = 1 << (128 - length)
        need = 0
        for child in children:
            if child.length <= 0:
                continue
            if child.length < length or (
                child.length == length and (len(children) > 1 or child.sibling_count > 1)
            ):
                self.problem(
                    child,
                    "size" if child.size else "",
                    f"{child.name!r} is a /{child.length}, which does not fit {child.sibling_count if child.sibling_count > 1 else 'once'} beside its siblings in {owner_text} (/{length})",
                    f"give {child.name!r} a longer size, such as /{length + 4}, or give the parent a shorter one",
                )
                return
            need += child.sibling_count << (128 - child.length)
        if need <= room:
            return
        # Say it the way a planner thinks: N children of /C do not fit in the parent.
        big = max(
            children, key=lambda c: c.sibling_count << (128 - c.length) if c.length > 0 else 0
        )
        count, growth = big.sibling_count, big.growth
        wanted = _wanted(big)
        child_fit = block_length_for([(wanted, 128)])  # bits needed, as a length below /128
        bits = 128 - child_fit
        better = length + bits + (-(length + bits)) % 4
        parent = block_length_for([(wanted, big.length)])
        grow = f" × growth {growth:g}" if growth != 1 else ""
        hint = (
            f"need /{better} or a shorter parent (/{parent} holds them)"
            if better <= 128
            else f"make the parent /{parent} or shorter"
        )
        if big.role == "site" and better <= END_SITE_LONGEST:
            hint = (
                f"pin `size: /{better}` on them, smaller than the /48 RIPE-690 gives an end "
                f"site, or ask the RIR for more space: a /{parent} parent gives each its /48 "
                "(`v6plan check` and the report's RIR request then say how much to ask for)"
            )
        # Point at the children's size (or count): that is usually the line to change.
        where = "size" if big.size is not None else "count" if "count" in big.places else ""
        self.problem(
            big,
            where,
            f"{count} children{grow} do not fit in /{big.length} under /{length} ({owner_text})",
            hint,
        )

    def check_node_budget(self) -> None:
        def count(nodes: list[SpecNode]) -> int:
            total = 0
            for n in nodes:
                per = 1 + count(n.children) + (n.count if n.role == "loopback" else 0)
                total += n.sibling_count * per
                if total > self.max_nodes:
                    return total
            return total

        total = count(self.spec.children)
        if total > self.max_nodes:
            self.problem(
                self.spec,
                "",
                f"this spec makes more than {self.max_nodes:,} plan nodes",
                "lower the counts; a plan this size cannot be used",
            )

    # -- placing -----------------------------------------------------------------------
    def kind_for(self, node: SpecNode) -> int:
        k = self.kind_of.get(id(node))
        if k is None:
            kind = Kind(
                role=node.role or ("container" if node.children else ""),
                description=node.description,
                growth=node.growth,
                nibble=node.nibble,
                tags=node.tags,
                vlan=node.vlan,
                router=node.router,
                ends=node.ends,
                interface=node.interface,
                template=node,
                want=self.want(node.children),
            )
            self.plan.kinds.append(kind)
            k = self.kind_of[id(node)] = len(self.plan.kinds) - 1
        return k

    def is_released(self, path: str) -> bool:
        if not self.release:
            return False
        probe = path
        while probe:
            if probe in self.release:
                self.released_used.add(probe)
                return True
            probe = probe.rpartition("/")[0]
        return False

    def place_children(
        self,
        parent: int,
        parent_path: str,
        templates: list[SpecNode],
        pnet: int,
        plen: int,
        depth: int,
    ) -> None:
        space = Space(pnet, plen)
        groups: list[tuple[SpecNode, tuple[str, str], list[int | None]]] = []
        released_here = self.is_released(parent_path) if parent_path else False
        # 1. pins: the user's explicit word comes first.
        for t in templates:
            key = (parent_path, t.name)
            nets: list[int | None] = [None] * t.sibling_count
            if t.prefix is not None:
                net, length = t.prefix
                if not (length >= plen and net >> (128 - plen) == pnet >> (128 - plen)):
                    self.problem(
                        t,
                        "prefix",
                        f"pinned {format_prefix(net, length)} is outside its parent {format_prefix(pnet, plen)}",
                        "pin a block inside the parent, or move the node",
                    )
                else:
                    clash = space.claim(net, length)
                    if clash is not None:
                        self.problem(
                            t,
                            "prefix",
                            f"pinned {format_prefix(net, length)} overlaps another pinned block",
                            "pin blocks that do not overlap",
                        )
                    else:
                        nets[0] = net
                        self.kept += 1
            groups.append((t, key, nets))
        # 2. locked slots: blocks already handed out never move.
        if self.lock is not None and not released_here:
            for t, key, nets in groups:
                self.apply_lock(t, key, nets, space, parent_path, pnet, plen)
        # 3. new blocks, in declared order.
        for t, _key, nets in groups:
            if t.length <= 0:
                continue
            retired = t.retired if t.makes_siblings else frozenset()
            if not retired and nets[0] is None and nets[-1] is None and len(set(nets)) == 1:
                missing = range(len(nets))  # nothing pinned or locked: the common case
            else:
                missing = [  # type: ignore[assignment]
                    i for i, n in enumerate(nets) if n is None and i not in retired
                ]
                if not missing:
                    continue
            try:
                fresh = space.take(t.length, len(missing), t.strategy, t.step)
            except PlanError as exc:
                self.problem(
                    t,
                    "",
                    f"no room for {len(missing)} × /{t.length} {t.name!r} in {format_prefix(pnet, plen)}: {exc}",
                    "give the parent a shorter size, or use the sequential strategy",
                )
                continue
            if len(missing) == len(nets):
                nets[:] = fresh
            else:
                for i, net in zip(missing, fresh):
                    nets[i] = net
            self.new += len(fresh)
        if self.problems:
            return
        for t, key, nets in groups:
            self.groups[key] = (pnet, t.length, nets)
            self.emit(parent, parent_path, t, nets, depth)  # type: ignore[arg-type]

    def apply_lock(
        self,
        t: SpecNode,
        key: tuple[str, str],
        nets: list[int | None],
        space: Space,
        parent_path: str,
        pnet: int,
        plen: int,
    ) -> None:
        assert self.lock is not None
        entry = self.lock.slots(*key, limit=len(nets))
        if entry is None:
            return
        length, slots = entry
        group_path = f"{parent_path}/{t.name}" if parent_path else t.name
        if self.is_released(group_path):
            return
        if length != t.length:
            self.problem(
                t,
                "",
                f"{t.name!r} under {parent_path or 'the root'} is locked at /{length}, but the spec now sizes it /{t.length}; placed blocks never move on their own",
                f"to renumber it, run `v6plan plan {self.spec.file} --release {group_path}` (its blocks will move)",
            )
            return
        limit = 1 << (length - plen)
        shift = 128 - length
        retired = t.retired if t.makes_siblings else frozenset()
        # The common case: the group holds one run of slots (sequential placement, as the
        # lock stores it: [first, count]). Claim it as one interval instead of block by block.
        k = min(len(slots), len(nets))
        first = slots[0] if k > 1 else None
        if (
            first is not None
            and not retired
            and not self.release
            and first + k <= limit
            and slots[:k] == list(range(first, first + k))
        ):
            start = pnet + (first << shift)
            if space.claim(start, length, k) is None:
                nets[:k] = range(start, start + (k << shift), 1 << shift)
                self.kept += k
                return
        for i, slot in enumerate(slots[:k]):
            if slot is None or nets[i] is not None or i in retired:
                continue
            if self.release and self.is_released(
                f"{parent_path}/{t.instance_name(i)}" if parent_path else t.instance_name(i)
            ):
                continue
            if slot >= limit:
                self.problem(
                    t,
                    "",
                    f"the lock puts {t.instance_name(i)!r} outside its parent {format_prefix(pnet, plen)}",
                    f"release it: `v6plan plan {self.spec.file} --release {parent_path + '/' if parent_path else ''}{t.instance_name(i)}`",
                )
                continue
            net = pnet + (slot << shift)
            if space.claim(net, length) is not None:
                self.problem(
                    t,
                    "",
                    f"{t.instance_name(i)!r} is locked at {format_prefix(net, length)}, which a pinned block now overlaps",
                    "move the pin, or release the locked node",
                )
                continue
            nets[i] = net
            self.kept += 1

    def emit(self, parent: int, parent_path: str, t: SpecNode, nets: list[int], depth: int) -> None:
        plan = self.plan
        k = self.kind_for(t)
        n = len(nets)
        if t.retired and t.makes_siblings:  # retired instances leave a gap, nothing renumbers
            for j, net in enumerate(nets):
                if j in t.retired:
                    continue
                name = t.instance_name(j)
                i = self.append(parent, net, t.length, depth, k, name, j)
                if t.children:
                    path = f"{parent_path}/{name}" if parent_path else name
                    self.place_children(i, path, t.children, net, t.length, depth + 1)
                    plan.end[i] = len(plan.net)
            return
        if t.role == "loopback":
            for net in nets:
                i = self.append(parent, net, t.length, depth, k, t.name, 0)
                self.emit_hosts(i, t, net, depth + 1)
                plan.end[i] = len(plan.net)
            return
        if not t.children:  # leaves: extend every column at C speed
            start = len(plan.net)
            plan.net.extend(nets)
            plan.plen.extend(bytes([t.length]) * n)
            plan.parent.extend(array("i", [parent]) * n)
            plan.end.extend(range(start + 1, start + n + 1))
            plan.depth.extend(bytes([depth]) * n)
            plan.kind.extend(array("H", [k]) * n)
            plan.index.extend(range(n))
            plan.name.extend(self.names(t, n))
            return
        for j, net in enumerate(nets):
            name = t.instance_name(j)
            i = self.append(parent, net, t.length, depth, k, name, j)
            path = f"{parent_path}/{name}" if parent_path else name
            self.place_children(i, path, t.children, net, t.length, depth + 1)
            plan.end[i] = len(plan.net)

    def emit_hosts(self, parent: int, t: SpecNode, net: int, depth: int) -> None:
        plan = self.plan
        k = self.host_kind_of.get(id(t))
        if k is None:
            plan.kinds.append(
                Kind(role="host", description=t.description, template=t, router=t.router)
            )
            k = self.host_kind_of[id(t)] = len(plan.kinds) - 1
        n = t.count
        if t.retired:  # retired loopbacks: the other hosts keep their addresses
            for j in range(n):
                if j not in t.retired:
                    self.append(parent, net + 1 + j, 128, depth, k, t.host_name(j), j)
            return
        start = len(plan.net)
        names = t.host_names(n)  # never 'name' alone
        plan.net.extend(range(net + 1, net + 1 + n))  # ::1 up: IID 0 is the subnet-router anycast
        plan.plen.extend(bytes([128]) * n)
        plan.parent.extend(array("i", [parent]) * n)
        plan.end.extend(range(start + 1, start + n + 1))
        plan.depth.extend(bytes([depth]) * n)
        plan.kind.extend(array("H", [k]) * n)
        plan.index.extend(range(n))
        plan.name.extend(names)

    def names(self, t: SpecNode, n: int) -> list[str]:
        """Sibling names, shared between instances: a million leaves, a few hundred strings."""
        key = (id(t), n)
        names = self.name_cache.get(key)
        if names is None:
            names = self.name_cache[key] = [t.instance_name(j) for j in range(n)]
        return names

    def append(
        self, parent: int, net: int, length: int, depth: int, kind: int, name: str, index: int
    ) -> int:
        plan = self.plan
        plan.net.append(net)
        plan.plen.append(length)
        plan.parent.append(parent)
        plan.end.append(len(plan.net))
        plan.depth.append(depth)
        plan.kind.append(kind)
        plan.index.append(index)
        plan.name.append(name)
        return len(plan.net) - 1

    # -- the lock ----------------------------------------------------------------------
    def make_lock(self) -> Lock:
        lock = Lock(prefix=self.spec.prefix, spec=self.spec.file.rpartition("/")[2])
        for key, (pnet, length, nets) in self.groups.items():
            shift = 128 - length
            first, size = nets[0], 1 << shift
            if (
                first is not None
                and len(nets) > 1
                and nets == list(range(first, first + len(nets) * size, size))
            ):
                lock.groups[key] = (length, [[(first - pnet) >> shift, len(nets)]])
            else:  # None marks a retired instance: its slot is free again
                lock.groups[key] = (
                    length,
                    compress([None if n is None else (n - pnet) >> shift for n in nets]),
                )
        return lock

    def released_groups(self) -> list[str]:
        if self.lock is None:
            return []
        gone = sorted(set(self.lock.groups) - set(self.groups))
        return [f"{parent}/{name}" if parent else name for parent, name in gone]
