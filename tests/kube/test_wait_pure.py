"""Pure parts of the wait: Gateway annotation parsing, backoff policy, error mapping."""

from __future__ import annotations

import json

import pytest
import urllib3
from kubernetes.client import ApiException

from gke_service_extensions import (
    ApiConnectionError,
    ApiTimeoutError,
    ForbiddenError,
    InvalidError,
    KubernetesError,
    NotFoundError,
    ObjectRef,
    ServerError,
    UnknownKindError,
)
from gke_service_extensions.kube._errors_map import error_from_exception
from gke_service_extensions.kube._wait import (
    WatchBackoff,
    binding_annotation,
    parse_resource_annotation,
)
from gke_service_extensions.kube._watch import is_transient


@pytest.mark.parametrize(("value", "expected"), [
    (None, ()),
    ("", ()),
    (" , ", ()),
    ("/projects/1234567890/locations/us-central1/lbRouteExtensions/test-hgbk-default-x",
     ("projects/1234567890/locations/us-central1/lbRouteExtensions/test-hgbk-default-x",)),
    ("projects/9/locations/global/wasmPlugins/p", ("projects/9/locations/global/wasmPlugins/p",)),
    ("projects/9/locations/global/wasmPlugins/a,projects/9/locations/global/wasmPlugins/b",
     ("projects/9/locations/global/wasmPlugins/a", "projects/9/locations/global/wasmPlugins/b")),
    ("/projects/9/locations/r/lbTrafficExtensions/a, projects/9/locations/r/lbTrafficExtensions/b",
     ("projects/9/locations/r/lbTrafficExtensions/a",
      "projects/9/locations/r/lbTrafficExtensions/b")),
    ("gkegw1-abc-default-ext", ("gkegw1-abc-default-ext",)),  # older controllers: bare names
    ("a,,b, ", ("a", "b")),
])
def test_parse_resource_annotation(value: str | None, expected: tuple[str, ...]) -> None:
    assert parse_resource_annotation(value) == expected


def test_binding_annotation_per_kind() -> None:
    assert binding_annotation("GCPTrafficExtension").key == \
        "networking.gke.io/lb-traffic-extensions"
    assert binding_annotation("GCPRoutingExtension").key == \
        "networking.gke.io/lb-route-extensions"
    assert binding_annotation("GCPWasmPlugin").key == "networking.gke.io/wasm-plugins"
    with pytest.raises(UnknownKindError, match="HTTPRoute"):
        binding_annotation("HTTPRoute")


def test_watch_backoff_grows_with_jitter_and_is_capped() -> None:
    b = WatchBackoff(initial=0.1, maximum=1.0)
    for attempt, cap in [(0, 0.1), (1, 0.2), (2, 0.4), (3, 0.8), (4, 1.0), (50, 1.0)]:
        delays = {b.delay(attempt) for _ in range(20)}
        assert all(cap / 2 <= d <= cap for d in delays)
        assert len(delays) > 1  # jittered


def _api_exception(status: int, body: dict[str, object] | None) -> ApiException:
    exc = ApiException(status=status, reason="x")
    exc.body = json.dumps(body) if body is not None else None
    return exc


REF = ObjectRef("GCPTrafficExtension", None, "default")


def map_api_error(exc: BaseException, ref: ObjectRef) -> KubernetesError:
    return error_from_exception(exc, obj=ref)


@pytest.mark.parametrize(("status", "cls", "transient"), [
    (403, ForbiddenError, False), (404, NotFoundError, False), (422, InvalidError, False),
    (500, ServerError, True), (503, ServerError, True), (429, ServerError, True),
])
def test_api_exceptions_map_onto_the_error_tree(status: int, cls: type, transient: bool) -> None:
    err = map_api_error(_api_exception(status, {
        "kind": "Status", "code": status, "reason": "Because", "message": "server said no",
        "details": {"causes": [{"field": "spec.x", "reason": "FieldValueInvalid",
                                "message": "bad"}]}}), REF)
    assert type(err) is cls
    assert err.status == status
    assert err.reason == "Because"
    assert err.server_message == "server said no"
    assert str(err).startswith("GCPTrafficExtension in namespace default: ")
    if status == 422:
        assert "spec.x: bad" in str(err)
    elif status != 404:
        assert str(err).endswith("server said no")
    assert [c.field for c in err.causes] == ["spec.x"]
    assert is_transient(err) is transient


def test_api_exception_without_status_body_keeps_the_reason() -> None:
    exc = ApiException(status=502, reason="Bad Gateway")
    exc.body = None
    err = map_api_error(exc, REF)
    assert isinstance(err, ServerError)
    assert str(err) == "GCPTrafficExtension in namespace default: server error 502: Bad Gateway"
    assert err.server_message == "Bad Gateway"
    assert err.status == 502


def test_network_failures_map_to_timeout_and_connection_errors() -> None:
    pool = urllib3.HTTPConnectionPool("127.0.0.1", 1)
    timeout = map_api_error(urllib3.exceptions.ReadTimeoutError(pool, "/", "read timed out"), REF)
    refused = map_api_error(urllib3.exceptions.MaxRetryError(pool, "/", None), REF)
    assert isinstance(timeout, ApiTimeoutError)
    assert isinstance(refused, ApiConnectionError)
    assert is_transient(timeout)
    assert is_transient(refused)
