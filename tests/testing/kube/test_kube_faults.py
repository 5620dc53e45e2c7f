"""Fault injection and request counting on the simulator's Kubernetes API server."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3
from kubernetes import client, watch

from gke_service_extensions.testing import Faults, KubeAPIServer, ObjectStore

GROUP, VERSION, PLURAL = "networking.gke.io", "v1", "gcptrafficextensions"
Watch: Any = watch.Watch  # untyped in kubernetes 37
_PATH = "/apis/networking.gke.io/v1/namespaces/default/gcptrafficextensions"


class _Server:
    """A bare API server whose fault waits are recorded instead of slept."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self.faults = Faults()
        self.api = KubeAPIServer(ObjectStore(), faults=self.faults, sleep=self._sleep)

    def _sleep(self, seconds: float) -> bool:
        self.slept.append(seconds)
        return False

    def request(self, method: str, path: str, body: Any = None) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.api.port, timeout=5)
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp


@pytest.fixture
def server() -> Iterator[_Server]:
    s = _Server()
    s.api.start()
    yield s
    s.api.stop()


def test_fail_answers_the_next_n_matching_requests_with_the_status(server: _Server) -> None:
    server.faults.fail(503, times=2, verb="list")
    assert server.request("GET", _PATH).status == 503
    assert server.request("GET", f"{_PATH}/x").status == 404  # a get does not match
    assert server.request("GET", _PATH).status == 503
    assert server.request("GET", _PATH).status == 200


def test_fail_can_match_a_path_substring(server: _Server) -> None:
    server.faults.fail(500, times=None, path_contains="/namespaces/team/")
    assert server.request("GET", _PATH).status == 200
    assert server.request("GET", _PATH.replace("default", "team")).status == 500
    server.faults.clear()
    assert server.request("GET", _PATH.replace("default", "team")).status == 200


def test_throttle_answers_429_with_retry_after(server: _Server) -> None:
    server.faults.throttle(times=1, retry_after=2)
    conn = http.client.HTTPConnection("127.0.0.1", server.api.port, timeout=5)
    conn.request("GET", _PATH)
    resp = conn.getresponse()
    body = json.loads(resp.read())
    conn.close()
    assert resp.status == 429
    assert resp.getheader("Retry-After") == "2"
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "TooManyRequests", 429)
    assert body["details"]["retryAfterSeconds"] == 2


def test_latency_delays_matching_requests(server: _Server) -> None:
    server.faults.latency(0.25, resource="gcptrafficextensions")
    assert server.request("GET", _PATH).status == 200
    assert server.request("GET", "/api/v1/namespaces").status == 200
    assert server.slept == [0.25]


def test_stall_holds_the_request_then_hangs_up_without_answering(server: _Server) -> None:
    server.faults.stall(3.0, verb="get")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        server.request("GET", f"{_PATH}/x")
    assert server.slept == [3.0]
    assert server.request("GET", f"{_PATH}/x").status == 404


def test_requests_are_counted_by_verb_and_resource(server: _Server) -> None:
    server.faults.fail(500, times=1)
    server.request("GET", _PATH)
    server.request("GET", _PATH)
    server.request("GET", f"{_PATH}/x")
    server.request("POST", _PATH, {"metadata": {"name": "x"}})
    server.request("GET", f"{_PATH}/x/status")
    assert server.faults.count(verb="list", resource="gcptrafficextensions") == 2
    assert server.faults.count(verb="get") == 2
    assert server.faults.count(resource="gcptrafficextensions/status") == 1
    assert server.faults.count() == 5
    assert server.faults.counts()[("create", "gcptrafficextensions")] == 1
    server.faults.reset_counts()
    assert server.faults.count() == 0


def test_expire_next_watch_sends_a_410_error_event_once(server: _Server) -> None:
    server.faults.expire_next_watch()
    conn = http.client.HTTPConnection("127.0.0.1", server.api.port, timeout=5)
    conn.request("GET", f"{_PATH}?watch=1&resourceVersion=1")
    first = json.loads(conn.getresponse().read().splitlines()[0])
    conn.close()
    assert first["type"] == "ERROR"
    assert (first["object"]["code"], first["object"]["reason"]) == (410, "Expired")
    conn = http.client.HTTPConnection("127.0.0.1", server.api.port, timeout=5)
    conn.request("GET", f"{_PATH}?watch=1&timeoutSeconds=0")
    assert conn.getresponse().read() == b""
    conn.close()


def test_close_watches_after_ends_streams_early(server: _Server) -> None:
    server.faults.close_watches_after(0.05, resource="gcptrafficextensions")
    api: Any = client.ApiClient(client.Configuration(host=server.api.url))
    custom = client.CustomObjectsApi(api)
    w = Watch()
    # the server-side timeout is long and the client read timeout short: only the fault
    # can end this stream without an error
    events = list(w.stream(custom.list_namespaced_custom_object, GROUP, VERSION, "default",
                           PLURAL, timeout_seconds=60, _request_timeout=5))
    api.close()
    assert events == []
    assert server.faults.count(verb="watch") == 1


def test_close_watches_after_none_stops_closing(server: _Server) -> None:
    server.faults.close_watches_after(0.05)
    server.faults.close_watches_after(None)
    api: Any = client.ApiClient(client.Configuration(host=server.api.url))
    custom = client.CustomObjectsApi(api)
    w = Watch()
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        list(w.stream(custom.list_namespaced_custom_object, GROUP, VERSION, "default",
                      PLURAL, timeout_seconds=60, _request_timeout=0.3))
    api.close()


def test_faulted_request_reaches_the_official_client_as_api_exception(server: _Server) -> None:
    server.faults.fail(500, times=1, message="etcd is on fire")
    api: Any = client.ApiClient(client.Configuration(host=server.api.url))
    with pytest.raises(client.ApiException) as err:
        client.CustomObjectsApi(api).list_namespaced_custom_object(GROUP, VERSION, "default",
                                                                   PLURAL)
    api.close()
    assert err.value.status == 500
    assert json.loads(err.value.body or "{}")["message"] == "etcd is on fire"


def test_watch_of_a_client_that_left_is_cleaned_up(server: _Server) -> None:
    server.api.idle_check_interval = 0.02
    conn = http.client.HTTPConnection("127.0.0.1", server.api.port, timeout=5)
    conn.request("GET", f"{_PATH}?watch=1")
    resp = conn.getresponse()
    assert resp.status == 200
    assert server.api.active_watches == 1
    resp.close()
    conn.close()
    deadline = time.monotonic() + 10
    while server.api.active_watches and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.api.active_watches == 0
