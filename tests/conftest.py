"""Suite-wide test configuration.

The ``gke_simulator`` / ``gke_simulator_session`` fixtures come from the package's own
pytest plugin (``gke_service_extensions.testing.pytest_plugin``, an entry point). Here:
tests marked ``kubectl`` / ``gcloud`` are skipped when the binary is missing, and tests
marked ``gke`` unless ``GKE_SE_TEST_KUBECONFIG`` names a real cluster's kubeconfig, and tests
marked ``slow`` unless ``GKE_SE_TEST_SLOW=1``.
"""

from __future__ import annotations

import os
import shutil

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = {name: pytest.mark.skip(reason=f"{name} is not installed")
               for name in ("kubectl", "gcloud") if shutil.which(name) is None}
    no_cluster = pytest.mark.skip(reason="set GKE_SE_TEST_KUBECONFIG to run against real GKE")
    no_slow = pytest.mark.skip(reason="slow: set GKE_SE_TEST_SLOW=1 to run it")
    run_slow = os.environ.get("GKE_SE_TEST_SLOW") == "1"
    for item in items:
        for name, skip in missing.items():
            if item.get_closest_marker(name) is not None:
                item.add_marker(skip)
        if item.get_closest_marker("gke") is not None and not os.environ.get(
                "GKE_SE_TEST_KUBECONFIG"):
            item.add_marker(no_cluster)
        if item.get_closest_marker("slow") is not None and not run_slow:
            item.add_marker(no_slow)


@pytest.fixture(autouse=True)
def _no_crd_profile_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their CRD profile themselves: a GKE_SE_CRD_PROFILE in the shell running
    the suite must not change what they check (tests of the variable set it)."""
    monkeypatch.delenv("GKE_SE_CRD_PROFILE", raising=False)
