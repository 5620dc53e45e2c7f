"""The fast answer to "is this manifest valid?", without pydantic or the model classes.

:func:`is_valid` runs the compiled checker of the kind (see :mod:`._codegen`): shipped for the
built-in CRD profiles, compiled on first use for others. True means the manifest breaks no
rule (structure, limits, cross-field rules, CEL matchers); False means "not shown valid":
callers then run the full validation, which lists every problem with its path.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

from .._gke import ROUTING_EXTENSION, TRAFFIC_EXTENSION, WASM_PLUGIN
from ._context import Context, UnknownFields
from ._limits import MAX_VALUES
from ._profiles import PROFILES, CRDProfile

__all__ = ["CRD_KINDS", "crd_kind", "is_valid"]

#: apiVersion/kind of the three CRDs -> kind
CRD_KINDS: dict[tuple[str, str], str] = {
    (info.api_version, info.kind): info.kind
    for info in (TRAFFIC_EXTENSION, ROUTING_EXTENSION, WASM_PLUGIN)
}

def crd_kind(manifest: Mapping[str, Any]) -> str | None:
    """The kind of ``manifest`` if it is one of the three CRDs (by apiVersion and kind)."""
    api_version, kind = manifest.get("apiVersion"), manifest.get("kind")
    if type(api_version) is not str or type(kind) is not str:
        return None
    return CRD_KINDS.get((api_version, kind))


_API_VERSIONS = {kind: api_version for (api_version, kind) in CRD_KINDS}

#: (manifest, value budget, context) -> valid
Checker = Callable[..., bool]

Table = dict[str, Checker]  # kind -> checker

_compiled: dict[tuple[CRDProfile, UnknownFields], Table] = {}  # other profiles, by value
_by_object: dict[tuple[int, UnknownFields], tuple[CRDProfile, Table]] = {}
_lock = threading.Lock()


def _table(profile: CRDProfile, mode: UnknownFields) -> Table:
    """The checkers of ``profile`` and ``mode``: a shipped module for a built-in profile
    (only that module is loaded), else compiled once per distinct profile."""
    hit = _by_object.get((id(profile), mode))
    if hit is not None and hit[0] is profile:
        return hit[1]
    if PROFILES.get(profile.name) == profile:
        from ._checkers import MODULES

        module = importlib.import_module(f"{__package__}._checkers."
                                         f"{MODULES[(profile.name, mode.value)]}")
        table: Table = module.CHECKERS
    else:
        from ._codegen import compile_checkers  # needs the models: a cluster's own profile

        with _lock:
            found = _compiled.get((profile, mode))
            if found is None:
                found = _compiled[(profile, mode)] = compile_checkers(profile, mode)
        table = found
    if len(_by_object) < 256:
        _by_object[(id(profile), mode)] = (profile, table)
    return table


def is_valid(data: Any, kind: str, profile: CRDProfile,
             unknown_fields: UnknownFields = UnknownFields.REJECT) -> bool:
    """True if ``data`` is a valid manifest of ``kind`` (one of the three CRDs) under
    ``profile``; False if it may not be (the full validation then tells why)."""
    if type(data) is not dict:
        return False
    if data.get("apiVersion") != _API_VERSIONS[kind] or data.get("kind") != kind \
            or data.get("metadata") is None:
        return False
    ctx = Context(kind, profile, profile.rules_for(kind), unknown_fields)
    budget = [MAX_VALUES]
    return (_table(profile, unknown_fields)[kind](data, budget, ctx)
            and budget[0] >= 0 and not ctx.problems)
