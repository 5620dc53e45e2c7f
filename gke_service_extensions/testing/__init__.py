"""A local GKE simulator for tests: Kubernetes API, Google Cloud APIs, gateway controller.

``GKESimulator`` starts everything on 127.0.0.1; the pytest plugin provides it as the
``gke_simulator`` (per test) and ``gke_simulator_session`` fixtures. Importing this package
starts nothing and imports neither the kubernetes client nor the Google Cloud clients.
"""

from __future__ import annotations

from ._controller import ControllerSettings, GatewayController
from ._gcp import GCPServer, GCPState
from ._kube._faults import Faults
from ._kube._server import KubeAPIServer
from ._kube._store import ObjectStore, WatchEvent
from ._simulator import GKESimulator

__all__ = [
    "ControllerSettings",
    "Faults",
    "GCPServer",
    "GCPState",
    "GKESimulator",
    "GatewayController",
    "KubeAPIServer",
    "ObjectStore",
    "WatchEvent",
]
