"""GKE facts as tables: coordinates, GatewayClass support, enum spellings, ids."""

from __future__ import annotations

import ast
import pathlib

import pytest

import gke_service_extensions
from gke_service_extensions import _gke
from gke_service_extensions._gke import (
    CUSTOM_RESOURCE_DEFINITION,
    GATEWAY,
    ROUTING_EXTENSION,
    TRAFFIC_EXTENSION,
    WASM_PLUGIN,
    body_mode_from_api,
    body_mode_number,
    body_mode_to_api,
    class_supports,
    duration_nanos,
    event_from_api,
    event_number,
    event_to_api,
    gateway_class_info,
    generated_id,
    go_duration_to_proto,
    id_names,
    log_level_number,
    resource_for_kind,
    sample_rate_from_api,
    sample_rate_to_api,
)
from gke_service_extensions.models import _meta


def test_gke_facts_import_only_the_standard_library() -> None:
    root = pathlib.Path(_gke.__file__).parent
    checked = 0
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                checked += 1
                assert node.level in (0, 1), path
                if node.level == 0:
                    assert not (node.module or "").startswith("gke_service_extensions"), path
                    assert (node.module or "").split(".")[0] in {
                        "__future__", "collections", "dataclasses", "typing", "enum", "re",
                        "functools", "hashlib"}, (path, node.module)
            elif isinstance(node, ast.Import):
                checked += 1
                for alias in node.names:
                    assert alias.name in {"enum", "re", "functools", "hashlib"}, path
    assert checked > 10


def test_models_meta_re_exports_the_same_records() -> None:
    assert _meta.ResourceInfo is _gke.ResourceInfo
    assert _meta.TRAFFIC_EXTENSION is TRAFFIC_EXTENSION
    assert gke_service_extensions.models.GATEWAY is GATEWAY


@pytest.mark.parametrize(("name", "expected"), [
    ("GCPTrafficExtension", TRAFFIC_EXTENSION), ("gcptrafficextension", TRAFFIC_EXTENSION),
    ("GCPTrafficExtensions", TRAFFIC_EXTENSION),
    ("gcptrafficextensions.networking.gke.io", TRAFFIC_EXTENSION),
    ("gcproutingextensions", ROUTING_EXTENSION), ("GcpWasmPlugin", WASM_PLUGIN),
    ("gateway", GATEWAY), ("Gateways", GATEWAY), ("gtw", GATEWAY), (" GTW ", GATEWAY),
    ("service", None), ("", None),
])
def test_resource_for_kind_is_kubectl_style(name: str, expected: object) -> None:
    assert resource_for_kind(name) == expected


def test_crd_coordinates_are_cluster_scoped_apiextensions() -> None:
    assert CUSTOM_RESOURCE_DEFINITION.api_version == "apiextensions.k8s.io/v1"
    assert not CUSTOM_RESOURCE_DEFINITION.namespaced


# SPEC §2: | GatewayClass | routing ext | traffic ext | Wasm plugin backend |
@pytest.mark.parametrize(("cls", "routing", "traffic", "wasm", "scope", "scheme"), [
    ("gke-l7-global-external-managed", False, True, True, "global", "EXTERNAL_MANAGED"),
    ("gke-l7-regional-external-managed", True, True, False, "regional", "EXTERNAL_MANAGED"),
    ("gke-l7-rilb", True, True, False, "regional", "INTERNAL_MANAGED"),
    ("gke-l7-gxlb", False, False, False, "global", "EXTERNAL"),
])
def test_gateway_class_support_table(cls: str, routing: bool, traffic: bool, wasm: bool,
                                     scope: str, scheme: str) -> None:
    assert class_supports(cls, "GCPRoutingExtension") is routing
    assert class_supports(cls, "GCPTrafficExtension") is traffic
    assert class_supports(cls, "GCPTrafficExtension", "GCPWasmPlugin") is wasm
    assert class_supports(cls, "GCPWasmPlugin") is wasm
    info = gateway_class_info(cls)
    assert info is not None
    assert (info.scope, info.load_balancing_scheme) == (scope, scheme)


def test_multi_cluster_classes_need_service_import() -> None:
    mc = "gke-l7-rilb-mc"
    assert class_supports(mc, "GCPTrafficExtension", "ServiceImport")
    assert not class_supports(mc, "GCPTrafficExtension", "Service")
    assert not class_supports("gke-l7-rilb", "GCPTrafficExtension", "ServiceImport")
    assert class_supports("gke-l7-rilb", "GCPRoutingExtension", "Service")
    assert not class_supports("istio", "GCPTrafficExtension")


@pytest.mark.parametrize(("crd", "api", "number"), [
    ("RequestHeaders", "REQUEST_HEADERS", 1), ("RequestBody", "REQUEST_BODY", 2),
    ("ResponseHeaders", "RESPONSE_HEADERS", 3), ("ResponseBody", "RESPONSE_BODY", 4),
    ("RequestTrailers", "REQUEST_TRAILERS", 5), ("ResponseTrailers", "RESPONSE_TRAILERS", 6),
])
def test_events_camel_case_enum_names_and_numbers(crd: str, api: str, number: int) -> None:
    assert event_to_api(crd) == api
    assert event_from_api(api) == crd
    assert event_from_api(number) == crd
    assert event_number(crd) == event_number(api) == number


def test_body_send_modes_and_log_levels() -> None:
    assert body_mode_to_api("Streamed") == "BODY_SEND_MODE_STREAMED"
    assert body_mode_from_api("BODY_SEND_MODE_FULL_DUPLEX_STREAMED") == "FullDuplexStreamed"
    assert body_mode_number("FullDuplexStreamed") == 2
    assert [log_level_number(x) for x in ("TRACE", "INFO", "CRITICAL")] == [1, 3, 6]
    with pytest.raises(ValueError, match="supported event"):
        event_to_api("Headers")
    with pytest.raises(ValueError, match="log level"):
        log_level_number("info")


def test_log_sample_rate_crd_integer_and_api_fraction() -> None:
    assert sample_rate_to_api(1_000_000) == 1.0
    assert sample_rate_to_api(250_000) == 0.25
    assert sample_rate_from_api(0.25) == 250_000
    assert sample_rate_from_api(1) == 1_000_000
    for bad in (-1, 1_000_001, True):
        with pytest.raises(ValueError, match="sampleRate"):
            sample_rate_to_api(bad)
    with pytest.raises(ValueError, match="sampleRate"):
        sample_rate_from_api(1.5)


@pytest.mark.parametrize(("a", "b"), [("1s", "1.000s"), ("100ms", "0.100s"),
                                      ("1m30s", "90s"), ("10000ms", "10s")])
def test_go_and_json_durations_compare_by_value(a: str, b: str) -> None:
    assert duration_nanos(a) == duration_nanos(b)
    assert go_duration_to_proto(a) == go_duration_to_proto(b)


def test_generated_ids_are_recognised_from_their_readable_middle() -> None:
    gid = generated_id("cluster", "default", "gcp-wasm-plugin", salt="w")
    assert len(gid) <= 63
    assert id_names(gid, "default", "gcp-wasm-plugin")
    assert id_names("test-k18j-default-gcp-wasm-plugin-itle20jj9nyk", "default",
                    "gcp-wasm-plugin")
    assert id_names("v1", "v1")
    assert id_names("test-k18j-wasm-plugin-version-abcd", "wasm-plugin-version")
    assert not id_names("test-k18j-wasm-plugin-version-abcd", "other")
    assert not id_names("v2", "v1")


def test_generated_ids_with_parts_cut_short_are_recognised() -> None:
    gid = generated_id("sim-cluster", "default", "extension-service", "443", salt="bs")
    assert "-extension-se-" in gid
    assert id_names(gid, "default", "extension-service", "443")
    assert not id_names(gid, "default", "other-service", "443")
    assert not id_names(gid, "kube-system", "extension-service", "443")
