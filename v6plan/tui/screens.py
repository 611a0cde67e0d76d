"""Dialogs of the explorer: help, edit forms, confirmation, export, unsaved changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Key
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, DataTable, Input, Label, ProgressBar, Select, Static

from .._spec import ROLES

__all__ = [
    "ConfirmScreen",
    "EditForm",
    "EditScreen",
    "ExportRequest",
    "ExportScreen",
    "HelpScreen",
    "SaveAsRequested",
    "SaveAsScreen",
    "TickBox",
    "UnsavedScreen",
]


class TickBox(Checkbox):
    """A checkbox whose state is a glyph too (✓ or blank), not only the button's colour."""

    def render(self) -> Content:
        self.BUTTON_INNER = "✓" if self.value else " "
        return super().render()


def field(label: str, widget: Widget) -> Horizontal:
    """One labelled row of a dialog."""
    return Horizontal(Label(label, classes="field-label"), widget, classes="field")


#: What the tree's glyphs and words mean (shown under the keys).
HELP_LEGEND = (
    "tree: ▶ ▼ a row to open / open · ▚ a reserve · · free space: one row per free run, "
    "'224 × /40 free · 3 blocks' = its size in child units and how many CIDR blocks "
    "it takes · 'site-1 … site-16' a group: the children in one hex digit of the prefix · "
    "% used, neutral when a block is sized by its children (full by design)"
)


class HelpScreen(ModalScreen[None]):
    """Every key binding the explorer has, with the key in force (after the keymap)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(self, rows: list[tuple[str, str, str, str]], keymap_note: str) -> None:
        super().__init__()
        self.rows = rows
        self.keymap_note = keymap_note

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="dialog"):
            yield Label("Keys of the plan explorer — esc closes", classes="dialog-title")
            table: DataTable[str] = DataTable(id="help-table", cursor_type="row")
            yield table
            yield Static(Text(HELP_LEGEND), id="help-legend")
            yield Static(
                Text(f"esc (or q, ?) closes this list · {self.keymap_note}"),
                id="help-note",
                classes="muted",
            )

    def on_mount(self) -> None:
        table = self.query_one("#help-table", DataTable)
        table.add_column("key", key="key")
        table.add_column("what it does", key="what")
        table.add_column("where", key="where")
        table.add_column("binding id (keymap)", key="id")
        for key, what, where, binding_id in self.rows:
            table.add_row(key, what, where, binding_id, key=f"{where}:{binding_id or what}")
        table.focus()


class ConfirmScreen(ModalScreen[bool]):
    """Say what an edit will do (how many nodes it touches) and ask before applying."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "Cancel", id="confirm.no"),
        Binding("y", "answer(True)", "Apply", id="confirm.yes"),
    ]

    def __init__(self, title: str, body: str, yes: str = "Apply") -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-box"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(id="confirm-scroll"):
                yield Static(Text(self.body), id="confirm-body")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", variant="primary", id="yes", compact=True)
                yield Button("Cancel (n)", id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


@dataclass
class EditForm:
    """What an edit dialog collected."""

    action: str  # "add" | "reserve" | "rename"
    name: str = ""
    size: str = ""
    role: str = ""
    count: str = ""
    prefix: str = ""
    description: str = ""


class EditScreen(ModalScreen[EditForm | None]):
    """A small form for add child / reserve / rename; errors from the planner show here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]

    def __init__(self, form: EditForm, title: str, note: str = "") -> None:
        super().__init__()
        self.form = form
        self.title_text = title
        self.note = note
        #: Keys typed before the name field had the focus (``e`` then a word, in one burst
        #: from a terminal): they replace the name once the field is focused.
        self.typed_ahead = ""
        self.name_ready = False

    def compose(self) -> ComposeResult:
        form = self.form
        with VerticalScroll(classes="dialog", id="edit-box"):
            yield Label(self.title_text, classes="dialog-title")
            if self.note:
                yield Static(Text(self.note), classes="muted", id="edit-note")
            yield field(
                "name",
                Input(form.name, id="edit-name", placeholder="a word: lab, spare …", compact=True),
            )
            if form.action == "add":
                options = [(r, r) for r in ROLES if r != "reserve"]
                yield field(
                    "role",
                    Select(
                        options,
                        value=form.role if form.role else Select.NULL,
                        id="edit-role",
                        allow_blank=True,
                        prompt="(none)",
                        compact=True,
                    ),
                )
                yield field(
                    "size",
                    Input(
                        form.size,
                        id="edit-size",
                        placeholder="/N (empty: role default)",
                        compact=True,
                    ),
                )
                yield field(
                    "count", Input(form.count or "1", id="edit-count", type="integer", compact=True)
                )
            if form.action == "reserve":
                yield field(
                    "block",
                    Input(
                        form.prefix,
                        id="edit-prefix",
                        placeholder="a prefix, e.g. 3fff:100:1800::/40",
                        compact=True,
                    ),
                )
                yield field(
                    "or size",
                    Input(
                        form.size,
                        id="edit-size",
                        placeholder="/N: the next free block",
                        compact=True,
                    ),
                )
            yield Static("", id="edit-error")
            with Horizontal(classes="buttons"):
                yield Button("Preview the changes", id="preview", compact=True)
                yield Button("Check and apply", variant="primary", id="ok", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#edit-name", Input).focus()
        self.call_after_refresh(self._take_typed_ahead)

    def on_key(self, event: Key) -> None:
        """Keep what is typed before the name field has the focus (it would be lost).

        A printable key no field took stops here, so that only keys which reached the tree
        behind the dialog come to the app's :meth:`type_ahead` hand-over."""
        if event.is_printable and event.character:
            if not self.name_ready:
                self.type_ahead(event.character)
            event.stop()
            event.prevent_default()

    def type_ahead(self, text: str) -> None:
        """Text typed before this dialog had the keyboard (it reached the tree first)."""
        if not self.name_ready:
            self.typed_ahead += text
            return
        focused = self.focused
        if isinstance(focused, Input):
            focused.insert_text_at_cursor(text)

    def _take_typed_ahead(self) -> None:
        self.name_ready = True
        if self.typed_ahead:
            name = self.query_one("#edit-name", Input)
            name.value = self.typed_ahead
            name.cursor_position = len(name.value)
            self.typed_ahead = ""

    def on_input_changed(self, event: Input.Changed) -> None:
        """A field changed: an earlier planner error no longer describes the form."""
        error = self.query_one("#edit-error", Static)
        if error.has_class("error"):
            error.remove_class("error")
            error.update("")

    def collect(self) -> EditForm:
        form = EditForm(self.form.action)
        form.name = self.query_one("#edit-name", Input).value.strip()
        for key in ("size", "count", "prefix"):
            found = self.query(f"#edit-{key}")
            if found:
                setattr(form, key, found.first(Input).value.strip())
        roles = self.query("#edit-role")
        if roles:
            value = roles.first(Select).value
            form.role = value if isinstance(value, str) else ""
        if form.action == "reserve":
            form.role = "reserve"
        return form

    def show_error(self, message: str) -> None:
        self.query_one("#edit-error", Static).update(Text(message, style="bold"))
        self.query_one("#edit-error", Static).add_class("error")

    def set_busy(self, busy: bool) -> None:
        self.query_one("#ok", Button).disabled = busy
        self.query_one("#preview", Button).disabled = busy
        if busy:
            self.query_one("#edit-error", Static).remove_class("error")
            self.query_one("#edit-error", Static).update("checking with the planner…")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id in ("ok", "preview"):
            self.submit(preview=event.button.id == "preview")
        else:
            self.dismiss(None)

    def submit(self, *, preview: bool = False) -> None:
        """Send the form to the planner; ``preview``: show what it changes before applying."""
        if self.query_one("#ok", Button).disabled:
            return
        self.app.post_message(EditRequested(self, self.collect(), preview=preview))

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass
class ExportRequest:
    format: str
    path: str
    node_only: bool


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Pick a format (every one the CLI has), a file and the scope; progress while writing.

    ``formats`` are (name, summary, suffix): the suffix makes the default path from the
    plan's stem — ``.csv`` for a file, ``-bind/`` for a format that writes a folder of files.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    def __init__(
        self, formats: list[tuple[str, str, str]], default_stem: str, node_label: str
    ) -> None:
        super().__init__()
        self.formats = formats
        self.default_stem = default_stem
        self.node_label = node_label
        self.suffix = formats[0][2]

    def compose(self) -> ComposeResult:
        first = self.formats[0]
        with Vertical(classes="dialog", id="export-box"):
            yield Label("Export the plan", classes="dialog-title")
            yield field(
                "format",
                Select(
                    [(f"{name} — {summary}", name) for name, summary, _ in self.formats],
                    value=first[0],
                    allow_blank=False,
                    id="export-format",
                    compact=True,
                ),
            )
            yield field(
                "file", Input(f"{self.default_stem}{first[2]}", id="export-path", compact=True)
            )
            yield TickBox(f"only {self.node_label}", id="export-node", compact=True)
            yield ProgressBar(total=100, show_eta=False, id="export-progress")
            yield Static("", id="export-status")
            with Horizontal(classes="buttons"):
                yield Button("Export", variant="primary", id="ok", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_select_changed(self, event: Select.Changed) -> None:
        """The path follows the format while it ends with the last format's suffix."""
        suffix = {name: suffix for name, _, suffix in self.formats}.get(str(event.value), ".txt")
        path = self.query_one("#export-path", Input)
        if path.value.endswith(self.suffix):
            path.value = path.value[: len(path.value) - len(self.suffix)] + suffix
        self.suffix = suffix

    def request(self) -> ExportRequest:
        return ExportRequest(
            str(self.query_one("#export-format", Select).value),
            self.query_one("#export-path", Input).value.strip(),
            self.query_one("#export-node", Checkbox).value,
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.app.post_message(ExportRequested(self, self.request()))
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.app.post_message(ExportRequested(self, self.request()))

    def action_cancel(self) -> None:
        self.dismiss(None)


class UnsavedScreen(ModalScreen[str]):
    """Quit with unsaved edits: save, discard or stay."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c", "answer('cancel')", "Stay", id="unsaved.cancel"),
        Binding("s", "answer('save')", "Save and quit", id="unsaved.save"),
        Binding("d", "answer('discard')", "Quit without saving", id="unsaved.discard"),
    ]

    def __init__(self, edits: int) -> None:
        super().__init__()
        self.edits = edits

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="unsaved-box"):
            yield Label("Unsaved changes", classes="dialog-title")
            yield Static(
                f"{self.edits} edit{'s' if self.edits != 1 else ''} not saved to the spec."
            )
            with Horizontal(classes="buttons"):
                yield Button("Save (s)", variant="primary", id="save", compact=True)
                yield Button("Discard (d)", variant="error", id="discard", compact=True)
                yield Button("Stay (c)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def action_answer(self, value: str) -> None:
        self.dismiss(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")


class SaveAsScreen(ModalScreen[str | None]):
    """Ask for a new file name for the spec (its lock is written beside it)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="save_as.cancel"),
    ]

    def __init__(self, why: str, default: str) -> None:
        super().__init__()
        self.why = why
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="save-as-box"):
            yield Label("Save the spec as…", classes="dialog-title")
            if self.why:
                yield Static(Text(self.why), id="save-as-why", classes="muted")
            yield field("file", Input(self.default, id="save-as-path", compact=True))
            yield Static("", id="save-as-error")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="ok", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#save-as-path", Input).focus()

    def show_error(self, message: str) -> None:
        self.query_one("#save-as-error", Static).update(Text(message, style="bold"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.app.post_message(SaveAsRequested(self, event.value.strip()))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            path = self.query_one("#save-as-path", Input).value.strip()
            self.app.post_message(SaveAsRequested(self, path))
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SaveAsRequested(Message):
    """The save-as dialog gave a file name."""

    def __init__(self, screen: SaveAsScreen, path: str) -> None:
        self.screen = screen
        self.path = path
        super().__init__()


class EditRequested(Message):
    """An edit form was submitted (the app checks it with the planner)."""

    def __init__(self, screen: EditScreen, form: EditForm, *, preview: bool = False) -> None:
        self.screen = screen
        self.form = form
        self.preview = preview
        super().__init__()


class ExportRequested(Message):
    """The export dialog asked for a file."""

    def __init__(self, screen: ExportScreen, request: ExportRequest) -> None:
        self.screen = screen
        self.request = request
        super().__init__()
