"""Which GKE cluster version each feature needs (SPEC §2), and the one parser of versions.

Service Extensions (GCPTrafficExtension, GCPRoutingExtension) need GKE 1.33 or later;
GCPWasmPlugin (and an extension whose backend is one) needs 1.33.3 or later. The version is
the ``gitVersion`` a cluster's ``/version`` answers (``v1.33.5-gke.1162000``).
"""

from __future__ import annotations

import re
from typing import Final

from ._resources import ROUTING_EXTENSION, TRAFFIC_EXTENSION, WASM_PLUGIN

__all__ = ["MIN_CLUSTER_VERSION", "MIN_WASM_CLUSTER_VERSION", "format_version",
           "parse_kubernetes_version", "required_cluster_version"]

Version = tuple[int, int, int]

#: The oldest GKE version serving each kind.
MIN_CLUSTER_VERSION: Final[dict[str, Version]] = {
    TRAFFIC_EXTENSION.kind: (1, 33, 0),
    ROUTING_EXTENSION.kind: (1, 33, 0),
    WASM_PLUGIN.kind: (1, 33, 3),
}
#: The oldest GKE version running Wasm plugins (a GCPWasmPlugin, or a backendRef to one).
MIN_WASM_CLUSTER_VERSION: Final[Version] = (1, 33, 3)

_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")


def parse_kubernetes_version(text: str | None) -> Version | None:
    """``(major, minor, patch)`` of ``v1.33.5-gke.1162000`` (or ``1.33``); None if unreadable."""
    match = _VERSION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3] or 0)


def required_cluster_version(kind: str, *, uses_wasm: bool = False) -> Version | None:
    """The oldest GKE version ``kind`` works on (Wasm: 1.33.3); None for other kinds."""
    need = MIN_CLUSTER_VERSION.get(kind)
    if need is not None and uses_wasm:
        need = max(need, MIN_WASM_CLUSTER_VERSION)
    return need


def format_version(version: Version) -> str:
    """``1.33.3``."""
    return ".".join(str(p) for p in version)
