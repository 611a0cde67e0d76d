"""Export benchmark: every format on a million-prefix plan, beside the way peers write it.

Run: ``.venv/bin/python benchmarks/bench_exports.py [--quick] [--government] [--only FMT,…]``.

Two plans are generated here: *customers* (/32 → 16 /36 → 256 /44 → 256 /56 customers,
1,052,689 nodes) for the IPAM, registry and report formats, and *lans* (3fff::/24 → 16
regions /32, each its own router → 256 sites /40 → 256 LAN /64s, plus loopbacks and a ring
of p2p links; 1,053,000 nodes) for the router and DNS formats.

Each measurement runs in a fresh process that first builds the plan, then resets the
kernel's peak-RSS mark (``/proc/self/clear_refs``) and exports to a file: the memory
figure is what the export itself added on top of the plan. The peer does the same job the
way scripts commonly do it: ``ipaddress`` objects, a list of dicts or strings, then
``csv.DictWriter`` / ``yaml.dump`` / ``json.dump`` / ``"".join``. Nothing here asserts;
figures are printed as ratios (peer ÷ v6plan).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from _plans import customers_spec

PY = sys.executable
HERE = Path(__file__).resolve()

CUSTOMERS = customers_spec()


def lans_spec(sites: int = 256, lans: int = 256) -> str:
    """16 regions, each served by its own router, on a ring of p2p links."""
    routers = [f"r{k}" for k in range(1, 17)]
    ring = ", ".join(f"[{a}, {b}]" for a, b in zip(routers, routers[1:] + routers[:1]))
    lines = [
        f"plan: Benchmark LANs ({16 * sites * lans:,} LAN /64s)",
        "prefix: 3fff::/24",
        "children:",
        "  - name: core",
        "    role: infrastructure",
        "    size: /32",
        "    children:",
        f"      - {{name: loopbacks, role: loopback, names: [{', '.join(routers)}]}}",
        f"      - {{name: link, role: p2p, ends: [{ring}]}}",
    ]
    for router in routers:
        lines += [
            f"  - name: region-{router}",
            f"    router: {router}",
            "    size: /32",
            "    children:",
            "      - name: site",
            "        role: site",
            f"        count: {sites}",
            "        size: /40",
            "        children:",
            f'          - {{name: lan, role: lan, count: {lans}, vlan: 1, interface: "{{parent}}.{{vlan}}"}}',
        ]
    return "\n".join(lines) + "\n"


#: (format, plan, settings)
CASES: list[tuple[str, str, dict[str, str]]] = [
    ("netbox-csv", "customers", {}),
    ("netbox-yaml", "customers", {}),
    ("phpipam-csv", "customers", {}),
    ("rpsl", "customers", {}),
    ("kea-dhcp6", "customers", {}),
    ("markdown", "customers", {"fold": "0"}),
    ("html", "customers", {"fold": "0"}),
    ("bind", "lans", {"gateways": "yes", "serial": "1"}),
    ("radvd", "lans", {}),
    ("frr", "lans", {}),
    ("kea-dhcp6", "lans", {}),
    ("netbox-csv", "lans", {}),
]


# -- measuring (child process) ------------------------------------------------------------------
def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])  # kB
    return 0


def run_child(spec: str, fmt: str, impl: str, settings: dict[str, str], out_path: str) -> None:
    import gc
    import resource
    import time

    from v6plan import build, load_spec

    plan = build(load_spec(spec)).plan
    gc.collect()
    before = _status("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        resettable = True
    except OSError:
        resettable = False
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with open(out_path, "w", encoding="utf-8") as out:
        if impl == "ours":
            from v6plan.export import ExportOptions, write

            write(plan, fmt, out, ExportOptions(settings=dict(settings)))
        else:
            PEERS[fmt](plan, out, settings)
    seconds = time.perf_counter() - started
    peak = _status("VmHWM") if resettable else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "extra_mib": max(0, peak - before) / 1024,
                "bytes": Path(out_path).stat().st_size,
                "nodes": len(plan),
            }
        )
    )


# -- the peers: the same output, written the common way -----------------------------------------
def _networks(plan: Any) -> Any:
    import ipaddress

    for i in range(len(plan)):
        yield i, ipaddress.IPv6Network((plan.net[i], plan.plen[i]))


def peer_netbox_rows(plan: Any) -> list[dict[str, Any]]:
    rows = []
    for i, network in _networks(plan):
        role = plan.role(i)
        if role == "host":
            continue
        rows.append(
            {
                "prefix": str(network),
                "status": plan.status(i),
                "role": role if role not in ("container", "root") else "",
                "is_pool": str(role in ("p2p", "loopback")).lower(),
                "mark_utilized": str(role in ("p2p", "customer")).lower(),
                "description": plan.path(i) or plan.title,
                "vlan": plan.node(i).vlan or "",
            }
        )
    return rows


def peer_netbox_csv(plan: Any, out: TextIO, settings: dict[str, str]) -> None:
    import csv

    rows = peer_netbox_rows(plan)
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def peer_netbox_yaml(plan: Any, out: TextIO, settings: dict[str, str]) -> None:
    import yaml

    yaml.dump(peer_netbox_rows(plan), out, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))


def peer_phpipam(plan: Any, out: TextIO, settings: dict[str, str]) -> None:
    import csv

    rows = [
        {
            "section": "IPv6",
            "subnet": str(network.network_address),
            "mask": network.prefixlen,
            "description": plan.path(i) or plan.title,
            "vlan": plan.node(i).vlan or "",
            "domain": "",
            "vrf": "",
            "customer": "",
        }
        for i, network in _networks(plan)
        if plan.role(i) != "host"
    ]
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def peer_rpsl(plan: Any, out: TextIO, settings: dict[str, str]) -> None:
    text = ""
    for i, network in _networks(plan):
        if i == 0:
            continue
        kids = [plan.role(c) for c in plan.children(i)]
        if kids and all(k == "customer" for k in kids):
            status = f"AGGREGATED-BY-LIR\nassignment-size: {plan.plen[i + 1]}"
        elif plan.depth[i] == 1:
            status = "ALLOCATED-BY-LIR"
        elif plan.role(i) == "customer" and plan.role(plan.parent[i]) != "customer":
            continue  # inside an aggregated pool
        else:
            continue
        text += (
            f"inet6num: {network}\nnetname: {plan.path(i).upper().replace('/', '-')}\n"
            f"status: {status}\nsource: RIPE\n\n"
        )
    out.write(text)


def peer_kea(plan: Any, out: TextIO, settings: dict[str, str]) -> None:
    subnets: list[dict[str, Any]] = []
    for i, network in _networks(plan):
        role = plan.role(i)
        if role == "lan":
            subnets.append(
                {
                    "id": len(subnets) + 1,
                    "subnet": str(network),
                    "pools": [
                        {
                            "pool": f"{network.network_address + 0x1000}-{network.network_address + 0xFFFF}"
                        }
                    ],
                }
            )
        elif plan.end[i] > i + 1 and any(plan.role(c) == "customer" for c in plan.children(i)):
            subnets.append(
                {
                    "id": len(subnets) + 1,
                    "subnet": str(network),
                    "pd-pools": [
                        {
                            "prefix": str(network.network_address),
                            "prefix-len": network.prefixlen,
                            "delegated-len": plan.plen[i + 1],
                        }
                    ],
                }
            )
    json.dump({"Dhcp6": {"subnet6": subnets}}, out, indent=2)


def peer_report(plan: Any, out: TextIO, settings: dict[str, str]) -> None:
    from v6plan._query import usage

    rows = []
    for i, network in _networks(plan):
        use = str(usage(plan, i)) if plan.end[i] > i + 1 else ""
        rows.append(
            f"| `{network}` | {'&nbsp;' * plan.depth[i]}{plan.name[i]} | {plan.role(i)} | "
            f"{plan.status(i)} | {use} |\n"
        )
    out.write("".join(rows))


def peer_html(plan: Any, out: TextIO, settings: dict[str, str]) -> None:
    from html import escape

    from v6plan._query import usage

    page = "<html><body><table>"
    rows = []
    for i, network in _networks(plan):
        use = str(usage(plan, i)) if plan.end[i] > i + 1 else ""
        rows.append(
            f"<tr><td>{network}</td><td>{escape(plan.name[i])}</td><td>{plan.role(i)}</td>"
            f"<td>{plan.status(i)}</td><td>{use}</td></tr>\n"
        )
    page += "".join(rows) + "</table></body></html>"
    out.write(page)


def peer_bind(plan: Any, out: TextIO, settings: dict[str, str]) -> None:
    import ipaddress

    lines = [
        "$TTL 3600\n@ IN SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600\n"
    ]
    for i, network in _networks(plan):
        role = plan.role(i)
        if role == "lan":
            lines.append(
                f"{(network.network_address + 1).reverse_pointer}. IN PTR gw.example.net.\n"
            )
        elif role == "host":
            lines.append(
                f"{network.network_address.reverse_pointer}. IN PTR {plan.name[i]}.example.net.\n"
            )
        elif role == "p2p":
            for side in (2, 3):
                address = ipaddress.IPv6Address(plan.net[i] + side)
                lines.append(f"{address.reverse_pointer}. IN PTR end.example.net.\n")
    out.write("".join(lines))


def _peer_per_router(plan: Any) -> dict[str, list[int]]:
    routers: dict[str, list[int]] = {}
    for i in range(len(plan)):
        if plan.role(i) == "lan":
            routers.setdefault(plan.node(i).router, []).append(i)
    return routers


def peer_radvd(plan: Any, out: TextIO, settings: dict[str, str]) -> None:
    import ipaddress

    for router, lans in _peer_per_router(plan).items():
        text = ""
        for i in lans:
            network = ipaddress.IPv6Network((plan.net[i], plan.plen[i]))
            text += (
                f"interface {plan.name[plan.parent[i]]}.{plan.node(i).vlan}\n{{\n"
                f"\tAdvSendAdvert on;\n\tprefix {network}\n\t{{\n\t\tAdvOnLink on;\n"
                "\t\tAdvAutonomous on;\n\t};\n};\n"
            )
        out.write(f"# {router}\n" + text)


def peer_frr(plan: Any, out: TextIO, settings: dict[str, str]) -> None:
    import ipaddress

    for router, lans in _peer_per_router(plan).items():
        text = f"hostname {router}\n"
        for i in lans:
            network = ipaddress.IPv6Network((plan.net[i], plan.plen[i]))
            text += (
                f"interface {plan.name[plan.parent[i]]}.{plan.node(i).vlan}\n"
                f" ipv6 address {network.network_address + 1}/{network.prefixlen}\n"
                " ipv6 ospf6 area 0.0.0.0\nexit\n"
            )
        out.write(text)


PEERS = {
    "netbox-csv": peer_netbox_csv,
    "netbox-yaml": peer_netbox_yaml,
    "phpipam-csv": peer_phpipam,
    "rpsl": peer_rpsl,
    "kea-dhcp6": peer_kea,
    "markdown": peer_report,
    "html": peer_html,
    "bind": peer_bind,
    "radvd": peer_radvd,
    "frr": peer_frr,
}


# -- driver -------------------------------------------------------------------------------------
def measure(
    spec: Path, fmt: str, impl: str, settings: dict[str, str], tmp: Path
) -> dict[str, float]:
    out_path = tmp / f"{fmt}-{impl}.out"
    args = [PY, str(HERE), "--child", str(spec), fmt, impl, json.dumps(settings), str(out_path)]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{fmt} ({impl}) failed:\n{done.stderr}")
    out_path.unlink(missing_ok=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1/16 of the plan sizes")
    parser.add_argument("--only", default="", help="comma-separated formats")
    parser.add_argument("--no-peers", action="store_true", help="our figures only")
    parser.add_argument(
        "--government", action="store_true", help="also every format on examples/government.yaml"
    )
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec, fmt, impl, settings, out_path = args.child
        run_child(spec, fmt, impl, json.loads(settings), out_path)
        return
    only = {f for f in args.only.split(",") if f}
    with tempfile.TemporaryDirectory(prefix="v6plan-bench-") as tmp_name:
        tmp = Path(tmp_name)
        specs = {
            "customers": tmp / "customers.yaml",
            "lans": tmp / "lans.yaml",
        }
        customers = customers_spec(16) if args.quick else CUSTOMERS
        specs["customers"].write_text(customers)
        specs["lans"].write_text(lans_spec(256, 16) if args.quick else lans_spec())
        print(f"python {sys.version.split()[0]}; each row: a fresh process, export to a file")
        print()
        print(
            "| format | plan (nodes) | v6plan s | v6plan extra MiB | output MB | peer s "
            "| peer extra MiB | time peer ÷ v6plan | memory peer ÷ v6plan |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for fmt, plan_name, settings in CASES:
            if only and fmt not in only:
                continue
            ours = measure(specs[plan_name], fmt, "ours", settings, tmp)
            line = (
                f"| {fmt} | {plan_name} ({int(ours['nodes']):,}) | {ours['seconds']:.2f} | "
                f"{ours['extra_mib']:.1f} | {ours['bytes'] / 1e6:.0f} |"
            )
            if args.no_peers:
                print(line + " | | | |", flush=True)
                continue
            peer = measure(specs[plan_name], fmt, "peer", settings, tmp)
            time_ratio = peer["seconds"] / ours["seconds"] if ours["seconds"] else 0
            # below 1 MiB the kernel's page counts are noise: count ours as 1 MiB ("≥")
            mem_ratio = peer["extra_mib"] / max(ours["extra_mib"], 1.0)
            floor = "≥ " if ours["extra_mib"] < 1.0 and mem_ratio > 1 else ""
            print(
                f"{line} {peer['seconds']:.2f} | {peer['extra_mib']:.1f} | "
                f"{time_ratio:.1f}× | {floor}{mem_ratio:.1f}× |",
                flush=True,
            )
        if args.government:
            spec = HERE.parent.parent / "examples" / "government.yaml"
            print()
            print("| format | government.yaml (nodes) | v6plan s | v6plan extra MiB | output MB |")
            print("|---|---|---:|---:|---:|")
            for fmt in (
                "csv", "json", "yaml", "markdown", "html", "netbox-csv", "netbox-yaml",
                "phpipam-csv", "rpsl", "bind", "kea-dhcp6",
            ):  # fmt: skip
                if only and fmt not in only:
                    continue
                ours = measure(spec, fmt, "ours", {}, tmp)
                print(
                    f"| {fmt} | {int(ours['nodes']):,} | {ours['seconds']:.2f} | "
                    f"{ours['extra_mib']:.1f} | {ours['bytes'] / 1e6:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
