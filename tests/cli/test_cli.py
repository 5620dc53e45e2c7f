"""The command line: validate offline, apply and wait against the simulator, the demo."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gke_service_extensions.cli import main
from gke_service_extensions.cli._main import run
from gke_service_extensions.testing import GKESimulator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return run(list(argv), out=out), out.getvalue()


def test_validate_accepts_valid_manifests() -> None:
    status, out = _run("validate", str(EXAMPLES / "wasm-plugin.yaml"))
    assert status == 0
    assert "valid under the 'newest' CRD profile" in out
    assert "GCPWasmPlugin default/gcp-wasm-plugin" in out


def test_validate_reports_every_problem_with_its_path_and_fails() -> None:
    status, out = _run("validate", str(EXAMPLES / "traffic-extension.yaml"))
    assert status == 1
    assert "spec.extensionChains[0].extensions[0].supportedEvents" in out


def test_validate_honours_the_profile() -> None:
    status, out = _run("validate", "--profile", "gke-1.33",
                       str(EXAMPLES / "traffic-extension.yaml"))
    assert status == 0, out


def test_validate_missing_file_is_a_clear_failure(tmp_path: Path) -> None:
    status, out = _run("validate", str(tmp_path / "nope.yaml"))
    assert status == 1
    assert "nope.yaml" in out


def test_usage_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


def test_apply_then_wait_until_programmed(gke_simulator: GKESimulator) -> None:
    gke_simulator.add_gateway("external-http")
    gke_simulator.add_service("extension-service", port=443)
    kubeconfig = str(gke_simulator.kubeconfig_path)
    status, out = _run("apply", "--kubeconfig", kubeconfig, "-f",
                       str(EXAMPLES / "traffic-extension-events.yaml"), "--timeout", "30")
    assert status == 0, out
    assert "applied GCPTrafficExtension default/my-traffic-extension" in out
    assert "programmed GCPTrafficExtension default/my-traffic-extension" in out
    status, out = _run("wait", "--kubeconfig", kubeconfig, "gcptrafficextension",
                       "my-traffic-extension", "--timeout", "30")
    assert status == 0, out
    assert "Gateway default/external-http: Programmed" in out


@pytest.mark.gke_simulator(admission=False)  # the status path
def test_wait_reports_the_controllers_reason_on_failure(
    gke_simulator: GKESimulator, capsys: pytest.CaptureFixture[str],
) -> None:
    # No Gateway exists: GKE answers NoMatchingTarget.
    status, _ = _run("apply", "--kubeconfig", str(gke_simulator.kubeconfig_path), "-f",
                     str(EXAMPLES / "traffic-extension-events.yaml"), "--timeout", "30")
    assert status == 1
    assert "NoMatchingTarget" in capsys.readouterr().err


def test_demo_runs_end_to_end_on_the_embedded_simulator() -> None:
    status, out = _run("demo", "--delay", "0.05", "--timeout", "30")
    assert status == 0, out
    assert "all 3 objects programmed" in out
    assert "lbTrafficExtensions/" in out
    assert "WasmPlugin projects/" in out
    assert "ProgrammingFailed" in out
    assert "NotAllowed" in out


def test_the_command_skips_the_final_collection_but_library_calls_do_not(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import gc

    from gke_service_extensions.cli import main

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    monkeypatch.setattr("sys.argv", ["gke-sx", "--version"])
    assert main() == 0
    assert frozen == [True]  # as the command: the process ends next
    assert main(["--version"]) == 0
    assert frozen == [True]  # called with arguments (tests, embedding): no freeze
    capsys.readouterr()
