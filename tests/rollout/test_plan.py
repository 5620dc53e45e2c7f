"""plan_rollout: ordered steps with diffs, printable, serialisable; default version names."""

from __future__ import annotations

import json

import pytest
from rollout_samples import REPO
from rollout_samples import pure_plugin as plugin

from gke_service_extensions import VersionChangeError, plan_rollout
from gke_service_extensions.rollout import (
    RolloutPlan,
    StepKind,
    default_version_name,
    max_versions,
)


def test_the_plan_lists_every_step_in_order_with_the_diff_of_each_write() -> None:
    plan = plan_rollout(plugin(("v1", 1_000_000)), f"{REPO}:v2", keep=2, bake=30)
    assert [s.kind for s in plan.steps] == [
        StepKind.PREFLIGHT, StepKind.STAGE, StepKind.WAIT_STAGED, StepKind.SWITCH,
        StepKind.WAIT_SWITCHED, StepKind.VERIFY, StepKind.BAKE, StepKind.PRUNE]
    assert (plan.version, plan.previous_version, plan.resource_version) == ("v2", "v1", "7")
    assert f"+  image: {REPO}:v2" in plan.step(StepKind.STAGE).diff
    switch = plan.step(StepKind.SWITCH).diff
    assert "-  weight: 1000000\n+  weight: 0" in switch
    assert "-  weight: 0\n+  weight: 1000000" in switch
    assert plan.step(StepKind.PRUNE).diff == ""  # two versions: nothing to prune
    assert [s.writes for s in plan.steps].count(True) == 3


def test_the_plan_prints_for_a_change_review() -> None:
    text = str(plan_rollout(plugin(("v1", 1_000_000)), f"{REPO}:v2"))
    assert text.splitlines()[0] == f"Rollout of GCPWasmPlugin default/p: v1 -> v2 ({REPO}:v2)"
    assert "4. switch: move the whole weight from 'v1' to 'v2'" in text
    assert "8. prune: keep at most 3 versions" in text


def test_the_plan_round_trips_through_json() -> None:
    plan = plan_rollout(plugin(("v1", 1_000_000)), f"{REPO}:v2", version_name="second",
                        description="d", bake=1.5)
    again = RolloutPlan.from_json(plan.to_json())
    assert again == plan
    compact = json.loads(plan.to_json(diffs=False))
    assert all(s["diff"] == "" for s in compact["steps"])


def test_a_staged_image_is_promoted_without_staging_it_again() -> None:
    plan = plan_rollout(plugin(("v1", 1_000_000), ("v2", 0)), f"{REPO}:v2")
    assert plan.stage is False
    assert plan.version == "v2"
    assert plan.step(StepKind.STAGE).diff == ""


def test_an_image_that_already_serves_has_nothing_to_roll_out() -> None:
    with pytest.raises(VersionChangeError, match="already serves as version 'v1'"):
        plan_rollout(plugin(("v1", 1_000_000)), f"{REPO}:v1")


def test_a_full_plugin_is_pruned_before_staging_never_reaching_eleven_versions() -> None:
    full = plugin(*[(f"v{i}", 1_000_000 if i == 9 else 0) for i in range(max_versions())])
    plan = plan_rollout(full, f"{REPO}:new", keep=3)
    assert "-- name: v0" in plan.step(StepKind.STAGE).diff
    assert plan.step(StepKind.STAGE).diff.count("+- name: new") == 1


def test_a_bad_plan_input_is_refused_before_anything() -> None:
    with pytest.raises(VersionChangeError, match="bake must be seconds"):
        plan_rollout(plugin(("v1", 1_000_000)), f"{REPO}:v2", bake=-1)
    with pytest.raises(ValueError, match="not a rollout plan"):
        RolloutPlan.from_dict({"name": "x"})


@pytest.mark.parametrize(("image", "taken", "expected"), [
    (f"{REPO}:v2", set(), "v2"),
    (f"{REPO}:2.0.1", set(), "v2-0-1"),
    (f"{REPO}:Main", {"main"}, "main-2"),
    (f"{REPO}@sha256:{'ab' * 32}", set(), "sha256-abababababab"),
    (REPO, set(), "latest"),
])
def test_default_version_names_come_from_the_tag(image: str, taken: set[str],
                                                 expected: str) -> None:
    assert default_version_name(image, taken) == expected
