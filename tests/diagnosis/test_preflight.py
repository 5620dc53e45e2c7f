"""preflight() and client.apply(obj, preflight=True): refused before anything is sent, in
GKE's own words for the three errors GKE gives at creation (SPEC §7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from recording import Recorder
from samples import routing_extension, traffic_extension, wasm_plugin, wasm_traffic_extension

from gke_service_extensions import (
    ExtensionsClient,
    GCPRoutingExtension,
    GCPTrafficExtension,
    GCPWasmPlugin,
    ManifestError,
    PreflightFailed,
    preflight,
)
from gke_service_extensions._gke import TRAFFIC_EXTENSION
from gke_service_extensions.diagnosis import Check, Severity
from gke_service_extensions.testing import GKESimulator

IMAGE = "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"
HEAD = 'GCPTrafficExtension.networking.gke.io "my-traffic-extension" is invalid: '


@pytest.fixture
def sim() -> Iterator[GKESimulator]:
    with GKESimulator(controller=False, gcp=False) as s:
        yield s


@pytest.fixture
def recorder(sim: GKESimulator) -> Recorder:
    return Recorder(sim)


@pytest.fixture
def client(recorder: Recorder) -> ExtensionsClient:
    return ExtensionsClient(transport=recorder)


def ext(manifest: dict[str, Any] | None = None) -> GCPTrafficExtension:
    return GCPTrafficExtension.from_manifest(manifest or traffic_extension())


def refused(client: ExtensionsClient, recorder: Recorder, sim: GKESimulator,
            obj: Any) -> PreflightFailed:
    with pytest.raises(PreflightFailed) as info:
        client.apply(obj, preflight=True)
    assert recorder.writes() == []
    assert sim.store.get(TRAFFIC_EXTENSION, "default", "my-traffic-extension") is None
    return info.value


def test_a_healthy_setup_passes_preflight_and_is_applied(
        sim: GKESimulator, client: ExtensionsClient, recorder: Recorder) -> None:
    sim.add_gateway("external-http")
    sim.add_service("extension-service")
    d = preflight(client, ext())
    assert d.findings == ()
    assert d.preflight
    applied = client.apply(ext(), preflight=True)
    assert applied.metadata.uid
    assert [r.method for r in recorder.writes()] == ["PATCH"]


def test_a_missing_gateway_is_refused_as_gke_refuses_it(
        sim: GKESimulator, client: ExtensionsClient, recorder: Recorder) -> None:
    sim.add_service("extension-service")
    error = refused(client, recorder, sim, ext())
    assert str(error).splitlines()[0] == (
        HEAD + 'spec.gatewayRef: gateway "external-http" not found in namespace "default"')
    assert isinstance(error, ManifestError)
    assert str(error.obj) == "GCPTrafficExtension default/my-traffic-extension"
    assert [f.check for f in error.diagnosis.findings] == [Check.GATEWAY_NOT_FOUND]


def test_a_missing_service_is_refused_as_gke_refuses_it(
        sim: GKESimulator, client: ExtensionsClient, recorder: Recorder) -> None:
    sim.add_gateway("external-http")
    error = refused(client, recorder, sim, ext())
    assert str(error).splitlines()[0] == (
        HEAD + 'spec.service: service "extension-service" not found in namespace "default"')


def test_a_service_without_endpoints_is_refused_as_gke_refuses_it(
        sim: GKESimulator, client: ExtensionsClient, recorder: Recorder) -> None:
    sim.add_gateway("external-http")
    sim.add_service("extension-service", endpoints=0)
    error = refused(client, recorder, sim, ext())
    assert str(error).splitlines()[0] == (
        HEAD + 'spec.service: no network endpoints found for service "extension-service"')


def test_every_creation_error_is_in_the_first_line(
        sim: GKESimulator, client: ExtensionsClient, recorder: Recorder) -> None:
    error = refused(client, recorder, sim, ext())
    assert str(error).splitlines()[0] == (
        HEAD + 'spec.gatewayRef: gateway "external-http" not found in namespace "default"; '
        'spec.service: service "extension-service" not found in namespace "default"')
    assert "fix: create Gateway" in str(error)


def test_errors_gke_accepts_but_never_programs_are_refused_too(
        sim: GKESimulator, client: ExtensionsClient, recorder: Recorder) -> None:
    sim.add_gateway("external-http")
    sim.add_service("extension-service", app_protocol=None)
    error = refused(client, recorder, sim, ext())
    assert str(error).splitlines()[0].startswith(
        "GCPTrafficExtension default/my-traffic-extension would not be programmed: "
        'Service "extension-service" port 443 has appProtocol unset')


def test_preflight_finds_an_extension_already_on_the_gateway(
        sim: GKESimulator, client: ExtensionsClient) -> None:
    sim.add_gateway("external-http")
    sim.add_service("extension-service")
    client.apply(ext())
    other = traffic_extension()
    other["metadata"]["name"] = "second"
    d = preflight(client, ext(other))
    assert [f.check for f in d.findings] == [Check.EXTENSION_CONFLICT]
    assert preflight(client, ext()).findings == ()  # re-applying the first one is fine
    client.apply(ext(other))
    assert preflight(client, ext()).findings == ()  # it still holds the Gateway's slot
    assert [f.check for f in preflight(client, ext(other)).findings] == [
        Check.EXTENSION_CONFLICT]


def test_preflight_checks_class_support_and_cluster_version() -> None:
    with GKESimulator(controller=False, gcp=False, kubernetes_version="v1.32.9-gke.1") as sim:
        client = ExtensionsClient(sim.api_client())
        sim.add_gateway("internal-http")  # global external: no route extensions
        sim.add_service("extension-service")
        d = preflight(client, GCPRoutingExtension.from_manifest(routing_extension()))
    assert [f.check for f in d.findings] == [Check.CLUSTER_VERSION,
                                             Check.GATEWAY_CLASS_UNSUPPORTED]


def test_preflight_of_a_wasm_extension_before_its_plugin_is_programmed_passes(
        sim: GKESimulator, client: ExtensionsClient) -> None:
    sim.add_gateway("external-http")
    client.apply(GCPWasmPlugin.from_manifest(wasm_plugin()))
    assert preflight(client, ext(wasm_traffic_extension())).findings == ()
    missing = wasm_traffic_extension()
    missing["spec"]["extensionChains"][0]["extensions"][0]["backendRef"]["name"] = "nope"
    (f,) = preflight(client, ext(missing)).findings
    assert f.check is Check.PLUGIN_NOT_FOUND


def test_preflight_of_a_plugin_does_not_ask_for_users_it_cannot_have_yet(
        sim: GKESimulator, client: ExtensionsClient) -> None:
    assert preflight(client, GCPWasmPlugin.from_manifest(wasm_plugin())).findings == ()


def test_warnings_do_not_refuse(sim: GKESimulator, client: ExtensionsClient) -> None:
    sim.add_gateway("external-http")
    sim.add_service("extension-service")
    d = preflight(client, ext())
    assert all(f.severity is not Severity.ERROR for f in d.findings)
    client.apply(ext(), preflight=True)


def test_bad_input_is_a_manifest_error(client: ExtensionsClient) -> None:
    with pytest.raises(ManifestError, match="diagnose takes a"):
        preflight(client, object())  # type: ignore[arg-type]
    nameless = ext()
    nameless.metadata.name = None
    with pytest.raises(ManifestError, match=r"metadata\.name is required"):
        preflight(client, nameless)
