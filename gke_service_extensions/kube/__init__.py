"""The Kubernetes facade: :class:`ExtensionsClient`, its option types and the wait's types.

Typed CRUD, server-side apply, read-modify-write, dry-run, events and
``wait_until_programmed`` for GCPTrafficExtension / GCPRoutingExtension / GCPWasmPlugin, plus
read access to the Gateways, HTTPRoutes and Services they refer to.

Everything public is in ``__all__`` here (the package root re-exports the common names);
the ``_`` modules behind it are private and may change.
"""

from __future__ import annotations

from .._errors import KubeConfigError
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
from ._config import InsecureCredentialsWarning
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
from ._status import (
    AncestorState,
    AncestorStatus,
    Freshness,
    GatewayRef,
    Outcome,
    ProgrammingState,
    WaitMode,
    evaluate,
)
from ._transport import ApiClientTransport, MockTransport, Request, StreamResponse, Transport
from ._wait import WaitResult, WatchBackoff, wait_with_kubeconfig

__all__ = [
    "ALL_NAMESPACES",
    "DEFAULT_FIELD_MANAGER",
    "DEFAULT_REQUEST_TIMEOUT",
    "DEFAULT_RETRY",
    "NO_RETRY",
    "RETRYABLE_STATUSES",
    "AllNamespaces",
    "AncestorState",
    "AncestorStatus",
    "ApiClientTransport",
    "DryRun",
    "ExtensionsClient",
    "Freshness",
    "GatewayRef",
    "InsecureCredentialsWarning",
    "KubeConfigError",
    "KubeEvent",
    "KubeObject",
    "MockTransport",
    "Outcome",
    "PatchType",
    "ProgrammingState",
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
    "WaitMode",
    "WaitResult",
    "WatchBackoff",
    "evaluate",
    "stop_before_deadline",
    "wait_retry_after",
    "wait_with_kubeconfig",
]
