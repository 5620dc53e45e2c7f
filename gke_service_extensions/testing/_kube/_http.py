"""HTTP plumbing of the simulator's Kubernetes API server (stdlib ``http.server``).

Keep-alive HTTP/1.1 with ``TCP_NODELAY``, JSON answers, chunked watch streams, fault
injection applied before a request is handled, and every connection closed on stop.
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

__all__ = ["HTTPServer", "Handler", "Request", "RequestHandler", "Response", "fault_response"]

_log = logging.getLogger(__name__)


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

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 api: RequestHandler) -> None:
        self.api = api
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HTTPServer

    def setup(self) -> None:
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
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = bytearray()
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0] or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(data)
                data.extend(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        api = self.server.api
        split = urlsplit(self.path)
        req = Request(self.command, split.path, parse_qs(split.query, keep_blank_values=True),
                       {k: v for k, v in self.headers.items()}, self._read_body(),
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
