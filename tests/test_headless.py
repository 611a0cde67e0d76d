"""The headless core never imports Textual or Scapy; `v6plan --help` and `v6lab --help`
import neither (nor YAML: help is the standard library only, so it is instant)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "v6plan",
    "v6plan._build",
    "v6plan._calc",
    "v6plan._import",
    "v6plan._lint",
    "v6plan._query",
    "v6plan.export",
    "v6plan.cli",
]


def loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(m.split('.')[0] for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_ui_or_packet_library(module: str) -> None:
    loaded = loaded_after(f"import {module}")
    assert "textual" not in loaded and "scapy" not in loaded


def test_every_export_writer_is_headless() -> None:
    from v6plan.export import FORMATS

    code = "import v6plan.export as e\nfor f in e.FORMATS.values(): f.writer()"
    loaded = loaded_after(code)
    assert FORMATS and "textual" not in loaded and "scapy" not in loaded


def test_help_imports_neither() -> None:
    code = "from v6plan.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    loaded = loaded_after(code)
    assert "textual" not in loaded and "scapy" not in loaded and "yaml" not in loaded


V6LAB_COMMANDS = "list start status task exec shell check hint answer capture solve verify"
V6LAB_COMMANDS += " stop cleanup variants grade export"


@pytest.mark.parametrize("command", ["", *V6LAB_COMMANDS.split()])
def test_v6lab_help_imports_no_ui_packet_or_yaml_library(command: str) -> None:
    argv = [*command.split(), "--help"]
    code = (
        f"from v6plan.lab.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
    )
    loaded = loaded_after(code)
    assert "v6plan" in loaded and not loaded & {"textual", "scapy", "yaml"}


def test_planning_a_spec_imports_neither(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "s.yaml"
    spec.write_text("prefix: 2001:db8::/48\nchildren:\n  - {name: a, role: lan, count: 3}\n")
    code = f"from v6plan.cli import main\nmain(['plan', {str(spec)!r}])\nmain(['check', {str(spec)!r}])"
    loaded = loaded_after(code)
    assert "textual" not in loaded and "scapy" not in loaded


def test_the_probe_would_notice() -> None:
    assert "json" in loaded_after("import json")  # the probe itself works
