"""Read-side models of the objects extensions attach to: Gateway, HTTPRoute, Service.

These are lenient views: the SDK reads a few fields and preserves the rest unchanged.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .._gke import ANNOTATION_PREFIX, split_annotation
from ._base import KubeModel, WireModel
from ._common import ObjectMeta
from ._meta import GATEWAY, HTTP_ROUTE, SERVICE

__all__ = [
    "Gateway",
    "GatewayAddress",
    "GatewaySpec",
    "GatewayStatus",
    "HTTPRoute",
    "Service",
    "ServicePort",
    "ServiceSpec",
]


class GatewaySpec(WireModel):
    """The part of a Gateway's spec the SDK reads."""

    gateway_class_name: str
    listeners: list[dict[str, Any]] = Field(default_factory=list)


class GatewayAddress(WireModel):
    """One address of a Gateway (``status.addresses[]``)."""

    type: str | None = None
    value: str


class GatewayStatus(WireModel):
    """The part of a Gateway's status the SDK reads."""

    addresses: list[GatewayAddress] = Field(default_factory=list)
    conditions: list[dict[str, Any]] = Field(default_factory=list)


class Gateway(KubeModel):
    """A Gateway API Gateway (``gateway.networking.k8s.io/v1``)."""

    __resource__ = GATEWAY

    api_version: str = Field(alias="apiVersion")
    kind: str
    metadata: ObjectMeta
    spec: GatewaySpec
    status: GatewayStatus | None = None

    @property
    def address(self) -> str | None:
        """The Gateway's address (``status.addresses[0].value``), once assigned."""
        if self.status and self.status.addresses:
            return self.status.addresses[0].value
        return None

    def gke_annotation(self, name: str) -> list[str]:
        """The resource paths in annotation ``networking.gke.io/<name>`` (empty if absent).

        Values are comma or comma-space separated and may be empty (SPEC §5); items are
        returned as written (``gke_service_extensions._gke.parse_annotation`` parses them).
        """
        raw = (self.metadata.annotations or {}).get(ANNOTATION_PREFIX + name, "")
        return list(split_annotation(raw))


class HTTPRoute(KubeModel):
    """A Gateway API HTTPRoute; only metadata is typed, the rest is preserved."""

    __resource__ = HTTP_ROUTE

    api_version: str = Field(alias="apiVersion")
    kind: str
    metadata: ObjectMeta
    spec: dict[str, Any] = Field(default_factory=dict)
    status: dict[str, Any] | None = None


class ServicePort(WireModel):
    """One port of a Service."""

    name: str | None = None
    port: int
    target_port: int | str | None = None
    protocol: str | None = None
    app_protocol: str | None = None


class ServiceSpec(WireModel):
    """The part of a Service's spec the SDK reads."""

    ports: list[ServicePort] = Field(default_factory=list)
    selector: dict[str, str] | None = None
    type: str | None = None


class Service(KubeModel):
    """A core/v1 Service (a callout's backend)."""

    __resource__ = SERVICE

    api_version: str = Field(alias="apiVersion")
    kind: str
    metadata: ObjectMeta
    spec: ServiceSpec = Field(default_factory=ServiceSpec)
    status: dict[str, Any] | None = None
