"""Error mapping on its own: Status bodies and client/urllib3 exceptions -> our tree."""

from __future__ import annotations

import json

import pytest
import urllib3.exceptions as u3
from kubernetes.client.exceptions import ApiException

from gke_service_extensions import (
    AlreadyExistsError,
    ApiConnectionError,
    ApiTimeoutError,
    ConflictError,
    FieldCause,
    ForbiddenError,
    InvalidError,
    KubernetesError,
    NotFoundError,
    ObjectRef,
    ServerError,
    UnauthorizedError,
)
from gke_service_extensions.kube._errors_map import error_from_exception, error_from_response

REF = ObjectRef("GCPTrafficExtension", "my-ext", "default")


def status(code: int, reason: str, message: str = "", **details: object) -> bytes:
    return json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                       "code": code, "reason": reason, "message": message,
                       "details": details}).encode()


@pytest.mark.parametrize(
    ("code", "reason", "error", "text"),
    [
        (404, "NotFound", NotFoundError, "not found"),
        (409, "AlreadyExists", AlreadyExistsError, "already exists"),
        (409, "Conflict", ConflictError, "conflict: msg"),
        (401, "Unauthorized", UnauthorizedError,
         "unauthorized: the credentials were missing or rejected"),
        (403, "Forbidden", ForbiddenError, "forbidden: msg"),
        (400, "BadRequest", InvalidError, "rejected as invalid: msg"),
        (429, "TooManyRequests", ServerError,
         "throttled by the API server (429 TooManyRequests): msg"),
        (500, "InternalError", ServerError, "server error 500 InternalError: msg"),
        (410, "Expired", KubernetesError, "HTTP 410 Expired: msg"),
    ],
)
def test_status_codes_map_to_errors(code: int, reason: str, error: type[KubernetesError],
                                    text: str) -> None:
    err = error_from_response(code, status(code, reason, "msg", name="my-ext"), obj=REF)
    assert type(err) is error
    assert str(err) == f"GCPTrafficExtension default/my-ext: {text}"
    assert err.obj == REF
    assert err.status == code
    assert err.reason == reason
    assert err.server_message == "msg"


def test_invalid_carries_field_causes() -> None:
    body = status(422, "Invalid", "GCPTrafficExtension \"my-ext\" is invalid", name="my-ext",
                  causes=[{"field": "spec.extensionChains[0].name", "reason": "FieldValueInvalid",
                           "message": "Invalid value: \"A\""},
                          {"field": "spec.targetRefs", "reason": "FieldValueRequired",
                           "message": "Required value"}])
    err = error_from_response(422, body, obj=REF)
    assert isinstance(err, InvalidError)
    assert err.causes == (
        FieldCause("spec.extensionChains[0].name", "FieldValueInvalid", 'Invalid value: "A"'),
        FieldCause("spec.targetRefs", "FieldValueRequired", "Required value"),
    )
    assert str(err).splitlines() == [
        "GCPTrafficExtension default/my-ext: rejected as invalid (2 problems)",
        '  - spec.extensionChains[0].name: Invalid value: "A"',
        "  - spec.targetRefs: Required value",
    ]


def test_not_found_of_the_kind_itself_hints_at_the_crd() -> None:
    body = status(404, "NotFound", "the server could not find the requested resource")
    err = error_from_response(404, body, obj=REF)
    assert isinstance(err, NotFoundError)
    assert "is the CRD installed?" in str(err)


def test_non_status_body_becomes_the_server_message() -> None:
    err = error_from_response(502, b"<html>Bad Gateway</html>", obj=REF)
    assert isinstance(err, ServerError)
    assert err.server_message == "<html>Bad Gateway</html>"


def test_api_exception_from_the_kubernetes_client_is_mapped() -> None:
    exc = ApiException(status=409, reason="Conflict")
    exc.body = status(409, "AlreadyExists", "exists", name="my-ext").decode()
    err = error_from_exception(exc, obj=REF)
    assert type(err) is AlreadyExistsError
    assert (err.status, err.reason, err.server_message) == (409, "AlreadyExists", "exists")
    assert err.obj == REF
    assert str(err) == f"{REF}: already exists"


def test_tls_failure_reported_by_the_kubernetes_client_is_a_connection_error() -> None:
    exc = ApiException(status=0, reason="SSLError\n[SSL: CERTIFICATE_VERIFY_FAILED] nope")
    err = error_from_exception(exc, obj=REF)
    assert isinstance(err, ApiConnectionError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(err)


@pytest.mark.parametrize(
    ("exc", "error", "text"),
    [
        (u3.ReadTimeoutError(None, "/", "read timed out"),  # type: ignore[arg-type]
         ApiTimeoutError, "did not answer within 5s"),
        (u3.ConnectTimeoutError("connect timed out"), ApiTimeoutError, "connecting"),
        (u3.NewConnectionError(None, "refused"),  # type: ignore[arg-type]
         ApiConnectionError, "connection refused"),
        (u3.MaxRetryError(None, "/", u3.NewConnectionError(None, "refused")),  # type: ignore[arg-type]
         ApiConnectionError, "connection refused"),
        (u3.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")),
         ApiConnectionError, "connection to the API server was lost"),
        (ValueError("weird"), KubernetesError, "unexpected ValueError: weird"),
    ],
)
def test_transport_exceptions_map_to_errors(exc: BaseException, error: type[KubernetesError],
                                            text: str) -> None:
    err = error_from_exception(exc, obj=REF, timeout=5)
    assert type(err) is error
    assert str(err).startswith("GCPTrafficExtension default/my-ext: ")
    assert text in str(err)


def test_timeouts_are_also_builtin_timeout_errors() -> None:
    err = error_from_exception(u3.ReadTimeoutError(None, "/", "x"), obj=REF)  # type: ignore[arg-type]
    assert isinstance(err, TimeoutError)


def test_list_errors_name_the_kind_and_namespace() -> None:
    err = error_from_response(403, status(403, "Forbidden", "no list"),
                              obj=ObjectRef("GCPWasmPlugin", None, "ns"))
    assert str(err) == "GCPWasmPlugin in namespace ns: forbidden: no list"
