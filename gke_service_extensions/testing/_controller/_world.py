"""A snapshot of the Kubernetes objects the controller reads, as plain wire-form dicts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ROUTING",
    "TRAFFIC",
    "WASM",
    "ObjectKey",
    "World",
    "creation_order",
]

TRAFFIC = "GCPTrafficExtension"
ROUTING = "GCPRoutingExtension"
WASM = "GCPWasmPlugin"
_GKE_KINDS = (TRAFFIC, ROUTING, WASM)

Obj = dict[str, Any]
NsName = tuple[str, str]


@dataclass(frozen=True, slots=True, order=True)
class ObjectKey:
    """``kind namespace/name`` of an extension or plugin."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"

    @property
    def path(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    @classmethod
    def of(cls, obj: Mapping[str, Any]) -> ObjectKey:
        """The key of a wire-form object."""
        meta = obj.get("metadata") or {}
        return cls(str(obj.get("kind", "")), str(meta.get("namespace") or "default"),
                   str(meta.get("name", "")))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _ns_name(obj: Mapping[str, Any]) -> NsName:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or "default"), str(meta.get("name", ""))


def creation_order(obj: Mapping[str, Any]) -> tuple[str, str, str]:
    """Sort key: oldest first (creationTimestamp), then namespace/name for ties."""
    meta = obj.get("metadata") or {}
    ns, name = _ns_name(obj)
    return str(meta.get("creationTimestamp") or ""), ns, name


@dataclass(slots=True)
class World:
    """Every object that matters to the controller, indexed for lookups.

    Objects being deleted (``metadata.deletionTimestamp`` set) are left out: GKE stops
    programming them at once.
    """

    gateways: dict[NsName, Obj] = field(default_factory=dict)
    gateway_classes: dict[str, Obj] = field(default_factory=dict)
    services: dict[NsName, Obj] = field(default_factory=dict)
    endpoints: dict[NsName, Obj] = field(default_factory=dict)
    endpoint_slices: list[Obj] = field(default_factory=list)
    http_routes: list[Obj] = field(default_factory=list)
    extensions: dict[ObjectKey, Obj] = field(default_factory=dict)

    @classmethod
    def from_objects(cls, objects: Iterable[Mapping[str, Any]]) -> World:
        """Sort wire-form objects into a world by their ``kind``; other kinds are ignored."""
        world = cls()
        for raw in objects:
            obj = dict(raw)
            if (obj.get("metadata") or {}).get("deletionTimestamp"):
                continue
            kind = obj.get("kind")
            if kind == "Gateway":
                world.gateways[_ns_name(obj)] = obj
            elif kind == "GatewayClass":
                world.gateway_classes[_ns_name(obj)[1]] = obj
            elif kind == "Service":
                world.services[_ns_name(obj)] = obj
            elif kind == "Endpoints":
                world.endpoints[_ns_name(obj)] = obj
            elif kind == "EndpointSlice":
                world.endpoint_slices.append(obj)
            elif kind == "HTTPRoute":
                world.http_routes.append(obj)
            elif kind in _GKE_KINDS:
                world.extensions[ObjectKey.of(obj)] = obj
        return world

    def of_kind(self, kind: str) -> list[tuple[ObjectKey, Obj]]:
        """Extensions or plugins of one kind, sorted by key."""
        return sorted(((k, o) for k, o in self.extensions.items() if k.kind == kind),
                      key=lambda item: item[0])

    def ready_endpoints(self, namespace: str, service: str) -> int:
        """How many ready endpoints back a Service (Endpoints and EndpointSlices both count)."""
        count = 0
        ep = self.endpoints.get((namespace, service))
        if ep is not None:
            for subset in _items(ep.get("subsets")):
                count += len(_items(_dict(subset).get("addresses")))
        for eps in self.endpoint_slices:
            meta = _dict(eps.get("metadata"))
            if (meta.get("namespace") or "default") != namespace:
                continue
            if _dict(meta.get("labels")).get("kubernetes.io/service-name") != service:
                continue
            for endpoint in _items(eps.get("endpoints")):
                ready = _dict(_dict(endpoint).get("conditions")).get("ready")
                if isinstance(endpoint, dict) and ready is not False:
                    count += 1
        return count

    def routes_of(self, namespace: str, gateway: str) -> list[Obj]:
        """HTTPRoutes with a parentRef naming the Gateway ``namespace/gateway``."""
        found = []
        for route in self.http_routes:
            route_ns = _dict(route.get("metadata")).get("namespace") or "default"
            for parent in _items(_dict(route.get("spec")).get("parentRefs")):
                if not isinstance(parent, dict) or parent.get("kind", "Gateway") != "Gateway":
                    continue
                if (parent.get("name") == gateway
                        and (parent.get("namespace") or route_ns) == namespace):
                    found.append(route)
                    break
        return found
