"""Helpers: the simulator as users run it from the shell, ``python -m
gke_service_extensions.testing`` in its own process, driven by real clients (kubectl 1.27 / 1.32 /
1.33, gcloud, lightkube)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def kubectl_binary(version: str | None) -> str | None:
    """``kubectl`` (None: the default one) or ``kubectl.1.27`` from the Google Cloud CLI."""
    default = shutil.which("kubectl")
    if version is None:
        return default
    for base in (shutil.which("gcloud"), default):
        if base is None:
            continue
        candidate = Path(os.path.realpath(base)).parent / f"kubectl.{version}"
        if candidate.exists():
            return str(candidate)
    return None


@dataclass
class ShellSim:
    """A simulator process: its kubeconfig and environment."""

    kubeconfig: str
    env: dict[str, str]
    output: str

    def kubectl(self, *args: str, version: str | None = None, check: bool = True,
                stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        binary = kubectl_binary(version)
        if binary is None:
            pytest.skip(f"kubectl {version or ''} is not installed")
        proc = subprocess.run([binary, *args], capture_output=True, text=True, input=stdin,
                              timeout=90, check=False, env=self.env)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed:\n{proc.stderr}")
        return proc


def _start(*extra: str, command: list[str] | None = None
           ) -> tuple[subprocess.Popen[str], ShellSim]:
    argv = command or [sys.executable, "-m", "gke_service_extensions.testing"]
    proc = subprocess.Popen([*argv, *extra], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    lines = []
    kubeconfig = ""
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("kubeconfig:"):
            kubeconfig = line.split(":", 1)[1].strip()
        if line.startswith("Ctrl-C"):
            break
    if not kubeconfig:
        proc.kill()
        raise AssertionError("the simulator did not start:\n" + "".join(lines))
    cache = tempfile.mkdtemp(prefix="kube-cache-")
    env = {**os.environ, "KUBECONFIG": kubeconfig, "KUBECACHEDIR": cache}
    return proc, ShellSim(kubeconfig, env, "".join(lines))


def start_process(*extra: str) -> tuple[subprocess.Popen[str], ShellSim]:
    return _start(*extra)


def start_cli_simulator(*extra: str) -> tuple[subprocess.Popen[str], ShellSim]:
    """``gke-service-extensions simulator EXTRA`` (the installed command) in its own
    process, as :func:`start_process` does for ``python -m gke_service_extensions.testing``."""
    script = Path(sys.executable).parent / "gke-service-extensions"
    command = [str(script)] if script.exists() else [sys.executable, "-m",
                                                     "gke_service_extensions"]
    return _start(*extra, command=[*command, "simulator"])
