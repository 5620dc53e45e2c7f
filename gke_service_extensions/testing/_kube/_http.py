"""HTTP plumbing of the simulator's Kubernetes API server (stdlib ``http.server``).

Keep-alive HTTP/1.1 with ``TCP_NODELAY``, JSON answers, chunked watch streams, fault
injection applied before a request is handled, and every connection closed on stop.

Hostile clients are bounded: a request body over :data:`MAX_BODY` bytes is answered 413, bad
framing (a ``Content-Length`` that is not a number, a bad chunk size) 400, a connection that
sends nothing for ``idle_timeout`` seconds is closed, and at most ``max_connections``
connections are served at once (more are answered 429 and closed).
"""

from __future__ import annotations

import contextlib
import json
import logging
import select
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from ._faults import Faults, RequestInfo
from ._status import ApiError

__all__ = ["MAX_BODY", "HTTPServer", "Handler", "Request", "RequestHandler", "Response",
           "fault_response"]

_log = logging.getLogger(__name__)

#: Largest request body accepted (bytes): the API server's limit for a write (3 MiB).
MAX_BODY = 3 * 1024 * 1024
# A body over the limit but under this is read and dropped, so that the client (still
# sending) gets the 413 rather than a broken connection; a bigger one is cut off.
_DRAIN_LIMIT = 4 * MAX_BODY


class _BadRequest(Exception):
    """The request cannot be read: answer ``code`` and close the connection."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


@dataclass(slots=True)
class Request:
    """One API request, parsed."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    user_agent: str = ""

    def param(self, name: str, default: str | None = None) -> str | None:
        """The last value of a query parameter."""
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name: str) -> bool:
        """A boolean query parameter (``1`` / ``true``)."""
        return (self.param(name) or "").lower() in ("1", "true")


@dataclass(slots=True)
class Response:
    """A JSON answer."""

    code: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class RequestHandler(Protocol):
    """What the HTTP layer needs from the API server."""

    faults: Faults
    sleep: Callable[[float], bool]

    def request_info(self, req: Request) -> RequestInfo: ...

    def handle(self, req: Request) -> Response | Iterator[bytes]: ...


class HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # many clients connecting at once (the default of 5 resets some of them)
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 api: RequestHandler, *, idle_timeout: float | None = 60.0,
                 max_connections: int = 256) -> None:
        self.api = api
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, handler)

    @property
    def open_connections(self) -> int:
        """How many connections are being served (one thread each)."""
        with self._conns_lock:
            return len(self._conns)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            full = len(self._conns) >= self.max_connections
            if not full:
                self._conns.add(request)
        if full:
            _refuse(request)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hung up or broke the protocol: nothing to answer, no traceback
        _log.debug("kube-api: connection from %s failed", client_address, exc_info=True)

    def close_all_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


def _refuse(sock: socket.socket) -> None:
    """Answer 429 on a connection over the limit, without reading it, from the accept loop."""
    body = json.dumps(ApiError(429, "TooManyRequests", "too many open connections, please try "
                                                       "again later").status()).encode()
    head = (f"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n")
    with contextlib.suppress(OSError):
        sock.settimeout(0.5)
        sock.sendall(head.encode() + body)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HTTPServer

    def setup(self) -> None:
        # a connection that sends nothing for this long is closed (slow clients, idle
        # keep-alive connections): the handler's reads and writes time out
        self.request.settimeout(self.server.idle_timeout)
        super().setup()
        # headers and body go out as separate writes: without this, Nagle + delayed ACK
        # add ~40 ms to every response
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("kube-api %s", format % args)

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        too_big = _BadRequest(413, "RequestEntityTooLarge",
                              f"the request body is larger than the limit of {MAX_BODY} bytes")
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = bytearray()
            seen = 0
            while True:
                line = self.rfile.readline(66)
                try:
                    if not line.endswith(b"\n"):
                        raise ValueError(line)
                    size = int(line.strip().split(b";")[0] or b"x", 16)
                except ValueError:
                    raise _BadRequest(400, "BadRequest", "invalid chunk size") from None
                if size < 0:
                    raise _BadRequest(400, "BadRequest", "invalid chunk size")
                if size == 0:
                    self.rfile.readline(66)
                    if seen > MAX_BODY:
                        raise too_big
                    return bytes(data)
                seen += size
                if seen > _DRAIN_LIMIT:
                    raise too_big
                chunk = self.rfile.read(size)
                if len(chunk) < size:
                    raise _BadRequest(400, "BadRequest", "the request body ended early")
                if seen <= MAX_BODY:
                    data.extend(chunk)
                self.rfile.readline(66)
        raw = (self.headers.get("Content-Length") or "0").strip()
        if not raw.isdigit() or len(raw) > 18:
            raise _BadRequest(400, "BadRequest", f"invalid Content-Length: {raw[:40]!r}")
        length = int(raw)
        if length > MAX_BODY:
            if length <= _DRAIN_LIMIT:
                self._drain(length)
            raise too_big
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise _BadRequest(400, "BadRequest", "the request body ended early")
        return body

    def _drain(self, length: int) -> None:
        while length > 0:
            got = self.rfile.read(min(length, 65536))
            if not got:
                return
            length -= len(got)

    def _serve(self) -> None:
        api = self.server.api
        split = urlsplit(self.path)
        try:
            body = self._read_body()
        except _BadRequest as err:
            # the rest of the stream cannot be trusted: answer, then close the connection
            self.close_connection = True
            self._send(Response(err.code, ApiError(err.code, err.reason, err.message).status(),
                                {"Connection": "close"}))
            return
        req = Request(self.command, split.path, parse_qs(split.query, keep_blank_values=True),
                       {k: v for k, v in self.headers.items()}, body,
                       self.headers.get("User-Agent", ""))
        if self.command not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            self._send(Response(405, ApiError(405, "MethodNotAllowed",
                                               "method not allowed").status()))
            return
        fault = api.faults.on_request(api.request_info(req))
        if fault is not None:
            if fault.delay and api.sleep(fault.delay):
                self.close_connection = True
                return
            if fault.status == 0:
                self.close_connection = True
                return
            if fault.status is not None:
                self._send(fault_response(fault.status, fault.retry_after, fault.message))
                return
        try:
            result = api.handle(req)
        except Exception as err:  # a bug in the simulator: answer 500, do not hang up
            _log.exception("kube-api: %s %s failed", self.command, self.path)
            result = Response(500, ApiError(500, "InternalError",
                                             f"simulator error: {err!r}").status())
        if isinstance(result, Response):
            self._send(result)
        else:
            self._stream(result)

    def _client_gone(self) -> bool:
        return _client_gone_from(self.connection)

    def _send(self, resp: Response) -> None:
        raw = isinstance(resp.body, bytes)  # e.g. the protobuf /openapi/v2
        data = resp.body if raw else json.dumps(resp.body).encode()
        self.send_response(resp.code)
        if not raw:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _stream(self, lines: Iterator[bytes]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.wfile.flush()
        try:
            for line in lines:
                if not line:
                    if self._client_gone():
                        break
                    continue
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True
        except Exception:  # a bug in the simulator: end the stream, keep serving
            _log.exception("kube-api: watch stream %s failed", self.path)
            self.close_connection = True
        finally:
            close = getattr(lines, "close", None)
            if close is not None:
                close()


def _client_gone_from(sock: socket.socket) -> bool:
    """True when the peer closed the connection (readable with nothing to read)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def fault_response(status: int, retry_after: float | None, message: str) -> Response:
    reasons = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
               504: "Timeout", 401: "Unauthorized", 403: "Forbidden", 409: "Conflict"}
    reason = reasons.get(status, "InternalError")
    headers: dict[str, str] = {}
    details: dict[str, Any] = {}
    if retry_after is not None:
        headers["Retry-After"] = str(max(1, round(retry_after)))
        details["retryAfterSeconds"] = max(1, round(retry_after))
    text = message or {429: "Too many requests, please try again later.",
                       503: "the server is currently unable to handle the request"}.get(
        status, "Internal error occurred: injected fault")
    return Response(status, ApiError(status, reason, text, details=details).status(), headers)
