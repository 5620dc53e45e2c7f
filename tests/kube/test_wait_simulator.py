"""End to end: ExtensionsClient.wait_until_programmed against the GKE simulator and its
controller (real HTTP, status written by the simulated GKE gateway controller)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gke_service_extensions import (
    GCPTrafficExtension,
    GCPWasmPlugin,
    ObjectDeletedError,
    ProgrammingFailed,
    WaitTimeoutError,
)
from gke_service_extensions.kube import ExtensionsClient
from gke_service_extensions.kube._status import AncestorState, Freshness, GatewayRef, Outcome
from gke_service_extensions.kube._wait import wait_for_gateway_binding, wait_with_kubeconfig
from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._controller import ControllerSettings

IMAGE = "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"


def traffic_ext(name: str, gateway: str = "gw", service: str = "callout",
                timeout: str = "1s") -> GCPTrafficExtension:
    return GCPTrafficExtension.from_manifest({
        "apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                            "name": gateway}],
            "extensionChains": [{"name": "chain1", "extensions": [{
                "name": "ext1", "authority": "myext.com", "timeout": timeout,
                "supportedEvents": ["RequestHeaders"],
                "backendRef": {"group": "", "kind": "Service", "name": service, "port": 443},
            }]}],
        },
    })


@pytest.fixture
def sim() -> Iterator[GKESimulator]:
    with GKESimulator(controller_settings=ControllerSettings(programming_delay=0.3)) as s:
        s.add_gateway("gw")
        s.add_service("callout", port=443)
        s.add_http_route("route", gateway="gw", service="callout")
        yield s


@pytest.fixture
def client(sim: GKESimulator) -> Iterator[ExtensionsClient]:
    c = ExtensionsClient(sim.api_client(), namespace="default", request_timeout=2.0)
    try:
        yield c
    finally:
        c.close()


def later(delay: float, fn: Callable[[], object]) -> None:
    t = threading.Timer(delay, fn)
    t.daemon = True
    t.start()


def test_created_extension_is_waited_until_programmed(client: ExtensionsClient,
                                                      sim: GKESimulator) -> None:
    sim.controller.hold_pending("GCPTrafficExtension", "default", "ext")
    ext = client.create(traffic_ext("ext"))
    seen: list[Any] = []

    def on_change(state: Any) -> None:
        seen.append(state)
        if len(seen) == 1:  # the wait saw it pending: let the controller finish
            sim.controller.release("GCPTrafficExtension", "default", "ext")

    result = client.wait_until_programmed(ext, timeout=15, on_change=on_change)
    assert result.state.outcome is Outcome.PROGRAMMED
    [a] = result.ancestors
    assert a.ancestor == GatewayRef("gw", "default")
    assert (a.state, a.status, a.reason) == (AncestorState.PROGRAMMED, "True",
                                              "ProgrammingSucceeded")
    assert a.freshness is Freshness.FRESH
    assert isinstance(result.obj, GCPTrafficExtension)
    assert seen[-1].outcome is Outcome.PROGRAMMED
    assert seen[0].outcome is Outcome.PENDING
    paths = wait_for_gateway_binding(client, "gw", ext, timeout=15)
    assert paths
    assert all("lbTrafficExtensions/" in p and not p.startswith("/") for p in paths)


def test_spec_update_waits_for_the_new_generation(client: ExtensionsClient,
                                                  sim: GKESimulator) -> None:
    client.create(traffic_ext("ext"))
    client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"), timeout=15)
    sim.controller.hold_pending("GCPTrafficExtension", "default", "ext")
    current = client.get(GCPTrafficExtension, "ext")
    changed = traffic_ext("ext", timeout="2s")
    changed.metadata.resource_version = current.metadata.resource_version
    updated = client.replace(changed)
    assert updated.metadata.generation == 2
    with pytest.raises(WaitTimeoutError) as info:
        client.wait_until_programmed(updated, timeout=1)
    assert "Gateway default/gw: Pending" in str(info.value)
    later(0.2, lambda: sim.controller.release("GCPTrafficExtension", "default", "ext"))
    result = client.wait_until_programmed(updated, timeout=15)
    assert result.state.generation == 2
    assert result.ancestors[0].observed_generation == 2


def test_missing_callout_service_fails_fast(client: ExtensionsClient,
                                           sim: GKESimulator) -> None:
    sim.admission = False  # the status path (GKE's admission refuses it at creation)
    client.create(traffic_ext("ext", service="nope"))
    started = time.monotonic()
    with pytest.raises(ProgrammingFailed) as info:
        client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"), timeout=30)
    assert time.monotonic() - started < 10
    assert info.value.condition == "ResolvedRefs"
    assert info.value.reason == "ExtensionServiceNotFound"
    assert info.value.ancestor == "Gateway default/gw"
    assert "nope" in (info.value.condition_message or "")


def test_second_extension_on_the_same_gateway_fails_conflicted(
        client: ExtensionsClient) -> None:
    client.create(traffic_ext("first"))
    client.wait_until_programmed(("GCPTrafficExtension", "first", "default"), timeout=15)
    client.create(traffic_ext("second"))
    with pytest.raises(ProgrammingFailed) as info:
        client.wait_until_programmed(("GCPTrafficExtension", "second", "default"), timeout=30)
    assert info.value.reason == "Conflicted"


def test_injected_terminal_failure_is_reported(client: ExtensionsClient,
                                               sim: GKESimulator) -> None:
    sim.controller.fail("GCPTrafficExtension", "default", "ext", condition="Accepted",
                        reason="InvalidCELExpression", message="has() is not allowed")
    client.create(traffic_ext("ext"))
    with pytest.raises(ProgrammingFailed, match="InvalidCELExpression: has"):
        client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"), timeout=30)


def test_deleted_mid_wait(client: ExtensionsClient, sim: GKESimulator) -> None:
    sim.controller.hold_pending("GCPTrafficExtension", "default", "ext")
    client.create(traffic_ext("ext"))
    # Delete once the wait has seen the object (pending), so it cannot be "not found" instead.
    with pytest.raises(ObjectDeletedError):
        client.wait_until_programmed(
            ("GCPTrafficExtension", "ext", "default"), timeout=30,
            on_change=lambda _: later(0.1, lambda: client.delete(
                GCPTrafficExtension, "ext", namespace="default")))


def test_timeout_message_lists_every_expected_ancestor(client: ExtensionsClient,
                                                       sim: GKESimulator) -> None:
    sim.controller.hold_pending("GCPTrafficExtension", "default", "ext")
    client.create(traffic_ext("ext"))
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError) as info:
        client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"), timeout=1,
                                     gateways=[GatewayRef("gw"), GatewayRef("other")])
    assert time.monotonic() - started < 1 + 1
    message = str(info.value)
    assert "Gateway default/gw: Pending" in message
    assert "Gateway default/other: Pending (not reported by the controller yet)" in message


FAULTS: dict[str, Callable[[GKESimulator], None]] = {
    "watch closed every 100 ms": lambda s: s.faults.close_watches_after(0.1),
    "410 mid-wait": lambda s: s.faults.expire_next_watch(times=3),
    "503 burst on list": lambda s: s.faults.fail(503, times=4, verb="list"),
    "stalled watch": lambda s: s.faults.stall(30, verb="watch", times=1),
    "stalled list": lambda s: s.faults.stall(30, verb="list", times=1),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_wait_survives_api_faults(client: ExtensionsClient, sim: GKESimulator,
                                  fault: str) -> None:
    client.create(traffic_ext("ext"))
    FAULTS[fault](sim)
    timeout = 20.0
    started = time.monotonic()
    result = client.wait_until_programmed(("GCPTrafficExtension", "ext", "default"),
                                          timeout=timeout)
    assert time.monotonic() - started < timeout + 1
    assert result.state.outcome is Outcome.PROGRAMMED
    assert result.ancestors[0].observed_generation == 1


def test_wait_all_over_several_gateways(client: ExtensionsClient, sim: GKESimulator) -> None:
    names = [f"ext{i}" for i in range(4)]
    for i, name in enumerate(names):
        sim.add_gateway(f"gw{i}")
        client.create(traffic_ext(name, gateway=f"gw{i}"))
    sim.faults.reset_counts()
    results = client.wait_all_programmed(
        [("GCPTrafficExtension", n, "default") for n in names], timeout=20)
    assert [r.manifest["metadata"]["name"] for r in results] == names
    assert sim.faults.count(verb="watch", resource="gcptrafficextensions") <= 2


def test_wasm_plugin_without_explicit_gateways_waits_for_its_ancestors(
        client: ExtensionsClient, sim: GKESimulator) -> None:
    sim.add_image(IMAGE)
    plugin = GCPWasmPlugin.from_manifest({
        "apiVersion": "networking.gke.io/v1", "kind": "GCPWasmPlugin",
        "metadata": {"name": "plugin", "namespace": "default"},
        "spec": {"versions": [{"name": "v1", "image": IMAGE, "weight": 1000000}]},
    })
    client.create(plugin)

    def attach() -> None:
        client.create(GCPTrafficExtension.from_manifest({
            "apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
            "metadata": {"name": "uses-plugin", "namespace": "default"},
            "spec": {
                "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                "name": "gw"}],
                "extensionChains": [{"name": "chain1", "extensions": [{
                    "name": "ext1", "supportedEvents": ["RequestHeaders"],
                    "backendRef": {"group": "networking.gke.io", "kind": "GCPWasmPlugin",
                                   "name": "plugin"},
                }]}],
            },
        }))

    later(0.3, attach)  # until something references it, the plugin has no ancestor
    result = client.wait_until_programmed(("GCPWasmPlugin", "plugin", "default"), timeout=20)
    assert [a.ancestor for a in result.ancestors] == [GatewayRef("gw", "default")]


def test_module_level_wait_with_kubeconfig(client: ExtensionsClient, sim: GKESimulator) -> None:
    client.create(traffic_ext("ext"))
    result = wait_with_kubeconfig(("GCPTrafficExtension", "ext", None),
                                  kubeconfig=str(sim.kubeconfig_path), timeout=15)
    assert result.state.outcome is Outcome.PROGRAMMED
