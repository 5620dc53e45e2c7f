"""Rollouts against the simulator: verified switch, refused preflight, automatic rollback
(controller failure, failed analysis, wrong digest), concurrent rollouts, abort, writers."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from http_target import http_target
from rollout_samples import image, set_up

from gke_service_extensions import (
    AnalysisFailed,
    GCPWasmPlugin,
    PreflightError,
    ProgrammingFailed,
    RolloutConflictError,
    RolloutError,
    VerificationError,
    plan_rollout,
)
from gke_service_extensions.gcp import GCPClient
from gke_service_extensions.kube import ExtensionsClient, PatchType
from gke_service_extensions.rollout import (
    LAST_ROLLOUT_KEY,
    ROLLOUT_KEY,
    Rollout,
    RolloutOutcome,
    StepKind,
    StepOutcome,
    StepStatus,
    check_invariants,
    history,
    http_probe,
    programmed_check,
    serving_version,
)
from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._controller import ControllerSettings

ALL_STEPS = [StepKind.PREFLIGHT, StepKind.STAGE, StepKind.WAIT_STAGED, StepKind.SWITCH,
             StepKind.WAIT_SWITCHED, StepKind.VERIFY, StepKind.BAKE, StepKind.PRUNE]


@pytest.fixture(scope="module")
def sim() -> Iterator[GKESimulator]:
    with GKESimulator(controller_settings=ControllerSettings(programming_delay=0.0)) as s:
        yield s


@pytest.fixture
def kube(sim: GKESimulator) -> Iterator[ExtensionsClient]:
    with ExtensionsClient(sim.api_client()) as client:
        yield client


@pytest.fixture
def gcp(sim: GKESimulator) -> Iterator[GCPClient]:
    with sim.gcp() as client:
        yield client


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A plugin name of its own for each test (one traffic extension per Gateway)."""
    return "p" + str(abs(hash(request.node.name)) % 10**8)


def wasm_plugin_on_gcp(gcp: GCPClient, name: str):  # type: ignore[no-untyped-def]
    found = [p for p in gcp.list_wasm_plugins() if f"-default-{name}-" in p.name]
    assert len(found) == 1
    return found[0]


def test_v1_to_v2_switches_and_is_verified_on_google_cloud(
        sim: GKESimulator, kube: ExtensionsClient, gcp: GCPClient, name: str) -> None:
    plugin = set_up(sim, kube, plugin=name, gateway=f"{name}-gw")
    seen: list[StepOutcome] = []
    result = Rollout(kube, gcp=gcp).run(plan_rollout(plugin, image("v2")), on_step=seen.append)

    assert result.outcome is RolloutOutcome.SUCCEEDED, str(result)
    assert [s.kind for s in result.steps] == ALL_STEPS
    assert [s.kind for s in seen] == ALL_STEPS
    assert all(s.status is StepStatus.SUCCEEDED and s.duration >= 0 for s in result.steps)
    digest = sim.gcp_state.resolve_image(image("v2"))
    assert result.digest == digest
    on_gcp = wasm_plugin_on_gcp(gcp, name)
    assert on_gcp.main_version is not None
    assert on_gcp.main_version.image_digest == digest
    now = kube.get(GCPWasmPlugin, name)
    assert serving_version(now) == "v2"
    assert ROLLOUT_KEY not in (now.metadata.annotations or {})
    assert '"outcome":"Succeeded"' in (now.metadata.annotations or {})[LAST_ROLLOUT_KEY]
    assert [(p.version, p.digest) for p in history(now)] == [("v1", None), ("v2", digest)]


def test_a_missing_image_is_refused_before_any_write(
        sim: GKESimulator, kube: ExtensionsClient, gcp: GCPClient, name: str) -> None:
    plugin = set_up(sim, kube, plugin=name, gateway=f"{name}-gw")
    plan = plan_rollout(plugin, image("never-pushed"))
    sim.faults.reset_counts()
    with pytest.raises(PreflightError, match="never-pushed not found in Artifact Registry"):
        Rollout(kube, gcp=gcp).run(plan)
    assert sim.faults.count(verb="update") + sim.faults.count(verb="patch") == 0
    after = kube.get(GCPWasmPlugin, name)
    assert after.metadata.resource_version == plugin.metadata.resource_version


def test_the_controller_failing_the_new_version_rolls_back_and_v1_serves_again(
        sim: GKESimulator, kube: ExtensionsClient, gcp: GCPClient, name: str) -> None:
    plugin = set_up(sim, kube, plugin=name, gateway=f"{name}-gw")

    def on_step(step: StepOutcome) -> None:
        # GKE rejects what the switch asks for; the rollback's spec is fine again.
        if step.kind is StepKind.WAIT_STAGED:
            sim.controller.fail("GCPWasmPlugin", "default", name,
                                reason="InvalidGCPWasmPlugin", message="bad module")
        if step.kind is StepKind.WAIT_SWITCHED:
            sim.controller.release("GCPWasmPlugin", "default", name)

    result = Rollout(kube, gcp=gcp).run(plan_rollout(plugin, image("v2")), on_step=on_step)

    assert result.outcome is RolloutOutcome.ROLLED_BACK
    assert isinstance(result.error, ProgrammingFailed)
    assert "InvalidGCPWasmPlugin" in result.reason
    failed = result.step(StepKind.WAIT_SWITCHED)
    assert failed is not None
    assert failed.status is StepStatus.FAILED
    rollback = result.step(StepKind.ROLLBACK)
    assert rollback is not None
    assert rollback.status is StepStatus.SUCCEEDED
    now = kube.get(GCPWasmPlugin, name)
    assert [(v.name, v.weight) for v in now.spec.versions] == [("v1", 1_000_000)]
    assert ROLLOUT_KEY not in (now.metadata.annotations or {})
    assert (wasm_plugin_on_gcp(gcp, name).main_version_id or "").find("v1") >= 0


def test_a_failing_analysis_during_the_bake_rolls_back(
        sim: GKESimulator, kube: ExtensionsClient, gcp: GCPClient, name: str) -> None:
    plugin = set_up(sim, kube, plugin=name, gateway=f"{name}-gw")
    with http_target(lambda n: (200 if n < 2 else 502, {})) as (url, seen):
        checks = [programmed_check(interval=0.05),
                  http_probe(url, interval=0.05, timeout=2)]
        plan = plan_rollout(plugin, image("v2"), bake=5.0)
        result = Rollout(kube, gcp=gcp).run(plan, analysis=checks)

    assert result.outcome is RolloutOutcome.ROLLED_BACK
    assert isinstance(result.error, AnalysisFailed)
    assert "check 'http' failed" in result.reason
    assert "answered 502" in result.reason
    assert result.analysis is not None
    assert len(seen) == 3
    bake = result.step(StepKind.BAKE)
    assert bake is not None
    assert bake.duration < 4.0  # stopped at the first failure, not after 5 s
    assert serving_version(kube.get(GCPWasmPlugin, name)) == "v1"


def test_a_digest_google_cloud_does_not_serve_rolls_back(
        sim: GKESimulator, kube: ExtensionsClient, gcp: GCPClient, name: str) -> None:
    plugin = set_up(sim, kube, plugin=name, gateway=f"{name}-gw", tags=("v1", "moving"))

    def on_step(step: StepOutcome) -> None:
        if step.kind is StepKind.PREFLIGHT:  # the tag moves after it was resolved
            sim.add_image(image("moving"), digest="sha256:" + "1" * 64)

    result = Rollout(kube, gcp=gcp, verify_timeout=0.2).run(
        plan_rollout(plugin, image("moving")), on_step=on_step)
    assert result.outcome is RolloutOutcome.ROLLED_BACK
    assert isinstance(result.error, VerificationError)
    assert "not the resolved sha256:" in result.reason
    assert serving_version(kube.get(GCPWasmPlugin, name)) == "v1"


def test_two_rollouts_started_at_once_one_proceeds_the_other_conflicts(
        sim: GKESimulator, kube: ExtensionsClient, gcp: GCPClient, name: str) -> None:
    plugin = set_up(sim, kube, plugin=name, gateway=f"{name}-gw", tags=("v1", "v2", "v3"))
    plans = [plan_rollout(plugin, image("v2")), plan_rollout(plugin, image("v3"))]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def go(plan_index: int) -> None:
        with ExtensionsClient(sim.api_client()) as client:
            barrier.wait()
            try:
                outcomes.append(Rollout(client, gcp=gcp).run(plans[plan_index]))
            except RolloutConflictError as exc:
                outcomes.append(exc)

    threads = [threading.Thread(target=go, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    conflicts = [o for o in outcomes if isinstance(o, RolloutConflictError)]
    done = [o for o in outcomes if not isinstance(o, RolloutConflictError)]
    assert len(conflicts) == 1, outcomes
    assert len(done) == 1
    now = kube.get(GCPWasmPlugin, name)
    assert check_invariants(now) == []
    assert serving_version(now) == done[0].version  # type: ignore[attr-defined]
    assert ROLLOUT_KEY not in (now.metadata.annotations or {})
    assert {v.name for v in now.spec.versions} == {"v1", done[0].version}  # type: ignore[attr-defined]


class Crash(Exception):
    pass


def test_a_rollout_in_progress_blocks_another_until_it_is_aborted(
        sim: GKESimulator, kube: ExtensionsClient, gcp: GCPClient, name: str) -> None:
    plugin = set_up(sim, kube, plugin=name, gateway=f"{name}-gw", tags=("v1", "v2", "v3"))

    def crash_after_switch(step: StepOutcome) -> None:
        if step.kind is StepKind.SWITCH:
            raise Crash

    with pytest.raises(Crash):
        Rollout(kube, gcp=gcp, holder="first").run(plan_rollout(plugin, image("v2")),
                                                  on_step=crash_after_switch)
    current = kube.get(GCPWasmPlugin, name)
    assert serving_version(current) == "v2"
    with pytest.raises(RolloutConflictError, match="by first holds the plugin") as err:
        Rollout(kube, gcp=gcp).run(plan_rollout(current, image("v3")))
    assert err.value.holder == "first"
    record = Rollout(kube).status(name)
    assert record is not None
    assert record.step is StepKind.SWITCH

    result = Rollout(kube, gcp=gcp, holder="operator").abort(name, reason="operator said so")
    assert result.outcome is RolloutOutcome.ABORTED
    now = kube.get(GCPWasmPlugin, name)
    assert [(v.name, v.weight) for v in now.spec.versions] == [("v1", 1_000_000)]
    assert Rollout(kube).status(name) is None
    with pytest.raises(RolloutError, match="no rollout in progress"):
        Rollout(kube).resume(name)


def test_other_writers_between_steps_are_kept_not_overwritten(
        sim: GKESimulator, kube: ExtensionsClient, gcp: GCPClient, name: str) -> None:
    plugin = set_up(sim, kube, plugin=name, gateway=f"{name}-gw")

    def other_writer(step: StepOutcome) -> None:
        if step.kind in (StepKind.STAGE, StepKind.WAIT_SWITCHED):
            with ExtensionsClient(sim.api_client(), field_manager="other") as other:
                other.patch(GCPWasmPlugin, name, {
                    "metadata": {"labels": {"team": str(step.kind)}},
                    "spec": {"logConfig": {"enabled": True, "sampleRate": 5}}},
                    patch_type=PatchType.MERGE)

    sim.faults.reset_counts()
    result = Rollout(kube, gcp=gcp).run(plan_rollout(plugin, image("v2")),
                                        on_step=other_writer)
    assert result.succeeded
    now = kube.get(GCPWasmPlugin, name)
    assert (now.metadata.labels or {})["team"] == "wait-switched"
    assert now.to_manifest()["spec"]["logConfig"] == {"enabled": True, "sampleRate": 5}
    # three writes (stage, switch, prune); at least one met the foreign change (a 409),
    # read again and was recomputed from what was there
    assert sim.faults.count(verb="update", resource="gcpwasmplugins") > 3
