"""The import direction of the packages (docs/ARCHITECTURE.md): dependencies point one way.

Every import counts — module level, inside a function, and under ``TYPE_CHECKING`` — since
each one is a dependency a reader has to follow. Read from the source with ``ast``: nothing
is imported to run this test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "v6plan"

# v6plan.lab's layers, lowest first: a module may import its own layer and the ones below.
LAB_LAYERS = ("_errors", "runtime", "model", "checks", "instructor", "cli")


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module) for every ``import``/``from … import`` in a file; a name
    imported from a package counts as that submodule when one exists."""
    module, is_package = _module_name(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:
                sub = PACKAGE.parent.joinpath(*f"{target}.{alias.name}".split("."))
                if sub.with_suffix(".py").is_file() or (sub / "__init__.py").is_file():
                    yield node.lineno, f"{target}.{alias.name}"


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module, _ = _module_name(path)
        graph[module] = {t for _, t in _imports(path) if t.startswith("v6plan")}
    return graph


def _lab_layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[:2] != ["v6plan", "lab"] or len(parts) < 3:
        return None
    return LAB_LAYERS.index(parts[2]) if parts[2] in LAB_LAYERS else None


def test_every_lab_module_is_in_a_layer() -> None:
    strays = [m for m in _graph() if m.startswith("v6plan.lab.") and _lab_layer(m) is None]
    assert strays == [], f"put these in one of {LAB_LAYERS}: {strays}"


def test_lab_imports_point_down() -> None:
    wrong = []
    for module, targets in _graph().items():
        here = _lab_layer(module)
        if here is None:
            continue
        for target in targets:
            there = _lab_layer(target)
            if there is not None and there > here:
                wrong.append(
                    f"{module} imports {target} ({LAB_LAYERS[there]} is above {LAB_LAYERS[here]})"
                )
    assert wrong == []


def test_backends_stand_alone() -> None:
    """sim and netns share only the runtime's contract and wire layer, and the rest of the
    runtime never imports either (the registry names them by string)."""
    wrong = []
    for module, targets in _graph().items():
        for target in targets:
            for a, b in (("sim", "netns"), ("netns", "sim")):
                if f"runtime.{a}" in module and f"runtime.{b}" in target:
                    wrong.append(f"{module} imports {target}")
            in_a_backend = any(f"runtime.{b}" in module for b in ("sim", "netns"))
            to_a_backend = any(f"runtime.{b}" in target for b in ("sim", "netns"))
            if module.startswith("v6plan.lab.runtime.") and not in_a_backend and to_a_backend:
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_core_never_imports_the_faces() -> None:
    faces = ("v6plan.lab", "v6plan.tui", "v6plan.cli", "textual", "scapy")
    wrong = []
    for module, _ in ((m, None) for m in _graph()):
        if module.startswith(("v6plan.lab", "v6plan.tui", "v6plan.cli", "v6plan.__main__")):
            continue
        path = PACKAGE.parent.joinpath(*module.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        for line, target in _imports(path):
            if target.startswith(faces):
                wrong.append(f"{module}:{line} imports {target}")
    assert wrong == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("scope", ["v6plan.lab"])
def test_no_import_cycles(scope: str) -> None:
    graph = {
        m: {t for t in ts if t.startswith(scope) and t != m and not m.startswith(t + ".")}
        for m, ts in _graph().items()
        if m.startswith(scope)
    }
    # a package's __init__ re-exporting its modules is not a cycle through them
    graph = {m: {t for t in ts if not (t.startswith(m + "."))} for m, ts in graph.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_test_modules_share_only_the_support_package() -> None:
    """Test modules import helpers from tests/_support, never from one another, and never
    edit sys.path (pyproject puts tests/ on the path)."""
    tests = PACKAGE.parent / "tests"
    wrong = []
    for path in sorted(tests.rglob("*.py")):
        if "_support" in path.parts or "data" in path.relative_to(tests).parts:
            continue
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and not node.level:
                top = (node.module or "").split(".")[0]
                if top.startswith("test_") or top in ("conftest", "support", "helpers"):
                    wrong.append(f"{path.name}:{node.lineno} imports {node.module}")
            if isinstance(node, ast.Attribute) and node.attr in ("insert", "append"):
                target = node.value
                on_sys_path = isinstance(target, ast.Attribute) and target.attr == "path"
                if on_sys_path and getattr(target.value, "id", "") == "sys":
                    wrong.append(f"{path.name}:{node.lineno} edits sys.path")
    assert wrong == []


def test_only_the_runtime_knows_the_backends() -> None:
    """model, checks, instructor and cli reach a backend through the contract and the
    registry only: none of them imports runtime.sim or runtime.netns (not even lazily)."""
    wrong = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        if module.startswith("v6plan.lab.") and not module.startswith("v6plan.lab.runtime")
        for target in targets
        if target.startswith(("v6plan.lab.runtime.sim", "v6plan.lab.runtime.netns"))
    ]
    assert wrong == []


def test_architecture_names_every_lab_module() -> None:
    """docs/ARCHITECTURE.md gives each module of the lab engine its line: a new module
    without one fails here."""
    doc = (PACKAGE.parent / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = doc[doc.index("## The lab engine") :]
    section = section[: section.index("\n## ", 1)]
    missing = [
        str(path.relative_to(PACKAGE))
        for path in sorted((PACKAGE / "lab").rglob("*.py"))
        if path.name not in ("__init__.py", "__main__.py") and path.stem not in section
    ]
    assert missing == []
