#!/usr/bin/env python3
"""The plan explorer: ``python tui.py examples/government.yaml`` (same as ``v6plan tui``).

A thin launcher: the app lives in the package (``v6plan.tui``), so it works the same
from a wheel, where this file is not installed.
"""

from __future__ import annotations

import sys

from v6plan.tui.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
