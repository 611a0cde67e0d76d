"""What NetBox and Nautobot share: reading by kind, the id of every object by key, and
applying a diff in dependency order through the bulk endpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar

from ._client import Client, IpamError
from ._diff import ORDER, Change, Held, Kind, Record, Value
from ._objects import PlanObjects

__all__ = ["MARKER_FIELD", "Dialect", "name_of", "text_of"]

#: The custom field every managed object carries: "OWNER PATH" (root prefix, plan path).
MARKER_FIELD = "v6plan_path"
#: Names per filter request (a URL stays well under servers' limits).
_NAMES_PER_REQUEST = 40


def text_of(value: Any) -> str | None:
    """A field's value as text, or None when the server left it empty."""
    return str(value) if value not in (None, "") else None


def name_of(obj: Mapping[str, Any] | None) -> str | None:
    """The name a nested object carries (a brief object: name, or display)."""
    if not obj:
        return None
    return str(obj.get("name") or obj.get("display") or "") or None


class Dialect:
    """One server kind. Subclasses give the endpoints, the payloads and the read-back."""

    product = "IPAM"
    endpoints: ClassVar[dict[Kind, str]] = {}

    def __init__(self, client: Client, version: str) -> None:
        self.client = client
        self.version = version
        self.ids: dict[Kind, dict[str, str]] = {k: {} for k in ORDER}
        self.names: dict[Kind, dict[str, str]] = {k: {} for k in ORDER}  # id -> key
        self.setup: list[str] = []  # what the first apply creates (custom field, …)

    # -- to be given by each server ------------------------------------------------------------
    def desired(self, objects: PlanObjects) -> list[Record]:
        raise NotImplementedError

    def read(self, objects: PlanObjects, desired: list[Record]) -> list[Held]:
        raise NotImplementedError

    def payload(self, change: Change, create: bool) -> dict[str, Any]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Create what the managed objects need (the marker field, …), listed in ``setup``."""

    # -- shared --------------------------------------------------------------------------------
    def remember(self, kind: Kind, key: str, ident: Any) -> None:
        self.ids[kind][key] = str(ident)
        self.names[kind][str(ident)] = key

    def ref(self, kind: Kind, key: Value) -> str | None:
        """The id of a referenced object (made earlier in this run, or read)."""
        if key is None or key == "":
            return None
        try:
            return self.ids[kind][str(key)]
        except KeyError:
            raise IpamError(f"{self.product} has no {kind} {key!r} to refer to") from None

    def key_of(self, kind: Kind, obj: Mapping[str, Any] | None) -> str | None:
        """The key of a nested object by its id, as read."""
        if not obj:
            return None
        return self.names[kind].get(str(obj.get("id")), name_of(obj))

    def by_names(self, path: str, names: Iterable[str], **params: Any) -> Iterator[dict[str, Any]]:
        """The objects of a list endpoint with one of these names, a few names a request."""
        todo = sorted(set(names))
        for start in range(0, len(todo), _NAMES_PER_REQUEST):
            yield from self.client.get_all(
                path, name=todo[start : start + _NAMES_PER_REQUEST], **params
            )

    def apply(self, changes: list[Change], done: Callable[[int], None]) -> None:
        """Creations and updates kind by kind in dependency order, then removals."""
        if any(c.action in ("create", "update", "prune") for c in changes):
            self.prepare()
        for kind in ORDER:
            path = self.endpoints.get(kind, "")  # a kind the server lacks has no changes
            creates = [c for c in changes if c.kind == kind and c.action == "create"]
            if creates:
                body = [self.payload(c, True) for c in creates]
                answer = self.client.bulk("POST", path, body, done)
                for c, obj in zip(creates, answer):
                    self.remember(kind, c.key, obj["id"])
            updates = [c for c in changes if c.kind == kind and c.action == "update"]
            if updates:
                body = [{"id": c.id, **self.payload(c, False)} for c in updates]
                self.client.bulk("PATCH", path, body, done)
        prunes = [c for c in changes if c.action == "prune"]
        for kind in reversed(ORDER):
            batch = [{"id": c.id} for c in prunes if c.kind == kind]
            if batch:
                self.client.bulk("DELETE", self.endpoints.get(kind, ""), batch, done)
