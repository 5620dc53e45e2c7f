"""Loading, dumping and round-tripping manifests; strict versus lenient reading."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gke_service_extensions import (
    ManifestParseError,
    ManifestValidationError,
    UnknownKindError,
)
from gke_service_extensions.models import (
    Gateway,
    GCPRoutingExtension,
    GCPTrafficExtension,
    GCPWasmPlugin,
    OtherKinds,
    UnknownFields,
    dump_manifests,
    load_manifests,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_docs_sample_loads_validates_and_round_trips(path: Path) -> None:
    # The guide's traffic extension has no supportedEvents: valid under gke-1.33 only.
    profile = "gke-1.33" if path.name == "traffic-extension.yaml" else "newest"
    objects = load_manifests(path, profile=profile)
    assert [o.to_manifest() for o in objects] == _documents(path)  # type: ignore[union-attr]


def test_guides_traffic_extension_sample_is_rejected_by_the_newest_profile() -> None:
    with pytest.raises(ManifestValidationError) as info:
        load_manifests(EXAMPLES / "traffic-extension.yaml")
    assert info.value.profile == "newest"
    assert info.value.document_index == 0
    assert "supportedEvents" in str(info.value)
    assert "'newest' CRD profile" in str(info.value)


def test_load_dispatches_on_api_version_and_kind() -> None:
    objs = load_manifests(EXAMPLES / "wasm-plugin.yaml")
    assert [type(o) for o in objs] == [GCPWasmPlugin, GCPTrafficExtension]
    routing = load_manifests((EXAMPLES / "routing-extension.yaml").read_text())
    assert isinstance(routing[0], GCPRoutingExtension)


def test_dump_then_load_gives_equal_objects() -> None:
    objs = load_manifests(EXAMPLES / "wasm-plugin.yaml")
    again = load_manifests(dump_manifests(objs))  # type: ignore[arg-type]
    assert again == objs


def test_document_of_another_kind_is_an_error_naming_index_and_kind() -> None:
    text = (EXAMPLES / "routing-extension.yaml").read_text() + (
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n")
    with pytest.raises(UnknownKindError) as info:
        load_manifests(text)
    assert info.value.document_index == 1
    assert info.value.kind == "Deployment"
    assert "document 1" in str(info.value)
    assert "apps/v1/Deployment" in str(info.value)


def test_document_of_another_kind_comes_back_as_dict_when_asked() -> None:
    text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
    (obj,) = load_manifests(text, other_kinds=OtherKinds.RETURN_DICT)
    assert obj == {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}


def test_gateway_documents_load_as_lenient_gateway_models() -> None:
    text = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: external-http
  annotations:
    networking.gke.io/lb-traffic-extensions: "/projects/1/locations/global/lbTrafficExtensions/a,
      projects/1/locations/global/lbTrafficExtensions/b"
spec:
  gatewayClassName: gke-l7-global-external-managed
  listeners: [{name: http, protocol: HTTP, port: 80}]
  infrastructure: {labels: {a: b}}
status:
  addresses: [{type: IPAddress, value: 203.0.113.7}]
"""
    (gw,) = load_manifests(text)
    assert isinstance(gw, Gateway)
    assert gw.address == "203.0.113.7"
    assert gw.gke_annotation("lb-traffic-extensions") == [
        "/projects/1/locations/global/lbTrafficExtensions/a",
        "projects/1/locations/global/lbTrafficExtensions/b",
    ]
    assert gw.gke_annotation("wasm-plugins") == []
    assert gw.to_manifest()["spec"]["infrastructure"] == {"labels": {"a": "b"}}


def test_invalid_yaml_is_a_parse_error_with_line() -> None:
    with pytest.raises(ManifestParseError, match="line 2"):
        load_manifests("kind: GCPWasmPlugin\n  bad: [\n")


def test_non_mapping_document_is_a_parse_error() -> None:
    with pytest.raises(ManifestParseError, match="document 0 is not a mapping"):
        load_manifests("- a\n- b\n")


def test_missing_file_is_a_clear_error() -> None:
    with pytest.raises(ManifestParseError, match="no such manifest file"):
        load_manifests("does-not-exist.yaml")


def test_yaml_is_loaded_safely() -> None:
    with pytest.raises(ManifestParseError):
        load_manifests("!!python/object/apply:os.system ['true']\n")


def test_cluster_objects_keep_fields_this_version_does_not_know(
    sample: Callable[[str], dict[str, Any]],
) -> None:
    data = sample("traffic")
    data["metadata"].update({
        "uid": "0b7c", "resourceVersion": "42", "generation": 3,
        "managedFields": [{"manager": "kubectl", "operation": "Apply"}],
    })
    data["spec"]["extensionChains"][0]["extensions"][0]["futureKnob"] = {"x": 1}
    data["spec"]["newerSpecField"] = ["a"]
    data["status"] = {"ancestors": [{
        "ancestorRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                        "name": "external-http", "namespace": "default"},
        "controllerName": "networking.gke.io/gateway",
        "conditions": [{"type": "Programmed", "status": "True",
                        "reason": "ProgrammingSucceeded", "message": "",
                        "observedGeneration": 3,
                        "lastTransitionTime": "2026-11-26T00:00:00Z",
                        "futureConditionField": True}],
        "futureAncestorField": "x"}], "futureStatusField": 1}
    original = copy.deepcopy(data)
    obj = GCPTrafficExtension.from_manifest(data, unknown_fields=UnknownFields.PRESERVE)
    assert obj.to_manifest() == original
    assert obj.metadata.generation == 3
    assert obj.status is not None
    cond = obj.status.ancestors[0].condition("Programmed")
    assert cond is not None
    assert cond.observed_generation == 3


def test_unknown_fields_written_by_a_person_are_errors(
    sample: Callable[[str], dict[str, Any]],
) -> None:
    data = sample("traffic")
    data["spec"]["newerSpecField"] = ["a"]
    with pytest.raises(ManifestValidationError, match="unknown field 'newerSpecField'"):
        GCPTrafficExtension.from_manifest(data)


def test_lenient_reading_trusts_rules_the_server_already_applied(
    sample: Callable[[str], dict[str, Any]],
) -> None:
    # A 1.33 cluster stores traffic extensions without supportedEvents.
    data = sample("traffic")
    del data["spec"]["extensionChains"][0]["extensions"][0]["supportedEvents"]
    obj = GCPTrafficExtension.from_manifest(data, unknown_fields=UnknownFields.PRESERVE)
    assert obj.problems() != []
    assert obj.problems(profile="gke-1.33") == []


def test_lenient_reading_keeps_wrong_types_as_sent_and_problems_reports_them(
    sample: Callable[[str], dict[str, Any]],
) -> None:
    data = sample("wasm")
    data["spec"]["versions"][0]["weight"] = "heavy"
    original = copy.deepcopy(data)
    obj = GCPWasmPlugin.from_manifest(data, unknown_fields=UnknownFields.PRESERVE)
    assert obj.to_manifest() == original
    assert "spec.versions[0].weight" in [p.path for p in obj.problems()]
