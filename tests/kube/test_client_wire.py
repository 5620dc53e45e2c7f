"""Wire details the simulator does not exercise: bodiless answers, odd bodies, headers.

A scripted HTTP server on 127.0.0.1 plays the API server and records every request.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from gke_service_extensions import KubernetesError, ManifestError, ServerError
from gke_service_extensions.kube import DryRun, ExtensionsClient, Propagation, RetryPolicy
from gke_service_extensions.models import GCPTrafficExtension, UnknownFields


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


Handler = Callable[[Seen], tuple[int, Any]]


class ScriptedServer:
    def __init__(self, handle: Handler) -> None:
        self.seen: list[Seen] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in
                                                      self.headers.items()},
                            json.loads(raw) if raw else None)
                outer.seen.append(seen)
                status, body = handle(seen)
                data = body if isinstance(body, bytes) else (
                    json.dumps(body).encode() if body is not None else b"")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def manifest(**meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
        "metadata": {"name": "my-ext", "namespace": "default", **meta},
        "spec": {
            "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                            "name": "gw"}],
            "extensionChains": [{"name": "chain1", "extensions": [{
                "name": "ext1", "authority": "myext.com", "timeout": "1s",
                "supportedEvents": ["RequestHeaders"],
                "backendRef": {"group": "", "kind": "Service", "name": "callout", "port": 443},
            }]}],
        },
    }


STORED = manifest(uid="u-1", resourceVersion="42", generation=1)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[Handler], tuple[ExtensionsClient,
                                                                 ScriptedServer]]]:
    servers: list[ScriptedServer] = []
    clients: list[ExtensionsClient] = []

    def start(handle: Handler) -> tuple[ExtensionsClient, ScriptedServer]:
        server = ScriptedServer(handle)
        path = tmp_path / f"config{len(servers)}"
        path.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "c",
            "clusters": [{"name": "c", "cluster": {"server": server.url}}],
            "users": [{"name": "u", "user": {"token": "t0ken-abcdef"}}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        }))
        # a fixed CRD profile: these tests script every request (no CRD reads)
        client = ExtensionsClient.from_kubeconfig(str(path), profile="newest",
                                                  retry=RetryPolicy(sleep=lambda s: None))
        servers.append(server)
        clients.append(client)
        return client, server

    yield start
    for c in clients:
        c.close()
    for s in servers:
        s.close()


def ext() -> GCPTrafficExtension:
    return GCPTrafficExtension.from_manifest(manifest())


def test_apply_with_an_empty_201_reads_the_object_back(serve: Any) -> None:
    def handle(req: Seen) -> tuple[int, Any]:
        return (201, None) if req.method == "PATCH" else (200, STORED)

    client, server = serve(handle)
    applied = client.apply(ext())
    assert applied.metadata.uid == "u-1"
    assert [s.method for s in server.seen] == ["PATCH", "GET"]
    patch = server.seen[0]
    assert patch.headers["content-type"] == "application/apply-patch+yaml"
    assert "fieldManager=gke-service-extensions" in patch.path
    assert "force" not in patch.path


def test_apply_sends_force_and_manager_and_no_server_fields(serve: Any) -> None:
    client, server = serve(lambda req: (200, STORED))
    client.apply(GCPTrafficExtension.from_manifest(
        {**manifest(uid="u-1", generation=1, creationTimestamp="2026-01-01T00:00:00Z"),
         "status": {"ancestors": []}}, unknown_fields=UnknownFields.PRESERVE),
        field_manager="me", force=True)
    sent = server.seen[0]
    assert "fieldManager=me" in sent.path
    assert "force=true" in sent.path
    assert "status" not in sent.body
    assert set(sent.body["metadata"]) == {"name", "namespace"}


def test_delete_202_without_the_object_reads_it_back_when_waiting(serve: Any) -> None:
    gets = iter([(200, {**STORED, "metadata": {**STORED["metadata"],
                                              "deletionTimestamp": "2026-01-01T00:00:00Z"}}),
                 (404, {"kind": "Status", "code": 404, "reason": "NotFound",
                        "details": {"name": "my-ext"}})])

    def handle(req: Seen) -> tuple[int, Any]:
        if req.method == "DELETE":
            return 202, {"kind": "Status", "status": "Success"}
        return next(gets)

    client, server = serve(handle)
    last = client.delete(GCPTrafficExtension, "my-ext", wait=True, timeout=5,
                         propagation=Propagation.FOREGROUND)
    assert last is not None
    assert last.metadata.uid == "u-1"
    assert server.seen[0].body["propagationPolicy"] == "Foreground"
    assert [s.method for s in server.seen] == ["DELETE", "GET", "GET"]


def test_dry_run_is_sent_as_query_and_delete_option(serve: Any) -> None:
    client, server = serve(lambda req: (200, STORED))
    client.create(ext(), dry_run=DryRun.ALL)
    client.delete(GCPTrafficExtension, "my-ext", dry_run=DryRun.ALL)
    assert all("dryRun=All" in s.path for s in server.seen)
    assert server.seen[1].body["dryRun"] == ["All"]


def test_a_body_that_is_not_json_is_a_server_error(serve: Any) -> None:
    client, _ = serve(lambda req: (200, b"<html>proxy login</html>"))
    with pytest.raises(ServerError, match="not JSON"):
        client.get(GCPTrafficExtension, "my-ext")


def test_list_items_without_kind_are_completed(serve: Any) -> None:
    item = {k: v for k, v in STORED.items() if k not in ("apiVersion", "kind")}
    client, server = serve(lambda req: (200, {"kind": "List", "metadata": {},
                                              "items": [item]}))
    [got] = client.list(GCPTrafficExtension, label_selector={"a": "b"})
    assert got.metadata.name == "my-ext"
    assert "labelSelector=a%3Db" in server.seen[0].path
    assert "limit=500" in server.seen[0].path


def _page(names: list[str], token: str = "") -> dict[str, Any]:
    items = [{**STORED, "metadata": {**STORED["metadata"], "name": n}} for n in names]
    return {"kind": "List", "metadata": {"continue": token}, "items": items}


def test_list_starts_again_when_a_continue_token_expires(serve: Any) -> None:
    answers = iter([
        (200, _page(["a"], "t1")),
        (410, {"kind": "Status", "code": 410, "reason": "Expired",
               "message": "The provided continue parameter is too old"}),
        (200, _page(["a"], "t2")),
        (200, _page(["b"])),
    ])
    client, server = serve(lambda req: next(answers))
    got = client.list(GCPTrafficExtension, page_size=1)
    assert [o.metadata.name for o in got] == ["a", "b"]
    assert ["continue=" in s.path for s in server.seen] == [False, True, False, True]


def test_list_gives_up_when_the_token_expires_twice(serve: Any) -> None:
    expired = (410, {"kind": "Status", "code": 410, "reason": "Expired", "message": "old"})
    answers = iter([(200, _page(["a"], "t1")), expired, (200, _page(["a"], "t2")), expired])
    client, _ = serve(lambda req: next(answers))
    with pytest.raises(KubernetesError) as info:
        client.list(GCPTrafficExtension, page_size=1)
    assert info.value.status == 410


def test_a_patch_that_is_not_json_is_refused_before_sending(serve: Any) -> None:
    client, server = serve(lambda req: (200, STORED))
    with pytest.raises(ManifestError, match="cannot be sent as JSON"):
        client.patch(GCPTrafficExtension, "my-ext", {"metadata": {"labels": {"a": object()}}})
    with pytest.raises(ManifestError, match="cannot be sent as JSON"):
        client.patch(GCPTrafficExtension, "my-ext", {"spec": {"x": float("nan")}})
    assert server.seen == []
