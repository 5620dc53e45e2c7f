"""Assigning a field is validated: type and the field's own CRD rules at once, the rules that
relate fields at ``validated()``; a refused assignment changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from gke_service_extensions import ManifestValidationError
from gke_service_extensions.models import (
    GCPTrafficExtension,
    GCPWasmPlugin,
    LogConfig,
    UnknownFields,
    WasmPluginVersion,
)

IMAGE = "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"


def plugin_manifest(*weights: int) -> dict[str, Any]:
    return {"apiVersion": "networking.gke.io/v1", "kind": "GCPWasmPlugin",
            "metadata": {"name": "p", "namespace": "default"},
            "spec": {"versions": [{"name": f"v{i}", "image": IMAGE, "weight": w}
                                  for i, w in enumerate(weights)]}}


def plugin(*weights: int) -> GCPWasmPlugin:
    return GCPWasmPlugin.from_manifest(plugin_manifest(*(weights or (1000000,))))


@pytest.mark.parametrize(("value", "message"), [
    ("lots", "weight: Input should be a valid integer"),
    (-5, "weight: must be between 0 and 1000000, got -5"),
    (2_000_000, "weight: must be between 0 and 1000000, got 2000000"),
    (None, "weight: Input should be a valid integer"),
])
def test_bad_value_is_refused_and_nothing_changes(value: Any, message: str) -> None:
    p = plugin()
    before = p.to_manifest()
    with pytest.raises(ManifestValidationError) as info:
        p.spec.versions[0].weight = value
    assert message in str(info.value)
    assert str(info.value).startswith("WasmPluginVersion is invalid: 1 problem")
    assert p.to_manifest() == before
    assert p.spec.versions[0].weight == 1000000


def test_good_value_is_taken_and_reaches_the_manifest() -> None:
    p = plugin(1000000, 0)
    p.spec.versions[0].weight = 0
    p.spec.versions[1].weight = 1000000
    assert [v["weight"] for v in p.to_manifest()["spec"]["versions"]] == [0, 1000000]
    assert p.validated() is p


def test_field_rules_of_strings_run_on_assignment() -> None:
    p = plugin()
    with pytest.raises(ManifestValidationError, match=r"name: must be a lowercase"):
        p.spec.versions[0].name = "Not_A_Label"
    with pytest.raises(ManifestValidationError, match=r"name: must be a lowercase"):
        p.metadata.name = "Bad Name"
    assert (p.spec.versions[0].name, p.metadata.name) == ("v0", "p")


def test_refused_assignment_of_an_unset_field_leaves_it_unset() -> None:
    p = plugin()
    assert "logConfig" not in p.to_manifest()["spec"]
    with pytest.raises(ManifestValidationError):
        p.spec.log_config = "verbose"  # type: ignore[assignment]
    assert "logConfig" not in p.to_manifest()["spec"]
    assert "log_config" not in p.spec.model_fields_set


def test_a_nested_part_is_checked_when_assigned() -> None:
    p = plugin()
    with pytest.raises(ManifestValidationError, match=r"sampleRate: must be between 0 and"):
        p.spec.log_config = LogConfig.model_validate({"enabled": True, "sampleRate": 5_000_000})
    with pytest.raises(ManifestValidationError, match=r"versions\[0\]\.weight: must be between"):
        p.spec.versions = [WasmPluginVersion.model_validate(
            {"name": "v9", "image": IMAGE, "weight": -1})]
    with pytest.raises(ManifestValidationError, match=r"versions: must have at least 1 item"):
        p.spec.versions = []
    assert [v.name for v in p.spec.versions] == ["v0"]


def test_a_typo_in_an_attribute_name_is_refused() -> None:
    p = plugin()
    with pytest.raises(ManifestValidationError, match=r"has no field 'wieght' \(did you mean "
                                                      r"'weight'\?\)"):
        p.spec.versions[0].wieght = 5
    assert "wieght" not in p.to_manifest()["spec"]["versions"][0]


def test_a_preserved_unknown_field_can_be_reassigned() -> None:
    m = plugin_manifest(1000000)
    m["spec"]["newerField"] = "a"
    p = GCPWasmPlugin.from_manifest(m, unknown_fields=UnknownFields.PRESERVE)
    p.spec.newerField = "b"
    assert p.to_manifest()["spec"]["newerField"] == "b"


def test_rules_across_fields_wait_for_validated() -> None:
    p = plugin(1000000, 0)
    p.spec.versions[1].name = "v0"  # each field fine on its own; the names now repeat
    p.spec.versions[1].weight = 1000000  # and two versions serve
    with pytest.raises(ManifestValidationError) as info:
        p.validated()
    text = str(info.value)
    assert "version names must be unique" in text
    assert len(p.problems()) == len(info.value.problems) >= 2


def test_assignment_on_a_traffic_extension_checks_its_fields() -> None:
    ext = GCPTrafficExtension.from_manifest({
        "apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
        "metadata": {"name": "t", "namespace": "default"},
        "spec": {"targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                 "name": "gw"}],
                 "extensionChains": [{"name": "c", "matchCondition": {"celExpressions": [
                     {"celMatcher": "request.path == '/'"}]}, "extensions": [{
                         "name": "e", "authority": "a.example.com", "timeout": "1s",
                         "supportedEvents": ["RequestHeaders"],
                         "backendRef": {"group": "", "kind": "Service", "name": "s",
                                        "port": 443}}]}]}})
    chain = ext.spec.extension_chains[0]
    with pytest.raises(ManifestValidationError, match=r"extensions: Input should be a valid list"):
        chain.extensions = "e"  # type: ignore[assignment]
    chain.name = "chain-2"
    assert ext.to_manifest()["spec"]["extensionChains"][0]["name"] == "chain-2"
