"""Pure translation of extensions and plugins into Network Services REST bodies and names."""

from __future__ import annotations

import re

import pytest
from controller_builders import (
    IMAGE,
    IMAGE2,
    REGIONAL,
    RILB,
    extension,
    gateway,
    http_route,
    known_images,
    plugin,
    routing,
    service_ext,
    wasm_ext,
    world,
)

from gke_service_extensions._gke import id_names
from gke_service_extensions.testing._controller import ControllerSettings, ObjectKey
from gke_service_extensions.testing._controller._gcp_model import (
    GatewayResources,
    extension_resource,
    gateway_resources,
    gke_name,
    go_duration_to_proto,
    plugin_resource,
    version_ids,
)
from gke_service_extensions.testing._controller._reconcile import class_profile

S = ControllerSettings()
PN = "123456789012"
TE = ObjectKey("GCPTrafficExtension", "default", "te")
RE = ObjectKey("GCPRoutingExtension", "default", "re")
WP = ObjectKey("GCPWasmPlugin", "default", "wp")


@pytest.mark.parametrize(("go", "proto"), [
    ("1s", "1s"), ("100ms", "0.100s"), ("10ms", "0.010s"), ("1.5s", "1.500s"),
    ("1m30s", "90s"), ("250us", "0.000250s"), ("10000ms", "10s"), ("1ns", "0.000000001s"),
])
def test_go_durations_become_protobuf_json_durations(go: str, proto: str) -> None:
    assert go_duration_to_proto(go) == proto


@pytest.mark.parametrize("bad", ["", "1", "1x", "s", "1s2"])
def test_bad_go_durations_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        go_duration_to_proto(bad)


def test_gke_names_are_deterministic_distinct_and_fit_63_chars() -> None:
    a = gke_name(S, "default", "te", salt="x")
    assert a == gke_name(S, "default", "te", salt="x")
    assert a != gke_name(S, "default", "te", salt="y")
    assert a != gke_name(ControllerSettings(cluster_name="other"), "default", "te", salt="x")
    assert re.fullmatch(r"gkegw1-[a-z0-9]{4}-default-te-[a-z0-9]{12}", a)
    long = gke_name(S, "n" * 63, "m" * 253)
    assert len(long) <= 63
    assert re.fullmatch(r"[a-z]([a-z0-9-]*[a-z0-9])?", long)


def lb_for(cls: str = "gke-l7-global-external-managed", https: bool = False
           ) -> GatewayResources:
    gw = gateway(cls=cls, https=https)
    profile = class_profile(cls)
    assert profile is not None
    return gateway_resources(S, PN, world(gw, http_route()), ("default", "gw"), gw, profile)


def test_gateway_resources_are_global_or_regional_with_a_documentation_address() -> None:
    lb = lb_for()
    assert lb.location == "global"
    assert lb.scheme == "EXTERNAL_MANAGED"
    assert lb.address.startswith("203.0.113.")
    assert lb.forwarding_rule.startswith(f"projects/{PN}/global/forwardingRules/gkegw1-")
    assert len(lb.backend_services) == 1
    assert "-default-store-8080-" in lb.backend_services[0]
    rilb = lb_for(RILB, https=True)
    assert (rilb.location, rilb.scheme, rilb.https) == ("us-central1", "INTERNAL_MANAGED", True)
    assert rilb.forwarding_rule.startswith(f"projects/{PN}/regions/us-central1/forwardingRules/")
    assert "/targetHttpsProxies/" in rilb.target_proxy


def test_traffic_extension_body_translates_every_field() -> None:
    ext = service_ext(events=["RequestHeaders", "RequestBody", "ResponseTrailers"],
                      timeout="200ms", failOpen=True, forwardHeaders=["cookie"],
                      metadata={"k": "v"}, requestBodySendMode="FullDuplexStreamed")
    obj = extension(exts=[ext, wasm_ext()], cel=["request.path == '/a'", "request.host == 'b'"])
    res = extension_resource(S, PN, TE, obj, lb_for())
    assert res.collection == "lbTrafficExtensions"
    assert res.location == "global"
    body = res.body
    assert body["name"] == f"projects/{PN}/locations/global/lbTrafficExtensions/{res.name}"
    assert body["loadBalancingScheme"] == "EXTERNAL_MANAGED"
    assert body["forwardingRules"] == [lb_for().forwarding_rule]
    chain = body["extensionChains"][0]
    assert chain["matchCondition"] == {
        "celExpression": "(request.path == '/a') || (request.host == 'b')"}
    callout, wasm = chain["extensions"]
    assert callout == {
        "name": "ext1", "authority": "myext.com",
        "service": callout["service"],
        "supportedEvents": ["REQUEST_HEADERS", "REQUEST_BODY", "RESPONSE_TRAILERS"],
        "timeout": "0.200s", "failOpen": True, "forwardHeaders": ["cookie"],
        "metadata": {"k": "v"},
        "requestBodySendMode": "BODY_SEND_MODE_FULL_DUPLEX_STREAMED"}
    assert re.fullmatch(rf"projects/{PN}/global/backendServices/gkegw1-.*-callout-443-.*",
                        callout["service"])
    assert wasm["service"].startswith(f"projects/{PN}/locations/global/wasmPlugins/gkegw1-")
    assert "timeout" not in wasm
    assert "failOpen" not in wasm
    assert wasm["supportedEvents"] == ["REQUEST_HEADERS", "RESPONSE_HEADERS"]


def test_route_extension_is_regional_internal_and_defaults_to_request_headers() -> None:
    ext = service_ext()
    del ext["supportedEvents"]
    res = extension_resource(S, PN, RE, routing(exts=[ext]), lb_for(RILB))
    assert res.collection == "lbRouteExtensions"
    assert res.location == "us-central1"
    assert res.body["loadBalancingScheme"] == "INTERNAL_MANAGED"
    assert res.body["extensionChains"][0]["extensions"][0]["supportedEvents"] == [
        "REQUEST_HEADERS"]
    assert "/regions/us-central1/backendServices/" in (
        res.body["extensionChains"][0]["extensions"][0]["service"])
    assert "matchCondition" not in res.body["extensionChains"][0]


def test_same_extension_on_two_gateways_gets_two_names() -> None:
    obj = extension(targets=("gw", "gw2"))
    lb1 = lb_for()
    gw2 = gateway("gw2", cls=REGIONAL)
    profile = class_profile(REGIONAL)
    assert profile is not None
    lb2 = gateway_resources(S, PN, world(gw2), ("default", "gw2"), gw2, profile)
    assert extension_resource(S, PN, TE, obj, lb1).name != extension_resource(
        S, PN, TE, obj, lb2).name


def test_wasm_plugin_main_version_is_the_weighted_one_with_resolved_digests() -> None:
    obj = plugin(versions=[("old", IMAGE, 0), ("new", IMAGE2, 1_000_000)],
                 log={"enabled": True, "sampleRate": 250_000, "minLogLevel": "WARN"})
    obj["spec"]["versions"][1]["pluginConfigURI"] = "gs://b/cfg"
    res = plugin_resource(S, PN, WP, obj, known_images(IMAGE, IMAGE2), used_by=["x", "x"])
    assert res.location == "global"
    ids = version_ids(S, WP, obj)
    assert res.body["mainVersionId"] == ids["new"]
    assert res.body["logConfig"] == {"enable": True, "sampleRate": 0.25, "minLogLevel": "WARN"}
    assert res.body["usedBy"] == [{"name": "x"}]
    assert set(res.versions or {}) == {ids["old"], ids["new"]}
    assert (res.versions or {})[ids["new"]] == {
        "imageUri": IMAGE2, "imageDigest": "sha256:" + f"{2:064x}",
        "pluginConfigUri": "gs://b/cfg"}


def test_wasm_plugin_version_ids_are_generated_prefix_name_suffix() -> None:
    obj = plugin(versions=[("old", IMAGE, 0), ("new", IMAGE2, 1_000_000)])
    ids = version_ids(S, WP, obj)
    assert ids["new"] != "new"
    assert id_names(ids["new"], "new")
    assert re.fullmatch(r"gkegw1-[a-z0-9]{4}-new-[a-z0-9]{12}", ids["new"])
    assert version_ids(S, WP, obj) == ids  # deterministic
    obj["spec"]["versions"][1]["image"] = IMAGE  # versions are immutable: new content, new id
    assert version_ids(S, WP, obj)["new"] != ids["new"]


def test_wasm_plugin_log_config_defaults_and_disabled_logging() -> None:
    on = plugin_resource(S, PN, WP, plugin(log={"enabled": True}), known_images(IMAGE))
    assert on.body["logConfig"] == {"enable": True, "sampleRate": 1.0, "minLogLevel": "INFO"}
    off = plugin_resource(S, PN, WP, plugin(log={"enabled": False}), known_images(IMAGE))
    assert off.body["logConfig"] == {"enable": False}
    assert "logConfig" not in plugin_resource(S, PN, WP, plugin(), known_images(IMAGE)).body


def test_bodies_parse_as_the_network_services_api_messages() -> None:
    import json

    from google.cloud import network_services_v1 as ns

    full = service_ext(events=["RequestHeaders", "RequestBody", "ResponseBody"],
                       timeout="50ms", forwardHeaders=["x"], metadata={"a": "b"},
                       requestBodySendMode="Streamed", responseBodySendMode="Streamed",
                       observabilityMode=True)
    traffic = extension_resource(S, PN, TE, extension(exts=[full, wasm_ext()],
                                                      cel=["request.path == '/'"]), lb_for())
    ns.LbTrafficExtension.from_json(json.dumps(traffic.body), ignore_unknown_fields=False)
    route = extension_resource(S, PN, RE, routing(), lb_for(RILB))
    ns.LbRouteExtension.from_json(json.dumps(route.body), ignore_unknown_fields=False)
    wasm = plugin_resource(S, PN, WP, plugin(log={"enabled": True, "minLogLevel": "DEBUG"}),
                           known_images(IMAGE), used_by=[traffic.path(PN)])
    ns.WasmPlugin.from_json(json.dumps({**wasm.body, "versions": wasm.versions}),
                            ignore_unknown_fields=False)
