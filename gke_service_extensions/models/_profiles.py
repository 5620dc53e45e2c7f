"""CRD profiles: the rules that differ between generations of the GKE CRDs, in one table.

A new GKE release that relaxes or tightens a rule is a one-line change to :data:`PROFILES`.
Everything that is the same in every generation lives on the model fields instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._rules import PatternSpec

__all__ = ["DEFAULT_PROFILE", "PROFILES", "CRDProfile", "KindRules", "get_profile"]

ALL_EVENTS = (
    "RequestHeaders",
    "RequestBody",
    "ResponseHeaders",
    "ResponseBody",
    "RequestTrailers",
    "ResponseTrailers",
)
REQUEST_EVENTS = ("RequestHeaders", "RequestBody", "RequestTrailers")

#: The API group each backendRef kind must carry.
BACKEND_KIND_GROUPS = {
    "Service": "",
    "ServiceImport": "net.gke.io",
    "GCPWasmPlugin": "networking.gke.io",
    "ApigeeBackendService": "apim.googleapis.com",
}

ANY_GOOGLE_API = PatternSpec(
    r"^[a-z0-9.-]+\.(googleapis|sandbox\.googleapis)\.com$",
    "a Google API service name such as modelarmor.us-central1.rep.googleapis.com",
)
MODELARMOR_OR_DLP = PatternSpec(
    r"^(modelarmor|dlp)\.([a-z0-9-]+\.rep\.)?googleapis\.com$",
    "modelarmor[.REGION.rep].googleapis.com or dlp[.REGION.rep].googleapis.com",
)


@dataclass(frozen=True, slots=True)
class KindRules:
    """The generation-dependent rules of one extension kind."""

    backend_kinds: tuple[str, ...]
    require_supported_events: bool
    allowed_events: tuple[str, ...]
    google_api_service_name: PatternSpec
    observability_mode: bool
    backend_port_range: bool
    cel_backend_refs_max: int | None
    cel_backend_kinds: tuple[str, ...]
    cel_extra_attributes: frozenset[str] = frozenset()

    @property
    def backend_groups(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(BACKEND_KIND_GROUPS[k] for k in self.backend_kinds))


@dataclass(frozen=True, slots=True)
class CRDProfile:
    """One generation of the GKE Service Extensions CRDs."""

    name: str
    description: str
    traffic: KindRules
    routing: KindRules
    #: How many GCPWasmPlugin versions may carry a non-zero weight (GKE: exactly one).
    wasm_serving_versions: int = 1


_ROUTING = KindRules(
    backend_kinds=("Service",),
    require_supported_events=False,
    allowed_events=REQUEST_EVENTS,
    google_api_service_name=MODELARMOR_OR_DLP,
    observability_mode=False,
    backend_port_range=False,
    cel_backend_refs_max=None,
    cel_backend_kinds=("Service",),
)

# fmt: off
PROFILES: dict[str, CRDProfile] = {
    "newest": CRDProfile(
        name="newest",
        description="the newest published CRDs (reference/crds)",
        traffic=KindRules(
            backend_kinds=("Service", "ServiceImport", "GCPWasmPlugin", "ApigeeBackendService"),
            require_supported_events=True,
            allowed_events=ALL_EVENTS,
            google_api_service_name=ANY_GOOGLE_API,
            observability_mode=True,
            backend_port_range=True,
            cel_backend_refs_max=1,
            cel_backend_kinds=("Service", "ServiceImport"),
            cel_extra_attributes=frozenset({"request.backend_service_num_endpoints"}),
        ),
        routing=_ROUTING,
    ),
    "gke-1.33": CRDProfile(
        name="gke-1.33",
        description="the CRDs served by GKE 1.33 clusters",
        traffic=KindRules(
            backend_kinds=("Service", "GCPWasmPlugin"),
            require_supported_events=False,
            allowed_events=ALL_EVENTS,
            google_api_service_name=MODELARMOR_OR_DLP,
            observability_mode=False,
            backend_port_range=True,
            cel_backend_refs_max=None,
            cel_backend_kinds=("Service",),
        ),
        routing=_ROUTING,
    ),
}
# fmt: on

DEFAULT_PROFILE = "newest"


def get_profile(profile: str | CRDProfile | None) -> CRDProfile:
    """Return the named profile (``None`` means :data:`DEFAULT_PROFILE`)."""
    if isinstance(profile, CRDProfile):
        return profile
    name = DEFAULT_PROFILE if profile is None else profile
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown CRD profile {name!r}; known profiles: {known}") from None
