"""Typed, validated models of the GKE Service Extensions custom resources.

Pure data and validation, no I/O. The three CRDs (:class:`GCPTrafficExtension`,
:class:`GCPRoutingExtension`, :class:`GCPWasmPlugin`) validate every rule of the real CRDs
before anything is sent; :class:`Gateway`, :class:`HTTPRoute` and :class:`Service` are lenient
read-side views.
"""

from __future__ import annotations

from ._base import KubeModel, Resource, UnknownFields, WireModel
from ._common import (
    Condition,
    ConditionStatus,
    ObjectMeta,
    ParentReference,
    PolicyAncestorStatus,
    PolicyStatus,
    TargetRef,
)
from ._crd import to_crd
from ._extensions import (
    BackendRef,
    BodySendMode,
    CelExpression,
    Event,
    Extension,
    ExtensionChain,
    ExtensionSpec,
    GCPRoutingExtension,
    GCPTrafficExtension,
    MatchCondition,
)
from ._gateway import Gateway, GatewayAddress, GatewaySpec, GatewayStatus, HTTPRoute, Service
from ._manifests import OtherKinds, dump_manifests, load_manifests
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
from ._profiles import DEFAULT_PROFILE, PROFILES, CRDProfile, KindRules, get_profile
from ._registry import MODELS, model_for
from ._validation import validate_manifest
from ._wasm import GCPWasmPlugin, LogConfig, LogLevel, WasmPluginSpec, WasmPluginVersion

__all__ = [
    "DEFAULT_PROFILE",
    "GATEWAY",
    "GATEWAY_CLASS",
    "HTTP_ROUTE",
    "MODELS",
    "PROFILES",
    "ROUTING_EXTENSION",
    "SERVICE",
    "TRAFFIC_EXTENSION",
    "WASM_PLUGIN",
    "BackendRef",
    "BodySendMode",
    "CRDProfile",
    "CelExpression",
    "Condition",
    "ConditionStatus",
    "Event",
    "Extension",
    "ExtensionChain",
    "ExtensionSpec",
    "GCPRoutingExtension",
    "GCPTrafficExtension",
    "GCPWasmPlugin",
    "Gateway",
    "GatewayAddress",
    "GatewaySpec",
    "GatewayStatus",
    "HTTPRoute",
    "KindRules",
    "KubeModel",
    "LogConfig",
    "LogLevel",
    "MatchCondition",
    "ObjectMeta",
    "OtherKinds",
    "ParentReference",
    "PolicyAncestorStatus",
    "PolicyStatus",
    "Resource",
    "ResourceInfo",
    "Service",
    "TargetRef",
    "UnknownFields",
    "WasmPluginSpec",
    "WasmPluginVersion",
    "WireModel",
    "dump_manifests",
    "get_profile",
    "load_manifests",
    "model_for",
    "to_crd",
    "validate_manifest",
]
