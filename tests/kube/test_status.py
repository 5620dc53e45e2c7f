"""Pure status evaluation: every case of SPEC §4."""

from __future__ import annotations

from typing import Any

import pytest

from gke_service_extensions.kube._status import (
    GKE_CONTROLLER_NAME,
    AncestorState,
    Freshness,
    GatewayRef,
    Outcome,
    WaitMode,
    evaluate,
    expected_ancestors,
)


def cond(ctype: str, status: str, reason: str, gen: int | None = 1, message: str = "",
         ) -> dict[str, Any]:
    c: dict[str, Any] = {"type": ctype, "status": status, "reason": reason, "message": message,
                         "lastTransitionTime": "2026-01-01T00:00:00Z"}
    if gen is not None:
        c["observedGeneration"] = gen
    return c


def programmed(gen: int | None = 1) -> list[dict[str, Any]]:
    return [cond("Accepted", "True", "Accepted", gen),
            cond("ResolvedRefs", "True", "ResolvedRefs", gen),
            cond("Programmed", "True", "ProgrammingSucceeded", gen)]


def entry(gw: str, conditions: list[dict[str, Any]], *, ns: str | None = "default",
          controller: str = GKE_CONTROLLER_NAME) -> dict[str, Any]:
    ref: dict[str, Any] = {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gw}
    if ns is not None:
        ref["namespace"] = ns
    return {"ancestorRef": ref, "controllerName": controller, "conditions": conditions}


def ext(*, targets: tuple[str, ...] = ("gw",), generation: int = 1,
        ancestors: list[dict[str, Any]] | None = None, kind: str = "GCPTrafficExtension",
        **extra_status: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "networking.gke.io/v1", "kind": kind,
        "metadata": {"name": "my-ext", "namespace": "default", "generation": generation},
        "spec": {},
    }
    if targets:
        obj["spec"]["targetRefs"] = [
            {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": t} for t in targets]
    if ancestors is not None:
        obj["status"] = {"ancestors": ancestors, **extra_status}
    return obj


def test_all_targets_programmed_is_programmed() -> None:
    state = evaluate(ext(targets=("a", "b"),
                         ancestors=[entry("a", programmed()), entry("b", programmed())]))
    assert state.outcome is Outcome.PROGRAMMED
    assert state.done
    assert [a.state for a in state.ancestors] == [AncestorState.PROGRAMMED] * 2
    assert all(a.freshness is Freshness.FRESH for a in state.ancestors)
    assert state.ancestors[0].reason == "ProgrammingSucceeded"


def test_one_of_two_targets_programmed_is_pending_in_all_mode() -> None:
    state = evaluate(ext(targets=("a", "b"), ancestors=[entry("a", programmed())]))
    assert state.outcome is Outcome.PENDING
    b = state.ancestors[1]
    assert b.ancestor == GatewayRef("b", "default")
    assert b.state is AncestorState.PENDING
    assert not b.reported
    assert "not reported" in b.summary()


def test_one_of_two_targets_programmed_is_enough_in_any_mode() -> None:
    state = evaluate(ext(targets=("a", "b"), ancestors=[entry("a", programmed())]),
                     mode=WaitMode.ANY)
    assert state.outcome is Outcome.PROGRAMMED


def test_expected_ancestors_come_from_target_refs_not_from_present_ancestors() -> None:
    # An ancestor that is not a target does not make the object programmed.
    state = evaluate(ext(targets=("a",), ancestors=[entry("other", programmed())]))
    assert state.outcome is Outcome.PENDING
    assert [a.ancestor.name for a in state.ancestors] == ["a"]


def test_stale_programmed_true_after_spec_update_is_pending() -> None:
    state = evaluate(ext(generation=2, ancestors=[entry("gw", programmed(gen=1))]))
    assert state.outcome is Outcome.PENDING
    a = state.ancestors[0]
    assert a.status == "True"
    assert a.freshness is Freshness.STALE
    assert a.observed_generation == 1
    assert "stale" in a.summary()


def test_missing_observed_generation_is_accepted_but_flagged_unverified() -> None:
    state = evaluate(ext(generation=3, ancestors=[entry("gw", programmed(gen=None))]))
    assert state.outcome is Outcome.PROGRAMMED
    assert state.ancestors[0].freshness is Freshness.UNVERIFIED
    assert "unverified" in state.ancestors[0].summary()


def test_status_observed_generation_is_the_fallback_for_conditions() -> None:
    stale = evaluate(ext(generation=2, ancestors=[entry("gw", programmed(gen=None))],
                         observedGeneration=1))
    fresh = evaluate(ext(generation=2, ancestors=[entry("gw", programmed(gen=None))],
                         observedGeneration=2))
    assert stale.outcome is Outcome.PENDING
    assert stale.ancestors[0].freshness is Freshness.STALE
    assert fresh.outcome is Outcome.PROGRAMMED
    assert fresh.ancestors[0].freshness is Freshness.FRESH


@pytest.mark.parametrize(("ctype", "reason"), [
    ("Accepted", "InvalidCELExpression"),
    ("Accepted", "Conflicted"),
    ("Accepted", "NoMatchingTarget"),
    ("Accepted", "SomeFutureReason"),
    ("ResolvedRefs", "GCPWasmPluginNotFound"),
    ("ResolvedRefs", "ExtensionServiceNotFound"),
    ("Programmed", "Invalid"),
])
def test_terminal_false_reasons_fail_with_reason_and_message(ctype: str, reason: str) -> None:
    conditions = {c["type"]: c for c in programmed()}
    conditions["Programmed"] = cond("Programmed", "Unknown", "Pending")
    conditions[ctype] = cond(ctype, "False", reason, message="it broke")
    state = evaluate(ext(ancestors=[entry("gw", list(conditions.values()))]))
    assert state.outcome is Outcome.FAILED
    failure = state.failure
    assert failure is not None
    assert (failure.condition, failure.reason, failure.message) == (ctype, reason, "it broke")
    assert f"{ctype}=False reason={reason}: it broke" in failure.summary()


def test_stale_terminal_false_is_not_a_failure() -> None:
    conditions = [cond("Accepted", "False", "InvalidCELExpression", gen=1),
                  cond("Programmed", "False", "Invalid", gen=1)]
    state = evaluate(ext(generation=2, ancestors=[entry("gw", conditions)]))
    assert state.outcome is Outcome.PENDING


@pytest.mark.parametrize(("status", "reason"), [
    ("Unknown", "Pending"), ("False", "Pending"), ("False", "ProgrammingInProgress"),
])
def test_unknown_or_non_terminal_false_programmed_is_pending(status: str, reason: str) -> None:
    conditions = [*programmed()[:2], cond("Programmed", status, reason)]
    state = evaluate(ext(ancestors=[entry("gw", conditions)]))
    assert state.outcome is Outcome.PENDING
    assert state.ancestors[0].status == status


def test_accepted_false_pending_is_not_terminal() -> None:
    state = evaluate(ext(ancestors=[entry("gw", [cond("Accepted", "False", "Pending")])]))
    assert state.outcome is Outcome.PENDING


def test_missing_condition_is_pending() -> None:
    state = evaluate(ext(ancestors=[entry("gw", programmed()[:1])]))
    assert state.outcome is Outcome.PENDING
    assert state.ancestors[0].status is None
    assert "not reported yet" in state.ancestors[0].summary()


def test_other_controllers_entries_are_ignored() -> None:
    state = evaluate(ext(ancestors=[
        entry("gw", programmed(), controller="example.com/other"),
        entry("gw", [cond("Accepted", "False", "Invalid")], controller="example.com/other2"),
    ]))
    assert state.outcome is Outcome.PENDING
    assert not state.ancestors[0].reported


def test_custom_controller_name_and_condition() -> None:
    conditions = [cond("Ready", "True", "Ok")]
    state = evaluate(ext(ancestors=[entry("gw", conditions, controller="me/ctl")]),
                     condition="Ready", controller_name="me/ctl")
    assert state.outcome is Outcome.PROGRAMMED


def test_deleting_object_is_deleted() -> None:
    obj = ext(ancestors=[entry("gw", programmed())])
    obj["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    state = evaluate(obj)
    assert state.outcome is Outcome.DELETED
    assert state.done
    assert "being deleted" in state.summary()


def test_ancestor_namespace_defaults_to_the_objects() -> None:
    state = evaluate(ext(ancestors=[entry("gw", programmed(), ns=None)]))
    assert state.outcome is Outcome.PROGRAMMED


def test_gateway_in_other_namespace_does_not_match() -> None:
    same = evaluate(ext(ancestors=[entry("gw", programmed(), ns="default")]))
    assert same.outcome is Outcome.PROGRAMMED  # control: the same entry in the object's ns
    state = evaluate(ext(ancestors=[entry("gw", programmed(), ns="other")]))
    assert state.outcome is Outcome.PENDING
    assert [a.ancestor for a in state.ancestors] == [GatewayRef("gw", "default")]
    assert not state.ancestors[0].reported


def test_explicit_gateways_override_target_refs() -> None:
    obj = ext(targets=("a",), ancestors=[entry("a", programmed())])
    state = evaluate(obj, gateways=[GatewayRef("b")])
    assert state.outcome is Outcome.PENDING
    assert state.ancestors[0].ancestor == GatewayRef("b", "default")


def test_wasm_plugin_without_targets_needs_at_least_one_gke_ancestor() -> None:
    none_yet = evaluate(ext(kind="GCPWasmPlugin", targets=(), ancestors=[]))
    assert none_yet.outcome is Outcome.PENDING
    assert "no ancestor" in none_yet.summary()
    both = evaluate(ext(kind="GCPWasmPlugin", targets=(), ancestors=[
        entry("a", programmed()), entry("b", programmed()[:2]),
        entry("c", [cond("Accepted", "False", "Invalid")], controller="x/y"),
    ]))
    assert [a.ancestor.name for a in both.ancestors] == ["a", "b"]
    assert both.outcome is Outcome.PENDING


def test_wasm_plugin_with_explicit_gateway() -> None:
    state = evaluate(ext(kind="GCPWasmPlugin", targets=(), ancestors=[entry("a", programmed())]),
                     gateways=[GatewayRef("a", "default")])
    assert state.outcome is Outcome.PROGRAMMED


def test_any_mode_fails_only_when_every_ancestor_failed() -> None:
    bad = [cond("Accepted", "False", "Conflicted")]
    one = evaluate(ext(targets=("a", "b"), ancestors=[entry("a", bad)]), mode=WaitMode.ANY)
    both = evaluate(ext(targets=("a", "b"), ancestors=[entry("a", bad), entry("b", bad)]),
                    mode=WaitMode.ANY)
    assert one.outcome is Outcome.PENDING
    assert both.outcome is Outcome.FAILED


def test_all_mode_fails_on_first_failure_even_if_others_pending() -> None:
    bad = [cond("ResolvedRefs", "False", "ExtensionServiceNotFound")]
    state = evaluate(ext(targets=("a", "b"), ancestors=[entry("b", bad)]))
    assert state.outcome is Outcome.FAILED
    assert state.failure is not None
    assert state.failure.ancestor.name == "b"


def test_non_gateway_target_refs_are_not_expected_ancestors() -> None:
    obj = ext(targets=())
    obj["spec"]["targetRefs"] = [{"group": "", "kind": "Service", "name": "svc"},
                                 {"kind": "Gateway", "name": "gw", "namespace": "infra"}]
    assert expected_ancestors(obj) == [GatewayRef("gw", "infra")]


def test_malformed_status_does_not_crash() -> None:
    obj = ext()
    obj["status"] = {"ancestors": ["junk", {"ancestorRef": None, "controllerName": 3},
                                   {"controllerName": GKE_CONTROLLER_NAME, "conditions": "x",
                                    "ancestorRef": {"name": "gw"}}]}
    state = evaluate(obj)
    assert state.outcome is Outcome.PENDING


def test_summary_has_one_line_per_expected_ancestor() -> None:
    state = evaluate(ext(targets=("a", "b", "c"), generation=2, ancestors=[
        entry("a", programmed(gen=2)), entry("b", programmed(gen=1))]))
    lines = state.summary_lines()
    assert len(lines) == 3
    assert lines[0].startswith("Gateway default/a: Programmed")
    assert lines[1].startswith("Gateway default/b: Pending")
    assert "stale" in lines[1]
    assert lines[2].startswith("Gateway default/c: Pending")
    assert state.summary().startswith("GCPTrafficExtension default/my-ext: Pending")
