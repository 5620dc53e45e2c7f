"""The Google Cloud facade: see what GKE built for Service Extensions, resolve Wasm images.

:class:`GCPClient` reads ``LbTrafficExtension``, ``LbRouteExtension`` and ``WasmPlugin``
resources (with every version) into frozen, typed views, reads everything a Gateway's
``networking.gke.io/*`` annotations name in one call (:meth:`GCPClient.resources_for_gateway`),
compares what a custom resource asks for with what Google Cloud has (:meth:`GCPClient.drift`,
or the pure :func:`drift` over REST JSON), and resolves Artifact Registry images to their
digests. Importing this package loads no
Google library: they load on a client's first call.

Errors are :class:`~gke_service_extensions.GCPError` subclasses; each call has a timeout and
a deadline-bounded retry (:class:`GCPRetry`).
"""

from __future__ import annotations

from ._client import GCPClient
from ._drift import Difference, Drift, drift
from ._images import ImageReference, ResolvedImage, parse_image_reference
from ._retry import DEFAULT_GCP_RETRY, NO_GCP_RETRY, GCPRetry
from ._views import (
    GatewayDifference,
    GatewayResources,
    GCPExtension,
    GCPExtensionChain,
    LbRouteExtension,
    LbTrafficExtension,
    PluginLogConfig,
    PluginVersion,
    WasmPlugin,
)

__all__ = [
    "DEFAULT_GCP_RETRY",
    "NO_GCP_RETRY",
    "Difference",
    "Drift",
    "GCPClient",
    "GCPExtension",
    "GCPExtensionChain",
    "GCPRetry",
    "GatewayDifference",
    "GatewayResources",
    "ImageReference",
    "LbRouteExtension",
    "LbTrafficExtension",
    "PluginLogConfig",
    "PluginVersion",
    "ResolvedImage",
    "WasmPlugin",
    "drift",
    "parse_image_reference",
]
