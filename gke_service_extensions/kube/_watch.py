"""Low-level list and watch of one kind in one namespace, over ``CustomObjectsApi``.

The wait (``_wait.py``) builds an informer from these two calls. Here live only the single
HTTP calls: each one has a client-side timeout, its failures are mapped onto the library's
exception tree, and a watch stream can be closed from another thread (which unblocks a reader
stuck on a stalled connection). Retrying a failed call and re-listing after a watch ends are
the caller's business.
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import urllib3
from kubernetes import client as k8s

from .._errors import (
    ApiConnectionError,
    ApiTimeoutError,
    KubernetesError,
    ObjectRef,
    ServerError,
)
from ..models._meta import ResourceInfo
from ._errors_map import error_from_exception, error_from_response

__all__ = [
    "ListResult",
    "RawEvent",
    "WatchExpired",
    "WatchStream",
    "is_transient",
    "list_objects",
    "map_api_error",
]

#: Longest single watch request; the server ends it after this many seconds and we re-list.
MAX_WATCH_SECONDS = 300
_CONNECT_TIMEOUT = 5.0
_READ_SIZE = 65536


class WatchExpired(Exception):
    """The watch's resourceVersion is too old (HTTP 410 Gone): re-list."""


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

    @property
    def resource_version(self) -> str | None:
        """The object's (or bookmark's) resourceVersion."""
        rv = self.object.get("metadata", {}).get("resourceVersion")
        return rv if isinstance(rv, str) else None


def list_objects(
    api: k8s.CustomObjectsApi, info: ResourceInfo, namespace: str, *, timeout: float,
) -> ListResult:
    """List ``info`` objects in ``namespace``; one HTTP call bounded by ``timeout`` seconds."""
    try:
        data = api.list_namespaced_custom_object(
            info.group, info.version, namespace, info.plural,
            _request_timeout=_timeouts(timeout),
        )
    except Exception as exc:
        raise map_api_error(exc, ObjectRef(info.kind, None, namespace)) from exc
    if not isinstance(data, dict):
        raise ServerError(f"listing {info.plural} in {namespace}: unexpected response",
                          obj=ObjectRef(info.kind, None, namespace))
    items = [i for i in data.get("items") or [] if isinstance(i, dict)]
    rv = (data.get("metadata") or {}).get("resourceVersion") or ""
    return ListResult(items, str(rv))


class WatchStream:
    """One watch request from ``resource_version``; iterate for events, ``close()`` anywhere.

    The server is asked to end the request after ``seconds`` (``timeoutSeconds``). The response
    headers must arrive within ``header_timeout`` (an API server sends them at once), and every
    later socket read times out after ``seconds`` + 1, so a stalled connection raises
    :class:`~gke_service_extensions.ApiTimeoutError` instead of hanging. Iteration ends when
    the server closes the stream; it raises :class:`WatchExpired` on 410 Gone.
    """

    def __init__(
        self, api: k8s.CustomObjectsApi, info: ResourceInfo, namespace: str,
        resource_version: str, *, seconds: float, header_timeout: float | None = None,
    ) -> None:
        self._api = api
        self._info = info
        self._namespace = namespace
        self._rv = resource_version
        self._seconds = max(1, min(MAX_WATCH_SECONDS, math.ceil(seconds)))
        self._header_timeout = max(0.05, min(header_timeout or self._seconds + 1.0,
                                             self._seconds + 1.0))
        self._resp: urllib3.HTTPResponse | None = None
        self._closed = threading.Event()
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[RawEvent]:
        ref = ObjectRef(self._info.kind, None, self._namespace)
        try:
            resp = cast("urllib3.HTTPResponse", self._api.list_namespaced_custom_object(
                self._info.group, self._info.version, self._namespace, self._info.plural,
                watch=True, resource_version=self._rv or None, allow_watch_bookmarks=True,
                timeout_seconds=self._seconds, _preload_content=False,
                _request_timeout=(min(_CONNECT_TIMEOUT, self._header_timeout),
                                  self._header_timeout),
            ))
        except Exception as exc:
            if getattr(exc, "status", None) == 410:
                raise WatchExpired(str(exc)) from exc
            raise map_api_error(exc, ref) from exc
        # Headers are in: from now on a read may wait as long as the watch may last.
        sock = getattr(getattr(resp, "connection", None), "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.settimeout(self._seconds + 1.0)
        with self._lock:
            self._resp = resp
            if self._closed.is_set():
                self._shutdown(resp)
        try:
            yield from self._events(resp, ref)
        finally:
            self.close()

    def _events(self, resp: urllib3.HTTPResponse, ref: ObjectRef) -> Iterator[RawEvent]:
        buffer = b""
        while not self._closed.is_set():
            try:
                chunk = resp.read1(_READ_SIZE)
            except Exception as exc:
                if self._closed.is_set():
                    return
                raise map_api_error(exc, ref) from exc
            if not chunk:
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                event = _parse_event(line, ref)
                if event is not None:
                    yield event

    def close(self) -> None:
        """End the stream; safe from any thread, unblocks a reader waiting on the socket."""
        self._closed.set()
        with self._lock:
            resp, self._resp = self._resp, None
        if resp is not None:
            self._shutdown(resp)
            with contextlib.suppress(Exception):
                resp.release_conn()

    @staticmethod
    def _shutdown(resp: urllib3.HTTPResponse) -> None:
        sock = getattr(getattr(resp, "connection", None), "sock", None)
        try:
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
            resp.close()
        except Exception:  # noqa: S110 (already closing; nothing to report)
            pass


def _parse_event(line: bytes, ref: ObjectRef) -> RawEvent | None:
    if not line.strip():
        return None
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise ServerError(f"watch of {ref}: undecodable event {line[:200]!r}", obj=ref) from exc
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise ServerError(f"watch of {ref}: malformed event {line[:200]!r}", obj=ref)
    etype, obj = str(data.get("type")), data["object"]
    if etype == "ERROR":
        if obj.get("code") == 410:
            raise WatchExpired(str(obj.get("message") or "resourceVersion too old"))
        code = obj.get("code")
        raise error_from_response(code if isinstance(code, int) else 500, json.dumps(obj),
                                  obj=ref)
    return RawEvent(etype, obj)


def _timeouts(seconds: float) -> tuple[float, float]:
    seconds = max(0.05, seconds)
    return (min(_CONNECT_TIMEOUT, seconds), seconds)


# --------------------------------------------------------------------------- errors


def is_transient(exc: BaseException) -> bool:
    """True for failures worth retrying: 5xx, 429, timeouts, connection errors."""
    return isinstance(exc, ServerError | ApiTimeoutError | ApiConnectionError)


def map_api_error(exc: BaseException, obj: ObjectRef | None) -> KubernetesError:
    """Map an exception from the ``kubernetes`` client or urllib3 onto our error tree."""
    return error_from_exception(exc, obj=obj)

