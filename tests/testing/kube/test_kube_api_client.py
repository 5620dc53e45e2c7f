"""The simulator's Kubernetes API server, driven by the official kubernetes client."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from kubernetes import client, watch

from gke_service_extensions import Problem
from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._kube._resources import EVENT

GROUP, VERSION, PLURAL = "networking.gke.io", "v1", "gcptrafficextensions"
Watch: Any = watch.Watch  # untyped in kubernetes 37
Factory = Callable[..., dict[str, Any]]


def _create(custom: Any, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    result: dict[str, Any] = custom.create_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, body, **kw)
    return result


def _get(custom: Any, name: str = "my-ext") -> dict[str, Any]:
    result: dict[str, Any] = custom.get_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, name)
    return result


def _error(exc_info: pytest.ExceptionInfo[client.ApiException]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc_info.value.body or "{}")
    return body


def _raw(sim: GKESimulator, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    url = urlsplit(sim.kube_url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


# ---------------------------------------------------------------------- CRUD


def test_create_get_list_replace_delete(custom: Any,
                                        traffic_extension: Factory) -> None:
    created = _create(custom, traffic_extension())
    assert created["metadata"]["generation"] == 1
    assert _get(custom)["metadata"]["uid"] == created["metadata"]["uid"]
    listed = custom.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL)
    assert listed["kind"] == "GCPTrafficExtensionList"
    assert [o["metadata"]["name"] for o in listed["items"]] == ["my-ext"]
    assert listed["metadata"]["resourceVersion"]
    created["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "2s"
    replaced = custom.replace_namespaced_custom_object(GROUP, VERSION, "default", PLURAL,
                                                       "my-ext", created)
    assert replaced["metadata"]["generation"] == 2
    custom.delete_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "my-ext")
    assert custom.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL)["items"] == []


def test_not_found_has_the_real_status_shape(custom: Any) -> None:
    with pytest.raises(client.ApiException) as err:
        _get(custom, "missing")
    assert err.value.status == 404
    assert _error(err) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'gcptrafficextensions.networking.gke.io "missing" not found',
        "reason": "NotFound",
        "details": {"name": "missing", "group": "networking.gke.io",
                    "kind": "gcptrafficextensions"},
        "code": 404}


def test_create_existing_is_409_already_exists(custom: Any,
                                               traffic_extension: Factory) -> None:
    _create(custom, traffic_extension())
    with pytest.raises(client.ApiException) as err:
        _create(custom, traffic_extension())
    body = _error(err)
    assert (body["code"], body["reason"]) == (409, "AlreadyExists")
    assert body["message"] == 'gcptrafficextensions.networking.gke.io "my-ext" already exists'


def test_replace_with_stale_resource_version_is_409_conflict(
        custom: Any, traffic_extension: Factory) -> None:
    stale = _create(custom, traffic_extension())
    custom.patch_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "my-ext",
                                          {"metadata": {"labels": {"a": "b"}}})
    with pytest.raises(client.ApiException) as err:
        custom.replace_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "my-ext",
                                                stale)
    body = _error(err)
    assert (body["code"], body["reason"]) == (409, "Conflict")
    assert body["message"] == (
        'Operation cannot be fulfilled on gcptrafficextensions.networking.gke.io "my-ext": '
        "the object has been modified; please apply your changes to the latest version "
        "and try again")


def test_merge_and_json_patch(custom: Any,
                              traffic_extension: Factory) -> None:
    _create(custom, traffic_extension())
    merged = custom.patch_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, "my-ext", {"metadata": {"labels": {"team": "a"}}},
        _content_type="application/merge-patch+json")
    assert merged["metadata"]["labels"] == {"team": "a"}
    patched = custom.patch_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, "my-ext",
        [{"op": "replace", "path": "/spec/extensionChains/0/extensions/0/timeout",
          "value": "3s"}],
        _content_type="application/json-patch+json")
    assert patched["spec"]["extensionChains"][0]["extensions"][0]["timeout"] == "3s"
    assert patched["metadata"]["generation"] == 2


def test_patch_with_failing_json_patch_test_is_422(custom: Any,
                                                   traffic_extension: Factory) -> None:
    _create(custom, traffic_extension())
    with pytest.raises(client.ApiException) as err:
        custom.patch_namespaced_custom_object(
            GROUP, VERSION, "default", PLURAL, "my-ext",
            [{"op": "test", "path": "/metadata/name", "value": "other"}],
            _content_type="application/json-patch+json")
    assert err.value.status == 422


def test_labels_only_change_keeps_generation(custom: Any,
                                             traffic_extension: Factory) -> None:
    _create(custom, traffic_extension())
    patched = custom.patch_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, "my-ext", {"metadata": {"annotations": {"a": "b"}}})
    assert patched["metadata"]["generation"] == 1


# ---------------------------------------------------------------------- status subresource


def test_status_subresource_is_separate_from_the_main_resource(
        custom: Any, traffic_extension: Factory) -> None:
    _create(custom, traffic_extension())
    status = {"ancestors": [{
        "ancestorRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"},
        "controllerName": "networking.gke.io/gateway",
        "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted",
                        "message": "", "observedGeneration": 1,
                        "lastTransitionTime": "2026-01-01T00:00:00Z"}]}]}
    after_status = custom.patch_namespaced_custom_object_status(
        GROUP, VERSION, "default", PLURAL, "my-ext",
        {"status": status, "spec": {"targetRefs": []}})
    assert after_status["status"] == status
    assert after_status["spec"]["targetRefs"][0]["name"] == "gw"
    assert after_status["metadata"]["generation"] == 1
    main = custom.patch_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, "my-ext", {"status": {"ancestors": []}})
    assert main["status"] == status


def test_create_ignores_status(custom: Any,
                               traffic_extension: Factory) -> None:
    body = traffic_extension()
    body["status"] = {"ancestors": [{"ancestorRef": {"name": "gw"}}]}
    assert "status" not in _create(custom, body)


# ---------------------------------------------------------------------- dry run


def test_dry_run_stores_nothing_and_emits_no_event(
        sim: GKESimulator, custom: Any, traffic_extension: Factory) -> None:
    events: list[str] = []
    sim.store.subscribe(lambda e: events.append(e.type))
    answered = _create(custom, traffic_extension(), dry_run="All")
    assert answered["metadata"]["name"] == "my-ext"
    assert answered["metadata"]["uid"]
    with pytest.raises(client.ApiException):
        _get(custom)
    _create(custom, traffic_extension())
    events.clear()
    custom.patch_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "my-ext",
                                          {"metadata": {"labels": {"x": "y"}}}, dry_run="All")
    custom.delete_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "my-ext",
                                           dry_run="All")
    assert "labels" not in _get(custom)["metadata"]
    assert events == []


def test_invalid_dry_run_value_is_400(custom: Any,
                                      traffic_extension: Factory) -> None:
    with pytest.raises(client.ApiException) as err:
        _create(custom, traffic_extension(), dry_run="Some")
    assert err.value.status == 400


# ---------------------------------------------------------------------- selectors, paging


def test_label_and_field_selectors(custom: Any,
                                   traffic_extension: Factory) -> None:
    _create(custom, traffic_extension("a", labels={"tier": "edge", "env": "prod"}))
    _create(custom, traffic_extension("b", labels={"tier": "edge"}))
    _create(custom, traffic_extension("c"))

    def names(**kw: Any) -> list[str]:
        items = custom.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL,
                                                     **kw)["items"]
        return [o["metadata"]["name"] for o in items]

    assert names(label_selector="tier=edge") == ["a", "b"]
    assert names(label_selector="tier=edge,env!=prod") == ["b"]
    assert names(label_selector="env in (prod, dev)") == ["a"]
    assert names(label_selector="!tier") == ["c"]
    assert names(field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.name!=b") == ["a", "c"]


def test_bad_selector_is_400(custom: Any) -> None:
    with pytest.raises(client.ApiException) as err:
        custom.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL,
                                             field_selector="spec.foo=bar")
    assert err.value.status == 400
    assert "field label not supported" in _error(err)["message"]


def test_pagination_with_limit_and_continue(custom: Any,
                                            traffic_extension: Factory) -> None:
    for i in range(5):
        _create(custom, traffic_extension(f"ext-{i}"))
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        kw: dict[str, Any] = {"limit": 2}
        if token:
            kw["_continue"] = token
        page = custom.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, **kw)
        seen += [o["metadata"]["name"] for o in page["items"]]
        pages += 1
        token = page["metadata"].get("continue")
        if not token:
            break
    assert seen == [f"ext-{i}" for i in range(5)]
    assert pages == 3


def test_list_across_namespaces(sim: GKESimulator, custom: Any,
                                core: Any, traffic_extension: Factory) -> None:
    core.create_namespace({"metadata": {"name": "team"}})
    _create(custom, traffic_extension("a"))
    custom.create_namespaced_custom_object(GROUP, VERSION, "team", PLURAL,
                                           traffic_extension("b", namespace="team"))
    everywhere = custom.list_cluster_custom_object(GROUP, VERSION, PLURAL)["items"]
    assert sorted(o["metadata"]["namespace"] for o in everywhere) == ["default", "team"]


def test_create_in_unknown_namespace_is_404(custom: Any,
                                            traffic_extension: Factory) -> None:
    with pytest.raises(client.ApiException) as err:
        custom.create_namespaced_custom_object(GROUP, VERSION, "ghost", PLURAL,
                                               traffic_extension(namespace="ghost"))
    assert _error(err)["message"] == 'namespaces "ghost" not found'


# ---------------------------------------------------------------------- watch


def _watch(custom: Any, count: int, **kw: Any) -> list[dict[str, Any]]:
    """The first ``count`` events of a watch (the server-side timeout is only a safety)."""
    w = Watch()
    events = []
    for event in w.stream(custom.list_namespaced_custom_object, GROUP, VERSION, "default",
                          PLURAL, timeout_seconds=10, **kw):
        events.append(event)
        if len(events) == count:
            w.stop()
    return events


def test_watch_without_resource_version_starts_with_added_for_existing(
        custom: Any, traffic_extension: Factory) -> None:
    _create(custom, traffic_extension("a"))
    _create(custom, traffic_extension("b"))
    events = _watch(custom, 2)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "a"), ("ADDED", "b")]


def test_watch_resumes_from_a_resource_version(custom: Any,
                                               traffic_extension: Factory) -> None:
    first = _create(custom, traffic_extension("a"))
    _create(custom, traffic_extension("b"))
    custom.delete_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "a")
    events = _watch(custom, 2, resource_version=first["metadata"]["resourceVersion"])
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "b"), ("DELETED", "a")]


def test_watch_streams_live_events(custom: Any,
                                   traffic_extension: Factory) -> None:
    rv = custom.list_namespaced_custom_object(GROUP, VERSION, "default",
                                              PLURAL)["metadata"]["resourceVersion"]
    got: list[str] = []
    w = Watch()

    def writer() -> None:
        time.sleep(0.05)
        _create(custom, traffic_extension("live"))

    t = threading.Thread(target=writer)
    t.start()
    for event in w.stream(custom.list_namespaced_custom_object, GROUP, VERSION, "default",
                          PLURAL, resource_version=rv, timeout_seconds=5):
        got.append(event["type"])
        w.stop()
    t.join()
    assert got == ["ADDED"]


def test_watch_sends_bookmarks_with_the_current_resource_version(
        custom: Any, traffic_extension: Factory) -> None:
    created = _create(custom, traffic_extension())
    events = _watch(custom, 2, resource_version=created["metadata"]["resourceVersion"],
                    allow_watch_bookmarks=True)
    assert [e["type"] for e in events] == ["BOOKMARK", "BOOKMARK"]
    assert events[-1]["raw_object"]["metadata"]["resourceVersion"] == (
        created["metadata"]["resourceVersion"])


def test_watch_from_a_too_old_resource_version_gets_410(
        sim: GKESimulator, custom: Any) -> None:
    # history_window=50 in the fixture: push the first RV out of the window
    for i in range(60):
        sim.store.create(EVENT, {"metadata": {"name": f"ev{i}"}})
    w = Watch()
    with pytest.raises(client.ApiException) as err:
        list(w.stream(custom.list_namespaced_custom_object, GROUP, VERSION, "default", PLURAL,
                      resource_version="1", timeout_seconds=1))
    assert err.value.status == 410


def test_watch_error_event_has_expired_status(sim: GKESimulator) -> None:
    for i in range(60):
        sim.store.create(EVENT, {"metadata": {"name": f"ev{i}"}})
    status, _ = _raw(sim, "GET", "/api/v1/namespaces/default/events?watch=1"
                                 "&resourceVersion=1")
    assert status == 200
    url = urlsplit(sim.kube_url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    conn.request("GET", "/api/v1/namespaces/default/events?watch=1&resourceVersion=1")
    line = json.loads(conn.getresponse().read().splitlines()[0])
    conn.close()
    assert line["type"] == "ERROR"
    assert line["object"]["code"] == 410
    assert line["object"]["reason"] == "Expired"


# ---------------------------------------------------------------------- deletion


def test_finalizers_delay_deletion(custom: Any,
                                   traffic_extension: Factory) -> None:
    _create(custom, traffic_extension(finalizers=["example.com/keep"]))
    custom.delete_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "my-ext",
                                           propagation_policy="Foreground")
    marked = _get(custom)
    assert marked["metadata"]["deletionTimestamp"]
    custom.patch_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "my-ext",
                                          {"metadata": {"finalizers": None}})
    with pytest.raises(client.ApiException) as err:
        _get(custom)
    assert err.value.status == 404


def test_delete_precondition_mismatch_is_409(sim: GKESimulator,
                                             custom: Any,
                                             traffic_extension: Factory) -> None:
    _create(custom, traffic_extension())
    status, body = _raw(sim, "DELETE",
                        "/apis/networking.gke.io/v1/namespaces/default/gcptrafficextensions/"
                        "my-ext", json.dumps({"preconditions": {"uid": "other"}}).encode(),
                        {"Content-Type": "application/json"})
    assert (status, body["reason"]) == (409, "Conflict")
    assert "Precondition failed: UID in precondition: other" in body["message"]


# ---------------------------------------------------------------------- server-side apply


def _apply(custom: Any, body: dict[str, Any], manager: str,
           force: bool | None = None) -> dict[str, Any]:
    result: dict[str, Any] = custom.patch_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, body["metadata"]["name"], body,
        field_manager=manager, force=force, _content_type="application/apply-patch+yaml")
    return result


def test_apply_to_a_missing_object_creates_it_with_201(sim: GKESimulator,
                                                       custom: Any,
                                                       traffic_extension: Factory) -> None:
    resp = custom.patch_namespaced_custom_object_with_http_info(
        GROUP, VERSION, "default", PLURAL, "my-ext", traffic_extension(), field_manager="me",
        _content_type="application/apply-patch+yaml")
    # like the real API server; this client only deserializes 200 bodies of a PATCH
    assert resp[1] == 201
    assert _get(custom)["metadata"]["managedFields"][0]["manager"] == "me"


def test_apply_creates_then_conflicts_for_another_manager_then_force_wins(
        custom: Any, traffic_extension: Factory) -> None:
    _apply(custom, traffic_extension(), "alice")
    created = _get(custom)
    assert created["metadata"]["managedFields"][0]["manager"] == "alice"
    assert created["metadata"]["managedFields"][0]["operation"] == "Apply"
    change = traffic_extension()
    change["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "5s"
    with pytest.raises(client.ApiException) as err:
        _apply(custom, change, "bob")
    body = _error(err)
    assert (body["code"], body["reason"]) == (409, "Conflict")
    assert body["message"].startswith('Apply failed with 1 conflict: conflict with "alice": '
                                      '.spec.extensionChains[name="chain1"]')
    assert body["details"]["causes"][0]["reason"] == "FieldManagerConflict"
    forced = _apply(custom, change, "bob", force=True)
    assert forced["spec"]["extensionChains"][0]["extensions"][0]["timeout"] == "5s"
    managers = {e["manager"] for e in forced["metadata"]["managedFields"]}
    assert managers == {"alice", "bob"}


def test_apply_without_field_manager_is_400(sim: GKESimulator,
                                            traffic_extension: Factory) -> None:
    status, body = _raw(sim, "PATCH",
                        "/apis/networking.gke.io/v1/namespaces/default/gcptrafficextensions/x",
                        json.dumps(traffic_extension("x")).encode(),
                        {"Content-Type": "application/apply-patch+yaml"})
    assert status == 400
    assert "fieldManager" in body["message"]


def test_apply_yaml_body_is_accepted(sim: GKESimulator) -> None:
    doc = b"""apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec: {gatewayClassName: gke-l7-rilb, listeners: [{name: http, protocol: HTTP, port: 80}]}
"""
    status, body = _raw(sim, "PATCH", "/apis/gateway.networking.k8s.io/v1/namespaces/default/"
                        "gateways/gw?fieldManager=me", doc,
                        {"Content-Type": "application/apply-patch+yaml"})
    assert status == 201
    assert body["spec"]["gatewayClassName"] == "gke-l7-rilb"


# ---------------------------------------------------------------------- validation


def test_invalid_object_is_422_with_field_causes(custom: Any,
                                                 traffic_extension: Factory) -> None:
    bad = traffic_extension()
    bad["spec"]["extensionChains"][0]["extensions"][0]["timeout"] = "99s"
    with pytest.raises(client.ApiException) as err:
        _create(custom, bad)
    body = _error(err)
    assert (body["code"], body["reason"]) == (422, "Invalid")
    assert body["message"].startswith('GCPTrafficExtension.networking.gke.io "my-ext" is '
                                      "invalid: ")
    causes = body["details"]["causes"]
    assert causes
    assert all(c["reason"] == "FieldValueInvalid" for c in causes)
    assert any("timeout" in c["field"] for c in causes)


def test_validator_seam_is_used_for_create_update_and_patch(traffic_extension: Factory) -> None:
    def reject_label(info: Any, obj: Any) -> list[Problem]:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return [Problem("metadata.labels.bad", "must not be set")] if "bad" in labels else []

    with GKESimulator(gcp=False, controller=False, admission=False, validator=reject_label) as sim:
        api: Any = sim.api_client()
        custom = client.CustomObjectsApi(api)
        _create(custom, traffic_extension())
        with pytest.raises(client.ApiException) as err:
            custom.patch_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "my-ext",
                                                  {"metadata": {"labels": {"bad": "1"}}})
        api.close()
    body = _error(err)
    assert body["message"] == ('GCPTrafficExtension.networking.gke.io "my-ext" is invalid: '
                               "metadata.labels.bad: must not be set")
    assert body["details"]["causes"] == [{"reason": "FieldValueInvalid",
                                          "message": "must not be set",
                                          "field": "metadata.labels.bad"}]


# ---------------------------------------------------------------------- malformed requests


def test_unsupported_patch_type_is_415(sim: GKESimulator, custom: Any,
                                       traffic_extension: Factory) -> None:
    _create(custom, traffic_extension())
    status, body = _raw(sim, "PATCH", "/apis/networking.gke.io/v1/namespaces/default/"
                        "gcptrafficextensions/my-ext", b"{}", {"Content-Type": "text/plain"})
    assert (status, body["reason"]) == (415, "UnsupportedMediaType")


def test_malformed_json_is_400(sim: GKESimulator) -> None:
    status, body = _raw(sim, "POST", "/apis/networking.gke.io/v1/namespaces/default/"
                        "gcptrafficextensions", b"{not json", {"Content-Type": "application/json"})
    assert (status, body["kind"], body["reason"]) == (400, "Status", "BadRequest")


def test_wrong_kind_in_body_is_400(sim: GKESimulator) -> None:
    status, body = _raw(sim, "POST", "/api/v1/namespaces/default/services",
                        json.dumps({"apiVersion": "v1", "kind": "Pod",
                                    "metadata": {"name": "x"}}).encode(),
                        {"Content-Type": "application/json"})
    assert status == 400
    assert "kind" in body["message"]


def test_bad_verb_is_405(sim: GKESimulator) -> None:
    status, body = _raw(sim, "PUT", "/apis/networking.gke.io/v1/namespaces/default/"
                        "gcptrafficextensions", b"{}", {"Content-Type": "application/json"})
    assert (status, body["reason"]) == (405, "MethodNotAllowed")


def test_unknown_resource_is_404(sim: GKESimulator) -> None:
    status, body = _raw(sim, "GET", "/apis/networking.gke.io/v1/namespaces/default/widgets")
    assert (status, body["reason"]) == (404, "NotFound")


# ---------------------------------------------------------------------- discovery, core


def test_discovery_lists_the_served_kinds_and_status_subresources(sim: GKESimulator) -> None:
    _, groups = _raw(sim, "GET", "/apis")
    names = {g["name"] for g in groups["groups"]}
    assert {"networking.gke.io", "gateway.networking.k8s.io", "discovery.k8s.io"} <= names
    _, resources = _raw(sim, "GET", "/apis/networking.gke.io/v1")
    by_name = {r["name"]: r for r in resources["resources"]}
    assert by_name["gcptrafficextensions"]["kind"] == "GCPTrafficExtension"
    assert by_name["gcptrafficextensions"]["namespaced"] is True
    assert "watch" in by_name["gcptrafficextensions"]["verbs"]
    assert by_name["gcptrafficextensions/status"]["verbs"] == ["get", "patch", "update"]
    _, core_list = _raw(sim, "GET", "/api/v1")
    namespaces = next(r for r in core_list["resources"] if r["name"] == "namespaces")
    assert namespaces["namespaced"] is False
    assert "ns" in namespaces["shortNames"]
    _, version = _raw(sim, "GET", "/version")
    assert (version["major"], version["minor"]) == ("1", "33")


def test_events_can_be_selected_by_involved_object(core: Any) -> None:
    for name in ("a", "b"):
        core.create_namespaced_event("default", {
            "metadata": {"name": f"{name}.1"}, "involvedObject": {"name": name, "uid": "u"},
            "reason": "Sync", "message": "m", "type": "Normal"})
    events = core.list_namespaced_event(
        "default", field_selector="involvedObject.name=b,involvedObject.uid=other")
    assert [e.metadata.name for e in events.items] == []
    events = core.list_namespaced_event("default", field_selector="involvedObject.name=b")
    assert [e.metadata.name for e in events.items] == ["b.1"]


def test_core_service_strategic_merge_patch(core: Any) -> None:
    core.create_namespaced_service("default", {
        "metadata": {"name": "svc"},
        "spec": {"ports": [{"name": "grpc", "port": 443}], "selector": {"app": "x"}}})
    patched = core.patch_namespaced_service(
        "svc", "default", {"spec": {"ports": [{"port": 443, "appProtocol": "HTTP2"}]}},
        _content_type="application/strategic-merge-patch+json")
    assert patched.spec.ports[0].name == "grpc"
    assert patched.spec.ports[0].app_protocol == "HTTP2"


def test_head_and_options_are_405_statuses(sim: GKESimulator) -> None:
    status, body = _raw(sim, "OPTIONS", "/api/v1/namespaces")
    assert (status, body["kind"], body["reason"]) == (405, "Status", "MethodNotAllowed")
    url = urlsplit(sim.kube_url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    conn.request("HEAD", "/api/v1/namespaces")
    assert conn.getresponse().status == 405
    conn.close()


def test_invalid_object_name_is_422_for_every_kind(sim: GKESimulator) -> None:
    status, body = _raw(sim, "POST", "/apis/gateway.networking.k8s.io/v1/namespaces/default/"
                        "gateways", json.dumps({"metadata": {"name": "My_Gateway"},
                                                "spec": {}}).encode(),
                        {"Content-Type": "application/json"})
    assert (status, body["reason"]) == (422, "Invalid")
    assert body["message"].startswith(
        'Gateway.gateway.networking.k8s.io "My_Gateway" is invalid: metadata.name: Invalid '
        'value: "My_Gateway": a lowercase RFC 1123 subdomain')
    assert body["details"]["causes"][0]["field"] == "metadata.name"


def test_a_failing_validator_answers_a_500_status(traffic_extension: Factory) -> None:
    def broken(info: Any, obj: Any) -> list[Problem]:
        raise RuntimeError("validator bug")

    with GKESimulator(gcp=False, controller=False, admission=False, validator=broken) as sim:
        status, body = _raw(sim, "POST", "/apis/networking.gke.io/v1/namespaces/default/"
                            "gcptrafficextensions", json.dumps(traffic_extension()).encode(),
                            {"Content-Type": "application/json"})
    assert (status, body["kind"], body["reason"]) == (500, "Status", "InternalError")
    assert "validator bug" in body["message"]


def _with_typo(traffic_extension: Factory) -> dict[str, Any]:
    body = traffic_extension()
    body["spec"]["extensionChains"][0]["extensions"][0]["timeoutt"] = "1s"
    return body


def test_strict_field_validation_rejects_unknown_fields(custom: Any,
                                                        traffic_extension: Factory) -> None:
    with pytest.raises(client.ApiException) as err:
        _create(custom, _with_typo(traffic_extension), field_validation="Strict")
    body = _error(err)
    assert (body["code"], body["reason"]) == (400, "BadRequest")
    assert body["message"] == (
        'GCPTrafficExtension in version "v1" cannot be handled as a GCPTrafficExtension: '
        'strict decoding error: unknown field '
        '"spec.extensionChains[0].extensions[0].timeoutt"')


def test_warn_field_validation_answers_a_warning_header(custom: Any,
                                                        traffic_extension: Factory) -> None:
    _, code, headers = custom.create_namespaced_custom_object_with_http_info(
        GROUP, VERSION, "default", PLURAL, _with_typo(traffic_extension))
    assert code == 201
    assert headers["Warning"] == (
        '299 - "unknown field \\"spec.extensionChains[0].extensions[0].timeoutt\\""')


def test_ignore_field_validation_is_silent(custom: Any, traffic_extension: Factory) -> None:
    _, code, headers = custom.create_namespaced_custom_object_with_http_info(
        GROUP, VERSION, "default", PLURAL, _with_typo(traffic_extension),
        field_validation="Ignore")
    assert code == 201
    assert "Warning" not in headers


def test_delete_collection_with_a_label_selector(custom: Any,
                                                 traffic_extension: Factory) -> None:
    _create(custom, traffic_extension("a", labels={"batch": "1"}))
    _create(custom, traffic_extension("b", labels={"batch": "1"}))
    _create(custom, traffic_extension("c"))
    custom.delete_collection_namespaced_custom_object(GROUP, VERSION, "default", PLURAL,
                                                      label_selector="batch=1")
    left = custom.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL)["items"]
    assert [o["metadata"]["name"] for o in left] == ["c"]


def test_replace_status_with_a_stale_resource_version_conflicts(
        custom: Any, traffic_extension: Factory) -> None:
    stale = _create(custom, traffic_extension())
    custom.patch_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "my-ext",
                                          {"metadata": {"labels": {"a": "b"}}})
    stale["status"] = {"ancestors": []}
    with pytest.raises(client.ApiException) as err:
        custom.replace_namespaced_custom_object_status(GROUP, VERSION, "default", PLURAL,
                                                       "my-ext", stale)
    assert err.value.status == 409


def test_watch_with_label_selector_sees_objects_enter_and_leave(
        custom: Any, traffic_extension: Factory) -> None:
    _create(custom, traffic_extension("a", labels={"team": "x"}))
    _create(custom, traffic_extension("b"))

    def relabel(name: str, value: str | None) -> None:
        custom.patch_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, name,
                                              {"metadata": {"labels": {"team": value}}})

    w = Watch()
    seen: list[tuple[str, str]] = []
    for event in w.stream(custom.list_namespaced_custom_object, GROUP, VERSION, "default",
                          PLURAL, label_selector="team=x", timeout_seconds=10):
        seen.append((event["type"], event["object"]["metadata"]["name"]))
        if len(seen) == 1:
            relabel("b", "x")  # enters the selection
            relabel("a", None)  # leaves it
        if len(seen) == 3:
            w.stop()
    assert seen == [("ADDED", "a"), ("ADDED", "b"), ("DELETED", "a")]


def test_custom_resource_update_needs_a_resource_version_by_default(
        custom: Any, core: Any, traffic_extension: Factory) -> None:
    _check_unconditional_updates(custom, core, traffic_extension)


def test_unconditional_update_is_allowed_when_opted_in(traffic_extension: Factory) -> None:
    with GKESimulator(gcp=False, controller=False, admission=False,
                      allow_unconditional_update=True) as sim:
        api: Any = sim.api_client()
        try:
            custom = client.CustomObjectsApi(api)
            created = _create(custom, traffic_extension())
            del created["metadata"]["resourceVersion"]
            replaced = custom.replace_namespaced_custom_object(
                GROUP, VERSION, "default", PLURAL, "my-ext", created)
            assert replaced["metadata"]["resourceVersion"]
        finally:
            api.close()


def _check_unconditional_updates(custom: Any, core: Any, traffic_extension: Factory) -> None:
    created = _create(custom, traffic_extension())
    del created["metadata"]["resourceVersion"]
    with pytest.raises(client.ApiException) as err:
        custom.replace_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "my-ext",
                                                created)
    body = _error(err)
    assert (body["code"], body["reason"]) == (422, "Invalid")
    assert body["message"].endswith("metadata.resourceVersion: Invalid value: 0x0: must be "
                                    "specified for an update")
    # core kinds allow an unconditional update
    core.create_namespaced_service("default", {"metadata": {"name": "svc"},
                                               "spec": {"ports": [{"port": 80}]}})
    replaced = core.replace_namespaced_service("svc", "default", {
        "metadata": {"name": "svc"}, "spec": {"ports": [{"port": 81}]}})
    assert replaced.spec.ports[0].port == 81


def test_system_namespaces_cannot_be_deleted_but_others_can(core: Any) -> None:
    with pytest.raises(client.ApiException) as err:
        core.delete_namespace("default")
    assert _error(err)["message"] == ('namespaces "default" is forbidden: this namespace may '
                                      "not be deleted")
    core.create_namespace({"metadata": {"name": "scratch"}})
    core.delete_namespace("scratch")
    assert "scratch" not in [n.metadata.name for n in core.list_namespace().items]
