"""Every validation rule: a manifest that breaks exactly that rule is rejected with the
right YAML path and message; boundary values are accepted."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from gke_service_extensions import ManifestValidationError, UnknownProfileError
from gke_service_extensions.models import (
    GCPRoutingExtension,
    GCPTrafficExtension,
    GCPWasmPlugin,
    KubeModel,
    validate_manifest,
)

DELETE = object()
EXT = "spec.extensionChains[0].extensions[0]"
CHAIN = "spec.extensionChains[0]"
CEL = "spec.extensionChains[0].matchCondition.celExpressions[0]"
MODELS: dict[str, type[KubeModel]] = {
    "traffic": GCPTrafficExtension,
    "routing": GCPRoutingExtension,
    "wasm-traffic": GCPTrafficExtension,
    "wasm": GCPWasmPlugin,
}


def _walk(data: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        data = data[int(part[1:-1])] if part.startswith("[") else data[part]
    return data


def mutate(data: dict[str, Any], path: str, value: Any) -> None:
    """Set (or delete, with DELETE) the field at a YAML path."""
    parent_path, _, key = path.rpartition(".")
    parent = _walk(data, parent_path) if parent_path else data
    if value is DELETE:
        del parent[key]
    else:
        parent[key] = value


# (sample, profile, {path: value}, expected problem path, expected message fragment)
BROKEN: list[tuple[str, str, dict[str, Any], str, str]] = [
    # --- structure: types, required, unknown fields
    ("traffic", "newest", {"spec.targetRefs": DELETE}, "spec.targetRefs", "is required"),
    ("traffic", "newest", {"spec.extensionChains": DELETE}, "spec.extensionChains", "is required"),
    ("traffic", "newest", {"spec": DELETE}, "spec", "is required"),
    ("traffic", "newest", {"metadata.name": DELETE}, "metadata.name", "is required"),
    ("traffic", "newest", {"apiVersion": "networking.gke.io/v1beta1"}, "apiVersion",
     "must be 'networking.gke.io/v1'"),
    ("traffic", "newest", {"spec.extensionChain": []}, "spec.extensionChain",
     "unknown field 'extensionChain' (did you mean 'extensionChains'?)"),
    ("traffic", "newest", {f"{EXT}.timeOut": "1s"}, f"{EXT}.timeOut", "unknown field"),
    ("traffic", "newest", {f"{EXT}.failOpen": "yes"}, f"{EXT}.failOpen", "must be a boolean"),
    ("traffic", "newest", {f"{EXT}.backendRef.port": "443"}, f"{EXT}.backendRef.port",
     "must be an integer, got '443'"),
    ("traffic", "newest", {"spec.targetRefs[0].group": DELETE}, "spec.targetRefs[0].group",
     "is required"),
    ("traffic", "newest", {"metadata.name": "My_Ext"}, "metadata.name", "RFC 1123 subdomain"),
    # --- targetRefs
    ("traffic", "newest", {"spec.targetRefs": []}, "spec.targetRefs", "at least 1 item, got 0"),
    ("traffic", "newest", {"spec.targetRefs": [
        {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": f"g{i}"}
        for i in range(11)]}, "spec.targetRefs", "at most 10 items, got 11"),
    ("traffic", "newest", {"spec.targetRefs[0].name": ""}, "spec.targetRefs[0].name",
     "must not be empty"),
    ("traffic", "newest", {"spec.targetRefs[0].kind": "9Gateway"}, "spec.targetRefs[0].kind",
     "kind name"),
    ("traffic", "newest", {"spec.targetRefs[0].group": "Gateway.Networking"},
     "spec.targetRefs[0].group", "API group"),
    # --- chains
    ("traffic", "newest", {"spec.extensionChains": []}, "spec.extensionChains",
     "at least 1 item"),
    ("traffic", "newest", {f"{CHAIN}.name": "Chain1"}, f"{CHAIN}.name",
     "must be a lowercase name"),
    ("traffic", "newest", {f"{CHAIN}.name": "c" * 64}, f"{CHAIN}.name",
     "at most 63 characters, got 64"),
    ("traffic", "newest", {f"{CHAIN}.extensions": []}, f"{CHAIN}.extensions", "at least 1 item"),
    ("traffic", "newest", {f"{CHAIN}.matchCondition.celExpressions": [
        {"celMatcher": "request.path == '/'"}] * 11},
     f"{CHAIN}.matchCondition.celExpressions", "at most 10 items, got 11"),
    ("traffic", "newest", {f"{CEL}.celMatcher": "request.path == '" + "a" * 500 + "'"},
     f"{CEL}.celMatcher", "at most 512 characters"),
    ("traffic", "newest", {f"{CEL}.celMatcher": "has(request.path)"}, f"{CEL}.celMatcher",
     "has()"),
    ("traffic", "newest", {f"{CEL}.celMatcher": "request.body == 'x'"}, f"{CEL}.celMatcher",
     "request.body"),
    ("traffic", "newest", {f"{CEL}.backendRefs": [
        {"group": "", "kind": "Service", "name": "a", "port": 80},
        {"group": "", "kind": "Service", "name": "b", "port": 80}]},
     f"{CEL}.backendRefs", "at most 1 item, got 2"),
    ("traffic", "newest", {f"{CEL}.backendRefs": [
        {"group": "networking.gke.io", "kind": "GCPWasmPlugin", "name": "p"}]},
     f"{CEL}.backendRefs[0].kind", "supported in a CEL expression"),
    # --- extension fields
    ("traffic", "newest", {f"{EXT}.name": "Ext1"}, f"{EXT}.name", "must be a lowercase name"),
    ("traffic", "newest", {f"{EXT}.authority": "my ext.com"}, f"{EXT}.authority",
     "host[:port]"),
    ("traffic", "newest", {f"{EXT}.authority": "a" * 1001}, f"{EXT}.authority",
     "at most 1000 characters"),
    ("traffic", "newest", {f"{EXT}.timeout": "1 second"}, f"{EXT}.timeout", "a duration"),
    ("traffic", "newest", {f"{EXT}.timeout": "5ms"}, f"{EXT}.timeout",
     "timeout must be between 10ms and 10s, got 5ms"),
    ("traffic", "newest", {f"{EXT}.timeout": "10001ms"}, f"{EXT}.timeout",
     "timeout must be between 10ms and 10s, got 10001ms"),
    ("traffic", "newest", {f"{EXT}.timeout": "11s"}, f"{EXT}.timeout", "between 10ms and 10s"),
    ("traffic", "newest", {f"{EXT}.supportedEvents": ["REQUEST_HEADERS"]},
     f"{EXT}.supportedEvents[0]", "events are spelled in CamelCase"),
    ("traffic", "newest", {f"{EXT}.supportedEvents": ["RequestHeaders"] * 7},
     f"{EXT}.supportedEvents", "at most 6 items, got 7"),
    ("traffic", "newest", {f"{EXT}.forwardHeaders": ["x-ok", "bad header"]},
     f"{EXT}.forwardHeaders[1]", "HTTP header name"),
    ("traffic", "newest", {f"{EXT}.forwardHeaders": [""]}, f"{EXT}.forwardHeaders[0]",
     "must not be empty"),
    ("traffic", "newest", {f"{EXT}.forwardHeaders": [f"h{i}" for i in range(51)]},
     f"{EXT}.forwardHeaders", "at most 50 items, got 51"),
    ("traffic", "newest", {f"{EXT}.forwardHeaders": ["h" * 257]}, f"{EXT}.forwardHeaders[0]",
     "at most 256 characters"),
    ("traffic", "newest", {f"{EXT}.metadata": {f"k{i}": "v" for i in range(17)}},
     f"{EXT}.metadata", "at most 16 entries, got 17"),
    ("traffic", "newest", {f"{EXT}.metadata": {"k" * 64: "v"}}, f"{EXT}.metadata[{'k' * 64}]",
     "key must be 1 to 63"),
    ("traffic", "newest", {f"{EXT}.metadata": {"k": ""}}, f"{EXT}.metadata[k]",
     "must not be empty"),
    ("traffic", "newest", {f"{EXT}.metadata": {"k": "v" * 1024}}, f"{EXT}.metadata[k]",
     "at most 1023 characters"),
    ("traffic", "newest", {f"{EXT}.metadata": {"k": "a\x07b"}}, f"{EXT}.metadata[k]",
     "must be letters"),
    ("traffic", "newest", {f"{EXT}.requestBodySendMode": "Buffered"},
     f"{EXT}.requestBodySendMode", "one of Streamed, FullDuplexStreamed"),
    # --- backendRef
    ("traffic", "newest", {f"{EXT}.backendRef.kind": "Deployment"}, f"{EXT}.backendRef.kind",
     "one of Service, ServiceImport, GCPWasmPlugin, ApigeeBackendService"),
    ("traffic", "newest", {f"{EXT}.backendRef.group": "net.gke.io"},
     f"{EXT}.backendRef.group", 'must be "" (empty) when kind is Service'),
    ("traffic", "newest", {f"{EXT}.backendRef.kind": "ServiceImport"},
     f"{EXT}.backendRef.group", "must be net.gke.io when kind is ServiceImport"),
    ("traffic", "newest", {f"{EXT}.backendRef.port": DELETE}, f"{EXT}.backendRef.port",
     "is required when kind is Service"),
    ("traffic", "newest", {f"{EXT}.backendRef.port": 0}, f"{EXT}.backendRef.port",
     "between 1 and 65535, got 0"),
    ("traffic", "newest", {f"{EXT}.backendRef.port": 65536}, f"{EXT}.backendRef.port",
     "between 1 and 65535"),
    ("traffic", "newest", {f"{EXT}.backendRef.name": ""}, f"{EXT}.backendRef.name",
     "must not be empty"),
    ("wasm-traffic", "newest", {f"{EXT}.backendRef.port": 80}, f"{EXT}.backendRef.port",
     "must not be set when kind is GCPWasmPlugin"),
    ("wasm-traffic", "newest", {f"{EXT}.backendRef.group": ""}, f"{EXT}.backendRef.group",
     "must be networking.gke.io when kind is GCPWasmPlugin"),
    ("traffic", "newest", {f"{EXT}.backendRef": {"group": "apim.googleapis.com",
                                                 "kind": "ApigeeBackendService", "name": "a"}},
     f"{EXT}.authority", "must not be set when backendRef.kind is ApigeeBackendService"),
    # --- cross-field rules of the extension
    ("traffic", "newest", {f"{EXT}.authority": DELETE}, f"{EXT}.authority",
     "is required when backendRef.kind is Service"),
    ("traffic", "newest", {f"{EXT}.authority": ""}, f"{EXT}.authority",
     "is required when backendRef.kind is Service"),
    ("wasm-traffic", "newest", {f"{EXT}.timeout": "1s"}, f"{EXT}.timeout",
     "must not be set when backendRef.kind is GCPWasmPlugin"),
    ("wasm-traffic", "newest", {f"{EXT}.authority": "a.com"}, f"{EXT}.authority",
     "must not be set when backendRef.kind is GCPWasmPlugin"),
    ("wasm-traffic", "newest", {f"{EXT}.metadata": {"k": "v"}}, f"{EXT}.metadata",
     "must not be set when backendRef.kind is GCPWasmPlugin"),
    ("wasm-traffic", "newest", {f"{EXT}.supportedEvents": ["RequestHeaders", "RequestTrailers"]},
     f"{EXT}.supportedEvents[1]", "GCPWasmPlugin backends support only"),
    ("traffic", "newest", {f"{EXT}.googleAPIServiceName": "modelarmor.googleapis.com"},
     EXT, "exactly one of backendRef or googleAPIServiceName must be set, got both"),
    ("traffic", "newest", {f"{EXT}.backendRef": DELETE, f"{EXT}.authority": DELETE},
     EXT, "exactly one of backendRef or googleAPIServiceName must be set, got neither"),
    ("traffic", "newest", {f"{EXT}.backendRef": DELETE,
                           f"{EXT}.googleAPIServiceName": "modelarmor.googleapis.com"},
     f"{EXT}.authority", "must not be set when googleAPIServiceName is set"),
    ("traffic", "newest", {f"{EXT}.backendRef": DELETE, f"{EXT}.authority": DELETE,
                           f"{EXT}.googleAPIServiceName": "example.com"},
     f"{EXT}.googleAPIServiceName", "Google API service name"),
    ("traffic", "gke-1.33", {f"{EXT}.backendRef": DELETE, f"{EXT}.authority": DELETE,
                             f"{EXT}.googleAPIServiceName": "translate.googleapis.com"},
     f"{EXT}.googleAPIServiceName", "modelarmor"),
    ("wasm-traffic", "newest", {f"{EXT}.requestBodySendMode": "Streamed",
                                f"{EXT}.supportedEvents": ["RequestHeaders", "RequestBody"]},
     f"{EXT}.requestBodySendMode", "can be set only for backendRef kinds Service, "
                                   "ServiceImport or ApigeeBackendService"),
    ("traffic", "newest", {f"{EXT}.requestBodySendMode": "Streamed"},
     f"{EXT}.requestBodySendMode", "Streamed needs RequestBody in supportedEvents"),
    ("traffic", "newest", {f"{EXT}.responseBodySendMode": "Streamed"},
     f"{EXT}.responseBodySendMode", "Streamed needs ResponseBody in supportedEvents"),
    ("traffic", "newest", {f"{EXT}.requestBodySendMode": "FullDuplexStreamed",
                           f"{EXT}.supportedEvents": ["RequestHeaders", "RequestBody"]},
     f"{EXT}.requestBodySendMode", "needs both RequestBody and RequestTrailers"),
    ("traffic", "newest", {f"{EXT}.responseBodySendMode": "FullDuplexStreamed",
                           f"{EXT}.supportedEvents": ["ResponseHeaders", "ResponseBody"]},
     f"{EXT}.responseBodySendMode", "needs both ResponseBody and ResponseTrailers"),
    ("traffic", "newest", {f"{EXT}.observabilityMode": True,
                           f"{EXT}.requestBodySendMode": "FullDuplexStreamed",
                           f"{EXT}.supportedEvents": ["RequestBody", "RequestTrailers"]},
     f"{EXT}.requestBodySendMode", "must be unset or Streamed when observabilityMode is true"),
    ("traffic", "gke-1.33", {f"{EXT}.observabilityMode": True}, f"{EXT}.observabilityMode",
     "not supported by GCPTrafficExtension under the 'gke-1.33' CRD profile"),
    ("traffic", "newest", {f"{EXT}.supportedEvents": DELETE}, f"{EXT}.supportedEvents",
     "must list at least one event for GCPTrafficExtension (required by the 'newest'"),
    ("traffic", "newest", {f"{EXT}.supportedEvents": []}, f"{EXT}.supportedEvents",
     "must list at least one event"),
    ("traffic", "gke-1.33", {f"{EXT}.backendRef.kind": "ServiceImport",
                             f"{EXT}.backendRef.group": "net.gke.io"},
     f"{EXT}.backendRef.kind", "one of Service, GCPWasmPlugin"),
    # --- routing-specific
    ("routing", "newest", {f"{EXT}.supportedEvents": ["RequestHeaders", "ResponseHeaders"]},
     f"{EXT}.supportedEvents[1]", "GCPRoutingExtension supports only request events"),
    ("routing", "newest", {f"{EXT}.backendRef": {"group": "networking.gke.io",
                                                 "kind": "GCPWasmPlugin", "name": "p"},
                           f"{EXT}.authority": DELETE, f"{EXT}.timeout": DELETE},
     f"{EXT}.backendRef.kind", "must be Service"),
    ("routing", "newest", {f"{EXT}.observabilityMode": True}, f"{EXT}.observabilityMode",
     "not supported by GCPRoutingExtension"),
    ("routing", "newest", {f"{EXT}.backendRef": DELETE, f"{EXT}.authority": DELETE,
                           f"{EXT}.googleAPIServiceName": "translate.googleapis.com"},
     f"{EXT}.googleAPIServiceName", "modelarmor"),
    # --- GCPWasmPlugin
    ("wasm", "newest", {"spec.versions": []}, "spec.versions", "at least 1 item"),
    ("wasm", "newest", {"spec.versions": [
        {"name": f"v{i}", "image": "us-docker.pkg.dev/p/r/i:t", "weight": 0 if i else 1}
        for i in range(11)]}, "spec.versions", "at most 10 items, got 11"),
    ("wasm", "newest", {"spec.versions": [
        {"name": "v1", "image": "us-docker.pkg.dev/p/r/i:t", "weight": 1},
        {"name": "v1", "image": "us-docker.pkg.dev/p/r/i:u", "weight": 0}]},
     "spec.versions[1].name", "version name 'v1' is already used by spec.versions[0]"),
    ("wasm", "newest", {"spec.versions": [
        {"name": "v1", "image": "us-docker.pkg.dev/p/r/i:t", "weight": 1},
        {"name": "v2", "image": "us-docker.pkg.dev/p/r/i:u", "weight": 1}]},
     "spec.versions", "exactly 1 version must have a non-zero weight, got 2 (v1, v2)"),
    ("wasm", "newest", {"spec.versions[0].weight": 0}, "spec.versions",
     "exactly 1 version must have a non-zero weight, got 0"),
    ("wasm", "newest", {"spec.versions[0].weight": 1000001}, "spec.versions[0].weight",
     "between 0 and 1000000, got 1000001"),
    ("wasm", "newest", {"spec.versions[0].weight": -1}, "spec.versions[0].weight",
     "between 0 and 1000000"),
    ("wasm", "newest", {"spec.versions[0].image": DELETE}, "spec.versions[0].image",
     "is required"),
    ("wasm", "newest", {"spec.versions[0].image": "Not An Image"}, "spec.versions[0].image",
     "an image reference"),
    ("wasm", "newest", {"spec.versions[0].image": "us-docker.pkg.dev/" + "a" * 2000},
     "spec.versions[0].image", "at most 2000 characters"),
    ("wasm", "newest", {"spec.versions[0].pluginConfigURI": "ftp://x"},
     "spec.versions[0].pluginConfigURI", "an image reference"),
    ("wasm", "newest", {"spec.versions[0].description": "d" * 1025},
     "spec.versions[0].description", "at most 1024 characters"),
    ("wasm", "newest", {"spec.versions[0].name": "V1"}, "spec.versions[0].name",
     "must be a lowercase name"),
    ("wasm", "newest", {"spec.versions[0].tag": "x"}, "spec.versions[0].tag", "unknown field"),
    ("wasm", "newest", {"spec.logConfig.enabled": DELETE}, "spec.logConfig.enabled",
     "is required"),
    ("wasm", "newest", {"spec.logConfig.enabled": False}, "spec.logConfig.sampleRate",
     "can be set only when logging is enabled"),
    ("wasm", "newest", {"spec.logConfig.enabled": False, "spec.logConfig.sampleRate": DELETE},
     "spec.logConfig.minLogLevel", "can be set only when logging is enabled"),
    ("wasm", "newest", {"spec.logConfig.sampleRate": 1000001}, "spec.logConfig.sampleRate",
     "between 0 and 1000000"),
    ("wasm", "newest", {"spec.logConfig.minLogLevel": "WARNING"}, "spec.logConfig.minLogLevel",
     "one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL"),
    ("wasm", "newest", {"spec.kmsKeyName": "projects/p/keyRings/k"}, "spec.kmsKeyName",
     "projects/P/locations/L/keyRings/K/cryptoKeys/C"),
    # --- status (as written by controllers)
    ("traffic", "newest", {"status": {"ancestors": [{
        "ancestorRef": {"name": "gw"}, "controllerName": "gateway",
        "conditions": [{"type": "Programmed", "status": "Yes", "reason": "Ok", "message": "",
                        "lastTransitionTime": "2026-01-01T00:00:00Z"}]}]}},
     "status.ancestors[0].controllerName", "domain-prefixed path"),
    ("traffic", "newest", {"status": {"ancestors": [{
        "ancestorRef": {"name": "gw"}, "controllerName": "networking.gke.io/gateway",
        "conditions": [{"type": "Programmed", "status": "Yes", "reason": "Ok", "message": "",
                        "lastTransitionTime": "2026-01-01T00:00:00Z"}]}]}},
     "status.ancestors[0].conditions[0].status", "one of True, False, Unknown"),
]


def _case_id(case: tuple[str, str, dict[str, Any], str, str]) -> str:
    sample, profile, _, path, message = case
    return f"{sample}-{profile}-{path}-{message[:40]}"


@pytest.mark.parametrize(("name", "profile", "changes", "path", "message"), BROKEN,
                         ids=[_case_id(c) for c in BROKEN])
def test_manifest_breaking_one_rule_is_rejected_with_path_and_message(
    sample: Callable[[str], dict[str, Any]],
    name: str, profile: str, changes: dict[str, Any], path: str, message: str,
) -> None:
    data = sample(name)
    assert validate_manifest(data, profile=profile) == []
    for field_path, value in changes.items():
        mutate(data, field_path, value)
    with pytest.raises(ManifestValidationError) as info:
        MODELS[name].from_manifest(data, profile=profile)
    err = info.value
    matching = [p for p in err.problems if p.path == path and message in p.message]
    assert matching, f"no problem at {path} containing {message!r}; got:\n{err}"
    assert err.profile == profile
    assert path in str(err)


# (sample, profile, {path: value}) that sit exactly on a boundary and must be accepted
BOUNDARIES: list[tuple[str, str, dict[str, Any]]] = [
    ("traffic", "newest", {f"{EXT}.timeout": "10ms"}),
    ("traffic", "newest", {f"{EXT}.timeout": "10s"}),
    ("traffic", "newest", {f"{EXT}.timeout": "10000ms"}),
    ("traffic", "newest", {f"{EXT}.timeout": "9s999ms"}),
    ("traffic", "newest", {"spec.extensionChains": [
        {"name": f"chain{i}", "extensions": [
            {"name": "e", "authority": "a.com", "supportedEvents": ["RequestHeaders"],
             "backendRef": {"group": "", "kind": "Service", "name": "s", "port": 1}}]}
        for i in range(5)]}),
    ("traffic", "newest", {f"{CHAIN}.extensions": [
        {"name": f"e{i}", "authority": "a.com", "supportedEvents": ["RequestHeaders"],
         "backendRef": {"group": "", "kind": "Service", "name": "s", "port": 65535}}
        for i in range(3)]}),
    ("traffic", "newest", {"spec.targetRefs": [
        {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": f"g{i}"}
        for i in range(10)]}),
    ("traffic", "newest", {f"{CHAIN}.name": "c" * 63}),
    ("traffic", "newest", {f"{EXT}.metadata": {f"k{i}": "v" * 1023 for i in range(16)}}),
    ("traffic", "newest", {f"{EXT}.metadata": {"k" * 63: "v"}}),
    ("traffic", "newest", {f"{EXT}.forwardHeaders": [f"h{i}" for i in range(50)]}),
    ("traffic", "newest", {f"{EXT}.supportedEvents": [
        "RequestHeaders", "RequestBody", "ResponseHeaders", "ResponseBody", "RequestTrailers",
        "ResponseTrailers"]}),
    ("traffic", "newest", {f"{EXT}.requestBodySendMode": "FullDuplexStreamed",
                           f"{EXT}.supportedEvents": ["RequestBody", "RequestTrailers"]}),
    ("traffic", "newest", {f"{EXT}.observabilityMode": True,
                           f"{EXT}.requestBodySendMode": "Streamed",
                           f"{EXT}.supportedEvents": ["RequestBody"]}),
    ("traffic", "newest", {f"{EXT}.backendRef": DELETE, f"{EXT}.authority": DELETE,
                           f"{EXT}.googleAPIServiceName":
                               "modelarmor.us-central1.rep.googleapis.com"}),
    ("traffic", "newest", {f"{EXT}.backendRef.group": DELETE, f"{EXT}.backendRef.kind": DELETE}),
    ("traffic", "newest", {f"{EXT}.backendRef": {"group": "net.gke.io", "kind": "ServiceImport",
                                                 "name": "s", "port": 8443}}),
    ("traffic", "newest", {f"{CEL}.backendRefs": [
        {"group": "", "kind": "Service", "name": "a", "port": 80}]}),
    ("traffic", "gke-1.33", {f"{EXT}.supportedEvents": DELETE}),
    ("routing", "newest", {f"{EXT}.supportedEvents": DELETE}),
    ("routing", "newest", {f"{EXT}.backendRef.port": 0}),
    ("wasm", "newest", {"spec.versions": [
        {"name": f"v{i}", "image": "us-docker.pkg.dev/p/r/i:t", "weight": 1000000 if i == 0 else 0}
        for i in range(10)]}),
    ("wasm", "newest", {"spec.versions[0].weight": 1}),
    ("wasm", "newest", {"spec.logConfig": {"enabled": False}}),
    ("wasm", "newest", {"spec.logConfig": {"enabled": True, "sampleRate": 0}}),
    ("wasm", "newest", {"spec.kmsKeyName": "projects/p/locations/l/keyRings/k/cryptoKeys/c"}),
    ("wasm", "newest", {"spec.versions[0].pluginConfigURI": "us-docker.pkg.dev/p/r/config:v1"}),
]


@pytest.mark.parametrize(("name", "profile", "changes"), BOUNDARIES)
def test_boundary_values_are_accepted(
    sample: Callable[[str], dict[str, Any]], name: str, profile: str, changes: dict[str, Any]
) -> None:
    data = sample(name)
    for field_path, value in changes.items():
        mutate(data, field_path, value)
    obj = MODELS[name].from_manifest(data, profile=profile)
    assert obj.to_manifest() == data


def test_every_problem_is_listed_not_just_the_first(
    sample: Callable[[str], dict[str, Any]],
) -> None:
    data = sample("traffic")
    mutate(data, f"{EXT}.timeout", "5ms")
    mutate(data, f"{CHAIN}.name", "Bad_Name")
    mutate(data, "spec.targetRefs[0].name", "")
    with pytest.raises(ManifestValidationError) as info:
        GCPTrafficExtension.from_manifest(data)
    paths = {p.path for p in info.value.problems}
    assert {f"{EXT}.timeout", f"{CHAIN}.name", "spec.targetRefs[0].name"} <= paths
    assert str(info.value).startswith(
        "GCPTrafficExtension default/my-traffic-extension is invalid under the 'newest' CRD "
        "profile (the default): 3 problems")
    assert str(info.value).endswith("(pick another CRD profile with profile= (--profile on the "
                                    "command line) or GKE_SE_CRD_PROFILE)")


def test_messages_use_yaml_names_never_python_names(
    sample: Callable[[str], dict[str, Any]],
) -> None:
    data = sample("traffic")
    mutate(data, f"{EXT}.supportedEvents", ["bogus"])
    mutate(data, f"{EXT}.forwardHeaders", ["bad header"])
    with pytest.raises(ManifestValidationError) as info:
        GCPTrafficExtension.from_manifest(data)
    text = str(info.value)
    for snake in ("extension_chains", "supported_events", "forward_headers", "backend_ref"):
        assert snake not in text
    assert "pydantic" not in text.lower()


def test_validation_error_is_a_value_error(sample: Callable[[str], dict[str, Any]]) -> None:
    data = sample("wasm")
    mutate(data, "spec.versions", [])
    with pytest.raises(ValueError, match=r"spec\.versions"):
        GCPWasmPlugin.from_manifest(data)


def test_unknown_profile_is_refused_with_the_known_ones(
    sample: Callable[[str], dict[str, Any]],
) -> None:
    with pytest.raises(ValueError, match=r"valid profiles: gke-1\.33 \(or 1\.33\), newest, "
                       r"cluster") as info:
        GCPWasmPlugin.from_manifest(sample("wasm"), profile="gke-1.20")
    assert isinstance(info.value, UnknownProfileError)
    assert info.value.name == "gke-1.20"
    assert {"gke-1.33", "1.33", "newest", "cluster"} <= set(info.value.known)
