"""Turn what the Kubernetes API (or the network) said into our exception tree.

Two entry points: :func:`error_from_response` for an HTTP response that is not 2xx (body
usually a ``Status``), and :func:`error_from_exception` for anything the ``kubernetes``
client or urllib3 raised (``ApiException``, timeouts, refused connections, TLS failures).
Messages lead with the object (``GCPTrafficExtension default/my-ext: not found``) and go
through a :class:`~._redact.Redactor` so no credential can end up in them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import urllib3.exceptions as u3

from .._errors import (
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
from ._redact import Redactor

__all__ = [
    "error_from_exception",
    "error_from_response",
    "is_connect_phase_error",
    "parse_status",
    "unwrap_transport_error",
]

_NO_REDACTION = Redactor()


def parse_status(body: bytes | str | None) -> dict[str, Any]:
    """The ``Status`` object in an error body, or ``{}`` if the body is not one."""
    if not body:
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _causes(status: Mapping[str, Any]) -> list[FieldCause]:
    details = status.get("details")
    raw = details.get("causes") if isinstance(details, Mapping) else None
    if not isinstance(raw, list):
        return []
    return [
        FieldCause(
            field=str(c.get("field") or ""),
            reason=str(c.get("reason") or ""),
            message=str(c.get("message") or ""),
        )
        for c in raw
        if isinstance(c, Mapping)
    ]


def _subject(obj: ObjectRef | None) -> str:
    if obj is None:
        return "Kubernetes API"
    if obj.name is None and obj.namespace:
        return f"{obj.kind} in namespace {obj.namespace}"
    return str(obj)


def error_from_response(
    status: int,
    body: bytes | str | None,
    *,
    obj: ObjectRef | None,
    redact: Redactor = _NO_REDACTION,
) -> KubernetesError:
    """The error for a non-2xx response; the body is parsed as a ``Status`` if it is one."""
    st = parse_status(body)
    reason = st.get("reason") if isinstance(st.get("reason"), str) else None
    raw_message = st.get("message") if isinstance(st.get("message"), str) else None
    if raw_message is None and body and not st:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        raw_message = text.strip()[:500] or None
    server_message = redact(raw_message) if raw_message else None
    causes = [
        FieldCause(redact(c.field), c.reason, redact(c.message)) for c in _causes(st)
    ]
    who = _subject(obj)
    detail = f": {server_message}" if server_message else ""
    cls: type[KubernetesError]

    if status == 404:
        cls, summary = NotFoundError, "not found"
        details = st.get("details")
        named = details.get("name") if isinstance(details, Mapping) else None
        if obj is not None and obj.name and not named and server_message:
            # The kind itself is unknown to the server (CRD not installed, wrong version).
            summary = f"not found ({server_message}; is the CRD installed?)"
        elif obj is not None and named and named != obj.name and server_message:
            # Something else is missing, e.g. the namespace.
            summary = f"not found ({server_message})"
    elif status == 409 and reason == "AlreadyExists":
        cls, summary = AlreadyExistsError, "already exists"
    elif status == 409:
        cls, summary = ConflictError, f"conflict{detail}"
    elif status in (400, 422):
        cls = InvalidError
        if causes:
            plural = "s" if len(causes) != 1 else ""
            summary = f"rejected as invalid ({len(causes)} problem{plural})"
            summary += "".join(f"\n  - {c}" for c in causes)
        else:
            summary = f"rejected as invalid{detail}"
    elif status == 401:
        cls, summary = UnauthorizedError, "unauthorized: the credentials were missing or rejected"
    elif status == 403:
        cls, summary = ForbiddenError, f"forbidden{detail}"
    elif status == 429:
        cls, summary = ServerError, f"throttled by the API server (429 TooManyRequests){detail}"
    elif status >= 500:
        cls, summary = ServerError, f"server error {status}{f' {reason}' if reason else ''}{detail}"
    else:
        cls = KubernetesError
        summary = f"HTTP {status}{f' {reason}' if reason else ''}{detail}"

    return cls(
        redact(f"{who}: {summary}"),
        obj=obj,
        status=status,
        reason=reason,
        server_message=server_message,
        causes=causes,
    )


def unwrap_transport_error(exc: BaseException) -> BaseException:
    """The underlying cause of a urllib3 ``MaxRetryError`` (urllib3 wraps after its retries)."""
    while isinstance(exc, u3.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    return exc


def is_connect_phase_error(exc: BaseException) -> bool:
    """True if the request can not have reached the server (so resending is always safe)."""
    exc = unwrap_transport_error(exc)
    return isinstance(exc, u3.NewConnectionError | u3.ConnectTimeoutError | ConnectionRefusedError)


def error_from_exception(
    exc: BaseException,
    *,
    obj: ObjectRef | None,
    redact: Redactor = _NO_REDACTION,
    timeout: object = None,
) -> KubernetesError:
    """Our error for an exception raised by the ``kubernetes`` client, urllib3 or the socket."""
    if isinstance(exc, KubernetesError):
        return exc
    from kubernetes.client.exceptions import ApiException, OpenApiException

    who = _subject(obj)
    inner = unwrap_transport_error(exc)
    if isinstance(inner, ApiException):
        status = inner.status if isinstance(inner.status, int) else 0
        if status:
            return error_from_response(status, inner.body or inner.reason, obj=obj, redact=redact)
        # status 0: the kubernetes REST layer turned a TLS failure into an ApiException.
        first = str(inner.reason or "TLS error").splitlines()
        text = " ".join(first[:2]) if first else "TLS error"
        return ApiConnectionError(
            redact(f"{who}: cannot reach the API server: {text}"), obj=obj
        )
    if isinstance(inner, u3.ConnectTimeoutError) and not isinstance(inner, u3.NewConnectionError):
        return ApiTimeoutError(
            redact(f"{who}: connecting to the API server timed out{_after(timeout)}"), obj=obj
        )
    if isinstance(inner, u3.ReadTimeoutError | TimeoutError):
        return ApiTimeoutError(
            redact(f"{who}: the API server did not answer{_after(timeout)}"), obj=obj
        )
    if isinstance(inner, u3.NameResolutionError):
        return ApiConnectionError(
            redact(f"{who}: cannot reach the API server: host name does not resolve"), obj=obj
        )
    if isinstance(inner, u3.NewConnectionError | ConnectionRefusedError):
        return ApiConnectionError(
            redact(f"{who}: cannot reach the API server: connection refused"), obj=obj
        )
    if isinstance(inner, u3.SSLError):
        return ApiConnectionError(
            redact(f"{who}: cannot reach the API server: TLS error: {inner}"), obj=obj
        )
    if isinstance(inner, u3.ProtocolError | ConnectionError):
        return ApiConnectionError(
            redact(f"{who}: the connection to the API server was lost: {_short(inner)}"),
            obj=obj,
        )
    if isinstance(inner, u3.HTTPError | OSError):
        return ApiConnectionError(
            redact(f"{who}: cannot reach the API server: {_short(inner)}"), obj=obj
        )
    if isinstance(inner, OpenApiException):
        return KubernetesError(redact(f"{who}: request could not be sent: {inner}"), obj=obj)
    return KubernetesError(
        redact(f"{who}: unexpected {type(inner).__name__}: {_short(inner)}"), obj=obj
    )


def _after(timeout: object) -> str:
    return f" within {timeout}s" if timeout is not None else ""


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:300]
