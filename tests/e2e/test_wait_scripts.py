"""Every public wait, as a user's script in its own process, against a simulator in another.

Each scenario runs ``RUNS`` times (``GKE_SE_E2E_RUNS``, default 2), the runs at once: every run
must exit with the expected code, print the expected result, leave no thread behind and
nothing on stderr that says the interpreter crashed (issue 7: ``Fatal Python error: Aborted``
at shutdown, exit 134, when the wait's watch threads outlived the call).
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from pathlib import Path

from external_sim import ExternalSimulator, Running, check_clean, run_all

RUNS = int(os.environ.get("GKE_SE_E2E_RUNS", "2"))
SCRIPTS = Path(__file__).resolve().parent / "scripts"
README = Path(__file__).resolve().parents[2] / "README.md"
PY = sys.executable


def script(name: str, *args: str) -> list[str]:
    return [PY, str(SCRIPTS / name), *args]


def check_result(run: Running, expected: str, code: int = 0) -> str:
    """Exit ``code``, a clean stderr, a ``result`` line starting with ``expected``, no thread
    left; returns the result line."""
    check_clean(run, code)
    results = [line for line in run.lines if line.startswith("result ")]
    assert len(results) == 1, run.describe()
    assert results[0].startswith(f"result {expected}"), run.describe()
    assert run.lines[-1] == "threads left: none", run.describe()
    return results[0]


def setup_gateways(sim: ExternalSimulator, namespace: str, *gateways: str) -> None:
    sim.create_service(namespace, "extension-service")
    for gateway in gateways:
        sim.create_gateway(namespace, gateway)


# --------------------------------------------------------------------------- README


def test_readme_quick_start_runs_as_a_script(gke_process: ExternalSimulator,
                                             tmp_path: Path) -> None:
    quick_start = next(b for b in re.findall(r"```python\n(.*?)```", README.read_text(),
                                             flags=re.S) if "from_kubeconfig" in b)
    path = tmp_path / "quick_start.py"
    path.write_text(quick_start)
    gke_process.create_gateway("default", "external-http")
    gke_process.create_service("default", "extension-service")
    for run in run_all([[PY, str(path)]] * RUNS, env=gke_process.env()):
        check_clean(run, 0)
        assert run.lines[0].startswith("GCPTrafficExtension default/my-traffic-extension: "), \
            run.describe()
        assert any(line.startswith("  - Gateway default/external-http: Programmed")
                   for line in run.lines[1:]), run.describe()


# --------------------------------------------------------------------------- wait_until_programmed


def test_wait_returns_once_the_status_flips_in_another_process(
        bare_process: ExternalSimulator) -> None:
    # No controller: the object stays unprogrammed until this test writes its status.
    ns = bare_process.namespace("flip")
    runs = [Running(script("wait_programmed.py", ns, f"ext-{i}", "gw"), env=bare_process.env())
            for i in range(RUNS)]
    try:
        for run in runs:
            run.expect("observed PENDING", timeout=60)
        time.sleep(0.2)  # let the watches open: the flip should arrive as a watch event
        for i in range(RUNS):
            bare_process.program(ns, f"ext-{i}")
        for i, run in enumerate(runs):
            run.wait(60)
            check_result(run, f"PROGRAMMED GCPTrafficExtension {ns}/ext-{i}")
    finally:
        for run in runs:
            run.close()


def test_wait_on_an_already_programmed_object(gke_process: ExternalSimulator) -> None:
    ns = gke_process.namespace("done")
    gateways = [f"gw-{i}" for i in range(RUNS)]
    setup_gateways(gke_process, ns, *gateways)
    for i, gateway in enumerate(gateways):
        gke_process.create_extension(ns, f"ext-{i}", gateway)
    for i in range(RUNS):
        gke_process.wait_programmed(ns, f"ext-{i}")
    runs = run_all([script("wait_ref.py", ns, f"ext-{i}", "30") for i in range(RUNS)],
                   env=gke_process.env())
    for i, run in enumerate(runs):
        check_result(run, f"PROGRAMMED GCPTrafficExtension {ns}/ext-{i}")


def test_wait_on_a_missing_object_raises_not_found(bare_process: ExternalSimulator) -> None:
    ns = bare_process.namespace("missing")
    for run in run_all([script("wait_ref.py", ns, "no-such-extension", "30")] * RUNS,
                       env=bare_process.env()):
        check_result(run, "NotFoundError")


def test_wait_that_times_out_raises_wait_timeout(bare_process: ExternalSimulator) -> None:
    ns = bare_process.namespace("timeout")
    bare_process.create_extension(ns, "never", "gw")
    for run in run_all([script("wait_ref.py", ns, "never", "1")] * RUNS,
                       env=bare_process.env()):
        check_result(run, "WaitTimeoutError")


def test_wait_on_an_extension_gke_rejects_raises_programming_failed(
        status_path_process: ExternalSimulator) -> None:
    ns = status_path_process.namespace("failed")
    gateways = [f"gw-{i}" for i in range(RUNS)]
    # but the extensions call a missing Service (admission off: the status says so)
    setup_gateways(status_path_process, ns, *gateways)
    runs = run_all([script("wait_failed.py", ns, f"ext-{i}", g) for i, g in enumerate(gateways)],
                   env=status_path_process.env())
    for run in runs:
        check_result(run, "ProgrammingFailed reason=ExtensionServiceNotFound")


def test_wait_all_programmed(gke_process: ExternalSimulator) -> None:
    runs_ns = [gke_process.namespace("all") for _ in range(RUNS)]
    for ns in runs_ns:
        setup_gateways(gke_process, ns, "gw-0", "gw-1", "gw-2")
    runs = run_all([script("wait_all.py", ns, "gw", "3") for ns in runs_ns],
                   env=gke_process.env())
    for run in runs:
        check_result(run, "3 PROGRAMMED")


def test_package_level_wait_until_programmed(gke_process: ExternalSimulator) -> None:
    ns = gke_process.namespace("package")
    setup_gateways(gke_process, ns, "gw")
    gke_process.create_extension(ns, "ext", "gw")
    runs = run_all([script("package_wait.py", str(gke_process.kubeconfig), ns, "ext")] * RUNS,
                   env=gke_process.env(KUBECONFIG=os.devnull))  # the argument must be used
    for run in runs:
        check_result(run, f"PROGRAMMED GCPTrafficExtension {ns}/ext")


def test_wait_for_gateway_binding(gke_process: ExternalSimulator) -> None:
    ns = gke_process.namespace("binding")
    gateways = [f"gw-{i}" for i in range(RUNS)]
    setup_gateways(gke_process, ns, *gateways)
    runs = run_all([script("gateway_binding.py", ns, f"ext-{i}", g)
                    for i, g in enumerate(gateways)], env=gke_process.env())
    for run in runs:
        line = check_result(run, "1 ")
        assert "/lbTrafficExtensions/" in line, run.describe()


# --------------------------------------------------------------------------- asyncio


def test_async_wait_until_programmed(gke_process: ExternalSimulator) -> None:
    ns = gke_process.namespace("async")
    gateways = [f"gw-{i}" for i in range(RUNS)]
    setup_gateways(gke_process, ns, *gateways)
    runs = run_all([script("async_wait.py", ns, f"ext-{i}", g) for i, g in enumerate(gateways)],
                   env=gke_process.env())
    for i, run in enumerate(runs):
        check_result(run, f"PROGRAMMED GCPTrafficExtension {ns}/ext-{i}")


def test_async_wait_cancelled_by_wait_for(bare_process: ExternalSimulator) -> None:
    ns = bare_process.namespace("cancel")
    bare_process.create_extension(ns, "never", "gw")
    started = time.monotonic()
    runs = run_all([script("async_cancel.py", ns, "never")] * RUNS, env=bare_process.env())
    for run in runs:
        check_result(run, "TimeoutError")  # asyncio.wait_for's, not the wait's own (60 s)
    assert time.monotonic() - started < 45


# --------------------------------------------------------------------------- Ctrl-C


def test_ctrl_c_in_a_wait_exits_promptly_by_sigint(bare_process: ExternalSimulator) -> None:
    # Python's documented behaviour for an uncaught KeyboardInterrupt (3.8+): print the
    # traceback, then die by SIGINT, so the shell sees 128 + 2 = 130 (returncode -2 here).
    ns = bare_process.namespace("sigint")
    bare_process.create_extension(ns, "never", "gw")
    runs = [Running(script("wait_blocked.py", ns, "never"), env=bare_process.env())
            for _ in range(RUNS)]
    try:
        for run in runs:
            run.expect("observed PENDING", timeout=60)
        time.sleep(0.3)  # in the watch now
        for run in runs:
            run.signal(signal.SIGINT)
        sent = time.monotonic()
        for run in runs:
            run.wait(30)
            assert run.ended is not None
            assert run.ended - sent < 5.0, f"{run.ended - sent:.1f}s after SIGINT"
            assert run.returncode == -signal.SIGINT, run.describe()
            assert "Fatal Python error" not in run.stderr, run.describe()
            assert run.stderr.rstrip().endswith("KeyboardInterrupt"), run.describe()
    finally:
        for run in runs:
            run.close()
