"""radvd on a router's interface: periodic RAs and answers to RSs."""

from __future__ import annotations

from .. import _wire as w
from .._backend import RouterAdvert
from ._model import Radvd
from ._ndinput import NdInput

__all__ = ["RadvdMixin"]


class RadvdMixin(NdInput):
    """radvd on a router's interface — one concern of :class:`._stack.Node`."""

    def start_radvd(self, ifname: str, advert: RouterAdvert) -> None:
        radvd = Radvd(ifname, advert)
        self.radvd[ifname] = radvd
        iface = self.ifaces[ifname]
        iface.join(w.ALL_ROUTERS)
        self._radvd_kick(radvd)

    def _radvd_kick(self, radvd: Radvd) -> None:
        """Send the first RA as soon as the interface has a usable link-local."""
        iface = self.ifaces[radvd.iface]
        if radvd.timer is not None or not iface.running or iface.link_local() is None:
            return
        radvd.initial_left = 3
        self._radvd_periodic(radvd)

    def _radvd_periodic(self, radvd: Radvd) -> None:
        radvd.timer = None
        iface = self.ifaces[radvd.iface]
        if self.radvd.get(radvd.iface) is not radvd or not iface.running:
            return
        self._radvd_send(radvd, w.ALL_NODES)
        advert = radvd.advert
        nxt = self.world.uniform(advert.min_interval, float(advert.interval))
        if radvd.initial_left > 0:
            radvd.initial_left -= 1
            nxt = min(nxt, 16.0)
        radvd.timer = self.world.at(nxt, self._radvd_periodic, radvd)

    def _radvd_send(self, radvd: Radvd, dst: int) -> None:
        iface = self.ifaces[radvd.iface]
        ll = iface.link_local()
        if ll is None or not iface.running:
            return
        if radvd.advert.mtu and not w.MIN_MTU <= radvd.advert.mtu <= iface.mtu:
            return  # radvd: "AdvLinkMTU must be zero or between 1280 and the link MTU"
        from . import _ndisc

        packet = _ndisc.ra(ll.addr, dst, radvd.advert, iface.mac)
        self.link_output(iface, dst, packet, loop=True)
