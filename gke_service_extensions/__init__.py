"""gke-service-extensions: a Python SDK for GKE Gateway Service Extensions."""

from __future__ import annotations

from ._errors import (
    AlreadyExistsError,
    ApiConnectionError,
    ApiTimeoutError,
    ConflictError,
    FieldCause,
    ForbiddenError,
    GCPError,
    GKEServiceExtensionsError,
    InvalidError,
    KubernetesError,
    ManifestError,
    ManifestParseError,
    ManifestValidationError,
    NotFoundError,
    ObjectDeletedError,
    ObjectRef,
    Problem,
    ProgrammingFailed,
    ServerError,
    UnauthorizedError,
    UnknownKindError,
    WaitError,
    WaitTimeoutError,
)
from .models import GCPRoutingExtension, GCPTrafficExtension, GCPWasmPlugin

__version__ = "0.1.0.dev0"

__all__ = [
    "AlreadyExistsError",
    "ApiConnectionError",
    "ApiTimeoutError",
    "ConflictError",
    "FieldCause",
    "ForbiddenError",
    "GCPError",
    "GCPRoutingExtension",
    "GCPTrafficExtension",
    "GCPWasmPlugin",
    "GKEServiceExtensionsError",
    "InvalidError",
    "KubernetesError",
    "ManifestError",
    "ManifestParseError",
    "ManifestValidationError",
    "NotFoundError",
    "ObjectDeletedError",
    "ObjectRef",
    "Problem",
    "ProgrammingFailed",
    "ServerError",
    "UnauthorizedError",
    "UnknownKindError",
    "WaitError",
    "WaitTimeoutError",
    "__version__",
]
