"""The simulator's stand-in for GKE's gateway controller.

:class:`GatewayController` watches the simulator's object store, reconciles
GCPTrafficExtension, GCPRoutingExtension and GCPWasmPlugin objects, writes their
``status.ancestors``, records Events, annotates Gateways and programs the simulated Google
Cloud state. The decisions themselves are pure functions (:func:`evaluate` and friends),
testable with plain dicts.

Behaviour where GKE is not documented (decided here, kept in one place each):

- GCPWasmPlugin ancestors are the existing Gateways targeted by the extensions that name
  the plugin in a backendRef; an unreferenced plugin has no ancestors but is still
  programmed into a global WasmPlugin. A version image that does not resolve in the GCP
  state fails the plugin with Accepted=False ``InvalidGCPWasmPlugin`` and every extension
  using it with the same reason.
- A failure sets its own condition False and ``Programmed=False`` with the same reason and
  message; ``ResolvedRefs`` is left out after an ``Accepted`` failure (not evaluated).
- A Service without ready endpoints is ResolvedRefs=False ``ExtensionServiceNotFound``
  (``spec.service: no network endpoints found for service "X"``); it recovers on its own
  once endpoints are ready.
- The oldest extension of a kind (creationTimestamp, then namespace/name) that passes the
  target and class checks holds a Gateway's slot, even if its backends fail.
- While a new generation programs, the Google Cloud resources keep the last programmed
  configuration; a failure or a lost ancestor removes them.
- An extension that uses a GCPWasmPlugin is not programmed before the plugin is.
- One LbTrafficExtension/LbRouteExtension per (extension, Gateway); WasmPlugin and version
  ids are generated in GKE's ``PREFIX-...-SUFFIX`` form (``_gke.generated_id``), the hash
  scheme being undocumented.
- Events: ``Normal ADD|UPDATE|DELETE <ns>/<name>``, ``Normal SYNC Attachment of <Kind>
  "<ns>/<name>" to AncestorRef {...} was a success``, ``Warning SYNC Attachment of ...
  failed: <reason>: <message>``; repeats bump ``count``.
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
