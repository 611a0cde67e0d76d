"""Quiz answers: how a trainee's answer is compared with the expected one, and where it is kept.

* **Answer kinds** (:data:`KINDS`): how a given answer is compared with the expected
  one and which reason code a wrong one gets — ``canonical`` wants RFC 5952 text and
  says ``not-canonical`` for the right address written another way, ``prefix`` says
  ``host-bits`` or ``wrong-length`` … (:func:`grade`). The expected values themselves are
  computed (:mod:`..model._calcs`).
* **Answers** given with ``v6lab answer QUESTION VALUE``, kept in the session
  directory as ``answers.json`` (a file answer keeps the file's *content*, read when
  it was handed in, so grading never depends on a file that changed later).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from ..._errors import AddressError
from ..._limits import ANSWER_FILE_BYTES, whole_number
from ..._prefix import expand_address, format_address, host_mask, parse_prefix
from ..model._checkspec import ANSWER_KINDS as KINDS

__all__ = [
    "ANSWERS_FILE",
    "KINDS",
    "answer_records",
    "grade",
    "load_answers",
    "read_file_answer",
    "record_answer",
]

ANSWERS_FILE = "answers.json"
#: A file handed in as an answer (a plan spec, a zone) may be this big.
MAX_FILE_ANSWER = ANSWER_FILE_BYTES


# -- answer kinds ----------------------------------------------------------------------------------


def _number(text: str) -> int | None:
    t = re.sub(r"[\s,_'’]", "", text)
    match = re.fullmatch(r"(\d+)(?:(?:\^|\*\*)(\d+))?", t)
    if match is None:
        return None
    base, power = match.groups()
    if len(base) > 160 or len(power or "") > 3:  # 2**512 has 155 digits: nothing asked is bigger
        return None
    if power is not None:
        if int(power) > 512:
            return None
        return int(pow(int(base), int(power)))
    return int(base)


def _dns(text: str) -> str:
    return text.strip().lower().rstrip(".") + "."


def grade(kind: str, given: str, expected: str) -> tuple[str, dict[str, str]]:
    """``(code, params)`` for a given answer: ``ok`` or why it is wrong.

    Codes: ``invalid`` (not a value of this kind), ``wrong`` (another value),
    ``not-canonical`` (right address, not RFC 5952 text), ``not-expanded`` (right
    address, not the full form), ``no-length`` / ``host-bits`` / ``wrong-length`` (a
    prefix answer)."""
    from ..._prefix import parse_address

    text = given.strip()
    params = {"given": text, "expected": expected}
    if kind in ("address", "canonical", "expanded"):
        try:
            value = parse_address(text)
        except AddressError:
            return "invalid", params
        if value != parse_address(expected.partition("/")[0]):
            return "wrong", params
        if kind == "canonical" and text != format_address(value):
            return "not-canonical", {**params, "canonical": format_address(value)}
        if kind == "expanded" and text.lower() != expand_address(value):
            return "not-expanded", params
        return "ok", params
    if kind == "prefix":
        if "/" not in text:
            return ("invalid" if not _parses(text) else "no-length"), params
        addr_text, _, length_text = text.partition("/")
        answered = whole_number(length_text)
        if answered is None or answered > 128 or not _parses(addr_text):
            return "invalid", params
        net, length = parse_address(addr_text), answered
        want_net, want_len = parse_prefix(expected, strict=False)
        if length != want_len:
            return "wrong-length", {**params, "length": str(want_len)}
        if net & host_mask(length):
            if net & ~host_mask(length) == want_net:
                return "host-bits", params
            return "wrong", params
        return ("ok" if net == want_net else "wrong"), params
    if kind == "number":
        number = _number(text)
        if number is None:
            return "invalid", params
        return ("ok" if number == int(expected) else "wrong"), params
    if kind == "mac":
        from ..._calc import parse_mac

        try:
            value, bits = parse_mac(text)
        except AddressError:
            return "invalid", params
        return ("ok" if (value, bits) == parse_mac(expected.replace("-", ":")) else "wrong"), params
    if kind == "name":
        if not text:
            return "invalid", params
        return ("ok" if _dns(text) == _dns(expected) else "wrong"), params
    same = " ".join(text.lower().split()) == " ".join(expected.lower().split())
    return ("ok" if same else "wrong"), params


def _parses(text: str) -> bool:
    from ..._prefix import parse_address

    try:
        parse_address(text)
    except AddressError:
        return False
    return True


# -- answers in the session directory ---------------------------------------------------------------
def _answers_data(directory: Path) -> Any:
    """The session's answers file (ours: bounded, and unreadable counts as no answers)."""
    from ..._io import ReadError, parse_json, read_input
    from ..._limits import SESSION_BYTES

    file = directory / ANSWERS_FILE
    try:
        return parse_json(
            read_input(file, what="answers", limit=SESSION_BYTES, record=False),
            str(file),
            "answers",
        )
    except ReadError:
        return {}


def load_answers(directory: Path) -> dict[str, str]:
    """Question id → the answer given last (a file answer: its content)."""
    data = _answers_data(directory)
    answers = data.get("answers", {}) if isinstance(data, dict) else {}
    return {
        str(k): str(v.get("value", ""))
        for k, v in answers.items()
        if isinstance(v, dict) and "value" in v
    }


def answer_records(directory: Path) -> dict[str, dict[str, Any]]:
    """Question id → ``{"value", "time", "file"}`` as recorded."""
    data = _answers_data(directory)
    answers = data.get("answers", {}) if isinstance(data, dict) else {}
    return {str(k): v for k, v in answers.items() if isinstance(v, dict)}


def read_file_answer(path: str) -> str:
    """The content of a file handed in as an answer (UTF-8 text, at most 1 MiB)."""
    from ..._io import read_input
    from .._errors import LabError

    # a regular file (never a device or FIFO) of at most MAX_FILE_ANSWER bytes
    data = read_input(path, what="answer file", limit=MAX_FILE_ANSWER)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LabError(f"{path} is not UTF-8 text; save it as UTF-8") from None


def record_answer(directory: Path, question: str, value: str, file: str = "") -> None:
    """Keep an answer (atomically: a crash never leaves half a file)."""
    from ..._io import write_atomic

    records = answer_records(directory)
    entry: dict[str, Any] = {"value": value, "time": time.time()}
    if file:
        entry["file"] = file
    records[question] = entry
    write_atomic(
        directory / ANSWERS_FILE,
        json.dumps({"answers": records}, indent=2, ensure_ascii=False) + "\n",
    )
