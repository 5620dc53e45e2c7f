"""Pure reconcile: every check of SPEC §2-5/§7 gives the verdict a GKE user would see."""

from __future__ import annotations

from typing import Any

import pytest
from controller_builders import (
    GLOBAL,
    IMAGE,
    IMAGE2,
    REGIONAL,
    RILB,
    endpoint_slice,
    endpoints,
    extension,
    gateway,
    gateway_class,
    healthy_callout,
    known_images,
    plugin,
    routing,
    service,
    service_ext,
    wasm_ext,
    world,
)

from gke_service_extensions.testing._controller import Failure, ObjectKey, evaluate
from gke_service_extensions.testing._controller._reconcile import ObjectVerdict

TE = ObjectKey("GCPTrafficExtension", "default", "te")
RE = ObjectKey("GCPRoutingExtension", "default", "re")
WP = ObjectKey("GCPWasmPlugin", "default", "wp")


def verdicts(*objects: dict[str, Any], images: tuple[str, ...] = (IMAGE,),
             faults: dict[ObjectKey, Failure] | None = None) -> dict[ObjectKey, ObjectVerdict]:
    return evaluate(world(*objects), known_images(*images), faults)


def only_failure(v: ObjectVerdict) -> Failure | None:
    assert len(v.ancestors) == 1
    return v.ancestors[0].failure


def test_valid_traffic_extension_is_programmable_on_its_gateway() -> None:
    v = verdicts(*healthy_callout(), extension())[TE]
    assert v.ok
    assert [a.gateway for a in v.ancestors] == [("default", "gw")]
    assert v.uid == "uid-default-te"
    assert v.generation == 1


def test_missing_gateway_is_no_matching_target_with_gke_message() -> None:
    v = verdicts(service(), endpoints(), extension(targets=("nope",)))[TE]
    assert only_failure(v) == Failure(
        "Accepted", "NoMatchingTarget",
        'spec.gatewayRef: gateway "nope" not found in namespace "default"')


def test_gateway_in_another_namespace_does_not_match() -> None:
    v = verdicts(gateway(namespace="other"), service(), endpoints(), extension())[TE]
    assert only_failure(v).reason == "NoMatchingTarget"  # type: ignore[union-attr]


def test_target_that_is_not_a_gateway_is_no_matching_target() -> None:
    ext = extension()
    ext["spec"]["targetRefs"] = [{"group": "", "kind": "Service", "name": "callout"}]
    failure = only_failure(verdicts(*healthy_callout(), ext)[TE])
    assert failure is not None
    assert failure.reason == "NoMatchingTarget"
    assert "spec.targetRefs[0]" in failure.message


def test_each_target_gets_its_own_ancestor_and_verdict() -> None:
    v = verdicts(*healthy_callout(), extension(targets=("gw", "missing", "gw")))[TE]
    assert [(a.gateway[1], a.failure.reason if a.failure else None) for a in v.ancestors] == [
        ("gw", None), ("missing", "NoMatchingTarget")]


def test_routing_extension_is_not_allowed_on_global_external_class() -> None:
    failure = only_failure(verdicts(*healthy_callout(), routing())[RE])
    assert failure is not None
    assert (failure.condition, failure.reason) == ("Accepted", "NotAllowed")
    assert GLOBAL in failure.message


@pytest.mark.parametrize("cls", [REGIONAL, RILB])
def test_routing_extension_is_allowed_on_regional_classes(cls: str) -> None:
    assert verdicts(gateway(cls=cls), service(), endpoints(), routing())[RE].ok


def test_wasm_backend_is_not_allowed_on_regional_class() -> None:
    failure = only_failure(verdicts(gateway(cls=REGIONAL), plugin(),
                                    extension(exts=[wasm_ext()]))[TE])
    assert failure is not None
    assert failure.reason == "NotAllowed"
    assert "spec.extensionChains[0].extensions[0].backendRef" in failure.message


def test_multi_cluster_class_needs_service_import_backends() -> None:
    failure = only_failure(verdicts(gateway(cls=f"{GLOBAL}-mc"), service(), endpoints(),
                                    extension())[TE])
    assert failure is not None
    assert failure.reason == "NotAllowed"
    assert "ServiceImport" in failure.message


def test_service_import_backend_is_accepted_on_multi_cluster_class() -> None:
    ext = service_ext()
    ext["backendRef"] = {"group": "net.gke.io", "kind": "ServiceImport", "name": "callout",
                         "port": 443}
    assert verdicts(gateway(cls=f"{REGIONAL}-mc"), extension(exts=[ext]))[TE].ok
    failure = only_failure(verdicts(gateway(cls=REGIONAL), extension(exts=[ext]))[TE])
    assert failure is not None
    assert failure.reason == "NotAllowed"


def test_classic_and_unknown_gateway_classes_are_not_allowed() -> None:
    for cls in ("gke-l7-gxlb", "istio"):
        failure = only_failure(verdicts(gateway(cls=cls), service(), endpoints(),
                                        extension())[TE])
        assert failure is not None
        assert failure.reason == "NotAllowed", cls
        assert cls in failure.message


def test_gateway_class_of_another_controller_is_not_allowed() -> None:
    failure = only_failure(verdicts(gateway_class(GLOBAL, "example.com/other"),
                                    *healthy_callout(), extension())[TE])
    assert failure is not None
    assert failure.reason == "NotAllowed"
    assert "example.com/other" in failure.message


def test_google_api_service_name_needs_no_service_and_is_traffic_only() -> None:
    ext = {"name": "armor", "supportedEvents": ["RequestHeaders"],
           "googleAPIServiceName": "modelarmor.us-central1.rep.googleapis.com"}
    assert verdicts(gateway(), extension(exts=[ext]))[TE].ok
    failure = only_failure(verdicts(gateway(cls=REGIONAL), routing(exts=[ext]))[RE])
    assert failure is not None
    assert failure.reason == "NotAllowed"


def test_second_traffic_extension_on_a_gateway_is_conflicted_and_older_wins() -> None:
    older = extension("te")
    newer = extension("a-newer")  # sorts first by name: age must decide, not name
    v = verdicts(*healthy_callout(), older, newer)
    assert v[TE].ok
    failure = only_failure(v[ObjectKey("GCPTrafficExtension", "default", "a-newer")])
    assert failure is not None
    assert (failure.condition, failure.reason) == ("Accepted", "Conflicted")
    assert "default/te" in failure.message


def test_conflict_is_per_gateway() -> None:
    first = extension("te", targets=("gw",))
    second = extension("te2", targets=("gw", "gw2"))
    v = verdicts(*healthy_callout(), gateway("gw2"), first, second)
    reasons = {a.gateway[1]: a.failure.reason if a.failure else None
               for a in v[ObjectKey("GCPTrafficExtension", "default", "te2")].ancestors}
    assert reasons == {"gw": "Conflicted", "gw2": None}


def test_one_traffic_and_one_routing_extension_share_a_gateway() -> None:
    v = verdicts(gateway(cls=REGIONAL), service(), endpoints(), extension(), routing())
    assert v[TE].ok
    assert v[RE].ok


def test_extension_rejected_by_its_class_does_not_take_the_conflict_slot() -> None:
    bad_cls = extension("te", exts=[wasm_ext()])  # wasm: not allowed on regional
    good = extension("te2")
    v = verdicts(gateway(cls=REGIONAL), service(), endpoints(), plugin(), bad_cls, good)
    assert v[ObjectKey("GCPTrafficExtension", "default", "te2")].ok


def test_missing_service_is_extension_service_not_found() -> None:
    failure = only_failure(verdicts(gateway(), extension())[TE])
    assert failure == Failure("ResolvedRefs", "ExtensionServiceNotFound",
                              'spec.service: service "callout" not found')


def test_missing_service_port_is_extension_service_not_found() -> None:
    failure = only_failure(verdicts(gateway(), service(port=8443), endpoints(),
                                    extension())[TE])
    assert failure is not None
    assert failure.reason == "ExtensionServiceNotFound"
    assert failure.message.startswith('spec.service: service "callout" not found')
    assert "443" in failure.message


@pytest.mark.parametrize("app_protocol", [None, "HTTP", "kubernetes.io/h2c"])
def test_port_without_app_protocol_http2_is_invalid_extension_service(
        app_protocol: str | None) -> None:
    failure = only_failure(verdicts(gateway(), service(app_protocol=app_protocol),
                                    endpoints(), extension())[TE])
    assert failure is not None
    assert (failure.condition, failure.reason) == ("Accepted", "InvalidExtensionService")
    assert "HTTP2" in failure.message


def test_service_without_ready_endpoints_has_no_network_endpoints() -> None:
    failure = only_failure(verdicts(gateway(), service(), endpoints(ready=0), extension())[TE])
    assert failure == Failure(
        "ResolvedRefs", "ExtensionServiceNotFound",
        'spec.service: no network endpoints found for service "callout"')


def test_ready_endpoint_slices_count_and_not_ready_ones_do_not() -> None:
    assert verdicts(gateway(), service(), endpoint_slice(ready=[False, True]),
                    extension())[TE].ok
    failure = only_failure(verdicts(gateway(), service(), endpoint_slice(ready=[False]),
                                    extension())[TE])
    assert failure is not None
    assert "no network endpoints" in failure.message


def test_first_failing_extension_in_chain_order_is_reported() -> None:
    exts = [service_ext("a", svc="callout"), service_ext("b", svc="missing")]
    failure = only_failure(verdicts(*healthy_callout(), extension(exts=exts))[TE])
    assert failure is not None
    assert '"missing"' in failure.message


def test_match_condition_backend_service_must_exist() -> None:
    ext = extension()
    ext["spec"]["extensionChains"][0]["matchCondition"] = {"celExpressions": [
        {"backendRefs": [{"group": "", "kind": "Service", "name": "ghost"}]}]}
    failure = only_failure(verdicts(*healthy_callout(), ext)[TE])
    assert failure is not None
    assert failure.message == 'spec.service: service "ghost" not found'


def test_missing_wasm_plugin_is_gcp_wasm_plugin_not_found_with_gke_message() -> None:
    failure = only_failure(verdicts(gateway(), extension(exts=[wasm_ext("x")]))[TE])
    assert failure == Failure(
        "ResolvedRefs", "GCPWasmPluginNotFound",
        "error cause: invalid-wasm-plugin: GCPWasmPlugin default/x in GCPTrafficExtension "
        "default/te does not exist")


def test_plugin_whose_image_does_not_resolve_fails_and_fails_its_users() -> None:
    v = verdicts(gateway(), plugin(versions=[("v1", IMAGE, 1_000_000), ("v2", IMAGE2, 0)]),
                 extension(exts=[wasm_ext()]), images=(IMAGE,))
    plugin_failure = v[WP].failure
    assert plugin_failure is not None
    assert plugin_failure.reason == "InvalidGCPWasmPlugin"
    assert "spec.versions[1].image" in plugin_failure.message
    assert IMAGE2 in plugin_failure.message
    assert only_failure(v[WP]) == plugin_failure
    failure = only_failure(v[TE])
    assert failure is not None
    assert (failure.condition, failure.reason) == ("Accepted", "InvalidGCPWasmPlugin")
    assert failure.message.startswith(
        "error cause: invalid-wasm-plugin: GCPWasmPlugin default/wp in GCPTrafficExtension "
        "default/te is not valid")


def test_plugin_ancestors_are_the_gateways_of_extensions_that_use_it() -> None:
    v = verdicts(gateway("gw"), gateway("gw2"), gateway("gw3"), plugin(),
                 extension("te", targets=("gw", "gone"), exts=[wasm_ext()]),
                 extension("te2", targets=("gw2",), exts=[wasm_ext()]),
                 extension("other", targets=("gw3",), exts=[wasm_ext("another")]))
    assert [a.gateway[1] for a in v[WP].ancestors] == ["gw", "gw2"]
    assert v[WP].ok
    assert v[TE].plugins == (WP,)


def test_unreferenced_plugin_has_no_ancestors() -> None:
    v = verdicts(plugin())[WP]
    assert v.ancestors == ()
    assert v.ok


def test_plugin_used_on_a_regional_gateway_is_not_allowed_there() -> None:
    v = verdicts(gateway(cls=RILB), plugin(), extension(exts=[wasm_ext()]))
    failure = only_failure(v[WP])
    assert failure is not None
    assert failure.reason == "NotAllowed"


def test_injected_fault_wins_over_a_healthy_verdict() -> None:
    fault = Failure("Programmed", "Internal", "boom")
    v = verdicts(*healthy_callout(), extension(), faults={TE: fault})[TE]
    assert only_failure(v) == fault
    assert v.failure == fault


def test_objects_being_deleted_are_ignored() -> None:
    ext = extension()
    ext["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    gw = gateway()
    gw["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    v = verdicts(gw, service(), endpoints(), ext, extension("te2"))
    assert TE not in v
    assert only_failure(v[ObjectKey("GCPTrafficExtension", "default", "te2")]).reason == (  # type: ignore[union-attr]
        "NoMatchingTarget")


def test_malformed_extension_is_invalid_on_its_targets_and_others_still_reconcile() -> None:
    bad = extension("bad")
    bad["spec"]["extensionChains"] = [{"name": "c", "extensions": "not-a-list"}]
    v = verdicts(*healthy_callout(), bad, extension("te", targets=("gw2",)), gateway("gw2"))
    failure = only_failure(v[ObjectKey("GCPTrafficExtension", "default", "bad")])
    assert failure is not None
    assert (failure.condition, failure.reason) == ("Accepted", "Invalid")
    assert "spec.extensionChains[0].extensions: must be a list of objects" in failure.message
    assert v[TE].ok


def test_extension_using_a_malformed_plugin_reports_the_plugin_invalid() -> None:
    bad = plugin()
    bad["spec"]["versions"][0]["weight"] = "heavy"
    v = verdicts(gateway(), bad, extension(exts=[wasm_ext()]))
    plugin_failure = v[WP].failure
    assert plugin_failure is not None
    assert plugin_failure.reason == "Invalid"
    failure = only_failure(v[TE])
    assert failure is not None
    assert failure.reason == "InvalidGCPWasmPlugin"
    assert "spec.versions[0].weight" in failure.message


def test_cel_matcher_gke_cannot_translate_is_invalid_cel_expression() -> None:
    failure = only_failure(verdicts(*healthy_callout(),
                                    extension(cel=['request.path == "/a"',
                                                   "has(request.path)"]))[TE])
    assert failure is not None
    assert (failure.condition, failure.reason) == ("Accepted", "InvalidCELExpression")
    assert failure.message.startswith(
        "spec.extensionChains[0].matchCondition.celExpressions[1].celMatcher: has()")


def test_valid_cel_matchers_pass() -> None:
    assert verdicts(*healthy_callout(),
                    extension(cel=['request.path.startsWith("/api")']))[TE].ok


def test_observability_mode_is_allowed_only_on_regional_classes() -> None:
    ext = extension(exts=[service_ext(observabilityMode=True)])
    failure = only_failure(verdicts(*healthy_callout(), ext)[TE])
    assert failure is not None
    assert failure.reason == "NotAllowed"
    assert "observabilityMode" in failure.message
    assert verdicts(gateway(cls=REGIONAL), service(), endpoints(), ext)[TE].ok
