"""Where each kind lives in the Kubernetes API, and who GKE's gateway controller is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "CUSTOM_RESOURCE_DEFINITION",
    "DEPLOYMENT",
    "ENDPOINTS",
    "ENDPOINT_SLICE",
    "EVENT",
    "EVENT_SOURCE",
    "GATEWAY",
    "GATEWAY_API_GROUP",
    "GATEWAY_CLASS",
    "GKE_CONTROLLER_NAME",
    "GKE_NETWORKING_GROUP",
    "HTTP_ROUTE",
    "NAMESPACE",
    "POD",
    "REPLICA_SET",
    "ROUTING_EXTENSION",
    "SECRET",
    "SERVICE",
    "SHORT_NAMES",
    "TRAFFIC_EXTENSION",
    "WASM_PLUGIN",
    "ResourceInfo",
    "resource_for_kind",
]


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """Where a kind lives in the Kubernetes API.

    The Kubernetes layer reads this record instead of taking group/version/plural strings.
    """

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        """``group/version``, or just ``version`` for the core group."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def singular(self) -> str:
        return self.kind.lower()


GKE_NETWORKING_GROUP: Final = "networking.gke.io"
GATEWAY_API_GROUP: Final = "gateway.networking.k8s.io"

#: ``controllerName`` of GKE's gateway controller: in GatewayClasses and in the
#: ``status.ancestors[]`` entries it writes (SPEC §4).
GKE_CONTROLLER_NAME: Final = "networking.gke.io/gateway"
#: The ``source.component`` of the Events GKE's gateway controller records (SPEC §4).
EVENT_SOURCE: Final = "sc-gateway-controller"

TRAFFIC_EXTENSION = ResourceInfo(GKE_NETWORKING_GROUP, "v1", "GCPTrafficExtension",
                                 "gcptrafficextensions")
ROUTING_EXTENSION = ResourceInfo(GKE_NETWORKING_GROUP, "v1", "GCPRoutingExtension",
                                 "gcproutingextensions")
WASM_PLUGIN = ResourceInfo(GKE_NETWORKING_GROUP, "v1", "GCPWasmPlugin", "gcpwasmplugins")
GATEWAY = ResourceInfo(GATEWAY_API_GROUP, "v1", "Gateway", "gateways")
GATEWAY_CLASS = ResourceInfo(GATEWAY_API_GROUP, "v1", "GatewayClass", "gatewayclasses",
                             namespaced=False)
HTTP_ROUTE = ResourceInfo(GATEWAY_API_GROUP, "v1", "HTTPRoute", "httproutes")
SERVICE = ResourceInfo("", "v1", "Service", "services")
NAMESPACE = ResourceInfo("", "v1", "Namespace", "namespaces", namespaced=False)
EVENT = ResourceInfo("", "v1", "Event", "events")
ENDPOINTS = ResourceInfo("", "v1", "Endpoints", "endpoints")
ENDPOINT_SLICE = ResourceInfo("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices")
DEPLOYMENT = ResourceInfo("apps", "v1", "Deployment", "deployments")
REPLICA_SET = ResourceInfo("apps", "v1", "ReplicaSet", "replicasets")
POD = ResourceInfo("", "v1", "Pod", "pods")
SECRET = ResourceInfo("", "v1", "Secret", "secrets")
CUSTOM_RESOURCE_DEFINITION = ResourceInfo("apiextensions.k8s.io", "v1",
                                          "CustomResourceDefinition",
                                          "customresourcedefinitions", namespaced=False)

#: kubectl short names of the kinds that have them (the three CRDs define none).
SHORT_NAMES: Final[dict[ResourceInfo, tuple[str, ...]]] = {
    GATEWAY: ("gtw",),
    GATEWAY_CLASS: ("gc",),
    SERVICE: ("svc",),
    ENDPOINTS: ("ep",),
    NAMESPACE: ("ns",),
    EVENT: ("ev",),
    CUSTOM_RESOURCE_DEFINITION: ("crd", "crds"),
    DEPLOYMENT: ("deploy",),
    REPLICA_SET: ("rs",),
    POD: ("po",),
}

_LOOKUP_KINDS = (TRAFFIC_EXTENSION, ROUTING_EXTENSION, WASM_PLUGIN, GATEWAY)


def _lookup_table() -> dict[str, ResourceInfo]:
    table: dict[str, ResourceInfo] = {}
    for info in _LOOKUP_KINDS:
        for name in (info.kind, info.singular, info.plural, *SHORT_NAMES.get(info, ())):
            table[name.lower()] = info
            table[f"{name}.{info.group}".lower()] = info
    return table


_BY_NAME = _lookup_table()


def resource_for_kind(name: str) -> ResourceInfo | None:
    """The kind ``name`` means, kubectl-style, or None.

    Accepts the kind, singular, plural or short name, case-insensitive, optionally qualified
    by the group (``gcptrafficextensions.networking.gke.io``), for GCPTrafficExtension,
    GCPRoutingExtension, GCPWasmPlugin and Gateway.
    """
    return _BY_NAME.get(name.strip().lower()) if isinstance(name, str) else None
