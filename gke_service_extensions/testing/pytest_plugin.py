"""pytest plugin: fixtures that start a local GKE simulator.

Registered through the ``pytest11`` entry point, so any project that installs
``gke-service-extensions`` gets these fixtures without a ``conftest.py``:

- ``gke_simulator``: a fresh :class:`~gke_service_extensions.testing.GKESimulator` for one
  test (its own Kubernetes API server on an ephemeral 127.0.0.1 port, empty store). The
  ``gke_simulator`` marker passes keyword arguments to it:
  ``@pytest.mark.gke_simulator(admission=False)`` for a test of the status path (an
  extension whose Gateway or Service is missing is then accepted, and its status says
  why it is not programmed), ``crd_profile="gke-1.33"`` for a cluster of that CRD
  generation.
- ``gke_simulator_session``: one simulator shared by the whole session; tests using it must
  not assume an empty store (use unique names or namespaces).

Both refuse, as GKE does, creating an extension whose Gateway, Service or ready endpoints
are missing (``GKESimulator.admission``).

The simulator is imported only when a fixture is used, so loading the plugin costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._simulator import GKESimulator

__all__ = ["gke_simulator", "gke_simulator_session"]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``gke_simulator`` marker (``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers", "gke_simulator(**kwargs): keyword arguments of the GKESimulator the "
        "gke_simulator fixture starts, e.g. admission=False for the status path")


@pytest.fixture
def gke_simulator(request: pytest.FixtureRequest) -> Iterator[GKESimulator]:
    """A fresh, started GKE simulator for one test; stopped afterwards.

    ``@pytest.mark.gke_simulator(**kwargs)`` on the test (or its class or module) passes
    ``kwargs`` to :class:`~gke_service_extensions.testing.GKESimulator`.
    """
    from ._simulator import GKESimulator

    marker = request.node.get_closest_marker("gke_simulator")
    kwargs: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    with GKESimulator(**kwargs) as sim:
        yield sim


@pytest.fixture(scope="session")
def gke_simulator_session() -> Iterator[GKESimulator]:
    """One started GKE simulator shared by every test of the session."""
    from ._simulator import GKESimulator

    with GKESimulator() as sim:
        yield sim
