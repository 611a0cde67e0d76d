"""Editing a plan spec: add a child, reserve a block, rename, delete — then save.

Every edit is a small text change to the YAML the user wrote (comments, key order and
flow/block style stay as they were), located with the line and column places the spec
loader records for each node. The new text is checked by the same loader and builder as
``v6plan plan``, with the current lock, so the user sees the CLI's own messages and a
rejected edit changes nothing. Saving writes the spec and the lock atomically, the lock
exactly as ``v6plan plan`` would; blocks that were placed never move (checked on every
edit against the lock).

What an edit means when the spec node is a template (``count: N``, or under a counted
ancestor):

* **rename** an instance writes its entry in ``names`` (the other instances keep
  theirs); a node made once without ``names`` has its ``name`` changed.
* **delete** an instance of a counted node adds its name to ``retire`` (a spec key:
  the others keep index, name, VLAN and block; the freed slot is released in the lock);
  a node made once is removed from the spec, and a parent that was sized by its
  children gets its current size written, so nothing above it shrinks or moves.
* **add child** / **reserve** add a child to the spec node: every instance of that
  node gets it. :attr:`Proposal.instances` says how many plan nodes an edit touches,
  so a user interface can say so before applying.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._build import BuildResult, build
from ._errors import InputError, NotFoundError, PlanError, Problem, SpecError
from ._io import ReadError, atomic_writer, read_input
from ._lock import Lock, expand, lock_path_for
from ._plan import Plan
from ._prefix import format_prefix, parse_prefix
from ._spec import (
    DEFAULT_SIZES,
    MAX_SPEC_BYTES,
    ROLES,
    Spec,
    SpecNode,
    numbered_name,
    parse_spec,
    read_spec_bytes,
)

__all__ = [
    "AddChild",
    "Delete",
    "Edit",
    "Proposal",
    "Rename",
    "SpecEditor",
    "moved_groups",
    "reserve",
    "translate_lock",
]

#: Undo keeps this many earlier states (each holds a built plan).
UNDO_DEPTH = 20


# -- the edits ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AddChild:
    """Add a child spec node under the node at ``path`` ('' = the plan root)."""

    path: str
    name: str
    size: int | None = None
    role: str = ""
    count: int = 1
    prefix: str = ""  # pin one block, e.g. "3fff:100:1800::/40"
    description: str = ""


@dataclass(frozen=True, slots=True)
class Rename:
    """Give the node at ``path`` a new name."""

    path: str
    name: str


@dataclass(frozen=True, slots=True)
class Delete:
    """Take the node at ``path`` (and everything under it) out of the plan."""

    path: str


Edit = AddChild | Rename | Delete


def reserve(path: str, name: str, block: str = "", size: int | None = None) -> AddChild:
    """Reserve a block under ``path``: a pinned prefix (``block``) or the next free /size."""
    return AddChild(path=path, name=name, role="reserve", size=size, prefix=block)


@dataclass
class Proposal:
    """An edit checked by the planner, not yet applied: what it changes, and the result."""

    edit: Edit
    text: str
    spec: Spec
    result: BuildResult
    summary: str
    #: Plan nodes the edit touches (1 unless the spec node is shared by instances).
    instances: int = 1
    #: A few of their paths, for the confirmation message.
    examples: list[str] = field(default_factory=list)
    #: Path to show after applying ('' = the root).
    select: str = ""

    @property
    def shared(self) -> bool:
        return self.instances > 1


# -- YAML text surgery -------------------------------------------------------------------------
def _yaml() -> Any:
    import yaml

    return yaml


_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
_YAML11_WORDS = {"null", "true", "false", "yes", "no", "on", "off", "y", "n"}


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain when that reads back as the same string."""
    if _PLAIN.match(text) and text.lower() not in _YAML11_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def _content_end(node: Any) -> int:
    """Index just after the last character that belongs to ``node`` (block ends are lazy)."""
    yaml = _yaml()
    if isinstance(node, yaml.ScalarNode) or node.flow_style:
        return int(node.end_mark.index)
    if isinstance(node, yaml.MappingNode):
        return max((_content_end(v) for pair in node.value for v in pair), default=0)
    return max((_content_end(v) for v in node.value), default=int(node.start_mark.index))


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """End of the line holding ``index`` (before its newline); a trailing comment stays."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def _column(text: str, index: int) -> int:
    return index - _line_start(text, index)


Splice = tuple[int, int, str]


class _Doc:
    """The composed YAML of a spec, for locating the text of its nodes."""

    def __init__(self, text: str) -> None:
        yaml = _yaml()
        self.text = text
        self.root = yaml.compose(text, Loader=yaml.SafeLoader)
        self.items: dict[tuple[int, int], Any] = {}
        children = self.get(self.root, "children")
        if children is not None:
            self.collect(children)

    def collect(self, seq: Any) -> None:
        yaml = _yaml()
        if not isinstance(seq, yaml.SequenceNode):
            return
        for item in seq.value:
            if isinstance(item, yaml.MappingNode):
                mark = item.start_mark
                self.items[(mark.line + 1, mark.column + 1)] = item
                kids = self.get(item, "children")
                if kids is not None:
                    self.collect(kids)

    @staticmethod
    def pair(mapping: Any, key: str) -> tuple[Any, Any] | None:
        for k, v in mapping.value:
            if getattr(k, "value", None) == key:
                return k, v
        return None

    def get(self, mapping: Any, key: str) -> Any:
        found = self.pair(mapping, key)
        return None if found is None else found[1]

    def mapping_of(self, template: SpecNode | None) -> Any:
        if template is None:
            return self.root
        node = self.items.get((template.line, template.column))
        if node is None:  # the spec and the text disagree: a bug, not the user's fault
            raise PlanError(f"cannot find spec node {template.name!r} in the spec text")
        return node

    # -- splices -----------------------------------------------------------------------
    def set_scalar(self, node: Any, value: str) -> Splice:
        return int(node.start_mark.index), int(node.end_mark.index), _scalar(value)

    def add_key(self, mapping: Any, key: str, value: str, block_value: str = "") -> Splice:
        """Add ``key: value`` to a mapping; ``block_value`` (lines) is used in block style."""
        text = self.text
        if mapping.flow_style:
            close = int(mapping.end_mark.index) - 1  # the '}'
            sep = ", " if mapping.value else ""
            return close, close, f"{sep}{key}: {value}"
        if mapping is self.root:
            at = len(text)
            lead = "" if text.endswith("\n") or not text else "\n"
            body = block_value or f" {value}"
            return at, at, f"{lead}{key}:{body}\n"
        anchor = self.pair(mapping, "count") or self.pair(mapping, "name") or mapping.value[0]
        column = int(anchor[0].start_mark.column)
        at = _line_end(text, _content_end(anchor[1]))
        pad = " " * column
        if block_value:
            lines = block_value.split("\n")
            body = "\n".join((pad + line) if line else line for line in lines)
            return at, at, f"\n{pad}{key}:{body}"
        return at, at, f"\n{pad}{key}: {value}"

    def append_items(self, seq: Any, items: list[str]) -> Splice:
        """Append ``items`` (one line of YAML each) to a sequence, in its own style."""
        text = self.text
        if seq.flow_style:
            close = int(seq.end_mark.index) - 1
            return close, close, (", " if seq.value else "") + ", ".join(items)
        last = seq.value[-1]
        first = seq.value[0]
        dash = text.rfind("-", _line_start(text, first.start_mark.index), first.start_mark.index)
        column = _column(text, dash if dash >= 0 else int(first.start_mark.index))
        at = _line_end(text, _content_end(last))
        return at, at, "".join("\n" + " " * column + "- " + item for item in items)

    def append_item(self, seq: Any, item: str) -> Splice:
        return self.append_items(seq, [item])

    def remove_item(self, seq: Any, index: int) -> Splice:
        text = self.text
        item = seq.value[index]
        if seq.flow_style:
            if index + 1 < len(seq.value):
                return int(item.start_mark.index), int(seq.value[index + 1].start_mark.index), ""
            if index > 0:
                return int(seq.value[index - 1].end_mark.index), _content_end(item), ""
            return int(item.start_mark.index), _content_end(item), ""
        start = _line_start(text, int(item.start_mark.index))
        end = _line_end(text, _content_end(item))
        return start, min(end + 1, len(text)), ""

    def remove_key(self, mapping: Any, key: str) -> Splice:
        text = self.text
        found = self.pair(mapping, key)
        assert found is not None
        k, v = found
        if mapping.flow_style:
            pos = next(n for n, (kk, _) in enumerate(mapping.value) if kk is k)
            if pos > 0:
                return int(mapping.value[pos - 1][1].end_mark.index), _content_end(v), ""
            if len(mapping.value) > 1:
                return int(k.start_mark.index), int(mapping.value[1][0].start_mark.index), ""
            return int(k.start_mark.index), _content_end(v), ""
        start = _line_start(text, int(k.start_mark.index))
        if text[start : k.start_mark.index].strip() not in ("", "-"):
            start = int(k.start_mark.index)
        elif text[start : k.start_mark.index].strip() == "-":
            start = int(k.start_mark.index)  # keep the dash of the first key of an item
        end = _line_end(text, _content_end(v))
        return start, min(end + 1, len(text)), ""


def _splice(text: str, splices: list[Splice]) -> str:
    for start, end, new in sorted(splices, key=lambda s: s[0], reverse=True):
        text = text[:start] + new + text[end:]
    return text


# -- lock translation (renames change the paths the lock is keyed by) --------------------------
def _instance_index(node: SpecNode, name: str) -> int:
    """Which instance of ``node`` is called ``name`` (-1: none)."""
    if name in node.names:
        return node.names.index(name)
    if node.sibling_count == 1 and not node.names:
        return 0 if name == node.name else -1
    number = numbered_name(name)
    if number is not None and number[0] == node.name:
        k = number[1] - 1
        if len(node.names) <= k < node.sibling_count:
            return k
    return -1


def _path_mapper(old: Spec, new: Spec) -> Callable[[str], str | None]:
    """Map an instance path of ``old`` to the same instance's path in ``new``."""
    cache: dict[str, str | None] = {"": ""}

    def level(path: str) -> tuple[list[SpecNode], list[SpecNode], str] | None:
        old_kids, new_kids, out = old.children, new.children, []
        for seg in path.split("/"):
            for p, t in enumerate(old_kids):
                j = _instance_index(t, seg)
                if j >= 0 and p < len(new_kids):
                    out.append(new_kids[p].instance_name(j))
                    old_kids, new_kids = t.children, new_kids[p].children
                    break
            else:
                return None
        return old_kids, new_kids, "/".join(out)

    def mapped(path: str) -> str | None:
        if path not in cache:
            found = level(path)
            cache[path] = None if found is None else found[2]
        return cache[path]

    mapped.level = level  # type: ignore[attr-defined]
    return mapped


def translate_lock(lock: Lock, old: Spec, new: Spec) -> Lock:
    """``lock`` with its paths and group names moved from ``old``'s names to ``new``'s.

    The two specs must have the same shape (a rename changes names only).
    """
    mapper = _path_mapper(old, new)
    level = mapper.level  # type: ignore[attr-defined]
    out = Lock(prefix=lock.prefix, spec=lock.spec)
    for (parent, name), entry in lock.groups.items():
        found = level(parent) if parent else (old.children, new.children, "")
        if found is None:
            out.groups[(parent, name)] = entry
            continue
        old_kids, new_kids, new_parent = found
        new_name = name
        for p, t in enumerate(old_kids):
            if t.name == name and p < len(new_kids):
                new_name = new_kids[p].name
                break
        out.groups[(new_parent, new_name)] = entry
    return out


def moved_groups(before: Lock, after: Lock) -> list[str]:
    """Sibling groups in which a block that was placed in ``before`` sits elsewhere now."""
    moved = []
    for key, (length, runs) in before.groups.items():
        other = after.groups.get(key)
        if other is None:
            continue  # the group is gone (deleted): nothing of it is placed any more
        where = f"{key[0]}/{key[1]}" if key[0] else key[1]
        if other[0] != length:
            moved.append(where)
            continue
        old_slots = expand(runs, where)
        new_slots = expand(other[1], where)
        for i, slot in enumerate(old_slots):
            if slot is None or i >= len(new_slots) or new_slots[i] is None:
                continue
            if new_slots[i] != slot:
                moved.append(where)
                break
    return moved


# -- the editor --------------------------------------------------------------------------------
@dataclass
class _State:
    text: str
    spec: Spec
    result: BuildResult
    label: str


class SpecEditor:
    """One spec file open for editing: current text, plan and lock, undo, save."""

    def __init__(self, path: str | Path, lock_path: str | Path | None = None) -> None:
        self.path = Path(path)
        self.lock_path = Path(lock_path) if lock_path else lock_path_for(self.path)
        self.file = str(path)
        raw = read_spec_bytes(self.path)
        self._disk = raw
        self.bom = raw.startswith(b"\xef\xbb\xbf")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SpecError(
                [Problem(self.file, 1, 0, "the spec is not UTF-8 text", "save it as UTF-8")]
            ) from None
        self.newline = "\r\n" if "\r\n" in text else "\n"
        text = text.replace("\r\n", "\n")
        spec = parse_spec(text, self.file)
        result = build(spec, Lock.read(self.lock_path), lock_file=str(self.lock_path))
        self.state = _State(text, spec, result, "opened")
        self.undo_stack: list[_State] = []
        self.saved: _State | None = self.state
        self.edits = 0

    # -- state ---------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self.state.text

    @property
    def plan(self) -> Plan:
        return self.state.result.plan

    @property
    def lock(self) -> Lock:
        return self.state.result.lock

    @property
    def dirty(self) -> bool:
        """True when an edit has been applied since the last save."""
        return self.saved is not self.state

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    # -- edits ---------------------------------------------------------------------------
    def propose(self, edit: Edit) -> Proposal:
        """Check an edit through the planner; raise the planner's error if it is wrong."""
        plan = self.plan
        try:
            i = plan.find_path(edit.path)
        except NotFoundError:
            raise NotFoundError(f"no node {edit.path!r} in {self.file}") from None
        doc = _Doc(self.text)
        if isinstance(edit, AddChild):
            return self._add(edit, doc, i)
        if isinstance(edit, Rename):
            return self._rename(edit, doc, i)
        return self._delete(edit, doc, i)

    def apply(self, proposal: Proposal) -> None:
        self.undo_stack.append(self.state)
        del self.undo_stack[:-UNDO_DEPTH]
        self.state = _State(proposal.text, proposal.spec, proposal.result, proposal.summary)
        self.edits += 1

    def edit(self, edit: Edit) -> Proposal:
        """Propose and apply in one step (scripts and tests)."""
        proposal = self.propose(edit)
        self.apply(proposal)
        return proposal

    def undo(self) -> str:
        """Go back one edit; return what was undone ('' when there was nothing)."""
        if not self.undo_stack:
            return ""
        label = self.state.label
        self.state = self.undo_stack.pop()
        return label

    def save(self) -> None:
        """Write the spec and its lock (as ``v6plan plan`` would), both or neither."""
        try:  # bounded like the first read: the file may have become anything meanwhile
            on_disk = read_input(self.path, what="spec", limit=MAX_SPEC_BYTES, record=False)
        except ReadError:
            on_disk = None
        if on_disk != self._disk:
            raise InputError(
                f"{self.file} changed on disk since it was opened; "
                "save your edits under another name (save as) or reopen the file"
            )
        self._write()

    def save_as(self, path: str | Path) -> None:
        """Write the spec to a new file, its lock beside it (``NAME.lock.json``), and edit
        that one from now on: the way out when the opened file changed on disk."""
        target = Path(path)
        lock = lock_path_for(target)
        for file in (target, lock):
            if file.exists():
                raise InputError(f"{file} exists: choose a new name (save as never overwrites)")
        self.path, self.file, self.lock_path = target, str(target), lock
        self._write()

    def _write(self) -> None:
        data = self.text.replace("\n", self.newline)
        if self.bom:
            data = "\ufeff" + data
        with (
            atomic_writer(self.lock_path, replaces_input=True) as lock_out,
            atomic_writer(self.path, newline="", replaces_input=True) as spec_out,
        ):
            lock_out.write(self.lock.dumps())
            spec_out.write(data)
        self._disk = data.encode("utf-8")
        self.saved = self.state

    # -- helpers -------------------------------------------------------------------------
    def _check(
        self, edit: Edit, text: str, summary: str, lock: Lock | None = None, **extra: Any
    ) -> Proposal:
        spec = parse_spec(text, self.file)
        before = lock if lock is not None else self.lock
        result = build(spec, before)
        moved = moved_groups(before, result.lock)
        if moved:  # the builder keeps locked slots; this guards the editor itself
            raise PlanError(
                f"this edit would move placed blocks in {', '.join(moved[:3])}; nothing changed"
            )
        return Proposal(edit, text, spec, result, summary, **extra)

    def _template(self, i: int) -> tuple[SpecNode, int]:
        plan = self.plan
        template = plan.kinds[plan.kind[i]].template
        if template is None:
            raise InputError(f"{plan.path(i) or 'the root'} was not made by a spec node")
        return template, plan.index[i]

    def instances(self, i: int, *, same_index: bool) -> tuple[int, list[str]]:
        """How many plan nodes share node ``i``'s spec node (and index), with examples."""
        plan = self.plan
        k = plan.kind[i]
        kinds, index = plan.kind, plan.index
        total = kinds.count(k)
        t = plan.kinds[k].template
        if same_index and t is not None:  # one per parent instance
            made = t.count if plan.kinds[k].role == "host" else t.sibling_count
            total = max(1, total // max(1, made - len(t.retired)))
        examples: list[str] = []
        if total > 1:
            pos = -1
            while len(examples) < 3:
                try:
                    pos = kinds.index(k, pos + 1)
                except ValueError:
                    break
                if not same_index or index[pos] == index[i]:
                    examples.append(plan.path(pos))
        return total, examples

    def _where(self, i: int) -> str:
        return self.plan.path(i) or "the plan root"

    # -- add / reserve -------------------------------------------------------------------
    def _add(self, edit: AddChild, doc: _Doc, i: int) -> Proposal:
        plan = self.plan
        if edit.role and edit.role not in ROLES:
            raise InputError(f"unknown role {edit.role!r}; roles: {', '.join(ROLES)}")
        parts = [f"name: {_scalar(edit.name)}"]
        if edit.role:
            parts.append(f"role: {edit.role}")
        if edit.count > 1:
            parts.append(f"count: {edit.count}")
        if edit.prefix:
            net, length = parse_prefix(edit.prefix)  # AddressError names a bad prefix
            parts.append(f'prefix: "{format_prefix(net, length)}"')
        elif edit.size is not None:
            parts.append(f"size: /{edit.size}")
        if edit.description:
            parts.append(f"description: {json.dumps(edit.description, ensure_ascii=False)}")
        item = "{" + ", ".join(parts) + "}"
        if i == 0:
            template: SpecNode | None = None
            instances, examples = 1, list[str]()
        else:
            template, _ = self._template(i)
            if plan.role(i) == "host":
                raise InputError(f"{plan.path(i)} is a loopback address; it cannot have children")
            instances, examples = self.instances(i, same_index=False)
        mapping = doc.mapping_of(template)
        kids = doc.get(mapping, "children")
        yaml = _yaml()
        if isinstance(kids, yaml.SequenceNode) and kids.value:
            splice = doc.append_item(kids, item)
        elif kids is not None:
            found = doc.pair(mapping, "children")
            assert found is not None
            splice = (int(found[1].start_mark.index), _content_end(found[1]), f"[{item}]")
        else:
            splice = doc.add_key(mapping, "children", f"[{item}]", block_value=f"\n  - {item}")
        text = _splice(doc.text, [splice])
        what = "reserve" if edit.role == "reserve" else "child"
        block = (
            f" at {edit.prefix}"
            if edit.prefix
            else (f" (/{edit.size})" if edit.size else (f" ({edit.role})" if edit.role else ""))
        )
        count = f"{edit.count} × " if edit.count > 1 else ""
        if instances > 1 and template is not None:
            summary = (
                f"adds {what} {count}{edit.name!r}{block} to spec node {template.name!r}: "
                f"all {instances:,} of its instances get it"
            )
        else:
            summary = f"adds {what} {count}{edit.name!r}{block} under {self._where(i)}"
        base = plan.path(i)
        name = edit.name if edit.count == 1 else f"{edit.name}-1"
        return self._check(
            edit,
            text,
            summary,
            instances=instances,
            examples=examples,
            select=f"{base}/{name}" if base else name,
        )

    # -- rename --------------------------------------------------------------------------
    def _rename(self, edit: Rename, doc: _Doc, i: int) -> Proposal:
        plan = self.plan
        if i == 0:
            raise InputError("the plan root has no name to change; edit `plan:` for its title")
        template, j = self._template(i)
        old = plan.name[i]
        if edit.name == old:
            raise InputError(f"{plan.path(i)} is already called {old!r}")
        mapping = doc.mapping_of(template)
        hosts = plan.role(i) == "host"
        made = template.count if hosts else template.sibling_count
        splices: list[Splice] = []
        names_node = doc.get(mapping, "names")
        if j < len(template.names):
            splices.append(doc.set_scalar(names_node.value[j], edit.name))
        elif made == 1 and not template.names and not hosts:
            name_node = doc.get(mapping, "name")
            splices.append(doc.set_scalar(name_node, edit.name))
        else:  # an auto-named instance (site-7): give names up to it
            auto = [f"{template.name}-{k + 1}" for k in range(len(template.names), j)] + [edit.name]
            if isinstance(names_node, _yaml().SequenceNode):
                splices.append(doc.append_items(names_node, [_scalar(n) for n in auto]))
            else:
                value = "[" + ", ".join(_scalar(n) for n in auto) + "]"
                splices.append(doc.add_key(mapping, "names", value))
                if "count" not in template.places and not hosts:
                    splices.append(doc.add_key(mapping, "count", str(template.count)))
        if old in template.retire:  # cannot happen for a node in the plan; kept for safety
            raise InputError(f"{old!r} is retired")
        text = _splice(doc.text, splices)
        spec = parse_spec(text, self.file)
        lock = translate_lock(self.lock, self.state.spec, spec)
        instances, examples = self.instances(i, same_index=True)
        parent = plan.path(plan.parent[i])
        if instances > 1:
            summary = (
                f"renames {old!r} to {edit.name!r} in spec node {template.name!r}: "
                f"all {instances:,} instances under its parents are renamed"
            )
        else:
            summary = f"renames {plan.path(i)} to {edit.name!r}"
        return self._check(
            edit,
            text,
            summary,
            lock=lock,
            instances=instances,
            examples=examples,
            select=f"{parent}/{edit.name}" if parent else edit.name,
        )

    # -- delete --------------------------------------------------------------------------
    def _delete(self, edit: Delete, doc: _Doc, i: int) -> Proposal:
        plan = self.plan
        if i == 0:
            raise InputError("the plan root cannot be deleted")
        template, _ = self._template(i)
        hosts = plan.role(i) == "host"
        made = template.count if hosts else template.sibling_count
        left = made - len(template.retired)
        mapping = doc.mapping_of(template)
        splices: list[Splice] = []
        yaml = _yaml()
        if left > 1 or hosts:
            name = plan.name[i]
            retire = doc.get(mapping, "retire")
            if isinstance(retire, yaml.SequenceNode):
                splices.append(doc.append_item(retire, _scalar(name)))
            else:
                splices.append(doc.add_key(mapping, "retire", f"[{_scalar(name)}]"))
            how = f"retires {name!r} (spec node {template.name!r} keeps the others in place)"
        else:
            parent_template = plan.kinds[plan.kind[plan.parent[i]]].template
            parent_map = doc.mapping_of(parent_template if plan.parent[i] else None)
            kids = doc.get(parent_map, "children")
            pos = next(n for n, item in enumerate(kids.value) if doc.mapping_of(template) is item)
            if len(kids.value) > 1:
                splices.append(doc.remove_item(kids, pos))
            else:
                splices.append(doc.remove_key(parent_map, "children"))
            how = f"removes spec node {template.name!r}"
            if parent_template is not None and self._sized_by_children(parent_template):
                p_len = plan.plen[plan.parent[i]]
                splices.append(doc.add_key(parent_map, "size", f"/{p_len}"))
                how += f" and keeps {parent_template.name!r} at /{p_len} (writes `size: /{p_len}`)"
        text = _splice(doc.text, splices)
        instances, examples = self.instances(i, same_index=True)
        if instances > 1:
            summary = f"deletes {plan.name[i]!r} from all {instances:,} of its parents: {how}"
        else:
            summary = f"deletes {plan.path(i)} {plan.prefix_text(i)}: {how}"
        return self._check(
            edit,
            text,
            summary,
            instances=instances,
            examples=examples,
            select=plan.path(plan.parent[i]),
        )

    @staticmethod
    def _sized_by_children(t: SpecNode) -> bool:
        return t.prefix is None and t.size is None and t.role not in DEFAULT_SIZES
