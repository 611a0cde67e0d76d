"""``v6lab``: the trainee's and the instructor's command line (standard library only at import)."""

from ._main import main

__all__ = ["main"]
