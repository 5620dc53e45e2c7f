"""The CustomResourceDefinitions the simulated cluster serves, of one CRD generation.

The three networking.gke.io CRDs are generated from the models under the simulator's CRD
profile (:func:`~gke_service_extensions.models.to_crd`: structural schema plus the
generation-dependent ``x-kubernetes-validations``), so a client reading them derives that
profile. The Gateway API kinds get open schemas: GKE installs them as CRDs too.
"""

from __future__ import annotations

from typing import Any

from ...models import MODELS, CRDProfile, to_crd
from ...models._meta import ResourceInfo
from ._resources import GATEWAY, GATEWAY_CLASS, HTTP_ROUTE

__all__ = ["served_crds"]


def _open_crd(info: ResourceInfo) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{info.plural}.{info.group}"},
        "spec": {
            "group": info.group,
            "names": {"kind": info.kind, "listKind": info.list_kind, "plural": info.plural,
                      "singular": info.singular},
            "scope": "Namespaced" if info.namespaced else "Cluster",
            "versions": [{
                "name": info.version, "served": True, "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object",
                                               "x-kubernetes-preserve-unknown-fields": True}},
                "subresources": {"status": {}},
            }],
        },
    }


def served_crds(profile: CRDProfile) -> list[dict[str, Any]]:
    """The CRD manifests of a cluster whose GKE CRDs are of generation ``profile``."""
    crds = [to_crd(model, profile=profile) for model in MODELS]
    crds += [_open_crd(info) for info in (GATEWAY_CLASS, GATEWAY, HTTP_ROUTE)]
    return crds
