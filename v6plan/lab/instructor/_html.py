"""The HTML, Markdown and CSV every instructor page shares: one stylesheet (no asset from
the internet), escaping, right-to-left languages, tables."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Sequence
from typing import Literal

__all__ = [
    "CSS",
    "RTL",
    "Direction",
    "csv_text",
    "direction",
    "esc",
    "html_table",
    "ltr_spans",
    "md_table",
    "page",
]

#: which way a text is written (an HTML ``dir`` value)
Direction = Literal["ltr", "rtl"]
#: languages written right to left
RTL = ("ar", "fa", "he", "ur", "ps", "ckb", "dv", "yi")

CSS = """\
:root { color-scheme: light; }
body { font-family: system-ui, "Noto Sans", "Noto Naskh Arabic", "Noto Sans Arabic",
  "DejaVu Sans", Arial, sans-serif; max-width: 50rem; margin: 1.5rem auto; padding: 0 1rem;
  line-height: 1.5; color: #111; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; margin: 1.4rem 0 .4rem;
  border-bottom: 1px solid #888; } h3 { font-size: 1.05rem; }
.meta { color: #333; margin: 0 0 1rem; }
pre, code, .mono { font-family: "DejaVu Sans Mono", "Noto Sans Mono", Consolas, monospace; }
pre { background: #f3f3f3; border: 1px solid #bbb; padding: .6rem .8rem; white-space: pre-wrap;
  overflow-wrap: anywhere; font-size: .92rem; }
pre.task { unicode-bidi: plaintext; text-align: start; }
div.task { background: #f3f3f3; border: 1px solid #bbb; padding: .6rem .8rem; white-space: pre-wrap;
  overflow-wrap: anywhere; }
div.task > div { min-height: 1.5em; }
code { background: #f3f3f3; padding: 0 .2rem; }
bdi.ltr, .ltr { direction: ltr; unicode-bidi: isolate; }
table { border-collapse: collapse; margin: .4rem 0; }
th, td { border: 1px solid #888; padding: .2rem .5rem; text-align: start; vertical-align: top; }
th { background: #e8e8e8; }
td.num, th.num { text-align: end; font-variant-numeric: tabular-nums; white-space: nowrap; }
svg { max-width: 100%; height: auto; }
.box { border: 2px solid #111; padding: .5rem .8rem; margin: .6rem 0; }
.note { font-size: .9rem; color: #333; }
.pass { color: #0a5d1e; } .fail { color: #9b1111; } .flag { color: #7a4b00; }
.page { break-before: page; }
@page { size: A4; margin: 16mm; }
@media print { body { margin: 0; max-width: none; } pre, table, .box { break-inside: avoid; }
  a { color: inherit; text-decoration: none; } }
"""


# -- small helpers -----------------------------------------------------------------------------
def esc(text: object) -> str:
    """``text`` safe inside HTML text and attribute values."""
    return html.escape(str(text), quote=True)


def direction(lang: str) -> Direction:
    """Which way ``lang`` is written (the ``dir`` of a page in it)."""
    return "rtl" if lang in RTL else "ltr"


def page(title: str, body: str, lang: str = "en", extra_css: str = "") -> str:
    """A complete, self-contained HTML page (no script, nothing fetched)."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(lang)}" dir="{direction(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">\n"
        f"<title>{esc(title)}</title>\n<style>\n{CSS}{extra_css}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )


_ADDRESS = (
    r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:/\d{1,3})?(?![0-9A-Za-z:])"
)
_LTR = re.compile(
    r"`[^`\n]+`"  # inline code
    # a command, up to the first RTL word (a bracket glued to that word stays with it)
    r"|v6lab(?:[ \t]+(?![(\[<«]+[\u0590-\u08ff])[^\s`\u0590-\u08ff]+)+"
    r"|" + _ADDRESS
)


def ltr_spans(text: str) -> str:
    """Escape ``text`` and isolate commands, inline code and addresses left-to-right, so
    they read correctly inside a right-to-left paragraph."""
    out: list[str] = []
    last = 0
    for match in _LTR.finditer(text):
        out.append(esc(text[last : match.start()]))
        token = match.group(0)
        if token.startswith("`"):
            out.append(f'<code dir="ltr">{esc(token[1:-1])}</code>')
        else:
            out.append(f'<bdi class="ltr" dir="ltr">{esc(token)}</bdi>')
        last = match.end()
    out.append(esc(text[last:]))
    return "".join(out)


def md_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table (``|`` in a cell escaped, line breaks folded)."""

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---" for _ in headers) + "|")
    lines.extend("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def html_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Sequence[int] = ()
) -> str:
    """An HTML table; the ``numeric`` columns are right-aligned in tabular figures."""
    head = "".join(
        f'<th scope="col"{" class=num" if i in numeric else ""}>{esc(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if i in numeric else ''}>{ltr_spans(str(v))}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>\n"
        for row in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n"


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A spreadsheet as CSV text (commas, ``\\n`` line ends): the gradebook and the class
    sheet are written the same way, so one spreadsheet setting opens both."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
