"""The sealed backend contract: the engine asks a backend only what the contract declares.

What differs between ``sim`` and ``netns`` — can it run here, what does a killed process
leave behind, is there a real shell on a node — is a declared part of
:class:`~v6plan.lab.runtime._backend.Backend` with a default, so a new backend (the tests'
fake one) gets every behaviour by declaring it, never by being called ``netns``. The seal
itself is read from the source with ``ast``; the rest drives the engine with fake
backends that declare one capability each.
"""

from __future__ import annotations

import ast
import io
import os
import secrets
import subprocess
import sys
import typing
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _support.fakebackend import FakeBackend
from _support.lab import need, need_program

from v6plan.lab.cli._main import main

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "v6plan" / "lab"
REGISTRY = LAB / "runtime" / "_backends.py"
BACKEND_NAMES = ("sim", "netns")


def v6lab(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- the seal, read from the source -----------------------------------------------------------------
def _constants(node: ast.AST) -> Iterator[object]:
    if isinstance(node, ast.Constant):
        yield node.value
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        for item in node.elts:
            yield from _constants(item)


def seal_breaks(root: Path, registry: Path) -> list[str]:
    """Every place under ``root`` that compares a backend's name (outside the registry)
    or probes a backend with getattr/hasattr."""
    wrong = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(root.parent)
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and path != registry:
                sides = [node.left, *node.comparators]
                if any(c in BACKEND_NAMES for side in sides for c in _constants(side)):
                    wrong.append(f"{where}:{node.lineno} compares a backend name")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr")
                and node.args
                and "backend" in ast.unparse(node.args[0]).lower()
            ):
                wrong.append(f"{where}:{node.lineno} probes a backend: {ast.unparse(node)}")
    return wrong


def test_the_engine_never_asks_a_backend_its_name_nor_probes_it() -> None:
    assert seal_breaks(LAB, REGISTRY) == []


def test_the_seal_finder_finds_a_name_and_a_probe(tmp_path: Path) -> None:
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "engine.py").write_text(
        "if info.backend == 'netns':\n    pass\n"
        "if name in ('sim', 'x'):\n    pass\n"
        "argv = getattr(backend, 'shell_command', None)\n"
    )
    found = seal_breaks(tmp_path / "lab", tmp_path / "lab" / "_backends.py")
    assert [line.split(":")[1].split()[0] for line in found] == ["1", "3", "5"]


# -- capabilities are declared, with defaults ------------------------------------------------------------
def test_the_contract_declares_every_capability_with_a_default(tmp_path: Path) -> None:
    from v6plan.lab.runtime._backend import Backend

    backend = FakeBackend("t1", tmp_path)
    assert FakeBackend.unavailable() == ""  # inherited: it can always run
    assert FakeBackend.sweep("t1", tmp_path) == []  # nothing outlives its process
    assert backend.shell_argv("h1") is None  # the engine offers its own prompt
    assert backend.applies_setup is False
    assert not hasattr(Backend, "shell_command")  # netns's own name is not the contract's


def test_the_simulator_has_no_shell_and_nothing_to_sweep(tmp_path: Path) -> None:
    from v6plan.lab.runtime.sim import SimBackend

    assert SimBackend("t1", tmp_path).shell_argv("h1") is None
    assert SimBackend.unavailable() == "" and SimBackend.sweep(None) == []


def test_netns_declares_its_shell_and_its_sweep(tmp_path: Path) -> None:
    need(sys.platform.startswith("linux") and os.geteuid() == 0, "netns needs root on Linux")
    need_program("ip", sbin=False)
    from v6plan.lab.runtime._backend import namespace_name
    from v6plan.lab.runtime._backends import backend_problem
    from v6plan.lab.runtime.netns import NetnsBackend

    assert backend_problem("netns") == NetnsBackend.unavailable() == ""
    tag = "c" + secrets.token_hex(2)  # its own namespaces: a parallel run has others
    backend = NetnsBackend(tag, tmp_path)
    name = namespace_name(tag, "h1")
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        argv = backend.shell_argv("h1")  # no attach needed: v6lab shell replays nothing
        assert argv[:4] == ["ip", "netns", "exec", f"v6lab-{tag}-h1"]
        assert NetnsBackend.sweep(tag, tmp_path) == [name]
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
    assert not Path(f"/run/netns/{name}").exists()


# -- the engine asks the declared capability, whatever the backend's name ------------------------------
class ShellBackend(FakeBackend):
    """A fake backend whose nodes have a real shell."""

    def shell_argv(self, node: str) -> list[str]:
        return ["/bin/sh", "-c", f"echo shell on {node}"]


class UnavailableBackend(FakeBackend):
    @classmethod
    def unavailable(cls) -> str:
        return "this backend needs a machine we do not have"


class SweptBackend(FakeBackend):
    swept: typing.ClassVar[list[tuple[str | None, Path | None]]] = []

    @classmethod
    def sweep(cls, session: str | None = None, workdir: Path | None = None) -> list[str]:
        cls.swept.append((session, workdir))
        return [f"left-by-{session}"]


@pytest.fixture
def register(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, type], None]:
    from v6plan.lab.runtime import _backends

    def add(name: str, cls: type) -> None:
        monkeypatch.setitem(_backends.BACKENDS, name, f"{__name__}:{cls.__name__}")

    return add


def test_v6lab_shell_runs_the_shell_the_backend_declares(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    register: Callable[[str, type], None],
) -> None:
    register("shelled", ShellBackend)
    assert v6lab(capsys, "start", "04-lan-addressing", "--backend", "shelled")[0] == 0
    ran: list[list[str]] = []
    monkeypatch.setattr(os, "execvpe", lambda _file, argv, _env: ran.append(argv))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # the prompt, if asked, ends at once
    v6lab(capsys, "shell", "h1")
    v6lab(capsys, "stop")
    assert ran == [["/bin/sh", "-c", "echo shell on h1"]]


def test_start_and_verify_refuse_a_backend_that_cannot_run_here(
    capsys: pytest.CaptureFixture[str], register: Callable[[str, type], None]
) -> None:
    register("elsewhere", UnavailableBackend)
    for command in (["start", "04-lan-addressing"], ["verify", "04-lan-addressing"]):
        code, _, err = v6lab(capsys, *command, "--backend", "elsewhere")
        assert code == 2 and "needs a machine we do not have" in err


def test_stop_and_cleanup_sweep_what_the_backend_declares(
    capsys: pytest.CaptureFixture[str],
    lab_state: Path,
    monkeypatch: pytest.MonkeyPatch,
    register: Callable[[str, type], None],
) -> None:
    from v6plan.lab.runtime import _backends
    from v6plan.lab.runtime._session import Session

    for name in ("sim", "netns"):  # never sweep this machine's real namespaces from a test
        monkeypatch.delitem(_backends.BACKENDS, name)
    register("swept", SweptBackend)
    SweptBackend.swept.clear()
    v6lab(capsys, "start", "04-lan-addressing", "--backend", "swept")
    tag = Session.current().info.tag
    v6lab(capsys, "stop")
    assert SweptBackend.swept == [(tag, lab_state / tag)]  # its session, after stop()
    code, out, _ = v6lab(capsys, "cleanup")
    assert code == 0 and SweptBackend.swept[-1] == (None, None)  # every abandoned session
    assert "removed 1 leftover of killed labs: left-by-None" in out


def test_cleanup_passes_over_a_backend_that_cannot_run_here(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    register: Callable[[str, type], None],
) -> None:
    from v6plan.lab.runtime import _backends

    monkeypatch.setattr(_backends, "BACKENDS", {})
    register("elsewhere", UnavailableBackend)
    code, out, _ = v6lab(capsys, "cleanup")
    assert code == 0 and "the elsewhere backend cannot run here" in out


def test_replays_only_what_the_replay_backend_recorded() -> None:
    from v6plan.lab.runtime._backends import REPLAY_BACKEND, backend_class, replays

    assert replays(REPLAY_BACKEND) and not replays("netns") and not replays(None)
    assert backend_class(REPLAY_BACKEND).persistent is False  # its journal is its state


# -- closed sets of words are typed ----------------------------------------------------------------------
def test_roles_scopes_protos_and_states_are_closed_sets() -> None:
    from v6plan.lab.runtime import _backend as c

    hints = {
        (c.NodeSpec, "kind"): c.NodeKind,
        (c.Address, "scope"): c.AddressScope,
        (c.Route, "proto"): c.RouteProto,
        (c.Neighbour, "state"): c.NeighbourState,
        (c.RouterAdvert, "preference"): c.Preference,
    }
    for (cls, name), alias in hints.items():
        assert typing.get_type_hints(cls)[name] == alias, (cls.__name__, name)
        assert typing.get_origin(alias) is typing.Literal
    assert typing.get_args(c.NodeKind) == ("host", "router")


def test_a_backend_word_outside_the_contract_is_refused_or_unknown() -> None:
    from v6plan.lab._errors import BackendError
    from v6plan.lab.runtime._backend import neighbour_state, node_kind, route_proto

    assert route_proto("ra") == "ra" and neighbour_state("STALE") == "STALE"
    assert node_kind("router") == "router" and node_kind("switch") is None
    assert route_proto("42") == route_proto("rip") == "unknown"  # as netns reads proto 42
    with pytest.raises(BackendError, match="neighbour state 'stale'"):
        neighbour_state("stale")


def test_an_address_is_reported_the_same_way_by_every_backend() -> None:
    from v6plan._prefix import parse_address
    from v6plan.lab.runtime._backend import reported_address

    slaac = reported_address("eth0", parse_address("2001:db8::1"), 64, ["noprefixroute", "nodad"])
    assert slaac.scope == "global" and slaac.flags == {"nodad", "dynamic"}
    # who made the IID is part of the contract (the privacy checks read it)
    temp = reported_address("eth0", parse_address("2001:db8::2"), 64, ["temporary", "optimistic"])
    assert temp.flags == {"temporary", "dynamic"}
    ll = reported_address("eth0", parse_address("fe80::1"), 64, ("permanent",))
    assert ll.scope == "link" and ll.flags == {"permanent"}
    assert reported_address("lo", 1, 128, ()).scope == "host"


def test_the_kernel_words_netns_reads_are_the_contract_words() -> None:
    from v6plan.lab.runtime._backend import NeighbourState, RouteProto
    from v6plan.lab.runtime.netns._netlink import NUD_NAMES, PROTOCOLS

    assert set(PROTOCOLS.values()) <= set(typing.get_args(RouteProto))
    assert set(NUD_NAMES.values()) <= set(typing.get_args(NeighbourState))


# -- one radvd.conf writer ------------------------------------------------------------------------------------
def test_netns_and_the_topology_export_write_the_same_radvd_conf() -> None:
    from v6plan.lab.instructor._topology_export import _radvd, node_configs
    from v6plan.lab.model._labfile import load_lab
    from v6plan.lab.runtime._backend import radvd_text
    from v6plan.lab.runtime.netns import radvd_conf

    spec = load_lab("08-slaac").instantiate().topology_spec()
    (router,) = [c for c in node_configs(spec, "kathara", frr=False)[0] if c.advertise]
    exported = _radvd(router)
    assert exported == radvd_text(router.advertise, "`v6lab export` (v6plan)")
    ours = radvd_conf(router.advertise).splitlines()
    assert ours[0] == "# written by v6plan's netns lab backend"
    assert ours[1:] == exported.splitlines()[1:]
    assert "\tMinRtrAdvInterval " in exported and "\t\tAdvValidLifetime " in exported


def test_every_radvd_option_passes_radvd_configtest(tmp_path: Path) -> None:
    """The core's writer with every option the contract knows, lifetimes infinite too."""
    radvd = need_program("radvd")
    from v6plan._prefix import parse_address, parse_prefix
    from v6plan._radvd import INFINITY, RadvdInterface, RadvdOptions, RadvdPrefix, radvd_conf

    net, length = parse_prefix("2001:db8:1::/64")
    options = RadvdOptions(
        managed=True,
        other=True,
        max_interval=30,
        min_interval=10.5,
        default_lifetime=90,
        hop_limit=63,
        reachable=30000,
        retrans=1000,
        mtu=1400,
        preference="high",
        rdnss=(parse_address("2001:db8::53"),),
        dnssl=("example.net",),
    )
    iface = RadvdInterface(
        "eth0",
        options,
        prefixes=(
            RadvdPrefix(net, length, valid=INFINITY, preferred=INFINITY),
            RadvdPrefix(
                *parse_prefix("2001:db8:2::/56"), autonomous=False, valid=3600, preferred=1800
            ),
        ),
        comment="a LAN",
        note="the /56 is not a /64: SLAAC cannot form addresses there",
    )
    conf = tmp_path / "radvd.conf"
    conf.write_text(radvd_conf(["written by a test"], [iface]))
    text = conf.read_text()
    assert "AdvValidLifetime infinity;" in text and "RDNSS 2001:db8::53" in text
    result = subprocess.run(
        [radvd, "--configtest", f"--config={conf}"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- the package's face --------------------------------------------------------------------------------------
def test_v6plan_lab_offers_its_public_names_lazily() -> None:
    code = (
        "import sys, v6plan.lab as lab\n"
        "heavy = [m for m in sys.modules if m.startswith(('scapy', 'yaml', 'v6plan.lab.'))]\n"
        "assert not [m for m in heavy if not m.startswith('v6plan.lab._errors')], heavy\n"
        "for name in lab.__all__:\n    getattr(lab, name)\n"
        "assert not [m for m in sys.modules if m.startswith('scapy')]\n"
        "print(' '.join(lab.__all__))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    names = result.stdout.split()
    doc = (ROOT / "docs" / "lab-backends.md").read_text(encoding="utf-8")
    assert {"Lab", "load_lab", "Session", "Backend", "LabError", "BackendError"} <= set(names)
    assert [n for n in names if f"`{n}`" not in doc] == []  # the doc lists every one


def test_nothing_in_the_lab_raises_outside_the_error_tree() -> None:
    builtin = {"ValueError", "TypeError", "RuntimeError", "KeyError", "LookupError", "Exception"}
    wrong = []
    for path in sorted(LAB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                name = ast.unparse(node.exc.func)
                if name in builtin:
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} raises {name}")
    assert wrong == []


# -- every IPv6 fact once, in the core -----------------------------------------------------------------------
PACKAGE = ROOT / "v6plan"
CORE_FACTS = {"_calc.py", "_prefix.py", "_special.py", "_radvd.py", "_limits.py"}


def _definitions(name: str) -> list[str]:
    """The modules that define ``name`` at their top level (a function or a constant)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            if getattr(node, "name", None) == name or any(
                isinstance(t, ast.Name) and t.id == name for t in targets
            ):
                found.append(str(path.relative_to(PACKAGE)))
    return found


@pytest.mark.parametrize(
    "names",
    [
        ("solicited_node",),
        ("eui64", "modified_eui64"),
        ("link_local",),
        ("reverse_name", "_nibble_name"),
        ("reverse_blocks", "nibble_zones"),
        ("yes_no",),
        ("LINK_LOCAL",),
        ("YES_WORDS",),
        ("NAMESPACE_PREFIX",),
    ],
)
def test_each_fact_is_defined_once(names: tuple[str, ...]) -> None:
    """A fact's function or constant has one definition (re-exports import it)."""
    places = {n: _definitions(n) for n in names}
    assert all(len(p) <= 1 for p in places.values()), places
    defined = [p for ps in places.values() for p in ps]
    assert len(defined) >= 1, names
    if names[0] != "NAMESPACE_PREFIX":
        assert all(p.rpartition("/")[2] in CORE_FACTS for p in defined), places


def test_radvd_syntax_and_the_yes_words_live_in_the_core_only() -> None:
    """radvd's words appear in one core module: every radvd.conf comes from v6plan._radvd;
    no code compares a word with a literal list of yes words (it asks ``yes_no``)."""
    radvd, yes = set(), []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and ("AdvSendAdvert" in text or "AdvOnLink" in text):
                radvd.add(str(path.relative_to(PACKAGE)))
            for side in node.comparators if isinstance(node, ast.Compare) else []:
                words = set(_constants(side))
                if {"yes", "true"} <= words or {"no", "false"} <= words:
                    yes.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert radvd == {"_radvd.py"} and yes == []


def test_the_core_facts_give_the_known_answers() -> None:
    from v6plan._calc import link_local, ptr_name, reverse_blocks, reverse_name, reverse_zones
    from v6plan._limits import yes_no
    from v6plan._prefix import format_address, parse_address, parse_prefix

    assert format_address(link_local("02:00:00:00:01:00")) == "fe80::ff:fe00:100"
    assert reverse_name(*parse_prefix("2001:db8::/32")) == "8.b.d.0.1.0.0.2.ip6.arpa"
    assert reverse_name(0, 0) == "ip6.arpa"
    assert ptr_name(parse_address("2001:db8::1")).startswith("1.0.0.0.") and ptr_name(
        parse_address("2001:db8::1")
    ).endswith(".8.b.d.0.1.0.0.2.ip6.arpa.")
    blocks = reverse_blocks(*parse_prefix("2001:db8::/29"))
    assert len(blocks) == 8 and {length for _, length in blocks} == {32}
    assert reverse_zones(*parse_prefix("2001:db8::/29"))[1] == "9.b.d.0.1.0.0.2.ip6.arpa."
    assert [yes_no(w) for w in ("Yes", " on ", "1", "FALSE", "off", "maybe")] == [
        True, True, True, False, False, None,
    ]  # fmt: skip


def test_loopback_hosts_are_named_once(tmp_path: Path) -> None:
    """names[i], else name-(i+1), never the bare name — the builder and retire agree."""
    from v6plan._spec import SpecNode

    node = SpecNode(name="lo", role="loopback", count=4, names=("r1", "r2"))
    assert [node.host_name(i) for i in range(4)] == node.host_names(4) == [
        "r1", "r2", "lo-3", "lo-4",
    ]  # fmt: skip
    assert SpecNode(name="lo", role="loopback", count=1).host_names(1) == ["lo-1"]
