"""The lab engine: virtual IPv6 topologies on a Scapy simulator or Linux namespaces.

Scapy is imported lazily (``import scapy.all`` costs ~0.9 s); nothing here is part of
the headless planner core.
"""
