"""Instructor workflow benchmark: variants for a class, and grading its result files.

Run: ``.venv/bin/python benchmarks/bench_instructor.py [--trainees 30]``.

Prints, in one run (median of 3, each a fresh ``v6lab`` process):

* ``v6lab variants`` for N trainees × every catalogue lab (files, size, time);
* ``v6lab grade`` of N signed result files (signatures only) beside ``--replay``, which
  re-runs every trainee's commands and checks on the simulator — the peers' way of grading
  (Kathará's lab checker, netlab's validate: run the checks against each live lab) — as a
  ratio. Nothing asserts: it prints.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
V6LAB = [sys.executable, "-m", "v6plan.lab.cli"]
LAB = "04-lan-addressing"


def timed(argv: list[str], env: dict[str, str], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, env=env, check=False, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def roster(path: Path, count: int) -> None:
    lines = ["name,lang"] + [f"Trainee {i:03d},{('en', 'fr', 'ar')[i % 3]}" for i in range(count)]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trainees", type=int, default=30)
    args = parser.parse_args()
    n = args.trainees
    with tempfile.TemporaryDirectory(prefix="v6lab-bench-") as tmp_text:
        tmp = Path(tmp_text)
        env = dict(os.environ, V6LAB_STATE_DIR=str(tmp / "state"))
        roster(tmp / "roster.csv", n)
        labs = sorted(p.name for p in (ROOT / "labs").iterdir() if (p / "lab.yaml").is_file())
        seconds = timed(
            [*V6LAB, "variants", *labs, "--roster", str(tmp / "roster.csv"), "--seed", "b",
             "--out", str(tmp / "all"), "--force", "--json"],
            env,
        )  # fmt: skip
        files = [p for p in (tmp / "all").rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        print(f"v6lab variants: {n} trainees × {len(labs)} labs → {len(files):,} files, "
              f"{size / 1e6:.1f} MB in {seconds:.2f} s")  # fmt: skip
        # one lab's class, every trainee hands in (in-process: the trainees' side is not timed)
        subprocess.run(
            [*V6LAB, "variants", LAB, "--roster", str(tmp / "roster.csv"), "--seed", "b",
             "--out", str(tmp / "one")],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        os.environ["V6LAB_STATE_DIR"] = str(tmp / "state")
        from v6plan.lab.cli import main as v6lab

        manifest = json.loads((tmp / "one" / "instructor" / "class.json").read_text())
        handin = tmp / "handed-in"
        handin.mkdir()
        started = time.perf_counter()
        for i, trainee in enumerate(manifest["trainees"]):
            tid = trainee["id"]
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                v6lab(
                    [
                        "start",
                        LAB,
                        "--variant",
                        str(tmp / "one" / "trainees" / tid / f"{LAB}.variant.yaml"),
                    ]
                )
                v6lab(["solve"] if i % 2 else ["solve", "--broken", "1"])
                v6lab(["check", "--report", str(handin / f"{tid}-{LAB}.json")])
                v6lab(["stop"])
        per_trainee = (time.perf_counter() - started) / n
        key = str(tmp / "one" / "instructor")
        plain = timed(
            [*V6LAB, "grade", str(handin), "--key", key, "--out", str(tmp / "g.csv")], env
        )
        replay = timed(
            [*V6LAB, "grade", str(handin), "--key", key, "--out", str(tmp / "r.csv"), "--replay"],
            env,
        )
        print(
            f"one trainee: start + solve + check --report + stop, in-process: {per_trainee * 1000:.0f} ms"
        )
        print(f"v6lab grade, {n} signed files:                  {plain:.2f} s")
        print(f"v6lab grade --replay (re-run every trainee's checks): {replay:.2f} s")
        print(
            f"grading from signed files is {replay / plain:.1f} × faster than re-running the checks"
        )


if __name__ == "__main__":
    main()
