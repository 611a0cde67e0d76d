"""Export helpers shared by the export tests: the bundled examples, export to text or a
folder, and the independent NetBox rules (do not import these from the exporter)."""

from __future__ import annotations

import csv
import io
import ipaddress
import re
from pathlib import Path

import yaml

from v6plan import Lock, Plan, build, load_spec, lock_path_for
from v6plan.export import ExportOptions, write, write_files

ROOT = Path(__file__).resolve().parents[2]


EXAMPLES = ROOT / "examples"


# -- independent NetBox rules (do not import these from the exporter) ----------------------------
V40 = "prefix,vrf,tenant,site,vlan_group,vlan,status,role,is_pool,mark_utilized,description,comments,tags"


V42 = "prefix,vrf,tenant,vlan_group,vlan,status,role,scope_type,scope_id,is_pool,mark_utilized,description,comments,tags"


NETBOX_PREFIX_COLUMNS = {
    "4.0": set(V40.split(",")),
    "4.1": set(V40.split(",")),
    "4.2": set(V42.split(",")),
    "4.3": set(V42.split(",")) | {"vlan_site"},
    "4.4": set(V42.split(",")) | {"vlan_site"},
    "4.5": set(V42.split(",")) | {"vlan_site", "owner"},
    "4.5.5": set(V42.split(",")) | {"vlan_site", "owner", "scope_name"},
}


#: Columns each NetBox 4.x import form accepts for the companion objects.
NETBOX_ACCEPTS = {
    "tags": {"name", "slug", "color", "description", "weight", "object_types"},
    "rirs": {"name", "slug", "is_private", "description", "tags"},
    "aggregates": {"prefix", "rir", "tenant", "date_added", "description", "comments", "tags"},
    "roles": {"name", "slug", "weight", "description", "tags"},
    "tenants": {"name", "slug", "group", "description", "comments", "tags"},
    "sites": {"name", "slug", "status", "region", "group", "tenant", "facility", "time_zone",
              "description", "comments", "tags"},
    "vrfs": {"name", "rd", "tenant", "enforce_unique", "description", "comments", "tags"},
    "vlan-groups": {"name", "slug", "scope_type", "scope_id", "description", "tags"},
    "vlans": {"site", "group", "vid", "name", "tenant", "status", "role", "description",
              "comments", "tags"},
    "ip-addresses": {"address", "vrf", "tenant", "status", "role", "device", "virtual_machine",
                     "interface", "is_primary", "dns_name", "description", "comments", "tags"},
}  # fmt: skip


IMPORT_ORDER = [
    "tags", "rirs", "aggregates", "roles", "tenants", "sites", "vrfs", "vlan-groups", "vlans",
    "prefixes", "ip-addresses",
]  # fmt: skip


PREFIX_STATUS = {"container", "active", "reserved", "deprecated"}


IP_STATUS = {"active", "reserved", "deprecated", "dhcp", "slaac"}


IP_ROLES = {"", "loopback", "secondary", "anycast", "vip", "vrrp", "hsrp", "glbp", "carp"}


SITE_STATUS = {"planned", "staging", "active", "decommissioning", "retired"}


SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


DNS_NAME = re.compile(r"^([0-9A-Za-z_-]+|\*)(\.[0-9A-Za-z_-]+)*\.?$")


BOOL = {"true", "false"}


def example(name: str) -> Plan:
    spec = load_spec(EXAMPLES / f"{name}.yaml")
    return build(spec, Lock.read(lock_path_for(spec.file))).plan


def export(plan: Plan, fmt: str, **settings: str) -> str:
    out = io.StringIO()
    write(plan, fmt, out, ExportOptions(settings=dict(settings)))
    return out.getvalue()


def export_dir(plan: Plan, fmt: str, directory: Path, node: str = "", **settings: str) -> list[str]:
    return write_files(plan, fmt, str(directory), ExportOptions(node=node, settings=dict(settings)))


# -- NetBox ------------------------------------------------------------------------------------
def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            return list(reader.fieldnames or []), list(reader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    assert isinstance(data, list), f"{path.name}: NetBox YAML import is a list of mappings"
    rows = []
    for record in data:
        assert isinstance(record, dict)
        rows.append(
            {
                k: ("true" if v is True else "false" if v is False else str(v))
                for k, v in record.items()
            }
        )
    return sorted({k for r in rows for k in r}), rows


def validate_netbox(directory: Path, version: str) -> dict[str, list[dict[str, str]]]:
    """Every rule NetBox applies on import that a file set can be checked against."""
    files = sorted(p for p in directory.iterdir() if p.name != "00-README.txt")
    tables: dict[str, list[dict[str, str]]] = {}
    order = []
    for n, path in enumerate(files, 1):
        number, _, rest = path.stem.partition("-")
        assert int(number) == n, f"{path.name}: files are numbered 1, 2, 3 … in import order"
        columns, rows = read_table(path)
        tables[rest] = rows
        order.append(rest)
        allowed = NETBOX_PREFIX_COLUMNS[version] if rest == "prefixes" else NETBOX_ACCEPTS[rest]
        if path.suffix == ".csv" and rest == "prefixes":
            assert set(columns) == allowed, f"{path.name}: columns for NetBox {version}"
        assert set(columns) <= allowed, f"{path.name}: {set(columns) - allowed} not importable"
    assert order == [t for t in IMPORT_ORDER if t in order], "import order"
    readme = (directory / "00-README.txt").read_text()
    assert [line.split()[1] for line in readme.splitlines() if re.match(r"^\s*\d+\.", line)] == [
        p.name for p in files
    ]

    def names(table: str, key: str = "name") -> set[str]:
        values = [r[key] for r in tables.get(table, [])]
        assert len(values) == len(set(values)), f"{table}: {key} must be unique"
        return set(values)

    for table in ("tags", "rirs", "roles", "tenants", "sites", "vlan-groups"):
        names(table)
        for slug in names(table, "slug"):
            assert SLUG.match(slug) and len(slug) <= 100, slug
    rirs, roles, tenants = names("rirs"), names("roles"), names("tenants")
    sites, vrfs, groups = names("sites"), names("vrfs"), names("vlan-groups")
    tags = names("tags", "slug")
    for row in tables.get("aggregates", []):
        assert row["rir"] in rirs
        assert row.get("tenant", "") in tenants | {""}
        ipaddress.IPv6Network(row["prefix"])
    for row in tables.get("rirs", []):
        assert row["is_private"] in BOOL
    for row in tables.get("sites", []):
        assert row["status"] in SITE_STATUS
        assert row.get("tenant", "") in tenants | {""}
    vlans = set()
    for row in tables.get("vlans", []):
        assert row["group"] in groups
        assert 1 <= int(row["vid"]) <= 4094
        assert (row["group"], row["vid"]) not in vlans, "one VLAN per id in a group"
        vlans.add((row["group"], row["vid"]))
    prefixes = tables["prefixes"]
    seen: set[ipaddress.IPv6Network] = set()
    listed = {ipaddress.IPv6Network(r["prefix"]) for r in prefixes}
    assert len(listed) == len(prefixes), "each prefix once"
    for row in prefixes:
        network = ipaddress.IPv6Network(row["prefix"])  # strict: no host bits
        for length in range(network.prefixlen):
            parent = network.supernet(new_prefix=length)
            if parent in listed:
                assert parent in seen, f"{parent} must come before {network} (parents first)"
        seen.add(network)
        assert row["status"] in PREFIX_STATUS
        assert row["is_pool"] in BOOL and row["mark_utilized"] in BOOL
        assert row.get("role", "") in roles | {""}
        assert row.get("tenant", "") in tenants | {""}
        assert row.get("vrf", "") in vrfs | {""}
        for slug in filter(None, row.get("tags", "").split(",")):
            assert slug in tags, f"tag {slug} is not imported"
        assert len(row.get("description", "")) <= 200
        if row.get("vlan"):
            assert (row["vlan_group"], row["vlan"]) in vlans
        if version in ("4.0", "4.1"):
            assert row.get("site", "") in sites | {""}
        elif version == "4.5.5":
            assert row.get("scope_id", "") == ""  # exclusive with scope_name
            assert bool(row.get("scope_type")) == bool(row.get("scope_name"))
            if row.get("scope_type"):
                assert row["scope_type"] == "dcim.site" and row["scope_name"] in sites
        else:
            assert row.get("scope_type", "") == "" and row.get("scope_id", "") == ""
    for row in tables.get("ip-addresses", []):
        ipaddress.IPv6Interface(row["address"])
        assert row["status"] in IP_STATUS and row.get("role", "") in IP_ROLES
        assert row.get("tenant", "") in tenants | {""}
        assert row.get("vrf", "") in vrfs | {""}
        if row.get("dns_name"):
            assert DNS_NAME.match(row["dns_name"])
    return tables
