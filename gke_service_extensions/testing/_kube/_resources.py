"""The kinds the simulator's Kubernetes API server serves, and how to find them.

Every coordinate (and kubectl short name) comes from ``gke_service_extensions._gke``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..._gke import (
    CUSTOM_RESOURCE_DEFINITION,
    ENDPOINT_SLICE,
    ENDPOINTS,
    EVENT,
    GATEWAY,
    GATEWAY_CLASS,
    HTTP_ROUTE,
    NAMESPACE,
    ROUTING_EXTENSION,
    SERVICE,
    SHORT_NAMES,
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

from ..._gke import DEPLOYMENT, POD, REPLICA_SET, SECRET
from ._auth import REVIEWS

_ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True, slots=True)
class ServedKind:
    """A served kind: its coordinates plus what discovery says about it."""

    info: ResourceInfo
    short_names: tuple[str, ...] = ()
    has_status: bool = True
    categories: tuple[str, ...] = ()

    create_only: bool = False
    #: served with a ``/scale`` subresource (``autoscaling/v1`` Scale; ``_scale``)
    has_scale: bool = False

    @property
    def verbs(self) -> tuple[str, ...]:
        return ("create",) if self.create_only else _ALL_VERBS


SERVED: tuple[ServedKind, ...] = (
    ServedKind(TRAFFIC_EXTENSION, categories=("gke-service-extensions",)),
    ServedKind(ROUTING_EXTENSION, categories=("gke-service-extensions",)),
    ServedKind(WASM_PLUGIN, categories=("gke-service-extensions",)),
    ServedKind(GATEWAY, short_names=SHORT_NAMES[GATEWAY]),
    ServedKind(GATEWAY_CLASS, short_names=SHORT_NAMES[GATEWAY_CLASS]),
    ServedKind(HTTP_ROUTE),
    ServedKind(SERVICE, short_names=SHORT_NAMES[SERVICE], categories=("all",)),
    ServedKind(ENDPOINTS, short_names=SHORT_NAMES[ENDPOINTS], has_status=False),
    ServedKind(NAMESPACE, short_names=SHORT_NAMES[NAMESPACE]),
    ServedKind(EVENT, short_names=SHORT_NAMES[EVENT], has_status=False),
    ServedKind(ENDPOINT_SLICE, has_status=False),
    ServedKind(CUSTOM_RESOURCE_DEFINITION, short_names=SHORT_NAMES[CUSTOM_RESOURCE_DEFINITION],
               categories=("api-extensions",)),
)

# Served for kubectl and the guide's callout app (``_workloads``, ``_auth``).
SERVED += (
    ServedKind(DEPLOYMENT, short_names=SHORT_NAMES[DEPLOYMENT], categories=("all",),
               has_scale=True),
    ServedKind(REPLICA_SET, short_names=SHORT_NAMES[REPLICA_SET], categories=("all",),
               has_scale=True),
    ServedKind(POD, short_names=SHORT_NAMES[POD], categories=("all",)),
    ServedKind(SECRET, has_status=False),
    *(ServedKind(review, has_status=False, create_only=True) for review in REVIEWS),
    # Stored and served, nothing more: kubectl's default ``apply --prune`` allowlist needs
    # every one of them to be known.
    ServedKind(ResourceInfo("", "v1", "ConfigMap", "configmaps"), ("cm",), False),
    ServedKind(ResourceInfo("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims"),
               ("pvc",)),
    ServedKind(ResourceInfo("", "v1", "PersistentVolume", "persistentvolumes",
                            namespaced=False), ("pv",)),
    ServedKind(ResourceInfo("", "v1", "ReplicationController", "replicationcontrollers"),
               ("rc",)),
    ServedKind(ResourceInfo("batch", "v1", "Job", "jobs")),
    ServedKind(ResourceInfo("batch", "v1", "CronJob", "cronjobs"), ("cj",)),
    ServedKind(ResourceInfo("networking.k8s.io", "v1", "Ingress", "ingresses"), ("ing",)),
    ServedKind(ResourceInfo("apps", "v1", "DaemonSet", "daemonsets"), ("ds",)),
    ServedKind(ResourceInfo("apps", "v1", "StatefulSet", "statefulsets"), ("sts",)),
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
