"""Fault injection and request counting, as the real clients see them."""

from __future__ import annotations

import pytest
import requests
from google.api_core import exceptions as gexc
from google.api_core.retry import Retry, if_exception_type
from google.cloud import network_services_v1 as ns

from gke_service_extensions.testing._gcp import Faults, GCPServer, GCPState

GLOBAL = "projects/sim-project/locations/global"
EXT = f"{GLOBAL}/lbTrafficExtensions/ext"


@pytest.fixture(autouse=True)
def _extension(state: GCPState) -> None:
    state.put_lb_traffic_extension("global", "ext", {"loadBalancingScheme": "EXTERNAL_MANAGED"})


@pytest.mark.parametrize(("code", "error"), [
    (429, gexc.TooManyRequests),
    (500, gexc.InternalServerError),
    (503, gexc.ServiceUnavailable),
])
def test_injected_error_reaches_the_client_as_its_exception(
    server: GCPServer, dep: ns.DepServiceClient, code: int, error: type[Exception]
) -> None:
    server.faults.fail_next(code=code)
    with pytest.raises(error, match="injected fault"):
        dep.get_lb_traffic_extension(name=EXT)


def test_fail_next_applies_to_exactly_n_requests(
    server: GCPServer, dep: ns.DepServiceClient
) -> None:
    server.faults.fail_next(2, code=503)
    for _ in range(2):
        with pytest.raises(gexc.ServiceUnavailable):
            dep.get_lb_traffic_extension(name=EXT)
    assert dep.get_lb_traffic_extension(name=EXT).name == EXT
    assert server.faults.rules == []


def test_client_retry_recovers_from_transient_faults(
    server: GCPServer, dep: ns.DepServiceClient
) -> None:
    server.faults.fail_next(2, code=503)
    retry = Retry(predicate=if_exception_type(gexc.ServiceUnavailable), initial=0.001,
                  maximum=0.001, timeout=10)
    assert dep.get_lb_traffic_extension(name=EXT, retry=retry).name == EXT
    assert server.faults.count("GET", "*/lbTrafficExtensions/ext") == 3


def test_faults_can_target_method_and_path(server: GCPServer, dep: ns.DepServiceClient) -> None:
    server.faults.fail_next(1, code=500, method="GET", path="*/wasmPlugins*")
    assert dep.get_lb_traffic_extension(name=EXT).name == EXT  # not matched: untouched
    server.faults.fail_next(1, code=500, method="POST")
    assert dep.get_lb_traffic_extension(name=EXT).name == EXT
    assert len(server.faults.rules) == 2


def test_errors_have_googles_json_shape(server: GCPServer) -> None:
    server.faults.fail_next(code=429, message="slow down")
    resp = requests.get(f"{server.endpoint}/v1/{EXT}", timeout=5)
    assert resp.status_code == 429
    assert resp.json() == {"error": {"code": 429, "message": "slow down",
                                     "status": "RESOURCE_EXHAUSTED"}}


def test_latency_is_added_to_matching_requests(
    server: GCPServer, dep: ns.DepServiceClient
) -> None:
    waited: list[float] = []
    server.faults.sleep = waited.append
    server.faults.add_latency(0.25, count=1, path="*/lbTrafficExtensions/*")
    server.faults.add_latency(0.5, method="DELETE")
    dep.get_lb_traffic_extension(name=EXT)
    dep.get_lb_traffic_extension(name=EXT)
    assert waited == [0.25]


def test_removed_and_cleared_rules_stop_applying(
    server: GCPServer, dep: ns.DepServiceClient
) -> None:
    rule = server.faults.fail_next(5, code=503)
    rule.remove()
    assert dep.get_lb_traffic_extension(name=EXT).name == EXT
    server.faults.fail_next(5, code=503)
    server.faults.clear()
    assert dep.get_lb_traffic_extension(name=EXT).name == EXT


def test_requests_are_counted_per_method_and_path(
    server: GCPServer, dep: ns.DepServiceClient
) -> None:
    dep.get_lb_traffic_extension(name=EXT)
    list(dep.list_lb_traffic_extensions(parent=GLOBAL))
    server.faults.fail_next(code=503)
    with pytest.raises(gexc.ServiceUnavailable):
        dep.get_lb_traffic_extension(name=EXT)
    assert server.faults.count() == 3
    assert server.faults.count("GET", f"/v1/{EXT}") == 2  # faulted requests count too
    assert server.faults.count("POST") == 0
    assert [r.path for r in server.faults.requests][1] == f"/v1/{GLOBAL}/lbTrafficExtensions"
    server.faults.reset_counts()
    assert server.faults.count() == 0


def test_bad_fault_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="count"):
        Faults().fail_next(0)
    with pytest.raises(ValueError, match="code"):
        Faults().fail_next(code=200)


def test_negative_latency_is_rejected() -> None:
    with pytest.raises(ValueError, match="seconds"):
        Faults().add_latency(-1)
