"""Run v6plan's commands as a user would, in a subprocess under a memory cap.

A hostile input must end in our one-line message and exit code 2, inside a bounded amount
of memory: the child runs with RLIMIT_AS (address space) capped, so a reader that
materialises a huge range dies with a MemoryError traceback instead of eating the machine,
and the test sees the traceback. ``os.wait4`` gives the child's own peak RSS.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

#: Address-space cap of every capped command (v6lab with scapy needs about 100 MiB).
CAP_BYTES = 768 << 20
#: Wall-clock guard against a hang (a FIFO with no writer); not a timing assertion.
TIMEOUT = 120


@dataclass
class Run:
    code: int
    out: str
    err: str
    peak_rss_kib: int

    @property
    def text(self) -> str:
        return self.out + self.err


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP_BYTES, CAP_BYTES))


def run_capped(
    program: str, *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: int | None = None
) -> Run:
    """``program args…`` (``v6plan`` or ``v6lab``) in ``cwd`` under :data:`CAP_BYTES`."""
    code = f"import sys; from v6plan{'.lab' if program == 'v6lab' else ''}.cli import main; sys.exit(main())"
    out_file, err_file = cwd / ".capped.out", cwd / ".capped.err"
    hung: list[bool] = []
    with open(out_file, "wb") as out, open(err_file, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=cwd,
            stdout=out,
            stderr=err,
            stdin=stdin if stdin is not None else subprocess.DEVNULL,
            env={**os.environ, "COLUMNS": "200", **(env or {})},
            preexec_fn=_cap,
        )

        def kill() -> None:
            hung.append(True)
            proc.kill()

        timer = threading.Timer(TIMEOUT, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)  # the child's own rusage: its peak RSS
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    if hung:
        raise AssertionError(f"{program} {' '.join(args)} hung for {TIMEOUT} s")
    return Run(
        proc.returncode,
        out_file.read_text(errors="replace"),
        err_file.read_text(errors="replace"),
        usage.ru_maxrss,
    )
