"""Benchmark the GKE simulator's Kubernetes API server.

Run: ``python benchmarks/bench_simulator.py``. Prints startup time, get/list latency and
throughput, and watch event delivery latency, with ratios against a baseline measured in
the same run: a hello-world ``http.server`` round trip over the same kind of keep-alive
connection.
"""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._kube._resources import EVENT, TRAFFIC_EXTENSION

_PATH = "/apis/networking.gke.io/v1/namespaces/default/gcptrafficextensions"
_EXT: dict[str, Any] = {
    "spec": {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"}],
        "extensionChains": [{"name": "c1", "extensions": [{
            "name": "e1", "authority": "a.example.com", "timeout": "1s",
            "supportedEvents": ["RequestHeaders"],
            "backendRef": {"group": "", "kind": "Service", "name": "svc", "port": 443}}]}]}}


class _Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        body = b'{"hello":"world"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _get(conn: http.client.HTTPConnection, path: str) -> bytes:
    conn.request("GET", path)
    resp = conn.getresponse()
    data = resp.read()
    assert resp.status == 200, (resp.status, data[:200])
    return data


def _ms(samples: list[float]) -> str:
    p95 = sorted(samples)[int(len(samples) * 0.95) - 1]
    return f"median {statistics.median(samples) * 1e3:7.3f} ms   p95 {p95 * 1e3:7.3f} ms"


def main() -> None:
    n = 300
    # ---- baseline: hello-world http.server round trip
    hello = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=hello.serve_forever, daemon=True).start()
    conn = http.client.HTTPConnection("127.0.0.1", hello.server_address[1])
    _timed(lambda: _get(conn, "/"), 20)
    baseline = _timed(lambda: _get(conn, "/"), n)
    conn.close()
    hello.shutdown()
    base = statistics.median(baseline)
    print(f"baseline http.server hello round trip   {_ms(baseline)}")

    # ---- startup
    t = time.perf_counter()
    first = GKESimulator().start()
    full_first = time.perf_counter() - t
    first.stop()
    t = time.perf_counter()
    again = GKESimulator().start()
    full_again = time.perf_counter() - t
    t = time.perf_counter()
    again.stop()
    stop_time = time.perf_counter() - t
    t = time.perf_counter()
    kube_only = GKESimulator(gcp=False, controller=False).start()
    kube_start = time.perf_counter() - t
    kube_only.stop()
    print(f"startup, full stack, first in process    {full_first * 1e3:8.1f} ms")
    print(f"startup, full stack, later               {full_again * 1e3:8.1f} ms")
    print(f"startup, Kubernetes API only             {kube_start * 1e3:8.1f} ms")
    print(f"stop                                     {stop_time * 1e3:8.1f} ms")

    with GKESimulator(gcp=False, controller=False) as sim:
        for i in range(100):
            sim.store.create(TRAFFIC_EXTENSION, {
                "metadata": {"name": f"ext-{i:03d}", "namespace": "default"}, **_EXT})
        port = sim.kube_server.port
        conn = http.client.HTTPConnection("127.0.0.1", port)
        _timed(lambda: _get(conn, f"{_PATH}/ext-001"), 20)
        gets = _timed(lambda: _get(conn, f"{_PATH}/ext-001"), n)
        lists = _timed(lambda: _get(conn, _PATH), 50)
        conn.close()
        print(f"GET one object (raw keep-alive)          {_ms(gets)}   "
              f"x{statistics.median(gets) / base:.1f} baseline")
        print(f"LIST 100 objects (raw keep-alive)        {_ms(lists)}   "
              f"x{statistics.median(lists) / base:.1f} baseline")

        # official client
        from kubernetes import client

        api: Any = sim.api_client()
        custom = client.CustomObjectsApi(api)
        fetch = lambda: custom.get_namespaced_custom_object(  # noqa: E731
            "networking.gke.io", "v1", "default", "gcptrafficextensions", "ext-001")
        _timed(fetch, 20)
        client_gets = _timed(fetch, n)
        api.close()
        print(f"GET one object (kubernetes client)       {_ms(client_gets)}   "
              f"x{statistics.median(client_gets) / base:.1f} baseline")

        # throughput: 2 threads, each its own keep-alive connection
        stop_at = time.perf_counter() + 2.0
        counts = [0, 0]

        def hammer(slot: int) -> None:
            c = http.client.HTTPConnection("127.0.0.1", port)
            while time.perf_counter() < stop_at:
                _get(c, f"{_PATH}/ext-002")
                counts[slot] += 1
            c.close()

        threads = [threading.Thread(target=hammer, args=(i,)) for i in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        print(f"GET throughput, 2 client threads         {sum(counts) / 2.0:8.0f} req/s")

        # watch delivery: store write -> JSON line read by a watching client
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rv = sim.store.resource_version
        sock.sendall(f"GET /api/v1/namespaces/default/events?watch=1&resourceVersion={rv} "
                     f"HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        reader = sock.makefile("rb")
        while reader.readline() not in (b"\r\n", b""):
            pass  # response headers
        delays = []
        for i in range(200):
            t = time.perf_counter()
            sim.store.create(EVENT, {"metadata": {"name": f"e{i}"}})
            size = int(reader.readline().strip(), 16)
            line = reader.read(size)
            reader.readline()
            delays.append(time.perf_counter() - t)
            assert json.loads(line)["type"] == "ADDED"
        sock.close()
        print(f"watch event delivery (write -> client)   {_ms(delays)}   "
              f"x{statistics.median(delays) / base:.1f} baseline")


if __name__ == "__main__":
    main()
