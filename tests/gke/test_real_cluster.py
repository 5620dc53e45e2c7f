"""Read-only checks against a real GKE cluster.

Opt-in: set ``GKE_SE_TEST_KUBECONFIG`` to the kubeconfig of a GKE 1.33+ cluster with the
Gateway API enabled (``GKE_SE_TEST_CONTEXT`` picks a context). Nothing is written.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

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
from gke_service_extensions.kube import evaluate

pytestmark = pytest.mark.gke


@pytest.fixture
def client() -> Iterator[ExtensionsClient]:
    with ExtensionsClient.from_kubeconfig(os.environ["GKE_SE_TEST_KUBECONFIG"],
                                          os.environ.get("GKE_SE_TEST_CONTEXT")) as c:
        yield c


@pytest.mark.parametrize("kind", [GCPTrafficExtension, GCPRoutingExtension, GCPWasmPlugin])
def test_cluster_objects_load_and_their_status_evaluates(client: ExtensionsClient,
                                                         kind: type) -> None:
    try:
        objs = client.list(kind, namespace=ALL_NAMESPACES)
    except NotFoundError:
        pytest.skip(f"{kind.__name__} CRD is not installed on this cluster")
    if not objs:
        pytest.skip(f"no {kind.__name__} on this cluster: nothing to check")
    summaries = [evaluate(obj.to_manifest()).summary() for obj in objs]
    assert len(summaries) == len(objs)
    assert [s for s in summaries if not s.startswith(f"{kind.__name__} ")] == []


def test_gateways_carry_gke_annotations(client: ExtensionsClient) -> None:
    gateways = client.list(Gateway, namespace=ALL_NAMESPACES)
    if not gateways:
        pytest.skip("no Gateway on this cluster: nothing to check")
    paths = [path for gw in gateways
             for key in ("lb-traffic-extensions", "lb-route-extensions", "wasm-plugins")
             for path in gw.gke_annotation(key)]
    if not paths:
        pytest.skip("no Gateway on this cluster names an extension resource yet")
    assert [p for p in paths if "/locations/" not in p] == []
