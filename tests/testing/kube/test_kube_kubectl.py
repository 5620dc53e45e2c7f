"""kubectl 1.32 against the simulator: apply (client- and server-side), get, describe,
wait, delete."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._kube._resources import EVENT, GATEWAY, TRAFFIC_EXTENSION

KUBECTL = shutil.which("kubectl")

pytestmark = [pytest.mark.kubectl,
              pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")]

Factory = Callable[..., dict[str, Any]]


def _kubectl(sim: GKESimulator, *args: str, stdin: str | None = None,
             check: bool = True) -> subprocess.CompletedProcess[str]:
    assert KUBECTL is not None
    proc = subprocess.run([KUBECTL, *args], input=stdin, capture_output=True, text=True,
                          timeout=60, check=False, env={**os.environ, **sim.kubectl_env()})
    if check and proc.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed:\n{proc.stderr}")
    return proc


def _manifest(tmp_path: Path, *docs: dict[str, Any]) -> str:
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return str(path)


def test_apply_client_side_creates_then_configures(sim: GKESimulator, tmp_path: Path,
                                                   traffic_extension: Factory) -> None:
    ext = traffic_extension()
    out = _kubectl(sim, "apply", "-f", _manifest(tmp_path, ext)).stdout
    assert "gcptrafficextension.networking.gke.io/my-ext created" in out
    assert "unchanged" in _kubectl(sim, "apply", "-f", _manifest(tmp_path, ext)).stdout
    ext["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "2s"
    assert "configured" in _kubectl(sim, "apply", "-f", _manifest(tmp_path, ext)).stdout
    stored = sim.store.get(TRAFFIC_EXTENSION, "default", "my-ext")
    assert stored is not None
    assert stored["spec"]["extensionChains"][0]["extensions"][0]["timeout"] == "2s"
    assert stored["metadata"]["generation"] == 2
    assert "kubectl.kubernetes.io/last-applied-configuration" in stored["metadata"]["annotations"]


def test_apply_server_side_and_field_conflict(sim: GKESimulator, tmp_path: Path,
                                              traffic_extension: Factory) -> None:
    ext = traffic_extension()
    out = _kubectl(sim, "apply", "--server-side", "-f", _manifest(tmp_path, ext)).stdout
    assert "serverside-applied" in out
    ext["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "3s"
    conflict = _kubectl(sim, "apply", "--server-side", "--field-manager", "other", "-f",
                        _manifest(tmp_path, ext), check=False)
    assert conflict.returncode != 0
    assert 'conflict with "kubectl"' in conflict.stderr
    _kubectl(sim, "apply", "--server-side", "--field-manager", "other", "--force-conflicts",
             "-f", _manifest(tmp_path, ext))
    stored = sim.store.get(TRAFFIC_EXTENSION, "default", "my-ext")
    assert stored is not None
    assert stored["spec"]["extensionChains"][0]["extensions"][0]["timeout"] == "3s"


def test_apply_of_an_invalid_object_shows_the_server_message(
        sim: GKESimulator, tmp_path: Path, traffic_extension: Factory) -> None:
    bad = traffic_extension()
    bad["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "99s"
    proc = _kubectl(sim, "apply", "-f", _manifest(tmp_path, bad), check=False)
    assert proc.returncode != 0
    # kubectl rebuilds the message from details.causes, as with a real cluster
    assert 'The GCPTrafficExtension "my-ext" is invalid: ' in proc.stderr
    assert "spec.extensionChains[0].extensions[0].timeout" in proc.stderr


def test_get_yaml_json_and_table(sim: GKESimulator, traffic_extension: Factory) -> None:
    sim.store.create(TRAFFIC_EXTENSION, traffic_extension())
    got = yaml.safe_load(_kubectl(sim, "get", "gcptrafficextension", "my-ext", "-o",
                                  "yaml").stdout)
    assert got["spec"]["targetRefs"][0]["name"] == "gw"
    listed = json.loads(_kubectl(sim, "get", "gcptrafficextensions", "-A", "-o",
                                 "json").stdout)
    assert [i["metadata"]["name"] for i in listed["items"]] == ["my-ext"]
    table = _kubectl(sim, "get", "gcptrafficextensions").stdout
    assert table.splitlines()[0].split()[0] == "NAME"
    assert "my-ext" in table
    names = _kubectl(sim, "get", "gateways,services", "-o", "name").stdout
    assert names == ""
    sim.add_gateway("gw")
    gateways = _kubectl(sim, "get", "gateways").stdout.splitlines()
    assert gateways[0].split() == ["NAME", "CLASS", "ADDRESS", "PROGRAMMED", "AGE"]
    assert gateways[1].split()[:3] == ["gw", "gke-l7-global-external-managed", "Unknown"]


def test_describe_shows_spec_and_events(sim: GKESimulator, traffic_extension: Factory) -> None:
    ext = sim.store.create(TRAFFIC_EXTENSION, traffic_extension())
    sim.store.create(EVENT, {
        "metadata": {"name": "my-ext.1", "namespace": "default"},
        "involvedObject": {"apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
                           "name": "my-ext", "namespace": "default",
                           "uid": ext["metadata"]["uid"]},
        "reason": "SYNC", "message": "Attachment was a success", "type": "Normal",
        "source": {"component": "sc-gateway-controller"}, "count": 1,
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z"})
    out = _kubectl(sim, "describe", "gcptrafficextension", "my-ext").stdout
    assert "Name:         my-ext" in out
    assert "ext.example.com" in out
    assert "Attachment was a success" in out


def test_wait_for_condition_and_jsonpath(sim: GKESimulator) -> None:
    sim.add_gateway("gw")

    def program_later() -> None:
        time.sleep(0.3)
        gw = sim.store.get(GATEWAY, "default", "gw")
        assert gw is not None
        gw["status"] = {"conditions": [{
            "type": "Programmed", "status": "True", "reason": "Programmed", "message": "",
            "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1}]}
        sim.store.update(GATEWAY, gw, subresource="status")

    t = threading.Thread(target=program_later)
    t.start()
    out = _kubectl(sim, "wait", "--for=condition=Programmed", "gateway/gw",
                   "--timeout=20s").stdout
    t.join()
    assert "condition met" in out
    out = _kubectl(sim, "wait", "--for=jsonpath={.spec.gatewayClassName}="
                   "gke-l7-global-external-managed", "gateway/gw", "--timeout=20s").stdout
    assert "condition met" in out


def test_wait_times_out_when_condition_never_comes(sim: GKESimulator) -> None:
    sim.add_gateway("gw")
    proc = _kubectl(sim, "wait", "--for=condition=Programmed", "gateway/gw",
                    "--timeout=1s", check=False)
    assert proc.returncode != 0
    assert "timed out" in proc.stderr


def test_delete_waits_for_the_object_to_go(sim: GKESimulator,
                                           traffic_extension: Factory) -> None:
    sim.store.create(TRAFFIC_EXTENSION, traffic_extension())
    out = _kubectl(sim, "delete", "gcptrafficextension", "my-ext", "--timeout=20s").stdout
    assert 'gcptrafficextension.networking.gke.io "my-ext" deleted' in out
    assert sim.store.get(TRAFFIC_EXTENSION, "default", "my-ext") is None
    missing = _kubectl(sim, "delete", "gcptrafficextension", "my-ext", check=False)
    assert 'gcptrafficextensions.networking.gke.io "my-ext" not found' in missing.stderr


def test_core_service_apply_uses_strategic_merge(sim: GKESimulator, tmp_path: Path) -> None:
    svc: dict[str, Any] = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"},
                           "spec": {"selector": {"app": "svc"}, "ports": [
                               {"name": "grpc", "port": 443, "appProtocol": "HTTP2"}]}}
    _kubectl(sim, "apply", "-f", _manifest(tmp_path, svc))
    svc["spec"]["ports"][0]["targetPort"] = 8443
    proc = _kubectl(sim, "apply", "-f", _manifest(tmp_path, svc))
    assert "warning" not in proc.stderr.lower()
    ports = json.loads(_kubectl(sim, "get", "svc", "svc", "-o", "jsonpath={.spec.ports}").stdout)
    assert ports == [{"name": "grpc", "port": 443, "appProtocol": "HTTP2", "targetPort": 8443,
                     "protocol": "TCP"}]


def test_full_stack_wait_on_gateway_and_extension_status(tmp_path: Path,
                                                          traffic_extension: Factory) -> None:
    with GKESimulator() as full:
        full.add_service("callout")
        gateway = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                   "metadata": {"name": "gw"},
                   "spec": {"gatewayClassName": "gke-l7-global-external-managed",
                            "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}]}}
        _kubectl(full, "apply", "-f", _manifest(tmp_path, gateway, traffic_extension()))
        _kubectl(full, "wait", "--for=condition=Programmed", "gateway/gw", "--timeout=30s")
        out = _kubectl(full, "wait", "--for=jsonpath={.status.ancestors[0].conditions[?(@.type"
                       '=="Programmed")].status}=True', "gcptrafficextension/my-ext",
                       "--timeout=30s").stdout
        assert "condition met" in out
        described = _kubectl(full, "describe", "gcptrafficextension", "my-ext").stdout
        assert "Events:" in described
        assert "<none>" not in described.split("Events:")[1]


def test_apply_with_a_typo_fails_strict_field_validation(
        sim: GKESimulator, tmp_path: Path, traffic_extension: Factory) -> None:
    ext = traffic_extension()
    ext["spec"]["extensionChains"][0]["extensions"][0]["timeoutt"] = "1s"
    proc = _kubectl(sim, "apply", "-f", _manifest(tmp_path, ext), check=False)
    assert proc.returncode != 0
    assert 'strict decoding error: unknown field "spec.extensionChains[0].extensions[0].' \
           'timeoutt"' in proc.stderr
    assert sim.store.get(TRAFFIC_EXTENSION, "default", "my-ext") is None
    warned = _kubectl(sim, "apply", "--validate=warn", "-f", _manifest(tmp_path, ext))
    assert "unknown field" in warned.stderr


def test_kubectl_env_keeps_the_discovery_cache_beside_the_kubeconfig(sim: GKESimulator) -> None:
    _kubectl(sim, "get", "namespaces")
    assert (sim.kubeconfig_path.parent / "kube-cache" / "discovery").is_dir()
