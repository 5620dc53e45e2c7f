"""The Kubernetes facade: :class:`ExtensionsClient` and its option types.

Typed CRUD, server-side apply, dry-run, events and (delegated) ``wait_until_programmed`` for
GCPTrafficExtension / GCPRoutingExtension / GCPWasmPlugin, plus read access to the Gateways,
HTTPRoutes and Services they refer to.
"""

from __future__ import annotations

from ._client import (
    ALL_NAMESPACES,
    DEFAULT_FIELD_MANAGER,
    DEFAULT_REQUEST_TIMEOUT,
    AllNamespaces,
    DryRun,
    ExtensionsClient,
    PatchType,
    Propagation,
    RequestTimeout,
    Validation,
)
from ._config import KubeConfigError
from ._objects import KubeEvent, KubeObject
from ._redact import RedactingFilter, Redactor
from ._retry import (
    DEFAULT_RETRY,
    NO_RETRY,
    RETRYABLE_STATUSES,
    RawResponse,
    RetryPolicy,
    stop_before_deadline,
    wait_retry_after,
)
from ._transport import ApiClientTransport, MockTransport, Request, StreamResponse, Transport

__all__ = [
    "ALL_NAMESPACES",
    "DEFAULT_FIELD_MANAGER",
    "DEFAULT_REQUEST_TIMEOUT",
    "DEFAULT_RETRY",
    "NO_RETRY",
    "RETRYABLE_STATUSES",
    "AllNamespaces",
    "ApiClientTransport",
    "DryRun",
    "ExtensionsClient",
    "KubeConfigError",
    "KubeEvent",
    "KubeObject",
    "MockTransport",
    "PatchType",
    "Propagation",
    "RawResponse",
    "RedactingFilter",
    "Redactor",
    "Request",
    "RequestTimeout",
    "RetryPolicy",
    "StreamResponse",
    "Transport",
    "Validation",
    "stop_before_deadline",
    "wait_retry_after",
]
