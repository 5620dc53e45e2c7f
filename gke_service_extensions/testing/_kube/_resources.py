"""The kinds the simulator's Kubernetes API server serves, and how to find them.

The three networking.gke.io kinds and the Gateway API / Service coordinates come from
``models/_meta.py``; the extra core kinds only the simulator needs are defined here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...models._meta import (
    GATEWAY,
    GATEWAY_CLASS,
    HTTP_ROUTE,
    ROUTING_EXTENSION,
    SERVICE,
    TRAFFIC_EXTENSION,
    WASM_PLUGIN,
    ResourceInfo,
)

__all__ = [
    "CUSTOM_RESOURCE_DEFINITION",
    "ENDPOINTS",
    "ENDPOINT_SLICE",
    "EVENT",
    "GATEWAY",
    "GATEWAY_CLASS",
    "HTTP_ROUTE",
    "NAMESPACE",
    "ROUTING_EXTENSION",
    "SERVED",
    "SERVICE",
    "TRAFFIC_EXTENSION",
    "WASM_PLUGIN",
    "ServedKind",
    "find_by_kind",
    "find_by_plural",
    "served_kind",
]

NAMESPACE = ResourceInfo("", "v1", "Namespace", "namespaces", namespaced=False)
EVENT = ResourceInfo("", "v1", "Event", "events")
ENDPOINTS = ResourceInfo("", "v1", "Endpoints", "endpoints")
ENDPOINT_SLICE = ResourceInfo("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices")
CUSTOM_RESOURCE_DEFINITION = ResourceInfo("apiextensions.k8s.io", "v1",
                                          "CustomResourceDefinition",
                                          "customresourcedefinitions", namespaced=False)

_ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True, slots=True)
class ServedKind:
    """A served kind: its coordinates plus what discovery says about it."""

    info: ResourceInfo
    short_names: tuple[str, ...] = ()
    has_status: bool = True
    categories: tuple[str, ...] = ()

    @property
    def verbs(self) -> tuple[str, ...]:
        return _ALL_VERBS


SERVED: tuple[ServedKind, ...] = (
    ServedKind(TRAFFIC_EXTENSION, categories=("gke-service-extensions",)),
    ServedKind(ROUTING_EXTENSION, categories=("gke-service-extensions",)),
    ServedKind(WASM_PLUGIN, categories=("gke-service-extensions",)),
    ServedKind(GATEWAY, short_names=("gtw",)),
    ServedKind(GATEWAY_CLASS, short_names=("gc",)),
    ServedKind(HTTP_ROUTE),
    ServedKind(SERVICE, short_names=("svc",), categories=("all",)),
    ServedKind(ENDPOINTS, short_names=("ep",), has_status=False),
    ServedKind(NAMESPACE, short_names=("ns",)),
    ServedKind(EVENT, short_names=("ev",), has_status=False),
    ServedKind(ENDPOINT_SLICE, has_status=False),
    ServedKind(CUSTOM_RESOURCE_DEFINITION, short_names=("crd", "crds"),
               categories=("api-extensions",)),
)

_BY_PLURAL = {(k.info.group, k.info.version, k.info.plural): k for k in SERVED}
_BY_KIND = {(k.info.api_version, k.info.kind): k for k in SERVED}
_BY_INFO = {k.info: k for k in SERVED}


def find_by_plural(group: str, version: str, plural: str) -> ServedKind | None:
    """The served kind at ``/apis/<group>/<version>/.../<plural>``, or None."""
    return _BY_PLURAL.get((group, version, plural))


def find_by_kind(api_version: str, kind: str) -> ServedKind | None:
    """The served kind for an object's ``apiVersion`` and ``kind``, or None."""
    return _BY_KIND.get((api_version, kind))


def served_kind(info: ResourceInfo) -> ServedKind:
    """The discovery record of a served ``ResourceInfo`` (a default one if not listed)."""
    return _BY_INFO.get(info) or ServedKind(info)
