"""Reading lab YAML files (topologies, labs, variants, message catalogues) with places.

This shares the plan spec loader's approach (:mod:`v6plan._spec`): compose the YAML
ourselves so that every problem names its file, line and column, duplicate keys are
caught and address text is read as written. The typed-value helpers (``mapping``,
``scalar``, ``integer``, ``boolean``, ``prefix``…) are the spec reader's own.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from ..._errors import Problem, SpecError
from ..._io import ReadError, read_input
from ..._limits import LAB_FILE_BYTES, NESTING
from ..._spec import _Reader

__all__ = ["Reader", "closest", "is_file"]

MAX_FILE_BYTES = LAB_FILE_BYTES


def is_file(path: str | Path) -> bool:
    """``Path.is_file`` for a name from a file or the command line: a name too long for the
    file system (ENAMETOOLONG) or otherwise unusable is no file, not an OSError."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # ValueError: a NUL byte in the name
        return False


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """`` — did you mean 'x'?`` or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f"did you mean {close[0]!r}?" if close else ""


class Reader(_Reader):
    """A positioned YAML reader for one file; collect problems, then :meth:`done`."""

    def __init__(self, file: str | Path) -> None:
        super().__init__(str(file))

    # -- entry -------------------------------------------------------------------------------
    def load(self, what: str) -> Any:
        """Compose the file's YAML (node tree with marks); raise on unreadable files.

        A regular file of at most :data:`MAX_FILE_BYTES` (devices, FIFOs and bigger files
        are refused before anything is read, see :func:`v6plan._io.read_input`).
        """
        try:
            data = read_input(self.file, what=what, limit=MAX_FILE_BYTES)
        except ReadError as exc:
            raise SpecError([Problem(exc.file, 0, 0, exc.reason, exc.hint)]) from None
        return self.compose(data, what)

    def compose(self, data: bytes | str, what: str) -> Any:
        from ..._spec import compose_yaml

        return compose_yaml(data, self.file, what, MAX_FILE_BYTES)

    def done(self) -> None:
        """Raise every collected problem at once."""
        if self.problems:
            raise SpecError(self.problems)

    # -- structure helpers ---------------------------------------------------------------------
    def pairs(self, node: Any, what: str) -> list[tuple[str, Any, Any]]:
        """(key, key node, value node) of a mapping with free keys (node names, ids)."""
        import yaml

        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping", f"got {self.describe(node)}")
            return []
        out: list[tuple[str, Any, Any]] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            self.count_node()
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, f"{what} has a key that is not plain text")
                continue
            if key_node.value in seen:
                self.problem(key_node, f"{key_node.value!r} appears twice in {what}")
                continue
            seen.add(key_node.value)
            out.append((key_node.value, key_node, value_node))
        return out

    def items(self, node: Any, what: str) -> list[Any]:
        """The value nodes of a YAML list."""
        import yaml

        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list", "start each item with `- `")
            return []
        for _ in node.value:
            self.count_node()
        return list(node.value)

    def string(self, node: Any, key: str) -> str | None:
        return self.scalar(node, key)

    def strings(self, node: Any, key: str) -> list[str]:
        """A list of plain strings, or one string standing for a list of one."""
        import yaml

        if isinstance(node, yaml.ScalarNode):
            value = self.scalar(node, key)
            return [] if value is None else [value]
        return [v for v, _ in self.name_list(node, key) or []]

    @staticmethod
    def where(node: Any) -> tuple[int, int]:
        mark = getattr(node, "start_mark", None)
        return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)

    def problem_at(self, place: tuple[int, int], message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.file, place[0], place[1], message, hint))

    def plain(self, node: Any, depth: int = 0) -> Any:
        """A YAML subtree as plain Python values (strings stay strings: no YAML 1.1 typing).

        Every value counts towards the file's budget, aliases included (a "billion laughs"
        stops at :data:`~v6plan._limits.YAML_VALUES`), and nesting stops at
        :data:`~v6plan._limits.NESTING` levels.
        """
        import yaml

        if depth > NESTING:
            raise SpecError(
                [Problem(self.file, *self.where(node), f"nested more than {NESTING} levels deep")]
            )
        if isinstance(node, yaml.MappingNode):
            return {k: self.plain(v, depth + 1) for k, _, v in self.pairs(node, "this mapping")}
        if isinstance(node, yaml.SequenceNode):
            return [self.plain(v, depth + 1) for v in self.items(node, "this list")]
        self.count_node()
        return None if node.tag.endswith(":null") and node.style is None else str(node.value)
