"""The explorer's widgets: the lazy plan tree, details, children table, nibble map, ruler.

Each widget draws from a :class:`~v6plan.tui.model.PlanView` and only what is on
screen. Colours come from the current Textual theme's text colours, so they stay
readable on dark and light themes alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Tree
from textual.widgets.tree import TreeNode

from .model import MAX_ROWS, Cell, PlanView, Row, bar, block_text, count_text

if TYPE_CHECKING:
    from textual.app import App

__all__ = [
    "AnatomyRuler",
    "ChildrenTable",
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
        #: Called with the row under the cursor as soon as it moves (same frame).
        self.on_cursor: Callable[[Row | None], None] | None = None

    def watch_cursor_line(self, previous_line: int, line: int) -> None:
        super().watch_cursor_line(previous_line, line)
        if previous_line != line and self.on_cursor is not None:
            node = self.cursor_node
            self.on_cursor(None if node is None else node.data)

    # -- data --------------------------------------------------------------------------
    def load(self, view: PlanView) -> None:
        """Show a (new) plan: the root row, expanded one level."""
        self.view = view
        self._filled.clear()
        self._labels.clear()
        self.clear()
        root = view.root_row()
        self.root.data = root
        self.root.allow_expand = view.has_children(0)
        self.fill(self.root)
        self.root.expand()

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
        icon = ("▼ " if node.is_expanded else "▶ ") if node.allow_expand else "  "
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
            cached = self._labels[key] = self.row_text(row, width - 2)
        label = cached.copy()
        label.stylize(style)
        text.append_text(label)
        return text

    def row_text(self, row: Row, width: int) -> Text:
        """One row, laid out in columns that fit ``width`` cells."""
        c = self.colours()
        plan = self.view.plan
        if row.kind == "node":
            i = row.index
            name = plan.title if i == 0 else plan.name[i]
            prefix = plan.prefix_text(i) or _blocks_text(len(plan.top_blocks(i)))
            role = plan.role(i) if i else "root"
            use = self.view.usage(i) if self.view.has_children(i) else None
            return _columns(
                width,
                name,
                prefix,
                role,
                use.percent if use is not None else None,
                _use_text(use) if use is not None else "",
                c,
                reserved=role == "reserve",
            )
        kids = self.view.kids(row.parent)
        unit = kids.unit
        units = (row.end - row.start) >> (128 - unit) if unit else 0
        if row.kind == "free":
            what = f"{count_text(units)} × /{unit} free" if units else "free"
            out = Text()
            out.append("free ", style=c["success"])
            out.append(block_text(row.start, row.end), style=c["success"])
            out.append(f"  {what}", style=c["muted"])
            out.truncate(width, overflow="ellipsis")
            return out
        out = Text()
        out.append("◇ ", style=c["secondary"])
        out.append(block_text(row.start, row.end), style=c["secondary"])
        share = row.nodes / units if units else 0.0
        out.append(f"  {row.nodes:,} of {count_text(units)}", style=c["muted"])
        if width - out.cell_len > 12:  # density, not a warning: groups are not prefixes
            out.append(" ")
            out.append(bar(share, 8), style=c["secondary"])
        out.truncate(width, overflow="ellipsis")
        return out


def _use_text(use: object) -> str:
    from .._query import Usage

    assert isinstance(use, Usage)
    return f"{use.used:,} of {count_text(use.capacity)} /{use.unit}"


def _columns(
    width: int,
    name: str,
    prefix: str,
    role: str,
    percent: float | None,
    used: str,
    c: dict[str, str],
    *,
    reserved: bool = False,
) -> Text:
    """name · prefix · role · bar · used-of-capacity, dropping columns that do not fit."""
    bar_w = 8
    role_w = 14
    used_w = max(len(used), 16) if used else 0
    prefix_w = max(len(prefix), 19)
    name_min = 8
    show_role = show_bar = show_used = True
    total = name_min + 1 + prefix_w + 1 + role_w + 1 + bar_w + 6 + 1 + used_w
    if total > width:
        show_used = False
        total -= used_w + 1
    if total > width:
        show_role = False
        total -= role_w + 1
    if total > width:
        show_bar = False
        total -= bar_w + 6
    name_w = min(24, max(name_min, width - (total - name_min)))
    out = Text(no_wrap=True)
    shown = name if len(name) <= name_w else name[: name_w - 1] + "…"
    out.append(shown.ljust(name_w), style="bold" if not reserved else c["secondary"])
    out.append(" ")
    out.append(prefix.ljust(prefix_w), style=c["primary"])
    if show_role:
        out.append(" ")
        out.append(role[:role_w].ljust(role_w), style=c["secondary"] if reserved else c["muted"])
    if show_bar:
        out.append(" ")
        if percent is None:
            out.append(" " * (bar_w + 6))
        else:
            colour = use_colour(c, percent)
            out.append(bar(percent / 100, bar_w), style=colour)
            out.append(f"{percent:5.1f}%"[:6].rjust(6), style=colour)
    if show_used and used:
        out.append(" ")
        out.append(used, style=c["muted"])
    out.truncate(width, overflow="ellipsis")
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
        title = "free space" if row.kind == "free" else "nibble group"
        out.append(f"{title} under {plan.path(row.parent) or plan.title}\n", style="bold")
        field("block", block_text(row.start, row.end), c["primary"])
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
    field("role", f"{node.role or '—'} ({node.status})")
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
        Binding("right_square_bracket", "page(1)", "Next page", id="children.next_page"),
        Binding("left_square_bracket", "page(-1)", "Previous page", id="children.prev_page"),
    ]

    class Chosen(Message):
        """The user picked a row: a plan node (index ≥ 0) or a free run."""

        def __init__(self, parent: int, index: int, start: int) -> None:
            self.parent = parent
            self.index = index
            self.start = start
            super().__init__()

    page = reactive(0)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.view: PlanView | None = None
        self.node = -1
        self.pages = 0
        self.total = 0

    def on_mount(self) -> None:
        self.add_column("prefix", key="prefix")
        self.add_column("name", key="name")
        self.add_column("role", key="role")
        self.add_column("used", key="used")

    def show(self, view: PlanView, index: int, page: int = 0) -> None:
        self.view = view
        self.node = index
        items = view.items(index)
        self.total = len(items)
        self.pages = max(1, -(-len(items) // self.PAGE))
        self.set_reactive(ChildrenTable.page, min(max(page, 0), self.pages - 1))
        self._draw()

    def _draw(self) -> None:
        view = self.view
        if view is None:
            return
        plan = view.plan
        c = palette(self.app)
        self.clear()
        items = view.items(self.node)
        unit = view.kids(self.node).unit
        first = self.page * self.PAGE
        for index, start, end in items[first : first + self.PAGE]:
            if index < 0:
                units = (end - start) >> (128 - unit) if unit else 0
                self.add_row(
                    Text(block_text(start, end), style=c["success"]),
                    Text("free", style=c["success"]),
                    Text(""),
                    Text(f"{count_text(units)} × /{unit}", style=c["muted"]),
                    key=f"free:{start:x}",
                )
                continue
            used = ""
            if view.has_children(index):
                use = view.usage(index)
                used = f"{use.percent:5.1f}% {bar(use.percent / 100, 6)}"
            self.add_row(
                Text(plan.prefix_text(index), style=c["primary"]),
                plan.name[index],
                plan.role(index),
                Text(used, style=use_colour(c, view.usage(index).percent) if used else ""),
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
        return (
            f"{kids:,} children · {self.total - kids:,} free runs · "
            f"page {self.page + 1} of {self.pages}  ([ ] pages, enter goes to a row)"
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
    """Two cells of a block whose density says how full it is."""
    if use >= 0.9:
        return "██"
    if use >= 0.5:
        return "▓▓"
    if use >= 0.2:
        return "▒▒"
    return "░░"


class NibbleMap(Widget, can_focus=True):
    """A 16×16 map of the next two hex digits under the selected node."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(0, -1)", "Map up", show=False, id="map.up"),
        Binding("down", "move(0, 1)", "Map down", show=False, id="map.down"),
        Binding("left", "move(-1, 0)", "Map left", show=False, id="map.left"),
        Binding("right", "move(1, 0)", "Map right", show=False, id="map.right"),
        Binding("enter", "choose", "Go to cell", show=False, id="map.choose"),
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

    def show(self, view: PlanView, index: int) -> None:
        self.view = view
        self.node = index
        plan = view.plan
        self.cells = (
            view.nibble_map(index) if plan.plen[index] <= 120 and not plan.is_group(index) else []
        )
        self.refresh()

    def action_move(self, dx: int, dy: int) -> None:
        x, y = self.cursor % 16, self.cursor // 16
        self.cursor = ((y + dy) % 16) * 16 + (x + dx) % 16

    def action_choose(self) -> None:
        if self.cells:
            self.post_message(self.Chosen(self.node, self.cells[self.cursor]))

    def on_click(self, event: Click) -> None:
        x, y = event.x - 3, event.y - 2
        if 0 <= x < 32 and 0 <= y < 16:
            self.cursor = y * 16 + x // 2

    def watch_cursor(self) -> None:
        self.refresh()

    def render(self) -> Text:
        view = self.view
        out = Text(no_wrap=True)
        if view is None or not self.cells:
            grouping = view is not None and view.plan.is_group(self.node)
            out.append(
                "no map: a grouping node holds no prefix"
                if grouping
                else "no map: the node is a /121 or longer"
            )
            return out
        c = palette(self.app)
        first, cell_len = view.nibble_digits(self.node)
        out.append(f"hex digits {first + 1}–{first + 2}: 256 × /{cell_len}\n", style="bold")
        out.append("   ")
        for x in range(16):
            out.append(f"{x:x} ", style=c["muted"])
        out.append("\n")
        glyphs = {"free": "··", "reserved": "▚▚", "outside": "  "}
        for y in range(16):
            out.append(f" {y:x} ", style=c["muted"])
            for x in range(16):
                n = y * 16 + x
                cell = self.cells[n]
                if cell.state in ("partial", "used"):
                    glyph = _shade(cell.use)
                    style = use_colour(c, 100 * cell.use)
                elif cell.state == "reserved":
                    glyph, style = glyphs["reserved"], c["secondary"]
                elif cell.state == "free":
                    glyph, style = glyphs["free"], c["muted"]
                else:
                    glyph, style = glyphs["outside"], ""
                st = Style.parse(style) if style else Style()
                if n == self.cursor and self.has_focus:
                    st += Style(reverse=True)
                elif n == self.cursor:
                    st += Style(underline=True)
                out.append(glyph, style=st)
            out.append("\n")
        cell = self.cells[self.cursor]
        plan = view.plan
        where = ""
        if cell.holder >= 0:
            where = f" · {plan.name[cell.holder]}"
        state = cell.state
        if state == "used":
            state = f"{cell.use:.0%} used"
        elif state == "partial":
            state = f"{cell.fraction:.0%} taken"
        line = Text(f"{view.address(cell.start)}/{cell.length}{where} {state}")
        line.truncate(max(20, self.content_region.width), overflow="ellipsis")
        out.append_text(line)
        out.append("\n")
        out.append("░▒▓█", style=c["success"])
        out.append(" used ")
        out.append("█", style=c["warning"])
        out.append("75 ")
        out.append("█", style=c["error"])
        out.append("90% ")
        out.append("▚▚", style=c["secondary"])
        out.append(" rsv ")
        out.append("··", style=c["muted"])
        out.append(" free")
        return out


_ = MAX_ROWS  # documented limit of PlanTree levels (model.MAX_ROWS)
