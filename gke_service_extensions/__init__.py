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
    KubernetesError,
    ManifestError,
    ManifestParseError,
    ManifestValidationError,
    NotFoundError,
    ObjectDeletedError,
    ObjectRef,
    PluginNotReferencedError,
    Problem,
    ProgrammingFailed,
    ResourceNameError,
    ServerError,
    UnauthorizedError,
    UnknownKindError,
    WaitError,
    WaitTimeoutError,
)
from .models import (
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
    from .kube import (
        ALL_NAMESPACES,
        NO_RETRY,
        DryRun,
        ExtensionsClient,
        KubeConfigError,
        KubeEvent,
        PatchType,
        Propagation,
        RetryPolicy,
        Validation,
    )
    from .kube._status import (
        AncestorState,
        AncestorStatus,
        Freshness,
        GatewayRef,
        Outcome,
        ProgrammingState,
        WaitMode,
    )
    from .kube._wait import WaitResult, WatchBackoff
    from .kube._wait import wait_with_kubeconfig as wait_until_programmed
    from .models import to_crd
    from .models._cel import SampleRequest, check_matcher, evaluate_matcher, first_matching_chain

__version__ = "0.1.0.dev0"

# Names loaded on first access: {name: (module, attribute)}.
_LAZY = {
    "ALL_NAMESPACES": ".kube",
    "NO_RETRY": ".kube",
    "DryRun": ".kube",
    "ExtensionsClient": ".kube",
    "KubeConfigError": ".kube",
    "KubeEvent": ".kube",
    "PatchType": ".kube",
    "Propagation": ".kube",
    "RetryPolicy": ".kube",
    "Validation": ".kube",
    "AncestorState": ".kube._status",
    "AncestorStatus": ".kube._status",
    "Freshness": ".kube._status",
    "GatewayRef": ".kube._status",
    "Outcome": ".kube._status",
    "ProgrammingState": ".kube._status",
    "WaitMode": ".kube._status",
    "WaitResult": ".kube._wait",
    "WatchBackoff": ".kube._wait",
    "wait_until_programmed": ".kube._wait:wait_with_kubeconfig",
    "to_crd": ".models",
    "SampleRequest": ".models._cel",
    "check_matcher": ".models._cel",
    "evaluate_matcher": ".models._cel",
    "first_matching_chain": ".models._cel",
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
    "DEFAULT_PROFILE",
    "NO_RETRY",
    "AlreadyExistsError",
    "AncestorState",
    "AncestorStatus",
    "ApiConnectionError",
    "ApiTimeoutError",
    "BackendRef",
    "ConflictError",
    "DryRun",
    "Event",
    "Extension",
    "ExtensionChain",
    "ExtensionSpec",
    "ExtensionsClient",
    "FieldCause",
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
    "Problem",
    "ProgrammingFailed",
    "ProgrammingState",
    "Propagation",
    "ResourceNameError",
    "RetryPolicy",
    "SampleRequest",
    "ServerError",
    "TargetRef",
    "UnauthorizedError",
    "UnknownFields",
    "UnknownKindError",
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
    "dump_manifests",
    "evaluate_matcher",
    "first_matching_chain",
    "load_manifests",
    "to_crd",
    "validate_manifest",
    "wait_until_programmed",
]
