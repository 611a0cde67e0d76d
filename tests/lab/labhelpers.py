"""Shared helpers for the lab tests.

``need`` is tests/conftest.py's own function: loaded by path, because this directory's
conftest.py shadows the module name ``conftest``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _root_conftest():  # type: ignore[no-untyped-def]
    name = "v6plan_tests_root_conftest"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


need = _root_conftest().need
IN_CI = _root_conftest().IN_CI
