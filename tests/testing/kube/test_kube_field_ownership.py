"""managedFields bookkeeping and server-side apply, as pure functions."""

from __future__ import annotations

from typing import Any

import pytest

from gke_service_extensions.testing._kube._apply import (
    ApplyConflict,
    apply_config,
    path_string,
    record_update,
)

AV = "networking.gke.io/v1"


def _cfg(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": AV, "kind": "GCPTrafficExtension",
            "metadata": {"name": "x", "namespace": "default"}, "spec": spec}


def _managers(obj: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["manager"], e["operation"]): e["fieldsV1"]
            for e in obj["metadata"]["managedFields"]}


def test_apply_to_missing_object_owns_every_field() -> None:
    new = apply_config(None, _cfg(a=1, b={"c": 2}), "alice", AV)
    assert _managers(new)[("alice", "Apply")] == {"f:spec": {"f:a": {}, "f:b": {"f:c": {}}}}


def test_second_manager_changing_a_field_conflicts_with_the_real_message() -> None:
    live = apply_config(None, _cfg(a=1), "alice", AV)
    with pytest.raises(ApplyConflict) as err:
        apply_config(live, _cfg(a=2), "bob", AV)
    assert str(err.value) == 'Apply failed with 1 conflict: conflict with "alice": .spec.a'
    assert err.value.causes == [(".spec.a", 'conflict with "alice"')]


def test_same_value_is_shared_without_conflict() -> None:
    live = apply_config(None, _cfg(a=1), "alice", AV)
    new = apply_config(live, _cfg(a=1), "bob", AV)
    owners = _managers(new)
    assert "f:a" in owners[("alice", "Apply")]["f:spec"]
    assert "f:a" in owners[("bob", "Apply")]["f:spec"]


def test_force_takes_ownership() -> None:
    live = apply_config(None, _cfg(a=1, b=1), "alice", AV)
    new = apply_config(live, _cfg(a=2), "bob", AV, force=True)
    assert new["spec"] == {"a": 2, "b": 1}
    owners = _managers(new)
    assert owners[("alice", "Apply")] == {"f:spec": {"f:b": {}}}
    assert owners[("bob", "Apply")] == {"f:spec": {"f:a": {}}}


def test_fields_dropped_from_config_are_removed_unless_owned_elsewhere() -> None:
    live = apply_config(None, _cfg(a=1, b=1), "alice", AV)
    new = apply_config(live, _cfg(a=1), "alice", AV)
    assert new["spec"] == {"a": 1}


def test_update_manager_conflict_names_api_version() -> None:
    live = _cfg(a=1)
    live["metadata"]["managedFields"] = record_update(None, live, "kubectl-edit", AV, None)
    with pytest.raises(ApplyConflict, match=r'conflict with "kubectl-edit" using '
                                            r"networking.gke.io/v1 at .*: \.spec\.a"):
        apply_config(live, _cfg(a=5), "alice", AV)


def test_update_takes_changed_fields_from_other_managers() -> None:
    live = apply_config(None, _cfg(a=1, b=1), "alice", AV)
    changed = _cfg(a=2, b=1)
    managed = record_update(live, changed, "editor", AV, None)
    owners = {(e["manager"], e["operation"]): e["fieldsV1"] for e in managed}
    assert owners[("editor", "Update")] == {"f:spec": {"f:a": {}}}
    assert owners[("alice", "Apply")] == {"f:spec": {"f:b": {}}}


def test_keyed_lists_are_owned_per_item() -> None:
    live = apply_config(None, _cfg(chains=[{"name": "c1", "x": 1}]), "alice", AV)
    new = apply_config(live, _cfg(chains=[{"name": "c2", "x": 2}]), "bob", AV)
    assert [c["name"] for c in new["spec"]["chains"]] == ["c1", "c2"]  # merged by key
    with pytest.raises(ApplyConflict, match=r'\.spec\.chains\[name="c2"\]\.x'):
        apply_config(new, _cfg(chains=[{"name": "c2", "x": 3}]), "carol", AV)


def test_multiple_conflicts_message_lists_paths_per_manager() -> None:
    live = apply_config(None, _cfg(a=1, b=1), "alice", AV)
    with pytest.raises(ApplyConflict) as err:
        apply_config(live, _cfg(a=2, b=2), "bob", AV)
    assert str(err.value) == ('Apply failed with 2 conflicts: conflicts with "alice":\n'
                              "- .spec.a\n- .spec.b")


def test_path_string_formats_keys() -> None:
    assert path_string(("f:spec", 'k:{"name":"c"}', "f:x")) == '.spec[name="c"].x'


def test_dropping_a_keyed_item_removes_it_when_nobody_else_owns_it() -> None:
    live = apply_config(None, _cfg(chains=[{"name": "c1", "x": 1}, {"name": "c2", "x": 2}]),
                        "alice", AV)
    new = apply_config(live, _cfg(chains=[{"name": "c2", "x": 2}]), "alice", AV)
    assert new["spec"]["chains"] == [{"name": "c2", "x": 2}]
