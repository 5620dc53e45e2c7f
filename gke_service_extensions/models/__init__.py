"""Typed, validated models of the GKE Service Extensions custom resources.

Pure data and validation, no I/O. The three CRDs (:class:`GCPTrafficExtension`,
:class:`GCPRoutingExtension`, :class:`GCPWasmPlugin`) validate every rule of the real CRDs
before anything is sent; :class:`Gateway`, :class:`HTTPRoute` and :class:`Service` are lenient
read-side views.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._errors import Problem
from ._base import KubeModel, UnknownFields, WireModel
from ._common import (
    Condition,
    ConditionStatus,
    ObjectMeta,
    ParentReference,
    PolicyAncestorStatus,
    PolicyStatus,
    TargetRef,
)
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
from ._wasm import GCPWasmPlugin, LogConfig, LogLevel, WasmPluginSpec, WasmPluginVersion

if TYPE_CHECKING:
    from ._cel import (
        MAX_MATCHER_DEPTH,
        MAX_MATCHER_LENGTH,
        SampleRequest,
        check_matcher,
        evaluate_matcher,
        first_matching_chain,
    )

# The CEL checker loads on first access (its module is large; cel-python loads later still).
_LAZY_CEL = frozenset({"MAX_MATCHER_DEPTH", "MAX_MATCHER_LENGTH", "SampleRequest",
                       "check_matcher", "evaluate_matcher", "first_matching_chain"})


def __getattr__(name: str) -> Any:
    if name not in _LAZY_CEL:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("._cel", __name__), name)
    globals()[name] = value
    return value


def validate_manifest(
    manifest: Mapping[str, Any],
    *,
    profile: str | CRDProfile | None = None,
    unknown_fields: UnknownFields = UnknownFields.REJECT,
) -> list[Problem]:
    """Every problem of a manifest of one of the three CRDs (empty when valid).

    The kind comes from the manifest's ``apiVersion`` and ``kind``. Each
    :class:`~gke_service_extensions.Problem` has the field path as written in YAML.
    """
    from ._validation import validate_manifest as validate

    return validate(manifest, profile=profile, unknown_fields=unknown_fields)


def to_crd(model: type[KubeModel], *, profile: str | CRDProfile | None = None) -> dict[str, Any]:
    """A CustomResourceDefinition (apiextensions.k8s.io/v1) manifest generated from ``model``.

    The structural schema equals the published CRD's; cross-field rules stay in Python.
    """
    from ._crd import to_crd as generate

    return generate(model, profile=profile)


__all__ = [
    "DEFAULT_PROFILE",
    "GATEWAY",
    "GATEWAY_CLASS",
    "HTTP_ROUTE",
    "MAX_MATCHER_DEPTH",
    "MAX_MATCHER_LENGTH",
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
    "ResourceInfo",
    "SampleRequest",
    "Service",
    "TargetRef",
    "UnknownFields",
    "WasmPluginSpec",
    "WasmPluginVersion",
    "WireModel",
    "check_matcher",
    "dump_manifests",
    "evaluate_matcher",
    "first_matching_chain",
    "get_profile",
    "load_manifests",
    "model_for",
    "to_crd",
    "validate_manifest",
]
