"""Controller wired to the real object store and GCP state, stepped with a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from controller_builders import (
    IMAGE,
    IMAGE2,
    RILB,
    endpoints,
    extension,
    gateway,
    http_route,
    plugin,
    routing,
    service,
    wasm_ext,
)

from gke_service_extensions._gke import id_names
from gke_service_extensions.models._meta import (
    GATEWAY,
    HTTP_ROUTE,
    ROUTING_EXTENSION,
    SERVICE,
    TRAFFIC_EXTENSION,
    WASM_PLUGIN,
    ResourceInfo,
)
from gke_service_extensions.testing._controller import ControllerSettings, GatewayController
from gke_service_extensions.testing._gcp._state import GCPState
from gke_service_extensions.testing._kube._resources import ENDPOINTS, EVENT
from gke_service_extensions.testing._kube._store import ObjectStore, StoreConflict

DELAY = 10.0
ANN = "networking.gke.io/"
_INFO = {"Gateway": GATEWAY, "Service": SERVICE, "Endpoints": ENDPOINTS,
         "HTTPRoute": HTTP_ROUTE, "GCPTrafficExtension": TRAFFIC_EXTENSION,
         "GCPRoutingExtension": ROUTING_EXTENSION, "GCPWasmPlugin": WASM_PLUGIN}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Sim:
    store: ObjectStore
    gcp: GCPState
    clock: FakeClock
    controller: GatewayController

    def add(self, *objects: dict[str, Any]) -> None:
        for obj in objects:
            body = {k: v for k, v in obj.items() if k != "metadata"}
            body["metadata"] = {"name": obj["metadata"]["name"],
                                "namespace": obj["metadata"].get("namespace", "default")}
            for extra in ("labels", "annotations"):
                if extra in obj["metadata"]:
                    body["metadata"][extra] = obj["metadata"][extra]
            self.store.create(_INFO[obj["kind"]], body)

    def step(self, seconds: float = 0.0) -> None:
        self.clock.now += seconds
        self.controller.reconcile_once()

    def get(self, info: ResourceInfo, name: str) -> dict[str, Any]:
        obj = self.store.get(info, "default", name)
        assert obj is not None
        return obj

    def conditions(self, info: ResourceInfo, name: str,
                   gw: str = "gw") -> dict[str, dict[str, Any]]:
        for entry in (self.get(info, name).get("status") or {}).get("ancestors") or []:
            if (entry["controllerName"] == "networking.gke.io/gateway"
                    and entry["ancestorRef"]["name"] == gw):
                return {c["type"]: c for c in entry["conditions"]}
        return {}

    def programmed(self, info: ResourceInfo, name: str, gw: str = "gw") -> tuple[str, str, int]:
        c = self.conditions(info, name, gw).get("Programmed")
        assert c is not None, f"no Programmed condition on {name} for {gw}"
        return c["status"], c["reason"], c["observedGeneration"]

    def events(self, name: str) -> list[tuple[str, str, str, int]]:
        items, _ = self.store.list(EVENT)
        items.sort(key=lambda e: int(e["metadata"]["resourceVersion"]))  # creation order
        return [(e["type"], e["reason"], e["message"], e["count"]) for e in items
                if e["involvedObject"]["name"] == name]

    def annotations(self, gw: str = "gw") -> dict[str, str]:
        ann = self.get(GATEWAY, gw)["metadata"].get("annotations") or {}
        return {k[len(ANN):]: v for k, v in ann.items() if k.startswith(ANN)}


def make_sim(**settings: Any) -> Sim:
    store = ObjectStore()
    gcp = GCPState("sim-project", "123456789012")
    gcp.register_image(IMAGE)
    gcp.register_image(IMAGE2)
    clock = FakeClock()
    controller = GatewayController(
        store, gcp, ControllerSettings(**{"programming_delay": DELAY, **settings}),
        clock=clock)
    return Sim(store, gcp, clock, controller)


@pytest.fixture
def sim() -> Sim:
    return make_sim()


def ready(sim: Sim) -> None:
    sim.add(gateway(), service(), endpoints(), http_route())


def test_extension_is_pending_then_programmed_after_the_delay(sim: Sim) -> None:
    ready(sim)
    sim.add(extension())
    sim.step()
    conds = sim.conditions(TRAFFIC_EXTENSION, "te")
    assert conds["Accepted"]["status"] == "True"
    assert conds["ResolvedRefs"]["status"] == "True"
    assert sim.programmed(TRAFFIC_EXTENSION, "te") == ("Unknown", "Pending", 1)
    assert sim.gcp.list_lb_traffic_extensions("global") == []
    sim.step(DELAY / 2)
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "Unknown"
    sim.step(DELAY / 2)
    assert sim.programmed(TRAFFIC_EXTENSION, "te") == ("True", "ProgrammingSucceeded", 1)
    assert len(sim.gcp.list_lb_traffic_extensions("global")) == 1
    assert sim.controller.errors == []


def test_reconcile_once_reports_when_the_next_step_is_due(sim: Sim) -> None:
    ready(sim)
    sim.add(extension())
    assert sim.controller.reconcile_once() == sim.clock.now + DELAY
    sim.clock.now += DELAY
    assert sim.controller.reconcile_once() is None


def test_transient_states_are_shown_in_turn() -> None:
    sim = make_sim(transient_states=("Pending", "Provisioning"))
    ready(sim)
    sim.add(extension())
    sim.step()
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[1] == "Pending"
    sim.step(DELAY * 0.6)
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[1] == "Provisioning"
    sim.step(DELAY * 0.4)
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[1] == "ProgrammingSucceeded"


def test_without_transient_states_status_appears_only_when_programmed() -> None:
    sim = make_sim(transient_states=())
    ready(sim)
    sim.add(extension())
    sim.step()
    assert "status" not in sim.get(TRAFFIC_EXTENSION, "te")
    sim.step(DELAY)
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"


def bump_timeout(sim: Sim, name: str = "te", value: str = "2s") -> None:
    obj = sim.get(TRAFFIC_EXTENSION, name)
    obj["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = value
    sim.store.update(TRAFFIC_EXTENSION, obj)


def test_generation_bump_reprograms_and_old_generation_shows_until_reconciled(
        sim: Sim) -> None:
    ready(sim)
    sim.add(extension())
    sim.step()
    sim.step(DELAY)
    accepted_since = sim.conditions(TRAFFIC_EXTENSION, "te")["Accepted"]["lastTransitionTime"]
    bump_timeout(sim)
    assert sim.get(TRAFFIC_EXTENSION, "te")["metadata"]["generation"] == 2
    # Not reconciled yet: Programmed=True but for generation 1.
    assert sim.programmed(TRAFFIC_EXTENSION, "te") == ("True", "ProgrammingSucceeded", 1)
    sim.step(1)
    assert sim.programmed(TRAFFIC_EXTENSION, "te") == ("Unknown", "Pending", 2)
    conds = sim.conditions(TRAFFIC_EXTENSION, "te")
    assert conds["Accepted"]["observedGeneration"] == 2
    assert conds["Accepted"]["lastTransitionTime"] == accepted_since
    # The load balancer keeps the last programmed configuration meanwhile.
    (gcp_ext,) = sim.gcp.list_lb_traffic_extensions("global")
    assert gcp_ext["extensionChains"][0]["extensions"][0]["timeout"] == "1s"
    sim.step(DELAY)
    assert sim.programmed(TRAFFIC_EXTENSION, "te") == ("True", "ProgrammingSucceeded", 2)
    (gcp_ext,) = sim.gcp.list_lb_traffic_extensions("global")
    assert gcp_ext["extensionChains"][0]["extensions"][0]["timeout"] == "2s"
    assert any(e[1] == "UPDATE" for e in sim.events("te"))


def test_programmed_extension_shows_in_gcp_and_gateway_annotations(sim: Sim) -> None:
    ready(sim)
    sim.add(extension())
    sim.step()
    assert sim.annotations()["lb-traffic-extensions"] == ""
    sim.step(DELAY)
    (gcp_ext,) = sim.gcp.list_lb_traffic_extensions("global")
    ann = sim.annotations()
    name = gcp_ext["name"].rsplit("/", 1)[1]
    # global Network Services resources without the leading "/", as GKE writes them
    assert ann["lb-traffic-extensions"] == (
        f"projects/123456789012/locations/global/lbTrafficExtensions/{name}")
    assert gcp_ext["forwardingRules"] == [ann["forwarding-rules"].lstrip("/")]
    assert gcp_ext["loadBalancingScheme"] == "EXTERNAL_MANAGED"
    assert "-default-store-8080-" in ann["backend-services"]
    assert "-default-callout-443-" in ann["backend-services"]
    assert ann["last-reconcile-time"]
    gw = sim.get(GATEWAY, "gw")
    assert gw["status"]["addresses"][0]["value"].startswith("203.0.113.")
    assert ann["addresses"].startswith("/projects/123456789012/global/addresses/gkegw1-")
    assert ann["firewalls"].startswith("/projects/123456789012/global/firewalls/gkegw1-")
    assert ann["health-checks"].split(", ") == [
        b.replace("/backendServices/", "/healthChecks/")
        for b in ann["backend-services"].split(", ")]
    assert ann["ssl-certificates"] == ""


def test_regional_route_extension_is_programmed_in_the_region(sim: Sim) -> None:
    sim.add(gateway(cls=RILB), service(), endpoints())
    sim.add(routing())
    sim.step()
    sim.step(DELAY)
    assert sim.programmed(ROUTING_EXTENSION, "re")[0] == "True"
    (route,) = sim.gcp.list_lb_route_extensions("us-central1")
    assert route["loadBalancingScheme"] == "INTERNAL_MANAGED"
    assert sim.annotations()["lb-route-extensions"].startswith(
        "/projects/123456789012/locations/us-central1/lbRouteExtensions/gkegw1-")


def test_wasm_plugin_is_programmed_with_its_serving_version_and_annotated(sim: Sim) -> None:
    sim.add(gateway(), plugin(versions=[("v1", IMAGE, 1_000_000), ("v2", IMAGE2, 0)]),
            extension(exts=[wasm_ext()]))
    sim.step()
    sim.step(DELAY)
    assert sim.programmed(WASM_PLUGIN, "wp")[0] == "True"
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"
    (wp,) = sim.gcp.list_wasm_plugins("global")
    name = wp["name"].rsplit("/", 1)[1]
    full = sim.gcp.get_wasm_plugin("global", name, full_view=True)
    assert full is not None
    v1, v2 = (next(i for i in full["versions"] if id_names(i, v)) for v in ("v1", "v2"))
    assert full["mainVersionId"] == v1 != "v1"  # GKE generates PREFIX-VERSIONNAME-SUFFIX
    assert full["versions"][v2]["imageDigest"] == sim.gcp.resolve_image(IMAGE2)
    (ext,) = sim.gcp.list_lb_traffic_extensions("global")
    assert full["usedBy"] == [{"name": ext["name"].replace("sim-project", "123456789012")}]
    ann = sim.annotations()
    assert ann["wasm-plugins"] == f"projects/123456789012/locations/global/wasmPlugins/{name}"
    assert ann["wasm-plugin-versions"].split(", ") == [
        f"{ann['wasm-plugins']}/versions/{v1}", f"{ann['wasm-plugins']}/versions/{v2}"]


def test_plugin_events_call_the_kind_wasmplugin_as_gke_does(sim: Sim) -> None:
    sim.add(gateway(), plugin(versions=[("v1", IMAGE, 1_000_000)]), extension(exts=[wasm_ext()]))
    sim.step()
    sim.step(DELAY)
    sync = [e[2] for e in sim.events("wp") if e[1] == "SYNC"]
    assert sync[0] == ('Attachment of WasmPlugin "default/wp" to AncestorRef {Group: '
                       '"gateway.networking.k8s.io", Kind: "Gateway", Namespace: "default", '
                       'Name: "gw", SectionName: nil, Port: nil} was a success')
    assert [m.split(" ", 1)[0] for m in sync] == ["Attachment", "All", "Programming",
                                                  "Reconciliation"]
    assert all('WasmPlugin "default/wp"' in m for m in sync)


def test_moving_the_weight_changes_the_main_version_after_reprogramming(sim: Sim) -> None:
    sim.add(gateway(), plugin(versions=[("v1", IMAGE, 1_000_000), ("v2", IMAGE2, 0)]),
            extension(exts=[wasm_ext()]))
    sim.step()
    sim.step(DELAY)
    obj = sim.get(WASM_PLUGIN, "wp")
    obj["spec"]["versions"][0]["weight"] = 0
    obj["spec"]["versions"][1]["weight"] = 1_000_000
    sim.store.update(WASM_PLUGIN, obj)
    sim.step()
    assert sim.programmed(WASM_PLUGIN, "wp") == ("Unknown", "Pending", 2)
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"  # extension unchanged
    assert id_names(sim.gcp.list_wasm_plugins("global")[0]["mainVersionId"], "v1")
    sim.step(DELAY)
    assert sim.programmed(WASM_PLUGIN, "wp") == ("True", "ProgrammingSucceeded", 2)
    assert id_names(sim.gcp.list_wasm_plugins("global")[0]["mainVersionId"], "v2")


def test_extension_waits_for_its_plugin_to_be_programmed(sim: Sim) -> None:
    sim.add(gateway(), extension(exts=[wasm_ext()]), plugin())
    sim.controller.hold_pending(WASM_PLUGIN, "default", "wp")
    sim.step()
    sim.step(DELAY * 3)
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "Unknown"
    assert sim.gcp.list_lb_traffic_extensions("global") == []
    sim.controller.release(WASM_PLUGIN, "default", "wp")
    sim.step()
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"


def test_plugin_with_unknown_image_fails_until_the_image_exists(sim: Sim) -> None:
    missing = "us-docker.pkg.dev/sim-project/plugins/other:v9"
    sim.add(gateway(), plugin(versions=[("v1", missing, 1_000_000)]),
            extension(exts=[wasm_ext()]))
    sim.step()
    conds = sim.conditions(WASM_PLUGIN, "wp")
    assert (conds["Accepted"]["status"], conds["Accepted"]["reason"]) == (
        "False", "InvalidGCPWasmPlugin")
    assert sim.conditions(TRAFFIC_EXTENSION, "te")["Accepted"]["reason"] == (
        "InvalidGCPWasmPlugin")
    sim.gcp.register_image(missing)
    sim.step()
    sim.step(DELAY)
    assert sim.programmed(WASM_PLUGIN, "wp")[0] == "True"
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"


def test_deleting_an_extension_cleans_gcp_and_annotations(sim: Sim) -> None:
    sim.add(gateway(), service(), endpoints(), plugin(),
            extension(exts=[wasm_ext()]))
    sim.step()
    sim.step(DELAY)
    assert sim.annotations()["lb-traffic-extensions"]
    sim.store.delete(TRAFFIC_EXTENSION, "default", "te")
    sim.step()
    assert sim.gcp.list_lb_traffic_extensions("global") == []
    ann = sim.annotations()
    assert ann["lb-traffic-extensions"] == ""
    assert ann["wasm-plugins"] == ""
    assert ("Normal", "DELETE", "default/te", 1) in sim.events("te")
    # The plugin lost its only ancestor; its WasmPlugin stays until it is deleted too.
    assert sim.get(WASM_PLUGIN, "wp")["status"]["ancestors"] == []
    assert len(sim.gcp.list_wasm_plugins("global")) == 1
    sim.store.delete(WASM_PLUGIN, "default", "wp")
    sim.step()
    assert sim.gcp.list_wasm_plugins("global") == []


def test_deleting_the_gateway_fails_the_attachment_and_removes_resources(sim: Sim) -> None:
    ready(sim)
    sim.add(extension())
    sim.step()
    sim.step(DELAY)
    sim.store.delete(GATEWAY, "default", "gw")
    sim.step()
    conds = sim.conditions(TRAFFIC_EXTENSION, "te")
    assert conds["Accepted"]["reason"] == "NoMatchingTarget"
    assert conds["Accepted"]["message"] == (
        'spec.gatewayRef: gateway "gw" not found in namespace "default"')
    assert sim.gcp.list_lb_traffic_extensions("global") == []


def test_foreign_ancestors_are_left_untouched(sim: Sim) -> None:
    ready(sim)
    sim.add(extension())
    obj = sim.get(TRAFFIC_EXTENSION, "te")
    foreign = {"ancestorRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                               "name": "gw", "namespace": "default"},
               "controllerName": "example.com/other-controller",
               "conditions": [{"type": "Programmed", "status": "False", "reason": "Nope",
                               "message": "", "lastTransitionTime": "2020-01-01T00:00:00Z",
                               "observedGeneration": 1}]}
    obj["status"] = {"ancestors": [foreign]}
    sim.store.update(TRAFFIC_EXTENSION, obj, subresource="status")
    sim.step()
    sim.step(DELAY)
    ancestors = sim.get(TRAFFIC_EXTENSION, "te")["status"]["ancestors"]
    assert ancestors[0] == foreign
    assert ancestors[1]["controllerName"] == "networking.gke.io/gateway"
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"


def test_success_records_add_and_sync_events_once(sim: Sim) -> None:
    ready(sim)
    sim.add(extension())
    sim.step()
    sim.step(DELAY)
    sim.step(1)
    events = sim.events("te")
    assert ("Normal", "ADD", "default/te", 1) in events
    sync = [e for e in events if e[1] == "SYNC"]
    ref = ('AncestorRef {Group: "gateway.networking.k8s.io", Kind: "Gateway", '
           'Namespace: "default", Name: "gw", SectionName: nil, Port: nil}')
    assert sync == [  # the GKE guide's words, in its order
        ("Normal", "SYNC", f'Attachment of GCPTrafficExtension "default/te" to {ref} '
                           "was a success", 1),
        ("Normal", "SYNC", "All the object references were able to be resolved for "
                           f'GCPTrafficExtension "default/te" bound to {ref}', 1),
        ("Normal", "SYNC", f'Programming of GCPTrafficExtension "default/te" to {ref} '
                           "was a success", 1),
        ("Normal", "SYNC", f'Reconciliation of GCPTrafficExtension "default/te" to {ref} '
                           "was a success", 1),
    ]
    ev = next(e for e in sim.store.list(EVENT)[0] if e["reason"] == "SYNC")
    assert ev["source"] == {"component": "sc-gateway-controller"}
    assert ev["involvedObject"]["kind"] == "GCPTrafficExtension"
    assert ev["involvedObject"]["uid"] == sim.get(TRAFFIC_EXTENSION, "te")["metadata"]["uid"]


def test_failure_records_one_warning_with_the_gke_message(sim: Sim) -> None:
    sim.add(gateway(), service(), endpoints(ready=0), extension())
    sim.step()
    sim.step(1)
    warnings = [e for e in sim.events("te") if e[0] == "Warning"]
    assert len(warnings) == 1
    assert 'spec.service: no network endpoints found for service "callout"' in warnings[0][2]
    conds = sim.conditions(TRAFFIC_EXTENSION, "te")
    assert (conds["ResolvedRefs"]["status"], conds["ResolvedRefs"]["reason"]) == (
        "False", "ExtensionServiceNotFound")
    assert conds["Programmed"]["status"] == "False"


def test_fixing_the_failure_programs_the_extension(sim: Sim) -> None:
    sim.add(gateway(), service(), extension())
    sim.step()
    assert sim.conditions(TRAFFIC_EXTENSION, "te")["ResolvedRefs"]["status"] == "False"
    sim.add(endpoints())
    sim.step()
    sim.step(DELAY)
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"
    assert sim.conditions(TRAFFIC_EXTENSION, "te")["ResolvedRefs"]["status"] == "True"


def test_second_extension_on_a_gateway_is_conflicted_and_not_programmed(sim: Sim) -> None:
    ready(sim)
    sim.add(extension("te"))
    sim.add(extension("te2"))
    sim.step()
    sim.step(DELAY)
    assert sim.conditions(TRAFFIC_EXTENSION, "te2")["Accepted"]["reason"] == "Conflicted"
    assert len(sim.gcp.list_lb_traffic_extensions("global")) == 1


def test_fail_hook_sets_the_chosen_condition_until_released(sim: Sim) -> None:
    ready(sim)
    sim.add(extension())
    sim.step()
    sim.step(DELAY)
    sim.controller.fail("GCPTrafficExtension", "default", "te", condition="Programmed",
                        reason="Internal", message="quota exceeded")
    sim.step()
    programmed = sim.conditions(TRAFFIC_EXTENSION, "te")["Programmed"]
    assert (programmed["status"], programmed["reason"], programmed["message"]) == (
        "False", "Internal", "quota exceeded")
    assert sim.gcp.list_lb_traffic_extensions("global") == []
    sim.controller.release(TRAFFIC_EXTENSION, "default", "te")
    sim.step()
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "Unknown"
    sim.step(DELAY)
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"


def test_fail_hook_accepts_model_classes_and_rejects_other_kinds(sim: Sim) -> None:
    from gke_service_extensions import GCPTrafficExtension

    ready(sim)
    sim.add(extension())
    sim.controller.fail(GCPTrafficExtension, "default", "te", reason="Invalid")
    sim.step()
    assert sim.conditions(TRAFFIC_EXTENSION, "te")["Accepted"]["reason"] == "Invalid"
    with pytest.raises(ValueError, match="reconciles"):
        sim.controller.fail("Service", "default", "callout")
    with pytest.raises(ValueError, match="condition must be one of"):
        sim.controller.fail(TRAFFIC_EXTENSION, "default", "te", condition="Ready")


def test_hold_pending_never_programs_until_released(sim: Sim) -> None:
    ready(sim)
    sim.add(extension())
    sim.controller.hold_pending(TRAFFIC_EXTENSION, "default", "te")
    sim.step()
    sim.step(DELAY * 10)
    assert sim.programmed(TRAFFIC_EXTENSION, "te") == ("Unknown", "Pending", 1)
    sim.controller.release(TRAFFIC_EXTENSION, "default", "te")
    sim.step()
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"


def test_pause_stops_reconciling_until_resume(sim: Sim) -> None:
    ready(sim)
    sim.add(extension())
    sim.controller.pause()
    sim.step(DELAY)
    assert "status" not in sim.get(TRAFFIC_EXTENSION, "te")
    sim.controller.resume()
    sim.step()
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "Unknown"


def test_status_write_retries_after_a_conflict(sim: Sim,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    ready(sim)
    sim.add(extension())
    real_update = sim.store.update
    conflicts: list[int] = []

    def flaky(info: ResourceInfo, obj: dict[str, Any], *,
              subresource: str | None = None) -> dict[str, Any]:
        if subresource == "status" and info == TRAFFIC_EXTENSION and not conflicts:
            conflicts.append(1)
            raise StoreConflict("the object has been modified", info=info)
        return real_update(info, obj, subresource=subresource)

    monkeypatch.setattr(sim.store, "update", flaky)
    sim.step()
    assert conflicts == [1]
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "Unknown"


def test_gateway_of_another_controller_is_not_annotated(sim: Sim) -> None:
    sim.add(gateway(cls="istio"), service(), endpoints(), extension())
    sim.step()
    assert sim.annotations() == {}
    assert "status" not in sim.get(GATEWAY, "gw")
    assert sim.conditions(TRAFFIC_EXTENSION, "te")["Accepted"]["reason"] == "NotAllowed"


def test_controller_without_gcp_state_still_writes_status() -> None:
    store = ObjectStore()
    clock = FakeClock()
    controller = GatewayController(store, None, ControllerSettings(programming_delay=1),
                                   clock=clock)
    sim = Sim(store, GCPState(), clock, controller)
    sim.add(gateway(), plugin(), extension(exts=[wasm_ext()]))
    sim.step()
    sim.step(1)
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"
    assert controller.errors == []


# --------------------------------------------------------------------------- the thread


@pytest.fixture
def running() -> Iterator[Sim]:
    import time

    store = ObjectStore()
    gcp = GCPState("sim-project", "123456789012")
    controller = GatewayController(store, gcp, ControllerSettings(programming_delay=0.02),
                                   clock=time.time)
    sim = Sim(store, gcp, FakeClock(), controller)
    controller.start()
    try:
        yield sim
    finally:
        controller.stop()


def eventually(check: Any, timeout: float = 10.0) -> None:
    """Poll ``check`` until it passes (a wait with a generous deadline, not a timing test)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except (AssertionError, KeyError):  # KeyError: a field not written yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def test_worker_thread_programs_from_store_events(running: Sim) -> None:
    ready(running)
    running.add(extension())

    def programmed() -> None:
        assert running.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"
        assert running.gcp.list_lb_traffic_extensions("global")

    eventually(programmed)
    bump_timeout(running)

    def reprogrammed() -> None:
        assert running.programmed(TRAFFIC_EXTENSION, "te") == (
            "True", "ProgrammingSucceeded", 2)

    eventually(reprogrammed)
    assert running.controller.errors == []


def test_start_is_idempotent_and_stop_leaves_no_thread() -> None:
    import threading

    store = ObjectStore()
    controller = GatewayController(store, GCPState())
    before = {t.name for t in threading.enumerate()}
    controller.start()
    controller.start()
    assert controller.running
    controller.stop()
    controller.stop()
    assert not controller.running
    assert {t.name for t in threading.enumerate()} <= before
    with GatewayController(store, GCPState()) as c2:
        assert c2.running
    assert not c2.running


def test_gke_simulator_runs_this_controller() -> None:
    from gke_service_extensions.testing._simulator import GKESimulator

    settings = ControllerSettings(programming_delay=0.02)
    with GKESimulator(controller_settings=settings) as gke:
        controller = gke.controller
        assert isinstance(controller, GatewayController)
        sim = Sim(gke.store, gke.gcp_state, FakeClock(), controller)
        sim.gcp.register_image(IMAGE)
        sim.add(gateway(), plugin(), extension(exts=[wasm_ext()]))

        def programmed() -> None:
            assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"
            assert sim.annotations()["wasm-plugins"]

        eventually(programmed)
        assert controller.errors == []
    assert not controller.running


def test_malformed_objects_in_the_store_do_not_break_the_controller(sim: Sim) -> None:
    ready(sim)
    sim.add(extension())
    sim.store.create(HTTP_ROUTE, {"metadata": {"name": "weird"},
                                  "spec": {"parentRefs": ["gw"], "rules": "x"}})
    sim.store.create(TRAFFIC_EXTENSION, {"metadata": {"name": "bad"},
                                         "spec": {"targetRefs": [{"name": "gw"}],
                                                  "extensionChains": {"oops": 1}}})
    sim.step()
    sim.step(DELAY)
    assert sim.controller.errors == []
    assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"
    assert sim.conditions(TRAFFIC_EXTENSION, "bad")["Accepted"]["reason"] == "Invalid"


def test_running_controller_resyncs_while_failing_and_sees_a_new_image() -> None:
    import time

    store = ObjectStore()
    gcp = GCPState("sim-project", "123456789012")
    controller = GatewayController(store, gcp, ControllerSettings(programming_delay=0.01),
                                   clock=time.time, resync_period=0.02)
    sim = Sim(store, gcp, FakeClock(), controller)
    with controller:
        sim.add(gateway(), plugin(), extension(exts=[wasm_ext()]))

        def failing() -> None:
            accepted = sim.conditions(WASM_PLUGIN, "wp").get("Accepted") or {}
            assert accepted.get("reason") == "InvalidGCPWasmPlugin"

        eventually(failing)
        gcp.register_image(IMAGE)  # the store does not announce this; the resync sees it

        def programmed() -> None:
            assert sim.programmed(TRAFFIC_EXTENSION, "te")[0] == "True"

        eventually(programmed)
    assert controller.errors == []


def test_a_failing_pass_is_recorded_and_the_worker_keeps_going(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    store = ObjectStore()
    controller = GatewayController(store, GCPState(), ControllerSettings(),
                                   clock=time.time, resync_period=0.01)
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise RuntimeError("bug")

    monkeypatch.setattr(controller, "reconcile_once", broken)
    with controller:
        eventually(lambda: assert_at_least(calls, 2))  # retried after the first failure
        assert controller.running
    assert controller.errors
    assert all(isinstance(e, RuntimeError) for e in controller.errors)


def assert_at_least(items: list[int], n: int) -> None:
    assert len(items) >= n
