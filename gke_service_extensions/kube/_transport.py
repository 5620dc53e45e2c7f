"""The transport: how one HTTP exchange with the API server happens.

:class:`ExtensionsClient` builds every request itself (path, query, body, content type) and
hands it to a :class:`Transport`. Everything else, retries, error mapping, redaction,
timeouts and the wait's list and watch, sits above it, so it behaves the same whatever
carries the bytes. Three transports ship (``Urllib3Transport``, in ``_http_transport.py``, is
what ``from_kubeconfig()`` uses without the ``kubernetes`` package):

* :class:`ApiClientTransport`: the official ``kubernetes`` ``ApiClient`` (its auth, exec
  plugins, TLS and proxy handling), sending straight to its urllib3 pool with urllib3's own
  retries off, so only our :class:`~._retry.RetryPolicy` ever retries;
* :class:`MockTransport`: a function from :class:`Request` to :class:`~._retry.RawResponse`
  or :class:`StreamResponse`, for unit tests (in the spirit of ``httpx.MockTransport``).

A transport raises only for failures below HTTP (refused, reset, timed out); any status code
comes back as a response.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ._retry import RawResponse

__all__ = [
    "ApiClientTransport",
    "MockTransport",
    "Request",
    "StreamResponse",
    "Transport",
]

_READ_SIZE = 65536


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to the API server, as the client built it.

    ``timeout`` is ``(connect, read)`` seconds; for a stream, ``read`` bounds the wait for the
    response headers and ``idle`` (if set) then bounds every read of the body, so a silent
    stream raises ``TimeoutError`` instead of hanging.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    content_type: str | None = None
    timeout: tuple[float, float] = (10.0, 30.0)
    idle: float | None = None

    def param(self, name: str) -> str | None:
        """The first value of query parameter ``name``, or None."""
        return next((v for k, v in self.query if k == name), None)


class StreamResponse:
    """A response whose body is read as it arrives (a watch); ``close()`` from any thread.

    ``lines()`` yields each complete line of the body (without the newline) and ends when
    the server closes the stream or :meth:`close` is called; a read that waits longer than
    the request's ``idle`` raises ``TimeoutError``.
    """

    def __init__(self, status: int, headers: dict[str, str], chunks: Iterator[bytes],
                 on_close: Callable[[], None] | None = None) -> None:
        self.status = status
        self.headers = headers
        self._chunks = chunks
        self._on_close = on_close
        self._closed = threading.Event()
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed.is_set()

    def read(self) -> bytes:
        """The whole remaining body (for error responses)."""
        return b"".join(self._chunks_until_closed())

    def lines(self) -> Iterator[bytes]:
        """Each line of the body as it arrives."""
        buffer = b""
        for chunk in self._chunks_until_closed():
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            yield from complete
        if buffer and not self.closed:
            yield buffer

    def _chunks_until_closed(self) -> Iterator[bytes]:
        while not self.closed:
            try:
                chunk = next(self._chunks)
            except StopIteration:
                return
            except Exception:
                if self.closed:
                    return  # closed under the reader: not an error
                raise
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        """End the stream; unblocks a reader waiting on the socket. Idempotent."""
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
        if self._on_close is not None:
            self._on_close()


@runtime_checkable
class Transport(Protocol):
    """Carries one request to the API server (see the module docstring)."""

    @property
    def host(self) -> str:
        """The server's base URL (may hold user info: callers redact it)."""
        ...

    def request(self, request: Request) -> RawResponse:
        """Send ``request`` and read the whole response."""
        ...

    def stream(self, request: Request) -> StreamResponse:
        """Send ``request`` and return as soon as the response headers are in."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class ApiClientTransport:
    """Requests through a ``kubernetes.client.ApiClient``'s connection pool.

    The ``ApiClient`` builds the URL and auth headers (refreshing exec-plugin tokens); the
    request goes to its urllib3 pool with ``retries=False``. ``owns=True`` closes the
    ``ApiClient`` with the transport.
    """

    def __init__(self, api_client: Any, *, owns: bool = False) -> None:
        from kubernetes.client import ApiClient

        if not isinstance(api_client, ApiClient):
            raise TypeError(f"ApiClientTransport needs a kubernetes.client.ApiClient, got "
                            f"{type(api_client).__name__}")
        self.api_client = api_client
        self._owns = owns

    @property
    def host(self) -> str:
        return str(getattr(self.api_client.configuration, "host", "") or "")

    def _send(self, request: Request, *, stream: bool) -> Any:
        import urllib3

        headers = {"Accept": "application/json"}
        if request.body is not None:
            headers["Content-Type"] = request.content_type or "application/json"
        method, url, headers, _, _ = self.api_client.param_serialize(
            method=request.method, resource_path=request.path,
            query_params=list(request.query) or None, header_params=headers,
            auth_settings=["BearerToken"],
        )
        connect, read = request.timeout
        pool: Any = self.api_client.rest_client.pool_manager
        return pool.request(method, url, body=request.body, headers=headers,
                            timeout=urllib3.Timeout(connect=connect, read=read),
                            retries=False, preload_content=False)

    def request(self, request: Request) -> RawResponse:
        return read_response(self._send(request, stream=False))

    def stream(self, request: Request) -> StreamResponse:
        return stream_response(self._send(request, stream=True), request)

    def close(self) -> None:
        if self._owns:
            close = getattr(self.api_client, "close", None)
            if close is not None:
                close()

    def __repr__(self) -> str:
        return f"ApiClientTransport(owns={self._owns})"


def read_response(response: Any) -> RawResponse:
    """The whole of a urllib3 response (sent with ``preload_content=False``)."""
    try:
        data = response.read() or b""
    finally:
        response.release_conn()
    return RawResponse(int(response.status), _lower(response.headers), bytes(data))


def stream_response(response: Any, request: Request) -> StreamResponse:
    """A urllib3 response (``preload_content=False``) read as a stream: each socket read
    waits at most ``request.idle``; ``close()`` shuts the socket down from any thread."""
    sock = getattr(getattr(response, "connection", None), "sock", None)
    if sock is not None and request.idle is not None:
        with contextlib.suppress(OSError):
            sock.settimeout(request.idle)

    def chunks() -> Iterator[bytes]:
        while True:
            try:
                chunk = response.read1(_READ_SIZE)
            except Exception as exc:
                if _is_read_timeout(exc):
                    raise TimeoutError(f"no data for {request.idle}s") from exc
                raise
            if not chunk:
                return
            yield bytes(chunk)

    def shutdown() -> None:
        s = getattr(getattr(response, "connection", None), "sock", None)
        with contextlib.suppress(Exception):
            if s is not None:
                s.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):
            response.close()
        with contextlib.suppress(Exception):
            response.release_conn()

    return StreamResponse(int(response.status), _lower(response.headers), chunks(),
                          on_close=shutdown)


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in dict(headers or {}).items()}


def _is_read_timeout(exc: BaseException) -> bool:
    import urllib3.exceptions as u3

    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, socket.timeout | TimeoutError | u3.ReadTimeoutError):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


# --------------------------------------------------------------------------- testing


Handler = Callable[[Request], "RawResponse | StreamResponse"]


@dataclass
class MockTransport:
    """A transport that answers with ``handler(request)``; records every request.

    ``handler`` returns a :class:`~gke_service_extensions.kube.RawResponse` for plain
    requests and a :class:`StreamResponse` for watches (:meth:`stream_of` builds one from
    lines), or raises (e.g. ``ConnectionRefusedError``) to simulate a network failure::

        def handler(request):
            return RawResponse(200, {}, b'{"kind": "GCPTrafficExtensionList", "items": []}')
        client = ExtensionsClient(transport=MockTransport(handler))
    """

    handler: Handler
    host: str = "https://mock.invalid"
    requests: list[Request] = field(default_factory=list)
    closed: bool = False

    def request(self, request: Request) -> RawResponse:
        self.requests.append(request)
        answer = self.handler(request)
        if isinstance(answer, StreamResponse):
            return RawResponse(answer.status, answer.headers, answer.read())
        return answer

    def stream(self, request: Request) -> StreamResponse:
        self.requests.append(request)
        answer = self.handler(request)
        if isinstance(answer, RawResponse):
            return StreamResponse(answer.status, dict(answer.headers), iter([answer.body]))
        return answer

    def close(self) -> None:
        self.closed = True

    @staticmethod
    def stream_of(lines: Iterable[bytes | str], *, status: int = 200,
                  hold_open: bool = False) -> StreamResponse:
        """A watch response sending ``lines``; ``hold_open`` keeps it open (silent) after
        them until closed, like a server with nothing more to say."""
        gate: queue.SimpleQueue[None] = queue.SimpleQueue()

        def chunks() -> Iterator[bytes]:
            for line in lines:
                yield (line.encode() if isinstance(line, str) else line) + b"\n"
            if hold_open:
                gate.get()

        return StreamResponse(status, {"content-type": "application/json"}, chunks(),
                              on_close=lambda: gate.put(None))

