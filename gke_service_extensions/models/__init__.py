"""Typed, validated models of the GKE Service Extensions custom resources.

Pure data and validation, no I/O. The three CRDs (:class:`GCPTrafficExtension`,
:class:`GCPRoutingExtension`, :class:`GCPWasmPlugin`) validate every rule of the real CRDs
before anything is sent; :class:`Gateway`, :class:`HTTPRoute` and :class:`Service` are lenient
read-side views.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._errors import Problem
from ._context import UnknownFields
from ._fast import crd_kind, is_valid
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
from ._profiles import (
    CLUSTER_PROFILE,
    DEFAULT_PROFILE,
    PROFILE_ENV,
    PROFILES,
    ClusterProfile,
    CRDProfile,
    KindRules,
    ProfileChoice,
    get_profile,
)

if TYPE_CHECKING:
    from ._base import KubeModel, WireModel
    from ._cel import (
        MAX_MATCHER_DEPTH,
        MAX_MATCHER_LENGTH,
        SampleRequest,
        check_matcher,
        evaluate_matcher,
        first_matching_chain,
    )
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
    from ._gateway import (
        Gateway,
        GatewayAddress,
        GatewaySpec,
        GatewayStatus,
        HTTPRoute,
        Service,
    )
    from ._manifests import OtherKinds, dump_manifests, load_manifests
    from ._registry import MODELS, model_for
    from ._wasm import GCPWasmPlugin, LogConfig, LogLevel, WasmPluginSpec, WasmPluginVersion

# What needs pydantic (the model classes) or cel-python loads on first access: validating
# plain manifests (validate_manifest) and reading profiles need neither.
_LAZY: dict[str, str] = {
    **dict.fromkeys(("KubeModel", "WireModel"), "._base"),
    **dict.fromkeys(("MAX_MATCHER_DEPTH", "MAX_MATCHER_LENGTH", "SampleRequest",
                     "check_matcher", "evaluate_matcher", "first_matching_chain"), "._cel"),
    **dict.fromkeys(("Condition", "ConditionStatus", "ObjectMeta", "ParentReference",
                     "PolicyAncestorStatus", "PolicyStatus", "TargetRef"), "._common"),
    **dict.fromkeys(("BackendRef", "BodySendMode", "CelExpression", "Event", "Extension",
                     "ExtensionChain", "ExtensionSpec", "GCPRoutingExtension",
                     "GCPTrafficExtension", "MatchCondition"), "._extensions"),
    **dict.fromkeys(("Gateway", "GatewayAddress", "GatewaySpec", "GatewayStatus", "HTTPRoute",
                     "Service"), "._gateway"),
    **dict.fromkeys(("OtherKinds", "dump_manifests", "load_manifests"), "._manifests"),
    **dict.fromkeys(("MODELS", "model_for"), "._registry"),
    **dict.fromkeys(("GCPWasmPlugin", "LogConfig", "LogLevel", "WasmPluginSpec",
                     "WasmPluginVersion"), "._wasm"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


def validate_manifest(
    manifest: Mapping[str, Any],
    *,
    profile: ProfileChoice = None,
    unknown_fields: UnknownFields = UnknownFields.REJECT,
) -> list[Problem]:
    """Every problem of a manifest of one of the three CRDs (empty when valid).

    The kind comes from the manifest's ``apiVersion`` and ``kind``. Each
    :class:`~gke_service_extensions.Problem` has the field path as written in YAML.
    ``profile`` is a profile name, a :class:`CRDProfile`, or None: ``$GKE_SE_CRD_PROFILE``
    if set, else :data:`DEFAULT_PROFILE` (see :func:`get_profile`).
    """
    if type(manifest) is dict:
        kind = crd_kind(manifest)
        if kind is not None and is_valid(manifest, kind, get_profile(profile), unknown_fields):
            return []
    from ._validation import validate_manifest as validate

    return validate(manifest, profile=profile, unknown_fields=unknown_fields)


def profile_from_crds(
    crds: Iterable[Mapping[str, Any]],
    *,
    fallback: CRDProfile | None = None,
    source: str = "from the cluster",
) -> CRDProfile:
    """The CRD profile that served CustomResourceDefinition manifests enforce.

    Reads the generation-dependent rules (:class:`KindRules`) from each extension CRD's
    ``openAPIV3Schema``: enums, required lists, patterns, item counts, bounds and
    ``x-kubernetes-validations``. Rules equal to a named profile's give that profile (with
    ``source`` set); other rules give a profile named ``"cluster"``. A kind without a CRD in
    ``crds`` keeps ``fallback``'s rules (default: :data:`DEFAULT_PROFILE`). Pure, no I/O.
    """
    from ._crd_rules import profile_from_crds as derive

    return derive(crds, fallback=fallback, source=source)


def to_crd(model: type[KubeModel], *, profile: ProfileChoice = None) -> dict[str, Any]:
    """A CustomResourceDefinition (apiextensions.k8s.io/v1) manifest generated from ``model``.

    The structural schema equals the published CRD's; cross-field rules stay in Python.
    """
    from ._crd import to_crd as generate

    return generate(model, profile=profile)


__all__ = [
    "CLUSTER_PROFILE",
    "DEFAULT_PROFILE",
    "GATEWAY",
    "GATEWAY_CLASS",
    "HTTP_ROUTE",
    "MAX_MATCHER_DEPTH",
    "MAX_MATCHER_LENGTH",
    "MODELS",
    "PROFILES",
    "PROFILE_ENV",
    "ROUTING_EXTENSION",
    "SERVICE",
    "TRAFFIC_EXTENSION",
    "WASM_PLUGIN",
    "BackendRef",
    "BodySendMode",
    "CRDProfile",
    "CelExpression",
    "ClusterProfile",
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
    "ProfileChoice",
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
    "profile_from_crds",
    "to_crd",
    "validate_manifest",
]
