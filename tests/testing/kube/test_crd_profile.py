"""The simulated cluster serves and enforces the CRDs of a chosen generation."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from gke_service_extensions import UnknownProfileError
from gke_service_extensions.models import PROFILES, profile_from_crds
from gke_service_extensions.testing import GKESimulator

GUIDE_SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "traffic-extension.yaml"


def _create(sim: GKESimulator) -> dict[str, Any]:
    api: Any = sim.api_client()
    try:
        return client.CustomObjectsApi(api).create_namespaced_custom_object(  # type: ignore[no-any-return]
            "networking.gke.io", "v1", "default", "gcptrafficextensions",
            yaml.safe_load(GUIDE_SAMPLE.read_text()))
    finally:
        api.close()


def test_newest_profile_rejects_the_guides_sample_without_supported_events() -> None:
    with GKESimulator(gcp=False, controller=False, admission=False) as sim, \
            pytest.raises(client.ApiException) as info:
        _create(sim)
    assert info.value.status == 422
    assert "supportedEvents" in str(info.value.body)


def test_gke_1_33_profile_admits_the_guides_sample() -> None:
    with GKESimulator(gcp=False, controller=False, admission=False, crd_profile="gke-1.33") as sim:
        created = _create(sim)
    assert created["metadata"]["generation"] == 1


def _served_crds(sim: GKESimulator) -> list[dict[str, Any]]:
    api: Any = sim.api_client()
    try:
        listed = client.ApiextensionsV1Api(api).list_custom_resource_definition()
        return [api.sanitize_for_serialization(crd) for crd in listed.items]
    finally:
        api.close()


@pytest.mark.parametrize("name", ["newest", "gke-1.33"])
def test_the_simulator_serves_the_crds_of_its_generation(name: str) -> None:
    with GKESimulator(gcp=False, controller=False, admission=False, crd_profile=name) as sim:
        crds = _served_crds(sim)
    names = {crd["metadata"]["name"] for crd in crds}
    assert {"gcptrafficextensions.networking.gke.io", "gcproutingextensions.networking.gke.io",
            "gcpwasmplugins.networking.gke.io", "gateways.gateway.networking.k8s.io"} <= names
    derived = profile_from_crds(crds)
    assert derived == PROFILES[name]
    assert derived.name == name


@pytest.mark.kubectl
@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_get_crd_lists_them() -> None:
    with GKESimulator(gcp=False, controller=False, admission=False) as sim:
        proc = subprocess.run(["kubectl", "get", "crd"], capture_output=True, text=True,
                              timeout=60, check=False, env={**os.environ, **sim.kubectl_env()})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["NAME", "CREATED", "AT"]
    assert any(line.startswith("gcptrafficextensions.networking.gke.io ") for line in lines)


def test_the_client_setting_does_not_change_what_the_simulator_enforces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GKE_SE_CRD_PROFILE", "gke-1.33")
    with GKESimulator(gcp=False, controller=False, admission=False) as sim, \
            pytest.raises(client.ApiException) as info:
        _create(sim)
    assert info.value.status == 422


@pytest.mark.parametrize("bad", ["gke-1.20", "cluster"])
def test_a_simulator_needs_a_known_generation(bad: str) -> None:
    with pytest.raises(UnknownProfileError, match=r"needs a CRD generation.*gke-1\.33, newest"):
        GKESimulator(gcp=False, controller=False, admission=False, crd_profile=bad)
