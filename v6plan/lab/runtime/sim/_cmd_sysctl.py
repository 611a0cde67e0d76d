"""``sysctl``: reading and writing the simulated /proc/sys/net/ipv6 tree."""

from __future__ import annotations

from ...._prefix import format_address, parse_address
from ._cmdbase import Ctx, Fail
from ._stack import CONF_DEFAULTS, NEIGH_DEFAULTS, Node

__all__ = ["cmd_sysctl", "raise_with_output", "sysctl_write"]


# -- sysctl ------------------------------------------------------------------------------------------
_HINT_KEYS = ("stable_secret",)


def _sysctl_keys(node: Node) -> list[str]:
    keys = []
    for scope in ("all", "default", *node.ifaces):
        for key in sorted((*CONF_DEFAULTS, *_HINT_KEYS)):
            keys.append(f"net.ipv6.conf.{scope}.{key}")
    for scope in ("default", *node.ifaces):
        for key in sorted(NEIGH_DEFAULTS):
            keys.append(f"net.ipv6.neigh.{scope}.{key}")
    keys += [f"net.ipv6.icmp.{key}" for key in sorted(node.icmp)]
    return keys


def _sysctl_read(node: Node, key: str) -> str:
    parts = key.split(".")
    if len(parts) == 4 and parts[:3] == ["net", "ipv6", "icmp"] and parts[3] in node.icmp:
        return str(node.icmp[parts[3]])
    if len(parts) == 5 and parts[:3] == ["net", "ipv6", "conf"]:
        scope, name = parts[3], parts[4]
        if scope in node.conf:
            if name == "stable_secret":
                secret = node.secrets.get(scope)
                if secret is None:
                    raise Fail(f'sysctl: reading key "{key}"', 1)
                return format_address(secret)
            if name in node.conf[scope]:
                return str(node.conf[scope][name])
    if len(parts) == 5 and parts[:3] == ["net", "ipv6", "neigh"]:
        scope, name = parts[3], parts[4]
        if scope in node.neigh_conf and name in node.neigh_conf[scope]:
            return str(node.neigh_conf[scope][name])
    raise Fail(
        f"sysctl: cannot stat /proc/sys/{key.replace('.', '/')}: No such file or directory", 1
    )


def sysctl_write(node: Node, key: str, value: str) -> str:
    """Write one sysctl with the kernel's side effects; returns the value as stored."""
    _sysctl_read_or_secret(node, key)
    parts = key.split(".")
    scope, name = (parts[3], parts[4]) if len(parts) == 5 else ("", parts[3])
    value = value.strip()
    if parts[2] == "conf" and name == "stable_secret":
        try:
            secret = parse_address(value)
        except ValueError:
            raise Fail(f'sysctl: setting key "{key}": Invalid argument', 1) from None
        node.set_stable_secret(scope, secret)
        return format_address(secret)
    try:
        number = int(value)
    except ValueError:
        raise Fail(f'sysctl: setting key "{key}": Invalid argument', 1) from None
    if parts[2] == "icmp":
        node.icmp[parts[3]] = number
    elif parts[2] == "conf":
        node.set_conf(scope, name, number)
    else:
        node.neigh_conf[scope][name] = number
    return str(number)


def _sysctl_read_or_secret(node: Node, key: str) -> None:
    try:
        _sysctl_read(node, key)
    except Fail as exc:
        if not key.endswith(".stable_secret") or "cannot stat" in exc.message:
            raise


def cmd_sysctl(ctx: Ctx, args: list[str]) -> int:
    write = False
    values_only = False
    quiet = False
    list_all = False
    items: list[str] = []
    for arg in args:
        if arg.startswith("-") and len(arg) > 1 and "=" not in arg:
            for ch in arg[1:]:
                if ch == "w":
                    write = True
                elif ch == "n":
                    values_only = True
                elif ch == "q":
                    quiet = True
                elif ch in ("a", "A", "X"):
                    list_all = True
                elif ch == "e":
                    continue
                else:
                    raise Fail(f"sysctl: invalid option -- '{ch}'", 2)
        else:
            items.append(arg)
    node = ctx.node
    if list_all and not items:
        items = ["net.ipv6"]
    code = 0
    errors: list[str] = []
    for item in items:
        item = item.replace("/", ".")
        if write or "=" in item:
            key, eq, value = item.partition("=")
            if not eq:
                errors.append(f'sysctl: "{item}" must be of the form name=value')
                code = 1
                continue
            key = key.strip()
            try:
                stored = sysctl_write(node, key, value)
            except Fail as exc:
                errors.append(exc.message)
                code = 1
                continue
            if not quiet:
                ctx.out.add(stored if values_only else f"{key} = {stored}")
            continue
        keys = [k for k in _sysctl_keys(node) if k == item or k.startswith(item + ".")]
        if not keys:
            errors.append(
                f"sysctl: cannot stat /proc/sys/{item.replace('.', '/')}: No such file or directory"
            )
            code = 1
            continue
        for key in keys:
            try:
                value = _sysctl_read(node, key)
            except Fail as exc:
                if len(keys) == 1:
                    errors.append(exc.message)
                    code = 1
                continue
            ctx.out.add(value if values_only else f"{key} = {value}")
    if errors:
        raise_with_output(errors, code)
    return code


def raise_with_output(errors: list[str], code: int) -> None:
    raise Fail("\n".join(errors), code)
