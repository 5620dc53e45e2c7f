"""Concurrent writers and watchers: no lost, duplicated or reordered watch events."""

from __future__ import annotations

import http.client
import json
import threading
from typing import Any

from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._kube._resources import EVENT

_WRITERS, _WRITES = 4, 40


def _read_events(port: int, rv: str, want: int, out: list[dict[str, Any]]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request("GET", f"/api/v1/namespaces/default/events?watch=1&resourceVersion={rv}")
    resp = conn.getresponse()
    while len(out) < want:
        line = resp.readline()
        if not line:
            break
        out.append(json.loads(line))
    conn.close()


def test_concurrent_writes_reach_every_watch_once_and_in_order(sim: GKESimulator) -> None:
    port = sim.kube_server.port
    start_rv = sim.store.resource_version
    want = _WRITERS * _WRITES
    seen: list[list[dict[str, Any]]] = [[], []]
    watchers = [threading.Thread(target=_read_events, args=(port, start_rv, want, out))
                for out in seen]
    for w in watchers:
        w.start()

    def write(writer: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        for i in range(_WRITES):
            body = json.dumps({"metadata": {"name": f"w{writer}-{i}"}, "reason": "R"})
            conn.request("POST", "/api/v1/namespaces/default/events", body=body,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 201
        conn.close()

    writers = [threading.Thread(target=write, args=(n,)) for n in range(_WRITERS)]
    for t in writers:
        t.start()
    for t in writers:
        t.join(timeout=60)
    for w in watchers:
        w.join(timeout=60)

    stored = sorted(o["metadata"]["name"] for o in sim.store.list(EVENT, "default")[0])
    for events in seen:
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
        assert rvs == sorted(set(rvs))  # increasing, no duplicates
        assert {e["type"] for e in events} == {"ADDED"}
        assert sorted(e["object"]["metadata"]["name"] for e in events) == stored
    assert len(stored) == want
