"""NetBox 4.0–4.6: the same objects as the netbox-csv files, over the REST API.

The field a prefix's site goes in depends on the release read from ``/api/status/``:
4.0 and 4.1 have ``site``; 4.2 replaced it by ``scope_type`` + ``scope_id`` (``dcim.site``
and the site's id, which the API knows: no ``comments`` fallback as in the CSV files).
Custom fields name their models in ``object_types`` (4.0 renamed ``content_types``).
IP address ``role`` is a choice (``loopback``), not a Role object. The RIR (shared, like
roles) and the plan's aggregate come first, as in the files. The marker is the custom
field ``v6plan_path``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ._dialect import MARKER_FIELD, Dialect, text_of
from ._diff import Change, Held, Kind, Record, Value
from ._objects import PlanObjects

__all__ = ["NetBox", "uses_scope"]

_MODELS = [
    "ipam.aggregate",
    "ipam.prefix",
    "ipam.ipaddress",
    "ipam.vlan",
    "ipam.vlangroup",
    "dcim.site",
    "tenancy.tenant",
]


def uses_scope(version: str) -> bool:
    """NetBox 4.2 and later scope a prefix (scope_type + scope_id) instead of a site."""
    parts = [int(p) if p.isdigit() else 0 for p in version.split("-")[0].split(".")[:2]]
    return tuple(parts + [0] * (2 - len(parts))) >= (4, 2)


def _choice(value: Any) -> str | None:
    if isinstance(value, dict):
        return text_of(value.get("value"))
    return text_of(value)


def _slug(name: str) -> str:
    from ..export._common import slugify

    return slugify(name)


class NetBox(Dialect):
    product = "NetBox"
    endpoints: ClassVar[dict[Kind, str]] = {
        "tag": "/api/extras/tags/",
        "role": "/api/ipam/roles/",
        "rir": "/api/ipam/rirs/",
        "tenant": "/api/tenancy/tenants/",
        "aggregate": "/api/ipam/aggregates/",
        "site": "/api/dcim/sites/",
        "vlan-group": "/api/ipam/vlan-groups/",
        "vlan": "/api/ipam/vlans/",
        "prefix": "/api/ipam/prefixes/",
        "ip-address": "/api/ipam/ip-addresses/",
    }

    def __init__(self, client: Any, version: str) -> None:
        super().__init__(client, version)
        self.scope = uses_scope(version)
        self.slugs: dict[tuple[Kind, str], str] = {}
        self.marker_id: str | None = None

    # -- the plan, in NetBox's terms ----------------------------------------------------------
    def desired(self, objects: PlanObjects) -> list[Record]:
        t = objects.tables
        out: list[Record] = []
        named: tuple[tuple[Kind, str], ...] = (
            ("tag", "tags"),
            ("role", "roles"),
            ("tenant", "tenants"),
        )
        for kind, table in named:
            for row in t.get(table, []):
                name = str(row["name"])
                self.slugs[(kind, name)] = str(row["slug"])
                fields: dict[str, Value] = {"description": row["description"]}
                if kind == "role":
                    fields["weight"] = row["weight"]
                marker = objects.marker(name) if kind == "tenant" else ""
                out.append(Record(kind, name, fields, marker))
        for row in t.get("rirs", []):
            name = str(row["name"])
            self.slugs[("rir", name)] = str(row["slug"])
            fields = {"is_private": row["is_private"], "description": row["description"]}
            out.append(Record("rir", name, fields))
        for row in t.get("aggregates", []):
            key = str(row["prefix"])
            fields = {k: row[k] for k in ("rir", "tenant", "description")}
            out.append(Record("aggregate", key, fields, objects.marker(key)))
        for row in t.get("sites", []):
            name = str(row["name"])
            self.slugs[("site", name)] = str(row["slug"])
            fields = {k: row[k] for k in ("status", "tenant", "description")}
            out.append(Record("site", name, fields, objects.marker(name)))
        for row in t.get("vlan-groups", []):
            name = str(row["name"])
            self.slugs[("vlan-group", name)] = str(row["slug"])
            out.append(
                Record(
                    "vlan-group", name, {"description": row["description"]}, objects.marker(name)
                )
            )
        for row in t.get("vlans", []):
            key = f"{row['group']}/{row['vid']}"
            fields = {k: row[k] for k in ("name", "status", "tenant", "description")}
            out.append(Record("vlan", key, fields, objects.marker(str(row["description"]))))
        for row in t.get("prefixes", []):
            key = str(row["prefix"])
            vlan = f"{row['vlan_group']}/{row['vlan']}" if row.get("vlan") is not None else None
            tags = tuple(sorted(str(row["tags"]).split(","))) if row["tags"] else ()
            fields = {k: row[k] for k in ("status", "role", "tenant", "is_pool", "mark_utilized")}
            fields.update(
                site=row["scope_name"], vlan=vlan, description=row["description"], tags=tags
            )
            out.append(Record("prefix", key, fields, objects.marker(key)))
        for row in t.get("ip-addresses", []):
            key = str(row["address"])
            fields = {k: row[k] for k in ("status", "role", "dns_name", "tenant", "description")}
            out.append(Record("ip-address", key, fields, objects.marker(key)))
        return out

    # -- what NetBox holds ----------------------------------------------------------------------
    def read(self, objects: PlanObjects, desired: list[Record]) -> list[Held]:
        c = self.client
        wanted: dict[Kind, set[str]] = {}
        for r in desired:
            wanted.setdefault(r.kind, set()).add(r.key)
        found = list(c.get_all("/api/extras/custom-fields/", name=MARKER_FIELD))
        self.marker_id = str(found[0]["id"]) if found else None
        mine = {f"cf_{MARKER_FIELD}__isw": f"{objects.owner} "} if found else {}
        held: list[Held] = []
        shared: tuple[Kind, ...] = ("tag", "role", "rir")
        for kind in shared:
            for obj in c.get_all(self.endpoints[kind]):
                self.remember(kind, obj["name"], obj["id"])
                self.slugs[(kind, obj["name"])] = obj["slug"]
                held.append(Held(kind, obj["name"], {}, str(obj["id"])))
        managed: tuple[Kind, ...] = ("tenant", "site", "vlan-group")
        for kind in managed:
            seen: dict[str, dict[str, Any]] = {}
            for obj in self.by_names(self.endpoints[kind], wanted.get(kind, set())):
                seen[str(obj["id"])] = obj
            if mine:
                for obj in c.get_all(self.endpoints[kind], **mine):
                    seen[str(obj["id"])] = obj
            for obj in seen.values():
                self.remember(kind, obj["name"], obj["id"])
            for obj in seen.values():
                fields: dict[str, Value] = {"description": text_of(obj.get("description"))}
                if kind == "site":
                    fields["status"] = _choice(obj.get("status"))
                    fields["tenant"] = self.key_of("tenant", obj.get("tenant"))
                held.append(Held(kind, obj["name"], fields, str(obj["id"]), _marker(obj)))
        held += self._aggregates(objects.owner, mine)
        held += self._vlans(mine)
        for obj in c.get_all(self.endpoints["prefix"], within_include=objects.owner):
            held.append(self._held_prefix(obj))
        for obj in c.get_all(self.endpoints["ip-address"], parent=objects.owner):
            fields = {
                "status": _choice(obj.get("status")),
                "role": _choice(obj.get("role")),
                "dns_name": text_of(obj.get("dns_name")),
                "tenant": self.key_of("tenant", obj.get("tenant")),
                "description": text_of(obj.get("description")),
            }
            held.append(Held("ip-address", obj["address"], fields, str(obj["id"]), _marker(obj)))
        return held

    def _aggregates(self, owner: str, mine: dict[str, str]) -> list[Held]:
        seen = {
            str(o["id"]): o for o in self.client.get_all(self.endpoints["aggregate"], prefix=owner)
        }
        if mine:
            for obj in self.client.get_all(self.endpoints["aggregate"], **mine):
                seen[str(obj["id"])] = obj
        out = []
        for obj in seen.values():
            fields: dict[str, Value] = {
                "rir": self.key_of("rir", obj.get("rir")),
                "tenant": self.key_of("tenant", obj.get("tenant")),
                "description": text_of(obj.get("description")),
            }
            out.append(Held("aggregate", obj["prefix"], fields, str(obj["id"]), _marker(obj)))
        return out

    def _vlans(self, mine: dict[str, str]) -> list[Held]:
        groups = list(self.ids["vlan-group"].values())
        seen: dict[str, dict[str, Any]] = {}
        for start in range(0, len(groups), 40):
            for obj in self.client.get_all(
                self.endpoints["vlan"], group_id=groups[start : start + 40]
            ):
                seen[str(obj["id"])] = obj
        if mine:
            for obj in self.client.get_all(self.endpoints["vlan"], **mine):
                seen[str(obj["id"])] = obj
        out = []
        for obj in seen.values():
            key = f"{self.key_of('vlan-group', obj.get('group'))}/{obj['vid']}"
            self.remember("vlan", key, obj["id"])
            fields: dict[str, Value] = {
                "name": obj["name"],
                "status": _choice(obj.get("status")),
                "tenant": self.key_of("tenant", obj.get("tenant")),
                "description": text_of(obj.get("description")),
            }
            out.append(Held("vlan", key, fields, str(obj["id"]), _marker(obj)))
        return out

    def held_prefix(self, obj: dict[str, Any]) -> Held:
        """A prefix as NetBox returns it, in the plan's field names (public for the tests)."""
        return self._held_prefix(obj)

    def _held_prefix(self, obj: dict[str, Any]) -> Held:
        if self.scope:
            site = obj.get("scope") if obj.get("scope_type") == "dcim.site" else None
        else:
            site = obj.get("site")
        fields: dict[str, Value] = {
            "status": _choice(obj.get("status")),
            "role": self.key_of("role", obj.get("role")),
            "tenant": self.key_of("tenant", obj.get("tenant")),
            "is_pool": bool(obj.get("is_pool")),
            "mark_utilized": bool(obj.get("mark_utilized")),
            "site": self.key_of("site", site),
            "vlan": self.key_of("vlan", obj.get("vlan")),
            "description": text_of(obj.get("description")),
            "tags": tuple(sorted(t.get("name", "") for t in obj.get("tags") or [])),
        }
        return Held("prefix", obj["prefix"], fields, str(obj["id"]), _marker(obj))

    # -- writing --------------------------------------------------------------------------------
    def prepare(self) -> None:
        if self.marker_id is None:
            body = {
                "name": MARKER_FIELD,
                "label": "v6plan path",
                "type": "text",
                "object_types": _MODELS,
                "description": "Managed by v6plan sync: the plan's root prefix and the node's path",
            }
            self.marker_id = str(
                self.client.request("POST", "/api/extras/custom-fields/", body)["id"]
            )
            self.client.writes += 1
            self.setup.append(f"custom field {MARKER_FIELD}")

    def payload(self, change: Change, create: bool) -> dict[str, Any]:
        kind, key = change.kind, change.key
        body: dict[str, Any] = {}
        if create:
            if kind in ("tag", "role", "rir", "tenant", "site", "vlan-group"):
                body = {"name": key, "slug": self.slugs.get((kind, key)) or _slug(key)}
                if kind == "tag":
                    body["color"] = "9e9e9e"
            elif kind == "vlan":
                group, _, vid = key.rpartition("/")
                body = {"group": int(self.ref("vlan-group", group) or 0), "vid": int(vid)}
            elif kind in ("prefix", "aggregate"):
                body = {"prefix": key}
            else:
                body = {"address": key}
        for name, value in change.fields.items():
            body.update(self._field(kind, name, value))
        if kind not in ("tag", "role", "rir") and change.marker is not None:
            body["custom_fields"] = {MARKER_FIELD: change.marker}
        return body

    def _field(self, kind: Kind, name: str, value: Value) -> dict[str, Any]:
        if name == "rir":
            return {"rir": _int(self.ref("rir", value))}
        if name == "tenant":
            return {"tenant": _int(self.ref("tenant", value))}
        if name == "role":
            if kind == "ip-address":
                return {"role": value or ""}
            return {"role": _int(self.ref("role", value))}
        if name == "vlan":
            return {"vlan": _int(self.ref("vlan", value))}
        if name == "site":
            site = _int(self.ref("site", value))
            if not self.scope:
                return {"site": site}
            return {"scope_type": "dcim.site" if site else None, "scope_id": site}
        if name == "tags":
            return {"tags": [{"name": t} for t in value or ()]}  # type: ignore[union-attr]
        if name in ("description", "dns_name"):
            return {name: value or ""}
        return {name: value}


def _int(value: str | None) -> int | None:
    return int(value) if value is not None else None


def _marker(obj: dict[str, Any]) -> str | None:
    value = (obj.get("custom_fields") or {}).get(MARKER_FIELD)
    return str(value) if value else None
