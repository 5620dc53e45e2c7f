"""The one parser of GKE's Gateway annotations and Google Cloud resource names (SPEC §5)."""

from __future__ import annotations

import pytest

from gke_service_extensions._gke import (
    KIND_BINDINGS,
    GatewayAnnotation,
    GCPCollection,
    GCPResourceName,
    annotation_paths,
    binding_for_kind,
    parse_annotation,
    parse_resource_name,
    same_resource,
    split_annotation,
)

# Literal examples from SPEC.md §5 (the GKE guide's outputs).
ROUTE_EXT = ("/projects/1234567890/locations/us-central1/lbRouteExtensions/"
             "test-hgbk-default-internal-http-lwh0op4qorb0")
PLUGIN = ("projects/922988411345/locations/global/wasmPlugins/"
          "test-k18j-default-gcp-wasm-plugin-itle20jj9nyk")


def test_regional_path_with_leading_slash_and_project_number() -> None:
    (name,) = parse_annotation(ROUTE_EXT, GatewayAnnotation.LB_ROUTE_EXTENSIONS)
    assert name == GCPResourceName("lbRouteExtensions",
                                   "test-hgbk-default-internal-http-lwh0op4qorb0",
                                   "1234567890", "us-central1")
    assert name.relative_name == ROUTE_EXT[1:]
    assert str(name) == ROUTE_EXT[1:]


def test_global_path_without_leading_slash() -> None:
    (name,) = parse_annotation(PLUGIN, "wasm-plugins")
    assert (name.project, name.location, name.collection, name.resource_id) == (
        "922988411345", "global", GCPCollection.WASM_PLUGINS,
        "test-k18j-default-gcp-wasm-plugin-itle20jj9nyk")
    assert name.parent is None
    assert name.relative_name == PLUGIN


def test_nested_wasm_plugin_version() -> None:
    (version,) = parse_annotation(f"{PLUGIN}/versions/test-k18j-v1-abcd",
                                  GatewayAnnotation.WASM_PLUGIN_VERSIONS)
    assert version.collection == "versions"
    assert version.resource_id == "test-k18j-v1-abcd"
    assert version.parent == parse_resource_name(PLUGIN)
    assert (version.project, version.location) == ("922988411345", "global")
    assert version.relative_name == f"{PLUGIN}/versions/test-k18j-v1-abcd"


@pytest.mark.parametrize("value", [None, "", " ", " , ,"])
def test_empty_values_name_nothing(value: str | None) -> None:
    assert parse_annotation(value, GatewayAnnotation.LB_TRAFFIC_EXTENSIONS) == ()
    assert split_annotation(value) == ()


@pytest.mark.parametrize("sep", [",", ", ", " ,  "])
def test_comma_and_comma_space_lists(sep: str) -> None:
    a = "projects/p/locations/global/lbTrafficExtensions/a"
    b = "/projects/p/locations/global/lbTrafficExtensions/b"
    names = parse_annotation(a + sep + b)
    assert [n.resource_id for n in names] == ["a", "b"]
    assert split_annotation(a + sep + b) == (a, b)  # as written, slash kept
    assert annotation_paths(a + sep + b) == (a, b[1:])


def test_bare_names_written_by_older_controllers() -> None:
    (name,) = parse_annotation("gkegw1-abc-default-ext", GatewayAnnotation.LB_TRAFFIC_EXTENSIONS)
    assert name.is_bare
    assert name.collection == "lbTrafficExtensions"
    assert name.relative_name == "gkegw1-abc-default-ext"
    assert annotation_paths("gkegw1-abc-default-ext") == ("gkegw1-abc-default-ext",)


@pytest.mark.parametrize(("text", "location", "collection"), [
    ("/projects/1/global/forwardingRules/fr", "global", "forwardingRules"),
    ("/projects/1/regions/us-central1/backendServices/bs", "us-central1", "backendServices"),
    ("projects/1/zones/us-central1-a/networkEndpointGroups/neg", "us-central1-a",
     "networkEndpointGroups"),
])
def test_compute_paths_global_regional_and_zonal(text: str, location: str,
                                                 collection: str) -> None:
    name = parse_resource_name(text)
    assert (name.location, name.collection, name.compute) == (location, collection, True)
    assert name.relative_name == text.lstrip("/")


def test_full_urls_read_as_their_path() -> None:
    url = ("https://www.googleapis.com/compute/v1/projects/my-project/regions/us-west1/"
           "backendServices/l7-ilb-callout-service")
    assert parse_resource_name(url).relative_name == (
        "projects/my-project/regions/us-west1/backendServices/l7-ilb-callout-service")


@pytest.mark.parametrize("bad", ["projects/p", "projects/p/locations/global/wasmPlugins",
                                 "projects/p/nowhere/x/y", "a/b", "has space"])
def test_malformed_items_are_a_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="not a resource name"):
        parse_annotation(bad)


def test_last_reconcile_time_holds_no_names() -> None:
    with pytest.raises(ValueError, match="timestamp"):
        parse_annotation("2025-03-01T10:00:00Z", GatewayAnnotation.LAST_RECONCILE_TIME)


def test_every_annotation_of_spec_section_5_is_known() -> None:
    spec = ["addresses", "backend-services", "firewalls", "forwarding-rules", "health-checks",
            "last-reconcile-time", "lb-route-extensions", "lb-traffic-extensions",
            "ssl-certificates", "target-http-proxies", "target-https-proxies", "url-maps",
            "wasm-plugins", "wasm-plugin-versions"]
    assert sorted(a.short_name for a in GatewayAnnotation) == sorted(spec)
    assert all(a.value == f"networking.gke.io/{a.short_name}" for a in GatewayAnnotation)
    assert GatewayAnnotation.of("wasm-plugins") is GatewayAnnotation.WASM_PLUGINS
    with pytest.raises(ValueError, match="not a GKE Gateway annotation"):
        GatewayAnnotation.of("nope")


def test_project_number_and_id_compare_equal_only_when_paired() -> None:
    by_number = "/projects/292590764560/locations/global/wasmPlugins/p"
    by_id = "projects/sim-project/locations/global/wasmPlugins/p"
    assert not same_resource(by_number, by_id)
    assert same_resource(by_number, by_id, projects=[("292590764560", "sim-project")])
    assert same_resource(by_id, by_number, projects=[("292590764560", "sim-project")])
    assert not same_resource(by_number, by_id.replace("/p", "/q"),
                             projects=[("292590764560", "sim-project")])
    assert not same_resource(by_number, by_id, projects=[("1", "sim-project")])
    version = by_number + "/versions/v1"
    assert same_resource(version, by_id + "/versions/v1",
                         projects=[("292590764560", "sim-project")])


def test_bare_name_equals_full_name_with_that_id() -> None:
    assert same_resource("p", "projects/x/locations/global/wasmPlugins/p")
    assert not same_resource("q", "projects/x/locations/global/wasmPlugins/p")


def test_kind_bindings_name_annotation_and_collection() -> None:
    traffic = binding_for_kind("GCPTrafficExtension")
    assert traffic is not None
    assert traffic.annotation == "networking.gke.io/lb-traffic-extensions"
    assert traffic.collection == "lbTrafficExtensions"
    assert KIND_BINDINGS["GCPRoutingExtension"].collection == "lbRouteExtensions"
    assert KIND_BINDINGS["GCPWasmPlugin"].annotation is GatewayAnnotation.WASM_PLUGINS
    assert binding_for_kind("HTTPRoute") is None
