"""The external programs v6plan and its tests run, and the Debian package of each.

One table, used by the netns backend (``v6lab start --backend netns`` refuses before
building anything when a program the lab declares is missing, and ``v6lab exec`` of a
missing program names its package), by the lab loader (a lab's ``programs:`` must be
programs this table knows) and by the tests' one guard (``need_program`` in
tests/support.py). ``.ci/apt-packages`` lists every package here (a test checks it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from typing import Final

__all__ = [
    "PROGRAMS",
    "find_program",
    "install_command",
    "missing_message",
    "missing_programs",
    "package_of",
    "refuse_missing",
]

#: program → the Debian package that installs it
PROGRAMS: Final[dict[str, str]] = {
    "ip": "iproute2",
    "ping": "iputils-ping",
    "traceroute": "traceroute",
    "rdisc6": "ndisc6",
    "tcpdump": "tcpdump",
    "nft": "nftables",
    "radvd": "radvd",
    "sysctl": "procps",
    "hostname": "hostname",
    "named-checkzone": "bind9-utils",
    "named-checkconf": "bind9-utils",
    "kea-dhcp6": "kea-dhcp6-server",
    "dhclient": "isc-dhcp-client",
    "dhcrelay": "isc-dhcp-relay",
    "named": "bind9",
    "dig": "bind9-dnsutils",
    "vtysh": "frr",
    "chromium": "chromium",
    "tmux": "tmux",
}
#: Daemons and admin tools live in sbin, which an ordinary user's PATH may lack.
_SBIN: Final = ("/usr/local/sbin", "/usr/sbin", "/sbin")


def package_of(program: str) -> str:
    """The Debian package of ``program`` (KeyError for a program the table does not know:
    add it to :data:`PROGRAMS` and to .ci/apt-packages)."""
    return PROGRAMS[program]


def find_program(program: str, sbin: bool = True) -> str | None:
    """The path ``program`` runs from: on PATH, else (``sbin``) in an sbin directory that an
    ordinary user's PATH may lack; None if it is not installed."""
    found = shutil.which(program)
    if found is None and sbin:
        found = shutil.which(program, path=os.pathsep.join(_SBIN))
    return found


def missing_programs(programs: Iterable[str], sbin: bool = True) -> list[str]:
    """The programs of ``programs`` that are not installed, in order, each once;
    ``sbin=False``: not on PATH (what runs them by name, as ``ip netns exec`` does, needs)."""
    return [p for p in dict.fromkeys(programs) if find_program(p, sbin) is None]


def install_command(programs: Iterable[str]) -> str:
    """``sudo apt-get install PKG …`` for the packages of ``programs`` (each once)."""
    packages = dict.fromkeys(PROGRAMS.get(p, p) for p in programs)
    return "sudo apt-get install " + " ".join(packages)


def missing_message(programs: Iterable[str], what: str) -> str:
    """One sentence naming each missing program, its package and the command that
    installs them all: ``what`` says who needs them ("this lab needs")."""
    names = list(dict.fromkeys(programs))
    listed = ", ".join(f"{p} (Debian package {PROGRAMS[p]})" if p in PROGRAMS else p for p in names)
    which, them = ("which is", "it") if len(names) == 1 else ("which are", "them")
    return f"{what} {listed}, {which} not installed here — install {them}: {install_command(names)}"


def refuse_missing(missing: list[str], what: str = "this lab runs") -> None:
    """Raise :class:`~._errors.MissingProgramsError` naming ``missing`` (if any) and the
    ``apt-get`` command that installs their packages."""
    if missing:
        from .._errors import MissingProgramsError

        raise MissingProgramsError(missing_message(missing, what), list(missing))
