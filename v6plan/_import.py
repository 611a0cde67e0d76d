"""Reading existing plans (our JSON export, or any CSV with a ``prefix`` column).

An engineer can lint the plan they already have — exported from NetBox, phpIPAM or a
spreadsheet — with the same rules as a planned one. The tree is rebuilt by
containment; the smallest enclosing block becomes the root unless one is given.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ._errors import AddressError, Problem, SpecError
from ._plan import Kind, Plan
from ._prefix import parse_address, parse_prefix
from ._spec import ROLES

__all__ = ["read_plan_file"]

_ROLES = (*ROLES, "host", "")


def read_plan_file(path: str | Path) -> Plan:
    """A plan from ``*.json`` (v6plan export) or ``*.csv`` (needs a ``prefix`` column)."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([Problem(name, 0, 0, f"cannot read the plan file: {exc}")]) from None
    if name.endswith(".json"):
        return _from_json(text, name)
    return _from_csv(text, name)


Record = tuple[int, int, str, str, str, int]  # net, length, name, role, description, line


def _from_json(text: str, file: str) -> Plan:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SpecError(
            [
                Problem(
                    file,
                    getattr(exc, "lineno", 0),
                    getattr(exc, "colno", 0),
                    f"not valid JSON: {exc}",
                )
            ]
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        raise SpecError(
            [
                Problem(
                    file,
                    1,
                    1,
                    'expected {"plan", "prefix", "nodes": [...]} as `v6plan export --format json` writes it',
                )
            ]
        )
    problems: list[Problem] = []
    records: list[Record] = []
    for n, node in enumerate(data["nodes"], 1):
        if not isinstance(node, dict) or "prefix" not in node:
            problems.append(Problem(file, 0, 0, f"node {n} has no 'prefix'"))
            continue
        rec = _record(node, n + 1, file, problems)
        if rec:
            records.append(rec)
    root = _root(data.get("prefix"), file, problems)
    if problems:
        raise SpecError(problems)
    return _assemble(str(data.get("plan", Path(file).stem)), root, records, file)


def _from_csv(text: str, file: str) -> Plan:
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "prefix" not in fields:
        raise SpecError(
            [
                Problem(
                    file,
                    1,
                    1,
                    "the CSV has no 'prefix' column",
                    "name a column 'prefix' (NetBox and phpIPAM exports have one)",
                )
            ]
        )
    problems: list[Problem] = []
    records: list[Record] = []
    for row in reader:
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        rec = _record(clean, reader.line_num, file, problems)
        if rec:
            records.append(rec)
    if problems:
        raise SpecError(problems)
    return _assemble(Path(file).stem, None, records, file)


def _record(
    node: dict[str, object], line: int, file: str, problems: list[Problem]
) -> Record | None:
    text = str(node.get("prefix", ""))
    try:
        _, length = parse_prefix(text, strict=False)
        net = parse_address(text.partition("/")[0])  # keep host bits: lint reports them
    except AddressError as exc:
        problems.append(Problem(file, line, 0, str(exc)))
        return None
    role = str(node.get("role") or "")
    if role not in _ROLES:
        role = ""
    name = str(node.get("name") or node.get("path") or text).rpartition("/")[2] or text
    return net, length, name, role, str(node.get("description") or ""), line


def _root(text: object, file: str, problems: list[Problem]) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        return parse_prefix(str(text), strict=False)
    except AddressError as exc:
        problems.append(Problem(file, 1, 1, f"bad plan prefix: {exc}"))
        return None


def _assemble(title: str, root: tuple[int, int] | None, records: list[Record], file: str) -> Plan:
    if not records and root is None:
        raise SpecError([Problem(file, 0, 0, "the file holds no prefixes")])

    def masked(net: int, length: int) -> int:
        return net & ~((1 << (128 - length)) - 1)

    records.sort(key=lambda r: (masked(r[0], r[1]), r[1], r[5]))
    if root is None:  # the smallest block that holds everything
        first = masked(records[0][0], records[0][1])
        last = max(masked(r[0], r[1]) + (1 << (128 - r[1])) - 1 for r in records)
        length = 128 - (first ^ last).bit_length()
        root = (masked(first, length), length)
        if records[0][1] == length and masked(records[0][0], length) == root[0]:
            records.pop(0)  # the top record is the root itself
    plan = Plan(title, root[0], root[1], source=file)
    kinds: dict[tuple[str, str], int] = {}
    stack: list[tuple[int, int, int, int]] = [
        (0, root[0] + (1 << (128 - root[1])), *root)
    ]  # index, end, net, length
    for net, length, name, role, description, _line in records:
        start = masked(net, length)
        while len(stack) > 1 and (start >= stack[-1][1] or (start, length) == stack[-1][2:]):
            index = stack.pop()[
                0
            ]  # past its end, or a duplicate: siblings, so lint sees the overlap
            plan.end[index] = len(plan.net)
        k = kinds.get((role, description))
        if k is None:
            plan.kinds.append(Kind(role=role, description=description))
            k = kinds[(role, description)] = len(plan.kinds) - 1
        parent = stack[-1][0]
        plan.net.append(net)
        plan.plen.append(length)
        plan.parent.append(parent)
        plan.end.append(len(plan.net))
        plan.depth.append(plan.depth[parent] + 1)
        plan.kind.append(k)
        plan.index.append(0)
        plan.name.append(name)
        stack.append((len(plan.net) - 1, start + (1 << (128 - length)), start, length))
    for entry in stack:
        plan.end[entry[0]] = len(plan.net)
    return plan
