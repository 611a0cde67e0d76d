"""Nautobot 2.x–3.x: what the plan's objects are called there.

What maps to what (the plan → Nautobot):

- status: every object needs one (Status objects, by name): containers and active leaves
  are ``Active``, reserves ``Reserved``, sites ``Planned``;
- a prefix's ``type``: ``container`` for a node with children, ``pool`` for the p2p and
  loopback /64s (NetBox's ``is_pool``), ``network`` for the rest, the configured /127 too.
  Nautobot has no "mark utilised";
- uniqueness comes from the namespace (``Global``), not a VRF;
- sites are Locations of a location type ``v6plan site`` (made on the first sync);
- roles are Roles with the content types of prefixes, VLANs and IP addresses;
- no RIR or aggregate: Nautobot 2 folded aggregates into container prefixes, so the root
  prefix is the allocation;
- the marker is the custom field ``v6plan_path`` (made on the first sync).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from ._dialect import MARKER_FIELD, Dialect, text_of
from ._diff import Change, Held, Kind, Record, Value
from ._objects import PlanObjects

__all__ = ["Nautobot"]

LOCATION_TYPE = "v6plan site"
NAMESPACE = "Global"
_STATUS = {"container": "Active", "active": "Active", "reserved": "Reserved", "planned": "Planned"}
_CONTENT = {
    "tag": ["ipam.prefix", "ipam.ipaddress", "ipam.vlan", "ipam.vlangroup", "dcim.location"],
    "role": ["ipam.prefix", "ipam.ipaddress", "ipam.vlan"],
    "marker": [
        "ipam.prefix",
        "ipam.ipaddress",
        "ipam.vlan",
        "ipam.vlangroup",
        "dcim.location",
        "tenancy.tenant",
    ],
    "location-type": ["ipam.prefix", "ipam.vlan", "ipam.vlangroup"],
}


class Nautobot(Dialect):
    product = "Nautobot"
    endpoints: ClassVar[dict[Kind, str]] = {
        "tag": "/api/extras/tags/",
        "role": "/api/extras/roles/",
        "tenant": "/api/tenancy/tenants/",
        "site": "/api/dcim/locations/",
        "vlan-group": "/api/ipam/vlan-groups/",
        "vlan": "/api/ipam/vlans/",
        "prefix": "/api/ipam/prefixes/",
        "ip-address": "/api/ipam/ip-addresses/",
    }

    # -- the plan, in Nautobot's terms ---------------------------------------------------------
    def desired(self, objects: PlanObjects) -> list[Record]:
        t = objects.tables
        out: list[Record] = []
        for row in t.get("tags", []):
            out.append(Record("tag", str(row["name"]), {"description": row["description"]}))
        for row in t.get("roles", []):
            fields: dict[str, Value] = {"weight": row["weight"], "description": row["description"]}
            out.append(Record("role", str(row["name"]), fields))
        for row in t.get("tenants", []):
            name = str(row["name"])
            out.append(
                Record("tenant", name, {"description": row["description"]}, objects.marker(name))
            )
        for row in t.get("sites", []):
            name = str(row["name"])
            fields = {
                "status": _STATUS[str(row["status"])],
                "tenant": row["tenant"],
                "description": row["description"],
            }
            out.append(Record("site", name, fields, objects.marker(name)))
        for row in t.get("vlan-groups", []):
            name = str(row["name"])
            out.append(
                Record(
                    "vlan-group", name, {"description": row["description"]}, objects.marker(name)
                )
            )
        for row in t.get("vlans", []):
            key = f"{row['group']}/{row['vid']}"
            fields = {
                "name": row["name"],
                "status": _STATUS[str(row["status"])],
                "tenant": row["tenant"],
                "description": row["description"],
            }
            out.append(Record("vlan", key, fields, objects.marker(str(row["description"]))))
        for row in t.get("prefixes", []):
            out.append(self._prefix(row, objects))
        for row in t.get("ip-addresses", []):
            key = str(row["address"])
            fields = {
                "status": _STATUS[str(row["status"])],
                "role": row["role"],
                "dns_name": row["dns_name"],
                "tenant": row["tenant"],
                "description": row["description"],
            }
            out.append(Record("ip-address", key, fields, objects.marker(key)))
        return out

    def _prefix(self, row: dict[str, Any], objects: PlanObjects) -> Record:
        key = str(row["prefix"])
        status = str(row["status"])
        if status == "container":
            kind = "container"
        elif row["is_pool"] and not key.endswith("/127"):
            kind = "pool"
        else:
            kind = "network"
        vlan = f"{row['vlan_group']}/{row['vlan']}" if row.get("vlan") is not None else None
        tags = tuple(sorted(str(t) for t in str(row["tags"]).split(","))) if row["tags"] else ()
        fields: dict[str, Value] = {
            "type": kind,
            "status": _STATUS[status],
            "role": row["role"],
            "location": row["scope_name"],
            "tenant": row["tenant"],
            "vlan": vlan,
            "description": row["description"],
            "tags": tags,
        }
        return Record("prefix", key, fields, objects.marker(key))

    # -- what Nautobot holds --------------------------------------------------------------------
    def read(self, objects: PlanObjects, desired: list[Record]) -> list[Held]:
        c = self.client
        wanted: dict[Kind, set[str]] = {}
        for r in desired:
            wanted.setdefault(r.kind, set()).add(r.key)
        self.status_ids = {s["name"]: s["id"] for s in c.get_all("/api/extras/statuses/")}
        self.status_names = {v: k for k, v in self.status_ids.items()}
        self.namespace_id = next(
            (n["id"] for n in c.get_all("/api/ipam/namespaces/", name=NAMESPACE)), None
        )
        held: list[Held] = []
        tag_names = {r.key for r in desired if r.kind == "tag"}
        for obj in c.get_all(self.endpoints["tag"], depth=0):
            self.remember("tag", obj["name"], obj["id"])
            if obj["name"] in tag_names:
                held.append(Held("tag", obj["name"], {}, obj["id"], None))
        for obj in c.get_all(self.endpoints["role"], depth=0):
            self.remember("role", obj["name"], obj["id"])
            held.append(Held("role", obj["name"], {}, obj["id"], None))
        mine = {f"cf_{MARKER_FIELD}__isw": f"{objects.owner} "} if self._has_marker() else {}
        for kind in ("tenant", "site", "vlan-group"):
            held += self._named(kind, wanted.get(kind, set()), mine)
        held += self._vlans(mine)
        for obj in c.get_all(
            self.endpoints["prefix"],
            within_include=objects.owner,
            namespace=NAMESPACE,
            depth=0,
            exclude_m2m="false",  # 3.x leaves many-to-many fields (locations) out by default
        ):
            held.append(self._held_prefix(obj))
        for obj in c.get_all(
            self.endpoints["ip-address"], prefix=objects.owner, namespace=NAMESPACE, depth=0
        ):
            held.append(self._held_address(obj))
        return held

    def _has_marker(self) -> bool:
        fields = self.client.get_all("/api/extras/custom-fields/", depth=0)  # no key filter
        found = [f for f in fields if f.get("key") == MARKER_FIELD]
        self.marker_id = found[0]["id"] if found else None
        return bool(found)

    def _location_type(self) -> bool:
        return bool(list(self.client.get_all("/api/dcim/location-types/", name=LOCATION_TYPE)))

    def _named(self, kind: Kind, names: set[str], mine: dict[str, str]) -> list[Held]:
        """The objects of a kind the plan names, and the managed ones it no longer does."""
        path = self.endpoints[kind]
        found: dict[str, dict[str, Any]] = {}
        extra = {"location_type": LOCATION_TYPE} if kind == "site" else {}
        if kind == "site" and not self._location_type():
            return []  # no location of ours can exist yet
        for obj in self.by_names(path, names, depth=0, **extra):
            found[obj["id"]] = obj
        if mine:
            for obj in self.client.get_all(path, depth=0, **extra, **mine):
                found[obj["id"]] = obj
        out = []
        for obj in found.values():
            self.remember(kind, obj["name"], obj["id"])
        for obj in found.values():
            fields: dict[str, Value] = {"description": text_of(obj.get("description"))}
            if kind == "site":
                fields["status"] = self._status(obj)
                fields["tenant"] = self.key_of("tenant", obj.get("tenant"))
            out.append(Held(kind, obj["name"], fields, obj["id"], _marker(obj)))
        return out

    def _vlans(self, mine: dict[str, str]) -> list[Held]:
        groups = list(self.ids["vlan-group"].values())
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(groups), 40):
            for obj in self.client.get_all(
                self.endpoints["vlan"], vlan_group=groups[start : start + 40], depth=0
            ):
                found[obj["id"]] = obj
        if mine:
            for obj in self.client.get_all(self.endpoints["vlan"], depth=0, **mine):
                found[obj["id"]] = obj
        out = []
        for obj in found.values():
            group = self.key_of("vlan-group", obj.get("vlan_group"))
            key = f"{group}/{obj['vid']}"
            self.remember("vlan", key, obj["id"])
            fields: dict[str, Value] = {
                "name": obj["name"],
                "status": self._status(obj),
                "tenant": self.key_of("tenant", obj.get("tenant")),
                "description": text_of(obj.get("description")),
            }
            out.append(Held("vlan", key, fields, obj["id"], _marker(obj)))
        return out

    def _status(self, obj: dict[str, Any]) -> str | None:
        status = obj.get("status")
        return self.status_names.get(str(status.get("id"))) if status else None

    def _held_prefix(self, obj: dict[str, Any]) -> Held:
        locations = obj.get("locations") or []
        kind = obj.get("type")
        fields: dict[str, Value] = {
            "type": kind.get("value") if isinstance(kind, dict) else kind,
            "status": self._status(obj),
            "role": self.key_of("role", obj.get("role")),
            "location": self.key_of("site", locations[0]) if len(locations) == 1 else None,
            "tenant": self.key_of("tenant", obj.get("tenant")),
            "vlan": self.key_of("vlan", obj.get("vlan")),
            "description": text_of(obj.get("description")),
            "tags": tuple(sorted(self.key_of("tag", t) or "" for t in obj.get("tags") or [])),
        }
        return Held("prefix", obj["prefix"], fields, obj["id"], _marker(obj))

    def _held_address(self, obj: dict[str, Any]) -> Held:
        fields: dict[str, Value] = {
            "status": self._status(obj),
            "role": self.key_of("role", obj.get("role")),
            "dns_name": text_of(obj.get("dns_name")),
            "tenant": self.key_of("tenant", obj.get("tenant")),
            "description": text_of(obj.get("description")),
        }
        return Held("ip-address", obj["address"], fields, obj["id"], _marker(obj))

    # -- writing --------------------------------------------------------------------------------
    def prepare(self) -> None:
        c = self.client
        if getattr(self, "marker_id", None) is None:
            body = {
                "key": MARKER_FIELD,
                "label": "v6plan path",
                "type": "text",
                "content_types": _CONTENT["marker"],
                "description": "Managed by v6plan sync: the plan's root prefix and the node's path",
            }
            self.marker_id = c.request("POST", "/api/extras/custom-fields/", body)["id"]
            c.writes += 1
            self.setup.append(f"custom field {MARKER_FIELD}")
        if not self._location_type():
            body = {"name": LOCATION_TYPE, "content_types": _CONTENT["location-type"]}
            c.request("POST", "/api/dcim/location-types/", body)
            c.writes += 1
            self.setup.append(f"location type {LOCATION_TYPE!r}")

    def payload(self, change: Change, create: bool) -> dict[str, Any]:
        kind, f = change.kind, change.fields
        body: dict[str, Any] = {}
        if kind == "tag":
            body = {"name": change.key, "color": "9e9e9e", "content_types": _CONTENT["tag"]}
        elif kind == "role":
            body = {"name": change.key, "content_types": _CONTENT["role"], "color": "9e9e9e"}
        elif create:
            body = dict(self._create_identity(kind, change.key))
        for name, value in f.items():
            body.update(self._field(kind, name, value))
        if kind not in ("tag", "role") and change.marker is not None:
            body["custom_fields"] = {MARKER_FIELD: change.marker}
        return body

    def _create_identity(self, kind: Kind, key: str) -> Iterator[tuple[str, Any]]:
        if kind in ("tenant", "vlan-group"):
            yield "name", key
        elif kind == "site":
            yield "name", key
            yield "location_type", {"name": LOCATION_TYPE}
        elif kind == "vlan":
            group, _, vid = key.rpartition("/")
            yield "vlan_group", self.ref("vlan-group", group)
            yield "vid", int(vid)
        elif kind == "prefix":
            yield "prefix", key
            yield "namespace", self.namespace_id
        elif kind == "ip-address":
            yield "address", key
            yield "namespace", self.namespace_id
            yield "type", "host"

    def _field(self, kind: Kind, name: str, value: Value) -> dict[str, Any]:
        if name == "status":
            return {"status": self.status_ids.get(str(value), {"name": value})}
        if name in ("role", "tenant", "vlan"):
            ref_kind: Kind = "role" if name == "role" else "tenant" if name == "tenant" else "vlan"
            return {name: self.ref(ref_kind, value)}
        if name == "location":
            return {"location": self.ref("site", value)} if value else {}
        if name == "tags":
            return {"tags": [self.ref("tag", t) for t in value or ()]}  # type: ignore[union-attr]
        if name in ("description", "dns_name"):
            return {name: value or ""}
        return {name: value}


def _marker(obj: dict[str, Any]) -> str | None:
    value = (obj.get("custom_fields") or {}).get(MARKER_FIELD)
    return str(value) if value else None
