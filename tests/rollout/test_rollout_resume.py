"""A rollout process killed between steps (a real SIGKILL), then resumed by another."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from rollout_samples import image, set_up

from gke_service_extensions import GCPWasmPlugin, RolloutConflictError, plan_rollout
from gke_service_extensions.kube import ExtensionsClient
from gke_service_extensions.rollout import (
    ROLLOUT_KEY,
    Rollout,
    StepKind,
    StepStatus,
    history,
    serving_version,
)
from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._controller import ControllerSettings

CHILD = Path(__file__).parent.parent / "_support" / "rollout_child.py"


@pytest.mark.parametrize(("killed_after", "resumed_from"), [
    ("switch", StepKind.WAIT_SWITCHED),
    ("stage", StepKind.WAIT_STAGED),
])
def test_a_killed_rollout_process_is_resumed_by_another(
        killed_after: str, resumed_from: StepKind) -> None:
    with GKESimulator(controller_settings=ControllerSettings(programming_delay=0.0)) as sim, \
            ExtensionsClient(sim.api_client()) as kube, sim.gcp() as gcp:
        set_up(sim, kube, tags=("v1", "v2", "v3"))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(sim.kubeconfig_path), str(sim.gcp_endpoint),
             sim.project_id, "plugin", image("v2"), killed_after],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            assert child.stdout is not None
            lines = []
            for line in child.stdout:
                lines.append(line.strip())
                if line.startswith(f"STEP {killed_after} "):
                    break
            assert lines[-1] == f"STEP {killed_after} Succeeded", (lines, child.stderr)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(30)
        assert child.returncode == -signal.SIGKILL

        record = Rollout(kube).status("plugin")
        assert record is not None
        assert record.holder.endswith(f":{child.pid}")
        with pytest.raises(RolloutConflictError, match="holds the plugin"):
            Rollout(kube, gcp=gcp).run(plan_rollout(kube.get(GCPWasmPlugin, "plugin"),
                                                    image("v3")))

        result = Rollout(kube, gcp=gcp).resume("plugin")
        assert result.succeeded, str(result)
        assert result.rollout_id == record.rollout_id
        assert result.steps[0].kind is resumed_from
        assert all(s.status is StepStatus.SUCCEEDED for s in result.steps)
        now = kube.get(GCPWasmPlugin, "plugin")
        assert serving_version(now) == "v2"
        assert ROLLOUT_KEY not in (now.metadata.annotations or {})
        assert [p.version for p in history(now)] == ["v1", "v2"]
