"""The simulator's stand-in for GKE's gateway controller.

:class:`GatewayController` watches the simulator's object store, reconciles
GCPTrafficExtension, GCPRoutingExtension and GCPWasmPlugin objects, writes their
``status.ancestors``, records Events, annotates Gateways and programs the simulated Google
Cloud state. The decisions themselves are pure functions (:func:`evaluate` and friends),
testable with plain dicts.
"""

from ._controller import GatewayController
from ._reconcile import AncestorVerdict, Failure, ObjectVerdict, evaluate
from ._settings import GKE_CONTROLLER_NAME, ControllerSettings
from ._world import ObjectKey, World

__all__ = [
    "GKE_CONTROLLER_NAME",
    "AncestorVerdict",
    "ControllerSettings",
    "Failure",
    "GatewayController",
    "ObjectKey",
    "ObjectVerdict",
    "World",
    "evaluate",
]
