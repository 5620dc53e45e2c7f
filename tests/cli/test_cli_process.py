"""The command in its own process: --help imports nothing heavy; plain timestamped lines
off a terminal; the demo's --keep leaves a simulator kubectl can reach until Ctrl-C."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys

import pytest

HEAVY = ("pydantic", "kubernetes", "google", "gke_service_extensions.models",
         "gke_service_extensions.kube", "gke_service_extensions.testing", "rich", "yaml")


@pytest.mark.parametrize("argv", [["--help"], ["status", "--help"], ["--version"]])
def test_help_imports_no_models_kubernetes_or_google(argv: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "gke_service_extensions",
                           *argv], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert "gke_service_extensions.cli._main" in imported  # the measurement saw our code
    heavy = sorted(m for m in imported if m.startswith(HEAVY))
    assert heavy == []


def test_progress_off_a_terminal_is_plain_timestamped_lines() -> None:
    proc = subprocess.run([sys.executable, "-m", "gke_service_extensions", "demo", "--delay",
                           "0.05", "--timeout", "30"], capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, "NO_COLOR": ""})
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" not in proc.stdout  # no colour codes in a log
    progress = [line for line in proc.stdout.splitlines() if "Gateway default/" in line
                and ": Programmed (" in line]
    assert progress
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ   ", line) for line in progress)
    assert "rollout to v2: Succeeded; serving v2" in proc.stdout
    assert "rollout to v1: Succeeded; serving v1" in proc.stdout
    assert "diagnosis of GCPRoutingExtension default/routing-on-global: 1 error" in proc.stdout


@pytest.mark.kubectl
@pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs the kubectl binary")
def test_demo_keep_leaves_the_simulator_running_for_kubectl_until_ctrl_c() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "gke_service_extensions", "demo", "--keep",
                             "--delay", "0.05", "--timeout", "30"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        exports = ""
        for line in proc.stdout:
            if line.strip().startswith("export "):
                exports = line.strip()[len("export "):]
            if line.startswith("Ctrl-C to stop"):
                break
        env = dict(item.split("=", 1) for item in exports.split())
        assert {"KUBECONFIG", "CLOUDSDK_API_ENDPOINT_OVERRIDES_NETWORKSERVICES"} <= set(env)
        listed = subprocess.run(["kubectl", "get", "gcpwasmplugins", "-o", "name"],
                                env={**os.environ, **env}, capture_output=True, text=True,
                                timeout=60, check=False)
        assert listed.stdout.strip() == "gcpwasmplugin.networking.gke.io/gcp-wasm-plugin", (
            listed.stderr)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
