"""Fixtures: a fresh GCPState + GCPServer per test and the real REST clients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import artifactregistry_v1, network_services_v1

from gke_service_extensions.testing._gcp import GCPServer, GCPState

PROJECT = "sim-project"
PROJECT_NUMBER = "123456789012"

@pytest.fixture
def state() -> GCPState:
    return GCPState(PROJECT, project_number=PROJECT_NUMBER)


@pytest.fixture
def server(state: GCPState) -> Iterator[GCPServer]:
    with GCPServer(state) as srv:
        yield srv


def _opts(server: GCPServer) -> dict[str, Any]:
    return {"transport": "rest", "credentials": AnonymousCredentials(),  # type: ignore[no-untyped-call]
            "client_options": {"api_endpoint": server.endpoint}}


@pytest.fixture
def dep(server: GCPServer) -> network_services_v1.DepServiceClient:
    return network_services_v1.DepServiceClient(**_opts(server))


@pytest.fixture
def net(server: GCPServer) -> network_services_v1.NetworkServicesClient:
    return network_services_v1.NetworkServicesClient(**_opts(server))


@pytest.fixture
def registry(server: GCPServer) -> artifactregistry_v1.ArtifactRegistryClient:
    return artifactregistry_v1.ArtifactRegistryClient(**_opts(server))
