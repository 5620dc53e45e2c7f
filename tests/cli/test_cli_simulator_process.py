"""``gke-service-extensions simulator`` in its own process: every simulator flag reaches the
simulator (admission, images, CRD profile), driven with kubectl."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fidelity_shell import EXAMPLES, ShellSim, start_cli_simulator

pytestmark = pytest.mark.kubectl

IMAGE = "us-docker.pkg.dev/my-project/wasm/my-plugin:v1"
DIGEST = "sha256:" + "cd" * 32


@pytest.fixture
def cli_simulator() -> Iterator[Callable[..., ShellSim]]:
    procs: list[subprocess.Popen[str]] = []

    def start(*extra: str) -> ShellSim:
        proc, sim = start_cli_simulator(*extra)
        procs.append(proc)
        return sim

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _gcp_endpoint(sim: ShellSim) -> str:
    (line,) = [x for x in sim.output.splitlines() if x.startswith("Google Cloud:")]
    return line.split()[2]


def test_the_simulator_command_passes_no_admission_image_and_crd_profile_through(
    cli_simulator: Callable[..., ShellSim]
) -> None:
    sim = cli_simulator("--no-admission", "--image", f"{IMAGE}={DIGEST}",
                        "--crd-profile", "gke-1.33")
    assert "CRD profile:     gke-1.33" in sim.output
    assert "admission:       off" in sim.output
    assert f"image:           {IMAGE} ({DIGEST})" in sim.output
    # --image: the simulated Artifact Registry knows the tag
    url = (f"{_gcp_endpoint(sim)}/v1/projects/my-project/locations/us/repositories/wasm/"
           f"packages/my-plugin/tags/v1")
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert json.load(resp)["version"].endswith(f"/versions/{DIGEST}")
    # --crd-profile gke-1.33: the guide's sample without supportedEvents is valid;
    # --no-admission: its missing Gateway does not refuse it, the status reports it
    out = sim.kubectl("apply", "-f", str(EXAMPLES / "traffic-extension.yaml")).stdout
    assert "gcptrafficextension.networking.gke.io/my-traffic-extension created" in out
    deadline = time.monotonic() + 30
    while True:
        obj = json.loads(sim.kubectl("get", "gcptrafficextension", "my-traffic-extension",
                                     "-o", "json").stdout)
        reasons = [c["reason"] for a in obj.get("status", {}).get("ancestors") or []
                   for c in a["conditions"] if c["type"] == "Accepted"]
        if reasons:
            break
        assert time.monotonic() < deadline, obj
        time.sleep(0.2)
    assert reasons == ["NoMatchingTarget"]


def test_the_simulator_command_defaults_to_gkes_admission_and_the_newest_crds(
    cli_simulator: Callable[..., ShellSim], tmp_path: Path
) -> None:
    sim = cli_simulator()
    assert "CRD profile:     newest" in sim.output
    assert "admission:       as GKE" in sim.output
    proc = sim.kubectl("apply", "-f", str(EXAMPLES / "traffic-extension-events.yaml"),
                       check=False)
    assert proc.returncode != 0
    assert ('GCPTrafficExtension.networking.gke.io "my-traffic-extension" is invalid: '
            'spec.gatewayRef: gateway "external-http" not found in namespace "default"'
            in proc.stderr)
    proc = sim.kubectl("apply", "-f", str(EXAMPLES / "traffic-extension.yaml"), check=False)
    assert proc.returncode != 0
    assert "supportedEvents" in proc.stderr  # the newest CRDs require them
    # the CLI's own apply gets GKE's refusal as a one-line error from our tree
    cli = subprocess.run([sys.executable, "-m", "gke_service_extensions", "apply",
                          "--kubeconfig", sim.kubeconfig, "-f",
                          str(EXAMPLES / "traffic-extension-events.yaml")],
                         capture_output=True, text=True, timeout=120, check=False)
    assert cli.returncode == 1, cli.stderr
    assert cli.stderr == (
        "error: GCPTrafficExtension default/my-traffic-extension: rejected as invalid: "
        'GCPTrafficExtension.networking.gke.io "my-traffic-extension" is invalid: '
        'spec.gatewayRef: gateway "external-http" not found in namespace "default"\n')


@pytest.mark.gcloud
def test_gcloud_artifacts_lists_an_image_the_simulator_command_registered(
    cli_simulator: Callable[..., ShellSim], tmp_path: Path
) -> None:
    if shutil.which("gcloud") is None:
        pytest.skip("gcloud is not installed")
    sim = cli_simulator("--image", f"{IMAGE}={DIGEST}")
    env = {**os.environ,
           "CLOUDSDK_API_ENDPOINT_OVERRIDES_ARTIFACTREGISTRY": _gcp_endpoint(sim) + "/",
           "CLOUDSDK_AUTH_DISABLE_CREDENTIALS": "true", "CLOUDSDK_CORE_PROJECT": "sim-project",
           "CLOUDSDK_CONFIG": str(tmp_path / "gcloud"), "CLOUDSDK_CORE_DISABLE_PROMPTS": "1"}
    proc = subprocess.run(["gcloud", "artifacts", "docker", "tags", "list",
                           IMAGE.rsplit(":", 1)[0], "--format=json"], env=env,
                          capture_output=True, text=True, timeout=90, check=False)
    assert proc.returncode == 0, proc.stderr
    (tag,) = json.loads(proc.stdout)
    assert tag["tag"].endswith("/packages/my-plugin/tags/v1")
    assert tag["version"].endswith(f"/versions/{DIGEST}")
