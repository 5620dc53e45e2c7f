"""Kubernetes ``Status`` error answers, shaped like the real API server's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...models._meta import ResourceInfo
from ._store import StoreError, StoreGone

__all__ = ["ApiError", "details_for", "from_store_error", "gone_status"]


class ApiError(Exception):
    """An error answered as a Kubernetes ``Status`` object (``code``, ``reason``,
    ``message``, optional ``details`` and extra response headers)."""

    def __init__(self, code: int, reason: str, message: str, *,
                 details: dict[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.details = details
        self.headers = dict(headers or {})

    def status(self) -> dict[str, Any]:
        """The ``Status`` body."""
        body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                "status": "Failure", "message": self.message,
                                "reason": self.reason}
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body


def details_for(info: ResourceInfo, name: str | None) -> dict[str, Any]:
    """``details`` naming an object: ``{name, group, kind: <plural>}`` as the server does."""
    d: dict[str, Any] = {}
    if name:
        d["name"] = name
    if info.group:
        d["group"] = info.group
    d["kind"] = info.plural
    return d


def from_store_error(err: StoreError, info: ResourceInfo) -> ApiError:
    """The API answer for a store error (404, 409, 410, 422)."""
    if isinstance(err, StoreGone):
        return ApiError(410, "Expired", err.message)
    return ApiError(err.code, err.status_reason, err.message,
                    details=details_for(err.info or info, err.name))


def gone_status(resource_version: str, message: str | None = None) -> dict[str, Any]:
    """The ``Status`` of a watch ERROR event for a too old resourceVersion."""
    return ApiError(410, "Expired",
                    message or f"too old resource version: {resource_version}").status()
