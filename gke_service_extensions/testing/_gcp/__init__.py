"""The simulator's Google Cloud half: in-memory state and a REST server for it."""

from gke_service_extensions.testing._gcp._faults import FaultRule, Faults, RecordedRequest
from gke_service_extensions.testing._gcp._server import GCPServer
from gke_service_extensions.testing._gcp._state import GCPState, ImageRef, parse_image_uri

__all__ = [
    "FaultRule",
    "Faults",
    "GCPServer",
    "GCPState",
    "ImageRef",
    "RecordedRequest",
    "parse_image_uri",
]
