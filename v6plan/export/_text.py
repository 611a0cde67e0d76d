"""Free text in exports: the rules per format family, in one place, used by every writer.

Free text reaches an export from the plan title and descriptions, the names of an imported
plan (not restricted like spec names), router and interface names, tags, and every
``--set`` value. Nothing in it may start a new record, line, stanza or object in the file
a program reads, so:

* :func:`safe_text` puts every free text of a plan on one line before any writer but the
  JSON and YAML ones (which escape everything) sees it: control characters (C0, DEL, C1 —
  NEL among them), the line and paragraph separators, bidirectional and zero-width marks
  and lone surrogates become spaces. ``--set`` values holding one are refused
  (:func:`check_setting`).
* Names a program parses are validated, never repaired in silence: DNS names
  (:func:`dns_name`: LDH labels of at most 63, at most 253 in all), interface and router
  names (:func:`interface_name`, :func:`router_name`), RPSL handles (:func:`rpsl_word`).
* Each family then quotes what is left: CSV cells (:func:`csv_cell`, and
  :func:`sheet_cell` for the CSV people open in a spreadsheet: no formula), Markdown
  (:func:`md_text`), JSON strings for Kea (:func:`kea_string`); HTML uses ``html.escape``.

docs/exports.md lists the rules per format.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re

from .._errors import InputError
from .._plan import Plan

__all__ = [
    "COMMENT_MAX",
    "addresses",
    "bad_interface",
    "check_setting",
    "csv_cell",
    "dns_domain",
    "dns_name",
    "dns_names",
    "interface_name",
    "interface_ok",
    "kea_string",
    "md_paragraph",
    "md_text",
    "names_are_plain",
    "one_line",
    "router_name",
    "rpsl_word",
    "safe_text",
    "sheet_cell",
    "zone_mailbox",
]

#: Characters that end a line for some reader, or hide text from the person reviewing it.
UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
#: Comments and one-line descriptions are clipped here (FRR reads lines of up to 4 KiB).
COMMENT_MAX = 200
_CHUNK = 8192


def one_line(text: str, limit: int = 0) -> str:
    """``text`` with every :data:`UNSAFE` character a space, clipped to ``limit`` with '…'."""
    if UNSAFE.search(text):
        text = UNSAFE.sub(" ", text)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _unsafe_in(texts: list[str]) -> bool:
    """Whether any of ``texts`` holds an unsafe character (checked in bounded chunks)."""
    return any(UNSAFE.search("".join(texts[k : k + _CHUNK])) for k in range(0, len(texts), _CHUNK))


def safe_text(plan: Plan) -> Plan:
    """``plan`` itself when all its free text is on one line, else a copy where it is.

    The copy shares every column but the names; a spec-made plan (names restricted by the
    spec loader) costs one scan of its names.
    """
    kind_texts = [
        text
        for kind in plan.kinds
        for text in (kind.description, kind.router, *kind.tags, *(n for e in kind.ends for n in e))
    ]
    names_dirty = _unsafe_in(plan.name)
    if not names_dirty and not _unsafe_in([plan.title, plan.description, plan.source, *kind_texts]):
        return plan
    clean = copy.copy(plan)
    clean.title = one_line(plan.title)
    clean.description = one_line(plan.description)
    clean.source = one_line(plan.source)
    clean.kinds = [
        dataclasses.replace(
            kind,
            description=one_line(kind.description),
            router=one_line(kind.router),
            tags=tuple(one_line(t) for t in kind.tags),
            ends=tuple((one_line(a), one_line(b)) for a, b in kind.ends),
        )
        for kind in plan.kinds
    ]
    if names_dirty:
        clean.name = [one_line(n) for n in plan.name]
        clean._names = None
    return clean


_PLAIN_NAME = re.compile(r"[^\W_][\w.+-]*\Z")


def names_are_plain(plan: Plan) -> bool:
    """Every name is a spec-style name (a letter or digit first; letters, digits, ``_.+-``).

    Such names need no quoting in CSV or JSON and cannot be read as a spreadsheet formula.
    """
    names = plan.name
    for k in range(1, len(names), _CHUNK):
        for name in set(names[k : k + _CHUNK]):
            if not _PLAIN_NAME.match(name):
                return False
    return True


# -- settings ---------------------------------------------------------------------------------
def check_setting(key: str, value: str) -> None:
    """Refuse a ``--set`` value that holds a control character or a line break."""
    bad = UNSAFE.search(value)
    if bad:
        raise InputError(
            f"--set {key}: the value holds the control character U+{ord(bad.group()):04X} — "
            "write it on one line, without control characters"
        )


# -- DNS --------------------------------------------------------------------------------------
_LDH = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z")


def dns_name(text: str, what: str) -> str:
    """A host name (RFC 1123 LDH labels of 1-63, at most 253), without its trailing dot."""
    name = text.strip()
    shown = name if len(name) <= 60 else name[:59] + "…"
    if name.endswith("."):
        name = name[:-1]
    if not name:
        raise InputError(f"{what}: an empty DNS name")
    if len(name) > 253:
        raise InputError(f"{what}={shown}: a DNS name is at most 253 characters")
    for label in name.split("."):
        if not label:
            raise InputError(
                f"{what}={shown}: an empty label (two dots in a row, or a leading dot)"
            )
        if len(label) > 63:
            raise InputError(f"{what}={shown}: a DNS label is at most 63 characters")
        if not _LDH.match(label):
            hint = (
                "write it in its A-label (xn--…) form"
                if not label.isascii()
                else "use letters, digits and '-' (not first or last)"
            )
            raise InputError(f"{what}={shown}: {label!r} is not a DNS label — {hint}")
    return name


#: A domain that host names are made under: room for two labels of 63 within 253.
DOMAIN_MAX = 253 - 2 * 64


def dns_domain(text: str, what: str) -> str:
    """:func:`dns_name`, short enough that ``interface.router.DOMAIN`` is a name too."""
    domain = dns_name(text, what)
    if len(domain) > DOMAIN_MAX:
        raise InputError(
            f"{what}={domain[:40]}…: too long for the names made under it (at most "
            f"{DOMAIN_MAX} characters, so that every name stays within 253)"
        )
    return domain


def dns_names(raw: str, what: str) -> list[str]:
    """A comma-separated list of host names (empty items ignored)."""
    return [dns_name(item, what) for item in raw.split(",") if item.strip()]


def addresses(raw: str, key: str) -> list[str]:
    """``--set KEY=a,b``: IPv6 addresses, written back in RFC 5952 form (nothing else)."""
    from .._errors import AddressError
    from .._prefix import format_address, parse_address

    out = []
    for item in raw.split(","):
        if item.strip():
            try:
                out.append(format_address(parse_address(item)))
            except AddressError as exc:
                raise InputError(f"--set {key}: {exc}") from None
    return out


_MAILBOX_LOCAL = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*\Z")


def zone_mailbox(text: str, what: str) -> str:
    """An SOA contact (``hostmaster@example.net`` or ``hostmaster.example.net``) as a zone
    file writes it: the local part's dots escaped, no trailing dot."""
    local, at, host = text.strip().partition("@")
    if not at:
        return dns_name(text, what)
    if not _MAILBOX_LOCAL.match(local) or len(local) > 63:
        raise InputError(
            f"{what}={text.strip()}: the part before '@' may hold letters, digits and . _ + - "
            "(up to 63)"
        )
    return local.replace(".", "\\.") + "." + dns_name(host, what)


# -- names a configuration parses ---------------------------------------------------------------
_IFNAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:@+-]{0,63}\Z")
_ROUTER = re.compile(r"[A-Za-z0-9][\w.+-]{0,62}\Z")
_RPSL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}\Z")


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:39] + "…")


def interface_ok(text: str) -> bool:
    """Whether FRR, radvd and Kea all read ``text`` as one interface name (ASCII, up to 64)."""
    return _IFNAME.match(text) is not None


_TEMPLATE_HINT = (
    ", in the name template (the spec's `interface:`, --set lan-interface= or p2p-interface=) "
    "and the names it uses"
)


def bad_interface(text: str, where: str, hint: str = _TEMPLATE_HINT) -> InputError:
    """The error for an interface name :func:`interface_ok` refuses."""
    return InputError(
        f"{where}: interface name {_shown(text)} is not one FRR, radvd and Kea read — use "
        f"ASCII letters, digits and . _ - : @ + (a letter, digit or _ first), up to 64{hint}"
    )


def interface_name(text: str, where: str, hint: str = _TEMPLATE_HINT) -> str:
    """``text`` if :func:`interface_ok`, else :func:`bad_interface` is raised."""
    if not interface_ok(text):
        raise bad_interface(text, where, hint)
    return text


def router_name(text: str, where: str) -> str:
    """A router name FRR takes as its ``hostname``: a letter or digit first, at most 63."""
    if not _ROUTER.match(text):
        raise InputError(
            f"{where}: router name {_shown(text)} is not a host name FRR reads — use "
            "letters, digits and . _ + - with an ASCII letter or digit first, up to 63 "
            "(rename it where the spec names it: router:, ends: or a loopback's names:)"
        )
    return text


def rpsl_word(key: str, text: str) -> str:
    """An RPSL handle or maintainer (``--set mnt-by=…``): one word of letters, digits, _ -."""
    if not _RPSL.match(text):
        raise InputError(
            f"--set {key}={text}: an RPSL handle is one word of ASCII letters, digits, '_' and "
            "'-' (a letter or digit first, up to 80)"
        )
    return text


# -- CSV --------------------------------------------------------------------------------------
#: A cell a spreadsheet would run: a formula lead, or one after leading blanks.
_FORMULA = re.compile(r"\s*[=+\-@]|[\t\r]")


def csv_cell(text: str) -> str:
    """An RFC 4180 cell: quoted (and its quotes doubled) when it needs to be."""
    if (
        '"' in text
        or "," in text
        or "\n" in text
        or "\r" in text
        or (text and (text[0].isspace() or text[-1].isspace()))
    ):  # `in` is several times faster than a regex here: a million rows of cells
        return '"' + text.replace('"', '""') + '"'
    return text


def sheet_cell(text: str) -> str:
    """A cell of a CSV meant for people: text a spreadsheet would run as a formula
    (``=``, ``+``, ``-``, ``@``, tab or CR first) gets a leading apostrophe (OWASP)."""
    if _FORMULA.match(text):
        text = "'" + text
    return csv_cell(text)


# -- Markdown ---------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&!])")
_MD_PROSE = re.compile(r"([\\*_\[\]<>|~#&!])")


def md_text(text: str, code: bool = False) -> str:
    """Text for a Markdown table cell or heading: one line, every character that could
    start emphasis, a link, raw HTML, an entity or a new cell backslash-escaped (CommonMark).

    ``code`` keeps backticks (our own messages mark code with them)."""
    return (_MD_PROSE if code else _MD_SPECIAL).sub(r"\\\1", one_line(text))


_MD_BLOCK_LEAD = re.compile(r"([-+=]|\d{1,9}(?=[.)]))")


def md_paragraph(text: str) -> str:
    """A paragraph of its own: :func:`md_text`, and nothing at its start that would make it
    a list, a heading underline or an indented code block instead."""
    body = md_text(text).strip()
    lead = _MD_BLOCK_LEAD.match(body)
    if lead is None:
        return body
    if lead.group(1)[0].isdigit():  # "1. x" is a list item; "1\. x" is text
        end = lead.end()
        return body[:end] + "\\" + body[end:]
    return "\\" + body


# -- JSON (Kea) -------------------------------------------------------------------------------
def kea_string(text: str) -> str:
    """A JSON string Kea reads: raw UTF-8, since Kea's parser refuses ``\\u`` escapes past
    U+00FF (json.dumps escapes only quotes, backslashes and the controls one_line removed)."""
    return json.dumps(one_line(text), ensure_ascii=False)
