"""Our validator agrees with the real CRD files, rule for rule.

The judge is ``crd_oracle``: the CRD's openAPIV3Schema through jsonschema plus every
``x-kubernetes-validations`` rule evaluated by a CEL interpreter. For generated manifests
near the rules' edges: whatever the CRD rejects, we reject; whatever we reject, the CRD
rejects too, unless every problem we report is one of the SDK's documented extra rules.
"""

from __future__ import annotations

import copy
from typing import Any

import crd_oracle
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import SAMPLES

from gke_service_extensions.models import validate_manifest

EXT = ("spec", "extensionChains", 0, "extensions", 0)
CEL = ("spec", "extensionChains", 0, "matchCondition", "celExpressions", 0)

# Rules the SDK adds on top of the CRDs (documented in docs/models.md).
SDK_ONLY = (
    "unknown field",                      # the API server prunes; we refuse typos
    "is not supported by GCPRoutingExtension",  # a field the routing CRD lacks (pruned)
    "supports only request events",       # routing extensions: request events only
    "metadata.name",                      # the API server needs a name too (no CRD rule)
    "celMatcher",                         # CEL checks beyond the CRD's token pattern
)

EDGE_VALUES: dict[str, list[Any]] = {
    "timeout": ["9ms", "10ms", "1s", "10s", "10001ms", "1m", "0s", "1h", "5ms5ms"],
    "authority": [None, "", "myext.com", "a b", "host:443"],
    "supportedEvents": [None, [], ["RequestHeaders"], ["RequestBody"],
                        ["RequestBody", "RequestTrailers"], ["ResponseBody"],
                        ["ResponseBody", "ResponseTrailers"], ["RequestTrailers"],
                        ["ResponseHeaders"], ["REQUEST_HEADERS"]],
    "requestBodySendMode": [None, "Streamed", "FullDuplexStreamed", "Buffered"],
    "responseBodySendMode": [None, "Streamed", "FullDuplexStreamed"],
    "observabilityMode": [None, True, False],
    "metadata": [None, {"k": "v"}, {"k" * 64: "v"}, {"k": ""}],
    "googleAPIServiceName": [None, "modelarmor.us-central1.rep.googleapis.com",
                             "dlp.googleapis.com", "example.com"],
    "forwardHeaders": [None, ["cookie"], ["bad header"], []],
    "failOpen": [None, True],
}
BACKENDS: list[Any] = [
    None,
    {"group": "", "kind": "Service", "name": "s", "port": 443},
    {"kind": "Service", "name": "s", "port": 443},
    {"group": "", "kind": "Service", "name": "s"},
    {"group": "net.gke.io", "kind": "Service", "name": "s", "port": 443},
    {"group": "net.gke.io", "kind": "ServiceImport", "name": "s", "port": 443},
    {"group": "", "kind": "ServiceImport", "name": "s", "port": 443},
    {"group": "networking.gke.io", "kind": "GCPWasmPlugin", "name": "p"},
    {"group": "networking.gke.io", "kind": "GCPWasmPlugin", "name": "p", "port": 1},
    {"group": "apim.googleapis.com", "kind": "ApigeeBackendService", "name": "a"},
    {"group": "", "kind": "Service", "name": "s", "port": 0},
    {"group": "", "kind": "Deployment", "name": "s", "port": 1},
]
CEL_BACKENDS: list[Any] = [
    None,
    [{"group": "", "kind": "Service", "name": "s", "port": 80}],
    [{"group": "", "kind": "Service", "name": "s", "port": 80}] * 2,
    [{"group": "networking.gke.io", "kind": "GCPWasmPlugin", "name": "p"}],
    [{"group": "net.gke.io", "kind": "ServiceImport", "name": "s", "port": 80}],
]


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        data = data[p]
    return data


@st.composite
def extension_manifest(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(SAMPLES[draw(st.sampled_from(["traffic", "routing"]))]())
    ext = _at(data, EXT)
    for key in draw(st.lists(st.sampled_from(sorted(EDGE_VALUES)), max_size=5, unique=True)):
        value = draw(st.sampled_from(EDGE_VALUES[key]))
        ext.pop(key, None)
        if value is not None:
            ext[key] = copy.deepcopy(value)
    if draw(st.booleans()):
        backend = draw(st.sampled_from(BACKENDS))
        ext.pop("backendRef", None)
        if backend is not None:
            ext["backendRef"] = copy.deepcopy(backend)
    refs = draw(st.sampled_from(CEL_BACKENDS))
    if refs is not None:
        _at(data, CEL)["backendRefs"] = copy.deepcopy(refs)
    return data


@st.composite
def wasm_manifest(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(SAMPLES["wasm"]())
    n = draw(st.integers(1, 11))
    names = draw(st.lists(st.sampled_from(["v1", "v2", "v3", "V4", "v-5"]), min_size=n,
                          max_size=n))
    data["spec"]["versions"] = [
        {"name": name, "image": draw(st.sampled_from(
            ["us-docker.pkg.dev/p/r/i:t", "Bad Image", "https://x.dev/a/b@sha256:0"])),
         "weight": draw(st.sampled_from([0, 0, 1, 1_000_000, 1_000_001, -1]))}
        for name in names]
    log = draw(st.sampled_from([None, {"enabled": True}, {"enabled": False},
                                {"enabled": False, "sampleRate": 1},
                                {"enabled": True, "minLogLevel": "WARN"},
                                {"enabled": False, "minLogLevel": "INFO"},
                                {"sampleRate": 5}]))
    data["spec"].pop("logConfig")
    if log is not None:
        data["spec"]["logConfig"] = log
    return data


def _judge(data: dict[str, Any]) -> None:
    theirs = crd_oracle.problems(data)
    ours = validate_manifest(copy.deepcopy(data))
    if theirs:
        assert ours, f"the CRD rejects but we accept:\n{theirs}\n{data}"
    elif ours:
        extra = [p for p in ours if not any(s in str(p) for s in SDK_ONLY)]
        assert not extra, f"we reject what the CRD accepts:\n{extra}\n{data}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extension_manifest())
def test_extension_verdicts_agree_with_the_crd(data: dict[str, Any]) -> None:
    _judge(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wasm_manifest())
def test_wasm_plugin_verdicts_agree_with_the_crd(data: dict[str, Any]) -> None:
    _judge(data)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_samples_are_admitted_by_the_crd_and_by_us(name: str) -> None:
    data = SAMPLES[name]()
    assert crd_oracle.problems(data) == []
    assert validate_manifest(data) == []
