"""Read-only checks against a real GKE cluster.

Opt-in: set ``GKE_SE_TEST_KUBECONFIG`` to the kubeconfig of a GKE 1.33+ cluster with the
Gateway API enabled (``GKE_SE_TEST_CONTEXT`` picks a context). Nothing is written.
"""

from __future__ import annotations

import os

import pytest

from gke_service_extensions import (
    ALL_NAMESPACES,
    ExtensionsClient,
    Gateway,
    GCPRoutingExtension,
    GCPTrafficExtension,
    GCPWasmPlugin,
    NotFoundError,
)
from gke_service_extensions.kube._status import evaluate

pytestmark = pytest.mark.gke


@pytest.fixture
def client() -> ExtensionsClient:
    return ExtensionsClient.from_kubeconfig(os.environ["GKE_SE_TEST_KUBECONFIG"],
                                            os.environ.get("GKE_SE_TEST_CONTEXT"))


@pytest.mark.parametrize("kind", [GCPTrafficExtension, GCPRoutingExtension, GCPWasmPlugin])
def test_cluster_objects_load_and_their_status_evaluates(client: ExtensionsClient,
                                                         kind: type) -> None:
    try:
        objs = client.list(kind, namespace=ALL_NAMESPACES)
    except NotFoundError:
        pytest.skip(f"{kind.__name__} CRD is not installed on this cluster")
    for obj in objs:
        state = evaluate(obj.to_manifest())
        assert state.summary().startswith(f"{kind.__name__} ")


def test_gateways_carry_gke_annotations(client: ExtensionsClient) -> None:
    for gw in client.list(Gateway, namespace=ALL_NAMESPACES):
        for key in ("lb-traffic-extensions", "lb-route-extensions", "wasm-plugins"):
            for path in gw.gke_annotation(key):
                assert "/locations/" in path
