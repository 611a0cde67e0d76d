"""The real programs that read our exports, as test helpers: each asserts the program accepts
a file (radvd --configtest, kea-dhcp6 -t, vtysh --dryrun) or renders a page (Chromium)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .env import need_program

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
)  # fmt: skip


def tool(name: str) -> str:
    """The program's path, through the one guard (which names its Debian package)."""
    return need_program(name)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=120)


# -- radvd ----------------------------------------------------------------------------------------
def radvd_ok(path: Path) -> None:
    radvd = tool("radvd")
    done = run(radvd, "--configtest", f"--config={path}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "syntax ok" in done.stdout + done.stderr


# -- Kea ------------------------------------------------------------------------------------------
def kea_ok(path: Path, netns: str = "") -> None:
    kea = tool("kea-dhcp6")
    args = [kea, "-t", str(path)]
    if netns:
        args = [tool("ip"), "netns", "exec", netns, *args]
    done = run(*args)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


# -- FRR ------------------------------------------------------------------------------------------
def frr_ok(path: Path) -> None:
    vtysh = tool("vtysh")
    done = run(vtysh, "--dryrun", "--inputfile", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def render(html: Path, png: Path, height: int = 2400) -> str:
    chromium = tool("chromium")
    profile = png.parent / f"chromium-profile-{png.stem}"
    done = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size=1280,{height}",
            f"--screenshot={png}",
            html.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr
