"""The wait's failures end with a one-line hint to run the diagnosis, and following it
answers the question."""

from __future__ import annotations

import pytest
from samples import traffic_extension

from gke_service_extensions import (
    ExtensionsClient,
    GCPTrafficExtension,
    ProgrammingFailed,
    WaitTimeoutError,
    diagnose,
)
from gke_service_extensions.diagnosis import Check
from gke_service_extensions.testing import GKESimulator

HINT = "hint: gke_service_extensions.diagnose(client, obj) says why and what to do about it"


def test_programming_failed_ends_with_the_hint_and_the_diagnosis_explains() -> None:
    with GKESimulator(admission=False) as sim:  # the status path: no Service
        sim.add_gateway("external-http")
        client = ExtensionsClient(sim.api_client())
        obj = client.apply(GCPTrafficExtension.from_manifest(traffic_extension()))
        with pytest.raises(ProgrammingFailed) as info:
            client.wait_until_programmed(obj, timeout=10)
        assert str(info.value).splitlines()[-1] == HINT
        assert "ExtensionServiceNotFound" in str(info.value).splitlines()[0]
        checks = [f.check for f in diagnose(client, obj)]
    assert checks == [Check.SERVICE_NOT_FOUND]


def test_wait_timeout_ends_with_the_hint() -> None:
    with GKESimulator(controller=False, gcp=False, admission=False) as sim:
        client = ExtensionsClient(sim.api_client())
        obj = client.apply(GCPTrafficExtension.from_manifest(traffic_extension()))
        with pytest.raises(WaitTimeoutError) as info:
            client.wait_until_programmed(obj, timeout=0.3)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("timed out after 0.3s waiting for GCPTrafficExtension "
                               "default/my-traffic-extension")
    assert lines[-1] == HINT
