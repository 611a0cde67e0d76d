"""The ``sim`` backend: an in-process IPv6 network simulator on Scapy packets.

No root, any OS. Interfaces, DAD, Neighbour Discovery, RS/RA + SLAAC, echo, forwarding
and ICMPv6 errors on virtual time, with a trainee command surface (``ip``, ``ping``,
``traceroute``, ``sysctl``, ``rdisc6``) shaped like the real tools. Scapy is imported
only when a packet is built or read (``from scapy.layers.inet6``, never ``scapy.all``).
"""

from __future__ import annotations

from ._backend import SimBackend, write_pcap

__all__ = ["SimBackend", "write_pcap"]
