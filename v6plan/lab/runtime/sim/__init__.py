"""The ``sim`` backend: an in-process IPv6 network simulator on Scapy packets.

No root, any OS. Interfaces, DAD, Neighbour Discovery, RS/RA + SLAAC, subnet-router
anycast, echo, forwarding and ICMPv6 errors on virtual time, with a trainee command
surface (``ip`` with ``-json`` and ``-s``, ``ping``, ``traceroute``, ``sysctl``,
``rdisc6``, ``hostname``) shaped like the real tools. The node is :mod:`._stack` (one
module per concern under it); each tool is a ``_cmd_*`` module. Scapy is imported
only when a packet is built or read (``from scapy.layers.inet6``, never ``scapy.all``).
"""

from __future__ import annotations

from ._backend import SimBackend, write_pcap

__all__ = ["SimBackend", "write_pcap"]
