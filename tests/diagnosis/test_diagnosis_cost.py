"""A diagnosis reads each collection once: the number of requests does not grow with the
number of Gateways, Services or extension chains (no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from recording import Recorder
from samples import traffic_extension, wasm_plugin, wasm_traffic_extension

from gke_service_extensions import (
    ExtensionsClient,
    GCPTrafficExtension,
    GCPWasmPlugin,
    diagnose,
    preflight,
)
from gke_service_extensions.testing import GKESimulator


@pytest.fixture
def sim() -> Iterator[GKESimulator]:
    with GKESimulator(controller=False, gcp=False) as s:
        yield s


def wide(n: int) -> dict[str, Any]:
    """An extension on ``n`` Gateways with ``n`` chains, each calling its own Service."""
    m = traffic_extension()
    chain = m["spec"]["extensionChains"][0]
    m["spec"]["targetRefs"] = [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                "name": f"gw-{i}"} for i in range(n)]
    chains = []
    for i in range(n):
        c: dict[str, Any] = {**chain, "name": f"chain{i}",
                             "extensions": [{**chain["extensions"][0], "name": f"ext{i}"}]}
        c["extensions"][0]["backendRef"] = {**chain["extensions"][0]["backendRef"],
                                            "name": f"svc-{i}"}
        chains.append(c)
    m["spec"]["extensionChains"] = chains
    return m


def requests_for(sim: GKESimulator, n: int, run: Any) -> list[tuple[str, str]]:
    for i in range(n):
        sim.add_gateway(f"gw-{i}")
        sim.add_service(f"svc-{i}")
    recorder = Recorder(sim)
    client = ExtensionsClient(transport=recorder)
    obj = GCPTrafficExtension.from_manifest(wide(n))
    client.apply(obj)
    recorder.requests.clear()
    d = run(client, obj)
    assert d.requests == len(recorder.requests)
    return [(r.method, r.path) for r in recorder.requests]


@pytest.mark.parametrize("run", [diagnose, preflight])
def test_requests_do_not_grow_with_gateways_and_services(run: Any) -> None:
    with GKESimulator(controller=False, gcp=False) as one, \
            GKESimulator(controller=False, gcp=False) as three:
        small = requests_for(one, 1, run)
        large = requests_for(three, 3, run)
    assert len(large) == len(small)
    assert len(set(large)) == len(large)  # nothing read twice
    assert ("GET", "/apis/gateway.networking.k8s.io/v1/gateways") in large
    assert ("GET", "/version") in large


def test_a_traffic_extension_diagnosis_reads_five_collections(sim: GKESimulator) -> None:
    assert sorted(requests_for(sim, 2, diagnose)) == [
        ("GET", "/api/v1/namespaces/default/services"),
        ("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"),
        ("GET", "/apis/gateway.networking.k8s.io/v1/gateways"),
        ("GET", "/apis/networking.gke.io/v1/namespaces/default/gcptrafficextensions"),
        ("GET", "/version"),
    ]


def test_a_plugin_diagnosis_reads_the_plugin_and_its_users_once(sim: GKESimulator) -> None:
    sim.add_gateway("external-http")
    recorder = Recorder(sim)
    client = ExtensionsClient(transport=recorder)
    plugin = client.apply(GCPWasmPlugin.from_manifest(wasm_plugin()))
    for i in range(3):
        m = wasm_traffic_extension()
        m["metadata"]["name"] = f"user-{i}"
        client.apply(GCPTrafficExtension.from_manifest(m))
    recorder.requests.clear()
    diagnose(client, plugin)
    assert sorted((r.method, r.path) for r in recorder.requests) == [
        ("GET", "/apis/gateway.networking.k8s.io/v1/gateways"),
        ("GET", "/apis/networking.gke.io/v1/namespaces/default/gcproutingextensions"),
        ("GET", "/apis/networking.gke.io/v1/namespaces/default/gcptrafficextensions"),
        ("GET", "/apis/networking.gke.io/v1/namespaces/default/gcpwasmplugins/gcp-wasm-plugin"),
        ("GET", "/version"),
    ]


def test_without_cluster_wide_gateway_access_the_namespace_is_listed(
        sim: GKESimulator) -> None:
    sim.add_gateway("gw-0")
    sim.add_service("svc-0")
    sim.faults.fail(403, times=1, verb="list",
                    path_contains="/apis/gateway.networking.k8s.io/v1/gateways")
    client = ExtensionsClient(sim.api_client())
    obj = client.apply(GCPTrafficExtension.from_manifest(wide(1)))
    d = diagnose(client, obj)
    assert [f.check.value for f in d.findings] == ["status-missing"]  # the Gateway was found
    assert d.requests == 6


def test_an_unreadable_version_skips_the_version_check(sim: GKESimulator) -> None:
    sim.add_gateway("gw-0")
    sim.add_service("svc-0")
    sim.faults.fail(403, times=None, path_contains="/version")
    client = ExtensionsClient(sim.api_client())
    d = preflight(client, GCPTrafficExtension.from_manifest(wide(1)))
    assert d.findings == ()
    assert "cluster version" not in d.checks
