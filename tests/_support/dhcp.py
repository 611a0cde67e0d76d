"""Real DHCPv6 in network namespaces, for the tests: a pair of namespaces joined by a veth,
Kea (``kea-dhcp6``, Debian kea-dhcp6-server) serving one end, ISC ``dhclient -6``
(isc-dhcp-client) asking on the other, each started and stopped by its own PID.

Nothing touches the host's files: Kea's leases, PID and lock files, dhclient's leases, DUID,
configuration and script all live in the test's folder (dhclient's own script would rewrite
/etc/resolv.conf: ours only records what it was given and adds the IA_NA address).
Namespaces are named ``v6pdhcp-<tag>-<random>`` and deleted by name whatever happens.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .env import need, need_programs
from .tools import tool

__all__ = [
    "Daemon",
    "Lease",
    "Link",
    "dhclient",
    "dhcrelay",
    "kea",
    "namespaces",
    "run",
    "veth_link",
]


def run(netns: str, *args: str) -> str:
    """A command in a namespace; its output (a failure asserts, with the output)."""
    done = subprocess.run(
        [tool("ip"), "netns", "exec", netns, *args], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, f"{shlex.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


#: ``(role, interface, role, interface)``: a veth with one end in each role's namespace.
Veth = tuple[str, str, str, str]


@contextmanager
def namespaces(tag: str, roles: tuple[str, ...], veths: list[Veth]) -> Iterator[dict[str, str]]:
    """Fresh namespaces by role (``v6pdhcp-<tag>-<role>-<random>``), DAD off before any
    interface exists, ``lo`` and the veths up with their link-locals usable; every one
    deleted by name on the way out."""
    need(os.geteuid() == 0, "network namespaces need root")
    need_programs("ip", "sysctl")
    ip = tool("ip")
    suffix = uuid.uuid4().hex[:6]
    names = {role: f"v6pdhcp-{tag}-{role}-{suffix}" for role in roles}
    made: list[str] = []
    try:
        for netns in names.values():
            subprocess.run([ip, "netns", "add", netns], check=True, timeout=30)
            made.append(netns)
            run(netns, tool("sysctl"), "-qw", "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0")  # fmt: skip
            run(netns, ip, "link", "set", "lo", "up")
        for role_a, if_a, role_b, if_b in veths:
            subprocess.run(
                [ip, "link", "add", if_a, "netns", names[role_a], "type", "veth",
                 "peer", "name", if_b, "netns", names[role_b]],
                check=True,
                timeout=30,
            )  # fmt: skip
        ends = [(names[r], i) for r_a, i_a, r_b, i_b in veths for r, i in ((r_a, i_a), (r_b, i_b))]
        for netns, name in ends:
            run(netns, ip, "link", "set", name, "up")
        for netns, name in ends:
            _wait_link_local(netns, name)
        yield names
    finally:
        for netns in made:
            subprocess.run([ip, "netns", "del", netns], check=False, timeout=30)


@dataclass
class Link:
    """Two namespaces joined by one veth: ``server``/``client`` and their interface names."""

    server: str
    client: str
    server_if: str
    client_if: str

    def run(self, netns: str, *args: str) -> str:
        return run(netns, *args)


@contextmanager
def veth_link(server_if: str, client_if: str = "wan0", tag: str = "t") -> Iterator[Link]:
    """A server and a client namespace joined by one veth (see :func:`namespaces`)."""
    with namespaces(tag, ("s", "c"), [("s", server_if, "c", client_if)]) as names:
        yield Link(names["s"], names["c"], server_if, client_if)


def _wait_link_local(netns: str, name: str, timeout: float = 10.0) -> None:
    """DHCPv6 speaks from link-local addresses: wait until the interface's is there and
    usable (the kernel adds it once the veth's carrier is up)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = run(netns, tool("ip"), "-6", "addr", "show", "dev", name, "scope", "link")
        if "inet6 fe80:" in shown and "tentative" not in shown:
            return
        assert time.monotonic() < deadline, f"no link-local address on {netns} {name}: {shown}"
        time.sleep(0.05)


@dataclass
class Daemon:
    """A program we started in a namespace (``ip netns exec`` execs it: the PID is its)."""

    name: str
    process: subprocess.Popen[str]
    log: Path
    _out: IO[str] | None = field(default=None, repr=False)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, done: Any, what: str, timeout: float = 30.0) -> None:
        """Poll ``done()`` until true; fail naming ``what`` with the log if it exits or the
        deadline passes."""
        deadline = time.monotonic() + timeout
        while not done():
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.process.returncode}) before {what}:\n{self.text()[-4000:]}")  # fmt: skip
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: no {what} in {timeout:.0f} s:\n{self.text()[-4000:]}")  # fmt: skip
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM to our PID, then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._out is not None:
            self._out.close()


def _start(name: str, netns: str, argv: list[str], log: Path, env: dict[str, str]) -> Daemon:
    out = log.open("w")
    process = subprocess.Popen(
        [tool("ip"), "netns", "exec", netns, *argv],
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **env},
    )
    return Daemon(name, process, log, out)


@contextmanager
def kea(netns: str, config: dict[str, Any], directory: Path) -> Iterator[Daemon]:
    """``kea-dhcp6 -c`` on ``config`` (a ``{"Dhcp6": …}`` document, e.g. v6plan's export)
    with its leases, PID and lock files moved into ``directory``; up once it says started."""
    binary = tool("kea-dhcp6")
    directory.mkdir(parents=True, exist_ok=True)
    dhcp6 = config["Dhcp6"]
    dhcp6["lease-database"] = {
        "type": "memfile",
        "name": str(directory / "kea-leases6.csv"),
        "lfc-interval": 0,
    }
    dhcp6["server-id"] = {"type": "LLT", "persist": False}  # not into /var/lib/kea
    path = directory / "kea-dhcp6.json"
    path.write_text(json.dumps(config, ensure_ascii=False, indent=1))
    env = {"KEA_PIDFILE_DIR": str(directory), "KEA_LOCKFILE_DIR": str(directory)}
    daemon = _start("kea-dhcp6", netns, [binary, "-c", str(path)], directory / "kea.log", env)
    try:
        daemon.wait_for(lambda: "DHCP6_STARTED" in daemon.text(), "DHCP6_STARTED")
        yield daemon
    finally:
        daemon.stop()


@dataclass
class Lease:
    """What the client was given: IA_NA addresses and IA_PD prefixes (RFC 5952 text)."""

    addresses: list[str]
    prefixes: list[str]


_SCRIPT = """#!/bin/sh
# dhclient's script for the tests: record what was bound; add the IA_NA address (no
# resolv.conf, no routes: nothing outside the namespace changes).
case "$reason" in
  BOUND6|RENEW6|REBIND6|REBOOT6)
    echo "$reason address=$new_ip6_address prefix=$new_ip6_prefix" >> "{log}"
    if [ -n "$new_ip6_address" ]; then
      {ip} -6 addr replace "$new_ip6_address/128" dev "$interface" nodad \\
        valid_lft "${{new_max_life:-forever}}" preferred_lft "${{new_preferred_life:-forever}}"
    fi ;;
  *) echo "$reason" >> "{log}" ;;
esac
exit 0
"""


@contextmanager
def dhclient(
    netns: str,
    interface: str,
    directory: Path,
    na: bool = True,
    pd: bool = True,
    timeout: float = 40.0,
) -> Iterator[tuple[Daemon, Lease]]:
    """``dhclient -6`` on ``interface`` of ``netns``, in the foreground (our PID), asking for
    an address (``-N``) and/or a prefix (``-P``); yields once every IA asked for is bound."""
    binary = tool("dhclient")
    directory.mkdir(parents=True, exist_ok=True)
    bound = directory / "bound.log"
    script = directory / "dhclient-script"
    script.write_text(_SCRIPT.format(log=bound, ip=tool("ip")))
    script.chmod(0o755)
    (directory / "dhclient.conf").write_text("")
    argv = [binary, "-6", "-d", "-v"]
    argv += ["-N"] if na else []
    argv += ["-P"] if pd else []
    argv += [
        "-cf", str(directory / "dhclient.conf"),
        "-lf", str(directory / "dhclient6.leases"),
        "-pf", str(directory / "dhclient6.pid"),
        "-sf", str(script),
        interface,
    ]  # fmt: skip
    daemon = _start("dhclient", netns, argv, directory / "dhclient.log", {})

    def lease() -> Lease:
        text = bound.read_text() if bound.exists() else ""
        found = [dict(w.split("=", 1) for w in line.split()[1:]) for line in text.splitlines() if line.startswith(("BOUND6", "REBOOT6"))]  # fmt: skip
        return Lease(
            [f["address"] for f in found if f.get("address")],
            [f["prefix"] for f in found if f.get("prefix")],
        )

    try:
        daemon.wait_for(
            lambda: bool(lease().addresses or not na) and bool(lease().prefixes or not pd),
            "lease (BOUND6)",
            timeout,
        )
        yield daemon, lease()
    finally:
        daemon.stop()


@contextmanager
def dhcrelay(netns: str, lower: str, upper: str, directory: Path) -> Iterator[Daemon]:
    """ISC ``dhcrelay -6`` (isc-dhcp-relay) in the foreground: clients on ``lower``
    (``LINK-ADDRESS%IFACE``: the link-address it writes into Relay-forward), the server
    at ``upper`` (``SERVER%IFACE``); up once it has opened its interfaces."""
    binary = tool("dhcrelay")
    directory.mkdir(parents=True, exist_ok=True)
    argv = [binary, "-6", "-d", "--no-pid", "-l", lower, "-u", upper]
    daemon = _start("dhcrelay", netns, argv, directory / "dhcrelay.log", {})
    try:
        lower_if = lower.rpartition("%")[2]
        daemon.wait_for(lambda: f"/{lower_if}" in daemon.text(), f"listening on {lower_if}")
        yield daemon
    finally:
        daemon.stop()
