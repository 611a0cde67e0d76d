"""Fuzzing every reader: raw bytes, text and valid-shaped files with hostile values.

Each reader may accept a file or refuse it with one of our errors (a V6PlanError) — never
another exception — and stays within a memory bound (tracemalloc peak per example). The
number of examples per reader is ``V6PLAN_FUZZ_EXAMPLES`` (default 300, spread over its
strategies; more for a longer hunt); ``V6PLAN_FUZZ_REPORT=FILE`` writes the
examples run per reader as JSON.
"""

from __future__ import annotations

import json
import os
import tempfile
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from v6plan._errors import V6PlanError

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
EXAMPLES = int(os.environ.get("V6PLAN_FUZZ_EXAMPLES", "300"))
#: Peak Python memory one example may take: inputs are a few KiB, so anything near this
#: means a reader materialised something its input only described.
PEAK_BYTES = 64 << 20
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # no timing assertions
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
COUNTS: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_counts() -> Iterator[None]:
    yield
    target = os.environ.get("V6PLAN_FUZZ_REPORT")
    if target:
        old = json.loads(Path(target).read_text()) if Path(target).is_file() else {}
        old.update(COUNTS)
        Path(target).write_text(json.dumps(old, indent=2, sort_keys=True) + "\n")


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="v6plan-fuzz-") as name:
        yield Path(name)


def bounded(reader: str, call: Callable[[], object]) -> None:
    """Run one example: our error or success, within :data:`PEAK_BYTES`."""
    COUNTS[reader] += 1
    tracemalloc.start()
    try:
        call()
        COUNTS[f"{reader} (accepted)"] += 1
    except V6PlanError:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    COUNTS[f"{reader} (peak KiB)"] = max(COUNTS[f"{reader} (peak KiB)"], peak >> 10)
    assert peak < PEAK_BYTES, f"{reader}: {peak:,} bytes for one small input"


# -- strategies -----------------------------------------------------------------------------------
HOSTILE_TEXT = [
    "::/0", "fe80::/10", "ff00::/8", "::1/128", "::ffff:0:0/96", "2001:db8::/129",
    "2001:db8::1/64", "2001:db8::/32", "3fff::/20", "fd00::/48", "/0", "/128", "/129", "",
    " ", "\x00", "\ufeff", "é", "r1", "r1:eth0", "true", "null", "~", "-1", "0", "1e309",
    "nan", "inf", "0x10", "1_000_000", "16777216", "4294967296", "10" * 3000, "1" * 5000,
    "{plan}", "{expand:r1.eth0}", "{count:plan:64}", "{subnet:plan:52:99999999999999}",
    "../../etc/passwd", "x\ny", "20:30", "2001:10:20:30::/64",
]  # fmt: skip
#: Long texts, made on demand (a strategy's repr stays short in a failure report).
LONG_TEXT = st.integers(min_value=250, max_value=6000).map(lambda n: "1" * n) | st.integers(
    min_value=250, max_value=3000
).map(lambda n: "a" * n)
#: Values that pass the type checks but push the limits: sizes, counts, VLANs, lengths.
EXTREME = st.one_of(
    st.sampled_from(
        [
            0,
            1,
            2,
            15,
            16,
            17,
            64,
            127,
            128,
            129,
            255,
            256,
            4094,
            4095,
            1 << 20,
            1 << 24,
            (1 << 24) + 1,
            1 << 32,
            "/0",
            "/1",
            "/63",
            "/64",
            "/127",
            "/128",
            1.0000001,
            2**64,
        ]
    ),
    st.integers(min_value=0, max_value=1 << 26),
)
SCALARS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from(HOSTILE_TEXT),
    LONG_TEXT,
    st.text(max_size=40),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
)
ANY_VALUE = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=25,
)
YAML_ALPHABET = [*list(":-[]{}&*!|>'\"#%@`,?\n\t ab01/."), "\x00", "\ufeff", "\r\n", "é", "::"]


def tokens(alphabet: list[str], size: int = 300) -> st.SearchStrategy[str]:
    """Text made of ``alphabet``'s tokens (some longer than one character)."""
    return st.lists(st.sampled_from(alphabet), max_size=size).map("".join)


YAML_TEXT = tokens(YAML_ALPHABET)
RAW = st.binary(max_size=1500)


def mostly(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``value`` three times in four, anything else the fourth."""
    return st.one_of(value, value, value, ANY_VALUE)


def shaped(
    keys: dict[str, st.SearchStrategy[Any]], required: tuple[str, ...] = ()
) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping of ``keys`` (each with its own value strategy, mostly well-typed; the
    ``required`` ones always there) and, now and then, a stray key."""
    fixed = st.fixed_dictionaries(
        {k: mostly(keys[k]) for k in required},
        optional={k: mostly(v) for k, v in keys.items() if k not in required},
    )
    stray = st.dictionaries(st.sampled_from([*keys, "x", "<<"]), ANY_VALUE, min_size=1, max_size=2)
    extra = st.one_of(st.just({}), st.just({}), st.just({}), stray)
    return st.tuples(fixed, extra).map(lambda pair: {**pair[1], **pair[0]})


def to_yaml(value: Any) -> bytes:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False).encode()


def to_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


COUNT = st.one_of(
    st.integers(min_value=1, max_value=20),
    st.integers(min_value=-5, max_value=1 << 30),
    st.sampled_from(["16777216", "1e9", "x", 1 << 64]),
)
GOOD_PREFIX = st.sampled_from(
    ["2001:db8::/32", "3fff::/20", "2001:db8:42::/48", "fd12:3456:789a::/48"]
)
PREFIX = st.one_of(GOOD_PREFIX, GOOD_PREFIX, st.sampled_from(HOSTILE_TEXT[:12]))
NAME = st.one_of(
    st.sampled_from(["a", "site", "r1", "r2", "h1", "lan", "core"]),
    st.sampled_from(["x y", "-", "a" * 70, "a/b", "é"]) | st.text(max_size=8),
)
SPEC_NODE = st.recursive(
    shaped(
        {
            "name": NAME,
            "count": COUNT,
            "size": st.sampled_from(["/48", "/64", "/127", "/0", "/200", "48"]),
            "role": st.sampled_from(["lan", "p2p", "loopback", "site", "customer", "reserve", "x"]),
            "prefix": PREFIX,
            "growth": st.sampled_from([1, 2, 1.5, 0, -1, "1e308", "inf", 4294967297]),
            "step": COUNT,
            "strategy": st.sampled_from(["sequential", "sparse", "centermost", "best-fit", "x"]),
            "names": st.lists(NAME, max_size=4),
            "vlan": COUNT,
            "ends": st.lists(st.lists(NAME, max_size=3), max_size=3),
            "retire": st.lists(NAME, max_size=3),
            "router": NAME,
            "interface": st.sampled_from(["eth0", "eth{vlan}", "{nope}", "a b"]),
        },
        required=("name",),
    ),
    lambda inner: shaped({"name": NAME, "children": st.lists(inner, max_size=3)}, ("name",)),
    max_leaves=6,
)
SPEC = shaped(
    {
        "plan": st.text(max_size=20),
        "prefix": PREFIX,
        "defaults": shaped({"growth": ANY_VALUE, "strategy": ANY_VALUE, "nibble": ANY_VALUE}),
        "children": st.lists(SPEC_NODE, max_size=4),
    },
    required=("prefix", "children"),
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], bool]]:
    """Every place in a document, with True for a scalar (a leaf)."""
    if isinstance(value, dict):
        yield path, False
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        yield path, False
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))
    else:
        yield path, True


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: _replace(v, rest, new) if k == head else v for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, rest, new) if i == head else v for i, v in enumerate(value)]
    return value  # an earlier edit replaced this subtree


def mutated(base: Any) -> st.SearchStrategy[Any]:
    """A real, valid document with one to three values replaced: mostly a scalar by an
    extreme but well-typed one (the readers' deep paths — builder, resolver, grader — see
    these), now and then a subtree by anything."""
    places = list(_paths(base))
    leaves = [p for p, leaf in places if leaf]
    trees = [p for p, leaf in places if not leaf]

    def apply(edits: list[tuple[tuple[Any, ...], Any]]) -> Any:
        out = base
        for path, new in edits:
            out = _replace(out, path, new)
        return out

    leaf_edit = st.tuples(st.sampled_from(leaves), st.one_of(EXTREME, EXTREME, SCALARS))
    tree_edit = st.tuples(st.sampled_from(trees), ANY_VALUE)
    edit = st.one_of(leaf_edit, leaf_edit, leaf_edit, tree_edit)
    return st.lists(edit, min_size=1, max_size=3).map(apply)


def three_ways(
    structured: st.SearchStrategy[Any],
    dump: Callable[[Any], bytes],
    base: Any = None,
) -> st.SearchStrategy[bytes]:
    """Raw bytes, YAML-ish text, valid-shaped documents with hostile values, and (with
    ``base``) a real document with hostile values put in (twice as often: it goes deepest)."""
    ways = [RAW, YAML_TEXT.map(str.encode), structured.map(dump)]
    if base is not None:
        ways += [mutated(base).map(dump)] * 2
    return st.one_of(*ways)


ROOT = Path(__file__).resolve().parents[1]


def example(path: str) -> Any:
    """A shipped file as plain data, the base of :func:`mutated`."""
    text = (ROOT / path).read_text()
    return json.loads(text) if path.endswith(".json") else yaml.safe_load(text)


GOOD_VARIANT = {
    "variant": "alice",
    "prefix": "2001:db8:4a00::/48",
    "seed": 7,
    "lab": "04-lan-addressing",
    "class": "c1",
    "key": "ab" * 32,
}
GOOD_MANIFEST = {
    "format": "v6lab-class/1",
    "class": "c1",
    "trainees": [
        {
            "id": "alice",
            "name": "Alice",
            "variants": {"04-lan-addressing": {"prefix": "2001:db8:1::/48", "seed": 1}},
        }
    ],
    "labs": [{"name": "04-lan-addressing", "checks": [{"id": "r1-address", "points": 2}]}],
}
GOOD_RESULT = {
    "format": "v6lab-result/1",
    "lab": "04-lan-addressing",
    "backend": "sim",
    "plan": "2001:db8:1::/48",
    "started": 1.0,
    "checks": [{"id": "r1-address", "passed": True}],
    "journal": [{"t": 2.0, "node": "r1", "command": "ip -6 addr show"}],
    "identity": {
        "variant": "alice",
        "lab": "04-lan-addressing",
        "class": "c1",
        "prefix": "2001:db8:1::/48",
        "seed": 1,
    },
    "signature": {"alg": "HMAC-SHA256", "kdf": "HKDF-SHA256", "mac": "00" * 32},
}


# -- the plan spec and the lock ------------------------------------------------------------------
@FUZZ
@given(three_ways(SPEC, to_yaml, example("examples/campus.yaml")))
def test_fuzz_spec(data: bytes) -> None:
    from v6plan import build, parse_spec

    # the builder sizes work from the spec's numbers: a small budget keeps examples cheap,
    # the budget check itself is what runs before any allocation
    bounded("spec", lambda: build(parse_spec(data, "fuzz.yaml"), max_nodes=20_000))


LOCK_SPEC = "prefix: 2001:db8::/32\nchildren:\n  - {name: a, size: /48, count: 3}\n  - {name: b, children: [{name: lan, role: lan, count: 2}]}\n"
RUNS = st.lists(
    st.one_of(
        st.none(),
        st.integers(min_value=-1, max_value=2**130),
        st.lists(st.integers(min_value=-1, max_value=10**16), max_size=3),
        ANY_VALUE,
    ),
    max_size=4,
)
LOCK = shaped(
    {
        "v6plan-lock": st.sampled_from([1, 1, 2, "1", True]),
        "spec": st.sampled_from(["x.yaml", ""]) | ANY_VALUE,
        "prefix": st.sampled_from(["2001:db8::/32", "2001:db8::/32", "3fff::/20"]) | PREFIX,
        "parents": st.dictionaries(
            st.sampled_from(["/", "b", "b-1", "x"]),
            st.dictionaries(
                st.sampled_from(["a", "b", "lan"]),
                st.tuples(st.sampled_from([48, 64, 0, 129, -1, True]), RUNS).map(list) | ANY_VALUE,
                max_size=3,
            ),
            max_size=3,
        ),
    },
    required=("v6plan-lock", "spec", "prefix", "parents"),
)


@FUZZ
@given(three_ways(LOCK, to_json, example("examples/campus.lock.json")))
def test_fuzz_lock(data: bytes) -> None:
    from v6plan import build, parse_spec
    from v6plan._lock import Lock

    def read() -> None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return
        build(parse_spec(LOCK_SPEC, "x.yaml"), Lock.parse(text, "x.lock.json"))

    bounded("lock", read)


@FUZZ
@given(st.binary(max_size=64) | st.sampled_from([b"\x00" * 4096, b"\xff" * 4097, b" \n" * 3000]))
def test_fuzz_iid_secret_file(workdir: Path, data: bytes) -> None:
    from v6plan.cli import main

    secret = workdir / "secret.bin"
    secret.write_bytes(data)

    def run() -> None:
        assert main(["calc", "iid", "2001:db8::/64", "--secret-file", str(secret)]) in (0, 2)

    bounded("calc iid --secret-file", run)


# -- lab files ------------------------------------------------------------------------------------
ENDPOINT = st.sampled_from(["h1:eth0", "r1:eth0", "r1:eth1", "h2:eth0", "r1:lo", "x", "h1:"])
TOPOLOGY = shaped(
    {
        "topology": NAME,
        "plan": st.sampled_from(["lan-router-lan.plan.yaml", "nope.yaml", "../../x"]),
        "routes": st.sampled_from(["static", "none", "x"]),
        "nodes": st.dictionaries(
            st.sampled_from(["h1", "h2", "r1", "R1", "a" * 9]),
            st.sampled_from(["host", "router", "x"])
            | shaped(
                {
                    "kind": st.sampled_from(["host", "router"]),
                    "accept_ra": COUNT,
                    "forwarding": ANY_VALUE,
                    "sysctls": st.dictionaries(
                        st.sampled_from(["net.ipv6.x", "kernel.x"]), ANY_VALUE
                    ),
                    "loopback": st.sampled_from(["loopbacks/r1", "nope"]),
                }
            ),
            max_size=4,
        ),
        "links": st.lists(
            shaped(
                {
                    "endpoints": st.lists(ENDPOINT, max_size=3),
                    "plan": st.sampled_from(["lans/lan-1", "lan-1", "nope", ""]),
                    "advertise": ANY_VALUE,
                    "addresses": st.dictionaries(st.sampled_from(["h1", "r1"]), ANY_VALUE),
                }
            ),
            max_size=3,
        ),
    },
    required=("nodes", "links"),
)


def _topology_dir(workdir: Path) -> Path:
    from v6plan.lab.model._labfile import topology_dirs

    shipped = next(d for d in topology_dirs() if (d / "lan-router-lan.plan.yaml").is_file())
    here = workdir / "topologies"
    if not here.is_dir():
        here.mkdir()
        for plan in ("lan-router-lan.plan.yaml", "two-lans.plan.yaml"):
            (here / plan).write_bytes((shipped / plan).read_bytes())
    return here


@FUZZ
@given(three_ways(TOPOLOGY, to_yaml, example("topologies/two-lans.yaml")))
def test_fuzz_topology(workdir: Path, data: bytes) -> None:
    from v6plan.lab.model._topology import load_plan_for, load_topology, resolve

    file = _topology_dir(workdir) / "fuzz.yaml"
    file.write_bytes(data)

    def read() -> None:
        topology = load_topology(file)
        if topology.plan_file is not None:
            resolve(topology, load_plan_for(topology.plan_file))

    bounded("topology", read)


CHECK = shaped(
    {
        "id": NAME,
        "type": st.sampled_from(
            ["address", "route", "reachable", "plan", "quiz", "plan-spec", "x"]
        ),
        "node": st.sampled_from(["h1", "r1", "zz"]),
        "points": COUNT,
        "address": st.sampled_from(["{r1.eth0.cidr}", "{nope}", "{expand:r1.eth0}", "::1"]),
    }
)
LAB = shaped(
    {
        "lab": st.just("04-lan-addressing"),
        "topology": st.sampled_from(["lan-router-lan", "nope"]),
        "level": st.sampled_from(["beginner", "x"]),
        "minutes": COUNT,
        "setup": shaped({"configure": ANY_VALUE, "commands": ANY_VALUE}),
        "checks": st.lists(CHECK, max_size=3),
        "solution": shaped(
            {
                "commands": st.dictionaries(
                    st.sampled_from(["r1", "h1"]),
                    st.lists(st.sampled_from(["ip -6 addr add {r1.eth0.cidr} dev eth0", "{nope}"])),
                ),
                "answers": ANY_VALUE,
            }
        ),
        "broken": st.lists(
            shaped({"id": NAME, "expect": ANY_VALUE, "commands": ANY_VALUE}), max_size=2
        ),
        "tags": ANY_VALUE,
    },
    required=("lab", "topology", "checks", "solution"),
)


@FUZZ
@given(three_ways(LAB, to_yaml, example("labs/04-lan-addressing/lab.yaml")))
def test_fuzz_lab(workdir: Path, data: bytes) -> None:
    from v6plan.lab.model._labfile import load_lab

    lab = workdir / "04-lan-addressing"  # the base document's own name and messages
    if not lab.is_dir():
        (lab / "messages").mkdir(parents=True)
        shipped = ROOT / "labs" / "04-lan-addressing" / "messages" / "en.yaml"
        (lab / "messages" / "en.yaml").write_bytes(shipped.read_bytes())
    (lab / "lab.yaml").write_bytes(data)
    bounded("lab", lambda: load_lab(lab))


CATALOGUE = st.dictionaries(
    st.sampled_from(["task", "hints", "checks", "questions", "x"]),
    ANY_VALUE,
    max_size=4,
)


@FUZZ
@given(three_ways(CATALOGUE, to_yaml, example("labs/04-lan-addressing/messages/en.yaml")))
def test_fuzz_message_catalogue(workdir: Path, data: bytes) -> None:
    from v6plan.lab.model._i18n import load_catalogue

    file = workdir / "en.yaml"
    file.write_bytes(data)
    bounded("message catalogue", lambda: load_catalogue(file))


VARIANT = shaped(
    {
        "variant": NAME,
        "prefix": PREFIX,
        "trainee": NAME,
        "seed": ANY_VALUE,
        "lab": NAME,
        "class": NAME,
        "key": st.sampled_from(["00" * 32, "zz"]),
    },
    required=("prefix",),
)


@FUZZ
@given(three_ways(VARIANT, to_yaml, GOOD_VARIANT))
def test_fuzz_variant(workdir: Path, data: bytes) -> None:
    from v6plan.lab.instructor._grading import _variant_fields
    from v6plan.lab.model._labfile import load_variant

    file = workdir / "fuzz.variant.yaml"
    file.write_bytes(data)

    def read() -> None:
        _variant_fields(str(file))  # what a signed result takes from it (None or a dict)
        load_variant(file)

    bounded("variant", read)


# -- the instructor's files -----------------------------------------------------------------------
CSV_TEXT = tokens([*list(',;\t"\n\r x#é'), "name", "id", "lang", "\x00"])
ROSTER_ROWS = st.lists(
    st.lists(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=12), max_size=5), max_size=8
)


def _roster_csv(rows: list[list[str]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "id", "lang", "email", "group"])
    writer.writerows(rows)
    return out.getvalue().encode()


@FUZZ
@given(st.one_of(RAW, CSV_TEXT.map(str.encode), ROSTER_ROWS.map(_roster_csv)))
def test_fuzz_roster(workdir: Path, data: bytes) -> None:
    from v6plan.lab.instructor._variants import read_roster

    file = workdir / "roster.csv"
    file.write_bytes(data)
    bounded("roster", lambda: read_roster(file))


@FUZZ
@given(
    st.one_of(
        RAW,
        YAML_TEXT.map(str.encode),
        st.sampled_from(["secret: " + "ab" * 32, "ab" * 32, "# x\n"]).map(str.encode),
    )
)
def test_fuzz_instructor_secret(workdir: Path, data: bytes) -> None:
    from v6plan.lab.instructor._secrets import read_secret

    file = workdir / "secret.key"
    file.write_bytes(data)
    bounded("instructor secret", lambda: read_secret(file))


MANIFEST = shaped(
    {
        "format": st.sampled_from(["v6lab-class/1", "x"]),
        "class": NAME,
        "secret": st.sampled_from(["secret.key", "/dev/zero", "nope"]),
        "secret_id": ANY_VALUE,
        "trainees": st.lists(shaped({"id": NAME, "name": NAME, "variants": ANY_VALUE}), max_size=3),
        "labs": st.lists(
            shaped(
                {
                    "name": NAME,
                    "checks": st.lists(shaped({"id": NAME, "points": COUNT}), max_size=3),
                }
            ),
            max_size=2,
        ),
    },
    required=("format", "class", "trainees", "labs"),
)


def _instructor_dir(workdir: Path) -> Path:
    here = workdir / "instructor"
    if not here.is_dir():
        here.mkdir()
        (here / "secret.key").write_text("secret: " + "ab" * 32 + "\n")
    return here


@FUZZ
@given(three_ways(MANIFEST, to_json, GOOD_MANIFEST))
def test_fuzz_class_manifest_and_grading(workdir: Path, data: bytes) -> None:
    from v6plan.lab.instructor._grading import grade, load_keys

    here = _instructor_dir(workdir)
    (here / "class.json").write_bytes(data)
    results = workdir / "handed-in"
    results.mkdir(exist_ok=True)

    def read() -> None:
        manifest = load_keys(here)
        grade([results], manifest)

    bounded("class manifest", read)


RESULT = shaped(
    {
        "format": st.sampled_from(["v6lab-result/1"]),
        "lab": st.sampled_from(["04-lan-addressing", "x"]),
        "backend": st.sampled_from(["sim", "netns", "x"]),
        "plan": PREFIX,
        "started": ANY_VALUE,
        "checks": st.lists(shaped({"id": NAME, "passed": ANY_VALUE, "points": COUNT}), max_size=3),
        "journal": st.lists(ANY_VALUE, max_size=3),
        "identity": shaped(
            {"variant": NAME, "lab": NAME, "class": NAME, "prefix": PREFIX, "seed": ANY_VALUE}
        ),
        "signature": shaped({"alg": st.just("HMAC-SHA256"), "mac": st.text(max_size=64)}),
    },
    required=("format", "lab", "checks", "identity"),
)


@FUZZ
@given(three_ways(RESULT, to_json, GOOD_RESULT))
def test_fuzz_result_file(workdir: Path, data: bytes) -> None:
    from v6plan.lab.instructor._grading import grade, load_keys

    here = workdir / "good-instructor"
    if not here.is_dir():
        here.mkdir()
        (here / "secret.key").write_text("secret: " + "ab" * 32 + "\n")
        (here / "class.json").write_text(json.dumps(GOOD_MANIFEST))
    results = workdir / "results"
    results.mkdir(exist_ok=True)
    (results / "alice-04-lan-addressing.json").write_bytes(data)

    def read() -> None:
        book = grade([results], load_keys(here))
        assert book.rows  # one row for the file (unreadable, unsigned, …), never an exception

    bounded("result file", read)


# -- the trainee's and the explorer's files -------------------------------------------------------
@FUZZ
@given(three_ways(SPEC, to_yaml, example("examples/isp-core.yaml")))
def test_fuzz_answer_file(workdir: Path, data: bytes) -> None:
    from v6plan.lab.checks._context import _build_spec
    from v6plan.lab.checks._quiz import read_file_answer

    file = workdir / "answer.yaml"
    file.write_bytes(data)

    def read() -> None:
        text = read_file_answer(str(file))
        plan, _why = _build_spec(text, "plan")  # what `v6lab answer plan FILE` checks run
        assert plan is None or len(plan) <= 200_001

    bounded("quiz answer file", read)


KEYMAP_TEXT = tokens([*list("[]=\"\n .ab=ctrl+w#'"), "keymap", "app.save", "\x00"])


def _toml(value: dict[str, Any]) -> bytes:
    lines = ["[keymap]"] + [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items()]
    return ("\n".join(lines) + "\n").encode()


@FUZZ
@given(
    st.one_of(
        RAW,
        KEYMAP_TEXT.map(str.encode),
        st.dictionaries(
            st.sampled_from(["app.save", "app.quit", "x", ""]),
            st.text(max_size=10) | st.integers().map(str),
            max_size=3,
        ).map(_toml),
    )
)
def test_fuzz_keymap(workdir: Path, data: bytes) -> None:
    pytest.importorskip("textual")
    from v6plan.tui.app import all_binding_ids, load_keymap

    file = workdir / "keymap.toml"
    file.write_bytes(data)
    bounded("TUI keymap", lambda: load_keymap(file, all_binding_ids()))


SESSION = shaped(
    {
        "tag": NAME,
        "lab": NAME,
        "backend": st.sampled_from(["sim", "fake"]),
        "started": ANY_VALUE,
        "pid": ANY_VALUE,
        "ready": ANY_VALUE,
        "prefix": PREFIX,
    },
    required=("tag", "lab", "backend", "started"),
)


@FUZZ
@given(three_ways(SESSION, to_json), three_ways(st.lists(ANY_VALUE, max_size=3), to_json))
def test_fuzz_session_state(workdir: Path, info: bytes, journal: bytes) -> None:
    from v6plan.lab.checks._quiz import answer_records, load_answers
    from v6plan.lab.runtime._session import Session

    state = workdir / "state"
    session = state / "s1"
    session.mkdir(parents=True, exist_ok=True)
    (state / "active").write_text("s1\n")
    (session / "session.json").write_bytes(info)
    (session / "journal.jsonl").write_bytes(journal + b"\n" + journal)
    (session / "answers.json").write_bytes(journal)

    def read() -> None:
        load_answers(session)
        answer_records(session)
        current = Session.current(state)  # NoSessionError (ours) when the file is not ours
        current.journal()

    bounded("session state", read)
