"""The plan spec: a small hand-written YAML file, loaded with a place for every value.

We compose the YAML ourselves (never ``yaml.safe_load``) so that every problem can
name its file, line and column, duplicate keys are caught, and address text is read
as written: YAML 1.1 would turn an unquoted ``2001:10:20:30`` into a base-60 integer.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import AddressError, Problem, SpecError
from ._io import ReadError, read_input
from ._limits import SPEC_BYTES, YAML_VALUES, whole_number, yes_no
from ._orders import STRATEGIES
from ._prefix import parse_prefix
from ._routers import NAME, ROUTER_KEYS, template_problem
from ._sizing import DEFAULT_HORIZON
from ._special import root_problem

if TYPE_CHECKING:
    pass

__all__ = [
    "DEFAULT_SIZES",
    "LEAF_ROLES",
    "ROLES",
    "Spec",
    "SpecNode",
    "compose_yaml",
    "load_spec",
    "numbered_name",
    "parse_spec",
    "read_spec_bytes",
]

#: Roles a spec may give a node, with the block each gets when no size is given.
DEFAULT_SIZES: dict[str, int] = {"lan": 64, "p2p": 64, "loopback": 64, "site": 48, "customer": 56}
ROLES = ("lan", "p2p", "loopback", "site", "customer", "reserve", "infrastructure", "container")
#: Roles that end a branch: they cannot have children in the spec.
LEAF_ROLES = ("lan", "p2p", "loopback", "reserve")

MAX_SPEC_BYTES = SPEC_BYTES
MAX_YAML_NODES = YAML_VALUES
MAX_DEPTH = 40
_NAME = NAME  # node and router names follow one rule
_INT = re.compile(r"^[0-9][0-9_]*$")
_NUMBER = re.compile(r"^[0-9][0-9_]*(\.[0-9]+)?$")

_TOP_KEYS = ("plan", "prefix", "description", "defaults", "children")
_DEFAULT_KEYS = ("strategy", "growth", "nibble", "horizon", "minimum")
#: Roles a `defaults: minimum:` may name: the ones the planner can size itself.
MINIMUM_ROLES = ("site", "customer", "container", "infrastructure")
_NODE_KEYS = (
    "name", "children", "count", "names", "size", "prefix", "growth", "strategy",
    "step", "role", "description", "nibble", "tags", "vlan", "router", "ends", "retire",
    "interface",
)  # fmt: skip


@dataclass(slots=True)
class SpecNode:
    """One node of the spec: a template for ``count`` siblings in the plan."""

    name: str
    line: int = 0
    column: int = 0
    count: int = 1
    names: tuple[str, ...] = ()
    size: int | None = None
    prefix: tuple[int, int] | None = None
    growth: float = 1.0
    strategy: str = "sequential"
    step: int = 1
    role: str = ""
    description: str = ""
    nibble: bool = True
    tags: tuple[str, ...] = ()
    vlan: int | None = None
    router: str = ""
    ends: tuple[tuple[str, str], ...] = ()
    #: Interface name (template) of a LAN or p2p link in the router exports.
    interface: str = ""
    #: Instances taken out of the plan by name (``retire: [site-3]``); the others keep
    #: their index, name, VLAN and block, and ``count`` still sizes the parent.
    retire: tuple[str, ...] = ()
    #: The 0-based indexes of ``retire`` (for loopbacks: of the /128 hosts).
    retired: frozenset[int] = frozenset()
    children: list[SpecNode] = field(default_factory=list)
    #: Places of the node's keys (1-based line, column), for messages about values.
    places: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Block length per instance; set by the builder's sizing pass.
    length: int = 0

    def place(self, key: str = "") -> tuple[int, int]:
        return self.places.get(key, (self.line, self.column))

    def instance_name(self, index: int) -> str:
        """Name of the index-th (0-based) sibling this template makes."""
        if index < len(self.names):
            return self.names[index]
        return self.name if self.count == 1 and not self.names else f"{self.name}-{index + 1}"

    def host_name(self, index: int) -> str:
        """Name of the index-th (0-based) /128 host a loopback node makes: ``names[index]``,
        else ``name-(index + 1)`` — never the bare name, even for one host."""
        return self.names[index] if index < len(self.names) else f"{self.name}-{index + 1}"

    def host_names(self, count: int) -> list[str]:
        """:meth:`host_name` of the first ``count`` hosts, built at list speed."""
        given = list(self.names[:count])
        return given + [f"{self.name}-{j}" for j in range(len(given) + 1, count + 1)]

    @property
    def makes_siblings(self) -> bool:
        """Loopback ``count`` counts /128s inside one /64, not sibling blocks."""
        return self.role != "loopback"

    @property
    def sibling_count(self) -> int:
        return self.count if self.makes_siblings else 1


@dataclass(slots=True)
class Spec:
    """A loaded plan spec: the root allocation and the tree of node templates."""

    title: str
    prefix: tuple[int, int]
    children: list[SpecNode]
    file: str = "<spec>"
    description: str = ""
    strategy: str = "sequential"
    growth: float = 1.0
    nibble: bool = True
    #: Years the growth factors cover (``defaults: horizon``): the RIR request projects
    #: each level's count over them (v6plan._request).
    horizon: int = DEFAULT_HORIZON
    #: Longest block per role the planner may give a node it sizes itself
    #: (``defaults: minimum: {site: /48}``); a pinned ``size:`` or ``prefix:`` still wins.
    minimum: dict[str, int] = field(default_factory=dict)
    line: int = 1
    column: int = 1
    places: dict[str, tuple[int, int]] = field(default_factory=dict)

    def place(self, key: str = "") -> tuple[int, int]:
        return self.places.get(key, (self.line, self.column))


def read_spec_bytes(path: str | Path) -> bytes:
    """A spec file's bytes: a regular file of at most 4 MiB (see :func:`v6plan._io.read_input`)."""
    try:
        return read_input(path, what="spec", limit=MAX_SPEC_BYTES)
    except ReadError as exc:
        raise SpecError([Problem(exc.file, 0, 0, exc.reason, exc.hint)]) from None


def load_spec(path: str | Path) -> Spec:
    """Read and validate a spec file; raise :class:`SpecError` listing every problem."""
    return parse_spec(read_spec_bytes(path), str(path))


def parse_spec(data: str | bytes, file: str = "<spec>") -> Spec:
    """Validate spec text; raise :class:`SpecError` listing every problem."""
    return _Reader(file).read(data)


def compose_yaml(
    data: str | bytes,
    file: str,
    what: str = "spec",
    limit: int = MAX_SPEC_BYTES,
    empty_hint: str = "",
) -> Any:
    """Decode and compose a YAML file into nodes that know their line and column.

    Shared by every YAML file v6plan reads (specs, topologies, labs, variants): text and
    syntax problems become one :class:`SpecError` naming the place.
    """
    import yaml

    if len(data) > limit:
        message = (
            f"the {what} is {len(data):,} bytes; the limit for a hand-written file is {limit:,}"
        )
        raise SpecError([Problem(file, 0, 0, message)])
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise SpecError(
                [Problem(file, line, 0, f"the {what} is not UTF-8 text", "save it as UTF-8")]
            ) from None
    else:
        text = data
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        hint = "YAML indents with spaces, not tabs" if "\t" in text else ""
        raise SpecError([Problem(file, line, col, f"YAML syntax: {problem}", hint)]) from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        raise SpecError([Problem(file, 0, 0, f"YAML syntax: {exc}")]) from None
    if root is None:
        raise SpecError([Problem(file, 1, 1, f"the {what} is empty", empty_hint)])
    return root


def _made_names(node: SpecNode) -> tuple[list[str], tuple[int, int] | None]:
    """The names of the plan nodes ``node`` makes: the explicit ones in order, and the range
    ``lo…hi`` of the generated ``name-N`` (None when there are none)."""
    if not node.makes_siblings:  # a loopback is one /64 node under its own name
        return [node.name], None
    given = list(node.names[: node.count])
    if not given and node.count == 1:
        return [node.name], None
    return given, (len(given) + 1, node.count) if node.count > len(given) else None


def numbered_name(name: str) -> tuple[str, int] | None:
    """``"site-12"`` → ``("site", 12)``: a name the builder could generate (``name-N``, N
    written in ASCII digits without a leading zero); None for any other name."""
    base, dash, number = name.rpartition("-")
    if dash and number.isascii() and number.isdigit() and len(number) <= 9 and number[0] != "0":
        return base, int(number)
    return None


def _clash(
    node: SpecNode,
    own: list[str],
    generated: tuple[int, int] | None,
    explicit: dict[str, SpecNode],
    numbered: dict[str, list[tuple[int, str, SpecNode]]],
    ranges: dict[str, tuple[SpecNode, int, int]],
) -> tuple[str, SpecNode] | None:
    """The first name ``node`` makes that it or an earlier sibling already makes."""
    seen: set[str] = set()
    for name in own:
        if name in seen:
            return name, node
        seen.add(name)
        other = explicit.get(name)
        number = numbered_name(name)
        if other is None and number is not None and number[0] in ranges:
            owner, lo, hi = ranges[number[0]]
            other = owner if lo <= number[1] <= hi else None
        if other is not None:
            return name, other
    if generated is not None:
        lo, hi = generated
        for name in own:  # its own explicit names that its generated ones repeat
            number = numbered_name(name)
            if number is not None and number[0] == node.name and lo <= number[1] <= hi:
                return name, node
        for k, name, other in numbered.get(node.name, ()):
            if lo <= k <= hi:
                return name, other
    return None


def _loopback_named_twice(node: SpecNode) -> str | None:
    """A host name a loopback node makes twice, or None. The builder names hosts
    ``names[0..]`` then ``name-(len(names)+1) … name-count``; checked without making the
    (up to a million) generated names, in one pass over the explicit ones."""
    explicit = node.names[: node.count]
    seen: set[str] = set()
    for host in explicit:
        if host in seen:
            return host
        seen.add(host)
    for host in explicit:  # an explicit name that a generated one repeats
        number = numbered_name(host)
        if (
            number is not None
            and number[0] == node.name
            and len(explicit) < number[1] <= node.count
        ):
            return host
    return None


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.visited = 0

    # -- reporting -------------------------------------------------------------
    def problem(self, node: Any, message: str, hint: str = "") -> None:
        mark = getattr(node, "start_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        self.problems.append(Problem(self.file, line, col, message, hint))

    def fail(self) -> SpecError:
        return SpecError(self.problems)

    # -- entry -----------------------------------------------------------------
    def read(self, data: str | bytes) -> Spec:
        root = compose_yaml(
            data, self.file, "spec", empty_hint="start with `plan:`, `prefix:` and `children:`"
        )
        spec = self.top(root)
        if self.problems or spec is None:
            raise self.fail()
        return spec

    # -- typed values ------------------------------------------------------------
    def mapping(
        self, node: Any, allowed: tuple[str, ...], what: str
    ) -> dict[str, tuple[Any, Any]] | None:
        import yaml

        if not isinstance(node, yaml.MappingNode):
            self.problem(
                node,
                f"{what} must be a mapping of keys to values",
                f"write it as `key: value` lines; got {self.describe(node)}",
            )
            return None
        out: dict[str, tuple[Any, Any]] = {}
        for key_node, value_node in node.value:
            self.count_node()
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, f"{what} has a key that is not plain text")
                continue
            key = key_node.value
            if key == "<<":
                self.problem(
                    key_node,
                    "YAML merge keys (<<) are not supported",
                    "use `count:` to repeat a node",
                )
                continue
            if key in out:
                self.problem(
                    key_node, f"key {key!r} appears twice in this {what}", "keep one of them"
                )
                continue
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = (
                    f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(allowed)
                )
                self.problem(key_node, f"unknown key {key!r} in {what}", hint)
                continue
            out[key] = (key_node, value_node)
        return out

    def count_node(self) -> None:
        self.visited += 1
        if self.visited > MAX_YAML_NODES:
            raise SpecError(
                [
                    Problem(
                        self.file,
                        0,
                        0,
                        f"the file expands to more than {MAX_YAML_NODES:,} YAML values",
                        "check for aliases (*name) that repeat large parts",
                    )
                ]
            )

    @staticmethod
    def describe(node: Any) -> str:
        import yaml

        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        return f"{node.value!r}"

    def scalar(self, node: Any, key: str) -> str | None:
        import yaml

        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{key!r} must be a single value, not {self.describe(node)}")
            return None
        if node.tag == "tag:yaml.org,2002:null" and node.style is None:
            self.problem(node, f"{key!r} has no value", f"give {key!r} a value or remove the key")
            return None
        return str(node.value)

    def text(self, node: Any, key: str) -> str | None:
        return self.scalar(node, key)

    def integer(self, node: Any, key: str, low: int, high: int, example: str) -> int | None:
        raw = self.scalar(node, key)
        if raw is None:
            return None
        raw = raw.strip()
        if _INT.match(raw) and len(raw) > 40:  # beyond any limit here; int() would refuse it
            self.problem(
                node, f"{key!r} is a {len(raw):,}-digit number; it must be from {low:,} to {high:,}"
            )
            return None
        if not _INT.match(raw):
            self.problem(
                node,
                f"{key!r} must be a whole number, not {raw!r}",
                f"for example `{key}: {example}`",
            )
            return None
        value = int(raw.replace("_", ""))
        if not low <= value <= high:
            self.problem(node, f"{key!r} is {value:,}; it must be from {low:,} to {high:,}")
            return None
        return value

    def boolean(self, node: Any, key: str) -> bool | None:
        raw = self.scalar(node, key)
        if raw is None:
            return None
        flag = yes_no(raw)
        if flag is None:
            self.problem(node, f"{key!r} must be true or false, not {raw!r}")
        return flag

    def growth(self, node: Any) -> float | None:
        raw = self.scalar(node, "growth")
        if raw is None:
            return None
        raw = raw.strip().rstrip("x×")
        if not _NUMBER.match(raw):
            self.problem(node, f"'growth' must be a factor such as 2 or 1.5, not {node.value!r}")
            return None
        value = float(raw.replace("_", ""))
        if not 1 <= value <= 1 << 32:
            self.problem(
                node,
                f"'growth' is {value:g}; it is a factor of at least 1 (1 = no growth room, 2 = room to double)",
            )
            return None
        return value

    def strategy(self, node: Any) -> str | None:
        raw = self.scalar(node, "strategy")
        if raw is None:
            return None
        if raw not in STRATEGIES:
            close = difflib.get_close_matches(raw, STRATEGIES, n=1)
            hint = (
                f"did you mean {close[0]!r}?" if close else "use one of: " + ", ".join(STRATEGIES)
            )
            self.problem(node, f"unknown strategy {raw!r}", hint)
            return None
        return raw

    def prefix(self, node: Any, key: str) -> tuple[int, int] | None:
        raw = self.scalar(node, key)
        if raw is None:
            return None
        if "/" not in raw:
            self.problem(
                node,
                f"{key!r} must be a prefix with a length, not {raw!r}",
                f"for example `{key}: 2001:db8::/32`",
            )
            return None
        try:
            return parse_prefix(raw)
        except AddressError as exc:
            self.problem(node, str(exc))
            return None

    def size(self, node: Any, key: str = "size") -> int | None:
        raw = self.scalar(node, key)
        if raw is None:
            return None
        length = whole_number(raw.strip().lstrip("/"))
        if length is None or not 1 <= length <= 128:
            self.problem(node, f"{key!r} must be a prefix length such as /48, not {raw[:40]!r}")
            return None
        return length

    def minimum(self, node: Any) -> dict[str, int]:
        """``defaults: minimum: {site: /48, container: /56}``: the longest block the planner
        gives a node of that role when it sizes the node itself."""
        keys = self.mapping(node, MINIMUM_ROLES, "'minimum'")
        out: dict[str, int] = {}
        for role, (_, value) in (keys or {}).items():
            length = self.size(value, f"minimum {role}")
            if length is not None:
                out[role] = length
        return out

    def name_list(self, node: Any, key: str) -> list[tuple[str, Any]] | None:
        import yaml

        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{key!r} must be a list, such as [health, education]")
            return None
        out = []
        for item in node.value:
            self.count_node()
            value = self.scalar(item, key)
            if value is None:
                continue
            out.append((value, item))
        return out

    # -- structure ---------------------------------------------------------------
    def top(self, root: Any) -> Spec | None:
        keys = self.mapping(root, _TOP_KEYS, "spec")
        if keys is None:
            return None
        places = {k: self.place(v) for k, (_, v) in keys.items()}
        title = "Untitled plan"
        if "plan" in keys:
            title = self.text(keys["plan"][1], "plan") or title
        prefix = None
        if "prefix" not in keys:
            self.problem(
                root, "the spec has no 'prefix'", "add the allocation, e.g. `prefix: 3fff:100::/32`"
            )
        else:
            prefix = self.prefix(keys["prefix"][1], "prefix")
            refused = root_problem(prefix) if prefix is not None else None
            if refused is not None:
                self.problem(keys["prefix"][1], *refused)
                prefix = None
        spec = Spec(
            title=title,
            prefix=prefix or (0, 0),
            children=[],
            file=self.file,
            line=self.place(root)[0],
            column=self.place(root)[1],
            places=places,
        )
        if "description" in keys:
            spec.description = self.text(keys["description"][1], "description") or ""
        if "defaults" in keys:
            defaults = self.mapping(keys["defaults"][1], _DEFAULT_KEYS, "defaults")
            if defaults:
                if "strategy" in defaults:
                    spec.strategy = self.strategy(defaults["strategy"][1]) or spec.strategy
                if "growth" in defaults:
                    spec.growth = self.growth(defaults["growth"][1]) or spec.growth
                if "nibble" in defaults:
                    flag = self.boolean(defaults["nibble"][1], "nibble")
                    spec.nibble = spec.nibble if flag is None else flag
                if "horizon" in defaults:
                    years = self.integer(defaults["horizon"][1], "horizon", 1, 50, "10")
                    spec.horizon = years or spec.horizon
                if "minimum" in defaults:
                    spec.minimum = self.minimum(defaults["minimum"][1])
        if "children" in keys:
            spec.children = self.children(keys["children"][1], spec, depth=1)
        return spec if prefix is not None else None

    @staticmethod
    def place(node: Any) -> tuple[int, int]:
        mark = node.start_mark
        return mark.line + 1, mark.column + 1

    def children(self, node: Any, spec: Spec, depth: int) -> list[SpecNode]:
        import yaml

        if depth > MAX_DEPTH:
            self.problem(node, f"the plan is nested more than {MAX_DEPTH} levels deep")
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(
                node, "'children' must be a list of nodes", "start each child with `- name: …`"
            )
            return []
        out: list[SpecNode] = []
        seen: dict[str, SpecNode] = {}
        for item in node.value:
            self.count_node()
            child = self.node(item, spec, depth)
            if child is None:
                continue
            if child.name in seen:
                self.problem(
                    item, f"two children are named {child.name!r}", "give each child its own name"
                )
                continue
            seen[child.name] = child
            out.append(child)
        self.check_sibling_names(out)
        return out

    def check_sibling_names(self, nodes: list[SpecNode]) -> None:
        """No two siblings may be named alike. Names are compared as the builder makes them —
        the explicit ``names``, then ``name-N`` for the rest of ``count`` — without making
        the generated ones: 20,000 nodes of count 10,000 are 200 million names (22 GB)."""
        explicit: dict[str, SpecNode] = {}  # explicit (or bare) name → the node making it
        numbered: dict[str, list[tuple[int, str, SpecNode]]] = {}  # "a" → [(3, "a-3", …)]
        ranges: dict[str, tuple[SpecNode, int, int]] = {}  # base name → generated name-lo…hi
        for node in nodes:
            own, generated = _made_names(node)
            clash = _clash(node, own, generated, explicit, numbered, ranges)
            if clash is not None:
                name, other = clash
                if other is node:
                    line, col = node.place("names")
                    message = f"{name!r} appears twice in 'names'"
                    self.problems.append(Problem(self.file, line, col, message))
                else:
                    line, col = node.place()
                    message = f"{node.name!r} makes a node named {name!r}, which {other.name!r} also makes"
                    self.problems.append(
                        Problem(self.file, line, col, message, "rename one of them")
                    )
            for name in own:
                explicit.setdefault(name, node)
                number = numbered_name(name)
                if number is not None:
                    numbered.setdefault(number[0], []).append((number[1], name, node))
            if generated is not None:
                ranges.setdefault(node.name, (node, *generated))

    def node(self, item: Any, spec: Spec, depth: int) -> SpecNode | None:
        keys = self.mapping(item, _NODE_KEYS, "node")
        if keys is None:
            return None
        if "name" not in keys:
            self.problem(
                item, "a node has no 'name'", "add `name: …` (a word such as site or vlan)"
            )
            return None
        name = self.text(keys["name"][1], "name")
        if name is None:
            return None
        if not _NAME.match(name):
            self.problem(
                keys["name"][1],
                f"name {name!r} is not usable",
                "use letters, digits, '.', '_', '+' or '-' (up to 63), starting with a letter or digit; no '/' or spaces",
            )
            return None
        line, col = self.place(item)
        node = SpecNode(
            name=name,
            line=line,
            column=col,
            strategy=spec.strategy,
            growth=spec.growth,
            nibble=spec.nibble,
        )
        node.places = {k: self.place(v) for k, (_, v) in keys.items()}
        get = {k: v for k, (_, v) in keys.items()}
        if "role" in get:
            role = self.text(get["role"], "role")
            if role is not None and role not in ROLES:
                close = difflib.get_close_matches(role, ROLES, n=1)
                hint = f"did you mean {close[0]!r}?" if close else "roles: " + ", ".join(ROLES)
                self.problem(get["role"], f"unknown role {role!r}", hint)
            elif role is not None:
                node.role = role
        if "count" in get:
            node.count = self.integer(get["count"], "count", 1, 1 << 24, "24") or 1
        if "names" in get:
            names = self.name_list(get["names"], "names") or []
            for value, item_node in names:
                if not _NAME.match(value):
                    self.problem(
                        item_node,
                        f"name {value!r} is not usable",
                        "use letters, digits, '.', '_', '+' or '-', no '/'",
                    )
            node.names = tuple(v for v, _ in names)
            if "count" not in get:
                node.count = max(1, len(node.names))
            elif len(node.names) > node.count:
                self.problem(
                    get["names"],
                    f"{len(node.names)} names given for count {node.count}",
                    f"raise count to {len(node.names)} or drop names",
                )
        if "size" in get:
            node.size = self.size(get["size"])
        if "prefix" in get:
            node.prefix = self.prefix(get["prefix"], "prefix")
        if "growth" in get:
            node.growth = self.growth(get["growth"]) or node.growth
        if "strategy" in get:
            node.strategy = self.strategy(get["strategy"]) or node.strategy
        if "step" in get:
            node.step = self.integer(get["step"], "step", 1, 1 << 20, "8") or 1
        if "description" in get:
            node.description = self.text(get["description"], "description") or ""
        if "nibble" in get:
            flag = self.boolean(get["nibble"], "nibble")
            node.nibble = node.nibble if flag is None else flag
        if "tags" in get:
            node.tags = tuple(v for v, _ in self.name_list(get["tags"], "tags") or [])
        if "vlan" in get:
            node.vlan = self.integer(get["vlan"], "vlan", 1, 4094, "101")
            if node.vlan is not None and node.vlan + node.count - 1 > 4094:
                self.problem(
                    get["vlan"],
                    f"VLANs {node.vlan} to {node.vlan + node.count - 1} run past 4094",
                    "start lower",
                )
        if "router" in get:
            router = self.text(get["router"], "router") or ""
            node.router = router if self.router_value(get["router"], router, depth) else ""
        if "ends" in get:
            node.ends = self.ends(get["ends"], node, "count" in get)
        if "interface" in get:
            node.interface = self.interface(get["interface"], node)
        if "retire" in get:
            self.retire(get["retire"], node)
        if "children" in get:
            node.children = self.children(get["children"], spec, depth + 1)
        self.check_node(node, get, item)
        return node

    def interface(self, value: Any, node: SpecNode) -> str:
        """``interface: eth1.{vlan}``: the interface a LAN or link is on, for router exports."""
        text = self.text(value, "interface") or ""
        if node.role not in ("lan", "p2p"):
            self.problem(
                value,
                "'interface' names the router interface of a LAN or p2p link",
                "use it with `role: lan` or `role: p2p`",
            )
            return ""
        if not re.match(r"^[\w.:@{}-]{1,64}$", text):
            self.problem(
                value,
                f"interface {text!r} is not a usable interface name",
                "letters, digits and . _ - : @, up to 64, with {vlan} {name} {index} {n} "
                "{router} {parent} (LAN) or {peer} {link} {index} (p2p) as placeholders",
            )
            return ""
        return text

    def ends(self, value: Any, node: SpecNode, has_count: bool) -> tuple[tuple[str, str], ...]:
        import yaml

        if node.role != "p2p":
            self.problem(
                value, "'ends' names the two routers of a p2p link", "use it only with `role: p2p`"
            )
            return ()
        pairs = []
        items = value.value if isinstance(value, yaml.SequenceNode) else None
        if items and all(isinstance(i, yaml.ScalarNode) for i in items):
            items = [value]  # a single link: ends: [r1, r2]
        for pair in items or [value]:
            names = self.name_list(pair, "ends") or []
            if len(names) != 2:
                self.problem(
                    pair,
                    "each link in 'ends' needs exactly two router names",
                    "for example `ends: [[r1, r2], [r2, r3]]`",
                )
                continue
            if not all(self.router_name(item, name) for name, item in names):
                continue
            if names[0][0] == names[1][0]:
                self.problem(
                    pair,
                    f"a link cannot join router {names[0][0]!r} to itself",
                    "name the two different routers at its ends, e.g. `ends: [[r1, r2]]`",
                )
                continue
            pairs.append((names[0][0], names[1][0]))
        if has_count and len(pairs) != node.count:
            self.problem(
                value,
                f"'ends' lists {len(pairs)} links but count is {node.count}",
                "give one pair per link, or drop count",
            )
        elif not has_count:
            node.count = max(1, len(pairs))
        return tuple(pairs)

    def router_value(self, value: Any, text: str, depth: int) -> bool:
        """``router:`` is a router name, or a template making one per instance
        (``bng-{parent}``, :mod:`v6plan._routers`)."""
        if "{" not in text and "}" not in text:
            return self.router_name(value, text)
        problem = template_problem(text)
        hint = (
            "use letters, digits, '.', '_', '+' or '-' around the placeholders "
            + " ".join("{" + k + "}" for k in ROUTER_KEYS)
            + ', e.g. `router: "bng-{parent}"`'
        )
        if not problem and depth == 1 and "{parent}" in text:
            problem = "a top-level node has no parent to name its router after"
            hint = "use {name} or {index} here, or put the template on the nodes below"
        if problem:
            self.problem(value, f"router template {text[:64]!r}: {problem}", hint)
            return False
        return True

    def router_name(self, value: Any, name: str) -> bool:
        """A router's name becomes a host name, an interface and a file name in the exports:
        it follows the rule of node names (checked here, not first at export time)."""
        if _NAME.match(name):
            return True
        self.problem(
            value,
            f"router name {name[:64]!r} is not usable",
            "use letters, digits, '.', '_', '+' or '-' (up to 63), starting with a letter or digit",
        )
        return False

    def retire(self, value: Any, node: SpecNode) -> None:
        """``retire: [site-3]``: drop instances by name without moving or renaming the rest."""
        hosts = node.role == "loopback"  # a loopback's count makes /128 hosts, named name-1 …
        total = node.count
        names: list[str] = []
        indexes: set[int] = set()
        position: dict[str, int] = {}  # one pass: retire and names may both be long
        for i, given in enumerate(node.names[:total]):
            position.setdefault(given, i)
        for name, item in self.name_list(value, "retire") or []:
            index = -1
            if name in position:
                index = position[name]
            elif not hosts and total == 1 and not node.names and name == node.name:
                index = 0
            else:
                number = numbered_name(name)
                if number is not None and number[0] == node.name:
                    k = number[1] - 1
                    if len(node.names) <= k < total:
                        index = k
            if index < 0:
                first = node.host_name(0) if hosts else node.instance_name(0)
                last = node.host_name(total - 1)  # siblings past names: name-N, as hosts
                self.problem(
                    item,
                    f"'retire' names {name!r}, which {node.name!r} does not make",
                    f"its {'hosts' if hosts else 'nodes'} run {first} … {last}",
                )
                continue
            if index in indexes:
                self.problem(item, f"{name!r} appears twice in 'retire'")
                continue
            indexes.add(index)
            names.append(name)
        if indexes and len(indexes) >= total and not hosts:
            self.problem(
                value,
                f"'retire' takes every node {node.name!r} makes",
                "remove the node from the spec instead",
            )
            return
        node.retire = tuple(names)
        node.retired = frozenset(indexes)

    def check_node(self, node: SpecNode, get: dict[str, Any], item: Any) -> None:
        if node.role in LEAF_ROLES and node.children:
            self.problem(
                get["children"],
                f"a {node.role} node cannot have children",
                "move the children to a container or site node",
            )
        if node.prefix is not None and node.sibling_count > 1:
            self.problem(
                get["prefix"],
                "'prefix' pins one block, but this node has count > 1",
                "remove count, or use size instead of prefix",
            )
        if node.prefix is not None and node.size is not None and node.prefix[1] != node.size:
            self.problem(
                get["size"],
                f"'size' /{node.size} disagrees with 'prefix' /{node.prefix[1]}",
                "keep one of them",
            )
        if node.step > 1 and node.strategy != "sequential":
            if "strategy" in get:
                self.problem(
                    get["step"],
                    f"'step' spaces out the sequential order; it cannot be combined with strategy {node.strategy!r}",
                    "drop one of them",
                )
            node.strategy = "sequential"
        if node.role == "reserve" and node.size is None and node.prefix is None:
            self.problem(item, "a reserve needs a 'size' or a 'prefix'", "for example `size: /32`")
        if node.role == "loopback" and node.count > (1 << 20):
            self.problem(
                get["count"], "more than 1,048,576 loopbacks in one /64", "split them per site"
            )
        elif node.role == "loopback" and node.names:  # host names, as the builder makes them
            twice = _loopback_named_twice(node)
            if twice is not None:
                line, col = node.place("names")
                self.problems.append(
                    Problem(self.file, line, col, f"loopback {twice!r} is named twice")
                )
        if node.role == "lan" and node.size not in (None, 64):
            pass  # allowed, reported by lint (lan-not-64) so the plan can still be drawn
        if node.growth != 1 and not math.isfinite(node.growth):
            self.problem(get.get("growth", item), "'growth' must be a finite number")
