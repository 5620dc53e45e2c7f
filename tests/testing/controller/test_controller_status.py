"""Pure status rendering: conditions per verdict, lastTransitionTime, foreign ancestors."""

from __future__ import annotations

from typing import Any

from gke_service_extensions.testing._controller import Failure
from gke_service_extensions.testing._controller._status import (
    ancestor_ref,
    desired_conditions,
    merge_ancestors,
    merge_conditions,
)

GW = ("default", "gw")
OURS = "networking.gke.io/gateway"


def summary(conditions: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(c["type"], c["status"], c["reason"]) for c in conditions]


def test_programmed_ancestor_has_three_true_conditions_at_the_generation() -> None:
    conds = desired_conditions(None, programmed=True, pending_reason="", generation=3,
                               gateway=GW)
    assert summary(conds) == [("Accepted", "True", "Accepted"),
                              ("ResolvedRefs", "True", "ResolvedRefs"),
                              ("Programmed", "True", "ProgrammingSucceeded")]
    assert {c["observedGeneration"] for c in conds} == {3}


def test_pending_ancestor_is_programmed_unknown_with_the_transient_reason() -> None:
    conds = desired_conditions(None, programmed=False, pending_reason="Provisioning",
                               generation=1, gateway=GW)
    assert summary(conds)[2] == ("Programmed", "Unknown", "Provisioning")


def test_accepted_failure_sets_accepted_and_programmed_false_and_skips_resolved_refs() -> None:
    failure = Failure("Accepted", "NoMatchingTarget", "spec.gatewayRef: gateway ...")
    conds = desired_conditions(failure, programmed=False, pending_reason="", generation=1,
                               gateway=GW)
    assert summary(conds) == [("Accepted", "False", "NoMatchingTarget"),
                              ("Programmed", "False", "NoMatchingTarget")]
    assert conds[0]["message"] == failure.message


def test_resolved_refs_failure_keeps_accepted_true() -> None:
    failure = Failure("ResolvedRefs", "GCPWasmPluginNotFound", "error cause: ...")
    conds = desired_conditions(failure, programmed=False, pending_reason="", generation=1,
                               gateway=GW)
    assert summary(conds) == [("Accepted", "True", "Accepted"),
                              ("ResolvedRefs", "False", "GCPWasmPluginNotFound"),
                              ("Programmed", "False", "GCPWasmPluginNotFound")]


def test_programmed_failure_keeps_accepted_and_resolved_refs_true() -> None:
    conds = desired_conditions(Failure("Programmed", "Internal", "x"), programmed=False,
                               pending_reason="", generation=1, gateway=GW)
    assert summary(conds) == [("Accepted", "True", "Accepted"),
                              ("ResolvedRefs", "True", "ResolvedRefs"),
                              ("Programmed", "False", "Internal")]


def test_last_transition_time_changes_only_when_status_changes() -> None:
    before = merge_conditions(None, desired_conditions(
        None, programmed=False, pending_reason="Pending", generation=1, gateway=GW), "T1")
    after = merge_conditions(before, desired_conditions(
        None, programmed=True, pending_reason="", generation=2, gateway=GW), "T2")
    times = {c["type"]: c["lastTransitionTime"] for c in after}
    assert times == {"Accepted": "T1", "ResolvedRefs": "T1", "Programmed": "T2"}


def foreign(name: str = "gw") -> dict[str, Any]:
    return {"ancestorRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                            "name": name, "namespace": "default"},
            "controllerName": "example.com/other",
            "conditions": [{"type": "Programmed", "status": "True", "reason": "Mine"}]}


def test_merge_keeps_foreign_entries_untouched_and_in_place() -> None:
    ours_old = {"ancestorRef": ancestor_ref(GW), "controllerName": OURS, "conditions": []}
    status = {"ancestors": [foreign(), ours_old, foreign("gw2")], "other": 1}
    conds = desired_conditions(None, programmed=True, pending_reason="", generation=1,
                               gateway=GW)
    new = merge_ancestors(status, {GW: conds}, controller_name=OURS, namespace="default",
                          now="T")
    assert new["other"] == 1
    assert new["ancestors"][0] == foreign()
    assert new["ancestors"][2] == foreign("gw2")
    assert new["ancestors"][1]["controllerName"] == OURS
    assert summary(new["ancestors"][1]["conditions"])[2][1] == "True"


def test_merge_drops_our_stale_entries_and_appends_new_ones() -> None:
    stale = {"ancestorRef": ancestor_ref(("default", "old")), "controllerName": OURS,
             "conditions": []}
    conds = desired_conditions(None, programmed=True, pending_reason="", generation=1,
                               gateway=GW)
    new = merge_ancestors({"ancestors": [stale, foreign()]}, {GW: conds},
                          controller_name=OURS, namespace="default", now="T")
    assert [(e["controllerName"], e["ancestorRef"]["name"]) for e in new["ancestors"]] == [
        ("example.com/other", "gw"), (OURS, "gw")]


def test_merge_with_none_keeps_the_existing_entry_or_adds_nothing() -> None:
    entry = {"ancestorRef": ancestor_ref(GW), "controllerName": OURS,
             "conditions": [{"type": "Programmed", "status": "True"}]}
    kept = merge_ancestors({"ancestors": [entry]}, {GW: None}, controller_name=OURS,
                           namespace="default", now="T")
    assert kept["ancestors"] == [entry]
    assert merge_ancestors(None, {GW: None}, controller_name=OURS, namespace="default",
                           now="T") == {}


def test_ancestor_ref_defaults_match_an_entry_without_group_kind_namespace() -> None:
    entry = {"ancestorRef": {"name": "gw"}, "controllerName": OURS, "conditions": []}
    conds = desired_conditions(None, programmed=True, pending_reason="", generation=1,
                               gateway=GW)
    new = merge_ancestors({"ancestors": [entry]}, {GW: conds}, controller_name=OURS,
                          namespace="default", now="T")
    assert len(new["ancestors"]) == 1
    assert new["ancestors"][0]["ancestorRef"] == ancestor_ref(GW)


def test_merge_respects_the_crd_limit_of_sixteen_ancestors() -> None:
    status = {"ancestors": [foreign(f"f{i}") for i in range(15)]}
    conds = desired_conditions(None, programmed=True, pending_reason="", generation=1,
                               gateway=GW)
    new = merge_ancestors(status, {("default", "a"): conds, ("default", "b"): conds},
                          controller_name=OURS, namespace="default", now="T")
    assert len(new["ancestors"]) == 16
