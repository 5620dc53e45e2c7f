"""Randomised: rollout after rollout while other field managers edit labels, log config and
version descriptions of the same plugin. No state the API server stores may break an
invariant; no write of theirs may be lost."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
from rollout_samples import image, set_up

from gke_service_extensions import GCPWasmPlugin, KubernetesError
from gke_service_extensions.kube import ExtensionsClient, PatchType
from gke_service_extensions.rollout import (
    ROLLOUT_KEY,
    Rollout,
    check_invariants,
    max_versions,
    serving_version,
)
from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._controller import ControllerSettings
from gke_service_extensions.testing._kube._resources import WASM_PLUGIN


class Writer(threading.Thread):
    """Another field manager: before each write it checks that its last write is still
    there (a lost update shows up at its next read), then writes again."""

    def __init__(self, sim: GKESimulator, manager: str, rng: random.Random,
                 write: Callable[[ExtensionsClient, GCPWasmPlugin, int], dict[str, Any] | None],
                 check: Callable[[GCPWasmPlugin, dict[str, Any]], list[str]]) -> None:
        super().__init__(name=manager, daemon=True)
        self.sim, self.manager, self.rng = sim, manager, rng
        self.write, self.check = write, check
        self.stop = threading.Event()
        self.expected: dict[str, Any] = {}
        self.lost: list[str] = []
        self.writes = 0

    def run(self) -> None:
        with ExtensionsClient(self.sim.api_client(), field_manager=self.manager) as kube:
            n = 0
            while not self.stop.is_set():
                plugin = kube.get(GCPWasmPlugin, "plugin")
                self.lost += self.check(plugin, self.expected)
                n += 1
                try:
                    written = self.write(kube, plugin, n)
                except KubernetesError:
                    written = None  # e.g. the version it meant moved: a refused write
                if written is not None:
                    self.expected.update(written)
                    self.writes += 1
                self.stop.wait(self.rng.uniform(0.01, 0.05))

    def final_check(self, plugin: GCPWasmPlugin) -> None:
        self.lost += self.check(plugin, self.expected)


def label_writer(kube: ExtensionsClient, plugin: GCPWasmPlugin, n: int) -> dict[str, Any]:
    kube.patch(GCPWasmPlugin, "plugin", {"metadata": {"labels": {"writer": str(n)}}})
    return {"label": str(n)}


def label_check(plugin: GCPWasmPlugin, expected: dict[str, Any]) -> list[str]:
    found = (plugin.metadata.labels or {}).get("writer")
    return [] if "label" not in expected or found == expected["label"] else [
        f"label writer={expected['label']} lost (found {found})"]


def log_writer(kube: ExtensionsClient, plugin: GCPWasmPlugin, n: int) -> dict[str, Any]:
    kube.patch(GCPWasmPlugin, "plugin", {"spec": {"logConfig": {
        "enabled": True, "sampleRate": n, "minLogLevel": "WARN"}}})
    return {"rate": n}


def log_check(plugin: GCPWasmPlugin, expected: dict[str, Any]) -> list[str]:
    log = plugin.to_manifest()["spec"].get("logConfig") or {}
    return [] if "rate" not in expected or log.get("sampleRate") == expected["rate"] else [
        f"logConfig.sampleRate={expected['rate']} lost (found {log.get('sampleRate')})"]


def description_writer(kube: ExtensionsClient, plugin: GCPWasmPlugin, n: int
                       ) -> dict[str, Any]:
    i = random.Random(n).randrange(len(plugin.spec.versions))
    version = plugin.spec.versions[i].name
    kube.patch(GCPWasmPlugin, "plugin", [  # by index, guarded by a test of the name
        {"op": "test", "path": f"/spec/versions/{i}/name", "value": version},
        {"op": "add", "path": f"/spec/versions/{i}/description", "value": f"d{n}"}],
        patch_type=PatchType.JSON)
    return {version: f"d{n}"}


def description_check(plugin: GCPWasmPlugin, expected: dict[str, Any]) -> list[str]:
    return [f"description of {v.name}={expected[v.name]} lost (found {v.description})"
            for v in plugin.spec.versions
            if v.name in expected and v.description != expected[v.name]]


def rollouts_with_concurrent_writers(runs: int, seed: int) -> None:
    rng = random.Random(seed)
    with GKESimulator(controller_settings=ControllerSettings(programming_delay=0.0)) as sim, \
            ExtensionsClient(sim.api_client(), field_manager="rollout") as kube, \
            sim.gcp() as gcp:
        set_up(sim, kube, tags=("v1",))
        violations: list[str] = []

        def watch(event: Any) -> None:
            if event.info != WASM_PLUGIN or event.type == "DELETED":
                return
            obj = event.object
            problems = check_invariants(obj)
            versions = obj["spec"]["versions"]
            serving = [v for v in versions if v.get("weight")]
            if problems or len(versions) > max_versions() or len(serving) != 1:
                violations.append(f"rv {obj['metadata']['resourceVersion']}: {problems}")

        unsubscribe = sim.store.subscribe(watch)
        writers = [Writer(sim, "labeler", rng, label_writer, label_check),
                   Writer(sim, "logger", rng, log_writer, log_check),
                   Writer(sim, "describer", rng, description_writer, description_check)]
        for w in writers:
            w.start()
        rollout = Rollout(kube, gcp=gcp, conflict_retries=50)
        try:
            for i in range(2, runs + 2):
                sim.add_image(image(f"v{i}"))
                result = rollout.run(rollout.plan("plugin", image(f"v{i}"),
                                                  keep=rng.randint(2, 4)))
                assert result.succeeded, str(result)
        finally:
            for w in writers:
                w.stop.set()
            for w in writers:
                w.join(10)
            unsubscribe()
        final = kube.get(GCPWasmPlugin, "plugin")
        for w in writers:
            w.final_check(final)
        assert violations == []
        assert [lost for w in writers for lost in w.lost] == []
        assert all(w.writes > 0 for w in writers)
        assert serving_version(final) == f"v{runs + 1}"
        assert ROLLOUT_KEY not in (final.metadata.annotations or {})


def test_rollouts_with_concurrent_writers_break_nothing_and_lose_nothing() -> None:
    rollouts_with_concurrent_writers(runs=25, seed=1)


@pytest.mark.slow  # ~100 s on 2 cores: GKE_SE_TEST_SLOW=1 runs it
@pytest.mark.timeout(900)
def test_two_hundred_rollouts_with_concurrent_writers() -> None:
    rollouts_with_concurrent_writers(runs=200, seed=2)
