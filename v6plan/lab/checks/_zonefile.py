"""Read a DNS zone file as a trainee writes it (RFC 1035 master format, the parts a
reverse zone uses) — enough to grade it without BIND; ``named-checkzone`` is run on
top when it is installed, because the real program has the last word on validity.

Handled: ``$ORIGIN``, ``$TTL``, comments, parentheses across lines, ``@``, a blank
owner (the previous one), relative names (the origin appended — the classic "missing
trailing dot" turns ``h1.example.net`` into ``h1.example.net.<zone>``), optional TTL
and class in either order. Record data is kept as tokens; names in SOA, NS and PTR
data are made absolute.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Record", "ZoneError", "checkzone", "parse_zone"]

_TTL = re.compile(r"^\d+[smhdwSMHDW]?(\d+[smhdwSMHDW])*$")
_CLASSES = ("IN", "CH", "HS", "CS")
_NAME_TYPES = {"PTR": (0,), "NS": (0,), "CNAME": (0,), "SOA": (0, 1)}


class ZoneError(ValueError):
    """A line the reader cannot make sense of (message names the line)."""


@dataclass(frozen=True)
class Record:
    owner: str  # absolute, lower case, with the trailing dot
    rtype: str
    data: tuple[str, ...]
    line: int


def _absolute(name: str, origin: str) -> str:
    if name == "@":
        return origin
    if name.endswith("."):
        return name.lower()
    return f"{name}.{origin}".lower() if origin != "." else f"{name}.".lower()


def _logical_lines(text: str) -> list[tuple[int, str, bool]]:
    """(line number, text, starts with blank) with comments removed and parentheses joined."""
    out: list[tuple[int, str, bool]] = []
    buffer: list[str] = []
    depth = 0
    first_line = 0
    blank_owner = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw)
        if depth == 0:
            if not line.strip():
                continue
            first_line = number
            blank_owner = raw[:1] in (" ", "\t")
        depth += line.count("(") - line.count(")")
        if depth < 0:
            raise ZoneError(f"line {number}: ')' without '('")
        buffer.append(line.replace("(", " ").replace(")", " "))
        if depth == 0:
            out.append((first_line, " ".join(buffer), blank_owner))
            buffer = []
    if depth:
        raise ZoneError(f"line {first_line}: '(' is never closed")
    return out


def _strip_comment(line: str) -> str:
    quoted = False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            return line[:i]
    return line


def parse_zone(text: str, origin: str) -> list[Record]:
    """The records of a zone file; ``origin`` is the zone's name (as named-checkzone
    takes it). Raises :class:`ZoneError` naming the line for what it cannot read."""
    origin = _absolute(origin, ".")
    records: list[Record] = []
    owner = ""
    for number, line, blank_owner in _logical_lines(text):
        tokens = line.split()
        if tokens[0].upper() == "$ORIGIN":
            if len(tokens) != 2:
                raise ZoneError(f"line {number}: $ORIGIN takes one name")
            origin = _absolute(tokens[1], origin)
            continue
        if tokens[0].upper() == "$TTL":
            if len(tokens) != 2 or not _TTL.match(tokens[1]):
                raise ZoneError(f"line {number}: $TTL takes a time such as 3600")
            continue
        if tokens[0].startswith("$"):
            raise ZoneError(f"line {number}: {tokens[0]} is not supported here")
        if not blank_owner:
            owner = _absolute(tokens.pop(0), origin)
        elif not owner:
            raise ZoneError(f"line {number}: the first record has no owner name")
        while tokens and (_TTL.match(tokens[0]) or tokens[0].upper() in _CLASSES):
            tokens.pop(0)
        if not tokens:
            raise ZoneError(f"line {number}: no record type")
        rtype = tokens.pop(0).upper()
        if not re.fullmatch(r"[A-Z][A-Z0-9]*", rtype):
            raise ZoneError(f"line {number}: {rtype!r} is not a record type")
        data = list(tokens)
        for i in _NAME_TYPES.get(rtype, ()):
            if i >= len(data):
                raise ZoneError(f"line {number}: {rtype} record without its data")
            data[i] = _absolute(data[i], origin)
        if rtype == "SOA" and len(data) != 7:
            raise ZoneError(f"line {number}: SOA needs 7 fields, it has {len(data)}")
        records.append(Record(owner, rtype, tuple(data), number))
    return records


def checkzone(zone: str, text: str, timeout: float = 20.0) -> str | None:
    """Run ``named-checkzone`` on the text: None when it accepts it (or is not
    installed), else its first complaint."""
    program = shutil.which("named-checkzone")
    if program is None:
        return None
    with tempfile.TemporaryDirectory(prefix="v6lab-zone-") as tmp:
        path = Path(tmp) / "zone"
        path.write_text(text, encoding="utf-8")
        try:
            done = subprocess.run(
                [program, zone.rstrip(".") or ".", str(path)],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"named-checkzone could not run: {exc}"
    if done.returncode == 0:
        return None
    lines = [
        line.replace(f"{path}:", "line ").strip()
        for line in (done.stdout + done.stderr).splitlines()
        if line.strip() and line.strip() != "OK" and not line.endswith("not loaded due to errors.")
    ]
    return "named-checkzone: " + (lines or ["rejected the zone"])[0]
