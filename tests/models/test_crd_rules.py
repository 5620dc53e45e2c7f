"""Deriving a CRD profile from served CustomResourceDefinitions (pure, no cluster)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from gke_service_extensions.models import (
    MODELS,
    PROFILES,
    GCPRoutingExtension,
    GCPTrafficExtension,
    profile_from_crds,
    to_crd,
    validate_manifest,
)
from gke_service_extensions.models._crd_rules import kind_rules_from_schema

CRDS = Path(__file__).resolve().parents[1] / "data" / "crds"
GUIDE_SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "traffic-extension.yaml"


def _real(plural: str) -> dict[str, Any]:
    return yaml.safe_load((CRDS / f"networking.gke.io_{plural}.yaml").read_text())  # type: ignore[no-any-return]


def _real_crds() -> list[dict[str, Any]]:
    return [_real("gcptrafficextensions"), _real("gcproutingextensions")]


def _schema(crd: dict[str, Any]) -> dict[str, Any]:
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]  # type: ignore[no-any-return]


def _ext(crd: dict[str, Any]) -> dict[str, Any]:
    chains = _schema(crd)["properties"]["spec"]["properties"]["extensionChains"]
    return chains["items"]["properties"]["extensions"]["items"]  # type: ignore[no-any-return]


def _cel(crd: dict[str, Any]) -> dict[str, Any]:
    chain = _schema(crd)["properties"]["spec"]["properties"]["extensionChains"]["items"]
    return chain["properties"]["matchCondition"]["properties"][  # type: ignore[no-any-return]
        "celExpressions"]["items"]


def test_the_real_newest_crds_give_the_newest_profile_rule_for_rule() -> None:
    derived = profile_from_crds(_real_crds())
    newest = PROFILES["newest"]
    assert derived.traffic == newest.traffic
    assert derived.routing == newest.routing
    assert derived.name == "newest"
    assert derived.source == "from the cluster"


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_crds_generated_for_a_profile_give_that_profile_back(name: str) -> None:
    crds = [to_crd(model, profile=name) for model in MODELS]
    derived = profile_from_crds(crds, source="from a test")
    assert derived == PROFILES[name]
    assert derived.name == name
    assert derived.source == "from a test"


def test_profiles_differ_so_the_round_trip_can_fail() -> None:
    # positive control for the test above: the generations are told apart
    old = [to_crd(m, profile="gke-1.33") for m in (GCPTrafficExtension, GCPRoutingExtension)]
    assert profile_from_crds(old).traffic != PROFILES["newest"].traffic


def test_descriptions_do_not_matter_only_the_rules() -> None:
    crds = _real_crds()
    for crd in crds:
        _schema(crd)["description"] = "rewritten"
        _ext(crd)["properties"]["timeout"]["description"] = "rewritten too"
    assert profile_from_crds(crds).name == "newest"


def test_rules_read_from_each_part_of_the_schema() -> None:
    traffic = _real("gcptrafficextensions")
    ext = _ext(traffic)
    ext["properties"]["backendRef"]["properties"]["kind"]["enum"] = ["Service",
                                                                    "GCPWasmPlugin"]
    del _schema(traffic)["properties"]["spec"]["properties"]["extensionChains"][
        "x-kubernetes-validations"]
    ext["properties"]["supportedEvents"]["items"]["enum"] = ["RequestHeaders",
                                                            "ResponseHeaders"]
    ext["properties"]["googleAPIServiceName"]["pattern"] = r"^x\.googleapis\.com$"
    del ext["properties"]["observabilityMode"]
    del ext["properties"]["backendRef"]["properties"]["port"]["maximum"]
    del ext["properties"]["backendRef"]["properties"]["port"]["minimum"]
    _cel(traffic)["properties"]["backendRefs"]["maxItems"] = 4
    _cel(traffic)["properties"]["backendRefs"]["x-kubernetes-validations"][0]["rule"] = (
        "self.all(ref, ref.kind == 'Service')")
    rules = kind_rules_from_schema("GCPTrafficExtension", _schema(traffic))
    assert rules.backend_kinds == ("Service", "GCPWasmPlugin")
    assert rules.backend_groups == ("", "networking.gke.io")
    assert rules.require_supported_events is False
    assert rules.allowed_events == ("RequestHeaders", "ResponseHeaders")
    assert rules.google_api_service_name.regex == r"^x\.googleapis\.com$"
    assert rules.google_api_service_name.matches("x.googleapis.com")
    assert rules.observability_mode is False
    assert rules.backend_port_range is False
    assert rules.cel_backend_refs_max == 4
    assert rules.cel_backend_kinds == ("Service",)
    assert rules.cel_extra_attributes == {"request.backend_service_num_endpoints"}


def test_a_required_list_also_requires_supported_events() -> None:
    routing = _real("gcproutingextensions")
    _ext(routing)["required"] = ["name", "supportedEvents"]
    rules = kind_rules_from_schema("GCPRoutingExtension", _schema(routing))
    assert rules.require_supported_events is True


def test_a_conditional_rule_on_supported_events_does_not_require_them() -> None:
    # the real CRD's body-mode rules mention supportedEvents only under a condition
    rules = kind_rules_from_schema("GCPRoutingExtension",
                                   _schema(_real("gcproutingextensions")))
    assert any("supportedEvents" in v["rule"]
               for v in _ext(_real("gcproutingextensions"))["x-kubernetes-validations"])
    assert rules.require_supported_events is False


def test_rules_matching_no_named_profile_are_named_cluster_and_applied() -> None:
    crds = _real_crds()
    # the newest CRDs without the supportedEvents rule: no generation we know of
    del _schema(crds[0])["properties"]["spec"]["properties"]["extensionChains"][
        "x-kubernetes-validations"]
    derived = profile_from_crds(crds)
    assert derived.name == "cluster"
    assert derived.source == "from the cluster"
    assert derived.traffic.require_supported_events is False
    assert derived.traffic.observability_mode is True
    guide = yaml.safe_load(GUIDE_SAMPLE.read_text())
    assert validate_manifest(guide, profile=derived) == []
    assert validate_manifest(guide, profile="newest") != []


def test_a_kind_without_a_crd_keeps_the_fallback_rules() -> None:
    derived = profile_from_crds([_real("gcproutingextensions")],
                                fallback=PROFILES["gke-1.33"])
    assert derived.traffic == PROFILES["gke-1.33"].traffic
    assert derived.name == "gke-1.33"


def test_other_crds_and_junk_are_ignored() -> None:
    other = copy.deepcopy(_real("gcptrafficextensions"))
    other["spec"]["group"] = "example.com"
    _ext(other)["required"] = ["name", "supportedEvents"]
    derived = profile_from_crds([other, {"spec": "nonsense"}, {}, *_real_crds()])
    assert derived == PROFILES["newest"]
    assert profile_from_crds([]) == PROFILES["newest"]


def test_an_unserved_version_is_not_read() -> None:
    traffic = _real("gcptrafficextensions")
    traffic["spec"]["versions"][0]["served"] = False
    old = to_crd(GCPTrafficExtension, profile="gke-1.33")
    derived = profile_from_crds([traffic], fallback=PROFILES["gke-1.33"])
    assert derived.traffic == profile_from_crds([old]).traffic


def test_an_open_schema_enforces_nothing_generation_dependent() -> None:
    open_schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    rules = kind_rules_from_schema("GCPTrafficExtension", open_schema)
    assert rules.backend_kinds == ("Service", "ServiceImport", "GCPWasmPlugin",
                                   "ApigeeBackendService")
    assert rules.require_supported_events is False
    assert rules.observability_mode is True
    assert rules.google_api_service_name.matches("anything.example.com")
    assert rules.cel_backend_refs_max is None
    assert rules.backend_port_range is False
    routing = kind_rules_from_schema("GCPRoutingExtension", open_schema)
    assert routing.allowed_events == ("RequestHeaders", "RequestBody", "RequestTrailers")
