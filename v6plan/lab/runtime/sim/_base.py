"""What every part of a simulated node shares: its state, its sysctl reads, and the
few calls one part makes into a part built on top of it (abstract here)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from ._model import Addr, Iface, Neigh, Radvd, RouteEntry
from ._world import World

__all__ = ["NodeBase"]


class NodeBase(ABC):
    """The node's state; :class:`._stack.Node` stacks the concerns on top of it."""

    world: World
    name: str
    kind: str
    session: str
    conf: dict[str, dict[str, int]]
    secrets: dict[str, int]
    neigh_conf: dict[str, dict[str, int]]
    icmp: dict[str, int]
    ifaces: dict[str, Iface]
    routes: list[RouteEntry]
    neigh: dict[tuple[str, int], Neigh]
    listeners: list[Callable[[bytes, Iface], None]]
    radvd: dict[str, Radvd]
    _route_order: int
    _reachable_ms: float

    def cfg(self, iface: Iface | str, key: str) -> int:
        name = iface if isinstance(iface, str) else iface.name
        return self.conf[name][key]

    def accept_dad(self, iface: Iface) -> int:
        return max(self.conf["all"]["accept_dad"], self.conf[iface.name]["accept_dad"])

    def accept_ra(self, iface: Iface) -> bool:
        conf = self.conf[iface.name]
        return conf["accept_ra"] > 1 if conf["forwarding"] else conf["accept_ra"] > 0

    @property
    def forwarding(self) -> bool:
        return self.conf["all"]["forwarding"] > 0

    def neigh_param(self, dev: str, key: str) -> int:
        return self.neigh_conf.get(dev, self.neigh_conf["default"])[key]

    def _random_reachable(self, base_ms: int) -> float:
        return self.world.uniform(0.5, 1.5) * base_ms / 1000.0

    def is_router(self, iface: Iface) -> bool:
        return self.conf[iface.name]["forwarding"] > 0

    def all_addresses(self) -> list[tuple[Iface, Addr]]:
        return [(i, a) for i in self.ifaces.values() for a in i.addrs]

    # -- calls into the parts above ------------------------------------------------------------
    @abstractmethod
    def send_error(
        self, kind: int, code: int, invoking: bytes, in_iface: Iface, param: int = 0
    ) -> None: ...

    @abstractmethod
    def frame_input(self, iface: Iface, frame: bytes) -> None: ...

    @abstractmethod
    def local_deliver(self, iface: Iface, packet: bytes, frame: bytes | None = None) -> None: ...

    @abstractmethod
    def _start_rs(self, iface: Iface) -> None: ...

    @abstractmethod
    def _icmp_input(self, iface: Iface, packet: bytes, frame: bytes | None) -> None: ...

    @abstractmethod
    def _radvd_kick(self, radvd: Radvd) -> None: ...

    @abstractmethod
    def _radvd_send(self, radvd: Radvd, dst: int) -> None: ...
