"""The CRD-to-GCP mapping, held against literal REST JSON written from the GKE guide and the
Network Services API reference (SPEC §2, §3, §6), not against the simulator's output."""

# The fixtures are literal REST JSON with unbroken resource names.
# ruff: noqa: E501

from __future__ import annotations

import json
from typing import Any

import pytest

from gke_service_extensions._gke import (
    GCPCollection,
    GKEContext,
    expected_resource,
    extension_resource,
    gateway_class_info,
    plugin_resource,
    serving_version,
)

PROJECT = "my-project"
FR_GLOBAL = f"projects/{PROJECT}/global/forwardingRules/gkegw1-fr"
FR_REGIONAL = f"projects/{PROJECT}/regions/us-central1/forwardingRules/gkegw1-fr"
BS_GLOBAL = f"projects/{PROJECT}/global/backendServices/gkegw1-default-extension-service-443"
BS_REGIONAL = (f"projects/{PROJECT}/regions/us-central1/backendServices/"
               "gkegw1-default-extension-service-443")
PLUGIN = f"projects/{PROJECT}/locations/global/wasmPlugins/gkegw1-default-gcp-wasm-plugin-x"

# The GKE guide's GCPTrafficExtension (newest CRD: supportedEvents set).
TRAFFIC_MANIFEST: dict[str, Any] = {
    "apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
    "metadata": {"name": "my-traffic-extension", "namespace": "default"},
    "spec": {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                        "name": "external-http"}],
        "extensionChains": [{
            "name": "chain1",
            "matchCondition": {"celExpressions": [
                {"celMatcher": 'request.path.contains("serviceextensions")'}]},
            "extensions": [{
                "name": "ext1", "authority": "myext.com", "timeout": "1s",
                "supportedEvents": ["RequestHeaders", "ResponseHeaders"],
                "backendRef": {"group": "", "kind": "Service", "name": "extension-service",
                               "port": 443},
            }],
        }],
    },
}
# What the API reference says an LbTrafficExtension looks like in REST JSON.
TRAFFIC_JSON = json.loads("""
{
  "name": "projects/my-project/locations/global/lbTrafficExtensions/gkegw1-te",
  "forwardingRules": ["projects/my-project/global/forwardingRules/gkegw1-fr"],
  "extensionChains": [
    {
      "name": "chain1",
      "matchCondition": {"celExpression": "request.path.contains(\\"serviceextensions\\")"},
      "extensions": [
        {
          "name": "ext1",
          "authority": "myext.com",
          "service": "projects/my-project/global/backendServices/gkegw1-default-extension-service-443",
          "supportedEvents": ["REQUEST_HEADERS", "RESPONSE_HEADERS"],
          "timeout": "1s",
          "failOpen": false
        }
      ]
    }
  ],
  "loadBalancingScheme": "EXTERNAL_MANAGED"
}
""")

ROUTING_MANIFEST: dict[str, Any] = {
    "apiVersion": "networking.gke.io/v1", "kind": "GCPRoutingExtension",
    "metadata": {"name": "my-gateway-extension", "namespace": "default"},
    "spec": {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                        "name": "internal-http"}],
        "extensionChains": [{
            "name": "chain1",
            "matchCondition": {"celExpressions": [
                {"celMatcher": 'request.path.startsWith("/a")'},
                {"celMatcher": "request.host == 'b.example.com'"}]},
            "extensions": [{
                "name": "ext1", "authority": "myext.com", "timeout": "100ms",
                "failOpen": True, "forwardHeaders": ["cookie", "x-user"],
                "metadata": {"tenant": "blue"},
                "backendRef": {"group": "", "kind": "Service", "name": "extension-service",
                               "port": 443},
            }],
        }],
    },
}
ROUTING_JSON = json.loads("""
{
  "name": "projects/my-project/locations/us-central1/lbRouteExtensions/gkegw1-re",
  "forwardingRules": ["projects/my-project/regions/us-central1/forwardingRules/gkegw1-fr"],
  "extensionChains": [
    {
      "name": "chain1",
      "matchCondition": {
        "celExpression": "(request.path.startsWith(\\"/a\\")) || (request.host == 'b.example.com')"
      },
      "extensions": [
        {
          "name": "ext1",
          "authority": "myext.com",
          "service": "projects/my-project/regions/us-central1/backendServices/gkegw1-default-extension-service-443",
          "supportedEvents": ["REQUEST_HEADERS"],
          "timeout": "0.100s",
          "failOpen": true,
          "forwardHeaders": ["cookie", "x-user"],
          "metadata": {"tenant": "blue"}
        }
      ]
    }
  ],
  "loadBalancingScheme": "INTERNAL_MANAGED"
}
""")

WASM_EXT_MANIFEST: dict[str, Any] = {
    "apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
    "metadata": {"name": "traffic-ext-wasm", "namespace": "default"},
    "spec": {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                        "name": "external-http"}],
        "extensionChains": [{
            "name": "chain1",
            "extensions": [
                {"name": "ext1", "supportedEvents": ["RequestHeaders", "RequestBody"],
                 "backendRef": {"group": "networking.gke.io", "kind": "GCPWasmPlugin",
                                "name": "gcp-wasm-plugin"}},
                {"name": "armor", "googleAPIServiceName":
                 "modelarmor.us-central1.rep.googleapis.com",
                 "supportedEvents": ["RequestHeaders", "RequestBody", "ResponseBody"],
                 "timeout": "10s"},
                {"name": "bodies", "authority": "myext.com",
                 "supportedEvents": ["RequestHeaders", "RequestBody", "RequestTrailers",
                                     "ResponseBody"],
                 "requestBodySendMode": "FullDuplexStreamed",
                 "responseBodySendMode": "Streamed",
                 "backendRef": {"group": "", "kind": "Service", "name": "extension-service",
                                "port": 443}},
            ],
        }],
    },
}
WASM_EXT_JSON = json.loads("""
{
  "forwardingRules": ["projects/my-project/global/forwardingRules/gkegw1-fr"],
  "extensionChains": [
    {
      "name": "chain1",
      "extensions": [
        {
          "name": "ext1",
          "service": "projects/my-project/locations/global/wasmPlugins/gkegw1-default-gcp-wasm-plugin-x",
          "supportedEvents": ["REQUEST_HEADERS", "REQUEST_BODY"]
        },
        {
          "name": "armor",
          "service": "modelarmor.us-central1.rep.googleapis.com",
          "supportedEvents": ["REQUEST_HEADERS", "REQUEST_BODY", "RESPONSE_BODY"],
          "timeout": "10s",
          "failOpen": false
        },
        {
          "name": "bodies",
          "authority": "myext.com",
          "service": "projects/my-project/global/backendServices/gkegw1-default-extension-service-443",
          "supportedEvents": ["REQUEST_HEADERS", "REQUEST_BODY", "REQUEST_TRAILERS", "RESPONSE_BODY"],
          "failOpen": false,
          "requestBodySendMode": "BODY_SEND_MODE_FULL_DUPLEX_STREAMED",
          "responseBodySendMode": "BODY_SEND_MODE_STREAMED"
        }
      ]
    }
  ],
  "loadBalancingScheme": "EXTERNAL_MANAGED"
}
""")

# The GKE guide's GCPWasmPlugin.
PLUGIN_MANIFEST: dict[str, Any] = {
    "apiVersion": "networking.gke.io/v1", "kind": "GCPWasmPlugin",
    "metadata": {"name": "gcp-wasm-plugin", "namespace": "default"},
    "spec": {
        "versions": [
            {"name": "wasm-plugin-version", "description": "Test wasm plugin version",
             "image": "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main",
             "weight": 1000000},
            {"name": "staged", "weight": 0, "pluginConfigURI": "us-docker.pkg.dev/my-project/configs/cfg:v1",
             "image": "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:next"},
        ],
        "logConfig": {"enabled": True, "sampleRate": 500000, "minLogLevel": "WARN"},
    },
}
DIGEST = "sha256:" + "ab" * 32
PLUGIN_JSON = json.loads("""
{
  "name": "projects/922988411345/locations/global/wasmPlugins/test-k18j-default-gcp-wasm-plugin-itle20jj9nyk",
  "mainVersionId": "test-k18j-wasm-plugin-version-a1b2",
  "logConfig": {"enable": true, "sampleRate": 0.5, "minLogLevel": "WARN"},
  "versions": {
    "test-k18j-wasm-plugin-version-a1b2": {
      "imageUri": "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main",
      "imageDigest": "sha256:abababababababababababababababababababababababababababababababab",
      "description": "Test wasm plugin version"
    },
    "test-k18j-staged-c3d4": {
      "imageUri": "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:next",
      "pluginConfigUri": "us-docker.pkg.dev/my-project/configs/cfg:v1"
    }
  }
}
""")


def test_traffic_extension_with_a_service_backend() -> None:
    cls = gateway_class_info("gke-l7-global-external-managed")
    assert cls is not None
    ctx = GKEContext.for_gateway_class(
        PROJECT, cls, region="us-central1", forwarding_rules=(FR_GLOBAL,),
        backend_services={"extension-service": BS_GLOBAL}, resource_id="gkegw1-te")
    res = extension_resource(TRAFFIC_MANIFEST, ctx)
    assert res.collection is GCPCollection.LB_TRAFFIC_EXTENSIONS
    assert res.location == "global"
    assert res.body == TRAFFIC_JSON
    assert res.unresolved == ()


def test_routing_extension_ors_matchers_and_defaults_to_request_headers() -> None:
    cls = gateway_class_info("gke-l7-rilb")
    assert cls is not None
    ctx = GKEContext.for_gateway_class(
        PROJECT, cls, region="us-central1", forwarding_rules=(FR_REGIONAL,),
        backend_services={"extension-service:443": BS_REGIONAL, "extension-service": "wrong"},
        resource_id="gkegw1-re")
    res = extension_resource(ROUTING_MANIFEST, ctx)
    assert res.collection is GCPCollection.LB_ROUTE_EXTENSIONS
    assert res.location == "us-central1"
    assert res.body == ROUTING_JSON


def test_wasm_and_google_api_backends() -> None:
    ctx = GKEContext(PROJECT, "global", (FR_GLOBAL,), "EXTERNAL_MANAGED",
                     backend_services={"extension-service": BS_GLOBAL},
                     wasm_plugins={"gcp-wasm-plugin": PLUGIN})
    assert extension_resource(WASM_EXT_MANIFEST, ctx).body == WASM_EXT_JSON


def test_what_the_context_does_not_give_is_left_out_and_listed() -> None:
    res = extension_resource(TRAFFIC_MANIFEST, GKEContext(PROJECT))
    ext = res.body["extensionChains"][0]["extensions"][0]
    assert "service" not in ext
    assert res.unresolved == ("spec.extensionChains[0].extensions[0].backendRef",)
    assert "forwardingRules" not in res.body
    assert "loadBalancingScheme" not in res.body
    assert "name" not in res.body


def test_wasm_plugin_with_generated_ids_and_resolved_digests() -> None:
    ctx = GKEContext("922988411345", resource_id="test-k18j-default-gcp-wasm-plugin-itle20jj9nyk",
                     version_ids={"wasm-plugin-version": "test-k18j-wasm-plugin-version-a1b2",
                                  "staged": "test-k18j-staged-c3d4"})
    images = {PLUGIN_MANIFEST["spec"]["versions"][0]["image"]: DIGEST}
    res = plugin_resource(PLUGIN_MANIFEST, ctx, resolve_image=images.get)
    assert res.collection is GCPCollection.WASM_PLUGINS
    assert res.location == "global"
    assert {**res.body, "versions": res.versions} == PLUGIN_JSON
    assert serving_version(PLUGIN_MANIFEST) == "wasm-plugin-version"


def test_wasm_plugin_log_defaults_and_disabled_logging() -> None:
    on = {**PLUGIN_MANIFEST, "spec": {**PLUGIN_MANIFEST["spec"], "logConfig": {"enabled": True}}}
    assert plugin_resource(on, GKEContext(PROJECT)).body["logConfig"] == {
        "enable": True, "sampleRate": 1.0, "minLogLevel": "INFO"}
    off = {**PLUGIN_MANIFEST, "spec": {**PLUGIN_MANIFEST["spec"], "logConfig": {"enabled": False}}}
    assert plugin_resource(off, GKEContext(PROJECT)).body["logConfig"] == {"enable": False}
    nolog = {**PLUGIN_MANIFEST, "spec": {"versions": PLUGIN_MANIFEST["spec"]["versions"]}}
    assert "logConfig" not in plugin_resource(nolog, GKEContext(PROJECT)).body


def test_models_map_like_their_manifests() -> None:
    from gke_service_extensions import GCPTrafficExtension, GCPWasmPlugin

    ctx = GKEContext(PROJECT, "global", (FR_GLOBAL,), "EXTERNAL_MANAGED",
                     backend_services={"extension-service": BS_GLOBAL},
                     wasm_plugins={"gcp-wasm-plugin": PLUGIN})
    model = GCPTrafficExtension.from_manifest(WASM_EXT_MANIFEST)
    assert expected_resource(model, ctx).body == WASM_EXT_JSON
    plugin = GCPWasmPlugin.from_manifest(PLUGIN_MANIFEST)
    assert expected_resource(plugin, ctx).body["mainVersionId"] == "wasm-plugin-version"


def test_other_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="GCPWasmPlugin"):
        plugin_resource(TRAFFIC_MANIFEST, GKEContext(PROJECT))
    with pytest.raises(ValueError, match="GCPTrafficExtension"):
        extension_resource(PLUGIN_MANIFEST, GKEContext(PROJECT))


@pytest.mark.parametrize(("body", "message"), [
    (TRAFFIC_JSON, "LbTrafficExtension"), (ROUTING_JSON, "LbRouteExtension"),
    (WASM_EXT_JSON, "LbTrafficExtension"), (PLUGIN_JSON, "WasmPlugin"),
])
def test_fixtures_are_network_services_api_messages(body: dict[str, Any], message: str) -> None:
    from google.cloud import network_services_v1 as ns

    parsed = getattr(ns, message).from_json(json.dumps(body), ignore_unknown_fields=False)
    assert getattr(ns, message).to_dict(parsed)  # parses without unknown fields
