"""The README's quick start runs as written, against the simulator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gke_service_extensions.testing import GKESimulator

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_quick_start_runs_against_the_simulator(gke_simulator: GKESimulator,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    quick_start = next(b for b in _python_blocks() if "from_kubeconfig" in b)
    gke_simulator.add_gateway("external-http")
    gke_simulator.add_service("extension-service", port=443)
    monkeypatch.setenv("KUBECONFIG", str(gke_simulator.kubeconfig_path))
    exec(compile(quick_start, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("GCPTrafficExtension default/my-traffic-extension: ")
    assert "Gateway default/external-http: Programmed" in out
