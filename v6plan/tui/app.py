"""The plan explorer: a Textual app over one plan (a spec to edit, or a plan file to read)."""

from __future__ import annotations

import contextlib
import os
import time
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import Key, Resize
from textual.screen import ModalScreen
from textual.widgets import (
    DataTable,
    Header,
    Input,
    Label,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
    Tree,
)
from textual.worker import get_current_worker

from .._edit import AddChild, Delete, Edit, Proposal, Rename, SpecEditor, reserve
from .._errors import InputError, NotFoundError, V6PlanError
from .._limits import whole_number
from .._plan import NameIndex, Plan
from .._prefix import format_prefix, parse_address, parse_prefix
from .._progress import Progress
from .commands import PlanCommands
from .model import PlanDiff, PlanView, Row, plan_diff
from .screens import (
    ConfirmScreen,
    EditForm,
    EditRequested,
    EditScreen,
    ExportRequested,
    ExportScreen,
    HelpScreen,
    SaveAsRequested,
    SaveAsScreen,
    UnsavedScreen,
)
from .widgets import (
    AnatomyRuler,
    ChildrenTable,
    ContextFooter,
    DetailsView,
    NibbleMap,
    PlanTree,
)

__all__ = ["EDIT_ACTIONS", "PlanExplorer", "default_keymap_path", "load_keymap"]

EDIT_ACTIONS = frozenset({"add_child", "reserve", "rename", "delete", "undo", "save", "save_as"})
_OWN_ACTIONS = EDIT_ACTIONS | {
    "search",
    "search_next",
    "search_prev",
    "export",
    "show_tab",
    "toggle_dark",
    "help",
    "quit",
    "close_search",
    "page",
    "map_move",
}

#: Below this many columns the tree and the side pane are stacked, not side by side.
STACK_BELOW = 100


def default_keymap_path() -> Path:
    """``$V6PLAN_KEYMAP``, else ``$XDG_CONFIG_HOME/v6plan/keymap.toml``."""
    env = os.environ.get("V6PLAN_KEYMAP")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "v6plan" / "keymap.toml"


def load_keymap(path: str | Path, known: Iterable[str] = ()) -> dict[str, str]:
    """Read ``[keymap]`` from a TOML file: ``"app.save" = "ctrl+w"`` (binding id → keys)."""
    from .._io import read_input
    from .._limits import KEYMAP_BYTES

    file = Path(path)
    raw = read_input(file, what="keymap", limit=KEYMAP_BYTES)  # a regular file, 64 KiB at most
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{file}: the keymap is not UTF-8 text — save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{file}: not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError(f"{file}: not valid TOML: nested too deeply") from None
    table = data.get("keymap", data)
    if not isinstance(table, dict):
        raise InputError(f"{file}: [keymap] must map binding ids to keys")
    known_ids = set(known)
    out: dict[str, str] = {}
    for binding_id, keys in table.items():
        if not isinstance(keys, str) or not keys.strip():
            raise InputError(
                f'{file}: {binding_id!r} must be a key such as "ctrl+w" (or "a,b" for two)'
            )
        if known_ids and binding_id not in known_ids:
            import difflib

            close = difflib.get_close_matches(binding_id, sorted(known_ids), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "the help screen (?) lists the ids"
            raise InputError(f"{file}: unknown binding id {binding_id!r} — {hint}")
        out[binding_id] = keys.strip()
    return out


class _UIProgress(Progress):
    """Export progress shown in the export dialog instead of on stderr."""

    def __init__(self, app: PlanExplorer, bar: ProgressBar, total: int) -> None:
        super().__init__("export", total, enabled=False)
        self.app = app
        self.bar = bar
        self.next = 0

    def update(self, done: int) -> None:
        if done >= self.next:
            self.next = done + max(1, self.total // 100)
            self.app.call_from_thread(self.bar.update, progress=100 * done / self.total)


class PlanExplorer(App[None]):
    """See, search and edit an IPv6 plan: lazy tree, details, children, map, ruler."""

    CSS_PATH = "explorer.tcss"
    TITLE = "v6plan"
    COMMANDS = App.COMMANDS | {PlanCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="app.search"),
        Binding("n", "search_next", "Next hit", show=False, id="app.search_next"),
        Binding("N", "search_prev", "Previous hit", show=False, id="app.search_prev"),
        Binding("a", "add_child", "Add", id="app.add_child"),
        Binding("r", "reserve", "Reserve", id="app.reserve"),
        Binding("e", "rename", "Rename", id="app.rename"),
        Binding("delete,d", "delete", "Delete", id="app.delete"),
        Binding("u,ctrl+z", "undo", "Undo", id="app.undo"),
        Binding("ctrl+s", "save", "Save", id="app.save"),
        Binding("S", "save_as", "Save as…", show=False, id="app.save_as"),
        Binding("x", "export", "Export", id="app.export"),
        Binding("1", "show_tab('details')", "Details", show=False, id="app.tab_details"),
        Binding("2", "show_tab('children')", "Children", show=False, id="app.tab_children"),
        Binding("3", "show_tab('map')", "Map", show=False, id="app.tab_map"),
        Binding("t", "toggle_dark", "Dark/light", show=False, id="app.theme"),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding(
            "escape",
            "close_search",
            "Close search / back to the tree",
            show=False,
            id="app.close_search",
        ),
        # The side panes' keys, from the tree: no need to Tab over first.
        Binding("right_square_bracket", "page(1)", "Next page", show=False, id="app.next_page"),
        Binding("left_square_bracket", "page(-1)", "Previous page", show=False, id="app.prev_page"),
    ]

    def __init__(
        self,
        source: str | Path | None = None,
        *,
        plan: Plan | None = None,
        editor: SpecEditor | None = None,
        lock: str | Path | None = None,
        read_only: bool = False,
        keymap: dict[str, str] | None = None,
        keymap_file: str = "",
        started: float | None = None,
    ) -> None:
        super().__init__()
        self.started = time.perf_counter() if started is None else started
        self.first_paint: float | None = None
        self.editor = editor
        self.keymap_file = keymap_file
        self.keymap_overrides = dict(keymap or {})
        if plan is None and editor is None:
            if source is None:
                raise InputError("the explorer needs a plan: a spec (.yaml) or a .json/.csv plan")
            text = str(source)
            if text.endswith((".json", ".csv")):
                from .._import import read_plan_file

                plan = read_plan_file(text)
                read_only = True
            else:
                self.editor = editor = SpecEditor(text, lock)
        if editor is not None:
            plan = editor.plan
        assert plan is not None
        self.source = str(source or (editor.path if editor else plan.source or "plan"))
        self.read_only = read_only or self.editor is None
        self.plan = plan
        self.view = PlanView(plan)
        self.findings: dict[int, list[Any]] | None = None
        self.query_text = ""
        self.selected: Row | None = None
        self._stale: set[str] = set()
        self.busy = False
        #: Edits applied minus edits undone since the last save (see unsaved_edits).
        self._since_save = 0

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield PlanTree(self.view, id="tree")
            with TabbedContent(id="side", initial="details"):
                with TabPane("Details", id="details"), VerticalScroll(id="details-scroll"):
                    yield DetailsView(id="details-view")
                    yield AnatomyRuler(id="anatomy")
                with TabPane("Children", id="children"):
                    yield Label("", id="children-caption")
                    yield ChildrenTable(id="children-table")
                with TabPane("Map", id="map"), VerticalScroll(id="map-scroll"):
                    yield NibbleMap(id="nibble-map")
        yield Input(placeholder="name, path, prefix or address — enter goes there", id="search")
        yield ContextFooter()

    def on_mount(self) -> None:
        self.title = self.plan.title
        self.update_subtitle()
        if self.keymap_overrides:
            self.set_keymap(self.keymap_overrides)
        tree = self.query_one(PlanTree)
        tree.border_title = "plan"
        self.query_one("#side").border_title = "selected"
        tree.on_cursor = self.on_cursor
        tree.load(self.view)
        tree.focus()
        tree.focus_node(tree.root)
        self.selected = tree.root.data
        self.refresh_panes()
        for note in self.plan.notes:  # what reading the file left out (IPv4 rows …)
            self.notify(note, timeout=8)
        _settle_memory()
        self.call_after_refresh(self._painted)
        self.set_timer(0.3, self.start_lint)

    def on_key(self, event: Key) -> None:
        """A key that reached the tree while an edit dialog was opening (``e`` then a word,
        in one burst from the terminal) belongs to the dialog: it is typed there."""
        screen = self.screen
        if isinstance(screen, EditScreen) and event.is_printable and event.character:
            screen.type_ahead(event.character)

    def on_resize(self, event: Resize) -> None:
        for main in self.query("#main"):
            main.set_class(event.size.width < STACK_BELOW, "-stacked")

    def _painted(self) -> None:
        if self.first_paint is None:
            self.first_paint = time.perf_counter()

    def update_subtitle(self) -> None:
        parts = [self.source, f"{len(self.plan) - 1:,} nodes"]
        if self.read_only:
            parts.insert(0, "read-only")
        elif self.editor is not None and self.editor.dirty:
            n = unsaved_edits(self.editor, self._since_save)
            parts.insert(0, f"● modified ({n} edit{'s' if n != 1 else ''} not saved)")
        self.sub_title = " · ".join(parts)

    # -- lint in the background ----------------------------------------------------------
    def start_lint(self) -> None:
        self.findings = None
        self._lint(self.plan)

    @work(thread=True, exclusive=True, group="lint")
    def _lint(self, plan: Plan) -> None:
        from .._lint import lint

        found: dict[int, list[Any]] = {}
        for finding in lint(plan):
            found.setdefault(finding.index, []).append(finding)
        plan.names  # noqa: B018  (built here, off the UI thread, before the first search)
        if get_current_worker().is_cancelled:
            return
        self.call_from_thread(self._lint_done, plan, found)

    def _lint_done(self, plan: Plan, found: dict[int, list[Any]]) -> None:
        if plan is self.plan:
            self.findings = found
            if self.active_tab == "details":
                self.refresh_panes()

    # -- names ---------------------------------------------------------------------------
    @property
    def names(self) -> NameIndex:
        return self.plan.names

    # -- panes ---------------------------------------------------------------------------
    @property
    def active_tab(self) -> str:
        return self.query_one("#side", TabbedContent).active

    def on_cursor(self, row: Row | None) -> None:
        """The tree cursor moved: redraw the panes in the same frame as the tree."""
        if row is not None and row != self.selected:
            self.selected = row
            self.refresh_panes()

    def on_tree_node_selected(self, event: Tree.NodeSelected[Row]) -> None:
        tree = self.query_one(PlanTree)
        node = event.node
        if node.allow_expand:
            tree.fill(node)
            node.toggle()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_panes()

    def refresh_panes(self) -> None:
        """Draw the visible tab for the selected row; the others when they are shown."""
        row = self.selected
        tab = self.active_tab
        if row is None:
            return
        index = row.index if row.kind == "node" else row.parent
        side = self.query_one("#side")
        title = self.plan.path(index) or self.plan.title
        if row.kind != "node":
            title = f"{'free space' if row.kind == 'free' else 'group'} in {title}"
        if side.border_title != title:
            side.border_title = title
        if tab == "details":
            findings = None if self.findings is None else self.findings.get(row.index, [])
            self.query_one(DetailsView).show(self.view, row, findings)
            self.query_one(AnatomyRuler).show(self.view, index)
        elif tab == "children":
            table = self.query_one(ChildrenTable)
            if table.node != index or table.view is not self.view:
                page = 0
                if row.kind != "node" and table.sort_column == "prefix" and not table.sort_reverse:
                    items = self.view.items(index)
                    starts = [s for _, s, _ in items]
                    from bisect import bisect_right

                    page = max(0, bisect_right(starts, row.start) - 1) // table.PAGE
                table.show(self.view, index, page)
            self.query_one("#children-caption", Label).update(table.caption)
        elif tab == "map":
            nibble = self.query_one(NibbleMap)
            if nibble.node != index or nibble.view is not self.view:
                nibble.show(self.view, index)

    def on_children_table_chosen(self, event: ChildrenTable.Chosen) -> None:
        tree = self.query_one(PlanTree)
        if event.index >= 0:
            self.go_to(event.index)
        else:
            tree.reveal_range(event.parent, event.start)
            tree.focus()

    def on_nibble_map_chosen(self, event: NibbleMap.Chosen) -> None:
        cell = event.cell
        if cell.holder >= 0:
            self.go_to(cell.holder)
        elif cell.state == "free":
            tree = self.query_one(PlanTree)
            tree.reveal_range(event.parent, cell.start)
            tree.focus()

    def on_children_table_sorted(self, event: ChildrenTable.Sorted) -> None:
        self.query_one("#children-caption", Label).update(self.query_one(ChildrenTable).caption)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if isinstance(event.data_table, ChildrenTable):
            self.query_one("#children-caption", Label).update(event.data_table.caption)

    def action_show_tab(self, tab: str) -> None:
        """Show a side tab; the children table and the map take the focus (their keys work
        at once; escape goes back to the tree)."""
        self.query_one("#side", TabbedContent).active = tab
        if tab == "children":
            self.query_one(ChildrenTable).focus()
        elif tab == "map":
            self.query_one(NibbleMap).focus()
        else:
            self.query_one(PlanTree).focus()

    def action_page(self, step: int) -> None:
        """``[`` / ``]`` from anywhere: turn the children table's page (showing it)."""
        tabs = self.query_one("#side", TabbedContent)
        if tabs.active != "children":
            tabs.active = "children"
            self.refresh_panes()
        self.query_one(ChildrenTable).action_page(step)

    def action_map_move(self, dx: int, dy: int) -> None:
        """Shift+arrows from the tree move over the map's cells (showing the map)."""
        tabs = self.query_one("#side", TabbedContent)
        if tabs.active != "map":
            tabs.active = "map"
            self.refresh_panes()
        self.query_one(NibbleMap).action_move(dx, dy)

    # -- search / go to ------------------------------------------------------------------
    def go_to(self, index: int) -> None:
        tree = self.query_one(PlanTree)
        node = tree.reveal(index)
        if node is not None:
            self.selected = node.data
            self.refresh_panes()
        tree.focus()

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("visible")
        search.value = ""
        search.focus()

    def action_close_search(self) -> None:
        """Escape: close the search line, or go back to the tree from a side pane."""
        search = self.query_one("#search", Input)
        if search.has_class("visible"):
            search.remove_class("visible")
        self.query_one(PlanTree).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "search":
            return
        event.stop()
        text = event.value.strip()
        self.action_close_search()
        if text:
            self.find(text)

    def current_index(self) -> int:
        row = self.selected
        if row is None:
            return 0
        return row.index if row.kind == "node" else row.parent

    def find(self, text: str, backwards: bool = False) -> int:
        """Go to what ``text`` names: an address, prefix, path or name (next hit)."""
        self.query_text = text
        plan = self.plan
        try:
            if ":" in text:
                if "/" in text:
                    net, length = parse_prefix(text, strict=False)
                else:
                    net, length = parse_address(text), 128
                i = plan.holder(net, length)
                if length < 128 and (plan.net[i], plan.plen[i]) != (net, length):
                    tree = self.query_one(PlanTree)
                    tree.reveal_range(i, net)  # a block inside free space or a group
                    self.notify(
                        f"{format_prefix(net, length)} is inside {plan.path(i) or 'the root'}"
                    )
                    return i
                self.go_to(i)
                if length == 128 and plan.plen[i] != 128:
                    self.notify(f"{text} is in {plan.path(i) or plan.title} {plan.prefix_text(i)}")
                return i
            if "/" in text.strip("/"):
                i = plan.find_path(text)
                self.go_to(i)
                return i
        except V6PlanError as exc:
            self.notify(str(exc), severity="error", title="not found")
            return -1
        i = self.names.next_hit(text, self.current_index(), backwards)
        if i < 0:
            self.notify(f"no node named like {text!r}", severity="error", title="not found")
            return -1
        self.go_to(i)
        return i

    def action_search_next(self) -> None:
        if self.query_text:
            self.find(self.query_text)
        else:
            self.action_search()

    def action_search_prev(self) -> None:
        if self.query_text:
            self.find(self.query_text, backwards=True)

    # -- actions availability ------------------------------------------------------------
    def command_available(self, action: str) -> bool:
        name = action.partition("(")[0]
        if name in EDIT_ACTIONS and self.read_only:
            return False
        if name == "undo":
            return self.editor is not None and self.editor.can_undo
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if isinstance(self.screen, ModalScreen) and action in _OWN_ACTIONS:
            return False  # a dialog is open: the explorer's own keys wait
        if action in EDIT_ACTIONS and self.read_only:
            return False
        if action == "undo" and (self.editor is None or not self.editor.can_undo):
            return None  # shown dimmed: nothing to undo yet
        return True

    # -- editing -------------------------------------------------------------------------
    def _edit_target(self) -> tuple[int, Row] | None:
        row = self.selected
        if row is None:
            return None
        return (row.index if row.kind == "node" else row.parent), row

    def shared_note(self, index: int, what: str) -> str:
        assert self.editor is not None
        if index == 0:
            return ""
        count, examples = self.editor.instances(index, same_index=what != "add")
        if count <= 1:
            return ""
        plan = self.plan
        template = plan.kinds[plan.kind[index]].template
        name = template.name if template is not None else plan.name[index]
        if what == "add":
            return (
                f"⚠ {plan.path(index)} is one of {count:,} instances of spec node {name!r}: "
                f"the child is added to all of them ({', '.join(examples)} …)"
            )
        return (
            f"⚠ spec node {name!r} is repeated under {count:,} parents: "
            f"this {what} applies to all of them ({', '.join(examples)} …)"
        )

    def action_add_child(self) -> None:
        target = self._edit_target()
        if target is None or self.editor is None:
            return
        index, row = target
        size = ""
        if row.kind == "free":
            size = f"/{self.view.kids(index).unit or row.length}"
        self.push_screen(
            EditScreen(
                EditForm("add", size=size),
                f"Add a child under {self.plan.path(index) or self.plan.title}",
                self.shared_note(index, "add"),
            )
        )

    def action_reserve(self) -> None:
        target = self._edit_target()
        if target is None or self.editor is None:
            return
        index, row = target
        prefix = ""
        if row.kind == "free":
            from .._space import cidr_cover

            prefix = format_prefix(*next(cidr_cover(row.start, row.end)))
        taken = set(self.plan.name[c] for c in self.plan.children(index))
        n = 1
        while f"reserve-{n}" in taken:
            n += 1
        self.push_screen(
            EditScreen(
                EditForm("reserve", name=f"reserve-{n}", prefix=prefix),
                f"Reserve a block in {self.plan.path(index) or self.plan.title}",
                self.shared_note(index, "add"),
            )
        )

    def action_rename(self) -> None:
        target = self._edit_target()
        if target is None or self.editor is None:
            return
        index, row = target
        if row.kind != "node" or index == 0:
            self.notify("select a node to rename (not the root, a group or free space)")
            return
        self.push_screen(
            EditScreen(
                EditForm("rename", name=self.plan.name[index]),
                f"Rename {self.plan.path(index)}",
                self.shared_note(index, "rename"),
            )
        )

    def action_delete(self) -> None:
        target = self._edit_target()
        if target is None or self.editor is None:
            return
        index, row = target
        if row.kind != "node" or index == 0:
            self.notify("select a node to delete (not the root, a group or free space)")
            return
        self.check_edit(Delete(self.plan.path(index)), None)

    def form_to_edit(self, form: EditForm) -> Edit:
        index = self.current_index()
        path = self.plan.path(index)
        if not form.name:
            raise InputError("give a name (letters, digits, '.', '_', '+' or '-')")
        if form.action == "rename":
            return Rename(path, form.name)
        size = None
        if form.size:
            size = whole_number(form.size.strip().lstrip("/"))
            if size is None or not 1 <= size <= 128:
                raise InputError(f"size {form.size[:40]!r} is not a prefix length such as /56")
        if form.action == "reserve":
            if not form.prefix and size is None:
                raise InputError("give the block to reserve (a prefix) or a size such as /48")
            return reserve(path, form.name, block=form.prefix, size=size)
        count = 1
        if form.count:
            number = whole_number(form.count)
            if number is None or number < 1:
                raise InputError(f"count {form.count[:40]!r} must be a whole number of at least 1")
            count = number
        return AddChild(path, form.name, size=size, role=form.role, count=count)

    def on_edit_requested(self, message: EditRequested) -> None:
        try:
            edit = self.form_to_edit(message.form)
        except V6PlanError as exc:
            message.screen.show_error(str(exc))
            return
        self.check_edit(edit, message.screen, preview=message.preview)

    def check_edit(self, edit: Edit, screen: EditScreen | None, *, preview: bool = False) -> None:
        if screen is not None:
            screen.set_busy(True)
        else:
            self.notify("checking the edit with the planner…", timeout=2)
        self.busy = True
        self._propose(edit, screen, preview)

    @work(thread=True, exclusive=True, group="edit")
    def _propose(self, edit: Edit, screen: EditScreen | None, preview: bool) -> None:
        """The planner's rebuild, off the UI thread; the diff too when it will be shown."""
        assert self.editor is not None
        plan = self.plan
        try:
            proposal = self.editor.propose(edit)
        except V6PlanError as exc:
            self.call_from_thread(self._proposal_failed, screen, str(exc))
            return
        diff = None
        if preview or proposal.shared or isinstance(edit, Delete):
            diff = plan_diff(plan, proposal.result.plan)
        self.call_from_thread(self._proposed, proposal, screen, diff)

    def _proposal_failed(self, screen: EditScreen | None, message: str) -> None:
        self.busy = False
        if screen is not None and screen.is_attached:
            screen.set_busy(False)
            screen.show_error(message)
        else:
            self.notify(message, severity="error", title="not changed", timeout=8)

    def _proposed(
        self, proposal: Proposal, screen: EditScreen | None, diff: PlanDiff | None
    ) -> None:
        self.busy = False
        if screen is not None and screen.is_attached:
            screen.dismiss(None)
        if diff is not None:
            body = proposal.summary
            if proposal.examples:
                body += "\n\nfor example: " + ", ".join(proposal.examples) + " …"
            body += "\n\nwhat the planner gives (checked against the lock):\n" + diff.text()

            def answer(yes: bool | None) -> None:
                if yes:
                    self.apply(proposal)

            self.push_screen(ConfirmScreen("Apply this edit?", body), answer)
        else:
            self.apply(proposal)

    def apply(self, proposal: Proposal) -> None:
        assert self.editor is not None
        before = self.selected
        self.editor.apply(proposal)
        self._since_save += 1
        self.notify(proposal.summary, title="edited (not saved yet)")
        if isinstance(proposal.edit, Delete):  # the cursor stays where the node was
            self.reload("", near=before)
        else:
            self.reload(proposal.select)

    def reload(self, select: str, near: Row | None = None) -> None:
        """Show the editor's current plan with the same rows open; put the cursor on
        ``select`` (a path), else on what now holds ``near`` (the row it was on)."""
        assert self.editor is not None
        tree = self.query_one(PlanTree)
        opened = tree.opened()
        scroll = tree.scroll_y
        self.plan = self.editor.plan
        self.view = PlanView(self.plan)
        self.findings = None
        tree.load(self.view, opened)
        node = None
        if select or near is None:
            with contextlib.suppress(NotFoundError):
                node = tree.reveal(self.plan.find_path(select))
        if node is None and near is not None:
            node = self._near(tree, near)
        node = node or tree.root
        tree.scroll_to(y=scroll, animate=False, immediate=True)
        tree.focus_node(node)
        self.selected = node.data
        self.refresh_panes()
        self.update_subtitle()
        _settle_memory()
        self.start_lint()

    def _near(self, tree: PlanTree, row: Row) -> Any:
        """The row that now covers where ``row`` was (a node, or the free run it left)."""
        plan = self.plan
        if row.kind == "node" and row.index == 0:
            return tree.root
        length = 128 - ((row.end - row.start).bit_length() - 1)
        holder = plan.holder(row.start, length)
        if (plan.net[holder], plan.plen[holder]) == (row.start, length):
            return tree.reveal(holder)
        return tree.reveal_range(holder, row.start)

    def action_undo(self) -> None:
        if self.editor is None:
            return
        row = self.selected
        path = self.plan.path(self.current_index())
        label = self.editor.undo()
        if not label:
            self.notify("nothing to undo")
            return
        self._since_save -= 1
        self.notify(f"undone: {label}", title="undo")
        self.reload(path if row is not None and row.kind == "node" else "", near=row)

    def action_save(self) -> None:
        if self.editor is None:
            return
        try:
            self.editor.save()
        except InputError as exc:
            if "changed on disk" not in str(exc):
                self.notify(str(exc), severity="error", title="not saved", timeout=10)
                return
            self._ask_save_as(str(exc))
            return
        except (V6PlanError, OSError) as exc:
            self.notify(str(exc), severity="error", title="not saved", timeout=10)
            return
        self._saved()

    def _saved(self) -> None:
        assert self.editor is not None
        self._since_save = 0
        self.source = str(self.editor.path)
        self.notify(f"wrote {self.editor.path} and {self.editor.lock_path}", title="saved")
        self.update_subtitle()

    def action_save_as(self) -> None:
        if self.editor is not None:
            self._ask_save_as("")

    def _ask_save_as(self, why: str) -> None:
        assert self.editor is not None
        path = self.editor.path
        default = path.with_name(f"{path.stem}-edited{path.suffix}")
        self.push_screen(SaveAsScreen(why, str(default)))

    def on_save_as_requested(self, message: SaveAsRequested) -> None:
        assert self.editor is not None
        if not message.path:
            message.screen.show_error("give a file name")
            return
        try:
            self.editor.save_as(message.path)
        except (V6PlanError, OSError) as exc:
            message.screen.show_error(f"not saved: {exc}")
            return
        message.screen.dismiss(None)
        self._saved()

    # -- export --------------------------------------------------------------------------
    def action_export(self) -> None:
        from ..export import FORMATS

        formats = [
            (f.name, f.summary, f"-{f.name}/" if f.files and not f.target else f".{f.extension}")
            for f in sorted(FORMATS.values(), key=lambda f: f.name)
        ]
        index = self.current_index()
        stem = Path(self.source).stem
        label = self.plan.path(index) or "the whole plan"
        self.push_screen(ExportScreen(formats, stem, label))

    def on_export_requested(self, message: ExportRequested) -> None:
        request = message.request
        status = message.screen.query_one("#export-status", Static)
        if not request.path:
            status.update("give a file name")
            return
        node = self.plan.path(self.current_index()) if request.node_only else ""
        bar = message.screen.query_one(ProgressBar)
        self._export(request.format, request.path, node, message.screen, bar)

    @work(thread=True, exclusive=True, group="export")
    def _export(
        self, name: str, path: str, node: str, screen: ExportScreen, bar: ProgressBar
    ) -> None:
        from .._io import command_inputs, note_input
        from ..export import ExportOptions, get_format

        plan = self.plan
        try:
            fmt = get_format(name)
            progress = _UIProgress(self, bar, len(plan))
            options = ExportOptions(node=node, progress=progress, settings={})
            # A worker thread is outside the explorer command's inputs: the spec and its
            # lock (or the plan file) are named here, so that no export lands on them.
            with command_inputs():
                if self.editor is not None:
                    note_input(self.editor.path, "spec")
                    note_input(self.editor.lock_path, "lock file")
                else:
                    note_input(self.source, "plan file")
                if fmt.files and (path.endswith(os.sep) or os.path.isdir(path)):
                    fmt.write_dir(plan, path, options)
                else:  # one file, or "give a folder" at the second
                    fmt.write_file(plan, path, options, "give a folder (end the path with /)")
        except (V6PlanError, OSError) as exc:
            self.call_from_thread(
                screen.query_one("#export-status", Static).update, f"not written: {exc}"
            )
            return
        self.call_from_thread(self._exported, screen, path)

    def _exported(self, screen: ExportScreen, path: str) -> None:
        screen.query_one(ProgressBar).update(progress=100)
        self.notify(f"wrote {path}", title="exported")
        screen.dismiss(None)

    # -- help and quit -------------------------------------------------------------------
    def binding_rows(self) -> list[tuple[str, str, str, str]]:
        """Every binding of the explorer: (keys in force, description, where, id)."""
        keymap = self.keymap_overrides
        rows: list[tuple[str, str, str, str]] = []
        seen: set[tuple[str, str]] = set()
        places: list[tuple[str, type[Any]]] = [
            ("everywhere", PlanExplorer),
            ("plan tree", PlanTree),
            ("children table", ChildrenTable),
            ("nibble map", NibbleMap),
            ("search box", Input),
        ]
        for where, cls in places:
            keys_here: set[str] = set()  # a subclass's binding shadows its base's
            for klass in cls.__mro__:
                for binding in vars(klass).get("BINDINGS", []):
                    if not isinstance(binding, Binding) or binding.system:
                        continue
                    if where == "search box" and binding.action != "submit":
                        continue
                    key = keymap.get(binding.id or "", binding.key)
                    what = binding.description or binding.action.replace("_", " ")
                    fresh = [k for k in binding.key.split(",") if k.strip() not in keys_here]
                    if not fresh or (where, what) in seen:
                        continue
                    keys_here.update(k.strip() for k in binding.key.split(","))
                    seen.add((where, what))
                    rows.append((_keys_text(key), what, where, binding.id or ""))
        rows.append(("ctrl+p", "Command palette (nodes, commands)", "everywhere", ""))
        rows.append(("tab, shift+tab", "Next / previous pane", "everywhere", ""))
        return rows

    def action_help(self) -> None:
        note = (
            f"keymap: {self.keymap_file}"
            if self.keymap_file
            else f'change keys in {default_keymap_path()}: [keymap] "app.save" = "ctrl+w"'
        )
        self.push_screen(HelpScreen(self.binding_rows(), note))

    async def action_quit(self) -> None:
        if self.editor is not None and self.editor.dirty:

            def answer(choice: str | None) -> None:
                if choice == "save":
                    self.action_save()
                    if self.editor is not None and not self.editor.dirty:
                        self.exit()
                elif choice == "discard":
                    self.exit()

            self.push_screen(UnsavedScreen(self.editor.edits), answer)
            return
        self.exit()


def unsaved_edits(editor: SpecEditor, since_save: int) -> int:
    """How many edits the spec on screen is away from the saved one.

    The saved state is found on the undo stack when it is there (edits after the save);
    otherwise the count of edits and undos since the save says it (undone past it).
    """
    if not editor.dirty:
        return 0
    stack = editor.undo_stack
    for depth, state in enumerate(reversed(stack), 1):
        if state is editor.saved:
            return depth
    return max(1, abs(since_save))


def _settle_memory() -> None:
    """Move the plan's million objects out of the garbage collector's sight.

    A plan is a few huge lists; each full collection would walk them (tens of ms, in
    the middle of a key press). They hold no reference cycles, so reference counting
    still frees an old plan after an edit.
    """
    import gc

    gc.collect()
    gc.freeze()


def _keys_text(key: str) -> str:
    names = {
        "question_mark": "?",
        "slash": "/",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
    }
    return ", ".join(names.get(k.strip(), k.strip()) for k in key.split(","))


def all_binding_ids() -> set[str]:
    """Every binding id the keymap file may use."""
    ids: set[str] = set()
    for cls in (
        PlanExplorer,
        PlanTree,
        ChildrenTable,
        NibbleMap,
        HelpScreen,
        ConfirmScreen,
        EditScreen,
        ExportScreen,
        UnsavedScreen,
    ):
        for binding in vars(cls).get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids
