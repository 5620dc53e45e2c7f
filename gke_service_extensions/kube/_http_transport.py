"""A transport on urllib3 alone: what ``from_kubeconfig()`` uses without the ``kubernetes`` package.

:class:`Urllib3Transport` sends each :class:`~._transport.Request` through one urllib3
``PoolManager`` (a ``ProxyManager`` for ``proxy-url``) with ``retries=False`` (only the
client's :class:`~._retry.RetryPolicy` retries), TLS set up from a
:class:`~._kubeconfig.Connection`, and the ``Authorization`` header from its
:class:`~._kubeconfig.Credentials`. A 401 is retried once after ``Credentials.refresh()``
when that may help (an exec plugin's token, a token file). Streams behave as
:class:`~._transport.ApiClientTransport`'s: after the headers each socket read waits at most
``request.idle``, and ``close()`` from another thread shuts the socket down.

TLS: the server is verified against ``certificate-authority(-data)``, else the ``certifi``
bundle (as the ``kubernetes`` library does), else the system's; ``insecure-skip-tls-verify``
turns verification off; ``tls-server-name`` is the name sent (SNI) and checked. The context
is built on the first request, so a broken CA file fails that request (as a TLS error), not
the client's construction. A client key given inline passes through a private temporary file
that is removed as soon as it is read (the ``ssl`` module reads keys only from files).
"""

from __future__ import annotations

import contextlib
import os
import ssl
import tempfile
import threading
from typing import Any
from urllib.parse import urlencode

import urllib3

from ._kubeconfig import Connection
from ._retry import RawResponse
from ._transport import Request, StreamResponse, read_response, stream_response

__all__ = ["Urllib3Transport"]


class Urllib3Transport:
    """Requests to the server of ``connection`` through one urllib3 pool (no ``kubernetes``)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._pool: urllib3.PoolManager | None = None
        self._lock = threading.Lock()

    @property
    def host(self) -> str:
        return self.connection.server

    @property
    def verify_tls(self) -> bool:
        """Whether the server certificate is verified."""
        return not self.connection.insecure_skip_tls_verify

    def secrets(self) -> list[str]:
        """The credentials this transport sends (for the client's redactor)."""
        return self.connection.credentials.secrets()

    # ------------------------------------------------------------------ pool

    def _manager(self) -> urllib3.PoolManager:
        with self._lock:
            if self._pool is None:
                self._pool = self._build_pool()
            return self._pool

    def _build_pool(self) -> urllib3.PoolManager:
        c = self.connection
        kw: dict[str, Any] = {"num_pools": 4, "maxsize": 4, "block": False}
        if c.server.lower().startswith("https"):
            kw["ssl_context"] = self._ssl_context()
            kw["cert_reqs"] = ssl.CERT_NONE if c.insecure_skip_tls_verify else ssl.CERT_REQUIRED
            if c.insecure_skip_tls_verify:
                kw["assert_hostname"] = False
            if c.tls_server_name:
                kw["server_hostname"] = c.tls_server_name
        if c.proxy_url:
            return urllib3.ProxyManager(c.proxy_url, **kw)
        return urllib3.PoolManager(**kw)

    def _ssl_context(self) -> ssl.SSLContext:
        c = self.connection
        try:
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=None)
            if c.insecure_skip_tls_verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            elif c.certificate_authority:
                pem = c.certificate_authority.read()
                context.load_verify_locations(cadata=pem.decode("ascii", "replace"))
            else:
                with contextlib.suppress(ImportError):
                    import certifi

                    context.load_verify_locations(cafile=certifi.where())
            if c.client_certificate and c.client_key:
                _load_client_cert(context, c.client_certificate.read(), c.client_key.read())
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise urllib3.exceptions.SSLError(f"{c.where}: TLS settings unusable: {exc}"
                                              ) from None
        return context

    # ------------------------------------------------------------------ requests

    def _send(self, request: Request) -> Any:
        url = self.connection.server + request.path
        if request.query:
            url += "?" + urlencode(list(request.query))
        headers = {"Accept": "application/json",
                   "User-Agent": "gke-service-extensions"}
        if request.body is not None:
            headers["Content-Type"] = request.content_type or "application/json"
        credentials = self.connection.credentials
        connect, read = request.timeout
        timeout = urllib3.Timeout(connect=connect, read=read)
        manager = self._manager()
        for attempt in (1, 2):
            auth = credentials.authorization()
            if auth is not None:
                headers["Authorization"] = auth
            response = manager.request(request.method, url, body=request.body, headers=headers,
                                       timeout=timeout, retries=False, preload_content=False)
            if response.status != 401 or attempt == 2 or not credentials.refresh():
                return response
            response.drain_conn()
            response.release_conn()
        raise AssertionError("unreachable")  # pragma: no cover

    def request(self, request: Request) -> RawResponse:
        return read_response(self._send(request))

    def stream(self, request: Request) -> StreamResponse:
        return stream_response(self._send(request), request)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.clear()

    def __repr__(self) -> str:
        return f"Urllib3Transport(host={self.connection.server!r})"


def _load_client_cert(context: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    """``load_cert_chain`` from bytes: through a private directory, removed at once."""
    with tempfile.TemporaryDirectory(prefix="gke-se-tls-") as d:
        cert_path, key_path = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        for path, data in ((cert_path, cert), (key_path, key)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        context.load_cert_chain(cert_path, key_path)
