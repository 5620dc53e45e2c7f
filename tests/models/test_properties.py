"""Property tests: generated valid objects round-trip; generated mutations are rejected
with a path, never with an exception of another type."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gke_service_extensions import ManifestValidationError
from gke_service_extensions.models import (
    GCPRoutingExtension,
    GCPTrafficExtension,
    GCPWasmPlugin,
    KubeModel,
    UnknownFields,
    validate_manifest,
)
from gke_service_extensions.models._validation import validate_model_data

NAMES = st.from_regex(r"\A[a-z]([a-z0-9-]{0,20}[a-z0-9])?\Z")
EVENTS = ["RequestHeaders", "RequestBody", "ResponseHeaders", "ResponseBody"]
MATCHERS = st.sampled_from([
    'request.path.contains("serviceextensions")',
    "request.path.startsWith('/api') && request.method == 'POST'",
    "request.headers['x-canary'] == 'true'",
    "request.host.endsWith('.example.com') || response.code >= 500",
])


@st.composite
def service_extension(draw: st.DrawFn) -> dict[str, Any]:
    ext: dict[str, Any] = {
        "name": draw(NAMES),
        "authority": draw(st.from_regex(r"\A[a-z0-9.-]{1,30}(:[0-9]{1,5})?\Z")),
        "supportedEvents": draw(st.lists(st.sampled_from(EVENTS), min_size=1, max_size=4,
                                         unique=True)),
        "backendRef": {"group": "", "kind": "Service", "name": draw(NAMES),
                       "port": draw(st.integers(1, 65535))},
    }
    if draw(st.booleans()):
        ext["timeout"] = f"{draw(st.integers(10, 10000))}ms"
    if draw(st.booleans()):
        ext["failOpen"] = draw(st.booleans())
    if draw(st.booleans()):
        ext["forwardHeaders"] = draw(st.lists(st.from_regex(r"\A[a-z][a-z0-9-]{0,20}\Z"),
                                              max_size=5))
    if draw(st.booleans()):
        ext["metadata"] = draw(st.dictionaries(st.from_regex(r"\A[a-z_]{1,20}\Z"),
                                               st.from_regex(r"\A[a-z0-9 ]{1,30}\Z"),
                                               max_size=4))
    if "RequestBody" in ext["supportedEvents"] and draw(st.booleans()):
        ext["requestBodySendMode"] = "Streamed"
    return ext


@st.composite
def traffic_extension(draw: st.DrawFn) -> dict[str, Any]:
    chains = []
    for i in range(draw(st.integers(1, 5))):
        chain: dict[str, Any] = {
            "name": f"chain{i}",
            "extensions": draw(st.lists(service_extension(), min_size=1, max_size=3)),
        }
        if draw(st.booleans()):
            chain["matchCondition"] = {"celExpressions": [
                {"celMatcher": m} for m in draw(st.lists(MATCHERS, min_size=1, max_size=3))]}
        chains.append(chain)
    return {
        "apiVersion": "networking.gke.io/v1",
        "kind": "GCPTrafficExtension",
        "metadata": {"name": draw(NAMES), "namespace": draw(NAMES)},
        "spec": {
            "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                            "name": n} for n in draw(st.lists(NAMES, min_size=1, max_size=10))],
            "extensionChains": chains,
        },
    }


@st.composite
def wasm_plugin(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(NAMES, min_size=1, max_size=10, unique=True))
    serving = draw(st.integers(0, len(names) - 1))
    versions = [{
        "name": n,
        "image": f"us-docker.pkg.dev/p/r/{n}:v{i}",
        "weight": draw(st.integers(1, 1_000_000)) if i == serving else 0,
    } for i, n in enumerate(names)]
    spec: dict[str, Any] = {"versions": versions}
    if draw(st.booleans()):
        spec["logConfig"] = {"enabled": True, "sampleRate": draw(st.integers(0, 1_000_000)),
                             "minLogLevel": draw(st.sampled_from(["TRACE", "INFO", "ERROR"]))}
    return {"apiVersion": "networking.gke.io/v1", "kind": "GCPWasmPlugin",
            "metadata": {"name": draw(NAMES)}, "spec": spec}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traffic_extension())
def test_generated_traffic_extensions_round_trip(data: dict[str, Any]) -> None:
    original = copy.deepcopy(data)
    obj = GCPTrafficExtension.from_manifest(data)
    assert obj.to_manifest() == original
    as_routing = {**original, "kind": "GCPRoutingExtension"}
    if not validate_manifest(as_routing):
        assert GCPRoutingExtension.from_manifest(as_routing).to_manifest() == as_routing


@settings(max_examples=60, deadline=None)
@given(wasm_plugin())
def test_generated_wasm_plugins_round_trip(data: dict[str, Any]) -> None:
    original = copy.deepcopy(data)
    assert GCPWasmPlugin.from_manifest(data).to_manifest() == original
    assert GCPWasmPlugin.from_manifest(
        data, unknown_fields=UnknownFields.PRESERVE).to_manifest() == original


def _paths(data: Any, prefix: str = "") -> list[str]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, f"{prefix}[{i}]")
    return out


def _set(data: Any, path: str, value: Any, delete: bool) -> None:
    import re

    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    for part in parts[:-1]:
        data = data[int(part[1:-1])] if part.startswith("[") else data[part]
    last = parts[-1]
    key: Any = int(last[1:-1]) if last.startswith("[") else last
    if delete:
        del data[key]
    else:
        data[key] = value


JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9), st.floats(allow_nan=False),
                 st.text(max_size=80), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(alphabet="abcxyz", min_size=1, max_size=5), st.integers(),
                                 max_size=3))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(traffic_extension(), wasm_plugin()), st.data())
def test_mutations_are_rejected_with_a_path_or_accepted(data: dict[str, Any],
                                                        draw: st.DataObject) -> None:
    model: type[KubeModel] = GCPWasmPlugin if data["kind"] == "GCPWasmPlugin" \
        else GCPTrafficExtension
    paths = _paths(data)
    for _ in range(draw.draw(st.integers(1, 3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw.draw(st.sampled_from(paths))
        delete = draw.draw(st.booleans())
        _set(data, path, None if delete else draw.draw(JUNK), delete)
    snapshot = copy.deepcopy(data)
    problems = validate_model_data(model, data)
    assert data == snapshot  # validation never changes its input
    if problems:
        assert all(p.message for p in problems)
        assert any(p.path for p in problems)
        with pytest.raises(ManifestValidationError) as info:
            model.from_manifest(data)
        assert list(info.value.problems) == problems
    else:
        assert model.from_manifest(data).to_manifest() == snapshot
