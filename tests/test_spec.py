"""The spec loader: every problem with its file:line:column, never anything but SpecError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from v6plan import SpecError, build, load_spec, parse_spec


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        build(parse_spec(text, "s.yaml"))
    return [str(p) for p in info.value.problems]


def test_a_valid_spec_loads_with_defaults_applied() -> None:
    spec = parse_spec(
        "plan: T\nprefix: 2001:db8::/32\ndefaults: {strategy: sparse, growth: 2}\n"
        "children:\n  - {name: a, size: /36, count: 3, names: [x]}\n"
    )
    a = spec.children[0]
    assert (spec.title, a.strategy, a.growth, a.count) == ("T", "sparse", 2.0, 3)
    assert [a.instance_name(i) for i in range(3)] == ["x", "a-2", "a-3"]
    assert (a.line, a.column) == (5, 5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "prefix: 3fff:100::1/48\n",
            "s.yaml:1:9: host bits set in 3fff:100::1/48 — did you mean 3fff:100::/48?",
        ),
        ("plan: x\n", "s.yaml:1:1: the spec has no 'prefix'"),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: a, sise: /48}\n",
            "s.yaml:3:15: unknown key 'sise' in node — did you mean 'size'?",
        ),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: a, role: lann}\n",
            "s.yaml:3:21: unknown role 'lann' — did you mean 'lan'?",
        ),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: a, count: many}\n",
            "s.yaml:3:22: 'count' must be a whole number, not 'many'",
        ),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: a, size: /129}\n",
            "s.yaml:3:21: 'size' must be a prefix length such as /48",
        ),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: a, strategy: random}\n",
            "s.yaml:3:25: unknown strategy 'random'",
        ),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: 'a/b'}\n",
            "s.yaml:3:12: name 'a/b' is not usable",
        ),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: a, size: /48}\n  - {name: a, size: /48}\n",
            "s.yaml:4:5: two children are named 'a'",
        ),
        (
            "prefix: 2001:db8::/32\nprefix: 2001:db8::/32\n",
            "s.yaml:2:1: key 'prefix' appears twice",
        ),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: lan, role: lan, children: [{name: x, size: /64}]}\n",
            "s.yaml:3:38: a lan node cannot have children",
        ),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: a, count: 2, prefix: '2001:db8::/48'}\n",
            "'prefix' pins one block, but this node has count > 1",
        ),
        ("prefix: 2001:db8::/32\nchildren:\n\t- name: a\n", "s.yaml:3:1: YAML syntax"),
        ("prefix: [2001:db8::/32]\n", "s.yaml:1:9: 'prefix' must be a single value, not a list"),
        ("- a\n- b\n", "s.yaml:1:1: spec must be a mapping"),
        ("", "the spec is empty"),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: a, size: /48, growth: 0.5}\n",
            "'growth' is 0.5; it is a factor of at least 1",
        ),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: a, count: 2, names: [x, y, z]}\n",
            "3 names given for count 2",
        ),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: a, count: 2, size: /48}\n  - {name: a-2, size: /48}\n",
            "'a-2' makes a node named 'a-2', which 'a' also makes",
        ),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: x, role: p2p, ends: [r1]}\n",
            "each link in 'ends' needs exactly two router names",
        ),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: r, role: reserve}\n",
            "a reserve needs a 'size' or a 'prefix'",
        ),
        (
            "prefix: 2001:db8::/32\nchildren:\n  - {name: a, vlan: 5000, size: /48}\n",
            "'vlan' is 5,000; it must be from 1 to 4,094",
        ),
    ],
)
def test_bad_specs_get_one_clear_message_each(text: str, expected: str) -> None:
    got = problems(text)
    assert any(expected in p for p in got), got


def test_yaml_base60_trap_is_read_as_written() -> None:
    # YAML 1.1 reads an unquoted 20:30 as the integer 1230; we read the text as written.
    got = problems("prefix: 2001:db8:10:20:30:40:50:60\n")
    assert any(
        "'2001:db8:10:20:30:40:50:60'" in p and "must be a prefix with a length" in p for p in got
    ), got
    # read as the text it is (and refused: 2001::/23 holds IETF protocol assignments)
    got = problems("prefix: 2001:10:20:30::/64\n")
    assert any("2001:10:20:30::/64 is inside 2001::/23" in p for p in got), got


def test_all_problems_in_one_go() -> None:
    got = problems(
        "prefix: 2001:db8::/32\nchildren:\n  - {name: a, sise: /48}\n  - {name: b, count: x}\n  - {nome: c}\n"
    )
    assert len(got) >= 3


def test_non_utf8_and_unreadable_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"plan: \xff\xfe\n")
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec(bad)
    with pytest.raises(SpecError, match="cannot read the spec"):
        load_spec(tmp_path / "missing.yaml")


def test_alias_bombs_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    lines.append("prefix: 2001:db8::/32\nchildren: [*a7]")
    with pytest.raises(SpecError):
        parse_spec("\n".join(lines))


# -- fuzzing: nothing but SpecError, ever -------------------------------------------------------
def _must_only_raise_spec_error(text: str | bytes) -> None:
    try:
        spec = parse_spec(text, "fuzz.yaml")
        build(spec)
    except SpecError as exc:
        assert exc.problems and all(p.message for p in exc.problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_fuzz_any_text(text: str) -> None:
    _must_only_raise_spec_error(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_any_bytes(data: bytes) -> None:
    _must_only_raise_spec_error(data)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.sampled_from(
        [
            "/48",
            "/64",
            "/0",
            "/129",
            "48",
            "2001:db8::/32",
            "3fff::/20",
            "2001:db8::1/48",
            "fe80::/10",
            "lan",
            "p2p",
            "loopback",
            "site",
            "sparse",
            "centermost",
            "best-fit",
            "x/y",
            "",
            "ü",
        ]
    ),
    st.text(max_size=12),
)
KEYS = st.sampled_from(
    [
        "name",
        "children",
        "count",
        "names",
        "size",
        "prefix",
        "growth",
        "strategy",
        "step",
        "role",
        "description",
        "nibble",
        "tags",
        "vlan",
        "router",
        "ends",
        "bogus",
    ]
)
NODE = st.recursive(
    st.dictionaries(KEYS, SCALARS, max_size=6),
    lambda inner: st.one_of(
        st.dictionaries(
            KEYS,
            st.one_of(SCALARS, st.lists(inner, max_size=3), st.lists(SCALARS, max_size=3)),
            max_size=6,
        ),
        st.lists(inner, max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    top=st.fixed_dictionaries(
        {
            "prefix": st.sampled_from(
                ["2001:db8::/32", "3fff::/20", "2001:db8:1::/48", "2001:db8::1/32", "x", "::/0"]
            )
        },
        optional={
            "plan": SCALARS,
            "defaults": st.dictionaries(
                st.sampled_from(["strategy", "growth", "nibble", "x"]), SCALARS
            ),
            "children": st.lists(NODE, max_size=4),
        },
    )
)
def test_fuzz_structured_specs(top: dict[str, object]) -> None:
    import yaml

    _must_only_raise_spec_error(yaml.safe_dump(top, allow_unicode=True))


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("  - {name: core, role: p2p, ends: [['r 1', r2]]}", 37),
        ('  - {name: core, role: p2p, ends: [[r1, "r2\\nhostname x"]]}', 41),
        ("  - {name: lan, role: lan, router: 'r1; rm'}", 36),
    ],
)
def test_router_names_follow_the_node_name_rule(line: str, column: int) -> None:
    """A router's name becomes a host name, interface and file name in the exports: a bad one
    is a spec error with its place, not a surprise at export time."""
    with pytest.raises(SpecError, match=rf"spec>:4:{column}: router name .* is not usable"):
        parse_spec(f"plan: t\nprefix: 2001:db8::/48\nchildren:\n{line}\n")


@pytest.mark.parametrize("name", ["site-²", "site-" + "9" * 5000, "site-01"])
def test_retire_of_a_name_the_node_cannot_make_is_a_problem_not_a_crash(name: str) -> None:
    """'site-²' passed str.isdigit and int() raised ValueError: a traceback from `plan`."""
    text = f"plan: t\nprefix: 2001:db8::/48\nchildren:\n  - {{name: site, count: 3, size: /56, retire: ['{name}']}}\n"
    with pytest.raises(SpecError, match=r"'retire' names .* which 'site' does not make"):
        parse_spec(text)
