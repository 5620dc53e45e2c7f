"""Hostile requests to the simulator's Kubernetes API server: each gets a ``Status`` answer,
nothing is stored, and the server stays responsive with bounded threads and memory."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._kube._resources import NAMESPACE, SERVICE
from gke_service_extensions.testing._kube._server import KubeAPIServer
from gke_service_extensions.testing._kube._store import ObjectStore

EXT_PATH = "/apis/networking.gke.io/v1/namespaces/default/gcptrafficextensions"


def _request(port: int, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None, timeout: float = 10
             ) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def _raw(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes; everything the server answers until it closes (or times out)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
        except TimeoutError:
            pass
        return out


def _status_of(raw: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    code = int(head.split(b" ", 2)[1])
    return code, json.loads(body)


def _alive(port: int) -> bool:
    return _request(port, "GET", "/version")[0] == 200


# --------------------------------------------------------------------------- bodies


def test_a_body_over_3_mib_is_answered_413(sim: GKESimulator,
                                           traffic_extension: Callable[..., dict[str, Any]]
                                           ) -> None:
    port = sim.kube_server.port
    obj = traffic_extension("big")
    obj["metadata"]["annotations"] = {"a": "x" * (3 * 1024 * 1024)}
    code, status = _request(port, "POST", EXT_PATH, json.dumps(obj).encode(),
                            {"Content-Type": "application/json"})
    assert (code, status["kind"], status["reason"]) == (413, "Status", "RequestEntityTooLarge")
    assert sim.store.get(_ext_info(), "default", "big") is None
    assert _alive(port)


def test_a_chunked_body_over_3_mib_is_answered_413(sim: GKESimulator) -> None:
    port = sim.kube_server.port
    chunk = b"x" * 65536
    data = (f"POST {EXT_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    data += (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 60 + b"0\r\n\r\n"
    code, status = _status_of(_raw(port, data))
    assert (code, status["reason"]) == (413, "RequestEntityTooLarge")
    assert _alive(port)


def _ext_info() -> Any:
    from gke_service_extensions.models import TRAFFIC_EXTENSION

    return TRAFFIC_EXTENSION


def _bomb(levels: int) -> bytes:
    lines = ["apiVersion: networking.gke.io/v1", "kind: GCPTrafficExtension",
             "metadata:", "  name: my-ext", "  labels:", "    a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"    a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return ("\n".join(lines) + "\n").encode()


def test_an_alias_bomb_in_an_apply_body_is_refused_fast(sim: GKESimulator) -> None:
    port = sim.kube_server.port
    start = time.monotonic()
    code, status = _request(port, "PATCH", f"{EXT_PATH}/my-ext?fieldManager=m", _bomb(9),
                            {"Content-Type": "application/apply-patch+yaml"})
    assert time.monotonic() - start < 5
    assert (code, status["reason"]) == (400, "BadRequest")
    assert "100,000 values" in status["message"]
    assert sim.store.get(_ext_info(), "default", "my-ext") is None


@pytest.mark.parametrize("content_length", ["abc", "-1", "1e3", " "])
def test_a_bad_content_length_is_answered_400(sim: GKESimulator, content_length: str,
                                              capfd: pytest.CaptureFixture[str]) -> None:
    port = sim.kube_server.port
    data = (f"POST {EXT_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {content_length}\r\n\r\n{{}}").encode()
    code, status = _status_of(_raw(port, data, timeout=5))
    assert (code, status["kind"], status["reason"]) == (400, "Status", "BadRequest")
    assert "Traceback" not in capfd.readouterr().err
    assert _alive(port)


@pytest.mark.parametrize("size_line", [b"zz", b"-5", b"", b"1" * 100])
def test_a_bad_chunk_size_is_answered_400(sim: GKESimulator, size_line: bytes,
                                          capfd: pytest.CaptureFixture[str]) -> None:
    port = sim.kube_server.port
    data = (f"POST {EXT_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode() + size_line + b"\r\n{}\r\n0\r\n\r\n"
    code, status = _status_of(_raw(port, data, timeout=5))
    assert (code, status["reason"]) == (400, "BadRequest")
    assert "Traceback" not in capfd.readouterr().err
    assert _alive(port)


@pytest.mark.parametrize("content_type", ["application/json", "application/apply-patch+yaml"])
def test_100000_deep_json_is_answered_400(sim: GKESimulator, content_type: str) -> None:
    port = sim.kube_server.port
    body = ('{"metadata": {"name": "deep"}, "spec": ' + "[" * 100_000 + "]" * 100_000 + "}")
    method, path = ("POST", EXT_PATH) if content_type == "application/json" else (
        "PATCH", f"{EXT_PATH}/deep?fieldManager=m")
    code, status = _request(port, method, path, body.encode(), {"Content-Type": content_type})
    assert (code, status["reason"]) == (400, "BadRequest")
    assert _alive(port)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_is_not_json(sim: GKESimulator, constant: str) -> None:
    body = '{"metadata": {"name": "n"}, "spec": {"x": ' + constant + "}}"
    code, status = _request(sim.kube_server.port, "POST", "/api/v1/namespaces/default/services",
                            body.encode(), {"Content-Type": "application/json"})
    assert (code, status["reason"]) == (400, "BadRequest")
    assert constant in status["message"]


def test_nan_in_yaml_is_refused(sim: GKESimulator) -> None:
    body = b"apiVersion: v1\nkind: Service\nmetadata: {name: n}\nspec: {x: .nan}\n"
    code, status = _request(sim.kube_server.port, "PATCH",
                            "/api/v1/namespaces/default/services/n?fieldManager=m", body,
                            {"Content-Type": "application/apply-patch+yaml"})
    assert (code, status["reason"]) == (400, "BadRequest")
    assert "finite" in status["message"]


# --------------------------------------------------------------------------- metadata


def test_a_service_with_labels_that_are_a_list_is_invalid(sim: GKESimulator) -> None:
    body = {"metadata": {"name": "svc", "labels": [1]}, "spec": {"ports": [{"port": 80}]}}
    code, status = _request(sim.kube_server.port, "POST", "/api/v1/namespaces/default/services",
                            json.dumps(body).encode(), {"Content-Type": "application/json"})
    assert (code, status["reason"]) == (422, "Invalid")
    assert status["details"]["causes"][0]["field"] == "metadata.labels"
    assert sim.store.get(SERVICE, "default", "svc") is None


@pytest.mark.parametrize("labels", [{"a": 1}, {"bad key!": "v"}, {"k": "bad value!"}])
def test_bad_labels_on_a_core_kind_are_invalid(sim: GKESimulator,
                                               labels: dict[str, Any]) -> None:
    body = {"metadata": {"name": "ev", "labels": labels}, "reason": "R"}
    code, status = _request(sim.kube_server.port, "POST", "/api/v1/namespaces/default/events",
                            json.dumps(body).encode(), {"Content-Type": "application/json"})
    assert (code, status["reason"]) == (422, "Invalid")


@pytest.mark.parametrize("name", ["a.b", "a" * 64, "A", "-a"])
def test_namespace_names_must_be_dns_labels(sim: GKESimulator, name: str) -> None:
    body = {"metadata": {"name": name}}
    code, status = _request(sim.kube_server.port, "POST", "/api/v1/namespaces",
                            json.dumps(body).encode(), {"Content-Type": "application/json"})
    assert (code, status["reason"]) == (422, "Invalid")
    assert status["details"]["causes"][0]["field"] == "metadata.name"
    assert sim.store.get(NAMESPACE, None, name) is None


def test_a_namespace_name_of_63_characters_is_fine(sim: GKESimulator) -> None:
    body = {"metadata": {"name": "a" * 63}}
    code, _ = _request(sim.kube_server.port, "POST", "/api/v1/namespaces",
                       json.dumps(body).encode(), {"Content-Type": "application/json"})
    assert code == 201


# --------------------------------------------------------------------------- slow clients


@pytest.fixture
def small_server() -> Iterator[KubeAPIServer]:
    server = KubeAPIServer(ObjectStore(), idle_timeout=0.5, max_connections=8)
    server.start()
    yield server
    server.stop()


def _threads() -> int:
    return threading.active_count()


def test_idle_connections_are_closed_after_the_idle_timeout(small_server: KubeAPIServer
                                                            ) -> None:
    port = small_server.port
    socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(6)]
    try:
        for i, sock in enumerate(socks):
            sock.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n" if i % 2 else b"GE")
        deadline = time.monotonic() + 5
        while small_server._httpd is not None and small_server._httpd.open_connections and (
                time.monotonic() < deadline):
            time.sleep(0.05)
        assert small_server._httpd is not None
        assert small_server._httpd.open_connections == 0
        for sock in socks:
            assert sock.recv(100) == b""  # closed by the server
    finally:
        for sock in socks:
            sock.close()
    assert _alive(port)


@pytest.fixture
def capped_server() -> Iterator[KubeAPIServer]:
    server = KubeAPIServer(ObjectStore(), idle_timeout=10, max_connections=8)
    server.start()
    yield server
    server.stop()


def test_connections_over_the_cap_get_429_and_the_server_stays_up(
        capped_server: KubeAPIServer) -> None:
    port = capped_server.port
    before = _threads()
    socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(8)]
    try:
        for sock in socks:
            sock.sendall(b"GET /version HTTP/1.1\r\n")  # never finished
        time.sleep(0.1)
        assert _threads() <= before + 8
        code, status = _status_of(_raw(port, b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n",
                                       timeout=5))
        assert (code, status["reason"]) == (429, "TooManyRequests")
        assert _threads() <= before + 8
    finally:
        for sock in socks:
            sock.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if _alive(port):
                break
        except (OSError, http.client.HTTPException, json.JSONDecodeError):
            pass
        time.sleep(0.05)
    assert _alive(port)


def test_500_slow_loris_connections_hold_no_threads_for_long() -> None:
    server = KubeAPIServer(ObjectStore(), idle_timeout=0.5, max_connections=64)
    server.start()
    socks: list[socket.socket] = []
    try:
        before = _threads()
        for _ in range(500):
            try:
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
                sock.sendall(b"GET /ver")
                socks.append(sock)
            except OSError:
                break
        assert _threads() <= before + 64 + 2
        deadline = time.monotonic() + 10
        assert server._httpd is not None
        while server._httpd.open_connections and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server._httpd.open_connections == 0
        assert _alive(server.port)
    finally:
        for sock in socks:
            sock.close()
        server.stop()


# --------------------------------------------------------------------------- conflicts


def _seed(sim: GKESimulator, traffic_extension: Callable[..., dict[str, Any]]) -> int:
    port = sim.kube_server.port
    code, _ = _request(port, "POST", EXT_PATH, json.dumps(traffic_extension("shared")).encode(),
                       {"Content-Type": "application/json"})
    assert code == 201
    return port


def _concurrently(n: int, fn: Callable[[int], tuple[int, dict[str, Any]]]
                  ) -> list[tuple[int, dict[str, Any]]]:
    results: list[tuple[int, dict[str, Any]]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        barrier.wait()
        out = fn(i)
        with lock:
            results.append(out)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_20_concurrent_applies_by_different_managers_all_succeed(
        sim: GKESimulator, traffic_extension: Callable[..., dict[str, Any]]) -> None:
    port = _seed(sim, traffic_extension)

    def apply(i: int) -> tuple[int, dict[str, Any]]:
        body = {"apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
                "metadata": {"name": "shared", "labels": {f"writer-{i}": "yes"}}}
        return _request(port, "PATCH", f"{EXT_PATH}/shared?fieldManager=writer-{i}",
                        json.dumps(body).encode(),
                        {"Content-Type": "application/apply-patch+yaml"}, timeout=30)

    results = _concurrently(20, apply)
    assert sorted(code for code, _ in results) == [200] * 20
    stored = sim.store.get(_ext_info(), "default", "shared")
    assert stored is not None
    assert set(stored["metadata"]["labels"]) == {f"writer-{i}" for i in range(20)}


def test_20_concurrent_merge_patches_of_different_keys_all_succeed(
        sim: GKESimulator, traffic_extension: Callable[..., dict[str, Any]]) -> None:
    port = _seed(sim, traffic_extension)

    def patch(i: int) -> tuple[int, dict[str, Any]]:
        body = {"metadata": {"annotations": {f"key-{i}": "v"}}}
        return _request(port, "PATCH", f"{EXT_PATH}/shared", json.dumps(body).encode(),
                        {"Content-Type": "application/merge-patch+json"}, timeout=30)

    results = _concurrently(20, patch)
    assert sorted(code for code, _ in results) == [200] * 20
    stored = sim.store.get(_ext_info(), "default", "shared")
    assert stored is not None
    assert set(stored["metadata"]["annotations"]) == {f"key-{i}" for i in range(20)}


def test_a_merge_patch_with_a_stale_resource_version_still_conflicts(
        sim: GKESimulator, traffic_extension: Callable[..., dict[str, Any]]) -> None:
    port = _seed(sim, traffic_extension)
    body = {"metadata": {"resourceVersion": "1", "annotations": {"a": "b"}}}
    code, status = _request(port, "PATCH", f"{EXT_PATH}/shared", json.dumps(body).encode(),
                            {"Content-Type": "application/merge-patch+json"})
    assert (code, status["reason"]) == (409, "Conflict")
