"""What the tests share: paths and the acceptance data, `need` for system requirements and
`need_program` for the external programs a test runs (skip locally, fail in CI), and plan
helpers. Submodules: ``lab`` (backends, v6lab in-process), ``topologies`` (the backend
tests' shapes), ``fakebackend``, ``capped`` (a command under a memory cap), ``exports`` and
``tools`` (the export tests' helpers and the real programs that read exports), ``dhcp``
(Kea and ``dhclient -6`` in a pair of namespaces) and ``named`` (BIND on loopback, ``dig``).

``tests/`` is on the import path through pyproject's ``[tool.pytest.ini_options] pythonpath``.
"""

from .env import (
    ACCEPTANCE,
    DATA,
    IN_CI,
    ROOT,
    SHARED_ACCEPTANCE,
    acceptance,
    need,
    need_program,
    need_programs,
)
from .plans import plan_of, prefixes, spec_text

__all__ = [
    "ACCEPTANCE",
    "DATA",
    "IN_CI",
    "ROOT",
    "SHARED_ACCEPTANCE",
    "acceptance",
    "need",
    "need_program",
    "need_programs",
    "plan_of",
    "prefixes",
    "spec_text",
]
