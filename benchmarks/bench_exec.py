"""`v6lab exec` and `v6lab check` as a trainee waits for them, beside `ip netns exec`.

On the 20-node ISP core lab of ``bench_lab_engine.py`` (4 routers, 16 hosts, 37 checks),
after 200 commands typed (a trainee's session), each figure a fresh process, median:

* ``v6lab exec c1 -- ip -6 addr`` (the ``v6lab`` console script, start-up included) on
  the sim answered by the session process — target ≤ 100 ms; the same with
  ``V6LAB_SERVER=0`` (a fresh process rebuilds the network and replays the journal);
* ``v6lab check`` on the sim, both ways — target ≤ 0.5 s;
* as root: the same lab on netns (``v6lab exec``, ``v6lab check``) and the peers' way on
  those namespaces: ``ip netns exec v6lab-…-c1 ip -6 addr``, and for the checks one
  ``ip netns exec`` process per check (``ip -6 addr`` for the 16 address checks, ``ping -c 1``
  for the 16 reachability checks, ``traceroute`` for the 4 hop counts).

Ratios are peer ÷ ours (above 1: we are faster). Run:
``.venv/bin/python benchmarks/bench_exec.py [--runs 15]``. Figures vary with the load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_lab_engine import make_lab  # noqa: E402

SCRIPT = Path(sys.executable).with_name("v6lab")
V6LAB = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "v6plan.lab.cli"]
TYPED = 200  # commands in the journal before measuring
EXEC = ["exec", "c1", "--", "ip", "-6", "addr"]


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return seconds


def median(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """(median, best) of ``runs`` runs, after one to warm the page cache (and start the
    session process). The best shows the work without the shared machine's load."""
    timed(argv, env)
    times = [timed(argv, env) for _ in range(runs)]
    return statistics.median(times), min(times)


def environment(base: Path, name: str, **extra: str) -> dict[str, str]:
    return dict(
        os.environ,
        V6LAB_LABS=str(base / "labs"),
        V6LAB_STATE_DIR=str(base / f"state-{name}"),
        V6LAB_LANG="en",
        **extra,
    )


def type_commands(env: dict[str, str]) -> None:
    """The journal of a session in progress: TYPED commands (through the session
    process when there is one, so this takes seconds, not minutes)."""
    for i in range(TYPED):
        node = f"c{i % 16 + 1}"
        subprocess.run([*V6LAB, "exec", node, "--", "ip", "-6", "route"], env=env, cwd=ROOT,
                       capture_output=True, check=True)  # fmt: skip


def bench_sim(base: Path, runs: int) -> dict[str, tuple[float, float]]:
    env = environment(base, "sim")
    subprocess.run([*V6LAB, "start", "bench-isp-core"], env=env, cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    try:
        type_commands(env)
        replay = dict(env, V6LAB_SERVER="0")
        return {
            "python": median([sys.executable, "-c", "pass"], env, runs),
            "help": median([*V6LAB, "--help"], env, runs),
            "exec": median([*V6LAB, *EXEC], env, runs),
            "exec_replay": median([*V6LAB, *EXEC], replay, max(3, runs // 3)),
            "check": median([*V6LAB, "check"], env, runs),
            "check_replay": median([*V6LAB, "check"], replay, max(3, runs // 3)),
        }
    finally:
        subprocess.run([*V6LAB, "stop"], env=env, cwd=ROOT, capture_output=True)


def peer_checks(tag: str) -> list[list[str]]:
    """The 37 checks the peers' way: one process per check in the lab's namespaces."""
    from v6plan.lab.model._labfile import load_lab

    run = load_lab("bench-isp-core").instantiate()
    argvs = []
    for spec in run.checks():
        node = spec.args.get("node") or spec.args.get("from") or "c1"
        inside = ["ip", "netns", "exec", f"v6lab-{tag}-{node}"]
        if spec.type == "address":
            argvs.append([*inside, "ip", "-6", "addr", "show", "dev", "eth0"])
        elif spec.type == "reachable":
            argvs.append([*inside, "ping", "-6", "-c", "1", "-W", "1", spec.args["to"]])
        elif spec.type == "hops":
            argvs.append([*inside, "traceroute", "-6", "-n", "-q", "1", "-w", "1", spec.args["to"]])
        else:
            argvs.append([*inside, "ip", "-6", "route"])
    return argvs


def bench_netns(base: Path, runs: int) -> dict[str, tuple[float, float]]:
    env = environment(base, "netns")
    os.environ.update(V6LAB_LABS=env["V6LAB_LABS"], V6LAB_STATE_DIR=env["V6LAB_STATE_DIR"])
    start = [*V6LAB, "start", "bench-isp-core", "--backend", "netns"]
    subprocess.run(start, env=env, cwd=ROOT, check=True, capture_output=True)
    try:
        from v6plan.lab.runtime._session import Session

        tag = Session.current().info.tag
        peer_exec = ["ip", "netns", "exec", f"v6lab-{tag}-c1", "ip", "-6", "addr"]
        figures = {
            "exec": median([*V6LAB, *EXEC], env, runs),
            "check": median([*V6LAB, "check"], env, runs),
            "peer_exec": median(peer_exec, env, runs),
        }
        argvs = peer_checks(tag)
        rounds = []
        for _ in range(max(3, runs // 3)):
            started = time.perf_counter()
            ok = sum(subprocess.run(a, capture_output=True, env=env).returncode == 0 for a in argvs)
            rounds.append(time.perf_counter() - started)
        figures["peer_check"] = (statistics.median(rounds), min(rounds))
        figures["peer_ok"] = (ok, len(argvs))
        return figures
    finally:
        subprocess.run([*V6LAB, "stop"], env=env, cwd=ROOT, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="v6lab-bench-exec-"))
    try:
        make_lab(base)
        sim = bench_sim(base, args.runs)
        netns = None
        if os.geteuid() == 0 and shutil.which("ip") and shutil.which("ping"):
            netns = bench_netns(base, args.runs)
        ms = 1000.0
        print(f"v6lab on the 20-node ISP core lab after {TYPED} commands (median, fresh process)")
        print(f"  {'work':<52} {'median':>9} {'best':>9} {'peer ÷ ours':>12}")

        def row(
            label: str, got: tuple[float, float], peer: tuple[float, float] | None = None
        ) -> None:
            ratio = f"{peer[0] / got[0]:.2g}×" if peer else ""
            print(f"  {label:<52} {got[0] * ms:6.1f} ms {got[1] * ms:6.1f} ms {ratio:>12}")

        peer_exec = netns["peer_exec"] if netns else None
        peer_check = netns["peer_check"] if netns else None
        row("the floor: python -c pass", sim["python"])
        row("the floor: v6lab --help", sim["help"])
        if netns:
            row("ip netns exec NS ip -6 addr (peer)", netns["peer_exec"])
        row("sim: v6lab exec c1 -- ip -6 addr (session process)", sim["exec"], peer_exec)
        row("sim: the same, V6LAB_SERVER=0 (rebuild + replay)", sim["exec_replay"], peer_exec)
        if netns:
            row("netns: v6lab exec c1 -- ip -6 addr", netns["exec"], peer_exec)
            passed = f"{netns['peer_ok'][0]:.0f}/{netns['peer_ok'][1]:.0f} ok"
            row(f"37 checks as 37 × ip netns exec (peer, {passed})", netns["peer_check"])
        row("sim: v6lab check, 37 checks (session process)", sim["check"], peer_check)
        row("sim: the same, V6LAB_SERVER=0", sim["check_replay"], peer_check)
        if netns:
            row("netns: v6lab check, 37 checks", netns["check"], peer_check)
        exec_s, check_s = sim["exec"][0], sim["check"][0]
        print(
            f"targets (median): sim exec ≤ 100 ms — {'met' if exec_s <= 0.1 else 'missed'}; "
            f"sim check ≤ 0.5 s — {'met' if check_s <= 0.5 else 'missed'}; "
            f"the session process answers exec {sim['exec_replay'][0] / exec_s:.1f}× and "
            f"check {sim['check_replay'][0] / check_s:.1f}× faster than a replay; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
