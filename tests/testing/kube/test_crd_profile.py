"""The simulated API server validates against a chosen CRD generation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

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
    with GKESimulator(gcp=False, controller=False) as sim, \
            pytest.raises(client.ApiException) as info:
        _create(sim)
    assert info.value.status == 422
    assert "supportedEvents" in str(info.value.body)


def test_gke_1_33_profile_admits_the_guides_sample() -> None:
    with GKESimulator(gcp=False, controller=False, crd_profile="gke-1.33") as sim:
        created = _create(sim)
    assert created["metadata"]["generation"] == 1
