"""Pure drift comparison: a custom resource against the Google Cloud resource in REST JSON.

The Google Cloud side is literal REST JSON (camelCase, enum names, Duration strings), as the
API and ``gcloud ... --format=json`` return it.
"""

# The fixtures are literal REST JSON with unbroken resource names.
# ruff: noqa: E501

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from gke_service_extensions.gcp._drift import Difference, drift

NUMBER, PID = "292590764560", "my-project"
BS = f"projects/{PID}/global/backendServices/gkegw1-k3x9-default-extension-service-443-a1b2c3d4e5f6"
WASM = f"projects/{PID}/locations/global/wasmPlugins/gkegw1-k3x9-default-gcp-wasm-plugin-q1w2e3r4t5y6"

TRAFFIC: dict[str, Any] = {
    "apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
    "metadata": {"name": "my-traffic-extension", "namespace": "default"},
    "spec": {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                        "name": "external-http"}],
        "extensionChains": [{
            "name": "chain1",
            "matchCondition": {"celExpressions": [
                {"celMatcher": 'request.path.contains("serviceextensions")'},
                {"celMatcher": "request.host == 'a.example.com'"}]},
            "extensions": [
                {"name": "ext1", "authority": "myext.com", "timeout": "1s",
                 "supportedEvents": ["RequestHeaders", "ResponseHeaders"],
                 "forwardHeaders": ["cookie"], "metadata": {"tenant": "blue"},
                 "backendRef": {"group": "", "kind": "Service", "name": "extension-service",
                                "port": 443}},
                {"name": "wasm", "supportedEvents": ["RequestHeaders"],
                 "backendRef": {"group": "networking.gke.io", "kind": "GCPWasmPlugin",
                                "name": "gcp-wasm-plugin"}},
                {"name": "armor", "googleAPIServiceName": "modelarmor.us-central1.rep.googleapis.com",
                 "supportedEvents": ["RequestHeaders", "RequestBody"]},
            ],
        }],
    },
}
# As GET .../lbTrafficExtensions/N returns it (failOpen false is left out by proto3 JSON).
TRAFFIC_GCP: dict[str, Any] = json.loads("""
{
  "name": "projects/my-project/locations/global/lbTrafficExtensions/gkegw1-k3x9-default-my-traffic-extension-z9y8x7",
  "createTime": "2025-08-01T10:00:00.123456Z",
  "updateTime": "2025-08-01T10:00:00.123456Z",
  "forwardingRules": ["https://www.googleapis.com/compute/v1/projects/my-project/global/forwardingRules/gkegw1-k3x9-default-external-http-abc"],
  "extensionChains": [
    {
      "name": "chain1",
      "matchCondition": {"celExpression": "(request.path.contains(\\"serviceextensions\\")) || (request.host == 'a.example.com')"},
      "extensions": [
        {
          "name": "ext1",
          "authority": "myext.com",
          "service": "projects/my-project/global/backendServices/gkegw1-k3x9-default-extension-service-443-a1b2c3d4e5f6",
          "supportedEvents": ["REQUEST_HEADERS", "RESPONSE_HEADERS"],
          "timeout": "1.000s",
          "forwardHeaders": ["cookie"],
          "metadata": {"tenant": "blue"}
        },
        {
          "name": "wasm",
          "service": "projects/my-project/locations/global/wasmPlugins/gkegw1-k3x9-default-gcp-wasm-plugin-q1w2e3r4t5y6",
          "supportedEvents": ["REQUEST_HEADERS"]
        },
        {
          "name": "armor",
          "service": "modelarmor.us-central1.rep.googleapis.com",
          "supportedEvents": ["REQUEST_HEADERS", "REQUEST_BODY"]
        }
      ]
    }
  ],
  "loadBalancingScheme": "EXTERNAL_MANAGED"
}
""")

PLUGIN: dict[str, Any] = {
    "apiVersion": "networking.gke.io/v1", "kind": "GCPWasmPlugin",
    "metadata": {"name": "gcp-wasm-plugin", "namespace": "default"},
    "spec": {
        "versions": [
            {"name": "old", "weight": 0,
             "image": "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:v1"},
            {"name": "wasm-plugin-version", "weight": 1000000,
             "image": "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"},
        ],
        "logConfig": {"enabled": True, "sampleRate": 500000, "minLogLevel": "WARN"},
    },
}
D1, D2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64
# As GET .../wasmPlugins/N?view=WASM_PLUGIN_VIEW_FULL returns it; GKE generated the version ids.
PLUGIN_GCP: dict[str, Any] = json.loads("""
{
  "name": "projects/922988411345/locations/global/wasmPlugins/test-k18j-default-gcp-wasm-plugin-itle20jj9nyk",
  "mainVersionId": "test-k18j-wasm-plugin-version-a1b2",
  "logConfig": {"enable": true, "sampleRate": 0.5, "minLogLevel": "WARN"},
  "versions": {
    "test-k18j-old-c3d4": {
      "imageUri": "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:v1",
      "imageDigest": "sha256:1111111111111111111111111111111111111111111111111111111111111111"
    },
    "test-k18j-wasm-plugin-version-a1b2": {
      "imageUri": "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main",
      "imageDigest": "sha256:2222222222222222222222222222222222222222222222222222222222222222"
    }
  },
  "usedBy": [{"name": "projects/922988411345/locations/global/lbTrafficExtensions/x"}]
}
""")


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with the dotted/indexed ``path`` set (``None``: removed)."""
    out = copy.deepcopy(base)
    keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split(".")]
    node = out
    for k in keys[:-1]:
        node = node[k]
    if value is None:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return out


def ext_gcp(field: str, value: Any, index: int = 0) -> dict[str, Any]:
    return changed(TRAFFIC_GCP, f"extensionChains.0.extensions.{index}.{field}", value)


def ext_crd(field: str, value: Any, index: int = 0) -> dict[str, Any]:
    return changed(TRAFFIC, f"spec.extensionChains.0.extensions.{index}.{field}", value)


EXT0 = "spec.extensionChains[0].extensions[0]"


def test_in_sync_extension_has_no_drift_without_any_context() -> None:
    # No backend paths given: backends are recognised from GKE's generated ids.
    assert drift(TRAFFIC, TRAFFIC_GCP) == []


def test_in_sync_extension_with_known_backend_paths() -> None:
    assert drift(TRAFFIC, TRAFFIC_GCP, backend_services={"extension-service": BS},
                 wasm_plugins={"gcp-wasm-plugin": WASM}) == []


def test_models_compare_like_manifests() -> None:
    from gke_service_extensions import GCPTrafficExtension, GCPWasmPlugin

    assert drift(GCPTrafficExtension.from_manifest(TRAFFIC), TRAFFIC_GCP) == []
    assert drift(GCPWasmPlugin.from_manifest(PLUGIN), PLUGIN_GCP) == []


def test_timeout_differs_by_value_with_a_readable_message() -> None:
    (diff,) = drift(TRAFFIC, ext_gcp("timeout", "2s"))
    assert diff == Difference(f"{EXT0}.timeout", "1s", "2s")
    assert str(diff) == (
        "spec.extensionChains[0].extensions[0].timeout: cluster asks 1s, Google Cloud has 2s")
    assert drift(TRAFFIC, ext_gcp("timeout", "1s")) == []
    assert drift(ext_crd("timeout", "1000ms"), TRAFFIC_GCP) == []


def test_timeout_left_out_by_the_crd_is_gkes_default() -> None:
    assert drift(ext_crd("timeout", None), TRAFFIC_GCP) == []


def test_events_compare_camel_case_with_enum_names_as_a_set() -> None:
    assert drift(TRAFFIC, ext_gcp("supportedEvents",
                                  ["RESPONSE_HEADERS", "REQUEST_HEADERS"])) == []
    (diff,) = drift(TRAFFIC, ext_gcp("supportedEvents", ["REQUEST_HEADERS"]))
    assert diff == Difference(f"{EXT0}.supportedEvents", ["RequestHeaders", "ResponseHeaders"],
                              ["RequestHeaders"])


def test_fail_open_absent_in_the_api_is_false() -> None:
    (diff,) = drift(ext_crd("failOpen", True), TRAFFIC_GCP)
    assert diff == Difference(f"{EXT0}.failOpen", True, False)
    assert str(diff).endswith("cluster asks true, Google Cloud has false")
    assert drift(TRAFFIC, ext_gcp("failOpen", False)) == []


@pytest.mark.parametrize(("field", "gcp_value", "wanted", "actual"), [
    ("authority", "other.com", "myext.com", "other.com"),
    ("name", "ext9", "ext1", "ext9"),
    ("forwardHeaders", ["cookie", "x-user"], ["cookie"], ["cookie", "x-user"]),
    ("metadata", {"tenant": "red"}, {"tenant": "blue"}, {"tenant": "red"}),
    ("requestBodySendMode", "BODY_SEND_MODE_STREAMED", None, "Streamed"),
    ("observabilityMode", True, False, True),
])
def test_each_extension_field_difference(field: str, gcp_value: Any, wanted: Any,
                                         actual: Any) -> None:
    assert drift(TRAFFIC, ext_gcp(field, gcp_value)) == [
        Difference(f"{EXT0}.{field}", wanted, actual)]


def test_forward_headers_compare_case_insensitively() -> None:
    assert drift(TRAFFIC, ext_gcp("forwardHeaders", ["Cookie"])) == []


def test_cel_matchers_compare_as_ored_terms() -> None:
    same = "request.host == 'a.example.com' || request.path.contains(\"serviceextensions\")"
    assert drift(TRAFFIC, changed(TRAFFIC_GCP, "extensionChains.0.matchCondition",
                                  {"celExpression": same})) == []
    other = "request.path.contains(\"serviceextensions\")"
    (diff,) = drift(TRAFFIC, changed(TRAFFIC_GCP, "extensionChains.0.matchCondition",
                                     {"celExpression": other}))
    assert diff.path == "spec.extensionChains[0].matchCondition.celExpressions"
    assert diff.wanted == ['request.path.contains("serviceextensions")',
                           "request.host == 'a.example.com'"]
    assert diff.actual == other
    (gone,) = drift(TRAFFIC, changed(TRAFFIC_GCP, "extensionChains.0.matchCondition", None))
    assert gone.actual is None


def test_chain_name_and_missing_or_extra_chains() -> None:
    assert drift(TRAFFIC, changed(TRAFFIC_GCP, "extensionChains.0.name", "chain2")) == [
        Difference("spec.extensionChains[0].name", "chain1", "chain2")]
    two = changed(TRAFFIC_GCP, "extensionChains", TRAFFIC_GCP["extensionChains"] * 2)
    assert drift(TRAFFIC, two) == [Difference("spec.extensionChains[1]", None, "chain1",
                                              "chain")]
    (missing,) = drift(TRAFFIC, changed(TRAFFIC_GCP, "extensionChains", []))
    assert str(missing) == "spec.extensionChains[0]: cluster asks chain chain1, Google Cloud has nothing"


def test_missing_extension() -> None:
    exts = TRAFFIC_GCP["extensionChains"][0]["extensions"][:2]
    assert drift(TRAFFIC, changed(TRAFFIC_GCP, "extensionChains.0.extensions", exts)) == [
        Difference("spec.extensionChains[0].extensions[2]", "armor", None, "extension")]


def test_service_backend_points_elsewhere() -> None:
    other = f"projects/{PID}/global/backendServices/gkegw1-k3x9-default-other-443-f0f0f0f0f0f0"
    (diff,) = drift(TRAFFIC, ext_gcp("service", other))
    assert diff.path == f"{EXT0}.backendRef"
    assert diff.actual == other
    (known,) = drift(TRAFFIC, ext_gcp("service", other), backend_services={
        "extension-service": BS})
    assert known == Difference(f"{EXT0}.backendRef", BS, other)


def test_service_backend_became_a_wasm_plugin() -> None:
    (diff,) = drift(TRAFFIC, ext_gcp("service", WASM))
    assert diff.path == f"{EXT0}.backendRef"
    assert diff.wanted == "backend service of Service extension-service port 443"


def test_project_number_and_id_are_the_same_project_when_paired() -> None:
    by_number = BS.replace(PID, NUMBER)
    gcp = ext_gcp("service", by_number)
    known = {"extension-service": BS}
    assert len(drift(TRAFFIC, gcp, backend_services=known)) == 1
    assert drift(TRAFFIC, gcp, backend_services=known, projects=[(NUMBER, PID)]) == []


def test_wasm_and_google_api_backends() -> None:
    other_plugin = WASM.replace("gcp-wasm-plugin", "other-plugin")
    (diff,) = drift(TRAFFIC, ext_gcp("service", other_plugin, index=1))
    assert diff == Difference("spec.extensionChains[0].extensions[1].backendRef",
                              "GCPWasmPlugin gcp-wasm-plugin", other_plugin)
    (api,) = drift(TRAFFIC, ext_gcp("service", "dlp.googleapis.com", index=2))
    assert api == Difference("spec.extensionChains[0].extensions[2].googleAPIServiceName",
                             "modelarmor.us-central1.rep.googleapis.com", "dlp.googleapis.com")


def test_routing_extension_without_events_expects_request_headers() -> None:
    crd = changed(ext_crd("supportedEvents", None), "kind", "GCPRoutingExtension")
    crd["spec"]["extensionChains"][0]["extensions"] = crd["spec"]["extensionChains"][0][
        "extensions"][:1]
    gcp = changed(TRAFFIC_GCP, "extensionChains.0.extensions",
                  TRAFFIC_GCP["extensionChains"][0]["extensions"][:1])
    gcp = changed(gcp, "extensionChains.0.extensions.0.supportedEvents", ["REQUEST_HEADERS"])
    assert drift(crd, gcp) == []


# --------------------------------------------------------------------------- plugins


def test_in_sync_plugin_with_generated_version_ids() -> None:
    assert drift(PLUGIN, PLUGIN_GCP) == []
    digests = {PLUGIN["spec"]["versions"][0]["image"]: D1,
               PLUGIN["spec"]["versions"][1]["image"]: D2}
    assert drift(PLUGIN, PLUGIN_GCP, resolve_digest=digests.get) == []


def test_in_sync_plugin_with_version_ids_named_by_the_caller() -> None:
    gcp = changed(PLUGIN_GCP, "mainVersionId", "v-b")
    gcp["versions"] = {"v-a": PLUGIN_GCP["versions"]["test-k18j-old-c3d4"],
                       "v-b": PLUGIN_GCP["versions"]["test-k18j-wasm-plugin-version-a1b2"]}
    assert drift(PLUGIN, gcp, version_ids={"old": "v-a", "wasm-plugin-version": "v-b"}) == []


def test_serving_version_differs() -> None:
    (diff,) = drift(PLUGIN, changed(PLUGIN_GCP, "mainVersionId", "test-k18j-old-c3d4"))
    assert diff == Difference("spec.versions[1].weight", "wasm-plugin-version",
                              "test-k18j-old-c3d4", "serving version")
    assert str(diff) == ("spec.versions[1].weight: cluster asks serving version "
                         "wasm-plugin-version, Google Cloud has test-k18j-old-c3d4")


def test_missing_and_extra_versions() -> None:
    versions = dict(PLUGIN_GCP["versions"])
    del versions["test-k18j-old-c3d4"]
    assert drift(PLUGIN, changed(PLUGIN_GCP, "versions", versions)) == [
        Difference("spec.versions[0]", "old", None, "version")]
    versions = {**PLUGIN_GCP["versions"], "test-k18j-stale-e5f6": {"imageUri": "x"}}
    assert drift(PLUGIN, changed(PLUGIN_GCP, "versions", versions)) == [
        Difference("spec.versions", None, "test-k18j-stale-e5f6", "version")]


def test_image_tag_differs() -> None:
    gcp = changed(PLUGIN_GCP, "versions.test-k18j-wasm-plugin-version-a1b2.imageUri",
                  "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:v2")
    (diff,) = drift(PLUGIN, gcp)
    assert diff.path == "spec.versions[1].image"
    assert diff.wanted == "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"


def test_tag_moved_since_gke_resolved_it() -> None:
    moved = "sha256:" + "3" * 64
    digests = {PLUGIN["spec"]["versions"][0]["image"]: D1,
               PLUGIN["spec"]["versions"][1]["image"]: moved}
    (diff,) = drift(PLUGIN, PLUGIN_GCP, resolve_digest=digests.get)
    assert diff.path == "spec.versions[1].image"
    assert moved in str(diff.wanted)
    assert D2 in str(diff.actual)


def test_digest_pin_compares_with_the_image_digest() -> None:
    pinned = changed(PLUGIN, "spec.versions.0.image",
                     f"us-docker.pkg.dev/service-extensions-samples/plugins/local-reply@{D1}")
    assert drift(pinned, PLUGIN_GCP) == []
    wrong = changed(PLUGIN, "spec.versions.0.image",
                    f"us-docker.pkg.dev/service-extensions-samples/plugins/local-reply@{D2}")
    (diff,) = drift(wrong, PLUGIN_GCP)
    assert diff.path == "spec.versions[0].image"


def test_log_config_differences() -> None:
    assert drift(PLUGIN, changed(PLUGIN_GCP, "logConfig.sampleRate", 0.25)) == [
        Difference("spec.logConfig.sampleRate", 500000, 250000)]
    assert drift(PLUGIN, changed(PLUGIN_GCP, "logConfig", None)) == [
        Difference("spec.logConfig.enabled", True, False)]
    assert drift(PLUGIN, changed(PLUGIN_GCP, "logConfig.minLogLevel", "INFO")) == [
        Difference("spec.logConfig.minLogLevel", "WARN", "INFO")]


def test_plugin_config_uri_difference() -> None:
    crd = changed(PLUGIN, "spec.versions.0.pluginConfigURI",
                  "us-docker.pkg.dev/my-project/configs/cfg:v1")
    assert drift(crd, PLUGIN_GCP) == [Difference(
        "spec.versions[0].pluginConfigURI", "us-docker.pkg.dev/my-project/configs/cfg:v1", None)]


# --------------------------------------------------------------------------- simulator


def test_what_the_simulated_gke_programmed_has_no_drift_until_the_spec_changes() -> None:
    from gke_service_extensions import ExtensionsClient, GCPTrafficExtension, GCPWasmPlugin
    from gke_service_extensions.testing import GKESimulator

    image = "us-docker.pkg.dev/sim-project/plugins/local-reply:main"
    plugin = changed(PLUGIN, "spec.versions", [
        {"name": "v1", "image": image, "weight": 1000000}])
    traffic = changed(TRAFFIC, "spec.targetRefs.0.name", "gw")
    del traffic["spec"]["extensionChains"][0]["extensions"][2]  # no Model Armor here
    with GKESimulator() as sim:
        sim.add_gateway("gw")
        sim.add_service("extension-service", port=443, app_protocol="HTTP2")
        sim.add_image(image)
        assert sim.controller is not None
        with ExtensionsClient(sim.api_client()) as client:
            objs = [client.apply(GCPWasmPlugin.from_manifest(plugin)),
                    client.apply(GCPTrafficExtension.from_manifest(traffic))]
            client.wait_all_programmed(objs, timeout=30)
            state = sim.gcp_state
            (ext,) = state.list_lb_traffic_extensions("global")
            (wasm,) = state.list_wasm_plugins("global")
            wasm = state.with_versions(wasm)
            projects = [(str(sim.project_number), sim.project_id)]
            assert drift(objs[1], ext, projects=projects) == []
            assert drift(objs[0], wasm, projects=projects) == []

            sim.controller.pause()
            traffic["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "2s"
            client.apply(GCPTrafficExtension.from_manifest(traffic))
            (ext,) = state.list_lb_traffic_extensions("global")
            assert [str(d) for d in drift(traffic, ext, projects=projects)] == [
                f"{EXT0}.timeout: cluster asks 2s, Google Cloud has 1s"]


def test_route_extension_without_events_in_the_api_has_request_headers() -> None:
    crd = changed(TRAFFIC, "kind", "GCPRoutingExtension")
    crd["spec"]["extensionChains"][0]["extensions"] = [
        crd["spec"]["extensionChains"][0]["extensions"][0]]
    crd = changed(crd, "spec.extensionChains.0.extensions.0.supportedEvents", ["RequestHeaders"])
    gcp = changed(TRAFFIC_GCP, "extensionChains.0.extensions",
                  [TRAFFIC_GCP["extensionChains"][0]["extensions"][0]])
    assert drift(crd, changed(gcp, "extensionChains.0.extensions.0.supportedEvents", None)) == []
    assert drift(crd, changed(gcp, "extensionChains.0.extensions.0.supportedEvents",
                              ["REQUEST_BODY"])) == [
        Difference(f"{EXT0}.supportedEvents", ["RequestHeaders"], ["RequestBody"])]


def test_bad_input_is_a_manifest_error() -> None:
    from gke_service_extensions import ManifestError

    gateway = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
               "metadata": {"name": "gw"}}
    with pytest.raises(ManifestError, match="got kind 'Gateway'"):
        drift(gateway, TRAFFIC_GCP)
    with pytest.raises(ManifestError, match="REST JSON"):
        drift(TRAFFIC, ["not", "a", "mapping"])  # type: ignore[arg-type]
    with pytest.raises(ManifestError, match="custom resource"):
        drift(42, TRAFFIC_GCP)  # type: ignore[arg-type]
