"""What the end-to-end scripts share: the lines a user's script would write inline.

Each script in this folder is run as ``python SCRIPT ARGS`` with ``KUBECONFIG`` pointing at a
simulator in another process. It prints ``observed <OUTCOME>`` when the wait first sees the
object (``on_change``), one ``result ...`` line, and last the threads still alive once the
client is closed (there should be none but the main thread).
"""

from __future__ import annotations

import threading
from typing import Any

from gke_service_extensions.models import (
    BackendRef,
    Event,
    Extension,
    ExtensionChain,
    ExtensionSpec,
    GCPTrafficExtension,
    MatchCondition,
    ObjectMeta,
    TargetRef,
)


def extension(namespace: str, name: str, gateway: str,
              service: str = "extension-service") -> GCPTrafficExtension:
    """A traffic extension on ``gateway`` calling ``service`` (port 443)."""
    return GCPTrafficExtension(
        metadata=ObjectMeta(name=name, namespace=namespace),
        spec=ExtensionSpec(
            target_refs=[TargetRef.gateway(gateway)],
            extension_chains=[ExtensionChain(
                name="chain1",
                match_condition=MatchCondition.cel('request.path.startsWith("/")'),
                extensions=[Extension(
                    name="ext1", authority="myext.example.com", timeout="1s",
                    supported_events=[Event.REQUEST_HEADERS],
                    backend_ref=BackendRef.service(service, 443))],
            )],
        ),
    ).validated()


def on_change(state: Any) -> None:
    """Progress callback: one line per change, flushed so the test can react to it."""
    print(f"observed {state.outcome.name}", flush=True)


def finish() -> None:
    """Print the threads that outlived the client (the test expects ``none``)."""
    left = sorted(t.name for t in threading.enumerate() if t is not threading.main_thread())
    print(f"threads left: {', '.join(left) or 'none'}", flush=True)
