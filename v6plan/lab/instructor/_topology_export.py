"""A topology (or a lab) with its addressing, as a containerlab or a Kathará lab.

Both exports start from the same :class:`~._backend.TopologySpec` the ``sim`` and
``netns`` backends build: nodes with their sysctls and router advertisements, links, and
the ``ip`` commands that give each node its planned addresses and routes (or, for a lab,
what the lab configures at start, or its reference solution).

containerlab (``NAME.clab.yml``): every node is ``kind: linux``; routers run FRR
(``quay.io/frrouting/frr``) with their addresses, static routes and RAs in ``frr.conf``,
or plain Linux with ``exec`` commands (``--routers linux``). containerlab keeps ``eth0``
for management, so topology interface ``ethN`` is ``eth(N+1)`` there.

Kathará (``lab.conf`` + ``NODE.startup``): devices on collision domains, IPv6 on, FRR
routers from ``kathara/frr`` with ``NODE/etc/frr/``. Kathará numbers interfaces from 0
without gaps, so a node's interfaces are renumbered in order when needed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import LabError
from ..model._yaml import is_file

if TYPE_CHECKING:
    from ..runtime._backend import RouterAdvert, TopologySpec

__all__ = ["FORMATS", "containerlab_files", "export", "kathara_files", "load_spec_for"]

FORMATS = ("containerlab", "kathara")
CLAB_FRR_IMAGE = "quay.io/frrouting/frr:10.3.1"
CLAB_HOST_IMAGE = "ghcr.io/hellt/network-multitool"
KATHARA_FRR_IMAGE = "kathara/frr"
KATHARA_HOST_IMAGE = "kathara/base"
_ETH = re.compile(r"^eth(\d+)$")
_NATURAL = re.compile(r"(\d+)")


def _natural(text: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in _NATURAL.split(text)]


# -- what to export -----------------------------------------------------------------------------
@dataclass
class Source:
    name: str
    file: str
    spec: TopologySpec
    state: str
    prefix: str
    notes: list[str] = field(default_factory=list)


def load_spec_for(target: str, variant: str | None = None, state: str | None = None) -> Source:
    """The TopologySpec of a topology (name or file) or of a lab, in the asked state."""
    from ..model._labfile import (
        Variant,
        find_lab,
        load_lab,
        load_variant,
        topology_dirs,
        topology_names,
    )
    from ..model._topology import load_plan_for, load_topology, resolve

    chosen = load_variant(variant) if variant else Variant()
    path = Path(target)
    topo_file: Path | None = None
    if is_file(path) and path.suffix in (".yaml", ".yml") and path.name != "lab.yaml":
        topo_file = path
    else:
        for base in topology_dirs():
            for candidate in (base / target, base / f"{target}.yaml"):
                if is_file(candidate) and not candidate.name.endswith(".plan.yaml"):
                    topo_file = candidate
                    break
            if topo_file:
                break
    if topo_file is not None:
        if state in ("start", "solved"):
            raise LabError(
                f"--state {state} needs a lab; {target} is a topology (its state is 'planned')"
            )
        topology = load_topology(topo_file)
        if topology.plan_file is None:
            raise LabError(f"the topology {topo_file} names no plan: nothing to address it with")
        plan = load_plan_for(topology.plan_file, chosen.prefix)
        addressing = resolve(topology, plan, str(topology.plan_file))
        return Source(
            topology.name,
            str(topo_file),
            addressing.spec(None),
            "planned",
            str(plan.prefix),
        )
    try:
        lab_dir = find_lab(target)
    except LabError:
        raise LabError(
            f"no topology or lab named {target!r} (topologies: {', '.join(topology_names())}; labs: see "
            "`v6lab list`)"
        ) from None
    lab = load_lab(lab_dir)
    run = lab.instantiate(chosen)
    state = state or "start"
    if state == "planned":
        spec = run.addressing.spec(None)
    else:
        spec = run.topology_spec()
        if state == "solved":
            extra = dict(spec.setup)
            for node, argv in run.commands(lab.solution):
                extra[node] = (*extra.get(node, ()), tuple(argv))
            spec = replace(spec, setup=extra)
    return Source(lab.name, lab.file, spec, state, str(run.addressing.plan.prefix))


# -- interface names and commands ---------------------------------------------------------------------
def interface_map(spec: TopologySpec, fmt: str) -> dict[str, dict[str, str]]:
    """Per node: topology interface → the target's name (identity where nothing changes)."""
    from ..runtime._backend import linked_interfaces

    names: dict[str, list[str]] = {n.name: [] for n in spec.nodes}
    for node, iface in linked_interfaces(spec):
        if iface not in names[node]:
            names[node].append(iface)
    out: dict[str, dict[str, str]] = {}
    for node, ifaces in names.items():
        ordered = sorted(ifaces, key=_natural)
        mapping: dict[str, str] = {}
        if fmt == "kathara":
            mapping = {iface: f"eth{i}" for i, iface in enumerate(ordered)}
        else:
            used = {f"eth{int(m.group(1)) + 1}" for i in ordered if (m := _ETH.match(i))}
            spare = 1
            for iface in ordered:
                match = _ETH.match(iface)
                if match:
                    mapping[iface] = f"eth{int(match.group(1)) + 1}"
                elif iface in used:  # a non-ethN name that collides: give it a free ethN
                    while f"eth{spare}" in used:
                        spare += 1
                    mapping[iface] = f"eth{spare}"
                    used.add(mapping[iface])
                else:
                    mapping[iface] = iface
        out[node] = mapping
    return out


def rename(text: str, mapping: dict[str, str]) -> str:
    """Interface names inside a command word (``dev eth0``, ``net.ipv6.conf.eth0.x``),
    replaced in one pass so eth0→eth1 and eth1→eth2 never chain."""
    changed = {k: v for k, v in mapping.items() if k != v}
    if not changed:
        return text
    pattern = re.compile(
        r"(?<![A-Za-z0-9])("
        + "|".join(re.escape(k) for k in sorted(changed, key=len, reverse=True))
        + r")(?![A-Za-z0-9])"
    )
    return pattern.sub(lambda m: changed[m.group(1)], text)


@dataclass
class NodeConfig:
    """What one node gets, in the target's interface names."""

    name: str
    kind: str
    interfaces: list[str]
    sysctls: list[tuple[str, str]]
    commands: list[list[str]]
    advertise: dict[str, RouterAdvert]
    frr_addresses: dict[str, list[str]] = field(default_factory=dict)
    frr_routes: list[tuple[str, str, str]] = field(default_factory=list)


def node_configs(
    spec: TopologySpec, fmt: str, frr: bool
) -> tuple[list[NodeConfig], dict[str, dict[str, str]]]:
    from ..runtime._backend import node_sysctls, router_advert

    maps = interface_map(spec, fmt)
    out: list[NodeConfig] = []
    for node in spec.nodes:
        mapping = maps[node.name]
        ifaces = sorted(mapping.values(), key=_natural)
        sysctls: list[tuple[str, str]] = []
        for key, value in node_sysctls(node).items():
            sysctls.append((rename(key, mapping), str(value)))
            parts = key.split(".")
            # a `default` setting reaches interfaces made later; containers have theirs
            # already when exec/startup runs, so set it on each of them too
            if len(parts) == 5 and parts[:3] == ["net", "ipv6", "conf"] and parts[3] == "default":
                sysctls.extend((f"net.ipv6.conf.{i}.{parts[4]}", str(value)) for i in ifaces)
        adverts = {mapping.get(i, i): router_advert(o) for i, o in node.advertise.items()}
        config = NodeConfig(node.name, node.kind, ifaces, sysctls, [], adverts)
        for argv in spec.setup.get(node.name, ()):
            words = [rename(w, mapping) for w in argv]
            if frr and node.kind == "router" and _frr_take(config, words):
                continue
            config.commands.append(words)
        out.append(config)
    return out, maps


def _frr_take(config: NodeConfig, words: list[str]) -> bool:
    """Move ``ip -6 addr add A dev I`` / ``ip -6 route add P via N [dev D]`` into frr.conf."""
    if words[:4] == ["ip", "-6", "addr", "add"] and len(words) == 7 and words[5] == "dev":
        config.frr_addresses.setdefault(words[6], []).append(words[4])
        return True
    if words[:4] == ["ip", "-6", "route", "add"] and len(words) in (7, 9) and words[5] == "via":
        dst = "::/0" if words[4] == "default" else words[4]
        dev = words[8] if len(words) == 9 and words[7] == "dev" else ""
        if len(words) == 9 and words[7] != "dev":
            return False
        config.frr_routes.append((dst, words[6], dev))
        return True
    return False


def frr_conf(config: NodeConfig) -> str:
    """frr.conf for a router: addresses, static routes and RAs (zebra + staticd)."""
    from ..._prefix import format_prefix

    out = [
        "! written by `v6lab export` (v6plan)",
        "frr defaults traditional",
        f"hostname {config.name}",
        "ipv6 forwarding",
        "!",
    ]
    for iface in sorted(set(config.frr_addresses) | set(config.advertise), key=_natural):
        out.append(f"interface {iface}")
        out.extend(f" ipv6 address {a}" for a in config.frr_addresses.get(iface, []))
        advert = config.advertise.get(iface)
        if advert is not None:
            out.append(" no ipv6 nd suppress-ra")
            out.append(f" ipv6 nd ra-interval {advert.interval}")
            out.append(f" ipv6 nd ra-lifetime {advert.lifetime}")
            if advert.managed:
                out.append(" ipv6 nd managed-config-flag")
            if advert.other:
                out.append(" ipv6 nd other-config-flag")
            if advert.preference != "medium":
                out.append(f" ipv6 nd router-preference {advert.preference}")
            if advert.mtu:
                out.append(f" ipv6 nd mtu {advert.mtu}")
            if advert.reachable:
                out.append(f" ipv6 nd reachable-time {advert.reachable}")
            for net, length in advert.prefixes:
                valid = "infinite" if advert.valid == 0xFFFFFFFF else str(advert.valid)
                preferred = "infinite" if advert.preferred == 0xFFFFFFFF else str(advert.preferred)
                flags = ("" if advert.onlink else " off-link") + (
                    "" if advert.autonomous else " no-autoconfig"
                )
                out.append(
                    f" ipv6 nd prefix {format_prefix(net, length)} {valid} {preferred}{flags}"
                )
        out.append("exit")
        out.append("!")
    for dst, via, dev in config.frr_routes:
        out.append(f"ipv6 route {dst} {via}" + (f" {dev}" if dev else ""))
    out.append("!")
    return "\n".join(out) + "\n"


FRR_DAEMONS = """\
# written by `v6lab export` (v6plan): zebra (addresses, RAs) and staticd (static routes)
zebra=yes
staticd=yes
bgpd=no
ospfd=no
ospf6d=no
ripd=no
ripngd=no
isisd=no
pimd=no
ldpd=no
nhrpd=no
eigrpd=no
babeld=no
sharpd=no
pbrd=no
bfdd=no
fabricd=no
vrrpd=no
pathd=no
vtysh_enable=yes
zebra_options="  -A 127.0.0.1 -s 90000000"
staticd_options="-A 127.0.0.1"
"""


def _shell(config: NodeConfig, frr: bool, radvd_path: str) -> list[str]:
    """The node's shell commands, in order: sysctls, links up, addresses and routes, radvd."""
    lines = [f"sysctl -w {k}={v}" for k, v in config.sysctls]
    lines += [f"ip link set dev {i} up" for i in config.interfaces]
    lines += [shlex.join(words) for words in config.commands]
    if config.advertise and not (frr and config.kind == "router"):
        lines.append(f"radvd -C {radvd_path} -p /run/radvd.pid")
    return lines


def _radvd(config: NodeConfig) -> str:
    from ..runtime._backend import radvd_text

    return radvd_text(config.advertise, "`v6lab export` (v6plan)")


# -- containerlab --------------------------------------------------------------------------------------
def containerlab_files(
    source: Source,
    routers: str = "frr",
    router_image: str | None = None,
    host_image: str | None = None,
) -> dict[str, str]:
    """Relative path → text: ``NAME.clab.yml`` and, for FRR routers, their config files."""
    import yaml

    frr = routers == "frr"
    spec = source.spec
    configs, maps = node_configs(spec, "containerlab", frr)
    files: dict[str, str] = {}
    nodes: dict[str, Any] = {}
    for config in configs:
        is_frr = frr and config.kind == "router"
        node: dict[str, Any] = {
            "kind": "linux",
            "image": (router_image or (CLAB_FRR_IMAGE if frr else CLAB_HOST_IMAGE))
            if config.kind == "router"
            else (host_image or CLAB_HOST_IMAGE),
            "group": config.kind,
        }
        binds: list[str] = []
        if is_frr:
            files[f"{config.name}/frr.conf"] = frr_conf(config)
            files[f"{config.name}/daemons"] = FRR_DAEMONS
            binds += [
                f"{config.name}/frr.conf:/etc/frr/frr.conf",
                f"{config.name}/daemons:/etc/frr/daemons",
            ]
        if config.advertise and not is_frr:
            files[f"{config.name}/radvd.conf"] = _radvd(config)
            binds.append(f"{config.name}/radvd.conf:/etc/radvd.conf")
        if binds:
            node["binds"] = binds
        # the management network (eth0) may give a default route: the lab's routing decides
        commands = ["ip -6 route del default dev eth0"] + [
            _replace_route(c) for c in _shell(config, frr, "/etc/radvd.conf")
        ]
        node["exec"] = commands
        labels = {"v6plan.role": config.kind}
        node["labels"] = labels
        nodes[config.name] = node
    links = []
    for link in spec.links:
        a = f"{link.a[0]}:{maps[link.a[0]][link.a[1]]}"
        b = f"{link.b[0]}:{maps[link.b[0]][link.b[1]]}"
        links.append({"endpoints": [a, b]})
    bridges = []
    for seg in spec.segments:  # a host bridge (kind bridge), each member a veth into it
        bridge = f"br-{seg.name}"
        bridges.append(bridge)
        nodes[bridge] = {"kind": "bridge"}
        for i, (node_name, iface) in enumerate(seg.members):
            links.append(
                {"endpoints": [f"{node_name}:{maps[node_name][iface]}", f"{bridge}:{seg.name}-{i}"]}
            )
    doc = {"name": _clab_name(source.name), "topology": {"nodes": nodes, "links": links}}
    renamed = [
        f"{node} {old}→{new}" for node, m in maps.items() for old, new in m.items() if old != new
    ]
    header = [
        "# yaml-language-server: $schema=https://containerlab.dev/clab.schema.json",
        f"# {source.name} — written by `v6lab export` (v6plan) from {_origin(source)}",
        f"# plan {source.prefix}; state: {source.state}; routers: {'FRR' if frr else 'linux'}",
        "# containerlab keeps eth0 for management: topology interface ethN is eth(N+1) here.",
    ]
    if renamed:
        header.append("# interfaces: " + ", ".join(renamed))
    for bridge in bridges:  # containerlab joins a host bridge, it does not make one
        header.append(
            f"# first: sudo ip link add {bridge} type bridge stp_state 0 forward_delay 0 "
            f"mcast_snooping 0 && sudo ip link set {bridge} up  (as v6lab's segments)"
        )
    header.append("# deploy: sudo containerlab deploy -t " + f"{_clab_name(source.name)}.clab.yml")
    body = yaml.safe_dump(
        doc, sort_keys=False, default_flow_style=False, width=100, allow_unicode=True
    )
    files[f"{_clab_name(source.name)}.clab.yml"] = "\n".join(header) + "\n" + body
    return files


def _origin(source: Source) -> str:
    path = Path(source.file)
    return f"{path.parent.name}/{path.name}" if path.name == "lab.yaml" else path.name


def _replace_route(line: str) -> str:
    """``ip -6 route add`` as ``replace``: it works whatever route containerlab left."""
    return re.sub(r"^ip -6 route add ", "ip -6 route replace ", line)


def _clab_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "v6lab"


# -- Kathará ---------------------------------------------------------------------------------------------
def kathara_files(
    source: Source,
    routers: str = "frr",
    router_image: str | None = None,
    host_image: str | None = None,
) -> dict[str, str]:
    """Relative path → text: ``lab.conf``, one ``NODE.startup`` per device, FRR files."""
    frr = routers == "frr"
    spec = source.spec
    configs, maps = node_configs(spec, "kathara", frr)
    device = {c.name: re.sub(r"[^a-z0-9_]", "_", c.name) for c in configs}
    domains: dict[int, str] = {}
    used: set[str] = set()
    for i, link in enumerate(spec.links):
        base = re.sub(r"\W", "_", f"{link.a[0]}_{link.a[1]}_{link.b[0]}_{link.b[1]}")
        name = base
        while name in used:
            name = f"{base}_{i}"
        used.add(name)
        domains[i] = name
    attach: dict[str, dict[int, str]] = {c.name: {} for c in configs}
    for i, link in enumerate(spec.links):
        for node, iface in (link.a, link.b):
            number = int(maps[node][iface][3:])
            attach[node][number] = domains[i]
    for seg in spec.segments:  # a shared segment is one collision domain with every member
        name = "segment_" + re.sub(r"\W", "_", seg.name)
        while name in used:
            name += "_"
        used.add(name)
        for node, iface in seg.members:
            attach[node][int(maps[node][iface][3:])] = name
    lines = [
        f'LAB_DESCRIPTION="{source.name}: written by v6lab export (v6plan), plan {source.prefix}, state {source.state}"',
        'LAB_VERSION="1.0"',
        'LAB_AUTHOR="v6lab export"',
        "",
    ]
    files: dict[str, str] = {}
    for config in configs:
        dev = device[config.name]
        is_frr = frr and config.kind == "router"
        for number in sorted(attach[config.name]):
            lines.append(f'{dev}[{number}]="{attach[config.name][number]}"')
        image = (
            (router_image or (KATHARA_FRR_IMAGE if frr else KATHARA_HOST_IMAGE))
            if config.kind == "router"
            else (host_image or KATHARA_HOST_IMAGE)
        )
        lines.append(f'{dev}[image]="{image}"')
        lines.append(f'{dev}[ipv6]="true"')
        lines.append("")
        startup = [f"# {config.name} ({config.kind}) — written by `v6lab export` (v6plan)"]
        renamed = [f"{old}→{new}" for old, new in maps[config.name].items() if old != new]
        if renamed:
            startup.append("# interfaces renumbered for Kathará: " + ", ".join(renamed))
        startup += _shell(config, frr, "/etc/radvd.conf")
        if is_frr:
            files[f"{dev}/etc/frr/frr.conf"] = frr_conf(config)
            files[f"{dev}/etc/frr/daemons"] = FRR_DAEMONS
            startup.append("systemctl start frr")
        elif config.advertise:
            files[f"{dev}/etc/radvd.conf"] = _radvd(config)
        files[f"{dev}.startup"] = "\n".join(startup) + "\n"
    files["lab.conf"] = "\n".join(lines).rstrip("\n") + "\n"
    return files


# -- writing ---------------------------------------------------------------------------------------------
def export(
    target: str,
    fmt: str,
    out: Path | None = None,
    variant: str | None = None,
    state: str | None = None,
    routers: str = "frr",
    router_image: str | None = None,
    host_image: str | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Write the export into ``out`` (default ``NAME-FORMAT``) all at once."""
    if fmt not in FORMATS:
        raise LabError(f"unknown format {fmt!r}; use containerlab or kathara")
    source = load_spec_for(target, variant, state)
    make: Callable[..., dict[str, str]] = (
        containerlab_files if fmt == "containerlab" else kathara_files
    )
    files = make(source, routers, router_image, host_image)
    out = out or Path(f"{source.name}-{fmt}")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not force)):
        raise LabError(f"{out} exists and is not empty; add --force, or choose another -o")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for relative, text in files.items():
            path = tmp / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o755)
        if out.exists():
            for relative in files:
                target_path = out / relative
                target_path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp / relative, target_path)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    main = f"{_clab_name(source.name)}.clab.yml" if fmt == "containerlab" else "lab.conf"
    run = (
        f"sudo containerlab deploy -t {out / main}"
        if fmt == "containerlab"
        else f"kathara lstart -d {out}"
    )
    return {
        "format": fmt,
        "source": source.name,
        "state": source.state,
        "plan": source.prefix,
        "path": str(out / main),
        "files": sorted(files),
        "nodes": len(source.spec.nodes),
        "links": len(source.spec.links),
        "run": run,
        "notes": source.notes,
    }
