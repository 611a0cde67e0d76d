"""The explorer's widgets: the lazy plan tree, details, children table, nibble map, ruler.

Each widget draws from a :class:`~v6plan.tui.model.PlanView` and only what is on
screen. Colours come from the current Textual theme's text colours, so they stay
readable on dark and light themes alike.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Tree
from textual.widgets._footer import FooterKey
from textual.widgets.tree import TreeNode

from .._prefix import format_prefix
from .._space import cidr_cover
from .model import (
    Cell,
    PlanView,
    Row,
    bar,
    block_count,
    block_text,
    count_text,
    name_range,
)

if TYPE_CHECKING:
    from textual.app import App, ComposeResult

__all__ = [
    "AnatomyRuler",
    "ChildrenTable",
    "ContextFooter",
    "DetailsView",
    "NibbleMap",
    "PlanTree",
    "palette",
]

#: Depth colours of the anatomy ruler, as theme variables, cycled by plan depth.
_DEPTH_COLOURS = (
    "text-primary",
    "text-success",
    "text-warning",
    "text-accent",
    "text-secondary",
    "text-error",
)


_FALLBACK = {
    "text-primary": "blue",
    "text-secondary": "cyan",
    "text-accent": "magenta",
    "text-success": "green",
    "text-warning": "yellow",
    "text-error": "red",
    "foreground-muted": "grey50",
    "foreground": "default",
}


def _solid(app: App[object], key: str) -> str:
    """A theme colour as opaque hex, blended onto the background when it has alpha."""
    v = app.theme_variables
    raw = v.get(key, "")
    try:
        colour = Color.parse(raw)
        if colour.a < 1:
            colour = Color.parse(v.get("background", "#000000")) + colour
        return colour.hex6
    except Exception:  # not a colour (e.g. "auto 60%"): use a named terminal colour
        return _FALLBACK.get(key, "default")


def palette(app: App[object]) -> dict[str, str]:
    """Theme colours for text (each readable on the theme's own background)."""
    return {
        "primary": _solid(app, "text-primary"),
        "secondary": _solid(app, "text-secondary"),
        "accent": _solid(app, "text-accent"),
        "success": _solid(app, "text-success"),
        "warning": _solid(app, "text-warning"),
        "error": _solid(app, "text-error"),
        "muted": _solid(app, "foreground-muted"),
        "foreground": _solid(app, "foreground"),
    }


def level_colour(app: App[object], depth: int) -> Style:
    if depth < 0:
        return Style.parse(_solid(app, "foreground-muted"))
    return Style.parse(_solid(app, _DEPTH_COLOURS[depth % len(_DEPTH_COLOURS)]))


def use_colour(colours: dict[str, str], percent: float) -> str:
    """NetBox's thresholds: warning from 75 %, danger from 90 %."""
    if percent >= 90:
        return colours["error"]
    if percent >= 75:
        return colours["warning"]
    return colours["success"]


# -- the tree ----------------------------------------------------------------------------------
class PlanTree(Tree[Row]):
    """A lazy tree: each level is built when expanded and holds at most 16 rows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "expand_or_down", "Expand", show=False, id="tree.expand"),
        Binding("left", "collapse_or_parent", "Collapse / parent", show=False, id="tree.collapse"),
        Binding("home", "scroll_home", "First row", show=False, id="tree.home"),
        Binding("end", "scroll_end", "Last row", show=False, id="tree.end"),
        Binding("pageup", "page_up", "Page up", show=False, id="tree.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="tree.page_down"),
        # the map's arrows, from the tree (the map shows the node under the cursor)
        Binding("shift+up", "app.map_move(0, -1)", "Map cell up", show=False, id="tree.map_up"),
        Binding(
            "shift+down", "app.map_move(0, 1)", "Map cell down", show=False, id="tree.map_down"
        ),
        Binding(
            "shift+left", "app.map_move(-1, 0)", "Map cell left", show=False, id="tree.map_left"
        ),
        Binding(
            "shift+right", "app.map_move(1, 0)", "Map cell right", show=False, id="tree.map_right"
        ),
        Binding(
            "shift+space",
            "toggle_expand_all",
            "Expand one level (expand-all is off)",
            show=False,
            id="tree.expand_level",
        ),
    ]

    class Populated(Message):
        """Rows were added under a node (for tests and the go-to machinery)."""

    def __init__(self, view: PlanView, *, id: str | None = None) -> None:
        super().__init__("plan", id=id)
        self.view = view
        self.guide_depth = 2
        self.auto_expand = False
        self._filled: set[int] = set()
        self._colours: dict[str, str] | None = None
        self._theme = ""
        self._labels: dict[tuple[Row, int], Text] = {}
        self._cells: dict[Row, RowCells] = {}
        self._grids: dict[tuple[Row | None, int, int], Grid] = {}
        #: Called with the row under the cursor as soon as it moves (same frame).
        self.on_cursor: Callable[[Row | None], None] | None = None

    def watch_cursor_line(self, previous_line: int, line: int) -> None:
        super().watch_cursor_line(previous_line, line)
        if previous_line != line and self.on_cursor is not None:
            node = self.cursor_node
            self.on_cursor(None if node is None else node.data)

    # -- data --------------------------------------------------------------------------
    def row_identity(self, row: Row) -> tuple[str, int, int, str]:
        """What a row is across an edit (plan indexes shift; blocks never move)."""
        name = ""
        if row.kind == "node" and self.view.plan.is_group(row.index):
            name = self.view.plan.path(row.index)  # grouping nodes all span everything
        return row.kind, row.start, row.end, name

    def opened(self) -> set[tuple[str, int, int, str]]:
        """The open rows (walks only what is open: a few hundred nodes at most)."""
        out: set[tuple[str, int, int, str]] = set()
        todo = [self.root]
        while todo:
            node = todo.pop()
            if node.is_expanded and node.data is not None:
                out.add(self.row_identity(node.data))
                todo.extend(node.children)
        return out

    def load(self, view: PlanView, opened: set[tuple[str, int, int, str]] | None = None) -> None:
        """Show a (new) plan: the root row expanded, and the rows in ``opened`` again."""
        self.view = view
        self._filled.clear()
        self._labels.clear()
        self._cells.clear()
        self._grids.clear()
        self.clear()
        root = view.root_row()
        self.root.data = root
        self.root.allow_expand = view.has_children(0)
        self.fill(self.root)
        self.root.expand()
        keep = opened or set()
        todo = list(self.root.children) if keep else []
        while todo:
            node = todo.pop()
            row = node.data
            if row is not None and node.allow_expand and self.row_identity(row) in keep:
                self.expand_node(node)
                todo.extend(node.children)

    def fill(self, node: TreeNode[Row]) -> None:
        """Add the rows under ``node`` once (≤ 16: children, nibble groups, free runs)."""
        if node.id in self._filled or node.data is None:
            return
        self._filled.add(node.id)
        view = self.view
        for row in view.rows(node.data):
            expandable = row.kind == "group" or (
                row.kind == "node" and view.has_children(row.index)
            )
            node.add(self.row_key(row), row, allow_expand=expandable)

    @staticmethod
    def row_key(row: Row) -> str:
        return f"{row.kind}:{row.index}:{row.start:x}"

    def _on_tree_node_expanded(self, event: Tree.NodeExpanded[Row]) -> None:
        self.fill(event.node)

    def expand_node(self, node: TreeNode[Row]) -> None:
        self.fill(node)
        node.expand()

    def reveal(self, index: int) -> TreeNode[Row] | None:
        """Expand the way down to plan node ``index`` and put the cursor on it."""
        view = self.view
        plan = view.plan
        target_net = plan.net[index]
        node: TreeNode[Row] = self.root
        for step in view.path_rows(index)[1:]:
            found = None
            while found is None:
                self.expand_node(node)
                for child in node.children:
                    row = child.data
                    if row is None:
                        continue
                    if row.kind == "node" and row.index == step:
                        found = child
                        break
                    if row.kind == "group" and row.start <= target_net < row.end:
                        node = child
                        break
                else:
                    return None
            node = found
        self.focus_node(node)
        return node

    def reveal_range(self, parent: int, start: int) -> TreeNode[Row] | None:
        """Put the cursor on the row (free run or group) at ``start`` under ``parent``."""
        node = self.reveal(parent)
        if node is None:
            return None
        while True:
            self.expand_node(node)
            for child in node.children:
                row = child.data
                if row is not None and row.start <= start < row.end:
                    if row.kind == "group" and row.start != start:
                        node = child
                        break
                    self.focus_node(child)
                    return child
            else:
                return node

    def focus_node(self, node: TreeNode[Row]) -> None:
        _ = self._tree_lines  # lay the lines out now so the node has its line number
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)

    @property
    def current(self) -> Row | None:
        node = self.cursor_node
        return None if node is None else node.data

    # -- keys --------------------------------------------------------------------------
    def action_expand_or_down(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and not node.is_expanded:
            self.expand_node(node)
        elif node.children:
            self.focus_node(node.children[0])

    def action_collapse_or_parent(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and node.allow_expand:
            node.collapse()
        elif node.parent is not None:
            self.focus_node(node.parent)

    def action_toggle_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            self.fill(node)
        super().action_toggle_node()

    # Page and end keys jump at once: a scroll animation would hold the answer back.
    def action_page_down(self) -> None:
        if self.cursor_line == -1:
            self.cursor_line = 0
        self.cursor_line += self.scrollable_content_region.height - 1
        self.scroll_to_line(self.cursor_line, animate=False)

    def action_page_up(self) -> None:
        if self.cursor_line == -1:
            self.cursor_line = self.last_line
        self.cursor_line -= self.scrollable_content_region.height - 1
        self.scroll_to_line(self.cursor_line, animate=False)

    def action_scroll_home(self) -> None:
        self.cursor_line = 0
        self.scroll_to_line(self.cursor_line, animate=False)

    def action_scroll_end(self) -> None:
        self.cursor_line = self.last_line
        self.scroll_to_line(self.cursor_line, animate=False)

    def action_toggle_expand_all(self) -> None:
        """Expand-all would build the whole plan: expand one level instead."""
        self.action_toggle_node()
        self.notify("expand-all is off: a plan can hold millions of rows", timeout=3)

    # -- drawing -----------------------------------------------------------------------
    def colours(self) -> dict[str, str]:
        if self._colours is None or self._theme != self.app.theme:
            self._colours = palette(self.app)
            self._theme = self.app.theme
        return self._colours

    def get_label_width(self, node: TreeNode[Row]) -> int:
        return 0  # labels are drawn to the width there is: no sideways scrolling

    def notify_style_update(self) -> None:
        # The labels hold the theme's colours only: focus (the border) keeps them valid,
        # and rebuilding every visible label on each focus change cost a frame.
        if self._theme != self.app.theme:
            self._colours = None
            self._labels.clear()
        super().notify_style_update()

    def _depth(self, node: TreeNode[Row]) -> int:
        depth = 0
        parent = node.parent
        while parent is not None:
            depth += 1
            parent = parent.parent
        return depth

    def render_label(self, node: TreeNode[Row], base_style: Style, style: Style) -> Text:
        row = node.data
        if node.allow_expand:
            icon = "▼ " if node.is_expanded else "▶ "
        else:  # a leaf: what it is as a glyph too (never colour alone)
            icon = _LEAF_ICONS.get(self._leaf_kind(row), "  ")
        width = max(12, self.scrollable_content_region.width - self._depth(node) * 2 - 1)
        text = Text(icon, style=base_style + Style(dim=True))
        if row is None:
            text.append(str(node.label), style=style)
            return text
        key = (row, width)
        cached = self._labels.get(key)
        if cached is None:
            if len(self._labels) > 4096:
                self._labels.clear()
            siblings = node.parent.children if node.parent is not None else [node]
            grid = self.level_grid([n.data for n in siblings if n.data is not None], width - 2)
            cached = self._labels[key] = self.row_text(row, width - 2, grid)
        label = cached.copy()
        label.stylize(style)
        text.append_text(label)
        return text

    def _leaf_kind(self, row: Row | None) -> str:
        if row is None:
            return ""
        if row.kind == "free":
            return "free"
        if row.kind == "node" and self.view.plan.role(row.index) == "reserve":
            return "reserve"
        return ""

    def cells(self, row: Row) -> RowCells:
        """The texts of a row's columns (cached with the level's grid)."""
        found = self._cells.get(row)
        if found is None:
            if len(self._cells) > 4096:
                self._cells.clear()
            found = self._cells[row] = row_cells(self.view, row)
        return found

    def level_grid(self, rows: list[Row], width: int) -> Grid:
        """One column grid for sibling rows: they share the name, prefix … columns."""
        key = (rows[0] if rows else None, len(rows), width)
        found = self._grids.get(key)
        if found is None:
            if len(self._grids) > 1024:
                self._grids.clear()
            found = self._grids[key] = Grid.fit([self.cells(r) for r in rows], width)
        return found

    def row_text(self, row: Row, width: int, grid: Grid | None = None) -> Text:
        """One row, laid out in the level's columns within ``width`` cells."""
        cells = self.cells(row)
        if grid is None:
            grid = Grid.fit([cells], width)
        return grid.draw(cells, self.colours())


def _use_text(use: object) -> str:
    from .._query import Usage

    assert isinstance(use, Usage)
    return f"{use.used:,} of {count_text(use.capacity)} /{use.unit}"


#: The glyph before a leaf row: free space and reserves are told by shape, not colour only.
_LEAF_ICONS = {"free": "· ", "reserve": "▚ "}


@dataclass(frozen=True, slots=True)
class RowCells:
    """The column texts of one tree row (before they are fitted to a width)."""

    kind: str  # "node" | "group" | "free" (as Row.kind) — or "reserve" for a reserve node
    name: str
    prefix: str
    role: str
    percent: float | None  # utilisation of a node with children, density of a group
    used: str
    #: How the % is coloured: "use" (NetBox thresholds), "neutral" (groups; pools sized by
    #: their children, full by design).
    tone: str = "use"
    #: A shorter name when the column is narrow (a group's ``vlan-1…16``).
    short: str = ""


def row_cells(view: PlanView, row: Row) -> RowCells:
    plan = view.plan
    if row.kind == "node":
        i = row.index
        name = plan.title if i == 0 else plan.name[i]
        prefix = plan.prefix_text(i) or _blocks_text(len(plan.top_blocks(i)))
        role = plan.role(i) if i else "root"
        if not view.has_children(i):
            return RowCells(
                "reserve" if role == "reserve" else "node", name, prefix, role, None, ""
            )
        use = view.usage(i)
        tone = "neutral" if view.packed(i) else "use"
        return RowCells("node", name, prefix, role, use.percent, _use_text(use), tone)
    unit = view.kids(row.parent).unit
    units = (row.end - row.start) >> (128 - unit) if unit else 0
    if row.kind == "free":
        blocks = block_count(row.start, row.end)
        first = format_prefix(*next(cidr_cover(row.start, row.end)))
        size = f"{count_text(units)} × /{unit} free" if units else "free"
        return RowCells(
            "free", "free", first, "", None, size + (f" · {blocks} blocks" if blocks > 1 else "")
        )
    first, last = view.group_names(row)
    share = 100 * row.nodes / units if units else 0.0
    used = f"{row.nodes:,} of {count_text(units)} /{unit}"
    return RowCells(
        "group",
        name_range(first, last),
        block_text(row.start, row.end),
        "",
        share,
        used,
        "neutral",
        name_range(first, last, compact=True),
    )


def middle(text: str, width: int) -> str:
    """Shorten from the middle: ``ministry-of-education`` → ``minist…cation``."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head = (width - 1 + 1) // 2
    tail = width - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


@dataclass(frozen=True, slots=True)
class Grid:
    """Column widths shared by the rows of one tree level (0: the column is not shown).

    The prefix is never cut; the name shortens from the middle; the optional columns go,
    least useful first (used of capacity, the role, the bar, the %), when they do not fit.
    """

    name: int
    prefix: int
    role: int
    bar: int
    percent: int
    used: int

    NAME_MIN: ClassVar[int] = 14
    NAME_MAX: ClassVar[int] = 28
    BAR: ClassVar[int] = 8

    @classmethod
    def fit(cls, rows: list[RowCells], width: int) -> Grid:
        name_full = min(cls.NAME_MAX, max((len(r.name) for r in rows), default=4))
        name_min = min(name_full, cls.NAME_MIN)
        prefix = max((len(r.prefix) for r in rows), default=0)
        role = max((len(r.role) for r in rows), default=0)
        used = max((len(r.used) for r in rows), default=0)
        has_use = any(r.percent is not None for r in rows)
        left = width - name_min - 1 - prefix  # room after the name (shortest) and prefix
        shown = {"percent": 0, "bar": 0, "role": 0, "used": 0}
        if left < 0:  # not even name and prefix: the name gives way, never the prefix
            return cls(max(1, width - 1 - prefix), prefix, 0, 0, 0, 0)
        # in order of value: the % says most in least room, then the bar, the role, the
        # whole name, and last the capacity
        name = name_min
        for column, need in (
            ("percent", 6 if has_use else 0),
            ("bar", cls.BAR if has_use else 0),
            ("role", role),
            ("name", name_full - name_min),
            ("used", used),
        ):
            if column == "name":
                grow = min(left, need)
                name += grow
                left -= grow
            elif need and left >= need + 1:
                shown[column] = need
                left -= need + 1
        return cls(name, prefix, shown["role"], shown["bar"], shown["percent"], shown["used"])

    def draw(self, cells: RowCells, c: dict[str, str]) -> Text:
        out = Text(no_wrap=True, overflow="crop")
        kind = cells.kind
        name_style = {"node": "bold", "reserve": c["secondary"], "free": c["success"]}.get(
            kind, c["secondary"]
        )
        name = cells.name
        if len(name) > self.name and cells.short:
            name = cells.short
        out.append(middle(name, self.name).ljust(self.name), style=name_style)
        out.append(" ")
        prefix_style = {"free": c["success"], "group": c["secondary"]}.get(kind, c["primary"])
        out.append(cells.prefix.ljust(self.prefix), style=prefix_style)
        if self.role:
            role_style = c["secondary"] if kind == "reserve" else c["muted"]
            out.append(" ")
            out.append(cells.role.ljust(self.role), style=role_style)
        percent = cells.percent
        if cells.tone == "use" and percent is not None:
            colour = use_colour(c, percent)
        else:
            colour = c["secondary"] if kind == "group" else c["foreground"]
        if self.bar:
            out.append(" ")
            if percent is None:
                out.append(" " * self.bar)
            else:
                out.append(bar(percent / 100, self.bar), style=colour)
        if self.percent:
            out.append(" ")
            text = "" if percent is None else f"{percent:5.1f}%"
            out.append(text.rjust(self.percent), style=colour)
        if self.used and cells.used:
            out.append(" ")
            out.append(cells.used, style=c["muted"])
        return out


# -- details -----------------------------------------------------------------------------------
class TextPane(Widget):
    """Rich text that re-lays out only when its height changes (cheap on every key)."""

    DEFAULT_CSS = "TextPane { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = Text()
        self.lines = 0

    def render(self) -> Text:
        return self.text

    def set_text(self, text: Text) -> None:
        self.text = text
        width = max(1, self.content_region.width or self.app.size.width)
        lines = len(text.wrap(self.app.console, width))
        # A layout costs more than all the rest of a cursor move: ask for one only when the
        # height changes (moving between siblings of one kind usually keeps it). The height
        # then always fits the text, whatever was shown before — the screen is reproducible.
        self.refresh(layout=lines != self.lines)
        self.lines = lines


class DetailsView(TextPane):
    """Range, sizes, role, usage, free space and lint findings of the selected row."""

    def show(self, view: PlanView, row: Row | None, findings: list[object] | None) -> None:
        self.set_text(details_text(self.app, view, row, findings, self.content_region.width))


def details_text(
    app: App[object],
    view: PlanView,
    row: Row | None,
    findings: list[object] | None,
    width: int = 80,
) -> Text:
    c = palette(app)
    out = Text()
    if row is None:
        return out
    plan = view.plan

    def field(key: str, value: str | Text, style: str = "") -> None:
        out.append(f"{key:<8}", style=c["muted"])
        if isinstance(value, str) and 8 + len(value) > width and len(value) < width:
            out.append("\n")  # an address does not wrap: give it its own line
        if isinstance(value, Text):
            out.append_text(value)
        else:
            out.append(value, style=style)
        out.append("\n")

    if row.kind != "node":
        kids = view.kids(row.parent)
        unit = kids.unit
        units = (row.end - row.start) >> (128 - unit) if unit else 0
        title = "free space" if row.kind == "free" else "group"
        out.append(f"{title} under {plan.path(row.parent) or plan.title}\n", style="bold")
        if row.kind == "group":
            first, last = view.group_names(row)
            field("names", name_range(first, last))
        blocks = list(islice(cidr_cover(row.start, row.end), 4))
        count = block_count(row.start, row.end) if len(blocks) > 3 else len(blocks)
        field("block", format_prefix(*blocks[0]), c["primary"])
        if count > 1:  # a free run that is not one prefix: say so, and which ones
            for b in blocks[1:3]:
                out.append(" " * 8 + format_prefix(*b) + "\n", style=c["primary"])
            if count > 3:
                out.append(" " * 8 + "…\n", style=c["primary"])
            field("", f"({count} CIDR blocks: the run is not one prefix)", c["muted"])
        field("first", view.address(row.start))
        field("last", view.address(row.end - 1))
        if unit:
            field("size", f"{count_text(units)} × /{unit}")
        if row.kind == "group":
            field("holds", f"{row.nodes:,} nodes, {count_text(units - row.nodes)} free slots")
        else:
            out.append("\nr reserves it · a adds a child here\n", style=c["muted"])
        return out
    i = row.index
    if plan.is_group(i):
        return _group_details(view, i, out, field)
    node = plan.node(i)
    out.append((node.path or f"{plan.title} (root)") + "\n", style="bold")
    field("prefix", plan.prefix_text(i), c["primary"])
    field("first", view.address(node.prefix.first))
    field("last", view.address(node.prefix.last))
    length = plan.plen[i]
    sizes = []
    if length <= 48:
        sizes.append(f"{count_text(1 << (48 - length))} /48")
    if length <= 64:
        sizes.append(f"{count_text(1 << (64 - length))} /64")
    if not sizes:
        sizes.append(f"{count_text(1 << (128 - length))} addresses")
    field("size", " = ".join(sizes))
    role = node.role or "—"
    same = node.status in (node.role, "reserved" if node.role == "reserve" else "")
    field("role", role if same else f"{role} · {node.status}")
    if node.description:
        field("about", node.description)
    if node.vlan is not None:
        field("vlan", str(node.vlan))
    if node.router:
        field("router", node.router)
    if node.p2p is not None:
        field("p2p", str(node.p2p))
    if view.has_children(i):
        use = view.usage(i)
        line = Text()
        line.append(bar(use.percent / 100, 10), style=use_colour(c, use.percent))
        line.append(f" {use.percent:.1f} %\n{'':8}{_use_text(use)}")
        field("used", line)
        free, more = view.free_preview(i, 3)
        if free:
            field("free", free[0], c["success"])
            for block in free[1:]:
                out.append(" " * 8 + block + "\n", style=c["success"])
            if more:
                out.append(" " * 8 + "…\n", style=c["success"])
        else:
            field("free", "none: every part is allocated", c["warning"])
    if findings is None:
        field("lint", "checking…", c["muted"])
    elif not findings:
        field("lint", "✓ no findings", c["success"])
    else:
        for f in findings:
            severity = getattr(f, "severity", "info")
            colour = {"error": c["error"], "warning": c["warning"]}.get(severity, c["muted"])
            field(
                "lint", f"{severity} {getattr(f, 'rule', '')}: {getattr(f, 'message', '')}", colour
            )
    return out


def _blocks_text(n: int) -> str:
    return f"{n:,} block" + ("s" if n != 1 else "")


def _group_details(view: PlanView, i: int, out: Text, field: Callable[[str, str], None]) -> Text:
    """A grouping node (a file's several top-level blocks, a VRF): what it groups."""
    plan = view.plan
    blocks = plan.top_blocks(i)
    what = "VRF" if i else "top-level blocks"
    out.append((plan.path(i) or f"{plan.title} (root)") + f"  {what}\n", style="bold")
    field(
        "blocks",
        f"{len(blocks):,}: "
        + ", ".join(plan.prefix_text(b) for b in blocks[:3])
        + (" …" if len(blocks) > 3 else ""),
    )
    if i == 0 and plan.vrf_nodes():
        field("vrfs", ", ".join(plan.name[v] for v in plan.vrf_nodes()))
    use = view.usage(i)
    if use.unit:
        field("used", f"{use.percent:.1f} % · {_use_text(use)} (the blocks together)")
    return out


# -- anatomy ruler -----------------------------------------------------------------------------
class AnatomyRuler(TextPane):
    """The selected prefix, each hex digit coloured by the plan level that owns its bits."""

    def show(self, view: PlanView, index: int) -> None:
        self.set_text(anatomy_text(self.app, view, index))


def anatomy_text(app: App[object], view: PlanView, index: int) -> Text:
    plan = view.plan
    if plan.is_group(index):
        return Text("prefix anatomy: a grouping node holds no prefix; pick one of its blocks\n")
    owners = view.digit_owners(index)
    digits = view.expanded(plan.net[index]).replace(":", "")
    out = Text()
    out.append("prefix anatomy\n", style="bold")
    for half in (0, 16):
        for d in range(half, half + 16):
            if d and d % 4 == 0 and d != half:
                out.append(":")
            deps = owners[d] or [-1]
            style = level_colour(app, deps[-1])
            if len(deps) > 1:  # a non-nibble boundary splits this digit between levels
                style += Style(underline=True)
            if deps[-1] < -1 or deps[-1] == -1:
                style += Style(dim=True)
            else:
                style += Style(bold=True)
            out.append(digits[d], style=style)
        out.append(f"   bits {half * 4}–{half * 4 + 63}\n", style=palette(app)["muted"])
    for seg in view.anatomy(index):
        style = level_colour(app, seg.depth if seg.depth >= 0 else -1)
        out.append("■ ", style=style)
        out.append(f"/{seg.first}–/{seg.stop} ", style=style)
        out.append(f"{seg.stop - seg.first} bits  {seg.label}\n")
    return out


# -- children table ----------------------------------------------------------------------------
class ChildrenTable(DataTable[str | Text]):
    """Children and free runs of the selected node, one page at a time."""

    PAGE = 100
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "right_square_bracket",
            "page(1)",
            "Next page",
            key_display="]",
            id="children.next_page",
        ),
        Binding(
            "left_square_bracket",
            "page(-1)",
            "Previous page",
            key_display="[",
            id="children.prev_page",
        ),
        Binding("enter", "select_cursor", "Go to row", id="children.choose"),
        Binding("s", "sort", "Sort", id="children.sort"),
        Binding(
            "escape", "app.close_search", "Back to the tree", key_display="esc", id="children.back"
        ),
    ]

    class Chosen(Message):
        """The user picked a row: a plan node (index ≥ 0) or a free run."""

        def __init__(self, parent: int, index: int, start: int) -> None:
            self.parent = parent
            self.index = index
            self.start = start
            super().__init__()

    page = reactive(0)
    #: The columns the table sorts by (``s`` goes to the next; a click on a header too).
    SORTS: ClassVar[tuple[str, ...]] = ("prefix", "name", "role", "vlan", "router", "used")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.view: PlanView | None = None
        self.node = -1
        self.pages = 0
        self.total = 0
        self.sort_column = "prefix"
        self.sort_reverse = False
        self.rows_shown: list[tuple[int, int, int]] = []

    def on_mount(self) -> None:
        for key in ("prefix", "name", "role", "vlan", "router", "used"):
            self.add_column(key, key=key)

    def show(self, view: PlanView, index: int, page: int = 0) -> None:
        self.view = view
        self.node = index
        self.rows_shown = self._sorted(view, view.items(index))
        self.total = len(self.rows_shown)
        self.pages = max(1, -(-self.total // self.PAGE))
        self.set_reactive(ChildrenTable.page, min(max(page, 0), self.pages - 1))
        self._draw()

    def _sorted(
        self, view: PlanView, items: list[tuple[int, int, int]]
    ) -> list[tuple[int, int, int]]:
        """Children in the chosen order (free runs after them); address order as planned."""
        if self.sort_column == "prefix":
            return items[::-1] if self.sort_reverse else items
        plan = view.plan
        nodes = [item for item in items if item[0] >= 0]
        free = [item for item in items if item[0] < 0]
        key: Callable[[tuple[int, int, int]], tuple[int, int | str | float]]
        if self.sort_column == "name":
            key = lambda item: (0, plan.name[item[0]])  # noqa: E731
        elif self.sort_column == "role":
            key = lambda item: (0, plan.role(item[0]))  # noqa: E731
        elif self.sort_column == "vlan":
            vlans = {i: plan.node(i).vlan for i, _, _ in nodes}
            key = lambda item: (vlans[item[0]] is None, vlans[item[0]] or 0)  # noqa: E731
        elif self.sort_column == "router":
            key = lambda item: (0, plan.node(item[0]).router)  # noqa: E731
        else:
            key = lambda item: (  # noqa: E731
                0,
                -view.usage(item[0]).percent if view.has_children(item[0]) else 1.0,
            )
        return sorted(nodes, key=key, reverse=self.sort_reverse) + free

    def action_sort(self, column: str = "") -> None:
        """Sort by ``column`` (again: the other way round), or by the next column."""
        if self.view is None:
            return
        if column and column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column = (
                column or self.SORTS[(self.SORTS.index(self.sort_column) + 1) % len(self.SORTS)]
            )
            self.sort_reverse = False
        self.show(self.view, self.node)
        self.post_message(self.Sorted())

    class Sorted(Message):
        """The order changed (the caption says it)."""

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.action_sort(str(event.column_key.value or ""))

    def _draw(self) -> None:
        view = self.view
        if view is None:
            return
        plan = view.plan
        c = palette(self.app)
        self.clear()
        unit = view.kids(self.node).unit
        first = self.page * self.PAGE
        for index, start, end in self.rows_shown[first : first + self.PAGE]:
            if index < 0:
                units = (end - start) >> (128 - unit) if unit else 0
                blocks = block_count(start, end)
                several = f" · {blocks} blocks" if blocks > 1 else ""
                self.add_row(
                    Text(format_prefix(*next(cidr_cover(start, end))), style=c["success"]),
                    Text("· free", style=c["success"]),
                    Text(""),
                    Text(""),
                    Text(""),
                    Text(f"{count_text(units)} × /{unit}{several}", style=c["muted"]),
                    key=f"free:{start:x}",
                )
                continue
            used = Text("")
            if view.has_children(index):
                use = view.usage(index)
                tone = c["foreground"] if view.packed(index) else use_colour(c, use.percent)
                used = Text(f"{bar(use.percent / 100, 6)} {use.percent:5.1f}%", style=tone)
            node = plan.node(index)
            vlan = node.vlan
            self.add_row(
                Text(plan.prefix_text(index), style=c["primary"]),
                ("▚ " if plan.role(index) == "reserve" else "") + plan.name[index],
                plan.role(index),
                "" if vlan is None else str(vlan),
                node.router,
                used,
                key=f"node:{index}",
            )

    def watch_page(self) -> None:
        self._draw()

    def action_page(self, step: int) -> None:
        self.page = min(max(self.page + step, 0), self.pages - 1)

    @property
    def caption(self) -> str:
        if self.view is None or self.node < 0:
            return ""
        kids = len(self.view.kids(self.node).index)
        order = f"{self.sort_column} {'↓' if self.sort_reverse else '↑'}"
        free = self.total - kids
        return (
            f"{kids:,} {'child' if kids == 1 else 'children'} · "
            f"{free:,} free run{'' if free == 1 else 's'} · "
            f"page {self.page + 1} of {self.pages} · sorted by {order}"
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value or ""
        kind, _, value = key.partition(":")
        if kind == "node":
            index = int(value)
            self.post_message(self.Chosen(self.node, index, -1))
        else:
            self.post_message(self.Chosen(self.node, -1, int(value, 16)))


# -- nibble map --------------------------------------------------------------------------------
def _shade(use: float) -> str:
    """Two cells whose shape says how full a block is: the same steps as the colours
    (warning from 75 %, danger from 90 %), so the map reads without colour too."""
    if use >= 0.9:
        return "██"
    if use >= 0.75:
        return "▓▓"
    if use >= 0.25:
        return "▒▒"
    return "░░"


class NibbleMap(Widget, can_focus=True):
    """A map of the blocks under the selected node, 16 a row, that covers the whole node."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(0, -1)", "Move", key_display="←↑↓→", id="map.up"),
        Binding("down", "move(0, 1)", "Map down", show=False, id="map.down"),
        Binding("left", "move(-1, 0)", "Map left", show=False, id="map.left"),
        Binding("right", "move(1, 0)", "Map right", show=False, id="map.right"),
        Binding("enter", "choose", "Go to cell", id="map.choose"),
        Binding("escape", "app.close_search", "Back to the tree", key_display="esc", id="map.back"),
    ]

    cursor = reactive(0)

    class Chosen(Message):
        def __init__(self, parent: int, cell: Cell) -> None:
            self.parent = parent
            self.cell = cell
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: PlanView | None = None
        self.node = -1
        self.cells: list[Cell] = []
        self.why = ""

    def show(self, view: PlanView, index: int) -> None:
        self.view = view
        self.node = index
        self.cells, self.why = [], ""
        plan = view.plan
        if plan.is_group(index):
            self.why = "no map: a grouping node holds no prefix"
        elif plan.plen[index] > 120:
            self.why = "no map: the node is a /121 or longer"
        elif plan.plen[index] >= 64 and not view.has_children(index):
            self.why = (
                f"no map: {plan.prefix_text(index)} is one subnet — its addresses are "
                "hosts (SLAAC, DHCPv6), not blocks"
            )
        else:
            self.cells = view.nibble_map(index)
        self.set_reactive(NibbleMap.cursor, min(self.cursor, max(0, len(self.cells) - 1)))
        self.refresh(layout=True)

    def action_move(self, dx: int, dy: int) -> None:
        if not self.cells:
            return
        width = min(16, len(self.cells))
        rows = len(self.cells) // width
        x, y = self.cursor % width, self.cursor // width
        self.cursor = ((y + dy) % rows) * width + (x + dx) % width

    def action_choose(self) -> None:
        if self.cells:
            self.post_message(self.Chosen(self.node, self.cells[self.cursor]))

    def on_click(self, event: Click) -> None:
        x, y = event.x - 3, event.y - 2
        width = min(16, len(self.cells))
        if width and 0 <= x < 2 * width and 0 <= y < len(self.cells) // width:
            self.cursor = y * width + x // 2

    def watch_cursor(self) -> None:
        self.refresh(layout=True)  # the cell's description may take another line

    def render(self) -> Text:
        view = self.view
        out = Text(no_wrap=True)
        if view is None or not self.cells:
            out.append(self.why)
            return out
        c = palette(self.app)
        row_digit, cell_len = view.nibble_digits(self.node)
        plan = view.plan
        out.append(
            f"{plan.prefix_text(self.node)}: {len(self.cells)} × /{cell_len} "
            f"(hex digits {row_digit + 1}–{row_digit + 2})\n",
            style="bold",
        )
        width = min(16, len(self.cells))
        out.append("   ")
        for x in range(width):  # the last hex digit of the cells
            out.append(f"{(self.cells[x].start >> (128 - cell_len)) & 0xF:x} ", style=c["muted"])
        out.append("\n")
        shift = 128 - 4 * (row_digit + 1)
        for y in range(len(self.cells) // width):
            digit = (self.cells[y * width].start >> shift) & 0xF
            out.append(f" {digit:x} ", style=c["muted"])
            for x in range(width):
                n = y * width + x
                glyph, style = self._glyph(self.cells[n], c)
                st = Style.parse(style) if style else Style()
                if n == self.cursor and self.has_focus:
                    st += Style(reverse=True)
                elif n == self.cursor:
                    st += Style(underline=True)
                out.append(glyph, style=st)
            room = self.content_region.width - 4 - 2 * width
            label = view.row_names(self.cells[y * width : (y + 1) * width])
            if label and room > 4:  # the blocks are named on the map, as IPv6-Plan does
                out.append(" " + middle(label, room - 1), style=c["muted"])
            out.append("\n")
        cell = self.cells[self.cursor]
        line = f"{view.address(cell.start)}/{cell.length} · {view.cell_text(cell)}"
        for part in textwrap.wrap(line, max(20, self.content_region.width)):  # never cut off
            out.append(part + "\n")
        self._legend(out, c)
        return out

    @staticmethod
    def _glyph(cell: Cell, c: dict[str, str]) -> tuple[str, str]:
        """A cell's two characters and colour: the shape alone tells the state."""
        if cell.state == "reserved":
            return "▚▚", c["secondary"]
        if cell.state == "free":
            return "··", c["muted"]
        if cell.state == "partial":  # part taken, part free: shade then a free dot
            return _shade(cell.fraction)[0] + "·", c["foreground"]
        if cell.pool:  # inside a pool that can fill up: its fullness is worth a colour
            return _shade(cell.use), use_colour(c, 100 * cell.use)
        return "▐▌", c["primary"]  # leaves, or a block full by design: neutral

    @staticmethod
    def _legend(out: Text, c: dict[str, str]) -> None:
        out.append("▐▌", style=c["primary"])
        out.append(" held  ")
        out.append("░▒", style=c["success"])
        out.append(" pool <75%  ")
        out.append("▓▓", style=c["warning"])
        out.append(" ≥75%  ")
        out.append("██", style=c["error"])
        out.append(" ≥90%\n")
        out.append("▒·", style=c["foreground"])
        out.append(" part taken  ")
        out.append("▚▚", style=c["secondary"])
        out.append(" reserved  ")
        out.append("··", style=c["muted"])
        out.append(" free")


# -- the footer --------------------------------------------------------------------------------
class ContextFooter(Footer):
    """Textual's footer fitted to the width: the focused pane's keys first, help and quit
    always (at 80 columns too); the least used of the others give way when it is narrow."""

    #: Shown whatever the width, at the end.
    LAST: ClassVar[tuple[str, ...]] = ("help", "quit")
    #: The app's keys that stay longest when the footer is narrow (the rest go first).
    KEEP: ClassVar[tuple[str, ...]] = (
        "search",
        "save",
        "add_child",
        "rename",
        "delete",
        "undo",
        "reserve",
        "export",
    )

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        seen: set[str] = set()
        first: list[tuple[Binding, bool, str]] = []
        last: list[tuple[Binding, bool, str]] = []
        for namespace, binding, enabled, tooltip in active.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            entry = (binding, enabled, tooltip)
            if namespace is self.app and binding.action in self.LAST:
                last.append(entry)
            else:
                first.append(entry)
        room = self.size.width or self.app.size.width
        palette_key = self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE
        room -= 13 if palette_key else 0

        def width(entry: tuple[Binding, bool, str]) -> int:
            return len(self.app.get_key_display(entry[0])) + len(entry[0].description) + 3

        room -= sum(width(e) for e in last)

        def rank(entry: tuple[Binding, bool, str]) -> int:
            action = entry[0].action
            return 1 + self.KEEP.index(action) if action in self.KEEP else 0

        kept: set[int] = set()
        for n in sorted(range(len(first)), key=lambda n: rank(first[n])):
            if width(first[n]) <= room:  # the pane's own keys first, then the app's by use
                kept.add(n)
                room -= width(first[n])
        shown = [e for n, e in enumerate(first) if n in kept]
        for binding, enabled, tooltip in shown + last:
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        if palette_key:
            try:
                _node, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            except KeyError:
                return
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )

    def on_resize(self) -> None:
        self.call_after_refresh(self.recompose)
