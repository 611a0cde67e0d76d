"""Two `v6lab verify --backend netns` at once, each with its own state directory: every lab's
reference and known-bad solutions give their verdicts on a machine busy with the other
(the checks wait for the kernel's timers against deadlines; session tags keep the two
apart). Needs root: skipped locally without, run in CI. It takes about a minute (the two
run side by side; most of it is the kernel's own DAD and RA timing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from _support.lab import need_lab_programs, require_backend

from v6plan.lab.model._labfile import list_labs, load_lab
from v6plan.lab.runtime._session import Session

ROOT = Path(__file__).resolve().parents[2]


def test_two_netns_verifications_at_once_both_pass(tmp_path: Path) -> None:
    require_backend("netns")
    for directory in list_labs():
        need_lab_programs(load_lab(directory), "netns")
    roots = [tmp_path / "first", tmp_path / "second"]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "v6plan.lab.cli", "verify", "--backend", "netns", "--json"],
            env=dict(os.environ, V6LAB_STATE_DIR=str(root)),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for root in roots
    ]
    try:
        outputs = [run.communicate(timeout=900) for run in runs]
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait()
        for root in roots:  # whatever a killed run left, by its own session tags
            for session in Session.all(root):
                session.teardown()
                session.remove()
    for run, (out, err) in zip(runs, outputs, strict=True):
        report = json.loads(out)
        wrong = [r for r in report["results"] if not r["ok"]]
        assert run.returncode == 0 and not wrong, (wrong, err[-2000:])
        assert {r["lab"] for r in report["results"]} == {d.name for d in list_labs()}
