"""The simulated Network Services API, driven by the real google-cloud clients (REST)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from google.api_core import exceptions as gexc
from google.cloud import network_services_v1 as ns
from google.longrunning import operations_pb2
from google.protobuf import field_mask_pb2

from gke_service_extensions.testing._gcp import GCPServer, GCPState

PROJECT = "sim-project"
PROJECT_NUMBER = "123456789012"
GLOBAL = f"projects/{PROJECT}/locations/global"
REGION = f"projects/{PROJECT}/locations/us-central1"
IMAGE = "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"

TRAFFIC_EXTENSION: dict[str, Any] = {
    "description": "programmed by GKE",
    "forwardingRules": [
        f"https://www.googleapis.com/compute/v1/projects/{PROJECT}/global/forwardingRules/fr"
    ],
    "loadBalancingScheme": "EXTERNAL_MANAGED",
    "labels": {"gke": "sim"},
    "extensionChains": [{
        "name": "chain1",
        "matchCondition": {"celExpression": 'request.path.startsWith("/")'},
        "extensions": [{
            "name": "ext1",
            "authority": "myext.com",
            "service": "projects/sim-project/global/backendServices/callout",
            "supportedEvents": ["REQUEST_HEADERS", "RESPONSE_HEADERS"],
            "timeout": "1s",
            "failOpen": True,
            "forwardHeaders": ["cookie"],
            "requestBodySendMode": "BODY_SEND_MODE_STREAMED",
        }],
    }],
}

ROUTE_EXTENSION: dict[str, Any] = {
    "forwardingRules": ["projects/sim-project/regions/us-central1/forwardingRules/fr"],
    "loadBalancingScheme": "INTERNAL_MANAGED",
    "extensionChains": [{
        "name": "chain1",
        "matchCondition": {"celExpression": "true"},
        "extensions": [{"name": "ext1", "service": "svc", "supportedEvents": ["REQUEST_HEADERS"],
                        "timeout": "0.5s"}],
    }],
}



def done(op: Any) -> Any:
    """The result of a long-running operation; the simulator's are already done."""
    return op.result(timeout=5)


def _plugin(state: GCPState, name: str = "wp") -> str:
    digest = state.register_image(IMAGE)
    state.put_wasm_plugin(
        "global", name,
        {"mainVersionId": "v2", "description": "d",
         "logConfig": {"enable": True, "sampleRate": 0.25, "minLogLevel": "WARN"},
         "usedBy": [{"name": f"{GLOBAL}/lbTrafficExtensions/ext"}]},
        {"v1": {"imageUri": IMAGE.replace(":main", ":old")},
         "v2": {"imageUri": IMAGE, "pluginConfigUri": "us-docker.pkg.dev/p/r/cfg:1"}},
    )
    return digest


# --------------------------------------------------------------------------- lifecycle


def test_endpoint_is_loopback_http_once_started(state: GCPState) -> None:
    srv = GCPServer(state)
    with pytest.raises(RuntimeError, match="not started"):
        _ = srv.endpoint
    with srv:
        assert srv.endpoint.startswith("http://127.0.0.1:")
        assert srv.port > 0
    assert not srv.running
    srv.stop()  # idempotent


def test_stopped_server_refuses_connections(state: GCPState) -> None:
    with GCPServer(state) as srv:
        endpoint = srv.endpoint
        session = requests.Session()
        assert session.get(f"{endpoint}/v1/{GLOBAL}/wasmPlugins", timeout=5).ok
    with pytest.raises(requests.ConnectionError):
        session.get(f"{endpoint}/v1/{GLOBAL}/wasmPlugins", timeout=5)


# --------------------------------------------------------------------------- extensions


def test_get_lb_traffic_extension_returns_what_was_put(
    state: GCPState, dep: ns.DepServiceClient
) -> None:
    state.put_lb_traffic_extension("global", "ext", TRAFFIC_EXTENSION)
    got = dep.get_lb_traffic_extension(name=f"{GLOBAL}/lbTrafficExtensions/ext")
    assert got.name == f"{GLOBAL}/lbTrafficExtensions/ext"
    assert got.load_balancing_scheme == ns.LoadBalancingScheme.EXTERNAL_MANAGED
    assert got.labels == {"gke": "sim"}
    ext = got.extension_chains[0].extensions[0]
    assert list(ext.supported_events) == [ns.EventType.REQUEST_HEADERS,
                                          ns.EventType.RESPONSE_HEADERS]
    assert ext.timeout.total_seconds() == 1
    assert ext.fail_open is True
    assert ext.request_body_send_mode == ns.BodySendMode.BODY_SEND_MODE_STREAMED
    assert got.extension_chains[0].match_condition.cel_expression == 'request.path.startsWith("/")'
    assert got.create_time.year >= 2024


def test_names_under_the_project_number_are_accepted(
    state: GCPState, dep: ns.DepServiceClient
) -> None:
    state.put_lb_route_extension("us-central1", "r", ROUTE_EXTENSION)
    got = dep.get_lb_route_extension(
        name=f"projects/{PROJECT_NUMBER}/locations/us-central1/lbRouteExtensions/r")
    assert got.load_balancing_scheme == ns.LoadBalancingScheme.INTERNAL_MANAGED


def test_list_extensions_per_kind_and_location(state: GCPState, dep: ns.DepServiceClient) -> None:
    state.put_lb_route_extension("us-central1", "r1", ROUTE_EXTENSION)
    state.put_lb_route_extension("us-central1", "r2", ROUTE_EXTENSION)
    state.put_lb_route_extension("europe-west1", "elsewhere", ROUTE_EXTENSION)
    state.put_lb_traffic_extension("us-central1", "t", TRAFFIC_EXTENSION)
    routes = [r.name.rsplit("/", 1)[1] for r in dep.list_lb_route_extensions(parent=REGION)]
    assert routes == ["r1", "r2"]
    traffic = [t.name.rsplit("/", 1)[1] for t in dep.list_lb_traffic_extensions(parent=REGION)]
    assert traffic == ["t"]
    assert list(dep.list_lb_traffic_extensions(parent=GLOBAL)) == []


def test_list_pagination_walks_every_page(
    state: GCPState, server: GCPServer, dep: ns.DepServiceClient
) -> None:
    for i in range(5):
        state.put_lb_traffic_extension("global", f"ext-{i}", TRAFFIC_EXTENSION)
    pager = dep.list_lb_traffic_extensions(
        request=ns.ListLbTrafficExtensionsRequest(parent=GLOBAL, page_size=2))
    pages = [[e.name.rsplit("/", 1)[1] for e in page.lb_traffic_extensions]
             for page in pager.pages]
    assert pages == [["ext-0", "ext-1"], ["ext-2", "ext-3"], ["ext-4"]]
    assert server.faults.count("GET", "*/lbTrafficExtensions") == 3


def test_bad_page_token_is_invalid_argument(dep: ns.DepServiceClient) -> None:
    with pytest.raises(gexc.BadRequest, match="pageToken"):
        dep.list_lb_traffic_extensions(
            request=ns.ListLbTrafficExtensionsRequest(parent=GLOBAL, page_token="garbage!"))


@pytest.mark.parametrize("method", [
    "get_lb_traffic_extension", "get_lb_route_extension",
])
def test_missing_extension_is_not_found(dep: ns.DepServiceClient, method: str) -> None:
    kind = "lbTrafficExtensions" if "traffic" in method else "lbRouteExtensions"
    with pytest.raises(gexc.NotFound, match=f"{kind}/nope"):
        getattr(dep, method)(name=f"{GLOBAL}/{kind}/nope")


def test_another_project_is_permission_denied(dep: ns.DepServiceClient) -> None:
    with pytest.raises(gexc.Forbidden):
        dep.get_lb_traffic_extension(name="projects/other/locations/global/lbTrafficExtensions/x")


def test_create_returns_done_operation_whose_result_is_the_resource(
    state: GCPState, dep: ns.DepServiceClient
) -> None:
    body = ns.LbRouteExtension(
        load_balancing_scheme=ns.LoadBalancingScheme.INTERNAL_MANAGED,
        forwarding_rules=["fr"],
        extension_chains=[ns.ExtensionChain(
            name="c", match_condition=ns.ExtensionChain.MatchCondition(cel_expression="true"),
            extensions=[ns.ExtensionChain.Extension(
                name="e", service="svc", supported_events=[ns.EventType.REQUEST_HEADERS])])],
    )
    op = dep.create_lb_route_extension(parent=REGION, lb_route_extension=body,
                                       lb_route_extension_id="created")
    result = done(op)
    assert result.name == f"{REGION}/lbRouteExtensions/created"
    assert result.load_balancing_scheme == ns.LoadBalancingScheme.INTERNAL_MANAGED
    stored = state.get_lb_route_extension("us-central1", "created")
    assert stored is not None
    # enums sent as integers by the client are stored by name, as the REST API names them
    assert stored["loadBalancingScheme"] == "INTERNAL_MANAGED"
    assert stored["extensionChains"][0]["extensions"][0]["supportedEvents"] == ["REQUEST_HEADERS"]


def test_create_existing_is_already_exists(state: GCPState, dep: ns.DepServiceClient) -> None:
    state.put_lb_traffic_extension("global", "ext", TRAFFIC_EXTENSION)
    with pytest.raises(gexc.Conflict):
        dep.create_lb_traffic_extension(parent=GLOBAL, lb_traffic_extension=ns.LbTrafficExtension(),
                                        lb_traffic_extension_id="ext")


def test_create_with_invalid_id_is_invalid_argument(dep: ns.DepServiceClient) -> None:
    with pytest.raises(gexc.BadRequest, match="Invalid lbTrafficExtensionId"):
        dep.create_lb_traffic_extension(parent=GLOBAL, lb_traffic_extension=ns.LbTrafficExtension(),
                                        lb_traffic_extension_id="Bad_Name")


def test_update_with_mask_changes_only_masked_fields(
    state: GCPState, dep: ns.DepServiceClient
) -> None:
    created = state.put_lb_traffic_extension("global", "ext", TRAFFIC_EXTENSION)
    op = dep.update_lb_traffic_extension(
        lb_traffic_extension=ns.LbTrafficExtension(
            name=f"{GLOBAL}/lbTrafficExtensions/ext", labels={"new": "x"}, description="ignored"),
        update_mask=field_mask_pb2.FieldMask(paths=["labels"]),
    )
    assert done(op).labels == {"new": "x"}
    stored = state.get_lb_traffic_extension("global", "ext")
    assert stored is not None
    assert stored["labels"] == {"new": "x"}
    assert stored["description"] == "programmed by GKE"
    assert stored["createTime"] == created["createTime"]


def test_update_missing_is_not_found(dep: ns.DepServiceClient) -> None:
    with pytest.raises(gexc.NotFound):
        dep.update_lb_route_extension(
            lb_route_extension=ns.LbRouteExtension(name=f"{REGION}/lbRouteExtensions/nope"))


def test_delete_then_get_is_not_found(state: GCPState, dep: ns.DepServiceClient) -> None:
    state.put_lb_traffic_extension("global", "ext", TRAFFIC_EXTENSION)
    done(dep.delete_lb_traffic_extension(name=f"{GLOBAL}/lbTrafficExtensions/ext"))
    assert state.get_lb_traffic_extension("global", "ext") is None
    with pytest.raises(gexc.NotFound):
        dep.delete_lb_traffic_extension(name=f"{GLOBAL}/lbTrafficExtensions/ext")


def test_operations_can_be_fetched_by_name(dep: ns.DepServiceClient) -> None:
    op = dep.create_lb_traffic_extension(parent=GLOBAL, lb_traffic_extension=ns.LbTrafficExtension(
        load_balancing_scheme=ns.LoadBalancingScheme.EXTERNAL_MANAGED),
        lb_traffic_extension_id="ext")
    fetched = dep.get_operation(request=operations_pb2.GetOperationRequest(name=op.operation.name))
    assert fetched.done
    assert fetched.name.startswith(f"{GLOBAL}/operations/")
    with pytest.raises(gexc.NotFound):
        dep.get_operation(request=operations_pb2.GetOperationRequest(
            name=f"{GLOBAL}/operations/operation-nope"))


# --------------------------------------------------------------------------- wasm plugins


def test_wasm_plugin_basic_view_omits_versions(
    state: GCPState, net: ns.NetworkServicesClient
) -> None:
    _plugin(state)
    got = net.get_wasm_plugin(name=f"{GLOBAL}/wasmPlugins/wp")
    assert got.main_version_id == "v2"
    assert got.log_config.enable is True
    assert got.log_config.sample_rate == pytest.approx(0.25)
    assert got.log_config.min_log_level == ns.WasmPlugin.LogConfig.LogLevel.WARN
    assert [u.name for u in got.used_by] == [f"{GLOBAL}/lbTrafficExtensions/ext"]
    assert len(got.versions) == 0


def test_wasm_plugin_full_view_fills_versions(
    state: GCPState, net: ns.NetworkServicesClient
) -> None:
    digest = _plugin(state)
    got = net.get_wasm_plugin(request=ns.GetWasmPluginRequest(
        name=f"{GLOBAL}/wasmPlugins/wp", view=ns.WasmPluginView.WASM_PLUGIN_VIEW_FULL))
    assert sorted(got.versions) == ["v1", "v2"]
    assert got.versions["v2"].image_uri == IMAGE
    assert got.versions["v2"].image_digest == digest
    assert got.versions["v2"].plugin_config_uri == "us-docker.pkg.dev/p/r/cfg:1"
    assert got.versions["v1"].image_digest == ""  # tag :old was never registered


def test_wasm_plugin_view_by_enum_name_as_gcloud_sends_it(
    state: GCPState, server: GCPServer
) -> None:
    _plugin(state)
    url = f"{server.endpoint}/v1/{GLOBAL}/wasmPlugins/wp"
    full = requests.get(url, params={"view": "WASM_PLUGIN_VIEW_FULL"}, timeout=5).json()
    assert sorted(full["versions"]) == ["v1", "v2"]
    basic = requests.get(url, params={"view": "WASM_PLUGIN_VIEW_BASIC"}, timeout=5).json()
    assert "versions" not in basic
    bad = requests.get(url, params={"view": "SIDEWAYS"}, timeout=5)
    assert bad.status_code == 400


def test_list_wasm_plugins_and_versions(state: GCPState, net: ns.NetworkServicesClient) -> None:
    _plugin(state, "wp-a")
    _plugin(state, "wp-b")
    plugins = [p.name.rsplit("/", 1)[1] for p in net.list_wasm_plugins(parent=GLOBAL)]
    assert plugins == ["wp-a", "wp-b"]
    versions = list(net.list_wasm_plugin_versions(parent=f"{GLOBAL}/wasmPlugins/wp-a"))
    assert [v.name.rsplit("/", 1)[1] for v in versions] == ["v1", "v2"]
    v2 = net.get_wasm_plugin_version(name=f"{GLOBAL}/wasmPlugins/wp-a/versions/v2")
    assert v2.image_uri == IMAGE
    assert v2.image_digest.startswith("sha256:")


def test_missing_wasm_plugin_and_version_are_not_found(
    state: GCPState, net: ns.NetworkServicesClient
) -> None:
    with pytest.raises(gexc.NotFound):
        net.get_wasm_plugin(name=f"{GLOBAL}/wasmPlugins/nope")
    with pytest.raises(gexc.NotFound):
        list(net.list_wasm_plugin_versions(parent=f"{GLOBAL}/wasmPlugins/nope"))
    _plugin(state)
    with pytest.raises(gexc.NotFound):
        net.get_wasm_plugin_version(name=f"{GLOBAL}/wasmPlugins/wp/versions/v9")


def test_create_wasm_plugin_with_versions_and_add_a_version(
    state: GCPState, net: ns.NetworkServicesClient
) -> None:
    digest = state.register_image(IMAGE)
    plugin = done(net.create_wasm_plugin(
        parent=GLOBAL, wasm_plugin_id="wp",
        wasm_plugin=ns.WasmPlugin(
            main_version_id="v1",
            log_config=ns.WasmPlugin.LogConfig(
                enable=True, min_log_level=ns.WasmPlugin.LogConfig.LogLevel.INFO),
            versions={"v1": ns.WasmPlugin.VersionDetails(image_uri=IMAGE)}),
    ))
    assert plugin.main_version_id == "v1"
    stored = state.get_wasm_plugin("global", "wp")
    assert stored is not None
    assert stored["logConfig"]["minLogLevel"] == "INFO"
    version = done(net.create_wasm_plugin_version(
        parent=f"{GLOBAL}/wasmPlugins/wp", wasm_plugin_version_id="v2",
        wasm_plugin_version=ns.WasmPluginVersion(image_uri=IMAGE),
    ))
    assert version.image_digest == digest
    assert sorted(state.with_versions(stored)["versions"]) == ["v1", "v2"]


def test_main_version_cannot_be_deleted_but_others_can(
    state: GCPState, net: ns.NetworkServicesClient
) -> None:
    _plugin(state)
    with pytest.raises(gexc.BadRequest, match="main version"):
        net.delete_wasm_plugin_version(name=f"{GLOBAL}/wasmPlugins/wp/versions/v2")
    done(net.delete_wasm_plugin_version(name=f"{GLOBAL}/wasmPlugins/wp/versions/v1"))
    assert state.get_wasm_plugin_version("global", "wp", "v1") is None


def test_update_wasm_plugin_main_version_must_exist(
    state: GCPState, net: ns.NetworkServicesClient
) -> None:
    _plugin(state)
    mask = field_mask_pb2.FieldMask(paths=["main_version_id"])
    updated = done(net.update_wasm_plugin(
        wasm_plugin=ns.WasmPlugin(name=f"{GLOBAL}/wasmPlugins/wp", main_version_id="v1"),
        update_mask=mask))
    assert updated.main_version_id == "v1"
    with pytest.raises(gexc.BadRequest, match="mainVersionId"):
        net.update_wasm_plugin(
            wasm_plugin=ns.WasmPlugin(name=f"{GLOBAL}/wasmPlugins/wp", main_version_id="v9"),
            update_mask=mask)


# --------------------------------------------------------------------------- enum encoding


def test_enums_are_integers_when_the_client_asks_and_names_otherwise(
    state: GCPState, server: GCPServer
) -> None:
    state.put_lb_traffic_extension("global", "ext", TRAFFIC_EXTENSION)
    url = f"{server.endpoint}/v1/{GLOBAL}/lbTrafficExtensions/ext"
    as_int = requests.get(url, params={"$alt": "json;enum-encoding=int"}, timeout=5).json()
    assert as_int["loadBalancingScheme"] == 2
    ext = as_int["extensionChains"][0]["extensions"][0]
    assert ext["supportedEvents"] == [1, 3]
    assert ext["requestBodySendMode"] == 1
    by_name = requests.get(url, params={"alt": "json"}, timeout=5).json()
    assert by_name["loadBalancingScheme"] == "EXTERNAL_MANAGED"


def test_client_types_parse_enum_names_as_well_as_integers() -> None:
    # Why answering by name (gcloud's default) also works for the REST clients.
    by_name = ns.LbTrafficExtension.from_json(
        json.dumps({"loadBalancingScheme": "INTERNAL_MANAGED"}))
    by_int = ns.LbTrafficExtension.from_json(json.dumps({"loadBalancingScheme": 1}))
    assert by_name.load_balancing_scheme == by_int.load_balancing_scheme


# --------------------------------------------------------------------------- errors & routing


def test_errors_have_googles_json_shape(server: GCPServer) -> None:
    resp = requests.get(f"{server.endpoint}/v1/{GLOBAL}/lbTrafficExtensions/nope", timeout=5)
    assert resp.status_code == 404
    assert resp.json() == {"error": {
        "code": 404, "status": "NOT_FOUND",
        "message": f"Resource '{GLOBAL}/lbTrafficExtensions/nope' was not found"}}


@pytest.mark.parametrize("path", [
    "/v2/projects/sim-project/locations/global/wasmPlugins",
    "/v1/projects/sim-project/locations/global/gateways",
    "/v1/projects/sim-project",
])
def test_unknown_paths_are_not_found(server: GCPServer, path: str) -> None:
    resp = requests.get(server.endpoint + path, timeout=5)
    assert resp.status_code == 404
    assert resp.json()["error"]["status"] == "NOT_FOUND"


def test_malformed_json_body_is_invalid_argument(server: GCPServer) -> None:
    resp = requests.post(f"{server.endpoint}/v1/{GLOBAL}/lbTrafficExtensions",
                         params={"lbTrafficExtensionId": "x"}, data=b"{not json", timeout=5)
    assert resp.status_code == 400
    assert resp.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_v1beta1_serves_the_same_state_as_gcloud_beta_uses_it(
    state: GCPState, server: GCPServer
) -> None:
    _plugin(state)
    base = f"{server.endpoint}/v1beta1/{GLOBAL}/wasmPlugins"
    listed = requests.get(base, params={"alt": "json"}, timeout=5).json()
    assert [p["name"] for p in listed["wasmPlugins"]] == [f"{GLOBAL}/wasmPlugins/wp"]
    versions = requests.get(f"{base}/wp/versions", timeout=5).json()
    assert [v["imageUri"] for v in versions["wasmPluginVersions"]][1] == IMAGE


def test_simulator_bug_answers_internal_in_googles_shape(
    state: GCPState, dep: ns.DepServiceClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(name: str) -> dict[str, Any]:
        raise RuntimeError("boom")

    monkeypatch.setattr(state, "get", broken)
    with pytest.raises(gexc.InternalServerError, match="boom"):
        dep.get_lb_traffic_extension(name=f"{GLOBAL}/lbTrafficExtensions/ext")


def test_operations_list_cancel_and_delete(server: GCPServer, dep: ns.DepServiceClient) -> None:
    op = dep.create_lb_traffic_extension(
        parent=GLOBAL, lb_traffic_extension=ns.LbTrafficExtension(), lb_traffic_extension_id="ext")
    name = op.operation.name
    listed = requests.get(f"{server.endpoint}/v1/{GLOBAL}/operations", timeout=5).json()
    assert [o["name"] for o in listed["operations"]] == [name]
    assert requests.post(f"{server.endpoint}/v1/{name}:cancel", timeout=5).json() == {}
    assert requests.delete(f"{server.endpoint}/v1/{name}", timeout=5).json() == {}
    assert requests.get(f"{server.endpoint}/v1/{name}", timeout=5).status_code == 404


def test_bad_content_length_is_invalid_argument(server: GCPServer) -> None:
    resp = requests.post(f"{server.endpoint}/v1/{GLOBAL}/lbTrafficExtensions",
                         headers={"Content-Length": "-5"}, timeout=5)
    assert resp.status_code == 400
