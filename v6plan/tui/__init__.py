"""The plan explorer: a Textual UI that shows, searches and edits a plan.

Only this package (and ``v6plan.lab``) imports Textual; the CLI imports it when
``v6plan tui`` or ``v6plan serve`` runs. ``python -m v6plan.tui PLAN`` and the
``tui.py`` launcher at the top of the repository reach the same app.
"""

from __future__ import annotations

from .app import PlanExplorer, load_keymap

__all__ = ["PlanExplorer", "load_keymap"]
