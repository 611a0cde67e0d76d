"""The command palette: go to any node of the plan, and run the explorer's commands."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .._errors import V6PlanError

if TYPE_CHECKING:
    from .app import PlanExplorer

__all__ = ["PlanCommands"]

#: (title, action, help) of the explorer's own commands.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Search or go to…", "search", "a name, path, prefix or address"),
    ("Add a child here", "add_child", "a new spec node under the selected node"),
    ("Reserve a block", "reserve", "pin a free block (or the next free /N) as a reserve"),
    ("Rename the selected node", "rename", "writes `name` or its entry in `names`"),
    ("Delete the selected node", "delete", "removes it (or retires one instance)"),
    ("Undo the last edit", "undo", "back one edit"),
    ("Save the spec and its lock", "save", "atomic; the lock is written as `v6plan plan` does"),
    ("Save the spec as…", "save_as", "a new file, its lock beside it (never over a file)"),
    ("Export…", "export", "any format of `v6plan export`"),
    ("Show the keys", "help", "every binding and its id"),
    ("Toggle dark / light", "toggle_dark", "switch between the dark and light theme"),
    ("Details tab", "show_tab('details')", "range, sizes, usage, lint, anatomy"),
    ("Children tab", "show_tab('children')", "children and free runs, paged"),
    ("Nibble map tab", "show_tab('map')", "16×16 map of the next two hex digits"),
)


class PlanCommands(Provider):
    """Nodes (by name, path, prefix or address) and the explorer's commands."""

    @property
    def explorer(self) -> PlanExplorer:
        from .app import PlanExplorer

        app = self.app
        assert isinstance(app, PlanExplorer)
        return app

    async def discover(self) -> Hits:
        app = self.explorer
        for title, action, help_text in COMMANDS:
            if app.command_available(action):
                yield DiscoveryHit(title, partial(app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        app = self.explorer
        matcher = self.matcher(query)
        for title, action, help_text in COMMANDS:
            if not app.command_available(action):
                continue
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(app.run_action, action), help=help_text
                )
        text = query.strip()
        if not text:
            return
        plan = app.plan
        hits: list[int] = []
        if ":" in text or "/" in text:
            try:
                hits = [plan.resolve(text)]
            except V6PlanError:
                hits = []
        if not hits:
            hits = app.names.search(text, limit=20)
        for rank, i in enumerate(hits):
            path = plan.path(i) or f"{plan.title} (root)"
            label = f"{path}  {plan.prefix_text(i)}"
            yield Hit(
                1.0 - rank / 100,
                label,
                partial(app.go_to, i),
                text=f"go to {path}",
                help=f"{plan.role(i) or 'node'} · go to it in the tree",
            )
