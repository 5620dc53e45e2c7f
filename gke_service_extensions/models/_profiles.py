"""CRD profiles: the rules that differ between generations of the GKE CRDs, in one table.

A new GKE release that relaxes or tightens a rule is a one-line change to :data:`PROFILES`.
Everything that is the same in every generation lives on the model fields instead.

Which profile applies is one setting: the ``profile=`` argument, else the environment
variable ``GKE_SE_CRD_PROFILE``, else the cluster's own CRDs (for a client) or
:data:`DEFAULT_PROFILE` (offline). A client reads the cluster's profile from the served
CustomResourceDefinitions (:func:`~._crd_rules.profile_from_crds`).
"""

from __future__ import annotations

import enum
import functools
import os
from dataclasses import dataclass, field, replace
from typing import Final

from .._errors import UnknownProfileError
from ._rules import PatternSpec

__all__ = ["CLUSTER_PROFILE", "DEFAULT_PROFILE", "PROFILES", "PROFILE_ENV", "CRDProfile",
           "ClusterProfile", "KindRules", "ProfileChoice", "get_profile", "profile_setting"]

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
    """One generation of the GKE Service Extensions CRDs.

    ``source`` says where the profile came from, in words for error messages (``"from
    the cluster"``, ``"from GKE_SE_CRD_PROFILE"``; empty when chosen in code); it takes no
    part in equality.
    """

    name: str
    description: str
    traffic: KindRules
    routing: KindRules
    #: How many GCPWasmPlugin versions may carry a non-zero weight (GKE: exactly one).
    wasm_serving_versions: int = 1
    source: str = field(default="", compare=False)

    def rules_for(self, kind: str) -> KindRules | None:
        """The generation-dependent rules of ``kind`` (None for GCPWasmPlugin: it has none)."""
        if kind == "GCPTrafficExtension":
            return self.traffic
        if kind == "GCPRoutingExtension":
            return self.routing
        return None


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

#: Environment variable naming the CRD profile when ``profile=`` is not given.
PROFILE_ENV: Final = "GKE_SE_CRD_PROFILE"

#: Other spellings of profile names: a GKE minor version names its generation.
_ALIASES = {"1.33": "gke-1.33"}


class ClusterProfile(enum.Enum):
    """Sentinel type of :data:`CLUSTER_PROFILE`."""

    CLUSTER = "cluster"


#: ``profile=CLUSTER_PROFILE`` (or the name ``"cluster"``): the rules of the CRDs the
#: cluster serves, read by the client; offline there is no cluster, so
#: :data:`DEFAULT_PROFILE` applies.
CLUSTER_PROFILE: Final = ClusterProfile.CLUSTER

#: What ``profile=`` accepts: a profile name, a :class:`CRDProfile`, :data:`CLUSTER_PROFILE`
#: or None (not given: ``$GKE_SE_CRD_PROFILE``, else the default).
ProfileChoice = str | CRDProfile | ClusterProfile | None


def profile_names() -> list[str]:
    """Every valid profile name: the named profiles, their aliases and ``cluster``."""
    names = [f"{n} (or {', '.join(a for a, t in _ALIASES.items() if t == n)})"
             if n in _ALIASES.values() else n for n in sorted(PROFILES)]
    return [*names, f"{CLUSTER_PROFILE.value} (the cluster's own CRDs)"]


def _named(name: str, setting: str) -> CRDProfile | ClusterProfile:
    key = name.strip()
    if key == CLUSTER_PROFILE.value:
        return CLUSTER_PROFILE
    found = PROFILES.get(_ALIASES.get(key, key))
    if found is not None:
        return found
    what = (f"unknown CRD profile {name!r}" if setting == "profile"
            else f"{setting}={name!r} is not a CRD profile")
    raise UnknownProfileError(f"{what}; valid profiles: {', '.join(profile_names())}",
                              name=name, known=[*sorted(PROFILES), *_ALIASES,
                                                CLUSTER_PROFILE.value], setting=setting)


def profile_setting(profile: ProfileChoice = None) -> CRDProfile | ClusterProfile:
    """What ``profile`` asks for: a :class:`CRDProfile`, or :data:`CLUSTER_PROFILE`.

    None means "not given": ``$GKE_SE_CRD_PROFILE`` if set, else :data:`CLUSTER_PROFILE`.
    A name that is not a profile raises :class:`~gke_service_extensions.UnknownProfileError`
    listing the valid ones.
    """
    if isinstance(profile, CRDProfile | ClusterProfile):
        return profile
    if profile is not None:
        if not isinstance(profile, str):
            raise UnknownProfileError(
                f"profile must be a profile name, a CRDProfile or CLUSTER_PROFILE, got "
                f"{type(profile).__name__}; valid profiles: {', '.join(profile_names())}",
                name=repr(profile), known=sorted(PROFILES))
        return _named(profile, "profile")
    env = os.environ.get(PROFILE_ENV, "").strip()
    if not env:
        return CLUSTER_PROFILE
    found = _named(env, PROFILE_ENV)
    if isinstance(found, CRDProfile):
        return _sourced(found.name, f"from {PROFILE_ENV}")
    return found


def get_profile(profile: ProfileChoice = None) -> CRDProfile:
    """The profile ``profile`` names, for checks made without a cluster.

    None (not given) means ``$GKE_SE_CRD_PROFILE`` if set, else :data:`DEFAULT_PROFILE`;
    :data:`CLUSTER_PROFILE` also means :data:`DEFAULT_PROFILE` here, as there is no
    cluster to read. Raises :class:`~gke_service_extensions.UnknownProfileError` (a
    ``ValueError``) for a name that is not a profile.
    """
    found = profile_setting(profile)
    if isinstance(found, CRDProfile):
        return found
    return _sourced(DEFAULT_PROFILE, "the default")


@functools.cache
def _sourced(name: str, source: str) -> CRDProfile:
    """The named profile saying where it came from (one object per pair: validation keys
    its compiled checkers on the profile object)."""
    return replace(PROFILES[name], source=source)
