"""Interfaces: sysctls with their side effects, up and down, carrier, router solicitation."""

from __future__ import annotations

from .. import _wire as w
from ._model import ALL_NODES_IFACE, ROUTER_GROUPS, Iface
from ._tempaddr import TempAddrs

__all__ = ["Links"]


class Links(TempAddrs):
    """Interfaces — one concern of :class:`._stack.Node`."""

    def add_iface(self, name: str, mac: str) -> Iface:
        iface = Iface(self, name, len(self.ifaces) + 1, mac)
        self.ifaces[name] = iface
        self.conf[name] = dict(self.conf["default"])
        if name in self.secrets or "default" in self.secrets:
            self.secrets[name] = self.secrets.get("default", 0)
        self.neigh_conf[name] = dict(self.neigh_conf["default"])
        # ipv6_add_dev: the all-nodes groups, and ff02::2 when created forwarding
        iface.join(ALL_NODES_IFACE)
        iface.join(w.ALL_NODES)
        if self.conf[name]["forwarding"] and not iface.loopback:
            iface.join(w.ALL_ROUTERS)
            iface.router_group = True
        return iface

    def set_conf(self, scope: str, key: str, value: int) -> None:
        """Write a sysctl with the kernel's side effects (``all`` reaches every interface
        for forwarding and disable_ipv6)."""
        changed = self.conf[scope].get(key) != value
        self.conf[scope][key] = value
        if scope == "all" and key in ("forwarding", "disable_ipv6"):
            self.conf["default"][key] = value
            for name, iface in self.ifaces.items():
                self.conf[name][key] = value
                if key == "forwarding":
                    self._forwarding_changed(iface)
        elif key == "forwarding" and scope in self.ifaces:
            self._forwarding_changed(self.ifaces[scope])
        if key == "disable_ipv6" and value and scope in self.ifaces:
            self._flush(self.ifaces[scope])
        if key == "addr_gen_mode" and scope in self.ifaces and changed:
            iface = self.ifaces[scope]  # addrconf_init_auto_addrs: a link-local of the new mode
            if iface.running and not iface.loopback and not self.conf[scope]["disable_ipv6"]:
                self._add_link_local(iface)

    def set_stable_secret(self, scope: str, secret: int) -> None:
        """addrconf_sysctl_stable_secret: the secret, and addr_gen_mode 2 where it applies
        (the interface, or every interface for ``default``)."""
        self.secrets[scope] = secret
        names = list(self.ifaces) if scope == "default" else [scope]
        for name in names:
            if scope == "default":
                self.secrets.setdefault(name, secret)
            if name in self.ifaces and not self.ifaces[name].loopback:
                self.conf[name]["addr_gen_mode"] = 2

    def _forwarding_changed(self, iface: Iface) -> None:
        """dev_forward_change: a forwarding interface joins the all-routers groups (radvd
        joins ff02::2 too) and answers the subnet-router anycast of its prefixes."""
        forwarding = bool(self.conf[iface.name]["forwarding"])
        if not iface.loopback and forwarding != iface.router_group:
            for group in ROUTER_GROUPS:
                if forwarding:
                    iface.join(group)
                else:
                    iface.leave(group)
            iface.router_group = forwarding
        for a in iface.addrs:
            if "tentative" in a.flags:
                continue
            if forwarding:
                self._anycast_join(iface, a)
            else:
                self._anycast_leave(iface, a)

    def set_up(self, iface: Iface, up: bool) -> None:
        if iface.up == up:
            return
        iface.up = up
        if up:
            self._link_ready(iface)
            if iface.peer is not None and iface.peer.up:
                iface.peer.node._carrier_on(iface.peer)
        else:
            self._flush(iface)
            if iface.peer is not None:
                iface.peer.node._carrier_off(iface.peer)

    def _carrier_on(self, iface: Iface) -> None:
        if iface.up:
            self._link_ready(iface)

    def _carrier_off(self, iface: Iface) -> None:
        """Carrier lost: addresses stay, routes are flagged linkdown, neighbours go."""
        for key in [k for k in self.neigh if k[0] == iface.name]:
            self._neigh_drop(self.neigh.pop(key))

    def _link_ready(self, iface: Iface) -> None:
        """The link is up with carrier: join all-nodes, make the link-local, start DAD for
        addresses that waited, and (once the link-local is ready) solicit routers."""
        if not iface.running or iface.loopback or self.conf[iface.name]["disable_ipv6"]:
            return
        iface.mroute = True
        if not any(w.is_link_local(a.addr) for a in iface.addrs):
            mode = self.conf[iface.name]["addr_gen_mode"]
            if mode != 1:
                self._add_link_local(iface)
        for a in iface.addrs:
            if "tentative" in a.flags and "dadfailed" not in a.flags and a.timer is None:
                self._dad_start(iface, a)
        for radvd in self.radvd.values():
            if radvd.iface == iface.name:
                self._radvd_kick(radvd)

    def _add_link_local(self, iface: Iface) -> None:
        """addrconf_addr_gen: the link-local of the interface's addr_gen_mode (none for 1;
        nothing when it is there already)."""
        if self.conf[iface.name]["addr_gen_mode"] == 1:
            return
        addr = w.LINK_LOCAL_NET | self._iid(iface, w.LINK_LOCAL_NET)
        if iface.find(addr) is None:
            self.add_address(iface, addr, 64, {"permanent", *self._iid_flags(iface)})

    def _flush(self, iface: Iface) -> None:
        """Admin down: the kernel (keep_addr_on_down=0) drops every address, every route
        through the interface and its neighbours."""
        for a in list(iface.addrs):
            self.del_address(iface, a)
        self.routes = [r for r in self.routes if r.dev != iface.name]
        for key in [k for k in self.neigh if k[0] == iface.name]:
            self._neigh_drop(self.neigh.pop(key))
        iface.mroute = False
        for radvd in self.radvd.values():
            if radvd.iface == iface.name and radvd.timer is not None:
                radvd.timer.cancel()
                radvd.timer = None
        iface.ra_received = False
        iface.managed = iface.other = False
        if iface.rs_timer is not None:
            iface.rs_timer.cancel()
            iface.rs_timer = None
        self.conf[iface.name]["hop_limit"] = self.conf["default"]["hop_limit"]

    def _start_rs(self, iface: Iface) -> None:
        if (
            iface.loopback
            or not self.accept_ra(iface)
            or self.conf[iface.name]["router_solicitations"] == 0
            or iface.ra_received
        ):
            return
        self._send_rs(iface)
        iface.rs_probes = 1
        irt = self.conf[iface.name]["router_solicitation_interval"]
        iface.rs_interval = irt * self.world.uniform(0.9, 1.1)
        iface.rs_timer = self.world.at(iface.rs_interval, self._rs_timer, iface)

    def _send_rs(self, iface: Iface) -> None:
        ll = iface.link_local()
        if ll is None:
            return
        from . import _ndisc

        packet = _ndisc.rs(ll.addr, iface.mac)
        self.link_output(iface, w.ALL_ROUTERS, packet)

    def _rs_timer(self, iface: Iface) -> None:
        iface.rs_timer = None
        if iface.ra_received or not iface.running:
            return
        limit = self.conf[iface.name]["router_solicitations"]
        if limit < 0 or iface.rs_probes < limit:
            iface.rs_probes += 1
            self._send_rs(iface)
            mrt = self.conf[iface.name]["router_solicitation_max_interval"]
            nxt = iface.rs_interval * self.world.uniform(1.9, 2.1)
            if nxt > mrt:
                nxt = mrt * self.world.uniform(0.9, 1.1)
            iface.rs_interval = nxt
            delay = (
                self.conf[iface.name]["router_solicitation_delay"]
                if iface.rs_probes == limit
                else nxt
            )
            iface.rs_timer = self.world.at(delay, self._rs_timer, iface)
