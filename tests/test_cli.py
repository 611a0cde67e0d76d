"""The `v6plan` planner commands as a user runs them: output, --json, exit codes, files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from v6plan.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def campus(tmp_path: Path) -> Path:
    spec = tmp_path / "campus.yaml"
    shutil.copy(EXAMPLES / "campus.yaml", spec)
    return spec


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_writes_the_lock_once_and_is_then_stable(campus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "plan", str(campus))
    lock = campus.with_name("campus.lock.json")
    assert code == 0 and lock.exists()
    assert "library" in out and "written" in out
    first = lock.read_bytes()
    code, out, _ = run(capsys, "plan", str(campus), "--json")
    data = json.loads(out)
    assert data["lock_changed"] is False and data["new"] == 0 and data["kept"] > 0
    assert lock.read_bytes() == first


def test_frozen_fails_when_the_spec_changed(campus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    run(capsys, "plan", str(campus))
    lock = campus.with_name("campus.lock.json")
    before = lock.read_bytes()
    campus.write_text(campus.read_text().replace("count: 16", "count: 17"))
    code, out, _ = run(capsys, "plan", str(campus), "--frozen")
    assert code == 1 and "not written" in out
    assert lock.read_bytes() == before
    assert run(capsys, "plan", str(campus))[0] == 0
    assert lock.read_bytes() != before


def test_bad_spec_exits_2_with_place_and_fix_and_writes_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "bad.yaml"
    spec.write_text("plan: x\nprefix: 3fff:100::1/48\nchildren:\n  - {name: a, sise: /64}\n")
    code, out, err = run(capsys, "plan", str(spec))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert (
        lines[0]
        == f"v6plan: {spec}:2:9: host bits set in 3fff:100::1/48 — did you mean 3fff:100::/48?"
    )
    assert lines[1] == f"{spec}:4:15: unknown key 'sise' in node — did you mean 'size'?"
    assert "Traceback" not in err
    assert not spec.with_name("bad.lock.json").exists()
    out_file = tmp_path / "out.csv"
    assert run(capsys, "export", str(spec), "-f", "csv", "-o", str(out_file))[0] == 2
    assert not out_file.exists() and not list(tmp_path.glob(".out.csv*"))


def test_a_real_process_never_shows_a_traceback(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("prefix: [oops\n")
    proc = subprocess.run(
        [sys.executable, "-m", "v6plan", "check", str(spec)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"v6plan: {spec}:") and "Traceback" not in proc.stderr


def test_usage_errors_exit_2(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as info:
        main(["free", "x.yaml", "--length", "200"])
    assert info.value.code == 2
    assert main([]) == 2


def test_show(campus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "show", str(campus), "core/link-2")
    assert code == 0 and "2001:db8:cafe:2::/64" in out and "p2p       2001:db8:cafe:2::2/127" in out
    code, out, _ = run(capsys, "show", str(campus), "library", "--json")
    data = json.loads(out)
    assert (
        data["prefix"] == "2001:db8:cafe:8000::/56"
        and data["usage"]["text"] == "6 of 16 /60, 37.5 %"
    )
    assert [c["name"] for c in data["children"]][:2] == ["floor-1", "floor-2"]
    assert data["free"][0] == "2001:db8:cafe:8060::/59"
    assert run(capsys, "show", str(campus), "nowhere")[0] == 2


def test_check_exit_codes_and_json(tmp_path: Path, campus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "check", str(campus), "--json")
    assert code == 0 and json.loads(out)["counts"] == {"error": 0, "warning": 0, "info": 1}
    broken = tmp_path / "netbox.csv"
    broken.write_text(
        "prefix,name,role\n2001:db8::/48,site,site\n2001:db8::1/64,a,lan\n2001:db8::/50,b,\n"
    )
    code, out, _ = run(capsys, "check", str(broken))
    assert code == 1 and "host-bits" in out and "non-nibble" in out
    code, out, _ = run(capsys, "check", str(broken), "--ignore", "host-bits,non-nibble")
    assert code == 0
    code, _, err = run(capsys, "check", str(broken), "--ignore", "nope")
    assert code == 2 and "unknown rule 'nope'" in err
    code, out, _ = run(capsys, "check", "--rules")
    assert code == 0 and "p2p-anycast" in out


def test_strict_turns_warnings_into_exit_1(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "odd.yaml"
    spec.write_text("prefix: 2001:db8::/32\nchildren:\n  - {name: odd, size: /50}\n")
    assert run(capsys, "check", str(spec))[0] == 0
    assert run(capsys, "check", str(spec), "--strict")[0] == 1


def test_free_and_find(campus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run(capsys, "free", str(campus), "datacentre", "--length", "64", "--limit", "2")
    assert out.split() == ["2001:db8:cafe:1014::/64", "2001:db8:cafe:1015::/64"]
    _, out, _ = run(
        capsys, "free", str(campus), "--length", "56", "--next", "--order", "sparse", "--json"
    )
    assert json.loads(out)["next"] == "2001:db8:cafe:a000::/56"
    _, out, _ = run(capsys, "free", str(campus), "--json")
    assert json.loads(out)["free"][0] == "2001:db8:cafe:100::/56"
    _, out, _ = run(capsys, "find", str(campus), "2001:db8:cafe:8011::abcd")
    assert "library/floor-2/students" in out
    _, out, _ = run(capsys, "find", str(campus), "2001:db8:cafe:8011::abcd", "--json")
    assert [c["path"] for c in json.loads(out)["chain"]] == [
        "library",
        "library/floor-2",
        "library/floor-2/students",
    ]
    _, out, _ = run(capsys, "find", str(campus), "printers", "--limit", "3", "--json")
    assert len(json.loads(out)["matches"]) == 3
    assert run(capsys, "find", str(campus), "2001:db9::1")[0] == 2


def test_export_json_shape(campus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run(capsys, "export", str(campus), "--format", "json")
    data = json.loads(out)
    assert set(data) == {"plan", "prefix", "nodes"} and data["prefix"] == "2001:db8:cafe::/48"
    by_path = {n["path"]: n for n in data["nodes"]}
    link = by_path["core/link-1"]
    assert (
        link["p2p"] == "2001:db8:cafe:1::2/127" and link["parent"] == "core" and link["depth"] == 2
    )
    assert by_path["core"]["parent"] is None and by_path["core"]["status"] == "container"
    assert by_path["future"]["status"] == "reserved"
    staff = by_path["library/floor-2/staff"]
    assert (staff["role"], staff["status"], staff["vlan"]) == ("lan", "active", 100)
    for node in data["nodes"]:
        assert {"path", "name", "prefix", "role", "parent", "depth", "status"} <= set(node)


@pytest.mark.parametrize("fmt", ["csv", "json", "yaml", "markdown"])
def test_export_to_a_file_is_complete_and_atomic(
    campus: Path, tmp_path: Path, fmt: str, capsys
) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / f"plan.{fmt}"
    assert run(capsys, "export", str(campus), "-f", fmt, "-o", str(target))[0] == 0
    text = target.read_text()
    if fmt == "csv":
        import csv

        rows = list(csv.DictReader(text.splitlines()))
        assert len(rows) == 136 and rows[0]["prefix"] == "2001:db8:cafe::/56"
    elif fmt == "yaml":
        data = yaml.safe_load(text)
        assert len(data["nodes"]) == 136 and data["nodes"][0]["path"] == "core"
    elif fmt == "json":
        assert len(json.loads(text)["nodes"]) == 136
    else:
        assert text.startswith("# Example University Campus") and "2001:db8:cafe:8000::/56" in text


def test_export_of_one_node(campus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run(capsys, "export", str(campus), "-f", "csv", "--node", "datacentre")
    lines = out.strip().splitlines()
    assert len(lines) == 1 + 21 and lines[1].startswith("2001:db8:cafe:1000::/52,datacentre,")


def test_commands_read_plan_files_too(tmp_path: Path, campus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    exported = tmp_path / "campus.json"
    run(capsys, "export", str(campus), "-f", "json", "-o", str(exported))
    code, out, _ = run(capsys, "find", str(exported), "2001:db8:cafe:8011::1")
    assert code == 0 and "library/floor-2/students" in out
    assert run(capsys, "check", str(exported))[0] == 0


def test_every_command_has_help_with_examples(capsys) -> None:  # type: ignore[no-untyped-def]
    from v6plan.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, command in sub.choices.items():  # type: ignore[union-attr]
        text = command.format_help()
        assert "examples:" in text, name
        assert "v6plan" in text.split("examples:")[1], name


def test_show_root_reports_rollup_and_hd_ratio(campus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "show", str(campus))
    assert code == 0 and "RIR use   99 of 65,536 /64 · HD-ratio" in out
    data = json.loads(run(capsys, "show", str(campus), "--json")[1])
    assert data["hd_ratio"]["threshold"] == 33689 and data["assigned_below"]["/64"] == 98
