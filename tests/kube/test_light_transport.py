"""``from_kubeconfig()`` / ``in_cluster()`` without the ``kubernetes`` package: our kubeconfig
loader, ``Urllib3Transport``, and the fallback to ``ApiClientTransport``.

Servers are the small local API server of ``fake_apiserver`` (plain or TLS, on 127.0.0.1) and
the simulator; exec credential plugins are small Python scripts.
"""

from __future__ import annotations

import base64
import json
import logging
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fake_apiserver import (  # tests/_support
    EXEC_TOKEN,
    TOKEN,
    FakeAPIServer,
    Reply,
    kubeconfig,
    make_self_signed,
    status_echo,
)
from samples import traffic_extension  # tests/_support

from gke_service_extensions import ApiConnectionError, NotFoundError, UnauthorizedError
from gke_service_extensions.kube import ExtensionsClient, KubeConfigError, RetryPolicy
from gke_service_extensions.kube._http_transport import Urllib3Transport
from gke_service_extensions.kube._kubeconfig import read_in_cluster, read_kubeconfig
from gke_service_extensions.kube._transport import ApiClientTransport, Request
from gke_service_extensions.models import GCPTrafficExtension
from gke_service_extensions.testing import GKESimulator

LIST = {"kind": "GCPTrafficExtensionList", "apiVersion": "networking.gke.io/v1",
        "metadata": {}, "items": []}
NO_WAIT = RetryPolicy(sleep=lambda s: None)


def ok(method: str, path: str, auth: str) -> Reply:
    return 200, LIST


def user_script(tmp_path: Path, body: str, name: str = "plugin.py") -> Path:
    script = tmp_path / name
    script.write_text(body)
    return script


def exec_user(script: Path, api_version: str = "client.authentication.k8s.io/v1",
              **extra: Any) -> dict[str, Any]:
    return {"exec": {"apiVersion": api_version, "command": sys.executable,
                     "args": [str(script)], "interactiveMode": "Never", **extra}}


def counting_plugin(tmp_path: Path, *, expiry: str | None = None,
                    api_version: str = "client.authentication.k8s.io/v1") -> Path:
    """A plugin answering token-1, token-2, ... (one per run, counted in a file)."""
    status = {"token": "__TOKEN__"}
    if expiry:
        status["expirationTimestamp"] = expiry
    cred = json.dumps({"apiVersion": api_version, "kind": "ExecCredential", "status": status})
    return user_script(tmp_path, f"""
import json, os, pathlib, sys
count = pathlib.Path({str(tmp_path / 'runs')!r})
n = int(count.read_text()) + 1 if count.exists() else 1
count.write_text(str(n))
pathlib.Path({str(tmp_path / 'exec_info')!r}).write_text(os.environ["KUBERNETES_EXEC_INFO"])
print({cred!r}.replace("__TOKEN__", os.environ.get("TOKEN_PREFIX", "token-") + str(n)))
""")


def runs(tmp_path: Path) -> int:
    return int((tmp_path / "runs").read_text()) if (tmp_path / "runs").exists() else 0


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    s = FakeAPIServer(ok)
    yield s
    s.close()


# --------------------------------------------------------------------------- the loader


def write(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(config))
    return path


def test_kubeconfig_lists_merge_as_kubectl_merges(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "ca.pem").write_bytes(b"CA-OF-A")
    first = write(tmp_path / "a" / "config", {
        "current-context": "one",
        "clusters": [{"name": "c", "cluster": {"server": "https://first.invalid",
                                               "certificate-authority": "ca.pem"}}],
        "contexts": [{"name": "one", "context": {"cluster": "c", "user": "u",
                                                 "namespace": "ns-one"}}],
    })
    second = write(tmp_path / "config2", {
        "current-context": "two",
        "clusters": [{"name": "c", "cluster": {"server": "https://second.invalid"}}],
        "contexts": [{"name": "two", "context": {"cluster": "c", "user": "u"}}],
        "users": [{"name": "u", "user": {"token": TOKEN}}],
    })
    monkeypatch.setenv("KUBECONFIG", f"{first}::{tmp_path / 'absent'}:{second}")
    connection = read_kubeconfig()
    assert connection is not None
    # first file's current-context and cluster win; the user comes from the second file
    assert (connection.context, connection.server, connection.namespace) == \
        ("one", "https://first.invalid", "ns-one")
    assert connection.credentials.authorization() == f"Bearer {TOKEN}"
    # a relative path resolves against the file that holds the entry
    assert connection.certificate_authority.read() == b"CA-OF-A"
    other = read_kubeconfig(context="two")
    assert other is not None
    assert (other.server, other.namespace) == ("https://first.invalid", None)


def test_inline_data_and_tls_settings_are_read(tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "config", "https://h.invalid:6443/",
                      {"client-certificate-data": base64.b64encode(b"CERT").decode(),
                       "client-key-data": base64.b64encode(b"KEY-PEM-TEXT").decode()},
                      **{"certificate-authority-data": base64.b64encode(b"CA").decode(),
                         "tls-server-name": "api.internal", "proxy-url": "http://proxy:3128"})
    connection = read_kubeconfig(path)
    assert connection is not None
    assert connection.server == "https://h.invalid:6443"
    assert connection.certificate_authority.read() == b"CA"
    assert connection.client_certificate.read() == b"CERT"
    assert connection.client_key.read() == b"KEY-PEM-TEXT"
    assert (connection.tls_server_name, connection.proxy_url) == ("api.internal",
                                                                  "http://proxy:3128")
    assert "KEY-PEM-TEXT" in connection.credentials.secrets()


@pytest.mark.parametrize(("why", "user", "cluster"), [
    ("auth-provider gcp", {"auth-provider": {"name": "gcp", "config": {}}}, {}),
    ("auth-provider azure", {"auth-provider": {"name": "azure", "config": {}},
                             "token": TOKEN}, {}),
    ("socks proxy", {"token": TOKEN}, {"proxy-url": "socks5://127.0.0.1:1080"}),
    ("interactive exec", {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                   "command": "x", "interactiveMode": "Always"}}, {}),
    ("old exec api", {"exec": {"apiVersion": "client.authentication.k8s.io/v1alpha1",
                               "command": "x"}}, {}),
])
def test_unsupported_configs_fall_back_to_the_kubernetes_library(
        tmp_path: Path, why: str, user: dict[str, Any], cluster: dict[str, Any]) -> None:
    path = kubeconfig(tmp_path / "config", "https://127.0.0.1:1", user, **cluster)
    assert read_kubeconfig(path) is None, why
    if why != "auth-provider azure":
        return  # the library would run the provider / plugin, or needs PySocks
    with ExtensionsClient.from_kubeconfig(str(path)) as c:
        assert isinstance(c.transport, ApiClientTransport)


def test_supported_configs_use_the_urllib3_transport(tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "config", "https://127.0.0.1:1", {"token": TOKEN})
    with ExtensionsClient.from_kubeconfig(str(path)) as c:
        assert isinstance(c.transport, Urllib3Transport)
        assert c.host == "https://127.0.0.1:1"


def test_the_environment_can_force_the_kubernetes_library(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = kubeconfig(tmp_path / "config", "https://127.0.0.1:1", {"token": TOKEN})
    monkeypatch.setenv("GKE_SE_KUBE_TRANSPORT", "kubernetes")
    with ExtensionsClient.from_kubeconfig(str(path)) as c:
        assert isinstance(c.transport, ApiClientTransport)
    monkeypatch.setenv("GKE_SE_KUBE_TRANSPORT", "fast")
    with pytest.raises(KubeConfigError, match="GKE_SE_KUBE_TRANSPORT"):
        ExtensionsClient.from_kubeconfig(str(path))


def test_malformed_kubeconfig_errors_are_the_librarys(tmp_path: Path) -> None:
    path = write(tmp_path / "config", {"current-context": "x", "contexts": [],
                                       "clusters": [], "users": []})
    assert read_kubeconfig(path) is None
    with pytest.raises(KubeConfigError, match="x"):
        ExtensionsClient.from_kubeconfig(str(path))


# --------------------------------------------------------------------------- credentials


def test_token_file_is_re_read_when_it_changes(tmp_path: Path, server: FakeAPIServer) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("first-token-123\n")
    path = kubeconfig(tmp_path / "config", server.url, {"tokenFile": "token"})
    with ExtensionsClient.from_kubeconfig(str(path)) as c:
        c.list(GCPTrafficExtension)
        token_file.write_text("second-token-4567\n")
        c.list(GCPTrafficExtension)
        assert "second-token-4567" not in c.redactor("x second-token-4567 y")
    assert server.seen_auth == ["Bearer first-token-123", "Bearer second-token-4567"]


def test_basic_auth_is_sent(tmp_path: Path, server: FakeAPIServer) -> None:
    path = kubeconfig(tmp_path / "config", server.url,
                      {"username": "admin", "password": "pa55-w0rd-xyz"})
    with ExtensionsClient.from_kubeconfig(str(path)) as c:
        c.list(GCPTrafficExtension)
        assert "pa55-w0rd-xyz" not in c.redactor("pw pa55-w0rd-xyz")
    assert server.seen_auth == ["Basic " + base64.b64encode(b"admin:pa55-w0rd-xyz").decode()]


@pytest.mark.parametrize("api_version", ["client.authentication.k8s.io/v1",
                                         "client.authentication.k8s.io/v1beta1"])
def test_exec_plugin_token_is_cached_and_its_info_sent(
        tmp_path: Path, server: FakeAPIServer, api_version: str) -> None:
    script = counting_plugin(tmp_path, expiry="2999-01-01T00:00:00Z", api_version=api_version)
    user = exec_user(script, api_version,
                     env=[{"name": "TOKEN_PREFIX", "value": "exec-tok-"}],
                     provideClusterInfo=True)
    path = kubeconfig(tmp_path / "config", server.url, user)
    with ExtensionsClient.from_kubeconfig(str(path)) as c:
        assert runs(tmp_path) == 0  # run on the first request, not when loading
        c.list(GCPTrafficExtension)
        c.list(GCPTrafficExtension)
        assert "exec-tok-1" not in c.redactor("said exec-tok-1")
    assert server.seen_auth == ["Bearer exec-tok-1", "Bearer exec-tok-1"]
    assert runs(tmp_path) == 1
    info = json.loads((tmp_path / "exec_info").read_text())
    assert info["apiVersion"] == api_version
    assert info["spec"]["interactive"] is False
    assert info["spec"]["cluster"]["server"] == server.url


def test_an_expired_exec_token_is_refreshed(tmp_path: Path, server: FakeAPIServer) -> None:
    script = counting_plugin(tmp_path, expiry="2000-01-01T00:00:00Z")
    path = kubeconfig(tmp_path / "config", server.url, exec_user(script))
    with ExtensionsClient.from_kubeconfig(str(path)) as c:
        c.list(GCPTrafficExtension)
        c.list(GCPTrafficExtension)
    assert server.seen_auth == ["Bearer token-1", "Bearer token-2"]


def test_a_401_refreshes_the_exec_token_once(tmp_path: Path) -> None:
    def reply(method: str, path: str, auth: str) -> Reply:
        return (200, LIST) if auth == "Bearer token-2" else status_echo(401, "Unauthorized")(
            method, path, auth)

    server = FakeAPIServer(reply)
    try:
        path = kubeconfig(tmp_path / "config", server.url,
                          exec_user(counting_plugin(tmp_path)))
        with ExtensionsClient.from_kubeconfig(str(path)) as c:
            assert c.list(GCPTrafficExtension) == []
        (tmp_path / "runs").write_text("5")  # from now on every token is refused
        with ExtensionsClient.from_kubeconfig(str(path)) as c, \
                pytest.raises(UnauthorizedError):
            c.list(GCPTrafficExtension)
    finally:
        server.close()
    assert server.seen_auth == ["Bearer token-1", "Bearer token-2",
                                "Bearer token-6", "Bearer token-7"]  # one refresh each


def test_a_failing_exec_plugin_never_shows_its_stderr(
        tmp_path: Path, server: FakeAPIServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    script = user_script(tmp_path, "import sys\n"
                         f"print('refresh failed for cached credential {EXEC_TOKEN}', "
                         "file=sys.stderr)\nsys.exit(1)\n")
    path = kubeconfig(tmp_path / "config", server.url, exec_user(script))
    with ExtensionsClient.from_kubeconfig(str(path)) as c, \
            pytest.raises(KubeConfigError) as info:
        c.get(GCPTrafficExtension, "my-ext")
    err = info.value
    assert "exec: process returned 1. stderr: <redacted>" in str(err)
    shown = "\n".join([str(err), repr(err), repr(err.__cause__), repr(err.__context__),
                       caplog.text])
    assert EXEC_TOKEN not in shown
    assert server.seen_auth == []  # nothing was sent without the credential


def test_a_missing_exec_plugin_shows_its_install_hint(tmp_path: Path) -> None:
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1",
                     "command": "gke-gcloud-auth-plugin-absent",
                     "installHint": "Install it with gcloud components install"}}
    path = kubeconfig(tmp_path / "config", "https://127.0.0.1:1", user)
    with ExtensionsClient.from_kubeconfig(str(path), retry=NO_WAIT) as c, \
            pytest.raises(KubeConfigError, match="gcloud components install"):
        c.list(GCPTrafficExtension)


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    made = make_self_signed(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("needs the openssl binary to make a test certificate")
    return made


def tls_server(cert: Path, key: Path, *, client_ca: Path | None = None) -> FakeAPIServer:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(str(client_ca))
    return FakeAPIServer(ok, tls=context)


def test_tls_with_inline_ca_and_client_certificate(tmp_path: Path,
                                                   self_signed: tuple[Path, Path]) -> None:
    cert, key = self_signed
    server = tls_server(cert, key, client_ca=cert)  # the client presents the same cert
    b64 = lambda p: base64.b64encode(p.read_bytes()).decode()  # noqa: E731
    try:
        path = kubeconfig(tmp_path / "config", server.url,
                          {"client-certificate-data": b64(cert), "client-key-data": b64(key)},
                          **{"certificate-authority-data": b64(cert)})
        with ExtensionsClient.from_kubeconfig(str(path)) as c:
            assert isinstance(c.transport, Urllib3Transport)
            assert c.list(GCPTrafficExtension) == []
            assert "PRIVATE KEY" not in c.redactor(key.read_text())
        path = kubeconfig(tmp_path / "config", server.url, {},
                          **{"certificate-authority-data": b64(cert)})
        with ExtensionsClient.from_kubeconfig(str(path), retry=NO_WAIT) as c, \
                pytest.raises(ApiConnectionError):
            c.list(GCPTrafficExtension)  # no client certificate: the handshake fails
    finally:
        server.close()
    assert server.seen_auth == [""]


def test_tls_server_name_is_the_name_checked(tmp_path: Path,
                                             self_signed: tuple[Path, Path]) -> None:
    server = tls_server(*self_signed)
    try:
        path = kubeconfig(tmp_path / "config", server.url, {"token": TOKEN},
                          **{"certificate-authority": str(self_signed[0]),
                             "tls-server-name": "other.invalid"})
        with ExtensionsClient.from_kubeconfig(str(path), retry=NO_WAIT) as c, \
                pytest.raises(ApiConnectionError, match=r"(?i)hostname|match"):
            c.list(GCPTrafficExtension)  # the certificate is for 127.0.0.1 only
    finally:
        server.close()
    assert server.seen_auth == []


def test_a_broken_ca_file_fails_the_request_not_the_construction(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\nx\n")
    path = kubeconfig(tmp_path / "config", "https://127.0.0.1:1", {"token": TOKEN},
                      **{"certificate-authority": "ca.pem"})
    with ExtensionsClient.from_kubeconfig(str(path), retry=NO_WAIT) as c, \
            pytest.raises(ApiConnectionError, match="TLS"):
        c.list(GCPTrafficExtension)


def test_in_cluster_refreshes_the_token_file(tmp_path: Path, self_signed: tuple[Path, Path],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from gke_service_extensions.kube import _config

    server = tls_server(*self_signed)
    account = tmp_path / "sa"
    account.mkdir()
    (account / "token").write_text("sa-token-one")
    (account / "ca.crt").write_bytes(self_signed[0].read_bytes())
    (account / "namespace").write_text("team-d\n")
    monkeypatch.setattr(_config, "SERVICE_ACCOUNT_DIR", account)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", server.url.rsplit(":", 1)[1])
    try:
        with ExtensionsClient.in_cluster() as c:
            assert isinstance(c.transport, Urllib3Transport)
            assert c.default_namespace == "team-d"
            c.list(GCPTrafficExtension)
            (account / "token").write_text("sa-token-two-longer")
            c.list(GCPTrafficExtension)
    finally:
        server.close()
    assert server.seen_auth == ["Bearer sa-token-one", "Bearer sa-token-two-longer"]
    assert read_in_cluster(tmp_path / "absent", {}) is None


# --------------------------------------------------------------------------- streams


@pytest.fixture
def sim() -> Iterator[GKESimulator]:
    with GKESimulator(controller=False, gcp=False, admission=False) as s:
        yield s


WATCH = Request("GET", "/apis/networking.gke.io/v1/namespaces/default/gcptrafficextensions",
                query=(("watch", "1"),), timeout=(5.0, 5.0), idle=0.3)


def test_a_silent_stream_times_out_after_idle(sim: GKESimulator) -> None:
    connection = read_kubeconfig(sim.kubeconfig_path)
    assert connection is not None
    transport = Urllib3Transport(connection)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        list(transport.stream(WATCH).lines())
    assert 0.25 < time.monotonic() - started < 3.0
    transport.close()


def test_a_stream_closed_from_another_thread_ends(sim: GKESimulator) -> None:
    connection = read_kubeconfig(sim.kubeconfig_path)
    assert connection is not None
    transport = Urllib3Transport(connection)
    stream = transport.stream(Request(WATCH.method, WATCH.path, WATCH.query, idle=30.0))
    assert stream.status == 200
    threading.Timer(0.2, stream.close).start()
    started = time.monotonic()
    assert list(stream.lines()) == []
    assert time.monotonic() - started < 5.0
    transport.close()


# --------------------------------------------------------------------------- the same answers


def test_both_transports_give_the_same_answers(sim: GKESimulator,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = traffic_extension()
    manifest["metadata"] = {"name": "same", "namespace": "default"}
    seen: dict[str, list[Any]] = {}
    for mode in ("auto", "kubernetes"):
        monkeypatch.setenv("GKE_SE_KUBE_TRANSPORT", mode)
        with ExtensionsClient.from_kubeconfig(str(sim.kubeconfig_path)) as c:
            created = c.create(GCPTrafficExtension.from_manifest(manifest))
            got = c.get("GCPTrafficExtension", "same")
            listed = [o.metadata.name for o in c.list(GCPTrafficExtension)]
            with pytest.raises(NotFoundError) as missing:
                c.get(GCPTrafficExtension, "absent")
            c.delete(GCPTrafficExtension, "same")
            seen[mode] = [type(c.transport).__name__, created.spec, got.metadata.name,
                          listed, str(missing.value)]
    assert seen["auto"][0] == "Urllib3Transport"
    assert seen["kubernetes"][0] == "ApiClientTransport"
    assert seen["auto"][1:] == seen["kubernetes"][1:]


# --------------------------------------------------------------------------- as users run it


def test_a_script_never_imports_kubernetes_until_it_asks_for_api_client(
        sim: GKESimulator) -> None:
    code = ("import sys\n"
            "from gke_service_extensions import ExtensionsClient\n"
            "with ExtensionsClient.from_kubeconfig(sys.argv[1]) as c:\n"
            "    c.list('GCPTrafficExtension')\n"
            "    print(sorted(m for m in sys.modules if m.partition('.')[0] == 'kubernetes'))\n"
            "    api = c.api_client\n"
            "    print(type(api).__module__, api.configuration.host == c.host)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(sim.kubeconfig_path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["[]", "kubernetes.client.api_client True"]
