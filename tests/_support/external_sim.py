"""The simulator in another process, and scripts run the way users run them.

``start_simulator()`` launches ``python -m gke_service_extensions.testing`` (exactly what a user
types), reads the ``kubeconfig: PATH`` line it prints and returns an :class:`ExternalSimulator`:
the kubeconfig, the API URL and a few plain-HTTP helpers (stdlib only: the SDK under test is not
used to set up or inspect the cluster). :class:`Running` is a child process whose stdout is read
line by line; :func:`check_clean` asserts an exit code and a stderr free of crashes.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

GKE_CONTROLLER_NAME = "networking.gke.io/gateway"
GATEWAY_API = "/apis/gateway.networking.k8s.io/v1"
NETWORKING = "/apis/networking.gke.io/v1"
START_TIMEOUT = 20.0

#: What a crashed interpreter leaves on stderr (an abort at shutdown, a thread dying noisily).
CRASH_MARKERS = ("Fatal Python error", "Traceback (most recent call last)",
                 "Exception ignored", "Segmentation fault")


class SimulatorDidNotStart(Exception):
    """The simulator process exited before printing its kubeconfig (the reason is the text)."""


class SimulatorHung(Exception):
    """The simulator process runs but printed no kubeconfig within the start timeout."""


# --------------------------------------------------------------------------- processes


def _default_sigint() -> None:
    """In the child: Ctrl-C acts as in a terminal. A background job (``cmd &``, nohup, some CI
    runners) inherits SIGINT ignored, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Running:
    """A child process with its stdout read line by line in a thread (stderr to a file)."""

    def __init__(self, argv: Sequence[str], *, env: Mapping[str, str] | None = None,
                 cwd: str | Path | None = None) -> None:
        self.argv = list(argv)
        self.started = time.monotonic()
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self.proc = subprocess.Popen(
            self.argv, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL,
            text=True, encoding="utf-8", env=dict(env) if env is not None else None, cwd=cwd,
            preexec_fn=_default_sigint)
        self.lines: list[str] = []
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._reader = threading.Thread(target=self._read, daemon=True,
                                         name=f"stdout-{self.proc.pid}")
        self._reader.start()
        self.ended: float | None = None
        self._stderr_text: str | None = None

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def expect(self, prefix: str, timeout: float) -> str:
        """The next stdout line starting with ``prefix``; AssertionError on timeout or EOF."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise AssertionError(f"no line starting with {prefix!r} within {timeout:g}s "
                                     f"from {self.describe()}") from None
            if line is None:
                self._queue.put(None)  # keep EOF visible to later calls
                raise AssertionError(f"stdout ended before a line starting with {prefix!r}: "
                                     f"{self.describe()}")
            self.lines.append(line)
            if line.startswith(prefix):
                return line

    def wait(self, timeout: float) -> int:
        """Wait for the exit (kill after ``timeout``, then fail); the exit code."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"still running after {timeout:g}s: "
                                 f"{self.describe()}") from None
        self.ended = time.monotonic()
        self._stderr_text = self._read_stderr()
        self._reader.join(timeout=5)
        while True:  # everything printed, in order
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is None:
                self._queue.put(None)
                break
            self.lines.append(line)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    @property
    def stdout(self) -> str:
        return "\n".join(self.lines)

    @property
    def stderr(self) -> str:
        """What the process wrote on stderr (complete once it has exited)."""
        if self._stderr_text is not None:
            return self._stderr_text
        return "" if self._stderr.closed else self._read_stderr()

    def _read_stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()

    def describe(self) -> str:
        return (f"{' '.join(self.argv)} (exit {self.proc.poll()})\n--- stdout\n{self.stdout}\n"
                f"--- stderr\n{self.stderr}")

    def close(self) -> None:
        self.kill()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()


def check_clean(run: Running, code: int) -> None:
    """Assert exit ``code`` and a stderr without a crash (abort, traceback, ignored error)."""
    assert run.returncode == code, f"expected exit {code}: {run.describe()}"
    crashes = [m for m in CRASH_MARKERS if m in run.stderr]
    assert not crashes, f"{crashes} on stderr: {run.describe()}"


def run_all(argvs: Sequence[Sequence[str]], *, env: Mapping[str, str],
            timeout: float = 90.0, cwd: str | Path | None = None) -> list[Running]:
    """Start every command at once, wait for them all; the finished processes."""
    runs = [Running(argv, env=env, cwd=cwd) for argv in argvs]
    try:
        for run in runs:
            run.wait(timeout)
    finally:
        for run in runs:
            run.close()
    return runs


# --------------------------------------------------------------------------- the simulator


@dataclass
class ExternalSimulator:
    """A simulator running in another process, reached over HTTP like any cluster."""

    running: Running
    kubeconfig: Path
    url: str
    token: str
    _names: dict[str, int] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        """``os.environ`` pointing kubectl and the SDK at this simulator."""
        env = dict(os.environ)
        env.update(KUBECONFIG=str(self.kubeconfig),
                   KUBECACHEDIR=str(self.kubeconfig.parent / "kube-cache"),
                   PYTHONUNBUFFERED="1")
        env.update(extra)
        return env

    def namespace(self, prefix: str) -> str:
        """Create a fresh namespace ``PREFIX-N``; its name."""
        n = self._names[prefix] = self._names.get(prefix, 0) + 1
        name = f"{prefix}-{n}"
        self.request("POST", "/api/v1/namespaces", {
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        return name

    # ------------------------------------------------------------------ raw HTTP

    def request(self, method: str, path: str, body: Any = None,
                content_type: str = "application/json") -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": content_type,
            "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                result: dict[str, Any] = json.load(resp)
        except urllib.error.HTTPError as err:
            raise AssertionError(f"{method} {path}: {err.code} {err.read()!r}") from None
        return result

    def create_gateway(self, namespace: str, name: str,
                       gateway_class: str = "gke-l7-global-external-managed") -> None:
        self.request("POST", f"{GATEWAY_API}/namespaces/{namespace}/gateways", {
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"gatewayClassName": gateway_class,
                     "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}]}})

    def create_service(self, namespace: str, name: str, port: int = 443) -> None:
        """A Service with ``appProtocol: HTTP2`` and one ready endpoint."""
        self.request("POST", f"/api/v1/namespaces/{namespace}/services", {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": {"app": name}, "type": "ClusterIP", "ports": [{
                "name": "grpc", "port": port, "targetPort": port, "protocol": "TCP",
                "appProtocol": "HTTP2"}]}})
        self.request("POST", f"/api/v1/namespaces/{namespace}/endpoints", {
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": name, "namespace": namespace},
            "subsets": [{"addresses": [{"ip": "10.0.0.1"}],
                         "ports": [{"name": "grpc", "port": port, "protocol": "TCP"}]}]})

    def create_extension(self, namespace: str, name: str, gateway: str,
                         service: str = "extension-service") -> dict[str, Any]:
        return self.request("POST", f"{NETWORKING}/namespaces/{namespace}/gcptrafficextensions",
                            traffic_extension(namespace, name, gateway, service))

    def get_extension(self, namespace: str, name: str) -> dict[str, Any]:
        return self.request("GET", f"{NETWORKING}/namespaces/{namespace}/gcptrafficextensions/"
                                   f"{name}")

    def program(self, namespace: str, name: str) -> None:
        """Write ``Programmed=True`` on the status subresource, as GKE's controller does."""
        obj = self.get_extension(namespace, name)
        gateway = obj["spec"]["targetRefs"][0]["name"]
        self.request("PATCH", f"{NETWORKING}/namespaces/{namespace}/gcptrafficextensions/"
                              f"{name}/status",
                     {"status": programmed_status(namespace, gateway,
                                                  obj["metadata"]["generation"])},
                     content_type="application/merge-patch+json")

    def wait_programmed(self, namespace: str, name: str, timeout: float = 20.0) -> None:
        """Poll (plain GETs) until the controller has programmed the extension."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.get_extension(namespace, name).get("status") or {}
            if any(c.get("type") == "Programmed" and c.get("status") == "True"
                   for a in status.get("ancestors") or [] for c in a.get("conditions") or []):
                return
            time.sleep(0.05)
        raise AssertionError(f"{namespace}/{name} not programmed within {timeout:g}s")


def traffic_extension(namespace: str, name: str, gateway: str,
                      service: str = "extension-service") -> dict[str, Any]:
    """A valid GCPTrafficExtension manifest calling ``service`` on port 443."""
    return {
        "apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                            "name": gateway}],
            "extensionChains": [{
                "name": "chain1",
                "matchCondition": {"celExpressions": [
                    {"celMatcher": 'request.path.startsWith("/")'}]},
                "extensions": [{
                    "name": "ext1", "authority": "myext.example.com", "timeout": "1s",
                    "supportedEvents": ["RequestHeaders"],
                    "backendRef": {"group": "", "kind": "Service", "name": service,
                                   "port": 443}}]}]},
    }


def programmed_status(namespace: str, gateway: str, generation: int) -> dict[str, Any]:
    return {"ancestors": [{
        "ancestorRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                        "name": gateway, "namespace": namespace},
        "controllerName": GKE_CONTROLLER_NAME,
        "conditions": [{"type": t, "status": "True", "reason": r, "message": "",
                        "observedGeneration": generation,
                        "lastTransitionTime": "2026-01-01T00:00:00Z"}
                       for t, r in (("Accepted", "Accepted"), ("ResolvedRefs", "ResolvedRefs"),
                                    ("Programmed", "ProgrammingSucceeded"))]}]}


def start_simulator(*args: str, timeout: float = START_TIMEOUT) -> ExternalSimulator:
    """Start ``python -m gke_service_extensions.testing ARGS`` and connect to it.

    :class:`SimulatorDidNotStart` if it exits first, :class:`SimulatorHung` if it prints no
    kubeconfig within ``timeout`` seconds (it is killed then).
    """
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    running = Running([sys.executable, "-m", "gke_service_extensions.testing", *args], env=env)
    try:
        line = running.expect("kubeconfig:", timeout)
    except AssertionError:
        if running.proc.poll() is not None:
            running.wait(5)
            detail = running.describe()
            running.close()
            raise SimulatorDidNotStart(detail) from None
        running.close()
        raise SimulatorHung(f"no 'kubeconfig:' line within {timeout:g}s: "
                            f"{running.describe()}") from None
    kubeconfig = Path(line.split(":", 1)[1].strip())
    config = yaml.safe_load(kubeconfig.read_text())
    url = config["clusters"][0]["cluster"]["server"]
    token = config["users"][0]["user"]["token"]
    return ExternalSimulator(running, kubeconfig, url, token)


def stop_simulator(sim: ExternalSimulator) -> None:
    """SIGTERM, then wait (kill after 10 s)."""
    if sim.running.proc.poll() is None:
        sim.running.signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            sim.running.proc.wait(timeout=10)
    sim.running.close()
