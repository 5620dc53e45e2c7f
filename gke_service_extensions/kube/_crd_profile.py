"""The CRD rules a client checks writes against: the ones given, or the cluster's own.

With no profile given (and no ``GKE_SE_CRD_PROFILE``), a client reads the extension kinds'
CustomResourceDefinitions (``apiextensions.k8s.io/v1``) from the cluster once, on the first
write it checks, and derives the rules they enforce
(:func:`~gke_service_extensions.models.profile_from_crds`, pure). When the CRDs cannot be
read (403: not allowed; 404: not installed) it falls back to
:data:`~gke_service_extensions.models.DEFAULT_PROFILE` and says so once at INFO. Other
failures (401, 5xx after retries, no connection) raise and are not cached: the next write
tries again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .._errors import PICK_PROFILE_HINT, ObjectRef
from ..models import (
    DEFAULT_PROFILE,
    PROFILES,
    ROUTING_EXTENSION,
    TRAFFIC_EXTENSION,
    CRDProfile,
    ProfileChoice,
    profile_from_crds,
)
from ..models._profiles import profile_setting

if TYPE_CHECKING:
    from ._client import ExtensionsClient

__all__ = ["CRD_PATH", "ProfileHolder", "read_cluster_profile"]

_log = logging.getLogger("gke_service_extensions.kube")

#: Where the API server serves CustomResourceDefinitions.
CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
_CRD_KIND = "CustomResourceDefinition"


def _fallback(why: str, detail: str) -> CRDProfile:
    profile = replace(PROFILES[DEFAULT_PROFILE],
                      source=f"the default; the cluster's CRDs could not be read: {why}")
    _log.info("cannot read the cluster's CRDs: %s (%s); writes are checked against the %r CRD "
              "profile; %s", why, detail, profile.name, PICK_PROFILE_HINT)
    return profile


def read_cluster_profile(client: ExtensionsClient) -> CRDProfile:
    """The CRD profile of the CRDs ``client``'s cluster serves (one GET per extension kind).

    403 or 404 on every CRD gives :data:`~gke_service_extensions.models.DEFAULT_PROFILE`,
    logged at INFO; other errors raise the client's usual errors.
    """
    crds: list[dict[str, Any]] = []
    missing: list[str] = []
    for info in (TRAFFIC_EXTENSION, ROUTING_EXTENSION):
        name = f"{info.plural}.{info.group}"
        ref = ObjectRef(_CRD_KIND, name)
        result = client._execute("GET", f"{CRD_PATH}/{quote(name, safe='')}", ref=ref,
                                 idempotent=True)
        response = result.response
        if response.ok:
            crds.append(client._json(response, ref))
        elif response.status == 404:
            missing.append(name)
        elif response.status == 403:
            return _fallback("forbidden (403)",
                             str(client._error(response, ref)))
        else:
            raise client._error(response, ref)
    if not crds:
        return _fallback("not installed (404)",
                         f"not found: {', '.join(missing)}")
    if missing:
        _log.info("the cluster serves no CRD %s; that kind is checked under the %r CRD "
                  "profile", ", ".join(missing), DEFAULT_PROFILE)
    profile = profile_from_crds(crds, source="from the cluster")
    _log.debug("the cluster's CRDs enforce the %r CRD profile", profile.name)
    return profile


class ProfileHolder:
    """One client's CRD profile: fixed when given, else the cluster's, read once (thread-safe).

    ``choice`` is resolved now (``None``: ``$GKE_SE_CRD_PROFILE``, else the cluster's), so
    a bad name raises :class:`~gke_service_extensions.UnknownProfileError` at construction.
    """

    def __init__(self, choice: ProfileChoice) -> None:
        setting = profile_setting(choice)
        self._profile: CRDProfile | None = setting if isinstance(setting, CRDProfile) else None
        self._lock = threading.Lock()

    @property
    def known(self) -> CRDProfile | None:
        """The profile, if already fixed or read (no I/O)."""
        return self._profile

    def get(self, client: ExtensionsClient) -> CRDProfile:
        """The profile; reads the cluster's CRDs through ``client`` the first time."""
        profile = self._profile
        if profile is not None:
            return profile
        with self._lock:
            if self._profile is None:
                self._profile = read_cluster_profile(client)
            return self._profile
