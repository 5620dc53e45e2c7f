"""gke-service-extensions: a Python SDK for GKE Gateway Service Extensions.

Import what you need from here. The models and errors load with the package; the
Kubernetes client and the wait functions load on first use (the kubernetes client, tenacity
and urllib3 stay unimported until then), and the simulator lives in
:mod:`gke_service_extensions.testing`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._errors import (
    AlreadyExistsError,
    ApiConnectionError,
    ApiTimeoutError,
    ConflictError,
    FieldCause,
    ForbiddenError,
    GCPAuthenticationError,
    GCPError,
    GCPNotFoundError,
    GCPPermissionDeniedError,
    GCPQuotaError,
    GCPTimeoutError,
    GCPUnavailableError,
    GKEServiceExtensionsError,
    ImageReferenceError,
    InvalidError,
    KubeConfigError,
    KubernetesError,
    ManifestError,
    ManifestParseError,
    ManifestValidationError,
    NotFoundError,
    ObjectDeletedError,
    ObjectRef,
    PluginNotReferencedError,
    PreflightFailed,
    Problem,
    ProgrammingFailed,
    ResourceNameError,
    ServerError,
    UnauthorizedError,
    UnknownKindError,
    UnknownProfileError,
    WaitError,
    WaitTimeoutError,
)
from .models import (
    CLUSTER_PROFILE,
    DEFAULT_PROFILE,
    BackendRef,
    Event,
    Extension,
    ExtensionChain,
    ExtensionSpec,
    Gateway,
    GCPRoutingExtension,
    GCPTrafficExtension,
    GCPWasmPlugin,
    LogConfig,
    MatchCondition,
    ObjectMeta,
    OtherKinds,
    TargetRef,
    UnknownFields,
    WasmPluginSpec,
    WasmPluginVersion,
    dump_manifests,
    load_manifests,
    validate_manifest,
)

if TYPE_CHECKING:
    from .diagnosis import Diagnosis, Finding, Severity, diagnose, preflight
    from .kube import (
        ALL_NAMESPACES,
        NO_RETRY,
        AncestorState,
        AncestorStatus,
        DryRun,
        ExtensionsClient,
        Freshness,
        GatewayRef,
        InsecureCredentialsWarning,
        KubeEvent,
        Outcome,
        PatchType,
        ProgrammingState,
        Propagation,
        RetryPolicy,
        Validation,
        WaitMode,
        WaitResult,
        WatchBackoff,
    )
    from .kube import wait_with_kubeconfig as wait_until_programmed
    from .models import (
        SampleRequest,
        check_matcher,
        evaluate_matcher,
        first_matching_chain,
        to_crd,
    )

__version__ = "0.1.0.dev0"

# Names loaded on first access, each from a public subpackage: {name: "module[:attribute]"}.
_LAZY = {
    "Diagnosis": ".diagnosis",
    "Finding": ".diagnosis",
    "Severity": ".diagnosis",
    "diagnose": ".diagnosis",
    "preflight": ".diagnosis",
    "ALL_NAMESPACES": ".kube",
    "NO_RETRY": ".kube",
    "DryRun": ".kube",
    "ExtensionsClient": ".kube",
    "InsecureCredentialsWarning": ".kube",
    "KubeEvent": ".kube",
    "PatchType": ".kube",
    "Propagation": ".kube",
    "RetryPolicy": ".kube",
    "Validation": ".kube",
    "AncestorState": ".kube",
    "AncestorStatus": ".kube",
    "Freshness": ".kube",
    "GatewayRef": ".kube",
    "Outcome": ".kube",
    "ProgrammingState": ".kube",
    "WaitMode": ".kube",
    "WaitResult": ".kube",
    "WatchBackoff": ".kube",
    "wait_until_programmed": ".kube:wait_with_kubeconfig",
    "to_crd": ".models",
    "SampleRequest": ".models",
    "check_matcher": ".models",
    "evaluate_matcher": ".models",
    "first_matching_chain": ".models",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attribute = module.partition(":")
    value = getattr(importlib.import_module(module, __name__), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "ALL_NAMESPACES",
    "CLUSTER_PROFILE",
    "DEFAULT_PROFILE",
    "NO_RETRY",
    "AlreadyExistsError",
    "AncestorState",
    "AncestorStatus",
    "ApiConnectionError",
    "ApiTimeoutError",
    "BackendRef",
    "ConflictError",
    "Diagnosis",
    "DryRun",
    "Event",
    "Extension",
    "ExtensionChain",
    "ExtensionSpec",
    "ExtensionsClient",
    "FieldCause",
    "Finding",
    "ForbiddenError",
    "Freshness",
    "GCPAuthenticationError",
    "GCPError",
    "GCPNotFoundError",
    "GCPPermissionDeniedError",
    "GCPQuotaError",
    "GCPRoutingExtension",
    "GCPTimeoutError",
    "GCPTrafficExtension",
    "GCPUnavailableError",
    "GCPWasmPlugin",
    "GKEServiceExtensionsError",
    "Gateway",
    "GatewayRef",
    "ImageReferenceError",
    "InsecureCredentialsWarning",
    "InvalidError",
    "KubeConfigError",
    "KubeEvent",
    "KubernetesError",
    "LogConfig",
    "ManifestError",
    "ManifestParseError",
    "ManifestValidationError",
    "MatchCondition",
    "NotFoundError",
    "ObjectDeletedError",
    "ObjectMeta",
    "ObjectRef",
    "OtherKinds",
    "Outcome",
    "PatchType",
    "PluginNotReferencedError",
    "PreflightFailed",
    "Problem",
    "ProgrammingFailed",
    "ProgrammingState",
    "Propagation",
    "ResourceNameError",
    "RetryPolicy",
    "SampleRequest",
    "ServerError",
    "Severity",
    "TargetRef",
    "UnauthorizedError",
    "UnknownFields",
    "UnknownKindError",
    "UnknownProfileError",
    "Validation",
    "WaitError",
    "WaitMode",
    "WaitResult",
    "WaitTimeoutError",
    "WasmPluginSpec",
    "WasmPluginVersion",
    "WatchBackoff",
    "__version__",
    "check_matcher",
    "diagnose",
    "dump_manifests",
    "evaluate_matcher",
    "first_matching_chain",
    "load_manifests",
    "preflight",
    "to_crd",
    "validate_manifest",
    "wait_until_programmed",
]
