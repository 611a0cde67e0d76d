"""Fuzzing the plan-file readers: only SpecError comes out, memory stays bounded, and what
reads as a plan is a well-formed one that our own exports write and read back the same.

Examples per test are in ``EXAMPLES`` (the counts the issue's closing note reports).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from v6plan import _import
from v6plan._errors import SpecError
from v6plan._import import read_plan_file
from v6plan._lint import lint
from v6plan._plan import Plan
from v6plan._query import free_blocks, usage
from v6plan.export import write

EXAMPLES = {"text": 300, "bytes": 300, "csv_rows": 250, "json_nodes": 250}
#: Inputs are a few KiB: reading one may never cost more than this.
PEAK_BYTES = 16 << 20
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples on every run and machine: no flaky CI
)

_DIR = tempfile.TemporaryDirectory(prefix="v6plan-fuzz-")


def read(data: str | bytes, suffix: str) -> Plan | None:
    """The plan in ``data`` (a .csv or .json file), or None when refused with a SpecError."""
    path = Path(_DIR.name) / f"plan{suffix}"
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    tracemalloc.start()
    try:
        plan = read_plan_file(path)
    except SpecError as exc:
        assert exc.problems and all(p.file == str(path) for p in exc.problems)
        plan = None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < PEAK_BYTES, f"{peak / 2**20:.1f} MiB for {len(data):,} bytes"
    if plan is not None:
        well_formed(plan)
    return plan


def well_formed(plan: Plan) -> None:
    """The columns agree with each other, and every consumer can take the plan."""
    n = len(plan)
    assert plan.parent[0] == -1 and plan.end[0] == n
    for i in range(1, n):
        p = plan.parent[i]
        assert 0 <= p < i and i < plan.end[i] <= plan.end[p]
        assert plan.depth[i] == plan.depth[p] + 1 and plan.kind[i] < len(plan.kinds)
        if plan.is_group(i):
            assert p == 0 and plan.grouped  # VRFs hang under a grouping root only
        else:
            assert 0 <= plan.plen[i] <= 128 and 0 <= plan.net[i] < 1 << 128
    lint(plan)
    usage(plan, 0)
    next(iter(free_blocks(plan, 0)), None)


def blocks(plan: Plan) -> Counter[tuple[str, str]]:
    """``(vrf, prefix)`` of every block; the root's host bits cleared (JSON writes it so)."""
    out = Counter(
        (plan.vrf(i), plan.prefix_text(i)) for i in range(1, len(plan)) if not plan.is_group(i)
    )
    if not plan.grouped:
        out[("", str(plan.prefix))] += 1
    return out


def reads_back(plan: Plan) -> None:
    """Our JSON export of the plan reads back with the same blocks, names and VRFs."""
    out = io.StringIO()
    write(plan, "json", out)
    again = read(out.getvalue(), ".json")
    assert again is not None, out.getvalue()[:500]
    assert blocks(again) == blocks(plan)
    names = Counter(plan.label(i) for i in range(len(plan)) if not plan.is_group(i))
    assert Counter(again.label(i) for i in range(len(again)) if not again.is_group(i)) == names
    out = io.StringIO()
    write(plan, "csv", out)
    if plan.end[0] > 1:  # the CSV leaves the root out: a plan of one block has no rows
        assert read(out.getvalue(), ".csv") is not None


# -- unstructured: any text, any bytes ---------------------------------------------------------
@settings(FUZZ, max_examples=EXAMPLES["text"])
@given(st.text(max_size=3000), st.sampled_from([".csv", ".json"]))
def test_any_text(text: str, suffix: str) -> None:
    read(text, suffix)


@settings(FUZZ, max_examples=EXAMPLES["bytes"])
@given(st.binary(max_size=3000), st.sampled_from([".csv", ".json"]))
def test_any_bytes(data: bytes, suffix: str) -> None:
    read(data, suffix)


# -- structured: valid-shaped files with hostile values ----------------------------------------
_SPECIAL = st.sampled_from(
    [
        "::/0", "::", "::1/128", "ff02::1/128", "fe80::/10", "::ffff:192.0.2.1/128",
        "2002::/16", "fd00::/8", "10.0.0.0/8", "192.0.2.1", "300.1.1.1/8", "2001:db8::/129",
        "2001:db8::/-1", "2001:db8::/٤٨", "2001:db8::/+48", "2001:db8::/ 48", "2001:db8::%eth0/64",
        "2001:DB8::/48", "2001:db8::/048", "2001:db8::1/64", "", " ", "\x00", "::/", "/48",
        "2001:db8:::/48", "1:2:3:4:5:6:7:8:9/64", "2001:db8::/32/64",
    ]
)  # fmt: skip


@st.composite
def _prefix(draw: st.DrawFn) -> str:
    """Mostly prefixes inside a small part of documentation space (so they nest and overlap)."""
    length = draw(st.sampled_from([32, 40, 44, 48, 52, 56, 60, 63, 64, 96, 127, 128]))
    low = draw(st.integers(0, 0xFF)) << (128 - 48)
    net = (0x20010DB8 << 96) | low
    if draw(st.booleans()):
        net &= ~((1 << (128 - length)) - 1)  # else host bits may stay set
    from v6plan._prefix import format_prefix

    return format_prefix(net, length)


PREFIXES = st.one_of(_prefix(), _prefix(), _SPECIAL, st.text(max_size=30))
#: Prefixes a reader must take (odd, special-purpose or IPv4, but no error): whole files read.
TAKEN = st.one_of(
    _prefix(),
    _prefix(),
    st.sampled_from(["::/0", "::1/128", "fe80::/10", "10.0.0.0/8", "192.0.2.1", "2001:DB8::/48"]),
)
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "a/b", "x — y", "=cmd()", '"', "a,b", "\n", "\r\n", "—", "∕", "\u2028"]),
)
NAMES = st.one_of(st.sampled_from(["lan", "site", "users", "core"]), HOSTILE_TEXT)
VRFS = st.one_of(st.sampled_from(["", "", "", "blue", "red", "Global", "—"]), st.text(max_size=8))
ROLES = st.one_of(
    st.sampled_from(["", "lan", "LAN", "p2p", "loopback", "reserve", "site", "host", "Production"]),
    st.text(max_size=8),
)
COLUMNS = ("prefix", "name", "path", "description", "role", "vrf", "status", "tenant")


@st.composite
def csv_files(draw: st.DrawFn) -> str:
    columns = draw(st.permutations(COLUMNS).map(lambda c: list(c[: 1 + len(c) // 2 + 2])))
    if "prefix" not in columns:
        columns[0] = "prefix"
    if draw(st.booleans()):  # phpIPAM's way: subnet and mask
        columns = [c for c in columns if c != "prefix"] + ["subnet", "mask"]
    header = [draw(st.sampled_from([c, c.upper(), f" {c.title()} "])) for c in columns]
    prefixes = draw(st.sampled_from([TAKEN, PREFIXES]))  # whole files that read, or hostile
    values = {"prefix": prefixes, "name": NAMES, "path": NAMES, "description": HOSTILE_TEXT}
    values |= {
        "role": ROLES,
        "vrf": VRFS,
        "subnet": prefixes,
        "mask": st.sampled_from(["48", "/64", "", "x", "129"]),
    }
    rows = draw(
        st.lists(
            st.fixed_dictionaries({c: values.get(c, HOSTILE_TEXT) for c in columns}),
            max_size=40,
        )
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    return out.getvalue()


@settings(FUZZ, max_examples=EXAMPLES["csv_rows"])
@given(csv_files())
def test_csv_rows_with_hostile_values(text: str) -> None:
    plan = read(text, ".csv")
    event("a plan" if plan is not None else "refused")
    if plan is not None:
        reads_back(plan)


JSON_VALUES = st.one_of(
    HOSTILE_TEXT,
    st.none(),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def json_files(draw: st.DrawFn) -> str:
    """Our JSON export's shape: half the files hold values a reader must take, half not."""
    taken = draw(st.booleans())
    values = HOSTILE_TEXT if taken else JSON_VALUES
    node = st.fixed_dictionaries(
        {"prefix": TAKEN if taken else st.one_of(PREFIXES, JSON_VALUES)},
        optional={
            "name": NAMES,
            "path": NAMES,
            "role": ROLES,
            "vrf": VRFS,
            "description": values,
            "depth": JSON_VALUES if not taken else st.integers(),
        },
    )
    doc = {
        "plan": draw(values),
        "prefix": draw(
            st.one_of(st.none(), _prefix()) if taken else st.one_of(_prefix(), _SPECIAL)
        ),
        "nodes": draw(st.lists(node, max_size=30)),
    }
    if draw(st.booleans()):
        del doc["prefix"]
    return json.dumps(
        doc, indent=draw(st.sampled_from([None, 1])), ensure_ascii=draw(st.booleans())
    )


@settings(FUZZ, max_examples=EXAMPLES["json_nodes"])
@given(json_files(), st.sampled_from([1, 16, 1 << 18]))
def test_json_nodes_with_hostile_values(text: str, batch: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_import, "_BATCH", batch)  # small batches split the nodes anywhere
        plan = read(text, ".json")
    event("a plan" if plan is not None else "refused")
    if plan is not None:
        reads_back(plan)
