"""Reading existing plans: our CSV and JSON exports, NetBox and phpIPAM CSV, any CSV with prefixes.

An engineer can lint the plan they already have with the same rules as a planned one.
The rules (the README's "Reading an existing plan" says the same to users):

* the prefix is in a ``prefix`` column (NetBox, our exports) or in phpIPAM's ``subnet`` +
  ``mask``; IPv4 rows are skipped and counted in one note (:attr:`Plan.notes`);
* a ``vrf`` column makes one tree per VRF: the same block in two VRFs is no overlap, the
  same block twice in one VRF is; an empty cell (or NetBox's ``Global``) is the global table;
* the tree is rebuilt by containment, and its roots are the top-level prefixes actually in
  the file: one becomes the plan's root; several (or VRFs) hang under a grouping root
  (:meth:`Plan.forest`) — nothing is made up to cover them;
* names come from ``name``, else the last part of ``path``, else ``description`` (our NetBox
  and phpIPAM exports write ``path — description`` there), else the prefix itself, written
  ``2001:db8::∕48`` (a division slash: a name is one part of a path);
* bounded: at most :data:`MAX_PLAN_BYTES` read, :data:`MAX_ROWS` rows, :data:`MAX_VRFS`
  VRFs, fields of at most :data:`MAX_FIELD` characters, JSON no deeper than nodes of plain
  values; every problem is a :class:`SpecError` with the file, line and column.
"""

from __future__ import annotations

import csv
import io
import json
import re
import socket
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from . import _limits
from ._errors import AddressError, Problem, SpecError
from ._io import ReadError, read_input
from ._plan import Kind, Plan
from ._prefix import format_prefix, host_mask, parse_prefix
from ._spec import ROLES

__all__ = ["MAX_FIELD", "MAX_PLAN_BYTES", "MAX_ROWS", "MAX_VRFS", "read_plan_file"]

MAX_PLAN_BYTES = _limits.PLAN_FILE_BYTES
MAX_ROWS = _limits.PLAN_FILE_ROWS
MAX_VRFS = _limits.PLAN_FILE_VRFS
MAX_FIELD = _limits.CSV_FIELD_CHARS
#: Distinct (role, description) pairs kept; descriptions past it are left out, with a note.
MAX_KINDS = 60_000
#: Problems listed before reading stops (a wrong file would otherwise list every row).
MAX_PROBLEMS = 20

_ROLES = frozenset((*ROLES, "host", ""))
_GLOBAL = frozenset(("", "global", "—", "-"))  # NetBox shows the global table as "Global"
_PATH = re.compile(r"[^\W_][\w.+-]*(?:/[^\W_][\w.+-]*)*")
_AF6, _AF4 = socket.AF_INET6, socket.AF_INET
_MASKS = [~host_mask(length) for length in range(129)]
_SIZES = [1 << (128 - length) for length in range(129)]

#: Why a row's prefix was refused: (message, hint); the reader adds the place.
Fault = tuple[str, str]


def read_plan_file(path: str | Path) -> Plan:
    """A plan from ``*.json`` (a v6plan export) or ``*.csv`` (see the module's rules)."""
    name = str(path)
    try:
        data = read_input(path, what="plan file", limit=MAX_PLAN_BYTES)
    except ReadError as exc:
        raise SpecError([Problem(exc.file, 0, 0, exc.reason, exc.hint)]) from None
    rows = _Rows(name)
    if name.lower().endswith(".json"):
        _read_json(data, rows)
    else:
        _read_csv(data, rows)
    return rows.plan()


class _Rows:
    """The rows read so far, as columns; then the plan they make (:meth:`plan`)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.nets: list[int] = []  # as written: host bits kept, lint reports them
        self.keys: list[int] = []  # (table, masked net, length) as one sortable integer
        self.plens = bytearray()
        self.kind = array("H")
        self.names: list[str] = []
        self.named = bytearray()  # 1: the name came from the file, 0: it is the prefix
        # kind 0: the root; kind 1: no role, no description (most imported rows)
        self.kinds: list[Kind] = [Kind(role="root", group=True), Kind()]
        self.kind_of: dict[tuple[str, str], int] = {("", ""): 1}
        self.tables: dict[str, int] = {"": 0}  # VRF cell -> table number (0: global)
        self.table_of: dict[str, int] = {}  # VRF name -> table number
        self.table_names = [""]
        self.shared: dict[str, str] = {}  # one string object per distinct name
        self.ipv4 = 0
        self.rows = 0
        self.dropped_descriptions = 0
        self.title = Path(file).stem
        self.root: tuple[int, int] | None = None  # a JSON export's "prefix"

    # -- problems -------------------------------------------------------------------------
    def problem(self, line: int, column: int, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.file, line, column, message, hint))
        if len(self.problems) >= MAX_PROBLEMS:
            self.stop(line)

    def stop(self, line: int = 0) -> None:
        """Raise what was found (reading on would only list more of the same)."""
        if len(self.problems) >= MAX_PROBLEMS:
            self.problems.append(
                Problem(self.file, line, 0, f"stopped after {MAX_PROBLEMS} problems")
            )
        raise SpecError(self.problems)

    def fail(self, line: int, column: int, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.file, line, column, message, hint))
        raise SpecError(self.problems)

    def too_many(self, line: int, column: int = 1) -> None:
        self.fail(
            line,
            column,
            f"more than {MAX_ROWS:,} rows: over the limit for a plan file",
            "is it the right file? split a bigger plan by top-level block",
        )

    # -- one row --------------------------------------------------------------------------
    def add(self, text: str, name: str, role: str, description: str, vrf: str) -> Fault | None:
        """One prefix with what the file says about it (``name`` '' when it says nothing).

        A prefix that does not parse is returned as ``(message, hint)`` for the caller to
        place; an IPv4 prefix is counted and skipped.
        """
        addr, slash, length_text = text.partition("/")
        try:
            net = int.from_bytes(socket.inet_pton(_AF6, addr), "big")
            if slash:
                if not (length_text.isascii() and length_text.isdigit()) or len(length_text) > 3:
                    raise ValueError(length_text)
                length = int(length_text)
                if length > 128:
                    raise ValueError(length_text)
            else:
                length = 128
        except (OSError, ValueError):
            return self.bad_prefix(text)
        table = self.tables.get(vrf)
        if table is None:
            table = self.table(vrf)
            if table < 0:
                return (
                    f"more than {MAX_VRFS:,} VRFs: over the limit for a plan file",
                    "is it the right column? a VRF column names a few routing tables",
                )
        if role or description:
            kind = self.kind_of.get((role, description))
            if kind is None:
                kind = self.new_kind(role, description)
        else:
            kind = 1
        self.nets.append(net)
        self.keys.append((((table << 128) | (net & _MASKS[length])) << 8) | length)
        self.plens.append(length)
        self.kind.append(kind)
        if name and not name.isprintable():
            name = _clean(name)
        if name:
            self.names.append(self.shared.setdefault(name, name))
            self.named.append(1)
        else:
            self.names.append("")
            self.named.append(0)
        return None

    def bad_prefix(self, text: str) -> Fault | None:
        addr = text.partition("/")[0]
        if ":" not in addr and "." in addr:
            try:
                socket.inet_pton(_AF4, addr)
            except (OSError, ValueError):  # ValueError: a NUL in the text
                pass
            else:
                self.ipv4 += 1  # v6plan plans IPv6: one note for them all
                return None
        if not text:
            return "this row has no prefix", "fill the prefix cell or delete the row"
        if len(text) > 60:  # no IPv6 prefix is this long: do not repeat it all
            return f"{text[:40]!r}… ({len(text):,} characters) is not an IPv6 prefix", (
                "is it the right column? write it as 2001:db8:1::/48"
            )
        try:
            parse_prefix(text, strict=False)
        except AddressError as exc:
            return str(exc), "write it as 2001:db8:1::/48"
        return f"{text!r} is not an IPv6 prefix", "write it as 2001:db8:1::/48"

    def table(self, vrf: str) -> int:
        """The table number of a VRF cell as written (cached: a file names a few VRFs)."""
        name = _clean(vrf)
        if name.lower() in _GLOBAL:
            number = 0
        else:
            number = self.table_of.setdefault(name, len(self.table_names))
            if number == len(self.table_names):
                if number > MAX_VRFS:
                    return -1
                self.table_names.append(name)
        self.tables[vrf] = number
        return number

    def new_kind(self, role: str, description: str) -> int:
        if len(self.kinds) >= MAX_KINDS:
            self.dropped_descriptions += 1
            found = self.kind_of.get((role, ""))
            if found is not None:
                return found
            description = ""
        self.kinds.append(Kind(role=role, description=description))
        self.kind_of[(role, description)] = len(self.kinds) - 1
        return len(self.kinds) - 1

    # -- the plan ------------------------------------------------------------------------
    def _ipv4_rows(self) -> str:
        return f"{self.ipv4:,} IPv4 row{'' if self.ipv4 == 1 else 's'}"

    def plan(self) -> Plan:
        if self.problems:
            raise SpecError(self.problems)
        n = len(self.nets)
        if not n and self.root is None:
            hint = f" (it skipped {self._ipv4_rows()})" if self.ipv4 else ""
            self.fail(
                0, 0, f"the file holds no IPv6 prefixes{hint}", "give a plan with IPv6 prefixes"
            )
        order = sorted(range(n), key=self.keys.__getitem__)
        plan = self.start(order)
        self.build(plan, order)
        if self.ipv4:
            plan.notes.append(f"skipped {self._ipv4_rows()} (v6plan plans IPv6 only)")
        if self.dropped_descriptions:
            plan.notes.append(
                f"left out the descriptions of {self.dropped_descriptions:,} rows "
                f"(more than {MAX_KINDS:,} different ones)"
            )
        return plan

    def start(self, order: list[int]) -> Plan:
        """The root: the one top-level block, the JSON export's prefix, or a grouping node."""
        if self.root is not None and len(self.table_names) == 1:
            plan = Plan(self.title, *self.root, source=self.file)
            plan.kinds = self.kinds
            plan.kind[0] = 0
            self.kinds[0] = Kind(role="root")
            return plan
        if self.root is not None:
            self.root = None  # several VRFs have no one prefix: the blocks say where they are
        if len(self.table_names) == 1 and self.single_top(order):
            first = order[0]
            net, length = self.nets[first], self.plens[first]
            plan = Plan(self.title, net, length, source=self.file)
            if self.named[first]:
                plan.title = self.names[first]
            plan.description = self.kinds[self.kind[first]].description
            plan.kinds = self.kinds
            self.kinds[0] = Kind(role="root")
            plan.kind[0] = 0
            return plan
        plan = Plan.forest(self.title, source=self.file)
        plan.kinds = self.kinds
        return plan

    def single_top(self, order: list[int]) -> bool:
        """Does one block hold every other (and appear once)?

        Rows are in (address, length) order and aligned blocks nest or are apart, so the
        first block holds them all when the last one starts inside it.
        """
        keys = self.keys
        first = order[0]
        if len(order) > 1 and keys[order[1]] == keys[first]:
            return False  # the top block twice: two roots, and lint says they overlap
        start = keys[first] >> 8
        return (keys[order[-1]] >> 8) < start + _SIZES[self.plens[first]]

    def build(self, plan: Plan, order: list[int]) -> None:
        """Nodes in address order; each goes under the smallest open block holding it."""
        nets, keys, plens, kind, names = self.nets, self.keys, self.plens, self.kind, self.names
        p_net, p_plen, p_parent, p_end = plan.net, plan.plen, plan.parent, plan.end
        p_depth, p_kind, p_index, p_name = plan.depth, plan.kind, plan.index, plan.name
        forest = plan.grouped
        vrf_kind = -1
        top_mask = (1 << 136) - 1
        # open blocks: (index, end address, masked net and length as in keys)
        stack: list[tuple[int, int, int]] = []
        if forest:
            stack.append((0, 1 << 129, -1))
        else:
            root_key = ((plan.net[0] & _MASKS[plan.plen[0]]) << 8) | plan.plen[0]
            stack.append((0, (root_key >> 8) + _SIZES[plan.plen[0]], root_key))
            if self.root is None:
                order = order[1:]  # the first row is the root itself
        table = 0
        for j in order:
            key = keys[j]
            if key >> 136 != table:  # the next VRF: close the last one's blocks
                table = key >> 136
                while len(stack) > 1:
                    p_end[stack.pop()[0]] = len(p_net)
                if vrf_kind < 0:
                    plan.kinds.append(Kind(role="vrf", group=True))
                    vrf_kind = len(plan.kinds) - 1
                vrf = len(p_net)
                p_net.append(0)
                p_plen.append(0)
                p_parent.append(0)
                p_end.append(0)
                p_depth.append(1)
                p_kind.append(vrf_kind)
                p_index.append(0)
                p_name.append(self.table_names[table])
                stack.append((vrf, 1 << 129, -1))
            own = key & top_mask
            start = own >> 8
            while len(stack) > 1 and (start >= stack[-1][1] or own == stack[-1][2]):
                p_end[stack.pop()[0]] = len(p_net)  # past its end, or a duplicate: siblings
            parent = stack[-1][0]
            length = plens[j]
            index = len(p_net)
            p_net.append(nets[j])
            p_plen.append(length)
            p_parent.append(parent)
            p_end.append(index + 1)
            p_depth.append(p_depth[parent] + 1)
            p_kind.append(kind[j])
            p_index.append(0)
            p_name.append(names[j] or _prefix_name(nets[j], length))
            stack.append((index, start + _SIZES[length], own))
        for entry in stack:
            p_end[entry[0]] = len(p_net)


def _prefix_name(net: int, length: int) -> str:
    """The name of a row the file names nothing: its prefix, with a division slash (U+2215)
    so that the name stays one part of a path."""
    return f"{format_prefix(net, length).replace('/', '∕')}"


# -- names ----------------------------------------------------------------------------------
def _clean(text: str) -> str:
    """``text`` on one line: control and other unprintable characters become spaces."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else " " for c in text).strip()


def _split_description(text: str) -> tuple[str, str]:
    """``(name, description)`` from a description cell: ``path — text`` as our exports write."""
    head, dash, tail = text.partition(" — ")
    if _PATH.fullmatch(head):
        return head.rpartition("/")[2], tail.strip() if dash else ""
    return text, ""


# -- CSV ------------------------------------------------------------------------------------
class _Reader(Protocol):
    """What v6plan uses of a ``csv.reader``."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


def _read_csv(data: bytes, rows: _Rows) -> None:
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(stream, strict=True)  # strict: an unclosed quote is an error
    old_limit = csv.field_size_limit(MAX_FIELD)  # process-wide: set for this read only
    try:
        _csv_rows(reader, rows)
    except csv.Error as exc:
        line = max(reader.line_num, 1)  # the line the reader gave up on
        if "field larger" in str(exc):
            rows.fail(
                line,
                0,
                f"a field is over {MAX_FIELD >> 10} KiB (the limit for one CSV cell)",
                "is it the right file? a cell holds one prefix, name or description "
                "(an unclosed quote makes the rest of the file one cell)",
            )
        hint = "save it as comma-separated UTF-8"
        if "end of data" in str(exc):
            hint = 'a quoted cell is not closed: a cell in quotes ends with " before the next comma'
        rows.fail(line, 0, f"not readable as CSV: {exc}", hint)
    except UnicodeDecodeError:
        line, column = _byte_place(data)
        rows.fail(
            line, column, "not UTF-8 text", "save the file as UTF-8 (CSV UTF-8 in a spreadsheet)"
        )
    finally:
        csv.field_size_limit(old_limit)


def _byte_place(data: bytes) -> tuple[int, int]:
    """Line and column of the first byte that is not UTF-8."""
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        return data.count(b"\n", 0, start) + 1, start - data.rfind(b"\n", 0, start)
    return 0, 0


def _csv_rows(reader: _Reader, rows: _Rows) -> None:
    """Every row through :meth:`_Rows.add`; columns found by their header names."""
    header = next(reader, None)
    if header is None:
        rows.fail(0, 0, "the file is empty", "give a CSV with a header row and a 'prefix' column")
        return
    at: dict[str, int] = {}
    for n, column in enumerate(header):
        at.setdefault(column.strip().lower(), n)
    ip = at.get("prefix", -1)
    mask = -1
    if ip < 0:  # phpIPAM: subnet (an address, or address/length) and mask
        ip, mask = at.get("subnet", -1), at.get("mask", -1)
    if ip < 0:
        _no_prefix_column(header, rows)
    i_name, i_path, i_desc = at.get("name", -1), at.get("path", -1), at.get("description", -1)
    i_role, i_vrf = at.get("role", -1), at.get("vrf", -1)
    name_from_description = i_name < 0 and i_path < 0
    width = max(ip, mask, i_name, i_path, i_desc, i_role, i_vrf) + 1
    add, split = rows.add, _split_description
    roles = _ROLES
    limit = MAX_ROWS
    count = 0
    for row in reader:
        count += 1
        if count > limit:
            rows.too_many(reader.line_num)
        if len(row) < width:
            if not any(row):
                continue  # a blank line
            row += [""] * (width - len(row))
        text = row[ip].strip()
        if mask >= 0 and text and "/" not in text:
            bits = row[mask].strip().lstrip("/")
            if bits:
                text = f"{text}/{bits}"
        role = row[i_role].strip().lower() if i_role >= 0 else ""
        if role not in roles:
            role = ""
        description = row[i_desc].strip() if i_desc >= 0 else ""
        if name_from_description:
            name, description = split(description) if description else ("", "")
        elif i_name >= 0 and row[i_name]:
            name = row[i_name].strip()
        elif i_path >= 0:
            name = row[i_path].strip().rpartition("/")[2]
        else:
            name = ""
        fault = add(text, name, role, description, row[i_vrf].strip() if i_vrf >= 0 else "")
        if fault is not None:
            if not text and not any(cell.strip() for cell in row):
                continue  # a row of empty cells, as spreadsheets leave at the end
            rows.problem(reader.line_num, ip + 1, *fault)
    rows.rows = count


def _no_prefix_column(header: list[str], rows: _Rows) -> None:
    first = ",".join(header)
    hint = "name a column 'prefix' (NetBox and our csv export) or 'subnet' + 'mask' (phpIPAM)"
    if ";" in first or "\t" in first:
        hint = "v6plan reads comma-separated CSV: this header looks separated by ';' or tabs"
    shown = first if len(first) <= 80 else first[:77] + "…"
    rows.fail(1, 1, f"no 'prefix' or 'subnet' column in the header ({shown!r})", hint)


# -- JSON -----------------------------------------------------------------------------------
_WS = re.compile(r"[ \t\n\r]*+")
#: One JSON object whose values hold no object or array (a node: nesting stops here).
_FLAT = re.compile(r'\{(?:[^{}\[\]"]++|"(?:[^"\\]++|\\.)*+")*+\}', re.S)
_SCALAR = re.compile(r'"(?:[^"\\]++|\\.)*+"|-?\d[\d.eE+-]*+|true|false|null', re.S)
_BATCH = 1 << 18  # characters of nodes decoded at once: bounded memory, few decoder calls
_SHAPE = 'a v6plan JSON export is {"plan": …, "prefix": …, "nodes": [{"prefix": …}, …]}'
_NODE_KEYS = ("prefix", "name", "path", "role", "description", "vrf")


class _Json:
    """A v6plan JSON export read a batch of nodes at a time (never the whole tree at once).

    The document is an object of plain values and one ``nodes`` list of objects of plain
    values: two levels, nothing deeper is decoded. Batches of about 256 KiB go through the
    C decoder in one call; where a batch does not split cleanly, nodes are matched one at
    a time by a pattern that only matches an object of plain values.
    """

    def __init__(self, text: str, rows: _Rows) -> None:
        self.text = text
        self.rows = rows
        self.decoder = json.JSONDecoder()
        self.node = 0
        self.fault: Fault = ("is not a JSON object", _SHAPE)  # why record() said no
        self.fatal = False  # the fault ends the reading (too many nodes)

    def place(self, pos: int) -> tuple[int, int]:
        text = self.text
        return text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)

    def fail(self, pos: int, message: str, hint: str = _SHAPE) -> None:
        self.rows.fail(*self.place(pos), message, hint)

    def skip(self, pos: int) -> int:
        found = _WS.match(self.text, pos)
        return found.end() if found else pos

    def read(self) -> None:
        text = self.text
        pos = self.skip(0)
        if not text.startswith("{", pos):
            self.fail(pos, "not a JSON object")
        pos = self.skip(pos + 1)
        seen: set[str] = set()
        while not text.startswith("}", pos):
            if seen:
                if not text.startswith(",", pos):
                    self.fail(pos, "expected ',' or '}' in the JSON object")
                pos = self.skip(pos + 1)
            key_pos = pos
            key, pos = self.scalar(pos, "a key")
            if not isinstance(key, str):
                self.fail(key_pos, "expected a key in double quotes")
            pos = self.skip(pos)
            if not text.startswith(":", pos):
                self.fail(pos, "expected ':' after a key")
            pos = self.skip(pos + 1)
            if key in seen:
                self.fail(key_pos, f"{key!r} appears twice")
            seen.add(str(key))
            if key == "nodes":
                pos = self.nodes(pos)
            else:
                value, pos = self.scalar(pos, repr(key))
                self.header(str(key), value, key_pos)
            pos = self.skip(pos)
        end = self.skip(pos + 1)
        if end != len(text):
            self.fail(end, "more after the end of the JSON object")
        if "nodes" not in seen:
            self.fail(0, "no 'nodes' list")

    def scalar(self, pos: int, what: str) -> tuple[object, int]:
        found = _SCALAR.match(self.text, pos)
        if found is None:
            self.fail(pos, f"{what} must be text, a number, true, false or null")
        assert found is not None
        return self.load(found.group(), pos), found.end()

    def load(self, text: str, pos: int) -> object:
        if len(text) > MAX_FIELD:
            self.fail(pos, f"a value is over {MAX_FIELD >> 10} KiB", "is it the right file?")
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as exc:
            self.fail(pos, f"not valid JSON: {exc}")
        raise AssertionError  # pragma: no cover - fail() raised

    def header(self, key: str, value: object, pos: int) -> None:
        rows = self.rows
        if key == "plan" and isinstance(value, str) and value.strip():
            rows.title = _clean(value.strip()) or rows.title
        elif key == "prefix" and value is not None:
            if not isinstance(value, str):
                self.fail(pos, "'prefix' must be a prefix in quotes, or null")
            try:
                rows.root = parse_prefix(str(value), strict=False)
            except AddressError as exc:
                self.fail(pos, f"bad plan prefix: {exc}", "write it as 2001:db8::/32")

    def nodes(self, pos: int) -> int:
        """The nodes list, batch by batch; returns the position after its ']'."""
        text = self.text
        if not text.startswith("[", pos):
            self.fail(pos, "'nodes' must be a list of node objects")
        pos = self.skip(pos + 1)
        if text.startswith("]", pos):
            return pos + 1
        single_until = -1  # after a batch that did not split: one node at a time up to here
        while True:
            cut = text.find("}", pos + _BATCH) if pos > single_until else -1
            batch = None
            if 0 < cut <= pos + 2 * _BATCH:  # a bounded batch; a longer node goes alone
                try:
                    batch = json.loads("[" + text[pos : cut + 1] + "]")
                except (ValueError, RecursionError):
                    single_until = cut
                else:
                    if not all(type(node) is dict for node in batch):
                        batch, single_until = None, cut
            if batch is not None:
                for n, node in enumerate(batch):
                    if not self.record(node):
                        self.misplaced(pos, n)  # find where it is only when it is wrong
                pos = cut + 1
            else:  # near the end, or a batch that did not split cleanly
                found = _FLAT.match(text, pos)
                if found is None:
                    self.fail(
                        pos,
                        f"node {self.node + 1} is not an object of plain values",
                        'each node is {"prefix": …, "name": …} holding text, numbers or null',
                    )
                assert found is not None
                node = self.load(found.group(), pos)
                if type(node) is not dict:  # pragma: no cover - the pattern matched an object
                    self.node += 1
                    self.fault = ("is not a JSON object", _SHAPE)
                    self.fault_at(pos)
                elif not self.record(node):
                    self.fault_at(pos)
                pos = found.end()
            pos = self.skip(pos)
            if text.startswith("]", pos):
                return pos + 1
            if not text.startswith(",", pos):
                self.fail(pos, "expected ',' or ']' after a node")
            pos = self.skip(pos + 1)

    def record(self, node: dict[str, object]) -> bool:
        """Add one node; False (with ``self.fault`` set) when it is wrong."""
        self.node += 1
        if self.node > MAX_ROWS:
            self.fault = (
                f"more than {MAX_ROWS:,} nodes: over the limit for a plan file",
                "is it the right file? split a bigger plan by top-level block",
            )
            self.fatal = True
            return False
        values: list[str] = []
        for key in _NODE_KEYS:
            value = node.get(key)
            if value is None:
                values.append("")
            elif type(value) is str:
                if len(value) > MAX_FIELD:
                    self.fault = (f"{key!r} is over {MAX_FIELD >> 10} KiB", "is it the right file?")
                    return False
                values.append(value.strip())
            elif type(value) in (dict, list):
                self.fault = (f"{key!r} must be text, not a list or an object", _SHAPE)
                return False
            else:
                values.append(str(value))
        prefix, name, path, role, description, vrf = values
        if "prefix" not in node:
            self.fault = ("no 'prefix'", "give every node a prefix")
            return False
        role = role.lower()
        if role not in _ROLES:
            role = ""
        fault = self.rows.add(prefix, name or path.rpartition("/")[2], role, description, vrf)
        if fault is not None:
            self.fault = fault
            return False
        return True

    def misplaced(self, start: int, n: int) -> None:
        """Report the fault of the ``n``-th node of the batch at ``start``, at its place."""
        text, pos = self.text, start
        for _ in range(n):
            _, pos = self.decoder.raw_decode(text, pos)  # a batch already decoded: bounded
            pos = self.skip(self.skip(pos) + 1)
        self.fault_at(pos)

    def fault_at(self, pos: int) -> None:
        """Report ``self.fault`` for the current node, which starts at ``pos``."""
        message, hint = self.fault
        line, column = self.place(pos)
        if self.fatal:
            self.rows.fail(line, column, message, hint)
        self.rows.problem(line, column, f"node {self.node}: {message}", hint)


def _read_json(data: bytes, rows: _Rows) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        line, column = _byte_place(data)
        rows.fail(line, column, "not UTF-8 text", "save the file as UTF-8")
        return
    del data
    _Json(text, rows).read()
