"""A small local API server (127.0.0.1, optionally TLS) that records the Authorization header
it receives and echoes it back in its answers; kubeconfig files pointing at it; a self-signed
certificate for it. Shared by the security and transport tests of ``kube``.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

TOKEN = "s3cr3t-T0ken-do-not-leak-9f8e7d"
EXEC_TOKEN = "exec-plugin-t0ken-4a5b6c7d8e"

Reply = tuple[int, dict[str, Any] | str]


class FakeAPIServer:
    """Answers every request with ``reply(method, path, authorization)``."""

    def __init__(self, reply: Callable[[str, str, str], Reply],
                 tls: ssl.SSLContext | None = None) -> None:
        self.seen_auth: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                auth = self.headers.get("Authorization", "")
                outer.seen_auth.append(auth)
                status, body = reply(self.command, self.path, auth)
                data = (json.dumps(body) if isinstance(body, dict) else body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if isinstance(
                    body, dict) else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Echo-Auth", auth)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                       daemon=True)
        self.thread.start()
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def status_echo(code: int, reason: str) -> Callable[[str, str, str], Reply]:
    def reply(method: str, path: str, auth: str) -> Reply:
        return code, {
            "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
            "reason": reason, "message": f"request with {auth} refused",
            "details": {"name": "my-ext", "causes": [
                {"field": "spec", "reason": "FieldValueInvalid",
                 "message": f"Authorization: {auth}"}]},
        }
    return reply


def kubeconfig(path: Path, server: str, user: dict[str, Any], **cluster: Any) -> Path:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "ctx",
        "clusters": [{"name": "c", "cluster": {"server": server, **cluster}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
    }))
    return path




def make_self_signed(directory: Path) -> tuple[Path, Path] | None:
    """``(cert, key)`` for ``127.0.0.1`` in ``directory``; None without the openssl binary."""
    if shutil.which("openssl") is None:
        return None
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key
