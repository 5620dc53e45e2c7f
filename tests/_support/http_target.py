"""A local HTTP server on 127.0.0.1 standing in for a Gateway: answers every GET with the
status and header its ``script`` gives for the n-th request."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Script = Callable[[int], tuple[int, dict[str, str]]]


@contextmanager
def http_target(script: Script) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Yield (url, headers of each request received)."""
    seen: list[dict[str, str]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                n = len(seen)
                seen.append(dict(self.headers))
            status, headers = script(n)
            body = b"ok\n"
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
