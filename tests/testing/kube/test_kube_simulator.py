"""GKESimulator: lifecycle, kubeconfig, client, helpers, the full stack, the fixtures."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from kubernetes import client

from gke_service_extensions.testing import GKESimulator, WatchEvent
from gke_service_extensions.testing._kube._resources import (
    ENDPOINT_SLICE,
    ENDPOINTS,
    GATEWAY_CLASS,
    HTTP_ROUTE,
    SERVICE,
    TRAFFIC_EXTENSION,
)

Factory = Callable[..., dict[str, Any]]


def test_kubeconfig_points_at_the_server(sim: GKESimulator) -> None:
    config = yaml.safe_load(sim.kubeconfig_path.read_text())
    assert config["current-context"] == "gke-simulator"
    assert config["clusters"][0]["cluster"]["server"] == sim.kube_url
    assert sim.kube_url.startswith("http://127.0.0.1:")
    assert config["users"][0]["user"]["token"]


def test_api_client_leaves_the_global_configuration_alone(sim: GKESimulator) -> None:
    before = client.Configuration.get_default_copy().host
    api: Any = sim.api_client()
    assert api.configuration.host == sim.kube_url
    assert client.Configuration.get_default_copy().host == before
    versions = client.CoreV1Api(api).list_namespace()
    api.close()
    assert "default" in [n.metadata.name for n in versions.items if n.metadata]


def test_stop_removes_kubeconfig_and_is_idempotent() -> None:
    sim = GKESimulator(gcp=False, controller=False).start()
    path = sim.kubeconfig_path
    assert path.exists()
    sim.stop()
    sim.stop()
    assert not path.exists()
    with pytest.raises(RuntimeError, match="not started"):
        _ = sim.kube_url


def test_gke_gateway_classes_exist(sim: GKESimulator) -> None:
    names = {c["metadata"]["name"] for c in sim.store.list(GATEWAY_CLASS)[0]}
    assert {"gke-l7-global-external-managed", "gke-l7-regional-external-managed",
            "gke-l7-rilb"} <= names


def test_add_service_creates_service_endpoints_and_slice(sim: GKESimulator) -> None:
    sim.add_service("callout", port=8443, endpoints=2)
    svc = sim.store.get(SERVICE, "default", "callout")
    assert svc is not None
    assert svc["spec"]["ports"][0] == {"name": "grpc", "port": 8443, "targetPort": 8443,
                                       "protocol": "TCP", "appProtocol": "HTTP2"}
    endpoints = sim.store.get(ENDPOINTS, "default", "callout")
    assert endpoints is not None
    assert len(endpoints["subsets"][0]["addresses"]) == 2
    slices = sim.store.list(ENDPOINT_SLICE, "default")[0]
    assert slices[0]["metadata"]["labels"]["kubernetes.io/service-name"] == "callout"


def test_add_service_without_endpoints(sim: GKESimulator) -> None:
    sim.add_service("empty", endpoints=0, app_protocol=None)
    endpoints = sim.store.get(ENDPOINTS, "default", "empty")
    assert endpoints is not None
    assert "subsets" not in endpoints
    svc = sim.store.get(SERVICE, "default", "empty")
    assert svc is not None
    assert "appProtocol" not in svc["spec"]["ports"][0]


def test_add_http_route_attaches_to_the_gateway(sim: GKESimulator) -> None:
    sim.add_http_route("route", gateway="gw", service="web", port=8080, path="/api")
    route = sim.store.get(HTTP_ROUTE, "default", "route")
    assert route is not None
    assert route["spec"]["parentRefs"] == [{"name": "gw"}]
    assert route["spec"]["rules"][0]["backendRefs"] == [{"name": "web", "port": 8080}]


def test_add_image_needs_the_gcp_part(sim: GKESimulator) -> None:
    with pytest.raises(RuntimeError, match="without its Google Cloud part"):
        sim.add_image("us-docker.pkg.dev/p/r/i:v1")


def test_full_stack_programs_a_traffic_extension(traffic_extension: Factory) -> None:
    programmed = threading.Event()

    def watch_for_programmed(event: WatchEvent) -> None:
        for ancestor in (event.object.get("status") or {}).get("ancestors", []):
            for cond in ancestor.get("conditions", []):
                if cond["type"] == "Programmed" and cond["status"] == "True":
                    programmed.set()

    with GKESimulator() as sim:
        assert sim.gcp_endpoint is not None
        assert sim.gcp_endpoint.startswith("http://127.0.0.1:")
        assert sim.project_id == "sim-project"
        digest = sim.add_image("us-docker.pkg.dev/sim-project/repo/plugin:v1")
        assert digest.startswith("sha256:")
        sim.store.subscribe(watch_for_programmed)
        sim.add_gateway("gw")
        sim.add_service("callout")
        sim.store.create(TRAFFIC_EXTENSION, traffic_extension())
        assert programmed.wait(timeout=30), sim.store.get(TRAFFIC_EXTENSION, "default",
                                                          "my-ext")


def test_gke_simulator_fixture_gives_a_started_empty_simulator(
        gke_simulator: GKESimulator) -> None:
    assert gke_simulator.kubeconfig_path.exists()
    assert gke_simulator.store.list(TRAFFIC_EXTENSION)[0] == []


def test_gke_simulator_session_fixture_is_shared(gke_simulator_session: GKESimulator,
                                                 request: pytest.FixtureRequest) -> None:
    assert request.getfixturevalue("gke_simulator_session") is gke_simulator_session
    assert gke_simulator_session.kube_url.startswith("http://127.0.0.1:")


def test_module_main_prints_endpoints_and_stops_on_sigterm() -> None:
    with socket.socket() as probe:  # a port that is free right now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "gke_service_extensions.testing",
                             "--no-gcp", "--no-controller", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("kubeconfig:")
        second = proc.stdout.readline()
        assert f"Kubernetes API:  http://127.0.0.1:{port}" in second
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert proc.returncode == 0
