"""diagnose() against the simulator: one scenario per finding, each producing exactly that
finding; healthy setups produce none.

The simulated GKE controller reports what GKE would (conditions, annotations, Google Cloud
resources); scenarios GKE's controller cannot be made to produce on demand (stale status,
a Programmed extension whose Gateway lacks the annotation, no status at all) run without
the controller and write the status themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from samples import routing_extension, traffic_extension, wasm_plugin, wasm_traffic_extension

from gke_service_extensions import (
    ExtensionsClient,
    GCPRoutingExtension,
    GCPTrafficExtension,
    GCPWasmPlugin,
    ProgrammingFailed,
    diagnose,
)
from gke_service_extensions._gke import GATEWAY, NAMESPACE, TRAFFIC_EXTENSION
from gke_service_extensions.diagnosis import Check, Diagnosis, Severity
from gke_service_extensions.testing import GKESimulator

IMAGE = "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"
REGIONAL = "gke-l7-regional-external-managed"
Model = GCPTrafficExtension | GCPRoutingExtension | GCPWasmPlugin


class Cluster:
    """A simulator, a client on it, and the usual objects around an extension."""

    def __init__(self, sim: GKESimulator) -> None:
        self.sim = sim
        self.client = ExtensionsClient(sim.api_client())

    def healthy_base(self, gateway_class: str = "gke-l7-global-external-managed") -> None:
        self.sim.add_gateway("external-http", gateway_class)
        self.sim.add_service("extension-service")

    def apply(self, manifest: dict[str, Any], *, fails: bool = False) -> Any:
        model = {"GCPTrafficExtension": GCPTrafficExtension,
                 "GCPRoutingExtension": GCPRoutingExtension,
                 "GCPWasmPlugin": GCPWasmPlugin}[manifest["kind"]]
        obj = self.client.apply(model.from_manifest(manifest))
        if fails:
            with pytest.raises(ProgrammingFailed):
                self.client.wait_until_programmed(obj, timeout=10)
        return obj

    def programmed(self, obj: Any) -> Any:
        self.client.wait_until_programmed(obj, timeout=10)
        return obj


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """The status path: GKE's admission (the simulator's default) would refuse at creation
    the broken extensions these scenarios diagnose from their status."""
    with GKESimulator(admission=False) as sim:
        yield Cluster(sim)


@pytest.fixture
def bare() -> Iterator[Cluster]:
    """No controller: the test writes status itself."""
    with GKESimulator(controller=False, gcp=False, admission=False) as sim:
        yield Cluster(sim)


def checks(d: Diagnosis) -> list[Check]:
    return [f.check for f in d.findings]


def only(d: Diagnosis, check: Check) -> Any:
    assert checks(d) == [check], str(d)
    return d.findings[0]


def named(make: Callable[[], dict[str, Any]], name: str, **spec: Any) -> dict[str, Any]:
    m = make()
    m["metadata"]["name"] = name
    m["spec"].update(spec)
    return m


# --------------------------------------------------------------------------- healthy


def test_a_programmed_traffic_extension_has_no_finding(cluster: Cluster) -> None:
    cluster.healthy_base()
    ext = cluster.programmed(cluster.apply(traffic_extension()))
    with cluster.sim.gcp() as gcp:
        d = diagnose(cluster.client, ext, gcp=gcp,
                     sample_requests=[{"path": "/serviceextensions/a"}])
    assert d.findings == ()
    assert d.ok
    assert not d
    assert "CEL matchers against the sample requests" in d.checks
    assert "the Google Cloud resource matches the custom resource (drift)" in d.checks


def test_a_programmed_routing_extension_on_a_regional_class_has_no_finding(
        cluster: Cluster) -> None:
    cluster.sim.add_gateway("internal-http", REGIONAL)
    cluster.sim.add_service("extension-service")
    ext = cluster.programmed(cluster.apply(routing_extension()))
    assert diagnose(cluster.client, ext).findings == ()


def test_a_programmed_wasm_plugin_and_its_extension_have_no_finding(cluster: Cluster) -> None:
    cluster.sim.add_gateway("external-http")
    cluster.sim.add_image(IMAGE)
    plugin = cluster.apply(wasm_plugin())
    ext = cluster.programmed(cluster.apply(wasm_traffic_extension()))
    cluster.programmed(plugin)
    with cluster.sim.gcp() as gcp:
        assert diagnose(cluster.client, ext, gcp=gcp).findings == ()
        assert diagnose(cluster.client, plugin, gcp=gcp).findings == ()


# --------------------------------------------------------------------------- the object


def test_an_object_not_in_the_cluster_is_reported_with_what_else_is_wrong(
        cluster: Cluster) -> None:
    cluster.healthy_base()
    d = diagnose(cluster.client, GCPTrafficExtension.from_manifest(traffic_extension()))
    f = only(d, Check.OBJECT_NOT_FOUND)
    assert f.severity is Severity.ERROR
    assert "client.apply(obj)" in f.fix


# --------------------------------------------------------------------------- Gateways


def test_a_missing_gateway_is_one_finding_that_carries_gkes_condition(
        cluster: Cluster) -> None:
    cluster.sim.add_service("extension-service")
    ext = cluster.apply(traffic_extension(), fails=True)
    f = only(diagnose(cluster.client, ext), Check.GATEWAY_NOT_FOUND)
    assert f.found == ('spec.gatewayRef: gateway "external-http" not found in namespace '
                       '"default"')
    assert f.ancestor == "default/external-http"
    assert "NoMatchingTarget" in (f.gke or "")


def test_a_gateway_in_another_namespace_is_named_with_its_namespace(cluster: Cluster) -> None:
    cluster.sim.store.create(NAMESPACE, {"metadata": {"name": "infra"}})
    cluster.sim.add_gateway("external-http", namespace="infra")
    cluster.sim.add_service("extension-service")
    ext = cluster.apply(traffic_extension(), fails=True)
    f = only(diagnose(cluster.client, ext), Check.GATEWAY_IN_OTHER_NAMESPACE)
    assert f.found == ('Gateway "external-http" is in namespace "infra", not in "default": an '
                       "extension attaches only to Gateways of its own namespace")
    assert 'in namespace "infra"' in f.fix


def test_a_routing_extension_on_the_global_class_is_unsupported(cluster: Cluster) -> None:
    cluster.sim.add_gateway("internal-http")  # global external: no route extensions
    cluster.sim.add_service("extension-service")
    ext = cluster.apply(routing_extension(), fails=True)
    f = only(diagnose(cluster.client, ext), Check.GATEWAY_CLASS_UNSUPPORTED)
    assert 'GatewayClass "gke-l7-global-external-managed" does not support ' \
           "GCPRoutingExtension" in f.found
    assert "NotAllowed" in (f.gke or "")
    assert "regional" in f.fix


def test_a_wasm_backend_on_a_regional_class_is_unsupported(cluster: Cluster) -> None:
    cluster.sim.add_gateway("external-http", REGIONAL)
    cluster.sim.add_image(IMAGE)
    cluster.apply(wasm_plugin())
    ext = cluster.apply(wasm_traffic_extension(), fails=True)
    f = only(diagnose(cluster.client, ext), Check.GATEWAY_CLASS_UNSUPPORTED)
    assert "does not support GCPWasmPlugin backends" in f.found
    assert "gke-l7-global-external-managed" in f.fix


# --------------------------------------------------------------------------- cluster version


def test_a_cluster_older_than_1_33_is_reported() -> None:
    with GKESimulator(kubernetes_version="v1.32.4-gke.1") as sim:
        cluster = Cluster(sim)
        cluster.healthy_base()
        ext = cluster.programmed(cluster.apply(traffic_extension()))
        f = only(diagnose(cluster.client, ext), Check.CLUSTER_VERSION)
    assert f.found == ("the cluster runs v1.32.4-gke.1; GCPTrafficExtension needs GKE 1.33.0 "
                       "or later")


def test_wasm_plugins_need_1_33_3() -> None:
    with GKESimulator(kubernetes_version="v1.33.2-gke.1", admission=False) as sim:
        cluster = Cluster(sim)
        cluster.sim.add_gateway("external-http")
        cluster.sim.add_service("extension-service")
        cluster.sim.add_image(IMAGE)
        plain = cluster.programmed(cluster.apply(traffic_extension()))
        assert diagnose(cluster.client, plain).findings == ()  # 1.33.2 is enough for it
        plugin = cluster.apply(wasm_plugin())
        cluster.apply(named(wasm_traffic_extension, "wasm-ext",
                            targetRefs=[{"group": "gateway.networking.k8s.io",
                                         "kind": "Gateway", "name": "other"}]))
        f = only(diagnose(cluster.client, plugin), Check.CLUSTER_VERSION)
    assert "needs GKE 1.33.3 or later" in f.found


# --------------------------------------------------------------------------- Services


def test_a_missing_backend_service_is_reported_in_gkes_words(cluster: Cluster) -> None:
    cluster.sim.add_gateway("external-http")
    ext = cluster.apply(traffic_extension(), fails=True)
    f = only(diagnose(cluster.client, ext), Check.SERVICE_NOT_FOUND)
    assert f.found == ('spec.service: service "extension-service" not found in namespace '
                       '"default"')
    assert "ExtensionServiceNotFound" in (f.gke or "")


def test_a_missing_service_port_names_the_ports_there_are(cluster: Cluster) -> None:
    cluster.sim.add_gateway("external-http")
    cluster.sim.add_service("extension-service", port=8443)
    ext = cluster.apply(traffic_extension(), fails=True)
    f = only(diagnose(cluster.client, ext), Check.SERVICE_PORT_NOT_FOUND)
    assert "port 443 is not a port of the Service (its ports: 8443)" in f.found


def test_a_port_without_http2_app_protocol_is_reported(cluster: Cluster) -> None:
    cluster.sim.add_gateway("external-http")
    cluster.sim.add_service("extension-service", app_protocol=None)
    ext = cluster.apply(traffic_extension(), fails=True)
    f = only(diagnose(cluster.client, ext), Check.SERVICE_PORT_NOT_HTTP2)
    assert "appProtocol unset" in f.found
    assert f.fix == 'set appProtocol: HTTP2 on port 443 of Service "extension-service"'
    assert "InvalidExtensionService" in (f.gke or "")


def test_a_service_without_ready_endpoints_is_reported_in_gkes_words(cluster: Cluster) -> None:
    cluster.sim.add_gateway("external-http")
    cluster.sim.add_service("extension-service", endpoints=0)
    ext = cluster.apply(traffic_extension(), fails=True)
    f = only(diagnose(cluster.client, ext), Check.SERVICE_NO_ENDPOINTS)
    assert f.found == 'spec.service: no network endpoints found for service "extension-service"'


# --------------------------------------------------------------------------- plugins


def test_a_missing_plugin_is_reported(cluster: Cluster) -> None:
    cluster.sim.add_gateway("external-http")
    ext = cluster.apply(wasm_traffic_extension(), fails=True)
    f = only(diagnose(cluster.client, ext), Check.PLUGIN_NOT_FOUND)
    assert f.found == ("GCPWasmPlugin default/gcp-wasm-plugin in GCPTrafficExtension "
                       "default/my-traffic-extension does not exist")
    assert "GCPWasmPluginNotFound" in (f.gke or "")


def test_a_failed_plugin_is_reported_on_its_extension(cluster: Cluster) -> None:
    cluster.sim.add_gateway("external-http")
    cluster.apply(wasm_plugin())  # its image is not in Artifact Registry
    ext = cluster.apply(wasm_traffic_extension(), fails=True)
    f = only(diagnose(cluster.client, ext), Check.PLUGIN_NOT_PROGRAMMED)
    assert f.severity is Severity.ERROR
    assert "not found in Artifact Registry" in f.found


def test_a_plugin_not_programmed_yet_is_a_warning_on_its_extension(bare: Cluster) -> None:
    bare.sim.add_gateway("external-http")
    bare.apply(wasm_plugin())  # no controller: it stays without status
    ext = bare.apply(wasm_traffic_extension())
    f = only(diagnose(bare.client, ext), Check.PLUGIN_NOT_PROGRAMMED)
    assert f.severity is Severity.WARNING
    assert f.found == ("GCPWasmPlugin default/gcp-wasm-plugin is not programmed yet; GKE "
                       "programs this extension after it")


def test_a_plugin_image_missing_in_artifact_registry_is_reported(cluster: Cluster) -> None:
    cluster.sim.add_gateway("external-http")
    plugin = cluster.apply(wasm_plugin())
    cluster.apply(wasm_traffic_extension(), fails=True)
    with cluster.sim.gcp() as gcp:
        f = only(diagnose(cluster.client, plugin, gcp=gcp), Check.PLUGIN_IMAGE_NOT_FOUND)
    assert f.found == f'image "{IMAGE}" not found in Artifact Registry'
    assert "InvalidGCPWasmPlugin" in (f.gke or "")


def test_without_gcp_a_failed_plugin_shows_gkes_condition(cluster: Cluster) -> None:
    cluster.sim.add_gateway("external-http")
    plugin = cluster.apply(wasm_plugin())
    cluster.apply(wasm_traffic_extension(), fails=True)
    f = only(diagnose(cluster.client, plugin), Check.CONDITION_FALSE)
    assert f.found.startswith("Accepted=False InvalidGCPWasmPlugin: ")


def test_a_plugin_no_traffic_extension_references_is_reported(cluster: Cluster) -> None:
    cluster.sim.add_image(IMAGE)
    plugin = cluster.apply(wasm_plugin())
    f = only(diagnose(cluster.client, plugin), Check.PLUGIN_NOT_REFERENCED)
    assert f.severity is Severity.WARNING


# --------------------------------------------------------------------------- conflicts


def test_a_second_traffic_extension_on_the_gateway_is_a_conflict(cluster: Cluster) -> None:
    cluster.healthy_base()
    first = cluster.programmed(cluster.apply(traffic_extension()))
    second = cluster.apply(named(traffic_extension, "second"), fails=True)
    f = only(diagnose(cluster.client, second), Check.EXTENSION_CONFLICT)
    assert f.found.startswith("GCPTrafficExtension default/my-traffic-extension is already "
                              "attached to Gateway default/external-http")
    assert "Conflicted" in (f.gke or "")
    assert diagnose(cluster.client, first).findings == ()  # the older one keeps its slot


def test_a_second_routing_extension_on_the_gateway_is_a_conflict(cluster: Cluster) -> None:
    cluster.sim.add_gateway("internal-http", REGIONAL)
    cluster.sim.add_service("extension-service")
    cluster.programmed(cluster.apply(routing_extension()))
    second = cluster.apply(named(routing_extension, "second"), fails=True)
    f = only(diagnose(cluster.client, second), Check.EXTENSION_CONFLICT)
    assert "one GCPRoutingExtension per forwarding rule" in f.found


def test_a_traffic_and_a_routing_extension_share_a_gateway(cluster: Cluster) -> None:
    cluster.sim.add_gateway("internal-http", REGIONAL)
    cluster.sim.add_service("extension-service")
    route = cluster.programmed(cluster.apply(routing_extension()))
    traffic = traffic_extension()
    traffic["spec"]["targetRefs"][0]["name"] = "internal-http"
    traffic = cluster.programmed(cluster.apply(traffic))
    assert diagnose(cluster.client, route).findings == ()
    assert diagnose(cluster.client, traffic).findings == ()


# --------------------------------------------------------------------------- status


def _status(bare: Cluster, name: str, conditions: list[dict[str, Any]], *,
            generation_bump: bool = False) -> Any:
    store = bare.sim.store
    obj = store.get(TRAFFIC_EXTENSION, "default", name)
    assert obj is not None
    if generation_bump:
        obj["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "2s"
        obj["metadata"].pop("resourceVersion", None)
        obj = store.update(TRAFFIC_EXTENSION, obj)
    obj["status"] = {"ancestors": [{
        "ancestorRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                        "name": "external-http", "namespace": "default"},
        "controllerName": "networking.gke.io/gateway", "conditions": conditions}]}
    obj["metadata"].pop("resourceVersion", None)
    store.update(TRAFFIC_EXTENSION, obj, subresource="status")
    return bare.client.get(GCPTrafficExtension, name)


def _cond(ctype: str, status: str, reason: str, message: str = "", gen: int = 1
          ) -> dict[str, Any]:
    return {"type": ctype, "status": status, "reason": reason, "message": message,
            "observedGeneration": gen, "lastTransitionTime": "2026-01-01T00:00:00Z"}


def _annotate(bare: Cluster) -> None:
    gw = bare.sim.store.get(GATEWAY, "default", "external-http")
    assert gw is not None
    gw["metadata"]["annotations"] = {
        "networking.gke.io/lb-traffic-extensions":
            "projects/1/locations/global/lbTrafficExtensions/gkegw1-x-default-ext-y"}
    gw["metadata"].pop("resourceVersion", None)
    bare.sim.store.update(GATEWAY, gw)


def test_a_false_condition_no_check_explains_is_shown_with_reason_and_message(
        bare: Cluster) -> None:
    bare.healthy_base()
    bare.apply(traffic_extension())
    ext = _status(bare, "my-traffic-extension", [
        _cond("Accepted", "False", "Internal", "googleapi: Error 500: backend error")])
    f = only(diagnose(bare.client, ext), Check.CONDITION_FALSE)
    assert f.found == "Accepted=False Internal: googleapi: Error 500: backend error"
    assert f.ancestor == "default/external-http"


def test_status_about_an_older_generation_is_stale(bare: Cluster) -> None:
    bare.healthy_base()
    _annotate(bare)
    bare.apply(traffic_extension())
    ext = _status(bare, "my-traffic-extension", [
        _cond("Accepted", "True", "Accepted"), _cond("Programmed", "True",
                                                     "ProgrammingSucceeded")],
        generation_bump=True)
    f = only(diagnose(bare.client, ext), Check.STATUS_STALE)
    assert "Accepted (observedGeneration 1), Programmed (observedGeneration 1) < " \
           "generation 2" in f.found


def test_no_status_from_gke_is_reported(bare: Cluster) -> None:
    bare.healthy_base()
    ext = bare.apply(traffic_extension())
    f = only(diagnose(bare.client, ext), Check.STATUS_MISSING)
    assert f.found == "GKE has not reported on Gateway default/external-http yet"


def test_programmed_without_the_gateway_annotation_is_reported(bare: Cluster) -> None:
    bare.healthy_base()
    bare.apply(traffic_extension())
    ok = [_cond("Accepted", "True", "Accepted"),
          _cond("Programmed", "True", "ProgrammingSucceeded")]
    ext = _status(bare, "my-traffic-extension", ok)
    f = only(diagnose(bare.client, ext), Check.GATEWAY_ANNOTATION_MISSING)
    assert "networking.gke.io/lb-traffic-extensions" in f.found
    _annotate(bare)
    assert diagnose(bare.client, ext).findings == ()


# --------------------------------------------------------------------------- Google Cloud


def test_a_resource_deleted_behind_gkes_back_is_drift(cluster: Cluster) -> None:
    cluster.healthy_base()
    ext = cluster.programmed(cluster.apply(traffic_extension()))
    gw = cluster.client.get("Gateway", "external-http")
    (name,) = gw.gke_annotation("lb-traffic-extensions")
    assert cluster.sim.gcp_state.delete(name) is not None
    with cluster.sim.gcp() as gcp:
        f = only(diagnose(cluster.client, ext, gcp=gcp), Check.GCP_DRIFT)
    assert f.found == ("Google Cloud has no lbTrafficExtensions for GCPTrafficExtension "
                       "default/my-traffic-extension, although GKE reports it Programmed on "
                       "Gateway default/external-http")
    assert f.severity is Severity.ERROR


# --------------------------------------------------------------------------- CEL


def test_a_chain_no_sample_request_matches_is_reported(cluster: Cluster) -> None:
    cluster.healthy_base()
    ext = cluster.programmed(cluster.apply(traffic_extension()))
    d = diagnose(cluster.client, ext, sample_requests=[{"path": "/api"}, {"path": "/"}])
    f = only(d, Check.CEL_NO_MATCH)
    assert f.found == ("chain 'chain1' matches none of the 2 sample requests (matchers: "
                       'request.path.contains("serviceextensions"))')


def test_a_chain_shadowed_by_an_earlier_one_is_reported(cluster: Cluster) -> None:
    cluster.healthy_base()
    m = traffic_extension()
    chain = m["spec"]["extensionChains"][0]
    catch_all = {**chain, "name": "all", "matchCondition": {
        "celExpressions": [{"celMatcher": 'request.path.startsWith("/")'}]}}
    m["spec"]["extensionChains"] = [catch_all, chain]
    ext = cluster.programmed(cluster.apply(m))
    d = diagnose(cluster.client, ext, sample_requests=[{"path": "/serviceextensions"}])
    f = only(d, Check.CEL_NO_MATCH)
    assert "an earlier chain (all) takes each of them" in f.found


def test_a_resource_changed_behind_gkes_back_is_drift_at_its_yaml_path(
        cluster: Cluster) -> None:
    cluster.healthy_base()
    ext = cluster.programmed(cluster.apply(traffic_extension()))
    gw = cluster.client.get("Gateway", "external-http")
    (name,) = gw.gke_annotation("lb-traffic-extensions")
    state = cluster.sim.gcp_state
    body = state.get(name)
    assert body is not None
    body["extensionChains"][0]["extensions"][0]["timeout"] = "5s"
    state.put(name, body)
    with cluster.sim.gcp() as gcp:
        f = only(diagnose(cluster.client, ext, gcp=gcp), Check.GCP_DRIFT)
    assert f.severity is Severity.WARNING
    assert f.found == ("Google Cloud differs from the custom resource: "
                       "spec.extensionChains[0].extensions[0].timeout: cluster asks 1s, "
                       "Google Cloud has 5s")


# --------------------------------------------------------------------------- coverage


@pytest.mark.parametrize("check", list(Check), ids=lambda c: c.value)
def test_every_check_has_a_scenario_producing_exactly_it(check: Check) -> None:
    source = Path(__file__).read_text()
    assert f"Check.{check.name})" in source.replace("\n", " ")
