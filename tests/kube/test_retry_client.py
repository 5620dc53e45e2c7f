"""Retries of ExtensionsClient calls against the simulator's fault injection.

Sleeps go to a list (no wall time). A lost response is made by a transport wrapper that
lets the request reach the simulator, then raises the error urllib3 raises when the
connection drops before the answer arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import urllib3.exceptions as u3
from tenacity.stop import stop_after_attempt

from gke_service_extensions import (
    AlreadyExistsError,
    ApiConnectionError,
    ApiTimeoutError,
    ServerError,
)
from gke_service_extensions.kube import (
    ApiClientTransport,
    ExtensionsClient,
    PatchType,
    RawResponse,
    Request,
    RetryPolicy,
    StreamResponse,
)
from gke_service_extensions.models import GCPTrafficExtension, UnknownFields
from gke_service_extensions.testing import GKESimulator


def traffic() -> dict[str, Any]:
    return {
        "apiVersion": "networking.gke.io/v1",
        "kind": "GCPTrafficExtension",
        "metadata": {"name": "my-ext", "namespace": "default"},
        "spec": {
            "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                            "name": "gw"}],
            "extensionChains": [{"name": "chain1", "extensions": [{
                "name": "ext1", "authority": "myext.com", "timeout": "1s",
                "supportedEvents": ["RequestHeaders"],
                "backendRef": {"group": "", "kind": "Service", "name": "callout", "port": 443},
            }]}],
        },
    }


def ext() -> GCPTrafficExtension:
    return GCPTrafficExtension.from_manifest(traffic())


@pytest.fixture
def sim() -> Iterator[GKESimulator]:
    with GKESimulator(controller=False, gcp=False, admission=False) as s:
        yield s


@pytest.fixture
def sleeps() -> list[float]:
    return []


class WrappedTransport:
    """The simulator's ApiClient transport, with ``around(request, send)`` in between."""

    def __init__(self, sim: GKESimulator) -> None:
        self.inner = ApiClientTransport(sim.api_client(), owns=True)
        self.host = self.inner.host
        self.around: Callable[[Request, Callable[[Request], RawResponse]], RawResponse] = (
            lambda request, send: send(request))

    def request(self, request: Request) -> RawResponse:
        return self.around(request, self.inner.request)

    def stream(self, request: Request) -> StreamResponse:
        return self.inner.stream(request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def transport(sim: GKESimulator) -> WrappedTransport:
    return WrappedTransport(sim)


@pytest.fixture
def client(transport: WrappedTransport, sleeps: list[float]) -> Iterator[ExtensionsClient]:
    # a fixed CRD profile: these tests list every request of a call (no CRD reads)
    with ExtensionsClient(transport=transport, retry=RetryPolicy(sleep=sleeps.append),
                          profile="newest") as c:
        yield c


def lose_responses(transport: WrappedTransport, method: str, times: int = 1) -> list[str]:
    """Make the next ``times`` ``method`` requests reach the server but lose their answer."""
    seen: list[str] = []

    def lossy(request: Request, send: Callable[[Request], RawResponse]) -> RawResponse:
        response = send(request)
        seen.append(f"{request.method} {response.status}")
        if request.method == method and sum(s.startswith(method) for s in seen) <= times:
            raise u3.ProtocolError("Connection aborted.",
                                   ConnectionResetError(104, "Connection reset by peer"))
        return response

    transport.around = lossy
    return seen


def test_429_with_retry_after_is_retried_after_that_delay(
        client: ExtensionsClient, sim: GKESimulator, sleeps: list[float]) -> None:
    client.create(ext())
    sim.faults.throttle(times=2, retry_after=7, verb="get")
    assert client.get(GCPTrafficExtension, "my-ext").metadata.name == "my-ext"
    assert sleeps == [7.0, 7.0]


def test_503_burst_then_success(client: ExtensionsClient, sim: GKESimulator,
                                sleeps: list[float]) -> None:
    client.create(ext())
    sim.faults.reset_counts()
    sim.faults.fail(503, times=3, verb="list")
    assert len(client.list(GCPTrafficExtension)) == 1
    assert sim.faults.count(verb="list") == 4
    assert len(sleeps) == 3


def test_json_patch_is_not_retried_on_503(client: ExtensionsClient, sim: GKESimulator,
                                          sleeps: list[float]) -> None:
    client.create(ext())
    sim.faults.fail(503, times=1, verb="patch")
    with pytest.raises(ServerError, match="server error 503"):
        client.patch(GCPTrafficExtension, "my-ext",
                     [{"op": "add", "path": "/metadata/labels", "value": {"a": "b"}}],
                     patch_type=PatchType.JSON)
    assert sleeps == []


def test_create_with_lost_response_is_resolved_by_reading_back(
        client: ExtensionsClient, transport: WrappedTransport, sim: GKESimulator) -> None:
    seen = lose_responses(transport, "POST")
    created = client.create(ext())
    assert created.metadata.uid
    assert seen == ["POST 201", "POST 409", "GET 200"]
    assert len(client.list(GCPTrafficExtension)) == 1


def test_create_with_lost_response_finding_a_different_object_raises(
        client: ExtensionsClient, transport: WrappedTransport, sim: GKESimulator) -> None:
    def lost_then_someone_else(request: Request, send: Callable[[Request], RawResponse]
                               ) -> RawResponse:
        if request.method == "POST" and not sim.store.list(GCPTrafficExtension.__resource__)[0]:
            other = traffic()
            other["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "9s"
            sim.store.create(GCPTrafficExtension.__resource__, other)
            raise u3.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
        return send(request)

    transport.around = lost_then_someone_else
    with pytest.raises(AlreadyExistsError, match="different spec or labels"):
        client.create(ext())


def test_create_without_retry_keeps_plain_already_exists(client: ExtensionsClient) -> None:
    client.create(ext())
    with pytest.raises(AlreadyExistsError) as info:
        client.create(ext())
    assert str(info.value) == "GCPTrafficExtension default/my-ext: already exists"


def test_delete_with_lost_response_counts_as_done(
        client: ExtensionsClient, transport: WrappedTransport) -> None:
    client.create(ext())
    seen = lose_responses(transport, "DELETE")
    assert client.delete(GCPTrafficExtension, "my-ext") is None
    assert seen == ["DELETE 200", "DELETE 404"]


def test_replace_with_lost_response_is_resolved_by_reading_back(
        client: ExtensionsClient, transport: WrappedTransport) -> None:
    stored = client.create(ext())
    m = stored.to_manifest()
    m["metadata"]["labels"] = {"x": "y"}
    seen = lose_responses(transport, "PUT")
    replaced = client.replace(GCPTrafficExtension.from_manifest(
        m, unknown_fields=UnknownFields.PRESERVE))
    assert replaced.metadata.labels == {"x": "y"}
    assert seen == ["PUT 200", "PUT 409", "GET 200"]


def test_apply_is_retried_after_a_lost_response(
        client: ExtensionsClient, transport: WrappedTransport) -> None:
    seen = lose_responses(transport, "PATCH")
    applied = client.apply(ext())
    assert applied.metadata.generation == 1
    assert seen == ["PATCH 201", "PATCH 200"]


def test_a_stalled_request_times_out(sim: GKESimulator, sleeps: list[float]) -> None:
    sim.faults.stall(1.0, times=None, verb="get")
    policy = RetryPolicy(stop=stop_after_attempt(2), sleep=sleeps.append)
    with ExtensionsClient(sim.api_client(), request_timeout=(1.0, 0.2), retry=policy) as c, \
            pytest.raises(ApiTimeoutError, match=r"did not answer within 0\.2s") as info:
        c.get(GCPTrafficExtension, "my-ext")
    assert isinstance(info.value, TimeoutError)
    assert len(sleeps) == 1  # timeouts of reads are retried


def test_refused_connection_is_retried_then_reported(sleeps: list[float]) -> None:
    with GKESimulator(controller=False, gcp=False, admission=False) as s:
        api = s.api_client()
    # the simulator is stopped: its port now refuses connections
    with ExtensionsClient(api, retry=RetryPolicy(sleep=sleeps.append)) as c, \
            pytest.raises(ApiConnectionError, match="connection refused") as info:
        c.get(GCPTrafficExtension, "my-ext")
    assert str(info.value).startswith("GCPTrafficExtension default/my-ext: cannot reach")
    assert len(sleeps) == 5
