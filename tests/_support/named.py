"""A real ``named`` (Debian bind9) serving a folder of zones on loopback, for the tests, and
``dig`` (bind9-dnsutils) asking it: started on a free port as a plain authoritative server
(no recursion, no rndc control channel, every file in the test's folder) and stopped by its
PID whatever happens.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .env import need_programs
from .tools import tool

__all__ = ["Named", "named"]


def _free_port() -> int:
    """A UDP and TCP port free on 127.0.0.1 now (named binds both)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port


def _running(log: str) -> bool:
    """named says "all zones loaded", then "running" (its first line says "running as")."""
    _, loaded, after = log.partition("all zones loaded")
    return bool(loaded) and "running" in after


@dataclass
class Named:
    port: int
    log: Path

    def ask(self, queries: list[str]) -> list[tuple[str, str, str]]:
        """``dig`` once for many queries (``NAME TYPE`` or ``-x ADDRESS`` per line): the
        ``(owner, type, data)`` of every answer record, owners and targets lower case."""
        batch = self.log.parent / "queries.txt"
        batch.write_text("".join(f"{q}\n" for q in queries))
        done = subprocess.run(
            [tool("dig"), "@127.0.0.1", "-p", str(self.port), "+noall", "+answer",
             "+norecurse", "+tries=2", "+time=5", "-f", str(batch)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        answers = []
        for line in done.stdout.splitlines():
            if line and not line.startswith(";"):
                owner, _ttl, _class, rtype, data = line.split(None, 4)
                answers.append((owner.lower(), rtype, data.strip().lower()))
        return answers


@contextmanager
def named(zones: Path, include: str = "named.conf.zones") -> Iterator[Named]:
    """``named -g`` on the zones of ``zones`` (its ``named.conf.zones`` included), up once
    every zone is loaded; the server's own files stay in that folder."""
    need_programs("named", "dig")
    port = _free_port()
    conf = zones / "named-test.conf"
    conf.write_text(
        f"""options {{
    directory "{zones}";
    pid-file "{zones}/named.pid";
    session-keyfile "{zones}/session.key";
    managed-keys-directory "{zones}";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    allow-query {{ 127.0.0.1; }};
    notify no;
}};
controls {{ }};
include "{zones}/{include}";
"""
    )
    log = zones / "named.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [tool("named"), "-g", "-n", "1", "-c", str(conf)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while not _running(text := log.read_text(errors="replace")):
                assert process.poll() is None, f"named exited ({process.returncode}):\n{text[-4000:]}"  # fmt: skip
                assert time.monotonic() < deadline, f"named not running in 30 s:\n{text[-4000:]}"
                time.sleep(0.05)
            assert "not loaded due to errors" not in text, text[-4000:]
            yield Named(port, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
