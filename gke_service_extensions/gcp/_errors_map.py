"""Google library exceptions -> this package's :class:`~gke_service_extensions.GCPError` tree.

``google.api_core.exceptions`` classes are chosen by HTTP status over REST (and by gRPC code
over gRPC); ``requests`` and ``google.auth`` errors escape the REST transport as they are.
All of them are recognised here by name and module, so nothing Google is imported until an
error is actually mapped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .._errors import (
    GCPAuthenticationError,
    GCPError,
    GCPNotFoundError,
    GCPPermissionDeniedError,
    GCPQuotaError,
    GCPTimeoutError,
    GCPUnavailableError,
)

__all__ = ["is_retryable", "permission_from_message", "to_gcp_error"]

_STATUS_BY_CODE = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
    404: "NOT_FOUND", 409: "ALREADY_EXISTS", 412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL", 501: "UNIMPLEMENTED",
    503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}
_RETRYABLE_STATUSES = frozenset({"UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED"})
# "Permission 'networkservices.wasmPlugins.get' denied on resource ..." (IAM's wording), or
# "... permission networkservices.wasmPlugins.get ..." / "... requires permission(s) ...".
_PERMISSION_RE = re.compile(
    r"[Pp]ermissions?(?:\(s\))?\s*(?:\[|')?\s*['\"]?(?P<perm>[a-z][a-zA-Z0-9]*(?:\.[a-zA-Z0-9]+){2,})"
)
_REST_PREFIX_RE = re.compile(r"^[A-Z]+ https?://\S+: ")


def _is_api_call_error(exc: BaseException) -> bool:
    return any(c.__name__ == "GoogleAPICallError" and c.__module__ == "google.api_core.exceptions"
               for c in type(exc).__mro__)


def _requests_error(exc: BaseException) -> str | None:
    """``"timeout"`` / ``"connection"`` for requests' transport errors, else None."""
    names = {c.__name__ for c in type(exc).__mro__ if c.__module__.startswith("requests")}
    if "ReadTimeout" in names:
        return "timeout"
    if "ConnectionError" in names or "ConnectTimeout" in names:
        return "connection"
    if "Timeout" in names:
        return "timeout"
    return None


def _status_of(exc: BaseException) -> tuple[int | None, str | None]:
    """(HTTP status, google.rpc status name) of a GoogleAPICallError."""
    code = getattr(exc, "code", None)
    http = code if isinstance(code, int) else None
    grpc_code = getattr(exc, "grpc_status_code", None)
    status = getattr(grpc_code, "name", None)
    payload = _payload(exc)
    if isinstance(payload.get("status"), str):
        status = payload["status"]
    if isinstance(payload.get("code"), int) and http is None:
        http = payload["code"]
    if status is None and http is not None:
        status = _STATUS_BY_CODE.get(http)
    return http, status


def _payload(exc: BaseException) -> Mapping[str, Any]:
    """The ``error`` object of a REST error response, or {}."""
    response = getattr(exc, "response", None)
    content = getattr(response, "content", None)
    if not isinstance(content, bytes | str) or not content:
        return {}
    try:
        body = json.loads(content)
    except ValueError:
        return {}
    if isinstance(body, list):
        body = next((b for b in body if isinstance(b, dict)), {})
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def is_retryable(exc: BaseException) -> bool:
    """Whether a failed attempt is worth another: UNAVAILABLE, DEADLINE_EXCEEDED, 429,
    or the API unreachable / not answering in time."""
    if _requests_error(exc) is not None:
        return True
    if type(exc).__name__ == "TransportError" and type(exc).__module__ == "google.auth.exceptions":
        return True  # fetching a token failed on the network
    if _is_api_call_error(exc):
        http, status = _status_of(exc)
        return status in _RETRYABLE_STATUSES or http in (429, 503, 504)
    return False


def permission_from_message(message: str) -> str | None:
    """The IAM permission named in an API error message, if any."""
    m = _PERMISSION_RE.search(message)
    return m.group("perm") if m else None


def _server_message(exc: BaseException) -> str:
    payload = _payload(exc)
    if isinstance(payload.get("message"), str):
        return str(payload["message"])
    message = str(getattr(exc, "message", None) or exc)
    return _REST_PREFIX_RE.sub("", message)


def to_gcp_error(exc: BaseException, *, resource: str, action: str,
                 attempts: int = 1) -> GCPError | None:
    """The :class:`GCPError` for a Google library exception; None if it is not one.

    ``resource`` is the name the call was about and ``action`` what was done to it
    (``get``, ``list``...). Raise the result ``from exc``.
    """
    if isinstance(exc, GCPError):
        return exc
    after = f" after {attempts} attempts" if attempts > 1 else ""
    kind = _requests_error(exc)
    if kind == "timeout":
        return GCPTimeoutError(
            f"{resource}: {action} got no answer in time{after} ({type(exc).__name__}: {exc})",
            resource=resource, status="DEADLINE_EXCEEDED", server_message=str(exc),
            attempts=attempts)
    if kind == "connection":
        return GCPUnavailableError(
            f"{resource}: {action} could not reach the API{after} ({type(exc).__name__}: "
            f"{exc})", resource=resource, status="UNAVAILABLE", server_message=str(exc),
            attempts=attempts)
    module = type(exc).__module__
    if module == "google.auth.exceptions":
        if type(exc).__name__ == "TransportError":
            return GCPUnavailableError(
                f"{resource}: {action} could not fetch an access token{after}: {exc}",
                resource=resource, status="UNAVAILABLE", server_message=str(exc),
                attempts=attempts)
        return GCPAuthenticationError(
            f"{resource}: {action} has no usable Google Cloud credentials "
            f"({str(exc).rstrip('.')}); run 'gcloud auth application-default login' or "
            f"pass credentials=",
            resource=resource, status="UNAUTHENTICATED", server_message=str(exc),
            attempts=attempts)
    if type(exc).__name__ == "ParseError" and module.startswith("google.protobuf"):
        return GCPError(f"{resource}: the answer to {action} could not be read: {exc}",
                        resource=resource, attempts=attempts)
    if not _is_api_call_error(exc):
        return None
    http, status = _status_of(exc)
    server = _server_message(exc)
    reason = getattr(exc, "reason", None)
    context: dict[str, Any] = {
        "resource": resource, "code": http, "status": status, "server_message": server,
        "reason": reason if isinstance(reason, str) else None, "attempts": attempts}
    said = f"{http} {status}" if http is not None else str(status)
    if status == "NOT_FOUND" or http == 404:
        return GCPNotFoundError(f"{resource}: not found ({said}): {server}", **context)
    if status == "PERMISSION_DENIED" or http == 403:
        metadata = getattr(exc, "metadata", None)
        permission = metadata.get("permission") if isinstance(metadata, Mapping) else None
        permission = permission or permission_from_message(server)
        missing = f"missing permission {permission}" if permission else "permission denied"
        return GCPPermissionDeniedError(f"{resource}: {action}: {missing} ({said}): {server}",
                                        permission=permission, **context)
    if status == "UNAUTHENTICATED" or http == 401:
        return GCPAuthenticationError(
            f"{resource}: {action}: the credentials were rejected ({said}): {server}",
            **context)
    if status == "RESOURCE_EXHAUSTED" or http == 429:
        return GCPQuotaError(
            f"{resource}: {action}: rate limit or quota exceeded{after} ({said}): {server}",
            **context)
    if status == "UNAVAILABLE" or http == 503:
        return GCPUnavailableError(
            f"{resource}: {action}: the API is unavailable{after} ({said}): {server}",
            **context)
    if status == "DEADLINE_EXCEEDED" or http == 504:
        return GCPTimeoutError(
            f"{resource}: {action}: the API did not answer in time{after} ({said}): {server}",
            **context)
    return GCPError(f"{resource}: {action} failed ({said}): {server}", **context)
