"""Plan files are read bounded: size, rows, field length, JSON nesting; every refusal placed."""

from __future__ import annotations

import csv
import json
import os
import tracemalloc
from pathlib import Path

import pytest

from v6plan import _import
from v6plan._errors import SpecError
from v6plan._import import MAX_FIELD, MAX_PLAN_BYTES, MAX_ROWS, read_plan_file
from v6plan.cli import main

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
PLAN_FILES = sorted(HOSTILE.glob("plan-*"))
#: A hostile file of a few hundred KiB may cost this much to refuse, never more.
PEAK_BYTES = 48 << 20


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8", newline="")
    return path


def refusal(path: Path) -> SpecError:
    with pytest.raises(SpecError) as caught:
        read_plan_file(path)
    return caught.value


def test_the_corpus_is_there() -> None:
    assert len(PLAN_FILES) >= 30
    assert {p.suffix for p in PLAN_FILES} == {".csv", ".json"}


@pytest.mark.parametrize("path", PLAN_FILES, ids=lambda p: p.name)
def test_every_hostile_plan_file_is_one_placed_refusal(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tracemalloc.start()
    try:
        error = refusal(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES, f"{peak / 2**20:.1f} MiB to refuse {path.name}"
    assert all(p.file == str(path) for p in error.problems)
    assert all(p.hint for p in error.problems[:1]), error  # the first says what to do
    code = main(["check", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and not out
    assert err.startswith(f"v6plan: {path}") and "Traceback" not in err


def test_refusals_name_line_and_column(tmp_path: Path) -> None:
    error = refusal(write(tmp_path, "p.csv", "prefix,name\n2001:db8::/48,a\n2001:db8::/129,b\n"))
    assert str(error.problems[0]).startswith(f"{tmp_path}/p.csv:3:1: '2001:db8::/129'")
    error = refusal(
        write(tmp_path, "p.json", '{"nodes": [\n {"prefix": "2001:db8::/48"},\n {"prefix": "x"}]}')
    )
    assert str(error.problems[0]).startswith(f"{tmp_path}/p.json:3:2: node 2: 'x'")
    latin = refusal(write(tmp_path, "l.csv", "prefix,name\n2001:db8::/48,Bür\n".encode("latin-1")))
    assert (latin.problems[0].line, latin.problems[0].column) == (2, 16)


def test_a_field_over_the_limit_and_the_csv_limit_is_put_back(tmp_path: Path) -> None:
    before = csv.field_size_limit(12_345)
    try:
        error = refusal(
            write(tmp_path, "big.csv", "prefix,name\n2001:db8::/48," + "x" * (MAX_FIELD + 1) + "\n")
        )
        assert "over 128 KiB" in str(error) and error.problems[0].line == 2
        assert csv.field_size_limit() == 12_345  # process-wide: put back after the read
        plan = read_plan_file(
            write(tmp_path, "ok.csv", "prefix,name\n2001:db8::/48," + "x" * 20_000 + "\n")
        )
        assert len(plan.title) == 20_000  # our limit, not the one the process had set
        assert csv.field_size_limit() == 12_345
    finally:
        csv.field_size_limit(before)


def test_rows_over_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert MAX_ROWS == 2_097_152  # twice the million-prefix benchmark plan
    monkeypatch.setattr(_import, "MAX_ROWS", 5)
    rows = "".join(f"2001:db8:{n:x}::/48\n" for n in range(6))
    error = refusal(write(tmp_path, "many.csv", "prefix\n" + rows))
    assert "more than 5 rows" in str(error) and error.problems[0].line == 7
    nodes = ",".join(f'{{"prefix": "2001:db8:{n:x}::/48"}}' for n in range(6))
    assert "more than 5 nodes" in str(
        refusal(write(tmp_path, "many.json", f'{{"nodes": [{nodes}]}}'))
    )
    assert read_plan_file(
        write(tmp_path, "five.csv", "prefix\n" + rows[: rows.index("2001:db8:5")])
    )


def test_file_size_limit_devices_and_fifos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert MAX_PLAN_BYTES == 256 << 20  # the 1,048,576-node plan: 104 MiB CSV, 188 MiB JSON
    monkeypatch.setattr(_import, "MAX_PLAN_BYTES", 100)
    error = refusal(write(tmp_path, "big.csv", "prefix\n" + "2001:db8::/48\n" * 10))
    assert "over the 100-byte limit" in str(error)
    fifo = tmp_path / "plan.csv"
    os.mkfifo(fifo)
    assert "FIFO" in str(refusal(fifo))  # and it did not wait for a writer
    assert "device" in str(refusal(Path("/dev/zero")))


def test_json_nodes_hold_plain_values_only(tmp_path: Path) -> None:
    deep = '{"nodes": [{"prefix": "2001:db8::/48", "name": ' + "[" * 5000 + "]" * 5000 + "}]}"
    assert "not an object of plain values" in str(refusal(write(tmp_path, "d.json", deep)))
    error = refusal(
        write(
            tmp_path, "n.json", json.dumps({"nodes": [{"prefix": "2001:db8::/48", "vrf": ["a"]}]})
        )
    )
    assert "node 1" in str(error)


def test_json_node_list_of_millions_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    path = write(
        tmp_path, "l.json", '{"nodes": [{"prefix": [' + ",".join(["0"] * 1_000_000) + "]}]}"
    )
    tracemalloc.start()
    try:
        error = refusal(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "plain values" in str(error)
    assert peak < 3 * path.stat().st_size + (8 << 20)  # the text, never a list of a million


def test_vrfs_over_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_import, "MAX_VRFS", 3)
    rows = "".join(f"2001:db8::/48,v{n}\n" for n in range(5))
    error = refusal(write(tmp_path, "v.csv", "prefix,vrf\n" + rows))
    assert "more than 3 VRFs" in str(error) and error.problems[0].line == 5


def test_a_prefix_listed_a_thousand_times_is_one_finding_past_a_hundred(tmp_path: Path) -> None:
    from v6plan._lint import MAX_OVERLAPS, lint

    plan = read_plan_file(write(tmp_path, "d.csv", "prefix\n" + "2001:db8::/64\n" * 1000))
    overlaps = [f for f in lint(plan) if f.rule == "overlap"]
    assert len(overlaps) == MAX_OVERLAPS + 1 == 101
    assert overlaps[-1].index == 0 and "899 more blocks in here overlap" in overlaps[-1].message


def test_lint_lists_a_bounded_number_per_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from v6plan import _lint

    assert _lint.MAX_PER_RULE == 10_000
    monkeypatch.setattr(_lint, "MAX_PER_RULE", 5)
    rows = "".join(f"2001:db8:0:{n:x}::1/64\n" for n in range(20))
    plan = read_plan_file(write(tmp_path, "h.csv", "prefix\n2001:db8::/48\n" + rows))
    found = [f for f in _lint.lint(plan) if f.rule == "host-bits"]
    assert len(found) == 6 and found[-1].path == "" and "15 more host-bits" in found[-1].message


def test_problems_stop_after_twenty(tmp_path: Path) -> None:
    error = refusal(write(tmp_path, "bad.csv", "prefix\n" + "nonsense\n" * 10_000))
    assert len(error.problems) == 21 and "stopped after 20 problems" in str(error.problems[-1])


def test_json_batches_split_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nodes go to the decoder in batches; a name full of braces must not confuse the split."""
    names = ["a}", "b},{", '"}]', "d, {", "e\\}", "}}}}"]
    nodes = [{"prefix": f"2001:db8:{n:x}::/48", "name": name} for n, name in enumerate(names * 40)]
    path = write(
        tmp_path, "b.json", json.dumps({"plan": "t", "prefix": None, "nodes": nodes}, indent=1)
    )
    for batch in (1, 7, 64, 1 << 18):
        monkeypatch.setattr(_import, "_BATCH", batch)
        plan = read_plan_file(path)
        assert plan.name[1:] == [n["name"] for n in nodes], batch
    nodes[150]["prefix"] = "2001:db8::/200"
    path.write_text(json.dumps({"nodes": nodes}, indent=1))
    monkeypatch.setattr(_import, "_BATCH", 64)
    error = refusal(path)
    assert error.problems[0].line == 3 + 4 * 150 and "node 151" in str(error)


def test_descriptions_past_the_kind_limit_are_left_out_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_import, "MAX_KINDS", 10)
    rows = "".join(f"2001:db8:{n:x}::/48,n{n},lan,about {n}\n" for n in range(30))
    plan = read_plan_file(write(tmp_path, "k.csv", "prefix,name,role,description\n" + rows))
    assert len(plan.kinds) <= 11 and plan.notes == [
        "left out the descriptions of 22 rows (more than 10 different ones)"
    ]
    assert all(plan.role(i) == "lan" for i in range(1, len(plan)))
