"""The CRD profile on the command line, run as users run it: the command in its own process,
against a simulator in another process (``python -m gke_service_extensions.testing``)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GUIDE = str(EXAMPLES / "traffic-extension.yaml")
CLI = [sys.executable, "-c", "import sys; from gke_service_extensions.cli import main; "
                             "sys.exit(main())"]
SIMULATOR = [sys.executable, "-m", "gke_service_extensions.testing"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GKE_SE_CRD_PROFILE"}
    env.update(extra)
    return env


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60,
                          check=False, env=env or _env())


class Simulator:
    """``python -m gke_service_extensions.testing`` in a child process."""

    def __init__(self, *args: str, command: tuple[str, ...] = (*SIMULATOR, "--no-gcp",
                                                               "--no-controller")) -> None:
        self.proc = subprocess.Popen([*command, *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=_env())
        assert self.proc.stdout is not None
        self.banner: list[str] = []
        for line in self.proc.stdout:
            self.banner.append(line)
            if line.startswith("Ctrl-C to stop."):
                break
        found = [m.group(1) for line in self.banner
                 if (m := re.match(r"kubeconfig:\s+(\S+)", line))]
        assert found, f"the simulator did not start: {self.banner} {self.proc.stderr}"
        self.kubeconfig = found[0]

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        finally:
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            if self.proc.stderr is not None:
                self.proc.stderr.close()


@pytest.fixture
def simulator() -> Iterator[Callable[..., Simulator]]:
    started: list[Simulator] = []

    def start(*args: str, **kw: tuple[str, ...]) -> Simulator:
        sim = Simulator(*args, **kw)
        started.append(sim)
        return sim

    yield start
    for sim in started:
        assert sim.stop() == 0


def _one_line_error(proc: subprocess.CompletedProcess[str], start: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [proc.stderr.strip()], proc.stderr
    assert proc.stderr.startswith(start), proc.stderr
    assert "Traceback" not in proc.stderr


def test_apply_uses_the_clusters_crd_rules_by_default(
    simulator: Callable[..., Simulator],
) -> None:
    # the 1.33 cluster is started by the CLI's own simulator command
    # --no-admission: the guide's manifest names a Gateway and a Service that do not exist
    old = simulator("--crd-profile", "gke-1.33", "--no-admission", command=(*CLI, "simulator"))
    assert "CRD profile:     gke-1.33\n" in old.banner
    proc = _run("apply", "--kubeconfig", old.kubeconfig, "-f", GUIDE, "--no-wait")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "applied GCPTrafficExtension default/my-traffic-extension\n"

    newest = simulator()
    proc = _run("apply", "--kubeconfig", newest.kubeconfig, "-f", GUIDE, "--no-wait")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith(
        "error: GCPTrafficExtension default/my-traffic-extension (document 0) is invalid "
        "under the 'newest' CRD profile (from the cluster): 1 problem\n")
    assert "Traceback" not in proc.stderr


def test_apply_honours_the_profile_flag_and_the_environment(
    simulator: Callable[..., Simulator],
) -> None:
    old = simulator("--crd-profile", "1.33", "--no-admission")  # no Gateway, no Service
    args = ("apply", "--kubeconfig", old.kubeconfig, "-f", GUIDE, "--no-wait")
    proc = _run(*args, "--profile", "newest")
    assert proc.returncode == 1, proc.stderr
    assert "under the 'newest' CRD profile: 1 problem" in proc.stderr
    proc = _run(*args, env=_env(GKE_SE_CRD_PROFILE="newest"))
    assert proc.returncode == 1, proc.stderr
    assert "under the 'newest' CRD profile (from GKE_SE_CRD_PROFILE)" in proc.stderr
    proc = _run(*args, "--profile", "gke-1.33", env=_env(GKE_SE_CRD_PROFILE="newest"))
    assert proc.returncode == 0, proc.stderr


def test_validate_takes_a_gke_version_as_profile() -> None:
    proc = _run("validate", "--profile", "1.33", GUIDE)
    assert proc.returncode == 0, proc.stderr
    assert "valid under the 'gke-1.33' CRD profile" in proc.stdout
    proc = _run("validate", GUIDE, env=_env(GKE_SE_CRD_PROFILE="1.33"))
    assert proc.returncode == 0, proc.stderr
    assert "valid under the 'gke-1.33' CRD profile, from GKE_SE_CRD_PROFILE" in proc.stdout


@pytest.mark.parametrize("command", [("validate", GUIDE), ("apply", "-f", GUIDE)])
def test_a_bad_profile_is_one_line_and_exit_2(command: tuple[str, ...]) -> None:
    _one_line_error(_run(*command, "--profile", "1.20", "--kubeconfig", "/nonexistent")
                    if command[0] == "apply" else _run(*command, "--profile", "1.20"),
                    "error: unknown CRD profile '1.20'; valid profiles: gke-1.33 (or 1.33), "
                    "newest, cluster")
    _one_line_error(_run(*command, *(("--kubeconfig", "/nonexistent")
                                     if command[0] == "apply" else ()),
                         env=_env(GKE_SE_CRD_PROFILE="nope")),
                    "error: GKE_SE_CRD_PROFILE='nope' is not a CRD profile; valid profiles:")


def test_the_simulator_commands_take_a_crd_profile() -> None:
    _one_line_error(_run("simulator", "--crd-profile", "1.20"),
                    "error: a simulated cluster needs a CRD generation, not '1.20'")
    proc = subprocess.run([*SIMULATOR, "--crd-profile", "cluster"], capture_output=True,
                          text=True, timeout=60, check=False, env=_env())
    _one_line_error(proc, "error: a simulated cluster needs a CRD generation, not 'cluster'")
