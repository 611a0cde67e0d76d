"""Lab definitions: a topology, what the engine sets up, the checks, a reference solution
and known-bad solutions — with every trainee-facing text in message catalogues.

A lab is a directory ``labs/<name>/`` with ``lab.yaml`` and ``messages/<lang>.yaml``::

    lab: 04-lan-addressing
    topology: lan-router-lan            # a file in topologies/ (or a path)
    setup:
      configure: [h2]                   # nodes the engine addresses from the plan at start
    checks:
      - {id: h1-address, type: address, node: h1, iface: eth0, address: "{h1.eth0.cidr}"}
      - {id: count-64, type: quiz, kind: number, answer: "{count:plan:64}"}
    solution:
      commands:
        h1: ["ip -6 addr add {h1.eth0.cidr} dev eth0"]
      answers: {count-64: "{count:plan:64}"}     # what `v6lab answer count-64 …` would give
    broken:
      - id: no-route
        commands: {h1: ["ip -6 addr add {h1.eth0.cidr} dev eth0"]}
        expect: {h1-reaches-h2: no-route}
    programs: [ip, ping]                # what the lab runs on its nodes (netns needs them)

``programs:`` names every program the lab runs on a node — in its setup, its solutions,
its ``command`` checks and the ``v6lab exec`` lines of its task — and ``radvd`` when its
topology advertises; the loader refuses a lab that runs one it does not declare, and the
netns backend refuses to start, naming the Debian packages, when one is not installed.

``{h1.eth0}``-style names come from the plan addressing (:meth:`Addressing.variables`,
plus every interface's ``.mac`` and ``.ll`` and every plan path), and ``{fn:arg}`` names
are computed from them (:mod:`._quiz`), so a variant (another prefix for another trainee)
changes every value at once — quiz answers included.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..._errors import AddressError, Problem, SpecError
from ..._prefix import parse_prefix
from ..._special import root_problem
from .._errors import LabError
from ..runtime._programs import PROGRAMS
from ._calcs import CalcError, compute, is_calc
from ._checkspec import AFTER, MAX_WAIT, CheckSpec
from ._checkspec import SIGNATURES as TYPES
from ._i18n import Messages, fill, load_catalogue, placeholders
from ._topology import Addressing, Topology, load_plan_for, load_topology, resolve
from ._yaml import Reader, closest, is_file

__all__ = [
    "Lab",
    "LabRun",
    "Question",
    "Solution",
    "Variant",
    "find_lab",
    "lab_dirs",
    "list_labs",
    "load_lab",
    "load_variant",
    "topology_dirs",
]

ROOT = Path(__file__).resolve().parents[3]
#: Where a wheel carries labs/ and topologies/ (pyproject's force-include); a checkout or an
#: editable install uses the repository's own folders.
BUNDLED = Path(__file__).resolve().parents[2] / "_bundled"


def _shipped(name: str) -> Path:
    here = ROOT / name
    return here if here.is_dir() else BUNDLED / name


_TOP_KEYS = (
    "lab",
    "topology",
    "plan",
    "level",
    "minutes",
    "setup",
    "checks",
    "solution",
    "broken",
    "tags",
    "programs",
)
_SETUP_KEYS = ("configure", "commands")
_SOLUTION_KEYS = ("configure", "commands", "answers")
_BROKEN_KEYS = ("id", "configure", "commands", "answers", "expect")
#: Plans bigger than this do not get a lab value per plan node (only the linked ones).
_MAX_PLAN_VARIABLES = 5000
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")


def lab_dirs() -> list[Path]:
    """Where labs live: $V6LAB_LABS (os.pathsep-separated), then the bundled labs/."""
    extra = [Path(p) for p in os.environ.get("V6LAB_LABS", "").split(os.pathsep) if p]
    return [*extra, _shipped("labs")]


def topology_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("V6LAB_TOPOLOGIES", "").split(os.pathsep) if p]
    return [*extra, _shipped("topologies")]


@dataclass
class Text:
    """A template string with its place in the lab file (for unknown-name errors)."""

    value: str
    place: tuple[int, int] = (0, 0)


@dataclass
class Solution:
    """Commands to run on nodes: a reference solution, a known-bad one, or setup."""

    id: str = ""
    configure: list[str] = field(default_factory=list)
    commands: list[tuple[str, Text]] = field(default_factory=list)  # (node, command)
    expect: dict[str, str] = field(default_factory=dict)  # check id → code | pass | fail
    #: answers to the lab's questions (``v6lab answer``): question id → template
    answers: dict[str, Text] = field(default_factory=dict)
    place: tuple[int, int] = (0, 0)


@dataclass
class Variant:
    """Per-trainee values: a name and the prefix the lab's plan is re-rooted at."""

    name: str = ""
    prefix: tuple[int, int] | None = None
    file: str = ""


@dataclass(frozen=True)
class Question:
    """Something the trainee answers with ``v6lab answer ID VALUE``: a quiz question
    (``kind`` is an answer kind such as ``canonical`` or ``prefix``) or a file to hand in
    (``kind == "file"``: a plan spec, a zone file), graded by the checks in ``checks``."""

    id: str
    kind: str
    checks: tuple[str, ...]


@dataclass
class Lab:
    name: str
    directory: Path
    file: str
    topology: Topology
    plan_file: Path
    setup: Solution
    checks: list[CheckSpec]
    solution: Solution
    broken: list[Solution]
    level: str = ""
    minutes: int = 0
    tags: list[str] = field(default_factory=list)
    #: computed-value placeholders (``{expand:r1.eth1}``) used anywhere in the lab, with
    #: the place of their first use (file, line, column) for error messages
    calcs: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    #: the programs the lab runs on its nodes (``programs:``; keys of ``_programs.PROGRAMS``)
    programs: tuple[str, ...] = ()

    def messages(self, lang: str = "en") -> Messages:
        return Messages(lang, (self.directory / "messages",))

    def title(self, messages: Messages | None = None) -> str:
        messages = messages or self.messages()
        return messages.get("title") or self.name

    @property
    def uses_network(self) -> bool:
        """False for a lab graded only on answers (a quiz, a plan spec, a zone file):
        it runs the same on every backend, so one backend is enough to verify it."""
        return any(TYPES[check.type].network for check in self.checks)

    def questions(self) -> dict[str, Question]:
        """The questions a trainee answers, in the order their checks appear."""
        found: dict[str, tuple[str, list[str]]] = {}
        for check in self.checks:
            cid, args = check.id, check.args
            kind = TYPES[check.type]
            if not kind.answers:
                continue
            qid = args.get("question", kind.question or cid)
            answer_kind = args.get("kind", "address") if not kind.question else "file"
            found.setdefault(qid, (answer_kind, []))[1].append(cid)
        return {q: Question(q, k, tuple(c)) for q, (k, c) in found.items()}

    def instantiate(self, variant: Variant | None = None) -> LabRun:
        """The lab with one set of values: addressing, filled checks and commands."""
        plan = load_plan_for(self.plan_file, variant.prefix if variant else None)
        addressing = resolve(self.topology, plan, str(self.plan_file))
        variables = addressing.variables()
        _derived_values(addressing, variables)
        problems: list[Problem] = []
        for name, (file, line, column) in self.calcs.items():
            try:
                variables[name] = compute(name, variables, plan)
            except CalcError as exc:
                problems.append(Problem(file, line, column, f"{{{name}}}: {exc}"))
        if problems:
            raise SpecError(problems)
        return LabRun(self, addressing, variables, variant or Variant())


def _derived_values(addressing: Addressing, out: dict[str, str]) -> None:
    """Values beyond the topology's own: every interface's MAC and EUI-64 link-local
    (``{h1.eth0.mac}``, ``{h1.eth0.ll}`` — the same on both backends) and every plan
    node by its path (``{core}``, ``{customers}``) for labs that talk about containers."""
    from ..._calc import link_local
    from ..._prefix import format_address as fmt
    from ..runtime._backend import interface_macs

    for (node, iface), mac in interface_macs(addressing.spec(set())).items():
        out.setdefault(f"{node}.{iface}.mac", mac)
        out.setdefault(f"{node}.{iface}.ll", fmt(link_local(mac)))
    plan = addressing.plan
    out.setdefault("plan.len", str(plan.plen[0]))
    if len(plan) <= _MAX_PLAN_VARIABLES:
        for i in range(1, len(plan)):
            out.setdefault(plan.path(i), plan.prefix_text(i))


@dataclass
class LabRun:
    """A lab bound to concrete values (the default plan, or a trainee's variant)."""

    lab: Lab
    addressing: Addressing
    variables: dict[str, str]
    variant: Variant

    def fill(self, text: str) -> str:
        return fill(text, self.variables)

    def checks(self) -> list[CheckSpec]:
        """The lab's checks with this run's values; a check graded on an answer carries
        the id of its question in ``args["question"]``."""
        out: list[CheckSpec] = []
        for check in self.lab.checks:
            filled = {k: self.fill(v) for k, v in check.args.items()}
            kind = TYPES[check.type]
            if kind.answers:
                filled.setdefault("question", kind.question or check.id)
            out.append(replace(check, args=filled))
        return out

    def commands(self, solution: Solution) -> list[tuple[str, list[str]]]:
        """(node, argv) in order: planned addressing of ``configure`` nodes, then commands."""
        out: list[tuple[str, list[str]]] = []
        for node in solution.configure:
            out.extend((node, list(argv)) for argv in self.addressing.setup_commands(node))
        out.extend((node, shlex.split(self.fill(text.value))) for node, text in solution.commands)
        return out

    def answers(self, solution: Solution) -> dict[str, str]:
        """The solution's answers to the lab's questions, with this run's values."""
        return {qid: self.fill(text.value) for qid, text in solution.answers.items()}

    def question(self, qid: str, messages: Messages) -> str:
        """The text of a question in the trainee's language, with this run's values."""
        return fill(messages.get(f"questions.{qid}") or "", self.variables)

    def topology_spec(self) -> Any:
        from dataclasses import replace

        setup = self.lab.setup
        configure = set(setup.configure)
        extra: dict[str, list[list[str]]] = {}
        for node, text in setup.commands:
            extra.setdefault(node, []).append(shlex.split(self.fill(text.value)))
        return replace(self.addressing.spec(configure, extra), programs=self.lab.programs)

    def task(self, messages: Messages) -> str:
        return fill(messages.get("task") or "", self.variables)


# -- loading -------------------------------------------------------------------------------------
def list_labs() -> list[Path]:
    """Lab directories, first found wins for a name, sorted by name."""
    seen: dict[str, Path] = {}
    for base in lab_dirs():
        if not base.is_dir():
            continue
        for child in sorted(base.iterdir()):
            if (child / "lab.yaml").is_file() and child.name not in seen:
                seen[child.name] = child
    return [seen[k] for k in sorted(seen)]


def find_lab(name: str) -> Path:
    """A lab by name (or a path to its directory or lab.yaml)."""
    path = Path(name)
    if is_file(path) and path.name == "lab.yaml":
        return path.parent
    if is_file(path / "lab.yaml"):
        return path
    labs = list_labs()
    for lab in labs:
        if lab.name == name:
            return lab
    matches = [
        lab for lab in labs if lab.name.startswith(name) or lab.name.split("-", 1)[-1] == name
    ]
    if len(matches) == 1:
        return matches[0]
    names = [lab.name for lab in labs]
    hint = closest(name, names)
    known = ", ".join(names) or "none"
    raise LabError(
        f"no lab named {name!r}{' — ' + hint if hint else ''} (labs: {known}; see `v6lab list`)"
    )


def topology_names() -> list[str]:
    """Every topology that can be named (for "did you mean" and listings)."""
    return sorted(
        {
            p.stem
            for base in topology_dirs()
            if base.is_dir()
            for p in base.glob("*.yaml")
            if not p.name.endswith(".plan.yaml")
        }
    )


def _find_topology(r: Reader, node: Any, name: str, lab_dir: Path) -> Path | None:
    candidates = [lab_dir / name, lab_dir / f"{name}.yaml"]
    for base in topology_dirs():
        candidates += [base / name, base / f"{name}.yaml"]
    for candidate in candidates:
        if is_file(candidate):
            return candidate
    known = topology_names()
    r.problem(
        node,
        f"no topology named {name!r}",
        closest(name, known) or "topologies: " + ", ".join(known),
    )
    return None


def load_lab(name_or_path: str | Path) -> Lab:
    """Read a lab and check it: shape, topology, plan references, check arguments and
    every ``{name}`` against the values the plan gives; raise SpecError with places."""
    directory = find_lab(str(name_or_path))
    file = directory / "lab.yaml"
    r = Reader(file)
    root = r.load("lab")
    keys = r.mapping(root, _TOP_KEYS, "lab")
    if keys is None:
        r.done()
        raise SpecError(r.problems)
    get = {k: v for k, (_, v) in keys.items()}
    _check_name(r, get, directory.name)
    topology = _lab_topology(r, get, root, directory)
    plan_file = _plan_file(r, get, root, directory, topology)
    nodes = list(topology.nodes) if topology else []
    setup = (
        _solution(r, get["setup"], nodes, _SETUP_KEYS, "setup") if "setup" in get else Solution()
    )
    checks = _checks(r, get.get("checks"), nodes, root)
    solution = _reference(r, get, nodes, root)
    broken = _broken(r, get["broken"], nodes, checks) if "broken" in get else []
    level = r.string(get["level"], "level") or "" if "level" in get else ""
    minutes = (r.integer(get["minutes"], "minutes", 1, 600, "20") or 0) if "minutes" in get else 0
    tags = r.strings(get["tags"], "tags") if "tags" in get else []
    programs = _programs(r, get["programs"]) if "programs" in get else []
    if r.problems or topology is None or plan_file is None:
        raise SpecError(r.problems or [Problem(str(file), 0, 0, "the lab is incomplete")])
    lab = Lab(
        directory.name,
        directory,
        str(file),
        topology,
        plan_file,
        setup,
        checks,
        solution,
        broken,
        level,
        minutes,
        tags,
    )
    _check_whole(lab, r, programs, get.get("programs", root))
    r.done()
    return lab


def _check_name(r: Reader, get: dict[str, Any], name: str) -> None:
    """``lab:`` may say the lab's name; it must be its directory's, which is how v6lab finds it."""
    if "lab" in get:
        declared = r.string(get["lab"], "lab")
        if declared and declared != name:
            r.problem(
                get["lab"],
                f"the lab is called {declared!r} but its directory is {name!r}",
                "make them the same",
            )


def _lab_topology(r: Reader, get: dict[str, Any], root: Any, directory: Path) -> Topology | None:
    """The topology the lab names, loaded; its own problems join the lab's (None: none to use)."""
    if "topology" not in get:
        r.problem(root, "the lab has no 'topology'", "add `topology: lan-router-lan`")
        return None
    topo_name = r.string(get["topology"], "topology") or ""
    topo_file = _find_topology(r, get["topology"], topo_name, directory)
    if topo_file is None:
        return None
    try:
        return load_topology(topo_file)
    except SpecError as exc:
        r.problems.extend(exc.problems)
        return None


def _plan_file(
    r: Reader, get: dict[str, Any], root: Any, directory: Path, topology: Topology | None
) -> Path | None:
    """The plan the lab's addresses come from: its own ``plan:``, else its topology's."""
    plan_file: Path | None = topology.plan_file if topology else None
    if "plan" in get:
        plan_text = r.string(get["plan"], "plan") or ""
        plan_file = directory / plan_text
        if not is_file(plan_file):
            r.problem(get["plan"], f"the plan {plan_text!r} is not a file in the lab's directory")
    if topology is not None and plan_file is None:
        r.problem(root, "neither the lab nor its topology names a plan", "add `plan: plan.yaml`")
    return plan_file


def _reference(r: Reader, get: dict[str, Any], nodes: list[str], root: Any) -> Solution:
    """The reference solution: required, since `v6lab verify` proves the lab solvable with it."""
    if "solution" in get:
        return _solution(r, get["solution"], nodes, _SOLUTION_KEYS, "solution")
    r.problem(
        root,
        "the lab has no reference 'solution'",
        "add `solution:` with the commands that solve it",
    )
    return Solution()


def _broken(r: Reader, node: Any, nodes: list[str], checks: list[CheckSpec]) -> list[Solution]:
    """Known-bad solutions: each says which of the lab's checks must fail and how, so that
    `v6lab verify` proves the checks catch those mistakes."""
    check_ids = [c.id for c in checks]
    broken: list[Solution] = []
    for item in r.items(node, "'broken'"):
        bad = _solution(r, item, nodes, _BROKEN_KEYS, "known-bad solution")
        if not bad.id:
            r.problem(
                item,
                "a known-bad solution has no 'id'",
                "add `id: wrong-length` (a short name)",
            )
        if not bad.expect:
            r.problem(
                item,
                f"known-bad solution {bad.id!r} has no 'expect'",
                "say which checks must fail and why: `expect: {h1-address: wrong-length}`",
            )
        for cid in bad.expect:
            if cid not in check_ids:
                r.problem(
                    item,
                    f"known-bad solution {bad.id!r} expects check {cid!r}, which the lab does not have",
                    closest(cid, check_ids),
                )
        broken.append(bad)
    return broken


def _check_whole(lab: Lab, r: Reader, programs: list[tuple[str, Any]], programs_node: Any) -> None:
    """What needs the whole lab read: computed values, questions, ``after:``, every template
    filled with the default plan, and the programs its commands run."""
    lab.calcs = _calc_places(lab, r)
    lab.programs = tuple(name for name, _ in programs)
    _check_questions(lab, r)
    _check_after(lab, r)
    _validate(lab, r)
    _check_programs(lab, r, programs_node)


def _programs(r: Reader, node: Any) -> list[tuple[str, Any]]:
    """``programs: [ip, ping, rdisc6]``: programs v6lab knows the Debian package of."""
    out: list[tuple[str, Any]] = []
    for name, item in r.name_list(node, "programs") or []:
        if name not in PROGRAMS:
            known = list(PROGRAMS)
            r.problem(
                item,
                f"unknown program {name!r} in 'programs'",
                closest(name, known) or "v6lab knows: " + ", ".join(known),
            )
        elif name not in {n for n, _ in out}:
            out.append((name, item))
    return out


#: ``v6lab exec NODE -- PROGRAM`` in a task text; ``v6lab capture`` runs tcpdump
_TASK_EXEC = re.compile(r"v6lab exec \S+ -- ([A-Za-z0-9_.-]+)")


def _used_programs(lab: Lab) -> list[tuple[str, str, Problem | None]]:
    """(program, what runs it, where) for everything the lab runs on its nodes; ``where``
    is a place to report at (None: report at the lab's ``programs:``)."""

    def at(place: tuple[int, int], file: str = lab.file) -> Problem:
        return Problem(file, place[0], place[1], "")

    used: list[tuple[str, str, Problem | None]] = []
    for solution in (lab.setup, lab.solution, *lab.broken):
        if solution.configure:
            used.append(("ip", "`configure:` (it sets addresses with ip)", at(solution.place)))
        for _, text in solution.commands:
            with contextlib.suppress(ValueError):
                words = shlex.split(text.value)
                if words:
                    used.append((words[0], f"the command `{text.value}`", at(text.place)))
    for c in lab.checks:
        if c.type == "command" and "run" in c.args:
            with contextlib.suppress(ValueError):  # shlex: an unclosed quote
                words = shlex.split(c.args["run"])
                if words:
                    used.append((words[0], f"check {c.id!r}", at(c.place_of("run"))))
    if any(link.advertise is not None for link in lab.topology.links):
        used.append(("radvd", f"topology {lab.topology.name!r} (it advertises)", None))
    task = lab.messages().english.get("task", "")
    catalogue = at((0, 0), str(lab.directory / "messages" / "en.yaml"))
    for match in _TASK_EXEC.finditer(task):
        used.append((match.group(1), f"the task (`v6lab exec … -- {match.group(1)}`)", catalogue))
    if "v6lab capture" in task:
        used.append(("tcpdump", "the task (`v6lab capture`, tcpdump on netns)", catalogue))
    return used


def _check_programs(lab: Lab, r: Reader, declaration: Any) -> None:
    """Every program the lab runs is declared in ``programs:``, so that netns can check
    before it builds anything that each one is installed."""
    first: dict[str, tuple[str, Problem | None]] = {}
    for program, what, where in _used_programs(lab):
        if program not in lab.programs:
            first.setdefault(program, (what, where))
    complete = ", ".join([*lab.programs, *first])
    for program, (what, where) in first.items():
        message = f"{what} runs {program!r}, which 'programs' does not declare"
        hint = f"declare all it runs: `programs: [{complete}]`"
        if program not in PROGRAMS:
            hint = f"v6lab knows the Debian packages of: {', '.join(PROGRAMS)}"
        if where is None:
            r.problem(declaration, message, hint)
        else:
            r.problems.append(Problem(where.file, where.line, where.column, message, hint))


def _calc_places(lab: Lab, r: Reader) -> dict[str, tuple[str, int, int]]:
    """Every computed-value placeholder of the lab (lab.yaml and every catalogue)."""
    found: dict[str, tuple[str, int, int]] = {}
    texts: list[tuple[str, tuple[int, int]]] = [
        (value, c.place_of(key)) for c in lab.checks for key, value in c.args.items()
    ]
    for solution in (lab.setup, lab.solution, *lab.broken):
        texts += [(t.value, t.place) for _, t in solution.commands]
        texts += [(t.value, t.place) for t in solution.answers.values()]
    for text, place in texts:
        for name in placeholders(text):
            if is_calc(name):
                found.setdefault(name, (lab.file, *place))
    directory = lab.directory / "messages"
    for catalogue in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        try:
            entries = load_catalogue(catalogue)
        except SpecError as exc:
            r.problems.extend(exc.problems)
            continue
        for template in entries.values():
            for name in placeholders(template):
                if is_calc(name):
                    found.setdefault(name, (str(catalogue), 0, 0))
    return found


def _check_questions(lab: Lab, r: Reader) -> None:
    """Arguments with fixed choices (a quiz's kind …) are known; the zone and ``ptr``
    checks have what they need; solutions answer only questions the lab asks."""
    for c in lab.checks:
        cid, args = c.id, c.args
        for key, allowed in TYPES[c.type].choices:
            if key in args and args[key] not in allowed:
                r.problem_at(
                    c.place_of(key),
                    f"check {cid!r}: {key} {args[key]!r} is not one of {', '.join(allowed)}",
                    closest(args[key], list(allowed)),
                )
        if c.type == "zone" and args.get("require", "valid") == "ptr":
            for key in ("address", "name"):
                if key not in args:
                    r.problem_at(c.place, f"check {cid!r} (zone, require: ptr) needs {key!r}")
    questions = list(lab.questions())
    for solution in (lab.solution, *lab.broken):
        for qid, text in solution.answers.items():
            if qid not in questions:
                r.problem_at(
                    text.place,
                    f"an answer to {qid!r}, which is not a question of this lab",
                    closest(qid, questions)
                    or ("questions: " + ", ".join(questions) if questions else "the lab asks none"),
                )


def _check_after(lab: Lab, r: Reader) -> None:
    """``after:`` hides a network check's failure until the answer check it names passes:
    a name that is no answer check of the lab (a typo, a network check) would hide it for
    ever, so the lab is refused where it says so."""
    answer_checks = [c.id for c in lab.checks if TYPES[c.type].answers]
    for c in lab.checks:
        named = c.args.get(AFTER)
        if named is not None and named not in answer_checks:
            r.problem_at(
                c.place_of(AFTER),
                f"check {c.id!r}: after {named!r} is not an answer check of this lab",
                closest(named, answer_checks)
                or (
                    "answer checks: " + ", ".join(answer_checks)
                    if answer_checks
                    else "add a quiz check that names the fault, or remove 'after'"
                ),
            )


def _checks(r: Reader, node: Any, nodes: list[str], root: Any) -> list[CheckSpec]:
    if node is None:
        r.problem(root, "the lab has no 'checks'", "add `checks:` with at least one check")
        return []
    out: list[CheckSpec] = []
    seen: set[str] = set()
    for item in r.items(node, "'checks'"):
        pairs = r.pairs(item, "a check")
        get = {k: (kn, v) for k, kn, v in pairs}
        cid = r.string(get["id"][1], "id") if "id" in get else None
        ctype = r.string(get["type"][1], "type") if "type" in get else None
        if not cid or not _ID.match(cid):
            r.problem(
                item, f"a check needs an 'id' of lower-case letters, digits and '-' (got {cid!r})"
            )
            continue
        if cid in seen:
            r.problem(get["id"][1], f"two checks have the id {cid!r}")
            continue
        seen.add(cid)
        if ctype not in TYPES:
            r.problem(
                get.get("type", (item, item))[1],
                f"check {cid!r} has unknown type {ctype!r}",
                closest(ctype or "", list(TYPES)) or "types: " + ", ".join(TYPES),
            )
            continue
        out.append(_check(r, item, get, cid, ctype, nodes))
    return out


def _check(
    r: Reader, item: Any, get: dict[str, tuple[Any, Any]], cid: str, ctype: str, nodes: list[str]
) -> CheckSpec:
    """One check of a known type: its arguments (with their places), points and wait."""
    kind = TYPES[ctype]
    points = 1
    wait: float | None = None  # the type's own window (``CheckSignature.settle``)
    args: dict[str, Text] = {}
    for key, (key_node, value) in get.items():
        if key in ("id", "type"):
            continue
        if key == "points":
            points = r.integer(value, "points", 0, 100, "2") or 0
            continue
        if key == "wait":  # seconds the check may wait for the network to settle
            seconds = r.integer(value, "wait", 0, MAX_WAIT, "10")
            if not kind.network:
                r.problem(
                    key_node,
                    f"check {cid!r} ({ctype}) is graded on answers and never waits",
                    "remove 'wait'",
                )
            elif seconds is not None:
                wait = float(seconds)
            continue
        if key not in kind.required + kind.optional:
            allowed = list(kind.required + kind.optional)
            r.problem(
                key_node,
                f"check {cid!r} ({ctype}) has no argument {key!r}",
                closest(key, allowed) or "arguments: " + ", ".join(allowed),
            )
            continue
        text = r.string(value, key)
        if text is not None:
            args[key] = Text(text, r.where(value))
    for key in kind.required:
        if key not in args:
            r.problem(
                item,
                f"check {cid!r} ({ctype}) needs {key!r}",
                "arguments: " + ", ".join(kind.required),
            )
    for key in kind.nodes:
        if key in args and "{" not in args[key].value and args[key].value not in nodes:
            r.problem_at(
                args[key].place,
                f"check {cid!r}: no node {args[key].value!r} in the topology",
                closest(args[key].value, nodes),
            )
    values = {k: t.value for k, t in args.items()}
    places = {k: t.place for k, t in args.items()}
    return CheckSpec(cid, ctype, values, points, r.where(item), wait, places)


def _solution(
    r: Reader, node: Any, nodes: list[str], allowed: tuple[str, ...], what: str
) -> Solution:
    keys = r.mapping(node, allowed, what)
    solution = Solution(place=r.where(node))
    if keys is None:
        return solution
    get = {k: v for k, (_, v) in keys.items()}
    if "id" in get:
        solution.id = r.string(get["id"], "id") or ""
    if "configure" in get:
        import yaml

        raw = get["configure"]
        values = (
            [(raw.value, raw)]
            if isinstance(raw, yaml.ScalarNode)
            else r.name_list(raw, "configure")
        )
        for value, item in values or []:
            if value == "all":
                solution.configure.extend(nodes)
            elif value not in nodes:
                r.problem(item, f"no node {value!r} to configure", closest(value, nodes))
            else:
                solution.configure.append(value)
    if "commands" in get:
        for node_name, key_node, value in r.pairs(get["commands"], "'commands'"):
            if node_name not in nodes:
                r.problem(
                    key_node,
                    f"commands for {node_name!r}, which is not a node of the topology",
                    closest(node_name, nodes),
                )
                continue
            import yaml

            lines = (
                [value]
                if isinstance(value, yaml.ScalarNode)
                else r.items(value, f"commands of {node_name}")
            )
            for line in lines:
                text = r.string(line, node_name)
                if text:
                    solution.commands.append((node_name, Text(text, r.where(line))))
    if "answers" in get:
        for qid, _, value in r.pairs(get["answers"], "'answers'"):
            text = r.string(value, qid)
            if text is not None:
                solution.answers[qid] = Text(text, r.where(value))
    if "expect" in get:
        for cid, _, value in r.pairs(get["expect"], "'expect'"):
            code = r.string(value, cid)
            if code:
                solution.expect[cid] = code
    return solution


def _validate(lab: Lab, r: Reader) -> None:
    """Fill every template with the default plan's values: unknown names are errors."""
    try:
        run = lab.instantiate()
    except SpecError as exc:
        r.problems.extend(exc.problems)
        return
    known = run.variables

    def check(text: Text, what: str) -> None:
        for name in placeholders(text.value):
            if name not in known:
                hint = (
                    closest(name, list(known))
                    or "names come from the plan addressing, e.g. {h1.eth0}, {h1.eth0.cidr}, {lan-1}"
                )
                r.problem_at(
                    text.place,
                    f"{what} uses {{{name}}}, which the plan addressing does not give",
                    hint,
                )

    for c in lab.checks:
        kind = TYPES[c.type]
        for key, template in c.args.items():
            text = Text(template, c.place_of(key))
            if any(name not in known for name in placeholders(text.value)):
                check(text, f"check {c.id!r}")
                continue
            value = run.fill(text.value)
            try:
                if key in kind.addresses:
                    parse_prefix(value, strict=False)  # an address, or one with its length
                elif key in kind.prefixes:
                    parse_prefix(value)
            except AddressError as exc:
                r.problem_at(text.place, f"check {c.id!r}: {key} {exc}")
    for solution in (lab.setup, lab.solution, *lab.broken):
        for _, text in solution.commands:
            check(text, "a command")
    # the lab's texts: task and hints may use the same names
    messages = lab.messages()
    for key, template in messages.english.items():
        if key.startswith(("task", "checks.", "questions.")):
            for name in placeholders(template):
                if name not in known and name not in ("node", "iface", "found", "address"):
                    r.problems.append(
                        Problem(
                            str(lab.directory / "messages" / "en.yaml"),
                            0,
                            0,
                            f"{key} uses {{{name}}}, which the plan addressing does not give",
                            closest(name, list(known)),
                        )
                    )


def load_variant(path: str | Path) -> Variant:
    """A variant file: ``variant: alice`` and ``prefix: 2001:db8:4a00::/48``."""
    r = Reader(path)
    root = r.load("variant")
    # lab, class, key: written by `v6lab variants` for signed result files (_grading.py)
    keys = r.mapping(
        root, ("variant", "prefix", "trainee", "seed", "lab", "class", "key"), "variant"
    )
    variant = Variant(file=str(path))
    if keys is not None:
        get = {k: v for k, (_, v) in keys.items()}
        for key in ("variant", "trainee"):
            if key in get:
                variant.name = r.string(get[key], key) or variant.name
        if "prefix" in get:
            variant.prefix = r.prefix(get["prefix"], "prefix")
            refused = root_problem(variant.prefix) if variant.prefix is not None else None
            if refused is not None:  # the lab's plan is re-rooted here: the spec's rule holds
                r.problem(get["prefix"], *refused)
        else:
            r.problem(root, "the variant has no 'prefix'", "add `prefix: 2001:db8:4a00::/48`")
    r.done()
    return variant
