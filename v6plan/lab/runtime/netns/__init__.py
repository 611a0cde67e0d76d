"""The ``netns`` backend: the lab on the Linux kernel, one network namespace per node.

Needs root (``sudo``). The engine uses only the
:class:`~v6plan.lab.runtime._backend.Backend` contract (``unavailable``, ``sweep``,
``shell_argv`` among it); for tools and tests this module also offers :func:`available`
(why it cannot run here, or ''), :func:`cleanup` (crash-safe removal of a session's
namespaces and daemons), :func:`namespace_name` and :func:`radvd_conf`.
"""

from __future__ import annotations

from .._backend import NAMESPACE_PREFIX, namespace_name
from ._backend import NetnsBackend, available, cleanup, radvd_conf

__all__ = [
    "NAMESPACE_PREFIX",
    "NetnsBackend",
    "available",
    "cleanup",
    "namespace_name",
    "radvd_conf",
]
