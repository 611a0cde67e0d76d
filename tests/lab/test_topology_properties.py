"""Property: for any connected router graph with hosts, the addressing and static routes
the engine computes from the plan let every host reach every other host — graded by the
engine's own reachability and hop-count checks on the fake backend (and on the simulator
for a few examples when it is there)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from _support.fakebackend import FakeBackend
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from v6plan.lab.checks._context import Context
from v6plan.lab.checks._registry import TYPES
from v6plan.lab.model._topology import load_plan_for, load_topology, resolve


@st.composite
def networks(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]], list[int]]:
    """(routers, router links, router of each host): a random tree plus extra links."""
    n = draw(st.integers(2, 6))
    edges = {(draw(st.integers(0, i - 1)), i) for i in range(1, n)}
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3))
    edges |= {(min(a, b), max(a, b)) for a, b in extra if a != b}
    hosts = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=5))
    return n, sorted(edges), hosts


def write(base: Path, n: int, edges: list[tuple[int, int]], hosts: list[int], root: str) -> Path:
    plan = [
        "plan: random",
        f"prefix: {root}",
        "children:",
        f"  - {{name: loopbacks, role: loopback, count: {n}, names: [{', '.join(f'r{i}' for i in range(n))}]}}",
        f"  - {{name: link, role: p2p, names: [{', '.join(f'link-{k + 1}' for k in range(len(edges)))}]}}",
        f"  - {{name: lan, role: lan, names: [{', '.join(f'lan-{k + 1}' for k in range(len(hosts)))}]}}",
    ]
    (base / "t.plan.yaml").write_text("\n".join(plan) + "\n")
    topo = ["plan: t.plan.yaml", "nodes:"]
    topo += [f"  r{i}: {{kind: router, loopback: loopbacks/r{i}}}" for i in range(n)]
    topo += [f"  h{j}: host" for j in range(len(hosts))]
    topo.append("links:")
    port = dict.fromkeys(range(n), 0)
    for k, (a, b) in enumerate(edges, 1):
        topo.append(
            f'  - {{endpoints: ["r{a}:eth{port[a]}", "r{b}:eth{port[b]}"], plan: link-{k}}}'
        )
        port[a] += 1
        port[b] += 1
    for j, r in enumerate(hosts):
        topo.append(f'  - {{endpoints: ["r{r}:eth{port[r]}", "h{j}:eth0"], plan: lan-{j + 1}}}')
        port[r] += 1
    path = base / "t.yaml"
    path.write_text("\n".join(topo) + "\n")
    return path


def distances(n: int, edges: list[tuple[int, int]]) -> list[list[int]]:
    far = [[0 if i == j else 99 for j in range(n)] for i in range(n)]
    for a, b in edges:
        far[a][b] = far[b][a] = 1
    for k in range(n):
        for i in range(n):
            for j in range(n):
                far[i][j] = min(far[i][j], far[i][k] + far[k][j])
    return far


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.sampled_from(["2001:db8:7::/48", "3fff:abc::/32", "2001:db8:ff00::/40"]))
def test_computed_routes_connect_every_host(
    net: tuple[int, list[tuple[int, int]], list[int]], root: str
) -> None:
    n, edges, hosts = net
    with tempfile.TemporaryDirectory() as tmp:
        topology = load_topology(write(Path(tmp), n, edges, hosts, root))
        addressing = resolve(topology, load_plan_for(topology.plan_file))
    spec = addressing.spec()
    backend = FakeBackend("vprop", Path("."))
    backend.start(spec)
    for node, commands in spec.setup.items():
        for argv in commands:
            assert backend.exec(node, list(argv)).returncode == 0, (node, argv)
    ctx = Context(backend, addressing)
    far = distances(n, edges)
    for j in range(len(hosts)):
        for k in range(len(hosts)):
            if j == k:
                continue
            target = addressing.address(f"h{k}", "eth0")
            assert target is not None
            args = {"from": f"h{j}", "to": target.text}
            outcome = TYPES["reachable"].run(ctx, args)
            assert outcome.passed, (outcome.code, outcome.params)
            # shortest paths: router hops + the destination host
            want = far[hosts[j]][hosts[k]] + 2
            hops = TYPES["hops"].run(ctx, {**args, "hops": str(want)})
            assert hops.passed, (hops.code, hops.params)
