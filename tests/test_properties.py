"""Property tests of the allocator: any plan it builds is sound, and re-planning is stable."""

from __future__ import annotations

import ipaddress
import itertools
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from v6plan import Plan, SpecError, build, parse_spec
from v6plan._lint import lint
from v6plan._lock import Lock

STRATEGIES = ["sequential", "sparse", "centermost", "best-fit"]
ROLE_SIZES = {"lan": 64, "site": 48, "customer": 56, "p2p": 64}


@st.composite
def nodes(draw: Any, depth: int, names: st.SearchStrategy[str]) -> dict[str, Any]:
    node: dict[str, Any] = {"name": draw(names)}
    if draw(st.booleans()):
        node["count"] = draw(st.integers(1, 12))
    if draw(st.booleans()):
        node["strategy"] = draw(st.sampled_from(STRATEGIES))
    if draw(st.integers(0, 3)) == 0:
        node["growth"] = draw(st.sampled_from([1, 1.5, 2, 4]))
    if depth > 0 and draw(st.booleans()):
        kids = draw(
            st.lists(nodes(depth - 1, names), min_size=1, max_size=3, unique_by=lambda n: n["name"])
        )
        node["children"] = kids
        if draw(st.integers(0, 3)) == 0:
            node["size"] = f"/{draw(st.sampled_from([40, 44, 48, 52]))}"
    else:
        role = draw(st.sampled_from([*ROLE_SIZES, None]))
        if role:
            node["role"] = role
        else:
            node["size"] = f"/{draw(st.integers(44, 64))}"
            node["nibble"] = False
    return node


NAMES = st.sampled_from(["a", "b", "c", "d", "e"])
SPECS = st.fixed_dictionaries(
    {
        "prefix": st.sampled_from(["2001:db8::/32", "3fff:100::/28", "2001:db8:40::/44"]),
        "children": st.lists(
            nodes(2, NAMES), min_size=1, max_size=3, unique_by=lambda n: n["name"]
        ),
    }
)


def build_text(spec: dict[str, Any], lock: Lock | None = None) -> Any:
    return build(parse_spec(yaml.safe_dump(spec), "p.yaml"), lock)


def placed(plan: Plan) -> dict[str, tuple[int, int]]:
    return {path: (plan.net[i], plan.plen[i]) for i, path in enumerate(plan.paths(1), 1)}


def assert_sound(plan: Plan) -> None:
    """Every block inside its parent, no sibling overlap, nothing the lint would call broken."""
    for i in range(1, len(plan)):
        child = ipaddress.IPv6Network((plan.net[i], plan.plen[i]))
        parent = ipaddress.IPv6Network((plan.net[plan.parent[i]], plan.plen[plan.parent[i]]))
        assert child.subnet_of(parent), (plan.path(i), child, parent)
    for p in range(len(plan)):
        kids = sorted(
            (plan.net[c], plan.net[c] + (1 << (128 - plan.plen[c]))) for c in plan.children(p)
        )
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(kids)), plan.path(p)
    broken = {"host-bits", "overlap", "outside-parent", "children-exceed-parent", "reserve-used"}
    assert not [f for f in lint(plan) if f.rule in broken]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SPECS)
def test_any_plan_that_builds_is_sound(spec: dict[str, Any]) -> None:
    try:
        result = build_text(spec)
    except SpecError:
        event("refused")
        return
    event("built")
    assert_sound(result.plan)
    # Derived container sizes are nibble-aligned (the root and explicit sizes aside).
    for i in range(1, len(result.plan)):
        kind = result.plan.kinds[result.plan.kind[i]]
        template = kind.template
        if (
            template is not None
            and template.children
            and template.size is None
            and template.role not in ROLE_SIZES
        ):
            kids = template.children
            single = len(kids) == 1 and kids[0].sibling_count == 1 and kids[0].growth == 1
            assert single or result.plan.plen[i] % 4 == 0, result.plan.path(i)


class ReplanningMachine(RuleBasedStateMachine):
    """Random edits to a spec, re-planned with the lock each time: nothing placed moves."""

    @initialize(spec=SPECS)
    def start(self, spec: dict[str, Any]) -> None:
        try:
            result = build_text(spec)
        except SpecError:
            assume(False)
        self.spec = spec
        self.lock = Lock.parse(result.lock.dumps())
        self.before = placed(result.plan)

    def replan(self, spec: dict[str, Any]) -> None:
        try:
            result = build_text(spec, self.lock)
        except SpecError:
            event("edit refused")
            return  # an edit that does not fit is refused as a whole; the old plan stands
        event("edit re-planned")
        after = placed(result.plan)
        moved = {
            p: (self.before[p], after[p])
            for p in self.before
            if p in after and after[p] != self.before[p]
        }
        assert not moved, moved
        assert_sound(result.plan)
        self.spec, self.before = spec, after
        self.lock = Lock.parse(result.lock.dumps())

    def templates(self) -> list[dict[str, Any]]:
        out = []
        stack = list(self.spec["children"])
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(node.get("children", []))
        return out

    @rule(data=st.data())
    def grow_a_count(self, data: st.DataObject) -> None:
        import copy

        spec = copy.deepcopy(self.spec)
        self.spec_backup = self.spec
        self.spec = spec
        node = data.draw(st.sampled_from(self.templates()))
        node["count"] = node.get("count", 1) + data.draw(st.integers(1, 4))
        self.spec = self.spec_backup
        self.replan(spec)

    @rule(data=st.data(), new=nodes(1, st.sampled_from(["x", "y", "z"])))
    def add_a_sibling_first(self, data: st.DataObject, new: dict[str, Any]) -> None:
        import copy

        spec = copy.deepcopy(self.spec)
        names = {n["name"] for n in spec["children"]}
        assume(new["name"] not in names)
        spec["children"].insert(0, new)
        self.replan(spec)

    @rule()
    def reverse_the_top_level(self) -> None:
        import copy

        spec = copy.deepcopy(self.spec)
        spec["children"].reverse()
        self.replan(spec)

    @invariant()
    def lock_round_trips(self) -> None:
        if hasattr(self, "lock"):
            assert Lock.parse(self.lock.dumps()).dumps() == self.lock.dumps()


TestReplanning = ReplanningMachine.TestCase
TestReplanning.settings = settings(
    max_examples=60,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
