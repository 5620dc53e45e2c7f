"""Typed, validated models of the GKE Service Extensions custom resources.

PROVISIONAL: the base API (``from_manifest``/``to_manifest``/``__resource__``/``metadata``)
is stable; typed specs and full validation are being filled in.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from .._errors import Problem
from ._meta import (
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
    "GATEWAY", "GATEWAY_CLASS", "HTTP_ROUTE", "SERVICE",
    "GCPRoutingExtension", "GCPTrafficExtension", "GCPWasmPlugin", "ObjectMeta", "Resource",
    "ResourceInfo", "UnknownFields", "validate_manifest",
]


class UnknownFields(enum.Enum):
    REJECT = "reject"
    PRESERVE = "preserve"


class ObjectMeta(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    name: str | None = None
    namespace: str | None = None
    generation: int | None = None
    resource_version: str | None = Field(default=None, alias="resourceVersion")
    uid: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


class Resource(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    __resource__: ClassVar[ResourceInfo]
    api_version: str = Field(alias="apiVersion")
    kind: str
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: dict[str, Any] = Field(default_factory=dict)
    status: dict[str, Any] | None = None

    @classmethod
    def from_manifest(cls, data: Mapping[str, Any], *,
                      unknown_fields: UnknownFields = UnknownFields.REJECT,
                      profile: str | None = None) -> Any:
        return cls.model_validate(dict(data))

    def to_manifest(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_unset=True)


class GCPTrafficExtension(Resource):
    __resource__ = TRAFFIC_EXTENSION


class GCPRoutingExtension(Resource):
    __resource__ = ROUTING_EXTENSION


class GCPWasmPlugin(Resource):
    __resource__ = WASM_PLUGIN


def validate_manifest(manifest: Mapping[str, Any], *, profile: str | None = None,
                      unknown_fields: UnknownFields = UnknownFields.REJECT) -> list[Problem]:
    """Return every problem of a manifest of one of the three kinds (empty when valid)."""
    return []
