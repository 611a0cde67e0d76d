"""The ``netns`` backend: real network namespaces and veth pairs on the Linux kernel.

Build (measured in benchmarks/bench_lab.py): one ``ip -batch`` makes the namespaces;
sysctls are written through ``/proc/sys`` from inside each namespace (setns) before any
interface exists; one more ``ip -batch`` makes every veth pair with both ends already in
their namespaces; then one ``ip -n NS -batch`` per node (run in parallel) brings ``lo``
and the links up and applies the setup commands, links before addresses. Readiness is
polled over netlink (operstate up, a link-local, nothing ``tentative``; ``dadfailed``
stops the wait) against a deadline — never a fixed sleep. radvd runs per router with its
own config and pidfile in the session's workdir and is stopped by PID.

Every namespace is called ``v6lab-<session>-<node>``, so :func:`cleanup` finds what a
killed process left behind, and two sessions never collide.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

from ...._calc import modified_eui64
from ...._prefix import format_address, parse_address
from ..._errors import AdvertError, BackendError, LabError
from .. import _wire as w
from .._backend import (
    BRIDGE_AGEING,
    NAMESPACE_PREFIX,
    READY_DEADLINE,
    SETTLE_POLL,
    SLAAC_DEADLINE,
    Address,
    Backend,
    CommandResult,
    Interface,
    Neighbour,
    NeighbourState,
    NodeSpec,
    Route,
    RouteKind,
    RouterAdvert,
    TopologySpec,
    interface_macs,
    linked_interfaces,
    namespace_name,
    node_sysctls,
    radvd_text,
    reported_address,
    router_advert,
    switch_namespace,
    sysctl_interface,
)
from .._programs import (
    PROGRAMS,
    find_program,
    install_command,
    missing_message,
    missing_programs,
    refuse_missing,
)
from ._netlink import (
    IFA_FLAG_NAMES,
    NTF_ROUTER,
    NUD_NAMES,
    NUD_NOARP,
    PROTOCOLS,
    RT_TABLE_MAIN,
    NetlinkReader,
)
from ._nsenter import NETNS_RUN_DIR, in_netns

__all__ = ["NetnsBackend", "available", "cleanup", "radvd_conf"]

#: One file per running session, naming the workdir of the user's session that owns it, so
#: a machine-wide ``cleanup()`` removes leftovers but never another user's running lab.
OWNERS_DIR = Path("/run/v6lab/owners")
_SESSION = re.compile(r"^[a-z0-9]{1,6}$")
IFA_F_TENTATIVE = 0x40
#: the route types (rtm_type) the checks see: RTN_UNICAST, RTN_BLACKHOLE, RTN_UNREACHABLE,
#: RTN_PROHIBIT (local, broadcast … are not in the main table)
ROUTE_KINDS: dict[int, RouteKind] = {1: "unicast", 6: "blackhole", 7: "unreachable", 8: "prohibit"}
IFA_F_DADFAILED = 0x08
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
ICMP6_FILTER = 1


def available() -> str:
    """Why this backend cannot run here ('' when it can)."""
    if not sys.platform.startswith("linux"):
        return f"network namespaces need Linux (this is {sys.platform}); use --backend sim"
    if os.geteuid() != 0:
        return (
            "creating network namespaces needs root: run the lab with sudo, or use the "
            "simulator (--backend sim), which needs none"
        )
    if find_program("ip", sbin=False) is None:
        return missing_message(["ip"], "the netns backend runs")
    return ""


def _unavailable() -> str:
    """:func:`available`, said as the ``v6lab`` command to run instead."""
    if not sys.platform.startswith("linux"):
        return (
            f"the netns backend needs Linux network namespaces; this is {sys.platform}. "
            "Use the simulator: v6lab start LAB (it is the default, --backend sim)"
        )
    if os.geteuid() != 0:
        return (
            "the netns backend needs root to create network namespaces: run "
            "`sudo v6lab start LAB --backend netns` (and sudo for every v6lab command of that "
            "lab), or use the simulator, which needs no root: `v6lab start LAB`"
        )
    return available()  # the backend's own reasons (a missing `ip` command …)


class NetnsBackend(Backend):
    """A topology on the kernel: one network namespace per node, one veth pair per link."""

    name: ClassVar[str] = "netns"
    persistent: ClassVar[bool] = True
    applies_setup: ClassVar[bool] = True

    def __init__(self, session: str, workdir: Path) -> None:
        if not _SESSION.match(session):
            raise BackendError(
                f"session tag {session!r} must be 1–6 lower-case letters or digits "
                "(it prefixes every namespace name)"
            )
        super().__init__(session, Path(workdir))
        self.topology: TopologySpec | None = None
        self._readers: dict[str, NetlinkReader] = {}
        self._l3: dict[str, tuple[socket.socket, socket.socket]] = {}
        self._l2: dict[tuple[str, str], socket.socket] = {}

    def namespace(self, node: str) -> str:
        """The kernel namespace of ``node`` (for ``ip netns exec``, ``v6lab shell``)."""
        return namespace_name(self.session, node)

    def shell_command(self, node: str, shell: str | None = None) -> list[str]:
        """argv that opens an interactive shell inside the node (``v6lab shell``)."""
        self._check_node(node)
        return self._in_node(node, [shell or os.environ.get("SHELL", "/bin/bash")])

    def _in_node(self, node: str, argv: list[str]) -> list[str]:
        """``argv`` inside the node's namespace, with the node's name as its hostname
        (a UTS namespace of its own, so ``hostname`` answers as on the simulator)."""
        setname = 'hostname "$0" && exec "$@"'
        netns = ["ip", "netns", "exec", self.namespace(node)]
        return [*netns, "unshare", "--uts", "--", "sh", "-c", setname, node, *argv]

    def shell_argv(self, node: str) -> list[str]:
        """The kernel's own shell inside the node's namespace (:meth:`shell_command`)."""
        return self.shell_command(node)

    @classmethod
    def unavailable(cls) -> str:
        return _unavailable()

    @classmethod
    def sweep(cls, session: str | None = None, workdir: Path | None = None) -> list[str]:
        """:func:`cleanup`: namespaces, the processes inside them, radvd by pidfile."""
        return cleanup(session, workdir)

    @classmethod
    def missing_programs(cls, topology: TopologySpec) -> list[str]:
        """What the lab runs on its nodes (``topology.programs``) and what this backend
        runs itself — ``ip``, and ``radvd`` where a router advertises — that is not installed."""
        own = ["ip"] + (["radvd"] if any(n.advertise for n in topology.nodes) else [])
        return missing_programs([*own, *topology.programs], sbin=False)  # run by name

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self, topology: TopologySpec, progress: Callable[[str], None] | None = None) -> None:
        problem = available()
        if problem:
            raise BackendError(problem)
        say = progress or (lambda _text: None)
        self.stop()
        self.topology = topology
        self.workdir.mkdir(parents=True, exist_ok=True)
        _claim(self.session, self.workdir)
        adverts = self._adverts(topology)
        try:
            names = [self.namespace(n.name) for n in topology.nodes]
            _ip_batch([f"netns add {name}" for name in names])
            for spec in topology.nodes:
                self._write_sysctls(spec)
            say(f"created {len(names)} namespaces")
            macs = interface_macs(topology)
            lines = []
            for link in topology.links:
                (na, ia), (nb, ib) = link.a, link.b
                for node, ifname in (link.a, link.b):
                    if len(ifname) > 15:
                        raise BackendError(
                            f"interface name {node}:{ifname} is longer than 15 characters"
                        )
                lines.append(
                    f"link add {ia} netns {self.namespace(na)} address {macs[link.a]} type veth "
                    f"peer name {ib} netns {self.namespace(nb)} address {macs[link.b]}"
                )
            lines += self._segment_veths(topology, macs)
            if lines:
                _ip_batch(lines)
            shared = f" ({len(topology.segments)} shared segments)" if topology.segments else ""
            say(f"linked them with {len(lines)} veth pairs{shared}")
            self._bridge_ports(topology)
            for spec in topology.nodes:
                self._write_sysctls(spec, interfaces=True)
            self._configure(topology)
            say("links up, setup applied")
            self.wait_ready()
            say("every link up and every address usable")
            for node, per_iface in adverts.items():
                self._start_radvd(node, per_iface)
            if adverts:
                say(f"radvd running on {', '.join(adverts)}")
                self._wait_slaac(topology, adverts)
        except BaseException:
            self.stop()
            raise

    def attach(self, topology: TopologySpec) -> None:
        problem = available()
        if problem:
            raise BackendError(problem)
        wanted = [self.namespace(n.name) for n in topology.nodes]
        wanted += [switch_namespace(self.session)] if topology.segments else []
        missing = [name for name in wanted if not (NETNS_RUN_DIR / name).exists()]
        if missing:
            raise BackendError(
                f"the lab's namespaces are gone ({', '.join(missing)}); "
                "run `v6lab stop` and start the lab again"
            )
        self.topology = topology

    def stop(self) -> None:
        """Stop radvd (by pidfile), close sockets, delete this session's namespaces."""
        for sock in [s for pair in self._l3.values() for s in pair] + list(self._l2.values()):
            sock.close()
        for reader in self._readers.values():
            reader.close()
        self._l3.clear()
        self._l2.clear()
        self._readers.clear()
        _stop_pidfiles(self.workdir.glob("radvd-*.pid") if self.workdir.exists() else [])
        _remove_namespaces(namespace_name(self.session, ""))
        _release(self.session)

    # -- segments ----------------------------------------------------------------------------------
    def _segment_veths(self, topology: TopologySpec, macs: dict[tuple[str, str], str]) -> list[str]:
        """The switch namespace (``v6lab-<session>--sw``, IPv6 off so the bridges send
        nothing of their own), a bridge per segment, and the ``ip -batch`` lines of a veth
        per member: its end in the member's namespace, its peer a port in the switch's."""
        if not topology.segments:
            return []
        switch = switch_namespace(self.session)
        _ip_batch([f"netns add {switch}"])
        with in_netns(switch):
            for scope in ("all", "default"):
                Path(f"/proc/sys/net/ipv6/conf/{scope}/disable_ipv6").write_text("1\n")
        bridges = [
            # STP off and no forward delay: a port forwards at once, as the sim's switch;
            # snooping off: every multicast floods (no querier here to make snooping sound)
            f"link add br-{seg.name} type bridge stp_state 0 forward_delay 0 mcast_snooping 0"
            f" ageing_time {round(BRIDGE_AGEING * 100)}"  # in hundredths of a second
            for seg in topology.segments
        ]
        self._in_switch(bridges)
        lines = []
        for seg in topology.segments:
            for i, (node, ifname) in enumerate(seg.members):
                if len(ifname) > 15:
                    raise BackendError(
                        f"interface name {node}:{ifname} is longer than 15 characters"
                    )
                lines.append(
                    f"link add {ifname} netns {self.namespace(node)} address {macs[(node, ifname)]}"
                    f" type veth peer name {seg.name}.{i} netns {switch}"
                )
        return lines

    def _bridge_ports(self, topology: TopologySpec) -> None:
        """Every member's port into its bridge, up; then the bridges up."""
        lines = [
            f"link set {seg.name}.{i} master br-{seg.name} up"
            for seg in topology.segments
            for i in range(len(seg.members))
        ]
        lines += [f"link set br-{seg.name} up" for seg in topology.segments]
        if lines:
            self._in_switch(lines)

    def _in_switch(self, lines: list[str]) -> None:
        result = subprocess.run(
            ["ip", "-n", switch_namespace(self.session), "-batch", "-"],
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode != 0:
            raise BackendError(f"building the segments failed: {result.stderr.strip()}")

    # -- configuration -------------------------------------------------------------------------------
    def _adverts(self, topology: TopologySpec) -> dict[str, dict[str, RouterAdvert]]:
        out: dict[str, dict[str, RouterAdvert]] = {}
        linked = set(linked_interfaces(topology))
        for spec in topology.nodes:
            for ifname, options in spec.advertise.items():
                if (spec.name, ifname) not in linked:
                    raise BackendError(
                        f"{spec.name} advertises on {ifname}, which it does not have"
                    )
                try:
                    out.setdefault(spec.name, {})[ifname] = router_advert(options)
                except AdvertError as exc:
                    raise BackendError(f"{spec.name}:{ifname}: {exc}") from None
        return out

    def _write_sysctls(self, spec: NodeSpec, interfaces: bool = False) -> None:
        """The node's sysctls: those naming an interface (``interfaces``: once the links
        exist, before they are up) or the others (before any interface exists)."""
        sysctls = {
            k: v
            for k, v in node_sysctls(spec).items()
            if (sysctl_interface(k) is not None) == interfaces
        }
        if not sysctls:
            return
        with in_netns(self.namespace(spec.name)):
            for key, value in sysctls.items():
                path = Path("/proc/sys") / key.replace(".", "/")
                try:
                    path.write_text(f"{value}\n")
                except OSError as exc:
                    raise BackendError(
                        f"{spec.name}: sysctl {key}={value}: {exc.strerror}"
                    ) from None

    def _configure(self, topology: TopologySpec) -> None:
        """One ``ip -n NS -batch`` per node, in parallel: lo and links up, then setup."""
        ifaces: dict[str, list[str]] = {n.name: [] for n in topology.nodes}
        for node, ifname in linked_interfaces(topology):
            ifaces[node].append(ifname)
        jobs: list[tuple[str, list[tuple[str, ...] | None], subprocess.Popen[bytes]]] = []
        later: dict[str, list[tuple[str, ...]]] = {}
        for spec in topology.nodes:
            lines = ["link set lo up"] + [f"link set {i} up" for i in ifaces[spec.name]]
            origin: list[tuple[str, ...] | None] = [None] * len(lines)
            commands = [tuple(c) for c in topology.setup.get(spec.name, ())]
            batchable = all(_batch_line(c) is not None for c in commands)
            if batchable:
                for command in commands:
                    lines.append(str(_batch_line(command)))
                    origin.append(command)
            else:
                later[spec.name] = commands
            proc = subprocess.Popen(
                ["ip", "-6", "-force", "-n", self.namespace(spec.name), "-batch", "-"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            assert proc.stdin is not None
            proc.stdin.write(("\n".join(lines) + "\n").encode())
            proc.stdin.close()
            jobs.append((spec.name, origin, proc))
        failures = []
        for node, origin, proc in jobs:
            assert proc.stderr is not None
            err = proc.stderr.read()
            proc.stderr.close()
            if proc.wait() != 0:
                failures.append(_batch_failure(node, origin, err.decode(errors="replace")))
        if failures:
            raise BackendError("; ".join(failures))
        for node, commands in later.items():
            for command in commands:
                result = self.exec(node, list(command))
                if result.returncode != 0:
                    raise BackendError(
                        f"setting up {node} failed: `{' '.join(command)}` → "
                        f"{(result.stderr or result.stdout).strip()}"
                    )

    def wait_ready(self, deadline: float = READY_DEADLINE) -> None:
        """Poll until every linked interface is up with a usable link-local and no address
        is tentative (a ``dadfailed`` one ends the wait for it); BackendError at the deadline."""
        assert self.topology is not None
        expected: dict[str, set[str]] = {n.name: set() for n in self.topology.nodes}
        for node, ifname in linked_interfaces(self.topology):
            expected[node].add(ifname)
        pending = set(expected)
        last_reason: dict[str, str] = {}
        end = time.monotonic() + deadline
        while True:
            for node in sorted(pending):
                reason = self._not_ready(node, expected[node])
                if reason:
                    last_reason[node] = reason
                else:
                    pending.discard(node)
            if not pending:
                return
            if time.monotonic() > end:
                detail = "; ".join(f"{n}: {last_reason[n]}" for n in sorted(pending))
                raise BackendError(
                    f"the topology did not become ready within {deadline:g} s ({detail})"
                )
            time.sleep(0.002)

    def _not_ready(self, node: str, ifnames: set[str]) -> str:
        reader = self._reader(node)
        links = {link.index: link for link in reader.links()}
        by_name = {link.name: link for link in links.values()}
        addrs = reader.addresses()
        for ifname in sorted(ifnames):
            link = by_name.get(ifname)
            if link is None:
                return f"{ifname} missing"
            if not link.up:
                return f"{ifname} not up"
            lls = [a for a in addrs if a.index == link.index and w.is_link_local(a.address)]
            if not lls:
                return f"{ifname} has no link-local yet"
        for a in addrs:
            if a.flags & IFA_F_TENTATIVE and not a.flags & IFA_F_DADFAILED:
                name = links[a.index].name if a.index in links else str(a.index)
                return f"{format_address(a.address)} on {name} is tentative"
        return ""

    def _start_radvd(self, node: str, per_iface: dict[str, RouterAdvert]) -> None:
        refuse_missing(missing_programs(["radvd"], sbin=False), f"{node} advertises with")
        conf = self.workdir / f"radvd-{node}.conf"
        pidfile = self.workdir / f"radvd-{node}.pid"
        log = self.workdir / f"radvd-{node}.log"
        conf.write_text(radvd_conf(per_iface))
        conf.chmod(0o644)
        pidfile.unlink(missing_ok=True)
        result = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                self.namespace(node),
                "radvd",
                "-C",
                str(conf),
                "-p",
                str(pidfile),
                "-m",
                "logfile",
                "-l",
                str(log),
            ],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if result.returncode != 0:
            raise BackendError(
                f"radvd on {node} failed to start: {(result.stderr or result.stdout).strip()}"
            )
        end = time.monotonic() + 3.0
        while _pid_from(pidfile) is None:
            if time.monotonic() > end:
                tail = log.read_text(errors="replace")[-400:] if log.exists() else ""
                raise BackendError(f"radvd on {node} wrote no pidfile within 3 s {tail}".strip())
            time.sleep(0.002)

    def _wait_slaac(
        self, topology: TopologySpec, adverts: dict[str, dict[str, RouterAdvert]]
    ) -> None:
        """Wait (best effort) for the SLAAC addresses the hosts will form: prefix + EUI-64."""
        macs = interface_macs(topology)
        want: dict[str, set[int]] = {}
        wired = [(link.a, link.b) for link in topology.links] + [
            (m, o) for seg in topology.segments for m in seg.members for o in seg.members if m != o
        ]
        for near, far in wired:
            for (rnode, rif), (hnode, hif) in ((near, far), (far, near)):
                advert = adverts.get(rnode, {}).get(rif)
                iid = (
                    self._slaac_iid(hnode, hif, macs[(hnode, hif)]) if advert is not None else None
                )
                if advert is None or not advert.autonomous or iid is None:
                    continue
                for net, length in advert.prefixes:
                    if length == 64 and advert.valid > 0:
                        want.setdefault(hnode, set()).add(net | iid(net))
        end = time.monotonic() + SLAAC_DEADLINE
        while want and time.monotonic() < end:
            for node in list(want):
                have = {
                    a.address
                    for a in self._reader(node).addresses()
                    if not a.flags & IFA_F_TENTATIVE
                }
                if want[node] <= have:
                    del want[node]
            if want:
                time.sleep(0.002)

    def _slaac_iid(self, node: str, ifname: str, mac: str) -> Callable[[int], int] | None:
        """How ``node:ifname`` will make SLAAC addresses (EUI-64 or RFC 7217), or None
        when it will not (RA not accepted, autoconf off, random IIDs)."""
        try:
            conf = {
                k: int(self.sysctl(node, f"net.ipv6.conf.{ifname}.{k}"))
                for k in ("accept_ra", "forwarding", "autoconf", "addr_gen_mode")
            }
        except (LabError, ValueError):
            return None
        accepts = conf["accept_ra"] > 1 if conf["forwarding"] else conf["accept_ra"] > 0
        if not accepts or conf["autoconf"] <= 0:
            return None
        if conf["addr_gen_mode"] == 0:
            return lambda _net: modified_eui64(mac)
        if conf["addr_gen_mode"] == 2:
            try:
                secret = parse_address(self.sysctl(node, f"net.ipv6.conf.{ifname}.stable_secret"))
            except (LabError, ValueError):
                return None
            return lambda net: w.stable_iid(secret, net)
        return None

    # -- commands and time -------------------------------------------------------------------------------
    def exec(self, node: str, argv: list[str], timeout: float = 10.0) -> CommandResult:
        """Run the real command in the node's namespace; at the timeout it gets SIGINT
        (so ping prints its statistics), then SIGKILL."""
        self._check_node(node)
        if not argv:
            return CommandResult(2, "", "no command given\n")
        if "/" not in argv[0] and find_program(argv[0], sbin=False) is None:  # as `ip netns exec`
            return CommandResult(127, "", _not_installed(argv[0]))
        proc = subprocess.Popen(
            self._in_node(node, argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
            try:
                out, err = proc.communicate(timeout=2.0)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                out, err = proc.communicate()
        return CommandResult(
            proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")
        )

    def advance(self, seconds: float) -> None:
        """Real time passes by itself; waiting is what the caller asked for."""
        if seconds > 0:
            time.sleep(seconds)

    def settle(self, condition: Callable[[], bool], within: float) -> bool:
        """The kernel's timers run by themselves: poll ``condition`` against a real-time
        deadline (every :data:`SETTLE_POLL` s, never one long sleep)."""
        end = time.monotonic() + within
        while not condition():
            left = end - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(SETTLE_POLL, left))
        return True

    # -- state -----------------------------------------------------------------------------------------------
    def interfaces(self, node: str) -> list[Interface]:
        return [
            Interface(link.name, link.mac, link.up, link.mtu) for link in self._reader(node).links()
        ]

    def addresses(self, node: str) -> list[Address]:
        reader = self._reader(node)
        names = {link.index: link.name for link in reader.links()}
        out = []
        for a in reader.addresses():
            flags = [name for bit, name in IFA_FLAG_NAMES.items() if a.flags & bit]
            out.append(
                reported_address(names.get(a.index, str(a.index)), a.address, a.length, flags)
            )
        return out

    def routes(self, node: str) -> list[Route]:
        reader = self._reader(node)
        names = {link.index: link.name for link in reader.links()}
        return [
            Route(
                r.dst,
                r.length,
                r.gateway,
                names.get(r.oif) if r.oif is not None else None,
                PROTOCOLS.get(r.protocol, "unknown"),
                r.metric,
                ROUTE_KINDS[r.kind],
            )
            for r in reader.routes()
            if r.table == RT_TABLE_MAIN and r.kind in ROUTE_KINDS
        ]

    def neighbours(self, node: str) -> list[Neighbour]:
        reader = self._reader(node)
        names = {link.index: link.name for link in reader.links()}
        out = []
        for n in reader.neighbours():
            if n.state & NUD_NOARP or n.state == 0 or names.get(n.index) == "lo":
                continue
            state: NeighbourState = next(
                (name for bit, name in NUD_NAMES.items() if n.state & bit), "NONE"
            )
            out.append(Neighbour(n.address, names.get(n.index, str(n.index)), n.lladdr, state))
        _ = NTF_ROUTER
        return out

    def sysctl(self, node: str, key: str) -> str:
        self._check_node(node)
        path = Path("/proc/sys") / key.replace(".", "/")
        try:
            with in_netns(self.namespace(node)):
                return path.read_text().strip()
        except OSError as exc:
            raise LabError(f"sysctl: cannot read {key} on {node}: {exc.strerror}") from None

    # -- probes -----------------------------------------------------------------------------------------------
    def send_l3(
        self, node: str, packets: list[bytes], timeout: float = 1.0, ifname: str | None = None
    ) -> list[bytes]:
        send, recv = self._l3_sockets(node)
        links = self._reader(node).links()
        index = {link.name: link.index for link in links}
        _drain(recv)
        pending: set[tuple[int, int]] = set()
        for packet in packets:
            dst = w.from16(packet[24:40])
            scope = 0
            if w.is_link_local(dst) or (w.is_multicast(dst) and (dst >> 112) & 0xF <= 2):
                name = ifname or next(
                    (link.name for link in links if link.name != "lo" and link.up), "lo"
                )
                scope = index.get(name, 0)
            key = w.echo_key(packet)
            if key is not None:
                pending.add(key)
            try:
                send.sendto(bytes(packet), (format_address(dst), 0, 0, scope))
            except OSError:
                if key is not None:
                    pending.discard(key)  # the kernel refused it (no route): nothing will come
        expect_all = all(w.echo_key(p) is not None for p in packets)
        received: list[bytes] = []
        end = time.monotonic() + timeout
        while not (expect_all and not pending):
            left = end - time.monotonic()
            if left <= 0 or not select.select([recv], [], [], left)[0]:
                break
            for packet in _read_icmp6(recv):
                received.append(packet)
                answered = w.answered_echo(packet)
                if answered is not None:
                    pending.discard(answered)
        return received

    def send_l2(
        self, node: str, ifname: str, frames: list[bytes], timeout: float = 1.0
    ) -> list[bytes]:
        sock = self._l2_socket(node, ifname)
        _drain(sock)
        waiter = w.L2Waiter(frames)
        for frame in frames:
            sock.send(bytes(frame))
        received: list[bytes] = []
        end = time.monotonic() + timeout
        while waiter.waiting or not frames:
            left = end - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                break
            for data, pkttype in _read_all(sock):
                if pkttype == PACKET_OUTGOING or data[12:14] != b"\x86\xdd":
                    continue
                received.append(data)
                waiter.saw(data)
        return received

    def capture(self, node: str, ifname: str, path: Path, seconds: float = 0.0) -> int:
        """A live capture with tcpdump for ``seconds`` (3 s when 0: the kernel keeps no history)."""
        self._check_node(node)
        refuse_missing(missing_programs(["tcpdump"], sbin=False), "capturing runs")
        path = Path(path)
        seconds = seconds if seconds > 0 else 3.0
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".pcap", dir=path.parent or ".")
        os.close(fd)
        proc = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                self.namespace(node),
                "tcpdump",
                "-i",
                ifname,
                "-U",
                "-w",
                tmp,
                "-Z",
                "root",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            assert proc.stderr is not None
            os.set_blocking(proc.stderr.fileno(), False)
            banner = b""
            end = time.monotonic() + 5.0
            while b"listening on" not in banner:
                if proc.poll() is not None or time.monotonic() > end:
                    rest = proc.stderr.read() or b""
                    raise BackendError(
                        f"tcpdump on {node}:{ifname} failed: {(banner + rest).decode(errors='replace').strip()}"
                    )
                select.select([proc.stderr], [], [], 0.05)
                banner += proc.stderr.read() or b""
            time.sleep(seconds)
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=5)
            count = _pcap_count(Path(tmp))
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
            return count
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    # -- helpers -------------------------------------------------------------------------------------------------
    def _check_node(self, node: str) -> None:
        if self.topology is not None and node not in {n.name for n in self.topology.nodes}:
            known = ", ".join(n.name for n in self.topology.nodes)
            raise LabError(f"no node {node!r} in this lab (nodes: {known})")
        if not (NETNS_RUN_DIR / self.namespace(node)).exists():
            raise BackendError(
                f"namespace {self.namespace(node)} does not exist: is the lab running?"
            )

    def _reader(self, node: str) -> NetlinkReader:
        reader = self._readers.get(node)
        if reader is None:
            self._check_node(node)
            with in_netns(self.namespace(node)):
                reader = NetlinkReader()
            self._readers[node] = reader
        return reader

    def _l3_sockets(self, node: str) -> tuple[socket.socket, socket.socket]:
        """A raw IPv6 socket to send whole packets (IPPROTO_RAW = header included) and
        a raw ICMPv6 socket that receives what the node's stack delivers locally, NDP and
        MLD filtered out in the kernel. (Not AF_PACKET: closing one waits for an RCU
        grace period, ~12 ms per node, which would triple the teardown.)"""
        pair = self._l3.get(node)
        if pair is None:
            self._check_node(node)
            with in_netns(self.namespace(node)):
                send = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
                recv = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
            blocked = [0] * 8
            for kind in (*w.NDP_TYPES, *w.MLD_TYPES):
                blocked[kind >> 5] |= 1 << (kind & 31)
            recv.setsockopt(socket.IPPROTO_ICMPV6, ICMP6_FILTER, struct.pack("=8I", *blocked))
            for option in (
                socket.IPV6_RECVPKTINFO,
                socket.IPV6_RECVHOPLIMIT,
                socket.IPV6_RECVTCLASS,
            ):
                recv.setsockopt(socket.IPPROTO_IPV6, option, 1)
            recv.setblocking(False)
            pair = self._l3[node] = (send, recv)
        return pair

    def _l2_socket(self, node: str, ifname: str) -> socket.socket:
        sock = self._l2.get((node, ifname))
        if sock is None:
            self._check_node(node)
            with in_netns(self.namespace(node)):
                sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
                try:
                    sock.bind((ifname, ETH_P_ALL))
                except OSError:
                    sock.close()
                    raise LabError(f"{node} has no interface {ifname!r}") from None
            sock.setblocking(False)
            self._l2[(node, ifname)] = sock
        return sock


# -- radvd ------------------------------------------------------------------------------------------------------
def radvd_conf(per_iface: dict[str, RouterAdvert]) -> str:
    """radvd.conf text for one router (radvd 2.19 syntax), from the core's one writer."""
    return radvd_text(per_iface, "v6plan's netns lab backend")


# -- crash-safe teardown ------------------------------------------------------------------------------------------
def cleanup(session: str | None = None, workdir: Path | None = None) -> list[str]:
    """Remove what a session (or, with ``session=None``, every abandoned session) left
    behind: daemons from pidfiles in ``workdir``, every process still inside those
    namespaces, then the namespaces (which takes their veths with them).

    Without a session, a lab whose owner's session directory still exists is running —
    perhaps another user's — and is kept; everything else with the v6lab prefix goes.
    Returns the names removed."""
    if workdir is not None and Path(workdir).exists():
        _stop_pidfiles(Path(workdir).glob("radvd-*.pid"))
    if session:
        removed = _remove_namespaces(namespace_name(session, ""))
        _release(session)
        return removed
    try:
        names = [n for n in os.listdir(NETNS_RUN_DIR) if n.startswith(NAMESPACE_PREFIX)]
    except FileNotFoundError:
        names = []
    tags = {n[len(NAMESPACE_PREFIX) :].split("-", 1)[0] for n in names}
    with contextlib.suppress(FileNotFoundError):
        tags |= set(os.listdir(OWNERS_DIR))
    removed = []
    for tag in sorted(tags):
        if _owner_alive(tag):
            continue
        removed += _remove_namespaces(namespace_name(tag, ""))
        _release(tag)
    return removed


def _claim(session: str, workdir: Path) -> None:
    with contextlib.suppress(OSError):  # without /run (not root) there is nothing to protect
        OWNERS_DIR.mkdir(parents=True, exist_ok=True)
        (OWNERS_DIR / session).write_text(str(Path(workdir).resolve()))


def _release(session: str) -> None:
    with contextlib.suppress(OSError):
        (OWNERS_DIR / session).unlink(missing_ok=True)


def _owner_alive(session: str) -> bool:
    try:
        return Path((OWNERS_DIR / session).read_text().strip()).is_dir()
    except (OSError, ValueError):
        return False


def _remove_namespaces(prefix: str) -> list[str]:
    try:
        names = sorted(n for n in os.listdir(NETNS_RUN_DIR) if n.startswith(prefix))
    except FileNotFoundError:
        return []
    if not names:
        return []
    _kill_inside(names)
    _ip_batch([f"netns del {n}" for n in names], force=True)
    return names


def _kill_inside(names: Iterable[str]) -> None:
    """Kill every process whose network namespace is one of ``names`` (radvd, tcpdump,
    shells a killed v6lab left), found through /proc without a process per namespace."""
    inodes = set()
    for name in names:
        with contextlib.suppress(OSError):
            inodes.add(os.stat(NETNS_RUN_DIR / name).st_ino)
    if not inodes:
        return
    victims = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if os.stat(f"/proc/{entry}/ns/net").st_ino in inodes:
                victims.append(int(entry))
        except OSError:
            continue
    _terminate(victims)


def _terminate(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + 1.0
    alive = list(pids)
    while alive and time.monotonic() < end:
        alive = [p for p in alive if _alive(p)]
        if alive:
            time.sleep(0.002)
    for pid in alive:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stream:
            return stream.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def _pid_from(pidfile: Path) -> int | None:
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _stop_pidfiles(pidfiles: Iterable[Path]) -> None:
    victims = []
    for pidfile in pidfiles:
        pid = _pid_from(pidfile)
        if pid is not None:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                cmdline = b""
            if b"radvd" in cmdline:
                victims.append(pid)
        pidfile.unlink(missing_ok=True)
    _terminate(victims)


# -- small helpers -------------------------------------------------------------------------------------------------
def _not_installed(program: str) -> str:
    """What a shell would say for a missing program, plus the package that brings it."""
    if program in PROGRAMS:
        return (
            f"{program}: command not found — it is in the Debian package {PROGRAMS[program]}: "
            f"{install_command([program])}\n"
        )
    return f"{program}: command not found on this machine (is it installed, and on PATH?)\n"


def _ip_batch(lines: list[str], force: bool = False) -> None:
    args = ["ip", "-force", "-batch", "-"] if force else ["ip", "-batch", "-"]
    result = subprocess.run(
        args, input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60
    )
    if result.returncode != 0 and not force:
        raise BackendError(f"ip -batch failed: {result.stderr.strip()}")


def _batch_line(command: tuple[str, ...]) -> str | None:
    """``ip -6 addr add …`` → ``addr add …`` for ``ip -6 -batch``; None if it is not that."""
    if not command or command[0] != "ip":
        return None
    rest = list(command[1:])
    while rest and rest[0].startswith("-"):
        if rest.pop(0) not in ("-6",):
            return None
    if not rest or any(not re.fullmatch(r"[A-Za-z0-9_.:/%@-]+", word) for word in rest):
        return None
    return " ".join(rest)


def _batch_failure(node: str, origin: list[tuple[str, ...] | None], stderr: str) -> str:
    match = re.search(r"Command failed -:(\d+)", stderr)
    message = stderr.split("Command failed")[0].strip() or stderr.strip()
    if match:
        line = int(match.group(1)) - 1
        command = origin[line] if 0 <= line < len(origin) else None
        if command is not None:
            return f"setting up {node} failed: `{' '.join(command)}` → {message}"
    return f"setting up {node} failed: {message}"


def _drain(sock: socket.socket) -> None:
    while True:
        try:
            sock.recv(65535)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                return
            raise


def _read_icmp6(sock: socket.socket) -> list[bytes]:
    """ICMPv6 messages from a raw socket, with their IPv6 header rebuilt from the
    ancillary data (source, destination, hop limit, traffic class; flow label 0)."""
    out: list[bytes] = []
    while True:
        try:
            data, ancillary, _, address = sock.recvmsg(65535, 256)
        except (BlockingIOError, InterruptedError):
            return out
        dst, hlim, tclass = b"\0" * 16, 64, 0
        for level, kind, value in ancillary:
            if level != socket.IPPROTO_IPV6:
                continue
            if kind == socket.IPV6_PKTINFO:
                dst = value[:16]
            elif kind == socket.IPV6_HOPLIMIT:
                hlim = struct.unpack("=i", value[:4])[0]
            elif kind == socket.IPV6_TCLASS:
                tclass = struct.unpack("=i", value[:4])[0]
        src = socket.inet_pton(socket.AF_INET6, address[0].split("%")[0])
        header = struct.pack(
            "!IHBB", 0x60000000 | (tclass & 0xFF) << 20, len(data), w.NH_ICMPV6, hlim
        )
        out.append(header + src + dst + data)


def _read_all(sock: socket.socket) -> list[tuple[bytes, int]]:
    out: list[tuple[bytes, int]] = []
    while True:
        try:
            data, address = sock.recvfrom(65535)
        except (BlockingIOError, InterruptedError):
            return out
        out.append((data, address[2]))


def _pcap_count(path: Path) -> int:
    data = path.read_bytes()
    if len(data) < 24:
        return 0
    little = data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
    order = "<" if little else ">"
    count, offset = 0, 24
    while offset + 16 <= len(data):
        caplen = struct.unpack_from(order + "I", data, offset + 8)[0]
        offset += 16 + caplen
        count += 1
    return count
