"""API coordinates of each modelled kind, kept in one record per model class.

The records live in :mod:`gke_service_extensions._gke` (below every layer); this module
re-exports them so models and older imports keep working.
"""

from __future__ import annotations

from .._gke import (
    GATEWAY,
    GATEWAY_API_GROUP,
    GATEWAY_CLASS,
    GKE_NETWORKING_GROUP,
    HTTP_ROUTE,
    ROUTING_EXTENSION,
    SERVICE,
    TRAFFIC_EXTENSION,
    WASM_PLUGIN,
    ResourceInfo,
)

__all__ = [
    "GATEWAY",
    "GATEWAY_API_GROUP",
    "GATEWAY_CLASS",
    "GKE_NETWORKING_GROUP",
    "HTTP_ROUTE",
    "ROUTING_EXTENSION",
    "SERVICE",
    "TRAFFIC_EXTENSION",
    "WASM_PLUGIN",
    "ResourceInfo",
]
