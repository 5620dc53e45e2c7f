"""List and watch of one kind in one namespace, through the client's own request path.

The wait (``_wait.py``) builds an informer from these two calls. Both go through
:class:`~gke_service_extensions.ExtensionsClient`'s transport, error mapping and redaction;
the list is retried by a :class:`~._retry.RetryPolicy` (the client's, bounded by the wait's
deadline). A watch is opened once and not retried here: when it ends, breaks, expires or
stays silent, the caller re-lists.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._errors import (
    ApiConnectionError,
    ApiTimeoutError,
    KubernetesError,
    ObjectRef,
    ServerError,
)
from ..models._meta import ResourceInfo
from ._errors_map import error_from_response
from ._retry import RawResponse, RetryPolicy
from ._transport import Request, StreamResponse

if TYPE_CHECKING:
    from ._client import ExtensionsClient

__all__ = [
    "ListResult",
    "RawEvent",
    "WatchExpired",
    "WatchSilent",
    "WatchStream",
    "is_transient",
    "list_objects",
]

#: Longest single watch request; the server ends it after this many seconds and we re-list.
MAX_WATCH_SECONDS = 300


class WatchExpired(Exception):
    """The watch's resourceVersion is too old (HTTP 410 Gone): re-list."""


class WatchSilent(Exception):
    """Nothing at all (no event, no bookmark) arrived for the silence bound: re-list."""


@dataclass(frozen=True, slots=True)
class ListResult:
    """Objects of one kind in one namespace and the list's resourceVersion."""

    items: list[dict[str, Any]]
    resource_version: str


@dataclass(frozen=True, slots=True)
class RawEvent:
    """One watch event: ``ADDED``, ``MODIFIED``, ``DELETED`` or ``BOOKMARK``, wire-form object."""

    type: str
    object: dict[str, Any]


def _query(field_selector: str | None) -> list[tuple[str, str]]:
    return [("fieldSelector", field_selector)] if field_selector else []


def list_objects(
    client: ExtensionsClient, info: ResourceInfo, namespace: str, *,
    field_selector: str | None, retry: RetryPolicy, read_timeout: float,
) -> ListResult:
    """List ``info`` objects in ``namespace`` (one page), retried by ``retry``."""
    from ._client import _path

    ref = ObjectRef(info.kind, None, namespace)
    connect = min(client.request_timeout[0], read_timeout)
    result = client._execute("GET", _path(info, namespace), ref=ref,
                             query=_query(field_selector), idempotent=True, retry=retry,
                             timeout=(connect, read_timeout))
    data = client._json(client._ok(result.response, ref), ref)
    items = [i for i in data.get("items") or [] if isinstance(i, dict)]
    for item in items:
        item.setdefault("apiVersion", info.api_version)
        item.setdefault("kind", info.kind)
    rv = (data.get("metadata") or {}).get("resourceVersion") or ""
    return ListResult(items, str(rv))


class WatchStream:
    """One watch request from ``resource_version``; iterate for events, ``close()`` anywhere.

    The server is asked to end the request after ``seconds`` (``timeoutSeconds``) and to send
    bookmarks. Response headers must arrive within ``header_timeout``; after that, a read that
    sees nothing for ``silence`` seconds raises :class:`WatchSilent`. Iteration ends when the
    server closes the stream; it raises :class:`WatchExpired` on 410 Gone and errors of our
    tree otherwise.
    """

    def __init__(
        self, client: ExtensionsClient, info: ResourceInfo, namespace: str,
        resource_version: str, *, field_selector: str | None, seconds: float,
        header_timeout: float, silence: float,
    ) -> None:
        from ._client import _path

        self._client = client
        self._ref = ObjectRef(info.kind, None, namespace)
        self._seconds = max(1, min(MAX_WATCH_SECONDS, math.ceil(seconds)))
        query = [("watch", "true"), ("allowWatchBookmarks", "true"),
                 ("timeoutSeconds", str(self._seconds))]
        if resource_version:
            query.append(("resourceVersion", resource_version))
        query += _query(field_selector)
        header_timeout = max(0.05, header_timeout)
        self._request = Request(
            "GET", _path(info, namespace), tuple(query),
            timeout=(min(client.request_timeout[0], header_timeout), header_timeout),
            idle=max(0.05, silence))
        self._response: StreamResponse | None = None
        self._closed = False

    def __iter__(self) -> Iterator[RawEvent]:
        client, ref = self._client, self._ref
        try:
            response = client.transport.stream(self._request)
        except Exception as exc:
            raise client.translate_error(exc, obj=ref) from None
        self._response = response
        if self._closed:
            response.close()
            return
        try:
            if response.status != 200:
                body = response.read()
                if response.status == 410:
                    raise WatchExpired(f"HTTP 410: {body[:200]!r}")
                raise client._error(RawResponse(response.status, response.headers, body), ref)
            for line in response.lines():
                event = self._parse(line)
                if event is not None:
                    yield event
        except TimeoutError:
            raise WatchSilent(f"watch of {ref}: nothing received for "
                              f"{self._request.idle:g}s") from None
        except (KubernetesError, WatchExpired):
            raise
        except Exception as exc:
            if response.closed:
                return
            raise client.translate_error(exc, obj=ref) from None
        finally:
            response.close()

    def close(self) -> None:
        """End the stream; safe from any thread, unblocks a reader waiting on the socket."""
        self._closed = True
        response = self._response
        if response is not None:
            response.close()

    def _parse(self, line: bytes) -> RawEvent | None:
        ref, redact = self._ref, self._client.redactor
        if not line.strip():
            return None
        try:
            data = json.loads(line)
        except ValueError:
            raise ServerError(f"watch of {ref}: undecodable event {redact(repr(line[:200]))}",
                              obj=ref) from None
        if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
            raise ServerError(f"watch of {ref}: malformed event {redact(repr(line[:200]))}",
                              obj=ref)
        etype, obj = str(data.get("type")), data["object"]
        if etype == "ERROR":
            code = obj.get("code")
            if code == 410:
                raise WatchExpired(str(obj.get("message") or "resourceVersion too old"))
            raise error_from_response(code if isinstance(code, int) else 500, json.dumps(obj),
                                      obj=ref, redact=redact)
        return RawEvent(etype, obj)


def is_transient(exc: BaseException) -> bool:
    """True for failures worth another list: 5xx, 429, timeouts, connection errors."""
    return isinstance(exc, ServerError | ApiTimeoutError | ApiConnectionError)
