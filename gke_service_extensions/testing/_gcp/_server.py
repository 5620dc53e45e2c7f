"""The simulator's Google Cloud REST server: Network Services + Artifact Registry on 127.0.0.1.

Point the real clients at it::

    with GCPServer(state) as server:
        client = network_services_v1.DepServiceClient(
            transport="rest",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": server.endpoint},
        )

and gcloud with ``CLOUDSDK_API_ENDPOINT_OVERRIDES_NETWORKSERVICES=<endpoint>/`` (see
:meth:`GCPServer.gcloud_env`). Requests are routed by collection: ``repositories`` goes to
Artifact Registry, the rest to Network Services. ``server.faults`` injects errors and
latency and counts requests; each request is logged at DEBUG on
``gke_service_extensions.testing.gcp``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from gke_service_extensions.testing._gcp._api import ApiError, ApiRequest
from gke_service_extensions.testing._gcp._artifact_registry import ArtifactRegistryApi
from gke_service_extensions.testing._gcp._faults import Faults, GoogleError
from gke_service_extensions.testing._gcp._network_services import NetworkServicesApi
from gke_service_extensions.testing._gcp._state import GCPState

__all__ = ["GCPServer"]

log = logging.getLogger("gke_service_extensions.testing.gcp")

_VERSIONS = frozenset(("v1", "v1beta1", "v1alpha1"))
_MAX_BODY = 16 * 1024 * 1024
_IDLE_TIMEOUT = 60.0


class GCPServer:
    """Serves a :class:`GCPState` over HTTP as Google's REST APIs.

    ``port=0`` picks a free port; ``endpoint`` is known after :meth:`start`. Usable as a
    context manager (starts on enter, stops on exit).
    """

    def __init__(self, state: GCPState, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        self.host = host
        self.port = port
        self.faults = Faults()
        self._network_services = NetworkServicesApi(state)
        self._artifact_registry = ArtifactRegistryApi(state)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def endpoint(self) -> str:
        """``http://HOST:PORT`` of the running server."""
        if self._httpd is None:
            raise RuntimeError("GCPServer is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._httpd is not None

    def start(self) -> GCPServer:
        """Bind and serve in a background thread; return self."""
        if self._httpd is not None:
            return self
        # The proto descriptors are loaded on first use; load them before serving.
        from gke_service_extensions._gke import GCPCollection
        from gke_service_extensions.testing._gcp._enums import message_descriptor

        message_descriptor(GCPCollection.WASM_PLUGINS)
        httpd = _HTTPServer((self.host, self.port), _Handler, self)
        self.port = int(httpd.server_address[1])
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01},
                                        name=f"gcp-sim-{self.port}", daemon=True)
        self._thread.start()
        log.debug("Google Cloud simulator serving at %s", self.endpoint)
        return self

    def stop(self) -> None:
        """Stop serving and close every connection (idempotent)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> GCPServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def gcloud_env(self, config_dir: str) -> dict[str, str]:
        """Environment variables that make ``gcloud`` use this server and project.

        ``config_dir`` becomes ``CLOUDSDK_CONFIG`` (use a temporary directory).
        """
        return {
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_NETWORKSERVICES": self.endpoint + "/",
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_ARTIFACTREGISTRY": self.endpoint + "/",
            "CLOUDSDK_AUTH_DISABLE_CREDENTIALS": "true",
            "CLOUDSDK_CORE_PROJECT": self.state.project_id,
            "CLOUDSDK_CONFIG": config_dir,
            "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
            "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "true",
            "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "true",
        }

    # ------------------------------------------------------------------ requests

    def dispatch(self, method: str, target: str, raw_body: bytes) -> tuple[int, dict[str, Any]]:
        """Answer one HTTP request: ``target`` is the request path with its query."""
        split = urlsplit(target)
        decision = self.faults.on_request(method, split.path, split.query)
        if decision.latency > 0:
            self.faults.sleep(decision.latency)
        if decision.error is not None:
            return decision.error.code, decision.error.body()
        try:
            request = _parse(method, split.path, split.query, raw_body)
            api = self._api_for(request)
            return 200, api.handle(request)
        except ApiError as exc:
            return exc.code, exc.body()
        except Exception as exc:  # a simulator bug must still answer in Google's shape
            log.exception("Google Cloud simulator failed on %s %s", method, target)
            return 500, GoogleError(500, f"simulator error: {exc!r}").body()

    def _api_for(self, request: ApiRequest) -> NetworkServicesApi | ArtifactRegistryApi:
        seg = request.segments
        if len(seg) >= 5 and seg[4] in self._artifact_registry.collections:
            return self._artifact_registry
        if len(seg) >= 5 and seg[4] in self._network_services.collections:
            return self._network_services
        raise ApiError(404, f"Method not found: {request.method} "
                       f"/{request.version}/{'/'.join(seg)}", "NOT_FOUND")


def _parse(method: str, path: str, query: str, raw_body: bytes) -> ApiRequest:
    parts = path.strip("/").split("/")
    if not parts or parts[0] not in _VERSIONS:
        raise ApiError(404, f"Unknown API version in path {path!r}", "NOT_FOUND")
    segments = [unquote(p) for p in parts[1:]]
    verb: str | None = None
    if len(segments) >= 2 and segments[-2] == "operations" and ":" in segments[-1]:
        segments[-1], verb = segments[-1].split(":", 1)
    params = dict(parse_qsl(query, keep_blank_values=True))
    alt = params.get("$alt", params.get("alt", ""))
    body: Any = None
    if raw_body.strip():
        try:
            body = json.loads(raw_body, parse_constant=_no_constant)
        except ValueError as exc:
            raise ApiError.invalid(f"Invalid JSON payload received. {str(exc)[:300]}") from None
        except RecursionError:
            raise ApiError.invalid("Invalid JSON payload received. Nested too deeply.") from None
    return ApiRequest(method=method, version=parts[0], segments=segments, query=params,
                      body=body, verb=verb, enum_int="enum-encoding=int" in alt)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], api: GCPServer
    ) -> None:
        self.api = api
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, handler)

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._conn_lock:
            if alive:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def close_connections(self) -> None:
        with self._conn_lock:
            conns, self._connections = self._connections, set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        # a client that sends nothing for this long is disconnected (slow or idle clients)
        self.request.settimeout(_IDLE_TIMEOUT)
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle + delayed ACK
        # add ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, alive=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, alive=False)

    def _handle(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._send(400, GoogleError(400, "invalid Content-Length").body())
            return
        if length > _MAX_BODY:
            self._send(413, GoogleError(413, "request body too large", "INVALID_ARGUMENT").body())
            return
        raw = self.rfile.read(length) if length else b""
        status, body = self.server.api.dispatch(self.command, self.path, raw)
        log.debug("%s %s -> %d", self.command, self.path, status)
        self._send(status, body)

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _handle
    do_POST = _handle
    do_PATCH = _handle
    do_PUT = _handle
    do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("gcp-sim: " + format, *args)
