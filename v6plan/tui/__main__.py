"""``python -m v6plan.tui PLAN``: the same explorer as ``v6plan tui`` and ``tui.py``."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from ..cli import _ui

    return _ui.main_tui(argv)


if __name__ == "__main__":
    sys.exit(main())
