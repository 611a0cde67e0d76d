"""RFC 8981 temporary addresses as Linux makes them (``use_tempaddr``): one per SLAAC
address, a random IID, lifetimes bounded by ``temp_valid_lft`` and ``temp_prefered_lft``
minus a per-interface random desync, refreshed by every RA that refreshes the public
address, and a successor made ``REGEN_ADVANCE`` seconds before one deprecates
(net/ipv6/addrconf.c: manage_tempaddrs, ipv6_create_tempaddr, addrconf_verify_rtnl)."""

from __future__ import annotations

from ...._calc import temporary_iid, temporary_lifetimes
from .. import _wire as w
from ._addrconf import AddrConf
from ._model import INFINITY, Addr, Iface

__all__ = ["TempAddrs"]


class TempAddrs(AddrConf):
    """Temporary addresses — one concern of :class:`._stack.Node`."""

    def regen_advance(self, iface: Iface) -> int:
        """ipv6_get_regen_advance: RFC 8981's REGEN_ADVANCE, 2 s (``regen_min_advance``) +
        TEMP_IDGEN_RETRIES × DupAddrDetectTransmits × RetransTimer, in whole seconds."""
        conf = self.conf[iface.name]
        retrans = max(self.neigh_param(iface.name, "retrans_time_ms"), 10)
        return conf["regen_min_advance"] + (
            conf["regen_max_retry"] * conf["dad_transmits"] * retrans // 1000
        )

    def manage_tempaddrs(
        self, iface: Iface, public: Addr, valid: int, preferred: int, create: bool
    ) -> None:
        """An RA refreshed (or made) ``public``: its temporary addresses take the new
        lifetimes, capped by their own; a new one is made with a new public address, or
        when the interface has none left."""
        conf = self.conf[iface.name]
        now = self.world.now
        for temp in self.temporaries(iface):
            if temp.public is not public:
                continue
            age = int(now - temp.born)
            desync = iface.desync or 0
            # the kernel narrows the RA's lifetimes from one temporary to the next
            valid = min(valid, max(0, conf["temp_valid_lft"] - age))
            preferred = min(preferred, max(0, conf["temp_prefered_lft"] - desync - age))
            temp.valid, temp.preferred, temp.created = valid, preferred, now
            if preferred > 0:
                temp.flags.discard("deprecated")
            self._schedule_lifetimes(iface, temp)
        if not self.temporaries(iface) and (valid or preferred):
            create = True
        if create and conf["use_tempaddr"] > 0:
            self.create_tempaddr(iface, public)

    def temporaries(self, iface: Iface) -> list[Addr]:
        return [a for a in iface.addrs if "temporary" in a.flags]

    def create_tempaddr(self, iface: Iface, public: Addr) -> Addr | None:
        """ipv6_create_tempaddr: the public address's /64 with a random IID, valid and
        preferred no longer than the public's nor the sysctls allow."""
        conf = self.conf[iface.name]
        if conf["use_tempaddr"] <= 0 or public not in iface.addrs:
            return None
        now = self.world.now
        age = int(now - public.created)
        advance = self.regen_advance(iface)
        max_desync = min(conf["max_desync_factor"], conf["temp_prefered_lft"] - advance)
        if iface.desync is None or iface.desync > max_desync:
            iface.desync = self.world.rng.randrange(max_desync) if max_desync > 0 else 0
        valid, preferred = temporary_lifetimes(  # INFINITY is the largest lifetime: min() holds
            public.valid,
            public.preferred,
            conf["temp_valid_lft"] + age,
            conf["temp_prefered_lft"] + age,
            iface.desync,
        )
        if preferred <= advance + age:  # too short to be worth it: clamped, or none
            preferred = advance + age + 1
            if preferred > valid or preferred > public.preferred:
                return None
        prefix = w.network(public.addr, 64)
        addr = prefix | temporary_iid(lambda: self.world.rng.getrandbits(64))
        temp = self.add_address(iface, addr, public.plen, {"temporary"}, valid, preferred)
        temp.created, temp.born, temp.public = public.created, now, public
        self._schedule_lifetimes(iface, temp)
        return temp

    def _schedule_lifetimes(self, iface: Iface, entry: Addr) -> None:
        super()._schedule_lifetimes(iface, entry)
        if "temporary" in entry.flags and entry.preferred != INFINITY:
            when = entry.created + entry.preferred - self.regen_advance(iface)
            self.world.at(max(0.0, when - self.world.now), self._regen_check, iface, entry)

    def _regen_check(self, iface: Iface, temp: Addr) -> None:
        """addrconf_verify: REGEN_ADVANCE before a temporary deprecates, its successor."""
        if temp not in iface.addrs or temp.regenerated or "tentative" in temp.flags:
            return
        age = self.world.now - temp.created
        if age + self.regen_advance(iface) < temp.preferred or temp.public is None:
            return
        temp.regenerated = True
        self.create_tempaddr(iface, temp.public)

    def del_address(self, iface: Iface, entry: Addr) -> None:
        """A public address that goes takes its temporary addresses with it."""
        super().del_address(iface, entry)
        if "temporary" not in entry.flags:
            for temp in self.temporaries(iface):
                if temp.public is entry:
                    super().del_address(iface, temp)
