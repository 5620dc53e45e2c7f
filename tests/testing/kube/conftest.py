"""Fixtures for the simulator's Kubernetes API server tests."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kubernetes import client

from gke_service_extensions.testing import GKESimulator

GROUP, VERSION, PLURAL = "networking.gke.io", "v1", "gcptrafficextensions"

_TRAFFIC_EXTENSION: dict[str, Any] = {
    "apiVersion": "networking.gke.io/v1",
    "kind": "GCPTrafficExtension",
    "metadata": {"name": "my-ext", "namespace": "default"},
    "spec": {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"}],
        "extensionChains": [{
            "name": "chain1",
            "extensions": [{
                "name": "ext1", "authority": "ext.example.com", "timeout": "1s",
                "supportedEvents": ["RequestHeaders"],
                "backendRef": {"group": "", "kind": "Service", "name": "callout", "port": 443},
            }],
        }],
    },
}


@pytest.fixture
def sim() -> Iterator[GKESimulator]:
    """Only the Kubernetes half (no GCP, no controller), with fast bookmarks; without GKE's
    admission: these tests write extensions whose Gateway and Service do not exist."""
    with GKESimulator(gcp=False, controller=False, admission=False, bookmark_interval=0.1,
                      history_window=50) as s:
        yield s


# The kubernetes 37 client is only partly typed: tests hold its objects as Any.


@pytest.fixture
def api(sim: GKESimulator) -> Iterator[Any]:
    api_client: Any = sim.api_client()
    yield api_client
    api_client.close()


@pytest.fixture
def custom(api: Any) -> Any:
    return client.CustomObjectsApi(api)


@pytest.fixture
def core(api: Any) -> Any:
    return client.CoreV1Api(api)


@pytest.fixture
def traffic_extension() -> Callable[..., dict[str, Any]]:
    """A factory of valid GCPTrafficExtension manifests: ``traffic_extension(name, **meta)``."""

    def make(name: str = "my-ext", **metadata: Any) -> dict[str, Any]:
        obj = copy.deepcopy(_TRAFFIC_EXTENSION)
        obj["metadata"]["name"] = name
        obj["metadata"].update(metadata)
        return obj

    return make
