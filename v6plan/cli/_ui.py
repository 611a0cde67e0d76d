"""``v6plan tui`` and ``v6plan serve``: registered here, Textual imported only when run."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The plan explorer arrives with its own issue; nothing to register yet."""
