"""``v6lab --help`` and every ``v6lab COMMAND --help``, word for word against a golden file.

The help is what a trainee reads first; moving commands between modules must not change a
word of it. After a deliberate change to a help text, regenerate the golden file with
``V6PLAN_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/lab/test_v6lab_help.py``
and read ``git diff tests/data/cli/v6lab-help.txt`` before committing. The layout is
argparse's (100 columns, fixed by ``v6plan.cli.HelpFormatter``, so the terminal does not
matter); it was made on Python 3.11, the oldest the project supports.
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from v6plan.lab.cli import main
from v6plan.lab.cli._main import build_parser

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "cli" / "v6lab-help.txt"
UPDATE = os.environ.get("V6PLAN_UPDATE_SNAPSHOTS", "") not in ("", "0")


def help_text(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """What ``v6lab ARGV --help`` prints (and that it exits 0, writing nothing to stderr)."""
    with pytest.raises(SystemExit) as stopped:
        main([*argv, "--help"])
    out, err = capsys.readouterr()
    assert stopped.value.code == 0 and not err, (argv, err)
    return out


def command_names() -> list[str]:
    """The sub-commands in the order ``v6lab --help`` lists them."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


def every_help(capsys: pytest.CaptureFixture[str]) -> str:
    sections = [("v6lab --help", help_text(capsys))]
    sections += [(f"v6lab {name} --help", help_text(capsys, name)) for name in command_names()]
    return "".join(f"==== {title} ====\n{text}" for title, text in sections)


def test_every_help_text_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    found = every_help(capsys)
    if UPDATE:
        GOLDEN.write_text(found, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            found.splitlines(keepends=True),
            "golden (tests/data/cli/v6lab-help.txt)",
            "now",
        )
    )
    assert found == expected, "the help changed (see the module docstring to accept it):\n" + diff


def test_the_golden_file_covers_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    golden = GOLDEN.read_text(encoding="utf-8")
    names = command_names()
    assert {"list", "start", "check", "answer", "solve", "verify", "variants", "grade"} <= set(
        names
    )
    for name in names:
        assert f"==== v6lab {name} --help ====\nusage: v6lab {name} " in golden, name


def test_no_command_prints_the_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([])
    out, _ = capsys.readouterr()
    assert code == 2
    assert out == help_text(capsys)


def test_python_m_prints_the_same_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "v6plan.lab.cli", "--help"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
    )
    assert result.returncode == 0, result.stderr
    first = GOLDEN.read_text(encoding="utf-8").split("==== v6lab list --help ====")[0]
    assert "==== v6lab --help ====\n" + result.stdout == first
