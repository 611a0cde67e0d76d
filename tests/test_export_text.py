"""Hostile free text in every export, read back by the program that reads the format.

Free text reaches exports from the plan title and descriptions, imported plans' names (any
string), router and interface names, tags and every ``--set`` value. A hostile plan — a
newline and ``$INCLUDE /etc/passwd``, ``}`` and a new stanza, ``"`` and JSON, CR, NUL,
U+2028, formula leads, a 300-character label, HTML, Markdown — is exported in every format
and the real reader runs (named-checkzone/named-checkconf, radvd --configtest, kea-dhcp6 -t,
vtysh --dryrun, Python's csv and json, PyYAML, markdown-it, html.parser, Chromium). Each file
must be accepted and have exactly the structure of the same plan with plain names (its
"twin"): no record, object, stanza, row or tag more or less. A setting that cannot be
written safely is refused (exit 2, nothing written).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from collections.abc import Callable, Sequence
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from _support import plan_of
from _support.exports import validate_netbox
from _support.tools import frr_ok, kea_ok, radvd_ok, render, run, tool
from hypothesis import given, settings
from hypothesis import strategies as st

from v6plan import InputError, Plan
from v6plan.cli import main
from v6plan.export import ExportOptions, write, write_files
from v6plan.export._text import (
    csv_cell,
    dns_name,
    kea_string,
    md_paragraph,
    md_text,
    one_line,
    sheet_cell,
)

HOSTILE = (
    "evil\n$INCLUDE /etc/passwd\n",
    "evil\r\n}; interface eth9 {\n\tAdvSendAdvert on;\n",
    'evil"}, {"id": 99, "subnet": "2001:db8:ffff::/64"}, {"x": "',
    "evil\x00nul\x01\x1b[31mred",
    "line\u2028sep\u2029para\x85nel\x0bvt\x0cff\x1cfs",
    '=HYPERLINK("http://example.com/x","click")',
    "+1+1",
    "-1",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    "x" * 300,
    "<script>alert(1)</script> &amp; <b>bold",
    "| a | b |",
    "# heading",
    "! bang\n! more\nhostname evil",
    "; semi\n@ IN NS evil.example.",
    "+continuation\n+more\ndescr: injected",
    "\ud800lone surrogate",
    "\u202eevil\u202c bidi",
    "back\\slash `code` *em* [link](javascript:alert(1)) ![i](x.png)",
    "- a list\n1. item",
)

BASE = """
plan: Base
prefix: 2001:db8::/32
children:
  - name: core
    role: infrastructure
    size: /48
    tags: [core]
    children:
      - {name: loopbacks, role: loopback, names: [r1, r2]}
      - {name: link, role: p2p, ends: [[r1, r2]]}
      - {name: noc, role: lan, vlan: 10, router: r1, description: ops}
  - name: site
    count: 2
    role: site
    tags: [site]
    router: r2
    children:
      - {name: users, role: lan, vlan: 100, count: 2}
  - name: customers
    router: r2
    children:
      - {name: c, role: customer, count: 4, size: /56}
"""

#: No character that starts a line, or hides text, may reach a file but newline and tab.
UNSAFE_IN_FILE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def dressed(texts: Sequence[str], title: str, routers: tuple[str, str] = ("r1", "r2")) -> Plan:
    """The base plan with free text from ``texts`` everywhere a plan holds text."""
    plan = plan_of(BASE).plan
    n = len(texts)
    plan.title = plan.description = title
    rename = dict(zip(("r1", "r2"), routers))
    for k, kind in enumerate(plan.kinds):
        if k:
            plan.kinds[k] = dataclasses.replace(
                kind,
                description=texts[k % n],
                tags=(f"{texts[k % n]}{k}",) if kind.tags else (),
                router=rename.get(kind.router, kind.router),
                ends=tuple((rename[a], rename[b]) for a, b in kind.ends),
            )
    for i in range(1, len(plan)):
        name = plan.name[i]
        plan.name[i] = rename[name] if plan.role(i) == "host" else f"{texts[i % n]}{i}"
    plan._names = None
    return plan


def hostile() -> Plan:
    return dressed(HOSTILE, "\n".join(HOSTILE))


def twin() -> Plan:
    return dressed(("n",), "Twin")


def text_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    bad = UNSAFE_IN_FILE.search(text)
    assert bad is None, f"{path.name}: U+{ord(bad.group()):04X} at {bad.start()}"
    return text


def exported(plan: Plan, fmt: str, path: Path, **settings: str) -> str:
    out = io.StringIO()
    write(plan, fmt, out, ExportOptions(settings=dict(settings)))
    path.write_text(out.getvalue(), encoding="utf-8")
    return text_of(path)


def files(plan: Plan, fmt: str, directory: Path, **settings: str) -> dict[str, str]:
    write_files(plan, fmt, str(directory), ExportOptions(settings=dict(settings)))
    return {p.name: text_of(p) for p in sorted(directory.iterdir())}


def both(structure: Callable[[Plan, Path], object], tmp_path: Path) -> None:
    """The hostile plan's file has the structure of its twin's."""
    (tmp_path / "hostile").mkdir()
    (tmp_path / "twin").mkdir()
    assert structure(hostile(), tmp_path / "hostile") == structure(twin(), tmp_path / "twin")


# -- BIND ------------------------------------------------------------------------------------------
def zone_structure(plan: Plan, where: Path) -> object:
    zones = files(plan, "bind", where / "zones", gateways="yes", serial="1")
    checkzone = tool("named-checkzone")
    checkconf = tool("named-checkconf")
    records = []
    for name in zones:
        if not name.startswith("db."):
            continue
        done = run(checkzone, "-k", "fail", "-n", "fail", "-D", "-o", "-", name[3:], str(where / "zones" / name))  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        dump = [line.split() for line in done.stdout.splitlines() if line.strip()]
        assert all(f[2:3] == ["IN"] and f[3] in ("SOA", "NS", "PTR") for f in dump), dump
        records.append(sorted((f[0], f[3]) for f in dump))  # owners and types, not targets
        assert not re.search(r"^\$(?!TTL |ORIGIN )", zones[name], re.M)  # no $INCLUDE or $…
    conf = where / "named.conf"
    conf.write_text(f'options {{ directory "{where / "zones"}"; }};\ninclude "{where / "zones" / "named.conf.zones"}";\n')  # fmt: skip
    done = run(checkconf, "-z", "-p", str(conf))
    assert done.returncode == 0, done.stdout + done.stderr
    statements = [line for line in done.stdout.splitlines() if line.startswith("zone ")]
    return records, statements, sorted(zones)


def test_bind_zones_hold_only_their_records(tmp_path: Path) -> None:
    both(zone_structure, tmp_path)


# -- radvd -------------------------------------------------------------------------------------------
def radvd_structure(plan: Plan, where: Path) -> object:
    written = files(plan, "radvd", where, rdnss="2001:db8::53", dnssl="example.net")
    for name in written:
        radvd_ok(where / name)
    return [
        [line for line in text.split("\n") if not line.lstrip().startswith("#")]
        for text in written.values()
    ]


def test_radvd_stanzas_are_only_the_lans(tmp_path: Path) -> None:
    both(radvd_structure, tmp_path)


# -- Kea -------------------------------------------------------------------------------------------
def kea_structure(plan: Plan, where: Path) -> object:
    path = where / "kea.json"
    text = exported(plan, "kea-dhcp6", path, dns="2001:db8::53")
    assert not re.search(r"\\u(?!00)[0-9a-fA-F]{4}", text)  # Kea refuses \u escapes past 00ff
    kea_ok(path)
    config = json.loads(text)["Dhcp6"]
    assert config.pop("comment").startswith("Kea DHCPv6 for ")
    for subnet in config["subnet6"]:
        assert "\n" not in subnet["user-context"].pop("v6plan")
    return config


def test_kea_subnets_are_only_the_plans(tmp_path: Path) -> None:
    both(kea_structure, tmp_path)


# -- FRR -------------------------------------------------------------------------------------------
def frr_structure(plan: Plan, where: Path) -> object:
    written = files(plan, "frr", where, routing="both", ra="yes")
    for name in written:
        frr_ok(where / name)
    return [
        [
            " description …" if line.startswith(" description ") else line
            for line in text.split("\n")
            if not line.startswith("!")
        ]
        for text in written.values()
    ]


def test_frr_commands_are_only_ours(tmp_path: Path) -> None:
    both(frr_structure, tmp_path)


# -- RPSL ------------------------------------------------------------------------------------------
ATTRIBUTE = re.compile(r"([a-z][a-z0-9-]*):(?: +(\S.*))?\Z")


def rpsl_objects(text: str) -> list[list[tuple[str, str]]]:
    """A strict RPSL reader (RFC 2622 §2): objects are runs of ``attribute: value`` lines
    separated by blank lines; a line starting with space, tab or '+' continues the one
    before (we write none); '#' lines are comments."""
    objects: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in text.split("\n"):
        if line.startswith("#"):
            assert not current, f"a comment inside an object: {line!r}"
            continue
        if not line.strip():
            if current:
                objects.append(current)
            current = []
            continue
        assert line[0] not in " \t+", f"a continuation line: {line!r}"
        match = ATTRIBUTE.match(line)
        assert match, f"not an attribute: {line!r}"
        current.append((match.group(1), match.group(2) or ""))
    if current:
        objects.append(current)
    return objects


def rpsl_structure(plan: Plan, where: Path) -> object:
    text = exported(plan, "rpsl", where / "inet6num.txt", **{"mnt-by": "EXAMPLE-MNT"})
    objects = rpsl_objects(text)
    for obj in objects:
        assert obj[0][0] == "inet6num" and obj[-1][0] == "source"
        keys = [k for k, _ in obj]
        assert keys.count("inet6num") == keys.count("source") == keys.count("descr") == 1
    return [
        [(k, v if k in ("inet6num", "status", "source") else "") for k, v in o] for o in objects
    ]


def test_rpsl_objects_are_only_the_plans(tmp_path: Path) -> None:
    both(rpsl_structure, tmp_path)


# -- CSV -------------------------------------------------------------------------------------------
FORMULA = re.compile(r"\s*[=+\-@]|[\t\r]")


def table(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert all(len(r) == len(rows[0]) for r in rows), "a row with more or fewer cells"
    return rows


def csv_structure(plan: Plan, where: Path) -> object:
    rows = table(exported(plan, "csv", where / "plan.csv"))
    header = rows[0]
    text_columns = [header.index(c) for c in ("path", "name", "parent", "description")]
    for row in rows[1:]:
        for c in text_columns:
            assert not FORMULA.match(row[c]), f"a spreadsheet would run {row[c]!r}"
    return [[cell for c, cell in enumerate(r) if c not in text_columns] for r in rows]


def test_csv_for_people_has_no_formula_and_no_extra_row(tmp_path: Path) -> None:
    both(csv_structure, tmp_path)


def phpipam_structure(plan: Plan, where: Path) -> object:
    rows = table(exported(plan, "phpipam-csv", where / "p.csv", section='IPv6, "x"', customers="yes"))  # fmt: skip
    assert {r[0] for r in rows[1:]} == {'IPv6, "x"'}  # the setting, as given
    return [r[1:3] + r[4:7] for r in rows]


def test_phpipam_rows_are_only_the_plans(tmp_path: Path) -> None:
    both(phpipam_structure, tmp_path)


@pytest.mark.parametrize("fmt", ["netbox-csv", "netbox-yaml"])
def test_netbox_files_still_import(tmp_path: Path, fmt: str) -> None:
    def structure(plan: Plan, where: Path) -> object:
        written = files(plan, fmt, where, domain="example.net", tenant='=Ten, "ant"')
        tables = validate_netbox(where, "4.5.5")
        assert {r["tenant"] for r in tables["prefixes"]} == {'=Ten, "ant"'}  # kept for NetBox
        return sorted(written), {name: len(rows) for name, rows in tables.items()}

    both(structure, tmp_path)


# -- JSON and YAML keep the text exactly ------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_json_and_yaml_carry_the_text_unchanged(tmp_path: Path, fmt: str) -> None:
    plan = hostile()
    out = io.StringIO()
    write(plan, fmt, out)
    text = out.getvalue()
    data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    assert data["plan"] == plan.title
    assert [n["name"] for n in data["nodes"]] == plan.name[1:]
    assert len(text.splitlines()) == len(write_lines(twin(), fmt))


def write_lines(plan: Plan, fmt: str) -> list[str]:
    out = io.StringIO()
    write(plan, fmt, out)
    return out.getvalue().splitlines()


# -- Markdown and HTML -----------------------------------------------------------------------------
class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)


def tags_of(html: str) -> list[str]:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def markdown_html(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(text)  # raw HTML on, as GitHub's


def test_markdown_renders_the_twins_elements(tmp_path: Path) -> None:
    def structure(plan: Plan, where: Path) -> object:
        text = exported(plan, "markdown", where / "report.md", fold="0")
        return tags_of(markdown_html(text))

    both(structure, tmp_path)


def test_html_has_the_twins_elements(tmp_path: Path) -> None:
    def structure(plan: Plan, where: Path) -> object:
        return tags_of(exported(plan, "html", where / "report.html", fold="0"))

    both(structure, tmp_path)


def test_html_of_a_hostile_plan_renders_without_console_messages(tmp_path: Path) -> None:
    html = tmp_path / "hostile.html"
    exported(hostile(), "html", html, fold="0")
    log = render(html, tmp_path / "hostile.png", height=800)
    assert not [line for line in log.splitlines() if ":CONSOLE" in line]


# -- router names ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_router_names_are_refused_or_read(tmp_path: Path, text: str) -> None:
    """Router names make FRR hostnames and interface names: none of these is one."""
    plan = dressed(("n",), "T", routers=(f"{text}1", f"{text}2"))
    with pytest.raises(InputError, match=r"router name|interface name"):
        files(plan, "frr", tmp_path / "frr")
    assert not (tmp_path / "frr").exists()
    try:
        written = files(plan, "radvd", tmp_path / "radvd")  # names only in comments, file names
    except InputError as exc:
        assert "both be named" in str(exc) and not (tmp_path / "radvd").exists()
    else:
        for name in written:
            assert re.fullmatch(r"radvd-[\w.+-]+\.conf", name)
            radvd_ok(tmp_path / "radvd" / name)
    files(plan, "bind", tmp_path / "bind", serial="1")  # PTR names are DNS labels of them
    for zone in (tmp_path / "bind").glob("db.*"):
        checkzone = tool("named-checkzone")
        done = run(checkzone, "-k", "fail", "-n", "fail", zone.name[3:], str(zone))
        assert done.returncode == 0, done.stdout


# -- the command line, with an imported plan (names are whatever the file says) ---------------------
def test_imported_hostile_plans_export_as_the_readers_need(tmp_path: Path) -> None:
    plan_json = tmp_path / "hostile.json"
    write_json(hostile(), plan_json)
    plan_csv = tmp_path / "hostile.csv"
    with plan_csv.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["prefix", "name", "description"])
        out.writerow(["2001:db8::/32", "allocation", ""])  # the blocks below are assignments
        for n, text in enumerate(t for t in HOSTILE if "\ud800" not in t):
            out.writerow([f"2001:db8:{n:x}::/48", text, text])
    for source in (plan_json, plan_csv):
        zones = tmp_path / f"zones-{source.suffix[1:]}"
        assert main(["export", str(source), "-f", "bind", "--dir", str(zones)]) == 0
        checkzone = tool("named-checkzone")
        for zone in zones.glob("db.*"):
            text_of(zone)
            done = run(checkzone, "-k", "fail", "-n", "fail", zone.name[3:], str(zone))
            assert done.returncode == 0, done.stdout
        report = tmp_path / f"rpsl-{source.suffix[1:]}.txt"
        assert main(["export", str(source), "-f", "rpsl", "-o", str(report)]) == 0
        assert rpsl_objects(text_of(report))
        people = tmp_path / f"people-{source.suffix[1:]}.csv"
        assert main(["export", str(source), "-f", "csv", "-o", str(people)]) == 0
        rows = table(text_of(people))
        assert all(not FORMULA.match(cell) for row in rows[1:] for cell in row[1:3])


def write_json(plan: Plan, path: Path) -> None:
    out = io.StringIO()
    write(plan, "json", out)
    path.write_text(out.getvalue(), encoding="utf-8")


# -- --set values ------------------------------------------------------------------------------------
REFUSED = [
    ("bind", "ns", "ns1.example.net\n$INCLUDE /etc/passwd"),
    ("bind", "ns", "a.example;evil"),
    ("bind", "ns", "a.example net"),
    ("bind", "ns", "x" * 64 + ".example"),
    ("bind", "ns", "a." * 127 + "example"),
    ("bind", "ns", "-a.example"),
    ("bind", "ns", "a..example"),
    ("bind", "ns", "ünï.example"),
    ("bind", "domain", "x y"),
    ("bind", "domain", "example\n.net"),
    ("bind", "domain", "a" * 60 + "." + "b" * 60 + "." + "c" * 10),
    ("bind", "email", "host master@example.net"),
    ("bind", "email", "a;b@example.net"),
    ("bind", "email", "hostmaster@exa mple.net"),
    ("bind", "delegate-ns", "ns.{name}.example;x"),
    ("bind", "delegate-ns", "ns.{name:>999999999}.example"),
    ("bind", "delegate-ns", "ns.{name.__class__}.example"),
    ("rpsl", "mnt-by", "EXAMPLE-MNT\nadmin-c: EVIL"),
    ("rpsl", "mnt-by", "EXAMPLE MNT"),
    ("rpsl", "admin-c", "X;Y"),
    ("rpsl", "mnt-lower", "A#B"),
    ("rpsl", "org", "ORG-1\x00"),
    ("rpsl", "country", "KEN"),
    ("rpsl", "country", "K\u2028"),
    ("rpsl", "source", "RIPE\u2028x"),
    ("radvd", "dnssl", "x.example;\n};"),
    ("radvd", "dnssl", "a b"),
    ("radvd", "rdnss", "2001:db8::1; evil"),
    ("radvd", "lan-interface", "eth {vlan}"),
    ("radvd", "lan-interface", "{vlan:099999999}"),
    ("radvd", "lan-interface", "e;{n}"),
    ("radvd", "lan-interface", "{vlan!r}"),
    ("kea-dhcp6", "domain-search", 'x"y'),
    ("kea-dhcp6", "listen", 'eth0"],"x'),
    ("kea-dhcp6", "dns", '2001:db8::1"x'),
    ("kea-dhcp6", "pool", '1-2"'),
    ("frr", "area", "0.0.0.0\n!"),
    ("frr", "p2p-interface", "to {peer}"),
    ("frr", "p2p-interface", "to-{peer}" + "x" * 70),
    ("frr", "routing", "ospf6;"),
    ("netbox-csv", "domain", "x y"),
    ("netbox-csv", "tenant", "a\nb"),
    ("netbox-yaml", "vrf", "a\u2029b"),
    ("phpipam-csv", "section", "a\rb"),
    ("html", "depth", "1\x00"),
]


@pytest.mark.parametrize(("fmt", "key", "value"), REFUSED)
def test_settings_that_cannot_be_written_safely_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, key: str, value: str
) -> None:
    spec = Path(__file__).resolve().parents[1] / "examples" / "isp-core.yaml"
    target = tmp_path / "out"
    where = ["--dir", str(target)] if fmt in ("bind", "frr", "radvd", "netbox-csv") else []
    where = where or ["-o", str(target)]
    code = main(["export", str(spec), "-f", fmt, "--set", f"{key}={value}", *where])
    err = capsys.readouterr().err
    assert code == 2 and f"{key}" in err and err.count("\n") == 1, err
    assert not target.exists()


def test_dns_settings_are_normalised_and_read(tmp_path: Path) -> None:
    plan = twin()
    zones = tmp_path / "zones"
    files(plan, "bind", zones, ns="NS1.Example.NET.,ns2.example.net", email="host.master+x@example.net", domain="example.net.")  # fmt: skip
    zone = next(zones.glob("db.*"))
    text = zone.read_text()
    assert "IN\tSOA\tNS1.Example.NET. host\\.master+x.example.net. (" in text
    assert "\tIN\tNS\tns2.example.net.\n" in text and "..\n" not in text
    done = run(tool("named-checkzone"), "-k", "fail", zone.name[3:], str(zone))
    assert done.returncode == 0, done.stdout


# -- the helpers, for any text -----------------------------------------------------------------------
def test_dns_name_rules() -> None:
    assert dns_name("Example.NET.", "x") == "Example.NET"
    assert dns_name("a" * 63 + ".example", "x")
    assert dns_name(".".join(["a" * 63] * 3 + ["b" * 61]), "x")  # 253 characters
    for bad in ("", ".", "a..b", "a" * 64, ".".join(["a" * 63] * 4), "a_b.example", "-a", "a-"):
        with pytest.raises(InputError):
            dns_name(bad, "--set ns")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_one_line_leaves_nothing_that_breaks_a_line(text: str) -> None:
    line = one_line(text)
    assert len(line.splitlines()) <= 1 and not UNSAFE_IN_FILE.search(line) and "\t" not in line
    line.encode("utf-8")  # no lone surrogate: every file is UTF-8


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_csv_cells_read_back_as_one_cell(text: str) -> None:
    line = one_line(text)
    for cell in (csv_cell(line), sheet_cell(line)):
        (row,) = list(csv.reader(io.StringIO(f"{cell},end\n", newline="")))
        assert row[-1] == "end" and len(row) == 2
    (row,) = list(csv.reader(io.StringIO(f"{sheet_cell(line)},end\n", newline="")))
    assert row[0] in (line, "'" + line) and not FORMULA.match(row[0])


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_markdown_text_is_only_text(text: str) -> None:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    expected = one_line(text).strip(" ")
    tokens = md.parse(md_paragraph(text))
    if not expected.strip():
        return
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    inline = tokens[1].children or []
    assert {t.type for t in inline} <= {"text", "text_special"}, inline
    assert "".join(t.content for t in inline) == expected.strip()
    cells = md.parse(f"| a | b |\n|---|---|\n| {md_text(text)} | end |\n")
    assert [t.type for t in cells].count("td_open") == 2  # no extra cell
    cell = next(t for t in cells if t.type == "inline" and t.map and t.map[0] == 2)
    assert {t.type for t in cell.children or []} <= {"text", "text_special"}


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_kea_strings_are_json_kea_reads(text: str) -> None:
    encoded = kea_string(text)
    assert json.loads(encoded) == one_line(text)
    assert not re.search(r"\\u(?!00)[0-9a-fA-F]{4}", encoded) and "\n" not in encoded
