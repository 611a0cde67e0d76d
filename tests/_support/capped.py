"""Run v6plan's commands as a user would, in a subprocess under a memory cap.

A hostile input must end in our one-line message and exit code 2, inside a bounded amount
of memory: the child caps its own address space (RLIMIT_AS) before it imports v6plan, so
a reader that materialises a huge range dies with a MemoryError traceback instead of
eating the machine, and the test sees the traceback. The child reports its peak resident
memory (VmHWM of its own image: what the command used, not the test process it came from).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: Address-space cap of every capped command (v6lab with scapy needs about 100 MiB).
CAP_BYTES = 768 << 20
#: Wall-clock guard against a hang (a FIFO with no writer); not a timing assertion.
TIMEOUT = 120

_CHILD = """\
import atexit, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
def _peak():
    with open("/proc/self/status") as status, open({peak!r}, "w") as out:
        out.write(next(l for l in status if l.startswith("VmHWM:")).split()[1])
atexit.register(_peak)
from v6plan{module}.cli import main
sys.exit(main())
"""


@dataclass
class Run:
    code: int
    out: str
    err: str
    #: peak resident memory of the command, KiB
    peak_rss_kib: int

    @property
    def text(self) -> str:
        return self.out + self.err


def run_capped(
    program: str, *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: int | None = None
) -> Run:
    """``program args…`` (``v6plan`` or ``v6lab``) in ``cwd`` under :data:`CAP_BYTES`."""
    peak_file = cwd / ".capped.peak"
    peak_file.unlink(missing_ok=True)
    code = _CHILD.format(
        cap=CAP_BYTES, peak=str(peak_file), module=".lab" if program == "v6lab" else ""
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=cwd,
            capture_output=True,
            stdin=stdin if stdin is not None else subprocess.DEVNULL,
            env={**os.environ, "COLUMNS": "200", **(env or {})},
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{program} {' '.join(args)} hung for {TIMEOUT} s") from None
    peak = int(peak_file.read_text()) if peak_file.is_file() else 0
    return Run(
        proc.returncode,
        proc.stdout.decode(errors="replace"),
        proc.stderr.decode(errors="replace"),
        peak,
    )
