"""Which model class serves which ``apiVersion``/``kind``."""

from __future__ import annotations

from ._base import KubeModel
from ._extensions import GCPRoutingExtension, GCPTrafficExtension
from ._gateway import Gateway, HTTPRoute, Service
from ._wasm import GCPWasmPlugin

__all__ = ["EXTENSION_KINDS", "MODELS", "READ_MODELS", "model_for"]

#: The three CRDs the SDK validates and writes.
MODELS: tuple[type[KubeModel], ...] = (GCPTrafficExtension, GCPRoutingExtension, GCPWasmPlugin)
EXTENSION_KINDS: tuple[type[KubeModel], ...] = (GCPTrafficExtension, GCPRoutingExtension)
#: Kinds the SDK reads but does not validate against CRD rules.
READ_MODELS: tuple[type[KubeModel], ...] = (Gateway, HTTPRoute, Service)

_BY_KIND = {
    (m.__resource__.api_version, m.__resource__.kind): m for m in (*MODELS, *READ_MODELS)
}


def model_for(api_version: str | None, kind: str | None) -> type[KubeModel] | None:
    """The model class for ``apiVersion``/``kind``, or ``None`` if it is not modelled."""
    return _BY_KIND.get((api_version or "", kind or ""))
