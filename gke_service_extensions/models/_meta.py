"""API coordinates of each modelled kind, kept in one record per model class."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ResourceInfo"]


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


GKE_NETWORKING_GROUP = "networking.gke.io"
GATEWAY_API_GROUP = "gateway.networking.k8s.io"

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
