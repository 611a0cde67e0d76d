"""``v6plan sync``: the plan into a live NetBox or Nautobot over its REST API.

A thin layer over the plan model, in four parts that never reach past their neighbour:

    _objects   the plan as the objects an IPAM holds (the NetBox export's mapping, reused)
    _diff      pure functions over plain records: what to create, update, leave, prune
    _client    HTTP on the standard library: pagination, bulk writes, retries, TLS
    _nautobot, _netbox   each server's field names, read into records and written from them
    _run       read, diff, show, apply — what the command does

Importing this package loads nothing: `v6plan --help` stays the standard library.
"""

from __future__ import annotations
