"""A transport in front of the simulator that records every request (for counting calls)."""

from __future__ import annotations

from gke_service_extensions.kube import ApiClientTransport, RawResponse, Request, StreamResponse
from gke_service_extensions.testing import GKESimulator


class Recorder:
    """Sends through the simulator's ``ApiClientTransport`` and keeps every request."""

    def __init__(self, sim: GKESimulator) -> None:
        self.inner = ApiClientTransport(sim.api_client(), owns=True)
        self.host = self.inner.host
        self.requests: list[Request] = []

    def request(self, request: Request) -> RawResponse:
        self.requests.append(request)
        return self.inner.request(request)

    def stream(self, request: Request) -> StreamResponse:
        self.requests.append(request)
        return self.inner.stream(request)

    def close(self) -> None:
        self.inner.close()

    def writes(self) -> list[Request]:
        """Every request that is not a read."""
        return [r for r in self.requests if r.method != "GET"]
