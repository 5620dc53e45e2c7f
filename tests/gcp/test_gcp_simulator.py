"""GCPClient against the GKE simulator: what GKE programmed, read back; injected faults."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gcp_samples import IMAGE_V1, IMAGE_V2, gcp_objects

from gke_service_extensions import (
    Event,
    Gateway,
    GCPAuthenticationError,
    GCPError,
    GCPNotFoundError,
    GCPPermissionDeniedError,
    GCPQuotaError,
    GCPRoutingExtension,
    GCPTimeoutError,
    GCPUnavailableError,
    GCPWasmPlugin,
)
from gke_service_extensions._gke import id_names
from gke_service_extensions.gcp import GatewayDifference, GCPClient, GCPRetry
from gke_service_extensions.kube import ExtensionsClient
from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._controller import ControllerSettings


@pytest.fixture(scope="module")
def sim() -> Iterator[GKESimulator]:
    with GKESimulator(controller_settings=ControllerSettings(programming_delay=0.0)) as s:
        s.add_gateway("external", "gke-l7-global-external-managed")
        s.add_gateway("internal", "gke-l7-rilb")
        s.add_service("callout", port=443)
        s.add_image(IMAGE_V1)
        s.add_image(IMAGE_V2)
        with ExtensionsClient(s.api_client()) as kube:
            applied = [kube.apply(o) for o in gcp_objects()]
            kube.wait_all_programmed(applied, timeout=30)
        yield s


@pytest.fixture
def kube(sim: GKESimulator) -> Iterator[ExtensionsClient]:
    with ExtensionsClient(sim.api_client()) as client:
        yield client


@pytest.fixture
def gcp(sim: GKESimulator) -> Iterator[GCPClient]:
    slept: list[float] = []
    with sim.gcp(retry=GCPRetry(attempts=3, sleep=slept.append)) as client:
        yield client
    sim.gcp_faults.clear()
    sim.gcp_faults.reset_counts()


# --------------------------------------------------------------------------- what GKE built


def test_resources_for_gateway_finds_exactly_what_gke_created(
    sim: GKESimulator, gcp: GCPClient, kube: ExtensionsClient
) -> None:
    found = gcp.resources_for_gateway(kube.get(Gateway, "external"))
    state = sim.gcp_state
    assert found.gateway == "default/external"
    assert [e.name for e in found.traffic_extensions] == [
        e["name"] for e in state.list_lb_traffic_extensions("global")]
    assert found.route_extensions == ()
    assert [p.name for p in found.wasm_plugins] == [
        p["name"] for p in state.list_wasm_plugins("global")]
    assert found.missing == ()
    (plugin,) = found.wasm_plugins
    location, plugin_id = "global", plugin.name.rsplit("/", 1)[1]
    assert {vid: (v.image_uri, v.image_digest) for vid, v in plugin.versions.items()} == {
        v["name"].rsplit("/", 1)[1]: (v["imageUri"], v["imageDigest"])
        for v in state.list_wasm_plugin_versions(location, plugin_id)}
    assert plugin.main_version_id is not None
    assert id_names(plugin.main_version_id, "v2")  # GKE's PREFIX-VERSIONNAME-SUFFIX
    assert plugin.main_version is not None
    assert plugin.main_version.image_digest == sim.gcp_state.resolve_image(IMAGE_V2)
    assert plugin.log_config is not None
    assert (plugin.log_config.sample_rate, plugin.log_config.sample_rate_ppm) == (0.25, 250_000)
    (ext,) = found.traffic_extensions
    (callout,) = ext.extensions
    assert callout.supported_events == (Event.REQUEST_HEADERS,)
    assert plugin.resource_name.resource_id in callout.service
    assert [u.rsplit("/", 1)[1] for u in plugin.used_by] == [ext.name.rsplit("/", 1)[1]]


def test_resources_for_gateway_reads_a_gateway_by_name_through_kube(
    sim: GKESimulator, gcp: GCPClient, kube: ExtensionsClient
) -> None:
    found = gcp.resources_for_gateway("internal", kube=kube)
    (route,) = found.route_extensions
    assert route.location == "us-central1"
    assert route.name == sim.gcp_state.list_lb_route_extensions("us-central1")[0]["name"]
    (callout,) = route.extensions
    assert callout.authority == "a.example"
    assert callout.timeout is not None
    assert callout.timeout.total_seconds() == 0.25
    assert found.traffic_extensions == ()
    assert found.wasm_plugins == ()


def test_resources_for_gateway_makes_one_call_per_resource_named(
    sim: GKESimulator, gcp: GCPClient, kube: ExtensionsClient
) -> None:
    gateway = kube.get(Gateway, "external")
    sim.gcp_faults.reset_counts()
    gcp.resources_for_gateway(gateway)
    paths = sorted(r.path.split("/")[-2] for r in sim.gcp_faults.requests)
    assert paths == ["lbTrafficExtensions", "wasmPlugins"]  # versions came with the plugin


def test_what_the_annotations_name_but_google_cloud_lacks_is_missing(
    sim: GKESimulator, gcp: GCPClient, kube: ExtensionsClient
) -> None:
    gateway = kube.get(Gateway, "external").to_manifest()
    annotations = gateway["metadata"]["annotations"]
    key = "networking.gke.io/lb-traffic-extensions"
    gone = annotations[key].replace("/lbTrafficExtensions/", "/lbTrafficExtensions/gone-")
    annotations[key] = f"{annotations[key]}, {gone}"
    versions = "networking.gke.io/wasm-plugin-versions"
    ghost = annotations[versions].split(",")[0].strip().rsplit("/", 1)[0] + "/ghost"
    annotations[versions] += f",{ghost}"
    found = gcp.resources_for_gateway(gateway)
    assert found.missing == (gone, ghost)
    assert len(found.traffic_extensions) == 1


def test_list_and_get_agree(sim: GKESimulator, gcp: GCPClient) -> None:
    (listed,) = gcp.list_wasm_plugins()
    assert gcp.get_wasm_plugin(listed.name) == listed
    number = listed.name.replace(sim.project_id, str(sim.project_number))
    assert gcp.get_wasm_plugin("/" + number) == listed
    assert gcp.list_lb_route_extensions("us-central1") == [
        gcp.get_lb_route_extension(r["name"])
        for r in sim.gcp_state.list_lb_route_extensions("us-central1")]


def test_images_resolve_against_the_simulated_registry(
    sim: GKESimulator, gcp: GCPClient
) -> None:
    assert gcp.resolve_image(IMAGE_V2).digest == sim.gcp_state.resolve_image(IMAGE_V2)
    assert gcp.image_exists(IMAGE_V1) is True
    assert gcp.image_exists(IMAGE_V1.replace(":v1", ":v9")) is False
    digest = sim.gcp_state.resolve_image(IMAGE_V1)
    pinned = IMAGE_V1.replace(":v1", f"@{digest}")
    assert gcp.resolve_image(pinned).digest == digest


# --------------------------------------------------------------------------- faults


def test_a_missing_resource_is_gcp_not_found(gcp: GCPClient) -> None:
    with pytest.raises(GCPNotFoundError, match="not found"):
        gcp.get_wasm_plugin("no-such-plugin")


def test_injected_permission_denied_names_the_permission(
    sim: GKESimulator, gcp: GCPClient
) -> None:
    sim.gcp_faults.fail_next(code=403, message=(
        "Permission 'networkservices.lbRouteExtensions.list' denied on resource "
        "'//networkservices.googleapis.com/projects/sim-project/locations/us-central1' "
        "(or it may not exist)."))
    with pytest.raises(GCPPermissionDeniedError) as info:
        gcp.list_lb_route_extensions("us-central1")
    assert info.value.permission == "networkservices.lbRouteExtensions.list"


def test_another_project_is_permission_denied_without_a_permission_name(
    gcp: GCPClient
) -> None:
    with pytest.raises(GCPPermissionDeniedError) as info:
        gcp.get_wasm_plugin("projects/other-project/locations/global/wasmPlugins/p")
    assert info.value.permission is None


def test_injected_unauthenticated_is_an_authentication_error(
    sim: GKESimulator, gcp: GCPClient
) -> None:
    sim.gcp_faults.fail_next(code=401)
    with pytest.raises(GCPAuthenticationError):
        gcp.list_wasm_plugins()


@pytest.mark.parametrize(("code", "error"), [
    (429, GCPQuotaError), (503, GCPUnavailableError), (504, GCPTimeoutError)])
def test_injected_transient_faults_are_retried_then_raised(
    sim: GKESimulator, gcp: GCPClient, code: int, error: type[GCPError]
) -> None:
    sim.gcp_faults.fail_next(3, code=code)
    with pytest.raises(error) as info:
        gcp.list_lb_traffic_extensions()
    assert info.value.attempts == 3
    assert info.value.code == code
    assert sim.gcp_faults.count("GET") == 3


def test_a_transient_fault_is_absorbed_by_the_retry(sim: GKESimulator, gcp: GCPClient) -> None:
    sim.gcp_faults.fail_next(2, code=503)
    assert len(gcp.list_lb_traffic_extensions()) == 1
    assert sim.gcp_faults.count("GET") == 3


def test_an_api_slower_than_the_timeout_is_a_gcp_timeout(sim: GKESimulator) -> None:
    sim.gcp_faults.add_latency(0.6, count=2)
    with sim.gcp(retry=GCPRetry(timeout=0.5, attempts=2, sleep=lambda s: None)) as gcp, \
            pytest.raises(GCPTimeoutError, match="no answer in time"):
        gcp.list_wasm_plugins()


# --------------------------------------------------------------------------- drift


def test_drift_is_empty_once_gke_has_programmed_everything(
    gcp: GCPClient, kube: ExtensionsClient
) -> None:
    for obj in gcp_objects():
        assert gcp.drift(obj, kube=kube) == [], obj.ref
    plugin = gcp_objects()[0]
    assert gcp.drift(plugin, "external", kube=kube) == []
    assert gcp.drift(plugin, resolve_images=True) == []


def test_drift_of_a_resource_gke_has_not_made_says_so(
    sim: GKESimulator, gcp: GCPClient, kube: ExtensionsClient
) -> None:
    sim.add_gateway("bare", "gke-l7-global-external-managed")
    traffic = gcp_objects()[1].to_manifest()
    traffic["metadata"]["name"] = "unapplied"
    traffic["spec"]["targetRefs"][0]["name"] = "bare"
    (diff,) = gcp.drift(traffic, kube=kube)
    assert isinstance(diff, GatewayDifference)
    assert (diff.path, diff.wanted, diff.actual, diff.gateway) == (
        "metadata.name", "default/unapplied", None, "default/bare")
    assert str(diff) == ("Gateway default/bare: metadata.name: cluster asks LbTrafficExtension "
                         "for default/unapplied, Google Cloud has nothing")


def test_drift_needs_a_gateway_or_kube_for_an_extension(gcp: GCPClient) -> None:
    with pytest.raises(TypeError, match="needs gateway= or kube="):
        gcp.drift(gcp_objects()[1])


def test_drift_names_a_spec_change_the_controller_has_not_programmed_yet() -> None:
    with GKESimulator(controller_settings=ControllerSettings(programming_delay=0.0)) as sim:
        sim.add_gateway("external", "gke-l7-global-external-managed")
        sim.add_gateway("internal", "gke-l7-rilb")
        sim.add_service("callout", port=443)
        sim.add_image(IMAGE_V1)
        sim.add_image(IMAGE_V2)
        with ExtensionsClient(sim.api_client()) as kube, sim.gcp() as gcp:
            plugin, traffic, routing = [kube.apply(o) for o in gcp_objects()]
            kube.wait_all_programmed([plugin, traffic, routing], timeout=30)
            sim.controller.pause()

            def shorter(obj: GCPRoutingExtension) -> None:
                obj.spec.extension_chains[0].extensions[0].timeout = "500ms"

            routing = kube.modify(GCPRoutingExtension, "routing", shorter)
            (diff,) = gcp.drift(routing, kube=kube)
            assert diff.path == "spec.extensionChains[0].extensions[0].timeout"
            assert (diff.wanted, diff.gateway) == ("500ms", "default/internal")
            assert str(diff) == ("Gateway default/internal: spec.extensionChains[0].extensions[0]."
                                 "timeout: cluster asks 500ms, Google Cloud has 0.250s")

            def half_sampled(obj: GCPWasmPlugin) -> None:
                assert obj.spec.log_config is not None
                obj.spec.log_config.sample_rate = 500_000

            plugin = kube.modify(GCPWasmPlugin, "plugin", half_sampled)
            assert [d.path for d in gcp.drift(plugin)] == ["spec.logConfig.sampleRate"]
            sim.controller.resume()
            kube.wait_all_programmed([plugin, routing], timeout=30)
            assert gcp.drift(routing, kube=kube) == []
            assert gcp.drift(plugin) == []


def test_drift_picks_the_resource_whose_generated_id_names_the_object(
    sim: GKESimulator, gcp: GCPClient, kube: ExtensionsClient
) -> None:
    other = "gkegw1-588n-default-other-0123456789ab"
    sim.gcp_state.put_lb_traffic_extension("global", other, {
        "loadBalancingScheme": "EXTERNAL_MANAGED", "extensionChains": []})
    try:
        gateway = kube.get(Gateway, "external").to_manifest()
        key = "networking.gke.io/lb-traffic-extensions"
        mine = gateway["metadata"]["annotations"][key]
        gateway["metadata"]["annotations"][key] = (
            f"/projects/{sim.project_number}/locations/global/lbTrafficExtensions/{other}, "
            f"{mine}")
        assert gcp.drift(gcp_objects()[1], gateway) == []
    finally:
        sim.gcp_state.delete_lb_traffic_extension("global", other)
