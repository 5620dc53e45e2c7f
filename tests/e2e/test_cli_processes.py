"""Every ``gke-service-extensions`` command, run as installed, against a simulator process.

Exit codes as documented by ``cli._main.run``: 0 done, 1 failed (the reason on stderr as
``error: ...``, never a traceback), 2 usage, 130 interrupted by Ctrl-C. The commands that wait
(apply, wait, and both under failure or Ctrl-C) run ``RUNS`` times at once
(``GKE_SE_E2E_RUNS``, default 2); the others once.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml
from external_sim import (
    ExternalSimulator,
    Running,
    check_clean,
    run_all,
    traffic_extension,
)

RUNS = int(os.environ.get("GKE_SE_E2E_RUNS", "2"))
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_SCRIPT = shutil.which("gke-service-extensions", path=str(Path(sys.executable).parent))
#: The console script as installed (from a bare source tree: ``python -m ...cli``).
MODULE = [sys.executable, "-m", "gke_service_extensions.cli"]
CLI = [_SCRIPT] if _SCRIPT else MODULE


def cli(*args: str) -> list[str]:
    return [*CLI, *args]


def write_manifest(path: Path, *objs: dict[str, Any]) -> str:
    path.write_text(yaml.safe_dump_all(objs))
    return str(path)


def prepared_namespaces(sim: ExternalSimulator, prefix: str, *, service: bool = True
                        ) -> list[str]:
    """``RUNS`` namespaces, each with Gateway ``gw`` and (by default) ``extension-service``."""
    namespaces = [sim.namespace(prefix) for _ in range(RUNS)]
    for ns in namespaces:
        sim.create_gateway(ns, "gw")
        if service:
            sim.create_service(ns, "extension-service")
    return namespaces


# --------------------------------------------------------------------------- offline


def test_help_and_usage_errors(tmp_path: Path) -> None:
    help_run, module_help, usage_run, no_args = run_all(
        [cli("--help"), [*MODULE, "--help"], cli("frobnicate"), cli()], env=os.environ,
        cwd=tmp_path)
    for run in (help_run, module_help):
        check_clean(run, 0)
        assert all(c in run.stdout for c in ("validate", "apply", "wait", "demo", "simulator"))
    check_clean(usage_run, 2)
    assert "invalid choice: 'frobnicate'" in usage_run.stderr
    check_clean(no_args, 2)


def test_validate_exit_codes(tmp_path: Path) -> None:
    bad = traffic_extension("default", "too-fast", "gw")
    bad["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "5ms"
    bad_file = write_manifest(tmp_path / "bad.yaml", bad)
    good, invalid, missing = run_all([
        cli("validate", str(EXAMPLES / "wasm-plugin.yaml")),
        cli("validate", bad_file),
        cli("validate", str(tmp_path / "nope.yaml")),
    ], env=os.environ, cwd=tmp_path)
    check_clean(good, 0)
    assert "valid under the" in good.stdout
    check_clean(invalid, 1)
    assert "spec.extensionChains[0].extensions[0].timeout" in invalid.stdout
    check_clean(missing, 1)
    assert "nope.yaml" in missing.stdout


def test_validate_with_an_unknown_profile_is_a_clear_error(tmp_path: Path) -> None:
    # Issue 7, part 4: a clear error naming the profile, not a traceback; a usage error (2).
    run, = run_all([cli("validate", "--profile", "no-such-profile",
                        str(EXAMPLES / "wasm-plugin.yaml"))], env=os.environ, cwd=tmp_path)
    check_clean(run, 2)
    assert "no-such-profile" in run.stdout + run.stderr


# --------------------------------------------------------------------------- apply


def test_apply_then_waits_until_programmed(gke_process: ExternalSimulator,
                                           tmp_path: Path) -> None:
    namespaces = prepared_namespaces(gke_process, "cli-apply")
    files = [write_manifest(tmp_path / f"{ns}.yaml", traffic_extension(ns, "ext", "gw"))
             for ns in namespaces]
    runs = run_all([cli("apply", "-f", f, "--timeout", "60") for f in files],
                   env=gke_process.env())
    for ns, run in zip(namespaces, runs, strict=True):
        check_clean(run, 0)
        assert f"applied GCPTrafficExtension {ns}/ext" in run.lines, run.describe()
        assert f"programmed GCPTrafficExtension {ns}/ext" in run.lines, run.describe()


def test_apply_no_wait(bare_process: ExternalSimulator, tmp_path: Path) -> None:
    ns = bare_process.namespace("cli-nowait")
    file = write_manifest(tmp_path / "ext.yaml", traffic_extension(ns, "ext", "gw"))
    run, = run_all([cli("apply", "-f", file, "--no-wait")], env=bare_process.env())
    check_clean(run, 0)
    assert run.lines == [f"applied GCPTrafficExtension {ns}/ext"], run.describe()


def test_apply_reports_gkes_reason_and_exits_1(status_path_process: ExternalSimulator,
                                                tmp_path: Path) -> None:
    namespaces = prepared_namespaces(status_path_process, "cli-apply-fail", service=False)
    files = [write_manifest(tmp_path / f"{ns}.yaml", traffic_extension(ns, "ext", "gw"))
             for ns in namespaces]
    runs = run_all([cli("apply", "-f", f, "--timeout", "60") for f in files],
                   env=status_path_process.env())
    for run in runs:
        check_clean(run, 1)
        assert run.stderr.startswith("error: "), run.describe()
        assert "ExtensionServiceNotFound" in run.stderr, run.describe()


def test_apply_of_an_invalid_manifest_exits_1_and_sends_nothing(
        bare_process: ExternalSimulator, tmp_path: Path) -> None:
    ns = bare_process.namespace("cli-apply-invalid")
    bad = traffic_extension(ns, "too-fast", "gw")
    bad["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "5ms"
    file = write_manifest(tmp_path / "bad.yaml", bad)
    run, = run_all([cli("apply", "-f", file)], env=bare_process.env())
    check_clean(run, 1)
    assert "timeout" in run.stderr, run.describe()
    listed = bare_process.request(
        "GET", f"/apis/networking.gke.io/v1/namespaces/{ns}/gcptrafficextensions")
    assert listed["items"] == []


# --------------------------------------------------------------------------- wait


def test_wait_until_programmed_exits_0(gke_process: ExternalSimulator) -> None:
    ns = prepared_namespaces(gke_process, "cli-wait")[0]
    gke_process.create_extension(ns, "ext", "gw")
    for run in run_all([cli("wait", "gcptrafficextension", "ext", "-n", ns, "--timeout", "60")]
                       * RUNS, env=gke_process.env()):
        check_clean(run, 0)
        assert any(line.startswith("programmed after ") and
                   f"GCPTrafficExtension {ns}/ext: Programmed" in line
                   for line in run.lines), run.describe()


def test_wait_failures_exit_1_or_3_on_timeout(gke_process: ExternalSimulator,
                                              bare_process: ExternalSimulator) -> None:
    ns = gke_process.namespace("cli-wait-missing")
    pending_ns = bare_process.namespace("cli-wait-pending")
    bare_process.create_extension(pending_ns, "never", "gw")
    not_found, timed_out = run_all(
        [cli("wait", "gcptrafficextension", "no-such", "-n", ns, "--timeout", "30"),
         cli("wait", "gcptrafficextension", "never", "-n", pending_ns, "--timeout", "1",
             "--kubeconfig", str(bare_process.kubeconfig))],
        env=gke_process.env())
    for run, status in ((not_found, 1), (timed_out, 3)):  # 3: a wait timed out
        check_clean(run, status)
        assert run.stderr.startswith("error: "), run.describe()
    assert "not found" in not_found.stderr
    assert "timed out" in timed_out.stderr


def test_wait_interrupted_by_ctrl_c_exits_130(bare_process: ExternalSimulator) -> None:
    ns = bare_process.namespace("cli-sigint")
    bare_process.create_extension(ns, "never", "gw")
    runs = [Running(cli("wait", "gcptrafficextension", "never", "-n", ns, "--timeout", "120"),
                    env=bare_process.env()) for _ in range(RUNS)]
    try:
        for run in runs:
            run.expect("20", timeout=60)  # the first progress line (timestamped): watching
        time.sleep(0.3)
        for run in runs:
            run.signal(signal.SIGINT)
        sent = time.monotonic()
        for run in runs:
            run.wait(30)
            assert run.ended is not None
            assert run.ended - sent < 5.0, f"{run.ended - sent:.1f}s after SIGINT"
            check_clean(run, 130)
    finally:
        for run in runs:
            run.close()


# --------------------------------------------------------------------------- demo, simulator


def test_demo_exits_0(tmp_path: Path) -> None:
    run, = run_all([cli("demo", "--delay", "0.05", "--timeout", "60")], env=os.environ,
                   cwd=tmp_path)
    check_clean(run, 0)
    assert "programmed" in run.stdout.lower(), run.describe()


def test_simulator_command_serves_until_a_signal(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    runs = {signal.SIGINT: Running(cli("simulator"), env=env, cwd=tmp_path),
            signal.SIGTERM: Running(cli("simulator"), env=env, cwd=tmp_path)}
    try:
        for signum, run in runs.items():
            kubeconfig = Path(run.expect("kubeconfig:", timeout=30).split(":", 1)[1].strip())
            config = yaml.safe_load(kubeconfig.read_text())
            url = config["clusters"][0]["cluster"]["server"]
            with urllib.request.urlopen(url + "/version", timeout=10) as resp:
                assert json.load(resp)["major"] == "1"
            run.expect("Ctrl-C to stop.", timeout=10)
            run.signal(signum)
            run.wait(30)
            check_clean(run, 0)
            assert not kubeconfig.exists(), "the simulator left its kubeconfig behind"
    finally:
        for run in runs.values():
            run.close()
