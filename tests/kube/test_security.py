"""Credentials stay out of errors, logs and reprs; TLS is verified; YAML is loaded safely.

A small local API server (127.0.0.1) records the Authorization header it receives and, to
be as hostile as a misconfigured proxy, echoes it back inside its error messages.
"""

from __future__ import annotations

import json
import logging
import shutil
import ssl
import subprocess
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from gke_service_extensions import (
    ApiConnectionError,
    ForbiddenError,
    InvalidError,
    KubernetesError,
    NotFoundError,
    ServerError,
    UnauthorizedError,
)
from gke_service_extensions.kube import (
    ExtensionsClient,
    InsecureCredentialsWarning,
    KubeConfigError,
    RedactingFilter,
    Redactor,
    RetryPolicy,
)
from gke_service_extensions.models import GCPTrafficExtension

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


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("kubernetes", "urllib3", "gke_service_extensions", "client"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def everything_said(err: BaseException) -> str:
    """Every text a user could see of an error: message, repr, attributes, traceback."""
    parts = [str(err), repr(err), "".join(traceback.format_exception(err))]
    if isinstance(err, KubernetesError):
        parts += [str(err.server_message), repr(err.causes), repr(err.args)]
    return "\n".join(parts)


def fail_with(client: ExtensionsClient, error: type[BaseException]) -> BaseException:
    with pytest.raises(error) as info:
        client.get(GCPTrafficExtension, "my-ext")
    return info.value


@pytest.mark.parametrize(
    ("code", "reason", "error"),
    [(401, "Unauthorized", UnauthorizedError), (403, "Forbidden", ForbiddenError),
     (404, "NotFound", NotFoundError), (422, "Invalid", InvalidError),
     (500, "InternalError", ServerError), (503, "ServiceUnavailable", ServerError)],
)
def test_token_is_absent_from_errors_logs_and_reprs(
        tmp_path: Path, captured: pytest.LogCaptureFixture,
        code: int, reason: str, error: type[BaseException]) -> None:
    server = FakeAPIServer(status_echo(code, reason))
    try:
        path = kubeconfig(tmp_path / "config", server.url, {"token": TOKEN})
        policy = RetryPolicy(sleep=lambda s: None)
        with ExtensionsClient.from_kubeconfig(str(path), retry=policy) as client:
            err = fail_with(client, error)
            shown = "\n".join([everything_said(err), repr(client), str(client.host),
                               captured.text])
    finally:
        server.close()
    assert server.seen_auth[0] == f"Bearer {TOKEN}", "the token was really sent"
    assert "refused" in str(err.server_message)  # type: ignore[attr-defined]
    assert TOKEN not in shown
    assert "<redacted>" in str(err.server_message)  # type: ignore[attr-defined]


def test_plain_text_error_bodies_are_redacted_too(tmp_path: Path) -> None:
    server = FakeAPIServer(lambda m, p, auth: (502, f"upstream said: authorization={auth}"))
    try:
        path = kubeconfig(tmp_path / "config", server.url, {"token": TOKEN})
        with ExtensionsClient.from_kubeconfig(str(path),
                                              retry=RetryPolicy(sleep=lambda s: None)) as c:
            err = fail_with(c, ServerError)
    finally:
        server.close()
    assert "upstream said" in str(err)
    assert TOKEN not in everything_said(err)


def test_connection_errors_do_not_show_the_token(tmp_path: Path,
                                                 captured: pytest.LogCaptureFixture) -> None:
    server = FakeAPIServer(status_echo(200, ""))
    url = server.url
    server.close()  # nothing listens there any more
    path = kubeconfig(tmp_path / "config", url, {"token": TOKEN})
    with ExtensionsClient.from_kubeconfig(str(path),
                                          retry=RetryPolicy(sleep=lambda s: None)) as c:
        err = fail_with(c, ApiConnectionError)
        shown = everything_said(err) + repr(c) + captured.text
    assert TOKEN not in shown


def test_exec_plugin_token_is_used_and_never_shown(
        tmp_path: Path, captured: pytest.LogCaptureFixture) -> None:
    credential = {"apiVersion": "client.authentication.k8s.io/v1beta1",
                  "kind": "ExecCredential", "status": {"token": EXEC_TOKEN}}
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1",
                     "command": sys.executable,
                     "args": ["-c", f"print({json.dumps(json.dumps(credential))})"]}}
    server = FakeAPIServer(status_echo(401, "Unauthorized"))
    try:
        path = kubeconfig(tmp_path / "config", server.url, user)
        with ExtensionsClient.from_kubeconfig(str(path)) as c:
            err = fail_with(c, UnauthorizedError)
            shown = everything_said(err) + repr(c) + captured.text
    finally:
        server.close()
    assert server.seen_auth[0] == f"Bearer {EXEC_TOKEN}"
    assert EXEC_TOKEN not in shown


def test_basic_auth_password_is_never_shown(tmp_path: Path) -> None:
    server = FakeAPIServer(status_echo(403, "Forbidden"))
    try:
        path = kubeconfig(tmp_path / "config", server.url,
                          {"username": "admin", "password": "pa55-w0rd-xyz"})
        with ExtensionsClient.from_kubeconfig(str(path)) as c:
            err = fail_with(c, ForbiddenError)
    finally:
        server.close()
    assert server.seen_auth[0].startswith("Basic ")
    shown = everything_said(err)
    assert "pa55-w0rd-xyz" not in shown
    assert server.seen_auth[0].split()[1] not in shown


def test_repr_of_client_hides_user_info_in_the_url(tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "config", "https://admin:hunter2pass@example.invalid:6443",
                      {"token": TOKEN})
    with ExtensionsClient.from_kubeconfig(str(path)) as c:
        text = repr(c)
    assert "hunter2pass" not in text
    assert TOKEN not in text
    assert "example.invalid:6443" in text


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl binary to make a test certificate")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(self_signed: tuple[Path, Path]) -> Iterator[FakeAPIServer]:
    cert, key = self_signed
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server = FakeAPIServer(status_echo(404, "NotFound"), tls=context)
    yield server
    server.close()


def test_tls_is_verified_by_default(tmp_path: Path, tls_server: FakeAPIServer) -> None:
    path = kubeconfig(tmp_path / "config", tls_server.url, {"token": TOKEN})
    with ExtensionsClient.from_kubeconfig(str(path),
                                          retry=RetryPolicy(sleep=lambda s: None)) as c:
        assert c.verify_tls is True
        err = fail_with(c, ApiConnectionError)
    assert "certificate" in str(err).lower()
    assert tls_server.seen_auth == [], "no request (and no token) went to the unverified server"


def test_tls_with_the_right_ca_works(tmp_path: Path, tls_server: FakeAPIServer,
                                     self_signed: tuple[Path, Path]) -> None:
    path = kubeconfig(tmp_path / "config", tls_server.url, {"token": TOKEN},
                      **{"certificate-authority": str(self_signed[0])})
    with ExtensionsClient.from_kubeconfig(str(path)) as c:
        fail_with(c, NotFoundError)  # the request got through TLS and was answered


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_insecure_skip_tls_verify_only_when_the_kubeconfig_says_so(
        tmp_path: Path, tls_server: FakeAPIServer, captured: pytest.LogCaptureFixture) -> None:
    path = kubeconfig(tmp_path / "config", tls_server.url, {"token": TOKEN},
                      **{"insecure-skip-tls-verify": True})
    with ExtensionsClient.from_kubeconfig(str(path)) as c:
        assert c.verify_tls is False
        fail_with(c, NotFoundError)
    assert "TLS verification disabled" in captured.text


# --------------------------------------------------------------------------- YAML


def test_kubeconfig_is_loaded_with_a_safe_yaml_loader(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "config"
    path.write_text(f"apiVersion: v1\nkind: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(KubeConfigError, match="not valid YAML"):
        ExtensionsClient.from_kubeconfig(str(path))
    assert not marker.exists()


def test_yaml_errors_do_not_quote_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(f"users:\n- name: u\n  user: {{token: {TOKEN}\n")
    with pytest.raises(KubeConfigError) as info:
        ExtensionsClient.from_kubeconfig(str(path))
    assert "line" in str(info.value)
    assert TOKEN not in everything_said(info.value)


# --------------------------------------------------------------------------- redactor


def test_redactor_scrubs_known_secrets_and_credential_shapes() -> None:
    redact = Redactor(lambda: [TOKEN])
    text = (f"token {TOKEN}; Authorization: Bearer abc.def-ghi; basic dXNlcjpwYXNz; "
            "'authorization': 'opaque123'; -----BEGIN RSA PRIVATE KEY-----\nMIIE\n"
            "-----END RSA PRIVATE KEY-----")
    out = redact(text)
    for secret in (TOKEN, "abc.def-ghi", "dXNlcjpwYXNz", "opaque123", "MIIE"):
        assert secret not in out
    assert out.startswith("token <redacted>")


def test_redacting_filter_scrubs_third_party_log_records(
        caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.third_party")
    filt = RedactingFilter(Redactor(lambda: [TOKEN]))
    logger.addFilter(filt)
    try:
        with caplog.at_level(logging.DEBUG, logger="tests.third_party"):
            logger.debug("header %s", {"authorization": f"Bearer {TOKEN}"})
    finally:
        logger.removeFilter(filt)
    assert TOKEN not in caplog.text
    assert "<redacted>" in caplog.text


# --------------------------------------------------------------------------- exec plugin logs


def failing_plugin(tmp_path: Path) -> dict[str, Any]:
    """A kubeconfig user whose exec credential plugin prints the token to stderr and fails."""
    script = tmp_path / "plugin.py"
    script.write_text("import sys\n"
                      f"print('refresh failed for cached credential {EXEC_TOKEN}', "
                      "file=sys.stderr)\n"
                      "sys.exit(1)\n")
    return {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1",
                     "command": sys.executable, "args": [str(script)]}}


def test_failing_exec_plugin_stderr_never_reaches_the_logs(
        tmp_path: Path, captured: pytest.LogCaptureFixture) -> None:
    path = kubeconfig(tmp_path / "config", "https://127.0.0.1:1", failing_plugin(tmp_path))
    with ExtensionsClient.from_kubeconfig(str(path)):
        pass
    library = [r for r in captured.records if r.name == "root" and "kubernetes" in r.pathname]
    assert [r.getMessage() for r in library] == ["exec: process returned 1. stderr: <redacted>"]
    assert library[0].levelno == logging.ERROR
    assert EXEC_TOKEN not in captured.text


def test_failing_exec_plugin_stderr_stays_out_of_a_scripts_output(tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "config", "https://127.0.0.1:1", failing_plugin(tmp_path))
    code = ("import logging, sys\n"
            "logging.basicConfig(level=logging.DEBUG)\n"
            "from gke_service_extensions import ExtensionsClient\n"
            "with ExtensionsClient.from_kubeconfig(sys.argv[1]) as c:\n"
            "    print('loaded', c.host)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "loaded https://127.0.0.1:1\n"
    assert "ERROR:root:exec: process returned 1. stderr: <redacted>" in proc.stderr
    assert EXEC_TOKEN not in proc.stderr + proc.stdout


def test_library_redaction_is_installed_once_and_leaves_the_apps_records_alone(
        tmp_path: Path, captured: pytest.LogCaptureFixture) -> None:
    path = kubeconfig(tmp_path / "config", "https://127.0.0.1:1", {"token": TOKEN})
    clients = [ExtensionsClient.from_kubeconfig(str(path)) for _ in range(3)]
    for name in ("", "kubernetes", "client"):
        ours = [f for f in logging.getLogger(name or None).filters
                if isinstance(f, RedactingFilter)]
        assert len(ours) == 1, name
    logging.getLogger().error("app says token: keep-me-123")
    # The token is known (not credential-shaped) while a client that uses it is alive.
    logging.getLogger("kubernetes").error("library says %s", TOKEN)
    for c in clients:
        c.close()
    assert "app says token: keep-me-123" in captured.text
    assert "library says <redacted>" in captured.text


def test_redactor_drops_exec_plugin_stderr_and_token_fields() -> None:
    redact = Redactor()
    assert redact("exec: process returned 2. line one\nsecret line two") == \
        "exec: process returned 2. stderr: <redacted>"
    assert redact('{"access_token": "ya29.abc", "password": "pw1"} token=t0k') == \
        '{"access_token": "<redacted>", "password": "<redacted>"} token=<redacted>'
    assert redact("the token tok-SECRET lacks permission") == \
        "the token tok-SECRET lacks permission"  # not credential-shaped: left to secrets_of


# --------------------------------------------------------------------------- plain http


@pytest.mark.parametrize("server", ["http://10.1.2.3:8080", "http://example.invalid",
                                    "HTTP://[2001:db8::1]:80"])
def test_credentials_over_plain_http_warn_once_per_client(tmp_path: Path, server: str) -> None:
    path = kubeconfig(tmp_path / "config", server, {"token": TOKEN})
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ExtensionsClient.from_kubeconfig(str(path)).close()
        ExtensionsClient.from_kubeconfig(str(path)).close()
    ours = [w for w in seen if issubclass(w.category, InsecureCredentialsWarning)]
    assert len(ours) == 2
    assert "credentials will be sent unencrypted to http://" in str(ours[0].message)
    assert TOKEN not in str(ours[0].message)
    assert Path(ours[0].filename) == Path(__file__)  # points at the caller


@pytest.mark.parametrize(("server", "user"), [
    ("http://127.0.0.1:8080", {"token": TOKEN}),
    ("http://127.3.4.5:8080", {"token": TOKEN}),
    ("http://[::1]:8080", {"token": TOKEN}),
    ("http://localhost:8080", {"token": TOKEN}),
    ("https://10.1.2.3:6443", {"token": TOKEN}),
    ("http://10.1.2.3:8080", {}),
])
def test_no_warning_for_loopback_https_or_no_credentials(
        tmp_path: Path, server: str, user: dict[str, Any]) -> None:
    path = kubeconfig(tmp_path / "config", server, user)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ExtensionsClient.from_kubeconfig(str(path)).close()
    assert [w for w in seen if issubclass(w.category, InsecureCredentialsWarning)] == []


def test_basic_auth_over_plain_http_warns(tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "config", "http://10.1.2.3:8080",
                      {"username": "admin", "password": "pa55-w0rd-xyz"})
    with pytest.warns(InsecureCredentialsWarning, match=r"http://10\.1\.2\.3:8080"):
        ExtensionsClient.from_kubeconfig(str(path)).close()


def test_a_client_around_your_own_api_client_warns_too() -> None:
    from kubernetes import client as k8s

    config = k8s.Configuration(host="http://10.1.2.3:8080")
    config.api_key = {"authorization": f"Bearer {TOKEN}"}
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ExtensionsClient(k8s.ApiClient(config)).close()
    ours = [w for w in seen if issubclass(w.category, InsecureCredentialsWarning)]
    assert len(ours) == 1
    assert Path(ours[0].filename) == Path(__file__)  # points at the caller
    assert TOKEN not in str(ours[0].message)


def test_a_client_around_your_own_api_client_redacts_the_library_logs(
        caplog: pytest.LogCaptureFixture) -> None:
    from kubernetes import client as k8s

    config = k8s.Configuration(host="http://127.0.0.1:1")
    secret = "tok-OWN-API-CLIENT-123456"
    config.api_key = {"authorization": f"Bearer {secret}"}
    ExtensionsClient(k8s.ApiClient(config)).close()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("client").error("sending %s to the server", secret)  # its package logger
    assert secret not in caplog.text
    assert "<redacted>" in caplog.text
