"""The pure layer: stage, promote, rollback, prune, history; properties over sequences."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rollout_samples import REPO, pure_plugin

from gke_service_extensions import GCPWasmPlugin, VersionChangeError
from gke_service_extensions.rollout import (
    HISTORY_KEY,
    check_invariants,
    history,
    max_versions,
    previous_version,
    promote,
    prune,
    rollback,
    serving_version,
    stage_version,
    switch_weights,
)

T1 = datetime(2026, 1, 1, tzinfo=UTC)
T2 = datetime(2026, 1, 2, tzinfo=UTC)
plugin = pure_plugin


def test_stage_adds_a_zero_weight_version_and_leaves_the_input_alone() -> None:
    before = plugin(("v1", 1_000_000))
    snapshot = copy.deepcopy(before.to_manifest())
    after = stage_version(before, "v2", f"{REPO}:v2", description="second")
    assert before.to_manifest() == snapshot
    assert [(v.name, v.weight, v.description) for v in after.spec.versions] == [
        ("v1", 1_000_000, None), ("v2", 0, "second")]
    assert after.metadata.resource_version == "7"
    assert after.to_manifest()["spec"]["logConfig"] == {"enabled": True}


@pytest.mark.parametrize(("name", "image", "expected"), [
    ("v1", f"{REPO}:new", "version name 'v1' is already taken"),
    ("v2", f"{REPO}:v1", "is already staged as version 'v1'"),
    ("Bad_Name", f"{REPO}:new", "spec.versions[1].name"),
])
def test_stage_refuses_a_taken_name_a_staged_image_or_a_bad_name(
        name: str, image: str, expected: str) -> None:
    with pytest.raises(VersionChangeError) as err:
        stage_version(plugin(("v1", 1_000_000)), name, image)
    assert expected in str(err.value)
    assert isinstance(err.value, ValueError)


def test_stage_refuses_an_eleventh_version() -> None:
    full = plugin(*[(f"v{i}", 1_000_000 if i == 0 else 0) for i in range(max_versions())])
    with pytest.raises(VersionChangeError, match="already has 10 versions, the most GKE allows"):
        stage_version(full, "new", f"{REPO}:new")


def test_promote_moves_the_whole_weight_in_one_step_and_records_history() -> None:
    after = promote(plugin(("v1", 100), ("v2", 0)), "v2", at=T1, digest="sha256:" + "a" * 64)
    assert [(v.name, v.weight) for v in after.spec.versions] == [("v1", 0), ("v2", 100)]
    periods = history(after)
    assert [(p.version, p.since, p.until) for p in periods] == [
        ("v1", None, T1), ("v2", T1, None)]
    assert periods[1].digest == "sha256:" + "a" * 64
    assert HISTORY_KEY in (after.metadata.annotations or {})


def test_promote_of_the_serving_version_changes_nothing() -> None:
    before = plugin(("v1", 100), ("v2", 0))
    assert promote(before, "v1").to_manifest() == before.to_manifest()


def test_promote_of_an_unknown_version_says_which_exist() -> None:
    with pytest.raises(VersionChangeError, match=r"no version 'v9' to promote \(versions: v1"):
        promote(plugin(("v1", 100)), "v9")


def test_rollback_moves_the_weight_back_and_a_second_rollback_forward_again() -> None:
    switched = promote(plugin(("v1", 100), ("v2", 0)), "v2", at=T1)
    back = rollback(switched, at=T2)
    assert serving_version(back) == "v1"
    assert [p.version for p in history(back)] == ["v1", "v2", "v1"]
    assert serving_version(rollback(back)) == "v2"


def test_rollback_without_history_says_there_is_nothing_to_roll_back_to() -> None:
    with pytest.raises(VersionChangeError, match="no previously serving version"):
        rollback(plugin(("v1", 100), ("v2", 0)))


def test_prune_drops_the_oldest_zero_weight_versions_but_never_the_rollback_target() -> None:
    p = plugin(("a", 0), ("b", 0), ("c", 100), ("d", 0))
    p = promote(p, "d", at=T1)  # c served before d: c is the rollback target
    assert previous_version(p) == "c"
    assert [v.name for v in prune(p, keep=3).spec.versions] == ["b", "c", "d"]
    assert [v.name for v in prune(p, keep=1).spec.versions] == ["c", "d"]


@pytest.mark.parametrize("keep", [0, -1, 1.5, True])
def test_prune_refuses_a_keep_that_is_not_a_positive_whole_number(keep: object) -> None:
    with pytest.raises(VersionChangeError, match="keep must be a whole number"):
        prune(plugin(("v1", 100)), keep=keep)  # type: ignore[arg-type]


def test_switch_weights_is_the_one_place_weights_are_decided() -> None:
    p = plugin(("v1", 0), ("v2", 250), ("v3", 0))
    assert switch_weights(p.spec.versions, "v3") == {"v1": 0, "v2": 0, "v3": 250}


def test_unknown_fields_survive_every_change() -> None:
    manifest = plugin(("v1", 100)).to_manifest()
    manifest["spec"]["futureField"] = {"x": 1}
    p = GCPWasmPlugin.from_manifest(manifest, unknown_fields=__import__(
        "gke_service_extensions").UnknownFields.PRESERVE)
    after = prune(promote(stage_version(p, "v2", f"{REPO}:v2"), "v2"), keep=1)
    assert after.to_manifest()["spec"]["futureField"] == {"x": 1}


# --------------------------------------------------------------------------- properties

NAMES = [f"v{i}" for i in range(14)]
ops = st.lists(st.one_of(
    st.tuples(st.just("stage"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("promote"), st.sampled_from(NAMES)),
    st.tuples(st.just("rollback")),
    st.tuples(st.just("prune"), st.integers(1, 6)),
), max_size=40)


def _apply(p: GCPWasmPlugin, op: tuple[object, ...]) -> GCPWasmPlugin:
    if op[0] == "stage":
        return stage_version(p, str(op[1]), f"{REPO}:{op[2]}")
    if op[0] == "promote":
        return promote(p, str(op[1]))
    if op[0] == "rollback":
        return rollback(p)
    return prune(p, keep=int(op[1]))  # type: ignore[call-overload]


@settings(max_examples=150, deadline=None)
@given(ops)
def test_every_sequence_of_changes_keeps_the_invariants(sequence: list[tuple[object, ...]]
                                                        ) -> None:
    p = plugin(("v0", 1_000_000))
    applied = 0
    for op in sequence:
        before = copy.deepcopy(p.to_manifest())
        try:
            after = _apply(p, op)
        except VersionChangeError:
            assert p.to_manifest() == before  # a refused change changes nothing
            continue
        applied += 1
        assert p.to_manifest() == before      # the input is never modified
        assert check_invariants(after) == []
        names = [v.name for v in after.spec.versions]
        assert len(names) == len(set(names)) <= max_versions()
        assert sum(1 for v in after.spec.versions if v.weight) == 1
        assert sum(v.weight for v in after.spec.versions) == 1_000_000
        if op[0] == "prune":
            assert serving_version(after) == serving_version(p)
            assert previous_version(p) in (None, *names)
            assert len(names) <= max(int(op[1]), 2)  # type: ignore[call-overload]
        if op[0] == "promote":
            assert serving_version(after) == op[1]
            assert names == [v.name for v in p.spec.versions]
        if op[0] == "rollback":
            assert serving_version(after) == previous_version(p)
        p = after
    assert applied <= len(sequence)
