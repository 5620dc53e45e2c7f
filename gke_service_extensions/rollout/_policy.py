"""How many versions a GCPWasmPlugin may have and how many may serve: the one place the
rollout layer reads those rules from, and the one function that decides weights.

The rules themselves live in the model layer: the number of versions that carry a non-zero
weight is the CRD profile's ``wasm_serving_versions`` (GKE: exactly one), the number of
versions is the bound on ``WasmPluginSpec.versions``. :func:`switch_weights` is where a
change of serving version becomes weights; if GKE one day allows several non-zero weights,
stepped (canary) weights are a change to that function alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..models import CRDProfile, WasmPluginSpec, WasmPluginVersion, get_profile
from ..models._rules import Items
from ..models._wasm import MAX_WEIGHT

__all__ = ["MAX_WEIGHT", "max_versions", "serving_limit", "switch_weights"]


def serving_limit(profile: str | CRDProfile | None = None) -> int:
    """How many versions carry a non-zero weight under ``profile`` (GKE: 1)."""
    return get_profile(profile).wasm_serving_versions


def max_versions() -> int:
    """The most versions a GCPWasmPlugin may list (GKE: 10), read from the model."""
    for meta in WasmPluginSpec.model_fields["versions"].metadata:
        if isinstance(meta, Items) and isinstance(meta.max_items, int):
            return meta.max_items
    raise RuntimeError("WasmPluginSpec.versions carries no Items bound")  # pragma: no cover


def switch_weights(versions: Sequence[WasmPluginVersion], target: str, *,
                   profile: str | CRDProfile | None = None) -> dict[str, int]:
    """The weight of every version once traffic has moved to ``target``.

    With one serving version allowed (GKE today) the switch is one step: ``target`` takes
    the whole weight the serving versions carried (``MAX_WEIGHT`` if none did), every other
    version gets 0. This is the only function that decides weights.
    """
    total = sum(v.weight for v in versions) or MAX_WEIGHT
    if serving_limit(profile) < 1:  # pragma: no cover - no profile allows that
        raise ValueError("a profile must let at least one version serve")
    return {v.name: (total if v.name == target else 0) for v in versions}
