"""``v6lab shell NODE`` on the simulator, driven through a pseudo-terminal as a trainee
types: ↑ recalls the previous command, Tab completes commands and interface names."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from v6plan.lab.cli import main
from v6plan.lab.cli._shell import ShellContext

UP = "\x1b[A"


class Terminal:
    """A child process on a pty: ``type`` sends keys, ``wait_for`` reads its screen."""

    def __init__(self, argv: list[str]) -> None:
        self.master, slave = os.openpty()
        env = dict(os.environ, TERM="xterm", COLUMNS="200", LINES="50")
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.screen = ""

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait_for(self, text: str, count: int = 1, seconds: float = 30.0) -> str:
        end = time.monotonic() + seconds
        while self.screen.count(text) < count and time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.screen += os.read(self.master, 65536).decode(errors="replace")
                except OSError:  # the child closed the terminal
                    break
        assert self.screen.count(text) >= count, f"{text!r} ×{count} not in {self.screen!r}"
        return self.screen

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        os.close(self.master)


@pytest.fixture
def sim_shell(capsys: pytest.CaptureFixture[str], lab_state: Path) -> Iterator[Terminal]:
    assert main(["start", "04-lan-addressing", "--backend", "sim"]) == 0
    capsys.readouterr()
    term = Terminal([sys.executable, "-m", "v6plan.lab.cli", "shell", "h1"])
    yield term
    term.close()
    main(["stop"])


def test_up_arrow_recalls_the_previous_command(sim_shell: Terminal) -> None:
    sim_shell.wait_for("h1: a simulated node — it runs hostname, ip, ping")
    sim_shell.wait_for("h1$ ")
    sim_shell.type("hostname\r")
    sim_shell.wait_for("\r\nh1\r\n")
    sim_shell.wait_for("h1$ ", count=2)  # keys typed ahead of the prompt reach no editor
    sim_shell.type(UP + "\r")  # without line editing this runs "\x1b[A" (shown as ^[[A)
    screen = sim_shell.wait_for("\r\nh1\r\n", count=2)
    assert "^[[A" not in screen and "not available" not in screen
    sim_shell.wait_for("h1$ ", count=3)
    sim_shell.type("exit\r")
    assert sim_shell.proc.wait(timeout=10) == 0


def test_history_is_kept_between_shells(sim_shell: Terminal) -> None:
    sim_shell.wait_for("h1$ ")
    sim_shell.type("hostname\r")
    sim_shell.wait_for("h1$ ", count=2)
    sim_shell.type("exit\r")
    assert sim_shell.proc.wait(timeout=10) == 0
    again = Terminal([sys.executable, "-m", "v6plan.lab.cli", "shell", "h1"])
    try:
        again.wait_for("h1$ ")
        again.type(UP + UP + "\r")  # "exit", then "hostname" (bash keeps exit too)
        again.wait_for("\r\nh1\r\n")
        again.type("exit\r")
        assert again.proc.wait(timeout=10) == 0
    finally:
        again.close()


def test_tab_completes_commands_and_interface_names(sim_shell: Terminal) -> None:
    sim_shell.wait_for("h1$ ")
    sim_shell.type("hostn\t\r")
    sim_shell.wait_for("\r\nh1\r\n")
    sim_shell.wait_for("h1$ ", count=2)
    sim_shell.type("ip -6 addr show dev et\t\r")
    screen = sim_shell.wait_for("inet6 fe80::")
    assert "eth0@if" in screen and 'Device "et' not in screen
    sim_shell.wait_for("h1$ ", count=3)
    sim_shell.type("\x04")  # ^D leaves as exit does
    assert sim_shell.proc.wait(timeout=10) == 0


def test_completion_candidates() -> None:
    ctx = ShellContext(
        "h1",
        lambda argv: (0, "", ""),
        commands=["hostname", "ip", "ping"],
        nodes=["h1", "r1"],
        interfaces=["lo", "eth0"],
    )
    assert ctx.candidates("", "p") == ["ping"]
    assert ctx.candidates("", "e") == ["exit"]
    assert ctx.candidates("ping -I ", "e") == ["eth0"]
    assert ctx.candidates("ssh ", "r") == ["r1", "route"]
    assert ctx.candidates("ip ", "ma") == ["maddress"]
