"""Which GKE GatewayClass builds what, and which extension kinds it supports (SPEC §2).

| GatewayClass | routing ext | traffic ext | Wasm plugin backend |
|---|---|---|---|
| ``gke-l7-global-external-managed`` | no | yes | yes (only here) |
| ``gke-l7-regional-external-managed`` | yes | yes | no |
| ``gke-l7-rilb`` (regional internal) | yes | yes | no |
| ``*-mc`` multi-cluster classes | backendRef must be ServiceImport | | |

``gke-l7-gxlb`` (the classic global external load balancer) supports no service extensions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from ._resources import ROUTING_EXTENSION, TRAFFIC_EXTENSION, WASM_PLUGIN

__all__ = [
    "GATEWAY_CLASSES",
    "GLOBAL_EXTERNAL_MANAGED",
    "GXLB",
    "REGIONAL_EXTERNAL_MANAGED",
    "REGIONAL_INTERNAL_MANAGED",
    "GatewayClassInfo",
    "class_supports",
    "gateway_class_info",
]

GLOBAL_EXTERNAL_MANAGED: Final = "gke-l7-global-external-managed"
REGIONAL_EXTERNAL_MANAGED: Final = "gke-l7-regional-external-managed"
REGIONAL_INTERNAL_MANAGED: Final = "gke-l7-rilb"
GXLB: Final = "gke-l7-gxlb"

LoadBalancingScheme = Literal["EXTERNAL_MANAGED", "INTERNAL_MANAGED", "EXTERNAL"]


@dataclass(frozen=True, slots=True)
class GatewayClassInfo:
    """What a GKE GatewayClass builds and which extensions it supports."""

    name: str
    is_global: bool
    load_balancing_scheme: LoadBalancingScheme
    multi_cluster: bool = False
    supports_extensions: bool = True

    @property
    def scope(self) -> Literal["global", "regional"]:
        """``global`` or ``regional``: where GKE puts the load balancer's resources."""
        return "global" if self.is_global else "regional"

    @property
    def supports_routing(self) -> bool:
        """Route extensions are not available on the global external class."""
        return self.supports_extensions and not self.is_global

    @property
    def supports_traffic(self) -> bool:
        """Traffic extensions: every class that supports extensions."""
        return self.supports_extensions

    @property
    def supports_wasm(self) -> bool:
        """GCPWasmPlugin backends exist only on the global external class."""
        return self.supports_extensions and self.is_global

    @property
    def service_backend_kind(self) -> str:
        """The backendRef kind a callout needs: ServiceImport on ``-mc`` classes."""
        return "ServiceImport" if self.multi_cluster else "Service"

    def supports(self, kind: str, backend_kind: str | None = None) -> bool:
        """Whether extensions of ``kind`` (with a ``backend_kind`` backendRef) work here.

        ``backend_kind`` is ``Service``, ``ServiceImport``, ``GCPWasmPlugin`` or None (not
        checked). ``kind`` may be ``GCPWasmPlugin`` itself (the plugin's own ancestors).
        """
        if not self.supports_extensions:
            return False
        if kind == WASM_PLUGIN.kind:
            return self.supports_wasm
        if kind == ROUTING_EXTENSION.kind:
            ok = self.supports_routing
        elif kind == TRAFFIC_EXTENSION.kind:
            ok = self.supports_traffic
        else:
            return False
        if not ok or backend_kind is None:
            return ok
        if backend_kind == WASM_PLUGIN.kind:
            return self.supports_wasm
        if backend_kind in ("Service", "ServiceImport"):
            return backend_kind == self.service_backend_kind
        return True


def _classes() -> dict[str, GatewayClassInfo]:
    base = [
        GatewayClassInfo(GLOBAL_EXTERNAL_MANAGED, True, "EXTERNAL_MANAGED"),
        GatewayClassInfo(REGIONAL_EXTERNAL_MANAGED, False, "EXTERNAL_MANAGED"),
        GatewayClassInfo(REGIONAL_INTERNAL_MANAGED, False, "INTERNAL_MANAGED"),
        GatewayClassInfo(GXLB, True, "EXTERNAL", supports_extensions=False),
    ]
    out = {c.name: c for c in base}
    for c in base:
        mc = GatewayClassInfo(f"{c.name}-mc", c.is_global, c.load_balancing_scheme, True,
                              c.supports_extensions)
        out[mc.name] = mc
    return out


#: Every GKE GatewayClass by name (single-cluster first, then the ``-mc`` variants).
GATEWAY_CLASSES: Final[dict[str, GatewayClassInfo]] = _classes()


def gateway_class_info(name: str) -> GatewayClassInfo | None:
    """The GKE GatewayClass ``name``, or None for a class GKE does not provide."""
    return GATEWAY_CLASSES.get(name)


def class_supports(class_name: str, kind: str, backend_kind: str | None = None) -> bool:
    """Does GatewayClass ``class_name`` support ``kind`` (with a ``backend_kind`` backend)?

    False for classes GKE does not provide.
    """
    info = GATEWAY_CLASSES.get(class_name)
    return info is not None and info.supports(kind, backend_kind)
