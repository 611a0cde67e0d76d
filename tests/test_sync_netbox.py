"""`v6plan sync --netbox`: what it sends and reads, checked against the REST fields of each
NetBox release 4.0–4.6 (no live NetBox here yet).

tests/data/netbox-api-fields.json holds, per release tag (4.0.11 … 4.6.8), the field names
of the serializers v6plan uses with their read-only flags, the choice values and the filters,
extracted from the netbox-community/netbox repository at those tags (its ``_source`` says
which files and how; NetBox's contrib/openapi.json is generated from the same serializers).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _support import DATA, ROOT

from v6plan.cli._plan import load_plan
from v6plan.sync._diff import ORDER, diff
from v6plan.sync._netbox import NetBox, uses_scope
from v6plan.sync._objects import plan_objects

API = json.loads((DATA / "netbox-api-fields.json").read_text())
VERSIONS = sorted(API["versions"], key=lambda v: tuple(int(p) for p in v.split(".")))
SERIALIZER = {
    "tag": "tag",
    "role": "role",
    "rir": "rir",
    "tenant": "tenant",
    "aggregate": "aggregate",
    "site": "site",
    "vlan-group": "vlan-group",
    "vlan": "vlan",
    "prefix": "prefix",
    "ip-address": "ip-address",
    "custom-field": "custom-field",
}


class _NoServer:
    """Stands where the HTTP client would: a payload test sends nothing."""

    base = "http://127.0.0.1:9"
    writes = requests = 0

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Any]] = []

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        self.sent.append((method, path, body))
        return {"id": 7}


def _dialect(version: str, spec: str, settings: dict[str, str]) -> tuple[NetBox, list[Any]]:
    nb = NetBox(_NoServer(), version)  # type: ignore[arg-type]
    objects = plan_objects(load_plan(str(ROOT / "examples" / spec)), settings)
    desired = nb.desired(objects)
    for n, r in enumerate(desired):  # every object as if made earlier in the run
        nb.remember(r.kind, r.key, 1000 + n)
    return nb, diff(desired, [], objects.owner)


def _writable(version: str, kind: str) -> set[str]:
    fields = API["versions"][version]["serializers"][SERIALIZER[kind]]
    return {name for name, read_only in fields.items() if not read_only}


CASES = [("campus.yaml", {}), ("isp-core.yaml", {"domain": "isp.example", "tenant-depth": "1"})]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("spec", "settings"), CASES, ids=["campus", "isp-core"])
def test_every_payload_field_is_writable_in_that_release(
    version: str, spec: str, settings: dict[str, str]
) -> None:
    nb, changes = _dialect(version, spec, settings)
    seen: set[str] = set()
    for change in changes:
        for create in (True, False):
            body = nb.payload(change, create)
            unknown = set(body) - _writable(version, change.kind)
            assert not unknown, f"NetBox {version} {change.kind}: no writable {sorted(unknown)}"
            seen.add(change.kind)
    assert {"prefix", "ip-address", "role", "rir", "aggregate"} <= seen


@pytest.mark.parametrize("version", VERSIONS)
def test_status_and_role_values_are_choices_of_that_release(version: str) -> None:
    nb, changes = _dialect(version, "isp-core.yaml", {})
    choices = API["versions"][version]["choices"]
    for change in changes:
        body = nb.payload(change, True)
        key = f"{change.kind}.status"
        if "status" in body and key in choices:
            assert body["status"] in choices[key], (version, change.kind, body["status"])
        if change.kind == "ip-address" and body.get("role"):
            assert body["role"] in choices["ip-address.role"]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_site_goes_in_site_or_in_the_scope_by_release(version: str) -> None:
    nb, changes = _dialect(version, "isp-core.yaml", {})
    scoped = [nb.payload(c, True) for c in changes if c.kind == "prefix" and c.fields["site"]]
    assert scoped
    writable = _writable(version, "prefix")
    if uses_scope(version):
        assert {"scope_type", "scope_id"} <= writable and "site" not in writable
        assert all(
            b["scope_type"] == "dcim.site" and isinstance(b["scope_id"], int) for b in scoped
        )
    else:
        assert "site" in writable and "scope_type" not in writable
        assert all(isinstance(b["site"], int) and "scope_type" not in b for b in scoped)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_prefix_read_back_gives_the_fields_that_were_sent(version: str) -> None:
    """A prefix as that release returns it (its serializer's fields, nested objects with id
    and name) reads back into the plan's fields: the diff of a synced plan is empty."""
    nb, changes = _dialect(version, "isp-core.yaml", {})
    fields = API["versions"][version]["serializers"]["prefix"]
    change = next(c for c in changes if c.kind == "prefix" and c.fields["site"])
    site_id = int(nb.ids["site"][str(change.fields["site"])])
    obj: dict[str, Any] = {name: None for name in fields}
    obj.update(
        id=1,
        prefix=change.key,
        status={"value": change.fields["status"], "label": "x"},
        role={"id": int(nb.ids["role"][str(change.fields["role"])]), "name": change.fields["role"]},
        is_pool=change.fields["is_pool"],
        mark_utilized=change.fields["mark_utilized"],
        description=change.fields["description"],
        tags=[],
        custom_fields={"v6plan_path": change.marker},
    )
    site = {"id": site_id, "name": change.fields["site"]}
    if uses_scope(version):
        obj.update(scope_type="dcim.site", scope_id=site_id, scope=site)
    else:
        obj["site"] = site
    assert set(obj) <= set(fields) | {"custom_fields"}
    held = nb.held_prefix(obj)
    again = diff(
        [
            r
            for r in nb.desired(
                plan_objects(load_plan(str(ROOT / "examples" / "isp-core.yaml")), {})
            )
            if r.key == change.key and r.kind == "prefix"
        ],
        [held],
        change.marker.split(" ")[0],
    )  # type: ignore[union-attr]
    assert [c.action for c in again] == ["unchanged"]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_filters_and_the_status_key_exist_in_that_release(version: str) -> None:
    v = API["versions"][version]
    assert v["filters"]["prefix"]["within_include"]
    assert v["filters"]["ip-address"]["parent"]
    assert v["filters"]["vlan"]["group_id"]
    assert v["filters"]["aggregate"]["prefix"]
    assert v["status_has_netbox_version"]
    assert set(ORDER) <= set(SERIALIZER)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_marker_field_is_made_with_that_releases_fields(version: str) -> None:
    server = _NoServer()
    nb = NetBox(server, version)  # type: ignore[arg-type]
    nb.prepare()
    ((method, path, body),) = server.sent
    assert (method, path) == ("POST", "/api/extras/custom-fields/")
    assert set(body) <= _writable(version, "custom-field")
    assert body["type"] == "text" and "ipam.prefix" in body["object_types"]


@pytest.mark.parametrize(
    ("version", "scope"),
    [("4.0.11", False), ("4.1", False), ("4.2.0", True), ("4.4.10", True), ("4.6.0-beta1", True)],
)
def test_the_release_decides_site_or_scope(version: str, scope: bool) -> None:
    assert uses_scope(version) is scope
