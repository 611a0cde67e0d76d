"""A live IPAM for the `v6plan sync` tests: the Nautobot that `.ci/start-nautobot` runs.

`.ci/run` starts it before the tests and exports ``NAUTOBOT_URL`` and
``NAUTOBOT_TOKEN_FILE``; a developer does the same with
``eval "$(.ci/start-nautobot)"`` (and ``.ci/start-nautobot stop`` at the end). Missing,
the tests skip locally naming what is missing, and fail under CI=true.

Every request goes to the loopback URL the script printed; the helpers read the server
with the same stdlib client `v6plan sync` uses, and count its writes independently of it,
from Nautobot's change log.
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from typing import Any

from .env import need

__all__ = ["LiveIpam", "live_nautobot"]


@dataclass
class LiveIpam:
    url: str
    token_file: str

    def client(self) -> Any:
        from v6plan.sync._client import Client

        with open(self.token_file, encoding="utf-8") as f:
            return Client(self.url, f.read().strip())

    def get_all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        return list(self.client().get_all(path, **params))

    def changes(self) -> int:
        """How many object changes Nautobot has logged: every write, counted by the server."""
        page = self.client().request("GET", "/api/extras/object-changes/", limit=1)
        return int(page["count"])

    def prefixes(self, root: str) -> dict[str, dict[str, Any]]:
        found = self.get_all("/api/ipam/prefixes/", within_include=root, depth=1)
        return {p["prefix"]: p for p in found}

    def wipe(self, *roots: str) -> None:
        """Remove everything under the roots and every object a sync of them made, so that
        each test module starts from an IPAM that has never seen those plans. Addresses and
        prefixes of every root go first: one plan's prefix may use another's VLAN."""
        c = self.client()
        fields = c.get_all("/api/extras/custom-fields/")
        has_marker = any(f.get("key") == "v6plan_path" for f in fields)
        steps: list[tuple[str, dict[str, str]]] = []
        for root in roots:
            steps += [("/api/ipam/ip-addresses/", {"prefix": root})]
            steps += [("/api/ipam/prefixes/", {"within_include": root})]
        for path in ("vlans", "vlan-groups"):
            steps += [(f"/api/ipam/{path}/", {"cf_v6plan_path__isw": f"{r} "}) for r in roots]
        for path in ("/api/dcim/locations/", "/api/tenancy/tenants/"):
            steps += [(path, {"cf_v6plan_path__isw": f"{r} "}) for r in roots]
        for path, params in steps:
            if "cf_v6plan_path__isw" in params and not has_marker:
                continue
            objs = list(c.get_all(path, **params))
            if path.endswith("prefixes/"):
                objs.sort(key=lambda o: -int(o["prefix"].rsplit("/", 1)[1]))
            if objs:
                c.bulk("DELETE", path, [{"id": o["id"]} for o in objs])


def live_nautobot() -> LiveIpam:
    """The running Nautobot, or a skip (locally) / failure (CI) saying what is missing."""
    url = os.environ.get("NAUTOBOT_URL", "")
    token_file = os.environ.get("NAUTOBOT_TOKEN_FILE", "")
    need(
        bool(url and token_file and os.path.isfile(token_file)),
        "no live Nautobot: NAUTOBOT_URL and NAUTOBOT_TOKEN_FILE are not set — run "
        '`eval "$(.ci/start-nautobot)"` first (needs postgresql and redis-server)',
    )
    host = urllib.parse.urlsplit(url).hostname or ""
    need(
        host in ("127.0.0.1", "localhost", "::1"),
        f"NAUTOBOT_URL {url} is not on loopback: the tests talk to a local server only",
    )
    return LiveIpam(url, token_file)
