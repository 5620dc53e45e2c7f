"""GKE's admission is on by default in ``GKESimulator`` and the pytest fixtures, and can be
switched off (argument, property, marker) for tests of the status path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from gke_service_extensions.testing import GKESimulator

PREFIX = 'GCPTrafficExtension.networking.gke.io "my-traffic-extension" is invalid: '
EXTENSION: dict[str, Any] = {
    "apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
    "metadata": {"name": "my-traffic-extension", "namespace": "default"},
    "spec": {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                        "name": "external-http"}],
        "extensionChains": [{"name": "chain1", "extensions": [{
            "name": "ext1", "authority": "myext.com", "timeout": "1s",
            "supportedEvents": ["RequestHeaders"],
            "backendRef": {"group": "", "kind": "Service", "name": "extension-service",
                           "port": 443}}]}]},
}


def _create(sim: GKESimulator) -> Any:
    with sim.api_client() as api:
        return client.CustomObjectsApi(api).create_namespaced_custom_object(
            "networking.gke.io", "v1", "default", "gcptrafficextensions", EXTENSION)


def _refusal(sim: GKESimulator) -> str:
    with pytest.raises(ApiException) as err:
        _create(sim)
    assert err.value.status == 422
    return str(json.loads(err.value.body)["message"])


def test_by_default_a_missing_gateway_service_port_or_endpoints_is_refused() -> None:
    with GKESimulator(gcp=False, controller=False) as sim:
        assert sim.admission is True
        assert _refusal(sim) == PREFIX + ('spec.gatewayRef: gateway "external-http" not '
                                          'found in namespace "default"')
        sim.add_gateway("external-http")
        assert _refusal(sim) == PREFIX + ('spec.service: service "extension-service" not '
                                          'found in namespace "default"')
    with GKESimulator(gcp=False, controller=False) as sim:
        sim.add_gateway("external-http")
        sim.add_service("extension-service", port=8443)  # not the port the extension names
        assert _refusal(sim) == PREFIX + ('spec.service: service "extension-service" not '
                                          'found in namespace "default"')
    with GKESimulator(gcp=False, controller=False) as sim:
        sim.add_gateway("external-http")
        sim.add_service("extension-service", endpoints=0)
        assert _refusal(sim) == PREFIX + ('spec.service: no network endpoints found for '
                                          'service "extension-service"')
        assert sim.store.list(_traffic())[0] == []
        sim.add_service("ready", endpoints=1)  # another Service's endpoints do not count
        assert "no network endpoints" in _refusal(sim)


def test_admission_false_or_the_property_lets_the_write_through() -> None:
    with GKESimulator(gcp=False, controller=False, admission=False) as sim:
        assert _create(sim)["metadata"]["name"] == "my-traffic-extension"
    with GKESimulator(gcp=False, controller=False) as sim:
        sim.admission = False
        assert _create(sim)["metadata"]["generation"] == 1
        sim.admission = True
        sim.store.delete(_traffic(), "default", "my-traffic-extension")
        assert "gatewayRef" in _refusal(sim)


def test_the_function_fixture_refuses_as_gke_by_default(gke_simulator: GKESimulator) -> None:
    assert gke_simulator.admission is True
    assert "spec.gatewayRef" in _refusal(gke_simulator)


def test_the_session_fixture_refuses_as_gke(gke_simulator_session: GKESimulator) -> None:
    assert gke_simulator_session.admission is True


@pytest.mark.gke_simulator(admission=False, crd_profile="gke-1.33")
def test_the_marker_passes_its_arguments_to_the_simulator(
        gke_simulator: GKESimulator) -> None:
    assert gke_simulator.admission is False
    assert gke_simulator.crd_profile.name == "gke-1.33"
    assert _create(gke_simulator)["metadata"]["name"] == "my-traffic-extension"


def _traffic() -> Any:
    from gke_service_extensions._gke import TRAFFIC_EXTENSION

    return TRAFFIC_EXTENSION
