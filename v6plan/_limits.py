"""How much v6plan reads, in one place: the size limit of every kind of input file and the
largest numbers a file may ask for before any work is sized by them.

Every file a command reads goes through :func:`v6plan._io.read_input` with one of the byte
limits below; a file over its limit, a device, a FIFO or a socket is refused with the file
named (exit 2). The counts bound what a valid-looking file can make the tools do: a lock
run ``[0, 10**15]`` or a roster of a million trainees is refused before anything is
allocated. README ("What v6plan refuses, and why") lists the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["INPUT_LIMITS", "NO_WORDS", "YES_WORDS", "InputLimit", "whole_number", "yes_no"]

KiB: Final = 1 << 10
MiB: Final = 1 << 20

# -- bytes per kind of file -------------------------------------------------------------------
#: A plan spec is written by hand: 4 MiB is thousands of nodes' worth of YAML.
SPEC_BYTES: Final = 4 * MiB
#: A lock stores runs of slots: even a million-prefix plan's lock is a few hundred KiB.
LOCK_BYTES: Final = 16 * MiB
#: Topologies, labs, variants and message catalogues are small hand-written YAML files.
LAB_FILE_BYTES: Final = 1 * MiB
#: A class roster (CSV): a thousand trainees is about 100 KiB.
ROSTER_BYTES: Final = 1 * MiB
#: A result file a trainee hands in carries its journal (at most MAX_REPLAY commands).
RESULT_BYTES: Final = 16 * MiB
#: a result sent to the classroom server (a long session's journal is ~100 KiB)
CLASSROOM_BODY_BYTES: Final = 2 * MiB
#: The class manifest (``class.json``) of ``v6lab variants``: trainees × labs entries.
MANIFEST_BYTES: Final = 16 * MiB
#: The instructor secret (one line of 64 hex digits) and ``calc iid --secret-file``.
SECRET_BYTES: Final = 4 * KiB
#: A TUI keymap (TOML): a few dozen bindings.
KEYMAP_BYTES: Final = 64 * KiB
#: A file handed in as a quiz answer (a plan spec, a zone file).
ANSWER_FILE_BYTES: Final = 1 * MiB
#: A lab session's own state (session.json; answers.json holds file answers, JSON-escaped).
SESSION_BYTES: Final = 64 * MiB
#: A lab session's journal: one JSON line per command the trainee ran.
JOURNAL_BYTES: Final = 16 * MiB
#: An existing plan (CSV or JSON): a 1,048,576-node plan exports as 104 MiB of CSV and
#: 188 MiB of JSON.
PLAN_FILE_BYTES: Final = 256 * MiB

# -- numbers that size work ---------------------------------------------------------------------
#: Above this many nodes a plan stops being something a person can use (the builder's budget,
#: checked before anything is placed; a lock holds no more slots than this either). Four
#: times the million-prefix plans of the benchmarks; a flat 4-million-leaf group costs about
#: 1.3 GB and 8 s to plan and lint (20 million took 5.9 GB and 67 s).
PLAN_NODES: Final = 1 << 22
#: A plan spec handed in as a quiz answer is built with this node budget.
ANSWER_PLAN_NODES: Final = 200_000
#: Nodes and links of one lab topology (the simulator and the netns backend build every one).
TOPOLOGY_NODES: Final = 256
TOPOLOGY_LINKS: Final = 1024
#: Trainees in one roster (each gets a folder, a variant and a handout per lab).
ROSTER_TRAINEES: Final = 2000
#: Values in one YAML file after aliases are expanded (a "billion laughs" stops here).
YAML_VALUES: Final = 200_000
#: Nesting of one YAML or JSON value (deeper is a bomb, not a plan).
NESTING: Final = 64
#: Rows (CSV) or nodes (JSON) of an existing plan file: twice the million-prefix plan.
PLAN_FILE_ROWS: Final = 1 << 21
#: VRFs in one plan file (each is a tree of its own).
PLAN_FILE_VRFS: Final = 1 << 16
#: One CSV cell or JSON string of a plan file or roster, in characters (Python's csv default).
CSV_FIELD_CHARS: Final = 128 * KiB
#: Digits of a whole number anywhere v6plan reads one (a count, a length, a --set value);
#: Python refuses to convert more than 4,300, and no quantity here needs more than 40.
NUMBER_DIGITS: Final = 40


def whole_number(text: str) -> int | None:
    """``text`` as a whole number if it is one written in ASCII digits (``_`` allowed between
    them), at most :data:`NUMBER_DIGITS` long; None otherwise. ``str.isdigit`` alone lets
    through '²' (which ``int`` refuses) and 5,000-digit numbers (which it refuses too)."""
    digits = text.strip().replace("_", "")
    if not digits or len(digits) > NUMBER_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    return int(digits)


#: the words v6plan reads as yes and as no, wherever it reads a switch (a spec's
#: ``nibble:``, ``--set managed=yes``, a lab's ``dad:`` or a check's ``managed``)
YES_WORDS: Final = ("yes", "true", "on", "1")
NO_WORDS: Final = ("no", "false", "off", "0")


def yes_no(text: str) -> bool | None:
    """``text`` as a switch: True for :data:`YES_WORDS`, False for :data:`NO_WORDS` (any
    case, spaces around ignored), None for anything else (the caller says what to write)."""
    word = text.strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


@dataclass(frozen=True, slots=True)
class InputLimit:
    """One row of the README table: what a file is, its limit, and who reads it."""

    what: str
    limit: int
    reader: str
    note: str = ""


INPUT_LIMITS: Final = (
    InputLimit("plan spec (YAML)", SPEC_BYTES, "v6plan._spec.read_spec_bytes"),
    InputLimit("lock file (JSON)", LOCK_BYTES, "v6plan._lock.Lock.read"),
    InputLimit("existing plan (CSV, JSON)", PLAN_FILE_BYTES, "v6plan._import.read_plan_file"),
    InputLimit("topology (YAML)", LAB_FILE_BYTES, "v6plan.lab.model._yaml.Reader.load"),
    InputLimit("lab file (YAML)", LAB_FILE_BYTES, "v6plan.lab.model._yaml.Reader.load"),
    InputLimit("message catalogue (YAML)", LAB_FILE_BYTES, "v6plan.lab.model._yaml.Reader.load"),
    InputLimit("variant file (YAML)", LAB_FILE_BYTES, "v6plan.lab.model._yaml.Reader.load"),
    InputLimit("roster (CSV)", ROSTER_BYTES, "v6plan.lab.instructor._variants.read_roster"),
    InputLimit("result file handed in (JSON)", RESULT_BYTES, "v6plan.lab.instructor._grading"),
    InputLimit(
        "class manifest class.json", MANIFEST_BYTES, "v6plan.lab.instructor._grading.load_keys"
    ),
    InputLimit(
        "result sent to the classroom server",
        CLASSROOM_BODY_BYTES,
        "v6plan.lab.instructor.classroom._server",
        "the request body; over it: 413",
    ),
    InputLimit("instructor secret", SECRET_BYTES, "v6plan.lab.instructor._grading.read_secret"),
    InputLimit("calc iid --secret-file", SECRET_BYTES, "v6plan.cli._calc"),
    InputLimit("TUI keymap (TOML)", KEYMAP_BYTES, "v6plan.tui.app.load_keymap"),
    InputLimit("quiz answer file", ANSWER_FILE_BYTES, "v6plan.lab.checks._quiz.read_file_answer"),
    InputLimit(
        "lab session state", SESSION_BYTES, "v6plan.lab.runtime._session", "ours; not an input"
    ),
    InputLimit(
        "lab session journal", JOURNAL_BYTES, "v6plan.lab.runtime._session", "ours; not an input"
    ),
)
