"""pytest plugin: fixtures that start a local GKE simulator.

Registered through the ``pytest11`` entry point, so any project that installs
``gke-service-extensions`` gets these fixtures without a ``conftest.py``:

- ``gke_simulator``: a fresh :class:`~gke_service_extensions.testing.GKESimulator` for one
  test (its own Kubernetes API server on an ephemeral 127.0.0.1 port, empty store).
- ``gke_simulator_session``: one simulator shared by the whole session; tests using it must
  not assume an empty store (use unique names or namespaces).

The simulator is imported only when a fixture is used, so loading the plugin costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._simulator import GKESimulator

__all__ = ["gke_simulator", "gke_simulator_session"]


@pytest.fixture
def gke_simulator() -> Iterator[GKESimulator]:
    """A fresh, started GKE simulator for one test; stopped afterwards."""
    from ._simulator import GKESimulator

    with GKESimulator() as sim:
        yield sim


@pytest.fixture(scope="session")
def gke_simulator_session() -> Iterator[GKESimulator]:
    """One started GKE simulator shared by every test of the session."""
    from ._simulator import GKESimulator

    with GKESimulator() as sim:
        yield sim
