"""Pieces shared by the simulated REST APIs: the parsed request, errors, pagination."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gke_service_extensions.testing._gcp._faults import status_for_code

__all__ = ["ApiError", "ApiRequest", "paginate"]

_MAX_PAGE_SIZE = 1000


class ApiError(Exception):
    """Answer the request with a Google error (``{"error": {code, message, status}}``)."""

    def __init__(self, code: int, message: str, status: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or status_for_code(code)

    @classmethod
    def not_found(cls, what: str) -> ApiError:
        """404 NOT_FOUND for resource ``what``."""
        return cls(404, f"Resource '{what}' was not found")

    @classmethod
    def invalid(cls, message: str) -> ApiError:
        """400 INVALID_ARGUMENT."""
        return cls(400, message, "INVALID_ARGUMENT")

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One REST call after parsing.

    ``segments`` are the decoded path segments after the version (``["projects", "p",
    "locations", "global", "wasmPlugins", "wp"]``); ``verb`` is a custom method suffix such
    as ``cancel`` (``.../operations/o:cancel``); ``enum_int`` is True when the client asked
    for ``enum-encoding=int``.
    """

    method: str
    version: str
    segments: Sequence[str]
    query: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    verb: str | None = None
    enum_int: bool = False

    def param(self, name: str) -> str | None:
        """A query parameter by its camelCase (or snake_case) name."""
        if name in self.query:
            return self.query[name]
        snake = re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()
        return self.query.get(snake)

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object (400 if it is not one)."""
        if self.body is None:
            return {}
        if not isinstance(self.body, Mapping):
            raise ApiError.invalid("Invalid JSON payload: expected a JSON object")
        return dict(self.body)


def paginate(
    request: ApiRequest, items: list[dict[str, Any]], key: str
) -> dict[str, Any]:
    """The list response ``{key: [...], "nextPageToken": ...}`` for ``pageSize``/``pageToken``.

    Empty lists are omitted, as Google omits empty fields. ``filter`` and ``orderBy`` are
    ignored; items come sorted by name.
    """
    size_text = request.param("pageSize") or "0"
    try:
        size = int(size_text)
    except ValueError:
        raise ApiError.invalid(f"Invalid value for pageSize: {size_text!r}") from None
    if size < 0:
        raise ApiError.invalid(f"pageSize must not be negative, got {size}")
    size = min(size or _MAX_PAGE_SIZE, _MAX_PAGE_SIZE)
    token = request.param("pageToken") or ""
    start = _decode_token(token) if token else 0
    page = items[start:start + size]
    out: dict[str, Any] = {}
    if page:
        out[key] = page
    if start + size < len(items):
        out["nextPageToken"] = _encode_token(start + size)
    return out


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind != "offset" or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError.invalid(f"Invalid pageToken: {token!r}") from None
