"""The ``netns`` backend: the lab on the Linux kernel, one network namespace per node.

Needs root (``sudo``). Public API beyond the :class:`~v6plan.lab.runtime._backend.Backend`
contract: :func:`available` (why it cannot run here, or ''), :func:`cleanup` (crash-safe
removal of a session's namespaces and daemons), :func:`namespace_name`, and
:meth:`NetnsBackend.shell_command` for ``v6lab shell``.
"""

from __future__ import annotations

from ._backend import NAMESPACE_PREFIX, NetnsBackend, available, cleanup, namespace_name, radvd_conf

__all__ = [
    "NAMESPACE_PREFIX",
    "NetnsBackend",
    "available",
    "cleanup",
    "namespace_name",
    "radvd_conf",
]
