"""Quiz answers: how a trainee's answer is read, compared with the expected one, and kept.

* **Reading** (:func:`unreadable`): an answer must first be a value of its question's
  *kind* (:data:`KINDS`) — an address, a prefix, a number, a MAC, a DNS name. One that is
  not gets the reasons why (``double-colon``, ``not-hex``, ``no-length`` …, each a
  sentence ``check.quiz.why.<reason>`` that says how to write it); ``v6lab answer``
  refuses it and keeps the earlier answer, and a stored one grades ``invalid`` ("cannot
  be read"), never ``wrong``.
* **Grading** (:func:`grade`): a readable answer is compared by its kind and a wrong one
  gets the most precise reason code the engine knows — for the RFC 5952 text of an
  address, the rule it breaks (:data:`RFC5952_RULES`: ``upper-case``, ``leading-zeros``,
  ``zeros-not-compressed``, ``not-longest-run``, ``not-first-run``,
  ``single-zero-group``; all of them, the first is the code and the others follow in the
  message); for the classic mistakes the calculator models (:mod:`..model._calcs`), the
  mistake: ``ul-bit`` (modified EUI-64 without inverting the universal/local bit),
  ``nibbles-not-reversed`` and ``zeros-dropped`` (reverse DNS names), ``no-arpa``.
* **An address with its length**, as ``ip addr`` prints it (``fe80::…/64``): an address
  question (kinds ``address``, ``canonical``, ``expanded``) accepts it when the length is
  the one the address has in the lab — the expected answer's own length if it has one,
  else 64 for a link-local, else the length of the planned interface or link that holds
  the address; when the lab knows no length for it (a multicast group), any length is
  accepted and the address alone is graded. Another length is ``address-length``. A
  ``prefix`` question still needs its length (``no-length``).
* **Answers** given with ``v6lab answer QUESTION VALUE``, kept in the session
  directory as ``answers.json`` (a file answer keeps the file's *content*, read when
  it was handed in, so grading never depends on a file that changed later).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from ..._errors import AddressError
from ..._limits import ANSWER_FILE_BYTES
from ..._prefix import (
    expand_address,
    format_address,
    format_prefix,
    host_mask,
    parse_address,
    parse_address_with_length,
    parse_length,
    parse_prefix,
)
from ..model._checkspec import ANSWER_KINDS as KINDS
from ..model._checkspec import QUIZ_CODES, RFC5952_RULES, QuizCode, Rule

if TYPE_CHECKING:
    from ..model._i18n import Messages
    from ..model._topology import Addressing

__all__ = [
    "ANSWERS_FILE",
    "KINDS",
    "QUIZ_CODES",
    "RFC5952_RULES",
    "WHYS",
    "QuizCode",
    "Rule",
    "Why",
    "answer_records",
    "grade",
    "lab_length",
    "load_answers",
    "read_file_answer",
    "reading_kind",
    "record_answer",
    "refusal",
    "rfc5952_breaks",
    "unreadable",
]

ANSWERS_FILE = "answers.json"
#: A file handed in as an answer (a plan spec, a zone) may be this big.
MAX_FILE_ANSWER = ANSWER_FILE_BYTES


#: Why an answer cannot be read as a value of its kind (``check.quiz.why.<why>``).
Why = Literal[
    "empty",
    "zone-index",
    "double-colon",
    "not-hex",
    "long-group",
    "groups",
    "bad-length",
    "no-length",
    "number",
    "mac",
    "name",
]
WHYS: tuple[Why, ...] = get_args(Why)

ADDRESS_KINDS = ("address", "canonical", "expanded")
_NAME = re.compile(r"[A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*\.?")
_ARPA = "ip6.arpa."


# -- reading an answer -----------------------------------------------------------------------------
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


def _length(text: str) -> int | None:
    """A prefix length as the core reads one, or None."""
    try:
        return parse_length(text)
    except AddressError:
        return None


def _address_why(text: str) -> list[Why]:
    """Why ``text`` is not an IPv6 address (empty: it is one)."""
    try:
        parse_address(text)
    except AddressError:
        pass
    else:
        return []
    if "%" in text:
        return ["zone-index"]
    why: list[Why] = []
    if text.count("::") > 1:
        why.append("double-colon")
    if re.search(r"[^0-9A-Fa-f:.]", text):
        why.append("not-hex")
    if any(len(group) > 4 for group in text.split(":") if "." not in group):
        why.append("long-group")
    return why or ["groups"]


def unreadable(kind: str, given: str) -> list[Why]:
    """Why ``given`` is not a value of ``kind`` — empty when it can be read. Such an answer
    is refused by ``v6lab answer`` (the earlier one stays) and grades ``invalid``."""
    text = given.strip()
    if not text:
        return ["empty"]
    if kind in ADDRESS_KINDS or kind == "prefix":
        address, slash, length = text.partition("/")
        why = _address_why(address)
        if slash and _length(length) is None:
            why.append("bad-length")
        if kind == "prefix" and not slash:
            why.append("no-length")
        return why
    if kind == "number":
        return [] if _number(text) is not None else ["number"]
    if kind == "mac":
        from ..._calc import parse_mac

        try:
            parse_mac(text)
        except AddressError:
            return ["mac"]
        return []
    if kind == "name":
        return [] if len(text) <= 254 and _NAME.fullmatch(text) else ["name"]
    return []


def reading_kind(kind: str) -> str:
    """The kind of value an answer is read as: an address for every address kind (its
    form is graded after it has been read)."""
    return "address" if kind in ADDRESS_KINDS else kind


def refusal(
    question: str, kind: str, given: str, earlier: dict[str, Any] | None, messages: Messages
) -> str | None:
    """What ``v6lab answer`` says when it refuses an answer that cannot be read (None: it
    can be read): why, how to write it, and that the earlier answer stays."""
    why = unreadable(kind, given)
    if not why:
        return None
    what = messages.text(f"words.kind.{reading_kind(kind)}")
    words = [messages.text("ui.answer-unreadable", answer=given.strip(), what=what)]
    words += [messages.text(f"check.quiz.why.{w}") for w in why]
    if earlier is not None:
        previous = earlier.get("file") or earlier.get("value")
        words.append(messages.text("ui.answer-kept", id=question, previous=previous))
    else:
        words.append(messages.text("ui.answer-none", id=question))
    return messages.text("words.also").join(words)


# -- grading a readable answer ---------------------------------------------------------------------
Graded = tuple[QuizCode, dict[str, Any]]


def grade(kind: str, given: str, expected: str, addressing: Addressing | None = None) -> Graded:
    """``(code, params)`` for a given answer: ``ok`` or why it is wrong (:data:`QUIZ_CODES`).

    ``params`` has ``given`` and ``expected`` (the caller keeps the latter to itself), and
    when there is more than one reason, ``more``: the further message keys under
    ``check.quiz.`` (``also.<rule>``, ``why.<why>``). ``addressing`` (the lab's) says
    which prefix length an address has, for an answer written ``address/length``."""
    text = given.strip()
    params: dict[str, Any] = {"given": text, "expected": expected}
    why = unreadable(kind, text)
    if why == ["no-length"]:  # an address where a prefix was asked
        return "no-length", params
    if why:
        what = f"kind.{reading_kind(kind)}"
        return "invalid", {**params, "what": what, "more": [f"why.{w}" for w in why]}
    if kind in ADDRESS_KINDS:
        return _grade_address(kind, text, expected, addressing, params)
    if kind == "prefix":
        return _grade_prefix(text, expected, params)
    if kind == "number":
        return ("ok" if _number(text) == int(expected) else "wrong"), params
    if kind == "mac":
        return _grade_mac(text, expected, params)
    if kind == "name":
        return _grade_name(text, expected, params)
    same = " ".join(text.lower().split()) == " ".join(expected.lower().split())
    return ("ok" if same else "wrong"), params


def _grade_address(
    kind: str, text: str, expected: str, addressing: Addressing | None, params: dict[str, Any]
) -> Graded:
    address_text = text.partition("/")[0]
    value, length = parse_address_with_length(text)
    want, want_length = parse_address_with_length(expected)
    if value != want:
        return ("ul-bit" if _ul_mistake(value, want) else "wrong"), params
    if length is not None:
        right = want_length if want_length is not None else lab_length(addressing, want)
        if right is not None and length != right:
            return "address-length", {**params, "length": str(right)}
    if kind == "canonical":
        rules = rfc5952_breaks(address_text)
        if rules:
            more = [f"also.{rule}" for rule in rules[1:]]
            return rules[0], {**params, "reasons": rules, **({"more": more} if more else {})}
    if kind == "expanded" and address_text.lower() != expand_address(value):
        return "not-expanded", params
    return "ok", params


def _grade_prefix(text: str, expected: str, params: dict[str, Any]) -> Graded:
    net, written = parse_address_with_length(text)
    length = 128 if written is None else written  # read: ``unreadable`` asked for a length
    want_net, want_len = parse_prefix(expected, strict=False)
    if length != want_len:
        return "wrong-length", {**params, "length": str(want_len)}
    if net & host_mask(length):
        if net & ~host_mask(length) == want_net:
            return "host-bits", params
        return "wrong", params
    return ("ok" if net == want_net else "wrong"), params


def _grade_mac(text: str, expected: str, params: dict[str, Any]) -> Graded:
    from ..._calc import parse_mac
    from ..model._calcs import calc_linklocal, calc_linklocal_noflip

    value, bits = parse_mac(text)
    want = parse_mac(expected.replace("-", ":"))
    if (value, bits) == want:
        return "ok", params
    # read off an interface id without inverting the universal/local bit back
    if bits == want[1] == 48 and calc_linklocal_noflip(text) == calc_linklocal(expected):
        return "ul-bit", params
    return "wrong", params


def _grade_name(text: str, expected: str, params: dict[str, Any]) -> Graded:
    given, want = _dns(text), _dns(expected)
    if given == want:
        return "ok", params
    if want.endswith("." + _ARPA):
        labels = want[: -len(_ARPA) - 1].split(".")
        if given == _dns(".".join(reversed(labels)) + "." + _ARPA):
            return "nibbles-not-reversed", params
        if given == _zone_nozeros(labels):
            return "zeros-dropped", params
        if _dns(text.strip().rstrip(".") + "." + _ARPA) == want:
            return "no-arpa", params
    return "wrong", params


def _zone_nozeros(labels: list[str]) -> str | None:
    """The reverse name with the leading zeros of each group dropped (the calculator's
    ``zone-nozeros`` mistake), for the zone whose nibbles (reversed) are ``labels``."""
    from ..model._calcs import calc_zone_nozeros

    digits = "".join(reversed(labels))
    if not 0 < len(digits) <= 32 or not re.fullmatch(r"[0-9a-f]+", digits):
        return None
    net = int(digits, 16) << (128 - 4 * len(digits))
    return _dns(calc_zone_nozeros(format_prefix(net, 4 * len(digits))))


def _ul_mistake(value: int, want: int) -> bool:
    """``value`` is ``want`` (a modified EUI-64 address) formed without inverting the
    universal/local bit of the MAC (the calculator's ``eui64-noflip``)."""
    from ..._calc import mac_from_iid
    from ..model._calcs import calc_eui64_noflip

    mac = mac_from_iid(want)
    if mac is None:
        return False
    network = format_prefix(want & ~host_mask(64), 64)
    return parse_address(calc_eui64_noflip(network, mac)) == value


def lab_length(addressing: Addressing | None, value: int) -> int | None:
    """The prefix length ``value`` has in the lab: its planned interface's, 64 for a
    link-local, else the longest planned link or block that holds it; None: unknown."""
    from ..._calc import address_type

    planned = [a.length for a in addressing.assignments if a.address == value] if addressing else []
    if planned:
        return planned[0]
    if address_type(value) == "link-local":
        return 64
    blocks = addressing.blocks.values() if addressing else ()
    holding = [n for net, n, _ in blocks if value & ~host_mask(n) == net]
    return max(holding, default=None)


def rfc5952_breaks(text: str) -> list[Rule | Literal["not-canonical"]]:
    """The RFC 5952 rules (:data:`RFC5952_RULES`) the text of an address breaks, in their
    order; empty for the canonical text; ``["not-canonical"]`` when it differs from it in
    another way (the dotted IPv4 tail of an IPv4-mapped address)."""
    value = parse_address(text)
    if text == format_address(value):
        return []
    groups = [(value >> (112 - 16 * i)) & 0xFFFF for i in range(8)]
    head, double, tail = text.partition("::")
    written = [g for part in (head, tail) if part for g in part.split(":")]
    found: list[Rule | Literal["not-canonical"]] = []
    if any(len(g) > 1 and g.startswith("0") and "." not in g for g in written):
        found.append("leading-zeros")
    best = _longest_zero_run(groups)
    if not double:
        if best is not None:
            found.append("zeros-not-compressed")
    else:
        start = len(head.split(":")) if head else 0
        span = 8 - len(written) - sum("." in g for g in written)  # a dotted quad is 2 groups
        if best is not None and span < best[1]:
            found.append("not-longest-run")
        if span == 1:
            found.append("single-zero-group")
        if best is not None and span == best[1] and start != best[0]:
            found.append("not-first-run")
    if re.search("[A-F]", text):
        found.append("upper-case")
    return found or ["not-canonical"]


def _longest_zero_run(groups: list[int]) -> tuple[int, int] | None:
    """(start, length) of the longest run of two or more zero groups, the first on a tie."""
    best: tuple[int, int] | None = None
    start = None
    for i, group in enumerate([*groups, 1]):
        if group == 0 and start is None:
            start = i
        elif group != 0 and start is not None:
            if i - start >= 2 and (best is None or i - start > best[1]):
                best = (start, i - start)
            start = None
    return best


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
